package dbusapi

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/api"
)

// testAgent is an application's Agent1, exported by a test client.
type testAgent struct {
	mu     sync.Mutex
	calls  []string
	reject bool
	pin    string
	block  chan struct{} // when set, RequestAuthorization waits for it
}

func (a *testAgent) log(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, fmt.Sprintf(format, args...))
}

func (a *testAgent) set(reject bool, pin string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reject, a.pin = reject, pin
}

func (a *testAgent) logged() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

func (a *testAgent) RequestAuthorization(peer dbus.ObjectPath, request, method string) *dbus.Error {
	a.log("RequestAuthorization %s %s %s", peer, request, method)
	if a.block != nil {
		<-a.block
	}
	a.mu.Lock()
	reject := a.reject
	a.mu.Unlock()
	if reject {
		return dbus.NewError(ErrorPrefix+"Rejected", []any{"the user said no"})
	}
	return nil
}

func (a *testAgent) DisplayPin(peer dbus.ObjectPath, pin string) *dbus.Error {
	a.log("DisplayPin %s %s", peer, pin)
	return nil
}

func (a *testAgent) RequestPin(peer dbus.ObjectPath) (string, *dbus.Error) {
	a.log("RequestPin %s", peer)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pin, nil
}

func (a *testAgent) Cancel(peer dbus.ObjectPath) *dbus.Error {
	a.log("Cancel %s", peer)
	return nil
}

func (a *testAgent) Release() *dbus.Error {
	a.log("Release")
	return nil
}

const agentPath = dbus.ObjectPath("/test/agent")

// registerAgent exports a on a new client and registers it.
func registerAgent(t *testing.T, f *fixture, a *testAgent, capability string) *dbus.Conn {
	t.Helper()
	c := f.client()
	if err := c.Export(a, agentPath, ifaceAgent); err != nil {
		t.Fatal(err)
	}
	mustCall(t, c, RootPath, ifaceManager+".RegisterAgent", agentPath, capability)
	return c
}

// discovered starts discovery on a client and waits for the three peers.
func discovered(t *testing.T, f *fixture) *dbus.Conn {
	t.Helper()
	c := f.client()
	mustCall(t, c, phy0, ifaceDevice+".StartDiscovery", map[string]dbus.Variant{})
	eventually(t, time.Second, "peers", func() bool { return len(managedObjects(t, c)) == 4 })
	return c
}

func TestAnIncomingRequestIsRefusedWhenNoAgentIsRegistered(t *testing.T) {
	f := newFixture(t)
	discovered(t, f)
	r := f.backend.incoming(macA, api.RequestNegotiation, api.MethodPBC)
	if r.Accepted || !errors.Is(r.Err, api.ErrRejected) {
		t.Errorf("response %+v, want a refusal (Rejected)", r)
	}
}

func TestAnIncomingRequestGoesToTheRegisteredAgent(t *testing.T) {
	f := newFixture(t)
	discovered(t, f)
	a := &testAgent{}
	registerAgent(t, f, a, "")
	if got := f.backend.agentCaps(); !cmp.Equal(got, []api.AgentCapability{api.AgentKeyboardDisplay}) {
		t.Errorf("backend told %v", got)
	}
	r := f.backend.incoming(macA, api.RequestInvitation, api.MethodPINDisplay)
	if !r.Accepted || r.Err != nil {
		t.Errorf("accepted request: %+v", r)
	}
	a.set(true, "")
	r = f.backend.incoming(macB, api.RequestJoin, api.MethodPBC)
	if r.Accepted || !errors.Is(r.Err, api.ErrRejected) || !strings.Contains(r.Err.Error(), "the user said no") {
		t.Errorf("refused request: %+v", r)
	}
	want := []string{
		"RequestAuthorization " + string(peerA()) + " invitation pin-display",
		"RequestAuthorization " + string(peerPath("phy0", macB)) + " join pbc",
	}
	if d := cmp.Diff(want, a.logged()); d != "" {
		t.Errorf("agent calls (-want +got):\n%s", d)
	}
}

