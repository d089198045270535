package simradio

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// answerProbes plays the owner of an AP without probe response offload:
// it answers every probe request it receives with a probe response built
// from the beacon templates, until the stream ends.
func answerProbes(ap radio.Interface, b radio.BeaconData, freq int) {
	addr := ap.Info().Addr
	for e := range ap.Events() {
		fr, ok := e.(radio.FrameReceived)
		if !ok {
			continue
		}
		h, _, _ := parseMgmt(fr.Frame)
		if h.subtype != ieee80211.SubtypeProbeReq {
			continue
		}
		resp := appendHeader(nil, ieee80211.SubtypeProbeResp, h.addr2, addr, addr, 0)
		resp = append(resp, b.Head[hdrLen:]...)
		resp = append(resp, b.Tail...)
		resp = append(resp, b.ProbeRespIEs...)
		ap.SendFrame(context.Background(), radio.Tx{Frame: resp, Freq: freq, NoAck: true})
	}
}

func TestScanFindsAnAPOnItsChannelWithItsElements(t *testing.T) {
	tests := []struct {
		name      string
		offload   bool
		answer    bool // the AP's owner answers probe requests
		probeResp bool // a probe response is expected
	}{
		{name: "probe response offload", offload: true, probeResp: true},
		{name: "owner answers", answer: true, probeResp: true},
		{name: "nobody answers: beacons only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				pa, ap := s.startAP(PhyConfig{ProbeRespOffload: tt.offload}, radio.IfP2PGO, "DIRECT-ab", 2437, 50)
				_, far := s.startAP(PhyConfig{ProbeRespOffload: true}, radio.IfP2PGO, "DIRECT-cd", 5180, 50)
				b := beaconData(ap.Info().Addr, "DIRECT-ab", 50, []byte{ieee80211.ElemRSN, 2, 1, 0}, p2pIE)
				if tt.answer {
					must(t, ap.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeProbeReq}))
					go answerProbes(ap, b, 2437)
				}
				sc := s.iface(s.phy(PhyConfig{}), radio.IfP2PDevice)
				start := time.Now()
				must(t, sc.TriggerScan(context.Background(), radio.ScanRequest{
					Freqs: []int{2412, 2437}, SSIDs: [][]byte{p2pWildcardSSID}, NoCCK: true, Dwell: 60 * time.Millisecond,
				}))
				if got := await[radio.ScanDone](t, sc, time.Second); got.Aborted {
					t.Fatal("scan aborted")
				}
				if got, want := time.Since(start), 2*(DefaultSwitchDelay+60*time.Millisecond); got != want {
					t.Errorf("scan took %v, want %v", got, want)
				}
				res, err := sc.ScanResults(context.Background())
				must(t, err)
				beaconIEs := append(append(cloneBytes(ies(b.Head)), ieee80211.ElemTIM, 4, 0, 2, 0, 0), b.Tail...)
				want := radio.BSS{
					BSSID: ap.Info().Addr, Freq: 2437, Signal: DefaultSignal, BeaconInterval: 50,
					Capability: capESS | capPrivacy, BeaconIEs: beaconIEs, IEs: beaconIEs,
				}
				if tt.probeResp {
					want.IEs = append(append(cloneBytes(ies(b.Head)), b.Tail...), b.ProbeRespIEs...)
					want.ProbeResp = true
				}
				ignore := cmpopts.IgnoreFields(radio.BSS{}, "TSF", "Seen")
				if diff := cmp.Diff([]radio.BSS{want}, res, ignore, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("results (-want +got):\n%s", diff)
				}
				if len(res) == 1 && (res[0].Seen.Before(start) || res[0].Seen.After(time.Now())) {
					t.Errorf("seen at %v, scan ran from %v to %v", res[0].Seen, start, time.Now())
				}
				_ = pa
				_ = far
			})
		})
	}
}

