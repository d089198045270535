package wsc

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
)

// eapSide is one machine of an EAP conversation under test, with what it
// reported.
type eapSide struct {
	name      string
	m         interface{ Handle(Event) []Action }
	timer     *SetTimer
	succeeded *Succeeded
	failed    *Failed
	finished  bool
	sent      [][]byte
}

func (s *eapSide) take(t *testing.T, acts []Action) [][]byte {
	t.Helper()
	var frames [][]byte
	for _, a := range acts {
		if s.finished {
			t.Errorf("%s: action %T after Finished", s.name, a)
		}
		switch a := a.(type) {
		case SendFrame:
			frames = append(frames, a.Frame)
			s.sent = append(s.sent, a.Frame)
		case SetTimer:
			s.timer = &a
		case StopTimer:
			if s.timer != nil && s.timer.Timer == a.Timer {
				s.timer = nil
			}
		case Succeeded:
			if s.succeeded != nil || s.failed != nil {
				t.Errorf("%s: second outcome %+v", s.name, a)
			}
			s.succeeded = &a
		case Failed:
			if s.succeeded != nil || s.failed != nil {
				t.Errorf("%s: second outcome %+v", s.name, a)
			}
			s.failed = &a
		case Finished:
			s.finished = true
		default:
			t.Errorf("%s: unexpected action %T", s.name, a)
		}
	}
	return frames
}

// fire delivers the side's pending timer.
func (s *eapSide) fire(t *testing.T) [][]byte {
	t.Helper()
	tm := s.timer
	s.timer = nil
	return s.take(t, s.m.Handle(Timeout{Timer: tm.Timer}))
}

// dropFunc decides whether the link loses the n-th frame a side sends.
type dropFunc func(from string, n int, frame []byte) bool

// runEAP runs an EAPPeer against an EAPServer over a link that may lose
// frames, firing the pending timers when nothing is in flight.
func runEAP(t *testing.T, p *EAPPeer, s *EAPServer, drop dropFunc) (peer, server *eapSide) {
	t.Helper()
	peer, server = &eapSide{name: "peer", m: p}, &eapSide{name: "server", m: s}
	type inflight struct {
		to    *eapSide
		frame []byte
	}
	var queue []inflight
	counts := map[string]int{}
	send := func(from, to *eapSide, frames [][]byte) {
		for _, f := range frames {
			counts[from.name]++
			if drop != nil && drop(from.name, counts[from.name], f) {
				continue
			}
			queue = append(queue, inflight{to, f})
		}
	}
	send(peer, server, peer.take(t, p.Handle(Start{})))
	send(server, peer, server.take(t, s.Handle(Start{})))
	for step := 0; ; step++ {
		if step > 500 {
			t.Fatal("the conversation does not end")
		}
		if len(queue) == 0 {
			switch {
			case server.timer != nil && !server.finished:
				send(server, peer, server.fire(t))
			case peer.timer != nil && !peer.finished:
				send(peer, server, peer.fire(t))
			default:
				return peer, server
			}
			continue
		}
		f := queue[0]
		queue = queue[1:]
		if f.to.finished {
			continue
		}
		if f.to == peer {
			send(peer, server, peer.take(t, p.Handle(FrameReceived{Frame: f.frame})))
		} else {
			send(server, peer, server.take(t, s.Handle(FrameReceived{Frame: f.frame})))
		}
	}
}

func mustPeer(t *testing.T, c EAPPeerConfig) *EAPPeer {
	t.Helper()
	p, err := NewEAPPeer(c)
	if err != nil {
		t.Fatalf("NewEAPPeer: %v", err)
	}
	return p
}

func mustServer(t *testing.T, c EAPServerConfig) *EAPServer {
	t.Helper()
	s, err := NewEAPServer(c)
	if err != nil {
		t.Fatalf("NewEAPServer: %v", err)
	}
	return s
}

// eapPacket decodes the EAP packet of an EAPOL-EAP frame.
func eapPacket(t *testing.T, frame []byte) eap.Packet {
	t.Helper()
	pdu, err := eapol.DecodePDU(frame)
	if err != nil || pdu.Type != eapol.PacketEAP {
		t.Fatalf("frame %x is not EAPOL-EAP: %v", frame, err)
	}
	p, err := eap.Decode(pdu.Body)
	if err != nil {
		t.Fatalf("EAP packet %x: %v", pdu.Body, err)
	}
	return p
}

