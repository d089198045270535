package wsc

import (
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// VendorID is the 24-bit SMI network management private enterprise code
// that opens a Vendor Extension attribute.
type VendorID uint32

// VendorIDWFA is the Wi-Fi Alliance's Vendor ID, 00:37:2A (14122), whose
// Vendor Extension carries the WFA subelements.
const VendorIDWFA VendorID = 0x00372a

const vendorIDLen = 3

// VendorExtension is one Vendor Extension attribute (0x1049, WSC 2.0.x, 12):
// a Vendor ID and up to 1021 octets of vendor data. The WFA's own
// extension (VendorIDWFA) is read with WFA and built with
// WFAExtension.VendorExtension; Data keeps its exact octets.
type VendorExtension struct {
	VendorID VendorID
	Data     []byte
}

func decodeVendorExtension(v []byte) (VendorExtension, error) {
	if err := checkLength(Attribute{Type: AttrVendorExtension, Value: v}); err != nil {
		return VendorExtension{}, err
	}
	ext := VendorExtension{
		VendorID: VendorID(v[0])<<16 | VendorID(v[1])<<8 | VendorID(v[2]),
		Data:     v[vendorIDLen:],
	}
	if ext.VendorID == VendorIDWFA {
		if _, err := DecodeWFAExtension(ext.Data); err != nil {
			return VendorExtension{}, err
		}
	}
	return ext, nil
}

func appendVendorExtension(b []byte, ext VendorExtension) ([]byte, error) {
	if ext.VendorID > 0xffffff {
		return b, fmt.Errorf("%w: Vendor ID 0x%x does not fit 3 octets", ErrInvalid, uint32(ext.VendorID))
	}
	if vendorIDLen+len(ext.Data) > MaxVendorExtensionLen {
		return b, fmt.Errorf("%w: Vendor Extension of %d octets exceeds %d", ErrInvalid, vendorIDLen+len(ext.Data), MaxVendorExtensionLen)
	}
	if ext.VendorID == VendorIDWFA {
		if _, err := DecodeWFAExtension(ext.Data); err != nil {
			return b, err
		}
	}
	b = append(b, byte(ext.VendorID>>16), byte(ext.VendorID>>8), byte(ext.VendorID))
	return append(b, ext.Data...), nil
}

// WFA returns the content of the first WFA Vendor Extension in exts.
func WFA(exts []VendorExtension) (WFAExtension, bool) {
	for _, e := range exts {
		if e.VendorID != VendorIDWFA {
			continue
		}
		if w, err := DecodeWFAExtension(e.Data); err == nil {
			return w, true
		}
	}
	return WFAExtension{}, false
}

// WFA Vendor Extension subelement IDs (WSC 2.0.x, 12, "WFA Vendor
// Extension Subelements").
const (
	SubelemVersion2               uint8 = 0x00
	SubelemAuthorizedMACs         uint8 = 0x01
	SubelemNetworkKeyShareable    uint8 = 0x02
	SubelemRequestToEnroll        uint8 = 0x03
	SubelemSettingsDelayTime      uint8 = 0x04
	SubelemRegistrarConfigMethods uint8 = 0x05
)

// MaxAuthorizedMACs is the largest number of addresses in AuthorizedMACs.
const MaxAuthorizedMACs = 5

// Subelement is one raw WFA Vendor Extension subelement (1-octet ID,
// 1-octet length, value).
type Subelement struct {
	ID    uint8
	Value []byte
}

// WFAExtension is the content of the WFA Vendor Extension (Vendor ID
// 00:37:2A, WSC 2.0.x, 12). Absent subelements are zero: Version2 0, nil
// slices and pointers. Unknown keeps subelements this package does not
// interpret, in order.
type WFAExtension struct {
	// Version2 is the WSC version (0x20 for 2.0); 0 means absent.
	Version2 uint8
	// AuthorizedMACs lists Enrollees the Registrar has authorized (at most 5).
	AuthorizedMACs []ieee80211.MAC
	// NetworkKeyShareable says whether the Credential's key may be shared.
	NetworkKeyShareable *bool
	// RequestToEnroll is set by an Enrollee that wants to enroll.
	RequestToEnroll *bool
	// SettingsDelayTime is the expected delay, in seconds, before the
	// Enrollee's new settings take effect (M7).
	SettingsDelayTime *uint8
	// RegistrarConfigMethods are the Config Methods the Registrar supports.
	RegistrarConfigMethods *ConfigMethods
	// Unknown holds other subelements.
	Unknown []Subelement
}

// DecodeWFAExtension decodes the data of a WFA Vendor Extension (after the
// Vendor ID). Subelements must fill the data exactly; the fixed-size ones
// must have their exact size; none may repeat.
func DecodeWFAExtension(b []byte) (WFAExtension, error) {
	var w WFAExtension
	var seen [256]bool
	for off := 0; off < len(b); {
		if len(b)-off < 2 {
			return WFAExtension{}, fmt.Errorf("%w: WFA subelement header at offset %d has %d of 2 octets", ErrTruncated, off, len(b)-off)
		}
		id, n := b[off], int(b[off+1])
		off += 2
		if len(b)-off < n {
			return WFAExtension{}, fmt.Errorf("%w: WFA subelement %d announces %d octets, %d remain", ErrTruncated, id, n, len(b)-off)
		}
		v := b[off : off+n : off+n]
		off += n
		if seen[id] {
			return WFAExtension{}, fmt.Errorf("%w: WFA subelement %d repeated", ErrInvalid, id)
		}
		seen[id] = true
		if err := w.set(id, v); err != nil {
			return WFAExtension{}, err
		}
	}
	return w, nil
}

func (w *WFAExtension) set(id uint8, v []byte) error {
	want := 0
	switch id {
	case SubelemVersion2, SubelemNetworkKeyShareable, SubelemRequestToEnroll, SubelemSettingsDelayTime:
		want = 1
	case SubelemRegistrarConfigMethods:
		want = 2
	case SubelemAuthorizedMACs:
		if len(v)%6 != 0 || len(v) > MaxAuthorizedMACs*6 {
			return fmt.Errorf("%w: AuthorizedMACs of %d octets", ErrInvalid, len(v))
		}
		w.AuthorizedMACs = make([]ieee80211.MAC, len(v)/6)
		for i := range w.AuthorizedMACs {
			w.AuthorizedMACs[i] = ieee80211.MAC(v[i*6:])
		}
		return nil
	default:
		w.Unknown = append(w.Unknown, Subelement{ID: id, Value: v})
		return nil
	}
	if len(v) != want {
		return fmt.Errorf("%w: WFA subelement %d of %d octets, want %d", ErrInvalid, id, len(v), want)
	}
	switch id {
	case SubelemVersion2:
		if v[0] == 0 {
			return fmt.Errorf("%w: Version2 0", ErrInvalid)
		}
		w.Version2 = v[0]
	case SubelemNetworkKeyShareable:
		b, err := decodeBool(v, "Network Key Shareable")
		w.NetworkKeyShareable = &b
		return err
	case SubelemRequestToEnroll:
		b, err := decodeBool(v, "Request to Enroll")
		w.RequestToEnroll = &b
		return err
	case SubelemSettingsDelayTime:
		t := v[0]
		w.SettingsDelayTime = &t
	case SubelemRegistrarConfigMethods:
		m := ConfigMethods(uint16(v[0])<<8 | uint16(v[1]))
		w.RegistrarConfigMethods = &m
	}
	return nil
}

// Append appends the extension's subelements (not the Vendor ID) in
// subelement ID order, then Unknown in order.
func (w WFAExtension) Append(b []byte) ([]byte, error) {
	if len(w.AuthorizedMACs) > MaxAuthorizedMACs {
		return b, fmt.Errorf("%w: %d AuthorizedMACs exceed %d", ErrInvalid, len(w.AuthorizedMACs), MaxAuthorizedMACs)
	}
	if w.Version2 != 0 {
		b = append(b, SubelemVersion2, 1, w.Version2)
	}
	if w.AuthorizedMACs != nil {
		b = append(b, SubelemAuthorizedMACs, uint8(6*len(w.AuthorizedMACs)))
		for _, m := range w.AuthorizedMACs {
			b = append(b, m[:]...)
		}
	}
	if w.NetworkKeyShareable != nil {
		b = append(b, SubelemNetworkKeyShareable, 1, boolOctet(*w.NetworkKeyShareable))
	}
	if w.RequestToEnroll != nil {
		b = append(b, SubelemRequestToEnroll, 1, boolOctet(*w.RequestToEnroll))
	}
	if w.SettingsDelayTime != nil {
		b = append(b, SubelemSettingsDelayTime, 1, *w.SettingsDelayTime)
	}
	if w.RegistrarConfigMethods != nil {
		b = append(b, SubelemRegistrarConfigMethods, 2, byte(*w.RegistrarConfigMethods>>8), byte(*w.RegistrarConfigMethods))
	}
	var seen [256]bool
	for _, s := range w.Unknown {
		if seen[s.ID] {
			return b, fmt.Errorf("%w: WFA subelement %d repeated in Unknown", ErrInvalid, s.ID)
		}
		seen[s.ID] = true
		switch s.ID {
		case SubelemVersion2, SubelemAuthorizedMACs, SubelemNetworkKeyShareable, SubelemRequestToEnroll,
			SubelemSettingsDelayTime, SubelemRegistrarConfigMethods:
			return b, fmt.Errorf("%w: WFA subelement %d in Unknown has a typed field", ErrInvalid, s.ID)
		}
		if len(s.Value) > 255 {
			return b, fmt.Errorf("%w: WFA subelement %d of %d octets exceeds 255", ErrInvalid, s.ID, len(s.Value))
		}
		b = append(b, s.ID, uint8(len(s.Value)))
		b = append(b, s.Value...)
	}
	return b, nil
}

// VendorExtension wraps the extension in a Vendor Extension with the WFA
// Vendor ID.
func (w WFAExtension) VendorExtension() (VendorExtension, error) {
	data, err := w.Append(nil)
	if err != nil {
		return VendorExtension{}, err
	}
	if vendorIDLen+len(data) > MaxVendorExtensionLen {
		return VendorExtension{}, fmt.Errorf("%w: WFA Vendor Extension of %d octets exceeds %d", ErrInvalid, vendorIDLen+len(data), MaxVendorExtensionLen)
	}
	return VendorExtension{VendorID: VendorIDWFA, Data: data}, nil
}

func decodeBool(v []byte, name string) (bool, error) {
	switch v[0] {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, fmt.Errorf("%w: %s 0x%02x is not a Boolean", ErrInvalid, name, v[0])
}

func boolOctet(b bool) byte {
	if b {
		return 1
	}
	return 0
}
