package wsc

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// seeded returns a deterministic random source for tests (production
// code uses crypto/rand).
func seeded(seed uint64) io.Reader {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

var (
	enrolleeMAC = ieee80211.MAC{0x46, 0, 0, 0, 1, 0}
	testUUIDE   = UUID{0x57, 0x2c, 0xf8, 0x2f, 1}
	testUUIDR   = UUID{0x36, 0x2d, 0xb4, 0x7b, 2}
	testSSID    = []byte("DIRECT-hV")
	testKey     = []byte("btFPAvYA")
)

func enrolleeConfig(id DevicePasswordID, pin string, seed uint64) EnrolleeConfig {
	var p []byte
	if pin != "" {
		p = []byte(pin)
	}
	return EnrolleeConfig{
		UUIDE:            testUUIDE,
		MACAddress:       enrolleeMAC,
		Device:           Device{DeviceName: "client", PrimaryDeviceType: DeviceType{Category: 10, OUI: OUIWFADeviceType, SubCategory: 5}},
		DevicePasswordID: id,
		PIN:              p,
		Rand:             seeded(seed),
	}
}

func registrarConfig(id DevicePasswordID, pin string, seed uint64) RegistrarConfig {
	var p []byte
	if pin != "" {
		p = []byte(pin)
	}
	return RegistrarConfig{
		UUIDR:            testUUIDR,
		Device:           Device{Manufacturer: "p2pmanager", DeviceName: "go", PrimaryDeviceType: DeviceType{Category: 1, OUI: OUIWFADeviceType, SubCategory: 1}},
		DevicePasswordID: id,
		PIN:              p,
		SSID:             testSSID,
		NetworkKey:       testKey,
		Rand:             seeded(seed),
	}
}

func mustEnrollee(t *testing.T, c EnrolleeConfig) *Enrollee {
	t.Helper()
	e, err := NewEnrollee(c)
	if err != nil {
		t.Fatalf("NewEnrollee: %v", err)
	}
	return e
}

func mustRegistrar(t *testing.T, c RegistrarConfig) *Registrar {
	t.Helper()
	r, err := NewRegistrar(c)
	if err != nil {
		t.Fatalf("NewRegistrar: %v", err)
	}
	return r
}

// outcome is what one side reported in a run.
type outcome struct {
	succeeded *Succeeded
	failed    *Failed
	sent      []MessageType
}

func (o *outcome) record(t *testing.T, side string, acts []Action) []SendMessage {
	t.Helper()
	var msgs []SendMessage
	for _, a := range acts {
		switch a := a.(type) {
		case SendMessage:
			msgs = append(msgs, a)
			o.sent = append(o.sent, a.Type)
		case Succeeded:
			if o.succeeded != nil || o.failed != nil {
				t.Errorf("%s: second outcome %+v", side, a)
			}
			o.succeeded = &a
		case Failed:
			if o.succeeded != nil || o.failed != nil {
				t.Errorf("%s: second outcome %+v", side, a)
			}
			o.failed = &a
		default:
			t.Errorf("%s: unexpected action %T", side, a)
		}
	}
	return msgs
}

// tamper may change a message on its way; nil leaves it.
type tamper func(from string, m SendMessage) SendMessage

// runRegistration runs an Enrollee against a Registrar, message by message.
func runRegistration(t *testing.T, e *Enrollee, r *Registrar, tm tamper) (eo, ro outcome) {
	t.Helper()
	pending := eo.record(t, "enrollee", e.Handle(Start{}))
	for step := 0; len(pending) > 0; step++ {
		if step > 20 {
			t.Fatal("registration does not end")
		}
		var next []SendMessage
		for _, m := range pending {
			if tm != nil {
				m = tm("enrollee", m)
			}
			for _, reply := range ro.record(t, "registrar", r.Handle(MessageReceived{Op: m.Op, Message: m.Message})) {
				if tm != nil {
					reply = tm("registrar", reply)
				}
				next = append(next, eo.record(t, "enrollee", e.Handle(MessageReceived{Op: reply.Op, Message: reply.Message}))...)
			}
		}
		pending = next
	}
	return eo, ro
}

func TestRegistrationDeliversTheCredential(t *testing.T) {
	tests := []struct {
		name     string
		enrollee EnrolleeConfig
		reg      RegistrarConfig
	}{
		{"push button", enrolleeConfig(PasswordPushButton, "", 1), registrarConfig(PasswordPushButton, "", 2)},
		{"PIN display: the Registrar has the Enrollee's PIN", enrolleeConfig(PasswordDefault, "12345670", 3), registrarConfig(PasswordDefault, "12345670", 4)},
		{"PIN keypad: the Enrollee typed the Registrar's PIN", enrolleeConfig(PasswordRegistrarSpecified, "49226874", 5), registrarConfig(PasswordRegistrarSpecified, "49226874", 6)},
		{"four-digit PIN", enrolleeConfig(PasswordDefault, "1234", 7), registrarConfig(PasswordDefault, "1234", 8)},
		{"Default PIN against a Registrar-specified one", enrolleeConfig(PasswordDefault, "12345670", 9), registrarConfig(PasswordRegistrarSpecified, "12345670", 10)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, r := mustEnrollee(t, tc.enrollee), mustRegistrar(t, tc.reg)
			eo, ro := runRegistration(t, e, r, nil)
			if eo.failed != nil || ro.failed != nil || eo.succeeded == nil || ro.succeeded == nil {
				t.Fatalf("enrollee %+v, registrar %+v", eo, ro)
			}
			want := []Credential{{NetworkIndex: 1, SSID: testSSID, AuthenticationType: AuthWPA2PSK, EncryptionType: EncrAES, NetworkKey: testKey, MACAddress: enrolleeMAC}}
			if diff := cmp.Diff(want, stripWire(eo.succeeded.Credentials)); diff != "" {
				t.Errorf("Enrollee's Credential (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, stripWire(ro.succeeded.Credentials)); diff != "" {
				t.Errorf("Registrar's Credential (-want +got):\n%s", diff)
			}
			wantE := []MessageType{MessageTypeM1, MessageTypeM3, MessageTypeM5, MessageTypeM7, MessageTypeWSCDone}
			wantR := []MessageType{MessageTypeM2, MessageTypeM4, MessageTypeM6, MessageTypeM8}
			if diff := cmp.Diff(wantE, eo.sent); diff != "" {
				t.Errorf("Enrollee sent (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantR, ro.sent); diff != "" {
				t.Errorf("Registrar sent (-want +got):\n%s", diff)
			}
			if ro.succeeded.Peer.UUID != testUUIDE || ro.succeeded.Peer.MACAddress != enrolleeMAC || ro.succeeded.Peer.DeviceName != "client" {
				t.Errorf("Registrar's peer %+v", ro.succeeded.Peer)
			}
			if eo.succeeded.Peer.UUID != testUUIDR || eo.succeeded.Peer.DeviceName != "go" {
				t.Errorf("Enrollee's peer %+v", eo.succeeded.Peer)
			}
		})
	}
}

func stripWire(cs []Credential) []Credential {
	out := make([]Credential, len(cs))
	for i, c := range cs {
		c.Wire = Wire{}
		out[i] = c
	}
	return out
}

func TestRegistrationWithAWrongPINFailsOnBothSidesWithConfigError18(t *testing.T) {
	tests := []struct {
		name              string
		enrolleePIN       string
		registrarPIN      string
		enrolleeFailsAt   MessageType
		registrarNACKedAt MessageType
	}{
		// The Enrollee checks R-Hash1 in M4 before it reveals anything.
		{"first half wrong", "12345670", PINFromPrefix(9999567), MessageTypeM4, MessageTypeM4},
		// The first half passes; R-Hash2 in M6 fails.
		{"second half wrong", "12345670", PINFromPrefix(1234999), MessageTypeM6, MessageTypeM6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := ValidatePIN(tc.registrarPIN); err != nil {
				t.Fatal(err)
			}
			e := mustEnrollee(t, enrolleeConfig(PasswordRegistrarSpecified, tc.enrolleePIN, 11))
			r := mustRegistrar(t, registrarConfig(PasswordRegistrarSpecified, tc.registrarPIN, 12))
			eo, ro := runRegistration(t, e, r, nil)
			if eo.succeeded != nil || ro.succeeded != nil || eo.failed == nil || ro.failed == nil {
				t.Fatalf("enrollee %+v, registrar %+v", eo, ro)
			}
			if !errors.Is(eo.failed.Err, ErrDevicePasswordAuthFailure) || eo.failed.ConfigError != ConfigErrDevicePasswordAuthFailure || eo.failed.Message != tc.enrolleeFailsAt {
				t.Errorf("Enrollee failed with %+v", eo.failed)
			}
			if !errors.Is(ro.failed.Err, ErrNACK) || ro.failed.ConfigError != ConfigErrDevicePasswordAuthFailure || ro.failed.Message != tc.registrarNACKedAt {
				t.Errorf("Registrar failed with %+v", ro.failed)
			}
			for _, m := range ro.sent {
				if m == MessageTypeM8 {
					t.Errorf("the Registrar sent M8 to an Enrollee with the wrong PIN")
				}
			}
		})
	}
}

// TestBadInput4b22WrongPINReleasesNoCredential is docs/bad-input.md 4b #22
// seen from the Registrar: an Enrollee that guessed the first half of the
// PIN wrong but does not stop at R-Hash1 (an attacker) reveals E-SNonce1
// in M5; the Registrar finds it does not match E-Hash1, answers WSC_NACK
// with Configuration Error 18 and never sends M6 or M8.
func TestBadInput4b22WrongPINReleasesNoCredential(t *testing.T) {
	e := mustEnrollee(t, enrolleeConfig(PasswordRegistrarSpecified, PINFromPrefix(9999567), 21))
	r := mustRegistrar(t, registrarConfig(PasswordRegistrarSpecified, "12345670", 22))
	var eo, ro outcome
	deliver := func(to string, acts []Action) SendMessage {
		t.Helper()
		o := &eo
		if to == "registrar" {
			o = &ro
		}
		msgs := o.record(t, to, acts)
		if len(msgs) != 1 {
			t.Fatalf("%s: %d messages", to, len(msgs))
		}
		return msgs[0]
	}
	m1 := deliver("enrollee", e.Handle(Start{}))
	m2 := deliver("registrar", r.Handle(MessageReceived{Op: m1.Op, Message: m1.Message}))
	m3 := deliver("enrollee", e.Handle(MessageReceived{Op: m2.Op, Message: m2.Message}))
	m4 := deliver("registrar", r.Handle(MessageReceived{Op: m3.Op, Message: m3.Message}))
	e.psk1 = r.psk1 // the attacker skips its R-Hash1 check
	m5 := deliver("enrollee", e.Handle(MessageReceived{Op: m4.Op, Message: m4.Message}))
	acts := r.Handle(MessageReceived{Op: m5.Op, Message: m5.Message})
	msgs := ro.record(t, "registrar", acts)
	if len(msgs) != 1 || msgs[0].Op != eap.OpNACK {
		t.Fatalf("Registrar answered M5 with %+v", acts)
	}
	nack, err := Decode[WSCNACK](msgs[0].Message)
	if err != nil || nack.ConfigurationError != ConfigErrDevicePasswordAuthFailure {
		t.Errorf("WSC_NACK %+v, %v; want Configuration Error 18", nack, err)
	}
	if ro.failed == nil || !errors.Is(ro.failed.Err, ErrDevicePasswordAuthFailure) || ro.failed.ConfigError != ConfigErrDevicePasswordAuthFailure || ro.failed.Message != MessageTypeM5 {
		t.Errorf("Registrar failed with %+v", ro.failed)
	}
	// The Enrollee's answer ends the run; nothing more is sent.
	if acts := r.Handle(MessageReceived{Op: eap.OpNACK, Message: msgs[0].Message}); len(acts) != 0 || !r.Ended() {
		t.Errorf("after the Enrollee's answer: %+v, ended %v", acts, r.Ended())
	}
	if slices.Contains(ro.sent, MessageTypeM6) || slices.Contains(ro.sent, MessageTypeM8) {
		t.Errorf("the Registrar sent %v", ro.sent)
	}
}

func TestRegistrarWithoutAPasswordAnswersM2D(t *testing.T) {
	tests := []struct {
		name     string
		enrollee EnrolleeConfig
		reg      RegistrarConfig
	}{
		{"PIN not entered yet", enrolleeConfig(PasswordDefault, "12345670", 31), registrarConfig(PasswordDefault, "", 32)},
		{"push button Enrollee, PIN Registrar", enrolleeConfig(PasswordPushButton, "", 33), registrarConfig(PasswordDefault, "12345670", 34)},
		{"PIN Enrollee, push button Registrar", enrolleeConfig(PasswordDefault, "12345670", 35), registrarConfig(PasswordPushButton, "", 36)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, r := mustEnrollee(t, tc.enrollee), mustRegistrar(t, tc.reg)
			eo, ro := runRegistration(t, e, r, nil)
			if diff := cmp.Diff([]MessageType{MessageTypeM2D}, ro.sent); diff != "" {
				t.Errorf("Registrar sent (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]MessageType{MessageTypeM1, MessageTypeWSCACK}, eo.sent); diff != "" {
				t.Errorf("Enrollee sent (-want +got):\n%s", diff)
			}
			if ro.failed == nil || !errors.Is(ro.failed.Err, ErrNoPassword) || ro.failed.Message != MessageTypeM1 {
				t.Errorf("Registrar failed with %+v", ro.failed)
			}
			if eo.failed == nil || !errors.Is(eo.failed.Err, ErrM2D) || eo.failed.Message != MessageTypeM2D {
				t.Errorf("Enrollee failed with %+v", eo.failed)
			}
			if !r.Ended() || !e.Ended() {
				t.Errorf("Registrar ended %v, Enrollee ended %v", r.Ended(), e.Ended())
			}
		})
	}
}

// fakeClock is a settable time source for PINLockout and PBCSessions.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestBadInput4b23PushButtonOverlapGetsM2DWithConfigError12 is
// docs/bad-input.md 4b #23: a second push button Enrollee seen within the
// walk time makes the Registrar refuse push button with M2D.
func TestBadInput4b23PushButtonOverlapGetsM2DWithConfigError12(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	sessions := NewPBCSessions(clk.now)
	other := UUID{0xee}
	sessions.ProbeRequest(ieee80211.MAC{2, 0, 0, 0, 2, 0}, &ProbeRequest{UUIDE: other, DevicePasswordID: PasswordPushButton})
	clk.t = clk.t.Add(PBCWalkTime - time.Second)
	cfg := registrarConfig(PasswordPushButton, "", 41)
	cfg.PBCSessions = sessions
	e, r := mustEnrollee(t, enrolleeConfig(PasswordPushButton, "", 42)), mustRegistrar(t, cfg)
	eo, ro := runRegistration(t, e, r, nil)
	if ro.failed == nil || !errors.Is(ro.failed.Err, ErrPBCOverlap) || ro.failed.ConfigError != ConfigErrMultiplePBCDetected {
		t.Errorf("Registrar failed with %+v", ro.failed)
	}
	if eo.failed == nil || !errors.Is(eo.failed.Err, ErrM2D) || eo.failed.ConfigError != ConfigErrMultiplePBCDetected {
		t.Errorf("Enrollee failed with %+v", eo.failed)
	}

	// Once the other Enrollee's walk time is over, push button works.
	clk.t = clk.t.Add(2 * time.Second)
	cfg.Rand = seeded(43)
	e, r = mustEnrollee(t, enrolleeConfig(PasswordPushButton, "", 44)), mustRegistrar(t, cfg)
	eo, ro = runRegistration(t, e, r, nil)
	if eo.succeeded == nil || ro.succeeded == nil {
		t.Fatalf("after the walk time: enrollee %+v, registrar %+v", eo.failed, ro.failed)
	}
	// A success removes the Enrollee, so that another may follow.
	if sessions.Overlap(UUID{0xdd}) {
		t.Errorf("the enrolled Enrollee still counts for overlap")
	}
}

// TestBadInput4b24RepeatedWrongPINsLockTheStaticPIN is docs/bad-input.md
// 4b #24: after three wrong-PIN runs against a static PIN the Registrar
// answers M2D with Configuration Error 15 until the lockout ends.
func TestBadInput4b24RepeatedWrongPINsLockTheStaticPIN(t *testing.T) {
	clk := &fakeClock{t: time.Unix(5000, 0)}
	lock := NewPINLockout(clk.now)
	run := func(seed uint64, pin string) (outcome, outcome) {
		t.Helper()
		cfg := registrarConfig(PasswordRegistrarSpecified, "12345670", seed)
		cfg.Lockout = lock
		e := mustEnrollee(t, enrolleeConfig(PasswordRegistrarSpecified, pin, seed+1000))
		return runRegistration(t, e, mustRegistrar(t, cfg), nil)
	}
	for i := range PINLockoutThreshold {
		_, ro := run(uint64(50+i), PINFromPrefix(uint32(1111111+i)))
		if ro.failed == nil || ro.failed.ConfigError != ConfigErrDevicePasswordAuthFailure {
			t.Fatalf("wrong PIN %d: Registrar %+v", i, ro.failed)
		}
	}
	if !lock.Locked() {
		t.Fatalf("not locked after %d failures", PINLockoutThreshold)
	}
	// Even the right PIN is refused while locked.
	eo, ro := run(60, "12345670")
	if ro.failed == nil || !errors.Is(ro.failed.Err, ErrLocked) || ro.failed.ConfigError != ConfigErrSetupLocked || eo.failed == nil {
		t.Errorf("while locked: Registrar %+v, Enrollee %+v", ro.failed, eo.failed)
	}
	clk.t = clk.t.Add(PINLockoutTime)
	eo, ro = run(61, "12345670")
	if eo.succeeded == nil || ro.succeeded == nil {
		t.Errorf("after the lockout: Registrar %+v, Enrollee %+v", ro.failed, eo.failed)
	}
}

// recordingReader serves a seeded stream and keeps what it served.
type recordingReader struct {
	src    io.Reader
	served []byte
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.src.Read(p)
	r.served = append(r.served, p[:n]...)
	return n, err
}

// TestBadInput4b25SecretNoncesComeOnlyFromTheInjectedReader is
// docs/bad-input.md 4b #25 (Pixie Dust): the Enrollee Nonce, the DH
// private key, E-S1, E-S2 and the IVs are exactly the octets read from the
// configured reader, in that order, and nothing else is random: the same
// reader gives the same messages.
func TestBadInput4b25SecretNoncesComeOnlyFromTheInjectedReader(t *testing.T) {
	transcript := func() ([][]byte, *recordingReader, *Registrar) {
		t.Helper()
		rec := &recordingReader{src: seeded(70)}
		ec := enrolleeConfig(PasswordDefault, "12345670", 0)
		ec.Rand = rec
		e, r := mustEnrollee(t, ec), mustRegistrar(t, registrarConfig(PasswordDefault, "12345670", 71))
		var msgs [][]byte
		tm := func(_ string, m SendMessage) SendMessage { msgs = append(msgs, m.Message); return m }
		eo, _ := runRegistration(t, e, r, tm)
		if eo.succeeded == nil {
			t.Fatalf("registration failed: %+v", eo.failed)
		}
		return msgs, rec, r
	}
	a, rec, r := transcript()
	b, _, _ := transcript()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two runs with the same reader differ (-first +second):\n%s", diff)
	}
	s := rec.served
	if len(s) != 16+PublicKeyLen+32+16+16 {
		t.Fatalf("the Enrollee read %d random octets, want %d", len(s), 16+PublicKeyLen+32+16+16)
	}
	m1, _ := Decode[M1](a[0])
	if !bytes.Equal(m1.EnrolleeNonce[:], s[:16]) {
		t.Errorf("Enrollee Nonce %x, reader gave %x", m1.EnrolleeNonce, s[:16])
	}
	k, err := NewDHPrivateKey(s[16 : 16+PublicKeyLen])
	if err != nil || k.PublicKey() != m1.PublicKey {
		t.Errorf("M1's Public Key is not 2^(the octets read) mod p")
	}
	off := 16 + PublicKeyLen
	m5, _ := Decode[M5](a[4])
	plain, err := DecryptSettings(r.keys, m5.EncryptedSettings)
	if err != nil {
		t.Fatal(err)
	}
	es, _ := Decode[M5Settings](plain)
	if !bytes.Equal(es.ESNonce1[:], s[off:off+16]) || !bytes.Equal(m5.EncryptedSettings.IV[:], s[off+32:off+48]) {
		t.Errorf("E-SNonce1 %x and IV %x are not the octets read", es.ESNonce1, m5.EncryptedSettings.IV)
	}
}

