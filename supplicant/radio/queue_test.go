package radio

import (
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
)

func drain(q *EventQueue) []Event {
	var got []Event
	for e := range q.C() {
		got = append(got, e)
	}
	return got
}

func TestEventQueueDeliversInOrderAndEndsWithTheLastEvent(t *testing.T) {
	q := NewEventQueue(10)
	q.Push(ScanDone{})
	q.Push(TxStatus{Cookie: 7, Acked: true})
	q.Close(InterfaceRemoved{})

	want := []Event{ScanDone{}, TxStatus{Cookie: 7, Acked: true}, InterfaceRemoved{}}
	if diff := cmp.Diff(want, drain(q)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestEventQueueReplacesOverflowWithOneEventsLostInPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewEventQueue(2)
		for i := range 5 {
			q.Push(TxStatus{Cookie: Cookie(i)})
		}
		synctest.Wait()    // the producer never blocked; the pump holds 2, lost 3
		q.Push(ScanDone{}) // still dropped: the buffer has not drained yet
		got := []Event{<-q.C(), <-q.C(), <-q.C()}
		want := []Event{TxStatus{Cookie: 0}, TxStatus{Cookie: 1}, EventsLost{Count: 4}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("first events (-want +got):\n%s", diff)
		}
		q.Push(ScanDone{Aborted: true})
		q.Close(InterfaceRemoved{})
		want = []Event{ScanDone{Aborted: true}, InterfaceRemoved{}}
		if diff := cmp.Diff(want, drain(q)); diff != "" {
			t.Errorf("after the loss (-want +got):\n%s", diff)
		}
	})
}

func TestEventQueueIgnoresPushAndCloseAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewEventQueue(4)
		q.Close(InterfaceRemoved{})
		q.Push(ScanDone{})            // must not block although nobody reads yet
		q.Close(EventsLost{Count: 1}) // nor this
		if diff := cmp.Diff([]Event{InterfaceRemoved{}}, drain(q)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}
