package eapol

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func TestSupplicantAndAuthenticatorCompleteTheFourWayHandshake(t *testing.T) {
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	supStart := l.supDo(Start{})
	if diff := cmp.Diff([]Action{SetTimer{Timer: 1, After: DefaultHandshakeTimeout}}, supStart); diff != "" {
		t.Errorf("supplicant Start (-want +got):\n%s", diff)
	}
	l.authDo(Start{})

	if diff := cmp.Diff([]string{"1/4", "3/4"}, sentMessages(t, l.sentByAuth)); diff != "" {
		t.Errorf("authenticator sent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2/4", "4/4"}, sentMessages(t, l.sentBySup)); diff != "" {
		t.Errorf("supplicant sent (-want +got):\n%s", diff)
	}
	ptk := handshakePTK(t, l)
	wantSup := []Action{
		SetTimer{Timer: 1, After: DefaultHandshakeTimeout},
		SendFrame{Frame: l.sentBySup[0]},
		SendFrame{Frame: l.sentBySup[1]},
		InstallPairwiseKey{Peer: goAddr, Cipher: ieee80211.CipherCCMP128, TK: ptk.TK},
		InstallGroupKey{Cipher: ieee80211.CipherCCMP128, Key: testGTK},
		AuthorizePort{Peer: goAddr},
		StopTimer{Timer: 1},
		HandshakeDone{Handshake: FourWayHandshake},
	}
	if diff := cmp.Diff(wantSup, l.supActs); diff != "" {
		t.Errorf("supplicant actions (-want +got):\n%s", diff)
	}
	wantAuth := []Action{
		SendFrame{Frame: l.sentByAuth[0]},
		SetTimer{Timer: 1, After: DefaultRetransmitTimeout},
		SendFrame{Frame: l.sentByAuth[1]},
		SetTimer{Timer: 2, After: DefaultRetransmitTimeout},
		StopTimer{Timer: 2},
		InstallPairwiseKey{Peer: clientAddr, Cipher: ieee80211.CipherCCMP128, TK: ptk.TK},
		AuthorizePort{Peer: clientAddr},
		HandshakeDone{Handshake: FourWayHandshake},
	}
	if diff := cmp.Diff(wantAuth, l.authActs); diff != "" {
		t.Errorf("authenticator actions (-want +got):\n%s", diff)
	}
	if !l.sup.Completed() || !l.auth.Completed() {
		t.Errorf("Completed: supplicant %v, authenticator %v", l.sup.Completed(), l.auth.Completed())
	}
}

