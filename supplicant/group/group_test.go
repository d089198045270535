package group

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

const testPassphrase = "correct horse battery"

var testSSID = []byte("DIRECT-Ab-test")

// pair is a GO and a client forming a group on the simulated medium.
type pair struct {
	goNode, cliNode *node
	g               *GO
	c               *Client
	gw, cw          *watch
}

// formPair starts a GO forming a group with the client's device and the
// client joining it.
func formPair(t *testing.T, s *sim, goWPS, cliWPS *WPS) *pair {
	t.Helper()
	p := &pair{goNode: s.node("go"), cliNode: s.node("client")}
	gcfg := GOConfig{
		Device:     p.goNode.device("go"),
		Freq:       testFreq,
		SSID:       testSSID,
		Persistent: true,
		Formation:  &Formation{Peer: p.cliNode.dev, WPS: goWPS},
		Rand:       seeded(1),
	}
	if goWPS == nil {
		gcfg.Passphrase = testPassphrase
	}
	p.g, p.gw = mustStartGO(t, s, p.goNode, gcfg)
	ccfg := ClientConfig{
		Device:             p.cliNode.device("client"),
		GODeviceAddress:    p.goNode.dev,
		GOInterfaceAddress: p.g.Interface().Addr,
		Freq:               testFreq,
		SSID:               testSSID,
		WPS:                cliWPS,
		Rand:               seeded(2),
	}
	if cliWPS == nil {
		ccfg.Passphrase = testPassphrase
	}
	p.c, p.cw = mustStartClient(t, s, p.cliNode, ccfg)
	return p
}

// wantKeysInstalled checks that both sides hold the same pairwise and
// group keys, installed once, and opened their ports.
func wantKeysInstalled(t *testing.T, p *pair) {
	t.Helper()
	goAddr, cliAddr := p.g.Interface().Addr, p.c.Interface().Addr
	gp, cp := p.goNode.phy, p.cliNode.phy
	ptkGO, ok1 := gp.InstalledKey(goAddr, radio.KeyRef{Peer: cliAddr})
	ptkCli, ok2 := cp.InstalledKey(cliAddr, radio.KeyRef{Peer: goAddr})
	if !ok1 || !ok2 || !bytes.Equal(ptkGO.Data, ptkCli.Data) || ptkGO.Cipher != radio.CipherCCMP128 {
		t.Errorf("pairwise keys: GO %v %x, client %v %x", ok1, ptkGO.Data, ok2, ptkCli.Data)
	}
	gtkGO, ok1 := gp.InstalledKey(goAddr, radio.KeyRef{Index: 1})
	gtkCli, ok2 := cp.InstalledKey(cliAddr, radio.KeyRef{Index: 1})
	if !ok1 || !ok2 || !bytes.Equal(gtkGO.Data, gtkCli.Data) || !gtkGO.DefaultTx {
		t.Errorf("group keys: GO %v %+v, client %v %+v", ok1, gtkGO, ok2, gtkCli)
	}
	for _, c := range []struct {
		name     string
		phy      *simradio.Phy
		ifc      MAC
		ref      radio.KeyRef
		wantOnce bool
	}{
		{"client pairwise", cp, cliAddr, radio.KeyRef{Peer: goAddr}, true},
		{"client group", cp, cliAddr, radio.KeyRef{Index: 1}, true},
		{"GO pairwise", gp, goAddr, radio.KeyRef{Peer: cliAddr}, true},
		{"GO group", gp, goAddr, radio.KeyRef{Index: 1}, true},
	} {
		if n := c.phy.KeyInstalls(c.ifc, c.ref); n != 1 {
			t.Errorf("%s key installed %d times, want once", c.name, n)
		}
	}
	if !gp.Authorized(goAddr, cliAddr) || !cp.Authorized(cliAddr, goAddr) {
		t.Errorf("ports: GO authorized the client %v, client authorized the GO %v",
			gp.Authorized(goAddr, cliAddr), cp.Authorized(cliAddr, goAddr))
	}
}

