package dbusapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/api"
)

func peerA() dbus.ObjectPath { return peerPath("phy0", macA) }

func objectManagerSignals(t *testing.T, c *dbus.Conn) chan *dbus.Signal {
	t.Helper()
	return signals(t, c, func(s *dbus.Signal) bool { return strings.HasPrefix(s.Name, ifaceObjectManager+".") },
		dbus.WithMatchSender(BusName), dbus.WithMatchInterface(ifaceObjectManager))
}

func propertySignals(t *testing.T, c *dbus.Conn, path dbus.ObjectPath) chan *dbus.Signal {
	t.Helper()
	return signals(t, c, func(s *dbus.Signal) bool { return s.Path == path && s.Name == ifaceProperties+".PropertiesChanged" },
		dbus.WithMatchSender(BusName), dbus.WithMatchObjectPath(path),
		dbus.WithMatchInterface(ifaceProperties), dbus.WithMatchMember("PropertiesChanged"))
}

func managedObjects(t testing.TB, c *dbus.Conn) map[dbus.ObjectPath]map[string]map[string]dbus.Variant {
	t.Helper()
	var m map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := callStore(t, c, RootPath, ifaceObjectManager+".GetManagedObjects", []any{&m}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDiscoveryShowsPeersThroughTheObjectManagerWithTheirProperties(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	om := objectManagerSignals(t, c)
	dev := propertySignals(t, c, phy0)

	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{"type": dbus.MakeVariant("social")})

	added := nextSignal(t, om, time.Second, "InterfacesAdded for peer A", func(s *dbus.Signal) bool {
		return s.Name == ifaceObjectManager+".InterfacesAdded" && s.Body[0] == peerA()
	})
	props := added.Body[1].(map[string]map[string]dbus.Variant)
	if _, ok := props[ifaceProperties]; !ok {
		t.Errorf("InterfacesAdded lacks %s: %v", ifaceProperties, props)
	}
	p := props[ifacePeer]
	got := map[string]any{}
	for _, k := range []string{"Name", "Address", "DeviceCategory", "ConfigMethods", "DeviceCapability", "IsGroupOwner", "Signal", "Connected", "Manufacturer"} {
		got[k] = p[k].Value()
	}
	want := map[string]any{
		"Name": "tv", "Address": "02:00:00:00:00:a1", "DeviceCategory": "display",
		"ConfigMethods":    []string{"display", "push-button", "keypad"},
		"DeviceCapability": []string{"service-discovery", "concurrent-operation", "invitation-procedure"},
		"IsGroupOwner":     false, "Signal": int16(-40), "Connected": false, "Manufacturer": "ACME",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("peer A properties (-want +got):\n%s", d)
	}
	wfd := p["WFD"].Value().(map[string]dbus.Variant)
	if wfd["device_type"].Value() != "primary-sink" || wfd["rtsp_port"].Value() != uint16(7236) {
		t.Errorf("WFD = %v", wfd)
	}

	nextSignal(t, dev, time.Second, "Discovering=true", func(s *dbus.Signal) bool {
		ch := s.Body[1].(map[string]dbus.Variant)
		v, ok := ch["Discovering"]
		return ok && v.Value() == true
	})

	objs := managedObjects(t, c)
	for _, m := range []api.MAC{macA, macB, macC} {
		if _, ok := objs[peerPath("phy0", m)][ifacePeer]; !ok {
			t.Errorf("GetManagedObjects lacks peer %s: %v", m, objs)
		}
	}
	if _, ok := objs[phy0][ifaceDevice]; !ok {
		t.Errorf("GetManagedObjects lacks phy0")
	}
	if _, ok := objs[RootPath]; ok {
		t.Errorf("GetManagedObjects lists the ObjectManager itself")
	}
	if got := getProp(t, c, peerPath("phy0", macB), ifacePeer, "IsGroupOwner").Value(); got != true {
		t.Errorf("peer B IsGroupOwner = %v, want true", got)
	}
}

func TestDiscoveryStopsOnlyAfterBothClientsReleaseIt(t *testing.T) {
	f := newFixture(t)
	c1, c2 := f.client(), f.client()
	mustCall(t, c1, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	mustCall(t, c2, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{"type": dbus.MakeVariant("social")})
	if n := len(f.dev.called("StartDiscovery")); n != 1 {
		t.Errorf("backend StartDiscovery called %d times, want 1 (same merged options)", n)
	}
	if got := f.dev.called("StartDiscovery"); got[0] != "StartDiscovery full 0" {
		t.Errorf("merged discovery = %q, want the widest (full)", got[0])
	}
	mustCall(t, c1, phy0, ifaceDevice+".StopDiscovery")
	time.Sleep(50 * time.Millisecond)
	if got := f.dev.called("StopDiscovery"); len(got) != 0 {
		t.Fatalf("discovery stopped while client 2 holds a lease")
	}
	if got := f.dev.called("StartDiscovery"); len(got) != 2 || got[1] != "StartDiscovery social 0" {
		t.Errorf("after client 1 left the options should narrow to social: %q", got)
	}
	eventually(t, time.Second, "Discovering true", func() bool { return getProp(t, c2, phy0, ifaceDevice, "Discovering").Value() == true })
	mustCall(t, c2, phy0, ifaceDevice+".StopDiscovery")
	if got := f.dev.called("StopDiscovery"); len(got) != 1 {
		t.Errorf("StopDiscovery calls = %q, want one after the last lease", got)
	}
	eventually(t, time.Second, "Discovering false", func() bool { return getProp(t, c2, phy0, ifaceDevice, "Discovering").Value() == false })
}

func TestDiscoveryLeaseEndsWithinOneSecondWhenItsClientLeavesTheBus(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	mustCall(t, c, phy0, ifaceDevice+".StartListen", map[string]dbus.Variant{})
	start := time.Now()
	c.Close() // the client dies
	eventually(t, time.Second, "StopDiscovery after the client left", func() bool { return len(f.dev.called("StopDiscovery")) == 1 })
	eventually(t, time.Second, "StopListen after the client left", func() bool { return len(f.dev.called("StopListen")) == 1 })
	t.Logf("lease ended %v after the client closed its connection", time.Since(start))
}

func TestDiscoveryLeaseWithATimeoutEndsByItself(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{"timeout": dbus.MakeVariant(uint32(1))})
	time.Sleep(500 * time.Millisecond)
	if len(f.dev.called("StopDiscovery")) != 0 {
		t.Fatal("lease ended before its timeout")
	}
	eventually(t, 2*time.Second, "StopDiscovery after the timeout", func() bool { return len(f.dev.called("StopDiscovery")) == 1 })
	if err := callErr(t, c, phy0, ifaceDevice+".StopDiscovery"); errName(err) != ErrorPrefix+"NotFound" {
		t.Errorf("StopDiscovery after expiry: %v, want NotFound", err)
	}
}

func TestStopDiscoveryWithoutALeaseIsNotFound(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	err := callErr(t, c, phy0, ifaceDevice+".StopDiscovery")
	if errName(err) != ErrorPrefix+"NotFound" {
		t.Errorf("got %v, want NotFound", err)
	}
}

func TestStartDiscoveryReportsTheBackendsReasonAndKeepsNoLease(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	f.dev.failOnce("StartDiscovery", fmt.Errorf("%w: the radio is rfkill-blocked", api.ErrNotReady))
	err := callErr(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	if errName(err) != ErrorPrefix+"NotReady" || !strings.Contains(err.Error(), "rfkill") {
		t.Errorf("got %v, want NotReady naming rfkill", err)
	}
	if h := f.svc.devices["phy0"].discovery.holders(); len(h) != 0 {
		t.Errorf("lease kept after a failure: %v", h)
	}
}

func TestPropertyChangesWithinTheWindowAreBatchedIntoOneSignal(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.CoalesceWindow = 100 * time.Millisecond })
	c := f.client()
	ch := propertySignals(t, c, phy0)
	info := f.dev.info
	for i := range 10 {
		info.Name = fmt.Sprintf("name%d", i)
		info.GOIntent = uint8(i)
		f.backend.send(api.DeviceChanged{Info: info})
	}
	s := nextSignal(t, ch, time.Second, "PropertiesChanged", func(*dbus.Signal) bool { return true })
	changed := s.Body[1].(map[string]dbus.Variant)
	got := map[string]any{}
	for k, v := range changed {
		got[k] = v.Value()
	}
	if d := cmp.Diff(map[string]any{"Name": "name9", "GOIntent": uint32(9)}, got); d != "" {
		t.Errorf("batched change (-want +got):\n%s", d)
	}
	select {
	case s := <-ch:
		t.Errorf("a second PropertiesChanged: %v", s.Body)
	case <-time.After(250 * time.Millisecond):
	}
}

