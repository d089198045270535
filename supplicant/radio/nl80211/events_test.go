package nl80211

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// kernelMsg builds an event as the kernel sends it about the test
// interface (wdev and ifindex of newTestIface).
func kernelMsg(t *testing.T, cmd uint8, fn func(ae *netlink.AttributeEncoder)) genetlink.Message {
	t.Helper()
	return genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: 1},
		Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_WIPHY, 0)
			ae.Uint32(unix.NL80211_ATTR_IFINDEX, testIfindex)
			ae.Uint64(unix.NL80211_ATTR_WDEV, testWdev)
			if fn != nil {
				fn(ae)
			}
		}),
	}
}

func TestParseEventReadsEachKernelEvent(t *testing.T) {
	frame := []byte{0xd0, 0, 0, 0, 1, 2, 3}
	cases := []struct {
		name string
		cmd  uint8
		fill func(ae *netlink.AttributeEncoder)
		want radio.Event
	}{
		{"received frame with frequency and signal", unix.NL80211_CMD_FRAME, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, 2437)
			ae.Int32(unix.NL80211_ATTR_RX_SIGNAL_DBM, -42)
			ae.Bytes(unix.NL80211_ATTR_FRAME, frame)
		}, radio.FrameReceived{Frame: frame, Freq: 2437, Signal: -4200}},
		{"TX status acked", unix.NL80211_CMD_FRAME_TX_STATUS, func(ae *netlink.AttributeEncoder) {
			ae.Uint64(unix.NL80211_ATTR_COOKIE, 77)
			ae.Flag(unix.NL80211_ATTR_ACK, true)
			ae.Bytes(unix.NL80211_ATTR_FRAME, frame)
		}, radio.TxStatus{Cookie: 77, Acked: true, Frame: frame}},
		{"TX status not acked", unix.NL80211_CMD_FRAME_TX_STATUS, func(ae *netlink.AttributeEncoder) {
			ae.Uint64(unix.NL80211_ATTR_COOKIE, 78)
		}, radio.TxStatus{Cookie: 78}},
		{"control port TX status acked", unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS, func(ae *netlink.AttributeEncoder) {
			ae.Uint64(unix.NL80211_ATTR_COOKIE, 79)
			ae.Flag(unix.NL80211_ATTR_ACK, true)
			ae.Bytes(unix.NL80211_ATTR_FRAME, []byte{2, 3, 0, 0})
		}, radio.EAPOLTxStatus{Cookie: 79, Acked: true}},
		{"control port TX status not acked", unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS, func(ae *netlink.AttributeEncoder) {
			ae.Uint64(unix.NL80211_ATTR_COOKIE, 80)
		}, radio.EAPOLTxStatus{Cookie: 80}},
		{"remain on channel ready", unix.NL80211_CMD_REMAIN_ON_CHANNEL, func(ae *netlink.AttributeEncoder) {
			ae.Uint64(unix.NL80211_ATTR_COOKIE, 5)
			ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, 2412)
			ae.Uint32(unix.NL80211_ATTR_DURATION, 300)
		}, radio.RemainOnChannelStarted{Cookie: 5, Freq: 2412, Duration: 300 * time.Millisecond}},
		{"remain on channel over", unix.NL80211_CMD_CANCEL_REMAIN_ON_CHANNEL, func(ae *netlink.AttributeEncoder) {
			ae.Uint64(unix.NL80211_ATTR_COOKIE, 5)
			ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, 2412)
		}, radio.RemainOnChannelExpired{Cookie: 5, Freq: 2412}},
		{"scan results", unix.NL80211_CMD_NEW_SCAN_RESULTS, nil, radio.ScanDone{}},
		{"scan aborted", unix.NL80211_CMD_SCAN_ABORTED, nil, radio.ScanDone{Aborted: true}},
		{"connected", unix.NL80211_CMD_CONNECT, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(unix.NL80211_ATTR_MAC, peer[:])
			ae.Uint16(unix.NL80211_ATTR_STATUS_CODE, 0)
			ae.Bytes(unix.NL80211_ATTR_REQ_IE, []byte{0, 1, 'a'})
			ae.Bytes(unix.NL80211_ATTR_RESP_IE, []byte{1, 1, 0x8c})
		}, radio.Connected{BSSID: peer, Status: 0, ReqIEs: []byte{0, 1, 'a'}, RespIEs: []byte{1, 1, 0x8c}}},
		{"connection timed out", unix.NL80211_CMD_CONNECT, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(unix.NL80211_ATTR_MAC, peer[:])
			ae.Uint16(unix.NL80211_ATTR_STATUS_CODE, 1)
			ae.Flag(unix.NL80211_ATTR_TIMED_OUT, true)
		}, radio.Connected{BSSID: peer, Status: 1, TimedOut: true}},
		{"disconnected by the AP", unix.NL80211_CMD_DISCONNECT, func(ae *netlink.AttributeEncoder) {
			ae.Uint16(unix.NL80211_ATTR_REASON_CODE, 3)
			ae.Flag(unix.NL80211_ATTR_DISCONNECTED_BY_AP, true)
		}, radio.Disconnected{Reason: 3}},
		{"disconnected by us", unix.NL80211_CMD_DISCONNECT, func(ae *netlink.AttributeEncoder) {
			ae.Uint16(unix.NL80211_ATTR_REASON_CODE, 3)
		}, radio.Disconnected{Reason: 3, ByUs: true}},
		{"station removed", unix.NL80211_CMD_DEL_STATION, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(unix.NL80211_ATTR_MAC, peer[:])
		}, radio.StationRemoved{Addr: peer}},
		{"EAPOL over the control port, in the clear", unix.NL80211_CMD_CONTROL_PORT_FRAME, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(unix.NL80211_ATTR_MAC, peer[:])
			ae.Uint16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, unix.ETH_P_PAE)
			ae.Flag(unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT, true)
			ae.Bytes(unix.NL80211_ATTR_FRAME, []byte{2, 3, 0, 0})
		}, radio.EAPOLReceived{Src: peer, PDU: []byte{2, 3, 0, 0}}},
		{"EAPOL over the control port, protected", unix.NL80211_CMD_CONTROL_PORT_FRAME, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(unix.NL80211_ATTR_MAC, peer[:])
			ae.Uint16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, unix.ETH_P_PAE)
			ae.Bytes(unix.NL80211_ATTR_FRAME, []byte{2, 3, 0, 0})
		}, radio.EAPOLReceived{Src: peer, PDU: []byte{2, 3, 0, 0}, Encrypted: true}},
		{"pre-authentication over the control port is not EAPOL", unix.NL80211_CMD_CONTROL_PORT_FRAME, func(ae *netlink.AttributeEncoder) {
			ae.Uint16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, 0x88c7)
		}, nil},
		{"interface deleted", unix.NL80211_CMD_DEL_INTERFACE, nil, radio.InterfaceRemoved{}},
		{"scan started", unix.NL80211_CMD_TRIGGER_SCAN, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := parseEvent(kernelMsg(t, c.cmd, c.fill))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, k.ev); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
			if k.wiphy != 0 || k.ifindex != testIfindex || !k.hasWdev || k.wdev != testWdev {
				t.Errorf("identity %+v", k)
			}
		})
	}
}

