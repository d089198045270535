package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// Config configures a Coordinator.
type Config struct {
	// DeviceConfig returns the P2P configuration of the device on a phy;
	// nil means p2p.DefaultConfig with Name.
	DeviceConfig func(radio.PhyInfo) p2p.Config
	// MaxPeers bounds each device's peer table (0: p2p.DefaultMaxPeers).
	MaxPeers int
	// StateDir keeps the persistent groups across restarts (a file only
	// its owner reads: it holds their credentials); "" keeps them in
	// memory.
	StateDir string
	// Name is the default P2P Device Name ("p2pmanager" when empty).
	Name string
	// Options are passed to every p2p.NewDevice.
	Options p2p.Options
	// EventBuffer is the capacity of the event channel (256 when 0).
	EventBuffer int
	// Discover, when set, keeps discovery on with these options from the
	// start, whatever the D-Bus clients ask (demos, kiosks): StopDiscovery
	// then only ends what the clients asked for.
	Discover *api.DiscoveryOptions
	// DHCP, when set, serves addresses on the groups where we are GO and
	// obtains one where we are a client and the GO gave none in the 4-way
	// handshake. Nil leaves addressing to the EAPOL IP Address Allocation
	// (enough between our own cores, e.g. on the simulated medium).
	DHCP DHCP
	// DHCPTimeout bounds a client's DHCP (30 s when 0).
	DHCPTimeout time.Duration
}

// DHCP is what the coordinator needs of a DHCPv4 implementation (package
// ipconf on the kernel's interfaces).
type DHCP interface {
	// Serve runs a server on the GO's interface ifname, which has address
	// own; lease names the address of each client (by its hardware
	// address) or refuses it. Closing the result stops the server.
	Serve(ctx context.Context, ifname string, own netip.Prefix, lease func(ctx context.Context, hw net.HardwareAddr) (netip.Addr, error)) (io.Closer, error)
	// Acquire obtains an address on a client's interface ifname: the
	// address with its prefix and the server's address.
	Acquire(ctx context.Context, ifname string) (addr netip.Prefix, server netip.Addr, err error)
}

// Coordinator implements dbusapi.Backend over the P2P cores of the radios
// of a radio.Backend.
type Coordinator struct {
	log    *zap.Logger
	cmds   chan func()
	events chan api.Event
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
	// ctx ends at Close; it bounds the work the loop starts on its own.
	ctx    context.Context
	cancel context.CancelFunc

	ndevs       int
	dhcp        DHCP
	persist     *persistentStore
	dhcpTimeout time.Duration
	// Owned by the loop (devs is fixed once New returns).
	devs       []*device
	subscribed bool
	nextReq    uint64
	nextGroup  api.GroupID
	agent      api.AgentCapability
}

// device is one P2P Device; it implements dbusapi.Device. Its fields other
// than c, p2p and id are owned by the loop.
type device struct {
	c   *Coordinator
	p2p *p2p.Device
	phy radio.Phy
	id  api.DeviceID
	// ifAddr is our Intended P2P Interface Address.
	ifAddr p2p.MAC

	info       api.DeviceInfo
	peers      map[api.MAC]api.PeerInfo
	groups     map[api.GroupID]*runningGroup
	wantFind   *api.DiscoveryOptions // what the clients want
	pinFind    *api.DiscoveryOptions // Config.Discover
	wantListen bool
	removed    bool // the radio went away
	// holds counts the groups forming or running: the radio then stays on
	// their channel, without find or listen.
	holds int
	// own counts, by peer, the negotiations we run ourselves (Connect, an
	// accepted request): their group is started where they run, the others
	// (a peer we authorized negotiated) from NegotiationSucceeded.
	own map[api.MAC]int
	// pins are the PINs of incoming requests the agent accepted, by peer,
	// for the group formed when the peer negotiates.
	pins      map[api.MAC]string
	finding   bool
	listening bool
}

