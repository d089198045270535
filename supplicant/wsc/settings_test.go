package wsc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// m8SettingsFromWpaSupplicant is the decrypted Encrypted Settings of M8 in
// the go-neg-pbc capture (wpa_supplicant v2.10 GO as Registrar, from its -K
// debug log), PKCS#5 padding removed: one Credential and the Key Wrap
// Authenticator.
const m8SettingsFromWpaSupplicant = `
100e006c 1026000101 10450009444952454354 2d3579 100300020020 100f00020008
10270040 6334333131306239616437313063323732653265613332333966396339343832
         3266393239316638363434306363316663633866623632616632353330356263
10200006460000000100
101e0008dd4d3b57f5ca8cf5`

func TestDecodeM8SettingsFromWpaSupplicant(t *testing.T) {
	in := unhex(t, m8SettingsFromWpaSupplicant)
	s, err := Decode[M8Settings](in)
	if err != nil {
		t.Fatalf("Decode[M8Settings]: %v", err)
	}
	want := &M8Settings{
		Credentials: []Credential{{
			NetworkIndex:       1,
			SSID:               []byte("DIRECT-5y"),
			AuthenticationType: AuthWPA2PSK,
			EncryptionType:     EncrAES,
			NetworkKey:         []byte("c43110b9ad710c272e2ea3239f9c94822f9291f86440cc1fcc8fb62af25305bc"),
			MACAddress:         ieee80211.MAC{0x46, 0, 0, 0, 1, 0},
		}},
		KeyWrapAuthenticator: KeyWrapAuthenticator(unhex(t, "dd4d3b57f5ca8cf5")),
	}
	if d := diff(want, s); d != "" {
		t.Errorf("Decode[M8Settings] (-want +got):\n%s", d)
	}
	if back := mustEncode(t, s); !bytes.Equal(back, in) {
		t.Errorf("re-encoding differs:\n got %x\nwant %x", back, in)
	}
	s.Order, s.Credentials[0].Order = nil, nil
	if back := mustEncode(t, s); !bytes.Equal(back, in) {
		t.Errorf("canonical encoding differs from hostap's:\n got %x\nwant %x", back, in)
	}
}

func TestDecodeSecretNonceSettingsFromWpaSupplicant(t *testing.T) {
	tests := []struct {
		name string
		in   string
		like Container
		want Container
	}{
		{"M4", "103f0010cbd0b10c7b7ce1d450bf48d225195c6e 101e00086a6a7ea65a5f5643", new(M4Settings), &M4Settings{
			RSNonce1: Nonce(unhex(t, "cbd0b10c7b7ce1d450bf48d225195c6e")), KeyWrapAuthenticator: KeyWrapAuthenticator(unhex(t, "6a6a7ea65a5f5643")),
		}},
		{"M5", "10160010a4d44d038b126f7844dd0677a939a463 101e000862faa77be2a822cf", new(M5Settings), &M5Settings{
			ESNonce1: Nonce(unhex(t, "a4d44d038b126f7844dd0677a939a463")), KeyWrapAuthenticator: KeyWrapAuthenticator(unhex(t, "62faa77be2a822cf")),
		}},
		{"M6", "104000109417f6c7c29425b933708d5fa7820f53 101e00086875ee52b318b64d", new(M6Settings), &M6Settings{
			RSNonce2: Nonce(unhex(t, "9417f6c7c29425b933708d5fa7820f53")), KeyWrapAuthenticator: KeyWrapAuthenticator(unhex(t, "6875ee52b318b64d")),
		}},
		{"M7", "101700104444b2352ef410eb5887c6ebde89dec5 101e0008a6190b1ca4a2b57a", new(M7Settings), &M7Settings{
			ESNonce2: Nonce(unhex(t, "4444b2352ef410eb5887c6ebde89dec5")), KeyWrapAuthenticator: KeyWrapAuthenticator(unhex(t, "a6190b1ca4a2b57a")),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, tt.in)
			got, err := decodeAs(in, tt.like)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if d := diff(tt.want, got); d != "" {
				t.Errorf("decode (-want +got):\n%s", d)
			}
			if back := mustEncode(t, got); !bytes.Equal(back, in) {
				t.Errorf("re-encoding differs:\n got %x\nwant %x", back, in)
			}
		})
	}
}

