package coordinator

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/dbusapi"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
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
	dev  dbusapi.Device
	id   dbusapi.DeviceID
	addr dbusapi.MAC
	peer *p2p.Device

	mu     sync.Mutex
	events []dbusapi.Event
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
	go func() {
		for range peer.Notifications() {
		}
	}()
	w := &world{t: t, m: m, us: us, c: c, peer: peer, kick: make(chan struct{}, 1)}
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
	added, ok := initial[0].(dbusapi.DeviceAdded)
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
func (w *world) waitEvent(d time.Duration, match func(dbusapi.Event) bool) dbusapi.Event {
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

func (w *world) waitPeerNamed(name string) dbusapi.PeerInfo {
	w.t.Helper()
	ev := w.waitEvent(30*time.Second, func(ev dbusapi.Event) bool {
		p, ok := ev.(dbusapi.PeerUpdated)
		return ok && p.Info.Name == name
	})
	return ev.(dbusapi.PeerUpdated).Info
}

func TestDiscoveryReportsTheListeningPeerWithItsName(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.dev.StartDiscovery(ctx, dbusapi.DiscoveryOptions{Type: dbusapi.DiscoverSocial}); err != nil {
			t.Fatal(err)
		}
		w.waitEvent(time.Second, func(ev dbusapi.Event) bool {
			c, ok := ev.(dbusapi.DeviceChanged)
			return ok && c.Info.Discovering
		})
		p := w.waitPeerNamed("sim-tv")
		if p.Address != dbusapi.MAC(w.peer.Address()) {
			t.Errorf("peer address %v, want %v", p.Address, w.peer.Address())
		}
		if p.ConfigMethods == 0 || p.PrimaryDeviceType.Category != 1 || p.Signal != -50 {
			t.Errorf("peer info incomplete: %+v", p)
		}
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		w.waitEvent(time.Second, func(ev dbusapi.Event) bool {
			c, ok := ev.(dbusapi.DeviceChanged)
			return ok && !c.Info.Discovering
		})
	})
}

func TestDiscoveryStaysOnUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.dev.StartDiscovery(ctx, dbusapi.DiscoveryOptions{}); err != nil {
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

func TestIncomingNegotiationAsksTheAgentAndSucceedsOnceAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.dev.StartListen(ctx, dbusapi.ListenOptions{}); err != nil {
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
			_, err := w.peer.Connect(connectCtx, p2p.MAC(w.addr), p2p.ConnectParams{Method: p2p.MethodPBC})
			negDone <- err
		}()
		ev := w.waitEvent(10*time.Second, func(ev dbusapi.Event) bool {
			_, ok := ev.(dbusapi.AgentRequest)
			return ok
		})
		req := ev.(dbusapi.AgentRequest)
		if req.Kind != dbusapi.AgentAuthorize || req.Request != dbusapi.RequestNegotiation ||
			req.Peer != dbusapi.MAC(w.peer.Address()) || req.Method != dbusapi.MethodPBC || req.Device != w.id {
			t.Errorf("agent request %+v; want authorize negotiation from %v with pbc", req, w.peer.Address())
		}
		req.Respond(dbusapi.AgentResponse{Accepted: true})
		if err := <-negDone; err != nil {
			t.Errorf("the peer's GO Negotiation after the agent accepted: %v", err)
		}
	})
}

func TestConnectRunsTheNegotiationAndSaysGroupsAreNotImplemented(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.peer.Authorize(ctx, p2p.MAC(w.addr), p2p.ConnectParams{Method: p2p.MethodPBC}); err != nil {
			t.Fatal(err)
		}
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.dev.StartDiscovery(ctx, dbusapi.DiscoveryOptions{Type: dbusapi.DiscoverSocial}); err != nil {
			t.Fatal(err)
		}
		p := w.waitPeerNamed("sim-tv")
		_, err := w.dev.Connect(ctx, p.Address, dbusapi.ConnectOptions{Method: dbusapi.MethodPBC})
		if !errors.Is(err, dbusapi.ErrNotSupported) {
			t.Fatalf("Connect: %v, want ErrNotSupported after a successful negotiation", err)
		}
		t.Logf("Connect: %v", err)
	})
}

func TestConnectToAnUnknownPeerIsNotFound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		_, err := w.dev.Connect(context.Background(), dbusapi.MAC{2, 9, 9, 9, 9, 9}, dbusapi.ConnectOptions{})
		if !errors.Is(err, dbusapi.ErrNotFound) {
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
		if err := w.dev.StartDiscovery(ctx, dbusapi.DiscoveryOptions{Type: dbusapi.DiscoverSocial}); err != nil {
			t.Fatal(err)
		}
		p := w.waitPeerNamed("sim-tv")
		if err := w.peer.StopListen(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := w.dev.Connect(ctx, p.Address, dbusapi.ConnectOptions{Method: dbusapi.MethodPBC})
		if !errors.Is(err, dbusapi.ErrPeerUnreachable) {
			t.Fatalf("Connect: %v, want ErrPeerUnreachable", err)
		}
	})
}

