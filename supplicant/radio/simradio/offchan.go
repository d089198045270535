package simradio

import (
	"context"
	"slices"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// opKind is the kind of an off-channel operation.
type opKind uint8

const (
	opROC  opKind = iota // remain-on-channel
	opTx                 // an off-channel frame and its wait
	opScan               // a scan, dwelling on one channel after another
)

// op is one off-channel operation of a phy. Operations run one channel at
// a time, in request order; those on the channel already active run
// together (mac80211 combines them likewise), scans always alone.
type op struct {
	kind    opKind
	ifc     *iface
	cookie  radio.Cookie
	freq    int           // opROC, opTx
	dur     time.Duration // opROC: duration; opTx: wait after the frame
	active  bool          // the phy is on (or retuning to) its channel for it
	started bool          // its channel was reached and it began
	end     *item         // its expiry
	tx      *airFrame     // opTx: the frame
	scan    *scanState    // opScan
}

// stop cancels the operation's pending items. m.mu must be held.
func (o *op) stop(m *Medium) {
	m.cancel(o.end)
	o.end = nil
	if o.scan != nil {
		m.cancel(o.scan.item)
		o.scan.item = nil
	}
}

// activeScan returns the phy's scan when it is the active operation.
func (p *Phy) activeScan() *op {
	if len(p.ops) > 0 && p.ops[0].active && p.ops[0].kind == opScan {
		return p.ops[0]
	}
	return nil
}

// runOps starts what can start: the first queued operation when none is
// active, and every operation on the channel the phy is active on. m.mu
// must be held.
func (p *Phy) runOps() {
	m := p.m
	if p.removed {
		return
	}
	if p.offFreq == 0 {
		if len(p.ops) == 0 {
			return
		}
		head := p.ops[0]
		head.active = true
		if head.kind == opScan {
			p.scanNextChannel(head)
			return
		}
		p.offFreq = head.freq
		if !p.hearsOperating(head.freq) {
			p.switching = true
			p.switchItem = m.after(m.switchDelay, func() {
				p.switching, p.switchItem = false, nil
				p.startActive()
			})
		}
	}
	if p.activeScan() != nil {
		return
	}
	for _, o := range p.ops {
		if !o.active && o.kind != opScan && o.freq == p.offFreq {
			o.active = true
		}
	}
	// Keep the active operations first, in request order.
	slices.SortStableFunc(p.ops, func(a, b *op) int {
		switch {
		case a.active == b.active:
			return 0
		case a.active:
			return -1
		}
		return 1
	})
	if !p.switching && !p.startPending {
		for _, o := range p.ops {
			if o.active && !o.started {
				// Start in a moment: after the reply to the request
				// that queued it, as the kernel's event follows its reply.
				p.startPending = true
				m.after(0, func() {
					p.startPending = false
					p.startActive()
				})
				break
			}
		}
	}
}

// startActive begins the active operations that have not begun.
func (p *Phy) startActive() {
	if p.removed || p.switching {
		return
	}
	var todo []*op
	for _, o := range p.ops {
		if o.active && !o.started {
			o.started = true
			todo = append(todo, o)
		}
	}
	for _, o := range todo {
		p.startOp(o)
	}
}

func (p *Phy) startOp(o *op) {
	m := p.m
	switch o.kind {
	case opROC:
		o.ifc.push(radio.RemainOnChannelStarted{Cookie: o.cookie, Freq: o.freq, Duration: o.dur})
		o.end = m.after(o.dur, func() {
			o.end = nil
			o.ifc.push(radio.RemainOnChannelExpired{Cookie: o.cookie, Freq: o.freq})
			p.endOp(o)
		})
	case opTx:
		done := m.transmit(o.tx)
		o.end = m.at(done.Add(o.dur), func() {
			o.end = nil
			p.endOp(o)
		})
	}
}

// endOp removes a finished operation and lets the next one run. m.mu must
// be held.
func (p *Phy) endOp(o *op) {
	o.stop(p.m)
	i := slices.Index(p.ops, o)
	if i < 0 {
		return
	}
	p.ops = slices.Delete(p.ops, i, i+1)
	if len(p.ops) == 0 || !p.ops[0].active {
		p.m.cancel(p.switchItem)
		p.offFreq, p.switching, p.switchItem = 0, false, nil
	}
	p.runOps()
}

// findOp returns the operation of kind k with cookie c owned by f.
func (p *Phy) findOp(f *iface, k opKind, c radio.Cookie) *op {
	for _, o := range p.ops {
		if o.ifc == f && o.kind == k && o.cookie == c {
			return o
		}
	}
	return nil
}

// RemainOnChannel queues a remain-on-channel operation (see
// radio.OffChannel). Requests queue behind the phy's other off-channel
// operations rather than failing. Disabled channels give
// radio.ErrNoChannel; listening on a no-IR channel is allowed.
func (f *iface) RemainOnChannel(ctx context.Context, freq int, d time.Duration) (radio.Cookie, error) {
	const opName = "remain on channel"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return 0, err
	}
	if d <= 0 || d > f.p.info.MaxRemainOnChannel {
		return 0, opErr(opName, radio.ErrInvalid, "duration %v outside (0, %v]", d, f.p.info.MaxRemainOnChannel)
	}
	if _, err := f.p.checkChannel(opName, freq, false); err != nil {
		return 0, err
	}
	o := &op{kind: opROC, ifc: f, cookie: m.newCookie(), freq: freq, dur: d}
	f.p.ops = append(f.p.ops, o)
	f.p.runOps()
	return o.cookie, nil
}

