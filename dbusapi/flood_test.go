package dbusapi

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Bad-input 4c #10: a flood of calls from one sender. At most 16 of its
// calls are in flight (the rest get Busy at once, before any work), and
// another client is served meanwhile.
func TestAFloodOfCallsFromOneSenderIsBoundedAndOthersAreStillServed(t *testing.T) {
	f := newFixture(t)
	discovered(t, f)
	f.dev.mu.Lock()
	f.dev.gate = make(chan struct{})
	f.dev.mu.Unlock()
	baseline := runtime.NumGoroutine()

	flooder := f.client()
	const n = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	replies := make(chan *dbus.Call, n)
	obj := flooder.Object(BusName, peerA())
	start := time.Now()
	for range n {
		obj.GoWithContext(ctx, ifacePeer+".Connect", 0, replies, map[string]dbus.Variant{"bind": dbus.MakeVariant("none")})
	}
	busy := 0
	for busy < n-16 {
		select {
		case r := <-replies:
			if errName(r.Err) != ErrorPrefix+"Busy" {
				t.Fatalf("reply %d: %v, want Busy", busy, r.Err)
			}
			busy++
		case <-ctx.Done():
			t.Fatalf("only %d Busy replies", busy)
		}
	}
	t.Logf("%d calls refused with Busy in %v", busy, time.Since(start))

	// Another client is served while the flooder holds 16 calls.
	other := f.client()
	t0 := time.Now()
	if got := getProp(t, other, phy0, ifaceDevice, "Name").Value(); got != "laptop" {
		t.Errorf("Name = %v", got)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("another client waited %v during the flood", d)
	}
	if err := callErr(t, other, phy0, ifaceDevice+".StartListen", map[string]dbus.Variant{}); err != nil {
		t.Errorf("another client's call during the flood: %v", err)
	}
	// The flooder itself is at its bound.
	if err := callErr(t, flooder, RootPath, ifaceProperties+".Get", ifaceManager, "Version"); errName(err) != ErrorPrefix+"Busy" {
		t.Errorf("17th call of the flooder: %v, want Busy", err)
	}
	if in := f.svc.clients.inFlight(flooder.Names()[0]); in != 16 {
		t.Errorf("%d calls in flight for the flooder, want 16", in)
	}
	if g := runtime.NumGoroutine() - baseline; g > 200 {
		t.Errorf("%d more goroutines than before the flood", g)
	}

	close(f.dev.gate)
	for range 16 {
		select {
		case r := <-replies:
			if r.Err != nil {
				t.Errorf("admitted call: %v", r.Err)
			}
		case <-ctx.Done():
			t.Fatal("admitted calls did not complete")
		}
	}
	f.dev.mu.Lock()
	defer f.dev.mu.Unlock()
	if f.dev.maxInflight > 16 {
		t.Errorf("%d Connects reached the backend at once, want at most 16", f.dev.maxInflight)
	}
}
