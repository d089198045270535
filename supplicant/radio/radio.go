// Package radio is the seam between the supplicant core and a radio: the
// Linux kernel through nl80211 (package radio/nl80211) or the in-memory
// simulated medium (package radio/simradio).
//
// The seam follows nl80211's own model so that the real driver is a thin
// translation: a Phy is a wiphy, an Interface is a wdev (with a netdev
// except for the P2P device), management frames are registered by type and
// match prefix and transmitted with a cookie that a TxStatus event reports,
// remain-on-channel is explicit, scans are triggered and their results read
// back, a group owner runs the AP with a userspace SME (it answers
// authentication and association frames itself and adds stations), a client
// connects to a BSSID, EAPOL travels over the control port (each frame's
// fate reported as an EAPOLTxStatus), and keys are installed per peer.
//
// Each Interface delivers one ordered stream of typed events. The order is
// the radio's: on Linux an EAPOLReceived may come before the Connected that
// the kernel reports from a work queue, and a StationRemoved follows our own
// DelStation. Methods an
// interface type does not support return ErrNotSupported, as the kernel
// answers EOPNOTSUPP.
package radio

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Errors that callers branch on. Implementations wrap them (see Error).
var (
	ErrNotSupported = errors.New("radio: operation not supported")
	ErrBusy         = errors.New("radio: device busy")
	ErrNoDevice     = errors.New("radio: no such device") // phy or interface gone
	ErrInvalid      = errors.New("radio: invalid argument")
	ErrNotConnected = errors.New("radio: not connected")
	ErrNoChannel    = errors.New("radio: channel not usable") // disabled or no-IR
	ErrNotFound     = errors.New("radio: no such object")     // cookie, key or station (ENOENT)
)

