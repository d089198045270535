package wsc

import "fmt"

// PINChecksum returns the checksum digit of a 7-digit PIN prefix
// (0..9999999) (WSC 2.0.x, 7.4, PIN checksum): the digits
// from the right are weighted 3, 1, 3, ... and the checksum brings the sum
// to a multiple of 10.
func PINChecksum(prefix uint32) uint8 {
	var sum uint32
	for p := prefix; p > 0; {
		sum += 3 * (p % 10)
		p /= 10
		sum += p % 10
		p /= 10
	}
	return uint8((10 - sum%10) % 10)
}

// PINFromPrefix returns the 8-digit PIN made of a 7-digit prefix (taken
// modulo 10^7) and its checksum, with leading zeros.
func PINFromPrefix(prefix uint32) string {
	prefix %= 10000000
	return fmt.Sprintf("%07d%d", prefix, PINChecksum(prefix))
}

// ValidatePIN checks a device PIN as WSC allows it: 8 decimal digits whose
// last is the checksum of the first 7, or 4 decimal digits (no checksum).
// Separators are not accepted; strip them before.
func ValidatePIN(pin string) error {
	if len(pin) != 4 && len(pin) != 8 {
		return fmt.Errorf("%w: PIN of %d characters, want 4 or 8 digits", ErrInvalid, len(pin))
	}
	var n uint32
	for i := 0; i < len(pin); i++ {
		c := pin[i]
		if c < '0' || c > '9' {
			return fmt.Errorf("%w: PIN holds a non-digit at position %d", ErrInvalid, i)
		}
		n = n*10 + uint32(c-'0')
	}
	if len(pin) == 8 && PINChecksum(n/10) != uint8(n%10) {
		return fmt.Errorf("%w: PIN checksum digit %d, want %d", ErrInvalid, n%10, PINChecksum(n/10))
	}
	return nil
}
