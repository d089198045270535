package p2p

import (
	"bytes"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// FindType selects the first scan of Find.
type FindType uint8

// Find types.
const (
	// FindFull scans every channel first, then the social channels
	// (wpa_supplicant's default p2p_find).
	FindFull FindType = iota
	// FindSocial scans the social channels only (p2p_find type=social).
	FindSocial
)

// FindOptions configures Find.
type FindOptions struct {
	Type FindType
	// Timeout ends Find after this long (0: until StopFind).
	Timeout time.Duration
	// DeviceTypes, when set, are sent as WSC Requested Device Types and
	// only peers with a matching primary or secondary type are kept.
	DeviceTypes []DeviceType
	// DeviceID, when set, searches for this device only (P2P Device ID
	// attribute in our probe requests).
	DeviceID MAC
}

// ListenOptions configures Listen.
type ListenOptions struct {
	// Timeout ends Listen after this long (0: until StopListen).
	Timeout time.Duration
}

type findPhase uint8

const (
	findScanFirst findPhase = iota + 1
	findScan
	findListen
)

// findState is a running Find: Search and Listen states in turn (Wi-Fi
// P2P v1.7, 3.1.2.1).
type findState struct {
	opts      FindOptions
	start     time.Time
	phase     findPhase
	listenDur time.Duration
}

// listenState is a running Listen (the Listen state alone, 3.1.2.1.1).
type listenState struct {
	opts      ListenOptions
	nextStart time.Time // Extended Listen Timing: next availability period
}

func (c *core) findReqTypes() []DeviceType {
	if c.find == nil {
		return nil
	}
	return c.find.opts.DeviceTypes
}

func (c *core) findDeviceID() *MAC {
	if c.find == nil || c.find.opts.DeviceID.IsZero() {
		return nil
	}
	a := c.find.opts.DeviceID
	return &a
}

func (c *core) startFind(o FindOptions) {
	o.DeviceTypes = append([]DeviceType(nil), o.DeviceTypes...)
	if c.listen != nil {
		c.stopListen()
	}
	c.find = &findState{opts: o, start: c.now, phase: findScanFirst}
	if o.Timeout > 0 {
		c.arm(tmFindEnd, c.now.Add(o.Timeout))
	} else {
		c.disarm(tmFindEnd)
	}
	c.tracef("find started (%+v)", o)
}

func (c *core) stopFind() {
	if c.find == nil {
		return
	}
	c.find = nil
	c.disarm(tmFindEnd)
	// A running find scan ends now: the radio is wanted elsewhere (a
	// group interface's scan would wait behind it or fail as busy).
	c.abortScanFor()
	c.notify(FindStopped{})
	c.tracef("find stopped")
}

func (c *core) startListen(o ListenOptions) {
	if c.find != nil {
		c.stopFind()
	}
	c.listen = &listenState{opts: o, nextStart: c.now}
	if o.Timeout > 0 {
		c.arm(tmListenEnd, c.now.Add(o.Timeout))
	} else {
		c.disarm(tmListenEnd)
	}
}

func (c *core) stopListen() {
	if c.listen == nil {
		return
	}
	c.listen = nil
	c.disarm(tmListenEnd)
	c.disarm(tmListenNext)
	c.notify(ListenStopped{})
}

func (c *core) findDesire() desire {
	f := c.find
	switch f.phase {
	case findScanFirst:
		if f.opts.Type == FindFull {
			return desire{kind: desireScan}
		}
		return desire{kind: desireScan, freqs: socialFreqs}
	case findScan:
		return desire{kind: desireScan, freqs: socialFreqs}
	}
	if f.listenDur == 0 {
		f.listenDur = c.randomListen()
	}
	return desire{kind: desireROC, purpose: rocFind, freq: c.id.listen, dur: f.listenDur}
}

func (c *core) findListenDone(*rocOp) {
	if c.find != nil {
		c.find.phase = findScan
		c.find.listenDur = 0
	}
}

func (c *core) listenDesire() desire {
	l := c.listen
	ext := c.cfg.ExtendedListen
	if ext == nil {
		return desire{kind: desireROC, purpose: rocListen, freq: c.id.listen, dur: c.cfg.Timing.ListenOnlyDwell}
	}
	if c.now.Before(l.nextStart) {
		c.arm(tmListenNext, l.nextStart)
		return desire{}
	}
	return desire{kind: desireROC, purpose: rocListen, freq: c.id.listen,
		dur: time.Duration(ext.AvailabilityPeriod) * time.Millisecond}
}

func (c *core) listenDone() {
	if c.listen == nil {
		return
	}
	if ext := c.cfg.ExtendedListen; ext != nil {
		period := time.Duration(ext.AvailabilityPeriod) * time.Millisecond
		interval := time.Duration(ext.AvailabilityInterval) * time.Millisecond
		c.listen.nextStart = c.now.Add(interval - period)
	}
}

// scanDone ends our scan and asks for its results.
func (c *core) scanDone(complete bool) {
	c.scanning, c.aborting = false, false
	c.disarm(tmRadio)
	if c.find == nil {
		return
	}
	c.find.phase = findListen
	c.find.listenDur = 0
	if complete {
		c.emit(actGetScanResults{})
	}
}

// scanResults learns peers from the probe responses and beacons a scan
// heard (Wi-Fi P2P v1.7, 3.1.2.1.2).
func (c *core) scanResults(e evScanResults) {
	if e.err != nil || c.find == nil {
		return
	}
	for _, b := range e.bss {
		// cfg80211 keeps results for 30 s: take only what was heard
		// during this Find (as hostap compares with find_start).
		if !b.Seen.IsZero() && b.Seen.Before(c.find.start) {
			continue
		}
		c.learnFromBSS(b)
	}
}

// learnFromBSS records the peer a probe response or beacon describes.
func (c *core) learnFromBSS(b radio.BSS) {
	elems, err := ieee80211.ParseElements(b.IEs)
	if err != nil {
		return
	}
	attrs, found, err := p2pmsg.ParseIE(elems)
	if !found || err != nil {
		return // not a P2P Device, or a malformed P2P IE (bad-input #2..#7)
	}
	var addr MAC
	switch {
	case attrs.DeviceInfo != nil:
		addr = attrs.DeviceInfo.DeviceAddress
	case attrs.DeviceID != nil:
		addr = *attrs.DeviceID
	default:
		return
	}
	if f := c.find; f != nil && attrs.DeviceInfo != nil && len(f.opts.DeviceTypes) > 0 &&
		!anyTypeMatches(attrs.DeviceInfo.PrimaryDeviceType, attrs.DeviceInfo.SecondaryDeviceTypes, f.opts.DeviceTypes) {
		return // not what this Find looks for
	}
	if f := c.find; f != nil && !f.opts.DeviceID.IsZero() && f.opts.DeviceID != addr {
		return
	}
	var ssid []byte
	if e, ok := ieee80211.Elements(elems).Find(ieee80211.ElemSSID); ok {
		ssid, _ = ieee80211.DecodeSSID(e.Data) // over 32 octets: ignored (bad-input #1)
	}
	freq := b.Freq
	if e, ok := ieee80211.Elements(elems).Find(ieee80211.ElemDSParameterSet); ok && freq < 5000 {
		if ch, err := ieee80211.DecodeDSParameterSet(e.Data); err == nil {
			if f := dsChannelFreq(ch); f != 0 {
				freq = f
			}
		}
	}
	wattrs := wscAttrs(elems)
	wfd, hasWFD := ieee80211.VendorPayload(elems, ieee80211.OUIWFA, ieee80211.VendorTypeWFD)
	goBit := attrs.Capability != nil && attrs.Capability.Group&p2pmsg.GroupCapGroupOwner != 0
	// The peer was last seen when the radio heard the frame, not when we
	// read the results: a result cached by the radio must not keep a
	// departed peer alive, nor overwrite fresher facts (hostap compares
	// rx_time with last_seen too).
	heard := c.now
	if !b.Seen.IsZero() && b.Seen.Before(c.now) {
		heard = b.Seen
	}
	var known time.Time
	if c.peers.view(addr, func(e *peerEntry) { known = e.LastSeen }) && !heard.After(known) {
		return
	}
	c.learn(addr, func(e *peerEntry, _ bool) {
		e.LastSeen = heard
		e.Signal = b.Signal
		applyP2PAttrs(&e.Peer, attrs)
		applyWSCAttrs(&e.Peer, wattrs)
		if hasWFD {
			e.WFDSubelements = bytes.Clone(wfd)
		} else if attrs.DeviceInfo != nil {
			e.WFDSubelements = nil
		}
		if goBit && len(ssid) > len(wildcardSSID) && bytes.HasPrefix(ssid, wildcardSSID) {
			e.GroupOwner = true
			e.GroupSSID = Sanitize(string(ssid))
			e.GroupBSSID = b.BSSID
			e.OperatingFreq = freq
			e.GroupClients = groupClients(attrs.GroupInfo)
		} else {
			if attrs.Capability != nil && !goBit {
				e.GroupOwner, e.GroupSSID, e.GroupBSSID, e.OperatingFreq, e.GroupClients = false, "", MAC{}, 0, nil
			}
			e.ListenFreq = freq
		}
	})
}

// applyP2PAttrs copies what the P2P attributes tell about a device.
func applyP2PAttrs(p *Peer, a *p2pmsg.Attributes) {
	if a.Capability != nil {
		p.DeviceCapability = a.Capability.Device
		p.GroupCapability = a.Capability.Group
	}
	if a.ExtendedListenTiming != nil {
		e := *a.ExtendedListenTiming
		p.ExtendedListen = &e
	}
	if d := a.DeviceInfo; d != nil {
		p.Name = Sanitize(d.DeviceName)
		p.PrimaryDeviceType = d.PrimaryDeviceType
		p.SecondaryDeviceTypes = append([]DeviceType(nil), d.SecondaryDeviceTypes...)
		p.ConfigMethods = d.ConfigMethods
		p.Complete = true
	}
	if f := freqOfChannelAttr(a.ListenChannel); f != 0 {
		p.ListenFreq = f
	}
}

// applyWSCAttrs copies the WSC identity strings of a probe response.
func applyWSCAttrs(p *Peer, attrs []wsc.Attribute) {
	for _, x := range []struct {
		t   wsc.AttrType
		dst *string
	}{
		{wsc.AttrManufacturer, &p.Manufacturer},
		{wsc.AttrModelName, &p.ModelName},
		{wsc.AttrModelNumber, &p.ModelNumber},
		{wsc.AttrSerialNumber, &p.SerialNumber},
	} {
		if v, ok := wsc.Find(attrs, x.t); ok && len(v) <= wsc.MaxManufacturerLen {
			*x.dst = Sanitize(string(v))
		}
	}
}

func groupClients(gi *p2pmsg.GroupInfo) []GroupClient {
	if gi == nil {
		return nil
	}
	out := make([]GroupClient, 0, len(gi.Clients))
	for _, cl := range gi.Clients {
		out = append(out, GroupClient{
			DeviceAddress:        cl.DeviceAddress,
			InterfaceAddress:     cl.InterfaceAddress,
			DeviceCapability:     cl.DeviceCapability,
			ConfigMethods:        cl.ConfigMethods,
			PrimaryDeviceType:    cl.PrimaryDeviceType,
			SecondaryDeviceTypes: append([]DeviceType(nil), cl.SecondaryDeviceTypes...),
			Name:                 Sanitize(cl.DeviceName),
		})
	}
	return out
}

// rxProbeRequest learns the prober and, in a Listen state, answers a
// matching P2P probe request (Wi-Fi P2P v1.7, 3.1.2.1.2).
func (c *core) rxProbeRequest(f rxFrame) {
	pr, err := ieee80211.DecodeProbeReq(f.body)
	if err != nil {
		return
	}
	elems := pr.Elements
	attrs, found, err := p2pmsg.ParseIE(elems)
	if !found || err != nil {
		return // not a P2P probe
	}
	ssidElem, ok := elems.Find(ieee80211.ElemSSID)
	if !ok {
		return
	}
	ssid, err := ieee80211.DecodeSSID(ssidElem.Data)
	if err != nil {
		return
	}
	p2pWildcard := bytes.Equal(ssid, wildcardSSID)
	if !p2pWildcard && len(ssid) != 0 {
		return // probing for a group or a network, not for P2P Devices
	}
	wattrs := wscAttrs(elems)
	sa := f.hdr.SA()
	if p2pWildcard {
		// Only P2P Device Discovery probes come from a P2P Device Address
		// (hostap's p2p_add_dev_from_probe_req).
		c.learn(sa, func(e *peerEntry, created bool) {
			e.LastSeen = c.now
			e.Signal = f.sig
			if fr := freqOfChannelAttr(attrs.ListenChannel); fr != 0 {
				e.ListenFreq = fr
			}
			if created {
				if attrs.Capability != nil {
					e.DeviceCapability = attrs.Capability.Device
				}
				if v, ok := wsc.Find(wattrs, wsc.AttrDeviceName); ok && len(v) <= wsc.MaxDeviceNameLen {
					e.Name = Sanitize(string(v))
				}
			}
		})
	}
	if !c.inListen(f.freq) {
		return
	}
	if da := f.hdr.DA(); da != ieee80211.Broadcast && da != c.id.addr {
		return
	}
	if bssid := f.hdr.BSSID(); bssid != ieee80211.Broadcast && bssid != c.id.addr {
		return
	}
	if onlyCCK(elems) {
		return // an 802.11b-only prober is no P2P Device
	}
	if attrs.DeviceID != nil && *attrs.DeviceID != c.id.addr {
		return
	}
	if reqs := requestedDeviceTypes(wattrs); !anyTypeMatches(c.cfg.PrimaryDeviceType, c.cfg.SecondaryDeviceTypes, reqs) {
		return
	}
	frame, err := c.id.probeResponse(sa, f.freq)
	if err != nil {
		c.tracef("probe response: %v", err)
		return
	}
	c.send(txOther, sa, frame, f.freq, 0)
}
