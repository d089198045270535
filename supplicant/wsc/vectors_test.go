package wsc

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// The tests in this file run over the frames captured from real
// wpa_supplicant peers (supplicant/internal/vectors). With no capture they
// skip, unless P2P_REQUIRE_VECTORS=1.

func captureNames(t testing.TB) []string { return vectors.NamesOrSkip(t) }

// wscIE is the WSC IE of one captured management frame.
type wscIE struct {
	frame   int
	subtype uint16 // 4 Probe Request, 5 Probe Response, 8 Beacon
	payload []byte
}

// wscMessage is one reassembled EAP-WSC message.
type wscMessage struct {
	frame int // frame that completed it
	conv  string
	op    eap.OpCode
	data  []byte
}

// capture holds what a capture carries for this package.
type capture struct {
	ies  []wscIE
	msgs []wscMessage
	eap  [][]byte // every EAP packet, 802.11 retransmissions removed
}

// eapolPacket returns the EAP packet of an EAPOL EAP-Packet frame (IEEE
// 802.1X-2020, 11.3). Test-only: the eapol package owns EAPOL.
func eapolPacket(frame []byte) ([]byte, bool) {
	if len(frame) < 4 || frame[1] != 0 {
		return nil, false
	}
	n := int(binary.BigEndian.Uint16(frame[2:]))
	if len(frame)-4 < n {
		return nil, false
	}
	return frame[4 : 4+n], true
}

func loadCapture(t testing.TB, name string) capture {
	t.Helper()
	frames, err := vectors.Load(name)
	if err != nil {
		t.Fatalf("vectors.Load(%s): %v", name, err)
	}
	var c capture
	type seqKey struct {
		ta  string
		seq uint16
	}
	seen := make(map[seqKey]bool)
	reassemblers := make(map[string]*eap.Reassembler)
	for _, f := range frames {
		d := f.Data
		if len(d) < 24 {
			continue
		}
		fc := binary.LittleEndian.Uint16(d)
		typ, sub := (fc>>2)&3, (fc>>4)&0xf
		ta := string(d[10:16])
		k := seqKey{ta, binary.LittleEndian.Uint16(d[22:]) >> 4}
		if fc&0x0800 != 0 && seen[k] { // 802.11 retransmission
			continue
		}
		seen[k] = true
		if typ == 0 && (sub == 4 || sub == 5 || sub == 8) {
			off := 24
			if sub != 4 {
				off += 12 // Timestamp, Beacon Interval, Capability Information
			}
			if len(d) < off {
				t.Fatalf("%s frame %d: management frame of %d octets", name, f.Index, len(d))
			}
			elems, err := ieee80211.ParseElements(d[off:])
			if err != nil {
				t.Fatalf("%s frame %d: ParseElements: %v", name, f.Index, err)
			}
			if p, ok := IEPayload(elems); ok {
				c.ies = append(c.ies, wscIE{frame: f.Index, subtype: sub, payload: p})
			}
			continue
		}
		frame, ok := vectors.EAPOL(d)
		if !ok {
			continue
		}
		pkt, ok := eapolPacket(frame)
		if !ok {
			continue
		}
		c.eap = append(c.eap, pkt)
		p, err := eap.Decode(pkt)
		if err != nil || !p.IsWSC() {
			continue
		}
		w, err := p.WSC()
		if err != nil || w.OpCode == eap.OpFragACK {
			continue
		}
		r := reassemblers[ta]
		if r == nil {
			r = new(eap.Reassembler)
			reassemblers[ta] = r
		}
		op, msg, done, err := r.Add(w)
		if err != nil {
			t.Fatalf("%s frame %d: reassembly: %v", name, f.Index, err)
		}
		if done && len(msg) > 0 {
			pair := []string{fmt.Sprintf("%x", d[4:10]), fmt.Sprintf("%x", d[10:16])}
			slices.Sort(pair)
			c.msgs = append(c.msgs, wscMessage{frame: f.Index, conv: strings.Join(pair, "-"), op: op, data: msg})
		}
	}
	return c
}

// captureNotes reads the capture's description (name.txt) if there is one.
func captureNotes(name string) string {
	b, _ := vectors.File(strings.TrimSuffix(name, ".pcap") + ".txt")
	return string(b)
}

