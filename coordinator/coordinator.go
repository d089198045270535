package coordinator

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// This file is the loop: the Coordinator, its configuration, and the one
// goroutine that owns the state of every device. New and Close run on
// their caller's goroutine; loop runs on its own goroutine; forward runs on
// one goroutine per P2P core. Every other goroutine reaches the state
// through do (waiting for the answer) or post (not waiting).

// Config configures a Coordinator. Zero values take the defaults given.
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
	// Options are passed to every p2p.NewDevice (the coordinator sets
	// their InvitationPolicy).
	Options p2p.Options
	// EventBuffer is the capacity of the event channel (256 when 0).
	EventBuffer int
	// Discover, when set, keeps discovery on with these options from the
	// start, whatever the clients ask (demos, kiosks): StopDiscovery then
	// only ends what the clients asked for.
	Discover *api.DiscoveryOptions
	// DHCP, when set, serves addresses on the groups where we are GO and
	// obtains one where we are a client and the GO gave none in the 4-way
	// handshake. Nil leaves addressing to the EAPOL IP Address Allocation
	// (enough between our own cores, e.g. on the simulated medium).
	DHCP DHCP
	// DHCPTimeout bounds a client's DHCP (30 s when 0).
	DHCPTimeout time.Duration
	// CommandTimeout bounds each command the coordinator gives a core or
	// a group on its own, with no caller waiting: restarting discovery or
	// listen when the core ended them, reloading the peer table,
	// authorizing a peer the agent accepted, stopping a group at Close (5 s
	// when 0).
	CommandTimeout time.Duration
	// FormationTimeout bounds the formation of a group after a GO
	// Negotiation no call waits for, one an authorized peer ran with us
	// (3 min when 0: the peer's user may take the WPS Walk Time of 2 min).
	FormationTimeout time.Duration
	// IncomingTimeout bounds the work for an incoming request once the
	// agent accepted it (the PIN from the agent, our GO Negotiation, the
	// group's formation), and the formation of a persistent group a peer
	// re-invoked (2 min when 0).
	IncomingTimeout time.Duration
}

// withDefaults fills the zero values of c.
func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = "p2pmanager"
	}
	if c.EventBuffer <= 0 {
		c.EventBuffer = 256
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&c.DHCPTimeout, 30 * time.Second},
		{&c.CommandTimeout, 5 * time.Second},
		{&c.FormationTimeout, 3 * time.Minute},
		{&c.IncomingTimeout, 2 * time.Minute},
	} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	return c
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

// Coordinator implements api.Backend over the P2P cores of the radios of
// a radio.Backend.
type Coordinator struct {
	log    *zap.Logger
	cfg    Config
	cmds   chan func()
	events chan api.Event
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	// wg counts the goroutines the coordinator starts (forwarders,
	// procedures for incoming requests, DHCP clients); Close waits for
	// them.
	wg sync.WaitGroup
	// ctx ends at Close; it bounds the work the coordinator starts on its
	// own.
	ctx     context.Context
	cancel  context.CancelFunc
	ndevs   int
	persist *persistentStore

	// Owned by the loop (devs is fixed once New returns).
	devs       []*device
	subscribed bool
	nextReq    uint64
	nextGroup  api.GroupID
	agent      api.AgentCapability
}

// New starts a P2P core on each P2P-capable phy of rb and the event loop.
// Close stops them.
func New(ctx context.Context, rb radio.Backend, cfg Config, log *zap.Logger) (*Coordinator, error) {
	if log == nil {
		log = zap.NewNop()
	}
	cfg = cfg.withDefaults()
	phys, err := rb.Phys(ctx)
	if err != nil {
		return nil, fmt.Errorf("coordinator: listing radios: %w", err)
	}
	c := &Coordinator{
		log:    log,
		cfg:    cfg,
		cmds:   make(chan func()),
		events: make(chan api.Event, cfg.EventBuffer),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if c.persist, err = openPersistentStore(cfg.StateDir); err != nil {
		return nil, err
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	fail := func(err error) (*Coordinator, error) {
		for _, d := range c.devs {
			_ = d.p2p.Close()
		}
		c.cancel()
		return nil, err
	}
	for _, phy := range phys {
		info := phy.Info()
		t := info.SupportedIfTypes
		if !t.Has(radio.IfP2PDevice) && !(t.Has(radio.IfP2PClient) && t.Has(radio.IfP2PGO)) {
			log.Info("radio without P2P interface types skipped", zap.String("phy", info.Name))
			continue
		}
		d, err := c.newDevice(ctx, phy)
		if err != nil {
			return fail(err)
		}
		c.devs = append(c.devs, d)
	}
	for _, d := range c.devs {
		if err := d.apply(ctx); err != nil {
			return fail(fmt.Errorf("coordinator: starting discovery on %s: %w", d.id, err))
		}
		d.info.Discovering = d.arb.now.find != nil
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
// Once the loop stopped, f never runs.
func (c *Coordinator) post(f func()) {
	go func() {
		select {
		case c.cmds <- f:
		case <-c.stop:
		}
	}()
}

// emit sends an event to the layer once it subscribed; it may block. It
// runs on the loop.
func (c *Coordinator) emit(ev api.Event) {
	if !c.subscribed {
		return
	}
	select {
	case c.events <- ev:
	case <-c.stop:
	}
}

// Subscribe implements api.Backend.
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

// SetAgentCapability implements api.Backend.
func (c *Coordinator) SetAgentCapability(ctx context.Context, a api.AgentCapability) error {
	return c.do(ctx, func() error { c.agent = a; return nil })
}

// commandContext bounds a command the coordinator gives on its own
// (Config.CommandTimeout).
func (c *Coordinator) commandContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.cfg.CommandTimeout)
}

var _ api.Backend = (*Coordinator)(nil)
