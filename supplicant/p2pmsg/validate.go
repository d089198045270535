package p2pmsg

import (
	"errors"
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// The Validate functions check that a decoded frame carries the attributes
// its subtype requires (Wi-Fi P2P v1.7, 4.2.9 and 4.2.10) and that the
// values the protocol relies on are in range. Missing attributes wrap
// ErrMissingAttribute; out-of-range values wrap ieee80211.ErrInvalid. They
// check neither the WSC IE content (the WSC codec's job) nor anything that
// needs the frame header or protocol state (SA against P2P Device Address,
// Dialog Token matching, both intents 15: see ResolveGORole).

func missing(id AttributeID) error {
	return fmt.Errorf("%w: %v", ErrMissingAttribute, id)
}

var errMissingWSC = fmt.Errorf("%w: WSC IE", ErrMissingAttribute)
var errMissingP2P = fmt.Errorf("%w: P2P IE", ErrMissingAttribute)

// require reports the first attribute of ids that a lacks.
func require(a *Attributes, ids ...AttributeID) error {
	for _, id := range ids {
		if !a.field(id) {
			return missing(id)
		}
	}
	return nil
}

func wrongSubtype[T fmt.Stringer](got, want T) error {
	return fmt.Errorf("%w: frame is a %v, not a %v", ieee80211.ErrInvalid, got, want)
}

func checkGOIntent(a *Attributes) error {
	if !a.GOIntent.Valid() {
		return fmt.Errorf("%w: GO Intent %d exceeds %d", ieee80211.ErrInvalid, a.GOIntent.Intent, MaxGOIntent)
	}
	return nil
}

func checkPublic(f *PublicAction, want PublicActionSubtype, wsc bool) error {
	if f.Subtype != want {
		return wrongSubtype(f.Subtype, want)
	}
	if f.P2P == nil {
		return errMissingP2P
	}
	if wsc && !hasWSC(f.Elements) {
		return errMissingWSC
	}
	return nil
}

// ValidateGONegotiationRequest checks a GO Negotiation Request (4.2.9.2):
// P2P Capability, Group Owner Intent (at most 15), Configuration Timeout,
// Listen Channel, Intended P2P Interface Address, Channel List (at least
// one channel), P2P Device Info and Operating Channel, and a WSC IE. A
// Status attribute is allowed: hostap sends one to report a user
// rejection; the caller decides what it means.
func ValidateGONegotiationRequest(f *PublicAction) error {
	if err := checkPublic(f, GONegotiationRequest, true); err != nil {
		return err
	}
	a := f.P2P
	if err := require(a, AttrCapability, AttrGOIntent, AttrConfigurationTimeout, AttrListenChannel,
		AttrIntendedInterfaceAddress, AttrChannelList, AttrDeviceInfo, AttrOperatingChannel); err != nil {
		return err
	}
	if err := checkGOIntent(a); err != nil {
		return err
	}
	return a.ChannelList.Validate()
}

// ValidateGONegotiationResponse checks a GO Negotiation Response (4.2.9.3).
// Status is always required; on success also P2P Capability, Group Owner
// Intent (at most 15), Configuration Timeout, Intended P2P Interface
// Address, Channel List (at least one channel), P2P Device Info and a WSC
// IE. A failure response needs only its Status.
func ValidateGONegotiationResponse(f *PublicAction) error {
	if err := checkPublic(f, GONegotiationResponse, false); err != nil {
		return err
	}
	a := f.P2P
	if err := require(a, AttrStatus); err != nil {
		return err
	}
	if *a.Status != StatusSuccess {
		return nil
	}
	if !hasWSC(f.Elements) {
		return errMissingWSC
	}
	if err := require(a, AttrCapability, AttrGOIntent, AttrConfigurationTimeout,
		AttrIntendedInterfaceAddress, AttrChannelList, AttrDeviceInfo); err != nil {
		return err
	}
	if err := checkGOIntent(a); err != nil {
		return err
	}
	return a.ChannelList.Validate()
}

// ValidateGONegotiationConfirmation checks a GO Negotiation Confirmation
// (4.2.9.4): Status; on success also P2P Capability, Operating Channel and
// Channel List (at least one channel). The P2P Group ID is present only
// when the sender is GO, which the caller knows.
func ValidateGONegotiationConfirmation(f *PublicAction) error {
	if err := checkPublic(f, GONegotiationConfirmation, false); err != nil {
		return err
	}
	a := f.P2P
	if err := require(a, AttrStatus); err != nil {
		return err
	}
	if *a.Status != StatusSuccess {
		return nil
	}
	if err := require(a, AttrCapability, AttrOperatingChannel, AttrChannelList); err != nil {
		return err
	}
	return a.ChannelList.Validate()
}

// ValidateInvitationRequest checks a P2P Invitation Request (4.2.9.5):
// Configuration Timeout, Invitation Flags, Channel List (at least one
// channel), P2P Group ID and P2P Device Info. Operating Channel and P2P
// Group BSSID are present when the sender is GO.
func ValidateInvitationRequest(f *PublicAction) error {
	if err := checkPublic(f, InvitationRequest, false); err != nil {
		return err
	}
	a := f.P2P
	if err := require(a, AttrConfigurationTimeout, AttrInvitationFlags, AttrChannelList,
		AttrGroupID, AttrDeviceInfo); err != nil {
		return err
	}
	return a.ChannelList.Validate()
}

// ValidateInvitationResponse checks a P2P Invitation Response (4.2.9.6):
// Status; on success also Channel List with at least one channel
// (docs/bad-input.md #10; hostap treats a success without it as failure).
func ValidateInvitationResponse(f *PublicAction) error {
	if err := checkPublic(f, InvitationResponse, false); err != nil {
		return err
	}
	a := f.P2P
	if err := require(a, AttrStatus); err != nil {
		return err
	}
	if *a.Status != StatusSuccess {
		return nil
	}
	if err := require(a, AttrChannelList); err != nil {
		return err
	}
	return a.ChannelList.Validate()
}

// ValidateDeviceDiscoverabilityRequest checks a Device Discoverability
// Request (4.2.9.7): P2P Device ID and P2P Group ID.
func ValidateDeviceDiscoverabilityRequest(f *PublicAction) error {
	if err := checkPublic(f, DeviceDiscoverabilityRequest, false); err != nil {
		return err
	}
	return require(f.P2P, AttrDeviceID, AttrGroupID)
}

// ValidateDeviceDiscoverabilityResponse checks a Device Discoverability
// Response (4.2.9.8): Status.
func ValidateDeviceDiscoverabilityResponse(f *PublicAction) error {
	if err := checkPublic(f, DeviceDiscoverabilityResponse, false); err != nil {
		return err
	}
	return require(f.P2P, AttrStatus)
}

// ValidateProvisionDiscoveryRequest checks a Provision Discovery Request
// (4.2.9.9): P2P Capability and P2P Device Info, and a WSC IE (carrying the
// Config Methods). P2PS requests (with an Advertisement ID Info) must also
// carry Session ID Info and, when they hold a Channel List, a valid one.
func ValidateProvisionDiscoveryRequest(f *PublicAction) error {
	if err := checkPublic(f, ProvisionDiscoveryRequest, true); err != nil {
		return err
	}
	a := f.P2P
	if err := require(a, AttrCapability, AttrDeviceInfo); err != nil {
		return err
	}
	if a.AdvertisementID != nil {
		if err := require(a, AttrSessionID); err != nil {
			return err
		}
	}
	if a.ChannelList != nil {
		return a.ChannelList.Validate()
	}
	return nil
}

// ValidateProvisionDiscoveryResponse checks a Provision Discovery Response
// (4.2.9.10): a WSC IE (with the Config Methods). The P2P IE is optional
// (legacy responses omit it); a P2PS response (with Advertisement ID Info,
// Session ID Info or Feature Capability) must carry Status.
func ValidateProvisionDiscoveryResponse(f *PublicAction) error {
	if f.Subtype != ProvisionDiscoveryResponse {
		return wrongSubtype(f.Subtype, ProvisionDiscoveryResponse)
	}
	if !hasWSC(f.Elements) {
		return errMissingWSC
	}
	a := f.P2P
	if a == nil {
		return nil
	}
	if a.AdvertisementID != nil || a.SessionID != nil || a.FeatureCapability != nil {
		return require(a, AttrStatus)
	}
	return nil
}

// ValidatePublicAction runs the validator of the frame's subtype. Unknown
// subtypes are reported as ieee80211.ErrInvalid.
func ValidatePublicAction(f *PublicAction) error {
	switch f.Subtype {
	case GONegotiationRequest:
		return ValidateGONegotiationRequest(f)
	case GONegotiationResponse:
		return ValidateGONegotiationResponse(f)
	case GONegotiationConfirmation:
		return ValidateGONegotiationConfirmation(f)
	case InvitationRequest:
		return ValidateInvitationRequest(f)
	case InvitationResponse:
		return ValidateInvitationResponse(f)
	case DeviceDiscoverabilityRequest:
		return ValidateDeviceDiscoverabilityRequest(f)
	case DeviceDiscoverabilityResponse:
		return ValidateDeviceDiscoverabilityResponse(f)
	case ProvisionDiscoveryRequest:
		return ValidateProvisionDiscoveryRequest(f)
	case ProvisionDiscoveryResponse:
		return ValidateProvisionDiscoveryResponse(f)
	}
	return fmt.Errorf("%w: unknown %v", ieee80211.ErrInvalid, f.Subtype)
}

func checkAction(f *Action, want ActionSubtype) error {
	if f.Subtype != want {
		return wrongSubtype(f.Subtype, want)
	}
	if f.P2P == nil {
		return errMissingP2P
	}
	return nil
}

// ValidateNoticeOfAbsenceAction checks a Notice of Absence action frame
// (4.2.10.2): Notice of Absence.
func ValidateNoticeOfAbsenceAction(f *Action) error {
	if err := checkAction(f, ActionNoticeOfAbsence); err != nil {
		return err
	}
	return require(f.P2P, AttrNoticeOfAbsence)
}

// ValidatePresenceRequest checks a P2P Presence Request (4.2.10.3): Notice
// of Absence.
func ValidatePresenceRequest(f *Action) error {
	if err := checkAction(f, ActionPresenceRequest); err != nil {
		return err
	}
	return require(f.P2P, AttrNoticeOfAbsence)
}

// ValidatePresenceResponse checks a P2P Presence Response (4.2.10.4):
// Status and Notice of Absence.
func ValidatePresenceResponse(f *Action) error {
	if err := checkAction(f, ActionPresenceResponse); err != nil {
		return err
	}
	return require(f.P2P, AttrStatus, AttrNoticeOfAbsence)
}

// ValidateGODiscoverabilityRequest checks a GO Discoverability Request
// (4.2.10.5), which carries no attributes.
func ValidateGODiscoverabilityRequest(f *Action) error {
	if f.Subtype != ActionGODiscoverabilityRequest {
		return wrongSubtype(f.Subtype, ActionGODiscoverabilityRequest)
	}
	return nil
}

// ValidateAction runs the validator of the P2P Action frame's subtype.
func ValidateAction(f *Action) error {
	switch f.Subtype {
	case ActionNoticeOfAbsence:
		return ValidateNoticeOfAbsenceAction(f)
	case ActionPresenceRequest:
		return ValidatePresenceRequest(f)
	case ActionPresenceResponse:
		return ValidatePresenceResponse(f)
	case ActionGODiscoverabilityRequest:
		return ValidateGODiscoverabilityRequest(f)
	}
	return fmt.Errorf("%w: unknown %v", ieee80211.ErrInvalid, f.Subtype)
}

// ErrBothGOIntent15 is returned by ResolveGORole when both peers want to be
// GO with Intent 15 (Wi-Fi P2P v1.7, 3.1.4.2.1; Status 9).
var ErrBothGOIntent15 = errors.New("p2pmsg: both P2P Devices indicated a GO Intent of 15")

// ResolveGORole decides the GO after a GO Negotiation (Wi-Fi P2P v1.7,
// 3.1.4.2.1): the higher Intent becomes GO; on equal Intents the Tie
// breaker bit of the GO Negotiation Request decides (set: the requester
// becomes GO). Both Intents 15 is an error (docs/bad-input.md #9,
// test_both_go_intent_15), as is an Intent above 15.
func ResolveGORole(request, response GOIntent) (requesterIsGO bool, err error) {
	if !request.Valid() || !response.Valid() {
		return false, fmt.Errorf("%w: GO Intent %d / %d exceeds %d", ieee80211.ErrInvalid, request.Intent, response.Intent, MaxGOIntent)
	}
	switch {
	case request.Intent == MaxGOIntent && response.Intent == MaxGOIntent:
		return false, ErrBothGOIntent15
	case request.Intent != response.Intent:
		return request.Intent > response.Intent, nil
	}
	return request.TieBreaker, nil
}
