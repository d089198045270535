package eapol

import (
	"encoding/binary"
	"fmt"
)

// DescriptorType is the Descriptor Type octet that starts an EAPOL-Key
// packet body (IEEE Std 802.1X-2020, Table 11-5).
type DescriptorType uint8

// Descriptor Type values this package decodes.
const (
	// DescriptorRSN is the IEEE 802.11 key descriptor (IEEE Std 802.11-2020, 12.7.2).
	DescriptorRSN DescriptorType = 2
	// DescriptorWPA is the pre-RSN WPA key descriptor; its layout is the same.
	DescriptorWPA DescriptorType = 254
)

// String names the descriptor type.
func (d DescriptorType) String() string {
	switch d {
	case DescriptorRSN:
		return "RSN"
	case DescriptorWPA:
		return "WPA"
	}
	return fmt.Sprintf("DescriptorType(%d)", uint8(d))
}

// KeyDescriptorVersion is the Key Descriptor Version subfield of Key
// Information (IEEE Std 802.11-2020, 12.7.2): it selects the MIC and Key Data
// encryption algorithms.
type KeyDescriptorVersion uint8

// Key Descriptor Version values.
const (
	// VersionAKMDefined: algorithms defined by the AKM suite (SAE, OWE, FILS, Suite B...).
	VersionAKMDefined KeyDescriptorVersion = 0
	// VersionHMACMD5RC4: HMAC-MD5 MIC, ARC4 Key Data encryption (TKIP).
	VersionHMACMD5RC4 KeyDescriptorVersion = 1
	// VersionHMACSHA1AES: HMAC-SHA1-128 MIC, NIST AES key wrap (CCMP with PSK or 802.1X).
	VersionHMACSHA1AES KeyDescriptorVersion = 2
	// VersionAESCMAC: AES-128-CMAC MIC, NIST AES key wrap (SHA-256 and FT AKMs).
	VersionAESCMAC KeyDescriptorVersion = 3
)

// KeyInfo is the Key Information field of an EAPOL-Key frame
// (IEEE Std 802.11-2020, 12.7.2, Figure 12-33), one field per subfield.
// ParseKeyInfo and Uint16 convert every 16-bit value both ways unchanged.
type KeyInfo struct {
	DescriptorVersion KeyDescriptorVersion // B0–B2: Key Descriptor Version
	Pairwise          bool                 // B3: Key Type (1 = pairwise, 0 = group)
	KeyIndex          uint8                // B4–B5: Key Index (WPA group keys; reserved in RSN)
	Install           bool                 // B6: Install (Tx in a WPA group message)
	Ack               bool                 // B7: Key Ack
	MIC               bool                 // B8: Key MIC
	Secure            bool                 // B9: Secure
	Error             bool                 // B10: Error
	Request           bool                 // B11: Request
	EncryptedKeyData  bool                 // B12: Encrypted Key Data
	SMKMessage        bool                 // B13: SMK Message (PeerKey; reserved since 802.11-2016)
	Reserved          uint8                // B14–B15
}

// Key Information bit positions (IEEE Std 802.11-2020, Figure 12-33).
const (
	infoPairwise  = 1 << 3
	infoInstall   = 1 << 6
	infoAck       = 1 << 7
	infoMIC       = 1 << 8
	infoSecure    = 1 << 9
	infoError     = 1 << 10
	infoRequest   = 1 << 11
	infoEncrypted = 1 << 12
	infoSMK       = 1 << 13
)

// ParseKeyInfo splits a Key Information value into its subfields.
func ParseKeyInfo(v uint16) KeyInfo {
	return KeyInfo{
		DescriptorVersion: KeyDescriptorVersion(v & 7),
		Pairwise:          v&infoPairwise != 0,
		KeyIndex:          uint8(v>>4) & 3,
		Install:           v&infoInstall != 0,
		Ack:               v&infoAck != 0,
		MIC:               v&infoMIC != 0,
		Secure:            v&infoSecure != 0,
		Error:             v&infoError != 0,
		Request:           v&infoRequest != 0,
		EncryptedKeyData:  v&infoEncrypted != 0,
		SMKMessage:        v&infoSMK != 0,
		Reserved:          uint8(v >> 14),
	}
}

