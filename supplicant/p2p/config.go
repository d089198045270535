package p2p

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// MAC is a P2P Device or Interface Address.
type MAC = ieee80211.MAC

// DeviceType is a WSC Primary or Secondary Device Type (WSC 2.0.x, 12):
// Category, OUI and Sub Category.
type DeviceType = p2pmsg.DeviceType

// ConfigMethods is a WSC Config Methods bitmap (WSC 2.0.x, 12).
type ConfigMethods = p2pmsg.ConfigMethods

// Config Methods this package uses (WSC 2.0.x, Table 33).
const (
	ConfigDisplay    = p2pmsg.ConfigMethodDisplay
	ConfigPushButton = p2pmsg.ConfigMethodPushButton
	ConfigKeypad     = p2pmsg.ConfigMethodKeypad
)

// Default values (wpa_supplicant's, see docs/protocol-timing.md).
const (
	DefaultGOIntent      = 7
	DefaultListenChannel = 6
	DefaultMaxPeers      = 100
	DefaultPeerExpiry    = 60 * time.Second
	// ListenChannelRandom picks the Listen Channel among the social
	// channels 1, 6 and 11 when the device starts.
	ListenChannelRandom = -1
)

// WPSMethod is how a device takes part in WSC provisioning: the meaning of
// a Device Password ID in GO Negotiation and of a Config Method in
// Provision Discovery, seen from this device.
type WPSMethod uint8

// WPS methods.
const (
	// MethodPBC is push button on both sides (Device Password ID 4).
	MethodPBC WPSMethod = iota + 1
	// MethodDisplay: this device displays a PIN that the peer enters
	// (Device Password ID 5, Registrar-specified; Config Method Display).
	MethodDisplay
	// MethodKeypad: this device enters the PIN the peer displays (Device
	// Password ID 1, User-specified; Config Method Keypad).
	MethodKeypad
)

func (m WPSMethod) String() string {
	switch m {
	case MethodPBC:
		return "pbc"
	case MethodDisplay:
		return "display"
	case MethodKeypad:
		return "keypad"
	}
	return fmt.Sprintf("method(%d)", uint8(m))
}

// PasswordID is the WSC Device Password ID this device announces for m in
// GO Negotiation frames (as hostap's p2p_wps_method_pw_id).
func (m WPSMethod) PasswordID() wsc.DevicePasswordID {
	switch m {
	case MethodPBC:
		return wsc.PasswordPushButton
	case MethodDisplay:
		return wsc.PasswordRegistrarSpecified
	case MethodKeypad:
		return wsc.PasswordUserSpecified
	}
	return wsc.PasswordDefault
}

// ConfigMethod is the Config Method bit of m (WSC 2.0.x, Table 33). In a
// Provision Discovery Request it names the method the receiver is asked
// to use (wpa_supplicant's "p2p_prov_disc <peer> display" asks the peer
// to display a PIN).
func (m WPSMethod) ConfigMethod() ConfigMethods {
	switch m {
	case MethodPBC:
		return ConfigPushButton
	case MethodDisplay:
		return ConfigDisplay
	case MethodKeypad:
		return ConfigKeypad
	}
	return 0
}

// complement is the method the peer must use when this device uses m.
func (m WPSMethod) complement() WPSMethod {
	switch m {
	case MethodDisplay:
		return MethodKeypad
	case MethodKeypad:
		return MethodDisplay
	}
	return m
}

// methodForPeerPasswordID is the method this device must use to match the
// Device Password ID a peer announced; ok is false for IDs this package
// does not support (NFC, P2PS, default PIN).
func methodForPeerPasswordID(id wsc.DevicePasswordID) (WPSMethod, bool) {
	switch id {
	case wsc.PasswordPushButton:
		return MethodPBC, true
	case wsc.PasswordRegistrarSpecified: // the peer displays
		return MethodKeypad, true
	case wsc.PasswordUserSpecified: // the peer enters
		return MethodDisplay, true
	}
	return 0, false
}

// methodOfConfigMethod is the method a Provision Discovery Request asks
// its receiver to use (hostap picks Display, then Keypad, then push
// button).
func methodOfConfigMethod(c ConfigMethods) (WPSMethod, bool) {
	switch {
	case c&ConfigDisplay != 0:
		return MethodDisplay, true
	case c&ConfigKeypad != 0:
		return MethodKeypad, true
	case c&ConfigPushButton != 0:
		return MethodPBC, true
	}
	return 0, false
}

