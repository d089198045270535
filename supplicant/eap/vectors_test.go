package eap

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// capturedEAP returns the EAP packets of a capture (802.11 retransmissions
// removed), each with the transmitter address, in order.
func capturedEAP(t testing.TB, name string) (pkts [][]byte, tas []string) {
	t.Helper()
	frames, err := vectors.Load(name)
	if err != nil {
		t.Fatalf("vectors.Load(%s): %v", name, err)
	}
	type seqKey struct {
		ta  string
		seq uint16
	}
	seen := make(map[seqKey]bool)
	for _, f := range frames {
		d := f.Data
		if len(d) < 24 {
			continue
		}
		fc := binary.LittleEndian.Uint16(d)
		k := seqKey{string(d[10:16]), binary.LittleEndian.Uint16(d[22:]) >> 4}
		if fc&0x0800 != 0 && seen[k] {
			continue
		}
		seen[k] = true
		frame, ok := vectors.EAPOL(d)
		if !ok {
			continue
		}
		if body, ok := eapolBody(t, frame); ok {
			pkts = append(pkts, body)
			tas = append(tas, k.ta)
		}
	}
	return pkts, tas
}

func captureNames(t testing.TB) []string { return vectors.NamesOrSkip(t) }

func TestCapturedEAPPacketsDecodeAndReencode(t *testing.T) {
	for _, name := range captureNames(t) {
		t.Run(name, func(t *testing.T) {
			pkts, tas := capturedEAP(t, name)
			reassemblers := make(map[string]*Reassembler)
			var identities []string
			var ops []OpCode
			for i, b := range pkts {
				p, err := Decode(b)
				if err != nil {
					t.Errorf("packet %d: Decode: %v\n%x", i, err, b)
					continue
				}
				if back, err := p.Encode(); err != nil || !bytes.Equal(back, b) {
					t.Errorf("packet %d: re-encoding %x, %v; want %x", i, back, err, b)
				}
				if p.Code == CodeResponse && p.Type == TypeIdentity {
					identities = append(identities, string(p.Data))
				}
				if !p.IsWSC() {
					continue
				}
				f, err := p.WSC()
				if err != nil {
					t.Errorf("packet %d: WSC: %v", i, err)
					continue
				}
				if back, err := f.Append(nil); err != nil || !bytes.Equal(back, p.Data) {
					t.Errorf("packet %d: EAP-WSC re-encoding %x, %v; want %x", i, back, err, p.Data)
				}
				if f.OpCode == OpFragACK {
					continue
				}
				r := reassemblers[tas[i]]
				if r == nil {
					r = new(Reassembler)
					reassemblers[tas[i]] = r
				}
				op, msg, done, err := r.Add(f)
				if err != nil {
					t.Errorf("packet %d: reassembly: %v", i, err)
				}
				if done {
					ops = append(ops, op)
					// Our fragmenter must produce frames a peer accepts.
					frames, err := Fragment(op, msg, 0)
					if err != nil || len(frames) == 0 {
						t.Errorf("packet %d: Fragment: %v", i, err)
					}
				}
			}
			for _, id := range identities {
				if id != IdentityEnrollee && id != IdentityRegistrar {
					t.Errorf("EAP-Response/Identity %q, want a WSC identity", id)
				}
			}
			if len(identities) > 0 && len(ops) == 0 {
				t.Errorf("WSC identities but no EAP-WSC message")
			}
			if len(ops) > 0 && ops[0] != OpStart {
				t.Errorf("first EAP-WSC message %v, want WSC_Start", ops[0])
			}
		})
	}
}
