package eapol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDescriptorTypeStringNamesRSNAndWPA(t *testing.T) {
	for d, want := range map[DescriptorType]string{DescriptorRSN: "RSN", DescriptorWPA: "WPA", 253: "DescriptorType(253)"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint8(d), got, want)
		}
	}
}

func TestKeyInfoRoundTripsEvery16BitValue(t *testing.T) {
	for v := range 1 << 16 {
		if got := ParseKeyInfo(uint16(v)).Uint16(); got != uint16(v) {
			t.Fatalf("ParseKeyInfo(%#04x).Uint16() = %#04x", v, got)
		}
	}
}

func TestKeyInfoNamesTheBitsOfEachMessage(t *testing.T) {
	tests := []struct {
		v    uint16
		want KeyInfo
		str  string
	}{
		{0x008a, KeyInfo{DescriptorVersion: 2, Pairwise: true, Ack: true}, "ver=2 pairwise ack"},
		{0x010a, KeyInfo{DescriptorVersion: 2, Pairwise: true, MIC: true}, "ver=2 pairwise mic"},
		{0x13ca, KeyInfo{DescriptorVersion: 2, Pairwise: true, Install: true, Ack: true, MIC: true, Secure: true,
			EncryptedKeyData: true}, "ver=2 pairwise install ack mic secure encr"},
		{0x030a, KeyInfo{DescriptorVersion: 2, Pairwise: true, MIC: true, Secure: true}, "ver=2 pairwise mic secure"},
		{0x1382, KeyInfo{DescriptorVersion: 2, Ack: true, MIC: true, Secure: true, EncryptedKeyData: true},
			"ver=2 group ack mic secure encr"},
		{0x0302, KeyInfo{DescriptorVersion: 2, MIC: true, Secure: true}, "ver=2 group mic secure"},
		{0x0f02, KeyInfo{DescriptorVersion: 2, MIC: true, Secure: true, Error: true, Request: true},
			"ver=2 group mic secure error request"},
		{0x03a1, KeyInfo{DescriptorVersion: 1, KeyIndex: 2, Ack: true, MIC: true, Secure: true},
			"ver=1 group idx=2 ack mic secure"},
		{0xffff, KeyInfo{DescriptorVersion: 7, Pairwise: true, KeyIndex: 3, Install: true, Ack: true, MIC: true,
			Secure: true, Error: true, Request: true, EncryptedKeyData: true, SMKMessage: true, Reserved: 3},
			"ver=7 pairwise idx=3 install ack mic secure error request encr smk reserved=3"},
	}
	for _, tc := range tests {
		got := ParseKeyInfo(tc.v)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParseKeyInfo(%#04x) (-want +got):\n%s", tc.v, d)
		}
		if s := got.String(); s != tc.str {
			t.Errorf("ParseKeyInfo(%#04x).String() = %q, want %q", tc.v, s, tc.str)
		}
	}
}

func TestDecodeKeyReadsEveryFieldOfMessage3(t *testing.T) {
	const frame = "" +
		"0203" + "0097" + // EAPOL version 2, EAPOL-Key, body 151
		"02" + "13ca" + "0010" + // RSN, Key Information, Key Length 16
		"0000000000000002" + // Key Replay Counter
		"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1" + // Key Nonce
		"00000000000000000000000000000000" + // EAPOL-Key IV
		"0100000000000000" + // Key RSC
		"0000000000000000" + // Reserved
		"33333333333333333333333333333333" + // Key MIC
		"0038" + // Key Data Length 56
		"e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3" +
		"e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3"
	b, err := hex.DecodeString(frame)
	if err != nil {
		t.Fatal(err)
	}
	p, k, err := DecodeKeyFrame(b, DefaultMICLen)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(PDU{Version: 2, Type: PacketKey, Body: b[4:]}, p); d != "" {
		t.Errorf("PDU (-want +got):\n%s", d)
	}
	if d := cmp.Diff(msg3(), k); d != "" {
		t.Errorf("Key (-want +got):\n%s", d)
	}
	if got := mustFrame(t, msg3()); !bytes.Equal(got, b) {
		t.Errorf("EncodeKeyFrame(msg3) =\n%x\nwant\n%x", got, b)
	}
}

