package group

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// MAC is an IEEE 802 address.
type MAC = ieee80211.MAC

// Event is an input of a GOMachine or a ClientMachine.
type Event interface{ isEvent() }

// Start starts a machine: the GO registers for its frames, starts the AP
// and installs the group key; the client scans for the GO.
type Start struct{}

// RadioEvent is an event of the machine's interface, as the radio
// delivered it (the TxStatus or EAPOLTxStatus of a frame sent with a Tag
// arrives as TxDone instead).
type RadioEvent struct{ Event radio.Event }

// TxDone reports the fate of a frame a SendFrame or SendEAPOL action sent
// with a Tag.
type TxDone struct {
	Tag   Tag
	Acked bool
}

// TimerFired reports that a timer a SetTimer action armed has fired.
type TimerFired struct{ Timer Timer }

// ActionFailed reports that the edge could not carry out an action.
type ActionFailed struct {
	Action Action
	Err    error
}

// CheckpointReached follows a Checkpoint action once every action before
// it has run and their failures (ActionFailed) have been delivered.
type CheckpointReached struct{ Name string }

// ScanResults answers GetScanResults.
type ScanResults struct {
	BSSs []radio.BSS
	Err  error
}

// Commands. The edge answers each with the Err of the Reply action the
// machine returns for it.
type (
	// Stop ends the group: a GO deauthenticates every client, stops the AP
	// and deletes its interface; a client disconnects and deletes its
	// interface.
	Stop struct{}
	// RemoveClient disconnects one client of a GO (reason 3), named by its
	// P2P Device Address or its P2P Interface Address.
	RemoveClient struct{ Addr MAC }
	// AllowJoin opens a GO's Registrar for one Enrollee: push button or a
	// PIN, for Peer only when it is not zero (its P2P Device Address or
	// P2P Interface Address), for Timeout (0: wsc.PBCWalkTime).
	AllowJoin struct {
		WPS     WPS
		Peer    MAC
		Timeout time.Duration
	}
	// LeaseQuery asks a GO for the IPv4 address of the member with P2P
	// Interface Address Addr (its DHCP client hardware address), for the
	// DHCP server: the one its 4-way handshake allocated, or a new one from
	// the same pool. Non-members get ErrUnknownClient.
	LeaseQuery struct{ Addr MAC }
)

func (Start) isEvent()             {}
func (RadioEvent) isEvent()        {}
func (TxDone) isEvent()            {}
func (TimerFired) isEvent()        {}
func (ActionFailed) isEvent()      {}
func (ScanResults) isEvent()       {}
func (CheckpointReached) isEvent() {}
func (Stop) isEvent()              {}
func (RemoveClient) isEvent()      {}
func (AllowJoin) isEvent()         {}
func (LeaseQuery) isEvent()        {}

// Tag names a transmitted frame whose TxStatus the machine wants back.
type Tag struct {
	Kind TagKind
	Peer MAC
}

// TagKind says what a tagged frame was.
type TagKind uint8

// Tag kinds.
const (
	TagAssocResp   TagKind = iota + 1 // a successful (Re)Association Response
	TagMessage4Of4                    // our EAPOL-Key message 4/4 (a client's)
)

// Timer names a timer a machine armed.
type Timer struct {
	Kind TimerKind
	Peer MAC    // the station a per-station timer belongs to
	Seq  uint64 // the number an inner machine gave the timer
}

// TimerKind says what a timer is for.
type TimerKind uint8

// Timer kinds.
const (
	TimerEAPOL     TimerKind = iota + 1 // an eapol machine's timer
	TimerEAP                            // an EAP-WSC machine's timer
	TimerWPSDeauth                      // deauthenticate a WPS station that lingers after EAP-Failure
	TimerRegistrar                      // the Registrar's walk time
	TimerFormation                      // group formation deadline
	TimerScan                           // the client's next scan attempt
	TimerConnect                        // the client's next connection attempt
)

// Action is an output of a machine, which the edge carries out in order.
// Every failed action comes back as ActionFailed after the batch.
type Action interface{ isAction() }

