package dbusapi

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeBackend is an in-memory Backend for the tests: one device, phy0, with
// three peers in range that it reports while discovery runs. It does what
// the contract in backend.go asks (events before replies, agent requests
// for PINs) and logs every call so the tests can check what reached it.
type fakeBackend struct {
	events chan Event
	dev    *fakeDevice

	mu       sync.Mutex
	agentCap []AgentCapability
	nextReq  uint64
}

type fakeDevice struct {
	b *fakeBackend

	mu        sync.Mutex
	info      DeviceInfo
	inRange   map[MAC]PeerInfo
	pins      map[MAC]string // the PIN each peer shows or expects
	calls     []string
	groups    map[GroupID]GroupInfo
	nextGroup GroupID
	// gate, when set, holds Connect until closed; inflight counts the
	// Connects running and maxInflight the most at once.
	gate        chan struct{}
	inflight    int
	maxInflight int
	failNext    map[string]error
}

func newFakeBackend() *fakeBackend {
	b := &fakeBackend{events: make(chan Event, 4096)}
	b.dev = &fakeDevice{
		b: b,
		info: DeviceInfo{
			ID: "phy0", Name: "laptop", Address: MAC{0x02, 0, 0, 0, 0, 0x01},
			PrimaryDeviceType: DeviceType{1, [4]byte{0x00, 0x50, 0xf2, 0x04}, 1},
			Enabled:           true, GOIntent: 7,
			Capabilities: Capabilities{Bands: []Band{Band2GHz, Band5GHz}, Frequencies: []uint32{2412, 2437, 2462, 5180},
				MaxGroups: 1, P2PDevice: true,
				Combinations: []InterfaceCombination{{Limits: []InterfaceLimit{{1, []string{"station"}}, {1, []string{"p2p-client", "p2p-go"}}, {1, []string{"p2p-device"}}}, MaxInterfaces: 3, Channels: 1}}},
			Availability: Available,
		},
		inRange: map[MAC]PeerInfo{
			macA: {Address: macA, Name: "tv", PrimaryDeviceType: DeviceType{7, [4]byte{0x00, 0x50, 0xf2, 0x04}, 1},
				ConfigMethods: 0x0188, DeviceCapability: 0x25, GroupCapability: 0x00, Manufacturer: "ACME", Model: "TV",
				Signal: -40, LastSeen: time.UnixMilli(1700000000000),
				WFD: &WFDInfo{DeviceType: WFDPrimarySink, SessionAvailable: true, RTSPPort: 7236, MaxThroughput: 300, Subelements: []byte{0, 0, 6, 0, 0x11, 0x1c, 0x44, 0, 0xc8}}},
			macB: {Address: macB, Name: "phone", PrimaryDeviceType: DeviceType{10, [4]byte{0x00, 0x50, 0xf2, 0x04}, 5},
				ConfigMethods: 0x4388, DeviceCapability: 0x25, GroupCapability: 0x01, GroupOwner: true, Signal: -60},
			macC: {Address: macC, Name: "printer", PrimaryDeviceType: DeviceType{3, [4]byte{0x00, 0x50, 0xf2, 0x04}, 1},
				ConfigMethods: 0x0108, Signal: -70},
		},
		pins:      map[MAC]string{macC: "12345670"},
		groups:    map[GroupID]GroupInfo{},
		nextGroup: 1,
		failNext:  map[string]error{},
	}
	return b
}

func (b *fakeBackend) send(ev Event) { b.events <- ev }

// Subscribe implements Backend.
func (b *fakeBackend) Subscribe(context.Context) ([]Event, <-chan Event, error) {
	d := b.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	return []Event{DeviceAdded{Device: d, Info: d.info}}, b.events, nil
}

// SetAgentCapability implements Backend.
func (b *fakeBackend) SetAgentCapability(_ context.Context, c AgentCapability) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.agentCap = append(b.agentCap, c)
	return nil
}

