package p2pmsg

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// Management frame subtypes (IEEE Std 802.11-2020, 9.2.4.1.3 Table 9-1).
const (
	subtypeAssocReq    = 0
	subtypeAssocResp   = 1
	subtypeReassocReq  = 2
	subtypeReassocResp = 3
	subtypeProbeReq    = 4
	subtypeProbeResp   = 5
	subtypeBeacon      = 8
	subtypeAction      = 13
	subtypeActionNoAck = 14
)

// capturedUnit is one thing of a captured frame this package decodes.
type capturedUnit struct {
	where string // capture name and frame index, for messages
	kind  string // "public", "action" or "ies"
	data  []byte // action body from Category on, or the element list
}

// splitCapturedFrame finds what a captured 802.11 frame carries for this
// package: an action frame body, or the elements of a beacon, probe or
// (re)association frame. ok is false for other frames.
func splitCapturedFrame(data []byte) (kind string, payload []byte, ok bool) {
	if len(data) < mgmtHeaderLen {
		return "", nil, false
	}
	fc0, fc1 := data[0], data[1]
	if (fc0>>2)&3 != 0 || fc1&0x40 != 0 { // not management, or protected
		return "", nil, false
	}
	hdr := mgmtHeaderLen
	if fc1&0x80 != 0 { // +HTC
		hdr += 4
	}
	fixed := map[uint8]int{ // fixed fields before the elements
		subtypeAssocReq: 4, subtypeAssocResp: 6, subtypeReassocReq: 10, subtypeReassocResp: 6,
		subtypeProbeReq: 0, subtypeProbeResp: 12, subtypeBeacon: 12,
	}
	sub := fc0 >> 4
	if len(data) < hdr {
		return "", nil, false
	}
	body := data[hdr:]
	switch {
	case sub == subtypeAction || sub == subtypeActionNoAck:
		if len(body) == 0 {
			return "", nil, false
		}
		switch body[0] {
		case CategoryPublic:
			return "public", body, true
		case CategoryVendorSpecific:
			return "action", body, true
		}
	default:
		if n, ok := fixed[sub]; ok && len(body) >= n {
			return "ies", body[n:], true
		}
	}
	return "", nil, false
}

// capturedUnits loads every capture vectors.Names lists.
func capturedUnits(t testing.TB) (names []string, units []capturedUnit) {
	t.Helper()
	names, err := vectors.Names()
	if err != nil {
		t.Fatalf("vectors.Names: %v", err)
	}
	for _, name := range names {
		frames, err := vectors.Load(name)
		if err != nil {
			t.Fatalf("vectors.Load(%s): %v", name, err)
		}
		for _, fr := range frames {
			if kind, payload, ok := splitCapturedFrame(fr.Data); ok {
				units = append(units, capturedUnit{where: fmt.Sprintf("%s#%d", name, fr.Index), kind: kind, data: payload})
			}
		}
	}
	return names, units
}

// captureFindings is what the captured P2P traffic showed.
type captureFindings struct {
	p2pFrames   int
	devices     map[ieee80211.MAC]DeviceInfo // from P2P Device Info, by P2P Device Address
	clients     map[string]bool              // Device Names in P2P Group Info (none in the current captures)
	goNegReqs   []*Attributes
	goNegResps  []*Attributes
	goNegConfs  []Status
	invReqs     []*Attributes
	invResps    []Status
	pdReqs      int
	pdResps     int
	wfd         []*WFD
	goBeacons   int // beacons whose P2P Capability has the Group Owner bit
	goBeaconIDs map[ieee80211.MAC]bool
}

func newCaptureFindings() *captureFindings {
	return &captureFindings{devices: map[ieee80211.MAC]DeviceInfo{}, clients: map[string]bool{}, goBeaconIDs: map[ieee80211.MAC]bool{}}
}

func (c *captureFindings) noteAttrs(a *Attributes) {
	if a == nil {
		return
	}
	if a.DeviceInfo != nil {
		c.devices[a.DeviceInfo.DeviceAddress] = *a.DeviceInfo
	}
	if a.GroupInfo != nil {
		for _, cl := range a.GroupInfo.Clients {
			c.clients[cl.DeviceName] = true
		}
	}
}

