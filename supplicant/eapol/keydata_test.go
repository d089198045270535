package eapol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseKeyDataSplitsElementsKDEsAndPadding(t *testing.T) {
	const rsne = "30 14 0100 000fac04 0100 000fac04 0100 000fac02 0c00"
	tests := []struct {
		name string
		in   string
		want KeyData
	}{
		{
			name: "empty",
			in:   "",
			want: KeyData{},
		},
		{
			name: "1/4 with a PMKID KDE",
			in:   "dd 14 000fac04 00112233445566778899aabbccddeeff",
			want: KeyData{Elements: []ieee80211.Element{
				{ID: 0xdd, Data: unhex(t, "000fac04 00112233445566778899aabbccddeeff")},
			}},
		},
		{
			name: "2/4 of a P2P Client: RSNE and IP Address Request KDE",
			in:   rsne + "dd 05 506f9a04 01",
			want: KeyData{Elements: []ieee80211.Element{
				{ID: 48, Data: rsneBody},
				{ID: 0xdd, Data: unhex(t, "506f9a04 01")},
			}},
		},
		{
			name: "3/4 of a P2P GO: RSNE, GTK, IGTK, IP Address Allocation, padding",
			in: rsne +
				"dd 16 000fac01 0100 000102030405060708090a0b0c0d0e0f" +
				"dd 1c 000fac09 0400 010000000000 101112131415161718191a1b1c1d1e1f" +
				"dd 10 506f9a05 c0a8310a ffffff00 c0a83101" +
				"dd 00 00 00 00 00",
			want: KeyData{
				Elements: []ieee80211.Element{
					{ID: 48, Data: rsneBody},
					{ID: 0xdd, Data: unhex(t, "000fac01 0100 000102030405060708090a0b0c0d0e0f")},
					{ID: 0xdd, Data: unhex(t, "000fac09 0400 010000000000 101112131415161718191a1b1c1d1e1f")},
					{ID: 0xdd, Data: unhex(t, "506f9a05 c0a8310a ffffff00 c0a83101")},
				},
				Padding: unhex(t, "dd 00 00 00 00 00"),
			},
		},
		{
			name: "unknown elements and the WPA vendor element kept raw",
			in:   "f4 01 20" + "dd 06 0050f201 0100" + "c8 00",
			want: KeyData{Elements: []ieee80211.Element{
				{ID: 244, Data: []byte{0x20}},
				{ID: 0xdd, Data: unhex(t, "0050f201 0100")},
				{ID: 200},
			}},
		},
		{
			name: "padding only (empty plaintext wrapped)",
			in:   "dd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
			want: KeyData{Padding: unhex(t, "dd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")},
		},
		{
			name: "a lone 0xdd at the end is padding",
			in:   "f4 01 20 dd",
			want: KeyData{Elements: []ieee80211.Element{{ID: 244, Data: []byte{0x20}}}, Padding: []byte{0xdd}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.in)
			got, err := ParseKeyData(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ParseKeyData (-want +got):\n%s", d)
			}
			enc, err := got.Encode()
			if err != nil || !bytes.Equal(enc, in) {
				t.Errorf("Encode = %x, %v; want %x", enc, err, in)
			}
		})
	}
}

