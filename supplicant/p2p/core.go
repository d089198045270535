package p2p

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// The core is a pure state machine: handle takes one event with its
// timestamp and returns the actions to execute, in order. It keeps no
// goroutine, calls no radio and reads no clock.

// event is an input of the core.
type event interface{ isEvent() }

// evStart starts the core once the interface exists.
type evStart struct {
	addr MAC
	phy  radio.PhyInfo
}

// evStop: the device is closing or its interface is gone.
type evStop struct{ err error }

// evRadio is an event of the interface.
type evRadio struct{ ev radio.Event }

// evTxQueued reports the outcome of actSendFrame.
type evTxQueued struct {
	tag    uint64
	cookie radio.Cookie
	err    error
}

// evROCQueued reports the outcome of actRemainOnChannel.
type evROCQueued struct {
	tag    uint64
	cookie radio.Cookie
	err    error
}

// evScanTriggered reports the outcome of actTriggerScan.
type evScanTriggered struct{ err error }

// evScanResults carries the outcome of actGetScanResults.
type evScanResults struct {
	bss []radio.BSS
	err error
}

// evTimer is a timer firing; at is the deadline it was armed for.
type evTimer struct {
	id timerID
	at time.Time
}

// evCommand is a command from the API; id names the reply.
type evCommand struct {
	id  uint64
	cmd command
}

// evProvisionDecision carries the answer to actDecideProvision.
type evProvisionDecision struct {
	d      pdDecision
	accept bool
}

// evInvitationDecision carries the answer to actDecideInvitation.
type evInvitationDecision struct {
	d   invDecision
	dec InvitationDecision
}

func (evStart) isEvent()              {}
func (evStop) isEvent()               {}
func (evRadio) isEvent()              {}
func (evTxQueued) isEvent()           {}
func (evROCQueued) isEvent()          {}
func (evScanTriggered) isEvent()      {}
func (evScanResults) isEvent()        {}
func (evTimer) isEvent()              {}
func (evCommand) isEvent()            {}
func (evProvisionDecision) isEvent()  {}
func (evInvitationDecision) isEvent() {}

// action is an output of the core, executed by the edge in order.
type action interface{ isAction() }

// actSendFrame transmits; the edge answers with evTxQueued (same tag).
type actSendFrame struct {
	tag uint64
	tx  radio.Tx
}

// actRemainOnChannel; the edge answers with evROCQueued (same tag).
type actRemainOnChannel struct {
	tag  uint64
	freq int
	dur  time.Duration
}

type actCancelROC struct{ cookie radio.Cookie }
type actCancelFrameWait struct{ cookie radio.Cookie }

// actTriggerScan; the edge answers with evScanTriggered.
type actTriggerScan struct{ req radio.ScanRequest }
type actAbortScan struct{}

// actGetScanResults; the edge answers with evScanResults.
type actGetScanResults struct{}

// actArmTimer arms (or re-arms) a timer for at; the edge delivers evTimer.
type actArmTimer struct {
	id timerID
	at time.Time
}
type actCancelTimer struct{ id timerID }

// actNotify passes a notification upward.
type actNotify struct{ n Notification }

// actReply completes a command.
type actReply struct {
	id  uint64
	val any
	err error
}

// actDecideProvision asks the edge to run Options.ProvisionPolicy; it
// answers with evProvisionDecision.
type actDecideProvision struct{ d pdDecision }

// actDecideInvitation asks the edge to run Options.InvitationPolicy; it
// answers with evInvitationDecision.
type actDecideInvitation struct{ d invDecision }

// actTrace is a debug line.
type actTrace struct{ msg string }

func (actSendFrame) isAction()        {}
func (actRemainOnChannel) isAction()  {}
func (actCancelROC) isAction()        {}
func (actCancelFrameWait) isAction()  {}
func (actTriggerScan) isAction()      {}
func (actAbortScan) isAction()        {}
func (actGetScanResults) isAction()   {}
func (actArmTimer) isAction()         {}
func (actCancelTimer) isAction()      {}
func (actNotify) isAction()           {}
func (actReply) isAction()            {}
func (actDecideProvision) isAction()  {}
func (actDecideInvitation) isAction() {}
func (actTrace) isAction()            {}

