package ieee80211

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeBodyDecodesEachSubtype(t *testing.T) {
	ssidDirect := Element{ID: ElemSSID, Data: []byte("DIRECT-")}
	tests := []struct {
		name    string
		subtype uint8
		in      string
		want    Body
	}{{
		name:    "Beacon",
		subtype: SubtypeBeacon,
		in:      "0102030405060708 6400 1104 0007 4449524543542d 030106",
		want: Beacon{
			Timestamp: 0x0807060504030201, BeaconInterval: 100, Capability: CapESS | CapPrivacy | CapShortSlotTime,
			Elements: Elements{ssidDirect, {ID: ElemDSParameterSet, Data: []byte{6}}},
		},
	}, {
		name:    "Probe Response without elements",
		subtype: SubtypeProbeResp,
		in:      "0000000000000000 6400 2100",
		want:    ProbeResp{BeaconInterval: 100, Capability: CapESS | CapShortPreamble},
	}, {
		name:    "Probe Request",
		subtype: SubtypeProbeReq,
		in:      "0007 4449524543542d 0108 8c129824b048606c",
		want: ProbeReq{Elements: Elements{ssidDirect,
			{ID: ElemSupportedRates, Data: []byte{0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c}}}},
	}, {
		name:    "empty Probe Request",
		subtype: SubtypeProbeReq,
		in:      "",
		want:    ProbeReq{},
	}, {
		name:    "Open System Authentication",
		subtype: SubtypeAuth,
		in:      "0000 0200 0000 dd070050f202000100",
		want: Auth{Algorithm: AuthOpenSystem, TransactionSeq: 2, StatusCode: StatusSuccess,
			Elements: Elements{{ID: ElemVendorSpecific, Data: []byte{0x00, 0x50, 0xf2, 0x02, 0x00, 0x01, 0x00}}}},
	}, {
		name:    "SAE Authentication keeps its fields raw",
		subtype: SubtypeAuth,
		in:      "0300 0100 0000 1300 ffee",
		want:    Auth{Algorithm: AuthSAE, TransactionSeq: 1, Rest: []byte{0x13, 0x00, 0xff, 0xee}},
	}, {
		name:    "Association Request",
		subtype: SubtypeAssocReq,
		in:      "3104 0a00 0007 4449524543542d",
		want:    AssocReq{Capability: 0x0431, ListenInterval: 10, Elements: Elements{ssidDirect}},
	}, {
		name:    "Reassociation Request",
		subtype: SubtypeReassocReq,
		in:      "3104 0a00 020000000100 0007 4449524543542d",
		want:    ReassocReq{Capability: 0x0431, ListenInterval: 10, CurrentAP: goAddr, Elements: Elements{ssidDirect}},
	}, {
		name:    "Association Response",
		subtype: SubtypeAssocResp,
		in:      "1104 0000 01c0 0104 8c129824",
		want: AssocResp{Capability: 0x0411, StatusCode: StatusSuccess, AID: 0xc001,
			Elements: Elements{{ID: ElemSupportedRates, Data: []byte{0x8c, 0x12, 0x98, 0x24}}}},
	}, {
		name:    "Reassociation Response refusing",
		subtype: SubtypeReassocResp,
		in:      "1104 1100 0000",
		want:    ReassocResp{Capability: 0x0411, StatusCode: StatusAPUnableToHandleNewSTA},
	}, {
		name:    "Deauthentication with a vendor element",
		subtype: SubtypeDeauth,
		in:      "0300 dd04506f9a09",
		want: Deauth{ReasonCode: ReasonDeauthLeaving,
			Elements: Elements{{ID: ElemVendorSpecific, Data: []byte{0x50, 0x6f, 0x9a, 0x09}}}},
	}, {
		name:    "Disassociation",
		subtype: SubtypeDisassoc,
		in:      "0800",
		want:    Disassoc{ReasonCode: ReasonDisassocSTAHasLeft},
	}, {
		name:    "P2P Public Action (GO Negotiation Request start)",
		subtype: SubtypeAction,
		in:      "04 09 506f9a09 00 01",
		want:    Action{Category: CategoryPublic, Rest: []byte{PublicActionVendorSpecific, 0x50, 0x6f, 0x9a, 0x09, 0x00, 0x01}},
	}, {
		name:    "P2P Action (Presence Request start)",
		subtype: SubtypeAction,
		in:      "7f 506f9a09 01 05",
		want:    Action{Category: CategoryVendorSpecific, Rest: []byte{0x50, 0x6f, 0x9a, 0x09, 0x01, 0x05}},
	}, {
		name:    "GAS Initial Request",
		subtype: SubtypeAction,
		in:      "04 0a 01",
		want:    Action{Category: CategoryPublic, Rest: []byte{PublicActionGASInitialRequest, 0x01}},
	}, {
		name:    "Action No Ack with the Category only",
		subtype: SubtypeActionNoAck,
		in:      "7f",
		want:    ActionNoAck{Category: CategoryVendorSpecific},
	}, {
		name:    "ATIM stays raw",
		subtype: SubtypeATIM,
		in:      "",
		want:    RawBody{},
	}, {
		name:    "reserved subtype stays raw",
		subtype: 15,
		in:      "abcd",
		want:    RawBody{0xab, 0xcd},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			got, err := DecodeBody(tt.subtype, in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, equateEmpty); diff != "" {
				t.Errorf("DecodeBody (-want +got):\n%s", diff)
			}
			mustRoundTripBody(t, got, in)
		})
	}
}

