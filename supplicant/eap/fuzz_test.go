package eap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

func capturedSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	names, _ := vectors.Names()
	for _, name := range names {
		pkts, _ := capturedEAP(f, name)
		seeds = append(seeds, pkts...)
	}
	return seeds
}

// FuzzDecodeEAP checks EAP and EAP-WSC decoding: no panic, and whatever
// decodes re-encodes to the same octets.
func FuzzDecodeEAP(f *testing.F) {
	frame, err := os.ReadFile(filepath.Join("testdata", "eap-req-identity.dat"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(frame[4:])
	f.Add(unhex(f, "0105000e fe00372a00000001 0100"))
	f.Add(unhex(f, "0205001a fe00372a00000001 0403 0010 104a000110102200010410"))
	f.Add(unhex(f, "03070004"))
	for _, s := range capturedSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := Decode(data); err == nil {
			back, err := p.Encode()
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("Encode(Decode(x)) = %x, %v; want %x", back, err, data)
			}
			if p.IsWSC() {
				w, err := p.WSC()
				if err == nil {
					if back, err := w.Append(nil); err != nil || !bytes.Equal(back, p.Data) {
						t.Fatalf("EAP-WSC re-encoding %x, %v; want %x", back, err, p.Data)
					}
				}
			}
		}
		if w, err := DecodeWSC(data); err == nil {
			back, err := w.Append(nil)
			if err != nil || !bytes.Equal(back, data) || w.Len() != len(data) {
				t.Fatalf("Append(DecodeWSC(x)) = %x, %v; want %x", back, err, data)
			}
		}
	})
}

// FuzzReassemble feeds a sequence of EAP-WSC frames to a Reassembler. The
// input's first octet picks the limit (0: the default; otherwise n*64);
// then each frame is a length octet followed by that many octets of
// EAP-WSC type data. It checks: no panic, the limit and the announced
// length are never exceeded, and completed messages have the announced
// length.
func FuzzReassemble(f *testing.F) {
	seq := func(limit byte, frames ...WSCFrame) []byte {
		out := []byte{limit}
		for _, fr := range frames {
			b, _ := fr.Append(nil)
			out = append(out, byte(len(b)))
			out = append(out, b...)
		}
		return out
	}
	msg := bytes.Repeat([]byte("0123456789"), 60)
	frames, _ := Fragment(OpMsg, msg, 200)
	f.Add(seq(0, frames...))
	f.Add(seq(4, frames...))
	f.Add(seq(0, WSCFrame{OpCode: OpMsg, Flags: FlagLF | FlagMF, MessageLength: 0xffff, Data: []byte{1}}))
	f.Add(seq(0, WSCFrame{OpCode: OpStart}, WSCFrame{OpCode: OpMsg, Flags: FlagLF | FlagMF, MessageLength: 4, Data: []byte{1, 2}}, WSCFrame{OpCode: OpMsg, Data: []byte{3, 4}}))
	var captured []WSCFrame
	for _, s := range capturedSeeds(f) {
		if p, err := Decode(s); err == nil && p.IsWSC() {
			if w, err := p.WSC(); err == nil && len(p.Data) < 256 {
				captured = append(captured, w)
			}
		}
	}
	if len(captured) > 0 {
		f.Add(seq(0, captured...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		r := Reassembler{Max: int(data[0]) * 64}
		limit := r.limit()
		announced := 0
		for rest := data[1:]; len(rest) > 0; {
			n := min(int(rest[0]), len(rest)-1)
			frame := rest[1 : 1+n]
			rest = rest[1+n:]
			w, err := DecodeWSC(frame)
			if err != nil {
				continue
			}
			wasActive := r.InProgress()
			op, msg, done, err := r.Add(w)
			if !wasActive && w.Flags&FlagLF != 0 {
				announced = int(w.MessageLength)
			}
			if len(r.buf) > limit || len(r.buf) > r.total {
				t.Fatalf("buffer of %d octets, limit %d, announced %d", len(r.buf), limit, r.total)
			}
			if err != nil {
				if r.InProgress() {
					t.Fatalf("still in progress after error %v", err)
				}
				continue
			}
			if !done {
				continue
			}
			if len(msg) > limit {
				t.Fatalf("message of %d octets above the limit %d", len(msg), limit)
			}
			if (wasActive || w.Flags&FlagLF != 0) && len(msg) != announced {
				t.Fatalf("message of %d octets, %d announced", len(msg), announced)
			}
			if op != w.OpCode {
				t.Fatalf("message op-code %v, last frame %v", op, w.OpCode)
			}
		}
	})
}
