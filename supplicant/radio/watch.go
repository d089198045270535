package radio

import "context"

// Watcher follows every radio of the system and every use of it: the phys
// that appear and vanish, every interface on each phy (ours and other
// programs'), the channel each one operates on, rfkill and regulatory
// changes. The coordinator keeps its model of each radio from it, never
// from a snapshot taken at start-up.
type Watcher interface {
	// Watch returns the state of every phy now and then, on updates, the
	// whole new state of a phy each time anything in it changes (several
	// changes may come as one). A removed phy is reported once with Removed
	// set. updates is closed when ctx ends or the backend is closed; a
	// consumer that falls behind sees only each phy's latest state.
	Watch(ctx context.Context) (initial []PhyState, updates <-chan PhyState, err error)
}

// PhyState is one radio as the system uses it now.
type PhyState struct {
	// Index is the wiphy index (Info.Index).
	Index int
	// Phy creates our interfaces on the radio; nil once Removed.
	Phy Phy
	// Info is what the radio can do; its channels' flags follow the
	// regulatory domain in force.
	Info PhyInfo
	// Removed: the radio went away (unplugged, module removed, moved to
	// another network namespace).
	Removed bool
	// Interfaces are every interface on the radio, ours and other
	// programs', in wdev order.
	Interfaces []InterfaceState
	// RFKill is the radio's rfkill switch.
	RFKill RFKill
}

// InterfaceState is one interface on a radio.
type InterfaceState struct {
	InterfaceInfo
	// Ours: the interface was created through this backend (by this
	// program); any other is another program's.
	Ours bool
	// Up: the netdev is up (IFF_UP); a P2P Device, which has no netdev,
	// is never Up.
	Up bool
	// SSID is the BSS's SSID while a station is connected or an AP
	// beacons (with Freq); empty otherwise.
	SSID []byte
}

// RFKill is the state of a radio's rfkill switch (/dev/rfkill).
type RFKill struct {
	Soft bool // blocked by software (rfkill block, a desktop's airplane mode)
	Hard bool // blocked by a hardware switch
}

// Blocked tells whether the radio may not transmit.
func (r RFKill) Blocked() bool { return r.Soft || r.Hard }

// IfUse is one interface as the interface combinations count it: its type
// and the channel it occupies (MHz; 0 for none, e.g. a P2P Device or a
// station that is not connected).
type IfUse struct {
	Type IfType
	Freq int
}

// Allows tells whether the interfaces uses can run on the radio at once,
// as cfg80211 decides it (cfg80211_check_combinations and
// cfg80211_iter_combinations in net/wireless/util.c): some combination
// admits no more interfaces than its maximum and no more distinct channels
// than its number of channels; every type used is named by one of its
// limits, and every limit naming a type admits all the interfaces of that
// type (each such limit takes them all). Software interface types are not
// counted. A radio without combinations runs one interface at a time.
func (p PhyInfo) Allows(uses []IfUse) bool {
	count := map[IfType]int{}
	freqs := map[int]bool{}
	total := 0
	for _, u := range uses {
		if p.SoftwareIfTypes.Has(u.Type) {
			continue
		}
		count[u.Type]++
		total++
		if u.Freq != 0 {
			freqs[u.Freq] = true
		}
	}
	if len(p.Combinations) == 0 {
		return total <= 1
	}
next:
	for _, c := range p.Combinations {
		if total > c.MaxInterfaces || len(freqs) > c.NumChannels {
			continue
		}
		left := make([]int, len(c.Limits))
		for i, l := range c.Limits {
			left[i] = l.Max
		}
		for t, n := range count {
			named := false
			for i, l := range c.Limits {
				if !l.Types.Has(t) {
					continue
				}
				named = true
				if left[i] < n {
					continue next
				}
				left[i] -= n
			}
			if !named {
				continue next
			}
		}
		return true
	}
	return false
}