func wantAddresses(t *testing.T, goStarted, cliStarted GroupStarted) {
	t.Helper()
	type view struct {
		IP      netip.Prefix
		PeerIPs []netip.Addr
	}
	want := map[string]view{
		"GO":     {netip.MustParsePrefix("192.168.49.1/24"), []netip.Addr{netip.MustParseAddr("192.168.49.2")}},
		"client": {netip.MustParsePrefix("192.168.49.2/24"), []netip.Addr{netip.MustParseAddr("192.168.49.1")}},
	}
	got := map[string]view{
		"GO":     {goStarted.IP, goStarted.PeerIPs},
		"client": {cliStarted.IP, cliStarted.PeerIPs},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
		cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
}

func TestGOAndClientFormAGroupWithAKnownPassphrase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		p := formPair(t, s, nil, nil)
		goStarted := await[GroupStarted](t, p.gw, 10*time.Second)
		cliStarted := await[GroupStarted](t, p.cw, 10*time.Second)
		joined := await[MemberJoined](t, p.gw, time.Second)

		wantKeysInstalled(t, p)
		wantAddresses(t, goStarted, cliStarted)
		if diff := cmp.Diff(MemberJoined{
			DeviceAddress: p.cliNode.dev, InterfaceAddress: p.c.Interface().Addr, DeviceName: "client",
			IP: netip.MustParseAddr("192.168.49.2"),
		}, joined, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
			t.Errorf("member joined (-want +got):\n%s", diff)
		}
		for _, g := range []GroupStarted{goStarted, cliStarted} {
			if !bytes.Equal(g.SSID, testSSID) || g.BSSID != p.g.Interface().Addr || g.Freq != testFreq ||
				g.GODeviceAddress != p.goNode.dev || !g.Persistent || g.Passphrase != testPassphrase {
				t.Errorf("%v started %+v", g.Role, g)
			}
		}
		if cliStarted.Interface != p.c.Interface().Name || goStarted.Interface != p.g.Interface().Name {
			t.Errorf("interface names %q, %q", goStarted.Interface, cliStarted.Interface)
		}

		// With the keys in place, EAPOL between them travels encrypted.
		goTap := p.goNode.tap.iface()
		if _, err := goTap.Interface.SendEAPOL(context.Background(), p.c.Interface().Addr, []byte{2, 1, 0, 0}); err != nil {
			t.Fatal(err)
		}
		cliTap := p.cliNode.tap.iface()
		if !within(time.Second, func() bool {
			r := cliTap.received()
			return len(r) > 0 && bytes.Equal(r[len(r)-1].PDU, []byte{2, 1, 0, 0})
		}) {
			t.Fatal("the client did not receive the EAPOL frame")
		}
		for i, r := range cliTap.received() {
			if want := bytes.Equal(r.PDU, []byte{2, 1, 0, 0}); r.Encrypted != want {
				t.Errorf("EAPOL %d received by the client: Encrypted %v, want %v", i, r.Encrypted, want)
			}
		}

		// Leaving ends both sides cleanly.
		if err := p.c.Leave(context.Background()); err != nil {
			t.Fatal(err)
		}
		removed := await[GroupRemoved](t, p.cw, time.Second)
		if !errors.Is(removed.Err, ErrStopped) {
			t.Errorf("client removed: %v", removed.Err)
		}
		left := await[MemberLeft](t, p.gw, time.Second)
		if left.InterfaceAddress != p.c.Interface().Addr || left.DeviceAddress != p.cliNode.dev || left.ByUs ||
			left.Reason != ieee80211.ReasonDeauthLeaving {
			t.Errorf("member left %+v", left)
		}
		if st := p.goNode.phy.Stations(p.g.Interface().Addr); len(st) != 0 {
			t.Errorf("GO still has stations %v", st)
		}
		if err := p.g.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := await[GroupRemoved](t, p.gw, time.Second); !errors.Is(r.Err, ErrStopped) {
			t.Errorf("GO removed: %v", r.Err)
		}
		<-p.g.Done()
		<-p.c.Done()
	})
}

