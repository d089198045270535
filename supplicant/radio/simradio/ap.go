package simradio

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// TU is the IEEE 802.11 time unit (1024 µs).
const TU = 1024 * time.Microsecond

// apState is a started AP (or P2P GO) with a userspace SME.
type apState struct {
	cfg      radio.APConfig
	ssid     []byte
	interval time.Duration
	start    time.Time
	count    uint64 // beacons sent
	item     *item  // next beacon
	stations map[ieee80211.MAC]radio.StationParams
}

func (f *iface) isAPType() bool {
	return f.info.Type == radio.IfAP || f.info.Type == radio.IfP2PGO
}

func cloneBeacon(b radio.BeaconData) radio.BeaconData {
	return radio.BeaconData{
		Head: cloneBytes(b.Head), Tail: cloneBytes(b.Tail), ProbeRespIEs: cloneBytes(b.ProbeRespIEs),
		AssocRespIEs: cloneBytes(b.AssocRespIEs), ProbeResp: cloneBytes(b.ProbeResp),
	}
}

func checkBeacon(op string, b radio.BeaconData) error {
	h, _, ok := parseMgmt(b.Head)
	if !ok || h.subtype != ieee80211.SubtypeBeacon || len(b.Head) < hdrLen+beaconFixed {
		return opErr(op, radio.ErrInvalid, "beacon head is not a beacon header with fixed fields (%d octets)", len(b.Head))
	}
	if len(b.ProbeResp) > 0 {
		if h, _, ok := parseMgmt(b.ProbeResp); !ok || h.subtype != ieee80211.SubtypeProbeResp || len(b.ProbeResp) < hdrLen+beaconFixed {
			return opErr(op, radio.ErrInvalid, "probe response template is not a probe response")
		}
	}
	return nil
}

// StartAP starts beaconing (see radio.AccessPoint): a beacon of Head, a
// TIM element and Tail every BeaconInterval TU (default 100), the first
// one at once. The channel must allow initiating radiation (else
// radio.ErrNoChannel) and fit the phy's channel combination (else
// radio.ErrBusy).
func (f *iface) StartAP(ctx context.Context, cfg radio.APConfig) error {
	const opName = "start AP"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isAPType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if f.ap != nil {
		return opErr(opName, radio.ErrBusy, "AP already started")
	}
	if err := checkBeacon(opName, cfg.Beacon); err != nil {
		return err
	}
	if len(cfg.SSID) > 32 {
		return opErr(opName, radio.ErrInvalid, "SSID of %d octets", len(cfg.SSID))
	}
	if _, err := f.p.checkChannel(opName, cfg.Freq, true); err != nil {
		return err
	}
	if !f.p.canOperateOn(f, cfg.Freq) {
		return opErr(opName, radio.ErrBusy, "the phy already operates on another channel")
	}
	a := &apState{
		cfg:      cfg,
		ssid:     cloneBytes(cfg.SSID),
		start:    m.now(),
		stations: map[ieee80211.MAC]radio.StationParams{},
	}
	a.cfg.SSID = a.ssid
	a.cfg.Beacon = cloneBeacon(cfg.Beacon)
	if a.cfg.BeaconInterval == 0 {
		a.cfg.BeaconInterval = 100
	}
	if a.cfg.DTIMPeriod == 0 {
		a.cfg.DTIMPeriod = 1
	}
	if len(a.ssid) == 0 {
		if s, ok := findElement(a.cfg.Beacon.Head[hdrLen+beaconFixed:], ieee80211.ElemSSID); ok {
			a.ssid = cloneBytes(s)
		}
	}
	a.interval = time.Duration(a.cfg.BeaconInterval) * TU
	f.ap = a
	f.beacon()
	return nil
}

// tsf is the AP's timer in microseconds.
func (f *iface) tsf() uint64 { return uint64(f.p.m.now().Sub(f.ap.start) / time.Microsecond) }

// beacon sends one beacon and schedules the next.
func (f *iface) beacon() {
	a := f.ap
	b := a.cfg.Beacon
	frame := make([]byte, 0, len(b.Head)+6+len(b.Tail))
	frame = append(frame, b.Head...)
	binary.LittleEndian.PutUint64(frame[hdrLen:], f.tsf())
	period := uint64(a.cfg.DTIMPeriod)
	dtimCount := (period - a.count%period) % period
	// TIM element (IEEE Std 802.11-2020, 9.4.2.5): DTIM Count, DTIM
	// Period, Bitmap Control, one octet of Partial Virtual Bitmap.
	frame = append(frame, ieee80211.ElemTIM, 4, byte(dtimCount), a.cfg.DTIMPeriod, 0, 0)
	frame = append(frame, b.Tail...)
	a.count++
	f.sendInternal(a.cfg.Freq, frame)
	a.item = f.p.m.after(a.interval, f.beacon)
}

