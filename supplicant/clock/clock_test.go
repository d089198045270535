package clock

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFakeRunsDueFunctionsInDeadlineOrder(t *testing.T) {
	c := NewFake(time.Unix(0, 0))
	var got []string
	c.AfterFunc(30*time.Millisecond, func() { got = append(got, "c") })
	c.AfterFunc(10*time.Millisecond, func() {
		got = append(got, "a")
		c.AfterFunc(5*time.Millisecond, func() { got = append(got, "b") })
	})
	late := c.AfterFunc(time.Second, func() { got = append(got, "late") })

	c.Advance(40 * time.Millisecond)

	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if want := time.Unix(0, 0).Add(40 * time.Millisecond); !c.Now().Equal(want) {
		t.Errorf("Now() = %v, want %v", c.Now(), want)
	}
	if !late.Stop() {
		t.Error("Stop of a pending timer reported false")
	}
	if late.Stop() {
		t.Error("second Stop reported true")
	}
	if c.Pending() != 0 {
		t.Errorf("Pending() = %d after stopping the last timer", c.Pending())
	}
}
