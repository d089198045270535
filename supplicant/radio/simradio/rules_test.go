package simradio

import (
	"context"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// sendMany sends n unicast action frames from a to b on 2437 (both in
// remain-on-channel there) and returns how many b received and how many
// TxStatus events reported an acknowledgement.
func sendMany(t *testing.T, a, b radio.Interface, n int) (received, acked int) {
	t.Helper()
	for i := range n {
		_, err := a.SendFrame(context.Background(), radio.Tx{Frame: actionFrame(b.Info().Addr, a.Info().Addr, byte(i)), Freq: 2437, OffChannel: true})
		must(t, err)
	}
	time.Sleep(time.Second)
	received = len(onlyType[radio.FrameReceived](drain(b)))
	for _, st := range onlyType[radio.TxStatus](drain(a)) {
		if st.Acked {
			acked++
		}
	}
	return received, acked
}

func TestDropRules(t *testing.T) {
	tests := []struct {
		name       string
		rule       func(pa, pb *Phy) Rule
		wantMin    int
		wantMax    int
		removeRule bool
	}{
		{"no rule", nil, 100, 100, false},
		{"drop everything", func(pa, pb *Phy) Rule { return Rule{From: pa.Info().PermAddr, To: pb.Info().PermAddr, Drop: 1} }, 0, 0, false},
		{"drop half", func(pa, pb *Phy) Rule { return Rule{Drop: 0.5} }, 30, 70, false},
		{"drop the other direction", func(pa, pb *Phy) Rule { return Rule{From: pb.Info().PermAddr, To: pa.Info().PermAddr, Drop: 1} }, 100, 100, false},
		{"drop by interface address", func(pa, pb *Phy) Rule { return Rule{To: pb.ifaces[0].info.Addr, Drop: 1} }, 0, 0, false},
		{"rule removed", func(pa, pb *Phy) Rule { return Rule{Drop: 1} }, 100, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{Rand: rand.NewPCG(1, 2)})
				pa, a := s.p2pDevice(PhyConfig{})
				pb, b := s.p2pDevice(PhyConfig{})
				roc(t, a, 2437, 5*time.Second)
				roc(t, b, 2437, 5*time.Second)
				if tt.rule != nil {
					id := s.m.AddRule(tt.rule(pa, pb))
					if tt.removeRule && !s.m.RemoveRule(id) {
						t.Fatal("RemoveRule found nothing")
					}
				}
				got, acked := sendMany(t, a, b, 100)
				if got < tt.wantMin || got > tt.wantMax {
					t.Errorf("received %d of 100, want %d..%d", got, tt.wantMin, tt.wantMax)
				}
				if acked != got {
					t.Errorf("%d acked, %d received", acked, got)
				}
			})
		})
	}
}

func TestDropRuleWithASeededSourceIsReproducible(t *testing.T) {
	run := func() int {
		var got int
		synctest.Test(t, func(t *testing.T) {
			s := newSim(t, Options{Rand: rand.NewPCG(7, 7)})
			_, a := s.p2pDevice(PhyConfig{})
			_, b := s.p2pDevice(PhyConfig{})
			roc(t, a, 2437, 5*time.Second)
			roc(t, b, 2437, 5*time.Second)
			s.m.AddRule(Rule{Drop: 0.5})
			got, _ = sendMany(t, a, b, 100)
		})
		return got
	}
	if x, y := run(), run(); x != y {
		t.Errorf("two runs received %d and %d", x, y)
	}
}

func TestDelayAndSignalRules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		pa, a := s.p2pDevice(PhyConfig{})
		pb, b := s.p2pDevice(PhyConfig{})
		_, c := s.p2pDevice(PhyConfig{})
		for _, f := range []radio.Interface{a, b, c} {
			roc(t, f, 2437, 5*time.Second)
		}
		s.m.AddRule(Rule{From: pa.Info().PermAddr, To: pb.Info().PermAddr, Delay: 20 * time.Millisecond, Signal: -7000})
		s.m.AddRule(Rule{From: pa.Info().PermAddr, Signal: -3000}) // later rule: only for other receivers
		start := time.Now()
		cookie, err := a.SendFrame(context.Background(), radio.Tx{Frame: actionFrame(b.Info().Addr, a.Info().Addr, 1), Freq: 2437, OffChannel: true})
		must(t, err)
		fr := await[radio.FrameReceived](t, b, time.Second)
		if d := time.Since(start); d != DefaultAirtime+20*time.Millisecond {
			t.Errorf("delayed frame arrived after %v", d)
		}
		if fr.Signal != -7000 {
			t.Errorf("signal %d, want -7000", fr.Signal)
		}
		st := await[radio.TxStatus](t, a, time.Second)
		if st.Cookie != cookie || !st.Acked || time.Since(start) != DefaultAirtime+20*time.Millisecond {
			t.Errorf("status %+v after %v", st, time.Since(start))
		}
		start = time.Now()
		_, err = a.SendFrame(context.Background(), radio.Tx{Frame: actionFrame(c.Info().Addr, a.Info().Addr, 2), Freq: 2437, OffChannel: true})
		must(t, err)
		fr = await[radio.FrameReceived](t, c, time.Second)
		if d := time.Since(start); d != DefaultAirtime || fr.Signal != -3000 {
			t.Errorf("undelayed frame after %v with signal %d", d, fr.Signal)
		}
	})
}
