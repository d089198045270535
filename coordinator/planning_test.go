package coordinator

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// The arbiter's planning, on radios described by hand.

// hwsimPhy is a mac80211_hwsim radio: any number of station, AP and P2P
// client/GO interfaces plus one P2P Device, on channels channels.
func hwsimPhy(channels int) radio.PhyInfo {
	return radio.PhyInfo{
		SupportedIfTypes: radio.IfTypes(0).With(radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO, radio.IfP2PDevice),
		Combinations: []radio.IfCombination{{
			Limits: []radio.IfLimit{
				{Max: 2048, Types: radio.IfTypes(0).With(radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO)},
				{Max: 1, Types: radio.IfTypes(0).With(radio.IfP2PDevice)},
			},
			MaxInterfaces: 2048,
			NumChannels:   channels,
		}},
	}
}

// laptopPhy allows one station or P2P client and one AP or P2P GO beside
// the P2P Device, on two channels (a typical laptop card).
func laptopPhy() radio.PhyInfo {
	return radio.PhyInfo{
		SupportedIfTypes: radio.IfTypes(0).With(radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO, radio.IfP2PDevice),
		Combinations: []radio.IfCombination{{
			Limits: []radio.IfLimit{
				{Max: 1, Types: radio.IfTypes(0).With(radio.IfStation, radio.IfP2PClient)},
				{Max: 1, Types: radio.IfTypes(0).With(radio.IfAP, radio.IfP2PGO)},
				{Max: 1, Types: radio.IfTypes(0).With(radio.IfP2PDevice)},
			},
			MaxInterfaces: 3,
			NumChannels:   2,
		}},
	}
}

var usable = []uint32{2412, 2437, 2462, 5180, 5200}

// radioWith is an enabled radio with these interfaces of other programs
// and our groups.
func radioWith(info radio.PhyInfo, others []otherUse, groups ...radio.IfUse) radioState {
	return radioState{enabled: true, p2pDevice: true, info: info, usable: usable, others: others, groups: groups}
}

// stationOn is NetworkManager's station on wlan0, connected on freq.
func stationOn(freq int) otherUse {
	return otherUse{name: "wlan0", typ: radio.IfStation, freq: freq, up: true, manager: "NetworkManager"}
}

