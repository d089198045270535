package p2p

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// peerProbeIEs are the P2P and WSC IEs of a peer's search probe request.
func peerProbeIEs(t *testing.T, reqTypes []DeviceType, deviceID *MAC) []byte {
	t.Helper()
	ies, err := peerIdentity(peerAddr, nil).probeRequestIEs(reqTypes, deviceID)
	if err != nil {
		t.Fatal(err)
	}
	return ies
}

func TestListenAnswersP2PProbeRequestWithOurIdentity(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.SecondaryDeviceTypes = []DeviceType{{Category: 10, OUI: wsc.OUIWFADeviceType, SubCategory: 5}}
		c.ExtendedListen = &p2pmsg.ExtendedListenTiming{AvailabilityPeriod: 500, AvailabilityInterval: 5000}
	})
	h.listen()
	h.rx(probeRequest(t, peerAddr, wildcardSSID, peerProbeIEs(t, nil, nil)), 2437)
	sent := h.sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d frames, want 1 probe response", len(sent))
	}
	tx := sent[0].tx
	if tx.Freq != 2437 || !tx.NoCCK || !tx.NoAck || tx.Wait != 0 {
		t.Errorf("tx %+v: want 2437 MHz, no CCK, no ack, no wait", tx)
	}
	m, err := ieee80211.DecodeMgmt(tx.Frame)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.FrameControl.Subtype != ieee80211.SubtypeProbeResp || m.Header.DA() != peerAddr || m.Header.SA() != ourAddr {
		t.Errorf("header %+v", m.Header)
	}
	pr, err := ieee80211.DecodeProbeResp(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	ssid, _ := pr.Elements.Find(ieee80211.ElemSSID)
	rates, _ := pr.Elements.Find(ieee80211.ElemSupportedRates)
	ds, _ := pr.Elements.Find(ieee80211.ElemDSParameterSet)
	if !bytes.Equal(ssid.Data, wildcardSSID) || onlyCCK(pr.Elements) || len(rates.Data) != 8 || !bytes.Equal(ds.Data, []byte{6}) {
		t.Errorf("SSID %q rates %x DS %x", ssid.Data, rates.Data, ds.Data)
	}
	w, err := wsc.DecodeIE[wsc.ProbeResponse](pr.Elements)
	if err != nil {
		t.Fatal(err)
	}
	if w.DeviceName != "ours" || w.UUIDE != wsc.UUIDFromAddress(ourAddr) || w.ResponseType != wsc.ResponseEnrolleeInfo ||
		w.WPSState != wsc.WPSStateNotConfigured || wsc.DeviceType(h.c.cfg.PrimaryDeviceType) != w.PrimaryDeviceType ||
		len(w.SecondaryDeviceTypes) != 1 {
		t.Errorf("WSC IE %+v", w)
	}
	if ext, ok := wsc.WFA(w.VendorExtensions); !ok || ext.Version2 != wsc.Version2 {
		t.Errorf("WFA extension %+v", ext)
	}
	a, found, err := p2pmsg.ParseIE(pr.Elements)
	if !found || err != nil {
		t.Fatal(found, err)
	}
	want := &p2pmsg.DeviceInfo{
		DeviceAddress: ourAddr, ConfigMethods: ConfigPushButton | ConfigDisplay | ConfigKeypad,
		PrimaryDeviceType: h.c.cfg.PrimaryDeviceType, SecondaryDeviceTypes: h.c.cfg.SecondaryDeviceTypes, DeviceName: "ours",
	}
	if diff := cmp.Diff(want, a.DeviceInfo); diff != "" {
		t.Errorf("Device Info (-want +got):\n%s", diff)
	}
	if a.Capability == nil || a.ExtendedListenTiming == nil || a.ExtendedListenTiming.AvailabilityInterval != 5000 {
		t.Errorf("P2P IE %+v", a)
	}
}

func TestListenAnswersOnlyMatchingProbeRequests(t *testing.T) {
	other := MAC{0x02, 9, 9, 9, 9, 9}
	ours := ourAddr
	printer := DeviceType{Category: 3, OUI: wsc.OUIWFADeviceType, SubCategory: 1}
	computerAny := DeviceType{Category: 1}
	tests := []struct {
		name    string
		listen  bool
		freq    int
		ssid    []byte
		ies     func(t *testing.T) []byte
		cckOnly bool
		answer  bool
	}{
		{name: "P2P wildcard SSID", listen: true, freq: 2437, ssid: wildcardSSID, answer: true},
		{name: "wildcard SSID", listen: true, freq: 2437, ssid: nil, answer: true},
		{name: "not in Listen state", listen: false, freq: 2437, ssid: wildcardSSID},
		{name: "another channel", listen: true, freq: 2412, ssid: wildcardSSID},
		{name: "group SSID", listen: true, freq: 2437, ssid: []byte("DIRECT-ab-group")},
		{name: "network SSID", listen: true, freq: 2437, ssid: []byte("home")},
		{name: "no P2P IE", listen: true, freq: 2437, ssid: wildcardSSID, ies: func(*testing.T) []byte { return nil }},
		{name: "Device ID of another device", listen: true, freq: 2437, ssid: wildcardSSID,
			ies: func(t *testing.T) []byte { return peerProbeIEs(t, nil, &other) }},
		{name: "Device ID ours", listen: true, freq: 2437, ssid: wildcardSSID, answer: true,
			ies: func(t *testing.T) []byte { return peerProbeIEs(t, nil, &ours) }},
		{name: "requested type not ours", listen: true, freq: 2437, ssid: wildcardSSID,
			ies: func(t *testing.T) []byte { return peerProbeIEs(t, []DeviceType{printer}, nil) }},
		{name: "requested category wildcard matches", listen: true, freq: 2437, ssid: wildcardSSID, answer: true,
			ies: func(t *testing.T) []byte { return peerProbeIEs(t, []DeviceType{printer, computerAny}, nil) }},
		{name: "802.11b rates only", listen: true, freq: 2437, ssid: wildcardSSID, cckOnly: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			if tt.listen {
				h.listen()
			}
			ies := peerProbeIEs(t, nil, nil)
			if tt.ies != nil {
				ies = tt.ies(t)
			}
			frame := probeRequest(t, peerAddr, tt.ssid, ies)
			if tt.cckOnly {
				b, _ := ieee80211.AppendSSID(nil, tt.ssid)
				b, _ = ieee80211.AppendRates(b, []ieee80211.Rate{0x82, 0x84, 0x8b, 0x96})
				frame = mgmtFrame(ieee80211.SubtypeProbeReq, ieee80211.Broadcast, peerAddr, ieee80211.Broadcast, append(b, ies...))
			}
			h.take()
			h.rx(frame, tt.freq)
			if got := len(h.sent()) == 1; got != tt.answer {
				t.Errorf("answered %v, want %v", got, tt.answer)
			}
		})
	}
}

