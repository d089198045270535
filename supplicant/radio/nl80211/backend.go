// Package nl80211 implements the radio seam (package radio) on the Linux
// kernel's cfg80211/mac80211 over generic netlink (include/uapi/linux/
// nl80211.h).
//
// Sockets. A Backend holds two sockets: one for queries (wiphy, interface
// and scan dumps) and one joined to the "config" and "regulatory" multicast
// groups, which follows phy removal and regulatory changes. Each Interface
// has a socket of its own, joined to "config", "scan" and "mlme": it creates
// the interface (NL80211_ATTR_SOCKET_OWNER, so the kernel deletes the
// interface if the process dies), owns its frame registrations (unicast
// frames come back to it), owns the AP or the connection
// (NL80211_ATTR_SOCKET_OWNER with NL80211_ATTR_CONTROL_PORT_OVER_NL80211, so
// EAPOL frames are unicast to it), and reads the interface's multicast events.
// One socket per interface keeps the kernel's order between the interface's
// unicast and multicast events in its event stream.
//
// Each request is bounded by its context; kernel errors come back as
// *radio.Error with the errno and the extended ack message.
//
// Overruns. When an interface's socket reports ENOBUFS, requests in flight
// on it fail (their replies may be lost), the stream gets EventsLost, and
// the interface's existence and frequency are read again. When the
// backend's socket overruns, the phys and the interface list are read again
// (vanished interfaces end with InterfaceRemoved, vanished phys close
// Removed).
//
// Kernel behaviour callers should know (Linux 6.1, mac80211):
//   - mac80211 gives a P2P device an address of its own and ignores
//     NL80211_ATTR_MAC; NewInterface refuses a chosen P2P device address
//     with ErrNotSupported rather than return a device that answers to
//     another address.
//   - cfg80211 reports a connection's result from a work queue while EAPOL
//     frames are delivered at once, so EAPOLReceived may precede Connected.
//   - A phy moved to another network namespace closes Removed here; the
//     netdevs we created move with it and the kernel no longer deletes them
//     when our socket closes.
package nl80211

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/clock"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Config configures a Backend.
type Config struct {
	// NetNS is an open file descriptor of the network namespace to work in
	// (e.g. /run/netns/NAME): nl80211 sees the phys of that namespace only.
	// 0 means the caller's namespace.
	NetNS int
	// Clock stamps scan results (radio.BSS.Seen); nil means clock.Real().
	Clock clock.Clock
	// EventBuffer bounds each interface's undelivered events; 0 means 1024.
	EventBuffer int
}

// dialFunc opens one nl80211 socket joined to the named multicast groups.
type dialFunc func(groups []string, sink eventSink) (transport, error)

// Backend is the radio seam's Backend on the kernel's nl80211.
type Backend struct {
	cfg    Config
	clk    clock.Clock
	family genetlink.Family
	dial   dialFunc
	link   linkOps
	pae    paeOpener
	sysfs  func(phyName string) (ieee80211.MAC, bool)

	query  transport
	events transport

	mu      sync.Mutex
	phys    map[int]*phy
	ifaces  map[*iface]struct{}
	closed  bool
	refresh chan struct{} // one pending phy refresh at a time
}

var _ radio.Backend = (*Backend)(nil)

// Multicast groups the sockets join (NL80211_MULTICAST_GROUP_*).
var (
	backendGroups = []string{unix.NL80211_MULTICAST_GROUP_CONFIG, unix.NL80211_MULTICAST_GROUP_REG}
	ifaceGroups   = []string{unix.NL80211_MULTICAST_GROUP_CONFIG, unix.NL80211_MULTICAST_GROUP_SCAN, unix.NL80211_MULTICAST_GROUP_MLME}
)

