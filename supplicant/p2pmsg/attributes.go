package p2pmsg

import (
	"encoding/binary"
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
)

// Attributes is the decoded payload of a P2P IE: a sequence of P2P
// attributes (Wi-Fi P2P v1.7, 4.1.1), each a 1-octet Attribute ID, a
// 2-octet little-endian Length and a body. A nil field means the attribute
// is absent. Each known attribute may appear once; unknown attributes, the
// vendor-specific attribute (221) and null Listen/Operating Channel
// attributes are kept raw in Unknown.
type Attributes struct {
	Status                   *Status
	MinorReasonCode          *MinorReasonCode
	Capability               *Capability
	DeviceID                 *ieee80211.MAC // P2P Device ID (4.1.5)
	GOIntent                 *GOIntent
	ConfigurationTimeout     *ConfigurationTimeout
	ListenChannel            *Channel
	GroupBSSID               *ieee80211.MAC // P2P Group BSSID (4.1.9)
	ExtendedListenTiming     *ExtendedListenTiming
	IntendedInterfaceAddress *ieee80211.MAC // Intended P2P Interface Address (4.1.11)
	Manageability            *Manageability
	ChannelList              *ChannelList
	NoticeOfAbsence          *NoticeOfAbsence
	DeviceInfo               *DeviceInfo
	GroupInfo                *GroupInfo
	GroupID                  *GroupID
	Interface                *Interface
	OperatingChannel         *Channel
	InvitationFlags          *InvitationFlags
	OOBGONegotiationChannel  *OOBGONegotiationChannel
	ServiceHash              *ServiceHash
	SessionInformationData   *SessionInformationData
	ConnectionCapability     *ConnectionCapability
	AdvertisementID          *AdvertisementID
	AdvertisedServiceInfo    *AdvertisedServiceInfo
	SessionID                *SessionID
	FeatureCapability        *FeatureCapability
	PersistentGroupInfo      *GroupID

	// Unknown holds the attributes kept raw, in received order. It never
	// holds a known ID whose typed field is set (only a null Listen or
	// Operating Channel uses a known ID here).
	Unknown []RawAttribute

	// Order lists the attribute IDs in received order so that Append
	// reproduces the input. Leave it nil when building attributes: Append
	// then writes known attributes in ID order followed by Unknown.
	Order []AttributeID
}

// attrHeaderLen is the Attribute ID and Length octets.
const attrHeaderLen = 3

// ParseAttributes decodes the payload of a P2P IE (the concatenated bodies
// of its vendor-specific elements after OUI and OUI type). It fails on an
// attribute header shorter than three octets, a Length overrunning the
// payload, a known attribute whose length or content its layout does not
// allow, and a known attribute that appears twice.
func ParseAttributes(payload []byte) (*Attributes, error) {
	a := &Attributes{}
	// Each attribute takes at least three octets, which bounds the allocation.
	if n := len(payload) / attrHeaderLen; n > 0 {
		a.Order = make([]AttributeID, 0, min(n, 32))
	}
	for off := 0; off < len(payload); {
		if len(payload)-off < attrHeaderLen {
			return nil, fmt.Errorf("%w: P2P attribute header at offset %d has %d of 3 octets", ieee80211.ErrTruncated, off, len(payload)-off)
		}
		id := AttributeID(payload[off])
		n := int(binary.LittleEndian.Uint16(payload[off+1:]))
		off += attrHeaderLen
		if len(payload)-off < n {
			return nil, fmt.Errorf("%w: %v attribute announces %d octets, %d remain", ieee80211.ErrTruncated, id, n, len(payload)-off)
		}
		body := payload[off : off+n : off+n]
		off += n
		if err := a.decodeAttribute(id, body); err != nil {
			return nil, err
		}
		a.Order = append(a.Order, id)
	}
	return a, nil
}

// dup reports a second occurrence of a known attribute.
func dup(id AttributeID) error {
	return fmt.Errorf("%w: %v attribute appears twice", ieee80211.ErrInvalid, id)
}

// has reports whether the known attribute id is already set (typed or as a
// raw null channel).
func (a *Attributes) has(id AttributeID) bool {
	if a.field(id) {
		return true
	}
	if id == AttrListenChannel || id == AttrOperatingChannel {
		for _, r := range a.Unknown {
			if r.ID == id {
				return true
			}
		}
	}
	return false
}

