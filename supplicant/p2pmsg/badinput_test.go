package p2pmsg

// Regression tests for docs/bad-input.md section 4a, one test per row that
// belongs to the codec. Cases are hostap's test_p2p_messages.py vectors
// where it has them.

import (
	"errors"
	"strings"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// rejects checks that the attribute payload fails to decode with want and
// that no partially built attributes escape.
func rejects(t *testing.T, payload []byte, want error) {
	t.Helper()
	a, err := ParseAttributes(payload)
	if !errors.Is(err, want) {
		t.Fatalf("ParseAttributes(%x) error = %v, want %v", payload, err, want)
	}
	if a != nil {
		t.Fatalf("ParseAttributes returned attributes %+v with its error", a)
	}
}

// deviceInfoNamed is a P2P Device Info attribute with this Device Name.
func deviceInfoNamed(name string) []byte {
	return attr(AttrDeviceInfo, deviceInfoBody(macC, 0x0108, name)...)
}

func TestBadInput2RejectsDeviceNameLongerThan32(t *testing.T) {
	// test_p2p_msg_long_dev_name: "123456789012345678901234567890123".
	rejects(t, deviceInfoNamed("123456789012345678901234567890123"), ieee80211.ErrInvalid)
	a := roundTripAttributes(t, deviceInfoNamed("12345678901234567890123456789012"))
	if len(a.DeviceInfo.DeviceName) != 32 {
		t.Errorf("32-octet Device Name decoded as %q", a.DeviceInfo.DeviceName)
	}
}

func TestBadInput3RejectsDeviceNameWithControlCharactersOrInvalidUTF8(t *testing.T) {
	tests := []struct{ name, devName string }{
		{"hostap filtering vector @ TAB NUL @", "@\t\x00@"},
		{"newline", "evil\nname"},
		{"DEL", "a\x7f"},
		{"C1 control U+0085", "a\u0085b"},
		{"invalid UTF-8", "caf\xe9"},
		{"truncated UTF-8 sequence", "\xe2\x82"},
	}
	for _, tt := range tests {
		t.Run("Device Info "+tt.name, func(t *testing.T) {
			rejects(t, deviceInfoNamed(tt.devName), ieee80211.ErrInvalid)
		})
		t.Run("Group Info client "+tt.name, func(t *testing.T) {
			rejects(t, attr(AttrGroupInfo, clientDescriptor(0, tt.devName)...), ieee80211.ErrInvalid)
		})
	}
	t.Run("valid UTF-8 names are accepted", func(t *testing.T) {
		a := roundTripAttributes(t, deviceInfoNamed("Salon TV – 客厅"))
		if a.DeviceInfo.DeviceName != "Salon TV – 客厅" {
			t.Errorf("Device Name %q", a.DeviceInfo.DeviceName)
		}
	})
}

// clientDescriptor builds a P2P Client Info Descriptor (length octet
// included) with n Secondary Device Types and this Device Name.
func clientDescriptor(n int, name string) []byte {
	d := cat(macC[:], macD[:], []byte{0, 0x01, 0x08}, []byte{0, 1, 0, 0x50, 0xf2, 4, 0, 1}, []byte{uint8(n)})
	for range n {
		d = append(d, 0, 1, 0, 0x50, 0xf2, 4, 0, 1)
	}
	d = append(d, 0x10, 0x11, 0, uint8(len(name)))
	d = append(d, name...)
	return append([]byte{uint8(len(d))}, d...)
}

func TestBadInput4RejectsMalformedGroupInfoDescriptors(t *testing.T) {
	// test_p2p_msg_group_info: whole P2P IEs as hostap sends them.
	hostapVectors := []struct {
		name string
		ie   string
		want error
	}{
		{"descriptor length 1 with nothing after it", "dd08506f9a090e010001", ieee80211.ErrInvalid},
		{"descriptor length 0", "dd08506f9a090e010000", ieee80211.ErrInvalid},
		{"255 secondary types in a 24-octet descriptor", "dd20506f9a090e190018" + "112233445566" + "aabbccddeeff" + "00" + "0000" + "0000000000000000" + "ff", ieee80211.ErrInvalid},
		{"no Device Name TLV", "dd20506f9a090e190018" + "112233445566" + "aabbccddeeff" + "00" + "0000" + "0000000000000000" + "00", ieee80211.ErrTruncated},
		{"Device Name TLV of type 0", "dd24506f9a090e1d001c" + "112233445566" + "aabbccddeeff" + "00" + "0000" + "0000000000000000" + "00" + "00000000", ieee80211.ErrInvalid},
		{"Device Name longer than the descriptor", "dd24506f9a090e1d001c" + "112233445566" + "aabbccddeeff" + "00" + "0000" + "0000000000000000" + "00" + "10110001", ieee80211.ErrTruncated},
		{"Device Name length 0xffff", "dd24506f9a090e1d001c" + "112233445566" + "aabbccddeeff" + "00" + "0000" + "0000000000000000" + "00" + "1011ffff", ieee80211.ErrTruncated},
	}
	for _, tt := range hostapVectors {
		t.Run(tt.name, func(t *testing.T) {
			elems, err := ieee80211.ParseElements(unhex(t, tt.ie))
			if err != nil {
				t.Fatal(err)
			}
			a, found, err := ParseIE(elems)
			if !found || a != nil || !errors.Is(err, tt.want) {
				t.Errorf("ParseIE = %v, %v, %v; want nil, true, %v", a, found, err, tt.want)
			}
		})
	}
	t.Run("descriptor shorter than 24 octets", func(t *testing.T) {
		d := clientDescriptor(0, "x")
		d[0] = 23
		rejects(t, attr(AttrGroupInfo, d...), ieee80211.ErrInvalid)
	})
	t.Run("descriptor length beyond the attribute (CVE-2021-0326)", func(t *testing.T) {
		d := clientDescriptor(0, "x")
		d[0] += 10
		rejects(t, attr(AttrGroupInfo, d...), ieee80211.ErrTruncated)
	})
	t.Run("25 secondary device types (hostap test_p2p_group_cli_invalid)", func(t *testing.T) {
		rejects(t, attr(AttrGroupInfo, clientDescriptor(25, "x")...), ieee80211.ErrInvalid)
	})
	t.Run("16 secondary device types are accepted", func(t *testing.T) {
		a := roundTripAttributes(t, attr(AttrGroupInfo, clientDescriptor(16, "x")...))
		if n := len(a.GroupInfo.Clients[0].SecondaryDeviceTypes); n != 16 {
			t.Errorf("%d secondary types, want 16", n)
		}
	})
	t.Run("Device Info with 17 secondary device types", func(t *testing.T) {
		body := cat(macC[:], []byte{0, 8}, make([]byte, 8), []byte{17}, make([]byte, 17*8), []byte{0x10, 0x11, 0, 0})
		rejects(t, attr(AttrDeviceInfo, body...), ieee80211.ErrInvalid)
	})
	t.Run("second descriptor truncated after a valid first", func(t *testing.T) {
		second := clientDescriptor(1, "y")
		rejects(t, attr(AttrGroupInfo, cat(clientDescriptor(0, "x"), second[:len(second)-3])...), ieee80211.ErrTruncated)
	})
}

func TestBadInput6RejectsShortAttributeHeadersAndLengthUnderflow(t *testing.T) {
	// test_p2p_msg_invitation_req: too short attribute header, minimal
	// and large attribute underflow.
	tests := []struct {
		name    string
		payload []byte
	}{
		{"attribute header of 2 octets", []byte{uint8(AttrCapability), 0}},
		{"attribute header of 1 octet", []byte{uint8(AttrCapability)}},
		{"length 1 with no body", []byte{uint8(AttrCapability), 1, 0}},
		{"length 0xffff with 1 octet", []byte{uint8(AttrCapability), 0xff, 0xff, 1}},
		{"valid attribute then a short header", cat(attr(AttrStatus, 0), []byte{uint8(AttrStatus), 1})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rejects(t, tt.payload, ieee80211.ErrTruncated)
			// The frame carrying such an IE is dropped as a whole.
			body := cat(publicActionHeader(InvitationRequest, 1), p2pIE(tt.payload))
			if f, err := ParsePublicAction(body); f != nil || !errors.Is(err, ieee80211.ErrTruncated) {
				t.Errorf("ParsePublicAction = %v, %v; want nil, ErrTruncated", f, err)
			}
		})
	}
	t.Run("element length overrunning the frame", func(t *testing.T) {
		body := cat(publicActionHeader(InvitationRequest, 1), []byte{221, 20, 0x50, 0x6f, 0x9a, 9})
		if _, err := ParsePublicAction(body); !errors.Is(err, ieee80211.ErrTruncated) {
			t.Errorf("ParsePublicAction: %v, want ErrTruncated", err)
		}
	})
}

