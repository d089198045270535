package gas

import (
	"bytes"
	"fmt"
)

// Fragmentation limits (IEEE Std 802.11-2020, 9.6.7.15 GAS Query Response
// Fragment ID; hostap p2p_sd.c).
const (
	// MaxFragmentLength is the most Query Response octets one GAS Initial
	// or Comeback Response carries. hostap fragments P2P SD responses whose
	// TLVs exceed 1400 octets.
	MaxFragmentLength = 1400
	// MaxFragments is the number of GAS Query Response Fragment IDs (7 bits).
	MaxFragments = 128
	// MaxReassembledLength is the default cap on a reassembled Query
	// Response: 64 KiB, far above any realistic service list (hostap's own
	// SD responses stay well below it). It bounds what a peer can make us
	// buffer; 128 fragments of up to 65535 octets could otherwise reach
	// 8 MiB. SplitResponse refuses longer responses too.
	MaxReassembledLength = 64 * 1024
	// ComebackDelayFragmented is the GAS Comeback Delay (TUs) SplitResponse
	// puts in the Initial Response of a fragmented response, as hostap does.
	ComebackDelayFragmented uint16 = 1
)

// SplitResponse builds the frames that answer the request with dialogToken
// with a successful queryResponse. When it fits in MaxFragmentLength octets
// the Initial Response carries it and there are no Comeback Responses.
// Otherwise the Initial Response has GAS Comeback Delay
// ComebackDelayFragmented and no Query Response, and each Comeback Response
// carries up to MaxFragmentLength octets with Fragment IDs 0, 1, ... and
// More GAS Fragments set on all but the last. The caller sends Comeback
// Response i when the i-th Comeback Request arrives. Responses over
// MaxReassembledLength fail with ErrTooLarge. Fragments alias queryResponse.
func SplitResponse(dialogToken uint8, adv AdvertisementProtocol, queryResponse []byte) (*InitialResponse, []*ComebackResponse, error) {
	if len(queryResponse) > MaxReassembledLength {
		return nil, nil, fmt.Errorf("%w: Query Response of %d octets exceeds %d", ErrTooLarge, len(queryResponse), MaxReassembledLength)
	}
	if _, err := adv.Append(nil); err != nil {
		return nil, nil, err
	}
	initial := &InitialResponse{DialogToken: dialogToken, AdvertisementProtocol: adv}
	if len(queryResponse) <= MaxFragmentLength {
		initial.Response = sub(queryResponse, 0, len(queryResponse))
		return initial, nil, nil
	}
	initial.ComebackDelay = ComebackDelayFragmented
	n := (len(queryResponse) + MaxFragmentLength - 1) / MaxFragmentLength
	comebacks := make([]*ComebackResponse, 0, n)
	for i := range n {
		end := min((i+1)*MaxFragmentLength, len(queryResponse))
		comebacks = append(comebacks, &ComebackResponse{
			DialogToken:           dialogToken,
			FragmentID:            uint8(i),
			MoreFragments:         i < n-1,
			AdvertisementProtocol: adv,
			Response:              sub(queryResponse, i*MaxFragmentLength, end),
		})
	}
	return initial, comebacks, nil
}

type reassemblyState uint8

const (
	waitInitial reassemblyState = iota
	waitComeback
	complete
)

// Reassembler collects one GAS query's response: the Initial Response and,
// when it announces a Comeback Delay, the Comeback Responses with Fragment
// IDs 0, 1, ... in order (IEEE Std 802.11-2020, 9.6.7.13 and 9.6.7.15;
// checks as hostap's gas_query.c and p2p_sd.c). It checks the
// dialog token, the Status Code and that the Advertisement Protocol element
// does not change between fragments, and caps the total length. It has no
// timers: the caller sends Comeback Requests after each Comeback Delay and
// gives up when its own timeout fires.
//
// A rejected frame leaves the Reassembler as it was, so the caller may
// ignore ErrDuplicateFragment (a retransmission) and keep going, or abort
// on any other error.
type Reassembler struct {
	dialogToken uint8
	limit       int
	state       reassemblyState
	adv         []byte // encoded Advertisement Protocol element of the Initial Response
	next        int    // next expected Fragment ID
	buf         []byte
}

// NewReassembler returns a Reassembler for the response to the request sent
// with dialogToken. limit caps the reassembled Query Response in octets;
// limit <= 0 means MaxReassembledLength.
func NewReassembler(dialogToken uint8, limit int) *Reassembler {
	if limit <= 0 {
		limit = MaxReassembledLength
	}
	return &Reassembler{dialogToken: dialogToken, limit: limit}
}

// Complete reports whether the whole Query Response has arrived.
func (r *Reassembler) Complete() bool { return r.state == complete }

// WaitingForComeback reports whether the Initial Response announced a
// Comeback Delay and the response is not complete yet: the caller should
// send a Comeback Request.
func (r *Reassembler) WaitingForComeback() bool { return r.state == waitComeback }

// NextFragmentID is the Fragment ID the next Comeback Response must carry.
func (r *Reassembler) NextFragmentID() uint8 { return uint8(r.next) }

// Response returns the reassembled Query Response once Complete (non-nil,
// possibly empty), else nil. It is a copy, not an alias of any frame.
func (r *Reassembler) Response() []byte {
	if r.state != complete {
		return nil
	}
	if r.buf == nil {
		return []byte{}
	}
	return r.buf
}

