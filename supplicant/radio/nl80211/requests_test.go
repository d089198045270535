package nl80211

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

const (
	testWdev    = 0x100000002
	testIfindex = 7
)

var (
	peer = ieee80211.MAC{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}
	own  = ieee80211.MAC{2, 1, 2, 3, 4, 5}
)

// cookieReply answers with NL80211_ATTR_COOKIE.
func cookieReply(t *testing.T, c uint64) func(sentRequest) ([]genetlink.Message, error) {
	return func(sentRequest) ([]genetlink.Message, error) {
		return []genetlink.Message{{Data: mustEncode(t, func(ae *netlink.AttributeEncoder) { ae.Uint64(unix.NL80211_ATTR_COOKIE, c) })}}, nil
	}
}

func nested(t *testing.T, fn func(ae *netlink.AttributeEncoder)) []byte { return mustEncode(t, fn) }

var ifindexAttr = u32b(testIfindex)

// A request test: an interface of a type, a call on it, and the one
// request of cmd it must send (flags Request|Acknowledge) with exactly
// these attributes.
type requestCase struct {
	name string
	typ  radio.IfType
	call func(t *testing.T, i *iface) error
	cmd  uint8
	want func(t *testing.T) attrs
}

func runRequestCases(t *testing.T, cases []requestCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTestBackend(t)
			i := tb.newTestIface(t, tc.typ)
			tb.k.reply(unix.NL80211_CMD_FRAME, cookieReply(t, 41))
			tb.k.reply(unix.NL80211_CMD_REMAIN_ON_CHANNEL, cookieReply(t, 42))
			if err := tc.call(t, i); err != nil {
				t.Fatalf("call: %v", err)
			}
			got := tb.k.last(tc.cmd)
			if got.flags != netlink.Request|netlink.Acknowledge {
				t.Errorf("flags %v, want request|acknowledge", got.flags)
			}
			if diff := cmp.Diff(tc.want(t), got.attrs); diff != "" {
				t.Errorf("%s attributes (-want +got):\n%s", cmdName(tc.cmd), diff)
			}
		})
	}
}

func TestFrameRequestsCarryTheirAttributes(t *testing.T) {
	match := []byte{0x04, 0x09, 0x50, 0x6f, 0x9a, 0x09}
	frame := make([]byte, 30)
	frame[0] = 0xd0
	runRequestCases(t, []requestCase{
		{
			name: "RegisterFrame names the action subtype and the match prefix on the wdev",
			typ:  radio.IfP2PDevice,
			call: func(t *testing.T, i *iface) error {
				return i.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeAction, Match: match})
			},
			cmd: unix.NL80211_CMD_REGISTER_FRAME,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_WDEV: u64b(testWdev), unix.NL80211_ATTR_FRAME_TYPE: u16b(0x00d0), unix.NL80211_ATTR_FRAME_MATCH: match}
			},
		},
		{
			name: "RegisterFrame with no prefix matches every frame of the subtype",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				return i.RegisterFrame(context.Background(), radio.FrameMatch{Subtype: ieee80211.SubtypeAuth})
			},
			cmd: unix.NL80211_CMD_REGISTER_FRAME,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_FRAME_TYPE: u16b(0x00b0), unix.NL80211_ATTR_FRAME_MATCH: flagb}
			},
		},
		{
			name: "SendFrame off channel with a wait and no CCK rates returns the cookie",
			typ:  radio.IfP2PDevice,
			call: func(t *testing.T, i *iface) error {
				c, err := i.SendFrame(context.Background(), radio.Tx{Frame: frame, Freq: 2437, Wait: 100*time.Millisecond + time.Microsecond, NoCCK: true, OffChannel: true})
				if c != 41 {
					t.Errorf("cookie %d, want 41", c)
				}
				return err
			},
			cmd: unix.NL80211_CMD_FRAME,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_WDEV: u64b(testWdev), unix.NL80211_ATTR_WIPHY_FREQ: u32b(2437), unix.NL80211_ATTR_DURATION: u32b(101),
					unix.NL80211_ATTR_OFFCHANNEL_TX_OK: flagb, unix.NL80211_ATTR_TX_NO_CCK_RATE: flagb, unix.NL80211_ATTR_FRAME: frame,
				}
			},
		},
		{
			name: "SendFrame without waiting for an ack has no cookie",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				c, err := i.SendFrame(context.Background(), radio.Tx{Frame: frame, NoAck: true})
				if c != 0 {
					t.Errorf("cookie %d, want 0", c)
				}
				return err
			},
			cmd: unix.NL80211_CMD_FRAME,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_DONT_WAIT_FOR_ACK: flagb, unix.NL80211_ATTR_FRAME: frame}
			},
		},
		{
			name: "RemainOnChannel sends frequency and duration in ms and returns the cookie",
			typ:  radio.IfP2PDevice,
			call: func(t *testing.T, i *iface) error {
				c, err := i.RemainOnChannel(context.Background(), 2412, 500*time.Millisecond)
				if c != 42 {
					t.Errorf("cookie %d, want 42", c)
				}
				return err
			},
			cmd: unix.NL80211_CMD_REMAIN_ON_CHANNEL,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_WDEV: u64b(testWdev), unix.NL80211_ATTR_WIPHY_FREQ: u32b(2412), unix.NL80211_ATTR_DURATION: u32b(500)}
			},
		},
		{
			name: "CancelRemainOnChannel names the cookie",
			typ:  radio.IfP2PDevice,
			call: func(t *testing.T, i *iface) error { return i.CancelRemainOnChannel(context.Background(), 42) },
			cmd:  unix.NL80211_CMD_CANCEL_REMAIN_ON_CHANNEL,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_WDEV: u64b(testWdev), unix.NL80211_ATTR_COOKIE: u64b(42)}
			},
		},
		{
			name: "CancelFrameWait names the cookie",
			typ:  radio.IfP2PDevice,
			call: func(t *testing.T, i *iface) error { return i.CancelFrameWait(context.Background(), 41) },
			cmd:  unix.NL80211_CMD_FRAME_WAIT_CANCEL,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_WDEV: u64b(testWdev), unix.NL80211_ATTR_COOKIE: u64b(41)}
			},
		},
	})
}