func (c *captureFindings) notePublic(f *PublicAction) {
	a := f.P2P
	if a == nil {
		a = &Attributes{}
	}
	switch f.Subtype {
	case GONegotiationRequest:
		c.goNegReqs = append(c.goNegReqs, a)
	case GONegotiationResponse:
		c.goNegResps = append(c.goNegResps, a)
	case GONegotiationConfirmation:
		if a.Status != nil {
			c.goNegConfs = append(c.goNegConfs, *a.Status)
		}
	case InvitationRequest:
		c.invReqs = append(c.invReqs, a)
	case InvitationResponse:
		if a.Status != nil {
			c.invResps = append(c.invResps, *a.Status)
		}
	case ProvisionDiscoveryRequest:
		c.pdReqs++
	case ProvisionDiscoveryResponse:
		c.pdResps++
	}
	c.noteAttrs(f.P2P)
}

// checkCapturedUnit decodes one unit, checks that it re-encodes exactly and
// that real frames pass the validators.
func checkCapturedUnit(t *testing.T, u capturedUnit, c *captureFindings) {
	t.Helper()
	switch u.kind {
	case "public":
		f, err := ParsePublicAction(u.data)
		if errors.Is(err, ErrNotP2P) {
			return
		}
		if err != nil {
			t.Errorf("%s: ParsePublicAction: %v", u.where, err)
			return
		}
		c.p2pFrames++
		if got, err := f.Append(nil); err != nil || string(got) != string(u.data) {
			t.Errorf("%s: %v re-encoded as %x (%v), want %x", u.where, f.Subtype, got, err, u.data)
		}
		if err := ValidatePublicAction(f); err != nil {
			t.Errorf("%s: %v from wpa_supplicant fails validation: %v", u.where, f.Subtype, err)
		}
		c.notePublic(f)
		c.noteWFD(t, u.where, f.Elements)
	case "action":
		f, err := ParseAction(u.data)
		if errors.Is(err, ErrNotP2P) {
			return
		}
		if err != nil {
			t.Errorf("%s: ParseAction: %v", u.where, err)
			return
		}
		c.p2pFrames++
		if got, err := f.Append(nil); err != nil || string(got) != string(u.data) {
			t.Errorf("%s: %v re-encoded as %x (%v), want %x", u.where, f.Subtype, got, err, u.data)
		}
		if err := ValidateAction(f); err != nil {
			t.Errorf("%s: %v from wpa_supplicant fails validation: %v", u.where, f.Subtype, err)
		}
	case "ies":
		elems, err := ieee80211.ParseElements(u.data)
		if err != nil {
			t.Errorf("%s: ParseElements: %v", u.where, err)
			return
		}
		a, found, err := ParseIE(elems)
		if err != nil {
			t.Errorf("%s: ParseIE: %v", u.where, err)
			return
		}
		if !found {
			return
		}
		c.p2pFrames++
		payload, _ := ieee80211.VendorPayload(elems, ieee80211.OUIWFA, ieee80211.VendorTypeP2P)
		if got, err := a.Append(nil); err != nil || string(got) != string(payload) {
			t.Errorf("%s: P2P IE re-encoded as %x (%v), want %x", u.where, got, err, payload)
		}
		if a.Capability != nil && a.Capability.Group&GroupCapGroupOwner != 0 && a.DeviceID != nil {
			c.goBeacons++ // beacons carry P2P Device ID (4.2.1)
			c.goBeaconIDs[*a.DeviceID] = true
		}
		c.noteAttrs(a)
		c.noteWFD(t, u.where, elems)
	}
}

