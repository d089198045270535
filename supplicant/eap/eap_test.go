package eap

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// eapolBody returns the EAP packet of an EAPOL EAP-Packet frame (IEEE
// 802.1X-2020, 11.3: version, type 0, body length, body). Test-only: the
// eapol package owns EAPOL.
func eapolBody(t testing.TB, frame []byte) ([]byte, bool) {
	t.Helper()
	if len(frame) < 4 || frame[1] != 0 {
		return nil, false
	}
	n := int(frame[2])<<8 | int(frame[3])
	if len(frame)-4 < n {
		t.Fatalf("EAPOL body length %d, %d octets present", n, len(frame)-4)
	}
	return frame[4 : 4+n], true
}

func TestDecodeRequestIdentityFromHostapCorpus(t *testing.T) {
	frame, err := os.ReadFile(filepath.Join("testdata", "eap-req-identity.dat"))
	if err != nil {
		t.Fatal(err)
	}
	body, ok := eapolBody(t, frame)
	if !ok {
		t.Fatal("not an EAPOL EAP-Packet")
	}
	p, err := Decode(body)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := Packet{Code: CodeRequest, Identifier: 0x31, Type: TypeIdentity, Data: []byte{}}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("Decode (-want +got):\n%s", d)
	}
	if d := cmp.Diff(IdentityRequest(0x31), p); d != "" {
		t.Errorf("IdentityRequest differs (-want +got):\n%s", d)
	}
}

func TestDecodeRoundTripsEveryPacketKind(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Packet
	}{
		{"Request/Identity", "01310005 01", Packet{Code: CodeRequest, Identifier: 0x31, Type: TypeIdentity, Data: []byte{}}},
		{"Response/Identity of the Enrollee", "02fd0022 01 5746412d53696d706c65436f6e6669672d456e726f6c6c65652d312d30",
			IdentityResponse(0xfd, IdentityEnrollee)},
		{"Success", "03070004", Packet{Code: CodeSuccess, Identifier: 7}},
		{"Failure", "04080004", Packet{Code: CodeFailure, Identifier: 8}},
		{"Request/WSC_Start", "01fe000e fe00372a00000001 0100", Packet{
			Code: CodeRequest, Identifier: 0xfe, Type: TypeExpanded, VendorID: VendorWFA, VendorType: VendorTypeSimpleConfig, Data: []byte{1, 0},
		}},
		{"Response/Nak", "02010006 03fe", Packet{Code: CodeResponse, Identifier: 1, Type: TypeNak, Data: []byte{0xfe}}},
		{"Expanded Type of another vendor", "0101000c fe00000900000002", Packet{Code: CodeRequest, Identifier: 1, Type: TypeExpanded, VendorID: 9, VendorType: 2, Data: []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			p, err := Decode(in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d := cmp.Diff(tt.want, p); d != "" {
				t.Errorf("Decode (-want +got):\n%s", d)
			}
			back, err := p.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !bytes.Equal(back, in) {
				t.Errorf("Encode = %x, want %x", back, in)
			}
			if p.Len() != len(in) {
				t.Errorf("Len = %d, want %d", p.Len(), len(in))
			}
		})
	}
}

func TestDecodeRejectsMalformedPackets(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrTruncated},
		{"truncated header of 3 octets", "010100", ErrTruncated},
		{"Length above the data", "01010009 01", ErrTruncated},
		{"Length below the data", "01010005 0141", ErrInvalid},
		{"Length below the header", "01010002 01", ErrInvalid},
		{"Request without a Type", "01010004", ErrTruncated},
		{"Success with data", "03010005 00", ErrInvalid},
		{"Failure with Length 5", "04010005 00", ErrInvalid},
		{"Expanded Type header cut short", "0101000b fe00372a000000", ErrTruncated},
		{"Initiate code (RFC 6696)", "05010005 01", ErrInvalid},
		{"unknown code", "00010004", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(unhex(t, tt.in)); !errors.Is(err, tt.want) {
				t.Errorf("Decode error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEncodeRejectsInvalidPackets(t *testing.T) {
	for name, p := range map[string]Packet{
		"unknown code":        {Code: 9},
		"Success with data":   {Code: CodeSuccess, Data: []byte{1}},
		"Vendor-Id > 24 bits": {Code: CodeRequest, Type: TypeExpanded, VendorID: 0x1000000},
		"over 65535 octets":   {Code: CodeResponse, Type: TypeIdentity, Data: make([]byte, 65531)},
	} {
		if _, err := p.Encode(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Encode error = %v, want ErrInvalid", name, err)
		}
	}
}

func TestIdentityConstants(t *testing.T) {
	if IdentityEnrollee != "WFA-SimpleConfig-Enrollee-1-0" || len(IdentityEnrollee) != 29 {
		t.Errorf("IdentityEnrollee = %q", IdentityEnrollee)
	}
	if IdentityRegistrar != "WFA-SimpleConfig-Registrar-1-0" || len(IdentityRegistrar) != 30 {
		t.Errorf("IdentityRegistrar = %q", IdentityRegistrar)
	}
}

func TestCodeAndOpCodeNames(t *testing.T) {
	for got, want := range map[string]string{
		CodeRequest.String(): "Request", CodeFailure.String(): "Failure", Code(9).String(): "code 9",
		OpStart.String(): "WSC_Start", OpFragACK.String(): "WSC_FRAG_ACK", OpCode(7).String(): "op-code 7",
	} {
		if got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
