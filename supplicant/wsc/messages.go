package wsc

import (
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Message is a WSC message: a registration protocol message carried in
// EAP-WSC (M1..M8, M2D, WSC_ACK, WSC_NACK, WSC_Done) or the content of a
// WSC IE (Beacon, ProbeRequest, ProbeResponse).
type Message interface {
	Container
	// MessageType returns the message's type.
	MessageType() MessageType
}

// DecodeMessage decodes a registration protocol message, choosing its type
// from the Message Type attribute (WSC 2.0.x, 8). See Decode for the
// checks made.
func DecodeMessage(b []byte) (Message, error) {
	attrs, err := ParseAttributes(b)
	if err != nil {
		return nil, err
	}
	v, ok := Find(attrs, AttrMessageType)
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrMissing, AttrMessageType)
	}
	if len(v) != 1 {
		return nil, fmt.Errorf("%w: %v of %d octets, want 1", ErrInvalid, AttrMessageType, len(v))
	}
	var m Message
	switch MessageType(v[0]) {
	case MessageTypeM1:
		m = new(M1)
	case MessageTypeM2:
		m = new(M2)
	case MessageTypeM2D:
		m = new(M2D)
	case MessageTypeM3:
		m = new(M3)
	case MessageTypeM4:
		m = new(M4)
	case MessageTypeM5:
		m = new(M5)
	case MessageTypeM6:
		m = new(M6)
	case MessageTypeM7:
		m = new(M7)
	case MessageTypeM8:
		m = new(M8)
	case MessageTypeWSCACK:
		m = new(WSCACK)
	case MessageTypeWSCNACK:
		m = new(WSCNACK)
	case MessageTypeWSCDone:
		m = new(WSCDone)
	default:
		return nil, fmt.Errorf("%w: %v is not a registration protocol message", ErrInvalid, MessageType(v[0]))
	}
	if err := decodeAttributes(m, attrs); err != nil {
		return nil, fmt.Errorf("%v: %w", m.MessageType(), err)
	}
	return m, nil
}

// Encode encodes a message or other container into a new buffer.
func Encode(c Container) ([]byte, error) { return c.Append(nil) }

// header binds the Version and Message Type attributes that open every
// registration protocol message.
func header(t MessageType, fs ...field) []field {
	return append([]field{constant(AttrVersion, Version), constant(AttrMessageType, uint8(t))}, fs...)
}

func vendorExtensions(p *[]VendorExtension) field {
	return repeated(AttrVendorExtension, p, vendorExtensionCodec(), false)
}

// M1 is the first registration protocol message, Enrollee to Registrar
// (WSC 2.0.x, 8, "Message M1"). Every attribute but the Vendor Extensions
// is mandatory. Version2 travels in the WFA Vendor Extension (see WFA); it
// is not required, so that WSC 1.0 Enrollees still decode.
type M1 struct {
	UUIDE                   UUID
	MACAddress              ieee80211.MAC
	EnrolleeNonce           Nonce
	PublicKey               PublicKey
	AuthenticationTypeFlags AuthType
	EncryptionTypeFlags     EncrType
	ConnectionTypeFlags     ConnTypeFlags
	ConfigMethods           ConfigMethods
	WPSState                WPSState
	Manufacturer            string
	ModelName               string
	ModelNumber             string
	SerialNumber            string
	PrimaryDeviceType       DeviceType
	DeviceName              string
	RFBands                 RFBands
	AssociationState        AssociationState
	DevicePasswordID        DevicePasswordID
	ConfigurationError      ConfigError
	OSVersion               uint32
	VendorExtensions        []VendorExtension
	Wire
}

// MessageType returns MessageTypeM1.
func (*M1) MessageType() MessageType { return MessageTypeM1 }