func TestNoisyPropertiesAreSignalledAtMostOncePerInterval(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.NoisyInterval = 300 * time.Millisecond })
	c := f.client()
	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	eventually(t, time.Second, "peer A", func() bool { _, ok := managedObjects(t, c)[peerA()]; return ok })
	ch := propertySignals(t, c, peerA())
	p := f.dev.inRange[macA]
	start := time.Now()
	var n int
	for i := range 40 {
		p.Signal = int16(-30 - i)
		f.backend.send(api.PeerUpdated{Device: "phy0", Info: p})
		time.Sleep(10 * time.Millisecond)
	}
	deadline := time.After(700 * time.Millisecond)
loop:
	for {
		select {
		case <-ch:
			n++
		case <-deadline:
			break loop
		}
	}
	elapsed := time.Since(start)
	if max := int(elapsed/(300*time.Millisecond)) + 1; n > max || n == 0 {
		t.Errorf("%d PropertiesChanged for 40 Signal updates in %v, want 1..%d", n, elapsed, max)
	}
	if got := getProp(t, c, peerA(), ifacePeer, "Signal").Value(); got != int16(-69) {
		t.Errorf("Signal = %v, want the last value -69", got)
	}
}

func TestAirSuppliedStringsAreSanitisedBeforeTheyBecomeProperties(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	evil := api.PeerInfo{Address: macA, Name: "bad\xff\x00name\u202e\x1b[2J", Manufacturer: strings.Repeat("\xc3", 300), Model: "ok"}
	f.backend.send(api.PeerUpdated{Device: "phy0", Info: evil})
	eventually(t, time.Second, "peer A", func() bool { _, ok := managedObjects(t, c)[peerA()]; return ok })
	for _, k := range []string{"Name", "Manufacturer", "Model"} {
		s := getProp(t, c, peerA(), ifacePeer, k).Value().(string)
		if !utf8.ValidString(s) {
			t.Errorf("%s = %q is not UTF-8", k, s)
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f || isBidiControl(r) {
				t.Errorf("%s = %q keeps control character %U", k, s, r)
			}
		}
		if len(s) > maxAirString {
			t.Errorf("%s is %d octets", k, len(s))
		}
	}
	if got := getProp(t, c, peerA(), ifacePeer, "Name").Value(); got != "bad\ufffd\ufffdname\ufffd\ufffd[2J" {
		t.Errorf("Name = %q", got)
	}
}

