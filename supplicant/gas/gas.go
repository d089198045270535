package gas

import (
	"fmt"
	"math"
)

// Category values of the Action frames that carry GAS
// (IEEE Std 802.11-2020, 9.4.1.11): Public, and Protected Dual of Public
// Action when management frame protection is in use.
const (
	CategoryPublic                      uint8 = 4
	CategoryProtectedDualOfPublicAction uint8 = 9
)

// Public Action field values of the GAS frames (IEEE Std 802.11-2020, 9.6.7.1).
const (
	ActionInitialRequest   uint8 = 10
	ActionInitialResponse  uint8 = 11
	ActionComebackRequest  uint8 = 12
	ActionComebackResponse uint8 = 13
)

// Status Code values GAS responses use (IEEE Std 802.11-2020, 9.4.1.9).
const (
	StatusSuccess                           uint16 = 0
	StatusAdvertisementProtocolNotSupported uint16 = 59
	StatusNoOutstandingGASRequest           uint16 = 60
	StatusResponseNotReceivedFromServer     uint16 = 61
	StatusTimedOutWaitingForResponse        uint16 = 62
	StatusResponseLargerThanLimit           uint16 = 63
	StatusRequestRefusedHomeNetwork         uint16 = 64
	StatusAdvertisementServerUnreachable    uint16 = 65
	StatusQueryResponseOutstanding          uint16 = 95
)

// MaxQueryLength is the largest Query Request or Query Response field: its
// length is a two-octet field.
const MaxQueryLength = math.MaxUint16

// Frame is one decoded GAS frame: *InitialRequest, *InitialResponse,
// *ComebackRequest or *ComebackResponse.
type Frame interface {
	// Append appends the frame body from the Category octet on.
	Append(b []byte) ([]byte, error)
	gasFrame()
}

// InitialRequest is the GAS Initial Request frame body
// (IEEE Std 802.11-2020, 9.6.7.12).
type InitialRequest struct {
	// Protected selects Category 9 (Protected Dual of Public Action)
	// instead of 4 (Public).
	Protected             bool
	DialogToken           uint8
	AdvertisementProtocol AdvertisementProtocol
	// Query is the Query Request field (for ANQP: ANQP elements); its
	// length goes in the Query Request Length field.
	Query []byte
	// Trailer holds any octets after the Query Request field, kept so that
	// encoding reproduces the frame.
	Trailer []byte
}

// InitialResponse is the GAS Initial Response frame body
// (IEEE Std 802.11-2020, 9.6.7.13).
type InitialResponse struct {
	Protected   bool
	DialogToken uint8
	StatusCode  uint16
	// ComebackDelay is the GAS Comeback Delay in TUs; non-zero means the
	// response follows in Comeback Responses.
	ComebackDelay uint16
	// AdvertisementProtocol is nil only for a frame with a non-success
	// Status Code that ends after the Comeback Delay (hostap checks the
	// status first and accepts those); then Response is empty too and the
	// Query Response Length field is absent.
	AdvertisementProtocol AdvertisementProtocol
	// Response is the Query Response field.
	Response []byte
	Trailer  []byte
}

// ComebackRequest is the GAS Comeback Request frame body
// (IEEE Std 802.11-2020, 9.6.7.14).
type ComebackRequest struct {
	Protected   bool
	DialogToken uint8
	Trailer     []byte
}

// ComebackResponse is the GAS Comeback Response frame body
// (IEEE Std 802.11-2020, 9.6.7.15).
type ComebackResponse struct {
	Protected   bool
	DialogToken uint8
	StatusCode  uint16
	// FragmentID is the GAS Query Response Fragment ID (0-127).
	FragmentID uint8
	// MoreFragments is the More GAS Fragments bit (0x80 of the same octet).
	MoreFragments bool
	ComebackDelay uint16
	// AdvertisementProtocol is nil only for a non-success Status Code frame
	// that ends after the Comeback Delay, as in InitialResponse.
	AdvertisementProtocol AdvertisementProtocol
	// Response is this fragment of the Query Response.
	Response []byte
	Trailer  []byte
}

