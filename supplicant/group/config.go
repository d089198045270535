package group

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/clock"
	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// Defaults.
const (
	// DefaultPassphraseLen is the length of a generated GO passphrase
	// (wpa_supplicant's p2p_passphrase_len default).
	DefaultPassphraseLen = 8
	// DefaultMaxClients bounds the clients of a GO.
	DefaultMaxClients = 10
	// DefaultBeaconInterval is the GO's beacon interval in TU.
	DefaultBeaconInterval = 100
	// DefaultDTIMPeriod is the GO's DTIM period (hostapd's default).
	DefaultDTIMPeriod = 2
	// DefaultFormationTimeout is how long a GO forming a group waits for
	// the peer to join when no provisioning is needed (persistent group
	// re-invocation; wpa_supplicant P2P_MAX_INITIAL_CONN_WAIT_GO_REINVOKE).
	DefaultFormationTimeout = 15 * time.Second
	// DefaultPostWPSTimeout is how long a GO forming a group waits for the
	// peer's 4-way handshake after provisioning
	// (P2P_MAX_INITIAL_CONN_WAIT_GO).
	DefaultPostWPSTimeout = 10 * time.Second
	// DefaultWPSDeauthDelay is how long a GO lets a station that finished
	// WSC provisioning linger before deauthenticating it (hostapd
	// disconnects it shortly after EAP-Failure).
	DefaultWPSDeauthDelay = 100 * time.Millisecond
	// DefaultScanAttempts is how many scans a client makes to find the GO
	// (wpa_supplicant makes 10 P2P_MAX_JOIN_SCAN_ATTEMPTS 1 s apart; we
	// scan one channel, so more and closer together).
	DefaultScanAttempts = 30
	// DefaultScanRetryDelay separates the client's scan attempts: right
	// after a GO Negotiation the GO is often still starting its AP, and a
	// short gap finds it on the next scan without waiting long.
	DefaultScanRetryDelay = 50 * time.Millisecond
	// DefaultConnectAttempts is how many association attempts a client
	// makes before giving up.
	DefaultConnectAttempts = 3
)

// Default GO addressing (wpa_supplicant's ip_addr_go, ip_addr_mask,
// ip_addr_start and ip_addr_end as Android and most setups configure
// them).
var (
	DefaultGOAddress = netip.MustParsePrefix("192.168.49.1/24")
	DefaultPoolStart = netip.MustParseAddr("192.168.49.2")
	DefaultPoolEnd   = netip.MustParseAddr("192.168.49.254")
)

// Device describes our P2P Device in the P2P and WSC IEs of the group.
type Device struct {
	// Address is our P2P Device Address (P2P Device ID and Device Info).
	Address           MAC
	Name              string
	PrimaryDeviceType p2pmsg.DeviceType
	// ConfigMethods announced in P2P Device Info and WSC (zero: push button,
	// display and keypad).
	ConfigMethods p2pmsg.ConfigMethods
	// Capability is the Device Capability Bitmap of our P2P Capability.
	Capability                                         p2pmsg.DeviceCapability
	Manufacturer, ModelName, ModelNumber, SerialNumber string
	// UUID is our WSC UUID (UUID-E, UUID-R); zero derives one from
	// Address, as hostap's uuid_gen_mac_addr does.
	UUID wsc.UUID
}

func (d Device) withDefaults() Device {
	if d.ConfigMethods == 0 {
		d.ConfigMethods = p2pmsg.ConfigMethodPushButton | p2pmsg.ConfigMethodDisplay | p2pmsg.ConfigMethodKeypad
	}
	if d.UUID == (wsc.UUID{}) {
		d.UUID = wsc.UUIDFromAddress(d.Address)
	}
	return d
}

// wscDevice is d as the WSC machines want it.
func (d Device) wscDevice(band wsc.RFBands) wsc.Device {
	return wsc.Device{
		Manufacturer:      d.Manufacturer,
		ModelName:         d.ModelName,
		ModelNumber:       d.ModelNumber,
		SerialNumber:      d.SerialNumber,
		DeviceName:        d.Name,
		PrimaryDeviceType: wsc.DeviceType(d.PrimaryDeviceType),
		ConfigMethods:     wsc.ConfigMethods(d.ConfigMethods),
		RFBands:           band,
	}
}

// WPS is a provisioning method: push button (PasswordID
// wsc.PasswordPushButton) or a PIN (PasswordID a PIN ID with PIN).
//
// On the client, PasswordID is the Enrollee's Device Password ID:
// wsc.PasswordDefault when we display our PIN (the GO's user types it),
// wsc.PasswordRegistrarSpecified when our user typed the PIN the GO
// displays (hostap's choice for P2P). On the GO any PIN ID means "a PIN".
type WPS struct {
	PasswordID wsc.DevicePasswordID
	PIN        string
}

func (w WPS) pbc() bool { return w.PasswordID == wsc.PasswordPushButton }

func (w WPS) check() error {
	switch w.PasswordID {
	case wsc.PasswordPushButton:
		return nil
	case wsc.PasswordDefault, wsc.PasswordUserSpecified, wsc.PasswordRegistrarSpecified:
		if err := wsc.ValidatePIN(w.PIN); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		return nil
	}
	return fmt.Errorf("%w: Device Password ID %d", ErrInvalidConfig, w.PasswordID)
}

