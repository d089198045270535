package coordinator

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// runningGroup is a group this device is in (Wi-Fi P2P v1.7, 3.2). Its
// fields other than id, goSide, client and done are owned by the loop.
type runningGroup struct {
	id     api.GroupID
	goSide *group.GO
	client *group.Client
	done   <-chan struct{}

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

// groupDevice describes our P2P Device to the group.
func (d *device) groupDevice() group.Device {
	return group.Device{
		Address:           d.p2p.Address(),
		Name:              d.info.Name,
		PrimaryDeviceType: p2p.DeviceType(d.info.PrimaryDeviceType),
	}
}

// startGroup starts our side of the group the negotiation agreed on, with
// push button provisioning, and registers it with the loop. It runs off
// the loop.
func (d *device) startGroup(ctx context.Context, res p2p.NegotiationResult, dev group.Device, wps group.WPS) (*runningGroup, error) {
	return d.launchGroup(ctx, func() (*runningGroup, error) { return d.startNegotiated(ctx, res, dev, wps) })
}

// launchGroup pauses find and listen, starts a group with start and
// registers it with the loop. It runs off the loop.
func (d *device) launchGroup(ctx context.Context, start func() (*runningGroup, error)) (*runningGroup, error) {
	// Stop find and listen first: the group interface needs the radio on
	// the operating channel.
	// The loop's bookkeeping must not be undone halfway by ctx: these
	// commands are answered at once.
	t0 := time.Now()
	err := d.do(context.Background(), func() error {
		d.holds++
		if err := d.applyChanged(ctx); err != nil {
			d.c.log.Warn("pausing discovery for the group", zap.Error(err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	g, err := start()
	d.c.log.Debug("group launched", zap.Duration("pausing_discovery", t1.Sub(t0)), zap.Duration("starting", time.Since(t1)), zap.Error(err))
	if err == nil {
		err = d.register(g)
	}
	if err != nil {
		d.c.post(d.release)
		return nil, err
	}
	return g, nil
}

// release ends a hold of startGroup on the radio.
func (d *device) release() {
	d.holds--
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.applyChanged(ctx); err != nil {
		d.c.log.Warn("resuming discovery after the group", zap.Error(err))
	}
}

// startNegotiated starts our side of the group a GO Negotiation agreed
// on, provisioned with wps.
func (d *device) startNegotiated(ctx context.Context, res p2p.NegotiationResult, dev group.Device, w group.WPS) (*runningGroup, error) {
	wps := &w
	g := newRunningGroup(api.MAC(res.Peer))
	g.persistent = res.Persistent
	if res.Role == p2pmsg.RoleGO {
		gs, err := group.StartGO(ctx, d.phy, group.GOConfig{
			Device:           dev,
			Freq:             res.Freq,
			SSID:             []byte(res.SSID),
			Persistent:       res.Persistent,
			InterfaceAddress: d.ifAddr,
			Formation: &group.Formation{
				Peer:          res.Peer,
				PeerInterface: res.PeerInterfaceAddress,
				WPS:           wps,
			},
		})
		if err != nil {
			return nil, fmt.Errorf("%w: starting the group: %w", api.ErrFailed, err)
		}
		g.goSide, g.done = gs, gs.Done()
		d.serveDHCP(ctx, g)
		return g, nil
	}
	cs, err := group.StartClient(ctx, d.phy, group.ClientConfig{
		Device:             dev,
		GODeviceAddress:    res.GODeviceAddress,
		GOInterfaceAddress: res.PeerInterfaceAddress,
		Freq:               res.Freq,
		SSID:               []byte(res.SSID),
		WPS:                wps,
		InterfaceAddress:   d.ifAddr,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: joining the group: %w", api.ErrFailed, err)
	}
	g.client, g.done = cs, cs.Done()
	return g, nil
}

func newRunningGroup(peer api.MAC) *runningGroup {
	return &runningGroup{peer: peer, result: make(chan error, 1), members: map[api.MAC]netip.Addr{}}
}

// register gives g its ID and hands its notifications to the loop; when
// the loop is gone it ends g.
func (d *device) register(g *runningGroup) error {
	// Answered at once: ctx must not undo it halfway.
	err := d.do(context.Background(), func() error {
		d.c.nextGroup++
		g.id = d.c.nextGroup
		d.groups[g.id] = g
		return nil
	})
	if err != nil {
		d.c.wg.Add(1)
		go func() {
			defer d.c.wg.Done()
			d.endGroup(g)
		}()
		return err
	}
	d.c.wg.Add(1)
	go d.c.forwardGroup(d, g)
	return nil
}

// serveDHCP starts the DHCP server of a group where we are GO, when the
// coordinator has DHCP: it leases the members the addresses the GO's pool
// gives them (the same the 4-way handshake hands out), and nobody else
// any. Without a server clients still get addresses in the handshake.
func (d *device) serveDHCP(ctx context.Context, g *runningGroup) {
	if d.c.dhcp == nil {
		return
	}
	gs := g.goSide
	ifname := gs.Interface().Name
	srv, err := d.c.dhcp.Serve(ctx, ifname, gs.Address(), func(ctx context.Context, hw net.HardwareAddr) (netip.Addr, error) {
		if len(hw) != 6 {
			return netip.Addr{}, fmt.Errorf("hardware address %v: %w", hw, group.ErrUnknownClient)
		}
		return gs.Lease(ctx, group.MAC(hw))
	})
	if err != nil {
		d.c.log.Warn("no DHCP server on the group interface; clients get addresses in the 4-way handshake only",
			zap.String("interface", ifname), zap.Error(err))
		return
	}
	g.dhcpServer = srv
}

// acquireAddress obtains our address by DHCP on a group where we are a
// client and the GO gave none in the 4-way handshake, puts it on the
// interface and reports the group up. It runs off the loop.
func (d *device) acquireAddress(g *runningGroup, ifname string) {
	defer d.c.wg.Done()
	ctx, cancel := context.WithTimeout(d.c.ctx, d.c.dhcpTimeout)
	defer cancel()
	log := d.c.log.With(zap.String("device", string(d.id)), zap.Uint32("group", uint32(g.id)), zap.String("interface", ifname))
	addr, server, err := d.c.dhcp.Acquire(ctx, ifname)
	if err == nil {
		err = g.client.SetAddress(ctx, addr)
	}
	if err != nil {
		log.Warn("no address by DHCP: leaving the group", zap.Error(err))
		g.finish(fmt.Errorf("%w: no IP address from the group owner by DHCP: %w", api.ErrTimeout, err))
		_ = d.LeaveGroup(context.Background(), g.id)
		return
	}
	log.Info("address obtained by DHCP", zap.Stringer("address", addr), zap.Stringer("server", server))
	d.c.post(func() {
		if d.groups[g.id] != g {
			return
		}
		g.info.LocalAddresses = []netip.Prefix{addr}
		if !g.info.GroupOwnerAddress.IsValid() {
			g.info.GroupOwnerAddress = server
			g.members[g.info.GroupOwner] = server
		}
		d.groupUpdated(g)
		g.finish(nil)
	})
}

// await waits for the outcome of g's formation; when ctx ends first the
// group is left.
func (d *device) await(ctx context.Context, g *runningGroup) error {
	var err error
	select {
	case err = <-g.result:
	case <-ctx.Done():
		err = ctx.Err()
		_ = d.LeaveGroup(context.Background(), g.id)
	}
	return err
}

// endGroup stops g off the loop, reading its notifications until they end.
func (d *device) endGroup(g *runningGroup) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
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

// groupNotification handles a group's notification on the loop.
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
		g.started = true
		g.info = api.GroupInfo{
			ID:         g.id,
			Role:       api.RoleClient,
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
			g.info.Role = api.RoleGO
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
		if x.Role == p2pmsg.RoleClient && !x.IP.IsValid() && d.c.dhcp != nil {
			// The GO gave no address in the 4-way handshake: the group is
			// up for the caller once DHCP gave one.
			d.c.wg.Add(1)
			go d.acquireAddress(g, x.Interface)
			return
		}
		g.finish(nil)
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

// groupEnded forgets the group and reports it removed when it had started.
func (d *device) groupEnded(g *runningGroup, why error) {
	if d.groups[g.id] != g {
		return
	}
	delete(d.groups, g.id)
	if g.dhcpServer != nil {
		_ = g.dhcpServer.Close()
	}
	d.release()
	g.finish(fmt.Errorf("%w: the group ended before it started: %w", api.ErrFailed, why))
	if g.started {
		d.c.emit(api.GroupRemoved{Device: d.id, ID: g.id})
	}
}

// finish reports the outcome of the formation once.
func (g *runningGroup) finish(err error) {
	select {
	case g.result <- err:
	default:
	}
}

// groupErr maps why a group formation failed to a dbusapi error.
func groupErr(err error, ce wsc.ConfigError) error {
	switch {
	case errors.Is(err, group.ErrProvisioning) && ce == wsc.ConfigErrDevicePasswordAuthFailure:
		return fmt.Errorf("%w: %w", api.ErrIncorrectPIN, err)
	case errors.Is(err, group.ErrFormationTimeout):
		return fmt.Errorf("%w: %w", api.ErrTimeout, err)
	case errors.Is(err, group.ErrGONotFound):
		return fmt.Errorf("%w: %w", api.ErrPeerUnreachable, err)
	}
	return fmt.Errorf("%w: %w", api.ErrFailed, err)
}

// groupWPS is our provisioning in a group formed with method (ours) and
// pin: push button; as GO a PIN (any PIN ID); as client Device Password
// ID Default when we display our PIN and Registrar-specified when we typed
// the GO's (as wpa_supplicant does; WSC v2.0.5, Table 37).
func groupWPS(role p2pmsg.Role, method p2p.WPSMethod, pin string) group.WPS {
	switch {
	case method == p2p.MethodPBC:
		return group.WPS{PasswordID: wsc.PasswordPushButton}
	case role == p2pmsg.RoleGO, method == p2p.MethodDisplay:
		return group.WPS{PasswordID: wsc.PasswordDefault, PIN: pin}
	}
	return group.WPS{PasswordID: wsc.PasswordRegistrarSpecified, PIN: pin}
}

// generatePIN draws an 8-digit PIN with its WSC checksum (WSC v2.0.5,
// 7.4) from r.
func generatePIN(r io.Reader) (string, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return wsc.PINFromPrefix(binary.BigEndian.Uint32(b[:]) % 10000000), nil
}

// pinFor is the PIN of a Connect with method: none for push button; for
// display the PIN given or one generated and sent to the agent
// (AgentDisplayPIN); for keypad the PIN given or the one the agent
// answers to AgentRequestPIN.
func (d *device) pinFor(ctx context.Context, peer api.MAC, method p2p.WPSMethod, given string) (string, error) {
	if method == p2p.MethodPBC {
		return "", nil
	}
	if given != "" {
		if err := wsc.ValidatePIN(given); err != nil {
			return "", fmt.Errorf("%w: %w", api.ErrInvalidArguments, err)
		}
		return given, nil
	}
	if method == p2p.MethodDisplay {
		pin, err := generatePIN(crand.Reader)
		if err != nil {
			return "", fmt.Errorf("%w: generating a PIN: %w", api.ErrFailed, err)
		}
		err = d.do(ctx, func() error {
			d.c.nextReq++
			d.c.emit(api.AgentRequest{ID: d.c.nextReq, Device: d.id, Peer: peer, Kind: api.AgentDisplayPIN,
				Method: api.MethodPINDisplay, PIN: pin})
			return nil
		})
		return pin, err
	}
	answer := make(chan api.AgentResponse, 1)
	var reqID uint64
	err := d.do(ctx, func() error {
		d.c.nextReq++
		reqID = d.c.nextReq
		d.c.emit(api.AgentRequest{ID: reqID, Device: d.id, Peer: peer, Kind: api.AgentRequestPIN,
			Method: api.MethodPINKeypad, Respond: func(r api.AgentResponse) {
				select {
				case answer <- r:
				default:
				}
			}})
		return nil
	})
	if err != nil {
		return "", err
	}
	select {
	case r := <-answer:
		if r.Err != nil {
			return "", r.Err
		}
		if err := wsc.ValidatePIN(r.PIN); err != nil {
			return "", fmt.Errorf("%w: the agent's PIN: %w", api.ErrInvalidArguments, err)
		}
		return r.PIN, nil
	case <-ctx.Done():
		d.c.post(func() { d.c.emit(api.AgentCancel{ID: reqID}) })
		return "", ctx.Err()
	}
}
