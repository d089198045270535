package p2p

import (
	"slices"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
)

// The P2P Invitation procedure (Wi-Fi P2P v1.7, 3.1.5; frames 4.2.9.5 and
// 4.2.9.6): a device asks a peer to join a running group or to re-invoke a
// persistent group they formed earlier. This package exchanges the frames;
// starting the group afterwards is the job of the layers above.

// InviteParams asks a peer to (re)join a group (Wi-Fi P2P v1.7, 3.1.5 and
// 4.2.9.5/4.2.9.6).
type InviteParams struct {
	// Persistent sets the Invitation Type bit of the Invitation Flags:
	// re-invoke a persistent group (else join a running group).
	Persistent bool
	// Role is our role in the group: RoleGO (we run it) or RoleClient
	// (the peer is GO).
	Role p2pmsg.Role
	// GODeviceAddress is the P2P Group ID's P2P Device Address of the GO
	// (ours when Role is RoleGO; zero then means ours).
	GODeviceAddress MAC
	// SSID is the P2P Group ID's SSID (1 to 32 octets).
	SSID string
	// GroupBSSID is, when Role is RoleGO, our P2P Interface Address (the
	// BSSID we will use; zero means Device.InterfaceAddress).
	GroupBSSID MAC
	// OperatingFreq is, when Role is RoleGO, our operating channel (MHz;
	// 0: the core picks one, preferring a social channel). Ignored as
	// client.
	OperatingFreq int
}

// InvitationResult is the outcome of an accepted Invite.
type InvitationResult struct {
	Peer MAC
	// Freq is the group's operating channel: ours (RoleGO), or the
	// peer's Operating Channel (0 when it named none we can use).
	Freq int
	// GroupBSSID is the peer's P2P Group BSSID when the peer is GO (zero
	// if it gave none).
	GroupBSSID MAC
	// Channels are the channels both devices can use.
	Channels []int
}

// InvitationRequest describes a received P2P Invitation Request (Wi-Fi
// P2P v1.7, 4.2.9.5).
type InvitationRequest struct {
	Peer MAC
	// Persistent is the Invitation Flags' Invitation Type bit: re-invoke
	// a persistent group.
	Persistent bool
	// GODeviceAddress and SSID are the P2P Group ID.
	GODeviceAddress MAC
	SSID            string
	// GroupBSSID is the inviter's P2P Group BSSID (when it is GO), zero
	// otherwise.
	GroupBSSID MAC
	// OperatingFreq is the inviter's Operating Channel (MHz), 0 if none
	// or not one this device can use.
	OperatingFreq int
	// Channels are the channels both devices can use.
	Channels []int
}

// InvitationDecision is the answer to an InvitationRequest.
type InvitationDecision struct {
	// Status is the P2P Status of the Invitation Response: 0 accepts;
	// e.g. 8 unknown P2P group, 11 rejected by the user, 1 information
	// currently unavailable.
	Status uint8
	// When we are to be GO (the request's GODeviceAddress is ours): Freq
	// is the operating channel we will use (0: the core picks one from
	// the common channels, preferring the inviter's Operating Channel),
	// GroupBSSID our BSSID (zero: Device.InterfaceAddress).
	Freq       int
	GroupBSSID MAC
}

// InvitationReceived reports a received Invitation Request and our
// answer. When Decision.Status is 0 the layers above start the group
// (as GO when Request.GODeviceAddress is ours, on Decision.Freq).
type InvitationReceived struct {
	Request InvitationRequest
	// Decision is the final one: Freq and GroupBSSID are filled in when
	// we are GO and the policy left them zero; a request the core
	// refused by itself (no common channel, invalid parameters) carries
	// that status.
	Decision InvitationDecision
}

func (InvitationReceived) isNotification() {}

// invState is the one Invitation we run as inviter.
type invState struct {
	exchange
	p      InviteParams
	opFreq int // our operating channel when we are GO
}

// exch is the exchange of the Invitation, nil when none runs.
func (v *invState) exch() *exchange {
	if v == nil {
		return nil
	}
	return &v.exchange
}

// invDecision is a received Invitation Request waiting for the policy.
type invDecision struct {
	req   InvitationRequest
	token uint8
	freq  int // channel the request came on
}

// invAnswer remembers our answer to a peer's last Invitation Request, so
// that a retransmission gets the same answer.
type invAnswer struct {
	token uint8
	d     InvitationDecision
	req   InvitationRequest
	at    time.Time
}

