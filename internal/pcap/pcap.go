// Package pcap reads classic pcap files of 802.11 frames (radiotap,
// linktype 127, or raw 802.11, linktype 105), as tcpdump writes them on a
// monitor interface. It is a pure parser: no I/O.
package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Frame is one captured 802.11 frame.
type Frame struct {
	Index int       // position in the capture, from 0
	Time  time.Time // capture timestamp
	Freq  int       // MHz, from radiotap; 0 when unknown
	Data  []byte    // the 802.11 frame from Frame Control on, without radiotap and FCS
}

// ErrMalformed is returned for input that is not a readable classic pcap.
var ErrMalformed = errors.New("pcap: malformed")

const (
	linkTypeIEEE80211 = 105
	linkTypeRadiotap  = 127
)

// Parse reads every frame of a capture.
func Parse(b []byte) ([]Frame, error) {
	if len(b) < 24 {
		return nil, fmt.Errorf("%w: short global header", ErrMalformed)
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
		return nil, fmt.Errorf("%w: not a classic pcap file (pcapng is not supported)", ErrMalformed)
	}
	link := bo.Uint32(b[20:])
	if link != linkTypeRadiotap && link != linkTypeIEEE80211 {
		return nil, fmt.Errorf("%w: link type %d, want radiotap or 802.11", ErrMalformed, link)
	}
	var frames []Frame
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			return nil, fmt.Errorf("%w: short record header at %d", ErrMalformed, off)
		}
		sec, frac, n := bo.Uint32(b[off:]), bo.Uint32(b[off+4:]), int(bo.Uint32(b[off+8:]))
		off += 16
		if n > len(b)-off {
			return nil, fmt.Errorf("%w: record at %d overruns the file", ErrMalformed, off)
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
		return nil, 0, fmt.Errorf("%w: short radiotap header", ErrMalformed)
	}
	hlen := int(binary.LittleEndian.Uint16(b[2:]))
	if hlen < 8 || hlen > len(b) {
		return nil, 0, fmt.Errorf("%w: radiotap length %d", ErrMalformed, hlen)
	}
	present := binary.LittleEndian.Uint32(b[4:])
	off := 8
	for p := present; p&(1<<31) != 0; { // extended presence bitmaps
		if off+4 > hlen {
			return nil, 0, fmt.Errorf("%w: radiotap presence words overrun", ErrMalformed)
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
			return nil, 0, fmt.Errorf("%w: frame shorter than its FCS", ErrMalformed)
		}
		frame = frame[:len(frame)-4]
	}
	return frame, freq, nil
}
