package nl80211

import (
	"encoding/binary"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Limits of nl80211's crypto settings (NL80211_MAX_NR_CIPHER_SUITES and
// the default max_num_akm_suites, NL80211_MAX_NR_AKM_SUITES).
const (
	maxPairwiseSuites = 5
	maxAKMSuites      = 2
)

// findRSN decodes the first RSN element of ies (IEEE Std 802.11-2020,
// 9.4.2.24); false when there is none or it does not decode.
func findRSN(ies []byte) (ieee80211.RSN, bool) {
	elems, err := ieee80211.ParseElements(ies)
	if err != nil {
		return ieee80211.RSN{}, false
	}
	for _, e := range elems {
		if e.ID == ieee80211.ElemRSN {
			r, err := ieee80211.DecodeRSN(e.Data)
			return r, err == nil
		}
	}
	return ieee80211.RSN{}, false
}

// putCrypto adds nl80211's crypto settings for an RSN (WPA2) BSS:
// NL80211_ATTR_WPA_VERSIONS, NL80211_ATTR_CIPHER_SUITE_GROUP,
// NL80211_ATTR_CIPHER_SUITES_PAIRWISE, NL80211_ATTR_AKM_SUITES. nl80211
// takes suite selectors as OUI<<8|type, as ieee80211.Suite holds them.
func putCrypto(ae *netlink.AttributeEncoder, r ieee80211.RSN) {
	ae.Uint32(unix.NL80211_ATTR_WPA_VERSIONS, unix.NL80211_WPA_VERSION_2)
	if r.Fields >= ieee80211.RSNThroughGroupDataCipher {
		ae.Uint32(unix.NL80211_ATTR_CIPHER_SUITE_GROUP, uint32(r.GroupDataCipher))
	}
	if len(r.PairwiseCiphers) > 0 {
		ae.Bytes(unix.NL80211_ATTR_CIPHER_SUITES_PAIRWISE, suiteArray(r.PairwiseCiphers[:min(len(r.PairwiseCiphers), maxPairwiseSuites)]))
	}
	if len(r.AKMs) > 0 {
		ae.Bytes(unix.NL80211_ATTR_AKM_SUITES, suiteArray(r.AKMs[:min(len(r.AKMs), maxAKMSuites)]))
	}
}

// suiteArray packs selectors as the kernel's u32 arrays (host order).
func suiteArray(v []ieee80211.Suite) []byte {
	b := make([]byte, 4*len(v))
	for k, x := range v {
		binary.NativeEndian.PutUint32(b[4*k:], uint32(x))
	}
	return b
}
