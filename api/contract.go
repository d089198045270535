package api

import (
	"context"
	"fmt"
	"net/netip"
	"time"
)

// Threading: the D-Bus layer calls Backend and Device methods from many
// goroutines at once (one per D-Bus call); an implementation posts each
// call to its own event loop and waits for the answer, honouring ctx. The
// layer reads the event channel from one goroutine that never calls back
// into the backend nor waits for anything that does, so the backend may
// block while sending an event (a buffered channel is still recommended).
// Methods never see bus names or object paths: the layer resolves them to
// devices, peer addresses and group IDs.

// Backend is the service below the D-Bus layer.
type Backend interface {
	// Subscribe returns the current state, as a list of events (a
	// DeviceAdded for each device, then PeerUpdated and GroupUpdated for
	// each known peer and group), and the channel of every later event,
	// taken atomically (no event is lost or repeated between the two). It
	// is called once. The backend closes the channel when it stops; the
	// layer then ends Service.Run.
	Subscribe(ctx context.Context) (initial []Event, events <-chan Event, err error)

	// SetAgentCapability tells the backend whether an agent is registered
	// and what it can do (AgentNone when none is). Without an agent the
	// layer refuses every AgentRequest at once; the backend can use the
	// capability to choose the Config Methods it advertises.
	SetAgentCapability(ctx context.Context, c AgentCapability) error
}

// Device is one P2P-capable radio (a P2P Device in the specification's
// words). Each method returns when the backend has applied the request
// (or failed to): errors wrap the sentinels of errors.go (ErrBusy,
// ErrNotReady, ErrPeerUnreachable...) so the caller gets a named error.
// Peers are addressed by their P2P Device Address, groups by their GroupID.
type Device interface {
	// SetName sets the P2P Device Name (1..32 octets of UTF-8 without
	// control characters; the layer has checked).
	SetName(ctx context.Context, name string) error
	// SetEnabled turns P2P on this radio on or off.
	SetEnabled(ctx context.Context, enabled bool) error
	// SetGOIntent sets the default GO Intent (0..15, checked).
	SetGOIntent(ctx context.Context, intent uint8) error

	// StartDiscovery declares that discovery is wanted with these options
	// until StopDiscovery; a second call while wanted changes the options.
	// The layer merges the leases of all its clients into one request.
	// The backend keeps discovery running, or resumes it when it can (after
	// a connection, when the radio is free again), and reports what
	// actually happens in DeviceInfo.Discovering.
	StartDiscovery(ctx context.Context, o DiscoveryOptions) error
	// StopDiscovery declares that discovery is no longer wanted.
	StopDiscovery(ctx context.Context) error
	// StartListen and StopListen do the same for the Listen State
	// (reported in DeviceInfo.Listening).
	StartListen(ctx context.Context, o ListenOptions) error
	StopListen(ctx context.Context) error

	// CreateGroup starts an autonomous group with this device as GO. It
	// returns when the group is up, after the backend has sent the
	// GroupUpdated event that describes it.
	CreateGroup(ctx context.Context, o GroupOptions) (GroupID, error)
	// Connect forms a group with the peer (GO Negotiation, Invitation or
	// joining its running group, then WPS, the 4-way handshake and IP
	// configuration). It returns when the group is up with IP configured,
	// after the GroupUpdated event that describes it. A PIN the user must
	// see or type goes through AgentRequest events. When ctx is cancelled
	// (the caller left the bus, the layer's timeout) it aborts.
	Connect(ctx context.Context, peer MAC, o ConnectOptions) (GroupID, error)
	// Disconnect ends everything this device has with the peer: an ongoing
	// Connect or Provision Discovery, the group where it is GO, its
	// membership in our group.
	Disconnect(ctx context.Context, peer MAC) error
	// ProvisionDiscovery sends a Provision Discovery Request for the method
	// and returns when the peer answered (ErrRejected when it refused).
	ProvisionDiscovery(ctx context.Context, peer MAC, m WPSMethod) error
	// LeaveGroup ends the group (as GO) or leaves it (as client).
	LeaveGroup(ctx context.Context, g GroupID) error
	// AllowJoin opens WPS on a group where this device is GO, for a new
	// client (ErrNotSupported when it is a client there).
	AllowJoin(ctx context.Context, g GroupID, o JoinOptions) error
	// PlanGroup says, without doing anything, whether a group with these
	// options could start now, on which channel, and what it would
	// conflict with or interrupt: the arbiter's decision for CreateGroup or
	// Connect with the same options.
	PlanGroup(ctx context.Context, o PlanOptions) (GroupPlan, error)
}

