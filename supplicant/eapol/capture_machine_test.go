package eapol

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// The captures of real wpa_supplicant groups (supplicant/internal/vectors)
// hold the 4-way handshakes between a wpa_supplicant GO (hostapd's
// authenticator) and a wpa_supplicant P2P Client, and NAME.keys.txt holds
// the keys both logged (-dd -K). Nonces and keys change with every
// regeneration, so these tests pin none: they take the passphrase and SSID
// from NAME.txt, the nonces from the frames, and check what they derive
// against the logged values.

// keyLog holds the hexdumps of a NAME.keys.txt by label, e.g. "WPA: PTK".
type keyLog map[string][][]byte

var hexdumpLine = regexp.MustCompile(`^[0-9.]+: (.+?) - hexdump\(len=[0-9]+\):((?: [0-9a-f]{2})*)\s*$`)

// loadKeyLog reads NAME.keys.txt for a capture; ok is false when there is
// none.
func loadKeyLog(t testing.TB, capture string) (keyLog, bool) {
	t.Helper()
	b, err := vectors.File(strings.TrimSuffix(capture, ".pcap") + ".keys.txt")
	if err != nil {
		return nil, false
	}
	l := keyLog{}
	for _, line := range strings.Split(string(b), "\n") {
		m := hexdumpLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, err := hex.DecodeString(strings.ReplaceAll(m[2], " ", ""))
		if err != nil {
			t.Fatalf("%s: %q: %v", capture, line, err)
		}
		l[m[1]] = append(l[m[1]], v)
	}
	return l, true
}

// has reports whether any of the labels logged v.
func (l keyLog) has(v []byte, labels ...string) bool {
	for _, label := range labels {
		for _, x := range l[label] {
			if bytes.Equal(x, v) {
				return true
			}
		}
	}
	return false
}

// groupSecret is a PMK candidate read from a capture's notes.
type groupSecret struct {
	from string // how it was found
	pmk  []byte
}

var (
	goStarted     = regexp.MustCompile(`P2P-GROUP-STARTED \S+ GO ssid="([^"]*)" .*passphrase="([^"]*)"`)
	clientStarted = regexp.MustCompile(`P2P-GROUP-STARTED \S+ client ssid="([^"]*)" .*psk=([0-9a-f]{64})`)
)

// captureSecrets derives the PMK of every group a capture's notes name:
// from the GO's passphrase and SSID, and the client's psk= as reported.
func captureSecrets(t testing.TB, capture string) []groupSecret {
	t.Helper()
	notes, err := vectors.File(strings.TrimSuffix(capture, ".pcap") + ".txt")
	if err != nil {
		t.Fatalf("%s: no notes: %v", capture, err)
	}
	var out []groupSecret
	seen := map[string]bool{}
	for _, m := range goStarted.FindAllStringSubmatch(string(notes), -1) {
		if seen[m[1]+"\x00"+m[2]] {
			continue
		}
		seen[m[1]+"\x00"+m[2]] = true
		pmk, err := PMKFromPassphrase(m[2], []byte(m[1]))
		if err != nil {
			t.Fatalf("%s: PMKFromPassphrase(%q, %q): %v", capture, m[2], m[1], err)
		}
		out = append(out, groupSecret{from: fmt.Sprintf("passphrase %q, SSID %q", m[2], m[1]), pmk: pmk})
	}
	for _, m := range clientStarted.FindAllStringSubmatch(string(notes), -1) {
		out = append(out, groupSecret{from: "client psk=" + m[2], pmk: unhex(t, m[2])})
	}
	return out
}

// capturedHandshake is one 4-way handshake of a capture: the EAPOL-Key
// frames between a GO and a client in order (802.11 retransmissions of the
// same frame left out), with the RSNE the GO advertised (its last Probe
// Response or Beacon before the handshake) and the one the client associated
// with.
type capturedHandshake struct {
	capture    string
	goAddr     ieee80211.MAC
	client     ieee80211.MAC
	frames     []capturedEAPOL
	keys       []Key
	goRSNE     []byte
	clientRSNE []byte
}

func (h *capturedHandshake) String() string {
	return fmt.Sprintf("%s %v-%v (frames %d..%d)", h.capture, h.goAddr, h.client, h.frames[0].Index, h.frames[len(h.frames)-1].Index)
}

// fromGO reports whether frame i was sent by the GO.
func (h *capturedHandshake) fromGO(i int) bool { return h.frames[i].TA == h.goAddr }

// first returns the first frame of message m.
func (h *capturedHandshake) first(t testing.TB, m Message) (capturedEAPOL, Key) {
	t.Helper()
	for i, k := range h.keys {
		if k.Message() == m {
			return h.frames[i], k
		}
	}
	t.Fatalf("%v: no message %v", h, m)
	return capturedEAPOL{}, Key{}
}

