package wsc

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// Known-answer tests on the registrations captured from real
// wpa_supplicant peers (supplicant/internal/vectors): the messages M1..M8
// come from the pcap, the secrets from NAME.keys.txt, the lines of the
// wpa_supplicant -dd -K logs that carry WPS keys and nonces. Every value is
// recomputed from the logged Diffie-Hellman private keys and compared with
// what wpa_supplicant logged and sent.

// keyLog holds the logged WPS values by label ("DHKey", "AuthKey", ...),
// in log order, over every instance.
type keyLog map[string][][]byte

var (
	reHexdump      = regexp.MustCompile(`WPS: ([A-Za-z0-9 /_()-]+?) - hexdump\(len=(\d+)\):((?: [0-9a-f]{2})*)\s*$`)
	reHexdumpASCII = regexp.MustCompile(`WPS: ([A-Za-z0-9 /_()-]+?) - hexdump_ascii\(len=(\d+)\):`)
	reASCIIRow     = regexp.MustCompile(`^\s+((?:[0-9a-f]{2} )+)`)
)

// loadKeyLog parses NAME.keys.txt; ok is false when the capture has none.
func loadKeyLog(t *testing.T, name string) (keyLog, bool) {
	t.Helper()
	b, err := vectors.File(strings.TrimSuffix(name, ".pcap") + ".keys.txt")
	if err != nil {
		return nil, false
	}
	kl := keyLog{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	var ascii string // label of a hexdump_ascii being read
	var asciiLen int
	var asciiVal []byte
	for sc.Scan() {
		line := sc.Text()
		if ascii != "" {
			if m := reASCIIRow.FindStringSubmatch(line); m != nil {
				v, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
				if err != nil {
					t.Fatalf("%s: %q: %v", name, line, err)
				}
				asciiVal = append(asciiVal, v...)
				if len(asciiVal) >= asciiLen {
					kl[ascii] = append(kl[ascii], asciiVal[:asciiLen])
					ascii = ""
				}
				continue
			}
			ascii = ""
		}
		if m := reHexdump.FindStringSubmatch(line); m != nil {
			v, err := hex.DecodeString(strings.ReplaceAll(m[3], " ", ""))
			n, _ := strconv.Atoi(m[2])
			if err != nil || len(v) != n {
				t.Fatalf("%s: bad hexdump %q", name, line)
			}
			kl[m[1]] = append(kl[m[1]], v)
			continue
		}
		if m := reHexdumpASCII.FindStringSubmatch(line); m != nil {
			ascii, asciiVal = m[1], nil
			asciiLen, _ = strconv.Atoi(m[2])
		}
	}
	return kl, true
}

// has reports whether v was logged under label.
func (kl keyLog) has(label string, v []byte) bool {
	return slices.ContainsFunc(kl[label], func(x []byte) bool { return bytes.Equal(x, v) })
}

// wantLogged fails the test unless v was logged under label.
func (kl keyLog) wantLogged(t *testing.T, label string, v []byte) {
	t.Helper()
	if !kl.has(label, v) {
		t.Errorf("%s %x was not logged by wpa_supplicant (logged: %x)", label, v, kl[label])
	}
}

// capturedRun is one captured registration: the octets of each message.
type capturedRun struct {
	conv string
	raw  map[MessageType][]byte
	m1   *M1
	m2   *M2
}

// capturedRuns splits a capture's WSC messages into registrations (a new
// one at each M1 of a conversation), keeping the first copy of each
// message.
func capturedRuns(t *testing.T, name string) []*capturedRun {
	t.Helper()
	var runs []*capturedRun
	current := map[string]*capturedRun{}
	for _, wm := range loadCapture(t, name).msgs {
		m, err := DecodeMessage(wm.data)
		if err != nil {
			t.Fatalf("%s frame %d: %v", name, wm.frame, err)
		}
		r := current[wm.conv]
		if m.MessageType() == MessageTypeM1 || r == nil {
			r = &capturedRun{conv: wm.conv, raw: map[MessageType][]byte{}}
			current[wm.conv] = r
			runs = append(runs, r)
		}
		if _, dup := r.raw[m.MessageType()]; dup {
			continue
		}
		r.raw[m.MessageType()] = wm.data
		switch m := m.(type) {
		case *M1:
			r.m1 = m
		case *M2:
			r.m2 = m
		}
	}
	return runs
}

// complete reports whether the run went from M1 to WSC_Done.
func (r *capturedRun) complete() bool {
	for t := MessageTypeM1; t <= MessageTypeM8; t++ {
		if _, ok := r.raw[t]; !ok && t != MessageTypeM2D {
			return false
		}
	}
	_, ok := r.raw[MessageTypeWSCDone]
	return ok
}

// runSecrets are the values a run's KAT recomputes.
type runSecrets struct {
	enrolleeKey, registrarKey *DHPrivateKey // nil when not logged
	dhKey                     [32]byte
	keys                      SessionKeys
	pin                       []byte
	psk1, psk2                [PSKLen]byte
	es1, es2, rs1, rs2        Nonce
	iv                        map[MessageType][16]byte
	credentials               []Credential
}

// dhKeyFor finds the logged private key whose public value is pub.
func dhKeyFor(t *testing.T, kl keyLog, pub PublicKey) *DHPrivateKey {
	t.Helper()
	for _, x := range kl["DH Private Key"] {
		k, err := NewDHPrivateKey(x)
		if err != nil {
			t.Fatalf("logged DH Private Key %x: %v", x, err)
		}
		if k.PublicKey() == pub {
			return k
		}
	}
	return nil
}

// settingsPlain decrypts a captured message's Encrypted Settings.
func settingsPlain(t *testing.T, keys SessionKeys, raw []byte) ([]byte, EncryptedSettings) {
	t.Helper()
	m, err := DecodeMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	var es EncryptedSettings
	switch m := m.(type) {
	case *M4:
		es = m.EncryptedSettings
	case *M5:
		es = m.EncryptedSettings
	case *M6:
		es = m.EncryptedSettings
	case *M7:
		es = m.EncryptedSettings
	case *M8:
		es = m.EncryptedSettings
	default:
		t.Fatalf("%v has no Encrypted Settings", m.MessageType())
	}
	plain, err := DecryptSettings(keys, es)
	if err != nil {
		t.Fatalf("%v: DecryptSettings: %v", m.MessageType(), err)
	}
	return plain, es
}

// recompute derives every secret of a captured run and checks it against
// the log and the captured octets.
func recompute(t *testing.T, kl keyLog, r *capturedRun) runSecrets {
	t.Helper()
	var s runSecrets
	s.enrolleeKey = dhKeyFor(t, kl, r.m1.PublicKey)
	s.registrarKey = dhKeyFor(t, kl, r.m2.PublicKey)
	prevAuth := func(keys SessionKeys) error {
		return VerifyAuthenticator(keys.AuthKey, r.raw[MessageTypeM1], r.raw[MessageTypeM2])
	}
	derive := func(dhKey [32]byte) SessionKeys {
		return DeriveSessionKeys(KDK(dhKey, r.m1.EnrolleeNonce, r.m1.MACAddress, r.m2.RegistrarNonce))
	}
	switch {
	case s.enrolleeKey != nil || s.registrarKey != nil:
		var shared [PublicKeyLen]byte
		var err error
		if s.enrolleeKey != nil {
			shared, err = s.enrolleeKey.SharedSecret(r.m2.PublicKey)
			if err != nil {
				t.Fatalf("Enrollee's shared secret: %v", err)
			}
			s.dhKey, _ = s.enrolleeKey.DHKey(r.m2.PublicKey)
		}
		if s.registrarKey != nil {
			other, err := s.registrarKey.SharedSecret(r.m1.PublicKey)
			if err != nil {
				t.Fatalf("Registrar's shared secret: %v", err)
			}
			if s.enrolleeKey != nil && other != shared {
				t.Errorf("g^AB differs: Enrollee %x, Registrar %x", shared, other)
			}
			shared = other
			s.dhKey, _ = s.registrarKey.DHKey(r.m1.PublicKey)
		}
		kl.wantLogged(t, "DH shared key", shared[:])
		kl.wantLogged(t, "DHKey", s.dhKey[:])
		s.keys = derive(s.dhKey)
	default:
		// No private key logged: take the logged DHKey whose keys verify
		// M2's Authenticator.
		found := false
		for _, d := range kl["DHKey"] {
			if keys := derive([32]byte(d)); prevAuth(keys) == nil {
				s.dhKey, s.keys, found = [32]byte(d), keys, true
			}
		}
		if !found {
			t.Fatalf("no logged DH Private Key or DHKey fits the run of M1 %x", r.m1.EnrolleeNonce)
		}
	}
	kdk := KDK(s.dhKey, r.m1.EnrolleeNonce, r.m1.MACAddress, r.m2.RegistrarNonce)
	kl.wantLogged(t, "KDK", kdk[:])
	kl.wantLogged(t, "AuthKey", s.keys.AuthKey[:])
	kl.wantLogged(t, "KeyWrapKey", s.keys.KeyWrapKey[:])
	kl.wantLogged(t, "EMSK", s.keys.EMSK[:])

	// Every Authenticator, each over the previous message and this one.
	order := []MessageType{MessageTypeM1, MessageTypeM2, MessageTypeM3, MessageTypeM4, MessageTypeM5, MessageTypeM6, MessageTypeM7, MessageTypeM8}
	for i := 1; i < len(order); i++ {
		if err := VerifyAuthenticator(s.keys.AuthKey, r.raw[order[i-1]], r.raw[order[i]]); err != nil {
			t.Errorf("%v: Authenticator: %v", order[i], err)
		}
	}

	// Every Encrypted Settings: decrypted (Key Wrap Authenticator checked
	// by DecryptSettings), equal to what wpa_supplicant logged with its
	// padding, and encrypted again to the captured ciphertext.
	s.iv = map[MessageType][16]byte{}
	plains := map[MessageType][]byte{}
	for _, mt := range order[3:] {
		plain, es := settingsPlain(t, s.keys, r.raw[mt])
		plains[mt] = plain
		s.iv[mt] = es.IV
		pad := 16 - len(plain)%16
		padded := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
		kl.wantLogged(t, "Decrypted Encrypted Settings", padded)
		again, err := EncryptSettingsIV(s.keys, plain, es.IV)
		if err != nil || !bytes.Equal(again.Ciphertext, es.Ciphertext) {
			t.Errorf("%v: encrypting the plaintext again gives %x, %v; want %x", mt, again.Ciphertext, err, es.Ciphertext)
		}
	}
	m4s, err4 := Decode[M4Settings](plains[MessageTypeM4])
	m5s, err5 := Decode[M5Settings](plains[MessageTypeM5])
	m6s, err6 := Decode[M6Settings](plains[MessageTypeM6])
	m7s, err7 := Decode[M7Settings](plains[MessageTypeM7])
	m8s, err8 := Decode[M8Settings](plains[MessageTypeM8])
	if err := errors.Join(err4, err5, err6, err7, err8); err != nil {
		t.Fatalf("decrypted settings: %v", err)
	}
	s.rs1, s.es1, s.rs2, s.es2 = m4s.RSNonce1, m5s.ESNonce1, m6s.RSNonce2, m7s.ESNonce2
	s.credentials = m8s.Credentials
	for label, v := range map[string]Nonce{"R-SNonce1": s.rs1, "E-SNonce1": s.es1, "R-SNonce2": s.rs2, "E-SNonce2": s.es2, "R-S1": s.rs1, "E-S1": s.es1, "R-S2": s.rs2, "E-S2": s.es2} {
		kl.wantLogged(t, label, v[:])
	}

	// The device password: push button, or the PIN wpa_supplicant logged.
	pins := [][]byte{[]byte(PushButtonPassword)}
	if r.m1.DevicePasswordID != PasswordPushButton {
		pins = kl["Device Password"]
	}
	m3, _ := DecodeMessage(r.raw[MessageTypeM3])
	m4, _ := DecodeMessage(r.raw[MessageTypeM4])
	e1 := m3.(*M3).EHash1
	for _, pin := range pins {
		p1, p2 := DevicePasswordPSKs(s.keys.AuthKey, pin)
		if SecretHash(s.keys.AuthKey, s.es1, p1, r.m1.PublicKey, r.m2.PublicKey) == e1 {
			s.pin, s.psk1, s.psk2 = pin, p1, p2
		}
	}
	if s.pin == nil {
		t.Fatalf("no device password among %q fits E-Hash1", pins)
	}
	kl.wantLogged(t, "PSK1", s.psk1[:])
	kl.wantLogged(t, "PSK2", s.psk2[:])
	pkE, pkR := r.m1.PublicKey, r.m2.PublicKey
	for _, h := range []struct {
		name      string
		got, want Hash
	}{
		{"E-Hash1", m3.(*M3).EHash1, SecretHash(s.keys.AuthKey, s.es1, s.psk1, pkE, pkR)},
		{"E-Hash2", m3.(*M3).EHash2, SecretHash(s.keys.AuthKey, s.es2, s.psk2, pkE, pkR)},
		{"R-Hash1", m4.(*M4).RHash1, SecretHash(s.keys.AuthKey, s.rs1, s.psk1, pkE, pkR)},
		{"R-Hash2", m4.(*M4).RHash2, SecretHash(s.keys.AuthKey, s.rs2, s.psk2, pkE, pkR)},
	} {
		if h.got != h.want {
			t.Errorf("%s: captured %x, computed %x", h.name, h.got, h.want)
		}
		kl.wantLogged(t, h.name, h.want[:])
	}
	return s
}

// wpaRuns returns the complete captured registrations of the captures
// that have a keys log.
func wpaRuns(t *testing.T) map[string][]*capturedRun {
	t.Helper()
	out := map[string][]*capturedRun{}
	for _, name := range captureNames(t) {
		if _, ok := loadKeyLog(t, name); !ok {
			continue
		}
		for _, r := range capturedRuns(t, name) {
			if r.complete() {
				out[name] = append(out[name], r)
			}
		}
	}
	return out
}

func TestCapturedRegistrationsMatchTheLoggedKeys(t *testing.T) {
	runs := wpaRuns(t)
	if len(runs) == 0 {
		t.Skip("no capture with a keys log and a whole registration")
	}
	for name, rs := range runs {
		kl, _ := loadKeyLog(t, name)
		notes := captureNotes(name)
		ssids := allMatches(reSSID, notes)
		keys := append(allMatches(rePSK, notes), allMatches(rePassphrase, notes)...)
		for i, r := range rs {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				if len(kl["DH Private Key"]) > 0 && (dhKeyFor(t, kl, r.m1.PublicKey) == nil || dhKeyFor(t, kl, r.m2.PublicKey) == nil) {
					t.Errorf("the log has DH private keys, but none for M1's or M2's public key")
				}
				s := recompute(t, kl, r)
				if len(s.credentials) != 1 {
					t.Fatalf("%d Credentials in M8, want 1", len(s.credentials))
				}
				c := s.credentials[0]
				if len(ssids) > 0 && !slices.Contains(ssids, string(c.SSID)) {
					t.Errorf("Credential SSID %q, want one of %q", c.SSID, ssids)
				}
				if len(keys) > 0 && !slices.Contains(keys, string(c.NetworkKey)) {
					t.Errorf("Credential Network Key %q, want one of %q", c.NetworkKey, keys)
				}
				if c.AuthenticationType != AuthWPA2PSK || c.EncryptionType != EncrAES || c.MACAddress != r.m1.MACAddress {
					t.Errorf("Credential %v/%v for %v, want WPA2-PSK/AES for the Enrollee %v", c.AuthenticationType, c.EncryptionType, c.MACAddress, r.m1.MACAddress)
				}
				if err := ValidateNetworkKey(c.AuthenticationType, c.NetworkKey); err != nil {
					t.Errorf("Credential Network Key: %v", err)
				}
			})
		}
	}
}