func TestProbeRequestsFromPeersAreNotReportedAsFound(t *testing.T) {
	h := newHarness(t, nil)
	h.rx(probeRequest(t, peerAddr, wildcardSSID, peerProbeIEs(t, nil, nil)), 2437)
	if ns := notes(h.take()); len(ns) != 0 {
		t.Errorf("notifications %v", ns)
	}
	p, ok := h.c.peers.snapshot(peerAddr)
	if !ok || p.Complete || p.ListenFreq != 2437 {
		t.Errorf("peer %+v, known %v", p, ok)
	}
}

// probeResponseBSS is a scan result of a peer's probe response.
func probeResponseBSS(t *testing.T, addr MAC, name string, freq int, when time.Time) radio.BSS {
	t.Helper()
	id := peerIdentity(addr, func(c *Config) { c.DeviceName = name })
	f, err := id.probeResponse(ourAddr, freq)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := ieee80211.DecodeMgmt(f)
	return radio.BSS{BSSID: addr, Freq: freq, Signal: -4000, IEs: m.Body[12:], ProbeResp: true, Seen: when}
}

// scan runs one Find scan whose results are bss.
func (h *harness) scan(bss ...radio.BSS) {
	h.t.Helper()
	if h.c.find == nil {
		h.command(cmdFind{opts: FindOptions{Type: FindSocial}})
	}
	h.do(evScanResults{bss: bss})
}

func TestScanResultsReportPeersOnceAndUpdates(t *testing.T) {
	h := newHarness(t, nil)
	h.command(cmdFind{opts: FindOptions{Type: FindSocial}})
	h.take()
	h.scan(probeResponseBSS(t, peerAddr, "bravo", 2437, h.now))
	ns := notes(h.take())
	f, ok := hasNote[PeerFound](ns)
	if !ok || f.Peer.Name != "bravo" || f.Peer.ListenFreq != 2437 || f.Peer.Manufacturer != "p2pmanager" {
		t.Fatalf("notifications %+v", ns)
	}
	h.advance(time.Second)
	h.scan(probeResponseBSS(t, peerAddr, "bravo", 2437, h.now))
	if ns := notes(h.take()); len(ns) != 0 {
		t.Errorf("same facts again: %+v", ns)
	}
	h.advance(time.Second)
	h.scan(probeResponseBSS(t, peerAddr, "bravo-2", 2437, h.now))
	h.scan(probeResponseBSS(t, peerAddr, "bravo-old", 2437, h.now.Add(-time.Millisecond)))
	if p, _ := h.c.peers.snapshot(peerAddr); p.Name != "bravo-2" {
		t.Errorf("an older result overwrote the peer: %q", p.Name)
	}
	if u, ok := hasNote[PeerUpdated](notes(h.take())); !ok || u.Peer.Name != "bravo-2" {
		t.Errorf("no update for the new name")
	}
}

func TestScanResultsFromBeforeFindAreIgnored(t *testing.T) {
	h := newHarness(t, nil)
	h.advance(10 * time.Second)
	h.command(cmdFind{opts: FindOptions{Type: FindSocial}})
	h.scan(probeResponseBSS(t, peerAddr, "stale", 2437, h.now.Add(-5*time.Second)))
	if h.c.peers.len() != 0 {
		t.Error("a result older than the Find was taken")
	}
}

func TestScanResultsWithBadPeerDataAreDropped(t *testing.T) {
	long := probeResponseBSS(t, peerAddr, "x", 2437, t0)
	// Device Name of 33 octets inside the P2P Device Info (bad-input #2).
	attrs := &p2pmsg.Attributes{DeviceInfo: &p2pmsg.DeviceInfo{DeviceAddress: peerAddr, DeviceName: "x"}}
	payload, _ := attrs.Append(nil)
	i := bytes.Index(payload, []byte{0x10, 0x11, 0x00, 0x01, 'x'})
	bad := append(append(append([]byte{}, payload[:i]...), 0x10, 0x11, 0x00, 33), bytes.Repeat([]byte{'y'}, 33)...)
	bad[1], bad[2] = byte(len(bad)-3), byte((len(bad)-3)>>8)
	long.IEs = ieee80211.AppendVendor(nil, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, bad)

	h := newHarness(t, nil)
	h.command(cmdFind{opts: FindOptions{Type: FindSocial}})
	h.scan(long)
	if h.c.peers.len() != 0 {
		t.Error("peer with a 33-octet name was kept")
	}
}

func TestScanResultsRecordGroupOwnersWithTheirClients(t *testing.T) {
	goAddr := MAC{0x02, 0, 0, 0, 0, 0x33}
	ifAddr := MAC{0x02, 0, 0, 0, 0, 0x34}
	client := p2pmsg.ClientInfo{DeviceAddress: MAC{0x02, 1, 1, 1, 1, 1}, InterfaceAddress: MAC{0x02, 1, 1, 1, 1, 2},
		DeviceName: "client", PrimaryDeviceType: DeviceType{Category: 1}}
	attrs := &p2pmsg.Attributes{
		Capability: &p2pmsg.Capability{Group: p2pmsg.GroupCapGroupOwner},
		DeviceInfo: &p2pmsg.DeviceInfo{DeviceAddress: goAddr, DeviceName: "the go", ConfigMethods: ConfigPushButton},
		GroupInfo:  &p2pmsg.GroupInfo{Clients: []p2pmsg.ClientInfo{client}},
	}
	// A 40-octet SSID (bad-input #1) does not hide the device.
	for _, ssid := range [][]byte{[]byte("DIRECT-xy-group"), bytes.Repeat([]byte("D"), 40)} {
		b := append([]byte{ieee80211.ElemSSID, byte(len(ssid))}, ssid...)
		b = ieee80211.AppendDSParameterSet(b, 1)
		b, err := p2pmsg.AppendIE(b, attrs)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, nil)
		h.command(cmdFind{opts: FindOptions{Type: FindSocial}})
		h.scan(radio.BSS{BSSID: ifAddr, Freq: 2412, IEs: b, Seen: h.now})
		p, ok := h.c.peers.snapshot(goAddr)
		if !ok {
			t.Fatalf("SSID %q: GO not learnt", ssid)
		}
		if len(ssid) <= 32 {
			if !p.GroupOwner || p.GroupSSID != "DIRECT-xy-group" || p.GroupBSSID != ifAddr || p.OperatingFreq != 2412 ||
				len(p.GroupClients) != 1 || p.GroupClients[0].Name != "client" {
				t.Errorf("GO peer %+v", p)
			}
		} else if p.GroupSSID != "" || p.Name != "the go" {
			t.Errorf("long SSID peer %+v", p)
		}
	}
}

