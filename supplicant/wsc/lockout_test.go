package wsc

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

func TestPINLockoutFollowsHostapdsSchedule(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewPINLockout(clk.now)
	// hostapd: locked from the 3rd failure on, 60 s doubling at every
	// 3rd failure (3: 60, 4: 60, 5: 60, 6: 120, ... 9: 240).
	want := []time.Duration{0, 0, 60, 60, 60, 120, 120, 120, 240}
	var got []time.Duration
	for range want {
		l.Failure()
		until, indefinite := l.LockedUntil()
		if indefinite {
			t.Fatal("indefinite too early")
		}
		var d time.Duration
		if !until.IsZero() {
			d = until.Sub(clk.t) / time.Second
		}
		got = append(got, d)
		if l.Locked() != (d != 0) {
			t.Errorf("Locked %v with lockout %v", l.Locked(), d)
		}
		clk.t = clk.t.Add(time.Hour) // the lockout ends before the next try
		if l.Locked() {
			t.Errorf("still locked an hour later")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lockout seconds after each failure (-want +got):\n%s", diff)
	}
	l.Failure() // the 10th consecutive failure
	if _, indefinite := l.LockedUntil(); !indefinite || !l.Locked() {
		t.Errorf("not locked indefinitely after %d consecutive failures", PINLockoutIndefinite)
	}
	clk.t = clk.t.Add(100 * PINLockoutMax)
	if !l.Locked() {
		t.Errorf("an indefinite lockout ended")
	}
	l.Reset()
	if l.Locked() {
		t.Errorf("locked after Reset")
	}
}

func TestPINLockoutSuccessEndsTheConsecutiveRun(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewPINLockout(clk.now)
	for i := range 30 {
		l.Failure()
		if i%5 == 4 {
			l.Success()
		}
		clk.t = clk.t.Add(PINLockoutMax)
	}
	if _, indefinite := l.LockedUntil(); indefinite {
		t.Errorf("indefinite lockout although no 10 failures were consecutive")
	}
}

func TestPBCSessionsDetectOverlapWithinTheWalkTime(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	p := NewPBCSessions(clk.now)
	a, b := UUID{0xa}, UUID{0xb}
	macA1, macA2, macB := ieee80211.MAC{2, 0, 0, 0, 0xa, 1}, ieee80211.MAC{2, 0, 0, 0, 0xa, 2}, ieee80211.MAC{2, 0, 0, 0, 0xb, 0}
	if p.Overlap(a) {
		t.Errorf("overlap with no session")
	}
	p.Seen(a, macA1)
	p.Seen(a, macA2) // same Enrollee from its other address
	if p.Overlap(a) {
		t.Errorf("one Enrollee from two addresses is an overlap")
	}
	if !p.Overlap(b) {
		t.Errorf("a second Enrollee is no overlap")
	}
	if p.ProbeRequest(macB, &ProbeRequest{UUIDE: b, DevicePasswordID: PasswordDefault}) {
		t.Errorf("a PIN Probe Request counted")
	}
	if !p.ProbeRequest(macB, &ProbeRequest{UUIDE: b, DevicePasswordID: PasswordPushButton}) || !p.Overlap(a) {
		t.Errorf("a push button Probe Request from another Enrollee is no overlap")
	}
	clk.t = clk.t.Add(PBCWalkTime + time.Second)
	if p.Overlap(a) || p.Overlap(b) {
		t.Errorf("sessions outlive the walk time")
	}
	p.Seen(a, macA1)
	p.Seen(b, macB)
	p.Remove(b)
	if p.Overlap(a) {
		t.Errorf("a removed Enrollee still counts")
	}
}

func TestPBCSessionsKeepABoundedNumberOfSessions(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	p := NewPBCSessions(clk.now)
	for i := range 1000 {
		p.Seen(UUID{byte(i), byte(i >> 8)}, ieee80211.MAC{byte(i)})
	}
	if len(p.sessions) != maxPBCSessions {
		t.Errorf("%d sessions kept, want %d", len(p.sessions), maxPBCSessions)
	}
}
