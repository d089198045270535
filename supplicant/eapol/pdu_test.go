package eapol

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodePDUReadsEachPacketTypeAndKeepsPadding(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want PDU
	}{
		{
			name: "EAP-Packet Request/Identity",
			in:   []byte{0x02, 0x00, 0x00, 0x05, 0x01, 0x31, 0x00, 0x05, 0x01},
			want: PDU{Version: 2, Type: PacketEAP, Body: []byte{0x01, 0x31, 0x00, 0x05, 0x01}},
		},
		{
			name: "EAPOL-Start without body",
			in:   []byte{0x01, 0x01, 0x00, 0x00},
			want: PDU{Version: 1, Type: PacketStart},
		},
		{
			name: "EAPOL-Logoff padded to the Ethernet minimum",
			in:   append([]byte{0x03, 0x02, 0x00, 0x00}, make([]byte, 42)...),
			want: PDU{Version: 3, Type: PacketLogoff, Padding: make([]byte, 42)},
		},
		{
			name: "EAPOL-Key with a body shorter than the buffer",
			in:   []byte{0x02, 0x03, 0x00, 0x02, 0xfe, 0x01, 0xaa},
			want: PDU{Version: 2, Type: PacketKey, Body: []byte{0xfe, 0x01}, Padding: []byte{0xaa}},
		},
		{
			name: "EAPOL-MKA kept raw",
			in:   []byte{0x03, 0x05, 0x00, 0x03, 0x01, 0x02, 0x03},
			want: PDU{Version: 3, Type: PacketMKA, Body: []byte{0x01, 0x02, 0x03}},
		},
		{
			name: "unassigned packet type kept raw",
			in:   []byte{0x03, 0xc8, 0x00, 0x01, 0x7f},
			want: PDU{Version: 3, Type: 200, Body: []byte{0x7f}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodePDU(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("DecodePDU (-want +got):\n%s", d)
			}
			enc, err := got.Encode()
			if err != nil || !bytes.Equal(enc, tc.in) {
				t.Errorf("Encode = %x, %v; want %x", enc, err, tc.in)
			}
		})
	}
}

func TestDecodePDURejectsShortHeaderAndBodyLengthBeyondData(t *testing.T) {
	for _, in := range [][]byte{
		nil,
		{0x02},
		{0x02, 0x03, 0x00},
		{0x02, 0x03, 0x00, 0x01},
		{0x02, 0x03, 0x00, 0x5f, 0x02},
		{0x02, 0x00, 0xff, 0xff},
	} {
		if _, err := DecodePDU(in); !errors.Is(err, ErrTruncated) {
			t.Errorf("DecodePDU(%x) error = %v, want ErrTruncated", in, err)
		}
	}
}

func TestPDUValidateAcceptsVersions1To3Only(t *testing.T) {
	for v := range 256 {
		err := PDU{Version: uint8(v), Type: PacketStart}.Validate()
		if ok := v >= 1 && v <= 3; ok != (err == nil) {
			t.Errorf("Validate(version %d) = %v", v, err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(version %d) error %v does not wrap ErrInvalid", v, err)
		}
	}
}

func TestPDUEncodeRejectsBodyLongerThan65535(t *testing.T) {
	if _, err := (PDU{Version: 2, Type: PacketEAP, Body: make([]byte, MaxBodyLen+1)}).Encode(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Encode error = %v, want ErrInvalid", err)
	}
	if _, err := (PDU{Version: 2, Type: PacketEAP, Body: make([]byte, MaxBodyLen)}).Encode(); err != nil {
		t.Errorf("Encode of a 65535-octet body: %v", err)
	}
}

func TestPacketTypeStringNamesTheTypes(t *testing.T) {
	for typ, want := range map[PacketType]string{
		PacketEAP: "EAPOL-EAP", PacketStart: "EAPOL-Start", PacketLogoff: "EAPOL-Logoff",
		PacketKey: "EAPOL-Key", PacketMKA: "EAPOL-MKA", 42: "PacketType(42)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint8(typ), got, want)
		}
	}
}