func TestWPSProvisioningFormsTheGroup(t *testing.T) {
	pin := wsc.PINFromPrefix(1234567)
	tests := []struct {
		name        string
		goWPS, cWPS WPS
	}{
		{"push button", WPS{PasswordID: wsc.PasswordPushButton}, WPS{PasswordID: wsc.PasswordPushButton}},
		// The client displays its PIN; the GO's user types it.
		{"client displays the PIN", WPS{PasswordID: wsc.PasswordDefault, PIN: pin}, WPS{PasswordID: wsc.PasswordDefault, PIN: pin}},
		// The GO displays its PIN; the client's user types it.
		{"client types the PIN", WPS{PasswordID: wsc.PasswordRegistrarSpecified, PIN: pin},
			WPS{PasswordID: wsc.PasswordRegistrarSpecified, PIN: pin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t)
				p := formPair(t, s, &tt.goWPS, &tt.cWPS)
				await[ProvisioningSucceeded](t, p.cw, 10*time.Second)
				cliStarted := await[GroupStarted](t, p.cw, 10*time.Second)
				goStarted := await[GroupStarted](t, p.gw, 10*time.Second)
				if !has[ProvisioningSucceeded](p.gw) {
					t.Errorf("the GO did not report provisioning; saw %s", p.gw.describe())
				}
				wantKeysInstalled(t, p)
				wantAddresses(t, goStarted, cliStarted)
				if cliStarted.Passphrase != p.g.Passphrase() || len(p.g.Passphrase()) != DefaultPassphraseLen {
					t.Errorf("client got passphrase %q, the GO's is %q", cliStarted.Passphrase, p.g.Passphrase())
				}
				// The provisioning association is over: one station left.
				if diff := cmp.Diff([]MAC{p.c.Interface().Addr}, p.goNode.phy.Stations(p.g.Interface().Addr)); diff != "" {
					t.Errorf("GO stations (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestWrongPINFailsWithoutACredential(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		p := formPair(t, s,
			&WPS{PasswordID: wsc.PasswordDefault, PIN: wsc.PINFromPrefix(1234567)},
			&WPS{PasswordID: wsc.PasswordDefault, PIN: wsc.PINFromPrefix(7654321)})
		cf := await[GroupFailed](t, p.cw, 30*time.Second)
		gf := await[GroupFailed](t, p.gw, 30*time.Second)
		// The Enrollee finds the Registrar's R-Hash1 wrong and answers
		// WSC_NACK with Configuration Error 18.
		if !errors.Is(cf.Err, ErrProvisioning) || !errors.Is(cf.Err, wsc.ErrDevicePasswordAuthFailure) {
			t.Errorf("client failed with %v, want a device password authentication failure", cf.Err)
		}
		if !errors.Is(gf.Err, ErrProvisioning) || !errors.Is(gf.Err, wsc.ErrNACK) {
			t.Errorf("GO failed with %v, want the Enrollee's WSC_NACK", gf.Err)
		}
		for side, w := range map[string]*watch{"GO": p.gw, "client": p.cw} {
			pf := (*ProvisioningFailed)(nil)
			for _, n := range w.all() {
				switch n := n.(type) {
				case ProvisioningFailed:
					pf = &n
				case ProvisioningSucceeded, GroupStarted:
					t.Errorf("%s reported %T", side, n)
				}
			}
			if pf == nil || pf.ConfigError != wsc.ConfigErrDevicePasswordAuthFailure {
				t.Errorf("%s provisioning failure %+v, want Configuration Error 18", side, pf)
			}
		}
		// No credential: the client never associated with RSN.
		for _, pdu := range p.cliNode.tap.iface().sentPDUs() {
			if keyMessage(pdu) != eapol.MessageUnknown {
				t.Errorf("the client sent an EAPOL-Key frame")
			}
		}
		<-p.g.Done()
		<-p.c.Done()
	})
}

func TestPushButtonOverlapIsDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode := s.node("go")
		g, gw := mustStartGO(t, s, goNode, GOConfig{Device: goNode.device("go"), Freq: testFreq, Rand: seeded(1)})
		await[GroupStarted](t, gw, time.Second)
		if err := g.AllowJoin(context.Background(), WPS{PasswordID: wsc.PasswordPushButton}, MAC{}, 0); err != nil {
			t.Fatal(err)
		}
		var watches []*watch
		for i, name := range []string{"alice", "bob"} {
			n := s.node(name)
			_, w := mustStartClient(t, s, n, ClientConfig{
				Device: n.device(name), GODeviceAddress: goNode.dev, Freq: testFreq, SSID: g.SSID(),
				WPS: &WPS{PasswordID: wsc.PasswordPushButton}, Rand: seeded(uint64(10 + i)),
			})
			watches = append(watches, w)
		}
		for i, w := range watches {
			f := await[GroupFailed](t, w, 30*time.Second)
			if !errors.Is(f.Err, ErrProvisioning) {
				t.Errorf("client %d failed with %v", i, f.Err)
			}
			if has[GroupStarted](w) {
				t.Errorf("client %d started", i)
			}
		}
		overlap := false
		for _, n := range gw.drainFor(time.Second) {
			if pf, ok := n.(ProvisioningFailed); ok && pf.ConfigError == wsc.ConfigErrMultiplePBCDetected && errors.Is(pf.Err, wsc.ErrPBCOverlap) {
				overlap = true
			}
			if _, ok := n.(ProvisioningSucceeded); ok {
				t.Error("a push button Enrollee was provisioned despite the overlap")
			}
		}
		if !overlap {
			t.Errorf("the GO reported no push button overlap; saw %s", gw.describe())
		}
	})
}

