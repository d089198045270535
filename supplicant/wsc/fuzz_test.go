package wsc

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// addSeeds adds the hostap corpus WSC IEs, golden vectors, sample
// containers and, when present, every captured WSC IE and message.
func addSeeds(f *testing.F) {
	for _, c := range sampleContainers(f) {
		f.Add(mustEncode(f, c))
	}
	f.Add(unhex(f, m1FromWpaSupplicant))
	f.Add(unhex(f, m8SettingsFromWpaSupplicant))
	for _, file := range []string{"proberesp-go.dat", "proberesp.dat"} {
		if p, ok := IEPayload(leadingElements(readTestdata(f, file))); ok {
			f.Add(p)
		}
	}
	for _, file := range []string{"go-neg-req.dat", "p2ps-pd-req.dat"} {
		if p, ok := IEPayload(leadingElements(readTestdata(f, file)[24+8:])); ok {
			f.Add(p)
		}
	}
	names, _ := vectors.Names()
	for _, name := range names {
		c := loadCapture(f, name)
		for _, ie := range c.ies {
			f.Add(ie.payload)
		}
		for _, m := range c.msgs {
			f.Add(m.data)
		}
	}
}

// FuzzParseWSCAttributes checks the attribute layer and every typed
// decoder: no panic, and whatever decodes re-encodes to the same octets
// and decodes again to an equal value.
func FuzzParseWSCAttributes(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		attrs, err := ParseAttributes(data)
		if err != nil {
			return
		}
		back, err := AppendAttributes(nil, attrs)
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("AppendAttributes(ParseAttributes(x)) = %x, %v; want x", back, err)
		}
		check := func(c Container) {
			t.Helper()
			enc, err := Encode(c)
			if err != nil {
				t.Fatalf("%T decodes but does not encode: %v", c, err)
			}
			if !bytes.Equal(enc, data) {
				t.Fatalf("%T re-encoding differs:\n got %x\nwant %x", c, enc, data)
			}
			again, err := decodeAs(enc, c)
			if err != nil {
				t.Fatalf("%T re-decoding: %v", c, err)
			}
			if !reflect.DeepEqual(again, c) {
				t.Fatalf("%T re-decodes to another value:\n%s", c, diff(c, again))
			}
		}
		for _, like := range allContainers() {
			if c, err := decodeAs(data, like); err == nil {
				check(c)
			}
		}
		if m, err := DecodeMessage(data); err == nil {
			check(m)
		}
		if w, err := DecodeWFAExtension(data); err == nil {
			enc, err := w.Append(nil)
			if err != nil {
				t.Fatalf("WFAExtension decodes but does not encode: %v", err)
			}
			again, err := DecodeWFAExtension(enc)
			if err != nil || !reflect.DeepEqual(again, w) {
				t.Fatalf("WFAExtension re-decodes to %+v, %v; want %+v", again, err, w)
			}
		}
	})
}
