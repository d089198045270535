package dbusapi

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// The service installs its own dbus.Handler instead of godbus's default
// one (Export and the prop package), because:
//   - godbus's default argument decoding (dbus.Store) converts instead of
//     checking: an int32 is stored into a string parameter as a rune, a
//     variant is unwrapped into any type (see
//     TestGodbusStoreConvertsMismatchedTypes). Here the body signature must
//     equal the method's, or the call gets
//     org.freedesktop.DBus.Error.InvalidArgs (docs/bad-input.md 4c #5);
//   - every call must pass the per-client bound before any work (4c #10);
//   - the prop package's Set has no sender, so a setter cannot be checked
//     against polkit (4c #9), it emits each change at once (no batching)
//     and applies the value itself (here the backend applies it);
//   - objects come and go with peers: one lookup in the store serves every
//     path, and the introspection is rendered from the API table.

type handler struct{ s *Service }

// LookupObject implements dbus.Handler: every path resolves, so that
// unknown objects get the service's own error.
func (h handler) LookupObject(p dbus.ObjectPath) (dbus.ServerObject, bool) {
	return serverObject{h.s, p}, true
}

type serverObject struct {
	s    *Service
	path dbus.ObjectPath
}

func (o serverObject) LookupInterface(name string) (dbus.Interface, bool) {
	return serverIface{o.s, o.path, name}, true
}

type serverIface struct {
	s     *Service
	path  dbus.ObjectPath
	iface string
}

func (i serverIface) LookupMethod(name string) (dbus.Method, bool) {
	return serverMethod{i.s, i.path, i.iface, name}, true
}

// serverMethod is one incoming call; it decodes nothing itself (the
// dispatcher checks the body against the API table).
type serverMethod struct {
	s      *Service
	path   dbus.ObjectPath
	iface  string
	member string
}

func (m serverMethod) DecodeArguments(_ *dbus.Conn, sender string, msg *dbus.Message, _ []any) ([]any, error) {
	return []any{sender, msg}, nil
}

func (m serverMethod) Call(args ...any) ([]any, error) {
	sender, _ := args[0].(string)
	msg, _ := args[1].(*dbus.Message)
	out, err := m.s.dispatch(sender, msg, m.path, m.iface, m.member)
	if err != nil {
		return nil, toDBusError(err)
	}
	return out, nil
}

func (serverMethod) NumArguments() int     { return 0 }
func (serverMethod) NumReturns() int       { return 0 }
func (serverMethod) ArgumentValue(int) any { return nil }
func (serverMethod) ReturnValue(int) any   { return nil }

// call is a dispatched method call.
type call struct {
	ctx    context.Context
	sender string
	msg    *dbus.Message
	path   dbus.ObjectPath
	obj    *object // nil for a path-only node
	spec   *methodSpec
}

type handlerFunc func(c *call) ([]any, error)

func (c *call) body() []any { return c.msg.Body }

func msgSignature(msg *dbus.Message) string {
	if v, ok := msg.Headers[dbus.FieldSignature]; ok {
		if s, ok := v.Value().(dbus.Signature); ok {
			return s.String()
		}
	}
	return ""
}

