package nl80211

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// The recorded scan dump (testdata/scan-hwsim.nlmsgs, recorded by
// TestHwsimScanFindsGOWithItsElements) holds the test GO as heard in its
// beacons on channel 6.
func TestParseScanDumpOfTheRecordingReadsTheGOsBeacon(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	bss, err := parseScanDump(loadRecording(t, "scan-hwsim.nlmsgs"), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(bss) != 1 {
		t.Fatalf("%d BSSs, want 1", len(bss))
	}
	b := bss[0]
	goAddr := ieee80211.MAC{0x02, 0x4e, 0x4c, 0x00, 0x0a, 0x02}
	if b.BSSID != goAddr || b.Freq != 2437 || b.BeaconInterval != 100 || b.Capability != capGO || b.ProbeResp || b.Signal >= 0 || b.Signal < -10000 {
		t.Errorf("BSS %+v", b)
	}
	if !bytes.Equal(b.IEs, b.BeaconIEs) || !bytes.Contains(b.BeaconIEs, goRSN) || !bytes.Contains(b.BeaconIEs, goP2PIE) {
		t.Errorf("elements %x / beacon %x", b.IEs, b.BeaconIEs)
	}
	if b.Seen.After(now) || now.Sub(b.Seen) > time.Minute {
		t.Errorf("seen %v before %v", now.Sub(b.Seen), now)
	}
}

func bssMsg(t *testing.T, fn func(ae *netlink.AttributeEncoder)) genetlink.Message {
	t.Helper()
	return genetlink.Message{Header: genetlink.Header{Command: unix.NL80211_CMD_NEW_SCAN_RESULTS}, Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_GENERATION, 3)
		ae.Nested(unix.NL80211_ATTR_BSS, func(n *netlink.AttributeEncoder) error {
			fn(n)
			return nil
		})
	})}
}

func TestParseScanDumpTellsProbeResponseElementsFromBeaconElements(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	presp := []byte{0, 2, 'h', 'i', 0xdd, 0x04, 0x50, 0x6f, 0x9a, 0x09}
	beacon := []byte{0, 2, 'h', 'i'}
	msgs := []genetlink.Message{bssMsg(t, func(n *netlink.AttributeEncoder) {
		n.Bytes(unix.NL80211_BSS_BSSID, peer[:])
		n.Uint32(unix.NL80211_BSS_FREQUENCY, 2412)
		n.Uint64(unix.NL80211_BSS_TSF, 123456)
		n.Uint16(unix.NL80211_BSS_BEACON_INTERVAL, 100)
		n.Uint16(unix.NL80211_BSS_CAPABILITY, 0x0431)
		n.Bytes(unix.NL80211_BSS_INFORMATION_ELEMENTS, presp)
		n.Int32(unix.NL80211_BSS_SIGNAL_MBM, -5500)
		n.Uint32(unix.NL80211_BSS_SEEN_MS_AGO, 250)
		n.Bytes(unix.NL80211_BSS_BEACON_IES, beacon)
		n.Flag(unix.NL80211_BSS_PRESP_DATA, true)
	})}
	got, err := parseScanDump(msgs, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []radio.BSS{{
		BSSID: peer, Freq: 2412, Signal: -5500, BeaconInterval: 100, Capability: 0x0431, TSF: 123456,
		IEs: presp, BeaconIEs: beacon, ProbeResp: true, Seen: now.Add(-250 * time.Millisecond),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("BSS (-want +got):\n%s", diff)
	}
}

func TestParseScanDumpRejectsMalformedEntries(t *testing.T) {
	cases := map[string]genetlink.Message{
		"no BSSID":          bssMsg(t, func(n *netlink.AttributeEncoder) { n.Uint32(unix.NL80211_BSS_FREQUENCY, 2412) }),
		"BSSID of 4 octets": bssMsg(t, func(n *netlink.AttributeEncoder) { n.Uint32(unix.NL80211_BSS_BSSID, 1) }),
		"TSF of 4 octets": bssMsg(t, func(n *netlink.AttributeEncoder) {
			n.Bytes(unix.NL80211_BSS_BSSID, peer[:])
			n.Uint32(unix.NL80211_BSS_TSF, 1)
		}),
		"truncated BSS nest": {Data: []byte{8, 0, unix.NL80211_ATTR_BSS, 0x80, 8, 0, 1, 0}},
	}
	for name, m := range cases {
		if _, err := parseScanDump([]genetlink.Message{m}, time.Now()); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestScanResultsDumpsTheInterfacesBSSTable(t *testing.T) {
	tb := newTestBackend(t)
	dev := tb.newTestIface(t, radio.IfP2PDevice)
	recorded := loadRecording(t, "scan-hwsim.nlmsgs")
	tb.k.reply(unix.NL80211_CMD_GET_SCAN, func(sentRequest) ([]genetlink.Message, error) { return recorded, nil })
	bss, err := dev.ScanResults(context.Background())
	if err != nil || len(bss) != 1 {
		t.Fatalf("ScanResults: %d, %v", len(bss), err)
	}
	req := tb.k.last(unix.NL80211_CMD_GET_SCAN)
	if req.flags != netlink.Request|netlink.Dump {
		t.Errorf("flags %v, want request|dump", req.flags)
	}
	if diff := cmp.Diff(attrs{unix.NL80211_ATTR_WDEV: u64b(testWdev)}, req.attrs); diff != "" {
		t.Errorf("GET_SCAN (-want +got):\n%s", diff)
	}
}