// invite starts an Invitation as inviter (command Invite).
func (c *core) invite(id uint64, peer MAC, p InviteParams) {
	if p.Role != p2pmsg.RoleGO && p.Role != p2pmsg.RoleClient || len(p.SSID) == 0 || len(p.SSID) > p2pmsg.MaxSSIDLen {
		c.reply(id, nil, ErrInvalidParams)
		return
	}
	if p.Role == p2pmsg.RoleGO {
		if p.GODeviceAddress.IsZero() {
			p.GODeviceAddress = c.id.addr
		}
		if p.GroupBSSID.IsZero() {
			p.GroupBSSID = c.id.ifAddr
		}
	}
	if p.GODeviceAddress.IsZero() || p.GODeviceAddress.IsGroup() {
		c.reply(id, nil, ErrInvalidParams)
		return
	}
	var opFreq int
	if p.Role == p2pmsg.RoleGO {
		opFreq = p.OperatingFreq
		if opFreq == 0 {
			opFreq, _ = chooseOperatingFreq(c.ownFreqs, c.opPrefs(), 0)
		}
		if _, ok := channelAttr(c.cfg.Country, opFreq); !ok || !slices.Contains(c.ownFreqs, opFreq) {
			c.reply(id, nil, ErrNoCommonChannel)
			return
		}
	}
	if c.inv != nil {
		c.reply(id, nil, ErrBusy)
		return
	}
	target, ok := c.requestFreq(peer)
	if !ok {
		c.reply(id, nil, ErrUnknownPeer)
		return
	}
	c.inv = &invState{p: p, opFreq: opFreq, exchange: exchange{
		peer: peer, reqID: id, freq: target, phase: exchSend,
		name: "Invitation Request", tx: txInvRequest, timer: tmInv, roc: rocInv,
		build: func(tok uint8) ([]byte, error) {
			return c.id.invitationRequest(peer, tok, p, opFreq, c.preferredOpFreq(), c.ownFreqs)
		},
		fail: func(err error) { c.invDone(err, nil) },
	}}
	c.tracef("Invitation of %v (we are %v, persistent %v, SSID %q) on %d MHz", peer, p.Role, p.Persistent, p.SSID, target)
}

func (c *core) invDone(err error, res *InvitationResult) {
	v := c.inv
	if v == nil {
		return
	}
	c.inv = nil
	c.exchEnd(&v.exchange)
	if err != nil {
		c.tracef("Invitation of %v failed: %v", v.peer, err)
		c.reply(v.reqID, nil, err)
		return
	}
	c.tracef("Invitation of %v accepted: %d MHz", v.peer, res.Freq)
	c.reply(v.reqID, *res, nil)
}

// rxInvResponse ends our Invitation (Wi-Fi P2P v1.7, 4.2.9.6).
func (c *core) rxInvResponse(f rxFrame, pa *p2pmsg.PublicAction) {
	sa := f.hdr.SA()
	v := c.inv
	if v == nil || v.peer != sa || !slices.Contains(v.tokens, pa.DialogToken) {
		c.tracef("unexpected Invitation Response from %v: ignored", sa)
		return
	}
	if err := p2pmsg.ValidateInvitationResponse(pa); err != nil {
		c.tracef("invalid Invitation Response from %v: %v", sa, err)
		return
	}
	c.peers.view(sa, func(e *peerEntry) { e.LastSeen, e.Signal = c.now, f.sig })
	a := pa.P2P
	if st := *a.Status; st != p2pmsg.StatusSuccess {
		c.invDone(&StatusError{Status: st, Remote: true, proc: procInvitation}, nil)
		return
	}
	res := &InvitationResult{Peer: sa, Channels: intersect(c.ownFreqs, listFreqs(a.ChannelList))}
	if v.p.Role == p2pmsg.RoleGO {
		res.Freq = v.opFreq
	} else {
		if fr := freqOfChannelAttr(a.OperatingChannel); slices.Contains(c.ownFreqs, fr) {
			res.Freq = fr
		}
		if a.GroupBSSID != nil {
			res.GroupBSSID = *a.GroupBSSID
		}
	}
	c.invDone(nil, res)
}

