package wsc

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
)

// RegistrarConfig configures a Registrar: the GO's internal Registrar for
// one Enrollee.
type RegistrarConfig struct {
	// UUIDR is the Registrar's UUID-R.
	UUIDR UUID
	// Device holds the device attributes of M2 and M2D.
	Device Device
	// DevicePasswordID says which Enrollees the Registrar expects:
	// PasswordPushButton, or a PIN ID (PasswordDefault,
	// PasswordUserSpecified or PasswordRegistrarSpecified all mean "a
	// PIN": P2P uses them interchangeably, and M2 echoes the Enrollee's).
	DevicePasswordID DevicePasswordID
	// PIN is the device password for a PIN ID (8 digits with a valid
	// checksum, or 4 digits); nil means not known yet: M1 gets M2D.
	PIN []byte
	// SSID and NetworkKey make the Credential of M8 (WPA2-PSK, AES, with
	// the Enrollee's MAC Address). NetworkKey is a passphrase of 8..63
	// octets or 64 hexadecimal digits (the PSK, which wpa_supplicant's GO
	// sends to P2P Clients).
	SSID       []byte
	NetworkKey []byte
	// AuthenticationTypeFlags and EncryptionTypeFlags are announced in
	// M2; zero means WPA2-PSK and AES.
	AuthenticationTypeFlags AuthType
	EncryptionTypeFlags     EncrType
	// Lockout, when set, counts device password failures against a static
	// PIN across runs; while it is locked, PIN Enrollees get M2D with
	// Configuration Error 15 (docs/bad-input.md 4b #24). The caller keeps
	// it across Registrars.
	Lockout *PINLockout
	// PBCSessions, when set, holds the push button Enrollees seen within
	// the walk time; a push button M1 is added to it and more than one
	// Enrollee means session overlap: M2D with Configuration Error 12
	// (docs/bad-input.md 4b #23).
	PBCSessions *PBCSessions
	// Rand is the source of every random value; nil means crypto/rand.
	Rand io.Reader
}

