// Package simradio is an in-memory simulated wireless medium that
// implements the radio seam (radio.Backend, radio.Phy, radio.Interface), so
// that several complete supplicant cores can run the P2P protocol against
// each other in one process, and the daemon can run without Wi-Fi hardware.
//
// A Medium holds simulated phys. Each phy listens on at most one channel at
// a time, like a mac80211_hwsim radio with one channel context: the channel
// of an active off-channel operation (remain-on-channel, a scan dwell, the
// wait of an off-channel frame), else the operating channel of its AP or
// (connecting or connected) station interface, else none. A frame reaches a
// phy only if that phy is on the frame's channel when the frame arrives.
//
// Time comes from an injected clock.Clock. Every delayed action is an item
// of one ordered schedule driven by a single timer, and goroutines block
// only on channels and timers, so whole simulations run in virtual time
// inside a testing/synctest bubble.
//
// Modelling choices, where the kernel offers several behaviours:
//   - Concurrent off-channel operations of a phy (remain-on-channel,
//     off-channel frames with a wait, scans) are queued in order, as
//     mac80211 queues them; operations on the channel the phy is already on
//     (other than scans) run at once, together. A second scan while one is
//     queued or running returns radio.ErrBusy.
//   - SendFrame to a channel other than the interface's operating channel
//     without Tx.OffChannel returns radio.ErrBusy (as mac80211 does); with
//     Freq 0 and no operating channel it returns radio.ErrInvalid.
//   - A frame is transmitted only if the sender is on its channel when it
//     is sent; otherwise its TxStatus reports it not acknowledged.
//   - Unicast frames are acknowledged when they reach a phy with an
//     interface of that address, whether or not a registration delivers
//     them (the hardware acknowledges). Group-addressed frames are reported
//     acknowledged once transmitted. There are no retransmissions: a frame
//     a Rule drops is lost. EAPOL frames follow the same rules and report
//     their fate as EAPOLTxStatus (PhyInfo.ControlPortTxStatus is true).
//   - Each phy transmits one frame at a time; a unicast frame holds the
//     transmitter until its acknowledgement would arrive, so TxStatus
//     events of an interface come in the order the frames were sent.
//   - Beacon loss (no beacon of the BSS for 10 beacon intervals, not
//     counting time the phy spends off the channel) disconnects a station
//     with reason 4 (disassociated due to inactivity) and ByUs false; the
//     station also sends a Deauthentication with that reason, as mac80211
//     does.
//   - Disconnect while still connecting aborts the attempt and reports
//     Disconnected{ByUs: true} (no Connected).
package simradio

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/clock"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Default timings and levels.
const (
	DefaultAirtime     = time.Millisecond     // one frame on air, ACK included
	DefaultSwitchDelay = 5 * time.Millisecond // retuning to another channel
	DefaultSignal      = -5000                // mBm (-50 dBm)
	DefaultEventLimit  = 1024                 // undelivered events per interface
)

// Options configures a Medium. The zero value is usable.
type Options struct {
	// Clock drives the medium; nil means clock.Real(), which follows the
	// fake time inside a testing/synctest bubble.
	Clock clock.Clock
	// Rand draws the losses of Rule.Drop; nil means a fixed-seed PCG, so
	// runs are reproducible.
	Rand rand.Source
	// Airtime is how long a frame takes on air (0: DefaultAirtime;
	// negative: none).
	Airtime time.Duration
	// SwitchDelay is how long a phy takes to retune before an off-channel
	// operation starts or a scan dwells on its next channel (0:
	// DefaultSwitchDelay; negative: none).
	SwitchDelay time.Duration
	// Signal is the received signal when no Rule sets one, in mBm (0:
	// DefaultSignal).
	Signal int
	// EventLimit bounds each interface's undelivered events (see
	// radio.EventQueue; 0: DefaultEventLimit).
	EventLimit int
}

// Medium is the shared air of simulated phys. Its methods are safe for
// concurrent use; one lock guards the whole simulation.
type Medium struct {
	mu sync.Mutex

	clk         clock.Clock
	rnd         *rand.Rand
	airtime     time.Duration
	switchDelay time.Duration
	signal      int
	eventLimit  int

	phys      []*Phy
	nextPhy   int
	nextIfidx int
	cookie    radio.Cookie
	rules     []ruleEntry
	nextRule  RuleID
	closed    bool

	// Schedule (see sched.go).
	queue   itemHeap
	seq     uint64
	timer   clock.Timer
	timerAt time.Time
	gen     uint64
	running bool
	runAt   time.Time
}

// NewMedium returns an empty medium.
func NewMedium(o Options) *Medium {
	m := &Medium{
		clk:         o.Clock,
		airtime:     durationOr(o.Airtime, DefaultAirtime),
		switchDelay: durationOr(o.SwitchDelay, DefaultSwitchDelay),
		signal:      o.Signal,
		eventLimit:  o.EventLimit,
		nextIfidx:   1,
	}
	if m.clk == nil {
		m.clk = clock.Real()
	}
	src := o.Rand
	if src == nil {
		src = rand.NewPCG(0x5eed, 0x51a)
	}
	m.rnd = rand.New(src)
	if m.signal == 0 {
		m.signal = DefaultSignal
	}
	if m.eventLimit <= 0 {
		m.eventLimit = DefaultEventLimit
	}
	return m
}

