package dbusapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// Config configures the D-Bus layer. The zero value serves the system bus
// with polkit and the documented limits.
type Config struct {
	// Bus is "system" (the default), "session", or a D-Bus address
	// ("unix:path=/run/p2p-test/bus").
	Bus string
	// Authorizer decides whether a caller may perform a polkit action.
	// Nil: polkit (org.freedesktop.PolicyKit1) on the system bus, or when
	// Polkit is set; everything allowed on any other bus.
	Authorizer Authorizer
	// Polkit forces polkit on a bus other than the system bus.
	Polkit bool
	// Version is Manager1.Version.
	Version string
	// MaxCallsPerClient bounds the calls in flight from one bus client (16);
	// MaxCalls bounds them all (512). Calls beyond fail with Busy at once.
	MaxCallsPerClient int
	MaxCalls          int
	// CoalesceWindow batches property changes per object (50 ms);
	// NoisyInterval spaces the changes of noisy properties (Signal,
	// LastSeen) per object (1 s).
	CoalesceWindow time.Duration
	NoisyInterval  time.Duration
	// AgentTimeout bounds a call to the agent when the request does not
	// say (60 s); ConnectTimeout bounds Connect and CreateGroup (120 s);
	// BackendTimeout bounds the other backend calls (30 s).
	AgentTimeout   time.Duration
	ConnectTimeout time.Duration
	BackendTimeout time.Duration
	// Logf, when set, receives the layer's diagnostics.
	Logf func(format string, args ...any)
}

