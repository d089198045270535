package p2pmsg

import (
	"errors"
	"fmt"
)

// Errors specific to this package. Malformed input wraps
// ieee80211.ErrTruncated or ieee80211.ErrInvalid instead.
var (
	// ErrNotP2P means the frame is well formed but is not a P2P frame
	// (another category, action, OUI or OUI type).
	ErrNotP2P = errors.New("p2pmsg: not a P2P frame")
	// ErrMissingAttribute means a frame lacks an attribute (or IE) its
	// subtype requires (Wi-Fi P2P 4.2.9, 4.2.10).
	ErrMissingAttribute = errors.New("p2pmsg: missing mandatory attribute")
)

// AttributeID identifies a P2P attribute (Wi-Fi P2P Technical Specification
// v1.7, 4.1.1, Table 6).
type AttributeID uint8

// P2P attribute IDs (Wi-Fi P2P v1.7, Table 6).
const (
	AttrStatus                   AttributeID = 0
	AttrMinorReasonCode          AttributeID = 1
	AttrCapability               AttributeID = 2
	AttrDeviceID                 AttributeID = 3
	AttrGOIntent                 AttributeID = 4
	AttrConfigurationTimeout     AttributeID = 5
	AttrListenChannel            AttributeID = 6
	AttrGroupBSSID               AttributeID = 7
	AttrExtendedListenTiming     AttributeID = 8
	AttrIntendedInterfaceAddress AttributeID = 9
	AttrManageability            AttributeID = 10
	AttrChannelList              AttributeID = 11
	AttrNoticeOfAbsence          AttributeID = 12
	AttrDeviceInfo               AttributeID = 13
	AttrGroupInfo                AttributeID = 14
	AttrGroupID                  AttributeID = 15
	AttrInterface                AttributeID = 16
	AttrOperatingChannel         AttributeID = 17
	AttrInvitationFlags          AttributeID = 18
	AttrOOBGONegotiationChannel  AttributeID = 19
	AttrServiceHash              AttributeID = 21
	AttrSessionInformationData   AttributeID = 22
	AttrConnectionCapability     AttributeID = 23
	AttrAdvertisementID          AttributeID = 24
	AttrAdvertisedServiceInfo    AttributeID = 25
	AttrSessionID                AttributeID = 26
	AttrFeatureCapability        AttributeID = 27
	AttrPersistentGroupInfo      AttributeID = 28
	AttrVendorSpecific           AttributeID = 221
)

var attrNames = [...]string{
	AttrStatus:                   "Status",
	AttrMinorReasonCode:          "Minor Reason Code",
	AttrCapability:               "P2P Capability",
	AttrDeviceID:                 "P2P Device ID",
	AttrGOIntent:                 "Group Owner Intent",
	AttrConfigurationTimeout:     "Configuration Timeout",
	AttrListenChannel:            "Listen Channel",
	AttrGroupBSSID:               "P2P Group BSSID",
	AttrExtendedListenTiming:     "Extended Listen Timing",
	AttrIntendedInterfaceAddress: "Intended P2P Interface Address",
	AttrManageability:            "P2P Manageability",
	AttrChannelList:              "Channel List",
	AttrNoticeOfAbsence:          "Notice of Absence",
	AttrDeviceInfo:               "P2P Device Info",
	AttrGroupInfo:                "P2P Group Info",
	AttrGroupID:                  "P2P Group ID",
	AttrInterface:                "P2P Interface",
	AttrOperatingChannel:         "Operating Channel",
	AttrInvitationFlags:          "Invitation Flags",
	AttrOOBGONegotiationChannel:  "Out-of-Band Group Owner Negotiation Channel",
	AttrServiceHash:              "Service Hash",
	AttrSessionInformationData:   "Session Information Data Info",
	AttrConnectionCapability:     "Connection Capability Info",
	AttrAdvertisementID:          "Advertisement ID Info",
	AttrAdvertisedServiceInfo:    "Advertised Service Info",
	AttrSessionID:                "Session ID Info",
	AttrFeatureCapability:        "Feature Capability",
	AttrPersistentGroupInfo:      "Persistent Group Info",
}

