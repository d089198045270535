package simradio

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

var (
	pmkA = bytes.Repeat([]byte{0xa5}, 16)
	pmkB = bytes.Repeat([]byte{0x5a}, 16)
)

// registerSME registers an AP for the frames its userspace SME handles.
func registerSME(t *testing.T, ap radio.Interface) {
	t.Helper()
	for _, st := range []uint8{ieee80211.SubtypeAuth, ieee80211.SubtypeAssocReq, ieee80211.SubtypeReassocReq, ieee80211.SubtypeDeauth, ieee80211.SubtypeDisassoc} {
		must(t, ap.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: st}))
	}
}

// answerAuth answers the next authentication request with status.
func answerAuth(t *testing.T, ap radio.Interface, status uint16) ieee80211.MAC {
	t.Helper()
	fr := await[radio.FrameReceived](t, ap, time.Second)
	h, body, _ := parseMgmt(fr.Frame)
	if h.subtype != ieee80211.SubtypeAuth || len(body) < authFixed || u16(body[2:]) != 1 {
		t.Fatalf("expected authentication request, got %x", fr.Frame)
	}
	addr := ap.Info().Addr
	b := appendHeader(nil, ieee80211.SubtypeAuth, h.addr2, addr, addr, 0)
	b = binary.LittleEndian.AppendUint16(b, authOpenSystem)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, status)
	_, err := ap.SendFrame(context.Background(), radio.Tx{Frame: b})
	must(t, err)
	return h.addr2
}

var assocRespIEs = []byte{ieee80211.ElemSupportedRates, 1, 0x8c}

// answerAssoc answers the next association request with status, adding
// the station first on success; it returns the request's elements.
func answerAssoc(t *testing.T, ap radio.Interface, status uint16) []byte {
	t.Helper()
	fr := await[radio.FrameReceived](t, ap, time.Second)
	h, body, _ := parseMgmt(fr.Frame)
	if h.subtype != ieee80211.SubtypeAssocReq || len(body) < assocReqFixed {
		t.Fatalf("expected association request, got %x", fr.Frame)
	}
	if status == 0 {
		must(t, ap.NewStation(context.Background(), radio.StationParams{Addr: h.addr2, AID: 1, Capability: u16(body)}))
	}
	addr := ap.Info().Addr
	b := appendHeader(nil, ieee80211.SubtypeAssocResp, h.addr2, addr, addr, 0)
	b = binary.LittleEndian.AppendUint16(b, capESS)
	b = binary.LittleEndian.AppendUint16(b, status)
	b = binary.LittleEndian.AppendUint16(b, 0xc001)
	b = append(b, assocRespIEs...)
	_, err := ap.SendFrame(context.Background(), radio.Tx{Frame: b})
	must(t, err)
	return body[assocReqFixed:]
}

// link is an AP (GO) and a station (client) associated through the
// simulated radio, with the test playing the AP's userspace SME.
type testLink struct {
	apPhy, staPhy *Phy
	ap, sta       radio.Interface
}

func (s *sim) associate(t *testing.T, freq int) testLink {
	t.Helper()
	var l testLink
	l.apPhy, l.ap = s.startAP(PhyConfig{ProbeRespOffload: true}, radio.IfP2PGO, "DIRECT-xy", freq, 100)
	registerSME(t, l.ap)
	l.staPhy = s.phy(PhyConfig{})
	l.sta = s.iface(l.staPhy, radio.IfP2PClient)
	must(t, l.sta.Connect(context.Background(), radio.ConnectRequest{BSSID: l.ap.Info().Addr, Freq: freq, SSID: []byte("DIRECT-xy"), IEs: p2pIE, Privacy: true}))
	answerAuth(t, l.ap, 0)
	answerAssoc(t, l.ap, 0)
	if got := await[radio.Connected](t, l.sta, time.Second); got.Status != 0 || got.TimedOut {
		t.Fatalf("connect: %+v", got)
	}
	return l
}

