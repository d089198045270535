package wsc

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// The Diffie-Hellman exchange of the registration protocol uses the
// 1536-bit MODP group (group 5, RFC 3526 section 2) with generator 2
// (WSC 2.0.x, 7.3 "Key Derivation": "1536-bit MODP Group for
// Diffie-Hellman Exchange").

// group5PrimeHex is the prime of the 1536-bit MODP group, RFC 3526 section 2.
const group5PrimeHex = "" +
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF"

// ErrInvalidPublicKey means a Diffie-Hellman public value is outside the
// group: 0, 1, p-1, p or more, or not in the prime-order subgroup that the
// generator 2 spans.
var ErrInvalidPublicKey = errors.New("wsc: invalid Diffie-Hellman public key")

// group5 returns the prime p and the subgroup order q = (p-1)/2. They are
// built on each call so that the package holds no mutable state.
func group5() (p, q *big.Int) {
	p, _ = new(big.Int).SetString(group5PrimeHex, 16)
	q = new(big.Int).Rsh(p, 1)
	return p, q
}

// DHPrivateKey is one side's Diffie-Hellman group 5 key pair for one run of
// the registration protocol.
type DHPrivateKey struct {
	x   *big.Int
	pub PublicKey
}

// GenerateDHPrivateKey draws a private exponent from rand: 192 octets read
// as a big-endian number, drawn again in the (2^-64 likely) case that it is
// not in 2..p-2. rand must be a cryptographically secure source
// (crypto/rand.Reader in production; docs/bad-input.md 4b #25).
func GenerateDHPrivateKey(rand io.Reader) (*DHPrivateKey, error) {
	var b [PublicKeyLen]byte
	for range 8 {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return nil, fmt.Errorf("wsc: Diffie-Hellman private key: %w", err)
		}
		if k, err := NewDHPrivateKey(b[:]); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("wsc: %w: random source gives no usable Diffie-Hellman private key", ErrInvalid)
}

// NewDHPrivateKey makes a key pair from a given big-endian private exponent
// (e.g. one wpa_supplicant logged, for known-answer tests). The exponent
// must be in 2..p-2.
func NewDHPrivateKey(x []byte) (*DHPrivateKey, error) {
	p, _ := group5()
	k := new(big.Int).SetBytes(x)
	if k.Cmp(big.NewInt(2)) < 0 || k.Cmp(new(big.Int).Sub(p, big.NewInt(1))) >= 0 {
		return nil, fmt.Errorf("%w: Diffie-Hellman private exponent out of range", ErrInvalid)
	}
	y := new(big.Int).Exp(big.NewInt(2), k, p)
	d := &DHPrivateKey{x: k}
	y.FillBytes(d.pub[:])
	return d, nil
}

// PublicKey returns g^x mod p, left-padded with zeros to 192 octets.
func (k *DHPrivateKey) PublicKey() PublicKey { return k.pub }

// CheckPublicKey rejects a peer's public value that is 0, 1, p-1, p or
// more, or outside the subgroup of order q = (p-1)/2 (every honest public
// value 2^x mod p is in it, as 2 is a quadratic residue modulo this p).
func CheckPublicKey(pk PublicKey) error {
	p, q := group5()
	y := new(big.Int).SetBytes(pk[:])
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	switch {
	case y.Cmp(big.NewInt(1)) <= 0:
		return fmt.Errorf("%w: %d", ErrInvalidPublicKey, y)
	case y.Cmp(pm1) == 0:
		return fmt.Errorf("%w: p-1", ErrInvalidPublicKey)
	case y.Cmp(p) >= 0:
		return fmt.Errorf("%w: not below the prime", ErrInvalidPublicKey)
	}
	if new(big.Int).Exp(y, q, p).Cmp(big.NewInt(1)) != 0 {
		return fmt.Errorf("%w: not in the prime-order subgroup", ErrInvalidPublicKey)
	}
	return nil
}

// SharedSecret returns g^AB mod p computed from the peer's public value,
// left-padded to 192 octets, after CheckPublicKey.
func (k *DHPrivateKey) SharedSecret(peer PublicKey) ([PublicKeyLen]byte, error) {
	var s [PublicKeyLen]byte
	if err := CheckPublicKey(peer); err != nil {
		return s, err
	}
	p, _ := group5()
	y := new(big.Int).SetBytes(peer[:])
	new(big.Int).Exp(y, k.x, p).FillBytes(s[:])
	return s, nil
}

// DHKey returns DHKey = SHA-256(g^AB mod p) (WSC 2.0.x, 7.3 "Key
// Derivation"), the shared secret taken as 192 octets.
func (k *DHPrivateKey) DHKey(peer PublicKey) ([32]byte, error) {
	s, err := k.SharedSecret(peer)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(s[:]), nil
}
