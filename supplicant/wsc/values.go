package wsc

import (
	"encoding/binary"
	"fmt"
)

// Version is the only value of the Version attribute (0x104A): it is fixed
// at 0x10 for backwards compatibility and the real version travels in the
// WFA Vendor Extension's Version2 subelement (WSC 2.0.x, 12).
const Version uint8 = 0x10

// Version2 is the WSC version this package speaks, for WFAExtension.Version2.
const Version2 uint8 = 0x20

// MessageType is the value of the Message Type attribute (WSC 2.0.x, 12).
type MessageType uint8

// Message types (WSC 2.0.x, 12, "Message Type").
const (
	MessageTypeBeacon        MessageType = 0x01
	MessageTypeProbeRequest  MessageType = 0x02
	MessageTypeProbeResponse MessageType = 0x03
	MessageTypeM1            MessageType = 0x04
	MessageTypeM2            MessageType = 0x05
	MessageTypeM2D           MessageType = 0x06
	MessageTypeM3            MessageType = 0x07
	MessageTypeM4            MessageType = 0x08
	MessageTypeM5            MessageType = 0x09
	MessageTypeM6            MessageType = 0x0a
	MessageTypeM7            MessageType = 0x0b
	MessageTypeM8            MessageType = 0x0c
	MessageTypeWSCACK        MessageType = 0x0d
	MessageTypeWSCNACK       MessageType = 0x0e
	MessageTypeWSCDone       MessageType = 0x0f
)

var messageTypeNames = [...]string{
	MessageTypeBeacon:        "Beacon",
	MessageTypeProbeRequest:  "Probe Request",
	MessageTypeProbeResponse: "Probe Response",
	MessageTypeM1:            "M1",
	MessageTypeM2:            "M2",
	MessageTypeM2D:           "M2D",
	MessageTypeM3:            "M3",
	MessageTypeM4:            "M4",
	MessageTypeM5:            "M5",
	MessageTypeM6:            "M6",
	MessageTypeM7:            "M7",
	MessageTypeM8:            "M8",
	MessageTypeWSCACK:        "WSC_ACK",
	MessageTypeWSCNACK:       "WSC_NACK",
	MessageTypeWSCDone:       "WSC_Done",
}

// String returns the specification's name of the message type.
func (t MessageType) String() string {
	if int(t) < len(messageTypeNames) && messageTypeNames[t] != "" {
		return messageTypeNames[t]
	}
	return fmt.Sprintf("message type 0x%02x", uint8(t))
}

// UUID is a UUID-E or UUID-R value (16 octets).
type UUID [16]byte

// Nonce is an Enrollee Nonce, Registrar Nonce or secret nonce
// (E-SNonce1/2, R-SNonce1/2): 16 octets.
type Nonce [16]byte

// Hash is an E-Hash1/2 or R-Hash1/2 value: 32 octets (HMAC-SHA-256).
type Hash [32]byte

// Authenticator is the Authenticator attribute value: the first 8 octets of
// an HMAC-SHA-256 over the previous and the current message.
type Authenticator [8]byte

// KeyWrapAuthenticator is the Key Wrap Authenticator attribute value: the
// first 8 octets of an HMAC-SHA-256 over the Encrypted Settings plaintext.
type KeyWrapAuthenticator [8]byte

// PublicKey is the Diffie-Hellman group 5 public value, left-padded with
// zeros to exactly 192 octets (WSC 2.0.x, 12, "Public Key"). Decoders
// reject any other length; hostap's tolerance of 190 or 191 octets from
// peers that omit the zero padding is not copied (docs/bad-input.md 4b #19).
type PublicKey [PublicKeyLen]byte

// AuthType is an Authentication Type value or a set of Authentication Type
// Flags (WSC 2.0.x, 12).
type AuthType uint16

// Authentication types.
const (
	AuthOpen    AuthType = 0x0001
	AuthWPAPSK  AuthType = 0x0002
	AuthShared  AuthType = 0x0004 // deprecated in WSC 2.0
	AuthWPA     AuthType = 0x0008
	AuthWPA2    AuthType = 0x0010
	AuthWPA2PSK AuthType = 0x0020
)

// EncrType is an Encryption Type value or a set of Encryption Type Flags
// (WSC 2.0.x, 12).
type EncrType uint16

