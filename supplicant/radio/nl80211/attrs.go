package nl80211

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// ErrMalformed is returned for a kernel message this package cannot read: an
// attribute of the wrong size, or attributes that overrun their message.
var ErrMalformed = errors.New("nl80211: malformed message")

// attrs is one level of netlink attributes by type (the last one wins, as
// in the kernel's nla_parse). Values alias the message.
type attrs map[uint16][]byte

// parseAttrs reads one level of attributes.
func parseAttrs(b []byte) (attrs, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	a := make(attrs, ad.Len())
	for ad.Next() {
		a[ad.Type()] = rawData(ad)
	}
	if err := ad.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return a, nil
}

// rawData returns the current attribute's data without copying it.
func rawData(ad *netlink.AttributeDecoder) []byte {
	var out []byte
	ad.Do(func(b []byte) error {
		out = b
		return nil
	})
	return out
}

func (a attrs) has(t uint16) bool {
	_, ok := a[t]
	return ok
}

// bytes returns a copy of an attribute's data, nil when absent.
func (a attrs) bytes(t uint16) []byte {
	v, ok := a[t]
	if !ok {
		return nil
	}
	return append([]byte{}, v...)
}

func (a attrs) u8(t uint16) (uint8, error) {
	v, ok := a[t]
	if !ok {
		return 0, nil
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("%w: attribute %d has %d octets, want 1", ErrMalformed, t, len(v))
	}
	return v[0], nil
}

func (a attrs) u16(t uint16) (uint16, error) {
	v, ok := a[t]
	if !ok {
		return 0, nil
	}
	if len(v) != 2 {
		return 0, fmt.Errorf("%w: attribute %d has %d octets, want 2", ErrMalformed, t, len(v))
	}
	return binary.NativeEndian.Uint16(v), nil
}

func (a attrs) u32(t uint16) (uint32, error) {
	v, ok := a[t]
	if !ok {
		return 0, nil
	}
	if len(v) != 4 {
		return 0, fmt.Errorf("%w: attribute %d has %d octets, want 4", ErrMalformed, t, len(v))
	}
	return binary.NativeEndian.Uint32(v), nil
}

func (a attrs) u64(t uint16) (uint64, error) {
	v, ok := a[t]
	if !ok {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: attribute %d has %d octets, want 8", ErrMalformed, t, len(v))
	}
	return binary.NativeEndian.Uint64(v), nil
}

func (a attrs) mac(t uint16) (ieee80211.MAC, error) {
	var m ieee80211.MAC
	v, ok := a[t]
	if !ok {
		return m, nil
	}
	if len(v) != 6 {
		return m, fmt.Errorf("%w: address attribute %d has %d octets", ErrMalformed, t, len(v))
	}
	copy(m[:], v)
	return m, nil
}

// reader collects the first error of a run of attribute reads, so that a
// decoder reads every field and checks once.
type reader struct {
	a   attrs
	err error
}

func (r *reader) keep(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) u8(t uint16) uint8 {
	v, err := r.a.u8(t)
	r.keep(err)
	return v
}

func (r *reader) u16(t uint16) uint16 {
	v, err := r.a.u16(t)
	r.keep(err)
	return v
}

func (r *reader) u32(t uint16) uint32 {
	v, err := r.a.u32(t)
	r.keep(err)
	return v
}

func (r *reader) u64(t uint16) uint64 {
	v, err := r.a.u64(t)
	r.keep(err)
	return v
}

func (r *reader) mac(t uint16) ieee80211.MAC {
	v, err := r.a.mac(t)
	r.keep(err)
	return v
}

// flag reads a flag attribute: present with no data.
func (r *reader) flag(t uint16) bool {
	v, ok := r.a[t]
	if ok && len(v) != 0 {
		r.keep(fmt.Errorf("%w: flag attribute %d has %d octets", ErrMalformed, t, len(v)))
		return false
	}
	return ok
}

// encode builds a request's attributes.
func encode(fn func(ae *netlink.AttributeEncoder)) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	fn(ae)
	return ae.Encode()
}
