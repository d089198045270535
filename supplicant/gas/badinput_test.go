package gas

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// decodeSDRequestFrame runs a received frame through both layers the way the
// service discovery responder does: GAS decoding, then P2P SD decoding.
func decodeSDRequestFrame(b []byte) (SDRequest, error) {
	f, err := DecodeGAS(b)
	if err != nil {
		return SDRequest{}, err
	}
	req, ok := f.(*InitialRequest)
	if !ok {
		return SDRequest{}, ErrUnexpectedFrame
	}
	return SDRequestOf(req)
}

// adv is hostap's anqp_adv_proto(): 108, 2, 127, 0.
var adv = hx("6c 02 7f 00")

// TestBadInput4a12GASServiceDiscoveryRequestsAreDropped covers
// docs/bad-input.md §4a #12 with the frames of hostap's test_p2p_msg_sd
// (dialog token 0) and the lengths the brief adds.
func TestBadInput4a12GASServiceDiscoveryRequestsAreDropped(t *testing.T) {
	hdr := hx("04 0a 00")
	query := func(q []byte) []byte {
		return cat(hdr, adv, []byte{uint8(len(q)), uint8(len(q) >> 8)}, q)
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"missing dialog token", hx("04 0a"), ieee80211.ErrTruncated},
		{"no Advertisement Protocol element", hdr, ieee80211.ErrTruncated},
		{"no Advertisement Protocol element length", cat(hdr, hx("6c")), ieee80211.ErrTruncated},
		{"unexpected element instead of Advertisement Protocol", cat(hdr, hx("00 00")), ieee80211.ErrInvalid},
		{"Advertisement Protocol element of length 0", cat(hdr, hx("6c 00")), ieee80211.ErrTruncated},
		{"Advertisement Protocol element of length 1", cat(hdr, hx("6c 01 7f")), ieee80211.ErrTruncated},
		{"Advertisement Protocol element length past the frame", cat(hdr, hx("6c 04 7f 00")), ieee80211.ErrTruncated},
		{"vendor Advertisement Protocol ID length past the element", cat(hdr, hx("6c 03 7f dd ff 00 00")), ieee80211.ErrTruncated},
		{"unsupported protocol ID 255 and no Query Request Length (hostap frame)", cat(hdr, hx("6c 02 7f ff")), ieee80211.ErrTruncated},
		{"unsupported protocol ID 255", cat(hdr, hx("6c 02 7f ff 00 00")), ErrUnsupported},
		{"vendor-specific protocol instead of ANQP", cat(hdr, hx("6c 06 00 dd 03 50 6f 9a 00 00")), ErrUnsupported},
		{"no Query Request Length", cat(hdr, adv), ieee80211.ErrTruncated},
		{"one octet of Query Request Length", cat(hdr, adv, hx("00")), ieee80211.ErrTruncated},
		{"Query Request Length 1 with no data (minimum underflow)", cat(hdr, adv, hx("01 00")), ieee80211.ErrTruncated},
		{"Query Request Length 0xFFFF (maximum underflow)", cat(hdr, adv, hx("ff ff")), ieee80211.ErrTruncated},
		{"Query Request Length 0", query(nil), ieee80211.ErrTruncated},
		{"Query Request Length 1", query(hx("dd")), ieee80211.ErrTruncated},
		{"ANQP Info ID 65535", query(hx("ff ff 00 00")), ErrUnsupported},
		{"ANQP vendor Length 0xFFFF (truncated frame)", query(hx("dd dd ff ff")), ieee80211.ErrTruncated},
		{"ANQP vendor Length 0 (no OUI and OUI type)", query(hx("dd dd 00 00")), ieee80211.ErrTruncated},
		{"wrong OUI type", query(hx("dd dd 04 00 50 6f 9a 00")), ErrUnsupported},
		{"wrong OUI", query(hx("dd dd 06 00 00 50 f2 09 00 00")), ErrUnsupported},
		{"missing Service Update Indicator", query(hx("dd dd 04 00 50 6f 9a 09")), ieee80211.ErrTruncated},
		{"truncated Service Update Indicator", query(hx("dd dd 04 00 50 6f 9a 09 00")), ieee80211.ErrTruncated},
		{"truncated Service Update Indicator inside the element", query(hx("dd dd 05 00 50 6f 9a 09 00")), ieee80211.ErrTruncated},
		{"Service Request TLV Length 0", query(hx("dd dd 08 00 50 6f 9a 09 00 00 00 00")), ieee80211.ErrInvalid},
		{"Service Request TLV Length 1", query(hx("dd dd 09 00 50 6f 9a 09 00 00 01 00 01")), ieee80211.ErrInvalid},
		{"Service Request TLV Length 0xFFFF", query(hx("dd dd 0a 00 50 6f 9a 09 00 00 ff ff 01 01")), ieee80211.ErrTruncated},
		{"not a request", hx("04 0c 00"), ErrUnexpectedFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeSDRequestFrame(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if diff := cmp.Diff(SDRequest{}, got); diff != "" {
				t.Errorf("partial output escaped (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBadInput4a12MinimalRequestsAreAnswered: the same row requires a
// minimal valid request to be answered. hostap's "Minimal GAS Initial
// Request" puts the Service Update Indicator outside an ANQP element of
// Length 4; hostap answers it, so we decode it (Detached) as well as the
// strictly well-formed minimal request.
func TestBadInput4a12MinimalRequestsAreAnswered(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want SDRequest
	}{
		{"hostap test_p2p_msg_sd minimal request", hx("04 0a 00 6c 02 7f 00 0a 00 dd dd 04 00 50 6f 9a 09 00 00"), SDRequest{Detached: true}},
		{"well-formed minimal request", hx("04 0a 00 6c 02 7f 00 0a 00 dd dd 06 00 50 6f 9a 09 00 00"), SDRequest{}},
		{"hostap layout with a TLV", hx("04 0a 00 6c 02 7f 00 0e 00 dd dd 04 00 50 6f 9a 09 01 00 02 00 00 01"),
			SDRequest{ServiceUpdateIndicator: 1, Detached: true, TLVs: []ServiceRequestTLV{{ServiceTransactionID: 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeSDRequestFrame(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			q, err := got.AppendQuery(nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in[9:], q); diff != "" {
				t.Errorf("AppendQuery mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBadInput4a12UnexpectedResponsesAreRejected: Initial and Comeback
// Responses nobody waits for (hostap test_p2p_msg_sd) decode, and the
// Reassembler refuses them.
func TestBadInput4a12UnexpectedResponsesAreRejected(t *testing.T) {
	initial := decode(t, hx("04 0b 00 00 00 00 00 6c 02 7f 00 00 00"))
	comeback := decode(t, hx("04 0d 00 00 00 00 00 00 6c 02 7f 00 00 00"))
	tests := []struct {
		name  string
		setup func(r *Reassembler)
		token uint8
		f     Frame
	}{
		{"Initial Response with another dialog token", nil, 5, initial},
		{"Comeback Response before any Initial Response", nil, 0, comeback},
		{"second Initial Response", func(r *Reassembler) {
			if _, err := r.Add(initial); err != nil {
				t.Fatal(err)
			}
		}, 0, initial},
		{"Comeback Response after a complete Initial Response", func(r *Reassembler) {
			if _, err := r.Add(initial); err != nil {
				t.Fatal(err)
			}
		}, 0, comeback},
		{"a request", nil, 0, &ComebackRequest{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReassembler(tt.token, 0)
			if tt.setup != nil {
				tt.setup(r)
			}
			if _, err := r.Add(tt.f); !errors.Is(err, ErrUnexpectedFrame) {
				t.Errorf("error %v, want ErrUnexpectedFrame", err)
			}
		})
	}
}

// TestBadInput4a12ComebackRequestsDecode: a Comeback Request without a
// dialog token fails; one with nothing pending decodes (the responder's
// state machine, not this codec, answers it with a failure status).
func TestBadInput4a12ComebackRequestsDecode(t *testing.T) {
	if _, err := DecodeGAS(hx("04 0c")); !errors.Is(err, ieee80211.ErrTruncated) {
		t.Errorf("no dialog token: %v", err)
	}
	if diff := cmp.Diff(Frame(&ComebackRequest{}), decode(t, hx("04 0c 00"))); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestBadInput4a12ResponsesWithBadLengthsFail: the response side of the
// same row.
func TestBadInput4a12ResponsesWithBadLengthsFail(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"Initial Response without Comeback Delay", hx("04 0b 00 00 00 00"), ieee80211.ErrTruncated},
		{"successful Initial Response without Advertisement Protocol element", hx("04 0b 00 00 00 00 00"), ieee80211.ErrTruncated},
		{"Initial Response Query Response Length 0xFFFF", hx("04 0b 00 00 00 00 00 6c 02 7f 00 ff ff"), ieee80211.ErrTruncated},
		{"Initial Response Query Response Length 1 without data", hx("04 0b 00 00 00 00 00 6c 02 7f 00 01 00"), ieee80211.ErrTruncated},
		{"Comeback Response without Fragment ID", hx("04 0d 00 00 00"), ieee80211.ErrTruncated},
		{"Comeback Response Query Response Length 0xFFFF", hx("04 0d 00 00 00 00 00 00 6c 02 7f 00 ff ff"), ieee80211.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeGAS(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if f != nil {
				t.Errorf("partial frame %+v", f)
			}
		})
	}
	sdResponses := []struct {
		name string
		q    []byte
		want error
	}{
		{"Query Response Length 0", nil, ieee80211.ErrTruncated},
		{"Query Response Length 1", hx("dd"), ieee80211.ErrTruncated},
		{"ANQP vendor Length 0xFFFF", hx("dd dd ff ff 50 6f 9a 09"), ieee80211.ErrTruncated},
		{"wrong OUI type", hx("dd dd 06 00 50 6f 9a 0a 00 00"), ErrUnsupported},
		{"missing Service Update Indicator", hx("dd dd 04 00 50 6f 9a 09"), ieee80211.ErrTruncated},
		{"Service Response TLV Length 2", hx("dd dd 0a 00 50 6f 9a 09 00 00 02 00 01 01"), ieee80211.ErrInvalid},
	}
	for _, tt := range sdResponses {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSDResponse(tt.q)
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if diff := cmp.Diff(SDResponse{}, got); diff != "" {
				t.Errorf("partial output escaped (-want +got):\n%s", diff)
			}
		})
	}
}
