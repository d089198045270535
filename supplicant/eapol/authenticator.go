package eapol

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// AuthenticatorConfig configures the Authenticator a GO runs for one
// associated P2P Client.
type AuthenticatorConfig struct {
	// PMK is the group's 32-octet PSK (PMKFromPassphrase of the GO's
	// passphrase and SSID).
	PMK []byte
	// AA is the authenticator's address: the GO's interface address.
	AA ieee80211.MAC
	// SPA is the station's address.
	SPA ieee80211.MAC
	// RSNE is the body of the RSNE in the GO's Beacons and Probe Responses;
	// message 3/4 carries it.
	RSNE []byte
	// StationRSNE is the body of the RSNE of the station's (Re)Association
	// Request, with one pairwise cipher and the PSK AKM; message 2/4 must
	// carry the same octets.
	StationRSNE []byte
	// GroupKey is the current GTK, its Key ID and RSC (the GO's transmit
	// packet number for it); message 3/4 carries it. RekeyGroup replaces it.
	GroupKey GroupKey
	// AllocateIP is called at most once, when a valid message 2/4 carries
	// the IP Address Request KDE (Wi-Fi P2P Technical Specification v1.7,
	// 4.2.8); when it returns true, message 3/4 carries the IP Address
	// Allocation KDE. nil: no addresses are allocated.
	AllocateIP func(spa ieee80211.MAC) (IPAddressAllocation, bool)
	// Rand is the ANonce source; nil means crypto/rand.Reader. Tests inject
	// fixed nonces here.
	Rand io.Reader
	// Version is the EAPOL Protocol Version of the frames we send; 0 means
	// Version2004, what hostapd sends by default (eapol_version=2).
	Version uint8
	// RetransmitTimeout is how long to wait for an answer before sending a
	// message again; 0 means DefaultRetransmitTimeout.
	RetransmitTimeout time.Duration
	// Attempts is how many times each message is sent before the machine
	// fails; 0 means DefaultAttempts. At most MaxAttempts.
	Attempts int
}

type authState uint8

const (
	authIdle             authState = iota
	authPTKStart                   // 1/4 sent, waiting for 2/4
	authPTKNegotiating             // 3/4 sent, waiting for 4/4
	authPTKDone                    // 4-way handshake complete
	authGroupNegotiating           // group 1/2 sent, waiting for 2/2
	authEnded                      // failed
)

// series tracks the transmissions of one message: their replay counters are
// consecutive, and an answer may echo any of them.
type series struct {
	first, last uint64
	attempts    int
}

func (r series) has(rc uint64) bool { return r.attempts > 0 && rc >= r.first && rc <= r.last }

// Authenticator is the key management state machine a GO runs for one P2P
// Client (IEEE Std 802.11-2020, 12.7.6 4-way handshake and 12.7.7 group key
// handshake, authenticator side) for WPA2-PSK with CCMP.
//
// Start sends message 1/4 (with no PMKID KDE: docs/bad-input.md 4b #30);
// a valid 2/4 gets 3/4 with the GO's RSNE, the GTK KDE and, when asked for and
// granted, the IP Address Allocation KDE; a valid 4/4 installs the PTK and
// authorizes the port. RekeyGroup runs the group key handshake. Each message
// is retransmitted with a new replay counter when its timer fires, up to
// Attempts times; then the machine fails and the caller deauthenticates the
// station. Invalid frames are dropped silently.
//
// An Authenticator is not safe for concurrent use.
type Authenticator struct {
	cfg      AuthenticatorConfig
	s        suites
	rand     io.Reader
	version  uint8
	timeout  time.Duration
	attempts int

	state authState
	timer timer
	rc    uint64 // replay counter of the last frame sent

	aNonce, sNonce [NonceLen]byte
	ptk            *PTK
	m1, m3, g1     series

	gtk     GroupKey // current group key
	sentGTK []byte   // GTK that message 3/4 carried
	ip      *IPAddressAllocation
}

