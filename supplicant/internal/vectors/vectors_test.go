package vectors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The captures capture.sh writes, one per scenario.
var captures = []string{
	"autonomous-go-join.pcap",
	"discovery.pcap",
	"go-neg-both-15.pcap",
	"go-neg-pbc.pcap",
	"go-neg-pin.pcap",
	"invitation.pcap",
	"presence-discoverability.pcap",
	"provision-discovery.pcap",
	"service-discovery.pcap",
}

// Frame kinds, named as the specifications name the frames.
const (
	kindBeacon       = "Beacon"
	kindProbeReq     = "Probe Request"
	kindProbeResp    = "Probe Response"
	kindAuth         = "Authentication"
	kindAssocReq     = "Association Request"
	kindAssocResp    = "Association Response"
	kindDeauth       = "Deauthentication"
	kindDisassoc     = "Disassociation"
	kindAck          = "Ack"
	kindProtected    = "protected Data"
	kindEAPIdReq     = "EAP-Request/Identity"
	kindEAPIdResp    = "EAP-Response/Identity"
	kindEAPFailure   = "EAP-Failure"
	kindWSCStart     = "WSC_Start"
	kindWSCDone      = "WSC_Done"
	kindKey1         = "EAPOL-Key 1/4"
	kindKey2         = "EAPOL-Key 2/4"
	kindKey3         = "EAPOL-Key 3/4"
	kindKey4         = "EAPOL-Key 4/4"
	kindGroupKey1    = "EAPOL-Key Group 1/2"
	kindGroupKey2    = "EAPOL-Key Group 2/2"
	kindGASInitReq   = "GAS Initial Request"
	kindGASInitResp  = "GAS Initial Response"
	kindGASCbReq     = "GAS Comeback Request"
	kindGASCbResp    = "GAS Comeback Response"
	kindP2PSDReq     = "GAS Initial Request with P2P Service Discovery query"
	kindGONegReq     = "GO Negotiation Request"
	kindGONegResp    = "GO Negotiation Response"
	kindGONegConf    = "GO Negotiation Confirmation"
	kindInvReq       = "P2P Invitation Request"
	kindInvResp      = "P2P Invitation Response"
	kindDevDiscReq   = "Device Discoverability Request"
	kindDevDiscResp  = "Device Discoverability Response"
	kindPDReq        = "Provision Discovery Request"
	kindPDResp       = "Provision Discovery Response"
	kindPresenceReq  = "Presence Request"
	kindPresenceResp = "Presence Response"
	kindGODiscReq    = "GO Discoverability Request"

	// Element contents.
	kindProbeReqP2P      = "Probe Request with P2P IE"
	kindProbeReqWSC      = "Probe Request with WSC IE"
	kindProbeRespP2P     = "Probe Response with P2P IE"
	kindProbeRespWSC     = "Probe Response with WSC IE"
	kindProbeRespWFD     = "Probe Response with WFD IE"
	kindProbeRespELT     = "Probe Response with Extended Listen Timing"
	kindProbeRespGroup   = "Probe Response with P2P Group Info"
	kindProbeRespClients = "Probe Response with P2P Group Info listing clients"
	kindBeaconP2P        = "Beacon with P2P IE"
	kindAssocReqP2P      = "Association Request with P2P IE"
	kindAssocReqWSC      = "Association Request with WSC IE"
	kindDeauthP2P        = "Deauthentication with P2P IE"
	kindGONegReqWFD      = "GO Negotiation Request with WFD IE"
)

// wscMessage names the WSC Message Type attribute values (Wi-Fi Simple
// Configuration Technical Specification v2.0, 12, Message Type).
var wscMessage = map[byte]string{
	0x04: "WSC M1", 0x05: "WSC M2", 0x06: "WSC M2D", 0x07: "WSC M3", 0x08: "WSC M4",
	0x09: "WSC M5", 0x0a: "WSC M6", 0x0b: "WSC M7", 0x0c: "WSC M8",
	0x0d: "WSC_ACK", 0x0e: "WSC_NACK", 0x0f: kindWSCDone,
}

