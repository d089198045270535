package dbusapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/p2pmanager/p2pmanager/api"
)

// ErrorPrefix is the prefix of every error name the service replies with
// (org.freedesktop.WiFiP2P.Error.Busy...).
const ErrorPrefix = "org.freedesktop.WiFiP2P.Error."

// errorName is the D-Bus name of an error of the API's table.
func errorName(e api.ErrorSpec) string { return ErrorPrefix + e.Name }

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
	return fmt.Errorf("%w: %s", api.ErrInvalidArguments, fmt.Sprintf(format, args...))
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
	for _, e := range api.Errors() {
		if errors.Is(err, e.Err) {
			return dbus.NewError(errorName(e), []any{err.Error()})
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
	for _, e := range api.Errors() {
		if de.Name == errorName(e) {
			return fmt.Errorf("%w: %s", e.Err, de.Error())
		}
	}
	return fmt.Errorf("%w: %s: %s", api.ErrFailed, de.Name, de.Error())
}

// dbusError builds a standard D-Bus error with a message.
func dbusError(name, format string, args ...any) *dbus.Error {
	return dbus.NewError(name, []any{fmt.Sprintf(format, args...)})
}
