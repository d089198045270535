package coordinator

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
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
