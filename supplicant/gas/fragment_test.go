package gas

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// largeBonjourResponse answers an "all Bonjour" request the way hostap does
// (one TLV per registered service) with 60 printers' TXT records: about
// 6.5 KiB, five fragments.
func largeBonjourResponse(t *testing.T) SDResponse {
	t.Helper()
	resp := SDResponse{ServiceUpdateIndicator: 9}
	for i := range 60 {
		name, err := EncodeDNSName(fmt.Sprintf("printer-%02d._ipp._tcp.local", i))
		if err != nil {
			t.Fatal(err)
		}
		data, err := BonjourResponse{
			Query: BonjourQuery{Name: name, Type: DNSTypeTXT, Version: BonjourVersion1},
			RDATA: cat(hx("09"), []byte("txtvers=1"), hx("1a"), []byte("pdl=application/postscript"),
				[]byte{uint8(len("note=room 42"))}, []byte("note=room 42")),
		}.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.TLVs = append(resp.TLVs, ServiceResponseTLV{ServiceProtocolType: ServiceProtocolBonjour, ServiceTransactionID: 1, ResponseData: data})
	}
	return resp
}

// TestBadInput4a13LargeBonjourResponseIsFragmentedAndReassembledByteExactly
// covers docs/bad-input.md §4a #13: an SD response over 1400 octets goes out
// in Comeback Responses of at most 1400 octets and comes back identical.
func TestBadInput4a13LargeBonjourResponseIsFragmentedAndReassembledByteExactly(t *testing.T) {
	want := largeBonjourResponse(t)
	q, err := want.AppendQueryResponse(nil)
	if err != nil {
		t.Fatal(err)
	}
	initial, comebacks, err := SplitResponse(42, anqpResponse, q)
	if err != nil {
		t.Fatal(err)
	}
	if wantN := (len(q) + 1399) / 1400; len(comebacks) != wantN || wantN < 2 {
		t.Fatalf("%d Comeback Responses for %d octets, want %d (at least 2)", len(comebacks), len(q), wantN)
	}
	if initial.ComebackDelay == 0 || len(initial.Response) != 0 {
		t.Errorf("Initial Response: Comeback Delay %d, %d octets; want a delay and no data", initial.ComebackDelay, len(initial.Response))
	}

	// Over the air and back: encode every frame, decode it, reassemble.
	r := NewReassembler(42, 0)
	done, err := r.Add(decode(t, encode(t, initial)))
	if err != nil || done || !r.WaitingForComeback() {
		t.Fatalf("after Initial Response: done %v, waiting %v, err %v", done, r.WaitingForComeback(), err)
	}
	for i, cb := range comebacks {
		if len(cb.Response) > MaxFragmentLength {
			t.Errorf("fragment %d carries %d octets", i, len(cb.Response))
		}
		if int(cb.FragmentID) != i || cb.MoreFragments != (i < len(comebacks)-1) {
			t.Errorf("fragment %d: ID %d, More %v", i, cb.FragmentID, cb.MoreFragments)
		}
		if r.NextFragmentID() != uint8(i) {
			t.Errorf("NextFragmentID %d, want %d", r.NextFragmentID(), i)
		}
		done, err = r.Add(decode(t, encode(t, cb)))
		if err != nil {
			t.Fatalf("fragment %d: %v", i, err)
		}
		if done != (i == len(comebacks)-1) {
			t.Errorf("fragment %d: done %v", i, done)
		}
	}
	if !r.Complete() {
		t.Fatal("not complete after the last fragment")
	}
	if diff := cmp.Diff(q, r.Response()); diff != "" {
		t.Fatalf("reassembled Query Response differs (-want +got):\n%s", diff)
	}
	got, err := ParseSDResponse(r.Response())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SD response differs (-want +got):\n%s", diff)
	}
}

