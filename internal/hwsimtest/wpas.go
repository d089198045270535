package hwsimtest

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// GOAddressingConf is WpaConfig.Extra for a wpa_supplicant that may become
// GO: it then hands its clients 192.168.49.100..200/24 in the 4-way
// handshake (IP Address Allocation, Wi-Fi P2P v1.7, 4.2.8) and expects
// 192.168.49.1 on its group interface (which the test sets: wpa_supplicant
// configures no addresses).
const GOAddressingConf = `ip_addr_go=192.168.49.1
ip_addr_mask=255.255.255.0
ip_addr_start=192.168.49.100
ip_addr_end=192.168.49.200
`

// WpaGOAddress is the address GOAddressingConf gives a wpa_supplicant GO.
var WpaGOAddress = netip.MustParsePrefix("192.168.49.1/24")

// WpaConfig configures StartWpaSupplicant.
type WpaConfig struct {
	// Netdev is the station netdev to run on (wlan1...), in NetNS.
	Netdev string
	// NetNS is the namespace to run in; nil is the default namespace.
	NetNS *NetNS
	// Name is the P2P Device Name ("wpas-" + Netdev when empty).
	Name string
	// ListenChannel is 1, 6 or 11 (0: 6).
	ListenChannel int
	// Extra are more lines of the configuration file.
	Extra string
}

// WpaSupplicant is a running wpa_supplicant driven through its global
// control socket; every event of its interfaces is recorded.
type WpaSupplicant struct {
	t      testing.TB
	cfg    WpaConfig
	dir    string
	global string
	p2pDev string
	addr   string
	cmd    *exec.Cmd
	once   sync.Once
	nconn  atomic.Int64

	reqMu sync.Mutex
	ctrl  *net.UnixConn

	mu     sync.Mutex
	cond   *sync.Cond
	events []Event
}

