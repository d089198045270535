// Package p2pmsg encodes and decodes the Wi-Fi Peer-to-Peer messages of the
// Wi-Fi P2P Technical Specification v1.7, clause 4: the P2P attributes
// (4.1), the P2P IE that carries them (possibly split over several
// vendor-specific elements), the P2P Public Action frames (4.2.9) and the
// P2P Action frames (4.2.10). It also decodes the WFD IE of the Wi-Fi
// Display Technical Specification (5.1), which P2P frames carry.
//
// Decoders are total: malformed input yields an error that wraps
// ieee80211.ErrTruncated (a length or count announces more octets than
// remain, or a required part is cut off) or ieee80211.ErrInvalid (a length
// or value the specification does not allow), never a panic; callers treat
// both as "drop the frame". Frames that are well formed but are not P2P
// frames yield ErrNotP2P. Byte slices in decoded values alias the input.
//
// Encoding a decoded value gives back the input byte for byte: unknown and
// vendor-specific attributes and subelements are kept raw, and the order of
// attributes is remembered (Attributes.Order, WFD.Order). Values built from
// scratch leave Order empty and are encoded in attribute ID order.
//
// The Validate* functions check the mandatory attributes of each frame
// subtype; they are pure and leave the protocol decisions (which status to
// answer with, whether to ignore) to the caller.
package p2pmsg
