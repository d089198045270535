package wsc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// The key derivation and the message protection of the registration
// protocol (WSC 2.0.x, 7.3 "Key Derivation", 7.4 "Proof-of-possession of
// Device Password" (PSK1/PSK2, E-Hash/R-Hash), and the Authenticator,
// Encrypted Settings and Key Wrap Authenticator attributes of clause 12).

// Errors of the message protection; callers branch on them with errors.Is.
var (
	// ErrAuthenticator means a message's Authenticator does not match.
	ErrAuthenticator = errors.New("wsc: Authenticator mismatch")
	// ErrKeyWrapAuthenticator means decrypted Encrypted Settings carry a
	// Key Wrap Authenticator that does not match.
	ErrKeyWrapAuthenticator = errors.New("wsc: Key Wrap Authenticator mismatch")
	// ErrDecryption means Encrypted Settings do not decrypt to padded
	// plaintext (bad length or PKCS#5 padding).
	ErrDecryption = errors.New("wsc: Encrypted Settings do not decrypt")
)

// KDFLabel is the personalization string of the registration protocol's
// key derivation function (WSC 2.0.x, 7.3).
const KDFLabel = "Wi-Fi Easy and Secure Key Derivation"

// Sizes of the derived keys (WSC 2.0.x, 7.3): 640 bits in all.
const (
	AuthKeyLen    = 32
	KeyWrapKeyLen = 16
	EMSKLen       = 32
	// PSKLen is the length of PSK1 and PSK2, the first 128 bits of an
	// HMAC-SHA-256.
	PSKLen = 16
)

// KDF is the key derivation function of WSC 2.0.x, 7.3: the concatenation
// of HMAC-SHA-256(key, i || label || bits) for i = 1, 2, ..., with i and
// bits as 32-bit big-endian integers, cut to bits (a multiple of 8).
func KDF(key []byte, label string, bits int) []byte {
	n := bits / 8
	out := make([]byte, 0, n+sha256.Size)
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(bits))
	for i := uint32(1); len(out) < n; i++ {
		m := hmac.New(sha256.New, key)
		var ib [4]byte
		binary.BigEndian.PutUint32(ib[:], i)
		m.Write(ib[:])
		m.Write([]byte(label))
		m.Write(hdr[:])
		out = m.Sum(out)
	}
	return out[:n:n]
}

// KDK returns the key derivation key HMAC-SHA-256(DHKey, N1 || EnrolleeMAC
// || N2) (WSC 2.0.x, 7.3), N1 the Enrollee Nonce and N2 the Registrar Nonce.
func KDK(dhKey [32]byte, enrolleeNonce Nonce, enrolleeMAC ieee80211.MAC, registrarNonce Nonce) [32]byte {
	m := hmac.New(sha256.New, dhKey[:])
	m.Write(enrolleeNonce[:])
	m.Write(enrolleeMAC[:])
	m.Write(registrarNonce[:])
	return [32]byte(m.Sum(nil))
}

// SessionKeys are the keys derived from the KDK (WSC 2.0.x, 7.3).
type SessionKeys struct {
	AuthKey    [AuthKeyLen]byte    // Authenticator, E-Hash, R-Hash, Key Wrap Authenticator
	KeyWrapKey [KeyWrapKeyLen]byte // AES-128 key of Encrypted Settings
	EMSK       [EMSKLen]byte       // Extended Master Session Key (unused by WSC itself)
}

// DeriveSessionKeys splits the 640 bits of KDF(KDK, KDFLabel, 640) into
// AuthKey, KeyWrapKey and EMSK.
func DeriveSessionKeys(kdk [32]byte) SessionKeys {
	k := KDF(kdk[:], KDFLabel, 8*(AuthKeyLen+KeyWrapKeyLen+EMSKLen))
	var s SessionKeys
	copy(s.AuthKey[:], k)
	copy(s.KeyWrapKey[:], k[AuthKeyLen:])
	copy(s.EMSK[:], k[AuthKeyLen+KeyWrapKeyLen:])
	return s
}

// ComputeAuthenticator returns the first 64 bits of HMAC-SHA-256(AuthKey,
// prev || cur), prev the previous message of the run (received or sent) and
// cur the current message without its Authenticator attribute.
func ComputeAuthenticator(authKey [AuthKeyLen]byte, prev, cur []byte) Authenticator {
	m := hmac.New(sha256.New, authKey[:])
	m.Write(prev)
	m.Write(cur)
	return Authenticator(m.Sum(nil))
}

// VerifyAuthenticator checks the Authenticator of msg, which must be its
// last attribute, against prev, in constant time. It fails with an error
// wrapping ErrAuthenticator, or a decoding error.
func VerifyAuthenticator(authKey [AuthKeyLen]byte, prev, msg []byte) error {
	covered, got, err := SplitAuthenticator(msg)
	if err != nil {
		return err
	}
	want := ComputeAuthenticator(authKey, prev, covered)
	if !hmac.Equal(got[:], want[:]) {
		return ErrAuthenticator
	}
	return nil
}

// sealAuthenticator writes the Authenticator of an encoded message whose
// last attribute is the (placeholder) Authenticator.
func sealAuthenticator(authKey [AuthKeyLen]byte, prev, msg []byte) error {
	covered, _, err := SplitAuthenticator(msg)
	if err != nil {
		return err
	}
	a := ComputeAuthenticator(authKey, prev, covered)
	copy(msg[len(msg)-len(a):], a[:])
	return nil
}

