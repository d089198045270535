package p2p

import (
	"bytes"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// ConnectParams are the terms of a GO Negotiation with one peer.
type ConnectParams struct {
	// Method is our WSC provisioning method; the peer must use its
	// complement (push button with push button, display with keypad).
	Method WPSMethod
	// GOIntent overrides Config.GOIntent (0..15) when set.
	GOIntent *int
	// Persistent asks for a persistent group: our GO Negotiation frames
	// set the Persistent P2P Group bit of the Group Capability (and not
	// Persistent Reconnect). The group is persistent when the GO set it
	// (NegotiationResult.Persistent).
	Persistent bool
}

// negPhase is where a GO Negotiation stands.
type negPhase uint8

const (
	negSend     negPhase = iota + 1 // initiator: the request is to be sent
	negReqSent                      // initiator: request handed to the radio
	negWaitResp                     // initiator: request acknowledged, waiting for the response
	negListen                       // initiator: listening on our channel between attempts
	negDelay                        // initiator: short pause between attempts (the peer waits for us)
	negWaitPeer                     // initiator: the peer answered status 1; listening for its request
	negRespSent                     // responder: waiting for the confirmation
	negConfSent                     // initiator: confirmation handed to the radio
)

// negotiation is the one GO Negotiation in progress (Wi-Fi P2P v1.7,
// 3.1.4.2).
type negotiation struct {
	peer  MAC
	reqID uint64 // the Connect waiting for the result (0: none)

	method     WPSMethod
	intent     uint8
	persistent bool   // we ask for a persistent group
	authGen    uint64 // the authorization this negotiation uses

	initiator  bool
	phase      negPhase
	token      uint8
	tieBreaker bool // of our request
	attempts   int
	deadline   time.Time
	peerFreq   int // the peer's Listen Channel: where requests go
	rxFreq     int // channel of the exchange (response, confirmation)
	listenDur  time.Duration
	// peerWaiting: the peer answered our earlier request with status 1
	// and waits for ours; no Listen state between attempts.
	peerWaiting bool

	confFrame []byte
	confSent  int
	res       NegotiationResult
}

// intentOf resolves the GO Intent of params.
func (c *core) intentOf(p ConnectParams) (uint8, bool) {
	v := c.cfg.GOIntent
	if p.GOIntent != nil {
		v = *p.GOIntent
	}
	if v < 0 || v > p2pmsg.MaxGOIntent {
		return 0, false
	}
	return uint8(v), true
}

func validMethod(m WPSMethod) bool { return m >= MethodPBC && m <= MethodKeypad }

// connect starts a GO Negotiation as initiator (command Connect).
func (c *core) connect(id uint64, peer MAC, p ConnectParams) {
	intent, ok := c.intentOf(p)
	if !ok || !validMethod(p.Method) {
		c.reply(id, nil, ErrUnsupportedMethod)
		return
	}
	if n := c.neg; n != nil {
		if n.peer == peer && !n.initiator && n.reqID == 0 {
			// The peer's negotiation with us, after an Authorize: its
			// outcome is this Connect's.
			n.reqID = id
			c.tracef("GO Negotiation with %v: Connect waits for the one the peer started", peer)
			return
		}
		c.reply(id, nil, ErrBusy)
		return
	}
	var listen int
	var waiting bool
	if !c.peers.view(peer, func(e *peerEntry) { listen, waiting = e.ListenFreq, e.waiting }) || listen == 0 {
		c.reply(id, nil, ErrUnknownPeer)
		return
	}
	c.neg = &negotiation{
		peer: peer, reqID: id, method: p.Method, intent: intent, persistent: p.Persistent,
		authGen:   c.setAuth(peer, p.Method, intent, p.Persistent),
		initiator: true, phase: negSend, token: c.token(),
		tieBreaker: c.nextTieBreaker, peerFreq: listen, peerWaiting: waiting,
	}
	// The Tie breaker bit changes with every new negotiation (Wi-Fi P2P
	// v1.7, 3.1.4.2.1; hostap's next_tie_breaker).
	c.nextTieBreaker = !c.nextTieBreaker
	c.peers.view(peer, func(e *peerEntry) { e.waiting = false })
	c.tracef("GO Negotiation with %v: intent %d, %v, listen %d MHz", peer, intent, p.Method, listen)
}

// authorize lets a peer's future GO Negotiation Requests succeed.
func (c *core) authorize(id uint64, peer MAC, p ConnectParams) {
	intent, ok := c.intentOf(p)
	if !ok || !validMethod(p.Method) {
		c.reply(id, nil, ErrUnsupportedMethod)
		return
	}
	c.setAuth(peer, p.Method, intent, p.Persistent)
	c.reply(id, nil, nil)
}

// setAuth records an authorization and returns its generation.
func (c *core) setAuth(peer MAC, m WPSMethod, intent uint8, persistent bool) uint64 {
	c.authGen++
	c.auth[peer] = authorization{method: m, intent: intent, persistent: persistent, gen: c.authGen}
	return c.authGen
}

// opPrefs are our operating channel preferences among the channels we
// support.
func (c *core) opPrefs() []int {
	var out []int
	for _, f := range c.cfg.OperatingChannels {
		if slices.Contains(c.ownFreqs, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 && slices.Contains(c.ownFreqs, c.id.listen) {
		out = append(out, c.id.listen)
	}
	return out
}

func (c *core) preferredOpFreq() int {
	if p := c.opPrefs(); len(p) > 0 {
		return p[0]
	}
	if len(c.ownFreqs) > 0 {
		return c.ownFreqs[0]
	}
	return c.id.listen
}

// makeSSID draws the SSID of a group we will own: "DIRECT-", two
// characters from [A-Za-z0-9] (Wi-Fi P2P v1.7, 3.2.1) and the postfix,
// cut to 32 octets on a character boundary.
func (c *core) makeSSID() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	xy := make([]byte, 0, 2)
	var buf [16]byte
	for len(xy) < 2 {
		n, err := c.crypt.Read(buf[:])
		if err != nil || n == 0 {
			// The crypto source failed: fall back to the core's
			// generator rather than stall a negotiation.
			xy = append(xy, chars[c.rnd.IntN(len(chars))])
			continue
		}
		for _, b := range buf[:n] {
			if b < 248 && len(xy) < 2 { // 248 = 4*62: no modulo bias
				xy = append(xy, chars[int(b)%len(chars)])
			}
		}
	}
	s := string(wildcardSSID) + string(xy) + c.cfg.SSIDPostfix
	for len(s) > p2pmsg.MaxSSIDLen {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

func (c *core) negDesire() desire {
	n := c.neg
	switch n.phase {
	case negSend:
		return desire{kind: desireSend, send: c.negSendRequest}
	case negReqSent, negWaitResp:
		return desire{kind: desireHold, freq: n.peerFreq, dur: n.deadline.Sub(c.now)}
	case negRespSent, negConfSent:
		return desire{kind: desireHold, freq: n.rxFreq, dur: n.deadline.Sub(c.now)}
	case negListen:
		return desire{kind: desireROC, purpose: rocNeg, freq: c.id.listen, dur: n.listenDur}
	case negDelay:
		// Keep the radio free (no Find meanwhile): the retry is near.
		return desire{kind: desireHold}
	case negWaitPeer:
		d := min(c.cfg.Timing.ListenOnlyDwell, n.deadline.Sub(c.now))
		if d < 10*time.Millisecond {
			return desire{}
		}
		return desire{kind: desireROC, purpose: rocNeg, freq: c.id.listen, dur: d}
	}
	return desire{}
}

// negSendRequest transmits our GO Negotiation Request on the peer's
// Listen Channel, dwelling there for the response (Wi-Fi P2P v1.7,
// 3.1.4.2).
func (c *core) negSendRequest() {
	n := c.neg
	if n.attempts >= c.cfg.Timing.NegAttempts {
		c.negDone(ErrNoResponse, nil)
		return
	}
	frame, err := c.id.goNegRequest(n.peer, negFrameParams{
		token: n.token, intent: n.intent, tieBreaker: n.tieBreaker, persistent: n.persistent,
		passwordID: n.method.PasswordID(), opFreq: c.preferredOpFreq(), channels: c.ownFreqs,
	})
	if err != nil {
		c.negDone(err, nil)
		return
	}
	wait := c.cfg.Timing.NegResponseWait
	c.send(txNegRequest, n.peer, frame, n.peerFreq, wait)
	n.attempts++
	if n.res.Started.IsZero() {
		n.res.Started = c.now
	}
	n.phase = negReqSent
	n.deadline = c.now.Add(wait + 200*time.Millisecond) // the TxStatus should come well before
	c.arm(tmNeg, n.deadline)
	c.tracef("GO Negotiation Request %d to %v on %d MHz (token %d)", n.attempts, n.peer, n.peerFreq, n.token)
}

// negNextAttempt follows a request that got no response.
func (c *core) negNextAttempt() {
	n := c.neg
	c.endWait(n.peer)
	if n.attempts >= c.cfg.Timing.NegAttempts {
		c.negDone(ErrNoResponse, nil)
		return
	}
	if n.peerWaiting {
		// The peer listens for us: retry soon, with some jitter so as not
		// to stay in step with a peer that does not listen (hostap).
		n.phase = negDelay
		n.deadline = c.now.Add(100*time.Millisecond + time.Duration(c.rnd.IntN(100))*time.Millisecond)
		c.arm(tmNeg, n.deadline)
		return
	}
	// Listen on our channel for a while: the peer may be trying to reach
	// us too (hostap's CONNECT_LISTEN state).
	n.phase = negListen
	n.listenDur = c.randomListen()
	c.disarm(tmNeg)
}

func (c *core) negListenDone(*rocOp) {
	if n := c.neg; n != nil && n.phase == negListen {
		n.phase = negSend
	}
}

func (c *core) negTimeout() {
	n := c.neg
	if n == nil {
		return
	}
	switch n.phase {
	case negReqSent, negWaitResp:
		c.forgetTx(n.peer, txNegRequest)
		c.negNextAttempt()
	case negDelay:
		n.phase = negSend
	case negWaitPeer:
		c.negDone(&StatusError{Status: p2pmsg.StatusFailInformationUnavailable, Remote: true}, nil)
	case negRespSent:
		c.negDone(ErrNoConfirmation, nil)
	case negConfSent:
		// No TxStatus for the confirmation: assume it arrived (hostap
		// continues regardless of the TX status too).
		c.negSucceeded()
	}
}

func (c *core) negTxDone(t *txOp, acked, failed bool) {
	n := c.neg
	if n == nil || n.peer != t.peer {
		return
	}
	switch {
	case t.kind == txNegRequest && n.phase == negReqSent:
		if !acked {
			c.tracef("GO Negotiation Request to %v not acknowledged", n.peer)
			c.negNextAttempt()
			return
		}
		n.phase = negWaitResp
		n.deadline = c.now.Add(c.cfg.Timing.NegResponseWait)
		c.arm(tmNeg, n.deadline)
	case t.kind == txNegResponse && n.phase == negRespSent:
		n.deadline = c.now.Add(c.cfg.Timing.NegConfirmWait)
		c.arm(tmNeg, n.deadline)
	case t.kind == txNegConfirm && n.phase == negConfSent:
		if !acked && !failed && n.confSent < 3 {
			// Retry (hostap retries once, P2P_GO_NEG_CNF_MAX_RETRY_COUNT;
			// one more costs nothing and saves a lossy link).
			n.confSent++
			c.send(txNegConfirm, n.peer, n.confFrame, n.rxFreq, 0)
			return
		}
		c.negSucceeded()
	}
}

// peerPasswordID reads the Device Password ID of a GO Negotiation frame's
// WSC IE; hostap takes a missing one as 0 (default PIN).
func peerPasswordID(pa *p2pmsg.PublicAction) wsc.DevicePasswordID {
	v, _ := wscUint16(wscAttrs(pa.Elements), wsc.AttrDevicePasswordID)
	return wsc.DevicePasswordID(v)
}

// learnFromAction records what a P2P Public Action frame tells about its
// sender.
func (c *core) learnFromAction(f rxFrame, a *p2pmsg.Attributes) {
	sa := f.hdr.SA()
	if a == nil || a.DeviceInfo == nil || a.DeviceInfo.DeviceAddress != sa {
		c.peers.view(sa, func(e *peerEntry) { e.LastSeen, e.Signal = c.now, f.sig })
		return
	}
	c.learn(sa, func(e *peerEntry, _ bool) {
		e.LastSeen = c.now
		e.Signal = f.sig
		applyP2PAttrs(&e.Peer, a)
	})
}

// sendNegFailure answers a GO Negotiation Request with a failure status
// and keeps no state.
func (c *core) sendNegFailure(peer MAC, token uint8, status p2pmsg.Status, freq int, tieBreaker bool, intent uint8, pw wsc.DevicePasswordID) {
	frame, err := c.id.goNegResponse(peer, negFrameParams{
		token: token, status: &status, intent: intent, tieBreaker: tieBreaker,
		passwordID: pw, opFreq: c.preferredOpFreq(), channels: c.ownFreqs,
	})
	if err != nil {
		return
	}
	c.abortScanFor()
	c.send(txOther, peer, frame, freq, 0)
	c.tracef("GO Negotiation Response to %v: status %d", peer, status)
}

// rxNegRequest answers a GO Negotiation Request (Wi-Fi P2P v1.7, 3.1.4.2
// and 4.2.9.2; bad-input 4a #8).
func (c *core) rxNegRequest(f rxFrame, pa *p2pmsg.PublicAction) {
	sa := f.hdr.SA()
	if err := p2pmsg.ValidateGONegotiationRequest(pa); err != nil {
		c.tracef("invalid GO Negotiation Request from %v: %v", sa, err)
		if pa.P2P != nil {
			c.sendNegFailure(sa, pa.DialogToken, p2pmsg.StatusFailInvalidParameters, f.freq, false, uint8(c.cfg.GOIntent), wsc.PasswordDefault)
		}
		return
	}
	a := pa.P2P
	if a.DeviceInfo.DeviceAddress != sa {
		c.tracef("GO Negotiation Request from %v for device %v: ignored", sa, a.DeviceInfo.DeviceAddress)
		return
	}
	c.learnFromAction(f, a)
	peerPW := peerPasswordID(pa)
	tb := !a.GOIntent.TieBreaker // our response's tie breaker: the complement
	n := c.neg
	if a.Status != nil && *a.Status != p2pmsg.StatusSuccess {
		// hostap: some devices reject this way after our status 1.
		if n != nil && n.peer == sa && *a.Status == p2pmsg.StatusFailRejectedByUser {
			c.negDone(&StatusError{Status: *a.Status, Remote: true}, nil)
			return
		}
		c.sendNegFailure(sa, pa.DialogToken, p2pmsg.StatusFailInvalidParameters, f.freq, tb, uint8(c.cfg.GOIntent), wsc.PasswordDefault)
		return
	}
	auth, authorized := c.auth[sa]
	switch {
	case !authorized:
		c.sendNegFailure(sa, pa.DialogToken, p2pmsg.StatusFailInformationUnavailable, f.freq, tb, uint8(c.cfg.GOIntent), wsc.PasswordDefault)
		m, _ := methodForPeerPasswordID(peerPW)
		c.peers.view(sa, func(e *peerEntry) { e.waiting = true })
		c.notify(GONegotiationRequest{Peer: sa, PasswordID: peerPW, GOIntent: a.GOIntent.Intent, Method: m,
			Persistent: a.Capability != nil && a.Capability.Group&p2pmsg.GroupCapPersistentGroup != 0})
		return
	case n != nil && n.peer != sa:
		c.sendNegFailure(sa, pa.DialogToken, p2pmsg.StatusFailUnableToAccommodate, f.freq, tb, auth.intent, auth.method.PasswordID())
		return
	case n != nil && n.initiator && n.phase == negConfSent:
		return // our confirmation is on its way
	case n != nil && n.initiator && n.attempts > 0 && n.phase != negWaitPeer && bytes.Compare(sa[:], c.id.addr[:]) > 0:
		// Both sent requests: the device with the higher address answers
		// the other's (hostap).
		c.tracef("GO Negotiation Request from %v crosses ours: it answers", sa)
		return
	}
	if n == nil {
		n = &negotiation{peer: sa, method: auth.method, intent: auth.intent, persistent: auth.persistent, authGen: auth.gen}
		c.neg = n
	}
	c.forgetTx(sa, txNegRequest)
	n.initiator = false
	n.token = pa.DialogToken
	n.rxFreq = f.freq
	if n.peerFreq == 0 {
		n.peerFreq = freqOfChannelAttr(a.ListenChannel)
	}

	status := p2pmsg.StatusSuccess
	requesterIsGO, err := p2pmsg.ResolveGORole(*a.GOIntent, p2pmsg.GOIntent{Intent: n.intent, TieBreaker: tb})
	common := intersect(c.ownFreqs, listFreqs(a.ChannelList))
	m, pwOK := methodForPeerPasswordID(peerPW)
	switch {
	case err != nil:
		status = p2pmsg.StatusFailBothGOIntent15
	case len(common) == 0:
		status = p2pmsg.StatusFailNoCommonChannels
	case !pwOK || m != n.method:
		status = p2pmsg.StatusFailIncompatibleProvisioning
	}
	weGO := !requesterIsGO
	var opFreq int
	var groupID *p2pmsg.GroupID
	if status == p2pmsg.StatusSuccess && weGO {
		opFreq, _ = chooseOperatingFreq(common, c.opPrefs(), freqOfChannelAttr(a.OperatingChannel))
		ssid := c.makeSSID()
		groupID = &p2pmsg.GroupID{DeviceAddress: c.id.addr, SSID: []byte(ssid)}
		n.res.SSID = ssid
		n.res.GODeviceAddress = c.id.addr
	}
	chans := c.ownFreqs
	if weGO {
		chans = common
	}
	frame, ferr := c.id.goNegResponse(sa, negFrameParams{
		token: pa.DialogToken, status: &status, intent: n.intent, tieBreaker: tb, persistent: n.persistent,
		passwordID: n.method.PasswordID(), opFreq: opFreq, channels: chans, groupID: groupID,
	})
	if ferr != nil {
		c.negDone(ferr, nil)
		return
	}
	c.abortScanFor()
	if status != p2pmsg.StatusSuccess {
		c.send(txOther, sa, frame, f.freq, 0)
		c.tracef("GO Negotiation Response to %v: status %d", sa, status)
		c.negDone(&StatusError{Status: status}, nil)
		return
	}
	n.res.Peer = sa
	n.res.PeerInterfaceAddress = *a.IntendedInterfaceAddress
	n.res.Initiator = false
	n.res.Role = p2pmsg.RoleClient
	if weGO {
		n.res.Role = p2pmsg.RoleGO
		n.res.Freq = opFreq
		n.res.Persistent = n.persistent
	} else {
		n.res.Freq = freqOfChannelAttr(a.OperatingChannel)
		n.res.GODeviceAddress = sa
	}
	n.res.Channels = common
	n.res.Method = n.method
	n.res.PasswordID = n.method.PasswordID()
	n.res.PeerPasswordID = peerPW
	n.res.GOIntent = n.intent
	n.res.PeerGOIntent = a.GOIntent.Intent
	n.res.PeerConfigTimeout = *a.ConfigurationTimeout
	if n.res.Started.IsZero() {
		n.res.Started = c.now
	}
	n.phase = negRespSent
	wait := c.fitWait(f.freq, c.cfg.Timing.NegConfirmWait)
	c.send(txNegResponse, sa, frame, f.freq, wait)
	n.deadline = c.now.Add(c.cfg.Timing.NegConfirmWait + 200*time.Millisecond)
	c.arm(tmNeg, n.deadline)
	c.tracef("GO Negotiation Response to %v: success, we are %v", sa, n.res.Role)
}

// rxNegResponse handles the answer to our request (Wi-Fi P2P v1.7,
// 4.2.9.3); unexpected responses are ignored (bad-input 4a #9).
func (c *core) rxNegResponse(f rxFrame, pa *p2pmsg.PublicAction) {
	sa := f.hdr.SA()
	n := c.neg
	if n == nil || !n.initiator || n.peer != sa || n.phase != negReqSent && n.phase != negWaitResp {
		c.tracef("unexpected GO Negotiation Response from %v: ignored", sa)
		return
	}
	if pa.DialogToken != n.token || pa.P2P == nil || pa.P2P.Status == nil {
		c.tracef("GO Negotiation Response from %v with token %d (want %d) or no status: ignored", sa, pa.DialogToken, n.token)
		return
	}
	a := pa.P2P
	c.learnFromAction(f, a)
	c.forgetTx(sa, txNegRequest)
	c.disarm(tmNeg)
	n.rxFreq = f.freq
	if st := *a.Status; st != p2pmsg.StatusSuccess {
		c.endWait(sa)
		if st == p2pmsg.StatusFailInformationUnavailable {
			// The peer's user has to agree: it will send its own request
			// (hostap's WAIT_PEER_CONNECT). Stay reachable meanwhile.
			c.tracef("GO Negotiation: %v not ready, waiting for its request", sa)
			n.phase = negWaitPeer
			n.attempts = 0
			n.deadline = c.now.Add(c.cfg.Timing.NegPeerWait)
			c.arm(tmNeg, n.deadline)
			return
		}
		c.negDone(&StatusError{Status: st, Remote: true}, nil)
		return
	}
	var status p2pmsg.Status
	var requesterIsGO bool
	var common []int
	var opFreq int
	var groupID *p2pmsg.GroupID
	peerPW := peerPasswordID(pa)
	if err := p2pmsg.ValidateGONegotiationResponse(pa); err != nil {
		c.tracef("invalid GO Negotiation Response from %v: %v", sa, err)
		status = p2pmsg.StatusFailInvalidParameters
	} else {
		var err error
		requesterIsGO, err = p2pmsg.ResolveGORole(p2pmsg.GOIntent{Intent: n.intent, TieBreaker: n.tieBreaker}, *a.GOIntent)
		common = intersect(c.ownFreqs, listFreqs(a.ChannelList))
		m, pwOK := methodForPeerPasswordID(peerPW)
		switch {
		case err != nil:
			status = p2pmsg.StatusFailBothGOIntent15
		case len(common) == 0:
			status = p2pmsg.StatusFailNoCommonChannels
		case !pwOK || m != n.method:
			status = p2pmsg.StatusFailIncompatibleProvisioning
		case requesterIsGO:
			opFreq, _ = chooseOperatingFreq(common, c.opPrefs(), freqOfChannelAttr(a.OperatingChannel))
			ssid := c.makeSSID()
			groupID = &p2pmsg.GroupID{DeviceAddress: c.id.addr, SSID: []byte(ssid)}
			n.res.SSID, n.res.GODeviceAddress = ssid, c.id.addr
		case a.GroupID == nil || a.OperatingChannel == nil:
			status = p2pmsg.StatusFailInvalidParameters
		default:
			opFreq = freqOfChannelAttr(a.OperatingChannel)
			if !slices.Contains(c.ownFreqs, opFreq) {
				status = p2pmsg.StatusFailNoCommonChannels
			}
			n.res.SSID = Sanitize(string(a.GroupID.SSID))
			n.res.GODeviceAddress = a.GroupID.DeviceAddress
		}
	}
	if status != p2pmsg.StatusSuccess {
		opFreq, common, groupID = c.preferredOpFreq(), c.ownFreqs, nil
	}
	frame, err := c.id.goNegConfirmation(sa, negFrameParams{
		token: n.token, status: &status, opFreq: opFreq, channels: common, groupID: groupID, persistent: n.persistent,
	})
	if err != nil {
		c.negDone(err, nil)
		return
	}
	if status != p2pmsg.StatusSuccess {
		c.send(txOther, sa, frame, f.freq, 0)
		c.tracef("GO Negotiation Confirmation to %v: status %d", sa, status)
		c.negDone(&StatusError{Status: status}, nil)
		return
	}
	n.res.Peer = sa
	n.res.PeerInterfaceAddress = *a.IntendedInterfaceAddress
	n.res.Initiator = true
	n.res.Role = p2pmsg.RoleClient
	n.res.Persistent = a.Capability.Group&p2pmsg.GroupCapPersistentGroup != 0 // the GO's
	if requesterIsGO {
		n.res.Role = p2pmsg.RoleGO
		n.res.Persistent = n.persistent
	}
	n.res.Freq = opFreq
	n.res.Channels = common
	n.res.Method = n.method
	n.res.PasswordID = n.method.PasswordID()
	n.res.PeerPasswordID = peerPW
	n.res.GOIntent = n.intent
	n.res.PeerGOIntent = a.GOIntent.Intent
	n.res.PeerConfigTimeout = *a.ConfigurationTimeout
	n.phase = negConfSent
	n.confFrame = frame
	n.confSent = 1
	c.send(txNegConfirm, sa, frame, f.freq, 0)
	n.deadline = c.now.Add(time.Second)
	c.arm(tmNeg, n.deadline)
	c.tracef("GO Negotiation Confirmation to %v: we are %v on %d MHz", sa, n.res.Role, opFreq)
}

// rxNegConfirm ends a negotiation we answered (Wi-Fi P2P v1.7, 4.2.9.4).
func (c *core) rxNegConfirm(f rxFrame, pa *p2pmsg.PublicAction) {
	sa := f.hdr.SA()
	n := c.neg
	if n == nil || n.initiator || n.peer != sa || n.phase != negRespSent {
		c.tracef("unexpected GO Negotiation Confirmation from %v: ignored", sa)
		return
	}
	if pa.DialogToken != n.token || pa.P2P == nil || pa.P2P.Status == nil {
		c.tracef("GO Negotiation Confirmation from %v with token %d (want %d) or no status: ignored", sa, pa.DialogToken, n.token)
		return
	}
	a := pa.P2P
	c.peers.view(sa, func(e *peerEntry) { e.LastSeen, e.Signal = c.now, f.sig })
	if st := *a.Status; st != p2pmsg.StatusSuccess {
		c.negDone(&StatusError{Status: st, Remote: true}, nil)
		return
	}
	if err := p2pmsg.ValidateGONegotiationConfirmation(pa); err != nil {
		c.tracef("invalid GO Negotiation Confirmation from %v: %v", sa, err)
		c.negDone(&StatusError{Status: p2pmsg.StatusFailInvalidParameters}, nil)
		return
	}
	if n.res.Role == p2pmsg.RoleClient {
		if a.GroupID == nil {
			c.negDone(&StatusError{Status: p2pmsg.StatusFailInvalidParameters}, nil)
			return
		}
		n.res.SSID = Sanitize(string(a.GroupID.SSID))
		n.res.GODeviceAddress = a.GroupID.DeviceAddress
		n.res.Persistent = a.Capability.Group&p2pmsg.GroupCapPersistentGroup != 0 // the GO's
		if fr := freqOfChannelAttr(a.OperatingChannel); fr != 0 {
			n.res.Freq = fr
		}
	}
	if cl := listFreqs(a.ChannelList); len(cl) > 0 {
		n.res.Channels = intersect(c.ownFreqs, cl)
	}
	c.negSucceeded()
}

func (c *core) negSucceeded() {
	res := c.neg.res
	res.Done = c.now
	c.negDone(nil, &res)
}

// negDone ends the negotiation and reports its outcome once: to the
// Connect waiting for it, or else as a notification.
func (c *core) negDone(err error, res *NegotiationResult) {
	n := c.neg
	if n == nil {
		return
	}
	c.neg = nil
	c.disarm(tmNeg)
	// The authorization is used up, unless the user renewed it meanwhile,
	// or the peer may still retry: a responder whose response or whose
	// confirmation was lost answers the peer's next request again.
	if a, ok := c.auth[n.peer]; ok && a.gen == n.authGen && !(errors.Is(err, ErrNoConfirmation) && !n.initiator) {
		delete(c.auth, n.peer)
	}
	c.forgetTx(n.peer, txNegRequest, txNegResponse, txNegConfirm)
	c.endWait(n.peer)
	c.peers.view(n.peer, func(e *peerEntry) {
		e.waiting = false
		if res != nil {
			e.LastSeen = c.now
		}
	})
	if err != nil {
		c.tracef("GO Negotiation with %v failed: %v", n.peer, err)
		if n.reqID == 0 {
			c.notify(NegotiationFailed{Peer: n.peer, Err: err})
		}
		c.reply(n.reqID, nil, err)
		return
	}
	res.Channels = slices.Clone(res.Channels)
	c.tracef("GO Negotiation with %v succeeded: %v on %d MHz, SSID %q", n.peer, res.Role, res.Freq, res.SSID)
	if n.reqID == 0 {
		c.notify(NegotiationSucceeded{Result: *res})
	}
	c.reply(n.reqID, *res, nil)
}
