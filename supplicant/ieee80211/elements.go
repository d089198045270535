package ieee80211

import "fmt"

// Elements is a sequence of information elements, as ParseElements returns
// it and as the frame bodies hold it, with lookup helpers.
type Elements []Element

// Find returns the first element with this ID.
func (es Elements) Find(id uint8) (Element, bool) {
	for _, e := range es {
		if e.ID == id {
			return e, true
		}
	}
	return Element{}, false
}

// FindExtension returns the first Element ID Extension element
// (ID 255, IEEE Std 802.11-2020, 9.4.2.1) whose Element ID Extension octet
// is extID. Data still starts with that octet.
func (es Elements) FindExtension(extID uint8) (Element, bool) {
	for _, e := range es {
		if e.ID == ElemExtension && len(e.Data) >= 1 && e.Data[0] == extID {
			return e, true
		}
	}
	return Element{}, false
}

// Vendor returns every vendor-specific element with this OUI and OUI type,
// in order (for example the fragments of one P2P IE).
func (es Elements) Vendor(oui OUI, typ uint8) []Element {
	var out []Element
	for _, e := range es {
		if e.IsVendor(oui, typ) {
			out = append(out, e)
		}
	}
	return out
}

// VendorPayload concatenates the payloads of the vendor-specific elements
// with this OUI and type; see the package-level VendorPayload.
func (es Elements) VendorPayload(oui OUI, typ uint8) ([]byte, bool) {
	return VendorPayload(es, oui, typ)
}

// Append appends every element in order (see AppendElements).
func (es Elements) Append(b []byte) ([]byte, error) { return AppendElements(b, es) }

// MaxSSIDLen is the longest SSID (IEEE Std 802.11-2020, 9.4.2.2).
const MaxSSIDLen = 32

// DecodeSSID checks an SSID element body (IEEE Std 802.11-2020, 9.4.2.2):
// 0 to 32 octets, 0 being the wildcard SSID. A longer body is ErrInvalid:
// CVE-2015-1863 (docs/bad-input.md 4a #1) was an overflow copying an
// unchecked SSID of up to 255 octets from a P2P Probe Response. The result
// aliases data.
func DecodeSSID(data []byte) ([]byte, error) {
	if len(data) > MaxSSIDLen {
		return nil, fmt.Errorf("%w: SSID of %d octets exceeds %d", ErrInvalid, len(data), MaxSSIDLen)
	}
	return data, nil
}

// AppendSSID appends an SSID element; it fails for an SSID over 32 octets.
func AppendSSID(b []byte, ssid []byte) ([]byte, error) {
	if _, err := DecodeSSID(ssid); err != nil {
		return b, err
	}
	return AppendElement(b, ElemSSID, ssid)
}

// Rate is one octet of a Supported Rates and BSS Membership Selectors
// element (IEEE Std 802.11-2020, 9.4.2.3): a rate in units of 500 kb/s in
// the low 7 bits and the basic-rate flag in the top bit. The same octet
// also carries BSS membership selectors (e.g. 127 with the flag: HT PHY).
type Rate uint8

// RateBasic is the flag marking a rate as part of the BSS basic rate set.
const RateBasic Rate = 0x80

// Basic reports whether the rate is in the basic rate set.
func (r Rate) Basic() bool { return r&RateBasic != 0 }

// Value is the rate in units of 500 kb/s, without the basic flag.
func (r Rate) Value() uint8 { return uint8(r &^ RateBasic) }

// Kbps is the rate in kb/s.
func (r Rate) Kbps() int { return int(r.Value()) * 500 }

// MaxSupportedRates is the largest number of rates in a Supported Rates
// element; further rates go in Extended Supported Rates (9.4.2.12).
const MaxSupportedRates = 8

