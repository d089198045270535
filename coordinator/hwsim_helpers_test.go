package coordinator

// Helpers of hwsim_test.go: a coordinator on a real radio (nl80211 in the
// hwsim VM) driven as the D-Bus layer drives it, with the test as its
// agent.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/internal/hwsimtest"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/nl80211"
)

// stampedEvent is a coordinator event with its arrival time.
type stampedEvent struct {
	at time.Time
	ev api.Event
}

// hwCoord is a coordinator on the radios of one network namespace.
type hwCoord struct {
	t    *testing.T
	name string
	ns   *hwsimtest.NetNS
	c    *Coordinator
	dev  api.Device
	info api.DeviceInfo
	addr api.MAC

	mu     sync.Mutex
	cond   *sync.Cond
	events []stampedEvent
	peers  map[api.MAC]api.PeerInfo
	// refuse makes the agent refuse authorizations; pin is what it types
	// for AgentRequestPIN.
	refuse bool
	pin    string
}

// lockedBuffer collects the coordinator's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Sync() error { return nil }

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startHwCoord starts a coordinator on the phys of ns (nil: the default
// namespace) with our test as its agent. Its log is shown when the test
// fails (P2P_COORD_LOG=1: always; P2P_TRACE=1 adds the cores' traces).
func startHwCoord(t *testing.T, name string, ns *hwsimtest.NetNS) *hwCoord {
	t.Helper()
	cfg := nl80211.Config{}
	if ns != nil {
		cfg.NetNS = ns.Open(t)
	}
	b, err := nl80211.New(cfg)
	if err != nil {
		t.Fatalf("nl80211: %v", err)
	}
	t.Cleanup(func() { b.Close() })

	buf := &lockedBuffer{}
	level := zapcore.InfoLevel
	if os.Getenv("P2P_TRACE") != "" {
		level = zapcore.DebugLevel
	}
	enc := zap.NewDevelopmentEncoderConfig()
	enc.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), buf, level)).Named(name)
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("P2P_COORD_LOG") != "" {
			lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
			t.Logf("coordinator %s log (last 300 lines):\n%s", name, strings.Join(lines[max(0, len(lines)-300):], "\n"))
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), hwsimtest.OpTimeout)
	defer cancel()
	c, err := New(ctx, b, Config{
		Name: name,
		DeviceConfig: func(radio.PhyInfo) p2p.Config {
			pc := p2p.DefaultConfig(name)
			// Under emulation wpa_supplicant answers slowly: wait longer.
			pc.Timing.NegConfirmWait = time.Second
			pc.Timing.NegResponseWait = time.Second
			pc.Timing.PDResponseWait = 500 * time.Millisecond
			return pc
		},
	}, log)
	if err != nil {
		t.Fatalf("coordinator: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	h := &hwCoord{t: t, name: name, ns: ns, c: c, peers: map[api.MAC]api.PeerInfo{}}
	h.cond = sync.NewCond(&h.mu)
	initial, events, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(initial) != 1 {
		t.Fatalf("%s: %d initial events, want one DeviceAdded (one radio in its namespace)", name, len(initial))
	}
	added, ok := initial[0].(api.DeviceAdded)
	if !ok {
		t.Fatalf("initial event %T, want DeviceAdded", initial[0])
	}
	h.dev, h.info, h.addr = added.Device, added.Info, added.Info.Address
	go h.record(events)
	t.Logf("coordinator %q: P2P Device %v (%s)", name, h.addr, h.info.ID)
	return h
}

// record keeps the events and acts as the agent.
func (h *hwCoord) record(events <-chan api.Event) {
	for ev := range events {
		h.mu.Lock()
		h.events = append(h.events, stampedEvent{at: time.Now(), ev: ev})
		switch x := ev.(type) {
		case api.PeerUpdated:
			h.peers[x.Info.Address] = x.Info
		case api.PeerRemoved:
			delete(h.peers, x.Address)
		}
		refuse, pin := h.refuse, h.pin
		h.cond.Broadcast()
		h.mu.Unlock()
		if a, ok := ev.(api.AgentRequest); ok && a.Respond != nil {
			switch a.Kind {
			case api.AgentAuthorize:
				a.Respond(api.AgentResponse{Accepted: !refuse})
			case api.AgentRequestPIN:
				a.Respond(api.AgentResponse{Accepted: pin != "", PIN: pin})
			default:
				a.Respond(api.AgentResponse{Accepted: true})
			}
		}
	}
}

// mark is the index of the next event.
func (h *hwCoord) mark() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events)
}