func TestStationAssociatesThroughTheAPsUserspaceSME(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, ap := s.startAP(PhyConfig{}, radio.IfP2PGO, "DIRECT-xy", 2437, 100)
		registerSME(t, ap)
		staPhy := s.phy(PhyConfig{})
		sta := s.iface(staPhy, radio.IfP2PClient)
		bssid := ap.Info().Addr
		must(t, sta.Connect(context.Background(), radio.ConnectRequest{BSSID: bssid, Freq: 2437, SSID: []byte("DIRECT-xy"), IEs: p2pIE}))
		if got := staPhy.Channel(); got != 2437 {
			t.Errorf("station's channel while connecting: %d", got)
		}
		if got := sta.Info().Freq; got != 0 {
			t.Errorf("station Freq %d while connecting, want 0", got)
		}
		if got := ap.Info().Freq; got != 2437 {
			t.Errorf("AP Freq %d", got)
		}
		if got := answerAuth(t, ap, 0); got != sta.Info().Addr {
			t.Errorf("authentication from %v", got)
		}
		reqIEs := answerAssoc(t, ap, 0)
		wantReq := appendRates(appendSSID(nil, []byte("DIRECT-xy")), 2437, true)
		wantReq = append(wantReq, p2pIE...)
		if !bytes.Equal(reqIEs, wantReq) {
			t.Errorf("association request elements %x, want %x", reqIEs, wantReq)
		}
		want := []radio.Event{radio.Connected{BSSID: bssid, Freq: 2437, ReqIEs: wantReq, RespIEs: assocRespIEs}}
		if diff := cmp.Diff(want, settle(time.Second, sta)); diff != "" {
			t.Errorf("station events (-want +got):\n%s", diff)
		}
		if got := sta.Info().Freq; got != 2437 {
			t.Errorf("station Freq %d", got)
		}
		if got := settle(10*time.Second, sta); len(got) != 0 {
			t.Errorf("events while beacons flow: %v", got)
		}
	})
}

func TestConnectReportsTheAPsStatus(t *testing.T) {
	tests := []struct {
		name        string
		authStatus  uint16
		assocStatus uint16
		want        uint16
	}{
		{"authentication refused", 1, 0, 1},
		{"association refused", 0, 17, 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				_, ap := s.startAP(PhyConfig{}, radio.IfAP, "lab", 2412, 100)
				registerSME(t, ap)
				sta := s.iface(s.phy(PhyConfig{}), radio.IfStation)
				must(t, sta.Connect(context.Background(), radio.ConnectRequest{BSSID: ap.Info().Addr, Freq: 2412, SSID: []byte("lab")}))
				answerAuth(t, ap, tt.authStatus)
				if tt.authStatus == 0 {
					answerAssoc(t, ap, tt.assocStatus)
				}
				got := await[radio.Connected](t, sta, time.Second)
				if got.Status != tt.want || got.TimedOut {
					t.Errorf("connected %+v, want status %d", got, tt.want)
				}
				if f := sta.Info().Freq; f != 0 {
					t.Errorf("Freq %d after a failed connect", f)
				}
			})
		})
	}
}

func TestConnectTimesOutAfterThreeTries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, ap := s.startAP(PhyConfig{}, radio.IfAP, "lab", 2412, 100)
		registerSME(t, ap) // registered, but never answers
		sta := s.iface(s.phy(PhyConfig{}), radio.IfStation)
		bssid := ap.Info().Addr
		start := time.Now()
		must(t, sta.Connect(context.Background(), radio.ConnectRequest{BSSID: bssid, Freq: 2412}))
		got := await[radio.Connected](t, sta, 2*time.Second)
		want := radio.Connected{BSSID: bssid, Freq: 2412, Status: statusUnspecifiedFailure, TimedOut: true}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("connected (-want +got):\n%s", diff)
		}
		if d := time.Since(start); d != SMETries*SMETimeout {
			t.Errorf("timed out after %v", d)
		}
		if n := len(onlyType[radio.FrameReceived](drain(ap))); n != SMETries {
			t.Errorf("AP got %d authentication requests, want %d", n, SMETries)
		}
	})
}

func TestConnectFindsNoNetworkWhosePrivacyDiffersFromTheRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, ap := s.startAP(PhyConfig{}, radio.IfAP, "lab", 2412, 100) // beacons with Privacy
		registerSME(t, ap)
		sta := s.iface(s.phy(PhyConfig{}), radio.IfStation)
		// Dwell past a beacon interval so that the scan hears the AP.
		must(t, sta.TriggerScan(context.Background(), radio.ScanRequest{Freqs: []int{2412}, Dwell: 150 * time.Millisecond}))
		await[radio.ScanDone](t, sta, time.Second)
		bssid := ap.Info().Addr
		if res, err := sta.ScanResults(context.Background()); err != nil || len(res) != 1 || res[0].BSSID != bssid {
			t.Fatalf("scan results %+v, %v; want the AP", res, err)
		}

		must(t, sta.Connect(context.Background(), radio.ConnectRequest{BSSID: bssid, Freq: 2412, Privacy: false}))
		got := await[radio.Connected](t, sta, time.Second)
		want := radio.Connected{BSSID: bssid, Freq: 2412, Status: statusUnspecifiedFailure, TimedOut: true}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("connected (-want +got):\n%s", diff)
		}
		for _, f := range onlyType[radio.FrameReceived](drain(ap)) {
			if f.Frame[0] == ieee80211.SubtypeAuth<<4 {
				t.Errorf("AP got an authentication request; a mismatched connect sends nothing")
			}
		}
	})
}

func TestConnectRejectsBadRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p := s.phy(PhyConfig{})
		sta := s.iface(p, radio.IfStation)
		dev := s.iface(p, radio.IfP2PDevice)
		bssid := ieee80211.MAC{2, 1, 1, 1, 1, 1}
		ctx := context.Background()
		wantErr(t, "P2P device", dev.Connect(ctx, radio.ConnectRequest{BSSID: bssid, Freq: 2412}), radio.ErrNotSupported)
		wantErr(t, "zero BSSID", sta.Connect(ctx, radio.ConnectRequest{Freq: 2412}), radio.ErrInvalid)
		wantErr(t, "disabled channel", sta.Connect(ctx, radio.ConnectRequest{BSSID: bssid, Freq: 5280}), radio.ErrNoChannel)
		wantErr(t, "disconnect without a link", sta.Disconnect(ctx, 3), radio.ErrNotConnected)
		must(t, sta.Connect(ctx, radio.ConnectRequest{BSSID: bssid, Freq: 2412}))
		wantErr(t, "second connect", sta.Connect(ctx, radio.ConnectRequest{BSSID: bssid, Freq: 2412}), radio.ErrBusy)
		// One channel: a GO on another channel of the same phy is refused.
		go_ := s.iface(p, radio.IfP2PGO)
		cfg := radio.APConfig{Beacon: beaconData(go_.Info().Addr, "DIRECT-q", 100, nil, nil), Freq: 2437, SSID: []byte("DIRECT-q")}
		wantErr(t, "GO on a second channel", go_.StartAP(ctx, cfg), radio.ErrBusy)
		cfg.Freq = 2412
		must(t, go_.StartAP(ctx, cfg))
	})
}

func TestStartAPRejectsUnusableChannelsAndTemplates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p := s.phy(PhyConfig{})
		ap := s.iface(p, radio.IfAP)
		sta := s.iface(p, radio.IfStation)
		ctx := context.Background()
		good := beaconData(ap.Info().Addr, "lab", 100, nil, nil)
		tests := []struct {
			name string
			f    radio.Interface
			cfg  radio.APConfig
			want error
		}{
			{"no-IR channel", ap, radio.APConfig{Beacon: good, Freq: 5260}, radio.ErrNoChannel},
			{"disabled channel", ap, radio.APConfig{Beacon: good, Freq: 5280}, radio.ErrNoChannel},
			{"unknown channel", ap, radio.APConfig{Beacon: good, Freq: 5170}, radio.ErrInvalid},
			{"short head", ap, radio.APConfig{Beacon: radio.BeaconData{Head: good.Head[:30]}, Freq: 2412}, radio.ErrInvalid},
			{"head not a beacon", ap, radio.APConfig{Beacon: radio.BeaconData{Head: append([]byte{0x50}, good.Head[1:]...)}, Freq: 2412}, radio.ErrInvalid},
			{"station interface", sta, radio.APConfig{Beacon: good, Freq: 2412}, radio.ErrNotSupported},
		}
		for _, tt := range tests {
			wantErr(t, tt.name, tt.f.StartAP(ctx, tt.cfg), tt.want)
		}
		wantErr(t, "stop before start", ap.StopAP(ctx), radio.ErrNotConnected)
		wantErr(t, "new station before start", ap.NewStation(ctx, radio.StationParams{Addr: ieee80211.MAC{2}}), radio.ErrNotConnected)
		must(t, ap.StartAP(ctx, radio.APConfig{Beacon: good, Freq: 2412}))
		wantErr(t, "second start", ap.StartAP(ctx, radio.APConfig{Beacon: good, Freq: 2412}), radio.ErrBusy)
	})
}

