package main

// The service on the real kernel: mac80211_hwsim in the VM, nl80211, a
// real dbus-daemon, driven over D-Bus with busctl only, against
// wpa_supplicant. Run by scripts/vm-tests.sh, or by hand from the
// checkout:
//
//	go test -c -o cmd/p2pmanager/.cmd.test ./cmd/p2pmanager && cd cmd/p2pmanager &&
//	P2P_HWSIM=1 /work/shared/hwsim/vm-run --radios 3 --timeout 1200 --mem 2048 -- ./.cmd.test -test.v -test.run Hwsim
//
// The service takes every P2P radio of its network namespace, so the test
// first moves the radio of wlan1 (wpa_supplicant's) and of wlan2 (unused)
// into namespaces of their own: the service keeps the radio of wlan0, and
// traffic between the two sides of a group crosses the simulated air.
// P2P_DAEMON_LOG=debug logs the service's P2P trace when a test fails;
// P2P_WPAS_DEBUG=1 wpa_supplicant's (see internal/hwsimtest).

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/internal/hwsimtest"
)

const (
	p2pBus     = "org.freedesktop.WiFiP2P"
	p2pRoot    = "/org/freedesktop/WiFiP2P"
	p2pDevice1 = p2pBus + ".Device1"
	p2pPeer1   = p2pBus + ".Peer1"
	p2pGroup1  = p2pBus + ".Group1"
)

// Generous waits: the VM runs under TCG emulation.
const (
	hwsimFind    = 90 * time.Second  // until wpa_supplicant is a Peer1 object
	hwsimConnect = 180 * time.Second // Peer1.Connect: negotiation, WPS, 4-way handshake, addresses
	hwsimStep    = 90 * time.Second  // one protocol step seen from wpa_supplicant
)

// busctlValue is a D-Bus value as busctl --json=short prints it.
type busctlValue struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// busClient drives the service over one bus with busctl.
type busClient struct {
	t    *testing.T
	addr string
}

// call runs busctl --json=short call and returns the reply's arguments.
func (b busClient) call(d time.Duration, path, iface, method string, args ...string) ([]json.RawMessage, error) {
	b.t.Helper()
	cmd := append([]string{"--json=short", fmt.Sprintf("--timeout=%d", int(d.Seconds())), "call", p2pBus, path, iface, method}, args...)
	out, err := busctlWithin(b.t, d+10*time.Second, b.addr, cmd...)
	if err != nil {
		return nil, fmt.Errorf("busctl call %s %s.%s: %v: %s", path, iface, method, err, strings.TrimSpace(out))
	}
	if strings.TrimSpace(out) == "" {
		return nil, nil // a method without out arguments
	}
	var v busctlValue
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return nil, fmt.Errorf("busctl call %s %s.%s: reply %q: %v", path, iface, method, out, err)
	}
	var argsOut []json.RawMessage
	if err := json.Unmarshal(v.Data, &argsOut); err != nil {
		return nil, fmt.Errorf("busctl call %s %s.%s: reply %q: %v", path, iface, method, out, err)
	}
	return argsOut, nil
}