func TestScanRequestsCarryTheirAttributes(t *testing.T) {
	ies := []byte{0xdd, 0x04, 0x50, 0x6f, 0x9a, 0x09}
	runRequestCases(t, []requestCase{
		{
			name: "TriggerScan lists frequencies and SSIDs, adds elements, no CCK and flush",
			typ:  radio.IfP2PDevice,
			call: func(t *testing.T, i *iface) error {
				return i.TriggerScan(context.Background(), radio.ScanRequest{
					Freqs: []int{2412, 2437, 2462}, SSIDs: [][]byte{[]byte("DIRECT-"), {}}, IEs: ies, NoCCK: true, Flush: true,
					Dwell: 30 * time.Millisecond, // hwsim has no NL80211_EXT_FEATURE_SET_SCAN_DWELL: not sent
				})
			},
			cmd: unix.NL80211_CMD_TRIGGER_SCAN,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_WDEV: u64b(testWdev),
					unix.NL80211_ATTR_SCAN_FREQUENCIES: nested(t, func(ae *netlink.AttributeEncoder) {
						ae.Uint32(1, 2412)
						ae.Uint32(2, 2437)
						ae.Uint32(3, 2462)
					}),
					unix.NL80211_ATTR_SCAN_SSIDS: nested(t, func(ae *netlink.AttributeEncoder) {
						ae.Bytes(1, []byte("DIRECT-"))
						ae.Bytes(2, nil)
					}),
					unix.NL80211_ATTR_IE:             ies,
					unix.NL80211_ATTR_TX_NO_CCK_RATE: flagb,
					unix.NL80211_ATTR_SCAN_FLAGS:     u32b(unix.NL80211_SCAN_FLAG_FLUSH),
				}
			},
		},
		{
			name: "TriggerScan with nothing set is a passive scan of every channel",
			typ:  radio.IfP2PClient,
			call: func(t *testing.T, i *iface) error { return i.TriggerScan(context.Background(), radio.ScanRequest{}) },
			cmd:  unix.NL80211_CMD_TRIGGER_SCAN,
			want: func(t *testing.T) attrs { return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr} },
		},
		{
			name: "AbortScan names the interface",
			typ:  radio.IfP2PDevice,
			call: func(t *testing.T, i *iface) error { return i.AbortScan(context.Background()) },
			cmd:  unix.NL80211_CMD_ABORT_SCAN,
			want: func(t *testing.T) attrs { return attrs{unix.NL80211_ATTR_WDEV: u64b(testWdev)} },
		},
	})
}

// A beacon of the test GO: header, fixed fields, SSID; RSN in the tail.
var (
	testHead = append(append(mgmtHeader(ieee80211.SubtypeBeacon, ieee80211.Broadcast, own, own), make([]byte, 12)...), 0x00, 0x03, 'a', 'b', 'c')
	testRSN  = []byte{0x30, 0x14, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x0c, 0x00}
	testP2P  = []byte{0xdd, 0x09, 0x50, 0x6f, 0x9a, 0x09, 0x02, 0x02, 0x00, 0x25, 0x0b}
)

