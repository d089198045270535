package p2p

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
)

// discoverPeers has a searching device find n listening peers on a fresh
// medium and returns how long it took (virtual time inside a synctest
// bubble, real time outside).
func discoverPeers(tb testing.TB, n int, seed uint64) time.Duration {
	tb.Helper()
	s := newSimNet(tb, simradio.Options{})
	s.seed = seed
	defer s.close()
	seeker := s.add("seeker", nil)
	var peers []*simNode
	ctx := context.Background()
	for i := range n {
		p := s.add(fmt.Sprintf("peer-%d", i), func(c *Config) { c.ListenChannel = []int{1, 6, 11}[i%3] })
		if err := p.dev.Listen(ctx, ListenOptions{}); err != nil {
			tb.Fatal(err)
		}
		peers = append(peers, p)
	}
	start := time.Now()
	if err := seeker.dev.Find(ctx, FindOptions{Type: FindSocial}); err != nil {
		tb.Fatal(err)
	}
	for _, p := range peers {
		if _, ok := seeker.found(time.Minute, p); !ok {
			tb.Fatalf("%v not found", p)
		}
	}
	return time.Since(start)
}

// negotiateOnce runs one GO Negotiation between two devices that know
// each other and returns its duration as the initiator measured it.
func negotiateOnce(tb testing.TB, a, b *simNode) time.Duration {
	tb.Helper()
	ctx := context.Background()
	if err := b.dev.Authorize(ctx, a.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(0)}); err != nil {
		tb.Fatal(err)
	}
	res, err := a.dev.Connect(ctx, b.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(15)})
	if err != nil {
		tb.Fatal(err)
	}
	return res.Done.Sub(res.Started)
}

// BenchmarkSimDiscovery10Peers: a searching device finds 10 listening
// peers on the simulated medium (real clock: ns/op is protocol time).
func BenchmarkSimDiscovery10Peers(b *testing.B) {
	b.ReportAllocs()
	var seed uint64
	for b.Loop() {
		seed++
		discoverPeers(b, 10, seed)
	}
}

// BenchmarkSimNegotiation: GO Negotiations between two devices on the
// simulated medium (real clock); negotiation-ms is the initiator's time
// from request to acknowledged confirmation.
func BenchmarkSimNegotiation(b *testing.B) {
	b.ReportAllocs()
	s := newSimNet(b, simradio.Options{})
	defer s.close()
	x := s.add("alpha", nil)
	y := s.add("bravo", nil)
	ctx := context.Background()
	for _, n := range []*simNode{x, y} {
		if err := n.dev.Find(ctx, FindOptions{Type: FindSocial}); err != nil {
			b.Fatal(err)
		}
	}
	if _, ok := x.found(time.Minute, y); !ok {
		b.Fatal("not found")
	}
	if _, ok := y.found(time.Minute, x); !ok {
		b.Fatal("not found")
	}
	var total time.Duration
	b.ResetTimer()
	for b.Loop() {
		total += negotiateOnce(b, x, y)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "negotiation-ms/op")
}

// TestSimBenchmarkFigures prints the same figures in virtual time
// (testing/synctest cannot run inside a benchmark): p50 and p95 of 20
// discoveries of 10 listening peers and of 20 GO Negotiations.
func TestSimBenchmarkFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("figures only")
	}
	var disc, neg []time.Duration
	for i := range 20 {
		synctest.Test(t, func(t *testing.T) { disc = append(disc, discoverPeers(t, 10, uint64(i))) })
	}
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		findEachOther(t, a, b)
		for range 20 {
			neg = append(neg, negotiateOnce(t, a, b))
			time.Sleep(time.Second)
		}
	})
	d50, d95 := percentiles(disc)
	n50, n95 := percentiles(neg)
	t.Logf("simulated medium, virtual time, 20 runs each:")
	t.Logf("  discovery of 10 listening peers (social find): p50 %v  p95 %v", d50, d95)
	t.Logf("  GO Negotiation (request to confirmation acked): p50 %v  p95 %v", n50, n95)
}