// StartWpaSupplicant runs wpa_supplicant with a P2P configuration on
// cfg.Netdev (inside cfg.NetNS when given) and waits for its P2P Device.
// Cleanup removes its groups and terminates it.
func StartWpaSupplicant(t testing.TB, cfg WpaConfig) *WpaSupplicant {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "wpas-" + cfg.Netdev
	}
	if cfg.ListenChannel == 0 {
		cfg.ListenChannel = 6
	}
	dir, err := os.MkdirTemp("/tmp", "hwsim-wpas-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "p2p.conf")
	text := fmt.Sprintf(`ctrl_interface=DIR=%s/ctrl
update_config=0
device_name=%s
device_type=1-0050F204-1
config_methods=push_button virtual_push_button display keypad
p2p_listen_reg_class=81
p2p_listen_channel=%d
p2p_oper_reg_class=81
p2p_oper_channel=6
p2p_go_ht40=0
persistent_reconnect=0
%s`, dir, cfg.Name, cfg.ListenChannel, cfg.Extra)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &WpaSupplicant{t: t, cfg: cfg, dir: dir, global: filepath.Join(dir, "global"), p2pDev: "p2p-dev-" + cfg.Netdev}
	w.cond = sync.NewCond(&w.mu)
	args := []string{"wpa_supplicant", "-Dnl80211", "-i", cfg.Netdev, "-c", conf, "-g", w.global, "-t"}
	logFile := filepath.Join(dir, "log")
	if os.Getenv("P2P_WPAS_DEBUG") != "" {
		args = append(args, "-dd", "-f", logFile)
		t.Cleanup(func() {
			if t.Failed() || os.Getenv("P2P_WPAS_DEBUG") == "2" {
				b, _ := os.ReadFile(logFile)
				var lines []string
				for _, l := range strings.Split(string(b), "\n") {
					for _, k := range []string{"P2P", "WPS", "EAPOL", "WPA:", "nl80211: Frame", "TX status", "Action", "off-channel", "Off-channel", "State:"} {
						if strings.Contains(l, k) {
							lines = append(lines, l)
							break
						}
					}
				}
				t.Logf("wpa_supplicant %s log (last 400 relevant lines):\n%s", cfg.Name, strings.Join(lines[max(0, len(lines)-400):], "\n"))
			}
		})
	}
	w.cmd = command(cfg.NetNS, args...)
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w.cmd.Stdout, w.cmd.Stderr = out, out
	if err := w.cmd.Start(); err != nil {
		t.Fatalf("wpa_supplicant: %v", err)
	}
	t.Cleanup(w.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(w.global); err == nil {
			if c, err := w.dial(); err == nil {
				w.ctrl = c
				if r, err := w.Request("PING"); err == nil && r == "PONG" {
					break
				}
				c.Close()
				w.ctrl = nil
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "out"))
			t.Fatalf("wpa_supplicant's control socket did not come up:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mon, err := w.dial()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mon.Write([]byte("ATTACH")); err != nil {
		t.Fatal(err)
	}
	go w.monitor(mon)
	for range 100 {
		st, _ := w.Request("IFNAME=" + w.p2pDev + " STATUS")
		for _, l := range strings.Split(st, "\n") {
			if a, ok := strings.CutPrefix(l, "p2p_device_address="); ok {
				w.addr = strings.TrimSpace(a)
			}
		}
		if w.addr != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if w.addr == "" {
		t.Fatalf("no P2P Device address for %s", w.p2pDev)
	}
	where := ""
	if cfg.NetNS != nil {
		where = " in namespace " + cfg.NetNS.Name()
	}
	t.Logf("wpa_supplicant %q on %s%s: P2P Device %s", cfg.Name, cfg.Netdev, where, w.addr)
	return w
}

// DeviceAddress is wpa_supplicant's P2P Device Address (lower-case
// colon-separated hex).
func (w *WpaSupplicant) DeviceAddress() string { return w.addr }

// Netdev is the station netdev it runs on.
func (w *WpaSupplicant) Netdev() string { return w.cfg.Netdev }

// P2PDevice is its P2P Device interface name (p2p-dev-wlan1).
func (w *WpaSupplicant) P2PDevice() string { return w.p2pDev }

// NetNS is the namespace it runs in (nil: the default one).
func (w *WpaSupplicant) NetNS() *NetNS { return w.cfg.NetNS }

func (w *WpaSupplicant) dial() (*net.UnixConn, error) {
	local := &net.UnixAddr{Name: filepath.Join(w.dir, fmt.Sprintf("cli%d", w.nconn.Add(1))), Net: "unixgram"}
	return net.DialUnix("unixgram", local, &net.UnixAddr{Name: w.global, Net: "unixgram"})
}

// Request sends one command to the global control socket ("IFNAME=X CMD"
// addresses an interface) and returns the reply without its final
// newline.
func (w *WpaSupplicant) Request(cmd string) (string, error) {
	w.reqMu.Lock()
	defer w.reqMu.Unlock()
	if w.ctrl == nil {
		return "", fmt.Errorf("wpa_supplicant: not connected")
	}
	if _, err := w.ctrl.Write([]byte(cmd)); err != nil {
		return "", err
	}
	buf := make([]byte, 16384)
	w.ctrl.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := w.ctrl.Read(buf)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(buf[:n]), "\n"), nil
}

// Must runs a command and returns its reply; a transport error or a FAIL
// (or UNKNOWN COMMAND) reply fails the test.
func (w *WpaSupplicant) Must(t testing.TB, format string, args ...any) string {
	t.Helper()
	cmd := fmt.Sprintf(format, args...)
	r, err := w.Request(cmd)
	if err != nil {
		t.Fatalf("wpa_supplicant %q: %v", cmd, err)
	}
	if strings.HasPrefix(r, "FAIL") || strings.HasPrefix(r, "UNKNOWN COMMAND") {
		t.Fatalf("wpa_supplicant %q: %q", cmd, r)
	}
	return r
}

// OK runs a command that must answer OK.
func (w *WpaSupplicant) OK(t testing.TB, format string, args ...any) {
	t.Helper()
	if r := w.Must(t, format, args...); r != "OK" {
		t.Fatalf("wpa_supplicant %q: %q", fmt.Sprintf(format, args...), r)
	}
}

// OKSoon retries a command for up to 10 s until it answers OK
// (wpa_supplicant refuses some while it finishes an earlier exchange);
// then it fails the test.
func (w *WpaSupplicant) OKSoon(t testing.TB, format string, args ...any) {
	t.Helper()
	cmd := fmt.Sprintf(format, args...)
	var r string
	for range 50 {
		var err error
		if r, err = w.Request(cmd); err == nil && r == "OK" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("wpa_supplicant %q: %q", cmd, r)
}

// P2P is Must on the P2P Device interface: "IFNAME=p2p-dev-X " + command.
func (w *WpaSupplicant) P2P(t testing.TB, format string, args ...any) string {
	t.Helper()
	return w.Must(t, "IFNAME=%s %s", w.p2pDev, fmt.Sprintf(format, args...))
}

func (w *WpaSupplicant) monitor(c *net.UnixConn) {
	defer c.Close()
	buf := make([]byte, 16384)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		text := strings.TrimSpace(string(buf[:n]))
		if text == "OK" {
			continue
		}
		w.mu.Lock()
		w.events = append(w.events, Event{At: time.Now(), Text: text})
		w.cond.Broadcast()
		w.mu.Unlock()
		if os.Getenv("P2P_TRACE") != "" {
			w.t.Logf("%s %s: %s", stamp(), w.cfg.Name, text)
		}
	}
}

// Mark is the index of the next event, for Wait.
func (w *WpaSupplicant) Mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.events)
}

