package eapol

import (
	"fmt"
)

// ErrEncryptedWithoutMIC reports an EAPOL-Key frame with the Encrypted Key
// Data bit set and the Key MIC bit clear while the AKM uses a Key MIC. Such a
// frame must be ignored before its Key Data is decrypted: decrypting
// unauthenticated Key Data made wpa_supplicant a decryption oracle
// (CVE-2018-14526, docs/bad-input.md 4b #26). DecodeKey and Key.Classify
// return it; it wraps ErrInvalid.
var ErrEncryptedWithoutMIC = fmt.Errorf("%w: Encrypted Key Data without Key MIC", ErrInvalid)

// Message names an EAPOL-Key frame's place in the key handshakes
// (IEEE Std 802.11-2020, 12.7.6 4-way handshake, 12.7.7 group key handshake).
type Message uint8

// Message kinds.
const (
	MessageUnknown   Message = iota // Key Information bits that match no message
	Message1Of4                     // 4-way handshake message 1, authenticator to supplicant
	Message2Of4                     // 4-way handshake message 2, supplicant to authenticator
	Message3Of4                     // 4-way handshake message 3, authenticator to supplicant
	Message4Of4                     // 4-way handshake message 4, supplicant to authenticator
	GroupMessage1Of2                // group key handshake message 1, authenticator to supplicant
	GroupMessage2Of2                // group key handshake message 2, supplicant to authenticator
	MessageRequest                  // EAPOL-Key request (rekey request or MIC failure report, 12.7.2)
)

// String names the message as hostap's log does ("1/4", "group 1/2"...).
func (m Message) String() string {
	switch m {
	case Message1Of4:
		return "1/4"
	case Message2Of4:
		return "2/4"
	case Message3Of4:
		return "3/4"
	case Message4Of4:
		return "4/4"
	case GroupMessage1Of2:
		return "group 1/2"
	case GroupMessage2Of2:
		return "group 2/2"
	case MessageRequest:
		return "request"
	}
	return "unknown"
}

// FromAuthenticator reports whether the authenticator sends this message
// (Key Ack set): 1/4, 3/4 and group 1/2.
func (m Message) FromAuthenticator() bool {
	return m == Message1Of4 || m == Message3Of4 || m == GroupMessage1Of2
}

// Message classifies the frame from its Key Information bits, the way
// hostap dispatches received frames (rsn_supp/wpa.c wpa_sm_rx_eapol,
// ap/wpa_auth.c wpa_receive):
//
//   - Request set: MessageRequest.
//   - Pairwise with Key Ack: 3/4 when Key MIC (or Encrypted Key Data) is set,
//     else 1/4.
//   - Pairwise without Key Ack, authenticated (Key MIC, or Encrypted Key
//     Data when the AKM has no Key MIC): 4/4 when the Key Data is empty (or
//     is only the 16-octet AEAD tag), else 2/4. Message 2 and 4 differ in
//     no bit once a PTK is in place (a supplicant sets Secure in 2/4 when
//     rekeying), so the Key Data decides.
//   - Group with Key Ack, authenticated: group 1/2; without Key Ack: group 2/2.
//
// Anything else is MessageUnknown. Message does not check the other bits
// and fields; use Classify before acting on a frame.
func (k Key) Message() Message {
	i := k.KeyInfo
	aead := len(k.KeyMIC) == 0
	authenticated := i.MIC || (aead && i.EncryptedKeyData)
	switch {
	case i.Request:
		return MessageRequest
	case i.Pairwise && i.Ack:
		if i.MIC || i.EncryptedKeyData {
			return Message3Of4
		}
		return Message1Of4
	case i.Pairwise:
		if !authenticated {
			return MessageUnknown
		}
		if len(k.KeyData) == 0 || (aead && i.EncryptedKeyData && len(k.KeyData) == aeadTagLen) {
			return Message4Of4
		}
		return Message2Of4
	case !authenticated:
		return MessageUnknown
	case i.Ack:
		return GroupMessage1Of2
	default:
		return GroupMessage2Of2
	}
}

// aeadTagLen is the AES-SIV tag that an AEAD-protected (FILS) Key Data
// field carries even when its plaintext is empty.
const aeadTagLen = 16

// Classify names the message (see [Key.Message]) and checks that its Key
// Information bits and fields hold the values IEEE Std 802.11-2020 12.7.2 and
// 12.7.6/12.7.7 give for that message, as hostap and iwd check them on
// receipt. A frame that fails must be silently discarded without aborting
// the handshake (docs/bad-input.md 4b #28, #29). The error wraps ErrInvalid
// (and ErrEncryptedWithoutMIC for 4b #26); the Message is returned even then.
//
// Classify checks only what the frame itself shows: the replay counter,
// nonces, MIC and the negotiated protocol (Descriptor Type, Key Descriptor
// Version) are the state machine's to check. It accepts Secure in 1/4 and
// 2/4, which a PTK rekey sets.
func (k Key) Classify() (Message, error) {
	m := k.Message()
	if err := k.checkCommon(); err != nil {
		return m, err
	}
	return m, k.checkMessage(m)
}

// Validate is Classify without the message name.
func (k Key) Validate() error {
	_, err := k.Classify()
	return err
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("eapol: %w: "+format, append([]any{ErrInvalid}, args...)...)
}

