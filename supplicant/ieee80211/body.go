package ieee80211

import (
	"encoding/binary"
	"fmt"
)

// Body is a decoded management frame body. Append appends its encoding; it
// fails only for values a decoder never produces (an element body longer
// than 255 octets).
type Body interface {
	Append(b []byte) ([]byte, error)
}

// DecodeBody decodes a management frame body by subtype. Subtypes without
// a body decoder here (ATIM, Timing Advertisement, reserved values) come
// back as RawBody. A protected body must not be passed here: it is
// ciphertext (Mgmt.DecodeBody checks the Protected flag).
func DecodeBody(subtype uint8, body []byte) (Body, error) {
	switch subtype {
	case SubtypeAssocReq:
		return asBody(DecodeAssocReq(body))
	case SubtypeAssocResp:
		return asBody(DecodeAssocResp(body))
	case SubtypeReassocReq:
		return asBody(DecodeReassocReq(body))
	case SubtypeReassocResp:
		return asBody(DecodeReassocResp(body))
	case SubtypeProbeReq:
		return asBody(DecodeProbeReq(body))
	case SubtypeProbeResp:
		return asBody(DecodeProbeResp(body))
	case SubtypeBeacon:
		return asBody(DecodeBeacon(body))
	case SubtypeDisassoc:
		return asBody(DecodeDisassoc(body))
	case SubtypeAuth:
		return asBody(DecodeAuth(body))
	case SubtypeDeauth:
		return asBody(DecodeDeauth(body))
	case SubtypeAction:
		return asBody(DecodeAction(body))
	case SubtypeActionNoAck:
		return asBody(DecodeActionNoAck(body))
	}
	return RawBody(bytesOf(body)), nil
}

// asBody turns a typed decoder result into a Body, nil on error.
func asBody[T Body](x T, err error) (Body, error) {
	if err != nil {
		return nil, err
	}
	return x, nil
}

// RawBody is a frame body kept as bytes: a subtype this package does not
// decode, or a protected (encrypted) body.
type RawBody []byte

// Append appends the body unchanged.
func (r RawBody) Append(b []byte) ([]byte, error) { return append(b, r...), nil }

// CapabilityInfo is the Capability Information field
// (IEEE Std 802.11-2020, 9.4.1.4).
type CapabilityInfo uint16

// Capability Information bits (IEEE Std 802.11-2020, 9.4.1.4). A P2P Group
// Owner sets ESS and Privacy; a P2P Device in discovery sets neither.
const (
	CapESS                CapabilityInfo = 1 << 0
	CapIBSS               CapabilityInfo = 1 << 1
	CapPrivacy            CapabilityInfo = 1 << 4
	CapShortPreamble      CapabilityInfo = 1 << 5
	CapSpectrumManagement CapabilityInfo = 1 << 8
	CapQoS                CapabilityInfo = 1 << 9
	CapShortSlotTime      CapabilityInfo = 1 << 10
	CapAPSD               CapabilityInfo = 1 << 11
	CapRadioMeasurement   CapabilityInfo = 1 << 12
	CapEPD                CapabilityInfo = 1 << 13
)

// Authentication Algorithm Number values (IEEE Std 802.11-2020, 9.4.1.1).
const (
	AuthOpenSystem uint16 = 0
	AuthSharedKey  uint16 = 1
	AuthFT         uint16 = 2
	AuthSAE        uint16 = 3
	AuthFILSSK     uint16 = 4
	AuthFILSSKPFS  uint16 = 5
	AuthFILSPK     uint16 = 6
	AuthPASN       uint16 = 7
)

// A few Status Code values (IEEE Std 802.11-2020, 9.4.1.9).
const (
	StatusSuccess                  uint16 = 0
	StatusUnspecifiedFailure       uint16 = 1
	StatusCapsUnsupported          uint16 = 10
	StatusNotSupportedAuthAlg      uint16 = 13
	StatusUnknownAuthTransaction   uint16 = 14
	StatusAPUnableToHandleNewSTA   uint16 = 17
	StatusAssocDeniedRates         uint16 = 18
	StatusAssocRejectedTemporarily uint16 = 30
	StatusRequestDeclined          uint16 = 37
	StatusInvalidElement           uint16 = 40
	StatusInvalidGroupCipher       uint16 = 41
	StatusInvalidPairwiseCipher    uint16 = 42
	StatusInvalidAKMP              uint16 = 43
)

