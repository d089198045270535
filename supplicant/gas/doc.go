// Package gas encodes and decodes the Generic Advertisement Service (GAS)
// Public Action frames (IEEE Std 802.11-2020, 9.6.7.12 to 9.6.7.15), the
// Advertisement Protocol element (9.4.2.93), ANQP elements (9.4.5) and the
// Wi-Fi P2P service discovery carried in the ANQP vendor-specific element
// (Wi-Fi P2P Technical Specification v1.7, 3.1.3 and 4.2.10).
//
// It also splits a long Query Response into GAS Comeback Response fragments
// and reassembles them (Reassembler). The package is pure: no I/O, no timers,
// no logging. The caller owns dialog tokens, timeouts and retransmissions.
//
// Every decoder is total: malformed input returns an error wrapping one of the
// sentinel errors (ieee80211.ErrTruncated, ieee80211.ErrInvalid, or this
// package's ErrNotGAS, ErrUnsupported, ...), never panics, never reads out of
// bounds and never allocates more than its input justifies. Decoded byte
// slices alias the input buffer unless a function says otherwise. Encoding a
// decoded value gives back the input byte for byte.
package gas
