package p2p

import (
	"slices"

	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Social channels (Wi-Fi P2P v1.7, 3.1.2.1.1): 1, 6 and 11 of 2.4 GHz.
var socialFreqs = []int{2412, 2437, 2462}

// Operating classes of the global table (IEEE Std 802.11-2020, Table E-4)
// that P2P channel attributes use for 20 MHz channels.
const (
	opClass24   = 81  // 2.4 GHz, channels 1..13
	opClass5Low = 115 // 5 GHz, channels 36..48
	opClass5Up  = 124 // 5 GHz, channels 149..161
	opClass5Ext = 125 // 5 GHz, channels 165..177
)

// freqToChannel maps a frequency to a global operating class and channel
// number; ok is false for frequencies P2P does not use here (channel 14,
// DFS channels, 6 and 60 GHz).
func freqToChannel(freq int) (class, ch uint8, ok bool) {
	switch {
	case freq >= 2412 && freq <= 2472 && (freq-2407)%5 == 0:
		return opClass24, uint8((freq - 2407) / 5), true
	case freq >= 5180 && freq <= 5240 && (freq-5000)%20 == 0:
		return opClass5Low, uint8((freq - 5000) / 5), true
	case freq >= 5745 && freq <= 5805 && (freq-5745)%20 == 0:
		return opClass5Up, uint8((freq - 5000) / 5), true
	case freq >= 5825 && freq <= 5885 && (freq-5825)%20 == 0:
		return opClass5Ext, uint8((freq - 5000) / 5), true
	}
	return 0, 0, false
}

// channelToFreq is the inverse of freqToChannel; it also accepts the
// other 20 MHz classes peers may name (82: channel 14; 118, 121: DFS;
// 5 GHz channels under any 5 GHz 20 MHz class).
func channelToFreq(class, ch uint8) (int, bool) {
	switch class {
	case 81:
		if ch >= 1 && ch <= 13 {
			return 2407 + 5*int(ch), true
		}
	case 82:
		if ch == 14 {
			return 2484, true
		}
	case 115, 118, 121, 124, 125:
		if ch >= 32 && ch <= 177 {
			return 5000 + 5*int(ch), true
		}
	}
	return 0, false
}

// channelAttr builds a Listen or Operating Channel attribute value.
func channelAttr(country [3]byte, freq int) (*p2pmsg.Channel, bool) {
	class, ch, ok := freqToChannel(freq)
	if !ok {
		return nil, false
	}
	return &p2pmsg.Channel{Country: country, OperatingClass: class, Number: ch}, true
}

// ownFreqs lists the channels this phy can run a P2P group on: 20 MHz
// channels of the classes above that are neither disabled nor no-IR, in
// frequency order.
func ownFreqs(info radio.PhyInfo) []int {
	var out []int
	for _, b := range info.Bands {
		for _, c := range b.Channels {
			if c.Disabled || c.NoIR {
				continue
			}
			if _, _, ok := freqToChannel(c.Freq); ok {
				out = append(out, c.Freq)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// channelListAttr encodes frequencies as a Channel List attribute
// (Wi-Fi P2P v1.7, 4.1.13), one entry per operating class.
func channelListAttr(country [3]byte, freqs []int) *p2pmsg.ChannelList {
	cl := &p2pmsg.ChannelList{Country: country}
	for _, f := range freqs {
		class, ch, ok := freqToChannel(f)
		if !ok {
			continue
		}
		n := len(cl.Entries)
		if n == 0 || cl.Entries[n-1].OperatingClass != class {
			cl.Entries = append(cl.Entries, p2pmsg.ChannelEntry{OperatingClass: class})
			n++
		}
		cl.Entries[n-1].Channels = append(cl.Entries[n-1].Channels, ch)
	}
	return cl
}

// listFreqs decodes a Channel List attribute into frequencies (sorted,
// without duplicates), skipping entries this package cannot map.
func listFreqs(cl *p2pmsg.ChannelList) []int {
	if cl == nil {
		return nil
	}
	var out []int
	for _, e := range cl.Entries {
		for _, ch := range e.Channels {
			if f, ok := channelToFreq(e.OperatingClass, ch); ok {
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// intersect returns the frequencies in both sorted lists.
func intersect(a, b []int) []int {
	var out []int
	for _, f := range a {
		if slices.Contains(b, f) {
			out = append(out, f)
		}
	}
	return out
}

// chooseOperatingFreq picks the operating channel of a group this device
// will own from the channels both sides support: the first of our
// preferences that is common, else the peer's preferred operating channel
// when common, else a common social channel (6, 1, 11), else the lowest
// common channel. ok is false when nothing is common.
func chooseOperatingFreq(common, prefs []int, peerPref int) (int, bool) {
	if len(common) == 0 {
		return 0, false
	}
	for _, f := range prefs {
		if slices.Contains(common, f) {
			return f, true
		}
	}
	if peerPref != 0 && slices.Contains(common, peerPref) {
		return peerPref, true
	}
	for _, f := range []int{2437, 2412, 2462} {
		if slices.Contains(common, f) {
			return f, true
		}
	}
	return common[0], true
}

// freqOfChannelAttr maps a Listen or Operating Channel attribute to a
// frequency (0 when absent or unknown).
func freqOfChannelAttr(c *p2pmsg.Channel) int {
	if c == nil {
		return 0
	}
	f, _ := channelToFreq(c.OperatingClass, c.Number)
	return f
}

// dsChannelFreq maps a 2.4 GHz channel number of a DS Parameter Set to its
// frequency (0 when out of range).
func dsChannelFreq(ch uint8) int {
	switch {
	case ch >= 1 && ch <= 13:
		return 2407 + 5*int(ch)
	case ch == 14:
		return 2484
	}
	return 0
}