func (c RegistrarConfig) withDefaults() (RegistrarConfig, error) {
	if err := checkPassword(c.DevicePasswordID, c.PIN, true); err != nil {
		return c, fmt.Errorf("wsc: Registrar: %w", err)
	}
	if err := c.Device.validate(); err != nil {
		return c, fmt.Errorf("wsc: Registrar: %w", err)
	}
	if len(c.SSID) == 0 || len(c.SSID) > MaxSSIDLen {
		return c, fmt.Errorf("wsc: Registrar: %w: SSID of %d octets", ErrInvalid, len(c.SSID))
	}
	if err := ValidateNetworkKey(AuthWPA2PSK, c.NetworkKey); err != nil {
		return c, fmt.Errorf("wsc: Registrar: %w", err)
	}
	c.Device = c.Device.withDefaults()
	if c.AuthenticationTypeFlags == 0 {
		c.AuthenticationTypeFlags = AuthWPA2PSK
	}
	if c.EncryptionTypeFlags == 0 {
		c.EncryptionTypeFlags = EncrAES
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	c.PIN, c.SSID, c.NetworkKey = bytes.Clone(c.PIN), bytes.Clone(c.SSID), bytes.Clone(c.NetworkKey)
	return c, nil
}

type registrarState uint8

const (
	registrarWaitM1 registrarState = iota
	registrarWaitM3
	registrarWaitM5
	registrarWaitM7
	registrarWaitDone
	registrarWaitAck  // M2D sent: the Enrollee's WSC_ACK ends the run
	registrarNACKSent // WSC_NACK sent: the Enrollee's answer ends the run
	registrarDone
	registrarFailed
)

// Registrar is the Registrar side of the registration protocol for one
// Enrollee (WSC 2.0.x, 7 and 8). M1 gets M2, or M2D when the Registrar
// has no device password for the Enrollee's Device Password ID, when push
// button sessions overlap, or when the PIN is locked (Failed is reported
// with the M2D). M3 (E-Hash1, E-Hash2 kept) gets M4 (R-Hash1, R-Hash2,
// R-SNonce1 encrypted); M5 (E-SNonce1 checked against E-Hash1) gets M6
// (R-SNonce2); M7 (E-SNonce2 against E-Hash2) gets M8 with the
// Credential; WSC_Done gets Succeeded. A secret nonce that does not match
// its hash (a wrong PIN) gets WSC_NACK with Configuration Error 18 and no
// Credential is ever sent. Any other bad message gets WSC_NACK and
// Failed; a WSC_NACK from the Enrollee gets Failed (ErrNACK). When the run
// has ended (Ended), the EAP server ends the conversation with EAP-Failure.
type Registrar struct {
	cfg   RegistrarConfig
	state registrarState

	dh             *DHPrivateKey
	nonceE, nonceR Nonce
	pkE, pkR       PublicKey
	keys           SessionKeys
	psk1, psk2     [PSKLen]byte
	rs1, rs2       Nonce
	eHash1, eHash2 Hash
	peer           Peer
	authFlags      AuthType
	encrFlags      EncrType
	last           []byte
	lastType       MessageType
	pin            bool // the run uses the PIN (not push button)
	revealed       bool // M4 sent: R-Hash1 and R-SNonce1 are out
	counted        bool // the run's outcome went to the Lockout
	credential     Credential
}

// NewRegistrar returns a Registrar waiting for M1. It fails when the
// configuration is unusable (a PIN with a bad checksum, a bad SSID or
// Network Key, device attributes too long).
func NewRegistrar(cfg RegistrarConfig) (*Registrar, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Registrar{cfg: c}, nil
}

// Ended reports whether the run has ended, with success or not: nothing
// more will be sent.
func (r *Registrar) Ended() bool { return r.state == registrarDone || r.state == registrarFailed }

// Handle processes one event: MessageReceived (Start does nothing: the
// Registrar waits for M1). Events after the run is over are ignored.
func (r *Registrar) Handle(ev Event) []Action {
	m, ok := ev.(MessageReceived)
	if !ok || r.Ended() {
		return nil
	}
	return r.receive(m.Op, bytes.Clone(m.Message))
}

// Abort ends the run from outside (the EAP conversation timed out). A run
// that had sent R-SNonce1 without learning that the Enrollee holds the
// PIN counts as a failure of the Lockout.
func (r *Registrar) Abort() {
	if r.Ended() {
		return
	}
	r.pinFailure()
	r.state = registrarFailed
}

func (r *Registrar) pinFailure() {
	if r.cfg.Lockout != nil && r.pin && r.revealed && !r.counted {
		r.counted = true
		r.cfg.Lockout.Failure()
	}
}

func (r *Registrar) send(op eap.OpCode, t MessageType, b []byte) []Action {
	if op == eap.OpMsg {
		r.last, r.lastType = bytes.Clone(b), t
	}
	return []Action{SendMessage{Op: op, Type: t, Message: b}}
}

// abort fails without a message.
func (r *Registrar) abort(err error, at MessageType) []Action {
	r.pinFailure()
	r.state = registrarFailed
	return []Action{failedWith(err, ConfigErrNone, at)}
}

// fail answers with WSC_NACK carrying ce and reports Failed.
func (r *Registrar) fail(err error, ce ConfigError, at MessageType) []Action {
	r.pinFailure()
	r.state = registrarNACKSent
	nack := &WSCNACK{
		EnrolleeNonce:      r.nonceE,
		RegistrarNonce:     r.nonceR,
		ConfigurationError: ce,
		VendorExtensions:   wfaVendorExtension(false),
	}
	var acts []Action
	if b, encErr := Encode(nack); encErr == nil {
		acts = append(acts, SendMessage{Op: eap.OpNACK, Type: MessageTypeWSCNACK, Message: b})
	} else {
		r.state = registrarFailed
	}
	return append(acts, failedWith(err, ce, at))
}

func (r *Registrar) receive(op eap.OpCode, msg []byte) []Action {
	switch r.state {
	case registrarWaitAck, registrarNACKSent:
		// The Enrollee's WSC_ACK or WSC_NACK (or anything else) ends a
		// run that already failed.
		r.state = registrarFailed
		return nil
	}
	m, err := DecodeMessage(msg)
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrUnexpectedMessage, err)
		if r.state == registrarWaitM1 {
			return r.abort(err, 0)
		}
		return r.fail(err, ConfigErrNone, 0)
	}
	t := m.MessageType()
	if r.state == registrarWaitM1 {
		if m1, ok := m.(*M1); ok && op == eap.OpMsg {
			return r.m1(m1, msg)
		}
		return r.abort(fmt.Errorf("%w: %v in %v before M1", ErrUnexpectedMessage, t, op), t)
	}
	switch m := m.(type) {
	case *WSCNACK:
		if op != eap.OpNACK || m.EnrolleeNonce != r.nonceE || m.RegistrarNonce != r.nonceR {
			break
		}
		r.pinFailure()
		r.state = registrarFailed
		return []Action{failedWith(ErrNACK, m.ConfigurationError, r.lastType)}
	case *M3:
		if op == eap.OpMsg && r.state == registrarWaitM3 {
			return r.m3(m, msg)
		}
	case *M5:
		if op == eap.OpMsg && r.state == registrarWaitM5 {
			return r.m5(m, msg)
		}
	case *M7:
		if op == eap.OpMsg && r.state == registrarWaitM7 {
			return r.m7(m, msg)
		}
	case *WSCDone:
		if op == eap.OpDone && r.state == registrarWaitDone {
			return r.done(m)
		}
	}
	return r.fail(fmt.Errorf("%w: %v in %v in state %d", ErrUnexpectedMessage, t, op, r.state), ConfigErrNone, t)
}