// NewAuthenticator checks cfg and returns an Authenticator waiting for
// Start. It fails (ErrInvalid) when the PMK is not 32 octets, the RSNEs do
// not name a supported pairwise cipher, group cipher and the PSK AKM, the GTK
// does not fit the group cipher or is all zero, or Attempts exceeds
// MaxAttempts.
func NewAuthenticator(cfg AuthenticatorConfig) (*Authenticator, error) {
	if len(cfg.PMK) != PMKLen {
		return nil, fmt.Errorf("eapol: %w: PMK of %d octets (want %d)", ErrInvalid, len(cfg.PMK), PMKLen)
	}
	s, err := negotiated(cfg.StationRSNE, cfg.RSNE)
	if err != nil {
		return nil, err
	}
	if err := checkGroupKey(cfg.GroupKey, s.gtkLen); err != nil {
		return nil, err
	}
	if cfg.Attempts < 0 || cfg.Attempts > MaxAttempts {
		return nil, fmt.Errorf("eapol: %w: %d attempts (at most %d)", ErrInvalid, cfg.Attempts, MaxAttempts)
	}
	a := &Authenticator{
		cfg:      cfg,
		s:        s,
		rand:     cfg.Rand,
		version:  cfg.Version,
		timeout:  cfg.RetransmitTimeout,
		attempts: cfg.Attempts,
		gtk:      cloneGroupKey(cfg.GroupKey),
	}
	a.cfg.PMK = bytes.Clone(cfg.PMK)
	a.cfg.RSNE = bytes.Clone(cfg.RSNE)
	a.cfg.StationRSNE = bytes.Clone(cfg.StationRSNE)
	if a.rand == nil {
		a.rand = rand.Reader
	}
	if a.version == 0 {
		a.version = Version2004
	}
	if a.timeout <= 0 {
		a.timeout = DefaultRetransmitTimeout
	}
	if a.attempts == 0 {
		a.attempts = DefaultAttempts
	}
	return a, nil
}

func checkGroupKey(g GroupKey, gtkLen int) error {
	switch {
	case g.KeyID > 3:
		return fmt.Errorf("eapol: %w: GTK Key ID %d", ErrInvalid, g.KeyID)
	case len(g.Key) != gtkLen:
		return fmt.Errorf("eapol: %w: GTK of %d octets, the group cipher's is %d", ErrInvalid, len(g.Key), gtkLen)
	case isZero(g.Key):
		return fmt.Errorf("eapol: GTK: %w", ErrZeroKey)
	}
	return nil
}

func cloneGroupKey(g GroupKey) GroupKey {
	g.Key = bytes.Clone(g.Key)
	return g
}

// Handle processes one event and returns the actions to carry out, in
// order. It returns nil for events that change nothing, which includes every
// dropped frame. A RekeyGroup whose key does not fit the group cipher or is
// all zero is ignored.
func (a *Authenticator) Handle(ev Event) []Action {
	if a.state == authEnded {
		return nil
	}
	switch ev := ev.(type) {
	case Start:
		if a.state != authIdle {
			return nil
		}
		n, err := GenerateNonce(a.rand)
		if err != nil {
			return a.fail(err, ieee80211.ReasonUnspecified)
		}
		a.aNonce = n
		a.state = authPTKStart
		return a.sendMessage1()
	case Timeout:
		if !a.timer.fired(ev) {
			return nil
		}
		return a.retransmit()
	case Receive:
		return a.receive(ev.Frame)
	case RekeyGroup:
		return a.rekeyGroup(ev.Key)
	}
	return nil
}

// Completed reports whether the 4-way handshake has completed.
func (a *Authenticator) Completed() bool {
	return a.state == authPTKDone || a.state == authGroupNegotiating
}

func (a *Authenticator) fail(reason error, code uint16) []Action {
	a.state = authEnded
	acts := a.timer.stop()
	return append(acts, failed(reason, code))
}

// send numbers the next transmission of a message series, builds the frame
// and arms the retransmission timer.
func (a *Authenticator) send(sr *series, build func(rc uint64) ([]byte, error)) []Action {
	a.rc++
	if sr.attempts == 0 {
		sr.first = a.rc
	}
	sr.last = a.rc
	sr.attempts++
	f, err := build(a.rc)
	if err != nil {
		return a.fail(err, ieee80211.ReasonUnspecified)
	}
	return []Action{SendFrame{Frame: f}, a.timer.set(a.timeout)}
}

