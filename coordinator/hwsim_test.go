package coordinator

// End-to-end group formation on the real kernel: our coordinator on the
// radio of wlan0 (nl80211, default namespace) against wpa_supplicant 2.10
// on wlan1's radio in a namespace of its own (and against a second
// coordinator on wlan2's), so that every ping crosses the simulated air.
// They run in the hwsim VM with three radios (scripts/vm-tests.sh, or by
// hand from the checkout:
//
//	go test -c -o coordinator/.coord.test ./coordinator && cd coordinator &&
//	P2P_HWSIM=1 /work/shared/hwsim/vm-run --radios 3 --timeout 1200 --mem 2048 -- ./.coord.test -test.v -test.run Hwsim
//
// ). P2P_HWSIM_BENCH=1 adds the connect benchmark; P2P_COORD_LOG=1 shows
// the coordinator's log, P2P_WPAS_DEBUG=1 wpa_supplicant's (on failure),
// P2P_TRACE=1 every event as it comes.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/internal/hwsimtest"
)

// formTimeout bounds a whole group formation (negotiation, WPS, 4-way
// handshake) under emulation.
const formTimeout = 3 * time.Minute

const testPIN = "12345670"

// weConnect authorizes wpa_supplicant with authCmd (the part after
// "P2P_CONNECT <our address>"), makes it listen and connects to it with o;
// it returns our group and wpa_supplicant's P2P-GROUP-STARTED.
func (p *hwPair) weConnect(t *testing.T, authCmd string, o api.ConnectOptions) (api.GroupID, hwsimtest.GroupStarted, hwsimtest.Event) {
	t.Helper()
	p.us.stopDiscovery(t)
	from := p.w.Mark()
	p.w.P2P(t, "P2P_CONNECT %v %s", p.us.addr, authCmd)
	p.w.OK(t, "IFNAME=%s P2P_LISTEN", p.w.P2PDevice())
	start := time.Now()
	nfrom := p.us.mark()
	id, err := p.us.dev.Connect(opCtx(t, formTimeout), p.them, o)
	if err != nil {
		t.Fatalf("Connect: %v\nour events:\n%swpa_supplicant's events:\n%s", err, p.us.summary(nfrom), eventList(p.w, from))
	}
	gs, ev := wpasGroupStarted(t, p.w, from, hwsimtest.OpTimeout)
	t.Logf("group %d formed in %v (Connect to our group up); wpa_supplicant: %s", id, time.Since(start).Round(time.Millisecond), ev.Text)
	return id, gs, ev
}

// Scenario 1.
func TestHwsimConnectPushButtonWeAreGO(t *testing.T) {
	p := newHwPair(t, "p2pmanager-go")
	p.discover(t)
	id, gs, ev := p.weConnect(t, "pbc auth go_intent=0", api.ConnectOptions{Method: api.MethodPBC, GOIntent: 15, HasGOIntent: true})
	p.checkGroupWithWpas(t, id, gs, ev)
	p.us.leave(t, id)
}

// Scenario 2.
func TestHwsimConnectPushButtonWeAreClient(t *testing.T) {
	p := newHwPair(t, "p2pmanager-cli")
	p.discover(t)
	id, gs, ev := p.weConnect(t, "pbc auth go_intent=15", api.ConnectOptions{Method: api.MethodPBC, GOIntent: 0, HasGOIntent: true})
	p.checkGroupWithWpas(t, id, gs, ev)
	p.us.leave(t, id)
}