// replayReader serves the random values a machine reads, in its order.
type replayReader struct{ b []byte }

func (r *replayReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, fmt.Errorf("replay: no more random octets (wanted %d)", len(p))
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// padded is a private exponent as the 192 octets GenerateDHPrivateKey reads.
func padded(k *DHPrivateKey) []byte {
	var b [PublicKeyLen]byte
	k.x.FillBytes(b[:])
	return b[:]
}

// sentMessages returns the WSC messages among actions.
func sentMessages(acts []Action) []SendMessage {
	var out []SendMessage
	for _, a := range acts {
		if m, ok := a.(SendMessage); ok {
			out = append(out, m)
		}
	}
	return out
}

func deviceOfM1(m *M1) Device {
	return Device{
		Manufacturer: m.Manufacturer, ModelName: m.ModelName, ModelNumber: m.ModelNumber,
		SerialNumber: m.SerialNumber, DeviceName: m.DeviceName, PrimaryDeviceType: m.PrimaryDeviceType,
		ConfigMethods: m.ConfigMethods, RFBands: m.RFBands, OSVersion: m.OSVersion,
	}
}

func deviceOfM2(m *M2) Device {
	return Device{
		Manufacturer: m.Manufacturer, ModelName: m.ModelName, ModelNumber: m.ModelNumber,
		SerialNumber: m.SerialNumber, DeviceName: m.DeviceName, PrimaryDeviceType: m.PrimaryDeviceType,
		ConfigMethods: m.ConfigMethods, RFBands: m.RFBands, OSVersion: m.OSVersion,
	}
}

// replayEnrolleeConfig configures an Enrollee as wpa_supplicant's was in
// the run, with its random values queued in our Enrollee's reading order:
// Enrollee Nonce, DH private key, E-S1 || E-S2, the IVs of M5 and M7.
func replayEnrolleeConfig(r *capturedRun, s runSecrets) EnrolleeConfig {
	var rnd []byte
	rnd = append(rnd, r.m1.EnrolleeNonce[:]...)
	rnd = append(rnd, padded(s.enrolleeKey)...)
	rnd = append(rnd, s.es1[:]...)
	rnd = append(rnd, s.es2[:]...)
	for _, mt := range []MessageType{MessageTypeM5, MessageTypeM7} {
		iv := s.iv[mt]
		rnd = append(rnd, iv[:]...)
	}
	var pin []byte
	if r.m1.DevicePasswordID != PasswordPushButton {
		pin = s.pin
	}
	wfa, _ := WFA(r.m1.VendorExtensions)
	return EnrolleeConfig{
		UUIDE:                   r.m1.UUIDE,
		MACAddress:              r.m1.MACAddress,
		Device:                  deviceOfM1(r.m1),
		DevicePasswordID:        r.m1.DevicePasswordID,
		PIN:                     pin,
		AuthenticationTypeFlags: r.m1.AuthenticationTypeFlags,
		EncryptionTypeFlags:     r.m1.EncryptionTypeFlags,
		RequestToEnroll:         wfa.RequestToEnroll != nil && *wfa.RequestToEnroll,
		Rand:                    &replayReader{rnd},
	}
}

// replayRegistrarConfig configures a Registrar as wpa_supplicant's GO was:
// Registrar Nonce, DH private key, R-S1 || R-S2, the IVs of M4, M6, M8.
func replayRegistrarConfig(r *capturedRun, s runSecrets) RegistrarConfig {
	var rnd []byte
	rnd = append(rnd, r.m2.RegistrarNonce[:]...)
	rnd = append(rnd, padded(s.registrarKey)...)
	rnd = append(rnd, s.rs1[:]...)
	rnd = append(rnd, s.rs2[:]...)
	for _, mt := range []MessageType{MessageTypeM4, MessageTypeM6, MessageTypeM8} {
		iv := s.iv[mt]
		rnd = append(rnd, iv[:]...)
	}
	id, pin := r.m1.DevicePasswordID, s.pin
	if id == PasswordPushButton {
		pin = nil
	}
	return RegistrarConfig{
		UUIDR:                   r.m2.UUIDR,
		Device:                  deviceOfM2(r.m2),
		DevicePasswordID:        id,
		PIN:                     pin,
		SSID:                    s.credentials[0].SSID,
		NetworkKey:              s.credentials[0].NetworkKey,
		AuthenticationTypeFlags: r.m2.AuthenticationTypeFlags,
		EncryptionTypeFlags:     r.m2.EncryptionTypeFlags,
		Rand:                    &replayReader{rnd},
	}
}

func TestEnrolleeReplaysWpaSupplicantsMessagesByteForByte(t *testing.T) {
	runs := wpaRuns(t)
	if len(runs) == 0 {
		t.Skip("no capture with a keys log and a whole registration")
	}
	for name, rs := range runs {
		kl, _ := loadKeyLog(t, name)
		for i, r := range rs {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				s := recompute(t, kl, r)
				if s.enrolleeKey == nil {
					t.Skip("the Enrollee's DH private key is not logged")
				}
				e := mustEnrollee(t, replayEnrolleeConfig(r, s))
				steps := []struct{ in, out MessageType }{
					{0, MessageTypeM1},
					{MessageTypeM2, MessageTypeM3},
					{MessageTypeM4, MessageTypeM5},
					{MessageTypeM6, MessageTypeM7},
					{MessageTypeM8, MessageTypeWSCDone},
				}
				var last []Action
				for _, st := range steps {
					var acts []Action
					if st.in == 0 {
						acts = e.Handle(Start{})
					} else {
						acts = e.Handle(MessageReceived{Op: eap.OpMsg, Message: r.raw[st.in]})
					}
					last = acts
					msgs := sentMessages(acts)
					if len(msgs) != 1 {
						t.Fatalf("after %v: actions %+v", st.in, acts)
					}
					if want := r.raw[st.out]; !bytes.Equal(msgs[0].Message, want) {
						t.Errorf("%v differs from wpa_supplicant's:\n got %x\nwant %x", st.out, msgs[0].Message, want)
					}
				}
				var got *Succeeded
				for _, a := range last {
					if a, ok := a.(Succeeded); ok {
						got = &a
					}
				}
				if got == nil {
					t.Fatalf("no Succeeded after M8: %+v", last)
				}
				if diff := cmp.Diff(stripWire(s.credentials), stripWire(got.Credentials)); diff != "" {
					t.Errorf("Credentials (-captured +got):\n%s", diff)
				}
			})
		}
	}
}

