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

	"github.com/p2pmanager/p2pmanager/api"
)

// fakeBackend is an in-memory Backend for the tests: one device, phy0, with
// three peers in range that it reports while discovery runs. It does what
// the contract (package api) asks (events before replies, agent requests
// for PINs) and logs every call so the tests can check what reached it.
type fakeBackend struct {
	events chan api.Event
	dev    *fakeDevice

	mu       sync.Mutex
	agentCap []api.AgentCapability
	nextReq  uint64
}

type fakeDevice struct {
	b *fakeBackend

	mu        sync.Mutex
	info      api.DeviceInfo
	inRange   map[api.MAC]api.PeerInfo
	pins      map[api.MAC]string // the PIN each peer shows or expects
	calls     []string
	groups    map[api.GroupID]api.GroupInfo
	nextGroup api.GroupID
	// gate, when set, holds Connect until closed; inflight counts the
	// Connects running and maxInflight the most at once.
	gate        chan struct{}
	inflight    int
	maxInflight int
	failNext    map[string]error
}

func newFakeBackend() *fakeBackend {
	b := &fakeBackend{events: make(chan api.Event, 4096)}
	b.dev = &fakeDevice{
		b: b,
		info: api.DeviceInfo{
			ID: "phy0", Name: "laptop", Address: api.MAC{0x02, 0, 0, 0, 0, 0x01},
			PrimaryDeviceType: api.DeviceType{Category: 1, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 1},
			Enabled:           true, GOIntent: 7,
			Capabilities: api.Capabilities{Bands: []api.Band{api.Band2GHz, api.Band5GHz}, Frequencies: []uint32{2412, 2437, 2462, 5180},
				MaxGroups: 1, P2PDevice: true,
				Combinations: []api.InterfaceCombination{{Limits: []api.InterfaceLimit{{Max: 1, Types: []string{"station"}}, {Max: 1, Types: []string{"p2p-client", "p2p-go"}}, {Max: 1, Types: []string{"p2p-device"}}}, MaxInterfaces: 3, Channels: 1}}},
			Availability: api.Available,
			// A station on 5180 MHz shares the one-channel radio.
			Radio: api.RadioInfo{
				Interfaces: []api.RadioInterface{
					{Name: "wlan0", Type: "station", Frequency: 5180, Manager: "NetworkManager"},
					{Type: "p2p-device", Ours: true},
				},
				Channels: 1, InUse: []uint32{5180}, Allowed: []uint32{5180}, GroupsAvailable: 1,
			},
		},
		inRange: map[api.MAC]api.PeerInfo{
			macA: {Address: macA, Name: "tv", PrimaryDeviceType: api.DeviceType{Category: 7, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 1},
				ConfigMethods: 0x0188, DeviceCapability: 0x25, GroupCapability: 0x00, Manufacturer: "ACME", Model: "TV",
				Signal: -40, LastSeen: time.UnixMilli(1700000000000),
				WFD: &api.WFDInfo{DeviceType: api.WFDPrimarySink, SessionAvailable: true, RTSPPort: 7236, MaxThroughput: 300, Subelements: []byte{0, 0, 6, 0, 0x11, 0x1c, 0x44, 0, 0xc8}}},
			macB: {Address: macB, Name: "phone", PrimaryDeviceType: api.DeviceType{Category: 10, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 5},
				ConfigMethods: 0x4388, DeviceCapability: 0x25, GroupCapability: 0x01, GroupOwner: true, Signal: -60},
			macC: {Address: macC, Name: "printer", PrimaryDeviceType: api.DeviceType{Category: 3, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 1},
				ConfigMethods: 0x0108, Signal: -70},
		},
		pins:      map[api.MAC]string{macC: "12345670"},
		groups:    map[api.GroupID]api.GroupInfo{},
		nextGroup: 1,
		failNext:  map[string]error{},
	}
	return b
}

func (b *fakeBackend) send(ev api.Event) { b.events <- ev }

