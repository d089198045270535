package wsc

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseAttributesSplitsInWireOrder(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Attribute
	}{
		{"empty input", "", []Attribute{}},
		{"one attribute", "104a 0001 10", []Attribute{{AttrVersion, []byte{0x10}}}},
		{"zero-length value", "1011 0000", []Attribute{{AttrDeviceName, []byte{}}}},
		{"two attributes keep their order", "1022 0001 04 104a 0001 10", []Attribute{
			{AttrMessageType, []byte{4}}, {AttrVersion, []byte{0x10}},
		}},
		{"unknown type", "abcd 0002 0102", []Attribute{{0xabcd, []byte{1, 2}}}},
		{"zero padding in 4-octet units parses as type-0 attributes", "104a 0001 10 0000 0000 0000 0000", []Attribute{
			{AttrVersion, []byte{0x10}}, {0, []byte{}}, {0, []byte{}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			got, err := ParseAttributes(in)
			if err != nil {
				t.Fatalf("ParseAttributes: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ParseAttributes (-want +got):\n%s", d)
			}
			back, err := AppendAttributes(nil, got)
			if err != nil {
				t.Fatalf("AppendAttributes: %v", err)
			}
			if !bytes.Equal(back, in) {
				t.Errorf("AppendAttributes = %x, want %x", back, in)
			}
		})
	}
}

func TestParseAttributesRejectsMalformedTLVs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"1-octet header", "10", ErrTruncated},
		{"3-octet header", "104a 00", ErrTruncated},
		{"length overruns input", "104a 0002 10", ErrTruncated},
		{"length 0xffff with little data", "1011 ffff 4142", ErrTruncated},
		{"trailing octet after last attribute", "104a 0001 10 00", ErrTruncated},
		{"trailing 3 octets after last attribute", "104a 0001 10 000000", ErrTruncated},
		{"zero padding not in 4-octet units", "104a 0001 10 0000 0000 00", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAttributes(unhex(t, tt.in))
			if !errors.Is(err, tt.want) {
				t.Errorf("ParseAttributes error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAppendAttributeRejectsValueOver65535Octets(t *testing.T) {
	_, err := AppendAttribute(nil, Attribute{Type: AttrVendorExtension, Value: make([]byte, 65536)})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("AppendAttribute error = %v, want ErrInvalid", err)
	}
}

// TestBadInput21HugePaddingParsesInLinearTime is docs/bad-input.md 4b #21:
// hostap's M1 padding workaround rescanned the tail at every zero header
// (OSS-Fuzz #60039). 1 MiB of zeros after an M1, and the same with a
// non-zero octet at the end, must be handled in one pass.
func TestBadInput21HugePaddingParsesInLinearTime(t *testing.T) {
	m1 := mustEncode(t, sampleM1(t))
	padded := append(append([]byte(nil), m1...), make([]byte, 1<<20)...)
	spoiled := append(append([]byte(nil), padded...), 0x01)

	start := time.Now()
	m, err := Decode[M1](padded)
	if err != nil {
		t.Fatalf("Decode[M1] with zero padding: %v", err)
	}
	if got := len(m.Unknown); got != (1<<20)/4 {
		t.Errorf("padding kept as %d type-0 attributes, want %d", got, (1<<20)/4)
	}
	back := mustEncode(t, m)
	if !bytes.Equal(back, padded) {
		t.Errorf("padded M1 does not re-encode byte-exactly")
	}
	if _, err := ParseAttributes(spoiled); !errors.Is(err, ErrTruncated) {
		t.Errorf("ParseAttributes with a non-zero tail error = %v, want ErrTruncated", err)
	}
	// A quadratic scan of 262144 headers would take minutes; linear work
	// takes well under a second even on a loaded machine.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("1 MiB of padding took %v", d)
	}
}