// timerID names the core's timers.
type timerID uint8

const (
	tmRadio      timerID = iota + 1 // watchdog of the current scan or remain-on-channel
	tmKick                          // retry scheduling after a radio error or a frame wait
	tmFindEnd                       // Find timeout
	tmListenEnd                     // Listen timeout
	tmListenNext                    // next availability period of Extended Listen Timing
	tmNeg                           // GO Negotiation phase deadline
	tmPD                            // Provision Discovery phase deadline
	tmInv                           // Invitation phase deadline
	tmExpiry                        // peer expiry
)

// rocPurpose says why we remain on a channel.
type rocPurpose uint8

const (
	rocFind   rocPurpose = iota + 1 // Listen state of Find
	rocListen                       // Listen (only)
	rocNeg                          // listening between GO Negotiation attempts or waiting for the peer
	rocPD                           // listening between Provision Discovery attempts
	rocInv                          // listening between Invitation attempts
	rocHold                         // staying on the channel of an exchange
)

// rocOp is our remain-on-channel request.
type rocOp struct {
	tag       uint64
	cookie    radio.Cookie
	freq      int
	dur       time.Duration
	purpose   rocPurpose
	started   bool
	startedAt time.Time
	canceling bool
}

// txKind says what a transmitted frame is.
type txKind uint8

const (
	txNegRequest txKind = iota + 1
	txNegResponse
	txNegConfirm
	txPDRequest
	txPDResponse
	txInvRequest
	txOther
)

// txOp is a frame we transmitted and still follow.
type txOp struct {
	tag    uint64
	cookie radio.Cookie
	queued bool // the radio accepted it (cookie known)
	kind   txKind
	peer   MAC
	freq   int
	wait   time.Duration
	at     time.Time // when it was sent
	until  time.Time // end of the dwell (zero without wait)
	status bool      // a TxStatus is expected
}

// dwell is the rest of a sent frame's wait, during which the radio stays
// on freq.
type dwell struct {
	cookie radio.Cookie
	peer   MAC
	freq   int
	until  time.Time
}

// core is the P2P Device state machine.
type core struct {
	cfg   Config
	id    identity
	rnd   *rand.Rand
	crypt io.Reader

	phy      radio.PhyInfo
	ownFreqs []int
	started  bool
	stopped  bool

	peers *peerTable
	auth  map[MAC]authorization

	find    *findState
	listen  *listenState
	neg     *negotiation
	pd      *pdState
	pdSeen  map[MAC]pdAnswer
	inv     *invState
	invSeen map[MAC]invAnswer

	scanning  bool
	aborting  bool // AbortScan sent
	roc       *rocOp
	txs       []*txOp
	dwells    []dwell
	waitUntil time.Time // a frame's dwell keeps the radio busy until then
	waitFreq  int       // on this channel
	nextTag   uint64

	timers         map[timerID]time.Time
	nextTieBreaker bool
	authGen        uint64

	now  time.Time
	acts []action
}

// authorization is a peer the user allows to negotiate with us.
type authorization struct {
	method     WPSMethod
	intent     uint8
	persistent bool
	gen        uint64
}

// newCore builds a core; it starts with evStart.
func newCore(cfg Config, rnd *rand.Rand, crypt io.Reader) (*core, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := &core{
		cfg:     cfg,
		rnd:     rnd,
		crypt:   crypt,
		peers:   newPeerTable(cfg.MaxPeers),
		auth:    make(map[MAC]authorization),
		pdSeen:  make(map[MAC]pdAnswer),
		invSeen: make(map[MAC]invAnswer),
		timers:  make(map[timerID]time.Time),
	}
	c.nextTieBreaker = rnd.IntN(2) == 1
	return c, nil
}

