package wsc

import "crypto/sha1"

// UUIDFromAddress derives a name-based UUID (RFC 4122, version 5, SHA-1)
// from a MAC address, as hostap derives its WSC UUID when none is
// configured.
func UUIDFromAddress(a [6]byte) UUID {
	// The namespace is hostap's uuid_gen_mac_addr one.
	ns := [16]byte{0x52, 0x64, 0x80, 0xf8, 0xc9, 0x9b, 0x4b, 0xe5, 0xa6, 0x55, 0x58, 0xed, 0x5f, 0x5d, 0x60, 0x84}
	h := sha1.New()
	h.Write(ns[:])
	h.Write(a[:])
	var u UUID
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}
