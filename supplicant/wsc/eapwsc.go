package wsc

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
)

// The EAP layer of WSC provisioning (WSC 2.0.x, "EAP message framing";
// RFC 3748; hostap eap_server_wsc.c and eap_wsc.c). In P2P group
// formation the GO is the IEEE 802.1X authenticator and runs the EAP
// server with the Registrar (EAPServer); the P2P Client is the peer and
// runs the Enrollee (EAPPeer):
//
//	GO (EAPServer)                          Client (EAPPeer)
//	EAP-Request/Identity          ->
//	                              <-        EAP-Response/Identity "WFA-SimpleConfig-Enrollee-1-0"
//	EAP-Request WSC_Start         ->
//	                              <-        EAP-Response WSC_MSG (M1)
//	EAP-Request WSC_MSG (M2)      ->
//	                              ...
//	EAP-Request WSC_MSG (M8)      ->
//	                              <-        EAP-Response WSC_Done
//	EAP-Failure                   ->        (WSC always ends with EAP-Failure)
//
// A message longer than the fragment size (1400 octets by default) goes
// in fragments, each acknowledged by a WSC_FRAG_ACK from the other side;
// received fragments are reassembled with eap.Reassembler and its length
// cap. Both machines send and receive whole EAPOL PDUs (EAPOL-EAP, and the
// peer's EAPOL-Start): the caller hands FrameReceived what the control
// port delivered and sends SendFrame.Frame as it is.

// Defaults of the EAP transport.
const (
	// DefaultRetransmitTimeout and DefaultAttempts are the EAP server's
	// retransmission of a request: every 5 s, 3 sends in all (hostap's
	// eap_wsc_getTimeout: MaxRetrans 2).
	DefaultRetransmitTimeout = 5 * time.Second
	DefaultAttempts          = 3
	// DefaultStartPeriod is how long the peer waits for the first request
	// before it sends EAPOL-Start, and then between EAPOL-Starts;
	// DefaultMaxStart bounds them (IEEE Std 802.1X-2020 maxStart).
	DefaultStartPeriod = time.Second
	DefaultMaxStart    = 3
	// DefaultPeerTimeout is how long the peer waits for the next request
	// before it gives up (more than the server's three sends 5 s apart).
	DefaultPeerTimeout = 20 * time.Second
	// DefaultServerEAPOLVersion and DefaultPeerEAPOLVersion are the
	// Protocol Versions the machines send, as hostapd (eapol_version=2)
	// and wpa_supplicant (eapol_version=1) do.
	DefaultServerEAPOLVersion = eapol.Version2004
	DefaultPeerEAPOLVersion   = eapol.Version2001
)

// timer numbers a machine's one timer so that a stale Timeout is ignored.
type timer struct {
	seq   uint64
	armed bool
}

func (t *timer) set(d time.Duration) Action {
	t.seq++
	t.armed = true
	return SetTimer{Timer: t.seq, After: d}
}

func (t *timer) stop() []Action {
	if !t.armed {
		return nil
	}
	t.armed = false
	return []Action{StopTimer{Timer: t.seq}}
}

func (t *timer) fired(ev Timeout) bool {
	if !t.armed || ev.Timer != t.seq {
		return false
	}
	t.armed = false
	return true
}

// eapolFrame wraps a body in an EAPOL PDU.
func eapolFrame(version uint8, t eapol.PacketType, body []byte) []byte {
	b, _ := eapol.PDU{Version: version, Type: t, Body: body}.Encode() // bodies here are far below 64 KiB
	return b
}

// eapFrame encodes an EAP packet in an EAPOL-EAP PDU.
func eapFrame(version uint8, p eap.Packet) ([]byte, error) {
	b, err := p.Encode()
	if err != nil {
		return nil, err
	}
	return eapolFrame(version, eapol.PacketEAP, b), nil
}

// receivedEAP decodes an EAPOL-EAP PDU; ok is false for anything else.
func receivedEAP(frame []byte) (pdu eapol.PDU, p eap.Packet, ok bool) {
	pdu, err := eapol.DecodePDU(frame)
	if err != nil || pdu.Validate() != nil {
		return pdu, eap.Packet{}, false
	}
	if pdu.Type != eapol.PacketEAP {
		return pdu, eap.Packet{}, false
	}
	p, err = eap.Decode(pdu.Body)
	return pdu, p, err == nil
}

