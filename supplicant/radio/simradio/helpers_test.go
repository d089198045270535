package simradio

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// sim is a medium under test; its cleanup closes the medium and drains
// every stream so that no goroutine outlives the synctest bubble.
type sim struct {
	t      *testing.T
	m      *Medium
	ifaces []radio.Interface
}

func newSim(t *testing.T, o Options) *sim {
	t.Helper()
	s := &sim{t: t, m: NewMedium(o)}
	t.Cleanup(func() {
		s.m.Close()
		for _, f := range s.ifaces {
			for range f.Events() {
			}
		}
	})
	return s
}

func (s *sim) phy(c PhyConfig) *Phy {
	s.t.Helper()
	p, err := s.m.AddPhy(c)
	if err != nil {
		s.t.Fatalf("AddPhy: %v", err)
	}
	return p
}

func (s *sim) iface(p *Phy, typ radio.IfType) radio.Interface {
	s.t.Helper()
	f, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: typ})
	if err != nil {
		s.t.Fatalf("NewInterface(%v): %v", typ, err)
	}
	s.ifaces = append(s.ifaces, f)
	return f
}

// p2pDevice adds a phy with a P2P device registered for Public Action
// frames.
func (s *sim) p2pDevice(c PhyConfig) (*Phy, radio.Interface) {
	s.t.Helper()
	p := s.phy(c)
	f := s.iface(p, radio.IfP2PDevice)
	must(s.t, f.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeAction, Match: []byte{categoryPublic}}))
	return p, f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err wraps want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// drain returns every event f has delivered so far, once the bubble is
// idle.
func drain(f radio.Interface) []radio.Event {
	var out []radio.Event
	for {
		synctest.Wait()
		select {
		case e, ok := <-f.Events():
			if !ok {
				return out
			}
			out = append(out, e)
		default:
			return out
		}
	}
}

// settle lets d of virtual time pass and returns f's events.
func settle(d time.Duration, f radio.Interface) []radio.Event {
	time.Sleep(d)
	return drain(f)
}

// eapolErr keeps the error of a SendEAPOL.
func eapolErr(_ radio.Cookie, err error) error { return err }

// withoutType drops the events of type T.
func withoutType[T radio.Event](evs []radio.Event) []radio.Event {
	var out []radio.Event
	for _, e := range evs {
		if _, ok := e.(T); !ok {
			out = append(out, e)
		}
	}
	return out
}

// onlyType keeps the events of type T.
func onlyType[T radio.Event](evs []radio.Event) []T {
	var out []T
	for _, e := range evs {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

// await reads f's events until one of type T arrives within d.
func await[T radio.Event](t *testing.T, f radio.Interface, d time.Duration) T {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e, ok := <-f.Events():
			if !ok {
				t.Fatalf("stream closed waiting for %T", *new(T))
			}
			if x, ok := e.(T); ok {
				return x
			}
		case <-deadline:
			t.Fatalf("no %T within %v", *new(T), d)
		}
	}
}

// roc puts f on freq for d and waits until it is there.
func roc(t *testing.T, f radio.Interface, freq int, d time.Duration) radio.Cookie {
	t.Helper()
	c, err := f.RemainOnChannel(context.Background(), freq, d)
	must(t, err)
	if got := await[radio.RemainOnChannelStarted](t, f, time.Second); got.Cookie != c {
		t.Fatalf("started cookie %d, want %d", got.Cookie, c)
	}
	return c
}

var p2pPublicPrefix = []byte{categoryPublic, 9, 0x50, 0x6f, 0x9a, 9} // Public Action, vendor specific, WFA P2P

// actionFrame builds a P2P public action frame (Wi-Fi P2P Technical
// Specification v1.7, 4.2.1) from src to dst with this dialog token.
func actionFrame(dst, src ieee80211.MAC, token byte) []byte {
	b := appendHeader(nil, ieee80211.SubtypeAction, dst, src, dst, 0)
	if dst.IsGroup() {
		copy(b[16:22], src[:])
	}
	b = append(b, p2pPublicPrefix...)
	return append(b, 0 /* GO Negotiation Request */, token)
}

// beaconData builds beacon templates for an AP at addr.
func beaconData(addr ieee80211.MAC, ssid string, interval uint16, tail, probeRespIEs []byte) radio.BeaconData {
	h := appendHeader(nil, ieee80211.SubtypeBeacon, ieee80211.Broadcast, addr, addr, 0)
	h = append(h, make([]byte, 8)...) // Timestamp
	h = binary.LittleEndian.AppendUint16(h, interval)
	h = binary.LittleEndian.AppendUint16(h, capESS|capPrivacy)
	h = appendSSID(h, []byte(ssid))
	h = appendRates(h, 2437, true)
	return radio.BeaconData{Head: h, Tail: tail, ProbeRespIEs: probeRespIEs}
}

// startAP starts an AP of type typ on a new phy.
func (s *sim) startAP(c PhyConfig, typ radio.IfType, ssid string, freq int, interval uint16) (*Phy, radio.Interface) {
	s.t.Helper()
	p := s.phy(c)
	ap := s.iface(p, typ)
	addr := ap.Info().Addr
	cfg := radio.APConfig{
		Beacon:         beaconData(addr, ssid, interval, []byte{ieee80211.ElemRSN, 2, 1, 0}, p2pIE),
		Freq:           freq,
		BeaconInterval: interval,
		DTIMPeriod:     2,
		SSID:           []byte(ssid),
	}
	must(s.t, ap.StartAP(context.Background(), cfg))
	return p, ap
}

var p2pIE = ieee80211.AppendVendor(nil, ieee80211.OUIWFA, ieee80211.VendorTypeP2P, []byte{2, 2, 0, 0x25, 0})

// elements after the fixed fields of a beacon or probe response.
func ies(frame []byte) []byte { return frame[hdrLen+beaconFixed:] }