func (a *Attributes) decodeAttribute(id AttributeID, body []byte) error {
	if !isKnown(id) {
		a.Unknown = append(a.Unknown, RawAttribute{ID: id, Data: body})
		return nil
	}
	if a.has(id) {
		return dup(id)
	}
	var err error
	switch id {
	case AttrStatus:
		if err = exactLen(id, body, 1); err == nil {
			a.Status = new(Status(body[0]))
		}
	case AttrMinorReasonCode:
		if err = exactLen(id, body, 1); err == nil {
			a.MinorReasonCode = new(MinorReasonCode(body[0]))
		}
	case AttrCapability:
		if err = exactLen(id, body, 2); err == nil {
			a.Capability = &Capability{Device: DeviceCapability(body[0]), Group: GroupCapability(body[1])}
		}
	case AttrDeviceID:
		if err = exactLen(id, body, 6); err == nil {
			a.DeviceID = new(mac(body))
		}
	case AttrGOIntent:
		if err = exactLen(id, body, 1); err == nil {
			a.GOIntent = &GOIntent{Intent: body[0] >> 1, TieBreaker: body[0]&1 != 0}
		}
	case AttrConfigurationTimeout:
		if err = exactLen(id, body, 2); err == nil {
			a.ConfigurationTimeout = &ConfigurationTimeout{GO: body[0], Client: body[1]}
		}
	case AttrListenChannel, AttrOperatingChannel:
		if len(body) == 0 { // null channel: absent, kept raw (as hostap)
			a.Unknown = append(a.Unknown, RawAttribute{ID: id, Data: body})
			return nil
		}
		var c Channel
		if c, err = decodeChannel(id, body); err == nil {
			if id == AttrListenChannel {
				a.ListenChannel = &c
			} else {
				a.OperatingChannel = &c
			}
		}
	case AttrGroupBSSID:
		if err = exactLen(id, body, 6); err == nil {
			a.GroupBSSID = new(mac(body))
		}
	case AttrExtendedListenTiming:
		if err = exactLen(id, body, 4); err == nil {
			a.ExtendedListenTiming = &ExtendedListenTiming{
				AvailabilityPeriod:   binary.LittleEndian.Uint16(body),
				AvailabilityInterval: binary.LittleEndian.Uint16(body[2:]),
			}
		}
	case AttrIntendedInterfaceAddress:
		if err = exactLen(id, body, 6); err == nil {
			a.IntendedInterfaceAddress = new(mac(body))
		}
	case AttrManageability:
		if err = exactLen(id, body, 1); err == nil {
			a.Manageability = new(Manageability(body[0]))
		}
	case AttrChannelList:
		a.ChannelList, err = decodeChannelList(body)
	case AttrNoticeOfAbsence:
		a.NoticeOfAbsence, err = decodeNoA(body)
	case AttrDeviceInfo:
		a.DeviceInfo, err = decodeDeviceInfo(body)
	case AttrGroupInfo:
		a.GroupInfo, err = decodeGroupInfo(body)
	case AttrGroupID:
		a.GroupID, err = decodeGroupID(id, body)
	case AttrInterface:
		a.Interface, err = decodeInterface(body)
	case AttrInvitationFlags:
		if err = exactLen(id, body, 1); err == nil {
			a.InvitationFlags = new(InvitationFlags(body[0]))
		}
	case AttrOOBGONegotiationChannel:
		if err = exactLen(id, body, 6); err == nil {
			a.OOBGONegotiationChannel = &OOBGONegotiationChannel{
				Country:        [3]byte{body[0], body[1], body[2]},
				OperatingClass: body[3], Number: body[4], RoleIndication: Role(body[5]),
			}
		}
	case AttrServiceHash:
		a.ServiceHash, err = decodeServiceHash(body)
	case AttrSessionInformationData:
		a.SessionInformationData = &SessionInformationData{Data: body}
	case AttrConnectionCapability:
		if err = exactLen(id, body, 1); err == nil {
			a.ConnectionCapability = new(ConnectionCapability(body[0]))
		}
	case AttrAdvertisementID:
		if err = exactLen(id, body, 10); err == nil {
			a.AdvertisementID = &AdvertisementID{AdvertisementID: binary.LittleEndian.Uint32(body), ServiceMACAddress: mac(body[4:])}
		}
	case AttrAdvertisedServiceInfo:
		a.AdvertisedServiceInfo, err = decodeAdvertisedServiceInfo(body)
	case AttrSessionID:
		if err = exactLen(id, body, 10); err == nil {
			a.SessionID = &SessionID{SessionID: binary.LittleEndian.Uint32(body), SessionMACAddress: mac(body[4:])}
		}
	case AttrFeatureCapability:
		if err = exactLen(id, body, 2); err == nil {
			a.FeatureCapability = &FeatureCapability{CoordinationProtocolTransport: body[0], Reserved: body[1]}
		}
	case AttrPersistentGroupInfo:
		a.PersistentGroupInfo, err = decodeGroupID(id, body)
	}
	return err
}

