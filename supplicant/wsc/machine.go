package wsc

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// The registration protocol state machines (WSC 2.0.x, 7 "Registration
// Protocol Definition" and 8 "Message encoding"): Enrollee (the P2P Client) and
// Registrar (the GO's internal Registrar, one per Enrollee), and around
// them the EAP-WSC transport, EAPPeer and EAPServer (eapwsc.go). All four
// are pure: Handle takes an Event and returns the Actions the caller
// carries out, in order. They do no I/O, read no clock (PINLockout and
// PBCSessions read the clock function they are given) and keep no
// goroutines; every random value (nonces, Diffie-Hellman private keys,
// secret nonces, IVs, the first EAP Identifier) is read from the io.Reader
// of their configuration (docs/bad-input.md 4b #25, Pixie Dust).

// Event is an input to a machine: Start, MessageReceived (Enrollee and
// Registrar), FrameReceived or Timeout (EAPPeer and EAPServer).
type Event interface{ isEvent() }

// Start starts a machine: an Enrollee builds M1; a Registrar does nothing
// (it waits for M1); an EAPServer sends EAP-Request/Identity; an EAPPeer
// arms its timer (it answers requests even before Start).
type Start struct{}

// MessageReceived is a whole WSC message (reassembled if it came in
// fragments) with the EAP-WSC Op-Code it came with.
type MessageReceived struct {
	Op      eap.OpCode
	Message []byte
}

// FrameReceived is an EAPOL PDU from the peer (IEEE Std 802.1X-2020, 11.3:
// the 802.1X header on, as vectors.EAPOL and the radio's control port
// give it). Octets after the packet body are ignored.
type FrameReceived struct{ Frame []byte }

// Timeout reports that the timer a SetTimer action armed has fired. A
// Timeout for a timer that was stopped or replaced is ignored.
type Timeout struct{ Timer uint64 }

func (Start) isEvent()           {}
func (MessageReceived) isEvent() {}
func (FrameReceived) isEvent()   {}
func (Timeout) isEvent()         {}

// Action is an output of a machine: SendMessage (Enrollee, Registrar),
// SendFrame, SetTimer, StopTimer, Finished (EAPPeer, EAPServer), Succeeded
// or Failed (all).
type Action interface{ isAction() }

// SendMessage asks the transport to send a WSC message with an EAP-WSC
// Op-Code.
type SendMessage struct {
	Op      eap.OpCode
	Type    MessageType
	Message []byte
}

// SendFrame asks the caller to send an EAPOL PDU (EAPOL-EAP, or an
// EAPOL-Start) to the peer over the control port, unencrypted.
type SendFrame struct{ Frame []byte }

// SetTimer asks the caller to arm a one-shot timer and deliver
// Timeout{Timer} when it fires; it replaces any timer armed before.
type SetTimer struct {
	Timer uint64
	After time.Duration
}

// StopTimer asks the caller to cancel the timer with this number.
type StopTimer struct{ Timer uint64 }

// Peer describes the other side of a registration.
type Peer struct {
	// UUID is the UUID-E of an Enrollee or the UUID-R of a Registrar.
	UUID UUID
	// MACAddress is the Enrollee's MAC Address (M1); zero for a Registrar.
	MACAddress ieee80211.MAC
	// DeviceName is the Device Name of M1 or M2 (as received: check UTF-8
	// and strip control characters before showing it).
	DeviceName string
	// DevicePasswordID is the Device Password ID of the run.
	DevicePasswordID DevicePasswordID
}

// Succeeded reports a successful registration: an Enrollee has processed
// M8 and sent WSC_Done, with the Credentials it received; a Registrar has
// received WSC_Done, with the Credential it delivered in M8. Each Network
// Key has passed ValidateNetworkKey. A machine reports Succeeded at most
// once, never after Failed.
type Succeeded struct {
	Credentials []Credential
	Peer        Peer
}

