package gas

import (
	"errors"
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Errors of this package. Malformed input also wraps ieee80211.ErrTruncated
// (a length runs past the input, or a mandatory field is missing) or
// ieee80211.ErrInvalid (a field holds a value the standard does not allow).
var (
	// ErrNotGAS means the frame body is not a GAS frame (another Category or
	// Public Action value).
	ErrNotGAS = errors.New("gas: not a GAS frame")
	// ErrUnsupported means a well-formed frame uses an Advertisement Protocol,
	// ANQP Info ID or vendor type that P2P service discovery does not use.
	ErrUnsupported = errors.New("gas: unsupported protocol")
	// ErrStatus means a GAS response carries a Status Code other than success.
	ErrStatus = errors.New("gas: response status is not success")
	// ErrUnexpectedFrame means the Reassembler got a response it does not
	// wait for: wrong dialog token, a Comeback Response before the Initial
	// Response, or anything after the response completed.
	ErrUnexpectedFrame = errors.New("gas: unexpected response")
	// ErrDuplicateFragment means a Comeback Response repeats the fragment the
	// Reassembler accepted last (likely a retransmission; safe to ignore).
	ErrDuplicateFragment = errors.New("gas: duplicate fragment")
	// ErrOutOfOrderFragment means a Comeback Response carries a GAS Query
	// Response Fragment ID other than the next expected one.
	ErrOutOfOrderFragment = errors.New("gas: fragment out of order")
	// ErrTooLarge means a Query Response exceeds the reassembly limit or what
	// 128 fragments can carry.
	ErrTooLarge = errors.New("gas: query response too large")
)

// Shorter local names for the shared sentinels.
var (
	errTruncated = ieee80211.ErrTruncated
	errInvalid   = ieee80211.ErrInvalid
)

// cursor reads fixed fields front to back and reports truncation with the
// field's name and offset.
type cursor struct {
	b   []byte
	off int
}

func (c *cursor) remaining() int { return len(c.b) - c.off }

func (c *cursor) need(n int, field string) error {
	if c.remaining() < n {
		return fmt.Errorf("%w: %s at offset %d needs %d octets, %d remain", errTruncated, field, c.off, n, c.remaining())
	}
	return nil
}

func (c *cursor) u8(field string) (uint8, error) {
	if err := c.need(1, field); err != nil {
		return 0, err
	}
	v := c.b[c.off]
	c.off++
	return v, nil
}

func (c *cursor) le16(field string) (uint16, error) {
	if err := c.need(2, field); err != nil {
		return 0, err
	}
	v := uint16(c.b[c.off]) | uint16(c.b[c.off+1])<<8
	c.off += 2
	return v, nil
}

func (c *cursor) bytes(n int, field string) ([]byte, error) {
	if err := c.need(n, field); err != nil {
		return nil, err
	}
	v := sub(c.b, c.off, c.off+n)
	c.off += n
	return v, nil
}

// rest returns everything not yet read (nil when nothing is left).
func (c *cursor) rest() []byte {
	v := sub(c.b, c.off, len(c.b))
	c.off = len(c.b)
	return v
}

// sub returns b[i:j] with its capacity clipped, or nil when empty, so that
// decoded values compare equal however they were produced.
func sub(b []byte, i, j int) []byte {
	if i == j {
		return nil
	}
	return b[i:j:j]
}

func appendLE16(b []byte, v uint16) []byte { return append(b, uint8(v), uint8(v>>8)) }

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