// rxInvRequest answers an Invitation Request (Wi-Fi P2P v1.7, 3.1.5 and
// 4.2.9.5) after the decision of Options.InvitationPolicy.
func (c *core) rxInvRequest(f rxFrame, pa *p2pmsg.PublicAction) {
	sa := f.hdr.SA()
	if pa.P2P == nil {
		return
	}
	a := pa.P2P
	if a.DeviceInfo != nil && a.DeviceInfo.DeviceAddress != sa {
		// As for Provision Discovery: never answer for another device.
		c.tracef("Invitation Request from %v for device %v: ignored", sa, a.DeviceInfo.DeviceAddress)
		return
	}
	if err := p2pmsg.ValidateInvitationRequest(pa); err != nil {
		c.tracef("invalid Invitation Request from %v: %v", sa, err)
		c.sendInvResponse(invDecision{req: InvitationRequest{Peer: sa}, token: pa.DialogToken, freq: f.freq},
			InvitationDecision{Status: uint8(p2pmsg.StatusFailInvalidParameters)}, false)
		return
	}
	// This may insert the peer and evict another: nothing read before is
	// used after it.
	c.learnFromAction(f, a)
	req := InvitationRequest{
		Peer:            sa,
		Persistent:      *a.InvitationFlags&p2pmsg.InvitationTypeReinvoke != 0,
		GODeviceAddress: a.GroupID.DeviceAddress,
		SSID:            Sanitize(string(a.GroupID.SSID)),
		Channels:        intersect(c.ownFreqs, listFreqs(a.ChannelList)),
	}
	if a.GroupBSSID != nil {
		req.GroupBSSID = *a.GroupBSSID
	}
	if fr := freqOfChannelAttr(a.OperatingChannel); slices.Contains(c.ownFreqs, fr) {
		req.OperatingFreq = fr
	}
	d := invDecision{req: req, token: pa.DialogToken, freq: f.freq}
	// A retransmission (our response was lost) gets the same answer
	// again, without asking or notifying twice.
	if r, ok := c.invSeen[sa]; ok && r.token == d.token && r.req.GODeviceAddress == req.GODeviceAddress &&
		r.req.SSID == req.SSID && c.now.Sub(r.at) < 5*time.Second {
		c.sendInvResponse(d, r.d, req.GODeviceAddress == c.id.addr)
		return
	}
	if len(req.Channels) == 0 {
		c.invitationDecided(d, InvitationDecision{Status: uint8(p2pmsg.StatusFailNoCommonChannels)}, false)
		return
	}
	c.emit(actDecideInvitation{d: d})
}

// invitationDecided completes the policy's decision and answers.
func (c *core) invitationDecided(d invDecision, dec InvitationDecision, asked bool) {
	if c.stopped {
		return
	}
	req := d.req
	if asked && dec.Status == uint8(p2pmsg.StatusSuccess) && req.GODeviceAddress == c.id.addr {
		// We are to run the group: settle its channel and BSSID.
		switch {
		case dec.Freq == 0:
			if req.OperatingFreq != 0 && slices.Contains(req.Channels, req.OperatingFreq) {
				dec.Freq = req.OperatingFreq
			} else {
				dec.Freq, _ = chooseOperatingFreq(req.Channels, c.opPrefs(), 0)
			}
		case !slices.Contains(req.Channels, dec.Freq):
			// hostap: a forced channel the peer cannot use fails.
			dec = InvitationDecision{Status: uint8(p2pmsg.StatusFailNoCommonChannels)}
		}
		if dec.Status == uint8(p2pmsg.StatusSuccess) && dec.GroupBSSID.IsZero() {
			dec.GroupBSSID = c.id.ifAddr
		}
	}
	for a, r := range c.invSeen { // bounded: drop old answers
		if c.now.Sub(r.at) >= 5*time.Second {
			delete(c.invSeen, a)
		}
	}
	if len(c.invSeen) < c.cfg.MaxPeers {
		c.invSeen[req.Peer] = invAnswer{token: d.token, d: dec, req: req, at: c.now}
	}
	c.sendInvResponse(d, dec, req.GODeviceAddress == c.id.addr)
	req.Channels = slices.Clone(req.Channels)
	c.notify(InvitationReceived{Request: req, Decision: dec})
	c.tracef("Invitation Request from %v (SSID %q, GO %v, persistent %v): status %d, %d MHz",
		req.Peer, req.SSID, req.GODeviceAddress, req.Persistent, dec.Status, dec.Freq)
}

