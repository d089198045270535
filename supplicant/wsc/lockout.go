package wsc

import (
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// PIN lockout parameters (docs/bad-input.md 4b #24, as hostapd's AP PIN
// lockout in src/ap/wps_hostapd.c).
const (
	// PINLockoutThreshold is the number of failures after which the PIN
	// is locked, and again after every further failure.
	PINLockoutThreshold = 3
	// PINLockoutTime is the first lockout; it doubles at every third
	// failure after that, up to PINLockoutMax.
	PINLockoutTime = 60 * time.Second
	// PINLockoutMax bounds the doubling (hostapd: a year).
	PINLockoutMax = 365 * 24 * time.Hour
	// PINLockoutIndefinite is the number of consecutive failures after
	// which the PIN stays locked until Reset.
	PINLockoutIndefinite = 10
)

// PINLockout counts device password authentication failures against a
// static PIN across registration runs, against the Viehböck brute force
// of the two PIN halves (docs/bad-input.md 4b #24): after
// PINLockoutThreshold failures the PIN is locked for PINLockoutTime, and
// locked again at each further failure, the time doubling at every third;
// after PINLockoutIndefinite consecutive failures it stays locked. A
// success ends the run of consecutive failures. The zero value is not
// usable: make one with NewPINLockout. It is not safe for concurrent use.
type PINLockout struct {
	now         func() time.Time
	failures    int // since the last Reset
	consecutive int
	lockout     time.Duration
	until       time.Time
	indefinite  bool
}

// NewPINLockout returns a lockout counter that reads the time from now
// (the caller's clock, e.g. clock.Clock.Now).
func NewPINLockout(now func() time.Time) *PINLockout { return &PINLockout{now: now} }

// Failure records a device password authentication failure.
func (l *PINLockout) Failure() {
	l.failures++
	l.consecutive++
	if l.failures < PINLockoutThreshold {
		return
	}
	if l.consecutive >= PINLockoutIndefinite {
		l.indefinite = true
		return
	}
	switch {
	case l.lockout == 0:
		l.lockout = PINLockoutTime
	case l.lockout < PINLockoutMax && l.failures%PINLockoutThreshold == 0:
		l.lockout = min(2*l.lockout, PINLockoutMax)
	}
	l.until = l.now().Add(l.lockout)
}

// Success records a run in which the Enrollee proved the PIN.
func (l *PINLockout) Success() { l.consecutive = 0 }

// Locked reports whether the PIN may not be used now.
func (l *PINLockout) Locked() bool {
	return l.indefinite || l.now().Before(l.until)
}

// LockedUntil returns the end of the current lockout (zero when none), and
// whether the lockout is indefinite.
func (l *PINLockout) LockedUntil() (time.Time, bool) {
	if l.indefinite {
		return time.Time{}, true
	}
	if l.now().Before(l.until) {
		return l.until, false
	}
	return time.Time{}, false
}

// Reset forgets every failure (a new PIN was set).
func (l *PINLockout) Reset() { *l = PINLockout{now: l.now} }

// PBCWalkTime is the time during which push button sessions count for
// overlap detection, and the time a device stays in push button mode
// (WSC 2.0.x, "Walk Time"; hostap WPS_PBC_WALK_TIME): the caller arms it
// when the button is pushed.
const PBCWalkTime = 120 * time.Second

// maxPBCSessions bounds the sessions kept; a new one replaces the oldest.
const maxPBCSessions = 64

type pbcSession struct {
	uuid UUID
	mac  ieee80211.MAC
	seen time.Time
}

// PBCSessions detects push button session overlap (WSC 2.0.x, "PBC
// session overlap"; docs/bad-input.md 4b #23): the caller reports every
// Probe Request with Device Password ID PushButton (and the Registrar
// every push button M1); more than one Enrollee within PBCWalkTime is an
// overlap. Enrollees are told apart by UUID-E, as hostap does (a P2P
// Device probes from its P2P Device Address and sends M1 from its
// Interface Address with the same UUID-E). The zero value is not usable:
// make one with NewPBCSessions. It is not safe for concurrent use.
type PBCSessions struct {
	now      func() time.Time
	sessions []pbcSession // most recent first
}

// NewPBCSessions returns an empty set that reads the time from now.
func NewPBCSessions(now func() time.Time) *PBCSessions { return &PBCSessions{now: now} }

// Seen records a push button Enrollee seen now.
func (p *PBCSessions) Seen(uuid UUID, mac ieee80211.MAC) {
	now := p.now()
	p.expire(now)
	kept := p.sessions[:0]
	for _, s := range p.sessions {
		if s.uuid != uuid || s.mac != mac {
			kept = append(kept, s)
		}
	}
	p.sessions = append([]pbcSession{{uuid: uuid, mac: mac, seen: now}}, kept...)
	if len(p.sessions) > maxPBCSessions {
		p.sessions = p.sessions[:maxPBCSessions]
	}
}

// ProbeRequest records the sender of a Probe Request if its WSC IE asks
// for push button; it reports whether it did.
func (p *PBCSessions) ProbeRequest(sa ieee80211.MAC, req *ProbeRequest) bool {
	if req == nil || req.DevicePasswordID != PasswordPushButton {
		return false
	}
	p.Seen(req.UUIDE, sa)
	return true
}

// Overlap reports whether more than one Enrollee pushed the button within
// the walk time, counting uuid (the Enrollee at hand) as one.
func (p *PBCSessions) Overlap(uuid UUID) bool {
	p.expire(p.now())
	for _, s := range p.sessions {
		if s.uuid != uuid {
			return true
		}
	}
	return false
}

// Remove forgets an Enrollee once its registration succeeded, so that
// another may follow within the walk time.
func (p *PBCSessions) Remove(uuid UUID) {
	kept := p.sessions[:0]
	for _, s := range p.sessions {
		if s.uuid != uuid {
			kept = append(kept, s)
		}
	}
	p.sessions = kept
}

func (p *PBCSessions) expire(now time.Time) {
	for i, s := range p.sessions {
		if now.Sub(s.seen) > PBCWalkTime {
			p.sessions = p.sessions[:i]
			return
		}
	}
}