func (*InitialRequest) gasFrame()   {}
func (*InitialResponse) gasFrame()  {}
func (*ComebackRequest) gasFrame()  {}
func (*ComebackResponse) gasFrame() {}

// IsGAS reports whether an Action frame body (from the Category octet on)
// has a GAS Category and Public Action value, without decoding the rest.
func IsGAS(b []byte) bool {
	return len(b) >= 2 && (b[0] == CategoryPublic || b[0] == CategoryProtectedDualOfPublicAction) &&
		b[1] >= ActionInitialRequest && b[1] <= ActionComebackResponse
}

// DecodeGAS decodes a GAS frame body starting at the Category octet. It
// returns ErrNotGAS for other Action frames. A frame that is missing its
// Dialog Token or Advertisement Protocol element, or whose Query
// Request/Response Length runs past the frame, fails.
func DecodeGAS(b []byte) (Frame, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: Action frame body of %d octets has no Category and Action", errTruncated, len(b))
	}
	var protected bool
	switch b[0] {
	case CategoryPublic:
	case CategoryProtectedDualOfPublicAction:
		protected = true
	default:
		return nil, fmt.Errorf("%w: Category %d", ErrNotGAS, b[0])
	}
	c := cursor{b: b, off: 2}
	var (
		f   Frame
		err error
	)
	// Each case assigns a concrete non-nil pointer only on success, so a
	// failed decode returns a nil Frame, not a typed nil.
	switch b[1] {
	case ActionInitialRequest:
		var r *InitialRequest
		if r, err = decodeInitialRequest(&c, protected); err == nil {
			f = r
		}
	case ActionInitialResponse:
		var r *InitialResponse
		if r, err = decodeInitialResponse(&c, protected); err == nil {
			f = r
		}
	case ActionComebackRequest:
		var token uint8
		if token, err = c.u8("Dialog Token"); err == nil {
			f = &ComebackRequest{Protected: protected, DialogToken: token, Trailer: c.rest()}
		}
	case ActionComebackResponse:
		var r *ComebackResponse
		if r, err = decodeComebackResponse(&c, protected); err == nil {
			f = r
		}
	default:
		err = fmt.Errorf("%w: Public Action %d", ErrNotGAS, b[1])
	}
	return f, err
}

// readQuery reads a two-octet length and that many octets.
func readQuery(c *cursor, field string) ([]byte, error) {
	n, err := c.le16(field + " Length")
	if err != nil {
		return nil, err
	}
	return c.bytes(int(n), field)
}

func decodeInitialRequest(c *cursor, protected bool) (*InitialRequest, error) {
	f := &InitialRequest{Protected: protected}
	var err error
	if f.DialogToken, err = c.u8("Dialog Token"); err != nil {
		return nil, err
	}
	if f.AdvertisementProtocol, err = readAdvertisementProtocol(c); err != nil {
		return nil, err
	}
	if f.Query, err = readQuery(c, "Query Request"); err != nil {
		return nil, err
	}
	f.Trailer = c.rest()
	return f, nil
}

// readResponseTail reads Advertisement Protocol element, Query Response
// Length and Query Response, allowing a non-success frame to end first.
func readResponseTail(c *cursor, status uint16) (AdvertisementProtocol, []byte, error) {
	if c.remaining() == 0 && status != StatusSuccess {
		return nil, nil, nil
	}
	adv, err := readAdvertisementProtocol(c)
	if err != nil {
		return nil, nil, err
	}
	resp, err := readQuery(c, "Query Response")
	if err != nil {
		return nil, nil, err
	}
	return adv, resp, nil
}

func decodeInitialResponse(c *cursor, protected bool) (*InitialResponse, error) {
	f := &InitialResponse{Protected: protected}
	var err error
	if f.DialogToken, err = c.u8("Dialog Token"); err != nil {
		return nil, err
	}
	if f.StatusCode, err = c.le16("Status Code"); err != nil {
		return nil, err
	}
	if f.ComebackDelay, err = c.le16("GAS Comeback Delay"); err != nil {
		return nil, err
	}
	if f.AdvertisementProtocol, f.Response, err = readResponseTail(c, f.StatusCode); err != nil {
		return nil, err
	}
	f.Trailer = c.rest()
	return f, nil
}

