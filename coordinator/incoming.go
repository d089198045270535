package coordinator

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// This file is what peers ask of us: requests that go to the agent, the
// PINs of provisioning, and invitations. The handlers of the cores'
// notifications run on the loop; each procedure they start runs on a
// goroutine of its own (background); invitationDecision runs on the P2P
// core's goroutine; pinFor on the goroutine of the procedure that needs
// the PIN.

// provisionRequested handles a peer's Provision Discovery Request that the
// core accepted: the agent decides. Provision Discovery with our running
// GO is how a client asks to join it (Wi-Fi P2P v1.7, 3.2.3).
func (d *device) provisionRequested(x p2p.ProvisionDiscoveryRequest) {
	d.c.log.Info("provision discovery request", zap.String("device", string(d.id)), zap.Stringer("peer", x.Peer),
		zap.Stringer("method", x.Method), zap.Bool("accepted", x.Accepted))
	if !x.Accepted {
		return
	}
	kind := api.RequestProvision
	if d.runningGO() != nil {
		kind = api.RequestJoin
	}
	d.askAgent(x.Peer, kind, x.Method, false)
}

// askAgent sends an AgentAuthorize request; what an acceptance leads to
// is accepted's.
func (d *device) askAgent(peer p2p.MAC, kind api.RequestKind, m p2p.WPSMethod, persistent bool) {
	d.c.nextReq++
	intent := int(d.info.GOIntent)
	method := m
	if method == 0 {
		method = p2p.MethodPBC
	}
	log := d.c.log.With(zap.String("device", string(d.id)), zap.Stringer("peer", peer))
	d.c.emit(api.AgentRequest{
		ID:      d.c.nextReq,
		Device:  d.id,
		Peer:    api.MAC(peer),
		Kind:    api.AgentAuthorize,
		Request: kind,
		Method:  wpsMethodOf(m),
		Respond: func(r api.AgentResponse) {
			if !r.Accepted || r.Err != nil {
				log.Info("agent refused", zap.Error(r.Err))
				return
			}
			d.c.post(func() {
				d.background("the accepted request", peer, d.c.cfg.IncomingTimeout, func(ctx context.Context) error {
					return d.accepted(ctx, peer, kind, method, intent, persistent, log)
				})
			})
		},
	})
}

