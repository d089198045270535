// Package vectors serves the frames captured from real wpa_supplicant peers
// (see testdata/README.md and capture.sh) to the codec tests.
//
// Captures are classic pcap files with radiotap (linktype 127) or raw 802.11
// (linktype 105) records, taken on a mac80211_hwsim monitor interface.
package vectors

import (
	"embed"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/p2pmanager/p2pmanager/internal/pcap"
)

//go:embed testdata
var files embed.FS

// Frame is one captured 802.11 frame.
type Frame = pcap.Frame

// Names lists the captures (file names ending in .pcap) in sorted order.
func Names() ([]string, error) {
	ents, err := fs.ReadDir(files, "testdata")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".pcap") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// NamesOrSkip is Names for a test: with no captures it skips the test, or
// fails it when the environment sets P2P_REQUIRE_VECTORS=1 (as
// scripts/test.sh does, so that lost captures cannot pass unnoticed).
func NamesOrSkip(t testing.TB) []string {
	t.Helper()
	names, err := Names()
	if err != nil {
		t.Fatalf("vectors: %v", err)
	}
	if len(names) == 0 {
		if os.Getenv("P2P_REQUIRE_VECTORS") == "1" {
			t.Fatal("no captures under supplicant/internal/vectors/testdata and P2P_REQUIRE_VECTORS=1")
		}
		t.Skip("no captures under supplicant/internal/vectors/testdata (set P2P_REQUIRE_VECTORS=1 to fail instead)")
	}
	return names
}

// File returns the bytes of another file under testdata (metadata, logs).
func File(name string) ([]byte, error) {
	return files.ReadFile(path.Join("testdata", name))
}

// Load reads every frame of one capture.
func Load(name string) ([]Frame, error) {
	b, err := files.ReadFile(path.Join("testdata", name))
	if err != nil {
		return nil, err
	}
	frames, err := pcap.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("vectors: %s: %w", name, err)
	}
	return frames, nil
}

// EAPOL returns the EAPOL frame (IEEE Std 802.1X-2020, 11.3) carried in an
// 802.11 data frame with an LLC/SNAP header of EtherType 0x888e.
func EAPOL(data []byte) ([]byte, bool) {
	if len(data) < 24 {
		return nil, false
	}
	fc := binary.LittleEndian.Uint16(data)
	if (fc>>2)&3 != 2 { // not a data frame
		return nil, false
	}
	hdr := 24
	if fc&0x0300 == 0x0300 { // ToDS and FromDS: four addresses
		hdr += 6
	}
	if (fc>>4)&0x8 != 0 { // QoS subtypes carry QoS Control
		hdr += 2
	}
	if fc&0x8000 != 0 { // +HTC
		hdr += 4
	}
	if fc&0x4000 != 0 { // protected: not an EAPOL frame we can read
		return nil, false
	}
	snap := []byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x88, 0x8e}
	if len(data) < hdr+len(snap) || string(data[hdr:hdr+len(snap)]) != string(snap) {
		return nil, false
	}
	return data[hdr+len(snap):], true
}
