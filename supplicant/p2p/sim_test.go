package p2p

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
)

func TestSimTwoSearchingDevicesFindEachOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		ctx := context.Background()
		for _, n := range []*simNode{a, b} {
			if err := n.dev.Find(ctx, FindOptions{Type: FindSocial}); err != nil {
				t.Fatal(err)
			}
		}
		pa, ok := a.found(30*time.Second, b)
		if !ok {
			t.Fatal("alpha did not find bravo")
		}
		pb, ok := b.found(30*time.Second, a)
		if !ok {
			t.Fatal("bravo did not find alpha")
		}
		if pa.Name != "bravo" || pb.Name != "alpha" {
			t.Errorf("names %q, %q", pa.Name, pb.Name)
		}
		if pa.ListenFreq != 2437 {
			t.Errorf("listen freq %d", pa.ListenFreq)
		}
	})
}

// findEachOther starts Find on every node and waits until each found the
// others.
func findEachOther(t *testing.T, nodes ...*simNode) {
	t.Helper()
	for _, n := range nodes {
		if err := n.dev.Find(context.Background(), FindOptions{Type: FindSocial}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		for _, p := range nodes {
			if n != p {
				if _, ok := n.found(60*time.Second, p); !ok {
					t.Fatalf("%v did not find %v", n, p)
				}
			}
		}
	}
}

func TestSimNegotiationWithAuthorizedPeer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		findEachOther(t, a, b)
		ctx := context.Background()
		if err := b.dev.Authorize(ctx, a.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(0)}); err != nil {
			t.Fatal(err)
		}
		res, err := a.dev.Connect(ctx, b.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(15)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Role != p2pmsg.RoleGO {
			t.Errorf("role %v", res.Role)
		}
		n, ok := b.wait(5*time.Second, func(n Notification) bool { _, ok := n.(NegotiationSucceeded); return ok })
		if !ok {
			t.Fatal("bravo did not report success")
		}
		rb := n.(NegotiationSucceeded).Result
		if rb.Role != p2pmsg.RoleClient || rb.SSID != res.SSID || rb.Freq != res.Freq {
			t.Errorf("alpha %+v\nbravo %+v", res, rb)
		}
		t.Logf("%v on %d MHz SSID %q in %v", res.Role, res.Freq, res.SSID, res.Done.Sub(res.Started))
	})
}

func TestSimNegotiationLaterReRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		findEachOther(t, a, b)
		ctx := context.Background()
		type out struct {
			res NegotiationResult
			err error
		}
		ch := make(chan out, 1)
		go func() {
			res, err := a.dev.Connect(ctx, b.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(3)})
			ch <- out{res, err}
		}()
		n, ok := b.wait(10*time.Second, func(n Notification) bool { _, ok := n.(GONegotiationRequest); return ok })
		if !ok {
			t.Fatal("bravo was not asked")
		}
		req := n.(GONegotiationRequest)
		if req.Peer != a.dev.Address() || req.Method != MethodPBC || req.GOIntent != 3 {
			t.Errorf("request %+v", req)
		}
		time.Sleep(2 * time.Second) // the user thinks
		rb, err := b.dev.Connect(ctx, a.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(10)})
		if err != nil {
			t.Fatal(err)
		}
		ra := <-ch
		if ra.err != nil {
			t.Fatal(ra.err)
		}
		if rb.Role != p2pmsg.RoleGO || ra.res.Role != p2pmsg.RoleClient || !rb.Initiator || ra.res.Initiator || rb.SSID != ra.res.SSID {
			t.Errorf("alpha %+v\nbravo %+v", ra.res, rb)
		}
	})
}

func TestSimFiftyDevicesFindEachOther(t *testing.T) {
	if testing.Short() {
		t.Skip("long simulation")
	}
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		var nodes []*simNode
		for i := range 50 {
			nodes = append(nodes, s.add(fmt.Sprintf("dev-%02d", i), nil))
		}
		start := time.Now()
		findEachOther(t, nodes...)
		t.Logf("50 devices found each other in %v (virtual)", time.Since(start))
	})
}

