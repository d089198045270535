package coordinator

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// This file is a device: one P2P Device on a radio, its settings, the
// notifications of its P2P core and the peers they report. Its exported
// methods (api.Device) run on the D-Bus layer's goroutines and do their
// work on the loop through do; every other function here runs on the
// loop.

// device is one P2P Device; it implements api.Device. Its fields other
// than c, p2p, phy, id and ifAddr are owned by the loop.
type device struct {
	c   *Coordinator
	p2p *p2p.Device
	phy radio.Phy
	id  api.DeviceID
	// ifAddr is our Intended P2P Interface Address.
	ifAddr p2p.MAC

	info   api.DeviceInfo
	peers  map[api.MAC]api.PeerInfo
	groups map[api.GroupID]*runningGroup
	arb    arbiter
	// removed: the radio went away.
	removed bool
	// pins are the PINs of incoming requests the agent accepted, by peer,
	// for the group formed when the peer negotiates.
	pins map[api.MAC]string
}

// newDevice starts the P2P core on phy. It runs in New, before the loop.
func (c *Coordinator) newDevice(ctx context.Context, phy radio.Phy) (*device, error) {
	info := phy.Info()
	pc := p2p.DefaultConfig(c.cfg.Name)
	if c.cfg.DeviceConfig != nil {
		pc = c.cfg.DeviceConfig(info)
	}
	if c.cfg.MaxPeers > 0 {
		pc.MaxPeers = c.cfg.MaxPeers
	}
	dlog := c.log.With(zap.String("phy", info.Name))
	if pc.Trace == nil && dlog.Core().Enabled(zap.DebugLevel) {
		pc.Trace = func(format string, args ...any) { dlog.Debug(fmt.Sprintf(format, args...)) }
	}
	opts := c.cfg.Options
	id := deviceID(info.Name)
	opts.InvitationPolicy = func(r p2p.InvitationRequest) p2p.InvitationDecision { return c.invitationDecision(id, r) }
	pd, err := p2p.NewDevice(ctx, phy, pc, opts)
	if err != nil {
		return nil, fmt.Errorf("coordinator: starting P2P on %s: %w", info.Name, err)
	}
	caps := capabilities(info)
	caps.MaxGroups = uint32(maxGroups(info, caps.Frequencies))
	d := &device{
		c:      c,
		p2p:    pd,
		phy:    phy,
		ifAddr: pd.InterfaceAddress(),
		id:     id,
		peers:  map[api.MAC]api.PeerInfo{},
		groups: map[api.GroupID]*runningGroup{},
		arb:    newArbiter(info, caps.Frequencies),
		pins:   map[api.MAC]string{},
		info: api.DeviceInfo{
			ID:                id,
			Name:              pc.DeviceName,
			Address:           api.MAC(pd.Address()),
			PrimaryDeviceType: api.DeviceType(pc.PrimaryDeviceType),
			Enabled:           true,
			GOIntent:          uint8(pc.GOIntent),
			Capabilities:      caps,
			Availability:      api.Available,
		},
	}
	if c.cfg.Discover != nil {
		o := *c.cfg.Discover
		d.arb.wishes.pinned = &o
	}
	d.info.Radio = radioInfo(d.arb.state(true), d.ownInterfaces())
	dlog.Info("P2P device started", zap.Stringer("address", pd.Address()), zap.String("name", pc.DeviceName))
	return d, nil
}

// do runs f on the loop unless the device is gone.
func (d *device) do(ctx context.Context, f func() error) error {
	return d.c.do(ctx, func() error {
		if d.removed {
			return fmt.Errorf("%w: device %s is gone", api.ErrNotFound, d.id)
		}
		return f()
	})
}

// gone reports the device removed.
func (d *device) gone() {
	if d.removed {
		return
	}
	d.removed = true
	d.peers = map[api.MAC]api.PeerInfo{}
	d.c.log.Info("P2P device removed", zap.String("device", string(d.id)))
	d.c.emit(api.DeviceRemoved{ID: d.id})
}

