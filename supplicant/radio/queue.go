package radio

// EventQueue feeds an interface's event stream without ever blocking the
// producer: events wait in a buffer of bounded size; when it is full, new
// events are dropped until the consumer has drained the buffer, and a
// single EventsLost takes their place, in order. Implementations of the
// seam share it.
//
// The consumer reads C until it is closed: the queue's goroutine ends only
// after the last event has been taken.
type EventQueue struct {
	in   chan Event
	fin  chan Event
	out  chan Event
	shut chan struct{} // closed once Close has been taken
}

// NewEventQueue starts a queue that holds up to limit undelivered events.
func NewEventQueue(limit int) *EventQueue {
	q := &EventQueue{in: make(chan Event), fin: make(chan Event), out: make(chan Event), shut: make(chan struct{})}
	go q.run(max(limit, 1))
	return q
}

// C is the consumer's side.
func (q *EventQueue) C() <-chan Event { return q.out }

// Push queues e. After Close it does nothing.
func (q *EventQueue) Push(e Event) {
	select {
	case q.in <- e:
	case <-q.shut:
	}
}

// Close queues a last event, which is never dropped, and closes C after it.
// Later calls do nothing.
func (q *EventQueue) Close(last Event) {
	select {
	case q.fin <- last:
	case <-q.shut:
	}
}

func (q *EventQueue) run(limit int) {
	var pending []Event
	lost := 0
	var last Event
	closing := false
	for {
		var out chan Event
		var next Event
		switch {
		case len(pending) > 0:
			out, next = q.out, pending[0]
		case lost > 0:
			out, next = q.out, EventsLost{Count: lost}
		case closing:
			if last != nil {
				q.out <- last
			}
			close(q.out)
			return
		}
		in, fin := q.in, q.fin
		if closing {
			in, fin = nil, nil
		}
		select {
		case e := <-in:
			if lost > 0 || len(pending) >= limit {
				lost++
				continue
			}
			pending = append(pending, e)
		case last = <-fin:
			closing = true
			close(q.shut)
		case out <- next:
			if len(pending) > 0 {
				pending[0] = nil
				pending = pending[1:]
			} else {
				lost = 0
			}
		}
	}
}