// Append appends the encoded message to b.
func (m *M1) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M1) fields() []field {
	return header(MessageTypeM1,
		required(AttrUUIDE, &m.UUIDE, octetsCodec[UUID]()),
		required(AttrMACAddress, &m.MACAddress, octetsCodec[ieee80211.MAC]()),
		required(AttrEnrolleeNonce, &m.EnrolleeNonce, octetsCodec[Nonce]()),
		required(AttrPublicKey, &m.PublicKey, octetsCodec[PublicKey]()),
		required(AttrAuthenticationTypeFlags, &m.AuthenticationTypeFlags, uint16Codec[AuthType]()),
		required(AttrEncryptionTypeFlags, &m.EncryptionTypeFlags, uint16Codec[EncrType]()),
		required(AttrConnectionTypeFlags, &m.ConnectionTypeFlags, uint8Codec[ConnTypeFlags]()),
		required(AttrConfigMethods, &m.ConfigMethods, uint16Codec[ConfigMethods]()),
		required(AttrWPSState, &m.WPSState, uint8Codec[WPSState]()),
		required(AttrManufacturer, &m.Manufacturer, textCodec(MaxManufacturerLen)),
		required(AttrModelName, &m.ModelName, textCodec(MaxModelNameLen)),
		required(AttrModelNumber, &m.ModelNumber, textCodec(MaxModelNumberLen)),
		required(AttrSerialNumber, &m.SerialNumber, textCodec(MaxSerialNumberLen)),
		required(AttrPrimaryDeviceType, &m.PrimaryDeviceType, deviceTypeCodec()),
		required(AttrDeviceName, &m.DeviceName, textCodec(MaxDeviceNameLen)),
		required(AttrRFBands, &m.RFBands, uint8Codec[RFBands]()),
		required(AttrAssociationState, &m.AssociationState, uint16Codec[AssociationState]()),
		required(AttrDevicePasswordID, &m.DevicePasswordID, uint16Codec[DevicePasswordID]()),
		required(AttrConfigurationError, &m.ConfigurationError, uint16Codec[ConfigError]()),
		required(AttrOSVersion, &m.OSVersion, uint32Codec[uint32]()),
		vendorExtensions(&m.VendorExtensions),
	)
}

// M2 is the Registrar's answer to M1 when it can go on (WSC 2.0.x, 8,
// "Message M2"). EncryptedSettings is optional (present only in the
// NFC connection handover case); Authenticator is last on the wire.
type M2 struct {
	EnrolleeNonce           Nonce
	RegistrarNonce          Nonce
	UUIDR                   UUID
	PublicKey               PublicKey
	AuthenticationTypeFlags AuthType
	EncryptionTypeFlags     EncrType
	ConnectionTypeFlags     ConnTypeFlags
	ConfigMethods           ConfigMethods
	Manufacturer            string
	ModelName               string
	ModelNumber             string
	SerialNumber            string
	PrimaryDeviceType       DeviceType
	DeviceName              string
	RFBands                 RFBands
	AssociationState        AssociationState
	ConfigurationError      ConfigError
	DevicePasswordID        DevicePasswordID
	OSVersion               uint32
	VendorExtensions        []VendorExtension
	EncryptedSettings       *EncryptedSettings
	Authenticator           Authenticator
	Wire
}

// MessageType returns MessageTypeM2.
func (*M2) MessageType() MessageType { return MessageTypeM2 }

// Append appends the encoded message to b.
func (m *M2) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M2) fields() []field {
	return header(MessageTypeM2,
		required(AttrEnrolleeNonce, &m.EnrolleeNonce, octetsCodec[Nonce]()),
		required(AttrRegistrarNonce, &m.RegistrarNonce, octetsCodec[Nonce]()),
		required(AttrUUIDR, &m.UUIDR, octetsCodec[UUID]()),
		required(AttrPublicKey, &m.PublicKey, octetsCodec[PublicKey]()),
		required(AttrAuthenticationTypeFlags, &m.AuthenticationTypeFlags, uint16Codec[AuthType]()),
		required(AttrEncryptionTypeFlags, &m.EncryptionTypeFlags, uint16Codec[EncrType]()),
		required(AttrConnectionTypeFlags, &m.ConnectionTypeFlags, uint8Codec[ConnTypeFlags]()),
		required(AttrConfigMethods, &m.ConfigMethods, uint16Codec[ConfigMethods]()),
		required(AttrManufacturer, &m.Manufacturer, textCodec(MaxManufacturerLen)),
		required(AttrModelName, &m.ModelName, textCodec(MaxModelNameLen)),
		required(AttrModelNumber, &m.ModelNumber, textCodec(MaxModelNumberLen)),
		required(AttrSerialNumber, &m.SerialNumber, textCodec(MaxSerialNumberLen)),
		required(AttrPrimaryDeviceType, &m.PrimaryDeviceType, deviceTypeCodec()),
		required(AttrDeviceName, &m.DeviceName, textCodec(MaxDeviceNameLen)),
		required(AttrRFBands, &m.RFBands, uint8Codec[RFBands]()),
		required(AttrAssociationState, &m.AssociationState, uint16Codec[AssociationState]()),
		required(AttrConfigurationError, &m.ConfigurationError, uint16Codec[ConfigError]()),
		required(AttrDevicePasswordID, &m.DevicePasswordID, uint16Codec[DevicePasswordID]()),
		required(AttrOSVersion, &m.OSVersion, uint32Codec[uint32]()),
		vendorExtensions(&m.VendorExtensions),
		optional(AttrEncryptedSettings, &m.EncryptedSettings, encryptedSettingsCodec()),
		required(AttrAuthenticator, &m.Authenticator, octetsCodec[Authenticator]()),
	)
}

