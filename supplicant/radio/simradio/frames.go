package simradio

import (
	"encoding/binary"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Frame layouts the simulated radio itself builds and parses
// (IEEE Std 802.11-2020, 9.3.3). Offsets are from Frame Control.
const (
	hdrLen        = ieee80211.MgmtHeaderLen // 24
	beaconFixed   = 12                      // Timestamp, Beacon Interval, Capability (9.3.3.2)
	authFixed     = 6                       // Algorithm, Transaction Sequence, Status (9.3.3.11)
	assocReqFixed = 4                       // Capability, Listen Interval (9.3.3.5)
	assocRspFixed = 6                       // Capability, Status, AID (9.3.3.6)

	categoryPublic = 4 // Public Action (9.4.1.11, Table 9-51)

	capESS     = 0x0001 // Capability Information bits (9.4.1.4)
	capPrivacy = 0x0010

	authOpenSystem = 0 // Authentication Algorithm Number (9.4.1.1)

	// Reason codes (9.4.1.7, Table 9-49).
	reasonDeauthLeaving      = 3
	reasonDisassocInactivity = 4
	// Status codes (9.4.1.9, Table 9-50).
	statusUnspecifiedFailure = 1
)

// p2pWildcardSSID is the P2P Wildcard SSID (Wi-Fi P2P Technical
// Specification v1.7, 2.4.1 and 3.2.1): a probe request carrying it asks
// every P2P group owner (SSID "DIRECT-xy...") to answer.
var p2pWildcardSSID = []byte("DIRECT-")

// mgmtHeader is the part of a management frame header the medium looks at.
type mgmtHeader struct {
	subtype             uint8
	addr1, addr2, addr3 ieee80211.MAC
}

// parseMgmt reads the header of a management frame; ok is false for
// anything else or a frame shorter than its header.
func parseMgmt(f []byte) (h mgmtHeader, body []byte, ok bool) {
	if len(f) < hdrLen || f[0]&0x03 != 0 || f[0]>>2&0x03 != ieee80211.TypeManagement {
		return h, nil, false
	}
	h.subtype = f[0] >> 4
	copy(h.addr1[:], f[4:10])
	copy(h.addr2[:], f[10:16])
	copy(h.addr3[:], f[16:22])
	n := hdrLen
	if f[1]&0x80 != 0 { // +HTC
		n += 4
		if len(f) < n {
			return h, nil, false
		}
	}
	return h, f[n:], true
}

// isPublicAction reports whether a management frame is a Public Action
// frame (the frames P2P negotiation uses).
func isPublicAction(h mgmtHeader, body []byte) bool {
	return h.subtype == ieee80211.SubtypeAction && len(body) > 0 && body[0] == categoryPublic
}

// appendHeader appends a management frame header (9.3.3.2) with a zero
// Duration and the given sequence number.
func appendHeader(b []byte, subtype uint8, a1, a2, a3 ieee80211.MAC, seq uint16) []byte {
	b = append(b, subtype<<4|ieee80211.TypeManagement<<2, 0, 0, 0)
	b = append(b, a1[:]...)
	b = append(b, a2[:]...)
	b = append(b, a3[:]...)
	return binary.LittleEndian.AppendUint16(b, seq<<4)
}

// Supported Rates and Extended Supported Rates in 500 kb/s units, with
// the basic-rate bit on the mandatory ones (9.4.2.3).
var (
	ratesCCK       = []byte{0x82, 0x84, 0x8b, 0x96}                         // 1, 2, 5.5, 11 Mb/s
	ratesOFDM      = []byte{0x0c, 0x12, 0x18, 0x24, 0x30, 0x48, 0x60, 0x6c} // 6..54 Mb/s
	ratesOFDMBasic = []byte{0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c}
)

// appendRates appends Supported Rates (and Extended Supported Rates on
// 2.4 GHz with CCK) for a frame sent on freq. noCCK leaves out the 802.11b
// rates, as P2P requires (Wi-Fi P2P Technical Specification v1.7, 2.4.1).
func appendRates(b []byte, freq int, noCCK bool) []byte {
	if freq < 5000 && !noCCK {
		b = append(b, ieee80211.ElemSupportedRates, byte(len(ratesCCK)+4))
		b = append(b, ratesCCK...)
		b = append(b, ratesOFDM[:4]...)
		b = append(b, ieee80211.ElemExtSupportedRates, byte(len(ratesOFDM)-4))
		return append(b, ratesOFDM[4:]...)
	}
	b = append(b, ieee80211.ElemSupportedRates, byte(len(ratesOFDMBasic)))
	return append(b, ratesOFDMBasic...)
}

// appendSSID appends an SSID element; ssid is at most 32 octets (checked
// by callers).
func appendSSID(b []byte, ssid []byte) []byte {
	b = append(b, ieee80211.ElemSSID, byte(len(ssid)))
	return append(b, ssid...)
}

// findElement returns the body of the first element with this ID in a
// sequence of elements, tolerating a malformed tail.
func findElement(ies []byte, id uint8) ([]byte, bool) {
	for len(ies) >= 2 {
		n := int(ies[1])
		if len(ies) < 2+n {
			return nil, false
		}
		if ies[0] == id {
			return ies[2 : 2+n], true
		}
		ies = ies[2+n:]
	}
	return nil, false
}

// channelNumber is the IEEE channel number of a 2.4 or 5 GHz frequency.
func channelNumber(freq int) int {
	switch {
	case freq == 2484:
		return 14
	case freq >= 2412 && freq < 2484:
		return (freq - 2407) / 5
	case freq >= 5000 && freq < 5900:
		return (freq - 5000) / 5
	}
	return 0
}

func u16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }

// cloneBytes copies b (nil stays nil).
func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
