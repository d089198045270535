package eapol

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readTestdata returns a file under testdata.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// splitMessages splits a hostap fuzzing .msg file: a sequence of messages,
// each a 2-octet big-endian length followed by that many octets.
func splitMessages(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			t.Fatalf("corpus: %d stray octets", len(b))
		}
		n := int(binary.BigEndian.Uint16(b))
		if n > len(b)-2 {
			t.Fatalf("corpus: message of %d octets, %d remain", n, len(b)-2)
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out
}

// corpusFrames returns every EAPOL frame of the copied hostap corpus,
// by file name.
func corpusFrames(t testing.TB) map[string][][]byte {
	t.Helper()
	return map[string][][]byte{
		"eapol-key-supp-auth.msg": splitMessages(t, readTestdata(t, "eapol-key-supp-auth.msg")),
		"eapol-key-auth-supp.msg": splitMessages(t, readTestdata(t, "eapol-key-auth-supp.msg")),
		"eapol-key-m1.dat":        {readTestdata(t, "eapol-key-m1.dat")},
		"eap-req-identity.dat":    {readTestdata(t, "eap-req-identity.dat")},
		"eap-req-sim.dat":         {readTestdata(t, "eap-req-sim.dat")},
	}
}

// summary is what the corpus test checks of each frame.
type summary struct {
	Type          PacketType
	Message       Message
	ReplayCounter uint64
	KeyDataLen    int
}

func TestHostapCorpusFramesDecodeClassifyAndReencodeExactly(t *testing.T) {
	want := map[string][]summary{
		// The authenticator's side of two 4-way handshakes.
		"eapol-key-supp-auth.msg": {
			{PacketKey, Message1Of4, 1, 0},
			{PacketKey, Message3Of4, 2, 0x58},
			{PacketKey, Message1Of4, 3, 0},
			{PacketKey, Message3Of4, 4, 0x58},
		},
		// The supplicant's side: 2/4 and 4/4, a PTK rekey request
		// (Request, Secure, Key MIC), then 2/4 and 4/4 again.
		"eapol-key-auth-supp.msg": {
			{PacketKey, Message2Of4, 1, 22},
			{PacketKey, Message4Of4, 2, 0},
			{PacketKey, MessageRequest, 0, 0},
			{PacketKey, Message2Of4, 3, 22},
			{PacketKey, Message4Of4, 5, 0},
		},
		"eapol-key-m1.dat":     {{PacketKey, Message1Of4, 1, 0}},
		"eap-req-identity.dat": {{PacketEAP, MessageUnknown, 0, 0}},
		"eap-req-sim.dat":      {{PacketEAP, MessageUnknown, 0, 0}},
	}
	for name, frames := range corpusFrames(t) {
		t.Run(name, func(t *testing.T) {
			var got []summary
			for i, f := range frames {
				p, err := DecodePDU(f)
				if err != nil {
					t.Fatalf("frame %d: DecodePDU: %v", i, err)
				}
				if err := p.Validate(); err != nil {
					t.Errorf("frame %d: %v", i, err)
				}
				enc, err := p.Encode()
				if err != nil || !bytes.Equal(enc, f) {
					t.Errorf("frame %d: PDU re-encoding differs (err %v)\n got %x\nwant %x", i, err, enc, f)
				}
				s := summary{Type: p.Type}
				if p.Type == PacketKey {
					k, err := DecodeKey(p.Body, DefaultMICLen)
					if err != nil {
						t.Fatalf("frame %d: DecodeKey: %v", i, err)
					}
					m, err := k.Classify()
					if err != nil {
						t.Errorf("frame %d: Classify: %v", i, err)
					}
					s.Message, s.ReplayCounter, s.KeyDataLen = m, k.ReplayCounter, len(k.KeyData)
					body, err := k.Encode()
					if err != nil || !bytes.Equal(body, p.Body) {
						t.Errorf("frame %d: Key re-encoding differs (err %v)\n got %x\nwant %x", i, err, body, p.Body)
					}
					whole, err := EncodeKeyFrame(p.Version, k)
					if err != nil || !bytes.Equal(whole, f[:HeaderLen+len(p.Body)]) {
						t.Errorf("frame %d: EncodeKeyFrame differs (err %v)", i, err)
					}
					if !k.KeyInfo.EncryptedKeyData {
						kd, err := ParseKeyData(k.KeyData)
						if err != nil {
							t.Errorf("frame %d: ParseKeyData: %v", i, err)
						}
						kdEnc, err := kd.Encode()
						if err != nil || !bytes.Equal(kdEnc, k.KeyData) {
							t.Errorf("frame %d: Key Data re-encoding differs (err %v)", i, err)
						}
					}
				}
				got = append(got, s)
			}
			if d := cmp.Diff(want[name], got); d != "" {
				t.Errorf("frames (-want +got):\n%s", d)
			}
		})
	}
}

func TestHostapCorpusMessage2CarriesTheRSNE(t *testing.T) {
	f := corpusFrames(t)["eapol-key-auth-supp.msg"][0]
	_, k, err := DecodeKeyFrame(f, DefaultMICLen)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := ParseKeyData(k.KeyData)
	if err != nil {
		t.Fatal(err)
	}
	rsne, ok := kd.FindElement(48)
	if !ok {
		t.Fatalf("no RSNE in %x", k.KeyData)
	}
	// Version 1, group CCMP, one pairwise CCMP, one AKM PSK, capabilities 0x0080 (MFPC).
	want := []byte{0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04,
		0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x80, 0x00}
	if d := cmp.Diff(want, rsne.Data); d != "" {
		t.Errorf("RSNE body (-want +got):\n%s", d)
	}
}