// M2D is the Registrar's answer to M1 when it cannot (yet) go on: it
// describes the Registrar and carries no key material (WSC 2.0.x, 8,
// "Message M2D").
type M2D struct {
	EnrolleeNonce           Nonce
	RegistrarNonce          Nonce
	UUIDR                   UUID
	AuthenticationTypeFlags AuthType
	EncryptionTypeFlags     EncrType
	ConnectionTypeFlags     ConnTypeFlags
	ConfigMethods           ConfigMethods
	Manufacturer            string
	ModelName               string
	ModelNumber             string
	SerialNumber            string
	PrimaryDeviceType       DeviceType
	DeviceName              string
	RFBands                 RFBands
	AssociationState        AssociationState
	ConfigurationError      ConfigError
	OSVersion               uint32
	VendorExtensions        []VendorExtension
	Wire
}

// MessageType returns MessageTypeM2D.
func (*M2D) MessageType() MessageType { return MessageTypeM2D }

// Append appends the encoded message to b.
func (m *M2D) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M2D) fields() []field {
	return header(MessageTypeM2D,
		required(AttrEnrolleeNonce, &m.EnrolleeNonce, octetsCodec[Nonce]()),
		required(AttrRegistrarNonce, &m.RegistrarNonce, octetsCodec[Nonce]()),
		required(AttrUUIDR, &m.UUIDR, octetsCodec[UUID]()),
		required(AttrAuthenticationTypeFlags, &m.AuthenticationTypeFlags, uint16Codec[AuthType]()),
		required(AttrEncryptionTypeFlags, &m.EncryptionTypeFlags, uint16Codec[EncrType]()),
		required(AttrConnectionTypeFlags, &m.ConnectionTypeFlags, uint8Codec[ConnTypeFlags]()),
		required(AttrConfigMethods, &m.ConfigMethods, uint16Codec[ConfigMethods]()),
		required(AttrManufacturer, &m.Manufacturer, textCodec(MaxManufacturerLen)),
		required(AttrModelName, &m.ModelName, textCodec(MaxModelNameLen)),
		required(AttrModelNumber, &m.ModelNumber, textCodec(MaxModelNumberLen)),
		required(AttrSerialNumber, &m.SerialNumber, textCodec(MaxSerialNumberLen)),
		required(AttrPrimaryDeviceType, &m.PrimaryDeviceType, deviceTypeCodec()),
		required(AttrDeviceName, &m.DeviceName, textCodec(MaxDeviceNameLen)),
		required(AttrRFBands, &m.RFBands, uint8Codec[RFBands]()),
		required(AttrAssociationState, &m.AssociationState, uint16Codec[AssociationState]()),
		required(AttrConfigurationError, &m.ConfigurationError, uint16Codec[ConfigError]()),
		required(AttrOSVersion, &m.OSVersion, uint32Codec[uint32]()),
		vendorExtensions(&m.VendorExtensions),
	)
}

// M3 carries the Enrollee's commitments to the two halves of the device
// password (WSC 2.0.x, 8, "Message M3").
type M3 struct {
	RegistrarNonce   Nonce
	EHash1           Hash
	EHash2           Hash
	VendorExtensions []VendorExtension
	Authenticator    Authenticator
	Wire
}