func (c *captureFindings) noteWFD(t *testing.T, where string, elems []ieee80211.Element) {
	t.Helper()
	w, found, err := ParseWFDIE(elems)
	if !found {
		return
	}
	if err != nil {
		t.Errorf("%s: ParseWFDIE: %v", where, err)
		return
	}
	payload, _ := ieee80211.VendorPayload(elems, ieee80211.OUIWFA, ieee80211.VendorTypeWFD)
	if got, err := w.Append(nil); err != nil || string(got) != string(payload) {
		t.Errorf("%s: WFD IE re-encoded as %x (%v), want %x", where, got, err, payload)
	}
	c.wfd = append(c.wfd, w)
}

// The two wpa_supplicant instances of capture.sh (see the captures' .txt).
var (
	vectorDev0 = ieee80211.MAC{0x42, 0, 0, 0, 0, 0}
	vectorDev1 = ieee80211.MAC{0x42, 0, 0, 0, 1, 0}
	vectorDev2 = ieee80211.MAC{0x42, 0, 0, 0, 2, 0} // third instance, joining running groups
)

// checkVectorDevices checks what every capture shows of the two instances:
// names, primary and secondary device types and device capability.
func checkVectorDevices(t *testing.T, c *captureFindings) {
	t.Helper()
	wfaOUI := [4]byte{0x00, 0x50, 0xf2, 0x04}
	want := map[ieee80211.MAC]struct {
		name      string
		primary   DeviceType
		secondary []DeviceType
	}{
		vectorDev0: {"wpas-vector-0", DeviceType{Category: 1, OUI: wfaOUI, SubCategory: 1}, []DeviceType{{Category: 3, OUI: wfaOUI, SubCategory: 1}}},
		vectorDev1: {"wpas-vector-1", DeviceType{Category: 10, OUI: wfaOUI, SubCategory: 5}, nil},
		vectorDev2: {"wpas-vector-2", DeviceType{Category: 7, OUI: wfaOUI, SubCategory: 1}, nil},
	}
	for addr, d := range c.devices {
		w, ok := want[addr]
		if !ok {
			t.Errorf("unexpected P2P Device Address %v (%q)", addr, d.DeviceName)
			continue
		}
		if d.DeviceName != w.name || d.PrimaryDeviceType != w.primary || len(d.SecondaryDeviceTypes) != len(w.secondary) {
			t.Errorf("%v announced name %q, types %+v %+v; want %q, %+v %+v", addr, d.DeviceName,
				d.PrimaryDeviceType, d.SecondaryDeviceTypes, w.name, w.primary, w.secondary)
		}
	}
}

// captureExpectations holds what each capture's .txt says happened.
var captureExpectations = map[string]func(t *testing.T, c *captureFindings){
	"discovery.pcap": func(t *testing.T, c *captureFindings) {
		if len(c.devices) != 2 {
			t.Errorf("saw Device Info of %d devices, want both instances", len(c.devices))
		}
		found := false
		for _, w := range c.wfd {
			if d := w.DeviceInfo; d != nil && *d == (WFDDeviceInfo{DeviceInfo: 0x0011, SessionManagementControlPort: 7236, MaxThroughput: 300}) {
				found = true
			}
		}
		if !found {
			t.Errorf("no WFD Device Information 0011/7236/300 from instance 0 (subelements 000600111c44012c)")
		}
	},
	"go-neg-pbc.pcap": checkSuccessfulGONegotiation,
	"go-neg-pin.pcap": checkSuccessfulGONegotiation,
	"go-neg-both-15.pcap": func(t *testing.T, c *captureFindings) {
		sawStatus9 := false
		for _, r := range c.goNegResps {
			if r.Status != nil && *r.Status == StatusFailBothGOIntent15 {
				sawStatus9 = true
			}
		}
		if !sawStatus9 {
			t.Errorf("no GO Negotiation Response with status 9 (both GO Intent 15)")
		}
		if len(c.goNegReqs) < 2 {
			t.Fatalf("%d GO Negotiation Requests, want one from each instance", len(c.goNegReqs))
		}
		for _, req := range c.goNegReqs {
			if req.GOIntent == nil || req.GOIntent.Intent != 15 {
				t.Errorf("GO Negotiation Request with GO Intent %+v, want 15", req.GOIntent)
			}
		}
		if _, err := ResolveGORole(*c.goNegReqs[0].GOIntent, *c.goNegReqs[1].GOIntent); !errors.Is(err, ErrBothGOIntent15) {
			t.Errorf("ResolveGORole of the two requests: %v, want ErrBothGOIntent15", err)
		}
	},
	"invitation.pcap": func(t *testing.T, c *captureFindings) {
		checkSuccessfulGONegotiation(t, c)
		ssid := persistentSSID(t, "invitation.txt")
		reinvoked := false
		for _, r := range c.invReqs {
			if r.InvitationFlags != nil && *r.InvitationFlags&InvitationTypeReinvoke != 0 &&
				r.GroupID != nil && string(r.GroupID.SSID) == ssid && r.GroupID.DeviceAddress == vectorDev0 {
				reinvoked = true
			}
		}
		if !reinvoked {
			t.Errorf("no Invitation Request re-invoking %s of %v", ssid, vectorDev0)
		}
		if len(c.invResps) == 0 || c.invResps[len(c.invResps)-1] != StatusSuccess {
			t.Errorf("Invitation Response statuses %v, want a final Success", c.invResps)
		}
	},
	"provision-discovery.pcap": func(t *testing.T, c *captureFindings) {
		if c.pdReqs < 3 || c.pdResps < 3 {
			t.Errorf("%d Provision Discovery Requests and %d Responses, want 3 of each (pbc, display, keypad)", c.pdReqs, c.pdResps)
		}
	},
}

