package nl80211

import (
	"context"
	"encoding/binary"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Defaults of a BSS when the caller leaves them 0.
const (
	defaultBeaconInterval = 100 // TU
	defaultDTIMPeriod     = 2
)

// beaconHeadMin is a beacon header up to the SSID: the MAC header and the
// fixed fields (Timestamp, Beacon Interval, Capability Information).
const beaconHeadMin = 24 + 8 + 2 + 2

// putBeacon adds the beacon and response templates: NL80211_ATTR_BEACON_HEAD,
// NL80211_ATTR_BEACON_TAIL, NL80211_ATTR_IE_PROBE_RESP,
// NL80211_ATTR_IE_ASSOC_RESP, and NL80211_ATTR_PROBE_RESP when the phy
// answers probe requests itself.
func putBeacon(ae *netlink.AttributeEncoder, b radio.BeaconData, probeRespOffload bool) {
	ae.Bytes(unix.NL80211_ATTR_BEACON_HEAD, b.Head)
	if len(b.Tail) > 0 {
		ae.Bytes(unix.NL80211_ATTR_BEACON_TAIL, b.Tail)
	}
	if len(b.ProbeRespIEs) > 0 {
		ae.Bytes(unix.NL80211_ATTR_IE_PROBE_RESP, b.ProbeRespIEs)
	}
	if len(b.AssocRespIEs) > 0 {
		ae.Bytes(unix.NL80211_ATTR_IE_ASSOC_RESP, b.AssocRespIEs)
	}
	if len(b.ProbeResp) > 0 && probeRespOffload {
		ae.Bytes(unix.NL80211_ATTR_PROBE_RESP, b.ProbeResp)
	}
}

func (i *iface) isAP() bool {
	t := i.Info().Type
	return t == radio.IfAP || t == radio.IfP2PGO
}

// StartAP starts the BSS (NL80211_CMD_START_AP): templates, beacon
// interval, DTIM period, SSID (hidden as a zero-length SSID), privacy, open
// authentication, the channel (NL80211_ATTR_WIPHY_FREQ, 20 MHz without HT),
// RSN crypto settings read from the RSN element of the beacon tail,
// NL80211_ATTR_SOCKET_OWNER (the kernel stops the AP if our socket closes)
// and, when asked and the phy can, NL80211_ATTR_CONTROL_PORT_OVER_NL80211;
// otherwise EAPOL uses a PAE socket on the netdev. On a P2P GO, a CTWindow
// and opportunistic power save are sent when set (the phy must have
// NL80211_FEATURE_P2P_GO_CTWIN / _OPPPS, else ErrNotSupported).
func (i *iface) StartAP(ctx context.Context, cfg radio.APConfig) error {
	const op = "START_AP"
	info := i.Info()
	if !i.isAP() {
		return localError(op, radio.ErrNotSupported, "%v interface", info.Type)
	}
	if cfg.Freq <= 0 {
		return localError(op, radio.ErrInvalid, "no frequency")
	}
	if len(cfg.Beacon.Head) < beaconHeadMin {
		return localError(op, radio.ErrInvalid, "beacon head of %d octets", len(cfg.Beacon.Head))
	}
	if len(cfg.SSID) == 0 || len(cfg.SSID) > ieee80211.MaxSSIDLen {
		return localError(op, radio.ErrInvalid, "SSID of %d octets", len(cfg.SSID))
	}
	if err := i.checkFreq(op, cfg.Freq, true); err != nil {
		return err
	}
	w := i.p.wiphy()
	isGO := info.Type == radio.IfP2PGO
	if isGO && cfg.P2PCTWindow != 0 && !w.hasFeature(unix.NL80211_FEATURE_P2P_GO_CTWIN) {
		return localError(op, radio.ErrNotSupported, "phy has no P2P GO CTWindow")
	}
	if isGO && cfg.P2POppPS && !w.hasFeature(unix.NL80211_FEATURE_P2P_GO_OPPPS) {
		return localError(op, radio.ErrNotSupported, "phy has no P2P GO opportunistic power save")
	}
	useNL := cfg.ControlPort && w.info.ControlPortOverNL
	var pae paeConn
	if !useNL {
		var err error
		if pae, err = i.openPAE(); err != nil {
			return mapError(op, err)
		}
	}
	interval := uint32(cfg.BeaconInterval)
	if interval == 0 {
		interval = defaultBeaconInterval
	}
	dtim := uint32(cfg.DTIMPeriod)
	if dtim == 0 {
		dtim = defaultDTIMPeriod
	}
	rsn, hasRSN := findRSN(cfg.Beacon.Tail)
	_, err := i.request(ctx, unix.NL80211_CMD_START_AP, func(ae *netlink.AttributeEncoder) {
		putBeacon(ae, cfg.Beacon, w.info.ProbeRespOffload)
		ae.Uint32(unix.NL80211_ATTR_BEACON_INTERVAL, interval)
		ae.Uint32(unix.NL80211_ATTR_DTIM_PERIOD, dtim)
		ae.Bytes(unix.NL80211_ATTR_SSID, cfg.SSID)
		hidden := uint32(unix.NL80211_HIDDEN_SSID_NOT_IN_USE)
		if cfg.HiddenSSID {
			hidden = unix.NL80211_HIDDEN_SSID_ZERO_LEN
		}
		ae.Uint32(unix.NL80211_ATTR_HIDDEN_SSID, hidden)
		ae.Flag(unix.NL80211_ATTR_PRIVACY, cfg.Privacy)
		ae.Uint32(unix.NL80211_ATTR_AUTH_TYPE, unix.NL80211_AUTHTYPE_OPEN_SYSTEM)
		ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, uint32(cfg.Freq))
		ae.Uint32(unix.NL80211_ATTR_CHANNEL_WIDTH, unix.NL80211_CHAN_WIDTH_20_NOHT)
		ae.Uint32(unix.NL80211_ATTR_CENTER_FREQ1, uint32(cfg.Freq))
		if cfg.Privacy && hasRSN {
			putCrypto(ae, rsn)
		}
		ae.Uint16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, unix.ETH_P_PAE)
		ae.Flag(unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211, useNL)
		ae.Flag(unix.NL80211_ATTR_SOCKET_OWNER, true)
		if isGO && cfg.P2PCTWindow != 0 {
			ae.Uint8(unix.NL80211_ATTR_P2P_CTWINDOW, cfg.P2PCTWindow)
		}
		if isGO && cfg.P2POppPS {
			ae.Uint8(unix.NL80211_ATTR_P2P_OPPPS, 1)
		}
	})
	if err != nil {
		if pae != nil {
			pae.close()
		}
		return err
	}
	i.setLink(cfg.Freq, useNL, pae)
	return nil
}