// p2pPublicAction names the P2P public action frame OUI subtypes (Wi-Fi P2P
// Technical Specification v1.7, 4.2, Table 61).
var p2pPublicAction = map[byte]string{
	0: kindGONegReq, 1: kindGONegResp, 2: kindGONegConf, 3: kindInvReq, 4: kindInvResp,
	5: kindDevDiscReq, 6: kindDevDiscResp, 7: kindPDReq, 8: kindPDResp,
}

// p2pAction names the P2P action frame OUI subtypes (4.2, Table 75).
var p2pAction = map[byte]string{
	0: "Notice of Absence", 1: kindPresenceReq, 2: kindPresenceResp, 3: kindGODiscReq,
}

var (
	ouiWFA       = []byte{0x50, 0x6f, 0x9a}
	ouiMicrosoft = []byte{0x00, 0x50, 0xf2}
)

const (
	vendorTypeP2P = 0x09
	vendorTypeWFD = 0x0a
	vendorTypeWSC = 0x04
)

// vendorPayload joins the payloads of the vendor specific elements (ID 221)
// with OUI and type in the element list ies; found is false when there is none.
func vendorPayload(ies, oui []byte, typ byte) (payload []byte, found bool) {
	for len(ies) >= 2 {
		id, n := ies[0], int(ies[1])
		if len(ies) < 2+n {
			break
		}
		body := ies[2 : 2+n]
		if id == 221 && len(body) >= 4 && bytes.Equal(body[:3], oui) && body[3] == typ {
			payload = append(payload, body[4:]...)
			found = true
		}
		ies = ies[2+n:]
	}
	return payload, found
}

// p2pAttribute returns the body of the first P2P attribute with the ID in a
// P2P IE payload.
func p2pAttribute(p []byte, id byte) ([]byte, bool) {
	for len(p) >= 3 {
		n := int(binary.LittleEndian.Uint16(p[1:]))
		if len(p) < 3+n {
			break
		}
		if p[0] == id {
			return p[3 : 3+n], true
		}
		p = p[3+n:]
	}
	return nil, false
}

// P2P attribute IDs (Wi-Fi P2P Technical Specification v1.7, 4.1.1, Table 6).
const (
	attrExtListenTiming = 8
	attrGroupInfo       = 14
)

// classify names what a frame is; a frame can have several kinds (e.g.
// Probe Request and Probe Request with P2P IE).
func classify(data []byte) []string {
	if len(data) < 10 {
		return []string{"short"}
	}
	fc := binary.LittleEndian.Uint16(data)
	typ, sub := (fc>>2)&3, (fc>>4)&0xf
	switch typ {
	case 1:
		if sub == 13 {
			return []string{kindAck}
		}
		return []string{fmt.Sprintf("control subtype %d", sub)}
	case 2:
		return classifyData(data, fc)
	case 0:
		hdr := 24
		if fc&0x8000 != 0 { // +HTC
			hdr += 4
		}
		if len(data) < hdr {
			return []string{"short"}
		}
		return classifyMgmt(sub, data[hdr:])
	}
	return []string{"extension"}
}

