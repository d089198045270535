package p2pmsg

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Capability is the P2P Capability attribute (Wi-Fi P2P v1.7, 4.1.4).
type Capability struct {
	Device DeviceCapability
	Group  GroupCapability
}

// GOIntent is the Group Owner Intent attribute (Wi-Fi P2P v1.7, 4.1.6):
// the Intent in bits 1..7 and the Tie breaker in bit 0. The decoder keeps
// any 7-bit Intent; Valid reports whether it is within 0..15 as GO
// Negotiation requires.
type GOIntent struct {
	Intent     uint8
	TieBreaker bool
}

// Valid reports whether the Intent is at most 15.
func (g GOIntent) Valid() bool { return g.Intent <= MaxGOIntent }

// ConfigurationTimeout is the Configuration Timeout attribute (Wi-Fi P2P
// v1.7, 4.1.7), each value in units of 10 ms.
type ConfigurationTimeout struct {
	GO     uint8 // GO Configuration Timeout
	Client uint8 // Client Configuration Timeout
}

// GODuration is the GO Configuration Timeout as a duration.
func (c ConfigurationTimeout) GODuration() time.Duration {
	return time.Duration(c.GO) * 10 * time.Millisecond
}

// ClientDuration is the Client Configuration Timeout as a duration.
func (c ConfigurationTimeout) ClientDuration() time.Duration {
	return time.Duration(c.Client) * 10 * time.Millisecond
}

// Channel is the body of the Listen Channel and Operating Channel
// attributes (Wi-Fi P2P v1.7, 4.1.8 and 4.1.19).
type Channel struct {
	Country        [3]byte // Country String (IEEE 802.11 dot11CountryString)
	OperatingClass uint8
	Number         uint8 // Channel Number
}

// ExtendedListenTiming is the Extended Listen Timing attribute (Wi-Fi P2P
// v1.7, 4.1.10), both values in milliseconds.
type ExtendedListenTiming struct {
	AvailabilityPeriod   uint16
	AvailabilityInterval uint16
}

// ChannelEntry is one Channel Entry of a Channel List: an Operating Class
// and its channels.
type ChannelEntry struct {
	OperatingClass uint8
	Channels       []byte
}

// ChannelList is the Channel List attribute (Wi-Fi P2P v1.7, 4.1.13).
type ChannelList struct {
	Country [3]byte
	Entries []ChannelEntry
}

// Validate reports an error unless the list names at least one channel
// and no channel 0. Entries without channels are allowed: wpa_supplicant
// 2.10 pads its GO Negotiation Request Channel List with empty entries of
// operating class 0 (seen in the go-neg-pbc capture).
func (c *ChannelList) Validate() error {
	n := 0
	for _, e := range c.Entries {
		for _, ch := range e.Channels {
			if ch == 0 {
				return fmt.Errorf("%w: Channel List entry for operating class %d has channel 0", ieee80211.ErrInvalid, e.OperatingClass)
			}
		}
		n += len(e.Channels)
	}
	if n == 0 {
		return fmt.Errorf("%w: Channel List names no channel", ieee80211.ErrInvalid)
	}
	return nil
}

// Contains reports whether the list holds this operating class and channel.
func (c *ChannelList) Contains(operatingClass, channel uint8) bool {
	for _, e := range c.Entries {
		if e.OperatingClass != operatingClass {
			continue
		}
		for _, ch := range e.Channels {
			if ch == channel {
				return true
			}
		}
	}
	return false
}

// NoADescriptor is one Notice of Absence Descriptor (Wi-Fi P2P v1.7,
// 4.1.14, Table 26); times are in TU (Duration, Interval) and the lower
// 32 bits of the TSF (Start Time).
type NoADescriptor struct {
	CountType uint8
	Duration  uint32
	Interval  uint32
	StartTime uint32
}

// NoticeOfAbsence is the Notice of Absence attribute (Wi-Fi P2P v1.7,
// 4.1.14).
type NoticeOfAbsence struct {
	Index       uint8
	CTWindow    uint8 // 0..127, in TU
	OppPS       bool
	Descriptors []NoADescriptor
}

// DeviceType is a WSC Primary or Secondary Device Type (WSC 2.0.x, 12):
// Category ID, OUI (with its sub-type, 4 octets) and Sub Category ID.
type DeviceType struct {
	Category    uint16
	OUI         [4]byte
	SubCategory uint16
}