func (b *fakeBackend) agentCaps() []AgentCapability {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.agentCap)
}

// ask sends an AgentRequest and waits for its response.
func (b *fakeBackend) ask(ctx context.Context, req AgentRequest) AgentResponse {
	ch := make(chan AgentResponse, 1)
	b.mu.Lock()
	b.nextReq++
	req.ID = b.nextReq
	b.mu.Unlock()
	req.Device = "phy0"
	req.Respond = func(r AgentResponse) { ch <- r }
	b.send(req)
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
		b.send(AgentCancel{ID: req.ID})
		return AgentResponse{Err: fmt.Errorf("%w: %v", ErrAborted, ctx.Err())}
	}
}

// incoming simulates a peer's request that needs the agent.
func (b *fakeBackend) incoming(peer MAC, r RequestKind, m WPSMethod) AgentResponse {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return b.ask(ctx, AgentRequest{Peer: peer, Kind: AgentAuthorize, Request: r, Method: m})
}

func (d *fakeDevice) log(format string, args ...any) {
	d.calls = append(d.calls, fmt.Sprintf(format, args...))
}

// called returns the calls logged whose text starts with prefix.
func (d *fakeDevice) called(prefix string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, c := range d.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (d *fakeDevice) failOnce(method string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failNext[method] = err
}

func (d *fakeDevice) injected(method string) error {
	err := d.failNext[method]
	delete(d.failNext, method)
	return err
}

func (d *fakeDevice) changed() { d.b.send(DeviceChanged{Info: d.info}) }

func (d *fakeDevice) SetName(_ context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("SetName %s", name)
	d.info.Name = name
	d.changed()
	return nil
}

func (d *fakeDevice) SetEnabled(_ context.Context, on bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("SetEnabled %v", on)
	d.info.Enabled = on
	d.info.Availability = Available
	if !on {
		d.info.Availability = Disabled
	}
	d.changed()
	return nil
}

func (d *fakeDevice) SetGOIntent(_ context.Context, v uint8) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("SetGOIntent %d", v)
	d.info.GOIntent = v
	d.changed()
	return nil
}

func (d *fakeDevice) StartDiscovery(_ context.Context, o DiscoveryOptions) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.injected("StartDiscovery"); err != nil {
		return err
	}
	if !d.info.Enabled {
		return fmt.Errorf("%w: P2P is disabled on phy0", ErrNotReady)
	}
	d.log("StartDiscovery %v %d", o.Type, len(o.DeviceTypes))
	d.info.Discovering = true
	d.changed()
	for _, a := range []MAC{macA, macB, macC} {
		d.b.send(PeerUpdated{Device: "phy0", Info: d.inRange[a]})
	}
	return nil
}

func (d *fakeDevice) StopDiscovery(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("StopDiscovery")
	d.info.Discovering = false
	d.changed()
	return nil
}

func (d *fakeDevice) StartListen(context.Context, ListenOptions) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("StartListen")
	d.info.Listening = true
	d.changed()
	return nil
}

func (d *fakeDevice) StopListen(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("StopListen")
	d.info.Listening = false
	d.changed()
	return nil
}

// addGroup records and reports a group (d.mu held).
func (d *fakeDevice) addGroup(g GroupInfo) GroupID {
	g.ID = d.nextGroup
	d.nextGroup++
	g.SSID = []byte(fmt.Sprintf("DIRECT-%02d-laptop", g.ID))
	g.Interface = fmt.Sprintf("p2p-wlan0-%d", g.ID-1)
	g.Frequency = 2437
	d.groups[g.ID] = g
	d.b.send(GroupUpdated{Device: "phy0", Info: g})
	return g.ID
}

func (d *fakeDevice) CreateGroup(_ context.Context, o GroupOptions) (GroupID, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("CreateGroup persistent=%v", o.Persistent)
	return d.addGroup(GroupInfo{Role: RoleGO, Persistent: o.Persistent, BSSID: d.info.Address, GroupOwner: d.info.Address,
		LocalAddresses: []netip.Prefix{netip.MustParsePrefix("192.168.49.1/24")}}), nil
}

