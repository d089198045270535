package p2p

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/clock"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Options are the injected dependencies of a Device.
type Options struct {
	// Clock drives the timers; nil means clock.Real() (which follows the
	// fake time of a testing/synctest bubble).
	Clock clock.Clock
	// Rand draws Listen state lengths, dialog tokens and Tie breakers;
	// nil seeds one from crypto/rand.
	Rand *rand.Rand
	// Crypto draws the random part of group SSIDs; nil means
	// crypto/rand.Reader.
	Crypto io.Reader
	// RadioTimeout bounds each radio call (0: 5 s).
	RadioTimeout time.Duration
	// ProvisionPolicy decides, on the device's event loop and at once,
	// whether to accept a Provision Discovery Request (the peer waits for
	// the answer: there is no time to ask a user); it must not call the
	// Device's methods. Nil accepts a request whose method this device
	// supports.
	ProvisionPolicy func(ProvisionRequest) bool
	// InvitationPolicy decides, on the device's event loop and at once,
	// how to answer a received P2P Invitation Request (the peer waits
	// for the answer); it must not call the Device's methods. Nil
	// answers status 8 (unknown P2P group) to every request.
	InvitationPolicy func(InvitationRequest) InvitationDecision
}

// Device is one P2P Device on a radio: the event loop that runs the core
// on a radio interface. Its methods are safe for concurrent use; they post
// commands to the loop and wait for the answer.
type Device struct {
	cfg Config
	// provisionPolicy and invitationPolicy are Options'.
	provisionPolicy  func(ProvisionRequest) bool
	invitationPolicy func(InvitationRequest) InvitationDecision
	clk              clock.Clock
	ifc              radio.Interface
	core             *core
	timeout          time.Duration

	cmds    chan cmdReq
	timerC  chan evTimer
	closing chan struct{}
	done    chan struct{}
	once    sync.Once
	nextID  atomic.Uint64

	notes chan Notification
	lost  int

	// Loop-owned.
	timers  map[timerID]clock.Timer
	replies map[uint64]chan result
}

type cmdReq struct {
	id    uint64
	cmd   command
	reply chan result
}

type result struct {
	val any
	err error
}

// NewDevice creates the P2P Device interface on phy (a station interface
// when the phy has no P2P Device type), registers for probe requests and
// P2P Public Action frames, and starts the event loop. The device is
// idle until Find or Listen.
func NewDevice(ctx context.Context, phy radio.Phy, cfg Config, opt Options) (*Device, error) {
	if opt.Rand == nil {
		var seed [16]byte
		if _, err := crand.Read(seed[:]); err != nil {
			return nil, fmt.Errorf("p2p: seeding: %w", err)
		}
		opt.Rand = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	if opt.Crypto == nil {
		opt.Crypto = crand.Reader
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real()
	}
	if opt.RadioTimeout <= 0 {
		opt.RadioTimeout = 5 * time.Second
	}
	co, err := newCore(cfg, opt.Rand, opt.Crypto)
	if err != nil {
		return nil, err
	}
	info := phy.Info()
	typ := radio.IfP2PDevice
	if !info.P2PDevice() {
		typ = radio.IfStation
	}
	ifc, err := phy.NewInterface(ctx, radio.InterfaceConfig{Type: typ})
	if err != nil {
		return nil, fmt.Errorf("p2p: creating the %v interface on %s: %w", typ, info.Name, err)
	}
	for _, m := range []radio.FrameMatch{
		{Subtype: ieee80211.SubtypeProbeReq},
		{Subtype: ieee80211.SubtypeAction, Match: p2pPublicActionMatch},
	} {
		if err := ifc.RegisterFrame(ctx, m); err != nil {
			dctx, cancel := context.WithTimeout(context.Background(), opt.RadioTimeout)
			_ = ifc.Delete(dctx)
			cancel()
			drain(ifc.Events(), opt.Clock, opt.RadioTimeout)
			return nil, fmt.Errorf("p2p: registering for frames of subtype %d: %w", m.Subtype, err)
		}
	}
	d := &Device{
		cfg:              co.cfg,
		provisionPolicy:  opt.ProvisionPolicy,
		invitationPolicy: opt.InvitationPolicy,
		clk:              opt.Clock,
		ifc:              ifc,
		core:             co,
		timeout:          opt.RadioTimeout,
		cmds:             make(chan cmdReq, 16),
		timerC:           make(chan evTimer, 32),
		closing:          make(chan struct{}),
		done:             make(chan struct{}),
		notes:            make(chan Notification, co.cfg.NotificationBuffer),
		timers:           make(map[timerID]clock.Timer),
		replies:          make(map[uint64]chan result),
	}
	d.run(evStart{addr: ifc.Info().Addr, phy: info})
	go d.loop()
	return d, nil
}

// drain reads an event stream to its end (at most for limit).
func drain(ch <-chan radio.Event, clk clock.Clock, limit time.Duration) {
	stop := make(chan struct{})
	t := clk.AfterFunc(limit, func() { close(stop) })
	defer t.Stop()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-stop:
			return
		}
	}
}