func TestSplitResponseKeepsShortResponsesInTheInitialResponse(t *testing.T) {
	for _, n := range []int{0, 1, MaxFragmentLength} {
		q := make([]byte, n)
		initial, comebacks, err := SplitResponse(1, anqpResponse, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(comebacks) != 0 || initial.ComebackDelay != 0 || len(initial.Response) != n {
			t.Errorf("%d octets: %d comebacks, delay %d, %d octets inline", n, len(comebacks), initial.ComebackDelay, len(initial.Response))
		}
		r := NewReassembler(1, 0)
		if done, err := r.Add(initial); !done || err != nil || len(r.Response()) != n || r.Response() == nil {
			t.Errorf("%d octets: done %v err %v response %d octets", n, done, err, len(r.Response()))
		}
	}
	_, comebacks, err := SplitResponse(1, anqpResponse, make([]byte, MaxFragmentLength+1))
	if err != nil || len(comebacks) != 2 || len(comebacks[1].Response) != 1 {
		t.Errorf("1401 octets: %d comebacks, %v", len(comebacks), err)
	}
}

func TestSplitResponseRefusesMoreThan64KiB(t *testing.T) {
	if _, _, err := SplitResponse(1, anqpResponse, make([]byte, MaxReassembledLength+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
	if _, c, err := SplitResponse(1, anqpResponse, make([]byte, MaxReassembledLength)); err != nil || len(c) != 47 {
		t.Errorf("64 KiB: %d fragments, %v", len(c), err)
	}
	if _, _, err := SplitResponse(1, nil, nil); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("no Advertisement Protocol: %v", err)
	}
}

// fragmentedReassembler returns a Reassembler for token 7 past an Initial
// Response with a Comeback Delay.
func fragmentedReassembler(t *testing.T, limit int) *Reassembler {
	t.Helper()
	r := NewReassembler(7, limit)
	if _, err := r.AddInitialResponse(&InitialResponse{DialogToken: 7, ComebackDelay: 1, AdvertisementProtocol: anqpResponse}); err != nil {
		t.Fatal(err)
	}
	return r
}

func fragment(id uint8, more bool, data string) *ComebackResponse {
	return &ComebackResponse{DialogToken: 7, FragmentID: id, MoreFragments: more, AdvertisementProtocol: anqpResponse, Response: []byte(data)}
}

func TestReassemblerRejectsOutOfOrderAndDuplicateFragments(t *testing.T) {
	r := fragmentedReassembler(t, 0)
	if _, err := r.Add(fragment(1, true, "b")); !errors.Is(err, ErrOutOfOrderFragment) {
		t.Errorf("fragment 1 first: %v, want ErrOutOfOrderFragment", err)
	}
	if _, err := r.Add(fragment(0, true, "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Add(fragment(0, true, "a")); !errors.Is(err, ErrDuplicateFragment) {
		t.Errorf("fragment 0 twice: %v, want ErrDuplicateFragment", err)
	}
	if _, err := r.Add(fragment(2, false, "c")); !errors.Is(err, ErrOutOfOrderFragment) {
		t.Errorf("fragment 2 after 0: %v, want ErrOutOfOrderFragment", err)
	}
	// Rejected frames changed nothing: the exchange carries on.
	if done, err := r.Add(fragment(1, false, "b")); !done || err != nil {
		t.Fatalf("fragment 1: done %v, %v", done, err)
	}
	if got := string(r.Response()); got != "ab" {
		t.Errorf("Response %q, want %q", got, "ab")
	}
	if _, err := r.Add(fragment(2, false, "c")); !errors.Is(err, ErrUnexpectedFrame) {
		t.Errorf("fragment after completion: %v, want ErrUnexpectedFrame", err)
	}
}

func TestReassemblerCapsTheTotalLength(t *testing.T) {
	r := fragmentedReassembler(t, 0)
	chunk := string(make([]byte, MaxFragmentLength))
	var err error
	id := uint8(0)
	for ; err == nil; id++ {
		_, err = r.Add(fragment(id, true, chunk))
	}
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
	// id is one past the rejected fragment: fragments 0..id-2 were accepted.
	if accepted := int(id-1) * MaxFragmentLength; accepted > MaxReassembledLength || accepted+MaxFragmentLength <= MaxReassembledLength {
		t.Errorf("rejected fragment %d after %d octets; the cap is %d", id-1, accepted, MaxReassembledLength)
	}

	small := NewReassembler(7, 10)
	if _, err := small.Add(&InitialResponse{DialogToken: 7, AdvertisementProtocol: anqpResponse, Response: make([]byte, 11)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Initial Response over the limit: %v", err)
	}
}

func TestReassemblerRefusesMoreFragmentsAfterID127(t *testing.T) {
	r := fragmentedReassembler(t, 1<<20)
	for id := range uint8(127) {
		if _, err := r.Add(fragment(id, true, "x")); err != nil {
			t.Fatalf("fragment %d: %v", id, err)
		}
	}
	if _, err := r.Add(fragment(127, true, "x")); !errors.Is(err, ErrTooLarge) {
		t.Errorf("More on fragment 127: %v, want ErrTooLarge", err)
	}
	if done, err := r.Add(fragment(127, false, "x")); !done || err != nil {
		t.Errorf("last fragment 127: done %v, %v", done, err)
	}
}

func TestReassemblerWaitsWhenTheResponseIsOutstanding(t *testing.T) {
	r := fragmentedReassembler(t, 0)
	wait := &ComebackResponse{DialogToken: 7, StatusCode: StatusQueryResponseOutstanding, ComebackDelay: 100, AdvertisementProtocol: anqpResponse}
	if done, err := r.Add(wait); done || err != nil {
		t.Errorf("outstanding: done %v, %v", done, err)
	}
	wait.StatusCode = StatusSuccess
	if done, err := r.Add(wait); done || err != nil {
		t.Errorf("success with a delay: done %v, %v", done, err)
	}
	if !r.WaitingForComeback() || r.NextFragmentID() != 0 {
		t.Error("the wait changed the state")
	}
	if done, err := r.Add(fragment(0, false, "a")); !done || err != nil {
		t.Errorf("fragment 0: done %v, %v", done, err)
	}
}

func TestReassemblerRejectsBadComebackResponses(t *testing.T) {
	tests := []struct {
		name string
		f    *ComebackResponse
		want error
	}{
		{"failure status", &ComebackResponse{DialogToken: 7, StatusCode: StatusResponseNotReceivedFromServer}, ErrStatus},
		{"outstanding without a delay", &ComebackResponse{DialogToken: 7, StatusCode: StatusQueryResponseOutstanding, AdvertisementProtocol: anqpResponse}, ErrStatus},
		{"another dialog token", &ComebackResponse{DialogToken: 8, AdvertisementProtocol: anqpResponse}, ErrUnexpectedFrame},
		{"Advertisement Protocol changed", &ComebackResponse{DialogToken: 7, AdvertisementProtocol: anqpRequest}, ieee80211.ErrInvalid},
		{"delay with a non-zero Fragment ID", &ComebackResponse{DialogToken: 7, FragmentID: 1, ComebackDelay: 1, AdvertisementProtocol: anqpResponse}, ieee80211.ErrInvalid},
		{"delay with data", &ComebackResponse{DialogToken: 7, ComebackDelay: 1, AdvertisementProtocol: anqpResponse, Response: hx("00")}, ieee80211.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fragmentedReassembler(t, 0)
			if _, err := r.Add(tt.f); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if !r.WaitingForComeback() || r.NextFragmentID() != 0 {
				t.Error("a rejected frame changed the state")
			}
		})
	}
}

func TestReassemblerRejectsBadInitialResponses(t *testing.T) {
	tests := []struct {
		name string
		f    *InitialResponse
		want error
	}{
		{"failure status", &InitialResponse{DialogToken: 7, StatusCode: StatusAdvertisementProtocolNotSupported}, ErrStatus},
		{"delay with data", &InitialResponse{DialogToken: 7, ComebackDelay: 1, AdvertisementProtocol: anqpResponse, Response: hx("00")}, ieee80211.ErrInvalid},
		{"no tuple", &InitialResponse{DialogToken: 7, AdvertisementProtocol: AdvertisementProtocol{}}, ieee80211.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReassembler(7, 0)
			if _, err := r.Add(tt.f); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if r.Complete() || r.WaitingForComeback() || r.Response() != nil {
				t.Error("a rejected frame changed the state")
			}
		})
	}
}

// TestReassemblerAcceptsHostapFragmentLayout: hostap's responder cuts the
// Service TLVs (not the Query Response) into 1400-octet pieces and puts the
// 10-octet ANQP header in front of the first, so its fragment 0 carries
// 1410 octets. Reassembly does not depend on where the cuts fall.
func TestReassemblerAcceptsHostapFragmentLayout(t *testing.T) {
	want := largeBonjourResponse(t)
	q, err := want.AppendQueryResponse(nil)
	if err != nil {
		t.Fatal(err)
	}
	header, tlvs := q[:10], q[10:]
	r := NewReassembler(3, 0)
	if _, err := r.Add(&InitialResponse{DialogToken: 3, ComebackDelay: 1, AdvertisementProtocol: anqpResponse}); err != nil {
		t.Fatal(err)
	}
	for i := 0; len(tlvs) > 0; i++ {
		n := min(len(tlvs), 1400)
		data := tlvs[:n]
		if i == 0 {
			data = cat(header, data)
		}
		tlvs = tlvs[n:]
		frame := decode(t, encode(t, &ComebackResponse{DialogToken: 3, FragmentID: uint8(i), MoreFragments: len(tlvs) > 0,
			AdvertisementProtocol: anqpResponse, Response: data}))
		if _, err := r.Add(frame); err != nil {
			t.Fatalf("fragment %d: %v", i, err)
		}
	}
	got, err := ParseSDResponse(r.Response())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