func classifyMgmt(sub uint16, body []byte) []string {
	withIEs := func(kind string, fixed int, tags map[string]string) []string {
		kinds := []string{kind}
		if len(body) < fixed {
			return kinds
		}
		ies := body[fixed:]
		if _, ok := vendorPayload(ies, ouiMicrosoft, vendorTypeWSC); ok && tags["wsc"] != "" {
			kinds = append(kinds, tags["wsc"])
		}
		if _, ok := vendorPayload(ies, ouiWFA, vendorTypeWFD); ok && tags["wfd"] != "" {
			kinds = append(kinds, tags["wfd"])
		}
		p2p, ok := vendorPayload(ies, ouiWFA, vendorTypeP2P)
		if !ok {
			return kinds
		}
		if tags["p2p"] != "" {
			kinds = append(kinds, tags["p2p"])
		}
		if _, ok := p2pAttribute(p2p, attrExtListenTiming); ok && tags["elt"] != "" {
			kinds = append(kinds, tags["elt"])
		}
		if gi, ok := p2pAttribute(p2p, attrGroupInfo); ok && tags["group"] != "" {
			kinds = append(kinds, tags["group"])
			if len(gi) > 0 {
				kinds = append(kinds, tags["clients"])
			}
		}
		return kinds
	}
	switch sub {
	case 0:
		return withIEs(kindAssocReq, 4, map[string]string{"p2p": kindAssocReqP2P, "wsc": kindAssocReqWSC})
	case 1:
		return []string{kindAssocResp}
	case 2:
		return []string{"Reassociation Request"}
	case 3:
		return []string{"Reassociation Response"}
	case 4:
		return withIEs(kindProbeReq, 0, map[string]string{"p2p": kindProbeReqP2P, "wsc": kindProbeReqWSC})
	case 5:
		return withIEs(kindProbeResp, 12, map[string]string{
			"p2p": kindProbeRespP2P, "wsc": kindProbeRespWSC, "wfd": kindProbeRespWFD,
			"elt": kindProbeRespELT, "group": kindProbeRespGroup, "clients": kindProbeRespClients,
		})
	case 8:
		return withIEs(kindBeacon, 12, map[string]string{"p2p": kindBeaconP2P})
	case 10:
		return []string{kindDisassoc}
	case 11:
		return []string{kindAuth}
	case 12:
		return withIEs(kindDeauth, 2, map[string]string{"p2p": kindDeauthP2P})
	case 13, 14:
		return classifyAction(body)
	}
	return []string{fmt.Sprintf("management subtype %d", sub)}
}

func classifyAction(body []byte) []string {
	if len(body) < 2 {
		return []string{"short Action"}
	}
	switch cat, act := body[0], body[1]; {
	case cat == 4 && act == 9 && len(body) >= 8 && bytes.Equal(body[2:5], ouiWFA) && body[5] == vendorTypeP2P:
		name, ok := p2pPublicAction[body[6]]
		if !ok {
			return []string{fmt.Sprintf("P2P public action subtype %d", body[6])}
		}
		kinds := []string{name}
		if _, ok := vendorPayload(body[8:], ouiWFA, vendorTypeWFD); ok && name == kindGONegReq {
			kinds = append(kinds, kindGONegReqWFD)
		}
		return kinds
	case cat == 4 && act == 10:
		kinds := []string{kindGASInitReq}
		// Dialog Token, Advertisement Protocol element (ID 108, vendor
		// specific protocol 221 with the WFA OUI and type 9: P2P SD).
		if len(body) >= 3 && bytes.Contains(body[3:], []byte{0xdd, 0xdd}) && bytes.Contains(body[3:], []byte{0x50, 0x6f, 0x9a, 0x09}) {
			kinds = append(kinds, kindP2PSDReq)
		}
		return kinds
	case cat == 4 && act == 11:
		return []string{kindGASInitResp}
	case cat == 4 && act == 12:
		return []string{kindGASCbReq}
	case cat == 4 && act == 13:
		return []string{kindGASCbResp}
	case cat == 0x7f && len(body) >= 6 && bytes.Equal(body[1:4], ouiWFA) && body[4] == vendorTypeP2P:
		if name, ok := p2pAction[body[5]]; ok {
			return []string{name}
		}
		return []string{fmt.Sprintf("P2P action subtype %d", body[5])}
	case cat == 3:
		return []string{"Block Ack action"}
	}
	return []string{fmt.Sprintf("Action category %d action %d", body[0], body[1])}
}

