package eapol

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// OUIIEEE80211 is the IEEE 802.11 OUI 00-0F-AC of the cipher and AKM suite
// selectors and of the KDEs of IEEE Std 802.11-2020, Table 12-10.
var OUIIEEE80211 = ieee80211.OUI{0x00, 0x0f, 0xac}

// KDE Data Types with OUI 00-0F-AC (IEEE Std 802.11-2020, 12.7.2, Table 12-10).
const (
	KDEGTK            uint8 = 1
	KDEMACAddress     uint8 = 3
	KDEPMKID          uint8 = 4
	KDENonce          uint8 = 6
	KDELifetime       uint8 = 7
	KDEError          uint8 = 8
	KDEIGTK           uint8 = 9
	KDEKeyID          uint8 = 10
	KDEMultiBandGTK   uint8 = 11
	KDEMultiBandKeyID uint8 = 12
	KDEOCI            uint8 = 13
	KDEBIGTK          uint8 = 14
)

// KDE Data Types with the Wi-Fi Alliance OUI 50-6F-9A (ieee80211.OUIWFA).
const (
	// KDEIPAddressRequest is the P2P IP Address Request KDE a P2P Client
	// sends in 4-way message 2/4 (Wi-Fi P2P Technical Specification v1.7,
	// 4.2.8).
	KDEIPAddressRequest uint8 = 4
	// KDEIPAddressAllocation is the P2P IP Address Allocation KDE a P2P GO
	// answers with in message 3/4 (Wi-Fi P2P v1.7, 4.2.8).
	KDEIPAddressAllocation uint8 = 5
	// KDETransitionDisable is the WPA3 Transition Disable KDE (WPA3
	// Specification v3.0, Table 4).
	KDETransitionDisable uint8 = 0x20
)

// kdeHeaderLen counts the OUI and data type octets of a KDE body.
const kdeHeaderLen = 4

// MaxKDEData is the largest KDE Data: an element body is at most 255 octets,
// four of which are the OUI and data type.
const MaxKDEData = ieee80211.MaxElementData - kdeHeaderLen

// KDE is one Key Data Encapsulation (IEEE Std 802.11-2020, 12.7.2,
// Figure 12-35): a vendor-specific element (Type 0xdd) whose body is an OUI,
// a data type and the data. The WPA element (OUI 00-50-F2, type 1) has the
// same shape and reads as a KDE too.
type KDE struct {
	OUI  ieee80211.OUI
	Type uint8  // Data Type
	Data []byte // Data; aliases the element body when decoded
}

// AsKDE reads element e as a KDE: it must be a vendor-specific element of
// at least four octets.
func AsKDE(e ieee80211.Element) (KDE, bool) {
	if e.ID != ieee80211.ElemVendorSpecific || len(e.Data) < kdeHeaderLen {
		return KDE{}, false
	}
	return KDE{
		OUI:  ieee80211.OUI{e.Data[0], e.Data[1], e.Data[2]},
		Type: e.Data[3],
		Data: sub(e.Data, kdeHeaderLen, len(e.Data)),
	}, true
}

// Is reports whether the KDE has this OUI and data type.
func (k KDE) Is(oui ieee80211.OUI, typ uint8) bool { return k.OUI == oui && k.Type == typ }

// Element returns the KDE as a vendor-specific element (a new body buffer).
// It fails when Data exceeds MaxKDEData.
func (k KDE) Element() (ieee80211.Element, error) {
	if len(k.Data) > MaxKDEData {
		return ieee80211.Element{}, fmt.Errorf("eapol: %w: KDE data of %d octets exceeds %d", ErrInvalid, len(k.Data), MaxKDEData)
	}
	body := make([]byte, 0, kdeHeaderLen+len(k.Data))
	body = append(body, k.OUI[0], k.OUI[1], k.OUI[2], k.Type)
	return ieee80211.Element{ID: ieee80211.ElemVendorSpecific, Data: append(body, k.Data...)}, nil
}

// Append appends the KDE, with its element header, to b. It fails when Data
// exceeds MaxKDEData.
func (k KDE) Append(b []byte) ([]byte, error) {
	if len(k.Data) > MaxKDEData {
		return b, fmt.Errorf("eapol: %w: KDE data of %d octets exceeds %d", ErrInvalid, len(k.Data), MaxKDEData)
	}
	b = append(b, ieee80211.ElemVendorSpecific, uint8(kdeHeaderLen+len(k.Data)), k.OUI[0], k.OUI[1], k.OUI[2], k.Type)
	return append(b, k.Data...), nil
}