// Error is an operation's failure as the radio reported it: the sentinel it
// maps to, the errno when a kernel gave one, and the kernel's extended ack
// message when it gave one.
type Error struct {
	Op      string // e.g. "NEW_INTERFACE", "remain on channel"
	Err     error  // one of the sentinels above, or another cause
	Errno   int    // 0 when not from a kernel
	Message string // extended ack text, may be empty
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Err.Error()
	if e.Errno != 0 {
		s += fmt.Sprintf(" (errno %d)", e.Errno)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Backend enumerates the radios of one system.
type Backend interface {
	Phys(ctx context.Context) ([]Phy, error)
}

// Phy is one radio (an nl80211 wiphy).
type Phy interface {
	Info() PhyInfo
	// NewInterface creates an interface of the given type on this phy. A P2P
	// device is also started (NL80211_CMD_START_P2P_DEVICE); a netdev is
	// brought up.
	NewInterface(ctx context.Context, cfg InterfaceConfig) (Interface, error)
	// Removed is closed when the phy disappears (unplugged, module removed).
	// Each of its interfaces has then queued InterfaceRemoved as its last
	// event.
	Removed() <-chan struct{}
}

// InterfaceConfig asks for a new interface.
type InterfaceConfig struct {
	Type IfType
	Name string // netdev name; ignored for P2PDevice; "" lets the radio choose
	// Addr is the address to use; zero lets the radio choose (a chosen one
	// needs PhyInfo.MACOnCreate). mac80211 picks a P2P device's address
	// itself and refuses a chosen one: always read Info().Addr afterwards.
	Addr ieee80211.MAC
}

// Interface is one wdev. It implements every capability of the seam; which
// ones work depends on Info().Type.
type Interface interface {
	Wdev
	Frames
	OffChannel
	Scanner
	AccessPoint
	Station
	ControlPort
	Keys
	Addresses
	// Delete removes the interface (stopping a P2P device first). Its event
	// stream ends with InterfaceRemoved and is then closed.
	Delete(ctx context.Context) error
}

// Wdev identifies an interface and carries its events.
type Wdev interface {
	Info() InterfaceInfo
	// Events is the interface's ordered event stream. It is closed after
	// InterfaceRemoved. When the consumer falls too far behind, events are
	// dropped and EventsLost is delivered in their place: state must then be
	// read again (as after ENOBUFS on a netlink socket).
	Events() <-chan Event
}

// Frames registers for received management frames and transmits them.
type Frames interface {
	// RegisterFrame subscribes the interface to received management frames of
	// this type whose body starts with Match (NL80211_CMD_REGISTER_FRAME).
	RegisterFrame(ctx context.Context, m FrameMatch) error
	// SendFrame transmits a management frame (NL80211_CMD_FRAME). Unless
	// NoAck is set, a TxStatus event with the returned cookie follows.
	SendFrame(ctx context.Context, tx Tx) (Cookie, error)
}

// OffChannel keeps a radio on a channel for a while.
type OffChannel interface {
	// RemainOnChannel asks to stay on freq for d
	// (NL80211_CMD_REMAIN_ON_CHANNEL). RemainOnChannelStarted and later
	// RemainOnChannelExpired events carry the returned cookie. d must not
	// exceed PhyInfo.MaxRemainOnChannel.
	RemainOnChannel(ctx context.Context, freq int, d time.Duration) (Cookie, error)
	// CancelRemainOnChannel ends it early; RemainOnChannelExpired follows.
	CancelRemainOnChannel(ctx context.Context, c Cookie) error
	// CancelFrameWait ends the off-channel wait of a frame sent with Wait
	// (NL80211_CMD_FRAME_WAIT_CANCEL).
	CancelFrameWait(ctx context.Context, c Cookie) error
}

// Scanner triggers active scans and reads their results.
type Scanner interface {
	// TriggerScan starts a scan (NL80211_CMD_TRIGGER_SCAN); ScanDone follows.
	TriggerScan(ctx context.Context, req ScanRequest) error
	// AbortScan stops a running scan; ScanDone{Aborted: true} follows.
	AbortScan(ctx context.Context) error
	// ScanResults returns the BSSs the radio knows (NL80211_CMD_GET_SCAN).
	ScanResults(ctx context.Context) ([]BSS, error)
}

// AccessPoint runs a group owner's BSS with a userspace SME: received
// authentication and association requests arrive as frames (register for
// them), the owner answers with SendFrame and adds the station.
type AccessPoint interface {
	StartAP(ctx context.Context, cfg APConfig) error        // NL80211_CMD_START_AP
	SetBeacon(ctx context.Context, b BeaconData) error      // NL80211_CMD_SET_BEACON
	StopAP(ctx context.Context) error                       // NL80211_CMD_STOP_AP
	NewStation(ctx context.Context, st StationParams) error // NL80211_CMD_NEW_STATION
	// DelStation removes a station, sending it a deauthentication with
	// reason when reason is not 0 (NL80211_CMD_DEL_STATION).
	DelStation(ctx context.Context, addr ieee80211.MAC, reason uint16) error
}

// Station connects a client interface to a BSS.
type Station interface {
	// Connect authenticates and associates (NL80211_CMD_CONNECT, or
	// AUTHENTICATE then ASSOCIATE). Connected follows, with a status.
	Connect(ctx context.Context, req ConnectRequest) error
	// Disconnect leaves the BSS with a reason code; Disconnected follows.
	Disconnect(ctx context.Context, reason uint16) error
}

// ControlPort carries EAPOL frames (nl80211 control port, or a PAE socket).
type ControlPort interface {
	// SendEAPOL sends an EAPOL PDU (802.1X header on) to dst, unencrypted
	// unless a pairwise key is installed. An EAPOLTxStatus with the
	// returned cookie follows: whether the frame was acknowledged when the
	// radio can tell (PhyInfo.ControlPortTxStatus), else Acked true once
	// it is sent.
	SendEAPOL(ctx context.Context, dst ieee80211.MAC, pdu []byte) (Cookie, error)
}

// Keys installs keys and opens the controlled port.
type Keys interface {
	NewKey(ctx context.Context, k Key) error // NL80211_CMD_NEW_KEY (+ SET_KEY default for group keys)
	DelKey(ctx context.Context, k KeyRef) error
	// SetAuthorized opens (or closes) the controlled port for a peer: on a
	// group owner the station, on a client the BSSID
	// (NL80211_CMD_SET_STATION with NL80211_STA_FLAG_AUTHORIZED).
	SetAuthorized(ctx context.Context, peer ieee80211.MAC, authorized bool) error
}

// Addresses configures the IP addresses of a netdev interface (rtnetlink
// RTM_NEWADDR and RTM_DELADDR): a P2P group interface's own address. A P2P
// Device has no netdev: both fail with ErrNotSupported there.
type Addresses interface {
	// AddAddress adds an address with its prefix; adding one the interface
	// has already is not an error.
	AddAddress(ctx context.Context, p netip.Prefix) error
	// DeleteAddress removes it; removing one it does not have is not an
	// error.
	DeleteAddress(ctx context.Context, p netip.Prefix) error
}

// IfType is an interface type (nl80211_iftype).
type IfType uint8

// Interface types the seam knows.
const (
	IfStation IfType = iota + 1
	IfAP
	IfP2PClient
	IfP2PGO
	IfP2PDevice
)

func (t IfType) String() string {
	switch t {
	case IfStation:
		return "station"
	case IfAP:
		return "AP"
	case IfP2PClient:
		return "P2P-client"
	case IfP2PGO:
		return "P2P-GO"
	case IfP2PDevice:
		return "P2P-device"
	}
	return fmt.Sprintf("iftype(%d)", uint8(t))
}

// IfTypes is a set of interface types.
type IfTypes uint32

// Has reports whether t is in the set.
func (s IfTypes) Has(t IfType) bool { return s&(1<<t) != 0 }

// With returns the set plus t.
func (s IfTypes) With(t ...IfType) IfTypes {
	for _, x := range t {
		s |= 1 << x
	}
	return s
}

// PhyInfo is what a phy can do (NL80211_CMD_GET_WIPHY).
type PhyInfo struct {
	Index    int    // wiphy index
	Name     string // "phy0"
	PermAddr ieee80211.MAC

	SupportedIfTypes IfTypes
	// SoftwareIfTypes are not limited by Combinations (e.g. monitor).
	SoftwareIfTypes IfTypes
	Combinations    []IfCombination
	Bands           []Band

	MACOnCreate        bool          // NL80211_FEATURE_MAC_ON_CREATE
	OffChannelTx       bool          // NL80211_ATTR_OFFCHANNEL_TX_OK
	MaxRemainOnChannel time.Duration // NL80211_ATTR_MAX_REMAIN_ON_CHANNEL_DURATION
	ProbeRespOffload   bool          // the radio answers probe requests for an AP itself
	APSME              bool          // NL80211_FEATURE_AP_SME... the driver runs the AP SME itself
	ControlPortOverNL  bool          // NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211
	// ControlPortTxStatus: EAPOLTxStatus reports whether each EAPOL frame
	// was really acknowledged (NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211_TX_STATUS,
	// with the control port over nl80211). When false, every EAPOL frame
	// sent is reported acknowledged.
	ControlPortTxStatus bool
	MaxScanSSIDs        int
	MaxScanIELen        int
	CipherSuites        []uint32 // OUI<<8 | type, e.g. 0x000FAC04 for CCMP-128
}

// P2PDevice reports whether the phy has a dedicated P2P device type.
func (p PhyInfo) P2PDevice() bool { return p.SupportedIfTypes.Has(IfP2PDevice) }

// Channel looks a frequency up in the bands.
func (p PhyInfo) Channel(freq int) (Channel, bool) {
	for _, b := range p.Bands {
		for _, c := range b.Channels {
			if c.Freq == freq {
				return c, true
			}
		}
	}
	return Channel{}, false
}

// IfCombination is one valid combination of interfaces
// (NL80211_ATTR_INTERFACE_COMBINATIONS).
type IfCombination struct {
	Limits        []IfLimit
	MaxInterfaces int
	NumChannels   int // different channels usable at once
}

// IfLimit bounds the interfaces of some types within a combination.
type IfLimit struct {
	Max   int
	Types IfTypes
}

// BandID names a frequency band.
type BandID uint8

// Bands.
const (
	Band2GHz BandID = iota
	Band5GHz
	Band60GHz
	Band6GHz
)

// Band is one band's channels.
type Band struct {
	ID       BandID
	Channels []Channel
	HT, VHT  bool
}

// Channel is one 20 MHz channel of a band.
type Channel struct {
	Freq     int // MHz
	Number   int
	Disabled bool
	NoIR     bool // no initiating radiation: passive only, cannot start a GO or send probes here
	MaxPower int  // mBm
}

// InterfaceInfo identifies an interface.
type InterfaceInfo struct {
	Phy   int // wiphy index
	Wdev  uint64
	Index int    // netdev ifindex; 0 for a P2P device
	Name  string // netdev name; "" for a P2P device
	Type  IfType
	Addr  ieee80211.MAC
	Freq  int // operating frequency while an AP or a connected station, else 0
}

// Cookie ties a TxStatus, an EAPOLTxStatus or a remain-on-channel event to
// its request.
type Cookie uint64

// FrameMatch selects received management frames.
type FrameMatch struct {
	// Subtype is the management frame subtype (ieee80211 subtype constants,
	// e.g. 4 for Probe Request, 13 for Action).
	Subtype uint8
	// Match is a prefix of the frame body (for Action frames: category,
	// action, OUI...). Empty matches every frame of the subtype.
	Match []byte
}

// Tx is one management frame to transmit.
type Tx struct {
	Frame []byte // whole 802.11 frame from Frame Control; Addr2 set by the caller
	// Freq is where to send: 0 means the interface's current channel.
	Freq int
	// Wait keeps the radio on Freq this long after the frame, to hear an
	// answer (off-channel TX with a dwell).
	Wait       time.Duration
	NoCCK      bool // no 802.11b rates (P2P frames, P2P spec 2.4.1)
	NoAck      bool // do not wait for an ACK; no TxStatus follows
	OffChannel bool // allow leaving the operating channel
}

// ScanRequest is an active scan.
type ScanRequest struct {
	Freqs []int    // empty: every usable channel
	SSIDs [][]byte // probe request SSIDs; an empty SSID is the wildcard
	IEs   []byte   // extra elements in probe requests (P2P IE, WSC IE)
	NoCCK bool
	// Dwell bounds the time on each channel (0: the radio's default).
	Dwell time.Duration
	Flush bool // forget older results first
}

// BSS is one scan result: a beacon or probe response heard.
type BSS struct {
	BSSID          ieee80211.MAC
	Freq           int
	Signal         int // mBm (dBm x 100)
	BeaconInterval uint16
	Capability     uint16
	TSF            uint64
	IEs            []byte // elements of the last probe response, else of the beacon
	BeaconIEs      []byte // elements of the last beacon, when one was heard
	ProbeResp      bool   // IEs came from a probe response
	Seen           time.Time
}

// APConfig starts a BSS (NL80211_CMD_START_AP).
type APConfig struct {
	Beacon         BeaconData
	Freq           int
	BeaconInterval uint16 // TU
	DTIMPeriod     uint8
	SSID           []byte
	HiddenSSID     bool
	Privacy        bool // RSN: unprotected data is refused once keys are in place
	// ControlPort makes the control port (EAPOL) travel over nl80211 rather
	// than the netdev; implementations may ignore it when not applicable.
	ControlPort bool
	P2PCTWindow uint8
	P2POppPS    bool
}

// BeaconData is the beacon and response templates
// (NL80211_ATTR_BEACON_HEAD/TAIL, PROBE_RESP, IE_PROBE_RESP, IE_ASSOC_RESP).
type BeaconData struct {
	Head         []byte // beacon from Frame Control up to (not including) the TIM element
	Tail         []byte // elements after the TIM
	ProbeRespIEs []byte // extra elements for probe responses (P2P IE with Group Info, WSC IE)
	AssocRespIEs []byte // extra elements for (re)association responses
	ProbeResp    []byte // full probe response template, for probe response offload
}

// StationParams adds an associated station to an AP (NL80211_CMD_NEW_STATION).
type StationParams struct {
	Addr            ieee80211.MAC
	AID             uint16
	ListenInterval  uint16
	Capability      uint16
	SupportedRates  []byte
	HTCapabilities  []byte // 26 octets or nil
	VHTCapabilities []byte // 12 octets or nil
	Authorized      bool
	WME             bool
}

// ConnectRequest joins a BSS.
type ConnectRequest struct {
	BSSID   ieee80211.MAC
	Freq    int
	SSID    []byte
	IEs     []byte // extra association request elements (WSC IE, RSN, P2P IE)
	Privacy bool
	// ControlPort: EAPOL over nl80211 rather than the netdev.
	ControlPort bool
}

// Cipher suite selectors (IEEE Std 802.11-2020, Table 9-149).
const (
	CipherCCMP128 uint32 = 0x000fac04
	CipherGCMP128 uint32 = 0x000fac08
	CipherBIPCMAC uint32 = 0x000fac06
)

// Key is a temporal key to install.
type Key struct {
	Cipher uint32
	Index  uint8
	Data   []byte // the temporal key
	// Peer is the station (on a GO) or BSSID (on a client) of a pairwise
	// key; zero for a group key.
	Peer ieee80211.MAC
	RSC  []byte // receive sequence counter (6 octets) for a group key on a client
	// DefaultTx makes a group key the default transmit key (group owner).
	DefaultTx bool
}

// Pairwise reports whether k is a pairwise key.
func (k Key) Pairwise() bool { return !k.Peer.IsZero() }

// KeyRef names an installed key.
type KeyRef struct {
	Index uint8
	Peer  ieee80211.MAC // zero for a group key
}

// Event is one asynchronous report of an interface.
type Event interface{ isEvent() }

// FrameReceived is a received management frame that matched a registration.
type FrameReceived struct {
	Frame  []byte // from Frame Control on, no FCS
	Freq   int
	Signal int // mBm
}

// TxStatus reports the fate of a SendFrame.
type TxStatus struct {
	Cookie Cookie
	// Acked: a unicast frame was acknowledged. Group-addressed frames are
	// reported acked once transmitted (no ACK is expected for them).
	Acked bool
	Frame []byte
}

// EAPOLTxStatus reports the fate of a SendEAPOL with its cookie: on nl80211
// NL80211_CMD_CONTROL_PORT_FRAME_TX_STATUS (NL80211_ATTR_COOKIE,
// NL80211_ATTR_ACK), which the kernel sends when the phy has
// NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211_TX_STATUS and the control
// port runs over nl80211. Radios that cannot tell (a PAE socket, or a phy
// without that feature; PhyInfo.ControlPortTxStatus false) report Acked
// true right after sending.
type EAPOLTxStatus struct {
	Cookie Cookie
	Acked  bool // the peer acknowledged the frame
}

// RemainOnChannelStarted: the radio is now on Freq.
type RemainOnChannelStarted struct {
	Cookie   Cookie
	Freq     int
	Duration time.Duration
}

// RemainOnChannelExpired: the radio left Freq (expired or cancelled).
type RemainOnChannelExpired struct {
	Cookie Cookie
	Freq   int
}

// ScanDone ends a scan; results are read with ScanResults.
type ScanDone struct{ Aborted bool }

// Connected ends a Connect: Status 0 means associated.
type Connected struct {
	BSSID    ieee80211.MAC
	Freq     int
	Status   uint16 // IEEE 802.11 status code; 0 success
	TimedOut bool   // no answer from the AP
	ReqIEs   []byte
	RespIEs  []byte
}

// Disconnected: a client left or lost its BSS.
type Disconnected struct {
	Reason uint16 // IEEE 802.11 reason code
	// ByUs is true when we disconnected (locally generated), false when the
	// AP deauthenticated us or the link was lost.
	ByUs bool
}

// StationRemoved: an AP lost a station (inactivity, or the kernel removed it).
type StationRemoved struct{ Addr ieee80211.MAC }

// EAPOLReceived is an EAPOL PDU from a peer.
type EAPOLReceived struct {
	Src ieee80211.MAC
	PDU []byte
	// Encrypted is true when the frame arrived protected. Radios that
	// cannot tell (a PAE socket) report false.
	Encrypted bool
}

// InterfaceRemoved is the last event of an interface: deleted, or its phy
// removed.
type InterfaceRemoved struct{}

// EventsLost replaces events dropped while the consumer was too slow, or
// lost by the kernel (a netlink socket overrun). Count is a lower bound: the
// kernel does not say how many were lost.
type EventsLost struct{ Count int }

func (FrameReceived) isEvent()          {}
func (TxStatus) isEvent()               {}
func (EAPOLTxStatus) isEvent()          {}
func (RemainOnChannelStarted) isEvent() {}
func (RemainOnChannelExpired) isEvent() {}
func (ScanDone) isEvent()               {}
func (Connected) isEvent()              {}
func (Disconnected) isEvent()           {}
func (StationRemoved) isEvent()         {}
func (EAPOLReceived) isEvent()          {}
func (InterfaceRemoved) isEvent()       {}
func (EventsLost) isEvent()             {}