// Uint16 packs the subfields into a Key Information value. Subfield values
// wider than their bits are truncated.
func (i KeyInfo) Uint16() uint16 {
	v := uint16(i.DescriptorVersion&7) | uint16(i.KeyIndex&3)<<4 | uint16(i.Reserved&3)<<14
	for _, f := range [...]struct {
		set bool
		bit uint16
	}{
		{i.Pairwise, infoPairwise}, {i.Install, infoInstall}, {i.Ack, infoAck},
		{i.MIC, infoMIC}, {i.Secure, infoSecure}, {i.Error, infoError},
		{i.Request, infoRequest}, {i.EncryptedKeyData, infoEncrypted}, {i.SMKMessage, infoSMK},
	} {
		if f.set {
			v |= f.bit
		}
	}
	return v
}

// String lists the subfields as hostap's debug log does, e.g.
// "ver=2 pairwise install ack mic secure encr".
func (i KeyInfo) String() string {
	s := fmt.Sprintf("ver=%d", i.DescriptorVersion)
	if i.Pairwise {
		s += " pairwise"
	} else {
		s += " group"
	}
	if i.KeyIndex != 0 {
		s += fmt.Sprintf(" idx=%d", i.KeyIndex)
	}
	for _, f := range [...]struct {
		set  bool
		name string
	}{
		{i.Install, "install"}, {i.Ack, "ack"}, {i.MIC, "mic"}, {i.Secure, "secure"},
		{i.Error, "error"}, {i.Request, "request"}, {i.EncryptedKeyData, "encr"}, {i.SMKMessage, "smk"},
	} {
		if f.set {
			s += " " + f.name
		}
	}
	if i.Reserved != 0 {
		s += fmt.Sprintf(" reserved=%d", i.Reserved)
	}
	return s
}

// Lengths of the fixed EAPOL-Key fields (IEEE Std 802.11-2020, Figure 12-32).
const (
	NonceLen = 32 // Key Nonce
	IVLen    = 16 // EAPOL-Key IV
	RSCLen   = 8  // Key RSC
	// DefaultMICLen is the Key MIC length of every AKM with a 128-bit MIC:
	// PSK and 802.1X with CCMP or TKIP, SAE, the SHA-256 AKMs (Table 12-11).
	// Suite B 192-bit and the SHA-384 AKMs use 24, FILS uses 0 (AEAD).
	DefaultMICLen = 16

	// keyFixedLen counts Descriptor Type through Reserved: the octets
	// before the Key MIC field.
	keyFixedLen = 1 + 2 + 2 + 8 + NonceLen + IVLen + RSCLen + 8
	// MICOffset is the offset of the Key MIC field in an EAPOL PDU that
	// carries an EAPOL-Key frame.
	MICOffset = HeaderLen + keyFixedLen
	// MaxMICLen bounds the micLen argument of the decoders (no AKM defines
	// more than 32 octets; 64 leaves room).
	MaxMICLen = 64
	// MaxKeyDataLen is the largest Key Data Length (a 16-bit field).
	MaxKeyDataLen = 0xffff
)

// Key is an EAPOL-Key frame: the body of an EAPOL PDU of type EAPOL-Key
// (IEEE Std 802.11-2020, 12.7.2, Figure 12-32).
//
// The Key MIC field is len(KeyMIC) octets long: the length depends on the
// negotiated AKM, so the decoders take it as an argument (DefaultMICLen for
// PSK with CCMP). KeyData holds the Key Data field as sent, ciphertext when
// EncryptedKeyData is set; ParseKeyData reads the plaintext.
type Key struct {
	DescriptorType DescriptorType // Descriptor Type
	KeyInfo        KeyInfo        // Key Information
	KeyLength      uint16         // Key Length: the pairwise cipher's key length in msg 1/4 and 3/4
	ReplayCounter  uint64         // Key Replay Counter
	KeyNonce       [NonceLen]byte // Key Nonce: ANonce in 1/4 and 3/4, SNonce in 2/4
	KeyIV          [IVLen]byte    // EAPOL-Key IV
	KeyRSC         [RSCLen]byte   // Key RSC: the GTK's receive sequence counter
	Reserved       [8]byte        // Reserved (Key ID in WPA)
	KeyMIC         []byte         // Key MIC
	KeyData        []byte         // Key Data; its length is the Key Data Length field
	// Trailing holds octets after the Key Data that the EAPOL Packet Body
	// Length still covers. hostap and iwd ignore them; they are kept so
	// that encoding gives back the input and so that MICInput covers
	// them as the sender's MIC did.
	Trailing []byte
}