func (a *Authenticator) retransmit() []Action {
	switch a.state {
	case authPTKStart:
		if a.m1.attempts >= a.attempts {
			return a.fail(fmt.Errorf("%w: no answer to message 1/4 after %d attempts", ErrHandshakeTimeout, a.m1.attempts),
				ieee80211.ReasonFourWayHandshakeTimeout)
		}
		return a.sendMessage1()
	case authPTKNegotiating:
		if a.m3.attempts >= a.attempts {
			return a.fail(fmt.Errorf("%w: no answer to message 3/4 after %d attempts", ErrHandshakeTimeout, a.m3.attempts),
				ieee80211.ReasonFourWayHandshakeTimeout)
		}
		return a.sendMessage3()
	case authGroupNegotiating:
		if a.g1.attempts >= a.attempts {
			return a.fail(fmt.Errorf("%w: no answer to group message 1/2 after %d attempts", ErrHandshakeTimeout, a.g1.attempts),
				ieee80211.ReasonGroupKeyUpdateTimeout)
		}
		return a.sendGroupMessage1()
	}
	return nil
}

// sendMessage1 sends 4-way message 1/4 (12.7.6.2): Key Ack, the ANonce, no
// MIC and no Key Data (no PMKID KDE: PSK needs none, and it would let an
// observer test passphrase guesses offline; docs/bad-input.md 4b #30).
func (a *Authenticator) sendMessage1() []Action {
	return a.send(&a.m1, func(rc uint64) ([]byte, error) {
		return signedFrame(a.version, Key{
			DescriptorType: DescriptorRSN,
			KeyInfo:        KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Pairwise: true, Ack: true},
			KeyLength:      uint16(a.s.tkLen),
			ReplayCounter:  rc,
			KeyNonce:       a.aNonce,
		}, nil)
	})
}

// message3KeyData is the plaintext Key Data of message 3/4 in hostapd's
// order: the GO's RSNE, the GTK KDE, then the IP Address Allocation KDE.
func (a *Authenticator) message3KeyData() (KeyData, error) {
	kd := KeyData{Elements: []ieee80211.Element{rsnElement(a.cfg.RSNE)}}
	e, err := GTKKDE{KeyID: a.gtk.KeyID, GTK: a.gtk.Key}.KDE().Element()
	if err != nil {
		return KeyData{}, err
	}
	kd.Elements = append(kd.Elements, e)
	if a.ip != nil {
		e, err := a.ip.KDE().Element()
		if err != nil {
			return KeyData{}, err
		}
		kd.Elements = append(kd.Elements, e)
	}
	return kd, nil
}

// sendMessage3 sends 4-way message 3/4 (12.7.6.4): Install, Key Ack, Key
// MIC, Secure and Encrypted Key Data, the ANonce, the GTK's RSC, and the Key
// Data wrapped with the KEK.
func (a *Authenticator) sendMessage3() []Action {
	return a.send(&a.m3, func(rc uint64) ([]byte, error) {
		kd, err := a.message3KeyData()
		if err != nil {
			return nil, err
		}
		data, err := EncryptKeyData(a.ptk.KEK, kd)
		if err != nil {
			return nil, err
		}
		a.sentGTK = bytes.Clone(a.gtk.Key)
		return signedFrame(a.version, Key{
			DescriptorType: DescriptorRSN,
			KeyInfo: KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Pairwise: true, Install: true, Ack: true,
				MIC: true, Secure: true, EncryptedKeyData: true},
			KeyLength:     uint16(a.s.tkLen),
			ReplayCounter: rc,
			KeyNonce:      a.aNonce,
			KeyRSC:        a.gtk.RSC,
			KeyData:       data,
		}, a.ptk.KCK)
	})
}

// sendGroupMessage1 sends group message 1/2 (12.7.7.2): Key Ack, Key MIC,
// Secure and Encrypted Key Data, the GTK's RSC and the GTK KDE wrapped with
// the KEK. Key Length and Key Nonce are 0, as hostapd sends them.
func (a *Authenticator) sendGroupMessage1() []Action {
	return a.send(&a.g1, func(rc uint64) ([]byte, error) {
		e, err := GTKKDE{KeyID: a.gtk.KeyID, GTK: a.gtk.Key}.KDE().Element()
		if err != nil {
			return nil, err
		}
		data, err := EncryptKeyData(a.ptk.KEK, KeyData{Elements: []ieee80211.Element{e}})
		if err != nil {
			return nil, err
		}
		return signedFrame(a.version, Key{
			DescriptorType: DescriptorRSN,
			KeyInfo: KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Ack: true, MIC: true, Secure: true,
				EncryptedKeyData: true},
			ReplayCounter: rc,
			KeyRSC:        a.gtk.RSC,
			KeyData:       data,
		}, a.ptk.KCK)
	})
}