// String names the attribute as the specification does.
func (id AttributeID) String() string {
	if id == AttrVendorSpecific {
		return "Vendor Specific"
	}
	if int(id) < len(attrNames) && attrNames[id] != "" {
		return attrNames[id]
	}
	return fmt.Sprintf("attribute %d", uint8(id))
}

// Status is the Status Code of the Status attribute (Wi-Fi P2P v1.7,
// 4.1.2, Table 8).
type Status uint8

// Status codes (Wi-Fi P2P v1.7, Table 8).
const (
	StatusSuccess                      Status = 0
	StatusFailInformationUnavailable   Status = 1
	StatusFailIncompatibleParameters   Status = 2
	StatusFailLimitReached             Status = 3
	StatusFailInvalidParameters        Status = 4
	StatusFailUnableToAccommodate      Status = 5
	StatusFailPreviousProtocolError    Status = 6
	StatusFailNoCommonChannels         Status = 7
	StatusFailUnknownP2PGroup          Status = 8
	StatusFailBothGOIntent15           Status = 9
	StatusFailIncompatibleProvisioning Status = 10
	StatusFailRejectedByUser           Status = 11
	StatusSuccessAcceptedByUser        Status = 12
)

var statusNames = [...]string{
	"Success",
	"Fail; information is currently unavailable",
	"Fail; incompatible parameters",
	"Fail; limit reached",
	"Fail; invalid parameters",
	"Fail; unable to accommodate request",
	"Fail; previous protocol error, or disruptive behavior",
	"Fail; no common channels",
	"Fail; unknown P2P Group",
	"Fail; both P2P Devices indicated an Intent of 15 in Group Owner Negotiation",
	"Fail; incompatible provisioning method",
	"Fail; rejected by user",
	"Success; accepted by user",
}

// String describes the status code in the words of Table 8.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status %d", uint8(s))
}

// MinorReasonCode is the value of the Minor Reason Code attribute (Wi-Fi
// P2P v1.7, 4.1.3, Table 9).
type MinorReasonCode uint8

// DeviceCapability is the Device Capability Bitmap of the P2P Capability
// attribute (Wi-Fi P2P v1.7, 4.1.4, Table 12).
type DeviceCapability uint8

// Device Capability Bitmap bits (Wi-Fi P2P v1.7, Table 12; bit 6 from
// Wi-Fi P2P v1.8 / hostap P2P_DEV_CAPAB_6GHZ_BAND_CAPABLE).
const (
	DevCapServiceDiscovery      DeviceCapability = 0x01
	DevCapClientDiscoverability DeviceCapability = 0x02
	DevCapConcurrentOperation   DeviceCapability = 0x04
	DevCapInfrastructureManaged DeviceCapability = 0x08
	DevCapDeviceLimit           DeviceCapability = 0x10
	DevCapInvitationProcedure   DeviceCapability = 0x20
	DevCap6GHzBandCapable       DeviceCapability = 0x40
)

// GroupCapability is the Group Capability Bitmap of the P2P Capability
// attribute (Wi-Fi P2P v1.7, 4.1.4, Table 13).
type GroupCapability uint8

// Group Capability Bitmap bits (Wi-Fi P2P v1.7, Table 13).
const (
	GroupCapGroupOwner           GroupCapability = 0x01
	GroupCapPersistentGroup      GroupCapability = 0x02
	GroupCapGroupLimit           GroupCapability = 0x04
	GroupCapIntraBSSDistribution GroupCapability = 0x08
	GroupCapCrossConnection      GroupCapability = 0x10
	GroupCapPersistentReconnect  GroupCapability = 0x20
	GroupCapGroupFormation       GroupCapability = 0x40
	GroupCapIPAddressAllocation  GroupCapability = 0x80
)

// Manageability is the Manageability Bitmap of the P2P Manageability
// attribute (Wi-Fi P2P v1.7, 4.1.12, Table 23).
type Manageability uint8

// P2P Manageability Bitmap bits (Wi-Fi P2P v1.7, Table 23).
const (
	ManageabilityDeviceManagement         Manageability = 0x01
	ManageabilityCrossConnectionPermitted Manageability = 0x02
	ManageabilityCoexistenceOptional      Manageability = 0x04
)

// InvitationFlags is the Invitation Flags Bitmap (Wi-Fi P2P v1.7, 4.1.20,
// Table 30).
type InvitationFlags uint8

