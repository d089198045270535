package nl80211

import (
	"time"

	"github.com/mdlayher/genetlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// kernelEvent is one kernel message read for dispatch: which wiphy and wdev
// it concerns, and the seam event it carries (nil when it carries none).
type kernelEvent struct {
	cmd     uint8
	wiphy   int // -1 when absent
	ifindex int // 0 when absent
	wdev    uint64
	hasWdev bool
	ev      radio.Event
}

// concerns reports whether the message is about the interface with this
// wdev id and ifindex (0 for a P2P device): the kernel names a wdev by
// NL80211_ATTR_WDEV, a netdev by NL80211_ATTR_IFINDEX, and often both.
func (k kernelEvent) concerns(wdev uint64, ifindex int) bool {
	if k.hasWdev {
		return wdev != 0 && k.wdev == wdev
	}
	return ifindex != 0 && k.ifindex == ifindex
}

// parseEvent reads a kernel event (a multicast message of the config,
// scan, mlme or regulatory group, or a unicast registered frame or control
// port frame).
func parseEvent(m genetlink.Message) (kernelEvent, error) {
	a, err := parseAttrs(m.Data)
	if err != nil {
		return kernelEvent{}, err
	}
	r := reader{a: a}
	k := kernelEvent{cmd: m.Header.Command, wiphy: -1}
	if a.has(unix.NL80211_ATTR_WIPHY) {
		k.wiphy = int(r.u32(unix.NL80211_ATTR_WIPHY))
	}
	k.ifindex = int(r.u32(unix.NL80211_ATTR_IFINDEX))
	if a.has(unix.NL80211_ATTR_WDEV) {
		k.wdev = r.u64(unix.NL80211_ATTR_WDEV)
		k.hasWdev = true
	}
	switch m.Header.Command {
	case unix.NL80211_CMD_FRAME:
		k.ev = radio.FrameReceived{
			Frame:  a.bytes(unix.NL80211_ATTR_FRAME),
			Freq:   int(r.u32(unix.NL80211_ATTR_WIPHY_FREQ)),
			Signal: int(int32(r.u32(unix.NL80211_ATTR_RX_SIGNAL_DBM))) * 100,
		}
	case unix.NL80211_CMD_FRAME_TX_STATUS:
		k.ev = radio.TxStatus{
			Cookie: radio.Cookie(r.u64(unix.NL80211_ATTR_COOKIE)),
			Acked:  r.flag(unix.NL80211_ATTR_ACK),
			Frame:  a.bytes(unix.NL80211_ATTR_FRAME),
		}
	case unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS:
		k.ev = radio.EAPOLTxStatus{
			Cookie: radio.Cookie(r.u64(unix.NL80211_ATTR_COOKIE)),
			Acked:  r.flag(unix.NL80211_ATTR_ACK),
		}
	case unix.NL80211_CMD_REMAIN_ON_CHANNEL:
		k.ev = radio.RemainOnChannelStarted{
			Cookie:   radio.Cookie(r.u64(unix.NL80211_ATTR_COOKIE)),
			Freq:     int(r.u32(unix.NL80211_ATTR_WIPHY_FREQ)),
			Duration: time.Duration(r.u32(unix.NL80211_ATTR_DURATION)) * time.Millisecond,
		}
	case unix.NL80211_CMD_CANCEL_REMAIN_ON_CHANNEL:
		k.ev = radio.RemainOnChannelExpired{
			Cookie: radio.Cookie(r.u64(unix.NL80211_ATTR_COOKIE)),
			Freq:   int(r.u32(unix.NL80211_ATTR_WIPHY_FREQ)),
		}
	case unix.NL80211_CMD_NEW_SCAN_RESULTS:
		k.ev = radio.ScanDone{}
	case unix.NL80211_CMD_SCAN_ABORTED:
		k.ev = radio.ScanDone{Aborted: true}
	case unix.NL80211_CMD_CONNECT:
		k.ev = radio.Connected{
			BSSID:    r.mac(unix.NL80211_ATTR_MAC),
			Freq:     int(r.u32(unix.NL80211_ATTR_WIPHY_FREQ)),
			Status:   r.u16(unix.NL80211_ATTR_STATUS_CODE),
			TimedOut: r.flag(unix.NL80211_ATTR_TIMED_OUT),
			ReqIEs:   a.bytes(unix.NL80211_ATTR_REQ_IE),
			RespIEs:  a.bytes(unix.NL80211_ATTR_RESP_IE),
		}
	case unix.NL80211_CMD_DISCONNECT:
		k.ev = radio.Disconnected{
			Reason: r.u16(unix.NL80211_ATTR_REASON_CODE),
			ByUs:   !r.flag(unix.NL80211_ATTR_DISCONNECTED_BY_AP),
		}
	case unix.NL80211_CMD_DEL_STATION:
		k.ev = radio.StationRemoved{Addr: r.mac(unix.NL80211_ATTR_MAC)}
	case unix.NL80211_CMD_CONTROL_PORT_FRAME:
		proto := r.u16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE)
		if proto == 0 || proto == unix.ETH_P_PAE {
			k.ev = radio.EAPOLReceived{
				Src:       r.mac(unix.NL80211_ATTR_MAC),
				PDU:       a.bytes(unix.NL80211_ATTR_FRAME),
				Encrypted: !r.flag(unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT),
			}
		}
	case unix.NL80211_CMD_DEL_INTERFACE:
		k.ev = radio.InterfaceRemoved{}
	}
	if r.err != nil {
		return kernelEvent{}, r.err
	}
	return k, nil
}
