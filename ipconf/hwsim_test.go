package ipconf

// Tests against the real kernel, in the hwsim VM (they need root, network
// namespaces and veth; no radio):
//
//	go test -c -o ipconf/.ipconf.test ./ipconf &&
//	P2P_HWSIM=1 ../shared/hwsim/vm-run --radios 0 --timeout 600 -- ipconf/.ipconf.test -test.v -test.run Hwsim
//
// from the checkout. Each test makes two namespaces joined by a veth pair
// (the GO's side "A" with 192.168.49.1/24, the client's side "B") and
// deletes them.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"
)

// hwsimWait bounds one exchange: the VM runs under TCG, several times
// slower than a host.
const hwsimWait = 60 * time.Second

func requireHwsim(t *testing.T) {
	t.Helper()
	if os.Getenv("P2P_HWSIM") != "1" {
		t.Skip("needs root, netns and veth: set P2P_HWSIM=1 inside the hwsim VM (see hwsim_test.go)")
	}
}

// vethLink is a veth pair between two fresh network namespaces.
type vethLink struct {
	nsA, nsB     string // names under /run/netns
	ifA, ifB     string
	hwA, hwB     net.HardwareAddr
	sideA, sideB *IPConf
}

var linkSeq atomic.Int32

func ipCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// newVethLink makes the namespaces and the link, with addrA on side A
// (when valid) and both ends up.
func newVethLink(t *testing.T, addrA netip.Prefix) *vethLink {
	t.Helper()
	n := linkSeq.Add(1)
	l := &vethLink{
		nsA: fmt.Sprintf("ipconf-%d-a%d", os.Getpid(), n),
		nsB: fmt.Sprintf("ipconf-%d-b%d", os.Getpid(), n),
		ifA: fmt.Sprintf("ipcA%d", n),
		ifB: fmt.Sprintf("ipcB%d", n),
		hwA: net.HardwareAddr{0x02, 0, 0, 0, byte(n), 0x0a},
		hwB: memberHW,
	}
	for _, ns := range []string{l.nsA, l.nsB} {
		ipCmd(t, "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	ipCmd(t, "link", "add", l.ifA, "address", l.hwA.String(), "type", "veth",
		"peer", "name", l.ifB, "address", l.hwB.String())
	ipCmd(t, "link", "set", l.ifA, "netns", l.nsA)
	ipCmd(t, "link", "set", l.ifB, "netns", l.nsB)
	if addrA.IsValid() {
		ipCmd(t, "-n", l.nsA, "addr", "add", addrA.String(), "dev", l.ifA)
	}
	for _, s := range [][2]string{{l.nsA, l.ifA}, {l.nsB, l.ifB}, {l.nsA, "lo"}, {l.nsB, "lo"}} {
		ipCmd(t, "-n", s[0], "link", "set", s[1], "up")
	}
	l.sideA = New(Config{NetNS: "/run/netns/" + l.nsA})
	l.sideB = New(Config{NetNS: "/run/netns/" + l.nsB})
	return l
}

func waitCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func serve(t *testing.T, c *IPConf, cfg ServerConfig) *Server {
	t.Helper()
	s, err := c.Serve(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Server.Close: %v", err)
		}
	})
	return s
}

type leaseEvent struct {
	hw   string
	addr netip.Addr
}

