package p2p

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// FuzzCoreHandlesReceivedFrames feeds arbitrary octets to a core in the
// Listen state, with an authorized peer and a negotiation, a Provision
// Discovery and an Invitation under way (and a policy that accepts
// invitations), as a received frame and as the elements
// of a scan result: it must not panic, and its peer table must stay
// bounded.
func FuzzCoreHandlesReceivedFrames(f *testing.F) {
	for _, name := range []string{"go-neg-req.dat", "invitation-req.dat", "p2ps-pd-req.dat", "proberesp.dat", "proberesp-go.dat"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	peer := peerIdentity(peerAddr, nil)
	chans := ownFreqs(testPhyInfo())
	add := func(b []byte, err error) {
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	add(peer.goNegRequest(ourAddr, negFrameParams{token: 1, intent: 7, passwordID: wsc.PasswordPushButton, opFreq: 2437, channels: chans}))
	st := p2pmsg.StatusSuccess
	add(peer.goNegResponse(ourAddr, negFrameParams{token: 1, status: &st, intent: 3, passwordID: wsc.PasswordPushButton, channels: chans}))
	add(peer.goNegConfirmation(ourAddr, negFrameParams{token: 1, status: &st, opFreq: 2437, channels: chans}))
	add(peer.pdRequest(ourAddr, 3, ConfigPushButton))
	add(peer.pdResponse(ourAddr, 3, ConfigPushButton))
	add(peer.invitationRequest(ourAddr, 4, InviteParams{Persistent: true, Role: p2pmsg.RoleGO, GODeviceAddress: peerAddr, SSID: "DIRECT-ab", GroupBSSID: peer.ifAddr}, 2437, 2437, chans))
	add(peer.invitationRequest(ourAddr, 5, InviteParams{Role: p2pmsg.RoleClient, GODeviceAddress: ourAddr, SSID: "DIRECT-ab"}, 0, 2437, chans))
	add(peer.invitationResponse(ourAddr, 4, invRespParams{status: p2pmsg.StatusSuccess, opFreq: 2437, bssid: peer.ifAddr, channels: chans}))
	add(peer.invitationResponse(ourAddr, 4, invRespParams{status: p2pmsg.StatusFailUnknownP2PGroup}))
	// wpa_supplicant's Invitation Request and Response (invitation.pcap).
	if frames, err := vectors.Load("invitation.pcap"); err == nil {
		for _, fr := range frames {
			m, err := ieee80211.DecodeMgmt(fr.Data)
			if err != nil || m.Header.FrameControl.Subtype != ieee80211.SubtypeAction {
				continue
			}
			if pa, err := p2pmsg.ParsePublicAction(m.Body); err == nil &&
				(pa.Subtype == p2pmsg.InvitationRequest || pa.Subtype == p2pmsg.InvitationResponse) {
				f.Add(fr.Data)
			}
		}
	}
	add(peer.probeResponse(ourAddr, 2437))
	ies, err := peer.probeRequestIEs(nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := ieee80211.AppendSSID(nil, wildcardSSID)
	f.Add(mgmtFrame(ieee80211.SubtypeProbeReq, ieee80211.Broadcast, peerAddr, ieee80211.Broadcast, append(b, ies...)))

	f.Fuzz(func(t *testing.T, data []byte) {
		// A device in the Listen state.
		l := newHarness(t, func(c *Config) { c.MaxPeers = 4 })
		l.listen()
		l.rx(data, 2437)
		// A device with an authorized peer, and a negotiation and a
		// Provision Discovery under way.
		h := newHarness(t, func(c *Config) { c.MaxPeers = 4 })
		h.knownPeer(peerAddr)
		h.command(cmdAuthorize{peer: MAC{0x02, 0, 0, 0, 0, 0x03}, params: ConnectParams{Method: MethodPBC}})
		h.command(cmdConnect{peer: peerAddr, params: ConnectParams{Method: MethodPBC}})
		h.command(cmdProvision{peer: peerAddr, method: MethodPBC})
		h.policy = acceptAll
		h.command(cmdInvite{peer: peerAddr, params: InviteParams{Persistent: true, Role: p2pmsg.RoleClient, GODeviceAddress: peerAddr, SSID: "DIRECT-ab"}})
		h.command(cmdFind{opts: FindOptions{Type: FindSocial}})
		h.rx(data, 2437)
		if len(data) >= 16 {
			// The same octets addressed to us.
			g := append([]byte(nil), data...)
			copy(g[4:10], ourAddr[:])
			h.rx(g, 2412)
		}
		// The same octets as the elements of a probe response heard in a
		// scan.
		h.do(evScanResults{bss: []radio.BSS{{BSSID: peerAddr, Freq: 2437, IEs: data, Seen: h.now}}})
		h.advance(2 * time.Second)
		for _, x := range []*harness{l, h} {
			if n := x.c.peers.len(); n > 4 {
				t.Fatalf("%d peers in a table of 4", n)
			}
		}
	})
}