func TestSimSearchingDeviceFindsListeningDevice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("searcher", nil)
		b := s.add("listener", func(c *Config) { c.ListenChannel = 11 })
		ctx := context.Background()
		if err := b.dev.Listen(ctx, ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := a.dev.Find(ctx, FindOptions{Type: FindFull}); err != nil {
			t.Fatal(err)
		}
		p, ok := a.found(10*time.Second, b)
		if !ok {
			t.Fatal("listener not found")
		}
		if p.Name != "listener" || p.ListenFreq != 2462 {
			t.Errorf("peer %+v", p)
		}
		// The listener learnt the searcher from its probe requests but
		// does not report it: it never saw its P2P Device Info.
		if _, ok := b.found(time.Second, a); ok {
			t.Error("listener reported the searcher from probe requests")
		}
		peers, err := b.dev.Peers(ctx)
		if err != nil || len(peers) != 1 || peers[0].Address != a.dev.Address() || peers[0].Complete {
			t.Errorf("listener's peers %+v, %v", peers, err)
		}
	})
}

func TestSimFindWithDeviceTypeFilter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		printer := DeviceType{Category: 3, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 1}
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("searcher", nil)
		prn := s.add("printer", func(c *Config) { c.SecondaryDeviceTypes = []DeviceType{printer} })
		pc := s.add("computer", nil)
		ctx := context.Background()
		for _, n := range []*simNode{prn, pc} {
			if err := n.dev.Listen(ctx, ListenOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.dev.Find(ctx, FindOptions{Type: FindSocial, DeviceTypes: []DeviceType{{Category: 3}}}); err != nil {
			t.Fatal(err)
		}
		if _, ok := a.found(10*time.Second, prn); !ok {
			t.Fatal("printer not found")
		}
		if _, ok := a.found(10*time.Second, pc); ok {
			t.Error("computer found by a search for printers")
		}
	})
}

func TestSimPeerThatLeavesExpiresAfter60s(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		findEachOther(t, a, b)
		gone := time.Now()
		if err := s.m.RemovePhy(b.phy); err != nil {
			t.Fatal(err)
		}
		<-b.dev.Done()
		n, ok := a.wait(2*time.Minute, func(n Notification) bool {
			l, ok := n.(PeerLost)
			return ok && l.Address == b.dev.Address()
		})
		if !ok {
			t.Fatal("bravo never lost")
		}
		after := time.Since(gone)
		if after < 55*time.Second || after > 61*time.Second || n.(PeerLost).Evicted {
			t.Errorf("lost %v after leaving: %+v", after, n)
		}
	})
}

func TestSimPeerTableBoundHoldsUnderAFloodOf1000Peers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("victim", nil)
		ctx := context.Background()
		if err := a.dev.Listen(ctx, ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		phy, err := s.m.AddPhy(simradio.PhyConfig{})
		if err != nil {
			t.Fatal(err)
		}
		flood, err := phy.NewInterface(ctx, radio.InterfaceConfig{Type: radio.IfStation})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for range flood.Events() {
			}
		}()
		if _, err := flood.RemainOnChannel(ctx, 2437, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		ies := peerProbeIEs(t, nil, nil)
		for i := range 1000 {
			f := probeRequest(t, macN(i), wildcardSSID, ies)
			if _, err := flood.SendFrame(ctx, radio.Tx{Frame: f, Freq: 2437, NoAck: true, OffChannel: true}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Second)
		peers, err := a.dev.Peers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(peers) != DefaultMaxPeers {
			t.Errorf("%d peers after 1000 distinct probers, want %d", len(peers), DefaultMaxPeers)
		}
		flood.Delete(ctx)
	})
}