func (r *Registrar) m1(m *M1, msg []byte) []Action {
	r.nonceE, r.pkE = m.EnrolleeNonce, m.PublicKey
	r.peer = Peer{UUID: m.UUIDE, MACAddress: m.MACAddress, DeviceName: m.DeviceName, DevicePasswordID: m.DevicePasswordID}
	r.authFlags, r.encrFlags = m.AuthenticationTypeFlags, m.EncryptionTypeFlags
	r.last, r.lastType = msg, MessageTypeM1
	if err := CheckPublicKey(m.PublicKey); err != nil {
		return r.abort(err, MessageTypeM1)
	}
	if _, err := io.ReadFull(r.cfg.Rand, r.nonceR[:]); err != nil {
		return r.abort(fmt.Errorf("wsc: Registrar Nonce: %w", err), MessageTypeM1)
	}
	id := m.DevicePasswordID
	switch {
	case id == PasswordPushButton && r.cfg.DevicePasswordID == PasswordPushButton:
		if p := r.cfg.PBCSessions; p != nil {
			p.Seen(m.UUIDE, m.MACAddress)
			if p.Overlap(m.UUIDE) {
				return r.m2d(ErrPBCOverlap, ConfigErrMultiplePBCDetected)
			}
		}
	case isPINPasswordID(id) && isPINPasswordID(r.cfg.DevicePasswordID) && r.cfg.PIN != nil:
		if l := r.cfg.Lockout; l != nil && l.Locked() {
			return r.m2d(ErrLocked, ConfigErrSetupLocked)
		}
		r.pin = true
	default:
		return r.m2d(fmt.Errorf("%w: Device Password ID %d", ErrNoPassword, id), ConfigErrNone)
	}

	dh, err := GenerateDHPrivateKey(r.cfg.Rand)
	if err != nil {
		return r.abort(err, MessageTypeM1)
	}
	r.dh, r.pkR = dh, dh.PublicKey()
	dhKey, err := dh.DHKey(r.pkE)
	if err != nil {
		return r.abort(err, MessageTypeM1)
	}
	r.keys = DeriveSessionKeys(KDK(dhKey, r.nonceE, m.MACAddress, r.nonceR))
	d := r.cfg.Device
	m2 := &M2{
		EnrolleeNonce:           r.nonceE,
		RegistrarNonce:          r.nonceR,
		UUIDR:                   r.cfg.UUIDR,
		PublicKey:               r.pkR,
		AuthenticationTypeFlags: r.cfg.AuthenticationTypeFlags,
		EncryptionTypeFlags:     r.cfg.EncryptionTypeFlags,
		ConnectionTypeFlags:     ConnESS,
		ConfigMethods:           d.ConfigMethods,
		Manufacturer:            d.Manufacturer,
		ModelName:               d.ModelName,
		ModelNumber:             d.ModelNumber,
		SerialNumber:            d.SerialNumber,
		PrimaryDeviceType:       d.PrimaryDeviceType,
		DeviceName:              d.DeviceName,
		RFBands:                 d.RFBands,
		AssociationState:        AssocNotAssociated,
		ConfigurationError:      ConfigErrNone,
		DevicePasswordID:        id,
		OSVersion:               d.OSVersion,
		VendorExtensions:        wfaVendorExtension(false),
	}
	b, err := seal(m2, r.keys.AuthKey, r.last)
	if err != nil {
		return r.abort(err, MessageTypeM1)
	}
	r.state = registrarWaitM3
	return r.send(eap.OpMsg, MessageTypeM2, b)
}