// dispatch routes a call: bound, object, interface, method, signature,
// authorization, handler.
func (s *Service) dispatch(sender string, msg *dbus.Message, path dbus.ObjectPath, iface, member string) ([]any, error) {
	if msg == nil {
		return nil, dbusError(errDBusInvalidArgs, "no message")
	}
	cl, err := s.clients.enter(sender)
	if err != nil {
		return nil, err
	}
	defer s.clients.leave(cl)
	ctx, cancel := context.WithCancel(cl.ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()

	s.mu.RLock()
	obj := s.objects[path]
	s.mu.RUnlock()
	var ifaces []string
	switch {
	case obj != nil:
		ifaces = obj.ifaceNames()
	case s.isNode(path):
		ifaces = []string{ifaceIntrospect, ifacePeerStd}
	default:
		return nil, dbusError(errDBusUnknownObject, "No object at %s", clip(string(path)))
	}
	if iface == "" {
		for _, i := range ifaces {
			if s.spec(i).method(member) != nil {
				iface = i
				break
			}
		}
		if iface == "" {
			return nil, dbusError(errDBusUnknownMethod, "No method %s at %s", clip(member), path)
		}
	}
	if !slices.Contains(ifaces, iface) {
		return nil, dbusError(errDBusUnknownInterface, "%s does not implement %s", path, clip(iface))
	}
	spec := s.spec(iface).method(member)
	h := s.methods[iface+"."+member]
	if spec == nil || h == nil {
		return nil, dbusError(errDBusUnknownMethod, "%s has no method %s", iface, clip(member))
	}
	if want, got := sig(spec.In), msgSignature(msg); want != got {
		return nil, dbusError(errDBusInvalidArgs, "%s.%s takes arguments of signature %q, not %q", iface, member, want, clip(got))
	}
	if spec.Action != "" {
		if err := s.authorize(ctx, sender, msg, spec.Action); err != nil {
			return nil, err
		}
	}
	return h(&call{ctx: ctx, sender: sender, msg: msg, path: path, obj: obj, spec: spec})
}

func (s *Service) authorize(ctx context.Context, sender string, msg *dbus.Message, action string) error {
	interactive := msg.Flags&dbus.FlagAllowInteractiveAuthorization != 0
	return s.authz.Authorize(ctx, sender, action, interactive)
}

// spec returns the interface spec of a name (own or standard).
func (s *Service) spec(name string) *interfaceSpec {
	if i := s.api[name]; i != nil {
		return i
	}
	if i, ok := s.std[name]; ok {
		return &i
	}
	return &interfaceSpec{}
}

// isNode tells whether p is an ancestor of an object (a path-only node).
func (s *Service) isNode(p dbus.ObjectPath) bool {
	prefix := string(p) + "/"
	if p == "/" {
		prefix = "/"
	}
	if strings.HasPrefix(RootPath, prefix) {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for q := range s.objects {
		if strings.HasPrefix(string(q), prefix) {
			return true
		}
	}
	return false
}

// children lists the child node names of p.
func (s *Service) children(p dbus.ObjectPath) []string {
	prefix := string(p) + "/"
	if p == "/" {
		prefix = "/"
	}
	set := map[string]struct{}{}
	add := func(q string) {
		if rest, ok := strings.CutPrefix(q, prefix); ok && rest != "" {
			name, _, _ := strings.Cut(rest, "/")
			set[name] = struct{}{}
		}
	}
	add(RootPath)
	s.mu.RLock()
	for q := range s.objects {
		add(string(q))
	}
	s.mu.RUnlock()
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// handlers binds every method of the API table to its implementation
// (TestEveryMethodHasAHandler keeps the two in step).
func (s *Service) handlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		ifaceIntrospect + ".Introspect":           s.introspect,
		ifacePeerStd + ".Ping":                    func(*call) ([]any, error) { return nil, nil },
		ifacePeerStd + ".GetMachineId":            s.machineID,
		ifaceProperties + ".Get":                  s.propGet,
		ifaceProperties + ".GetAll":               s.propGetAll,
		ifaceProperties + ".Set":                  s.propSet,
		ifaceObjectManager + ".GetManagedObjects": s.managedObjects,
		ifaceManager + ".RegisterAgent":           s.registerAgentCall,
		ifaceManager + ".UnregisterAgent":         s.unregisterAgentCall,
		ifaceDevice + ".StartDiscovery":           s.startDiscovery,
		ifaceDevice + ".StopDiscovery":            s.stopDiscovery,
		ifaceDevice + ".StartListen":              s.startListen,
		ifaceDevice + ".StopListen":               s.stopListen,
		ifaceDevice + ".CreateGroup":              s.createGroup,
		ifaceDevice + ".PlanGroup":                s.planGroup,
		ifacePeer + ".Connect":                    s.connect,
		ifacePeer + ".Disconnect":                 s.disconnect,
		ifacePeer + ".ProvisionDiscovery":         s.provisionDiscovery,
		ifaceGroup + ".Leave":                     s.leaveGroup,
		ifaceGroup + ".AllowJoin":                 s.allowJoin,
	}
}

// --- standard interfaces -----------------------------------------------------

func (s *Service) introspect(c *call) ([]any, error) {
	names := []string{ifaceIntrospect, ifacePeerStd}
	if c.obj != nil {
		names = c.obj.ifaceNames()
	}
	specs := make([]interfaceSpec, 0, len(names))
	for _, n := range names {
		specs = append(specs, *s.spec(n))
	}
	return []any{introspectXML(specs, s.children(c.path))}, nil
}

func (s *Service) machineID(*call) ([]any, error) {
	return nil, dbusError(errDBusUnknownMethod, "call GetMachineId with its interface, org.freedesktop.DBus.Peer")
}

// propTarget resolves the interface argument of a Properties call.
func (s *Service) propTarget(c *call, iface string) (own bool, err error) {
	if c.obj == nil {
		return false, dbusError(errDBusUnknownInterface, "%s has no properties", c.path)
	}
	switch {
	case iface == "" || iface == c.obj.iface:
		return true, nil
	case slices.Contains(stdIfaces(c.obj.kind), iface):
		return false, nil
	}
	return false, dbusError(errDBusUnknownInterface, "%s does not implement %s", c.path, clip(iface))
}

func (s *Service) propGet(c *call) ([]any, error) {
	iface, _ := c.body()[0].(string)
	name, _ := c.body()[1].(string)
	own, err := s.propTarget(c, iface)
	if err != nil {
		return nil, err
	}
	if own && s.api[c.obj.iface].property(name) != nil {
		s.mu.RLock()
		v, ok := c.obj.props[name]
		s.mu.RUnlock()
		if ok {
			return []any{v}, nil
		}
	}
	return nil, dbusError(errDBusUnknownProperty, "%s has no property %q", c.path, clip(name))
}

func (s *Service) propGetAll(c *call) ([]any, error) {
	iface, _ := c.body()[0].(string)
	own, err := s.propTarget(c, iface)
	if err != nil {
		return nil, err
	}
	if !own {
		return []any{map[string]dbus.Variant{}}, nil
	}
	s.mu.RLock()
	m := maps.Clone(c.obj.props)
	s.mu.RUnlock()
	return []any{m}, nil
}

func (s *Service) propSet(c *call) ([]any, error) {
	iface, _ := c.body()[0].(string)
	name, _ := c.body()[1].(string)
	v, _ := c.body()[2].(dbus.Variant)
	own, err := s.propTarget(c, iface)
	if err != nil {
		return nil, err
	}
	var p *propertySpec
	if own {
		p = s.api[c.obj.iface].property(name)
	}
	if p == nil {
		return nil, dbusError(errDBusUnknownProperty, "%s has no property %q", c.path, clip(name))
	}
	if !p.Write {
		return nil, dbusError(errDBusPropertyReadOnly, "%s.%s is read-only", c.obj.iface, name)
	}
	if got := v.Signature().String(); got != p.Type {
		return nil, dbusError(errDBusInvalidArgs, "%s.%s has type %q, not %q", c.obj.iface, name, p.Type, clip(got))
	}
	if err := s.authorize(c.ctx, c.sender, c.msg, p.Action); err != nil {
		return nil, err
	}
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, s.cfg.BackendTimeout)
	defer cancel()
	switch name {
	case "Name":
		n, _ := v.Value().(string)
		if err := checkDeviceName(n); err != nil {
			return nil, err
		}
		err = d.handle.SetName(ctx, n)
	case "Enabled":
		b, _ := v.Value().(bool)
		err = d.handle.SetEnabled(ctx, b)
	case "GOIntent":
		u, _ := v.Value().(uint32)
		if u > 15 {
			return nil, invalidArgs("GOIntent: %d is out of range 0..15", u)
		}
		err = d.handle.SetGOIntent(ctx, uint8(u))
	default:
		return nil, fmt.Errorf("%w: no setter for %s", api.ErrNotSupported, name)
	}
	if err != nil {
		return nil, err
	}
	// Show the new value at once; the backend's next DeviceChanged
	// confirms or corrects it.
	s.mu.Lock()
	if !c.obj.removed {
		s.setProps(c.obj, map[string]dbus.Variant{name: v})
	}
	s.mu.Unlock()
	s.wake()
	return nil, nil
}

