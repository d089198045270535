package coordinator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// This file is group formation: the one path that starts every group. Each
// of the seven ways to form one (Connect, join, CreateGroup, a negotiation
// a peer ran with us, a request the agent accepted, and re-invoking a
// persistent group, by us or by the peer) decides a plan and calls form.
// form and start run off the loop, on the goroutine of the procedure
// (a D-Bus call's, or one started for an incoming request); they reach the
// loop through do and post.

// plan is what starting our side of a group needs (Wi-Fi P2P v1.7, 3.2).
type plan struct {
	// peer is the P2P Device the group is formed with; zero for an
	// autonomous group.
	peer api.MAC
	role p2pmsg.Role
	// freq is the operating channel (MHz); a client's may be 0 (found by
	// scan).
	freq int
	// ssid is the group's SSID; "" lets our GO choose one.
	ssid       string
	persistent bool
	// passphrase and psk are a stored persistent group's credential;
	// empty: our GO draws one, our client gets one by WPS.
	passphrase string
	psk        []byte
	// wps is our provisioning; nil: none (an autonomous GO opens its
	// Registrar with AllowJoin; a re-invoked persistent group has its
	// credential).
	wps *group.WPS
	// As GO: peerInterface is the peer's Intended P2P Interface Address
	// (from GO Negotiation; zero when not known).
	peerInterface p2p.MAC
	// As client: the GO's P2P Device Address, and its P2P Interface
	// Address (the BSSID; zero: found by scan).
	goDevice, goInterface p2p.MAC
}

// negotiatedPlan is the group a GO Negotiation agreed on, provisioned with
// wps.
func negotiatedPlan(res p2p.NegotiationResult, wps group.WPS) plan {
	return plan{
		peer:          api.MAC(res.Peer),
		role:          res.Role,
		freq:          res.Freq,
		ssid:          res.SSID,
		persistent:    res.Persistent,
		wps:           &wps,
		peerInterface: res.PeerInterfaceAddress,
		goDevice:      res.GODeviceAddress,
		goInterface:   res.PeerInterfaceAddress,
	}
}

// persistentPlan re-invokes the stored persistent group pg on freq: our GO
// with the stored SSID and credential waiting for the peer, or our client
// joining the peer's GO (at bssid when known). No WPS.
func persistentPlan(pg persistentGroup, freq int, bssid p2p.MAC) plan {
	p := plan{
		peer:        pg.Peer,
		role:        p2pmsg.RoleClient,
		freq:        freq,
		ssid:        pg.SSID,
		persistent:  true,
		passphrase:  pg.Passphrase,
		psk:         pg.psk(),
		goDevice:    p2p.MAC(pg.GO),
		goInterface: bssid,
	}
	if pg.WeAreGO {
		p.role = p2pmsg.RoleGO
	}
	return p
}

// form starts the group of p and waits until it is up, with its addresses
// configured and its GroupUpdated sent. A failure becomes the peer's
// LastError; when ctx ends first the group is left.
func (d *device) form(ctx context.Context, p plan) (api.GroupID, error) {
	g, err := d.start(ctx, p)
	if err == nil {
		err = d.await(ctx, g)
	}
	if err != nil {
		return 0, d.fail(ctx, p.peer, err)
	}
	return g.id, nil
}

// fail ends a procedure with peer that failed with err: the error becomes
// the peer's LastError and is returned, unless ctx ended first (the caller
// gave up), which is returned instead.
func (d *device) fail(ctx context.Context, peer api.MAC, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d.c.post(func() { d.setLastError(peer, err) })
	return err
}

// start takes the radio for the group (the arbiter pauses find and listen
// and checks the interface combinations), starts our side and registers it
// with the loop.
func (d *device) start(ctx context.Context, p plan) (*runningGroup, error) {
	use := radio.IfUse{Type: radio.IfP2PClient, Freq: p.freq}
	if p.role == p2pmsg.RoleGO {
		use.Type = radio.IfP2PGO
	}
	var (
		hold holdID
		dev  group.Device
	)
	t0 := time.Now()
	// The loop's bookkeeping must not be undone halfway by ctx: these
	// commands are answered at once.
	err := d.do(context.Background(), func() error {
		var err error
		if hold, err = d.arb.hold(d.info.Enabled, use); err != nil {
			return err
		}
		if err := d.applyChanged(ctx); err != nil {
			d.c.log.Warn("pausing discovery for the group", zap.Error(err))
		}
		dev = d.groupDevice()
		return nil
	})
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	g, err := d.startSide(ctx, p, dev)
	d.c.log.Debug("group launched", zap.Duration("pausing_discovery", t1.Sub(t0)), zap.Duration("starting", time.Since(t1)), zap.Error(err))
	if err == nil {
		g.hold = hold
		err = d.register(g)
	}
	if err != nil {
		d.c.post(func() { d.release(hold) })
		return nil, err
	}
	return g, nil
}

// startSide starts our GO or client for p.
func (d *device) startSide(ctx context.Context, p plan, dev group.Device) (*runningGroup, error) {
	g := newRunningGroup(p.peer)
	g.persistent = p.persistent
	if p.role == p2pmsg.RoleGO {
		cfg := group.GOConfig{
			Device:           dev,
			Freq:             p.freq,
			SSID:             []byte(p.ssid),
			Passphrase:       p.passphrase,
			PSK:              p.psk,
			Persistent:       p.persistent,
			InterfaceAddress: d.ifAddr,
		}
		if p.peer != (api.MAC{}) {
			cfg.Formation = &group.Formation{Peer: p2p.MAC(p.peer), PeerInterface: p.peerInterface, WPS: p.wps}
		}
		gs, err := group.StartGO(ctx, d.phy, cfg)
		if err != nil {
			return nil, startErr("starting the group", err)
		}
		g.goSide, g.done = gs, gs.Done()
		d.serveDHCP(ctx, g)
		return g, nil
	}
	cs, err := group.StartClient(ctx, d.phy, group.ClientConfig{
		Device:             dev,
		GODeviceAddress:    p.goDevice,
		GOInterfaceAddress: p.goInterface,
		Freq:               p.freq,
		SSID:               []byte(p.ssid),
		Passphrase:         p.passphrase,
		PSK:                p.psk,
		WPS:                p.wps,
		InterfaceAddress:   d.ifAddr,
	})
	if err != nil {
		return nil, startErr("joining the group", err)
	}
	g.client, g.done = cs, cs.Done()
	return g, nil
}

// startErr names why a group could not start.
func startErr(what string, err error) error {
	if errors.Is(err, group.ErrInvalidConfig) {
		return fmt.Errorf("%w: %w", api.ErrInvalidArguments, err)
	}
	return fmt.Errorf("%w: %s: %w", api.ErrFailed, what, err)
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

// release ends a group's hold on the radio and resumes what the arbiter
// then decides. It runs on the loop.
func (d *device) release(id holdID) {
	d.arb.release(id)
	ctx, cancel := d.c.commandContext()
	defer cancel()
	if err := d.applyChanged(ctx); err != nil {
		d.c.log.Warn("resuming discovery after the group", zap.Error(err))
	}
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