func TestAPRequestsCarryTheirAttributes(t *testing.T) {
	beacon := radio.BeaconData{Head: testHead, Tail: append(append([]byte{}, testRSN...), testP2P...), ProbeRespIEs: testP2P, AssocRespIEs: testP2P, ProbeResp: []byte{0x50}}
	rates := []byte{0x8c, 0x12, 0x98, 0x24}
	ht := make([]byte, 26)
	runRequestCases(t, []requestCase{
		{
			name: "StartAP sends templates, channel, SSID, privacy with RSN suites, control port over nl80211 and socket owner",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				return i.StartAP(context.Background(), radio.APConfig{Beacon: beacon, Freq: 2437, SSID: []byte("abc"), Privacy: true, ControlPort: true})
			},
			cmd: unix.NL80211_CMD_START_AP,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX:                   ifindexAttr,
					unix.NL80211_ATTR_BEACON_HEAD:               testHead,
					unix.NL80211_ATTR_BEACON_TAIL:               beacon.Tail,
					unix.NL80211_ATTR_IE_PROBE_RESP:             testP2P,
					unix.NL80211_ATTR_IE_ASSOC_RESP:             testP2P,
					unix.NL80211_ATTR_BEACON_INTERVAL:           u32b(100),
					unix.NL80211_ATTR_DTIM_PERIOD:               u32b(2),
					unix.NL80211_ATTR_SSID:                      []byte("abc"),
					unix.NL80211_ATTR_HIDDEN_SSID:               u32b(unix.NL80211_HIDDEN_SSID_NOT_IN_USE),
					unix.NL80211_ATTR_PRIVACY:                   flagb,
					unix.NL80211_ATTR_AUTH_TYPE:                 u32b(unix.NL80211_AUTHTYPE_OPEN_SYSTEM),
					unix.NL80211_ATTR_WIPHY_FREQ:                u32b(2437),
					unix.NL80211_ATTR_CHANNEL_WIDTH:             u32b(unix.NL80211_CHAN_WIDTH_20_NOHT),
					unix.NL80211_ATTR_CENTER_FREQ1:              u32b(2437),
					unix.NL80211_ATTR_WPA_VERSIONS:              u32b(unix.NL80211_WPA_VERSION_2),
					unix.NL80211_ATTR_CIPHER_SUITE_GROUP:        u32b(radio.CipherCCMP128),
					unix.NL80211_ATTR_CIPHER_SUITES_PAIRWISE:    u32b(radio.CipherCCMP128),
					unix.NL80211_ATTR_AKM_SUITES:                u32b(0x000fac02),
					unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE:    u16b(unix.ETH_P_PAE),
					unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211: flagb,
					unix.NL80211_ATTR_SOCKET_OWNER:              flagb,
				}
			},
		},
		{
			name: "StartAP of a hidden open BSS with its own interval and DTIM",
			typ:  radio.IfAP,
			call: func(t *testing.T, i *iface) error {
				return i.StartAP(context.Background(), radio.APConfig{Beacon: radio.BeaconData{Head: testHead}, Freq: 2412, BeaconInterval: 200, DTIMPeriod: 1, SSID: []byte("abc"), HiddenSSID: true})
			},
			cmd: unix.NL80211_CMD_START_AP,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX:                ifindexAttr,
					unix.NL80211_ATTR_BEACON_HEAD:            testHead,
					unix.NL80211_ATTR_BEACON_INTERVAL:        u32b(200),
					unix.NL80211_ATTR_DTIM_PERIOD:            u32b(1),
					unix.NL80211_ATTR_SSID:                   []byte("abc"),
					unix.NL80211_ATTR_HIDDEN_SSID:            u32b(unix.NL80211_HIDDEN_SSID_ZERO_LEN),
					unix.NL80211_ATTR_AUTH_TYPE:              u32b(unix.NL80211_AUTHTYPE_OPEN_SYSTEM),
					unix.NL80211_ATTR_WIPHY_FREQ:             u32b(2412),
					unix.NL80211_ATTR_CHANNEL_WIDTH:          u32b(unix.NL80211_CHAN_WIDTH_20_NOHT),
					unix.NL80211_ATTR_CENTER_FREQ1:           u32b(2412),
					unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE: u16b(unix.ETH_P_PAE),
					unix.NL80211_ATTR_SOCKET_OWNER:           flagb,
				}
			},
		},
		{
			name: "SetBeacon replaces the templates",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				return i.SetBeacon(context.Background(), radio.BeaconData{Head: testHead, Tail: testP2P})
			},
			cmd: unix.NL80211_CMD_SET_BEACON,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_BEACON_HEAD: testHead, unix.NL80211_ATTR_BEACON_TAIL: testP2P}
			},
		},
		{
			name: "StopAP names the interface",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error { return i.StopAP(context.Background()) },
			cmd:  unix.NL80211_CMD_STOP_AP,
			want: func(t *testing.T) attrs { return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr} },
		},
		{
			name: "NewStation adds an authenticated and associated station with its rates and capabilities",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				return i.NewStation(context.Background(), radio.StationParams{Addr: peer, AID: 1, ListenInterval: 10, Capability: 0x0431, SupportedRates: rates, HTCapabilities: ht, WME: true})
			},
			cmd: unix.NL80211_CMD_NEW_STATION,
			want: func(t *testing.T) attrs {
				mask := bit(unix.NL80211_STA_FLAG_AUTHORIZED) | bit(unix.NL80211_STA_FLAG_WME) | bit(unix.NL80211_STA_FLAG_SHORT_PREAMBLE) |
					bit(unix.NL80211_STA_FLAG_AUTHENTICATED) | bit(unix.NL80211_STA_FLAG_ASSOCIATED)
				set := bit(unix.NL80211_STA_FLAG_WME) | bit(unix.NL80211_STA_FLAG_SHORT_PREAMBLE) | bit(unix.NL80211_STA_FLAG_AUTHENTICATED) | bit(unix.NL80211_STA_FLAG_ASSOCIATED)
				return attrs{
					unix.NL80211_ATTR_IFINDEX:             ifindexAttr,
					unix.NL80211_ATTR_MAC:                 peer[:],
					unix.NL80211_ATTR_STA_AID:             u16b(1),
					unix.NL80211_ATTR_STA_LISTEN_INTERVAL: u16b(10),
					unix.NL80211_ATTR_STA_CAPABILITY:      u16b(0x0431),
					unix.NL80211_ATTR_STA_SUPPORTED_RATES: rates,
					unix.NL80211_ATTR_HT_CAPABILITY:       ht,
					unix.NL80211_ATTR_STA_FLAGS2:          append(u32b(mask), u32b(set)...),
				}
			},
		},
		{
			name: "DelStation with a reason sends deauthentication as subtype and reason",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error { return i.DelStation(context.Background(), peer, 3) },
			cmd:  unix.NL80211_CMD_DEL_STATION,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_MAC: peer[:], unix.NL80211_ATTR_MGMT_SUBTYPE: {ieee80211.SubtypeDeauth}, unix.NL80211_ATTR_REASON_CODE: u16b(3)}
			},
		},
		{
			name: "DelStation with a reason first sends the deauthentication frame itself (no AP SME in mac80211)",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error { return i.DelStation(context.Background(), peer, 3) },
			cmd:  unix.NL80211_CMD_FRAME,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_DONT_WAIT_FOR_ACK: flagb, unix.NL80211_ATTR_FRAME: deauthFrame(peer, own, 3)}
			},
		},
		{
			name: "DelStation without a reason only removes the station",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error { return i.DelStation(context.Background(), peer, 0) },
			cmd:  unix.NL80211_CMD_DEL_STATION,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_MAC: peer[:]}
			},
		},
	})
}

