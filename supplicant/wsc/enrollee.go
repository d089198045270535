package wsc

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// EnrolleeConfig configures an Enrollee (a P2P Client being provisioned by
// the GO's Registrar).
type EnrolleeConfig struct {
	// UUIDE is the Enrollee's UUID-E.
	UUIDE UUID
	// MACAddress is the address of the interface that runs WSC (the P2P
	// Interface Address); it enters the KDK.
	MACAddress ieee80211.MAC
	// Device holds the device attributes of M1.
	Device Device
	// DevicePasswordID is PasswordPushButton for push button,
	// PasswordDefault when this device displays its own PIN (the
	// Registrar was given it), PasswordRegistrarSpecified when the user
	// typed the PIN the GO displays.
	DevicePasswordID DevicePasswordID
	// PIN is the device password for the PIN methods: 8 digits with a
	// valid checksum, or 4 digits. Ignored for push button.
	PIN []byte
	// AuthenticationTypeFlags and EncryptionTypeFlags are announced in
	// M1; zero means WPA2-PSK and AES (CCMP), all that P2P uses.
	AuthenticationTypeFlags AuthType
	EncryptionTypeFlags     EncrType
	// RequestToEnroll adds the Request to Enroll subelement to M1's WFA
	// Vendor Extension.
	RequestToEnroll bool
	// Rand is the source of every random value; nil means crypto/rand.
	Rand io.Reader
}