func TestParseEventRejectsAttributesOfTheWrongSize(t *testing.T) {
	cases := map[string]genetlink.Message{
		"cookie of 4 octets":  {Header: genetlink.Header{Command: unix.NL80211_CMD_FRAME_TX_STATUS}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) { ae.Uint32(unix.NL80211_ATTR_COOKIE, 1) })},
		"address of 5 octets": {Header: genetlink.Header{Command: unix.NL80211_CMD_DEL_STATION}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) { ae.Bytes(unix.NL80211_ATTR_MAC, []byte{1, 2, 3, 4, 5}) })},
		"flag with data":      {Header: genetlink.Header{Command: unix.NL80211_CMD_FRAME_TX_STATUS}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) { ae.Uint8(unix.NL80211_ATTR_ACK, 1) })},
		"wdev of 4 octets":    {Header: genetlink.Header{Command: unix.NL80211_CMD_NEW_SCAN_RESULTS}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) { ae.Uint32(unix.NL80211_ATTR_WDEV, 1) })},
		"truncated attribute": {Header: genetlink.Header{Command: unix.NL80211_CMD_FRAME}, Data: []byte{12, 0, unix.NL80211_ATTR_FRAME, 0, 1}},
	}
	for name, m := range cases {
		if _, err := parseEvent(m); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestInterfaceEventsAreFilteredByWdevOrIfindex(t *testing.T) {
	tb := newTestBackend(t)
	dev := tb.newTestIface(t, radio.IfP2PDevice)
	other := genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_NEW_SCAN_RESULTS}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
		ae.Uint64(unix.NL80211_ATTR_WDEV, testWdev+1)
	})}
	byIndexOnly := genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_NEW_SCAN_RESULTS}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_IFINDEX, testIfindex)
	})}
	mine := genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_SCAN_ABORTED}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
		ae.Uint64(unix.NL80211_ATTR_WDEV, testWdev)
	})}
	dev.onEvent(other)
	dev.onEvent(byIndexOnly) // a P2P device has no ifindex
	dev.onEvent(mine)
	waitEvent(t, dev, radio.ScanDone{Aborted: true})

	cli := tb.newTestIface(t, radio.IfP2PClient)
	cli.onEvent(byIndexOnly)
	waitEvent(t, cli, radio.ScanDone{})
}