// DeviceInfo is the P2P Device Info attribute (Wi-Fi P2P v1.7, 4.1.15).
// The Device Name is at most 32 octets of UTF-8 without control characters;
// the decoder rejects anything else (docs/bad-input.md #2, #3).
type DeviceInfo struct {
	DeviceAddress        ieee80211.MAC
	ConfigMethods        ConfigMethods
	PrimaryDeviceType    DeviceType
	SecondaryDeviceTypes []DeviceType
	DeviceName           string
	// Extra holds octets after the Device Name TLV, kept for round trip.
	Extra []byte
}

// ClientInfo is one P2P Client Info Descriptor of the P2P Group Info
// attribute (Wi-Fi P2P v1.7, 4.1.16, Table 28).
type ClientInfo struct {
	DeviceAddress        ieee80211.MAC
	InterfaceAddress     ieee80211.MAC
	DeviceCapability     DeviceCapability
	ConfigMethods        ConfigMethods
	PrimaryDeviceType    DeviceType
	SecondaryDeviceTypes []DeviceType
	DeviceName           string
	// Extra holds octets of the descriptor after the Device Name TLV.
	Extra []byte
}

// GroupInfo is the P2P Group Info attribute (Wi-Fi P2P v1.7, 4.1.16).
type GroupInfo struct {
	Clients []ClientInfo
}

// GroupID is the body of the P2P Group ID attribute (Wi-Fi P2P v1.7,
// 4.1.17) and of the Persistent Group Info attribute (4.1.29): the P2P
// Device Address of the GO and the SSID (0..32 octets).
type GroupID struct {
	DeviceAddress ieee80211.MAC
	SSID          []byte
}

// Interface is the P2P Interface attribute (Wi-Fi P2P v1.7, 4.1.18).
type Interface struct {
	DeviceAddress      ieee80211.MAC
	InterfaceAddresses []ieee80211.MAC
}

// OOBGONegotiationChannel is the Out-of-Band Group Owner Negotiation Channel
// attribute (Wi-Fi P2P v1.7, 4.1.21).
type OOBGONegotiationChannel struct {
	Country        [3]byte
	OperatingClass uint8
	Number         uint8
	RoleIndication Role
}

// ServiceHash is the Service Hash attribute (Wi-Fi P2P v1.7, 4.1.22): one
// or more 6-octet hashes of service names.
type ServiceHash struct {
	Hashes [][6]byte
}

// SessionInformationData is the Session Information Data Info attribute
// (Wi-Fi P2P v1.7, 4.1.23), opaque to P2P.
type SessionInformationData struct {
	Data []byte
}

// AdvertisementID is the Advertisement ID Info attribute (Wi-Fi P2P v1.7,
// 4.1.25).
type AdvertisementID struct {
	AdvertisementID   uint32
	ServiceMACAddress ieee80211.MAC
}

// AdvertisedService is one Advertised Service Descriptor (Wi-Fi P2P v1.7,
// 4.1.26).
type AdvertisedService struct {
	AdvertisementID uint32
	ConfigMethods   ConfigMethods
	ServiceName     string // UTF-8, at most 255 octets
}

// AdvertisedServiceInfo is the Advertised Service Info attribute (Wi-Fi P2P
// v1.7, 4.1.26).
type AdvertisedServiceInfo struct {
	Services []AdvertisedService
}

// SessionID is the Session ID Info attribute (Wi-Fi P2P v1.7, 4.1.27).
type SessionID struct {
	SessionID         uint32
	SessionMACAddress ieee80211.MAC
}

// FeatureCapability is the Feature Capability attribute (Wi-Fi P2P v1.7,
// 4.1.28).
type FeatureCapability struct {
	CoordinationProtocolTransport uint8 // TransportUDP, TransportMAC bits
	Reserved                      uint8
}

// RawAttribute is an attribute kept as received: an unknown ID, a
// vendor-specific attribute (221), or a null (zero-length) Listen or
// Operating Channel, which hostap also treats as absent.
type RawAttribute struct {
	ID   AttributeID
	Data []byte
}

// errLen reports an attribute whose length its layout does not allow.
func errLen(id AttributeID, got int, want string) error {
	return fmt.Errorf("%w: %v attribute of %d octets, want %s", ieee80211.ErrInvalid, id, got, want)
}