func (c EnrolleeConfig) withDefaults() (EnrolleeConfig, error) {
	if err := checkPassword(c.DevicePasswordID, c.PIN, false); err != nil {
		return c, fmt.Errorf("wsc: Enrollee: %w", err)
	}
	if err := c.Device.validate(); err != nil {
		return c, fmt.Errorf("wsc: Enrollee: %w", err)
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
	c.PIN = bytes.Clone(c.PIN)
	return c, nil
}

type enrolleeState uint8

const (
	enrolleeIdle enrolleeState = iota
	enrolleeWaitM2
	enrolleeWaitM4
	enrolleeWaitM6
	enrolleeWaitM8
	enrolleeDone
	enrolleeFailed
)

// Enrollee is the Enrollee side of the registration protocol (WSC 2.0.x,
// 7 and 8): Start sends M1; M2 (Authenticator checked, keys derived)
// gets M3 (E-Hash1, E-Hash2); M4 (R-Hash1 checked against the decrypted
// R-SNonce1) gets M5 (E-SNonce1); M6 (R-Hash2) gets M7 (E-SNonce2); M8
// (its Credentials decrypted and checked) gets WSC_Done and Succeeded.
// M2D gets WSC_ACK and Failed (no Registrar ready, ErrM2D); WSC_NACK gets
// WSC_NACK and Failed (ErrNACK, with the peer's Configuration Error); a
// wrong PIN shows as an R-Hash mismatch and gets WSC_NACK with
// Configuration Error 18 (ErrDevicePasswordAuthFailure); any other bad
// message gets WSC_NACK and Failed (ErrAuthenticator,
// ErrKeyWrapAuthenticator, ErrDecryption, ErrInvalidPublicKey or
// ErrUnexpectedMessage).
type Enrollee struct {
	cfg   EnrolleeConfig
	state enrolleeState

	dh             *DHPrivateKey
	nonceE, nonceR Nonce
	pkE, pkR       PublicKey
	keys           SessionKeys
	psk1, psk2     [PSKLen]byte
	es1, es2       Nonce
	rHash2         Hash
	peer           Peer
	last           []byte // the previous message, for the Authenticator
	lastType       MessageType
}

// NewEnrollee returns an Enrollee ready for Start. It fails when the
// configuration is unusable (a PIN with a bad checksum, a Device Password
// ID other than push button or a PIN, device attributes too long).
func NewEnrollee(cfg EnrolleeConfig) (*Enrollee, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Enrollee{cfg: c}, nil
}

// Ended reports whether the run has ended, with success or not: nothing
// more will be sent.
func (e *Enrollee) Ended() bool { return e.state == enrolleeDone || e.state == enrolleeFailed }

// Handle processes one event: Start or MessageReceived. Other events, and
// every event after the registration ended, are ignored.
func (e *Enrollee) Handle(ev Event) []Action {
	switch ev := ev.(type) {
	case Start:
		if e.state != enrolleeIdle {
			return nil
		}
		return e.start()
	case MessageReceived:
		if e.state == enrolleeIdle || e.Ended() {
			return nil
		}
		return e.receive(ev.Op, bytes.Clone(ev.Message))
	}
	return nil
}

func (e *Enrollee) start() []Action {
	if _, err := io.ReadFull(e.cfg.Rand, e.nonceE[:]); err != nil {
		return e.abort(fmt.Errorf("wsc: Enrollee Nonce: %w", err))
	}
	dh, err := GenerateDHPrivateKey(e.cfg.Rand)
	if err != nil {
		return e.abort(err)
	}
	e.dh, e.pkE = dh, dh.PublicKey()
	d := e.cfg.Device
	m1 := &M1{
		UUIDE:                   e.cfg.UUIDE,
		MACAddress:              e.cfg.MACAddress,
		EnrolleeNonce:           e.nonceE,
		PublicKey:               e.pkE,
		AuthenticationTypeFlags: e.cfg.AuthenticationTypeFlags,
		EncryptionTypeFlags:     e.cfg.EncryptionTypeFlags,
		ConnectionTypeFlags:     ConnESS,
		ConfigMethods:           d.ConfigMethods,
		WPSState:                WPSStateNotConfigured,
		Manufacturer:            d.Manufacturer,
		ModelName:               d.ModelName,
		ModelNumber:             d.ModelNumber,
		SerialNumber:            d.SerialNumber,
		PrimaryDeviceType:       d.PrimaryDeviceType,
		DeviceName:              d.DeviceName,
		RFBands:                 d.RFBands,
		AssociationState:        AssocNotAssociated,
		DevicePasswordID:        e.cfg.DevicePasswordID,
		ConfigurationError:      ConfigErrNone,
		OSVersion:               d.OSVersion,
		VendorExtensions:        wfaVendorExtension(e.cfg.RequestToEnroll),
	}
	b, err := Encode(m1)
	if err != nil {
		return e.abort(err)
	}
	e.state = enrolleeWaitM2
	return e.send(eap.OpMsg, MessageTypeM1, b)
}

// abort fails without a message (nothing to answer, or no way to).
func (e *Enrollee) abort(err error) []Action {
	e.state = enrolleeFailed
	return []Action{failedWith(err, ConfigErrNone, 0)}
}

func (e *Enrollee) send(op eap.OpCode, t MessageType, b []byte) []Action {
	if op == eap.OpMsg {
		e.last, e.lastType = bytes.Clone(b), t
	}
	return []Action{SendMessage{Op: op, Type: t, Message: b}}
}

// fail answers with WSC_NACK carrying ce and reports Failed.
func (e *Enrollee) fail(err error, ce ConfigError, at MessageType) []Action {
	return e.failReporting(err, ce, ce, at)
}

// failReporting answers with WSC_NACK carrying sent and reports Failed
// with reported.
func (e *Enrollee) failReporting(err error, sent, reported ConfigError, at MessageType) []Action {
	e.state = enrolleeFailed
	nack := &WSCNACK{
		EnrolleeNonce:      e.nonceE,
		RegistrarNonce:     e.nonceR,
		ConfigurationError: sent,
		VendorExtensions:   wfaVendorExtension(false),
	}
	var acts []Action
	if b, encErr := Encode(nack); encErr == nil {
		acts = append(acts, SendMessage{Op: eap.OpNACK, Type: MessageTypeWSCNACK, Message: b})
	}
	return append(acts, failedWith(err, reported, at))
}

func (e *Enrollee) receive(op eap.OpCode, msg []byte) []Action {
	m, err := DecodeMessage(msg)
	if err != nil {
		return e.fail(fmt.Errorf("%w: %w", ErrUnexpectedMessage, err), ConfigErrNone, 0)
	}
	t := m.MessageType()
	switch op {
	case eap.OpNACK:
		nack, ok := m.(*WSCNACK)
		if !ok {
			break
		}
		if nack.EnrolleeNonce != e.nonceE || (e.state != enrolleeWaitM2 && nack.RegistrarNonce != e.nonceR) {
			return e.fail(fmt.Errorf("%w: WSC_NACK with other nonces", ErrUnexpectedMessage), ConfigErrNone, t)
		}
		// hostap's Enrollee answers a WSC_NACK with its own.
		return e.failReporting(ErrNACK, ConfigErrNone, nack.ConfigurationError, e.lastType)
	case eap.OpMsg:
		switch m := m.(type) {
		case *M2:
			if e.state == enrolleeWaitM2 {
				return e.m2(m, msg)
			}
		case *M2D:
			if e.state == enrolleeWaitM2 {
				return e.m2d(m)
			}
		case *M4:
			if e.state == enrolleeWaitM4 {
				return e.m4(m, msg)
			}
		case *M6:
			if e.state == enrolleeWaitM6 {
				return e.m6(m, msg)
			}
		case *M8:
			if e.state == enrolleeWaitM8 {
				return e.m8(m, msg)
			}
		}
	}
	return e.fail(fmt.Errorf("%w: %v in %v in state %d", ErrUnexpectedMessage, t, op, e.state), ConfigErrNone, t)
}

func (e *Enrollee) m2(m *M2, msg []byte) []Action {
	if m.EnrolleeNonce != e.nonceE {
		return e.fail(fmt.Errorf("%w: M2 for another Enrollee Nonce", ErrUnexpectedMessage), ConfigErrNone, MessageTypeM2)
	}
	e.nonceR = m.RegistrarNonce
	if !passwordIDsMatch(e.cfg.DevicePasswordID, m.DevicePasswordID) {
		return e.fail(fmt.Errorf("%w: M2 Device Password ID %d, ours %d", ErrUnexpectedMessage, m.DevicePasswordID, e.cfg.DevicePasswordID), ConfigErrNone, MessageTypeM2)
	}
	dhKey, err := e.dh.DHKey(m.PublicKey)
	if err != nil {
		return e.fail(err, ConfigErrNone, MessageTypeM2)
	}
	e.keys = DeriveSessionKeys(KDK(dhKey, e.nonceE, e.cfg.MACAddress, e.nonceR))
	if err := VerifyAuthenticator(e.keys.AuthKey, e.last, msg); err != nil {
		return e.fail(err, ConfigErrNone, MessageTypeM2)
	}
	e.pkR = m.PublicKey
	e.peer = Peer{UUID: m.UUIDR, DeviceName: m.DeviceName, DevicePasswordID: e.cfg.DevicePasswordID}
	e.last = msg

	var s [2 * len(Nonce{})]byte
	if _, err := io.ReadFull(e.cfg.Rand, s[:]); err != nil {
		return e.abort(fmt.Errorf("wsc: E-S1, E-S2: %w", err))
	}
	e.es1, e.es2 = Nonce(s[:16]), Nonce(s[16:])
	e.psk1, e.psk2 = DevicePasswordPSKs(e.keys.AuthKey, password(e.cfg.DevicePasswordID, e.cfg.PIN))
	m3 := &M3{
		RegistrarNonce:   e.nonceR,
		EHash1:           SecretHash(e.keys.AuthKey, e.es1, e.psk1, e.pkE, e.pkR),
		EHash2:           SecretHash(e.keys.AuthKey, e.es2, e.psk2, e.pkE, e.pkR),
		VendorExtensions: wfaVendorExtension(false),
	}
	b, err := seal(m3, e.keys.AuthKey, e.last)
	if err != nil {
		return e.abort(err)
	}
	e.state = enrolleeWaitM4
	return e.send(eap.OpMsg, MessageTypeM3, b)
}

// passwordIDsMatch accepts the Registrar's Device Password ID in M2: ours,
// or Default and Registrar-specified for one another (P2P uses them for
// the same PIN, and hostap allows the change).
func passwordIDsMatch(ours, theirs DevicePasswordID) bool {
	if ours == theirs {
		return true
	}
	pin := func(id DevicePasswordID) bool { return id == PasswordDefault || id == PasswordRegistrarSpecified }
	return pin(ours) && pin(theirs)
}

func (e *Enrollee) m2d(m *M2D) []Action {
	if m.EnrolleeNonce != e.nonceE {
		return e.fail(fmt.Errorf("%w: M2D for another Enrollee Nonce", ErrUnexpectedMessage), ConfigErrNone, MessageTypeM2D)
	}
	e.nonceR = m.RegistrarNonce
	e.state = enrolleeFailed
	ack := &WSCACK{EnrolleeNonce: e.nonceE, RegistrarNonce: e.nonceR, VendorExtensions: wfaVendorExtension(false)}
	var acts []Action
	if b, err := Encode(ack); err == nil {
		acts = append(acts, SendMessage{Op: eap.OpACK, Type: MessageTypeWSCACK, Message: b})
	}
	return append(acts, failedWith(ErrM2D, m.ConfigurationError, MessageTypeM2D))
}

// checkAuthenticated checks the Enrollee Nonce and the Authenticator of M4,
// M6 or M8.
func (e *Enrollee) checkAuthenticated(nonce Nonce, msg []byte) error {
	if nonce != e.nonceE {
		return fmt.Errorf("%w: another Enrollee Nonce", ErrUnexpectedMessage)
	}
	return VerifyAuthenticator(e.keys.AuthKey, e.last, msg)
}

func (e *Enrollee) m4(m *M4, msg []byte) []Action {
	if err := e.checkAuthenticated(m.EnrolleeNonce, msg); err != nil {
		return e.fail(err, ConfigErrNone, MessageTypeM4)
	}
	s, err := openSettings[M4Settings](e.keys, m.EncryptedSettings)
	if err != nil {
		return e.fail(err, ConfigErrNone, MessageTypeM4)
	}
	h := SecretHash(e.keys.AuthKey, s.RSNonce1, e.psk1, e.pkE, e.pkR)
	if !hmac.Equal(h[:], m.RHash1[:]) {
		return e.fail(fmt.Errorf("%w: R-Hash1", ErrDevicePasswordAuthFailure), ConfigErrDevicePasswordAuthFailure, MessageTypeM4)
	}
	e.rHash2 = m.RHash2
	e.last = msg
	es, err := encryptContainer(&M5Settings{ESNonce1: e.es1}, e.keys, e.cfg.Rand)
	if err != nil {
		return e.abort(err)
	}
	b, err := seal(&M5{RegistrarNonce: e.nonceR, EncryptedSettings: es, VendorExtensions: wfaVendorExtension(false)}, e.keys.AuthKey, e.last)
	if err != nil {
		return e.abort(err)
	}
	e.state = enrolleeWaitM6
	return e.send(eap.OpMsg, MessageTypeM5, b)
}

func (e *Enrollee) m6(m *M6, msg []byte) []Action {
	if err := e.checkAuthenticated(m.EnrolleeNonce, msg); err != nil {
		return e.fail(err, ConfigErrNone, MessageTypeM6)
	}
	s, err := openSettings[M6Settings](e.keys, m.EncryptedSettings)
	if err != nil {
		return e.fail(err, ConfigErrNone, MessageTypeM6)
	}
	h := SecretHash(e.keys.AuthKey, s.RSNonce2, e.psk2, e.pkE, e.pkR)
	if !hmac.Equal(h[:], e.rHash2[:]) {
		return e.fail(fmt.Errorf("%w: R-Hash2", ErrDevicePasswordAuthFailure), ConfigErrDevicePasswordAuthFailure, MessageTypeM6)
	}
	e.last = msg
	es, err := encryptContainer(&M7Settings{ESNonce2: e.es2}, e.keys, e.cfg.Rand)
	if err != nil {
		return e.abort(err)
	}
	b, err := seal(&M7{RegistrarNonce: e.nonceR, EncryptedSettings: es, VendorExtensions: wfaVendorExtension(false)}, e.keys.AuthKey, e.last)
	if err != nil {
		return e.abort(err)
	}
	e.state = enrolleeWaitM8
	return e.send(eap.OpMsg, MessageTypeM7, b)
}

func (e *Enrollee) m8(m *M8, msg []byte) []Action {
	if err := e.checkAuthenticated(m.EnrolleeNonce, msg); err != nil {
		return e.fail(err, ConfigErrNone, MessageTypeM8)
	}
	s, err := openSettings[M8Settings](e.keys, m.EncryptedSettings)
	if err != nil {
		return e.fail(err, ConfigErrNone, MessageTypeM8)
	}
	// Decode has checked every Network Key (ValidateNetworkKey). As
	// hostap does, a WEP-only Credential is skipped and at least one
	// other must remain.
	var creds []Credential
	for _, c := range s.Credentials {
		if c.EncryptionType&(EncrNone|EncrTKIP|EncrAES) != 0 {
			creds = append(creds, c)
		}
	}
	if len(creds) == 0 {
		return e.fail(fmt.Errorf("%w: no usable Credential in M8", ErrUnexpectedMessage), ConfigErrNone, MessageTypeM8)
	}
	done := &WSCDone{EnrolleeNonce: e.nonceE, RegistrarNonce: e.nonceR, VendorExtensions: wfaVendorExtension(false)}
	b, err := Encode(done)
	if err != nil {
		return e.abort(err)
	}
	e.state = enrolleeDone
	return append(e.send(eap.OpDone, MessageTypeWSCDone, b), Succeeded{Credentials: creds, Peer: e.peer})
}
