package group

import "time"

// armTimer replaces the timer a machine keeps in slot with t: the old one,
// if any, is stopped, then t is set to fire after the given duration.
func armTimer(acts []Action, slot **Timer, t Timer, after time.Duration) []Action {
	if *slot != nil {
		acts = append(acts, StopTimer{Timer: **slot})
	}
	*slot = &t
	return append(acts, SetTimer{Timer: t, After: after})
}

// disarmTimer stops t, and forgets it when slot holds it.
func disarmTimer(acts []Action, slot **Timer, t Timer) []Action {
	if *slot != nil && **slot == t {
		*slot = nil
	}
	return append(acts, StopTimer{Timer: t})
}
