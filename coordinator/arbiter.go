package coordinator

import (
	"context"
	"fmt"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// This file is the arbiter of one radio: what the clients want of it
// (discovery, listen), the groups that hold it, and the decisions that
// follow from them. decide is pure: tests call it without any radio (the
// planning of groups is in planning.go). The arbiter's state, hold,
// release and apply belong to the loop.

// wishes are what the clients want of a radio.
type wishes struct {
	// find is the clients' merged discovery (nil: none); pinned is
	// Config.Discover, kept on whatever the clients ask.
	find, pinned *api.DiscoveryOptions
	listen       bool
}

// activity is what the P2P core does: Find with these options (nil: no
// Find; Find listens between its searches), or stay in the Listen State.
type activity struct {
	find   *api.DiscoveryOptions
	listen bool
}

// radioState is what the arbiter knows of its radio.
type radioState struct {
	// enabled: P2P is enabled on the device.
	enabled bool
	// p2pDevice: the core runs on a dedicated P2P Device interface (no
	// channel of its own); otherwise on a station interface.
	p2pDevice bool
	// info is what the radio can do (its interface combinations); usable
	// the channels a group may use (MHz).
	info   radio.PhyInfo
	usable []uint32
	// groups are our group interfaces, forming or running.
	groups []radio.IfUse
	// others are other programs' interfaces on the radio.
	others []otherUse
	rfkill radio.RFKill
}

// stepKind is one command the arbiter gives the P2P core.
type stepKind uint8

const (
	stepFind stepKind = iota + 1
	stepStopFind
	stepListen
	stepStopListen
)

// step is a command to the core; find holds the options of stepFind.
type step struct {
	kind stepKind
	find api.DiscoveryOptions
}

// decide returns the commands that take the core from what it does now to
// what the radio and the wishes call for. Discovery and listen run only
// while P2P is enabled and no group holds the radio: a group keeps the
// radio on its operating channel (Wi-Fi P2P v1.7, 3.2). The clients'
// discovery wins over the pinned one, and discovery over listen (Find
// listens between its searches); Find restarts when its options change.
func decide(r radioState, w wishes, now activity) []step {
	var want activity
	switch {
	case !r.enabled || len(r.groups) > 0:
	case w.find != nil:
		want.find = w.find
	case w.pinned != nil:
		want.find = w.pinned
	case w.listen:
		want.listen = true
	}
	var steps []step
	if want.find != nil {
		if now.find == nil || !sameDiscovery(*now.find, *want.find) {
			steps = append(steps, step{kind: stepFind, find: *want.find})
		}
		return steps
	}
	if now.find != nil {
		steps = append(steps, step{kind: stepStopFind})
	}
	switch {
	case want.listen && !now.listen:
		steps = append(steps, step{kind: stepListen})
	case !want.listen && now.listen:
		steps = append(steps, step{kind: stepStopListen})
	}
	return steps
}

// holdID names a hold of a group on the radio.
type holdID uint64

// arbiter is the arbiter's state for one radio. It is owned by the loop.
type arbiter struct {
	wishes wishes
	now    activity
	// holds are the group interfaces forming or running.
	holds    map[holdID]radio.IfUse
	nextHold holdID
	// From the radio.
	info   radio.PhyInfo
	usable []uint32
	others []otherUse
	rfkill radio.RFKill
}

func newArbiter(info radio.PhyInfo, usable []uint32) arbiter {
	return arbiter{holds: map[holdID]radio.IfUse{}, info: info, usable: usable}
}

// state is the radio as the arbiter knows it.
func (a *arbiter) state(enabled bool) radioState {
	r := radioState{enabled: enabled, p2pDevice: a.info.P2PDevice(), info: a.info, usable: a.usable,
		others: a.others, rfkill: a.rfkill}
	for _, u := range a.holds {
		r.groups = append(r.groups, u)
	}
	return r
}

// hold takes the radio for a group interface when it fits beside what
// uses the radio (else ErrConcurrencyConflict, saying what holds it); the
// group keeps it until release.
func (a *arbiter) hold(enabled bool, use radio.IfUse) (holdID, error) {
	if r := a.state(enabled); !r.fits(use) {
		return 0, fmt.Errorf("%w: %s", api.ErrConcurrencyConflict, r.conflict(use.Type, use.Freq))
	}
	a.nextHold++
	a.holds[a.nextHold] = use
	return a.nextHold, nil
}

// release ends a hold.
func (a *arbiter) release(id holdID) { delete(a.holds, id) }

// apply gives the core the commands decide calls for. It runs on the loop;
// the core answers these commands at once.
func (d *device) apply(ctx context.Context) error {
	for _, s := range decide(d.arb.state(d.info.Enabled), d.arb.wishes, d.arb.now) {
		var err error
		switch s.kind {
		case stepFind:
			if err = d.p2p.Find(ctx, findOptions(s.find)); err == nil {
				d.arb.now = activity{find: &s.find}
			}
		case stepStopFind:
			d.arb.now.find = nil
			err = d.p2p.StopFind(ctx)
		case stepListen:
			if err = d.p2p.Listen(ctx, p2p.ListenOptions{}); err == nil {
				d.arb.now.listen = true
			}
		case stepStopListen:
			d.arb.now.listen = false
			err = d.p2p.StopListen(ctx)
		}
		if err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// applyChanged applies and reports the device's state. It runs on the
// loop.
func (d *device) applyChanged(ctx context.Context) error {
	err := d.apply(ctx)
	d.changed()
	return err
}
