package wsc

import (
	"bytes"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func sortedNames(m map[string]Container) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestEveryContainerRoundTrips(t *testing.T) {
	samples := sampleContainers(t)
	for _, name := range sortedNames(samples) {
		c := samples[name]
		t.Run(name, func(t *testing.T) {
			b := mustEncode(t, c)
			got, err := decodeAs(b, c)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if d := diff(c, got); d != "" {
				t.Errorf("decode(encode(x)) (-want +got):\n%s", d)
			}
			if back := mustEncode(t, got); !bytes.Equal(back, b) {
				t.Errorf("re-encoding differs:\n got %x\nwant %x", back, b)
			}
		})
	}
}

// m1FromWpaSupplicant is the M1 a wpa_supplicant v2.10 P2P client sent in
// the go-neg-pbc capture (from its -K debug log, EAP-WSC framing removed).
const m1FromWpaSupplicant = `
104a000110102200010410470010572cf82fc95756539b16b5cfb298abf11020
0006460000000100101a00107222b0ed665ca5bc9846d6cc70021d7d103200c0
373b36366359dfa421a010770674feff3673c4d8f8ac32c1a7cfcd5d5123a32f
743cf96403fa4d65db14f77f4508b9b853f167660f49dd4e7d4e4b7d7c632307
f90692f41f2b243300b101dd1812b4cdadbfca5e83b4745445f8495da5fe150c
d9494bc8250f99303814352185f707048c82f98be7d7c01a750b55ad3963468b
f5792a6c2e779a9fe1cae7680e2b5d22e08e3470681fca108d07ac9d39b75faf
6e4744d842d4a9d6d4d3ce3a398bf758a85af6712b90f2476eb37848740e5065
10040002002310100002000d100d000101100800023148104400010110210001
2010230001201024000120104200012010540008000000000000000010110001
20103c000101100200020000101200020004100900020000102d000480000000
1049000600372a000120`

func TestDecodeM1FromWpaSupplicant(t *testing.T) {
	in := unhex(t, m1FromWpaSupplicant)
	m, err := Decode[M1](in)
	if err != nil {
		t.Fatalf("Decode[M1]: %v", err)
	}
	want := M1{
		UUIDE:                   UUID(unhex(t, "572cf82fc95756539b16b5cfb298abf1")),
		MACAddress:              ieee80211.MAC{0x46, 0, 0, 0, 1, 0},
		EnrolleeNonce:           Nonce(unhex(t, "7222b0ed665ca5bc9846d6cc70021d7d")),
		PublicKey:               m.PublicKey, // checked by the round trip
		AuthenticationTypeFlags: AuthOpen | AuthWPAPSK | AuthWPA2PSK,
		EncryptionTypeFlags:     EncrNone | EncrTKIP | EncrAES,
		ConnectionTypeFlags:     ConnESS,
		ConfigMethods:           0x3148,
		WPSState:                WPSStateNotConfigured,
		Manufacturer:            " ",
		ModelName:               " ",
		ModelNumber:             " ",
		SerialNumber:            " ",
		DeviceName:              " ",
		RFBands:                 RFBand24GHz,
		AssociationState:        AssocNotAssociated,
		DevicePasswordID:        PasswordPushButton,
		ConfigurationError:      ConfigErrNone,
		OSVersion:               0x80000000,
		VendorExtensions:        []VendorExtension{{VendorID: VendorIDWFA, Data: []byte{0, 1, 0x20}}},
	}
	if d := diff(&want, m); d != "" {
		t.Errorf("Decode[M1] (-want +got):\n%s", d)
	}
	if !m.ConfigMethods.Has(ConfigVirtualDisplay) || m.ConfigMethods.Has(ConfigPushButton) {
		t.Errorf("Config Methods 0x%04x: want Virtual Display and no PushButton", uint16(m.ConfigMethods))
	}
	if w, ok := WFA(m.VendorExtensions); !ok || w.Version2 != 0x20 {
		t.Errorf("WFA(VendorExtensions) = %+v, %v; want Version2 0x20", w, ok)
	}
	if back := mustEncode(t, m); !bytes.Equal(back, in) {
		t.Errorf("re-encoding differs:\n got %x\nwant %x", back, in)
	}
	// hostap writes M1 in the specification's order, which is also ours.
	m.Order = nil
	if back := mustEncode(t, m); !bytes.Equal(back, in) {
		t.Errorf("canonical encoding differs from hostap's:\n got %x\nwant %x", back, in)
	}
}

func TestDecodeRejectsMissingMandatoryAttribute(t *testing.T) {
	samples := sampleContainers(t)
	for _, name := range sortedNames(samples) {
		c := samples[name]
		attrs, err := ParseAttributes(mustEncode(t, c))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range c.fields() {
			if !f.need {
				continue
			}
			t.Run(name+" without "+f.typ.String(), func(t *testing.T) {
				kept := slices.DeleteFunc(slices.Clone(attrs), func(a Attribute) bool { return a.Type == f.typ })
				b, err := AppendAttributes(nil, kept)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := decodeAs(b, c); !errors.Is(err, ErrMissing) {
					t.Errorf("decode error = %v, want ErrMissing", err)
				}
			})
		}
	}
}

func TestDecodeRejectsRepeatedSingleAttribute(t *testing.T) {
	samples := sampleContainers(t)
	for _, name := range sortedNames(samples) {
		c := samples[name]
		attrs, err := ParseAttributes(mustEncode(t, c))
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range attrs {
			if f := findField(c.fields(), a.Type); f < 0 || c.fields()[f].multi {
				continue
			}
			t.Run(name+" with two "+a.Type.String(), func(t *testing.T) {
				twice := slices.Insert(slices.Clone(attrs), i+1, a)
				b, err := AppendAttributes(nil, twice)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := decodeAs(b, c); !errors.Is(err, ErrInvalid) {
					t.Errorf("decode error = %v, want ErrInvalid", err)
				}
			})
		}
	}
}

func TestDecodeKeepsUnknownAttributesAndWireOrder(t *testing.T) {
	samples := sampleContainers(t)
	extra := []Attribute{
		{Type: 0xfff1, Value: []byte("x")},
		{Type: AttrAPChannel, Value: []byte{0, 6}}, // known, but no container binds it
		{Type: 0xfff1, Value: []byte{}},
	}
	for _, name := range sortedNames(samples) {
		c := samples[name]
		attrs, err := ParseAttributes(mustEncode(t, c))
		if err != nil {
			t.Fatal(err)
		}
		// Reverse the attributes and scatter unknown ones among them.
		mixed := slices.Clone(attrs)
		slices.Reverse(mixed)
		mixed = slices.Insert(mixed, 0, extra[0])
		mixed = slices.Insert(mixed, len(mixed)/2, extra[1])
		mixed = append(mixed, extra[2])
		in, err := AppendAttributes(nil, mixed)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			got, err := decodeAs(in, c)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if d := cmp.Diff(extra, got.wire().Unknown); d != "" {
				t.Errorf("Unknown (-want +got):\n%s", d)
			}
			if back := mustEncode(t, got); !bytes.Equal(back, in) {
				t.Errorf("re-encoding differs:\n got %x\nwant %x", back, in)
			}
		})
	}
}