// Timing holds the protocol timers. Zero fields take the defaults given
// (wpa_supplicant's values, docs/protocol-timing.md).
type Timing struct {
	// NegResponseWait is how long the initiator stays on the peer's
	// channel for a GO Negotiation Response after its request (500 ms).
	NegResponseWait time.Duration
	// NegConfirmWait is how long the responder waits for the GO
	// Negotiation Confirmation after its response (500 ms).
	NegConfirmWait time.Duration
	// NegAttempts bounds the GO Negotiation Requests of one negotiation
	// (120).
	NegAttempts int
	// NegPeerWait is how long the initiator waits for the peer's own
	// request after status 1, "information currently unavailable" (120 s).
	NegPeerWait time.Duration
	// PDResponseWait is how long a Provision Discovery Request waits for
	// its response (200 ms).
	PDResponseWait time.Duration
	// PDAttempts bounds the Provision Discovery Requests of one procedure
	// (60).
	PDAttempts int
	// ScanWatchdog ends a scan that reported nothing (15 s).
	ScanWatchdog time.Duration
	// ListenOnlyDwell is the length of each remain-on-channel of Listen
	// without Extended Listen Timing (at most the phy's maximum; 5 s).
	ListenOnlyDwell time.Duration
}

func (t Timing) withDefaults() Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.NegResponseWait, 500*time.Millisecond)
	def(&t.NegConfirmWait, 500*time.Millisecond)
	def(&t.NegPeerWait, 120*time.Second)
	def(&t.PDResponseWait, 200*time.Millisecond)
	def(&t.ScanWatchdog, 15*time.Second)
	def(&t.ListenOnlyDwell, 5*time.Second)
	if t.NegAttempts <= 0 {
		t.NegAttempts = 120
	}
	if t.PDAttempts <= 0 {
		t.PDAttempts = 60
	}
	return t
}

// Config is a P2P Device's identity and policy.
type Config struct {
	// DeviceName is the WSC Device Name (at most 32 octets of UTF-8).
	DeviceName   string
	Manufacturer string
	ModelName    string
	ModelNumber  string
	SerialNumber string
	// UUID is the WSC UUID-E; zero derives one from the device address.
	UUID wsc.UUID

	PrimaryDeviceType    DeviceType
	SecondaryDeviceTypes []DeviceType // at most 16
	// ConfigMethods are the WSC methods this device supports; zero means
	// push button, display and keypad.
	ConfigMethods    ConfigMethods
	DeviceCapability p2pmsg.DeviceCapability
	GroupCapability  p2pmsg.GroupCapability

	// ListenChannel is 1, 6 or 11 (0: 6; ListenChannelRandom: one of
	// them at random).
	ListenChannel int
	// OperatingChannels are the frequencies (MHz) this device prefers to
	// operate a group on, best first; nil prefers its Listen Channel.
	OperatingChannels []int
	// GOIntent is 0..15. DefaultConfig sets DefaultGOIntent.
	GOIntent int
	// ExtendedListen, when set, is announced in the Extended Listen
	// Timing attribute and paces Listen.
	ExtendedListen *p2pmsg.ExtendedListenTiming
	// SSIDPostfix follows "DIRECT-xy" in the SSID of a group this device
	// owns (the whole SSID is cut to 32 octets).
	SSIDPostfix string
	// InterfaceAddress is the Intended P2P Interface Address announced
	// in GO Negotiation; zero derives one from the device address.
	InterfaceAddress MAC
	// Country is the Country String of channel attributes; zero is
	// "XX" with the global operating class table (0x04).
	Country [3]byte

	// MaxPeers bounds the peer table (0: DefaultMaxPeers); PeerExpiry is
	// how long a peer stays unseen before it is dropped (0:
	// DefaultPeerExpiry).
	MaxPeers   int
	PeerExpiry time.Duration

	Timing Timing

	// Trace, when set, receives debug lines from the event loop: it must
	// return quickly and must not call the Device's methods.
	Trace func(format string, args ...any)
	// NotificationBuffer bounds undelivered notifications (0: 1024).
	NotificationBuffer int
}