// Encryption types.
const (
	EncrNone EncrType = 0x0001
	EncrWEP  EncrType = 0x0002 // deprecated in WSC 2.0
	EncrTKIP EncrType = 0x0004
	EncrAES  EncrType = 0x0008
)

// ConnTypeFlags is the Connection Type Flags value (WSC 2.0.x, 12).
type ConnTypeFlags uint8

// Connection types.
const (
	ConnESS  ConnTypeFlags = 0x01
	ConnIBSS ConnTypeFlags = 0x02
)

// ConfigMethods is a Config Methods or Selected Registrar Config Methods
// value (WSC 2.0.x, 12, "Configuration Methods"). The virtual and physical
// variants of Display and PushButton include the base bit.
type ConfigMethods uint16

// Config Methods bits.
const (
	ConfigUSBA               ConfigMethods = 0x0001
	ConfigEthernet           ConfigMethods = 0x0002
	ConfigLabel              ConfigMethods = 0x0004
	ConfigDisplay            ConfigMethods = 0x0008
	ConfigExternalNFCToken   ConfigMethods = 0x0010
	ConfigIntegratedNFCToken ConfigMethods = 0x0020
	ConfigNFCInterface       ConfigMethods = 0x0040
	ConfigPushButton         ConfigMethods = 0x0080
	ConfigKeypad             ConfigMethods = 0x0100
	ConfigVirtualPushButton  ConfigMethods = 0x0280
	ConfigPhysicalPushButton ConfigMethods = 0x0480
	ConfigP2PS               ConfigMethods = 0x1000 // Wi-Fi P2P Services
	ConfigVirtualDisplay     ConfigMethods = 0x2008
	ConfigPhysicalDisplay    ConfigMethods = 0x4008
)

// Has reports whether every bit of m is set in c.
func (c ConfigMethods) Has(m ConfigMethods) bool { return c&m == m }

// WPSState is the Wi-Fi Protected Setup State value (WSC 2.0.x, 12).
type WPSState uint8

// Wi-Fi Protected Setup states.
const (
	WPSStateNotConfigured WPSState = 0x01
	WPSStateConfigured    WPSState = 0x02
)

// RFBands is the RF Bands value (WSC 2.0.x, 12).
type RFBands uint8

// RF bands.
const (
	RFBand24GHz RFBands = 0x01
	RFBand5GHz  RFBands = 0x02
	RFBand60GHz RFBands = 0x04
)

// AssociationState is the Association State value (WSC 2.0.x, 12).
type AssociationState uint16

// Association states.
const (
	AssocNotAssociated     AssociationState = 0
	AssocConnectionSuccess AssociationState = 1
	AssocConfigFailure     AssociationState = 2
	AssocFailure           AssociationState = 3
	AssocIPFailure         AssociationState = 4
)

// DevicePasswordID is the Device Password ID value (WSC 2.0.x, 12).
type DevicePasswordID uint16

// Device Password IDs.
const (
	PasswordDefault               DevicePasswordID = 0x0000 // PIN
	PasswordUserSpecified         DevicePasswordID = 0x0001
	PasswordMachineSpecified      DevicePasswordID = 0x0002
	PasswordRekey                 DevicePasswordID = 0x0003
	PasswordPushButton            DevicePasswordID = 0x0004
	PasswordRegistrarSpecified    DevicePasswordID = 0x0005
	PasswordNFCConnectionHandover DevicePasswordID = 0x0007
	PasswordP2PSDefault           DevicePasswordID = 0x0008 // Wi-Fi P2P Services
)

// ConfigError is the Configuration Error value (WSC 2.0.x, 12).
type ConfigError uint16