func TestEncodeKeepsPositionOfEditedFieldsAndAppendsNewOnes(t *testing.T) {
	in := unhex(t, m1FromWpaSupplicant)
	m, err := Decode[M1](in)
	if err != nil {
		t.Fatal(err)
	}
	m.Order = slices.Insert(m.Order, 0, AttrVendorExtension) // the WFA extension moves first
	m.DeviceName = "renamed"
	m.Unknown = append(m.Unknown, Attribute{Type: 0xfff2, Value: []byte{7}})
	b := mustEncode(t, m)
	attrs, err := ParseAttributes(b)
	if err != nil {
		t.Fatal(err)
	}
	if attrs[0].Type != AttrVendorExtension || attrs[len(attrs)-1].Type != 0xfff2 {
		t.Errorf("first %v, last %v: want Vendor Extension first and the new unknown attribute last", attrs[0].Type, attrs[len(attrs)-1].Type)
	}
	got, err := Decode[M1](b)
	if err != nil {
		t.Fatal(err)
	}
	if got.DeviceName != "renamed" {
		t.Errorf("Device Name %q, want %q", got.DeviceName, "renamed")
	}
}

func TestDecodeMessageChoosesTheTypeFromMessageType(t *testing.T) {
	samples := sampleContainers(t)
	for _, name := range sortedNames(samples) {
		c := samples[name]
		m, ok := c.(Message)
		if !ok || m.MessageType() <= MessageTypeProbeResponse {
			continue
		}
		t.Run(name, func(t *testing.T) {
			got, err := DecodeMessage(mustEncode(t, c))
			if err != nil {
				t.Fatalf("DecodeMessage: %v", err)
			}
			if d := diff(c, got); d != "" {
				t.Errorf("DecodeMessage (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeMessageRejectsWhatIsNoRegistrationMessage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"no Message Type", "104a 0001 10", ErrMissing},
		{"Message Type of 2 octets", "104a 0001 10 1022 0002 0400", ErrInvalid},
		{"Beacon message type", "104a 0001 10 1022 0001 01", ErrInvalid},
		{"unassigned message type", "104a 0001 10 1022 0001 10", ErrInvalid},
		{"WSC_ACK without nonces", "104a 0001 10 1022 0001 0d", ErrMissing},
		{"malformed TLV", "104a 0001", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeMessage(unhex(t, tt.in)); !errors.Is(err, tt.want) {
				t.Errorf("DecodeMessage error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecodeRejectsAnotherMessageType(t *testing.T) {
	b := mustEncode(t, sampleM1(t))
	if _, err := Decode[M2](b); !errors.Is(err, ErrInvalid) {
		t.Errorf("Decode[M2](M1) error = %v, want ErrInvalid", err)
	}
}

// replaceValue re-encodes b with the value of the first attribute of type t replaced.
func replaceValue(t *testing.T, b []byte, typ AttrType, v []byte) []byte {
	t.Helper()
	attrs, err := ParseAttributes(b)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(attrs, func(a Attribute) bool { return a.Type == typ })
	if i < 0 {
		t.Fatalf("no %v", typ)
	}
	attrs[i].Value = v
	out, err := AppendAttributes(nil, attrs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeRejectsBadAttributeValues(t *testing.T) {
	m1 := mustEncode(t, sampleM1(t))
	m2 := mustEncode(t, sampleM2(t))
	beacon := mustEncode(t, sampleContainers(t)["Beacon"])
	m4 := mustEncode(t, sampleContainers(t)["M4"])
	tests := []struct {
		name string
		msg  []byte
		like Container
		typ  AttrType
		v    []byte
	}{
		// docs/bad-input.md 4b #19: hostap accepts 190..192 octets.
		{"BadInput19 M1 Public Key of 191 octets", m1, new(M1), AttrPublicKey, make([]byte, 191)},
		{"BadInput19 M1 Public Key of 190 octets", m1, new(M1), AttrPublicKey, make([]byte, 190)},
		{"BadInput19 M1 Public Key of 193 octets", m1, new(M1), AttrPublicKey, make([]byte, 193)},
		{"BadInput19 M2 Public Key of 191 octets", m2, new(M2), AttrPublicKey, make([]byte, 191)},
		{"BadInput19 M2 empty Public Key", m2, new(M2), AttrPublicKey, nil},
		{"Version other than 0x10", m1, new(M1), AttrVersion, []byte{0x20}},
		{"Device Name longer than 32", m1, new(M1), AttrDeviceName, []byte(strings.Repeat("d", 33))},
		{"Manufacturer longer than 64", m1, new(M1), AttrManufacturer, []byte(strings.Repeat("m", 65))},
		{"Model Name longer than 32", m1, new(M1), AttrModelName, []byte(strings.Repeat("m", 33))},
		{"Model Number longer than 32", m1, new(M1), AttrModelNumber, []byte(strings.Repeat("m", 33))},
		{"Serial Number longer than 32", m1, new(M1), AttrSerialNumber, []byte(strings.Repeat("s", 33))},
		{"UUID-E of 15 octets", m1, new(M1), AttrUUIDE, make([]byte, 15)},
		{"MAC Address of 5 octets", m1, new(M1), AttrMACAddress, make([]byte, 5)},
		{"Enrollee Nonce of 17 octets", m1, new(M1), AttrEnrolleeNonce, make([]byte, 17)},
		{"Primary Device Type of 7 octets", m1, new(M1), AttrPrimaryDeviceType, make([]byte, 7)},
		{"Config Methods of 1 octet", m1, new(M1), AttrConfigMethods, []byte{1}},
		{"OS Version of 2 octets", m1, new(M1), AttrOSVersion, []byte{1, 2}},
		{"Authenticator of 7 octets", m2, new(M2), AttrAuthenticator, make([]byte, 7)},
		{"Selected Registrar of 2", beacon, new(Beacon), AttrSelectedRegistrar, []byte{2}},
		{"AP Setup Locked of 0xff", beacon, new(Beacon), AttrAPSetupLocked, []byte{0xff}},
		{"Encrypted Settings with a partial block", m4, new(M4), AttrEncryptedSettings, make([]byte, 40)},
		{"Encrypted Settings with only an IV", m4, new(M4), AttrEncryptedSettings, make([]byte, 16)},
		{"R-Hash1 of 31 octets", m4, new(M4), AttrRHash1, make([]byte, 31)},
		{"WFA Vendor Extension with a bad Version2 length", m1, new(M1), AttrVendorExtension, []byte{0, 0x37, 0x2a, 0, 2, 0x20, 0}},
		{"Vendor Extension without a Vendor ID", m1, new(M1), AttrVendorExtension, []byte{0, 0x37}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := replaceValue(t, tt.msg, tt.typ, tt.v)
			if _, err := decodeAs(b, tt.like); !errors.Is(err, ErrInvalid) {
				t.Errorf("decode error = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDecodeChecksKnownAttributesItDoesNotInterpret(t *testing.T) {
	b := mustEncode(t, &M3{})
	b = append(b, 0x10, 0x47, 0, 3, 1, 2, 3) // UUID-E of 3 octets inside M3
	if _, err := Decode[M3](b); !errors.Is(err, ErrInvalid) {
		t.Errorf("Decode[M3] error = %v, want ErrInvalid", err)
	}
}

func TestEncodeRejectsWhatWouldNotDecode(t *testing.T) {
	tests := []struct {
		name string
		c    Container
		want error
	}{
		{"Device Name longer than 32", func() Container { m := sampleM1(t); m.DeviceName = strings.Repeat("x", 33); return m }(), ErrInvalid},
		{"Manufacturer longer than 64", func() Container { m := sampleM1(t); m.Manufacturer = strings.Repeat("x", 65); return m }(), ErrInvalid},
		{"typed attribute in Unknown", func() Container {
			m := sampleM1(t)
			m.Unknown = []Attribute{{Type: AttrDeviceName, Value: []byte("x")}}
			return m
		}(), ErrInvalid},
		{"bad known attribute in Unknown", &M3{Wire: Wire{Unknown: []Attribute{{Type: AttrUUIDE, Value: []byte{1}}}}}, ErrInvalid},
		{"empty ciphertext", &M5{}, ErrInvalid},
		{"M8 settings without Credential", &M8Settings{}, ErrMissing},
		{"Vendor ID over 24 bits", &WSCDone{VendorExtensions: []VendorExtension{{VendorID: 0x1000000}}}, ErrInvalid},
		{"Vendor Extension over 1024 octets", &WSCDone{VendorExtensions: []VendorExtension{{VendorID: 1, Data: make([]byte, 1022)}}}, ErrInvalid},
		{"malformed WFA Vendor Extension", &WSCDone{VendorExtensions: []VendorExtension{{VendorID: VendorIDWFA, Data: []byte{0}}}}, ErrTruncated},
		{"17 Secondary Device Types", &ProbeResponse{SecondaryDeviceTypes: make([]DeviceType, 17)}, ErrInvalid},
		{"SSID longer than 32", &Credential{SSID: make([]byte, 33), AuthenticationType: AuthOpen, EncryptionType: EncrNone}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Encode(tt.c); !errors.Is(err, tt.want) {
				t.Errorf("Encode error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSplitAuthenticatorReturnsTheCoveredOctets(t *testing.T) {
	m2 := sampleM2(t)
	b := mustEncode(t, m2)
	covered, auth, err := SplitAuthenticator(b)
	if err != nil {
		t.Fatalf("SplitAuthenticator: %v", err)
	}
	if auth != m2.Authenticator || !bytes.Equal(covered, b[:len(b)-12]) {
		t.Errorf("SplitAuthenticator = %x, %x", covered, auth)
	}
	for name, in := range map[string][]byte{
		"M1 (no Authenticator)":     mustEncode(t, sampleM1(t)),
		"Authenticator not last":    append(slices.Clone(b), 0xff, 0xf0, 0, 0),
		"Authenticator of 7 octets": append(mustEncode(t, &WSCACK{}), 0x10, 0x05, 0, 7, 1, 2, 3, 4, 5, 6, 7),
		"empty":                     nil,
		"malformed":                 {0x10},
	} {
		if _, _, err := SplitAuthenticator(in); err == nil {
			t.Errorf("SplitAuthenticator(%s) succeeded", name)
		}
	}
}

func TestSplitKeyWrapAuthenticatorReturnsTheCoveredOctets(t *testing.T) {
	s := &M5Settings{ESNonce1: fill[Nonce](1), KeyWrapAuthenticator: fill[KeyWrapAuthenticator](9)}
	b := mustEncode(t, s)
	covered, kwa, err := SplitKeyWrapAuthenticator(b)
	if err != nil {
		t.Fatalf("SplitKeyWrapAuthenticator: %v", err)
	}
	if kwa != s.KeyWrapAuthenticator || !bytes.Equal(covered, b[:len(b)-12]) {
		t.Errorf("SplitKeyWrapAuthenticator = %x, %x", covered, kwa)
	}
	if _, _, err := SplitKeyWrapAuthenticator(covered); !errors.Is(err, ErrMissing) {
		t.Errorf("without Key Wrap Authenticator: error %v, want ErrMissing", err)
	}
}

func TestMessageTypeNames(t *testing.T) {
	for mt, want := range map[MessageType]string{
		MessageTypeM1: "M1", MessageTypeM8: "M8", MessageTypeM2D: "M2D", MessageTypeWSCDone: "WSC_Done",
		MessageTypeProbeRequest: "Probe Request", 0x42: "message type 0x42",
	} {
		if got := mt.String(); got != want {
			t.Errorf("MessageType(%d).String() = %q, want %q", mt, got, want)
		}
	}
	if MessageTypeM8 != 0x0c || MessageTypeM7 != 0x0b || MessageTypeWSCACK != 0x0d {
		t.Errorf("message type values differ from WSC 2.0.x / hostap wps_defs.h")
	}
}
