package eapol

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// The key management state machines of a WPA2-PSK Wi-Fi P2P group
// (IEEE Std 802.11-2020, 12.7.6 4-way handshake, 12.7.7 group key
// handshake): Supplicant for the P2P Client, Authenticator for the GO, one
// per associated client. Both are pure: Handle takes an Event and returns the
// Actions the caller carries out, in order. They do no I/O, read no clock
// and keep no goroutines; the caller arms the timers they ask for and feeds
// back a Timeout when one fires. Frames that fail any check are dropped
// silently: no reply, no abort (docs/bad-input.md 4b #26, #28, #29).

// Event is an input to a Supplicant or an Authenticator: Start, Receive,
// Timeout or RekeyGroup.
type Event interface{ isEvent() }

// Start starts a machine. An Authenticator sends message 1/4; a Supplicant
// arms its handshake timer (it answers frames even before Start).
type Start struct{}

// Receive is an EAPOL PDU received from the peer, from the EAPOL header on
// (what vectors.EAPOL returns for an 802.11 data frame). Octets after the
// packet body (padding) are allowed and ignored.
type Receive struct{ Frame []byte }

// Timeout reports that the timer a SetTimer action armed has fired. A
// Timeout for a timer that was stopped or replaced is ignored, so the caller
// need not worry about a timer firing while it delivers another event.
type Timeout struct{ Timer uint64 }

// RekeyGroup hands an Authenticator a new group key to deliver with the
// group key handshake (IEEE Std 802.11-2020, 12.7.7) once the 4-way
// handshake is done, or in message 3/4 if that is still to be sent.
type RekeyGroup struct{ Key GroupKey }

func (Start) isEvent()      {}
func (Receive) isEvent()    {}
func (Timeout) isEvent()    {}
func (RekeyGroup) isEvent() {}

// Action is an output of a Supplicant or an Authenticator: SendFrame,
// SetTimer, StopTimer, InstallPairwiseKey, InstallGroupKey, AuthorizePort,
// IPAddressAssigned, HandshakeDone or HandshakeFailed.
type Action interface{ isAction() }

// SendFrame asks the caller to send an EAPOL PDU to the peer (EtherType
// 0x888e, unencrypted until a pairwise key is installed: a 4/4 that
// precedes an InstallPairwiseKey in the same batch goes out before the key is
// installed).
type SendFrame struct{ Frame []byte }

// SetTimer asks the caller to arm a one-shot timer and deliver
// Timeout{Timer} when it fires; it replaces any timer armed before.
type SetTimer struct {
	Timer uint64
	After time.Duration
}

// StopTimer asks the caller to cancel the timer with this number.
type StopTimer struct{ Timer uint64 }

// InstallPairwiseKey asks the caller to install the TK as the pairwise key
// (Key ID 0) for the peer, for transmit and receive (NL80211_CMD_NEW_KEY).
// A machine asks for each TK at most once and never for an all-zero TK.
type InstallPairwiseKey struct {
	Peer   ieee80211.MAC
	Cipher ieee80211.Suite
	TK     []byte
}

// InstallGroupKey asks a P2P Client to install a GTK for receiving group
// addressed frames, with the receive sequence counter RSC (the Key RSC
// field: the packet number, least significant octet first). A Supplicant
// asks for each GTK of a Key ID at most once and never for an all-zero GTK.
type InstallGroupKey struct {
	Cipher ieee80211.Suite
	Key    GroupKey
}

// AuthorizePort asks the caller to open the IEEE 802.1X controlled port
// for the peer (NL80211_STA_FLAG_AUTHORIZED): data frames may flow.
type AuthorizePort struct{ Peer ieee80211.MAC }

// IPAddressAssigned reports the IP Address Allocation KDE: the address a
// GO gave the P2P Client in message 3/4 (Wi-Fi P2P Technical Specification
// v1.7, 4.2.8), or, at the GO, the one it gave the station.
type IPAddressAssigned struct {
	Peer       ieee80211.MAC
	Allocation IPAddressAllocation
}

// Handshake names a key handshake.
type Handshake uint8

// Handshakes.
const (
	FourWayHandshake  Handshake = 1 // 4-way handshake, IEEE Std 802.11-2020, 12.7.6
	GroupKeyHandshake Handshake = 2 // group key handshake, 12.7.7
)