// waitFrom returns the first event from index from on that matches,
// waiting up to d.
func (h *hwCoord) waitFrom(from int, d time.Duration, match func(api.Event) bool) (stampedEvent, bool) {
	deadline := time.Now().Add(d)
	timer := time.AfterFunc(d, func() {
		h.mu.Lock()
		h.cond.Broadcast()
		h.mu.Unlock()
	})
	defer timer.Stop()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := from; ; {
		for ; i < len(h.events); i++ {
			if match(h.events[i].ev) {
				return h.events[i], true
			}
		}
		if !time.Now().Before(deadline) {
			return stampedEvent{}, false
		}
		h.cond.Wait()
	}
}

// knows tells whether the peer is in our peer table.
func (h *hwCoord) knows(peer api.MAC) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.peers[peer]
	return ok
}

// waitPeer waits until the peer is known, from any event on.
func (h *hwCoord) waitPeer(d time.Duration, peer api.MAC) (api.PeerInfo, bool) {
	e, ok := h.waitFrom(0, d, func(ev api.Event) bool {
		p, ok := ev.(api.PeerUpdated)
		return ok && p.Info.Address == peer
	})
	if !ok {
		return api.PeerInfo{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if p, ok := h.peers[peer]; ok {
		return p, true
	}
	return e.ev.(api.PeerUpdated).Info, true
}

// waitGroup waits for a GroupUpdated of group id (any group when 0) from
// index from on that satisfies ok (nil: any).
func (h *hwCoord) waitGroup(from int, d time.Duration, id api.GroupID, ok func(api.GroupInfo) bool) (api.GroupInfo, time.Time, bool) {
	e, found := h.waitFrom(from, d, func(ev api.Event) bool {
		g, is := ev.(api.GroupUpdated)
		return is && (id == 0 || g.Info.ID == id) && (ok == nil || ok(g.Info))
	})
	if !found {
		return api.GroupInfo{}, time.Time{}, false
	}
	return e.ev.(api.GroupUpdated).Info, e.at, true
}

// lastGroupInfo is the latest GroupUpdated of group id.
func (h *hwCoord) lastGroupInfo(id api.GroupID) (api.GroupInfo, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.events) - 1; i >= 0; i-- {
		if g, ok := h.events[i].ev.(api.GroupUpdated); ok && g.Info.ID == id {
			return g.Info, true
		}
	}
	return api.GroupInfo{}, false
}

// summary lists the events from index from on, for failure messages.
func (h *hwCoord) summary(from int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, e := range h.events[min(from, len(h.events)):] {
		switch x := e.ev.(type) {
		case api.PeerUpdated:
			if x.Info.LastError == nil {
				continue // too many
			}
			fmt.Fprintf(&b, "  %s PeerUpdated %v LastError %v\n", e.at.Format("15:04:05.000"), x.Info.Address, x.Info.LastError)
		case api.AgentRequest:
			fmt.Fprintf(&b, "  %s AgentRequest kind %d request %v method %v peer %v\n", e.at.Format("15:04:05.000"), x.Kind, x.Request, x.Method, x.Peer)
		default:
			fmt.Fprintf(&b, "  %s %T %+v\n", e.at.Format("15:04:05.000"), e.ev, e.ev)
		}
	}
	return b.String()
}

// parseMAC reads a MAC as wpa_supplicant prints it.
func parseMAC(t *testing.T, s string) api.MAC {
	t.Helper()
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		t.Fatalf("MAC %q: %v", s, err)
	}
	return api.MAC(hw)
}