func TestKeyRoundTripsEachMessageKind(t *testing.T) {
	tests := []struct {
		name string
		key  Key
		want Message
	}{
		{"1/4", msg1(), Message1Of4},
		{"1/4 with PMKID KDE", with(msg1(), func(k *Key) {
			k.KeyData, _ = PMKIDKDE([PMKIDLen]byte{1, 2, 3}).Append(nil)
		}), Message1Of4},
		{"1/4 of a PTK rekey (Secure)", with(msg1(), func(k *Key) { k.KeyInfo.Secure = true }), Message1Of4},
		{"2/4", msg2(t, false), Message2Of4},
		{"2/4 with IP Address Request KDE", msg2(t, true), Message2Of4},
		{"2/4 of a PTK rekey (Secure)", with(msg2(t, false), func(k *Key) { k.KeyInfo.Secure = true }), Message2Of4},
		{"3/4", msg3(), Message3Of4},
		{"4/4", msg4(), Message4Of4},
		{"group 1/2", group1(), GroupMessage1Of2},
		{"group 2/2", group2(), GroupMessage2Of2},
		{"MIC failure report", micFailureReport(), MessageRequest},
		{"PTK rekey request", with(micFailureReport(), func(k *Key) {
			k.KeyInfo.Error = false
			k.KeyInfo.Pairwise = true
		}), MessageRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.key.Classify()
			if err != nil || m != tc.want {
				t.Errorf("Classify = %v, %v; want %v, nil", m, err, tc.want)
			}
			frame := mustFrame(t, tc.key)
			p, got, err := DecodeKeyFrame(frame, DefaultMICLen)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.key, got); d != "" {
				t.Errorf("decode(encode(k)) (-want +got):\n%s", d)
			}
			if len(p.Body) != tc.key.Len() {
				t.Errorf("body %d octets, Len() = %d", len(p.Body), tc.key.Len())
			}
		})
	}
}

func TestDecodeKeyTakesTheMICLengthOfTheAKM(t *testing.T) {
	for _, micLen := range []int{0, 16, 24, 32} {
		k := with(msg4(), func(k *Key) {
			k.KeyMIC = fill(micLen, 0x44)
			if micLen == 0 { // FILS: AES-SIV, no Key MIC
				k.KeyMIC = nil
				k.KeyInfo.MIC = false
				k.KeyInfo.EncryptedKeyData = true
				k.KeyData = fill(aeadTagLen, 0xee)
			}
		})
		body, err := k.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if want := keyFixedLen + micLen + 2 + len(k.KeyData); len(body) != want {
			t.Errorf("MIC %d: body %d octets, want %d", micLen, len(body), want)
		}
		got, err := DecodeKey(body, micLen)
		if err != nil {
			t.Fatalf("MIC %d: %v", micLen, err)
		}
		if d := cmp.Diff(k, got); d != "" {
			t.Errorf("MIC %d (-want +got):\n%s", micLen, d)
		}
		if m, err := got.Classify(); m != Message4Of4 || err != nil {
			t.Errorf("MIC %d: Classify = %v, %v", micLen, m, err)
		}
	}
}

func TestDecodeKeyKeepsOctetsAfterKeyData(t *testing.T) {
	body, err := msg4().Encode()
	if err != nil {
		t.Fatal(err)
	}
	body = append(body, 0xde, 0xad)
	k, err := DecodeKey(body, DefaultMICLen)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]byte{0xde, 0xad}, k.Trailing); d != "" {
		t.Errorf("Trailing (-want +got):\n%s", d)
	}
	if enc, _ := k.Encode(); !bytes.Equal(enc, body) {
		t.Errorf("re-encoding lost the trailing octets")
	}
}

func TestDecodeKeyRejectsKeyDataLengthOverrunningTheFrame(t *testing.T) {
	body, err := msg2(t, false).Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{1, 10, len(msg2(t, false).KeyData)} {
		_, err := DecodeKey(body[:len(body)-cut], DefaultMICLen)
		if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), "Key Data Length") {
			t.Errorf("cut %d: error = %v, want ErrTruncated about Key Data Length", cut, err)
		}
	}
	// A Key Data Length of 0xffff in a frame of minimal size.
	body, _ = msg4().Encode()
	body[keyFixedLen+DefaultMICLen] = 0xff
	body[keyFixedLen+DefaultMICLen+1] = 0xff
	if _, err := DecodeKey(body, DefaultMICLen); !errors.Is(err, ErrTruncated) {
		t.Errorf("Key Data Length 0xffff: error = %v, want ErrTruncated", err)
	}
}