// InvitationTypeReinvoke is the Invitation Type bit: set when the invitation
// re-invokes a Persistent Group, clear when it asks to join an active group.
const InvitationTypeReinvoke InvitationFlags = 0x01

// ConnectionCapability is the Connection Capability Info bitmap (Wi-Fi P2P
// v1.7, 4.1.24, Table 33).
type ConnectionCapability uint8

// Connection Capability Info bits (Wi-Fi P2P v1.7, Table 33).
const (
	ConnCapNew        ConnectionCapability = 0x01
	ConnCapClient     ConnectionCapability = 0x02
	ConnCapGroupOwner ConnectionCapability = 0x04
)

// Role is a device's role in a P2P Group, numbered as the Role Indication
// of the Out-of-Band Group Owner Negotiation Channel attribute (Wi-Fi P2P
// v1.7, 4.1.21, Table 32). The device core, the group machines and their
// results all use it.
type Role uint8

// Roles (Wi-Fi P2P v1.7, Table 32).
const (
	RoleNotInGroup Role = 0x00
	RoleClient     Role = 0x01
	RoleGO         Role = 0x02 // P2P Group Owner
)

// String names the role: "GO", "client" or "not in group".
func (r Role) String() string {
	switch r {
	case RoleGO:
		return "GO"
	case RoleClient:
		return "client"
	case RoleNotInGroup:
		return "not in group"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// Coordination Protocol Transport bits of the Feature Capability attribute
// (Wi-Fi P2P v1.7, 4.1.28).
const (
	TransportUDP uint8 = 0x01
	TransportMAC uint8 = 0x02
)

// ConfigMethods is a WSC Config Methods bitmap, big-endian on the wire
// (WSC 2.0.x, 12, Config Methods), as used inside P2P attributes.
type ConfigMethods uint16

// Config Methods bits used by P2P (WSC 2.0.x Table 33; P2PS bit from Wi-Fi
// P2P v1.7, 4.1.15).
const (
	ConfigMethodLabel              ConfigMethods = 0x0004
	ConfigMethodDisplay            ConfigMethods = 0x0008
	ConfigMethodPushButton         ConfigMethods = 0x0080
	ConfigMethodKeypad             ConfigMethods = 0x0100
	ConfigMethodVirtualPushButton  ConfigMethods = 0x0280
	ConfigMethodPhysicalPushButton ConfigMethods = 0x0480
	ConfigMethodP2PS               ConfigMethods = 0x1000
	ConfigMethodVirtualDisplay     ConfigMethods = 0x2008
	ConfigMethodPhysicalDisplay    ConfigMethods = 0x4008
)

// Limits honoured by the decoders.
const (
	// MaxGOIntent is the largest GO Intent value (Wi-Fi P2P v1.7, 4.1.6).
	MaxGOIntent = 15
	// MaxDeviceNameLen is the longest Device Name (WSC 2.0.x: 32 octets).
	MaxDeviceNameLen = 32
	// MaxSSIDLen is the longest SSID (IEEE Std 802.11-2020, 9.4.2.2).
	MaxSSIDLen = 32
	// MaxSecondaryDeviceTypes is the most Secondary Device Types a Device
	// Info attribute or a Client Info Descriptor may list (WSC: the
	// Secondary Device Type List holds at most 16 entries, 128 octets).
	MaxSecondaryDeviceTypes = 16
	// MaxNoADescriptors is the most Notice of Absence descriptors accepted
	// in one attribute (Linux IEEE80211_P2P_NOA_DESC_MAX; a GO schedules at
	// most two). See docs/bad-input.md #14 (CVE-2019-17666).
	MaxNoADescriptors = 4
	// MinClientInfoDescriptorLen is the shortest Client Info Descriptor
	// body (Wi-Fi P2P v1.7, 4.1.16): two addresses, Device Capability,
	// Config Methods, Primary Device Type, Number of Secondary Device Types.
	MinClientInfoDescriptorLen = 24
)

// WSC attribute type of the Device Name TLV embedded in Device Info and
// Client Info Descriptors (WSC 2.0.x, 12: Device Name, 0x1011).
const wscAttrDeviceName = 0x1011
