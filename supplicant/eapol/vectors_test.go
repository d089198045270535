package eapol

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// capturedEAPOL is one EAPOL PDU from a capture, with the two addresses of
// the 802.11 data frame that carried it.
type capturedEAPOL struct {
	Capture  string
	Index    int
	RA, TA   ieee80211.MAC
	Retry    bool
	EAPOL    []byte
	Describe string
}

// captureNames lists the captures, skipping the test when there are none
// unless P2P_REQUIRE_VECTORS=1.
func captureNames(t testing.TB) []string { return vectors.NamesOrSkip(t) }

// loadCapturedEAPOL returns the EAPOL PDUs of one capture in order.
func loadCapturedEAPOL(t testing.TB, name string) []capturedEAPOL {
	t.Helper()
	frames, err := vectors.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []capturedEAPOL
	for _, f := range frames {
		e, ok := vectors.EAPOL(f.Data)
		if !ok {
			continue
		}
		c := capturedEAPOL{Capture: name, Index: f.Index, Retry: f.Data[1]&0x08 != 0, EAPOL: e}
		copy(c.RA[:], f.Data[4:10])
		copy(c.TA[:], f.Data[10:16])
		c.Describe = fmt.Sprintf("%s frame %d (%v -> %v)", name, f.Index, c.TA, c.RA)
		out = append(out, c)
	}
	return out
}

// handshake follows the EAPOL-Key frames between one authenticator and one
// supplicant and checks their order (IEEE Std 802.11-2020, 12.7.6, 12.7.7).
type handshake struct {
	last        Message  // last message of the current exchange
	r1, r3      uint64   // replay counters of the last 1/4 and 3/4
	r1s         []uint64 // replay counters of every 1/4 of the current exchange
	groupRC     uint64   // replay counter of the last group 1/2
	aNonce      [NonceLen]byte
	completed   int // 4/4 seen after a matching 3/4
	ipRequested bool
}

// step checks the next message of the exchange and records it.
func (h *handshake) step(m Message, k Key) error {
	rc := k.ReplayCounter
	var err error
	switch m {
	case Message1Of4:
		if h.last == Message1Of4 && rc <= h.r1 {
			err = fmt.Errorf("retransmitted 1/4 with replay counter %d, not above %d", rc, h.r1)
		}
		if h.last != Message1Of4 && h.last != Message2Of4 {
			h.r1s = h.r1s[:0] // a new exchange
		}
		h.r1, h.aNonce = rc, k.KeyNonce
		h.r1s = append(h.r1s, rc)
	case Message2Of4:
		switch {
		case h.last != Message1Of4 && h.last != Message2Of4:
			err = fmt.Errorf("2/4 after %v", h.last)
		case !slices.Contains(h.r1s, rc):
			// The supplicant answers each 1/4 it got: a retransmitted 1/4
			// may cross the answer to the first one.
			err = fmt.Errorf("2/4 replay counter %d answers no 1/4 (%v)", rc, h.r1s)
		}
	case Message3Of4:
		i := k.KeyInfo
		switch {
		case h.last != Message2Of4 && h.last != Message3Of4:
			err = fmt.Errorf("3/4 after %v", h.last)
		case rc <= h.r1 || (h.last == Message3Of4 && rc <= h.r3):
			err = fmt.Errorf("3/4 replay counter %d does not increase (1/4 %d, 3/4 %d)", rc, h.r1, h.r3)
		case k.KeyNonce != h.aNonce:
			err = fmt.Errorf("3/4 ANonce differs from 1/4's")
		case !i.Install || !i.Ack || !i.MIC || !i.Secure || !i.EncryptedKeyData:
			err = fmt.Errorf("3/4 Key Information %v, want Install, Key Ack, Key MIC, Secure and Encrypted Key Data", i)
		}
		h.r3 = rc
	case Message4Of4:
		switch {
		case h.last != Message3Of4:
			err = fmt.Errorf("4/4 after %v", h.last)
		case rc != h.r3:
			err = fmt.Errorf("4/4 replay counter %d, want 3/4's %d", rc, h.r3)
		default:
			h.completed++
		}
	case GroupMessage1Of2:
		switch prev := max(h.r3, h.groupRC); {
		case h.completed == 0:
			err = fmt.Errorf("group 1/2 before any 4-way handshake completed")
		case rc <= prev:
			err = fmt.Errorf("group 1/2 replay counter %d, not above %d", rc, prev)
		}
		h.groupRC = rc
	case GroupMessage2Of2:
		if h.last != GroupMessage1Of2 || rc != h.groupRC {
			err = fmt.Errorf("group 2/2 (replay counter %d) after %v (replay counter %d)", rc, h.last, h.groupRC)
		}
	default:
		err = fmt.Errorf("unexpected EAPOL-Key %v", m)
	}
	h.last = m
	return err
}