func TestConnectWithPinKeypadAsksTheAgentForThePin(t *testing.T) {
	f := newFixture(t)
	c := discovered(t, f)
	a := &testAgent{pin: "12345670"}
	registerAgent(t, f, a, "keyboard-only")
	pc := peerPath("phy0", macC)
	var g dbus.ObjectPath
	if err := callStore(t, c, pc, ifacePeer+".Connect", []any{&g}, map[string]dbus.Variant{"method": dbus.MakeVariant("pin-keypad")}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if d := cmp.Diff([]string{"RequestPin " + string(pc)}, a.logged()); d != "" {
		t.Errorf("agent calls (-want +got):\n%s", d)
	}
	a.set(false, "1111")
	err := callStore(t, c, pc, ifacePeer+".Connect", []any{&g}, map[string]dbus.Variant{"method": dbus.MakeVariant("pin-keypad")})
	if errName(err) != ErrorPrefix+"IncorrectPin" {
		t.Errorf("wrong PIN from the agent: %v", err)
	}
	a.set(false, "12 4")
	err = callStore(t, c, pc, ifacePeer+".Connect", []any{&g}, map[string]dbus.Variant{"method": dbus.MakeVariant("pin-keypad")})
	if errName(err) != ErrorPrefix+"Rejected" {
		t.Errorf("malformed PIN from the agent: %v, want Rejected", err)
	}
}

func TestConnectWithPinDisplayShowsThePinThroughTheAgentAndNeverInASignal(t *testing.T) {
	f := newFixture(t)
	spy := f.client()
	all := signals(t, spy, func(*dbus.Signal) bool { return true }, dbus.WithMatchSender(BusName))
	c := discovered(t, f)
	a := &testAgent{}
	registerAgent(t, f, a, "display-only")
	var g dbus.ObjectPath
	if err := callStore(t, c, peerA(), ifacePeer+".Connect", []any{&g}, map[string]dbus.Variant{"method": dbus.MakeVariant("pin-display")}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if d := cmp.Diff([]string{"DisplayPin " + string(peerA()) + " 87654325"}, a.logged()); d != "" {
		t.Errorf("agent calls (-want +got):\n%s", d)
	}
	time.Sleep(100 * time.Millisecond)
	n := 0
	for len(all) > 0 {
		s := <-all
		n++
		if strings.Contains(fmt.Sprintf("%v", s.Body), "87654325") {
			t.Errorf("the PIN is in a signal: %s %v", s.Name, s.Body)
		}
	}
	if n == 0 {
		t.Error("the spy saw no signal at all")
	}
}

func TestTheAgentIsUnregisteredWhenItsClientLeaves(t *testing.T) {
	f := newFixture(t)
	discovered(t, f)
	a := &testAgent{}
	c := registerAgent(t, f, a, "")
	c.Close()
	eventually(t, time.Second, "backend told no agent", func() bool {
		caps := f.backend.agentCaps()
		return len(caps) == 2 && caps[1] == api.AgentNone
	})
	if r := f.backend.incoming(macA, api.RequestNegotiation, api.MethodPBC); r.Accepted {
		t.Errorf("accepted with no agent: %+v", r)
	}
}

func TestOneAgentAtATime(t *testing.T) {
	f := newFixture(t)
	a := &testAgent{}
	registerAgent(t, f, a, "")
	other := f.client()
	err := callErr(t, other, RootPath, ifaceManager+".RegisterAgent", agentPath, "")
	if errName(err) != ErrorPrefix+"Busy" {
		t.Errorf("second agent: %v, want Busy", err)
	}
	err = callErr(t, other, RootPath, ifaceManager+".UnregisterAgent", agentPath)
	if errName(err) != ErrorPrefix+"NotFound" {
		t.Errorf("unregistering another client's agent: %v, want NotFound", err)
	}
	err = callErr(t, other, RootPath, ifaceManager+".RegisterAgent", agentPath, "telepathy")
	if errName(err) != ErrorPrefix+"InvalidArguments" || !strings.Contains(err.Error(), "telepathy") {
		t.Errorf("unknown capability: %v", err)
	}
}

func TestAWithdrawnRequestCancelsTheAgentDialog(t *testing.T) {
	f := newFixture(t)
	discovered(t, f)
	a := &testAgent{block: make(chan struct{})}
	defer close(a.block)
	registerAgent(t, f, a, "")
	resp := make(chan api.AgentResponse, 1)
	f.backend.send(api.AgentRequest{ID: 77, Device: "phy0", Peer: macA, Kind: api.AgentAuthorize, Request: api.RequestNegotiation,
		Method: api.MethodPBC, Respond: func(r api.AgentResponse) { resp <- r }})
	eventually(t, time.Second, "agent asked", func() bool { return len(a.logged()) == 1 })
	f.backend.send(api.AgentCancel{ID: 77})
	select {
	case r := <-resp:
		if !errors.Is(r.Err, api.ErrAborted) {
			t.Errorf("response %+v, want Aborted", r)
		}
	case <-time.After(time.Second):
		t.Fatal("no response after the cancel")
	}
	eventually(t, time.Second, "Agent1.Cancel", func() bool {
		l := a.logged()
		return len(l) == 2 && l[1] == "Cancel "+string(peerA())
	})
}

func TestAnAgentThatDoesNotAnswerTimesOutAndIsCancelled(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AgentTimeout = 200 * time.Millisecond })
	discovered(t, f)
	a := &testAgent{block: make(chan struct{})}
	defer close(a.block)
	registerAgent(t, f, a, "")
	r := f.backend.incoming(macA, api.RequestProvision, api.MethodPBC)
	if !errors.Is(r.Err, api.ErrTimeout) {
		t.Errorf("response %+v, want Timeout", r)
	}
	eventually(t, time.Second, "Agent1.Cancel", func() bool {
		l := a.logged()
		return len(l) == 2 && l[1] == "Cancel "+string(peerA())
	})
}

func TestTheAgentIsAskedOnlyWhatItsCapabilityAllows(t *testing.T) {
	f := newFixture(t)
	c := discovered(t, f)
	a := &testAgent{pin: "12345670"}
	registerAgent(t, f, a, "display-only")
	var g dbus.ObjectPath
	err := callStore(t, c, peerPath("phy0", macC), ifacePeer+".Connect", []any{&g}, map[string]dbus.Variant{"method": dbus.MakeVariant("pin-keypad")})
	if errName(err) != ErrorPrefix+"Rejected" {
		t.Errorf("RequestPin to a display-only agent: %v, want Rejected", err)
	}
	if l := a.logged(); len(l) != 0 {
		t.Errorf("agent was asked %q", l)
	}
}

func TestClosingTheServiceReleasesTheAgent(t *testing.T) {
	f := newFixture(t)
	a := &testAgent{}
	registerAgent(t, f, a, "")
	f.svc.Close()
	eventually(t, time.Second, "Release", func() bool {
		l := a.logged()
		return len(l) == 1 && l[0] == "Release"
	})
}