func TestRegistrarReplaysWpaSupplicantsMessagesByteForByte(t *testing.T) {
	runs := wpaRuns(t)
	if len(runs) == 0 {
		t.Skip("no capture with a keys log and a whole registration")
	}
	for name, rs := range runs {
		kl, _ := loadKeyLog(t, name)
		for i, r := range rs {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				s := recompute(t, kl, r)
				if s.registrarKey == nil {
					t.Skip("the Registrar's DH private key is not logged")
				}
				reg := mustRegistrar(t, replayRegistrarConfig(r, s))
				steps := []struct{ in, out MessageType }{
					{MessageTypeM1, MessageTypeM2},
					{MessageTypeM3, MessageTypeM4},
					{MessageTypeM5, MessageTypeM6},
					{MessageTypeM7, MessageTypeM8},
				}
				for _, st := range steps {
					acts := reg.Handle(MessageReceived{Op: eap.OpMsg, Message: r.raw[st.in]})
					msgs := sentMessages(acts)
					if len(msgs) != 1 {
						t.Fatalf("after %v: actions %+v", st.in, acts)
					}
					if want := r.raw[st.out]; !bytes.Equal(msgs[0].Message, want) {
						t.Errorf("%v differs from wpa_supplicant's:\n got %x\nwant %x", st.out, msgs[0].Message, want)
					}
				}
				acts := reg.Handle(MessageReceived{Op: eap.OpDone, Message: r.raw[MessageTypeWSCDone]})
				if len(acts) != 1 {
					t.Fatalf("after WSC_Done: %+v", acts)
				}
				if _, ok := acts[0].(Succeeded); !ok || !reg.Ended() {
					t.Errorf("after WSC_Done: %+v, ended %v", acts, reg.Ended())
				}
			})
		}
	}
}

