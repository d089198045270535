package group

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/internal/vectors"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// splitFrames splits hostap's ap-mgmt fuzzer input: frames each preceded
// by a 2-octet big-endian length.
func splitFrames(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if n > len(b) {
			n = len(b)
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func joinFrames(frames ...[]byte) []byte {
	var out []byte
	for _, f := range frames {
		out = binary.BigEndian.AppendUint16(out, uint16(len(f)))
		out = append(out, f...)
	}
	return out
}

var fuzzPSK = make([]byte, 32)

// FuzzGOFrames feeds arbitrary management frames (and the same octets as
// EAPOL PDUs) to a GO forming a group with WPS: no panic, and the station
// records stay bounded.
func FuzzGOFrames(f *testing.F) {
	files, _ := filepath.Glob("testdata/ap-mgmt/*.dat")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	auth := authRequest(machineSTA).(radio.FrameReceived).Frame
	for _, extra := range [][]byte{appendRSNE(nil, clientRSNE), appendWSCAssocReq(nil, wsc.PasswordPushButton)} {
		f.Add(joinFrames(auth, assocRequest(machineSTA, "DIRECT-zz", extra).(radio.FrameReceived).Frame))
	}
	f.Add(joinFrames(probeRequest(machineSTA, "DIRECT-", ofdmRates, nil).(radio.FrameReceived).Frame))
	f.Fuzz(func(t *testing.T, b []byte) {
		m := startedGO(t, func(c *GOConfig) {
			c.Formation = &Formation{WPS: &WPS{PasswordID: wsc.PasswordPushButton}}
			c.Passphrase, c.PSK = "", fuzzPSK // no PBKDF2 per input
		})
		for _, fr := range splitFrames(b) {
			// Aim the frame at our GO so that it gets past the address
			// checks.
			if len(fr) >= ieee80211.MgmtHeaderLen {
				fr = append([]byte(nil), fr...)
				if fr[4]&1 == 0 {
					copy(fr[4:10], machineGO[:])
				}
				copy(fr[16:22], machineGO[:])
			}
			m.Handle(t0, RadioEvent{Event: radio.FrameReceived{Frame: fr, Freq: 2437}})
			m.Handle(t0, TxDone{Tag: Tag{Kind: TagAssocResp, Peer: machineSTA}, Acked: true})
			m.Handle(t0, RadioEvent{Event: radio.EAPOLReceived{Src: machineSTA, PDU: fr}})
			if len(m.stations) > m.stationLimit() {
				t.Fatalf("%d station records, limit %d", len(m.stations), m.stationLimit())
			}
		}
	})
}

// FuzzClientScanResults hands a client arbitrary elements as the scan
// result of the GO: no panic.
func FuzzClientScanResults(f *testing.F) {
	if b, err := os.ReadFile("testdata/proberesp-go.dat"); err == nil {
		f.Add(b)
	}
	if frames, err := vectors.Load("go-neg-pbc.pcap"); err == nil {
		for _, fr := range frames {
			if m, err := ieee80211.DecodeMgmt(fr.Data); err == nil && m.Header.FrameControl.Subtype == ieee80211.SubtypeProbeResp && len(m.Body) > 12 {
				f.Add(m.Body[12:])
				break
			}
		}
	}
	f.Fuzz(func(t *testing.T, ies []byte) {
		m, err := NewClientMachine(ClientConfig{
			Device: Device{Address: machinePeer}, GODeviceAddress: machineDev, Freq: 2437,
			WPS: &WPS{PasswordID: wsc.PasswordPushButton}, Rand: seeded(4),
		}, ClientEnv{Interface: radio.InterfaceInfo{Addr: machineSTA}})
		if err != nil {
			t.Fatal(err)
		}
		m.Handle(t0, Start{})
		m.Handle(t0, RadioEvent{Event: radio.ScanDone{}})
		m.Handle(t0, ScanResults{BSSs: []radio.BSS{{BSSID: machineGO, Freq: 2437, IEs: ies, BeaconIEs: ies}}})
	})
}