func (s *Service) managedObjects(c *call) ([]any, error) {
	out := map[dbus.ObjectPath]map[string]map[string]dbus.Variant{}
	s.mu.RLock()
	for p, o := range s.objects {
		if o.kind != kindRoot {
			out[p] = o.interfacesOf()
		}
	}
	s.mu.RUnlock()
	return []any{out}, nil
}

// --- Manager1 --------------------------------------------------------------------

func (s *Service) backendCtx(c *call) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.ctx, s.cfg.BackendTimeout)
}

func (s *Service) registerAgentCall(c *call) ([]any, error) {
	p, _ := c.body()[0].(dbus.ObjectPath)
	capability, _ := c.body()[1].(string)
	if err := checkPath("agent", p); err != nil {
		return nil, err
	}
	cp, err := parseCapability(capability)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	return nil, s.registerAgent(ctx, c.sender, p, cp)
}

func (s *Service) unregisterAgentCall(c *call) ([]any, error) {
	p, _ := c.body()[0].(dbus.ObjectPath)
	if err := checkPath("agent", p); err != nil {
		return nil, err
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	return nil, s.unregisterAgent(ctx, c.sender, p)
}

// --- Device1 ----------------------------------------------------------------------

// deviceOf returns the live device of a Device1, Peer1 or Group1 object.
func (s *Service) deviceOf(c *call) (*device, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c.obj == nil || c.obj.removed || c.obj.dev == nil || s.devices[c.obj.dev.id] != c.obj.dev {
		return nil, fmt.Errorf("%w: %s is gone", api.ErrNotFound, c.path)
	}
	return c.obj.dev, nil
}

func (s *Service) optionsArg(c *call) (options, error) {
	m, _ := c.body()[0].(map[string]dbus.Variant)
	return checkOptions(m, c.spec.Options)
}

func (s *Service) startDiscovery(c *call) ([]any, error) {
	return s.startLease(c, func(d *device) *leaseSet { return d.discovery }, parseDiscovery)
}

func (s *Service) startListen(c *call) ([]any, error) {
	return s.startLease(c, func(d *device) *leaseSet { return d.listen }, parseListen)
}

func (s *Service) startLease(c *call, set func(*device) *leaseSet, parse func(options) (leaseRequest, error)) ([]any, error) {
	o, err := s.optionsArg(c)
	if err != nil {
		return nil, err
	}
	req, err := parse(o)
	if err != nil {
		return nil, err
	}
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	ls, sender := set(d), c.sender
	expire := func() {
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.BackendTimeout)
		defer cancel()
		if err := ls.release(ctx, sender); err != nil {
			s.logf("dbusapi: ending the expired %s lease of %s: %v", ls.kind, sender, err)
		}
	}
	if err := ls.acquire(ctx, sender, req, expire); err != nil {
		return nil, err
	}
	s.checkAlive(sender)
	return nil, nil
}