// handle runs one event and returns the actions it causes.
func (c *core) handle(now time.Time, ev event) []action {
	c.now = now
	c.acts = nil
	switch e := ev.(type) {
	case evStart:
		c.start(e)
	case evStop:
		c.stop(e.err)
	case evRadio:
		c.radioEvent(e.ev)
	case evTxQueued:
		c.txQueued(e)
	case evROCQueued:
		c.rocQueued(e)
	case evScanTriggered:
		c.scanTriggered(e)
	case evScanResults:
		c.scanResults(e)
	case evTimer:
		c.timer(e)
	case evCommand:
		c.command(e.id, e.cmd)
	case evProvisionDecision:
		c.provisionDecided(e.d, e.accept)
	case evInvitationDecision:
		c.invitationDecided(e.d, e.dec, true)
	}
	if c.started && !c.stopped {
		c.kick()
		c.armExpiry()
	}
	acts := c.acts
	c.acts = nil
	return acts
}

func (c *core) emit(a action) { c.acts = append(c.acts, a) }

func (c *core) notify(n Notification) { c.emit(actNotify{n}) }

func (c *core) reply(id uint64, val any, err error) {
	if id != 0 {
		c.emit(actReply{id: id, val: val, err: err})
	}
}

func (c *core) tracef(format string, args ...any) {
	if c.cfg.Trace != nil {
		c.emit(actTrace{fmt.Sprintf(format, args...)})
	}
}

// arm sets timer id for at.
func (c *core) arm(id timerID, at time.Time) {
	if old, ok := c.timers[id]; ok && old.Equal(at) {
		return
	}
	c.timers[id] = at
	c.emit(actArmTimer{id: id, at: at})
}

// disarm cancels timer id.
func (c *core) disarm(id timerID) {
	if _, ok := c.timers[id]; ok {
		delete(c.timers, id)
		c.emit(actCancelTimer{id})
	}
}

func (c *core) timer(e evTimer) {
	at, ok := c.timers[e.id]
	if !ok || !at.Equal(e.at) {
		return // stale: re-armed or canceled since
	}
	delete(c.timers, e.id)
	switch e.id {
	case tmRadio:
		c.radioWatchdog()
	case tmKick:
		// kick runs after every event
	case tmFindEnd:
		c.stopFind()
	case tmListenEnd:
		c.stopListen()
	case tmListenNext:
	case tmNeg:
		c.negTimeout()
	case tmPD:
		c.exchTimeout(c.pd.exch())
	case tmInv:
		c.exchTimeout(c.inv.exch())
	case tmExpiry:
		c.expirePeers()
	}
}

func (c *core) start(e evStart) {
	if c.started {
		return
	}
	c.started = true
	c.phy = e.phy
	c.ownFreqs = ownFreqs(e.phy)
	listen := c.cfg.ListenChannel
	if listen == ListenChannelRandom {
		listen = []int{1, 6, 11}[c.rnd.IntN(3)]
	}
	c.id = identity{cfg: &c.cfg, addr: e.addr, uuid: c.cfg.UUID, listen: 2407 + 5*listen, ifAddr: c.cfg.InterfaceAddress}
	if c.id.uuid == ([16]byte{}) {
		c.id.uuid = wsc.UUIDFromAddress(e.addr)
	}
	if c.id.ifAddr.IsZero() {
		c.id.ifAddr = interfaceAddressFor(e.addr)
	}
	c.tracef("started %v, listen %d MHz, channels %v", e.addr, c.id.listen, c.ownFreqs)
}

// stop ends every procedure with err.
func (c *core) stop(err error) {
	if c.stopped {
		return
	}
	if err == nil {
		err = ErrClosed
	}
	if c.neg != nil {
		c.negDone(err, nil)
	}
	if c.pd != nil {
		c.pdDone(err, nil)
	}
	if c.inv != nil {
		c.invDone(err, nil)
	}
	if c.find != nil {
		c.find = nil
		c.notify(FindStopped{})
	}
	if c.listen != nil {
		c.listen = nil
		c.notify(ListenStopped{})
	}
	for id := range c.timers {
		c.emit(actCancelTimer{id})
	}
	clear(c.timers)
	c.stopped = true
}

