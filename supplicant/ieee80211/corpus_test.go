package ieee80211

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decodeWhole decodes a frame and its body and checks both re-encode to
// the input byte for byte.
func decodeWhole(t *testing.T, frame []byte) (Mgmt, Body) {
	t.Helper()
	m, err := DecodeMgmt(frame)
	if err != nil {
		t.Fatalf("DecodeMgmt: %v", err)
	}
	if enc := m.Append(nil); !bytes.Equal(enc, frame) {
		t.Fatalf("frame re-encodes as %x, want %x", enc, frame)
	}
	body, err := m.DecodeBody()
	if err != nil {
		t.Fatalf("DecodeBody (subtype %d): %v", m.Header.FrameControl.Subtype, err)
	}
	mustRoundTripBody(t, body, m.Body)
	return m, body
}

func TestHostapProbeResponseOfGODecodesEveryElement(t *testing.T) {
	in := readTestdata(t, "hostap/p2p/proberesp-go.dat")
	parsed, err := ParseElements(in)
	if err != nil {
		t.Fatal(err)
	}
	es := Elements(parsed)
	var ids []uint8
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	wantIDs := []uint8{ElemSSID, ElemSupportedRates, ElemDSParameterSet, 42, ElemRSN, ElemHTCapabilities,
		ElemHTOperation, ElemExtCapabilities, ElemVendorSpecific, ElemVendorSpecific, ElemVendorSpecific}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("element IDs (-want +got):\n%s", diff)
	}
	if enc, err := es.Append(nil); err != nil || !bytes.Equal(enc, in) {
		t.Errorf("elements re-encode as %x, %v", enc, err)
	}

	e, _ := es.Find(ElemSSID)
	if ssid, err := DecodeSSID(e.Data); err != nil || string(ssid) != "DIRECT-Ly" {
		t.Errorf("SSID = %q, %v; want DIRECT-Ly", ssid, err)
	}
	e, _ = es.Find(ElemSupportedRates)
	if rates, err := DecodeSupportedRates(e.Data); err != nil || len(rates) != 8 || rates[0] != 0x8c {
		t.Errorf("rates = %v, %v", rates, err)
	}
	e, _ = es.Find(ElemDSParameterSet)
	if ch, err := DecodeDSParameterSet(e.Data); err != nil || ch != 1 {
		t.Errorf("channel = %d, %v; want 1", ch, err)
	}
	e, _ = es.Find(ElemRSN)
	rsn, err := DecodeRSN(e.Data)
	if err != nil {
		t.Fatal(err)
	}
	wantRSN := RSN{Version: 1, GroupDataCipher: CipherCCMP128, PairwiseCiphers: []Suite{CipherCCMP128},
		AKMs: []Suite{AKMPSK}, Capabilities: 0x000c, Fields: RSNThroughCapabilities}
	if diff := cmp.Diff(wantRSN, rsn); diff != "" {
		t.Errorf("RSN (-want +got):\n%s", diff)
	}
	e, _ = es.Find(ElemHTCapabilities)
	if _, err := DecodeHTCapabilities(e.Data); err != nil {
		t.Error(err)
	}
	e, _ = es.Find(ElemHTOperation)
	if op, err := DecodeHTOperation(e.Data); err != nil || op.PrimaryChannel() != 1 {
		t.Errorf("HT Operation primary channel %d, %v; want 1", op.PrimaryChannel(), err)
	}
	if len(es.Vendor(OUIMicrosoft, 2)) != 1 || len(es.Vendor(OUIMicrosoft, VendorTypeWSC)) != 1 {
		t.Error("want one WMM and one WSC element")
	}
	p2p, ok := es.VendorPayload(OUIWFA, VendorTypeP2P)
	if !ok || len(p2p) != 0x29-4 {
		t.Errorf("P2P IE payload of %d octets, found %v; want 37", len(p2p), ok)
	}
}

