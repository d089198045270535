package coordinator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// This file is the arbiter's planning: which channels a group may use
// beside what uses the radio, the channel it takes, and the explanation
// the API shows (Device1.Radio, Device1.PlanGroup, the message of a
// ConcurrencyConflict). Every function here is pure: tests call them with
// a radioState and no radio.

// maxGroupsPerRadio bounds the groups the service runs on one radio,
// whatever the interface combinations allow (mac80211_hwsim allows 2048
// interfaces): each group is an interface, a channel's airtime and an
// address pool.
const maxGroupsPerRadio = 8

// otherUse is another program's interface on the radio.
type otherUse struct {
	name string
	typ  radio.IfType
	// freq is its operating channel (MHz; 0: none).
	freq int
	// up: its netdev is up (only running interfaces count in the
	// combinations).
	up bool
	// manager names the program that manages it, when known.
	manager string
}

// running tells whether the interface counts in the combinations: a
// netdev that is up or on a channel. Another program's P2P Device is
// arbitrated on its own (who holds the radio's P2P role), not here.
func (o otherUse) running() bool {
	return o.typ != radio.IfP2PDevice && (o.up || o.freq != 0)
}

// describe names the interface in words: "the station on wlan0 (NetworkManager)".
func (o otherUse) describe() string {
	s := "the " + ifaceWord(o.typ)
	if o.name != "" {
		s += " on " + o.name
	}
	if o.manager != "" {
		s += " (" + o.manager + ")"
	}
	return s
}

func ifaceWord(t radio.IfType) string {
	switch t {
	case radio.IfStation:
		return "station"
	case radio.IfAP:
		return "access point"
	case radio.IfP2PClient:
		return "P2P client"
	case radio.IfP2PGO:
		return "P2P group owner"
	case radio.IfP2PDevice:
		return "P2P Device"
	}
	return ifTypeName(t)
}

// uses are the radio's running interfaces as the combinations count them:
// our P2P Device (or station), our groups, and other programs' running
// interfaces.
func (r radioState) uses() []radio.IfUse {
	own := radio.IfUse{Type: radio.IfP2PDevice}
	if !r.p2pDevice {
		own.Type = radio.IfStation
	}
	uses := append([]radio.IfUse{own}, r.groups...)
	for _, o := range r.others {
		if o.running() {
			uses = append(uses, radio.IfUse{Type: o.typ, Freq: o.freq})
		}
	}
	return uses
}

// fits tells whether a new interface fits beside the radio's uses.
func (r radioState) fits(use radio.IfUse) bool {
	return r.info.Allows(append(r.uses(), use))
}

// allowed are the usable channels on which a new group interface of type
// typ fits beside the radio's uses, in the order of usable.
func (r radioState) allowed(typ radio.IfType) []int {
	var out []int
	for _, f := range r.usable {
		if r.fits(radio.IfUse{Type: typ, Freq: int(f)}) {
			out = append(out, int(f))
		}
	}
	return out
}

// station is the operating channel of the first connected station (or
// P2P client) of another program on the radio, and that interface.
func (r radioState) station() (otherUse, bool) {
	for _, o := range r.others {
		if (o.typ == radio.IfStation || o.typ == radio.IfP2PClient) && o.freq != 0 {
			return o, true
		}
	}
	return otherUse{}, false
}

// channelsAtOnce is how many different channels the radio can use at once
// beside our P2P Device: the most any of its combinations allows.
func (r radioState) channelsAtOnce() int {
	n := 0
	if len(r.info.Combinations) == 0 {
		return 1
	}
	for _, c := range r.info.Combinations {
		n = max(n, c.NumChannels)
	}
	return n
}

