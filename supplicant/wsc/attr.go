package wsc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors returned by the decoders; callers branch on them with errors.Is.
var (
	// ErrTruncated means the input ended before a field its own lengths announce.
	ErrTruncated = errors.New("wsc: truncated")
	// ErrInvalid means a field holds a value or length the specification does not allow.
	ErrInvalid = errors.New("wsc: invalid value")
	// ErrMissing means a mandatory attribute is absent.
	ErrMissing = errors.New("wsc: missing mandatory attribute")
)

// AttrType is a WSC attribute type (WSC 2.0.x, 12 "Data Element
// Definitions").
type AttrType uint16

// Attribute types (WSC 2.0.x, 12).
const (
	AttrAPChannel                      AttrType = 0x1001
	AttrAssociationState               AttrType = 0x1002
	AttrAuthenticationType             AttrType = 0x1003
	AttrAuthenticationTypeFlags        AttrType = 0x1004
	AttrAuthenticator                  AttrType = 0x1005
	AttrConfigMethods                  AttrType = 0x1008
	AttrConfigurationError             AttrType = 0x1009
	AttrConfirmationURL4               AttrType = 0x100a
	AttrConfirmationURL6               AttrType = 0x100b
	AttrConnectionType                 AttrType = 0x100c
	AttrConnectionTypeFlags            AttrType = 0x100d
	AttrCredential                     AttrType = 0x100e
	AttrEncryptionType                 AttrType = 0x100f
	AttrEncryptionTypeFlags            AttrType = 0x1010
	AttrDeviceName                     AttrType = 0x1011
	AttrDevicePasswordID               AttrType = 0x1012
	AttrEHash1                         AttrType = 0x1014
	AttrEHash2                         AttrType = 0x1015
	AttrESNonce1                       AttrType = 0x1016
	AttrESNonce2                       AttrType = 0x1017
	AttrEncryptedSettings              AttrType = 0x1018
	AttrEnrolleeNonce                  AttrType = 0x101a
	AttrFeatureID                      AttrType = 0x101b
	AttrIdentity                       AttrType = 0x101c
	AttrIdentityProof                  AttrType = 0x101d
	AttrKeyWrapAuthenticator           AttrType = 0x101e
	AttrKeyIdentifier                  AttrType = 0x101f
	AttrMACAddress                     AttrType = 0x1020
	AttrManufacturer                   AttrType = 0x1021
	AttrMessageType                    AttrType = 0x1022
	AttrModelName                      AttrType = 0x1023
	AttrModelNumber                    AttrType = 0x1024
	AttrNetworkIndex                   AttrType = 0x1026
	AttrNetworkKey                     AttrType = 0x1027
	AttrNetworkKeyIndex                AttrType = 0x1028
	AttrNewDeviceName                  AttrType = 0x1029
	AttrNewPassword                    AttrType = 0x102a
	AttrOOBDevicePassword              AttrType = 0x102c
	AttrOSVersion                      AttrType = 0x102d
	AttrPowerLevel                     AttrType = 0x102f
	AttrPSKCurrent                     AttrType = 0x1030
	AttrPSKMax                         AttrType = 0x1031
	AttrPublicKey                      AttrType = 0x1032
	AttrRadioEnabled                   AttrType = 0x1033
	AttrReboot                         AttrType = 0x1034
	AttrRegistrarCurrent               AttrType = 0x1035
	AttrRegistrarEstablished           AttrType = 0x1036
	AttrRegistrarList                  AttrType = 0x1037
	AttrRegistrarMax                   AttrType = 0x1038
	AttrRegistrarNonce                 AttrType = 0x1039
	AttrRequestType                    AttrType = 0x103a
	AttrResponseType                   AttrType = 0x103b
	AttrRFBands                        AttrType = 0x103c
	AttrRHash1                         AttrType = 0x103d
	AttrRHash2                         AttrType = 0x103e
	AttrRSNonce1                       AttrType = 0x103f
	AttrRSNonce2                       AttrType = 0x1040
	AttrSelectedRegistrar              AttrType = 0x1041
	AttrSerialNumber                   AttrType = 0x1042
	AttrWPSState                       AttrType = 0x1044
	AttrSSID                           AttrType = 0x1045
	AttrTotalNetworks                  AttrType = 0x1046
	AttrUUIDE                          AttrType = 0x1047
	AttrUUIDR                          AttrType = 0x1048
	AttrVendorExtension                AttrType = 0x1049
	AttrVersion                        AttrType = 0x104a
	AttrX509CertificateRequest         AttrType = 0x104b
	AttrX509Certificate                AttrType = 0x104c
	AttrEAPIdentity                    AttrType = 0x104d
	AttrMessageCounter                 AttrType = 0x104e
	AttrPublicKeyHash                  AttrType = 0x104f
	AttrRekeyKey                       AttrType = 0x1050
	AttrKeyLifetime                    AttrType = 0x1051
	AttrPermittedConfigMethods         AttrType = 0x1052
	AttrSelectedRegistrarConfigMethods AttrType = 0x1053
	AttrPrimaryDeviceType              AttrType = 0x1054
	AttrSecondaryDeviceTypeList        AttrType = 0x1055
	AttrPortableDevice                 AttrType = 0x1056
	AttrAPSetupLocked                  AttrType = 0x1057
	AttrApplicationExtension           AttrType = 0x1058
	AttrEAPType                        AttrType = 0x1059
	AttrInitializationVector           AttrType = 0x1060
	AttrKeyProvidedAutomatically       AttrType = 0x1061
	Attr8021XEnabled                   AttrType = 0x1062
	AttrAppSessionKey                  AttrType = 0x1063
	AttrWEPTransmitKey                 AttrType = 0x1064
	AttrRequestedDeviceType            AttrType = 0x106a
)