func TestScanProbesWithTheRequestedElementsExceptOnNoIRChannels(t *testing.T) {
	tests := []struct {
		name      string
		freq      int
		noCCK     bool
		wantProbe bool
		wantRates []byte
	}{
		{name: "2.4 GHz with CCK", freq: 2412, wantProbe: true, wantRates: ratesCCK},
		{name: "2.4 GHz without CCK", freq: 2412, noCCK: true, wantProbe: true, wantRates: ratesOFDMBasic},
		{name: "5 GHz", freq: 5200, wantProbe: true, wantRates: ratesOFDMBasic},
		{name: "no-IR channel: passive", freq: 5260},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, Options{})
				listener := s.iface(s.phy(PhyConfig{}), radio.IfP2PDevice)
				must(t, listener.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeProbeReq}))
				roc(t, listener, tt.freq, time.Second)
				sc := s.iface(s.phy(PhyConfig{}), radio.IfP2PDevice)
				extra := ieee80211.AppendVendor(nil, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, []byte{2, 2, 0, 0x25, 0})
				must(t, sc.TriggerScan(context.Background(), radio.ScanRequest{
					Freqs: []int{tt.freq}, SSIDs: [][]byte{[]byte("DIRECT-")}, IEs: extra, NoCCK: tt.noCCK,
				}))
				await[radio.ScanDone](t, sc, time.Second)
				got := onlyType[radio.FrameReceived](drain(listener))
				if !tt.wantProbe {
					if len(got) != 0 {
						t.Fatalf("probe requests on a no-IR channel: %d", len(got))
					}
					return
				}
				if len(got) != 1 {
					t.Fatalf("got %d probe requests, want 1", len(got))
				}
				h, body, _ := parseMgmt(got[0].Frame)
				if h.addr1 != ieee80211.Broadcast || h.addr2 != sc.Info().Addr || h.addr3 != ieee80211.Broadcast {
					t.Errorf("addresses %v %v %v", h.addr1, h.addr2, h.addr3)
				}
				if ssid, _ := findElement(body, ieee80211.ElemSSID); string(ssid) != "DIRECT-" {
					t.Errorf("SSID %q", ssid)
				}
				rates, _ := findElement(body, ieee80211.ElemSupportedRates)
				if !bytes.HasPrefix(rates, tt.wantRates) {
					t.Errorf("rates %x, want prefix %x", rates, tt.wantRates)
				}
				if !bytes.HasSuffix(body, extra) {
					t.Errorf("body %x does not end with the request's IEs", body)
				}
			})
		})
	}
}

func TestScanDoesNotFindAnAPOutsideTheScannedChannels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		s.startAP(PhyConfig{ProbeRespOffload: true}, radio.IfAP, "lab", 2462, 20)
		sc := s.iface(s.phy(PhyConfig{}), radio.IfStation)
		must(t, sc.TriggerScan(context.Background(), radio.ScanRequest{Freqs: []int{2412, 2437, 5180}}))
		await[radio.ScanDone](t, sc, time.Second)
		res, err := sc.ScanResults(context.Background())
		must(t, err)
		if len(res) != 0 {
			t.Errorf("found %v", res)
		}
	})
}

func TestScanOfEveryChannelSkipsDisabledOnes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		s.startAP(PhyConfig{ProbeRespOffload: true}, radio.IfAP, "lab", 5240, 20)
		sc := s.iface(s.phy(PhyConfig{}), radio.IfStation)
		start := time.Now()
		must(t, sc.TriggerScan(context.Background(), radio.ScanRequest{}))
		await[radio.ScanDone](t, sc, 10*time.Second)
		// 13 + 5 enabled channels (5280 is disabled).
		if got, want := time.Since(start), 18*(DefaultSwitchDelay+DefaultScanDwell); got != want {
			t.Errorf("scan took %v, want %v", got, want)
		}
		res, err := sc.ScanResults(context.Background())
		must(t, err)
		if len(res) != 1 || res[0].Freq != 5240 || !res[0].ProbeResp {
			t.Errorf("results %+v", res)
		}
		wantErr(t, "only a disabled channel", sc.TriggerScan(context.Background(), radio.ScanRequest{Freqs: []int{5280}}), radio.ErrInvalid)
		wantErr(t, "unknown channel", sc.TriggerScan(context.Background(), radio.ScanRequest{Freqs: []int{2413}}), radio.ErrInvalid)
	})
}