// m2d answers M1 with M2D and reports Failed.
func (r *Registrar) m2d(reason error, ce ConfigError) []Action {
	d := r.cfg.Device
	m := &M2D{
		EnrolleeNonce:           r.nonceE,
		RegistrarNonce:          r.nonceR,
		UUIDR:                   r.cfg.UUIDR,
		AuthenticationTypeFlags: r.cfg.AuthenticationTypeFlags,
		EncryptionTypeFlags:     r.cfg.EncryptionTypeFlags,
		ConnectionTypeFlags:     ConnESS,
		ConfigMethods:           d.ConfigMethods,
		Manufacturer:            d.Manufacturer,
		ModelName:               d.ModelName,
		ModelNumber:             d.ModelNumber,
		SerialNumber:            d.SerialNumber,
		PrimaryDeviceType:       d.PrimaryDeviceType,
		DeviceName:              d.DeviceName,
		RFBands:                 d.RFBands,
		AssociationState:        AssocNotAssociated,
		ConfigurationError:      ce,
		OSVersion:               d.OSVersion,
		VendorExtensions:        wfaVendorExtension(false),
	}
	b, err := Encode(m)
	if err != nil {
		return r.abort(err, MessageTypeM1)
	}
	r.state = registrarWaitAck
	return append(r.send(eap.OpMsg, MessageTypeM2D, b), failedWith(reason, ce, MessageTypeM1))
}

// checkAuthenticated checks the Registrar Nonce and the Authenticator of
// M3, M5 or M7.
func (r *Registrar) checkAuthenticated(nonce Nonce, msg []byte) error {
	if nonce != r.nonceR {
		return fmt.Errorf("%w: another Registrar Nonce", ErrUnexpectedMessage)
	}
	return VerifyAuthenticator(r.keys.AuthKey, r.last, msg)
}

func (r *Registrar) m3(m *M3, msg []byte) []Action {
	if err := r.checkAuthenticated(m.RegistrarNonce, msg); err != nil {
		return r.fail(err, ConfigErrNone, MessageTypeM3)
	}
	r.eHash1, r.eHash2 = m.EHash1, m.EHash2
	r.last = msg
	var s [2 * len(Nonce{})]byte
	if _, err := io.ReadFull(r.cfg.Rand, s[:]); err != nil {
		return r.abort(fmt.Errorf("wsc: R-S1, R-S2: %w", err), MessageTypeM3)
	}
	r.rs1, r.rs2 = Nonce(s[:16]), Nonce(s[16:])
	r.psk1, r.psk2 = DevicePasswordPSKs(r.keys.AuthKey, password(r.peer.DevicePasswordID, r.cfg.PIN))
	es, err := encryptContainer(&M4Settings{RSNonce1: r.rs1}, r.keys, r.cfg.Rand)
	if err != nil {
		return r.abort(err, MessageTypeM3)
	}
	m4 := &M4{
		EnrolleeNonce:     r.nonceE,
		RHash1:            SecretHash(r.keys.AuthKey, r.rs1, r.psk1, r.pkE, r.pkR),
		RHash2:            SecretHash(r.keys.AuthKey, r.rs2, r.psk2, r.pkE, r.pkR),
		EncryptedSettings: es,
		VendorExtensions:  wfaVendorExtension(false),
	}
	b, err := seal(m4, r.keys.AuthKey, r.last)
	if err != nil {
		return r.abort(err, MessageTypeM3)
	}
	r.revealed = true
	r.state = registrarWaitM5
	return r.send(eap.OpMsg, MessageTypeM4, b)
}