func TestAPSendsBeaconsFromItsTemplatesUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, ap := s.startAP(PhyConfig{}, radio.IfAP, "lab", 2412, 100)
		l := s.iface(s.phy(PhyConfig{}), radio.IfP2PDevice)
		must(t, l.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeBeacon}))
		roc(t, l, 2412, 5*time.Second)
		beacons := onlyType[radio.FrameReceived](settle(1024*time.Millisecond, l))
		if len(beacons) != 10 {
			t.Fatalf("%d beacons in 10 beacon intervals, want 10", len(beacons))
		}
		b := beaconData(ap.Info().Addr, "lab", 100, []byte{ieee80211.ElemRSN, 2, 1, 0}, p2pIE)
		for i, fr := range beacons[:2] {
			want := append(cloneBytes(b.Head[:hdrLen]), fr.Frame[hdrLen:hdrLen+8]...) // TSF filled by the radio
			want = append(want, b.Head[hdrLen+8:]...)
			want = append(want, ieee80211.ElemTIM, 4, byte((i+1)%2), 2, 0, 0) // beacons 1, 2: DTIM counts 1, 0
			want = append(want, b.Tail...)
			if !bytes.Equal(fr.Frame, want) {
				t.Errorf("beacon %d\n got %x\nwant %x", i, fr.Frame, want)
			}
		}
		if tsf0, tsf1 := binary.LittleEndian.Uint64(beacons[0].Frame[hdrLen:]), binary.LittleEndian.Uint64(beacons[1].Frame[hdrLen:]); tsf1-tsf0 != 102400 {
			t.Errorf("TSF step %d µs, want 102400", tsf1-tsf0)
		}
		nb := b
		nb.Tail = []byte{ieee80211.ElemExtCapabilities, 1, 0}
		must(t, ap.SetBeacon(context.Background(), nb))
		next := onlyType[radio.FrameReceived](settle(103*time.Millisecond, l))
		if len(next) != 1 || !bytes.HasSuffix(next[0].Frame, nb.Tail) {
			t.Errorf("after SetBeacon: %v", next)
		}
		must(t, ap.StopAP(context.Background()))
		if got := ap.Info().Freq; got != 0 {
			t.Errorf("AP Freq %d after StopAP", got)
		}
		if got := onlyType[radio.FrameReceived](settle(time.Second, l)); len(got) != 0 {
			t.Errorf("%d beacons after StopAP", len(got))
		}
	})
}

func TestProbeResponseOffloadAnswersMatchingSSIDs(t *testing.T) {
	tests := []struct {
		name    string
		apSSID  string
		hidden  bool
		probe   string
		answers bool
	}{
		{"own SSID", "DIRECT-ab", false, "DIRECT-ab", true},
		{"wildcard SSID", "DIRECT-ab", false, "", true},
		{"P2P wildcard SSID", "DIRECT-ab", false, "DIRECT-", true},
		{"P2P wildcard to a non-P2P SSID", "lab", false, "DIRECT-", false},
		{"other SSID", "DIRECT-ab", false, "DIRECT-cd", false},
		{"hidden SSID, wildcard", "lab", true, "", false},
		{"hidden SSID, by name", "lab", true, "lab", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				p := s.phy(PhyConfig{ProbeRespOffload: true})
				ap := s.iface(p, radio.IfP2PGO)
				must(t, ap.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeProbeReq}))
				addr := ap.Info().Addr
				must(t, ap.StartAP(context.Background(), radio.APConfig{
					Beacon: beaconData(addr, tt.apSSID, 100, nil, p2pIE), Freq: 2412, SSID: []byte(tt.apSSID), HiddenSSID: tt.hidden,
				}))
				_, dev := s.p2pDevice(PhyConfig{})
				must(t, dev.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeProbeResp}))
				roc(t, dev, 2412, time.Second)
				probe := appendHeader(nil, ieee80211.SubtypeProbeReq, ieee80211.Broadcast, dev.Info().Addr, ieee80211.Broadcast, 0)
				probe = appendSSID(probe, []byte(tt.probe))
				_, err := dev.SendFrame(context.Background(), radio.Tx{Frame: probe, Freq: 2412, OffChannel: true, NoAck: true})
				must(t, err)
				got := onlyType[radio.FrameReceived](settle(50*time.Millisecond, dev))
				if (len(got) == 1) != tt.answers {
					t.Fatalf("%d probe responses, want answer %v", len(got), tt.answers)
				}
				if tt.answers {
					h, body, _ := parseMgmt(got[0].Frame)
					if h.addr1 != dev.Info().Addr || h.addr2 != addr || h.addr3 != addr {
						t.Errorf("addresses %v %v %v", h.addr1, h.addr2, h.addr3)
					}
					if !bytes.HasSuffix(body, p2pIE) {
						t.Errorf("probe response %x lacks the probe response IEs", body)
					}
				}
				if n := len(onlyType[radio.FrameReceived](drain(ap))); n != 0 {
					t.Errorf("the offloaded AP's owner saw %d probe requests", n)
				}
			})
		})
	}
}

