package coordinator

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// detReader is a deterministic stand-in for crypto/rand.
type detReader struct{ r *rand.Rand }

func (d detReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(d.r.Uint32())
	}
	return len(b), nil
}

func detOptions(seed uint64) p2p.Options {
	return p2p.Options{
		Rand:   rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		Crypto: detReader{rand.New(rand.NewPCG(seed, 7))},
	}
}

// world is a medium with the coordinator on phy0 ("us") and one simulated
// peer (a bare p2p core) on phy1.
type world struct {
	t    *testing.T
	m    *simradio.Medium
	us   *simradio.Phy
	c    *Coordinator
	dev  api.Device
	id   api.DeviceID
	addr api.MAC
	peer *p2p.Device
	them *simradio.Phy
	// negotiated receives the peer's successful negotiations: those it
	// answered (notified) and those it ran (peerConnect).
	negotiated chan p2p.NegotiationResult

	mu     sync.Mutex
	events []api.Event
	kick   chan struct{}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, Config{Name: "us", Options: detOptions(1)})
}

func newWorldWith(t *testing.T, cfg Config) *world {
	t.Helper()
	m := simradio.NewMedium(simradio.Options{})
	us, err := m.AddPhy(simradio.PhyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	them, err := m.AddPhy(simradio.PhyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(context.Background(), m.Backend(us), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := p2p.NewDevice(context.Background(), them, p2p.DefaultConfig("sim-tv"), detOptions(2))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, m: m, us: us, c: c, peer: peer, them: them, kick: make(chan struct{}, 1),
		negotiated: make(chan p2p.NegotiationResult, 4)}
	go func() {
		for n := range peer.Notifications() {
			if ns, ok := n.(p2p.NegotiationSucceeded); ok {
				select {
				case w.negotiated <- ns.Result:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = c.Close()
		_ = peer.Close()
		m.Close()
	})
	initial, events, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(initial) != 1 {
		t.Fatalf("Subscribe returned %d initial events, want 1 DeviceAdded", len(initial))
	}
	added, ok := initial[0].(api.DeviceAdded)
	if !ok {
		t.Fatalf("initial event %T, want DeviceAdded", initial[0])
	}
	w.dev, w.id, w.addr = added.Device, added.Info.ID, added.Info.Address
	go func() {
		for ev := range events {
			w.mu.Lock()
			w.events = append(w.events, ev)
			w.mu.Unlock()
			select {
			case w.kick <- struct{}{}:
			default:
			}
		}
	}()
	return w
}

// waitEvent returns the first event that matches, waiting up to d of
// virtual time.
// peerConnect runs the simulated peer's GO Negotiation with us; a success
// goes where peerGroup takes it from, as the peer's own negotiations do.
func (w *world) peerConnect(ctx context.Context, p p2p.ConnectParams) (p2p.NegotiationResult, error) {
	res, err := w.peer.Connect(ctx, p2p.MAC(w.addr), p)
	if err == nil {
		select {
		case w.negotiated <- res:
		default:
		}
	}
	return res, err
}

func (w *world) waitEvent(d time.Duration, match func(api.Event) bool) api.Event {
	w.t.Helper()
	timeout := time.After(d)
	for i := 0; ; {
		w.mu.Lock()
		for ; i < len(w.events); i++ {
			if match(w.events[i]) {
				ev := w.events[i]
				w.mu.Unlock()
				return ev
			}
		}
		w.mu.Unlock()
		select {
		case <-w.kick:
		case <-timeout:
			w.t.Fatalf("no matching event within %v", d)
		}
	}
}

// noGroupUpdateAfterRemoval checks that no GroupUpdated for id follows
// its GroupRemoved (it would bring the group back).
func (w *world) noGroupUpdateAfterRemoval(id api.GroupID) {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	removed := false
	for _, ev := range w.events {
		switch x := ev.(type) {
		case api.GroupRemoved:
			removed = removed || x.ID == id
		case api.GroupUpdated:
			if removed && x.Info.ID == id {
				w.t.Errorf("GroupUpdated %+v after the group was removed", x.Info)
			}
		}
	}
	if !removed {
		w.t.Errorf("group %d was not removed", id)
	}
}

func (w *world) waitPeerNamed(name string) api.PeerInfo {
	w.t.Helper()
	ev := w.waitEvent(30*time.Second, func(ev api.Event) bool {
		p, ok := ev.(api.PeerUpdated)
		return ok && p.Info.Name == name
	})
	return ev.(api.PeerUpdated).Info
}

func TestDiscoveryReportsTheListeningPeerWithItsName(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
			t.Fatal(err)
		}
		w.waitEvent(time.Second, func(ev api.Event) bool {
			c, ok := ev.(api.DeviceChanged)
			return ok && c.Info.Discovering
		})
		p := w.waitPeerNamed("sim-tv")
		if p.Address != api.MAC(w.peer.Address()) {
			t.Errorf("peer address %v, want %v", p.Address, w.peer.Address())
		}
		if p.ConfigMethods == 0 || p.PrimaryDeviceType.Category != 1 || p.Signal != -50 {
			t.Errorf("peer info incomplete: %+v", p)
		}
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		w.waitEvent(time.Second, func(ev api.Event) bool {
			c, ok := ev.(api.DeviceChanged)
			return ok && !c.Info.Discovering
		})
	})
}

func TestDiscoveryStaysOnUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Minute)
		// The peer starts listening long after discovery started.
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		w.waitPeerNamed("sim-tv")
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIncomingNegotiationAsksTheAgentAndFormsTheGroupOnceAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		w.peerGroup()
		if err := w.dev.StartListen(ctx, api.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.peer.Find(ctx, p2p.FindOptions{Type: p2p.FindSocial}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := w.peer.Peer(ctx, p2p.MAC(w.addr)); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the simulated peer did not discover us")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err := w.peer.StopFind(ctx); err != nil {
			t.Fatal(err)
		}
		connectCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		negDone := make(chan error, 1)
		go func() {
			_, err := w.peerConnect(connectCtx, p2p.ConnectParams{Method: p2p.MethodPBC})
			negDone <- err
		}()
		ev := w.waitEvent(10*time.Second, func(ev api.Event) bool {
			_, ok := ev.(api.AgentRequest)
			return ok
		})
		req := ev.(api.AgentRequest)
		if req.Kind != api.AgentAuthorize || req.Request != api.RequestNegotiation ||
			req.Peer != api.MAC(w.peer.Address()) || req.Method != api.MethodPBC || req.Device != w.id {
			t.Errorf("agent request %+v; want authorize negotiation from %v with pbc", req, w.peer.Address())
		}
		req.Respond(api.AgentResponse{Accepted: true})
		if err := <-negDone; err != nil {
			t.Errorf("the peer's GO Negotiation after the agent accepted: %v", err)
		}
		ev = w.waitEvent(time.Minute, func(ev api.Event) bool {
			_, ok := ev.(api.GroupUpdated)
			return ok
		})
		if g := ev.(api.GroupUpdated).Info; len(g.Members) != 1 || g.Members[0] != api.MAC(w.peer.Address()) {
			t.Errorf("group %+v; want the peer as member", g)
		}
	})
}

