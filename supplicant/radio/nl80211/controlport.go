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
// 0x888e and NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT while no pairwise key is
// installed for the peer; otherwise the PDU goes out of the PAE socket
// (ETH_P_PAE) bound to the netdev.
//
// When the phy has NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211_TX_STATUS
// the request asks for the frame's TX status: the kernel returns a cookie
// in the acknowledgement (NLMSGERR_ATTR_COOKIE) and later reports
// NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS with it, which becomes an
// EAPOLTxStatus. Otherwise (NL80211_ATTR_DONT_WAIT_FOR_ACK, or the PAE
// socket) the cookie is our own and an EAPOLTxStatus reporting the frame
// acknowledged follows at once.
func (i *iface) SendEAPOL(ctx context.Context, dst ieee80211.MAC, pdu []byte) (radio.Cookie, error) {
	const op = "CONTROL_PORT_FRAME"
	if len(pdu) < 4 {
		return 0, localError(op, radio.ErrInvalid, "EAPOL PDU of %d octets", len(pdu))
	}
	i.mu.Lock()
	nl, pae, protected := i.ctrlPort, i.pae, i.ptk[dst]
	i.mu.Unlock()
	switch {
	case nl:
		status := i.p.Info().ControlPortTxStatus
		msgs, err := i.request(ctx, unix.NL80211_CMD_CONTROL_PORT_FRAME, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(unix.NL80211_ATTR_FRAME, pdu)
			ae.Uint16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, unix.ETH_P_PAE)
			ae.Bytes(unix.NL80211_ATTR_MAC, dst[:])
			ae.Flag(unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT, !protected)
			ae.Flag(unix.NL80211_ATTR_DONT_WAIT_FOR_ACK, !status)
		})
		if err != nil {
			return 0, err
		}
		if status {
			c, err := replyCookie(op, msgs)
			if err != nil {
				return 0, err
			}
			if c != 0 {
				return c, nil
			}
			// No cookie came back (no extended acks): the kernel's status
			// cannot be matched, report the frame sent.
		}
		return i.sentEAPOL(), nil
	case pae != nil:
		if err := pae.send(ctx, dst, pdu); err != nil {
			return 0, mapError("send EAPOL (PAE socket)", err)
		}
		return i.sentEAPOL(), nil
	}
	return 0, localError(op, radio.ErrNotConnected, "no AP or connection on %s", i.Info().Name)
}

// localCookieBase marks the cookies of EAPOL frames whose TX status we
// cannot know: the kernel's cookies count up from 1 and never reach it.
const localCookieBase = 1 << 63

// sentEAPOL reports an EAPOL frame sent without a TX status from the
// kernel: a local cookie and an EAPOLTxStatus saying it was acknowledged.
func (i *iface) sentEAPOL() radio.Cookie {
	i.mu.Lock()
	i.eapolSeq++
	c := radio.Cookie(localCookieBase | i.eapolSeq)
	i.mu.Unlock()
	i.push(radio.EAPOLTxStatus{Cookie: c, Acked: true})
	return c
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