func TestPeerRemovedEmitsInterfacesRemoved(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	om := objectManagerSignals(t, c)
	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	nextSignal(t, om, time.Second, "peer A added", func(s *dbus.Signal) bool { return s.Body[0] == peerA() })
	f.backend.send(api.PeerRemoved{Device: "phy0", Address: macA})
	s := nextSignal(t, om, time.Second, "peer A removed", func(s *dbus.Signal) bool {
		return s.Name == ifaceObjectManager+".InterfacesRemoved" && s.Body[0] == peerA()
	})
	if ifs := s.Body[1].([]string); !strings.Contains(strings.Join(ifs, " "), ifacePeer) {
		t.Errorf("InterfacesRemoved lists %v", ifs)
	}
	if err := callErr(t, c, peerA(), ifacePeer+".Disconnect"); errName(err) != errDBusUnknownObject {
		t.Errorf("call on a removed peer: %v, want UnknownObject", err)
	}
}

func TestSettingNameGoesToTheBackendAndIsVisibleAtOnce(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	ch := propertySignals(t, c, phy0)
	if err := c.Object(BusName, phy0).SetProperty(ifaceDevice+".Name", dbus.MakeVariant("my laptop")); err != nil {
		t.Fatal(err)
	}
	if got := getProp(t, c, phy0, ifaceDevice, "Name").Value(); got != "my laptop" {
		t.Errorf("Name = %q right after Set", got)
	}
	if got := f.dev.called("SetName"); len(got) != 1 || got[0] != "SetName my laptop" {
		t.Errorf("backend calls %q", got)
	}
	nextSignal(t, ch, time.Second, "PropertiesChanged Name", func(s *dbus.Signal) bool {
		v, ok := s.Body[1].(map[string]dbus.Variant)["Name"]
		return ok && v.Value() == "my laptop"
	})
	if err := c.Object(BusName, phy0).SetProperty(ifaceDevice+".GOIntent", dbus.MakeVariant(uint32(15))); err != nil {
		t.Fatal(err)
	}
	if err := c.Object(BusName, phy0).SetProperty(ifaceDevice+".Enabled", dbus.MakeVariant(false)); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "Availability disabled", func() bool {
		return getProp(t, c, phy0, ifaceDevice, "Availability").Value() == "disabled"
	})
	if err := callErr(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{}); errName(err) != ErrorPrefix+"NotReady" {
		t.Errorf("StartDiscovery while disabled: %v, want NotReady", err)
	}
}