// Scenario 3.
func TestHwsimWpaSupplicantConnectsAndOurAgentAccepts(t *testing.T) {
	p := newHwPair(t, "p2pmanager-acc")
	p.discover(t)
	p.us.stopDiscovery(t)
	if err := p.us.dev.StartListen(opCtx(t, hwsimtest.OpTimeout), api.ListenOptions{}); err != nil {
		t.Fatalf("StartListen: %v", err)
	}
	from := p.w.Mark()
	nfrom := p.us.mark()
	start := time.Now()
	p.w.P2P(t, "P2P_CONNECT %v pbc", p.us.addr)
	e, ok := p.us.waitFrom(nfrom, hwsimtest.OpTimeout, func(ev api.Event) bool {
		a, ok := ev.(api.AgentRequest)
		return ok && a.Kind == api.AgentAuthorize && a.Peer == p.them
	})
	if !ok {
		t.Fatalf("our agent was not asked; our events:\n%swpa_supplicant's:\n%s", p.us.summary(nfrom), eventList(p.w, from))
	}
	if a := e.ev.(api.AgentRequest); a.Request != api.RequestNegotiation || a.Method != api.MethodPBC {
		t.Errorf("agent request %+v, want a push button negotiation", a)
	}
	info, _, ok := p.us.waitGroup(nfrom, formTimeout, 0, nil)
	if !ok {
		t.Fatalf("no group of ours; our events:\n%swpa_supplicant's:\n%s", p.us.summary(nfrom), eventList(p.w, from))
	}
	gs, ev := wpasGroupStarted(t, p.w, from, hwsimtest.OpTimeout)
	t.Logf("group %d formed in %v after wpa_supplicant's P2P_CONNECT", info.ID, time.Since(start).Round(time.Millisecond))
	p.checkGroupWithWpas(t, info.ID, gs, ev)
	p.us.leave(t, info.ID)
}

// Scenario 4.
func TestHwsimConnectWithPINWeDisplay(t *testing.T) {
	p := newHwPair(t, "p2pmanager-pind")
	p.discover(t)
	id, gs, ev := p.weConnect(t, testPIN+" keypad auth go_intent=0",
		api.ConnectOptions{Method: api.MethodPINDisplay, PIN: testPIN, GOIntent: 15, HasGOIntent: true})
	p.checkGroupWithWpas(t, id, gs, ev)
	p.us.leave(t, id)
}

// Scenario 5.
func TestHwsimConnectWithPINWeType(t *testing.T) {
	p := newHwPair(t, "p2pmanager-pink")
	p.discover(t)
	id, gs, ev := p.weConnect(t, testPIN+" display auth go_intent=15",
		api.ConnectOptions{Method: api.MethodPINKeypad, PIN: testPIN, GOIntent: 0, HasGOIntent: true})
	p.checkGroupWithWpas(t, id, gs, ev)
	p.us.leave(t, id)
}

// Scenario 6.
func TestHwsimJoinWpaSupplicantsAutonomousGroup(t *testing.T) {
	p := newHwPair(t, "p2pmanager-join")
	from := p.w.Mark()
	p.w.P2P(t, "P2P_GROUP_ADD freq=2437")
	gos, goEv := wpasGroupStarted(t, p.w, from, hwsimtest.OpTimeout)
	if gos.Role != "GO" {
		t.Fatalf("wpa_supplicant's group: %s", goEv.Text)
	}
	t.Logf("wpa_supplicant's autonomous GO: %s", goEv.Text)
	p.discover(t)
	// wpa_supplicant's user presses the button when we ask to join.
	pbc := make(chan string, 1)
	pdFrom := p.w.Mark()
	go func() {
		if _, ok := p.w.Wait(pdFrom, formTimeout, "P2P-PROV-DISC-PBC-REQ", p.us.addr.String()); !ok {
			pbc <- "no P2P-PROV-DISC-PBC-REQ"
			return
		}
		r, err := p.w.Request("IFNAME=" + gos.Ifname + " WPS_PBC")
		pbc <- fmt.Sprintf("WPS_PBC: %q %v", r, err)
	}()
	p.us.stopDiscovery(t)
	start := time.Now()
	nfrom := p.us.mark()
	id, err := p.us.dev.Connect(opCtx(t, formTimeout), p.them, api.ConnectOptions{Method: api.MethodPBC, Join: true})
	if err != nil {
		var pbcRes string
		select {
		case pbcRes = <-pbc:
		default:
			pbcRes = "(still waiting for the Provision Discovery Request)"
		}
		t.Fatalf("Connect(Join): %v\nwpa_supplicant: %s\nour events:\n%swpa_supplicant's:\n%s", err, pbcRes, p.us.summary(nfrom), eventList(p.w, from))
	}
	t.Logf("joined as group %d in %v; wpa_supplicant: %s", id, time.Since(start).Round(time.Millisecond), <-pbc)
	if _, ok := p.w.Wait(from, hwsimtest.OpTimeout, "AP-STA-CONNECTED"); !ok {
		t.Errorf("wpa_supplicant reported no AP-STA-CONNECTED; its events:\n%s", eventList(p.w, from))
	}
	// Our group interface, as wpa_supplicant, the GO, sees it.
	gs := hwsimtest.GroupStarted{Ifname: gos.Ifname, Role: "GO", SSID: gos.SSID, Freq: gos.Freq}
	info := p.checkGroupWithWpas(t, id, gs, goEv)
	if info.GroupOwner != p.them {
		t.Errorf("group owner %v, want %v", info.GroupOwner, p.them)
	}
	p.us.leave(t, id)
}