func (c *Config) defaults() {
	if c.Bus == "" {
		c.Bus = "system"
	}
	if c.Version == "" {
		c.Version = "0"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxCallsPerClient <= 0 {
		c.MaxCallsPerClient = 16
	}
	if c.MaxCalls <= 0 {
		c.MaxCalls = 512
	}
	def(&c.CoalesceWindow, 50*time.Millisecond)
	def(&c.NoisyInterval, time.Second)
	def(&c.AgentTimeout, 60*time.Second)
	def(&c.ConnectTimeout, 120*time.Second)
	def(&c.BackendTimeout, 30*time.Second)
}

// Service is the D-Bus face of the backend: it owns the bus connection and
// the name org.freedesktop.WiFiP2P, exports the objects and translates
// calls and events.
type Service struct {
	cfg     Config
	backend api.Backend
	conn    *dbus.Conn
	authz   Authorizer
	events  <-chan api.Event
	signals chan *dbus.Signal
	clients *clientTable
	api     map[string]*interfaceSpec
	std     map[string]interfaceSpec
	methods map[string]handlerFunc

	ctx    context.Context // ends with the service
	cancel context.CancelFunc
	kick   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu      sync.RWMutex // guards everything below
	objects map[dbus.ObjectPath]*object
	devices map[api.DeviceID]*device
	dirty   map[*object]struct{}
	waiters map[dbus.ObjectPath][]chan struct{}
	owners  map[groupKey]string // groups bound to the client that created them

	agentMu sync.Mutex
	agent   *agentReg
	pending map[uint64]*agentCall
}

type groupKey struct {
	dev api.DeviceID
	id  api.GroupID
}

type objKind uint8

const (
	kindRoot objKind = iota + 1
	kindDevice
	kindPeer
	kindGroup
)

// object is one exported object and its properties.
type object struct {
	path  dbus.ObjectPath
	kind  objKind
	iface string // its own interface (Manager1, Device1, Peer1 or Group1)
	props map[string]dbus.Variant
	dev   *device
	peer  api.MAC
	group api.GroupID

	changed    map[string]struct{}
	urgent     bool
	firstDirty time.Time
	lastFlush  time.Time
	removed    bool
}

type device struct {
	id        api.DeviceID
	obj       *object
	handle    api.Device
	info      api.DeviceInfo
	peers     map[api.MAC]*peerState
	groups    map[api.GroupID]*groupState
	discovery *leaseSet
	listen    *leaseSet
}

type peerState struct {
	obj  *object
	info api.PeerInfo
}

type groupState struct {
	obj  *object
	info api.GroupInfo
}

// New connects to the bus, subscribes to the backend, exports the current
// state and owns the name org.freedesktop.WiFiP2P; ctx bounds these steps
// (give it a timeout). Call Run next.
func New(ctx context.Context, backend api.Backend, cfg Config) (*Service, error) {
	cfg.defaults()
	s := &Service{
		cfg:     cfg,
		backend: backend,
		signals: make(chan *dbus.Signal, 256),
		kick:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		objects: map[dbus.ObjectPath]*object{},
		devices: map[api.DeviceID]*device{},
		dirty:   map[*object]struct{}{},
		waiters: map[dbus.ObjectPath][]chan struct{}{},
		owners:  map[groupKey]string{},
		pending: map[uint64]*agentCall{},
		api:     map[string]*interfaceSpec{},
		std:     standardSpec(),
	}
	for _, i := range apiSpec() {
		s.api[i.Name] = &i
	}
	s.clients = newClientTable(cfg.MaxCallsPerClient, cfg.MaxCalls)
	s.methods = s.handlers()
	s.ctx, s.cancel = context.WithCancel(context.Background())

	// The connection lives as long as s.ctx. Until New returns, ctx also
	// bounds it: godbus's Connect and RequestName take no context, so the
	// connection is closed under them if ctx ends.
	stop := context.AfterFunc(ctx, s.cancel)
	defer stop()
	conn, err := dial(cfg.Bus, dbus.WithHandler(handler{s}), dbus.WithContext(s.ctx))
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("dbusapi: connecting to the %s bus: %w", cfg.Bus, err)
	}
	s.conn = conn
	fail := func(err error) (*Service, error) {
		s.cancel()
		conn.Close()
		return nil, err
	}
	switch {
	case cfg.Authorizer != nil:
		s.authz = cfg.Authorizer
	case cfg.Bus == "system" || cfg.Polkit:
		s.authz = polkitAuthorizer{conn}
	default:
		s.authz = AllowAll{}
	}

	conn.Signal(s.signals)
	if err := conn.AddMatchSignalContext(ctx,
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchObjectPath("/org/freedesktop/DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(2, ""),
	); err != nil {
		return fail(fmt.Errorf("dbusapi: watching clients: %w", err))
	}

	initial, events, err := backend.Subscribe(ctx)
	if err != nil {
		return fail(fmt.Errorf("dbusapi: subscribing to the backend: %w", err))
	}
	s.events = events

	s.mu.Lock()
	root := &object{path: RootPath, kind: kindRoot, iface: ifaceManager,
		props: map[string]dbus.Variant{"Version": dbus.MakeVariant(sanitize(cfg.Version, maxStringArg))}}
	s.objects[RootPath] = root
	s.mu.Unlock()
	for _, ev := range initial {
		s.apply(ev)
	}

	reply, err := conn.RequestName(BusName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return fail(fmt.Errorf("dbusapi: requesting %s: %w", BusName, err))
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return fail(fmt.Errorf("dbusapi: %s is already owned on the %s bus", BusName, cfg.Bus))
	}
	return s, nil
}

func dial(bus string, opts ...dbus.ConnOption) (*dbus.Conn, error) {
	switch bus {
	case "system":
		return dbus.ConnectSystemBus(opts...)
	case "session":
		return dbus.ConnectSessionBus(opts...)
	}
	return dbus.Connect(bus, opts...)
}

// UniqueName is the service's unique name on the bus.
func (s *Service) UniqueName() string {
	if names := s.conn.Names(); len(names) > 0 {
		return names[0]
	}
	return ""
}

// Run serves until ctx ends, the backend closes its event channel or the
// bus connection is lost, then closes the service. It returns nil when ctx
// ended.
func (s *Service) Run(ctx context.Context) error {
	defer s.Close()
	// The flush timer runs at most once per coalescing window however fast
	// events come: flush scans the pending objects, so it is not called per
	// event.
	var timer *time.Timer
	var timerC <-chan time.Time
	var armed time.Time
	arm := func(at time.Time) {
		if timerC != nil && !at.Before(armed) {
			return
		}
		if timer != nil {
			timer.Stop()
		}
		timer, armed = time.NewTimer(time.Until(at)), at
		timerC = timer.C
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.ctx.Done():
			return nil
		case <-s.conn.Context().Done():
			return errors.New("dbusapi: bus connection lost")
		case ev, ok := <-s.events:
			if !ok {
				return errors.New("dbusapi: backend stopped")
			}
			s.apply(ev)
		case sig := <-s.signals:
			s.signal(sig)
			continue
		case <-s.kick:
		case <-timerC:
			timerC = nil
			if next := s.flush(time.Now()); !next.IsZero() {
				arm(next)
			}
			continue
		}
		s.mu.RLock()
		pending := len(s.dirty) > 0
		s.mu.RUnlock()
		if pending {
			arm(time.Now().Add(s.cfg.CoalesceWindow))
		}
	}
}