func TestStationRequestsCarryTheirAttributes(t *testing.T) {
	ies := append(append([]byte{}, testRSN...), testP2P...)
	runRequestCases(t, []requestCase{
		{
			name: "Connect sends BSSID, channel, SSID, elements, privacy with a controlled port, RSN suites, control port over nl80211 and socket owner",
			typ:  radio.IfP2PClient,
			call: func(t *testing.T, i *iface) error {
				return i.Connect(context.Background(), radio.ConnectRequest{BSSID: peer, Freq: 2437, SSID: []byte("DIRECT-ab"), IEs: ies, Privacy: true, ControlPort: true})
			},
			cmd: unix.NL80211_CMD_CONNECT,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX:                   ifindexAttr,
					unix.NL80211_ATTR_MAC:                       peer[:],
					unix.NL80211_ATTR_WIPHY_FREQ:                u32b(2437),
					unix.NL80211_ATTR_SSID:                      []byte("DIRECT-ab"),
					unix.NL80211_ATTR_IE:                        ies,
					unix.NL80211_ATTR_AUTH_TYPE:                 u32b(unix.NL80211_AUTHTYPE_OPEN_SYSTEM),
					unix.NL80211_ATTR_PRIVACY:                   flagb,
					unix.NL80211_ATTR_CONTROL_PORT:              flagb,
					unix.NL80211_ATTR_WPA_VERSIONS:              u32b(unix.NL80211_WPA_VERSION_2),
					unix.NL80211_ATTR_CIPHER_SUITE_GROUP:        u32b(radio.CipherCCMP128),
					unix.NL80211_ATTR_CIPHER_SUITES_PAIRWISE:    u32b(radio.CipherCCMP128),
					unix.NL80211_ATTR_AKM_SUITES:                u32b(0x000fac02),
					unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE:    u16b(unix.ETH_P_PAE),
					unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211: flagb,
					unix.NL80211_ATTR_SOCKET_OWNER:              flagb,
				}
			},
		},
		{
			name: "Disconnect sends the reason",
			typ:  radio.IfP2PClient,
			call: func(t *testing.T, i *iface) error { return i.Disconnect(context.Background(), 3) },
			cmd:  unix.NL80211_CMD_DISCONNECT,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_REASON_CODE: u16b(3)}
			},
		},
		{
			name: "SendEAPOL over the control port goes unencrypted before a pairwise key",
			typ:  radio.IfP2PClient,
			call: func(t *testing.T, i *iface) error {
				i.setLink(2437, true, nil)
				_, err := i.SendEAPOL(context.Background(), peer, []byte{2, 3, 0, 0})
				return err
			},
			cmd: unix.NL80211_CMD_CONTROL_PORT_FRAME,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_FRAME: {2, 3, 0, 0}, unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE: u16b(unix.ETH_P_PAE),
					unix.NL80211_ATTR_MAC: peer[:], unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT: flagb,
				}
			},
		},
		{
			name: "SendEAPOL without the TX status feature does not wait for the ACK",
			typ:  radio.IfP2PClient,
			call: func(t *testing.T, i *iface) error {
				withoutTxStatus(i)
				i.setLink(2437, true, nil)
				_, err := i.SendEAPOL(context.Background(), peer, []byte{2, 3, 0, 0})
				return err
			},
			cmd: unix.NL80211_CMD_CONTROL_PORT_FRAME,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_FRAME: {2, 3, 0, 0}, unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE: u16b(unix.ETH_P_PAE),
					unix.NL80211_ATTR_MAC: peer[:], unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT: flagb, unix.NL80211_ATTR_DONT_WAIT_FOR_ACK: flagb,
				}
			},
		},
		{
			name: "SendEAPOL over the control port is protected once the pairwise key is in",
			typ:  radio.IfP2PClient,
			call: func(t *testing.T, i *iface) error {
				i.setLink(2437, true, nil)
				if err := i.NewKey(context.Background(), radio.Key{Cipher: radio.CipherCCMP128, Data: make([]byte, 16), Peer: peer}); err != nil {
					return err
				}
				_, err := i.SendEAPOL(context.Background(), peer, []byte{2, 3, 0, 0})
				return err
			},
			cmd: unix.NL80211_CMD_CONTROL_PORT_FRAME,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_FRAME: {2, 3, 0, 0}, unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE: u16b(unix.ETH_P_PAE),
					unix.NL80211_ATTR_MAC: peer[:],
				}
			},
		},
	})
}

