package eapol

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// machineStates are the states a fuzz input is fed in: a fresh machine,
// one that answered 1/4 (Supplicant) or sent 3/4 (Authenticator), one that
// completed the 4-way handshake, and one that also ran a group rekey.
const machineStates = 4

// stagedLink runs a clean handshake up to state and returns the link and
// the PTK both ends hold (zero before 2/4).
func stagedLink(t *testing.T, state uint8) (*link, PTK) {
	t.Helper()
	l := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	switch state % machineStates {
	case 0:
		l.auth.Handle(Start{})
		return l, PTK{}
	case 1:
		// The 4/4 never arrives: the supplicant holds the keys, the
		// authenticator waits with 3/4 outstanding. For the supplicant,
		// the 3/4 is lost instead: it holds a temporary PTK only.
		l.toSup = func(f []byte) [][]byte {
			if decodeSent(t, f).Message() == Message3Of4 {
				return nil
			}
			return [][]byte{f}
		}
		l.authDo(Start{})
		return l, handshakePTK(t, l)
	case 2:
		l.authDo(Start{})
		return l, handshakePTK(t, l)
	default:
		l.authDo(Start{})
		l.authDo(RekeyGroup{Key: newGTK})
		return l, handshakePTK(t, l)
	}
}

// machineSeeds returns the genuine frames of a clean run (every message of
// both handshakes) and the frames the other fuzz targets start from.
func machineSeeds(f *testing.F) [][]byte {
	f.Helper()
	l := newLink(f, newAuthenticator(f, nil), newSupplicant(f, nil))
	l.authDo(Start{})
	l.authDo(RekeyGroup{Key: newGTK})
	seeds := append(append([][]byte(nil), l.sentByAuth...), l.sentBySup...)
	return append(seeds, seedFrames(f)...)
}

func FuzzSupplicantHandle(f *testing.F) {
	for _, s := range machineSeeds(f) {
		for state := range uint8(machineStates) {
			f.Add(state, s)
		}
	}
	f.Fuzz(func(t *testing.T, state uint8, frame []byte) {
		l, ptk := stagedLink(t, state)
		installedTK := map[string]bool{}
		installedGTK := map[string]bool{}
		for _, p := range only[InstallPairwiseKey](l.supActs) {
			installedTK[string(p.TK)] = true
		}
		for _, g := range only[InstallGroupKey](l.supActs) {
			installedGTK[string([]byte{g.Key.KeyID})+string(g.Key.Key)] = true
		}
		in := bytes.Clone(frame)
		acts := l.sup.Handle(Receive{Frame: frame})
		if !bytes.Equal(in, frame) {
			t.Fatal("Handle changed the received frame")
		}
		validMIC := ptk.KCK != nil && CheckMIC(ptk.KCK, frame)
		for _, a := range acts {
			switch a := a.(type) {
			case InstallPairwiseKey:
				if isZero(a.TK) {
					t.Fatal("installed an all-zero TK")
				}
				if !validMIC {
					t.Fatal("installed a TK for a frame without a valid MIC")
				}
				if installedTK[string(a.TK)] {
					t.Fatal("reinstalled the TK")
				}
			case InstallGroupKey:
				if isZero(a.Key.Key) {
					t.Fatal("installed an all-zero GTK")
				}
				if !validMIC {
					t.Fatal("installed a GTK for a frame without a valid MIC")
				}
				if installedGTK[string([]byte{a.Key.KeyID})+string(a.Key.Key)] {
					t.Fatal("reinstalled a GTK")
				}
			case AuthorizePort, HandshakeDone, IPAddressAssigned:
				if !validMIC {
					t.Fatalf("%T for a frame without a valid MIC", a)
				}
			case SendFrame:
				_, k, err := DecodeKeyFrame(a.Frame, DefaultMICLen)
				if err != nil {
					t.Fatalf("sent a frame that does not decode: %v", err)
				}
				if _, err := k.Classify(); err != nil {
					t.Fatalf("sent an invalid frame: %v", err)
				}
				if m := k.Message(); m != Message2Of4 && !validMIC {
					t.Fatalf("answered a frame without a valid MIC with %v", m)
				}
			case HandshakeFailed:
				if !validMIC {
					t.Fatalf("failed on a frame without a valid MIC: %v", a.Reason)
				}
			}
		}
	})
}

func FuzzAuthenticatorHandle(f *testing.F) {
	for _, s := range machineSeeds(f) {
		for state := range uint8(machineStates) {
			f.Add(state, s)
		}
	}
	f.Fuzz(func(t *testing.T, state uint8, frame []byte) {
		l, _ := stagedLink(t, state)
		in := bytes.Clone(frame)
		acts := l.auth.Handle(Receive{Frame: frame})
		if !bytes.Equal(in, frame) {
			t.Fatal("Handle changed the received frame")
		}
		for _, a := range acts {
			switch a := a.(type) {
			case InstallPairwiseKey:
				if isZero(a.TK) {
					t.Fatal("installed an all-zero TK")
				}
				if len(only[InstallPairwiseKey](l.authActs)) > 0 {
					t.Fatal("installed a second TK")
				}
				if state%machineStates != 1 {
					t.Fatalf("installed a TK in state %d", state%machineStates)
				}
			case SendFrame:
				_, k, err := DecodeKeyFrame(a.Frame, DefaultMICLen)
				if err != nil {
					t.Fatalf("sent a frame that does not decode: %v", err)
				}
				if _, err := k.Classify(); err != nil {
					t.Fatalf("sent an invalid frame: %v", err)
				}
			}
		}
	})
}

func TestFuzzStagesLetGenuineFramesReachTheInstallPaths(t *testing.T) {
	ref := newLink(t, newAuthenticator(t, nil), newSupplicant(t, nil))
	ref.authDo(Start{})
	ref.authDo(RekeyGroup{Key: newGTK})
	m3, m4, g1 := ref.sentByAuth[1], ref.sentBySup[1], ref.sentByAuth[2]

	l, _ := stagedLink(t, 1)
	if diff := cmp.Diff([]string{"send 4/4", "install pairwise", "install group", "authorize", "done 4-way handshake"},
		kinds(t, l.sup.Handle(Receive{Frame: m3}))); diff != "" {
		t.Errorf("supplicant in state 1, genuine 3/4 (-want +got):\n%s", diff)
	}
	l, _ = stagedLink(t, 1)
	if diff := cmp.Diff([]string{"stop timer", "install pairwise", "authorize", "done 4-way handshake"},
		kinds(t, l.auth.Handle(Receive{Frame: m4}))); diff != "" {
		t.Errorf("authenticator in state 1, genuine 4/4 (-want +got):\n%s", diff)
	}
	l, _ = stagedLink(t, 2)
	if diff := cmp.Diff([]string{"install group", "send group 2/2", "done group key handshake"},
		kinds(t, l.sup.Handle(Receive{Frame: g1}))); diff != "" {
		t.Errorf("supplicant in state 2, genuine group 1/2 (-want +got):\n%s", diff)
	}
	l, _ = stagedLink(t, 3)
	if acts := l.sup.Handle(Receive{Frame: g1}); acts != nil {
		t.Errorf("supplicant in state 3, replayed group 1/2: %v", kinds(t, acts))
	}
}