// isKnown reports whether id has a typed field in Attributes.
func isKnown(id AttributeID) bool {
	return id <= AttrPersistentGroupInfo && id != 20
}

// field reports whether the typed field for the known attribute id is set.
func (a *Attributes) field(id AttributeID) bool {
	switch id {
	case AttrStatus:
		return a.Status != nil
	case AttrMinorReasonCode:
		return a.MinorReasonCode != nil
	case AttrCapability:
		return a.Capability != nil
	case AttrDeviceID:
		return a.DeviceID != nil
	case AttrGOIntent:
		return a.GOIntent != nil
	case AttrConfigurationTimeout:
		return a.ConfigurationTimeout != nil
	case AttrListenChannel:
		return a.ListenChannel != nil
	case AttrGroupBSSID:
		return a.GroupBSSID != nil
	case AttrExtendedListenTiming:
		return a.ExtendedListenTiming != nil
	case AttrIntendedInterfaceAddress:
		return a.IntendedInterfaceAddress != nil
	case AttrManageability:
		return a.Manageability != nil
	case AttrChannelList:
		return a.ChannelList != nil
	case AttrNoticeOfAbsence:
		return a.NoticeOfAbsence != nil
	case AttrDeviceInfo:
		return a.DeviceInfo != nil
	case AttrGroupInfo:
		return a.GroupInfo != nil
	case AttrGroupID:
		return a.GroupID != nil
	case AttrInterface:
		return a.Interface != nil
	case AttrOperatingChannel:
		return a.OperatingChannel != nil
	case AttrInvitationFlags:
		return a.InvitationFlags != nil
	case AttrOOBGONegotiationChannel:
		return a.OOBGONegotiationChannel != nil
	case AttrServiceHash:
		return a.ServiceHash != nil
	case AttrSessionInformationData:
		return a.SessionInformationData != nil
	case AttrConnectionCapability:
		return a.ConnectionCapability != nil
	case AttrAdvertisementID:
		return a.AdvertisementID != nil
	case AttrAdvertisedServiceInfo:
		return a.AdvertisedServiceInfo != nil
	case AttrSessionID:
		return a.SessionID != nil
	case AttrFeatureCapability:
		return a.FeatureCapability != nil
	case AttrPersistentGroupInfo:
		return a.PersistentGroupInfo != nil
	}
	return false
}