// Event is a state change from the backend: DeviceAdded, DeviceChanged,
// DeviceRemoved, PeerUpdated, PeerRemoved, GroupUpdated, GroupRemoved,
// AgentRequest or AgentCancel.
type Event interface{ isEvent() }

// DeviceAdded: a P2P-capable radio appeared. Device is the handle the
// layer calls; Info.ID names it (and its object path).
type DeviceAdded struct {
	Device Device
	Info   DeviceInfo
}

// DeviceChanged carries the full new state of a device; the layer emits
// PropertiesChanged for what differs.
type DeviceChanged struct{ Info DeviceInfo }

// DeviceRemoved: the radio went away, with its peers and groups.
type DeviceRemoved struct{ ID DeviceID }

// PeerUpdated carries the full state of a peer; the first one for an
// address adds the peer.
type PeerUpdated struct {
	Device DeviceID
	Info   PeerInfo
}

// PeerRemoved: the peer expired or was forgotten.
type PeerRemoved struct {
	Device  DeviceID
	Address MAC
}

// GroupUpdated carries the full state of a group this device is in; the
// first one for an ID adds the group.
type GroupUpdated struct {
	Device DeviceID
	Info   GroupInfo
}

// GroupRemoved: the group ended or we left it.
type GroupRemoved struct {
	Device DeviceID
	ID     GroupID
}

// AgentRequest asks the registered agent something about a peer. The
// layer calls the agent and then Respond, exactly once, from any goroutine
// (Respond must not block; it typically posts to the backend's loop). With
// no agent registered, or when the agent fails or times out, the response
// is a refusal (Err set).
type AgentRequest struct {
	// ID identifies the request for AgentCancel; unique per backend.
	ID     uint64
	Device DeviceID
	Peer   MAC
	Kind   AgentRequestKind
	// Request and Method describe an AgentAuthorize: what the peer asks
	// for and the provisioning method this device would use.
	Request RequestKind
	Method  WPSMethod
	// PIN is the PIN to show, for AgentDisplayPIN.
	PIN string
	// Interface and Detail describe an AgentConcurrency: the station
	// interface that would disconnect while the group runs, and the
	// conflict in words.
	Interface string
	Detail    string
	// Timeout bounds the wait for the agent (0: the layer's default).
	Timeout time.Duration
	// Respond receives the outcome. For AgentAuthorize Accepted tells the
	// answer; for AgentRequestPIN PIN holds the PIN (4 or 8 digits,
	// checked); for AgentDisplayPIN Accepted tells that the agent took it;
	// for AgentConcurrency Accepted lets the station yield.
	// It may be nil for AgentDisplayPIN.
	Respond func(AgentResponse)
}

// AgentResponse is the outcome of an AgentRequest.
type AgentResponse struct {
	Accepted bool
	PIN      string
	// Err says why the request was refused (ErrRejected, ErrTimeout,
	// ErrNotFound when no agent is registered...).
	Err error
}

// AgentCancel withdraws an AgentRequest that is no longer needed (the peer
// gave up); the layer tells the agent with Agent1.Cancel and responds to
// the request with ErrAborted if it had not yet.
type AgentCancel struct{ ID uint64 }

func (DeviceAdded) isEvent()   {}
func (DeviceChanged) isEvent() {}
func (DeviceRemoved) isEvent() {}
func (PeerUpdated) isEvent()   {}
func (PeerRemoved) isEvent()   {}
func (GroupUpdated) isEvent()  {}
func (GroupRemoved) isEvent()  {}
func (AgentRequest) isEvent()  {}
func (AgentCancel) isEvent()   {}

// DeviceID names a device, as the last element of its object path
// (/org/freedesktop/WiFiP2P/phy0): the radio's name. Characters other than
// [A-Za-z0-9_] are replaced by '_'.
type DeviceID string

// GroupID names a group of a device; it must not be reused for another
// group during the backend's lifetime (it appears in the object path
// .../groups/N).
type GroupID uint32

