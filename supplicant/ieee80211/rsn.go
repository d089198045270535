package ieee80211

import (
	"encoding/binary"
	"fmt"
)

// OUIIEEE80211 is the OUI of the cipher and AKM suites defined by
// IEEE Std 802.11 (00-0F-AC).
var OUIIEEE80211 = OUI{0x00, 0x0f, 0xac}

// Suite is a cipher suite or AKM suite selector (IEEE Std 802.11-2020,
// 9.4.2.24.2 and 9.4.2.24.3): the OUI in the upper 24 bits and the suite
// type in the low 8, so 00-0F-AC:4 is 0x000FAC04. On air it is the OUI
// octets followed by the type octet.
type Suite uint32

// MakeSuite builds a suite selector from an OUI and a suite type.
func MakeSuite(oui OUI, typ uint8) Suite {
	return Suite(oui[0])<<24 | Suite(oui[1])<<16 | Suite(oui[2])<<8 | Suite(typ)
}

// OUI is the selector's organization identifier.
func (s Suite) OUI() OUI { return OUI{uint8(s >> 24), uint8(s >> 16), uint8(s >> 8)} }

// Type is the selector's suite type.
func (s Suite) Type() uint8 { return uint8(s) }

// String formats the selector as 00-0f-ac:4.
func (s Suite) String() string {
	o := s.OUI()
	return fmt.Sprintf("%02x-%02x-%02x:%d", o[0], o[1], o[2], s.Type())
}

// Cipher suite selectors (IEEE Std 802.11-2020, 9.4.2.24.2).
const (
	CipherUseGroup        Suite = 0x000fac00
	CipherWEP40           Suite = 0x000fac01
	CipherTKIP            Suite = 0x000fac02
	CipherCCMP128         Suite = 0x000fac04 // the only cipher Wi-Fi P2P groups use
	CipherWEP104          Suite = 0x000fac05
	CipherBIPCMAC128      Suite = 0x000fac06
	CipherGroupNotAllowed Suite = 0x000fac07
	CipherGCMP128         Suite = 0x000fac08
	CipherGCMP256         Suite = 0x000fac09
	CipherCCMP256         Suite = 0x000fac0a
	CipherBIPGMAC128      Suite = 0x000fac0b
	CipherBIPGMAC256      Suite = 0x000fac0c
	CipherBIPCMAC256      Suite = 0x000fac0d
)

// AKM suite selectors (IEEE Std 802.11-2020, 9.4.2.24.3).
const (
	AKM8021X       Suite = 0x000fac01
	AKMPSK         Suite = 0x000fac02 // WPA2-Personal, used by Wi-Fi P2P groups
	AKMFT8021X     Suite = 0x000fac03
	AKMFTPSK       Suite = 0x000fac04
	AKM8021XSHA256 Suite = 0x000fac05
	AKMPSKSHA256   Suite = 0x000fac06
	AKMSAE         Suite = 0x000fac08
	AKMFTSAE       Suite = 0x000fac09
	AKMOWE         Suite = 0x000fac12
)

// RSNCapabilities is the RSN Capabilities field (IEEE Std 802.11-2020,
// 9.4.2.24.4).
type RSNCapabilities uint16

// RSN Capabilities bits. Bits 2-3 and 4-5 are the PTKSA and GTKSA replay
// counter fields (see PTKSAReplayCounters).
const (
	RSNCapPreauth            RSNCapabilities = 1 << 0
	RSNCapNoPairwise         RSNCapabilities = 1 << 1
	RSNCapMFPR               RSNCapabilities = 1 << 6 // management frame protection required
	RSNCapMFPC               RSNCapabilities = 1 << 7 // management frame protection capable
	RSNCapJointMultiBandRSNA RSNCapabilities = 1 << 8
	RSNCapPeerKeyEnabled     RSNCapabilities = 1 << 9
	RSNCapSPPAMSDUCapable    RSNCapabilities = 1 << 10
	RSNCapSPPAMSDURequired   RSNCapabilities = 1 << 11
	RSNCapPBAC               RSNCapabilities = 1 << 12
	RSNCapExtendedKeyID      RSNCapabilities = 1 << 13
	RSNCapOCVC               RSNCapabilities = 1 << 14
)

// replayCounters maps a 2-bit replay counter subfield to its count.
func replayCounters(v RSNCapabilities) int { return [4]int{1, 2, 4, 16}[v&3] }