// capturedEAPOL is one captured EAPOL frame and whether the Enrollee sent it.
type capturedEAPOL struct {
	frame   int
	eapol   []byte
	fromSTA bool
}

// capturedEAPOLOf returns the EAPOL-EAP frames (and EAPOL-Starts) between
// the Enrollee and the GO of a run, 802.11 retransmissions removed.
func capturedEAPOLOf(t *testing.T, name string, r *capturedRun) []capturedEAPOL {
	t.Helper()
	frames, err := vectors.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	type seqKey struct {
		ta  string
		seq uint16
	}
	seen := map[seqKey]bool{}
	var out []capturedEAPOL
	sta := string(r.m1.MACAddress[:])
	for _, f := range frames {
		d := f.Data
		if len(d) < 24 {
			continue
		}
		fc := binary.LittleEndian.Uint16(d)
		k := seqKey{string(d[10:16]), binary.LittleEndian.Uint16(d[22:]) >> 4}
		if fc&0x0800 != 0 && seen[k] {
			continue
		}
		seen[k] = true
		e, ok := vectors.EAPOL(d)
		if !ok || len(e) < 2 || (e[1] != 0 && e[1] != 1) { // EAPOL-EAP and EAPOL-Start only
			continue
		}
		ra, ta := string(d[4:10]), string(d[10:16])
		if ta != sta && ra != sta {
			continue
		}
		out = append(out, capturedEAPOL{frame: f.Index, eapol: e, fromSTA: ta == sta})
	}
	return out
}

