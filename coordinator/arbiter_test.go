package coordinator

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// The arbiter's decisions, without any radio.

func TestDecideRunsWhatTheWishesAskWhileNoGroupHoldsTheRadio(t *testing.T) {
	social := &api.DiscoveryOptions{Type: api.DiscoverSocial}
	full := &api.DiscoveryOptions{Type: api.DiscoverFull}
	printers := &api.DiscoveryOptions{Type: api.DiscoverSocial, DeviceTypes: []api.DeviceType{{Category: 3, SubCategory: 1}}}
	free := radioState{enabled: true}
	held := radioState{enabled: true, groups: []radio.IfUse{{Type: radio.IfP2PGO, Freq: 2437}}}
	disabled := radioState{}
	for _, tc := range []struct {
		name   string
		radio  radioState
		wishes wishes
		now    activity
		want   []step
	}{
		{"nothing wanted, nothing running: nothing to do", free, wishes{}, activity{}, nil},
		{"discovery wanted starts Find", free, wishes{find: social}, activity{}, []step{{kind: stepFind, find: *social}}},
		{"discovery already running with the same options is left alone", free, wishes{find: social}, activity{find: social}, nil},
		{"new discovery options restart Find", free, wishes{find: printers}, activity{find: social}, []step{{kind: stepFind, find: *printers}}},
		{"the clients' discovery wins over the pinned one", free, wishes{find: full, pinned: social}, activity{}, []step{{kind: stepFind, find: *full}}},
		{"the pinned discovery runs without clients", free, wishes{pinned: social}, activity{}, []step{{kind: stepFind, find: *social}}},
		{"back to the pinned options when the clients stop", free, wishes{pinned: social}, activity{find: full}, []step{{kind: stepFind, find: *social}}},
		{"discovery wins over listen: Find replaces the Listen State", free, wishes{find: social, listen: true}, activity{listen: true}, []step{{kind: stepFind, find: *social}}},
		{"listen wanted starts the Listen State", free, wishes{listen: true}, activity{}, []step{{kind: stepListen}}},
		{"listen alone after discovery stops Find, then listens", free, wishes{listen: true}, activity{find: social}, []step{{kind: stepStopFind}, {kind: stepListen}}},
		{"nothing wanted stops Find", free, wishes{}, activity{find: social}, []step{{kind: stepStopFind}}},
		{"nothing wanted stops listening", free, wishes{}, activity{listen: true}, []step{{kind: stepStopListen}}},
		{"a group holding the radio pauses Find", held, wishes{find: social}, activity{find: social}, []step{{kind: stepStopFind}}},
		{"a group holding the radio pauses listen", held, wishes{listen: true}, activity{listen: true}, []step{{kind: stepStopListen}}},
		{"a group holding the radio keeps discovery from starting", held, wishes{find: social, pinned: full, listen: true}, activity{}, nil},
		{"a disabled device stops everything", disabled, wishes{find: social, listen: true}, activity{find: social}, []step{{kind: stepStopFind}}},
		{"a disabled device starts nothing", disabled, wishes{pinned: social, listen: true}, activity{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decide(tc.radio, tc.wishes, tc.now)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(step{})); diff != "" {
				t.Errorf("decide (-want +got):\n%s", diff)
			}
		})
	}
}

// hwsimCombinations are mac80211_hwsim's: any number of station, AP and
// P2P client/GO interfaces plus one P2P Device, on channels channels.
func hwsimCombinations(channels int) []radio.IfCombination {
	return []radio.IfCombination{{
		Limits: []radio.IfLimit{
			{Max: 2048, Types: radio.IfTypes(0).With(radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO)},
			{Max: 1, Types: radio.IfTypes(0).With(radio.IfP2PDevice)},
		},
		MaxInterfaces: 2048,
		NumChannels:   channels,
	}}
}