// PTKSAReplayCounters is the number of PTKSA replay counters (1, 2, 4 or 16).
func (c RSNCapabilities) PTKSAReplayCounters() int { return replayCounters(c >> 2) }

// GTKSAReplayCounters is the number of GTKSA replay counters (1, 2, 4 or 16).
func (c RSNCapabilities) GTKSAReplayCounters() int { return replayCounters(c >> 4) }

// PMKID is a PMK identifier (IEEE Std 802.11-2020, 12.7.1.3).
type PMKID [16]byte

// RSNFields says how far an RSN element goes: every field after Version
// is optional, but a field is present only if all earlier ones are
// (IEEE Std 802.11-2020, 9.4.2.24.1). A count and its list form one field.
type RSNFields uint8

// RSN element extents, each including every field before it.
const (
	RSNThroughVersion RSNFields = iota
	RSNThroughGroupDataCipher
	RSNThroughPairwiseCiphers
	RSNThroughAKMs
	RSNThroughCapabilities
	RSNThroughPMKIDs
	RSNThroughGroupMgmtCipher
)

// RSNVersion is the only RSN element version defined.
const RSNVersion = 1

// RSN is an RSN element body (IEEE Std 802.11-2020, 9.4.2.24). Fields
// records which optional fields are present so that decoding and encoding
// round-trip; a P2P Group Owner typically sends
// RSN{Version: 1, GroupDataCipher: CipherCCMP128, PairwiseCiphers:
// []Suite{CipherCCMP128}, AKMs: []Suite{AKMPSK}, Capabilities: ...,
// Fields: RSNThroughCapabilities}.
type RSN struct {
	Version         uint16
	GroupDataCipher Suite
	PairwiseCiphers []Suite
	AKMs            []Suite
	Capabilities    RSNCapabilities
	PMKIDs          []PMKID
	GroupMgmtCipher Suite
	Fields          RSNFields
	// Extra holds octets after the Group Management Cipher Suite, which
	// this revision of the standard does not define; they are kept so the
	// element round-trips.
	Extra []byte
}

// DecodeRSN decodes an RSN element body. The version must be 1
// (ErrInvalid). The element may end after any complete field; a field cut
// short, or a count larger than the octets that follow, is ErrTruncated.
// Lists never hold more entries than the remaining octets can carry.
func DecodeRSN(data []byte) (RSN, error) {
	if len(data) < 2 {
		return RSN{}, fmt.Errorf("%w: RSN element of %d octets has no Version", ErrTruncated, len(data))
	}
	r := RSN{Version: binary.LittleEndian.Uint16(data)}
	if r.Version != RSNVersion {
		return RSN{}, fmt.Errorf("%w: RSN version %d, want %d", ErrInvalid, r.Version, RSNVersion)
	}
	rest := data[2:]
	var err error
	for r.Fields < RSNThroughGroupMgmtCipher && len(rest) > 0 {
		switch r.Fields + 1 {
		case RSNThroughGroupDataCipher:
			r.GroupDataCipher, rest, err = suiteOf("Group Data Cipher Suite", rest)
		case RSNThroughPairwiseCiphers:
			r.PairwiseCiphers, rest, err = suiteListOf("Pairwise Cipher Suite", rest)
		case RSNThroughAKMs:
			r.AKMs, rest, err = suiteListOf("AKM Suite", rest)
		case RSNThroughCapabilities:
			if len(rest) < 2 {
				return RSN{}, fmt.Errorf("%w: RSN Capabilities has %d of 2 octets", ErrTruncated, len(rest))
			}
			r.Capabilities, rest = RSNCapabilities(binary.LittleEndian.Uint16(rest)), rest[2:]
		case RSNThroughPMKIDs:
			r.PMKIDs, rest, err = pmkidListOf(rest)
		case RSNThroughGroupMgmtCipher:
			r.GroupMgmtCipher, rest, err = suiteOf("Group Management Cipher Suite", rest)
		}
		if err != nil {
			return RSN{}, err
		}
		r.Fields++
	}
	r.Extra = bytesOf(rest)
	return r, nil
}

func suiteOf(name string, b []byte) (Suite, []byte, error) {
	if len(b) < 4 {
		return 0, nil, fmt.Errorf("%w: RSN %s has %d of 4 octets", ErrTruncated, name, len(b))
	}
	return Suite(binary.BigEndian.Uint32(b)), b[4:], nil
}