func exactLen(id AttributeID, body []byte, n int) error {
	if len(body) != n {
		return errLen(id, len(body), fmt.Sprint(n))
	}
	return nil
}

func mac(b []byte) ieee80211.MAC {
	var m ieee80211.MAC
	copy(m[:], b)
	return m
}

func decodeChannel(id AttributeID, body []byte) (Channel, error) {
	if err := exactLen(id, body, 5); err != nil {
		return Channel{}, err
	}
	return Channel{Country: [3]byte{body[0], body[1], body[2]}, OperatingClass: body[3], Number: body[4]}, nil
}

func decodeChannelList(body []byte) (*ChannelList, error) {
	if len(body) < 3 {
		return nil, errLen(AttrChannelList, len(body), "at least 3")
	}
	cl := &ChannelList{Country: [3]byte{body[0], body[1], body[2]}}
	rest := body[3:]
	// Each entry takes at least two octets, which bounds the allocation.
	if n := len(rest) / 2; n > 0 {
		cl.Entries = make([]ChannelEntry, 0, min(n, 16))
	}
	for len(rest) > 0 {
		if len(rest) < 2 {
			return nil, fmt.Errorf("%w: Channel List entry header has %d of 2 octets", ieee80211.ErrTruncated, len(rest))
		}
		n := int(rest[1])
		if len(rest)-2 < n {
			return nil, fmt.Errorf("%w: Channel List entry for operating class %d announces %d channels, %d octets remain",
				ieee80211.ErrTruncated, rest[0], n, len(rest)-2)
		}
		cl.Entries = append(cl.Entries, ChannelEntry{OperatingClass: rest[0], Channels: rest[2 : 2+n : 2+n]})
		rest = rest[2+n:]
	}
	return cl, nil
}

func appendChannelList(b []byte, c *ChannelList) ([]byte, error) {
	b = append(b, c.Country[:]...)
	for _, e := range c.Entries {
		if len(e.Channels) > 255 {
			return b, fmt.Errorf("%w: Channel List entry with %d channels exceeds 255", ieee80211.ErrInvalid, len(e.Channels))
		}
		b = append(b, e.OperatingClass, uint8(len(e.Channels)))
		b = append(b, e.Channels...)
	}
	return b, nil
}

const noaDescriptorLen = 13

func decodeNoA(body []byte) (*NoticeOfAbsence, error) {
	if len(body) < 2 || (len(body)-2)%noaDescriptorLen != 0 {
		return nil, errLen(AttrNoticeOfAbsence, len(body), "2 + 13n")
	}
	n := (len(body) - 2) / noaDescriptorLen
	if n > MaxNoADescriptors {
		return nil, fmt.Errorf("%w: Notice of Absence with %d descriptors exceeds %d", ieee80211.ErrInvalid, n, MaxNoADescriptors)
	}
	noa := &NoticeOfAbsence{Index: body[0], CTWindow: body[1] & 0x7f, OppPS: body[1]&0x80 != 0}
	if n > 0 {
		noa.Descriptors = make([]NoADescriptor, n)
	}
	for i := range noa.Descriptors {
		d := body[2+i*noaDescriptorLen:]
		noa.Descriptors[i] = NoADescriptor{
			CountType: d[0],
			Duration:  binary.LittleEndian.Uint32(d[1:]),
			Interval:  binary.LittleEndian.Uint32(d[5:]),
			StartTime: binary.LittleEndian.Uint32(d[9:]),
		}
	}
	return noa, nil
}

func appendNoA(b []byte, noa *NoticeOfAbsence) ([]byte, error) {
	if noa.CTWindow > 0x7f {
		return b, fmt.Errorf("%w: CTWindow %d exceeds 127", ieee80211.ErrInvalid, noa.CTWindow)
	}
	ct := noa.CTWindow
	if noa.OppPS {
		ct |= 0x80
	}
	b = append(b, noa.Index, ct)
	for _, d := range noa.Descriptors {
		b = append(b, d.CountType)
		b = binary.LittleEndian.AppendUint32(b, d.Duration)
		b = binary.LittleEndian.AppendUint32(b, d.Interval)
		b = binary.LittleEndian.AppendUint32(b, d.StartTime)
	}
	return b, nil
}

