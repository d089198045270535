package ieee80211

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// capturedFrame is one frame of a wpa_supplicant capture.
type capturedFrame struct {
	name string // capture file and frame index
	data []byte
}

// capturedFrames loads every frame of every capture under
// supplicant/internal/vectors/testdata. With none there it skips the
// test, or fails it when P2P_REQUIRE_VECTORS=1.
func capturedFrames(t *testing.T) []capturedFrame {
	t.Helper()
	names := vectors.NamesOrSkip(t)
	var out []capturedFrame
	for _, n := range names {
		frames, err := vectors.Load(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		for _, f := range frames {
			out = append(out, capturedFrame{name: fmt.Sprintf("%s#%d", n, f.Index), data: f.Data})
		}
	}
	return out
}

// elementsOfBody returns the elements of the bodies that carry them.
func elementsOfBody(body Body) (Elements, bool) {
	switch b := body.(type) {
	case Beacon:
		return b.Elements, true
	case ProbeResp:
		return b.Elements, true
	case ProbeReq:
		return b.Elements, true
	case AssocReq:
		return b.Elements, true
	case ReassocReq:
		return b.Elements, true
	case AssocResp:
		return b.Elements, true
	case ReassocResp:
		return b.Elements, true
	}
	return nil, false
}

// Every management frame two real wpa_supplicant peers exchanged decodes,
// header and body, and re-encodes byte for byte; P2P frames carry the
// fields the P2P specification requires of them.
func TestCapturedManagementFramesDecodeAndRoundTrip(t *testing.T) {
	frames := capturedFrames(t)
	counts := map[uint8]int{}
	wildcardP2PProbes := 0
	for _, f := range frames {
		fc, err := DecodeFrameControl(f.data)
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		if fc.Type != TypeManagement {
			if _, err := DecodeMgmt(f.data); !errors.Is(err, ErrNotManagement) {
				t.Errorf("%s: type %d frame: DecodeMgmt error = %v, want ErrNotManagement", f.name, fc.Type, err)
			}
			continue
		}
		m, err := DecodeMgmt(f.data)
		if err != nil {
			t.Errorf("%s: DecodeMgmt: %v", f.name, err)
			continue
		}
		if enc := m.Append(nil); !bytes.Equal(enc, f.data) {
			t.Errorf("%s: frame re-encodes as %x, want %x", f.name, enc, f.data)
		}
		if m.Header.HasGroupSA() {
			t.Errorf("%s: group source address %v", f.name, m.Header.SA())
		}
		body, err := m.DecodeBody()
		if err != nil {
			t.Errorf("%s: subtype %d body: %v", f.name, fc.Subtype, err)
			continue
		}
		counts[fc.Subtype]++
		enc, err := body.Append(nil)
		if err != nil || !bytes.Equal(enc, m.Body) {
			t.Errorf("%s: body re-encodes as %x, %v; want %x", f.name, enc, err, m.Body)
		}
		if err := checkCapturedP2PFields(m, body); err != nil {
			t.Errorf("%s: %v", f.name, err)
		}
		if pr, ok := body.(ProbeReq); ok {
			if e, _ := pr.Elements.Find(ElemSSID); string(e.Data) == "DIRECT-" && len(pr.Elements.Vendor(OUIWFA, VendorTypeP2P)) > 0 {
				wildcardP2PProbes++
			}
		}
	}
	t.Logf("decoded management frames by subtype: %v", counts)
	if counts[SubtypeProbeReq] > 0 && wildcardP2PProbes == 0 {
		t.Error(`no P2P Probe Request with the P2P wildcard SSID "DIRECT-"`)
	}
}

// checkCapturedP2PFields checks a decoded frame against the P2P
// specification: frames carrying a P2P IE from a GO or a searching device
// use "DIRECT-" SSIDs, elements have their standard lengths, and a GO's
// RSN element uses CCMP-128.
func checkCapturedP2PFields(m Mgmt, body Body) error {
	switch a := body.(type) {
	case Action:
		if a.Category == CategoryPublic && len(a.Rest) >= 5 && a.Rest[0] == PublicActionVendorSpecific &&
			!bytes.Equal(a.Rest[1:4], OUIWFA[:]) && !bytes.Equal(a.Rest[1:4], OUIMicrosoft[:]) {
			return fmt.Errorf("Public Action vendor frame with OUI %x", a.Rest[1:4])
		}
		return nil
	}
	es, ok := elementsOfBody(body)
	if !ok {
		return nil
	}
	for _, e := range es {
		var err error
		switch e.ID {
		case ElemSSID:
			_, err = DecodeSSID(e.Data)
		case ElemSupportedRates:
			_, err = DecodeSupportedRates(e.Data)
		case ElemExtSupportedRates:
			_, err = DecodeExtSupportedRates(e.Data)
		case ElemDSParameterSet:
			_, err = DecodeDSParameterSet(e.Data)
		case ElemHTCapabilities:
			_, err = DecodeHTCapabilities(e.Data)
		case ElemHTOperation:
			_, err = DecodeHTOperation(e.Data)
		case ElemVHTCapabilities:
			_, err = DecodeVHTCapabilities(e.Data)
		case ElemVHTOperation:
			_, err = DecodeVHTOperation(e.Data)
		case ElemVendorSpecific:
			_, err = DecodeVendorSpecific(e.Data)
		case ElemRSN:
			var r RSN
			if r, err = DecodeRSN(e.Data); err == nil && m.Header.FrameControl.Subtype == SubtypeBeacon &&
				r.GroupDataCipher != CipherCCMP128 {
				err = fmt.Errorf("GO beacon RSN group cipher %v, want CCMP-128", r.GroupDataCipher)
			}
		}
		if err != nil {
			return fmt.Errorf("element %d: %w", e.ID, err)
		}
	}
	if len(es.Vendor(OUIWFA, VendorTypeP2P)) == 0 {
		return nil
	}
	ssid, hasSSID := es.Find(ElemSSID)
	sub := m.Header.FrameControl.Subtype
	switch {
	case sub == SubtypeBeacon || sub == SubtypeProbeResp:
		if !strings.HasPrefix(string(ssid.Data), "DIRECT-") {
			return fmt.Errorf("subtype %d with a P2P IE has SSID %q, want DIRECT-...", sub, ssid.Data)
		}
		if b, ok := body.(Beacon); ok && b.Capability&CapESS == 0 {
			return fmt.Errorf("GO beacon without the ESS capability: %#x", b.Capability)
		}
	case sub == SubtypeProbeReq:
		if !hasSSID || (len(ssid.Data) > 0 && !strings.HasPrefix(string(ssid.Data), "DIRECT-")) {
			return fmt.Errorf("P2P Probe Request SSID %q, want DIRECT-... or wildcard", ssid.Data)
		}
	}
	return nil
}

// captureSummary is what a capture shows of a P2P exchange.
type captureSummary struct {
	p2pPublic   map[uint8]bool // P2P Public Action subtypes seen
	goSSIDs     map[string]bool
	beacons     int
	assocSSIDs  []string
	openAuth    int // Open System Authentication frames with status success
	assocResps  int // successful (Re)Association Responses with an AID
	searchProbe int // Probe Requests with the P2P wildcard SSID and a P2P IE
}

func summarize(t *testing.T, name string) captureSummary {
	t.Helper()
	frames, err := vectors.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	s := captureSummary{p2pPublic: map[uint8]bool{}, goSSIDs: map[string]bool{}}
	for _, f := range frames {
		m, err := DecodeMgmt(f.Data)
		if err != nil {
			continue // control and data frames; the round-trip test covers the rest
		}
		body, err := m.DecodeBody()
		if err != nil {
			continue
		}
		switch b := body.(type) {
		case Action:
			if b.Category == CategoryPublic && len(b.Rest) >= 6 && b.Rest[0] == PublicActionVendorSpecific &&
				bytes.Equal(b.Rest[1:4], OUIWFA[:]) && b.Rest[4] == VendorTypeP2P {
				s.p2pPublic[b.Rest[5]] = true
			}
		case Beacon:
			if len(b.Elements.Vendor(OUIWFA, VendorTypeP2P)) == 0 {
				continue
			}
			s.beacons++
			ssid, _ := b.Elements.Find(ElemSSID)
			s.goSSIDs[string(ssid.Data)] = true
			if b.Capability&(CapESS|CapPrivacy) != CapESS|CapPrivacy || b.Capability&CapIBSS != 0 {
				t.Errorf("%s#%d: GO beacon capability %#x, want ESS and Privacy", name, f.Index, b.Capability)
			}
			if m.Header.DA() != Broadcast || m.Header.SA() != m.Header.BSSID() {
				t.Errorf("%s#%d: GO beacon DA %v SA %v BSSID %v", name, f.Index, m.Header.DA(), m.Header.SA(), m.Header.BSSID())
			}
			e, ok := b.Elements.Find(ElemRSN)
			if !ok {
				t.Errorf("%s#%d: GO beacon without RSN element", name, f.Index)
				continue
			}
			rsn, err := DecodeRSN(e.Data)
			if err != nil || rsn.GroupDataCipher != CipherCCMP128 || len(rsn.PairwiseCiphers) != 1 ||
				rsn.PairwiseCiphers[0] != CipherCCMP128 || len(rsn.AKMs) != 1 || rsn.AKMs[0] != AKMPSK {
				t.Errorf("%s#%d: GO RSN %+v, %v; want CCMP-128 / CCMP-128 / PSK", name, f.Index, rsn, err)
			}
		case AssocReq:
			ssid, _ := b.Elements.Find(ElemSSID)
			s.assocSSIDs = append(s.assocSSIDs, string(ssid.Data))
		case Auth:
			if b.Algorithm == AuthOpenSystem && b.StatusCode == StatusSuccess {
				s.openAuth++
			}
		case AssocResp:
			if b.StatusCode == StatusSuccess && b.AssociationID() >= 1 {
				s.assocResps++
			}
		case ProbeReq:
			if e, _ := b.Elements.Find(ElemSSID); string(e.Data) == "DIRECT-" && len(b.Elements.Vendor(OUIWFA, VendorTypeP2P)) > 0 {
				s.searchProbe++
			}
		}
	}
	return s
}

// The named captures (testdata/*.txt describe them) hold the exchanges
// they were taken for: P2P Public Action OUI subtypes (Wi-Fi P2P v1.7:
// 0-2 GO Negotiation, 3-4 Invitation, 7-8 Provision Discovery)
// and, when a group formed, GO beacons and an association to "DIRECT-".
func TestCapturedP2PExchangesHoldTheirFrames(t *testing.T) {
	capturedFrames(t) // skips without captures
	tests := []struct {
		capture   string
		p2pPublic []uint8
		group     bool
	}{
		{"discovery.pcap", nil, false},
		{"go-neg-both-15.pcap", []uint8{0, 1}, false},
		{"go-neg-pbc.pcap", []uint8{0, 1, 2}, true},
		{"go-neg-pin.pcap", []uint8{0, 1, 2}, true},
		{"invitation.pcap", []uint8{3, 4}, true},
		{"provision-discovery.pcap", []uint8{7, 8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			if _, err := vectors.File(tt.capture); err != nil {
				t.Skipf("capture not present: %v", err)
			}
			s := summarize(t, tt.capture)
			if s.searchProbe == 0 {
				t.Error(`no P2P search Probe Request with SSID "DIRECT-"`)
			}
			for _, st := range tt.p2pPublic {
				if !s.p2pPublic[st] {
					t.Errorf("no P2P Public Action frame of subtype %d (seen %v)", st, s.p2pPublic)
				}
			}
			if !tt.group {
				if s.beacons != 0 {
					t.Errorf("%d GO beacons where no group formed", s.beacons)
				}
				return
			}
			if s.beacons == 0 || len(s.goSSIDs) != 1 {
				t.Fatalf("%d GO beacons with SSIDs %v, want one group", s.beacons, s.goSSIDs)
			}
			for ssid := range s.goSSIDs {
				if len(ssid) < len("DIRECT-xy") || !strings.HasPrefix(ssid, "DIRECT-") {
					t.Errorf("GO SSID %q, want DIRECT-xy...", ssid)
				}
			}
			if len(s.assocSSIDs) == 0 || s.openAuth == 0 || s.assocResps == 0 {
				t.Errorf("association: %d requests, %d Open System auths, %d responses with an AID", len(s.assocSSIDs), s.openAuth, s.assocResps)
			}
			for _, ssid := range s.assocSSIDs {
				if !s.goSSIDs[ssid] {
					t.Errorf("Association Request for SSID %q, GO beacons %v", ssid, s.goSSIDs)
				}
			}
		})
	}
}