// holders are the uses of the radio, in words ("the station on wlan0
// (NetworkManager) uses 5180 MHz").
func (r radioState) holders() []string {
	var out []string
	for _, o := range r.others {
		if o.running() {
			h := o.describe()
			if o.freq != 0 {
				h += fmt.Sprintf(" uses %d MHz", o.freq)
			}
			out = append(out, h)
		}
	}
	for _, g := range r.groups {
		h := "our " + ifaceWord(g.Type)
		if g.Freq != 0 {
			h += fmt.Sprintf(" uses %d MHz", g.Freq)
		}
		out = append(out, h)
	}
	return out
}

// conflict explains in words why an interface of type typ cannot run on
// freq (0: on any usable channel) beside the radio's uses: the channels
// the radio can use at once, or its interface combinations.
func (r radioState) conflict(typ radio.IfType, freq int) string {
	what := "a " + ifaceWord(typ)
	if freq != 0 {
		what += fmt.Sprintf(" on %d MHz", freq)
	}
	holders := r.holders()
	if len(holders) == 0 {
		return what + " does not fit the radio's interface combinations"
	}
	// The number of channels is what refuses it when the interface would
	// fit on a channel already in use.
	for _, u := range r.uses() {
		if u.Freq != 0 && u.Freq != freq && r.fits(radio.IfUse{Type: typ, Freq: u.Freq}) {
			n := r.channelsAtOnce()
			if n == 1 {
				return strings.Join(holders, "; ") + "; this radio runs one channel at a time"
			}
			return strings.Join(holders, "; ") + fmt.Sprintf("; this radio runs %d channels at a time", n)
		}
	}
	return strings.Join(holders, "; ") + "; " + what + " does not fit beside them in the radio's interface combinations"
}

// planGroup is the arbiter's decision for a group: CreateGroup, or a
// Connect to a peer whose running group (for join) operates on peerFreq
// (0: unknown). On a radio that runs one channel at a time while a
// station is connected, every group goes on the station's channel; on
// multi-channel radios the station's channel is preferred and another is
// used when the caller asks for it and the combinations allow it. A
// channel the radio cannot use beside what uses it is a
// ConcurrencyConflict naming what holds the radio.
func planGroup(r radioState, o api.PlanOptions, peerFreq int) api.GroupPlan {
	if !r.enabled {
		return refused(api.ErrNotReady, "P2P is disabled on this radio")
	}
	typ := radio.IfP2PGO
	if o.HasPeer && o.Join {
		typ = radio.IfP2PClient
	}
	allowed := r.allowed(typ)
	if o.HasPeer && !o.Join {
		// The negotiation decides the role: the channel must suit both.
		allowed = intersectFreqs(allowed, r.allowed(radio.IfP2PClient))
	}
	want := int(o.Frequency)
	if o.Join {
		want = peerFreq
	}
	if want != 0 && !slices.Contains(r.usable, uint32(want)) {
		if o.Join {
			return refused(api.ErrNoCommonChannel, fmt.Sprintf("the peer's group operates on %d MHz, which this radio cannot use", want))
		}
		return refused(api.ErrInvalidArguments, fmt.Sprintf("frequency %d MHz is not usable on this radio", want))
	}
	if want != 0 && !slices.Contains(allowed, want) || len(allowed) == 0 {
		p := refused(api.ErrConcurrencyConflict, r.conflict(typ, want))
		p.Conflicts = r.holders()
		return p
	}
	st, hasStation := r.station()
	var freq int
	switch {
	case want != 0:
		freq = want
	case o.HasPeer && o.Join:
		freq = 0 // found by scan
	case o.HasPeer:
		// Our Operating Channel preference in the negotiation: the
		// station's channel when a group can share it.
		if hasStation && slices.Contains(allowed, st.freq) {
			freq = st.freq
		}
	default:
		var err error
		if freq, err = groupChannel(allowed, o.Band, st.freq); err != nil {
			return api.GroupPlan{Decision: api.DecisionRefuse, Reason: err.Error(), Err: err}
		}
	}
	p := api.GroupPlan{Possible: true, Frequency: uint32(freq), Decision: api.DecisionAllow}
	switch {
	case hasStation && freq == st.freq:
		p.Reason = fmt.Sprintf("the group shares %d MHz with %s", st.freq, st.describe())
	case len(allowed) < len(r.usable):
		p.Reason = fmt.Sprintf("the group fits on %s beside what uses the radio", freqList(allowed))
	default:
		p.Reason = "nothing else uses the radio's channels"
	}
	return p
}

