package hwsimtest

import (
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Generous waits: the VM runs under TCG emulation, several times slower
// than a host.
const (
	// FindTimeout bounds a discovery.
	FindTimeout = 60 * time.Second
	// OpTimeout bounds one protocol step (a negotiation, a group start).
	OpTimeout = 90 * time.Second
)

// Require skips the test unless P2P_HWSIM=1 (inside the hwsim VM with 3
// radios). It registers, first, a cleanup that runs last and fails the
// test when a P2P Device or a p2p-* interface is left in the default
// namespace.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv("P2P_HWSIM") != "1" {
		t.Skip("needs mac80211_hwsim with 3 radios and wpa_supplicant: set P2P_HWSIM=1 inside the hwsim VM (scripts/vm-tests.sh)")
	}
	t.Cleanup(func() {
		var out []byte
		for range 75 {
			out, _ = exec.Command("iw", "dev").CombinedOutput()
			if !strings.Contains(string(out), "non-netdev") && !strings.Contains(string(out), "p2p-") {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Errorf("interfaces left behind:\n%s", out)
		removeLeftovers(string(out))
	})
}

// removeLeftovers deletes the P2P Devices and p2p-* interfaces a failed
// test left in the default namespace (listed in out, `iw dev` output), so
// that the tests after it start from clean radios.
func removeLeftovers(out string) {
	var wdev string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "wdev":
			wdev = f[1]
		case len(f) == 2 && f[0] == "Interface" && strings.HasPrefix(f[1], "p2p-"):
			_ = exec.Command("iw", "dev", f[1], "del").Run()
		case len(f) == 2 && f[0] == "type" && f[1] == "P2P-device" && wdev != "":
			_ = exec.Command("iw", "wdev", wdev, "del").Run()
		}
	}
}

// RequireBench is Require for the long benchmarks: they also need
// P2P_HWSIM_BENCH=1.
func RequireBench(t testing.TB) {
	t.Helper()
	Require(t)
	if os.Getenv("P2P_HWSIM_BENCH") != "1" {
		t.Skip("benchmark: set P2P_HWSIM_BENCH=1 too")
	}
}

// Run runs a command in the default namespace and returns its combined
// output; an error fails the test.
func Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// PhyOf returns the name of the radio (phyN) of a netdev of the default
// namespace.
func PhyOf(t testing.TB, netdev string) string {
	t.Helper()
	b, err := os.ReadFile("/sys/class/net/" + netdev + "/phy80211/name")
	if err != nil {
		t.Fatalf("phy of %s: %v", netdev, err)
	}
	return strings.TrimSpace(string(b))
}

// NetNS is a named network namespace (/run/netns/NAME) for one test.
type NetNS struct {
	t    testing.TB
	name string

	mu   sync.Mutex
	phys []string
}

// NewNetNS creates a network namespace (deleting a stale one of the same
// name first). Cleanup moves the phys it received back to the default
// namespace and deletes it.
func NewNetNS(t testing.TB, name string) *NetNS {
	t.Helper()
	_ = exec.Command("ip", "netns", "del", name).Run()
	Run(t, "ip", "netns", "add", name)
	ns := &NetNS{t: t, name: name}
	t.Cleanup(func() {
		ns.mu.Lock()
		phys := slices.Clone(ns.phys)
		ns.mu.Unlock()
		for _, phy := range phys {
			if out, err := ns.Command("iw", "phy", phy, "set", "netns", "1").CombinedOutput(); err != nil {
				t.Errorf("moving %s back from %s: %v\n%s", phy, name, err, out)
			}
		}
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("deleting namespace %s: %v\n%s", name, err, out)
		}
	})
	return ns
}

// Name is the namespace's name.
func (ns *NetNS) Name() string { return ns.name }

// Path is the namespace's file, /run/netns/NAME.
func (ns *NetNS) Path() string { return "/run/netns/" + ns.name }

// Open returns a file descriptor of the namespace (for
// nl80211.Config.NetNS); cleanup closes it.
func (ns *NetNS) Open(t testing.TB) int {
	t.Helper()
	fd, err := unix.Open(ns.Path(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("opening %s: %v", ns.Path(), err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// MovePhyOf moves the radio of a netdev of the default namespace (with
// all its interfaces: cfg80211 moves whole phys) into the namespace and
// returns the phy's name. Cleanup moves it back.
func (ns *NetNS) MovePhyOf(t testing.TB, netdev string) string {
	t.Helper()
	phy := PhyOf(t, netdev)
	Run(t, "iw", "phy", phy, "set", "netns", "name", ns.name)
	ns.mu.Lock()
	ns.phys = append(ns.phys, phy)
	ns.mu.Unlock()
	return phy
}

// Command is an exec.Cmd running args inside the namespace.
func (ns *NetNS) Command(args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.name}, args...)...)
}

// Run runs a command inside the namespace and returns its combined
// output; an error fails the test.
func (ns *NetNS) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := ns.Command(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns exec %s %s: %v\n%s", ns.name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// command is args in ns, or in the default namespace when ns is nil.
func command(ns *NetNS, args ...string) *exec.Cmd {
	if ns == nil {
		return exec.Command(args[0], args[1:]...)
	}
	return ns.Command(args...)
}

// Interfaces returns `iw dev` in ns (nil: the default namespace).
func Interfaces(t testing.TB, ns *NetNS) string {
	t.Helper()
	out, err := command(ns, "iw", "dev").CombinedOutput()
	if err != nil {
		t.Fatalf("iw dev: %v\n%s", err, out)
	}
	return string(out)
}

// Addresses returns the addresses of a network interface in ns (nil: the
// default namespace) as `ip -o addr show dev IFNAME` lists them; an
// interface that does not exist has none.
func Addresses(t testing.TB, ns *NetNS, ifname string) []netip.Prefix {
	t.Helper()
	out, err := command(ns, "ip", "-o", "addr", "show", "dev", ifname).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "does not exist") {
			return nil
		}
		t.Fatalf("ip addr show dev %s: %v\n%s", ifname, err, out)
	}
	var addrs []netip.Prefix
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if f[i] != "inet" && f[i] != "inet6" {
				continue
			}
			if p, err := netip.ParsePrefix(f[i+1]); err == nil {
				addrs = append(addrs, p)
			}
		}
	}
	return addrs
}

// Ping sends pings to addr from ns (nil: the default namespace) until 3
// are answered, within a generous deadline; fewer fail the test. It
// returns ping's output.
func Ping(t testing.TB, ns *NetNS, addr netip.Addr) string {
	t.Helper()
	args := []string{"ping", "-n", "-c", "3", "-i", "0.5", "-W", "5", "-w", "60"}
	if addr.Is6() {
		args = append(args, "-6")
	}
	args = append(args, addr.String())
	out, err := command(ns, args...).CombinedOutput()
	where := "the default namespace"
	if ns != nil {
		where = "namespace " + ns.name
	}
	if err != nil || !strings.Contains(string(out), " 3 received") {
		t.Errorf("ping %v from %s: %v\n%s", addr, where, err, out)
	}
	return string(out)
}

// Percentiles returns the p50 and p95 of durations (nearest rank).
func Percentiles(ds []time.Duration) (p50, p95 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0, 0
	}
	at := func(p float64) time.Duration {
		return s[min(len(s)-1, int(p*float64(len(s))))]
	}
	return at(0.5), at(0.95)
}

// stamp is a wall-clock prefix for logs.
func stamp() string { return time.Now().Format("15:04:05.000") }