func classifyData(data []byte, fc uint16) []string {
	if fc&0x4000 != 0 {
		return []string{kindProtected}
	}
	e, ok := EAPOL(data)
	if !ok {
		return []string{"unprotected Data"}
	}
	if len(e) < 4 {
		return []string{"short EAPOL"}
	}
	body := e[4:]
	switch e[1] {
	case 0: // EAP packet
		return []string{classifyEAP(body)}
	case 3: // EAPOL-Key (IEEE Std 802.11-2020, 12.7.2)
		if len(body) < 3 {
			return []string{"short EAPOL-Key"}
		}
		info := binary.BigEndian.Uint16(body[1:])
		pairwise, install, ack, mic, secure := info&0x0008 != 0, info&0x0040 != 0, info&0x0080 != 0, info&0x0100 != 0, info&0x0200 != 0
		switch {
		case pairwise && ack && !mic:
			return []string{kindKey1}
		case pairwise && !ack && mic && !secure:
			return []string{kindKey2}
		case pairwise && ack && mic && install:
			return []string{kindKey3}
		case pairwise && !ack && mic && secure:
			return []string{kindKey4}
		case !pairwise && ack:
			return []string{kindGroupKey1}
		case !pairwise && !ack:
			return []string{kindGroupKey2}
		}
		return []string{fmt.Sprintf("EAPOL-Key info %#04x", info)}
	case 1:
		return []string{"EAPOL-Start"}
	}
	return []string{fmt.Sprintf("EAPOL type %d", e[1])}
}

// classifyEAP names an EAP packet (RFC 3748) and, for EAP-WSC (expanded
// type, vendor 00 37 2a, vendor type 1), the WSC message it carries.
func classifyEAP(p []byte) string {
	if len(p) < 4 {
		return "short EAP"
	}
	switch p[0] {
	case 3:
		return "EAP-Success"
	case 4:
		return kindEAPFailure
	}
	if len(p) < 5 {
		return "short EAP"
	}
	dir := map[byte]string{1: "EAP-Request", 2: "EAP-Response"}[p[0]]
	switch p[4] {
	case 1:
		return dir + "/Identity"
	case 254:
		if len(p) < 14 || !bytes.Equal(p[5:12], []byte{0x00, 0x37, 0x2a, 0, 0, 0, 1}) {
			return dir + "/Expanded"
		}
		op, flags, msg := p[12], p[13], p[14:]
		if flags&0x02 != 0 && len(msg) >= 2 { // Length field
			msg = msg[2:]
		}
		if op == 1 {
			return kindWSCStart
		}
		for len(msg) >= 4 {
			t, n := binary.BigEndian.Uint16(msg), int(binary.BigEndian.Uint16(msg[2:]))
			if len(msg) < 4+n {
				break
			}
			if t == 0x1022 && n == 1 {
				if name, ok := wscMessage[msg[4]]; ok {
					return name
				}
			}
			msg = msg[4+n:]
		}
		return fmt.Sprintf("EAP-WSC op-code %d", op)
	}
	return fmt.Sprintf("%s type %d", dir, p[4])
}

// kindsOf counts the frames of one capture by kind, and lists the kinds in
// capture order.
func kindsOf(t *testing.T, name string) (counts map[string]int, order []string) {
	t.Helper()
	frames, err := Load(name)
	if err != nil {
		t.Fatalf("Load(%q): %v", name, err)
	}
	counts = map[string]int{}
	for _, f := range frames {
		for _, k := range classify(f.Data) {
			counts[k]++
			order = append(order, k)
		}
	}
	return counts, order
}

func TestTheCaptureListIsComplete(t *testing.T) {
	got, err := Names()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(captures, got); diff != "" {
		t.Errorf("Names() mismatch (-want +got):\n%s", diff)
	}
}