// setLink records a started BSS or a connection attempt: its frequency,
// which control port carries EAPOL, and no pairwise keys yet.
func (i *iface) setLink(freq int, ctrlPort bool, pae paeConn) {
	i.mu.Lock()
	old := i.pae
	i.info.Freq = freq
	i.ctrlPort = ctrlPort
	i.pae = pae
	clear(i.ptk)
	i.mu.Unlock()
	if old != nil && old != pae {
		old.close()
	}
}

// SetBeacon replaces the templates of a running BSS (NL80211_CMD_SET_BEACON).
func (i *iface) SetBeacon(ctx context.Context, b radio.BeaconData) error {
	const op = "SET_BEACON"
	if !i.isAP() {
		return localError(op, radio.ErrNotSupported, "%v interface", i.Info().Type)
	}
	if len(b.Head) < beaconHeadMin {
		return localError(op, radio.ErrInvalid, "beacon head of %d octets", len(b.Head))
	}
	offload := i.p.Info().ProbeRespOffload
	_, err := i.request(ctx, unix.NL80211_CMD_SET_BEACON, func(ae *netlink.AttributeEncoder) {
		putBeacon(ae, b, offload)
	})
	return err
}

// StopAP stops the BSS (NL80211_CMD_STOP_AP).
func (i *iface) StopAP(ctx context.Context) error {
	const op = "STOP_AP"
	if !i.isAP() {
		return localError(op, radio.ErrNotSupported, "%v interface", i.Info().Type)
	}
	_, err := i.request(ctx, unix.NL80211_CMD_STOP_AP, nil)
	if err != nil {
		return err
	}
	i.setLink(0, false, nil)
	return nil
}

// staFlags encodes struct nl80211_sta_flag_update (NL80211_ATTR_STA_FLAGS2):
// the flags to change and their new values, as bit masks of
// NL80211_STA_FLAG_*.
func staFlags(mask, set uint32) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint32(b, mask)
	binary.NativeEndian.PutUint32(b[4:], set&mask)
	return b
}

func bit(f int) uint32 { return 1 << f }

