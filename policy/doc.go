// Package policy holds the configurable rules the coordinator applies
// (which users may preempt which, GO intent limits, allowed bands). It
// arrives with the daemon.
package policy