// capturedHandshakes splits a capture's EAPOL-Key frames into handshakes:
// a new one starts at a 1/4 that follows a 4/4 of the same pair.
func capturedHandshakes(t testing.TB, capture string) []*capturedHandshake {
	t.Helper()
	frames, err := vectors.Load(capture)
	if err != nil {
		t.Fatal(err)
	}
	apRSNE := map[ieee80211.MAC][]byte{}  // by transmitter
	staRSNE := map[ieee80211.MAC][]byte{} // by transmitter
	byIndex := map[int]capturedEAPOL{}
	for _, c := range loadCapturedEAPOL(t, capture) {
		byIndex[c.Index] = c
	}
	type pair [2]ieee80211.MAC
	current := map[pair]*capturedHandshake{}
	last := map[pair][]byte{}
	var out []*capturedHandshake
	for _, f := range frames {
		if m, err := ieee80211.DecodeMgmt(f.Data); err == nil {
			var es ieee80211.Elements
			switch b, _ := m.DecodeBody(); b := b.(type) {
			case ieee80211.Beacon:
				es = b.Elements
			case ieee80211.ProbeResp:
				es = b.Elements
			case ieee80211.AssocReq:
				es = b.Elements
			case ieee80211.ReassocReq:
				es = b.Elements
			}
			if e, ok := es.Find(ieee80211.ElemRSN); ok {
				switch m.Header.FrameControl.Subtype {
				case ieee80211.SubtypeBeacon, ieee80211.SubtypeProbeResp:
					apRSNE[m.Header.Addr2] = e.Data
				default:
					staRSNE[m.Header.Addr2] = e.Data
				}
			}
			continue
		}
		c, ok := byIndex[f.Index]
		if !ok {
			continue
		}
		p, k, err := DecodeKeyFrame(c.EAPOL, DefaultMICLen)
		if err != nil || p.Type != PacketKey {
			continue
		}
		key := pair{c.TA, c.RA}
		if bytes.Compare(c.TA[:], c.RA[:]) > 0 {
			key = pair{c.RA, c.TA}
		}
		if c.Retry && bytes.Equal(last[key], c.EAPOL) {
			continue
		}
		last[key] = c.EAPOL
		h := current[key]
		if h == nil || (k.Message() == Message1Of4 && h.keys[len(h.keys)-1].Message() == Message4Of4) {
			if k.Message() != Message1Of4 {
				t.Fatalf("%s frame %d: handshake starts with %v", capture, c.Index, k.Message())
			}
			h = &capturedHandshake{capture: capture, goAddr: c.TA, client: c.RA,
				goRSNE: apRSNE[c.TA], clientRSNE: staRSNE[c.RA]}
			current[key] = h
			out = append(out, h)
		}
		h.frames = append(h.frames, c)
		h.keys = append(h.keys, k)
	}
	return out
}

// keyedHandshake is a captured handshake with the secrets that the notes
// and the frames give.
type keyedHandshake struct {
	*capturedHandshake
	log            keyLog
	pmk            []byte
	pmkFrom        string
	aNonce, sNonce [NonceLen]byte
	ptk            PTK
	msg3           KeyData // decrypted Key Data of the first 3/4
	gtk            GTKKDE
}

// keyedHandshakes returns the handshakes of every capture that has a key
// log, with the PMK that verifies their message 2/4.
func keyedHandshakes(t *testing.T) []*keyedHandshake {
	t.Helper()
	var out []*keyedHandshake
	for _, name := range captureNames(t) {
		log, ok := loadKeyLog(t, name)
		if !ok {
			continue
		}
		secrets := captureSecrets(t, name)
		for _, h := range capturedHandshakes(t, name) {
			kh := &keyedHandshake{capturedHandshake: h, log: log}
			_, m1 := h.first(t, Message1Of4)
			m2f, m2 := h.first(t, Message2Of4)
			kh.aNonce, kh.sNonce = m1.KeyNonce, m2.KeyNonce
			for _, s := range secrets {
				ptk, err := DerivePTK(s.pmk, h.goAddr, h.client, kh.aNonce, kh.sNonce, 16)
				if err != nil {
					t.Fatal(err)
				}
				if CheckMIC(ptk.KCK, m2f.EAPOL) {
					kh.pmk, kh.pmkFrom, kh.ptk = s.pmk, s.from, ptk
					break
				}
			}
			if kh.pmk == nil {
				t.Fatalf("%v: no PMK from the notes verifies message 2/4", h)
			}
			_, m3 := h.first(t, Message3Of4)
			kd, err := DecryptKeyData(kh.ptk.KEK, m3.KeyData)
			if err != nil {
				t.Fatalf("%v: message 3/4 Key Data: %v", h, err)
			}
			kh.msg3 = kd
			kde, ok := kd.FindKDE(OUIIEEE80211, KDEGTK)
			if !ok {
				t.Fatalf("%v: no GTK KDE in 3/4", h)
			}
			if kh.gtk, err = ParseGTKKDE(kde.Data); err != nil {
				t.Fatal(err)
			}
			if h.goRSNE == nil || h.clientRSNE == nil {
				t.Fatalf("%v: RSNE of the GO (%x) or of the Association Request (%x) not captured", h, h.goRSNE, h.clientRSNE)
			}
			out = append(out, kh)
		}
	}
	if len(out) == 0 {
		t.Skip("no captured 4-way handshake with a key log")
	}
	return out
}