func TestBadInput7RejectsFixedSizeAttributesOfTheWrongLength(t *testing.T) {
	devInfoHead := func(extra ...byte) []byte {
		return cat(make([]byte, 6), []byte{0, 0}, []byte{0, 0, 0, 0, 0, 0, 0, 0}, extra)
	}
	tests := []struct {
		name    string
		payload []byte
		want    error
	}{
		// One case per line of test_p2p_msg_invitation_req.
		{"too short Capability", attr(AttrCapability, 0), ieee80211.ErrInvalid},
		{"too short Device ID", attr(AttrDeviceID, 0x11, 0x22, 0x33, 0x44, 0x55), ieee80211.ErrInvalid},
		{"too short GO Intent", attr(AttrGOIntent), ieee80211.ErrInvalid},
		{"too short Status", attr(AttrStatus), ieee80211.ErrInvalid},
		{"null and too short Listen Channel", cat(attr(AttrListenChannel), attr(AttrListenChannel, 0)), ieee80211.ErrInvalid},
		{"null and too short Operating Channel", cat(attr(AttrOperatingChannel), attr(AttrOperatingChannel, 0)), ieee80211.ErrInvalid},
		{"too short Channel List", attr(AttrChannelList, 1, 2), ieee80211.ErrInvalid},
		{"too short Device Info", attr(AttrDeviceInfo, 1, 2), ieee80211.ErrInvalid},
		{"Device Info with truncated Secondary Device Types", attr(AttrDeviceInfo, cat(make([]byte, 6), []byte{0, 0},
			[]byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22}, []byte{255})...), ieee80211.ErrInvalid},
		{"Device Info missing Device Name", attr(AttrDeviceInfo, devInfoHead(1, 1, 2, 3, 4, 5, 6, 7, 8)...), ieee80211.ErrTruncated},
		{"Device Info with invalid Device Name header", attr(AttrDeviceInfo, devInfoHead(1, 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0, 0)...), ieee80211.ErrInvalid},
		{"Device Info with Device Name length 0xffff", attr(AttrDeviceInfo, devInfoHead(1, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x11, 0xff, 0xff)...), ieee80211.ErrTruncated},
		{"Device Info with Device Name length one past the end", attr(AttrDeviceInfo, devInfoHead(1, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x11, 0, 2, 'A')...), ieee80211.ErrTruncated},
		{"too short Configuration Timeout", attr(AttrConfigurationTimeout, 1), ieee80211.ErrInvalid},
		{"too short Intended P2P Interface Address", attr(AttrIntendedInterfaceAddress, 1), ieee80211.ErrInvalid},
		{"too short P2P Group BSSID", attr(AttrGroupBSSID, 1), ieee80211.ErrInvalid},
		{"too short P2P Group ID", attr(AttrGroupID, 1), ieee80211.ErrInvalid},
		{"too long P2P Group ID", attr(AttrGroupID, cat(make([]byte, 6), []byte("123456789012345678901234567890123"))...), ieee80211.ErrInvalid},
		{"too short Invitation Flags", attr(AttrInvitationFlags), ieee80211.ErrInvalid},
		{"valid and too short Manageability", cat(attr(AttrManageability, 0), attr(AttrManageability)), ieee80211.ErrInvalid},
		{"too short Notice of Absence", attr(AttrNoticeOfAbsence, 1), ieee80211.ErrInvalid},
		{"valid and too short Extended Listen Timing", cat(attr(AttrExtendedListenTiming, 100, 0, 50, 0), attr(AttrExtendedListenTiming, 0, 0, 0)), ieee80211.ErrInvalid},
		{"valid and too short Minor Reason Code", cat(attr(AttrMinorReasonCode, 2), attr(AttrMinorReasonCode)), ieee80211.ErrInvalid},
		{"unknown attribute and too short OOB GO Negotiation Channel", cat(attr(99, 1), attr(AttrOOBGONegotiationChannel, 1)), ieee80211.ErrInvalid},
		{"too short Service Hash", attr(AttrServiceHash, 1, 2, 3, 4, 5), ieee80211.ErrInvalid},
		{"too short Connection Capability", attr(AttrConnectionCapability), ieee80211.ErrInvalid},
		{"too short Advertisement ID", attr(AttrAdvertisementID, 1, 2, 3, 4, 5, 6, 7, 8, 9), ieee80211.ErrInvalid},
		{"truncated Service Instance", attr(AttrAdvertisedServiceInfo, 1, 2, 3, 4, 5, 6, 2, 8), ieee80211.ErrTruncated},
		{"too short Service Instance", attr(AttrAdvertisedServiceInfo, 1, 2, 3, 4, 5, 6, 7), ieee80211.ErrTruncated},
		{"too short Session ID", attr(AttrSessionID, 1, 2, 3, 4), ieee80211.ErrInvalid},
		{"too short Feature Capability", attr(AttrFeatureCapability), ieee80211.ErrInvalid},
		{"too short Persistent Group", attr(AttrPersistentGroupInfo, 1, 2, 3, 4, 5), ieee80211.ErrInvalid},
		{"too long Persistent Group", attr(AttrPersistentGroupInfo, make([]byte, 6+32+1)...), ieee80211.ErrInvalid},
		// And too long, for every fixed-size attribute.
		{"too long Status", attr(AttrStatus, 0, 0), ieee80211.ErrInvalid},
		{"too long Minor Reason Code", attr(AttrMinorReasonCode, 0, 0), ieee80211.ErrInvalid},
		{"too long Capability", attr(AttrCapability, 0, 0, 0), ieee80211.ErrInvalid},
		{"too long Device ID", attr(AttrDeviceID, make([]byte, 7)...), ieee80211.ErrInvalid},
		{"too long GO Intent", attr(AttrGOIntent, 0, 0), ieee80211.ErrInvalid},
		{"too long Configuration Timeout", attr(AttrConfigurationTimeout, 0, 0, 0), ieee80211.ErrInvalid},
		{"too long Listen Channel", attr(AttrListenChannel, 'X', 'X', 4, 81, 1, 0), ieee80211.ErrInvalid},
		{"too long Operating Channel", attr(AttrOperatingChannel, 'X', 'X', 4, 81, 1, 0), ieee80211.ErrInvalid},
		{"too long P2P Group BSSID", attr(AttrGroupBSSID, make([]byte, 7)...), ieee80211.ErrInvalid},
		{"too long Extended Listen Timing", attr(AttrExtendedListenTiming, 0, 0, 0, 0, 0), ieee80211.ErrInvalid},
		{"too long Intended P2P Interface Address", attr(AttrIntendedInterfaceAddress, make([]byte, 7)...), ieee80211.ErrInvalid},
		{"too long Manageability", attr(AttrManageability, 0, 0), ieee80211.ErrInvalid},
		{"too long Invitation Flags", attr(AttrInvitationFlags, 0, 0), ieee80211.ErrInvalid},
		{"too long OOB GO Negotiation Channel", attr(AttrOOBGONegotiationChannel, make([]byte, 7)...), ieee80211.ErrInvalid},
		{"Service Hash not a multiple of 6", attr(AttrServiceHash, make([]byte, 7)...), ieee80211.ErrInvalid},
		{"too long Connection Capability", attr(AttrConnectionCapability, 0, 0), ieee80211.ErrInvalid},
		{"too long Advertisement ID", attr(AttrAdvertisementID, make([]byte, 11)...), ieee80211.ErrInvalid},
		{"too long Session ID", attr(AttrSessionID, make([]byte, 11)...), ieee80211.ErrInvalid},
		{"too long Feature Capability", attr(AttrFeatureCapability, 0, 0, 0), ieee80211.ErrInvalid},
		{"P2P Interface count beyond its addresses", attr(AttrInterface, cat(macC[:], []byte{2}, macD[:])...), ieee80211.ErrInvalid},
		{"P2P Interface with extra octets", attr(AttrInterface, cat(macC[:], []byte{1}, macD[:], []byte{0})...), ieee80211.ErrInvalid},
		{"Channel List entry count beyond the attribute", attr(AttrChannelList, 'X', 'X', 4, 81, 3, 1, 6), ieee80211.ErrTruncated},
		{"Channel List with a dangling operating class", attr(AttrChannelList, 'X', 'X', 4, 81, 1, 6, 115), ieee80211.ErrTruncated},
		{"empty Advertised Service Info", attr(AttrAdvertisedServiceInfo), ieee80211.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rejects(t, tt.payload, tt.want)
		})
	}
	t.Run("a known attribute twice", func(t *testing.T) {
		rejects(t, cat(attr(AttrStatus, 0), attr(AttrStatus, 1)), ieee80211.ErrInvalid)
	})
	t.Run("a null Listen Channel alone is absent, not an error (as hostap)", func(t *testing.T) {
		a := roundTripAttributes(t, attr(AttrListenChannel))
		if a.ListenChannel != nil {
			t.Errorf("null Listen Channel decoded as %+v", *a.ListenChannel)
		}
	})
}

