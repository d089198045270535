package simradio

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

var (
	eapolM1 = []byte{2, 3, 0, 5, 2, 0, 0x8a, 0, 0x10}
	eapolM2 = []byte{2, 3, 0, 5, 2, 1, 0x0a, 0, 0x10}
)

func pairwiseKey(peer ieee80211.MAC, data []byte) radio.Key {
	return radio.Key{Cipher: radio.CipherCCMP128, Data: data, Peer: peer}
}

func TestEAPOLFlowsBothWaysAndIsProtectedOnceBothSidesHaveTheKey(t *testing.T) {
	tests := []struct {
		name                string
		apKey, staKey       []byte // nil: not installed
		wantToSTA, wantToAP []radio.Event
	}{
		{
			name:      "no keys: clear both ways",
			wantToSTA: []radio.Event{radio.EAPOLReceived{PDU: eapolM1}},
			wantToAP:  []radio.Event{radio.EAPOLReceived{PDU: eapolM2}},
		},
		{
			name: "same key: protected both ways", apKey: pmkA, staKey: pmkA,
			wantToSTA: []radio.Event{radio.EAPOLReceived{PDU: eapolM1, Encrypted: true}},
			wantToAP:  []radio.Event{radio.EAPOLReceived{PDU: eapolM2, Encrypted: true}},
		},
		{name: "different keys: both directions fail to decrypt", apKey: pmkA, staKey: pmkB},
		{
			// The station has not installed yet (message 4 goes out in the
			// clear): its frame arrives, the AP's protected one cannot.
			name: "key only on the AP", apKey: pmkA,
			wantToAP: []radio.Event{radio.EAPOLReceived{PDU: eapolM2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				l := s.associate(t, 2437)
				apAddr, staAddr := l.ap.Info().Addr, l.sta.Info().Addr
				ctx := context.Background()
				if tt.apKey != nil {
					must(t, l.ap.NewKey(ctx, pairwiseKey(staAddr, tt.apKey)))
				}
				if tt.staKey != nil {
					must(t, l.sta.NewKey(ctx, pairwiseKey(apAddr, tt.staKey)))
				}
				drain(l.ap)
				must(t, eapolErr(l.ap.SendEAPOL(ctx, staAddr, eapolM1)))
				must(t, eapolErr(l.sta.SendEAPOL(ctx, apAddr, eapolM2)))
				for i := range tt.wantToSTA {
					e := tt.wantToSTA[i].(radio.EAPOLReceived)
					e.Src = apAddr
					tt.wantToSTA[i] = e
				}
				for i := range tt.wantToAP {
					e := tt.wantToAP[i].(radio.EAPOLReceived)
					e.Src = staAddr
					tt.wantToAP[i] = e
				}
				if diff := cmp.Diff(tt.wantToSTA, withoutType[radio.EAPOLTxStatus](settle(50*time.Millisecond, l.sta))); diff != "" {
					t.Errorf("station events (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantToAP, withoutType[radio.EAPOLTxStatus](drain(l.ap))); diff != "" {
					t.Errorf("AP events (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestEAPOLTxStatusReportsWhetherTheFrameReachedThePeer(t *testing.T) {
	tests := []struct {
		name      string
		drop      bool // a rule drops frames from the AP to the station
		offChan   bool // the station is off-channel
		wantAcked bool
	}{
		{name: "delivered", wantAcked: true},
		{name: "dropped by a rule", drop: true},
		{name: "receiver off-channel", offChan: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				l := s.associate(t, 2437)
				ctx := context.Background()
				if tt.drop {
					s.m.AddRule(Rule{From: l.apPhy.Info().PermAddr, To: l.sta.Info().Addr, Drop: 1})
				}
				if tt.offChan {
					roc(t, l.sta, 2412, 500*time.Millisecond)
				}
				drain(l.ap)
				c, err := l.ap.SendEAPOL(ctx, l.sta.Info().Addr, eapolM1)
				must(t, err)
				got := onlyType[radio.EAPOLTxStatus](settle(50*time.Millisecond, l.ap))
				if diff := cmp.Diff([]radio.EAPOLTxStatus{{Cookie: c, Acked: tt.wantAcked}}, got); diff != "" {
					t.Errorf("AP EAPOL TX status (-want +got):\n%s", diff)
				}
				if !l.apPhy.Info().ControlPortTxStatus {
					t.Error("PhyInfo.ControlPortTxStatus is false, want true")
				}
			})
		})
	}
}

func TestEAPOLNeedsALink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, ap := s.startAP(PhyConfig{}, radio.IfP2PGO, "DIRECT-xy", 2412, 100)
		registerSME(t, ap)
		sta := s.iface(s.phy(PhyConfig{}), radio.IfP2PClient)
		ctx := context.Background()
		apAddr, staAddr := ap.Info().Addr, sta.Info().Addr
		wantErr(t, "AP to an unknown station", eapolErr(ap.SendEAPOL(ctx, staAddr, eapolM1)), radio.ErrNotConnected)
		wantErr(t, "unconnected station", eapolErr(sta.SendEAPOL(ctx, apAddr, eapolM2)), radio.ErrNotConnected)
		// Authenticated and associated, but the AP has not added the station:
		// nothing flows to it yet.
		must(t, sta.Connect(ctx, radio.ConnectRequest{BSSID: apAddr, Freq: 2412}))
		answerAuth(t, ap, 0)
		fr := await[radio.FrameReceived](t, ap, time.Second)
		h, _, _ := parseMgmt(fr.Frame)
		resp := appendHeader(nil, ieee80211.SubtypeAssocResp, h.addr2, apAddr, apAddr, 0)
		resp = append(resp, 1, 0, 0, 0, 1, 0xc0)
		_, err := ap.SendFrame(ctx, radio.Tx{Frame: resp})
		must(t, err)
		await[radio.Connected](t, sta, time.Second)
		must(t, eapolErr(sta.SendEAPOL(ctx, apAddr, eapolM2)))
		if got := onlyType[radio.EAPOLReceived](settle(50*time.Millisecond, ap)); len(got) != 0 {
			t.Errorf("AP got EAPOL from a station it never added: %v", got)
		}
		wantErr(t, "to another BSSID", eapolErr(sta.SendEAPOL(ctx, ieee80211.MAC{2, 9, 9, 9, 9, 9}, eapolM2)), radio.ErrNotConnected)
		wantErr(t, "empty PDU", eapolErr(sta.SendEAPOL(ctx, apAddr, nil)), radio.ErrInvalid)
	})
}

func TestEAPOLIsLostWhenTheReceiverIsOffChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		l := s.associate(t, 2437)
		ctx := context.Background()
		roc(t, l.sta, 2412, 500*time.Millisecond)
		must(t, eapolErr(l.ap.SendEAPOL(ctx, l.sta.Info().Addr, eapolM1)))
		if got := onlyType[radio.EAPOLReceived](settle(50*time.Millisecond, l.sta)); len(got) != 0 {
			t.Errorf("station off-channel got %v", got)
		}
		await[radio.RemainOnChannelExpired](t, l.sta, time.Second)
		must(t, eapolErr(l.ap.SendEAPOL(ctx, l.sta.Info().Addr, eapolM1)))
		if got := onlyType[radio.EAPOLReceived](settle(50*time.Millisecond, l.sta)); len(got) != 1 {
			t.Errorf("station back on channel got %d frames", len(got))
		}
	})
}