// inUse reports whether a procedure holds the peer (it neither expires nor
// is evicted then).
func (c *core) inUse(a MAC) bool {
	return c.neg != nil && c.neg.peer == a || c.pd != nil && c.pd.peer == a || c.inv != nil && c.inv.peer == a
}

// Radio scheduling.

// desire is what a procedure wants the radio to do next.
type desire struct {
	kind    desireKind
	purpose rocPurpose
	freq    int
	dur     time.Duration
	send    func() // desireSend: transmits (the procedure's own step)
	freqs   []int  // desireScan
}

type desireKind uint8

const (
	desireNone desireKind = iota
	desireSend            // transmit a frame (needs the radio free)
	desireROC             // remain on freq for dur
	desireScan            // scan freqs (nil: all)
	desireHold            // keep what the radio does (a frame's dwell)
)

// want picks the most urgent desire: GO Negotiation, then Provision
// Discovery, then Invitation, then Find, then Listen.
func (c *core) want() desire {
	if c.neg != nil {
		if d := c.negDesire(); d.kind != desireNone {
			return d
		}
	}
	for _, x := range []*exchange{c.pd.exch(), c.inv.exch()} {
		if x != nil {
			if d := c.exchDesire(x); d.kind != desireNone {
				return d
			}
		}
	}
	if c.find != nil {
		if d := c.findDesire(); d.kind != desireNone {
			return d
		}
	}
	if c.listen != nil {
		return c.listenDesire()
	}
	return desire{}
}

// kick drives the radio towards the current desire. It runs after every
// event.
func (c *core) kick() {
	for range 4 { // a send may change the desire; bounded
		d := c.want()
		if c.scanning {
			return // scans are short: let them finish
		}
		if c.roc != nil {
			switch {
			case d.kind == desireROC && c.roc.purpose == d.purpose && c.roc.freq == d.freq:
				return
			case d.kind == desireHold && c.roc.freq == d.freq:
				// Any remain-on-channel on the exchange's channel holds
				// the radio there; canceling it could end the dwell of
				// a frame the kernel merged into it.
				return
			}
			c.cancelROC()
			return
		}
		if d.kind == desireNone {
			return
		}
		if c.now.Before(c.waitUntil) {
			if d.kind == desireHold && c.waitFreq == d.freq {
				return
			}
			c.arm(tmKick, c.waitUntil)
			return
		}
		switch d.kind {
		case desireSend:
			before := len(c.acts)
			d.send()
			if len(c.acts) == before {
				return
			}
			continue
		case desireROC:
			c.startROC(d.purpose, d.freq, d.dur)
		case desireHold:
			if d.dur >= 10*time.Millisecond {
				c.startROC(rocHold, d.freq, d.dur)
			}
		case desireScan:
			c.startScan(d.freqs)
		}
		return
	}
}

// fitWait bounds the dwell of a frame sent on freq during our
// remain-on-channel there to what is left of it, so that the kernel
// merges the frame into the running remain-on-channel and sends it at
// once instead of queueing it behind (mac80211 coalesces an off-channel
// frame only when its wait fits).
func (c *core) fitWait(freq int, d time.Duration) time.Duration {
	if r := c.roc; r != nil && r.started && r.freq == freq {
		left := r.startedAt.Add(r.dur).Sub(c.now) - 50*time.Millisecond
		if left < d {
			d = max(left, 0)
		}
	}
	return d
}

func (c *core) newTag() uint64 {
	c.nextTag++
	return c.nextTag
}

// maxROC bounds a remain-on-channel or frame dwell by the phy's maximum.
func (c *core) maxROC(d time.Duration) time.Duration {
	if m := c.phy.MaxRemainOnChannel; m > 0 && d > m {
		return m
	}
	return d
}

func (c *core) startROC(p rocPurpose, freq int, dur time.Duration) {
	dur = c.maxROC(dur)
	c.roc = &rocOp{tag: c.newTag(), freq: freq, dur: dur, purpose: p}
	c.emit(actRemainOnChannel{tag: c.roc.tag, freq: freq, dur: dur})
	// Watchdog: a radio that never reports the start or the end.
	c.arm(tmRadio, c.now.Add(dur+2*time.Second))
}