// mustCall is call failing the test on error.
func (b busClient) mustCall(d time.Duration, path, iface, method string, args ...string) []json.RawMessage {
	b.t.Helper()
	out, err := b.call(d, path, iface, method, args...)
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

// objects is GetManagedObjects: path -> interface -> property -> value.
func (b busClient) objects() (map[string]map[string]map[string]busctlValue, error) {
	b.t.Helper()
	out, err := b.call(30*time.Second, p2pRoot, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
	if err != nil {
		return nil, err
	}
	var objs map[string]map[string]map[string]busctlValue
	if len(out) != 1 {
		return nil, fmt.Errorf("GetManagedObjects: %d out arguments", len(out))
	}
	if err := json.Unmarshal(out[0], &objs); err != nil {
		return nil, fmt.Errorf("GetManagedObjects: %v", err)
	}
	return objs, nil
}

// properties is Properties.GetAll of one interface.
func (b busClient) properties(path, iface string) map[string]busctlValue {
	b.t.Helper()
	out := b.mustCall(30*time.Second, path, "org.freedesktop.DBus.Properties", "GetAll", "s", iface)
	var props map[string]busctlValue
	if len(out) != 1 || json.Unmarshal(out[0], &props) != nil {
		b.t.Fatalf("GetAll %s %s: %s", path, iface, out)
	}
	return props
}

// strProp decodes a string-like property ("" when absent or not a string).
func strProp(props map[string]busctlValue, name string) string {
	var s string
	if v, ok := props[name]; ok {
		_ = json.Unmarshal(v.Data, &s)
	}
	return s
}

// groupAddresses decodes Group1.Addresses: local (CIDR) and group_owner.
func groupAddresses(t *testing.T, props map[string]busctlValue) (local []netip.Prefix, groupOwner netip.Addr) {
	t.Helper()
	var addrs map[string]busctlValue
	if err := json.Unmarshal(props["Addresses"].Data, &addrs); err != nil {
		t.Fatalf("Addresses %s: %v", props["Addresses"].Data, err)
	}
	var ls []string
	_ = json.Unmarshal(addrs["local"].Data, &ls)
	for _, s := range ls {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			t.Errorf("Addresses local %q: %v", s, err)
			continue
		}
		local = append(local, p)
	}
	var g string
	_ = json.Unmarshal(addrs["group_owner"].Data, &g)
	groupOwner, _ = netip.ParseAddr(g)
	return local, groupOwner
}

// serving checks that the service still answers on the bus.
func (b busClient) serving() {
	b.t.Helper()
	out, err := busctl(b.t, b.addr, "get-property", p2pBus, p2pRoot, p2pBus+".Manager1", "Version")
	if err != nil || !strings.Contains(out, version) {
		b.t.Errorf("the service does not answer any more: Manager1.Version: %v: %s", err, out)
	}
}

// devicePath finds the one Device1 object.
func (b busClient) devicePath() string {
	b.t.Helper()
	objs, err := b.objects()
	if err != nil {
		b.t.Fatal(err)
	}
	var devs []string
	for p, ifaces := range objs {
		if _, ok := ifaces[p2pDevice1]; ok {
			devs = append(devs, p)
		}
	}
	if len(devs) != 1 {
		b.t.Fatalf("want one Device1 object (the radio of wlan0), got %v", devs)
	}
	return devs[0]
}

// waitPeer waits until the device has a Peer1 object for the P2P Device
// Address addr with the Name name, and returns its path.
func (b busClient) waitPeer(dev, addr, name string, d time.Duration) string {
	b.t.Helper()
	want := dev + "/peers/" + strings.ReplaceAll(strings.ToLower(addr), ":", "_")
	var last string
	ok := eventually(d, func() bool {
		objs, err := b.objects()
		if err != nil {
			last = err.Error()
			return false
		}
		props, ok := objs[want][p2pPeer1]
		if !ok {
			var peers []string
			for p := range objs {
				if strings.HasPrefix(p, dev+"/peers/") {
					peers = append(peers, p)
				}
			}
			last = fmt.Sprintf("peers %v", peers)
			return false
		}
		last = fmt.Sprintf("%s Name %q Address %q", want, strProp(props, "Name"), strProp(props, "Address"))
		return strProp(props, "Name") == name && strings.EqualFold(strProp(props, "Address"), addr)
	})
	if !ok {
		b.t.Fatalf("no peer %s named %q within %v; last: %s", addr, name, d, last)
	}
	return want
}

// waitNoGroup waits until no Group1 object is left.
func (b busClient) waitNoGroup(d time.Duration) {
	b.t.Helper()
	var left []string
	if !eventually(d, func() bool {
		objs, err := b.objects()
		if err != nil {
			return false
		}
		left = left[:0]
		for p, ifaces := range objs {
			if _, ok := ifaces[p2pGroup1]; ok {
				left = append(left, p)
			}
		}
		return len(left) == 0
	}) {
		b.t.Errorf("groups still published after Leave: %v", left)
	}
}

// groupNetdevs lists the p2p-* network interfaces of the default
// namespace (the service's group interfaces).
func groupNetdevs(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/sys/class/net")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "p2p-") {
			names = append(names, e.Name())
		}
	}
	return names
}

// hwsimRig is the service on the radio of wlan0 and wpa_supplicant on
// wlan1 in a namespace of its own.
type hwsimRig struct {
	bus     busClient
	dev     string // our Device1 path
	ourAddr string // our P2P Device Address
	wpas    *hwsimtest.WpaSupplicant
	wpasNS  *hwsimtest.NetNS
}