// Address is the P2P Device Address (the interface's address).
func (d *Device) Address() MAC { return d.core.id.addr }

// InterfaceAddress is the Intended P2P Interface Address the device
// announces in GO Negotiation (Wi-Fi P2P v1.7, 4.1.11): the configured one,
// else one derived from the device address. A group formed from that
// negotiation must run its interface with this address, since the peer
// looks for that BSSID (or admits that client).
func (d *Device) InterfaceAddress() MAC { return d.core.id.ifAddr }

// Interface is the radio interface the device runs on.
func (d *Device) Interface() radio.InterfaceInfo { return d.ifc.Info() }

// ListenFreq is the device's Listen Channel (MHz).
func (d *Device) ListenFreq() int { return d.core.id.listen }

// Notifications delivers the device's notifications. It is closed when
// the device stops. A consumer that falls behind loses notifications; a
// NotificationsLost then tells how many.
func (d *Device) Notifications() <-chan Notification { return d.notes }

// Done is closed when the event loop has ended (Close, or the interface
// or its phy went away).
func (d *Device) Done() <-chan struct{} { return d.done }

// Close stops every procedure, deletes the interface and ends the loop.
func (d *Device) Close() error {
	d.once.Do(func() { close(d.closing) })
	<-d.done
	return nil
}

// Find starts device discovery (replacing a running Find or Listen).
func (d *Device) Find(ctx context.Context, o FindOptions) error {
	_, err := d.do(ctx, cmdFind{o})
	return err
}

// StopFind ends device discovery.
func (d *Device) StopFind(ctx context.Context) error {
	_, err := d.do(ctx, cmdStopFind{})
	return err
}

// Listen keeps the device discoverable on its Listen Channel without
// searching (replacing a running Find): continuously, or as Extended
// Listen Timing says when configured.
func (d *Device) Listen(ctx context.Context, o ListenOptions) error {
	_, err := d.do(ctx, cmdListen{o})
	return err
}

// StopListen ends Listen.
func (d *Device) StopListen(ctx context.Context) error {
	_, err := d.do(ctx, cmdStopListen{})
	return err
}

// ProvisionDiscovery asks a known peer whether it accepts provisioning
// with method (ours: MethodDisplay asks the peer to enter the PIN we will
// display, MethodKeypad asks it to display one). It returns when the
// peer answered or the retries ran out (ErrNoResponse); canceling ctx
// abandons it.
func (d *Device) ProvisionDiscovery(ctx context.Context, peer MAC, method WPSMethod) (ProvisionResult, error) {
	v, err := d.do(ctx, cmdProvision{peer: peer, method: method})
	if err != nil {
		return ProvisionResult{}, err
	}
	return v.(ProvisionResult), nil
}

// Connect runs a GO Negotiation with a known peer as initiator and returns
// the agreement. Failures are ErrNoResponse, ErrNoConfirmation, a
// *StatusError (errors.Is matches ErrBothGOIntent15, ErrNoCommonChannel,
// ErrIncompatibleMethod) or ErrUnknownPeer; canceling ctx abandons it.
// When the peer answers that it is not ready (status 1), Connect keeps
// listening for the peer's own request until Timing.NegPeerWait. A
// negotiation the peer already started with us (after Authorize) is the
// one Connect waits for. The outcome is Connect's alone: no
// NegotiationSucceeded or NegotiationFailed is notified for it.
func (d *Device) Connect(ctx context.Context, peer MAC, p ConnectParams) (NegotiationResult, error) {
	v, err := d.do(ctx, cmdConnect{peer: peer, params: p})
	if err != nil {
		return NegotiationResult{}, err
	}
	return v.(NegotiationResult), nil
}