func TestEnrolleeFailsWhenTheReaderFails(t *testing.T) {
	ec := enrolleeConfig(PasswordPushButton, "", 0)
	ec.Rand = &replayReader{b: make([]byte, 20)} // the nonce, then too little for the key
	acts := mustEnrollee(t, ec).Handle(Start{})
	if len(acts) != 1 {
		t.Fatalf("actions %+v", acts)
	}
	if f, ok := acts[0].(Failed); !ok || f.Err == nil {
		t.Errorf("action %+v, want Failed", acts[0])
	}
}

// TestRegistrationFailsOnACorruptedAuthenticator flips one bit of the
// Authenticator of each message M2..M8 in turn: the receiver fails with
// ErrAuthenticator and answers WSC_NACK, and no Credential is delivered.
func TestRegistrationFailsOnACorruptedAuthenticator(t *testing.T) {
	for _, target := range []MessageType{MessageTypeM2, MessageTypeM3, MessageTypeM4, MessageTypeM5, MessageTypeM6, MessageTypeM7, MessageTypeM8} {
		t.Run(target.String(), func(t *testing.T) {
			e := mustEnrollee(t, enrolleeConfig(PasswordDefault, "12345670", 80))
			r := mustRegistrar(t, registrarConfig(PasswordDefault, "12345670", 81))
			tm := func(_ string, m SendMessage) SendMessage {
				if m.Type == target {
					m.Message = bytes.Clone(m.Message)
					m.Message[len(m.Message)-1] ^= 0x10
				}
				return m
			}
			eo, ro := runRegistration(t, e, r, tm)
			if eo.succeeded != nil || ro.succeeded != nil {
				t.Fatalf("a run with a corrupted %v succeeded", target)
			}
			receiver := eo.failed
			if target == MessageTypeM3 || target == MessageTypeM5 || target == MessageTypeM7 {
				receiver = ro.failed
			}
			if receiver == nil || !errors.Is(receiver.Err, ErrAuthenticator) || receiver.Message != target {
				t.Errorf("the receiver of %v failed with %+v", target, receiver)
			}
		})
	}
}