func connectA(t *testing.T, f *fixture, c *dbus.Conn, opts map[string]dbus.Variant) (dbus.ObjectPath, error) {
	t.Helper()
	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	eventually(t, time.Second, "peer A", func() bool { _, ok := managedObjects(t, c)[peerA()]; return ok })
	var g dbus.ObjectPath
	err := callStore(t, c, peerA(), ifacePeer+".Connect", []any{&g}, opts)
	return g, err
}

func TestConnectRepliesWithTheGroupOnceItExistsAndMarksThePeerConnected(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	g, err := connectA(t, f, c, map[string]dbus.Variant{"method": dbus.MakeVariant("pbc")})
	if err != nil {
		t.Fatal(err)
	}
	if g != groupPath("phy0", 1) {
		t.Errorf("group = %s", g)
	}
	// The reply comes after the group is exported.
	got := map[string]any{}
	for _, k := range []string{"Role", "Interface", "Members", "GroupOwner", "BSSID"} {
		got[k] = getProp(t, c, g, ifaceGroup, k).Value()
	}
	want := map[string]any{"Role": "client", "Interface": "p2p-wlan0-0", "Members": []dbus.ObjectPath{peerA()},
		"GroupOwner": peerA(), "BSSID": macA.String()}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("group (-want +got):\n%s", d)
	}
	addrs := getProp(t, c, g, ifaceGroup, "Addresses").Value().(map[string]dbus.Variant)
	if addrs["group_owner"].Value() != "192.168.49.1" {
		t.Errorf("Addresses = %v", addrs)
	}
	eventually(t, time.Second, "peer A connected", func() bool {
		return getProp(t, c, peerA(), ifacePeer, "Connected").Value() == true
	})
	if got := getProp(t, c, peerA(), ifacePeer, "Groups").Value(); !cmp.Equal(got, []dbus.ObjectPath{g}) {
		t.Errorf("peer Groups = %v", got)
	}
	mustCall(t, c, g, ifaceGroup+".Leave")
	eventually(t, time.Second, "peer A disconnected", func() bool {
		return getProp(t, c, peerA(), ifacePeer, "Connected").Value() == false
	})
}

func TestConnectFailureIsANamedErrorAndTheReasonStaysInLastError(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	pc := peerPath("phy0", macC)
	eventually(t, time.Second, "peer C", func() bool { _, ok := managedObjects(t, c)[pc]; return ok })
	var g dbus.ObjectPath
	err := callStore(t, c, pc, ifacePeer+".Connect", []any{&g}, map[string]dbus.Variant{
		"method": dbus.MakeVariant("pin-keypad"), "pin": dbus.MakeVariant("11111111")})
	if errName(err) != ErrorPrefix+"IncorrectPin" {
		t.Fatalf("got %v, want IncorrectPin", err)
	}
	eventually(t, time.Second, "LastError", func() bool {
		v := getProp(t, c, pc, ifacePeer, "LastError").Value().([]any)
		return v[0] == ErrorPrefix+"IncorrectPin"
	})
	f.dev.failOnce("Connect", fmt.Errorf("%w: status 7 from the peer", api.ErrNoCommonChannel))
	err = callStore(t, c, pc, ifacePeer+".Connect", []any{&g}, map[string]dbus.Variant{"method": dbus.MakeVariant("pbc")})
	if errName(err) != ErrorPrefix+"NoCommonChannel" {
		t.Errorf("got %v, want NoCommonChannel", err)
	}
}