// A few Reason Code values (IEEE Std 802.11-2020, 9.4.1.7).
const (
	ReasonUnspecified             uint16 = 1
	ReasonPrevAuthNotValid        uint16 = 2
	ReasonDeauthLeaving           uint16 = 3
	ReasonDisassocInactivity      uint16 = 4
	ReasonDisassocAPBusy          uint16 = 5
	ReasonClass2FromNonauthSTA    uint16 = 6
	ReasonClass3FromNonassocSTA   uint16 = 7
	ReasonDisassocSTAHasLeft      uint16 = 8
	ReasonInvalidElement          uint16 = 13
	ReasonFourWayHandshakeTimeout uint16 = 15
	ReasonGroupKeyUpdateTimeout   uint16 = 16
	ReasonIEIn4WayDiffers         uint16 = 17
	ReasonIEEE8021XAuthFailed     uint16 = 23
)

// Action frame Category values (IEEE Std 802.11-2020, 9.4.1.11).
const (
	CategorySpectrumManagement      uint8 = 0
	CategoryBlockAck                uint8 = 3
	CategoryPublic                  uint8 = 4
	CategorySAQuery                 uint8 = 8
	CategoryProtectedDualOfPublic   uint8 = 9
	CategoryWNM                     uint8 = 10
	CategoryVendorSpecificProtected uint8 = 126
	// CategoryVendorSpecific carries the P2P Action frames
	// (Wi-Fi P2P Technical Specification v1.7, P2P Action frames: OUI
	// 50-6F-9A, OUI type 9).
	CategoryVendorSpecific uint8 = 127
)

// Public Action field values (IEEE Std 802.11-2020, 9.6.7.1).
const (
	// PublicActionVendorSpecific carries the P2P Public Action frames
	// (GO Negotiation, Invitation, Device Discoverability, Provision
	// Discovery: Wi-Fi P2P Technical Specification v1.7, P2P Public
	// Action frames).
	PublicActionVendorSpecific      uint8 = 9
	PublicActionGASInitialRequest   uint8 = 10
	PublicActionGASInitialResponse  uint8 = 11
	PublicActionGASComebackRequest  uint8 = 12
	PublicActionGASComebackResponse uint8 = 13
)

// elementsOf parses the element tail of a body; an empty tail is nil.
func elementsOf(frame string, b []byte) (Elements, error) {
	if len(b) == 0 {
		return nil, nil
	}
	elems, err := ParseElements(b)
	if err != nil {
		return nil, fmt.Errorf("%s elements: %w", frame, err)
	}
	return elems, nil
}