// Failed reports that the registration failed; the machine handles no
// more messages (an EAPPeer or EAPServer still ends the EAP conversation
// and then reports Finished). Err wraps one of the Err* errors of this
// package; ConfigError is the Configuration Error sent or received in a
// WSC_NACK or M2D (ConfigErrDevicePasswordAuthFailure for a wrong PIN);
// Message is the message being processed when it failed, as
// wpa_supplicant's WPS-FAIL msg= (0 when none).
type Failed struct {
	Err         error
	ConfigError ConfigError
	Message     MessageType
}

// Finished reports that the EAP conversation is over (EAP-Failure sent or
// received, or given up): the machine handles no more events and the
// caller may disconnect the station (WSC always ends with EAP-Failure; the
// Enrollee then connects with the Credential).
type Finished struct{}

func (SendMessage) isAction() {}
func (SendFrame) isAction()   {}
func (SetTimer) isAction()    {}
func (StopTimer) isAction()   {}
func (Succeeded) isAction()   {}
func (Failed) isAction()      {}
func (Finished) isAction()    {}

// Reasons a registration fails (Failed.Err wraps one).
var (
	// ErrDevicePasswordAuthFailure: a secret nonce did not match its
	// E-Hash or R-Hash: the two sides hold different device passwords
	// (a wrong PIN). Configuration Error 18.
	ErrDevicePasswordAuthFailure = errors.New("wsc: device password authentication failure")
	// ErrNACK: the peer sent WSC_NACK; Failed.ConfigError is its
	// Configuration Error.
	ErrNACK = errors.New("wsc: peer sent WSC_NACK")
	// ErrM2D: the Registrar answered M1 with M2D: it is not ready for this
	// Enrollee (no device password, PBC session overlap, setup locked).
	ErrM2D = errors.New("wsc: Registrar answered M2D")
	// ErrNoPassword: the Registrar has no device password for the
	// Enrollee's Device Password ID; it sent M2D.
	ErrNoPassword = errors.New("wsc: no device password for this Enrollee")
	// ErrPBCOverlap: more than one Enrollee pushed the button within the
	// walk time (docs/bad-input.md 4b #23); the Registrar sent M2D with
	// Configuration Error 12.
	ErrPBCOverlap = errors.New("wsc: PBC session overlap")
	// ErrLocked: the static PIN is locked after repeated failures
	// (docs/bad-input.md 4b #24); the Registrar sent M2D with
	// Configuration Error 15.
	ErrLocked = errors.New("wsc: PIN locked after repeated failures")
	// ErrUnexpectedMessage: a message that is malformed, of the wrong
	// type for the state, or whose nonces, Device Password ID or
	// Credentials are not acceptable.
	ErrUnexpectedMessage = errors.New("wsc: unexpected message")
	// ErrTimeout: the peer stopped answering (EAP transport).
	ErrTimeout = errors.New("wsc: timed out")
	// ErrEAP: the EAP conversation went wrong: an unexpected identity,
	// method or EAP-Failure before the end of the registration.
	ErrEAP = errors.New("wsc: EAP conversation failed")
)

// Device holds the device attributes a machine sends in M1 or M2 (WSC
// 2.0.x, 12). Empty strings are sent as one space, as hostap does, since
// deployed parsers fail on empty attributes.
type Device struct {
	Manufacturer      string
	ModelName         string
	ModelNumber       string
	SerialNumber      string
	DeviceName        string
	PrimaryDeviceType DeviceType
	// ConfigMethods are the methods the device supports; zero means
	// virtual push button, virtual display and keypad.
	ConfigMethods ConfigMethods
	// RFBands is the band of the connection; zero means 2.4 GHz.
	RFBands RFBands
	// OSVersion is sent with its most significant bit set, as the
	// specification requires.
	OSVersion uint32
}

