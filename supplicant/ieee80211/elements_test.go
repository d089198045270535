package ieee80211

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeSSIDAcceptsZeroTo32Octets(t *testing.T) {
	for _, ssid := range []string{"", "DIRECT-", "DIRECT-Ly", strings.Repeat("x", 32)} {
		got, err := DecodeSSID([]byte(ssid))
		if err != nil || string(got) != ssid {
			t.Errorf("DecodeSSID(%q) = %q, %v", ssid, got, err)
		}
		enc, err := AppendSSID(nil, []byte(ssid))
		if err != nil {
			t.Fatal(err)
		}
		if want := append([]byte{ElemSSID, byte(len(ssid))}, ssid...); !bytes.Equal(enc, want) {
			t.Errorf("AppendSSID(%q) = %x, want %x", ssid, enc, want)
		}
	}
}

// docs/bad-input.md 4a #1 (CVE-2015-1863): SSID elements longer than 32
// octets, up to the 255 the length octet allows.
func TestBadInput4a1DecodeSSIDRejectsLongerThan32(t *testing.T) {
	for _, n := range []int{33, 64, 223, 255} {
		if _, err := DecodeSSID(make([]byte, n)); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeSSID of %d octets: error = %v, want ErrInvalid", n, err)
		}
		if b, err := AppendSSID([]byte{1}, make([]byte, n)); !errors.Is(err, ErrInvalid) || len(b) != 1 {
			t.Errorf("AppendSSID of %d octets = %x, %v; want the input back and ErrInvalid", n, b, err)
		}
	}
}

func TestRateSplitsBasicFlagAndValue(t *testing.T) {
	tests := []struct {
		r     Rate
		basic bool
		kbps  int
	}{
		{0x82, true, 1000},
		{0x0c, false, 6000},
		{0x6c, false, 54000},
		{0xff, true, 63500}, // HT PHY membership selector
	}
	for _, tt := range tests {
		if tt.r.Basic() != tt.basic || tt.r.Kbps() != tt.kbps || tt.r.Value() != uint8(tt.kbps/500) {
			t.Errorf("Rate %#x: Basic %v Kbps %d Value %d", uint8(tt.r), tt.r.Basic(), tt.r.Kbps(), tt.r.Value())
		}
	}
}