func (s *Service) stopDiscovery(c *call) ([]any, error) {
	return s.stopLease(c, func(d *device) *leaseSet { return d.discovery })
}

func (s *Service) stopListen(c *call) ([]any, error) {
	return s.stopLease(c, func(d *device) *leaseSet { return d.listen })
}

func (s *Service) stopLease(c *call, set func(*device) *leaseSet) ([]any, error) {
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	return nil, set(d).release(ctx, c.sender)
}

func (s *Service) createGroup(c *call) ([]any, error) {
	o, err := s.optionsArg(c)
	if err != nil {
		return nil, err
	}
	g, bind, err := parseCreateGroup(o)
	if err != nil {
		return nil, err
	}
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, s.cfg.ConnectTimeout)
	defer cancel()
	id, err := d.handle.CreateGroup(ctx, g)
	if err != nil {
		return nil, err
	}
	return s.groupReply(ctx, c, d, id, bind)
}

// peerOf resolves a Peer1 object path of device d.
func (s *Service) peerOf(d *device, p dbus.ObjectPath) (api.MAC, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	po := s.objects[p]
	if po == nil || po.kind != kindPeer || po.dev != d {
		return api.MAC{}, false
	}
	return po.peer, true
}

func (s *Service) planGroup(c *call) ([]any, error) {
	o, err := s.optionsArg(c)
	if err != nil {
		return nil, err
	}
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	p, err := parsePlan(o, func(path dbus.ObjectPath) (api.MAC, bool) { return s.peerOf(d, path) })
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	plan, err := d.handle.PlanGroup(ctx, p)
	if err != nil {
		return nil, err
	}
	return []any{planProps(plan)}, nil
}