// opCtx is a context for one coordinator call.
func opCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// hwPair is our coordinator on wlan0's radio (default namespace) and a
// wpa_supplicant on wlan1's, in namespace coord-wpas; wlan2's radio is
// parked in coord-park so that the coordinator runs on one radio only.
type hwPair struct {
	us   *hwCoord
	w    *hwsimtest.WpaSupplicant
	wns  *hwsimtest.NetNS
	them api.MAC
}

func newHwPair(t *testing.T, ourName string) *hwPair {
	t.Helper()
	hwsimtest.Require(t)
	wns := hwsimtest.NewNetNS(t, "coord-wpas")
	wns.MovePhyOf(t, "wlan1")
	park := hwsimtest.NewNetNS(t, "coord-park")
	park.MovePhyOf(t, "wlan2")
	w := hwsimtest.StartWpaSupplicant(t, hwsimtest.WpaConfig{Netdev: "wlan1", NetNS: wns, Name: "wpas-peer", Extra: hwsimtest.GOAddressingConf})
	us := startHwCoord(t, ourName, nil)
	return &hwPair{us: us, w: w, wns: wns, them: parseMAC(t, w.DeviceAddress())}
}

// discover makes each side know the other (social discovery on both),
// then stops wpa_supplicant's find. Ours goes on until stopDiscovery.
func (p *hwPair) discover(t *testing.T) {
	t.Helper()
	start := time.Now()
	from := p.w.Mark()
	p.w.OK(t, "P2P_FIND type=social")
	if err := p.us.dev.StartDiscovery(opCtx(t, hwsimtest.OpTimeout), api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
		t.Fatalf("StartDiscovery: %v", err)
	}
	if _, ok := p.us.waitPeer(hwsimtest.FindTimeout, p.them); !ok {
		t.Fatalf("we did not find wpa_supplicant %v", p.them)
	}
	if _, ok := p.w.Wait(from, hwsimtest.FindTimeout, "P2P-DEVICE-FOUND "+p.us.addr.String()); !ok {
		t.Fatalf("wpa_supplicant did not find us (%v)", p.us.addr)
	}
	_, _ = p.w.Request("P2P_STOP_FIND")
	t.Logf("both sides found each other in %v", time.Since(start).Round(time.Millisecond))
}

// stopDiscovery ends our discovery.
func (h *hwCoord) stopDiscovery(t *testing.T) {
	t.Helper()
	if err := h.dev.StopDiscovery(opCtx(t, hwsimtest.OpTimeout)); err != nil {
		t.Fatalf("StopDiscovery: %v", err)
	}
}

// wpasGroupStarted waits for wpa_supplicant's P2P-GROUP-STARTED (from
// index from), failing early on a formation failure.
func wpasGroupStarted(t *testing.T, w *hwsimtest.WpaSupplicant, from int, d time.Duration) (hwsimtest.GroupStarted, hwsimtest.Event) {
	t.Helper()
	ev, k := w.WaitAny(from, d, []string{"P2P-GROUP-STARTED"}, []string{"P2P-GO-NEG-FAILURE"}, []string{"P2P-GROUP-FORMATION-FAILURE"}, []string{"WPS-FAIL"})
	switch k {
	case -1:
		t.Fatalf("wpa_supplicant: no P2P-GROUP-STARTED within %v; its events:\n%s", d, eventList(w, from))
	case 0:
	default:
		t.Fatalf("wpa_supplicant: %s; its events:\n%s", ev.Text, eventList(w, from))
	}
	g, err := hwsimtest.ParseGroupStarted(ev)
	if err != nil {
		t.Fatal(err)
	}
	return g, ev
}

func eventList(w *hwsimtest.WpaSupplicant, from int) string {
	var b strings.Builder
	for _, e := range w.Events(from) {
		fmt.Fprintf(&b, "  %s %s\n", e.At.Format("15:04:05.000"), e.Text)
	}
	return b.String()
}

