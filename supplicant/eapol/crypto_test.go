package eapol

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Known-answer vectors. Sources:
//   - PMK: IEEE Std 802.11-2020, Annex J.4.2 (pass-phrase to PSK mapping test
//     vectors), as hostap src/crypto/crypto_module_tests.c and iwd
//     unit/test-crypto.c carry them.
//   - PRF: IEEE Std 802.11-2020, Annex J.3 (PRF test vectors, PRF-512 with
//     the label "prefix"), as hostap src/crypto/crypto_module_tests.c carries
//     them.
//   - PTK: the IEEE 802.11 pairwise key derivation vector (PMK of the J.4
//     "ThisIsAPassword" case, AA a0:a1:a1:a3:a4:a5, SPA b0:…:b5) and two
//     vectors from captures, as iwd unit/test-crypto.c carries them (TKIP
//     there: PRF-512, whose first 48 octets are the CCMP PRF-384 PTK).
//   - AES key wrap: RFC 3394, section 4 (4.1 to 4.6).

func TestPMKFromPassphraseMatchesAnnexJ4Vectors(t *testing.T) {
	for _, tc := range []struct {
		passphrase, ssid, pmk string
	}{
		{"password", "IEEE", "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"},
		{"ThisIsAPassword", "ThisIsASSID", "0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af"},
		{strings.Repeat("a", 32), strings.Repeat("Z", 32), "becb93866bb8c3832cb777c2f559807c8c59afcb6eae734885001300a981cc62"},
	} {
		got, err := PMKFromPassphrase(tc.passphrase, []byte(tc.ssid))
		if err != nil {
			t.Fatalf("PMKFromPassphrase(%q, %q): %v", tc.passphrase, tc.ssid, err)
		}
		if diff := cmp.Diff(unhex(t, tc.pmk), got); diff != "" {
			t.Errorf("PMKFromPassphrase(%q, %q) (-want +got):\n%s", tc.passphrase, tc.ssid, diff)
		}
	}
}

func TestPMKFromPassphraseRejectsWhatAnnexJ4DoesNotAllow(t *testing.T) {
	for name, tc := range map[string]struct {
		passphrase string
		ssid       []byte
	}{
		"7 characters":            {"1234567", []byte("DIRECT-xy")},
		"64 characters":           {strings.Repeat("a", 64), []byte("DIRECT-xy")},
		"a control character":     {"pass\nword", []byte("DIRECT-xy")},
		"a non-ASCII character":   {"passwörd", []byte("DIRECT-xy")},
		"an SSID of 33 octets":    {"password", bytes.Repeat([]byte("x"), 33)},
		"DEL (127) in the phrase": {"password\x7f", []byte("DIRECT-xy")},
	} {
		if _, err := PMKFromPassphrase(tc.passphrase, tc.ssid); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestPRFMatchesAnnexJ3Vectors(t *testing.T) {
	for _, tc := range []struct {
		key, data []byte
		want      string
	}{
		{bytes.Repeat([]byte{0x0b}, 20), []byte("Hi There"),
			"bcd4c650b30b9684951829e0d75f9d54b862175ed9f00606e17d8da35402ffee" +
				"75df78c3d31e0f889f012120c0862beb67753e7439ae242edb8373698356cf5a"},
		{[]byte("Jefe"), []byte("what do ya want for nothing?"),
			"51f4de5b33f249adf81aeb713a3c20f4fe631446fabdfa58244759ae58ef9009" +
				"a99abf4eac2ca5fa87e692c440eb40023e7babb206d61de7b92f41529092b8fc"},
		{bytes.Repeat([]byte{0xaa}, 20), bytes.Repeat([]byte{0xdd}, 50),
			"e1ac546ec4cb636f9976487be5c86be17a0252ca5d8d8df12cfb0473525249ce" +
				"9dd8d177ead710bc9b590547239107aef7b4abd43d87f0a68f1cbd9e2b6f7607"},
	} {
		want := unhex(t, tc.want)
		if diff := cmp.Diff(want, PRF(tc.key, "prefix", tc.data, 512)); diff != "" {
			t.Errorf("PRF-512(%x) (-want +got):\n%s", tc.key, diff)
		}
		// A shorter PRF is a prefix of a longer one.
		if diff := cmp.Diff(want[:48], PRF(tc.key, "prefix", tc.data, 384)); diff != "" {
			t.Errorf("PRF-384(%x) is not the first 48 octets of PRF-512 (-want +got):\n%s", tc.key, diff)
		}
	}
}

func TestPRFPanicsOnALengthThatIsNotWholeOctets(t *testing.T) {
	for _, bits := range []int{0, -8, 383} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("PRF with %d bits did not panic", bits)
				}
			}()
			PRF([]byte("k"), "l", nil, bits)
		}()
	}
}

