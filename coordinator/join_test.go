package coordinator

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// peerFinds lets the bare peer core search until it knows us.
func (w *world) peerFinds(ctx context.Context) p2p.Peer {
	w.t.Helper()
	if err := w.peer.Find(ctx, p2p.FindOptions{Type: p2p.FindSocial}); err != nil {
		w.t.Fatal(err)
	}
	defer func() { _ = w.peer.StopFind(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if p, err := w.peer.Peer(ctx, p2p.MAC(w.addr)); err == nil && p.Complete {
			return p
		}
		if time.Now().After(deadline) {
			w.t.Fatal("the simulated peer did not discover us")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// awaitAgent returns the next AgentRequest of kind.
func (w *world) awaitAgent(kind api.AgentRequestKind) api.AgentRequest {
	w.t.Helper()
	ev := w.waitEvent(30*time.Second, func(ev api.Event) bool {
		r, ok := ev.(api.AgentRequest)
		return ok && r.Kind == kind
	})
	return ev.(api.AgentRequest)
}

func TestAPeerProvisioningWithOurGOIsAJoinRequestThatOpensTheRegistrarOnceAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		id, err := w.dev.CreateGroup(ctx, api.GroupOptions{})
		if err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		info := w.waitEvent(time.Second, func(ev api.Event) bool {
			g, ok := ev.(api.GroupUpdated)
			return ok && g.Info.ID == id
		}).(api.GroupUpdated).Info
		us := w.peerFinds(ctx)
		if !us.GroupOwner || us.OperatingFreq != int(info.Frequency) {
			t.Errorf("the peer sees us as %+v; want a GO on %d MHz", us, info.Frequency)
		}
		pd := make(chan p2p.ProvisionResult, 1)
		go func() {
			r, err := w.peer.ProvisionDiscovery(ctx, p2p.MAC(w.addr), p2p.MethodPBC)
			if err != nil {
				t.Errorf("the peer's Provision Discovery: %v", err)
			}
			pd <- r
		}()
		req := w.awaitAgent(api.AgentAuthorize)
		if req.Request != api.RequestJoin || req.Peer != api.MAC(w.peer.Address()) || req.Method != api.MethodPBC {
			t.Errorf("agent request %+v; want a push button join from the peer", req)
		}
		req.Respond(api.AgentResponse{Accepted: true})
		if r := <-pd; !r.Accepted {
			t.Fatalf("Provision Discovery answered %+v", r)
		}
		c, err := group.StartClient(ctx, w.them, group.ClientConfig{
			Device:          group.Device{Address: w.peer.Address(), Name: "sim-tv"},
			GODeviceAddress: p2p.MAC(w.addr), Freq: us.OperatingFreq, SSID: []byte(us.GroupSSID),
			WPS: &group.WPS{PasswordID: wsc.PasswordPushButton},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = c.Leave(context.Background())
			for range c.Notifications() {
			}
		})
		w.waitEvent(time.Minute, func(ev api.Event) bool {
			g, ok := ev.(api.GroupUpdated)
			return ok && g.Info.ID == id && len(g.Info.Members) == 1 && g.Info.Members[0] == api.MAC(w.peer.Address())
		})
	})
}

func TestConnectWithJoinProvisionsWithTheGOAndJoinsItsGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		gs, err := group.StartGO(ctx, w.them, group.GOConfig{
			Device: group.Device{Address: w.peer.Address(), Name: "sim-tv"}, Freq: 2437, InterfaceAddress: w.peer.InterfaceAddress(),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = gs.Stop(context.Background())
			for range gs.Notifications() {
			}
		})
		// The peer's user presses the button when its core reports our
		// Provision Discovery Request.
		go func() {
			for n := range w.peer.Notifications() {
				if r, ok := n.(p2p.ProvisionDiscoveryRequest); ok && r.Method == p2p.MethodPBC {
					_ = gs.AllowJoin(ctx, group.WPS{PasswordID: wsc.PasswordPushButton}, r.Peer, 0)
				}
			}
		}()
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); err != nil {
			t.Fatal(err)
		}
		peer := w.waitPeerNamed("sim-tv")
		id, err := w.dev.Connect(ctx, peer.Address, api.ConnectOptions{Method: api.MethodPBC, Join: true})
		if err != nil {
			t.Fatalf("Connect with join: %v", err)
		}
		info := w.waitEvent(time.Second, func(ev api.Event) bool {
			g, ok := ev.(api.GroupUpdated)
			return ok && g.Info.ID == id
		}).(api.GroupUpdated).Info
		if info.Role != api.RoleClient || info.GroupOwner != peer.Address || info.BSSID != api.MAC(gs.Interface().Addr) ||
			len(info.LocalAddresses) != 1 || info.GroupOwnerAddress.String() != "192.168.49.1" {
			t.Errorf("joined group %+v; want a client of the peer's GO with an address", info)
		}
	})
}

func TestIncomingNegotiationWithAPINAsksTheAgentForThePINTheInitiatorShows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		const pin = "12345670"
		pins := make(chan string, 1)
		pins <- pin
		w.peerGroupWith(p2p.MethodDisplay, pins)
		if err := w.dev.StartListen(ctx, api.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		w.peerFinds(ctx)
		negDone := make(chan error, 1)
		go func() {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			_, err := w.peerConnect(cctx, p2p.ConnectParams{Method: p2p.MethodDisplay})
			negDone <- err
		}()
		req := w.awaitAgent(api.AgentAuthorize)
		if req.Request != api.RequestNegotiation || req.Method != api.MethodPINKeypad {
			t.Errorf("agent request %+v; want a negotiation where we type the PIN", req)
		}
		req.Respond(api.AgentResponse{Accepted: true})
		ask := w.awaitAgent(api.AgentRequestPIN)
		ask.Respond(api.AgentResponse{Accepted: true, PIN: pin})
		if err := <-negDone; err != nil {
			t.Errorf("the peer's GO Negotiation: %v", err)
		}
		info := w.waitEvent(time.Minute, func(ev api.Event) bool {
			_, ok := ev.(api.GroupUpdated)
			return ok
		}).(api.GroupUpdated).Info
		if len(info.Members) != 1 || info.Members[0] != api.MAC(w.peer.Address()) {
			t.Errorf("group %+v; want the peer as member", info)
		}
	})
}