func decodeComebackResponse(c *cursor, protected bool) (*ComebackResponse, error) {
	f := &ComebackResponse{Protected: protected}
	var err error
	if f.DialogToken, err = c.u8("Dialog Token"); err != nil {
		return nil, err
	}
	if f.StatusCode, err = c.le16("Status Code"); err != nil {
		return nil, err
	}
	frag, err := c.u8("GAS Query Response Fragment ID")
	if err != nil {
		return nil, err
	}
	f.FragmentID, f.MoreFragments = frag&0x7f, frag&0x80 != 0
	if f.ComebackDelay, err = c.le16("GAS Comeback Delay"); err != nil {
		return nil, err
	}
	if f.AdvertisementProtocol, f.Response, err = readResponseTail(c, f.StatusCode); err != nil {
		return nil, err
	}
	f.Trailer = c.rest()
	return f, nil
}

func appendHeader(b []byte, protected bool, action, token uint8) []byte {
	cat := CategoryPublic
	if protected {
		cat = CategoryProtectedDualOfPublicAction
	}
	return append(b, cat, action, token)
}

func appendQuery(b []byte, q []byte, field string) ([]byte, error) {
	if len(q) > MaxQueryLength {
		return b, fmt.Errorf("%w: %s of %d octets exceeds %d", errInvalid, field, len(q), MaxQueryLength)
	}
	b = appendLE16(b, uint16(len(q)))
	return append(b, q...), nil
}

// appendResponseTail mirrors readResponseTail.
func appendResponseTail(b []byte, status uint16, adv AdvertisementProtocol, resp, trailer []byte) ([]byte, error) {
	if adv == nil {
		if status == StatusSuccess || len(resp) != 0 || len(trailer) != 0 {
			return b, fmt.Errorf("%w: a response without Advertisement Protocol element needs a failure status and nothing after the Comeback Delay", errInvalid)
		}
		return b, nil
	}
	b, err := adv.Append(b)
	if err != nil {
		return b, err
	}
	return appendQuery(b, resp, "Query Response")
}

// Append appends the frame body from the Category octet on.
func (f *InitialRequest) Append(b []byte) ([]byte, error) {
	b = appendHeader(b, f.Protected, ActionInitialRequest, f.DialogToken)
	b, err := f.AdvertisementProtocol.Append(b)
	if err != nil {
		return b, err
	}
	if b, err = appendQuery(b, f.Query, "Query Request"); err != nil {
		return b, err
	}
	return append(b, f.Trailer...), nil
}

// Append appends the frame body from the Category octet on.
func (f *InitialResponse) Append(b []byte) ([]byte, error) {
	b = appendHeader(b, f.Protected, ActionInitialResponse, f.DialogToken)
	b = appendLE16(b, f.StatusCode)
	b = appendLE16(b, f.ComebackDelay)
	b, err := appendResponseTail(b, f.StatusCode, f.AdvertisementProtocol, f.Response, f.Trailer)
	if err != nil {
		return b, err
	}
	return append(b, f.Trailer...), nil
}

// Append appends the frame body from the Category octet on.
func (f *ComebackRequest) Append(b []byte) ([]byte, error) {
	b = appendHeader(b, f.Protected, ActionComebackRequest, f.DialogToken)
	return append(b, f.Trailer...), nil
}

// Append appends the frame body from the Category octet on. It fails when
// FragmentID exceeds 127.
func (f *ComebackResponse) Append(b []byte) ([]byte, error) {
	if f.FragmentID > 0x7f {
		return b, fmt.Errorf("%w: GAS Query Response Fragment ID %d exceeds 127", errInvalid, f.FragmentID)
	}
	b = appendHeader(b, f.Protected, ActionComebackResponse, f.DialogToken)
	b = appendLE16(b, f.StatusCode)
	frag := f.FragmentID
	if f.MoreFragments {
		frag |= 0x80
	}
	b = append(b, frag)
	b = appendLE16(b, f.ComebackDelay)
	b, err := appendResponseTail(b, f.StatusCode, f.AdvertisementProtocol, f.Response, f.Trailer)
	if err != nil {
		return b, err
	}
	return append(b, f.Trailer...), nil
}
