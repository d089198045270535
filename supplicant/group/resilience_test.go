package group

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
)

func TestRetransmittedMessage3DoesNotReinstallKeys(t *testing.T) {
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
		await[GroupStarted](t, cw, 10*time.Second)
		cliAddr := c.Interface().Addr
		cliTap := cliNode.tap.iface()
		count4 := func() int {
			n := 0
			for _, pdu := range cliTap.sentPDUs() {
				if keyMessage(pdu) == eapol.Message4Of4 {
					n++
				}
			}
			return n
		}
		// The GO sends 3/4 three times, 1 s apart; the client answers each.
		if !within(2500*time.Millisecond, func() bool { return count4() == eapol.DefaultAttempts }) {
			t.Fatalf("the client sent %d messages 4/4, want one per message 3/4 (%d); dropped %d", count4(), eapol.DefaultAttempts, dropped)
		}
		for _, ref := range []radio.KeyRef{{Peer: goAddr}, {Index: 1}} {
			if n := cliNode.phy.KeyInstalls(cliAddr, ref); n != 1 {
				t.Errorf("client installed key %+v %d times after %d messages 3/4, want once", ref, n, count4())
			}
		}
		// The answers to the retransmissions go out protected by the PTK
		// the client installed, which the GO does not have yet: it gives
		// up after its attempts and removes the station. (With a TX status
		// for EAPOL frames in the radio seam, the client would install the
		// PTK only once its 4/4 is acknowledged, as wpa_supplicant does, and
		// the handshake would survive the loss.)
		f := await[MemberFailed](t, gw, 5*time.Second)
		if f.InterfaceAddress != cliAddr || !errors.Is(f.Err, ErrHandshake) || !errors.Is(f.Err, eapol.ErrHandshakeTimeout) {
			t.Errorf("member failed %+v", f)
		}
		if st := goNode.phy.Stations(goAddr); len(st) != 0 {
			t.Errorf("GO stations left: %v", st)
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