// checkCommon checks the rules that hold for every message.
func (k Key) checkCommon() error {
	i := k.KeyInfo
	rsn := k.DescriptorType == DescriptorRSN
	switch {
	case !rsn && k.DescriptorType != DescriptorWPA:
		return invalid("Descriptor Type %d", uint8(k.DescriptorType))
	case i.DescriptorVersion > VersionAESCMAC:
		return invalid("Key Descriptor Version %d", i.DescriptorVersion)
	case !rsn && i.DescriptorVersion != VersionHMACMD5RC4 && i.DescriptorVersion != VersionHMACSHA1AES:
		return invalid("Key Descriptor Version %d in a WPA descriptor", i.DescriptorVersion)
	case len(k.KeyMIC) > 0 && i.EncryptedKeyData && !i.MIC:
		return fmt.Errorf("eapol: %w", ErrEncryptedWithoutMIC)
	case len(k.KeyMIC) == 0 && i.MIC:
		return invalid("Key MIC bit set but the AKM has no Key MIC field")
	case i.SMKMessage:
		return invalid("SMK Message bit set (PeerKey is not supported)")
	case !rsn && i.EncryptedKeyData:
		return invalid("Encrypted Key Data bit set in a WPA descriptor")
	case i.Request && i.Ack:
		return invalid("Request and Key Ack both set")
	case i.Error && !i.Request:
		return invalid("Error bit set without Request")
	case i.Pairwise && i.KeyIndex != 0:
		return invalid("Key Index %d in a pairwise message", i.KeyIndex)
	case rsn && i.Install && !i.Pairwise:
		return invalid("Install bit set in a group message")
	}
	if i.EncryptedKeyData {
		n := len(k.KeyData)
		switch {
		case len(k.KeyMIC) == 0:
			if n < aeadTagLen {
				return invalid("AEAD-encrypted Key Data of %d octets is shorter than its tag", n)
			}
		case i.DescriptorVersion != VersionHMACMD5RC4:
			// AES key wrap of at least 16 padded octets (12.7.2).
			if n < 24 || n%8 != 0 {
				return invalid("AES-wrapped Key Data of %d octets (want a multiple of 8, at least 24)", n)
			}
		}
	}
	return nil
}

// checkMessage checks the bits and fields 12.7.6 and 12.7.7 fix for message m.
func (k Key) checkMessage(m Message) error {
	i := k.KeyInfo
	rsn := k.DescriptorType == DescriptorRSN
	aead := len(k.KeyMIC) == 0
	var why string
	switch m {
	case MessageUnknown:
		why = "Key Information bits match no message"
	case Message1Of4:
		switch {
		case i.Install:
			why = "Install set"
		case !isZero(k.KeyMIC):
			why = "non-zero Key MIC"
		case !isZero(k.KeyRSC[:]):
			why = "non-zero Key RSC"
		case !isZero(k.Reserved[:]):
			why = "non-zero Reserved"
		}
	case Message2Of4:
		switch {
		case i.Install:
			why = "Install set"
		case i.EncryptedKeyData && !aead:
			why = "Encrypted Key Data set"
		case !isZero(k.KeyIV[:]):
			why = "non-zero EAPOL-Key IV"
		case !isZero(k.KeyRSC[:]):
			why = "non-zero Key RSC"
		case !isZero(k.Reserved[:]):
			why = "non-zero Reserved"
		}
	case Message3Of4:
		// Install may be 0 only with No Pairwise, which P2P never uses.
		switch {
		case !i.Install:
			why = "Install clear"
		case rsn && !i.Secure:
			why = "Secure clear"
		case rsn && !i.EncryptedKeyData:
			why = "Key Data not encrypted"
		case k.KeyLength != 16 && k.KeyLength != 32:
			why = fmt.Sprintf("Key Length %d", k.KeyLength)
		case !isZero(k.Reserved[:]):
			why = "non-zero Reserved"
		}
	case Message4Of4:
		switch {
		case i.Install:
			why = "Install set"
		case rsn && !i.Secure:
			why = "Secure clear"
		case i.EncryptedKeyData && !aead:
			why = "Encrypted Key Data set"
		case !isZero(k.KeyNonce[:]):
			why = "non-zero Key Nonce"
		case !isZero(k.KeyIV[:]):
			why = "non-zero EAPOL-Key IV"
		case !isZero(k.KeyRSC[:]):
			why = "non-zero Key RSC"
		case !isZero(k.Reserved[:]):
			why = "non-zero Reserved"
		}
	case GroupMessage1Of2:
		switch {
		case !i.Secure:
			why = "Secure clear"
		case rsn && !i.EncryptedKeyData:
			why = "Key Data not encrypted"
		case !rsn && i.KeyIndex == 0:
			why = "Key Index 0 in a WPA group message"
		case len(k.KeyData) == 0:
			why = "empty Key Data"
		case k.KeyLength != 0 && k.KeyLength != 16 && k.KeyLength != 32:
			why = fmt.Sprintf("Key Length %d", k.KeyLength)
		case !isZero(k.Reserved[:]):
			why = "non-zero Reserved"
		}
	case GroupMessage2Of2:
		switch {
		case i.Install:
			why = "Install set"
		case !i.Secure:
			why = "Secure clear"
		case i.EncryptedKeyData && !aead:
			why = "Encrypted Key Data set"
		case rsn && k.KeyLength != 0:
			why = fmt.Sprintf("Key Length %d", k.KeyLength)
		case !isZero(k.KeyNonce[:]):
			why = "non-zero Key Nonce"
		case !isZero(k.KeyIV[:]):
			why = "non-zero EAPOL-Key IV"
		case !isZero(k.KeyRSC[:]):
			why = "non-zero Key RSC"
		case !isZero(k.Reserved[:]):
			why = "non-zero Reserved"
		}
	case MessageRequest:
		switch {
		case !i.MIC && !aead:
			why = "Key MIC clear"
		case i.Install:
			why = "Install set"
		case i.EncryptedKeyData && !aead:
			why = "Encrypted Key Data set"
		}
	}
	if why != "" {
		return invalid("EAPOL-Key %v (%v): %s", m, i, why)
	}
	return nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
