// Package eapol encodes and decodes EAPOL PDUs (IEEE Std 802.1X-2020,
// clause 11), the EAPOL-Key frames of the 4-way and group key handshakes
// (IEEE Std 802.11-2020, 12.7.2) and the elements and KDEs of their Key Data
// field (12.7.2, Table 12-10), including the Wi-Fi P2P IP address allocation
// KDEs (Wi-Fi P2P Technical Specification v1.7, 4.2.8).
//
// The package holds the codecs and the message checks a handshake state
// machine needs before it trusts a frame: [Key.Classify] names the message
// (1/4 … 4/4, group 1/2 and 2/2, request) from the Key Information bits and
// reports field values the standard does not allow, and [MICInput] gives the
// octets the Key MIC is computed over.
//
// On top of the codecs sit the WPA2-PSK key management of a Wi-Fi P2P group
// (IEEE Std 802.11-2020, 12.7): the key hierarchy ([PMKFromPassphrase], [PRF],
// [DerivePTK], the HMAC-SHA1-128 Key MIC, the RFC 3394 AES key wrap of the
// Key Data) and two pure, event-driven state machines, [Supplicant] for a P2P
// Client and [Authenticator] for a GO (one per client), whose Handle method
// turns an [Event] into [Action]s the caller carries out.
//
// Every decoder is total: malformed input returns an error wrapping
// [ErrTruncated] or [ErrInvalid] and never panics, reads out of bounds or
// allocates more than its input justifies. Decoded values alias the input
// buffer. Encoding a decoded value gives back the input octet for octet,
// including reserved bits, unknown elements, padding after the Key Data
// elements and octets after the EAPOL packet body. The package does no I/O.
package eapol