func startHwsimRig(t *testing.T) *hwsimRig {
	t.Helper()
	hwsimtest.Require(t)
	needTools(t)
	// Before the service starts: it takes every P2P radio it sees.
	wpasNS := hwsimtest.NewNetNS(t, "p2pm-wpas")
	wpasNS.MovePhyOf(t, "wlan1")
	spare := hwsimtest.NewNetNS(t, "p2pm-spare")
	spare.MovePhyOf(t, "wlan2")
	wpas := hwsimtest.StartWpaSupplicant(t, hwsimtest.WpaConfig{
		Netdev: "wlan1", NetNS: wpasNS, Name: "wpas-peer", ListenChannel: 6,
		// Used when wpa_supplicant is GO: addresses in the 4-way handshake.
		Extra: hwsimtest.GOAddressingConf,
	})

	level := os.Getenv("P2P_DAEMON_LOG")
	if level == "" {
		level = "info"
	}
	// Discover keeps discovery on: a StartDiscovery lease ends when its
	// client leaves the bus, and busctl leaves right after each call.
	addr, _ := startDaemon(t, daemonConfig{Bus: "private", Radio: "nl80211", LogLevel: level, Discover: "social"})
	r := &hwsimRig{bus: busClient{t: t, addr: addr}, wpas: wpas, wpasNS: wpasNS}
	r.dev = r.bus.devicePath()
	props := r.bus.properties(r.dev, p2pDevice1)
	r.ourAddr = strProp(props, "Address")
	if strProp(props, "Availability") != "available" {
		t.Errorf("Device1.Availability %q (%s), want available", strProp(props, "Availability"), strProp(props, "AvailabilityDetail"))
	}
	t.Logf("the service drives %s, P2P Device %s", r.dev, r.ourAddr)
	return r
}

// connectCase is one role of TestHwsimDaemonConnectsToWpaSupplicantOverDBus.
type connectCase struct {
	name       string
	ourIntent  int
	wpasIntent int
	ourRole    string // Group1.Role
	wpasRole   string // in P2P-GROUP-STARTED
}

func TestHwsimDaemonConnectsToWpaSupplicantOverDBus(t *testing.T) {
	r := startHwsimRig(t)
	start := time.Now()
	// StartDiscovery through the bus (the daemon also keeps it on, see
	// startHwsimRig); wpa_supplicant listens to be found.
	r.bus.mustCall(30*time.Second, r.dev, p2pDevice1, "StartDiscovery", "a{sv}", "1", "type", "s", "social")
	r.wpas.OK(t, "P2P_LISTEN")
	peer := r.bus.waitPeer(r.dev, r.wpas.DeviceAddress(), "wpas-peer", hwsimFind)
	t.Logf("wpa_supplicant published as %s after %v", peer, time.Since(start).Round(time.Millisecond))

	for _, tc := range []connectCase{
		{name: "we are GO", ourIntent: 15, wpasIntent: 0, ourRole: "go", wpasRole: "client"},
		{name: "we are client", ourIntent: 0, wpasIntent: 15, ourRole: "client", wpasRole: "GO"},
	} {
		if !t.Run(tc.name, func(t *testing.T) { r.connectPBC(t, peer, tc) }) {
			return
		}
	}
}

