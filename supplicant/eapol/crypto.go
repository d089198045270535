package eapol

import (
	"bytes"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// The key hierarchy of WPA2-PSK with CCMP (IEEE Std 802.11-2020, 12.7.1):
// passphrase and SSID give the PMK (Annex J.4), the PMK and both nonces and
// addresses give the PTK (12.7.1.3), split into the KCK that computes the Key
// MIC, the KEK that wraps the Key Data and the TK the driver encrypts data
// frames with. The GTK is random (12.7.1.5 allows any random source).

// Key lengths of the PSK AKM (00-0F-AC:2) with Key Descriptor Version 2
// (IEEE Std 802.11-2020, Table 12-11 and 12.7.1.3).
const (
	PMKLen = 32 // PMK: the PSK
	KCKLen = 16 // EAPOL-Key Confirmation Key
	KEKLen = 16 // EAPOL-Key Encryption Key
)

// ErrKeyUnwrap reports AES key unwrap input whose integrity check value is
// not A6A6A6A6A6A6A6A6 (RFC 3394, 2.2.3): the wrong KEK or tampered Key
// Data. It wraps ErrInvalid.
var ErrKeyUnwrap = fmt.Errorf("%w: AES key unwrap integrity check failed", ErrInvalid)

// ErrZeroKey reports a key made only of zero octets. No key of that value is
// ever installed (docs/bad-input.md 4b #27, the KRACK all-zero TK). It wraps
// ErrInvalid.
var ErrZeroKey = fmt.Errorf("%w: all-zero key", ErrInvalid)

// PMKFromPassphrase derives the PMK of a PSK network from its passphrase and
// SSID: PBKDF2 with HMAC-SHA1, the SSID as salt, 4096 iterations, 32 octets
// (IEEE Std 802.11-2020, J.4.1). The passphrase must be 8 to 63 ASCII
// characters in the range 32 to 126 and the SSID at most 32 octets
// (ErrInvalid otherwise).
//
// PBKDF2 is the standard library's crypto/pbkdf2 (Go 1.24 and later): that is
// the kept implementation, there is no local copy.
func PMKFromPassphrase(passphrase string, ssid []byte) ([]byte, error) {
	if n := len(passphrase); n < 8 || n > 63 {
		return nil, fmt.Errorf("eapol: %w: passphrase of %d characters (want 8 to 63)", ErrInvalid, n)
	}
	for i := 0; i < len(passphrase); i++ {
		if c := passphrase[i]; c < 32 || c > 126 {
			return nil, fmt.Errorf("eapol: %w: passphrase character %d is 0x%02x, outside ASCII 32 to 126", ErrInvalid, i, c)
		}
	}
	if len(ssid) > 32 {
		return nil, fmt.Errorf("eapol: %w: SSID of %d octets (at most 32)", ErrInvalid, len(ssid))
	}
	return pbkdf2.Key(sha1.New, passphrase, ssid, 4096, PMKLen)
}

// PRF is the HMAC-SHA1 pseudorandom function PRF-Len(K, A, B) of
// IEEE Std 802.11-2020, 12.7.1.2: the concatenation of
// HMAC-SHA1(K, A || 0 || B || i) for i = 0, 1, … truncated to bits/8
// octets. bits is a positive multiple of 8 (PRF-384 for a CCMP-128 PTK,
// PRF-512 for a 256-bit TK); other values panic, as they are programming
// errors.
func PRF(key []byte, label string, data []byte, bits int) []byte {
	if bits <= 0 || bits%8 != 0 {
		panic(fmt.Sprintf("eapol: PRF length %d bits is not a positive multiple of 8", bits))
	}
	n := bits / 8
	out := make([]byte, 0, n+sha1.Size)
	msg := make([]byte, 0, len(label)+1+len(data)+1)
	msg = append(msg, label...)
	msg = append(msg, 0)
	msg = append(msg, data...)
	msg = append(msg, 0)
	mac := hmac.New(sha1.New, key)
	for i := 0; len(out) < n; i++ {
		msg[len(msg)-1] = byte(i)
		mac.Reset()
		mac.Write(msg)
		out = mac.Sum(out)
	}
	return out[:n:n]
}

// PTK is a pairwise transient key split into its parts
// (IEEE Std 802.11-2020, 12.7.1.3, Figure 12-30).
type PTK struct {
	KCK []byte // EAPOL-Key Confirmation Key: computes the Key MIC
	KEK []byte // EAPOL-Key Encryption Key: wraps the Key Data
	TK  []byte // Temporal Key: the pairwise cipher's key
}

// DerivePTK computes the PTK of the PSK AKM with Key Descriptor Version 2
// (IEEE Std 802.11-2020, 12.7.1.3):
//
//	PTK = PRF-Len(PMK, "Pairwise key expansion",
//	              Min(AA,SPA) || Max(AA,SPA) || Min(ANonce,SNonce) || Max(ANonce,SNonce))
//
// with Len = 256 + 8·tkLen bits (PRF-384 for CCMP-128, whose TK is 16
// octets). aa is the authenticator's address (the GO's interface address),
// spa the supplicant's. The PMK must be 32 octets and tkLen 16 or 32.
func DerivePTK(pmk []byte, aa, spa ieee80211.MAC, aNonce, sNonce [NonceLen]byte, tkLen int) (PTK, error) {
	if len(pmk) != PMKLen {
		return PTK{}, fmt.Errorf("eapol: %w: PMK of %d octets (want %d)", ErrInvalid, len(pmk), PMKLen)
	}
	if tkLen != 16 && tkLen != 32 {
		return PTK{}, fmt.Errorf("eapol: %w: TK length %d (want 16 or 32)", ErrInvalid, tkLen)
	}
	data := make([]byte, 0, 2*len(aa)+2*NonceLen)
	lo, hi := aa[:], spa[:]
	if bytes.Compare(lo, hi) > 0 {
		lo, hi = hi, lo
	}
	data = append(append(data, lo...), hi...)
	nlo, nhi := aNonce[:], sNonce[:]
	if bytes.Compare(nlo, nhi) > 0 {
		nlo, nhi = nhi, nlo
	}
	data = append(append(data, nlo...), nhi...)
	k := PRF(pmk, "Pairwise key expansion", data, 8*(KCKLen+KEKLen+tkLen))
	return PTK{
		KCK: k[:KCKLen:KCKLen],
		KEK: k[KCKLen : KCKLen+KEKLen : KCKLen+KEKLen],
		TK:  k[KCKLen+KEKLen:],
	}, nil
}

// CipherKeyLen returns the key length in octets of a pairwise or group
// cipher suite this package supports (IEEE Std 802.11-2020, Table 12-4):
// CCMP-128 and GCMP-128 16, CCMP-256 and GCMP-256 32. Wi-Fi P2P groups use
// CCMP-128.
func CipherKeyLen(s ieee80211.Suite) (int, bool) {
	switch s {
	case ieee80211.CipherCCMP128, ieee80211.CipherGCMP128:
		return 16, true
	case ieee80211.CipherCCMP256, ieee80211.CipherGCMP256:
		return 32, true
	}
	return 0, false
}

// MIC computes the Key MIC of the EAPOL-Key frame carried by the EAPOL PDU
// in frame for Key Descriptor Version 2: HMAC-SHA1 keyed with the KCK over
// the PDU with its Key MIC field zeroed, truncated to 128 bits
// (IEEE Std 802.11-2020, 12.7.2, Key MIC). The Key MIC field in frame is
// ignored; octets after the EAPOL packet body are not covered.
func MIC(kck, frame []byte) ([]byte, error) {
	in, err := MICInput(frame, DefaultMICLen)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha1.New, kck)
	mac.Write(in)
	return mac.Sum(nil)[:DefaultMICLen:DefaultMICLen], nil
}

