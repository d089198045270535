package p2pmsg

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

var (
	addrA = ieee80211.MAC{0x02, 0, 0, 0, 0, 0}    // "Device A" in the hostap corpus
	addrB = ieee80211.MAC{0x02, 0, 0, 0, 0x01, 0} // "Device B"
)

// parseCorpusFrame decodes a hostap corpus file holding a whole management
// frame: 24-octet header, then the Public Action body.
func parseCorpusFrame(t *testing.T, name string) (body []byte, f *PublicAction) {
	t.Helper()
	frame := readTestdata(t, name)
	if len(frame) < mgmtHeaderLen || frame[0] != 0xd0 {
		t.Fatalf("%s is not an Action management frame", name)
	}
	body = frame[mgmtHeaderLen:]
	f, err := ParsePublicAction(body)
	if err != nil {
		t.Fatalf("ParsePublicAction(%s): %v", name, err)
	}
	got, err := f.Append(nil)
	if err != nil {
		t.Fatalf("Append(%s): %v", name, err)
	}
	if string(got) != string(body) {
		t.Fatalf("%s re-encoded differently:\n got %x\nwant %x", name, got, body)
	}
	return body, f
}

func TestGONegotiationRequestVectorDecodesWithExpectedFieldsAndReencodesExactly(t *testing.T) {
	_, f := parseCorpusFrame(t, "go-neg-req.dat")
	if f.Subtype != GONegotiationRequest || f.DialogToken != 1 {
		t.Errorf("subtype %v token %d, want GO Negotiation Request token 1", f.Subtype, f.DialogToken)
	}
	want := &Attributes{
		Capability:               &Capability{Device: 0x25, Group: 0x08},
		GOIntent:                 &GOIntent{Intent: 15},
		ConfigurationTimeout:     &ConfigurationTimeout{GO: 100, Client: 20},
		ListenChannel:            &Channel{Country: xx4, OperatingClass: 81, Number: 11},
		IntendedInterfaceAddress: &addrA,
		ChannelList: &ChannelList{Country: xx4, Entries: []ChannelEntry{
			{OperatingClass: 81, Channels: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		}},
		DeviceInfo: &DeviceInfo{
			DeviceAddress: addrA,
			ConfigMethods: ConfigMethodP2PS | ConfigMethodKeypad | ConfigMethodDisplay,
			DeviceName:    "Device A",
		},
		OperatingChannel: &Channel{Country: xx4, OperatingClass: 81, Number: 11},
		Order: []AttributeID{AttrCapability, AttrGOIntent, AttrConfigurationTimeout, AttrListenChannel,
			AttrIntendedInterfaceAddress, AttrChannelList, AttrDeviceInfo, AttrOperatingChannel},
	}
	if diff := cmp.Diff(want, f.P2P); diff != "" {
		t.Errorf("P2P attributes (-want +got):\n%s", diff)
	}
	wsc, ok := WSCPayload(f.Elements)
	if !ok || len(wsc) != 21 {
		t.Errorf("WSC IE payload %x (found %v), want 21 octets", wsc, ok)
	}
	if err := ValidateGONegotiationRequest(f); err != nil {
		t.Errorf("ValidateGONegotiationRequest: %v", err)
	}
}

func TestInvitationRequestVectorDecodesWithExpectedFieldsAndReencodesExactly(t *testing.T) {
	_, f := parseCorpusFrame(t, "invitation-req.dat")
	if f.Subtype != InvitationRequest || f.DialogToken != 1 {
		t.Errorf("subtype %v token %d, want P2P Invitation Request token 1", f.Subtype, f.DialogToken)
	}
	want := &Attributes{
		ConfigurationTimeout: &ConfigurationTimeout{},
		InvitationFlags:      new(InvitationFlags(0)),
		OperatingChannel:     &Channel{Country: xx4, OperatingClass: 81, Number: 2},
		GroupBSSID:           &addrA,
		ChannelList:          &ChannelList{Country: xx4, Entries: []ChannelEntry{{OperatingClass: 81, Channels: []byte{2}}}},
		GroupID:              &GroupID{DeviceAddress: addrA, SSID: []byte("DIRECT-sX")},
		DeviceInfo: &DeviceInfo{
			DeviceAddress: addrA,
			ConfigMethods: 0x1108,
			DeviceName:    "Device A",
		},
		Order: []AttributeID{AttrConfigurationTimeout, AttrInvitationFlags, AttrOperatingChannel, AttrGroupBSSID,
			AttrChannelList, AttrGroupID, AttrDeviceInfo},
	}
	if diff := cmp.Diff(want, f.P2P); diff != "" {
		t.Errorf("P2P attributes (-want +got):\n%s", diff)
	}
	if err := ValidateInvitationRequest(f); err != nil {
		t.Errorf("ValidateInvitationRequest: %v", err)
	}
}

func TestP2PSProvisionDiscoveryRequestVectorDecodesWithExpectedFieldsAndReencodesExactly(t *testing.T) {
	_, f := parseCorpusFrame(t, "p2ps-pd-req.dat")
	if f.Subtype != ProvisionDiscoveryRequest || f.DialogToken != 1 {
		t.Errorf("subtype %v token %d, want Provision Discovery Request token 1", f.Subtype, f.DialogToken)
	}
	want := &Attributes{
		Capability: &Capability{Device: 0x25, Group: 0x2a},
		DeviceInfo: &DeviceInfo{
			DeviceAddress: addrB,
			ConfigMethods: 0x1108,
			DeviceName:    "Device B",
		},
		GroupID:                  &GroupID{DeviceAddress: addrB, SSID: []byte("DIRECT-UD")},
		IntendedInterfaceAddress: &addrB,
		OperatingChannel:         &Channel{Country: xx4, OperatingClass: 81, Number: 1},
		ChannelList: &ChannelList{Country: xx4, Entries: []ChannelEntry{
			{OperatingClass: 81, Channels: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		}},
		ConnectionCapability: new(ConnCapNew),
		AdvertisementID:      &AdvertisementID{AdvertisementID: 0xa1fc782c, ServiceMACAddress: addrA},
		ConfigurationTimeout: &ConfigurationTimeout{GO: 100, Client: 20},
		ListenChannel:        &Channel{Country: xx4, OperatingClass: 81, Number: 11},
		SessionID:            &SessionID{SessionID: 1, SessionMACAddress: addrB},
		FeatureCapability:    &FeatureCapability{CoordinationProtocolTransport: TransportUDP},
		Order: []AttributeID{AttrCapability, AttrDeviceInfo, AttrGroupID, AttrIntendedInterfaceAddress,
			AttrOperatingChannel, AttrChannelList, AttrConnectionCapability, AttrAdvertisementID,
			AttrConfigurationTimeout, AttrListenChannel, AttrSessionID, AttrFeatureCapability},
	}
	if diff := cmp.Diff(want, f.P2P); diff != "" {
		t.Errorf("P2P attributes (-want +got):\n%s", diff)
	}
	if err := ValidateProvisionDiscoveryRequest(f); err != nil {
		t.Errorf("ValidateProvisionDiscoveryRequest: %v", err)
	}
}

// probeResponseIEs decodes the P2P IE of a probe response's elements and
// checks that its payload and its elements re-encode exactly.
func probeResponseIEs(t *testing.T, ies []byte) *Attributes {
	t.Helper()
	elems, err := ieee80211.ParseElements(ies)
	if err != nil {
		t.Fatalf("ParseElements: %v", err)
	}
	a, found, err := ParseIE(elems)
	if err != nil || !found {
		t.Fatalf("ParseIE: found %v, %v", found, err)
	}
	payload, _ := ieee80211.VendorPayload(elems, ieee80211.OUIWFA, ieee80211.VendorTypeP2P)
	got, err := a.Append(nil)
	if err != nil || string(got) != string(payload) {
		t.Fatalf("P2P IE payload re-encoded as %x (%v), want %x", got, err, payload)
	}
	var rebuilt []byte
	for _, e := range elems {
		if e.IsVendor(ieee80211.OUIWFA, ieee80211.VendorTypeP2P) {
			if rebuilt, err = AppendIE(rebuilt, a); err != nil {
				t.Fatalf("AppendIE: %v", err)
			}
			continue
		}
		rebuilt, _ = ieee80211.AppendElement(rebuilt, e.ID, e.Data)
	}
	if string(rebuilt) != string(ies) {
		t.Fatalf("elements re-encoded differently:\n got %x\nwant %x", rebuilt, ies)
	}
	return a
}

func TestGOProbeResponseVectorDecodesWithExpectedFieldsAndReencodesExactly(t *testing.T) {
	// The corpus README says this file carries Group Info; it does not: the
	// GO had no clients, so its P2P IE holds P2P Capability and Device Info
	// only. Group Info is covered by TestGroupInfoRoundTrips.
	a := probeResponseIEs(t, readTestdata(t, "proberesp-go.dat"))
	want := &Attributes{
		Capability: &Capability{Device: 0x25, Group: GroupCapGroupOwner | GroupCapIntraBSSDistribution | GroupCapIPAddressAllocation},
		DeviceInfo: &DeviceInfo{DeviceAddress: addrA, ConfigMethods: 0x1108, DeviceName: "Device A"},
		Order:      []AttributeID{AttrCapability, AttrDeviceInfo},
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("P2P attributes (-want +got):\n%s", diff)
	}
}

func TestProbeResponseVectorHasTrailingGarbageAfterAValidPrefix(t *testing.T) {
	// proberesp.dat ends with 43 octets that are the P2P IE shifted by one
	// nibble (a fuzzer mutation): "0d d2 95 06 f9 a0 ..." announces a
	// 210-octet element. The elements before it are a valid P2P probe
	// response of "Device B".
	ies := readTestdata(t, "proberesp.dat")
	if _, err := ieee80211.ParseElements(ies); !errors.Is(err, ieee80211.ErrTruncated) {
		t.Fatalf("ParseElements of the whole file: %v, want ErrTruncated", err)
	}
	const validPrefix = 166
	a := probeResponseIEs(t, ies[:validPrefix])
	want := &Attributes{
		Capability: &Capability{Device: 0x25},
		DeviceInfo: &DeviceInfo{DeviceAddress: addrB, ConfigMethods: 0x1108, DeviceName: "Device B"},
		Order:      []AttributeID{AttrCapability, AttrDeviceInfo},
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("P2P attributes (-want +got):\n%s", diff)
	}
}
