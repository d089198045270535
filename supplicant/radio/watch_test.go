package radio

import "testing"

// oneGroupCombinations allow one station or P2P client and one AP or P2P
// GO beside the P2P Device, on two channels (a typical laptop card).
func oneGroupCombinations() []IfCombination {
	return []IfCombination{{
		Limits: []IfLimit{
			{Max: 1, Types: IfTypes(0).With(IfStation, IfP2PClient)},
			{Max: 1, Types: IfTypes(0).With(IfAP, IfP2PGO)},
			{Max: 1, Types: IfTypes(0).With(IfP2PDevice)},
		},
		MaxInterfaces: 3,
		NumChannels:   2,
	}}
}

func TestAllowsFollowsCfg80211(t *testing.T) {
	dev := IfUse{Type: IfP2PDevice}
	sta := IfUse{Type: IfStation, Freq: 2412}
	ap := IfUse{Type: IfAP, Freq: 2412}
	// other is a type no limit names (as a monitor interface would be).
	other := IfUse{Type: IfP2PDevice + 1}
	for _, tc := range []struct {
		name     string
		software IfTypes
		uses     []IfUse
		want     bool
	}{
		{"within every limit", 0, []IfUse{dev, sta, ap}, true},
		{"two P2P Devices exceed their limit", 0, []IfUse{dev, dev}, false},
		{"a type no limit names does not fit", 0, []IfUse{dev, other}, false},
		{"a software type is not counted", IfTypes(0).With(other.Type), []IfUse{dev, sta, ap, other}, true},
		{"more interfaces than the maximum", 0, []IfUse{dev, sta, ap, {Type: IfP2PClient, Freq: 2412}}, false},
		{"more channels than the combination has", 0, []IfUse{dev, sta, {Type: IfAP, Freq: 5180}, {Type: IfP2PGO, Freq: 2437}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := PhyInfo{SoftwareIfTypes: tc.software, Combinations: oneGroupCombinations()}
			if got := p.Allows(tc.uses); got != tc.want {
				t.Errorf("Allows = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestARadioWithoutCombinationsRunsOneInterfaceAtATime(t *testing.T) {
	p := PhyInfo{}
	if !p.Allows([]IfUse{{Type: IfStation, Freq: 2412}}) {
		t.Error("one interface refused")
	}
	if p.Allows([]IfUse{{Type: IfStation, Freq: 2412}, {Type: IfP2PDevice}}) {
		t.Error("two interfaces allowed")
	}
}
