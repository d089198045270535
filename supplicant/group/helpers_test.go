package group

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
)

// sim is a simulated medium for one test; its cleanup closes the medium
// and waits for every group to end, so that no goroutine outlives the
// synctest bubble.
type sim struct {
	t       *testing.T
	m       *simradio.Medium
	watches []*watch
	taps    []*tapIface
	extra   []radio.Interface
}

func newSim(t *testing.T) *sim {
	t.Helper()
	s := &sim{t: t, m: simradio.NewMedium(simradio.Options{})}
	t.Cleanup(func() {
		s.m.Close()
		for _, f := range s.extra {
			for range f.Events() {
			}
		}
		for _, w := range s.watches {
			for range w.ch {
			}
		}
		for _, tp := range s.taps {
			<-tp.closed
		}
	})
	return s
}

// iface creates an interface the test drives itself.
func (s *sim) iface(name string, typ radio.IfType) radio.Interface {
	s.t.Helper()
	p, err := s.m.AddPhy(simradio.PhyConfig{Name: name})
	if err != nil {
		s.t.Fatal(err)
	}
	f, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: typ})
	if err != nil {
		s.t.Fatal(err)
	}
	s.extra = append(s.extra, f)
	return f
}

// node is one simulated device: a phy (wrapped so that tests see its
// group interface) and its P2P Device Address.
type node struct {
	phy *simradio.Phy
	tap *tapPhy
	dev MAC
}

func (s *sim) node(name string) *node {
	s.t.Helper()
	return s.nodeWith(simradio.PhyConfig{Name: name})
}

func (s *sim) nodeWith(cfg simradio.PhyConfig) *node {
	s.t.Helper()
	p, err := s.m.AddPhy(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	dev := p.Info().PermAddr
	dev[0] |= 0x02 // a P2P Device Address distinct from the interfaces'
	dev[5] ^= 0x80
	return &node{phy: p, tap: &tapPhy{Phy: p, s: s}, dev: dev}
}

func (n *node) device(name string) Device {
	return Device{
		Address:           n.dev,
		Name:              name,
		PrimaryDeviceType: p2pmsg.DeviceType{Category: 10, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 5},
	}
}

// seeded is a deterministic random source for a test.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	for i := range s {
		s[i] = byte(seed >> (8 * (i % 8)))
	}
	s[31] ^= 0x5a
	return rand.NewChaCha8(s)
}

// tapPhy wraps a phy so that the interfaces it creates are tapIfaces.
type tapPhy struct {
	*simradio.Phy
	s    *sim
	mu   sync.Mutex
	last *tapIface
	hook func(pdu []byte, send func() error) error
	// noTxStatus hides the phy's EAPOL TX status (as a radio that cannot
	// tell: PhyInfo.ControlPortTxStatus false).
	noTxStatus bool
}

// Info is the phy's, without ControlPortTxStatus when noTxStatus is set.
func (p *tapPhy) Info() radio.PhyInfo {
	info := p.Phy.Info()
	if p.noTxStatus {
		info.ControlPortTxStatus = false
	}
	return info
}

func (p *tapPhy) NewInterface(ctx context.Context, cfg radio.InterfaceConfig) (radio.Interface, error) {
	ifc, err := p.Phy.NewInterface(ctx, cfg)
	if err != nil {
		return nil, err
	}
	t := &tapIface{Interface: ifc, events: make(chan radio.Event), closed: make(chan struct{})}
	go t.forward()
	p.mu.Lock()
	p.last = t
	t.sendEAPOL, p.hook = p.hook, nil
	p.mu.Unlock()
	p.s.taps = append(p.s.taps, t)
	return t, nil
}

// hookNext makes the next interface send its EAPOL PDUs through hook.
func (p *tapPhy) hookNext(hook func(pdu []byte, send func() error) error) {
	p.mu.Lock()
	p.hook = hook
	p.mu.Unlock()
}

