package eapol

import (
	"errors"
	"testing"
)

// Regression tests named after the rows of docs/bad-input.md, section 4b.

// 4b #26: EAPOL-Key with Encrypted Key Data but no Key MIC (CVE-2018-14526).
func TestBadInput4b26EncryptedKeyDataWithoutMICIsRejected(t *testing.T) {
	for _, k := range []Key{
		// The attack: a forged 3/4 or group 1/2 whose Key Data the victim
		// would unwrap without checking any MIC.
		with(msg3(), func(k *Key) { k.KeyInfo.MIC = false }),
		with(group1(), func(k *Key) { k.KeyInfo.MIC = false }),
		with(msg1(), func(k *Key) {
			k.KeyInfo.EncryptedKeyData = true
			k.KeyData = fill(24, 0xe1)
		}),
		with(msg2(t, false), func(k *Key) {
			k.KeyInfo.MIC = false
			k.KeyInfo.EncryptedKeyData = true
		}),
	} {
		// The decoder refuses the frame as the state machine receives it...
		if _, _, err := DecodeKeyFrame(mustFrame(t, k), DefaultMICLen); !errors.Is(err, ErrEncryptedWithoutMIC) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: DecodeKeyFrame error = %v, want ErrEncryptedWithoutMIC", k.KeyInfo, err)
		}
		// ...and Classify flags a Key built by hand.
		if m, err := k.Classify(); !errors.Is(err, ErrEncryptedWithoutMIC) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%v (%v): Classify error = %v, want ErrEncryptedWithoutMIC", m, k.KeyInfo, err)
		}
	}
	// Without a Key MIC field (FILS, AES-SIV) Encrypted Key Data alone is
	// the protection: the same bits decode.
	k := with(msg4(), func(k *Key) {
		k.KeyMIC = nil
		k.KeyInfo.MIC = false
		k.KeyInfo.EncryptedKeyData = true
		k.KeyData = fill(aeadTagLen, 0xee)
	})
	if _, _, err := DecodeKeyFrame(mustFrame(t, k), 0); err != nil {
		t.Errorf("AEAD 4/4 without Key MIC field: %v", err)
	}
}

