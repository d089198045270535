package simradio

import (
	"context"
	"encoding/binary"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

func TestStationDisconnectDeauthenticatesAndTheAPOnlySeesTheFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		l := s.associate(t, 2437)
		drain(l.ap)
		apAddr, staAddr := l.ap.Info().Addr, l.sta.Info().Addr
		must(t, l.sta.Disconnect(context.Background(), 3))
		if diff := cmp.Diff([]radio.Event{radio.Disconnected{Reason: 3, ByUs: true}}, settle(time.Second, l.sta)); diff != "" {
			t.Errorf("station events (-want +got):\n%s", diff)
		}
		deauth := appendHeader(nil, ieee80211.SubtypeDeauth, apAddr, staAddr, apAddr, 0)
		deauth = binary.LittleEndian.AppendUint16(deauth, 3)
		got := drain(l.ap)
		if len(got) != 1 {
			t.Fatalf("AP events %v, want the deauthentication only", got)
		}
		fr, ok := got[0].(radio.FrameReceived)
		if !ok {
			t.Fatalf("AP event %T", got[0])
		}
		fr.Frame[22], fr.Frame[23] = 0, 0 // sequence number
		if diff := cmp.Diff(radio.FrameReceived{Frame: deauth, Freq: 2437, Signal: DefaultSignal}, fr); diff != "" {
			t.Errorf("AP frame (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]ieee80211.MAC{staAddr}, l.apPhy.Stations(apAddr)); diff != "" {
			t.Errorf("the radio removed the station by itself (-want +got):\n%s", diff)
		}
		if f := l.sta.Info().Freq; f != 0 {
			t.Errorf("station Freq %d after disconnect", f)
		}
	})
}

func TestAPRemovingAStationDisconnectsIt(t *testing.T) {
	tests := []struct {
		name   string
		addr   func(l testLink) ieee80211.MAC
		reason uint16
		want   []radio.Event
	}{
		{"with a reason", func(l testLink) ieee80211.MAC { return l.sta.Info().Addr }, 2, []radio.Event{radio.Disconnected{Reason: 2}}},
		{"every station", func(testLink) ieee80211.MAC { return ieee80211.Broadcast }, 3, []radio.Event{radio.Disconnected{Reason: 3}}},
		{"silently", func(l testLink) ieee80211.MAC { return l.sta.Info().Addr }, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				l := s.associate(t, 2437)
				ctx := context.Background()
				staAddr, apAddr := l.sta.Info().Addr, l.ap.Info().Addr
				must(t, l.ap.NewKey(ctx, pairwiseKey(staAddr, pmkA)))
				must(t, l.ap.DelStation(ctx, tt.addr(l), tt.reason))
				if diff := cmp.Diff(tt.want, settle(100*time.Millisecond, l.sta)); diff != "" {
					t.Errorf("station events (-want +got):\n%s", diff)
				}
				if got := l.apPhy.Stations(apAddr); len(got) != 0 {
					t.Errorf("stations left: %v", got)
				}
				if _, ok := l.apPhy.InstalledKey(apAddr, radio.KeyRef{Peer: staAddr}); ok {
					t.Error("the station's key survived DelStation")
				}
				wantErr(t, "EAPOL to the removed station", eapolErr(l.ap.SendEAPOL(ctx, staAddr, eapolM1)), radio.ErrNotConnected)
				wantErr(t, "remove again", l.ap.DelStation(ctx, staAddr, 0), radio.ErrNotFound)
			})
		})
	}
}

func TestBeaconLossDisconnectsTheStation(t *testing.T) {
	tests := []struct {
		name string
		lose func(t *testing.T, s *sim, l testLink)
	}{
		{"AP stopped", func(t *testing.T, s *sim, l testLink) { must(t, l.ap.StopAP(context.Background())) }},
		{"AP interface deleted", func(t *testing.T, s *sim, l testLink) { must(t, l.ap.Delete(context.Background())) }},
		{"AP phy removed", func(t *testing.T, s *sim, l testLink) { must(t, s.m.RemovePhy(l.apPhy)) }},
		{"link from the AP dropped", func(t *testing.T, s *sim, l testLink) {
			s.m.AddRule(Rule{From: l.apPhy.Info().PermAddr, To: l.staPhy.Info().PermAddr, Drop: 1})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				l := s.associate(t, 2437)
				time.Sleep(5 * time.Second)
				if got := drain(l.sta); len(got) != 0 {
					t.Fatalf("station events while the AP beacons: %v", got)
				}
				start := time.Now()
				tt.lose(t, s, l)
				if diff := cmp.Diff(radio.Disconnected{Reason: reasonDisassocInactivity}, await[radio.Disconnected](t, l.sta, 3*time.Second)); diff != "" {
					t.Errorf("disconnect (-want +got):\n%s", diff)
				}
				if d := time.Since(start); d < 9*100*TU || d > 11*100*TU {
					t.Errorf("beacon loss after %v, want about 10 beacon intervals", d)
				}
			})
		})
	}
}

func TestTimeOffChannelDoesNotCountAsBeaconLoss(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		l := s.associate(t, 2437)
		c := roc(t, l.sta, 2412, 5*time.Second)
		want := []radio.Event{radio.RemainOnChannelExpired{Cookie: c, Freq: 2412}}
		if diff := cmp.Diff(want, settle(10*time.Second, l.sta)); diff != "" {
			t.Errorf("events during and after a long remain-on-channel (-want +got):\n%s", diff)
		}
	})
}

func TestDeletingAConnectedStationDeauthenticates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		l := s.associate(t, 2437)
		drain(l.ap)
		must(t, l.sta.Delete(context.Background()))
		got := onlyType[radio.FrameReceived](settle(100*time.Millisecond, l.ap))
		if len(got) != 1 {
			t.Fatalf("AP got %d frames", len(got))
		}
		h, body, _ := parseMgmt(got[0].Frame)
		if h.subtype != ieee80211.SubtypeDeauth || u16(body) != reasonDeauthLeaving {
			t.Errorf("AP got %x", got[0].Frame)
		}
	})
}

func TestDeauthenticationFromTheAPDisconnects(t *testing.T) {
	tests := []struct {
		name    string
		subtype uint8
		forged  bool // sent by a third party with the AP's BSSID in Address 3
		want    []radio.Event
	}{
		{"deauthentication", ieee80211.SubtypeDeauth, false, []radio.Event{radio.Disconnected{Reason: 7}}},
		{"disassociation", ieee80211.SubtypeDisassoc, false, []radio.Event{radio.Disconnected{Reason: 7}}},
		{"deauthentication from another source", ieee80211.SubtypeDeauth, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				l := s.associate(t, 2437)
				apAddr := l.ap.Info().Addr
				from := l.ap
				if tt.forged {
					_, from = s.p2pDevice(PhyConfig{})
					roc(t, from, 2437, time.Second)
				}
				f := appendHeader(nil, tt.subtype, l.sta.Info().Addr, from.Info().Addr, apAddr, 0)
				f = binary.LittleEndian.AppendUint16(f, 7)
				_, err := from.SendFrame(context.Background(), radio.Tx{Frame: f, Freq: 2437, OffChannel: true})
				must(t, err)
				if diff := cmp.Diff(tt.want, settle(100*time.Millisecond, l.sta)); diff != "" {
					t.Errorf("station events (-want +got):\n%s", diff)
				}
			})
		})
	}
}
