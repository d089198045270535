package simradio

import (
	"context"
	"net/netip"
	"slices"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// iface is one simulated wdev; it implements radio.Interface.
type iface struct {
	p      *Phy
	info   radio.InterfaceInfo
	q      *radio.EventQueue
	closed bool
	regs   []radio.FrameMatch

	ap  *apState  // a started AP
	sta *staState // a connecting or connected station

	keys       map[radio.KeyRef]radio.Key
	installs   map[radio.KeyRef]int
	pairwise   map[ieee80211.MAC]radio.Key // the last pairwise key per peer: the one used
	authorized map[ieee80211.MAC]bool
	addrs      []netip.Prefix // IP addresses, in the order added
}

// check fails a call on a removed interface or with a done context. m.mu
// must be held.
func (f *iface) check(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.closed {
		return opErr(op, radio.ErrNoDevice, "interface removed")
	}
	return nil
}

// push queues an event unless the stream has ended. m.mu must be held.
func (f *iface) push(e radio.Event) {
	if f != nil && !f.closed {
		f.q.Push(e)
	}
}

// close ends the event stream with InterfaceRemoved. m.mu must be held.
func (f *iface) close() {
	if !f.closed {
		f.closed = true
		f.q.Close(radio.InterfaceRemoved{})
	}
}

// teardown ends everything the interface runs, without events: its
// off-channel operations, its AP, its station link (sending a
// Deauthentication when sendDeauth is set, as cfg80211 does when a
// connected interface goes down). m.mu must be held.
func (f *iface) teardown(sendDeauth bool) {
	p := f.p
	var mine []*op
	for _, o := range p.ops {
		if o.ifc == f {
			mine = append(mine, o)
		}
	}
	for _, o := range mine {
		o.stop(p.m)
	}
	if len(mine) > 0 {
		p.ops = slices.DeleteFunc(p.ops, func(o *op) bool { return o.ifc == f })
		if len(p.ops) == 0 || !p.ops[0].active {
			p.m.cancel(p.switchItem)
			p.offFreq, p.switching, p.switchItem = 0, false, nil
		}
	}
	if f.ap != nil {
		f.stopAP()
	}
	if f.sta != nil {
		if sendDeauth {
			f.sendDeauth(f.sta.req.BSSID, f.sta.req.BSSID, reasonDeauthLeaving)
		}
		f.leave()
	}
	if len(mine) > 0 {
		p.runOps()
	}
}

// Info identifies the interface; Freq is the channel of its started AP or
// of its connected station link.
func (f *iface) Info() radio.InterfaceInfo {
	f.p.m.mu.Lock()
	defer f.p.m.mu.Unlock()
	i := f.info
	if f.ap != nil || f.sta != nil && f.sta.phase == phaseConnected {
		i.Freq = f.operating()
	}
	return i
}

// operating is the interface's operating channel, which its phy stays on
// outside off-channel operations: that of its started AP, or of its
// station link while connecting or connected; 0 otherwise.
func (f *iface) operating() int {
	switch {
	case f.ap != nil:
		return f.ap.cfg.Freq
	case f.sta != nil:
		return f.sta.req.Freq
	}
	return 0
}

// Events is the interface's event stream (see radio.Wdev).
func (f *iface) Events() <-chan radio.Event { return f.q.C() }

// RegisterFrame subscribes to received management frames (see
// radio.Frames). As cfg80211, it refuses (radio.ErrBusy) a registration
// that overlaps an earlier one of the interface: same subtype and one
// match a prefix of the other.
func (f *iface) RegisterFrame(ctx context.Context, fm radio.FrameMatch) error {
	const opName = "register frame"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if fm.Subtype > 15 {
		return opErr(opName, radio.ErrInvalid, "subtype %d", fm.Subtype)
	}
	for _, r := range f.regs {
		n := min(len(r.Match), len(fm.Match))
		if r.Subtype == fm.Subtype && string(r.Match[:n]) == string(fm.Match[:n]) {
			return opErr(opName, radio.ErrBusy, "overlaps the registration for subtype %d match %x", r.Subtype, r.Match)
		}
	}
	f.regs = append(f.regs, radio.FrameMatch{Subtype: fm.Subtype, Match: cloneBytes(fm.Match)})
	return nil
}

// Delete removes the interface: its operations end without their
// completion events, a started AP stops, a connected station sends a
// Deauthentication (reason 3) to its AP, and the stream ends with
// InterfaceRemoved.
func (f *iface) Delete(ctx context.Context) error {
	const opName = "delete interface"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	f.teardown(true)
	f.close()
	f.p.ifaces = slices.DeleteFunc(f.p.ifaces, func(g *iface) bool { return g == f })
	return nil
}

// AddAddress records an IP address on a netdev interface (see
// radio.Addresses); the simulated medium carries no IP.
func (f *iface) AddAddress(ctx context.Context, pfx netip.Prefix) error {
	const opName = "add address"
	return f.changeAddresses(ctx, opName, func() error {
		if !pfx.IsValid() {
			return opErr(opName, radio.ErrInvalid, "invalid prefix")
		}
		if !slices.Contains(f.addrs, pfx) {
			f.addrs = append(f.addrs, pfx)
		}
		return nil
	})
}

// DeleteAddress removes an IP address recorded by AddAddress.
func (f *iface) DeleteAddress(ctx context.Context, pfx netip.Prefix) error {
	return f.changeAddresses(ctx, "delete address", func() error {
		f.addrs = slices.DeleteFunc(f.addrs, func(a netip.Prefix) bool { return a == pfx })
		return nil
	})
}

// changeAddresses runs an address operation under the medium's lock on a
// live netdev, as the kernel would.
func (f *iface) changeAddresses(ctx context.Context, opName string, apply func() error) error {
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if f.info.Type == radio.IfP2PDevice {
		return opErr(opName, radio.ErrNotSupported, "a P2P Device has no netdev")
	}
	return apply()
}