// groupInfoOf scans for the GO from a third device and returns the P2P
// Device Addresses of the Group Info in its probe response and the Group
// Capability of its beacon.
func groupInfoOf(t *testing.T, obs radio.Interface, ssid []byte, bssid MAC) ([]MAC, p2pmsg.GroupCapability) {
	t.Helper()
	if err := obs.TriggerScan(context.Background(), radio.ScanRequest{
		Freqs: []int{testFreq}, SSIDs: [][]byte{ssid}, Flush: true,
		Dwell: 150 * time.Millisecond, // long enough to hear a beacon too
	}); err != nil {
		t.Fatal(err)
	}
	for ev := range obs.Events() {
		if _, ok := ev.(radio.ScanDone); ok {
			break
		}
	}
	bsss, err := obs.ScanResults(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bsss {
		if b.BSSID != bssid {
			continue
		}
		if !b.ProbeResp {
			t.Fatal("no probe response heard")
		}
		elems, err := ieee80211.ParseElements(b.IEs)
		if err != nil {
			t.Fatal(err)
		}
		attrs, found, err := p2pmsg.ParseIE(elems)
		if !found || err != nil {
			t.Fatalf("probe response P2P IE: %v %v", found, err)
		}
		var devs []MAC
		if attrs.GroupInfo != nil {
			for _, c := range attrs.GroupInfo.Clients {
				devs = append(devs, c.DeviceAddress)
			}
		}
		var capab p2pmsg.GroupCapability
		if belems, err := ieee80211.ParseElements(b.BeaconIEs); err == nil {
			if battrs, found, err := p2pmsg.ParseIE(belems); found && err == nil && battrs.Capability != nil {
				capab = battrs.Capability.Group
			}
		}
		return devs, capab
	}
	t.Fatalf("GO %v not found", bssid)
	return nil, 0
}

func TestAutonomousGOListsItsClientsInGroupInfo(t *testing.T) {
	for _, offload := range []bool{false, true} {
		name := "answering probes itself"
		if offload {
			name = "with probe response offload"
		}
		t.Run(name, func(t *testing.T) { testGroupInfo(t, offload) })
	}
}

func testGroupInfo(t *testing.T, offload bool) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode := s.nodeWith(simradio.PhyConfig{Name: "go", ProbeRespOffload: offload})
		g, gw := mustStartGO(t, s, goNode, GOConfig{
			Device: goNode.device("go"), Freq: testFreq, SSIDPostfix: "-lab", MaxClients: 2, Rand: seeded(1),
		})
		started := await[GroupStarted](t, gw, time.Second)
		if !bytes.HasPrefix(started.SSID, []byte("DIRECT-")) || !bytes.HasSuffix(started.SSID, []byte("-lab")) || len(started.SSID) != len("DIRECT-xy-lab") {
			t.Errorf("generated SSID %q", started.SSID)
		}
		obs := s.iface("observer", radio.IfStation)
		bssid := g.Interface().Addr
		if devs, _ := groupInfoOf(t, obs, g.SSID(), bssid); len(devs) != 0 {
			t.Errorf("Group Info before any client: %v", devs)
		}

		var clients []*Client
		var nodes []*node
		var bobWatch *watch
		for i, name := range []string{"alice", "bob"} {
			if err := g.AllowJoin(context.Background(), WPS{PasswordID: wsc.PasswordPushButton}, MAC{}, 0); err != nil {
				t.Fatal(err)
			}
			n := s.node(name)
			c, w := mustStartClient(t, s, n, ClientConfig{
				Device: n.device(name), GODeviceAddress: goNode.dev, Freq: testFreq, SSID: g.SSID(),
				WPS: &WPS{PasswordID: wsc.PasswordPushButton}, Rand: seeded(uint64(10 + i)),
			})
			st := await[GroupStarted](t, w, 10*time.Second)
			if want := netip.AddrFrom4([4]byte{192, 168, 49, byte(2 + i)}); st.IP.Addr() != want {
				t.Errorf("%s got %v, want %v", name, st.IP, want)
			}
			j := await[MemberJoined](t, gw, time.Second)
			if j.DeviceAddress != n.dev || j.DeviceName != name {
				t.Errorf("joined %+v, want %s", j, name)
			}
			clients, nodes, bobWatch = append(clients, c), append(nodes, n), w
		}
		devs, capab := groupInfoOf(t, obs, g.SSID(), bssid)
		if diff := cmp.Diff([]MAC{nodes[0].dev, nodes[1].dev}, sortMACs(devs)); diff != "" {
			t.Errorf("Group Info with two clients (-want +got):\n%s", diff)
		}
		if capab&p2pmsg.GroupCapGroupLimit == 0 || capab&p2pmsg.GroupCapGroupOwner == 0 {
			t.Errorf("beacon Group Capability %#x with the group full, want Group Owner and Group Limit", capab)
		}

		if err := clients[0].Leave(context.Background()); err != nil {
			t.Fatal(err)
		}
		if l := await[MemberLeft](t, gw, time.Second); l.DeviceAddress != nodes[0].dev {
			t.Errorf("left %+v", l)
		}
		devs, capab = groupInfoOf(t, obs, g.SSID(), bssid)
		if diff := cmp.Diff([]MAC{nodes[1].dev}, devs); diff != "" {
			t.Errorf("Group Info after alice left (-want +got):\n%s", diff)
		}
		if capab&p2pmsg.GroupCapGroupLimit != 0 {
			t.Errorf("beacon Group Capability %#x still has Group Limit", capab)
		}

		// Removing bob deauthenticates him with reason 3.
		if err := g.RemoveClient(context.Background(), nodes[1].dev); err != nil {
			t.Fatal(err)
		}
		if l := await[MemberLeft](t, gw, time.Second); l.DeviceAddress != nodes[1].dev || !l.ByUs || l.Reason != ieee80211.ReasonDeauthLeaving {
			t.Errorf("left %+v", l)
		}
		r := await[GroupRemoved](t, bobWatch, time.Second)
		if !errors.Is(r.Err, ErrDisconnected) || r.ReasonCode != ieee80211.ReasonDeauthLeaving {
			t.Errorf("bob removed: %v (reason %d)", r.Err, r.ReasonCode)
		}
		if devs, _ := groupInfoOf(t, obs, g.SSID(), bssid); len(devs) != 0 {
			t.Errorf("Group Info after both left: %v", devs)
		}
		if err := g.RemoveClient(context.Background(), nodes[1].dev); !errors.Is(err, ErrUnknownClient) {
			t.Errorf("removing bob again: %v", err)
		}
	})
}

