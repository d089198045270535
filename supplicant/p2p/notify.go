package p2p

import (
	"errors"
	"fmt"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// Notification is an event a Device reports to the layers above, on
// Device.Notifications.
type Notification interface{ isNotification() }

// PeerFound: a peer was heard with its P2P Device Info for the first time
// (or again after it was lost).
type PeerFound struct{ Peer Peer }

// PeerUpdated: a reported peer's facts changed.
type PeerUpdated struct{ Peer Peer }

// PeerLost: a reported peer expired (unseen for the expiry time) or was
// evicted to make room for another.
type PeerLost struct {
	Address MAC
	Evicted bool
}

// FindStopped: Find ended (StopFind, its timeout, or the interface went
// away).
type FindStopped struct{}

// ListenStopped: Listen ended.
type ListenStopped struct{}

// ProvisionRequest is a received Provision Discovery Request: the peer
// asks us to provision with Method (MethodDisplay: we are to display a
// PIN the peer enters; MethodKeypad: we are to enter the PIN the peer
// displays; MethodPBC: push button).
type ProvisionRequest struct {
	Peer   MAC
	Method WPSMethod
	// Accepted tells whether we answered with that method (true) or
	// refused it (Config Methods 0).
	Accepted bool
}

// ProvisionDiscoveryRequest reports a received Provision Discovery Request
// and our answer.
type ProvisionDiscoveryRequest struct{ ProvisionRequest }

// GONegotiationRequest reports a GO Negotiation Request from a peer we had
// not authorized: we answered status 1 ("information currently
// unavailable"). Connect to that peer (or Authorize it and wait for its
// next request) to negotiate.
type GONegotiationRequest struct {
	Peer       MAC
	PasswordID wsc.DevicePasswordID
	GOIntent   uint8
	// Method is the method we would use to match the peer's Device
	// Password ID (0 when this package does not support it).
	Method WPSMethod
	// Persistent: the peer asks for a persistent group (the Persistent
	// P2P Group bit of its Group Capability).
	Persistent bool
}

// NegotiationSucceeded reports a GO Negotiation that ended in agreement
// and that no Connect waited for: one an authorized peer ran with us. A
// Connect's negotiation is reported by Connect alone.
type NegotiationSucceeded struct{ Result NegotiationResult }

// NegotiationFailed reports a GO Negotiation that failed and that no
// Connect waited for.
type NegotiationFailed struct {
	Peer MAC
	Err  error
}

// NotificationsLost replaces notifications dropped while the consumer was
// too slow.
type NotificationsLost struct{ Count int }

func (PeerFound) isNotification()                 {}
func (PeerUpdated) isNotification()               {}
func (PeerLost) isNotification()                  {}
func (FindStopped) isNotification()               {}
func (ListenStopped) isNotification()             {}
func (ProvisionDiscoveryRequest) isNotification() {}
func (GONegotiationRequest) isNotification()      {}
func (NegotiationSucceeded) isNotification()      {}
func (NegotiationFailed) isNotification()         {}
func (NotificationsLost) isNotification()         {}

// NegotiationResult is the agreement of a successful GO Negotiation, what
// group formation needs next.
type NegotiationResult struct {
	Peer MAC // the peer's P2P Device Address
	// PeerInterfaceAddress is the peer's Intended P2P Interface Address.
	PeerInterfaceAddress MAC
	Role                 p2pmsg.Role // our role
	Initiator            bool        // we sent the GO Negotiation Request
	// Freq is the operating channel of the group (MHz).
	Freq int
	// SSID is the group's SSID, "DIRECT-xy" and a postfix, chosen by the
	// GO.
	SSID string
	// GODeviceAddress is the P2P Device Address of the GO (ours or the
	// peer's).
	GODeviceAddress MAC
	// Channels are the frequencies both sides can use.
	Channels []int
	// Method is our provisioning method; PasswordID ours, PeerPasswordID
	// the peer's Device Password ID.
	Method         WPSMethod
	PasswordID     wsc.DevicePasswordID
	PeerPasswordID wsc.DevicePasswordID
	GOIntent       uint8 // ours
	PeerGOIntent   uint8
	// Persistent is the GO's Persistent P2P Group bit in the negotiation
	// (its Response or Confirmation, or ours when we are GO): the group
	// is a persistent group.
	Persistent bool
	// PeerConfigTimeout is the peer's Configuration Timeout.
	PeerConfigTimeout p2pmsg.ConfigurationTimeout
	// Started is when our first frame of this negotiation went out (our
	// request, or our response as responder); Done when it ended (our
	// Confirmation acknowledged, or the peer's received).
	Started, Done time.Time
}

// ProvisionResult is the outcome of a Provision Discovery we started.
type ProvisionResult struct {
	Peer   MAC
	Method WPSMethod // our method, as asked for
	// Accepted is set when the peer answered with the Config Method we
	// asked it to use (the complement of Method); false when it answered
	// 0 (refused).
	Accepted bool
	// ConfigMethods is the value of the peer's answer.
	ConfigMethods ConfigMethods
}

// Errors.
var (
	// ErrClosed: the device was closed or its interface went away.
	ErrClosed = errors.New("p2p: device closed")
	// ErrUnknownPeer: the peer is not in the peer table (find it first).
	ErrUnknownPeer = errors.New("p2p: unknown peer")
	// ErrBusy: another procedure of the same kind is running.
	ErrBusy = errors.New("p2p: busy")
	// ErrNoResponse: the peer did not answer within the retries.
	ErrNoResponse = errors.New("p2p: no response from peer")
	// ErrNoConfirmation: the peer did not confirm a GO Negotiation we
	// answered.
	ErrNoConfirmation = errors.New("p2p: no GO Negotiation Confirmation")
	// ErrBothGOIntent15: both devices require the GO role (status 9).
	ErrBothGOIntent15 = errors.New("p2p: both devices have GO Intent 15")
	// ErrNoCommonChannel: no channel both devices can use (status 7).
	ErrNoCommonChannel = errors.New("p2p: no common channel")
	// ErrIncompatibleMethod: the provisioning methods do not match
	// (status 10).
	ErrIncompatibleMethod = errors.New("p2p: incompatible provisioning method")
	// ErrUnsupportedMethod: this device does not support the method.
	ErrUnsupportedMethod = errors.New("p2p: unsupported provisioning method")
	// ErrCanceled: the procedure was canceled (Cancel, or a newer one).
	ErrCanceled = errors.New("p2p: canceled")
	// ErrUnknownGroup: the peer does not know the P2P group it was
	// invited to (status 8).
	ErrUnknownGroup = errors.New("p2p: unknown P2P group")
	// ErrRejectedByUser: the peer's user rejected the request (status
	// 11).
	ErrRejectedByUser = errors.New("p2p: rejected by user")
	// ErrInvalidParams: the parameters of a command are invalid (e.g. an
	// Invite without SSID).
	ErrInvalidParams = errors.New("p2p: invalid parameters")
)

// Procedures a StatusError may come from.
const (
	procNegotiation = iota // GO Negotiation (the zero value)
	procInvitation
)

// StatusError is a GO Negotiation or Invitation failure with a P2P
// Status code (Wi-Fi P2P v1.7, Table 8): sent by the peer (Remote) or by
// us.
type StatusError struct {
	Status p2pmsg.Status
	Remote bool
	proc   uint8
}

func (e *StatusError) Error() string {
	who := "we answered"
	if e.Remote {
		who = "peer answered"
	}
	what := "GO Negotiation"
	if e.proc == procInvitation {
		what = "Invitation"
	}
	return fmt.Sprintf("p2p: %s failed: %s status %d (%v)", what, who, uint8(e.Status), e.Status)
}

// Is matches the sentinel errors that name a status.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrBothGOIntent15:
		return e.Status == p2pmsg.StatusFailBothGOIntent15
	case ErrNoCommonChannel:
		return e.Status == p2pmsg.StatusFailNoCommonChannels
	case ErrIncompatibleMethod:
		return e.Status == p2pmsg.StatusFailIncompatibleProvisioning
	case ErrUnknownGroup:
		return e.Status == p2pmsg.StatusFailUnknownP2PGroup
	case ErrRejectedByUser:
		return e.Status == p2pmsg.StatusFailRejectedByUser
	}
	return false
}