func TestHandshakeFramesHaveTheFieldsHostapdAndWPASupplicantSend(t *testing.T) {
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	l.authDo(Start{})
	m1, m3 := decodeSent(t, l.sentByAuth[0]), decodeSent(t, l.sentByAuth[1])
	m2, m4 := decodeSent(t, l.sentBySup[0]), decodeSent(t, l.sentBySup[1])
	for _, c := range []struct {
		name    string
		frame   []byte
		k       Key
		version uint8
		info    uint16
		keyLen  uint16
		rc      uint64
	}{
		{"1/4", l.sentByAuth[0], m1, Version2004, 0x008a, 16, 1},
		{"2/4", l.sentBySup[0], m2, Version2001, 0x010a, 0, 1},
		{"3/4", l.sentByAuth[1], m3, Version2004, 0x13ca, 16, 2},
		{"4/4", l.sentBySup[1], m4, Version2001, 0x030a, 0, 2},
	} {
		if c.frame[0] != c.version || c.k.KeyInfo.Uint16() != c.info || c.k.KeyLength != c.keyLen || c.k.ReplayCounter != c.rc {
			t.Errorf("%s: version %d, Key Information %#04x, Key Length %d, replay counter %d; want %d, %#04x, %d, %d",
				c.name, c.frame[0], c.k.KeyInfo.Uint16(), c.k.KeyLength, c.k.ReplayCounter, c.version, c.info, c.keyLen, c.rc)
		}
		if _, err := c.k.Classify(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if len(m1.KeyData) != 0 || m1.KeyNonce != nonce(0x10) || !isZero(m1.KeyMIC) {
		t.Errorf("1/4: Key Data %x, ANonce %x, MIC %x; want no Key Data, the injected ANonce and no MIC", m1.KeyData, m1.KeyNonce, m1.KeyMIC)
	}
	if m2.KeyNonce != nonce(0x50) {
		t.Errorf("2/4 SNonce %x, want the injected one", m2.KeyNonce)
	}
	wantKD, err := KeyData{Elements: []ieee80211.Element{{ID: ieee80211.ElemRSN, Data: clientRSNE}}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m2.KeyData, wantKD) {
		t.Errorf("2/4 Key Data %x, want the client's RSNE %x", m2.KeyData, wantKD)
	}
	ptk := handshakePTK(t, l)
	kd, err := DecryptKeyData(ptk.KEK, m3.KeyData)
	if err != nil {
		t.Fatal(err)
	}
	gtkKDE, err := GTKKDE{KeyID: 1, GTK: testGTK.Key}.KDE().Element()
	if err != nil {
		t.Fatal(err)
	}
	want := KeyData{Elements: []ieee80211.Element{{ID: ieee80211.ElemRSN, Data: goRSNE}, gtkKDE}, Padding: []byte{0xdd, 0}}
	if diff := cmp.Diff(want, kd); diff != "" {
		t.Errorf("3/4 Key Data (-want +got):\n%s", diff)
	}
	if m3.KeyRSC != testGTK.RSC || m3.KeyNonce != m1.KeyNonce {
		t.Errorf("3/4 Key RSC %x, ANonce %x; want the GTK's RSC and 1/4's ANonce", m3.KeyRSC, m3.KeyNonce)
	}
	for i, f := range [][]byte{l.sentBySup[0], l.sentByAuth[1], l.sentBySup[1]} {
		if !CheckMIC(ptk.KCK, f) {
			t.Errorf("frame %d: MIC does not verify with the KCK", i)
		}
	}
}

func TestIPAddressIsAllocatedOnlyWhenTheClientAsksForIt(t *testing.T) {
	for _, ask := range []bool{true, false} {
		calls := 0
		a := newAuthenticator(t, func(c *AuthenticatorConfig) {
			c.AllocateIP = func(spa ieee80211.MAC) (IPAddressAllocation, bool) {
				calls++
				if spa != clientAddr {
					t.Errorf("AllocateIP(%v), want the station address %v", spa, clientAddr)
				}
				return testIP, true
			}
		})
		s := newSupplicant(t, func(c *SupplicantConfig) { c.RequestIPAddress = ask })
		l := newLink(t, a, s)
		l.authDo(Start{})
		kd, err := ParseKeyData(decodeSent(t, l.sentBySup[0]).KeyData)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := kd.FindKDE(ieee80211.OUIWFA, KDEIPAddressRequest); ok != ask {
			t.Errorf("asked %v: IP Address Request KDE in 2/4: %v", ask, ok)
		}
		wantCalls, wantAssigned := 0, []IPAddressAssigned(nil)
		if ask {
			wantCalls = 1
			wantAssigned = []IPAddressAssigned{{Peer: goAddr, Allocation: testIP}}
		}
		if calls != wantCalls {
			t.Errorf("asked %v: AllocateIP called %d times, want %d", ask, calls, wantCalls)
		}
		if diff := cmp.Diff(wantAssigned, only[IPAddressAssigned](l.supActs)); diff != "" {
			t.Errorf("asked %v: supplicant IPAddressAssigned (-want +got):\n%s", ask, diff)
		}
		if ask {
			// hostapd's order: RSNE, GTK KDE, IP Address Allocation KDE.
			ptk := handshakePTK(t, l)
			kd, err := DecryptKeyData(ptk.KEK, decodeSent(t, l.sentByAuth[1]).KeyData)
			if err != nil {
				t.Fatal(err)
			}
			gtk, err := GTKKDE{KeyID: 1, GTK: testGTK.Key}.KDE().Element()
			if err != nil {
				t.Fatal(err)
			}
			ip, err := testIP.KDE().Element()
			if err != nil {
				t.Fatal(err)
			}
			// 22 + 24 + 18 = 64 octets: a multiple of 8, so no padding.
			wantKD := KeyData{Elements: []ieee80211.Element{{ID: ieee80211.ElemRSN, Data: goRSNE}, gtk, ip}}
			if diff := cmp.Diff(wantKD, kd); diff != "" {
				t.Errorf("3/4 Key Data (-want +got):\n%s", diff)
			}
			want := []IPAddressAssigned{{Peer: clientAddr, Allocation: testIP}}
			if diff := cmp.Diff(want, only[IPAddressAssigned](l.authActs)); diff != "" {
				t.Errorf("authenticator IPAddressAssigned (-want +got):\n%s", diff)
			}
		}
		if !s.Completed() || !a.Completed() {
			t.Errorf("asked %v: handshake did not complete", ask)
		}
	}
}

func TestAuthenticatorLeavesTheKDEOutWhenNoAddressIsGranted(t *testing.T) {
	a := newAuthenticator(t, func(c *AuthenticatorConfig) {
		c.AllocateIP = func(ieee80211.MAC) (IPAddressAllocation, bool) { return IPAddressAllocation{}, false }
	})
	l := newLink(t, a, newSupplicant(t, func(c *SupplicantConfig) { c.RequestIPAddress = true }))
	l.authDo(Start{})
	if got := only[IPAddressAssigned](append(l.supActs, l.authActs...)); got != nil {
		t.Errorf("IPAddressAssigned %v without an address granted", got)
	}
	if !a.Completed() {
		t.Error("handshake did not complete")
	}
}

func TestGroupRekeyDeliversAndInstallsTheNewGTK(t *testing.T) {
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	l.authDo(Start{})
	supBefore, authBefore := len(l.supActs), len(l.authActs)
	l.authDo(RekeyGroup{Key: newGTK})

	if diff := cmp.Diff([]string{"1/4", "3/4", "group 1/2"}, sentMessages(t, l.sentByAuth)); diff != "" {
		t.Errorf("authenticator sent (-want +got):\n%s", diff)
	}
	g1 := decodeSent(t, l.sentByAuth[2])
	if g1.KeyInfo.Uint16() != 0x1382 || g1.KeyLength != 0 || g1.ReplayCounter != 3 || g1.KeyNonce != ([NonceLen]byte{}) {
		t.Errorf("group 1/2: Key Information %#04x, Key Length %d, replay counter %d, nonce %x",
			g1.KeyInfo.Uint16(), g1.KeyLength, g1.ReplayCounter, g1.KeyNonce)
	}
	g2 := decodeSent(t, l.sentBySup[2])
	if g2.KeyInfo.Uint16() != 0x0302 || g2.ReplayCounter != 3 || len(g2.KeyData) != 0 {
		t.Errorf("group 2/2: Key Information %#04x, replay counter %d, Key Data %x", g2.KeyInfo.Uint16(), g2.ReplayCounter, g2.KeyData)
	}
	wantSup := []string{"install group", "send group 2/2", "done group key handshake"}
	if diff := cmp.Diff(wantSup, kinds(t, l.supActs[supBefore:])); diff != "" {
		t.Errorf("supplicant (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]InstallGroupKey{{Cipher: ieee80211.CipherCCMP128, Key: testGTK}, {Cipher: ieee80211.CipherCCMP128, Key: newGTK}},
		only[InstallGroupKey](l.supActs)); diff != "" {
		t.Errorf("group keys installed (-want +got):\n%s", diff)
	}
	wantAuth := []string{"send group 1/2", "set timer", "stop timer", "done group key handshake"}
	if diff := cmp.Diff(wantAuth, kinds(t, l.authActs[authBefore:])); diff != "" {
		t.Errorf("authenticator (-want +got):\n%s", diff)
	}
}

func TestGroupRekeyDuringTheFourWayHandshakeFollowsIt(t *testing.T) {
	a := newAuthenticator(t, nil)
	l := newLink(t, a, newSupplicant(t, nil))
	var held []byte
	l.toAuth = func(f []byte) [][]byte {
		if decodeSent(t, f).Message() == Message4Of4 && held == nil {
			held = f
			return nil
		}
		return [][]byte{f}
	}
	l.authDo(Start{})
	if acts := l.authDo(RekeyGroup{Key: newGTK}); acts != nil {
		t.Errorf("RekeyGroup while 3/4 is outstanding: %v, want nothing yet", kinds(t, acts))
	}
	l.toAuth = nil
	acts := l.auth.Handle(Receive{Frame: held})
	want := []string{"stop timer", "install pairwise", "authorize", "done 4-way handshake", "send group 1/2", "set timer"}
	if diff := cmp.Diff(want, kinds(t, acts)); diff != "" {
		t.Errorf("4/4 after a rekey (-want +got):\n%s", diff)
	}
	l.authActs = append(l.authActs, acts...)
	l.flush(l.framesOf(acts, true))
	if diff := cmp.Diff(newGTK, only[InstallGroupKey](l.supActs)[1].Key); diff != "" {
		t.Errorf("second GTK installed (-want +got):\n%s", diff)
	}
}

func TestBadInput4b27RetransmittedMessage3DoesNotReinstallKeys(t *testing.T) {
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	var lost int
	l.toAuth = func(f []byte) [][]byte {
		if decodeSent(t, f).Message() == Message4Of4 && lost < 1 {
			lost++
			return nil // the first 4/4 is lost
		}
		return [][]byte{f}
	}
	l.authDo(Start{})
	first3 := l.sentByAuth[1]

	// The duplicate 3/4 (same replay counter) is a replay: dropped.
	if acts := l.sup.Handle(Receive{Frame: first3}); acts != nil {
		t.Errorf("duplicate 3/4: %v, want nothing", kinds(t, acts))
	}
	// The authenticator retransmits 3/4 with a higher replay counter: the
	// supplicant answers with 4/4 but installs nothing again.
	before := len(l.supActs)
	l.authDo(lastTimer(t, l.authActs))
	if diff := cmp.Diff([]string{"1/4", "3/4", "3/4"}, sentMessages(t, l.sentByAuth)); diff != "" {
		t.Fatalf("authenticator sent (-want +got):\n%s", diff)
	}
	if rc := decodeSent(t, l.sentByAuth[2]).ReplayCounter; rc != 3 {
		t.Errorf("retransmitted 3/4 replay counter %d, want 3", rc)
	}
	if diff := cmp.Diff([]string{"send 4/4"}, kinds(t, l.supActs[before:])); diff != "" {
		t.Errorf("supplicant on the retransmitted 3/4 (-want +got):\n%s", diff)
	}
	if n := len(only[InstallPairwiseKey](l.supActs)); n != 1 {
		t.Errorf("supplicant installed the PTK %d times", n)
	}
	if n := len(only[InstallGroupKey](l.supActs)); n != 1 {
		t.Errorf("supplicant installed the GTK %d times", n)
	}
	if !l.auth.Completed() || len(only[InstallPairwiseKey](l.authActs)) != 1 {
		t.Errorf("authenticator: completed %v, %d installs", l.auth.Completed(), len(only[InstallPairwiseKey](l.authActs)))
	}
}

func TestBadInput4b27RetransmittedMessage1AfterMessage3IsHandled(t *testing.T) {
	// Delayed M1 + M3 (hostap test "Delayed M1+M3 retransmission and zero
	// TK", KRACK): after the keys are in, a 1/4 with the same ANonce and a
	// higher replay counter starts a rekey with a new SNonce; the original
	// 3/4, retransmitted, still verifies with the installed PTK and gets a
	// 4/4, but nothing is installed again and the TK never becomes zero.
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	lost := false
	l.toAuth = func(f []byte) [][]byte {
		if decodeSent(t, f).Message() == Message4Of4 && !lost {
			lost = true
			return nil
		}
		return [][]byte{f}
	}
	l.authDo(Start{})
	m1 := l.sentByAuth[0]

	// A stale 1/4 (replay counter 1, below the 3/4's 2) is dropped.
	if acts := l.sup.Handle(Receive{Frame: m1}); acts != nil {
		t.Errorf("stale 1/4: %v, want nothing", kinds(t, acts))
	}
	// The same 1/4 with a higher replay counter is answered.
	replayed := reframe(t, m1, nil, func(k *Key) { k.ReplayCounter = 100 })
	acts := l.sup.Handle(Receive{Frame: replayed})
	if diff := cmp.Diff([]string{"send 2/4"}, kinds(t, acts)); diff != "" {
		t.Fatalf("1/4 after 3/4 (-want +got):\n%s", diff)
	}
	m2 := decodeSent(t, acts[0].(SendFrame).Frame)
	if !m2.KeyInfo.Secure || m2.KeyNonce == decodeSent(t, l.sentBySup[0]).KeyNonce || m2.ReplayCounter != 100 {
		t.Errorf("2/4 of the rekey: Secure %v, SNonce renewed %v, replay counter %d",
			m2.KeyInfo.Secure, m2.KeyNonce != decodeSent(t, l.sentBySup[0]).KeyNonce, m2.ReplayCounter)
	}
	before := len(l.supActs)
	l.authDo(lastTimer(t, l.authActs)) // the authenticator retransmits 3/4
	if diff := cmp.Diff([]string{"send 4/4"}, kinds(t, l.supActs[before:])); diff != "" {
		t.Errorf("supplicant on the retransmitted 3/4 (-want +got):\n%s", diff)
	}
	installs := only[InstallPairwiseKey](l.supActs)
	if len(installs) != 1 || isZero(installs[0].TK) {
		t.Errorf("pairwise installs %v, want one non-zero TK", installs)
	}
	if !l.auth.Completed() {
		t.Error("authenticator did not complete")
	}
}

func TestBadInput4b28SupplicantDropsInvalidFramesSilentlyAndTheHandshakeStillCompletes(t *testing.T) {
	// Each case sends a bad copy of a message ahead of the genuine one; the
	// bad copy gets no reply and changes nothing.
	type badFrame func(t *testing.T, genuine []byte, ptk PTK) []byte
	cases := []struct {
		name    string
		message Message
		bad     badFrame
	}{
		{"1/4 with a Key MIC (4b #28)", Message1Of4, func(t *testing.T, f []byte, _ PTK) []byte {
			return reframe(t, f, nil, func(k *Key) { k.KeyMIC[0] = 1 })
		}},
		{"1/4 with Install set (4b #29)", Message1Of4, func(t *testing.T, f []byte, _ PTK) []byte {
			return reframe(t, f, nil, func(k *Key) { k.KeyInfo.Install = true })
		}},
		{"1/4 with Key Descriptor Version 1", Message1Of4, func(t *testing.T, f []byte, _ PTK) []byte {
			return reframe(t, f, nil, func(k *Key) { k.KeyInfo.DescriptorVersion = VersionHMACMD5RC4 })
		}},
		{"1/4 as an EAPOL-Start (4b #29 type mismatch)", Message1Of4, func(t *testing.T, f []byte, _ PTK) []byte {
			c := bytes.Clone(f)
			c[1] = uint8(PacketStart)
			return c
		}},
		{"1/4 with EAPOL version 9", Message1Of4, func(t *testing.T, f []byte, _ PTK) []byte {
			c := bytes.Clone(f)
			c[0] = 9
			return c
		}},
		{"truncated 1/4", Message1Of4, func(t *testing.T, f []byte, _ PTK) []byte { return f[:40] }},
		{"3/4 with a corrupted MIC", Message3Of4, func(t *testing.T, f []byte, _ PTK) []byte { return flip(f, MICOffset) }},
		{"3/4 with corrupted Key Data", Message3Of4, func(t *testing.T, f []byte, _ PTK) []byte { return flip(f, len(f)-1) }},
		{"3/4 with Encrypted Key Data but no MIC (4b #26)", Message3Of4, func(t *testing.T, f []byte, _ PTK) []byte {
			return reframe(t, f, nil, func(k *Key) { k.KeyInfo.MIC = false; clear(k.KeyMIC) })
		}},
		{"3/4 with another ANonce, validly signed", Message3Of4, func(t *testing.T, f []byte, ptk PTK) []byte {
			return reframe(t, f, ptk.KCK, func(k *Key) { k.KeyNonce[0] ^= 0xff })
		}},
		{"3/4 with Key Length 32, validly signed", Message3Of4, func(t *testing.T, f []byte, ptk PTK) []byte {
			return reframe(t, f, ptk.KCK, func(k *Key) { k.KeyLength = 32 })
		}},
		{"3/4 without Secure, validly signed (4b #28)", Message3Of4, func(t *testing.T, f []byte, ptk PTK) []byte {
			return reframe(t, f, ptk.KCK, func(k *Key) { k.KeyInfo.Secure = false })
		}},
		{"3/4 sent as a 2/4 (no Key Ack), validly signed", Message3Of4, func(t *testing.T, f []byte, ptk PTK) []byte {
			return reframe(t, f, ptk.KCK, func(k *Key) {
				k.KeyInfo.Ack, k.KeyInfo.Install, k.KeyInfo.EncryptedKeyData, k.KeyInfo.Secure = false, false, false, false
				k.KeyRSC, k.KeyLength = [RSCLen]byte{}, 0
			})
		}},
		{"group 1/2 before the 4-way handshake, validly signed", Message3Of4, func(t *testing.T, f []byte, ptk PTK) []byte {
			return reframe(t, f, ptk.KCK, func(k *Key) {
				k.KeyInfo.Pairwise, k.KeyInfo.Install, k.KeyLength = false, false, 0
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A first run learns the genuine frames and the PTK.
			ref := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
			ref.authDo(Start{})
			ptk := handshakePTK(t, ref)

			l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
			l.toSup = func(f []byte) [][]byte {
				if decodeSent(t, f).Message() != tc.message {
					return [][]byte{f}
				}
				bad := tc.bad(t, f, ptk)
				if acts := l.sup.Handle(Receive{Frame: bad}); acts != nil {
					t.Errorf("bad frame: supplicant answered %v", kinds(t, acts))
				}
				return [][]byte{f}
			}
			l.authDo(Start{})
			if !l.sup.Completed() || !l.auth.Completed() {
				t.Fatalf("handshake did not complete after the bad frame; supplicant: %v", kinds(t, l.supActs))
			}
			if diff := cmp.Diff(kinds(t, ref.supActs), kinds(t, l.supActs)); diff != "" {
				t.Errorf("supplicant actions differ from a clean run (-clean +got):\n%s", diff)
			}
		})
	}
}

func TestMessage3WhoseKeyDataDoesNotUnwrapIsDroppedAndTheRetransmissionCompletes(t *testing.T) {
	// Only a holder of the PMK can sign such a 3/4; its valid MIC consumes
	// the replay counter (12.7.2: the counter is updated once the MIC
	// verifies), so the copy with the same counter is then a replay and the
	// authenticator's retransmission completes the handshake.
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	first := true
	l.toSup = func(f []byte) [][]byte {
		if decodeSent(t, f).Message() != Message3Of4 || !first {
			return [][]byte{f}
		}
		first = false
		ptk := handshakePTK(t, l)
		bad := reframe(t, f, ptk.KCK, func(k *Key) { k.KeyData = bytes.Clone(k.KeyData); k.KeyData[3] ^= 1 })
		return [][]byte{bad, f}
	}
	l.authDo(Start{})
	if diff := cmp.Diff([]string{"2/4"}, sentMessages(t, l.sentBySup)); diff != "" {
		t.Fatalf("supplicant sent (-want +got):\n%s", diff)
	}
	l.authDo(lastTimer(t, l.authActs))
	if !l.sup.Completed() || !l.auth.Completed() {
		t.Errorf("handshake did not complete after the retransmission: supplicant %v", kinds(t, l.supActs))
	}
}

func TestBadInput4b27SupplicantDropsReplayedAndCorruptedGroupMessages(t *testing.T) {
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	var held []byte
	l.toSup = func(f []byte) [][]byte {
		if decodeSent(t, f).Message() == GroupMessage1Of2 && held == nil {
			held = f
			return nil
		}
		return [][]byte{f}
	}
	l.authDo(Start{})
	ptk := handshakePTK(t, l)
	l.authDo(RekeyGroup{Key: newGTK})
	for name, bad := range map[string][]byte{
		"replay counter of 3/4 (4b #27)": reframe(t, held, ptk.KCK, func(k *Key) { k.ReplayCounter = 2 }),
		"corrupted MIC":                  flip(held, MICOffset+3),
		"Encrypted without MIC (4b #26)": reframe(t, held, nil, func(k *Key) { k.KeyInfo.MIC = false; clear(k.KeyMIC) }),
		"zero Key Data length":           reframe(t, held, ptk.KCK, func(k *Key) { k.KeyData = nil }),
	} {
		if acts := l.sup.Handle(Receive{Frame: bad}); acts != nil {
			t.Errorf("%s: supplicant answered %v", name, kinds(t, acts))
		}
	}
	before := len(l.supActs)
	l.toSup = nil
	l.flush([]delivery{{toSup: true, frame: held}})
	want := []string{"install group", "send group 2/2", "done group key handshake"}
	if diff := cmp.Diff(want, kinds(t, l.supActs[before:])); diff != "" {
		t.Errorf("genuine group 1/2 (-want +got):\n%s", diff)
	}
	// The same group 1/2 again is a replay; a new transmission with a higher
	// counter carries the installed GTK: answered, not reinstalled.
	if acts := l.sup.Handle(Receive{Frame: held}); acts != nil {
		t.Errorf("replayed group 1/2: %v", kinds(t, acts))
	}
	again := reframe(t, held, ptk.KCK, func(k *Key) { k.ReplayCounter++ })
	if diff := cmp.Diff([]string{"send group 2/2", "done group key handshake"}, kinds(t, l.sup.Handle(Receive{Frame: again}))); diff != "" {
		t.Errorf("group 1/2 with the installed GTK (-want +got):\n%s", diff)
	}
}

func TestBadInput4b28AuthenticatorDropsInvalidFramesSilentlyAndTheHandshakeStillCompletes(t *testing.T) {
	ref := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	ref.authDo(Start{})
	ptk := handshakePTK(t, ref)
	cases := []struct {
		name    string
		message Message
		bad     func(f []byte) []byte
	}{
		{"2/4 with a corrupted MIC", Message2Of4, func(f []byte) []byte { return flip(f, MICOffset+15) }},
		{"2/4 with an unsent replay counter", Message2Of4, func(f []byte) []byte {
			return reframe(t, f, ptk.KCK, func(k *Key) { k.ReplayCounter = 7 })
		}},
		{"2/4 with Install set (4b #29)", Message2Of4, func(f []byte) []byte {
			return reframe(t, f, ptk.KCK, func(k *Key) { k.KeyInfo.Install = true })
		}},
		{"2/4 sent as a 1/4 (Key Ack)", Message2Of4, func(f []byte) []byte {
			return reframe(t, f, nil, func(k *Key) { k.KeyInfo.Ack, k.KeyInfo.MIC = true, false; clear(k.KeyMIC) })
		}},
		{"4/4 with a corrupted MIC", Message4Of4, func(f []byte) []byte { return flip(f, MICOffset) }},
		{"4/4 with the replay counter of 1/4", Message4Of4, func(f []byte) []byte {
			return reframe(t, f, ptk.KCK, func(k *Key) { k.ReplayCounter = 1 })
		}},
		{"4/4 with Encrypted Key Data but no MIC (4b #26)", Message4Of4, func(f []byte) []byte {
			return reframe(t, f, nil, func(k *Key) { k.KeyInfo.MIC = false; k.KeyInfo.EncryptedKeyData = true; clear(k.KeyMIC) })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
			l.toAuth = func(f []byte) [][]byte {
				if decodeSent(t, f).Message() == tc.message {
					if acts := l.auth.Handle(Receive{Frame: tc.bad(f)}); acts != nil {
						t.Errorf("bad frame: authenticator answered %v", kinds(t, acts))
					}
				}
				return [][]byte{f}
			}
			l.authDo(Start{})
			if !l.auth.Completed() {
				t.Fatalf("handshake did not complete; authenticator: %v", kinds(t, l.authActs))
			}
			if diff := cmp.Diff(kinds(t, ref.authActs), kinds(t, l.authActs)); diff != "" {
				t.Errorf("authenticator actions differ from a clean run (-clean +got):\n%s", diff)
			}
		})
	}
}

func TestBadInput4b27AllZeroKeysAreNeverInstalled(t *testing.T) {
	// A GO cannot be configured with an all-zero GTK.
	_, err := NewAuthenticator(func() AuthenticatorConfig {
		c := authenticatorConfig()
		c.GroupKey = GroupKey{KeyID: 1, Key: make([]byte, 16)}
		return c
	}())
	if !errors.Is(err, ErrZeroKey) {
		t.Errorf("NewAuthenticator with a zero GTK: err = %v, want ErrZeroKey", err)
	}
	// A validly signed 3/4 or group 1/2 carrying an all-zero GTK (a broken
	// or hostile GO) fails the handshake without installing anything.
	zeroGTK, err := GTKKDE{KeyID: 1, GTK: make([]byte, 16)}.KDE().Element()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Message{Message3Of4, GroupMessage1Of2} {
		l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
		if m == Message3Of4 {
			l.toSup = func(f []byte) [][]byte {
				if decodeSent(t, f).Message() != Message3Of4 {
					return [][]byte{f}
				}
				ptk := handshakePTK(t, l)
				kd := KeyData{Elements: []ieee80211.Element{{ID: ieee80211.ElemRSN, Data: goRSNE}, zeroGTK}}
				return [][]byte{reframe(t, f, ptk.KCK, func(k *Key) {
					var err error
					if k.KeyData, err = EncryptKeyData(ptk.KEK, kd); err != nil {
						t.Fatal(err)
					}
				})}
			}
			l.authDo(Start{})
		} else {
			l.authDo(Start{})
			ptk := handshakePTK(t, l)
			l.toSup = func(f []byte) [][]byte {
				return [][]byte{reframe(t, f, ptk.KCK, func(k *Key) {
					var err error
					if k.KeyData, err = EncryptKeyData(ptk.KEK, KeyData{Elements: []ieee80211.Element{zeroGTK}}); err != nil {
						t.Fatal(err)
					}
				})}
			}
			l.authDo(RekeyGroup{Key: newGTK})
		}
		for _, g := range only[InstallGroupKey](l.supActs) {
			if isZero(g.Key.Key) {
				t.Errorf("%v: installed an all-zero GTK", m)
			}
		}
		for _, p := range only[InstallPairwiseKey](l.supActs) {
			if isZero(p.TK) {
				t.Errorf("%v: installed an all-zero TK", m)
			}
		}
		f := only[HandshakeFailed](l.supActs)
		if len(f) != 1 || !errors.Is(f[0].Reason, ErrZeroKey) || !errors.Is(f[0].Reason, ErrBadKeyData) {
			t.Errorf("%v: failures %v, want one wrapping ErrBadKeyData and ErrZeroKey", m, f)
		}
		if m == Message3Of4 && len(only[InstallPairwiseKey](l.supActs)) != 0 {
			t.Errorf("3/4 with a zero GTK: the PTK was installed")
		}
	}
	// RekeyGroup with an all-zero GTK is ignored.
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	l.authDo(Start{})
	if acts := l.authDo(RekeyGroup{Key: GroupKey{KeyID: 2, Key: make([]byte, 16)}}); acts != nil {
		t.Errorf("RekeyGroup with a zero GTK: %v", kinds(t, acts))
	}
}

func TestRetryLimitsEndInFailure(t *testing.T) {
	t.Run("message 1/4", func(t *testing.T) {
		a := newAuthenticator(t, func(c *AuthenticatorConfig) { c.Attempts = 3; c.RetransmitTimeout = 250 * time.Millisecond })
		acts := a.Handle(Start{})
		var rcs []uint64
		for range 3 {
			f := only[SendFrame](acts)
			if len(f) != 1 {
				t.Fatalf("actions %v, want one frame", kinds(t, acts))
			}
			rcs = append(rcs, decodeSent(t, f[0].Frame).ReplayCounter)
			if timer := only[SetTimer](acts); len(timer) != 1 || timer[0].After != 250*time.Millisecond {
				t.Fatalf("timers %v", timer)
			}
			acts = a.Handle(lastTimer(t, acts))
		}
		if diff := cmp.Diff([]uint64{1, 2, 3}, rcs); diff != "" {
			t.Errorf("replay counters of the 1/4 transmissions (-want +got):\n%s", diff)
		}
		checkFailed(t, acts, ErrHandshakeTimeout, ieee80211.ReasonFourWayHandshakeTimeout)
		if acts := a.Handle(Start{}); acts != nil {
			t.Errorf("Start after failure: %v", kinds(t, acts))
		}
	})
	t.Run("message 3/4", func(t *testing.T) {
		l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
		l.toAuth = func(f []byte) [][]byte {
			if decodeSent(t, f).Message() == Message4Of4 {
				return nil
			}
			return [][]byte{f}
		}
		l.authDo(Start{})
		var acts []Action
		for range DefaultAttempts {
			acts = l.authDo(lastTimer(t, l.authActs))
		}
		if diff := cmp.Diff([]string{"1/4", "3/4", "3/4", "3/4"}, sentMessages(t, l.sentByAuth)); diff != "" {
			t.Errorf("authenticator sent (-want +got):\n%s", diff)
		}
		checkFailed(t, acts, ErrHandshakeTimeout, ieee80211.ReasonFourWayHandshakeTimeout)
		if n := len(only[InstallPairwiseKey](l.authActs)); n != 0 {
			t.Errorf("authenticator installed %d keys", n)
		}
		if n := len(only[InstallPairwiseKey](l.supActs)); n != 1 {
			t.Errorf("supplicant installed %d keys, want 1 (retransmissions do not reinstall)", n)
		}
	})
	t.Run("group message 1/2", func(t *testing.T) {
		l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
		l.authDo(Start{})
		l.toAuth = drop
		l.authDo(RekeyGroup{Key: newGTK})
		var acts []Action
		for range DefaultAttempts {
			acts = l.authDo(lastTimer(t, l.authActs))
		}
		checkFailed(t, acts, ErrHandshakeTimeout, ieee80211.ReasonGroupKeyUpdateTimeout)
		if n := len(only[InstallGroupKey](l.supActs)); n != 2 {
			t.Errorf("supplicant installed %d group keys, want 2", n)
		}
	})
	t.Run("supplicant", func(t *testing.T) {
		s := newSupplicant(t, func(c *SupplicantConfig) { c.HandshakeTimeout = 5 * time.Second })
		acts := s.Handle(Start{})
		if diff := cmp.Diff([]Action{SetTimer{Timer: 1, After: 5 * time.Second}}, acts); diff != "" {
			t.Errorf("Start (-want +got):\n%s", diff)
		}
		if acts := s.Handle(Timeout{Timer: 7}); acts != nil {
			t.Errorf("Timeout of another timer: %v", kinds(t, acts))
		}
		checkFailed(t, s.Handle(Timeout{Timer: 1}), ErrHandshakeTimeout, ieee80211.ReasonFourWayHandshakeTimeout)
		a := newAuthenticator(t, nil)
		if acts := s.Handle(Receive{Frame: only[SendFrame](a.Handle(Start{}))[0].Frame}); acts != nil {
			t.Errorf("1/4 after failure: %v", kinds(t, acts))
		}
	})
}

func checkFailed(t *testing.T, acts []Action, reason error, code uint16) {
	t.Helper()
	f := only[HandshakeFailed](acts)
	if len(f) != 1 || !errors.Is(f[0].Reason, reason) || f[0].ReasonCode != code {
		t.Errorf("actions %v (failures %v), want a failure wrapping %v with reason code %d", kinds(t, acts), f, reason, code)
	}
}

func TestStaleTimeoutsAreIgnored(t *testing.T) {
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	l.authDo(Start{})
	for _, timer := range only[SetTimer](l.authActs) {
		if acts := l.auth.Handle(Timeout{Timer: timer.Timer}); acts != nil {
			t.Errorf("Timeout of stopped timer %d: %v", timer.Timer, kinds(t, acts))
		}
	}
	if acts := l.sup.Handle(Timeout{Timer: 1}); acts != nil {
		t.Errorf("supplicant Timeout before Start: %v", kinds(t, acts))
	}
}

func TestRSNEMismatchFailsTheHandshake(t *testing.T) {
	downgraded := bytes.Clone(goRSNE)
	downgraded[len(downgraded)-2] = 0 // other RSN Capabilities
	t.Run("3/4 RSNE differs from the Beacon's", func(t *testing.T) {
		l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, func(c *SupplicantConfig) { c.AuthenticatorRSNE = downgraded }))
		l.authDo(Start{})
		checkFailed(t, l.supActs, ErrRSNEMismatch, ieee80211.ReasonIEIn4WayDiffers)
		if n := len(only[InstallPairwiseKey](l.supActs)); n != 0 {
			t.Errorf("%d keys installed", n)
		}
	})
	t.Run("2/4 RSNE differs from the Association Request's", func(t *testing.T) {
		other := bytes.Clone(clientRSNE)
		other[len(other)-2] = 0x80 // MFPC
		l := newLink(t, newAuthenticator(t, func(c *AuthenticatorConfig) { c.StationRSNE = other }), newSupplicant(t, nil))
		l.authDo(Start{})
		checkFailed(t, l.authActs, ErrRSNEMismatch, ieee80211.ReasonIEIn4WayDiffers)
	})
}

func TestBadInput4b30Message1CarriesNoPMKIDKDE(t *testing.T) {
	a := newAuthenticator(t, nil)
	m1 := decodeSent(t, only[SendFrame](a.Handle(Start{}))[0].Frame)
	if len(m1.KeyData) != 0 {
		t.Errorf("1/4 Key Data %x, want none (no PMKID KDE)", m1.KeyData)
	}
}

func TestBadInput4b25NoncesComeFromTheInjectedSource(t *testing.T) {
	failing := errors.New("no entropy")
	a := newAuthenticator(t, func(c *AuthenticatorConfig) { c.Rand = errReader{failing} })
	checkFailed(t, a.Handle(Start{}), failing, ieee80211.ReasonUnspecified)
	s := newSupplicant(t, func(c *SupplicantConfig) { c.Rand = errReader{failing} })
	m1 := only[SendFrame](newAuthenticator(t, nil).Handle(Start{}))[0].Frame
	checkFailed(t, s.Handle(Receive{Frame: m1}), failing, ieee80211.ReasonUnspecified)
	// Without an injected source, nonces come from crypto/rand.
	a1 := newAuthenticator(t, func(c *AuthenticatorConfig) { c.Rand = nil })
	a2 := newAuthenticator(t, func(c *AuthenticatorConfig) { c.Rand = nil })
	n1 := decodeSent(t, only[SendFrame](a1.Handle(Start{}))[0].Frame).KeyNonce
	n2 := decodeSent(t, only[SendFrame](a2.Handle(Start{}))[0].Frame).KeyNonce
	if n1 == n2 || isZero(n1[:]) {
		t.Errorf("ANonces %x and %x from crypto/rand", n1, n2)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestNewSupplicantAndNewAuthenticatorRejectUnsupportedConfigurations(t *testing.T) {
	tkip := []byte{0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x02}
	sae := []byte{0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x08}
	twoCiphers := []byte{0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x02, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x00, 0x0f, 0xac, 0x08,
		0x01, 0x00, 0x00, 0x0f, 0xac, 0x02}
	for name, change := range map[string]func(*SupplicantConfig){
		"short PMK":                 func(c *SupplicantConfig) { c.PMK = c.PMK[:16] },
		"TKIP":                      func(c *SupplicantConfig) { c.RSNE, c.AuthenticatorRSNE = tkip, tkip },
		"SAE AKM":                   func(c *SupplicantConfig) { c.RSNE = sae },
		"two pairwise ciphers":      func(c *SupplicantConfig) { c.RSNE = twoCiphers },
		"truncated station RSNE":    func(c *SupplicantConfig) { c.RSNE = c.RSNE[:5] },
		"no authenticator RSNE":     func(c *SupplicantConfig) { c.AuthenticatorRSNE = nil },
		"group ciphers that differ": func(c *SupplicantConfig) { c.AuthenticatorRSNE = tkip },
	} {
		cfg := supplicantConfig()
		change(&cfg)
		if _, err := NewSupplicant(cfg); err == nil {
			t.Errorf("NewSupplicant with %s: no error", name)
		}
	}
	for name, change := range map[string]func(*AuthenticatorConfig){
		"short PMK":         func(c *AuthenticatorConfig) { c.PMK = nil },
		"GTK of 32 octets":  func(c *AuthenticatorConfig) { c.GroupKey.Key = make([]byte, 32) },
		"Key ID 4":          func(c *AuthenticatorConfig) { c.GroupKey.KeyID = 4 },
		"17 attempts":       func(c *AuthenticatorConfig) { c.Attempts = MaxAttempts + 1 },
		"negative attempts": func(c *AuthenticatorConfig) { c.Attempts = -1 },
		"SAE AKM":           func(c *AuthenticatorConfig) { c.StationRSNE = sae },
	} {
		cfg := authenticatorConfig()
		change(&cfg)
		if _, err := NewAuthenticator(cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewAuthenticator with %s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestMachinesKeepCopiesOfTheirConfiguration(t *testing.T) {
	cfg := supplicantConfig()
	pmk := bytes.Clone(cfg.PMK)
	cfg.PMK = pmk
	s, err := NewSupplicant(cfg)
	if err != nil {
		t.Fatal(err)
	}
	acfg := authenticatorConfig()
	gtk := bytes.Clone(acfg.GroupKey.Key)
	acfg.GroupKey.Key = gtk
	a, err := NewAuthenticator(acfg)
	if err != nil {
		t.Fatal(err)
	}
	clear(pmk)
	gtk[0] ^= 0xff
	l := newLink(t, a, s)
	l.authDo(Start{})
	if !s.Completed() {
		t.Fatal("handshake did not complete after the caller reused its buffers")
	}
	if diff := cmp.Diff(testGTK, only[InstallGroupKey](l.supActs)[0].Key); diff != "" {
		t.Errorf("GTK (-want +got):\n%s", diff)
	}
}

func TestSecondStartIsIgnored(t *testing.T) {
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	l.supDo(Start{})
	l.authDo(Start{})
	if acts := l.auth.Handle(Start{}); acts != nil {
		t.Errorf("authenticator second Start: %v", kinds(t, acts))
	}
	if acts := l.sup.Handle(Start{}); acts != nil {
		t.Errorf("supplicant second Start: %v", kinds(t, acts))
	}
}

func TestAuthenticatorAnswersANewSNonceWithANewMessage3(t *testing.T) {
	// A supplicant that renews its SNonce for a retransmitted 1/4 sends a
	// second 2/4 with a valid MIC: the 3/4 is rebuilt with the new PTK.
	a := newAuthenticator(t, nil)
	m1 := only[SendFrame](a.Handle(Start{}))[0].Frame
	s1, s2 := newSupplicant(t, nil), newSupplicant(t, func(c *SupplicantConfig) { c.Rand = &counterReader{next: 0x70} })
	m2a := only[SendFrame](s1.Handle(Receive{Frame: m1}))[0].Frame
	m2b := only[SendFrame](s2.Handle(Receive{Frame: m1}))[0].Frame
	acts := a.Handle(Receive{Frame: m2a})
	if diff := cmp.Diff([]string{"send 3/4", "set timer"}, kinds(t, acts)); diff != "" {
		t.Fatalf("first 2/4 (-want +got):\n%s", diff)
	}
	if acts := a.Handle(Receive{Frame: m2a}); acts != nil {
		t.Errorf("the same 2/4 again: %v", kinds(t, acts))
	}
	acts = a.Handle(Receive{Frame: m2b})
	if diff := cmp.Diff([]string{"send 3/4", "set timer"}, kinds(t, acts)); diff != "" {
		t.Fatalf("2/4 with another SNonce (-want +got):\n%s", diff)
	}
	m3 := only[SendFrame](acts)[0].Frame
	if acts := s1.Handle(Receive{Frame: m3}); acts != nil {
		t.Errorf("supplicant of the first SNonce accepted the new 3/4: %v", kinds(t, acts))
	}
	if got := kinds(t, s2.Handle(Receive{Frame: m3})); len(got) == 0 || got[0] != "send 4/4" {
		t.Errorf("supplicant of the second SNonce: %v", got)
	}
}

func TestBadInput4b28ForgedMessage1DoesNotDisruptTheHandshake(t *testing.T) {
	// Message 1/4 carries no MIC, so anyone can forge one. A forged 1/4
	// with another ANonce and a huge replay counter arriving between the
	// genuine 1/4 and 3/4 gets a (useless) 2/4, but the genuine 3/4 still
	// verifies against the PTK of its own ANonce.
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	var forgedReply []Action
	l.toSup = func(f []byte) [][]byte {
		if decodeSent(t, f).Message() == Message3Of4 && forgedReply == nil {
			forged := reframe(t, l.sentByAuth[0], nil, func(k *Key) {
				k.KeyNonce = nonce(0xee)
				k.ReplayCounter = 1 << 40
			})
			forgedReply = l.sup.Handle(Receive{Frame: forged})
		}
		return [][]byte{f}
	}
	l.authDo(Start{})
	if diff := cmp.Diff([]string{"send 2/4"}, kinds(t, forgedReply)); diff != "" {
		t.Errorf("forged 1/4 (-want +got):\n%s", diff)
	}
	if !l.sup.Completed() || !l.auth.Completed() {
		t.Fatalf("handshake did not complete; supplicant: %v", kinds(t, l.supActs))
	}
	ptk := handshakePTK(t, l)
	if got := only[InstallPairwiseKey](l.supActs); len(got) != 1 || !bytes.Equal(got[0].TK, ptk.TK) {
		t.Errorf("pairwise installs %v, want the genuine TK", got)
	}
}