// oneGroupCombinations allow one station or P2P client and one AP or P2P
// GO beside the P2P Device, on two channels (a typical laptop card).
func oneGroupCombinations() []radio.IfCombination {
	return []radio.IfCombination{{
		Limits: []radio.IfLimit{
			{Max: 1, Types: radio.IfTypes(0).With(radio.IfStation, radio.IfP2PClient)},
			{Max: 1, Types: radio.IfTypes(0).With(radio.IfAP, radio.IfP2PGO)},
			{Max: 1, Types: radio.IfTypes(0).With(radio.IfP2PDevice)},
		},
		MaxInterfaces: 3,
		NumChannels:   2,
	}}
}

func TestAdmitChecksANewGroupAgainstTheInterfaceCombinations(t *testing.T) {
	goOn := func(f int) radio.IfUse { return radio.IfUse{Type: radio.IfP2PGO, Freq: f} }
	clientOn := func(f int) radio.IfUse { return radio.IfUse{Type: radio.IfP2PClient, Freq: f} }
	phy := func(c []radio.IfCombination) radio.PhyInfo { return radio.PhyInfo{Combinations: c} }
	for _, tc := range []struct {
		name  string
		radio radioState
		use   radio.IfUse
		ok    bool
	}{
		{"a first group on a one-channel radio", radioState{p2pDevice: true, info: phy(hwsimCombinations(1))}, goOn(2437), true},
		{"a second group on the same channel", radioState{p2pDevice: true, info: phy(hwsimCombinations(1)), groups: []radio.IfUse{goOn(2437)}}, clientOn(2437), true},
		{"a second group on another channel of a one-channel radio", radioState{p2pDevice: true, info: phy(hwsimCombinations(1)), groups: []radio.IfUse{goOn(2437)}}, clientOn(2412), false},
		{"a second group on another channel of a two-channel radio", radioState{p2pDevice: true, info: phy(hwsimCombinations(2)), groups: []radio.IfUse{goOn(2437)}}, clientOn(2412), true},
		{"a client whose channel is not known yet", radioState{p2pDevice: true, info: phy(hwsimCombinations(1)), groups: []radio.IfUse{goOn(2437)}}, clientOn(0), true},
		{"a GO beside a client within the limits", radioState{p2pDevice: true, info: phy(oneGroupCombinations()), groups: []radio.IfUse{clientOn(5180)}}, goOn(2437), true},
		{"a second GO beyond its limit", radioState{p2pDevice: true, info: phy(oneGroupCombinations()), groups: []radio.IfUse{goOn(2437)}}, goOn(2437), false},
		{"a radio without a P2P Device type runs the core on a station interface", radioState{info: phy(oneGroupCombinations())}, clientOn(2437), false},
		{"a radio that advertises no combinations runs one interface at a time", radioState{p2pDevice: true}, goOn(2437), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := admit(tc.radio, tc.use)
			if (err == nil) != tc.ok || err != nil && !errors.Is(err, api.ErrNotSupported) {
				t.Errorf("admit = %v; want allowed: %v", err, tc.ok)
			}
		})
	}
}

func TestGroupFrequencyFollowsTheOptions(t *testing.T) {
	usable := []uint32{2412, 2437, 2462, 5180, 5200}
	for _, tc := range []struct {
		name string
		o    api.GroupOptions
		want int
		err  error
	}{
		{"default is channel 6", api.GroupOptions{}, 2437, nil},
		{"the frequency asked", api.GroupOptions{Frequency: 5200}, 5200, nil},
		{"the first of the band asked", api.GroupOptions{Band: api.Band5GHz}, 5180, nil},
		{"an unusable frequency is refused", api.GroupOptions{Frequency: 2484}, 0, api.ErrInvalidArguments},
		{"a band without channels has no channel", api.GroupOptions{Band: api.Band6GHz}, 0, api.ErrNoCommonChannel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := groupFrequency(usable, tc.o)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("groupFrequency = %d, %v; want %d, %v", got, err, tc.want, tc.err)
			}
		})
	}
}
