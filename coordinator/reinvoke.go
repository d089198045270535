package coordinator

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
)

// Persistent groups (Wi-Fi P2P v1.7, 3.2.1, 3.2.4): a group formed with
// Connect(persistent) is stored on both sides; the next Connect(persistent)
// to the same peer re-invokes it with the Invitation procedure instead of
// a GO Negotiation and WPS, and the peer's invitation to it is accepted
// without asking the agent (the user agreed when the group was formed, as
// wpa_supplicant's persistent_reconnect does).

// invitationDecision answers an Invitation Request on the P2P core's
// goroutine: accepted for a persistent group we stored with that peer,
// status 8 (unknown P2P group) otherwise.
func (c *Coordinator) invitationDecision(dev api.DeviceID, r p2p.InvitationRequest) p2p.InvitationDecision {
	const unknownGroup = 8
	if !r.Persistent {
		return p2p.InvitationDecision{Status: unknownGroup}
	}
	pg, ok := c.persist.match(dev, api.MAC(r.Peer), api.MAC(r.GODeviceAddress), r.SSID)
	if !ok {
		return p2p.InvitationDecision{Status: unknownGroup}
	}
	if pg.WeAreGO {
		// Our P2P Interface Address is the core's default BSSID.
		return p2p.InvitationDecision{Status: 0, Freq: pg.Freq}
	}
	return p2p.InvitationDecision{Status: 0}
}

// invited starts our side of a persistent group the peer re-invoked. It
// runs on the loop.
func (d *device) invited(x p2p.InvitationReceived) {
	log := d.c.log.With(zap.String("device", string(d.id)), zap.Stringer("peer", x.Request.Peer))
	if x.Decision.Status != 0 {
		log.Info("invitation refused", zap.Uint8("status", x.Decision.Status), zap.String("ssid", x.Request.SSID))
		return
	}
	pg, ok := d.c.persist.match(d.id, api.MAC(x.Request.Peer), api.MAC(x.Request.GODeviceAddress), x.Request.SSID)
	if !ok {
		return
	}
	freq := x.Request.OperatingFreq
	if pg.WeAreGO {
		freq = x.Decision.Freq
	}
	log.Info("persistent group re-invoked by the peer", zap.String("ssid", pg.SSID), zap.Bool("go", pg.WeAreGO), zap.Int("freq", freq))
	gdev := d.groupDevice()
	d.c.wg.Add(1)
	go func() {
		defer d.c.wg.Done()
		ctx, cancel := context.WithTimeout(d.c.ctx, 2*time.Minute)
		defer cancel()
		g, err := d.startPersistent(ctx, pg, gdev, freq, p2p.MAC(x.Request.GroupBSSID))
		if err == nil {
			err = d.await(ctx, g)
		}
		if err != nil {
			log.Info("re-invoked persistent group failed", zap.Error(err))
			d.c.post(func() { d.setLastError(api.MAC(x.Request.Peer), err) })
		}
	}()
}

// reinvoke re-invokes the persistent group pg with its peer (Connect with
// persistent when one is stored): an Invitation Request, then our side of
// the group with the stored credential, no WPS. A peer that no longer
// knows the group answers status 8: the group is forgotten and errUnknown
// tells Connect to negotiate a new one.
func (d *device) reinvoke(ctx context.Context, pg persistentGroup, gdev group.Device) (api.GroupID, error) {
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
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		merr := mapErr(err)
		d.c.post(func() { d.setLastError(pg.Peer, merr) })
		return 0, merr
	}
	d.c.log.Info("persistent group re-invoked", zap.Stringer("peer", pg.Peer), zap.String("ssid", pg.SSID),
		zap.Bool("go", pg.WeAreGO), zap.Int("freq", res.Freq))
	g, err := d.startPersistent(ctx, pg, gdev, res.Freq, res.GroupBSSID)
	if err != nil {
		return 0, err
	}
	if err := d.await(ctx, g); err != nil {
		if ctx.Err() == nil {
			d.c.post(func() { d.setLastError(pg.Peer, err) })
		}
		return 0, err
	}
	return g.id, nil
}

// errUnknownPersistent: the peer forgot the persistent group.
var errUnknownPersistent = errors.New("coordinator: the peer does not know the persistent group")

// startPersistent starts our side of a re-invoked persistent group on
// freq: the GO with the stored SSID and credential waiting for the peer,
// or the client joining the peer's GO (at bssid when known).
func (d *device) startPersistent(ctx context.Context, pg persistentGroup, gdev group.Device, freq int, bssid p2p.MAC) (*runningGroup, error) {
	return d.launchGroup(ctx, func() (*runningGroup, error) {
		g := newRunningGroup(pg.Peer)
		g.persistent = true
		if pg.WeAreGO {
			gs, err := group.StartGO(ctx, d.phy, group.GOConfig{
				Device: gdev, Freq: freq, SSID: []byte(pg.SSID), Passphrase: pg.Passphrase, PSK: pg.psk(),
				Persistent: true, InterfaceAddress: d.ifAddr,
				Formation: &group.Formation{Peer: p2p.MAC(pg.Peer)},
			})
			if err != nil {
				return nil, fmt.Errorf("%w: starting the persistent group: %w", api.ErrFailed, err)
			}
			g.goSide, g.done = gs, gs.Done()
			d.serveDHCP(ctx, g)
			return g, nil
		}
		cs, err := group.StartClient(ctx, d.phy, group.ClientConfig{
			Device: gdev, GODeviceAddress: p2p.MAC(pg.GO), GOInterfaceAddress: bssid, Freq: freq,
			SSID: []byte(pg.SSID), Passphrase: pg.Passphrase, PSK: pg.psk(), InterfaceAddress: d.ifAddr,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: joining the persistent group: %w", api.ErrFailed, err)
		}
		g.client, g.done = cs, cs.Done()
		return g, nil
	})
}

// remember stores a persistent group once it has started, with the
// credential it reports (never logged).
func (d *device) remember(g *runningGroup, x group.GroupStarted) {
	pg := persistentGroup{
		Device:     d.id,
		Peer:       g.peer,
		GO:         api.MAC(x.GODeviceAddress),
		WeAreGO:    x.Role == p2pmsg.RoleGO,
		SSID:       string(x.SSID),
		Passphrase: x.Passphrase,
		PSK:        hex.EncodeToString(x.PSK),
		Freq:       x.Freq,
	}
	if err := d.c.persist.save(pg); err != nil {
		d.c.log.Warn("storing the persistent group", zap.Error(err))
		return
	}
	d.c.log.Info("persistent group stored", zap.Stringer("peer", g.peer), zap.String("ssid", pg.SSID), zap.Bool("go", pg.WeAreGO))
}
