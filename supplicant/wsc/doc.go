// Package wsc encodes and decodes Wi-Fi Simple Configuration (WSC, "WPS")
// attributes and messages: the WSC IE carried in Beacon, Probe Request and
// Probe Response frames, the registration protocol messages M1..M8, M2D,
// WSC_ACK, WSC_NACK and WSC_Done, the plaintext of their Encrypted Settings,
// and Credentials (Wi-Fi Simple Configuration Technical Specification v2.0.x,
// clause 8 "Message encoding" and clause 12 "Data Element Definitions").
//
// The codec (see Layers) does no I/O and keeps no state. On
// top of it the package has the registration protocol's cryptography
// (dh.go, keys.go: Diffie-Hellman group 5, DHKey, KDK, the key derivation
// function, Authenticator, PSK1/PSK2, E-Hash/R-Hash, Encrypted Settings
// with their Key Wrap Authenticator), the pure state machines Enrollee and
// Registrar (machine.go, enrollee.go, registrar.go), the EAP-WSC transport
// around them, EAPPeer for the P2P Client and EAPServer for the GO
// (eapwsc.go), and the PIN lockout and push button overlap detection
// (lockout.go). The machines take events and return actions; every random
// value comes from the io.Reader they are configured with.
//
// # Layers
//
// ParseAttributes and AppendAttributes handle the type-length-value layer
// (2-octet type, 2-octet length, both big-endian). Typed containers (the
// message structs, the Encrypted Settings contents, Credential) are decoded
// with Decode or DecodeMessage and encoded with their Append method.
//
// # Round trip
//
// Every container embeds Wire. Decoding records the attribute types in wire
// order (Wire.Order) and keeps the attributes the container does not
// interpret (Wire.Unknown), so that decoding then encoding gives back the
// input octet for octet. A container built in code (Order nil) is encoded in
// the order of the specification's message tables; fields set after decoding
// that the original did not carry are appended in that order too.
//
// # Strictness
//
// Decoders reject, with an error wrapping ErrTruncated, ErrInvalid or
// ErrMissing: attributes that overrun the input or leave trailing octets;
// known attributes with a length the specification does not allow (for
// example a Public Key that is not exactly 192 octets, where hostap
// tolerates 190 or 191); text longer than its limit (Device Name > 32,
// Manufacturer > 64, ...); Boolean attributes other than 0 or 1; a repeated
// attribute that may occur only once; a missing mandatory attribute; a
// Credential whose Network Key holds control characters. hostap's workaround
// for trailing zero padding after M1 is not copied as such: zero octets in
// whole 4-octet units parse as attributes of type 0 with no value and are
// kept as unknown attributes (so such padding still round-trips, in O(n));
// any other tail is an error. hostap's workaround for an extra octet after
// a Network Key is not copied either.
//
// Byte slices in decoded values alias the input buffer.
package wsc
