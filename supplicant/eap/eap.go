// Package eap encodes and decodes Extensible Authentication Protocol
// packets (RFC 3748, 4) and the framing of the EAP-WSC method that carries
// Wi-Fi Simple Configuration messages (Wi-Fi Simple Configuration
// Technical Specification v2.0.x, EAP message framing; hostap
// src/eap_common/eap_wsc_common.h).
//
// It is a codec only: no I/O, no state machines, no logging. Reassembler
// and Fragment handle EAP-WSC fragmentation as pure data transformations.
// Byte slices in decoded values alias the input buffer.
package eap

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors returned by the decoders; callers branch on them with errors.Is.
var (
	// ErrTruncated means the input ended before a field its own lengths announce.
	ErrTruncated = errors.New("eap: truncated")
	// ErrInvalid means a field holds a value the specification does not allow.
	ErrInvalid = errors.New("eap: invalid value")
	// ErrTooLong means an EAP-WSC message exceeds the reassembly limit or
	// what its first fragment announced.
	ErrTooLong = errors.New("eap: message too long")
)

// Code is the EAP Code field (RFC 3748, 4).
type Code uint8

// EAP codes (RFC 3748, 4).
const (
	CodeRequest  Code = 1
	CodeResponse Code = 2
	CodeSuccess  Code = 3
	CodeFailure  Code = 4
)

// String returns the RFC's name of the code.
func (c Code) String() string {
	switch c {
	case CodeRequest:
		return "Request"
	case CodeResponse:
		return "Response"
	case CodeSuccess:
		return "Success"
	case CodeFailure:
		return "Failure"
	}
	return fmt.Sprintf("code %d", uint8(c))
}

// Type is the EAP Type field of a Request or Response (RFC 3748, 5).
type Type uint8

// EAP types used here (RFC 3748, 5; IANA "EAP Method Types").
const (
	TypeIdentity     Type = 1
	TypeNotification Type = 2
	TypeNak          Type = 3 // Response only
	TypeMD5Challenge Type = 4
	TypeExpanded     Type = 254 // Expanded Type (RFC 3748, 5.7)
)

// Expanded Type values for EAP-WSC (WSC 2.0.x; hostap EAP_VENDOR_WFA,
// EAP_VENDOR_TYPE_WSC).
const (
	VendorWFA              uint32 = 0x00372a // Wi-Fi Alliance SMI code 14122
	VendorTypeSimpleConfig uint32 = 1        // EAP-WSC
)

// Identities an EAP-WSC peer gives in its EAP-Response/Identity (WSC 2.0.x;
// hostap WSC_ID_ENROLLEE, WSC_ID_REGISTRAR).
const (
	IdentityEnrollee  = "WFA-SimpleConfig-Enrollee-1-0"
	IdentityRegistrar = "WFA-SimpleConfig-Registrar-1-0"
)

// Header and field sizes (RFC 3748, 4 and 5.7).
const (
	headerLen   = 4 // Code, Identifier, Length
	expandedLen = 7 // Vendor-Id (3), Vendor-Type (4)
	// MaxPacketLen is the largest packet the 16-bit Length field allows.
	MaxPacketLen = 0xffff
)

// Packet is one EAP packet (RFC 3748, 4). Type and Data are used only by
// Requests and Responses; for Expanded Type (254) VendorID (24 bits) and
// VendorType follow the Type octet and Data is what comes after them.
// Success and Failure carry nothing after the header.
type Packet struct {
	Code       Code
	Identifier uint8
	Type       Type
	VendorID   uint32
	VendorType uint32
	Data       []byte
}

// Decode decodes one EAP packet. The input must be exactly the packet:
// its Length field must equal len(b) (the EAPOL layer bounds the packet
// with its own Body Length and removes link-layer padding). Codes other
// than Request, Response, Success and Failure are rejected.
func Decode(b []byte) (Packet, error) {
	if len(b) < headerLen {
		return Packet{}, fmt.Errorf("%w: EAP header of %d of 4 octets", ErrTruncated, len(b))
	}
	p := Packet{Code: Code(b[0]), Identifier: b[1]}
	n := int(binary.BigEndian.Uint16(b[2:]))
	switch {
	case n > len(b):
		return Packet{}, fmt.Errorf("%w: Length %d, %d octets present", ErrTruncated, n, len(b))
	case n < len(b):
		return Packet{}, fmt.Errorf("%w: Length %d, %d octets present", ErrInvalid, n, len(b))
	}
	switch p.Code {
	case CodeSuccess, CodeFailure:
		if n != headerLen {
			return Packet{}, fmt.Errorf("%w: %v with Length %d, want 4", ErrInvalid, p.Code, n)
		}
		return p, nil
	case CodeRequest, CodeResponse:
	default:
		return Packet{}, fmt.Errorf("%w: %v", ErrInvalid, p.Code)
	}
	if n < headerLen+1 {
		return Packet{}, fmt.Errorf("%w: %v without a Type", ErrTruncated, p.Code)
	}
	p.Type = Type(b[headerLen])
	rest := b[headerLen+1 : n : n]
	if p.Type == TypeExpanded {
		if len(rest) < expandedLen {
			return Packet{}, fmt.Errorf("%w: Expanded Type header of %d of 7 octets", ErrTruncated, len(rest))
		}
		p.VendorID = uint32(rest[0])<<16 | uint32(rest[1])<<8 | uint32(rest[2])
		p.VendorType = binary.BigEndian.Uint32(rest[3:])
		rest = rest[expandedLen:]
	}
	p.Data = rest
	return p, nil
}