// refused is a plan that cannot run: it fails with the sentinel err and
// says why.
func refused(err error, why string) api.GroupPlan {
	return api.GroupPlan{Decision: api.DecisionRefuse, Reason: why, Err: fmt.Errorf("%w: %s", err, why)}
}

// groupChannel chooses an autonomous GO's operating channel among the
// allowed ones: the first of the band asked; else the station's channel
// (a group shares it on a radio that runs one channel at a time, and
// spares a switch on others); else channel 6 (a social channel, as
// wpa_supplicant prefers); else the first allowed.
func groupChannel(allowed []int, band api.Band, station int) (int, error) {
	inBand := func(f int) bool {
		switch band {
		case api.Band2GHz:
			return f < 2500
		case api.Band5GHz:
			return f > 4900 && f < 5925
		case api.Band6GHz:
			return f >= 5925
		}
		return true
	}
	for _, pref := range []int{station, 2437} {
		if pref != 0 && inBand(pref) && slices.Contains(allowed, pref) {
			return pref, nil
		}
	}
	for _, f := range allowed {
		if inBand(f) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%w: no usable channel for the group in the band asked", api.ErrNoCommonChannel)
}

func intersectFreqs(a, b []int) []int {
	var out []int
	for _, f := range a {
		if slices.Contains(b, f) {
			out = append(out, f)
		}
	}
	return out
}

func freqList(fs []int) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprint(f)
	}
	return strings.Join(parts, ", ") + " MHz"
}

// radioInfo is the radio's current uses as the API shows them
// (Device1.Radio); ours are our P2P Device and group interfaces.
func radioInfo(r radioState, ours []api.RadioInterface) api.RadioInfo {
	info := api.RadioInfo{Interfaces: slices.Clone(ours), Channels: uint32(r.channelsAtOnce()),
		RFKillSoft: r.rfkill.Soft, RFKillHard: r.rfkill.Hard}
	for _, o := range r.others {
		info.Interfaces = append(info.Interfaces, api.RadioInterface{Name: o.name, Type: ifTypeName(o.typ),
			Frequency: uint32(o.freq), Manager: o.manager})
	}
	for _, i := range info.Interfaces {
		if i.Frequency != 0 && !slices.Contains(info.InUse, i.Frequency) {
			info.InUse = append(info.InUse, i.Frequency)
		}
	}
	slices.Sort(info.InUse)
	for _, f := range r.allowed(radio.IfP2PGO) {
		info.Allowed = append(info.Allowed, uint32(f))
	}
	info.GroupsAvailable = uint32(r.groupsAvailable())
	return info
}

// groupsAvailable is how many more GOs could start now, on the channel a
// new group would take, within maxGroupsPerRadio.
func (r radioState) groupsAvailable() int {
	allowed := r.allowed(radio.IfP2PGO)
	if !r.enabled || len(allowed) == 0 {
		return 0
	}
	st, _ := r.station()
	f, err := groupChannel(allowed, 0, st.freq)
	if err != nil {
		return 0
	}
	n := 0
	for len(r.groups) < maxGroupsPerRadio && r.fits(radio.IfUse{Type: radio.IfP2PGO, Freq: f}) {
		r.groups = append(r.groups, radio.IfUse{Type: radio.IfP2PGO, Freq: f})
		n++
	}
	return n
}

// maxGroups is how many groups the radio could run when nothing else uses
// it: the interface combinations' answer, within maxGroupsPerRadio.
func maxGroups(info radio.PhyInfo, usable []uint32) int {
	r := radioState{enabled: true, p2pDevice: info.P2PDevice(), info: info, usable: usable}
	return r.groupsAvailable()
}