// SetBeacon replaces the beacon and response templates of a started AP.
func (f *iface) SetBeacon(ctx context.Context, b radio.BeaconData) error {
	const opName = "set beacon"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isAPType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if f.ap == nil {
		return opErr(opName, radio.ErrNotConnected, "AP not started")
	}
	if err := checkBeacon(opName, b); err != nil {
		return err
	}
	f.ap.cfg.Beacon = cloneBeacon(b)
	return nil
}

// StopAP stops beaconing and forgets the stations and keys, sending
// nothing (stations notice the beacon loss).
func (f *iface) StopAP(ctx context.Context) error {
	const opName = "stop AP"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isAPType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if f.ap == nil {
		return opErr(opName, radio.ErrNotConnected, "AP not started")
	}
	f.stopAP()
	return nil
}

func (f *iface) stopAP() {
	f.p.m.cancel(f.ap.item)
	f.ap = nil
	f.clearKeys()
}

// answerProbe is probe response offload: the radio answers a probe request
// for the AP's SSID, the wildcard SSID, or (for a "DIRECT-" SSID) the P2P
// Wildcard SSID; a hidden SSID is answered only when asked by name. A
// request without an SSID element or from a group address is ignored.
func (f *iface) answerProbe(h mgmtHeader, body []byte) {
	a := f.ap
	if h.addr2.IsGroup() {
		return // forged source: no answer, no state (docs/bad-input.md 4a #18)
	}
	ssid, ok := findElement(body, ieee80211.ElemSSID)
	if !ok {
		return
	}
	switch {
	case bytes.Equal(ssid, a.ssid) && len(ssid) > 0:
	case a.cfg.HiddenSSID:
		return
	case len(ssid) == 0:
	case bytes.Equal(ssid, p2pWildcardSSID) && bytes.HasPrefix(a.ssid, p2pWildcardSSID):
	default:
		return
	}
	b := a.cfg.Beacon
	var frame []byte
	if len(b.ProbeResp) > 0 {
		frame = cloneBytes(b.ProbeResp)
		copy(frame[4:10], h.addr2[:])
	} else {
		frame = appendHeader(nil, ieee80211.SubtypeProbeResp, h.addr2, f.info.Addr, f.info.Addr, f.p.nextSeq())
		frame = append(frame, b.Head[hdrLen:]...)
		frame = append(frame, b.Tail...)
		frame = append(frame, b.ProbeRespIEs...)
	}
	binary.LittleEndian.PutUint64(frame[hdrLen:], f.tsf())
	f.sendInternal(a.cfg.Freq, frame)
}

// NewStation adds a station to a started AP: EAPOL then flows between
// them and keys may be installed for it. A station already present gives
// radio.ErrInvalid (EEXIST).
func (f *iface) NewStation(ctx context.Context, st radio.StationParams) error {
	const opName = "new station"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isAPType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if f.ap == nil {
		return opErr(opName, radio.ErrNotConnected, "AP not started")
	}
	if st.Addr.IsZero() || st.Addr.IsGroup() {
		return opErr(opName, radio.ErrInvalid, "station address %v", st.Addr)
	}
	if _, ok := f.ap.stations[st.Addr]; ok {
		return opErr(opName, radio.ErrInvalid, "station %v already exists", st.Addr)
	}
	st.SupportedRates = cloneBytes(st.SupportedRates)
	st.HTCapabilities = cloneBytes(st.HTCapabilities)
	st.VHTCapabilities = cloneBytes(st.VHTCapabilities)
	f.ap.stations[st.Addr] = st
	if st.Authorized {
		f.authorized[st.Addr] = true
	}
	return nil
}

// DelStation removes a station (every station for the broadcast address)
// with its keys and port state, sending a Deauthentication with reason to
// it (to broadcast) when reason is not 0. An unknown station gives
// radio.ErrNotFound (ENOENT) and sends nothing.
func (f *iface) DelStation(ctx context.Context, addr ieee80211.MAC, reason uint16) error {
	const opName = "del station"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isAPType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if f.ap == nil {
		return opErr(opName, radio.ErrNotConnected, "AP not started")
	}
	if addr == ieee80211.Broadcast {
		for a := range f.ap.stations {
			f.forgetPeer(a)
		}
		clear(f.ap.stations)
	} else {
		if _, ok := f.ap.stations[addr]; !ok {
			return opErr(opName, radio.ErrNotFound, "no station %v", addr)
		}
		delete(f.ap.stations, addr)
		f.forgetPeer(addr)
	}
	if reason != 0 {
		f.sendDeauth(addr, f.info.Addr, reason)
	}
	return nil
}

// sendDeauth sends a Deauthentication frame (IEEE Std 802.11-2020,
// 9.3.3.12) on the interface's operating channel.
func (f *iface) sendDeauth(to, bssid ieee80211.MAC, reason uint16) {
	b := appendHeader(nil, ieee80211.SubtypeDeauth, to, f.info.Addr, bssid, f.p.nextSeq())
	b = binary.LittleEndian.AppendUint16(b, reason)
	f.sendInternal(f.operating(), b)
}