// Configuration errors.
const (
	ConfigErrNone                      ConfigError = 0
	ConfigErrOOBInterfaceReadError     ConfigError = 1
	ConfigErrDecryptionCRCFailure      ConfigError = 2
	ConfigErr24ChannelNotSupported     ConfigError = 3
	ConfigErr50ChannelNotSupported     ConfigError = 4
	ConfigErrSignalTooWeak             ConfigError = 5
	ConfigErrNetworkAuthFailure        ConfigError = 6
	ConfigErrNetworkAssocFailure       ConfigError = 7
	ConfigErrNoDHCPResponse            ConfigError = 8
	ConfigErrFailedDHCPConfig          ConfigError = 9
	ConfigErrIPAddressConflict         ConfigError = 10
	ConfigErrNoConnToRegistrar         ConfigError = 11
	ConfigErrMultiplePBCDetected       ConfigError = 12
	ConfigErrRogueSuspected            ConfigError = 13
	ConfigErrDeviceBusy                ConfigError = 14
	ConfigErrSetupLocked               ConfigError = 15
	ConfigErrMessageTimeout            ConfigError = 16
	ConfigErrRegistrationTimeout       ConfigError = 17
	ConfigErrDevicePasswordAuthFailure ConfigError = 18
	ConfigErr60ChannelNotSupported     ConfigError = 19
	ConfigErrPublicKeyHashMismatch     ConfigError = 20
)

// RequestType is the Request Type value of a Probe Request (WSC 2.0.x, 12).
type RequestType uint8

// Request types.
const (
	RequestEnrolleeInfo         RequestType = 0
	RequestEnrollee             RequestType = 1
	RequestRegistrar            RequestType = 2
	RequestWLANManagerRegistrar RequestType = 3
)

// ResponseType is the Response Type value of a Probe Response (WSC 2.0.x, 12).
type ResponseType uint8

// Response types.
const (
	ResponseEnrolleeInfo ResponseType = 0
	ResponseEnrollee     ResponseType = 1
	ResponseRegistrar    ResponseType = 2
	ResponseAP           ResponseType = 3
)

// deviceTypeLen is the size of a Primary/Secondary/Requested Device Type.
const deviceTypeLen = 8

// OUIWFADeviceType is the OUI and OUI type (00:50:F2:04) of the device
// categories the specification defines.
var OUIWFADeviceType = [4]byte{0x00, 0x50, 0xf2, 0x04}

// DeviceType is a Primary Device Type, one entry of a Secondary Device Type
// List or a Requested Device Type (WSC 2.0.x, 12, "Primary Device Type"):
// Category ID, OUI (with its 1-octet type), Sub Category ID.
type DeviceType struct {
	Category    uint16
	OUI         [4]byte
	SubCategory uint16
}

func decodeDeviceType(v []byte) (DeviceType, error) {
	if len(v) != deviceTypeLen {
		return DeviceType{}, fmt.Errorf("%w: device type of %d octets, want %d", ErrInvalid, len(v), deviceTypeLen)
	}
	return DeviceType{
		Category:    binary.BigEndian.Uint16(v),
		OUI:         [4]byte(v[2:6]),
		SubCategory: binary.BigEndian.Uint16(v[6:]),
	}, nil
}

func appendDeviceType(b []byte, d DeviceType) []byte {
	b = binary.BigEndian.AppendUint16(b, d.Category)
	b = append(b, d.OUI[:]...)
	return binary.BigEndian.AppendUint16(b, d.SubCategory)
}

// aesBlockLen is the AES block size, also the IV size of Encrypted Settings.
const aesBlockLen = 16

// EncryptedSettings is the Encrypted Settings attribute value (WSC 2.0.x,
// 12): a 16-octet IV followed by AES-128-CBC ciphertext, at least one
// block and a whole number of blocks long.
type EncryptedSettings struct {
	IV         [aesBlockLen]byte
	Ciphertext []byte
}

func decodeEncryptedSettings(v []byte) (EncryptedSettings, error) {
	if err := checkLength(Attribute{Type: AttrEncryptedSettings, Value: v}); err != nil {
		return EncryptedSettings{}, err
	}
	return EncryptedSettings{IV: [aesBlockLen]byte(v), Ciphertext: v[aesBlockLen:]}, nil
}

func appendEncryptedSettings(b []byte, e EncryptedSettings) ([]byte, error) {
	if len(e.Ciphertext) == 0 || len(e.Ciphertext)%aesBlockLen != 0 {
		return b, fmt.Errorf("%w: Encrypted Settings ciphertext of %d octets is not a whole number of AES blocks", ErrInvalid, len(e.Ciphertext))
	}
	b = append(b, e.IV[:]...)
	return append(b, e.Ciphertext...), nil
}