func TestHandshakeCheckerFollowsAndRejectsSequences(t *testing.T) {
	at := func(k Key, rc uint64) Key { k.ReplayCounter = rc; return k }
	good := []Key{at(msg1(), 1), at(msg1(), 2), at(msg2(t, false), 2), at(msg3(), 3), at(msg4(), 3),
		at(group1(), 4), at(group2(), 4), at(msg1(), 1), at(msg2(t, false), 1), at(msg3(), 2), at(msg4(), 2)}
	var h handshake
	for i, k := range good {
		if err := h.step(k.Message(), k); err != nil {
			t.Fatalf("good sequence, message %d: %v", i, err)
		}
	}
	if h.completed != 2 {
		t.Errorf("completed = %d, want 2", h.completed)
	}
	bad := map[string][]Key{
		"2/4 echoes a stale counter":    {at(msg1(), 1), at(msg2(t, false), 2)},
		"3/4 without 2/4":               {at(msg1(), 1), at(msg3(), 2)},
		"3/4 does not increase":         {at(msg1(), 2), at(msg2(t, false), 2), at(msg3(), 2)},
		"3/4 with another ANonce":       {at(msg1(), 1), at(msg2(t, false), 1), with(at(msg3(), 2), func(k *Key) { k.KeyNonce[0] ^= 1 })},
		"3/4 without Secure":            {at(msg1(), 1), at(msg2(t, false), 1), with(at(msg3(), 2), func(k *Key) { k.KeyInfo.Secure = false })},
		"4/4 with another counter":      {at(msg1(), 1), at(msg2(t, false), 1), at(msg3(), 2), at(msg4(), 1)},
		"1/4 retransmitted, same count": {at(msg1(), 1), at(msg1(), 1)},
		"group 1/2 first":               {at(group1(), 1)},
	}
	for name, seq := range bad {
		var h handshake
		var err error
		for _, k := range seq {
			if err = h.step(k.Message(), k); err != nil {
				break
			}
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCapturedEAPOLFramesDecodeClassifyAndReencodeExactly(t *testing.T) {
	for _, name := range captureNames(t) {
		t.Run(name, func(t *testing.T) {
			pairs := map[[2]ieee80211.MAC]*handshake{}
			prev := map[[2]ieee80211.MAC][]byte{}
			keyFrames := 0
			for _, c := range loadCapturedEAPOL(t, name) {
				p, err := DecodePDU(c.EAPOL)
				if err != nil {
					t.Errorf("%s: DecodePDU: %v", c.Describe, err)
					continue
				}
				if err := p.Validate(); err != nil {
					t.Errorf("%s: %v", c.Describe, err)
				}
				if enc, err := p.Encode(); err != nil || !bytes.Equal(enc, c.EAPOL) {
					t.Errorf("%s: PDU re-encoding differs (%v)", c.Describe, err)
				}
				if p.Type != PacketKey {
					continue
				}
				keyFrames++
				pair := [2]ieee80211.MAC{c.TA, c.RA}
				if bytes.Compare(c.TA[:], c.RA[:]) > 0 {
					pair = [2]ieee80211.MAC{c.RA, c.TA}
				}
				if c.Retry && bytes.Equal(prev[pair], c.EAPOL) {
					continue // an 802.11 retransmission of the same frame
				}
				prev[pair] = c.EAPOL
				k, err := DecodeKey(p.Body, DefaultMICLen)
				if err != nil {
					t.Errorf("%s: DecodeKey: %v", c.Describe, err)
					continue
				}
				if enc, err := EncodeKeyFrame(p.Version, k); err != nil || !bytes.Equal(enc, c.EAPOL[:HeaderLen+len(p.Body)]) {
					t.Errorf("%s: EAPOL-Key re-encoding differs (%v)", c.Describe, err)
				}
				m, err := k.Classify()
				if err != nil {
					t.Errorf("%s: Classify: %v", c.Describe, err)
				}
				mi, err := MICInput(c.EAPOL, DefaultMICLen)
				if err != nil || len(mi) != HeaderLen+len(p.Body) || !isZero(mi[MICOffset:MICOffset+DefaultMICLen]) {
					t.Errorf("%s: MICInput = %x, %v", c.Describe, mi, err)
				}
				h := pairs[pair]
				if h == nil {
					h = &handshake{}
					pairs[pair] = h
				}
				where := fmt.Sprintf("%s %v", c.Describe, m)
				if err := h.step(m, k); err != nil {
					t.Errorf("%s: %v", where, err)
				}
				if !k.KeyInfo.EncryptedKeyData {
					checkPlaintextKeyData(t, where, m, k, h)
				}
			}
			checkAgainstCaptureNotes(t, name, keyFrames, pairs)
		})
	}
}

// checkPlaintextKeyData parses the Key Data of a plaintext message: every
// KDE it reads must parse, and the P2P IP Address Request KDE may appear in
// 2/4 only.
func checkPlaintextKeyData(t *testing.T, where string, m Message, k Key, h *handshake) {
	t.Helper()
	kd, err := ParseKeyData(k.KeyData)
	if err != nil {
		t.Errorf("%s: ParseKeyData: %v", where, err)
		return
	}
	if enc, err := kd.Encode(); err != nil || !bytes.Equal(enc, k.KeyData) {
		t.Errorf("%s: Key Data re-encoding differs (%v)", where, err)
	}
	if m == Message2Of4 {
		if _, ok := kd.FindElement(ieee80211.ElemRSN); !ok {
			t.Errorf("%s: no RSNE in 2/4", where)
		}
	}
	if kde, ok := kd.FindKDE(OUIIEEE80211, KDEPMKID); ok {
		if _, err := ParsePMKIDKDE(kde.Data); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	if kde, ok := kd.FindKDE(ieee80211.OUIWFA, KDEIPAddressRequest); ok {
		if m != Message2Of4 {
			t.Errorf("%s: IP Address Request KDE outside 2/4", where)
		}
		if !kde.RequestsIPAddress() {
			t.Errorf("%s: IP Address Request KDE data %x requests nothing", where, kde.Data)
		}
		h.ipRequested = true
	}
}

// checkAgainstCaptureNotes compares the handshakes with the events the
// capture's notes (name.txt) record: one EAPOL-4WAY-HS-COMPLETED per
// completed 4-way handshake, and an IP Address Request KDE in 2/4 when a
// client's P2P-GROUP-STARTED reports an ip_addr from EAPOL.
func checkAgainstCaptureNotes(t *testing.T, name string, keyFrames int, pairs map[[2]ieee80211.MAC]*handshake) {
	t.Helper()
	completed, ipRequested := 0, false
	for pair, h := range pairs {
		completed += h.completed
		ipRequested = ipRequested || h.ipRequested
		if h.last != Message4Of4 && h.last != GroupMessage2Of2 {
			t.Logf("%s: exchange between %v and %v ends at %v", name, pair[0], pair[1], h.last)
		}
	}
	t.Logf("%d EAPOL-Key frames, %d completed 4-way handshakes, IP Address Request KDE in 2/4: %v",
		keyFrames, completed, ipRequested)
	notes, err := vectors.File(strings.TrimSuffix(name, ".pcap") + ".txt")
	if err != nil {
		return // no notes for this capture
	}
	if want := strings.Count(string(notes), "EAPOL-4WAY-HS-COMPLETED"); completed != want {
		t.Errorf("%d completed 4-way handshakes in the capture, the notes record %d EAPOL-4WAY-HS-COMPLETED", completed, want)
	}
	if strings.Contains(string(notes), " ip_addr=") && !ipRequested {
		t.Errorf("the notes show an IP address allocated in EAPOL but no 2/4 carries the IP Address Request KDE")
	}
}