// Formation is the peer a GO forms a group with, as GO Negotiation or an
// Invitation agreed.
type Formation struct {
	// Peer is the client's P2P Device Address.
	Peer MAC
	// PeerInterface is its Intended P2P Interface Address, zero if
	// unknown.
	PeerInterface MAC
	// WPS is the provisioning the Registrar expects of the peer; nil for
	// a persistent group re-invocation (the peer has the credential).
	WPS *WPS
	// Timeout bounds the formation: the wait for the peer to provision and
	// join (0: wsc.PBCWalkTime with WPS, else DefaultFormationTimeout).
	Timeout time.Duration
}

// GOConfig configures a group owner.
type GOConfig struct {
	Device Device
	// Freq is the operating channel (MHz).
	Freq int
	// SSID is the group's SSID; empty generates "DIRECT-xy" + SSIDPostfix
	// with xy drawn from [A-Za-z0-9].
	SSID        []byte
	SSIDPostfix string
	// Passphrase is the group's passphrase (a persistent group's); empty
	// generates PassphraseLen characters of [A-Za-z0-9] from Rand.
	Passphrase    string
	PassphraseLen int
	// PSK is a stored persistent group's PSK (32 octets); with it and no
	// Passphrase, none is generated and WSC hands out the PSK as 64
	// hexadecimal digits.
	PSK []byte
	// Persistent sets the Persistent P2P Group bit; the caller stores the
	// group from GroupStarted.
	Persistent      bool
	IntraBSS        bool
	CrossConnection bool
	// Formation, when set, is the peer the group is formed with: the Group
	// Formation bit is set until it joins, GroupStarted waits for it, and
	// the group fails if it does not join in time or its provisioning
	// fails. Nil: an autonomous GO, started at once.
	Formation *Formation
	// Address is the GO's IPv4 address and prefix (zero:
	// DefaultGOAddress); PoolStart..PoolEnd are the client addresses
	// (zero: DefaultPoolStart..DefaultPoolEnd). NoIPAllocation turns the
	// IP Address Allocation off (clients then need DHCP).
	Address            netip.Prefix
	PoolStart, PoolEnd netip.Addr
	NoIPAllocation     bool
	MaxClients         int // 0: DefaultMaxClients
	// InterfaceName and InterfaceAddress are asked of the radio; empty or
	// zero let it choose.
	InterfaceName    string
	InterfaceAddress MAC
	// Rand is the source of every random value (crypto quality; nil means
	// crypto/rand.Reader).
	Rand io.Reader
	// Clock runs the edge's timers (nil: clock.Real()).
	Clock clock.Clock
	// WPSDeauthDelay: see DefaultWPSDeauthDelay (0: the default).
	WPSDeauthDelay time.Duration
	// PostWPSTimeout: see DefaultPostWPSTimeout (0: the default).
	PostWPSTimeout time.Duration
}

// ClientConfig configures a P2P Client.
type ClientConfig struct {
	Device Device
	// GODeviceAddress is the GO's P2P Device Address; GOInterfaceAddress
	// its P2P Interface Address (the BSSID), zero if unknown.
	GODeviceAddress    MAC
	GOInterfaceAddress MAC
	// Freq is the group's operating channel; 0 scans every channel.
	Freq int
	// SSID is the group's SSID; empty finds the GO by address with the P2P
	// Wildcard SSID.
	SSID []byte
	// WPS provisions us first; nil means we hold the credential already
	// (Passphrase or PSK: a persistent group re-invocation).
	WPS        *WPS
	Passphrase string
	PSK        []byte // 32 octets; takes precedence over Passphrase
	// InterfaceName and InterfaceAddress are asked of the radio.
	InterfaceName    string
	InterfaceAddress MAC
	// NoIPRequest leaves the IP Address Request KDE out even when the GO
	// announces IP Address Allocation.
	NoIPRequest     bool
	ScanAttempts    int           // 0: DefaultScanAttempts
	ScanRetryDelay  time.Duration // 0: DefaultScanRetryDelay
	ConnectAttempts int           // 0: DefaultConnectAttempts
	Rand            io.Reader
	Clock           clock.Clock
}

// alphanumeric is the alphabet of generated SSID characters and
// passphrases (hostap's p2p_random).
const alphanumeric = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// RandomString draws n characters of [A-Za-z0-9] from r without bias.
func RandomString(r io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			// 248 = 4*62: reject the tail so that every character is
			// equally likely.
			if b < 248 && len(out) < n {
				out = append(out, alphanumeric[int(b)%len(alphanumeric)])
			}
		}
	}
	return string(out), nil
}

// GenerateSSID returns "DIRECT-xy" + postfix with xy drawn from r (Wi-Fi
// P2P Technical Specification v1.7, 3.2.1), cut to 32 octets.
func GenerateSSID(r io.Reader, postfix string) ([]byte, error) {
	xy, err := RandomString(r, 2)
	if err != nil {
		return nil, err
	}
	s := []byte("DIRECT-" + xy + postfix)
	if len(s) > 32 {
		s = s[:32]
	}
	return s, nil
}

func orReader(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

func orClock(c clock.Clock) clock.Clock {
	if c == nil {
		return clock.Real()
	}
	return c
}

// networkKey returns the PSK a WSC Credential's Network Key gives for
// ssid: 64 hexadecimal digits are the PSK itself, anything else a
// passphrase.
func networkKey(key, ssid []byte) (psk []byte, passphrase string, err error) {
	if len(key) == 64 {
		if b, err := hex.DecodeString(string(key)); err == nil {
			return b, "", nil
		}
	}
	psk, err = eapol.PMKFromPassphrase(string(key), ssid)
	return psk, string(key), err
}