func TestDecodeKeyRejectsEveryTruncationOfAFrame(t *testing.T) {
	for _, k := range []Key{msg1(), msg2(t, true), msg3(), group1()} {
		frame := mustFrame(t, k)
		for n := range len(frame) {
			// Cut the buffer, and also claim the cut length in the header
			// so that DecodeKey itself sees the short body.
			cut := append([]byte(nil), frame[:n]...)
			if _, _, err := DecodeKeyFrame(cut, DefaultMICLen); !errors.Is(err, ErrTruncated) {
				t.Fatalf("%v cut to %d: error = %v, want ErrTruncated", k.Message(), n, err)
			}
			if n >= HeaderLen {
				cut[2], cut[3] = byte((n-HeaderLen)>>8), byte(n-HeaderLen)
				if _, _, err := DecodeKeyFrame(cut, DefaultMICLen); !errors.Is(err, ErrTruncated) {
					t.Fatalf("%v body cut to %d: error = %v, want ErrTruncated", k.Message(), n-HeaderLen, err)
				}
			}
		}
	}
}

func TestDecodeKeyRejectsUnknownDescriptorTypesAndMICLengths(t *testing.T) {
	body, err := msg2(t, false).Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []byte{0, 1, 3, 253, 255} {
		b := append([]byte(nil), body...)
		b[0] = d
		if _, err := DecodeKey(b, DefaultMICLen); !errors.Is(err, ErrInvalid) {
			t.Errorf("Descriptor Type %d: error = %v, want ErrInvalid", d, err)
		}
	}
	b := append([]byte(nil), body...)
	b[0] = byte(DescriptorWPA)
	if k, err := DecodeKey(b, DefaultMICLen); err != nil || k.DescriptorType != DescriptorWPA {
		t.Errorf("WPA descriptor: %v, %v", k.DescriptorType, err)
	}
	for _, m := range []int{-1, MaxMICLen + 1} {
		if _, err := DecodeKey(body, m); !errors.Is(err, ErrInvalid) {
			t.Errorf("MIC length %d: error = %v, want ErrInvalid", m, err)
		}
	}
}

func TestKeyEncodeRejectsOversizedFields(t *testing.T) {
	if _, err := with(msg2(t, false), func(k *Key) { k.KeyData = make([]byte, MaxKeyDataLen+1) }).Encode(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Key Data 65536: error = %v", err)
	}
	if _, err := with(msg2(t, false), func(k *Key) { k.KeyMIC = make([]byte, MaxMICLen+1) }).Encode(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Key MIC 65: error = %v", err)
	}
	// The Key Data fits its field but not the EAPOL packet body.
	if _, err := with(msg2(t, false), func(k *Key) { k.KeyData = make([]byte, MaxKeyDataLen) }).PDU(2); !errors.Is(err, ErrInvalid) {
		t.Errorf("body over 65535: error = %v", err)
	}
}

func TestMICInputZeroesOnlyTheKeyMICAndDropsPadding(t *testing.T) {
	k := msg2(t, true)
	frame := append(mustFrame(t, k), 0, 0, 0) // Ethernet padding
	got, err := MICInput(frame, DefaultMICLen)
	if err != nil {
		t.Fatal(err)
	}
	want := mustFrame(t, with(k, func(k *Key) { k.KeyMIC = make([]byte, DefaultMICLen) }))
	if !bytes.Equal(got, want) {
		t.Errorf("MICInput =\n%x\nwant\n%x", got, want)
	}
	if !bytes.Equal(frame[MICOffset:MICOffset+DefaultMICLen], k.KeyMIC) {
		t.Errorf("MICInput modified its input")
	}
}

func TestPutMICWritesTheKeyMICInPlace(t *testing.T) {
	k := with(msg2(t, false), func(k *Key) { k.KeyMIC = make([]byte, DefaultMICLen) })
	frame := mustFrame(t, k)
	mic := fill(DefaultMICLen, 0x5a)
	if err := PutMIC(frame, mic); err != nil {
		t.Fatal(err)
	}
	_, got, err := DecodeKeyFrame(frame, DefaultMICLen)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(with(k, func(k *Key) { k.KeyMIC = mic }), got); d != "" {
		t.Errorf("after PutMIC (-want +got):\n%s", d)
	}
	if err := PutMIC(frame[:MICOffset+4], mic); !errors.Is(err, ErrTruncated) {
		t.Errorf("PutMIC on a short frame: %v", err)
	}
}

func TestMICInputRejectsNonKeyPDUs(t *testing.T) {
	if _, err := MICInput(readTestdata(t, "eap-req-identity.dat"), DefaultMICLen); !errors.Is(err, ErrInvalid) {
		t.Errorf("MICInput(EAP-Packet) error = %v, want ErrInvalid", err)
	}
}