// DefaultConfig returns a configuration with wpa_supplicant's defaults and
// the given device name: GO Intent 7, Listen Channel 6, push button,
// display and keypad, primary device type Computer (1-0050F204-1).
func DefaultConfig(name string) Config {
	return Config{
		DeviceName:        name,
		Manufacturer:      "p2pmanager",
		ModelName:         "p2pmanager",
		ModelNumber:       "1",
		SerialNumber:      "0",
		PrimaryDeviceType: DeviceType{Category: 1, OUI: wsc.OUIWFADeviceType, SubCategory: 1},
		ConfigMethods:     ConfigPushButton | ConfigDisplay | ConfigKeypad,
		DeviceCapability:  p2pmsg.DevCapConcurrentOperation,
		ListenChannel:     DefaultListenChannel,
		GOIntent:          DefaultGOIntent,
	}
}

// validate checks the fields a wire encoding depends on.
func (c *Config) validate() error {
	if err := p2pmsg.ValidateDeviceName([]byte(c.DeviceName)); err != nil {
		return fmt.Errorf("p2p: device name: %w", err)
	}
	if c.GOIntent < 0 || c.GOIntent > p2pmsg.MaxGOIntent {
		return fmt.Errorf("p2p: GO Intent %d outside 0..15", c.GOIntent)
	}
	switch c.ListenChannel {
	case 0, 1, 6, 11, ListenChannelRandom:
	default:
		return fmt.Errorf("p2p: Listen Channel %d is not a social channel (1, 6, 11)", c.ListenChannel)
	}
	if len(c.SecondaryDeviceTypes) > p2pmsg.MaxSecondaryDeviceTypes {
		return fmt.Errorf("p2p: %d secondary device types, at most %d", len(c.SecondaryDeviceTypes), p2pmsg.MaxSecondaryDeviceTypes)
	}
	for _, s := range []struct {
		name string
		v    string
		max  int
	}{
		{"manufacturer", c.Manufacturer, wsc.MaxManufacturerLen},
		{"model name", c.ModelName, wsc.MaxModelNameLen},
		{"model number", c.ModelNumber, wsc.MaxModelNumberLen},
		{"serial number", c.SerialNumber, wsc.MaxSerialNumberLen},
	} {
		if len(s.v) > s.max {
			return fmt.Errorf("p2p: %s of %d octets exceeds %d", s.name, len(s.v), s.max)
		}
	}
	if c.ExtendedListen != nil {
		e := c.ExtendedListen
		if e.AvailabilityPeriod == 0 || e.AvailabilityInterval < e.AvailabilityPeriod {
			return fmt.Errorf("p2p: extended listen timing %d ms every %d ms", e.AvailabilityPeriod, e.AvailabilityInterval)
		}
	}
	return nil
}

// withDefaults fills the zero fields that have defaults.
func (c Config) withDefaults() Config {
	if c.ConfigMethods == 0 {
		c.ConfigMethods = ConfigPushButton | ConfigDisplay | ConfigKeypad
	}
	if c.ListenChannel == 0 {
		c.ListenChannel = DefaultListenChannel
	}
	if c.MaxPeers <= 0 {
		c.MaxPeers = DefaultMaxPeers
	}
	if c.PeerExpiry <= 0 {
		c.PeerExpiry = DefaultPeerExpiry
	}
	if c.Country == [3]byte{} {
		c.Country = [3]byte{'X', 'X', 0x04}
	}
	if c.NotificationBuffer <= 0 {
		c.NotificationBuffer = 1024
	}
	c.SecondaryDeviceTypes = append([]DeviceType(nil), c.SecondaryDeviceTypes...)
	c.OperatingChannels = append([]int(nil), c.OperatingChannels...)
	if c.ExtendedListen != nil {
		e := *c.ExtendedListen
		c.ExtendedListen = &e
	}
	c.Timing = c.Timing.withDefaults()
	return c
}

// supports reports whether this device can take part with method m.
func (c *Config) supports(m WPSMethod) bool {
	return m.ConfigMethod() != 0 && c.ConfigMethods&m.ConfigMethod() != 0
}

// interfaceAddressFor derives an Intended P2P Interface Address from the
// device address: the same address with the locally administered bit
// flipped, so that it differs from the device address.
func interfaceAddressFor(dev MAC) MAC {
	a := dev
	a[0] ^= 0x02
	if a.IsGroup() || a == dev {
		a[0] &^= 0x01
	}
	return a
}

// Sanitize makes a peer-supplied string safe to pass upward: invalid UTF-8
// is replaced and control characters removed (docs/bad-input.md #3,
// CVE-2014-0997).
func Sanitize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