func TestKeyRequestsCarryTheirAttributes(t *testing.T) {
	tk := []byte("0123456789abcdef")
	runRequestCases(t, []requestCase{
		{
			name: "NewKey installs a pairwise CCMP key for the peer",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				return i.NewKey(context.Background(), radio.Key{Cipher: radio.CipherCCMP128, Index: 0, Data: tk, Peer: peer})
			},
			cmd: unix.NL80211_CMD_NEW_KEY,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX: ifindexAttr,
					unix.NL80211_ATTR_MAC:     peer[:],
					unix.NL80211_ATTR_KEY: nested(t, func(ae *netlink.AttributeEncoder) {
						ae.Bytes(unix.NL80211_KEY_DATA, tk)
						ae.Uint8(unix.NL80211_KEY_IDX, 0)
						ae.Uint32(unix.NL80211_KEY_CIPHER, radio.CipherCCMP128)
						ae.Uint32(unix.NL80211_KEY_TYPE, unix.NL80211_KEYTYPE_PAIRWISE)
					}),
				}
			},
		},
		{
			name: "NewKey installs a group key with its receive counter",
			typ:  radio.IfP2PClient,
			call: func(t *testing.T, i *iface) error {
				return i.NewKey(context.Background(), radio.Key{Cipher: radio.CipherCCMP128, Index: 1, Data: tk, RSC: []byte{1, 0, 0, 0, 0, 0}})
			},
			cmd: unix.NL80211_CMD_NEW_KEY,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX: ifindexAttr,
					unix.NL80211_ATTR_KEY: nested(t, func(ae *netlink.AttributeEncoder) {
						ae.Bytes(unix.NL80211_KEY_DATA, tk)
						ae.Uint8(unix.NL80211_KEY_IDX, 1)
						ae.Uint32(unix.NL80211_KEY_CIPHER, radio.CipherCCMP128)
						ae.Bytes(unix.NL80211_KEY_SEQ, []byte{1, 0, 0, 0, 0, 0})
						ae.Uint32(unix.NL80211_KEY_TYPE, unix.NL80211_KEYTYPE_GROUP)
					}),
				}
			},
		},
		{
			name: "NewKey makes a GO's group key the default multicast key",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				return i.NewKey(context.Background(), radio.Key{Cipher: radio.CipherCCMP128, Index: 1, Data: tk, DefaultTx: true})
			},
			cmd: unix.NL80211_CMD_SET_KEY,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX: ifindexAttr,
					unix.NL80211_ATTR_KEY: nested(t, func(ae *netlink.AttributeEncoder) {
						ae.Uint8(unix.NL80211_KEY_IDX, 1)
						ae.Flag(unix.NL80211_KEY_DEFAULT, true)
						ae.Nested(unix.NL80211_KEY_DEFAULT_TYPES, func(nae *netlink.AttributeEncoder) error {
							nae.Flag(unix.NL80211_KEY_DEFAULT_TYPE_MULTICAST, true)
							return nil
						})
					}),
				}
			},
		},
		{
			name: "NewKey makes an integrity group key the default management key",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				return i.NewKey(context.Background(), radio.Key{Cipher: radio.CipherBIPCMAC, Index: 4, Data: tk, DefaultTx: true})
			},
			cmd: unix.NL80211_CMD_SET_KEY,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX: ifindexAttr,
					unix.NL80211_ATTR_KEY: nested(t, func(ae *netlink.AttributeEncoder) {
						ae.Uint8(unix.NL80211_KEY_IDX, 4)
						ae.Flag(unix.NL80211_KEY_DEFAULT_MGMT, true)
					}),
				}
			},
		},
		{
			name: "DelKey removes the peer's pairwise key",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error {
				return i.DelKey(context.Background(), radio.KeyRef{Index: 0, Peer: peer})
			},
			cmd: unix.NL80211_CMD_DEL_KEY,
			want: func(t *testing.T) attrs {
				return attrs{
					unix.NL80211_ATTR_IFINDEX: ifindexAttr,
					unix.NL80211_ATTR_MAC:     peer[:],
					unix.NL80211_ATTR_KEY: nested(t, func(ae *netlink.AttributeEncoder) {
						ae.Uint8(unix.NL80211_KEY_IDX, 0)
						ae.Uint32(unix.NL80211_KEY_TYPE, unix.NL80211_KEYTYPE_PAIRWISE)
					}),
				}
			},
		},
		{
			name: "SetAuthorized sets only the authorized flag of the peer",
			typ:  radio.IfP2PClient,
			call: func(t *testing.T, i *iface) error { return i.SetAuthorized(context.Background(), peer, true) },
			cmd:  unix.NL80211_CMD_SET_STATION,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_MAC: peer[:], unix.NL80211_ATTR_STA_FLAGS2: append(u32b(2), u32b(2)...)}
			},
		},
		{
			name: "SetAuthorized false clears the authorized flag",
			typ:  radio.IfP2PGO,
			call: func(t *testing.T, i *iface) error { return i.SetAuthorized(context.Background(), peer, false) },
			cmd:  unix.NL80211_CMD_SET_STATION,
			want: func(t *testing.T) attrs {
				return attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr, unix.NL80211_ATTR_MAC: peer[:], unix.NL80211_ATTR_STA_FLAGS2: append(u32b(2), u32b(0)...)}
			},
		},
	})
}