// describe names the EAP packets of frames ("Request/Identity",
// "Response/WSC_MSG", "Failure", ...).
func describe(t *testing.T, frames [][]byte) []string {
	t.Helper()
	var out []string
	for _, f := range frames {
		p := eapPacket(t, f)
		switch {
		case p.Code == eap.CodeFailure || p.Code == eap.CodeSuccess:
			out = append(out, p.Code.String())
		case p.Type == eap.TypeIdentity:
			out = append(out, p.Code.String()+"/Identity")
		case p.IsWSC():
			w, err := p.WSC()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Code.String()+"/"+w.OpCode.String())
		default:
			out = append(out, p.Code.String()+"/other")
		}
	}
	return out
}

func TestEAPConversationDeliversTheCredential(t *testing.T) {
	tests := []struct {
		name string
		e    EnrolleeConfig
		r    RegistrarConfig
	}{
		{"push button", enrolleeConfig(PasswordPushButton, "", 100), registrarConfig(PasswordPushButton, "", 101)},
		{"PIN", enrolleeConfig(PasswordRegistrarSpecified, "12345670", 102), registrarConfig(PasswordRegistrarSpecified, "12345670", 103)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			peer, server := runEAP(t, mustPeer(t, EAPPeerConfig{Enrollee: tc.e}), mustServer(t, EAPServerConfig{Registrar: tc.r}), nil)
			if peer.succeeded == nil || server.succeeded == nil || !peer.finished || !server.finished {
				t.Fatalf("peer %+v, server %+v", peer, server)
			}
			wantServer := []string{"Request/Identity", "Request/WSC_Start", "Request/WSC_MSG", "Request/WSC_MSG", "Request/WSC_MSG", "Request/WSC_MSG", "Failure"}
			wantPeer := []string{"Response/Identity", "Response/WSC_MSG", "Response/WSC_MSG", "Response/WSC_MSG", "Response/WSC_MSG", "Response/WSC_Done"}
			if diff := cmp.Diff(wantServer, describe(t, server.sent)); diff != "" {
				t.Errorf("server sent (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantPeer, describe(t, peer.sent)); diff != "" {
				t.Errorf("peer sent (-want +got):\n%s", diff)
			}
			// Identifiers: each response echoes its request; each request
			// takes the next; EAP-Failure takes the last response's.
			for i, f := range peer.sent {
				if got, want := eapPacket(t, f).Identifier, eapPacket(t, server.sent[i]).Identifier; got != want {
					t.Errorf("response %d has Identifier %d, its request %d", i, got, want)
				}
			}
			for i := 1; i < len(server.sent)-1; i++ {
				if got, want := eapPacket(t, server.sent[i]).Identifier, eapPacket(t, server.sent[i-1]).Identifier+1; got != want {
					t.Errorf("request %d has Identifier %d, want %d", i, got, want)
				}
			}
			if id := eapPacket(t, peer.sent[0]); string(id.Data) != eap.IdentityEnrollee {
				t.Errorf("identity %q", id.Data)
			}
			if got, want := eapPacket(t, server.sent[len(server.sent)-1]).Identifier, eapPacket(t, peer.sent[len(peer.sent)-1]).Identifier; got != want {
				t.Errorf("EAP-Failure Identifier %d, last response %d", got, want)
			}
			if diff := cmp.Diff(stripWire(server.succeeded.Credentials), stripWire(peer.succeeded.Credentials)); diff != "" {
				t.Errorf("Credentials differ (-server +peer):\n%s", diff)
			}
		})
	}
}

