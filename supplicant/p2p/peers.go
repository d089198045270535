package p2p

import (
	"bytes"
	"slices"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
)

// Peer is what this device knows about another P2P Device. Strings are
// sanitised (valid UTF-8, no control characters). A Peer is a copy: it
// does not change after it was handed out.
type Peer struct {
	// Address is the P2P Device Address, the key of the peer table.
	Address              MAC
	Name                 string
	PrimaryDeviceType    DeviceType
	SecondaryDeviceTypes []DeviceType
	ConfigMethods        ConfigMethods
	DeviceCapability     p2pmsg.DeviceCapability
	GroupCapability      p2pmsg.GroupCapability
	Manufacturer         string
	ModelName            string
	ModelNumber          string
	SerialNumber         string

	// ListenFreq is the peer's Listen Channel (MHz), 0 when unknown.
	ListenFreq     int
	ExtendedListen *p2pmsg.ExtendedListenTiming
	Signal         int // mBm, of the last frame heard
	LastSeen       time.Time

	// GroupOwner is set when the peer runs a group (its P2P Group
	// Capability has the GO bit): GroupSSID, GroupBSSID (its P2P
	// Interface Address), OperatingFreq and GroupClients then describe it.
	GroupOwner    bool
	GroupSSID     string
	GroupBSSID    MAC
	OperatingFreq int
	GroupClients  []GroupClient

	// WFDSubelements is the payload of the peer's WFD IE (Wi-Fi Display
	// 5.1), nil when it sent none.
	WFDSubelements []byte

	// Complete is set once the peer's P2P Device Info was heard (a probe
	// response or a P2P Public Action frame): peers known from probe
	// requests or beacons only are not reported as found.
	Complete bool
}

// GroupClient is one client of a GO peer's group (P2P Group Info, Wi-Fi
// P2P v1.7, 4.1.16).
type GroupClient struct {
	DeviceAddress        MAC
	InterfaceAddress     MAC
	DeviceCapability     p2pmsg.DeviceCapability
	ConfigMethods        ConfigMethods
	PrimaryDeviceType    DeviceType
	SecondaryDeviceTypes []DeviceType
	Name                 string
}

// clone returns a deep copy.
func (p *Peer) clone() Peer {
	c := *p
	c.SecondaryDeviceTypes = slices.Clone(p.SecondaryDeviceTypes)
	c.GroupClients = slices.Clone(p.GroupClients)
	for i := range c.GroupClients {
		c.GroupClients[i].SecondaryDeviceTypes = slices.Clone(c.GroupClients[i].SecondaryDeviceTypes)
	}
	c.WFDSubelements = bytes.Clone(p.WFDSubelements)
	if p.ExtendedListen != nil {
		e := *p.ExtendedListen
		c.ExtendedListen = &e
	}
	return c
}

// sameFacts reports whether two snapshots differ only in what changes with
// every frame (signal, last seen): PeerUpdated is sent otherwise.
func sameFacts(a, b *Peer) bool {
	if !slices.Equal(a.SecondaryDeviceTypes, b.SecondaryDeviceTypes) ||
		!bytes.Equal(a.WFDSubelements, b.WFDSubelements) ||
		(a.ExtendedListen == nil) != (b.ExtendedListen == nil) ||
		a.ExtendedListen != nil && *a.ExtendedListen != *b.ExtendedListen ||
		!slices.EqualFunc(a.GroupClients, b.GroupClients, func(x, y GroupClient) bool {
			return x.DeviceAddress == y.DeviceAddress && x.InterfaceAddress == y.InterfaceAddress &&
				x.DeviceCapability == y.DeviceCapability && x.ConfigMethods == y.ConfigMethods &&
				x.PrimaryDeviceType == y.PrimaryDeviceType && x.Name == y.Name &&
				slices.Equal(x.SecondaryDeviceTypes, y.SecondaryDeviceTypes)
		}) {
		return false
	}
	return a.Address == b.Address && a.Name == b.Name && a.PrimaryDeviceType == b.PrimaryDeviceType &&
		a.ConfigMethods == b.ConfigMethods && a.DeviceCapability == b.DeviceCapability &&
		a.GroupCapability == b.GroupCapability && a.Manufacturer == b.Manufacturer &&
		a.ModelName == b.ModelName && a.ModelNumber == b.ModelNumber && a.SerialNumber == b.SerialNumber &&
		a.ListenFreq == b.ListenFreq && a.GroupOwner == b.GroupOwner && a.GroupSSID == b.GroupSSID &&
		a.GroupBSSID == b.GroupBSSID && a.OperatingFreq == b.OperatingFreq && a.Complete == b.Complete
}