// MAC is an IEEE 802 MAC address (a P2P Device or Interface Address);
// ieee80211.MAC converts to it directly.
type MAC [6]byte

// String formats the address as aa:bb:cc:dd:ee:ff.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// DeviceType is a WSC Primary or Secondary Device Type (WSC v2.0.5,
// 12 "Primary Device Type"): Category, OUI and Sub Category; p2pmsg's
// DeviceType converts to it directly.
type DeviceType struct {
	Category    uint16
	OUI         [4]byte
	SubCategory uint16
}

// DeviceInfo is the state of a device (Device1's properties).
type DeviceInfo struct {
	ID                DeviceID
	Name              string
	Address           MAC
	PrimaryDeviceType DeviceType
	Enabled           bool
	Discovering       bool
	Listening         bool
	GOIntent          uint8
	Capabilities      Capabilities
	Availability      Availability
	// AvailabilityDetail says more, in words (e.g. "wpa_supplicant owns
	// the P2P-Device interface of phy0"); may be empty.
	AvailabilityDetail string
	// Radio is what uses the radio now and what it still allows.
	Radio RadioInfo
}

// RadioInfo is the radio's current uses, as the arbiter sees them
// (Device1.Radio).
type RadioInfo struct {
	// Interfaces are every interface on the radio, ours and other
	// programs'.
	Interfaces []RadioInterface
	// Channels is how many different channels the radio can use at once
	// beside our P2P Device (the most its interface combinations allow).
	Channels uint32
	// InUse are the operating channels of the radio's interfaces (MHz).
	InUse []uint32
	// Allowed are the channels a new group could operate on now (MHz).
	Allowed []uint32
	// GroupsAvailable is how many more groups could start now.
	GroupsAvailable uint32
	// RFKillSoft and RFKillHard are the radio's rfkill switch.
	RFKillSoft, RFKillHard bool
}

// RadioInterface is one interface on a radio.
type RadioInterface struct {
	// Name is the network interface ("" for a P2P Device, which has none).
	Name string
	// Type is "station", "ap", "p2p-client", "p2p-go" or "p2p-device".
	Type string
	// Frequency is its operating channel (MHz; 0: none).
	Frequency uint32
	// Ours: the service created it; otherwise another program did.
	Ours bool
	// Manager names the program that manages it, when known
	// ("NetworkManager", "iwd", "wpa_supplicant").
	Manager string
}

// PlanOptions are what PlanGroup plans: a CreateGroup (no peer) or a
// Connect to Peer.
type PlanOptions struct {
	// Peer, when HasPeer, plans a Connect to that peer; otherwise a
	// CreateGroup.
	Peer    MAC
	HasPeer bool
	// Join plans joining the peer's running group.
	Join bool
	// Band and Frequency are CreateGroup's and Connect's; ForceFrequency
	// is Connect's.
	Band           Band
	Frequency      uint32
	ForceFrequency bool
}

// GroupPlan is the arbiter's answer to PlanGroup.
type GroupPlan struct {
	// Possible: the group could start now (after the station yields, when
	// Decision is DecisionStationYields).
	Possible bool
	// Frequency is the channel the group would use (MHz; 0 when not
	// possible or decided by the negotiation).
	Frequency uint32
	// Decision is what the service would do.
	Decision Decision
	// Reason says why, in words.
	Reason string
	// Conflicts are the uses of the radio the group conflicts with, in
	// words; Interrupts what it would interrupt.
	Conflicts  []string
	Interrupts []string
	// Err is the error the call would fail with (nil when possible).
	Err error
}

// Decision is what the arbiter decides about a group.
type Decision uint8

// Decisions.
const (
	// DecisionAllow: the group fits beside what uses the radio.
	DecisionAllow Decision = iota + 1
	// DecisionRefuse: the call fails (ErrConcurrencyConflict, or another
	// error Err names).
	DecisionRefuse
	// DecisionAsk: the agent is asked whether the station may yield.
	DecisionAsk
	// DecisionStationYields: the station's manager is asked to disconnect
	// it for the group's lifetime.
	DecisionStationYields
)

