package dbusapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// ErrorPrefix is the prefix of every error name the service replies with
// (org.freedesktop.WiFiP2P.Error.Busy...).
const ErrorPrefix = "org.freedesktop.WiFiP2P.Error."

// The errors the backend returns (wrapped with %w as it likes) and the
// D-Bus layer maps, through the one table errorTable, to the named D-Bus
// errors. An error that matches none of them is replied as Failed.
var (
	ErrFailed           = errors.New("failed")
	ErrBusy             = errors.New("busy")
	ErrInvalidArguments = errors.New("invalid arguments")
	ErrNotFound         = errors.New("not found")
	ErrNotSupported     = errors.New("not supported")
	ErrNotReady         = errors.New("not ready")
	ErrPermissionDenied = errors.New("permission denied")
	ErrRejected         = errors.New("rejected")
	ErrTimeout          = errors.New("timed out")
	ErrAborted          = errors.New("aborted")
	ErrNoCommonChannel  = errors.New("no common channel")
	ErrPeerUnreachable  = errors.New("peer unreachable")
	ErrIncorrectPIN     = errors.New("incorrect PIN")
	ErrInProgress       = errors.New("already in progress")
)

// ErrorSpec is one row of the error table: the D-Bus error name (after
// ErrorPrefix), the Go sentinel that maps to it, and its documentation.
type ErrorSpec struct {
	Name string
	Err  error
	Doc  string
}

// FullName is the complete D-Bus error name.
func (e ErrorSpec) FullName() string { return ErrorPrefix + e.Name }

// Errors returns the error table: every org.freedesktop.WiFiP2P.Error.*
// the service replies with, in documentation order. The XML
// documentation's error list and the Go error mapping both come from it.
func Errors() []ErrorSpec { return errorTable() }

func errorTable() []ErrorSpec {
	return []ErrorSpec{
		{"Failed", ErrFailed, "The operation failed for a reason no other error names; the message says what happened."},
		{"Busy", ErrBusy, "The device is busy with a conflicting operation, or the caller has too many calls in flight (16 per client, 512 in all); retry later."},
		{"InvalidArguments", ErrInvalidArguments, "An argument or option is unknown, has the wrong variant type, is out of range, is too long, or names an object that does not exist; the message names the problem. Nothing was applied."},
		{"NotFound", ErrNotFound, "The thing the call refers to does not exist (any more): a peer or group that went away, a lease or an agent this caller does not hold."},
		{"NotSupported", ErrNotSupported, "The hardware, the driver or this service cannot do what was asked (a band the radio lacks, more groups than its interface combinations allow, AllowJoin on a group where this device is a client)."},
		{"NotReady", ErrNotReady, "The device cannot do this now: it is disabled, rfkill-blocked or otherwise unavailable; Device1.Availability says why."},
		{"PermissionDenied", ErrPermissionDenied, "The caller is not authorized: polkit refused the action, or the object belongs to another client (an agent registered by someone else)."},
		{"Rejected", ErrRejected, "The peer or the local agent refused the request (incoming requests are also refused with this error when no agent is registered)."},
		{"Timeout", ErrTimeout, "The peer or the agent did not complete the procedure in time."},
		{"Aborted", ErrAborted, "The operation was cancelled before it completed: by Disconnect, by the caller leaving the bus, or by the device being disabled or removed."},
		{"NoCommonChannel", ErrNoCommonChannel, "The peer and this device have no channel in common on which to operate the group (P2P Status 7)."},
		{"PeerUnreachable", ErrPeerUnreachable, "The peer did not answer: it is out of range, not listening, or gone."},
		{"IncorrectPin", ErrIncorrectPIN, "WPS provisioning failed because the PIN did not match."},
		{"InProgress", ErrInProgress, "The same operation is already in progress (a second Connect to a peer being connected, a second agent request about the same peer)."},
	}
}

// Standard D-Bus error names the service also replies with.
const (
	errDBusInvalidArgs      = "org.freedesktop.DBus.Error.InvalidArgs"
	errDBusUnknownMethod    = "org.freedesktop.DBus.Error.UnknownMethod"
	errDBusUnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface"
	errDBusUnknownObject    = "org.freedesktop.DBus.Error.UnknownObject"
	errDBusUnknownProperty  = "org.freedesktop.DBus.Error.UnknownProperty"
	errDBusPropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly"
)

// standardErrors documents the org.freedesktop.DBus.Error.* names the
// service uses, for the XML documentation.
func standardErrors() [][2]string {
	return [][2]string{
		{errDBusInvalidArgs, "The body signature of a call does not match the method's signature (or a Set value's type does not match the property's)."},
		{errDBusUnknownObject, "No object at the called path."},
		{errDBusUnknownInterface, "The object does not implement the called interface."},
		{errDBusUnknownMethod, "The interface has no such method."},
		{errDBusUnknownProperty, "The interface has no such property."},
		{errDBusPropertyReadOnly, "Set on a read-only property."},
	}
}

// invalidArgs builds an ErrInvalidArguments with a message naming the
// problem.
func invalidArgs(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArguments, fmt.Sprintf(format, args...))
}

// toDBusError maps an error to the D-Bus error replied to the caller:
// D-Bus errors pass through, the table's sentinels (matched with
// errors.Is) get their names, context errors become Timeout or Aborted and
// anything else is Failed. The message is the error's text.
func toDBusError(err error) *dbus.Error {
	var de *dbus.Error
	if errors.As(err, &de) {
		return de
	}
	var dv dbus.Error
	if errors.As(err, &dv) {
		return &dv
	}
	for _, e := range errorTable() {
		if errors.Is(err, e.Err) {
			return dbus.NewError(e.FullName(), []any{err.Error()})
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return dbus.NewError(ErrorPrefix+"Timeout", []any{err.Error()})
	case errors.Is(err, context.Canceled):
		return dbus.NewError(ErrorPrefix+"Aborted", []any{err.Error()})
	}
	return dbus.NewError(ErrorPrefix+"Failed", []any{err.Error()})
}

// fromDBusError maps a D-Bus error received from an agent back to the
// table's sentinel (wrapped, keeping the message); unknown names become
// ErrFailed.
func fromDBusError(err error) error {
	var de dbus.Error
	var dp *dbus.Error
	switch {
	case errors.As(err, &dp):
		de = *dp
	case errors.As(err, &de):
	default:
		return err
	}
	for _, e := range errorTable() {
		if de.Name == e.FullName() {
			return fmt.Errorf("%w: %s", e.Err, de.Error())
		}
	}
	return fmt.Errorf("%w: %s: %s", ErrFailed, de.Name, de.Error())
}

// dbusError builds a standard D-Bus error with a message.
func dbusError(name, format string, args ...any) *dbus.Error {
	return dbus.NewError(name, []any{fmt.Sprintf(format, args...)})
}
