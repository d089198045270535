package p2pmsg

import (
	"bytes"
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Action frame categories and the Public Action field value P2P uses
// (IEEE Std 802.11-2020, 9.4.1.11 Table 9-51 and 9.6.7.1 Table 9-364).
const (
	CategoryPublic         uint8 = 4
	CategoryVendorSpecific uint8 = 127
	// PublicActionVendorSpecific is the Public Action field value of a
	// Vendor Specific Public Action frame.
	PublicActionVendorSpecific uint8 = 9
)

// PublicActionSubtype is the OUI Subtype of a P2P Public Action frame
// (Wi-Fi P2P v1.7, 4.2.9.1, Table 61).
type PublicActionSubtype uint8

// P2P Public Action frame subtypes (Wi-Fi P2P v1.7, Table 61).
const (
	GONegotiationRequest          PublicActionSubtype = 0
	GONegotiationResponse         PublicActionSubtype = 1
	GONegotiationConfirmation     PublicActionSubtype = 2
	InvitationRequest             PublicActionSubtype = 3
	InvitationResponse            PublicActionSubtype = 4
	DeviceDiscoverabilityRequest  PublicActionSubtype = 5
	DeviceDiscoverabilityResponse PublicActionSubtype = 6
	ProvisionDiscoveryRequest     PublicActionSubtype = 7
	ProvisionDiscoveryResponse    PublicActionSubtype = 8
)

var publicSubtypeNames = [...]string{
	"GO Negotiation Request",
	"GO Negotiation Response",
	"GO Negotiation Confirmation",
	"P2P Invitation Request",
	"P2P Invitation Response",
	"Device Discoverability Request",
	"Device Discoverability Response",
	"Provision Discovery Request",
	"Provision Discovery Response",
}

// String names the frame type as Table 61 does.
func (s PublicActionSubtype) String() string {
	if int(s) < len(publicSubtypeNames) {
		return publicSubtypeNames[s]
	}
	return fmt.Sprintf("P2P Public Action subtype %d", uint8(s))
}

// ActionSubtype is the OUI Subtype of a P2P Action frame (Wi-Fi P2P v1.7,
// 4.2.10.1, Table 75).
type ActionSubtype uint8

// P2P Action frame subtypes (Wi-Fi P2P v1.7, Table 75).
const (
	ActionNoticeOfAbsence          ActionSubtype = 0
	ActionPresenceRequest          ActionSubtype = 1
	ActionPresenceResponse         ActionSubtype = 2
	ActionGODiscoverabilityRequest ActionSubtype = 3
)

var actionSubtypeNames = [...]string{
	"Notice of Absence",
	"P2P Presence Request",
	"P2P Presence Response",
	"GO Discoverability Request",
}

// String names the frame type as Table 75 does.
func (s ActionSubtype) String() string {
	if int(s) < len(actionSubtypeNames) {
		return actionSubtypeNames[s]
	}
	return fmt.Sprintf("P2P Action subtype %d", uint8(s))
}

// PublicAction is a P2P Public Action frame body (Wi-Fi P2P v1.7, 4.2.9):
// Category 4, Action 9, OUI 50:6F:9A, OUI Type 9, OUI Subtype, Dialog
// Token, then elements.
type PublicAction struct {
	Subtype     PublicActionSubtype
	DialogToken uint8
	// P2P holds the attributes of the P2P IE; nil when the frame has none.
	P2P *Attributes
	// Elements holds every element after the Dialog Token as received,
	// including the P2P IE's elements (WSC IE, WFD IE and others stay raw
	// here; see ieee80211.VendorPayload and ParseWFDIE).
	Elements []ieee80211.Element
}

// Action is a P2P Action frame body (Wi-Fi P2P v1.7, 4.2.10): Category 127
// (Vendor Specific), OUI 50:6F:9A, OUI Type 9, OUI Subtype, Dialog Token,
// then elements.
type Action struct {
	Subtype     ActionSubtype
	DialogToken uint8
	P2P         *Attributes // attributes of the P2P IE; nil when absent
	Elements    []ieee80211.Element
}

func isWFAP2P(b []byte) bool {
	return b[0] == ieee80211.OUIWFA[0] && b[1] == ieee80211.OUIWFA[1] && b[2] == ieee80211.OUIWFA[2] &&
		b[3] == ieee80211.VendorTypeP2P
}

// ParsePublicAction decodes a P2P Public Action frame from the management
// frame body (starting at the Category octet). Other Public Action frames
// and other categories give ErrNotP2P; a frame cut before its Dialog Token
// gives ErrTruncated (docs/bad-input.md #11).
func ParsePublicAction(body []byte) (*PublicAction, error) {
	if len(body) < 1 {
		return nil, fmt.Errorf("%w: empty action frame body", ieee80211.ErrTruncated)
	}
	if body[0] != CategoryPublic {
		return nil, fmt.Errorf("%w: category %d is not Public", ErrNotP2P, body[0])
	}
	if len(body) < 2 {
		return nil, fmt.Errorf("%w: Public Action frame without Action field", ieee80211.ErrTruncated)
	}
	if body[1] != PublicActionVendorSpecific {
		return nil, fmt.Errorf("%w: Public Action %d is not Vendor Specific", ErrNotP2P, body[1])
	}
	if len(body) < 6 {
		return nil, fmt.Errorf("%w: Vendor Specific Public Action frame of %d octets has no OUI and OUI type", ieee80211.ErrTruncated, len(body))
	}
	if !isWFAP2P(body[2:6]) {
		return nil, fmt.Errorf("%w: OUI %x type %d", ErrNotP2P, body[2:5], body[5])
	}
	sub, token, p2p, elems, err := parseP2PFrameTail("P2P Public Action", body[6:])
	if err != nil {
		return nil, err
	}
	return &PublicAction{Subtype: PublicActionSubtype(sub), DialogToken: token, P2P: p2p, Elements: elems}, nil
}

// ParseAction decodes a P2P Action frame from the management frame body
// (starting at the Category octet). Other categories and vendors give
// ErrNotP2P.
func ParseAction(body []byte) (*Action, error) {
	if len(body) < 1 {
		return nil, fmt.Errorf("%w: empty action frame body", ieee80211.ErrTruncated)
	}
	if body[0] != CategoryVendorSpecific {
		return nil, fmt.Errorf("%w: category %d is not Vendor Specific", ErrNotP2P, body[0])
	}
	if len(body) < 5 {
		return nil, fmt.Errorf("%w: Vendor Specific Action frame of %d octets has no OUI and OUI type", ieee80211.ErrTruncated, len(body))
	}
	if !isWFAP2P(body[1:5]) {
		return nil, fmt.Errorf("%w: OUI %x type %d", ErrNotP2P, body[1:4], body[4])
	}
	sub, token, p2p, elems, err := parseP2PFrameTail("P2P Action", body[5:])
	if err != nil {
		return nil, err
	}
	return &Action{Subtype: ActionSubtype(sub), DialogToken: token, P2P: p2p, Elements: elems}, nil
}

// parseP2PFrameTail decodes OUI Subtype, Dialog Token and elements.
func parseP2PFrameTail(what string, b []byte) (sub, token uint8, p2p *Attributes, elems []ieee80211.Element, err error) {
	if len(b) < 2 {
		return 0, 0, nil, nil, fmt.Errorf("%w: %s frame has no OUI Subtype and Dialog Token (%d of 2 octets)", ieee80211.ErrTruncated, what, len(b))
	}
	sub, token = b[0], b[1]
	elems, err = ieee80211.ParseElements(b[2:])
	if err != nil {
		return 0, 0, nil, nil, fmt.Errorf("%s elements: %w", what, err)
	}
	p2p, _, err = ParseIE(elems)
	if err != nil {
		return 0, 0, nil, nil, fmt.Errorf("%s P2P IE: %w", what, err)
	}
	return sub, token, p2p, elems, nil
}

// Append appends the frame body, from the Category octet on.
func (f *PublicAction) Append(b []byte) ([]byte, error) {
	b = append(b, CategoryPublic, PublicActionVendorSpecific,
		ieee80211.OUIWFA[0], ieee80211.OUIWFA[1], ieee80211.OUIWFA[2], ieee80211.VendorTypeP2P,
		uint8(f.Subtype), f.DialogToken)
	return appendP2PElements(b, f.P2P, f.Elements)
}

// Append appends the frame body, from the Category octet on.
func (f *Action) Append(b []byte) ([]byte, error) {
	b = append(b, CategoryVendorSpecific,
		ieee80211.OUIWFA[0], ieee80211.OUIWFA[1], ieee80211.OUIWFA[2], ieee80211.VendorTypeP2P,
		uint8(f.Subtype), f.DialogToken)
	return appendP2PElements(b, f.P2P, f.Elements)
}

// appendP2PElements writes the elements of a P2P frame. The P2P IE comes
// from p2p (nil: none) and takes the place of the first P2P element in
// elems, or goes first when elems has none. When p2p encodes to the
// payload elems already carry, those elements are written unchanged so a
// decoded frame re-encodes byte for byte however its sender split the IE.
func appendP2PElements(b []byte, p2p *Attributes, elems []ieee80211.Element) ([]byte, error) {
	var payload []byte
	if p2p != nil {
		var err error
		if payload, err = p2p.Append(nil); err != nil {
			return b, err
		}
	}
	orig, hasOrig := ieee80211.VendorPayload(elems, ieee80211.OUIWFA, ieee80211.VendorTypeP2P)
	reuse := p2p != nil && hasOrig && bytes.Equal(payload, orig)
	written := false
	if p2p != nil && !hasOrig {
		b = ieee80211.AppendVendor(b, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, payload)
		written = true
	}
	var err error
	for _, e := range elems {
		if e.IsVendor(ieee80211.OUIWFA, ieee80211.VendorTypeP2P) {
			switch {
			case p2p == nil: // the P2P field is authoritative: no P2P IE
			case reuse:
				if b, err = ieee80211.AppendElement(b, e.ID, e.Data); err != nil {
					return b, err
				}
			case !written:
				b = ieee80211.AppendVendor(b, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, payload)
				written = true
			}
			continue
		}
		if b, err = ieee80211.AppendElement(b, e.ID, e.Data); err != nil {
			return b, err
		}
	}
	return b, nil
}

// WSCPayload returns the WSC IE payload of the frame's elements (for the
// WSC codec), and whether a WSC IE was present.
func WSCPayload(elems []ieee80211.Element) ([]byte, bool) {
	return ieee80211.VendorPayload(elems, ieee80211.OUIMicrosoft, ieee80211.VendorTypeWSC)
}

// hasWSC reports whether elems carry a WSC IE.
func hasWSC(elems []ieee80211.Element) bool {
	for _, e := range elems {
		if e.IsVendor(ieee80211.OUIMicrosoft, ieee80211.VendorTypeWSC) {
			return true
		}
	}
	return false
}