func TestCapturedHandshakesVerifyWithTheKeysDerivedFromThePassphrase(t *testing.T) {
	for _, h := range keyedHandshakes(t) {
		t.Run(h.String(), func(t *testing.T) {
			t.Logf("PMK from %s", h.pmkFrom)
			if !strings.HasPrefix(h.pmkFrom, "passphrase") {
				t.Errorf("the PMK verifying 2/4 came from %s, not from a passphrase", h.pmkFrom)
			}
			if !h.log.has(h.pmk, "PSK (from passphrase)", "PSK (set in config)", "WPA: PMK") {
				t.Errorf("PMK %x derived from the passphrase is not the logged PSK", h.pmk)
			}
			if !h.log.has(h.aNonce[:], "WPA: Assign ANonce") || !h.log.has(h.sNonce[:], "WPA: Renewed SNonce") {
				t.Errorf("ANonce %x or SNonce %x not logged", h.aNonce, h.sNonce)
			}
			whole := append(append(bytes.Clone(h.ptk.KCK), h.ptk.KEK...), h.ptk.TK...)
			if !h.log.has(whole, "WPA: PTK") || !h.log.has(h.ptk.TK, "WPA: TK") {
				t.Errorf("derived PTK %x is not the logged one", whole)
			}
			for i, k := range h.keys {
				f := h.frames[i]
				switch k.Message() {
				case Message1Of4:
					if !isZero(k.KeyMIC) {
						t.Errorf("frame %d: 1/4 with a Key MIC", f.Index)
					}
				default:
					if !CheckMIC(h.ptk.KCK, f.EAPOL) {
						t.Errorf("frame %d: %v MIC does not verify", f.Index, k.Message())
					}
					// wpa_supplicant logs the MICs it computes; hostapd logs
					// the ones it receives but not those it sends.
					if m, _ := MIC(h.ptk.KCK, f.EAPOL); !h.fromGO(i) && !h.log.has(m, "WPA: Derived Key MIC") {
						t.Errorf("frame %d: %v MIC %x is not the one wpa_supplicant logged", f.Index, k.Message(), m)
					}
				}
			}
			plain, err := KeyUnwrap(h.ptk.KEK, h.keys[indexOf(t, h.capturedHandshake, Message3Of4)].KeyData)
			if err != nil {
				t.Fatal(err)
			}
			if !h.log.has(plain, "WPA: decrypted EAPOL-Key key data") {
				t.Errorf("decrypted 3/4 Key Data %x is not the logged one", plain)
			}
			if !h.log.has(h.gtk.GTK, "GTK", "WPA: Group Key") {
				t.Errorf("GTK %x of 3/4 is not a logged GTK", h.gtk.GTK)
			}
			if rsne, ok := h.msg3.FindElement(ieee80211.ElemRSN); !ok || !bytes.Equal(rsne.Data, h.goRSNE) {
				t.Errorf("3/4 RSNE %x, the GO advertised %x", rsne.Data, h.goRSNE)
			}
			_, m2 := h.first(t, Message2Of4)
			kd, err := ParseKeyData(m2.KeyData)
			if err != nil {
				t.Fatal(err)
			}
			if rsne, ok := kd.FindElement(ieee80211.ElemRSN); !ok || !bytes.Equal(rsne.Data, h.clientRSNE) {
				t.Errorf("2/4 RSNE %x, Association Request RSNE %x", rsne.Data, h.clientRSNE)
			}
		})
	}
}

func indexOf(t testing.TB, h *capturedHandshake, m Message) int {
	t.Helper()
	for i, k := range h.keys {
		if k.Message() == m {
			return i
		}
	}
	t.Fatalf("%v: no %v", h, m)
	return -1
}

