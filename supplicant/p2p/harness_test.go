package p2p

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// harness steps a core with synthetic events and a manual clock, as a
// minimal edge: it answers radio calls at once (cookies, no errors),
// keeps the timers the core arms and fires them when time advances.
type harness struct {
	t      *testing.T
	c      *core
	now    time.Time
	cookie radio.Cookie
	timers map[timerID]time.Time
	log    []action // every action since the last take
	bss    []radio.BSS
	// rocs maps our remain-on-channel cookies to their frequencies.
	rocs map[radio.Cookie]actRemainOnChannel
	// failSend makes SendFrame fail with this error.
	failSend error
	// policy answers Invitation Requests (nil: the default, status 8).
	policy func(InvitationRequest) InvitationDecision
}

var (
	ourAddr  = MAC{0x02, 0, 0, 0, 0, 0x01}
	peerAddr = MAC{0x02, 0, 0, 0, 0, 0x02}
	t0       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func testPhyInfo() radio.PhyInfo {
	return radio.PhyInfo{Name: "phy0", Bands: simradio.DefaultBands(), MaxRemainOnChannel: 5 * time.Second}
}

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	return newHarnessAt(t, ourAddr, mod)
}

// newHarnessAt is newHarness for a device with P2P Device Address addr.
func newHarnessAt(t *testing.T, addr MAC, mod func(*Config)) *harness {
	t.Helper()
	cfg := DefaultConfig("ours")
	if mod != nil {
		mod(&cfg)
	}
	c, err := newCore(cfg, rand.New(rand.NewPCG(1, 2)), detReader{rand.New(rand.NewPCG(3, 4))})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, c: c, now: t0, timers: map[timerID]time.Time{}, rocs: map[radio.Cookie]actRemainOnChannel{}}
	h.do(evStart{addr: addr, phy: testPhyInfo()})
	return h
}

// do runs an event and the follow-ups of its radio actions.
func (h *harness) do(ev event) {
	h.t.Helper()
	queue := h.c.handle(h.now, ev)
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		h.log = append(h.log, a)
		var next event
		switch x := a.(type) {
		case actSendFrame:
			if h.failSend != nil {
				next = evTxQueued{tag: x.tag, err: h.failSend}
				break
			}
			h.cookie++
			next = evTxQueued{tag: x.tag, cookie: h.cookie}
		case actRemainOnChannel:
			h.cookie++
			h.rocs[h.cookie] = x
			next = evROCQueued{tag: x.tag, cookie: h.cookie}
		case actTriggerScan:
			next = evScanTriggered{}
		case actGetScanResults:
			next = evScanResults{bss: h.bss}
		case actArmTimer:
			h.timers[x.id] = x.at
		case actCancelTimer:
			delete(h.timers, x.id)
		case actDecideProvision:
			next = evProvisionDecision{d: x.d, accept: defaultProvisionDecision(&h.c.cfg, x.d.req)}
		case actDecideInvitation:
			policy := h.policy
			if policy == nil {
				policy = defaultInvitationDecision
			}
			next = evInvitationDecision{d: x.d, dec: policy(x.d.req)}
		}
		if next != nil {
			queue = append(queue, h.c.handle(h.now, next)...)
		}
	}
}

// advance moves the clock, firing due timers in deadline order.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	end := h.now.Add(d)
	for {
		var id timerID
		var at time.Time
		for i, t := range h.timers {
			if !t.After(end) && (id == 0 || t.Before(at)) {
				id, at = i, t
			}
		}
		if id == 0 {
			break
		}
		delete(h.timers, id)
		if at.After(h.now) {
			h.now = at
		}
		h.do(evTimer{id: id, at: at})
	}
	h.now = end
}

// take returns and clears the logged actions.
func (h *harness) take() []action {
	l := h.log
	h.log = nil
	return l
}

// sent returns the frames transmitted since the last take (and clears
// the log).
func (h *harness) sent() []actSendFrame {
	var out []actSendFrame
	for _, a := range h.take() {
		if s, ok := a.(actSendFrame); ok {
			out = append(out, s)
		}
	}
	return out
}

func notes(acts []action) []Notification {
	var out []Notification
	for _, a := range acts {
		if n, ok := a.(actNotify); ok {
			out = append(out, n.n)
		}
	}
	return out
}