func TestPlanGroupPutsGroupsWhereTheStationAllows(t *testing.T) {
	peer := api.PlanOptions{Peer: api.MAC{0x02, 0, 0, 0, 0, 0x99}, HasPeer: true}
	withFreq := func(o api.PlanOptions, f uint32) api.PlanOptions { o.Frequency = f; return o }
	join := api.PlanOptions{Peer: api.MAC{0x02, 0, 0, 0, 0, 0x99}, HasPeer: true, Join: true}
	for _, tc := range []struct {
		name     string
		radio    radioState
		o        api.PlanOptions
		peerFreq int
		// want is the plan without its Reason and Err; err the sentinel.
		want api.GroupPlan
		err  error
	}{
		{"an idle radio puts an autonomous GO on channel 6", radioWith(hwsimPhy(1), nil), api.PlanOptions{}, 0,
			api.GroupPlan{Possible: true, Frequency: 2437, Decision: api.DecisionAllow}, nil},
		{"a one-channel radio puts the GO on the station's channel", radioWith(hwsimPhy(1), []otherUse{stationOn(2462)}), api.PlanOptions{}, 0,
			api.GroupPlan{Possible: true, Frequency: 2462, Decision: api.DecisionAllow}, nil},
		{"a two-channel radio prefers the station's channel too", radioWith(hwsimPhy(2), []otherUse{stationOn(5180)}), api.PlanOptions{}, 0,
			api.GroupPlan{Possible: true, Frequency: 5180, Decision: api.DecisionAllow}, nil},
		{"a one-channel radio refuses another channel asked for", radioWith(hwsimPhy(1), []otherUse{stationOn(5180)}), withFreq(api.PlanOptions{}, 2437), 0,
			api.GroupPlan{Decision: api.DecisionRefuse, Conflicts: []string{"the station on wlan0 (NetworkManager) uses 5180 MHz"}}, api.ErrConcurrencyConflict},
		{"a two-channel radio uses another channel when asked", radioWith(hwsimPhy(2), []otherUse{stationOn(5180)}), withFreq(api.PlanOptions{}, 2437), 0,
			api.GroupPlan{Possible: true, Frequency: 2437, Decision: api.DecisionAllow}, nil},
		{"the band asked wins over the station's channel", radioWith(hwsimPhy(2), []otherUse{stationOn(5180)}), api.PlanOptions{Band: api.Band2GHz}, 0,
			api.GroupPlan{Possible: true, Frequency: 2437, Decision: api.DecisionAllow}, nil},
		{"a band the station leaves no room in is a conflict", radioWith(hwsimPhy(1), []otherUse{stationOn(5180)}), api.PlanOptions{Band: api.Band2GHz}, 0,
			api.GroupPlan{Decision: api.DecisionRefuse}, api.ErrNoCommonChannel},
		{"an unusable frequency is invalid", radioWith(hwsimPhy(1), nil), withFreq(api.PlanOptions{}, 2484), 0,
			api.GroupPlan{Decision: api.DecisionRefuse}, api.ErrInvalidArguments},
		{"a negotiation prefers the station's channel", radioWith(hwsimPhy(1), []otherUse{stationOn(2462)}), peer, 0,
			api.GroupPlan{Possible: true, Frequency: 2462, Decision: api.DecisionAllow}, nil},
		{"a negotiation on an idle radio leaves the channel to the negotiation", radioWith(hwsimPhy(1), nil), peer, 0,
			api.GroupPlan{Possible: true, Decision: api.DecisionAllow}, nil},
		{"a negotiation asking for another channel of a one-channel radio conflicts", radioWith(hwsimPhy(1), []otherUse{stationOn(2462)}), withFreq(peer, 2412), 0,
			api.GroupPlan{Decision: api.DecisionRefuse, Conflicts: []string{"the station on wlan0 (NetworkManager) uses 2462 MHz"}}, api.ErrConcurrencyConflict},
		{"joining a GO on the station's channel is fine", radioWith(hwsimPhy(1), []otherUse{stationOn(2462)}), join, 2462,
			api.GroupPlan{Possible: true, Frequency: 2462, Decision: api.DecisionAllow}, nil},
		{"joining a GO on another channel of a one-channel radio conflicts", radioWith(hwsimPhy(1), []otherUse{stationOn(2462)}), join, 2437,
			api.GroupPlan{Decision: api.DecisionRefuse, Conflicts: []string{"the station on wlan0 (NetworkManager) uses 2462 MHz"}}, api.ErrConcurrencyConflict},
		{"joining a GO whose channel is not known yet is left to the scan", radioWith(hwsimPhy(1), []otherUse{stationOn(2462)}), join, 0,
			api.GroupPlan{Possible: true, Decision: api.DecisionAllow}, nil},
		{"a laptop card runs a GO beside a connected station", radioWith(laptopPhy(), []otherUse{stationOn(5180)}), api.PlanOptions{}, 0,
			api.GroupPlan{Possible: true, Frequency: 5180, Decision: api.DecisionAllow}, nil},
		{"a laptop card cannot join as client beside a station", radioWith(laptopPhy(), []otherUse{stationOn(5180)}), join, 5180,
			api.GroupPlan{Decision: api.DecisionRefuse, Conflicts: []string{"the station on wlan0 (NetworkManager) uses 5180 MHz"}}, api.ErrConcurrencyConflict},
		{"a station that is not connected holds no channel", radioWith(hwsimPhy(1), []otherUse{{name: "wlan0", typ: radio.IfStation, up: true}}), withFreq(api.PlanOptions{}, 2412), 0,
			api.GroupPlan{Possible: true, Frequency: 2412, Decision: api.DecisionAllow}, nil},
		{"our own group holds its channel", radioWith(hwsimPhy(1), nil, radio.IfUse{Type: radio.IfP2PGO, Freq: 2437}), withFreq(api.PlanOptions{}, 2412), 0,
			api.GroupPlan{Decision: api.DecisionRefuse, Conflicts: []string{"our P2P group owner uses 2437 MHz"}}, api.ErrConcurrencyConflict},
		{"a disabled device plans nothing", radioState{info: hwsimPhy(1), usable: usable}, api.PlanOptions{}, 0,
			api.GroupPlan{Decision: api.DecisionRefuse}, api.ErrNotReady},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := planGroup(tc.radio, tc.o, tc.peerFreq)
			if !errors.Is(got.Err, tc.err) || (tc.err == nil) != (got.Err == nil) {
				t.Errorf("Err = %v, want %v", got.Err, tc.err)
			}
			if got.Reason == "" {
				t.Error("no reason given")
			}
			got.Reason, got.Err = "", nil
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAConflictSaysWhatHoldsTheRadio(t *testing.T) {
	for _, tc := range []struct {
		name  string
		radio radioState
		use   radio.IfUse
		want  string
	}{
		{"a station on a one-channel radio", radioWith(hwsimPhy(1), []otherUse{stationOn(5180)}), radio.IfUse{Type: radio.IfP2PGO, Freq: 2437},
			"the station on wlan0 (NetworkManager) uses 5180 MHz; this radio runs one channel at a time"},
		{"a station and an access point on a two-channel radio", radioWith(hwsimPhy(2), []otherUse{stationOn(5180), {name: "ap0", typ: radio.IfAP, freq: 2412, up: true}}), radio.IfUse{Type: radio.IfP2PGO, Freq: 2437},
			"the station on wlan0 (NetworkManager) uses 5180 MHz; the access point on ap0 uses 2412 MHz; this radio runs 2 channels at a time"},
		{"the interface limits of a laptop card", radioWith(laptopPhy(), []otherUse{stationOn(5180)}), radio.IfUse{Type: radio.IfP2PClient, Freq: 5180},
			"the station on wlan0 (NetworkManager) uses 5180 MHz; a P2P client on 5180 MHz does not fit beside them in the radio's interface combinations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.radio.fits(tc.use) {
				t.Fatal("the interface fits")
			}
			if got := tc.radio.conflict(tc.use.Type, tc.use.Freq); got != tc.want {
				t.Errorf("conflict =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestRadioInfoTellsWhatUsesTheRadioAndWhatIsLeft(t *testing.T) {
	ours := []api.RadioInterface{{Type: "p2p-device", Ours: true}}
	for _, tc := range []struct {
		name  string
		radio radioState
		want  api.RadioInfo
	}{
		{"an idle hwsim radio", radioWith(hwsimPhy(1), nil), api.RadioInfo{
			Interfaces: ours, Channels: 1, Allowed: usable, GroupsAvailable: maxGroupsPerRadio}},
		{"a station on a one-channel radio leaves its channel", radioWith(hwsimPhy(1), []otherUse{stationOn(5180)}), api.RadioInfo{
			Interfaces: append(ours, api.RadioInterface{Name: "wlan0", Type: "station", Frequency: 5180, Manager: "NetworkManager"}),
			Channels:   1, InUse: []uint32{5180}, Allowed: []uint32{5180}, GroupsAvailable: maxGroupsPerRadio}},
		{"a laptop card with a station has room for one GO", radioWith(laptopPhy(), []otherUse{stationOn(5180)}), api.RadioInfo{
			Interfaces: append(ours, api.RadioInterface{Name: "wlan0", Type: "station", Frequency: 5180, Manager: "NetworkManager"}),
			Channels:   2, InUse: []uint32{5180}, Allowed: usable, GroupsAvailable: 1}},
		{"rfkill is shown", func() radioState { r := radioWith(hwsimPhy(1), nil); r.rfkill.Soft = true; return r }(), api.RadioInfo{
			Interfaces: ours, Channels: 1, Allowed: usable, GroupsAvailable: maxGroupsPerRadio, RFKillSoft: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, radioInfo(tc.radio, ours)); diff != "" {
				t.Errorf("radio info (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMaxGroupsComesFromTheCombinations(t *testing.T) {
	for _, tc := range []struct {
		name string
		info radio.PhyInfo
		want int
	}{
		{"hwsim's 2048 interfaces are bounded by the service", hwsimPhy(1), maxGroupsPerRadio},
		{"a laptop card runs one GO", laptopPhy(), 1},
		{"a radio without combinations runs none beside its P2P Device", radio.PhyInfo{SupportedIfTypes: hwsimPhy(1).SupportedIfTypes}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := maxGroups(tc.info, usable); got != tc.want {
				t.Errorf("maxGroups = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestGroupChannelFollowsTheBandThenTheStationThenChannel6(t *testing.T) {
	all := []int{2412, 2437, 2462, 5180, 5200}
	for _, tc := range []struct {
		name    string
		allowed []int
		band    api.Band
		station int
		want    int
		err     error
	}{
		{"channel 6 by default", all, 0, 0, 2437, nil},
		{"the station's channel first", all, 0, 2462, 2462, nil},
		{"the first of the band asked", all, api.Band5GHz, 0, 5180, nil},
		{"the station's channel within the band asked", all, api.Band5GHz, 5200, 5200, nil},
		{"a band without allowed channels", all, api.Band6GHz, 0, 0, api.ErrNoCommonChannel},
		{"the first allowed when channel 6 is not", []int{2412, 5180}, 0, 0, 2412, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := groupChannel(tc.allowed, tc.band, tc.station)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("groupChannel = %d, %v; want %d, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestAGroupThatDoesNotFitIsRefusedWhenItTakesTheRadio(t *testing.T) {
	a := newArbiter(hwsimPhy(1), usable)
	if _, err := a.hold(true, radio.IfUse{Type: radio.IfP2PGO, Freq: 2437}); err != nil {
		t.Fatalf("first group: %v", err)
	}
	_, err := a.hold(true, radio.IfUse{Type: radio.IfP2PClient, Freq: 2412})
	if !errors.Is(err, api.ErrConcurrencyConflict) || !strings.Contains(err.Error(), "our P2P group owner uses 2437 MHz") {
		t.Errorf("second group on another channel: %v", err)
	}
}
