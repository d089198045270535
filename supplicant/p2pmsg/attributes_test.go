package p2pmsg

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

var (
	macC = ieee80211.MAC{0x11, 0x22, 0x33, 0x44, 0x55, 0x66}
	macD = ieee80211.MAC{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	// wscPhone is the primary device type 00010050F2040001 hostap's tests use.
	wscType = DeviceType{Category: 1, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 1}
)

func TestEveryAttributeDecodesToItsTypedFieldAndReencodesExactly(t *testing.T) {
	clientDesc := func(dev, iface ieee80211.MAC, secondary int, name string) []byte {
		d := cat(dev[:], iface[:], []byte{0x25, 0x01, 0x88}, // Device Capability, Config Methods
			[]byte{0x00, 0x0a, 0x00, 0x50, 0xf2, 0x04, 0x00, 0x05}, []byte{uint8(secondary)})
		for range secondary {
			d = append(d, 0x00, 0x01, 0x00, 0x50, 0xf2, 0x04, 0x00, 0x01)
		}
		d = append(d, 0x10, 0x11, 0x00, uint8(len(name)))
		d = append(d, name...)
		return append([]byte{uint8(len(d))}, d...)
	}
	tests := []struct {
		name    string
		payload []byte
		want    *Attributes
	}{
		{"Status", attr(AttrStatus, 7), &Attributes{Status: new(StatusFailNoCommonChannels)}},
		{"Minor Reason Code", attr(AttrMinorReasonCode, 2), &Attributes{MinorReasonCode: new(MinorReasonCode(2))}},
		{"P2P Capability", attr(AttrCapability, 0x27, 0xab), &Attributes{Capability: &Capability{
			Device: DevCapServiceDiscovery | DevCapClientDiscoverability | DevCapConcurrentOperation | DevCapInvitationProcedure,
			Group:  GroupCapGroupOwner | GroupCapPersistentGroup | GroupCapIntraBSSDistribution | GroupCapPersistentReconnect | GroupCapIPAddressAllocation,
		}}},
		{"P2P Device ID", attr(AttrDeviceID, macC[:]...), &Attributes{DeviceID: &macC}},
		{"GO Intent with tie breaker", attr(AttrGOIntent, 7<<1|1), &Attributes{GOIntent: &GOIntent{Intent: 7, TieBreaker: true}}},
		{"Configuration Timeout", attr(AttrConfigurationTimeout, 50, 10), &Attributes{ConfigurationTimeout: &ConfigurationTimeout{GO: 50, Client: 10}}},
		{"Listen Channel", attr(AttrListenChannel, 'X', 'X', 4, 81, 6), &Attributes{ListenChannel: &Channel{Country: xx4, OperatingClass: 81, Number: 6}}},
		{"null Listen Channel is kept raw", attr(AttrListenChannel), &Attributes{Unknown: []RawAttribute{{ID: AttrListenChannel, Data: []byte{}}}}},
		{"P2P Group BSSID", attr(AttrGroupBSSID, macD[:]...), &Attributes{GroupBSSID: &macD}},
		{"Extended Listen Timing", attr(AttrExtendedListenTiming, 0x2c, 0x01, 0xf4, 0x01), &Attributes{ExtendedListenTiming: &ExtendedListenTiming{AvailabilityPeriod: 300, AvailabilityInterval: 500}}},
		{"Intended P2P Interface Address", attr(AttrIntendedInterfaceAddress, macC[:]...), &Attributes{IntendedInterfaceAddress: &macC}},
		{"P2P Manageability", attr(AttrManageability, 0x03), &Attributes{Manageability: new(ManageabilityDeviceManagement | ManageabilityCrossConnectionPermitted)}},
		{"Channel List with two entries", attr(AttrChannelList, 'X', 'X', 4, 81, 3, 1, 6, 11, 115, 1, 36), &Attributes{ChannelList: &ChannelList{Country: xx4, Entries: []ChannelEntry{
			{OperatingClass: 81, Channels: []byte{1, 6, 11}}, {OperatingClass: 115, Channels: []byte{36}},
		}}}},
		{"Channel List with no entries", attr(AttrChannelList, 'X', 'X', 4), &Attributes{ChannelList: &ChannelList{Country: xx4}}},
		{"Notice of Absence with two descriptors", attr(AttrNoticeOfAbsence, cat(
			[]byte{3, 0x80 | 10},
			[]byte{255, 0x10, 0x27, 0, 0, 0x20, 0x4e, 0, 0, 0x78, 0x56, 0x34, 0x12},
			[]byte{1, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0})...),
			&Attributes{NoticeOfAbsence: &NoticeOfAbsence{Index: 3, CTWindow: 10, OppPS: true, Descriptors: []NoADescriptor{
				{CountType: 255, Duration: 10000, Interval: 20000, StartTime: 0x12345678},
				{CountType: 1, Duration: 1, Interval: 2, StartTime: 3},
			}}}},
		{"P2P Device Info with secondary types and extra octets", attr(AttrDeviceInfo, cat(macC[:], []byte{0x01, 0x88},
			[]byte{0x00, 0x07, 0x00, 0x50, 0xf2, 0x04, 0x00, 0x01}, []byte{2},
			[]byte{0x00, 0x01, 0x00, 0x50, 0xf2, 0x04, 0x00, 0x01, 0x00, 0x03, 0x00, 0x50, 0xf2, 0x04, 0x00, 0x05},
			[]byte{0x10, 0x11, 0x00, 0x06}, []byte("Télé"), []byte{0xde, 0xad})...),
			&Attributes{DeviceInfo: &DeviceInfo{
				DeviceAddress:        macC,
				ConfigMethods:        ConfigMethodKeypad | ConfigMethodPushButton | ConfigMethodDisplay,
				PrimaryDeviceType:    DeviceType{Category: 7, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 1},
				SecondaryDeviceTypes: []DeviceType{wscType, {Category: 3, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 5}},
				DeviceName:           "Télé",
				Extra:                []byte{0xde, 0xad},
			}}},
		{"P2P Group Info with two clients", attr(AttrGroupInfo, cat(clientDesc(macC, macD, 0, "phone"), clientDesc(macD, macC, 1, "tv"))...),
			&Attributes{GroupInfo: &GroupInfo{Clients: []ClientInfo{
				{DeviceAddress: macC, InterfaceAddress: macD, DeviceCapability: 0x25, ConfigMethods: 0x0188,
					PrimaryDeviceType: DeviceType{Category: 10, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 5}, DeviceName: "phone"},
				{DeviceAddress: macD, InterfaceAddress: macC, DeviceCapability: 0x25, ConfigMethods: 0x0188,
					PrimaryDeviceType:    DeviceType{Category: 10, OUI: [4]byte{0x00, 0x50, 0xf2, 0x04}, SubCategory: 5},
					SecondaryDeviceTypes: []DeviceType{wscType}, DeviceName: "tv"},
			}}}},
		{"empty P2P Group Info", attr(AttrGroupInfo), &Attributes{GroupInfo: &GroupInfo{}}},
		{"P2P Group ID", attr(AttrGroupID, cat(macC[:], []byte("DIRECT-ab"))...), &Attributes{GroupID: &GroupID{DeviceAddress: macC, SSID: []byte("DIRECT-ab")}}},
		{"P2P Interface", attr(AttrInterface, cat(macC[:], []byte{2}, macD[:], macC[:])...), &Attributes{Interface: &Interface{DeviceAddress: macC, InterfaceAddresses: []ieee80211.MAC{macD, macC}}}},
		{"Operating Channel", attr(AttrOperatingChannel, 'D', 'E', ' ', 115, 36), &Attributes{OperatingChannel: &Channel{Country: [3]byte{'D', 'E', ' '}, OperatingClass: 115, Number: 36}}},
		{"Invitation Flags", attr(AttrInvitationFlags, 1), &Attributes{InvitationFlags: new(InvitationTypeReinvoke)}},
		{"Out-of-Band GO Negotiation Channel", attr(AttrOOBGONegotiationChannel, 'X', 'X', 4, 81, 1, 2), &Attributes{OOBGONegotiationChannel: &OOBGONegotiationChannel{Country: xx4, OperatingClass: 81, Number: 1, RoleIndication: RoleGO}}},
		{"Service Hash", attr(AttrServiceHash, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), &Attributes{ServiceHash: &ServiceHash{Hashes: [][6]byte{{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}}}}},
		{"Session Information Data Info", attr(AttrSessionInformationData, 0, 3, 'a', 'b', 'c'), &Attributes{SessionInformationData: &SessionInformationData{Data: []byte{0, 3, 'a', 'b', 'c'}}}},
		{"Connection Capability Info", attr(AttrConnectionCapability, 6), &Attributes{ConnectionCapability: new(ConnCapClient | ConnCapGroupOwner)}},
		{"Advertisement ID Info", attr(AttrAdvertisementID, cat([]byte{4, 3, 2, 1}, macC[:])...), &Attributes{AdvertisementID: &AdvertisementID{AdvertisementID: 0x01020304, ServiceMACAddress: macC}}},
		{"Advertised Service Info with two services", attr(AttrAdvertisedServiceInfo, cat(
			[]byte{1, 0, 0, 0, 0x10, 0x00, 4}, []byte("send"), []byte{2, 0, 0, 0, 0x00, 0x08, 0})...),
			&Attributes{AdvertisedServiceInfo: &AdvertisedServiceInfo{Services: []AdvertisedService{
				{AdvertisementID: 1, ConfigMethods: ConfigMethodP2PS, ServiceName: "send"},
				{AdvertisementID: 2, ConfigMethods: ConfigMethodDisplay},
			}}}},
		{"Session ID Info", attr(AttrSessionID, cat([]byte{9, 0, 0, 0}, macD[:])...), &Attributes{SessionID: &SessionID{SessionID: 9, SessionMACAddress: macD}}},
		{"Feature Capability", attr(AttrFeatureCapability, 1, 0), &Attributes{FeatureCapability: &FeatureCapability{CoordinationProtocolTransport: TransportUDP}}},
		{"Persistent Group Info", attr(AttrPersistentGroupInfo, cat(macD[:], []byte("DIRECT-zz"))...), &Attributes{PersistentGroupInfo: &GroupID{DeviceAddress: macD, SSID: []byte("DIRECT-zz")}}},
		{"vendor-specific attributes are kept raw", cat(attr(AttrVendorSpecific, 0x00, 0x90, 0x4c, 1), attr(AttrVendorSpecific)),
			&Attributes{Unknown: []RawAttribute{{ID: AttrVendorSpecific, Data: []byte{0x00, 0x90, 0x4c, 1}}, {ID: AttrVendorSpecific, Data: []byte{}}}}},
		{"unknown attributes are kept raw", cat(attr(20, 1), attr(99, 1, 2, 3)),
			&Attributes{Unknown: []RawAttribute{{ID: 20, Data: []byte{1}}, {ID: 99, Data: []byte{1, 2, 3}}}}},
		{"empty payload", nil, &Attributes{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTripAttributes(t, tt.payload)
			got.Order = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseAttributes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttributesKeepTheirReceivedOrderAroundUnknownOnes(t *testing.T) {
	payload := cat(
		attr(AttrVendorSpecific, 1),
		attr(AttrDeviceID, macC[:]...),
		attr(99),
		attr(AttrOperatingChannel),
		attr(AttrCapability, 1, 2),
		attr(AttrVendorSpecific, 2),
	)
	a := roundTripAttributes(t, payload)
	want := []AttributeID{AttrVendorSpecific, AttrDeviceID, 99, AttrOperatingChannel, AttrCapability, AttrVendorSpecific}
	if diff := cmp.Diff(want, a.Order); diff != "" {
		t.Errorf("Order (-want +got):\n%s", diff)
	}
}

func TestBuiltAttributesEncodeInAttributeIDOrderThenUnknown(t *testing.T) {
	a := &Attributes{
		Unknown:              []RawAttribute{{ID: AttrVendorSpecific, Data: []byte{0xaa}}},
		DeviceInfo:           &DeviceInfo{DeviceAddress: macC, ConfigMethods: ConfigMethodPushButton, PrimaryDeviceType: wscType, DeviceName: "p2pmanager"},
		Capability:           &Capability{Device: DevCapConcurrentOperation, Group: 0},
		GOIntent:             &GOIntent{Intent: 7, TieBreaker: true},
		Status:               new(StatusSuccess),
		ConfigurationTimeout: &ConfigurationTimeout{GO: 100, Client: 20},
	}
	got, err := a.Append(nil)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	want := cat(
		attr(AttrStatus, 0),
		attr(AttrCapability, 0x04, 0),
		attr(AttrGOIntent, 15),
		attr(AttrConfigurationTimeout, 100, 20),
		attr(AttrDeviceInfo, cat(macC[:], []byte{0, 0x80}, []byte{0, 1, 0, 0x50, 0xf2, 4, 0, 1}, []byte{0},
			[]byte{0x10, 0x11, 0, 10}, []byte("p2pmanager"))...),
		attr(AttrVendorSpecific, 0xaa),
	)
	if !bytes.Equal(got, want) {
		t.Fatalf("Append:\n got %x\nwant %x", got, want)
	}
}

func TestGOIntentAbove15DecodesAndIsReportedInvalid(t *testing.T) {
	a := roundTripAttributes(t, attr(AttrGOIntent, 16<<1))
	if a.GOIntent.Intent != 16 || a.GOIntent.Valid() {
		t.Errorf("GO Intent %+v valid=%v, want Intent 16 not valid", *a.GOIntent, a.GOIntent.Valid())
	}
}

func TestEncodeRejectsValuesTheWireCannotCarry(t *testing.T) {
	tests := []struct {
		name  string
		attrs *Attributes
	}{
		{"GO Intent above 127", &Attributes{GOIntent: &GOIntent{Intent: 128}}},
		{"Device Name longer than 32", &Attributes{DeviceInfo: &DeviceInfo{DeviceName: strings.Repeat("a", 33)}}},
		{"Device Name with a control character", &Attributes{DeviceInfo: &DeviceInfo{DeviceName: "a\nb"}}},
		{"17 Secondary Device Types", &Attributes{DeviceInfo: &DeviceInfo{SecondaryDeviceTypes: make([]DeviceType, 17)}}},
		{"Group ID SSID longer than 32", &Attributes{GroupID: &GroupID{SSID: make([]byte, 33)}}},
		{"Channel List entry with 256 channels", &Attributes{ChannelList: &ChannelList{Entries: []ChannelEntry{{Channels: make([]byte, 256)}}}}},
		{"CTWindow above 127", &Attributes{NoticeOfAbsence: &NoticeOfAbsence{CTWindow: 128}}},
		{"service name longer than 255", &Attributes{AdvertisedServiceInfo: &AdvertisedServiceInfo{Services: []AdvertisedService{{ServiceName: strings.Repeat("s", 256)}}}}},
		{"raw attribute longer than 65535", &Attributes{Unknown: []RawAttribute{{ID: 99, Data: make([]byte, 65536)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.attrs.Append(nil); !errors.Is(err, ieee80211.ErrInvalid) {
				t.Errorf("Append: %v, want ErrInvalid", err)
			}
		})
	}
}

func TestP2PIESplitOverSeveralElementsIsReassembledAndRebuiltExactly(t *testing.T) {
	// A Group Info with eight clients does not fit in one element.
	gi := &GroupInfo{}
	for i := range 8 {
		gi.Clients = append(gi.Clients, ClientInfo{
			DeviceAddress: ieee80211.MAC{2, 0, 0, 0, byte(i), 0}, InterfaceAddress: ieee80211.MAC{2, 0, 0, 0, byte(i), 1},
			ConfigMethods: ConfigMethodDisplay, PrimaryDeviceType: wscType, DeviceName: "client number " + string(rune('0'+i)),
		})
	}
	built := &Attributes{Capability: &Capability{Group: GroupCapGroupOwner}, GroupInfo: gi}
	ies, err := AppendIE(nil, built)
	if err != nil {
		t.Fatalf("AppendIE: %v", err)
	}
	elems, err := ieee80211.ParseElements(ies)
	if err != nil {
		t.Fatalf("ParseElements: %v", err)
	}
	if len(elems) < 2 {
		t.Fatalf("P2P IE used %d element(s), want a split over several", len(elems))
	}
	got, found, err := ParseIE(elems)
	if err != nil || !found {
		t.Fatalf("ParseIE: found %v, %v", found, err)
	}
	got.Order = nil
	if diff := cmp.Diff(built, got); diff != "" {
		t.Errorf("ParseIE (-want +got):\n%s", diff)
	}
}

func TestParseIEReportsAbsentP2PIE(t *testing.T) {
	elems := []ieee80211.Element{{ID: ieee80211.ElemSSID, Data: []byte("DIRECT-")}}
	a, found, err := ParseIE(elems)
	if a != nil || found || err != nil {
		t.Errorf("ParseIE = %v, %v, %v; want nil, false, nil", a, found, err)
	}
}

func TestEmptyP2PIEGivesEmptyAttributes(t *testing.T) {
	elems, err := ieee80211.ParseElements(p2pIE(nil))
	if err != nil {
		t.Fatal(err)
	}
	a, found, err := ParseIE(elems)
	if err != nil || !found {
		t.Fatalf("ParseIE: found %v, %v", found, err)
	}
	if diff := cmp.Diff(&Attributes{}, a); diff != "" {
		t.Errorf("ParseIE (-want +got):\n%s", diff)
	}
}

func TestStringsNameAttributesStatusesAndSubtypes(t *testing.T) {
	tests := []struct{ got, want string }{
		{AttrGOIntent.String(), "Group Owner Intent"},
		{AttrVendorSpecific.String(), "Vendor Specific"},
		{AttributeID(99).String(), "attribute 99"},
		{StatusFailBothGOIntent15.String(), "Fail; both P2P Devices indicated an Intent of 15 in Group Owner Negotiation"},
		{Status(200).String(), "status 200"},
		{ProvisionDiscoveryResponse.String(), "Provision Discovery Response"},
		{PublicActionSubtype(9).String(), "P2P Public Action subtype 9"},
		{ActionPresenceResponse.String(), "P2P Presence Response"},
		{ActionSubtype(4).String(), "P2P Action subtype 4"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestConfigurationTimeoutIsInUnitsOf10ms(t *testing.T) {
	c := ConfigurationTimeout{GO: 100, Client: 20}
	if c.GODuration().Milliseconds() != 1000 || c.ClientDuration().Milliseconds() != 200 {
		t.Errorf("durations %v, %v; want 1s, 200ms", c.GODuration(), c.ClientDuration())
	}
}