func TestAPeerAuthorizedByProvisionDiscoveryFormsTheGroupWhenItConnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		w.peerGroup()
		if err := w.dev.StartListen(ctx, api.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.peer.Find(ctx, p2p.FindOptions{Type: p2p.FindSocial}); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if _, err := w.peer.Peer(ctx, p2p.MAC(w.addr)); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the simulated peer did not discover us")
			}
		}
		if err := w.peer.StopFind(ctx); err != nil {
			t.Fatal(err)
		}
		pdDone := make(chan error, 1)
		go func() {
			_, err := w.peer.ProvisionDiscovery(ctx, p2p.MAC(w.addr), p2p.MethodPBC)
			pdDone <- err
		}()
		ev := w.waitEvent(10*time.Second, func(ev api.Event) bool {
			r, ok := ev.(api.AgentRequest)
			return ok && r.Request == api.RequestProvision
		})
		ev.(api.AgentRequest).Respond(api.AgentResponse{Accepted: true})
		if err := <-pdDone; err != nil {
			t.Fatalf("the peer's Provision Discovery: %v", err)
		}
		// Let the authorization land before the peer negotiates.
		time.Sleep(time.Second)
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if _, err := w.peerConnect(cctx, p2p.ConnectParams{Method: p2p.MethodPBC}); err != nil {
			t.Fatalf("the peer's GO Negotiation: %v", err)
		}
		ev = w.waitEvent(time.Minute, func(ev api.Event) bool {
			_, ok := ev.(api.GroupUpdated)
			return ok
		})
		if g := ev.(api.GroupUpdated).Info; len(g.Members) != 1 || g.Members[0] != api.MAC(w.peer.Address()) {
			t.Errorf("group %+v; want the peer as member", g)
		}
	})
}