func TestCheckLengthAppliesTheSpecificationsSizes(t *testing.T) {
	tests := []struct {
		typ     AttrType
		ok, bad []int
	}{
		{AttrVersion, []int{1}, []int{0, 2}},
		{AttrMessageType, []int{1}, []int{0, 2}},
		{AttrUUIDE, []int{16}, []int{15, 17}},
		{AttrUUIDR, []int{16}, []int{0, 32}},
		{AttrMACAddress, []int{6}, []int{5, 7}},
		{AttrEnrolleeNonce, []int{16}, []int{8}},
		{AttrRegistrarNonce, []int{16}, []int{17}},
		{AttrPublicKey, []int{192}, []int{190, 191, 193, 0}},
		{AttrAuthenticationTypeFlags, []int{2}, []int{1, 3}},
		{AttrEncryptionTypeFlags, []int{2}, []int{1}},
		{AttrConnectionTypeFlags, []int{1}, []int{2}},
		{AttrConfigMethods, []int{2}, []int{4}},
		{AttrSelectedRegistrarConfigMethods, []int{2}, []int{1}},
		{AttrWPSState, []int{1}, []int{0}},
		{AttrManufacturer, []int{0, 64}, []int{65}},
		{AttrModelName, []int{0, 32}, []int{33}},
		{AttrModelNumber, []int{32}, []int{33}},
		{AttrSerialNumber, []int{32}, []int{33}},
		{AttrDeviceName, []int{0, 32}, []int{33, 255}},
		{AttrPrimaryDeviceType, []int{8}, []int{7, 9}},
		{AttrSecondaryDeviceTypeList, []int{0, 8, 128}, []int{7, 136}},
		{AttrRequestedDeviceType, []int{8}, []int{16}},
		{AttrRFBands, []int{1}, []int{2}},
		{AttrAssociationState, []int{2}, []int{1}},
		{AttrDevicePasswordID, []int{2}, []int{1}},
		{AttrConfigurationError, []int{2}, []int{3}},
		{AttrOSVersion, []int{4}, []int{2}},
		{AttrEHash1, []int{32}, []int{31}},
		{AttrEHash2, []int{32}, []int{33}},
		{AttrRHash1, []int{32}, []int{16}},
		{AttrRHash2, []int{32}, []int{0}},
		{AttrEncryptedSettings, []int{32, 48}, []int{0, 16, 31, 33}},
		{AttrESNonce1, []int{16}, []int{15}},
		{AttrESNonce2, []int{16}, []int{15}},
		{AttrRSNonce1, []int{16}, []int{15}},
		{AttrRSNonce2, []int{16}, []int{15}},
		{AttrKeyWrapAuthenticator, []int{8}, []int{7}},
		{AttrAuthenticator, []int{8}, []int{9}},
		{AttrNetworkIndex, []int{1}, []int{2}},
		{AttrSSID, []int{0, 32}, []int{33}},
		{AttrAuthenticationType, []int{2}, []int{1}},
		{AttrEncryptionType, []int{2}, []int{1}},
		{AttrNetworkKeyIndex, []int{1}, []int{0}},
		{AttrNetworkKey, []int{0, 64}, []int{65}},
		{AttrSelectedRegistrar, []int{1}, []int{2}},
		{AttrResponseType, []int{1}, []int{0}},
		{AttrRequestType, []int{1}, []int{2}},
		{AttrAPSetupLocked, []int{1}, []int{0}},
		{AttrAPChannel, []int{2}, []int{1}},
		{AttrVendorExtension, []int{3, 1024}, []int{0, 2, 1025}},
		{AttrApplicationExtension, []int{0, 1000}, nil},
		{AttrCredential, []int{0, 500}, nil},
		{0xfff0, []int{0, 7}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String(), func(t *testing.T) {
			for _, n := range tt.ok {
				if err := checkLength(Attribute{tt.typ, make([]byte, n)}); err != nil {
					t.Errorf("%d octets: %v", n, err)
				}
			}
			for _, n := range tt.bad {
				if err := checkLength(Attribute{tt.typ, make([]byte, n)}); !errors.Is(err, ErrInvalid) {
					t.Errorf("%d octets: error %v, want ErrInvalid", n, err)
				}
			}
		})
	}
}

func TestAttrTypeStringNamesKnownTypes(t *testing.T) {
	for typ, want := range map[AttrType]string{
		AttrVersion: "Version", AttrDeviceName: "Device Name", AttrPublicKey: "Public Key", 0x1234: "attribute 0x1234",
	} {
		if got := typ.String(); got != want {
			t.Errorf("AttrType(0x%04x).String() = %q, want %q", uint16(typ), got, want)
		}
	}
}