// 4b #28: invalid EAPOL-Key field values decode as what they are, and
// Classify flags them so the state machine discards the frame silently.
func TestBadInput4b28InvalidFieldValuesDecodeButAreFlagged(t *testing.T) {
	tests := []struct {
		name string
		key  Key
		want Message
	}{
		{"1/4 with a non-zero Key MIC (forged plaintext msg 1)", with(msg1(), func(k *Key) { k.KeyMIC[0] = 1 }), Message1Of4},
		{"1/4 with Install", with(msg1(), func(k *Key) { k.KeyInfo.Install = true }), Message1Of4},
		{"1/4 with a non-zero Key RSC", with(msg1(), func(k *Key) { k.KeyRSC[7] = 1 }), Message1Of4},
		{"1/4 with non-zero Reserved", with(msg1(), func(k *Key) { k.Reserved[0] = 1 }), Message1Of4},
		{"2/4 with Install", with(msg2(t, false), func(k *Key) { k.KeyInfo.Install = true }), Message2Of4},
		{"2/4 with a non-zero IV", with(msg2(t, false), func(k *Key) { k.KeyIV[0] = 1 }), Message2Of4},
		{"2/4 with Encrypted Key Data", with(msg2(t, false), func(k *Key) {
			k.KeyInfo.EncryptedKeyData = true
			k.KeyData = fill(24, 0xe2)
		}), Message2Of4},
		{"3/4 without Install", with(msg3(), func(k *Key) { k.KeyInfo.Install = false }), Message3Of4},
		{"3/4 without Secure", with(msg3(), func(k *Key) { k.KeyInfo.Secure = false }), Message3Of4},
		{"3/4 with plaintext Key Data", with(msg3(), func(k *Key) { k.KeyInfo.EncryptedKeyData = false }), Message3Of4},
		{"3/4 with Key Length 0", with(msg3(), func(k *Key) { k.KeyLength = 0 }), Message3Of4},
		{"3/4 with wrapped Key Data not a multiple of 8", with(msg3(), func(k *Key) { k.KeyData = fill(41, 0xe3) }), Message3Of4},
		{"3/4 with wrapped Key Data shorter than 24", with(msg3(), func(k *Key) { k.KeyData = fill(16, 0xe3) }), Message3Of4},
		{"4/4 without Secure", with(msg4(), func(k *Key) { k.KeyInfo.Secure = false }), Message4Of4},
		{"4/4 with a Key Nonce", with(msg4(), func(k *Key) { k.KeyNonce[31] = 1 }), Message4Of4},
		{"4/4 with a Key RSC", with(msg4(), func(k *Key) { k.KeyRSC[0] = 1 }), Message4Of4},
		{"group 1/2 without Secure", with(group1(), func(k *Key) { k.KeyInfo.Secure = false }), GroupMessage1Of2},
		{"group 1/2 with plaintext Key Data", with(group1(), func(k *Key) { k.KeyInfo.EncryptedKeyData = false }), GroupMessage1Of2},
		{"group 1/2 with empty Key Data", with(group1(), func(k *Key) {
			k.KeyInfo.EncryptedKeyData = false
			k.KeyData = nil
		}), GroupMessage1Of2},
		{"group 1/2 with Key Length 5", with(group1(), func(k *Key) { k.KeyLength = 5 }), GroupMessage1Of2},
		{"group 2/2 with Key Length 16", with(group2(), func(k *Key) { k.KeyLength = 16 }), GroupMessage2Of2},
		{"group 2/2 with a Key Nonce", with(group2(), func(k *Key) { k.KeyNonce[0] = 1 }), GroupMessage2Of2},
		{"2/4 with a non-zero Key RSC", with(msg2(t, false), func(k *Key) { k.KeyRSC[0] = 1 }), Message2Of4},
		{"2/4 with non-zero Reserved", with(msg2(t, false), func(k *Key) { k.Reserved[7] = 1 }), Message2Of4},
		{"3/4 with non-zero Reserved", with(msg3(), func(k *Key) { k.Reserved[0] = 1 }), Message3Of4},
		{"4/4 with Install", with(msg4(), func(k *Key) { k.KeyInfo.Install = true }), Message4Of4},
		{"4/4 with a non-zero IV", with(msg4(), func(k *Key) { k.KeyIV[15] = 1 }), Message4Of4},
		{"4/4 with non-zero Reserved", with(msg4(), func(k *Key) { k.Reserved[3] = 1 }), Message4Of4},
		{"group 1/2 with non-zero Reserved", with(group1(), func(k *Key) { k.Reserved[3] = 1 }), GroupMessage1Of2},
		{"WPA group 1/2 with empty Key Data", with(group1(), func(k *Key) {
			k.DescriptorType = DescriptorWPA
			k.KeyInfo.EncryptedKeyData = false
			k.KeyInfo.KeyIndex = 1
			k.KeyData = nil
		}), GroupMessage1Of2},
		{"WPA group 2/2 with Tx", with(group2(), func(k *Key) {
			k.DescriptorType = DescriptorWPA
			k.KeyInfo.Install = true
		}), GroupMessage2Of2},
		{"group 2/2 with Encrypted Key Data", with(group2(), func(k *Key) {
			k.KeyInfo.EncryptedKeyData = true
			k.KeyData = fill(24, 0xe6)
		}), GroupMessage2Of2},
		{"group 2/2 with a non-zero IV", with(group2(), func(k *Key) { k.KeyIV[0] = 1 }), GroupMessage2Of2},
		{"group 2/2 with a non-zero Key RSC", with(group2(), func(k *Key) { k.KeyRSC[0] = 1 }), GroupMessage2Of2},
		{"group 2/2 with non-zero Reserved", with(group2(), func(k *Key) { k.Reserved[0] = 1 }), GroupMessage2Of2},
		{"request without Key MIC", with(micFailureReport(), func(k *Key) { k.KeyInfo.MIC = false }), MessageRequest},
		{"request with Install", with(micFailureReport(), func(k *Key) {
			k.KeyInfo.Pairwise = true
			k.KeyInfo.Error = false
			k.KeyInfo.Install = true
		}), MessageRequest},
		{"request with Encrypted Key Data", with(micFailureReport(), func(k *Key) {
			k.KeyInfo.EncryptedKeyData = true
			k.KeyData = fill(24, 0xe7)
		}), MessageRequest},
		{"WPA group 1/2 with Key Index 0", with(group1(), func(k *Key) {
			k.DescriptorType = DescriptorWPA
			k.KeyInfo.EncryptedKeyData = false
		}), GroupMessage1Of2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, k, err := DecodeKeyFrame(mustFrame(t, tc.key), DefaultMICLen)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			m, err := k.Classify()
			if m != tc.want {
				t.Errorf("Classify message = %v, want %v", m, tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Classify error = %v, want ErrInvalid", err)
			}
			if k.Validate() == nil {
				t.Errorf("Validate accepted the frame")
			}
		})
	}
}

// 4b #28 for AKMs without a Key MIC field (FILS): the Key MIC bit has no
// field to cover, and the AES-SIV tag must fit in the Key Data.
func TestBadInput4b28AEADFramesWithInvalidFieldsAreFlagged(t *testing.T) {
	aead := func(k Key) Key {
		k.KeyMIC = nil
		k.KeyInfo.MIC = false
		k.KeyInfo.EncryptedKeyData = true
		k.KeyData = fill(aeadTagLen, 0xee)
		return k
	}
	for name, k := range map[string]Key{
		"Key MIC bit set":               with(aead(msg4()), func(k *Key) { k.KeyInfo.MIC = true }),
		"Key Data shorter than the tag": with(aead(msg4()), func(k *Key) { k.KeyData = fill(15, 0xee) }),
	} {
		_, dec, err := DecodeKeyFrame(mustFrame(t, k), 0)
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if err := dec.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", name, err)
		}
	}
}