func TestEveryCaptureLoadsWithFramesOn24GHzChannels(t *testing.T) {
	for _, name := range captures {
		t.Run(name, func(t *testing.T) {
			frames, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if len(frames) < 10 {
				t.Fatalf("%d frames, want at least 10", len(frames))
			}
			for i, f := range frames {
				if f.Index != i {
					t.Errorf("frame %d has Index %d", i, f.Index)
				}
				if len(f.Data) < 10 {
					t.Errorf("frame %d: %d octets, shorter than any 802.11 frame", i, len(f.Data))
				}
				if f.Freq < 2412 || f.Freq > 2484 {
					t.Errorf("frame %d: %d MHz, want a 2.4 GHz channel", i, f.Freq)
				}
				// Records from different radios may be a little out of
				// order, but a capture spans one scenario.
				if d := f.Time.Sub(frames[0].Time); d < -time.Second || d > 10*time.Minute {
					t.Errorf("frame %d is %v after the first frame", i, d)
				}
			}
		})
	}
}

func TestEveryCaptureHasItsMetadata(t *testing.T) {
	for _, name := range captures {
		base := strings.TrimSuffix(name, ".pcap")
		txt, err := File(base + ".txt")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, want := range []string{"wpa_supplicant v2.10", "P2P Device Address", "## What happened"} {
			if !bytes.Contains(txt, []byte(want)) {
				t.Errorf("%s.txt does not mention %q", base, want)
			}
		}
	}
}

// Each scenario's capture and the least number of frames of each kind it
// must hold; a regeneration that loses frames fails here.
var scenarioFrames = []struct {
	name string
	want map[string]int
}{
	{"discovery.pcap", map[string]int{
		kindProbeReq: 4, kindProbeReqP2P: 4, kindProbeReqWSC: 4,
		kindProbeResp: 2, kindProbeRespP2P: 2, kindProbeRespWSC: 2, kindProbeRespWFD: 1,
	}},
	{"provision-discovery.pcap", map[string]int{
		kindPDReq: 3, kindPDResp: 3, kindProbeReqP2P: 1,
	}},
	{"go-neg-pbc.pcap", map[string]int{
		kindGONegReq: 2, kindGONegResp: 2, kindGONegConf: 1, kindGONegReqWFD: 1,
		kindBeacon: 5, kindBeaconP2P: 5,
		kindAuth: 2, kindAssocReq: 1, kindAssocReqP2P: 1, kindAssocReqWSC: 1, kindAssocResp: 1,
		kindEAPIdReq: 1, kindEAPIdResp: 1, kindWSCStart: 1,
		"WSC M1": 1, "WSC M2": 1, "WSC M3": 1, "WSC M4": 1,
		"WSC M5": 1, "WSC M6": 1, "WSC M7": 1, "WSC M8": 1, kindWSCDone: 1, kindEAPFailure: 1,
		kindKey1: 1, kindKey2: 1, kindKey3: 1, kindKey4: 1,
		kindProtected: 6, kindDeauth: 2,
	}},
	{"go-neg-pin.pcap", map[string]int{
		kindGONegReq: 1, kindGONegResp: 1, kindGONegConf: 1,
		kindBeaconP2P: 5, kindAssocReqWSC: 1,
		"WSC M1": 1, "WSC M2": 1, "WSC M3": 1, "WSC M4": 1,
		"WSC M5": 1, "WSC M6": 1, "WSC M7": 1, "WSC M8": 1, kindWSCDone: 1,
		kindKey1: 1, kindKey2: 1, kindKey3: 1, kindKey4: 1,
		kindProtected: 6, kindDeauth: 2,
	}},
	{"go-neg-both-15.pcap", map[string]int{
		kindGONegReq: 1, kindGONegResp: 1,
	}},
	{"invitation.pcap", map[string]int{
		kindGONegReq: 1, kindGONegResp: 1, kindGONegConf: 1,
		"WSC M1": 1, "WSC M8": 1,
		kindInvReq: 1, kindInvResp: 1,
		kindKey1: 2, kindKey2: 2, kindKey3: 2, kindKey4: 2,
		kindProtected: 6, kindDeauth: 2,
	}},
	{"service-discovery.pcap", map[string]int{
		kindGASInitReq: 4, kindP2PSDReq: 4, kindGASInitResp: 4,
		kindGASCbReq: 2, kindGASCbResp: 2,
	}},
	{"autonomous-go-join.pcap", map[string]int{
		kindBeaconP2P: 10, kindProbeRespGroup: 2, kindProbeRespClients: 1,
		kindPDReq: 2, kindPDResp: 2,
		kindAuth: 4, kindAssocReqP2P: 2, kindAssocReqWSC: 2,
		"WSC M1": 2, "WSC M2": 2, "WSC M3": 2, "WSC M4": 2,
		"WSC M5": 2, "WSC M6": 2, "WSC M7": 2, "WSC M8": 2, kindWSCDone: 2,
		kindKey1: 2, kindKey2: 2, kindKey3: 2, kindKey4: 2,
		kindProtected: 12,
	}},
	{"presence-discoverability.pcap", map[string]int{
		kindPresenceReq: 2, kindPresenceResp: 2,
		kindDevDiscReq: 1, kindDevDiscResp: 1, kindGODiscReq: 1,
		kindProbeRespELT: 1, kindProbeRespClients: 1, kindDeauth: 2,
		kindGONegReq: 1, kindGONegResp: 1,
	}},
}