func replies(acts []action) []actReply {
	var out []actReply
	for _, a := range acts {
		if r, ok := a.(actReply); ok {
			out = append(out, r)
		}
	}
	return out
}

// lastROC is the latest remain-on-channel the core asked for.
func (h *harness) lastROC() (radio.Cookie, actRemainOnChannel, bool) {
	var best radio.Cookie
	for c := range h.rocs {
		best = max(best, c)
	}
	r, ok := h.rocs[best]
	return best, r, ok
}

// startROC reports the last requested remain-on-channel as started.
func (h *harness) startROC() actRemainOnChannel {
	h.t.Helper()
	c, r, ok := h.lastROC()
	if !ok {
		h.t.Fatal("no remain-on-channel requested")
	}
	h.do(evRadio{radio.RemainOnChannelStarted{Cookie: c, Freq: r.freq, Duration: r.dur}})
	return r
}

// listen puts the core in the Listen state on its channel.
func (h *harness) listen() {
	h.t.Helper()
	h.command(cmdListen{})
	r := h.startROC()
	if r.freq != h.c.id.listen {
		h.t.Fatalf("listen on %d MHz, want %d", r.freq, h.c.id.listen)
	}
	h.take()
}

var nextCmdID uint64

func (h *harness) command(cmd command) uint64 {
	nextCmdID++
	h.do(evCommand{id: nextCmdID, cmd: cmd})
	return nextCmdID
}

// rx delivers a received frame.
func (h *harness) rx(frame []byte, freq int) {
	h.t.Helper()
	h.do(evRadio{radio.FrameReceived{Frame: frame, Freq: freq, Signal: -4000}})
}

// ack reports the TxStatus of a sent frame (cookie from the log order).
func (h *harness) txStatus(s actSendFrame, acked bool) {
	h.t.Helper()
	cookie := h.cookieOf(s.tag)
	h.do(evRadio{radio.TxStatus{Cookie: cookie, Acked: acked, Frame: s.tx.Frame}})
}

// cookieOf finds the cookie the harness gave a frame.
func (h *harness) cookieOf(tag uint64) radio.Cookie {
	for _, t := range h.c.txs {
		if t.tag == tag {
			return t.cookie
		}
	}
	return 0
}

// peerIdentity builds frames as a peer would.
func peerIdentity(addr MAC, mod func(*Config)) *identity {
	cfg := DefaultConfig("peer")
	if mod != nil {
		mod(&cfg)
	}
	cfg = cfg.withDefaults()
	return &identity{cfg: &cfg, addr: addr, uuid: wsc.UUIDFromAddress(addr), listen: 2437, ifAddr: interfaceAddressFor(addr)}
}

// probeRequest builds a P2P search probe request from sa.
func probeRequest(t *testing.T, sa MAC, ssid []byte, ies []byte) []byte {
	t.Helper()
	b, _ := ieee80211.AppendSSID(nil, ssid)
	b, _ = ieee80211.AppendRates(b, ofdmRates)
	b = append(b, ies...)
	return mgmtFrame(ieee80211.SubtypeProbeReq, ieee80211.Broadcast, sa, ieee80211.Broadcast, b)
}

// parseAction decodes a P2P Public Action frame we sent.
func parseAction(t *testing.T, frame []byte) (ieee80211.Header, *p2pmsg.PublicAction) {
	t.Helper()
	m, err := ieee80211.DecodeMgmt(frame)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := p2pmsg.ParsePublicAction(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	return m.Header, pa
}

// findSent returns the sent frames of a P2P Public Action subtype.
func findSent(t *testing.T, s []actSendFrame, sub p2pmsg.PublicActionSubtype) []actSendFrame {
	t.Helper()
	var out []actSendFrame
	for _, f := range s {
		m, err := ieee80211.DecodeMgmt(f.tx.Frame)
		if err != nil || m.Header.FrameControl.Subtype != ieee80211.SubtypeAction {
			continue
		}
		if pa, err := p2pmsg.ParsePublicAction(m.Body); err == nil && pa.Subtype == sub {
			out = append(out, f)
		}
	}
	return out
}

func hasNote[T Notification](ns []Notification) (T, bool) {
	for _, n := range ns {
		if x, ok := n.(T); ok {
			return x, true
		}
	}
	var zero T
	return zero, false
}

func macN(i int) MAC { return MAC{0x02, 0xaa, 0, byte(i >> 16), byte(i >> 8), byte(i)} }
