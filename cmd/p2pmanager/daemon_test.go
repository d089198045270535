package main

import (
	"bytes"
	"context"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// notifications records the sd_notify states.
type notifications struct {
	mu     sync.Mutex
	states []string
}

func (n *notifications) notify(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.states = append(n.states, s)
}

func (n *notifications) has(s string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Contains(n.states, s)
}

// eventually polls cond every 100 ms for up to d.
func eventually(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"busctl", "dbus-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the daemon test needs it", tool)
		}
	}
}

func busctl(t *testing.T, addr string, args ...string) (string, error) {
	t.Helper()
	return busctlWithin(t, 10*time.Second, addr, args...)
}

// busctlWithin runs busctl for up to d.
func busctlWithin(t *testing.T, d time.Duration, addr string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out, err := exec.CommandContext(ctx, "busctl", append([]string{"--address=" + addr}, args...)...).CombinedOutput()
	return string(out), err
}

// startDaemon runs the service in-process on a private bus and returns
// the bus address; the service stops at the end of the test, which
// checks that it stopped cleanly.
func startDaemon(t *testing.T, cfg daemonConfig) (addr string, notes *notifications) {
	t.Helper()
	needTools(t)
	var stdout, logs lockedBuffer
	notes = &notifications{}
	log, err := newLogger(cfg.LogLevel, false, &logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log, &stdout, notes.notify) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("the service did not stop within 15 s")
		}
		if !notes.has(daemon.SdNotifyStopping) {
			t.Errorf("no STOPPING=1 at shutdown; notifications %v", notes.states)
		}
		if t.Failed() {
			t.Logf("service output:\n%s\nlog:\n%s", stdout.String(), logs.String())
		}
	})
	ok := eventually(15*time.Second, func() bool { return strings.Contains(stdout.String(), "bus address: ") })
	if !ok {
		select {
		case err := <-done:
			t.Fatalf("the service ended early: %v\n%s", err, logs.String())
		default:
		}
		t.Fatalf("the service printed no bus address; log:\n%s", logs.String())
	}
	line := stdout.String()
	line = line[strings.Index(line, "bus address: ")+len("bus address: "):]
	addr, _, _ = strings.Cut(line, "\n")
	if !notes.has(daemon.SdNotifyReady) {
		t.Errorf("READY=1 not sent once the bus name is owned; notifications %v", notes.states)
	}
	return addr, notes
}

func TestDaemonOnAPrivateBusPublishesTheSimulatedPeers(t *testing.T) {
	addr, _ := startDaemon(t, daemonConfig{Bus: "private", Radio: "sim", SimPeers: 2, LogLevel: "info", Discover: "social"})
	out, err := busctl(t, addr, "call", "org.freedesktop.WiFiP2P", "/org/freedesktop/WiFiP2P/phy0",
		"org.freedesktop.WiFiP2P.Device1", "StartDiscovery", "a{sv}", "0")
	if err != nil {
		t.Fatalf("StartDiscovery: %v: %s", err, out)
	}
	var objects string
	found := eventually(30*time.Second, func() bool {
		objects, err = busctl(t, addr, "call", "org.freedesktop.WiFiP2P", "/org/freedesktop/WiFiP2P",
			"org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
		return err == nil && strings.Contains(objects, `"sim-tv-1"`) && strings.Contains(objects, `"sim-phone-2"`)
	})
	if !found {
		t.Fatalf("the simulated peers did not appear; GetManagedObjects: %v\n%s", err, objects)
	}
}

func TestConnectThroughTheBusFormsAGroupWithASimulatedPeer(t *testing.T) {
	addr, _ := startDaemon(t, daemonConfig{Bus: "private", Radio: "sim", SimPeers: 1, LogLevel: "info", Discover: "social"})
	peer := "/org/freedesktop/WiFiP2P/phy0/peers/02_00_00_00_01_00"
	if !eventually(30*time.Second, func() bool {
		_, err := busctl(t, addr, "introspect", "org.freedesktop.WiFiP2P", peer)
		return err == nil
	}) {
		t.Fatalf("the simulated peer %s did not appear", peer)
	}
	// bind none: the group outlives busctl's connection to the bus (bound
	// to its client, it would end as soon as busctl exits).
	out, err := busctlWithin(t, 60*time.Second, addr, "--timeout=60", "call", "org.freedesktop.WiFiP2P", peer,
		"org.freedesktop.WiFiP2P.Peer1", "Connect", "a{sv}", "2", "method", "s", "pbc", "bind", "s", "none")
	if err != nil || !strings.HasPrefix(out, "o \"/org/freedesktop/WiFiP2P/phy0/groups/") {
		t.Fatalf("Connect: %v: %s; want a group object path", err, out)
	}
	path := strings.Trim(strings.TrimSpace(strings.TrimPrefix(out, "o ")), `"`)
	objects, err := busctl(t, addr, "call", "org.freedesktop.WiFiP2P", "/org/freedesktop/WiFiP2P",
		"org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
	if err != nil {
		t.Fatalf("GetManagedObjects: %v: %s", err, objects)
	}
	for _, want := range []string{path, "org.freedesktop.WiFiP2P.Group1", `"Interface"`, `"Addresses"`, `"192.168.49.`} {
		if !strings.Contains(objects, want) {
			t.Errorf("GetManagedObjects lacks %s:\n%s", want, objects)
		}
	}
	if out, err := busctl(t, addr, "call", "org.freedesktop.WiFiP2P", path, "org.freedesktop.WiFiP2P.Group1", "Leave"); err != nil {
		t.Fatalf("Leave: %v: %s", err, out)
	}
	if !eventually(10*time.Second, func() bool {
		objects, err = busctl(t, addr, "call", "org.freedesktop.WiFiP2P", "/org/freedesktop/WiFiP2P",
			"org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
		return err == nil && !strings.Contains(objects, "org.freedesktop.WiFiP2P.Group1")
	}) {
		t.Errorf("the group is still there after Leave: %v\n%s", err, objects)
	}
	// The simulated peer ended its side and listens again: a second
	// Connect forms a new group.
	out, err = busctlWithin(t, 60*time.Second, addr, "--timeout=60", "call", "org.freedesktop.WiFiP2P", peer,
		"org.freedesktop.WiFiP2P.Peer1", "Connect", "a{sv}", "2", "method", "s", "pbc", "bind", "s", "none")
	if err != nil || !strings.HasPrefix(out, "o \"/org/freedesktop/WiFiP2P/phy0/groups/") || strings.Contains(out, path+`"`) {
		t.Fatalf("second Connect: %v: %s; want a new group object path", err, out)
	}
}

func TestWatchdogIsFedWhenSystemdAsksForIt(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", "")
	_, notes := startDaemon(t, daemonConfig{Bus: "private", Radio: "sim", SimPeers: 0, LogLevel: "info"})
	if !eventually(5*time.Second, func() bool { return notes.has(daemon.SdNotifyWatchdog) }) {
		t.Errorf("no WATCHDOG=1 with WATCHDOG_USEC=100000; notifications %v", notes.states)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"run", "-radio=wifi"},
		{"run", "-sim-peers=-1"},
		{"run", "-discover=sometimes"},
		{"run", "-log-level=loud"},
		{"run", "extra"},
	} {
		if _, _, code := runTool(t, args...); code != 2 {
			t.Errorf("p2pmanager %v exited %d, want 2", args, code)
		}
	}
}