// Scenario 7.
func TestHwsimWpaSupplicantJoinsOurAutonomousGroup(t *testing.T) {
	p := newHwPair(t, "p2pmanager-ago")
	p.discover(t)
	p.us.stopDiscovery(t)
	nfrom := p.us.mark()
	id, err := p.us.dev.CreateGroup(opCtx(t, formTimeout), api.GroupOptions{})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	info, _, ok := p.us.waitGroup(nfrom, hwsimtest.OpTimeout, id, nil)
	if !ok || info.Role != api.RoleGO {
		t.Fatalf("group %d: %+v", id, info)
	}
	t.Logf("our autonomous GO: group %d on %s, %d MHz, SSID %q, addresses %v", id, info.Interface, info.Frequency, info.SSID, info.LocalAddresses)
	from := p.w.Mark()
	start := time.Now()
	p.w.P2P(t, "P2P_CONNECT %v pbc join", p.us.addr)
	e, ok := p.us.waitFrom(nfrom, hwsimtest.OpTimeout, func(ev api.Event) bool {
		a, ok := ev.(api.AgentRequest)
		return ok && a.Kind == api.AgentAuthorize && a.Peer == p.them
	})
	if !ok {
		t.Fatalf("our agent was not asked; our events:\n%swpa_supplicant's:\n%s", p.us.summary(nfrom), eventList(p.w, from))
	}
	if a := e.ev.(api.AgentRequest); a.Request != api.RequestJoin && a.Request != api.RequestProvision {
		t.Errorf("agent request %+v, want join or provision", a)
	}
	gs, ev := wpasGroupStarted(t, p.w, from, formTimeout)
	t.Logf("wpa_supplicant joined in %v", time.Since(start).Round(time.Millisecond))
	if gs.Role != "client" {
		t.Fatalf("wpa_supplicant: %s", ev.Text)
	}
	p.checkGroupWithWpas(t, id, gs, ev)
	if _, _, ok := p.us.waitGroup(nfrom, hwsimtest.OpTimeout, id, func(g api.GroupInfo) bool { return slices.Contains(g.Members, p.them) }); !ok {
		last, _ := p.us.lastGroupInfo(id)
		t.Errorf("wpa_supplicant is not among our group's members: %+v", last)
	}
	p.us.leave(t, id)
}