func TestNewInterfaceCreatesASocketOwnedGOWithTheChosenAddressAndBringsItUp(t *testing.T) {
	tb := newTestBackend(t)
	p := tb.phy0(t)
	addr := ieee80211.MAC{0x02, 0x4e, 0x4c, 0, 0, 1}
	tb.k.reply(unix.NL80211_CMD_NEW_INTERFACE, newInterfaceReply(t, 9, 5, unix.NL80211_IFTYPE_P2P_GO, "p2p-go3", addr))
	i, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PGO, Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	req := tb.k.last(unix.NL80211_CMD_NEW_INTERFACE)
	want := attrs{
		unix.NL80211_ATTR_WIPHY:        u32b(0),
		unix.NL80211_ATTR_IFTYPE:       u32b(unix.NL80211_IFTYPE_P2P_GO),
		unix.NL80211_ATTR_IFNAME:       []byte("p2p-go%d\x00"),
		unix.NL80211_ATTR_MAC:          addr[:],
		unix.NL80211_ATTR_SOCKET_OWNER: flagb,
	}
	if diff := cmp.Diff(want, req.attrs); diff != "" {
		t.Errorf("NEW_INTERFACE (-want +got):\n%s", diff)
	}
	wantInfo := radio.InterfaceInfo{Phy: 0, Wdev: 5, Index: 9, Name: "p2p-go3", Type: radio.IfP2PGO, Addr: addr}
	if diff := cmp.Diff(wantInfo, i.Info()); diff != "" {
		t.Errorf("Info (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"up 9"}, tb.link.ops); diff != "" {
		t.Errorf("link operations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{backendGroups, ifaceGroups}, tb.k.dials[1:]); diff != "" {
		t.Errorf("sockets' groups (-want +got):\n%s", diff)
	}
}

func TestNewInterfaceStartsAP2PDevice(t *testing.T) {
	tb := newTestBackend(t)
	p := tb.phy0(t)
	tb.k.reply(unix.NL80211_CMD_NEW_INTERFACE, newInterfaceReply(t, 0, 3, unix.NL80211_IFTYPE_P2P_DEVICE, "", own))
	i, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PDevice, Name: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := tb.k.requests()
	if len(reqs) != 2 || reqs[0].cmd != unix.NL80211_CMD_NEW_INTERFACE || reqs[1].cmd != unix.NL80211_CMD_START_P2P_DEVICE {
		t.Fatalf("requests %+v", reqs)
	}
	if name := string(reqs[0].attrs[unix.NL80211_ATTR_IFNAME]); name != "p2p-dev-phy0\x00" {
		t.Errorf("P2P device name %q", name)
	}
	if reqs[0].attrs.has(unix.NL80211_ATTR_MAC) {
		t.Error("an address was asked for")
	}
	if diff := cmp.Diff(attrs{unix.NL80211_ATTR_WDEV: u64b(3)}, reqs[1].attrs); diff != "" {
		t.Errorf("START_P2P_DEVICE (-want +got):\n%s", diff)
	}
	if len(tb.link.ops) != 0 {
		t.Errorf("link operations on a P2P device: %v", tb.link.ops)
	}
	if err := i.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs = tb.k.requests()
	if len(reqs) != 2 || reqs[0].cmd != unix.NL80211_CMD_STOP_P2P_DEVICE || reqs[1].cmd != unix.NL80211_CMD_DEL_INTERFACE {
		t.Fatalf("Delete requests %+v", reqs)
	}
	waitEvent(t, i, radio.InterfaceRemoved{})
}

func TestNewInterfaceFallsBackToAPWithoutTheP2PGOType(t *testing.T) {
	tb := newTestBackend(t)
	p := tb.phy0(t)
	p.w.info.SupportedIfTypes = radio.IfTypes(0).With(radio.IfStation, radio.IfAP)
	p.w.info.MACOnCreate = false
	tb.k.reply(unix.NL80211_CMD_NEW_INTERFACE, newInterfaceReply(t, 4, 5, unix.NL80211_IFTYPE_AP, "ap0", own))
	i, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PGO, Addr: peer})
	if err != nil {
		t.Fatal(err)
	}
	req := tb.k.last(unix.NL80211_CMD_NEW_INTERFACE)
	if got := req.attrs[unix.NL80211_ATTR_IFTYPE]; !cmp.Equal(got, u32b(unix.NL80211_IFTYPE_AP)) || req.attrs.has(unix.NL80211_ATTR_MAC) {
		t.Errorf("NEW_INTERFACE %+v, want an AP without an address", req.attrs)
	}
	if info := i.Info(); info.Type != radio.IfAP || info.Addr != peer {
		t.Errorf("Info %+v, want an AP with the chosen address", info)
	}
	// Without NL80211_FEATURE_MAC_ON_CREATE the address is set before up.
	if diff := cmp.Diff([]string{"addr 4 " + peer.String(), "up 4"}, tb.link.ops); diff != "" {
		t.Errorf("link operations (-want +got):\n%s", diff)
	}
	if _, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PDevice}); !errors.Is(err, radio.ErrNotSupported) {
		t.Errorf("P2P device on a phy without one: %v", err)
	}
}

func TestNewInterfaceRefusesAnAddressTheKernelDidNotApply(t *testing.T) {
	tb := newTestBackend(t)
	p := tb.phy0(t)
	tb.k.reply(unix.NL80211_CMD_NEW_INTERFACE, newInterfaceReply(t, 0, 3, unix.NL80211_IFTYPE_P2P_DEVICE, "", own))
	_, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PDevice, Addr: peer})
	if !errors.Is(err, radio.ErrNotSupported) {
		t.Fatalf("err %v, want ErrNotSupported", err)
	}
	var cmds []uint8
	for _, r := range tb.k.requests() {
		cmds = append(cmds, r.cmd)
	}
	if diff := cmp.Diff([]uint8{unix.NL80211_CMD_NEW_INTERFACE, unix.NL80211_CMD_DEL_INTERFACE}, cmds); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
}

