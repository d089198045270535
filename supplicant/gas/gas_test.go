package gas

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

var anqpRequest = ANQPAdvertisementProtocol(QueryResponseInfoRequest)
var anqpResponse = ANQPAdvertisementProtocol(QueryResponseInfoResponse)

func TestDecodeGASReadsEachFrameAndEncodesItBack(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Frame
	}{
		{
			name: "Initial Request with a P2P SD Bonjour query",
			in:   hx("04 0a 07 6c 02 00 00 0e 00 dd dd 0a 00 50 6f 9a 09 03 00 02 00 01 05"),
			want: &InitialRequest{DialogToken: 7, AdvertisementProtocol: anqpRequest,
				Query: hx("dd dd 0a 00 50 6f 9a 09 03 00 02 00 01 05")},
		},
		{
			name: "Initial Request in a Protected Dual of Public Action frame",
			in:   hx("09 0a 07 6c 02 00 00 00 00"),
			want: &InitialRequest{Protected: true, DialogToken: 7, AdvertisementProtocol: anqpRequest},
		},
		{
			name: "Initial Request with vendor-specific and reserved protocol tuples",
			in:   hx("04 0a 01 6c 0a 00 dd 05 50 6f 9a 1a 01 7f 05 00 00"),
			want: &InitialRequest{DialogToken: 1, AdvertisementProtocol: AdvertisementProtocol{
				{ID: AdvertisementProtocolVendorSpecific, Vendor: hx("50 6f 9a 1a 01")},
				{QueryResponseInfo: 0x7f, ID: 5},
			}},
		},
		{
			name: "Initial Request with octets after the Query Request",
			in:   hx("04 0a 02 6c 02 00 00 01 00 aa de ad"),
			want: &InitialRequest{DialogToken: 2, AdvertisementProtocol: anqpRequest,
				Query: hx("aa"), Trailer: hx("de ad")},
		},
		{
			name: "Initial Response carrying the whole Query Response",
			in:   hx("04 0b 07 00 00 00 00 6c 02 7f 00 12 00 dd dd 0e 00 50 6f 9a 09 03 00 06 00 01 05 00 aa bb cc"),
			want: &InitialResponse{DialogToken: 7, AdvertisementProtocol: anqpResponse,
				Response: hx("dd dd 0e 00 50 6f 9a 09 03 00 06 00 01 05 00 aa bb cc")},
		},
		{
			name: "Initial Response announcing Comeback Responses",
			in:   hx("04 0b 07 00 00 01 00 6c 02 7f 00 00 00"),
			want: &InitialResponse{DialogToken: 7, ComebackDelay: 1, AdvertisementProtocol: anqpResponse},
		},
		{
			name: "Initial Response with a failure status and nothing after the Comeback Delay",
			in:   hx("04 0b 07 3b 00 00 00"),
			want: &InitialResponse{DialogToken: 7, StatusCode: StatusAdvertisementProtocolNotSupported},
		},
		{
			name: "Comeback Request",
			in:   hx("04 0c 07"),
			want: &ComebackRequest{DialogToken: 7},
		},
		{
			name: "Comeback Response fragment 1 with More GAS Fragments",
			in:   hx("04 0d 07 00 00 81 00 00 6c 02 7f 00 03 00 aa bb cc"),
			want: &ComebackResponse{DialogToken: 7, FragmentID: 1, MoreFragments: true,
				AdvertisementProtocol: anqpResponse, Response: hx("aa bb cc")},
		},
		{
			name: "Comeback Response last fragment 127",
			in:   hx("04 0d 07 00 00 7f 00 00 6c 02 7f 00 01 00 dd"),
			want: &ComebackResponse{DialogToken: 7, FragmentID: 127,
				AdvertisementProtocol: anqpResponse, Response: hx("dd")},
		},
		{
			name: "Comeback Response saying the response is still outstanding",
			in:   hx("04 0d 07 5f 00 00 0a 00 6c 02 7f 00 00 00"),
			want: &ComebackResponse{DialogToken: 7, StatusCode: StatusQueryResponseOutstanding, ComebackDelay: 10,
				AdvertisementProtocol: anqpResponse},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decode(t, tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeGAS mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.in, encode(t, got)); diff != "" {
				t.Errorf("encode(decode(x)) != x (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.in, encode(t, tt.want)); diff != "" {
				t.Errorf("encode(want) mismatch (-want +got):\n%s", diff)
			}
			if !IsGAS(tt.in) {
				t.Error("IsGAS = false")
			}
		})
	}
}

func TestDecodeGASReportsOtherActionFramesAsNotGAS(t *testing.T) {
	for _, in := range [][]byte{
		hx("04 09 50 6f 9a 09 00 01"), // P2P GO Negotiation Request (vendor-specific Public Action)
		hx("7f 50 6f 9a 09 00 01"),    // vendor-specific Action category
		hx("04 0e 01"),
	} {
		if _, err := DecodeGAS(in); !errors.Is(err, ErrNotGAS) {
			t.Errorf("DecodeGAS(% x) = %v, want ErrNotGAS", in, err)
		}
		if IsGAS(in) {
			t.Errorf("IsGAS(% x) = true", in)
		}
	}
}

func TestAppendRejectsFramesThatCannotBeEncoded(t *testing.T) {
	tests := []struct {
		name string
		f    Frame
	}{
		{"no Advertisement Protocol tuple", &InitialRequest{}},
		{"vendor protocol ID over 255 octets", &InitialRequest{AdvertisementProtocol: AdvertisementProtocol{
			{ID: AdvertisementProtocolVendorSpecific, Vendor: make([]byte, 256)}}}},
		{"element body over 255 octets", &InitialRequest{AdvertisementProtocol: AdvertisementProtocol{
			{ID: AdvertisementProtocolVendorSpecific, Vendor: make([]byte, 200)},
			{ID: AdvertisementProtocolVendorSpecific, Vendor: make([]byte, 100)}}}},
		{"vendor data with ANQP", &InitialRequest{AdvertisementProtocol: AdvertisementProtocol{
			{ID: AdvertisementProtocolANQP, Vendor: hx("01")}}}},
		{"Query Request over 65535 octets", &InitialRequest{AdvertisementProtocol: anqpRequest, Query: make([]byte, 65536)}},
		{"success without Advertisement Protocol element", &InitialResponse{}},
		{"failure without element but with a Query Response", &InitialResponse{StatusCode: 61, Response: hx("00")}},
		{"failure without element but with a trailer", &ComebackResponse{StatusCode: 61, Trailer: hx("00")}},
		{"Fragment ID 128", &ComebackResponse{FragmentID: 128, AdvertisementProtocol: anqpResponse}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.f.Append(nil); !errors.Is(err, ieee80211.ErrInvalid) {
				t.Errorf("Append = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestAdvertisementProtocolTupleSplitsQueryResponseInfo(t *testing.T) {
	tu := AdvertisementProtocolTuple{QueryResponseInfo: 0x85}
	if tu.QueryResponseLengthLimit() != 5 || !tu.PAMEBI() {
		t.Errorf("limit %d PAME-BI %v, want 5 true", tu.QueryResponseLengthLimit(), tu.PAMEBI())
	}
}