func TestClientEventsTrackTheOperatingFrequency(t *testing.T) {
	tb := newTestBackend(t)
	cli := tb.newTestIface(t, radio.IfP2PClient)
	if err := cli.Connect(t.Context(), radio.ConnectRequest{BSSID: peer, Freq: 2437, SSID: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	cli.onEvent(kernelMsg(t, unix.NL80211_CMD_CONNECT, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(unix.NL80211_ATTR_MAC, peer[:])
		ae.Uint16(unix.NL80211_ATTR_STATUS_CODE, 0)
	}))
	// The CONNECT event has no frequency: the request's is reported.
	waitEvent(t, cli, radio.Connected{BSSID: peer, Freq: 2437})
	if f := cli.Info().Freq; f != 2437 {
		t.Errorf("Freq %d while connected", f)
	}
	// The kernel's removal of the AP's station entry is not the seam's
	// StationRemoved, which is about an AP's stations.
	cli.onEvent(kernelMsg(t, unix.NL80211_CMD_DEL_STATION, func(ae *netlink.AttributeEncoder) { ae.Bytes(unix.NL80211_ATTR_MAC, peer[:]) }))
	cli.onEvent(kernelMsg(t, unix.NL80211_CMD_DISCONNECT, func(ae *netlink.AttributeEncoder) {
		ae.Uint16(unix.NL80211_ATTR_REASON_CODE, 7)
		ae.Flag(unix.NL80211_ATTR_DISCONNECTED_BY_AP, true)
	}))
	waitEvent(t, cli, radio.Disconnected{Reason: 7})
	if f := cli.Info().Freq; f != 0 {
		t.Errorf("Freq %d after Disconnected", f)
	}
}

func TestInterfaceDeletionEndsTheEventStream(t *testing.T) {
	tb := newTestBackend(t)
	gi := tb.newTestIface(t, radio.IfP2PGO)
	gi.onEvent(kernelMsg(t, unix.NL80211_CMD_DEL_STATION, func(ae *netlink.AttributeEncoder) { ae.Bytes(unix.NL80211_ATTR_MAC, peer[:]) }))
	gi.onEvent(kernelMsg(t, unix.NL80211_CMD_DEL_INTERFACE, nil))
	gi.onEvent(kernelMsg(t, unix.NL80211_CMD_NEW_SCAN_RESULTS, nil)) // after the end: dropped
	waitEvent(t, gi, radio.StationRemoved{Addr: peer})
	waitEvent(t, gi, radio.InterfaceRemoved{})
	if _, open := <-gi.Events(); open {
		t.Error("stream open after InterfaceRemoved")
	}
	if err := gi.StopAP(t.Context()); !errors.Is(err, radio.ErrNoDevice) {
		t.Errorf("StopAP on a deleted interface: %v, want ErrNoDevice", err)
	}
	tb.mu.Lock()
	n := len(tb.ifaces)
	tb.mu.Unlock()
	if n != 0 {
		t.Errorf("backend still tracks %d interfaces", n)
	}
}

func TestPhyRemovalRemovesItsInterfacesThenClosesRemoved(t *testing.T) {
	tb := newTestBackend(t)
	gi := tb.newTestIface(t, radio.IfP2PGO)
	p := gi.p
	tb.onEvent(genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_DEL_WIPHY}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_WIPHY, 0)
	})})
	select {
	case <-p.Removed():
	case <-time.After(5 * time.Second):
		t.Fatal("Removed not closed")
	}
	waitEvent(t, gi, radio.InterfaceRemoved{})
	if _, err := p.NewInterface(t.Context(), radio.InterfaceConfig{Type: radio.IfP2PDevice}); !errors.Is(err, radio.ErrNoDevice) {
		t.Errorf("NewInterface on a removed phy: %v, want ErrNoDevice", err)
	}
}

