package eapol

import (
	"testing"
)

func TestMessageClassifiesFromTheKeyInformationBits(t *testing.T) {
	tests := []struct {
		name string
		key  Key
		want Message
	}{
		{"1/4", msg1(), Message1Of4},
		{"2/4", msg2(t, false), Message2Of4},
		{"3/4", msg3(), Message3Of4},
		{"4/4", msg4(), Message4Of4},
		{"group 1/2", group1(), GroupMessage1Of2},
		{"group 2/2", group2(), GroupMessage2Of2},
		{"request", micFailureReport(), MessageRequest},
		{"2/4 and 4/4 differ by Key Data only once Secure is set",
			with(msg2(t, false), func(k *Key) { k.KeyInfo.Secure = true }), Message2Of4},
		{"pairwise, no Key Ack, no Key MIC", with(msg4(), func(k *Key) { k.KeyInfo.MIC = false }), MessageUnknown},
		{"group, Key Ack, no Key MIC", with(group1(), func(k *Key) {
			k.KeyInfo.MIC = false
			k.KeyInfo.EncryptedKeyData = false
		}), MessageUnknown},
		{"group, no Key Ack, no Key MIC", with(group2(), func(k *Key) { k.KeyInfo.MIC = false }), MessageUnknown},
		{"all bits clear", Key{DescriptorType: DescriptorRSN, KeyMIC: make([]byte, 16)}, MessageUnknown},
	}
	for _, tc := range tests {
		if got := tc.key.Message(); got != tc.want {
			t.Errorf("%s: Message() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMessageFromAuthenticatorIsTheKeyAckMessages(t *testing.T) {
	for m, want := range map[Message]bool{
		Message1Of4: true, Message2Of4: false, Message3Of4: true, Message4Of4: false,
		GroupMessage1Of2: true, GroupMessage2Of2: false, MessageRequest: false, MessageUnknown: false,
	} {
		if got := m.FromAuthenticator(); got != want {
			t.Errorf("%v.FromAuthenticator() = %v", m, got)
		}
	}
}

func TestClassifyAcceptsWPADescriptorMessages(t *testing.T) {
	wpa := func(k Key) Key {
		k.DescriptorType = DescriptorWPA
		k.KeyInfo.EncryptedKeyData = false // reserved in WPA
		return k
	}
	tests := []struct {
		name string
		key  Key
		want Message
	}{
		{"1/4", wpa(msg1()), Message1Of4},
		{"2/4", wpa(msg2(t, false)), Message2Of4},
		{"3/4 with plaintext WPA IE, no Secure", wpa(with(msg3(), func(k *Key) {
			k.KeyInfo.Secure = false
			k.KeyData = []byte{0xdd, 0x06, 0x00, 0x50, 0xf2, 0x01, 0x01, 0x00}
		})), Message3Of4},
		{"4/4 without Secure", wpa(with(msg4(), func(k *Key) { k.KeyInfo.Secure = false })), Message4Of4},
		{"group 1/2 with Key Index 1 and RC4", wpa(with(group1(), func(k *Key) {
			k.KeyInfo.DescriptorVersion = VersionHMACMD5RC4
			k.KeyInfo.KeyIndex = 1
			k.KeyLength = 32
			k.KeyData = fill(32, 0xe5)
		})), GroupMessage1Of2},
	}
	for _, tc := range tests {
		if m, err := tc.key.Classify(); m != tc.want || err != nil {
			t.Errorf("%s: Classify = %v, %v; want %v, nil", tc.name, m, err, tc.want)
		}
	}
}

func TestClassifyAcceptsAEADFramesWithoutKeyMIC(t *testing.T) {
	// FILS protects the frame with AES-SIV: no Key MIC field, Encrypted
	// Key Data set, the Key Data ends with a 16-octet tag.
	fils := func(k Key, data int) Key {
		k.KeyInfo.DescriptorVersion = VersionAKMDefined
		k.KeyInfo.MIC = false
		k.KeyInfo.EncryptedKeyData = true
		k.KeyMIC = nil
		k.KeyData = fill(data, 0xee)
		return k
	}
	tests := []struct {
		name string
		key  Key
		want Message
	}{
		{"2/4", fils(msg2(t, false), 16+22), Message2Of4},
		{"3/4", fils(msg3(), 16+40), Message3Of4},
		{"4/4", fils(msg4(), 16), Message4Of4},
		{"group 1/2", fils(group1(), 16+24), GroupMessage1Of2},
		{"group 2/2", fils(group2(), 16), GroupMessage2Of2},
	}
	for _, tc := range tests {
		if m, err := tc.key.Classify(); m != tc.want || err != nil {
			t.Errorf("%s: Classify = %v, %v; want %v, nil", tc.name, m, err, tc.want)
		}
	}
}

func TestMessageStringUsesHostapNames(t *testing.T) {
	for m, want := range map[Message]string{
		Message1Of4: "1/4", Message4Of4: "4/4", GroupMessage1Of2: "group 1/2", GroupMessage2Of2: "group 2/2",
		MessageRequest: "request", MessageUnknown: "unknown",
	} {
		if got := m.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