// Close ends the service: it tells the agent (Agent1.Release), closes the
// bus connection and cancels every call in flight. It is idempotent.
func (s *Service) Close() error {
	s.once.Do(func() {
		s.releaseAgent()
		s.cancel() // calls in flight and their backend calls end
		s.mu.RLock()
		devs := make([]*device, 0, len(s.devices))
		for _, d := range s.devices {
			devs = append(devs, d)
		}
		s.mu.RUnlock()
		for _, d := range devs {
			d.discovery.close()
			d.listen.close()
		}
		s.conn.Close()
		close(s.done)
	})
	return nil
}

func (s *Service) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// signal handles the bus signals the service watches.
func (s *Service) signal(sig *dbus.Signal) {
	if sig == nil || sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) != 3 {
		return
	}
	name, _ := sig.Body[0].(string)
	newOwner, _ := sig.Body[2].(string)
	if newOwner != "" || !strings.HasPrefix(name, ":") {
		return
	}
	go s.clientGone(name)
}

// --- the object store ---------------------------------------------------

// emission is a signal to send after the store lock is released.
type emission struct {
	path dbus.ObjectPath
	name string
	body []any
}

func (s *Service) emit(es []emission) {
	for _, e := range es {
		if err := s.conn.Emit(e.path, e.name, e.body...); err != nil {
			s.logf("dbusapi: emitting %s on %s: %v", e.name, e.path, err)
		}
	}
}

// stdIfaces are the standard interfaces of an object kind, in
// introspection order.
func stdIfaces(k objKind) []string {
	if k == kindRoot {
		return []string{ifaceIntrospect, ifacePeerStd, ifaceProperties, ifaceObjectManager}
	}
	return []string{ifaceIntrospect, ifacePeerStd, ifaceProperties}
}

// interfacesOf is what InterfacesAdded and GetManagedObjects carry.
func (o *object) interfacesOf() map[string]map[string]dbus.Variant {
	m := map[string]map[string]dbus.Variant{o.iface: maps.Clone(o.props)}
	for _, i := range stdIfaces(o.kind) {
		m[i] = map[string]dbus.Variant{}
	}
	return m
}

func (o *object) ifaceNames() []string {
	return append(stdIfaces(o.kind), o.iface)
}

// addObject stores a new object; the caller holds s.mu.
func (s *Service) addObject(o *object, es *[]emission) {
	s.objects[o.path] = o
	*es = append(*es, emission{RootPath, ifaceObjectManager + ".InterfacesAdded", []any{o.path, o.interfacesOf()}})
}

// removeObject drops an object and its pending changes; caller holds s.mu.
func (s *Service) removeObject(o *object, es *[]emission) {
	if s.objects[o.path] != o {
		return
	}
	delete(s.objects, o.path)
	delete(s.dirty, o)
	o.removed = true
	*es = append(*es, emission{RootPath, ifaceObjectManager + ".InterfacesRemoved", []any{o.path, o.ifaceNames()}})
}

// setProps replaces an object's properties and marks the differences
// changed; the caller holds s.mu.
func (s *Service) setProps(o *object, props map[string]dbus.Variant) {
	spec := s.api[o.iface]
	for k, v := range props {
		old, ok := o.props[k]
		if ok && old.Signature() == v.Signature() && reflect.DeepEqual(old.Value(), v.Value()) {
			continue
		}
		o.props[k] = v
		noisy := false
		if p := spec.property(k); p != nil {
			noisy = p.Noisy
		}
		s.markChanged(o, k, noisy)
	}
}

func (s *Service) markChanged(o *object, name string, noisy bool) {
	if o.removed {
		return
	}
	if o.changed == nil {
		o.changed = map[string]struct{}{}
	}
	if len(o.changed) == 0 {
		o.firstDirty = time.Now()
	}
	o.changed[name] = struct{}{}
	if !noisy {
		o.urgent = true
	}
	s.dirty[o] = struct{}{}
}

// due is when an object's pending changes go out.
func (s *Service) due(o *object) time.Time {
	t := o.firstDirty.Add(s.cfg.CoalesceWindow)
	if !o.urgent {
		if n := o.lastFlush.Add(s.cfg.NoisyInterval); n.After(t) {
			t = n
		}
	}
	return t
}

