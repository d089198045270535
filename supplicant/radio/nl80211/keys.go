package nl80211

import (
	"context"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// isBIP reports an integrity group cipher (a management frame key, set as
// the default management key rather than the default key).
func isBIP(cipher uint32) bool {
	switch ieee80211.Suite(cipher) {
	case ieee80211.CipherBIPCMAC128, ieee80211.CipherBIPCMAC256, ieee80211.CipherBIPGMAC128, ieee80211.CipherBIPGMAC256:
		return true
	}
	return false
}

// keyType is NL80211_KEY_TYPE for a key: pairwise with a peer, else group.
func keyType(peer ieee80211.MAC) uint32 {
	if peer.IsZero() {
		return unix.NL80211_KEYTYPE_GROUP
	}
	return unix.NL80211_KEYTYPE_PAIRWISE
}

// NewKey installs a key (NL80211_CMD_NEW_KEY with the NL80211_ATTR_KEY
// nest: NL80211_KEY_DATA, _IDX, _CIPHER, _SEQ, _TYPE; NL80211_ATTR_MAC names
// the peer of a pairwise key). A group key with DefaultTx then becomes the
// default transmit key (NL80211_CMD_SET_KEY with NL80211_KEY_DEFAULT and
// NL80211_KEY_DEFAULT_TYPES multicast, or NL80211_KEY_DEFAULT_MGMT for an
// integrity key).
func (i *iface) NewKey(ctx context.Context, k radio.Key) error {
	const op = "NEW_KEY"
	if len(k.Data) == 0 || len(k.Data) > 32 {
		return localError(op, radio.ErrInvalid, "key of %d octets", len(k.Data))
	}
	if len(k.RSC) > 16 {
		return localError(op, radio.ErrInvalid, "RSC of %d octets", len(k.RSC))
	}
	pairwise := k.Pairwise()
	_, err := i.request(ctx, unix.NL80211_CMD_NEW_KEY, func(ae *netlink.AttributeEncoder) {
		if pairwise {
			ae.Bytes(unix.NL80211_ATTR_MAC, k.Peer[:])
		}
		ae.Nested(unix.NL80211_ATTR_KEY, func(nae *netlink.AttributeEncoder) error {
			nae.Bytes(unix.NL80211_KEY_DATA, k.Data)
			nae.Uint8(unix.NL80211_KEY_IDX, k.Index)
			nae.Uint32(unix.NL80211_KEY_CIPHER, k.Cipher)
			if len(k.RSC) > 0 {
				nae.Bytes(unix.NL80211_KEY_SEQ, k.RSC)
			}
			nae.Uint32(unix.NL80211_KEY_TYPE, keyType(k.Peer))
			return nil
		})
	})
	if err != nil {
		return err
	}
	if pairwise {
		i.mu.Lock()
		i.ptk[k.Peer] = true
		i.mu.Unlock()
		return nil
	}
	if !k.DefaultTx {
		return nil
	}
	_, err = i.request(ctx, unix.NL80211_CMD_SET_KEY, func(ae *netlink.AttributeEncoder) {
		ae.Nested(unix.NL80211_ATTR_KEY, func(nae *netlink.AttributeEncoder) error {
			nae.Uint8(unix.NL80211_KEY_IDX, k.Index)
			if isBIP(k.Cipher) {
				nae.Flag(unix.NL80211_KEY_DEFAULT_MGMT, true)
				return nil
			}
			nae.Flag(unix.NL80211_KEY_DEFAULT, true)
			nae.Nested(unix.NL80211_KEY_DEFAULT_TYPES, func(tae *netlink.AttributeEncoder) error {
				tae.Flag(unix.NL80211_KEY_DEFAULT_TYPE_MULTICAST, true)
				return nil
			})
			return nil
		})
	})
	return err
}

// DelKey removes a key (NL80211_CMD_DEL_KEY).
func (i *iface) DelKey(ctx context.Context, k radio.KeyRef) error {
	_, err := i.request(ctx, unix.NL80211_CMD_DEL_KEY, func(ae *netlink.AttributeEncoder) {
		if !k.Peer.IsZero() {
			ae.Bytes(unix.NL80211_ATTR_MAC, k.Peer[:])
		}
		ae.Nested(unix.NL80211_ATTR_KEY, func(nae *netlink.AttributeEncoder) error {
			nae.Uint8(unix.NL80211_KEY_IDX, k.Index)
			nae.Uint32(unix.NL80211_KEY_TYPE, keyType(k.Peer))
			return nil
		})
	})
	if err != nil {
		return err
	}
	if !k.Peer.IsZero() {
		i.mu.Lock()
		delete(i.ptk, k.Peer)
		i.mu.Unlock()
	}
	return nil
}

// SetAuthorized opens or closes the controlled port for a peer
// (NL80211_CMD_SET_STATION with NL80211_ATTR_STA_FLAGS2 changing
// NL80211_STA_FLAG_AUTHORIZED): the station on a GO, the BSSID on a client.
func (i *iface) SetAuthorized(ctx context.Context, peer ieee80211.MAC, authorized bool) error {
	mask := bit(unix.NL80211_STA_FLAG_AUTHORIZED)
	var set uint32
	if authorized {
		set = mask
	}
	_, err := i.request(ctx, unix.NL80211_CMD_SET_STATION, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(unix.NL80211_ATTR_MAC, peer[:])
		ae.Bytes(unix.NL80211_ATTR_STA_FLAGS2, staFlags(mask, set))
	})
	return err
}
