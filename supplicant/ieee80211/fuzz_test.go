package ieee80211

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// capturedSeeds returns every frame of the wpa_supplicant captures, or
// nothing when there are none yet.
func capturedSeeds() [][]byte {
	names, err := vectors.Names()
	if err != nil {
		return nil
	}
	var out [][]byte
	for _, n := range names {
		frames, err := vectors.Load(n)
		if err != nil {
			continue
		}
		for _, f := range frames {
			out = append(out, f.Data)
		}
	}
	return out
}

// seedFrames is every whole management frame the tests know: the hostap
// corpus, the iwd fuzzed beacon, synthetic ones and the captures.
func seedFrames(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, fr := range hostapFrames(f) {
		out = append(out, fr)
	}
	hdr := func(subtype uint8, order bool) []byte {
		return Header{FrameControl: FrameControl{Subtype: subtype, Order: order}, Addr1: Broadcast, Addr2: goAddr, Addr3: goAddr}.Append(nil)
	}
	fixed := make([]byte, 12) // Probe Response fixed fields
	for _, ies := range [][]byte{readTestdata(f, "hostap/p2p/proberesp-go.dat"), readTestdata(f, "hostap/p2p/proberesp.dat")} {
		out = append(out, append(append(hdr(SubtypeProbeResp, false), fixed...), ies...))
		out = append(out, append(hdr(SubtypeProbeReq, true), ies...))
	}
	iwd := unhex(f, `0000000000000000 6400 0131 dd0a506f9a090e0000191000
		dd2f506f9a090c020000dd05030303506f9a10000b050e000000000b05000000dd050003030303000000dd050303030303`)
	out = append(out, append(hdr(SubtypeBeacon, false), iwd...))
	for st := range uint8(16) {
		out = append(out, hdr(st, false), append(hdr(st, true), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12))
	}
	return append(out, capturedSeeds()...)
}

// elementSeeds is every element sequence the tests know.
func elementSeeds(f *testing.F) [][]byte {
	f.Helper()
	out := [][]byte{
		readTestdata(f, "hostap/p2p/proberesp-go.dat"),
		readTestdata(f, "hostap/p2p/proberesp.dat"),
		unhex(f, "3014 0100 000fac04 0100 000fac04 0100 000fac02 0c00"),
		unhex(f, "3026 0100 000fac04 0100 000fac04 0100 000fac08 c000 0100 000102030405060708090a0b0c0d0e0f 000fac06"),
		unhex(f, "0000 0108 8c129824b048606c 3204 3048606c 030106 dd04506f9a09"),
	}
	for _, fr := range seedFrames(f) {
		m, err := DecodeMgmt(fr)
		if err != nil {
			continue
		}
		if body, err := m.DecodeBody(); err == nil {
			if es, ok := elementsOfBody(body); ok {
				if b, err := es.Append(nil); err == nil {
					out = append(out, b)
				}
			}
		}
	}
	return out
}

func checkErrClass(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalid) {
		t.Fatalf("%s: error %v is neither ErrTruncated nor ErrInvalid", what, err)
	}
}

// FuzzDecodeMgmt decodes a frame, then its body by subtype, and checks
// both re-encode to the input byte for byte and decode again to equal
// values.
func FuzzDecodeMgmt(f *testing.F) {
	for _, s := range seedFrames(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMgmt(data)
		if err != nil {
			checkErrClass(t, "DecodeMgmt", err)
			return
		}
		if enc := m.Append(nil); !bytes.Equal(enc, data) {
			t.Fatalf("frame re-encodes as %x, want %x", enc, data)
		}
		m2, err := DecodeMgmt(m.Append(nil))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, m2) {
			diff := cmp.Diff(m, m2)
			t.Fatalf("frame decodes differently after re-encoding (-first +second):\n%s", diff)
		}
		// Decode the body by subtype even when the frame says it is
		// protected: the body decoders must survive any bytes.
		sub := m.Header.FrameControl.Subtype
		body, err := DecodeBody(sub, m.Body)
		if err != nil {
			checkErrClass(t, "DecodeBody", err)
			return
		}
		enc, err := body.Append(nil)
		if err != nil {
			t.Fatalf("Append of decoded body: %v", err)
		}
		if !bytes.Equal(enc, m.Body) {
			t.Fatalf("body re-encodes as %x, want %x", enc, m.Body)
		}
		body2, err := DecodeBody(sub, enc)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(body, body2) {
			diff := cmp.Diff(body, body2)
			t.Fatalf("body decodes differently after re-encoding (-first +second):\n%s", diff)
		}
		if es, ok := elementsOfBody(body); ok {
			for _, e := range es {
				checkTypedElement(t, e)
			}
		}
	})
}

