package nl80211

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// cmdNames names the commands this package sends, for radio.Error.Op.
var cmdNames = map[uint8]string{
	unix.NL80211_CMD_GET_WIPHY:                    "GET_WIPHY",
	unix.NL80211_CMD_GET_INTERFACE:                "GET_INTERFACE",
	unix.NL80211_CMD_NEW_INTERFACE:                "NEW_INTERFACE",
	unix.NL80211_CMD_DEL_INTERFACE:                "DEL_INTERFACE",
	unix.NL80211_CMD_START_P2P_DEVICE:             "START_P2P_DEVICE",
	unix.NL80211_CMD_STOP_P2P_DEVICE:              "STOP_P2P_DEVICE",
	unix.NL80211_CMD_REGISTER_FRAME:               "REGISTER_FRAME",
	unix.NL80211_CMD_FRAME:                        "FRAME",
	unix.NL80211_CMD_FRAME_WAIT_CANCEL:            "FRAME_WAIT_CANCEL",
	unix.NL80211_CMD_REMAIN_ON_CHANNEL:            "REMAIN_ON_CHANNEL",
	unix.NL80211_CMD_CANCEL_REMAIN_ON_CHANNEL:     "CANCEL_REMAIN_ON_CHANNEL",
	unix.NL80211_CMD_TRIGGER_SCAN:                 "TRIGGER_SCAN",
	unix.NL80211_CMD_ABORT_SCAN:                   "ABORT_SCAN",
	unix.NL80211_CMD_GET_SCAN:                     "GET_SCAN",
	unix.NL80211_CMD_START_AP:                     "START_AP",
	unix.NL80211_CMD_SET_BEACON:                   "SET_BEACON",
	unix.NL80211_CMD_STOP_AP:                      "STOP_AP",
	unix.NL80211_CMD_NEW_STATION:                  "NEW_STATION",
	unix.NL80211_CMD_SET_STATION:                  "SET_STATION",
	unix.NL80211_CMD_DEL_STATION:                  "DEL_STATION",
	unix.NL80211_CMD_CONNECT:                      "CONNECT",
	unix.NL80211_CMD_DISCONNECT:                   "DISCONNECT",
	unix.NL80211_CMD_CONTROL_PORT_FRAME:           "CONTROL_PORT_FRAME",
	unix.NL80211_CMD_NEW_KEY:                      "NEW_KEY",
	unix.NL80211_CMD_SET_KEY:                      "SET_KEY",
	unix.NL80211_CMD_DEL_KEY:                      "DEL_KEY",
	unix.NL80211_CMD_FRAME_TX_STATUS:              "FRAME_TX_STATUS",
	unix.NL80211_CMD_SET_WIPHY_NETNS:              "SET_WIPHY_NETNS",
	unix.NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS: "CONTROL_PORT_FRAME_TX_STATUS",
}

func cmdName(cmd uint8) string {
	if n, ok := cmdNames[cmd]; ok {
		return n
	}
	return fmt.Sprintf("nl80211 command %d", cmd)
}

// mapError turns a transport or kernel failure into a *radio.Error: the
// errno mapped to the seam's sentinel (EOPNOTSUPP: ErrNotSupported, EBUSY:
// ErrBusy, ENODEV: ErrNoDevice, EINVAL: ErrInvalid, ENOLINK and ENOTCONN:
// ErrNotConnected; other errnos are kept as the cause), the errno, and the
// kernel's extended ack message. Context errors stay the cause, so that
// errors.Is(err, context.DeadlineExceeded) holds.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var re *radio.Error
	if errors.As(err, &re) {
		return err
	}
	e := &radio.Error{Op: op, Err: err}
	var oe *netlink.OpError
	if errors.As(err, &oe) {
		e.Message = oe.Message
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return e
	case errors.Is(err, errClosed):
		e.Err = radio.ErrNoDevice
		return e
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		e.Errno = int(errno)
		e.Err = errnoSentinel(errno)
	}
	return e
}

func errnoSentinel(errno syscall.Errno) error {
	switch errno {
	case unix.EOPNOTSUPP:
		return radio.ErrNotSupported
	case unix.EBUSY:
		return radio.ErrBusy
	case unix.ENODEV:
		return radio.ErrNoDevice
	case unix.EINVAL:
		return radio.ErrInvalid
	case unix.ENOLINK, unix.ENOTCONN:
		return radio.ErrNotConnected
	}
	return errno
}

// localError is a failure found before asking the kernel.
func localError(op string, sentinel error, format string, args ...any) error {
	return &radio.Error{Op: op, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}