// peerGroup runs the simulated peer's side of the group its next
// successful negotiation agrees on, with push button, until the test ends.
func (w *world) peerGroup() { w.peerGroupWith(p2p.MethodPBC, nil) }

// peerGroupWith is peerGroup with the peer's method; for a PIN method the
// PIN arrives on pin.
func (w *world) peerGroupWith(method p2p.WPSMethod, pin <-chan string) {
	w.t.Helper()
	stopped := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(stopped)
		var r p2p.NegotiationResult
		select {
		case r = <-w.negotiated:
		case <-ctx.Done():
			return
		}
		dev := group.Device{Address: w.peer.Address(), Name: "sim-tv"}
		ifAddr := w.peer.InterfaceAddress()
		var code string
		if pin != nil {
			select {
			case code = <-pin:
			case <-ctx.Done():
				return
			}
		}
		wps := &group.WPS{}
		*wps = groupWPS(r.Role, method, code)
		var (
			notes <-chan group.Notification
			stop  func(context.Context) error
		)
		if r.Role == p2pmsg.RoleGO {
			g, err := group.StartGO(ctx, w.them, group.GOConfig{Device: dev, Freq: r.Freq, SSID: []byte(r.SSID), InterfaceAddress: ifAddr,
				Formation: &group.Formation{Peer: r.Peer, PeerInterface: r.PeerInterfaceAddress, WPS: wps}})
			if err != nil {
				w.t.Errorf("the peer's StartGO: %v", err)
				return
			}
			notes, stop = g.Notifications(), g.Stop
		} else {
			c, err := group.StartClient(ctx, w.them, group.ClientConfig{Device: dev, GODeviceAddress: r.GODeviceAddress,
				GOInterfaceAddress: r.PeerInterfaceAddress, Freq: r.Freq, SSID: []byte(r.SSID), WPS: wps, InterfaceAddress: ifAddr})
			if err != nil {
				w.t.Errorf("the peer's StartClient: %v", err)
				return
			}
			notes, stop = c.Notifications(), c.Leave
		}
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = stop(sctx)
		}()
		for range notes {
		}
	}()
	w.t.Cleanup(func() {
		cancel()
		<-stopped
	})
}

