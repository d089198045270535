package eapol

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// seedFrames returns the EAPOL PDUs of the hostap corpus, of the captures
// (when there are any) and of the table tests' messages.
func seedFrames(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, frames := range corpusFrames(f) {
		seeds = append(seeds, frames...)
	}
	if names, err := vectors.Names(); err == nil {
		for _, name := range names {
			for _, c := range loadCapturedEAPOL(f, name) {
				seeds = append(seeds, c.EAPOL)
			}
		}
	}
	for _, k := range []Key{msg1(), msg2(f, true), msg3(), msg4(), group1(), group2(), micFailureReport()} {
		seeds = append(seeds, mustFrame(f, k))
	}
	return seeds
}

// fuzzMICLens are the Key MIC lengths every fuzz input is decoded with.
var fuzzMICLens = [...]int{DefaultMICLen, 24, 32, 0}

func FuzzDecodeEAPOL(f *testing.F) {
	for _, s := range seedFrames(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePDU(data)
		if err != nil {
			if !errors.Is(err, ErrTruncated) {
				t.Fatalf("DecodePDU error %v is not ErrTruncated", err)
			}
			return
		}
		_ = p.Validate()
		enc, err := p.Encode()
		if err != nil || !bytes.Equal(enc, data) {
			t.Fatalf("PDU round trip: %v\n got %x\nwant %x", err, enc, data)
		}
		if p.Type != PacketKey {
			return
		}
		for _, micLen := range fuzzMICLens {
			k, err := DecodeKey(p.Body, micLen)
			if err != nil {
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalid) {
					t.Fatalf("DecodeKey error %v wraps no sentinel", err)
				}
				continue
			}
			m, cerr := k.Classify()
			if m > MessageRequest || (cerr != nil && !errors.Is(cerr, ErrInvalid)) {
				t.Fatalf("Classify = %v, %v", m, cerr)
			}
			body, err := k.Encode()
			if err != nil || !bytes.Equal(body, p.Body) {
				t.Fatalf("EAPOL-Key round trip (MIC %d): %v\n got %x\nwant %x", micLen, err, body, p.Body)
			}
			again, err := DecodeKey(body, micLen)
			if err != nil {
				t.Fatalf("re-decode: %v", err)
			}
			if d := cmp.Diff(k, again); d != "" {
				t.Fatalf("re-decode (-first +second):\n%s", d)
			}
			mi, err := MICInput(data, micLen)
			if err != nil || len(mi) != HeaderLen+len(p.Body) || !isZero(mi[MICOffset:MICOffset+micLen]) {
				t.Fatalf("MICInput (MIC %d) = %x, %v", micLen, mi, err)
			}
			if !k.KeyInfo.EncryptedKeyData {
				checkKeyDataRoundTrip(t, k.KeyData)
			}
		}
	})
}

func FuzzParseKeyData(f *testing.F) {
	for _, s := range seedFrames(f) {
		if _, k, err := DecodeKeyFrame(s, DefaultMICLen); err == nil && len(k.KeyData) > 0 && !k.KeyInfo.EncryptedKeyData {
			f.Add(k.KeyData)
		}
	}
	for _, s := range []string{
		"",
		"dd 14 000fac04 00112233445566778899aabbccddeeff",
		"30 14 0100 000fac04 0100 000fac04 0100 000fac02 0c00 dd 05 506f9a04 01",
		"30 02 0100 dd 16 000fac01 0100 000102030405060708090a0b0c0d0e0f" +
			"dd 1c 000fac09 0400 010000000000 101112131415161718191a1b1c1d1e1f" +
			"dd 10 506f9a05 c0a8310a ffffff00 c0a83101 dd 00 00 00",
		"dd 0a 000fac03 020000000001 dd 05 000fac01 02 dd",
		"dd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkKeyDataRoundTrip(t, data)
	})
}

// checkKeyDataRoundTrip parses plaintext Key Data and every KDE in it and
// checks that each re-encodes to its input.
func checkKeyDataRoundTrip(t *testing.T, data []byte) {
	t.Helper()
	kd, err := ParseKeyData(data)
	if err != nil {
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseKeyData error %v wraps no sentinel", err)
		}
		return
	}
	enc, err := kd.Encode()
	if err != nil || !bytes.Equal(enc, data) {
		t.Fatalf("Key Data round trip: %v\n got %x\nwant %x", err, enc, data)
	}
	again, err := ParseKeyData(enc)
	if err != nil {
		t.Fatalf("re-parse: %v", err)
	}
	if d := cmp.Diff(kd, again); d != "" {
		t.Fatalf("re-parse (-first +second):\n%s", d)
	}
	if _, err := kd.EncodePadded(); err != nil {
		t.Fatalf("EncodePadded: %v", err)
	}
	for _, e := range kd.Elements {
		k, ok := AsKDE(e)
		if !ok {
			continue
		}
		b, err := k.Append(nil)
		if err != nil {
			t.Fatalf("KDE Append: %v", err)
		}
		if want, _ := ieee80211.AppendElement(nil, e.ID, e.Data); !bytes.Equal(b, want) {
			t.Fatalf("KDE encodes as %x, its element as %x", b, want)
		}
		checkKDERoundTrip(t, k)
	}
}

// checkKDERoundTrip parses a KDE with its typed parser, when it has one,
// and checks that the typed value encodes back to the KDE data.
func checkKDERoundTrip(t *testing.T, k KDE) {
	t.Helper()
	var enc []byte
	switch {
	case k.Is(OUIIEEE80211, KDEGTK):
		g, err := ParseGTKKDE(k.Data)
		if err != nil {
			return
		}
		_ = g.Validate()
		enc = g.KDE().Data
	case k.Is(OUIIEEE80211, KDEIGTK), k.Is(OUIIEEE80211, KDEBIGTK):
		g, err := ParseIGTKKDE(k.Data)
		if err != nil {
			return
		}
		_ = g.Validate()
		enc = g.KDE(k.Type).Data
	case k.Is(OUIIEEE80211, KDEPMKID):
		p, err := ParsePMKIDKDE(k.Data)
		if err != nil {
			return
		}
		enc = PMKIDKDE(p).Data
	case k.Is(OUIIEEE80211, KDEMACAddress):
		m, err := ParseMACAddressKDE(k.Data)
		if err != nil {
			return
		}
		enc = MACAddressKDE(m).Data
	case k.Is(ieee80211.OUIWFA, KDEIPAddressAllocation):
		a, err := ParseIPAddressAllocationKDE(k.Data)
		if err != nil {
			return
		}
		_ = a.Client()
		enc = a.KDE().Data
	default:
		_ = k.RequestsIPAddress()
		return
	}
	if !bytes.Equal(enc, k.Data) {
		t.Fatalf("KDE %v type %d round trip: got %x want %x", k.OUI, k.Type, enc, k.Data)
	}
}