// goNegRequest builds a GO Negotiation Request body from P2P attributes,
// followed by a minimal WSC IE unless noWSC.
func goNegRequest(token uint8, noWSC bool, attrs ...[]byte) []byte {
	b := cat(publicActionHeader(GONegotiationRequest, token), p2pIE(cat(attrs...)))
	if !noWSC {
		// Version 0x10, Device Password ID 4 (PushButton).
		b = append(b, 221, 15, 0x00, 0x50, 0xf2, 4, 0x10, 0x4a, 0, 1, 0x10, 0x10, 0x12, 0, 2, 0, 4)
	}
	return b
}

// hostapGONegAttrs are the attributes of hostap's test_p2p_msg_go_neg_req
// requests, in its order, keyed so a case can drop one.
func hostapGONegAttrs(src ieee80211.MAC) []struct {
	id   AttributeID
	wire []byte
} {
	return []struct {
		id   AttributeID
		wire []byte
	}{
		{AttrCapability, attr(AttrCapability, 0, 0)},
		{AttrGOIntent, attr(AttrGOIntent, 0)},
		{AttrConfigurationTimeout, attr(AttrConfigurationTimeout, 0, 0)},
		{AttrListenChannel, attr(AttrListenChannel, 'X', 'X', 4, 81, 1)},
		{AttrExtendedListenTiming, attr(AttrExtendedListenTiming, 0, 0, 0, 0)},
		{AttrIntendedInterfaceAddress, attr(AttrIntendedInterfaceAddress, 2, 2, 2, 2, 2, 2)},
		{AttrChannelList, attr(AttrChannelList, channelList11()...)},
		{AttrDeviceInfo, attr(AttrDeviceInfo, deviceInfoBody(src, 0x0108, "Test")...)},
		{AttrOperatingChannel, attr(AttrOperatingChannel, 'X', 'X', 4, 81, 1)},
	}
}

