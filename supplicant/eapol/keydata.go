package eapol

import (
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// paddingOctet starts the padding of a Key Data field (IEEE Std 802.11-2020,
// 12.7.2): one 0xdd octet, then zero or more 0x00 octets.
const paddingOctet = 0xdd

// KeyData is the plaintext Key Data field of an EAPOL-Key frame
// (IEEE Std 802.11-2020, 12.7.2): a sequence of elements (RSNE, RSNXE, the
// WPA vendor element...) and KDEs, which are vendor-specific elements whose
// body starts with an OUI and a data type (Figure 12-35), then optional
// padding.
type KeyData struct {
	// Elements holds the elements and KDEs in order, unknown ones included.
	// Use AsKDE or KeyData.KDEs to read a KDE.
	Elements []ieee80211.Element
	// Padding holds the padding octets: 0xdd then zeros; nil if none.
	Padding []byte
}

// ParseKeyData splits a plaintext (decrypted) Key Data field. Padding starts
// where an element would, at an 0xdd octet that is the last octet or is
// followed by 0x00 (an empty vendor element carries nothing, so hostap reads
// it the same way); everything after it must be 0x00. It fails with
// ErrTruncated when an element overruns the field and with ErrInvalid when
// non-zero octets follow the padding. Element bodies alias b.
func ParseKeyData(b []byte) (KeyData, error) {
	var kd KeyData
	// Each element takes at least two octets, which bounds the allocation.
	kd.Elements = make([]ieee80211.Element, 0, min(len(b)/2, 16))
	for off := 0; off < len(b); {
		if b[off] == paddingOctet && (off == len(b)-1 || b[off+1] == 0) {
			if !isZero(b[off+1:]) {
				return KeyData{}, fmt.Errorf("eapol: %w: non-zero octet in the Key Data padding at offset %d", ErrInvalid, off)
			}
			kd.Padding = b[off:len(b):len(b)]
			break
		}
		if len(b)-off < 2 {
			return KeyData{}, fmt.Errorf("eapol: %w: Key Data element header at offset %d has 1 of 2 octets", ErrTruncated, off)
		}
		id, n := b[off], int(b[off+1])
		if len(b)-off-2 < n {
			return KeyData{}, fmt.Errorf("eapol: %w: Key Data element %d at offset %d announces %d octets, %d remain",
				ErrTruncated, id, off, n, len(b)-off-2)
		}
		kd.Elements = append(kd.Elements, ieee80211.Element{ID: id, Data: sub(b, off+2, off+2+n)})
		off += 2 + n
	}
	if len(kd.Elements) == 0 {
		kd.Elements = nil
	}
	return kd, nil
}

// Append appends the encoded Key Data (elements, then Padding) to b. It
// fails when an element body exceeds 255 octets, when an element is an empty
// vendor-specific element (it would read back as padding) and when Padding is
// not 0xdd followed by zeros.
func (kd KeyData) Append(b []byte) ([]byte, error) {
	for _, e := range kd.Elements {
		if e.ID == ieee80211.ElemVendorSpecific && len(e.Data) == 0 {
			return b, fmt.Errorf("eapol: %w: empty vendor-specific element in Key Data reads as padding", ErrInvalid)
		}
		var err error
		if b, err = ieee80211.AppendElement(b, e.ID, e.Data); err != nil {
			return b, err
		}
	}
	if len(kd.Padding) > 0 && (kd.Padding[0] != paddingOctet || !isZero(kd.Padding[1:])) {
		return b, fmt.Errorf("eapol: %w: Key Data padding must be 0xdd then zeros", ErrInvalid)
	}
	return append(b, kd.Padding...), nil
}

// Encode returns the encoded Key Data; see [KeyData.Append].
func (kd KeyData) Encode() ([]byte, error) {
	n := len(kd.Padding)
	for _, e := range kd.Elements {
		n += 2 + len(e.Data)
	}
	return kd.Append(make([]byte, 0, n))
}

// EncodePadded encodes the elements and pads them for AES key wrap, ignoring
// kd.Padding: see [PadKeyData].
func (kd KeyData) EncodePadded() ([]byte, error) {
	b, err := KeyData{Elements: kd.Elements}.Encode()
	if err != nil {
		return nil, err
	}
	return PadKeyData(b), nil
}

// PaddingLen returns how many padding octets a Key Data field of n octets
// needs before NIST AES key wrap: enough to make it a multiple of 8 octets
// and at least 16 octets long (IEEE Std 802.11-2020, 12.7.2, Key Data).
func PaddingLen(n int) int {
	p := (8 - n%8) % 8
	if n+p < 16 {
		p = 16 - n
	}
	return p
}

// PadKeyData appends the AES key wrap padding (0xdd, then zeros; see
// PaddingLen) to a plaintext Key Data field b and returns the result. A field
// that is already a multiple of 8 octets and at least 16 long is returned
// unchanged.
func PadKeyData(b []byte) []byte {
	p := PaddingLen(len(b))
	if p == 0 {
		return b
	}
	b = append(b, paddingOctet)
	return append(b, make([]byte, p-1)...)
}

// KDEs returns the KDEs among the elements, in order: every vendor-specific
// element of at least four octets (see AsKDE).
func (kd KeyData) KDEs() []KDE {
	var out []KDE
	for _, e := range kd.Elements {
		if k, ok := AsKDE(e); ok {
			out = append(out, k)
		}
	}
	return out
}

// FindKDE returns the first KDE with this OUI and data type.
func (kd KeyData) FindKDE(oui ieee80211.OUI, typ uint8) (KDE, bool) {
	for _, e := range kd.Elements {
		if k, ok := AsKDE(e); ok && k.Is(oui, typ) {
			return k, true
		}
	}
	return KDE{}, false
}

// FindElement returns the first element with this Element ID, e.g.
// ieee80211.ElemRSN for the RSNE that 2/4 and 3/4 carry.
func (kd KeyData) FindElement(id uint8) (ieee80211.Element, bool) {
	for _, e := range kd.Elements {
		if e.ID == id {
			return e, true
		}
	}
	return ieee80211.Element{}, false
}