func sortMACs(in []MAC) []MAC {
	out := append([]MAC(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if bytes.Compare(out[j][:], out[i][:]) < 0 {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestGroupFormsOnPhysWithoutP2PInterfaceTypes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		legacy := radio.IfTypes(0).With(radio.IfStation, radio.IfAP)
		goNode := s.nodeWith(simradio.PhyConfig{Name: "go", SupportedIfTypes: legacy})
		cliNode := s.nodeWith(simradio.PhyConfig{Name: "client", SupportedIfTypes: legacy})
		g, gw := mustStartGO(t, s, goNode, GOConfig{Device: goNode.device("go"), Freq: 5180, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(1)})
		_, cw := mustStartClient(t, s, cliNode, ClientConfig{
			Device: cliNode.device("client"), GODeviceAddress: goNode.dev, Freq: 5180, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(2),
		})
		await[GroupStarted](t, gw, time.Second)
		if st := await[GroupStarted](t, cw, 10*time.Second); st.BSSID != g.Interface().Addr || st.Freq != 5180 {
			t.Errorf("client started %+v", st)
		}
		if a, b := goNode.tap.iface().Info().Type, cliNode.tap.iface().Info().Type; a != radio.IfAP || b != radio.IfStation {
			t.Errorf("interface types %v and %v, want AP and station", a, b)
		}
	})
}

func TestClientReportsNoAddressWhenTheGOAllocatesNone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode, cliNode := s.node("go"), s.node("client")
		_, gw := mustStartGO(t, s, goNode, GOConfig{
			Device: goNode.device("go"), Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, NoIPAllocation: true, Rand: seeded(1),
		})
		_, cw := mustStartClient(t, s, cliNode, ClientConfig{
			Device: cliNode.device("client"), GODeviceAddress: goNode.dev, Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(2),
		})
		st := await[GroupStarted](t, cw, 10*time.Second)
		if st.IP.IsValid() || len(st.PeerIPs) != 0 {
			t.Errorf("client started with %v, GO %v; want no address (DHCP)", st.IP, st.PeerIPs)
		}
		if j := await[MemberJoined](t, gw, time.Second); j.IP.IsValid() {
			t.Errorf("member joined with %v", j.IP)
		}
		// The client asked for no address: the GO announced no allocation.
		for _, pdu := range cliNode.tap.iface().sentPDUs() {
			if keyMessage(pdu) == eapol.Message2Of4 && bytes.Contains(pdu, []byte{0x50, 0x6f, 0x9a, eapol.KDEIPAddressRequest}) {
				t.Error("message 2/4 carries an IP Address Request KDE")
			}
		}
	})
}