// GTKKDE is the data of a GTK KDE (IEEE Std 802.11-2020, 12.7.2,
// Figure 12-36): a flags octet (Key ID in bits 0–1, Tx in bit 2, reserved
// bits 3–7), a reserved octet, then the GTK.
type GTKKDE struct {
	KeyID         uint8 // Key ID (0–3)
	Tx            bool  // Tx: the GTK is used for transmit as well as receive
	ReservedBits  uint8 // bits 3–7 of the first octet, shifted to bits 0–4
	ReservedOctet uint8 // the second octet
	GTK           []byte
}

// ParseGTKKDE decodes GTK KDE data. It fails with ErrTruncated when the
// data is shorter than its two-octet header. GTK aliases data.
func ParseGTKKDE(data []byte) (GTKKDE, error) {
	if len(data) < 2 {
		return GTKKDE{}, fmt.Errorf("eapol: %w: GTK KDE has %d of 2 header octets", ErrTruncated, len(data))
	}
	return GTKKDE{
		KeyID:         data[0] & 3,
		Tx:            data[0]&4 != 0,
		ReservedBits:  data[0] >> 3,
		ReservedOctet: data[1],
		GTK:           sub(data, 2, len(data)),
	}, nil
}

// AppendData appends the GTK KDE data (without the KDE header) to b.
func (g GTKKDE) AppendData(b []byte) []byte {
	flags := g.KeyID&3 | g.ReservedBits<<3
	if g.Tx {
		flags |= 4
	}
	b = append(b, flags, g.ReservedOctet)
	return append(b, g.GTK...)
}

// KDE returns the GTK KDE.
func (g GTKKDE) KDE() KDE {
	return KDE{OUI: OUIIEEE80211, Type: KDEGTK, Data: g.AppendData(make([]byte, 0, 2+len(g.GTK)))}
}

// Validate reports a GTK whose length is no group cipher's key length
// (WEP-40 5, WEP-104 13, CCMP-128/GCMP-128 16, TKIP/CCMP-256/GCMP-256 32;
// hostap keeps at most 32 octets).
func (g GTKKDE) Validate() error {
	switch len(g.GTK) {
	case 5, 13, 16, 32:
		return nil
	}
	return fmt.Errorf("eapol: %w: GTK of %d octets", ErrInvalid, len(g.GTK))
}

// IPNLen is the length of the IGTK packet number (IPN) and BIGTK packet
// number (BIPN) fields.
const IPNLen = 6

// IGTKKDE is the data of an IGTK KDE (IEEE Std 802.11-2020, 12.7.2,
// Figure 12-39); the BIGTK KDE (type 14) has the same layout.
type IGTKKDE struct {
	KeyID uint16       // Key ID (4 or 5 for an IGTK, 6 or 7 for a BIGTK), little-endian on the wire
	IPN   [IPNLen]byte // IPN (BIPN), as on the wire
	IGTK  []byte
}

// ParseIGTKKDE decodes IGTK (or BIGTK) KDE data. It fails with
// ErrTruncated when the data is shorter than the Key ID and IPN. IGTK
// aliases data.
func ParseIGTKKDE(data []byte) (IGTKKDE, error) {
	if len(data) < 2+IPNLen {
		return IGTKKDE{}, fmt.Errorf("eapol: %w: IGTK KDE has %d of %d header octets", ErrTruncated, len(data), 2+IPNLen)
	}
	k := IGTKKDE{KeyID: binary.LittleEndian.Uint16(data), IGTK: sub(data, 2+IPNLen, len(data))}
	copy(k.IPN[:], data[2:])
	return k, nil
}

// AppendData appends the IGTK KDE data (without the KDE header) to b.
func (k IGTKKDE) AppendData(b []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, k.KeyID)
	b = append(b, k.IPN[:]...)
	return append(b, k.IGTK...)
}

// KDE returns the KDE with the given data type: KDEIGTK or KDEBIGTK.
func (k IGTKKDE) KDE(typ uint8) KDE {
	return KDE{OUI: OUIIEEE80211, Type: typ, Data: k.AppendData(make([]byte, 0, 2+IPNLen+len(k.IGTK)))}
}

// Validate reports an IGTK whose length is no group management cipher's key
// length (BIP-CMAC-128 and BIP-GMAC-128 16, BIP-CMAC-256 and BIP-GMAC-256 32).
func (k IGTKKDE) Validate() error {
	if len(k.IGTK) != 16 && len(k.IGTK) != 32 {
		return fmt.Errorf("eapol: %w: IGTK of %d octets", ErrInvalid, len(k.IGTK))
	}
	return nil
}

// PMKIDLen is the length of a PMKID.
const PMKIDLen = 16

// ParsePMKIDKDE decodes PMKID KDE data (IEEE Std 802.11-2020, 12.7.2,
// Figure 12-38): exactly one PMKID.
func ParsePMKIDKDE(data []byte) ([PMKIDLen]byte, error) {
	var p [PMKIDLen]byte
	if len(data) != PMKIDLen {
		return p, fixedLenErr("PMKID", len(data), PMKIDLen)
	}
	copy(p[:], data)
	return p, nil
}