// bytesOf returns b, or nil when it is empty, so decoded values compare
// equal however the body was sliced.
func bytesOf(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func needBody(frame string, body []byte, n int) error {
	if len(body) < n {
		return fmt.Errorf("%w: %s body needs %d fixed octets, has %d", ErrTruncated, frame, n, len(body))
	}
	return nil
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }

// Beacon is a Beacon frame body (IEEE Std 802.11-2020, 9.3.3.3). A P2P
// Group Owner beacons with SSID "DIRECT-xy..." and a P2P IE.
type Beacon struct {
	Timestamp      uint64 // TSF, microseconds
	BeaconInterval uint16 // time units (1024 us)
	Capability     CapabilityInfo
	Elements       Elements
}

// DecodeBeacon decodes a Beacon body; the elements must parse
// (ErrTruncated otherwise). Element contents are not validated here: use
// the typed decoders (DecodeSSID...).
func DecodeBeacon(body []byte) (Beacon, error) { return decodeBeaconLike("Beacon", body) }

func decodeBeaconLike(frame string, body []byte) (Beacon, error) {
	if err := needBody(frame, body, 12); err != nil {
		return Beacon{}, err
	}
	elems, err := elementsOf(frame, body[12:])
	if err != nil {
		return Beacon{}, err
	}
	return Beacon{
		Timestamp:      binary.LittleEndian.Uint64(body),
		BeaconInterval: le16(body[8:]),
		Capability:     CapabilityInfo(le16(body[10:])),
		Elements:       elems,
	}, nil
}

// Append appends the encoded body.
func (x Beacon) Append(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint64(b, x.Timestamp)
	b = binary.LittleEndian.AppendUint16(b, x.BeaconInterval)
	b = binary.LittleEndian.AppendUint16(b, uint16(x.Capability))
	return x.Elements.Append(b)
}

// ProbeResp is a Probe Response frame body (IEEE Std 802.11-2020,
// 9.3.3.11); its fixed fields are those of a Beacon. P2P Devices answer
// P2P probes in the Listen state with one (Wi-Fi P2P Technical
// Specification v1.7, 3.1.2, Device Discovery).
type ProbeResp Beacon

// DecodeProbeResp decodes a Probe Response body, as DecodeBeacon does.
func DecodeProbeResp(body []byte) (ProbeResp, error) {
	x, err := decodeBeaconLike("Probe Response", body)
	return ProbeResp(x), err
}

// Append appends the encoded body.
func (x ProbeResp) Append(b []byte) ([]byte, error) { return Beacon(x).Append(b) }

// ProbeReq is a Probe Request frame body (IEEE Std 802.11-2020, 9.3.3.10):
// elements only. P2P search probes carry the SSID "DIRECT-".
type ProbeReq struct {
	Elements Elements
}

// DecodeProbeReq decodes a Probe Request body.
func DecodeProbeReq(body []byte) (ProbeReq, error) {
	elems, err := elementsOf("Probe Request", body)
	return ProbeReq{Elements: elems}, err
}

// Append appends the encoded body.
func (x ProbeReq) Append(b []byte) ([]byte, error) { return x.Elements.Append(b) }

// Auth is an Authentication frame body (IEEE Std 802.11-2020, 9.3.3.12).
// For Open System and Shared Key the rest of the body is elements; other
// algorithms (SAE, FT, FILS, PASN) carry algorithm-specific fields before
// their elements, so for them the rest is kept unparsed in Rest.
type Auth struct {
	Algorithm      uint16 // AuthOpenSystem...
	TransactionSeq uint16
	StatusCode     uint16
	Elements       Elements // Open System and Shared Key
	Rest           []byte   // every other algorithm: the body after Status Code
}

// DecodeAuth decodes an Authentication body.
func DecodeAuth(body []byte) (Auth, error) {
	if err := needBody("Authentication", body, 6); err != nil {
		return Auth{}, err
	}
	a := Auth{Algorithm: le16(body), TransactionSeq: le16(body[2:]), StatusCode: le16(body[4:])}
	if a.Algorithm != AuthOpenSystem && a.Algorithm != AuthSharedKey {
		a.Rest = bytesOf(body[6:])
		return a, nil
	}
	var err error
	a.Elements, err = elementsOf("Authentication", body[6:])
	return a, err
}

// Append appends the encoded body: fixed fields, Elements, then Rest.
func (x Auth) Append(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint16(b, x.Algorithm)
	b = binary.LittleEndian.AppendUint16(b, x.TransactionSeq)
	b = binary.LittleEndian.AppendUint16(b, x.StatusCode)
	b, err := x.Elements.Append(b)
	return append(b, x.Rest...), err
}

// AssocReq is an Association Request frame body (IEEE Std 802.11-2020,
// 9.3.3.6). A P2P Client's carries a P2P IE.
type AssocReq struct {
	Capability     CapabilityInfo
	ListenInterval uint16 // beacon intervals
	Elements       Elements
}

// DecodeAssocReq decodes an Association Request body.
func DecodeAssocReq(body []byte) (AssocReq, error) {
	if err := needBody("Association Request", body, 4); err != nil {
		return AssocReq{}, err
	}
	elems, err := elementsOf("Association Request", body[4:])
	if err != nil {
		return AssocReq{}, err
	}
	return AssocReq{Capability: CapabilityInfo(le16(body)), ListenInterval: le16(body[2:]), Elements: elems}, nil
}

// Append appends the encoded body.
func (x AssocReq) Append(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint16(b, uint16(x.Capability))
	b = binary.LittleEndian.AppendUint16(b, x.ListenInterval)
	return x.Elements.Append(b)
}

// ReassocReq is a Reassociation Request frame body (IEEE Std 802.11-2020,
// 9.3.3.8): an Association Request with the current AP address.
type ReassocReq struct {
	Capability     CapabilityInfo
	ListenInterval uint16
	CurrentAP      MAC
	Elements       Elements
}

// DecodeReassocReq decodes a Reassociation Request body.
func DecodeReassocReq(body []byte) (ReassocReq, error) {
	if err := needBody("Reassociation Request", body, 10); err != nil {
		return ReassocReq{}, err
	}
	elems, err := elementsOf("Reassociation Request", body[10:])
	if err != nil {
		return ReassocReq{}, err
	}
	x := ReassocReq{Capability: CapabilityInfo(le16(body)), ListenInterval: le16(body[2:]), Elements: elems}
	copy(x.CurrentAP[:], body[4:10])
	return x, nil
}

// Append appends the encoded body.
func (x ReassocReq) Append(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint16(b, uint16(x.Capability))
	b = binary.LittleEndian.AppendUint16(b, x.ListenInterval)
	b = append(b, x.CurrentAP[:]...)
	return x.Elements.Append(b)
}

// AssocResp is an Association Response frame body (IEEE Std 802.11-2020,
// 9.3.3.7).
type AssocResp struct {
	Capability CapabilityInfo
	StatusCode uint16
	// AID is the Association ID field as carried on air; senders
	// traditionally set its two most significant bits (see AssociationID).
	AID      uint16
	Elements Elements
}

// AssociationID is the association identifier without the two most
// significant bits of the AID field (IEEE Std 802.11-2020, 9.4.1.8).
func (x AssocResp) AssociationID() uint16 { return x.AID & 0x3fff }

// DecodeAssocResp decodes an Association Response body.
func DecodeAssocResp(body []byte) (AssocResp, error) {
	return decodeAssocRespLike("Association Response", body)
}

func decodeAssocRespLike(frame string, body []byte) (AssocResp, error) {
	if err := needBody(frame, body, 6); err != nil {
		return AssocResp{}, err
	}
	elems, err := elementsOf(frame, body[6:])
	if err != nil {
		return AssocResp{}, err
	}
	return AssocResp{Capability: CapabilityInfo(le16(body)), StatusCode: le16(body[2:]), AID: le16(body[4:]), Elements: elems}, nil
}

// Append appends the encoded body.
func (x AssocResp) Append(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint16(b, uint16(x.Capability))
	b = binary.LittleEndian.AppendUint16(b, x.StatusCode)
	b = binary.LittleEndian.AppendUint16(b, x.AID)
	return x.Elements.Append(b)
}

// ReassocResp is a Reassociation Response frame body (IEEE Std
// 802.11-2020, 9.3.3.9); its format is that of an Association Response.
type ReassocResp AssocResp

// DecodeReassocResp decodes a Reassociation Response body.
func DecodeReassocResp(body []byte) (ReassocResp, error) {
	x, err := decodeAssocRespLike("Reassociation Response", body)
	return ReassocResp(x), err
}

// AssociationID is the association identifier (see AssocResp.AssociationID).
func (x ReassocResp) AssociationID() uint16 { return AssocResp(x).AssociationID() }

// Append appends the encoded body.
func (x ReassocResp) Append(b []byte) ([]byte, error) { return AssocResp(x).Append(b) }

// Deauth is a Deauthentication frame body (IEEE Std 802.11-2020,
// 9.3.3.13): the Reason Code, then optional elements (vendor-specific,
// MME) which are kept.
type Deauth struct {
	ReasonCode uint16
	Elements   Elements
}

// DecodeDeauth decodes a Deauthentication body.
func DecodeDeauth(body []byte) (Deauth, error) { return decodeReasonBody("Deauthentication", body) }

func decodeReasonBody(frame string, body []byte) (Deauth, error) {
	if err := needBody(frame, body, 2); err != nil {
		return Deauth{}, err
	}
	elems, err := elementsOf(frame, body[2:])
	if err != nil {
		return Deauth{}, err
	}
	return Deauth{ReasonCode: le16(body), Elements: elems}, nil
}

// Append appends the encoded body.
func (x Deauth) Append(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint16(b, x.ReasonCode)
	return x.Elements.Append(b)
}

// Disassoc is a Disassociation frame body (IEEE Std 802.11-2020,
// 9.3.3.5); its format is that of a Deauthentication body.
type Disassoc Deauth

// DecodeDisassoc decodes a Disassociation body.
func DecodeDisassoc(body []byte) (Disassoc, error) {
	x, err := decodeReasonBody("Disassociation", body)
	return Disassoc(x), err
}

// Append appends the encoded body.
func (x Disassoc) Append(b []byte) ([]byte, error) { return Deauth(x).Append(b) }

// Action is an Action frame body (IEEE Std 802.11-2020, 9.3.3.14): the
// Category octet and the rest of the body, kept as bytes for the
// category-specific decoders (P2P Public Action frames: CategoryPublic,
// then PublicActionVendorSpecific, OUI 50-6F-9A, OUI type 9; P2P Action
// frames: CategoryVendorSpecific, then that OUI and type).
type Action struct {
	Category uint8
	Rest     []byte // the body after the Category octet (Action field...)
}

// DecodeAction decodes an Action body; it needs the Category octet.
func DecodeAction(body []byte) (Action, error) { return decodeActionLike("Action", body) }

func decodeActionLike(frame string, body []byte) (Action, error) {
	if err := needBody(frame, body, 1); err != nil {
		return Action{}, err
	}
	return Action{Category: body[0], Rest: bytesOf(body[1:])}, nil
}

// Append appends the encoded body.
func (x Action) Append(b []byte) ([]byte, error) {
	return append(append(b, x.Category), x.Rest...), nil
}

// ActionNoAck is an Action No Ack frame body (IEEE Std 802.11-2020,
// 9.3.3.15); its format is that of an Action body.
type ActionNoAck Action

// DecodeActionNoAck decodes an Action No Ack body.
func DecodeActionNoAck(body []byte) (ActionNoAck, error) {
	x, err := decodeActionLike("Action No Ack", body)
	return ActionNoAck(x), err
}

// Append appends the encoded body.
func (x ActionNoAck) Append(b []byte) ([]byte, error) { return Action(x).Append(b) }
