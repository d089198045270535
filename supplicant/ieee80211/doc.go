// Package ieee80211 encodes and decodes the IEEE 802.11 management frames and
// information elements that Wi-Fi P2P uses (IEEE Std 802.11-2020, clause 9).
//
// Every decoder is total: it returns an error for malformed input and never
// panics, reads out of bounds or allocates more than its input justifies.
// The package does no I/O and no logging.
package ieee80211
