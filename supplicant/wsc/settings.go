package wsc

import (
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// The types below are the plaintext of the Encrypted Settings attribute of
// M4..M8 (WSC 2.0.x, 8, the "Encrypted Settings" rows of each message's
// table), after AES-128-CBC decryption and removal of the PKCS#5 padding.
// The Key Wrap Authenticator is the last attribute on the wire; it covers
// the attributes before it (see SplitKeyWrapAuthenticator).

// M4Settings is the plaintext of M4's Encrypted Settings.
type M4Settings struct {
	RSNonce1             Nonce
	VendorExtensions     []VendorExtension
	KeyWrapAuthenticator KeyWrapAuthenticator
	Wire
}

// Append appends the encoded plaintext (without padding) to b.
func (s *M4Settings) Append(b []byte) ([]byte, error) { return appendContainer(b, s) }

func (s *M4Settings) fields() []field {
	return secretNonceSettings(AttrRSNonce1, &s.RSNonce1, &s.VendorExtensions, &s.KeyWrapAuthenticator)
}

// M5Settings is the plaintext of M5's Encrypted Settings.
type M5Settings struct {
	ESNonce1             Nonce
	VendorExtensions     []VendorExtension
	KeyWrapAuthenticator KeyWrapAuthenticator
	Wire
}

// Append appends the encoded plaintext (without padding) to b.
func (s *M5Settings) Append(b []byte) ([]byte, error) { return appendContainer(b, s) }

func (s *M5Settings) fields() []field {
	return secretNonceSettings(AttrESNonce1, &s.ESNonce1, &s.VendorExtensions, &s.KeyWrapAuthenticator)
}

// M6Settings is the plaintext of M6's Encrypted Settings.
type M6Settings struct {
	RSNonce2             Nonce
	VendorExtensions     []VendorExtension
	KeyWrapAuthenticator KeyWrapAuthenticator
	Wire
}

// Append appends the encoded plaintext (without padding) to b.
func (s *M6Settings) Append(b []byte) ([]byte, error) { return appendContainer(b, s) }

func (s *M6Settings) fields() []field {
	return secretNonceSettings(AttrRSNonce2, &s.RSNonce2, &s.VendorExtensions, &s.KeyWrapAuthenticator)
}

// M7Settings is the plaintext of M7's Encrypted Settings. An AP Enrollee
// also sends its current settings (SSID, MAC Address, Authentication
// Type, ...); a P2P Enrollee does not, and they are kept in Unknown. The
// WFA Vendor Extension may carry Settings Delay Time.
type M7Settings struct {
	ESNonce2             Nonce
	VendorExtensions     []VendorExtension
	KeyWrapAuthenticator KeyWrapAuthenticator
	Wire
}

// Append appends the encoded plaintext (without padding) to b.
func (s *M7Settings) Append(b []byte) ([]byte, error) { return appendContainer(b, s) }

func (s *M7Settings) fields() []field {
	return secretNonceSettings(AttrESNonce2, &s.ESNonce2, &s.VendorExtensions, &s.KeyWrapAuthenticator)
}

func secretNonceSettings(t AttrType, nonce *Nonce, ve *[]VendorExtension, kwa *KeyWrapAuthenticator) []field {
	return []field{
		required(t, nonce, octetsCodec[Nonce]()),
		vendorExtensions(ve),
		required(AttrKeyWrapAuthenticator, kwa, octetsCodec[KeyWrapAuthenticator]()),
	}
}

// M8Settings is the plaintext of M8's Encrypted Settings sent to a station
// Enrollee: one or more Credentials. (The variant that configures an AP
// Enrollee, with the settings inline and no Credential, is not decoded:
// P2P does not use it, and a missing Credential is an error, as in
// hostap's station Enrollee.)
type M8Settings struct {
	Credentials          []Credential
	VendorExtensions     []VendorExtension
	KeyWrapAuthenticator KeyWrapAuthenticator
	Wire
}

// Append appends the encoded plaintext (without padding) to b.
func (s *M8Settings) Append(b []byte) ([]byte, error) { return appendContainer(b, s) }

func (s *M8Settings) fields() []field {
	return []field{
		repeated(AttrCredential, &s.Credentials, containerCodec[Credential](), true),
		vendorExtensions(&s.VendorExtensions),
		required(AttrKeyWrapAuthenticator, &s.KeyWrapAuthenticator, octetsCodec[KeyWrapAuthenticator]()),
	}
}

// Credential is the value of a Credential attribute (0x100E): the network
// settings the Registrar gives the Enrollee (WSC 2.0.x, 12, "Credential").
//
// Network Key is mandatory except for an open network (Authentication
// Type Open with Encryption Type None), where hostap also accepts its
// absence; nil means absent. A Network Key with a control character (C0 or
// DEL, e.g. a newline) is rejected whatever the Authentication Type: it
// would end up in a configuration file (docs/bad-input.md 4b #20). For
// WPA-Personal types the key must be an 8..63 octet passphrase or 64
// hexadecimal digits. A NUL-terminated passphrase, which hostap repairs
// by default, is rejected (its CONFIG_WPS_STRICT behaviour).
type Credential struct {
	NetworkIndex       uint8
	SSID               []byte
	AuthenticationType AuthType
	EncryptionType     EncrType
	NetworkKeyIndex    *uint8
	NetworkKey         []byte
	MACAddress         ieee80211.MAC
	VendorExtensions   []VendorExtension
	Wire
}

// Append appends the Credential's nested attributes (the value of the
// Credential attribute) to b.
func (c *Credential) Append(b []byte) ([]byte, error) { return appendContainer(b, c) }

func (c *Credential) fields() []field {
	return []field{
		required(AttrNetworkIndex, &c.NetworkIndex, uint8Codec[uint8]()),
		required(AttrSSID, &c.SSID, bytesCodec(MaxSSIDLen)),
		required(AttrAuthenticationType, &c.AuthenticationType, uint16Codec[AuthType]()),
		required(AttrEncryptionType, &c.EncryptionType, uint16Codec[EncrType]()),
		optional(AttrNetworkKeyIndex, &c.NetworkKeyIndex, uint8Codec[uint8]()),
		optionalSlice(AttrNetworkKey, &c.NetworkKey, bytesCodec(MaxNetworkKeyLen)),
		required(AttrMACAddress, &c.MACAddress, octetsCodec[ieee80211.MAC]()),
		vendorExtensions(&c.VendorExtensions),
	}
}

func (c *Credential) validate() error {
	if c.NetworkKey == nil {
		if c.AuthenticationType == AuthOpen && c.EncryptionType == EncrNone {
			return nil
		}
		return fmt.Errorf("%w: %v", ErrMissing, AttrNetworkKey)
	}
	return ValidateNetworkKey(c.AuthenticationType, c.NetworkKey)
}

// ValidateNetworkKey applies the Credential's Network Key rules (see
// Credential): no control characters, and for WPA-Personal types an 8..63
// octet passphrase or 64 hexadecimal digits.
func ValidateNetworkKey(auth AuthType, key []byte) error {
	if len(key) > MaxNetworkKeyLen {
		return fmt.Errorf("%w: Network Key of %d octets exceeds %d", ErrInvalid, len(key), MaxNetworkKeyLen)
	}
	if hasControl(key) {
		return fmt.Errorf("%w: Network Key holds a control character", ErrInvalid)
	}
	if auth&(AuthWPAPSK|AuthWPA2PSK) == 0 {
		return nil
	}
	switch {
	case len(key) >= 8 && len(key) <= 63:
		return nil
	case len(key) == 64 && isHex(key):
		return nil
	}
	return fmt.Errorf("%w: Network Key of %d octets is neither an 8..63 octet passphrase nor 64 hexadecimal digits", ErrInvalid, len(key))
}

func isHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// SplitAuthenticator splits an encoded message (M2..M8) into the octets the
// Authenticator covers (every attribute before it) and the Authenticator
// value. The Authenticator must be the last attribute.
func SplitAuthenticator(msg []byte) (covered []byte, auth Authenticator, err error) {
	v, err := splitLast(msg, AttrAuthenticator, len(auth))
	if err != nil {
		return nil, auth, err
	}
	return msg[:len(msg)-attrHeaderLen-len(auth)], Authenticator(v), nil
}

// SplitKeyWrapAuthenticator splits Encrypted Settings plaintext (without
// padding) into the octets the Key Wrap Authenticator covers and its
// value. The Key Wrap Authenticator must be the last attribute.
func SplitKeyWrapAuthenticator(plain []byte) (covered []byte, kwa KeyWrapAuthenticator, err error) {
	v, err := splitLast(plain, AttrKeyWrapAuthenticator, len(kwa))
	if err != nil {
		return nil, kwa, err
	}
	return plain[:len(plain)-attrHeaderLen-len(kwa)], KeyWrapAuthenticator(v), nil
}

func splitLast(b []byte, t AttrType, n int) ([]byte, error) {
	attrs, err := ParseAttributes(b)
	if err != nil {
		return nil, err
	}
	if len(attrs) == 0 || attrs[len(attrs)-1].Type != t {
		return nil, fmt.Errorf("%w: %v is not the last attribute", ErrMissing, t)
	}
	v := attrs[len(attrs)-1].Value
	if len(v) != n {
		return nil, fmt.Errorf("%w: %v of %d octets, want %d", ErrInvalid, t, len(v), n)
	}
	return v, nil
}