func suiteListOf(name string, b []byte) ([]Suite, []byte, error) {
	if len(b) < 2 {
		return nil, nil, fmt.Errorf("%w: RSN %s Count has %d of 2 octets", ErrTruncated, name, len(b))
	}
	n := int(binary.LittleEndian.Uint16(b))
	b = b[2:]
	if n > len(b)/4 {
		return nil, nil, fmt.Errorf("%w: RSN %s Count %d needs %d octets, %d remain", ErrTruncated, name, n, 4*n, len(b))
	}
	if n == 0 {
		return nil, b, nil
	}
	list := make([]Suite, n)
	for i := range list {
		list[i] = Suite(binary.BigEndian.Uint32(b[4*i:]))
	}
	return list, b[4*n:], nil
}

func pmkidListOf(b []byte) ([]PMKID, []byte, error) {
	if len(b) < 2 {
		return nil, nil, fmt.Errorf("%w: RSN PMKID Count has %d of 2 octets", ErrTruncated, len(b))
	}
	n := int(binary.LittleEndian.Uint16(b))
	b = b[2:]
	if n > len(b)/16 {
		return nil, nil, fmt.Errorf("%w: RSN PMKID Count %d needs %d octets, %d remain", ErrTruncated, n, 16*n, len(b))
	}
	if n == 0 {
		return nil, b, nil
	}
	list := make([]PMKID, n)
	for i := range list {
		copy(list[i][:], b[16*i:])
	}
	return list, b[16*n:], nil
}

// check reports a set field that Fields would leave out of the encoding.
func (r RSN) check() error {
	if r.Fields > RSNThroughGroupMgmtCipher {
		return fmt.Errorf("%w: RSN Fields %d out of range", ErrInvalid, r.Fields)
	}
	for _, f := range []struct {
		set   bool
		level RSNFields
		name  string
	}{
		{r.GroupDataCipher != 0, RSNThroughGroupDataCipher, "Group Data Cipher Suite"},
		{len(r.PairwiseCiphers) > 0, RSNThroughPairwiseCiphers, "Pairwise Cipher Suite List"},
		{len(r.AKMs) > 0, RSNThroughAKMs, "AKM Suite List"},
		{r.Capabilities != 0, RSNThroughCapabilities, "RSN Capabilities"},
		{len(r.PMKIDs) > 0, RSNThroughPMKIDs, "PMKID List"},
		{r.GroupMgmtCipher != 0, RSNThroughGroupMgmtCipher, "Group Management Cipher Suite"},
		{len(r.Extra) > 0, RSNThroughGroupMgmtCipher, "Extra"},
	} {
		if f.set && r.Fields < f.level {
			return fmt.Errorf("%w: RSN %s is set but Fields ends before it", ErrInvalid, f.name)
		}
	}
	return nil
}

// AppendRSN appends an RSN element holding the fields r.Fields says are
// present. It fails when a set field lies beyond r.Fields or when the body
// exceeds 255 octets.
func AppendRSN(b []byte, r RSN) ([]byte, error) {
	if err := r.check(); err != nil {
		return b, err
	}
	start := len(b)
	b = append(b, ElemRSN, 0)
	b = binary.LittleEndian.AppendUint16(b, r.Version)
	appendList := func(list []Suite) {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(list)))
		for _, s := range list {
			b = binary.BigEndian.AppendUint32(b, uint32(s))
		}
	}
	for f := RSNThroughGroupDataCipher; f <= r.Fields; f++ {
		switch f {
		case RSNThroughGroupDataCipher:
			b = binary.BigEndian.AppendUint32(b, uint32(r.GroupDataCipher))
		case RSNThroughPairwiseCiphers:
			appendList(r.PairwiseCiphers)
		case RSNThroughAKMs:
			appendList(r.AKMs)
		case RSNThroughCapabilities:
			b = binary.LittleEndian.AppendUint16(b, uint16(r.Capabilities))
		case RSNThroughPMKIDs:
			b = binary.LittleEndian.AppendUint16(b, uint16(len(r.PMKIDs)))
			for _, p := range r.PMKIDs {
				b = append(b, p[:]...)
			}
		case RSNThroughGroupMgmtCipher:
			b = binary.BigEndian.AppendUint32(b, uint32(r.GroupMgmtCipher))
			b = append(b, r.Extra...)
		}
	}
	n := len(b) - start - 2
	if n > MaxElementData {
		return b[:start], fmt.Errorf("%w: RSN element body of %d octets exceeds 255", ErrInvalid, n)
	}
	b[start+1] = uint8(n)
	return b, nil
}