// DecodeKey decodes the EAPOL-Key frame in an EAPOL-Key packet body, whose
// Key MIC field is micLen octets long. It fails with ErrTruncated when the
// body is shorter than the fixed fields or the Key Data Length overruns the
// body, with ErrInvalid for a Descriptor Type other than 2 (RSN) or 254
// (WPA), whose layout this package does not know, and with
// ErrEncryptedWithoutMIC when micLen is not 0 and Encrypted Key Data is set
// without Key MIC, so that no caller can reach such Key Data
// (docs/bad-input.md 4b #26). It checks no other field value: see
// [Key.Classify]. KeyMIC, KeyData and Trailing alias body.
func DecodeKey(body []byte, micLen int) (Key, error) {
	if micLen < 0 || micLen > MaxMICLen {
		return Key{}, fmt.Errorf("eapol: %w: Key MIC length %d", ErrInvalid, micLen)
	}
	if len(body) < 1 {
		return Key{}, fmt.Errorf("eapol: %w: empty EAPOL-Key body", ErrTruncated)
	}
	if d := DescriptorType(body[0]); d != DescriptorRSN && d != DescriptorWPA {
		return Key{}, fmt.Errorf("eapol: %w: EAPOL-Key Descriptor Type %d", ErrInvalid, body[0])
	}
	hdr := keyFixedLen + micLen + 2
	if len(body) < hdr {
		return Key{}, fmt.Errorf("eapol: %w: EAPOL-Key frame has %d of %d octets before Key Data (Key MIC length %d)",
			ErrTruncated, len(body), hdr, micLen)
	}
	n := int(binary.BigEndian.Uint16(body[hdr-2:]))
	if n > len(body)-hdr {
		return Key{}, fmt.Errorf("eapol: %w: Key Data Length %d overruns the %d octets after it", ErrTruncated, n, len(body)-hdr)
	}
	k := Key{
		DescriptorType: DescriptorType(body[0]),
		KeyInfo:        ParseKeyInfo(binary.BigEndian.Uint16(body[1:])),
		KeyLength:      binary.BigEndian.Uint16(body[3:]),
		ReplayCounter:  binary.BigEndian.Uint64(body[5:]),
		KeyMIC:         sub(body, keyFixedLen, keyFixedLen+micLen),
		KeyData:        sub(body, hdr, hdr+n),
		Trailing:       sub(body, hdr+n, len(body)),
	}
	off := 13
	off += copy(k.KeyNonce[:], body[off:])
	off += copy(k.KeyIV[:], body[off:])
	off += copy(k.KeyRSC[:], body[off:])
	copy(k.Reserved[:], body[off:])
	if micLen > 0 && k.KeyInfo.EncryptedKeyData && !k.KeyInfo.MIC {
		return Key{}, fmt.Errorf("eapol: %w (Key Information %v)", ErrEncryptedWithoutMIC, k.KeyInfo)
	}
	return k, nil
}