func TestBadInput8GONegotiationRequestProblemsAreRejected(t *testing.T) {
	src := ieee80211.MAC{2, 0, 0, 0, 1, 0}
	without := func(drop AttributeID, extra ...[]byte) [][]byte {
		var out [][]byte
		for _, a := range hostapGONegAttrs(src) {
			if a.id != drop {
				out = append(out, a.wire)
			}
		}
		return append(out, extra...)
	}
	t.Run("invalid attribute drops the frame", func(t *testing.T) {
		body := goNegRequest(1, false, []byte{uint8(AttrCapability), 0})
		if _, err := ParsePublicAction(body); !errors.Is(err, ieee80211.ErrTruncated) {
			t.Errorf("ParsePublicAction: %v, want ErrTruncated", err)
		}
	})
	for _, drop := range []AttributeID{AttrCapability, AttrGOIntent, AttrConfigurationTimeout, AttrListenChannel,
		AttrIntendedInterfaceAddress, AttrChannelList, AttrDeviceInfo, AttrOperatingChannel} {
		t.Run("missing "+drop.String(), func(t *testing.T) {
			f, err := ParsePublicAction(goNegRequest(1, false, without(drop)...))
			if err != nil {
				t.Fatalf("ParsePublicAction: %v", err)
			}
			if err := ValidateGONegotiationRequest(f); !errors.Is(err, ErrMissingAttribute) || !strings.Contains(err.Error(), drop.String()) {
				t.Errorf("ValidateGONegotiationRequest: %v, want ErrMissingAttribute naming %v", err, drop)
			}
		})
	}
	t.Run("missing WSC IE", func(t *testing.T) {
		f, err := ParsePublicAction(goNegRequest(1, true, without(99)...))
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateGONegotiationRequest(f); !errors.Is(err, ErrMissingAttribute) {
			t.Errorf("ValidateGONegotiationRequest: %v, want ErrMissingAttribute", err)
		}
	})
	t.Run("GO Intent 16", func(t *testing.T) {
		f, err := ParsePublicAction(goNegRequest(1, false, without(AttrGOIntent, attr(AttrGOIntent, 16<<1))...))
		if err != nil {
			t.Fatal(err)
		}
		if f.P2P.GOIntent.Intent != 16 {
			t.Errorf("GO Intent decoded as %d, want 16 exposed", f.P2P.GOIntent.Intent)
		}
		if err := ValidateGONegotiationRequest(f); !errors.Is(err, ieee80211.ErrInvalid) {
			t.Errorf("ValidateGONegotiationRequest: %v, want ErrInvalid", err)
		}
	})
	t.Run("invalid Channel List (12 channels announced, 11 present)", func(t *testing.T) {
		bad := channelList11()
		bad[4] = 12
		_, err := ParsePublicAction(goNegRequest(1, false, without(AttrChannelList, attr(AttrChannelList, bad...))...))
		if !errors.Is(err, ieee80211.ErrTruncated) {
			t.Errorf("ParsePublicAction: %v, want ErrTruncated", err)
		}
	})
	t.Run("Channel List without channels", func(t *testing.T) {
		f, err := ParsePublicAction(goNegRequest(1, false, without(AttrChannelList, attr(AttrChannelList, 'X', 'X', 4))...))
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateGONegotiationRequest(f); !errors.Is(err, ieee80211.ErrInvalid) {
			t.Errorf("ValidateGONegotiationRequest: %v, want ErrInvalid", err)
		}
	})
	t.Run("very long channel list is valid", func(t *testing.T) {
		long := cat(channelList11(), []byte{1, 1, 1, 2, 1, 2, 3, 1, 3, 4, 1, 4, 5, 1, 5, 6, 1, 6, 7, 1, 7, 8, 1, 8, 9, 1, 9, 10, 1, 10})
		body := goNegRequest(1, false, without(AttrChannelList, attr(AttrChannelList, long...))...)
		f, err := ParsePublicAction(body)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(f.P2P.ChannelList.Entries); n != 11 {
			t.Errorf("%d channel entries, want 11", n)
		}
		if err := ValidateGONegotiationRequest(f); err != nil {
			t.Errorf("ValidateGONegotiationRequest: %v", err)
		}
		if got, _ := f.Append(nil); string(got) != string(body) {
			t.Errorf("re-encoded differently")
		}
	})
	t.Run("unexpected Status attribute is exposed for the caller", func(t *testing.T) {
		// hostap answers such a request, and sends one itself to report a
		// user rejection (test_p2p_msg_go_neg_req_reject); the validator
		// leaves the decision to the protocol core.
		f, err := ParsePublicAction(goNegRequest(1, false, without(99, attr(AttrStatus, uint8(StatusFailRejectedByUser)))...))
		if err != nil {
			t.Fatal(err)
		}
		if f.P2P.Status == nil || *f.P2P.Status != StatusFailRejectedByUser {
			t.Errorf("Status %v, want rejected by user", f.P2P.Status)
		}
		if err := ValidateGONegotiationRequest(f); err != nil {
			t.Errorf("ValidateGONegotiationRequest: %v", err)
		}
	})
	t.Run("P2P Device Address is exposed to compare with the SA", func(t *testing.T) {
		f, err := ParsePublicAction(goNegRequest(1, false, without(99)...))
		if err != nil {
			t.Fatal(err)
		}
		if f.P2P.DeviceInfo.DeviceAddress != src {
			t.Errorf("P2P Device Address %v, want %v", f.P2P.DeviceInfo.DeviceAddress, src)
		}
	})
}