func TestConnectWithPushButtonFormsTheGroupAndLeaveGroupRemovesIt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		intent uint8
		role   api.GroupRole
	}{
		{"as GO with GO Intent 15", 15, api.RoleGO},
		{"as client with GO Intent 0", 0, api.RoleClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				ctx := context.Background()
				if err := w.peer.Authorize(ctx, p2p.MAC(w.addr), p2p.ConnectParams{Method: p2p.MethodPBC}); err != nil {
					t.Fatal(err)
				}
				if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
					t.Fatal(err)
				}
				w.peerGroup()
				if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
					t.Fatal(err)
				}
				p := w.waitPeerNamed("sim-tv")
				id, err := w.dev.Connect(ctx, p.Address, api.ConnectOptions{Method: api.MethodPBC, HasGOIntent: true, GOIntent: tc.intent})
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				ev := w.waitEvent(time.Second, func(ev api.Event) bool {
					g, ok := ev.(api.GroupUpdated)
					return ok && g.Info.ID == id
				})
				g := ev.(api.GroupUpdated)
				if g.Device != w.id || g.Info.Role != tc.role || g.Info.Interface == "" || g.Info.Frequency == 0 ||
					len(g.Info.SSID) == 0 || g.Info.BSSID == (api.MAC{}) {
					t.Errorf("GroupUpdated %+v; want role %v with interface, SSID, BSSID and frequency", g, tc.role)
				}
				if len(g.Info.LocalAddresses) != 1 || !netip.MustParsePrefix("192.168.49.0/24").Contains(g.Info.LocalAddresses[0].Addr()) {
					t.Errorf("our addresses %v, want one in 192.168.49.0/24", g.Info.LocalAddresses)
				}
				if !g.Info.GroupOwnerAddress.IsValid() {
					t.Errorf("no GO address in %+v", g.Info)
				}
				wantOwner := p.Address
				if tc.role == api.RoleGO {
					wantOwner = w.addr
					if !g.Info.MemberAddresses[p.Address].IsValid() {
						t.Errorf("member addresses %v lack the peer's", g.Info.MemberAddresses)
					}
				}
				if g.Info.GroupOwner != wantOwner {
					t.Errorf("group owner %v, want %v", g.Info.GroupOwner, wantOwner)
				}
				if diff := cmp.Diff([]api.MAC{p.Address}, g.Info.Members); diff != "" {
					t.Errorf("members (-want +got):\n%s", diff)
				}
				if err := w.dev.LeaveGroup(ctx, id); err != nil {
					t.Fatalf("LeaveGroup: %v", err)
				}
				w.waitEvent(time.Second, func(ev api.Event) bool {
					r, ok := ev.(api.GroupRemoved)
					return ok && r.ID == id && r.Device == w.id
				})
				if err := w.dev.LeaveGroup(ctx, id); !errors.Is(err, api.ErrNotFound) {
					t.Errorf("LeaveGroup again: %v, want ErrNotFound", err)
				}
				time.Sleep(5 * time.Second)
				w.noGroupUpdateAfterRemoval(id)
			})
		})
	}
}

func TestDisconnectEndsTheGroupWithThePeer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		intent uint8
	}{
		{"as GO the peer is removed", 15},
		{"as client we leave", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				ctx := context.Background()
				if err := w.peer.Authorize(ctx, p2p.MAC(w.addr), p2p.ConnectParams{Method: p2p.MethodPBC}); err != nil {
					t.Fatal(err)
				}
				if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
					t.Fatal(err)
				}
				w.peerGroup()
				if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
					t.Fatal(err)
				}
				p := w.waitPeerNamed("sim-tv")
				id, err := w.dev.Connect(ctx, p.Address, api.ConnectOptions{Method: api.MethodPBC, HasGOIntent: true, GOIntent: tc.intent})
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				if err := w.dev.Disconnect(ctx, p.Address); err != nil {
					t.Fatalf("Disconnect: %v", err)
				}
				w.waitEvent(time.Minute, func(ev api.Event) bool {
					switch x := ev.(type) {
					case api.GroupRemoved:
						return x.ID == id
					case api.GroupUpdated:
						return x.Info.ID == id && len(x.Info.Members) == 0
					}
					return false
				})
			})
		})
	}
}