// Events returns the events from index from on.
func (w *WpaSupplicant) Events(from int) []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	if from >= len(w.events) {
		return nil
	}
	return append([]Event(nil), w.events[from:]...)
}

// Wait returns the first event from index from on whose text contains
// all of subs, waiting up to timeout.
func (w *WpaSupplicant) Wait(from int, timeout time.Duration, subs ...string) (Event, bool) {
	ev, i := w.WaitAny(from, timeout, subs)
	return ev, i == 0
}

// WaitAny returns the first event from index from on that contains all
// the substrings of one of alts, and the index of that alternative (-1
// when none came within timeout).
func (w *WpaSupplicant) WaitAny(from int, timeout time.Duration, alts ...[]string) (Event, int) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		w.mu.Lock()
		w.cond.Broadcast()
		w.mu.Unlock()
	})
	defer timer.Stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := from; ; {
		for ; i < len(w.events); i++ {
			for k, subs := range alts {
				if containsAll(w.events[i].Text, subs) {
					return w.events[i], k
				}
			}
		}
		if !time.Now().Before(deadline) {
			return Event{}, -1
		}
		w.cond.Wait()
	}
}

func containsAll(s string, subs []string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// Reset ends whatever P2P operation and group wpa_supplicant runs.
func (w *WpaSupplicant) Reset() {
	for _, c := range []string{"P2P_STOP_FIND", "P2P_CANCEL", "P2P_GROUP_REMOVE *", "P2P_FLUSH"} {
		_, _ = w.Request("IFNAME=" + w.p2pDev + " " + c)
	}
}

// Stop removes its groups and terminates it (cleanup does it too).
func (w *WpaSupplicant) Stop() { w.once.Do(w.terminate) }

func (w *WpaSupplicant) terminate() {
	if w.ctrl != nil {
		w.Reset()
		_, _ = w.Request("TERMINATE")
		w.reqMu.Lock()
		w.ctrl.Close()
		w.ctrl = nil
		w.reqMu.Unlock()
	}
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
}

// Event is one event of wpa_supplicant as the global control socket
// delivers it: "IFNAME=p2p-dev-wlan1 <3>P2P-DEVICE-FOUND ...".
type Event struct {
	At   time.Time
	Text string
}

// split returns the interface prefix and the rest, priority removed.
func (e Event) split() (ifname, rest string) {
	rest = e.Text
	if s, ok := strings.CutPrefix(rest, "IFNAME="); ok {
		ifname, rest, _ = strings.Cut(s, " ")
	}
	if strings.HasPrefix(rest, "<") {
		if i := strings.IndexByte(rest, '>'); i > 0 {
			rest = rest[i+1:]
		}
	}
	return ifname, rest
}

// Ifname is the interface the event came from (its IFNAME= prefix).
func (e Event) Ifname() string { f, _ := e.split(); return f }

// Name is the event's name (P2P-GROUP-STARTED...).
func (e Event) Name() string {
	_, rest := e.split()
	name, _, _ := strings.Cut(rest, " ")
	return name
}

// words splits the event after its name into words, keeping quoted
// values ('...' and "...") whole.
func (e Event) words() []string {
	_, rest := e.split()
	_, rest, _ = strings.Cut(rest, " ")
	var words []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == ' ':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// Args are the event's positional words (those without key=), after its
// name.
func (e Event) Args() []string {
	var args []string
	for _, w := range e.words() {
		if !strings.Contains(w, "=") {
			args = append(args, w)
		}
	}
	return args
}

// Field is the value of key=value in the event, quotes removed ("" when
// absent).
func (e Event) Field(key string) string {
	for _, w := range e.words() {
		if v, ok := strings.CutPrefix(w, key+"="); ok {
			if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
				v = v[1 : len(v)-1]
			}
			return v
		}
	}
	return ""
}

// GroupStarted holds the fields of wpa_supplicant's P2P-GROUP-STARTED:
// "P2P-GROUP-STARTED p2p-wlan1-0 client ssid="DIRECT-.." freq=2437
// psk=... go_dev_addr=.. ip_addr=.. ip_mask=.. go_ip_addr=..".
type GroupStarted struct {
	Ifname    string
	Role      string // "GO" or "client"
	SSID      string
	Freq      int
	GODevAddr string
	// IPAddr, IPMask and GOIPAddr are set on a client that got its address
	// in the 4-way handshake (IP Address Allocation).
	IPAddr   netip.Addr
	IPMask   netip.Addr
	GOIPAddr netip.Addr
}

// ParseGroupStarted reads a P2P-GROUP-STARTED event.
func ParseGroupStarted(e Event) (GroupStarted, error) {
	if e.Name() != "P2P-GROUP-STARTED" {
		return GroupStarted{}, fmt.Errorf("not a P2P-GROUP-STARTED: %q", e.Text)
	}
	args := e.Args()
	if len(args) < 2 {
		return GroupStarted{}, fmt.Errorf("P2P-GROUP-STARTED without interface and role: %q", e.Text)
	}
	g := GroupStarted{Ifname: args[0], Role: args[1], SSID: e.Field("ssid"), GODevAddr: e.Field("go_dev_addr")}
	g.Freq, _ = strconv.Atoi(e.Field("freq"))
	for _, f := range []struct {
		key string
		dst *netip.Addr
	}{{"ip_addr", &g.IPAddr}, {"ip_mask", &g.IPMask}, {"go_ip_addr", &g.GOIPAddr}} {
		if v := e.Field(f.key); v != "" {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return g, fmt.Errorf("P2P-GROUP-STARTED %s: %w", f.key, err)
			}
			*f.dst = a
		}
	}
	return g, nil
}

// Prefix is the client's address with the length of its mask (invalid
// when it got none).
func (g GroupStarted) Prefix() netip.Prefix {
	if !g.IPAddr.IsValid() || !g.IPMask.Is4() {
		return netip.Prefix{}
	}
	m := g.IPMask.As4()
	bits := 0
	for _, b := range m {
		for ; b&0x80 != 0; b <<= 1 {
			bits++
		}
	}
	return netip.PrefixFrom(g.IPAddr, bits)
}