func TestGOWithAStoredPSKProvisionsItInHexadecimal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode, cliNode := s.node("go"), s.node("client")
		psk := bytes.Repeat([]byte{0x3c}, 32)
		g, gw := mustStartGO(t, s, goNode, GOConfig{
			Device: goNode.device("go"), Freq: testFreq, SSID: testSSID, PSK: psk, Persistent: true, Rand: seeded(1),
			Formation: &Formation{Peer: cliNode.dev, WPS: &WPS{PasswordID: wsc.PasswordPushButton}},
		})
		_, cw := mustStartClient(t, s, cliNode, ClientConfig{
			Device: cliNode.device("client"), GODeviceAddress: goNode.dev, Freq: testFreq, SSID: testSSID,
			WPS: &WPS{PasswordID: wsc.PasswordPushButton}, Rand: seeded(2),
		})
		st := await[GroupStarted](t, cw, 10*time.Second)
		if !bytes.Equal(st.PSK, psk) || st.Passphrase != "" || g.Passphrase() != "" {
			t.Errorf("client started with PSK %x passphrase %q", st.PSK, st.Passphrase)
		}
		await[GroupStarted](t, gw, time.Second)
	})
}

func TestGroupAddressesAreOnTheInterfacesUntilTheGroupEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode, cliNode := s.node("go"), s.node("client")
		g, gw := mustStartGO(t, s, goNode, GOConfig{
			Device: goNode.device("go"), Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(1),
		})
		c, cw := mustStartClient(t, s, cliNode, ClientConfig{
			Device: cliNode.device("client"), GODeviceAddress: goNode.dev, Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(2),
		})
		await[GroupStarted](t, gw, time.Second)
		st := await[GroupStarted](t, cw, 10*time.Second)
		if st.AddressErr != nil {
			t.Fatalf("client address: %v", st.AddressErr)
		}
		goName, cliName := g.Interface().Name, c.Interface().Name
		if diff := cmp.Diff([]netip.Prefix{netip.MustParsePrefix("192.168.49.1/24")}, goNode.phy.Addresses(goName), cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
			t.Errorf("GO interface addresses (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]netip.Prefix{netip.MustParsePrefix("192.168.49.2/24")}, cliNode.phy.Addresses(cliName), cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
			t.Errorf("client interface addresses (-want +got):\n%s", diff)
		}
		if err := c.Leave(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := g.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		<-g.Done()
		if a, b := goNode.phy.Addresses(goName), cliNode.phy.Addresses(cliName); a != nil || b != nil {
			t.Errorf("addresses left behind: GO %v, client %v", a, b)
		}
	})
}