func (d Device) withDefaults() Device {
	for _, s := range []*string{&d.Manufacturer, &d.ModelName, &d.ModelNumber, &d.SerialNumber, &d.DeviceName} {
		if *s == "" {
			*s = " "
		}
	}
	if d.ConfigMethods == 0 {
		d.ConfigMethods = ConfigVirtualPushButton | ConfigVirtualDisplay | ConfigKeypad
	}
	if d.RFBands == 0 {
		d.RFBands = RFBand24GHz
	}
	d.OSVersion |= 0x80000000
	return d
}

func (d Device) validate() error {
	switch {
	case len(d.Manufacturer) > MaxManufacturerLen, len(d.ModelName) > MaxModelNameLen,
		len(d.ModelNumber) > MaxModelNumberLen, len(d.SerialNumber) > MaxSerialNumberLen,
		len(d.DeviceName) > MaxDeviceNameLen:
		return fmt.Errorf("%w: device attribute too long", ErrInvalid)
	}
	return nil
}

// wfaVendorExtension is the WFA Vendor Extension every message carries
// (Version2 2.0, and Request to Enroll in M1 when asked).
func wfaVendorExtension(requestToEnroll bool) []VendorExtension {
	w := WFAExtension{Version2: Version2}
	if requestToEnroll {
		t := true
		w.RequestToEnroll = &t
	}
	v, _ := w.VendorExtension() // cannot fail: two subelements
	return []VendorExtension{v}
}

// isPINPasswordID reports whether id names a PIN: Default, User-specified
// or Registrar-specified (P2P uses Default and Registrar-specified
// interchangeably for the same PIN, as hostap accepts).
func isPINPasswordID(id DevicePasswordID) bool {
	return id == PasswordDefault || id == PasswordUserSpecified || id == PasswordRegistrarSpecified
}

// checkPassword validates a device password: push button needs none (it
// uses PushButtonPassword); a PIN must pass ValidatePIN, or be nil (not
// known yet) for a Registrar.
func checkPassword(id DevicePasswordID, pin []byte, allowNil bool) error {
	switch {
	case id == PasswordPushButton:
		return nil
	case !isPINPasswordID(id):
		return fmt.Errorf("%w: Device Password ID %d not supported", ErrInvalid, id)
	case pin == nil && allowNil:
		return nil
	}
	return ValidatePIN(string(pin))
}

// password returns the octets PSK1 and PSK2 are computed from.
func password(id DevicePasswordID, pin []byte) []byte {
	if id == PasswordPushButton {
		return []byte(PushButtonPassword)
	}
	return pin
}

// seal encodes a message whose last attribute is a placeholder
// Authenticator and writes the Authenticator over prev || message.
func seal(m Message, authKey [AuthKeyLen]byte, prev []byte) ([]byte, error) {
	b, err := Encode(m)
	if err != nil {
		return nil, err
	}
	if err := sealAuthenticator(authKey, prev, b); err != nil {
		return nil, err
	}
	return b, nil
}

// encryptContainer encodes Encrypted Settings content (ending with a
// placeholder Key Wrap Authenticator) and encrypts it.
func encryptContainer(c Container, keys SessionKeys, rand io.Reader) (EncryptedSettings, error) {
	plain, err := Encode(c)
	if err != nil {
		return EncryptedSettings{}, err
	}
	es, err := EncryptSettings(keys, plain, rand)
	clear(plain)
	return es, err
}

// openSettings decrypts Encrypted Settings, checks their Key Wrap
// Authenticator and decodes the plaintext as T.
func openSettings[T any, PT interface {
	*T
	Container
}](keys SessionKeys, es EncryptedSettings) (*T, error) {
	plain, err := DecryptSettings(keys, es)
	if err != nil {
		return nil, err
	}
	return Decode[T, PT](plain)
}

// failedWith builds a Failed action.
func failedWith(err error, ce ConfigError, m MessageType) Failed {
	return Failed{Err: err, ConfigError: ce, Message: m}
}