func decodeDeviceType(b []byte) DeviceType {
	return DeviceType{
		Category:    binary.BigEndian.Uint16(b),
		OUI:         [4]byte{b[2], b[3], b[4], b[5]},
		SubCategory: binary.BigEndian.Uint16(b[6:]),
	}
}

func appendDeviceType(b []byte, t DeviceType) []byte {
	b = binary.BigEndian.AppendUint16(b, t.Category)
	b = append(b, t.OUI[:]...)
	return binary.BigEndian.AppendUint16(b, t.SubCategory)
}

// ValidateDeviceName reports an error unless name is at most 32 octets of
// valid UTF-8 without control characters (docs/bad-input.md #2, #3;
// CVE-2014-0997).
func ValidateDeviceName(name []byte) error {
	if len(name) > MaxDeviceNameLen {
		return fmt.Errorf("%w: Device Name of %d octets exceeds %d", ieee80211.ErrInvalid, len(name), MaxDeviceNameLen)
	}
	if !utf8.Valid(name) {
		return fmt.Errorf("%w: Device Name is not valid UTF-8", ieee80211.ErrInvalid)
	}
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRune(name[i:])
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: Device Name has control character %U at octet %d", ieee80211.ErrInvalid, r, i)
		}
		i += size
	}
	return nil
}

// deviceFields is the part shared by Device Info and Client Info
// Descriptors from Config Methods on: Config Methods, Primary Device Type,
// Number of Secondary Device Types, Secondary Device Type List, Device Name
// TLV, then any extra octets.
type deviceFields struct {
	configMethods ConfigMethods
	primary       DeviceType
	secondary     []DeviceType
	name          string
	extra         []byte
}

func decodeDeviceFields(what string, b []byte) (deviceFields, error) {
	var f deviceFields
	if len(b) < 2+8+1 {
		return f, fmt.Errorf("%w: %s has %d octets after the addresses, want at least 11", ieee80211.ErrTruncated, what, len(b))
	}
	f.configMethods = ConfigMethods(binary.BigEndian.Uint16(b))
	f.primary = decodeDeviceType(b[2:])
	n := int(b[10])
	b = b[11:]
	if n > MaxSecondaryDeviceTypes {
		return f, fmt.Errorf("%w: %s lists %d Secondary Device Types, at most %d allowed", ieee80211.ErrInvalid, what, n, MaxSecondaryDeviceTypes)
	}
	if len(b) < 8*n {
		return f, fmt.Errorf("%w: %s announces %d Secondary Device Types, %d octets remain", ieee80211.ErrTruncated, what, n, len(b))
	}
	if n > 0 {
		f.secondary = make([]DeviceType, n)
		for i := range f.secondary {
			f.secondary[i] = decodeDeviceType(b[8*i:])
		}
	}
	b = b[8*n:]
	if len(b) < 4 {
		return f, fmt.Errorf("%w: %s has no Device Name TLV header (%d octets remain)", ieee80211.ErrTruncated, what, len(b))
	}
	if t := binary.BigEndian.Uint16(b); t != wscAttrDeviceName {
		return f, fmt.Errorf("%w: %s Device Name TLV has type %#04x, want %#04x", ieee80211.ErrInvalid, what, t, wscAttrDeviceName)
	}
	nameLen := int(binary.BigEndian.Uint16(b[2:]))
	b = b[4:]
	if len(b) < nameLen {
		return f, fmt.Errorf("%w: %s Device Name announces %d octets, %d remain", ieee80211.ErrTruncated, what, nameLen, len(b))
	}
	if err := ValidateDeviceName(b[:nameLen]); err != nil {
		return f, fmt.Errorf("%s: %w", what, err)
	}
	f.name = string(b[:nameLen])
	if rest := b[nameLen:]; len(rest) > 0 {
		f.extra = rest[:len(rest):len(rest)]
	}
	return f, nil
}

func appendDeviceFields(b []byte, what string, f deviceFields) ([]byte, error) {
	if len(f.secondary) > MaxSecondaryDeviceTypes {
		return b, fmt.Errorf("%w: %s lists %d Secondary Device Types, at most %d allowed", ieee80211.ErrInvalid, what, len(f.secondary), MaxSecondaryDeviceTypes)
	}
	if err := ValidateDeviceName([]byte(f.name)); err != nil {
		return b, fmt.Errorf("%s: %w", what, err)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(f.configMethods))
	b = appendDeviceType(b, f.primary)
	b = append(b, uint8(len(f.secondary)))
	for _, t := range f.secondary {
		b = appendDeviceType(b, t)
	}
	b = binary.BigEndian.AppendUint16(b, wscAttrDeviceName)
	b = binary.BigEndian.AppendUint16(b, uint16(len(f.name)))
	b = append(b, f.name...)
	return append(b, f.extra...), nil
}

