package pcap

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// file builds a little-endian microsecond pcap of the given link type.
func file(link uint32, records ...[]byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, link)
	for i, r := range records {
		b = binary.LittleEndian.AppendUint32(b, uint32(100+i))
		b = binary.LittleEndian.AppendUint32(b, 250)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r)))
		b = append(b, r...)
	}
	return b
}

func TestParseStripsRadiotapAndFCSAndReadsTheFrequency(t *testing.T) {
	// radiotap: version 0, length 14, present = Flags|Rate|Channel; Flags
	// says FCS at end; Rate 6 Mb/s; Channel 2437 MHz with its flags.
	rt := []byte{0, 0, 14, 0, 0x0e, 0, 0, 0, 0x10, 0x0c, 0x85, 0x09, 0xc0, 0x00}
	frame := []byte{0xd0, 0x00, 0x01, 0x02}
	rec := append(append(append([]byte{}, rt...), frame...), 0xde, 0xad, 0xbe, 0xef)
	got, err := Parse(file(127, rec))
	if err != nil {
		t.Fatal(err)
	}
	want := []Frame{{Index: 0, Time: time.Unix(100, 250000).UTC(), Freq: 2437, Data: frame}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
}

func TestParseRejectsMalformedFiles(t *testing.T) {
	good := file(105, []byte{0x80, 0x00})
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"pcapng", append([]byte{0x0a, 0x0d, 0x0d, 0x0a}, make([]byte, 40)...)},
		{"ethernet link type", file(1, []byte{1})},
		{"record overruns the file", good[:len(good)-1]},
		{"short record header", good[:30]},
		{"radiotap length beyond the record", file(127, []byte{0, 0, 200, 0, 0, 0, 0, 0})},
		{"radiotap shorter than its header", file(127, []byte{0, 0, 4})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.in); !errors.Is(err, ErrMalformed) {
				t.Errorf("Parse = %v, want ErrMalformed", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(file(105, []byte{0x80, 0x00}))
	f.Add(file(127, []byte{0, 0, 8, 0, 0, 0, 0, 0, 0xd0, 0}))
	f.Fuzz(func(t *testing.T, b []byte) {
		frames, err := Parse(b)
		if err != nil {
			return
		}
		for _, fr := range frames {
			if len(fr.Data) > len(b) {
				t.Fatalf("frame longer than the file")
			}
		}
	})
}
