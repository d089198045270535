package wsc

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Test helpers and sample values shared by the tests of this package.

func ptr[T any](v T) *T { return &v }

func fill[A ~[16]byte | ~[32]byte | ~[8]byte | ~[PublicKeyLen]byte](seed byte) A {
	var a A
	for i := range len(a) {
		a[i] = seed + byte(i)
	}
	return a
}

// unhex decodes hex with spaces and newlines allowed.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// ignoreOrder compares containers without their recorded wire order.
var ignoreOrder = cmpopts.IgnoreFields(Wire{}, "Order")

func wfa(t testing.TB, w WFAExtension) VendorExtension {
	t.Helper()
	v, err := w.VendorExtension()
	if err != nil {
		t.Fatalf("WFAExtension.VendorExtension: %v", err)
	}
	return v
}

var (
	sampleMAC     = ieee80211.MAC{0x46, 0, 0, 0, 1, 0}
	sampleDevType = DeviceType{Category: 10, OUI: OUIWFADeviceType, SubCategory: 5}
)

func sampleM1(t testing.TB) *M1 {
	return &M1{
		UUIDE:                   fill[UUID](0x57),
		MACAddress:              sampleMAC,
		EnrolleeNonce:           fill[Nonce](0x72),
		PublicKey:               fill[PublicKey](0x37),
		AuthenticationTypeFlags: AuthOpen | AuthWPAPSK | AuthWPA | AuthWPA2 | AuthWPA2PSK,
		EncryptionTypeFlags:     EncrNone | EncrTKIP | EncrAES,
		ConnectionTypeFlags:     ConnESS,
		ConfigMethods:           ConfigVirtualDisplay | ConfigKeypad | ConfigVirtualPushButton,
		WPSState:                WPSStateNotConfigured,
		Manufacturer:            "p2pmanager vectors",
		ModelName:               "hwsim phone",
		ModelNumber:             "1",
		SerialNumber:            "0001",
		PrimaryDeviceType:       sampleDevType,
		DeviceName:              "wpas-vector-1",
		RFBands:                 RFBand24GHz,
		AssociationState:        AssocNotAssociated,
		DevicePasswordID:        PasswordPushButton,
		ConfigurationError:      ConfigErrNone,
		OSVersion:               0x80000000,
		VendorExtensions:        []VendorExtension{wfa(t, WFAExtension{Version2: Version2})},
	}
}

func sampleM2(t testing.TB) *M2 {
	return &M2{
		EnrolleeNonce:           fill[Nonce](0x72),
		RegistrarNonce:          fill[Nonce](0x80),
		UUIDR:                   fill[UUID](0x11),
		PublicKey:               fill[PublicKey](0x99),
		AuthenticationTypeFlags: AuthOpen | AuthWPA2PSK,
		EncryptionTypeFlags:     EncrNone | EncrAES,
		ConnectionTypeFlags:     ConnESS,
		ConfigMethods:           ConfigDisplay | ConfigPushButton,
		Manufacturer:            " ",
		ModelName:               " ",
		ModelNumber:             " ",
		SerialNumber:            " ",
		PrimaryDeviceType:       DeviceType{},
		DeviceName:              "wpas-vector-0",
		RFBands:                 RFBand24GHz,
		AssociationState:        AssocNotAssociated,
		ConfigurationError:      ConfigErrNone,
		DevicePasswordID:        PasswordPushButton,
		OSVersion:               0x80000000,
		VendorExtensions:        []VendorExtension{wfa(t, WFAExtension{Version2: Version2})},
		Authenticator:           fill[Authenticator](0xa0),
	}
}

func sampleEncrypted(seed byte) EncryptedSettings {
	return EncryptedSettings{IV: fill[[16]byte](seed), Ciphertext: bytes.Repeat([]byte{seed}, 32)}
}

func sampleCredential() Credential {
	return Credential{
		NetworkIndex:       1,
		SSID:               []byte("DIRECT-5y"),
		AuthenticationType: AuthWPA2PSK,
		EncryptionType:     EncrAES,
		NetworkKey:         []byte("QUV9taPC"),
		MACAddress:         sampleMAC,
	}
}