func TestSocketOverrunBecomesEventsLost(t *testing.T) {
	tb := newTestBackend(t)
	dev := tb.newTestIface(t, radio.IfP2PDevice)
	dev.onEvent(kernelMsg(t, unix.NL80211_CMD_NEW_SCAN_RESULTS, nil))
	dev.onLost()
	dev.onEvent(kernelMsg(t, unix.NL80211_CMD_SCAN_ABORTED, nil))
	waitEvent(t, dev, radio.ScanDone{})
	waitEvent(t, dev, radio.EventsLost{Count: 1})
	waitEvent(t, dev, radio.ScanDone{Aborted: true})
}

func TestBackendOverrunRereadsPhysAndDropsVanishedInterfaces(t *testing.T) {
	tb := newTestBackend(t)
	gi := tb.newTestIface(t, radio.IfP2PGO)
	// The kernel lists no interface any more (its DEL_INTERFACE was lost).
	tb.k.reply(unix.NL80211_CMD_GET_INTERFACE, func(sentRequest) ([]genetlink.Message, error) {
		return []genetlink.Message{{Data: mustEncode(t, func(ae *netlink.AttributeEncoder) { ae.Uint64(unix.NL80211_ATTR_WDEV, 1) })}}, nil
	})
	tb.onLost()
	waitEvent(t, gi, radio.InterfaceRemoved{})
	var cmds []uint8
	for _, r := range tb.k.requests() {
		cmds = append(cmds, r.cmd)
	}
	if diff := cmp.Diff([]uint8{unix.NL80211_CMD_GET_WIPHY, unix.NL80211_CMD_GET_INTERFACE}, cmds); diff != "" {
		t.Errorf("resynchronisation requests (-want +got):\n%s", diff)
	}
}

func TestOverrunRereadsTheInterfaceFrequency(t *testing.T) {
	tb := newTestBackend(t)
	gi := tb.newTestIface(t, radio.IfP2PGO)
	tb.k.reply(unix.NL80211_CMD_GET_INTERFACE, func(sentRequest) ([]genetlink.Message, error) {
		return []genetlink.Message{{Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
			ae.Uint32(unix.NL80211_ATTR_IFINDEX, testIfindex)
			ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, 2462)
		})}}, nil
	})
	gi.onLost()
	waitEvent(t, gi, radio.EventsLost{Count: 1})
	deadline := time.Now().Add(5 * time.Second)
	for gi.Info().Freq != 2462 {
		if time.Now().After(deadline) {
			t.Fatalf("Freq %d after the resynchronisation, want 2462", gi.Info().Freq)
		}
		time.Sleep(10 * time.Millisecond)
	}
	req := tb.k.last(unix.NL80211_CMD_GET_INTERFACE)
	if diff := cmp.Diff(attrs{unix.NL80211_ATTR_IFINDEX: ifindexAttr}, req.attrs); diff != "" {
		t.Errorf("GET_INTERFACE (-want +got):\n%s", diff)
	}
}

func TestOverrunFindsAVanishedInterface(t *testing.T) {
	tb := newTestBackend(t)
	dev := tb.newTestIface(t, radio.IfP2PDevice)
	tb.k.fail(unix.NL80211_CMD_GET_INTERFACE, unix.ENODEV)
	dev.onLost()
	waitEvent(t, dev, radio.EventsLost{Count: 1})
	waitEvent(t, dev, radio.InterfaceRemoved{})
}