// New starts a P2P core on each P2P-capable phy of rb and the event loop.
// Close stops them.
func New(ctx context.Context, rb radio.Backend, cfg Config, log *zap.Logger) (*Coordinator, error) {
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.Name == "" {
		cfg.Name = "p2pmanager"
	}
	if cfg.EventBuffer <= 0 {
		cfg.EventBuffer = 256
	}
	phys, err := rb.Phys(ctx)
	if err != nil {
		return nil, fmt.Errorf("coordinator: listing radios: %w", err)
	}
	c := &Coordinator{
		log:    log,
		cmds:   make(chan func()),
		events: make(chan api.Event, cfg.EventBuffer),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		dhcp:   cfg.DHCP,

		dhcpTimeout: cfg.DHCPTimeout,
	}
	if c.dhcpTimeout <= 0 {
		c.dhcpTimeout = 30 * time.Second
	}
	if c.persist, err = openPersistentStore(cfg.StateDir); err != nil {
		return nil, err
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for _, phy := range phys {
		info := phy.Info()
		t := info.SupportedIfTypes
		if !t.Has(radio.IfP2PDevice) && !(t.Has(radio.IfP2PClient) && t.Has(radio.IfP2PGO)) {
			log.Info("radio without P2P interface types skipped", zap.String("phy", info.Name))
			continue
		}
		pc := p2p.DefaultConfig(cfg.Name)
		if cfg.DeviceConfig != nil {
			pc = cfg.DeviceConfig(info)
		}
		if cfg.MaxPeers > 0 {
			pc.MaxPeers = cfg.MaxPeers
		}
		dlog := log.With(zap.String("phy", info.Name))
		if pc.Trace == nil && dlog.Core().Enabled(zap.DebugLevel) {
			pc.Trace = func(format string, args ...any) { dlog.Debug(fmt.Sprintf(format, args...)) }
		}
		opts := cfg.Options
		id := deviceID(info.Name)
		opts.InvitationPolicy = func(r p2p.InvitationRequest) p2p.InvitationDecision { return c.invitationDecision(id, r) }
		pd, err := p2p.NewDevice(ctx, phy, pc, opts)
		if err != nil {
			for _, d := range c.devs {
				_ = d.p2p.Close()
			}
			c.cancel()
			return nil, fmt.Errorf("coordinator: starting P2P on %s: %w", info.Name, err)
		}
		d := &device{
			c:      c,
			p2p:    pd,
			phy:    phy,
			ifAddr: pd.InterfaceAddress(),
			id:     id,
			peers:  map[api.MAC]api.PeerInfo{},
			groups: map[api.GroupID]*runningGroup{},
			own:    map[api.MAC]int{},
			pins:   map[api.MAC]string{},
		}
		d.info = api.DeviceInfo{
			ID:                d.id,
			Name:              pc.DeviceName,
			Address:           api.MAC(pd.Address()),
			PrimaryDeviceType: api.DeviceType(pc.PrimaryDeviceType),
			Enabled:           true,
			GOIntent:          uint8(pc.GOIntent),
			Capabilities:      capabilities(info),
			Availability:      api.Available,
		}
		if cfg.Discover != nil {
			o := *cfg.Discover
			d.pinFind = &o
		}
		c.devs = append(c.devs, d)
		dlog.Info("P2P device started", zap.Stringer("address", pd.Address()), zap.String("name", pc.DeviceName))
	}
	for _, d := range c.devs {
		if err := d.apply(ctx); err != nil {
			for _, d := range c.devs {
				_ = d.p2p.Close()
			}
			c.cancel()
			return nil, fmt.Errorf("coordinator: starting discovery on %s: %w", d.id, err)
		}
		d.info.Discovering = d.finding
	}
	c.ndevs = len(c.devs)
	for _, d := range c.devs {
		c.wg.Add(1)
		go c.forward(d)
	}
	go c.loop()
	return c, nil
}

// Devices returns how many P2P devices run.
func (c *Coordinator) Devices() int { return c.ndevs }

// Close stops the event loop and every P2P core, and closes the event
// channel. It is idempotent.
func (c *Coordinator) Close() error {
	c.once.Do(func() {
		c.cancel()
		close(c.stop)
		<-c.done
		// The loop is over: its state is ours now.
		for _, d := range c.devs {
			for _, g := range d.groups {
				d.endGroup(g)
			}
			_ = d.p2p.Close()
		}
		c.wg.Wait()
		close(c.events)
	})
	return nil
}

func (c *Coordinator) loop() {
	defer close(c.done)
	for {
		select {
		case f := <-c.cmds:
			f()
		case <-c.stop:
			return
		}
	}
}

// forward hands the notifications of one core to the loop.
func (c *Coordinator) forward(d *device) {
	defer c.wg.Done()
	for n := range d.p2p.Notifications() {
		select {
		case c.cmds <- func() { d.notification(n) }:
		case <-c.stop:
			// Drain so that the core can finish.
			for range d.p2p.Notifications() {
			}
			return
		}
	}
	// The core ended on its own: the radio went away.
	select {
	case c.cmds <- d.gone:
	case <-c.stop:
	}
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

// do runs f on the loop unless the device is gone.
func (d *device) do(ctx context.Context, f func() error) error {
	return d.c.do(ctx, func() error {
		if d.removed {
			return fmt.Errorf("%w: device %s is gone", api.ErrNotFound, d.id)
		}
		return f()
	})
}

// do runs f on the loop and returns its error.
func (c *Coordinator) do(ctx context.Context, f func() error) error {
	res := make(chan error, 1)
	select {
	case c.cmds <- func() { res <- f() }:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stop:
		return fmt.Errorf("%w: the service is stopping", api.ErrNotReady)
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post runs f on the loop without waiting; it never blocks the caller.
func (c *Coordinator) post(f func()) {
	go func() {
		select {
		case c.cmds <- f:
		case <-c.stop:
		}
	}()
}

// emit sends an event to the layer once it subscribed; it may block.
func (c *Coordinator) emit(ev api.Event) {
	if !c.subscribed {
		return
	}
	select {
	case c.events <- ev:
	case <-c.stop:
	}
}

// Subscribe implements dbusapi.Backend.
func (c *Coordinator) Subscribe(ctx context.Context) ([]api.Event, <-chan api.Event, error) {
	var initial []api.Event
	err := c.do(ctx, func() error {
		if c.subscribed {
			return fmt.Errorf("%w: already subscribed", api.ErrInProgress)
		}
		c.subscribed = true
		for _, d := range c.devs {
			if !d.removed {
				initial = append(initial, api.DeviceAdded{Device: d, Info: d.info})
			}
		}
		for _, d := range c.devs {
			for _, p := range d.peers {
				initial = append(initial, api.PeerUpdated{Device: d.id, Info: p})
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return initial, c.events, nil
}

// SetAgentCapability implements dbusapi.Backend.
func (c *Coordinator) SetAgentCapability(ctx context.Context, a api.AgentCapability) error {
	return c.do(ctx, func() error { c.agent = a; return nil })
}

// changed reports the device's state.
func (d *device) changed() {
	d.info.Discovering = d.info.Enabled && d.finding
	d.info.Listening = d.info.Enabled && d.listening
	d.c.emit(api.DeviceChanged{Info: d.info})
}

// find is the discovery wanted: the clients', else the pinned one.
func (d *device) find() *api.DiscoveryOptions {
	if d.wantFind != nil {
		return d.wantFind
	}
	return d.pinFind
}

// apply starts or stops find and listen so that the core does what is
// wanted. It runs on the loop; the core answers these commands at once.
func (d *device) apply(ctx context.Context) error {
	switch {
	case d.info.Enabled && d.holds == 0 && d.find() != nil:
		if !d.finding {
			if err := d.p2p.Find(ctx, findOptions(*d.find())); err != nil {
				return mapErr(err)
			}
			d.finding, d.listening = true, false
		}
	case d.info.Enabled && d.holds == 0 && d.wantListen:
		if d.finding {
			d.finding = false
			if err := d.p2p.StopFind(ctx); err != nil {
				return mapErr(err)
			}
		}
		if !d.listening {
			if err := d.p2p.Listen(ctx, p2p.ListenOptions{}); err != nil {
				return mapErr(err)
			}
			d.listening = true
		}
	default:
		if d.finding {
			d.finding = false
			if err := d.p2p.StopFind(ctx); err != nil {
				return mapErr(err)
			}
		}
		if d.listening {
			d.listening = false
			if err := d.p2p.StopListen(ctx); err != nil {
				return mapErr(err)
			}
		}
	}
	return nil
}

// applyChanged applies and reports the device's state.
func (d *device) applyChanged(ctx context.Context) error {
	err := d.apply(ctx)
	d.changed()
	return err
}

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
		if !d.finding {
			return
		}
		d.finding = false
		// Discovery stays on until stopped: restart it.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.apply(ctx); err != nil {
			log.Warn("restarting discovery", zap.Error(err))
		}
		d.changed()
	case p2p.ListenStopped:
		if !d.listening {
			return
		}
		d.listening = false
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.apply(ctx); err != nil {
			log.Warn("restarting listen", zap.Error(err))
		}
		d.changed()
	case p2p.ProvisionDiscoveryRequest:
		log.Info("provision discovery request", zap.Stringer("peer", x.Peer), zap.Stringer("method", x.Method), zap.Bool("accepted", x.Accepted))
		if x.Accepted {
			kind := api.RequestProvision
			if d.runningGO() != nil {
				// Provision Discovery with a running GO is how a client
				// asks to join (Wi-Fi P2P v1.7, 3.2.3).
				kind = api.RequestJoin
			}
			d.askAgent(x.Peer, kind, x.Method, false)
		}
	case p2p.GONegotiationRequest:
		log.Info("GO negotiation request", zap.Stringer("peer", x.Peer), zap.Stringer("method", x.Method), zap.Uint8("go_intent", x.GOIntent))
		d.askAgent(x.Peer, api.RequestNegotiation, x.Method, x.Persistent)
	case p2p.NegotiationSucceeded:
		log.Info("GO negotiation succeeded", zap.Stringer("peer", x.Result.Peer), zap.Stringer("role", x.Result.Role), zap.Int("freq", x.Result.Freq))
		peer := api.MAC(x.Result.Peer)
		if d.own[peer] > 0 {
			d.ownDone(peer)
			return
		}
		// A peer we had authorized negotiated with us: form the group.
		d.formGroup(x.Result)
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

// ownDone ends the count of one of our negotiations with peer.
func (d *device) ownDone(peer api.MAC) {
	if d.own[peer]--; d.own[peer] <= 0 {
		delete(d.own, peer)
	}
}

// formGroup starts, on the loop, the group of a negotiation no Connect
// waits for (a peer we had authorized negotiated); it is reported by
// GroupUpdated like any other. A PIN method uses the PIN the agent saw or
// gave when it accepted the peer.
func (d *device) formGroup(res p2p.NegotiationResult) {
	log := d.c.log.With(zap.String("device", string(d.id)), zap.Stringer("peer", res.Peer))
	pin := d.pins[api.MAC(res.Peer)]
	delete(d.pins, api.MAC(res.Peer))
	if res.Method != p2p.MethodPBC && pin == "" {
		log.Warn("GO negotiation with a PIN method but no PIN from the agent: no group", zap.Stringer("method", res.Method))
		d.setLastError(api.MAC(res.Peer), fmt.Errorf("%w: no PIN for %v", api.ErrFailed, res.Method))
		return
	}
	gdev := d.groupDevice()
	d.c.wg.Add(1)
	go func() {
		defer d.c.wg.Done()
		ctx, cancel := context.WithTimeout(d.c.ctx, 3*time.Minute)
		defer cancel()
		g, err := d.startGroup(ctx, res, gdev, groupWPS(res.Role, res.Method, pin))
		if err == nil {
			err = d.await(ctx, g)
		}
		if err != nil {
			log.Info("group formation after an incoming negotiation failed", zap.Error(err))
			d.c.post(func() { d.setLastError(api.MAC(res.Peer), err) })
		}
	}()
}

// resync reloads the peer table after lost notifications.
func (d *device) resync() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
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

func (d *device) setLastError(a api.MAC, err error) {
	p, ok := d.peers[a]
	if !ok {
		return
	}
	p.LastError = err
	d.peers[a] = p
	d.c.emit(api.PeerUpdated{Device: d.id, Info: p})
}

// askAgent sends an AgentAuthorize request. On acceptance (off the loop,
// since a PIN may have to come from the agent first):
//   - RequestJoin: a peer provisioning with our running GO gets its
//     Registrar opened for it (AllowJoin) with the method it asked for;
//   - otherwise the peer is authorized, so that its next GO Negotiation
//     Request succeeds; for a GO Negotiation Request we also start the
//     negotiation ourselves, since the peer, answered with status 1
//     (information unavailable), now waits for our request (Wi-Fi P2P
//     v1.7, 3.1.4.2; hostap does the same).
//
// With a PIN method, the PIN is generated and shown through the agent when
// we display it, or asked of the agent when the peer displays it.
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
			d.c.wg.Add(1)
			go func() {
				defer d.c.wg.Done()
				d.accepted(peer, kind, method, intent, persistent, log)
			}()
		},
	})
}

// accepted carries out a request the agent accepted (see askAgent). It
// runs off the loop.
func (d *device) accepted(peer p2p.MAC, kind api.RequestKind, method p2p.WPSMethod, intent int, persistent bool, log *zap.Logger) {
	ctx, cancel := context.WithTimeout(d.c.ctx, 2*time.Minute)
	defer cancel()
	pin, err := d.pinFor(ctx, api.MAC(peer), method, "")
	if err != nil {
		log.Info("no PIN for the accepted request", zap.Error(err))
		return
	}
	if kind == api.RequestJoin {
		var gs *group.GO
		_ = d.do(ctx, func() error {
			if g := d.runningGO(); g != nil {
				gs = g.goSide
			}
			return nil
		})
		if gs == nil {
			log.Info("the group the peer asked to join is gone")
			return
		}
		if err := gs.AllowJoin(ctx, groupWPS(p2pmsg.RoleGO, method, pin), group.MAC(peer), 0); err != nil {
			log.Warn("opening the Registrar for the joining peer", zap.Error(err))
			return
		}
		log.Info("the joining peer may provision", zap.Stringer("method", method))
		return
	}
	var gdev group.Device
	err = d.do(ctx, func() error {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		defer acancel()
		if err := d.p2p.Authorize(actx, peer, p2p.ConnectParams{Method: method, GOIntent: &intent, Persistent: persistent}); err != nil {
			return err
		}
		if pin != "" {
			d.pins[api.MAC(peer)] = pin
		}
		if kind == api.RequestNegotiation {
			d.own[api.MAC(peer)]++
		}
		gdev = d.groupDevice()
		return nil
	})
	if err != nil {
		log.Warn("authorizing the peer", zap.Error(err))
		return
	}
	log.Info("peer authorized")
	if kind != api.RequestNegotiation {
		return
	}
	res, err := d.p2p.Connect(ctx, peer, p2p.ConnectParams{Method: method, GOIntent: &intent, Persistent: persistent})
	if err != nil {
		log.Info("GO negotiation with the accepted peer failed", zap.Error(err))
		merr := mapErr(err)
		d.c.post(func() {
			d.ownDone(api.MAC(peer))
			d.setLastError(api.MAC(peer), merr)
		})
		return
	}
	log.Info("GO negotiation with the accepted peer succeeded; starting the group",
		zap.Stringer("role", res.Role), zap.Int("freq", res.Freq))
	d.c.post(func() { delete(d.pins, api.MAC(peer)) })
	g, err := d.startGroup(ctx, res, gdev, groupWPS(res.Role, method, pin))
	if err == nil {
		err = d.await(ctx, g)
	}
	if err != nil {
		log.Info("group formation with the accepted peer failed", zap.Error(err))
		d.c.post(func() { d.setLastError(api.MAC(peer), err) })
	}
}

// runningGO is a started group where we are GO, nil when there is none.
func (d *device) runningGO() *runningGroup {
	var best *runningGroup
	for _, g := range d.groups {
		if g.goSide != nil && g.started && (best == nil || g.id < best.id) {
			best = g
		}
	}
	return best
}

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

// SetEnabled implements dbusapi.Device.
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

// SetGOIntent implements dbusapi.Device.
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

// StartDiscovery implements dbusapi.Device.
func (d *device) StartDiscovery(ctx context.Context, o api.DiscoveryOptions) error {
	return d.do(ctx, func() error {
		if !d.info.Enabled {
			return fmt.Errorf("%w: P2P is disabled on %s", api.ErrNotReady, d.id)
		}
		restart := d.find() != nil && !sameDiscovery(*d.find(), o)
		o.DeviceTypes = append([]api.DeviceType(nil), o.DeviceTypes...)
		d.wantFind = &o
		if restart {
			d.finding = false // Find again with the new options
		}
		return d.applyChanged(ctx)
	})
}

// StopDiscovery implements dbusapi.Device.
func (d *device) StopDiscovery(ctx context.Context) error {
	return d.do(ctx, func() error {
		if d.wantFind != nil && d.pinFind != nil && !sameDiscovery(*d.wantFind, *d.pinFind) {
			d.finding = false // back to the pinned options
		}
		d.wantFind = nil
		return d.applyChanged(ctx)
	})
}

// StartListen implements dbusapi.Device.
func (d *device) StartListen(ctx context.Context, _ api.ListenOptions) error {
	return d.do(ctx, func() error {
		if !d.info.Enabled {
			return fmt.Errorf("%w: P2P is disabled on %s", api.ErrNotReady, d.id)
		}
		d.wantListen = true
		return d.applyChanged(ctx)
	})
}

// StopListen implements dbusapi.Device.
func (d *device) StopListen(ctx context.Context) error {
	return d.do(ctx, func() error {
		d.wantListen = false
		return d.applyChanged(ctx)
	})
}

// CreateGroup implements dbusapi.Device: it starts an autonomous GO
// (Wi-Fi P2P v1.7, 3.2.1) and returns once it beacons, after its
// GroupUpdated. Clients join through AllowJoin.
func (d *device) CreateGroup(ctx context.Context, o api.GroupOptions) (api.GroupID, error) {
	var (
		gdev group.Device
		freq int
	)
	err := d.do(ctx, func() error {
		if !d.info.Enabled {
			return fmt.Errorf("%w: P2P is disabled on %s", api.ErrNotReady, d.id)
		}
		var err error
		freq, err = groupFrequency(d.info.Capabilities.Frequencies, o)
		gdev = d.groupDevice()
		return err
	})
	if err != nil {
		return 0, err
	}
	g, err := d.launchGroup(ctx, func() (*runningGroup, error) {
		gs, err := group.StartGO(ctx, d.phy, group.GOConfig{
			Device:           gdev,
			Freq:             freq,
			Passphrase:       o.Passphrase,
			Persistent:       o.Persistent,
			InterfaceAddress: d.ifAddr,
		})
		if errors.Is(err, group.ErrInvalidConfig) {
			return nil, fmt.Errorf("%w: %w", api.ErrInvalidArguments, err)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: starting the group: %w", api.ErrFailed, err)
		}
		g := newRunningGroup(api.MAC{})
		g.goSide, g.done = gs, gs.Done()
		d.serveDHCP(ctx, g)
		return g, nil
	})
	if err != nil {
		return 0, err
	}
	if err := d.await(ctx, g); err != nil {
		return 0, err
	}
	return g.id, nil
}

// groupFrequency chooses an autonomous GO's operating channel among the
// usable frequencies: the one asked, else the first of the band asked,
// else channel 6 (a social channel, as wpa_supplicant prefers), else the
// first usable.
func groupFrequency(usable []uint32, o api.GroupOptions) (int, error) {
	if o.Frequency != 0 {
		if !slices.Contains(usable, o.Frequency) {
			return 0, fmt.Errorf("%w: frequency %d MHz is not usable", api.ErrInvalidArguments, o.Frequency)
		}
		return int(o.Frequency), nil
	}
	inBand := func(f uint32) bool {
		switch o.Band {
		case api.Band2GHz:
			return f < 2500
		case api.Band5GHz:
			return f > 4900 && f < 5925
		case api.Band6GHz:
			return f >= 5925
		}
		return true
	}
	if o.Band == 0 && slices.Contains(usable, 2437) {
		return 2437, nil
	}
	for _, f := range usable {
		if inBand(f) {
			return int(f), nil
		}
	}
	return 0, fmt.Errorf("%w: no usable channel for the group", api.ErrNoCommonChannel)
}

// Connect implements dbusapi.Device: it runs the GO Negotiation, then
// starts our side of the group in the role agreed (Wi-Fi P2P v1.7, 3.2.2)
// and returns once the group is up, after its GroupUpdated. With a PIN
// method the PIN is the one given, else one we generate and show through
// AgentDisplayPIN (we display) or the one the agent types (AgentRequestPIN,
// the peer displays).
func (d *device) Connect(ctx context.Context, peer api.MAC, o api.ConnectOptions) (api.GroupID, error) {
	if o.Join {
		return d.join(ctx, peer, o)
	}
	var (
		params p2p.ConnectParams
		gdev   group.Device
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
		gdev = d.groupDevice()
		return nil
	})
	if err != nil {
		return 0, err
	}
	if o.Persistent {
		// A persistent group formed with this peer before is re-invoked:
		// no negotiation, no WPS.
		if pg, ok := d.c.persist.lookup(d.id, peer); ok {
			id, err := d.reinvoke(ctx, pg, gdev)
			if !errors.Is(err, errUnknownPersistent) {
				return id, err
			}
		}
	}
	pin, err := d.pinFor(ctx, peer, params.Method, o.PIN)
	if err != nil {
		return 0, err
	}
	// Counted on the loop before the negotiation starts, so that its
	// NegotiationSucceeded does not start a second group.
	if err := d.do(context.Background(), func() error { d.own[peer]++; return nil }); err != nil {
		return 0, err
	}
	res, err := d.p2p.Connect(ctx, p2p.MAC(peer), params)
	if err != nil {
		d.c.post(func() { d.ownDone(peer) })
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		merr := mapErr(err)
		d.c.post(func() { d.setLastError(peer, merr) })
		return 0, merr
	}
	d.c.log.Info("GO negotiation done; starting the group", zap.Stringer("peer", res.Peer),
		zap.Stringer("role", res.Role), zap.Int("freq", res.Freq), zap.String("ssid", res.SSID))
	g, err := d.startGroup(ctx, res, gdev, groupWPS(res.Role, params.Method, pin))
	if err != nil {
		return 0, err
	}
	if err := d.await(ctx, g); err != nil {
		if ctx.Err() == nil {
			d.c.post(func() { d.setLastError(peer, err) })
		}
		return 0, err
	}
	return g.id, nil
}

// connectablePeer is a known peer of an enabled device. It runs on the
// loop.
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

// join joins the running group of a peer that is GO as a client (Wi-Fi
// P2P v1.7, 3.2.3 "P2P Group joining"): Provision Discovery with the GO's
// P2P Device so that its user allows us (push button pressed, or the PIN
// shown), then WSC with the GO's Registrar and the 4-way handshake. The
// group's SSID, BSSID and channel come from the GO's P2P Group ID and
// probe responses when discovery saw them; otherwise the client finds the
// GO by its P2P Device Address.
func (d *device) join(ctx context.Context, peer api.MAC, o api.ConnectOptions) (api.GroupID, error) {
	var (
		method p2p.WPSMethod
		gdev   group.Device
	)
	err := d.do(ctx, func() error {
		p, err := d.connectablePeer(peer)
		if err != nil {
			return err
		}
		// A peer not (yet) seen as GO may still run a group (its GO
		// answers on the operating channel only): the client then looks
		// for it by its P2P Device Address.
		method = methodFor(o.Method, p.ConfigMethods)
		gdev = d.groupDevice()
		return nil
	})
	if err != nil {
		return 0, err
	}
	gp, err := d.p2p.Peer(ctx, p2p.MAC(peer))
	if err != nil {
		return 0, mapErr(err)
	}
	pin, err := d.pinFor(ctx, peer, method, o.PIN)
	if err != nil {
		return 0, err
	}
	pd, err := d.p2p.ProvisionDiscovery(ctx, p2p.MAC(peer), method)
	switch {
	case err != nil && ctx.Err() != nil:
		return 0, ctx.Err()
	case err != nil:
		merr := mapErr(err)
		d.c.post(func() { d.setLastError(peer, merr) })
		return 0, merr
	case !pd.Accepted:
		err := fmt.Errorf("%w: the group owner refused %v provisioning", api.ErrRejected, method)
		d.c.post(func() { d.setLastError(peer, err) })
		return 0, err
	}
	freq := gp.OperatingFreq
	if o.Frequency != 0 {
		freq = int(o.Frequency)
	}
	d.c.log.Info("joining the group of a peer", zap.Stringer("peer", gp.Address), zap.String("ssid", gp.GroupSSID),
		zap.Stringer("bssid", gp.GroupBSSID), zap.Int("freq", freq), zap.Stringer("method", method))
	wps := groupWPS(p2pmsg.RoleClient, method, pin)
	g, err := d.launchGroup(ctx, func() (*runningGroup, error) {
		cs, err := group.StartClient(ctx, d.phy, group.ClientConfig{
			Device:             gdev,
			GODeviceAddress:    gp.Address,
			GOInterfaceAddress: gp.GroupBSSID,
			Freq:               freq,
			SSID:               []byte(gp.GroupSSID),
			WPS:                &wps,
			InterfaceAddress:   d.ifAddr,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: joining the group: %w", api.ErrFailed, err)
		}
		g := newRunningGroup(peer)
		g.client, g.done = cs, cs.Done()
		return g, nil
	})
	if err != nil {
		return 0, err
	}
	if err := d.await(ctx, g); err != nil {
		if ctx.Err() == nil {
			d.c.post(func() { d.setLastError(peer, err) })
		}
		return 0, err
	}
	return g.id, nil
}

// Disconnect implements dbusapi.Device: it withdraws an authorization or
// an ongoing negotiation with the peer, leaves the group where the peer is
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

// ProvisionDiscovery implements dbusapi.Device.
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

// LeaveGroup implements dbusapi.Device: it stops the group (GO) or
// leaves it (client) and reports it removed.
func (d *device) LeaveGroup(ctx context.Context, id api.GroupID) error {
	var g *runningGroup
	err := d.do(ctx, func() error {
		g = d.groups[id]
		if g == nil {
			return fmt.Errorf("%w: no group %d", api.ErrNotFound, id)
		}
		return nil
	})
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

// AllowJoin implements dbusapi.Device: it opens the Registrar of a group
// where we are GO for one Enrollee (push button, or the PIN given).
func (d *device) AllowJoin(ctx context.Context, id api.GroupID, o api.JoinOptions) error {
	var g *runningGroup
	err := d.do(ctx, func() error {
		g = d.groups[id]
		switch {
		case g == nil:
			return fmt.Errorf("%w: no group %d", api.ErrNotFound, id)
		case g.goSide == nil:
			return fmt.Errorf("%w: we are a client in group %d", api.ErrNotSupported, id)
		}
		return nil
	})
	if err != nil {
		return err
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

// mapErr wraps a core error in the dbusapi sentinel that names it.
func mapErr(err error) error {
	var se *p2p.StatusError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, p2p.ErrNoResponse), errors.Is(err, p2p.ErrNoConfirmation):
		return fmt.Errorf("%w: %w", api.ErrPeerUnreachable, err)
	case errors.Is(err, p2p.ErrNoCommonChannel):
		return fmt.Errorf("%w: %w", api.ErrNoCommonChannel, err)
	case errors.Is(err, p2p.ErrBusy):
		return fmt.Errorf("%w: %w", api.ErrBusy, err)
	case errors.Is(err, p2p.ErrUnknownPeer):
		return fmt.Errorf("%w: %w", api.ErrNotFound, err)
	case errors.Is(err, p2p.ErrCanceled):
		return fmt.Errorf("%w: %w", api.ErrAborted, err)
	case errors.Is(err, p2p.ErrClosed):
		return fmt.Errorf("%w: %w", api.ErrNotReady, err)
	case errors.Is(err, p2p.ErrUnsupportedMethod):
		return fmt.Errorf("%w: %w", api.ErrNotSupported, err)
	case errors.As(err, &se), errors.Is(err, p2p.ErrBothGOIntent15), errors.Is(err, p2p.ErrIncompatibleMethod):
		return fmt.Errorf("%w: %w", api.ErrRejected, err)
	}
	return fmt.Errorf("%w: %w", api.ErrFailed, err)
}

func findOptions(o api.DiscoveryOptions) p2p.FindOptions {
	f := p2p.FindOptions{Type: p2p.FindFull}
	if o.Type == api.DiscoverSocial {
		f.Type = p2p.FindSocial
	}
	for _, t := range o.DeviceTypes {
		f.DeviceTypes = append(f.DeviceTypes, p2p.DeviceType(t))
	}
	return f
}

func sameDiscovery(a, b api.DiscoveryOptions) bool {
	if a.Type != b.Type || len(a.DeviceTypes) != len(b.DeviceTypes) {
		return false
	}
	for i := range a.DeviceTypes {
		if a.DeviceTypes[i] != b.DeviceTypes[i] {
			return false
		}
	}
	return true
}

// methodFor chooses the core's method; MethodAuto picks from the peer's
// Config Methods, push button first.
func methodFor(m api.WPSMethod, peer api.ConfigMethods) p2p.WPSMethod {
	switch m {
	case api.MethodPBC:
		return p2p.MethodPBC
	case api.MethodPINDisplay:
		return p2p.MethodDisplay
	case api.MethodPINKeypad:
		return p2p.MethodKeypad
	}
	c := p2p.ConfigMethods(peer)
	switch {
	case c == 0 || c&p2p.ConfigPushButton != 0:
		return p2p.MethodPBC
	case c&p2p.ConfigKeypad != 0: // the peer enters, we display
		return p2p.MethodDisplay
	case c&p2p.ConfigDisplay != 0:
		return p2p.MethodKeypad
	}
	return p2p.MethodPBC
}

func wpsMethodOf(m p2p.WPSMethod) api.WPSMethod {
	switch m {
	case p2p.MethodPBC:
		return api.MethodPBC
	case p2p.MethodDisplay:
		return api.MethodPINDisplay
	case p2p.MethodKeypad:
		return api.MethodPINKeypad
	}
	return api.MethodAuto
}

func peerInfo(p p2p.Peer) api.PeerInfo {
	info := api.PeerInfo{
		Address:           api.MAC(p.Address),
		Name:              p.Name,
		PrimaryDeviceType: api.DeviceType(p.PrimaryDeviceType),
		ConfigMethods:     api.ConfigMethods(p.ConfigMethods),
		DeviceCapability:  uint8(p.DeviceCapability),
		GroupCapability:   uint8(p.GroupCapability),
		GroupOwner:        p.GroupOwner,
		Manufacturer:      p.Manufacturer,
		Model:             p.ModelName,
		ModelNumber:       p.ModelNumber,
		SerialNumber:      p.SerialNumber,
		Signal:            int16(p.Signal / 100),
		LastSeen:          p.LastSeen,
	}
	for _, t := range p.SecondaryDeviceTypes {
		info.SecondaryDeviceTypes = append(info.SecondaryDeviceTypes, api.DeviceType(t))
	}
	if p.WFDSubelements != nil {
		info.WFD = wfdInfo(p.WFDSubelements)
	}
	return info
}

// wfdInfo reads WFD Device Information (Wi-Fi Display v2.1, 5.1.2); nil
// when the payload does not parse.
func wfdInfo(payload []byte) *api.WFDInfo {
	w, err := p2pmsg.ParseWFD(payload)
	if err != nil {
		return nil
	}
	info := &api.WFDInfo{Subelements: append([]byte(nil), payload...)}
	if di := w.DeviceInfo; di != nil {
		info.DeviceType = api.WFDDeviceType(di.DeviceInfo & 0x3)
		info.SessionAvailable = di.DeviceInfo&0x30 == 0x10
		info.ContentProtection = di.DeviceInfo&0x100 != 0
		info.RTSPPort = di.SessionManagementControlPort
		info.MaxThroughput = di.MaxThroughput
	}
	return info
}

func capabilities(p radio.PhyInfo) api.Capabilities {
	c := api.Capabilities{P2PDevice: p.P2PDevice(), MaxGroups: 1}
	for _, b := range p.Bands {
		switch b.ID {
		case radio.Band2GHz:
			c.Bands = append(c.Bands, api.Band2GHz)
		case radio.Band5GHz:
			c.Bands = append(c.Bands, api.Band5GHz)
		case radio.Band6GHz:
			c.Bands = append(c.Bands, api.Band6GHz)
		default:
			continue
		}
		for _, ch := range b.Channels {
			if !ch.Disabled && !ch.NoIR {
				c.Frequencies = append(c.Frequencies, uint32(ch.Freq))
			}
		}
	}
	for _, ic := range p.Combinations {
		out := api.InterfaceCombination{MaxInterfaces: uint32(ic.MaxInterfaces), Channels: uint32(ic.NumChannels)}
		for _, l := range ic.Limits {
			lim := api.InterfaceLimit{Max: uint32(l.Max)}
			for t := radio.IfStation; t <= radio.IfP2PDevice; t++ {
				if l.Types.Has(t) {
					lim.Types = append(lim.Types, ifTypeName(t))
				}
			}
			out.Limits = append(out.Limits, lim)
		}
		c.Combinations = append(c.Combinations, out)
	}
	return c
}

func ifTypeName(t radio.IfType) string {
	switch t {
	case radio.IfStation:
		return "station"
	case radio.IfAP:
		return "ap"
	case radio.IfP2PClient:
		return "p2p-client"
	case radio.IfP2PGO:
		return "p2p-go"
	case radio.IfP2PDevice:
		return "p2p-device"
	}
	return t.String()
}

// deviceID replaces characters other than [A-Za-z0-9_] by '_'.
func deviceID(name string) api.DeviceID {
	return api.DeviceID(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			return r
		}
		return '_'
	}, name))
}

var (
	_ api.Backend = (*Coordinator)(nil)
	_ api.Device  = (*device)(nil)
)
