package nl80211

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// The recorded split dump of phy0 of mac80211_hwsim (Linux 6.1,
// testdata/wiphy-hwsim.nlmsgs, recorded by TestHwsimPhyInfoMatchesIwList)
// reads as `iw list` shows that phy.
func TestParseWiphyDumpOfTheRecordedPhyMatchesIwList(t *testing.T) {
	ws, err := parseWiphyDump(loadRecording(t, "wiphy-hwsim.nlmsgs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 {
		t.Fatalf("%d wiphys, want 1", len(ws))
	}
	w := ws[0]
	info := w.info
	p2p := radio.IfTypes(0).With(radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO, radio.IfP2PDevice)
	want := radio.PhyInfo{
		Index:            0,
		Name:             "phy0",
		SupportedIfTypes: p2p,
		Combinations: []radio.IfCombination{{
			Limits: []radio.IfLimit{
				{Max: 2048, Types: radio.IfTypes(0).With(radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO)},
				{Max: 1, Types: radio.IfTypes(0).With(radio.IfP2PDevice)},
			},
			MaxInterfaces: 2050,
			NumChannels:   1,
		}},
		MACOnCreate:        true,
		OffChannelTx:       true,
		MaxRemainOnChannel: 5 * time.Second,
		ControlPortOverNL:  true,
		// mac80211 sets NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211_TX_STATUS.
		ControlPortTxStatus: true,
		MaxScanSSIDs:        4,
		MaxScanIELen:        2109,
		CipherSuites:        []uint32{0x000fac01, 0x000fac05, 0x000fac02, 0x000fac04, 0x000fac0a, 0x000fac08, 0x000fac09, 0x000fac06, 0x000fac0d, 0x000fac0b, 0x000fac0c},
	}
	if diff := cmp.Diff(want, info, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Bands" }, cmp.Ignore())); diff != "" {
		t.Errorf("PhyInfo (-want +got):\n%s", diff)
	}
	type bandSummary struct {
		ID               radio.BandID
		HT, VHT          bool
		Channels         int
		First, Last      radio.Channel
		Disabled, NoIRed int
	}
	var bands []bandSummary
	for _, b := range info.Bands {
		s := bandSummary{ID: b.ID, HT: b.HT, VHT: b.VHT, Channels: len(b.Channels), First: b.Channels[0], Last: b.Channels[len(b.Channels)-1]}
		for _, c := range b.Channels {
			if c.Disabled {
				s.Disabled++
			}
			if c.NoIR {
				s.NoIRed++
			}
		}
		bands = append(bands, s)
	}
	wantBands := []bandSummary{
		{ID: radio.Band2GHz, HT: true, Channels: 14, First: radio.Channel{Freq: 2412, Number: 1, MaxPower: 2000}, Last: radio.Channel{Freq: 2484, Number: 14, NoIR: true, MaxPower: 2000}, NoIRed: 3},
		{ID: radio.Band5GHz, HT: true, VHT: true, Channels: 40, First: radio.Channel{Freq: 5180, Number: 36, NoIR: true, MaxPower: 2000}, Last: radio.Channel{Freq: 5925, Number: 185, Disabled: true}, Disabled: 16, NoIRed: 24},
		{ID: radio.Band6GHz, Channels: 59, First: radio.Channel{Freq: 5955, Number: 1, Disabled: true}, Last: radio.Channel{Freq: 7115, Number: 233, Disabled: true}, Disabled: 59},
	}
	if diff := cmp.Diff(wantBands, bands); diff != "" {
		t.Errorf("bands (-want +got):\n%s", diff)
	}
	if c, ok := info.Channel(2437); !ok || c != (radio.Channel{Freq: 2437, Number: 6, MaxPower: 2000}) {
		t.Errorf("channel 6: %+v %v", c, ok)
	}
	for _, f := range []uint32{unix.NL80211_FEATURE_FULL_AP_CLIENT_STATE, unix.NL80211_FEATURE_SCAN_FLUSH, unix.NL80211_FEATURE_MAC_ON_CREATE} {
		if !w.hasFeature(f) {
			t.Errorf("feature %#x missing", f)
		}
	}
	if w.hasFeature(unix.NL80211_FEATURE_P2P_GO_CTWIN) || w.hasFeature(unix.NL80211_FEATURE_P2P_GO_OPPPS) {
		t.Error("hwsim claims P2P GO power save")
	}
	if !w.hasExtFeature(unix.NL80211_EXT_FEATURE_CONTROL_PORT_NO_PREAUTH) || w.hasExtFeature(unix.NL80211_EXT_FEATURE_SET_SCAN_DWELL) {
		t.Error("extended features differ from iw list")
	}
}

func TestPhysSendsASplitWiphyDumpAndKeepsOnePhyPerWiphy(t *testing.T) {
	tb := newTestBackend(t)
	tb.serveWiphy(t)
	first, err := tb.Phys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req := tb.k.last(unix.NL80211_CMD_GET_WIPHY)
	if req.flags != netlink.Request|netlink.Dump {
		t.Errorf("flags %v, want request|dump", req.flags)
	}
	if diff := cmp.Diff(attrs{unix.NL80211_ATTR_SPLIT_WIPHY_DUMP: flagb}, req.attrs); diff != "" {
		t.Errorf("GET_WIPHY (-want +got):\n%s", diff)
	}
	again, err := tb.Phys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || len(again) != 1 || first[0] != again[0] {
		t.Errorf("Phys gave %v then %v, want the same phy", first, again)
	}
	if addr := first[0].Info().PermAddr; addr.String() != "02:00:00:00:00:00" {
		t.Errorf("permanent address %v", addr)
	}
}

// wiphyPart builds one message of a split dump.
func wiphyPart(t *testing.T, idx uint32, fn func(ae *netlink.AttributeEncoder)) genetlink.Message {
	t.Helper()
	return genetlink.Message{
		Header: genetlink.Header{Command: unix.NL80211_CMD_NEW_WIPHY},
		Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_WIPHY, idx)
			ae.String(unix.NL80211_ATTR_WIPHY_NAME, "phy"+string(rune('0'+idx)))
			fn(ae)
		}),
	}
}