func TestProbeResponseOffloadUsesTheFullTemplate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p := s.phy(PhyConfig{ProbeRespOffload: true})
		ap := s.iface(p, radio.IfP2PGO)
		addr := ap.Info().Addr
		b := beaconData(addr, "DIRECT-ab", 100, nil, nil)
		tmpl := appendHeader(nil, ieee80211.SubtypeProbeResp, ieee80211.MAC{}, addr, addr, 0)
		tmpl = append(tmpl, b.Head[hdrLen:]...)
		tmpl = append(tmpl, ieee80211.ElemVendorSpecific, 4, 1, 2, 3, 4)
		b.ProbeResp = tmpl
		must(t, ap.StartAP(context.Background(), radio.APConfig{Beacon: b, Freq: 2412, SSID: []byte("DIRECT-ab")}))
		sc := s.iface(s.phy(PhyConfig{}), radio.IfP2PDevice)
		must(t, sc.TriggerScan(context.Background(), radio.ScanRequest{Freqs: []int{2412}}))
		await[radio.ScanDone](t, sc, time.Second)
		res, err := sc.ScanResults(context.Background())
		must(t, err)
		if len(res) != 1 || !bytes.Equal(res[0].IEs, tmpl[hdrLen+beaconFixed:]) {
			t.Errorf("results %+v", res)
		}
	})
}

func TestAPDoesNotBeaconWhileItsPhyIsOffChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		apPhy, ap := s.startAP(PhyConfig{}, radio.IfP2PGO, "DIRECT-ab", 2412, 100)
		dev := s.iface(apPhy, radio.IfP2PDevice) // same phy as the GO
		l := s.iface(s.phy(PhyConfig{}), radio.IfP2PDevice)
		must(t, l.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeBeacon}))
		roc(t, l, 2412, 5*time.Second)
		roc(t, dev, 2437, 2*time.Second)
		if got := apPhy.Channel(); got != 2437 {
			t.Errorf("GO's phy on %d during the remain-on-channel", got)
		}
		if got := onlyType[radio.FrameReceived](settle(1900*time.Millisecond, l)); len(got) != 0 {
			t.Errorf("%d beacons while the GO's phy was away", len(got))
		}
		await[radio.RemainOnChannelExpired](t, dev, time.Second)
		if got := onlyType[radio.FrameReceived](settle(time.Second, l)); len(got) < 9 {
			t.Errorf("%d beacons after the GO's phy came back", len(got))
		}
		_ = ap
	})
}

// docs/bad-input.md 4a #18: a management frame with a group source address
// is forged; the GO creates no state for it and does not answer it.
func TestProbeResponseOffloadIgnoresAGroupSourceAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		s.startAP(PhyConfig{ProbeRespOffload: true}, radio.IfP2PGO, "DIRECT-ab", 2412, 100)
		_, dev := s.p2pDevice(PhyConfig{})
		must(t, dev.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeProbeResp}))
		roc(t, dev, 2412, time.Second)
		for _, src := range []ieee80211.MAC{ieee80211.Broadcast, {0x01, 0, 0x5e, 0, 0, 1}, dev.Info().Addr} {
			probe := appendHeader(nil, ieee80211.SubtypeProbeReq, ieee80211.Broadcast, src, ieee80211.Broadcast, 0)
			probe = appendSSID(probe, nil)
			_, err := dev.SendFrame(context.Background(), radio.Tx{Frame: probe, Freq: 2412, OffChannel: true, NoAck: true})
			must(t, err)
		}
		got := onlyType[radio.FrameReceived](settle(50*time.Millisecond, dev))
		if len(got) != 1 {
			t.Fatalf("%d probe responses, want 1 (to the unicast source only)", len(got))
		}
		if h, _, _ := parseMgmt(got[0].Frame); h.addr1 != dev.Info().Addr {
			t.Errorf("answered %v", h.addr1)
		}
	})
}