// SetMIC computes the Key MIC of frame (see MIC) and writes it into the Key
// MIC field, in place.
func SetMIC(kck, frame []byte) error {
	m, err := MIC(kck, frame)
	if err != nil {
		return err
	}
	return PutMIC(frame, m)
}

// CheckMIC reports whether the Key MIC field of frame holds the MIC the KCK
// gives (see MIC). The comparison takes constant time. A frame that does not
// decode has no valid MIC.
func CheckMIC(kck, frame []byte) bool {
	m, err := MIC(kck, frame)
	if err != nil {
		return false
	}
	return hmac.Equal(m, frame[MICOffset:MICOffset+DefaultMICLen])
}

// keyWrapIV is the default initial value of RFC 3394, 2.2.3.1.
var keyWrapIV = [8]byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}

// KeyWrap wraps plaintext with the AES key wrap of RFC 3394 (NIST AES key
// wrap, IEEE Std 802.11-2020, 12.7.2): kek is an AES key of 16, 24 or 32
// octets and plaintext a multiple of 8 octets, at least 16. The result is 8
// octets longer. Key Data is padded first: see PadKeyData.
func KeyWrap(kek, plaintext []byte) ([]byte, error) {
	n := len(plaintext) / 8
	if len(plaintext)%8 != 0 || n < 2 {
		return nil, fmt.Errorf("eapol: %w: AES key wrap of %d octets (want a multiple of 8, at least 16)", ErrInvalid, len(plaintext))
	}
	c, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("eapol: %w: KEK: %v", ErrInvalid, err)
	}
	out := make([]byte, 8+len(plaintext))
	copy(out[8:], plaintext)
	a := keyWrapIV
	var b [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			r := out[8*i : 8*i+8]
			copy(b[:8], a[:])
			copy(b[8:], r)
			c.Encrypt(b[:], b[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(b[:8])^t)
			copy(r, b[8:])
		}
	}
	copy(out, a[:])
	return out, nil
}

