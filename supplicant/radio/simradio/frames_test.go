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

func TestActionFramesReachOnlyAPhyOnTheSameChannel(t *testing.T) {
	tests := []struct {
		name      string
		peerFreq  int  // B's remain-on-channel frequency, 0: B listens nowhere
		peerGone  bool // B's phy is removed before A sends
		group     bool // A sends to broadcast
		wantRx    bool
		wantAcked bool
	}{
		{name: "peer on the channel", peerFreq: 2437, wantRx: true, wantAcked: true},
		{name: "peer on another channel", peerFreq: 2412},
		{name: "peer listening nowhere", peerFreq: 0},
		{name: "peer removed", peerFreq: 2437, peerGone: true},
		{name: "group addressed to a listener", peerFreq: 2437, group: true, wantRx: true, wantAcked: true},
		{name: "group addressed to nobody", peerFreq: 2412, group: true, wantAcked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				_, a := s.p2pDevice(PhyConfig{})
				pb, b := s.p2pDevice(PhyConfig{})
				if tt.peerFreq != 0 {
					roc(t, b, tt.peerFreq, time.Second)
				}
				if tt.peerGone {
					must(t, s.m.RemovePhy(pb))
				}
				dst := b.Info().Addr
				if tt.group {
					dst = ieee80211.Broadcast
				}
				frame := actionFrame(dst, a.Info().Addr, 7)
				c, err := a.SendFrame(context.Background(), radio.Tx{Frame: frame, Freq: 2437, OffChannel: true, NoCCK: true})
				must(t, err)

				var want []radio.Event
				if tt.wantRx {
					want = append(want, radio.FrameReceived{Frame: frame, Freq: 2437, Signal: DefaultSignal})
				}
				if tt.peerGone {
					want = append(want, radio.InterfaceRemoved{})
				}
				if diff := cmp.Diff(want, settle(100*time.Millisecond, b)); diff != "" {
					t.Errorf("peer events (-want +got):\n%s", diff)
				}
				wantA := []radio.Event{radio.TxStatus{Cookie: c, Acked: tt.wantAcked, Frame: frame}}
				if diff := cmp.Diff(wantA, drain(a)); diff != "" {
					t.Errorf("sender events (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestUnicastFramesAreAckedWithoutARegistration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, a := s.p2pDevice(PhyConfig{})
		b := s.iface(s.phy(PhyConfig{}), radio.IfP2PDevice) // registers nothing
		roc(t, b, 2437, time.Second)
		frame := actionFrame(b.Info().Addr, a.Info().Addr, 1)
		c, err := a.SendFrame(context.Background(), radio.Tx{Frame: frame, Freq: 2437, OffChannel: true})
		must(t, err)
		if got := settle(100*time.Millisecond, b); len(got) != 0 {
			t.Errorf("unregistered peer got %v", got)
		}
		if diff := cmp.Diff([]radio.Event{radio.TxStatus{Cookie: c, Acked: true, Frame: frame}}, drain(a)); diff != "" {
			t.Errorf("sender events (-want +got):\n%s", diff)
		}
	})
}

func TestRegistrationsMatchSubtypeAndBodyPrefix(t *testing.T) {
	tests := []struct {
		name   string
		match  radio.FrameMatch
		wantRx bool
	}{
		{"subtype only", radio.FrameMatch{Subtype: ieee80211.SubtypeAction}, true},
		{"P2P public action prefix", radio.FrameMatch{Subtype: ieee80211.SubtypeAction, Match: p2pPublicPrefix}, true},
		{"other OUI type", radio.FrameMatch{Subtype: ieee80211.SubtypeAction, Match: []byte{categoryPublic, 9, 0x50, 0x6f, 0x9a, 0x10}}, false},
		{"other subtype", radio.FrameMatch{Subtype: ieee80211.SubtypeProbeReq}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				_, a := s.p2pDevice(PhyConfig{})
				b := s.iface(s.phy(PhyConfig{}), radio.IfP2PDevice)
				must(t, b.RegisterFrame(context.Background(), tt.match))
				roc(t, b, 2412, time.Second)
				frame := actionFrame(b.Info().Addr, a.Info().Addr, 1)
				_, err := a.SendFrame(context.Background(), radio.Tx{Frame: frame, Freq: 2412, OffChannel: true})
				must(t, err)
				got := len(onlyType[radio.FrameReceived](settle(100*time.Millisecond, b))) == 1
				if got != tt.wantRx {
					t.Errorf("received %v, want %v", got, tt.wantRx)
				}
			})
		})
	}
}

func TestRegisterFrameRejectsOverlappingMatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, f := s.p2pDevice(PhyConfig{}) // registered for {Action, 04}
		ctx := context.Background()
		wantErr(t, "longer prefix", f.RegisterFrame(ctx, radio.FrameMatch{Subtype: ieee80211.SubtypeAction, Match: p2pPublicPrefix}), radio.ErrBusy)
		wantErr(t, "shorter prefix", f.RegisterFrame(ctx, radio.FrameMatch{Subtype: ieee80211.SubtypeAction}), radio.ErrBusy)
		must(t, f.RegisterFrame(ctx, radio.FrameMatch{Subtype: ieee80211.SubtypeAction, Match: []byte{127}}))
		must(t, f.RegisterFrame(ctx, radio.FrameMatch{Subtype: ieee80211.SubtypeProbeReq}))
		wantErr(t, "subtype 16", f.RegisterFrame(ctx, radio.FrameMatch{Subtype: 16}), radio.ErrInvalid)
	})
}

func TestSendFrameRejectsBadRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, a := s.p2pDevice(PhyConfig{})
		frame := actionFrame(ieee80211.Broadcast, a.Info().Addr, 1)
		tests := []struct {
			name string
			tx   radio.Tx
			want error
		}{
			{"off-channel not allowed", radio.Tx{Frame: frame, Freq: 2437}, radio.ErrBusy},
			{"no frequency without an operating channel", radio.Tx{Frame: frame, OffChannel: true}, radio.ErrInvalid},
			{"unknown frequency", radio.Tx{Frame: frame, Freq: 2400, OffChannel: true}, radio.ErrInvalid},
			{"no-IR channel", radio.Tx{Frame: frame, Freq: 5260, OffChannel: true}, radio.ErrNoChannel},
			{"disabled channel", radio.Tx{Frame: frame, Freq: 5280, OffChannel: true}, radio.ErrNoChannel},
			{"wait beyond the maximum", radio.Tx{Frame: frame, Freq: 2437, OffChannel: true, Wait: 6 * time.Second}, radio.ErrInvalid},
			{"short frame", radio.Tx{Frame: frame[:23], Freq: 2437, OffChannel: true}, radio.ErrInvalid},
			{"data frame", radio.Tx{Frame: append([]byte{0x08}, frame[1:]...), Freq: 2437, OffChannel: true}, radio.ErrInvalid},
		}
		for _, tt := range tests {
			_, err := a.SendFrame(context.Background(), tt.tx)
			wantErr(t, tt.name, err, tt.want)
		}
		if got := drain(a); len(got) != 0 {
			t.Errorf("rejected frames produced events %v", got)
		}
	})
}

func TestNoAckFramesHaveNoTxStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		_, a := s.p2pDevice(PhyConfig{})
		_, b := s.p2pDevice(PhyConfig{})
		roc(t, b, 2437, time.Second)
		frame := actionFrame(b.Info().Addr, a.Info().Addr, 1)
		_, err := a.SendFrame(context.Background(), radio.Tx{Frame: frame, Freq: 2437, OffChannel: true, NoAck: true})
		must(t, err)
		if got := onlyType[radio.FrameReceived](settle(100*time.Millisecond, b)); len(got) != 1 {
			t.Errorf("peer got %d frames, want 1", len(got))
		}
		if got := drain(a); len(got) != 0 {
			t.Errorf("NoAck frame produced %v", got)
		}
	})
}

func TestTxStatusFollowsTheAirtimeInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{Airtime: 2 * time.Millisecond})
		_, a := s.p2pDevice(PhyConfig{})
		_, b := s.p2pDevice(PhyConfig{})
		ra := roc(t, a, 2462, time.Second)
		roc(t, b, 2462, time.Second)
		start := time.Now()
		var cookies []radio.Cookie
		for i := range 3 {
			c, err := a.SendFrame(context.Background(), radio.Tx{Frame: actionFrame(b.Info().Addr, a.Info().Addr, byte(i)), Freq: 2462, OffChannel: true})
			must(t, err)
			cookies = append(cookies, c)
		}
		for i, c := range cookies {
			st := await[radio.TxStatus](t, a, time.Second)
			if st.Cookie != c || !st.Acked {
				t.Errorf("status %d: cookie %d acked %v, want cookie %d acked", i, st.Cookie, st.Acked, c)
			}
			if got, want := time.Since(start), time.Duration(i+1)*2*time.Millisecond; got != want {
				t.Errorf("status %d after %v, want %v", i, got, want)
			}
		}
		must(t, a.CancelRemainOnChannel(context.Background(), ra))
	})
}

func TestFrameWaitKeepsThePhyOnTheChannelUntilCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		pa, a := s.p2pDevice(PhyConfig{})
		_, b := s.p2pDevice(PhyConfig{})
		roc(t, b, 2412, 5*time.Second)
		ctx := context.Background()
		c, err := a.SendFrame(ctx, radio.Tx{Frame: actionFrame(b.Info().Addr, a.Info().Addr, 1), Freq: 2412, OffChannel: true, Wait: 300 * time.Millisecond})
		must(t, err)
		if got := await[radio.TxStatus](t, a, time.Second); got.Cookie != c || !got.Acked {
			t.Fatalf("status %+v", got)
		}
		// B answers within the wait: A hears it.
		reply := actionFrame(a.Info().Addr, b.Info().Addr, 1)
		_, err = b.SendFrame(ctx, radio.Tx{Frame: reply, Freq: 2412, OffChannel: true})
		must(t, err)
		if got := await[radio.FrameReceived](t, a, 50*time.Millisecond); string(got.Frame) != string(reply) {
			t.Errorf("A got %x", got.Frame)
		}
		if st := await[radio.TxStatus](t, b, time.Second); !st.Acked {
			t.Errorf("B's answer within the wait was not acked")
		}
		if got := pa.Channel(); got != 2412 {
			t.Errorf("A's channel during the wait: %d", got)
		}
		must(t, a.CancelFrameWait(ctx, c))
		if got := pa.Channel(); got != 0 {
			t.Errorf("A's channel after cancelling the wait: %d", got)
		}
		wantErr(t, "second cancel", a.CancelFrameWait(ctx, c), radio.ErrNotFound)
		// A second answer is lost: A left the channel.
		_, err = b.SendFrame(ctx, radio.Tx{Frame: reply, Freq: 2412, OffChannel: true})
		must(t, err)
		if got := onlyType[radio.FrameReceived](settle(100*time.Millisecond, a)); len(got) != 0 {
			t.Errorf("A heard %d frames after leaving the channel", len(got))
		}
		if st := await[radio.TxStatus](t, b, time.Second); st.Acked {
			t.Errorf("B's frame to an absent A was acked")
		}
	})
}

func TestFrameWaitEndsByItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		pa, a := s.p2pDevice(PhyConfig{})
		start := time.Now()
		_, err := a.SendFrame(context.Background(), radio.Tx{Frame: actionFrame(ieee80211.Broadcast, a.Info().Addr, 1), Freq: 2412, OffChannel: true, Wait: 100 * time.Millisecond})
		must(t, err)
		time.Sleep(DefaultSwitchDelay + DefaultAirtime + 100*time.Millisecond - time.Microsecond)
		synctest.Wait()
		if got := pa.Channel(); got != 2412 {
			t.Errorf("channel just before the wait ends: %d", got)
		}
		time.Sleep(time.Microsecond)
		synctest.Wait()
		if got := pa.Channel(); got != 0 {
			t.Errorf("channel after %v: %d", time.Since(start), got)
		}
	})
}