func TestGroupsBoundToAClientEndWhenItLeavesAndUnboundOnesStay(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	var bound, free dbus.ObjectPath
	if err := callStore(t, c, phy0, ifaceDevice+".CreateGroup", []any{&bound}, map[string]dbus.Variant{}); err != nil {
		t.Fatal(err)
	}
	if err := callStore(t, c, phy0, ifaceDevice+".CreateGroup", []any{&free}, map[string]dbus.Variant{"bind": dbus.MakeVariant("none"), "persistent": dbus.MakeVariant(true)}); err != nil {
		t.Fatal(err)
	}
	if got := getProp(t, c, bound, ifaceGroup, "GroupOwner").Value(); got != phy0 {
		t.Errorf("GroupOwner of our GO group = %v, want the device", got)
	}
	c.Close()
	eventually(t, time.Second, "bound group left", func() bool { return len(f.dev.called("LeaveGroup 1")) == 1 })
	time.Sleep(100 * time.Millisecond)
	if got := f.dev.called("LeaveGroup"); len(got) != 1 {
		t.Errorf("LeaveGroup calls %q, want only the bound group", got)
	}
	c2 := f.client()
	if got := getProp(t, c2, free, ifaceGroup, "Persistent").Value(); got != true {
		t.Errorf("unbound group: Persistent = %v", got)
	}
}

func TestAllowJoinNeedsTheGroupOwnerRole(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	g, err := connectA(t, f, c, map[string]dbus.Variant{})
	if err != nil {
		t.Fatal(err)
	}
	err = callErr(t, c, g, ifaceGroup+".AllowJoin", map[string]dbus.Variant{})
	if errName(err) != ErrorPrefix+"NotSupported" {
		t.Errorf("AllowJoin as client: %v, want NotSupported", err)
	}
	var gog dbus.ObjectPath
	if err := callStore(t, c, phy0, ifaceDevice+".CreateGroup", []any{&gog}, map[string]dbus.Variant{}); err != nil {
		t.Fatal(err)
	}
	mustCall(t, c, gog, ifaceGroup+".AllowJoin", map[string]dbus.Variant{
		"method": dbus.MakeVariant("pin-display"), "pin": dbus.MakeVariant("1234"), "peer": dbus.MakeVariant(peerA()),
		"timeout": dbus.MakeVariant(uint32(30))})
	if got := f.dev.called("AllowJoin"); len(got) != 1 || got[0] != "AllowJoin 2 pin-display peer=true 30s" {
		t.Errorf("backend AllowJoin %q", got)
	}
}

func TestDeviceRemovedTakesItsPeersAndGroupsWithIt(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	if _, err := connectA(t, f, c, map[string]dbus.Variant{}); err != nil {
		t.Fatal(err)
	}
	om := objectManagerSignals(t, c)
	f.backend.send(api.DeviceRemoved{ID: "phy0"})
	nextSignal(t, om, time.Second, "phy0 removed", func(s *dbus.Signal) bool {
		return s.Name == ifaceObjectManager+".InterfacesRemoved" && s.Body[0] == phy0
	})
	if objs := managedObjects(t, c); len(objs) != 0 {
		t.Errorf("objects left: %v", objs)
	}
	if err := callErr(t, c, phy0, ifaceDevice+".StopDiscovery"); errName(err) != errDBusUnknownObject {
		t.Errorf("got %v", err)
	}
}