// peerEntry is one row of the peer table.
type peerEntry struct {
	Peer
	reported bool // PeerFound was sent
	// waiting: the peer got status 1 from us and waits for our own GO
	// Negotiation Request once the user authorizes it.
	waiting bool
}

// peerTable is the bounded table of known peers. It hands out entries
// only inside callbacks: a caller never keeps a pointer into the table,
// so an insertion that evicts a peer cannot leave a stale reference
// behind (CVE-2021-27803, docs/bad-input.md 4a #5).
type peerTable struct {
	max int
	m   map[MAC]*peerEntry
}

func newPeerTable(max int) *peerTable {
	return &peerTable{max: max, m: make(map[MAC]*peerEntry)}
}

func (t *peerTable) len() int { return len(t.m) }

// has reports whether the peer is in the table.
func (t *peerTable) has(a MAC) bool { _, ok := t.m[a]; return ok }

// view calls fn with the peer's entry if it is in the table; fn must not
// keep the pointer.
func (t *peerTable) view(a MAC, fn func(e *peerEntry)) bool {
	e, ok := t.m[a]
	if ok {
		fn(e)
	}
	return ok
}

// snapshot returns a copy of the peer.
func (t *peerTable) snapshot(a MAC) (Peer, bool) {
	e, ok := t.m[a]
	if !ok {
		return Peer{}, false
	}
	return e.clone(), true
}

// upsert finds or creates the peer and calls fn with its entry (fn must
// not keep the pointer). Creating a peer in a full table first evicts the
// least recently seen peer that inUse does not protect; when every peer
// is protected the new peer is not added, fn is not called and ok is
// false. evicted lists the removed peer, if any.
func (t *peerTable) upsert(a MAC, inUse func(MAC) bool, fn func(e *peerEntry, created bool)) (evicted []peerEntry, ok bool) {
	if e, found := t.m[a]; found {
		fn(e, false)
		return nil, true
	}
	for len(t.m) >= t.max {
		victim, found := t.oldest(inUse)
		if !found {
			return evicted, false
		}
		evicted = append(evicted, *t.m[victim])
		delete(t.m, victim)
	}
	e := &peerEntry{Peer: Peer{Address: a}}
	t.m[a] = e
	fn(e, true)
	return evicted, true
}

// oldest returns the least recently seen peer that inUse does not
// protect (ties: the lower address).
func (t *peerTable) oldest(inUse func(MAC) bool) (MAC, bool) {
	var best *peerEntry
	for a, e := range t.m {
		if inUse != nil && inUse(a) {
			continue
		}
		if best == nil || e.LastSeen.Before(best.LastSeen) ||
			e.LastSeen.Equal(best.LastSeen) && bytes.Compare(a[:], best.Address[:]) < 0 {
			best = e
		}
	}
	if best == nil {
		return MAC{}, false
	}
	return best.Address, true
}

// remove deletes the peer and returns its last entry.
func (t *peerTable) remove(a MAC) (peerEntry, bool) {
	e, ok := t.m[a]
	if !ok {
		return peerEntry{}, false
	}
	delete(t.m, a)
	return *e, true
}

// expire removes the peers unseen since cutoff (or earlier) that inUse
// does not protect, in address order.
func (t *peerTable) expire(cutoff time.Time, inUse func(MAC) bool) []peerEntry {
	var gone []MAC
	for a, e := range t.m {
		if !e.LastSeen.After(cutoff) && (inUse == nil || !inUse(a)) {
			gone = append(gone, a)
		}
	}
	slices.SortFunc(gone, func(x, y MAC) int { return bytes.Compare(x[:], y[:]) })
	out := make([]peerEntry, 0, len(gone))
	for _, a := range gone {
		e, _ := t.remove(a)
		out = append(out, e)
	}
	return out
}

// nextExpiry is the earliest LastSeen among unprotected peers.
func (t *peerTable) nextExpiry(inUse func(MAC) bool) (time.Time, bool) {
	var first time.Time
	found := false
	for a, e := range t.m {
		if inUse != nil && inUse(a) {
			continue
		}
		if !found || e.LastSeen.Before(first) {
			first, found = e.LastSeen, true
		}
	}
	return first, found
}

// all returns copies of every peer, in address order.
func (t *peerTable) all() []Peer {
	out := make([]Peer, 0, len(t.m))
	for _, e := range t.m {
		out = append(out, e.clone())
	}
	slices.SortFunc(out, func(x, y Peer) int { return bytes.Compare(x.Address[:], y.Address[:]) })
	return out
}