func (c *core) rocQueued(e evROCQueued) {
	if c.roc == nil || c.roc.tag != e.tag {
		if e.err == nil { // not ours any more: end it
			c.emit(actCancelROC{e.cookie})
		}
		return
	}
	if e.err != nil {
		c.tracef("remain on channel %d MHz: %v", c.roc.freq, e.err)
		c.roc = nil
		c.disarm(tmRadio)
		c.radioFailed()
		return
	}
	c.roc.cookie = e.cookie
	if c.roc.canceling {
		c.emit(actCancelROC{e.cookie})
	}
}

// radioFailed backs off after a refused radio operation.
func (c *core) radioFailed() {
	c.waitUntil = c.now.Add(100 * time.Millisecond)
	c.arm(tmKick, c.waitUntil)
}

func (c *core) cancelROC() {
	r := c.roc
	if r.canceling {
		return
	}
	r.canceling = true
	if r.cookie != 0 || r.started {
		c.emit(actCancelROC{r.cookie})
	}
}

// inListen reports whether we are in a Listen state on freq: remaining
// on our Listen Channel, started and not being canceled.
func (c *core) inListen(freq int) bool {
	r := c.roc
	return r != nil && r.started && !r.canceling && r.freq == freq && freq == c.id.listen &&
		(r.purpose == rocFind || r.purpose == rocListen || r.purpose == rocNeg || r.purpose == rocPD || r.purpose == rocInv)
}

func (c *core) startScan(freqs []int) {
	ies, err := c.id.probeRequestIEs(c.findReqTypes(), c.findDeviceID())
	if err != nil {
		c.tracef("probe request IEs: %v", err)
		c.radioFailed()
		return
	}
	c.scanning, c.aborting = true, false
	c.emit(actTriggerScan{req: radio.ScanRequest{
		Freqs: slices.Clone(freqs),
		SSIDs: [][]byte{wildcardSSID},
		IEs:   ies,
		NoCCK: true,
	}})
	c.arm(tmRadio, c.now.Add(c.cfg.Timing.ScanWatchdog))
}

func (c *core) scanTriggered(e evScanTriggered) {
	if e.err == nil || !c.scanning {
		return
	}
	c.tracef("trigger scan: %v", e.err)
	c.scanning = false
	c.disarm(tmRadio)
	c.radioFailed()
	if c.find != nil {
		// Skip to the Listen state rather than spin on a busy radio.
		c.find.phase = findListen
	}
}

// abortScanFor ends our scan so that an answer to a frame received during
// a scan dwell goes out at once: the kernel queues off-channel frames
// behind a running scan (hostap aborts its P2P scan on GO Negotiation
// too).
func (c *core) abortScanFor() {
	if c.scanning && !c.aborting {
		c.aborting = true
		c.emit(actAbortScan{})
	}
}

// radioWatchdog recovers from a radio that stopped reporting.
func (c *core) radioWatchdog() {
	switch {
	case c.scanning:
		c.tracef("scan watchdog: no ScanDone")
		c.emit(actAbortScan{})
		c.scanDone(false)
	case c.roc != nil:
		c.tracef("remain-on-channel watchdog: no end reported")
		if c.roc.cookie != 0 {
			c.emit(actCancelROC{c.roc.cookie})
		}
		c.rocEnded()
	}
}

func (c *core) radioEvent(ev radio.Event) {
	switch e := ev.(type) {
	case radio.FrameReceived:
		c.frameReceived(e)
	case radio.TxStatus:
		c.txStatus(e)
	case radio.RemainOnChannelStarted:
		if c.roc != nil && c.roc.cookie == e.Cookie && e.Cookie != 0 {
			c.roc.started = true
			c.roc.startedAt = c.now
			c.arm(tmRadio, c.now.Add(c.roc.dur+time.Second))
		}
	case radio.RemainOnChannelExpired:
		if c.roc != nil && c.roc.cookie == e.Cookie && e.Cookie != 0 {
			c.rocEnded()
		}
	case radio.ScanDone:
		if c.scanning {
			c.scanDone(!e.Aborted)
		}
	case radio.EventsLost:
		// Events may be missing: the watchdogs recover the radio state.
		c.tracef("%d radio events lost", e.Count)
	case radio.InterfaceRemoved:
		c.stop(ErrClosed)
	}
}