func TestConnectWithPINFormsTheGroup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method api.WPSMethod
		// peer is the peer's method, the complement of ours.
		peer   p2p.WPSMethod
		intent uint8
		given  string // the PIN passed to Connect
	}{
		{"we display a generated PIN as GO", api.MethodPINDisplay, p2p.MethodKeypad, 15, ""},
		{"we display a given PIN as client", api.MethodPINDisplay, p2p.MethodKeypad, 0, "12345670"},
		{"we type the PIN the agent gives as client", api.MethodPINKeypad, p2p.MethodDisplay, 0, ""},
		{"we type the PIN the agent gives as GO", api.MethodPINKeypad, p2p.MethodDisplay, 15, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t)
				ctx := context.Background()
				if err := w.peer.Authorize(ctx, p2p.MAC(w.addr), p2p.ConnectParams{Method: tc.peer}); err != nil {
					t.Fatal(err)
				}
				if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
					t.Fatal(err)
				}
				pin := make(chan string, 1)
				w.peerGroupWith(tc.peer, pin)
				if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
					t.Fatal(err)
				}
				p := w.waitPeerNamed("sim-tv")
				type result struct {
					id  api.GroupID
					err error
				}
				done := make(chan result, 1)
				go func() {
					id, err := w.dev.Connect(ctx, p.Address, api.ConnectOptions{Method: tc.method, PIN: tc.given, HasGOIntent: true, GOIntent: tc.intent})
					done <- result{id, err}
				}()
				switch {
				case tc.given != "":
					pin <- tc.given
				case tc.method == api.MethodPINDisplay:
					ev := w.waitEvent(time.Second, func(ev api.Event) bool {
						r, ok := ev.(api.AgentRequest)
						return ok && r.Kind == api.AgentDisplayPIN
					})
					shown := ev.(api.AgentRequest).PIN
					if err := wsc.ValidatePIN(shown); err != nil || len(shown) != 8 {
						t.Errorf("displayed PIN %q: %v", shown, err)
					}
					pin <- shown
				default:
					ev := w.waitEvent(time.Second, func(ev api.Event) bool {
						r, ok := ev.(api.AgentRequest)
						return ok && r.Kind == api.AgentRequestPIN
					})
					ev.(api.AgentRequest).Respond(api.AgentResponse{Accepted: true, PIN: "87654325"})
					pin <- "87654325"
				}
				r := <-done
				if r.err != nil {
					t.Fatalf("Connect: %v", r.err)
				}
				w.waitEvent(time.Second, func(ev api.Event) bool {
					g, ok := ev.(api.GroupUpdated)
					return ok && g.Info.ID == r.id && len(g.Info.Members) == 1
				})
			})
		})
	}
}

func TestConnectWithAWrongPINIsIncorrectPIN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.peer.Authorize(ctx, p2p.MAC(w.addr), p2p.ConnectParams{Method: p2p.MethodKeypad}); err != nil {
			t.Fatal(err)
		}
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		pin := make(chan string, 1)
		pin <- "11111115" // the peer's user typed another PIN
		w.peerGroupWith(p2p.MethodKeypad, pin)
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
			t.Fatal(err)
		}
		p := w.waitPeerNamed("sim-tv")
		_, err := w.dev.Connect(ctx, p.Address, api.ConnectOptions{Method: api.MethodPINDisplay, PIN: "12345670", HasGOIntent: true, GOIntent: 15})
		if !errors.Is(err, api.ErrIncorrectPIN) {
			t.Fatalf("Connect: %v, want ErrIncorrectPIN", err)
		}
	})
}

func TestGeneratedPINsHaveAValidChecksum(t *testing.T) {
	r := detReader{rand.New(rand.NewPCG(3, 4))}
	for range 100 {
		pin, err := generatePIN(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := wsc.ValidatePIN(pin); err != nil || len(pin) != 8 {
			t.Fatalf("generatePIN = %q: %v", pin, err)
		}
	}
}

func TestConnectToAnUnknownPeerIsNotFound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		_, err := w.dev.Connect(context.Background(), api.MAC{2, 9, 9, 9, 9, 9}, api.ConnectOptions{})
		if !errors.Is(err, api.ErrNotFound) {
			t.Fatalf("Connect: %v, want ErrNotFound", err)
		}
	})
}

func TestConnectToAPeerThatLeftIsUnreachable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
			t.Fatal(err)
		}
		p := w.waitPeerNamed("sim-tv")
		if err := w.peer.StopListen(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := w.dev.Connect(ctx, p.Address, api.ConnectOptions{Method: api.MethodPBC})
		if !errors.Is(err, api.ErrPeerUnreachable) {
			t.Fatalf("Connect: %v, want ErrPeerUnreachable", err)
		}
	})
}

func TestGroupOperationsOnAnUnknownGroupAreNotFound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.dev.LeaveGroup(ctx, 1); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("LeaveGroup of an unknown group: %v, want ErrNotFound", err)
		}
		if err := w.dev.AllowJoin(ctx, 1, api.JoinOptions{}); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("AllowJoin on an unknown group: %v, want ErrNotFound", err)
		}
	})
}