// connectPBC forms a group with wpa_supplicant by push button, checks it,
// pings across the air both ways and leaves it.
func (r *hwsimRig) connectPBC(t *testing.T, peer string, tc connectCase) {
	b := busClient{t: t, addr: r.bus.addr}
	w := r.wpas
	// Still known (discovery goes on between the groups).
	b.waitPeer(r.dev, w.DeviceAddress(), "wpas-peer", hwsimFind)

	// wpa_supplicant's user pressed the button first and waits listening.
	from := w.Mark()
	w.P2P(t, "P2P_CONNECT %s pbc auth go_intent=%d", r.ourAddr, tc.wpasIntent)
	w.OK(t, "P2P_LISTEN")

	start := time.Now()
	out := b.mustCall(hwsimConnect, peer, p2pPeer1, "Connect", "a{sv}", "3",
		"method", "s", "pbc", "go_intent", "u", fmt.Sprint(tc.ourIntent), "bind", "s", "none")
	var path string
	if len(out) != 1 || json.Unmarshal(out[0], &path) != nil || !strings.HasPrefix(path, r.dev+"/groups/") {
		t.Fatalf("Connect returned %s, want a group object", out)
	}
	t.Logf("Connect returned %s after %v", path, time.Since(start).Round(time.Millisecond))
	left := false
	t.Cleanup(func() {
		if !left {
			_, _ = b.call(hwsimStep, path, p2pGroup1, "Leave")
		}
		w.Request("IFNAME=" + w.P2PDevice() + " P2P_GROUP_REMOVE *")
	})

	ev, ok := w.Wait(from, hwsimStep, "P2P-GROUP-STARTED")
	if !ok {
		if f, ok := w.Wait(from, 0, "FAIL"); ok {
			t.Fatalf("wpa_supplicant: %s", f.Text)
		}
		t.Fatal("wpa_supplicant reported no P2P-GROUP-STARTED")
	}
	theirs, err := hwsimtest.ParseGroupStarted(ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wpa_supplicant: %s", ev.Text)

	props := b.properties(path, p2pGroup1)
	ifname := strProp(props, "Interface")
	local, goAddr := groupAddresses(t, props)
	t.Logf("Group1: Role %q Interface %q BSSID %q Addresses local %v group_owner %v", strProp(props, "Role"), ifname, strProp(props, "BSSID"), local, goAddr)
	if got := strProp(props, "Role"); got != tc.ourRole {
		t.Errorf("Group1.Role %q, want %q", got, tc.ourRole)
	}
	if theirs.Role != tc.wpasRole {
		t.Errorf("wpa_supplicant's role %q, want %q", theirs.Role, tc.wpasRole)
	}
	if _, err := os.Stat(filepath.Join("/sys/class/net", ifname)); ifname == "" || err != nil {
		t.Fatalf("Group1.Interface %q is no network interface of the service's namespace: %v", ifname, err)
	}
	if len(local) != 1 || !local[0].Addr().Is4() {
		t.Fatalf("Group1.Addresses local %v, want one IPv4 address", local)
	}
	ours := local[0]

	// The other side's address: what our GO gave wpa_supplicant in the
	// 4-way handshake, or the one GOAddressingConf makes it use as GO (the
	// test configures both, wpa_supplicant configures none).
	var their netip.Prefix
	if tc.ourRole == "go" {
		their = theirs.Prefix()
		if !their.IsValid() {
			t.Fatalf("wpa_supplicant got no address from our GO (no ip_addr in P2P-GROUP-STARTED): %s", ev.Text)
		}
		if goAddr != ours.Addr() {
			t.Errorf("Addresses group_owner %v, want ours %v", goAddr, ours.Addr())
		}
		if theirs.GOIPAddr.IsValid() && theirs.GOIPAddr != ours.Addr() {
			t.Errorf("wpa_supplicant was told the GO is %v; we have %v", theirs.GOIPAddr, ours)
		}
	} else {
		their = hwsimtest.WpaGOAddress
		if goAddr != their.Addr() {
			t.Errorf("Addresses group_owner %v, want wpa_supplicant's %v", goAddr, their.Addr())
		}
		if !their.Contains(ours.Addr()) || ours.Bits() != their.Bits() {
			t.Errorf("Addresses local %v, want one of wpa_supplicant's pool in %v", ours, their.Masked())
		}
	}
	r.wpasNS.Run(t, "ip", "addr", "add", their.String(), "dev", theirs.Ifname)

	// The service configures the address it publishes on the interface.
	if got := hwsimtest.Addresses(t, nil, ifname); !slices.Contains(got, ours) {
		t.Errorf("%s has addresses %v; the service published %v but did not configure it", ifname, got, ours)
		hwsimtest.Run(t, "ip", "addr", "add", ours.String(), "dev", ifname)
	}

	hwsimtest.Ping(t, nil, their.Addr())
	hwsimtest.Ping(t, r.wpasNS, ours.Addr())
	b.serving()

	from = w.Mark()
	b.mustCall(hwsimStep, path, p2pGroup1, "Leave")
	left = true
	b.waitNoGroup(30 * time.Second)
	if !eventually(30*time.Second, func() bool { return len(groupNetdevs(t)) == 0 }) {
		t.Errorf("group interfaces left after Leave: %v", groupNetdevs(t))
	}
	if tc.ourRole == "go" {
		// Our GO ended: the client sees its group go.
		if _, ok := w.Wait(from, hwsimStep, "P2P-GROUP-REMOVED", theirs.Ifname); !ok {
			t.Errorf("wpa_supplicant did not see the group end")
		}
	}
	// wpa_supplicant ends its side too (a GO keeps its group a while).
	w.Request("IFNAME=" + w.P2PDevice() + " P2P_GROUP_REMOVE *")
	b.serving()
	t.Logf("%s: done in %v", tc.name, time.Since(start).Round(time.Millisecond))
}