func TestEAPConversationFragmentsLongMessages(t *testing.T) {
	const size = 60
	p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordPushButton, "", 110), FragmentSize: size})
	s := mustServer(t, EAPServerConfig{Registrar: registrarConfig(PasswordPushButton, "", 111), FragmentSize: size})
	peer, server := runEAP(t, p, s, nil)
	if peer.succeeded == nil || server.succeeded == nil {
		t.Fatalf("peer %+v, server %+v", peer.failed, server.failed)
	}
	fragAcks := map[string]int{}
	for _, side := range []*eapSide{peer, server} {
		for _, f := range side.sent {
			pkt := eapPacket(t, f)
			if !pkt.IsWSC() {
				continue
			}
			if len(pkt.Data) > size {
				t.Errorf("%s sent %d octets of EAP-WSC data, fragment size %d", side.name, len(pkt.Data), size)
			}
			if w, _ := pkt.WSC(); w.OpCode == eap.OpFragACK {
				fragAcks[side.name]++
			}
		}
	}
	// M1 (362 octets) takes 7 fragments, M2 (424) 8: each but the last is
	// acknowledged by the other side.
	if fragAcks["peer"] < 7 || fragAcks["server"] < 6 {
		t.Errorf("WSC_FRAG_ACKs sent: %v", fragAcks)
	}
}

func TestEAPConversationSurvivesLostFrames(t *testing.T) {
	tests := []struct {
		name     string
		fragment int
		drop     dropFunc
	}{
		{"first M2 lost", 0, func(from string, n int, _ []byte) bool { return from == "server" && n == 3 }},
		{"M3 lost: the peer answers the retransmitted M2 again", 0, func(from string, n int, _ []byte) bool { return from == "peer" && n == 3 }},
		{"WSC_Done lost twice", 0, func(from string, n int, _ []byte) bool { return from == "peer" && (n == 6 || n == 7) }},
		{"a WSC_FRAG_ACK lost", 60, func(from string, n int, _ []byte) bool { return from == "server" && n == 3 }},
		{"a fragment lost", 60, func(from string, n int, _ []byte) bool { return from == "peer" && n == 4 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordDefault, "12345670", 120), FragmentSize: tc.fragment})
			s := mustServer(t, EAPServerConfig{Registrar: registrarConfig(PasswordDefault, "12345670", 121), FragmentSize: tc.fragment})
			dropped := 0
			peer, server := runEAP(t, p, s, func(from string, n int, f []byte) bool {
				if tc.drop(from, n, f) {
					dropped++
					return true
				}
				return false
			})
			if dropped == 0 {
				t.Fatal("no frame was dropped")
			}
			if peer.succeeded == nil || server.succeeded == nil || !peer.finished || !server.finished {
				t.Fatalf("peer %+v / %+v, server %+v / %+v", peer.succeeded, peer.failed, server.succeeded, server.failed)
			}
		})
	}
}

func TestEAPPeerAnswersARetransmittedRequestWithTheSameResponse(t *testing.T) {
	p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordPushButton, "", 130)})
	req, _ := eapFrame(1, eap.IdentityRequest(7))
	a := p.Handle(FrameReceived{Frame: req})
	start, _ := eap.WSCPacket(eap.CodeRequest, 8, eap.WSCFrame{OpCode: eap.OpStart})
	startFrame, _ := eapFrame(2, start)
	b := p.Handle(FrameReceived{Frame: startFrame})
	c := p.Handle(FrameReceived{Frame: startFrame})
	if len(a) != 1 || len(b) != 1 || len(c) != 1 {
		t.Fatalf("actions %v / %v / %v", a, b, c)
	}
	if !bytes.Equal(b[0].(SendFrame).Frame, c[0].(SendFrame).Frame) {
		t.Errorf("the retransmitted WSC_Start got another M1")
	}
}

func TestEAPServerGivesUpAfterThreeUnansweredRequests(t *testing.T) {
	s := mustServer(t, EAPServerConfig{Registrar: registrarConfig(PasswordPushButton, "", 140)})
	side := &eapSide{name: "server", m: s}
	side.take(t, s.Handle(Start{}))
	if side.timer == nil || side.timer.After != DefaultRetransmitTimeout {
		t.Fatalf("timer %+v, want %v", side.timer, DefaultRetransmitTimeout)
	}
	for side.timer != nil {
		side.fire(t)
	}
	got := describe(t, side.sent)
	want := []string{"Request/Identity", "Request/Identity", "Request/Identity", "Failure"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("server sent (-want +got):\n%s", diff)
	}
	if !bytes.Equal(side.sent[0], side.sent[1]) {
		t.Errorf("the retransmission differs from the request")
	}
	if side.failed == nil || !errors.Is(side.failed.Err, ErrTimeout) || !side.finished {
		t.Errorf("failed %+v, finished %v", side.failed, side.finished)
	}
}