func (a *Authenticator) receive(frame []byte) []Action {
	k, m, ok := receivedKey(frame)
	if !ok {
		return nil
	}
	switch {
	case m == Message2Of4 && (a.state == authPTKStart || a.state == authPTKNegotiating):
		return a.message2(frame, k)
	case m == Message4Of4 && a.state == authPTKNegotiating:
		return a.message4(frame, k)
	case m == GroupMessage2Of2 && a.state == authGroupNegotiating:
		return a.groupMessage2(frame, k)
	}
	return nil
}

// message2 checks 4-way message 2/4 and answers with 3/4 (12.7.6.3).
func (a *Authenticator) message2(frame []byte, k Key) []Action {
	if !a.m1.has(k.ReplayCounter) {
		return nil
	}
	if a.state == authPTKNegotiating && k.KeyNonce == a.sNonce {
		return nil // a copy of the 2/4 already answered
	}
	ptk, err := DerivePTK(a.cfg.PMK, a.cfg.AA, a.cfg.SPA, a.aNonce, k.KeyNonce, a.s.tkLen)
	if err != nil || !CheckMIC(ptk.KCK, frame) {
		return nil
	}
	kd, err := ParseKeyData(k.KeyData)
	if err != nil {
		return nil
	}
	rsne, ok := kd.FindElement(ieee80211.ElemRSN)
	if !ok || !bytes.Equal(rsne.Data, a.cfg.StationRSNE) {
		return a.fail(fmt.Errorf("%w: message 2/4 RSNE %x, (Re)Association Request RSNE %x", ErrRSNEMismatch, rsne.Data, a.cfg.StationRSNE),
			ieee80211.ReasonIEIn4WayDiffers)
	}
	if isZero(ptk.TK) {
		return a.fail(fmt.Errorf("%w: TK: %w", ErrBadKeyData, ErrZeroKey), ieee80211.ReasonUnspecified)
	}
	if kde, ok := kd.FindKDE(ieee80211.OUIWFA, KDEIPAddressRequest); ok && kde.RequestsIPAddress() &&
		a.ip == nil && a.cfg.AllocateIP != nil {
		if alloc, ok := a.cfg.AllocateIP(a.cfg.SPA); ok {
			a.ip = &alloc
		}
	}
	a.sNonce, a.ptk = k.KeyNonce, &ptk
	a.state = authPTKNegotiating
	// A 2/4 with a new SNonce while 3/4 is outstanding restarts 3/4 with the
	// new PTK but keeps counting its attempts, so the exchange stays bounded.
	return a.sendMessage3()
}

// message4 checks 4-way message 4/4, installs the PTK and authorizes the
// port (12.7.6.5).
func (a *Authenticator) message4(frame []byte, k Key) []Action {
	if !a.m3.has(k.ReplayCounter) || !CheckMIC(a.ptk.KCK, frame) {
		return nil
	}
	a.state = authPTKDone
	acts := a.timer.stop()
	acts = append(acts, InstallPairwiseKey{Peer: a.cfg.SPA, Cipher: a.s.pairwise, TK: bytes.Clone(a.ptk.TK)})
	if a.ip != nil {
		acts = append(acts, IPAddressAssigned{Peer: a.cfg.SPA, Allocation: *a.ip})
	}
	acts = append(acts, AuthorizePort{Peer: a.cfg.SPA}, HandshakeDone{Handshake: FourWayHandshake})
	if !bytes.Equal(a.sentGTK, a.gtk.Key) {
		// The group key changed after 3/4 went out.
		a.state = authGroupNegotiating
		a.g1 = series{}
		acts = append(acts, a.sendGroupMessage1()...)
	}
	return acts
}

// groupMessage2 checks group message 2/2 (12.7.7.3).
func (a *Authenticator) groupMessage2(frame []byte, k Key) []Action {
	if !a.g1.has(k.ReplayCounter) || !CheckMIC(a.ptk.KCK, frame) {
		return nil
	}
	a.state = authPTKDone
	acts := a.timer.stop()
	return append(acts, HandshakeDone{Handshake: GroupKeyHandshake})
}

// rekeyGroup takes a new group key and delivers it: in 3/4 if that is
// still to be sent, else with the group key handshake once the 4-way
// handshake is done.
func (a *Authenticator) rekeyGroup(g GroupKey) []Action {
	if checkGroupKey(g, a.s.gtkLen) != nil {
		return nil
	}
	a.gtk = cloneGroupKey(g)
	switch a.state {
	case authPTKDone, authGroupNegotiating:
		a.state = authGroupNegotiating
		a.g1 = series{}
		return a.sendGroupMessage1()
	}
	return nil
}
