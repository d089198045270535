package eapol

import (
	"bytes"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// A GO and a P2P Client as wpa_supplicant runs them: the client's RSNE has
// RSN Capabilities 0, the GO's 0x000c (16 PTKSA replay counters).
var (
	goAddr     = ieee80211.MAC{0x46, 0, 0, 0, 0, 0}
	clientAddr = ieee80211.MAC{0x46, 0, 0, 0, 1, 0}
	clientRSNE = []byte{0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04,
		0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x00, 0x00}
	goRSNE = []byte{0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04,
		0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x0c, 0x00}
	testPMK = bytes.Repeat([]byte{0x3c}, 32)
	testGTK = GroupKey{KeyID: 1, Key: bytes.Repeat([]byte{0x61}, 16), RSC: [RSCLen]byte{7}}
	newGTK  = GroupKey{KeyID: 2, Key: bytes.Repeat([]byte{0x62}, 16), RSC: [RSCLen]byte{}}
	testIP  = IPAddressAllocation{ClientIP: [4]byte{192, 168, 49, 2}, SubnetMask: [4]byte{255, 255, 255, 0},
		GOIP: [4]byte{192, 168, 49, 1}}
)

// counterReader hands out nonces 0x10…10, 0x11…11, …: every 32-octet read
// is a new value, and the sequence is the same in every run.
type counterReader struct{ next byte }

func (r *counterReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
	}
	r.next++
	return len(p), nil
}

func supplicantConfig() SupplicantConfig {
	return SupplicantConfig{
		PMK: testPMK, AA: goAddr, SPA: clientAddr, RSNE: clientRSNE, AuthenticatorRSNE: goRSNE,
		Rand: &counterReader{next: 0x50},
	}
}

func authenticatorConfig() AuthenticatorConfig {
	return AuthenticatorConfig{
		PMK: testPMK, AA: goAddr, SPA: clientAddr, RSNE: goRSNE, StationRSNE: clientRSNE,
		GroupKey: testGTK, Rand: &counterReader{next: 0x10},
	}
}

