package simradio

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Station SME timing, after mac80211 (IEEE80211_AUTH_TIMEOUT,
// IEEE80211_AUTH_MAX_TRIES and their association counterparts).
const (
	SMETimeout       = 200 * time.Millisecond
	SMETries         = 3
	BeaconLossCount  = 10 // missed beacon intervals before the link is lost
	listenInterval   = 10
	defaultBeaconInt = 100 * TU
)

type staPhase uint8

const (
	phaseAuth staPhase = iota
	phaseAssoc
	phaseConnected
)

// staState is a station's link: connecting (authentication, association)
// or connected.
type staState struct {
	req      radio.ConnectRequest
	phase    staPhase
	tries    int
	timeout  *item
	reqIEs   []byte
	interval time.Duration // the BSS's beacon interval
	lastSeen time.Time     // last beacon, or time excused while off-channel
	loss     *item
}

func (f *iface) isStaType() bool {
	return f.info.Type == radio.IfStation || f.info.Type == radio.IfP2PClient
}

// Connect authenticates (open system) and associates with the BSS in the
// radio, as mac80211 does: each request is retried SMETries times, SMETimeout
// apart; Connected follows with the AP's status, or TimedOut with status 1
// when the AP never answered. The station's phy moves to Freq at once.
func (f *iface) Connect(ctx context.Context, req radio.ConnectRequest) error {
	const opName = "connect"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isStaType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if f.sta != nil {
		return opErr(opName, radio.ErrBusy, "already connecting or connected")
	}
	if req.BSSID.IsZero() || req.BSSID.IsGroup() {
		return opErr(opName, radio.ErrInvalid, "BSSID %v", req.BSSID)
	}
	if len(req.SSID) > 32 {
		return opErr(opName, radio.ErrInvalid, "SSID of %d octets", len(req.SSID))
	}
	if _, err := f.p.checkChannel(opName, req.Freq, false); err != nil {
		return err
	}
	if !f.p.canOperateOn(f, req.Freq) {
		return opErr(opName, radio.ErrBusy, "the phy already operates on another channel")
	}
	// cfg80211 connects to the BSS of its scan results whose Privacy bit
	// matches the request: with a known BSS whose bit differs it finds no
	// network, sends nothing and reports a failed connection.
	if b := f.p.bss[bssKey{req.BSSID, req.Freq}]; b != nil && (b.Capability&capPrivacy != 0) != req.Privacy {
		f.push(radio.Connected{BSSID: req.BSSID, Freq: req.Freq, Status: statusUnspecifiedFailure, TimedOut: true})
		return nil
	}
	req.SSID = cloneBytes(req.SSID)
	req.IEs = cloneBytes(req.IEs)
	s := &staState{req: req, interval: defaultBeaconInt}
	// Association Request elements (IEEE Std 802.11-2020, 9.3.3.5): SSID,
	// Supported Rates, Extended Supported Rates, then the caller's.
	s.reqIEs = appendSSID(nil, req.SSID)
	s.reqIEs = appendRates(s.reqIEs, req.Freq, f.info.Type == radio.IfP2PClient)
	s.reqIEs = append(s.reqIEs, req.IEs...)
	f.sta = s
	f.smeSend()
	return nil
}

// smeSend sends the current request (authentication or association) and
// arms its timeout.
func (f *iface) smeSend() {
	s := f.sta
	bssid := s.req.BSSID
	var b []byte
	switch s.phase {
	case phaseAuth:
		// Authentication, open system, transaction 1 (9.3.3.11).
		b = appendHeader(nil, ieee80211.SubtypeAuth, bssid, f.info.Addr, bssid, f.p.nextSeq())
		b = binary.LittleEndian.AppendUint16(b, authOpenSystem)
		b = binary.LittleEndian.AppendUint16(b, 1)
		b = binary.LittleEndian.AppendUint16(b, 0)
	case phaseAssoc:
		capab := uint16(capESS)
		if s.req.Privacy {
			capab |= capPrivacy
		}
		b = appendHeader(nil, ieee80211.SubtypeAssocReq, bssid, f.info.Addr, bssid, f.p.nextSeq())
		b = binary.LittleEndian.AppendUint16(b, capab)
		b = binary.LittleEndian.AppendUint16(b, listenInterval)
		b = append(b, s.reqIEs...)
	default:
		return
	}
	s.tries++
	f.sendInternal(s.req.Freq, b)
	s.timeout = f.p.m.after(SMETimeout, func() {
		s.timeout = nil
		if f.sta != s {
			return
		}
		if s.tries < SMETries {
			f.smeSend()
			return
		}
		f.connectFailed(radio.Connected{BSSID: s.req.BSSID, Freq: s.req.Freq, Status: statusUnspecifiedFailure, TimedOut: true})
	})
}

// smeRx handles a frame from the station's BSS.
func (f *iface) smeRx(h mgmtHeader, body []byte) {
	s := f.sta
	m := f.p.m
	switch h.subtype {
	case ieee80211.SubtypeAuth:
		if s.phase != phaseAuth || len(body) < authFixed || u16(body) != authOpenSystem || u16(body[2:]) != 2 {
			return
		}
		m.cancel(s.timeout)
		if st := u16(body[4:]); st != 0 {
			f.connectFailed(radio.Connected{BSSID: s.req.BSSID, Freq: s.req.Freq, Status: st})
			return
		}
		s.phase, s.tries = phaseAssoc, 0
		f.smeSend()
	case ieee80211.SubtypeAssocResp, ieee80211.SubtypeReassocResp:
		if s.phase != phaseAssoc || len(body) < assocRspFixed {
			return
		}
		m.cancel(s.timeout)
		ev := radio.Connected{
			BSSID: s.req.BSSID, Freq: s.req.Freq, Status: u16(body[2:]),
			ReqIEs: cloneBytes(s.reqIEs), RespIEs: cloneBytes(body[assocRspFixed:]),
		}
		if ev.Status != 0 {
			f.connectFailed(ev)
			return
		}
		s.phase = phaseConnected
		s.lastSeen = m.now()
		f.push(ev)
		f.watchBeacons()
	case ieee80211.SubtypeDeauth, ieee80211.SubtypeDisassoc:
		reason := uint16(0)
		if len(body) >= 2 {
			reason = u16(body)
		}
		if s.phase != phaseConnected {
			f.connectFailed(radio.Connected{BSSID: s.req.BSSID, Freq: s.req.Freq, Status: statusUnspecifiedFailure})
			return
		}
		f.leave()
		f.push(radio.Disconnected{Reason: reason})
	case ieee80211.SubtypeBeacon:
		if s.phase != phaseConnected {
			return
		}
		s.lastSeen = m.now()
		if len(body) >= beaconFixed {
			if bi := u16(body[8:]); bi != 0 {
				s.interval = time.Duration(bi) * TU
			}
		}
	}
}

func (f *iface) connectFailed(ev radio.Connected) {
	f.leave()
	f.push(ev)
}

// watchBeacons checks for beacon loss every BeaconLossCount intervals
// after the last beacon. Time the phy spends off the BSS's channel is
// excused: the count restarts when the check finds the phy away.
func (f *iface) watchBeacons() {
	s := f.sta
	m := f.p.m
	now := m.now()
	if f.p.offFreq != 0 && (f.p.switching || f.p.offFreq != s.req.Freq) {
		s.lastSeen = now
	}
	deadline := s.lastSeen.Add(BeaconLossCount * s.interval)
	if now.Before(deadline) {
		s.loss = m.at(deadline, func() {
			s.loss = nil
			if f.sta == s {
				f.watchBeacons()
			}
		})
		return
	}
	f.sendDeauth(s.req.BSSID, s.req.BSSID, reasonDisassocInactivity)
	f.leave()
	f.push(radio.Disconnected{Reason: reasonDisassocInactivity})
}

// leave forgets the link, its keys and port state, without events.
func (f *iface) leave() {
	s := f.sta
	m := f.p.m
	m.cancel(s.timeout)
	m.cancel(s.loss)
	f.sta = nil
	f.clearKeys()
}

// Disconnect leaves the BSS, or aborts a connection attempt: a
// Deauthentication with reason goes to the AP, then Disconnected{ByUs:
// true}. Without a link it returns radio.ErrNotConnected.
func (f *iface) Disconnect(ctx context.Context, reason uint16) error {
	const opName = "disconnect"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isStaType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if f.sta == nil {
		return opErr(opName, radio.ErrNotConnected, "not connected")
	}
	f.sendDeauth(f.sta.req.BSSID, f.sta.req.BSSID, reason)
	f.leave()
	f.push(radio.Disconnected{Reason: reason, ByUs: true})
	return nil
}