func TestADenyingAuthorizerGivesPermissionDeniedAndNothingReachesTheBackend(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Authorizer = denyAll{} })
	c := f.client()
	for _, tc := range []struct {
		path   dbus.ObjectPath
		method string
		args   []any
	}{
		{phy0, ifaceDevice + ".StartDiscovery", []any{map[string]dbus.Variant{}}},
		{phy0, ifaceDevice + ".StartListen", []any{map[string]dbus.Variant{}}},
		{phy0, ifaceDevice + ".CreateGroup", []any{map[string]dbus.Variant{}}},
		{RootPath, ifaceManager + ".RegisterAgent", []any{dbus.ObjectPath("/agent"), ""}},
		{phy0, ifaceProperties + ".Set", []any{ifaceDevice, "Name", dbus.MakeVariant("x")}},
	} {
		err := callErr(t, c, tc.path, tc.method, tc.args...)
		if errName(err) != ErrorPrefix+"PermissionDenied" {
			t.Errorf("%s: %v, want PermissionDenied", tc.method, err)
		}
	}
	f.dev.mu.Lock()
	defer f.dev.mu.Unlock()
	if len(f.dev.calls) != 0 {
		t.Errorf("denied calls reached the backend: %q", f.dev.calls)
	}
	// Reading stays open.
	if got := getProp(t, c, phy0, ifaceDevice, "Name").Value(); got != "laptop" {
		t.Errorf("Get under a denying authorizer: %v", got)
	}
}

type denyAll struct{}

func (denyAll) Authorize(_ context.Context, sender, action string, _ bool) error {
	return fmt.Errorf("%w: %s may not %s", api.ErrPermissionDenied, sender, action)
}

// fakePolkit is polkit's Authority on the private bus: it authorizes only
// the discover action and records the subjects it was asked about.
type fakePolkit struct {
	asked chan string
}

func (p *fakePolkit) CheckAuthorization(subject polkitSubject, action string, details map[string]string, flags uint32, cancel string) (polkitResult, *dbus.Error) {
	name, _ := subject.Details["name"].Value().(string)
	p.asked <- fmt.Sprintf("%s %s %s flags=%d", subject.Kind, name, action, flags)
	return polkitResult{IsAuthorized: action == ActionDiscover, Details: map[string]string{}}, nil
}

func TestPolkitIsAskedWithTheCallerAsSubject(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Polkit = true })
	pk := f.client()
	fp := &fakePolkit{asked: make(chan string, 16)}
	if err := pk.Export(fp, polkitPath, "org.freedesktop.PolicyKit1.Authority"); err != nil {
		t.Fatal(err)
	}
	if r, err := pk.RequestName(polkitName, 0); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v %v", polkitName, r, err)
	}
	c := f.client()
	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	if got, want := <-fp.asked, "system-bus-name "+c.Names()[0]+" "+ActionDiscover+" flags=0"; got != want {
		t.Errorf("polkit asked %q, want %q", got, want)
	}
	err := callErr(t, c, phy0, ifaceDevice+".CreateGroup", map[string]dbus.Variant{})
	if errName(err) != ErrorPrefix+"PermissionDenied" {
		t.Errorf("CreateGroup refused by polkit: %v", err)
	}
	<-fp.asked
	// Interactive authorization is passed on.
	// (godbus's Object.Call drops this flag: build the message.)
	_ = rawCall(t, c, phy0, ifaceDevice, "StartListen", dbus.FlagAllowInteractiveAuthorization, map[string]dbus.Variant{}).Err
	if got := <-fp.asked; !strings.HasSuffix(got, "flags=1") {
		t.Errorf("interactive call asked %q", got)
	}
}

func TestPolkitUnreachableIsPermissionDenied(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Polkit = true })
	c := f.client()
	err := callErr(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	if errName(err) != ErrorPrefix+"PermissionDenied" {
		t.Errorf("got %v, want PermissionDenied", err)
	}
}

func TestNewFailsWhenTheNameIsTaken(t *testing.T) {
	f := newFixture(t)
	_, err := New(context.Background(), newFakeBackend(), Config{Bus: f.addr})
	if err == nil || !strings.Contains(err.Error(), "already owned") {
		t.Errorf("second service: %v", err)
	}
}

