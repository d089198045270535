// Package ieee80211 encodes and decodes the IEEE 802.11 management frames and
// information elements that Wi-Fi P2P uses (IEEE Std 802.11-2020, clause 9).
//
// DecodeMgmt splits a management frame into its Header and body bytes;
// DecodeBody (or Decode<Name>: DecodeBeacon, DecodeProbeReq, DecodeAuth,
// DecodeAction...) decodes the body by subtype into a value whose Append
// method re-encodes it byte for byte. Bodies keep their elements as
// Elements, undecoded; the typed element decoders (DecodeSSID,
// DecodeSupportedRates, DecodeRSN, DecodeVendorSpecific...) check and
// decode the ones a caller needs. Decoded values alias the input buffer.
//
// Every decoder is total: it returns an error for malformed input and never
// panics, reads out of bounds or allocates more than its input justifies.
// Errors wrap ErrTruncated or ErrInvalid. The package does no I/O and no
// logging.
package ieee80211
