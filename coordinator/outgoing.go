package coordinator

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
)

// This file is what a client asks this device to do with peers: Connect
// (GO Negotiation, joining a running group, or re-invoking a persistent
// group), CreateGroup and Provision Discovery. These methods implement
// api.Device and run on the D-Bus layer's goroutines: each checks its
// request on the loop, runs the protocol's procedure, and forms the group
// with form.

// Connect implements api.Device: it runs the GO Negotiation (or re-invokes
// the persistent group stored with the peer), then starts our side of the
// group in the role agreed (Wi-Fi P2P v1.7, 3.2.2) and returns once the
// group is up, after its GroupUpdated. With a PIN method the PIN is the
// one given, else one we generate and show through AgentDisplayPIN (we
// display) or the one the agent types (AgentRequestPIN, the peer
// displays).
func (d *device) Connect(ctx context.Context, peer api.MAC, o api.ConnectOptions) (api.GroupID, error) {
	if o.Join {
		return d.join(ctx, peer, o)
	}
	var (
		params p2p.ConnectParams
		gp     api.GroupPlan
	)
	err := d.do(ctx, func() error {
		p, err := d.connectablePeer(peer)
		if err != nil {
			return err
		}
		intent := int(d.info.GOIntent)
		if o.HasGOIntent {
			intent = int(o.GOIntent)
		}
		params = p2p.ConnectParams{Method: methodFor(o.Method, p.ConfigMethods), GOIntent: &intent, Persistent: o.Persistent}
		gp = planGroup(d.arb.state(d.info.Enabled), api.PlanOptions{Peer: peer, HasPeer: true,
			Frequency: o.Frequency, ForceFrequency: o.ForceFrequency}, 0)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if gp.Err != nil {
		return 0, d.fail(ctx, peer, gp.Err)
	}
	if o.Persistent {
		// A persistent group formed with this peer before is re-invoked:
		// no negotiation, no WPS.
		if pg, ok := d.c.persist.lookup(d.id, peer); ok {
			id, err := d.reinvoke(ctx, pg)
			if !errors.Is(err, errUnknownPersistent) {
				return id, err
			}
		}
	}
	pin, err := d.pinFor(ctx, peer, params.Method, o.PIN)
	if err != nil {
		return 0, err
	}
	res, err := d.p2p.Connect(ctx, p2p.MAC(peer), params)
	if err != nil {
		return 0, d.fail(ctx, peer, mapErr(err))
	}
	d.c.log.Info("GO negotiation done; starting the group", zap.Stringer("peer", res.Peer),
		zap.Stringer("role", res.Role), zap.Int("freq", res.Freq), zap.String("ssid", res.SSID))
	return d.form(ctx, negotiatedPlan(res, groupWPS(res.Role, params.Method, pin)))
}

// join joins the running group of a peer that is GO as a client (Wi-Fi
// P2P v1.7, 3.2.3 "P2P Group joining"): Provision Discovery with the GO's
// P2P Device so that its user allows us (push button pressed, or the PIN
// shown), then WSC with the GO's Registrar and the 4-way handshake. The
// group's SSID, BSSID and channel come from the GO's P2P Group ID and
// probe responses when discovery saw them; otherwise the client finds the
// GO by its P2P Device Address.
func (d *device) join(ctx context.Context, peer api.MAC, o api.ConnectOptions) (api.GroupID, error) {
	var method p2p.WPSMethod
	err := d.do(ctx, func() error {
		p, err := d.connectablePeer(peer)
		if err != nil {
			return err
		}
		// A peer not (yet) seen as GO may still run a group (its GO
		// answers on the operating channel only): the client then looks
		// for it by its P2P Device Address.
		method = methodFor(o.Method, p.ConfigMethods)
		return nil
	})
	if err != nil {
		return 0, err
	}
	gp, err := d.p2p.Peer(ctx, p2p.MAC(peer))
	if err != nil {
		return 0, mapErr(err)
	}
	// The GO's channel must fit beside what uses our radio: refused up
	// front, before the peer's user is asked anything.
	freq := gp.OperatingFreq
	var jp api.GroupPlan
	err = d.do(ctx, func() error {
		jp = planGroup(d.arb.state(d.info.Enabled), api.PlanOptions{Peer: peer, HasPeer: true, Join: true}, freq)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if jp.Err != nil {
		return 0, d.fail(ctx, peer, jp.Err)
	}
	pin, err := d.pinFor(ctx, peer, method, o.PIN)
	if err != nil {
		return 0, err
	}
	pd, err := d.p2p.ProvisionDiscovery(ctx, p2p.MAC(peer), method)
	switch {
	case err != nil:
		return 0, d.fail(ctx, peer, mapErr(err))
	case !pd.Accepted:
		return 0, d.fail(ctx, peer, fmt.Errorf("%w: the group owner refused %v provisioning", api.ErrRejected, method))
	}
	d.c.log.Info("joining the group of a peer", zap.Stringer("peer", gp.Address), zap.String("ssid", gp.GroupSSID),
		zap.Stringer("bssid", gp.GroupBSSID), zap.Int("freq", freq), zap.Stringer("method", method))
	wps := groupWPS(p2pmsg.RoleClient, method, pin)
	return d.form(ctx, plan{
		peer:        peer,
		role:        p2pmsg.RoleClient,
		freq:        freq,
		ssid:        gp.GroupSSID,
		wps:         &wps,
		goDevice:    gp.Address,
		goInterface: gp.GroupBSSID,
	})
}

// reinvoke re-invokes the persistent group pg with its peer (Connect with
// persistent when one is stored): an Invitation Request (Wi-Fi P2P v1.7,
// 3.2.4), then our side of the group with the stored credential, no WPS.
// A peer that no longer knows the group answers status 8: the group is
// forgotten and errUnknownPersistent tells Connect to negotiate a new one.
func (d *device) reinvoke(ctx context.Context, pg persistentGroup) (api.GroupID, error) {
	params := p2p.InviteParams{Persistent: true, Role: p2pmsg.RoleClient, GODeviceAddress: p2p.MAC(pg.GO), SSID: pg.SSID}
	if pg.WeAreGO {
		params.Role, params.GroupBSSID, params.OperatingFreq = p2pmsg.RoleGO, d.ifAddr, pg.Freq
	}
	res, err := d.p2p.Invite(ctx, p2p.MAC(pg.Peer), params)
	if errors.Is(err, p2p.ErrUnknownGroup) {
		d.c.log.Info("the peer no longer knows the persistent group: forming a new one", zap.Stringer("peer", pg.Peer))
		if ferr := d.c.persist.forget(d.id, pg.Peer); ferr != nil {
			d.c.log.Warn("forgetting a persistent group", zap.Error(ferr))
		}
		return 0, errUnknownPersistent
	}
	if err != nil {
		return 0, d.fail(ctx, pg.Peer, mapErr(err))
	}
	d.c.log.Info("persistent group re-invoked", zap.Stringer("peer", pg.Peer), zap.String("ssid", pg.SSID),
		zap.Bool("go", pg.WeAreGO), zap.Int("freq", res.Freq))
	return d.form(ctx, persistentPlan(pg, res.Freq, res.GroupBSSID))
}

// CreateGroup implements api.Device: it starts an autonomous GO (Wi-Fi
// P2P v1.7, 3.2.1) and returns once it beacons, after its GroupUpdated.
// Clients join through AllowJoin.
func (d *device) CreateGroup(ctx context.Context, o api.GroupOptions) (api.GroupID, error) {
	var gp api.GroupPlan
	err := d.do(ctx, func() error {
		gp = planGroup(d.arb.state(d.info.Enabled), api.PlanOptions{Band: o.Band, Frequency: o.Frequency}, 0)
		return gp.Err
	})
	if err != nil {
		return 0, err
	}
	return d.form(ctx, plan{role: p2pmsg.RoleGO, freq: int(gp.Frequency), passphrase: o.Passphrase, persistent: o.Persistent})
}

// PlanGroup implements api.Device: the arbiter's decision, computed on the
// loop, for a CreateGroup or a Connect with these options.
func (d *device) PlanGroup(ctx context.Context, o api.PlanOptions) (api.GroupPlan, error) {
	peerFreq := 0
	if o.HasPeer && o.Join {
		p, err := d.p2p.Peer(ctx, p2p.MAC(o.Peer))
		if err != nil {
			return api.GroupPlan{}, mapErr(err)
		}
		peerFreq = p.OperatingFreq
	}
	var gp api.GroupPlan
	err := d.do(ctx, func() error {
		if _, ok := d.peers[o.Peer]; o.HasPeer && !ok {
			return fmt.Errorf("%w: no peer %v", api.ErrNotFound, o.Peer)
		}
		gp = planGroup(d.arb.state(d.info.Enabled), o, peerFreq)
		return nil
	})
	return gp, err
}

// ProvisionDiscovery implements api.Device.
func (d *device) ProvisionDiscovery(ctx context.Context, peer api.MAC, m api.WPSMethod) error {
	var method p2p.WPSMethod
	err := d.do(ctx, func() error {
		p, ok := d.peers[peer]
		if !ok {
			return fmt.Errorf("%w: no peer %v", api.ErrNotFound, peer)
		}
		method = methodFor(m, p.ConfigMethods)
		return nil
	})
	if err != nil {
		return err
	}
	res, err := d.p2p.ProvisionDiscovery(ctx, p2p.MAC(peer), method)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return mapErr(err)
	}
	if !res.Accepted {
		return fmt.Errorf("%w: the peer refused %v provisioning", api.ErrRejected, method)
	}
	return nil
}