// sendInvResponse sends the Invitation Response on the channel the
// request came on.
func (c *core) sendInvResponse(d invDecision, dec InvitationDecision, weGO bool) {
	p := invRespParams{status: p2pmsg.Status(dec.Status)}
	if p.status == p2pmsg.StatusSuccess {
		p.channels = d.req.Channels
		if weGO {
			p.opFreq = dec.Freq
			p.bssid = dec.GroupBSSID
		} else {
			// Like wpa_supplicant, a client echoes the inviter's
			// channel when it can use it.
			p.opFreq = d.req.OperatingFreq
		}
	}
	frame, err := c.id.invitationResponse(d.req.Peer, d.token, p)
	if err != nil {
		return
	}
	c.abortScanFor()
	c.send(txOther, d.req.Peer, frame, d.freq, 0)
}

// defaultInvitationDecision answers a request when no policy is set: we
// know no persistent group (status 8).
func defaultInvitationDecision(InvitationRequest) InvitationDecision {
	return InvitationDecision{Status: uint8(p2pmsg.StatusFailUnknownP2PGroup)}
}

// invRespParams are the variable parts of our Invitation Response.
type invRespParams struct {
	status   p2pmsg.Status
	opFreq   int   // Operating Channel; 0 leaves it out
	bssid    MAC   // P2P Group BSSID; zero leaves it out
	channels []int // Channel List; nil leaves it out
}

// Attribute orders of wpa_supplicant 2.10's Invitation frames
// (p2p_build_invitation_req/resp), kept so that ours look the same.
var (
	invReqOrder = []p2pmsg.AttributeID{
		p2pmsg.AttrConfigurationTimeout, p2pmsg.AttrInvitationFlags, p2pmsg.AttrOperatingChannel,
		p2pmsg.AttrGroupBSSID, p2pmsg.AttrChannelList, p2pmsg.AttrGroupID, p2pmsg.AttrDeviceInfo,
	}
	invRespOrder = []p2pmsg.AttributeID{
		p2pmsg.AttrStatus, p2pmsg.AttrConfigurationTimeout, p2pmsg.AttrOperatingChannel,
		p2pmsg.AttrGroupBSSID, p2pmsg.AttrChannelList,
	}
)

// invitationRequest builds a P2P Invitation Request (Wi-Fi P2P v1.7,
// 4.2.9.5): Configuration Timeout (ours when a persistent group is to be
// started, else zero, as wpa_supplicant), Invitation Flags, Operating
// Channel (the group's when we are GO, else our preference), P2P Group
// BSSID (when we are GO), Channel List, P2P Group ID and P2P Device Info.
func (id *identity) invitationRequest(peer MAC, token uint8, p InviteParams, goFreq, prefFreq int, channels []int) ([]byte, error) {
	ct := &p2pmsg.ConfigurationTimeout{}
	if p.Persistent {
		ct = configTimeout
	}
	var flags p2pmsg.InvitationFlags
	if p.Persistent {
		flags |= p2pmsg.InvitationTypeReinvoke
	}
	a := &p2pmsg.Attributes{
		ConfigurationTimeout: ct,
		InvitationFlags:      &flags,
		ChannelList:          channelListAttr(id.cfg.Country, channels),
		GroupID:              &p2pmsg.GroupID{DeviceAddress: p.GODeviceAddress, SSID: []byte(p.SSID)},
		DeviceInfo:           id.deviceInfo(),
		Order:                invReqOrder,
	}
	if p.Role == p2pmsg.RoleGO {
		a.OperatingChannel, _ = channelAttr(id.cfg.Country, goFreq)
		bssid := p.GroupBSSID
		a.GroupBSSID = &bssid
	} else {
		a.OperatingChannel, _ = channelAttr(id.cfg.Country, prefFreq)
	}
	return publicAction(p2pmsg.InvitationRequest, token, a, nil, peer, id.addr, peer)
}

// invitationResponse builds a P2P Invitation Response (Wi-Fi P2P v1.7,
// 4.2.9.6): Status, Configuration Timeout, and on success Operating
// Channel, P2P Group BSSID (when we are GO) and Channel List.
func (id *identity) invitationResponse(peer MAC, token uint8, p invRespParams) ([]byte, error) {
	st := p.status
	a := &p2pmsg.Attributes{
		Status:               &st,
		ConfigurationTimeout: configTimeout,
		Order:                invRespOrder,
	}
	if p.opFreq != 0 {
		a.OperatingChannel, _ = channelAttr(id.cfg.Country, p.opFreq)
	}
	if !p.bssid.IsZero() {
		bssid := p.bssid
		a.GroupBSSID = &bssid
	}
	if p.channels != nil {
		a.ChannelList = channelListAttr(id.cfg.Country, p.channels)
	}
	return publicAction(p2pmsg.InvitationResponse, token, a, nil, peer, id.addr, id.addr)
}