// Append appends the encoded EAPOL-Key frame (an EAPOL-Key packet body) to
// b. The Key MIC field is len(k.KeyMIC) octets; the Key Data Length field is
// len(k.KeyData). It fails when the Key MIC is longer than MaxMICLen or the
// Key Data longer than MaxKeyDataLen.
func (k Key) Append(b []byte) ([]byte, error) {
	if len(k.KeyMIC) > MaxMICLen {
		return b, fmt.Errorf("eapol: %w: Key MIC of %d octets exceeds %d", ErrInvalid, len(k.KeyMIC), MaxMICLen)
	}
	if len(k.KeyData) > MaxKeyDataLen {
		return b, fmt.Errorf("eapol: %w: Key Data of %d octets exceeds %d", ErrInvalid, len(k.KeyData), MaxKeyDataLen)
	}
	b = append(b, uint8(k.DescriptorType))
	b = binary.BigEndian.AppendUint16(b, k.KeyInfo.Uint16())
	b = binary.BigEndian.AppendUint16(b, k.KeyLength)
	b = binary.BigEndian.AppendUint64(b, k.ReplayCounter)
	b = append(b, k.KeyNonce[:]...)
	b = append(b, k.KeyIV[:]...)
	b = append(b, k.KeyRSC[:]...)
	b = append(b, k.Reserved[:]...)
	b = append(b, k.KeyMIC...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(k.KeyData)))
	b = append(b, k.KeyData...)
	return append(b, k.Trailing...), nil
}

// Len returns the length of the encoded EAPOL-Key frame.
func (k Key) Len() int {
	return keyFixedLen + len(k.KeyMIC) + 2 + len(k.KeyData) + len(k.Trailing)
}

// Encode returns the encoded EAPOL-Key frame; see [Key.Append].
func (k Key) Encode() ([]byte, error) {
	return k.Append(make([]byte, 0, k.Len()))
}

// PDU wraps the encoded frame in an EAPOL PDU of type EAPOL-Key with the
// given Protocol Version.
func (k Key) PDU(version uint8) (PDU, error) {
	body, err := k.Encode()
	if err != nil {
		return PDU{}, err
	}
	if len(body) > MaxBodyLen {
		return PDU{}, fmt.Errorf("eapol: %w: EAPOL-Key frame of %d octets exceeds the packet body limit %d", ErrInvalid, len(body), MaxBodyLen)
	}
	return PDU{Version: version, Type: PacketKey, Body: body}, nil
}

// EncodeKeyFrame returns the EAPOL PDU (header and EAPOL-Key frame) that
// carries k, as sent to the peer and as the MIC covers it.
func EncodeKeyFrame(version uint8, k Key) ([]byte, error) {
	p, err := k.PDU(version)
	if err != nil {
		return nil, err
	}
	return p.Encode()
}

// DecodeKeyFrame decodes an EAPOL PDU that must carry an EAPOL-Key frame
// with a Key MIC of micLen octets. A PDU of another Packet Type fails with
// ErrInvalid (an EAPOL type mismatch).
func DecodeKeyFrame(frame []byte, micLen int) (PDU, Key, error) {
	p, err := DecodePDU(frame)
	if err != nil {
		return PDU{}, Key{}, err
	}
	if p.Type != PacketKey {
		return p, Key{}, fmt.Errorf("eapol: %w: Packet Type %v where EAPOL-Key was expected", ErrInvalid, p.Type)
	}
	k, err := DecodeKey(p.Body, micLen)
	if err != nil {
		return p, Key{}, err
	}
	return p, k, nil
}

// MICInput returns a copy of the EAPOL PDU in frame (header and packet body,
// without the octets after the body) with its Key MIC field of micLen octets
// set to zero: the data the Key MIC is computed over (IEEE Std 802.11-2020,
// 12.7.2, Key MIC). frame must hold an EAPOL-Key frame (see DecodeKeyFrame).
func MICInput(frame []byte, micLen int) ([]byte, error) {
	p, _, err := DecodeKeyFrame(frame, micLen)
	if err != nil {
		return nil, err
	}
	out := make([]byte, HeaderLen+len(p.Body))
	copy(out, frame)
	clear(out[MICOffset : MICOffset+micLen])
	return out, nil
}

// PutMIC writes mic into the Key MIC field of the EAPOL-Key frame carried by
// the EAPOL PDU in frame, in place. The Key MIC field is len(mic) octets.
// frame must hold an EAPOL-Key frame (see DecodeKeyFrame).
func PutMIC(frame, mic []byte) error {
	if _, _, err := DecodeKeyFrame(frame, len(mic)); err != nil {
		return err
	}
	copy(frame[MICOffset:], mic)
	return nil
}