func TestSupplicantReproducesWPASupplicantsMessages2And4ByteForByte(t *testing.T) {
	for _, h := range keyedHandshakes(t) {
		t.Run(h.String(), func(t *testing.T) {
			_, m2 := h.first(t, Message2Of4)
			kd, err := ParseKeyData(m2.KeyData)
			if err != nil {
				t.Fatal(err)
			}
			_, askIP := kd.FindKDE(ieee80211.OUIWFA, KDEIPAddressRequest)
			s, err := NewSupplicant(SupplicantConfig{
				PMK: h.pmk, AA: h.goAddr, SPA: h.client,
				RSNE: h.clientRSNE, AuthenticatorRSNE: h.goRSNE,
				RequestIPAddress: askIP,
				// Exactly one SNonce: a second draw would fail the machine.
				Rand: bytes.NewReader(h.sNonce[:]),
			})
			if err != nil {
				t.Fatal(err)
			}
			var acts []Action
			var sent, want [][]byte
			for i, f := range h.frames {
				if !h.fromGO(i) {
					want = append(want, f.EAPOL)
					continue
				}
				a := s.Handle(Receive{Frame: f.EAPOL})
				acts = append(acts, a...)
				for _, x := range only[SendFrame](a) {
					sent = append(sent, x.Frame)
				}
			}
			if diff := cmp.Diff(want, sent); diff != "" {
				t.Errorf("frames sent (-wpa_supplicant +ours):\n%s", diff)
			}
			wantInstalls := []Action{
				InstallPairwiseKey{Peer: h.goAddr, Cipher: ieee80211.CipherCCMP128, TK: h.ptk.TK},
				InstallGroupKey{Cipher: ieee80211.CipherCCMP128, Key: GroupKey{KeyID: h.gtk.KeyID, Key: h.gtk.GTK,
					RSC: h.keys[indexOf(t, h.capturedHandshake, Message3Of4)].KeyRSC}},
				AuthorizePort{Peer: h.goAddr},
				HandshakeDone{Handshake: FourWayHandshake},
			}
			var got []Action
			for _, a := range acts {
				if _, ok := a.(SendFrame); !ok {
					got = append(got, a)
				}
			}
			if diff := cmp.Diff(wantInstalls, got); diff != "" {
				t.Errorf("actions besides frames (-want +got):\n%s", diff)
			}
			if !h.log.has(h.ptk.TK, "nl80211: KEY_DATA") || !h.log.has(h.gtk.GTK, "nl80211: KEY_DATA") {
				t.Errorf("wpa_supplicant installed other keys than TK %x and GTK %x", h.ptk.TK, h.gtk.GTK)
			}
		})
	}
}

func TestAuthenticatorReproducesTheGOsMessages1And3ByteForByte(t *testing.T) {
	for _, h := range keyedHandshakes(t) {
		t.Run(h.String(), func(t *testing.T) {
			i3 := indexOf(t, h.capturedHandshake, Message3Of4)
			a, err := NewAuthenticator(AuthenticatorConfig{
				PMK: h.pmk, AA: h.goAddr, SPA: h.client,
				RSNE: h.goRSNE, StationRSNE: h.clientRSNE,
				GroupKey: GroupKey{KeyID: h.gtk.KeyID, Key: h.gtk.GTK, RSC: h.keys[i3].KeyRSC},
				// Exactly one ANonce.
				Rand: bytes.NewReader(h.aNonce[:]),
			})
			if err != nil {
				t.Fatal(err)
			}
			acts := a.Handle(Start{})
			all := append([]Action(nil), acts...)
			pending := only[SendFrame](acts)
			for i, f := range h.frames {
				if !h.fromGO(i) {
					acts = a.Handle(Receive{Frame: f.EAPOL})
					all = append(all, acts...)
					pending = append(pending, only[SendFrame](acts)...)
					continue
				}
				if len(pending) == 0 {
					// The GO retransmitted: its timer fired.
					acts = a.Handle(lastTimer(t, all))
					all = append(all, acts...)
					pending = only[SendFrame](acts)
				}
				if len(pending) == 0 {
					t.Fatalf("frame %d (%v): we sent nothing", f.Index, h.keys[i].Message())
				}
				if diff := cmp.Diff(f.EAPOL, pending[0].Frame); diff != "" {
					t.Errorf("frame %d (%v) (-GO +ours):\n%s", f.Index, h.keys[i].Message(), diff)
				}
				pending = pending[1:]
			}
			if len(pending) != 0 {
				t.Errorf("%d frames sent beyond the capture", len(pending))
			}
			want := []Action{
				InstallPairwiseKey{Peer: h.client, Cipher: ieee80211.CipherCCMP128, TK: h.ptk.TK},
				AuthorizePort{Peer: h.client},
				HandshakeDone{Handshake: FourWayHandshake},
			}
			var got []Action
			for _, x := range all {
				switch x.(type) {
				case InstallPairwiseKey, AuthorizePort, HandshakeDone, HandshakeFailed:
					got = append(got, x)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("key actions (-want +got):\n%s", diff)
			}
		})
	}
}