var attrNames = map[AttrType]string{
	AttrAPChannel:                      "AP Channel",
	AttrAssociationState:               "Association State",
	AttrAuthenticationType:             "Authentication Type",
	AttrAuthenticationTypeFlags:        "Authentication Type Flags",
	AttrAuthenticator:                  "Authenticator",
	AttrConfigMethods:                  "Config Methods",
	AttrConfigurationError:             "Configuration Error",
	AttrConfirmationURL4:               "Confirmation URL4",
	AttrConfirmationURL6:               "Confirmation URL6",
	AttrConnectionType:                 "Connection Type",
	AttrConnectionTypeFlags:            "Connection Type Flags",
	AttrCredential:                     "Credential",
	AttrEncryptionType:                 "Encryption Type",
	AttrEncryptionTypeFlags:            "Encryption Type Flags",
	AttrDeviceName:                     "Device Name",
	AttrDevicePasswordID:               "Device Password ID",
	AttrEHash1:                         "E-Hash1",
	AttrEHash2:                         "E-Hash2",
	AttrESNonce1:                       "E-SNonce1",
	AttrESNonce2:                       "E-SNonce2",
	AttrEncryptedSettings:              "Encrypted Settings",
	AttrEnrolleeNonce:                  "Enrollee Nonce",
	AttrFeatureID:                      "Feature ID",
	AttrIdentity:                       "Identity",
	AttrIdentityProof:                  "Identity Proof",
	AttrKeyWrapAuthenticator:           "Key Wrap Authenticator",
	AttrKeyIdentifier:                  "Key Identifier",
	AttrMACAddress:                     "MAC Address",
	AttrManufacturer:                   "Manufacturer",
	AttrMessageType:                    "Message Type",
	AttrModelName:                      "Model Name",
	AttrModelNumber:                    "Model Number",
	AttrNetworkIndex:                   "Network Index",
	AttrNetworkKey:                     "Network Key",
	AttrNetworkKeyIndex:                "Network Key Index",
	AttrNewDeviceName:                  "New Device Name",
	AttrNewPassword:                    "New Password",
	AttrOOBDevicePassword:              "OOB Device Password",
	AttrOSVersion:                      "OS Version",
	AttrPowerLevel:                     "Power Level",
	AttrPSKCurrent:                     "PSK Current",
	AttrPSKMax:                         "PSK Max",
	AttrPublicKey:                      "Public Key",
	AttrRadioEnabled:                   "Radio Enabled",
	AttrReboot:                         "Reboot",
	AttrRegistrarCurrent:               "Registrar Current",
	AttrRegistrarEstablished:           "Registrar Established",
	AttrRegistrarList:                  "Registrar List",
	AttrRegistrarMax:                   "Registrar Max",
	AttrRegistrarNonce:                 "Registrar Nonce",
	AttrRequestType:                    "Request Type",
	AttrResponseType:                   "Response Type",
	AttrRFBands:                        "RF Bands",
	AttrRHash1:                         "R-Hash1",
	AttrRHash2:                         "R-Hash2",
	AttrRSNonce1:                       "R-SNonce1",
	AttrRSNonce2:                       "R-SNonce2",
	AttrSelectedRegistrar:              "Selected Registrar",
	AttrSerialNumber:                   "Serial Number",
	AttrWPSState:                       "Wi-Fi Protected Setup State",
	AttrSSID:                           "SSID",
	AttrTotalNetworks:                  "Total Networks",
	AttrUUIDE:                          "UUID-E",
	AttrUUIDR:                          "UUID-R",
	AttrVendorExtension:                "Vendor Extension",
	AttrVersion:                        "Version",
	AttrX509CertificateRequest:         "X.509 Certificate Request",
	AttrX509Certificate:                "X.509 Certificate",
	AttrEAPIdentity:                    "EAP Identity",
	AttrMessageCounter:                 "Message Counter",
	AttrPublicKeyHash:                  "Public Key Hash",
	AttrRekeyKey:                       "Rekey Key",
	AttrKeyLifetime:                    "Key Lifetime",
	AttrPermittedConfigMethods:         "Permitted Config Methods",
	AttrSelectedRegistrarConfigMethods: "Selected Registrar Config Methods",
	AttrPrimaryDeviceType:              "Primary Device Type",
	AttrSecondaryDeviceTypeList:        "Secondary Device Type List",
	AttrPortableDevice:                 "Portable Device",
	AttrAPSetupLocked:                  "AP Setup Locked",
	AttrApplicationExtension:           "Application Extension",
	AttrEAPType:                        "EAP Type",
	AttrInitializationVector:           "Initialization Vector",
	AttrKeyProvidedAutomatically:       "Key Provided Automatically",
	Attr8021XEnabled:                   "802.1X Enabled",
	AttrAppSessionKey:                  "AppSessionKey",
	AttrWEPTransmitKey:                 "WEPTransmitKey",
	AttrRequestedDeviceType:            "Requested Device Type",
}

