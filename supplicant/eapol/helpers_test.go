package eapol

import (
	"bytes"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Frames as a hostapd GO and a wpa_supplicant P2P Client exchange them with
// WPA2-PSK and CCMP: Key Descriptor Version 2, 16-octet Key MIC.

func fill(n int, v byte) []byte { return bytes.Repeat([]byte{v}, n) }

func nonce(v byte) (n [NonceLen]byte) {
	copy(n[:], fill(NonceLen, v))
	return n
}

// rsneBody is the RSNE body of a WPA2-PSK/CCMP P2P group.
var rsneBody = []byte{0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04,
	0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x0c, 0x00}

func msg1() Key {
	return Key{
		DescriptorType: DescriptorRSN,
		KeyInfo:        KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Pairwise: true, Ack: true},
		KeyLength:      16,
		ReplayCounter:  1,
		KeyNonce:       nonce(0xa1),
		KeyMIC:         make([]byte, DefaultMICLen),
	}
}

func msg2(t testing.TB, ipRequest bool) Key {
	t.Helper()
	kd := KeyData{Elements: []ieee80211.Element{{ID: ieee80211.ElemRSN, Data: rsneBody}}}
	if ipRequest {
		e, err := IPAddressRequestKDE().Element()
		if err != nil {
			t.Fatal(err)
		}
		kd.Elements = append(kd.Elements, e)
	}
	data, err := kd.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return Key{
		DescriptorType: DescriptorRSN,
		KeyInfo:        KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Pairwise: true, MIC: true},
		ReplayCounter:  1,
		KeyNonce:       nonce(0xb2),
		KeyMIC:         fill(DefaultMICLen, 0x22),
		KeyData:        data,
	}
}

func msg3() Key {
	return Key{
		DescriptorType: DescriptorRSN,
		KeyInfo: KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Pairwise: true, Install: true, Ack: true,
			MIC: true, Secure: true, EncryptedKeyData: true},
		KeyLength:     16,
		ReplayCounter: 2,
		KeyNonce:      nonce(0xa1),
		KeyRSC:        [RSCLen]byte{1},
		KeyMIC:        fill(DefaultMICLen, 0x33),
		KeyData:       fill(56, 0xe3), // AES-wrapped RSNE + GTK KDE + padding
	}
}

func msg4() Key {
	return Key{
		DescriptorType: DescriptorRSN,
		KeyInfo:        KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Pairwise: true, MIC: true, Secure: true},
		ReplayCounter:  2,
		KeyMIC:         fill(DefaultMICLen, 0x44),
	}
}

func group1() Key {
	return Key{
		DescriptorType: DescriptorRSN,
		KeyInfo: KeyInfo{DescriptorVersion: VersionHMACSHA1AES, Ack: true, MIC: true, Secure: true,
			EncryptedKeyData: true},
		ReplayCounter: 3,
		KeyRSC:        [RSCLen]byte{5},
		KeyMIC:        fill(DefaultMICLen, 0x55),
		KeyData:       fill(32, 0xe5), // AES-wrapped GTK KDE + padding
	}
}

func group2() Key {
	return Key{
		DescriptorType: DescriptorRSN,
		KeyInfo:        KeyInfo{DescriptorVersion: VersionHMACSHA1AES, MIC: true, Secure: true},
		ReplayCounter:  3,
		KeyMIC:         fill(DefaultMICLen, 0x66),
	}
}

// micFailureReport is the request a supplicant sends on a Michael MIC failure.
func micFailureReport() Key {
	return Key{
		DescriptorType: DescriptorRSN,
		KeyInfo: KeyInfo{DescriptorVersion: VersionHMACSHA1AES, MIC: true, Secure: true, Error: true,
			Request: true},
		ReplayCounter: 4,
		KeyMIC:        fill(DefaultMICLen, 0x77),
	}
}

// with returns k after f changed it (f gets a copy).
func with(k Key, f func(*Key)) Key {
	f(&k)
	return k
}

// mustFrame encodes k as an EAPOL PDU of version 2.
func mustFrame(t testing.TB, k Key) []byte {
	t.Helper()
	b, err := EncodeKeyFrame(Version2004, k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
