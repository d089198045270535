package coordinator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// This file is the life of a running group once form started it: its
// notifications, its state as the API shows it, and its end. The
// notification and end handlers run on the loop; forwardGroup on one
// goroutine per group; LeaveGroup, AllowJoin and Disconnect on the D-Bus
// layer's goroutines (they stop groups off the loop, since a group's
// notifications go through it); endGroup on Close's goroutine.

// runningGroup is a group this device is in (Wi-Fi P2P v1.7, 3.2). Its
// fields other than id, goSide, client, done and hold are owned by the
// loop.
type runningGroup struct {
	id     api.GroupID
	goSide *group.GO
	client *group.Client
	done   <-chan struct{}
	// hold is the group's hold on the radio (the arbiter's).
	hold holdID

	// peer is the device the group is formed with.
	peer    api.MAC
	started bool
	// result receives the outcome of the formation, once.
	result  chan error
	info    api.GroupInfo
	members map[api.MAC]netip.Addr
	// configError is the WSC Configuration Error of a failed provisioning.
	configError wsc.ConfigError
	// persistent: the group is a persistent group, stored once started.
	persistent bool
	// dhcpServer is the DHCP server of a GO (nil without one); set before
	// the group is registered, closed when it ends.
	dhcpServer io.Closer
}

func newRunningGroup(peer api.MAC) *runningGroup {
	return &runningGroup{peer: peer, result: make(chan error, 1), members: map[api.MAC]netip.Addr{}}
}

// stop ends the group (GO) or leaves it (client).
func (g *runningGroup) stop(ctx context.Context) error {
	if g.goSide != nil {
		return g.goSide.Stop(ctx)
	}
	return g.client.Leave(ctx)
}

func (g *runningGroup) notifications() <-chan group.Notification {
	if g.goSide != nil {
		return g.goSide.Notifications()
	}
	return g.client.Notifications()
}

// finish reports the outcome of the formation once.
func (g *runningGroup) finish(err error) {
	select {
	case g.result <- err:
	default:
	}
}

// forwardGroup hands the notifications of a group to the loop.
func (c *Coordinator) forwardGroup(d *device, g *runningGroup) {
	defer c.wg.Done()
	for n := range g.notifications() {
		select {
		case c.cmds <- func() { d.groupNotification(g, n) }:
		case <-c.stop:
			for range g.notifications() {
			}
			return
		}
	}
	select {
	case c.cmds <- func() { d.groupEnded(g, group.ErrInterfaceRemoved) }:
	case <-c.stop:
	}
}

// groupNotification handles a group's notification.
func (d *device) groupNotification(g *runningGroup, n group.Notification) {
	if d.groups[g.id] != g {
		// Already ended (LeaveGroup reported it): a late MemberLeft must not
		// bring the group back.
		return
	}
	log := d.c.log.With(zap.String("device", string(d.id)), zap.Uint32("group", uint32(g.id)))
	switch x := n.(type) {
	case group.GroupStarted:
		log.Info("group started", zap.Stringer("state", x))
		d.groupStarted(g, x, log)
	case group.MemberJoined:
		if x.DeviceAddress == (group.MAC{}) {
			return // a legacy client has no P2P Device Address
		}
		g.members[api.MAC(x.DeviceAddress)] = x.IP
		if g.started {
			d.groupUpdated(g)
		}
	case group.MemberAddressed:
		if x.DeviceAddress == (group.MAC{}) {
			return
		}
		log.Info("member addressed by DHCP", zap.Stringer("peer", x.DeviceAddress), zap.Stringer("address", x.IP))
		g.members[api.MAC(x.DeviceAddress)] = x.IP
		if g.started {
			d.groupUpdated(g)
		}
	case group.MemberLeft:
		if _, ok := g.members[api.MAC(x.DeviceAddress)]; !ok {
			return
		}
		delete(g.members, api.MAC(x.DeviceAddress))
		if g.started {
			d.groupUpdated(g)
		}
	case group.ProvisioningFailed:
		log.Info("WPS provisioning failed", zap.Stringer("peer", x.Peer), zap.Error(x.Err))
		g.configError = x.ConfigError
	case group.GroupFailed:
		log.Info("group failed", zap.Error(x.Err))
		g.finish(groupErr(x.Err, g.configError))
		d.groupEnded(g, x.Err)
	case group.GroupRemoved:
		log.Info("group removed", zap.Error(x.Err), zap.Uint16("reason", x.ReasonCode))
		d.groupEnded(g, x.Err)
	}
}

