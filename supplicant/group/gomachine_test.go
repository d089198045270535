package group

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

var (
	machineGO   = MAC{0x02, 0x11, 0, 0, 0, 1}
	machineDev  = MAC{0x02, 0x11, 0, 0, 0, 0x81}
	machineSTA  = MAC{0x02, 0x22, 0, 0, 0, 1}
	machinePeer = MAC{0x02, 0x22, 0, 0, 0, 0x81}
	groupSA     = MAC{0x03, 0x22, 0, 0, 0, 1} // the group bit set
	t0          = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

// startedGO returns a GOMachine that has started its AP.
func startedGO(t *testing.T, change func(*GOConfig)) *GOMachine {
	t.Helper()
	cfg := GOConfig{
		Device:     Device{Address: machineDev, Name: "go"},
		Freq:       2437,
		SSID:       []byte("DIRECT-zz"),
		Passphrase: testPassphrase,
		Rand:       seeded(7),
	}
	if change != nil {
		change(&cfg)
	}
	m, err := NewGOMachine(cfg, GOEnv{Interface: radio.InterfaceInfo{Addr: machineGO, Name: "p2p-go-0"}})
	if err != nil {
		t.Fatal(err)
	}
	m.Handle(t0, Start{})
	m.Handle(t0, CheckpointReached{Name: "started"})
	return m
}

func mgmt(subtype uint8, da, sa, bssid MAC, body []byte) radio.Event {
	return radio.FrameReceived{Frame: append(header(subtype, da, sa, bssid), body...), Freq: 2437}
}

func authRequest(sa MAC) radio.Event {
	body := binary.LittleEndian.AppendUint16(nil, ieee80211.AuthOpenSystem)
	body = binary.LittleEndian.AppendUint16(body, 1)
	body = binary.LittleEndian.AppendUint16(body, 0)
	return mgmt(ieee80211.SubtypeAuth, machineGO, sa, machineGO, body)
}

// assocRequest builds an Association Request body: capabilities, listen
// interval, SSID, OFDM rates and extra elements.
func assocRequest(sa MAC, ssid string, extra []byte) radio.Event {
	body := binary.LittleEndian.AppendUint16(nil, uint16(ieee80211.CapESS|ieee80211.CapPrivacy))
	body = binary.LittleEndian.AppendUint16(body, 10)
	body, _ = ieee80211.AppendSSID(body, []byte(ssid))
	body, _ = ieee80211.AppendSupportedRates(body, ofdmRates)
	return mgmt(ieee80211.SubtypeAssocReq, machineGO, sa, machineGO, append(body, extra...))
}

func probeRequest(sa MAC, ssid string, rates []ieee80211.Rate, extra []byte) radio.Event {
	body, _ := ieee80211.AppendSSID(nil, []byte(ssid))
	body, _ = ieee80211.AppendSupportedRates(body, rates)
	return mgmt(ieee80211.SubtypeProbeReq, ieee80211.Broadcast, sa, ieee80211.Broadcast, append(body, extra...))
}

func sentFrames(acts []Action) [][]byte {
	var out [][]byte
	for _, a := range acts {
		if f, ok := a.(SendFrame); ok {
			out = append(out, f.Tx.Frame)
		}
	}
	return out
}

func TestGOIgnoresFramesFromAGroupAddress(t *testing.T) {
	// docs/bad-input.md 4a #18 (CVE-2019-16275): management frames with a
	// group source address create no station state and get no answer.
	deauthBody := binary.LittleEndian.AppendUint16(nil, ieee80211.ReasonDeauthLeaving)
	tests := []struct {
		name  string
		frame func(sa MAC) radio.Event
	}{
		{"authentication", authRequest},
		{"association request", func(sa MAC) radio.Event {
			return assocRequest(sa, "DIRECT-zz", appendRSNE(nil, clientRSNE))
		}},
		{"probe request", func(sa MAC) radio.Event { return probeRequest(sa, "", ofdmRates, nil) }},
		{"deauthentication", func(sa MAC) radio.Event {
			return mgmt(ieee80211.SubtypeDeauth, machineGO, sa, machineGO, deauthBody)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startedGO(t, nil)
			if acts := m.Handle(t0, RadioEvent{Event: tt.frame(groupSA)}); len(acts) != 0 {
				t.Errorf("actions for a frame from %v: %#v", groupSA, acts)
			}
			if len(m.stations) != 0 {
				t.Errorf("station state created: %v", m.stations)
			}
		})
	}
	// The same frames from a unicast address are answered, so the test
	// above is about the address only.
	m := startedGO(t, nil)
	if got := sentFrames(m.Handle(t0, RadioEvent{Event: authRequest(machineSTA)})); len(got) != 1 {
		t.Errorf("authentication from %v: %d frames sent, want the response", machineSTA, len(got))
	}
	if got := sentFrames(m.Handle(t0, RadioEvent{Event: probeRequest(machineSTA, "", ofdmRates, nil)})); len(got) != 1 {
		t.Errorf("probe request from %v: %d frames sent, want the response", machineSTA, len(got))
	}
}

func TestGOAnswersProbeRequestsForItsGroupOnly(t *testing.T) {
	cck := []ieee80211.Rate{0x82, 0x84, 0x8b, 0x96}
	deviceID := func(id MAC) []byte { return appendP2PIE(nil, &p2pmsg.Attributes{DeviceID: &id}) }
	tests := []struct {
		name   string
		ssid   string
		rates  []ieee80211.Rate
		extra  []byte
		answer bool
	}{
		{"wildcard SSID", "", ofdmRates, nil, true},
		{"our SSID", "DIRECT-zz", ofdmRates, nil, true},
		{"P2P Wildcard SSID", "DIRECT-", ofdmRates, nil, true},
		{"another SSID", "DIRECT-yy", ofdmRates, nil, false},
		{"802.11b-only station", "", cck, nil, false},
		{"P2P Device ID of ours", "DIRECT-", ofdmRates, deviceID(machineDev), true},
		{"P2P Device ID of another device", "DIRECT-", ofdmRates, deviceID(machinePeer), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startedGO(t, nil)
			got := sentFrames(m.Handle(t0, RadioEvent{Event: probeRequest(machineSTA, tt.ssid, tt.rates, tt.extra)}))
			if (len(got) == 1) != tt.answer {
				t.Fatalf("sent %d frames, want an answer: %v", len(got), tt.answer)
			}
			if !tt.answer {
				return
			}
			f, err := ieee80211.DecodeMgmt(got[0])
			if err != nil {
				t.Fatal(err)
			}
			if f.Header.FrameControl.Subtype != ieee80211.SubtypeProbeResp || f.Header.Addr1 != machineSTA ||
				f.Header.Addr2 != machineGO || f.Header.Addr3 != machineGO {
				t.Errorf("response header %+v", f.Header)
			}
		})
	}
}