// DecodeSupportedRates decodes a Supported Rates and BSS Membership
// Selectors element body (IEEE Std 802.11-2020, 9.4.2.3): 1 to 8 rates.
func DecodeSupportedRates(data []byte) ([]Rate, error) {
	if len(data) < 1 || len(data) > MaxSupportedRates {
		return nil, fmt.Errorf("%w: Supported Rates has %d rates, want 1 to %d", ErrInvalid, len(data), MaxSupportedRates)
	}
	return ratesOf(data), nil
}

// DecodeExtSupportedRates decodes an Extended Supported Rates and BSS
// Membership Selectors element body (IEEE Std 802.11-2020, 9.4.2.12): at
// least one rate.
func DecodeExtSupportedRates(data []byte) ([]Rate, error) {
	if len(data) < 1 {
		return nil, fmt.Errorf("%w: Extended Supported Rates is empty", ErrInvalid)
	}
	return ratesOf(data), nil
}

func ratesOf(data []byte) []Rate {
	rates := make([]Rate, len(data))
	for i, r := range data {
		rates[i] = Rate(r)
	}
	return rates
}

func appendRates(b []byte, id uint8, rates []Rate) []byte {
	b = append(b, id, uint8(len(rates)))
	for _, r := range rates {
		b = append(b, uint8(r))
	}
	return b
}

// AppendSupportedRates appends a Supported Rates element; it fails unless
// there are 1 to 8 rates.
func AppendSupportedRates(b []byte, rates []Rate) ([]byte, error) {
	if len(rates) < 1 || len(rates) > MaxSupportedRates {
		return b, fmt.Errorf("%w: Supported Rates has %d rates, want 1 to %d", ErrInvalid, len(rates), MaxSupportedRates)
	}
	return appendRates(b, ElemSupportedRates, rates), nil
}

// AppendExtSupportedRates appends an Extended Supported Rates element; it
// fails unless there are 1 to 255 rates.
func AppendExtSupportedRates(b []byte, rates []Rate) ([]byte, error) {
	if len(rates) < 1 || len(rates) > MaxElementData {
		return b, fmt.Errorf("%w: Extended Supported Rates has %d rates, want 1 to %d", ErrInvalid, len(rates), MaxElementData)
	}
	return appendRates(b, ElemExtSupportedRates, rates), nil
}

// AppendRates appends the first 8 rates as a Supported Rates element and
// any others as an Extended Supported Rates element.
func AppendRates(b []byte, rates []Rate) ([]byte, error) {
	n := min(len(rates), MaxSupportedRates)
	b, err := AppendSupportedRates(b, rates[:n])
	if err != nil || len(rates) == n {
		return b, err
	}
	return AppendExtSupportedRates(b, rates[n:])
}

// DecodeDSParameterSet decodes a DSSS Parameter Set element body
// (IEEE Std 802.11-2020, 9.4.2.4): exactly one octet, the current channel.
func DecodeDSParameterSet(data []byte) (channel uint8, err error) {
	if len(data) != 1 {
		return 0, fmt.Errorf("%w: DSSS Parameter Set of %d octets, want 1", ErrInvalid, len(data))
	}
	return data[0], nil
}

// AppendDSParameterSet appends a DSSS Parameter Set element.
func AppendDSParameterSet(b []byte, channel uint8) []byte {
	return append(b, ElemDSParameterSet, 1, channel)
}

// Element body lengths of the elements kept opaque here.
const (
	HTCapabilitiesLen  = 26 // 9.4.2.55
	HTOperationLen     = 22 // 9.4.2.56
	VHTCapabilitiesLen = 12 // 9.4.2.157
	VHTOperationLen    = 5  // 9.4.2.158
)

// HTCapabilities is the body of an HT Capabilities element
// (IEEE Std 802.11-2020, 9.4.2.55), kept opaque.
type HTCapabilities [HTCapabilitiesLen]byte

// HTOperation is the body of an HT Operation element
// (IEEE Std 802.11-2020, 9.4.2.56), kept opaque.
type HTOperation [HTOperationLen]byte

// PrimaryChannel is the first octet of HT Operation: the primary channel.
func (h HTOperation) PrimaryChannel() uint8 { return h[0] }