func newSupplicant(t testing.TB, change func(*SupplicantConfig)) *Supplicant {
	t.Helper()
	cfg := supplicantConfig()
	if change != nil {
		change(&cfg)
	}
	s, err := NewSupplicant(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newAuthenticator(t testing.TB, change func(*AuthenticatorConfig)) *Authenticator {
	t.Helper()
	cfg := authenticatorConfig()
	if change != nil {
		change(&cfg)
	}
	a, err := NewAuthenticator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// link carries the frames between an Authenticator and a Supplicant and
// records what each asked for.
type link struct {
	t    testing.TB
	auth *Authenticator
	sup  *Supplicant
	// toSup and toAuth see every frame in flight and return the frames to
	// deliver instead (nil drops it). nil passes frames unchanged.
	toSup, toAuth func(f []byte) [][]byte
	authActs      []Action
	supActs       []Action
	sentBySup     [][]byte // every frame the supplicant sent
	sentByAuth    [][]byte // every frame the authenticator sent
}

func newLink(t testing.TB, auth *Authenticator, sup *Supplicant) *link {
	return &link{t: t, auth: auth, sup: sup}
}

type delivery struct {
	toSup bool
	frame []byte
}

// authDo hands ev to the authenticator and carries the resulting frames
// until nothing is in flight.
func (l *link) authDo(ev Event) []Action {
	l.t.Helper()
	acts := l.auth.Handle(ev)
	l.authActs = append(l.authActs, acts...)
	l.flush(l.framesOf(acts, true))
	return acts
}

// supDo hands ev to the supplicant and carries the resulting frames.
func (l *link) supDo(ev Event) []Action {
	l.t.Helper()
	acts := l.sup.Handle(ev)
	l.supActs = append(l.supActs, acts...)
	l.flush(l.framesOf(acts, false))
	return acts
}

func (l *link) framesOf(acts []Action, fromAuth bool) []delivery {
	var out []delivery
	for _, a := range acts {
		if s, ok := a.(SendFrame); ok {
			if fromAuth {
				l.sentByAuth = append(l.sentByAuth, s.Frame)
			} else {
				l.sentBySup = append(l.sentBySup, s.Frame)
			}
			out = append(out, delivery{toSup: fromAuth, frame: s.Frame})
		}
	}
	return out
}

func (l *link) flush(q []delivery) {
	l.t.Helper()
	for len(q) > 0 {
		d := q[0]
		q = q[1:]
		frames := [][]byte{d.frame}
		if d.toSup && l.toSup != nil {
			frames = l.toSup(d.frame)
		} else if !d.toSup && l.toAuth != nil {
			frames = l.toAuth(d.frame)
		}
		for _, f := range frames {
			if d.toSup {
				acts := l.sup.Handle(Receive{Frame: f})
				l.supActs = append(l.supActs, acts...)
				q = append(q, l.framesOf(acts, false)...)
			} else {
				acts := l.auth.Handle(Receive{Frame: f})
				l.authActs = append(l.authActs, acts...)
				q = append(q, l.framesOf(acts, true)...)
			}
		}
	}
}

// lastTimer returns the Timeout of the timer armed last in acts.
func lastTimer(t testing.TB, acts []Action) Timeout {
	t.Helper()
	for i := len(acts) - 1; i >= 0; i-- {
		if s, ok := acts[i].(SetTimer); ok {
			return Timeout{Timer: s.Timer}
		}
	}
	t.Fatal("no timer armed")
	return Timeout{}
}

// only returns the actions of type T.
func only[T Action](acts []Action) []T {
	var out []T
	for _, a := range acts {
		if x, ok := a.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

// kinds names the actions, e.g. "send 2/4", "install pairwise".
func kinds(t testing.TB, acts []Action) []string {
	t.Helper()
	var out []string
	for _, a := range acts {
		switch a := a.(type) {
		case SendFrame:
			_, k, err := DecodeKeyFrame(a.Frame, DefaultMICLen)
			if err != nil {
				t.Fatalf("sent frame does not decode: %v", err)
			}
			out = append(out, "send "+k.Message().String())
		case SetTimer:
			out = append(out, "set timer")
		case StopTimer:
			out = append(out, "stop timer")
		case InstallPairwiseKey:
			out = append(out, "install pairwise")
		case InstallGroupKey:
			out = append(out, "install group")
		case AuthorizePort:
			out = append(out, "authorize")
		case IPAddressAssigned:
			out = append(out, "ip assigned")
		case HandshakeDone:
			out = append(out, "done "+a.Handshake.String())
		case HandshakeFailed:
			out = append(out, "failed")
		default:
			t.Fatalf("unknown action %T", a)
		}
	}
	return out
}

// sentMessages decodes frames and names their messages.
func sentMessages(t testing.TB, frames [][]byte) []string {
	t.Helper()
	var out []string
	for _, f := range frames {
		_, k, err := DecodeKeyFrame(f, DefaultMICLen)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k.Message().String())
	}
	return out
}

// decodeSent decodes a frame a machine sent.
func decodeSent(t testing.TB, f []byte) Key {
	t.Helper()
	_, k, err := DecodeKeyFrame(f, DefaultMICLen)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// handshakePTK derives the PTK of the exchange on l from the nonces of its
// first 1/4 and 2/4.
func handshakePTK(t testing.TB, l *link) PTK {
	t.Helper()
	var aNonce, sNonce [NonceLen]byte
	for _, f := range l.sentByAuth {
		if k := decodeSent(t, f); k.Message() == Message1Of4 {
			aNonce = k.KeyNonce
			break
		}
	}
	for _, f := range l.sentBySup {
		if k := decodeSent(t, f); k.Message() == Message2Of4 {
			sNonce = k.KeyNonce
			break
		}
	}
	ptk, err := DerivePTK(testPMK, goAddr, clientAddr, aNonce, sNonce, 16)
	if err != nil {
		t.Fatal(err)
	}
	return ptk
}

// reframe decodes f, changes it with edit, encodes it again and, when kck
// is not nil, signs it.
func reframe(t testing.TB, f []byte, kck []byte, edit func(*Key)) []byte {
	t.Helper()
	p, k, err := DecodeKeyFrame(f, DefaultMICLen)
	if err != nil {
		t.Fatal(err)
	}
	k.KeyMIC = bytes.Clone(k.KeyMIC)
	edit(&k)
	out, err := EncodeKeyFrame(p.Version, k)
	if err != nil {
		t.Fatal(err)
	}
	if kck != nil {
		if err := SetMIC(kck, out); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// flip returns f with bit 0 of octet i inverted.
func flip(f []byte, i int) []byte {
	c := bytes.Clone(f)
	c[i] ^= 1
	return c
}

// drop is a link filter that loses every frame.
func drop([]byte) [][]byte { return nil }