// DevicePasswordPSKs returns PSK1 and PSK2: the first 128 bits of
// HMAC-SHA-256(AuthKey, half) for the first and the second half of the
// device password (WSC 2.0.x, 7.4.2 "Device Password Splitting"). With an odd length the first half
// takes the extra octet, as hostap does. The password of push button
// configuration is "00000000" (PushButtonPassword).
func DevicePasswordPSKs(authKey [AuthKeyLen]byte, password []byte) (psk1, psk2 [PSKLen]byte) {
	h := (len(password) + 1) / 2
	m := hmac.New(sha256.New, authKey[:])
	m.Write(password[:h])
	psk1 = [PSKLen]byte(m.Sum(nil))
	m.Reset()
	m.Write(password[h:])
	psk2 = [PSKLen]byte(m.Sum(nil))
	return psk1, psk2
}

// PushButtonPassword is the device password of push button configuration:
// eight ASCII zeros (WSC 2.0.x, "Push Button Configuration": the PIN is
// all zeros).
const PushButtonPassword = "00000000"

// SecretHash returns HMAC-SHA-256(AuthKey, S || PSK || PK_E || PK_R): E-Hash1
// (S = E-S1, PSK1), E-Hash2 (E-S2, PSK2), R-Hash1 (R-S1, PSK1) or R-Hash2
// (R-S2, PSK2) (WSC 2.0.x, 7.4 and the E-Hash/R-Hash attributes of 12).
func SecretHash(authKey [AuthKeyLen]byte, secret Nonce, psk [PSKLen]byte, enrolleeKey, registrarKey PublicKey) Hash {
	m := hmac.New(sha256.New, authKey[:])
	m.Write(secret[:])
	m.Write(psk[:])
	m.Write(enrolleeKey[:])
	m.Write(registrarKey[:])
	return Hash(m.Sum(nil))
}

// ComputeKeyWrapAuthenticator returns the first 64 bits of
// HMAC-SHA-256(AuthKey, plain), plain the Encrypted Settings attributes
// before the Key Wrap Authenticator.
func ComputeKeyWrapAuthenticator(authKey [AuthKeyLen]byte, plain []byte) KeyWrapAuthenticator {
	m := hmac.New(sha256.New, authKey[:])
	m.Write(plain)
	return KeyWrapAuthenticator(m.Sum(nil))
}

// EncryptSettings seals the plaintext attributes of Encrypted Settings:
// settings must end with a Key Wrap Authenticator attribute, whose value
// is overwritten (a placeholder, e.g. zero, is expected). It then pads
// with PKCS#5 to whole AES blocks and encrypts with AES-128-CBC under the
// KeyWrapKey and a fresh IV drawn from rand (WSC 2.0.x, 12,
// "Encrypted Settings").
func EncryptSettings(keys SessionKeys, settings []byte, rand io.Reader) (EncryptedSettings, error) {
	var iv [aesBlockLen]byte
	if _, err := io.ReadFull(rand, iv[:]); err != nil {
		return EncryptedSettings{}, fmt.Errorf("wsc: Encrypted Settings IV: %w", err)
	}
	return EncryptSettingsIV(keys, settings, iv)
}

// EncryptSettingsIV is EncryptSettings with a given IV (for known-answer
// tests; production code uses EncryptSettings).
func EncryptSettingsIV(keys SessionKeys, settings []byte, iv [aesBlockLen]byte) (EncryptedSettings, error) {
	covered, _, err := SplitKeyWrapAuthenticator(settings)
	if err != nil {
		return EncryptedSettings{}, err
	}
	kwa := ComputeKeyWrapAuthenticator(keys.AuthKey, covered)
	pad := aesBlockLen - len(settings)%aesBlockLen
	buf := make([]byte, len(settings)+pad)
	copy(buf, settings)
	copy(buf[len(covered)+attrHeaderLen:], kwa[:])
	for i := len(settings); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	block, err := aes.NewCipher(keys.KeyWrapKey[:])
	if err != nil {
		return EncryptedSettings{}, err
	}
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(buf, buf)
	return EncryptedSettings{IV: iv, Ciphertext: buf}, nil
}

// DecryptSettings decrypts Encrypted Settings, removes and checks the
// PKCS#5 padding (1..16 octets, all of the pad value) and checks the Key
// Wrap Authenticator, which must be the last attribute. It returns the
// plaintext attributes, Key Wrap Authenticator included, in a new buffer.
// Errors wrap ErrDecryption, ErrKeyWrapAuthenticator or a decoding error.
func DecryptSettings(keys SessionKeys, es EncryptedSettings) ([]byte, error) {
	n := len(es.Ciphertext)
	if n == 0 || n%aesBlockLen != 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d octets", ErrDecryption, n)
	}
	block, err := aes.NewCipher(keys.KeyWrapKey[:])
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	cipher.NewCBCDecrypter(block, es.IV[:]).CryptBlocks(buf, es.Ciphertext)
	pad := int(buf[n-1])
	if pad == 0 || pad > aesBlockLen {
		return nil, fmt.Errorf("%w: padding octet %d", ErrDecryption, pad)
	}
	for _, c := range buf[n-pad:] {
		if int(c) != pad {
			return nil, fmt.Errorf("%w: inconsistent padding", ErrDecryption)
		}
	}
	plain := buf[: n-pad : n-pad]
	covered, got, err := SplitKeyWrapAuthenticator(plain)
	if err != nil {
		return nil, err
	}
	want := ComputeKeyWrapAuthenticator(keys.AuthKey, covered)
	if !hmac.Equal(got[:], want[:]) {
		return nil, ErrKeyWrapAuthenticator
	}
	return plain, nil
}
