package coordinator

import (
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