// New resolves the nl80211 family and its multicast groups and opens the
// backend's sockets.
func New(cfg Config) (*Backend, error) {
	nlcfg := &netlink.Config{NetNS: cfg.NetNS}
	c, err := genetlink.Dial(nlcfg)
	if err != nil {
		return nil, fmt.Errorf("nl80211: dial generic netlink: %w", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	fam, err := c.GetFamily(unix.NL80211_GENL_NAME)
	c.Close()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &radio.Error{Op: "resolve nl80211", Err: fmt.Errorf("%w: no nl80211 family (cfg80211 not loaded)", radio.ErrNotSupported)}
		}
		return nil, fmt.Errorf("nl80211: resolve family: %w", err)
	}
	groupIDs := make(map[string]uint32, len(fam.Groups))
	for _, g := range fam.Groups {
		groupIDs[g.Name] = g.ID
	}
	dial := func(groups []string, sink eventSink) (transport, error) {
		ids := make([]uint32, 0, len(groups))
		for _, g := range groups {
			id, ok := groupIDs[g]
			if !ok {
				return nil, fmt.Errorf("nl80211: kernel has no multicast group %q", g)
			}
			ids = append(ids, id)
		}
		s, err := dialSocket(nlcfg, ids)
		if err != nil {
			return nil, fmt.Errorf("nl80211: open socket: %w", err)
		}
		return newDemux(s, fam.ID, fam.Version, sink), nil
	}
	return newBackend(cfg, fam, dial, rtnlLink{netns: cfg.NetNS}, realPAE{netns: cfg.NetNS})
}

// newBackend assembles a Backend from its parts (tests give fakes).
func newBackend(cfg Config, fam genetlink.Family, dial dialFunc, link linkOps, pae paeOpener) (*Backend, error) {
	b := &Backend{
		cfg:     cfg,
		clk:     cfg.Clock,
		family:  fam,
		dial:    dial,
		link:    link,
		pae:     pae,
		sysfs:   sysfsPermAddr,
		phys:    make(map[int]*phy),
		ifaces:  make(map[*iface]struct{}),
		refresh: make(chan struct{}, 1),
	}
	if b.clk == nil {
		b.clk = clock.Real()
	}
	if b.cfg.EventBuffer <= 0 {
		b.cfg.EventBuffer = 1024
	}
	var err error
	if b.query, err = dial(nil, eventSink{}); err != nil {
		return nil, err
	}
	if b.events, err = dial(backendGroups, eventSink{event: b.onEvent, lost: b.onLost}); err != nil {
		b.query.close()
		return nil, err
	}
	return b, nil
}

// Close closes every socket. The kernel then deletes the interfaces this
// Backend created (they are socket-owned), stops their APs and ends their
// connections; their event streams end with InterfaceRemoved.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	ifaces := make([]*iface, 0, len(b.ifaces))
	for i := range b.ifaces {
		ifaces = append(ifaces, i)
	}
	b.mu.Unlock()
	for _, i := range ifaces {
		i.markRemoved()
		i.release(true)
	}
	err := b.events.close()
	if e := b.query.close(); err == nil {
		err = e
	}
	return err
}

// Phys lists the phys of the namespace (a split wiphy dump), in wiphy index
// order. The same Phy value is returned for a wiphy every time.
func (b *Backend) Phys(ctx context.Context) ([]radio.Phy, error) {
	ws, err := b.dumpWiphys(ctx, -1)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, &radio.Error{Op: "GET_WIPHY", Err: radio.ErrNoDevice}
	}
	seen := make(map[int]bool, len(ws))
	for _, w := range ws {
		seen[w.info.Index] = true
		if p := b.phys[w.info.Index]; p != nil {
			p.update(w)
			continue
		}
		b.phys[w.info.Index] = &phy{b: b, index: w.info.Index, w: w, removed: make(chan struct{})}
	}
	var gone []*phy
	for idx, p := range b.phys {
		if !seen[idx] {
			gone = append(gone, p)
			delete(b.phys, idx)
		}
	}
	out := make([]radio.Phy, 0, len(b.phys))
	idxs := make([]int, 0, len(b.phys))
	for idx := range b.phys {
		idxs = append(idxs, idx)
	}
	slices.Sort(idxs)
	for _, idx := range idxs {
		out = append(out, b.phys[idx])
	}
	if len(gone) > 0 {
		go func() {
			for _, p := range gone {
				b.phyGone(p)
			}
		}()
	}
	return out, nil
}

// dumpWiphys runs a split wiphy dump, of one wiphy when index >= 0.
func (b *Backend) dumpWiphys(ctx context.Context, index int) ([]*wiphy, error) {
	data, err := encode(func(ae *netlink.AttributeEncoder) {
		ae.Flag(unix.NL80211_ATTR_SPLIT_WIPHY_DUMP, true)
		if index >= 0 {
			ae.Uint32(unix.NL80211_ATTR_WIPHY, uint32(index))
		}
	})
	if err != nil {
		return nil, err
	}
	msgs, err := b.query.do(ctx, unix.NL80211_CMD_GET_WIPHY, true, data)
	if err != nil {
		return nil, mapError("GET_WIPHY", err)
	}
	ws, err := parseWiphyDump(msgs)
	if err != nil {
		return nil, &radio.Error{Op: "GET_WIPHY", Err: err}
	}
	for _, w := range ws {
		if addr, ok := b.sysfs(w.info.Name); ok {
			w.info.PermAddr = addr
		}
	}
	return ws, nil
}

