package ieee80211

import (
	"errors"
	"fmt"
)

// Element IDs used by P2P (IEEE Std 802.11-2020, Table 9-92).
const (
	ElemSSID                  uint8 = 0
	ElemSupportedRates        uint8 = 1
	ElemDSParameterSet        uint8 = 3
	ElemTIM                   uint8 = 5
	ElemCountry               uint8 = 7
	ElemRequest               uint8 = 10
	ElemHTCapabilities        uint8 = 45
	ElemRSN                   uint8 = 48
	ElemExtSupportedRates     uint8 = 50
	ElemHTOperation           uint8 = 61
	ElemAdvertisementProtocol uint8 = 108
	ElemExtCapabilities       uint8 = 127
	ElemVHTCapabilities       uint8 = 191
	ElemVHTOperation          uint8 = 192
	ElemVendorSpecific        uint8 = 221
	ElemExtension             uint8 = 255
)

// MaxElementData is the largest element body: the length octet is 8 bits.
const MaxElementData = 255

// Errors shared by the element decoders; callers branch on them with errors.Is.
var (
	// ErrTruncated means the input ended before a field that its own lengths announce.
	ErrTruncated = errors.New("ieee80211: truncated")
	// ErrInvalid means a field holds a value the standard does not allow.
	ErrInvalid = errors.New("ieee80211: invalid value")
)

// Element is one information element: its ID and its body (without the
// two-octet header). Data aliases the decoded buffer.
type Element struct {
	ID   uint8
	Data []byte
}

// ParseElements splits a sequence of information elements
// (IEEE Std 802.11-2020, 9.4.2.1). It fails if the last element's length
// overruns the input; it never copies element bodies.
func ParseElements(b []byte) ([]Element, error) {
	// Each element takes at least two octets, which bounds the allocation.
	elems := make([]Element, 0, min(len(b)/2, 64))
	for off := 0; off < len(b); {
		if len(b)-off < 2 {
			return nil, fmt.Errorf("%w: element header at offset %d has %d of 2 octets", ErrTruncated, off, len(b)-off)
		}
		id, n := b[off], int(b[off+1])
		if len(b)-off-2 < n {
			return nil, fmt.Errorf("%w: element %d at offset %d announces %d octets, %d remain", ErrTruncated, id, off, n, len(b)-off-2)
		}
		elems = append(elems, Element{ID: id, Data: b[off+2 : off+2+n : off+2+n]})
		off += 2 + n
	}
	return elems, nil
}

// AppendElement appends one element with the given ID and body. It fails
// when the body is longer than 255 octets.
func AppendElement(b []byte, id uint8, data []byte) ([]byte, error) {
	if len(data) > MaxElementData {
		return b, fmt.Errorf("%w: element %d body of %d octets exceeds 255", ErrInvalid, id, len(data))
	}
	b = append(b, id, uint8(len(data)))
	return append(b, data...), nil
}

// AppendElements appends elements in order, failing on the first that is too long.
func AppendElements(b []byte, elems []Element) ([]byte, error) {
	var err error
	for _, e := range elems {
		if b, err = AppendElement(b, e.ID, e.Data); err != nil {
			return b, err
		}
	}
	return b, nil
}

// OUI is an IEEE organizationally unique identifier.
type OUI [3]byte

// Vendor OUIs and OUI types of the vendor-specific elements P2P uses.
var (
	OUIWFA       = OUI{0x50, 0x6f, 0x9a} // Wi-Fi Alliance
	OUIMicrosoft = OUI{0x00, 0x50, 0xf2} // WSC (type 4), WMM (type 2)
)

// Vendor-specific element OUI types.
const (
	VendorTypeWSC uint8 = 0x04 // with OUIMicrosoft: WSC IE (WSC 2.0.x, 8.2)
	VendorTypeP2P uint8 = 0x09 // with OUIWFA: P2P IE (Wi-Fi P2P 4.1.1)
	VendorTypeWFD uint8 = 0x0a // with OUIWFA: WFD IE (Wi-Fi Display 5.1.1)
)

// IsVendor reports whether e is a vendor-specific element with this OUI and OUI type.
func (e Element) IsVendor(oui OUI, typ uint8) bool {
	return e.ID == ElemVendorSpecific && len(e.Data) >= 4 &&
		e.Data[0] == oui[0] && e.Data[1] == oui[1] && e.Data[2] == oui[2] && e.Data[3] == typ
}

// VendorPayload gathers the bodies (after OUI and OUI type) of every
// vendor-specific element with this OUI and type, in order, into one buffer.
// The P2P and WSC specifications allow one logical IE to be split over
// several consecutive elements (Wi-Fi P2P 4.1.1; WSC 2.0.x 8.2). found
// reports whether any such element was present.
func VendorPayload(elems []Element, oui OUI, typ uint8) (payload []byte, found bool) {
	for _, e := range elems {
		if e.IsVendor(oui, typ) {
			found = true
			payload = append(payload, e.Data[4:]...)
		}
	}
	return payload, found
}

// AppendVendor appends payload as one or more vendor-specific elements with
// this OUI and type, each carrying at most 251 octets of payload. An empty
// payload still produces one element (an empty P2P IE is meaningful).
func AppendVendor(b []byte, oui OUI, typ uint8, payload []byte) []byte {
	const chunk = MaxElementData - 4
	for first := true; first || len(payload) > 0; first = false {
		n := min(len(payload), chunk)
		b = append(b, ElemVendorSpecific, uint8(4+n), oui[0], oui[1], oui[2], typ)
		b = append(b, payload[:n]...)
		payload = payload[n:]
	}
	return b
}