// String returns the specification's name of the attribute type, or its
// hexadecimal value when the type is not defined.
func (t AttrType) String() string {
	if s, ok := attrNames[t]; ok {
		return s
	}
	return fmt.Sprintf("attribute 0x%04x", uint16(t))
}

// Attribute is one raw WSC attribute (WSC 2.0.x, 12: type, length, value).
// Value aliases the decoded buffer.
type Attribute struct {
	Type  AttrType
	Value []byte
}

// attrHeaderLen is the size of an attribute's type and length fields.
const attrHeaderLen = 4

// MaxAttributeValue is the largest value the 16-bit length field can describe.
const MaxAttributeValue = 0xffff

// ParseAttributes splits a WSC attribute sequence into its attributes, in
// order (WSC 2.0.x, 12). It runs in one pass over the input and fails if
// an attribute header is cut short or a length overruns the input: nothing
// may follow the last attribute. It never copies values.
func ParseAttributes(b []byte) ([]Attribute, error) {
	// Every attribute takes at least four octets, which bounds the allocation.
	attrs := make([]Attribute, 0, min(len(b)/attrHeaderLen, 64))
	for off := 0; off < len(b); {
		if len(b)-off < attrHeaderLen {
			return nil, fmt.Errorf("%w: attribute header at offset %d has %d of 4 octets", ErrTruncated, off, len(b)-off)
		}
		t := AttrType(binary.BigEndian.Uint16(b[off:]))
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		off += attrHeaderLen
		if len(b)-off < n {
			return nil, fmt.Errorf("%w: %v at offset %d announces %d octets, %d remain", ErrTruncated, t, off-attrHeaderLen, n, len(b)-off)
		}
		attrs = append(attrs, Attribute{Type: t, Value: b[off : off+n : off+n]})
		off += n
	}
	return attrs, nil
}

// AppendAttribute appends one attribute. It fails when the value is longer
// than the 16-bit length field allows.
func AppendAttribute(b []byte, a Attribute) ([]byte, error) {
	if len(a.Value) > MaxAttributeValue {
		return b, fmt.Errorf("%w: %v value of %d octets exceeds %d", ErrInvalid, a.Type, len(a.Value), MaxAttributeValue)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(a.Type))
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.Value)))
	return append(b, a.Value...), nil
}

// AppendAttributes appends attributes in order, failing on the first that
// is too long.
func AppendAttributes(b []byte, attrs []Attribute) ([]byte, error) {
	var err error
	for _, a := range attrs {
		if b, err = AppendAttribute(b, a); err != nil {
			return b, err
		}
	}
	return b, nil
}

// Find returns the value of the first attribute of type t.
func Find(attrs []Attribute, t AttrType) ([]byte, bool) {
	for _, a := range attrs {
		if a.Type == t {
			return a.Value, true
		}
	}
	return nil, false
}