// EAPPeerConfig configures an EAPPeer.
type EAPPeerConfig struct {
	// Enrollee configures the registration protocol.
	Enrollee EnrolleeConfig
	// FragmentSize bounds the EAP-WSC data of one packet (Op-Code, Flags,
	// Message Length and message octets); 0 means eap.FragmentSize.
	FragmentSize int
	// MaxMessageLen caps a reassembled message; 0 means
	// eap.DefaultMaxMessageLen.
	MaxMessageLen int
	// EAPOLVersion is the Protocol Version sent; 0 means
	// DefaultPeerEAPOLVersion.
	EAPOLVersion uint8
	// StartPeriod and MaxStart pace EAPOL-Start before the first request
	// (0: DefaultStartPeriod, DefaultMaxStart); Timeout is the longest
	// wait for a request once the conversation started (0:
	// DefaultPeerTimeout).
	StartPeriod time.Duration
	MaxStart    int
	Timeout     time.Duration
}

// EAPPeer is the EAP peer of WSC provisioning on the P2P Client: it
// answers EAP-Request/Identity with the Enrollee identity, runs an
// Enrollee on the EAP-WSC messages, acknowledges and reassembles
// fragments, sends its own in fragments when they are long, answers a
// retransmitted request (same Identifier as the last one answered) with
// its last response again, and ends at EAP-Failure (Finished). It reports
// the Enrollee's Succeeded and Failed as they come.
type EAPPeer struct {
	cfg      EAPPeerConfig
	enrollee *Enrollee
	reasm    eap.Reassembler
	timer    timer

	started, heard bool
	starts         int
	haveLast       bool
	lastID         uint8
	lastResp       []byte
	out            []eap.WSCFrame // fragments left to send, each after a WSC_FRAG_ACK
	outcome        bool           // Succeeded or Failed reported
	finished       bool
}

// NewEAPPeer returns an EAPPeer; it fails on an unusable Enrollee
// configuration or fragment size.
func NewEAPPeer(cfg EAPPeerConfig) (*EAPPeer, error) {
	if cfg.FragmentSize == 0 {
		cfg.FragmentSize = eap.FragmentSize
	}
	if _, err := eap.Fragment(eap.OpMsg, nil, cfg.FragmentSize); err != nil {
		return nil, fmt.Errorf("wsc: EAP peer: %w", err)
	}
	if cfg.EAPOLVersion == 0 {
		cfg.EAPOLVersion = DefaultPeerEAPOLVersion
	}
	if cfg.StartPeriod <= 0 {
		cfg.StartPeriod = DefaultStartPeriod
	}
	if cfg.MaxStart <= 0 {
		cfg.MaxStart = DefaultMaxStart
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultPeerTimeout
	}
	e, err := NewEnrollee(cfg.Enrollee)
	if err != nil {
		return nil, err
	}
	cfg.Enrollee = e.cfg
	return &EAPPeer{cfg: cfg, enrollee: e, reasm: eap.Reassembler{Max: cfg.MaxMessageLen}}, nil
}

// Handle processes one event: Start, FrameReceived or Timeout.
func (p *EAPPeer) Handle(ev Event) []Action {
	if p.finished {
		return nil
	}
	switch ev := ev.(type) {
	case Start:
		if p.started {
			return nil
		}
		p.started = true
		if p.heard {
			return []Action{p.timer.set(p.cfg.Timeout)}
		}
		return []Action{p.timer.set(p.cfg.StartPeriod)}
	case Timeout:
		if !p.timer.fired(ev) {
			return nil
		}
		if !p.heard && p.starts < p.cfg.MaxStart {
			p.starts++
			return []Action{
				SendFrame{Frame: eapolFrame(p.cfg.EAPOLVersion, eapol.PacketStart, nil)},
				p.timer.set(p.cfg.StartPeriod),
			}
		}
		return p.finish(fmt.Errorf("%w: no EAP request from the GO", ErrTimeout))
	case FrameReceived:
		return p.receive(ev.Frame)
	}
	return nil
}

// finish ends the conversation, reporting Failed first if nothing was.
func (p *EAPPeer) finish(reason error) []Action {
	var acts []Action
	if !p.outcome {
		p.outcome = true
		acts = append(acts, failedWith(reason, ConfigErrNone, 0))
	}
	p.finished = true
	acts = append(acts, p.timer.stop()...)
	return append(acts, Finished{})
}