// MessageType returns MessageTypeM3.
func (*M3) MessageType() MessageType { return MessageTypeM3 }

// Append appends the encoded message to b.
func (m *M3) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M3) fields() []field {
	return header(MessageTypeM3,
		required(AttrRegistrarNonce, &m.RegistrarNonce, octetsCodec[Nonce]()),
		required(AttrEHash1, &m.EHash1, octetsCodec[Hash]()),
		required(AttrEHash2, &m.EHash2, octetsCodec[Hash]()),
		vendorExtensions(&m.VendorExtensions),
		required(AttrAuthenticator, &m.Authenticator, octetsCodec[Authenticator]()),
	)
}

// M4 carries the Registrar's commitments and, encrypted, R-SNonce1
// (M4Settings) (WSC 2.0.x, 8, "Message M4").
type M4 struct {
	EnrolleeNonce     Nonce
	RHash1            Hash
	RHash2            Hash
	EncryptedSettings EncryptedSettings
	VendorExtensions  []VendorExtension
	Authenticator     Authenticator
	Wire
}

// MessageType returns MessageTypeM4.
func (*M4) MessageType() MessageType { return MessageTypeM4 }

// Append appends the encoded message to b.
func (m *M4) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M4) fields() []field {
	return header(MessageTypeM4,
		required(AttrEnrolleeNonce, &m.EnrolleeNonce, octetsCodec[Nonce]()),
		required(AttrRHash1, &m.RHash1, octetsCodec[Hash]()),
		required(AttrRHash2, &m.RHash2, octetsCodec[Hash]()),
		required(AttrEncryptedSettings, &m.EncryptedSettings, encryptedSettingsCodec()),
		vendorExtensions(&m.VendorExtensions),
		required(AttrAuthenticator, &m.Authenticator, octetsCodec[Authenticator]()),
	)
}

// M5 carries, encrypted, E-SNonce1 (M5Settings) (WSC 2.0.x, 8, "Message M5").
type M5 struct {
	RegistrarNonce    Nonce
	EncryptedSettings EncryptedSettings
	VendorExtensions  []VendorExtension
	Authenticator     Authenticator
	Wire
}

// MessageType returns MessageTypeM5.
func (*M5) MessageType() MessageType { return MessageTypeM5 }

// Append appends the encoded message to b.
func (m *M5) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M5) fields() []field {
	return header(MessageTypeM5, registrarEncrypted(&m.RegistrarNonce, &m.EncryptedSettings, &m.VendorExtensions, &m.Authenticator)...)
}

// M6 carries, encrypted, R-SNonce2 (M6Settings) (WSC 2.0.x, 8, "Message M6").
type M6 struct {
	EnrolleeNonce     Nonce
	EncryptedSettings EncryptedSettings
	VendorExtensions  []VendorExtension
	Authenticator     Authenticator
	Wire
}

// MessageType returns MessageTypeM6.
func (*M6) MessageType() MessageType { return MessageTypeM6 }

// Append appends the encoded message to b.
func (m *M6) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M6) fields() []field {
	return header(MessageTypeM6, enrolleeEncrypted(&m.EnrolleeNonce, &m.EncryptedSettings, &m.VendorExtensions, &m.Authenticator)...)
}

// M7 carries, encrypted, E-SNonce2 (and an AP Enrollee's current settings)
// (M7Settings) (WSC 2.0.x, 8, "Message M7").
type M7 struct {
	RegistrarNonce    Nonce
	EncryptedSettings EncryptedSettings
	VendorExtensions  []VendorExtension
	Authenticator     Authenticator
	Wire
}

// MessageType returns MessageTypeM7.
func (*M7) MessageType() MessageType { return MessageTypeM7 }

// Append appends the encoded message to b.
func (m *M7) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M7) fields() []field {
	return header(MessageTypeM7, registrarEncrypted(&m.RegistrarNonce, &m.EncryptedSettings, &m.VendorExtensions, &m.Authenticator)...)
}

// M8 carries, encrypted, the Credentials (M8Settings) (WSC 2.0.x, 8,
// "Message M8").
type M8 struct {
	EnrolleeNonce     Nonce
	EncryptedSettings EncryptedSettings
	VendorExtensions  []VendorExtension
	Authenticator     Authenticator
	Wire
}

