package p2pmsg

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// mgmtHeaderLen is the 802.11 management frame header (no HT Control).
const mgmtHeaderLen = 24

// readTestdata returns a file of testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading test vector: %v", err)
	}
	return b
}

// unhex decodes hex written with optional spaces.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// attr builds one raw P2P attribute.
func attr(id AttributeID, body ...byte) []byte {
	b := []byte{uint8(id), 0, 0}
	binary.LittleEndian.PutUint16(b[1:], uint16(len(body)))
	return append(b, body...)
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// p2pIE wraps an attribute payload in one P2P IE element (payload <= 251).
func p2pIE(payload []byte) []byte {
	return ieee80211.AppendVendor(nil, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, payload)
}

// publicActionHeader is Category, Action, WFA OUI, OUI type 9, subtype, token.
func publicActionHeader(sub PublicActionSubtype, token uint8) []byte {
	return []byte{4, 9, 0x50, 0x6f, 0x9a, 9, uint8(sub), token}
}

// deviceInfoBody builds a P2P Device Info body as hostap's test helper
// p2p_attr_device_info does (primary type 00010050F2040001, no secondary).
func deviceInfoBody(addr ieee80211.MAC, configMethods uint16, name string) []byte {
	b := append([]byte{}, addr[:]...)
	b = binary.BigEndian.AppendUint16(b, configMethods)
	b = append(b, 0x00, 0x01, 0x00, 0x50, 0xf2, 0x04, 0x00, 0x01, 0)
	b = binary.BigEndian.AppendUint16(b, 0x1011)
	b = binary.BigEndian.AppendUint16(b, uint16(len(name)))
	return append(b, name...)
}

// xx4 is the country string hostap uses ("XX" + 0x04, global operating classes).
var xx4 = [3]byte{'X', 'X', 0x04}

// channelList11 is a Channel List body: XX\x04, class 81, channels 1..11.
func channelList11() []byte {
	return []byte{'X', 'X', 4, 81, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
}

// roundTripAttributes checks that payload decodes and re-encodes exactly.
func roundTripAttributes(t *testing.T, payload []byte) *Attributes {
	t.Helper()
	a, err := ParseAttributes(payload)
	if err != nil {
		t.Fatalf("ParseAttributes: %v", err)
	}
	got, err := a.Append(nil)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if string(got) != string(payload) {
		t.Fatalf("re-encoded attributes differ:\n got %x\nwant %x", got, payload)
	}
	return a
}
