package ieee80211

import (
	"errors"
	"fmt"
)

// MAC is an IEEE 802 48-bit MAC address as carried in frames and attributes.
type MAC [6]byte

// Broadcast is the all-ones group address (IEEE Std 802.11-2020, 9.2.4.3).
var Broadcast = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// String formats the address as aa:bb:cc:dd:ee:ff.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// IsGroup reports whether the address is a group (multicast or broadcast) address.
func (m MAC) IsGroup() bool { return m[0]&0x01 != 0 }

// IsZero reports whether the address is all zeros.
func (m MAC) IsZero() bool { return m == MAC{} }

// ErrBadMAC is returned by ParseMAC for text that is not aa:bb:cc:dd:ee:ff.
var ErrBadMAC = errors.New("ieee80211: malformed MAC address")

// ParseMAC parses the aa:bb:cc:dd:ee:ff form (case-insensitive).
func ParseMAC(s string) (MAC, error) {
	var m MAC
	if len(s) != 17 {
		return m, fmt.Errorf("%w: %q", ErrBadMAC, s)
	}
	for i := range 6 {
		if i > 0 && s[i*3-1] != ':' {
			return m, fmt.Errorf("%w: %q", ErrBadMAC, s)
		}
		hi, ok1 := hexNibble(s[i*3])
		lo, ok2 := hexNibble(s[i*3+1])
		if !ok1 || !ok2 {
			return m, fmt.Errorf("%w: %q", ErrBadMAC, s)
		}
		m[i] = hi<<4 | lo
	}
	return m, nil
}

func hexNibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