// String names the handshake.
func (h Handshake) String() string {
	switch h {
	case FourWayHandshake:
		return "4-way handshake"
	case GroupKeyHandshake:
		return "group key handshake"
	}
	return fmt.Sprintf("Handshake(%d)", uint8(h))
}

// HandshakeDone reports a completed handshake.
type HandshakeDone struct{ Handshake Handshake }

// HandshakeFailed reports that the machine gave up; it handles no more
// events. The caller deauthenticates the peer with ReasonCode
// (IEEE Std 802.11-2020, 9.4.1.7). Reason wraps one of ErrHandshakeTimeout,
// ErrRSNEMismatch, ErrBadKeyData or the nonce source's error.
type HandshakeFailed struct {
	Reason     error
	ReasonCode uint16
}

func (SendFrame) isAction()          {}
func (SetTimer) isAction()           {}
func (StopTimer) isAction()          {}
func (InstallPairwiseKey) isAction() {}
func (InstallGroupKey) isAction()    {}
func (AuthorizePort) isAction()      {}
func (IPAddressAssigned) isAction()  {}
func (HandshakeDone) isAction()      {}
func (HandshakeFailed) isAction()    {}

// Reasons a machine fails (HandshakeFailed.Reason wraps one).
var (
	// ErrHandshakeTimeout: the peer did not answer within the retry limit.
	ErrHandshakeTimeout = errors.New("eapol: handshake timed out")
	// ErrRSNEMismatch: an authenticated message carried an RSNE other than
	// the one the peer advertised or associated with (a downgrade attempt;
	// IEEE Std 802.11-2020, 12.7.6.3 and 12.7.6.4).
	ErrRSNEMismatch = errors.New("eapol: RSNE in the 4-way handshake differs from the advertised one")
	// ErrBadKeyData: an authenticated message carried Key Data that cannot
	// be used: no GTK KDE, a GTK of the wrong length or all zero.
	ErrBadKeyData = errors.New("eapol: unusable Key Data")
)

// GroupKey is a GTK with its Key ID and receive sequence counter.
type GroupKey struct {
	KeyID uint8        // Key ID, 1 or 2 in practice (0–3)
	Key   []byte       // the GTK
	RSC   [RSCLen]byte // Key RSC: the packet number, least significant octet first
}

// Retransmission defaults of the Authenticator. hostapd waits 100 ms for the
// first answer when it has TX status, then 1 s, and sends each message 4
// times (dot11RSNAConfigPairwiseUpdateCount); these defaults keep 1 s and
// 3 attempts.
const (
	DefaultRetransmitTimeout = time.Second
	DefaultAttempts          = 3
	// MaxAttempts bounds AuthenticatorConfig.Attempts.
	MaxAttempts = 16
	// DefaultHandshakeTimeout is how long a Supplicant waits after Start
	// for the 4-way handshake to complete (wpa_supplicant's P2P client waits
	// 10 s after provisioning, P2P_MAX_INITIAL_CONN_WAIT).
	DefaultHandshakeTimeout = 10 * time.Second
)

// suites are the negotiated algorithms.
type suites struct {
	pairwise, group ieee80211.Suite
	tkLen, gtkLen   int
}