func decodeDeviceInfo(body []byte) (*DeviceInfo, error) {
	if len(body) < 6 {
		return nil, errLen(AttrDeviceInfo, len(body), "at least 21")
	}
	f, err := decodeDeviceFields("P2P Device Info", body[6:])
	if err != nil {
		return nil, err
	}
	return &DeviceInfo{
		DeviceAddress:        mac(body),
		ConfigMethods:        f.configMethods,
		PrimaryDeviceType:    f.primary,
		SecondaryDeviceTypes: f.secondary,
		DeviceName:           f.name,
		Extra:                f.extra,
	}, nil
}

func appendDeviceInfo(b []byte, d *DeviceInfo) ([]byte, error) {
	b = append(b, d.DeviceAddress[:]...)
	return appendDeviceFields(b, "P2P Device Info", deviceFields{
		configMethods: d.ConfigMethods, primary: d.PrimaryDeviceType,
		secondary: d.SecondaryDeviceTypes, name: d.DeviceName, extra: d.Extra,
	})
}

func decodeGroupInfo(body []byte) (*GroupInfo, error) {
	gi := &GroupInfo{}
	// A descriptor takes at least 1 + 24 + 4 octets, which bounds the allocation.
	if n := len(body) / (1 + MinClientInfoDescriptorLen + 4); n > 0 {
		gi.Clients = make([]ClientInfo, 0, min(n, 16))
	}
	for off := 0; off < len(body); {
		n := int(body[off])
		off++
		if n < MinClientInfoDescriptorLen {
			return nil, fmt.Errorf("%w: P2P Client Info Descriptor %d has length %d, want at least %d",
				ieee80211.ErrInvalid, len(gi.Clients), n, MinClientInfoDescriptorLen)
		}
		if len(body)-off < n {
			return nil, fmt.Errorf("%w: P2P Client Info Descriptor %d announces %d octets, %d remain",
				ieee80211.ErrTruncated, len(gi.Clients), n, len(body)-off)
		}
		d := body[off : off+n : off+n]
		off += n
		f, err := decodeDeviceFields("P2P Client Info Descriptor", d[13:])
		if err != nil {
			return nil, err
		}
		gi.Clients = append(gi.Clients, ClientInfo{
			DeviceAddress:        mac(d),
			InterfaceAddress:     mac(d[6:]),
			DeviceCapability:     DeviceCapability(d[12]),
			ConfigMethods:        f.configMethods,
			PrimaryDeviceType:    f.primary,
			SecondaryDeviceTypes: f.secondary,
			DeviceName:           f.name,
			Extra:                f.extra,
		})
	}
	return gi, nil
}

func appendGroupInfo(b []byte, gi *GroupInfo) ([]byte, error) {
	for i, c := range gi.Clients {
		start := len(b)
		b = append(b, 0) // descriptor length, set below
		b = append(b, c.DeviceAddress[:]...)
		b = append(b, c.InterfaceAddress[:]...)
		b = append(b, uint8(c.DeviceCapability))
		var err error
		b, err = appendDeviceFields(b, "P2P Client Info Descriptor", deviceFields{
			configMethods: c.ConfigMethods, primary: c.PrimaryDeviceType,
			secondary: c.SecondaryDeviceTypes, name: c.DeviceName, extra: c.Extra,
		})
		if err != nil {
			return b, err
		}
		n := len(b) - start - 1
		if n > 255 {
			return b, fmt.Errorf("%w: P2P Client Info Descriptor %d of %d octets exceeds 255", ieee80211.ErrInvalid, i, n)
		}
		b[start] = uint8(n)
	}
	return b, nil
}

func decodeGroupID(id AttributeID, body []byte) (*GroupID, error) {
	if len(body) < 6 || len(body) > 6+MaxSSIDLen {
		return nil, errLen(id, len(body), "6..38")
	}
	g := &GroupID{DeviceAddress: mac(body), SSID: body[6:len(body):len(body)]}
	return g, nil
}