func TestSecondScanIsBusyAndAbortEndsTheScan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p := s.phy(PhyConfig{})
		a := s.iface(p, radio.IfStation)
		b := s.iface(p, radio.IfP2PDevice)
		ctx := context.Background()
		must(t, a.TriggerScan(ctx, radio.ScanRequest{}))
		wantErr(t, "second scan, same interface", a.TriggerScan(ctx, radio.ScanRequest{}), radio.ErrBusy)
		wantErr(t, "second scan, same phy", b.TriggerScan(ctx, radio.ScanRequest{}), radio.ErrBusy)
		wantErr(t, "abort by another interface", b.AbortScan(ctx), radio.ErrInvalid)
		time.Sleep(100 * time.Millisecond)
		must(t, a.AbortScan(ctx))
		if diff := cmp.Diff([]radio.Event{radio.ScanDone{Aborted: true}}, drain(a)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if got := p.Channel(); got != 0 {
			t.Errorf("channel after abort: %d", got)
		}
		wantErr(t, "abort again", a.AbortScan(ctx), radio.ErrInvalid)
		must(t, b.TriggerScan(ctx, radio.ScanRequest{Freqs: []int{2412}}))
		if got := await[radio.ScanDone](t, b, time.Second); got.Aborted {
			t.Error("scan after abort was aborted")
		}
	})
}

func TestScanQueuesBehindRemainOnChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		p := s.phy(PhyConfig{})
		f := s.iface(p, radio.IfP2PDevice)
		ctx := context.Background()
		start := time.Now()
		c := roc(t, f, 2437, 200*time.Millisecond)
		must(t, f.TriggerScan(ctx, radio.ScanRequest{Freqs: []int{2412}}))
		synctest.Wait()
		if got := p.Channel(); got != 2437 {
			t.Errorf("channel with a scan queued: %d", got)
		}
		if got := await[radio.RemainOnChannelExpired](t, f, time.Second); got.Cookie != c {
			t.Errorf("expired %v", got)
		}
		await[radio.ScanDone](t, f, time.Second)
		if got, want := time.Since(start), 2*DefaultSwitchDelay+200*time.Millisecond+DefaultScanDwell; got != want {
			t.Errorf("scan done after %v, want %v", got, want)
		}
	})
}

func TestScanFlushForgetsBSSsNotHeardAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		pa, _ := s.startAP(PhyConfig{ProbeRespOffload: true}, radio.IfAP, "lab", 2412, 20)
		sc := s.iface(s.phy(PhyConfig{}), radio.IfStation)
		ctx := context.Background()
		scan := func(flush bool) int {
			t.Helper()
			must(t, sc.TriggerScan(ctx, radio.ScanRequest{Freqs: []int{2412}, Flush: flush}))
			await[radio.ScanDone](t, sc, time.Second)
			res, err := sc.ScanResults(ctx)
			must(t, err)
			return len(res)
		}
		if got := scan(false); got != 1 {
			t.Fatalf("first scan found %d", got)
		}
		must(t, s.m.RemovePhy(pa))
		if got := scan(false); got != 1 {
			t.Errorf("scan without flush kept %d, want 1", got)
		}
		if got := scan(true); got != 0 {
			t.Errorf("scan with flush kept %d, want 0", got)
		}
	})
}

func TestScanResultsExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		pa, _ := s.startAP(PhyConfig{ProbeRespOffload: true}, radio.IfAP, "lab", 2412, 20)
		sc := s.iface(s.phy(PhyConfig{}), radio.IfStation)
		ctx := context.Background()
		must(t, sc.TriggerScan(ctx, radio.ScanRequest{Freqs: []int{2412}}))
		await[radio.ScanDone](t, sc, time.Second)
		must(t, s.m.RemovePhy(pa))
		time.Sleep(ScanResultExpiry + time.Second)
		res, err := sc.ScanResults(ctx)
		must(t, err)
		if len(res) != 0 {
			t.Errorf("stale results %v", res)
		}
	})
}
