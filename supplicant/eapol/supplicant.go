package eapol

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// SupplicantConfig configures the Supplicant of a P2P Client.
type SupplicantConfig struct {
	// PMK is the 32-octet PSK: PMKFromPassphrase(passphrase, SSID), or the
	// PSK a persistent group stored.
	PMK []byte
	// AA is the authenticator's address: the GO's interface address (BSSID).
	AA ieee80211.MAC
	// SPA is the supplicant's address: our P2P Client interface address.
	SPA ieee80211.MAC
	// RSNE is the body of the RSNE we sent in the (Re)Association Request,
	// with one pairwise cipher and the PSK AKM; message 2/4 carries it.
	RSNE []byte
	// AuthenticatorRSNE is the body of the RSNE of the GO's Beacon or Probe
	// Response; message 3/4 must carry the same octets.
	AuthenticatorRSNE []byte
	// RequestIPAddress adds the IP Address Request KDE to message 2/4
	// (Wi-Fi P2P Technical Specification v1.7, 4.2.8). Set it when the GO's
	// P2P IE has the IP Address Allocation bit in its Group Capability, as
	// wpa_supplicant does.
	RequestIPAddress bool
	// Rand is the SNonce source; nil means crypto/rand.Reader. Tests inject
	// fixed nonces here.
	Rand io.Reader
	// Version is the EAPOL Protocol Version of the frames we send; 0 means
	// Version2001, the version wpa_supplicant sends by default
	// (eapol_version=1), which every authenticator accepts.
	Version uint8
	// HandshakeTimeout is how long after Start the 4-way handshake may
	// take; 0 means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
}

// maxPendingPTKs bounds the temporary PTKs (one per ANonce of a message 1/4
// not yet followed by a valid 3/4) a Supplicant keeps.
const maxPendingPTKs = 4

// Supplicant is the key management state machine of a P2P Client
// (IEEE Std 802.11-2020, 12.7.6 4-way handshake and 12.7.7 group key
// handshake, supplicant side) for WPA2-PSK with CCMP.
//
// It answers message 1/4 with 2/4 and message 3/4 with 4/4, then installs
// the PTK and the GTK and authorizes the port; it answers group message 1/2
// with 2/2 and installs the new GTK. It never installs a key it has already
// installed (a retransmitted 3/4 or group 1/2 gets its reply but no second
// install; KRACK, docs/bad-input.md 4b #27), never installs an all-zero key,
// and silently drops every EAPOL-Key frame that fails validation (Encrypted
// Key Data without Key MIC, a replay counter not above the last authenticated
// one, a bad MIC, an unexpected message; 4b #26, #28, #29). Message 1/4 is
// not authenticated, so a forged 1/4 only adds a temporary PTK: the genuine
// 3/4 is still verified against the PTK of its own ANonce.
//
// A Supplicant is not safe for concurrent use.
type Supplicant struct {
	cfg     SupplicantConfig
	s       suites
	rand    io.Reader
	version uint8
	timeout time.Duration
	msg2KD  []byte // Key Data of message 2/4

	ended   bool // failed: no more events are handled
	started bool
	timer   timer

	sNonce     [NonceLen]byte
	haveSNonce bool // sNonce is in use: not yet consumed by a valid 3/4
	pending    []pendingPTK

	ptk       *PTK // the PTK of the last valid 3/4
	ptkANonce [NonceLen]byte

	rc    uint64 // replay counter of the last frame with a valid MIC
	rcSet bool

	installedTK []byte
	installed   [4][]byte // GTK installed for each Key ID
	authorized  bool
}

type pendingPTK struct {
	aNonce [NonceLen]byte
	ptk    PTK
}

// NewSupplicant checks cfg and returns a Supplicant waiting for message
// 1/4. It fails (ErrInvalid) when the PMK is not 32 octets or the RSNEs do
// not name a supported pairwise cipher, group cipher and the PSK AKM.
func NewSupplicant(cfg SupplicantConfig) (*Supplicant, error) {
	if len(cfg.PMK) != PMKLen {
		return nil, fmt.Errorf("eapol: %w: PMK of %d octets (want %d)", ErrInvalid, len(cfg.PMK), PMKLen)
	}
	s, err := negotiated(cfg.RSNE, cfg.AuthenticatorRSNE)
	if err != nil {
		return nil, err
	}
	kd := KeyData{Elements: []ieee80211.Element{rsnElement(cfg.RSNE)}}
	if cfg.RequestIPAddress {
		e, err := IPAddressRequestKDE().Element()
		if err != nil {
			return nil, err
		}
		kd.Elements = append(kd.Elements, e)
	}
	msg2KD, err := kd.Encode()
	if err != nil {
		return nil, err
	}
	sup := &Supplicant{
		cfg:     cfg,
		s:       s,
		rand:    cfg.Rand,
		version: cfg.Version,
		timeout: cfg.HandshakeTimeout,
		msg2KD:  msg2KD,
	}
	sup.cfg.PMK = bytes.Clone(cfg.PMK)
	sup.cfg.RSNE = bytes.Clone(cfg.RSNE)
	sup.cfg.AuthenticatorRSNE = bytes.Clone(cfg.AuthenticatorRSNE)
	if sup.rand == nil {
		sup.rand = rand.Reader
	}
	if sup.version == 0 {
		sup.version = Version2001
	}
	if sup.timeout <= 0 {
		sup.timeout = DefaultHandshakeTimeout
	}
	return sup, nil
}

