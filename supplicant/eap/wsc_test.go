package eap

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWSCPacketWrapsAFrame(t *testing.T) {
	p, err := WSCPacket(CodeRequest, 5, WSCFrame{OpCode: OpStart})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "0105000e fe00372a00000001 0100"); !bytes.Equal(b, want) {
		t.Errorf("Encode = %x, want %x", b, want)
	}
	f, err := p.WSC()
	if err != nil || f.OpCode != OpStart {
		t.Errorf("WSC() = %+v, %v", f, err)
	}
	if _, err := IdentityRequest(1).WSC(); !errors.Is(err, ErrInvalid) {
		t.Errorf("WSC() of an Identity Request error = %v, want ErrInvalid", err)
	}
}

func TestDecodeWSCRoundTrips(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want WSCFrame
	}{
		{"WSC_Start", "0100", WSCFrame{OpCode: OpStart, Data: []byte{}}},
		{"WSC_MSG unfragmented", "0400 104a000110", WSCFrame{OpCode: OpMsg, Data: []byte{0x10, 0x4a, 0, 1, 0x10}}},
		{"first fragment", "0403 0008 104a0001", WSCFrame{OpCode: OpMsg, Flags: FlagMF | FlagLF, MessageLength: 8, Data: []byte{0x10, 0x4a, 0, 1}}},
		{"middle fragment", "0401 1010", WSCFrame{OpCode: OpMsg, Flags: FlagMF, Data: []byte{0x10, 0x10}}},
		{"WSC_FRAG_ACK", "0600", WSCFrame{OpCode: OpFragACK, Data: []byte{}}},
		{"reserved flag bits are kept", "0580 ab", WSCFrame{OpCode: OpDone, Flags: 0x80, Data: []byte{0xab}}},
		{"LF on an unfragmented message", "0202 0001 aa", WSCFrame{OpCode: OpACK, Flags: FlagLF, MessageLength: 1, Data: []byte{0xaa}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			f, err := DecodeWSC(in)
			if err != nil {
				t.Fatalf("DecodeWSC: %v", err)
			}
			if d := cmp.Diff(tt.want, f); d != "" {
				t.Errorf("DecodeWSC (-want +got):\n%s", d)
			}
			back, err := f.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, in) || f.Len() != len(in) {
				t.Errorf("Append = %x (Len %d), want %x", back, f.Len(), in)
			}
		})
	}
}

func TestDecodeWSCRejectsMalformedFrames(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrTruncated},
		{"Op-Code only", "04", ErrTruncated},
		{"LF without Message Length", "0402", ErrTruncated},
		{"LF with half a Message Length", "040300", ErrTruncated},
		{"Message Length below the fragment", "0403 0001 aabb", ErrInvalid},
		{"Op-Code 0", "0000", ErrInvalid},
		{"Op-Code 7", "0700", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeWSC(unhex(t, tt.in)); !errors.Is(err, tt.want) {
				t.Errorf("DecodeWSC error = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := (WSCFrame{OpCode: OpMsg, Flags: FlagLF, MessageLength: 1, Data: []byte{1, 2}}).Append(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Append with Message Length below the data: error %v, want ErrInvalid", err)
	}
	if _, err := (WSCFrame{OpCode: 9}).Append(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Append with Op-Code 9: error %v, want ErrInvalid", err)
	}
}

func frag(op OpCode, flags Flags, ml uint16, data []byte) WSCFrame {
	return WSCFrame{OpCode: op, Flags: flags, MessageLength: ml, Data: data}
}