// sampleContainers returns one fully populated value of every container type.
func sampleContainers(t testing.TB) map[string]Container {
	v2 := []VendorExtension{wfa(t, WFAExtension{Version2: Version2})}
	return map[string]Container{
		"M1": sampleM1(t),
		"M2": sampleM2(t),
		"M2 with Encrypted Settings": func() *M2 {
			m := sampleM2(t)
			m.EncryptedSettings = ptr(sampleEncrypted(0x30))
			return m
		}(),
		"M2D": &M2D{
			EnrolleeNonce: fill[Nonce](1), RegistrarNonce: fill[Nonce](2), UUIDR: fill[UUID](3),
			AuthenticationTypeFlags: AuthWPA2PSK, EncryptionTypeFlags: EncrAES, ConnectionTypeFlags: ConnESS,
			ConfigMethods: ConfigLabel, Manufacturer: "m", ModelName: "n", ModelNumber: "1", SerialNumber: "2",
			PrimaryDeviceType: sampleDevType, DeviceName: "registrar", RFBands: RFBand24GHz | RFBand5GHz,
			AssociationState: AssocConnectionSuccess, ConfigurationError: ConfigErrDeviceBusy, OSVersion: 0x80000001,
			VendorExtensions: v2,
		},
		"M3":       &M3{RegistrarNonce: fill[Nonce](2), EHash1: fill[Hash](3), EHash2: fill[Hash](4), VendorExtensions: v2, Authenticator: fill[Authenticator](5)},
		"M4":       &M4{EnrolleeNonce: fill[Nonce](1), RHash1: fill[Hash](6), RHash2: fill[Hash](7), EncryptedSettings: sampleEncrypted(8), VendorExtensions: v2, Authenticator: fill[Authenticator](9)},
		"M5":       &M5{RegistrarNonce: fill[Nonce](2), EncryptedSettings: sampleEncrypted(10), VendorExtensions: v2, Authenticator: fill[Authenticator](11)},
		"M6":       &M6{EnrolleeNonce: fill[Nonce](1), EncryptedSettings: sampleEncrypted(12), VendorExtensions: v2, Authenticator: fill[Authenticator](13)},
		"M7":       &M7{RegistrarNonce: fill[Nonce](2), EncryptedSettings: sampleEncrypted(14), VendorExtensions: v2, Authenticator: fill[Authenticator](15)},
		"M8":       &M8{EnrolleeNonce: fill[Nonce](1), EncryptedSettings: sampleEncrypted(16), VendorExtensions: v2, Authenticator: fill[Authenticator](17)},
		"WSC_ACK":  &WSCACK{EnrolleeNonce: fill[Nonce](1), RegistrarNonce: fill[Nonce](2), VendorExtensions: v2},
		"WSC_NACK": &WSCNACK{EnrolleeNonce: fill[Nonce](1), RegistrarNonce: fill[Nonce](2), ConfigurationError: ConfigErrDevicePasswordAuthFailure, VendorExtensions: v2},
		"WSC_Done": &WSCDone{EnrolleeNonce: fill[Nonce](1), RegistrarNonce: fill[Nonce](2), VendorExtensions: v2},
		"Beacon": &Beacon{
			WPSState: WPSStateConfigured, APSetupLocked: ptr(false), SelectedRegistrar: ptr(true),
			DevicePasswordID: ptr(PasswordPushButton), SelectedRegistrarConfigMethods: ptr(ConfigDisplay | ConfigPushButton),
			UUIDE: ptr(fill[UUID](0x36)), RFBands: ptr(RFBand24GHz),
			VendorExtensions: []VendorExtension{
				wfa(t, WFAExtension{Version2: Version2, AuthorizedMACs: []ieee80211.MAC{ieee80211.Broadcast}}),
				{VendorID: 0x000137, Data: []byte{1, 2, 3}},
			},
			ApplicationExtension: []byte{9, 9},
			DeviceName:           ptr("wpas-vector-0"),
			PrimaryDeviceType:    ptr(DeviceType{Category: 1, OUI: OUIWFADeviceType, SubCategory: 1}),
		},
		"Probe Request": &ProbeRequest{
			RequestType: RequestEnrollee, ConfigMethods: 0x3148, UUIDE: fill[UUID](0x57),
			PrimaryDeviceType: sampleDevType, RFBands: RFBand24GHz, AssociationState: AssocNotAssociated,
			ConfigurationError: ConfigErrNone, DevicePasswordID: PasswordPushButton,
			Manufacturer: ptr(" "), ModelName: ptr(" "), ModelNumber: ptr(" "), DeviceName: ptr(" "),
			VendorExtensions:     []VendorExtension{wfa(t, WFAExtension{Version2: Version2, RequestToEnroll: ptr(true)})},
			RequestedDeviceTypes: []DeviceType{{Category: 1, OUI: OUIWFADeviceType, SubCategory: 1}, sampleDevType},
			SecondaryDeviceTypes: []DeviceType{{Category: 3, OUI: OUIWFADeviceType, SubCategory: 1}},
		},
		"Probe Response": &ProbeResponse{
			WPSState: WPSStateNotConfigured, DevicePasswordID: ptr(PasswordDefault), ResponseType: ResponseEnrolleeInfo,
			UUIDE: fill[UUID](0x57), Manufacturer: "p2pmanager vectors", ModelName: "hwsim phone", ModelNumber: "1",
			SerialNumber: "0001", PrimaryDeviceType: sampleDevType, DeviceName: "wpas-vector-1",
			ConfigMethods: ConfigDisplay | ConfigPushButton | ConfigKeypad, VendorExtensions: v2,
			SecondaryDeviceTypes: []DeviceType{},
		},
		"M4 settings": &M4Settings{RSNonce1: fill[Nonce](0x20), KeyWrapAuthenticator: fill[KeyWrapAuthenticator](0x21)},
		"M5 settings": &M5Settings{ESNonce1: fill[Nonce](0x22), KeyWrapAuthenticator: fill[KeyWrapAuthenticator](0x23)},
		"M6 settings": &M6Settings{RSNonce2: fill[Nonce](0x24), KeyWrapAuthenticator: fill[KeyWrapAuthenticator](0x25)},
		"M7 settings": &M7Settings{
			ESNonce2:             fill[Nonce](0x26),
			VendorExtensions:     []VendorExtension{wfa(t, WFAExtension{Version2: Version2, SettingsDelayTime: ptr(uint8(5))})},
			KeyWrapAuthenticator: fill[KeyWrapAuthenticator](0x27),
		},
		"M8 settings": &M8Settings{
			Credentials: []Credential{sampleCredential(), {
				NetworkIndex: 2, SSID: []byte("open"), AuthenticationType: AuthOpen, EncryptionType: EncrNone,
				NetworkKeyIndex: ptr(uint8(1)), MACAddress: sampleMAC,
				VendorExtensions: []VendorExtension{wfa(t, WFAExtension{NetworkKeyShareable: ptr(true)})},
			}},
			KeyWrapAuthenticator: fill[KeyWrapAuthenticator](0x28),
		},
		"Credential": ptr(sampleCredential()),
	}
}