// Handle processes one event and returns the actions to carry out, in
// order. It returns nil for events that change nothing, which includes every
// dropped frame.
func (s *Supplicant) Handle(ev Event) []Action {
	if s.ended {
		return nil
	}
	switch ev := ev.(type) {
	case Start:
		if s.started || s.ptk != nil {
			return nil
		}
		s.started = true
		return []Action{s.timer.set(s.timeout)}
	case Timeout:
		if !s.timer.fired(ev) {
			return nil
		}
		return s.fail(fmt.Errorf("%w: no 4-way handshake within %v", ErrHandshakeTimeout, s.timeout),
			ieee80211.ReasonFourWayHandshakeTimeout)
	case Receive:
		return s.receive(ev.Frame)
	}
	return nil
}

// Completed reports whether a 4-way handshake has completed.
func (s *Supplicant) Completed() bool { return s.ptk != nil }

func (s *Supplicant) fail(reason error, code uint16) []Action {
	s.ended = true
	acts := s.timer.stop()
	return append(acts, failed(reason, code))
}

func (s *Supplicant) receive(frame []byte) []Action {
	k, m, ok := receivedKey(frame)
	if !ok {
		return nil
	}
	// 12.7.2: a Key Replay Counter not above the last one received in a
	// frame with a valid MIC is a replay.
	if s.rcSet && k.ReplayCounter <= s.rc {
		return nil
	}
	switch m {
	case Message1Of4:
		return s.message1(k)
	case Message3Of4:
		return s.message3(frame, k)
	case GroupMessage1Of2:
		return s.groupMessage1(frame, k)
	}
	return nil
}

// message1 answers 4-way message 1/4 with 2/4 (12.7.6.2, 12.7.6.3).
func (s *Supplicant) message1(k Key) []Action {
	if !s.haveSNonce {
		n, err := GenerateNonce(s.rand)
		if err != nil {
			return s.fail(err, ieee80211.ReasonUnspecified)
		}
		s.sNonce, s.haveSNonce = n, true
	}
	ptk, err := DerivePTK(s.cfg.PMK, s.cfg.AA, s.cfg.SPA, k.KeyNonce, s.sNonce, s.s.tkLen)
	if err != nil {
		return nil
	}
	s.addPending(k.KeyNonce, ptk)
	reply := Key{
		DescriptorType: DescriptorRSN,
		KeyInfo: KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Pairwise: true, MIC: true,
			Secure: s.ptk != nil}, // a PTK rekey sets Secure, as wpa_supplicant does
		ReplayCounter: k.ReplayCounter,
		KeyNonce:      s.sNonce,
		KeyData:       s.msg2KD,
	}
	f, err := signedFrame(s.version, reply, ptk.KCK)
	if err != nil {
		return nil
	}
	return []Action{SendFrame{Frame: f}}
}

func (s *Supplicant) addPending(aNonce [NonceLen]byte, ptk PTK) {
	for i, p := range s.pending {
		if p.aNonce == aNonce {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			break
		}
	}
	if len(s.pending) == maxPendingPTKs {
		s.pending = append(s.pending[:0], s.pending[1:]...)
	}
	s.pending = append(s.pending, pendingPTK{aNonce: aNonce, ptk: ptk})
}