// KeyUnwrap undoes KeyWrap (RFC 3394, 2.2.2). ciphertext must be a
// multiple of 8 octets, at least 24. It fails with ErrKeyUnwrap when the
// integrity check value does not come out as A6A6A6A6A6A6A6A6, and then
// returns no plaintext.
func KeyUnwrap(kek, ciphertext []byte) ([]byte, error) {
	n := len(ciphertext)/8 - 1
	if len(ciphertext)%8 != 0 || n < 2 {
		return nil, fmt.Errorf("eapol: %w: AES key unwrap of %d octets (want a multiple of 8, at least 24)", ErrInvalid, len(ciphertext))
	}
	c, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("eapol: %w: KEK: %v", ErrInvalid, err)
	}
	out := make([]byte, 8*n)
	copy(out, ciphertext[8:])
	var a [8]byte
	copy(a[:], ciphertext[:8])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			r := out[8*(i-1) : 8*i]
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(a[:])^t)
			copy(b[8:], r)
			c.Decrypt(b[:], b[:])
			copy(a[:], b[:8])
			copy(r, b[8:])
		}
	}
	if subtle.ConstantTimeCompare(a[:], keyWrapIV[:]) != 1 {
		clear(out)
		return nil, ErrKeyUnwrap
	}
	return out, nil
}

// EncryptKeyData encodes kd's elements, pads them (PadKeyData) and wraps
// them with the KEK: the Key Data field of message 3/4 or group message 1/2
// (IEEE Std 802.11-2020, 12.7.2). kd.Padding is ignored.
func EncryptKeyData(kek []byte, kd KeyData) ([]byte, error) {
	plain, err := kd.EncodePadded()
	if err != nil {
		return nil, err
	}
	out, err := KeyWrap(kek, plain)
	clear(plain)
	return out, err
}

// DecryptKeyData unwraps an encrypted Key Data field with the KEK and parses
// the plaintext (see ParseKeyData). The parsed elements alias a new buffer.
func DecryptKeyData(kek, ciphertext []byte) (KeyData, error) {
	plain, err := KeyUnwrap(kek, ciphertext)
	if err != nil {
		return KeyData{}, err
	}
	return ParseKeyData(plain)
}

// GenerateNonce reads a 32-octet nonce (ANonce or SNonce) from r: in
// production crypto/rand.Reader, never a predictable source
// (docs/bad-input.md 4b #25).
func GenerateNonce(r io.Reader) ([NonceLen]byte, error) {
	var n [NonceLen]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return n, fmt.Errorf("eapol: reading a nonce: %w", err)
	}
	return n, nil
}

// GenerateGTK reads a GTK of n octets (16 for CCMP-128) from r, in
// production crypto/rand.Reader. The GTK is a random value
// (IEEE Std 802.11-2020, 12.7.1.5); an all-zero draw fails with ErrZeroKey.
func GenerateGTK(r io.Reader, n int) ([]byte, error) {
	if n != 16 && n != 32 {
		return nil, fmt.Errorf("eapol: %w: GTK length %d (want 16 or 32)", ErrInvalid, n)
	}
	gtk := make([]byte, n)
	if _, err := io.ReadFull(r, gtk); err != nil {
		return nil, fmt.Errorf("eapol: reading a GTK: %w", err)
	}
	if isZero(gtk) {
		return nil, ErrZeroKey
	}
	return gtk, nil
}
