package ieee80211

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeRSNAcceptsEveryStandardTruncation(t *testing.T) {
	pmkid := PMKID{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	tests := []struct {
		name string
		in   string
		want RSN
	}{{
		name: "version only",
		in:   "0100",
		want: RSN{Version: 1},
	}, {
		name: "through group data cipher",
		in:   "0100 000fac04",
		want: RSN{Version: 1, GroupDataCipher: CipherCCMP128, Fields: RSNThroughGroupDataCipher},
	}, {
		name: "through pairwise ciphers",
		in:   "0100 000fac04 0200 000fac04 000fac02",
		want: RSN{Version: 1, GroupDataCipher: CipherCCMP128, PairwiseCiphers: []Suite{CipherCCMP128, CipherTKIP},
			Fields: RSNThroughPairwiseCiphers},
	}, {
		name: "P2P GO (hostap proberesp-go.dat)",
		in:   "0100 000fac04 0100 000fac04 0100 000fac02 0c00",
		want: RSN{Version: 1, GroupDataCipher: CipherCCMP128, PairwiseCiphers: []Suite{CipherCCMP128},
			AKMs: []Suite{AKMPSK}, Capabilities: 0x000c, Fields: RSNThroughCapabilities},
	}, {
		name: "through AKMs, with zero counts",
		in:   "0100 000fac04 0000 0000",
		want: RSN{Version: 1, GroupDataCipher: CipherCCMP128, Fields: RSNThroughAKMs},
	}, {
		name: "through an empty PMKID list",
		in:   "0100 000fac04 0100 000fac04 0100 000fac08 c000 0000",
		want: RSN{Version: 1, GroupDataCipher: CipherCCMP128, PairwiseCiphers: []Suite{CipherCCMP128},
			AKMs: []Suite{AKMSAE}, Capabilities: RSNCapMFPR | RSNCapMFPC, Fields: RSNThroughPMKIDs},
	}, {
		name: "every field, vendor suite, trailing octets kept",
		in: `0100 000fac04 0100 000fac04 0200 000fac02 0050f202 8000
		     0100 000102030405060708090a0b0c0d0e0f 000fac06 abcd`,
		want: RSN{Version: 1, GroupDataCipher: CipherCCMP128, PairwiseCiphers: []Suite{CipherCCMP128},
			AKMs: []Suite{AKMPSK, MakeSuite(OUIMicrosoft, 2)}, Capabilities: RSNCapMFPC,
			PMKIDs: []PMKID{pmkid}, GroupMgmtCipher: CipherBIPCMAC128, Fields: RSNThroughGroupMgmtCipher,
			Extra: []byte{0xab, 0xcd}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			got, err := DecodeRSN(in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, equateEmpty); diff != "" {
				t.Errorf("DecodeRSN (-want +got):\n%s", diff)
			}
			enc, err := AppendRSN(nil, got)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]byte{ElemRSN, byte(len(in))}, in...); !bytes.Equal(enc, want) {
				t.Errorf("AppendRSN = %x, want %x", enc, want)
			}
		})
	}
}

func TestDecodeRSNRejectsCutFieldsAndOverlongCounts(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"empty", "", ErrTruncated},
		{"half a version", "01", ErrTruncated},
		{"version 2", "0200 000fac04", ErrInvalid},
		{"version 0", "0000", ErrInvalid},
		{"3 octets of group cipher", "0100 000fac", ErrTruncated},
		{"1 octet of pairwise count", "0100 000fac04 01", ErrTruncated},
		{"pairwise count past the end", "0100 000fac04 0200 000fac04", ErrTruncated},
		{"pairwise count 0xffff", "0100 000fac04 ffff 000fac04", ErrTruncated},
		{"AKM list cut", "0100 000fac04 0100 000fac04 0100 000fac", ErrTruncated},
		{"1 octet of capabilities", "0100 000fac04 0100 000fac04 0100 000fac02 0c", ErrTruncated},
		{"PMKID count past the end", "0100 000fac04 0100 000fac04 0100 000fac02 0000 0100 00010203", ErrTruncated},
		{"group management cipher cut", "0100 000fac04 0100 000fac04 0100 000fac02 0000 0000 000fac", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeRSN(unhex(t, tt.in)); !errors.Is(err, tt.wantErr) {
				t.Errorf("DecodeRSN error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestAppendRSNRefusesFieldsBeyondItsExtent(t *testing.T) {
	tests := []struct {
		name string
		r    RSN
	}{
		{"cipher with version only", RSN{Version: 1, GroupDataCipher: CipherCCMP128}},
		{"AKMs beyond pairwise", RSN{Version: 1, AKMs: []Suite{AKMPSK}, Fields: RSNThroughPairwiseCiphers}},
		{"capabilities beyond AKMs", RSN{Version: 1, Capabilities: RSNCapMFPC, Fields: RSNThroughAKMs}},
		{"PMKIDs beyond capabilities", RSN{Version: 1, PMKIDs: []PMKID{{}}, Fields: RSNThroughCapabilities}},
		{"extra beyond PMKIDs", RSN{Version: 1, Extra: []byte{1}, Fields: RSNThroughPMKIDs}},
		{"Fields out of range", RSN{Version: 1, Fields: RSNThroughGroupMgmtCipher + 1}},
		{"body over 255 octets", RSN{Version: 1, PMKIDs: make([]PMKID, 16), Fields: RSNThroughPMKIDs}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendRSN([]byte{7}, tt.r)
			if !errors.Is(err, ErrInvalid) || !bytes.Equal(b, []byte{7}) {
				t.Errorf("AppendRSN = %x, %v; want the input back and ErrInvalid", b, err)
			}
		})
	}
}

func TestSuiteSplitsOUIAndType(t *testing.T) {
	if CipherCCMP128.OUI() != OUIIEEE80211 || CipherCCMP128.Type() != 4 || CipherCCMP128.String() != "00-0f-ac:4" {
		t.Errorf("CCMP-128 = %v %d %q", CipherCCMP128.OUI(), CipherCCMP128.Type(), CipherCCMP128.String())
	}
	if MakeSuite(OUIIEEE80211, 2) != AKMPSK {
		t.Errorf("MakeSuite(00-0f-ac, 2) = %v, want PSK", MakeSuite(OUIIEEE80211, 2))
	}
}

func TestRSNCapabilitiesReplayCounters(t *testing.T) {
	c := RSNCapabilities(0x000c | 0x0010) // PTKSA field 3, GTKSA field 1
	if c.PTKSAReplayCounters() != 16 || c.GTKSAReplayCounters() != 2 {
		t.Errorf("replay counters = %d, %d; want 16, 2", c.PTKSAReplayCounters(), c.GTKSAReplayCounters())
	}
}
