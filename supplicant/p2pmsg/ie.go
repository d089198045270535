package p2pmsg

import (
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// ParseIE decodes the P2P attributes of the P2P IE in elems (Wi-Fi P2P
// v1.7, 4.1.1): the bodies of every vendor-specific element with the WFA
// OUI and OUI type 9, concatenated, since one P2P IE may be split over
// several elements. found reports whether any such element was present;
// an empty P2P IE gives empty Attributes.
func ParseIE(elems []ieee80211.Element) (attrs *Attributes, found bool, err error) {
	payload, found := ieee80211.VendorPayload(elems, ieee80211.OUIWFA, ieee80211.VendorTypeP2P)
	if !found {
		return nil, false, nil
	}
	attrs, err = ParseAttributes(payload)
	if err != nil {
		return nil, true, err
	}
	return attrs, true, nil
}

// AppendIE appends attrs as a P2P IE, split over as many vendor-specific
// elements as its payload needs (at most 251 payload octets each).
func AppendIE(b []byte, attrs *Attributes) ([]byte, error) {
	payload, err := attrs.Append(nil)
	if err != nil {
		return b, err
	}
	return ieee80211.AppendVendor(b, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, payload), nil
}