func TestFindWithDeviceTypeFilterKeepsMatchingPeersOnly(t *testing.T) {
	printer := DeviceType{Category: 3, OUI: wsc.OUIWFADeviceType, SubCategory: 1}
	h := newHarness(t, nil)
	h.command(cmdFind{opts: FindOptions{Type: FindSocial, DeviceTypes: []DeviceType{printer}}})
	acts := h.take()
	var req radio.ScanRequest
	for _, a := range acts {
		if s, ok := a.(actTriggerScan); ok {
			req = s.req
		}
	}
	elems, _ := ieee80211.ParseElements(req.IEs)
	if got := requestedDeviceTypes(wscAttrs(elems)); !cmp.Equal(got, []DeviceType{printer}) {
		t.Errorf("Requested Device Types %v", got)
	}
	if !cmp.Equal(req.Freqs, socialFreqs) || !req.NoCCK || len(req.SSIDs) != 1 || !bytes.Equal(req.SSIDs[0], wildcardSSID) {
		t.Errorf("scan request %+v", req)
	}
	computer := probeResponseBSS(t, peerAddr, "computer", 2437, h.now)
	prn := peerIdentity(macN(7), func(c *Config) { c.DeviceName = "printer"; c.PrimaryDeviceType = printer })
	f, _ := prn.probeResponse(ourAddr, 2412)
	m, _ := ieee80211.DecodeMgmt(f)
	h.scan(computer, radio.BSS{BSSID: macN(7), Freq: 2412, IEs: m.Body[12:], Seen: h.now})
	all := h.c.peers.all()
	if len(all) != 1 || all[0].Name != "printer" {
		t.Errorf("peers %+v", all)
	}
}

func TestFindAlternatesSearchAndListenStates(t *testing.T) {
	h := newHarness(t, nil)
	h.command(cmdFind{opts: FindOptions{Type: FindFull, Timeout: 10 * time.Second}})
	var scans, listens int
	var listenDurs []time.Duration
	for h.c.find != nil && h.now.Before(t0.Add(11*time.Second)) {
		for _, a := range h.take() {
			switch x := a.(type) {
			case actTriggerScan:
				if scans == 0 && x.req.Freqs != nil {
					t.Errorf("first scan of a full Find on %v", x.req.Freqs)
				}
				if scans > 0 && !cmp.Equal(x.req.Freqs, socialFreqs) {
					t.Errorf("scan %d on %v", scans, x.req.Freqs)
				}
				scans++
				h.advance(100 * time.Millisecond)
				h.do(evRadio{radio.ScanDone{}})
			case actRemainOnChannel:
				if x.freq != 2437 {
					t.Errorf("listen on %d MHz", x.freq)
				}
				listens++
				listenDurs = append(listenDurs, x.dur)
				c, _, _ := h.lastROC()
				h.do(evRadio{radio.RemainOnChannelStarted{Cookie: c, Freq: x.freq, Duration: x.dur}})
				h.advance(x.dur)
				h.do(evRadio{radio.RemainOnChannelExpired{Cookie: c, Freq: x.freq}})
			}
		}
		h.advance(time.Millisecond)
	}
	if h.c.find != nil {
		t.Fatal("Find did not stop at its timeout")
	}
	if scans < 10 || listens < 10 || scans-listens > 1 || listens-scans > 1 {
		t.Errorf("%d scans, %d listens", scans, listens)
	}
	seen := map[time.Duration]bool{}
	for _, d := range listenDurs {
		switch d {
		case 102400 * time.Microsecond, 204800 * time.Microsecond, 307200 * time.Microsecond:
			seen[d] = true
		default:
			t.Errorf("listen of %v, want 1, 2 or 3 x 100 TU", d)
		}
	}
	if len(seen) != 3 {
		t.Errorf("listen lengths %v: want all of 100, 200, 300 TU", seen)
	}
}

func TestListenWithExtendedListenTimingIsAvailableForThePeriodEveryInterval(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.ExtendedListen = &p2pmsg.ExtendedListenTiming{AvailabilityPeriod: 500, AvailabilityInterval: 5000}
	})
	h.command(cmdListen{})
	var starts []time.Time
	for h.now.Before(t0.Add(21 * time.Second)) {
		for _, a := range h.take() {
			if x, ok := a.(actRemainOnChannel); ok {
				if x.dur != 500*time.Millisecond {
					t.Errorf("availability of %v", x.dur)
				}
				starts = append(starts, h.now)
				c, _, _ := h.lastROC()
				h.do(evRadio{radio.RemainOnChannelStarted{Cookie: c, Freq: x.freq, Duration: x.dur}})
				h.advance(x.dur)
				h.do(evRadio{radio.RemainOnChannelExpired{Cookie: c, Freq: x.freq}})
			}
		}
		h.advance(10 * time.Millisecond)
	}
	if len(starts) != 5 {
		t.Fatalf("%d availability periods in 21 s, want 5", len(starts))
	}
	for i := 1; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-1]); d < 4900*time.Millisecond || d > 5100*time.Millisecond {
			t.Errorf("period %d starts %v after the previous", i, d)
		}
	}
}

func TestPeerTableBoundHoldsUnderAFloodOfProbeRequests(t *testing.T) {
	h := newHarness(t, nil)
	ies := peerProbeIEs(t, nil, nil)
	for i := range 1000 {
		h.advance(time.Millisecond)
		h.rx(probeRequest(t, macN(i), wildcardSSID, ies), 2437)
		if n := h.c.peers.len(); n > DefaultMaxPeers {
			t.Fatalf("%d peers after %d probe requests", n, i+1)
		}
	}
	if h.c.peers.len() != DefaultMaxPeers || !h.c.peers.has(macN(999)) || h.c.peers.has(macN(899)) {
		t.Errorf("table of %d: the newest peers should remain", h.c.peers.len())
	}
}

func TestPeersExpireAfter60sUnseenUnlessInUse(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Timing.PDAttempts = 1000 })
	h.command(cmdFind{opts: FindOptions{Type: FindSocial}})
	h.scan(probeResponseBSS(t, peerAddr, "bravo", 2437, h.now), probeResponseBSS(t, macN(1), "charlie", 2437, h.now))
	h.command(cmdStopFind{})
	h.take()
	// A Provision Discovery holds bravo.
	h.command(cmdProvision{peer: peerAddr, method: MethodPBC})
	h.advance(59 * time.Second)
	if n := notes(h.take()); len(n) != 0 {
		t.Fatalf("early notifications %+v", n)
	}
	h.advance(2 * time.Second)
	lost, ok := hasNote[PeerLost](notes(h.take()))
	if !ok || lost.Address != macN(1) || lost.Evicted {
		t.Errorf("PeerLost %+v", lost)
	}
	if !h.c.peers.has(peerAddr) || h.c.peers.has(macN(1)) {
		t.Errorf("peers %v", h.c.peers.all())
	}
}