func TestGORefusesAssociationsItCannotServe(t *testing.T) {
	tkip := ieee80211.RSN{Version: 1, GroupDataCipher: ieee80211.CipherCCMP128,
		PairwiseCiphers: []ieee80211.Suite{ieee80211.CipherTKIP}, AKMs: []ieee80211.Suite{ieee80211.AKMPSK},
		Fields: ieee80211.RSNThroughAKMs}
	tkipIE, _ := ieee80211.AppendRSN(nil, tkip)
	sae := tkip
	sae.PairwiseCiphers, sae.AKMs = []ieee80211.Suite{ieee80211.CipherCCMP128}, []ieee80211.Suite{ieee80211.AKMSAE}
	saeIE, _ := ieee80211.AppendRSN(nil, sae)
	tests := []struct {
		name       string
		ssid       string
		extra      []byte
		wantStatus uint16
	}{
		{"RSN with CCMP and PSK", "DIRECT-zz", appendRSNE(nil, clientRSNE), ieee80211.StatusSuccess},
		{"another SSID", "DIRECT-yy", appendRSNE(nil, clientRSNE), ieee80211.StatusUnspecifiedFailure},
		{"TKIP", "DIRECT-zz", tkipIE, ieee80211.StatusInvalidPairwiseCipher},
		{"SAE", "DIRECT-zz", saeIE, ieee80211.StatusInvalidAKMP},
		{"neither RSN nor WSC", "DIRECT-zz", nil, ieee80211.StatusInvalidElement},
		{"WPS while the Registrar is closed", "DIRECT-zz", appendWSCAssocReq(nil, wsc.PasswordPushButton), ieee80211.StatusUnspecifiedFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startedGO(t, nil)
			m.Handle(t0, RadioEvent{Event: authRequest(machineSTA)})
			acts := m.Handle(t0, RadioEvent{Event: assocRequest(machineSTA, tt.ssid, tt.extra)})
			frames := sentFrames(acts)
			if len(frames) != 1 {
				t.Fatalf("sent %d frames", len(frames))
			}
			f, _ := ieee80211.DecodeMgmt(frames[0])
			resp, err := ieee80211.DecodeAssocResp(f.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			added := false
			for _, a := range acts {
				if _, ok := a.(NewStation); ok {
					added = true
				}
			}
			if added != (tt.wantStatus == 0) {
				t.Errorf("NewStation issued: %v", added)
			}
		})
	}
	t.Run("without authentication", func(t *testing.T) {
		m := startedGO(t, nil)
		frames := sentFrames(m.Handle(t0, RadioEvent{Event: assocRequest(machineSTA, "DIRECT-zz", appendRSNE(nil, clientRSNE))}))
		if len(frames) != 1 {
			t.Fatalf("sent %d frames", len(frames))
		}
		f, _ := ieee80211.DecodeMgmt(frames[0])
		d, err := ieee80211.DecodeDeauth(f.Body)
		if f.Header.FrameControl.Subtype != ieee80211.SubtypeDeauth || err != nil || d.ReasonCode != ieee80211.ReasonClass2FromNonauthSTA {
			t.Errorf("answer %x, want a deauthentication with reason 6", frames[0])
		}
		if len(m.stations) != 0 {
			t.Errorf("station state created: %v", m.stations)
		}
	})
}