// groupStarted records a group that is up and reports it; the formation
// is over once the group has its addresses (by DHCP when the GO gave none
// in the 4-way handshake).
func (d *device) groupStarted(g *runningGroup, x group.GroupStarted, log *zap.Logger) {
	g.started = true
	g.info = api.GroupInfo{
		ID:         g.id,
		Role:       groupRole(x.Role),
		SSID:       append([]byte(nil), x.SSID...),
		BSSID:      api.MAC(x.BSSID),
		Frequency:  uint32(x.Freq),
		Interface:  x.Interface,
		Persistent: x.Persistent || g.persistent,
		GroupOwner: api.MAC(x.GODeviceAddress),
	}
	if x.IP.IsValid() {
		g.info.LocalAddresses = []netip.Prefix{x.IP}
	}
	if x.Role == p2pmsg.RoleGO {
		if x.IP.IsValid() {
			g.info.GroupOwnerAddress = x.IP.Addr()
		}
		if _, ok := g.members[g.peer]; !ok && g.peer != (api.MAC{}) && len(x.PeerIPs) == 1 {
			g.members[g.peer] = x.PeerIPs[0]
		}
	} else {
		if len(x.PeerIPs) > 0 {
			g.info.GroupOwnerAddress = x.PeerIPs[0]
		}
		g.members = map[api.MAC]netip.Addr{g.info.GroupOwner: g.info.GroupOwnerAddress}
	}
	if x.AddressErr != nil {
		log.Warn("setting the group address", zap.Error(x.AddressErr))
	}
	if g.persistent && g.peer != (api.MAC{}) {
		d.remember(g, x)
	}
	d.groupUpdated(g)
	if x.Role == p2pmsg.RoleClient && !x.IP.IsValid() && d.c.cfg.DHCP != nil {
		// The GO gave no address in the 4-way handshake: the group is
		// up for the caller once DHCP gave one.
		d.c.wg.Add(1)
		go d.acquireAddress(g, x.Interface)
		return
	}
	g.finish(nil)
}

// groupUpdated reports the group's state; the passphrase is never part of
// it.
func (d *device) groupUpdated(g *runningGroup) {
	info := g.info
	info.Members = nil
	info.MemberAddresses = nil
	for a, ip := range g.members {
		info.Members = append(info.Members, a)
		if g.info.Role == api.RoleGO && ip.IsValid() {
			if info.MemberAddresses == nil {
				info.MemberAddresses = map[api.MAC]netip.Addr{}
			}
			info.MemberAddresses[a] = ip
		}
	}
	slices.SortFunc(info.Members, func(a, b api.MAC) int { return bytes.Compare(a[:], b[:]) })
	d.c.emit(api.GroupUpdated{Device: d.id, Info: info})
}

// groupEnded forgets the group, releases its hold on the radio and
// reports it removed when it had started.
func (d *device) groupEnded(g *runningGroup, why error) {
	if d.groups[g.id] != g {
		return
	}
	delete(d.groups, g.id)
	if g.dhcpServer != nil {
		_ = g.dhcpServer.Close()
	}
	d.release(g.hold)
	g.finish(fmt.Errorf("%w: the group ended before it started: %w", api.ErrFailed, why))
	if g.started {
		d.c.emit(api.GroupRemoved{Device: d.id, ID: g.id})
	}
}

// endGroup stops g, reading its notifications until they end; it runs
// off the loop (at Close, or when the loop refused to register g).
func (d *device) endGroup(g *runningGroup) {
	ctx, cancel := d.c.commandContext()
	defer cancel()
	go func() {
		for range g.notifications() {
		}
	}()
	if err := g.stop(ctx); err != nil && !errors.Is(err, group.ErrClosed) {
		d.c.log.Debug("stopping a group", zap.Error(err))
	}
	select {
	case <-g.done:
	case <-ctx.Done():
	}
}

