package ieee80211

import (
	"encoding/binary"
	"fmt"
)

// Frame types (IEEE Std 802.11-2020, 9.2.4.1.3, Table 9-1).
const (
	TypeManagement uint8 = 0
	TypeControl    uint8 = 1
	TypeData       uint8 = 2
	TypeExtension  uint8 = 3
)

// Management frame subtypes (IEEE Std 802.11-2020, 9.2.4.1.3, Table 9-1).
const (
	SubtypeAssocReq    uint8 = 0
	SubtypeAssocResp   uint8 = 1
	SubtypeReassocReq  uint8 = 2
	SubtypeReassocResp uint8 = 3
	SubtypeProbeReq    uint8 = 4
	SubtypeProbeResp   uint8 = 5
	SubtypeTimingAdv   uint8 = 6
	SubtypeBeacon      uint8 = 8
	SubtypeATIM        uint8 = 9
	SubtypeDisassoc    uint8 = 10
	SubtypeAuth        uint8 = 11
	SubtypeDeauth      uint8 = 12
	SubtypeAction      uint8 = 13
	SubtypeActionNoAck uint8 = 14
)

// ErrNotManagement is returned by DecodeMgmt for a frame whose Frame Control
// announces a control, data or extension frame. It wraps ErrInvalid.
var ErrNotManagement = fmt.Errorf("%w: not a management frame", ErrInvalid)

// Header lengths of a management frame (IEEE Std 802.11-2020, 9.3.3.2).
const (
	MgmtHeaderLen    = 24 // without HT Control
	MgmtHeaderLenHTC = 28 // with HT Control (+HTC set)
)

// FrameControl is the Frame Control field (IEEE Std 802.11-2020, 9.2.4.1),
// one struct field per subfield, for any frame type.
type FrameControl struct {
	ProtocolVersion uint8 // 2 bits; 0 for every PV0 frame
	Type            uint8 // 2 bits, TypeManagement...
	Subtype         uint8 // 4 bits, SubtypeBeacon... for management frames
	ToDS            bool
	FromDS          bool
	MoreFragments   bool
	Retry           bool
	PowerManagement bool
	MoreData        bool
	Protected       bool // the body is encrypted (e.g. robust Action under PMF)
	Order           bool // "+HTC/Order": in a management frame, HT Control is present
}

// Frame Control flag bits, in the second octet as carried on air.
const (
	fcToDS            = 0x01
	fcFromDS          = 0x02
	fcMoreFragments   = 0x04
	fcRetry           = 0x08
	fcPowerManagement = 0x10
	fcMoreData        = 0x20
	fcProtected       = 0x40
	fcOrder           = 0x80
)

// DecodeFrameControl decodes the two-octet Frame Control field at the start
// of b; it needs only those two octets, so it also classifies captures.
func DecodeFrameControl(b []byte) (FrameControl, error) {
	if len(b) < 2 {
		return FrameControl{}, fmt.Errorf("%w: Frame Control needs 2 octets, have %d", ErrTruncated, len(b))
	}
	f := b[1]
	return FrameControl{
		ProtocolVersion: b[0] & 0x03,
		Type:            b[0] >> 2 & 0x03,
		Subtype:         b[0] >> 4,
		ToDS:            f&fcToDS != 0,
		FromDS:          f&fcFromDS != 0,
		MoreFragments:   f&fcMoreFragments != 0,
		Retry:           f&fcRetry != 0,
		PowerManagement: f&fcPowerManagement != 0,
		MoreData:        f&fcMoreData != 0,
		Protected:       f&fcProtected != 0,
		Order:           f&fcOrder != 0,
	}, nil
}

// Append appends the Frame Control field (two octets). Out-of-range
// version, type and subtype values are truncated to their bit widths.
func (fc FrameControl) Append(b []byte) []byte {
	var f uint8
	for _, x := range []struct {
		set bool
		bit uint8
	}{
		{fc.ToDS, fcToDS}, {fc.FromDS, fcFromDS}, {fc.MoreFragments, fcMoreFragments},
		{fc.Retry, fcRetry}, {fc.PowerManagement, fcPowerManagement}, {fc.MoreData, fcMoreData},
		{fc.Protected, fcProtected}, {fc.Order, fcOrder},
	} {
		if x.set {
			f |= x.bit
		}
	}
	return append(b, fc.ProtocolVersion&0x03|(fc.Type&0x03)<<2|fc.Subtype<<4, f)
}