func TestGroupOperationsAreNotSupportedYet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if _, err := w.dev.CreateGroup(ctx, dbusapi.GroupOptions{}); !errors.Is(err, dbusapi.ErrNotSupported) {
			t.Errorf("CreateGroup: %v", err)
		}
		if err := w.dev.LeaveGroup(ctx, 1); !errors.Is(err, dbusapi.ErrNotSupported) {
			t.Errorf("LeaveGroup: %v", err)
		}
		if err := w.dev.AllowJoin(ctx, 1, dbusapi.JoinOptions{}); !errors.Is(err, dbusapi.ErrNotSupported) {
			t.Errorf("AllowJoin: %v", err)
		}
	})
}

func TestMapErrNamesCoreErrors(t *testing.T) {
	for _, tc := range []struct {
		in   error
		want error
	}{
		{p2p.ErrNoResponse, dbusapi.ErrPeerUnreachable},
		{p2p.ErrNoCommonChannel, dbusapi.ErrNoCommonChannel},
		{&p2p.StatusError{Status: 1, Remote: true}, dbusapi.ErrRejected},
		{&p2p.StatusError{Status: 7, Remote: true}, dbusapi.ErrNoCommonChannel},
		{p2p.ErrBusy, dbusapi.ErrBusy},
		{p2p.ErrUnknownPeer, dbusapi.ErrNotFound},
		{context.Canceled, context.Canceled},
	} {
		if got := mapErr(tc.in); !errors.Is(got, tc.want) {
			t.Errorf("mapErr(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestPinnedDiscoveryRunsWithoutClientsAndSurvivesStopDiscovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorldWith(t, Config{Name: "us", Options: detOptions(1), Discover: &dbusapi.DiscoveryOptions{Type: dbusapi.DiscoverSocial}})
		ctx := context.Background()
		if err := w.dev.StartDiscovery(ctx, dbusapi.DiscoveryOptions{}); err != nil {
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
		w.waitEvent(10*time.Second, func(ev dbusapi.Event) bool {
			r, ok := ev.(dbusapi.DeviceRemoved)
			return ok && r.ID == w.id
		})
		err := w.dev.StartDiscovery(context.Background(), dbusapi.DiscoveryOptions{})
		if !errors.Is(err, dbusapi.ErrNotFound) {
			t.Errorf("StartDiscovery on a removed device: %v, want ErrNotFound", err)
		}
	})
}

func TestDeviceSettingsAreReportedAsDeviceChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		changed := func(what string, ok func(dbusapi.DeviceInfo) bool) {
			t.Helper()
			w.waitEvent(time.Second, func(ev dbusapi.Event) bool {
				c, isChange := ev.(dbusapi.DeviceChanged)
				return isChange && ok(c.Info)
			})
		}
		if err := w.dev.SetName(ctx, "living room"); err != nil {
			t.Fatal(err)
		}
		changed("name", func(i dbusapi.DeviceInfo) bool { return i.Name == "living room" })
		if err := w.dev.SetGOIntent(ctx, 15); err != nil {
			t.Fatal(err)
		}
		changed("GO intent", func(i dbusapi.DeviceInfo) bool { return i.GOIntent == 15 })
		if err := w.dev.StartListen(ctx, dbusapi.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		changed("listening", func(i dbusapi.DeviceInfo) bool { return i.Listening })
		if err := w.dev.StartDiscovery(ctx, dbusapi.DiscoveryOptions{}); err != nil {
			t.Fatal(err)
		}
		changed("discovering", func(i dbusapi.DeviceInfo) bool { return i.Discovering && !i.Listening })
		if err := w.dev.SetEnabled(ctx, false); err != nil {
			t.Fatal(err)
		}
		changed("disabled", func(i dbusapi.DeviceInfo) bool {
			return !i.Enabled && !i.Discovering && !i.Listening && i.Availability == dbusapi.Disabled
		})
		if err := w.dev.StartDiscovery(ctx, dbusapi.DiscoveryOptions{}); !errors.Is(err, dbusapi.ErrNotReady) {
			t.Errorf("StartDiscovery while disabled: %v, want ErrNotReady", err)
		}
		if err := w.dev.SetEnabled(ctx, true); err != nil {
			t.Fatal(err)
		}
		// Both wishes survived: discovery (which includes listening) resumes.
		changed("re-enabled", func(i dbusapi.DeviceInfo) bool { return i.Enabled && i.Discovering })
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		changed("back to listen", func(i dbusapi.DeviceInfo) bool { return !i.Discovering && i.Listening })
	})
}