func TestNewKeyRules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		l := s.associate(t, 2437)
		ctx := context.Background()
		apAddr, staAddr := l.ap.Info().Addr, l.sta.Info().Addr
		tests := []struct {
			name string
			k    radio.Key
			want error
		}{
			{"all-zero key", pairwiseKey(apAddr, make([]byte, 16)), radio.ErrInvalid},
			{"empty key", pairwiseKey(apAddr, nil), radio.ErrInvalid},
			{"wrong length", pairwiseKey(apAddr, pmkA[:15]), radio.ErrInvalid},
			{"unsupported cipher", radio.Key{Cipher: 0x000fac01, Data: pmkA[:5], Peer: apAddr}, radio.ErrNotSupported},
			{"peer without a link", pairwiseKey(ieee80211.MAC{2, 7, 7, 7, 7, 7}, pmkA), radio.ErrNotConnected},
		}
		for _, tt := range tests {
			wantErr(t, tt.name, l.sta.NewKey(ctx, tt.k), tt.want)
		}
		ref := radio.KeyRef{Peer: apAddr}
		if n := l.staPhy.KeyInstalls(staAddr, ref); n != 0 {
			t.Errorf("rejected keys counted: %d", n)
		}
		must(t, l.sta.NewKey(ctx, pairwiseKey(apAddr, pmkA)))
		if n := l.staPhy.KeyInstalls(staAddr, ref); n != 1 {
			t.Errorf("installs after the first: %d", n)
		}
		must(t, l.sta.NewKey(ctx, pairwiseKey(apAddr, pmkA))) // identical reinstall: accepted, counted
		if n := l.staPhy.KeyInstalls(staAddr, ref); n != 2 {
			t.Errorf("installs after a reinstall: %d", n)
		}
		if k, ok := l.staPhy.InstalledKey(staAddr, ref); !ok || !bytes.Equal(k.Data, pmkA) {
			t.Errorf("installed key %+v %v", k, ok)
		}
		gtk := radio.Key{Cipher: radio.CipherCCMP128, Index: 1, Data: pmkB, DefaultTx: true}
		must(t, l.ap.NewKey(ctx, gtk))
		if k, ok := l.apPhy.InstalledKey(apAddr, radio.KeyRef{Index: 1}); !ok || !k.DefaultTx {
			t.Errorf("group key %+v %v", k, ok)
		}
		must(t, l.sta.DelKey(ctx, ref))
		wantErr(t, "delete again", l.sta.DelKey(ctx, ref), radio.ErrNotFound)
		if _, ok := l.staPhy.InstalledKey(staAddr, ref); ok {
			t.Error("key still installed after DelKey")
		}
	})
}