func (p *tapPhy) iface() *tapIface {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// tapIface records the events of an interface and the EAPOL PDUs it
// sends, and lets a test meddle with them.
type tapIface struct {
	radio.Interface
	events chan radio.Event
	closed chan struct{}

	mu   sync.Mutex
	seen []radio.Event
	sent [][]byte
	// sendEAPOL, when set, sends each EAPOL PDU in place of the
	// interface (calling send to do it).
	sendEAPOL func(pdu []byte, send func() error) error
}

func (t *tapIface) forward() {
	defer close(t.closed)
	defer close(t.events)
	for ev := range t.Interface.Events() {
		t.mu.Lock()
		t.seen = append(t.seen, ev)
		t.mu.Unlock()
		t.events <- ev
	}
}

func (t *tapIface) Events() <-chan radio.Event { return t.events }

func (t *tapIface) SendEAPOL(ctx context.Context, dst ieee80211.MAC, pdu []byte) (radio.Cookie, error) {
	t.mu.Lock()
	hook := t.sendEAPOL
	t.sent = append(t.sent, append([]byte(nil), pdu...))
	t.mu.Unlock()
	var c radio.Cookie
	send := func() error {
		var err error
		c, err = t.Interface.SendEAPOL(ctx, dst, pdu)
		return err
	}
	if hook != nil {
		err := hook(pdu, send)
		return c, err
	}
	err := send()
	return c, err
}

func (t *tapIface) received() []radio.EAPOLReceived {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []radio.EAPOLReceived
	for _, e := range t.seen {
		if r, ok := e.(radio.EAPOLReceived); ok {
			out = append(out, r)
		}
	}
	return out
}

func (t *tapIface) sentPDUs() [][]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([][]byte(nil), t.sent...)
}

// keyMessage names an EAPOL-Key PDU (MessageUnknown for anything else).
func keyMessage(pdu []byte) eapol.Message {
	_, k, err := eapol.DecodeKeyFrame(pdu, eapol.DefaultMICLen)
	if err != nil {
		return eapol.MessageUnknown
	}
	m, err := k.Classify()
	if err != nil {
		return eapol.MessageUnknown
	}
	return m
}

// watch collects a group's notifications.
type watch struct {
	ch   chan Notification
	mu   sync.Mutex
	seen []Notification
}

func (s *sim) watch(src <-chan Notification) *watch {
	w := &watch{ch: make(chan Notification, 256)}
	go func() {
		for n := range src {
			w.ch <- n
		}
		close(w.ch)
	}()
	s.watches = append(s.watches, w)
	return w
}

// await reads notifications until one of type T arrives within d (virtual
// time), remembering the others.
func await[T Notification](t *testing.T, w *watch, d time.Duration) T {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case n, ok := <-w.ch:
			if !ok {
				t.Fatalf("notifications ended waiting for %T; saw %s", *new(T), w.describe())
			}
			w.mu.Lock()
			w.seen = append(w.seen, n)
			w.mu.Unlock()
			if x, ok := n.(T); ok {
				return x
			}
		case <-deadline:
			t.Fatalf("no %T within %v; saw %s", *new(T), d, w.describe())
		}
	}
}

// drainFor collects what arrives within d.
func (w *watch) drainFor(d time.Duration) []Notification {
	deadline := time.After(d)
	var out []Notification
	for {
		select {
		case n, ok := <-w.ch:
			if !ok {
				return out
			}
			w.mu.Lock()
			w.seen = append(w.seen, n)
			w.mu.Unlock()
			out = append(out, n)
		case <-deadline:
			return out
		}
	}
}

func (w *watch) all() []Notification {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Notification(nil), w.seen...)
}

func (w *watch) describe() string {
	s := ""
	for _, n := range w.all() {
		s += fmt.Sprintf("\n\t%T %+v", n, n)
	}
	if s == "" {
		return "nothing"
	}
	return s
}

// has reports whether a notification of type T was seen.
func has[T Notification](w *watch) bool {
	for _, n := range w.all() {
		if _, ok := n.(T); ok {
			return true
		}
	}
	return false
}

func mustStartGO(t *testing.T, s *sim, n *node, cfg GOConfig) (*GO, *watch) {
	t.Helper()
	g, err := StartGO(context.Background(), n.tap, cfg)
	if err != nil {
		t.Fatalf("StartGO: %v", err)
	}
	return g, s.watch(g.Notifications())
}

func mustStartClient(t *testing.T, s *sim, n *node, cfg ClientConfig) (*Client, *watch) {
	t.Helper()
	c, err := StartClient(context.Background(), n.tap, cfg)
	if err != nil {
		t.Fatalf("StartClient: %v", err)
	}
	return c, s.watch(c.Notifications())
}

// within polls cond in virtual time until it holds or d passes.
func within(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		synctest.Wait()
		if cond() {
			return true
		}
		time.Sleep(100 * time.Microsecond)
	}
	synctest.Wait()
	return cond()
}

const testFreq = 2437