// TestPeerTableFullThenPDRequestFromOldestPeerWithOtherDeviceAddress is
// the CVE-2021-27803 case (docs/bad-input.md 4a #5, hostap's
// test_discovery_max_peers): with the table full, a Provision Discovery
// Request from the oldest peer's address naming another P2P Device
// Address is ignored and leaves the table consistent; a valid request
// from a new peer evicts the oldest inactive peer and is answered and
// reported under its own address.
func TestPeerTableFullThenPDRequestFromOldestPeerWithOtherDeviceAddress(t *testing.T) {
	h := newHarness(t, nil)
	h.listen()
	ies := peerProbeIEs(t, nil, nil)
	for i := range DefaultMaxPeers {
		h.advance(time.Millisecond)
		h.rx(probeRequest(t, macN(i), wildcardSSID, ies), 2437)
	}
	h.take()
	oldest := macN(0)
	forged := MAC{0x02, 0xbb, 0, 0, 0, 1}
	req, err := peerIdentity(forged, nil).pdRequest(ourAddr, 9, ConfigPushButton)
	if err != nil {
		t.Fatal(err)
	}
	copy(req[10:16], oldest[:]) // SA: the oldest peer
	h.rx(req, 2437)
	if s := h.sent(); len(s) != 0 {
		t.Errorf("answered a request whose Device Info names %v: %d frames", forged, len(s))
	}
	if h.c.peers.len() != DefaultMaxPeers || !h.c.peers.has(oldest) || h.c.peers.has(forged) {
		t.Fatalf("table after the forged request: %d peers, oldest %v, forged %v",
			h.c.peers.len(), h.c.peers.has(oldest), h.c.peers.has(forged))
	}

	newcomer := MAC{0x02, 0xcc, 0, 0, 0, 1}
	req, _ = peerIdentity(newcomer, nil).pdRequest(ourAddr, 10, ConfigPushButton)
	h.rx(req, 2437)
	acts := h.take()
	if h.c.peers.len() != DefaultMaxPeers || h.c.peers.has(oldest) || !h.c.peers.has(newcomer) {
		t.Fatalf("table after a new peer: %d peers, oldest %v, newcomer %v",
			h.c.peers.len(), h.c.peers.has(oldest), h.c.peers.has(newcomer))
	}
	var resp []actSendFrame
	for _, a := range acts {
		if s, ok := a.(actSendFrame); ok {
			resp = append(resp, s)
		}
	}
	if len(findSent(t, resp, p2pmsg.ProvisionDiscoveryResponse)) != 1 {
		t.Errorf("no Provision Discovery Response")
	}
	n, ok := hasNote[ProvisionDiscoveryRequest](notes(acts))
	if !ok || n.Peer != newcomer || n.Method != MethodPBC || !n.Accepted {
		t.Errorf("notification %+v", n)
	}
	if f, ok := hasNote[PeerFound](notes(acts)); !ok || f.Peer.Address != newcomer {
		t.Errorf("newcomer not reported: %+v", notes(acts))
	}
}

func TestPeerTableEvictsTheOldestPeerNotInUse(t *testing.T) {
	tab := newPeerTable(3)
	for i := range 3 {
		tab.upsert(macN(i), nil, func(e *peerEntry, _ bool) { e.LastSeen = t0.Add(time.Duration(i) * time.Second) })
	}
	inUse := func(a MAC) bool { return a == macN(0) }
	ev, ok := tab.upsert(macN(9), inUse, func(e *peerEntry, _ bool) { e.LastSeen = t0.Add(time.Hour) })
	if !ok || len(ev) != 1 || ev[0].Address != macN(1) || !tab.has(macN(0)) {
		t.Errorf("evicted %v", ev)
	}
	all := func(MAC) bool { return true }
	if _, ok := tab.upsert(macN(10), all, func(*peerEntry, bool) { t.Error("fn called for a refused peer") }); ok {
		t.Error("inserted into a table whose peers are all in use")
	}
}

func TestProvisionDiscoveryRequestIsAnsweredByMethod(t *testing.T) {
	tests := []struct {
		name    string
		ours    ConfigMethods
		asked   ConfigMethods
		want    ConfigMethods
		method  WPSMethod
		notify  bool
		refused bool
	}{
		{"push button", ConfigPushButton, ConfigPushButton, ConfigPushButton, MethodPBC, true, false},
		{"asked to display, we can", ConfigDisplay, ConfigDisplay, ConfigDisplay, MethodDisplay, true, false},
		{"asked to display, we cannot", ConfigKeypad, ConfigDisplay, 0, MethodDisplay, true, true},
		{"asked to enter a PIN", ConfigKeypad, ConfigKeypad, ConfigKeypad, MethodKeypad, true, false},
		{"unknown method", ConfigPushButton, 0x0004, 0, 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.ConfigMethods = tt.ours })
			req, _ := peerIdentity(peerAddr, nil).pdRequest(ourAddr, 42, tt.asked)
			h.rx(req, 2412)
			acts := h.take()
			var sent []actSendFrame
			for _, a := range acts {
				if s, ok := a.(actSendFrame); ok {
					sent = append(sent, s)
				}
			}
			resp := findSent(t, sent, p2pmsg.ProvisionDiscoveryResponse)
			if len(resp) != 1 || resp[0].tx.Freq != 2412 {
				t.Fatalf("responses %+v", resp)
			}
			hdr, pa := parseAction(t, resp[0].tx.Frame)
			cm, _ := wscUint16(wscAttrs(pa.Elements), wsc.AttrConfigMethods)
			if hdr.DA() != peerAddr || pa.DialogToken != 42 || ConfigMethods(cm) != tt.want {
				t.Errorf("response to %v, token %d, config methods %#x; want %#x", hdr.DA(), pa.DialogToken, cm, tt.want)
			}
			n, ok := hasNote[ProvisionDiscoveryRequest](notes(acts))
			if !ok || n.Method != tt.method || n.Accepted == tt.refused {
				t.Errorf("notification %+v", n)
			}
		})
	}
}

// knownPeer makes the peer known with its Listen Channel.
func (h *harness) knownPeer(addr MAC) {
	h.t.Helper()
	h.rx(probeRequest(h.t, addr, wildcardSSID, peerProbeIEs(h.t, nil, nil)), 2437)
	h.take()
}