func durationOr(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Close removes every phy (their interfaces deliver InterfaceRemoved) and
// stops the medium's timer. Consumers must still drain the event streams to
// their end. Later AddPhy calls fail.
func (m *Medium) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range slices.Clone(m.phys) {
		m.removePhy(p)
	}
	m.closed = true
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	m.queue = nil
}

// Backend returns a radio.Backend that lists the given phys (while they
// exist), so that each simulated supplicant sees its own radios. With no
// arguments it lists every phy of the medium.
func (m *Medium) Backend(phys ...*Phy) radio.Backend {
	return backend{m: m, phys: slices.Clone(phys)}
}

type backend struct {
	m    *Medium
	phys []*Phy
}

func (b backend) Phys(ctx context.Context) ([]radio.Phy, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	src := b.phys
	if src == nil {
		src = b.m.phys
	}
	var out []radio.Phy
	for _, p := range src {
		if !p.removed {
			out = append(out, p)
		}
	}
	return out, nil
}

// RemovePhy unplugs a phy: its operations end without their completion
// events, each interface delivers InterfaceRemoved and its stream closes,
// Removed is closed, and later calls on the phy and its interfaces return
// radio.ErrNoDevice. Frames it had already put on the air still arrive.
func (m *Medium) RemovePhy(p *Phy) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p.m != m || p.removed {
		return opErr("remove phy", radio.ErrNoDevice, "phy not on this medium")
	}
	m.removePhy(p)
	return nil
}

func (m *Medium) removePhy(p *Phy) {
	for _, o := range p.ops {
		o.stop(m)
	}
	p.ops = nil
	m.cancel(p.switchItem)
	p.offFreq, p.switching, p.switchItem = 0, false, nil
	for _, f := range slices.Clone(p.ifaces) {
		f.teardown(false)
		f.close()
	}
	p.ifaces = nil
	p.removed = true
	close(p.removedC)
	m.phys = slices.DeleteFunc(m.phys, func(x *Phy) bool { return x == p })
}

// newCookie returns a medium-wide unique cookie. m.mu must be held.
func (m *Medium) newCookie() radio.Cookie {
	m.cookie++
	return m.cookie
}

// RuleID names a rule for RemoveRule.
type RuleID uint64

// Rule alters the link between two phys, like the frame rules of iwd's
// hwsim tool. From and To name a phy by its permanent address or by the
// address of one of its interfaces; the zero address matches any phy. The
// first rule (in the order added) that matches a transmitter and a
// receiver applies to every frame between them in that direction.
type Rule struct {
	From, To ieee80211.MAC
	// Drop is the probability (0 to 1) that a frame is lost.
	Drop float64
	// Delay postpones the arrival (and so the acknowledgement).
	Delay time.Duration
	// Signal is the received signal in mBm; 0 leaves the medium's default.
	Signal int
}

type ruleEntry struct {
	id RuleID
	r  Rule
}

// AddRule adds a link rule. Drop is clamped to [0, 1].
func (m *Medium) AddRule(r Rule) RuleID {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !(r.Drop >= 0) { // also NaN
		r.Drop = 0
	}
	r.Drop = min(r.Drop, 1)
	r.Delay = max(r.Delay, 0)
	m.nextRule++
	m.rules = append(m.rules, ruleEntry{id: m.nextRule, r: r})
	return m.nextRule
}

// RemoveRule removes a rule; it reports whether the rule existed.
func (m *Medium) RemoveRule(id RuleID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.rules)
	m.rules = slices.DeleteFunc(m.rules, func(e ruleEntry) bool { return e.id == id })
	return len(m.rules) != n
}

// link is the outcome of the rules for one frame from p to r.
type link struct {
	drop   bool
	delay  time.Duration
	signal int
}

// link draws the fate of one frame from p to r. m.mu must be held.
func (m *Medium) link(p, r *Phy) link {
	l := link{signal: m.signal}
	for _, e := range m.rules {
		if !p.named(e.r.From) || !r.named(e.r.To) {
			continue
		}
		if e.r.Drop >= 1 || e.r.Drop > 0 && m.rnd.Float64() < e.r.Drop {
			l.drop = true
		}
		l.delay = e.r.Delay
		if e.r.Signal != 0 {
			l.signal = e.r.Signal
		}
		break
	}
	return l
}

// opErr builds the error of a failed operation.
func opErr(op string, err error, format string, args ...any) error {
	return &radio.Error{Op: op, Err: err, Message: fmt.Sprintf(format, args...)}
}

var (
	_ radio.Backend   = backend{}
	_ radio.Phy       = (*Phy)(nil)
	_ radio.Interface = (*iface)(nil)
)