func TestRunEndsWhenTheBackendStops(t *testing.T) {
	addr := startBus(t)
	b := newFakeBackend()
	svc, err := New(context.Background(), b, Config{Bus: addr})
	if err != nil {
		t.Fatal(err)
	}
	close(b.events)
	done := make(chan error, 1)
	go func() { done <- svc.Run(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "backend stopped") {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestErrorsFromBelowMapThroughTheTable(t *testing.T) {
	for _, e := range api.Errors() {
		got := toDBusError(fmt.Errorf("connect: %w", fmt.Errorf("inner: %w", e.Err)))
		if got.Name != errorName(e) {
			t.Errorf("%v maps to %s, want %s", e.Err, got.Name, errorName(e))
		}
		back := fromDBusError(got)
		if !errors.Is(back, e.Err) {
			t.Errorf("%s does not map back to %v", got.Name, e.Err)
		}
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("surprise"), ErrorPrefix + "Failed"},
		{context.DeadlineExceeded, ErrorPrefix + "Timeout"},
		{context.Canceled, ErrorPrefix + "Aborted"},
		{dbusError(errDBusInvalidArgs, "x"), errDBusInvalidArgs},
	} {
		if got := toDBusError(tc.err).Name; got != tc.want {
			t.Errorf("%v maps to %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestRadioShowsWhatUsesTheRadio(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	var v dbus.Variant
	if err := callStore(t, c, phy0, ifaceProperties+".Get", []any{&v}, ifaceDevice, "Radio"); err != nil {
		t.Fatal(err)
	}
	r := v.Value().(map[string]dbus.Variant)
	ifaces := r["interfaces"].Value().([]map[string]dbus.Variant)
	got := map[string]any{
		"channels": r["channels"].Value(), "in_use": r["frequencies_in_use"].Value(), "allowed": r["allowed_frequencies"].Value(),
		"groups": r["groups_available"].Value(), "rfkill": r["rfkill"].Value(),
		"first": []any{ifaces[0]["name"].Value(), ifaces[0]["type"].Value(), ifaces[0]["frequency"].Value(), ifaces[0]["ours"].Value(), ifaces[0]["manager"].Value()},
	}
	want := map[string]any{
		"channels": uint32(1), "in_use": []uint32{5180}, "allowed": []uint32{5180}, "groups": uint32(1), "rfkill": "unblocked",
		"first": []any{"wlan0", "station", uint32(5180), false, "NetworkManager"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Radio (-want +got):\n%s", d)
	}
}

func TestPlanGroupExplainsTheArbitersDecision(t *testing.T) {
	for _, tc := range []struct {
		name    string
		options map[string]dbus.Variant
		want    map[string]any
	}{
		{"a group on the station's channel is allowed", map[string]dbus.Variant{},
			map[string]any{"possible": true, "frequency": uint32(5180), "decision": "allow", "error": ""}},
		{"another channel conflicts with the station", map[string]dbus.Variant{"frequency": dbus.MakeVariant(uint32(2437))},
			map[string]any{"possible": false, "frequency": uint32(0), "decision": "refuse", "error": ErrorPrefix + "ConcurrencyConflict"}},
		{"a Connect is planned with its peer", map[string]dbus.Variant{"peer": dbus.MakeVariant(peerA()), "frequency": dbus.MakeVariant(uint32(5180)), "force_frequency": dbus.MakeVariant(true)},
			map[string]any{"possible": true, "frequency": uint32(5180), "decision": "allow", "error": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			c := f.client()
			if _, ok := tc.options["peer"]; ok {
				mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
				eventually(t, time.Second, "peer A", func() bool { _, ok := managedObjects(t, c)[peerA()]; return ok })
			}
			var plan map[string]dbus.Variant
			if err := callStore(t, c, phy0, ifaceDevice+".PlanGroup", []any{&plan}, tc.options); err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			for k := range tc.want {
				got[k] = plan[k].Value()
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
			if tc.want["decision"] == "refuse" && !strings.Contains(plan["reason"].Value().(string), "5180 MHz") {
				t.Errorf("reason %q does not say what holds the radio", plan["reason"].Value())
			}
		})
	}
}

func TestPlanGroupRefusesForceFrequencyWithoutFrequencyAndJoinWithoutPeer(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for _, o := range []map[string]dbus.Variant{
		{"force_frequency": dbus.MakeVariant(true)},
		{"join": dbus.MakeVariant(true)},
	} {
		var plan map[string]dbus.Variant
		err := callStore(t, c, phy0, ifaceDevice+".PlanGroup", []any{&plan}, o)
		var de dbus.Error
		if !errors.As(err, &de) || de.Name != ErrorPrefix+"InvalidArguments" {
			t.Errorf("PlanGroup(%v) = %v, want InvalidArguments", o, err)
		}
	}
}