// proberesp.dat ends in a nibble-shifted copy of its P2P IE: element 13
// announcing 210 octets where 43 remain. The list fails as a whole; the
// elements before it are intact.
func TestHostapProbeResponseWithCorruptTailFailsAtTheOverrun(t *testing.T) {
	in := readTestdata(t, "hostap/p2p/proberesp.dat")
	if _, err := ParseElements(in); !errors.Is(err, ErrTruncated) {
		t.Fatalf("ParseElements error = %v, want ErrTruncated", err)
	}
	if _, err := DecodeProbeResp(append(make([]byte, 12), in...)); !errors.Is(err, ErrTruncated) {
		t.Errorf("DecodeProbeResp error = %v, want ErrTruncated", err)
	}
	const intact = 166
	if in[intact] != 0x0d || int(in[intact+1]) <= len(in)-intact-2 {
		t.Fatalf("unexpected corpus file: %x", in[intact:intact+2])
	}
	parsed, err := ParseElements(in[:intact])
	if err != nil {
		t.Fatal(err)
	}
	es := Elements(parsed)
	if e, _ := es.Find(ElemSSID); string(e.Data) != "DIRECT-" {
		t.Errorf("SSID = %q, want DIRECT-", e.Data)
	}
	if len(es) != 5 || len(es.Vendor(OUIMicrosoft, VendorTypeWSC)) != 1 || len(es.Vendor(OUIWFA, VendorTypeP2P)) != 1 {
		t.Errorf("intact prefix holds %d elements, want SSID, rates, DS, WSC, P2P", len(es))
	}
}

func TestHostapManagementFramesDecodeAndRoundTrip(t *testing.T) {
	type check func(t *testing.T, m Mgmt, body Body)
	assocSSID := func(ssid string) check {
		return func(t *testing.T, m Mgmt, body Body) {
			req := body.(AssocReq)
			e, ok := req.Elements.Find(ElemSSID)
			if !ok || string(e.Data) != ssid {
				t.Errorf("Association Request SSID = %q, want %q", e.Data, ssid)
			}
		}
	}
	sae := func(seq uint16) check {
		return func(t *testing.T, m Mgmt, body Body) {
			a := body.(Auth)
			if a.Algorithm != AuthSAE || a.TransactionSeq != seq || len(a.Rest) == 0 || a.Elements != nil {
				t.Errorf("Auth = alg %d seq %d, %d raw octets; want SAE seq %d, raw", a.Algorithm, a.TransactionSeq, len(a.Rest), seq)
			}
		}
	}
	p2pPublic := func(subtype uint8) check {
		return func(t *testing.T, m Mgmt, body Body) {
			a := body.(Action)
			want := []byte{PublicActionVendorSpecific, 0x50, 0x6f, 0x9a, VendorTypeP2P, subtype}
			if a.Category != CategoryPublic || !bytes.HasPrefix(a.Rest, want) {
				t.Errorf("Action category %d, rest %x; want Public, %x...", a.Category, a.Rest, want)
			}
		}
	}
	want := map[string]struct {
		subtype uint8
		check   check
	}{
		"ap-mgmt/multi.dat#0": {SubtypeProbeReq, func(t *testing.T, m Mgmt, body Body) {
			if e, ok := body.(ProbeReq).Elements.Find(ElemSSID); !ok || len(e.Data) != 0 {
				t.Errorf("probe SSID = %q, want the wildcard", e.Data)
			}
		}},
		"ap-mgmt/multi.dat#1": {SubtypeAuth, func(t *testing.T, m Mgmt, body Body) {
			if a := body.(Auth); a.Algorithm != AuthOpenSystem || a.TransactionSeq != 1 {
				t.Errorf("Auth = %+v, want Open System seq 1", a)
			}
		}},
		"ap-mgmt/multi.dat#2":         {SubtypeAssocReq, assocSSID("test")},
		"ap-mgmt/multi.dat#3":         {SubtypeAction, nil},
		"ap-mgmt/multi-sae.dat#0":     {SubtypeAuth, sae(1)},
		"ap-mgmt/multi-sae.dat#1":     {SubtypeAuth, sae(2)},
		"ap-mgmt/multi-sae.dat#2":     {SubtypeAssocReq, assocSSID("test-sae")},
		"ap-mgmt/multi-sae-ffc.dat#0": {SubtypeAuth, sae(1)},
		"ap-mgmt/multi-sae-ffc.dat#1": {SubtypeAuth, sae(2)},
		"ap-mgmt/multi-sae-ffc.dat#2": {SubtypeAssocReq, assocSSID("test-sae")},
		"p2p/go-neg-req.dat":          {SubtypeAction, p2pPublic(0)},
		"p2p/invitation-req.dat":      {SubtypeAction, p2pPublic(3)},
		"p2p/p2ps-pd-req.dat":         {SubtypeAction, p2pPublic(7)},
	}
	frames := hostapFrames(t)
	if len(frames) != len(want) {
		t.Errorf("corpus holds %d frames, table %d", len(frames), len(want))
	}
	for name, frame := range frames {
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatal("frame missing from the table")
			}
			m, body := decodeWhole(t, frame)
			if got := m.Header.FrameControl.Subtype; got != w.subtype {
				t.Fatalf("subtype %d, want %d", got, w.subtype)
			}
			if w.check != nil {
				w.check(t, m, body)
			}
		})
	}
}

