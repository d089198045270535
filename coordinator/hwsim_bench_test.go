package coordinator

// The connect benchmark against wpa_supplicant in the hwsim VM
// (P2P_HWSIM_BENCH=1; see hwsim_test.go for how to run it).

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/internal/hwsimtest"
)

// wpasKnows tells whether w has peer in its peer table.
func wpasKnows(w *hwsimtest.WpaSupplicant, peer string) bool {
	r, err := w.Request("IFNAME=" + w.P2PDevice() + " P2P_PEER " + peer)
	return err == nil && !strings.HasPrefix(r, "FAIL")
}

// wpasDiscover makes two wpa_supplicants know each other.
func wpasDiscover(t *testing.T, a, b *hwsimtest.WpaSupplicant) {
	t.Helper()
	afrom, bfrom := a.Mark(), b.Mark()
	a.OK(t, "IFNAME=%s P2P_FIND type=social", a.P2PDevice())
	b.OK(t, "IFNAME=%s P2P_FIND type=social", b.P2PDevice())
	if _, ok := a.Wait(afrom, hwsimtest.FindTimeout, "P2P-DEVICE-FOUND "+b.DeviceAddress()); !ok && !wpasKnows(a, b.DeviceAddress()) {
		t.Fatal("wpa_supplicant a did not find b")
	}
	if _, ok := b.Wait(bfrom, hwsimtest.FindTimeout, "P2P-DEVICE-FOUND "+a.DeviceAddress()); !ok && !wpasKnows(b, a.DeviceAddress()) {
		t.Fatal("wpa_supplicant b did not find a")
	}
	_, _ = a.Request("IFNAME=" + a.P2PDevice() + " P2P_STOP_FIND")
	_, _ = b.Request("IFNAME=" + b.P2PDevice() + " P2P_STOP_FIND")
}