// MessageType returns MessageTypeM8.
func (*M8) MessageType() MessageType { return MessageTypeM8 }

// Append appends the encoded message to b.
func (m *M8) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *M8) fields() []field {
	return header(MessageTypeM8, enrolleeEncrypted(&m.EnrolleeNonce, &m.EncryptedSettings, &m.VendorExtensions, &m.Authenticator)...)
}

func registrarEncrypted(nonce *Nonce, es *EncryptedSettings, ve *[]VendorExtension, auth *Authenticator) []field {
	return []field{
		required(AttrRegistrarNonce, nonce, octetsCodec[Nonce]()),
		required(AttrEncryptedSettings, es, encryptedSettingsCodec()),
		vendorExtensions(ve),
		required(AttrAuthenticator, auth, octetsCodec[Authenticator]()),
	}
}

func enrolleeEncrypted(nonce *Nonce, es *EncryptedSettings, ve *[]VendorExtension, auth *Authenticator) []field {
	return []field{
		required(AttrEnrolleeNonce, nonce, octetsCodec[Nonce]()),
		required(AttrEncryptedSettings, es, encryptedSettingsCodec()),
		vendorExtensions(ve),
		required(AttrAuthenticator, auth, octetsCodec[Authenticator]()),
	}
}

// WSCACK acknowledges a message that needs no other answer, such as M2D
// (WSC 2.0.x, 8, "WSC_ACK Message").
type WSCACK struct {
	EnrolleeNonce    Nonce
	RegistrarNonce   Nonce
	VendorExtensions []VendorExtension
	Wire
}

// MessageType returns MessageTypeWSCACK.
func (*WSCACK) MessageType() MessageType { return MessageTypeWSCACK }

// Append appends the encoded message to b.
func (m *WSCACK) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *WSCACK) fields() []field {
	return header(MessageTypeWSCACK,
		required(AttrEnrolleeNonce, &m.EnrolleeNonce, octetsCodec[Nonce]()),
		required(AttrRegistrarNonce, &m.RegistrarNonce, octetsCodec[Nonce]()),
		vendorExtensions(&m.VendorExtensions),
	)
}

// WSCNACK aborts the registration protocol with a Configuration Error
// (WSC 2.0.x, 8, "WSC_NACK Message").
type WSCNACK struct {
	EnrolleeNonce      Nonce
	RegistrarNonce     Nonce
	ConfigurationError ConfigError
	VendorExtensions   []VendorExtension
	Wire
}

// MessageType returns MessageTypeWSCNACK.
func (*WSCNACK) MessageType() MessageType { return MessageTypeWSCNACK }

// Append appends the encoded message to b.
func (m *WSCNACK) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *WSCNACK) fields() []field {
	return header(MessageTypeWSCNACK,
		required(AttrEnrolleeNonce, &m.EnrolleeNonce, octetsCodec[Nonce]()),
		required(AttrRegistrarNonce, &m.RegistrarNonce, octetsCodec[Nonce]()),
		required(AttrConfigurationError, &m.ConfigurationError, uint16Codec[ConfigError]()),
		vendorExtensions(&m.VendorExtensions),
	)
}

// WSCDone is the Enrollee's last message: it has processed M8
// (WSC 2.0.x, 8, "WSC_Done Message").
type WSCDone struct {
	EnrolleeNonce    Nonce
	RegistrarNonce   Nonce
	VendorExtensions []VendorExtension
	Wire
}

// MessageType returns MessageTypeWSCDone.
func (*WSCDone) MessageType() MessageType { return MessageTypeWSCDone }

// Append appends the encoded message to b.
func (m *WSCDone) Append(b []byte) ([]byte, error) { return appendContainer(b, m) }

func (m *WSCDone) fields() []field {
	return header(MessageTypeWSCDone,
		required(AttrEnrolleeNonce, &m.EnrolleeNonce, octetsCodec[Nonce]()),
		required(AttrRegistrarNonce, &m.RegistrarNonce, octetsCodec[Nonce]()),
		vendorExtensions(&m.VendorExtensions),
	)
}