func TestEachCaptureHoldsItsScenarioFrames(t *testing.T) {
	for _, sc := range scenarioFrames {
		t.Run(sc.name, func(t *testing.T) {
			counts, _ := kindsOf(t, sc.name)
			short := map[string]string{}
			for kind, min := range sc.want {
				if counts[kind] < min {
					short[kind] = fmt.Sprintf("%d, want at least %d", counts[kind], min)
				}
			}
			if diff := cmp.Diff(map[string]string{}, short); diff != "" {
				t.Errorf("kinds with too few frames (-want +got):\n%s\nall kinds: %s", diff, summary(counts))
			}
			t.Logf("%s: %s", sc.name, summary(counts))
		})
	}
}

func TestEveryCaptureIsCoveredByAScenario(t *testing.T) {
	var got []string
	for _, sc := range scenarioFrames {
		got = append(got, sc.name)
	}
	sort.Strings(got)
	if diff := cmp.Diff(captures, got); diff != "" {
		t.Errorf("scenarios mismatch (-want +got):\n%s", diff)
	}
}

// The WPS registration protocol and the 4-way handshake run in order.
func TestGroupFormationMessagesComeInProtocolOrder(t *testing.T) {
	sequences := []struct {
		name string
		want []string
	}{
		{"go-neg-pbc.pcap", []string{
			kindGONegReq, kindGONegResp, kindGONegConf,
			kindAssocReq, kindEAPIdReq, kindEAPIdResp, kindWSCStart,
			"WSC M1", "WSC M2", "WSC M3", "WSC M4", "WSC M5", "WSC M6", "WSC M7", "WSC M8",
			kindWSCDone, kindEAPFailure, kindKey1, kindKey2, kindKey3, kindKey4, kindProtected,
		}},
		{"go-neg-pin.pcap", []string{
			kindGONegReq, kindGONegResp, kindGONegConf,
			"WSC M1", "WSC M2", "WSC M3", "WSC M4", "WSC M5", "WSC M6", "WSC M7", "WSC M8",
			kindWSCDone, kindKey1, kindKey2, kindKey3, kindKey4,
		}},
		{"invitation.pcap", []string{
			kindGONegReq, kindGONegConf, "WSC M8", kindKey4, kindDeauth,
			kindInvReq, kindInvResp, kindKey1, kindKey2, kindKey3, kindKey4,
		}},
		{"autonomous-go-join.pcap", []string{
			kindBeaconP2P, kindPDReq, kindPDResp, "WSC M1", "WSC M8", kindWSCDone, kindKey4,
			kindProbeRespClients, kindPDReq, kindPDResp, "WSC M1", "WSC M8", kindWSCDone, kindKey4,
		}},
		{"service-discovery.pcap", []string{
			kindGASInitReq, kindGASInitResp, kindGASCbReq, kindGASCbResp,
		}},
	}
	for _, s := range sequences {
		t.Run(s.name, func(t *testing.T) {
			_, order := kindsOf(t, s.name)
			next := 0
			for _, k := range order {
				if next < len(s.want) && k == s.want[next] {
					next++
				}
			}
			if next < len(s.want) {
				t.Errorf("no %q after %q in capture order", s.want[next], s.want[:next])
			}
		})
	}
}

