package simradio

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

func TestFiftyPhysInRemainOnChannelHearEachOthersBroadcasts(t *testing.T) {
	const n = 50
	const rounds = 5
	began := time.Now()
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		devs := make([]radio.Interface, n)
		for i := range devs {
			_, devs[i] = s.p2pDevice(PhyConfig{})
		}
		for _, f := range devs {
			_, err := f.RemainOnChannel(context.Background(), 2437, 2*time.Second)
			must(t, err)
		}
		time.Sleep(10 * time.Millisecond)
		for r := range rounds {
			for _, f := range devs {
				_, err := f.SendFrame(context.Background(), radio.Tx{
					Frame: actionFrame(ieee80211.Broadcast, f.Info().Addr, byte(r)), Freq: 2437, OffChannel: true, NoCCK: true,
				})
				must(t, err)
			}
		}
		time.Sleep(100 * time.Millisecond)
		for i, f := range devs {
			from := map[ieee80211.MAC]int{}
			acked := 0
			for _, e := range drain(f) {
				switch e := e.(type) {
				case radio.FrameReceived:
					h, _, _ := parseMgmt(e.Frame)
					from[h.addr2]++
				case radio.TxStatus:
					if e.Acked {
						acked++
					}
				}
			}
			if len(from) != n-1 || acked != rounds {
				t.Errorf("phy %d heard %d peers, %d of its frames acked", i, len(from), acked)
			}
			for a, k := range from {
				if k != rounds {
					t.Errorf("phy %d heard %d frames from %v, want %d", i, k, a, rounds)
				}
			}
		}
	})
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("took %v of real time", d)
	}
	t.Logf("%d phys × %d rounds of broadcasts: %v of real time", n, rounds, time.Since(began))
}