// changed reports the device's state.
func (d *device) changed() {
	d.info.Discovering = d.info.Enabled && d.arb.now.find != nil
	d.info.Listening = d.info.Enabled && d.arb.now.listen
	d.info.Radio = radioInfo(d.arb.state(d.info.Enabled), d.ownInterfaces())
	d.c.emit(api.DeviceChanged{Info: d.info})
}

// ownInterfaces are our interfaces on the radio, as Device1.Radio lists
// them: the P2P Device and the groups' interfaces.
func (d *device) ownInterfaces() []api.RadioInterface {
	own := []api.RadioInterface{{Type: ifTypeName(radio.IfP2PDevice), Ours: true}}
	if !d.arb.info.P2PDevice() {
		own[0] = api.RadioInterface{Name: d.p2p.Interface().Name, Type: ifTypeName(radio.IfStation), Ours: true}
	}
	for _, id := range slices.Sorted(maps.Keys(d.groups)) {
		g := d.groups[id]
		if !g.started {
			continue
		}
		t := radio.IfP2PClient
		if g.info.Role == api.RoleGO {
			t = radio.IfP2PGO
		}
		own = append(own, api.RadioInterface{Name: g.info.Interface, Type: ifTypeName(t), Frequency: g.info.Frequency, Ours: true})
	}
	return own
}

// SetName implements api.Device.
func (d *device) SetName(ctx context.Context, name string) error {
	return d.do(ctx, func() error {
		if err := d.p2p.SetName(ctx, name); err != nil {
			return fmt.Errorf("%w: %w", api.ErrInvalidArguments, err)
		}
		d.info.Name = name
		d.changed()
		return nil
	})
}

// SetEnabled implements api.Device.
func (d *device) SetEnabled(ctx context.Context, enabled bool) error {
	return d.do(ctx, func() error {
		d.info.Enabled = enabled
		d.info.Availability = api.Available
		if !enabled {
			d.info.Availability = api.Disabled
		}
		return d.applyChanged(ctx)
	})
}

// SetGOIntent implements api.Device.
func (d *device) SetGOIntent(ctx context.Context, intent uint8) error {
	return d.do(ctx, func() error {
		if intent > p2pmsg.MaxGOIntent {
			return fmt.Errorf("%w: GO Intent %d outside 0..15", api.ErrInvalidArguments, intent)
		}
		d.info.GOIntent = intent
		d.changed()
		return nil
	})
}

// StartDiscovery implements api.Device: the clients' discovery is wanted
// with these options until StopDiscovery.
func (d *device) StartDiscovery(ctx context.Context, o api.DiscoveryOptions) error {
	return d.do(ctx, func() error {
		if !d.info.Enabled {
			return fmt.Errorf("%w: P2P is disabled on %s", api.ErrNotReady, d.id)
		}
		o.DeviceTypes = append([]api.DeviceType(nil), o.DeviceTypes...)
		d.arb.wishes.find = &o
		return d.applyChanged(ctx)
	})
}

// StopDiscovery implements api.Device.
func (d *device) StopDiscovery(ctx context.Context) error {
	return d.do(ctx, func() error {
		d.arb.wishes.find = nil
		return d.applyChanged(ctx)
	})
}

// StartListen implements api.Device.
func (d *device) StartListen(ctx context.Context, _ api.ListenOptions) error {
	return d.do(ctx, func() error {
		if !d.info.Enabled {
			return fmt.Errorf("%w: P2P is disabled on %s", api.ErrNotReady, d.id)
		}
		d.arb.wishes.listen = true
		return d.applyChanged(ctx)
	})
}

// StopListen implements api.Device.
func (d *device) StopListen(ctx context.Context) error {
	return d.do(ctx, func() error {
		d.arb.wishes.listen = false
		return d.applyChanged(ctx)
	})
}