// message3 answers 4-way message 3/4 with 4/4 and installs the keys
// (12.7.6.4, 12.7.6.5).
func (s *Supplicant) message3(frame []byte, k Key) []Action {
	if int(k.KeyLength) != s.s.tkLen {
		return nil
	}
	// The ANonce must be that of a message 1/4 we answered; the MIC picks
	// the PTK: a new one from a pending 1/4, or the current one for a
	// retransmitted 3/4.
	var use *PTK
	fresh := false
	for i := len(s.pending) - 1; i >= 0; i-- {
		if p := &s.pending[i]; p.aNonce == k.KeyNonce && CheckMIC(p.ptk.KCK, frame) {
			use, fresh = &p.ptk, true
			break
		}
	}
	if use == nil && s.ptk != nil && s.ptkANonce == k.KeyNonce && CheckMIC(s.ptk.KCK, frame) {
		use = s.ptk
	}
	if use == nil {
		return nil
	}
	s.rc, s.rcSet = k.ReplayCounter, true
	kd, err := DecryptKeyData(use.KEK, k.KeyData)
	if err != nil {
		return nil
	}
	if err := s.checkRSNEs(kd); err != nil {
		return s.fail(err, ieee80211.ReasonIEIn4WayDiffers)
	}
	gtk, err := gtkFromKeyData(kd, s.s.gtkLen, k.KeyRSC)
	if err != nil {
		return s.fail(err, ieee80211.ReasonUnspecified)
	}
	if isZero(use.TK) {
		return s.fail(fmt.Errorf("%w: TK: %w", ErrBadKeyData, ErrZeroKey), ieee80211.ReasonUnspecified)
	}
	reply := Key{
		DescriptorType: DescriptorRSN,
		KeyInfo:        KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Pairwise: true, MIC: true, Secure: true},
		ReplayCounter:  k.ReplayCounter,
	}
	f, err := signedFrame(s.version, reply, use.KCK)
	if err != nil {
		return nil
	}
	acts := []Action{SendFrame{Frame: f}}
	if fresh {
		p := *use
		s.ptk, s.ptkANonce = &p, k.KeyNonce
		s.pending = nil
		s.haveSNonce = false // the next 4-way handshake uses a new SNonce
	}
	if !bytes.Equal(s.installedTK, s.ptk.TK) {
		s.installedTK = bytes.Clone(s.ptk.TK)
		acts = append(acts, InstallPairwiseKey{Peer: s.cfg.AA, Cipher: s.s.pairwise, TK: bytes.Clone(s.ptk.TK)})
	}
	acts = append(acts, s.installGTK(gtk)...)
	if fresh {
		if kde, ok := kd.FindKDE(ieee80211.OUIWFA, KDEIPAddressAllocation); ok {
			if a, err := ParseIPAddressAllocationKDE(kde.Data); err == nil {
				acts = append(acts, IPAddressAssigned{Peer: s.cfg.AA, Allocation: a})
			}
		}
	}
	if !s.authorized {
		s.authorized = true
		acts = append(acts, AuthorizePort{Peer: s.cfg.AA})
	}
	if fresh {
		acts = append(acts, s.timer.stop()...)
		acts = append(acts, HandshakeDone{Handshake: FourWayHandshake})
	}
	return acts
}

// checkRSNEs compares the RSNE of message 3/4 with the GO's Beacon or Probe
// Response RSNE; a second RSNE, which assigns the pairwise cipher, must name
// ours (12.7.6.4).
func (s *Supplicant) checkRSNEs(kd KeyData) error {
	n := 0
	for _, e := range kd.Elements {
		if e.ID != ieee80211.ElemRSN {
			continue
		}
		n++
		switch n {
		case 1:
			if !bytes.Equal(e.Data, s.cfg.AuthenticatorRSNE) {
				return fmt.Errorf("%w: message 3/4 RSNE %x, advertised %x", ErrRSNEMismatch, e.Data, s.cfg.AuthenticatorRSNE)
			}
		case 2:
			r, err := ieee80211.DecodeRSN(e.Data)
			if err != nil || len(r.PairwiseCiphers) != 1 || r.PairwiseCiphers[0] != s.s.pairwise {
				return fmt.Errorf("%w: second RSNE %x does not assign pairwise cipher %v", ErrRSNEMismatch, e.Data, s.s.pairwise)
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("%w: message 3/4 carries no RSNE", ErrRSNEMismatch)
	}
	return nil
}

// installGTK asks for gtk unless it is the GTK installed for its Key ID.
func (s *Supplicant) installGTK(gtk GroupKey) []Action {
	id := gtk.KeyID & 3
	if bytes.Equal(s.installed[id], gtk.Key) {
		return nil
	}
	s.installed[id] = bytes.Clone(gtk.Key)
	return []Action{InstallGroupKey{Cipher: s.s.group, Key: gtk}}
}

// groupMessage1 answers group message 1/2 with 2/2 and installs the new
// GTK (12.7.7.2, 12.7.7.3).
func (s *Supplicant) groupMessage1(frame []byte, k Key) []Action {
	if s.ptk == nil || !CheckMIC(s.ptk.KCK, frame) {
		return nil
	}
	s.rc, s.rcSet = k.ReplayCounter, true
	kd, err := DecryptKeyData(s.ptk.KEK, k.KeyData)
	if err != nil {
		return nil
	}
	gtk, err := gtkFromKeyData(kd, s.s.gtkLen, k.KeyRSC)
	if err != nil {
		return s.fail(err, ieee80211.ReasonUnspecified)
	}
	reply := Key{
		DescriptorType: DescriptorRSN,
		KeyInfo:        KeyInfo{DescriptorVersion: VersionHMACSHA1AES, MIC: true, Secure: true},
		ReplayCounter:  k.ReplayCounter,
	}
	f, err := signedFrame(s.version, reply, s.ptk.KCK)
	if err != nil {
		return nil
	}
	acts := s.installGTK(gtk)
	acts = append(acts, SendFrame{Frame: f}, HandshakeDone{Handshake: GroupKeyHandshake})
	return acts
}