// String is the API's spelling.
func (d Decision) String() string {
	switch d {
	case DecisionAllow:
		return "allow"
	case DecisionRefuse:
		return "refuse"
	case DecisionAsk:
		return "ask"
	case DecisionStationYields:
		return "station-yields"
	}
	return fmt.Sprintf("decision(%d)", uint8(d))
}

// Capabilities is what the radio can do for P2P.
type Capabilities struct {
	Bands []Band
	// Frequencies are the channels (MHz) usable for a P2P group here.
	Frequencies []uint32
	// MaxGroups is how many P2P groups can run at once.
	MaxGroups uint32
	// P2PDevice tells that the driver has a dedicated P2P-Device
	// interface type.
	P2PDevice    bool
	Combinations []InterfaceCombination
}

// InterfaceCombination is one of the radio's valid interface
// combinations (nl80211 NL80211_ATTR_INTERFACE_COMBINATIONS).
type InterfaceCombination struct {
	Limits        []InterfaceLimit
	MaxInterfaces uint32
	// Channels is how many different channels may be used at once.
	Channels uint32
}

// InterfaceLimit: at most Max interfaces of these types (station, ap,
// p2p-client, p2p-go, p2p-device...).
type InterfaceLimit struct {
	Max   uint32
	Types []string
}

// Band is a frequency band.
type Band uint8

// Bands.
const (
	Band2GHz Band = iota + 1 // 2.4 GHz
	Band5GHz
	Band6GHz
)

// String is the API's spelling: 2.4ghz, 5ghz, 6ghz.
func (b Band) String() string {
	switch b {
	case Band2GHz:
		return "2.4ghz"
	case Band5GHz:
		return "5ghz"
	case Band6GHz:
		return "6ghz"
	}
	return fmt.Sprintf("band(%d)", uint8(b))
}

// Availability says whether P2P is usable on a device, and if not why.
type Availability uint8

// Availability values.
const (
	Available         Availability = iota // usable
	Disabled                              // Enabled is false
	RFKillBlocked                         // the radio is rfkill-blocked
	NotSupportedHere                      // the driver lacks P2P interface types
	InUse                                 // another program (e.g. wpa_supplicant) drives P2P on this radio
	NoChannels                            // regulatory rules leave no usable channel
	ConcurrencyLimit                      // the interface combinations are used up by other interfaces
	AvailabilityError                     // the device failed; see AvailabilityDetail
)

// String is the API's spelling.
func (a Availability) String() string {
	switch a {
	case Available:
		return "available"
	case Disabled:
		return "disabled"
	case RFKillBlocked:
		return "rfkill-blocked"
	case NotSupportedHere:
		return "not-supported"
	case InUse:
		return "in-use"
	case NoChannels:
		return "no-channels"
	case ConcurrencyLimit:
		return "concurrency-limit"
	case AvailabilityError:
		return "error"
	}
	return fmt.Sprintf("availability(%d)", uint8(a))
}

// PeerInfo is what the device knows about a peer (Peer1's properties).
// Strings may come from the air: the layer sanitises them.
type PeerInfo struct {
	// Address is the P2P Device Address, the key of the peer.
	Address              MAC
	Name                 string
	PrimaryDeviceType    DeviceType
	SecondaryDeviceTypes []DeviceType
	ConfigMethods        ConfigMethods
	// DeviceCapability and GroupCapability are the bitmaps of the peer's
	// P2P Capability attribute (Wi-Fi P2P v1.7, 4.1.4, Tables 12 and 13).
	DeviceCapability uint8
	GroupCapability  uint8
	// GroupOwner tells that the peer currently runs a group as GO.
	GroupOwner   bool
	Manufacturer string
	Model        string
	ModelNumber  string
	SerialNumber string
	// Signal is the strength of the last frame heard, in dBm.
	Signal   int16
	LastSeen time.Time
	// WFD is the peer's Wi-Fi Display information, nil without a WFD IE.
	WFD *WFDInfo
	// LastError is why the last operation with this peer failed (nil:
	// none); mapped to a D-Bus error name through the error table.
	LastError error
}

// ConfigMethods is a WSC Config Methods bitmap (WSC v2.0.5, Table 33);
// p2pmsg.ConfigMethods converts to it directly.
type ConfigMethods uint16

