package group

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
)

func TestLostMessage4IsAnsweredAgainInTheClearAndKeysAreInstalledOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode, cliNode := s.node("go"), s.node("client")
		g, gw := mustStartGO(t, s, goNode, GOConfig{
			Device: goNode.device("go"), Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(1),
		})
		await[GroupStarted](t, gw, time.Second)
		goAddr := g.Interface().Addr
		// The first message 4/4 is lost on the link.
		dropped := 0
		hook := func(pdu []byte, send func() error) error {
			if keyMessage(pdu) != eapol.Message4Of4 || dropped > 0 {
				return send()
			}
			dropped++
			rule := s.m.AddRule(simradio.Rule{From: cliNode.phy.Info().PermAddr, To: goAddr, Drop: 1})
			defer s.m.RemoveRule(rule)
			return send()
		}
		cliNode.tap.hookNext(hook)
		c, cw := mustStartClient(t, s, cliNode, ClientConfig{
			Device: cliNode.device("client"), GOInterfaceAddress: goAddr, Freq: testFreq, SSID: testSSID,
			Passphrase: testPassphrase, Rand: seeded(2),
		})
		// The radio reports the lost 4/4 unacknowledged: the client keeps
		// its PTK pending and answers the GO's retransmitted 3/4 with 4/4
		// again, in the clear; that one is acknowledged and the keys go in.
		await[GroupStarted](t, cw, 10*time.Second)
		cliAddr := c.Interface().Addr
		if j := await[MemberJoined](t, gw, 2*time.Second); j.InterfaceAddress != cliAddr {
			t.Errorf("member joined %+v, want %v", j, cliAddr)
		}
		if dropped != 1 {
			t.Fatalf("dropped %d messages 4/4, want 1", dropped)
		}
		cliTap := cliNode.tap.iface()
		var m4 int
		for _, pdu := range cliTap.sentPDUs() {
			if keyMessage(pdu) == eapol.Message4Of4 {
				m4++
			}
		}
		if m4 != 2 {
			t.Errorf("the client sent %d messages 4/4, want 2 (the lost one and the answer to the retransmitted 3/4)", m4)
		}
		// The GO got the second 4/4 unprotected: it had no key yet.
		var got4 []bool
		for _, r := range goNode.tap.iface().received() {
			if keyMessage(r.PDU) == eapol.Message4Of4 {
				got4 = append(got4, r.Encrypted)
			}
		}
		if diff := cmp.Diff([]bool{false}, got4); diff != "" {
			t.Errorf("messages 4/4 the GO received, encrypted or not (-want +got):\n%s", diff)
		}
		installs := []struct {
			who  string
			phy  *simradio.Phy
			addr MAC
			ref  radio.KeyRef
		}{
			{"client PTK", cliNode.phy, cliAddr, radio.KeyRef{Peer: goAddr}},
			{"client GTK", cliNode.phy, cliAddr, radio.KeyRef{Index: 1}},
			{"GO PTK", goNode.phy, goAddr, radio.KeyRef{Peer: cliAddr}},
		}
		for _, k := range installs {
			if n := k.phy.KeyInstalls(k.addr, k.ref); n != 1 {
				t.Errorf("%s installed %d times, want once", k.who, n)
			}
		}
		// The group stays up: no failure or removal on either side.
		time.Sleep(5 * time.Second)
		if has[MemberFailed](gw) || has[MemberLeft](gw) || has[GroupRemoved](cw) {
			t.Error("the group did not stay up after the lost message 4/4")
		}
		if st := goNode.phy.Stations(goAddr); len(st) != 1 {
			t.Errorf("GO stations %v, want the client", st)
		}
	})
}