func TestDecodeBodyRejectsBodiesShorterThanTheirFixedFields(t *testing.T) {
	tests := []struct {
		subtype uint8
		in      string
	}{
		{SubtypeBeacon, "0000000000000000 6400 11"},
		{SubtypeProbeResp, ""},
		{SubtypeAuth, "0000 0100 00"},
		{SubtypeAssocReq, "3104 0a"},
		{SubtypeReassocReq, "3104 0a00 0200000001"},
		{SubtypeAssocResp, "1104 0000 01"},
		{SubtypeReassocResp, ""},
		{SubtypeDeauth, "03"},
		{SubtypeDisassoc, ""},
		{SubtypeAction, ""},
		{SubtypeActionNoAck, ""},
	}
	for _, tt := range tests {
		got, err := DecodeBody(tt.subtype, unhex(t, tt.in))
		if !errors.Is(err, ErrTruncated) || got != nil {
			t.Errorf("subtype %d, body %q: DecodeBody = %v, %v; want nil, ErrTruncated", tt.subtype, tt.in, got, err)
		}
	}
}

// An element whose length runs past the end of the frame fails the whole
// body rather than being silently cut.
func TestDecodeBodyRejectsElementLengthOverrun(t *testing.T) {
	tests := []struct {
		name    string
		subtype uint8
		in      string
	}{
		{"Beacon SSID overrun", SubtypeBeacon, "0000000000000000 6400 1104 0020 4449524543542d"},
		{"Probe Request dangling octet", SubtypeProbeReq, "0000 dd"},
		{"Probe Response vendor overrun", SubtypeProbeResp, "0000000000000000 6400 1104 ddff 506f9a09"},
		{"Open System Authentication", SubtypeAuth, "0000 0200 0000 dd09 0050f2"},
		{"Association Request", SubtypeAssocReq, "3104 0a00 0105 8c12"},
		{"Reassociation Request", SubtypeReassocReq, "3104 0a00 020000000100 00"},
		{"Association Response", SubtypeAssocResp, "1104 0000 01c0 2d1a"},
		{"Deauthentication", SubtypeDeauth, "0300 dd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeBody(tt.subtype, unhex(t, tt.in)); !errors.Is(err, ErrTruncated) {
				t.Errorf("DecodeBody error = %v, want ErrTruncated", err)
			}
		})
	}
}

// Bodies decode no element contents: an SSID longer than 32 octets is
// carried through (hostap still reports such a P2P device) and rejected
// only by DecodeSSID.
func TestBadInput4a1BeaconWithLongSSIDDecodesButSSIDIsRejected(t *testing.T) {
	long := make([]byte, 255)
	for i := range long {
		long[i] = 'A'
	}
	in := append(unhex(t, "0000000000000000 6400 1104 00ff"), long...)
	b, err := DecodeBeacon(in)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := b.Elements.Find(ElemSSID)
	if !ok || len(e.Data) != 255 {
		t.Fatalf("SSID element = %v, %v; want its 255 octets", ok, len(e.Data))
	}
	if _, err := DecodeSSID(e.Data); !errors.Is(err, ErrInvalid) {
		t.Errorf("DecodeSSID error = %v, want ErrInvalid", err)
	}
	mustRoundTripBody(t, b, in)
}

func TestBodyAppendRejectsElementLongerThan255(t *testing.T) {
	big := Elements{{ID: ElemVendorSpecific, Data: make([]byte, 256)}}
	for _, body := range []Body{
		Beacon{Elements: big}, ProbeResp{Elements: big}, ProbeReq{Elements: big}, Auth{Elements: big},
		AssocReq{Elements: big}, ReassocReq{Elements: big}, AssocResp{Elements: big}, ReassocResp{Elements: big},
		Deauth{Elements: big}, Disassoc{Elements: big},
	} {
		if _, err := body.Append(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%T.Append error = %v, want ErrInvalid", body, err)
		}
	}
}

func TestAssocRespAssociationIDDropsTheTopTwoBits(t *testing.T) {
	if got := (AssocResp{AID: 0xc001}).AssociationID(); got != 1 {
		t.Errorf("AssociationID() = %d, want 1", got)
	}
	if got := (ReassocResp{AID: 0xc7d7}).AssociationID(); got != 2007 {
		t.Errorf("AssociationID() = %d, want 2007", got)
	}
}