func TestEAPPeerSendsEAPOLStartWhenTheGOIsSilent(t *testing.T) {
	p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordPushButton, "", 150)})
	side := &eapSide{name: "peer", m: p}
	side.take(t, p.Handle(Start{}))
	for side.timer != nil {
		if side.timer.After != DefaultStartPeriod {
			t.Errorf("timer %v, want %v", side.timer.After, DefaultStartPeriod)
		}
		side.fire(t)
	}
	if len(side.sent) != DefaultMaxStart {
		t.Fatalf("%d frames, want %d EAPOL-Starts", len(side.sent), DefaultMaxStart)
	}
	for _, f := range side.sent {
		if want := []byte{eapol.Version2001, byte(eapol.PacketStart), 0, 0}; !bytes.Equal(f, want) {
			t.Errorf("frame %x, want EAPOL-Start %x", f, want)
		}
	}
	if side.failed == nil || !errors.Is(side.failed.Err, ErrTimeout) || !side.finished {
		t.Errorf("failed %+v, finished %v", side.failed, side.finished)
	}
}

func TestEAPServerAnswersEAPOLStartWithItsIdentityRequest(t *testing.T) {
	s := mustServer(t, EAPServerConfig{Registrar: registrarConfig(PasswordPushButton, "", 155)})
	first := s.Handle(Start{})
	again := s.Handle(FrameReceived{Frame: eapolFrame(1, eapol.PacketStart, nil)})
	if len(again) != 1 || !bytes.Equal(again[0].(SendFrame).Frame, first[0].(SendFrame).Frame) {
		t.Errorf("EAPOL-Start got %+v", again)
	}
}

func TestEAPServerRejectsAnotherIdentity(t *testing.T) {
	s := mustServer(t, EAPServerConfig{Registrar: registrarConfig(PasswordPushButton, "", 160)})
	side := &eapSide{name: "server", m: s}
	req := eapPacket(t, side.take(t, s.Handle(Start{}))[0])
	wrongID, _ := eapFrame(1, eap.IdentityResponse(req.Identifier+1, eap.IdentityEnrollee))
	if acts := s.Handle(FrameReceived{Frame: wrongID}); len(acts) != 0 {
		t.Errorf("a response with another Identifier got %+v", acts)
	}
	reg, _ := eapFrame(1, eap.IdentityResponse(req.Identifier, eap.IdentityRegistrar))
	side.take(t, s.Handle(FrameReceived{Frame: reg}))
	if side.failed == nil || !errors.Is(side.failed.Err, ErrEAP) || !side.finished {
		t.Errorf("failed %+v, finished %v", side.failed, side.finished)
	}
	if got := describe(t, side.sent); got[len(got)-1] != "Failure" {
		t.Errorf("server sent %v", got)
	}
}

func TestEAPServerCapsReassembly(t *testing.T) {
	p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordPushButton, "", 170), FragmentSize: 100})
	s := mustServer(t, EAPServerConfig{Registrar: registrarConfig(PasswordPushButton, "", 171), MaxMessageLen: 300})
	peer, server := runEAP(t, p, s, nil)
	if server.failed == nil || !errors.Is(server.failed.Err, ErrEAP) || !errors.Is(server.failed.Err, eap.ErrTooLong) {
		t.Errorf("server failed with %+v", server.failed)
	}
	if peer.succeeded != nil || !peer.finished {
		t.Errorf("peer %+v", peer)
	}
}

