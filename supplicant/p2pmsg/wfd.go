package p2pmsg

import (
	"encoding/binary"
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// WFDSubelementID identifies a WFD subelement (Wi-Fi Display Technical
// Specification v2.1, 5.1.1, Table 27).
type WFDSubelementID uint8

// WFD subelement IDs (Wi-Fi Display v2.1, Table 27).
const (
	WFDDeviceInformation  WFDSubelementID = 0
	WFDAssociatedBSSID    WFDSubelementID = 1
	WFDAudioFormats       WFDSubelementID = 2
	WFDVideoFormats       WFDSubelementID = 3
	WFD3DVideoFormats     WFDSubelementID = 4
	WFDContentProtection  WFDSubelementID = 5
	WFDCoupledSink        WFDSubelementID = 6
	WFDExtendedCapability WFDSubelementID = 7
	WFDLocalIPAddress     WFDSubelementID = 8
	WFDSessionInformation WFDSubelementID = 9
	WFDAlternativeMAC     WFDSubelementID = 10
)

// WFD Device Information bitmap fields (Wi-Fi Display v2.1, 5.1.2,
// Table 29); the bitmap is big-endian on the wire.
const (
	WFDDevInfoDeviceTypeMask         uint16 = 0x0003 // 0 source, 1 primary sink, 2 secondary sink, 3 dual role
	WFDDevInfoCoupledSinkAtSource    uint16 = 0x0004
	WFDDevInfoCoupledSinkAtSink      uint16 = 0x0008
	WFDDevInfoSessionAvailableMask   uint16 = 0x0030 // 01: available for WFD Session
	WFDDevInfoServiceDiscovery       uint16 = 0x0040
	WFDDevInfoPreferredConnectivity  uint16 = 0x0080 // set: TDLS, clear: P2P
	WFDDevInfoContentProtection      uint16 = 0x0100
	WFDDevInfoTimeSynchronization    uint16 = 0x0200
	WFDDevInfoAudioUnsupportedAtSink uint16 = 0x0400
	WFDDevInfoAudioOnlyAtSource      uint16 = 0x0800
	WFDDevInfoTDLSPersistentGroup    uint16 = 0x1000
	WFDDevInfoTDLSPersistentReinvoke uint16 = 0x2000
	WFDDefaultSessionManagementPort  uint16 = 7236
)

// WFDDeviceInfo is the WFD Device Information subelement (Wi-Fi Display
// v2.1, 5.1.2).
type WFDDeviceInfo struct {
	DeviceInfo                   uint16 // WFD Device Information bitmap
	SessionManagementControlPort uint16 // TCP port, 7236 by default
	MaxThroughput                uint16 // WFD Device Maximum Throughput, Mbps
}

// WFDCoupledSinkInfo is the Coupled Sink Information subelement (Wi-Fi
// Display v2.1, 5.1.6).
type WFDCoupledSinkInfo struct {
	Status  uint8 // Coupled Sink Status bitmap (bits 0..1)
	Address ieee80211.MAC
}

// WFDSubelement is a WFD subelement kept raw.
type WFDSubelement struct {
	ID   WFDSubelementID
	Data []byte
}

// WFD is the decoded payload of a WFD IE (Wi-Fi Display v2.1, 5.1.1): a
// sequence of subelements, each a 1-octet Subelement ID, a 2-octet
// big-endian Length and a body. Subelements without a typed field are kept
// raw in Unknown; each typed one may appear once.
type WFD struct {
	DeviceInfo         *WFDDeviceInfo
	AssociatedBSSID    *ieee80211.MAC
	CoupledSink        *WFDCoupledSinkInfo
	ExtendedCapability *uint16 // WFD Extended Capability bitmap (5.1.7)

	// Unknown holds the other subelements, in received order.
	Unknown []WFDSubelement
	// Order lists the subelement IDs in received order, for round trip;
	// leave it nil when building.
	Order []WFDSubelementID
}

// ParseWFD decodes the payload of a WFD IE (the concatenated bodies of its
// vendor-specific elements after OUI and OUI type).
func ParseWFD(payload []byte) (*WFD, error) {
	w := &WFD{}
	if n := len(payload) / 3; n > 0 {
		w.Order = make([]WFDSubelementID, 0, min(n, 16))
	}
	for off := 0; off < len(payload); {
		if len(payload)-off < 3 {
			return nil, fmt.Errorf("%w: WFD subelement header at offset %d has %d of 3 octets", ieee80211.ErrTruncated, off, len(payload)-off)
		}
		id := WFDSubelementID(payload[off])
		n := int(binary.BigEndian.Uint16(payload[off+1:]))
		off += 3
		if len(payload)-off < n {
			return nil, fmt.Errorf("%w: WFD subelement %d announces %d octets, %d remain", ieee80211.ErrTruncated, id, n, len(payload)-off)
		}
		body := payload[off : off+n : off+n]
		off += n
		if err := w.decodeSubelement(id, body); err != nil {
			return nil, err
		}
		w.Order = append(w.Order, id)
	}
	return w, nil
}

func wfdLen(id WFDSubelementID, body []byte, want int) error {
	if len(body) != want {
		return fmt.Errorf("%w: WFD subelement %d of %d octets, want %d", ieee80211.ErrInvalid, id, len(body), want)
	}
	return nil
}

func wfdDup(id WFDSubelementID) error {
	return fmt.Errorf("%w: WFD subelement %d appears twice", ieee80211.ErrInvalid, id)
}

func (w *WFD) decodeSubelement(id WFDSubelementID, body []byte) error {
	switch id {
	case WFDDeviceInformation:
		if w.DeviceInfo != nil {
			return wfdDup(id)
		}
		if err := wfdLen(id, body, 6); err != nil {
			return err
		}
		w.DeviceInfo = &WFDDeviceInfo{
			DeviceInfo:                   binary.BigEndian.Uint16(body),
			SessionManagementControlPort: binary.BigEndian.Uint16(body[2:]),
			MaxThroughput:                binary.BigEndian.Uint16(body[4:]),
		}
	case WFDAssociatedBSSID:
		if w.AssociatedBSSID != nil {
			return wfdDup(id)
		}
		if err := wfdLen(id, body, 6); err != nil {
			return err
		}
		w.AssociatedBSSID = new(mac(body))
	case WFDCoupledSink:
		if w.CoupledSink != nil {
			return wfdDup(id)
		}
		if err := wfdLen(id, body, 7); err != nil {
			return err
		}
		w.CoupledSink = &WFDCoupledSinkInfo{Status: body[0], Address: mac(body[1:])}
	case WFDExtendedCapability:
		if w.ExtendedCapability != nil {
			return wfdDup(id)
		}
		if err := wfdLen(id, body, 2); err != nil {
			return err
		}
		w.ExtendedCapability = new(binary.BigEndian.Uint16(body))
	default:
		w.Unknown = append(w.Unknown, WFDSubelement{ID: id, Data: body})
	}
	return nil
}

func (w *WFD) typed(id WFDSubelementID) bool {
	switch id {
	case WFDDeviceInformation:
		return w.DeviceInfo != nil
	case WFDAssociatedBSSID:
		return w.AssociatedBSSID != nil
	case WFDCoupledSink:
		return w.CoupledSink != nil
	case WFDExtendedCapability:
		return w.ExtendedCapability != nil
	}
	return false
}

func (w *WFD) appendTyped(b []byte, id WFDSubelementID) []byte {
	var body []byte
	var scratch [7]byte
	switch id {
	case WFDDeviceInformation:
		d := w.DeviceInfo
		body = binary.BigEndian.AppendUint16(scratch[:0], d.DeviceInfo)
		body = binary.BigEndian.AppendUint16(body, d.SessionManagementControlPort)
		body = binary.BigEndian.AppendUint16(body, d.MaxThroughput)
	case WFDAssociatedBSSID:
		body = append(scratch[:0], w.AssociatedBSSID[:]...)
	case WFDCoupledSink:
		body = append(append(scratch[:0], w.CoupledSink.Status), w.CoupledSink.Address[:]...)
	case WFDExtendedCapability:
		body = binary.BigEndian.AppendUint16(scratch[:0], *w.ExtendedCapability)
	}
	return appendWFDSubelement(b, id, body)
}

func appendWFDSubelement(b []byte, id WFDSubelementID, body []byte) []byte {
	b = append(b, uint8(id))
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// Append appends the WFD IE payload: subelements in Order when set, then
// any set subelement Order does not name. It fails when a raw subelement
// is longer than 65535 octets.
func (w *WFD) Append(b []byte) ([]byte, error) {
	var done [WFDExtendedCapability + 1]bool
	u := 0
	raw := func() error {
		r := w.Unknown[u]
		u++
		if len(r.Data) > 0xffff {
			return fmt.Errorf("%w: WFD subelement %d of %d octets exceeds 65535", ieee80211.ErrInvalid, r.ID, len(r.Data))
		}
		b = appendWFDSubelement(b, r.ID, r.Data)
		return nil
	}
	for _, id := range w.Order {
		switch {
		case id <= WFDExtendedCapability && !done[id] && w.typed(id):
			b = w.appendTyped(b, id)
			done[id] = true
		case u < len(w.Unknown) && w.Unknown[u].ID == id:
			if err := raw(); err != nil {
				return b, err
			}
		}
	}
	for id := WFDDeviceInformation; id <= WFDExtendedCapability; id++ {
		if !done[id] && w.typed(id) {
			b = w.appendTyped(b, id)
		}
	}
	for u < len(w.Unknown) {
		if err := raw(); err != nil {
			return b, err
		}
	}
	return b, nil
}

// ParseWFDIE decodes the WFD IE in elems (vendor-specific elements with the
// WFA OUI and OUI type 0x0a, concatenated). found reports whether any such
// element was present.
func ParseWFDIE(elems []ieee80211.Element) (w *WFD, found bool, err error) {
	payload, found := ieee80211.VendorPayload(elems, ieee80211.OUIWFA, ieee80211.VendorTypeWFD)
	if !found {
		return nil, false, nil
	}
	w, err = ParseWFD(payload)
	if err != nil {
		return nil, true, err
	}
	return w, true, nil
}

// AppendWFDIE appends w as a WFD IE split over as many vendor-specific
// elements as needed.
func AppendWFDIE(b []byte, w *WFD) ([]byte, error) {
	payload, err := w.Append(nil)
	if err != nil {
		return b, err
	}
	return ieee80211.AppendVendor(b, ieee80211.OUIWFA, ieee80211.VendorTypeWFD, payload), nil
}