// Invite sends a P2P Invitation Request to a known peer (on its Listen
// Channel, or on its operating channel when it is a GO), with retries
// like ProvisionDiscovery, and waits for the Invitation Response. Status
// 0 returns the result; another status a *StatusError (errors.Is matches
// ErrUnknownGroup, ErrRejectedByUser, ErrNoCommonChannel...); no answer
// ErrNoResponse. Starting the group is the caller's job. Canceling ctx
// abandons it.
func (d *Device) Invite(ctx context.Context, peer MAC, p InviteParams) (InvitationResult, error) {
	v, err := d.do(ctx, cmdInvite{peer: peer, params: p})
	if err != nil {
		return InvitationResult{}, err
	}
	return v.(InvitationResult), nil
}

// Authorize accepts the next GO Negotiation Request of peer with these
// terms; the outcome of that negotiation is notified (NegotiationSucceeded
// or NegotiationFailed) unless a Connect to the peer waits for it.
func (d *Device) Authorize(ctx context.Context, peer MAC, p ConnectParams) error {
	_, err := d.do(ctx, cmdAuthorize{peer: peer, params: p})
	return err
}

// Unauthorize withdraws an authorization (and ends a negotiation with the
// peer).
func (d *Device) Unauthorize(ctx context.Context, peer MAC) error {
	_, err := d.do(ctx, cmdUnauthorize{peer: peer})
	return err
}

// Peers returns a snapshot of the peer table, in address order.
func (d *Device) Peers(ctx context.Context) ([]Peer, error) {
	v, err := d.do(ctx, cmdPeers{})
	if err != nil {
		return nil, err
	}
	return v.([]Peer), nil
}

// Peer returns one peer (ErrUnknownPeer when not in the table).
func (d *Device) Peer(ctx context.Context, addr MAC) (Peer, error) {
	v, err := d.do(ctx, cmdPeer{addr: addr})
	if err != nil {
		return Peer{}, err
	}
	return v.(Peer), nil
}

// SetName changes the Device Name (at most 32 octets of UTF-8 without
// control characters) for the frames sent from now on.
func (d *Device) SetName(ctx context.Context, name string) error {
	_, err := d.do(ctx, cmdSetName{name: name})
	return err
}

// Flush forgets every peer not held by a procedure.
func (d *Device) Flush(ctx context.Context) error {
	_, err := d.do(ctx, cmdFlush{})
	return err
}

// do posts a command and waits for its reply.
func (d *Device) do(ctx context.Context, cmd command) (any, error) {
	id := d.nextID.Add(1)
	ch := make(chan result, 1)
	select {
	case d.cmds <- cmdReq{id: id, cmd: cmd, reply: ch}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-d.done:
		return nil, ErrClosed
	}
	select {
	case r := <-ch:
		return r.val, r.err
	case <-ctx.Done():
		cancel := cmdReq{id: d.nextID.Add(1), cmd: cmdCancel{id: id, err: ctx.Err()}, reply: make(chan result, 1)}
		select {
		case d.cmds <- cancel:
		case <-d.done:
		}
		return nil, ctx.Err()
	case <-d.done:
		return nil, ErrClosed
	}
}

// loop is the device's one goroutine.
func (d *Device) loop() {
	defer d.finish()
	events := d.ifc.Events()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				d.run(evStop{err: ErrClosed})
				return
			}
			d.run(evRadio{ev})
		case t := <-d.timerC:
			d.run(t)
		case r := <-d.cmds:
			if r.reply != nil {
				d.replies[r.id] = r.reply
			}
			d.run(evCommand{id: r.id, cmd: r.cmd})
			// A command that did not reply at once waits in replies.
		case <-d.closing:
			d.run(evStop{err: ErrClosed})
			ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
			if err := d.ifc.Delete(ctx); err != nil && !errors.Is(err, radio.ErrNoDevice) {
				d.trace("deleting the interface: %v", err)
			}
			cancel()
			drain(events, d.clk, d.timeout)
			return
		}
	}
}