func TestReassembler(t *testing.T) {
	abc := []byte("abcdefghij")
	tests := []struct {
		name    string
		max     int
		frames  []WSCFrame
		wantOp  OpCode
		wantMsg []byte
		wantErr error // of the last frame; every earlier one must succeed without completing
	}{
		{"unfragmented message", 0, []WSCFrame{frag(OpMsg, 0, 0, abc)}, OpMsg, abc, nil},
		{"unfragmented message with LF", 0, []WSCFrame{frag(OpMsg, FlagLF, 10, abc)}, OpMsg, abc, nil},
		{"empty WSC_Start", 0, []WSCFrame{frag(OpStart, 0, 0, nil)}, OpStart, nil, nil},
		{"three fragments", 0, []WSCFrame{
			frag(OpMsg, FlagLF|FlagMF, 10, abc[:4]), frag(OpMsg, FlagMF, 0, abc[4:8]), frag(OpMsg, 0, 0, abc[8:]),
		}, OpMsg, abc, nil},
		{"later fragment repeating the same Message Length", 0, []WSCFrame{
			frag(OpNACK, FlagLF|FlagMF, 10, abc[:4]), frag(OpNACK, FlagLF, 10, abc[4:]),
		}, OpNACK, abc, nil},
		{"empty last fragment", 0, []WSCFrame{
			frag(OpMsg, FlagLF|FlagMF, 10, abc), frag(OpMsg, 0, 0, nil),
		}, OpMsg, abc, nil},
		{"message at the default cap", 0, []WSCFrame{
			frag(OpMsg, FlagLF|FlagMF, 50000, make([]byte, 25000)), frag(OpMsg, 0, 0, make([]byte, 25000)),
		}, OpMsg, make([]byte, 50000), nil},
		{"first fragment announcing more than the cap", 0, []WSCFrame{frag(OpMsg, FlagLF|FlagMF, 50001, abc)}, 0, nil, ErrTooLong},
		{"first fragment announcing more than a smaller cap", 9, []WSCFrame{frag(OpMsg, FlagLF|FlagMF, 10, abc[:4])}, 0, nil, ErrTooLong},
		{"unfragmented message above a smaller cap", 9, []WSCFrame{frag(OpMsg, 0, 0, abc)}, 0, nil, ErrTooLong},
		{"fragments beyond the announced length", 0, []WSCFrame{
			frag(OpMsg, FlagLF|FlagMF, 10, abc[:6]), frag(OpMsg, FlagMF, 0, abc[:4]), frag(OpMsg, FlagMF, 0, abc[:1]),
		}, 0, nil, ErrTooLong},
		{"fragments beyond the cap never stop", 0, []WSCFrame{
			frag(OpMsg, FlagLF|FlagMF, 50000, make([]byte, 1396)), frag(OpMsg, FlagMF, 0, make([]byte, 48604)), frag(OpMsg, FlagMF, 0, make([]byte, 1)),
		}, 0, nil, ErrTooLong},
		{"first fragment longer than its Message Length", 0, []WSCFrame{frag(OpMsg, FlagLF|FlagMF, 3, abc)}, 0, nil, ErrTooLong},
		{"Op-Code change mid-message", 0, []WSCFrame{
			frag(OpMsg, FlagLF|FlagMF, 10, abc[:4]), frag(OpDone, 0, 0, abc[4:]),
		}, 0, nil, ErrInvalid},
		{"first fragment without Message Length", 0, []WSCFrame{frag(OpMsg, FlagMF, 0, abc)}, 0, nil, ErrInvalid},
		{"Message Length changes mid-message", 0, []WSCFrame{
			frag(OpMsg, FlagLF|FlagMF, 10, abc[:4]), frag(OpMsg, FlagLF, 9, abc[4:]),
		}, 0, nil, ErrInvalid},
		{"last fragment leaves the message short", 0, []WSCFrame{
			frag(OpMsg, FlagLF|FlagMF, 10, abc[:4]), frag(OpMsg, 0, 0, abc[4:8]),
		}, 0, nil, ErrTruncated},
		{"unfragmented message shorter than its Message Length", 0, []WSCFrame{frag(OpMsg, FlagLF, 11, abc)}, 0, nil, ErrTruncated},
		{"WSC_FRAG_ACK", 0, []WSCFrame{frag(OpFragACK, 0, 0, nil)}, 0, nil, ErrInvalid},
		{"WSC_FRAG_ACK mid-message", 0, []WSCFrame{frag(OpMsg, FlagLF|FlagMF, 10, abc[:4]), frag(OpFragACK, 0, 0, nil)}, 0, nil, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Reassembler{Max: tt.max}
			for i, f := range tt.frames {
				op, msg, done, err := r.Add(f)
				if i < len(tt.frames)-1 {
					if err != nil || done {
						t.Fatalf("frame %d: done %v, err %v; want more fragments", i, done, err)
					}
					if !r.InProgress() {
						t.Fatalf("frame %d: InProgress false", i)
					}
					continue
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("last frame: error %v, want %v", err, tt.wantErr)
				}
				if r.InProgress() {
					t.Errorf("InProgress after the last frame")
				}
				if err != nil {
					return
				}
				if !done || op != tt.wantOp || !bytes.Equal(msg, tt.wantMsg) {
					t.Errorf("last frame: op %v, done %v, %d octets; want %v, %d octets", op, done, len(msg), tt.wantOp, len(tt.wantMsg))
				}
			}
		})
	}
}