func (p *EAPPeer) receive(frame []byte) []Action {
	_, pkt, ok := receivedEAP(frame)
	if !ok {
		return nil
	}
	switch pkt.Code {
	case eap.CodeFailure, eap.CodeSuccess:
		if !p.heard {
			return nil // not from a conversation we are in
		}
		return p.finish(fmt.Errorf("%w: EAP-%v before the registration ended", ErrEAP, pkt.Code))
	case eap.CodeRequest:
	default:
		return nil
	}
	p.heard = true
	var acts []Action
	if p.started {
		acts = append(acts, p.timer.set(p.cfg.Timeout))
	}
	if p.haveLast && pkt.Identifier == p.lastID {
		// A retransmitted request: answer it again (RFC 3748, 4.1).
		return append(acts, SendFrame{Frame: p.lastResp})
	}
	switch {
	case pkt.Type == eap.TypeIdentity:
		return append(acts, p.respond(eap.IdentityResponse(pkt.Identifier, eap.IdentityEnrollee))...)
	case pkt.Type == eap.TypeNotification:
		return append(acts, p.respond(eap.Packet{Code: eap.CodeResponse, Identifier: pkt.Identifier, Type: eap.TypeNotification, Data: []byte{}})...)
	case pkt.IsWSC():
		return append(acts, p.wsc(pkt)...)
	}
	// Any other method: a legacy Nak asking for an Expanded Type (RFC
	// 3748, 5.3.1).
	return append(acts, p.respond(eap.Packet{Code: eap.CodeResponse, Identifier: pkt.Identifier, Type: eap.TypeNak, Data: []byte{byte(eap.TypeExpanded)}})...)
}

// respond sends a response and keeps it for retransmitted requests.
func (p *EAPPeer) respond(resp eap.Packet) []Action {
	f, err := eapFrame(p.cfg.EAPOLVersion, resp)
	if err != nil {
		return nil
	}
	p.haveLast, p.lastID, p.lastResp = true, resp.Identifier, f
	return []Action{SendFrame{Frame: f}}
}

func (p *EAPPeer) respondWSC(id uint8, f eap.WSCFrame) []Action {
	resp, err := eap.WSCPacket(eap.CodeResponse, id, f)
	if err != nil {
		return nil
	}
	return p.respond(resp)
}

func (p *EAPPeer) wsc(pkt eap.Packet) []Action {
	f, err := pkt.WSC()
	if err != nil {
		return nil
	}
	id := pkt.Identifier
	if len(p.out) > 0 {
		if f.OpCode != eap.OpFragACK {
			return p.finish(fmt.Errorf("%w: %v while sending fragments", ErrEAP, f.OpCode))
		}
		next := p.out[0]
		p.out = p.out[1:]
		return p.respondWSC(id, next)
	}
	switch f.OpCode {
	case eap.OpFragACK:
		return nil
	case eap.OpStart:
		if p.enrollee.state != enrolleeIdle {
			if p.enrollee.Ended() {
				return nil
			}
			// The server restarted the method: start a new run.
			e, err := NewEnrollee(p.cfg.Enrollee)
			if err != nil {
				return nil
			}
			p.enrollee = e
			p.reasm.Reset()
		}
		return p.enrolleeActions(id, p.enrollee.Handle(Start{}))
	}
	op, msg, done, err := p.reasm.Add(f)
	if err != nil {
		return p.finish(fmt.Errorf("%w: %w", ErrEAP, err))
	}
	if !done {
		return p.respondWSC(id, eap.WSCFrame{OpCode: eap.OpFragACK})
	}
	return p.enrolleeActions(id, p.enrollee.Handle(MessageReceived{Op: op, Message: msg}))
}

// enrolleeActions turns the Enrollee's actions into the response to
// request id and the report actions.
func (p *EAPPeer) enrolleeActions(id uint8, in []Action) []Action {
	var acts []Action
	for _, a := range in {
		switch a := a.(type) {
		case SendMessage:
			frames, err := eap.Fragment(a.Op, a.Message, p.cfg.FragmentSize)
			if err != nil || len(frames) == 0 {
				return append(acts, p.finish(fmt.Errorf("%w: %w", ErrEAP, err))...)
			}
			p.out = frames[1:]
			acts = append(acts, p.respondWSC(id, frames[0])...)
		case Succeeded, Failed:
			p.outcome = true
			acts = append(acts, a)
		}
	}
	return acts
}

