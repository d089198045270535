package wsc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func publicKeyOf(t *testing.T, v *big.Int) PublicKey {
	t.Helper()
	var pk PublicKey
	if v.Sign() < 0 || len(v.Bytes()) > PublicKeyLen {
		t.Fatalf("%v does not fit 192 octets", v)
	}
	v.FillBytes(pk[:])
	return pk
}

func TestCheckPublicKeyRejectsValuesOutsideTheGroup(t *testing.T) {
	p, _ := group5()
	tests := []struct {
		name string
		v    *big.Int
	}{
		{"0", big.NewInt(0)},
		{"1", big.NewInt(1)},
		{"p-1", new(big.Int).Sub(p, big.NewInt(1))},
		{"p", p},
		{"p+1", new(big.Int).Add(p, big.NewInt(1))},
		{"2^1536-1", new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 1536), big.NewInt(1))},
		// -1 is not a square modulo p: outside the subgroup of order q.
		{"a non-residue", new(big.Int).Sub(p, big.NewInt(2))},
	}
	k, err := GenerateDHPrivateKey(seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pk := publicKeyOf(t, tc.v)
			if err := CheckPublicKey(pk); !errors.Is(err, ErrInvalidPublicKey) {
				t.Errorf("CheckPublicKey: %v, want ErrInvalidPublicKey", err)
			}
			if _, err := k.DHKey(pk); !errors.Is(err, ErrInvalidPublicKey) {
				t.Errorf("DHKey: %v, want ErrInvalidPublicKey", err)
			}
		})
	}
	for _, v := range []*big.Int{big.NewInt(2), big.NewInt(4)} {
		if err := CheckPublicKey(publicKeyOf(t, v)); err != nil {
			t.Errorf("CheckPublicKey(%v): %v", v, err)
		}
	}
}