var (
	reDeviceName    = regexp.MustCompile(`device name "([^"]*)"`)
	reConfigMethods = regexp.MustCompile(`config_methods ((?:[a-z_]+ ?)+);`)
	reConnect       = regexp.MustCompile(`p2p_connect \S+ (pbc|[0-9]{8} display|[0-9]{8} keypad)[^\n]*go_intent=([0-9]+)`)
	reSSID          = regexp.MustCompile(`ssid="([^"]*)"`)
	rePSK           = regexp.MustCompile(`psk=([0-9a-f]{64})`)
	rePassphrase    = regexp.MustCompile(`passphrase="([^"]*)"`)
)

// wpaConfigMethods maps wpa_supplicant's config_methods names to bits.
var wpaConfigMethods = map[string]ConfigMethods{
	"usba": ConfigUSBA, "ethernet": ConfigEthernet, "label": ConfigLabel, "display": ConfigDisplay,
	"ext_nfc_token": ConfigExternalNFCToken, "int_nfc_token": ConfigIntegratedNFCToken, "nfc_interface": ConfigNFCInterface,
	"push_button": ConfigPushButton, "keypad": ConfigKeypad, "virtual_display": ConfigVirtualDisplay,
	"physical_display": ConfigPhysicalDisplay, "virtual_push_button": ConfigVirtualPushButton,
	"physical_push_button": ConfigPhysicalPushButton, "p2ps": ConfigP2PS,
}