// appendBody appends the body of the set known attribute id.
func (a *Attributes) appendBody(b []byte, id AttributeID) ([]byte, error) {
	switch id {
	case AttrStatus:
		return append(b, uint8(*a.Status)), nil
	case AttrMinorReasonCode:
		return append(b, uint8(*a.MinorReasonCode)), nil
	case AttrCapability:
		return append(b, uint8(a.Capability.Device), uint8(a.Capability.Group)), nil
	case AttrDeviceID:
		return append(b, a.DeviceID[:]...), nil
	case AttrGOIntent:
		if a.GOIntent.Intent > 0x7f {
			return b, fmt.Errorf("%w: GO Intent %d does not fit in 7 bits", ieee80211.ErrInvalid, a.GOIntent.Intent)
		}
		v := a.GOIntent.Intent << 1
		if a.GOIntent.TieBreaker {
			v |= 1
		}
		return append(b, v), nil
	case AttrConfigurationTimeout:
		return append(b, a.ConfigurationTimeout.GO, a.ConfigurationTimeout.Client), nil
	case AttrListenChannel:
		c := a.ListenChannel
		return append(append(b, c.Country[:]...), c.OperatingClass, c.Number), nil
	case AttrGroupBSSID:
		return append(b, a.GroupBSSID[:]...), nil
	case AttrExtendedListenTiming:
		b = binary.LittleEndian.AppendUint16(b, a.ExtendedListenTiming.AvailabilityPeriod)
		return binary.LittleEndian.AppendUint16(b, a.ExtendedListenTiming.AvailabilityInterval), nil
	case AttrIntendedInterfaceAddress:
		return append(b, a.IntendedInterfaceAddress[:]...), nil
	case AttrManageability:
		return append(b, uint8(*a.Manageability)), nil
	case AttrChannelList:
		return appendChannelList(b, a.ChannelList)
	case AttrNoticeOfAbsence:
		return appendNoA(b, a.NoticeOfAbsence)
	case AttrDeviceInfo:
		return appendDeviceInfo(b, a.DeviceInfo)
	case AttrGroupInfo:
		return appendGroupInfo(b, a.GroupInfo)
	case AttrGroupID:
		return appendGroupID(b, id, a.GroupID)
	case AttrInterface:
		return appendInterface(b, a.Interface)
	case AttrOperatingChannel:
		c := a.OperatingChannel
		return append(append(b, c.Country[:]...), c.OperatingClass, c.Number), nil
	case AttrInvitationFlags:
		return append(b, uint8(*a.InvitationFlags)), nil
	case AttrOOBGONegotiationChannel:
		c := a.OOBGONegotiationChannel
		return append(append(b, c.Country[:]...), c.OperatingClass, c.Number, byte(c.RoleIndication)), nil
	case AttrServiceHash:
		for _, h := range a.ServiceHash.Hashes {
			b = append(b, h[:]...)
		}
		return b, nil
	case AttrSessionInformationData:
		return append(b, a.SessionInformationData.Data...), nil
	case AttrConnectionCapability:
		return append(b, uint8(*a.ConnectionCapability)), nil
	case AttrAdvertisementID:
		b = binary.LittleEndian.AppendUint32(b, a.AdvertisementID.AdvertisementID)
		return append(b, a.AdvertisementID.ServiceMACAddress[:]...), nil
	case AttrAdvertisedServiceInfo:
		return appendAdvertisedServiceInfo(b, a.AdvertisedServiceInfo)
	case AttrSessionID:
		b = binary.LittleEndian.AppendUint32(b, a.SessionID.SessionID)
		return append(b, a.SessionID.SessionMACAddress[:]...), nil
	case AttrFeatureCapability:
		return append(b, a.FeatureCapability.CoordinationProtocolTransport, a.FeatureCapability.Reserved), nil
	case AttrPersistentGroupInfo:
		return appendGroupID(b, id, a.PersistentGroupInfo)
	}
	return b, fmt.Errorf("%w: %v is not a known attribute", ieee80211.ErrInvalid, id)
}

// appendAttr appends one attribute: header, then the body written by body.
func appendAttr(b []byte, id AttributeID, body func([]byte) ([]byte, error)) ([]byte, error) {
	start := len(b)
	b = append(b, uint8(id), 0, 0)
	b, err := body(b)
	if err != nil {
		return b[:start], err
	}
	n := len(b) - start - attrHeaderLen
	if n > 0xffff {
		return b[:start], fmt.Errorf("%w: %v attribute body of %d octets exceeds 65535", ieee80211.ErrInvalid, id, n)
	}
	binary.LittleEndian.PutUint16(b[start+1:], uint16(n))
	return b, nil
}

// Append appends the attributes as a P2P IE payload: in Order when set,
// then any set attribute Order does not name (known ones in ID order, then
// the rest of Unknown). It fails on a value the wire format cannot carry.
func (a *Attributes) Append(b []byte) ([]byte, error) {
	var done [AttrPersistentGroupInfo + 1]bool
	u := 0 // next Unknown entry to write
	var err error
	known := func(id AttributeID) error {
		b, err = appendAttr(b, id, func(b []byte) ([]byte, error) { return a.appendBody(b, id) })
		done[id] = true
		return err
	}
	raw := func() error {
		r := a.Unknown[u]
		u++
		b, err = appendAttr(b, r.ID, func(b []byte) ([]byte, error) { return append(b, r.Data...), nil })
		return err
	}
	for _, id := range a.Order {
		switch {
		case isKnown(id) && !done[id] && a.field(id):
			if err := known(id); err != nil {
				return b, err
			}
		case u < len(a.Unknown) && a.Unknown[u].ID == id:
			if err := raw(); err != nil {
				return b, err
			}
		}
	}
	for id := AttrStatus; id <= AttrPersistentGroupInfo; id++ {
		if isKnown(id) && !done[id] && a.field(id) {
			if err := known(id); err != nil {
				return b, err
			}
		}
	}
	for u < len(a.Unknown) {
		if err := raw(); err != nil {
			return b, err
		}
	}
	return b, nil
}