func TestRequestsRefuseWhatThePhyCannotDoBeforeAskingTheKernel(t *testing.T) {
	tb := newTestBackend(t)
	dev := tb.newTestIface(t, radio.IfP2PDevice)
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"remain on a disabled channel", func() error { _, err := dev.RemainOnChannel(context.Background(), 5845, time.Second); return err }(), radio.ErrNoChannel},
		{"remain longer than the phy allows", func() error { _, err := dev.RemainOnChannel(context.Background(), 2437, 6*time.Second); return err }(), radio.ErrInvalid},
		{"scan a disabled channel", dev.TriggerScan(context.Background(), radio.ScanRequest{Freqs: []int{5955}}), radio.ErrNoChannel},
		{"scan more SSIDs than the phy takes", dev.TriggerScan(context.Background(), radio.ScanRequest{SSIDs: make([][]byte, 5)}), radio.ErrInvalid},
		{"start an AP on a P2P device", dev.StartAP(context.Background(), radio.APConfig{}), radio.ErrNotSupported},
		{"connect a P2P device", dev.Connect(context.Background(), radio.ConnectRequest{SSID: []byte("x")}), radio.ErrNotSupported},
		{"send EAPOL without a link", eapolErr(dev.SendEAPOL(context.Background(), peer, []byte{2, 3, 0, 0})), radio.ErrNotConnected},
		{"send a runt frame", func() error { _, err := dev.SendFrame(context.Background(), radio.Tx{Frame: []byte{0xd0}}); return err }(), radio.ErrInvalid},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if reqs := tb.k.requests(); len(reqs) != 0 {
		t.Errorf("the kernel was asked: %+v", reqs)
	}
	gi := tb.newTestIface(t, radio.IfP2PGO)
	err := gi.StartAP(context.Background(), radio.APConfig{Beacon: radio.BeaconData{Head: testHead}, Freq: 2467, SSID: []byte("x")})
	if !errors.Is(err, radio.ErrNoChannel) {
		t.Errorf("GO on a no-IR channel: %v, want ErrNoChannel", err)
	}
	err = gi.StartAP(context.Background(), radio.APConfig{Beacon: radio.BeaconData{Head: testHead}, Freq: 2437, SSID: []byte("x"), P2POppPS: true})
	if !errors.Is(err, radio.ErrNotSupported) {
		t.Errorf("opportunistic power save on hwsim: %v, want ErrNotSupported", err)
	}
}

func TestPAESocketCarriesEAPOLWithoutTheNL80211ControlPort(t *testing.T) {
	tb := newTestBackend(t)
	cli := tb.newTestIface(t, radio.IfP2PClient)
	err := cli.Connect(context.Background(), radio.ConnectRequest{BSSID: peer, Freq: 2437, SSID: []byte("DIRECT-ab"), Privacy: true, ControlPort: false})
	if err != nil {
		t.Fatal(err)
	}
	if req := tb.k.last(unix.NL80211_CMD_CONNECT); req.attrs.has(unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211) || !req.attrs.has(unix.NL80211_ATTR_SOCKET_OWNER) {
		t.Errorf("CONNECT %+v", req.attrs)
	}
	if diff := cmp.Diff([]int{testIfindex}, tb.pae.opened); diff != "" {
		t.Errorf("PAE sockets opened (-want +got):\n%s", diff)
	}
	if c, err := cli.SendEAPOL(context.Background(), peer, []byte("EAPOL")); err != nil || c != localCookieBase|1 {
		t.Fatalf("SendEAPOL: cookie %#x, %v", uint64(c), err)
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{peer.String() + " EAPOL"}, tb.pae.sent); diff != "" {
		t.Errorf("sent over PAE (-want +got):\n%s", diff)
	}
	// A PAE socket cannot tell whether the frame was acknowledged.
	waitEvent(t, cli, radio.EAPOLTxStatus{Cookie: localCookieBase | 1, Acked: true})
	tb.pae.deliver(peer, []byte("reply"))
	waitEvent(t, cli, radio.EAPOLReceived{Src: peer, PDU: []byte("reply")})
	if reqs := tb.k.requests(); len(reqs) != 0 {
		t.Errorf("EAPOL went to the kernel: %+v", reqs)
	}
}

func TestNetlinkErrorsMapToTheSeamsErrors(t *testing.T) {
	cases := []struct {
		errno unix.Errno
		want  error
	}{
		{unix.EOPNOTSUPP, radio.ErrNotSupported},
		{unix.EBUSY, radio.ErrBusy},
		{unix.ENODEV, radio.ErrNoDevice},
		{unix.EINVAL, radio.ErrInvalid},
		{unix.ENOLINK, radio.ErrNotConnected},
		{unix.ENOTCONN, radio.ErrNotConnected},
		{unix.ENOENT, unix.ENOENT},
	}
	for _, c := range cases {
		t.Run(c.errno.Error(), func(t *testing.T) {
			tb := newTestBackend(t)
			dev := tb.newTestIface(t, radio.IfP2PDevice)
			tb.k.fail(unix.NL80211_CMD_REMAIN_ON_CHANNEL, c.errno)
			_, err := dev.RemainOnChannel(context.Background(), 2437, time.Second)
			var re *radio.Error
			if !errors.As(err, &re) || !errors.Is(err, c.want) || re.Errno != int(c.errno) || re.Op != "REMAIN_ON_CHANNEL" {
				t.Errorf("err %#v, want %v with errno %d", err, c.want, c.errno)
			}
		})
	}
}

