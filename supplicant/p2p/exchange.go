package p2p

import "time"

// exchPhase is where a request we send until the peer answers stands.
type exchPhase uint8

const (
	exchSend     exchPhase = iota + 1 // the request is to be sent
	exchSent                          // request handed to the radio
	exchWaitResp                      // request acknowledged, waiting for the response
	exchGap                           // listening on our channel between attempts
)

// exchange is a request/response procedure we start: Provision Discovery
// (Wi-Fi P2P v1.7, 3.2.5) and Invitation (3.1.5). Each attempt goes out on
// the peer's channel and waits there for the response; an attempt that is
// not acknowledged or not answered is followed by a Listen state on our
// channel, then the next one, up to Timing.PDAttempts. The dialog tokens of
// every attempt stay valid: a late response still counts.
type exchange struct {
	peer      MAC
	reqID     uint64
	freq      int // where requests go
	phase     exchPhase
	tokens    []uint8
	attempts  int
	deadline  time.Time
	listenDur time.Duration

	// What differs between the procedures.
	name  string // the request's name, for traces
	tx    txKind
	timer timerID
	roc   rocPurpose
	// build encodes the request with a dialog token; fail ends the
	// procedure with an error.
	build func(token uint8) ([]byte, error)
	fail  func(err error)
}

func (c *core) exchDesire(x *exchange) desire {
	switch x.phase {
	case exchSend:
		return desire{kind: desireSend, send: func() { c.exchSendRequest(x) }}
	case exchSent, exchWaitResp:
		return desire{kind: desireHold, freq: x.freq, dur: x.deadline.Sub(c.now)}
	case exchGap:
		return desire{kind: desireROC, purpose: x.roc, freq: c.id.listen, dur: x.listenDur}
	}
	return desire{}
}

func (c *core) exchSendRequest(x *exchange) {
	if x.attempts >= c.cfg.Timing.PDAttempts {
		x.fail(ErrNoResponse)
		return
	}
	tok := c.token()
	frame, err := x.build(tok)
	if err != nil {
		x.fail(err)
		return
	}
	x.tokens = append(x.tokens, tok)
	if len(x.tokens) > 8 {
		x.tokens = x.tokens[1:]
	}
	wait := c.cfg.Timing.PDResponseWait
	c.send(x.tx, x.peer, frame, x.freq, wait)
	x.attempts++
	x.phase = exchSent
	x.deadline = c.now.Add(wait + 200*time.Millisecond)
	c.arm(x.timer, x.deadline)
	c.tracef("%s %d to %v on %d MHz", x.name, x.attempts, x.peer, x.freq)
}

// exchTxDone takes the fate of our request (x may be nil: no procedure).
func (c *core) exchTxDone(x *exchange, t *txOp, acked bool) {
	if x == nil || x.peer != t.peer || x.phase != exchSent {
		return
	}
	if !acked {
		c.exchNextAttempt(x)
		return
	}
	x.phase = exchWaitResp
	x.deadline = c.now.Add(c.cfg.Timing.PDResponseWait)
	c.arm(x.timer, x.deadline)
}

// exchNextAttempt listens on our channel for a while, then retries.
func (c *core) exchNextAttempt(x *exchange) {
	c.endWait(x.peer)
	c.forgetTx(x.peer, x.tx)
	if x.attempts >= c.cfg.Timing.PDAttempts {
		x.fail(ErrNoResponse)
		return
	}
	x.phase = exchGap
	x.listenDur = c.randomListen()
	c.disarm(x.timer)
}

func (c *core) exchListenDone(x *exchange) {
	if x != nil && x.phase == exchGap {
		x.phase = exchSend
	}
}

func (c *core) exchTimeout(x *exchange) {
	if x != nil && (x.phase == exchSent || x.phase == exchWaitResp) {
		c.exchNextAttempt(x)
	}
}

// exchWaiting reports whether x waits for peer's response on the channel
// of its request.
func exchWaiting(x *exchange, peer MAC) bool {
	return x != nil && x.peer == peer && x.phase == exchWaitResp
}

// exchEnd releases what the exchange holds: its timer, its frames and
// their dwell.
func (c *core) exchEnd(x *exchange) {
	c.disarm(x.timer)
	c.forgetTx(x.peer, x.tx)
	c.endWait(x.peer)
}