// flush emits the PropertiesChanged that are due and returns when the next
// is (zero: none pending).
func (s *Service) flush(now time.Time) time.Time {
	var es []emission
	var next time.Time
	s.mu.Lock()
	for o := range s.dirty {
		d := s.due(o)
		if d.After(now) {
			if next.IsZero() || d.Before(next) {
				next = d
			}
			continue
		}
		changed := make(map[string]dbus.Variant, len(o.changed))
		for k := range o.changed {
			changed[k] = o.props[k]
		}
		es = append(es, emission{o.path, ifaceProperties + ".PropertiesChanged", []any{o.iface, changed, []string{}}})
		clear(o.changed)
		o.urgent = false
		o.lastFlush = now
		delete(s.dirty, o)
	}
	s.mu.Unlock()
	s.emit(es)
	return next
}

func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// waitObject waits until the object at p is exported (the backend sends
// the event that creates it before it answers the call that made it).
func (s *Service) waitObject(ctx context.Context, p dbus.ObjectPath) error {
	s.mu.Lock()
	if _, ok := s.objects[p]; ok {
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	s.waiters[p] = append(s.waiters[p], ch)
	s.mu.Unlock()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("%w: the backend did not report %s", api.ErrFailed, p)
	}
}

// --- backend events -------------------------------------------------------

// apply updates the store from a backend event and emits what changed.
func (s *Service) apply(ev api.Event) {
	switch e := ev.(type) {
	case api.AgentRequest:
		go s.agentRequest(e)
		return
	case api.AgentCancel:
		s.agentCancel(e.ID)
		return
	}
	var es []emission
	var added []dbus.ObjectPath
	s.mu.Lock()
	switch e := ev.(type) {
	case api.DeviceAdded:
		if old := s.devices[e.Info.ID]; old != nil {
			// A new handle is a new device: the old one and its peers and
			// groups go.
			s.removeDevice(old, &es)
		}
		d := &device{id: e.Info.ID, handle: e.Device, info: e.Info,
			peers: map[api.MAC]*peerState{}, groups: map[api.GroupID]*groupState{}}
		d.discovery = newLeaseSet("discovery", func(ctx context.Context, o api.DiscoveryOptions) error { return d.handle.StartDiscovery(ctx, o) },
			func(ctx context.Context) error { return d.handle.StopDiscovery(ctx) })
		d.listen = newLeaseSet("listen", func(ctx context.Context, _ api.DiscoveryOptions) error {
			return d.handle.StartListen(ctx, api.ListenOptions{})
		},
			func(ctx context.Context) error { return d.handle.StopListen(ctx) })
		d.obj = &object{path: devicePath(e.Info.ID), kind: kindDevice, iface: ifaceDevice, dev: d, props: deviceProps(e.Info)}
		if old := s.objects[d.obj.path]; old != nil {
			s.logf("dbusapi: device %q maps to the path of another device; ignored", e.Info.ID)
			break
		}
		s.devices[d.id] = d
		s.addObject(d.obj, &es)
		added = append(added, d.obj.path)
	case api.DeviceChanged:
		if d := s.devices[e.Info.ID]; d != nil {
			s.updateDevice(d, e.Info)
		}
	case api.DeviceRemoved:
		if d := s.devices[e.ID]; d != nil {
			s.removeDevice(d, &es)
		}
	case api.PeerUpdated:
		d := s.devices[e.Device]
		if d == nil {
			break
		}
		if p := d.peers[e.Info.Address]; p != nil {
			p.info = e.Info
			s.setProps(p.obj, peerProps(e.Info, s.peerGroups(d, e.Info.Address)))
			break
		}
		p := &peerState{info: e.Info}
		p.obj = &object{path: peerPath(d.id, e.Info.Address), kind: kindPeer, iface: ifacePeer, dev: d, peer: e.Info.Address,
			props: peerProps(e.Info, s.peerGroups(d, e.Info.Address))}
		d.peers[e.Info.Address] = p
		s.addObject(p.obj, &es)
		added = append(added, p.obj.path)
		s.refreshGroups(d)
	case api.PeerRemoved:
		d := s.devices[e.Device]
		if d == nil || d.peers[e.Address] == nil {
			break
		}
		s.removeObject(d.peers[e.Address].obj, &es)
		delete(d.peers, e.Address)
		s.refreshGroups(d)
	case api.GroupUpdated:
		d := s.devices[e.Device]
		if d == nil {
			break
		}
		var before []api.MAC
		g := d.groups[e.Info.ID]
		if g != nil {
			before = groupPeers(g.info)
			g.info = e.Info
			s.setProps(g.obj, groupProps(d.id, e.Info, d.knows))
		} else {
			g = &groupState{info: e.Info}
			g.obj = &object{path: groupPath(d.id, e.Info.ID), kind: kindGroup, iface: ifaceGroup, dev: d, group: e.Info.ID,
				props: groupProps(d.id, e.Info, d.knows)}
			d.groups[e.Info.ID] = g
			s.addObject(g.obj, &es)
			added = append(added, g.obj.path)
		}
		s.refreshPeers(d, append(before, groupPeers(e.Info)...))
	case api.GroupRemoved:
		d := s.devices[e.Device]
		if d == nil || d.groups[e.ID] == nil {
			break
		}
		g := d.groups[e.ID]
		s.removeObject(g.obj, &es)
		delete(d.groups, e.ID)
		delete(s.owners, groupKey{d.id, e.ID})
		s.refreshPeers(d, groupPeers(g.info))
	}
	var wake []chan struct{}
	for _, p := range added {
		wake = append(wake, s.waiters[p]...)
		delete(s.waiters, p)
	}
	s.mu.Unlock()
	s.emit(es)
	for _, ch := range wake {
		close(ch)
	}
}