// accepted carries out a request the agent accepted. With a PIN method the
// PIN is generated and shown through the agent when we display it, or
// asked of the agent when the peer displays it; then:
//   - RequestJoin: a peer provisioning with our running GO gets its
//     Registrar opened for it with the method it asked for;
//   - RequestNegotiation: the peer, answered with status 1 (information
//     unavailable), waits for our GO Negotiation Request (Wi-Fi P2P v1.7,
//     3.1.4.2; hostap does the same): we negotiate and form the group;
//   - otherwise the peer is authorized, so that its next GO Negotiation
//     Request succeeds (incomingNegotiation forms the group).
func (d *device) accepted(ctx context.Context, peer p2p.MAC, kind api.RequestKind, method p2p.WPSMethod, intent int, persistent bool, log *zap.Logger) error {
	pin, err := d.pinFor(ctx, api.MAC(peer), method, "")
	if err != nil {
		return fmt.Errorf("no PIN for the accepted request: %w", err)
	}
	params := p2p.ConnectParams{Method: method, GOIntent: &intent, Persistent: persistent}
	switch kind {
	case api.RequestJoin:
		var g *runningGroup
		_ = d.do(ctx, func() error { g = d.runningGO(); return nil })
		if g == nil {
			return fmt.Errorf("%w: the group the peer asked to join is gone", api.ErrNotFound)
		}
		if err := g.goSide.AllowJoin(ctx, groupWPS(p2pmsg.RoleGO, method, pin), peer, 0); err != nil {
			return fmt.Errorf("opening the Registrar for the joining peer: %w", err)
		}
		log.Info("the joining peer may provision", zap.Stringer("method", method))
		return nil
	case api.RequestNegotiation:
		// Connect authorizes the peer too: its next request is answered.
		res, err := d.p2p.Connect(ctx, peer, params)
		if err != nil {
			return d.fail(ctx, api.MAC(peer), mapErr(err))
		}
		log.Info("GO negotiation with the accepted peer succeeded; starting the group",
			zap.Stringer("role", res.Role), zap.Int("freq", res.Freq))
		_, err = d.form(ctx, negotiatedPlan(res, groupWPS(res.Role, method, pin)))
		return err
	}
	err = d.do(ctx, func() error {
		actx, cancel := context.WithTimeout(ctx, d.c.cfg.CommandTimeout)
		defer cancel()
		if err := d.p2p.Authorize(actx, peer, params); err != nil {
			return err
		}
		if pin != "" {
			d.pins[api.MAC(peer)] = pin
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("authorizing the peer: %w", err)
	}
	log.Info("peer authorized")
	return nil
}

// incomingNegotiation forms the group of a GO Negotiation no Connect waits
// for (a peer we had authorized negotiated); it is reported by
// GroupUpdated like any other. A PIN method uses the PIN the agent saw or
// gave when it accepted the peer.
func (d *device) incomingNegotiation(res p2p.NegotiationResult) {
	peer := api.MAC(res.Peer)
	log := d.c.log.With(zap.String("device", string(d.id)), zap.Stringer("peer", res.Peer))
	log.Info("GO negotiation succeeded", zap.Stringer("role", res.Role), zap.Int("freq", res.Freq))
	pin := d.pins[peer]
	delete(d.pins, peer)
	if res.Method != p2p.MethodPBC && pin == "" {
		log.Warn("GO negotiation with a PIN method but no PIN from the agent: no group", zap.Stringer("method", res.Method))
		d.setLastError(peer, fmt.Errorf("%w: no PIN for %v", api.ErrFailed, res.Method))
		return
	}
	d.background("group formation after an incoming negotiation", res.Peer, d.c.cfg.FormationTimeout, func(ctx context.Context) error {
		_, err := d.form(ctx, negotiatedPlan(res, groupWPS(res.Role, res.Method, pin)))
		return err
	})
}

// invitationDecision answers an Invitation Request: accepted for a
// persistent group we stored with that peer, status 8 (unknown P2P group)
// otherwise. It runs on the P2P core's goroutine (p2p.Options'
// InvitationPolicy).
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

// invited starts our side of a persistent group the peer re-invoked (the
// user agreed when the group was formed, as wpa_supplicant's
// persistent_reconnect does).
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
	d.background("the persistent group the peer re-invoked", x.Request.Peer, d.c.cfg.IncomingTimeout, func(ctx context.Context) error {
		_, err := d.form(ctx, persistentPlan(pg, freq, x.Request.GroupBSSID))
		return err
	})
}

// background runs a procedure for an incoming request on a goroutine of
// its own, bounded by timeout and by Close, and logs its failure (form has
// made it the peer's LastError). It runs on the loop.
func (d *device) background(what string, peer p2p.MAC, timeout time.Duration, f func(ctx context.Context) error) {
	d.c.wg.Add(1)
	go func() {
		defer d.c.wg.Done()
		ctx, cancel := context.WithTimeout(d.c.ctx, timeout)
		defer cancel()
		if err := f(ctx); err != nil {
			d.c.log.Info(what+" failed", zap.String("device", string(d.id)), zap.Stringer("peer", peer), zap.Error(err))
		}
	}()
}

// pinFor is the PIN of a procedure with method: none for push button; for
// display the PIN given or one generated and sent to the agent
// (AgentDisplayPIN); for keypad the PIN given or the one the agent answers
// to AgentRequestPIN.
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

// generatePIN draws an 8-digit PIN with its WSC checksum (WSC v2.0.5,
// 7.4) from r.
func generatePIN(r io.Reader) (string, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return wsc.PINFromPrefix(binary.BigEndian.Uint32(b[:]) % 10000000), nil
}