// Add dispatches an Initial or Comeback Response; other frames fail with
// ErrUnexpectedFrame.
func (r *Reassembler) Add(f Frame) (done bool, err error) {
	switch f := f.(type) {
	case *InitialResponse:
		return r.AddInitialResponse(f)
	case *ComebackResponse:
		return r.AddComebackResponse(f)
	}
	return false, fmt.Errorf("%w: %T is not a GAS response", ErrUnexpectedFrame, f)
}

func (r *Reassembler) checkToken(token uint8) error {
	if token != r.dialogToken {
		return fmt.Errorf("%w: dialog token %d, waiting for %d", ErrUnexpectedFrame, token, r.dialogToken)
	}
	return nil
}

// AddInitialResponse takes the GAS Initial Response. It reports done when
// the response needs no Comeback (GAS Comeback Delay 0). It fails on a
// second Initial Response, a wrong dialog token, a non-success Status Code
// (ErrStatus), a Query Response together with a Comeback Delay, or a
// response over the limit.
func (r *Reassembler) AddInitialResponse(f *InitialResponse) (done bool, err error) {
	if r.state != waitInitial {
		return false, fmt.Errorf("%w: Initial Response after the Initial Response", ErrUnexpectedFrame)
	}
	if err := r.checkToken(f.DialogToken); err != nil {
		return false, err
	}
	if f.StatusCode != StatusSuccess {
		return false, fmt.Errorf("%w: Initial Response Status Code %d", ErrStatus, f.StatusCode)
	}
	adv, err := f.AdvertisementProtocol.Append(nil)
	if err != nil {
		return false, err
	}
	if f.ComebackDelay != 0 {
		if len(f.Response) != 0 {
			return false, fmt.Errorf("%w: Initial Response with GAS Comeback Delay %d also carries %d octets of Query Response", errInvalid, f.ComebackDelay, len(f.Response))
		}
		r.adv, r.state = adv, waitComeback
		return false, nil
	}
	if len(f.Response) > r.limit {
		return false, fmt.Errorf("%w: Query Response of %d octets exceeds the limit %d", ErrTooLarge, len(f.Response), r.limit)
	}
	r.buf, r.state = bytes.Clone(f.Response), complete
	return true, nil
}

// AddComebackResponse takes one GAS Comeback Response. It reports done after
// the fragment without More GAS Fragments. A Comeback Response with Fragment
// ID 0 and a non-zero Comeback Delay (Status success or Query Response
// Outstanding) means "not ready, come back later": it is accepted, changes
// nothing and reports not done. It fails with ErrUnexpectedFrame before the
// Initial Response or after completion, ErrStatus on another status,
// ErrDuplicateFragment when the fragment repeats the last accepted one,
// ErrOutOfOrderFragment on any other Fragment ID, ErrInvalid when the
// Advertisement Protocol element changed, and ErrTooLarge past the limit or
// past Fragment ID 127.
func (r *Reassembler) AddComebackResponse(f *ComebackResponse) (done bool, err error) {
	if r.state != waitComeback {
		return false, fmt.Errorf("%w: Comeback Response while not waiting for one", ErrUnexpectedFrame)
	}
	if err := r.checkToken(f.DialogToken); err != nil {
		return false, err
	}
	outstanding := f.StatusCode == StatusQueryResponseOutstanding && f.ComebackDelay != 0
	if f.StatusCode != StatusSuccess && !outstanding {
		return false, fmt.Errorf("%w: Comeback Response Status Code %d", ErrStatus, f.StatusCode)
	}
	adv, err := f.AdvertisementProtocol.Append(nil)
	if err != nil {
		return false, err
	}
	if !bytes.Equal(adv, r.adv) {
		return false, fmt.Errorf("%w: Advertisement Protocol element changed between Initial and Comeback Response", errInvalid)
	}
	if f.ComebackDelay != 0 {
		if f.FragmentID != 0 || f.MoreFragments || len(f.Response) != 0 {
			return false, fmt.Errorf("%w: Comeback Response with GAS Comeback Delay %d carries a fragment (ID %d, %d octets)", errInvalid, f.ComebackDelay, f.FragmentID, len(f.Response))
		}
		return false, nil
	}
	if int(f.FragmentID) != r.next {
		if int(f.FragmentID)+1 == r.next {
			return false, fmt.Errorf("%w: Fragment ID %d again", ErrDuplicateFragment, f.FragmentID)
		}
		return false, fmt.Errorf("%w: Fragment ID %d, expected %d", ErrOutOfOrderFragment, f.FragmentID, r.next)
	}
	if len(f.Response) > r.limit-len(r.buf) {
		return false, fmt.Errorf("%w: fragment %d brings the Query Response to %d octets, over the limit %d", ErrTooLarge, f.FragmentID, len(r.buf)+len(f.Response), r.limit)
	}
	if f.MoreFragments && r.next == MaxFragments-1 {
		return false, fmt.Errorf("%w: More GAS Fragments set on Fragment ID %d", ErrTooLarge, f.FragmentID)
	}
	r.buf = append(r.buf, f.Response...)
	r.next++
	if !f.MoreFragments {
		r.state = complete
		return true, nil
	}
	return false, nil
}