// sysfsPermAddr reads a phy's permanent address, which nl80211 does not
// report, from /sys/class/ieee80211/NAME/macaddress.
func sysfsPermAddr(name string) (ieee80211.MAC, bool) {
	if name == "" || strings.ContainsAny(name, "/.") {
		return ieee80211.MAC{}, false
	}
	b, err := os.ReadFile("/sys/class/ieee80211/" + name + "/macaddress")
	if err != nil {
		return ieee80211.MAC{}, false
	}
	m, err := ieee80211.ParseMAC(strings.TrimSpace(string(b)))
	return m, err == nil
}

// onEvent handles the backend socket's events: phy removal and
// regulatory changes (which change channel flags).
func (b *Backend) onEvent(m genetlink.Message) {
	k, err := parseEvent(m)
	if err != nil {
		return
	}
	switch k.cmd {
	case unix.NL80211_CMD_DEL_WIPHY:
		b.mu.Lock()
		p := b.phys[k.wiphy]
		delete(b.phys, k.wiphy)
		b.mu.Unlock()
		if p != nil {
			b.phyGone(p)
		}
	case unix.NL80211_CMD_REG_CHANGE, unix.NL80211_CMD_WIPHY_REG_CHANGE, unix.NL80211_CMD_REG_BEACON_HINT:
		b.scheduleRefresh()
	}
}

// onLost resynchronises after the backend socket overran: phys may have
// gone, and interfaces with them, without our seeing the events.
func (b *Backend) onLost() { b.scheduleRefresh() }

// scheduleRefresh re-reads every known phy in the background (coalesced),
// and checks that the interfaces still exist.
func (b *Backend) scheduleRefresh() {
	select {
	case b.refresh <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-b.refresh }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := b.Phys(ctx); err != nil {
			return
		}
		b.checkInterfaces(ctx)
	}()
}

// checkInterfaces removes the interfaces the kernel no longer lists.
func (b *Backend) checkInterfaces(ctx context.Context) {
	msgs, err := b.query.do(ctx, unix.NL80211_CMD_GET_INTERFACE, true, nil)
	if err != nil {
		return
	}
	alive := make(map[uint64]bool, len(msgs))
	for _, m := range msgs {
		a, err := parseAttrs(m.Data)
		if err != nil {
			continue
		}
		if w, err := a.u64(unix.NL80211_ATTR_WDEV); err == nil && a.has(unix.NL80211_ATTR_WDEV) {
			alive[w] = true
		}
	}
	b.mu.Lock()
	var dead []*iface
	for i := range b.ifaces {
		if !alive[i.Info().Wdev] {
			dead = append(dead, i)
		}
	}
	b.mu.Unlock()
	for _, i := range dead {
		i.markRemoved()
	}
}

// phyGone ends a phy: its interfaces deliver InterfaceRemoved, then its
// Removed channel closes.
func (b *Backend) phyGone(p *phy) {
	b.mu.Lock()
	var of []*iface
	for i := range b.ifaces {
		if i.p == p {
			of = append(of, i)
		}
	}
	b.mu.Unlock()
	for _, i := range of {
		i.markRemoved()
	}
	p.markRemoved()
}

func (b *Backend) addIface(i *iface) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.ifaces[i] = struct{}{}
	return true
}

func (b *Backend) dropIface(i *iface) {
	b.mu.Lock()
	delete(b.ifaces, i)
	b.mu.Unlock()
}

// phy is one wiphy.
type phy struct {
	b       *Backend
	index   int
	mu      sync.Mutex
	w       *wiphy
	removed chan struct{}
	gone    bool
}

var _ radio.Phy = (*phy)(nil)

// Info returns the phy's capabilities as last read (regulatory changes
// trigger a re-read).
func (p *phy) Info() radio.PhyInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.info
}

func (p *phy) wiphy() *wiphy {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w
}

func (p *phy) update(w *wiphy) {
	p.mu.Lock()
	p.w = w
	p.mu.Unlock()
}

// Removed is closed when the phy disappears.
func (p *phy) Removed() <-chan struct{} { return p.removed }

func (p *phy) markRemoved() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.gone {
		p.gone = true
		close(p.removed)
	}
}