// rocEnded runs when our remain-on-channel is over.
func (c *core) rocEnded() {
	r := c.roc
	c.roc = nil
	c.disarm(tmRadio)
	switch r.purpose {
	case rocFind:
		c.findListenDone(r)
	case rocListen:
		c.listenDone()
	case rocNeg:
		c.negListenDone(r)
	case rocPD:
		c.exchListenDone(c.pd.exch())
	case rocInv:
		c.exchListenDone(c.inv.exch())
	}
}

// send transmits a frame; kind and peer let TxStatus find its owner.
// A frame with a wait keeps the radio on freq after it went out.
func (c *core) send(kind txKind, peer MAC, frame []byte, freq int, wait time.Duration) uint64 {
	wait = c.maxROC(wait)
	t := &txOp{tag: c.newTag(), kind: kind, peer: peer, freq: freq, wait: wait, status: kind != txOther, at: c.now}
	if wait > 0 {
		t.until = c.now.Add(wait + 20*time.Millisecond)
	}
	c.txs = append(c.txs, t)
	c.emit(actSendFrame{tag: t.tag, tx: radio.Tx{
		Frame: frame, Freq: freq, Wait: wait, NoCCK: true, NoAck: !t.status, OffChannel: true,
	}})
	c.updateWait()
	return t.tag
}

// updateWait recomputes until when frame dwells keep the radio busy.
func (c *core) updateWait() {
	c.waitUntil, c.waitFreq = time.Time{}, 0
	c.dwells = slices.DeleteFunc(c.dwells, func(d dwell) bool { return !d.until.After(c.now) })
	// A frame whose TxStatus never came (lost events) is forgotten.
	c.txs = slices.DeleteFunc(c.txs, func(t *txOp) bool { return c.now.Sub(t.at) > 30*time.Second })
	for _, t := range c.txs {
		if t.until.After(c.waitUntil) {
			c.waitUntil, c.waitFreq = t.until, t.freq
		}
	}
	for _, d := range c.dwells {
		if d.until.After(c.waitUntil) {
			c.waitUntil, c.waitFreq = d.until, d.freq
		}
	}
}

func (c *core) txByTag(tag uint64) (int, *txOp) {
	for i, t := range c.txs {
		if t.tag == tag {
			return i, t
		}
	}
	return -1, nil
}

func (c *core) txQueued(e evTxQueued) {
	i, t := c.txByTag(e.tag)
	if t == nil {
		return
	}
	if e.err != nil || !t.status {
		c.txs = slices.Delete(c.txs, i, i+1)
		c.updateWait()
		if e.err != nil {
			c.tracef("send frame: %v", e.err)
			c.txDone(t, false, true)
		}
		return
	}
	t.cookie, t.queued = e.cookie, true
}

func (c *core) txStatus(e radio.TxStatus) {
	for i, t := range c.txs {
		if !t.queued || t.cookie != e.Cookie {
			continue
		}
		c.txs = slices.Delete(c.txs, i, i+1)
		if t.wait > 0 && t.until.After(c.now) {
			c.dwells = append(c.dwells, dwell{cookie: t.cookie, peer: t.peer, freq: t.freq, until: t.until})
		}
		c.txDone(t, e.Acked, false)
		// A dwell no procedure waits in is ended at once.
		if !c.dwellWanted(t.peer) {
			c.endWait(t.peer)
		}
		c.updateWait()
		return
	}
}

// txDone dispatches the fate of a frame to its procedure.
func (c *core) txDone(t *txOp, acked, failed bool) {
	switch t.kind {
	case txNegRequest, txNegResponse, txNegConfirm:
		c.negTxDone(t, acked, failed)
	case txPDRequest:
		c.exchTxDone(c.pd.exch(), t, acked)
	case txInvRequest:
		c.exchTxDone(c.inv.exch(), t, acked)
	}
}

