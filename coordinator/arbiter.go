package coordinator

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// This file is the arbiter of one radio: what the clients want of it
// (discovery, listen), the groups that hold it, and the decisions that
// follow from them. decide, admit, fits and groupFrequency are pure: tests
// call them without any radio. The arbiter's state, hold, release and
// apply belong to the loop.

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

// ifaceUse is one interface on the radio: its type and operating channel
// (MHz; 0 when it uses none or none is known yet).
type ifaceUse struct {
	typ  radio.IfType
	freq int
}

func (u ifaceUse) String() string {
	if u.freq == 0 {
		return ifTypeName(u.typ)
	}
	return fmt.Sprintf("%s on %d MHz", ifTypeName(u.typ), u.freq)
}

// radioState is what the arbiter knows of its radio.
type radioState struct {
	// enabled: P2P is enabled on the device.
	enabled bool
	// p2pDevice: the core runs on a dedicated P2P Device interface (no
	// channel of its own); otherwise on a station interface.
	p2pDevice bool
	// combinations are the radio's interface combinations, usable the
	// channels a group may use (MHz).
	combinations []radio.IfCombination
	software     radio.IfTypes
	usable       []uint32
	// groups are our group interfaces, forming or running.
	groups []ifaceUse
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

// admit checks that a new group interface fits the radio's interface
// combinations beside the interfaces it has: our P2P Device (or station)
// and our other groups. It fails with ErrNotSupported, naming what holds
// the radio. A radio that advertises no combinations is not checked.
func admit(r radioState, use ifaceUse) error {
	if len(r.combinations) == 0 {
		return nil
	}
	own := ifaceUse{typ: radio.IfP2PDevice}
	if !r.p2pDevice {
		own.typ = radio.IfStation
	}
	uses := append([]ifaceUse{own}, r.groups...)
	if fits(r.combinations, r.software, append(slices.Clone(uses), use)) {
		return nil
	}
	var held []string
	for _, u := range uses {
		held = append(held, u.String())
	}
	return fmt.Errorf("%w: a %v does not fit the radio's interface combinations beside its %s",
		api.ErrNotSupported, use, strings.Join(held, ", "))
}

// fits reports whether the interfaces uses can run at once under one of
// the combinations, as cfg80211 checks them (cfg80211_iter_combinations):
// no more interfaces than the combination's maximum, no more distinct
// channels than its number of channels, each used type within the limits
// that name it (every such limit takes all the interfaces of that type),
// and no type outside its limits. Software interface types are not
// counted.
func fits(combos []radio.IfCombination, software radio.IfTypes, uses []ifaceUse) bool {
	count := map[radio.IfType]int{}
	freqs := map[int]bool{}
	total := 0
	for _, u := range uses {
		if software.Has(u.typ) {
			continue
		}
		count[u.typ]++
		total++
		if u.freq != 0 {
			freqs[u.freq] = true
		}
	}
next:
	for _, c := range combos {
		if total > c.MaxInterfaces || len(freqs) > c.NumChannels {
			continue
		}
		left := make([]int, len(c.Limits))
		for i, l := range c.Limits {
			left[i] = l.Max
		}
		for t, n := range count {
			covered := false
			for i, l := range c.Limits {
				if !l.Types.Has(t) {
					continue
				}
				covered = true
				if left[i] < n {
					continue next
				}
				left[i] -= n
			}
			if !covered {
				continue next
			}
		}
		return true
	}
	return false
}

// groupFrequency chooses an autonomous GO's operating channel among the
// usable frequencies: the one asked, else the first of the band asked,
// else channel 6 (a social channel, as wpa_supplicant prefers), else the
// first usable.
func groupFrequency(usable []uint32, o api.GroupOptions) (int, error) {
	if o.Frequency != 0 {
		if !slices.Contains(usable, o.Frequency) {
			return 0, fmt.Errorf("%w: frequency %d MHz is not usable", api.ErrInvalidArguments, o.Frequency)
		}
		return int(o.Frequency), nil
	}
	inBand := func(f uint32) bool {
		switch o.Band {
		case api.Band2GHz:
			return f < 2500
		case api.Band5GHz:
			return f > 4900 && f < 5925
		case api.Band6GHz:
			return f >= 5925
		}
		return true
	}
	if o.Band == 0 && slices.Contains(usable, 2437) {
		return 2437, nil
	}
	for _, f := range usable {
		if inBand(f) {
			return int(f), nil
		}
	}
	return 0, fmt.Errorf("%w: no usable channel for the group", api.ErrNoCommonChannel)
}

// holdID names a hold of a group on the radio.
type holdID uint64

// arbiter is the arbiter's state for one radio. It is owned by the loop.
type arbiter struct {
	wishes wishes
	now    activity
	// holds are the group interfaces forming or running.
	holds    map[holdID]ifaceUse
	nextHold holdID
	// From the radio, fixed.
	p2pDevice    bool
	combinations []radio.IfCombination
	software     radio.IfTypes
	usable       []uint32
}

func newArbiter(info radio.PhyInfo, usable []uint32) arbiter {
	return arbiter{
		holds:        map[holdID]ifaceUse{},
		p2pDevice:    info.P2PDevice(),
		combinations: info.Combinations,
		software:     info.SoftwareIfTypes,
		usable:       usable,
	}
}

// state is the radio as the arbiter knows it.
func (a *arbiter) state(enabled bool) radioState {
	r := radioState{enabled: enabled, p2pDevice: a.p2pDevice, combinations: a.combinations, software: a.software, usable: a.usable}
	for _, u := range a.holds {
		r.groups = append(r.groups, u)
	}
	return r
}

// hold takes the radio for a group interface when admit allows it; the
// group keeps it until release.
func (a *arbiter) hold(enabled bool, use ifaceUse) (holdID, error) {
	if err := admit(a.state(enabled), use); err != nil {
		return 0, err
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