// persistentSSID reads the SSID of the first group started in a capture's
// notes (the P2P-GROUP-STARTED event of wpa_supplicant: ssid="DIRECT-xy").
func persistentSSID(t *testing.T, notes string) string {
	t.Helper()
	b, err := vectors.File(notes)
	if err != nil {
		t.Fatalf("notes: %v", err)
	}
	_, rest, ok := strings.Cut(string(b), `P2P-GROUP-STARTED `)
	if ok {
		_, rest, ok = strings.Cut(rest, `ssid="`)
	}
	ssid, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 || !strings.HasPrefix(ssid, "DIRECT-") {
		t.Fatalf("%s names no P2P-GROUP-STARTED ssid", notes)
	}
	return ssid
}

// checkSuccessfulGONegotiation: instance 0 asks with GO Intent 15 and
// instance 1 answers status 1 (not ready) until its own p2p_connect, after
// which one side's request (instance 1's Intent 0, or instance 0's 15) gets
// a Success response and a Success Confirmation; instance 0 ends up GO and
// beacons with the Group Owner bit.
func checkSuccessfulGONegotiation(t *testing.T, c *captureFindings) {
	t.Helper()
	intents := map[ieee80211.MAC]uint8{vectorDev0: 15, vectorDev1: 0}
	for _, req := range c.goNegReqs {
		if req.DeviceInfo == nil || req.GOIntent == nil || req.GOIntent.Intent != intents[req.DeviceInfo.DeviceAddress] {
			t.Errorf("GO Negotiation Request %+v with GO Intent %+v, want 15 from instance 0 and 0 from instance 1", req.DeviceInfo, req.GOIntent)
		}
	}
	var success *Attributes
	for _, r := range c.goNegResps {
		switch {
		case r.Status == nil:
			t.Errorf("GO Negotiation Response without Status")
		case *r.Status == StatusSuccess:
			success = r
		case *r.Status != StatusFailInformationUnavailable:
			t.Errorf("GO Negotiation Response status %v", *r.Status)
		}
	}
	if success == nil || success.DeviceInfo == nil || success.GOIntent == nil {
		t.Fatalf("no successful GO Negotiation Response with Device Info and GO Intent")
	}
	responder := success.DeviceInfo.DeviceAddress
	var request *Attributes
	for _, req := range c.goNegReqs {
		if req.DeviceInfo != nil && req.DeviceInfo.DeviceAddress != responder {
			request = req
		}
	}
	if request == nil {
		t.Fatalf("no GO Negotiation Request answered by %v", responder)
	}
	requesterIsGO, err := ResolveGORole(*request.GOIntent, *success.GOIntent)
	if err != nil || requesterIsGO != (request.DeviceInfo.DeviceAddress == vectorDev0) {
		t.Errorf("ResolveGORole = %v, %v; want instance 0 (%v) as GO", requesterIsGO, err, vectorDev0)
	}
	if success.GroupID == nil || success.GroupID.DeviceAddress != vectorDev0 || !strings.HasPrefix(string(success.GroupID.SSID), "DIRECT-") {
		t.Errorf("P2P Group ID %+v, want DIRECT-* of %v", success.GroupID, vectorDev0)
	}
	if len(c.goNegConfs) == 0 || c.goNegConfs[len(c.goNegConfs)-1] != StatusSuccess {
		t.Errorf("GO Negotiation Confirmation statuses %v, want a final Success", c.goNegConfs)
	}
	if !c.goBeaconIDs[vectorDev0] {
		t.Errorf("no beacon with the Group Owner bit and P2P Device ID %v", vectorDev0)
	}
}