// EAPServerConfig configures an EAPServer.
type EAPServerConfig struct {
	// Registrar configures the registration protocol; its Rand also gives
	// the first EAP Identifier.
	Registrar RegistrarConfig
	// FragmentSize bounds the EAP-WSC data of one packet; 0 means
	// eap.FragmentSize.
	FragmentSize int
	// MaxMessageLen caps a reassembled message; 0 means
	// eap.DefaultMaxMessageLen.
	MaxMessageLen int
	// EAPOLVersion is the Protocol Version sent; 0 means
	// DefaultServerEAPOLVersion.
	EAPOLVersion uint8
	// RetransmitTimeout and Attempts pace the retransmission of a request
	// (0: DefaultRetransmitTimeout, DefaultAttempts).
	RetransmitTimeout time.Duration
	Attempts          int
}

type serverState uint8

const (
	serverIdle serverState = iota
	serverWaitIdentity
	serverRunning
	serverFinished
)

// EAPServer is the EAP server of WSC provisioning on the GO (the IEEE
// 802.1X authenticator side), for one station: Start sends
// EAP-Request/Identity; the Enrollee identity gets WSC_Start; then every
// response is reassembled and handed to a Registrar, and the Registrar's
// messages go out as requests, in fragments when they are long. Each
// request carries the next Identifier (the first is random) and is sent
// again after RetransmitTimeout, Attempts times in all; responses with
// another Identifier are dropped. When the Registrar's run is over the
// server sends EAP-Failure and reports Finished; it also gives up (Failed
// with ErrTimeout, EAP-Failure, Finished) when the peer stops answering.
type EAPServer struct {
	cfg       EAPServerConfig
	registrar *Registrar
	reasm     eap.Reassembler
	timer     timer
	state     serverState

	id       uint8  // Identifier of the outstanding request
	req      []byte // the outstanding request's EAPOL PDU
	attempts int
	out      []eap.WSCFrame
	outcome  bool
}

