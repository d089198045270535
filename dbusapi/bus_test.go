package dbusapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// busConfig is a private bus that allows everything (and eavesdropping, to
// check what the service broadcasts), with limits high enough for the flood
// test to measure the service's own bound rather than the daemon's.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="max_connections_per_user">10000</limit>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">100000000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="reply_timeout">300000</limit>
</busconfig>
`

// startBus runs a private dbus-daemon for the test and returns its address.
func startBus(t testing.TB) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed (apt-get install dbus-daemon): the D-Bus layer is tested on a real private bus only")
	}
	// A short directory: a unix socket path must fit in 108 octets.
	dir, err := os.MkdirTemp("", "p2pbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, busConfig, filepath.Join(dir, "bus")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+cfg, "--print-address", "--nofork", "--nopidfile")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatalf("dbus-daemon printed no address: %s", stderr.String())
		}
		return a
	case <-time.After(10 * time.Second):
		t.Fatalf("dbus-daemon did not start: %s", stderr.String())
	}
	return ""
}

// fixture is a service on a private bus over a fake backend.
type fixture struct {
	t       testing.TB
	addr    string
	backend *fakeBackend
	dev     *fakeDevice
	svc     *Service
	done    chan error
}

type fixtureOption func(*Config)

func newFixture(t testing.TB, opts ...fixtureOption) *fixture {
	t.Helper()
	addr := startBus(t)
	b := newFakeBackend()
	cfg := Config{Bus: addr, Version: "test", CoalesceWindow: 5 * time.Millisecond, NoisyInterval: 100 * time.Millisecond,
		AgentTimeout: 5 * time.Second, BackendTimeout: 5 * time.Second, ConnectTimeout: 10 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := New(ctx, b, cfg)
	if err != nil {
		cancel()
		t.Fatalf("New: %v", err)
	}
	f := &fixture{t: t, addr: addr, backend: b, dev: b.dev, svc: svc, done: make(chan error, 1)}
	go func() { f.done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-f.done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return f
}

// client connects a new bus client.
func (f *fixture) client() *dbus.Conn {
	f.t.Helper()
	c, err := dbus.Connect(f.addr)
	if err != nil {
		f.t.Fatalf("client: %v", err)
	}
	f.t.Cleanup(func() { c.Close() })
	return c
}

const (
	phy0       = dbus.ObjectPath(RootPath + "/phy0")
	callWithin = 10 * time.Second
)

var (
	macA = api.MAC{0x02, 0, 0, 0, 0, 0xa1}
	macB = api.MAC{0x02, 0, 0, 0, 0, 0xb2}
	macC = api.MAC{0x02, 0, 0, 0, 0, 0xc3}
)

// call makes a method call (iface.Member) and returns the error.
func callErr(t testing.TB, c *dbus.Conn, path dbus.ObjectPath, method string, args ...any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callWithin)
	defer cancel()
	return c.Object(BusName, path).CallWithContext(ctx, method, 0, args...).Err
}

// callStore makes a call and stores its reply.
func callStore(t testing.TB, c *dbus.Conn, path dbus.ObjectPath, method string, out []any, args ...any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callWithin)
	defer cancel()
	return c.Object(BusName, path).CallWithContext(ctx, method, 0, args...).Store(out...)
}

func mustCall(t testing.TB, c *dbus.Conn, path dbus.ObjectPath, method string, args ...any) {
	t.Helper()
	if err := callErr(t, c, path, method, args...); err != nil {
		t.Fatalf("%s on %s: %v", method, path, err)
	}
}

// errName is the D-Bus error name of err ("" for nil).
func errName(err error) string {
	if err == nil {
		return ""
	}
	var e dbus.Error
	if errors.As(err, &e) {
		return e.Name
	}
	var pe *dbus.Error
	if errors.As(err, &pe) {
		return pe.Name
	}
	return "not a D-Bus error: " + err.Error()
}

func getProp(t testing.TB, c *dbus.Conn, path dbus.ObjectPath, iface, name string) dbus.Variant {
	t.Helper()
	var v dbus.Variant
	if err := callStore(t, c, path, ifaceProperties+".Get", []any{&v}, iface, name); err != nil {
		t.Fatalf("Get %s.%s on %s: %v", iface, name, path, err)
	}
	return v
}

// eventually waits for cond.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// signals subscribes c with the match options and returns a channel of
// the signals received that satisfy keep (a connection delivers every
// matched signal to every channel, so each channel filters its own).
func signals(t testing.TB, c *dbus.Conn, keep func(*dbus.Signal) bool, opts ...dbus.MatchOption) chan *dbus.Signal {
	t.Helper()
	if err := c.AddMatchSignal(opts...); err != nil {
		t.Fatal(err)
	}
	in := make(chan *dbus.Signal, 4096)
	out := make(chan *dbus.Signal, 4096)
	c.Signal(in)
	go func() {
		for s := range in {
			if keep(s) {
				out <- s
			}
		}
	}()
	return out
}

// nextSignal waits for a signal matching pred.
func nextSignal(t testing.TB, ch chan *dbus.Signal, within time.Duration, what string, pred func(*dbus.Signal) bool) *dbus.Signal {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case s := <-ch:
			if pred(s) {
				return s
			}
		case <-timer.C:
			t.Fatalf("no %s within %v", what, within)
			return nil
		}
	}
}

// rawCall sends a method call built by hand (any flags, no interface when
// iface is "").
func rawCall(t testing.TB, c *dbus.Conn, path dbus.ObjectPath, iface, member string, flags dbus.Flags, args ...any) *dbus.Call {
	t.Helper()
	msg := &dbus.Message{Type: dbus.TypeMethodCall, Flags: flags, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(path),
		dbus.FieldDestination: dbus.MakeVariant(BusName),
		dbus.FieldMember:      dbus.MakeVariant(member),
	}, Body: args}
	if iface != "" {
		msg.Headers[dbus.FieldInterface] = dbus.MakeVariant(iface)
	}
	if len(args) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(args...))
	}
	ctx, cancel := context.WithTimeout(context.Background(), callWithin)
	defer cancel()
	ch := make(chan *dbus.Call, 1)
	c.SendWithContext(ctx, msg, ch)
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
		return &dbus.Call{Err: ctx.Err()}
	}
}