// hasAddr waits until `ip addr show dev ifname` in ns lists addr.
func hasAddr(t *testing.T, ns *hwsimtest.NetNS, ifname string, addr netip.Prefix) bool {
	t.Helper()
	var got []netip.Prefix
	for range 50 {
		got = hwsimtest.Addresses(t, ns, ifname)
		if slices.Contains(got, addr) {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("%s has addresses %v, want %v on it", ifname, got, addr)
	return false
}

// v4 is the first IPv4 prefix of a list.
func v4(ps []netip.Prefix) (netip.Prefix, bool) {
	for _, p := range ps {
		if p.Addr().Is4() {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// checkGroupWithWpas completes a group formed with wpa_supplicant: it
// addresses wpa_supplicant's group interface (192.168.49.1/24 when it is
// GO, the address our GO gave it otherwise), checks our address on our
// group interface and pings both ways over the air.
func (p *hwPair) checkGroupWithWpas(t *testing.T, id api.GroupID, gs hwsimtest.GroupStarted, ev hwsimtest.Event) api.GroupInfo {
	t.Helper()
	var theirs netip.Prefix
	switch gs.Role {
	case "GO":
		theirs = hwsimtest.WpaGOAddress
	case "client":
		theirs = gs.Prefix()
		if !theirs.IsValid() {
			t.Fatalf("our GO gave wpa_supplicant no address in the 4-way handshake: %s", ev.Text)
		}
	default:
		t.Fatalf("role %q in %s", gs.Role, ev.Text)
	}
	p.wns.Run(t, "ip", "addr", "add", theirs.String(), "dev", gs.Ifname)
	info, _, ok := p.us.waitGroup(0, hwsimtest.OpTimeout, id, func(g api.GroupInfo) bool { _, ok := v4(g.LocalAddresses); return ok })
	if !ok {
		last, _ := p.us.lastGroupInfo(id)
		t.Fatalf("our group %d has no IPv4 address in its LocalAddresses; last GroupUpdated %+v", id, last)
	}
	wantRole := api.RoleGO
	if gs.Role == "GO" {
		wantRole = api.RoleClient
	}
	if info.Role != wantRole {
		t.Errorf("our role %v, wpa_supplicant's %s", info.Role, gs.Role)
	}
	ours, _ := v4(info.LocalAddresses)
	t.Logf("group %d: ours %v %v on %s, wpa_supplicant %s %v on %s, %d MHz, SSID %q",
		id, info.Role, ours, info.Interface, gs.Role, theirs, gs.Ifname, gs.Freq, gs.SSID)
	if gs.Role == "client" && gs.GOIPAddr.IsValid() && gs.GOIPAddr != ours.Addr() {
		t.Errorf("wpa_supplicant's go_ip_addr %v, our address %v", gs.GOIPAddr, ours)
	}
	if !hasAddr(t, nil, info.Interface, ours) {
		return info
	}
	out := hwsimtest.Ping(t, nil, theirs.Addr())
	t.Logf("ping from us to wpa_supplicant: %s", lastLine(out))
	out = hwsimtest.Ping(t, p.wns, ours.Addr())
	t.Logf("ping from wpa_supplicant to us: %s", lastLine(out))
	return info
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) >= 2 {
		return lines[len(lines)-2] + " / " + lines[len(lines)-1]
	}
	return s
}

// leave leaves group id and waits for its GroupRemoved.
func (h *hwCoord) leave(t *testing.T, id api.GroupID) {
	t.Helper()
	from := h.mark()
	if err := h.dev.LeaveGroup(opCtx(t, hwsimtest.OpTimeout), id); err != nil {
		t.Fatalf("LeaveGroup(%d): %v", id, err)
	}
	if _, ok := h.waitFrom(from, hwsimtest.OpTimeout, func(ev api.Event) bool {
		r, ok := ev.(api.GroupRemoved)
		return ok && r.ID == id
	}); !ok {
		t.Errorf("no GroupRemoved for group %d after LeaveGroup", id)
	}
}