func credentialWithKey(auth AuthType, key []byte) []byte {
	c := Credential{NetworkIndex: 1, SSID: []byte("DIRECT-xy"), AuthenticationType: auth, EncryptionType: EncrAES, MACAddress: sampleMAC}
	b := []byte{}
	for _, a := range []Attribute{
		{AttrNetworkIndex, []byte{c.NetworkIndex}},
		{AttrSSID, c.SSID},
		{AttrAuthenticationType, []byte{byte(auth >> 8), byte(auth)}},
		{AttrEncryptionType, []byte{0, byte(EncrAES)}},
	} {
		b, _ = AppendAttribute(b, a)
	}
	if key != nil {
		b, _ = AppendAttribute(b, Attribute{AttrNetworkKey, key})
	}
	b, _ = AppendAttribute(b, Attribute{AttrMACAddress, sampleMAC[:]})
	return b
}

// TestBadInput20CredentialPassphraseWithControlCharacters is
// docs/bad-input.md 4b #20 (hostap ecbb0b3dc): a Network Key with a newline
// or other control character must never reach a configuration file.
func TestBadInput20CredentialPassphraseWithControlCharacters(t *testing.T) {
	tests := []struct {
		name string
		auth AuthType
		key  string
	}{
		{"newline in WPA2-PSK passphrase", AuthWPA2PSK, "password\nnetwork={"},
		{"carriage return", AuthWPA2PSK, "password\r"},
		{"tab", AuthWPAPSK, "pass\tword"},
		{"NUL-terminated passphrase", AuthWPA2PSK, "password\x00"},
		{"DEL", AuthWPA2PSK, "password\x7f"},
		{"newline with an Enterprise type", AuthWPA2, "secret\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := credentialWithKey(tt.auth, []byte(tt.key))
			if _, err := Decode[Credential](in); !errors.Is(err, ErrInvalid) {
				t.Errorf("Decode[Credential] error = %v, want ErrInvalid", err)
			}
			s := append(mustEncodeAttr(t, AttrCredential, in), mustEncodeAttr(t, AttrKeyWrapAuthenticator, make([]byte, 8))...)
			if _, err := Decode[M8Settings](s); !errors.Is(err, ErrInvalid) {
				t.Errorf("Decode[M8Settings] error = %v, want ErrInvalid", err)
			}
			c := Credential{SSID: []byte("x"), AuthenticationType: tt.auth, EncryptionType: EncrAES, NetworkKey: []byte(tt.key)}
			if _, err := Encode(&c); !errors.Is(err, ErrInvalid) {
				t.Errorf("Encode error = %v, want ErrInvalid", err)
			}
		})
	}
}

func mustEncodeAttr(t *testing.T, typ AttrType, v []byte) []byte {
	t.Helper()
	b, err := AppendAttribute(nil, Attribute{typ, v})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCredentialNetworkKeyRules(t *testing.T) {
	hex64 := strings.Repeat("0123456789abcdeF", 4)
	tests := []struct {
		name string
		auth AuthType
		key  []byte // nil: attribute absent
		want error
	}{
		{"8-octet passphrase", AuthWPA2PSK, []byte("12345678"), nil},
		{"63-octet passphrase", AuthWPA2PSK, []byte(strings.Repeat("p", 63)), nil},
		{"64 hexadecimal digits", AuthWPA2PSK, []byte(hex64), nil},
		{"mixed WPA/WPA2-PSK", AuthWPAPSK | AuthWPA2PSK, []byte("passphrase"), nil},
		{"7-octet passphrase", AuthWPA2PSK, []byte("1234567"), ErrInvalid},
		{"64 octets that are not hexadecimal", AuthWPA2PSK, []byte(strings.Repeat("g", 64)), ErrInvalid},
		{"65 octets", AuthWPA2PSK, []byte(strings.Repeat("a", 65)), ErrInvalid},
		{"empty key for WPA2-PSK", AuthWPA2PSK, []byte{}, ErrInvalid},
		{"no key for WPA2-PSK", AuthWPA2PSK, nil, ErrMissing},
		{"no key for an open network", AuthOpen, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := credentialWithKey(tt.auth, tt.key)
			if tt.auth == AuthOpen {
				in = replaceValue(t, in, AttrEncryptionType, []byte{0, byte(EncrNone)})
			}
			c, err := Decode[Credential](in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode[Credential] error = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			if d := cmp.Diff(tt.key, c.NetworkKey); d != "" {
				t.Errorf("Network Key (-want +got):\n%s", d)
			}
			if back := mustEncode(t, c); !bytes.Equal(back, in) {
				t.Errorf("re-encoding differs:\n got %x\nwant %x", back, in)
			}
		})
	}
}