// TestCapturedWpaSupplicantFramesDecodeAndReencodeExactly runs over every
// capture of supplicant/internal/vectors. Without captures it skips, or
// fails when P2P_REQUIRE_VECTORS=1.
func TestCapturedWpaSupplicantFramesDecodeAndReencodeExactly(t *testing.T) {
	vectors.NamesOrSkip(t)
	names, units := capturedUnits(t)
	byCapture := map[string][]capturedUnit{}
	for _, u := range units {
		name := u.where[:strings.LastIndexByte(u.where, '#')]
		byCapture[name] = append(byCapture[name], u)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			c := newCaptureFindings()
			for _, u := range byCapture[name] {
				checkCapturedUnit(t, u, c)
			}
			if c.p2pFrames == 0 {
				t.Fatalf("no P2P frames or IEs in %s", name)
			}
			checkVectorDevices(t, c)
			names := make([]string, 0, len(c.devices))
			for _, d := range c.devices {
				names = append(names, d.DeviceName)
			}
			sort.Strings(names)
			t.Logf("%d P2P frames/IEs; devices %q; %d GO Negotiation Requests; Confirmation statuses %v; %d GO beacons; Group Info clients %v",
				c.p2pFrames, names, len(c.goNegReqs), c.goNegConfs, c.goBeacons, c.clients)
			if expect, ok := captureExpectations[name]; ok {
				expect(t, c)
			}
		})
	}
}

func TestSplitCapturedFrameFindsActionBodiesAndElements(t *testing.T) {
	hdr := func(fc0, fc1 byte) []byte { return append([]byte{fc0, fc1}, make([]byte, 22)...) }
	tests := []struct {
		name     string
		frame    []byte
		wantKind string
		wantLen  int
	}{
		{"action", cat(hdr(0xd0, 0), []byte{4, 9, 1}), "public", 3},
		{"P2P action", cat(hdr(0xd0, 0), []byte{127, 1}), "action", 2},
		{"action with +HTC", cat(hdr(0xd0, 0x80), []byte{0, 0, 0, 0}, []byte{4, 9}), "public", 2},
		{"beacon", cat(hdr(0x80, 0), make([]byte, 12), []byte{0, 0}), "ies", 2},
		{"probe response", cat(hdr(0x50, 0), make([]byte, 12), []byte{0, 1, 'x'}), "ies", 3},
		{"probe request", cat(hdr(0x40, 0), []byte{0, 0}), "ies", 2},
		{"data frame", cat(hdr(0x08, 0), []byte{1, 2}), "", 0},
		{"protected action", cat(hdr(0xd0, 0x40), []byte{4, 9}), "", 0},
		{"short", []byte{0xd0, 0}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, payload, ok := splitCapturedFrame(tt.frame)
			if kind != tt.wantKind || len(payload) != tt.wantLen || ok != (tt.wantKind != "") {
				t.Errorf("splitCapturedFrame = %q, %d octets, %v; want %q, %d", kind, len(payload), ok, tt.wantKind, tt.wantLen)
			}
		})
	}
}