// eapRange keeps the frames of the run's EAP conversation: from the
// last EAP-Request/Identity before M1 to the EAP-Failure after WSC_Done.
func eapRange(t *testing.T, fs []capturedEAPOL, m1 []byte) []capturedEAPOL {
	t.Helper()
	start, end := -1, -1
	for i, f := range fs {
		if f.eapol[1] != 0 || len(f.eapol) < 8 {
			continue
		}
		body := f.eapol[4:]
		if !f.fromSTA && len(body) > 4 && body[0] == byte(eap.CodeRequest) && body[4] == byte(eap.TypeIdentity) && end < 0 {
			start = i
		}
		if !f.fromSTA && body[0] == byte(eap.CodeFailure) && start >= 0 {
			end = i
			break
		}
	}
	if start < 0 || end < 0 {
		t.Fatalf("no EAP conversation from Request/Identity to EAP-Failure")
	}
	out := fs[start : end+1]
	if !slices.ContainsFunc(out, func(f capturedEAPOL) bool { return bytes.Contains(f.eapol, m1[len(m1)-64:]) }) {
		t.Fatalf("the EAP conversation does not carry the run's M1")
	}
	return out
}

func TestEAPPeerReplaysTheCapturedClientFramesByteForByte(t *testing.T) {
	runs := wpaRuns(t)
	if len(runs) == 0 {
		t.Skip("no capture with a keys log and a whole registration")
	}
	for name, rs := range runs {
		kl, _ := loadKeyLog(t, name)
		for i, r := range rs {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				s := recompute(t, kl, r)
				if s.enrolleeKey == nil {
					t.Skip("the Enrollee's DH private key is not logged")
				}
				conv := eapRange(t, capturedEAPOLOf(t, name, r), r.raw[MessageTypeM1])
				p, err := NewEAPPeer(EAPPeerConfig{Enrollee: replayEnrolleeConfig(r, s)})
				if err != nil {
					t.Fatal(err)
				}
				p.Handle(Start{})
				var sent [][]byte
				finished := false
				for _, f := range conv {
					if f.fromSTA {
						continue
					}
					for _, a := range p.Handle(FrameReceived{Frame: f.eapol}) {
						switch a := a.(type) {
						case SendFrame:
							sent = append(sent, a.Frame)
						case Finished:
							finished = true
						case Failed:
							t.Errorf("frame %d: %+v", f.frame, a)
						}
					}
				}
				var want [][]byte
				for _, f := range conv {
					if f.fromSTA {
						want = append(want, f.eapol)
					}
				}
				if len(sent) != len(want) {
					t.Errorf("sent %d frames, wpa_supplicant %d", len(sent), len(want))
				}
				for k := range min(len(sent), len(want)) {
					if !bytes.Equal(sent[k], want[k]) {
						t.Errorf("frame %d differs:\n got %x\nwant %x", k, sent[k], want[k])
					}
				}
				if !finished {
					t.Errorf("no Finished after EAP-Failure")
				}
			})
		}
	}
}