func mac(t testing.TB, s string) ieee80211.MAC {
	t.Helper()
	m, err := ieee80211.ParseMAC(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func nonceHex(t testing.TB, s string) (n [NonceLen]byte) {
	t.Helper()
	if copy(n[:], unhex(t, s)) != NonceLen {
		t.Fatalf("nonce %s is not 32 octets", s)
	}
	return n
}

func TestDerivePTKMatchesPairwiseKeyDerivationVectors(t *testing.T) {
	for _, tc := range []struct {
		name           string
		pmk, aa, spa   string
		sNonce, aNonce string
		kck, kek, tk   string // empty: not given by the source
	}{
		{
			name: "IEEE 802.11 vector, CCMP",
			pmk:  "0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af",
			aa:   "a0:a1:a1:a3:a4:a5", spa: "b0:b1:b2:b3:b4:b5",
			sNonce: "c0c1c2c3c4c5c6c7c8c9d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5",
			aNonce: "e0e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405",
			kck:    "379f9852d0199236b94e407ce4c00ec8",
			kek:    "47c9edc01c2c6e5b4910caddfb3e51a7",
			tk:     "b2360c79e9710fdd58bea93deaf06599",
		},
		{
			name: "iwd capture vector 3",
			pmk:  "9e9988bde2cba74395c0289ffda07bc41ffa889a3309237a2240c934bcdc7ddb",
			aa:   "00:0c:41:d2:94:fb", spa: "00:0d:3a:26:10:fb",
			sNonce: "893ee551214557fff3c076ac977915a2060727038e9bea9b6619a5bab40f89c1",
			aNonce: "dabdc104d457411aee338c00fa8a1f32abfc6cfb794360adce3afb5d159a51f6",
			kck:    "ccbf97a82b5c51a44325a77e9bc57050",
			kek:    "daec5438430f00eb893d84d8b4b4b5e8",
			tk:     "19f4dce0cc5f2166e94fdb3eaf68eb76",
		},
		{
			name: "iwd capture vector 4",
			pmk:  "6fe857c0b742dfc2da8a1fe8b1b4b4628d9fbbb060826b83cb43b64b13e103e8",
			aa:   "00:14:6c:7e:40:80", spa: "00:13:46:fe:32:0c",
			sNonce: "59168bc3a5df18d71efb6423f340088dab9e1ba2bbc58659e07b3764b0de8570",
			aNonce: "225854b0444de3af06d1492b852984f04cf6274c0e3218b8681756864db7a055",
			kck:    "9a75ef0bde7c209ccae13f54b1b33ea3",
			kek:    "fa0166166e30811f1baaff8d1c1ac163",
			tk:     "82a49b50b86088c5cb793b542661a28a",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ptk, err := DerivePTK(unhex(t, tc.pmk), mac(t, tc.aa), mac(t, tc.spa),
				nonceHex(t, tc.aNonce), nonceHex(t, tc.sNonce), 16)
			if err != nil {
				t.Fatal(err)
			}
			want := PTK{KCK: unhex(t, tc.kck), KEK: unhex(t, tc.kek), TK: unhex(t, tc.tk)}
			if diff := cmp.Diff(want, ptk); diff != "" {
				t.Errorf("PTK (-want +got):\n%s", diff)
			}
			// The derivation is symmetric: Min/Max order the inputs.
			swapped, err := DerivePTK(unhex(t, tc.pmk), mac(t, tc.spa), mac(t, tc.aa),
				nonceHex(t, tc.sNonce), nonceHex(t, tc.aNonce), 16)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ptk, swapped); diff != "" {
				t.Errorf("PTK with the roles swapped differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDerivePTKRejectsAShortPMKAndOddTKLengths(t *testing.T) {
	var n [NonceLen]byte
	if _, err := DerivePTK(make([]byte, 16), ieee80211.MAC{}, ieee80211.MAC{}, n, n, 16); !errors.Is(err, ErrInvalid) {
		t.Errorf("16-octet PMK: err = %v, want ErrInvalid", err)
	}
	if _, err := DerivePTK(make([]byte, 32), ieee80211.MAC{}, ieee80211.MAC{}, n, n, 5); !errors.Is(err, ErrInvalid) {
		t.Errorf("TK length 5: err = %v, want ErrInvalid", err)
	}
	ptk, err := DerivePTK(bytes.Repeat([]byte{1}, 32), ieee80211.MAC{1}, ieee80211.MAC{2}, n, n, 32)
	if err != nil || len(ptk.KCK) != 16 || len(ptk.KEK) != 16 || len(ptk.TK) != 32 {
		t.Errorf("256-bit TK: PTK parts of %d/%d/%d octets, %v", len(ptk.KCK), len(ptk.KEK), len(ptk.TK), err)
	}
}

// rfc3394 are the test vectors of RFC 3394, section 4.
var rfc3394 = []struct {
	section         string
	kek, key, wrapd string
}{
	{"4.1", "000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
		"1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"},
	{"4.2", "000102030405060708090a0b0c0d0e0f1011121314151617", "00112233445566778899aabbccddeeff",
		"96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d"},
	{"4.3", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "00112233445566778899aabbccddeeff",
		"64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7"},
	{"4.4", "000102030405060708090a0b0c0d0e0f1011121314151617", "00112233445566778899aabbccddeeff0001020304050607",
		"031d33264e15d33268f24ec260743edce1c6c7ddee725a936ba814915c6762d2"},
	{"4.5", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "00112233445566778899aabbccddeeff0001020304050607",
		"a8f9bc1612c68b3ff6e6f4fbe30e71e4769c8b80a32cb8958cd5d17d6b254da1"},
	{"4.6", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
		"28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"},
}

func TestKeyWrapMatchesRFC3394Vectors(t *testing.T) {
	for _, tc := range rfc3394 {
		got, err := KeyWrap(unhex(t, tc.kek), unhex(t, tc.key))
		if err != nil {
			t.Fatalf("RFC 3394 %s: %v", tc.section, err)
		}
		if diff := cmp.Diff(unhex(t, tc.wrapd), got); diff != "" {
			t.Errorf("RFC 3394 %s wrap (-want +got):\n%s", tc.section, diff)
		}
	}
}

func TestKeyUnwrapMatchesRFC3394Vectors(t *testing.T) {
	for _, tc := range rfc3394 {
		got, err := KeyUnwrap(unhex(t, tc.kek), unhex(t, tc.wrapd))
		if err != nil {
			t.Fatalf("RFC 3394 %s: %v", tc.section, err)
		}
		if diff := cmp.Diff(unhex(t, tc.key), got); diff != "" {
			t.Errorf("RFC 3394 %s unwrap (-want +got):\n%s", tc.section, diff)
		}
	}
}

func TestKeyUnwrapFailsOnEveryFlippedBitAndTheWrongKEK(t *testing.T) {
	tc := rfc3394[0]
	kek, wrapped := unhex(t, tc.kek), unhex(t, tc.wrapd)
	for i := range 8 * len(wrapped) {
		c := bytes.Clone(wrapped)
		c[i/8] ^= 1 << (i % 8)
		if p, err := KeyUnwrap(kek, c); !errors.Is(err, ErrKeyUnwrap) || p != nil {
			t.Fatalf("bit %d flipped: %x, %v; want ErrKeyUnwrap and no plaintext", i, p, err)
		}
	}
	other := bytes.Clone(kek)
	other[0] ^= 0x80
	if _, err := KeyUnwrap(other, wrapped); !errors.Is(err, ErrKeyUnwrap) || !errors.Is(err, ErrInvalid) {
		t.Errorf("wrong KEK: err = %v, want ErrKeyUnwrap wrapping ErrInvalid", err)
	}
}

func TestKeyWrapAndUnwrapRejectBadLengths(t *testing.T) {
	kek := make([]byte, 16)
	for _, n := range []int{0, 8, 15, 17, 23} {
		if _, err := KeyWrap(kek, make([]byte, n)); !errors.Is(err, ErrInvalid) {
			t.Errorf("KeyWrap of %d octets: err = %v, want ErrInvalid", n, err)
		}
	}
	for _, n := range []int{0, 8, 16, 23, 25} {
		if _, err := KeyUnwrap(kek, make([]byte, n)); !errors.Is(err, ErrInvalid) {
			t.Errorf("KeyUnwrap of %d octets: err = %v, want ErrInvalid", n, err)
		}
	}
	for _, n := range []int{0, 15, 33} {
		if _, err := KeyWrap(make([]byte, n), make([]byte, 16)); !errors.Is(err, ErrInvalid) {
			t.Errorf("KeyWrap with a %d-octet KEK: err = %v, want ErrInvalid", n, err)
		}
		if _, err := KeyUnwrap(make([]byte, n), make([]byte, 24)); !errors.Is(err, ErrInvalid) {
			t.Errorf("KeyUnwrap with a %d-octet KEK: err = %v, want ErrInvalid", n, err)
		}
	}
}

func TestEncryptKeyDataPadsWrapsAndDecryptsBack(t *testing.T) {
	kek := bytes.Repeat([]byte{0x42}, 16)
	gtk, err := GTKKDE{KeyID: 1, GTK: fill(16, 0x99)}.KDE().Element()
	if err != nil {
		t.Fatal(err)
	}
	kd := KeyData{Elements: []ieee80211.Element{{ID: ieee80211.ElemRSN, Data: rsneBody}, gtk}}
	enc, err := EncryptKeyData(kek, kd)
	if err != nil {
		t.Fatal(err)
	}
	// 22 + 24 = 46 octets, padded with dd 00 to 48, wrapped to 56.
	if len(enc) != 56 {
		t.Errorf("encrypted Key Data of %d octets, want 56", len(enc))
	}
	got, err := DecryptKeyData(kek, enc)
	if err != nil {
		t.Fatal(err)
	}
	want := KeyData{Elements: kd.Elements, Padding: []byte{0xdd, 0x00}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decrypted Key Data (-want +got):\n%s", diff)
	}
}

func TestMICIsHMACSHA1128OverThePDUWithAZeroMICField(t *testing.T) {
	kck := bytes.Repeat([]byte{0x5a}, 16)
	f := mustFrame(t, msg2(t, true))
	f = append(f, 0, 0, 0) // Ethernet padding is not covered
	if err := SetMIC(kck, f); err != nil {
		t.Fatal(err)
	}
	if !CheckMIC(kck, f) {
		t.Fatal("CheckMIC rejects the MIC SetMIC wrote")
	}
	f2 := bytes.Clone(f)
	f2[len(f2)-1] = 0xff
	if !CheckMIC(kck, f2) {
		t.Error("CheckMIC covers the octets after the packet body")
	}
	for _, off := range []int{0, 5, MICOffset - 1, MICOffset, len(f) - 4} {
		c := bytes.Clone(f)
		c[off] ^= 1
		if CheckMIC(kck, c) {
			t.Errorf("CheckMIC accepts the frame with octet %d changed", off)
		}
	}
	if CheckMIC(kck, f[:MICOffset]) {
		t.Error("CheckMIC accepts a truncated frame")
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestGenerateGTKRefusesAnAllZeroDrawAndOddLengths(t *testing.T) {
	if _, err := GenerateGTK(zeroReader{}, 16); !errors.Is(err, ErrZeroKey) {
		t.Errorf("all-zero draw: err = %v, want ErrZeroKey", err)
	}
	if _, err := GenerateGTK(bytes.NewReader(fill(64, 7)), 20); !errors.Is(err, ErrInvalid) {
		t.Errorf("20-octet GTK: err = %v, want ErrInvalid", err)
	}
	if _, err := GenerateGTK(bytes.NewReader(fill(8, 7)), 16); err == nil {
		t.Error("short random source: no error")
	}
	g, err := GenerateGTK(bytes.NewReader(fill(16, 7)), 16)
	if err != nil || !bytes.Equal(g, fill(16, 7)) {
		t.Errorf("GenerateGTK = %x, %v", g, err)
	}
}

func TestGenerateNonceReadsThirtyTwoOctets(t *testing.T) {
	n, err := GenerateNonce(bytes.NewReader(fill(40, 3)))
	if err != nil || n != nonce(3) {
		t.Errorf("GenerateNonce = %x, %v", n, err)
	}
	if _, err := GenerateNonce(bytes.NewReader(fill(31, 3))); err == nil {
		t.Error("31-octet source: no error")
	}
}

func TestCipherKeyLenKnowsTheCCMPAndGCMPSuites(t *testing.T) {
	for s, want := range map[ieee80211.Suite]int{
		ieee80211.CipherCCMP128: 16, ieee80211.CipherGCMP128: 16,
		ieee80211.CipherCCMP256: 32, ieee80211.CipherGCMP256: 32,
		ieee80211.CipherTKIP: 0, ieee80211.CipherWEP40: 0,
	} {
		if got, ok := CipherKeyLen(s); got != want || ok != (want != 0) {
			t.Errorf("CipherKeyLen(%v) = %d, %v; want %d", s, got, ok, want)
		}
	}
}
