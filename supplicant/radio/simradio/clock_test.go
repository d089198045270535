package simradio

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/clock"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

func TestMediumRunsOnAnInjectedClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := clock.NewFake(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		s := newSim(t, Options{Clock: fake})
		p, f := s.p2pDevice(PhyConfig{})
		c, err := f.RemainOnChannel(context.Background(), 2412, 100*time.Millisecond)
		must(t, err)
		time.Sleep(time.Hour) // the bubble's clock is not the medium's
		if got := drain(f); len(got) != 0 {
			t.Fatalf("events before the fake clock moved: %v", got)
		}
		fake.Advance(DefaultSwitchDelay - time.Nanosecond)
		if got := drain(f); len(got) != 0 || p.Channel() != 0 {
			t.Fatalf("started early: %v", got)
		}
		fake.Advance(time.Nanosecond)
		want := []radio.Event{radio.RemainOnChannelStarted{Cookie: c, Freq: 2412, Duration: 100 * time.Millisecond}}
		if diff := cmp.Diff(want, drain(f)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		fake.Advance(100 * time.Millisecond)
		want = []radio.Event{radio.RemainOnChannelExpired{Cookie: c, Freq: 2412}}
		if diff := cmp.Diff(want, drain(f)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

func TestMediumRunsOnTheRealClockOutsideABubble(t *testing.T) {
	m := NewMedium(Options{SwitchDelay: time.Millisecond})
	defer m.Close()
	p, err := m.AddPhy(PhyConfig{})
	must(t, err)
	f, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PDevice})
	must(t, err)
	start := time.Now()
	c, err := f.RemainOnChannel(context.Background(), 2412, 20*time.Millisecond)
	must(t, err)
	if e := await[radio.RemainOnChannelExpired](t, f, 5*time.Second); e.Cookie != c {
		t.Errorf("expired %+v", e)
	}
	if d := time.Since(start); d < 21*time.Millisecond {
		t.Errorf("expired after %v of real time", d)
	}
	must(t, f.Delete(context.Background()))
	for range f.Events() {
	}
}