func TestEAPServerReplaysTheCapturedGOFramesByteForByte(t *testing.T) {
	runs := wpaRuns(t)
	if len(runs) == 0 {
		t.Skip("no capture with a keys log and a whole registration")
	}
	for name, rs := range runs {
		kl, _ := loadKeyLog(t, name)
		for i, r := range rs {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				s := recompute(t, kl, r)
				if s.registrarKey == nil {
					t.Skip("the Registrar's DH private key is not logged")
				}
				conv := eapRange(t, capturedEAPOLOf(t, name, r), r.raw[MessageTypeM1])
				cfg := replayRegistrarConfig(r, s)
				rr := cfg.Rand.(*replayReader)
				rr.b = append([]byte{conv[0].eapol[5]}, rr.b...) // the first EAP Identifier
				srv, err := NewEAPServer(EAPServerConfig{Registrar: cfg})
				if err != nil {
					t.Fatal(err)
				}
				var sent [][]byte
				finished := false
				collect := func(acts []Action) {
					for _, a := range acts {
						switch a := a.(type) {
						case SendFrame:
							sent = append(sent, a.Frame)
						case Finished:
							finished = true
						case Failed:
							t.Errorf("%+v", a)
						}
					}
				}
				collect(srv.Handle(Start{}))
				for _, f := range conv {
					if f.fromSTA {
						collect(srv.Handle(FrameReceived{Frame: f.eapol}))
					}
				}
				var want [][]byte
				for _, f := range conv {
					if !f.fromSTA {
						want = append(want, f.eapol)
					}
				}
				if len(sent) != len(want) {
					t.Errorf("sent %d frames, wpa_supplicant %d", len(sent), len(want))
				}
				for k := range min(len(sent), len(want)) {
					if !bytes.Equal(sent[k], want[k]) {
						t.Errorf("frame %d differs:\n got %x\nwant %x", k, sent[k], want[k])
					}
				}
				if !finished {
					t.Errorf("no Finished after WSC_Done")
				}
			})
		}
	}
}