func TestHwsimClientAcquiresALeaseFromAServerStartingLateAndPingsIt(t *testing.T) {
	requireHwsim(t)
	l := newVethLink(t, serverAddr)

	type result struct {
		lease Lease
		err   error
		took  time.Duration
	}
	done := make(chan result, 1)
	ctx := waitCtx(t, hwsimWait)
	go func() {
		start := time.Now()
		lease, err := l.sideB.Acquire(ctx, l.ifB)
		done <- result{lease, err, time.Since(start)}
	}()
	// The GO's server starts a moment after the client's first DISCOVER.
	time.Sleep(1500 * time.Millisecond)
	leases := make(chan leaseEvent, 4)
	serve(t, l.sideA, ServerConfig{
		Interface: l.ifA,
		Address:   serverAddr,
		Leaser:    members(),
		OnLease: func(hw net.HardwareAddr, addr netip.Addr) {
			leases <- leaseEvent{hw.String(), addr}
		},
	})
	r := <-done
	if r.err != nil {
		t.Fatalf("Acquire: %v", r.err)
	}
	t.Logf("lease after %v: %+v", r.took, r.lease)
	want := Lease{
		Address:  netip.PrefixFrom(memberIP, 24),
		Server:   serverAddr.Addr(),
		Router:   serverAddr.Addr(),
		Duration: time.Hour,
	}
	if diff := cmp.Diff(want, r.lease, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
		cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("lease (-want +got):\n%s", diff)
	}
	select {
	case ev := <-leases:
		if diff := cmp.Diff(leaseEvent{memberHW.String(), memberIP}, ev, cmp.AllowUnexported(leaseEvent{}),
			cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
			t.Errorf("OnLease (-want +got):\n%s", diff)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("OnLease not called")
	}

	ipCmd(t, "-n", l.nsB, "addr", "add", r.lease.Address.String(), "dev", l.ifB)
	out, err := exec.Command("ip", "netns", "exec", l.nsB, "ping", "-c", "1", "-W", "10",
		r.lease.Server.String()).CombinedOutput()
	if err != nil {
		t.Fatalf("ping %v from the leased address: %v\n%s", r.lease.Server, err, out)
	}

	// A second client run in the same state gets the same address
	// (INIT again: DISCOVER, REQUEST).
	again, err := l.sideB.Acquire(waitCtx(t, hwsimWait), l.ifB)
	if err != nil {
		t.Fatalf("second Acquire: %v", err)
	}
	if again.Address != r.lease.Address {
		t.Errorf("second lease %v, want %v", again.Address, r.lease.Address)
	}
	if err := l.sideB.Release(waitCtx(t, hwsimWait), l.ifB, again); err != nil {
		t.Errorf("Release: %v", err)
	}
}

func TestHwsimClientTheLeaserRefusesGetsNoLease(t *testing.T) {
	requireHwsim(t)
	l := newVethLink(t, serverAddr)
	var asked atomic.Int32
	serve(t, l.sideA, ServerConfig{
		Interface: l.ifA,
		Address:   serverAddr,
		Leaser: LeaserFunc(func(_ context.Context, hw net.HardwareAddr) (netip.Addr, error) {
			asked.Add(1)
			return netip.Addr{}, fmt.Errorf("%v: %w", hw, ErrNotMember)
		}),
	})
	lease, err := l.sideB.Acquire(waitCtx(t, 5*time.Second), l.ifB)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire = %+v, %v; want context.DeadlineExceeded", lease, err)
	}
	// 1 s first retransmission: DISCOVERs at 0, 1, 3 s at least.
	if n := asked.Load(); n < 2 {
		t.Errorf("Leaser asked %d times, want the retransmitted DISCOVERs", n)
	}
}

func TestHwsimReleaseReachesTheServerFromTheLeasedAddress(t *testing.T) {
	requireHwsim(t)
	l := newVethLink(t, serverAddr)
	var conn net.PacketConn
	err := l.sideA.inNetNS(func() error {
		var err error
		conn, err = server4.NewIPv4UDPConn(l.ifA, &net.UDPAddr{Port: serverPort})
		return err
	})
	if err != nil {
		t.Fatalf("server socket: %v", err)
	}
	t.Cleanup(func() { conn.Close() })

	lease := Lease{Address: netip.PrefixFrom(memberIP, 24), Server: serverAddr.Addr(), Duration: time.Hour}
	if err := l.sideB.Release(waitCtx(t, hwsimWait), l.ifB, lease); err != nil {
		t.Fatalf("Release: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(hwsimWait))
	buf := make([]byte, maxMessage)
	n, from, err := conn.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no DHCPRELEASE: %v", err)
	}
	m, err := dhcpv4.FromBytes(buf[:n])
	if err != nil {
		t.Fatalf("DHCPRELEASE does not decode: %v", err)
	}
	type release struct {
		From, Type, Ciaddr, Chaddr, ServerID string
		Op                                   dhcpv4.OpcodeType
	}
	got := release{
		From:     from.String(),
		Op:       m.OpCode,
		Type:     m.MessageType().String(),
		Ciaddr:   m.ClientIPAddr.String(),
		Chaddr:   m.ClientHWAddr.String(),
		ServerID: m.ServerIdentifier().String(),
	}
	want := release{
		From:     "192.168.49.23:68",
		Op:       dhcpv4.OpcodeBootRequest,
		Type:     "RELEASE",
		Ciaddr:   memberIP.String(),
		Chaddr:   memberHW.String(),
		ServerID: serverAddr.Addr().String(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DHCPRELEASE (-want +got):\n%s", diff)
	}
}

func TestHwsimServeRequiresItsAddressOnTheInterface(t *testing.T) {
	requireHwsim(t)
	l := newVethLink(t, netip.Prefix{})
	s, err := l.sideA.Serve(context.Background(), ServerConfig{Interface: l.ifA, Address: serverAddr, Leaser: members()})
	if err == nil {
		s.Close()
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("Serve without the address on %s: err = %v, want ErrInvalid", l.ifA, err)
	}
}

func TestHwsimServerStopsWithItsContext(t *testing.T) {
	requireHwsim(t)
	l := newVethLink(t, serverAddr)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := l.sideA.Serve(ctx, ServerConfig{Interface: l.ifA, Address: serverAddr, Leaser: members()})
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	cancel()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("server still running after its context ended")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// The port is free again: a new server starts.
	serve(t, l.sideA, ServerConfig{Interface: l.ifA, Address: serverAddr, Leaser: members()})
}
