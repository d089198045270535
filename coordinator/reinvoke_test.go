package coordinator

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
)

// node is a coordinator on a simulated medium whose events the test
// reads, answering every agent authorization with yes.
type node struct {
	t    *testing.T
	c    *Coordinator
	dev  api.Device
	addr api.MAC

	mu     sync.Mutex
	events []api.Event
	kick   chan struct{}
}

func newNode(t *testing.T, m *simradio.Medium, name string, seed uint64) *node {
	t.Helper()
	phy, err := m.AddPhy(simradio.PhyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(context.Background(), m.Backend(phy), Config{Name: name, Options: detOptions(seed)}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	initial, events, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	added := initial[0].(api.DeviceAdded)
	n := &node{t: t, c: c, dev: added.Device, addr: added.Info.Address, kick: make(chan struct{}, 1)}
	go func() {
		for ev := range events {
			if r, ok := ev.(api.AgentRequest); ok && r.Kind == api.AgentAuthorize {
				r.Respond(api.AgentResponse{Accepted: true})
			}
			n.mu.Lock()
			n.events = append(n.events, ev)
			n.mu.Unlock()
			select {
			case n.kick <- struct{}{}:
			default:
			}
		}
	}()
	return n
}

// wait returns the first event from index from on that matches.
func (n *node) wait(from int, d time.Duration, match func(api.Event) bool) api.Event {
	n.t.Helper()
	timeout := time.After(d)
	for i := from; ; {
		n.mu.Lock()
		for ; i < len(n.events); i++ {
			if match(n.events[i]) {
				ev := n.events[i]
				n.mu.Unlock()
				return ev
			}
		}
		n.mu.Unlock()
		select {
		case <-n.kick:
		case <-timeout:
			n.t.Fatalf("no matching event within %v", d)
		}
	}
}

func (n *node) mark() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.events)
}

func (n *node) count(from int, match func(api.Event) bool) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := 0
	for _, ev := range n.events[from:] {
		if match(ev) {
			k++
		}
	}
	return k
}

func isAgentRequest(ev api.Event) bool { _, ok := ev.(api.AgentRequest); return ok }

func TestAPersistentGroupIsReinvokedWithoutNegotiationOrAgent(t *testing.T) {
	for _, weAreGO := range []bool{true, false} {
		t.Run(map[bool]string{true: "we are GO", false: "we are client"}[weAreGO], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := simradio.NewMedium(simradio.Options{})
				t.Cleanup(m.Close)
				a, b := newNode(t, m, "alice", 1), newNode(t, m, "bob", 2)
				ctx := context.Background()
				for _, n := range []*node{a, b} {
					if err := n.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); err != nil {
						t.Fatal(err)
					}
				}
				a.wait(0, 30*time.Second, func(ev api.Event) bool {
					p, ok := ev.(api.PeerUpdated)
					return ok && p.Info.Address == b.addr
				})
				intent := map[bool]uint8{true: 15, false: 0}[weAreGO]
				opts := api.ConnectOptions{Method: api.MethodPBC, GOIntent: intent, HasGOIntent: true, Persistent: true}
				id, err := a.dev.Connect(ctx, b.addr, opts)
				if err != nil {
					t.Fatalf("first Connect: %v", err)
				}
				first := a.wait(0, time.Second, func(ev api.Event) bool {
					g, ok := ev.(api.GroupUpdated)
					return ok && g.Info.ID == id
				}).(api.GroupUpdated).Info
				if !first.Persistent || (first.Role == api.RoleGO) != weAreGO {
					t.Fatalf("first group %+v; want a persistent group, GO %v", first, weAreGO)
				}
				bGroup := b.wait(0, time.Minute, func(ev api.Event) bool { _, ok := ev.(api.GroupUpdated); return ok }).(api.GroupUpdated).Info
				if err := a.dev.LeaveGroup(ctx, id); err != nil {
					t.Fatal(err)
				}
				if err := b.dev.LeaveGroup(ctx, bGroup.ID); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Second)

				fromA, fromB := a.mark(), b.mark()
				id, err = a.dev.Connect(ctx, b.addr, opts)
				if err != nil {
					t.Fatalf("second Connect (re-invocation): %v", err)
				}
				again := a.wait(fromA, time.Second, func(ev api.Event) bool {
					g, ok := ev.(api.GroupUpdated)
					return ok && g.Info.ID == id
				}).(api.GroupUpdated).Info
				if string(again.SSID) != string(first.SSID) || again.Role != first.Role || !again.Persistent || len(again.LocalAddresses) != 1 {
					t.Errorf("re-invoked group %+v; want the first one's SSID %q and role %v, with an address", again, first.SSID, first.Role)
				}
				b.wait(fromB, time.Minute, func(ev api.Event) bool {
					g, ok := ev.(api.GroupUpdated)
					return ok && string(g.Info.SSID) == string(first.SSID) && len(g.Info.Members) == 1
				})
				if n := b.count(fromB, isAgentRequest); n != 0 {
					t.Errorf("the invited peer asked its agent %d times; a stored persistent group needs no question", n)
				}
			})
		})
	}
}