func channelPart(band uint16, n uint16, freq uint32, flags ...uint16) func(ae *netlink.AttributeEncoder) {
	return func(ae *netlink.AttributeEncoder) {
		ae.Nested(unix.NL80211_ATTR_WIPHY_BANDS, func(bae *netlink.AttributeEncoder) error {
			bae.Nested(band, func(cae *netlink.AttributeEncoder) error {
				cae.Nested(unix.NL80211_BAND_ATTR_FREQS, func(fae *netlink.AttributeEncoder) error {
					fae.Nested(n, func(x *netlink.AttributeEncoder) error {
						x.Uint32(unix.NL80211_FREQUENCY_ATTR_FREQ, freq)
						for _, f := range flags {
							x.Flag(f, true)
						}
						return nil
					})
					return nil
				})
				return nil
			})
			return nil
		})
	}
}

func TestParseWiphyDumpMergesInterleavedPartsPerWiphy(t *testing.T) {
	msgs := []genetlink.Message{
		wiphyPart(t, 1, func(ae *netlink.AttributeEncoder) {
			ae.Nested(unix.NL80211_ATTR_SUPPORTED_IFTYPES, func(n *netlink.AttributeEncoder) error {
				n.Flag(unix.NL80211_IFTYPE_STATION, true)
				n.Flag(unix.NL80211_IFTYPE_MONITOR, true)
				return nil
			})
		}),
		wiphyPart(t, 1, channelPart(unix.NL80211_BAND_2GHZ, 0, 2412)),
		wiphyPart(t, 4, channelPart(unix.NL80211_BAND_5GHZ, 0, 5180, unix.NL80211_FREQUENCY_ATTR_NO_IR)),
		wiphyPart(t, 1, channelPart(unix.NL80211_BAND_2GHZ, 1, 2417, unix.NL80211_FREQUENCY_ATTR_DISABLED)),
		wiphyPart(t, 1, channelPart(unix.NL80211_BAND_S1GHZ, 0, 902)),
		wiphyPart(t, 4, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_FEATURE_FLAGS, unix.NL80211_FEATURE_MAC_ON_CREATE)
			ae.Bytes(unix.NL80211_ATTR_EXT_FEATURES, []byte{0, 0, 0, 1 << (unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211 % 8)})
			ae.Uint32(unix.NL80211_ATTR_PROBE_RESP_OFFLOAD, 1)
			ae.Uint32(unix.NL80211_ATTR_DEVICE_AP_SME, 1)
		}),
	}
	ws, err := parseWiphyDump(msgs)
	if err != nil {
		t.Fatal(err)
	}
	var got []radio.PhyInfo
	for _, w := range ws {
		got = append(got, w.info)
	}
	want := []radio.PhyInfo{
		{Index: 1, Name: "phy1", SupportedIfTypes: radio.IfTypes(0).With(radio.IfStation), Bands: []radio.Band{
			{ID: radio.Band2GHz, Channels: []radio.Channel{{Freq: 2412, Number: 1}, {Freq: 2417, Number: 2, Disabled: true}}},
		}},
		{Index: 4, Name: "phy4", MACOnCreate: true, ControlPortOverNL: true, ProbeRespOffload: true, APSME: true, Bands: []radio.Band{
			{ID: radio.Band5GHz, Channels: []radio.Channel{{Freq: 5180, Number: 36, NoIR: true}}},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PhyInfo (-want +got):\n%s", diff)
	}
}

func TestParseWiphyDumpRejectsMalformedMessages(t *testing.T) {
	cases := map[string][]byte{
		"no wiphy index":                    mustEncode(t, func(ae *netlink.AttributeEncoder) { ae.String(unix.NL80211_ATTR_WIPHY_NAME, "phy0") }),
		"wiphy index of 2 octets":           mustEncode(t, func(ae *netlink.AttributeEncoder) { ae.Uint16(unix.NL80211_ATTR_WIPHY, 0) }),
		"attribute overrunning the message": {8, 0, 1, 0, 0, 0},
		"cipher suites not a multiple of 4": mustEncode(t, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_WIPHY, 0)
			ae.Bytes(unix.NL80211_ATTR_CIPHER_SUITES, []byte{1, 2, 3})
		}),
		"scan SSIDs of 4 octets": mustEncode(t, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_WIPHY, 0)
			ae.Uint32(unix.NL80211_ATTR_MAX_NUM_SCAN_SSIDS, 4)
		}),
		"channel frequency of 2 octets": mustEncode(t, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_WIPHY, 0)
			ae.Nested(unix.NL80211_ATTR_WIPHY_BANDS, func(b *netlink.AttributeEncoder) error {
				b.Nested(0, func(c *netlink.AttributeEncoder) error {
					c.Nested(unix.NL80211_BAND_ATTR_FREQS, func(f *netlink.AttributeEncoder) error {
						f.Nested(0, func(x *netlink.AttributeEncoder) error { x.Uint16(unix.NL80211_FREQUENCY_ATTR_FREQ, 1); return nil })
						return nil
					})
					return nil
				})
				return nil
			})
		}),
		"combination limit of truncated types": mustEncode(t, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_WIPHY, 0)
			ae.Nested(unix.NL80211_ATTR_INTERFACE_COMBINATIONS, func(c *netlink.AttributeEncoder) error {
				c.Nested(1, func(x *netlink.AttributeEncoder) error {
					x.Nested(unix.NL80211_IFACE_COMB_LIMITS, func(l *netlink.AttributeEncoder) error {
						l.Nested(1, func(y *netlink.AttributeEncoder) error {
							y.Bytes(unix.NL80211_IFACE_LIMIT_TYPES, []byte{8, 0, 2})
							return nil
						})
						return nil
					})
					return nil
				})
				return nil
			})
		}),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseWiphyDump([]genetlink.Message{{Data: data}})
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("err %v, want ErrMalformed", err)
			}
		})
	}
}

func TestChannelNumbersFollowTheBands(t *testing.T) {
	cases := []struct {
		band, freq, want int
	}{
		{unix.NL80211_BAND_2GHZ, 2412, 1},
		{unix.NL80211_BAND_2GHZ, 2472, 13},
		{unix.NL80211_BAND_2GHZ, 2484, 14},
		{unix.NL80211_BAND_5GHZ, 5180, 36},
		{unix.NL80211_BAND_5GHZ, 4920, 184},
		{unix.NL80211_BAND_6GHZ, 5935, 2},
		{unix.NL80211_BAND_6GHZ, 5955, 1},
		{unix.NL80211_BAND_60GHZ, 58320, 1},
		{unix.NL80211_BAND_2GHZ, 5180, 0},
	}
	for _, c := range cases {
		if got := channelNumber(c.band, c.freq); got != c.want {
			t.Errorf("band %d, %d MHz: channel %d, want %d", c.band, c.freq, got, c.want)
		}
	}
}
