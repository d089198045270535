package dbusapi

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// Round trips through a real dbus-daemon: a client's call, the service's
// reply. Run with go test -run '^$' -bench . ./dbusapi.

func benchMAC(i int) api.MAC { return api.MAC{0x02, 0x10, 0, byte(i >> 16), byte(i >> 8), byte(i)} }

// withPeers is a fixture whose device has n peers.
func withPeers(b *testing.B, n int) (*fixture, *dbus.Conn) {
	b.Helper()
	f := newFixture(b)
	c := f.client()
	for i := range n {
		f.backend.send(api.PeerUpdated{Device: "phy0", Info: api.PeerInfo{Address: benchMAC(i), Name: fmt.Sprintf("peer %d", i),
			Manufacturer: "ACME", Model: "M", ConfigMethods: 0x0188, DeviceCapability: 0x25, Signal: -50,
			PrimaryDeviceType: api.DeviceType{Category: 7, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 1}, LastSeen: time.Now()}})
	}
	eventually(b, 10*time.Second, "peers exported", func() bool { return len(managedObjects(b, c)) == n+1 })
	return f, c
}

// latencies runs op b.N times and reports p50 and p99.
func latencies(b *testing.B, op func()) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		op()
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(d)
	p50, p99 := d[len(d)/2], d[len(d)*99/100]
	b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	b.Logf("n=%d p50=%v p99=%v", len(d), p50, p99)
}

func BenchmarkPropertyGet(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			_, c := withPeers(b, n)
			obj := c.Object(BusName, peerPath("phy0", benchMAC(n/2)))
			latencies(b, func() {
				var v dbus.Variant
				if err := obj.Call(ifaceProperties+".Get", 0, ifacePeer, "Name").Store(&v); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkGetManagedObjects(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			_, c := withPeers(b, n)
			obj := c.Object(BusName, RootPath)
			latencies(b, func() {
				var m map[dbus.ObjectPath]map[string]map[string]dbus.Variant
				if err := obj.Call(ifaceObjectManager+".GetManagedObjects", 0).Store(&m); err != nil {
					b.Fatal(err)
				}
				if len(m) != n+1 {
					b.Fatalf("%d objects", len(m))
				}
			})
		})
	}
}

// BenchmarkSignalThroughput: each iteration changes the name of 1000 peers
// at once and waits until a client received their 1000 PropertiesChanged.
func BenchmarkSignalThroughput(b *testing.B) {
	const n = 1000
	f, c := withPeers(b, n)
	ch := signals(b, c, func(s *dbus.Signal) bool { return s.Name == ifaceProperties+".PropertiesChanged" },
		dbus.WithMatchSender(BusName), dbus.WithMatchInterface(ifaceProperties))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	total := 0
	for i := 0; b.Loop(); i++ {
		for k := range n {
			f.backend.send(api.PeerUpdated{Device: "phy0", Info: api.PeerInfo{Address: benchMAC(k), Name: fmt.Sprintf("peer %d/%d", k, i)}})
		}
		for range n {
			select {
			case <-ch:
				total++
			case <-time.After(10 * time.Second):
				b.Fatalf("only %d signals", total)
			}
		}
	}
	b.StopTimer()
	rate := float64(total) / time.Since(start).Seconds()
	b.ReportMetric(rate, "signals/s")
	b.Logf("%d PropertiesChanged in %v: %.0f/s", total, time.Since(start), rate)
}