func TestParseKeyDataRejectsOverrunsAndDirtyPadding(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"element overruns the field", "30 14 0100", ErrTruncated},
		{"one stray octet", "30 00 01", ErrTruncated},
		{"KDE length past the end", "dd 16 000fac01 0100 0001", ErrTruncated},
		{"non-zero octet after the padding", "dd 00 00 01", ErrInvalid},
		{"an element after the padding", "dd 00 30 00", ErrInvalid},
	}
	for _, tc := range tests {
		if _, err := ParseKeyData(unhex(t, tc.in)); !errors.Is(err, tc.want) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestKeyDataEncodeRejectsWhatWouldNotReadBack(t *testing.T) {
	for _, kd := range []KeyData{
		{Elements: []ieee80211.Element{{ID: 0xdd}}},
		{Elements: []ieee80211.Element{{ID: 48, Data: make([]byte, 256)}}},
		{Padding: []byte{0x00, 0x00}},
		{Padding: []byte{0xdd, 0x01}},
	} {
		if _, err := kd.Encode(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Encode(%+v) error = %v, want ErrInvalid", kd, err)
		}
	}
}

func TestPadKeyDataPadsToAMultipleOf8AndAtLeast16(t *testing.T) {
	for _, tc := range []struct{ n, want int }{
		{0, 16}, {1, 16}, {7, 16}, {8, 16}, {15, 16}, {16, 16}, {17, 24}, {22, 24}, {23, 24}, {24, 24}, {25, 32}, {120, 120},
	} {
		in := fill(tc.n, 0x30)
		got := PadKeyData(in)
		if len(got) != tc.want || PaddingLen(tc.n) != tc.want-tc.n {
			t.Errorf("PadKeyData(%d octets) gives %d octets (PaddingLen %d), want %d", tc.n, len(got), PaddingLen(tc.n), tc.want)
			continue
		}
		if !bytes.Equal(got[:tc.n], in) {
			t.Errorf("PadKeyData(%d octets) changed the data", tc.n)
		}
		if tc.want > tc.n {
			if pad := got[tc.n:]; pad[0] != 0xdd || !isZero(pad[1:]) {
				t.Errorf("PadKeyData(%d octets) padding = %x", tc.n, pad)
			}
		}
	}
}

func TestEncodePaddedReadsBackAsTheSameElements(t *testing.T) {
	gtk := GTKKDE{KeyID: 1, GTK: fill(16, 0x47)}.KDE()
	gtkElem, err := gtk.Element()
	if err != nil {
		t.Fatal(err)
	}
	kd := KeyData{Elements: []ieee80211.Element{{ID: 48, Data: rsneBody}, gtkElem}, Padding: []byte{0xdd}}
	b, err := kd.EncodePadded()
	if err != nil {
		t.Fatal(err)
	}
	// 22 (RSNE) + 24 (GTK KDE) = 46, padded to 48.
	if len(b) != 48 {
		t.Errorf("EncodePadded gives %d octets, want 48", len(b))
	}
	got, err := ParseKeyData(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(kd.Elements, got.Elements); d != "" {
		t.Errorf("elements (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]byte{0xdd, 0x00}, got.Padding); d != "" {
		t.Errorf("padding (-want +got):\n%s", d)
	}
}

func TestKeyDataFindsKDEsAndElements(t *testing.T) {
	kd, err := ParseKeyData(unhex(t, "30 02 0100"+"dd 06 0050f201 0100"+"dd 05 506f9a04 01"+"dd 03 000fac"+"dd 0a 000fac03 020000000001"))
	if err != nil {
		t.Fatal(err)
	}
	want := []KDE{
		{OUI: ieee80211.OUIMicrosoft, Type: 1, Data: []byte{0x01, 0x00}},
		{OUI: ieee80211.OUIWFA, Type: KDEIPAddressRequest, Data: []byte{0x01}},
		{OUI: OUIIEEE80211, Type: KDEMACAddress, Data: unhex(t, "020000000001")},
	}
	if d := cmp.Diff(want, kd.KDEs()); d != "" {
		t.Errorf("KDEs (-want +got):\n%s (a 3-octet vendor element is not a KDE)", d)
	}
	if k, ok := kd.FindKDE(ieee80211.OUIWFA, KDEIPAddressRequest); !ok || !k.RequestsIPAddress() {
		t.Errorf("FindKDE(IP Address Request) = %+v, %v", k, ok)
	}
	if _, ok := kd.FindKDE(ieee80211.OUIWFA, KDEIPAddressAllocation); ok {
		t.Errorf("FindKDE found an IP Address Allocation KDE that is not there")
	}
	if e, ok := kd.FindElement(ieee80211.ElemRSN); !ok || !bytes.Equal(e.Data, []byte{0x01, 0x00}) {
		t.Errorf("FindElement(RSN) = %+v, %v", e, ok)
	}
	if _, ok := kd.FindElement(244); ok {
		t.Errorf("FindElement found an RSNXE that is not there")
	}
}