// decodeAs decodes b as a container of the same dynamic type as like.
func decodeAs(b []byte, like Container) (Container, error) {
	switch like.(type) {
	case *M1:
		return Decode[M1](b)
	case *M2:
		return Decode[M2](b)
	case *M2D:
		return Decode[M2D](b)
	case *M3:
		return Decode[M3](b)
	case *M4:
		return Decode[M4](b)
	case *M5:
		return Decode[M5](b)
	case *M6:
		return Decode[M6](b)
	case *M7:
		return Decode[M7](b)
	case *M8:
		return Decode[M8](b)
	case *WSCACK:
		return Decode[WSCACK](b)
	case *WSCNACK:
		return Decode[WSCNACK](b)
	case *WSCDone:
		return Decode[WSCDone](b)
	case *Beacon:
		return Decode[Beacon](b)
	case *ProbeRequest:
		return Decode[ProbeRequest](b)
	case *ProbeResponse:
		return Decode[ProbeResponse](b)
	case *M4Settings:
		return Decode[M4Settings](b)
	case *M5Settings:
		return Decode[M5Settings](b)
	case *M6Settings:
		return Decode[M6Settings](b)
	case *M7Settings:
		return Decode[M7Settings](b)
	case *M8Settings:
		return Decode[M8Settings](b)
	case *Credential:
		return Decode[Credential](b)
	}
	panic("decodeAs: unhandled container type")
}

// allContainers lists one empty value of every container type.
func allContainers() []Container {
	return []Container{
		new(M1), new(M2), new(M2D), new(M3), new(M4), new(M5), new(M6), new(M7), new(M8),
		new(WSCACK), new(WSCNACK), new(WSCDone), new(Beacon), new(ProbeRequest), new(ProbeResponse),
		new(M4Settings), new(M5Settings), new(M6Settings), new(M7Settings), new(M8Settings), new(Credential),
	}
}

func mustEncode(t testing.TB, c Container) []byte {
	t.Helper()
	b, err := Encode(c)
	if err != nil {
		t.Fatalf("Encode(%T): %v", c, err)
	}
	return b
}

func diff(want, got any) string { return cmp.Diff(want, got, ignoreOrder) }
