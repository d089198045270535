package p2pmsg

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// corpusActionBodies are the Public Action bodies of the hostap corpus.
var corpusActionFiles = []string{"go-neg-req.dat", "invitation-req.dat", "p2ps-pd-req.dat"}

// corpusIEFiles are the probe response element lists of the hostap corpus.
var corpusIEFiles = []string{"proberesp.dat", "proberesp-go.dat"}

// seedVendorPayloads adds the P2P (typ 9) or WFD (typ 0x0a) payloads found
// in the corpus and the captures.
func seedVendorPayloads(f *testing.F, typ uint8) {
	f.Helper()
	add := func(ies []byte) {
		// Cut at the first malformed element (proberesp.dat has a tail).
		elems, err := ieee80211.ParseElements(ies)
		for err != nil && len(ies) > 0 {
			ies = ies[:len(ies)-1]
			elems, err = ieee80211.ParseElements(ies)
		}
		if p, ok := ieee80211.VendorPayload(elems, ieee80211.OUIWFA, typ); ok {
			f.Add(p)
		}
	}
	for _, name := range corpusActionFiles {
		add(readTestdata(f, name)[mgmtHeaderLen+8:])
	}
	for _, name := range corpusIEFiles {
		add(readTestdata(f, name))
	}
	_, units := capturedUnits(f)
	for _, u := range units {
		switch u.kind {
		case "public":
			if len(u.data) > 8 {
				add(u.data[8:])
			}
		case "action":
			if len(u.data) > 7 {
				add(u.data[7:])
			}
		default:
			add(u.data)
		}
	}
}

// FuzzParseAttributes checks that ParseAttributes never panics and that
// every payload it accepts re-encodes byte for byte and decodes again to an
// equal value.
func FuzzParseAttributes(f *testing.F) {
	seedVendorPayloads(f, ieee80211.VendorTypeP2P)
	f.Add(cat(attr(AttrGroupInfo, clientDescriptor(2, "client")...), attr(AttrNoticeOfAbsence, make([]byte, 15)...)))
	f.Add(cat(attr(AttrListenChannel), attr(AttrVendorSpecific, 1, 2), attr(AttrAdvertisedServiceInfo, 1, 0, 0, 0, 0, 8, 1, 'a')))
	f.Fuzz(func(t *testing.T, payload []byte) {
		a, err := ParseAttributes(payload)
		if err != nil {
			return
		}
		enc, err := a.Append(nil)
		if err != nil {
			t.Fatalf("Append of decoded attributes: %v", err)
		}
		if string(enc) != string(payload) {
			t.Fatalf("re-encoded differently:\n got %x\nwant %x", enc, payload)
		}
		b, err := ParseAttributes(enc)
		if err != nil {
			t.Fatalf("re-encoded attributes do not decode: %v", err)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Fatalf("decode(encode(x)) differs (-first +second):\n%s", diff)
		}
	})
}

// FuzzDecodePublicAction checks P2P Public Action and P2P Action frame
// bodies the same way, and runs the validators on what decodes.
func FuzzDecodePublicAction(f *testing.F) {
	for _, name := range corpusActionFiles {
		f.Add(readTestdata(f, name)[mgmtHeaderLen:])
	}
	_, units := capturedUnits(f)
	for _, u := range units {
		if u.kind != "ies" {
			f.Add(u.data)
		}
	}
	f.Add([]byte{127, 0x50, 0x6f, 0x9a, 9, 1, 3, 221, 19, 0x50, 0x6f, 0x9a, 9, 12, 15, 0, 1, 0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{4, 9, 0x50, 0x6f, 0x9a, 9, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		if pa, err := ParsePublicAction(body); err == nil {
			_ = ValidatePublicAction(pa)
			enc, err := pa.Append(nil)
			if err != nil || string(enc) != string(body) {
				t.Fatalf("Public Action re-encoded as %x (%v), want %x", enc, err, body)
			}
			again, err := ParsePublicAction(enc)
			if err != nil {
				t.Fatalf("re-encoded Public Action does not decode: %v", err)
			}
			if diff := cmp.Diff(pa, again); diff != "" {
				t.Fatalf("decode(encode(x)) differs (-first +second):\n%s", diff)
			}
		}
		if a, err := ParseAction(body); err == nil {
			_ = ValidateAction(a)
			enc, err := a.Append(nil)
			if err != nil || string(enc) != string(body) {
				t.Fatalf("P2P Action re-encoded as %x (%v), want %x", enc, err, body)
			}
			again, err := ParseAction(enc)
			if err != nil {
				t.Fatalf("re-encoded P2P Action does not decode: %v", err)
			}
			if diff := cmp.Diff(a, again); diff != "" {
				t.Fatalf("decode(encode(x)) differs (-first +second):\n%s", diff)
			}
		}
	})
}

// FuzzWFD checks ParseWFD the same way.
func FuzzWFD(f *testing.F) {
	seedVendorPayloads(f, ieee80211.VendorTypeWFD)
	f.Add([]byte{0, 0, 6, 0, 0x11, 0x1c, 0x44, 0, 50, 1, 0, 6, 1, 2, 3, 4, 5, 6, 6, 0, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 2, 0, 1})
	f.Add([]byte{2, 0, 3, 1, 2, 3, 10, 0, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		w, err := ParseWFD(payload)
		if err != nil {
			return
		}
		enc, err := w.Append(nil)
		if err != nil || string(enc) != string(payload) {
			t.Fatalf("WFD re-encoded as %x (%v), want %x", enc, err, payload)
		}
		again, err := ParseWFD(enc)
		if err != nil {
			t.Fatalf("re-encoded WFD does not decode: %v", err)
		}
		if diff := cmp.Diff(w, again); diff != "" {
			t.Fatalf("decode(encode(x)) differs (-first +second):\n%s", diff)
		}
	})
}
