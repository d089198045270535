package eapol

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func TestGTKKDEReadsKeyIDTxAndReservedBits(t *testing.T) {
	gtk := fill(16, 0x47)
	tests := []struct {
		name string
		data []byte
		want GTKKDE
	}{
		{"key 1, receive only", append([]byte{0x01, 0x00}, gtk...), GTKKDE{KeyID: 1, GTK: gtk}},
		{"key 2, Tx", append([]byte{0x06, 0x00}, gtk...), GTKKDE{KeyID: 2, Tx: true, GTK: gtk}},
		{"reserved bits kept", append([]byte{0xf9, 0x5a}, gtk...), GTKKDE{KeyID: 1, ReservedBits: 0x1f, ReservedOctet: 0x5a, GTK: gtk}},
		{"header only", []byte{0x03, 0x00}, GTKKDE{KeyID: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseGTKKDE(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ParseGTKKDE (-want +got):\n%s", d)
			}
			if enc := got.AppendData(nil); !bytes.Equal(enc, tc.data) {
				t.Errorf("AppendData = %x, want %x", enc, tc.data)
			}
			kde := got.KDE()
			if !kde.Is(OUIIEEE80211, KDEGTK) || !bytes.Equal(kde.Data, tc.data) {
				t.Errorf("KDE() = %+v", kde)
			}
		})
	}
}

func TestGTKKDEValidateAcceptsGroupCipherKeyLengthsOnly(t *testing.T) {
	for n := range 40 {
		err := GTKKDE{KeyID: 1, GTK: make([]byte, n)}.Validate()
		ok := n == 5 || n == 13 || n == 16 || n == 32
		if ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("GTK of %d octets: Validate = %v", n, err)
		}
	}
}

func TestIGTKKDEReadsKeyIDLittleEndianAndIPN(t *testing.T) {
	data := unhex(t, "0400 010203040506 101112131415161718191a1b1c1d1e1f")
	got, err := ParseIGTKKDE(data)
	if err != nil {
		t.Fatal(err)
	}
	want := IGTKKDE{KeyID: 4, IPN: [IPNLen]byte{1, 2, 3, 4, 5, 6}, IGTK: data[8:]}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseIGTKKDE (-want +got):\n%s", d)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if kde := got.KDE(KDEBIGTK); kde.Type != KDEBIGTK || !bytes.Equal(kde.Data, data) {
		t.Errorf("KDE(BIGTK) = %+v", kde)
	}
	if err := (IGTKKDE{KeyID: 4, IGTK: make([]byte, 24)}).Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("24-octet IGTK: Validate = %v", err)
	}
	if _, err := ParseIGTKKDE(data[:7]); !errors.Is(err, ErrTruncated) {
		t.Errorf("IGTK KDE shorter than Key ID and IPN: %v", err)
	}
}