func TestDiffieHellmanAgreesAndPadsTo192Octets(t *testing.T) {
	a, err := GenerateDHPrivateKey(seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateDHPrivateKey(seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	ka, err1 := a.DHKey(b.PublicKey())
	kb, err2 := b.DHKey(a.PublicKey())
	if err1 != nil || err2 != nil || ka != kb {
		t.Errorf("DHKey %x, %v and %x, %v", ka, err1, kb, err2)
	}
	// A small exponent gives a public value with leading zero octets.
	small, err := NewDHPrivateKey([]byte{100})
	if err != nil {
		t.Fatal(err)
	}
	want := publicKeyOf(t, new(big.Int).Lsh(big.NewInt(1), 100))
	if small.PublicKey() != want {
		t.Errorf("2^100: %x", small.PublicKey())
	}
}

func TestNewDHPrivateKeyRejectsExponentsOutOfRange(t *testing.T) {
	p, _ := group5()
	for _, x := range [][]byte{nil, {0}, {1}, new(big.Int).Sub(p, big.NewInt(1)).Bytes(), p.Bytes()} {
		if _, err := NewDHPrivateKey(x); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewDHPrivateKey(%x): %v, want ErrInvalid", x, err)
		}
	}
}

// TestKDFSplitsIntoAuthKeyKeyWrapKeyAndEMSK checks the key derivation
// function on a value computed by hand from its definition (WSC 2.0.x,
// 7.4); the captures check it against wpa_supplicant.
func TestKDFSplitsIntoAuthKeyKeyWrapKeyAndEMSK(t *testing.T) {
	var kdk [32]byte
	for i := range kdk {
		kdk[i] = byte(i)
	}
	out := KDF(kdk[:], KDFLabel, 640)
	if len(out) != 80 {
		t.Fatalf("%d octets, want 80", len(out))
	}
	k := DeriveSessionKeys(kdk)
	if !bytes.Equal(k.AuthKey[:], out[:32]) || !bytes.Equal(k.KeyWrapKey[:], out[32:48]) || !bytes.Equal(k.EMSK[:], out[48:]) {
		t.Errorf("DeriveSessionKeys does not split KDF's 640 bits in order")
	}
	// The total length enters every block, so a shorter output is not a
	// prefix of a longer one.
	if bytes.Equal(KDF(kdk[:], KDFLabel, 256), out[:32]) {
		t.Errorf("KDF(256) is a prefix of KDF(640)")
	}
}

func TestDevicePasswordPSKsSplitThePasswordInHalves(t *testing.T) {
	ak := [AuthKeyLen]byte{1, 2, 3}
	psk := func(half string) [PSKLen]byte {
		m := hmac.New(sha256.New, ak[:])
		m.Write([]byte(half))
		return [PSKLen]byte(m.Sum(nil))
	}
	tests := []struct{ pw, first, second string }{
		{"12345670", "1234", "5670"},
		{"1234", "12", "34"},
		{"1234567", "1234", "567"}, // odd: the first half takes the extra digit
		{PushButtonPassword, "0000", "0000"},
	}
	for _, tc := range tests {
		p1, p2 := DevicePasswordPSKs(ak, []byte(tc.pw))
		if p1 != psk(tc.first) || p2 != psk(tc.second) {
			t.Errorf("%q: PSK1, PSK2 are not of %q and %q", tc.pw, tc.first, tc.second)
		}
	}
}

func sessionKeys() SessionKeys {
	var kdk [32]byte
	kdk[0] = 9
	return DeriveSessionKeys(kdk)
}

func TestEncryptedSettingsRoundTrip(t *testing.T) {
	keys := sessionKeys()
	plain, err := Encode(&M5Settings{ESNonce1: Nonce{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	es, err := EncryptSettings(keys, plain, seeded(4))
	if err != nil {
		t.Fatal(err)
	}
	if len(es.Ciphertext) != 48 { // 20 + 12 octets of attributes, then a whole block of padding
		t.Errorf("ciphertext of %d octets, want 48", len(es.Ciphertext))
	}
	got, err := DecryptSettings(keys, es)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Decode[M5Settings](got)
	if err != nil || s.ESNonce1 != (Nonce{1, 2, 3}) {
		t.Errorf("decrypted %+v, %v", s, err)
	}
	covered, kwa, _ := SplitKeyWrapAuthenticator(got)
	if kwa != ComputeKeyWrapAuthenticator(keys.AuthKey, covered) {
		t.Errorf("Key Wrap Authenticator not set")
	}
}

// encryptRaw encrypts arbitrary padded plaintext, for bad-padding tests.
func encryptRaw(t *testing.T, keys SessionKeys, padded []byte) EncryptedSettings {
	t.Helper()
	block, err := aes.NewCipher(keys.KeyWrapKey[:])
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(padded))
	var iv [16]byte
	cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(out, padded)
	return EncryptedSettings{IV: iv, Ciphertext: out}
}

func TestDecryptSettingsRejectsBadPaddingAndKeyWrapAuthenticators(t *testing.T) {
	keys := sessionKeys()
	plain, _ := Encode(&M5Settings{ESNonce1: Nonce{7}})
	good, err := EncryptSettingsIV(keys, plain, [16]byte{})
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := DecryptSettings(keys, good)
	withPad := func(pad []byte) []byte { return append(bytes.Clone(sealed), pad...) }
	tests := []struct {
		name string
		es   EncryptedSettings
		want error
	}{
		{"padding octet 0", encryptRaw(t, keys, withPad(append(bytes.Repeat([]byte{16}, 15), 0))), ErrDecryption},
		{"padding octet 17", encryptRaw(t, keys, withPad(bytes.Repeat([]byte{17}, 16))), ErrDecryption},
		{"inconsistent padding", encryptRaw(t, keys, withPad(append(bytes.Repeat([]byte{16}, 14), 3, 16))), ErrDecryption},
		{"empty ciphertext", EncryptedSettings{}, ErrDecryption},
		{"partial block", EncryptedSettings{Ciphertext: make([]byte, 17)}, ErrDecryption},
		{"wrong Key Wrap Authenticator", func() EncryptedSettings {
			b := withPad(bytes.Repeat([]byte{16}, 16))
			b[len(sealed)-1] ^= 1
			return encryptRaw(t, keys, b)
		}(), ErrKeyWrapAuthenticator},
		{"other keys", func() EncryptedSettings {
			k := keys
			k.AuthKey[0] ^= 1
			es, _ := EncryptSettingsIV(k, plain, [16]byte{})
			return es
		}(), ErrKeyWrapAuthenticator},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecryptSettings(keys, tc.es); !errors.Is(err, tc.want) {
				t.Errorf("DecryptSettings: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyAuthenticatorCoversThePreviousMessage(t *testing.T) {
	keys := sessionKeys()
	prev := []byte("M1 octets")
	m3 := &M3{RegistrarNonce: Nonce{1}, VendorExtensions: wfaVendorExtension(false)}
	b, err := seal(m3, keys.AuthKey, prev)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAuthenticator(keys.AuthKey, prev, b); err != nil {
		t.Errorf("VerifyAuthenticator: %v", err)
	}
	if err := VerifyAuthenticator(keys.AuthKey, []byte("M1 octetz"), b); !errors.Is(err, ErrAuthenticator) {
		t.Errorf("another previous message: %v, want ErrAuthenticator", err)
	}
	noAuth, _ := Encode(&WSCDone{})
	if err := VerifyAuthenticator(keys.AuthKey, prev, noAuth); !errors.Is(err, ErrMissing) {
		t.Errorf("a message without Authenticator: %v, want ErrMissing", err)
	}
}

func TestGroup5PrimeIsRFC3526(t *testing.T) {
	p, q := group5()
	if p.BitLen() != 1536 || !p.ProbablyPrime(20) || !q.ProbablyPrime(20) {
		t.Errorf("p is not a 1536-bit safe prime")
	}
	// RFC 3526: p = 2^1536 - 2^1472 - 1 + 2^64 * { [2^1406 pi] + 741804 }.
	// Check the closed form's low and high words instead of pi.
	if got := hex.EncodeToString(p.Bytes()[:8]); got != "ffffffffffffffff" {
		t.Errorf("high word %s", got)
	}
	if diff := cmp.Diff("ffffffffffffffff", hex.EncodeToString(p.Bytes()[PublicKeyLen-8:])); diff != "" {
		t.Errorf("low word (-want +got):\n%s", diff)
	}
}