// dwellWanted reports whether a procedure waits for an answer from peer
// on the channel of the frame it sent.
func (c *core) dwellWanted(peer MAC) bool {
	if n := c.neg; n != nil && n.peer == peer && (n.phase == negWaitResp || n.phase == negRespSent) {
		return true
	}
	return exchWaiting(c.pd.exch(), peer) || exchWaiting(c.inv.exch(), peer)
}

// endWait ends the remaining dwell of the frames to peer that went out
// (all peers when peer is zero), freeing the radio. Frames not yet sent
// keep theirs: canceling their wait could drop them.
func (c *core) endWait(peer MAC) {
	c.dwells = slices.DeleteFunc(c.dwells, func(d dwell) bool {
		if peer.IsZero() || d.peer == peer {
			c.emit(actCancelFrameWait{d.cookie})
			return true
		}
		return false
	})
	c.updateWait()
}

// forgetTx stops following frames of kind to peer (their TxStatus will
// be ignored).
func (c *core) forgetTx(peer MAC, kinds ...txKind) {
	c.txs = slices.DeleteFunc(c.txs, func(t *txOp) bool {
		return t.peer == peer && slices.Contains(kinds, t.kind)
	})
}

// frameReceived dispatches a received management frame.
func (c *core) frameReceived(e radio.FrameReceived) {
	f, err := parseRx(e.Frame, e.Freq, e.Signal)
	if err != nil {
		return
	}
	if f.hdr.SA() == c.id.addr {
		return
	}
	switch f.hdr.FrameControl.Subtype {
	case ieee80211.SubtypeProbeReq:
		c.rxProbeRequest(f)
	case ieee80211.SubtypeAction:
		c.rxAction(f)
	}
}

// Peer table maintenance.

// learn creates or updates a peer with fn and reports the change upward.
// It looks the peer up again after the insertion: nothing from before
// (nor the evicted entry) is used afterwards.
func (c *core) learn(addr MAC, fn func(e *peerEntry, created bool)) bool {
	if addr.IsZero() || addr.IsGroup() || addr == c.id.addr {
		return false
	}
	before, existed := c.peers.snapshot(addr)
	evicted, ok := c.peers.upsert(addr, c.inUse, fn)
	for _, v := range evicted {
		c.tracef("peer table full: evicted %v", v.Address)
		if v.reported {
			c.notify(PeerLost{Address: v.Address, Evicted: true})
		}
	}
	if !ok {
		return false
	}
	c.peers.view(addr, func(e *peerEntry) {
		switch {
		case e.Complete && !e.reported:
			e.reported = true
			c.tracef("peer %v found: %q, listen %d MHz", e.Address, e.Name, e.ListenFreq)
			c.notify(PeerFound{Peer: e.clone()})
		case e.reported && existed && !sameFacts(&before, &e.Peer):
			c.notify(PeerUpdated{Peer: e.clone()})
		}
	})
	return true
}

// armExpiry keeps the expiry timer on the next peer to expire.
func (c *core) armExpiry() {
	first, ok := c.peers.nextExpiry(c.inUse)
	if !ok {
		c.disarm(tmExpiry)
		return
	}
	c.arm(tmExpiry, first.Add(c.cfg.PeerExpiry))
}

func (c *core) expirePeers() {
	for _, e := range c.peers.expire(c.now.Add(-c.cfg.PeerExpiry), c.inUse) {
		c.tracef("peer %v expired", e.Address)
		if e.reported {
			c.notify(PeerLost{Address: e.Address})
		}
	}
}

// randomListen is a Listen state length: 1 to 3 times 100 TU (Wi-Fi P2P
// v1.7, 3.1.2.1.3).
func (c *core) randomListen() time.Duration {
	return time.Duration(c.rnd.IntN(3)+1) * 100 * 1024 * time.Microsecond
}

// token draws a non-zero dialog token.
func (c *core) token() uint8 { return uint8(c.rnd.IntN(255) + 1) }