func TestEAPConversationEndsWithM2DWhenTheGOHasNoPIN(t *testing.T) {
	p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordDefault, "12345670", 180)})
	s := mustServer(t, EAPServerConfig{Registrar: registrarConfig(PasswordDefault, "", 181)})
	peer, server := runEAP(t, p, s, nil)
	if peer.failed == nil || !errors.Is(peer.failed.Err, ErrM2D) || server.failed == nil || !errors.Is(server.failed.Err, ErrNoPassword) {
		t.Fatalf("peer %+v, server %+v", peer.failed, server.failed)
	}
	want := []string{"Response/Identity", "Response/WSC_MSG", "Response/WSC_ACK"}
	if diff := cmp.Diff(want, describe(t, peer.sent)); diff != "" {
		t.Errorf("peer sent (-want +got):\n%s", diff)
	}
	if !peer.finished || !server.finished {
		t.Errorf("finished: peer %v, server %v", peer.finished, server.finished)
	}
}

func TestEAPConversationWithAWrongPINFailsOnBothSides(t *testing.T) {
	p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordRegistrarSpecified, "12345670", 190)})
	s := mustServer(t, EAPServerConfig{Registrar: registrarConfig(PasswordRegistrarSpecified, PINFromPrefix(7654321), 191)})
	peer, server := runEAP(t, p, s, nil)
	if peer.failed == nil || peer.failed.ConfigError != ConfigErrDevicePasswordAuthFailure || !errors.Is(peer.failed.Err, ErrDevicePasswordAuthFailure) {
		t.Errorf("peer failed with %+v", peer.failed)
	}
	if server.failed == nil || server.failed.ConfigError != ConfigErrDevicePasswordAuthFailure || !errors.Is(server.failed.Err, ErrNACK) {
		t.Errorf("server failed with %+v", server.failed)
	}
	if peer.succeeded != nil || server.succeeded != nil || !peer.finished || !server.finished {
		t.Errorf("peer %+v, server %+v", peer, server)
	}
	if got := describe(t, peer.sent); got[len(got)-1] != "Response/WSC_NACK" {
		t.Errorf("peer sent %v", got)
	}
}

func TestEAPPeerNaksOtherMethodsAndAnswersNotifications(t *testing.T) {
	p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordPushButton, "", 200)})
	md5, _ := eapFrame(2, eap.Packet{Code: eap.CodeRequest, Identifier: 3, Type: eap.TypeMD5Challenge, Data: []byte{1, 2}})
	note, _ := eapFrame(2, eap.Packet{Code: eap.CodeRequest, Identifier: 4, Type: eap.TypeNotification, Data: []byte("hi")})
	for _, tc := range []struct {
		frame []byte
		want  eap.Packet
	}{
		{md5, eap.Packet{Code: eap.CodeResponse, Identifier: 3, Type: eap.TypeNak, Data: []byte{byte(eap.TypeExpanded)}}},
		{note, eap.Packet{Code: eap.CodeResponse, Identifier: 4, Type: eap.TypeNotification, Data: []byte{}}},
	} {
		acts := p.Handle(FrameReceived{Frame: tc.frame})
		if len(acts) != 1 {
			t.Fatalf("actions %+v", acts)
		}
		if diff := cmp.Diff(tc.want, eapPacket(t, acts[0].(SendFrame).Frame)); diff != "" {
			t.Errorf("response (-want +got):\n%s", diff)
		}
	}
}

func TestEAPPeerTimerIsReArmedByEveryRequest(t *testing.T) {
	p := mustPeer(t, EAPPeerConfig{Enrollee: enrolleeConfig(PasswordPushButton, "", 210), Timeout: 7 * time.Second})
	side := &eapSide{name: "peer", m: p}
	side.take(t, p.Handle(Start{}))
	req, _ := eapFrame(2, eap.IdentityRequest(1))
	side.take(t, p.Handle(FrameReceived{Frame: req}))
	if side.timer == nil || side.timer.After != 7*time.Second {
		t.Fatalf("timer %+v", side.timer)
	}
	stale := side.timer.Timer - 1
	if acts := p.Handle(Timeout{Timer: stale}); len(acts) != 0 {
		t.Errorf("a stale Timeout got %+v", acts)
	}
	side.fire(t)
	if side.failed == nil || !errors.Is(side.failed.Err, ErrTimeout) || !side.finished {
		t.Errorf("failed %+v, finished %v", side.failed, side.finished)
	}
}
