package p2pmsg

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func TestP2PActionFramesDecodeAndReencodeExactly(t *testing.T) {
	noa := attr(AttrNoticeOfAbsence, cat([]byte{5, 0x8a}, []byte{255, 0x10, 0x27, 0, 0, 0x20, 0x4e, 0, 0, 1, 2, 3, 4})...)
	tests := []struct {
		name  string
		body  []byte
		sub   ActionSubtype
		token uint8
		check func(*Action) error
	}{
		{"Notice of Absence", cat([]byte{127, 0x50, 0x6f, 0x9a, 9, 0, 0}, p2pIE(noa)), ActionNoticeOfAbsence, 0, ValidateNoticeOfAbsenceAction},
		{"P2P Presence Request", cat([]byte{127, 0x50, 0x6f, 0x9a, 9, 1, 7}, p2pIE(noa)), ActionPresenceRequest, 7, ValidatePresenceRequest},
		{"P2P Presence Response", cat([]byte{127, 0x50, 0x6f, 0x9a, 9, 2, 7}, p2pIE(cat(attr(AttrStatus, 0), noa))), ActionPresenceResponse, 7, ValidatePresenceResponse},
		{"GO Discoverability Request", []byte{127, 0x50, 0x6f, 0x9a, 9, 3, 0}, ActionGODiscoverabilityRequest, 0, ValidateGODiscoverabilityRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseAction(tt.body)
			if err != nil {
				t.Fatalf("ParseAction: %v", err)
			}
			if f.Subtype != tt.sub || f.DialogToken != tt.token {
				t.Errorf("subtype %v token %d, want %v token %d", f.Subtype, f.DialogToken, tt.sub, tt.token)
			}
			if got, err := f.Append(nil); err != nil || string(got) != string(tt.body) {
				t.Errorf("Append = %x, %v; want %x", got, err, tt.body)
			}
			if err := tt.check(f); err != nil {
				t.Errorf("validator: %v", err)
			}
			if err := ValidateAction(f); err != nil {
				t.Errorf("ValidateAction: %v", err)
			}
		})
	}
}

func TestFramesOfOtherProtocolsAreNotP2P(t *testing.T) {
	public := [][]byte{
		{3, 0, 1},                            // Block Ack category
		{4, 10, 1, 0x6c, 2, 0, 0, 0, 0},      // GAS Initial Request
		{4, 9, 0x50, 0x6f, 0x9a, 0x1a, 0, 1}, // DPP Public Action
		{4, 9, 0x00, 0x50, 0xf2, 9, 0, 1},    // other OUI
		{127, 0x50, 0x6f, 0x9a, 9, 0, 0},     // P2P Action, not Public
	}
	for _, body := range public {
		if f, err := ParsePublicAction(body); f != nil || !errors.Is(err, ErrNotP2P) {
			t.Errorf("ParsePublicAction(%x) = %v, %v; want ErrNotP2P", body, f, err)
		}
	}
	action := [][]byte{
		{4, 9, 0x50, 0x6f, 0x9a, 9, 0, 1}, // P2P Public Action
		{127, 0x00, 0x17, 0xf2, 9, 0, 0},  // other vendor
		{127, 0x50, 0x6f, 0x9a, 0x13, 0},  // WFA, not P2P
	}
	for _, body := range action {
		if f, err := ParseAction(body); f != nil || !errors.Is(err, ErrNotP2P) {
			t.Errorf("ParseAction(%x) = %v, %v; want ErrNotP2P", body, f, err)
		}
	}
}

// splitP2PIE writes payload as two P2P elements split after n octets.
func splitP2PIE(payload []byte, n int) []byte {
	b := ieee80211.AppendVendor(nil, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, payload[:n])
	return ieee80211.AppendVendor(b, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, payload[n:])
}