func (d *Device) finish() {
	for id, t := range d.timers {
		t.Stop()
		delete(d.timers, id)
	}
	for id, ch := range d.replies {
		ch <- result{err: ErrClosed}
		delete(d.replies, id)
	}
	close(d.done)
	close(d.notes)
}

func (d *Device) trace(format string, args ...any) {
	if d.cfg.Trace != nil {
		d.cfg.Trace(format, args...)
	}
}

// run feeds one event to the core and executes the actions, feeding the
// outcomes of radio calls back in order.
func (d *Device) run(ev event) {
	queue := d.core.handle(d.clk.Now(), ev)
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		if next := d.exec(a); next != nil {
			queue = append(queue, d.core.handle(d.clk.Now(), next)...)
		}
	}
}

func (d *Device) radioCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d.timeout)
}

// exec runs one action; it returns the event reporting its outcome, if
// any.
func (d *Device) exec(a action) event {
	switch x := a.(type) {
	case actSendFrame:
		ctx, cancel := d.radioCtx()
		defer cancel()
		cookie, err := d.ifc.SendFrame(ctx, x.tx)
		return evTxQueued{tag: x.tag, cookie: cookie, err: err}
	case actRemainOnChannel:
		ctx, cancel := d.radioCtx()
		defer cancel()
		cookie, err := d.ifc.RemainOnChannel(ctx, x.freq, x.dur)
		return evROCQueued{tag: x.tag, cookie: cookie, err: err}
	case actCancelROC:
		ctx, cancel := d.radioCtx()
		defer cancel()
		if err := d.ifc.CancelRemainOnChannel(ctx, x.cookie); err != nil {
			d.trace("cancel remain on channel: %v", err)
		}
	case actCancelFrameWait:
		ctx, cancel := d.radioCtx()
		defer cancel()
		_ = d.ifc.CancelFrameWait(ctx, x.cookie) // the wait may be over already
	case actTriggerScan:
		ctx, cancel := d.radioCtx()
		defer cancel()
		return evScanTriggered{err: d.ifc.TriggerScan(ctx, x.req)}
	case actAbortScan:
		ctx, cancel := d.radioCtx()
		defer cancel()
		_ = d.ifc.AbortScan(ctx)
	case actGetScanResults:
		ctx, cancel := d.radioCtx()
		defer cancel()
		bss, err := d.ifc.ScanResults(ctx)
		return evScanResults{bss: bss, err: err}
	case actArmTimer:
		if t, ok := d.timers[x.id]; ok {
			t.Stop()
		}
		ev := evTimer(x)
		d.timers[x.id] = d.clk.AfterFunc(max(x.at.Sub(d.clk.Now()), 0), func() {
			select {
			case d.timerC <- ev:
			case <-d.done:
			}
		})
	case actCancelTimer:
		if t, ok := d.timers[x.id]; ok {
			t.Stop()
			delete(d.timers, x.id)
		}
	case actNotify:
		d.deliver(x.n)
	case actReply:
		if ch, ok := d.replies[x.id]; ok {
			ch <- result{val: x.val, err: x.err}
			delete(d.replies, x.id)
		}
	case actDecideProvision:
		accept := defaultProvisionDecision(&d.cfg, x.d.req)
		if d.provisionPolicy != nil {
			accept = d.provisionPolicy(x.d.req)
		}
		return evProvisionDecision{d: x.d, accept: accept}
	case actDecideInvitation:
		policy := d.invitationPolicy
		if policy == nil {
			policy = defaultInvitationDecision
		}
		req := x.d.req
		req.Channels = slices.Clone(req.Channels)
		return evInvitationDecision{d: x.d, dec: policy(req)}
	case actTrace:
		d.trace("%s", x.msg)
	}
	return nil
}

// deliver passes a notification on without ever blocking the loop.
func (d *Device) deliver(n Notification) {
	if d.lost > 0 {
		select {
		case d.notes <- NotificationsLost{Count: d.lost}:
			d.lost = 0
		default:
			d.lost++
			return
		}
	}
	select {
	case d.notes <- n:
	default:
		d.lost++
	}
}
