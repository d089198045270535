package nl80211

import (
	"context"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// SendEAPOL sends an EAPOL PDU to a peer. Over the nl80211 control port
// (an AP or a connection started with ControlPort on a phy that has
// NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211) it is
// NL80211_CMD_CONTROL_PORT_FRAME with NL80211_ATTR_CONTROL_PORT_ETHERTYPE
// 0x888e, NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT while no pairwise key is
// installed for the peer, and NL80211_ATTR_DONT_WAIT_FOR_ACK; otherwise the
// PDU goes out of the PAE socket (ETH_P_PAE) bound to the netdev.
func (i *iface) SendEAPOL(ctx context.Context, dst ieee80211.MAC, pdu []byte) error {
	const op = "CONTROL_PORT_FRAME"
	if len(pdu) < 4 {
		return localError(op, radio.ErrInvalid, "EAPOL PDU of %d octets", len(pdu))
	}
	i.mu.Lock()
	nl, pae, protected := i.ctrlPort, i.pae, i.ptk[dst]
	i.mu.Unlock()
	switch {
	case nl:
		_, err := i.request(ctx, unix.NL80211_CMD_CONTROL_PORT_FRAME, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(unix.NL80211_ATTR_FRAME, pdu)
			ae.Uint16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, unix.ETH_P_PAE)
			ae.Bytes(unix.NL80211_ATTR_MAC, dst[:])
			ae.Flag(unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT, !protected)
			ae.Flag(unix.NL80211_ATTR_DONT_WAIT_FOR_ACK, true)
		})
		return err
	case pae != nil:
		if err := pae.send(ctx, dst, pdu); err != nil {
			return mapError("send EAPOL (PAE socket)", err)
		}
		return nil
	}
	return localError(op, radio.ErrNotConnected, "no AP or connection on %s", i.Info().Name)
}

// openPAE opens the PAE socket fallback on the interface's netdev;
// received PDUs become EAPOLReceived (Encrypted unknown, reported false).
func (i *iface) openPAE() (paeConn, error) {
	info := i.Info()
	if info.Index == 0 {
		return nil, localError("open PAE socket", radio.ErrNotSupported, "no netdev")
	}
	return i.b.pae.open(info.Index, func(src ieee80211.MAC, pdu []byte) {
		i.push(radio.EAPOLReceived{Src: src, PDU: pdu})
	})
}