func TestWithoutEAPOLTxStatusALostMessage4EndsTheHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode, cliNode := s.node("go"), s.node("client")
		cliNode.tap.noTxStatus = true
		g, gw := mustStartGO(t, s, goNode, GOConfig{
			Device: goNode.device("go"), Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(1),
		})
		await[GroupStarted](t, gw, time.Second)
		goAddr := g.Interface().Addr
		dropped := 0
		cliNode.tap.hookNext(func(pdu []byte, send func() error) error {
			if keyMessage(pdu) != eapol.Message4Of4 || dropped > 0 {
				return send()
			}
			dropped++
			rule := s.m.AddRule(simradio.Rule{From: cliNode.phy.Info().PermAddr, To: goAddr, Drop: 1})
			defer s.m.RemoveRule(rule)
			return send()
		})
		c, cw := mustStartClient(t, s, cliNode, ClientConfig{
			Device: cliNode.device("client"), GOInterfaceAddress: goAddr, Freq: testFreq, SSID: testSSID,
			Passphrase: testPassphrase, Rand: seeded(2),
		})
		// Unable to know that its 4/4 was lost, the client installs the
		// PTK at once and reports the group started.
		await[GroupStarted](t, cw, 10*time.Second)
		cliAddr := c.Interface().Addr
		for _, ref := range []radio.KeyRef{{Peer: goAddr}, {Index: 1}} {
			if n := cliNode.phy.KeyInstalls(cliAddr, ref); n != 1 {
				t.Errorf("client installed key %+v %d times, want once", ref, n)
			}
		}
		// Its answers to the GO's retransmitted 3/4 go out protected by
		// that PTK, which the GO does not have: the GO gives up after its
		// attempts and removes the station; no key is installed twice.
		f := await[MemberFailed](t, gw, 5*time.Second)
		if f.InterfaceAddress != cliAddr || !errors.Is(f.Err, ErrHandshake) || !errors.Is(f.Err, eapol.ErrHandshakeTimeout) {
			t.Errorf("member failed %+v", f)
		}
		for _, ref := range []radio.KeyRef{{Peer: goAddr}, {Index: 1}} {
			if n := cliNode.phy.KeyInstalls(cliAddr, ref); n != 1 {
				t.Errorf("client installed key %+v %d times after the retransmissions, want once", ref, n)
			}
		}
		r := await[GroupRemoved](t, cw, 2*time.Second)
		if !errors.Is(r.Err, ErrDisconnected) || r.ReasonCode != ieee80211.ReasonFourWayHandshakeTimeout {
			t.Errorf("client removed: %v (reason %d)", r.Err, r.ReasonCode)
		}
	})
}

func TestClientVanishingMidHandshakeLeavesNoStationOnTheGO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		goNode, cliNode := s.node("go"), s.node("client")
		g, gw := mustStartGO(t, s, goNode, GOConfig{
			Device: goNode.device("go"), Freq: testFreq, SSID: testSSID, Passphrase: testPassphrase, Rand: seeded(1),
		})
		await[GroupStarted](t, gw, time.Second)
		goAddr := g.Interface().Addr
		c, cw := mustStartClient(t, s, cliNode, ClientConfig{
			Device: cliNode.device("client"), GOInterfaceAddress: goAddr, Freq: testFreq, SSID: testSSID,
			Passphrase: testPassphrase, Rand: seeded(2),
		})
		cliAddr := c.Interface().Addr
		// The client answers message 1/4, then its radio is unplugged.
		if !within(5*time.Second, func() bool {
			for _, pdu := range cliNode.tap.iface().sentPDUs() {
				if keyMessage(pdu) == eapol.Message2Of4 {
					return true
				}
			}
			return false
		}) {
			t.Fatal("the client never answered message 1/4")
		}
		if err := s.m.RemovePhy(cliNode.phy); err != nil {
			t.Fatal(err)
		}
		if f := await[GroupFailed](t, cw, time.Second); !errors.Is(f.Err, ErrInterfaceRemoved) {
			t.Errorf("client failed with %v", f.Err)
		}
		f := await[MemberFailed](t, gw, 10*time.Second)
		if f.InterfaceAddress != cliAddr || f.DeviceAddress != cliNode.dev || !errors.Is(f.Err, ErrHandshake) {
			t.Errorf("member failed %+v", f)
		}
		if st := goNode.phy.Stations(goAddr); len(st) != 0 {
			t.Errorf("GO stations left: %v", st)
		}
		if _, ok := goNode.phy.InstalledKey(goAddr, radio.KeyRef{Peer: cliAddr}); ok {
			t.Error("the GO kept a key for the vanished client")
		}
		if has[MemberJoined](gw) {
			t.Error("the vanished client was reported joined")
		}
	})
}

func TestGOVanishingEndsTheClientsGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		p := formPair(t, s, nil, nil)
		await[GroupStarted](t, p.cw, 10*time.Second)
		await[GroupStarted](t, p.gw, time.Second)
		if err := s.m.RemovePhy(p.goNode.phy); err != nil {
			t.Fatal(err)
		}
		if r := await[GroupRemoved](t, p.gw, time.Second); !errors.Is(r.Err, ErrInterfaceRemoved) {
			t.Errorf("GO removed: %v", r.Err)
		}
		// The client notices the beacon loss (10 beacon intervals).
		r := await[GroupRemoved](t, p.cw, 3*time.Second)
		if !errors.Is(r.Err, ErrDisconnected) || r.ReasonCode != ieee80211.ReasonDisassocInactivity {
			t.Errorf("client removed: %v (reason %d)", r.Err, r.ReasonCode)
		}
		<-p.c.Done()
		<-p.cliNode.tap.iface().closed // the client deleted its interface
	})
}