// connectPair negotiates with a as initiator and b authorized.
func connectPair(t *testing.T, a, b *simNode, ia, ib int) (NegotiationResult, NegotiationResult, error, error) {
	t.Helper()
	ctx := context.Background()
	from := b.mark()
	if err := b.dev.Authorize(ctx, a.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(ib)}); err != nil {
		t.Fatal(err)
	}
	ra, erra := a.dev.Connect(ctx, b.dev.Address(), ConnectParams{Method: MethodPBC, GOIntent: new(ia)})
	// A responder that missed a confirmation reports a failure, then
	// succeeds when the initiator retries: its last word counts.
	if n, ok := b.waitFrom(from, 3*time.Second, func(n Notification) bool { _, ok := n.(NegotiationSucceeded); return ok }); ok {
		return ra, n.(NegotiationSucceeded).Result, erra, nil
	}
	n, ok := b.waitFrom(from, 0, func(n Notification) bool { _, ok := n.(NegotiationFailed); return ok })
	if !ok {
		t.Fatal("responder reported nothing")
	}
	return ra, NegotiationResult{}, erra, n.(NegotiationFailed).Err
}

func TestSimNegotiationRolesForRepresentativeIntents(t *testing.T) {
	tests := []struct {
		ia, ib int
		roleA  p2pmsg.Role
		both15 bool
	}{
		{15, 0, p2pmsg.RoleGO, false},
		{0, 15, p2pmsg.RoleClient, false},
		{7, 3, p2pmsg.RoleGO, false},
		{2, 9, p2pmsg.RoleClient, false},
		{7, 7, 0, false}, // the Tie breaker decides
		{15, 15, 0, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d", tt.ia, tt.ib), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSimNet(t, simradio.Options{})
				defer s.close()
				a := s.add("alpha", nil)
				b := s.add("bravo", nil)
				findEachOther(t, a, b)
				ra, rb, erra, errb := connectPair(t, a, b, tt.ia, tt.ib)
				if tt.both15 {
					var se *StatusError
					if !errors.Is(erra, ErrBothGOIntent15) || !errors.As(erra, &se) || !se.Remote || !errors.Is(errb, ErrBothGOIntent15) {
						t.Errorf("errors %v / %v", erra, errb)
					}
					return
				}
				if erra != nil || errb != nil {
					t.Fatalf("errors %v / %v", erra, errb)
				}
				if tt.roleA != 0 && ra.Role != tt.roleA {
					t.Errorf("initiator is %v", ra.Role)
				}
				if ra.Role == rb.Role || ra.SSID != rb.SSID || ra.Freq != rb.Freq || ra.GODeviceAddress != rb.GODeviceAddress {
					t.Errorf("results disagree:\n%+v\n%+v", ra, rb)
				}
			})
		})
	}
}

func TestSimNegotiationSucceedsDespiteFrameLoss(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		s.m.AddRule(simradio.Rule{Drop: 0.3})
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		findEachOther(t, a, b)
		lostConfirmations := 0
		for i := range 5 {
			start := time.Now()
			ra, rb, erra, errb := connectPair(t, a, b, 15, 0)
			if erra != nil {
				t.Fatalf("round %d: initiator: %v", i, erra)
			}
			if ra.Role != p2pmsg.RoleGO {
				t.Errorf("round %d: initiator is %v", i, ra.Role)
			}
			switch {
			case errors.Is(errb, ErrNoConfirmation):
				// Every copy of the confirmation was lost: the initiator
				// goes on (as hostap does), the responder cannot know.
				lostConfirmations++
			case errb != nil:
				t.Errorf("round %d: responder: %v", i, errb)
			case rb.Role != p2pmsg.RoleClient || rb.SSID != ra.SSID:
				t.Errorf("round %d: responder %+v", i, rb)
			}
			t.Logf("round %d: %v", i, time.Since(start))
			time.Sleep(time.Second) // let a responder that missed the confirmation give up
		}
		if lostConfirmations > 1 {
			t.Errorf("%d of 5 confirmations lost", lostConfirmations)
		}
	})
}