func allMatches(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestCapturedWSCIEsDecodeAndReencode(t *testing.T) {
	for _, name := range captureNames(t) {
		t.Run(name, func(t *testing.T) {
			c := loadCapture(t, name)
			notes := captureNotes(name)
			names := allMatches(reDeviceName, notes)
			var methods ConfigMethods
			if m := reConfigMethods.FindStringSubmatch(notes); m != nil {
				for _, w := range strings.Fields(m[1]) {
					methods |= wpaConfigMethods[w]
				}
			}
			seenNames := make(map[string]bool)
			for _, ie := range c.ies {
				var got Container
				var err error
				var devName *string
				var cm *ConfigMethods
				switch ie.subtype {
				case 4:
					var m *ProbeRequest
					if m, err = Decode[ProbeRequest](ie.payload); err == nil {
						got, devName, cm = m, m.DeviceName, &m.ConfigMethods
					}
				case 5:
					var m *ProbeResponse
					if m, err = Decode[ProbeResponse](ie.payload); err == nil {
						got, devName = m, &m.DeviceName
						if m.ResponseType == ResponseEnrolleeInfo { // a P2P Device, not a GO
							cm = &m.ConfigMethods
						}
					}
				case 8:
					var m *Beacon
					if m, err = Decode[Beacon](ie.payload); err == nil {
						got, devName = m, m.DeviceName
					}
				}
				if err != nil {
					t.Errorf("frame %d (subtype %d): %v\n%x", ie.frame, ie.subtype, err, ie.payload)
					continue
				}
				if back := mustEncode(t, got); !bytes.Equal(back, ie.payload) {
					t.Errorf("frame %d: re-encoding differs:\n got %x\nwant %x", ie.frame, back, ie.payload)
				}
				if _, ok := WFA(got.(interface{ vendor() []VendorExtension }).vendor()); !ok {
					t.Errorf("frame %d: no WFA Vendor Extension (Version2)", ie.frame)
				}
				if devName == nil || len(names) == 0 {
					continue
				}
				seenNames[*devName] = true
				// wpa_supplicant's group interfaces use " " for their own WSC device data.
				if *devName != " " && !slices.Contains(names, *devName) {
					t.Errorf("frame %d: Device Name %q, want one of %q", ie.frame, *devName, names)
				}
				if cm != nil && *devName != " " && methods != 0 && *cm != methods {
					t.Errorf("frame %d: Config Methods 0x%04x, want 0x%04x (%s)", ie.frame, uint16(*cm), uint16(methods), reConfigMethods.FindString(notes))
				}
			}
			// In discovery every device searches, so every one is heard.
			if strings.HasPrefix(name, "discovery") {
				for _, n := range names {
					if !seenNames[n] {
						t.Errorf("no WSC IE carries Device Name %q", n)
					}
				}
			}
		})
	}
}

func (m *ProbeRequest) vendor() []VendorExtension  { return m.VendorExtensions }
func (m *ProbeResponse) vendor() []VendorExtension { return m.VendorExtensions }
func (m *Beacon) vendor() []VendorExtension        { return m.VendorExtensions }

func TestCapturedRegistrationProtocolDecodesInOrder(t *testing.T) {
	full := []MessageType{
		MessageTypeM1, MessageTypeM2, MessageTypeM3, MessageTypeM4, MessageTypeM5,
		MessageTypeM6, MessageTypeM7, MessageTypeM8, MessageTypeWSCDone,
	}
	for _, name := range captureNames(t) {
		t.Run(name, func(t *testing.T) {
			c := loadCapture(t, name)
			notes := captureNotes(name)
			// The Device Password ID in M1 and M2 follows the method of the
			// side that becomes the P2P client (the Enrollee): PushButton for
			// pbc, Registrar-specified when it types the GO's PIN (keypad),
			// Default when it displays its own.
			wantPasswordID := -1
			for _, m := range reConnect.FindAllStringSubmatch(notes, -1) {
				switch {
				case m[1] == "pbc":
					wantPasswordID = int(PasswordPushButton)
				case m[2] != "0":
					continue
				case strings.HasSuffix(m[1], "keypad"):
					wantPasswordID = int(PasswordRegistrarSpecified)
				case strings.HasSuffix(m[1], "display"):
					wantPasswordID = int(PasswordDefault)
				}
			}
			convs := make(map[string][]MessageType)
			var order []string
			for _, wm := range c.msgs {
				m, err := DecodeMessage(wm.data)
				if err != nil {
					t.Errorf("frame %d (%v): DecodeMessage: %v\n%x", wm.frame, wm.op, err, wm.data)
					continue
				}
				if back := mustEncode(t, m); !bytes.Equal(back, wm.data) {
					t.Errorf("frame %d: %v re-encoding differs:\n got %x\nwant %x", wm.frame, m.MessageType(), back, wm.data)
				}
				wantOp := map[MessageType]eap.OpCode{MessageTypeWSCDone: eap.OpDone, MessageTypeWSCACK: eap.OpACK, MessageTypeWSCNACK: eap.OpNACK}[m.MessageType()]
				if wantOp == 0 {
					wantOp = eap.OpMsg
				}
				if wm.op != wantOp {
					t.Errorf("frame %d: %v in %v, want %v", wm.frame, m.MessageType(), wm.op, wantOp)
				}
				if _, ok := convs[wm.conv]; !ok {
					order = append(order, wm.conv)
				}
				convs[wm.conv] = append(convs[wm.conv], m.MessageType())
				switch m := m.(type) {
				case *M1:
					if wantPasswordID >= 0 && int(m.DevicePasswordID) != wantPasswordID {
						t.Errorf("frame %d: M1 Device Password ID %d, want %d", wm.frame, m.DevicePasswordID, wantPasswordID)
					}
					if w, ok := WFA(m.VendorExtensions); !ok || w.Version2 < 0x20 {
						t.Errorf("frame %d: M1 without Version2", wm.frame)
					}
				case *M2:
					if wantPasswordID >= 0 && int(m.DevicePasswordID) != wantPasswordID {
						t.Errorf("frame %d: M2 Device Password ID %d, want %d", wm.frame, m.DevicePasswordID, wantPasswordID)
					}
					if names := allMatches(reDeviceName, notes); m.DeviceName != " " && len(names) > 0 && !slices.Contains(names, m.DeviceName) {
						t.Errorf("frame %d: M2 Device Name %q, want one of %q", wm.frame, m.DeviceName, names)
					}
				}
				if m.MessageType() >= MessageTypeM2 && m.MessageType() <= MessageTypeM8 && m.MessageType() != MessageTypeM2D {
					if _, _, err := SplitAuthenticator(wm.data); err != nil {
						t.Errorf("frame %d: %v: SplitAuthenticator: %v", wm.frame, m.MessageType(), err)
					}
				}
			}
			for _, conv := range order {
				got := convs[conv]
				ok := len(got) <= len(full) && slices.Equal(got, full[:len(got)])
				if n := len(got); !ok && n > 0 && got[n-1] == MessageTypeWSCNACK {
					ok = slices.Equal(got[:n-1], full[:n-1])
				}
				if !ok {
					t.Errorf("conversation %s: messages %v, want a prefix of %v", conv, got, full)
				}
				if strings.Contains(notes, "WPS-SUCCESS") && !slices.Equal(got, full) {
					t.Errorf("conversation %s: messages %v, want %v (the capture reports WPS-SUCCESS)", conv, got, full)
				}
			}
			if strings.Contains(notes, "WPS-SUCCESS") && len(order) == 0 {
				t.Errorf("the capture reports WPS-SUCCESS but holds no registration protocol")
			}
		})
	}
}

var reDecrypted = regexp.MustCompile(`WPS: Decrypted Encrypted Settings - hexdump\(len=\d+\):((?: [0-9a-f]{2})+)`)

// TestCapturedEncryptedSettingsDecode decodes the Encrypted Settings
// plaintext that wpa_supplicant logged (-K) during the captures.
func TestCapturedEncryptedSettingsDecode(t *testing.T) {
	for _, name := range captureNames(t) {
		keys, err := vectors.File(strings.TrimSuffix(name, ".pcap") + ".keys.txt")
		if err != nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			notes := captureNotes(name)
			ssids := allMatches(reSSID, notes)
			keysWanted := append(allMatches(rePSK, notes), allMatches(rePassphrase, notes)...)
			n := 0
			for _, m := range reDecrypted.FindAllStringSubmatch(string(keys), -1) {
				plain, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
				if err != nil || len(plain) == 0 {
					t.Fatalf("bad hexdump %q", m[1])
				}
				pad := int(plain[len(plain)-1]) // PKCS#5
				if pad == 0 || pad > 16 || pad > len(plain) {
					t.Fatalf("bad padding in %x", plain)
				}
				plain = plain[:len(plain)-pad]
				attrs, err := ParseAttributes(plain)
				if err != nil || len(attrs) == 0 {
					t.Fatalf("ParseAttributes(%x): %v", plain, err)
				}
				var like Container
				switch attrs[0].Type {
				case AttrRSNonce1:
					like = new(M4Settings)
				case AttrESNonce1:
					like = new(M5Settings)
				case AttrRSNonce2:
					like = new(M6Settings)
				case AttrESNonce2:
					like = new(M7Settings)
				case AttrCredential:
					like = new(M8Settings)
				default:
					t.Errorf("plaintext opens with %v: %x", attrs[0].Type, plain)
					continue
				}
				got, err := decodeAs(plain, like)
				if err != nil {
					t.Errorf("decode %T: %v\n%x", like, err, plain)
					continue
				}
				n++
				if back := mustEncode(t, got); !bytes.Equal(back, plain) {
					t.Errorf("%T re-encoding differs:\n got %x\nwant %x", got, back, plain)
				}
				if _, _, err := SplitKeyWrapAuthenticator(plain); err != nil {
					t.Errorf("%T: SplitKeyWrapAuthenticator: %v", got, err)
				}
				if s, ok := got.(*M8Settings); ok {
					for _, cred := range s.Credentials {
						if len(ssids) > 0 && !slices.Contains(ssids, string(cred.SSID)) {
							t.Errorf("Credential SSID %q, want one of %q", cred.SSID, ssids)
						}
						if len(keysWanted) > 0 && !slices.Contains(keysWanted, string(cred.NetworkKey)) {
							t.Errorf("Credential Network Key %q, want one of %q", cred.NetworkKey, keysWanted)
						}
						if cred.AuthenticationType != AuthWPA2PSK || cred.EncryptionType != EncrAES {
							t.Errorf("Credential %v/%v, want WPA2-PSK/AES", cred.AuthenticationType, cred.EncryptionType)
						}
					}
				}
			}
			if n == 0 && strings.Contains(notes, "WPS-SUCCESS") {
				t.Errorf("no Encrypted Settings in the keys log of a successful registration")
			}
		})
	}
}

func TestCapturedRegistrationFailsOnAnyTruncation(t *testing.T) {
	for _, name := range captureNames(t) {
		c := loadCapture(t, name)
		for _, wm := range c.msgs {
			for _, cut := range []int{1, 4, len(wm.data) / 2} {
				if cut >= len(wm.data) {
					continue
				}
				_, err := DecodeMessage(wm.data[:len(wm.data)-cut])
				if err == nil {
					t.Errorf("%s frame %d: message cut by %d octets decodes", name, wm.frame, cut)
				}
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMissing) && !errors.Is(err, ErrInvalid) {
					t.Errorf("%s frame %d: cut by %d: error %v is no sentinel", name, wm.frame, cut, err)
				}
			}
		}
	}
}
