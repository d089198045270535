package wsc

import (
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/eap"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
)

// referenceRun is one successful PIN registration, stopped after every
// step: the Enrollee and the Registrar as they were waiting for each
// message, and the genuine message they got.
type referenceRun struct {
	enrollees    []Enrollee    // waiting for M2, M4, M6, M8
	toEnrollee   []SendMessage // M2, M4, M6, M8
	registrars   []Registrar   // waiting for M1, M3, M5, M7, WSC_Done
	toRegistrar  []SendMessage // M1, M3, M5, M7, WSC_Done
	enrolleeCfg  EnrolleeConfig
	registrarCfg RegistrarConfig
}

func newReferenceRun(t testing.TB) *referenceRun {
	t.Helper()
	ref := &referenceRun{
		enrolleeCfg:  enrolleeConfig(PasswordDefault, "12345670", 300),
		registrarCfg: registrarConfig(PasswordDefault, "12345670", 301),
	}
	e, err := NewEnrollee(ref.enrolleeCfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRegistrar(ref.registrarCfg)
	if err != nil {
		t.Fatal(err)
	}
	one := func(acts []Action) SendMessage {
		msgs := sentMessages(acts)
		if len(msgs) != 1 {
			t.Fatalf("reference run: %+v", acts)
		}
		return msgs[0]
	}
	toReg := one(e.Handle(Start{}))
	for {
		ref.registrars = append(ref.registrars, *r)
		ref.toRegistrar = append(ref.toRegistrar, toReg)
		acts := r.Handle(MessageReceived{Op: toReg.Op, Message: toReg.Message})
		if r.Ended() {
			break
		}
		toEnr := one(acts)
		ref.enrollees = append(ref.enrollees, *e)
		ref.toEnrollee = append(ref.toEnrollee, toEnr)
		toReg = one(e.Handle(MessageReceived{Op: toEnr.Op, Message: toEnr.Message}))
	}
	if len(ref.enrollees) != 4 || len(ref.registrars) != 5 {
		t.Fatalf("reference run: %d and %d steps", len(ref.enrollees), len(ref.registrars))
	}
	return ref
}

// fuzzSeeds adds, for every state, the genuine message and every captured
// WSC message, in each delivery mode.
func fuzzSeeds(f *testing.F, genuine []SendMessage) {
	var captured [][]byte
	names, _ := vectors.Names()
	for _, name := range names {
		for _, m := range loadCapture(f, name).msgs {
			captured = append(captured, m.data)
		}
	}
	for state, m := range genuine {
		for mode := range uint8(3) {
			f.Add(uint8(state), mode, uint8(m.Op), m.Message)
		}
		for _, c := range captured {
			f.Add(uint8(state), uint8(0), uint8(eap.OpMsg), c)
		}
	}
	for _, file := range []string{"eap-req-identity.dat", "eap-req-sim.dat"} {
		f.Add(uint8(0), uint8(1), uint8(0), readTestdata(f, file))
	}
}

// wscFrame wraps a WSC message in an unfragmented EAP-WSC packet.
func wscFrame(code eap.Code, id uint8, op eap.OpCode, msg []byte) []byte {
	p, err := eap.WSCPacket(code, id, eap.WSCFrame{OpCode: op, Data: msg})
	if err != nil {
		return nil
	}
	f, err := eapFrame(2, p)
	if err != nil {
		return nil
	}
	return f
}

// unfragmentedMessage returns the WSC message an EAPOL frame carries
// whole, if it does.
func unfragmentedMessage(frame []byte) ([]byte, bool) {
	_, p, ok := receivedEAP(frame)
	if !ok || !p.IsWSC() {
		return nil, false
	}
	w, err := p.WSC()
	if err != nil || w.Flags&eap.FlagMF != 0 {
		return nil, false
	}
	return w.Data, true
}

// FuzzEnrolleeHandle feeds arbitrary input to an Enrollee waiting for M2,
// M4, M6 or M8: as a WSC message (mode 0), as an EAPOL frame to an EAPPeer
// running it (mode 1), or wrapped in an EAP-WSC request (mode 2). No input
// may panic, and a Credential may only come out of a message whose
// Authenticator verifies under the run's AuthKey.
func FuzzEnrolleeHandle(f *testing.F) {
	ref := newReferenceRun(f)
	fuzzSeeds(f, ref.toEnrollee)
	f.Fuzz(func(t *testing.T, state, mode, op uint8, data []byte) {
		snap := ref.enrollees[int(state)%len(ref.enrollees)]
		e := snap
		e.cfg.Rand = seeded(uint64(state))
		var acts []Action
		msg, whole := data, true
		switch mode % 3 {
		case 0:
			acts = e.Handle(MessageReceived{Op: eap.OpCode(op), Message: data})
		default:
			p, err := NewEAPPeer(EAPPeerConfig{Enrollee: ref.enrolleeCfg})
			if err != nil {
				t.Fatal(err)
			}
			p.enrollee, p.heard = &e, true
			frame := data
			if mode%3 == 2 {
				frame = wscFrame(eap.CodeRequest, 99, eap.OpCode(op), data)
			}
			msg, whole = unfragmentedMessage(frame)
			acts = p.Handle(FrameReceived{Frame: frame})
		}
		outcomes := 0
		for _, a := range acts {
			switch a := a.(type) {
			case Failed:
				outcomes++
			case Succeeded:
				outcomes++
				if snap.state != enrolleeWaitM8 {
					t.Fatalf("Succeeded in state %d", snap.state)
				}
				if !whole {
					t.Fatalf("Succeeded from a fragment")
				}
				if err := VerifyAuthenticator(snap.keys.AuthKey, snap.last, msg); err != nil {
					t.Fatalf("Credential %+v from a message whose Authenticator fails: %v", a.Credentials, err)
				}
				for _, c := range a.Credentials {
					if err := ValidateNetworkKey(c.AuthenticationType, c.NetworkKey); err != nil {
						t.Fatalf("Credential with a bad Network Key: %v", err)
					}
				}
			}
		}
		if outcomes > 1 {
			t.Fatalf("%d outcomes: %+v", outcomes, acts)
		}
	})
}

// FuzzRegistrarHandle feeds arbitrary input to a Registrar waiting for M1,
// M3, M5, M7 or WSC_Done, directly (mode 0), as an EAPOL frame to an
// EAPServer running it (mode 1), or wrapped in an EAP-WSC response (mode
// 2). No input may panic, and M8 (the Credential) may only go out in
// answer to an M7 whose Authenticator verifies and whose E-SNonce2
// matches E-Hash2.
func FuzzRegistrarHandle(f *testing.F) {
	ref := newReferenceRun(f)
	fuzzSeeds(f, ref.toRegistrar)
	f.Fuzz(func(t *testing.T, state, mode, op uint8, data []byte) {
		snap := ref.registrars[int(state)%len(ref.registrars)]
		r := snap
		r.cfg.Rand = seeded(uint64(state))
		var acts []Action
		msg, whole := data, true
		switch mode % 3 {
		case 0:
			acts = r.Handle(MessageReceived{Op: eap.OpCode(op), Message: data})
		default:
			s, err := NewEAPServer(EAPServerConfig{Registrar: ref.registrarCfg})
			if err != nil {
				t.Fatal(err)
			}
			s.registrar, s.state, s.id = &r, serverRunning, 99
			frame := data
			if mode%3 == 2 {
				frame = wscFrame(eap.CodeResponse, 99, eap.OpCode(op), data)
			}
			msg, whole = unfragmentedMessage(frame)
			acts = s.Handle(FrameReceived{Frame: frame})
		}
		if r.state == registrarWaitDone && snap.state != registrarWaitDone {
			// M8 went out: the input must be an authentic M7 proving the PIN.
			if snap.state != registrarWaitM7 || !whole {
				t.Fatalf("M8 sent from state %d (whole message %v)", snap.state, whole)
			}
			if err := VerifyAuthenticator(snap.keys.AuthKey, snap.last, msg); err != nil {
				t.Fatalf("M8 sent for an M7 whose Authenticator fails: %v", err)
			}
			m7, err := Decode[M7](msg)
			if err != nil {
				t.Fatalf("M8 sent for an undecodable M7: %v", err)
			}
			s, err := openSettings[M7Settings](snap.keys, m7.EncryptedSettings)
			if err != nil || SecretHash(snap.keys.AuthKey, s.ESNonce2, snap.psk2, snap.pkE, snap.pkR) != snap.eHash2 {
				t.Fatalf("M8 sent although E-SNonce2 does not match E-Hash2 (%v)", err)
			}
		}
		outcomes := 0
		for _, a := range acts {
			switch a.(type) {
			case Failed:
				outcomes++
			case Succeeded:
				outcomes++
				if snap.state != registrarWaitDone {
					t.Fatalf("Succeeded in state %d", snap.state)
				}
			}
		}
		if outcomes > 1 {
			t.Fatalf("%d outcomes: %+v", outcomes, acts)
		}
	})
}