func TestBadInput9GOIntentsAndDialogTokenAreExposedForTheProtocolCore(t *testing.T) {
	t.Run("both GO Intent 15 fails", func(t *testing.T) {
		_, err := ResolveGORole(GOIntent{Intent: 15, TieBreaker: true}, GOIntent{Intent: 15})
		if !errors.Is(err, ErrBothGOIntent15) {
			t.Errorf("ResolveGORole: %v, want ErrBothGOIntent15", err)
		}
	})
	t.Run("GO Intent 16 in a GO Negotiation Response", func(t *testing.T) {
		body := cat(publicActionHeader(GONegotiationResponse, 197), p2pIE(cat(
			attr(AttrStatus, 0), attr(AttrCapability, 0, 0), attr(AttrGOIntent, 16<<1),
			attr(AttrConfigurationTimeout, 0, 0), attr(AttrIntendedInterfaceAddress, macC[:]...),
			attr(AttrChannelList, channelList11()...), attr(AttrDeviceInfo, deviceInfoBody(macC, 0x0108, "Test")...))),
			[]byte{221, 4, 0x00, 0x50, 0xf2, 4})
		f, err := ParsePublicAction(body)
		if err != nil {
			t.Fatal(err)
		}
		if f.DialogToken != 197 {
			t.Errorf("Dialog Token %d, want 197", f.DialogToken)
		}
		if err := ValidateGONegotiationResponse(f); !errors.Is(err, ieee80211.ErrInvalid) {
			t.Errorf("ValidateGONegotiationResponse: %v, want ErrInvalid", err)
		}
		if _, err := ResolveGORole(GOIntent{Intent: 3}, *f.P2P.GOIntent); !errors.Is(err, ieee80211.ErrInvalid) {
			t.Errorf("ResolveGORole: %v, want ErrInvalid", err)
		}
	})
	tests := []struct {
		name      string
		req, resp GOIntent
		wantReqGO bool
	}{
		{"higher requester intent", GOIntent{Intent: 10}, GOIntent{Intent: 3, TieBreaker: true}, true},
		{"higher responder intent", GOIntent{Intent: 3, TieBreaker: true}, GOIntent{Intent: 15}, false},
		{"equal intents, tie breaker set", GOIntent{Intent: 7, TieBreaker: true}, GOIntent{Intent: 7}, true},
		{"equal intents, tie breaker clear", GOIntent{Intent: 7}, GOIntent{Intent: 7, TieBreaker: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveGORole(tt.req, tt.resp)
			if err != nil || got != tt.wantReqGO {
				t.Errorf("ResolveGORole = %v, %v; want %v", got, err, tt.wantReqGO)
			}
		})
	}
}