// removeDevice drops a device with its peers, groups and leases; the
// caller holds s.mu.
func (s *Service) removeDevice(d *device, es *[]emission) {
	for _, g := range d.groups {
		s.removeObject(g.obj, es)
		delete(s.owners, groupKey{d.id, g.info.ID})
	}
	for _, p := range d.peers {
		s.removeObject(p.obj, es)
	}
	s.removeObject(d.obj, es)
	delete(s.devices, d.id)
	// Not here: a call may hold a lease set's lock while it waits for the
	// backend, and the backend may be waiting for this loop.
	go func() {
		d.discovery.close()
		d.listen.close()
	}()
}

func (s *Service) updateDevice(d *device, info api.DeviceInfo) {
	d.info = info
	s.setProps(d.obj, deviceProps(info))
}

func (d *device) knows(m api.MAC) bool { return d.peers[m] != nil }

// groupPeers are the peers a group involves.
func groupPeers(g api.GroupInfo) []api.MAC {
	out := slices.Clone(g.Members)
	if g.Role == api.RoleClient {
		out = append(out, g.GroupOwner)
	}
	return out
}

// peerGroups are the group objects a peer shares with the device, sorted.
func (s *Service) peerGroups(d *device, m api.MAC) []dbus.ObjectPath {
	var out []dbus.ObjectPath
	for _, g := range d.groups {
		if slices.Contains(groupPeers(g.info), m) {
			out = append(out, g.obj.path)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (s *Service) refreshPeers(d *device, macs []api.MAC) {
	for _, m := range macs {
		if p := d.peers[m]; p != nil {
			s.setProps(p.obj, peerProps(p.info, s.peerGroups(d, m)))
		}
	}
}

func (s *Service) refreshGroups(d *device) {
	for _, g := range d.groups {
		s.setProps(g.obj, groupProps(d.id, g.info, d.knows))
	}
}

// --- clients leaving ------------------------------------------------------

// clientGone ends what a client that left the bus held: its in-flight
// calls, leases, groups bound to it and its agent.
func (s *Service) clientGone(name string) {
	s.clients.vanish(name)
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.BackendTimeout)
	defer cancel()
	s.mu.RLock()
	var devs []*device
	for _, d := range s.devices {
		devs = append(devs, d)
	}
	type owned struct {
		d  *device
		id api.GroupID
	}
	var groups []owned
	for k, owner := range s.owners {
		if owner == name {
			if d := s.devices[k.dev]; d != nil {
				groups = append(groups, owned{d, k.id})
			}
		}
	}
	s.mu.RUnlock()
	for _, d := range devs {
		if err := d.discovery.release(ctx, name); err != nil && !errors.Is(err, api.ErrNotFound) {
			s.logf("dbusapi: ending the discovery lease of %s: %v", name, err)
		}
		if err := d.listen.release(ctx, name); err != nil && !errors.Is(err, api.ErrNotFound) {
			s.logf("dbusapi: ending the listen lease of %s: %v", name, err)
		}
	}
	for _, g := range groups {
		s.mu.Lock()
		delete(s.owners, groupKey{g.d.id, g.id})
		s.mu.Unlock()
		if err := g.d.handle.LeaveGroup(ctx, g.id); err != nil {
			s.logf("dbusapi: leaving group %d of %s after its client %s left: %v", g.id, g.d.id, name, err)
		}
	}
	s.agentGone(name)
}

// checkAlive closes the race between a client leaving the bus and its
// state being recorded: called after recording, it asks the bus whether
// the client is still there.
func (s *Service) checkAlive(name string) {
	go func() {
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		defer cancel()
		var has bool
		err := s.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		if err == nil && !has {
			s.clientGone(name)
		}
	}()
}
