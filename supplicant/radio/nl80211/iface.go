package nl80211

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Default netdev names; the kernel (mac80211) replaces %d with the first
// free number.
var defaultNames = map[radio.IfType]string{
	radio.IfStation:   "wlan%d",
	radio.IfAP:        "ap%d",
	radio.IfP2PClient: "p2p-cli%d",
	radio.IfP2PGO:     "p2p-go%d",
}

// NewInterface creates an interface (NL80211_CMD_NEW_INTERFACE with
// NL80211_ATTR_SOCKET_OWNER) on its own socket. A P2P GO or client falls
// back to AP or station when the phy lacks the P2P type (Info().Type then
// says which). The address is set at creation (NL80211_ATTR_MAC) when the
// phy has NL80211_FEATURE_MAC_ON_CREATE or for a P2P device, otherwise
// through rtnetlink before the netdev comes up. A P2P device is started
// (NL80211_CMD_START_P2P_DEVICE); a netdev is brought up.
func (p *phy) NewInterface(ctx context.Context, cfg radio.InterfaceConfig) (radio.Interface, error) {
	const op = "NEW_INTERFACE"
	w := p.wiphy()
	select {
	case <-p.removed:
		return nil, localError(op, radio.ErrNoDevice, "phy %d removed", p.index)
	default:
	}
	typ := cfg.Type
	if !w.info.SupportedIfTypes.Has(typ) {
		switch {
		case typ == radio.IfP2PGO && w.info.SupportedIfTypes.Has(radio.IfAP):
			typ = radio.IfAP
		case typ == radio.IfP2PClient && w.info.SupportedIfTypes.Has(radio.IfStation):
			typ = radio.IfStation
		default:
			return nil, localError(op, radio.ErrNotSupported, "phy %s has no %v interfaces", w.info.Name, cfg.Type)
		}
	}
	nlType, _ := ifTypeToNL(typ)
	name := cfg.Name
	if typ == radio.IfP2PDevice {
		name = "p2p-dev-" + w.info.Name
	} else if name == "" {
		name = defaultNames[typ]
	}
	if len(name) > unix.IFNAMSIZ-1 {
		if typ != radio.IfP2PDevice {
			return nil, localError(op, radio.ErrInvalid, "interface name %q longer than %d", name, unix.IFNAMSIZ-1)
		}
		name = name[:unix.IFNAMSIZ-1]
	}
	macOnCreate := !cfg.Addr.IsZero() && (typ == radio.IfP2PDevice || w.info.MACOnCreate)

	i := &iface{b: p.b, p: p, q: radio.NewEventQueue(p.b.cfg.EventBuffer), ptk: make(map[ieee80211.MAC]bool)}
	i.cond = sync.NewCond(&i.mu)
	sock, err := p.b.dial(ifaceGroups, eventSink{event: i.onEvent, lost: i.onLost})
	if err != nil {
		i.q.Close(nil)
		return nil, &radio.Error{Op: op, Err: err}
	}
	i.sock = sock
	abandon := func(err error) (radio.Interface, error) {
		sock.close() // the kernel deletes a socket-owned interface
		i.mu.Lock()
		i.gone = true
		i.q.Close(nil)
		i.mu.Unlock()
		return nil, err
	}
	data, err := encode(func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_WIPHY, uint32(p.index))
		ae.Uint32(unix.NL80211_ATTR_IFTYPE, nlType)
		ae.String(unix.NL80211_ATTR_IFNAME, name)
		if macOnCreate {
			ae.Bytes(unix.NL80211_ATTR_MAC, cfg.Addr[:])
		}
		ae.Flag(unix.NL80211_ATTR_SOCKET_OWNER, true)
	})
	if err != nil {
		return abandon(&radio.Error{Op: op, Err: err})
	}
	msgs, err := sock.do(ctx, unix.NL80211_CMD_NEW_INTERFACE, false, data)
	if err != nil {
		return abandon(mapError(op, err))
	}
	info, err := parseNewInterface(msgs)
	if err != nil {
		return abandon(&radio.Error{Op: op, Err: err})
	}
	info.Phy = p.index
	if info.Type == 0 {
		info.Type = typ
	}
	i.mu.Lock()
	i.info = info
	i.mu.Unlock()

	fail := func(op string, err error) (radio.Interface, error) {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = i.sock.do(cctx, unix.NL80211_CMD_DEL_INTERFACE, false, i.targetAttrs())
		i.markRemoved()
		i.release(true)
		return nil, mapError(op, err)
	}
	if macOnCreate && info.Addr != cfg.Addr {
		// mac80211 (Linux 6.1) assigns a P2P device its own address and
		// ignores NL80211_ATTR_MAC: an interface answering to another
		// address than the caller's would drop the frames sent to it.
		return fail(op, localError(op, radio.ErrNotSupported, "phy %s gave %v address %v, not %v", w.info.Name, typ, info.Addr, cfg.Addr))
	}
	if typ == radio.IfP2PDevice {
		if _, err := i.request(ctx, unix.NL80211_CMD_START_P2P_DEVICE, nil); err != nil {
			return fail("START_P2P_DEVICE", err)
		}
	} else {
		if !cfg.Addr.IsZero() && !macOnCreate {
			if err := p.b.link.setAddr(ctx, info.Index, cfg.Addr); err != nil {
				return fail("set address", err)
			}
			i.mu.Lock()
			i.info.Addr = cfg.Addr
			i.mu.Unlock()
		}
		if err := p.b.link.setUp(ctx, info.Index, true); err != nil {
			return fail("link up", err)
		}
	}
	if !p.b.addIface(i) {
		return fail(op, errClosed)
	}
	return i, nil
}