// NewStation adds an associated station (NL80211_CMD_NEW_STATION): AID,
// listen interval, capability, supported rates, HT and VHT capabilities,
// and the flags authenticated and associated (on phys with
// NL80211_FEATURE_FULL_AP_CLIENT_STATE), authorized, WME and short preamble.
func (i *iface) NewStation(ctx context.Context, st radio.StationParams) error {
	const op = "NEW_STATION"
	if !i.isAP() {
		return localError(op, radio.ErrNotSupported, "%v interface", i.Info().Type)
	}
	if len(st.SupportedRates) == 0 || len(st.SupportedRates) > 32 {
		return localError(op, radio.ErrInvalid, "%d supported rates", len(st.SupportedRates))
	}
	if st.AID == 0 || st.AID > 2007 {
		return localError(op, radio.ErrInvalid, "AID %d", st.AID)
	}
	full := i.p.wiphy().hasFeature(unix.NL80211_FEATURE_FULL_AP_CLIENT_STATE)
	mask := bit(unix.NL80211_STA_FLAG_AUTHORIZED) | bit(unix.NL80211_STA_FLAG_WME) | bit(unix.NL80211_STA_FLAG_SHORT_PREAMBLE)
	var set uint32
	if full {
		mask |= bit(unix.NL80211_STA_FLAG_AUTHENTICATED) | bit(unix.NL80211_STA_FLAG_ASSOCIATED)
		set |= bit(unix.NL80211_STA_FLAG_AUTHENTICATED) | bit(unix.NL80211_STA_FLAG_ASSOCIATED)
	}
	if st.Authorized {
		set |= bit(unix.NL80211_STA_FLAG_AUTHORIZED)
	}
	if st.WME {
		set |= bit(unix.NL80211_STA_FLAG_WME)
	}
	if st.Capability&uint16(ieee80211.CapShortPreamble) != 0 {
		set |= bit(unix.NL80211_STA_FLAG_SHORT_PREAMBLE)
	}
	_, err := i.request(ctx, unix.NL80211_CMD_NEW_STATION, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(unix.NL80211_ATTR_MAC, st.Addr[:])
		ae.Uint16(unix.NL80211_ATTR_STA_AID, st.AID)
		ae.Uint16(unix.NL80211_ATTR_STA_LISTEN_INTERVAL, st.ListenInterval)
		ae.Uint16(unix.NL80211_ATTR_STA_CAPABILITY, st.Capability)
		ae.Bytes(unix.NL80211_ATTR_STA_SUPPORTED_RATES, st.SupportedRates)
		if len(st.HTCapabilities) == 26 {
			ae.Bytes(unix.NL80211_ATTR_HT_CAPABILITY, st.HTCapabilities)
		}
		if len(st.VHTCapabilities) == 12 {
			ae.Bytes(unix.NL80211_ATTR_VHT_CAPABILITY, st.VHTCapabilities)
		}
		ae.Bytes(unix.NL80211_ATTR_STA_FLAGS2, staFlags(mask, set))
	})
	return err
}

// DelStation removes a station (NL80211_CMD_DEL_STATION). With a reason,
// a phy without an AP SME in the driver (mac80211) gets a Deauthentication
// frame from us first, as the kernel would not send one; a driver with an
// AP SME sends it from NL80211_ATTR_MGMT_SUBTYPE and NL80211_ATTR_REASON_CODE.
func (i *iface) DelStation(ctx context.Context, addr ieee80211.MAC, reason uint16) error {
	const op = "DEL_STATION"
	info := i.Info()
	if !i.isAP() {
		return localError(op, radio.ErrNotSupported, "%v interface", info.Type)
	}
	if reason != 0 && !i.p.Info().APSME && !addr.IsGroup() {
		// Best effort: the station is removed either way.
		_, _ = i.SendFrame(ctx, radio.Tx{Frame: deauthFrame(addr, info.Addr, reason), NoAck: true})
	}
	_, err := i.request(ctx, unix.NL80211_CMD_DEL_STATION, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(unix.NL80211_ATTR_MAC, addr[:])
		if reason != 0 {
			ae.Uint8(unix.NL80211_ATTR_MGMT_SUBTYPE, ieee80211.SubtypeDeauth)
			ae.Uint16(unix.NL80211_ATTR_REASON_CODE, reason)
		}
	})
	if err != nil {
		return err
	}
	i.mu.Lock()
	delete(i.ptk, addr)
	i.mu.Unlock()
	return nil
}

// deauthFrame builds a Deauthentication frame from a BSS to a station
// (IEEE Std 802.11-2020, 9.3.3.12): Frame Control, Duration, DA, SA,
// BSSID, Sequence Control (filled by the kernel), Reason Code.
func deauthFrame(da, bssid ieee80211.MAC, reason uint16) []byte {
	f := make([]byte, 26)
	f[0] = ieee80211.SubtypeDeauth << 4
	copy(f[4:], da[:])
	copy(f[10:], bssid[:])
	copy(f[16:], bssid[:])
	binary.LittleEndian.PutUint16(f[24:], reason)
	return f
}
