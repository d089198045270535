package p2pmsg

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func TestWFDSubelementsDecodeAndReencodeExactly(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    *WFD
	}{
		{"Device Information of a source (hostap wifi_display style)", "000006 0010 1c44 0032",
			&WFD{DeviceInfo: &WFDDeviceInfo{DeviceInfo: 0x0010, SessionManagementControlPort: 7236, MaxThroughput: 50}}},
		{"Associated BSSID", "010006 112233445566", &WFD{AssociatedBSSID: &macC}},
		{"Coupled Sink Information", "060007 01 aabbccddeeff", &WFD{CoupledSink: &WFDCoupledSinkInfo{Status: 1, Address: macD}}},
		{"Extended Capability", "070002 0001", &WFD{ExtendedCapability: new(uint16(1))}},
		{"unknown subelements stay raw", "020003 010203 0a0000", &WFD{Unknown: []WFDSubelement{
			{ID: WFDAudioFormats, Data: []byte{1, 2, 3}}, {ID: WFDAlternativeMAC, Data: []byte{}},
		}}},
		{"empty payload", "", &WFD{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := unhex(t, tt.payload)
			w, err := ParseWFD(payload)
			if err != nil {
				t.Fatalf("ParseWFD: %v", err)
			}
			if got, err := w.Append(nil); err != nil || string(got) != string(payload) {
				t.Errorf("Append = %x, %v; want %x", got, err, payload)
			}
			w.Order = nil
			if diff := cmp.Diff(tt.want, w); diff != "" {
				t.Errorf("ParseWFD (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWFDKeepsSubelementOrder(t *testing.T) {
	payload := unhex(t, "070002 0001 020001 ff 000006 0011 1c44 0064 010006 112233445566")
	w, err := ParseWFD(payload)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := w.Append(nil); string(got) != string(payload) {
		t.Errorf("Append = %x, want %x", got, payload)
	}
}

func TestBuiltWFDEncodesInSubelementIDOrder(t *testing.T) {
	w := &WFD{
		Unknown:            []WFDSubelement{{ID: WFDSessionInformation, Data: nil}},
		ExtendedCapability: new(uint16(2)),
		DeviceInfo:         &WFDDeviceInfo{DeviceInfo: 0x0011, SessionManagementControlPort: 7236, MaxThroughput: 300},
	}
	ies, err := AppendWFDIE(nil, w)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, "dd15 506f9a0a 000006 0011 1c44 012c 070002 0002 090000")
	if string(ies) != string(want) {
		t.Errorf("AppendWFDIE:\n got %x\nwant %x", ies, want)
	}
}

func TestParseWFDRejectsMalformedSubelements(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    error
	}{
		{"header of 2 octets", "0000", ieee80211.ErrTruncated},
		{"length overrunning the IE", "000006 0010", ieee80211.ErrTruncated},
		{"length 0xffff", "00ffff 00", ieee80211.ErrTruncated},
		{"short Device Information", "000005 0010 1c44 00", ieee80211.ErrInvalid},
		{"long Associated BSSID", "010007 11223344556677", ieee80211.ErrInvalid},
		{"Coupled Sink status without address", "060001 00", ieee80211.ErrInvalid},
		{"short Extended Capability", "070001 00", ieee80211.ErrInvalid},
		{"Device Information twice", "000006 0010 1c44 0032 000006 0010 1c44 0032", ieee80211.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := ParseWFD(unhex(t, tt.payload))
			if w != nil || !errors.Is(err, tt.want) {
				t.Errorf("ParseWFD = %v, %v; want nil, %v", w, err, tt.want)
			}
		})
	}
}

func TestParseWFDIEReassemblesSplitElements(t *testing.T) {
	ies := unhex(t, "dd07 506f9a0a 000006 dd0a 506f9a0a 0010 1c44 0032")
	elems, err := ieee80211.ParseElements(ies)
	if err != nil {
		t.Fatal(err)
	}
	w, found, err := ParseWFDIE(elems)
	if err != nil || !found || w.DeviceInfo == nil || w.DeviceInfo.MaxThroughput != 50 {
		t.Errorf("ParseWFDIE = %+v, %v, %v", w, found, err)
	}
	if _, found, _ := ParseWFDIE(nil); found {
		t.Error("ParseWFDIE(nil) found a WFD IE")
	}
}
