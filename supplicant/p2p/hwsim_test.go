package p2p

// Interoperability tests against wpa_supplicant 2.10 on the real kernel:
// mac80211_hwsim with three radios, in the VM (scripts/vm-tests.sh, or by
// hand from the checkout:
//
//	go test -c -o p2p.test ./supplicant/p2p &&
//	P2P_HWSIM=1 /work/shared/hwsim/vm-run --radios 3 --timeout 900 -- ./p2p.test -test.v -test.run Hwsim
//
// Our device runs on the P2P Device of the first radio (phy of wlan0);
// wpa_supplicant runs on wlan1 (and wlan2 for the benchmarks), so each has
// its own radio. Every test stops its wpa_supplicant and deletes its
// interfaces, leaving the radios as it found them. P2P_HWSIM_BENCH=1 adds
// the (long) benchmarks; P2P_TRACE=1 logs our device's trace.

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/internal/hwsimtest"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/nl80211"
)

// Generous waits: the VM runs under TCG, several times slower than a host.
const (
	hwsimFind = 60 * time.Second
	hwsimOp   = 90 * time.Second
)

func requireHwsim(t *testing.T) {
	t.Helper()
	hwsimtest.Require(t)
}

// phyOf returns the radio of a netdev (wlan0...).
func phyOf(t *testing.T, b *nl80211.Backend, netdev string) radio.Phy {
	t.Helper()
	name, err := os.ReadFile("/sys/class/net/" + netdev + "/phy80211/name")
	if err != nil {
		t.Fatalf("%s: %v", netdev, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hwsimOp)
	defer cancel()
	phys, err := b.Phys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range phys {
		if p.Info().Name == strings.TrimSpace(string(name)) {
			return p
		}
	}
	t.Fatalf("no phy %q for %s", name, netdev)
	return nil
}

// ourHwsimDevice starts our device on the radio of wlan0.
func ourHwsimDevice(t *testing.T, name string, mod func(*Config)) *simNode {
	t.Helper()
	return ourHwsimDeviceWith(t, name, mod, Options{})
}

// ourHwsimDeviceWith is ourHwsimDevice with options.
func ourHwsimDeviceWith(t *testing.T, name string, mod func(*Config), opt Options) *simNode {
	t.Helper()
	b, err := nl80211.New(nl80211.Config{})
	if err != nil {
		t.Fatalf("nl80211: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	phy := phyOf(t, b, "wlan0")
	cfg := DefaultConfig(name)
	if os.Getenv("P2P_TRACE") != "" {
		cfg.Trace = func(format string, args ...any) {
			t.Logf("%s ours: %s", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
		}
	}
	// Under emulation wpa_supplicant answers slowly: wait longer.
	cfg.Timing.NegConfirmWait = time.Second
	cfg.Timing.NegResponseWait = time.Second
	cfg.Timing.PDResponseWait = 500 * time.Millisecond
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hwsimOp)
	defer cancel()
	dev, err := NewDevice(ctx, phy, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	n := &simNode{t: t, dev: dev}
	n.cond = sync.NewCond(&n.mu)
	go n.record()
	t.Cleanup(func() { dev.Close() })
	t.Logf("our P2P Device %v on %s (listen %d MHz)", dev.Address(), phy.Info().Name, dev.ListenFreq())
	return n
}

// wpas is a wpa_supplicant on one netdev (internal/hwsimtest drives it
// through its global control socket) with its P2P Device Address as a MAC.
type wpas struct {
	*hwsimtest.WpaSupplicant
	t     *testing.T
	p2pIf string
	addr  MAC
}

// startWpas runs wpa_supplicant on netdev with a P2P configuration.
func startWpas(t *testing.T, netdev, name string, listenChannel int) *wpas {
	t.Helper()
	return startWpasConf(t, netdev, name, listenChannel, "")
}

// startWpasConf is startWpas with extra configuration lines (they follow,
// and so override, the common ones).
func startWpasConf(t *testing.T, netdev, name string, listenChannel int, extra string) *wpas {
	t.Helper()
	w := hwsimtest.StartWpaSupplicant(t, hwsimtest.WpaConfig{Netdev: netdev, Name: name, ListenChannel: listenChannel, Extra: extra})
	addr, err := parseMAC(w.DeviceAddress())
	if err != nil {
		t.Fatalf("wpa_supplicant's P2P Device address %q: %v", w.DeviceAddress(), err)
	}
	return &wpas{WpaSupplicant: w, t: t, p2pIf: w.P2PDevice(), addr: addr}
}

func parseMAC(s string) (MAC, error) {
	var m MAC
	_, err := fmt.Sscanf(strings.TrimSpace(s), "%02x:%02x:%02x:%02x:%02x:%02x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5])
	return m, err
}

func macStr(m MAC) string { return m.String() }

func TestHwsimWeFindListeningWpaSupplicant(t *testing.T) {
	requireHwsim(t)
	w := startWpas(t, "wlan1", "wpas-listener", 1)
	ours := ourHwsimDevice(t, "p2pmanager", nil)
	w.OK(w.t, "P2P_LISTEN")
	ctx := context.Background()
	start := time.Now()
	if err := ours.dev.Find(ctx, FindOptions{Type: FindSocial}); err != nil {
		t.Fatal(err)
	}
	p, ok := ours.foundAddr(hwsimFind, w.addr)
	if !ok {
		t.Fatalf("wpa_supplicant %v not found", w.addr)
	}
	t.Logf("found %+v after %v", p, time.Since(start))
	want := DeviceType{Category: 1, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 1}
	if p.Name != "wpas-listener" || p.PrimaryDeviceType != want || p.ListenFreq != 2412 || p.ConfigMethods&ConfigPushButton == 0 {
		t.Errorf("peer %+v", p)
	}
}

func TestHwsimWeAndSearchingWpaSupplicantFindEachOther(t *testing.T) {
	requireHwsim(t)
	w := startWpas(t, "wlan1", "wpas-finder", 6)
	ours := ourHwsimDevice(t, "p2pmanager-ours", nil)
	from := w.Mark()
	w.OK(w.t, "P2P_FIND")
	if err := ours.dev.Find(context.Background(), FindOptions{}); err != nil {
		t.Fatal(err)
	}
	p, ok := ours.foundAddr(hwsimFind, w.addr)
	if !ok {
		t.Fatalf("wpa_supplicant %v not found", w.addr)
	}
	if p.Name != "wpas-finder" || p.ListenFreq != 2437 {
		t.Errorf("peer %+v", p)
	}
	ev, ok := w.Wait(from, hwsimFind, "P2P-DEVICE-FOUND "+macStr(ours.dev.Address()))
	if !ok {
		t.Fatal("wpa_supplicant did not find us")
	}
	if !strings.Contains(ev.Text, "name='p2pmanager-ours'") || !strings.Contains(ev.Text, "pri_dev_type=1-0050F204-1") {
		t.Errorf("event %q", ev.Text)
	}
}

func TestHwsimWpaSupplicantFindsListeningUs(t *testing.T) {
	requireHwsim(t)
	w := startWpas(t, "wlan1", "wpas-finder", 6)
	ours := ourHwsimDevice(t, "p2pmanager-listener", func(c *Config) { c.ListenChannel = 11 })
	if err := ours.dev.Listen(context.Background(), ListenOptions{}); err != nil {
		t.Fatal(err)
	}
	from := w.Mark()
	start := time.Now()
	w.OK(w.t, "P2P_FIND")
	ev, ok := w.Wait(from, hwsimFind, "P2P-DEVICE-FOUND "+macStr(ours.dev.Address()))
	if !ok {
		t.Fatal("wpa_supplicant did not find us")
	}
	t.Logf("found after %v: %s", time.Since(start), ev.Text)
	if !strings.Contains(ev.Text, "name='p2pmanager-listener'") {
		t.Errorf("event %q", ev.Text)
	}
	peer := w.Must(w.t, "IFNAME=%s P2P_PEER %s", w.p2pIf, ours.dev.Address())
	if !strings.Contains(peer, "listen_freq=2462") {
		t.Errorf("wpa_supplicant's view of us:\n%s", peer)
	}
}

// discoverBoth makes each side know the other.
func discoverBoth(t *testing.T, w *wpas, ours *simNode) {
	t.Helper()
	from := w.Mark()
	w.OK(w.t, "P2P_FIND type=social")
	if err := ours.dev.Find(context.Background(), FindOptions{Type: FindSocial}); err != nil {
		t.Fatal(err)
	}
	if _, ok := ours.foundAddr(hwsimFind, w.addr); !ok {
		t.Fatal("we did not find wpa_supplicant")
	}
	if _, ok := w.Wait(from, hwsimFind, "P2P-DEVICE-FOUND "+macStr(ours.dev.Address())); !ok {
		t.Fatal("wpa_supplicant did not find us")
	}
}

func TestHwsimProvisionDiscoveryWithWpaSupplicant(t *testing.T) {
	requireHwsim(t)
	w := startWpas(t, "wlan1", "wpas-pd", 6)
	ours := ourHwsimDevice(t, "p2pmanager-pd", nil)
	discoverBoth(t, w, ours)
	ctx, cancel := context.WithTimeout(context.Background(), hwsimOp)
	defer cancel()

	t.Run("we ask", func(t *testing.T) {
		from := w.Mark()
		r, err := ours.dev.ProvisionDiscovery(ctx, w.addr, MethodPBC)
		if err != nil || !r.Accepted {
			t.Fatalf("result %+v, %v", r, err)
		}
		if _, ok := w.Wait(from, 10*time.Second, "P2P-PROV-DISC-PBC-REQ "+macStr(ours.dev.Address())); !ok {
			t.Error("wpa_supplicant reported no P2P-PROV-DISC-PBC-REQ")
		}
	})
	t.Run("wpa_supplicant asks", func(t *testing.T) {
		from := w.Mark()
		nfrom := ours.mark()
		w.OKSoon(t, "IFNAME=%s P2P_PROV_DISC %s pbc", w.p2pIf, ours.dev.Address())
		n, ok := ours.waitFrom(nfrom, hwsimFind, func(n Notification) bool { _, ok := n.(ProvisionDiscoveryRequest); return ok })
		if !ok {
			t.Fatal("no Provision Discovery Request reported")
		}
		if r := n.(ProvisionDiscoveryRequest); r.Peer != w.addr || r.Method != MethodPBC || !r.Accepted {
			t.Errorf("request %+v", r)
		}
		if _, ok := w.Wait(from, 20*time.Second, "P2P-PROV-DISC-PBC-RESP "+macStr(ours.dev.Address())); !ok {
			t.Error("wpa_supplicant reported no P2P-PROV-DISC-PBC-RESP")
		}
	})
	t.Run("wpa_supplicant asks us to display a PIN", func(t *testing.T) {
		from := w.Mark()
		nfrom := ours.mark()
		w.OKSoon(t, "IFNAME=%s P2P_PROV_DISC %s display", w.p2pIf, ours.dev.Address())
		n, ok := ours.waitFrom(nfrom, hwsimFind, func(n Notification) bool {
			r, ok := n.(ProvisionDiscoveryRequest)
			return ok && r.Method == MethodDisplay
		})
		if !ok {
			t.Fatal("no Provision Discovery Request reported")
		}
		if r := n.(ProvisionDiscoveryRequest); r.Peer != w.addr || !r.Accepted {
			t.Errorf("request %+v", r)
		}
		if _, ok := w.Wait(from, 20*time.Second, "P2P-PROV-DISC-ENTER-PIN "+macStr(ours.dev.Address())); !ok {
			t.Error("wpa_supplicant reported no P2P-PROV-DISC-ENTER-PIN")
		}
	})
	t.Run("we ask wpa_supplicant to display a PIN", func(t *testing.T) {
		from := w.Mark()
		r, err := ours.dev.ProvisionDiscovery(ctx, w.addr, MethodKeypad)
		if err != nil || !r.Accepted || r.ConfigMethods&ConfigDisplay == 0 {
			t.Fatalf("result %+v, %v", r, err)
		}
		if _, ok := w.Wait(from, 10*time.Second, "P2P-PROV-DISC-SHOW-PIN "+macStr(ours.dev.Address())); !ok {
			t.Error("wpa_supplicant reported no P2P-PROV-DISC-SHOW-PIN")
		}
	})
}

// goNegSuccess waits for wpa_supplicant's P2P-GO-NEG-SUCCESS and returns
// its role.
func goNegSuccess(t *testing.T, w *wpas, from int, peer MAC) string {
	t.Helper()
	ev, ok := w.Wait(from, hwsimOp, "P2P-GO-NEG-SUCCESS", "peer_dev="+macStr(peer))
	if !ok {
		if f, ok := w.Wait(from, 0, "P2P-GO-NEG-FAILURE"); ok {
			t.Fatalf("wpa_supplicant: %s", f.Text)
		}
		t.Fatal("no P2P-GO-NEG-SUCCESS")
	}
	for _, f := range strings.Fields(ev.Text) {
		if r, ok := strings.CutPrefix(f, "role="); ok {
			return r
		}
	}
	t.Fatalf("no role in %q", ev.Text)
	return ""
}

func TestHwsimNegotiationWithWpaSupplicant(t *testing.T) {
	requireHwsim(t)
	tests := []struct {
		name        string
		weInitiate  bool
		ours, their int
		ourRole     p2pmsg.Role
		theirRole   string
	}{
		{"we initiate with intent 15", true, 15, 0, p2pmsg.RoleGO, "client"},
		{"we initiate with intent 0", true, 0, 15, p2pmsg.RoleClient, "GO"},
		{"wpa_supplicant initiates with intent 0", false, 15, 0, p2pmsg.RoleGO, "client"},
		{"wpa_supplicant initiates with intent 15", false, 0, 15, p2pmsg.RoleClient, "GO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := startWpas(t, "wlan1", "wpas-neg", 6)
			ours := ourHwsimDevice(t, "p2pmanager-neg", nil)
			discoverBoth(t, w, ours)
			w.Request("P2P_STOP_FIND")
			ctx, cancel := context.WithTimeout(context.Background(), hwsimOp)
			defer cancel()
			from := w.Mark()
			var res NegotiationResult
			if tt.weInitiate {
				// An authorized wpa_supplicant must be listening to answer.
				w.OK(w.t, "IFNAME=%s P2P_CONNECT %s pbc go_intent=%d auth", w.p2pIf, ours.dev.Address(), tt.their)
				w.OK(w.t, "P2P_LISTEN")
				var err error
				res, err = ours.dev.Connect(ctx, w.addr, ConnectParams{Method: MethodPBC, GOIntent: new(tt.ours)})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				nfrom := ours.mark()
				if err := ours.dev.Authorize(ctx, w.addr, ConnectParams{Method: MethodPBC, GOIntent: new(tt.ours)}); err != nil {
					t.Fatal(err)
				}
				w.OK(w.t, "IFNAME=%s P2P_CONNECT %s pbc go_intent=%d", w.p2pIf, ours.dev.Address(), tt.their)
				n, ok := ours.waitFrom(nfrom, hwsimOp, func(n Notification) bool {
					switch n.(type) {
					case NegotiationSucceeded, NegotiationFailed:
						return true
					}
					return false
				})
				if !ok {
					t.Fatal("no outcome reported")
				}
				s, ok := n.(NegotiationSucceeded)
				if !ok {
					t.Fatalf("negotiation failed: %v", n.(NegotiationFailed).Err)
				}
				res = s.Result
			}
			role := goNegSuccess(t, w, from, ours.dev.Address())
			t.Logf("ours: %v on %d MHz SSID %q (%v); wpa_supplicant: %s", res.Role, res.Freq, res.SSID, res.Done.Sub(res.Started), role)
			if res.Role != tt.ourRole || role != tt.theirRole {
				t.Errorf("roles: ours %v, wpa_supplicant %s", res.Role, role)
			}
			if res.Peer != w.addr || res.Initiator != tt.weInitiate || res.Freq == 0 || !strings.HasPrefix(res.SSID, "DIRECT-") {
				t.Errorf("result %+v", res)
			}
		})
	}
}

func TestHwsimNegotiationLaterReRequestFromUs(t *testing.T) {
	requireHwsim(t)
	w := startWpas(t, "wlan1", "wpas-neg", 6)
	ours := ourHwsimDevice(t, "p2pmanager-neg", nil)
	discoverBoth(t, w, ours)
	w.Request("P2P_STOP_FIND")
	from := w.Mark()
	nfrom := ours.mark()
	// wpa_supplicant asks first: we have not authorized it.
	w.OK(w.t, "IFNAME=%s P2P_CONNECT %s pbc go_intent=15", w.p2pIf, ours.dev.Address())
	n, ok := ours.waitFrom(nfrom, hwsimOp, func(n Notification) bool { _, ok := n.(GONegotiationRequest); return ok })
	if !ok {
		t.Fatal("no GO Negotiation Request reported")
	}
	if r := n.(GONegotiationRequest); r.Peer != w.addr || r.Method != MethodPBC || r.GOIntent != 15 {
		t.Errorf("request %+v", r)
	}
	// The user accepts: we start a negotiation towards the waiting peer.
	ctx, cancel := context.WithTimeout(context.Background(), hwsimOp)
	defer cancel()
	res, err := ours.dev.Connect(ctx, w.addr, ConnectParams{Method: MethodPBC, GOIntent: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	role := goNegSuccess(t, w, from, ours.dev.Address())
	if res.Role != p2pmsg.RoleClient || role != "GO" {
		t.Errorf("roles: ours %v, wpa_supplicant %s", res.Role, role)
	}
}

// foundAddr waits until n reported the peer with this address as found.
func (n *simNode) foundAddr(d time.Duration, addr MAC) (Peer, bool) {
	note, ok := n.wait(d, func(x Notification) bool {
		f, ok := x.(PeerFound)
		return ok && f.Peer.Address == addr
	})
	if !ok {
		return Peer{}, false
	}
	return note.(PeerFound).Peer, true
}

// percentiles returns the p50 and p95 of durations.
func percentiles(ds []time.Duration) (p50, p95 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0, 0
	}
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.5), at(0.95)
}

func requireBench(t *testing.T) {
	t.Helper()
	requireHwsim(t)
	if os.Getenv("P2P_HWSIM_BENCH") != "1" {
		t.Skip("benchmark: set P2P_HWSIM_BENCH=1 too")
	}
}

// TestHwsimBenchmarkDiscovery measures the time from starting a social
// find to finding a listening wpa_supplicant, for our device and for a
// second wpa_supplicant, in the same VM run.
func TestHwsimBenchmarkDiscovery(t *testing.T) {
	requireBench(t)
	const runs = 20
	target := startWpas(t, "wlan1", "wpas-target", 6)
	finder := startWpas(t, "wlan2", "wpas-finder", 1)
	ours := ourHwsimDevice(t, "p2pmanager-bench", func(c *Config) { c.ListenChannel = 11 })
	target.OK(target.t, "P2P_LISTEN")
	ctx := context.Background()
	var oursT, wpasT []time.Duration
	for i := range runs {
		if err := ours.dev.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		from := ours.mark()
		start := time.Now()
		if err := ours.dev.Find(ctx, FindOptions{Type: FindSocial}); err != nil {
			t.Fatal(err)
		}
		if _, ok := ours.waitFrom(from, hwsimFind, func(n Notification) bool {
			f, ok := n.(PeerFound)
			return ok && f.Peer.Address == target.addr
		}); !ok {
			t.Fatalf("run %d: not found", i)
		}
		oursT = append(oursT, time.Since(start))
		ours.dev.StopFind(ctx)

		finder.OK(finder.t, "P2P_FLUSH")
		wfrom := finder.Mark()
		start = time.Now()
		finder.OK(finder.t, "P2P_FIND type=social")
		ev, ok := finder.Wait(wfrom, hwsimFind, "P2P-DEVICE-FOUND "+macStr(target.addr))
		if !ok {
			t.Fatalf("run %d: wpa_supplicant did not find its peer", i)
		}
		wpasT = append(wpasT, ev.At.Sub(start))
		finder.Request("P2P_STOP_FIND")
		time.Sleep(200 * time.Millisecond)
	}
	o50, o95 := percentiles(oursT)
	w50, w95 := percentiles(wpasT)
	t.Logf("discovery of a listening wpa_supplicant, social find, %d runs:", runs)
	t.Logf("  %-26s p50 %8v  p95 %8v", "p2pmanager", o50.Round(time.Millisecond), o95.Round(time.Millisecond))
	t.Logf("  %-26s p50 %8v  p95 %8v", "wpa_supplicant 2.10", w50.Round(time.Millisecond), w95.Round(time.Millisecond))
	t.Logf("  raw ours %v", oursT)
	t.Logf("  raw wpas %v", wpasT)
}

// TestHwsimBenchmarkNegotiation measures our GO Negotiation with
// wpa_supplicant: from our request to our acknowledged confirmation.
func TestHwsimBenchmarkNegotiation(t *testing.T) {
	requireBench(t)
	const runs = 10
	var ds []time.Duration
	for i := range runs {
		func() {
			w := startWpas(t, "wlan1", "wpas-neg", 6)
			defer w.Stop()
			ours := ourHwsimDevice(t, "p2pmanager-neg", nil)
			defer ours.dev.Close()
			discoverBoth(t, w, ours)
			w.Request("P2P_STOP_FIND")
			ours.dev.StopFind(context.Background())
			w.OK(w.t, "IFNAME=%s P2P_CONNECT %s pbc go_intent=0 auth", w.p2pIf, ours.dev.Address())
			w.OK(w.t, "P2P_LISTEN")
			ctx, cancel := context.WithTimeout(context.Background(), hwsimOp)
			defer cancel()
			res, err := ours.dev.Connect(ctx, w.addr, ConnectParams{Method: MethodPBC, GOIntent: new(15)})
			if err != nil {
				t.Fatalf("run %d: %v", i, err)
			}
			ds = append(ds, res.Done.Sub(res.Started))
		}()
	}
	p50, p95 := percentiles(ds)
	t.Logf("GO Negotiation with wpa_supplicant (request sent to confirmation acked), %d runs: p50 %v p95 %v; raw %v",
		runs, p50.Round(time.Millisecond), p95.Round(time.Millisecond), ds)
}

// TestHwsimInvitationWithWpaSupplicant re-invokes a persistent group that
// wpa_supplicant owns (network block mode=3, disabled=2, with us in its
// p2p_client_list; persistent_reconnect=1), both ways.
func TestHwsimInvitationWithWpaSupplicant(t *testing.T) {
	requireHwsim(t)
	const ssid = "DIRECT-ab"
	w := startWpasConf(t, "wlan1", "wpas-inv", 6, "persistent_reconnect=1\n")
	var mu sync.Mutex
	var asked []InvitationRequest
	ours := ourHwsimDeviceWith(t, "p2pmanager-inv", nil, Options{InvitationPolicy: func(r InvitationRequest) InvitationDecision {
		mu.Lock()
		asked = append(asked, r)
		mu.Unlock()
		if r.SSID != ssid || r.Peer != r.GODeviceAddress {
			return InvitationDecision{Status: 8}
		}
		return InvitationDecision{}
	}})
	// The persistent group, as wpa_supplicant stores it after forming
	// one: its BSSID is the GO's P2P Device Address (wpa_supplicant's).
	netID := w.Must(w.t, "IFNAME=%s ADD_NETWORK", w.p2pIf)
	for _, kv := range [][2]string{
		{"ssid", `"` + ssid + `"`},
		{"mode", "3"},
		{"disabled", "2"},
		{"psk", `"p2pmanager-test"`},
		{"bssid", w.addr.String()},
		{"p2p_client_list", ours.dev.Address().String()},
	} {
		w.OK(w.t, "IFNAME=%s SET_NETWORK %s %s %s", w.p2pIf, netID, kv[0], kv[1])
	}
	t.Logf("persistent group network %s: %s", netID, w.Must(w.t, "IFNAME=%s LIST_NETWORKS", w.p2pIf))
	discoverBoth(t, w, ours)
	w.Request("P2P_STOP_FIND")
	removeGroup := func(t *testing.T, from int) {
		t.Helper()
		if _, ok := w.Wait(from, hwsimOp, "P2P-GROUP-STARTED", "GO"); !ok {
			t.Error("wpa_supplicant started no GO")
		}
		w.Request("P2P_GROUP_REMOVE *")
		if _, ok := w.Wait(from, hwsimOp, "P2P-GROUP-REMOVED"); !ok {
			t.Error("wpa_supplicant removed no group")
		}
	}

	t.Run("wpa_supplicant invites us", func(t *testing.T) {
		from := w.Mark()
		nfrom := ours.mark()
		if err := ours.dev.Listen(context.Background(), ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		w.OKSoon(t, "IFNAME=%s P2P_INVITE persistent=%s peer=%s", w.p2pIf, netID, ours.dev.Address())
		n, ok := ours.waitFrom(nfrom, hwsimOp, func(n Notification) bool { _, ok := n.(InvitationReceived); return ok })
		if !ok {
			t.Fatal("no Invitation Request reported")
		}
		got := n.(InvitationReceived)
		if r := got.Request; r.Peer != w.addr || r.GODeviceAddress != w.addr || r.SSID != ssid || !r.Persistent ||
			r.OperatingFreq == 0 || r.GroupBSSID.IsZero() || len(r.Channels) == 0 || got.Decision.Status != 0 {
			t.Errorf("reported %+v", got)
		}
		ev, ok := w.Wait(from, hwsimOp, "P2P-INVITATION-RESULT")
		if !ok {
			t.Fatal("no P2P-INVITATION-RESULT")
		}
		if !strings.Contains(ev.Text, "status=0") {
			t.Fatalf("wpa_supplicant: %s", ev.Text)
		}
		removeGroup(t, from)
		if err := ours.dev.StopListen(context.Background()); err != nil {
			t.Error(err)
		}
	})
	t.Run("we invite wpa_supplicant", func(t *testing.T) {
		from := w.Mark()
		w.OK(w.t, "P2P_LISTEN")
		ctx, cancel := context.WithTimeout(context.Background(), hwsimOp)
		defer cancel()
		res, err := ours.dev.Invite(ctx, w.addr, InviteParams{Persistent: true, Role: p2pmsg.RoleClient, GODeviceAddress: w.addr, SSID: ssid})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("result %+v", res)
		if res.Peer != w.addr || res.Freq == 0 || len(res.Channels) == 0 {
			t.Errorf("result %+v", res)
		}
		if _, ok := w.Wait(from, hwsimOp, "P2P-INVITATION-ACCEPTED", "sa="+macStr(ours.dev.Address())); !ok {
			t.Error("no P2P-INVITATION-ACCEPTED")
		}
		removeGroup(t, from)
	})
}
