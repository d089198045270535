package simradio

import (
	"container/heap"
	"time"
)

// The medium is a discrete-event simulation: every delayed action (the end
// of a frame's airtime, a channel switch, a remain-on-channel expiry, a
// beacon, a timeout) is an item in one queue ordered by (time, sequence).
// A single clock.AfterFunc timer is armed for the earliest item; when it
// fires, every due item runs in order under the medium lock. Items due at
// the same instant therefore run in the order they were scheduled, with
// the real clock as with the fake clock of testing/synctest.

// item is one scheduled action.
type item struct {
	at    time.Time
	seq   uint64
	fn    func()
	index int // position in the heap, -1 once popped or cancelled
}

type itemHeap []*item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h itemHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *itemHeap) Push(x any) {
	it := x.(*item)
	it.index = len(*h)
	*h = append(*h, it)
}
func (h *itemHeap) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = nil
	it.index = -1
	*h = old[:n-1]
	return it
}

// now is the medium's time: the due time of the item being run, else the
// clock's time. m.mu must be held.
func (m *Medium) now() time.Time {
	if m.running {
		return m.runAt
	}
	return m.clk.Now()
}

// after schedules fn to run d from now under the medium lock. m.mu must be
// held.
func (m *Medium) after(d time.Duration, fn func()) *item {
	return m.at(m.now().Add(max(d, 0)), fn)
}

// at schedules fn at t. m.mu must be held.
func (m *Medium) at(t time.Time, fn func()) *item {
	m.seq++
	it := &item{at: t, seq: m.seq, fn: fn}
	heap.Push(&m.queue, it)
	if !m.running {
		m.arm()
	}
	return it
}

// cancel unschedules it; it is a no-op for nil, run or cancelled items.
// m.mu must be held.
func (m *Medium) cancel(it *item) {
	if it != nil && it.index >= 0 {
		heap.Remove(&m.queue, it.index)
	}
}

// arm makes sure the timer fires no later than the earliest item. m.mu
// must be held.
func (m *Medium) arm() {
	if len(m.queue) == 0 || m.closed {
		return
	}
	next := m.queue[0].at
	if m.timer != nil && !m.timerAt.After(next) {
		return
	}
	if m.timer != nil {
		m.timer.Stop()
	}
	m.gen++
	gen := m.gen
	m.timerAt = next
	m.timer = m.clk.AfterFunc(max(next.Sub(m.clk.Now()), 0), func() { m.fire(gen) })
}

// fire runs every due item in order and re-arms the timer.
func (m *Medium) fire(gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen || m.closed {
		return // superseded by an earlier timer, or the medium is closed
	}
	m.timer = nil
	now := m.clk.Now()
	for len(m.queue) > 0 && !m.queue[0].at.After(now) {
		it := heap.Pop(&m.queue).(*item)
		m.running, m.runAt = true, it.at
		it.fn()
		m.running = false
	}
	m.arm()
}