func TestBadInput11RejectsEmptyP2PFramesWithoutDialogToken(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"empty body", nil},
		{"category only", []byte{4}},
		{"no OUI", []byte{4, 9, 0x50, 0x6f}},
		{"empty P2P Public Action frame (test_p2p_msg_empty)", []byte{4, 9, 0x50, 0x6f, 0x9a, 9}},
		{"Invitation Request without dialog token", []byte{4, 9, 0x50, 0x6f, 0x9a, 9, uint8(InvitationRequest)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParsePublicAction(tt.body)
			if f != nil || !errors.Is(err, ieee80211.ErrTruncated) {
				t.Errorf("ParsePublicAction = %v, %v; want nil, ErrTruncated", f, err)
			}
		})
	}
	for _, body := range [][]byte{{127}, {127, 0x50, 0x6f, 0x9a, 9}, {127, 0x50, 0x6f, 0x9a, 9, uint8(ActionPresenceRequest)}} {
		if f, err := ParseAction(body); f != nil || !errors.Is(err, ieee80211.ErrTruncated) {
			t.Errorf("ParseAction(%x) = %v, %v; want nil, ErrTruncated", body, f, err)
		}
	}
}

func TestBadInput14RejectsNoticeOfAbsenceWithTooManyDescriptors(t *testing.T) {
	noa := func(n int) []byte {
		return attr(AttrNoticeOfAbsence, cat([]byte{1, 0}, make([]byte, 13*n))...)
	}
	rejects(t, noa(MaxNoADescriptors+1), ieee80211.ErrInvalid)
	rejects(t, noa(20), ieee80211.ErrInvalid)
	rejects(t, attr(AttrNoticeOfAbsence, make([]byte, 2+13+1)...), ieee80211.ErrInvalid) // (len-2)/13 not whole
	a := roundTripAttributes(t, noa(MaxNoADescriptors))
	if n := len(a.NoticeOfAbsence.Descriptors); n != MaxNoADescriptors {
		t.Errorf("%d descriptors, want %d", n, MaxNoADescriptors)
	}
}

func TestBadInput16AdvertisedServiceInfoFailingHalfWayReturnsNothing(t *testing.T) {
	good := cat([]byte{1, 0, 0, 0, 0x10, 0}, []byte{4}, []byte("send"))
	tests := []struct {
		name string
		body []byte
		want error
	}{
		{"second descriptor truncated", cat(good, []byte{2, 0, 0, 0, 0x10, 0, 9}, []byte("pla")), ieee80211.ErrTruncated},
		{"second descriptor header cut", cat(good, []byte{2, 0, 0}), ieee80211.ErrTruncated},
		{"second name not UTF-8", cat(good, []byte{2, 0, 0, 0, 0x10, 0, 2, 0xc3, 0x28}), ieee80211.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rejects(t, attr(AttrAdvertisedServiceInfo, tt.body...), tt.want)
			// Nor does the probe response carrying it escape partially.
			elems, _ := ieee80211.ParseElements(p2pIE(cat(attr(AttrCapability, 0, 0), attr(AttrAdvertisedServiceInfo, tt.body...))))
			if a, _, err := ParseIE(elems); a != nil || err == nil {
				t.Errorf("ParseIE = %v, %v; want nil and an error", a, err)
			}
		})
	}
}
