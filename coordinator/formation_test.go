package coordinator

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

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