// runningGO is a started group where we are GO, nil when there is none.
// It runs on the loop.
func (d *device) runningGO() *runningGroup {
	var best *runningGroup
	for _, g := range d.groups {
		if g.goSide != nil && g.started && (best == nil || g.id < best.id) {
			best = g
		}
	}
	return best
}

// LeaveGroup implements api.Device: it stops the group (GO) or leaves it
// (client) and reports it removed.
func (d *device) LeaveGroup(ctx context.Context, id api.GroupID) error {
	g, err := d.group(ctx, id)
	if err != nil {
		return err
	}
	// Stop off the loop: the group's notifications go through it.
	if err := g.stop(ctx); err != nil && !errors.Is(err, group.ErrClosed) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.c.log.Warn("stopping a group", zap.Error(err))
	}
	select {
	case <-g.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return d.do(ctx, func() error {
		d.groupEnded(g, group.ErrStopped)
		return nil
	})
}

// group returns one of our groups, read on the loop.
func (d *device) group(ctx context.Context, id api.GroupID) (*runningGroup, error) {
	var g *runningGroup
	err := d.do(ctx, func() error {
		if g = d.groups[id]; g == nil {
			return fmt.Errorf("%w: no group %d", api.ErrNotFound, id)
		}
		return nil
	})
	return g, err
}

// AllowJoin implements api.Device: it opens the Registrar of a group
// where we are GO for one Enrollee (push button, or the PIN given).
func (d *device) AllowJoin(ctx context.Context, id api.GroupID, o api.JoinOptions) error {
	g, err := d.group(ctx, id)
	if err != nil {
		return err
	}
	if g.goSide == nil {
		return fmt.Errorf("%w: we are a client in group %d", api.ErrNotSupported, id)
	}
	w := group.WPS{PasswordID: wsc.PasswordPushButton}
	switch o.Method {
	case api.MethodPINDisplay, api.MethodPINKeypad:
		if o.PIN == "" {
			return fmt.Errorf("%w: a PIN method needs the PIN", api.ErrNotSupported)
		}
		w = group.WPS{PasswordID: wsc.PasswordDefault, PIN: o.PIN}
	}
	var peer group.MAC
	if o.HasPeer {
		peer = group.MAC(o.Peer)
	}
	err = g.goSide.AllowJoin(ctx, w, peer, o.Timeout)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, group.ErrInvalidConfig):
		return fmt.Errorf("%w: %w", api.ErrInvalidArguments, err)
	case errors.Is(err, group.ErrClosed):
		return fmt.Errorf("%w: group %d ended: %w", api.ErrNotFound, id, err)
	}
	return fmt.Errorf("%w: %w", api.ErrFailed, err)
}

// Disconnect implements api.Device: it withdraws an authorization or an
// ongoing negotiation with the peer, leaves the group where the peer is
// GO and removes the peer from our groups.
func (d *device) Disconnect(ctx context.Context, peer api.MAC) error {
	var leave, remove []*runningGroup
	err := d.do(ctx, func() error {
		for _, g := range d.groups {
			switch {
			case g.goSide == nil && (g.peer == peer || g.info.GroupOwner == peer):
				leave = append(leave, g)
			case g.goSide != nil:
				if _, ok := g.members[peer]; ok {
					remove = append(remove, g)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	uerr := mapErr(d.p2p.Unauthorize(ctx, p2p.MAC(peer)))
	if len(leave) == 0 && len(remove) == 0 {
		return uerr
	}
	for _, g := range leave {
		if err := d.LeaveGroup(ctx, g.id); err != nil && !errors.Is(err, api.ErrNotFound) {
			return err
		}
	}
	for _, g := range remove {
		if err := g.goSide.RemoveClient(ctx, group.MAC(peer)); err != nil &&
			!errors.Is(err, group.ErrUnknownClient) && !errors.Is(err, group.ErrClosed) {
			return fmt.Errorf("%w: removing %v from group %d: %w", api.ErrFailed, peer, g.id, err)
		}
	}
	return nil
}