func TestSimNegotiationWithPeerGoneFailsWithNoResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		findEachOther(t, a, b)
		if err := s.m.RemovePhy(b.phy); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := a.dev.Connect(context.Background(), b.dev.Address(), ConnectParams{Method: MethodPBC})
		took := time.Since(start)
		if !errors.Is(err, ErrNoResponse) {
			t.Errorf("error %v", err)
		}
		if took > 2*time.Minute {
			t.Errorf("took %v", took)
		}
		t.Logf("failed after %v: %v", took, err)
		// The peer was in use: it did not expire during the attempts.
		if n, ok := a.wait(0, func(n Notification) bool { _, ok := n.(PeerLost); return ok }); ok && took < time.Minute {
			t.Errorf("peer lost during the negotiation: %+v", n)
		}
	})
}

func TestSimNegotiationCanceledByContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", nil)
		findEachOther(t, a, b)
		s.m.RemovePhy(b.phy)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := a.dev.Connect(ctx, b.dev.Address(), ConnectParams{Method: MethodPBC})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v", err)
		}
		// The device is free for the next one.
		time.Sleep(100 * time.Millisecond)
		c := s.add("charlie", nil)
		findEachOther(t, a, c)
		if _, _, erra, errc := connectPair(t, a, c, 15, 0); erra != nil || errc != nil {
			t.Errorf("next negotiation: %v / %v", erra, errc)
		}
	})
}

func TestSimProvisionDiscoveryBothWays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		b := s.add("bravo", func(c *Config) { c.ConfigMethods = ConfigPushButton | ConfigDisplay })
		findEachOther(t, a, b)
		ctx := context.Background()
		r, err := a.dev.ProvisionDiscovery(ctx, b.dev.Address(), MethodPBC)
		if err != nil || !r.Accepted || r.ConfigMethods != ConfigPushButton {
			t.Fatalf("a->b: %+v, %v", r, err)
		}
		n, ok := b.wait(time.Second, func(n Notification) bool { _, ok := n.(ProvisionDiscoveryRequest); return ok })
		if !ok || n.(ProvisionDiscoveryRequest).Peer != a.dev.Address() || n.(ProvisionDiscoveryRequest).Method != MethodPBC {
			t.Errorf("bravo's notification %+v", n)
		}
		// bravo displays a PIN: alpha is asked to enter it and has a keypad.
		r, err = b.dev.ProvisionDiscovery(ctx, a.dev.Address(), MethodDisplay)
		if err != nil || !r.Accepted {
			t.Fatalf("b->a: %+v, %v", r, err)
		}
		// alpha would display: bravo, asked to enter the PIN, has no keypad.
		r, err = a.dev.ProvisionDiscovery(ctx, b.dev.Address(), MethodDisplay)
		if err != nil || r.Accepted {
			t.Fatalf("a->b display: %+v, %v", r, err)
		}
	})
}

func TestSimDeviceOnPhyWithoutP2PDeviceUsesStationInterface(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSimNet(t, simradio.Options{})
		defer s.close()
		a := s.add("alpha", nil)
		phy, err := s.m.AddPhy(simradio.PhyConfig{
			SupportedIfTypes: radio.IfTypes(0).With(radio.IfStation, radio.IfAP),
			Combinations: []radio.IfCombination{{
				Limits:        []radio.IfLimit{{Max: 8, Types: radio.IfTypes(0).With(radio.IfStation, radio.IfAP)}},
				MaxInterfaces: 8, NumChannels: 1,
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		dev, err := NewDevice(context.Background(), phy, DefaultConfig("station"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		b := &simNode{t: t, phy: phy, dev: dev}
		b.cond = sync.NewCond(&b.mu)
		go b.record()
		s.nodes = append(s.nodes, b)
		if got := dev.Interface().Type; got != radio.IfStation {
			t.Errorf("interface type %v", got)
		}
		findEachOther(t, a, b)
		ra, rb, erra, errb := connectPair(t, b, a, 15, 0)
		if erra != nil || errb != nil || ra.Role != p2pmsg.RoleGO || rb.Role != p2pmsg.RoleClient {
			t.Errorf("negotiation %v / %v: %v / %v", erra, errb, ra.Role, rb.Role)
		}
	})
}