// Scenario 8.
func TestHwsimOurCoreAgainstOurCore(t *testing.T) {
	hwsimtest.Require(t)
	peerNS := hwsimtest.NewNetNS(t, "coord-peer")
	peerNS.MovePhyOf(t, "wlan2")
	park := hwsimtest.NewNetNS(t, "coord-park")
	park.MovePhyOf(t, "wlan1")
	a := startHwCoord(t, "p2pmanager-a", nil)
	b := startHwCoord(t, "p2pmanager-b", peerNS)
	for _, h := range []*hwCoord{a, b} {
		if err := h.dev.StartDiscovery(opCtx(t, hwsimtest.OpTimeout), api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
			t.Fatalf("%s StartDiscovery: %v", h.name, err)
		}
	}
	if _, ok := a.waitPeer(hwsimtest.FindTimeout, b.addr); !ok {
		t.Fatal("a did not find b")
	}
	if _, ok := b.waitPeer(hwsimtest.FindTimeout, a.addr); !ok {
		t.Fatal("b did not find a")
	}
	a.stopDiscovery(t)
	b.stopDiscovery(t)
	if err := b.dev.StartListen(opCtx(t, hwsimtest.OpTimeout), api.ListenOptions{}); err != nil {
		t.Fatalf("b StartListen: %v", err)
	}
	afrom, bfrom := a.mark(), b.mark()
	start := time.Now()
	id, err := a.dev.Connect(opCtx(t, formTimeout), b.addr, api.ConnectOptions{Method: api.MethodPBC, GOIntent: 15, HasGOIntent: true})
	if err != nil {
		t.Fatalf("Connect: %v\na's events:\n%sb's events:\n%s", err, a.summary(afrom), b.summary(bfrom))
	}
	t.Logf("a's group %d up in %v", id, time.Since(start).Round(time.Millisecond))
	has4 := func(g api.GroupInfo) bool { _, ok := v4(g.LocalAddresses); return ok }
	ai, _, ok := a.waitGroup(afrom, hwsimtest.OpTimeout, id, has4)
	if !ok {
		last, _ := a.lastGroupInfo(id)
		t.Fatalf("a's group has no IPv4 address: %+v", last)
	}
	bi, _, ok := b.waitGroup(bfrom, formTimeout, 0, has4)
	if !ok {
		t.Fatalf("b has no group with an address; b's events:\n%s", b.summary(bfrom))
	}
	t.Logf("group formed in %v: a %v %v on %s, b %v %v on %s", time.Since(start).Round(time.Millisecond),
		ai.Role, ai.LocalAddresses, ai.Interface, bi.Role, bi.LocalAddresses, bi.Interface)
	if ai.Role != api.RoleGO || bi.Role != api.RoleClient {
		t.Errorf("roles: a %v, b %v", ai.Role, bi.Role)
	}
	aa, _ := v4(ai.LocalAddresses)
	ba, _ := v4(bi.LocalAddresses)
	if bi.GroupOwnerAddress.IsValid() && bi.GroupOwnerAddress != aa.Addr() {
		t.Errorf("b's GroupOwnerAddress %v, a's address %v", bi.GroupOwnerAddress, aa)
	}
	if hasAddr(t, nil, ai.Interface, aa) && hasAddr(t, peerNS, bi.Interface, ba) {
		t.Logf("ping a -> b: %s", lastLine(hwsimtest.Ping(t, nil, ba.Addr())))
		t.Logf("ping b -> a: %s", lastLine(hwsimtest.Ping(t, peerNS, aa.Addr())))
	}
	a.leave(t, id)
	if _, ok := b.waitFrom(bfrom, hwsimtest.OpTimeout, func(ev api.Event) bool {
		r, ok := ev.(api.GroupRemoved)
		return ok && r.ID == bi.ID
	}); !ok {
		t.Errorf("b's group %d did not end when a, its GO, left", bi.ID)
	}
}