func TestHostapSAEAssociationRequestCarriesRSNWithSAE(t *testing.T) {
	_, body := decodeWhole(t, hostapFrames(t)["ap-mgmt/multi-sae.dat#2"])
	e, ok := body.(AssocReq).Elements.Find(ElemRSN)
	if !ok {
		t.Fatal("no RSN element")
	}
	rsn, err := DecodeRSN(e.Data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Suite{AKMSAE}, rsn.AKMs); diff != "" {
		t.Errorf("AKMs (-want +got):\n%s", diff)
	}
}

// docs/bad-input.md 4a #17: the Beacon iwd's testFrameFuzzing sends (iwd
// commit 816d258c): two P2P IEs whose payload nests vendor elements and
// truncated attributes. The 802.11 layer decodes it, round-trips it and
// hands the P2P layer the concatenated payload.
func TestBadInput4a17FuzzedBeaconWithNestedP2PIEsDecodes(t *testing.T) {
	ies := unhex(t, `dd0a506f9a090e0000191000
		dd2f506f9a090c020000dd05030303506f9a10000b050e000000000b05000000dd050003030303000000dd050303030303`)
	body := append(unhex(t, "0000000000000000 6400 0131"), ies...) // scapy Dot11Beacon(cap=0x3101)
	ap := MAC{0x02, 0x00, 0x00, 0x00, 0x04, 0x00}
	frame := Mgmt{
		Header: Header{FrameControl: FrameControl{Subtype: SubtypeBeacon}, Addr1: Broadcast, Addr2: ap, Addr3: ap},
		Body:   body,
	}.Append(nil)
	_, decoded := decodeWhole(t, frame)
	b := decoded.(Beacon)
	if b.Capability != 0x3101 || len(b.Elements) != 2 {
		t.Errorf("Beacon capability %#x with %d elements, want 0x3101 with 2", b.Capability, len(b.Elements))
	}
	p2p, ok := b.Elements.VendorPayload(OUIWFA, VendorTypeP2P)
	if !ok || len(p2p) != 6+43 {
		t.Errorf("P2P payload of %d octets, want 49", len(p2p))
	}
	for i, e := range b.Elements {
		v, err := DecodeVendorSpecific(e.Data)
		if err != nil || v.OUI != OUIWFA {
			t.Errorf("element %d: %v, %v", i, v, err)
		}
	}
	// Every truncation of the IEs fails cleanly or decodes.
	for n := range len(body) {
		if _, err := DecodeBeacon(body[:n]); err != nil && !errors.Is(err, ErrTruncated) {
			t.Errorf("%d octets: %v", n, err)
		}
	}
}

func ExampleDecodeMgmt() {
	frame := []byte{
		0x40, 0x00, 0x00, 0x00, // Probe Request
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x10, 0x00,
		0x00, 0x07, 'D', 'I', 'R', 'E', 'C', 'T', '-', // SSID
		0xdd, 0x04, 0x50, 0x6f, 0x9a, 0x09, // empty P2P IE
	}
	m, err := DecodeMgmt(frame)
	if err != nil || m.Header.HasGroupSA() {
		return
	}
	body, err := m.DecodeBody()
	if err != nil {
		return
	}
	req := body.(ProbeReq)
	ssid, _ := req.Elements.Find(ElemSSID)
	_, p2p := req.Elements.VendorPayload(OUIWFA, VendorTypeP2P)
	fmt.Printf("%s from %v: SSID %q, P2P IE %v\n", "Probe Request", m.Header.SA(), ssid.Data, p2p)
	// Output: Probe Request from 02:00:00:00:00:00: SSID "DIRECT-", P2P IE true
}
