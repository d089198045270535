package group

import (
	"bytes"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// Frames of the go-neg-pbc capture (internal/vectors/testdata): a
// wpa_supplicant 2.10 GO (P2P Device 42:00:00:00:00:00, interface
// 46:00:00:00:00:00) and client (42:00:00:00:01:00, 46:00:00:00:01:00),
// group "DIRECT-8P" on 2437 MHz.
var (
	wpasGO       = MAC{0x46, 0, 0, 0, 0, 0}
	wpasGODev    = MAC{0x42, 0, 0, 0, 0, 0}
	wpasClient   = MAC{0x46, 0, 0, 0, 1, 0}
	wpasClientDv = MAC{0x42, 0, 0, 0, 1, 0}
	wpasSSID     = []byte("DIRECT-8P")
)

// captured returns the management frames of a capture of this subtype
// from sa.
func captured(t *testing.T, name string, subtype uint8, sa MAC) []ieee80211.Mgmt {
	t.Helper()
	frames, err := vectors.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []ieee80211.Mgmt
	for _, f := range frames {
		m, err := ieee80211.DecodeMgmt(f.Data)
		if err != nil || m.Header.FrameControl.Subtype != subtype || m.Header.Addr2 != sa {
			continue
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no frame of subtype %d from %v", name, subtype, sa)
	}
	return out
}

func TestGOAcceptsTheAssociationRequestsOfWpaSupplicant(t *testing.T) {
	reqs := captured(t, "go-neg-pbc.pcap", ieee80211.SubtypeAssocReq, wpasClient)
	m, err := NewGOMachine(GOConfig{
		Device: Device{Address: wpasGODev, Name: "go"}, Freq: 2437, SSID: wpasSSID, Passphrase: "mN7wyJ3E",
		Formation: &Formation{Peer: wpasClientDv, WPS: &WPS{PasswordID: wsc.PasswordPushButton}},
		Rand:      seeded(3),
	}, GOEnv{Interface: radio.InterfaceInfo{Addr: wpasGO}})
	if err != nil {
		t.Fatal(err)
	}
	m.Handle(t0, Start{})
	m.Handle(t0, CheckpointReached{Name: "started"})
	// The first association provisions (WSC IE, no RSN), the second joins
	// with RSN; each follows an authentication.
	var kinds []string
	for _, req := range reqs {
		auth := authRequest(wpasClient).(radio.FrameReceived)
		copy(auth.Frame[4:10], wpasGO[:])
		copy(auth.Frame[16:22], wpasGO[:])
		m.Handle(t0, RadioEvent{Event: auth})
		acts := m.Handle(t0, RadioEvent{Event: radio.FrameReceived{Frame: req.Append(nil), Freq: 2437}})
		frames := sentFrames(acts)
		if len(frames) != 1 {
			t.Fatalf("sent %d frames for %x", len(frames), req.Body)
		}
		f, _ := ieee80211.DecodeMgmt(frames[0])
		resp, err := ieee80211.DecodeAssocResp(f.Body)
		if err != nil || resp.StatusCode != 0 {
			t.Fatalf("association refused: status %d (%v)", resp.StatusCode, err)
		}
		if _, ok := resp.Elements.VendorPayload(ieee80211.OUIWFA, ieee80211.VendorTypeP2P); !ok {
			t.Error("the response to a P2P Client lacks the P2P IE")
		}
		s := m.stations[wpasClient]
		if s == nil || s.devAddr != wpasClientDv || s.devInfo == nil || s.devInfo.DeviceName != "wpas-vector-1" {
			t.Fatalf("station %+v", s)
		}
		if s.wps {
			kinds = append(kinds, "WPS")
		} else if s.rsne != nil {
			kinds = append(kinds, "RSN")
		}
	}
	if len(kinds) < 2 || kinds[0] != "WPS" || kinds[len(kinds)-1] != "RSN" {
		t.Errorf("associations %v, want a WPS one then an RSN one", kinds)
	}
}

func TestClientFindsAWpaSupplicantGO(t *testing.T) {
	resps := captured(t, "go-neg-pbc.pcap", ieee80211.SubtypeProbeResp, wpasGO)
	pr, err := ieee80211.DecodeProbeResp(resps[0].Body)
	if pr.Capability&ieee80211.CapPrivacy == 0 {
		t.Fatal("the captured GO does not announce Privacy")
	}
	if err != nil {
		t.Fatal(err)
	}
	ies, _ := pr.Elements.Append(nil)
	m, err := NewClientMachine(ClientConfig{
		Device: Device{Address: wpasClientDv, Name: "client"}, GODeviceAddress: wpasGODev, Freq: 2437, SSID: wpasSSID,
		WPS: &WPS{PasswordID: wsc.PasswordPushButton}, Rand: seeded(4),
	}, ClientEnv{Interface: radio.InterfaceInfo{Addr: wpasClient}})
	if err != nil {
		t.Fatal(err)
	}
	m.Handle(t0, Start{})
	m.Handle(t0, RadioEvent{Event: radio.ScanDone{}})
	acts := m.Handle(t0, ScanResults{BSSs: []radio.BSS{
		{BSSID: MAC{0x02, 9, 9, 9, 9, 9}, Freq: 2437, IEs: []byte{0, 4, 'l', 'a', 'b', '0'}}, // another network
		{BSSID: wpasGO, Freq: 2437, IEs: ies, ProbeResp: true, Capability: uint16(pr.Capability)},
	}})
	if len(acts) != 1 {
		t.Fatalf("actions %#v, want Connect", acts)
	}
	c, ok := acts[0].(Connect)
	if !ok || c.Request.BSSID != wpasGO || !bytes.Equal(c.Request.SSID, wpasSSID) || c.Request.Freq != 2437 || !c.Request.Privacy {
		t.Fatalf("connect %+v", acts[0])
	}
	elems, err := ieee80211.ParseElements(c.Request.IEs)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := wsc.IEPayload(elems); !ok {
		t.Error("the WPS association request has no WSC IE")
	}
	if _, ok := ieee80211.Elements(elems).Find(ieee80211.ElemRSN); ok {
		t.Error("the WPS association request has an RSN element")
	}
	// The WPS association asks for Privacy without an RSN element, as
	// wpa_supplicant's WPS_MODE_PRIVACY: cfg80211 matches the BSS by it.
	if !bytes.Equal(m.goRSNE, rsnOf(t, ies)) {
		t.Errorf("the GO's RSNE %x was not kept", m.goRSNE)
	}
}

func rsnOf(t *testing.T, ies []byte) []byte {
	t.Helper()
	elems, err := ieee80211.ParseElements(ies)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := ieee80211.Elements(elems).Find(ieee80211.ElemRSN)
	if !ok {
		t.Fatal("no RSN element")
	}
	return e.Data
}

func TestUUIDFromAddressMatchesWpaSupplicant(t *testing.T) {
	// go-neg-pbc.txt: WPS-ENROLLEE-SEEN of instance 1, whose radio is
	// 02:00:00:00:01:00.
	want := wsc.UUID{0x57, 0x2c, 0xf8, 0x2f, 0xc9, 0x57, 0x56, 0x53, 0x9b, 0x16, 0xb5, 0xcf, 0xb2, 0x98, 0xab, 0xf1}
	if got := wsc.UUIDFromAddress(MAC{0x02, 0, 0, 0, 1, 0}); got != want {
		t.Errorf("UUID %x, want %x", got, want)
	}
}