// parseNewInterface reads the NEW_INTERFACE reply.
func parseNewInterface(msgs []genetlink.Message) (radio.InterfaceInfo, error) {
	for _, m := range msgs {
		if m.Header.Command != unix.NL80211_CMD_NEW_INTERFACE {
			continue
		}
		a, err := parseAttrs(m.Data)
		if err != nil {
			return radio.InterfaceInfo{}, err
		}
		r := reader{a: a}
		info := radio.InterfaceInfo{
			Phy:   int(r.u32(unix.NL80211_ATTR_WIPHY)),
			Wdev:  r.u64(unix.NL80211_ATTR_WDEV),
			Index: int(r.u32(unix.NL80211_ATTR_IFINDEX)),
			Addr:  r.mac(unix.NL80211_ATTR_MAC),
		}
		if v, ok := a[unix.NL80211_ATTR_IFNAME]; ok && info.Index != 0 {
			info.Name = cString(v)
		}
		if a.has(unix.NL80211_ATTR_IFTYPE) {
			info.Type, _ = ifTypeFromNL(r.u32(unix.NL80211_ATTR_IFTYPE))
		}
		if r.err != nil {
			return radio.InterfaceInfo{}, r.err
		}
		if info.Wdev == 0 {
			return info, fmt.Errorf("%w: NEW_INTERFACE reply without a wdev", ErrMalformed)
		}
		return info, nil
	}
	return radio.InterfaceInfo{}, fmt.Errorf("%w: no NEW_INTERFACE reply", ErrMalformed)
}

// iface is one wdev with its socket and event stream.
type iface struct {
	b    *Backend
	p    *phy
	sock transport
	q    *radio.EventQueue

	mu       sync.Mutex
	cond     *sync.Cond
	info     radio.InterfaceInfo
	gone     bool // InterfaceRemoved queued; no new requests
	inflight int  // requests on the socket
	released bool
	ctrlPort bool // EAPOL over nl80211 (an AP or a connection owned by our socket)
	pae      paeConn
	ptk      map[ieee80211.MAC]bool // peers with a pairwise key installed
	connFreq int                    // frequency of the Connect in progress
	eapolSeq uint64                 // local EAPOL cookies handed out (see sentEAPOL)
}

var _ radio.Interface = (*iface)(nil)

// Info identifies the interface.
func (i *iface) Info() radio.InterfaceInfo {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.info
}

// Events is the interface's ordered event stream.
func (i *iface) Events() <-chan radio.Event { return i.q.C() }

// targetAttrs names the interface in a request: a netdev by
// NL80211_ATTR_IFINDEX, a P2P device by NL80211_ATTR_WDEV.
func (i *iface) targetAttrs() []byte {
	b, _ := encode(i.target)
	return b
}

func (i *iface) target(ae *netlink.AttributeEncoder) {
	i.mu.Lock()
	idx, wdev := i.info.Index, i.info.Wdev
	i.mu.Unlock()
	if idx != 0 {
		ae.Uint32(unix.NL80211_ATTR_IFINDEX, uint32(idx))
	} else {
		ae.Uint64(unix.NL80211_ATTR_WDEV, wdev)
	}
}

// begin admits a request unless the interface is gone.
func (i *iface) begin(op string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.gone {
		return localError(op, radio.ErrNoDevice, "interface removed")
	}
	i.inflight++
	return nil
}

func (i *iface) end() {
	i.mu.Lock()
	i.inflight--
	if i.inflight == 0 {
		i.cond.Broadcast()
	}
	i.mu.Unlock()
}

// request sends a command about this interface on its socket.
func (i *iface) request(ctx context.Context, cmd uint8, fill func(ae *netlink.AttributeEncoder)) ([]genetlink.Message, error) {
	op := cmdName(cmd)
	if err := i.begin(op); err != nil {
		return nil, err
	}
	defer i.end()
	data, err := encode(func(ae *netlink.AttributeEncoder) {
		i.target(ae)
		if fill != nil {
			fill(ae)
		}
	})
	if err != nil {
		return nil, localError(op, radio.ErrInvalid, "%v", err)
	}
	return i.do(ctx, cmd, false, data)
}