func TestSetAuthorizedIsRecordedPerPeer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		l := s.associate(t, 2437)
		ctx := context.Background()
		apAddr, staAddr := l.ap.Info().Addr, l.sta.Info().Addr
		if l.apPhy.Authorized(apAddr, staAddr) || l.staPhy.Authorized(staAddr, apAddr) {
			t.Fatal("authorized before SetAuthorized")
		}
		must(t, l.ap.SetAuthorized(ctx, staAddr, true))
		must(t, l.sta.SetAuthorized(ctx, apAddr, true))
		if !l.apPhy.Authorized(apAddr, staAddr) || !l.staPhy.Authorized(staAddr, apAddr) {
			t.Error("not authorized after SetAuthorized")
		}
		wantErr(t, "unknown peer", l.ap.SetAuthorized(ctx, ieee80211.MAC{2, 3}, true), radio.ErrNotConnected)
		must(t, l.ap.SetAuthorized(ctx, staAddr, false))
		if l.apPhy.Authorized(apAddr, staAddr) {
			t.Error("still authorized after closing the port")
		}
		// The link going down forgets keys and port state.
		must(t, l.sta.NewKey(ctx, pairwiseKey(apAddr, pmkA)))
		must(t, l.sta.Disconnect(ctx, 3))
		if l.staPhy.Authorized(staAddr, apAddr) {
			t.Error("authorized after disconnect")
		}
		if _, ok := l.staPhy.InstalledKey(staAddr, radio.KeyRef{Peer: apAddr}); ok {
			t.Error("key kept after disconnect")
		}
	})
}