// Actions on the radio interface; each maps to the radio.Interface method
// of the same name (see package radio).
type (
	// RegisterFrame subscribes to received management frames.
	RegisterFrame struct{ Match radio.FrameMatch }
	// StartAP starts beaconing.
	StartAP struct{ Config radio.APConfig }
	// SetBeacon replaces the beacon and response templates.
	SetBeacon struct{ Beacon radio.BeaconData }
	// StopAP stops beaconing.
	StopAP struct{}
	// NewStation adds an associated station.
	NewStation struct{ Params radio.StationParams }
	// DelStation removes a station, deauthenticating it when Reason is
	// not 0 (every station for the broadcast address).
	DelStation struct {
		Addr   MAC
		Reason uint16
	}
	// NewKey installs a key.
	NewKey struct{ Key radio.Key }
	// SetAuthorized opens or closes the controlled port for a peer.
	SetAuthorized struct {
		Peer       MAC
		Authorized bool
	}
	// SendEAPOL sends an EAPOL PDU over the control port; with a non-zero
	// Tag its EAPOLTxStatus comes back as TxDone.
	SendEAPOL struct {
		Dst MAC
		PDU []byte
		Tag Tag
	}
	// SendFrame transmits a management frame; with a non-zero Tag its
	// TxStatus comes back as TxDone.
	SendFrame struct {
		Tx  radio.Tx
		Tag Tag
	}
	// TriggerScan starts a scan; ScanDone follows as a RadioEvent.
	TriggerScan struct{ Request radio.ScanRequest }
	// GetScanResults reads the scan results; ScanResults follows.
	GetScanResults struct{}
	// Connect joins a BSS; Connected follows as a RadioEvent.
	Connect struct{ Request radio.ConnectRequest }
	// Disconnect leaves the BSS.
	Disconnect struct{ Reason uint16 }
	// DeleteInterface deletes the interface; its event stream then ends
	// and with it the edge's loop.
	DeleteInterface struct{}
)

// Actions for the edge itself.
type (
	// SetTimer arms (or re-arms) a timer; TimerFired follows after After.
	SetTimer struct {
		Timer Timer
		After time.Duration
	}
	StopTimer struct{ Timer Timer }
	// Notify delivers a notification upward.
	Notify struct{ Notification Notification }
	// Reply answers the command being handled; Value is a query's answer
	// (LeaseQuery: a netip.Addr).
	Reply struct {
		Err   error
		Value any
	}
	// Checkpoint asks for CheckpointReached once the actions before it
	// have run.
	Checkpoint struct{ Name string }
)

func (RegisterFrame) isAction()   {}
func (StartAP) isAction()         {}
func (SetBeacon) isAction()       {}
func (StopAP) isAction()          {}
func (NewStation) isAction()      {}
func (DelStation) isAction()      {}
func (NewKey) isAction()          {}
func (SetAuthorized) isAction()   {}
func (SendEAPOL) isAction()       {}
func (SendFrame) isAction()       {}
func (TriggerScan) isAction()     {}
func (GetScanResults) isAction()  {}
func (Connect) isAction()         {}
func (Disconnect) isAction()      {}
func (DeleteInterface) isAction() {}
func (SetTimer) isAction()        {}
func (StopTimer) isAction()       {}
func (Notify) isAction()          {}
func (Reply) isAction()           {}
func (Checkpoint) isAction()      {}

// Notification is a report of a group to the layer above.
type Notification interface{ isNotification() }

// GroupStarted: the group is up. A GO reports it once the AP is up, or,
// when forming a group with a given peer, once that peer has joined; a
// client once its 4-way handshake is done.
type GroupStarted struct {
	Role      p2pmsg.Role
	SSID      []byte
	BSSID     MAC // the GO's P2P Interface Address
	Freq      int
	Interface string // netdev name of our group interface
	// GODeviceAddress is the GO's P2P Device Address (ours as GO).
	GODeviceAddress MAC
	// Passphrase (when known) and PSK are the group's credential, for the
	// caller to store a persistent group; Persistent is the GO's flag.
	Passphrase string
	PSK        []byte
	Persistent bool
	// IP is our address with its prefix; invalid when we have none (a
	// client whose GO allocated none: DHCP must run).
	IP netip.Prefix
	// PeerIPs are the members' addresses on a GO, the GO's on a client.
	PeerIPs []netip.Addr
	// AddressErr says why IP could not be put on the interface (nil: it
	// is there).
	AddressErr error
}