func TestFrameWithP2PIESplitAtAnOddPlaceReencodesExactly(t *testing.T) {
	payload := cat(attr(AttrStatus, 0), attr(AttrDeviceID, macC[:]...), attr(AttrGroupID, cat(macC[:], []byte("DIRECT-xy"))...))
	wfd := []byte{221, 13, 0x50, 0x6f, 0x9a, 0x0a, 0, 0, 6, 0, 0x11, 0x1c, 0x44, 0, 50}
	body := cat(publicActionHeader(DeviceDiscoverabilityRequest, 9), splitP2PIE(payload, 4), wfd)
	f, err := ParsePublicAction(body)
	if err != nil {
		t.Fatalf("ParsePublicAction: %v", err)
	}
	if got, err := f.Append(nil); err != nil || string(got) != string(body) {
		t.Fatalf("Append = %x, %v; want %x", got, err, body)
	}
	w, found, err := ParseWFDIE(f.Elements)
	if err != nil || !found || w.DeviceInfo == nil || w.DeviceInfo.SessionManagementControlPort != WFDDefaultSessionManagementPort {
		t.Errorf("ParseWFDIE = %+v, %v, %v", w, found, err)
	}
}

func TestChangedAttributesReplaceTheP2PIEInPlace(t *testing.T) {
	wsc := []byte{221, 4, 0x00, 0x50, 0xf2, 4}
	vendor := []byte{221, 4, 0x00, 0x17, 0xf2, 1}
	body := cat(publicActionHeader(ProvisionDiscoveryResponse, 3), vendor, splitP2PIE(attr(AttrStatus, 0), 2), wsc)
	f, err := ParsePublicAction(body)
	if err != nil {
		t.Fatal(err)
	}
	*f.P2P.Status = StatusFailRejectedByUser
	got, err := f.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := cat(publicActionHeader(ProvisionDiscoveryResponse, 3), vendor, p2pIE(attr(AttrStatus, 11)), wsc)
	if string(got) != string(want) {
		t.Errorf("Append:\n got %x\nwant %x", got, want)
	}
	f.P2P = nil
	got, _ = f.Append(nil)
	if want := cat(publicActionHeader(ProvisionDiscoveryResponse, 3), vendor, wsc); string(got) != string(want) {
		t.Errorf("Append without P2P:\n got %x\nwant %x", got, want)
	}
}

func TestBuiltFrameCarriesTheP2PIEFirst(t *testing.T) {
	f := &PublicAction{
		Subtype:     InvitationResponse,
		DialogToken: 42,
		P2P:         &Attributes{Status: new(StatusSuccess), ConfigurationTimeout: &ConfigurationTimeout{}},
		Elements:    []ieee80211.Element{{ID: ieee80211.ElemVendorSpecific, Data: []byte{0x50, 0x6f, 0x9a, 0x0a}}},
	}
	got, err := f.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := cat(publicActionHeader(InvitationResponse, 42),
		p2pIE(cat(attr(AttrStatus, 0), attr(AttrConfigurationTimeout, 0, 0))),
		[]byte{221, 4, 0x50, 0x6f, 0x9a, 0x0a})
	if string(got) != string(want) {
		t.Fatalf("Append:\n got %x\nwant %x", got, want)
	}
	back, err := ParsePublicAction(got)
	if err != nil {
		t.Fatal(err)
	}
	back.P2P.Order = nil
	if diff := cmp.Diff(f.P2P, back.P2P); diff != "" {
		t.Errorf("decoded attributes (-want +got):\n%s", diff)
	}
}

func TestFrameWithoutP2PIEDecodesWithNilAttributes(t *testing.T) {
	body := cat(publicActionHeader(ProvisionDiscoveryResponse, 5), []byte{221, 10, 0x00, 0x50, 0xf2, 4, 0x10, 0x08, 0, 2, 0, 0x08})
	f, err := ParsePublicAction(body)
	if err != nil {
		t.Fatal(err)
	}
	if f.P2P != nil {
		t.Errorf("P2P = %+v, want nil", f.P2P)
	}
	if err := ValidateProvisionDiscoveryResponse(f); err != nil {
		t.Errorf("legacy PD Response: %v", err)
	}
	if got, _ := f.Append(nil); string(got) != string(body) {
		t.Errorf("Append = %x, want %x", got, body)
	}
}