// NewEAPServer returns an EAPServer; it fails on an unusable Registrar
// configuration or fragment size.
func NewEAPServer(cfg EAPServerConfig) (*EAPServer, error) {
	if cfg.FragmentSize == 0 {
		cfg.FragmentSize = eap.FragmentSize
	}
	if _, err := eap.Fragment(eap.OpMsg, nil, cfg.FragmentSize); err != nil {
		return nil, fmt.Errorf("wsc: EAP server: %w", err)
	}
	if cfg.EAPOLVersion == 0 {
		cfg.EAPOLVersion = DefaultServerEAPOLVersion
	}
	if cfg.RetransmitTimeout <= 0 {
		cfg.RetransmitTimeout = DefaultRetransmitTimeout
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	r, err := NewRegistrar(cfg.Registrar)
	if err != nil {
		return nil, err
	}
	cfg.Registrar = r.cfg
	return &EAPServer{cfg: cfg, registrar: r, reasm: eap.Reassembler{Max: cfg.MaxMessageLen}}, nil
}

// Handle processes one event: Start, FrameReceived or Timeout.
func (s *EAPServer) Handle(ev Event) []Action {
	switch ev := ev.(type) {
	case Start:
		if s.state != serverIdle {
			return nil
		}
		var b [1]byte
		if _, err := io.ReadFull(s.cfg.Registrar.Rand, b[:]); err != nil {
			s.state = serverFinished
			return []Action{failedWith(fmt.Errorf("wsc: EAP Identifier: %w", err), ConfigErrNone, 0), Finished{}}
		}
		s.state = serverWaitIdentity
		return s.request(b[0], eap.IdentityRequest(b[0]))
	case Timeout:
		if s.state == serverFinished || !s.timer.fired(ev) {
			return nil
		}
		if s.attempts < s.cfg.Attempts {
			s.attempts++
			return []Action{SendFrame{Frame: s.req}, s.timer.set(s.cfg.RetransmitTimeout)}
		}
		s.registrar.Abort()
		return s.end(fmt.Errorf("%w: no EAP response from the P2P Client", ErrTimeout))
	case FrameReceived:
		if s.state == serverWaitIdentity || s.state == serverRunning {
			return s.receive(ev.Frame)
		}
	}
	return nil
}

// request sends a new request with Identifier id.
func (s *EAPServer) request(id uint8, p eap.Packet) []Action {
	p.Identifier = id
	f, err := eapFrame(s.cfg.EAPOLVersion, p)
	if err != nil {
		return s.end(fmt.Errorf("%w: %w", ErrEAP, err))
	}
	s.id, s.req, s.attempts = id, f, 1
	return []Action{SendFrame{Frame: f}, s.timer.set(s.cfg.RetransmitTimeout)}
}

func (s *EAPServer) requestWSC(f eap.WSCFrame) []Action {
	p, err := eap.WSCPacket(eap.CodeRequest, s.id+1, f)
	if err != nil {
		return s.end(fmt.Errorf("%w: %w", ErrEAP, err))
	}
	return s.request(s.id+1, p)
}

// end sends EAP-Failure (with the Identifier of the last response) and
// finishes, reporting Failed first if nothing was.
func (s *EAPServer) end(reason error) []Action {
	var acts []Action
	if !s.outcome {
		s.outcome = true
		acts = append(acts, failedWith(reason, ConfigErrNone, 0))
	}
	s.state = serverFinished
	acts = append(acts, s.timer.stop()...)
	if f, err := eapFrame(s.cfg.EAPOLVersion, eap.Packet{Code: eap.CodeFailure, Identifier: s.id}); err == nil {
		acts = append(acts, SendFrame{Frame: f})
	}
	return append(acts, Finished{})
}

func (s *EAPServer) receive(frame []byte) []Action {
	pdu, err := eapol.DecodePDU(frame)
	if err != nil || pdu.Validate() != nil {
		return nil
	}
	if pdu.Type == eapol.PacketStart {
		if s.state == serverWaitIdentity {
			return []Action{SendFrame{Frame: s.req}}
		}
		return nil
	}
	_, pkt, ok := receivedEAP(frame)
	if !ok || pkt.Code != eap.CodeResponse || pkt.Identifier != s.id {
		return nil
	}
	if s.state == serverWaitIdentity {
		if pkt.Type != eap.TypeIdentity {
			return s.end(fmt.Errorf("%w: %v type %d instead of Identity", ErrEAP, pkt.Code, pkt.Type))
		}
		if !bytes.Equal(pkt.Data, []byte(eap.IdentityEnrollee)) {
			return s.end(fmt.Errorf("%w: identity %q", ErrEAP, pkt.Data))
		}
		s.state = serverRunning
		return s.requestWSC(eap.WSCFrame{OpCode: eap.OpStart})
	}
	if !pkt.IsWSC() {
		return s.end(fmt.Errorf("%w: response type %d (Nak?) to EAP-WSC", ErrEAP, pkt.Type))
	}
	f, err := pkt.WSC()
	if err != nil {
		return nil
	}
	if len(s.out) > 0 {
		if f.OpCode != eap.OpFragACK {
			return s.end(fmt.Errorf("%w: %v while sending fragments", ErrEAP, f.OpCode))
		}
		next := s.out[0]
		s.out = s.out[1:]
		return s.requestWSC(next)
	}
	if f.OpCode == eap.OpFragACK || f.OpCode == eap.OpStart {
		return s.end(fmt.Errorf("%w: unexpected %v", ErrEAP, f.OpCode))
	}
	op, msg, done, err := s.reasm.Add(f)
	if err != nil {
		s.registrar.Abort()
		return s.end(fmt.Errorf("%w: %w", ErrEAP, err))
	}
	if !done {
		return s.requestWSC(eap.WSCFrame{OpCode: eap.OpFragACK})
	}
	var acts []Action
	sent := false
	for _, a := range s.registrar.Handle(MessageReceived{Op: op, Message: msg}) {
		switch a := a.(type) {
		case SendMessage:
			frames, err := eap.Fragment(a.Op, a.Message, s.cfg.FragmentSize)
			if err != nil || len(frames) == 0 {
				s.registrar.Abort()
				return append(acts, s.end(fmt.Errorf("%w: %w", ErrEAP, err))...)
			}
			s.out = frames[1:]
			acts = append(acts, s.requestWSC(frames[0])...)
			sent = true
		case Succeeded, Failed:
			s.outcome = true
			acts = append(acts, a)
		}
	}
	if !sent {
		s.registrar.Abort() // nothing more to send: the run is over
		acts = append(acts, s.end(fmt.Errorf("%w: the Registrar stopped", ErrEAP))...)
	}
	return acts
}