func TestReassemblerStartsAfreshAfterAnError(t *testing.T) {
	var r Reassembler
	if _, _, _, err := r.Add(frag(OpMsg, FlagLF|FlagMF, 60000, nil)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("error %v, want ErrTooLong", err)
	}
	op, msg, done, err := r.Add(frag(OpDone, 0, 0, []byte{1}))
	if err != nil || !done || op != OpDone || !bytes.Equal(msg, []byte{1}) {
		t.Errorf("Add after error = %v, %x, %v, %v", op, msg, done, err)
	}
	r.Add(frag(OpMsg, FlagLF|FlagMF, 4, []byte{1}))
	r.Reset()
	if r.InProgress() {
		t.Errorf("InProgress after Reset")
	}
}

func TestFragmentSplitsAtMost1400OctetsPerFrame(t *testing.T) {
	for _, n := range []int{0, 1, 1397, 1398, 1399, 1400, 2795, 2796, 5000, 50000, 65535} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i * 7)
		}
		frames, err := Fragment(OpMsg, msg, 0)
		if err != nil {
			t.Fatalf("%d octets: %v", n, err)
		}
		var r Reassembler
		r.Max = 0xffff
		for i, f := range frames {
			if f.Len() > FragmentSize {
				t.Errorf("%d octets: frame %d of %d octets", n, i, f.Len())
			}
			last := i == len(frames)-1
			if got, want := f.Flags&FlagMF != 0, !last; got != want {
				t.Errorf("%d octets: frame %d MF %v, want %v", n, i, got, want)
			}
			if got, want := f.Flags&FlagLF != 0, i == 0 && len(frames) > 1; got != want {
				t.Errorf("%d octets: frame %d LF %v, want %v", n, i, got, want)
			}
			// Every frame but the last is full: hostap sends exactly 1400.
			if !last && f.Len() != FragmentSize {
				t.Errorf("%d octets: frame %d of %d octets, want %d", n, i, f.Len(), FragmentSize)
			}
			enc, err := f.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := DecodeWSC(enc)
			if err != nil {
				t.Fatalf("%d octets: frame %d does not decode: %v", n, i, err)
			}
			op, got, done, err := r.Add(dec)
			if err != nil || done != last {
				t.Fatalf("%d octets: frame %d: done %v, err %v", n, i, done, err)
			}
			if last && (op != OpMsg || !bytes.Equal(got, msg)) {
				t.Errorf("%d octets: reassembled %d octets, op %v", n, len(got), op)
			}
		}
	}
}

func TestFragmentRejectsBadArguments(t *testing.T) {
	if _, err := Fragment(OpMsg, make([]byte, 10), 4); !errors.Is(err, ErrInvalid) {
		t.Errorf("size 4: error %v, want ErrInvalid", err)
	}
	if _, err := Fragment(OpMsg, make([]byte, 65536), 0); !errors.Is(err, ErrTooLong) {
		t.Errorf("65536 octets: error %v, want ErrTooLong", err)
	}
	if _, err := Fragment(0, nil, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Op-Code 0: error %v, want ErrInvalid", err)
	}
	frames, err := Fragment(OpMsg, []byte("abcdef"), 5)
	if err != nil || len(frames) != 3 || frames[0].MessageLength != 6 || len(frames[0].Data) != 1 {
		t.Errorf("size 5: %+v, %v", frames, err)
	}
}

// TestBadInput21HugeEAPWSCMessageIsRejectedAtTheCap is docs/bad-input.md 4b
// #21 at the EAP-WSC layer: a peer announcing or sending more than the
// reassembly limit is cut off there, and the buffer never grows past it.
func TestBadInput21HugeEAPWSCMessageIsRejectedAtTheCap(t *testing.T) {
	var r Reassembler
	if _, _, _, err := r.Add(frag(OpMsg, FlagLF|FlagMF, 0xffff, make([]byte, 1396))); !errors.Is(err, ErrTooLong) {
		t.Errorf("announcing 65535 octets: error %v, want ErrTooLong", err)
	}
	// Announce exactly the cap, then keep sending MF fragments.
	if _, _, _, err := r.Add(frag(OpMsg, FlagLF|FlagMF, DefaultMaxMessageLen, make([]byte, 1396))); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, _, _, err = r.Add(frag(OpMsg, FlagMF, 0, make([]byte, 1398)))
		if len(r.buf) > DefaultMaxMessageLen {
			t.Fatalf("buffer grew to %d octets", len(r.buf))
		}
	}
	if !errors.Is(err, ErrTooLong) || r.InProgress() {
		t.Errorf("fragments beyond the cap: error %v, in progress %v; want ErrTooLong and a reset", err, r.InProgress())
	}
}
