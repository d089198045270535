package gas

import (
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Advertisement Protocol IDs (IEEE Std 802.11-2020, 9.4.2.93).
const (
	AdvertisementProtocolANQP           uint8 = 0   // Access Network Query Protocol
	AdvertisementProtocolMIHInformation uint8 = 1   // MIH Information Service
	AdvertisementProtocolMIHDiscovery   uint8 = 2   // MIH Command and Event Services Capability Discovery
	AdvertisementProtocolEAS            uint8 = 3   // Emergency Alert System
	AdvertisementProtocolRLQP           uint8 = 4   // Registered Location Query Protocol
	AdvertisementProtocolVendorSpecific uint8 = 221 // followed by its own Length octet and OUI
)

// Query Response Info octets that hostap sends with ANQP: 0x00 in requests
// and 0x7F (no Query Response Length Limit beyond the fragment count) in
// responses. PAME-BI is clear in both.
const (
	QueryResponseInfoRequest  uint8 = 0x00
	QueryResponseInfoResponse uint8 = 0x7f
)

// AdvertisementProtocolTuple is one tuple of the Advertisement Protocol
// element (IEEE Std 802.11-2020, 9.4.2.93).
type AdvertisementProtocolTuple struct {
	// QueryResponseInfo holds the Query Response Length Limit (bits 0-6)
	// and PAME-BI (bit 7).
	QueryResponseInfo uint8
	// ID is the Advertisement Protocol ID. Reserved IDs are kept as one
	// octet, as for ANQP.
	ID uint8
	// Vendor is the vendor-specific Advertisement Protocol ID content after
	// its Length octet (OUI, then vendor data); only for ID 221.
	Vendor []byte
}

// QueryResponseLengthLimit returns bits 0-6 of the Query Response Info field.
func (t AdvertisementProtocolTuple) QueryResponseLengthLimit() uint8 {
	return t.QueryResponseInfo & 0x7f
}

// PAMEBI reports the Pre-Association Message Exchange BSSID Independent bit.
func (t AdvertisementProtocolTuple) PAMEBI() bool { return t.QueryResponseInfo&0x80 != 0 }

// AdvertisementProtocol is the Advertisement Protocol element (element ID
// 108; IEEE Std 802.11-2020, 9.4.2.93): one or more tuples.
type AdvertisementProtocol []AdvertisementProtocolTuple

// ANQPAdvertisementProtocol returns the element P2P service discovery sends:
// one ANQP tuple with the given Query Response Info octet.
func ANQPAdvertisementProtocol(queryResponseInfo uint8) AdvertisementProtocol {
	return AdvertisementProtocol{{QueryResponseInfo: queryResponseInfo, ID: AdvertisementProtocolANQP}}
}

// IsANQP reports whether the first tuple names ANQP, the protocol that
// carries P2P service discovery.
func (a AdvertisementProtocol) IsANQP() bool {
	return len(a) > 0 && a[0].ID == AdvertisementProtocolANQP
}

// ParseAdvertisementProtocol decodes the body (after ID and Length) of an
// Advertisement Protocol element. An empty body, a partial tuple or a vendor
// tuple whose length runs past the element fail.
func ParseAdvertisementProtocol(body []byte) (AdvertisementProtocol, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: Advertisement Protocol element has no tuple", errInvalid)
	}
	// A tuple takes at least two octets, which bounds the allocation.
	tuples := make(AdvertisementProtocol, 0, len(body)/2)
	c := cursor{b: body}
	for c.remaining() > 0 {
		info, err := c.u8("Query Response Info")
		if err != nil {
			return nil, err
		}
		id, err := c.u8("Advertisement Protocol ID")
		if err != nil {
			return nil, err
		}
		t := AdvertisementProtocolTuple{QueryResponseInfo: info, ID: id}
		if id == AdvertisementProtocolVendorSpecific {
			n, err := c.u8("vendor Advertisement Protocol ID length")
			if err != nil {
				return nil, err
			}
			if t.Vendor, err = c.bytes(int(n), "vendor Advertisement Protocol ID"); err != nil {
				return nil, err
			}
		}
		tuples = append(tuples, t)
	}
	return tuples, nil
}

// appendBody appends the element body (tuples only).
func (a AdvertisementProtocol) appendBody(b []byte) ([]byte, error) {
	if len(a) == 0 {
		return b, fmt.Errorf("%w: Advertisement Protocol element needs at least one tuple", errInvalid)
	}
	for i, t := range a {
		b = append(b, t.QueryResponseInfo, t.ID)
		switch {
		case t.ID == AdvertisementProtocolVendorSpecific:
			if len(t.Vendor) > 255 {
				return b, fmt.Errorf("%w: tuple %d: vendor Advertisement Protocol ID of %d octets exceeds 255", errInvalid, i, len(t.Vendor))
			}
			b = append(b, uint8(len(t.Vendor)))
			b = append(b, t.Vendor...)
		case len(t.Vendor) != 0:
			return b, fmt.Errorf("%w: tuple %d: vendor data with Advertisement Protocol ID %d", errInvalid, i, t.ID)
		}
	}
	return b, nil
}

// Append appends the whole element (ID 108, Length, tuples). It fails when
// there is no tuple or the body exceeds 255 octets.
func (a AdvertisementProtocol) Append(b []byte) ([]byte, error) {
	body, err := a.appendBody(nil)
	if err != nil {
		return b, err
	}
	return ieee80211.AppendElement(b, ieee80211.ElemAdvertisementProtocol, body)
}

// readAdvertisementProtocol reads one whole Advertisement Protocol element.
func readAdvertisementProtocol(c *cursor) (AdvertisementProtocol, error) {
	if c.remaining() == 0 {
		return nil, fmt.Errorf("%w: no Advertisement Protocol element at offset %d", errTruncated, c.off)
	}
	id, err := c.u8("Advertisement Protocol element ID")
	if err != nil {
		return nil, err
	}
	if id != ieee80211.ElemAdvertisementProtocol {
		return nil, fmt.Errorf("%w: element %d where the Advertisement Protocol element (108) belongs", errInvalid, id)
	}
	n, err := c.u8("Advertisement Protocol element length")
	if err != nil {
		return nil, err
	}
	body, err := c.bytes(int(n), "Advertisement Protocol element body")
	if err != nil {
		return nil, err
	}
	if n < 2 {
		return nil, fmt.Errorf("%w: Advertisement Protocol element of %d octets is shorter than one tuple", errTruncated, n)
	}
	return ParseAdvertisementProtocol(body)
}
