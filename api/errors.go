package api

import "errors"

// The errors a Backend or Device returns (wrapped with %w as it likes). The
// D-Bus layer maps each, through the table Errors, to its named D-Bus error
// (org.freedesktop.WiFiP2P.Error.<Name>); an error that matches none of
// them is replied as Failed.
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
	// ErrConcurrencyConflict: the radio cannot run the group beside what
	// uses it now.
	ErrConcurrencyConflict = errors.New("concurrency conflict")
)

// ErrorSpec is one row of the error table: the error's name in the API,
// the sentinel that carries it, and its documentation.
type ErrorSpec struct {
	Name string
	Err  error
	Doc  string
}

// Errors returns the error table: every error the API names, in
// documentation order. The D-Bus error mapping and the XML documentation's
// error list both come from it.
func Errors() []ErrorSpec {
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
		{"ConcurrencyConflict", ErrConcurrencyConflict, "The radio cannot run the group beside what uses it now (a station on another channel of a radio that runs one channel at a time, interface combinations used up by other interfaces); the message says what holds the radio. Device1.PlanGroup tells beforehand; the configuration's conflict policy decides whether the service refuses, asks the agent, or lets the station yield."},
	}
}