func (r *Registrar) m5(m *M5, msg []byte) []Action {
	if err := r.checkAuthenticated(m.RegistrarNonce, msg); err != nil {
		return r.fail(err, ConfigErrNone, MessageTypeM5)
	}
	s, err := openSettings[M5Settings](r.keys, m.EncryptedSettings)
	if err != nil {
		return r.fail(err, ConfigErrNone, MessageTypeM5)
	}
	h := SecretHash(r.keys.AuthKey, s.ESNonce1, r.psk1, r.pkE, r.pkR)
	if !hmac.Equal(h[:], r.eHash1[:]) {
		return r.fail(fmt.Errorf("%w: E-Hash1", ErrDevicePasswordAuthFailure), ConfigErrDevicePasswordAuthFailure, MessageTypeM5)
	}
	r.last = msg
	es, err := encryptContainer(&M6Settings{RSNonce2: r.rs2}, r.keys, r.cfg.Rand)
	if err != nil {
		return r.abort(err, MessageTypeM5)
	}
	b, err := seal(&M6{EnrolleeNonce: r.nonceE, EncryptedSettings: es, VendorExtensions: wfaVendorExtension(false)}, r.keys.AuthKey, r.last)
	if err != nil {
		return r.abort(err, MessageTypeM5)
	}
	r.state = registrarWaitM7
	return r.send(eap.OpMsg, MessageTypeM6, b)
}

func (r *Registrar) m7(m *M7, msg []byte) []Action {
	if err := r.checkAuthenticated(m.RegistrarNonce, msg); err != nil {
		return r.fail(err, ConfigErrNone, MessageTypeM7)
	}
	s, err := openSettings[M7Settings](r.keys, m.EncryptedSettings)
	if err != nil {
		return r.fail(err, ConfigErrNone, MessageTypeM7)
	}
	h := SecretHash(r.keys.AuthKey, s.ESNonce2, r.psk2, r.pkE, r.pkR)
	if !hmac.Equal(h[:], r.eHash2[:]) {
		return r.fail(fmt.Errorf("%w: E-Hash2", ErrDevicePasswordAuthFailure), ConfigErrDevicePasswordAuthFailure, MessageTypeM7)
	}
	// The Enrollee has proved both halves of the device password.
	if r.cfg.Lockout != nil && r.pin && !r.counted {
		r.counted = true
		r.cfg.Lockout.Success()
	}
	r.last = msg
	r.credential = Credential{
		NetworkIndex:       1,
		SSID:               r.cfg.SSID,
		AuthenticationType: bestAuthType(r.cfg.AuthenticationTypeFlags, r.authFlags),
		EncryptionType:     bestEncrType(r.cfg.EncryptionTypeFlags, r.encrFlags),
		NetworkKey:         r.cfg.NetworkKey,
		MACAddress:         r.peer.MACAddress,
	}
	es, err := encryptContainer(&M8Settings{Credentials: []Credential{r.credential}}, r.keys, r.cfg.Rand)
	if err != nil {
		return r.abort(err, MessageTypeM7)
	}
	b, err := seal(&M8{EnrolleeNonce: r.nonceE, EncryptedSettings: es, VendorExtensions: wfaVendorExtension(false)}, r.keys.AuthKey, r.last)
	if err != nil {
		return r.abort(err, MessageTypeM7)
	}
	r.state = registrarWaitDone
	return r.send(eap.OpMsg, MessageTypeM8, b)
}

func (r *Registrar) done(m *WSCDone) []Action {
	if m.EnrolleeNonce != r.nonceE || m.RegistrarNonce != r.nonceR {
		return r.fail(fmt.Errorf("%w: WSC_Done with other nonces", ErrUnexpectedMessage), ConfigErrNone, MessageTypeWSCDone)
	}
	r.state = registrarDone
	if p := r.cfg.PBCSessions; p != nil && !r.pin {
		p.Remove(r.peer.UUID)
	}
	return []Action{Succeeded{Credentials: []Credential{r.credential}, Peer: r.peer}}
}

// bestAuthType picks the Credential's Authentication Type: the strongest
// PSK type both sides announced, or the Registrar's own when they share
// none (hostap's workaround for Enrollees that announce wrong flags).
func bestAuthType(own, enrollee AuthType) AuthType {
	for _, set := range []AuthType{own & enrollee, own} {
		for _, t := range []AuthType{AuthWPA2PSK, AuthWPAPSK, AuthOpen} {
			if set&t != 0 {
				return t
			}
		}
	}
	return AuthWPA2PSK
}

// bestEncrType picks the Credential's Encryption Type likewise.
func bestEncrType(own, enrollee EncrType) EncrType {
	for _, set := range []EncrType{own & enrollee, own} {
		for _, t := range []EncrType{EncrAES, EncrTKIP, EncrNone} {
			if set&t != 0 {
				return t
			}
		}
	}
	return EncrAES
}
