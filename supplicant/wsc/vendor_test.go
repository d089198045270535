package wsc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func TestWFAExtensionDecodesEverySubelement(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want WFAExtension
	}{
		{"Version2", "000120", WFAExtension{Version2: 0x20}},
		{"AuthorizedMACs broadcast", "000120 0106ffffffffffff", WFAExtension{Version2: 0x20, AuthorizedMACs: []ieee80211.MAC{ieee80211.Broadcast}}},
		{"empty AuthorizedMACs", "0100", WFAExtension{AuthorizedMACs: []ieee80211.MAC{}}},
		{"Network Key Shareable", "020101", WFAExtension{NetworkKeyShareable: ptr(true)}},
		{"Request to Enroll", "000120 030101", WFAExtension{Version2: 0x20, RequestToEnroll: ptr(true)}},
		{"Settings Delay Time", "04010a", WFAExtension{SettingsDelayTime: ptr(uint8(10))}},
		{"Registrar Configuration Methods", "05020188", WFAExtension{RegistrarConfigMethods: ptr(ConfigMethods(0x188))}},
		{"unknown subelement", "060140 0700", WFAExtension{Unknown: []Subelement{{6, []byte{0x40}}, {7, []byte{}}}}},
		{"empty", "", WFAExtension{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			got, err := DecodeWFAExtension(in)
			if err != nil {
				t.Fatalf("DecodeWFAExtension: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("DecodeWFAExtension (-want +got):\n%s", d)
			}
			back, err := got.Append(nil)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if !bytes.Equal(back, in) {
				t.Errorf("Append = %x, want %x", back, in)
			}
		})
	}
}

func TestWFAExtensionRejectsMalformedSubelements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"Version2 of 2 octets", "00022000", ErrInvalid},
		{"Version2 0", "000100", ErrInvalid},
		{"Network Key Shareable of 0 octets", "0200", ErrInvalid},
		{"Request to Enroll of 2", "030102", ErrInvalid},
		{"Settings Delay Time of 2 octets", "04020101", ErrInvalid},
		{"Registrar Configuration Methods of 1 octet", "050101", ErrInvalid},
		{"AuthorizedMACs of 7 octets", "0107ffffffffffff00", ErrInvalid},
		{"six AuthorizedMACs", "0124" + "020000000001020000000002020000000003020000000004020000000005020000000006", ErrInvalid},
		{"repeated Version2", "000120 000120", ErrInvalid},
		{"truncated header", "00", ErrTruncated},
		{"length overruns", "000220", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeWFAExtension(unhex(t, tt.in)); !errors.Is(err, tt.want) {
				t.Errorf("DecodeWFAExtension error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWFAExtensionRejectsBadValuesWhenEncoding(t *testing.T) {
	for name, w := range map[string]WFAExtension{
		"six AuthorizedMACs":           {AuthorizedMACs: make([]ieee80211.MAC, 6)},
		"typed subelement in Unknown":  {Unknown: []Subelement{{ID: SubelemVersion2, Value: []byte{0x20}}}},
		"repeated unknown subelement":  {Unknown: []Subelement{{ID: 9}, {ID: 9}}},
		"unknown subelement too long":  {Unknown: []Subelement{{ID: 9, Value: make([]byte, 256)}}},
		"data over the Vendor Ext cap": {Unknown: []Subelement{{ID: 9, Value: make([]byte, 255)}, {ID: 10, Value: make([]byte, 255)}, {ID: 11, Value: make([]byte, 255)}, {ID: 12, Value: make([]byte, 255)}}},
	} {
		if _, err := w.VendorExtension(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: VendorExtension error = %v, want ErrInvalid", name, err)
		}
	}
}

func TestWFAFindsTheFirstWFAVendorExtension(t *testing.T) {
	exts := []VendorExtension{
		{VendorID: 0x000137, Data: []byte{0, 1, 0x30}},
		{VendorID: VendorIDWFA, Data: []byte{0}}, // malformed, skipped
		{VendorID: VendorIDWFA, Data: []byte{0, 1, 0x20}},
	}
	w, ok := WFA(exts)
	if !ok || w.Version2 != 0x20 {
		t.Errorf("WFA = %+v, %v; want Version2 0x20", w, ok)
	}
	if _, ok := WFA(exts[:1]); ok {
		t.Errorf("WFA found an extension among non-WFA ones")
	}
}
