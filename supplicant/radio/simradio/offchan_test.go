package simradio

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// timed is an event and when it arrived.
type timed struct {
	At time.Duration
	E  radio.Event
}

// record collects f's events with their arrival times until the stream
// ends or d passes.
func record(f radio.Interface, start time.Time, d time.Duration) []timed {
	var out []timed
	deadline := time.After(d)
	for {
		select {
		case e, ok := <-f.Events():
			if !ok {
				return out
			}
			out = append(out, timed{time.Since(start), e})
		case <-deadline:
			return out
		}
	}
}

func TestRemainOnChannelStartsAfterTheSwitchAndExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p, f := s.p2pDevice(PhyConfig{})
		start := time.Now()
		c, err := f.RemainOnChannel(context.Background(), 2437, 500*time.Millisecond)
		must(t, err)
		synctest.Wait()
		if got := p.Channel(); got != 0 {
			t.Errorf("channel while retuning: %d", got)
		}
		want := []timed{
			{DefaultSwitchDelay, radio.RemainOnChannelStarted{Cookie: c, Freq: 2437, Duration: 500 * time.Millisecond}},
			{DefaultSwitchDelay + 500*time.Millisecond, radio.RemainOnChannelExpired{Cookie: c, Freq: 2437}},
		}
		if diff := cmp.Diff(want, record(f, start, time.Second)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if got := p.Channel(); got != 0 {
			t.Errorf("channel after expiry: %d", got)
		}
	})
}

func TestRemainOnChannelRejectsBadDurationsAndChannels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, f := s.p2pDevice(PhyConfig{MaxRemainOnChannel: time.Second})
		tests := []struct {
			name string
			freq int
			d    time.Duration
			want error
		}{
			{"above the maximum", 2412, time.Second + 1, radio.ErrInvalid},
			{"zero duration", 2412, 0, radio.ErrInvalid},
			{"unknown frequency", 2411, time.Second, radio.ErrInvalid},
			{"disabled channel", 5280, time.Second, radio.ErrNoChannel},
		}
		for _, tt := range tests {
			_, err := f.RemainOnChannel(context.Background(), tt.freq, tt.d)
			wantErr(t, tt.name, err, tt.want)
		}
		// Listening on a no-IR channel is allowed.
		roc(t, f, 5260, time.Second)
	})
}

func TestCancelRemainOnChannelExpiresAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p, f := s.p2pDevice(PhyConfig{})
		ctx := context.Background()
		c := roc(t, f, 2412, 5*time.Second)
		time.Sleep(time.Second)
		must(t, f.CancelRemainOnChannel(ctx, c))
		want := []radio.Event{radio.RemainOnChannelExpired{Cookie: c, Freq: 2412}}
		if diff := cmp.Diff(want, drain(f)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if got := p.Channel(); got != 0 {
			t.Errorf("channel after cancel: %d", got)
		}
		wantErr(t, "cancel again", f.CancelRemainOnChannel(ctx, c), radio.ErrNotFound)
		if got := settle(10*time.Second, f); len(got) != 0 {
			t.Errorf("events after cancel: %v", got)
		}
	})
}

func TestConcurrentRemainOnChannelRequestsQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, f := s.p2pDevice(PhyConfig{})
		ctx := context.Background()
		start := time.Now()
		c1, err := f.RemainOnChannel(ctx, 2412, 100*time.Millisecond)
		must(t, err)
		c2, err := f.RemainOnChannel(ctx, 2437, 100*time.Millisecond)
		must(t, err)
		c3, err := f.RemainOnChannel(ctx, 2412, 50*time.Millisecond) // joins the first: same channel
		must(t, err)
		sw := DefaultSwitchDelay
		want := []timed{
			{sw, radio.RemainOnChannelStarted{Cookie: c1, Freq: 2412, Duration: 100 * time.Millisecond}},
			{sw, radio.RemainOnChannelStarted{Cookie: c3, Freq: 2412, Duration: 50 * time.Millisecond}},
			{sw + 50*time.Millisecond, radio.RemainOnChannelExpired{Cookie: c3, Freq: 2412}},
			{sw + 100*time.Millisecond, radio.RemainOnChannelExpired{Cookie: c1, Freq: 2412}},
			{2*sw + 100*time.Millisecond, radio.RemainOnChannelStarted{Cookie: c2, Freq: 2437, Duration: 100 * time.Millisecond}},
			{2*sw + 200*time.Millisecond, radio.RemainOnChannelExpired{Cookie: c2, Freq: 2437}},
		}
		if diff := cmp.Diff(want, record(f, start, time.Second)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

func TestCancellingAQueuedRemainOnChannelNeverStartsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, f := s.p2pDevice(PhyConfig{})
		ctx := context.Background()
		c1, err := f.RemainOnChannel(ctx, 2412, 100*time.Millisecond)
		must(t, err)
		c2, err := f.RemainOnChannel(ctx, 2437, 100*time.Millisecond)
		must(t, err)
		must(t, f.CancelRemainOnChannel(ctx, c2))
		want := []radio.Event{
			radio.RemainOnChannelExpired{Cookie: c2, Freq: 2437},
			radio.RemainOnChannelStarted{Cookie: c1, Freq: 2412, Duration: 100 * time.Millisecond},
			radio.RemainOnChannelExpired{Cookie: c1, Freq: 2412},
		}
		if diff := cmp.Diff(want, settle(time.Second, f)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

func TestRemainOnTheOperatingChannelStartsWithoutRetuning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, ap := s.startAP(PhyConfig{}, radio.IfP2PGO, "DIRECT-ab", 2412, 100)
		start := time.Now()
		c, err := ap.RemainOnChannel(context.Background(), 2412, 100*time.Millisecond)
		must(t, err)
		want := []timed{
			{0, radio.RemainOnChannelStarted{Cookie: c, Freq: 2412, Duration: 100 * time.Millisecond}},
			{100 * time.Millisecond, radio.RemainOnChannelExpired{Cookie: c, Freq: 2412}},
		}
		if diff := cmp.Diff(want, record(ap, start, time.Second)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}