// Subscribe implements Backend.
func (b *fakeBackend) Subscribe(context.Context) ([]api.Event, <-chan api.Event, error) {
	d := b.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	return []api.Event{api.DeviceAdded{Device: d, Info: d.info}}, b.events, nil
}

// SetAgentCapability implements Backend.
func (b *fakeBackend) SetAgentCapability(_ context.Context, c api.AgentCapability) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.agentCap = append(b.agentCap, c)
	return nil
}

func (b *fakeBackend) agentCaps() []api.AgentCapability {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.agentCap)
}

// ask sends an AgentRequest and waits for its response.
func (b *fakeBackend) ask(ctx context.Context, req api.AgentRequest) api.AgentResponse {
	ch := make(chan api.AgentResponse, 1)
	b.mu.Lock()
	b.nextReq++
	req.ID = b.nextReq
	b.mu.Unlock()
	req.Device = "phy0"
	req.Respond = func(r api.AgentResponse) { ch <- r }
	b.send(req)
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
		b.send(api.AgentCancel{ID: req.ID})
		return api.AgentResponse{Err: fmt.Errorf("%w: %v", api.ErrAborted, ctx.Err())}
	}
}

// incoming simulates a peer's request that needs the agent.
func (b *fakeBackend) incoming(peer api.MAC, r api.RequestKind, m api.WPSMethod) api.AgentResponse {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return b.ask(ctx, api.AgentRequest{Peer: peer, Kind: api.AgentAuthorize, Request: r, Method: m})
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

func (d *fakeDevice) changed() { d.b.send(api.DeviceChanged{Info: d.info}) }

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
	d.info.Availability = api.Available
	if !on {
		d.info.Availability = api.Disabled
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

func (d *fakeDevice) StartDiscovery(_ context.Context, o api.DiscoveryOptions) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.injected("StartDiscovery"); err != nil {
		return err
	}
	if !d.info.Enabled {
		return fmt.Errorf("%w: P2P is disabled on phy0", api.ErrNotReady)
	}
	d.log("StartDiscovery %v %d", o.Type, len(o.DeviceTypes))
	d.info.Discovering = true
	d.changed()
	for _, a := range []api.MAC{macA, macB, macC} {
		d.b.send(api.PeerUpdated{Device: "phy0", Info: d.inRange[a]})
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

func (d *fakeDevice) StartListen(context.Context, api.ListenOptions) error {
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
func (d *fakeDevice) addGroup(g api.GroupInfo) api.GroupID {
	g.ID = d.nextGroup
	d.nextGroup++
	g.SSID = []byte(fmt.Sprintf("DIRECT-%02d-laptop", g.ID))
	g.Interface = fmt.Sprintf("p2p-wlan0-%d", g.ID-1)
	g.Frequency = 2437
	d.groups[g.ID] = g
	d.b.send(api.GroupUpdated{Device: "phy0", Info: g})
	return g.ID
}

func (d *fakeDevice) CreateGroup(_ context.Context, o api.GroupOptions) (api.GroupID, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("CreateGroup persistent=%v", o.Persistent)
	return d.addGroup(api.GroupInfo{Role: api.RoleGO, Persistent: o.Persistent, BSSID: d.info.Address, GroupOwner: d.info.Address,
		LocalAddresses: []netip.Prefix{netip.MustParsePrefix("192.168.49.1/24")}}), nil
}

func (d *fakeDevice) Connect(ctx context.Context, peer api.MAC, o api.ConnectOptions) (api.GroupID, error) {
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
			return 0, fmt.Errorf("%w: %v", api.ErrAborted, ctx.Err())
		}
	}
	pin := o.PIN
	switch {
	case o.Method == api.MethodPINKeypad && pin == "":
		r := d.b.ask(ctx, api.AgentRequest{Peer: peer, Kind: api.AgentRequestPIN})
		if r.Err != nil {
			return 0, r.Err
		}
		pin = r.PIN
	case o.Method == api.MethodPINDisplay && pin == "":
		pin = "87654325"
		if r := d.b.ask(ctx, api.AgentRequest{Peer: peer, Kind: api.AgentDisplayPIN, PIN: pin}); r.Err != nil {
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
		return 0, fmt.Errorf("%w: %s", api.ErrPeerUnreachable, peer)
	}
	if o.Method != api.MethodPBC && expected != "" && pin != expected {
		p.LastError = fmt.Errorf("%w: WPS M4 did not verify", api.ErrIncorrectPIN)
		d.inRange[peer] = p
		d.b.send(api.PeerUpdated{Device: "phy0", Info: p})
		return 0, p.LastError
	}
	g := api.GroupInfo{Role: api.RoleClient, BSSID: peer, GroupOwner: peer, Members: []api.MAC{peer}, Persistent: o.Persistent,
		LocalAddresses: []netip.Prefix{netip.MustParsePrefix("192.168.49.10/24")}, GroupOwnerAddress: netip.MustParseAddr("192.168.49.1")}
	if o.HasGOIntent && o.GOIntent == 15 {
		g = api.GroupInfo{Role: api.RoleGO, BSSID: d.info.Address, GroupOwner: d.info.Address, Members: []api.MAC{peer},
			LocalAddresses:  []netip.Prefix{netip.MustParsePrefix("192.168.49.1/24")},
			MemberAddresses: map[api.MAC]netip.Addr{peer: netip.MustParseAddr("192.168.49.20")}}
	}
	return d.addGroup(g), nil
}

func (d *fakeDevice) Disconnect(_ context.Context, peer api.MAC) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("Disconnect %s", peer)
	for id, g := range d.groups {
		if slices.Contains(g.Members, peer) {
			delete(d.groups, id)
			d.b.send(api.GroupRemoved{Device: "phy0", ID: id})
		}
	}
	return nil
}

func (d *fakeDevice) ProvisionDiscovery(_ context.Context, peer api.MAC, m api.WPSMethod) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("ProvisionDiscovery %s %v", peer, m)
	return d.injected("ProvisionDiscovery")
}

func (d *fakeDevice) LeaveGroup(_ context.Context, id api.GroupID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("LeaveGroup %d", id)
	if _, ok := d.groups[id]; !ok {
		return fmt.Errorf("%w: group %d", api.ErrNotFound, id)
	}
	delete(d.groups, id)
	d.b.send(api.GroupRemoved{Device: "phy0", ID: id})
	return nil
}

func (d *fakeDevice) AllowJoin(_ context.Context, id api.GroupID, o api.JoinOptions) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("AllowJoin %d %v peer=%v %v", id, o.Method, o.HasPeer, o.Timeout)
	return nil
}

// PlanGroup answers as an arbiter with a station on 5180 MHz and one
// channel would: that channel, or a conflict for another one.
func (d *fakeDevice) PlanGroup(_ context.Context, o api.PlanOptions) (api.GroupPlan, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log("PlanGroup peer=%v join=%v freq=%d force=%v", o.HasPeer, o.Join, o.Frequency, o.ForceFrequency)
	if o.Frequency != 0 && o.Frequency != 5180 {
		why := "the station on wlan0 uses 5180 MHz; this radio runs one channel at a time"
		return api.GroupPlan{Decision: api.DecisionRefuse, Reason: why,
			Conflicts: []string{"station wlan0 on 5180 MHz (NetworkManager)"},
			Err:       fmt.Errorf("%w: %s", api.ErrConcurrencyConflict, why)}, nil
	}
	return api.GroupPlan{Possible: true, Frequency: 5180, Decision: api.DecisionAllow,
		Reason: "the group shares the station's channel"}, nil
}

// TestFakeBackendSatisfiesTheInterfaces keeps the fake honest at compile
// time.
func TestFakeBackendSatisfiesTheInterfaces(t *testing.T) {
	var _ api.Backend = newFakeBackend()
	var _ api.Device = newFakeBackend().dev
}