// PMKIDKDE returns the PMKID KDE that carries pmkid.
func PMKIDKDE(pmkid [PMKIDLen]byte) KDE {
	return KDE{OUI: OUIIEEE80211, Type: KDEPMKID, Data: append([]byte(nil), pmkid[:]...)}
}

// ParseMACAddressKDE decodes MAC address KDE data (IEEE Std 802.11-2020,
// 12.7.2, Figure 12-37): exactly one MAC address.
func ParseMACAddressKDE(data []byte) (ieee80211.MAC, error) {
	var m ieee80211.MAC
	if len(data) != len(m) {
		return m, fixedLenErr("MAC address", len(data), len(m))
	}
	copy(m[:], data)
	return m, nil
}

// MACAddressKDE returns the MAC address KDE that carries m.
func MACAddressKDE(m ieee80211.MAC) KDE {
	return KDE{OUI: OUIIEEE80211, Type: KDEMACAddress, Data: append([]byte(nil), m[:]...)}
}

// IPAddressRequestKDE returns the P2P IP Address Request KDE a P2P Client
// adds to message 2/4 (Wi-Fi P2P v1.7, 4.2.8). Its data is one octet 0x01,
// as wpa_supplicant sends it: a hostapd GO ignores the KDE when it carries no
// data and allocates an address only when the first octet is non-zero.
func IPAddressRequestKDE() KDE {
	return KDE{OUI: ieee80211.OUIWFA, Type: KDEIPAddressRequest, Data: []byte{0x01}}
}

// RequestsIPAddress reports whether k is a P2P IP Address Request KDE that
// asks for an address, read as hostapd reads it: at least one data octet,
// the first non-zero.
func (k KDE) RequestsIPAddress() bool {
	return k.Is(ieee80211.OUIWFA, KDEIPAddressRequest) && len(k.Data) > 0 && k.Data[0] != 0
}

// IPAddressAllocation is the data of the P2P IP Address Allocation KDE
// (Wi-Fi P2P Technical Specification v1.7, 4.2.8): the IPv4 address given to
// the P2P Client, its subnet mask and the GO's IPv4 address, four octets each
// in network byte order.
type IPAddressAllocation struct {
	ClientIP   [4]byte // Client IPv4 Address
	SubnetMask [4]byte // Subnet Mask
	GOIP       [4]byte // GO IPv4 Address
}

// ipAllocLen is the length of the IP Address Allocation KDE data.
const ipAllocLen = 12

// ParseIPAddressAllocationKDE decodes IP Address Allocation KDE data:
// exactly 12 octets.
func ParseIPAddressAllocationKDE(data []byte) (IPAddressAllocation, error) {
	var a IPAddressAllocation
	if len(data) != ipAllocLen {
		return a, fixedLenErr("IP Address Allocation", len(data), ipAllocLen)
	}
	copy(a.ClientIP[:], data)
	copy(a.SubnetMask[:], data[4:])
	copy(a.GOIP[:], data[8:])
	return a, nil
}

// AppendData appends the KDE data (without the KDE header) to b.
func (a IPAddressAllocation) AppendData(b []byte) []byte {
	b = append(b, a.ClientIP[:]...)
	b = append(b, a.SubnetMask[:]...)
	return append(b, a.GOIP[:]...)
}

// KDE returns the IP Address Allocation KDE.
func (a IPAddressAllocation) KDE() KDE {
	return KDE{OUI: ieee80211.OUIWFA, Type: KDEIPAddressAllocation, Data: a.AppendData(make([]byte, 0, ipAllocLen))}
}

// Client returns the client address with its prefix length, or an invalid
// prefix when the subnet mask is not a contiguous run of ones.
func (a IPAddressAllocation) Client() netip.Prefix {
	bits := maskBits(a.SubnetMask)
	if bits < 0 {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(netip.AddrFrom4(a.ClientIP), bits)
}

// GO returns the GO's address.
func (a IPAddressAllocation) GO() netip.Addr { return netip.AddrFrom4(a.GOIP) }

// maskBits returns the prefix length of a contiguous IPv4 mask, or -1.
func maskBits(m [4]byte) int {
	v := binary.BigEndian.Uint32(m[:])
	n := 0
	for v&0x80000000 != 0 {
		v <<= 1
		n++
	}
	if v != 0 {
		return -1
	}
	return n
}

func fixedLenErr(name string, got, want int) error {
	if got < want {
		return fmt.Errorf("eapol: %w: %s KDE has %d of %d octets", ErrTruncated, name, got, want)
	}
	return fmt.Errorf("eapol: %w: %s KDE has %d octets, want %d", ErrInvalid, name, got, want)
}