// TestHwsimBenchmarkConnect measures the connect time, from the start of
// the GO Negotiation (our Connect call, or the initiating
// wpa_supplicant's P2P_CONNECT) to the group up with an IPv4 address on
// both sides (the client's from the IP Address Allocation in the 4-way
// handshake): our coordinator as GO against wpa_supplicant, and two
// wpa_supplicants (the initiator GO). Discovery is done before the clock
// starts.
func TestHwsimBenchmarkConnect(t *testing.T) {
	hwsimtest.RequireBench(t)
	const runs = 20
	nsA := hwsimtest.NewNetNS(t, "coord-bench-a")
	nsA.MovePhyOf(t, "wlan1")
	nsB := hwsimtest.NewNetNS(t, "coord-bench-b")
	nsB.MovePhyOf(t, "wlan2")
	a := hwsimtest.StartWpaSupplicant(t, hwsimtest.WpaConfig{Netdev: "wlan1", NetNS: nsA, Name: "wpas-a", Extra: hwsimtest.GOAddressingConf})
	b := hwsimtest.StartWpaSupplicant(t, hwsimtest.WpaConfig{Netdev: "wlan2", NetNS: nsB, Name: "wpas-b", ListenChannel: 11, Extra: hwsimtest.GOAddressingConf})
	us := startHwCoord(t, "p2pmanager-bench", nil)
	p := &hwPair{us: us, w: a, wns: nsA, them: parseMAC(t, a.DeviceAddress())}
	pb := &hwPair{us: us, w: b, wns: nsB, them: parseMAC(t, b.DeviceAddress())}
	has4 := func(g api.GroupInfo) bool { _, ok := v4(g.LocalAddresses); return ok }

	var oursT, oursClientT, wpasT []time.Duration
	for i := range runs {
		// p2pmanager (GO) <-> wpa_supplicant a (client).
		if !us.knows(p.them) || !wpasKnows(a, us.addr.String()) {
			p.discover(t)
		}
		us.stopDiscovery(t)
		from := a.Mark()
		a.P2P(t, "P2P_CONNECT %v pbc auth go_intent=0", us.addr)
		a.OK(t, "IFNAME=%s P2P_LISTEN", a.P2PDevice())
		nfrom := us.mark()
		start := time.Now()
		id, err := us.dev.Connect(opCtx(t, formTimeout), p.them, api.ConnectOptions{Method: api.MethodPBC, GOIntent: 15, HasGOIntent: true})
		if err != nil {
			t.Fatalf("run %d: Connect: %v\nour events:\n%swpa_supplicant's:\n%s", i, err, us.summary(nfrom), eventList(a, from))
		}
		_, ourUp, ok := us.waitGroup(nfrom, hwsimtest.OpTimeout, id, has4)
		if !ok {
			t.Fatalf("run %d: our group has no address", i)
		}
		gs, ev := wpasGroupStarted(t, a, from, hwsimtest.OpTimeout)
		if !gs.IPAddr.IsValid() {
			t.Fatalf("run %d: wpa_supplicant got no address: %s", i, ev.Text)
		}
		oursT = append(oursT, maxTime(ourUp, ev.At).Sub(start))
		rfrom := a.Mark()
		us.leave(t, id)
		if _, ok := a.Wait(rfrom, hwsimtest.OpTimeout, "P2P-GROUP-REMOVED"); !ok {
			t.Fatalf("run %d: wpa_supplicant's group did not end", i)
		}

		// p2pmanager (client, initiator) <-> wpa_supplicant b (GO): our
		// client knows the GO's channel and BSSID from the negotiation.
		if !us.knows(pb.them) || !wpasKnows(b, us.addr.String()) {
			pb.discover(t)
		}
		us.stopDiscovery(t)
		bfrom0 := b.Mark()
		b.P2P(t, "P2P_CONNECT %v pbc auth go_intent=15", us.addr)
		b.OK(t, "IFNAME=%s P2P_LISTEN", b.P2PDevice())
		nfrom = us.mark()
		start = time.Now()
		id, err = us.dev.Connect(opCtx(t, formTimeout), pb.them, api.ConnectOptions{Method: api.MethodPBC, GOIntent: 0, HasGOIntent: true})
		if err != nil {
			t.Fatalf("run %d: Connect as client: %v\nour events:\n%swpa_supplicant's:\n%s", i, err, us.summary(nfrom), eventList(b, bfrom0))
		}
		_, ourUp, ok = us.waitGroup(nfrom, hwsimtest.OpTimeout, id, has4)
		if !ok {
			t.Fatalf("run %d: our client has no address", i)
		}
		bgs0, bev0 := wpasGroupStarted(t, b, bfrom0, hwsimtest.OpTimeout)
		if bgs0.Role != "GO" {
			t.Fatalf("run %d: wpa_supplicant b %s", i, bev0.Text)
		}
		oursClientT = append(oursClientT, maxTime(ourUp, bev0.At).Sub(start))
		rfrom = b.Mark()
		us.leave(t, id)
		_, _ = b.Request("IFNAME=" + b.P2PDevice() + " P2P_GROUP_REMOVE *")
		b.Wait(rfrom, hwsimtest.OpTimeout, "P2P-GROUP-REMOVED")

		// wpa_supplicant b (GO, initiator) <-> wpa_supplicant a (client).
		if !wpasKnows(a, b.DeviceAddress()) || !wpasKnows(b, a.DeviceAddress()) {
			wpasDiscover(t, a, b)
		}
		afrom, bfrom := a.Mark(), b.Mark()
		a.P2P(t, "P2P_CONNECT %s pbc auth go_intent=0", b.DeviceAddress())
		a.OK(t, "IFNAME=%s P2P_LISTEN", a.P2PDevice())
		start = time.Now()
		b.P2P(t, "P2P_CONNECT %s pbc go_intent=15", a.DeviceAddress())
		bgs, bev := wpasGroupStarted(t, b, bfrom, formTimeout)
		ags, aev := wpasGroupStarted(t, a, afrom, hwsimtest.OpTimeout)
		if bgs.Role != "GO" || !ags.IPAddr.IsValid() {
			t.Fatalf("run %d: b %s; a %s", i, bev.Text, aev.Text)
		}
		wpasT = append(wpasT, maxTime(bev.At, aev.At).Sub(start))
		afrom, bfrom = a.Mark(), b.Mark()
		_, _ = a.Request("IFNAME=" + a.P2PDevice() + " P2P_GROUP_REMOVE *")
		_, _ = b.Request("IFNAME=" + b.P2PDevice() + " P2P_GROUP_REMOVE *")
		a.Wait(afrom, hwsimtest.OpTimeout, "P2P-GROUP-REMOVED")
		b.Wait(bfrom, hwsimtest.OpTimeout, "P2P-GROUP-REMOVED")
		t.Logf("run %d: p2pmanager GO %v, p2pmanager client %v, wpa_supplicant %v", i, oursT[i].Round(time.Millisecond),
			oursClientT[i].Round(time.Millisecond), wpasT[i].Round(time.Millisecond))
		time.Sleep(500 * time.Millisecond)
	}
	o50, o95 := hwsimtest.Percentiles(oursT)
	c50, c95 := hwsimtest.Percentiles(oursClientT)
	w50, w95 := hwsimtest.Percentiles(wpasT)
	table := fmt.Sprintf("connect time (GO Negotiation start to group up with IPv4 on both sides), push button, %d runs each:\n"+
		"  %-40s %10s %10s\n  %-40s %10v %10v\n  %-40s %10v %10v\n  %-40s %10v %10v\n",
		runs, "", "p50", "p95",
		"p2pmanager (GO) <-> wpa_supplicant", o50.Round(time.Millisecond), o95.Round(time.Millisecond),
		"p2pmanager (client) <-> wpa_supplicant GO", c50.Round(time.Millisecond), c95.Round(time.Millisecond),
		"wpa_supplicant (GO) <-> wpa_supplicant", w50.Round(time.Millisecond), w95.Round(time.Millisecond))
	t.Log(table)
	t.Logf("raw p2pmanager GO %v", oursT)
	t.Logf("raw p2pmanager client %v", oursClientT)
	t.Logf("raw wpa_supplicant %v", wpasT)
	fmt.Print(table)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
