package nl80211

import (
	"context"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

func (i *iface) isClient() bool {
	t := i.Info().Type
	return t == radio.IfStation || t == radio.IfP2PClient
}

// Connect joins a BSS with cfg80211's SME (NL80211_CMD_CONNECT; for
// mac80211 the kernel authenticates and associates): BSSID, frequency,
// SSID, the caller's association request elements, open authentication,
// privacy with the RSN crypto settings read from the RSN element of the
// elements and a controlled port (NL80211_ATTR_CONTROL_PORT: data stays
// blocked until SetAuthorized), NL80211_ATTR_SOCKET_OWNER (the kernel
// disconnects if our socket closes) and, when asked and the phy can,
// NL80211_ATTR_CONTROL_PORT_OVER_NL80211; otherwise EAPOL uses a PAE socket.
// Connected follows.
func (i *iface) Connect(ctx context.Context, req radio.ConnectRequest) error {
	const op = "CONNECT"
	if !i.isClient() {
		return localError(op, radio.ErrNotSupported, "%v interface", i.Info().Type)
	}
	if len(req.SSID) == 0 || len(req.SSID) > ieee80211.MaxSSIDLen {
		return localError(op, radio.ErrInvalid, "SSID of %d octets", len(req.SSID))
	}
	if err := i.checkFreq(op, req.Freq, false); err != nil {
		return err
	}
	useNL := req.ControlPort && i.p.Info().ControlPortOverNL
	var pae paeConn
	if !useNL {
		var err error
		if pae, err = i.openPAE(); err != nil {
			return mapError(op, err)
		}
	}
	// Set before the request: EAPOL may arrive before the CONNECT event.
	i.setLink(0, useNL, pae)
	i.mu.Lock()
	i.connFreq = req.Freq
	i.mu.Unlock()
	rsn, hasRSN := findRSN(req.IEs)
	_, err := i.request(ctx, unix.NL80211_CMD_CONNECT, func(ae *netlink.AttributeEncoder) {
		if !req.BSSID.IsZero() {
			ae.Bytes(unix.NL80211_ATTR_MAC, req.BSSID[:])
		}
		if req.Freq != 0 {
			ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, uint32(req.Freq))
		}
		ae.Bytes(unix.NL80211_ATTR_SSID, req.SSID)
		if len(req.IEs) > 0 {
			ae.Bytes(unix.NL80211_ATTR_IE, req.IEs)
		}
		ae.Uint32(unix.NL80211_ATTR_AUTH_TYPE, unix.NL80211_AUTHTYPE_OPEN_SYSTEM)
		ae.Flag(unix.NL80211_ATTR_PRIVACY, req.Privacy)
		if req.Privacy {
			ae.Flag(unix.NL80211_ATTR_CONTROL_PORT, true)
			if hasRSN {
				putCrypto(ae, rsn)
			}
		}
		ae.Uint16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, unix.ETH_P_PAE)
		ae.Flag(unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211, useNL)
		ae.Flag(unix.NL80211_ATTR_SOCKET_OWNER, true)
	})
	if err != nil {
		i.setLink(0, false, nil)
		return err
	}
	return nil
}

// Disconnect leaves the BSS (NL80211_CMD_DISCONNECT with
// NL80211_ATTR_REASON_CODE; 0 lets the kernel use 3, leaving).
// Disconnected follows.
func (i *iface) Disconnect(ctx context.Context, reason uint16) error {
	const op = "DISCONNECT"
	if !i.isClient() {
		return localError(op, radio.ErrNotSupported, "%v interface", i.Info().Type)
	}
	_, err := i.request(ctx, unix.NL80211_CMD_DISCONNECT, func(ae *netlink.AttributeEncoder) {
		if reason != 0 {
			ae.Uint16(unix.NL80211_ATTR_REASON_CODE, reason)
		}
	})
	return err
}