// Length limits of variable-length attributes (WSC 2.0.x, 12).
const (
	MaxManufacturerLen      = 64
	MaxModelNameLen         = 32
	MaxModelNumberLen       = 32
	MaxSerialNumberLen      = 32
	MaxDeviceNameLen        = 32
	MaxSSIDLen              = 32
	MaxNetworkKeyLen        = 64
	MaxSecondaryDeviceTypes = 16   // 128 octets of Secondary Device Type List
	MaxVendorExtensionLen   = 1024 // Vendor ID and vendor data
	PublicKeyLen            = 192  // Diffie-Hellman group 5 public value
)

// fixedLen gives the exact value length of fixed-size attributes.
var fixedLen = map[AttrType]int{
	AttrAPChannel:                      2,
	AttrAssociationState:               2,
	AttrAuthenticationType:             2,
	AttrAuthenticationTypeFlags:        2,
	AttrAuthenticator:                  8,
	AttrConfigMethods:                  2,
	AttrConfigurationError:             2,
	AttrConnectionTypeFlags:            1,
	AttrEncryptionType:                 2,
	AttrEncryptionTypeFlags:            2,
	AttrDevicePasswordID:               2,
	AttrEHash1:                         32,
	AttrEHash2:                         32,
	AttrESNonce1:                       16,
	AttrESNonce2:                       16,
	AttrEnrolleeNonce:                  16,
	AttrKeyWrapAuthenticator:           8,
	AttrMACAddress:                     6,
	AttrMessageType:                    1,
	AttrNetworkIndex:                   1,
	AttrNetworkKeyIndex:                1,
	AttrOSVersion:                      4,
	AttrPublicKey:                      PublicKeyLen,
	AttrRegistrarNonce:                 16,
	AttrRequestType:                    1,
	AttrResponseType:                   1,
	AttrRFBands:                        1,
	AttrRHash1:                         32,
	AttrRHash2:                         32,
	AttrRSNonce1:                       16,
	AttrRSNonce2:                       16,
	AttrSelectedRegistrar:              1,
	AttrWPSState:                       1,
	AttrUUIDE:                          16,
	AttrUUIDR:                          16,
	AttrVersion:                        1,
	AttrSelectedRegistrarConfigMethods: 2,
	AttrPrimaryDeviceType:              8,
	AttrAPSetupLocked:                  1,
	AttrRequestedDeviceType:            8,
}

// maxLen gives the largest value length of bounded variable-size attributes.
var maxLen = map[AttrType]int{
	AttrManufacturer:            MaxManufacturerLen,
	AttrModelName:               MaxModelNameLen,
	AttrModelNumber:             MaxModelNumberLen,
	AttrSerialNumber:            MaxSerialNumberLen,
	AttrDeviceName:              MaxDeviceNameLen,
	AttrSSID:                    MaxSSIDLen,
	AttrNetworkKey:              MaxNetworkKeyLen,
	AttrSecondaryDeviceTypeList: MaxSecondaryDeviceTypes * deviceTypeLen,
	AttrVendorExtension:         MaxVendorExtensionLen,
}

// checkLength applies the length rules of the specification (as enforced by
// hostap's wps_parse_msg) to an attribute of a known type; unknown types pass.
func checkLength(a Attribute) error {
	n := len(a.Value)
	if want, ok := fixedLen[a.Type]; ok && n != want {
		return fmt.Errorf("%w: %v of %d octets, want %d", ErrInvalid, a.Type, n, want)
	}
	if limit, ok := maxLen[a.Type]; ok && n > limit {
		return fmt.Errorf("%w: %v of %d octets exceeds %d", ErrInvalid, a.Type, n, limit)
	}
	switch a.Type {
	case AttrSecondaryDeviceTypeList:
		if n%deviceTypeLen != 0 {
			return fmt.Errorf("%w: %v of %d octets is not a multiple of %d", ErrInvalid, a.Type, n, deviceTypeLen)
		}
	case AttrVendorExtension:
		if n < vendorIDLen {
			return fmt.Errorf("%w: %v of %d octets has no Vendor ID", ErrInvalid, a.Type, n)
		}
	case AttrEncryptedSettings:
		if n < 2*aesBlockLen || n%aesBlockLen != 0 {
			return fmt.Errorf("%w: %v of %d octets: want an IV and whole AES blocks", ErrInvalid, a.Type, n)
		}
	}
	return nil
}