// WFDInfo is a peer's Wi-Fi Display information (Wi-Fi Display v2.1,
// 5.1.2 WFD Device Information).
type WFDInfo struct {
	DeviceType        WFDDeviceType
	SessionAvailable  bool
	ContentProtection bool
	// RTSPPort is the Session Management Control Port (7236 by default).
	RTSPPort uint16
	// MaxThroughput is in Mbps.
	MaxThroughput uint16
	// Subelements is the raw payload of the WFD IE.
	Subelements []byte
}

// WFDDeviceType is the WFD Device Type field.
type WFDDeviceType uint8

// WFD device types (Wi-Fi Display v2.1, Table 29, bits 1:0).
const (
	WFDSource WFDDeviceType = iota
	WFDPrimarySink
	WFDSecondarySink
	WFDDualRole
)

// String is the API's spelling.
func (t WFDDeviceType) String() string {
	switch t {
	case WFDSource:
		return "source"
	case WFDPrimarySink:
		return "primary-sink"
	case WFDSecondarySink:
		return "secondary-sink"
	case WFDDualRole:
		return "dual-role"
	}
	return fmt.Sprintf("wfd-device-type(%d)", uint8(t))
}

// GroupInfo is the state of a group this device is in (Group1's
// properties). The passphrase is not part of it, by design.
type GroupInfo struct {
	ID   GroupID
	Role GroupRole
	SSID []byte
	// BSSID is the GO's P2P Interface Address.
	BSSID MAC
	// Frequency is the operating channel, MHz.
	Frequency uint32
	// Interface is the network interface of the group (p2p-wlan0-0).
	Interface  string
	Persistent bool
	// GroupOwner is the P2P Device Address of the GO (ours when Role is
	// RoleGO).
	GroupOwner MAC
	// Members are the P2P Device Addresses of the clients (when we are GO)
	// or of the GO (when we are a client); the layer shows those it has a
	// peer for.
	Members []MAC
	// LocalAddresses are the addresses of Interface, GroupOwnerAddress the
	// GO's IPv4 address, MemberAddresses the addresses the GO gave to its
	// clients (by P2P Device Address).
	LocalAddresses    []netip.Prefix
	GroupOwnerAddress netip.Addr
	MemberAddresses   map[MAC]netip.Addr
}

// GroupRole is this device's role in a group.
type GroupRole uint8

// Group roles.
const (
	RoleClient GroupRole = iota + 1
	RoleGO
)