// Scenario 9.
func TestHwsimLeaveGroupRemovesTheInterfaceAndItsAddresses(t *testing.T) {
	p := newHwPair(t, "p2pmanager-leave")
	p.discover(t)
	id, gs, ev := p.weConnect(t, "pbc auth go_intent=0", api.ConnectOptions{Method: api.MethodPBC, GOIntent: 15, HasGOIntent: true})
	info := p.checkGroupWithWpas(t, id, gs, ev)
	ours, _ := v4(info.LocalAddresses)
	from := p.w.Mark()
	start := time.Now()
	p.us.leave(t, id)
	t.Logf("LeaveGroup done in %v", time.Since(start).Round(time.Millisecond))
	if ev, ok := p.w.Wait(from, hwsimtest.OpTimeout, "P2P-GROUP-REMOVED"); !ok {
		t.Errorf("wpa_supplicant did not see the group end; its events:\n%s", eventList(p.w, from))
	} else {
		t.Logf("wpa_supplicant saw the group end %v after LeaveGroup: %s", ev.At.Sub(start).Round(time.Millisecond), ev.Text)
		// Our GO deauthenticates its clients as it stops: the client
		// learns at once that the GO ended the session, not by losing
		// our beacons (reason=IDLE, 10 s later).
		if !strings.Contains(ev.Text, "reason=GO_ENDING_SESSION") {
			t.Errorf("wpa_supplicant saw the group end without our deauthentication: %s", ev.Text)
		}
	}
	var dev string
	for range 50 {
		dev = hwsimtest.Interfaces(t, nil)
		if !strings.Contains(dev, "Interface "+info.Interface+"\n") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if strings.Contains(dev, "Interface "+info.Interface+"\n") {
		t.Errorf("%s is still there after LeaveGroup:\n%s", info.Interface, dev)
	}
	if addrs := hwsimtest.Addresses(t, nil, info.Interface); slices.Contains(addrs, ours) {
		t.Errorf("%s still has %v", info.Interface, ours)
	}
	if out := hwsimtest.Run(t, "ip", "-o", "addr"); strings.Contains(out, " "+ours.String()+" ") {
		t.Errorf("our address %v is still configured:\n%s", ours, out)
	}
}

// TestHwsimPersistentGroupIsReinvokedBothWays forms a persistent group
// with wpa_supplicant (we GO), re-invokes it with our Connect(persistent)
// and then lets wpa_supplicant re-invoke it (p2p_invite persistent=...):
// each time without negotiation or WPS, ending in a ping.
func TestHwsimPersistentGroupIsReinvokedBothWays(t *testing.T) {
	p := newHwPair(t, "p2pmanager-persistent")
	p.w.OK(t, "IFNAME=%s SET persistent_reconnect 1", p.w.P2PDevice())
	p.discover(t)
	opts := api.ConnectOptions{Method: api.MethodPBC, GOIntent: 15, HasGOIntent: true, Persistent: true}
	id, gs, ev := p.weConnect(t, "pbc persistent auth go_intent=0", opts)
	if !strings.Contains(ev.Text, "[PERSISTENT]") {
		t.Fatalf("wpa_supplicant's group is not persistent: %s", ev.Text)
	}
	first := p.checkGroupWithWpas(t, id, gs, ev)
	if !first.Persistent {
		t.Errorf("our group %+v is not persistent", first)
	}
	leave := func(id api.GroupID) {
		t.Helper()
		from := p.w.Mark()
		p.us.leave(t, id)
		if _, ok := p.w.Wait(from, hwsimtest.OpTimeout, "P2P-GROUP-REMOVED"); !ok {
			t.Fatalf("wpa_supplicant's group did not end:\n%s", eventList(p.w, from))
		}
	}
	leave(id)

	// We re-invoke it.
	p.w.OK(t, "IFNAME=%s P2P_LISTEN", p.w.P2PDevice())
	from := p.w.Mark()
	start := time.Now()
	id, err := p.us.dev.Connect(opCtx(t, formTimeout), p.them, opts)
	if err != nil {
		t.Fatalf("re-invoking Connect: %v\nwpa_supplicant's events:\n%s", err, eventList(p.w, from))
	}
	gs, ev = wpasGroupStarted(t, p.w, from, hwsimtest.OpTimeout)
	t.Logf("re-invoked by us in %v: %s", time.Since(start).Round(time.Millisecond), ev.Text)
	again := p.checkGroupWithWpas(t, id, gs, ev)
	if string(again.SSID) != string(first.SSID) || !again.Persistent {
		t.Errorf("re-invoked group %+v, first SSID %q", again, first.SSID)
	}
	if _, ok := p.w.Wait(from, time.Second, "P2P-GO-NEG"); ok {
		t.Error("wpa_supplicant saw a GO Negotiation during the re-invocation")
	}
	leave(id)

	// wpa_supplicant re-invokes it.
	var netID string
	for _, l := range strings.Split(p.w.P2P(t, "LIST_NETWORKS"), "\n") {
		if strings.Contains(l, string(first.SSID)) && strings.Contains(l, "P2P-PERSISTENT") {
			netID = strings.Fields(l)[0]
		}
	}
	if netID == "" {
		t.Fatalf("wpa_supplicant stored no persistent group %q", first.SSID)
	}
	// An invitation reaches a P2P Device in its Listen state.
	if err := p.us.dev.StartListen(opCtx(t, hwsimtest.OpTimeout), api.ListenOptions{}); err != nil {
		t.Fatal(err)
	}
	nfrom := p.us.mark()
	from = p.w.Mark()
	start = time.Now()
	p.w.P2P(t, "P2P_INVITE persistent=%s peer=%v", netID, p.us.addr)
	gs, ev = wpasGroupStarted(t, p.w, from, formTimeout)
	t.Logf("re-invoked by wpa_supplicant in %v: %s", time.Since(start).Round(time.Millisecond), ev.Text)
	se, ok := p.us.waitFrom(nfrom, hwsimtest.OpTimeout, func(e api.Event) bool {
		g, ok := e.(api.GroupUpdated)
		return ok && string(g.Info.SSID) == string(first.SSID) && len(g.Info.Members) == 1
	})
	if !ok {
		t.Fatalf("our side of the re-invoked group did not come up:\n%s", p.us.summary(nfrom))
	}
	third := se.ev.(api.GroupUpdated).Info
	p.checkGroupWithWpas(t, third.ID, gs, ev)
	leave(third.ID)
}