func TestProvisionDiscoveryRetriesOnThePeersListenChannelThenFails(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Timing.PDAttempts = 5 })
	h.knownPeer(peerAddr)
	id := h.command(cmdProvision{peer: peerAddr, method: MethodKeypad})
	var sent int
	var result []actReply
	for h.now.Before(t0.Add(30*time.Second)) && len(result) == 0 {
		acts := h.take()
		result = append(result, replies(acts)...)
		for _, a := range acts {
			switch x := a.(type) {
			case actSendFrame:
				_, pa := parseAction(t, x.tx.Frame)
				cm, _ := wscUint16(wscAttrs(pa.Elements), wsc.AttrConfigMethods)
				// We enter the PIN: the peer is asked to display it.
				if x.tx.Freq != 2437 || pa.Subtype != p2pmsg.ProvisionDiscoveryRequest || ConfigMethods(cm) != ConfigDisplay {
					t.Errorf("frame %v on %d MHz, config methods %#x", pa.Subtype, x.tx.Freq, cm)
				}
				sent++
				h.txStatus(x, sent%2 == 0) // every other one acknowledged, never answered
			case actRemainOnChannel:
				c, _, _ := h.lastROC()
				h.do(evRadio{radio.RemainOnChannelStarted{Cookie: c, Freq: x.freq, Duration: x.dur}})
				h.advance(x.dur)
				h.do(evRadio{radio.RemainOnChannelExpired{Cookie: c, Freq: x.freq}})
			}
		}
		h.advance(10 * time.Millisecond)
	}
	if len(result) != 1 || result[0].id != id || !errors.Is(result[0].err, ErrNoResponse) || sent != 5 {
		t.Errorf("%d requests, result %+v", sent, result)
	}
}

func TestProvisionDiscoveryResultReportsThePeersAnswer(t *testing.T) {
	for _, answer := range []ConfigMethods{ConfigPushButton, 0} {
		h := newHarness(t, nil)
		h.knownPeer(peerAddr)
		id := h.command(cmdProvision{peer: peerAddr, method: MethodPBC})
		sent := h.sent()
		if len(sent) != 1 {
			t.Fatalf("sent %d", len(sent))
		}
		h.txStatus(sent[0], true)
		_, pa := parseAction(t, sent[0].tx.Frame)
		resp, _ := peerIdentity(peerAddr, nil).pdResponse(ourAddr, pa.DialogToken, answer)
		h.rx(resp, 2437)
		r := replies(h.take())
		want := ProvisionResult{Peer: peerAddr, Method: MethodPBC, Accepted: answer != 0, ConfigMethods: answer}
		if len(r) != 1 || r[0].id != id || r[0].err != nil || !cmp.Equal(r[0].val, want) {
			t.Errorf("answer %#x: replies %+v", answer, r)
		}
	}
}