// String is the API's spelling: go or client.
func (r GroupRole) String() string {
	switch r {
	case RoleGO:
		return "go"
	case RoleClient:
		return "client"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// DiscoveryType says which channels discovery scans.
type DiscoveryType uint8

// Discovery types.
const (
	// DiscoverFull scans every channel first, then the social channels.
	DiscoverFull DiscoveryType = iota
	// DiscoverSocial scans the social channels (1, 6, 11) only.
	DiscoverSocial
	// DiscoverProgressive scans the social channels and one more channel
	// each round.
	DiscoverProgressive
)

// String is the API's spelling.
func (t DiscoveryType) String() string {
	switch t {
	case DiscoverFull:
		return "full"
	case DiscoverSocial:
		return "social"
	case DiscoverProgressive:
		return "progressive"
	}
	return fmt.Sprintf("discovery-type(%d)", uint8(t))
}

// DiscoveryOptions is the merged discovery request of all clients.
type DiscoveryOptions struct {
	Type DiscoveryType
	// DeviceTypes, when not empty, are the Requested Device Types (at most
	// 16); empty means any device.
	DeviceTypes []DeviceType
}

// ListenOptions is the merged Listen request of all clients (no options
// yet: the Listen Channel is the device's configuration).
type ListenOptions struct{}

// GroupOptions configure CreateGroup.
type GroupOptions struct {
	Persistent bool
	// Band or Frequency (MHz) choose the operating channel; zero values let
	// the backend choose. At most one is set.
	Band      Band
	Frequency uint32
	// Passphrase, when set, is the WPA2 passphrase (8..63 printable ASCII);
	// otherwise the backend generates one.
	Passphrase string
}

// ConnectOptions configure Connect.
type ConnectOptions struct {
	Method WPSMethod
	// PIN is set for MethodPINDisplay (the PIN to show; empty: the backend
	// generates one and sends AgentDisplayPIN) and MethodPINKeypad (the
	// PIN the peer shows; empty: the backend asks with AgentRequestPIN).
	PIN string
	// GOIntent overrides the device's GO Intent when HasGOIntent.
	GOIntent    uint8
	HasGOIntent bool
	// Join joins the peer's running group as a client instead of
	// negotiating.
	Join       bool
	Persistent bool
	// Frequency is the preferred operating channel (MHz, 0: any); with
	// ForceFrequency the only channel offered.
	Frequency      uint32
	ForceFrequency bool
}

// JoinOptions configure AllowJoin.
type JoinOptions struct {
	Method WPSMethod
	PIN    string
	// Peer, when HasPeer, restricts WPS to that P2P Device.
	Peer    MAC
	HasPeer bool
	// Timeout is how long WPS stays open (the layer defaults it to 120 s,
	// the WPS Walk Time).
	Timeout time.Duration
}

// WPSMethod is a WSC provisioning method, from this device's point of view.
type WPSMethod uint8

// Provisioning methods.
const (
	// MethodAuto lets the backend choose from the peer's Config Methods.
	MethodAuto WPSMethod = iota
	// MethodPBC is push button on both sides.
	MethodPBC
	// MethodPINDisplay: this device shows a PIN, the peer enters it.
	MethodPINDisplay
	// MethodPINKeypad: this device enters the PIN the peer shows.
	MethodPINKeypad
)

// String is the API's spelling.
func (m WPSMethod) String() string {
	switch m {
	case MethodAuto:
		return "auto"
	case MethodPBC:
		return "pbc"
	case MethodPINDisplay:
		return "pin-display"
	case MethodPINKeypad:
		return "pin-keypad"
	}
	return fmt.Sprintf("method(%d)", uint8(m))
}

// AgentRequestKind is what an AgentRequest asks.
type AgentRequestKind uint8

// Agent request kinds.
const (
	// AgentAuthorize: accept or refuse an incoming request
	// (Agent1.RequestAuthorization).
	AgentAuthorize AgentRequestKind = iota + 1
	// AgentDisplayPIN: show this PIN to the user (Agent1.DisplayPin).
	AgentDisplayPIN
	// AgentRequestPIN: ask the user for the PIN the peer shows
	// (Agent1.RequestPin).
	AgentRequestPIN
	// AgentConcurrency: ask whether the station may disconnect while a
	// group runs (Agent1.RequestConcurrency).
	AgentConcurrency
)

// RequestKind is what a peer asks for in an AgentAuthorize.
type RequestKind uint8

// Request kinds.
const (
	// RequestNegotiation: a GO Negotiation Request.
	RequestNegotiation RequestKind = iota + 1
	// RequestInvitation: an Invitation Request (to a persistent group or a
	// running group).
	RequestInvitation
	// RequestJoin: a client wants to join our group.
	RequestJoin
	// RequestProvision: a Provision Discovery Request.
	RequestProvision
)

// String is the API's spelling.
func (r RequestKind) String() string {
	switch r {
	case RequestNegotiation:
		return "negotiation"
	case RequestInvitation:
		return "invitation"
	case RequestJoin:
		return "join"
	case RequestProvision:
		return "provision"
	}
	return fmt.Sprintf("request(%d)", uint8(r))
}

// AgentCapability is what the registered agent can do (RegisterAgent's
// capability argument).
type AgentCapability uint8

// Agent capabilities.
const (
	// AgentNone: no agent is registered.
	AgentNone AgentCapability = iota
	// AgentKeyboardDisplay can show and enter PINs.
	AgentKeyboardDisplay
	// AgentDisplayOnly can show PINs but not enter them.
	AgentDisplayOnly
	// AgentKeyboardOnly can enter PINs but not show them.
	AgentKeyboardOnly
	// AgentNoInputNoOutput can only accept or refuse (push button).
	AgentNoInputNoOutput
)

// String is the API's spelling.
func (c AgentCapability) String() string {
	switch c {
	case AgentNone:
		return "none"
	case AgentKeyboardDisplay:
		return "keyboard-display"
	case AgentDisplayOnly:
		return "display-only"
	case AgentKeyboardOnly:
		return "keyboard-only"
	case AgentNoInputNoOutput:
		return "no-input-no-output"
	}
	return fmt.Sprintf("capability(%d)", uint8(c))
}