func TestCreateGroupStartsAGOThatAClientJoinsAfterAllowJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		id, err := w.dev.CreateGroup(ctx, api.GroupOptions{})
		if err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		ev := w.waitEvent(time.Second, func(ev api.Event) bool {
			g, ok := ev.(api.GroupUpdated)
			return ok && g.Info.ID == id
		})
		info := ev.(api.GroupUpdated).Info
		if info.Role != api.RoleGO || info.Frequency != 2437 || info.GroupOwner != w.addr || len(info.Members) != 0 ||
			len(info.LocalAddresses) != 1 || info.LocalAddresses[0].String() != "192.168.49.1/24" {
			t.Errorf("GroupUpdated %+v; want an empty GO group on 2437 MHz at 192.168.49.1/24", info)
		}
		if err := w.dev.AllowJoin(ctx, id, api.JoinOptions{Method: api.MethodPBC}); err != nil {
			t.Fatalf("AllowJoin: %v", err)
		}
		c, err := group.StartClient(ctx, w.them, group.ClientConfig{
			Device:          group.Device{Address: w.peer.Address(), Name: "sim-tv"},
			GODeviceAddress: p2p.MAC(w.addr), GOInterfaceAddress: p2p.MAC(info.BSSID),
			Freq: int(info.Frequency), SSID: info.SSID,
			WPS: &group.WPS{PasswordID: wsc.PasswordPushButton},
		})
		if err != nil {
			t.Fatal(err)
		}
		joined := make(chan struct{})
		go func() {
			defer close(joined)
			for n := range c.Notifications() {
				if _, ok := n.(group.GroupStarted); ok {
					return
				}
			}
		}()
		t.Cleanup(func() {
			_ = c.Leave(context.Background())
			for range c.Notifications() {
			}
		})
		ev = w.waitEvent(time.Minute, func(ev api.Event) bool {
			g, ok := ev.(api.GroupUpdated)
			return ok && g.Info.ID == id && len(g.Info.Members) == 1
		})
		<-joined
		info = ev.(api.GroupUpdated).Info
		if info.Members[0] != api.MAC(w.peer.Address()) || !info.MemberAddresses[info.Members[0]].IsValid() {
			t.Errorf("members %v with addresses %v; want the peer with an address", info.Members, info.MemberAddresses)
		}
		if err := w.dev.LeaveGroup(ctx, id); err != nil {
			t.Fatalf("LeaveGroup: %v", err)
		}
		w.waitEvent(time.Second, func(ev api.Event) bool {
			r, ok := ev.(api.GroupRemoved)
			return ok && r.ID == id
		})
	})
}

func TestAllowJoinOnAGroupWhereWeAreClientIsNotSupported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.peer.Authorize(ctx, p2p.MAC(w.addr), p2p.ConnectParams{Method: p2p.MethodPBC}); err != nil {
			t.Fatal(err)
		}
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		w.peerGroup()
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
			t.Fatal(err)
		}
		p := w.waitPeerNamed("sim-tv")
		id, err := w.dev.Connect(ctx, p.Address, api.ConnectOptions{Method: api.MethodPBC, HasGOIntent: true})
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if err := w.dev.AllowJoin(ctx, id, api.JoinOptions{}); !errors.Is(err, api.ErrNotSupported) {
			t.Errorf("AllowJoin as client: %v, want ErrNotSupported", err)
		}
	})
}