// negRequestFrom builds a peer's GO Negotiation Request.
func negRequestFrom(t *testing.T, peer MAC, intent uint8, tb bool, pw wsc.DevicePasswordID, channels []int) []byte {
	t.Helper()
	f, err := peerIdentity(peer, nil).goNegRequest(ourAddr, negFrameParams{
		token: 77, intent: intent, tieBreaker: tb, passwordID: pw, opFreq: 2412, channels: channels,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// responseOf decodes our GO Negotiation Response.
func responseOf(t *testing.T, h *harness) (actSendFrame, *p2pmsg.PublicAction) {
	t.Helper()
	r := findSent(t, h.sent(), p2pmsg.GONegotiationResponse)
	if len(r) != 1 {
		t.Fatalf("%d GO Negotiation Responses", len(r))
	}
	_, pa := parseAction(t, r[0].tx.Frame)
	return r[0], pa
}

// TestNegotiationResponderDecidesTheRoleForEveryIntentPair is the GO
// Negotiation decision table (Wi-Fi P2P v1.7, 3.1.4.2.1): the higher
// Intent becomes GO, equal Intents follow the requester's Tie breaker,
// and two Intents of 15 fail with status 9.
func TestNegotiationResponderDecidesTheRoleForEveryIntentPair(t *testing.T) {
	chans := ownFreqs(testPhyInfo())
	for ours := range 16 {
		for theirs := range 16 {
			for _, tb := range []bool{false, true} {
				name := fmt.Sprintf("ours %d theirs %d tb %v", ours, theirs, tb)
				h := newHarness(t, func(c *Config) { c.GOIntent = ours })
				h.command(cmdAuthorize{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
				h.take()
				h.rx(negRequestFrom(t, peerAddr, uint8(theirs), tb, wsc.PasswordPushButton, chans), 2437)
				s, pa := responseOf(t, h)
				st := *pa.P2P.Status
				if ours == 15 && theirs == 15 {
					if st != p2pmsg.StatusFailBothGOIntent15 {
						t.Errorf("%s: status %d, want 9", name, st)
					}
					continue
				}
				if st != p2pmsg.StatusSuccess {
					t.Errorf("%s: status %d", name, st)
					continue
				}
				wantGO := ours > theirs || ours == theirs && !tb
				gotGO := pa.P2P.GroupID != nil
				if gotGO != wantGO || pa.P2P.GOIntent.Intent != uint8(ours) || pa.P2P.GOIntent.TieBreaker == tb {
					t.Errorf("%s: GO %v (want %v), intent %+v", name, gotGO, wantGO, pa.P2P.GOIntent)
				}
				if gotGO && (pa.P2P.OperatingChannel == nil || !bytes.HasPrefix(pa.P2P.GroupID.SSID, wildcardSSID)) {
					t.Errorf("%s: GO response without operating channel or SSID", name)
				}
				if s.tx.Freq != 2437 || s.tx.Wait == 0 {
					t.Errorf("%s: response on %d MHz wait %v", name, s.tx.Freq, s.tx.Wait)
				}
			}
		}
	}
}

// initiate starts a Connect towards a known peer and returns our request.
func initiate(t *testing.T, h *harness, p ConnectParams) (uint64, actSendFrame, *p2pmsg.PublicAction) {
	t.Helper()
	h.knownPeer(peerAddr)
	id := h.command(cmdConnect{peer: peerAddr, params: p})
	r := findSent(t, h.sent(), p2pmsg.GONegotiationRequest)
	if len(r) != 1 {
		t.Fatalf("%d GO Negotiation Requests", len(r))
	}
	_, pa := parseAction(t, r[0].tx.Frame)
	return id, r[0], pa
}

// peerResponse builds the peer's GO Negotiation Response to req.
func peerResponse(t *testing.T, req *p2pmsg.PublicAction, status p2pmsg.Status, intent uint8, pw wsc.DevicePasswordID, peerGO bool, channels []int) []byte {
	t.Helper()
	p := negFrameParams{token: req.DialogToken, status: &status, intent: intent, tieBreaker: !req.P2P.GOIntent.TieBreaker,
		passwordID: pw, channels: channels}
	if peerGO {
		p.opFreq = 2462
		p.groupID = &p2pmsg.GroupID{DeviceAddress: peerAddr, SSID: []byte("DIRECT-pq")}
	}
	f, err := peerIdentity(peerAddr, nil).goNegResponse(ourAddr, p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestNegotiationInitiatorDecidesTheRoleForEveryIntentPair(t *testing.T) {
	chans := ownFreqs(testPhyInfo())
	for ours := range 16 {
		for theirs := range 16 {
			h := newHarness(t, nil)
			id, req, pa := initiate(t, h, ConnectParams{Method: MethodPBC, GOIntent: new(ours)})
			tb := pa.P2P.GOIntent.TieBreaker
			name := fmt.Sprintf("ours %d theirs %d tb %v", ours, theirs, tb)
			h.txStatus(req, true)
			peerGO := theirs > ours || theirs == ours && !tb
			h.rx(peerResponse(t, pa, 0, uint8(theirs), wsc.PasswordPushButton, peerGO, chans), 2437)
			acts := h.take()
			var sent []actSendFrame
			for _, a := range acts {
				if s, ok := a.(actSendFrame); ok {
					sent = append(sent, s)
				}
			}
			conf := findSent(t, sent, p2pmsg.GONegotiationConfirmation)
			if len(conf) != 1 {
				t.Fatalf("%s: %d confirmations", name, len(conf))
			}
			_, cpa := parseAction(t, conf[0].tx.Frame)
			if ours == 15 && theirs == 15 {
				r := replies(acts)
				if *cpa.P2P.Status != p2pmsg.StatusFailBothGOIntent15 || len(r) != 1 || !errors.Is(r[0].err, ErrBothGOIntent15) {
					t.Errorf("%s: confirmation status %d, replies %+v", name, *cpa.P2P.Status, r)
				}
				continue
			}
			h.txStatus(conf[0], true)
			r := replies(h.take())
			if len(r) != 1 || r[0].id != id || r[0].err != nil {
				t.Fatalf("%s: replies %+v", name, r)
			}
			res := r[0].val.(NegotiationResult)
			wantRole := p2pmsg.RoleClient
			if !peerGO {
				wantRole = p2pmsg.RoleGO
			}
			if res.Role != wantRole || !res.Initiator || res.Peer != peerAddr || res.PeerInterfaceAddress != interfaceAddressFor(peerAddr) {
				t.Errorf("%s: result %+v", name, res)
			}
			if peerGO && (res.SSID != "DIRECT-pq" || res.Freq != 2462 || cpa.P2P.GroupID != nil) {
				t.Errorf("%s: as client %+v", name, res)
			}
			if !peerGO && (cpa.P2P.GroupID == nil || string(cpa.P2P.GroupID.SSID) != res.SSID || res.Freq != 2437) {
				t.Errorf("%s: as GO %+v, confirmation %+v", name, res, cpa.P2P)
			}
		}
	}
}

func TestNegotiationTieBreakerTogglesWithEveryNegotiation(t *testing.T) {
	h := newHarness(t, nil)
	var tbs []bool
	for range 4 {
		id, _, pa := initiate(t, h, ConnectParams{Method: MethodPBC})
		tbs = append(tbs, pa.P2P.GOIntent.TieBreaker)
		h.command(cmdCancel{id: id})
		h.take()
	}
	for i := 1; i < len(tbs); i++ {
		if tbs[i] == tbs[i-1] {
			t.Errorf("tie breakers %v", tbs)
		}
	}
}

func TestNegotiationPasswordIDsMustMatch(t *testing.T) {
	chans := ownFreqs(testPhyInfo())
	tests := []struct {
		ours  WPSMethod
		peer  wsc.DevicePasswordID
		match bool
	}{
		{MethodPBC, wsc.PasswordPushButton, true},
		{MethodDisplay, wsc.PasswordUserSpecified, true},
		{MethodKeypad, wsc.PasswordRegistrarSpecified, true},
		{MethodPBC, wsc.PasswordRegistrarSpecified, false},
		{MethodDisplay, wsc.PasswordRegistrarSpecified, false},
		{MethodKeypad, wsc.PasswordUserSpecified, false},
		{MethodKeypad, wsc.PasswordPushButton, false},
		{MethodPBC, wsc.PasswordDefault, false},
		{MethodPBC, wsc.PasswordNFCConnectionHandover, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v with %d", tt.ours, tt.peer), func(t *testing.T) {
			h := newHarness(t, nil)
			h.command(cmdAuthorize{peer: peerAddr, params: ConnectParams{Method: tt.ours}})
			h.take()
			h.rx(negRequestFrom(t, peerAddr, 7, true, tt.peer, chans), 2437)
			_, pa := responseOf(t, h)
			want := p2pmsg.StatusSuccess
			if !tt.match {
				want = p2pmsg.StatusFailIncompatibleProvisioning
			}
			if *pa.P2P.Status != want {
				t.Errorf("status %d, want %d", *pa.P2P.Status, want)
			}
			pw, _ := wscUint16(wscAttrs(pa.Elements), wsc.AttrDevicePasswordID)
			if wsc.DevicePasswordID(pw) != tt.ours.PasswordID() {
				t.Errorf("our Device Password ID %d", pw)
			}
		})
	}
}

func TestNegotiationWithoutCommonChannelFailsWithStatus7(t *testing.T) {
	h := newHarness(t, nil)
	h.command(cmdAuthorize{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
	h.take()
	h.rx(negRequestFrom(t, peerAddr, 7, true, wsc.PasswordPushButton, []int{5745, 5765}), 2437)
	acts := h.log
	_, pa := responseOf(t, h)
	if *pa.P2P.Status != p2pmsg.StatusFailNoCommonChannels {
		t.Errorf("status %d", *pa.P2P.Status)
	}
	if f, ok := hasNote[NegotiationFailed](notes(acts)); !ok || !errors.Is(f.Err, ErrNoCommonChannel) {
		t.Errorf("notification %+v", f)
	}
}

func TestNegotiationRequestFromUnauthorizedPeerGetsStatus1AndIsReported(t *testing.T) {
	h := newHarness(t, nil)
	h.rx(negRequestFrom(t, peerAddr, 9, true, wsc.PasswordRegistrarSpecified, ownFreqs(testPhyInfo())), 2437)
	acts := h.log
	_, pa := responseOf(t, h)
	if *pa.P2P.Status != p2pmsg.StatusFailInformationUnavailable {
		t.Errorf("status %d", *pa.P2P.Status)
	}
	want := GONegotiationRequest{Peer: peerAddr, PasswordID: wsc.PasswordRegistrarSpecified, GOIntent: 9, Method: MethodKeypad}
	if n, ok := hasNote[GONegotiationRequest](notes(acts)); !ok || n != want {
		t.Errorf("notification %+v", n)
	}
	if h.c.neg != nil {
		t.Error("negotiation state for an unauthorized peer")
	}
	// Connecting now starts our own negotiation, without Listen states
	// between attempts since the peer waits for us.
	h.command(cmdConnect{peer: peerAddr, params: ConnectParams{Method: MethodKeypad}})
	r := findSent(t, h.sent(), p2pmsg.GONegotiationRequest)
	if len(r) != 1 || r[0].tx.Freq != 2437 || !h.c.neg.peerWaiting {
		t.Errorf("requests %+v", r)
	}
}

// TestNegotiationIgnoresUnexpectedFrames covers docs/bad-input.md 4a #8,
// #9 and #11.
func TestNegotiationIgnoresUnexpectedFrames(t *testing.T) {
	chans := ownFreqs(testPhyInfo())
	t.Run("4a#9 response without a negotiation", func(t *testing.T) {
		h := newHarness(t, nil)
		req := &p2pmsg.PublicAction{DialogToken: 3, P2P: &p2pmsg.Attributes{GOIntent: &p2pmsg.GOIntent{}}}
		h.rx(peerResponse(t, req, 0, 7, wsc.PasswordPushButton, true, chans), 2437)
		if len(h.take()) != 0 {
			t.Error("acted on an unexpected response")
		}
	})
	t.Run("4a#9 confirmation without a negotiation", func(t *testing.T) {
		h := newHarness(t, nil)
		st := p2pmsg.StatusSuccess
		f, _ := peerIdentity(peerAddr, nil).goNegConfirmation(ourAddr, negFrameParams{token: 1, status: &st, opFreq: 2437, channels: chans})
		h.rx(f, 2437)
		if len(h.take()) != 0 {
			t.Error("acted on an unexpected confirmation")
		}
	})
	t.Run("4a#9 response with a wrong dialog token", func(t *testing.T) {
		h := newHarness(t, nil)
		_, req, pa := initiate(t, h, ConnectParams{Method: MethodPBC})
		h.txStatus(req, true)
		pa.DialogToken++
		h.rx(peerResponse(t, pa, 0, 7, wsc.PasswordPushButton, true, chans), 2437)
		if s := h.sent(); len(s) != 0 || h.c.neg.phase != negWaitResp {
			t.Errorf("sent %d, phase %d", len(s), h.c.neg.phase)
		}
	})
	t.Run("4a#9 response from another device", func(t *testing.T) {
		h := newHarness(t, nil)
		_, req, pa := initiate(t, h, ConnectParams{Method: MethodPBC})
		h.txStatus(req, true)
		f := peerResponse(t, pa, 0, 7, wsc.PasswordPushButton, true, chans)
		other := MAC{0x02, 7, 7, 7, 7, 7}
		copy(f[10:16], other[:])
		h.rx(f, 2437)
		if s := h.sent(); len(s) != 0 || h.c.neg.phase != negWaitResp {
			t.Errorf("sent %d, phase %d", len(s), h.c.neg.phase)
		}
	})
	t.Run("4a#8 request whose SA is not its P2P Device Address", func(t *testing.T) {
		h := newHarness(t, nil)
		h.command(cmdAuthorize{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
		h.take()
		f := negRequestFrom(t, peerAddr, 7, true, wsc.PasswordPushButton, chans)
		other := MAC{0x02, 7, 7, 7, 7, 7}
		copy(f[10:16], other[:])
		h.rx(f, 2437)
		if s := h.sent(); len(s) != 0 || h.c.neg != nil {
			t.Errorf("answered %d frames", len(s))
		}
	})
	t.Run("4a#8 request missing mandatory attributes", func(t *testing.T) {
		h := newHarness(t, nil)
		h.command(cmdAuthorize{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
		h.take()
		intent := p2pmsg.GOIntent{Intent: 3}
		f, _ := publicAction(p2pmsg.GONegotiationRequest, 5, &p2pmsg.Attributes{GOIntent: &intent}, nil, ourAddr, peerAddr, ourAddr)
		h.rx(f, 2437)
		_, pa := responseOf(t, h)
		if *pa.P2P.Status != p2pmsg.StatusFailInvalidParameters || h.c.neg != nil {
			t.Errorf("status %d, negotiation %v", *pa.P2P.Status, h.c.neg)
		}
	})
	t.Run("4a#8 request with intent above 15", func(t *testing.T) {
		h := newHarness(t, nil)
		h.command(cmdAuthorize{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
		h.take()
		h.rx(negRequestFrom(t, peerAddr, 16, true, wsc.PasswordPushButton, chans), 2437)
		_, pa := responseOf(t, h)
		if *pa.P2P.Status != p2pmsg.StatusFailInvalidParameters || h.c.neg != nil {
			t.Errorf("status %d", *pa.P2P.Status)
		}
	})
	t.Run("4a#11 empty public action frame", func(t *testing.T) {
		h := newHarness(t, nil)
		f := mgmtFrame(ieee80211.SubtypeAction, ourAddr, peerAddr, ourAddr, p2pPublicActionMatch)
		h.rx(f, 2437)
		if len(h.take()) != 0 {
			t.Error("acted on an empty frame")
		}
	})
}

func TestNegotiationWithSilentPeerFailsWithNoResponse(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Timing.NegAttempts = 10 })
	h.knownPeer(peerAddr)
	id := h.command(cmdConnect{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
	var result []actReply
	requests := 0
	for h.now.Before(t0.Add(time.Minute)) && len(result) == 0 {
		acts := h.take()
		result = append(result, replies(acts)...)
		for _, a := range acts {
			switch x := a.(type) {
			case actSendFrame:
				requests++
				h.txStatus(x, false)
			case actRemainOnChannel:
				c, _, _ := h.lastROC()
				h.do(evRadio{radio.RemainOnChannelStarted{Cookie: c, Freq: x.freq, Duration: x.dur}})
				h.advance(x.dur)
				h.do(evRadio{radio.RemainOnChannelExpired{Cookie: c, Freq: x.freq}})
			}
		}
		h.advance(5 * time.Millisecond)
	}
	if len(result) != 1 || result[0].id != id || !errors.Is(result[0].err, ErrNoResponse) || requests != 10 {
		t.Errorf("%d requests, result %+v after %v", requests, result, h.now.Sub(t0))
	}
}

func TestNegotiationResponderWithoutConfirmationFails(t *testing.T) {
	h := newHarness(t, nil)
	h.command(cmdAuthorize{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
	h.take()
	h.rx(negRequestFrom(t, peerAddr, 7, true, wsc.PasswordPushButton, ownFreqs(testPhyInfo())), 2437)
	s, _ := responseOf(t, h)
	h.txStatus(s, true)
	h.advance(2 * time.Second)
	if f, ok := hasNote[NegotiationFailed](notes(h.take())); !ok || !errors.Is(f.Err, ErrNoConfirmation) {
		t.Errorf("notification %+v", f)
	}
}

func TestChooseOperatingFreq(t *testing.T) {
	tests := []struct {
		name   string
		common []int
		prefs  []int
		peer   int
		want   int
		ok     bool
	}{
		{"our preference", []int{2412, 2437, 5180}, []int{5180, 2437}, 2412, 5180, true},
		{"our second preference", []int{2412, 2437}, []int{5180, 2437}, 2412, 2437, true},
		{"peer preference", []int{2412, 2427, 2437}, []int{5180}, 2427, 2427, true},
		{"social channel 6 first", []int{2412, 2437, 2462}, nil, 0, 2437, true},
		{"social channel 1", []int{2412, 2462, 5180}, nil, 5200, 2412, true},
		{"any common", []int{2422, 5180}, nil, 0, 2422, true},
		{"nothing common", nil, []int{2437}, 2437, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := chooseOperatingFreq(tt.common, tt.prefs, tt.peer)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %d %v, want %d %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestChannelListRoundTripsAndIntersects(t *testing.T) {
	own := ownFreqs(testPhyInfo())
	cl := channelListAttr([3]byte{'X', 'X', 4}, own)
	if err := cl.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := listFreqs(cl); !cmp.Equal(got, own) {
		t.Errorf("round trip %v, want %v", got, own)
	}
	if got := intersect(own, []int{2412, 2484, 5180, 5745}); !cmp.Equal(got, []int{2412, 5180}) {
		t.Errorf("intersection %v", got)
	}
	if slices.Contains(own, 5260) || slices.Contains(own, 5280) {
		t.Error("no-IR or disabled channel offered")
	}
}

func TestGroupSSIDIsDirectWithTwoRandomCharactersAndPostfix(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.SSIDPostfix = "-" + string(bytes.Repeat([]byte("é"), 20)) })
	seen := map[string]bool{}
	for range 50 {
		s := h.c.makeSSID()
		if len(s) > 32 || s[:7] != "DIRECT-" || !isAlnum(s[7]) || !isAlnum(s[8]) || s[9] != '-' {
			t.Fatalf("SSID %q", s)
		}
		seen[s[7:9]] = true
	}
	if len(seen) < 40 {
		t.Errorf("only %d distinct xy in 50 SSIDs", len(seen))
	}
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func TestSanitizeRemovesControlCharactersAndInvalidUTF8(t *testing.T) {
	tests := map[string]string{
		"plain":            "plain",
		"tab\there":        "tabhere",
		"nl\nx\x7f":        "nlx",
		"bad\xffutf8":      "bad\uFFFDutf8",
		"ok ünïcödé":       "ok ünïcödé",
		"\u0085c1 control": "c1 control",
	}
	for in, want := range tests {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"long name", func(c *Config) { c.DeviceName = string(bytes.Repeat([]byte("n"), 33)) }},
		{"control in name", func(c *Config) { c.DeviceName = "a\nb" }},
		{"intent 16", func(c *Config) { c.GOIntent = 16 }},
		{"listen channel 3", func(c *Config) { c.ListenChannel = 3 }},
		{"bad ext listen", func(c *Config) { c.ExtendedListen = &p2pmsg.ExtendedListenTiming{AvailabilityPeriod: 10} }},
	}
	for _, tt := range tests {
		cfg := DefaultConfig("x")
		tt.mod(&cfg)
		if err := cfg.validate(); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if err := (func() error { c := DefaultConfig("ok"); return c.validate() })(); err != nil {
		t.Error(err)
	}
}

func TestProvisionDiscoveryRetransmissionIsAnsweredWithoutNewNotification(t *testing.T) {
	h := newHarness(t, nil)
	req, _ := peerIdentity(peerAddr, nil).pdRequest(ourAddr, 42, ConfigPushButton)
	h.rx(req, 2437)
	if _, ok := hasNote[ProvisionDiscoveryRequest](notes(h.take())); !ok {
		t.Fatal("first request not reported")
	}
	h.advance(300 * time.Millisecond)
	h.rx(req, 2437)
	acts := h.take()
	if _, ok := hasNote[ProvisionDiscoveryRequest](notes(acts)); ok {
		t.Error("retransmission reported again")
	}
	var sent []actSendFrame
	for _, a := range acts {
		if s, ok := a.(actSendFrame); ok {
			sent = append(sent, s)
		}
	}
	if len(findSent(t, sent, p2pmsg.ProvisionDiscoveryResponse)) != 1 {
		t.Error("retransmission not answered")
	}
}

// TestANegotiationReportsItsOutcomeOnce: a GO Negotiation's outcome goes
// to the Connect that waits for it, or else to the layers above as a
// notification, never both; a Connect to a peer whose negotiation with us
// is running (after Authorize) waits for that one instead of failing with
// ErrBusy.
func TestANegotiationReportsItsOutcomeOnce(t *testing.T) {
	chans := ownFreqs(testPhyInfo())
	st := p2pmsg.StatusSuccess
	for _, tc := range []struct {
		name string
		// connect issues a Connect while we answer the peer's request.
		connect    bool
		wantReply  bool
		wantNotice bool
	}{
		{name: "the peer's negotiation with no Connect is notified", connect: false, wantNotice: true},
		{name: "a Connect during the peer's negotiation gets its outcome", connect: true, wantReply: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.knownPeer(peerAddr)
			h.command(cmdAuthorize{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
			h.take()
			h.rx(negRequestFrom(t, peerAddr, 15, true, wsc.PasswordPushButton, chans), 2437)
			s, pa := responseOf(t, h)
			h.txStatus(s, true)
			var id uint64
			if tc.connect {
				id = h.command(cmdConnect{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
				if r := replies(h.take()); len(r) != 0 {
					t.Fatalf("Connect during the peer's negotiation answered at once: %+v", r)
				}
			}
			conf, err := peerIdentity(peerAddr, nil).goNegConfirmation(ourAddr, negFrameParams{token: pa.DialogToken, status: &st, opFreq: 2437, channels: chans,
				groupID: &p2pmsg.GroupID{DeviceAddress: peerAddr, SSID: []byte("DIRECT-pq")}})
			if err != nil {
				t.Fatal(err)
			}
			h.rx(conf, 2437)
			acts := h.take()
			r := replies(acts)
			if got := len(r) == 1 && r[0].id == id && r[0].err == nil; got != tc.wantReply || !tc.wantReply && len(r) != 0 {
				t.Errorf("replies %+v; want a reply to Connect: %v", r, tc.wantReply)
			}
			if _, got := hasNote[NegotiationSucceeded](notes(acts)); got != tc.wantNotice {
				t.Errorf("NegotiationSucceeded notified: %v, want %v", got, tc.wantNotice)
			}
		})
	}
	t.Run("our own Connect's outcome is not notified", func(t *testing.T) {
		h := newHarness(t, nil)
		id, req, pa := initiate(t, h, ConnectParams{Method: MethodPBC, GOIntent: new(0)})
		h.txStatus(req, true)
		h.rx(peerResponse(t, pa, 0, 15, wsc.PasswordPushButton, true, chans), 2437)
		conf := findSent(t, h.sent(), p2pmsg.GONegotiationConfirmation)
		if len(conf) != 1 {
			t.Fatalf("%d confirmations", len(conf))
		}
		h.txStatus(conf[0], true)
		acts := h.take()
		if r := replies(acts); len(r) != 1 || r[0].id != id || r[0].err != nil {
			t.Errorf("replies %+v", r)
		}
		for _, n := range notes(acts) {
			switch n.(type) {
			case NegotiationSucceeded, NegotiationFailed:
				t.Errorf("the Connect's outcome was also notified: %T", n)
			}
		}
	})
}
