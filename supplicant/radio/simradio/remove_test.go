package simradio

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// wantRemoved checks that f's stream ends with InterfaceRemoved (after
// the given events) and that calls now fail with radio.ErrNoDevice.
func wantRemoved(t *testing.T, f radio.Interface, before ...radio.Event) {
	t.Helper()
	want := append(before, radio.InterfaceRemoved{})
	if diff := cmp.Diff(want, drain(f)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	ctx := context.Background()
	_, err := f.RemainOnChannel(ctx, 2412, time.Second)
	wantErr(t, "RemainOnChannel", err, radio.ErrNoDevice)
	_, err = f.SendFrame(ctx, radio.Tx{Frame: actionFrame(ieee80211.Broadcast, f.Info().Addr, 0), Freq: 2412, OffChannel: true})
	wantErr(t, "SendFrame", err, radio.ErrNoDevice)
	wantErr(t, "TriggerScan", f.TriggerScan(ctx, radio.ScanRequest{}), radio.ErrNoDevice)
	wantErr(t, "RegisterFrame", f.RegisterFrame(ctx, radio.FrameMatch{Subtype: 13}), radio.ErrNoDevice)
	wantErr(t, "Delete", f.Delete(ctx), radio.ErrNoDevice)
}

func wantPhyGone(t *testing.T, s *sim, p *Phy) {
	t.Helper()
	select {
	case <-p.Removed():
	default:
		t.Error("Removed not closed")
	}
	_, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfStation})
	wantErr(t, "NewInterface", err, radio.ErrNoDevice)
	wantErr(t, "RemovePhy again", s.m.RemovePhy(p), radio.ErrNoDevice)
	phys, err := s.m.Backend().Phys(context.Background())
	must(t, err)
	for _, q := range phys {
		if q == p {
			t.Error("removed phy still listed")
		}
	}
}

func TestRemovingAPhyDuringRemainOnChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, a := s.p2pDevice(PhyConfig{})
		pb, b := s.p2pDevice(PhyConfig{})
		roc(t, b, 2437, 5*time.Second)
		time.Sleep(time.Second)
		must(t, s.m.RemovePhy(pb))
		wantRemoved(t, b) // no RemainOnChannelExpired
		wantPhyGone(t, s, pb)
		// The peer sees an absent phy.
		c, err := a.SendFrame(context.Background(), radio.Tx{Frame: actionFrame(b.Info().Addr, a.Info().Addr, 0), Freq: 2437, OffChannel: true})
		must(t, err)
		if st := await[radio.TxStatus](t, a, time.Second); st.Cookie != c || st.Acked {
			t.Errorf("status %+v", st)
		}
	})
}

func TestRemovingAPhyDuringAScan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p := s.phy(PhyConfig{})
		f := s.iface(p, radio.IfStation)
		dev := s.iface(p, radio.IfP2PDevice)
		must(t, f.TriggerScan(context.Background(), radio.ScanRequest{}))
		time.Sleep(100 * time.Millisecond)
		must(t, s.m.RemovePhy(p))
		wantRemoved(t, f) // no ScanDone
		wantRemoved(t, dev)
		wantPhyGone(t, s, p)
		time.Sleep(time.Second) // nothing left scheduled for it fires into a closed stream
	})
}

func TestRemovingAPhyWithAFrameInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{Airtime: 10 * time.Millisecond})
		pa, a := s.p2pDevice(PhyConfig{})
		_, b := s.p2pDevice(PhyConfig{})
		roc(t, a, 2437, time.Second)
		roc(t, b, 2437, time.Second)
		frame := actionFrame(b.Info().Addr, a.Info().Addr, 0)
		_, err := a.SendFrame(context.Background(), radio.Tx{Frame: frame, Freq: 2437, OffChannel: true})
		must(t, err)
		time.Sleep(5 * time.Millisecond)
		must(t, s.m.RemovePhy(pa))
		wantRemoved(t, a) // no TxStatus
		// The frame was already on the air: it still arrives.
		want := []radio.Event{radio.FrameReceived{Frame: frame, Freq: 2437, Signal: DefaultSignal}}
		if diff := cmp.Diff(want, settle(100*time.Millisecond, b)); diff != "" {
			t.Errorf("peer events (-want +got):\n%s", diff)
		}
	})
}

func TestRemovingTheAPsPhyWithAConnectedStation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		l := s.associate(t, 2437)
		drain(l.ap)
		must(t, s.m.RemovePhy(l.apPhy))
		wantRemoved(t, l.ap)
		wantPhyGone(t, s, l.apPhy)
		if diff := cmp.Diff([]radio.Event{radio.Disconnected{Reason: reasonDisassocInactivity}}, settle(2*time.Second, l.sta)); diff != "" {
			t.Errorf("station events (-want +got):\n%s", diff)
		}
		wantErr(t, "EAPOL after the loss", eapolErr(l.sta.SendEAPOL(context.Background(), l.ap.Info().Addr, eapolM2)), radio.ErrNotConnected)
	})
}

func TestRemovingTheStationsPhy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		l := s.associate(t, 2437)
		drain(l.ap)
		must(t, s.m.RemovePhy(l.staPhy))
		wantRemoved(t, l.sta)
		// A vanished station sends nothing: the AP's owner finds out by
		// itself (unacknowledged frames).
		if got := settle(2*time.Second, l.ap); len(got) != 0 {
			t.Errorf("AP events %v", got)
		}
		must(t, eapolErr(l.ap.SendEAPOL(context.Background(), l.sta.Info().Addr, eapolM1)))
	})
}

func TestDeletingAnInterfaceEndsItsStreamAndItsOperations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p, f := s.p2pDevice(PhyConfig{})
		other := s.iface(p, radio.IfStation)
		roc(t, f, 2437, 5*time.Second)
		must(t, other.TriggerScan(context.Background(), radio.ScanRequest{Freqs: []int{2412}})) // queued behind the ROC
		must(t, f.Delete(context.Background()))
		wantRemoved(t, f)
		if got := p.Channel(); got != 0 {
			t.Errorf("channel after deleting the listener: %d", got)
		}
		// The other interface's scan now runs.
		if got := await[radio.ScanDone](t, other, time.Second); got.Aborted {
			t.Error("scan aborted")
		}
		g, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PDevice})
		if err != nil {
			t.Fatalf("a new P2P device after deleting the old one: %v", err)
		}
		s.ifaces = append(s.ifaces, g)
	})
}
