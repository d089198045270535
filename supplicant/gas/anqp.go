package gas

import "fmt"

// ANQP Info IDs (IEEE Std 802.11-2020, 9.4.5.1). Values 0-255 are reserved.
const (
	InfoIDQueryList      uint16 = 256
	InfoIDCapabilityList uint16 = 257
	// InfoIDVendorSpecific (0xDDDD) carries P2P service discovery.
	InfoIDVendorSpecific uint16 = 56797
)

// MaxANQPElementData is the largest ANQP element body: its Length field is
// two octets.
const MaxANQPElementData = 0xffff

// ANQPElement is one ANQP element (IEEE Std 802.11-2020, 9.4.5.1): Info ID
// (2 octets, little endian), Length (2 octets, little endian) and body.
// Data aliases the decoded buffer.
type ANQPElement struct {
	InfoID uint16
	Data   []byte
}

// ParseANQPElements splits a Query Request or Query Response field into ANQP
// elements. Unknown Info IDs are kept; a partial header or a Length running
// past the input fails.
func ParseANQPElements(b []byte) ([]ANQPElement, error) {
	// Each element takes at least four octets, which bounds the allocation.
	elems := make([]ANQPElement, 0, len(b)/4)
	c := cursor{b: b}
	for c.remaining() > 0 {
		start := c.off
		id, err := c.le16("ANQP Info ID")
		if err != nil {
			return nil, err
		}
		n, err := c.le16("ANQP Length")
		if err != nil {
			return nil, err
		}
		data, err := c.bytes(int(n), "ANQP element body")
		if err != nil {
			return nil, fmt.Errorf("ANQP element %d at offset %d: %w", id, start, err)
		}
		elems = append(elems, ANQPElement{InfoID: id, Data: data})
	}
	if len(elems) == 0 {
		return nil, nil
	}
	return elems, nil
}

// AppendANQPElement appends one ANQP element; it fails when the body exceeds
// 65535 octets.
func AppendANQPElement(b []byte, e ANQPElement) ([]byte, error) {
	if len(e.Data) > MaxANQPElementData {
		return b, fmt.Errorf("%w: ANQP element %d body of %d octets exceeds %d", errInvalid, e.InfoID, len(e.Data), MaxANQPElementData)
	}
	b = appendLE16(b, e.InfoID)
	b = appendLE16(b, uint16(len(e.Data)))
	return append(b, e.Data...), nil
}

// AppendANQPElements appends elements in order, failing on the first that
// is too long.
func AppendANQPElements(b []byte, elems []ANQPElement) ([]byte, error) {
	var err error
	for _, e := range elems {
		if b, err = AppendANQPElement(b, e); err != nil {
			return b, err
		}
	}
	return b, nil
}