// FuzzParseElements parses an element sequence, re-encodes it, and runs
// every typed element decoder (RSN included) on the elements it knows,
// plus the RSN decoder on the whole input.
func FuzzParseElements(f *testing.F) {
	for _, s := range elementSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkTypedElement(t, Element{ID: ElemRSN, Data: data})
		elems, err := ParseElements(data)
		if err != nil {
			checkErrClass(t, "ParseElements", err)
			return
		}
		enc, err := AppendElements(nil, elems)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("elements re-encode as %x, want %x", enc, data)
		}
		for _, e := range elems {
			checkTypedElement(t, e)
		}
	})
}

// checkTypedElement runs the typed decoder for the element's ID; when it
// succeeds, the typed value must re-encode to the same element.
func checkTypedElement(t *testing.T, e Element) {
	t.Helper()
	if len(e.Data) > MaxElementData {
		// Only reachable for the whole-input RSN check: fuzz the decoder
		// but skip the element round trip.
		if r, err := DecodeRSN(e.Data); err == nil {
			if _, err := AppendRSN(nil, r); !errors.Is(err, ErrInvalid) {
				t.Fatalf("AppendRSN of a %d-octet body: %v, want ErrInvalid", len(e.Data), err)
			}
		}
		return
	}
	want := append([]byte{e.ID, uint8(len(e.Data))}, e.Data...)
	var (
		got         []byte
		err, encErr error // decoding, then re-encoding the decoded value
	)
	switch e.ID {
	case ElemSSID:
		var ssid []byte
		if ssid, err = DecodeSSID(e.Data); err == nil {
			got, encErr = AppendSSID(nil, ssid)
		}
	case ElemSupportedRates:
		var rates []Rate
		if rates, err = DecodeSupportedRates(e.Data); err == nil {
			got, encErr = AppendSupportedRates(nil, rates)
		}
	case ElemExtSupportedRates:
		var rates []Rate
		if rates, err = DecodeExtSupportedRates(e.Data); err == nil {
			got, encErr = AppendExtSupportedRates(nil, rates)
		}
	case ElemDSParameterSet:
		var ch uint8
		if ch, err = DecodeDSParameterSet(e.Data); err == nil {
			got = AppendDSParameterSet(nil, ch)
		}
	case ElemHTCapabilities:
		var v HTCapabilities
		if v, err = DecodeHTCapabilities(e.Data); err == nil {
			got = AppendHTCapabilities(nil, v)
		}
	case ElemHTOperation:
		var v HTOperation
		if v, err = DecodeHTOperation(e.Data); err == nil {
			got = AppendHTOperation(nil, v)
		}
	case ElemVHTCapabilities:
		var v VHTCapabilities
		if v, err = DecodeVHTCapabilities(e.Data); err == nil {
			got = AppendVHTCapabilities(nil, v)
		}
	case ElemVHTOperation:
		var v VHTOperation
		if v, err = DecodeVHTOperation(e.Data); err == nil {
			got = AppendVHTOperation(nil, v)
		}
	case ElemVendorSpecific:
		var v VendorSpecific
		if v, err = DecodeVendorSpecific(e.Data); err == nil {
			got, encErr = AppendVendorSpecific(nil, v)
		}
	case ElemRSN:
		var r RSN
		if r, err = DecodeRSN(e.Data); err == nil {
			if got, encErr = AppendRSN(nil, r); encErr == nil {
				r2, err2 := DecodeRSN(got[2:])
				if err2 != nil {
					t.Fatalf("re-encoded RSN %x fails: %v", got, err2)
				}
				if !reflect.DeepEqual(r, r2) {
					diff := cmp.Diff(r, r2)
					t.Fatalf("RSN decodes differently after re-encoding (-first +second):\n%s", diff)
				}
			}
		}
	default:
		return
	}
	if err != nil {
		checkErrClass(t, "element decode", err)
		return
	}
	if encErr != nil {
		t.Fatalf("element %d decodes but does not re-encode: %v", e.ID, encErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("element %d re-encodes as %x, want %x", e.ID, got, want)
	}
}
