package simradio

import (
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// ScanResultExpiry is how long a BSS stays in the results after it was
// last heard (cfg80211's IEEE80211_SCAN_RESULT_EXPIRE).
const ScanResultExpiry = 30 * time.Second

type bssKey struct {
	bssid ieee80211.MAC
	freq  int
}

// scanState is a running scan.
type scanState struct {
	req   radio.ScanRequest
	freqs []int
	next  int // index of the channel to visit next
	dwell time.Duration
	begin time.Time
	item  *item
}

// TriggerScan starts a scan (see radio.Scanner). It queues behind the
// phy's off-channel operations; a second scan on the phy while one is
// queued or running gives radio.ErrBusy. The scan retunes to each
// requested channel (every enabled channel when Freqs is empty; disabled
// ones are skipped) and dwells there for Dwell (or PhyConfig.ScanDwell),
// sending one probe request per SSID (one wildcard probe request when
// SSIDs is empty) except on no-IR channels, where it only listens. Beacons
// and probe responses heard during the dwells become the results.
func (f *iface) TriggerScan(ctx context.Context, req radio.ScanRequest) error {
	const opName = "trigger scan"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	p := f.p
	for _, o := range p.ops {
		if o.kind == opScan {
			return opErr(opName, radio.ErrBusy, "a scan is already running on %s", p.info.Name)
		}
	}
	if len(req.SSIDs) > p.info.MaxScanSSIDs {
		return opErr(opName, radio.ErrInvalid, "%d SSIDs, at most %d", len(req.SSIDs), p.info.MaxScanSSIDs)
	}
	for _, s := range req.SSIDs {
		if len(s) > 32 {
			return opErr(opName, radio.ErrInvalid, "SSID of %d octets", len(s))
		}
	}
	if len(req.IEs) > p.info.MaxScanIELen {
		return opErr(opName, radio.ErrInvalid, "%d octets of IEs, at most %d", len(req.IEs), p.info.MaxScanIELen)
	}
	if req.Dwell < 0 {
		return opErr(opName, radio.ErrInvalid, "negative dwell")
	}
	s := &scanState{dwell: req.Dwell}
	if s.dwell == 0 {
		s.dwell = p.dwell
	}
	s.req = radio.ScanRequest{
		Freqs: slices.Clone(req.Freqs), IEs: cloneBytes(req.IEs), NoCCK: req.NoCCK,
		Dwell: req.Dwell, Flush: req.Flush,
	}
	for _, ssid := range req.SSIDs {
		s.req.SSIDs = append(s.req.SSIDs, cloneBytes(ssid))
	}
	if len(req.Freqs) == 0 {
		for _, b := range p.info.Bands {
			for _, c := range b.Channels {
				if !c.Disabled {
					s.freqs = append(s.freqs, c.Freq)
				}
			}
		}
	} else {
		for _, fr := range req.Freqs {
			c, ok := p.info.Channel(fr)
			if !ok {
				return opErr(opName, radio.ErrInvalid, "unknown frequency %d MHz", fr)
			}
			if !c.Disabled && !slices.Contains(s.freqs, fr) {
				s.freqs = append(s.freqs, fr)
			}
		}
	}
	if len(s.freqs) == 0 {
		return opErr(opName, radio.ErrInvalid, "no usable channel to scan")
	}
	o := &op{kind: opScan, ifc: f, scan: s}
	p.ops = append(p.ops, o)
	p.runOps()
	return nil
}

// scanNextChannel retunes to the scan's next channel, or ends the scan.
func (p *Phy) scanNextChannel(o *op) {
	m := p.m
	s := o.scan
	if s.begin.IsZero() {
		s.begin = m.now()
	}
	if s.next >= len(s.freqs) {
		p.finishScan(o, false)
		return
	}
	p.offFreq, p.switching = s.freqs[s.next], true
	s.next++
	s.item = m.after(m.switchDelay, func() {
		s.item = nil
		p.switching = false
		p.scanDwell(o)
	})
}

// scanDwell sends the probe requests on the current channel and waits.
func (p *Phy) scanDwell(o *op) {
	m := p.m
	s := o.scan
	freq := p.offFreq
	if c, _ := p.info.Channel(freq); !c.NoIR {
		ssids := s.req.SSIDs
		if len(ssids) == 0 {
			ssids = [][]byte{nil}
		}
		for _, ssid := range ssids {
			b := appendHeader(nil, ieee80211.SubtypeProbeReq, ieee80211.Broadcast, o.ifc.info.Addr, ieee80211.Broadcast, p.nextSeq())
			b = appendSSID(b, ssid)
			b = appendRates(b, freq, s.req.NoCCK)
			if freq < 5000 {
				b = append(b, ieee80211.ElemDSParameterSet, 1, byte(channelNumber(freq)))
			}
			b = append(b, s.req.IEs...)
			o.ifc.sendInternal(freq, b)
		}
	}
	s.item = m.after(s.dwell, func() {
		s.item = nil
		p.scanNextChannel(o)
	})
}

// finishScan ends a scan (completed or aborted) and reports ScanDone.
func (p *Phy) finishScan(o *op, aborted bool) {
	s := o.scan
	if !aborted && s.req.Flush {
		for k, b := range p.bss {
			if b.Seen.Before(s.begin) {
				delete(p.bss, k)
			}
		}
	}
	o.ifc.push(radio.ScanDone{Aborted: aborted})
	p.endOp(o)
}

// AbortScan stops the phy's scan if this interface started it (queued or
// running); ScanDone{Aborted: true} follows. Without one it returns
// radio.ErrInvalid.
func (f *iface) AbortScan(ctx context.Context) error {
	const opName = "abort scan"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	for _, o := range f.p.ops {
		if o.kind == opScan && o.ifc == f {
			f.p.finishScan(o, true)
			return nil
		}
	}
	return opErr(opName, radio.ErrInvalid, "no scan running")
}

// ScanResults returns the BSSs the phy heard during scans in the last
// ScanResultExpiry, ordered by frequency then BSSID. The results belong
// to the phy (as cfg80211's BSS list belongs to the wiphy).
func (f *iface) ScanResults(ctx context.Context) ([]radio.BSS, error) {
	const opName = "get scan"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return nil, err
	}
	now := m.now()
	out := []radio.BSS{}
	for _, b := range f.p.bss {
		if now.Sub(b.Seen) > ScanResultExpiry {
			continue
		}
		c := *b
		c.IEs, c.BeaconIEs = cloneBytes(b.IEs), cloneBytes(b.BeaconIEs)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b radio.BSS) int {
		return cmp.Or(cmp.Compare(a.Freq, b.Freq), slices.Compare(a.BSSID[:], b.BSSID[:]))
	})
	return out, nil
}

// recordBSS records a beacon or probe response heard during a scan.
func (p *Phy) recordBSS(h mgmtHeader, body []byte, freq, signal int) {
	if len(body) < beaconFixed || h.addr3.IsGroup() {
		return
	}
	k := bssKey{h.addr3, freq}
	b := p.bss[k]
	if b == nil {
		b = &radio.BSS{BSSID: h.addr3, Freq: freq}
		p.bss[k] = b
	}
	b.Signal = signal
	b.TSF = binary.LittleEndian.Uint64(body)
	b.BeaconInterval = u16(body[8:])
	b.Capability = u16(body[10:])
	b.Seen = p.m.now()
	ies := cloneBytes(body[beaconFixed:])
	if h.subtype == ieee80211.SubtypeProbeResp {
		b.IEs, b.ProbeResp = ies, true
	} else {
		b.BeaconIEs = ies
		if !b.ProbeResp {
			b.IEs = ies
		}
	}
}