func TestGOLeasesDHCPAddressesToMembersOnlyFromItsPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode, cliNode := s.node("go"), s.node("client")
		g, gw := mustStartGO(t, s, goNode, GOConfig{
			Device: goNode.device("go"), Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, NoIPAllocation: true, Rand: seeded(1),
		})
		c, cw := mustStartClient(t, s, cliNode, ClientConfig{
			Device: cliNode.device("client"), GODeviceAddress: goNode.dev, Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(2),
		})
		await[GroupStarted](t, gw, time.Second)
		if st := await[GroupStarted](t, cw, 10*time.Second); st.IP.IsValid() {
			t.Fatalf("client got %v in the handshake from a GO without IP Address Allocation", st.IP)
		}
		await[MemberJoined](t, gw, time.Second)
		ctx := context.Background()
		if _, err := g.Lease(ctx, MAC{0x02, 9, 9, 9, 9, 9}); !errors.Is(err, ErrUnknownClient) {
			t.Errorf("lease for a stranger: %v, want ErrUnknownClient", err)
		}
		want := netip.MustParseAddr("192.168.49.2")
		for range 2 { // the same address every time
			a, err := g.Lease(ctx, c.Interface().Addr)
			if err != nil || a != want {
				t.Fatalf("lease for the member: %v, %v; want %v", a, err, want)
			}
		}
		if n := await[MemberAddressed](t, gw, time.Second); n.IP != want || n.DeviceAddress != cliNode.dev {
			t.Errorf("MemberAddressed %+v", n)
		}
		if err := c.SetAddress(ctx, netip.PrefixFrom(want, 24)); err != nil {
			t.Fatal(err)
		}
		if got := c.Addresses(); len(got) != 1 || got[0] != netip.PrefixFrom(want, 24) {
			t.Errorf("client addresses %v", got)
		}
	})
}

func TestTheGORekeysTheGroupWhenAMemberLeavesAndTheOthersKeepUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode := s.node("go")
		g, gw := mustStartGO(t, s, goNode, GOConfig{Device: goNode.device("go"), Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(1)})
		await[GroupStarted](t, gw, time.Second)
		var clients []*Client
		var nodes []*node
		var watches []*watch
		for i, name := range []string{"alice", "bob"} {
			n := s.node(name)
			c, w := mustStartClient(t, s, n, ClientConfig{
				Device: n.device(name), GODeviceAddress: goNode.dev, Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(uint64(10 + i)),
			})
			await[GroupStarted](t, w, 10*time.Second)
			await[MemberJoined](t, gw, time.Second)
			clients, nodes, watches = append(clients, c), append(nodes, n), append(watches, w)
		}
		bobIf := clients[1].Interface().Addr
		if n := nodes[1].phy.KeyInstalls(bobIf, radio.KeyRef{Index: 1}); n != 1 {
			t.Fatalf("bob installed the first GTK %d times", n)
		}
		if err := clients[0].Leave(context.Background()); err != nil {
			t.Fatal(err)
		}
		await[MemberLeft](t, gw, 5*time.Second)
		if !within(10*time.Second, func() bool { return nodes[1].phy.KeyInstalls(bobIf, radio.KeyRef{Index: 2}) == 1 }) {
			t.Fatal("bob did not get the new GTK under Key ID 2 after alice left")
		}
		newKey, ok := goNode.phy.InstalledKey(g.Interface().Addr, radio.KeyRef{Index: 2})
		bobKey, _ := nodes[1].phy.InstalledKey(bobIf, radio.KeyRef{Index: 2})
		if !ok || !bytes.Equal(newKey.Data, bobKey.Data) {
			t.Errorf("GO's new GTK %x, bob's %x", newKey.Data, bobKey.Data)
		}
		if has[GroupRemoved](watches[1]) {
			t.Errorf("bob left the group during the rekey: %s", watches[1].describe())
		}
	})
}