// String describes the group without its credential, so that a
// notification can be logged or printed: the passphrase and PSK never are.
func (g GroupStarted) String() string {
	return fmt.Sprintf("group started: %s SSID %q BSSID %v freq %d interface %s GO %v persistent %v IP %v peers %v",
		g.Role, g.SSID, g.BSSID, g.Freq, g.Interface, g.GODeviceAddress, g.Persistent, g.IP, g.PeerIPs)
}

// MemberJoined: a client completed the 4-way handshake on our GO.
type MemberJoined struct {
	DeviceAddress    MAC // zero for a legacy (non-P2P) client
	InterfaceAddress MAC
	DeviceName       string // as received in its P2P IE (Sanitize before showing)
	IP               netip.Addr
}

// MemberAddressed: a member got an address from our DHCP server (one it
// had not been given in its 4-way handshake).
type MemberAddressed struct {
	DeviceAddress    MAC
	InterfaceAddress MAC
	IP               netip.Addr
}

// MemberLeft: a client that had joined left (it deauthenticated or
// disassociated, the radio removed it, or we removed it: ByUs).
type MemberLeft struct {
	DeviceAddress    MAC
	InterfaceAddress MAC
	IP               netip.Addr
	Reason           uint16
	ByUs             bool
}

// MemberFailed: a station that associated did not join: its 4-way
// handshake failed or it went away before the end.
type MemberFailed struct {
	DeviceAddress    MAC
	InterfaceAddress MAC
	Err              error
}

// ProvisioningSucceeded: WSC provisioning ended with the Credential
// delivered (GO) or received (client).
type ProvisioningSucceeded struct {
	Peer MAC // the Enrollee's interface address (GO) or the GO's BSSID (client)
}

// ProvisioningFailed: WSC provisioning failed; no Credential was
// delivered. ConfigError is the WSC Configuration Error
// (wsc.ConfigErrDevicePasswordAuthFailure for a wrong PIN,
// wsc.ConfigErrMultiplePBCDetected for a push button overlap).
type ProvisioningFailed struct {
	Peer        MAC
	Err         error
	ConfigError wsc.ConfigError
}

// GroupFailed: the group could not be started or formed; our interface is
// gone (or going).
type GroupFailed struct{ Err error }

// GroupRemoved: a started group ended. Err wraps ErrStopped,
// ErrInterfaceRemoved or ErrDisconnected (then ReasonCode is the IEEE
// 802.11 reason code).
type GroupRemoved struct {
	Err        error
	ReasonCode uint16
}

func (GroupStarted) isNotification()          {}
func (MemberJoined) isNotification()          {}
func (MemberLeft) isNotification()            {}
func (MemberAddressed) isNotification()       {}
func (MemberFailed) isNotification()          {}
func (ProvisioningSucceeded) isNotification() {}
func (ProvisioningFailed) isNotification()    {}
func (GroupFailed) isNotification()           {}
func (GroupRemoved) isNotification()          {}

// Errors of the notifications and commands.
var (
	ErrStopped          = errors.New("group: stopped")
	ErrInterfaceRemoved = errors.New("group: interface removed")
	ErrDisconnected     = errors.New("group: disconnected")
	ErrGONotFound       = errors.New("group: group owner not found")
	ErrConnectFailed    = errors.New("group: association failed")
	ErrProvisioning     = errors.New("group: WSC provisioning failed")
	ErrHandshake        = errors.New("group: 4-way handshake failed")
	ErrFormationTimeout = errors.New("group: group formation timed out")
	ErrStartFailed      = errors.New("group: could not start the group")
	ErrUnknownClient    = errors.New("group: no such client")
	ErrNotGO            = errors.New("group: not a group owner")
	ErrClosed           = errors.New("group: closed")
	ErrInvalidConfig    = errors.New("group: invalid configuration")
	ErrStationVanished  = errors.New("group: station left before joining")
	ErrPoolExhausted    = errors.New("group: no free address in the pool")
)