// The key excerpts hold what known-answer tests of WPS and of the 4-way
// handshake need, for every capture with EAPOL frames.
func TestWPSCapturesHaveTheirKeyMaterial(t *testing.T) {
	want := []string{
		"WPS: DH Private Key", "WPS: DH own Public Key", "WPS: DH peer Public Key", "WPS: DHKey",
		"WPS: KDK", "WPS: AuthKey", "WPS: KeyWrapKey", "WPS: EMSK",
		"WPS: Enrollee Nonce", "WPS: Registrar Nonce", "WPS: E-Hash1", "WPS: R-Hash1",
		"WPA: PMK", "WPA: PTK", "WPA: KCK", "WPA: KEK", "WPA: TK", "WPA: Assign ANonce",
		"WPA: Renewed SNonce", "GTK - hexdump", "WPA: Group Key",
	}
	for _, base := range []string{"go-neg-pbc", "go-neg-pin", "invitation", "autonomous-go-join"} {
		keys, err := File(base + ".keys.txt")
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		var missing []string
		for _, w := range want {
			if !bytes.Contains(keys, []byte(w)) {
				missing = append(missing, w)
			}
		}
		if diff := cmp.Diff([]string(nil), missing); diff != "" {
			t.Errorf("%s.keys.txt lacks (-want +got):\n%s", base, diff)
		}
		if _, err := File(base + ".wpas0.log.xz"); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
}

func summary(counts map[string]int) string {
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for i, k := range kinds {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, counts[k])
	}
	return b.String()
}

// goNegResponseStatuses lists the Status attributes (P2P attribute 0) of the
// GO Negotiation Responses in a capture, in capture order.
func goNegResponseStatuses(t *testing.T, name string) []byte {
	t.Helper()
	frames, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []byte
	for _, f := range frames {
		kinds := classify(f.Data)
		if len(kinds) == 0 || kinds[0] != kindGONegResp {
			continue
		}
		// 24-octet header, then category, action, OUI, OUI type,
		// OUI subtype, dialog token, then the P2P IE.
		p2p, _ := vendorPayload(f.Data[24+8:], ouiWFA, vendorTypeP2P)
		if st, ok := p2pAttribute(p2p, 0); ok && len(st) == 1 {
			statuses = append(statuses, st[0])
		}
	}
	return statuses
}

func TestGONegotiationResponsesCarryTheExpectedStatus(t *testing.T) {
	tests := []struct {
		name string
		want []byte // Wi-Fi P2P Technical Specification v1.7, 4.1.2, Table 8
	}{
		// The peer answers 1 (information currently unavailable) until
		// its own p2p_connect, then 0 (success).
		{"go-neg-pbc.pcap", []byte{1, 0}},
		{"go-neg-pin.pcap", []byte{1, 0}},
		{"invitation.pcap", []byte{1, 0}},
		// Both GO Intent 15: 9 (both devices indicated GO Intent 15).
		{"go-neg-both-15.pcap", []byte{1, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, goNegResponseStatuses(t, tt.name)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}
}
