package p2pmsg

import (
	"errors"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

var wscElement = ieee80211.Element{ID: ieee80211.ElemVendorSpecific, Data: []byte{0x00, 0x50, 0xf2, 4}}

func validChannelList() *ChannelList {
	return &ChannelList{Country: xx4, Entries: []ChannelEntry{{OperatingClass: 81, Channels: []byte{1, 6, 11}}}}
}

func TestPublicActionValidatorsAcceptCompleteFramesAndNameWhatIsMissing(t *testing.T) {
	dev := &DeviceInfo{DeviceAddress: macC, DeviceName: "peer"}
	ch := &Channel{Country: xx4, OperatingClass: 81, Number: 6}
	wsc := []ieee80211.Element{wscElement}
	tests := []struct {
		name  string
		frame *PublicAction
		want  error // nil: valid
	}{
		{"GO Negotiation Response failure needs only Status", &PublicAction{Subtype: GONegotiationResponse,
			P2P: &Attributes{Status: new(StatusFailInformationUnavailable)}}, nil},
		{"GO Negotiation Response success", &PublicAction{Subtype: GONegotiationResponse, Elements: wsc, P2P: &Attributes{
			Status: new(StatusSuccess), Capability: &Capability{}, GOIntent: &GOIntent{Intent: 3},
			ConfigurationTimeout: &ConfigurationTimeout{}, IntendedInterfaceAddress: &macD, ChannelList: validChannelList(),
			DeviceInfo: dev}}, nil},
		{"GO Negotiation Response success without Device Info", &PublicAction{Subtype: GONegotiationResponse, Elements: wsc, P2P: &Attributes{
			Status: new(StatusSuccess), Capability: &Capability{}, GOIntent: &GOIntent{Intent: 3},
			ConfigurationTimeout: &ConfigurationTimeout{}, IntendedInterfaceAddress: &macD, ChannelList: validChannelList()}}, ErrMissingAttribute},
		{"GO Negotiation Response success without WSC IE", &PublicAction{Subtype: GONegotiationResponse,
			P2P: &Attributes{Status: new(StatusSuccess)}}, ErrMissingAttribute},
		{"GO Negotiation Response without Status", &PublicAction{Subtype: GONegotiationResponse, P2P: &Attributes{}}, ErrMissingAttribute},
		{"GO Negotiation Confirmation success", &PublicAction{Subtype: GONegotiationConfirmation, P2P: &Attributes{
			Status: new(StatusSuccess), Capability: &Capability{}, OperatingChannel: ch, ChannelList: validChannelList()}}, nil},
		{"GO Negotiation Confirmation without Operating Channel", &PublicAction{Subtype: GONegotiationConfirmation, P2P: &Attributes{
			Status: new(StatusSuccess), Capability: &Capability{}, ChannelList: validChannelList()}}, ErrMissingAttribute},
		{"GO Negotiation Confirmation failure", &PublicAction{Subtype: GONegotiationConfirmation, P2P: &Attributes{
			Status: new(StatusFailNoCommonChannels)}}, nil},
		{"Invitation Response success without Channel List (bad-input #10)", &PublicAction{Subtype: InvitationResponse, P2P: &Attributes{
			Status: new(StatusSuccess), ConfigurationTimeout: &ConfigurationTimeout{}}}, ErrMissingAttribute},
		{"Invitation Response success", &PublicAction{Subtype: InvitationResponse, P2P: &Attributes{
			Status: new(StatusSuccess), ConfigurationTimeout: &ConfigurationTimeout{}, ChannelList: validChannelList()}}, nil},
		{"Invitation Response failure", &PublicAction{Subtype: InvitationResponse, P2P: &Attributes{Status: new(StatusFailUnknownP2PGroup)}}, nil},
		{"Invitation Response without Status (bad-input #10)", &PublicAction{Subtype: InvitationResponse, P2P: &Attributes{
			ConfigurationTimeout: &ConfigurationTimeout{}}}, ErrMissingAttribute},
		{"Invitation Request without Group ID", &PublicAction{Subtype: InvitationRequest, P2P: &Attributes{
			ConfigurationTimeout: &ConfigurationTimeout{}, InvitationFlags: new(InvitationFlags(0)), ChannelList: validChannelList(),
			DeviceInfo: dev}}, ErrMissingAttribute},
		{"Device Discoverability Request", &PublicAction{Subtype: DeviceDiscoverabilityRequest, P2P: &Attributes{
			DeviceID: &macC, GroupID: &GroupID{DeviceAddress: macD, SSID: []byte("DIRECT-ab")}}}, nil},
		{"Device Discoverability Request without Group ID", &PublicAction{Subtype: DeviceDiscoverabilityRequest, P2P: &Attributes{
			DeviceID: &macC}}, ErrMissingAttribute},
		{"Device Discoverability Response", &PublicAction{Subtype: DeviceDiscoverabilityResponse, P2P: &Attributes{Status: new(StatusSuccess)}}, nil},
		{"Device Discoverability Response without P2P IE", &PublicAction{Subtype: DeviceDiscoverabilityResponse}, ErrMissingAttribute},
		{"Provision Discovery Request", &PublicAction{Subtype: ProvisionDiscoveryRequest, Elements: wsc, P2P: &Attributes{
			Capability: &Capability{}, DeviceInfo: dev}}, nil},
		{"Provision Discovery Request without WSC IE", &PublicAction{Subtype: ProvisionDiscoveryRequest, P2P: &Attributes{
			Capability: &Capability{}, DeviceInfo: dev}}, ErrMissingAttribute},
		{"P2PS Provision Discovery Request without Session ID", &PublicAction{Subtype: ProvisionDiscoveryRequest, Elements: wsc, P2P: &Attributes{
			Capability: &Capability{}, DeviceInfo: dev, AdvertisementID: &AdvertisementID{}}}, ErrMissingAttribute},
		{"P2PS Provision Discovery Response without Status", &PublicAction{Subtype: ProvisionDiscoveryResponse, Elements: wsc, P2P: &Attributes{
			SessionID: &SessionID{}}}, ErrMissingAttribute},
		{"Provision Discovery Response without WSC IE", &PublicAction{Subtype: ProvisionDiscoveryResponse}, ErrMissingAttribute},
		{"unknown subtype", &PublicAction{Subtype: 200, P2P: &Attributes{}}, ieee80211.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePublicAction(tt.frame)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("ValidatePublicAction: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestValidatorsRejectTheWrongSubtype(t *testing.T) {
	f := &PublicAction{Subtype: InvitationRequest, P2P: &Attributes{}}
	for name, v := range map[string]func(*PublicAction) error{
		"GO Negotiation Request": ValidateGONegotiationRequest, "Provision Discovery Response": ValidateProvisionDiscoveryResponse,
	} {
		if err := v(f); !errors.Is(err, ieee80211.ErrInvalid) {
			t.Errorf("%s validator on an Invitation Request: %v, want ErrInvalid", name, err)
		}
	}
	a := &Action{Subtype: ActionPresenceRequest, P2P: &Attributes{}}
	if err := ValidatePresenceResponse(a); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("ValidatePresenceResponse on a Presence Request: %v, want ErrInvalid", err)
	}
	if err := ValidatePresenceRequest(a); !errors.Is(err, ErrMissingAttribute) {
		t.Errorf("ValidatePresenceRequest without Notice of Absence: %v, want ErrMissingAttribute", err)
	}
	if err := ValidateAction(&Action{Subtype: 9}); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("ValidateAction on subtype 9: %v, want ErrInvalid", err)
	}
}

func TestChannelListContainsAndValidate(t *testing.T) {
	cl := validChannelList()
	if !cl.Contains(81, 6) || cl.Contains(81, 2) || cl.Contains(115, 6) {
		t.Errorf("Contains gives wrong answers for %+v", cl)
	}
	if err := (&ChannelList{Entries: []ChannelEntry{{OperatingClass: 81}}}).Validate(); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("list without channels: %v", err)
	}
	// wpa_supplicant 2.10 pads with empty entries of operating class 0.
	padded := &ChannelList{Entries: []ChannelEntry{{OperatingClass: 81, Channels: []byte{6}}, {}, {}}}
	if err := padded.Validate(); err != nil {
		t.Errorf("list padded with empty entries: %v", err)
	}
	if err := (&ChannelList{Entries: []ChannelEntry{{OperatingClass: 81, Channels: []byte{0}}}}).Validate(); !errors.Is(err, ieee80211.ErrInvalid) {
		t.Errorf("channel 0: %v", err)
	}
}