func TestFixedLengthKDEsRejectOtherLengths(t *testing.T) {
	pmkid := [PMKIDLen]byte{0: 0xaa, 15: 0xbb}
	got, err := ParsePMKIDKDE(PMKIDKDE(pmkid).Data)
	if err != nil || got != pmkid {
		t.Errorf("PMKID round trip = %x, %v", got, err)
	}
	mac := ieee80211.MAC{0x02, 0, 0, 0, 0, 1}
	gotMAC, err := ParseMACAddressKDE(MACAddressKDE(mac).Data)
	if err != nil || gotMAC != mac {
		t.Errorf("MAC round trip = %v, %v", gotMAC, err)
	}
	for _, tc := range []struct {
		name  string
		parse func([]byte) error
		n     int
	}{
		{"PMKID", func(b []byte) error { _, err := ParsePMKIDKDE(b); return err }, PMKIDLen},
		{"MAC address", func(b []byte) error { _, err := ParseMACAddressKDE(b); return err }, 6},
		{"IP Address Allocation", func(b []byte) error { _, err := ParseIPAddressAllocationKDE(b); return err }, 12},
	} {
		if err := tc.parse(make([]byte, tc.n-1)); !errors.Is(err, ErrTruncated) {
			t.Errorf("%s one octet short: %v, want ErrTruncated", tc.name, err)
		}
		if err := tc.parse(make([]byte, tc.n+1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s one octet long: %v, want ErrInvalid", tc.name, err)
		}
	}
}

func TestIPAddressAllocationKDEIsClientMaskGOInNetworkOrder(t *testing.T) {
	data := unhex(t, "c0a8310a ffffff00 c0a83101")
	got, err := ParseIPAddressAllocationKDE(data)
	if err != nil {
		t.Fatal(err)
	}
	want := IPAddressAllocation{
		ClientIP:   [4]byte{192, 168, 49, 10},
		SubnetMask: [4]byte{255, 255, 255, 0},
		GOIP:       [4]byte{192, 168, 49, 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseIPAddressAllocationKDE (-want +got):\n%s", d)
	}
	if p := got.Client(); p != netip.MustParsePrefix("192.168.49.10/24") {
		t.Errorf("Client() = %v", p)
	}
	if a := got.GO(); a != netip.MustParseAddr("192.168.49.1") {
		t.Errorf("GO() = %v", a)
	}
	b, err := got.KDE().Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := unhex(t, "dd 10 506f9a05 c0a8310a ffffff00 c0a83101"); !bytes.Equal(b, w) {
		t.Errorf("KDE bytes = %x, want %x", b, w)
	}
	got.SubnetMask = [4]byte{255, 0, 255, 0}
	if p := got.Client(); p.IsValid() {
		t.Errorf("Client() with a non-contiguous mask = %v, want invalid", p)
	}
}

func TestIPAddressRequestKDEIsWhatWPASupplicantSends(t *testing.T) {
	b, err := IPAddressRequestKDE().Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := unhex(t, "dd 05 506f9a04 01"); !bytes.Equal(b, w) {
		t.Errorf("IP Address Request KDE = %x, want %x", b, w)
	}
	for _, tc := range []struct {
		kde  KDE
		want bool
	}{
		{IPAddressRequestKDE(), true},
		{KDE{OUI: ieee80211.OUIWFA, Type: KDEIPAddressRequest}, false},
		{KDE{OUI: ieee80211.OUIWFA, Type: KDEIPAddressRequest, Data: []byte{0}}, false},
		{KDE{OUI: OUIIEEE80211, Type: KDEIPAddressRequest, Data: []byte{1}}, false},
	} {
		if got := tc.kde.RequestsIPAddress(); got != tc.want {
			t.Errorf("%+v.RequestsIPAddress() = %v", tc.kde, got)
		}
	}
}

func TestKDEElementAndAppendAgreeAndBoundTheData(t *testing.T) {
	k := KDE{OUI: OUIIEEE80211, Type: KDENonce, Data: fill(32, 0x4e)}
	e, err := k.Element()
	if err != nil {
		t.Fatal(err)
	}
	viaElem, _ := ieee80211.AppendElement(nil, e.ID, e.Data)
	direct, err := k.Append(nil)
	if err != nil || !bytes.Equal(viaElem, direct) {
		t.Errorf("Append = %x, %v; element = %x", direct, err, viaElem)
	}
	back, ok := AsKDE(e)
	if !ok {
		t.Fatal("AsKDE rejected the element")
	}
	if d := cmp.Diff(k, back); d != "" {
		t.Errorf("AsKDE(Element()) (-want +got):\n%s", d)
	}
	big := KDE{OUI: OUIIEEE80211, Type: KDEGTK, Data: make([]byte, MaxKDEData+1)}
	if _, err := big.Element(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Element with 252 data octets: %v", err)
	}
	if _, err := big.Append(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Append with 252 data octets: %v", err)
	}
	if _, ok := AsKDE(ieee80211.Element{ID: 48, Data: []byte{0, 0x0f, 0xac, 1}}); ok {
		t.Errorf("AsKDE accepted a non-vendor element")
	}
}
