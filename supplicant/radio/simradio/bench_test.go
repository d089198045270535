package simradio

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// BenchmarkMediumFrames measures frames through the medium on the real
// clock with no airtime and no switch delay, so that it measures the
// medium's own cost: every phy listens on 2437 and sends unicast action
// frames to the next phy; a consumer per interface reads its events. One
// operation is one frame delivered and its TxStatus reported.
func BenchmarkMediumFrames(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("phys=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			m := NewMedium(Options{Airtime: -1, SwitchDelay: -1, EventLimit: 1 << 22})
			ctx := context.Background()
			devs := make([]radio.Interface, n)
			for i := range devs {
				p, err := m.AddPhy(PhyConfig{MaxRemainOnChannel: time.Hour})
				if err != nil {
					b.Fatal(err)
				}
				if devs[i], err = p.NewInterface(ctx, radio.InterfaceConfig{Type: radio.IfP2PDevice}); err != nil {
					b.Fatal(err)
				}
				if err := devs[i].RegisterFrame(ctx, radio.FrameMatch{Subtype: 13, Match: p2pPublicPrefix}); err != nil {
					b.Fatal(err)
				}
				if _, err := devs[i].RemainOnChannel(ctx, 2437, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
			var received, events atomic.Int64
			done := make(chan struct{})
			count := func() {
				if events.Add(1) == 2*int64(b.N) { // every frame and every status
					close(done)
				}
			}
			var consumers sync.WaitGroup
			for _, f := range devs {
				consumers.Go(func() {
					for e := range f.Events() {
						switch e.(type) {
						case radio.FrameReceived:
							received.Add(1)
							count()
						case radio.TxStatus:
							count()
						case radio.EventsLost:
							b.Error("events lost")
						}
					}
				})
			}
			for _, f := range devs { // wait until every phy is on the channel
				for f.(*iface).p.Channel() != 2437 {
					time.Sleep(time.Millisecond)
				}
			}
			frames := make([][]byte, n)
			for i, f := range devs {
				frames[i] = actionFrame(devs[(i+1)%n].Info().Addr, f.Info().Addr, 0)
			}
			b.ResetTimer()
			var senders sync.WaitGroup
			for i, f := range devs {
				k := b.N / n
				if i < b.N%n {
					k++
				}
				senders.Go(func() {
					for range k {
						if _, err := f.SendFrame(ctx, radio.Tx{Frame: frames[i], Freq: 2437, OffChannel: true}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			senders.Wait()
			if b.N > 0 {
				<-done
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
			if got := received.Load(); got != int64(b.N) {
				b.Errorf("received %d of %d", got, b.N)
			}
			m.Close()
			consumers.Wait()
		})
	}
}