// 4b #29: odd Key Information bits (test_ap_wpa2_psk_ext_eapol_key_info)
// and EAPOL type mismatches (test_ap_wpa2_psk_ext_eapol_type_diff).
func TestBadInput4b29OddKeyInfoBitsAreFlagged(t *testing.T) {
	for _, v := range []uint16{
		0x0000, // nothing set: no message
		0xffff, // everything set
		0x2802, // SMK M1
		0x2002, // SMK M3
		0x008c, // Key Descriptor Version 4
		0x008f, // Key Descriptor Version 7
		0x0b8a, // Request with Key Ack
		0x050a, // Error without Request
		0x019a, // Key Index 1 in a pairwise message
		0x13c2, // Install in a group message
		0x0100, // Key MIC in a group message without Secure
	} {
		k := with(msg2(t, false), func(k *Key) { k.KeyInfo = ParseKeyInfo(v) })
		_, dec, err := DecodeKeyFrame(mustFrame(t, k), DefaultMICLen)
		if err != nil {
			t.Fatalf("%#04x: decode: %v", v, err)
		}
		if dec.KeyInfo.Uint16() != v {
			t.Errorf("%#04x decoded as %#04x", v, dec.KeyInfo.Uint16())
		}
		if m, err := dec.Classify(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Key Information %#04x (%v): Classify = %v, %v; want ErrInvalid", v, dec.KeyInfo, m, err)
		}
	}
	// A request with a (wrong) MIC is well-formed: only the MIC check,
	// not the codec, can reject it.
	k := with(msg2(t, false), func(k *Key) { k.KeyInfo = ParseKeyInfo(0x0902) })
	if m, err := k.Classify(); m != MessageRequest || err != nil {
		t.Errorf("0x0902: Classify = %v, %v; want request, nil", m, err)
	}
}

func TestBadInput4b29EAPOLTypeMismatchesAreRejected(t *testing.T) {
	// A Key descriptor inside an EAP-Packet PDU.
	frame := mustFrame(t, msg2(t, false))
	frame[1] = byte(PacketEAP)
	if _, _, err := DecodeKeyFrame(frame, DefaultMICLen); !errors.Is(err, ErrInvalid) {
		t.Errorf("EAP-Packet carrying a Key descriptor: error = %v, want ErrInvalid", err)
	}
	// Descriptor Type 253: dropped.
	frame = mustFrame(t, msg2(t, false))
	frame[HeaderLen] = 253
	if _, _, err := DecodeKeyFrame(frame, DefaultMICLen); !errors.Is(err, ErrInvalid) {
		t.Errorf("Descriptor Type 253: error = %v, want ErrInvalid", err)
	}
	// Descriptor Type 254 decodes (hostap accepts it from RSN peers as an
	// interoperability workaround); the state machine compares it with the
	// negotiated protocol.
	frame = mustFrame(t, msg2(t, false))
	frame[HeaderLen] = byte(DescriptorWPA)
	_, k, err := DecodeKeyFrame(frame, DefaultMICLen)
	if err != nil || k.DescriptorType != DescriptorWPA {
		t.Errorf("Descriptor Type 254: %v, %v", k.DescriptorType, err)
	}
	// A WPA descriptor cannot use AES-128-CMAC or Encrypted Key Data.
	for _, k := range []Key{
		with(msg2(t, false), func(k *Key) {
			k.DescriptorType = DescriptorWPA
			k.KeyInfo.DescriptorVersion = VersionAESCMAC
		}),
		with(msg3(), func(k *Key) { k.DescriptorType = DescriptorWPA }),
		with(msg2(t, false), func(k *Key) { k.DescriptorType = 253 }),
	} {
		if err := k.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v %v: Validate = %v, want ErrInvalid", k.DescriptorType, k.KeyInfo, err)
		}
	}
}

func TestBadInputGTKKDEShorterThanItsHeaderIsTruncated(t *testing.T) {
	for _, data := range [][]byte{nil, {0x01}} {
		if _, err := ParseGTKKDE(data); !errors.Is(err, ErrTruncated) {
			t.Errorf("ParseGTKKDE(%x) error = %v, want ErrTruncated", data, err)
		}
	}
	// The same through Key Data: a GTK KDE element with only OUI and type.
	kd, err := ParseKeyData([]byte{0xdd, 0x05, 0x00, 0x0f, 0xac, 0x01, 0x02})
	if err != nil {
		t.Fatal(err)
	}
	kde, ok := kd.FindKDE(OUIIEEE80211, KDEGTK)
	if !ok {
		t.Fatal("no GTK KDE found")
	}
	if _, err := ParseGTKKDE(kde.Data); !errors.Is(err, ErrTruncated) {
		t.Errorf("one-octet GTK KDE: error = %v, want ErrTruncated", err)
	}
}