// Header is the MAC header of a management frame
// (IEEE Std 802.11-2020, 9.3.3.2). In a management frame Address 1 is the
// receiver (DA), Address 2 the transmitter (SA) and Address 3 the BSSID.
type Header struct {
	FrameControl   FrameControl
	Duration       uint16 // Duration/ID field, microseconds
	Addr1          MAC    // DA / RA
	Addr2          MAC    // SA / TA
	Addr3          MAC    // BSSID
	SequenceNumber uint16 // 12 bits of Sequence Control (9.2.4.4)
	FragmentNumber uint8  // 4 bits of Sequence Control
	// HTControl is the HT Control field (9.2.4.6), present on air only when
	// FrameControl.Order (+HTC) is set; Append ignores it otherwise.
	HTControl uint32
}

// Len is the encoded header length: 24 octets, or 28 with HT Control.
func (h Header) Len() int {
	if h.FrameControl.Order {
		return MgmtHeaderLenHTC
	}
	return MgmtHeaderLen
}

// DA is Address 1, the destination of a management frame.
func (h Header) DA() MAC { return h.Addr1 }

// SA is Address 2, the source (transmitter) of a management frame.
func (h Header) SA() MAC { return h.Addr2 }

// BSSID is Address 3 of a management frame.
func (h Header) BSSID() MAC { return h.Addr3 }

// HasGroupSA reports whether the source address (Address 2) is a group
// address. No station transmits with a group address, so such a frame is
// forged or corrupt: a GO/AP must drop it silently and create no station
// state for it (docs/bad-input.md 4a #18, CVE-2019-16275). DecodeMgmt does
// not reject these frames itself; callers check this (or Addr2.IsGroup()).
func (h Header) HasGroupSA() bool { return h.Addr2.IsGroup() }

// Append appends the encoded header. It writes the Frame Control as given,
// so a caller building a management frame sets Type to TypeManagement.
func (h Header) Append(b []byte) []byte {
	b = h.FrameControl.Append(b)
	b = binary.LittleEndian.AppendUint16(b, h.Duration)
	b = append(b, h.Addr1[:]...)
	b = append(b, h.Addr2[:]...)
	b = append(b, h.Addr3[:]...)
	b = binary.LittleEndian.AppendUint16(b, h.SequenceNumber<<4|uint16(h.FragmentNumber&0x0f))
	if h.FrameControl.Order {
		b = binary.LittleEndian.AppendUint32(b, h.HTControl)
	}
	return b
}

// Mgmt is a management frame: its header and its frame body, kept as bytes
// (without FCS). Decode the body with DecodeBody or the Decode<Name>
// function of its subtype. Body aliases the decoded buffer and is nil when
// the frame has no body.
type Mgmt struct {
	Header Header
	Body   []byte
}

// DecodeMgmt decodes a management frame (IEEE Std 802.11-2020, 9.3.3.2)
// from Frame Control to the end of the body; b must not hold an FCS. It
// refuses frames of another type (ErrNotManagement) or another protocol
// version (ErrInvalid), and frames shorter than their header (ErrTruncated).
func DecodeMgmt(b []byte) (Mgmt, error) {
	fc, err := DecodeFrameControl(b)
	if err != nil {
		return Mgmt{}, err
	}
	if fc.ProtocolVersion != 0 {
		return Mgmt{}, fmt.Errorf("%w: protocol version %d", ErrInvalid, fc.ProtocolVersion)
	}
	if fc.Type != TypeManagement {
		return Mgmt{}, fmt.Errorf("%w (frame type %d, subtype %d)", ErrNotManagement, fc.Type, fc.Subtype)
	}
	h := Header{FrameControl: fc}
	if len(b) < h.Len() {
		return Mgmt{}, fmt.Errorf("%w: management header needs %d octets, frame has %d", ErrTruncated, h.Len(), len(b))
	}
	h.Duration = binary.LittleEndian.Uint16(b[2:])
	copy(h.Addr1[:], b[4:10])
	copy(h.Addr2[:], b[10:16])
	copy(h.Addr3[:], b[16:22])
	sc := binary.LittleEndian.Uint16(b[22:])
	h.SequenceNumber, h.FragmentNumber = sc>>4, uint8(sc&0x0f)
	if fc.Order {
		h.HTControl = binary.LittleEndian.Uint32(b[24:])
	}
	return Mgmt{Header: h, Body: bytesOf(b[h.Len():len(b):len(b)])}, nil
}

// Append appends the encoded frame (header then body, no FCS).
func (m Mgmt) Append(b []byte) []byte {
	b = m.Header.Append(b)
	return append(b, m.Body...)
}

// DecodeBody decodes the body by the frame's subtype; see the package-level
// DecodeBody. A protected (encrypted) body is returned as RawBody.
func (m Mgmt) DecodeBody() (Body, error) {
	if m.Header.FrameControl.Protected {
		return RawBody(bytesOf(m.Body)), nil
	}
	return DecodeBody(m.Header.FrameControl.Subtype, m.Body)
}