// beaconOf returns the start actions' beacon.
func beaconOf(t *testing.T, cfg GOConfig) (radio.APConfig, *GOMachine) {
	t.Helper()
	m, err := NewGOMachine(cfg, GOEnv{Interface: radio.InterfaceInfo{Addr: machineGO}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range m.Handle(t0, Start{}) {
		if s, ok := a.(StartAP); ok {
			return s.Config, m
		}
	}
	t.Fatal("no StartAP")
	return radio.APConfig{}, nil
}

func TestGOBeaconAnnouncesTheGroup(t *testing.T) {
	pin := wsc.PINFromPrefix(1234567)
	ap, _ := beaconOf(t, GOConfig{
		Device: Device{Address: machineDev, Name: "go"}, Freq: 2437, SSID: []byte("DIRECT-zz"), Passphrase: testPassphrase,
		Persistent: true, Rand: seeded(7),
		Formation: &Formation{Peer: machinePeer, PeerInterface: machineSTA, WPS: &WPS{PasswordID: wsc.PasswordDefault, PIN: pin}},
	})
	if ap.Freq != 2437 || ap.BeaconInterval != 100 || !ap.Privacy || string(ap.SSID) != "DIRECT-zz" {
		t.Errorf("AP config %+v", ap)
	}
	head, err := ieee80211.DecodeMgmt(ap.Beacon.Head)
	if err != nil {
		t.Fatal(err)
	}
	h := head.Header
	if h.FrameControl.Subtype != ieee80211.SubtypeBeacon || h.Addr1 != ieee80211.Broadcast || h.Addr2 != machineGO || h.Addr3 != machineGO {
		t.Errorf("beacon header %+v", h)
	}
	b, err := ieee80211.DecodeBeacon(head.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b.BeaconInterval != 100 || b.Capability != ieee80211.CapESS|ieee80211.CapPrivacy|ieee80211.CapShortSlotTime {
		t.Errorf("beacon fixed fields %+v", b)
	}
	want := []ieee80211.Element{
		{ID: ieee80211.ElemSSID, Data: []byte("DIRECT-zz")},
		{ID: ieee80211.ElemSupportedRates, Data: []byte{0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c}},
		{ID: ieee80211.ElemDSParameterSet, Data: []byte{6}},
	}
	if diff := cmp.Diff(want, []ieee80211.Element(b.Elements)); diff != "" {
		t.Errorf("beacon head elements (-want +got):\n%s", diff)
	}

	tail, err := ieee80211.ParseElements(ap.Beacon.Tail)
	if err != nil {
		t.Fatal(err)
	}
	rsn, ok := ieee80211.Elements(tail).Find(ieee80211.ElemRSN)
	r, err := ieee80211.DecodeRSN(rsn.Data)
	if !ok || err != nil || r.GroupDataCipher != ieee80211.CipherCCMP128 ||
		!cmp.Equal(r.PairwiseCiphers, []ieee80211.Suite{ieee80211.CipherCCMP128}) || !cmp.Equal(r.AKMs, []ieee80211.Suite{ieee80211.AKMPSK}) {
		t.Errorf("RSN element %+v %v", r, err)
	}
	attrs, found, err := p2pmsg.ParseIE(tail)
	if !found || err != nil {
		t.Fatalf("P2P IE: %v %v", found, err)
	}
	wantCap := p2pmsg.GroupCapGroupOwner | p2pmsg.GroupCapPersistentGroup | p2pmsg.GroupCapGroupFormation | p2pmsg.GroupCapIPAddressAllocation
	if attrs.Capability == nil || attrs.Capability.Group != wantCap || attrs.DeviceID == nil || *attrs.DeviceID != machineDev {
		t.Errorf("P2P IE %+v, want Group Capability %#x and Device ID %v", attrs, wantCap, machineDev)
	}
	w, err := wsc.DecodeIE[wsc.Beacon](tail)
	if err != nil {
		t.Fatal(err)
	}
	ext, _ := wsc.WFA(w.VendorExtensions)
	if w.WPSState != wsc.WPSStateConfigured || w.SelectedRegistrar == nil || !*w.SelectedRegistrar ||
		w.DevicePasswordID == nil || *w.DevicePasswordID != wsc.PasswordDefault || w.SelectedRegistrarConfigMethods == nil ||
		w.UUIDE == nil || *w.UUIDE != wsc.UUIDFromAddress(machineDev) || w.RFBands == nil || *w.RFBands != wsc.RFBand24GHz ||
		ext.Version2 != wsc.Version2 || !cmp.Equal(ext.AuthorizedMACs, []MAC{machineSTA}) {
		t.Errorf("WSC IE %+v, WFA extension %+v", w, ext)
	}

	// A probe response lists the P2P Device Info and a WSC Response Type AP.
	pr, err := ieee80211.DecodeMgmt(ap.Beacon.ProbeResp)
	if err != nil {
		t.Fatal(err)
	}
	prb, err := ieee80211.DecodeProbeResp(pr.Body)
	if err != nil {
		t.Fatal(err)
	}
	pattrs, _, err := p2pmsg.ParseIE(prb.Elements)
	if err != nil || pattrs.DeviceInfo == nil || pattrs.DeviceInfo.DeviceName != "go" || pattrs.GroupInfo != nil {
		t.Errorf("probe response P2P IE %+v %v", pattrs, err)
	}
	wp, err := wsc.DecodeIE[wsc.ProbeResponse](prb.Elements)
	if err != nil || wp.ResponseType != wsc.ResponseAP {
		t.Errorf("probe response WSC IE %+v %v", wp, err)
	}
	if !bytes.Contains(ap.Beacon.ProbeResp, ap.Beacon.ProbeRespIEs) {
		t.Error("the probe response template lacks the probe response elements")
	}
}

func TestGOAllowsWPSAssociationOnlyForTheExpectedPeer(t *testing.T) {
	formation := func(c *GOConfig) {
		c.Passphrase = ""
		c.Formation = &Formation{Peer: machinePeer, WPS: &WPS{PasswordID: wsc.PasswordPushButton}}
	}
	p2pIE := func(dev MAC) []byte {
		return appendP2PIE(nil, &p2pmsg.Attributes{
			Capability: &p2pmsg.Capability{},
			DeviceInfo: &p2pmsg.DeviceInfo{DeviceAddress: dev, DeviceName: "x"},
		})
	}
	for _, tt := range []struct {
		name string
		dev  MAC
		want uint16
	}{
		{"the peer", machinePeer, ieee80211.StatusSuccess},
		{"another device", MAC{0x02, 0x33, 0, 0, 0, 0x81}, ieee80211.StatusUnspecifiedFailure},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := startedGO(t, formation)
			m.Handle(t0, RadioEvent{Event: authRequest(machineSTA)})
			frames := sentFrames(m.Handle(t0, RadioEvent{Event: assocRequest(machineSTA, "DIRECT-zz", append(appendWSCAssocReq(nil, wsc.PasswordPushButton), p2pIE(tt.dev)...))}))
			if len(frames) != 1 {
				t.Fatalf("sent %d frames", len(frames))
			}
			f, _ := ieee80211.DecodeMgmt(frames[0])
			resp, err := ieee80211.DecodeAssocResp(f.Body)
			if err != nil || resp.StatusCode != tt.want {
				t.Errorf("status %d (%v), want %d", resp.StatusCode, err, tt.want)
			}
		})
	}
}

// timerOf returns the timer of this kind the actions arm.
func timerOf(acts []Action, kind TimerKind) (Timer, bool) {
	for _, a := range acts {
		if s, ok := a.(SetTimer); ok && s.Timer.Kind == kind {
			return s.Timer, true
		}
	}
	return Timer{}, false
}

func TestGODeauthenticatesAWPSStationThatLingersAfterEAPFailure(t *testing.T) {
	m := startedGO(t, nil)
	if acts := m.Handle(t0, AllowJoin{WPS: WPS{PasswordID: wsc.PasswordPushButton}}); !cmp.Equal(acts[len(acts)-1], Reply{}) {
		t.Fatalf("AllowJoin: %#v", acts)
	}
	m.Handle(t0, RadioEvent{Event: authRequest(machineSTA)})
	m.Handle(t0, RadioEvent{Event: assocRequest(machineSTA, "DIRECT-zz", appendWSCAssocReq(nil, wsc.PasswordPushButton))})
	acts := m.Handle(t0, TxDone{Tag: Tag{Kind: TagAssocResp, Peer: machineSTA}, Acked: true})
	// The station never answers EAP-Request/Identity: the server gives up
	// after its retransmissions and sends EAP-Failure.
	for i := 0; ; i++ {
		if tm, ok := timerOf(acts, TimerWPSDeauth); ok {
			acts = m.Handle(t0, TimerFired{Timer: tm})
			break
		}
		tm, ok := timerOf(acts, TimerEAP)
		if !ok || i > 10 {
			t.Fatalf("no EAP timer in %#v", acts)
		}
		acts = m.Handle(t0, TimerFired{Timer: tm})
	}
	want := DelStation{Addr: machineSTA, Reason: ieee80211.ReasonIEEE8021XAuthFailed}
	found := false
	for _, a := range acts {
		found = found || cmp.Equal(a, Action(want))
	}
	if !found {
		t.Errorf("actions %#v, want %+v", acts, want)
	}
	if len(m.stations) != 0 {
		t.Errorf("stations left: %v", m.stations)
	}
}