func TestDecodeSupportedRatesWantsOneToEight(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Rate
		wantErr error
	}{
		{"one basic rate", "82", []Rate{0x82}, nil},
		{"eight OFDM rates", "8c129824b048606c", []Rate{0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c}, nil},
		{"empty", "", nil, ErrInvalid},
		{"nine", "8284 8b96 0c12 1824 30", nil, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSupportedRates(unhex(t, tt.in))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rates (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeExtSupportedRatesWantsAtLeastOne(t *testing.T) {
	got, err := DecodeExtSupportedRates(unhex(t, "3048606c"))
	if err != nil || len(got) != 4 || got[3] != 0x6c {
		t.Errorf("DecodeExtSupportedRates = %v, %v", got, err)
	}
	if _, err := DecodeExtSupportedRates(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty: error = %v, want ErrInvalid", err)
	}
}

func TestAppendRatesSplitsAfterEight(t *testing.T) {
	rates := []Rate{0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24, 0x30, 0x48, 0x60, 0x6c}
	got, err := AppendRates(nil, rates)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, "0108 82848b960c121824 3204 3048606c")
	if !bytes.Equal(got, want) {
		t.Errorf("AppendRates = %x, want %x", got, want)
	}
	got, err = AppendRates(nil, rates[:8])
	if err != nil || !bytes.Equal(got, want[:10]) {
		t.Errorf("AppendRates(8 rates) = %x, %v; want %x", got, err, want[:10])
	}
	if _, err := AppendRates(nil, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("AppendRates(none) error = %v, want ErrInvalid", err)
	}
	if _, err := AppendExtSupportedRates(nil, make([]Rate, 256)); !errors.Is(err, ErrInvalid) {
		t.Errorf("AppendExtSupportedRates(256 rates) error = %v, want ErrInvalid", err)
	}
}

func TestDecodeDSParameterSetWantsExactlyOneOctet(t *testing.T) {
	if ch, err := DecodeDSParameterSet([]byte{11}); err != nil || ch != 11 {
		t.Errorf("DecodeDSParameterSet = %d, %v", ch, err)
	}
	for _, in := range []string{"", "0101"} {
		if _, err := DecodeDSParameterSet(unhex(t, in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeDSParameterSet(%q) error = %v, want ErrInvalid", in, err)
		}
	}
	if got := AppendDSParameterSet(nil, 6); !bytes.Equal(got, []byte{3, 1, 6}) {
		t.Errorf("AppendDSParameterSet = %x", got)
	}
}

func TestOpaqueHTAndVHTElementsAreLengthChecked(t *testing.T) {
	tests := []struct {
		name   string
		id     uint8
		n      int
		decode func([]byte) ([]byte, error)
	}{
		{"HT Capabilities", ElemHTCapabilities, 26, func(b []byte) ([]byte, error) {
			v, err := DecodeHTCapabilities(b)
			return AppendHTCapabilities(nil, v), err
		}},
		{"HT Operation", ElemHTOperation, 22, func(b []byte) ([]byte, error) {
			v, err := DecodeHTOperation(b)
			return AppendHTOperation(nil, v), err
		}},
		{"VHT Capabilities", ElemVHTCapabilities, 12, func(b []byte) ([]byte, error) {
			v, err := DecodeVHTCapabilities(b)
			return AppendVHTCapabilities(nil, v), err
		}},
		{"VHT Operation", ElemVHTOperation, 5, func(b []byte) ([]byte, error) {
			v, err := DecodeVHTOperation(b)
			return AppendVHTOperation(nil, v), err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := make([]byte, tt.n)
			for i := range body {
				body[i] = byte(i + 1)
			}
			enc, err := tt.decode(body)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]byte{tt.id, byte(tt.n)}, body...); !bytes.Equal(enc, want) {
				t.Errorf("re-encoded %x, want %x", enc, want)
			}
			for _, n := range []int{0, tt.n - 1, tt.n + 1} {
				if _, err := tt.decode(make([]byte, n)); !errors.Is(err, ErrInvalid) {
					t.Errorf("%d octets: error = %v, want ErrInvalid", n, err)
				}
			}
		})
	}
}

func TestHTOperationPrimaryChannelIsItsFirstOctet(t *testing.T) {
	if got := (HTOperation{11}).PrimaryChannel(); got != 11 {
		t.Errorf("PrimaryChannel() = %d, want 11", got)
	}
}

func TestDecodeVendorSpecificSplitsOUI(t *testing.T) {
	got, err := DecodeVendorSpecific(unhex(t, "506f9a 09 0202 0025"))
	if err != nil {
		t.Fatal(err)
	}
	want := VendorSpecific{OUI: OUIWFA, Content: []byte{0x09, 0x02, 0x02, 0x00, 0x25}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	enc, err := AppendVendorSpecific(nil, got)
	if err != nil || !bytes.Equal(enc, unhex(t, "dd08 506f9a 09 0202 0025")) {
		t.Errorf("AppendVendorSpecific = %x, %v", enc, err)
	}
	if _, err := DecodeVendorSpecific([]byte{0x50, 0x6f}); !errors.Is(err, ErrTruncated) {
		t.Errorf("2-octet body: error = %v, want ErrTruncated", err)
	}
	if _, err := AppendVendorSpecific(nil, VendorSpecific{Content: make([]byte, 253)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("253-octet content: error = %v, want ErrInvalid", err)
	}
}

func TestElementsLookups(t *testing.T) {
	es := Elements{
		{ID: ElemSSID, Data: []byte("DIRECT-")},
		{ID: ElemVendorSpecific, Data: []byte{0x50, 0x6f, 0x9a, 0x09, 0x02}},
		{ID: ElemVendorSpecific, Data: []byte{0x00, 0x50, 0xf2, 0x04, 0x10}},
		{ID: ElemExtension, Data: []byte{35, 1, 2}},
		{ID: ElemVendorSpecific, Data: []byte{0x50, 0x6f, 0x9a, 0x09, 0x03}},
		{ID: ElemSSID, Data: []byte("second")},
	}
	if e, ok := es.Find(ElemSSID); !ok || string(e.Data) != "DIRECT-" {
		t.Errorf("Find(SSID) = %v, %v; want the first SSID", e, ok)
	}
	if _, ok := es.Find(ElemRSN); ok {
		t.Error("Find(RSN) found an element that is not there")
	}
	if e, ok := es.FindExtension(35); !ok || !bytes.Equal(e.Data, []byte{35, 1, 2}) {
		t.Errorf("FindExtension(35) = %v, %v", e, ok)
	}
	if _, ok := es.FindExtension(36); ok {
		t.Error("FindExtension(36) found an element that is not there")
	}
	if diff := cmp.Diff([]Element{es[1], es[4]}, es.Vendor(OUIWFA, VendorTypeP2P)); diff != "" {
		t.Errorf("Vendor(P2P) (-want +got):\n%s", diff)
	}
	if got := es.Vendor(OUIWFA, VendorTypeWFD); got != nil {
		t.Errorf("Vendor(WFD) = %v, want none", got)
	}
	if p, ok := es.VendorPayload(OUIWFA, VendorTypeP2P); !ok || !bytes.Equal(p, []byte{2, 3}) {
		t.Errorf("VendorPayload(P2P) = %x, %v", p, ok)
	}
}