func TestGroupFrequencyFollowsTheOptions(t *testing.T) {
	usable := []uint32{2412, 2437, 2462, 5180, 5200}
	for _, tc := range []struct {
		name string
		o    api.GroupOptions
		want int
		err  error
	}{
		{"default is channel 6", api.GroupOptions{}, 2437, nil},
		{"the frequency asked", api.GroupOptions{Frequency: 5200}, 5200, nil},
		{"the first of the band asked", api.GroupOptions{Band: api.Band5GHz}, 5180, nil},
		{"an unusable frequency is refused", api.GroupOptions{Frequency: 2484}, 0, api.ErrInvalidArguments},
		{"a band without channels has no channel", api.GroupOptions{Band: api.Band6GHz}, 0, api.ErrNoCommonChannel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := groupFrequency(usable, tc.o)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("groupFrequency = %d, %v; want %d, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestGroupErrNamesFormationFailures(t *testing.T) {
	for _, tc := range []struct {
		in   error
		ce   wsc.ConfigError
		want error
	}{
		{group.ErrProvisioning, wsc.ConfigErrDevicePasswordAuthFailure, api.ErrIncorrectPIN},
		{group.ErrProvisioning, 0, api.ErrFailed},
		{group.ErrFormationTimeout, 0, api.ErrTimeout},
		{group.ErrGONotFound, 0, api.ErrPeerUnreachable},
		{group.ErrHandshake, 0, api.ErrFailed},
	} {
		if got := groupErr(tc.in, tc.ce); !errors.Is(got, tc.want) {
			t.Errorf("groupErr(%v, %d) = %v, want %v", tc.in, tc.ce, got, tc.want)
		}
	}
}

func TestMapErrNamesCoreErrors(t *testing.T) {
	for _, tc := range []struct {
		in   error
		want error
	}{
		{p2p.ErrNoResponse, api.ErrPeerUnreachable},
		{p2p.ErrNoCommonChannel, api.ErrNoCommonChannel},
		{&p2p.StatusError{Status: 1, Remote: true}, api.ErrRejected},
		{&p2p.StatusError{Status: 7, Remote: true}, api.ErrNoCommonChannel},
		{p2p.ErrBusy, api.ErrBusy},
		{p2p.ErrUnknownPeer, api.ErrNotFound},
		{context.Canceled, context.Canceled},
	} {
		if got := mapErr(tc.in); !errors.Is(got, tc.want) {
			t.Errorf("mapErr(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestPinnedDiscoveryRunsWithoutClientsAndSurvivesStopDiscovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorldWith(t, Config{Name: "us", Options: detOptions(1), Discover: &api.DiscoveryOptions{Type: api.DiscoverSocial}})
		ctx := context.Background()
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		w.waitPeerNamed("sim-tv")
	})
}

func TestARadioThatGoesAwayRemovesItsDevice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		if err := w.m.RemovePhy(w.us); err != nil {
			t.Fatal(err)
		}
		w.waitEvent(10*time.Second, func(ev api.Event) bool {
			r, ok := ev.(api.DeviceRemoved)
			return ok && r.ID == w.id
		})
		err := w.dev.StartDiscovery(context.Background(), api.DiscoveryOptions{})
		if !errors.Is(err, api.ErrNotFound) {
			t.Errorf("StartDiscovery on a removed device: %v, want ErrNotFound", err)
		}
	})
}

func TestDeviceSettingsAreReportedAsDeviceChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		changed := func(what string, ok func(api.DeviceInfo) bool) {
			t.Helper()
			w.waitEvent(time.Second, func(ev api.Event) bool {
				c, isChange := ev.(api.DeviceChanged)
				return isChange && ok(c.Info)
			})
		}
		if err := w.dev.SetName(ctx, "living room"); err != nil {
			t.Fatal(err)
		}
		changed("name", func(i api.DeviceInfo) bool { return i.Name == "living room" })
		if err := w.dev.SetGOIntent(ctx, 15); err != nil {
			t.Fatal(err)
		}
		changed("GO intent", func(i api.DeviceInfo) bool { return i.GOIntent == 15 })
		if err := w.dev.StartListen(ctx, api.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		changed("listening", func(i api.DeviceInfo) bool { return i.Listening })
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); err != nil {
			t.Fatal(err)
		}
		changed("discovering", func(i api.DeviceInfo) bool { return i.Discovering && !i.Listening })
		if err := w.dev.SetEnabled(ctx, false); err != nil {
			t.Fatal(err)
		}
		changed("disabled", func(i api.DeviceInfo) bool {
			return !i.Enabled && !i.Discovering && !i.Listening && i.Availability == api.Disabled
		})
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); !errors.Is(err, api.ErrNotReady) {
			t.Errorf("StartDiscovery while disabled: %v, want ErrNotReady", err)
		}
		if err := w.dev.SetEnabled(ctx, true); err != nil {
			t.Fatal(err)
		}
		// Both wishes survived: discovery (which includes listening) resumes.
		changed("re-enabled", func(i api.DeviceInfo) bool { return i.Enabled && i.Discovering })
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		changed("back to listen", func(i api.DeviceInfo) bool { return !i.Discovering && i.Listening })
	})
}