// Len returns the encoded length of the packet.
func (p Packet) Len() int {
	switch p.Code {
	case CodeRequest, CodeResponse:
		n := headerLen + 1 + len(p.Data)
		if p.Type == TypeExpanded {
			n += expandedLen
		}
		return n
	}
	return headerLen
}

// Append appends the encoded packet to b. It fails for an unknown Code,
// Data on Success or Failure, a Vendor-Id over 24 bits, or a packet over
// 65535 octets.
func (p Packet) Append(b []byte) ([]byte, error) {
	switch p.Code {
	case CodeRequest, CodeResponse:
	case CodeSuccess, CodeFailure:
		if len(p.Data) != 0 {
			return b, fmt.Errorf("%w: %v with data", ErrInvalid, p.Code)
		}
	default:
		return b, fmt.Errorf("%w: %v", ErrInvalid, p.Code)
	}
	n := p.Len()
	if n > MaxPacketLen {
		return b, fmt.Errorf("%w: packet of %d octets exceeds %d", ErrInvalid, n, MaxPacketLen)
	}
	b = append(b, byte(p.Code), p.Identifier)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	if p.Code == CodeSuccess || p.Code == CodeFailure {
		return b, nil
	}
	b = append(b, byte(p.Type))
	if p.Type == TypeExpanded {
		if p.VendorID > 0xffffff {
			return b, fmt.Errorf("%w: Vendor-Id 0x%x does not fit 24 bits", ErrInvalid, p.VendorID)
		}
		b = append(b, byte(p.VendorID>>16), byte(p.VendorID>>8), byte(p.VendorID))
		b = binary.BigEndian.AppendUint32(b, p.VendorType)
	}
	return append(b, p.Data...), nil
}

// Encode encodes the packet into a new buffer.
func (p Packet) Encode() ([]byte, error) { return p.Append(make([]byte, 0, p.Len())) }

// IsWSC reports whether p is an EAP-WSC Request or Response (Expanded
// Type, Vendor-Id WFA, Vendor-Type SimpleConfig).
func (p Packet) IsWSC() bool {
	return (p.Code == CodeRequest || p.Code == CodeResponse) &&
		p.Type == TypeExpanded && p.VendorID == VendorWFA && p.VendorType == VendorTypeSimpleConfig
}

// WSC decodes the EAP-WSC framing of p. It fails if p is not EAP-WSC.
func (p Packet) WSC() (WSCFrame, error) {
	if !p.IsWSC() {
		return WSCFrame{}, fmt.Errorf("%w: not an EAP-WSC packet (type %d, vendor 0x%06x/%d)", ErrInvalid, p.Type, p.VendorID, p.VendorType)
	}
	return DecodeWSC(p.Data)
}

// IdentityRequest returns an EAP-Request/Identity with no prompt.
func IdentityRequest(id uint8) Packet {
	return Packet{Code: CodeRequest, Identifier: id, Type: TypeIdentity, Data: []byte{}}
}

// IdentityResponse returns an EAP-Response/Identity carrying identity,
// e.g. IdentityEnrollee.
func IdentityResponse(id uint8, identity string) Packet {
	return Packet{Code: CodeResponse, Identifier: id, Type: TypeIdentity, Data: []byte(identity)}
}

// WSCPacket wraps an EAP-WSC frame in a Request or Response.
func WSCPacket(code Code, id uint8, f WSCFrame) (Packet, error) {
	data, err := f.Append(nil)
	if err != nil {
		return Packet{}, err
	}
	return Packet{
		Code: code, Identifier: id, Type: TypeExpanded,
		VendorID: VendorWFA, VendorType: VendorTypeSimpleConfig, Data: data,
	}, nil
}