func appendGroupID(b []byte, id AttributeID, g *GroupID) ([]byte, error) {
	if len(g.SSID) > MaxSSIDLen {
		return b, fmt.Errorf("%w: %v SSID of %d octets exceeds %d", ieee80211.ErrInvalid, id, len(g.SSID), MaxSSIDLen)
	}
	b = append(b, g.DeviceAddress[:]...)
	return append(b, g.SSID...), nil
}

func decodeInterface(body []byte) (*Interface, error) {
	if len(body) < 7 {
		return nil, errLen(AttrInterface, len(body), "at least 7")
	}
	n := int(body[6])
	if len(body) != 7+6*n {
		return nil, errLen(AttrInterface, len(body), fmt.Sprintf("%d for %d interface addresses", 7+6*n, n))
	}
	in := &Interface{DeviceAddress: mac(body)}
	if n > 0 {
		in.InterfaceAddresses = make([]ieee80211.MAC, n)
		for i := range in.InterfaceAddresses {
			in.InterfaceAddresses[i] = mac(body[7+6*i:])
		}
	}
	return in, nil
}

func appendInterface(b []byte, in *Interface) ([]byte, error) {
	if len(in.InterfaceAddresses) > 255 {
		return b, fmt.Errorf("%w: P2P Interface with %d addresses exceeds 255", ieee80211.ErrInvalid, len(in.InterfaceAddresses))
	}
	b = append(b, in.DeviceAddress[:]...)
	b = append(b, uint8(len(in.InterfaceAddresses)))
	for _, a := range in.InterfaceAddresses {
		b = append(b, a[:]...)
	}
	return b, nil
}

func decodeServiceHash(body []byte) (*ServiceHash, error) {
	if len(body) == 0 || len(body)%6 != 0 {
		return nil, errLen(AttrServiceHash, len(body), "a non-zero multiple of 6")
	}
	sh := &ServiceHash{Hashes: make([][6]byte, len(body)/6)}
	for i := range sh.Hashes {
		copy(sh.Hashes[i][:], body[6*i:])
	}
	return sh, nil
}

func decodeAdvertisedServiceInfo(body []byte) (*AdvertisedServiceInfo, error) {
	if len(body) == 0 {
		return nil, errLen(AttrAdvertisedServiceInfo, 0, "at least 7")
	}
	// Build into a local slice; nothing escapes on error (docs/bad-input.md #16).
	services := make([]AdvertisedService, 0, min(len(body)/7, 16))
	for rest := body; len(rest) > 0; {
		if len(rest) < 7 {
			return nil, fmt.Errorf("%w: Advertised Service Descriptor %d has %d of 7 header octets", ieee80211.ErrTruncated, len(services), len(rest))
		}
		n := int(rest[6])
		if len(rest)-7 < n {
			return nil, fmt.Errorf("%w: Advertised Service Descriptor %d announces a %d-octet name, %d octets remain",
				ieee80211.ErrTruncated, len(services), n, len(rest)-7)
		}
		name := rest[7 : 7+n]
		if !utf8.Valid(name) {
			return nil, fmt.Errorf("%w: Advertised Service Descriptor %d has a name that is not valid UTF-8", ieee80211.ErrInvalid, len(services))
		}
		services = append(services, AdvertisedService{
			AdvertisementID: binary.LittleEndian.Uint32(rest),
			ConfigMethods:   ConfigMethods(binary.BigEndian.Uint16(rest[4:])),
			ServiceName:     string(name),
		})
		rest = rest[7+n:]
	}
	return &AdvertisedServiceInfo{Services: services}, nil
}

func appendAdvertisedServiceInfo(b []byte, a *AdvertisedServiceInfo) ([]byte, error) {
	for i, s := range a.Services {
		if len(s.ServiceName) > 255 {
			return b, fmt.Errorf("%w: Advertised Service Descriptor %d name of %d octets exceeds 255", ieee80211.ErrInvalid, i, len(s.ServiceName))
		}
		b = binary.LittleEndian.AppendUint32(b, s.AdvertisementID)
		b = binary.BigEndian.AppendUint16(b, uint16(s.ConfigMethods))
		b = append(b, uint8(len(s.ServiceName)))
		b = append(b, s.ServiceName...)
	}
	return b, nil
}
