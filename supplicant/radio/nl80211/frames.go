package nl80211

import (
	"context"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// millis rounds a duration up to whole milliseconds, as nl80211 counts them.
func millis(d time.Duration) uint32 {
	return uint32((d + time.Millisecond - 1) / time.Millisecond)
}

// replyCookie reads NL80211_ATTR_COOKIE from a command's reply.
func replyCookie(op string, msgs []genetlink.Message) (radio.Cookie, error) {
	for _, m := range msgs {
		a, err := parseAttrs(m.Data)
		if err != nil {
			return 0, &radio.Error{Op: op, Err: err}
		}
		if a.has(unix.NL80211_ATTR_COOKIE) {
			c, err := a.u64(unix.NL80211_ATTR_COOKIE)
			if err != nil {
				return 0, &radio.Error{Op: op, Err: err}
			}
			return radio.Cookie(c), nil
		}
	}
	return 0, nil
}

// checkFreq refuses a frequency the phy lists as disabled (and, when
// initiating, as no-IR) before the kernel does with a bare EINVAL. Unknown
// frequencies are left to the kernel.
func (i *iface) checkFreq(op string, freq int, initiating bool) error {
	if freq == 0 {
		return nil
	}
	c, ok := i.p.Info().Channel(freq)
	if !ok {
		return nil
	}
	if c.Disabled {
		return localError(op, radio.ErrNoChannel, "%d MHz is disabled", freq)
	}
	if initiating && c.NoIR {
		return localError(op, radio.ErrNoChannel, "%d MHz is no-IR", freq)
	}
	return nil
}

// RegisterFrame subscribes this interface's socket to received management
// frames of a subtype whose body starts with m.Match
// (NL80211_CMD_REGISTER_FRAME with NL80211_ATTR_FRAME_TYPE and
// NL80211_ATTR_FRAME_MATCH). The registration lasts as long as the socket,
// that is as long as the interface.
func (i *iface) RegisterFrame(ctx context.Context, m radio.FrameMatch) error {
	if m.Subtype > 15 {
		return localError("REGISTER_FRAME", radio.ErrInvalid, "subtype %d", m.Subtype)
	}
	_, err := i.request(ctx, unix.NL80211_CMD_REGISTER_FRAME, func(ae *netlink.AttributeEncoder) {
		// Frame Control's first octet: type Management (0), subtype in
		// bits 4..7 (IEEE Std 802.11-2020, 9.2.4.1.1).
		ae.Uint16(unix.NL80211_ATTR_FRAME_TYPE, uint16(m.Subtype)<<4)
		ae.Bytes(unix.NL80211_ATTR_FRAME_MATCH, m.Match)
	})
	return err
}

// SendFrame transmits a management frame (NL80211_CMD_FRAME) and returns
// the cookie its NL80211_CMD_FRAME_TX_STATUS will carry (0 with NoAck).
func (i *iface) SendFrame(ctx context.Context, tx radio.Tx) (radio.Cookie, error) {
	const op = "FRAME"
	if len(tx.Frame) < 24 {
		return 0, localError(op, radio.ErrInvalid, "frame of %d octets", len(tx.Frame))
	}
	if err := i.checkFreq(op, tx.Freq, false); err != nil {
		return 0, err
	}
	msgs, err := i.request(ctx, unix.NL80211_CMD_FRAME, func(ae *netlink.AttributeEncoder) {
		if tx.Freq != 0 {
			ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, uint32(tx.Freq))
		}
		if tx.Wait > 0 {
			ae.Uint32(unix.NL80211_ATTR_DURATION, millis(tx.Wait))
		}
		ae.Flag(unix.NL80211_ATTR_OFFCHANNEL_TX_OK, tx.OffChannel && tx.Freq != 0)
		ae.Flag(unix.NL80211_ATTR_TX_NO_CCK_RATE, tx.NoCCK)
		ae.Flag(unix.NL80211_ATTR_DONT_WAIT_FOR_ACK, tx.NoAck)
		ae.Bytes(unix.NL80211_ATTR_FRAME, tx.Frame)
	})
	if err != nil {
		return 0, err
	}
	if tx.NoAck {
		return 0, nil
	}
	return replyCookie(op, msgs)
}

// RemainOnChannel asks the radio to stay on freq for d
// (NL80211_CMD_REMAIN_ON_CHANNEL).
func (i *iface) RemainOnChannel(ctx context.Context, freq int, d time.Duration) (radio.Cookie, error) {
	const op = "REMAIN_ON_CHANNEL"
	if d <= 0 || freq <= 0 {
		return 0, localError(op, radio.ErrInvalid, "%d MHz for %v", freq, d)
	}
	if max := i.p.Info().MaxRemainOnChannel; max > 0 && d > max {
		return 0, localError(op, radio.ErrInvalid, "%v exceeds the phy's %v", d, max)
	}
	if err := i.checkFreq(op, freq, false); err != nil {
		return 0, err
	}
	msgs, err := i.request(ctx, unix.NL80211_CMD_REMAIN_ON_CHANNEL, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.NL80211_ATTR_WIPHY_FREQ, uint32(freq))
		ae.Uint32(unix.NL80211_ATTR_DURATION, millis(d))
	})
	if err != nil {
		return 0, err
	}
	return replyCookie(op, msgs)
}

// CancelRemainOnChannel ends a remain-on-channel early
// (NL80211_CMD_CANCEL_REMAIN_ON_CHANNEL).
func (i *iface) CancelRemainOnChannel(ctx context.Context, c radio.Cookie) error {
	_, err := i.request(ctx, unix.NL80211_CMD_CANCEL_REMAIN_ON_CHANNEL, func(ae *netlink.AttributeEncoder) {
		ae.Uint64(unix.NL80211_ATTR_COOKIE, uint64(c))
	})
	return err
}

// CancelFrameWait ends the off-channel wait after a frame
// (NL80211_CMD_FRAME_WAIT_CANCEL).
func (i *iface) CancelFrameWait(ctx context.Context, c radio.Cookie) error {
	_, err := i.request(ctx, unix.NL80211_CMD_FRAME_WAIT_CANCEL, func(ae *netlink.AttributeEncoder) {
		ae.Uint64(unix.NL80211_ATTR_COOKIE, uint64(c))
	})
	return err
}
