package gas

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gasSeeds are valid and malformed GAS frame bodies from the table tests.
func gasSeeds() [][]byte {
	return [][]byte{
		hx("04 0a 07 6c 02 00 00 0e 00 dd dd 0a 00 50 6f 9a 09 03 00 02 00 01 05"),
		hx("09 0a 07 6c 02 00 00 00 00"),
		hx("04 0a 01 6c 0a 00 dd 05 50 6f 9a 1a 01 7f 05 00 00"),
		hx("04 0a 00 6c 02 7f 00 0a 00 dd dd 04 00 50 6f 9a 09 00 00"),
		hx("04 0a 00 6c 02 7f 00 0e 00 dd dd 04 00 50 6f 9a 09 01 00 02 00 00 01"),
		hx("04 0a 00 6c 02 7f 00 0a 00 dd dd 06 00 50 6f 9a 09 00 00"),
		hx("04 0a 00 6c 02 7f 00 04 00 dd dd ff ff"),
		hx("04 0a 00 6c 02 7f 00 ff ff"),
		hx("04 0b 07 00 00 00 00 6c 02 7f 00 12 00 dd dd 0e 00 50 6f 9a 09 03 00 06 00 01 05 00 aa bb cc"),
		hx("04 0b 07 00 00 01 00 6c 02 7f 00 00 00"),
		hx("04 0b 07 3b 00 00 00"),
		hx("04 0c 07"),
		hx("04 0d 07 00 00 81 00 00 6c 02 7f 00 03 00 aa bb cc"),
		hx("04 0d 07 5f 00 00 0a 00 6c 02 7f 00 00 00"),
	}
}

// FuzzDecodeGAS: DecodeGAS never panics; a decoded frame re-encodes to the
// input byte for byte, and so does the P2P SD request or response it
// carries.
func FuzzDecodeGAS(f *testing.F) {
	for _, s := range gasSeeds() {
		f.Add(s)
	}
	frames, _ := capturedGASFrames(f)
	for _, c := range frames {
		f.Add(c.body)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeGAS(b)
		if err != nil {
			if fr != nil {
				t.Fatalf("frame %+v returned with error %v", fr, err)
			}
			return
		}
		out, err := fr.Append(nil)
		if err != nil {
			t.Fatalf("Append of decoded %+v: %v", fr, err)
		}
		if !bytes.Equal(b, out) {
			t.Fatalf("encode(decode(x)) != x\n x: % x\nout: % x", b, out)
		}
		again, err := DecodeGAS(out)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fr, again); diff != "" {
			t.Fatalf("decode(encode(decode(x))) differs:\n%s", diff)
		}
		var q []byte
		switch fr := fr.(type) {
		case *InitialRequest:
			if req, err := SDRequestOf(fr); err == nil {
				if q, err = req.AppendQuery(nil); err != nil || !bytes.Equal(q, fr.Query) {
					t.Fatalf("SD request re-encodes to % x, %v; want % x", q, err, fr.Query)
				}
			}
			return
		case *InitialResponse:
			q = fr.Response
		case *ComebackResponse:
			q = fr.Response
		}
		if resp, err := ParseSDResponse(q); err == nil {
			if out, err := resp.AppendQueryResponse(nil); err != nil || !bytes.Equal(out, q) {
				t.Fatalf("SD response re-encodes to % x, %v; want % x", out, err, q)
			}
		}
	})
}

// FuzzParseServiceTLVs: request and response TLV lists, and the typed
// Bonjour, UPnP and Wi-Fi Display data inside them, never panic and
// re-encode byte-exactly.
func FuzzParseServiceTLVs(f *testing.F) {
	for _, s := range [][]byte{
		hx("02 00 00 01  05 00 01 02 c0 0c 00  0b 00 02 03 10 73 73 64 70 3a 61 6c 6c  06 00 04 04 00 02 03 04"),
		cat(hx("1e 00 01 01 00"), afpQueryKey, afpRDATA, hx("03 00 02 02 01")),
		cat(hx("13 00 01 01"), afpQueryKey),
		cat(hx("28 00 01 01 00"), ippQueryKey, ippRDATA),
		cat(hx("3d 00 02 01 00 10"), []byte(upnpRoot)),
		hx("0c 00 04 01 00 00 00 06 00 11 1c 44 00 32"),
		hx("00 00"), hx("01 00 01"), hx("ff ff 01 01"),
	} {
		f.Add(s)
	}
	frames, _ := capturedGASFrames(f)
	for _, c := range frames {
		fr, err := DecodeGAS(c.body)
		if err != nil {
			continue
		}
		var q []byte
		switch fr := fr.(type) {
		case *InitialRequest:
			q = fr.Query
		case *InitialResponse:
			q = fr.Response
		case *ComebackResponse:
			q = fr.Response
		}
		if _, raw, _, err := parseSD(q); err == nil {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if reqs, err := ParseServiceRequestTLVs(b); err == nil {
			out, err := AppendServiceRequestTLVs(nil, reqs)
			if err != nil || !bytes.Equal(out, b) {
				t.Fatalf("request TLVs re-encode to % x, %v; want % x", out, err, b)
			}
			for _, tlv := range reqs {
				checkTypedRoundTrip(t, tlv.ServiceProtocolType, tlv.QueryData, true)
			}
		}
		if resps, err := ParseServiceResponseTLVs(b); err == nil {
			out, err := AppendServiceResponseTLVs(nil, resps)
			if err != nil || !bytes.Equal(out, b) {
				t.Fatalf("response TLVs re-encode to % x, %v; want % x", out, err, b)
			}
			for _, tlv := range resps {
				checkTypedRoundTrip(t, tlv.ServiceProtocolType, tlv.ResponseData, false)
			}
		}
	})
}

// checkTypedRoundTrip decodes TLV data with the typed helper of its
// protocol and, when that succeeds, requires a byte-exact re-encoding.
func checkTypedRoundTrip(t *testing.T, proto ServiceProtocolType, data []byte, query bool) {
	t.Helper()
	var out []byte
	var err error
	switch {
	case proto == ServiceProtocolBonjour && query:
		var q BonjourQuery
		if q, err = ParseBonjourQuery(data); err != nil {
			return
		}
		_, _ = q.DomainName()
		out, err = q.Append(nil)
	case proto == ServiceProtocolBonjour:
		var r BonjourResponse
		if r, err = ParseBonjourResponse(data); err != nil {
			return
		}
		_, _ = r.Query.DomainName()
		_, _ = r.RDATAName()
		out, err = r.Append(nil)
	case proto == ServiceProtocolUPnP && query:
		var q UPnPQuery
		if q, err = ParseUPnPQuery(data); err != nil {
			return
		}
		out, err = q.Append(nil)
	case proto == ServiceProtocolUPnP:
		var r UPnPResponse
		if r, err = ParseUPnPResponse(data); err != nil {
			return
		}
		out, err = r.Append(nil)
	case proto == ServiceProtocolWiFiDisplay && query:
		var q WFDQuery
		if q, err = ParseWFDQuery(data); err != nil {
			return
		}
		out = q.Append(nil)
	case proto == ServiceProtocolWiFiDisplay:
		var s []WFDSubelement
		if s, err = ParseWFDSubelements(data); err != nil {
			return
		}
		out, err = AppendWFDSubelements(nil, s)
	default:
		return
	}
	if err != nil || !bytes.Equal(out, data) {
		t.Fatalf("%v data re-encodes to % x, %v; want % x", proto, out, err, data)
	}
}