// notification handles a notification of the device's core.
func (d *device) notification(n p2p.Notification) {
	log := d.c.log.With(zap.String("device", string(d.id)))
	switch x := n.(type) {
	case p2p.PeerFound:
		d.peerUpdated(x.Peer)
	case p2p.PeerUpdated:
		d.peerUpdated(x.Peer)
	case p2p.PeerLost:
		a := api.MAC(x.Address)
		if _, ok := d.peers[a]; ok {
			delete(d.peers, a)
			d.c.emit(api.PeerRemoved{Device: d.id, Address: a})
		}
	case p2p.FindStopped:
		if d.arb.now.find == nil {
			return
		}
		// Discovery stays on until stopped: restart it.
		d.arb.now.find = nil
		d.reapply(log, "restarting discovery")
	case p2p.ListenStopped:
		if !d.arb.now.listen {
			return
		}
		d.arb.now.listen = false
		d.reapply(log, "restarting listen")
	case p2p.ProvisionDiscoveryRequest:
		d.provisionRequested(x)
	case p2p.GONegotiationRequest:
		log.Info("GO negotiation request", zap.Stringer("peer", x.Peer), zap.Stringer("method", x.Method), zap.Uint8("go_intent", x.GOIntent))
		d.askAgent(x.Peer, api.RequestNegotiation, x.Method, x.Persistent)
	case p2p.NegotiationSucceeded:
		d.incomingNegotiation(x.Result)
	case p2p.InvitationReceived:
		d.invited(x)
	case p2p.NegotiationFailed:
		log.Info("GO negotiation failed", zap.Stringer("peer", x.Peer), zap.Error(x.Err))
		d.setLastError(api.MAC(x.Peer), mapErr(x.Err))
	case p2p.NotificationsLost:
		log.Warn("P2P notifications lost; reloading the peer table", zap.Int("count", x.Count))
		d.resync()
	}
}

// reapply applies the arbiter's decision after the core ended an activity
// on its own, and reports the device's state.
func (d *device) reapply(log *zap.Logger, what string) {
	ctx, cancel := d.c.commandContext()
	defer cancel()
	if err := d.apply(ctx); err != nil {
		log.Warn(what, zap.Error(err))
	}
	d.changed()
}

// resync reloads the peer table after lost notifications.
func (d *device) resync() {
	ctx, cancel := d.c.commandContext()
	defer cancel()
	peers, err := d.p2p.Peers(ctx)
	if err != nil {
		d.c.log.Warn("reading the peer table", zap.Error(err))
		return
	}
	seen := map[api.MAC]bool{}
	for _, p := range peers {
		if p.Complete {
			seen[api.MAC(p.Address)] = true
			d.peerUpdated(p)
		}
	}
	for a := range d.peers {
		if !seen[a] {
			delete(d.peers, a)
			d.c.emit(api.PeerRemoved{Device: d.id, Address: a})
		}
	}
}

func (d *device) peerUpdated(p p2p.Peer) {
	info := peerInfo(p)
	info.LastError = d.peers[info.Address].LastError
	d.peers[info.Address] = info
	d.c.emit(api.PeerUpdated{Device: d.id, Info: info})
}

// setLastError records why the last procedure with a peer failed.
func (d *device) setLastError(a api.MAC, err error) {
	p, ok := d.peers[a]
	if !ok {
		return
	}
	p.LastError = err
	d.peers[a] = p
	d.c.emit(api.PeerUpdated{Device: d.id, Info: p})
}

// connectablePeer is a known peer of an enabled device.
func (d *device) connectablePeer(peer api.MAC) (api.PeerInfo, error) {
	if !d.info.Enabled {
		return api.PeerInfo{}, fmt.Errorf("%w: P2P is disabled on %s", api.ErrNotReady, d.id)
	}
	p, ok := d.peers[peer]
	if !ok {
		return api.PeerInfo{}, fmt.Errorf("%w: no peer %v", api.ErrNotFound, peer)
	}
	return p, nil
}

// groupDevice describes our P2P Device to a group.
func (d *device) groupDevice() group.Device {
	return group.Device{
		Address:           d.p2p.Address(),
		Name:              d.info.Name,
		PrimaryDeviceType: p2p.DeviceType(d.info.PrimaryDeviceType),
	}
}

var _ api.Device = (*device)(nil)