// negotiated reads the pairwise cipher and AKM of the RSNE a station
// associated with (exactly one of each, as 9.4.2.24 requires in a
// (Re)Association Request) and the group cipher of the authenticator's RSNE.
// Only the PSK AKM with CCMP or GCMP is supported: Key Descriptor Version 2.
func negotiated(stationRSNE, authenticatorRSNE []byte) (suites, error) {
	sta, err := ieee80211.DecodeRSN(stationRSNE)
	if err != nil {
		return suites{}, fmt.Errorf("eapol: station RSNE: %w", err)
	}
	ap, err := ieee80211.DecodeRSN(authenticatorRSNE)
	if err != nil {
		return suites{}, fmt.Errorf("eapol: authenticator RSNE: %w", err)
	}
	if sta.Fields < ieee80211.RSNThroughAKMs || len(sta.PairwiseCiphers) != 1 || len(sta.AKMs) != 1 {
		return suites{}, fmt.Errorf("eapol: %w: station RSNE must name one pairwise cipher and one AKM", ErrInvalid)
	}
	if sta.AKMs[0] != ieee80211.AKMPSK {
		return suites{}, fmt.Errorf("eapol: %w: AKM %v (only PSK, 00-0f-ac:2, is supported)", ErrInvalid, sta.AKMs[0])
	}
	if ap.Fields < ieee80211.RSNThroughGroupDataCipher || sta.GroupDataCipher != ap.GroupDataCipher {
		return suites{}, fmt.Errorf("eapol: %w: group cipher %v of the station RSNE, %v advertised", ErrInvalid, sta.GroupDataCipher, ap.GroupDataCipher)
	}
	s := suites{pairwise: sta.PairwiseCiphers[0], group: ap.GroupDataCipher}
	var ok bool
	if s.tkLen, ok = CipherKeyLen(s.pairwise); !ok {
		return suites{}, fmt.Errorf("eapol: %w: pairwise cipher %v not supported", ErrInvalid, s.pairwise)
	}
	if s.gtkLen, ok = CipherKeyLen(s.group); !ok {
		return suites{}, fmt.Errorf("eapol: %w: group cipher %v not supported", ErrInvalid, s.group)
	}
	return s, nil
}

// timer numbers the timers of one machine so that a stale Timeout is
// recognised.
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

// fired reports whether ev is the Timeout of the armed timer, and disarms it.
func (t *timer) fired(ev Timeout) bool {
	if !t.armed || ev.Timer != t.seq {
		return false
	}
	t.armed = false
	return true
}

// receivedKey decodes and classifies a received EAPOL-Key frame of the
// negotiated protocol: RSN descriptor, Key Descriptor Version 2, 16-octet
// Key MIC, and field values Classify accepts. ok is false when the frame must
// be dropped.
func receivedKey(frame []byte) (Key, Message, bool) {
	p, k, err := DecodeKeyFrame(frame, DefaultMICLen)
	if err != nil || p.Validate() != nil {
		return Key{}, MessageUnknown, false
	}
	if k.DescriptorType != DescriptorRSN || k.KeyInfo.DescriptorVersion != VersionHMACSHA1AES {
		return Key{}, MessageUnknown, false
	}
	m, err := k.Classify()
	if err != nil {
		return Key{}, MessageUnknown, false
	}
	return k, m, true
}

// signedFrame encodes k as an EAPOL PDU and, when kck is not nil, sets its
// Key MIC.
func signedFrame(version uint8, k Key, kck []byte) ([]byte, error) {
	k.KeyMIC = make([]byte, DefaultMICLen)
	f, err := EncodeKeyFrame(version, k)
	if err != nil {
		return nil, err
	}
	if kck != nil {
		if err := SetMIC(kck, f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// rsnElement returns the RSNE (with its header) of an RSNE body.
func rsnElement(body []byte) ieee80211.Element {
	return ieee80211.Element{ID: ieee80211.ElemRSN, Data: body}
}

// gtkFromKeyData reads the GTK KDE of decrypted Key Data and checks the
// GTK: the group cipher's length and not all zero.
func gtkFromKeyData(kd KeyData, gtkLen int, rsc [RSCLen]byte) (GroupKey, error) {
	kde, ok := kd.FindKDE(OUIIEEE80211, KDEGTK)
	if !ok {
		return GroupKey{}, fmt.Errorf("%w: no GTK KDE", ErrBadKeyData)
	}
	g, err := ParseGTKKDE(kde.Data)
	if err != nil {
		return GroupKey{}, fmt.Errorf("%w: %v", ErrBadKeyData, err)
	}
	switch {
	case len(g.GTK) != gtkLen:
		return GroupKey{}, fmt.Errorf("%w: GTK of %d octets, the group cipher's is %d", ErrBadKeyData, len(g.GTK), gtkLen)
	case isZero(g.GTK):
		return GroupKey{}, fmt.Errorf("%w: %w", ErrBadKeyData, ErrZeroKey)
	}
	return GroupKey{KeyID: g.KeyID, Key: bytes.Clone(g.GTK), RSC: rsc}, nil
}

// failed builds the HandshakeFailed action.
func failed(reason error, code uint16) HandshakeFailed {
	return HandshakeFailed{Reason: reason, ReasonCode: code}
}