func TestRequestsEndWithTheirContext(t *testing.T) {
	tb := newTestBackend(t)
	dev := tb.newTestIface(t, radio.IfP2PDevice)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := dev.RemainOnChannel(ctx, 2437, time.Second)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

// waitEvent reads the next event and compares it.
func waitEvent(t *testing.T, i radio.Interface, want radio.Event) {
	t.Helper()
	select {
	case got := <-i.Events():
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("event (-want +got):\n%s", diff)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no event, want %+v", want)
	}
}

func TestNewInterfaceReportsTheKernelsRefusal(t *testing.T) {
	tb := newTestBackend(t)
	p := tb.phy0(t)
	tb.k.fail(unix.NL80211_CMD_NEW_INTERFACE, unix.EBUSY)
	_, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PGO})
	var re *radio.Error
	if !errors.As(err, &re) || !errors.Is(err, radio.ErrBusy) || re.Op != "NEW_INTERFACE" || re.Errno != int(unix.EBUSY) {
		t.Errorf("err %#v, want EBUSY as ErrBusy", err)
	}
	if len(tb.link.ops) != 0 {
		t.Errorf("link operations after a refusal: %v", tb.link.ops)
	}
}

// withoutTxStatus makes the interface's phy lack
// NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211_TX_STATUS.
func withoutTxStatus(i *iface) {
	i.p.mu.Lock()
	w := *i.p.w
	w.info.ControlPortTxStatus = false
	i.p.w = &w
	i.p.mu.Unlock()
}

func TestSendEAPOLReturnsTheKernelsCookieWhenThePhyReportsTxStatus(t *testing.T) {
	tb := newTestBackend(t)
	i := tb.newTestIface(t, radio.IfP2PClient)
	i.setLink(2437, true, nil)
	tb.k.reply(unix.NL80211_CMD_CONTROL_PORT_FRAME, cookieReply(t, 77))
	c, err := i.SendEAPOL(context.Background(), peer, []byte{2, 3, 0, 0})
	if err != nil || c != 77 {
		t.Fatalf("SendEAPOL: cookie %d, %v; want the kernel's 77", c, err)
	}
	// The kernel's NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS becomes the event.
	i.onEvent(kernelMsg(t, unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS, func(ae *netlink.AttributeEncoder) {
		ae.Uint64(unix.NL80211_ATTR_COOKIE, 77)
		ae.Bytes(unix.NL80211_ATTR_FRAME, []byte{2, 3, 0, 0})
	}))
	waitEvent(t, i, radio.EAPOLTxStatus{Cookie: 77, Acked: false})
}

func TestSendEAPOLReportsItsOwnAckedStatusWhenTheKernelCannot(t *testing.T) {
	tests := []struct {
		name  string
		setup func(i *iface)
	}{
		{"phy without the TX status feature", withoutTxStatus},
		{"kernel returned no cookie", func(*iface) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newTestBackend(t)
			i := tb.newTestIface(t, radio.IfP2PClient)
			tt.setup(i)
			i.setLink(2437, true, nil)
			c, err := i.SendEAPOL(context.Background(), peer, []byte{2, 3, 0, 0})
			if err != nil || c != localCookieBase|1 {
				t.Fatalf("SendEAPOL: cookie %#x, %v; want the first local cookie", uint64(c), err)
			}
			waitEvent(t, i, radio.EAPOLTxStatus{Cookie: c, Acked: true})
		})
	}
}

// eapolErr keeps the error of a SendEAPOL.
func eapolErr(_ radio.Cookie, err error) error { return err }

func TestAddressesAreAddedAndDeletedOnTheGroupNetdevOnly(t *testing.T) {
	tb := newTestBackend(t)
	p := tb.phy0(t)
	addr := ieee80211.MAC{0x02, 0x4e, 0x4c, 0, 0, 1}
	tb.k.reply(unix.NL80211_CMD_NEW_INTERFACE, newInterfaceReply(t, 9, 5, unix.NL80211_IFTYPE_P2P_GO, "p2p-go3", addr))
	gi, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PGO, Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	pfx := netip.MustParsePrefix("192.168.49.1/24")
	if err := gi.AddAddress(context.Background(), pfx); err != nil {
		t.Fatal(err)
	}
	if err := gi.DeleteAddress(context.Background(), pfx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"up 9", "ip 9 192.168.49.1/24", "ip del 9 192.168.49.1/24"}, tb.link.ops); diff != "" {
		t.Errorf("link operations (-want +got):\n%s", diff)
	}

	tb.k.reply(unix.NL80211_CMD_NEW_INTERFACE, newInterfaceReply(t, 0, 3, unix.NL80211_IFTYPE_P2P_DEVICE, "", own))
	di, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: radio.IfP2PDevice})
	if err != nil {
		t.Fatal(err)
	}
	if err := di.AddAddress(context.Background(), pfx); !errors.Is(err, radio.ErrNotSupported) {
		t.Errorf("AddAddress on a P2P Device: %v, want ErrNotSupported", err)
	}
}
