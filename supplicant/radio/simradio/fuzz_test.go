package simradio

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// FuzzMediumFrames feeds arbitrary management frame bodies through every
// parser of the simulated radio: the station's SME (a frame from its BSS
// while it waits for the association response), the AP's probe response
// offload, the scan's BSS recording, the receive filters, and beacon and
// probe response templates built from arbitrary elements. The medium must
// not panic, and every stream must still end cleanly (synctest fails on a
// deadlock or a leaked goroutine).
func FuzzMediumFrames(f *testing.F) {
	seedFile := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	// hostap's ap-mgmt corpus: frames each preceded by a big-endian length.
	multi := seedFile("multi.dat")
	for len(multi) >= 2 {
		n := int(binary.BigEndian.Uint16(multi))
		multi = multi[2:]
		if n > len(multi) {
			break
		}
		if fr := multi[:n]; len(fr) >= hdrLen {
			for target := range byte(3) {
				f.Add(fr[0]>>4, target, fr[hdrLen:])
			}
		}
		multi = multi[n:]
	}
	// A GO's probe response elements, as a beacon and as a probe response.
	ies := seedFile("proberesp-go.dat")
	fixed := append(make([]byte, 8), 100, 0, 0x11, 0)
	f.Add(ieee80211.SubtypeBeacon, byte(0), append(fixed, ies...))
	f.Add(ieee80211.SubtypeProbeResp, byte(2), append(fixed, ies...))
	if gn := seedFile("go-neg-req.dat"); len(gn) > hdrLen {
		f.Add(ieee80211.SubtypeAction, byte(2), gn[hdrLen:])
	}
	f.Add(ieee80211.SubtypeAssocResp, byte(1), []byte{1, 0, 0, 0, 1, 0xc0, 1, 1})
	f.Add(ieee80211.SubtypeAssocResp, byte(1), []byte{1, 0, 0})
	f.Add(ieee80211.SubtypeDeauth, byte(1), []byte{7})
	f.Add(ieee80211.SubtypeProbeReq, byte(0), []byte{0, 7, 'D', 'I', 'R', 'E', 'C', 'T', '-'})
	f.Add(ieee80211.SubtypeProbeReq, byte(0), []byte{0, 255, 1})

	f.Fuzz(func(t *testing.T, subtype, target byte, body []byte) {
		// A watchdog on the real clock turns an input that stalls the
		// simulation into a crash the fuzzer records (it would otherwise
		// look like golang/go#51484's "0 execs/sec").
		wd := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("input stalled: %d %d %x", subtype, target, body)) })
		defer wd.Stop()
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			s := newSim(t, Options{})
			_, ap := s.startAP(PhyConfig{ProbeRespOffload: true}, radio.IfP2PGO, "DIRECT-fz", 2412, 100)
			registerSME(t, ap)
			apAddr := ap.Info().Addr
			sta := s.iface(s.phy(PhyConfig{}), radio.IfP2PClient)
			must(t, sta.Connect(ctx, radio.ConnectRequest{BSSID: apAddr, Freq: 2412}))
			answerAuth(t, ap, 0)
			await[radio.FrameReceived](t, ap, time.Second) // the association request, unanswered
			_, dev := s.p2pDevice(PhyConfig{})
			for _, st := range []uint8{ieee80211.SubtypeProbeReq, ieee80211.SubtypeProbeResp, ieee80211.SubtypeBeacon} {
				must(t, dev.RegisterFrame(ctx, radio.FrameMatch{Subtype: st}))
			}
			roc(t, dev, 2412, time.Second)
			sc := s.iface(s.phy(PhyConfig{}), radio.IfStation)
			must(t, sc.TriggerScan(ctx, radio.ScanRequest{Freqs: []int{2412}, Dwell: 250 * time.Millisecond}))

			st := subtype & 0x0f
			dst := []ieee80211.MAC{ieee80211.Broadcast, sta.Info().Addr, dev.Info().Addr}[int(target)%3]
			// From the AP (the station's BSS) to the target.
			fr := appendHeader(nil, st, dst, apAddr, apAddr, 0)
			ap.SendFrame(ctx, radio.Tx{Frame: append(fr, body...)})
			// From the P2P device to the AP.
			fr = appendHeader(nil, st, apAddr, dev.Info().Addr, apAddr, 0)
			dev.SendFrame(ctx, radio.Tx{Frame: append(fr, body...), Freq: 2412, OffChannel: true})
			fr = appendHeader(nil, st, ieee80211.Broadcast, dev.Info().Addr, ieee80211.Broadcast, 0)
			dev.SendFrame(ctx, radio.Tx{Frame: append(fr, body...), Freq: 2412, OffChannel: true})
			// Templates made of arbitrary elements.
			head := appendHeader(nil, ieee80211.SubtypeBeacon, ieee80211.Broadcast, apAddr, apAddr, 0)
			head = append(head, fixed...)
			ap.SetBeacon(ctx, radio.BeaconData{Head: append(head, body...), Tail: body, ProbeRespIEs: body})

			time.Sleep(400 * time.Millisecond)
			if _, err := sc.ScanResults(ctx); err != nil {
				t.Fatal(err)
			}
			if got := sta.Info().Freq; got != 0 && got != 2412 {
				t.Fatalf("station on %d MHz", got)
			}
		})
	})
}
