package nl80211

import (
	"context"
	"fmt"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// TriggerScan starts a scan (NL80211_CMD_TRIGGER_SCAN): frequencies
// (NL80211_ATTR_SCAN_FREQUENCIES), probe request SSIDs
// (NL80211_ATTR_SCAN_SSIDS; none makes the scan passive), extra elements
// (NL80211_ATTR_IE), NL80211_ATTR_TX_NO_CCK_RATE, NL80211_SCAN_FLAG_FLUSH.
// Dwell is sent as NL80211_ATTR_MEASUREMENT_DURATION only when the phy has
// NL80211_EXT_FEATURE_SET_SCAN_DWELL, and is otherwise left to the radio.
func (i *iface) TriggerScan(ctx context.Context, req radio.ScanRequest) error {
	const op = "TRIGGER_SCAN"
	w := i.p.wiphy()
	for _, f := range req.Freqs {
		if err := i.checkFreq(op, f, false); err != nil {
			return err
		}
	}
	if w.info.MaxScanSSIDs > 0 && len(req.SSIDs) > w.info.MaxScanSSIDs {
		return localError(op, radio.ErrInvalid, "%d SSIDs, the phy takes %d", len(req.SSIDs), w.info.MaxScanSSIDs)
	}
	if w.info.MaxScanIELen > 0 && len(req.IEs) > w.info.MaxScanIELen {
		return localError(op, radio.ErrInvalid, "%d octets of elements, the phy takes %d", len(req.IEs), w.info.MaxScanIELen)
	}
	dwell := req.Dwell > 0 && w.hasExtFeature(unix.NL80211_EXT_FEATURE_SET_SCAN_DWELL)
	_, err := i.request(ctx, unix.NL80211_CMD_TRIGGER_SCAN, func(ae *netlink.AttributeEncoder) {
		if len(req.Freqs) > 0 {
			ae.Nested(unix.NL80211_ATTR_SCAN_FREQUENCIES, func(nae *netlink.AttributeEncoder) error {
				for n, f := range req.Freqs {
					nae.Uint32(uint16(n+1), uint32(f))
				}
				return nil
			})
		}
		if len(req.SSIDs) > 0 {
			ae.Nested(unix.NL80211_ATTR_SCAN_SSIDS, func(nae *netlink.AttributeEncoder) error {
				for n, s := range req.SSIDs {
					nae.Bytes(uint16(n+1), s)
				}
				return nil
			})
		}
		if len(req.IEs) > 0 {
			ae.Bytes(unix.NL80211_ATTR_IE, req.IEs)
		}
		ae.Flag(unix.NL80211_ATTR_TX_NO_CCK_RATE, req.NoCCK)
		if req.Flush {
			ae.Uint32(unix.NL80211_ATTR_SCAN_FLAGS, unix.NL80211_SCAN_FLAG_FLUSH)
		}
		if dwell {
			// Time units of 1024 us (IEEE Std 802.11-2020, 3.1).
			tu := (req.Dwell + 1023*time.Microsecond) / (1024 * time.Microsecond)
			ae.Uint16(unix.NL80211_ATTR_MEASUREMENT_DURATION, uint16(min(tu, 0xffff)))
		}
	})
	return err
}

// AbortScan stops a running scan (NL80211_CMD_ABORT_SCAN).
func (i *iface) AbortScan(ctx context.Context) error {
	_, err := i.request(ctx, unix.NL80211_CMD_ABORT_SCAN, nil)
	return err
}

// ScanResults dumps the radio's BSS table (NL80211_CMD_GET_SCAN).
func (i *iface) ScanResults(ctx context.Context) ([]radio.BSS, error) {
	const op = "GET_SCAN"
	if err := i.begin(op); err != nil {
		return nil, err
	}
	defer i.end()
	msgs, err := i.do(ctx, unix.NL80211_CMD_GET_SCAN, true, i.targetAttrs())
	if err != nil {
		return nil, err
	}
	bss, err := parseScanDump(msgs, i.b.clk.Now())
	if err != nil {
		return nil, &radio.Error{Op: op, Err: err}
	}
	return bss, nil
}

// parseScanDump reads the messages of a scan dump; now dates the results
// (NL80211_BSS_SEEN_MS_AGO).
func parseScanDump(msgs []genetlink.Message, now time.Time) ([]radio.BSS, error) {
	out := make([]radio.BSS, 0, len(msgs))
	for _, m := range msgs {
		b, ok, err := parseBSS(m.Data, now)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// parseBSS reads NL80211_ATTR_BSS of one scan dump message.
func parseBSS(data []byte, now time.Time) (radio.BSS, bool, error) {
	top, err := parseAttrs(data)
	if err != nil {
		return radio.BSS{}, false, err
	}
	nb, ok := top[unix.NL80211_ATTR_BSS]
	if !ok {
		return radio.BSS{}, false, nil
	}
	a, err := parseAttrs(nb)
	if err != nil {
		return radio.BSS{}, false, err
	}
	r := reader{a: a}
	b := radio.BSS{
		BSSID:          r.mac(unix.NL80211_BSS_BSSID),
		Freq:           int(r.u32(unix.NL80211_BSS_FREQUENCY)),
		Signal:         int(int32(r.u32(unix.NL80211_BSS_SIGNAL_MBM))),
		BeaconInterval: r.u16(unix.NL80211_BSS_BEACON_INTERVAL),
		Capability:     r.u16(unix.NL80211_BSS_CAPABILITY),
		TSF:            r.u64(unix.NL80211_BSS_TSF),
		IEs:            a.bytes(unix.NL80211_BSS_INFORMATION_ELEMENTS),
		BeaconIEs:      a.bytes(unix.NL80211_BSS_BEACON_IES),
		ProbeResp:      r.flag(unix.NL80211_BSS_PRESP_DATA),
	}
	ago := time.Duration(r.u32(unix.NL80211_BSS_SEEN_MS_AGO)) * time.Millisecond
	if r.err != nil {
		return radio.BSS{}, false, r.err
	}
	if !a.has(unix.NL80211_BSS_BSSID) {
		return radio.BSS{}, false, fmt.Errorf("%w: BSS without a BSSID", ErrMalformed)
	}
	b.Seen = now.Add(-ago)
	return b, true, nil
}