// VHTCapabilities is the body of a VHT Capabilities element
// (IEEE Std 802.11-2020, 9.4.2.157), kept opaque.
type VHTCapabilities [VHTCapabilitiesLen]byte

// VHTOperation is the body of a VHT Operation element
// (IEEE Std 802.11-2020, 9.4.2.158), kept opaque.
type VHTOperation [VHTOperationLen]byte

func fixedBody(name string, data []byte, dst []byte) error {
	if len(data) != len(dst) {
		return fmt.Errorf("%w: %s of %d octets, want %d", ErrInvalid, name, len(data), len(dst))
	}
	copy(dst, data)
	return nil
}

// DecodeHTCapabilities checks and copies an HT Capabilities body (26 octets).
func DecodeHTCapabilities(data []byte) (HTCapabilities, error) {
	var v HTCapabilities
	return v, fixedBody("HT Capabilities", data, v[:])
}

// DecodeHTOperation checks and copies an HT Operation body (22 octets).
func DecodeHTOperation(data []byte) (HTOperation, error) {
	var v HTOperation
	return v, fixedBody("HT Operation", data, v[:])
}

// DecodeVHTCapabilities checks and copies a VHT Capabilities body (12 octets).
func DecodeVHTCapabilities(data []byte) (VHTCapabilities, error) {
	var v VHTCapabilities
	return v, fixedBody("VHT Capabilities", data, v[:])
}

// DecodeVHTOperation checks and copies a VHT Operation body (5 octets).
func DecodeVHTOperation(data []byte) (VHTOperation, error) {
	var v VHTOperation
	return v, fixedBody("VHT Operation", data, v[:])
}

// AppendHTCapabilities appends an HT Capabilities element.
func AppendHTCapabilities(b []byte, v HTCapabilities) []byte {
	return append(append(b, ElemHTCapabilities, HTCapabilitiesLen), v[:]...)
}

// AppendHTOperation appends an HT Operation element.
func AppendHTOperation(b []byte, v HTOperation) []byte {
	return append(append(b, ElemHTOperation, HTOperationLen), v[:]...)
}

// AppendVHTCapabilities appends a VHT Capabilities element.
func AppendVHTCapabilities(b []byte, v VHTCapabilities) []byte {
	return append(append(b, ElemVHTCapabilities, VHTCapabilitiesLen), v[:]...)
}

// AppendVHTOperation appends a VHT Operation element.
func AppendVHTOperation(b []byte, v VHTOperation) []byte {
	return append(append(b, ElemVHTOperation, VHTOperationLen), v[:]...)
}

// VendorSpecific is a Vendor Specific element body
// (IEEE Std 802.11-2020, 9.4.2.25): a 3-octet OUI and vendor content,
// which for the P2P, WFD and WSC IEs starts with the OUI type octet.
type VendorSpecific struct {
	OUI     OUI
	Content []byte // aliases the decoded buffer
}

// DecodeVendorSpecific decodes a Vendor Specific element body; it needs at
// least the 3 OUI octets.
func DecodeVendorSpecific(data []byte) (VendorSpecific, error) {
	if len(data) < 3 {
		return VendorSpecific{}, fmt.Errorf("%w: Vendor Specific element of %d octets has no OUI", ErrTruncated, len(data))
	}
	return VendorSpecific{OUI: OUI(data[:3]), Content: bytesOf(data[3:])}, nil
}

// AppendVendorSpecific appends a Vendor Specific element; it fails when
// the content exceeds 252 octets.
func AppendVendorSpecific(b []byte, v VendorSpecific) ([]byte, error) {
	if len(v.Content) > MaxElementData-3 {
		return b, fmt.Errorf("%w: Vendor Specific content of %d octets exceeds %d", ErrInvalid, len(v.Content), MaxElementData-3)
	}
	b = append(b, ElemVendorSpecific, uint8(3+len(v.Content)), v.OUI[0], v.OUI[1], v.OUI[2])
	return append(b, v.Content...), nil
}