func TestRegistrationFailsOnAMessageOutOfOrder(t *testing.T) {
	e := mustEnrollee(t, enrolleeConfig(PasswordDefault, "12345670", 90))
	r := mustRegistrar(t, registrarConfig(PasswordDefault, "12345670", 91))
	m1 := sentMessages(e.Handle(Start{}))[0]
	m2 := sentMessages(r.Handle(MessageReceived{Op: m1.Op, Message: m1.Message}))[0]
	m3 := sentMessages(e.Handle(MessageReceived{Op: m2.Op, Message: m2.Message}))[0]
	// M2 again where M4 is expected.
	acts := e.Handle(MessageReceived{Op: m2.Op, Message: m2.Message})
	var eo outcome
	msgs := eo.record(t, "enrollee", acts)
	if len(msgs) != 1 || msgs[0].Op != eap.OpNACK || eo.failed == nil || !errors.Is(eo.failed.Err, ErrUnexpectedMessage) {
		t.Errorf("M2 in place of M4: %+v", acts)
	}
	// M3 twice at the Registrar.
	sentMessages(r.Handle(MessageReceived{Op: m3.Op, Message: m3.Message}))
	var ro outcome
	msgs = ro.record(t, "registrar", r.Handle(MessageReceived{Op: m3.Op, Message: m3.Message}))
	if len(msgs) != 1 || msgs[0].Op != eap.OpNACK || ro.failed == nil || !errors.Is(ro.failed.Err, ErrUnexpectedMessage) {
		t.Errorf("M3 twice: %+v", msgs)
	}
}

func TestNewEnrolleeRejectsAPINWithABadChecksum(t *testing.T) {
	for _, pin := range []string{"12345678", "1234567", "abcdefgh", ""} {
		if _, err := NewEnrollee(enrolleeConfig(PasswordDefault, pin, 1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("PIN %q: %v, want ErrInvalid", pin, err)
		}
		if pin == "" {
			continue
		}
		if _, err := NewRegistrar(registrarConfig(PasswordDefault, pin, 1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Registrar PIN %q: %v, want ErrInvalid", pin, err)
		}
	}
	bad := registrarConfig(PasswordPushButton, "", 1)
	bad.NetworkKey = []byte("short")
	if _, err := NewRegistrar(bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("Network Key %q: %v, want ErrInvalid", bad.NetworkKey, err)
	}
}