// groupReply waits for the group's object, binds it to the caller when
// asked, and returns its path.
func (s *Service) groupReply(ctx context.Context, c *call, d *device, id api.GroupID, bind bool) ([]any, error) {
	p := groupPath(d.id, id)
	if err := s.waitObject(ctx, p); err != nil {
		return nil, err
	}
	if bind {
		s.mu.Lock()
		if d.groups[id] != nil {
			s.owners[groupKey{d.id, id}] = c.sender
		}
		s.mu.Unlock()
		s.checkAlive(c.sender)
	}
	return []any{p}, nil
}

// --- Peer1 ------------------------------------------------------------------------

func (s *Service) connect(c *call) ([]any, error) {
	o, err := s.optionsArg(c)
	if err != nil {
		return nil, err
	}
	opts, bind, err := parseConnect(o)
	if err != nil {
		return nil, err
	}
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, s.cfg.ConnectTimeout)
	defer cancel()
	id, err := d.handle.Connect(ctx, c.obj.peer, opts)
	if err != nil {
		return nil, err
	}
	return s.groupReply(ctx, c, d, id, bind)
}

func (s *Service) disconnect(c *call) ([]any, error) {
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	return nil, d.handle.Disconnect(ctx, c.obj.peer)
}

func (s *Service) provisionDiscovery(c *call) ([]any, error) {
	m, _ := c.body()[0].(string)
	if err := checkString("method", m, maxStringArg); err != nil {
		return nil, err
	}
	method, err := methodIndex("method", m, false)
	if err != nil {
		return nil, err
	}
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	return nil, d.handle.ProvisionDiscovery(ctx, c.obj.peer, method)
}

// --- Group1 -----------------------------------------------------------------------

func (s *Service) leaveGroup(c *call) ([]any, error) {
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	return nil, d.handle.LeaveGroup(ctx, c.obj.group)
}

func (s *Service) allowJoin(c *call) ([]any, error) {
	o, err := s.optionsArg(c)
	if err != nil {
		return nil, err
	}
	d, err := s.deviceOf(c)
	if err != nil {
		return nil, err
	}
	j, err := parseAllowJoin(o, func(p dbus.ObjectPath) (api.MAC, bool) { return s.peerOf(d, p) })
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	g := d.groups[c.obj.group]
	role := api.RoleClient
	if g != nil {
		role = g.info.Role
	}
	s.mu.RUnlock()
	if g == nil {
		return nil, fmt.Errorf("%w: %s is gone", api.ErrNotFound, c.path)
	}
	if role != api.RoleGO {
		return nil, fmt.Errorf("%w: AllowJoin needs the Group Owner role; this device is a client of %s", api.ErrNotSupported, c.path)
	}
	ctx, cancel := s.backendCtx(c)
	defer cancel()
	return nil, d.handle.AllowJoin(ctx, c.obj.group, j)
}
