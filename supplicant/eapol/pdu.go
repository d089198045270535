package eapol

import (
	"encoding/binary"
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Errors returned by the decoders. They are the ieee80211 sentinels, so a
// caller can test either package's name with errors.Is; the messages say
// which field failed.
var (
	// ErrTruncated means the input ended before a field its own lengths announce.
	ErrTruncated = ieee80211.ErrTruncated
	// ErrInvalid means a field holds a value the standard does not allow.
	ErrInvalid = ieee80211.ErrInvalid
)

// Protocol Version values (IEEE Std 802.1X-2020, 11.3.1).
const (
	Version2001 uint8 = 1 // IEEE Std 802.1X-2001
	Version2004 uint8 = 2 // IEEE Std 802.1X-2004
	Version2010 uint8 = 3 // IEEE Std 802.1X-2010 and -2020
)

// PacketType is the Packet Type field of an EAPOL PDU
// (IEEE Std 802.1X-2020, 11.3.2, Table 11-3).
type PacketType uint8

// Packet Type values. Types this package does not decode further are kept
// in PDU.Body as they came.
const (
	PacketEAP                  PacketType = 0 // EAPOL-EAP (EAP-Packet)
	PacketStart                PacketType = 1 // EAPOL-Start
	PacketLogoff               PacketType = 2 // EAPOL-Logoff
	PacketKey                  PacketType = 3 // EAPOL-Key
	PacketEncapsulatedASFAlert PacketType = 4 // EAPOL-Encapsulated-ASF-Alert
	PacketMKA                  PacketType = 5 // EAPOL-MKA
	PacketAnnouncementGeneric  PacketType = 6 // EAPOL-Announcement (Generic)
	PacketAnnouncementSpecific PacketType = 7 // EAPOL-Announcement (Specific)
	PacketAnnouncementReq      PacketType = 8 // EAPOL-Announcement-Req
)

// String names the packet type as 802.1X does.
func (t PacketType) String() string {
	switch t {
	case PacketEAP:
		return "EAPOL-EAP"
	case PacketStart:
		return "EAPOL-Start"
	case PacketLogoff:
		return "EAPOL-Logoff"
	case PacketKey:
		return "EAPOL-Key"
	case PacketEncapsulatedASFAlert:
		return "EAPOL-Encapsulated-ASF-Alert"
	case PacketMKA:
		return "EAPOL-MKA"
	case PacketAnnouncementGeneric:
		return "EAPOL-Announcement(Generic)"
	case PacketAnnouncementSpecific:
		return "EAPOL-Announcement(Specific)"
	case PacketAnnouncementReq:
		return "EAPOL-Announcement-Req"
	}
	return fmt.Sprintf("PacketType(%d)", uint8(t))
}

// HeaderLen is the length of the EAPOL PDU header: Protocol Version,
// Packet Type and Packet Body Length.
const HeaderLen = 4

// MaxBodyLen is the largest Packet Body Length (a 16-bit field).
const MaxBodyLen = 0xffff

// PDU is one EAPOL PDU (IEEE Std 802.1X-2020, 11.3, Figure 11-1).
//
// The Packet Body Length field is len(Body). Padding holds the octets that
// follow the body in the received buffer (Ethernet minimum-frame padding,
// which receivers ignore); they are not part of the PDU and are kept only so
// that encoding gives back the input.
type PDU struct {
	Version uint8      // Protocol Version
	Type    PacketType // Packet Type
	Body    []byte     // Packet Body, exactly Packet Body Length octets
	Padding []byte     // octets after the body; nil if none
}

// DecodePDU decodes an EAPOL PDU. It fails with ErrTruncated when the
// header is incomplete or the Packet Body Length exceeds the data. It
// accepts every Protocol Version and Packet Type; see [PDU.Validate].
// Body and Padding alias b.
func DecodePDU(b []byte) (PDU, error) {
	if len(b) < HeaderLen {
		return PDU{}, fmt.Errorf("eapol: %w: PDU header has %d of %d octets", ErrTruncated, len(b), HeaderLen)
	}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if n > len(b)-HeaderLen {
		return PDU{}, fmt.Errorf("eapol: %w: Packet Body Length %d exceeds the %d octets present", ErrTruncated, n, len(b)-HeaderLen)
	}
	return PDU{
		Version: b[0],
		Type:    PacketType(b[1]),
		Body:    sub(b, HeaderLen, HeaderLen+n),
		Padding: sub(b, HeaderLen+n, len(b)),
	}, nil
}

// Append appends the encoded PDU (header, body, then Padding) to b. It fails
// when the body is longer than MaxBodyLen.
func (p PDU) Append(b []byte) ([]byte, error) {
	if len(p.Body) > MaxBodyLen {
		return b, fmt.Errorf("eapol: %w: packet body of %d octets exceeds %d", ErrInvalid, len(p.Body), MaxBodyLen)
	}
	b = append(b, p.Version, uint8(p.Type))
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.Body)))
	b = append(b, p.Body...)
	return append(b, p.Padding...), nil
}

// Encode returns the encoded PDU; see [PDU.Append].
func (p PDU) Encode() ([]byte, error) {
	return p.Append(make([]byte, 0, HeaderLen+len(p.Body)+len(p.Padding)))
}

// Validate reports a Protocol Version other than 1, 2 or 3 (IEEE Std
// 802.1X-2020, 11.3.1); iwd drops EAPOL-Key frames with any other version.
func (p PDU) Validate() error {
	if p.Version < Version2001 || p.Version > Version2010 {
		return fmt.Errorf("eapol: %w: Protocol Version %d", ErrInvalid, p.Version)
	}
	return nil
}

// sub returns b[i:j] with its capacity capped, or nil when it is empty, so
// that decoded values compare equal to ones built by hand and appending to
// them never writes into the input.
func sub(b []byte, i, j int) []byte {
	if i == j {
		return nil
	}
	return b[i:j:j]
}
