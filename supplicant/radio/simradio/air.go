package simradio

import (
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// airFrame is one transmission: a management frame, or an EAPOL PDU
// carried in a data frame between an associated station and its AP.
type airFrame struct {
	from   *Phy
	sender *iface // reports TxStatus (EAPOLTxStatus) when status is set; may be gone
	freq   int

	// Management frame.
	frame  []byte
	h      mgmtHeader
	body   []byte
	cookie radio.Cookie // also of an EAPOL frame
	status bool         // a TxStatus (EAPOLTxStatus) is owed to sender

	// EAPOL.
	eapol    bool
	src, dst ieee80211.MAC
	pdu      []byte
	key      []byte // the sender's pairwise temporal key; nil: unprotected
	cipher   uint32
}

// dest is the frame's receiver address.
func (fr *airFrame) dest() ieee80211.MAC {
	if fr.eapol {
		return fr.dst
	}
	return fr.h.addr1
}

// transmit puts a frame on the air from fr.from and returns when the
// transmitter is free again (the end of the frame, or of its
// acknowledgement). The sender must be on fr.freq now, else nothing is
// sent and a TxStatus reports the frame not acknowledged. Each receiver on
// the channel when the frame arrives (after the airtime and the rule's
// delay) gets it. m.mu must be held.
func (m *Medium) transmit(fr *airFrame) time.Time {
	p := fr.from
	start := m.now()
	if p.txFree.After(start) {
		start = p.txFree
	}
	end := start.Add(m.airtime)
	if !p.hears(fr.freq) {
		if fr.status {
			m.at(end, func() { m.txStatus(fr, false) })
		}
		return end
	}
	dst := fr.dest()
	group := dst.IsGroup()
	acked := new(bool)
	statusAt := end
	var now []*Phy
	var nowSignal []int
	for _, r := range m.phys {
		if r == p || r.removed || !group && r.ifaceByAddr(dst) == nil {
			continue
		}
		l := m.link(p, r)
		if l.drop {
			continue
		}
		if l.delay == 0 {
			now = append(now, r)
			nowSignal = append(nowSignal, l.signal)
			continue
		}
		at := end.Add(l.delay)
		if at.After(statusAt) && !group {
			statusAt = at
		}
		m.at(at, func() {
			if m.receive(r, fr, l.signal) {
				*acked = true
			}
		})
	}
	if len(now) > 0 {
		m.at(end, func() {
			for i, r := range now {
				if m.receive(r, fr, nowSignal[i]) {
					*acked = true
				}
			}
		})
	}
	if fr.status {
		m.at(statusAt, func() { m.txStatus(fr, group || *acked) })
	}
	p.txFree = statusAt
	return statusAt
}

func (m *Medium) txStatus(fr *airFrame, acked bool) {
	if fr.eapol {
		fr.sender.push(radio.EAPOLTxStatus{Cookie: fr.cookie, Acked: acked})
		return
	}
	fr.sender.push(radio.TxStatus{Cookie: fr.cookie, Acked: acked, Frame: cloneBytes(fr.frame)})
}

// receive hands a frame that arrived at phy r to its interfaces, and
// reports whether an interface with the destination address got it (the
// acknowledgement of a unicast frame). m.mu must be held.
func (m *Medium) receive(r *Phy, fr *airFrame, signal int) bool {
	if r.removed || !r.hears(fr.freq) {
		return false
	}
	if fr.eapol {
		return m.receiveEAPOL(r, fr)
	}
	h := fr.h
	group := h.addr1.IsGroup()
	if !group && r.ifaceByAddr(h.addr1) == nil {
		return false
	}
	if s := r.activeScan(); s != nil && (h.subtype == ieee80211.SubtypeBeacon || h.subtype == ieee80211.SubtypeProbeResp) {
		r.recordBSS(h, fr.body, fr.freq, signal)
	}
	for _, f := range r.ifaces {
		if f.closed || !group && f.info.Addr != h.addr1 || !f.accepts(h, fr.body) {
			continue
		}
		if f.consume(fr, signal) {
			continue
		}
		f.deliver(fr, signal)
	}
	return !group
}

// accepts applies mac80211's per-interface receive filter
// (ieee80211_accept_frame) to a management frame already addressed to the
// interface or to a group.
func (f *iface) accepts(h mgmtHeader, body []byte) bool {
	switch f.info.Type {
	case radio.IfAP, radio.IfP2PGO:
		if f.ap == nil {
			return false // not beaconing: not on the air
		}
		if h.addr3 == f.info.Addr || h.addr3 == ieee80211.Broadcast {
			return true
		}
		return isPublicAction(h, body) || h.subtype == ieee80211.SubtypeBeacon
	case radio.IfP2PDevice:
		switch h.subtype {
		case ieee80211.SubtypeProbeReq, ieee80211.SubtypeProbeResp, ieee80211.SubtypeBeacon:
			return true
		case ieee80211.SubtypeAction, ieee80211.SubtypeActionNoAck:
			return isPublicAction(h, body) || h.addr1 == f.info.Addr
		}
		return false
	}
	return true
}

// consume lets the radio itself handle a frame (probe response offload,
// the station's SME); it reports whether the frame stops there.
func (f *iface) consume(fr *airFrame, signal int) bool {
	h := fr.h
	if f.ap != nil && h.subtype == ieee80211.SubtypeProbeReq && f.p.info.ProbeRespOffload {
		f.answerProbe(h, fr.body)
		return true
	}
	if f.sta != nil && h.addr2 == f.sta.req.BSSID && h.addr3 == f.sta.req.BSSID {
		switch h.subtype {
		case ieee80211.SubtypeAuth, ieee80211.SubtypeAssocResp, ieee80211.SubtypeReassocResp,
			ieee80211.SubtypeDeauth, ieee80211.SubtypeDisassoc, ieee80211.SubtypeBeacon:
			f.smeRx(h, fr.body)
			return true
		}
	}
	return false
}

// deliver reports a frame that matches one of the interface's
// registrations.
func (f *iface) deliver(fr *airFrame, signal int) {
	for _, r := range f.regs {
		if r.Subtype == fr.h.subtype && len(fr.body) >= len(r.Match) && string(fr.body[:len(r.Match)]) == string(r.Match) {
			f.push(radio.FrameReceived{Frame: cloneBytes(fr.frame), Freq: fr.freq, Signal: signal})
			return
		}
	}
}

// sendInternal transmits a frame the radio builds itself (beacons, probe
// responses, the station's authentication and association, deauths); no
// TxStatus is reported. m.mu must be held.
func (f *iface) sendInternal(freq int, frame []byte) {
	h, body, ok := parseMgmt(frame)
	if !ok {
		return
	}
	f.p.m.transmit(&airFrame{from: f.p, sender: f, freq: freq, frame: frame, h: h, body: body})
}