func (i *iface) do(ctx context.Context, cmd uint8, dump bool, data []byte) ([]genetlink.Message, error) {
	msgs, err := i.sock.do(ctx, cmd, dump, data)
	if err != nil {
		return nil, mapError(cmdName(cmd), err)
	}
	return msgs, nil
}

// onEvent handles a message of the interface's socket.
func (i *iface) onEvent(m genetlink.Message) {
	k, err := parseEvent(m)
	if err != nil || k.ev == nil {
		return
	}
	i.mu.Lock()
	if !k.concerns(i.info.Wdev, i.info.Index) {
		i.mu.Unlock()
		return
	}
	switch e := k.ev.(type) {
	case radio.InterfaceRemoved:
		i.mu.Unlock()
		i.markRemoved()
		return
	case radio.Connected:
		if e.Freq == 0 {
			e.Freq = i.connFreq
			k.ev = e
		}
		if e.Status == 0 && !e.TimedOut {
			i.info.Freq = e.Freq
		} else {
			i.info.Freq = 0
		}
	case radio.Disconnected:
		i.info.Freq = 0
		clear(i.ptk)
	case radio.StationRemoved:
		// A client's kernel also reports the removal of its AP's station
		// entry; the seam's event is about an AP's stations.
		if i.info.Type != radio.IfAP && i.info.Type != radio.IfP2PGO {
			i.mu.Unlock()
			return
		}
		delete(i.ptk, e.Addr)
	}
	if !i.gone {
		i.q.Push(k.ev)
	}
	i.mu.Unlock()
}

// onLost: the interface's socket overran, so its events may have been
// dropped (the count is unknown: 1 stands for "some"). The consumer must
// read its state again; this package re-reads what it keeps itself: whether
// the interface still exists and its operating frequency
// (NL80211_CMD_GET_INTERFACE).
func (i *iface) onLost() {
	i.push(radio.EventsLost{Count: 1})
	go i.resync()
}

func (i *iface) resync() {
	if i.begin("GET_INTERFACE") != nil {
		return
	}
	defer i.end()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := i.b.query.do(ctx, unix.NL80211_CMD_GET_INTERFACE, false, i.targetAttrs())
	if errors.Is(mapError("GET_INTERFACE", err), radio.ErrNoDevice) {
		go i.markRemoved()
		return
	}
	if err != nil || len(msgs) == 0 {
		return
	}
	a, err := parseAttrs(msgs[0].Data)
	if err != nil {
		return
	}
	freq, err := a.u32(unix.NL80211_ATTR_WIPHY_FREQ)
	if err != nil {
		return
	}
	i.mu.Lock()
	i.info.Freq = int(freq)
	i.mu.Unlock()
}

// push queues an event unless the stream has ended.
func (i *iface) push(e radio.Event) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.gone {
		i.q.Push(e)
	}
}

// markRemoved ends the event stream with InterfaceRemoved (once) and
// releases the socket in the background once no request uses it.
func (i *iface) markRemoved() {
	i.mu.Lock()
	if i.gone {
		i.mu.Unlock()
		return
	}
	i.gone = true
	i.info.Freq = 0
	i.q.Close(radio.InterfaceRemoved{})
	i.mu.Unlock()
	i.b.dropIface(i)
	go i.release(false)
}

// release closes the socket (and a PAE socket), after the last request
// unless forced (requests in flight then fail).
func (i *iface) release(force bool) {
	i.mu.Lock()
	for !force && i.inflight > 0 {
		i.cond.Wait()
	}
	if i.released {
		i.mu.Unlock()
		return
	}
	i.released = true
	pae := i.pae
	i.pae = nil
	i.mu.Unlock()
	if pae != nil {
		pae.close()
	}
	i.sock.close()
}

// Delete stops a P2P device and deletes the interface
// (NL80211_CMD_STOP_P2P_DEVICE, NL80211_CMD_DEL_INTERFACE). The event stream
// ends with InterfaceRemoved.
func (i *iface) Delete(ctx context.Context) error {
	info := i.Info()
	if info.Type == radio.IfP2PDevice {
		if _, err := i.request(ctx, unix.NL80211_CMD_STOP_P2P_DEVICE, nil); err != nil && !isGone(err) {
			return err
		}
	}
	_, err := i.request(ctx, unix.NL80211_CMD_DEL_INTERFACE, nil)
	if err != nil && !isGone(err) {
		return err
	}
	i.markRemoved()
	return nil
}

// isGone reports an error that means the interface no longer exists.
func isGone(err error) bool {
	return errors.Is(err, radio.ErrNoDevice)
}