// CancelRemainOnChannel ends a remain-on-channel operation, started or
// still queued; RemainOnChannelExpired follows in both cases. An unknown
// cookie gives radio.ErrNotFound.
func (f *iface) CancelRemainOnChannel(ctx context.Context, c radio.Cookie) error {
	const opName = "cancel remain on channel"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	o := f.p.findOp(f, opROC, c)
	if o == nil {
		return opErr(opName, radio.ErrNotFound, "no remain-on-channel with cookie %d", c)
	}
	f.push(radio.RemainOnChannelExpired{Cookie: o.cookie, Freq: o.freq})
	f.p.endOp(o)
	return nil
}

// SendFrame transmits a management frame (see radio.Frames). Freq 0 means
// the interface's operating channel (radio.ErrInvalid without one). A
// frame for another channel needs Tx.OffChannel (else radio.ErrBusy) and
// queues as an off-channel operation that keeps the phy there for Wait
// after the frame; Wait is limited to PhyInfo.MaxRemainOnChannel. Frames
// on the operating channel go out at once and Wait is not kept. Disabled
// and no-IR channels give radio.ErrNoChannel.
func (f *iface) SendFrame(ctx context.Context, tx radio.Tx) (radio.Cookie, error) {
	const opName = "send frame"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return 0, err
	}
	h, body, ok := parseMgmt(tx.Frame)
	if !ok {
		return 0, opErr(opName, radio.ErrInvalid, "not a management frame (%d octets)", len(tx.Frame))
	}
	if tx.Wait < 0 || tx.Wait > f.p.info.MaxRemainOnChannel {
		return 0, opErr(opName, radio.ErrInvalid, "wait %v outside [0, %v]", tx.Wait, f.p.info.MaxRemainOnChannel)
	}
	freq := tx.Freq
	if freq == 0 {
		freq = f.operating()
		if freq == 0 {
			return 0, opErr(opName, radio.ErrInvalid, "no frequency and no operating channel")
		}
	}
	if _, err := f.p.checkChannel(opName, freq, true); err != nil {
		return 0, err
	}
	frame := cloneBytes(tx.Frame)
	fr := &airFrame{
		from: f.p, sender: f, freq: freq, frame: frame, h: h, body: frame[len(frame)-len(body):],
		cookie: m.newCookie(), status: !tx.NoAck,
	}
	if freq == f.operating() {
		m.transmit(fr)
		return fr.cookie, nil
	}
	if !tx.OffChannel {
		return 0, opErr(opName, radio.ErrBusy, "%d MHz is not the operating channel and off-channel TX was not allowed", freq)
	}
	o := &op{kind: opTx, ifc: f, cookie: fr.cookie, freq: freq, dur: tx.Wait, tx: fr}
	f.p.ops = append(f.p.ops, o)
	f.p.runOps()
	return fr.cookie, nil
}

// CancelFrameWait ends the wait of an off-channel frame. A frame still
// queued is then never sent (its TxStatus reports it not acknowledged). A
// cookie with no pending wait gives radio.ErrNotFound, as mac80211 answers
// ENOENT.
func (f *iface) CancelFrameWait(ctx context.Context, c radio.Cookie) error {
	const opName = "cancel frame wait"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	o := f.p.findOp(f, opTx, c)
	if o == nil {
		return opErr(opName, radio.ErrNotFound, "no frame wait with cookie %d", c)
	}
	if !o.started && o.tx.status {
		f.push(radio.TxStatus{Cookie: o.cookie, Acked: false, Frame: cloneBytes(o.tx.frame)})
	}
	f.p.endOp(o)
	return nil
}
