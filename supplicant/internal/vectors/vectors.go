// Package vectors serves the frames captured from real wpa_supplicant peers
// (see testdata/README.md and capture.sh) to the codec tests.
//
// Captures are classic pcap files with radiotap (linktype 127) or raw 802.11
// (linktype 105) records, taken on a mac80211_hwsim monitor interface.
package vectors

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed testdata
var files embed.FS

// Frame is one captured 802.11 frame.
type Frame struct {
	Index int       // position in the capture, from 0
	Time  time.Time // capture timestamp
	Freq  int       // MHz, from radiotap; 0 when unknown
	Data  []byte    // the 802.11 frame from Frame Control on, without radiotap and FCS
}

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
	frames, err := parsePcap(b)
	if err != nil {
		return nil, fmt.Errorf("vectors: %s: %w", name, err)
	}
	return frames, nil
}

const (
	linkTypeIEEE80211 = 105
	linkTypeRadiotap  = 127
)

var errPcap = errors.New("malformed pcap")

func parsePcap(b []byte) ([]Frame, error) {
	if len(b) < 24 {
		return nil, fmt.Errorf("%w: short global header", errPcap)
	}
	var bo binary.ByteOrder
	nano := false
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4:
		bo = binary.LittleEndian
	case 0xa1b23c4d:
		bo, nano = binary.LittleEndian, true
	case 0xd4c3b2a1:
		bo = binary.BigEndian
	case 0x4d3cb2a1:
		bo, nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("%w: not a classic pcap file (pcapng is not supported)", errPcap)
	}
	link := bo.Uint32(b[20:])
	if link != linkTypeRadiotap && link != linkTypeIEEE80211 {
		return nil, fmt.Errorf("%w: link type %d, want radiotap or 802.11", errPcap, link)
	}
	var frames []Frame
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			return nil, fmt.Errorf("%w: short record header at %d", errPcap, off)
		}
		sec, frac, n := bo.Uint32(b[off:]), bo.Uint32(b[off+4:]), int(bo.Uint32(b[off+8:]))
		off += 16
		if n > len(b)-off {
			return nil, fmt.Errorf("%w: record at %d overruns the file", errPcap, off)
		}
		rec := b[off : off+n : off+n]
		off += n
		if !nano {
			frac *= 1000
		}
		f := Frame{Index: len(frames), Time: time.Unix(int64(sec), int64(frac)).UTC(), Data: rec}
		if link == linkTypeRadiotap {
			data, freq, err := stripRadiotap(rec)
			if err != nil {
				return nil, fmt.Errorf("record %d: %w", len(frames), err)
			}
			f.Data, f.Freq = data, freq
		}
		frames = append(frames, f)
	}
	return frames, nil
}

// stripRadiotap removes the radiotap header (radiotap.org) and, when its
// Flags field says so, the trailing FCS. It reads the Channel field for the
// frequency.
func stripRadiotap(b []byte) (frame []byte, freq int, err error) {
	if len(b) < 8 {
		return nil, 0, fmt.Errorf("%w: short radiotap header", errPcap)
	}
	hlen := int(binary.LittleEndian.Uint16(b[2:]))
	if hlen < 8 || hlen > len(b) {
		return nil, 0, fmt.Errorf("%w: radiotap length %d", errPcap, hlen)
	}
	present := binary.LittleEndian.Uint32(b[4:])
	off := 8
	for p := present; p&(1<<31) != 0; { // extended presence bitmaps
		if off+4 > hlen {
			return nil, 0, fmt.Errorf("%w: radiotap presence words overrun", errPcap)
		}
		p = binary.LittleEndian.Uint32(b[off:])
		off += 4
	}
	align := func(a int) { off = (off + a - 1) &^ (a - 1) }
	var flags byte
	if present&(1<<0) != 0 { // TSFT
		align(8)
		off += 8
	}
	if present&(1<<1) != 0 { // Flags
		if off < hlen {
			flags = b[off]
		}
		off++
	}
	if present&(1<<2) != 0 { // Rate
		off++
	}
	if present&(1<<3) != 0 { // Channel: frequency, flags
		align(2)
		if off+2 <= hlen {
			freq = int(binary.LittleEndian.Uint16(b[off:]))
		}
	}
	frame = b[hlen:]
	if flags&0x10 != 0 { // FCS at end
		if len(frame) < 4 {
			return nil, 0, fmt.Errorf("%w: frame shorter than its FCS", errPcap)
		}
		frame = frame[:len(frame)-4]
	}
	return frame, freq, nil
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