func (d *fakeDevice) Connect(ctx context.Context, peer MAC, o ConnectOptions) (GroupID, error) {
	d.mu.Lock()
	d.log("Connect %s %v", peer, o.Method)
	d.inflight++
	d.maxInflight = max(d.maxInflight, d.inflight)
	gate := d.gate
	expected := d.pins[peer]
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.inflight--
		d.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return 0, fmt.Errorf("%w: %v", ErrAborted, ctx.Err())
		}
	}
	pin := o.PIN
	switch {
	case o.Method == MethodPINKeypad && pin == "":
		r := d.b.ask(ctx, AgentRequest{Peer: peer, Kind: AgentRequestPIN})
		if r.Err != nil {
			return 0, r.Err
		}
		pin = r.PIN
	case o.Method == MethodPINDisplay && pin == "":
		pin = "87654325"
		if r := d.b.ask(ctx, AgentRequest{Peer: peer, Kind: AgentDisplayPIN, PIN: pin}); r.Err != nil {
			return 0, r.Err
		}
		expected = pin // the peer's user types what we show
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.injected("Connect"); err != nil {
		return 0, err
	}
	p, ok := d.inRange[peer]
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrPeerUnreachable, peer)
	}
	if o.Method != MethodPBC && expected != "" && pin != expected {
		p.LastError = fmt.Errorf("%w: WPS M4 did not verify", ErrIncorrectPIN)
		d.inRange[peer] = p
		d.b.send(PeerUpdated{Device: "phy0", Info: p})
		return 0, p.LastError
	}
	g := GroupInfo{Role: RoleClient, BSSID: peer, GroupOwner: peer, Members: []MAC{peer}, Persistent: o.Persistent,
		LocalAddresses: []netip.Prefix{netip.MustParsePrefix("192.168.49.10/24")}, GroupOwnerAddress: netip.MustParseAddr("192.168.49.1")}
	if o.HasGOIntent && o.GOIntent == 15 {
		g = GroupInfo{Role: RoleGO, BSSID: d.info.Address, GroupOwner: d.info.Address, Members: []MAC{peer},
			LocalAddresses:  []netip.Prefix{netip.MustParsePrefix("192.168.49.1/24")},
			MemberAddresses: map[MAC]netip.Addr{peer: netip.MustParseAddr("192.168.49.20")}}
	}
	return d.addGroup(g), nil
}

func (d *fakeDevice) Disconnect(_ context.Context, peer MAC) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("Disconnect %s", peer)
	for id, g := range d.groups {
		if slices.Contains(g.Members, peer) {
			delete(d.groups, id)
			d.b.send(GroupRemoved{Device: "phy0", ID: id})
		}
	}
	return nil
}

func (d *fakeDevice) ProvisionDiscovery(_ context.Context, peer MAC, m WPSMethod) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("ProvisionDiscovery %s %v", peer, m)
	return d.injected("ProvisionDiscovery")
}

func (d *fakeDevice) LeaveGroup(_ context.Context, id GroupID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("LeaveGroup %d", id)
	if _, ok := d.groups[id]; !ok {
		return fmt.Errorf("%w: group %d", ErrNotFound, id)
	}
	delete(d.groups, id)
	d.b.send(GroupRemoved{Device: "phy0", ID: id})
	return nil
}

func (d *fakeDevice) AllowJoin(_ context.Context, id GroupID, o JoinOptions) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("AllowJoin %d %v peer=%v %v", id, o.Method, o.HasPeer, o.Timeout)
	return nil
}

// TestFakeBackendSatisfiesTheInterfaces keeps the fake honest at compile
// time.
func TestFakeBackendSatisfiesTheInterfaces(t *testing.T) {
	var _ Backend = newFakeBackend()
	var _ Device = newFakeBackend().dev
}
