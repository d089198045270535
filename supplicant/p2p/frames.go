package p2p

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// wildcardSSID is the P2P Wildcard SSID (Wi-Fi P2P v1.7, 2.4.1).
var wildcardSSID = []byte("DIRECT-")

// ofdmRates are the Supported Rates of P2P frames: 6 to 54 Mb/s, 6, 12 and
// 24 basic, no CCK rates (Wi-Fi P2P v1.7, 2.4.1; hostap's probe response).
var ofdmRates = []ieee80211.Rate{0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c}

// Probe response Capability Information, as hostap's P2P Device sends it.
const probeRespCapability = ieee80211.CapShortPreamble | ieee80211.CapPrivacy | ieee80211.CapShortSlotTime

// p2pPublicActionMatch is the body prefix of P2P Public Action frames
// (Category 4, Action 9, OUI 50:6F:9A, OUI type 9), for RegisterFrame.
var p2pPublicActionMatch = []byte{
	ieee80211.CategoryPublic, ieee80211.PublicActionVendorSpecific,
	ieee80211.OUIWFA[0], ieee80211.OUIWFA[1], ieee80211.OUIWFA[2], ieee80211.VendorTypeP2P,
}

// mgmtFrame assembles a management frame.
func mgmtFrame(subtype uint8, da, sa, bssid MAC, body []byte) []byte {
	h := ieee80211.Header{
		FrameControl: ieee80211.FrameControl{Type: ieee80211.TypeManagement, Subtype: subtype},
		Addr1:        da, Addr2: sa, Addr3: bssid,
	}
	return append(h.Append(make([]byte, 0, ieee80211.MgmtHeaderLen+len(body))), body...)
}

// wfaVersion2 is the value of a Vendor Extension attribute carrying the WFA
// extension with Version2 2.0 (WSC 2.0.x, 12).
func wfaVersion2() []byte {
	ext, _ := wsc.WFAExtension{Version2: wsc.Version2}.Append(nil)
	id := wsc.VendorIDWFA
	return append([]byte{byte(id >> 16), byte(id >> 8), byte(id)}, ext...)
}

func wfaVendorExtension() wsc.VendorExtension {
	v := wfaVersion2()
	return wsc.VendorExtension{VendorID: wsc.VendorIDWFA, Data: v[3:]}
}

// appendShortWSC appends the WSC IE P2P Public Action frames carry:
// Version, one 2-octet attribute (Device Password ID in GO Negotiation,
// Config Methods in Provision Discovery), and the WFA extension.
func appendShortWSC(b []byte, t wsc.AttrType, v uint16) []byte {
	attrs, _ := wsc.AppendAttributes(nil, []wsc.Attribute{
		{Type: wsc.AttrVersion, Value: []byte{wsc.Version}},
		{Type: t, Value: binary.BigEndian.AppendUint16(nil, v)},
		{Type: wsc.AttrVendorExtension, Value: wfaVersion2()},
	})
	return ieee80211.AppendVendor(b, ieee80211.OUIMicrosoft, ieee80211.VendorTypeWSC, attrs)
}

// identity is what frames say about this device.
type identity struct {
	cfg    *Config
	addr   MAC
	uuid   wsc.UUID
	listen int // Listen Channel frequency
	ifAddr MAC
}

func (id *identity) capability(group p2pmsg.GroupCapability) *p2pmsg.Capability {
	return &p2pmsg.Capability{Device: id.cfg.DeviceCapability &^ p2pmsg.DevCapClientDiscoverability, Group: group}
}

func (id *identity) deviceInfo() *p2pmsg.DeviceInfo {
	return &p2pmsg.DeviceInfo{
		DeviceAddress:        id.addr,
		ConfigMethods:        id.cfg.ConfigMethods,
		PrimaryDeviceType:    id.cfg.PrimaryDeviceType,
		SecondaryDeviceTypes: id.cfg.SecondaryDeviceTypes,
		DeviceName:           id.cfg.DeviceName,
	}
}

func (id *identity) listenChannel() *p2pmsg.Channel {
	c, _ := channelAttr(id.cfg.Country, id.listen)
	return c
}

// probeRequestIEs builds the elements our search probe requests add after
// SSID and rates (the radio adds those): the WSC IE (WSC 2.0.x, 8.2, with
// the Requested Device Types of the search) and the P2P IE (Wi-Fi P2P
// v1.7, 4.2.2: P2P Capability, P2P Device ID when searching for one
// device, Listen Channel, Extended Listen Timing).
func (id *identity) probeRequestIEs(reqTypes []DeviceType, deviceID *MAC) ([]byte, error) {
	c := id.cfg
	preq := &wsc.ProbeRequest{
		RequestType:        wsc.RequestEnrollee,
		ConfigMethods:      wsc.ConfigMethods(c.ConfigMethods),
		UUIDE:              id.uuid,
		PrimaryDeviceType:  wsc.DeviceType(c.PrimaryDeviceType),
		RFBands:            wsc.RFBand24GHz,
		AssociationState:   wsc.AssocNotAssociated,
		ConfigurationError: wsc.ConfigErrNone,
		DevicePasswordID:   wsc.PasswordDefault,
		Manufacturer:       &c.Manufacturer,
		ModelName:          &c.ModelName,
		ModelNumber:        &c.ModelNumber,
		DeviceName:         &c.DeviceName,
		VendorExtensions:   []wsc.VendorExtension{wfaVendorExtension()},
	}
	for _, t := range reqTypes {
		preq.RequestedDeviceTypes = append(preq.RequestedDeviceTypes, wsc.DeviceType(t))
	}
	b, err := wsc.AppendIE(nil, preq)
	if err != nil {
		return nil, err
	}
	a := &p2pmsg.Attributes{
		Capability:           id.capability(0),
		DeviceID:             deviceID,
		ListenChannel:        id.listenChannel(),
		ExtendedListenTiming: c.ExtendedListen,
	}
	return p2pmsg.AppendIE(b, a)
}

// probeResponse builds our answer to a P2P probe request received on freq
// (Wi-Fi P2P v1.7, 3.1.2.1.2 and 4.2.3): SSID "DIRECT-", OFDM rates, DS
// Parameter Set, the WSC IE (WSC 2.0.x, 8.2, Probe Response) and the P2P
// IE (P2P Capability, Extended Listen Timing, P2P Device Info).
func (id *identity) probeResponse(da MAC, freq int) ([]byte, error) {
	c := id.cfg
	body := ieee80211.ProbeResp{BeaconInterval: 100, Capability: probeRespCapability}
	b, err := body.Append(nil)
	if err != nil {
		return nil, err
	}
	b, _ = ieee80211.AppendSSID(b, wildcardSSID)
	b, _ = ieee80211.AppendRates(b, ofdmRates)
	if _, ch, ok := freqToChannel(freq); ok && freq < 5000 {
		b = ieee80211.AppendDSParameterSet(b, ch)
	}
	presp := &wsc.ProbeResponse{
		WPSState:          wsc.WPSStateNotConfigured,
		ResponseType:      wsc.ResponseEnrolleeInfo,
		UUIDE:             id.uuid,
		Manufacturer:      c.Manufacturer,
		ModelName:         c.ModelName,
		ModelNumber:       c.ModelNumber,
		SerialNumber:      c.SerialNumber,
		PrimaryDeviceType: wsc.DeviceType(c.PrimaryDeviceType),
		DeviceName:        c.DeviceName,
		ConfigMethods:     wsc.ConfigMethods(c.ConfigMethods),
		VendorExtensions:  []wsc.VendorExtension{wfaVendorExtension()},
	}
	for _, t := range c.SecondaryDeviceTypes {
		presp.SecondaryDeviceTypes = append(presp.SecondaryDeviceTypes, wsc.DeviceType(t))
	}
	if b, err = wsc.AppendIE(b, presp); err != nil {
		return nil, err
	}
	a := &p2pmsg.Attributes{
		Capability:           id.capability(0),
		ExtendedListenTiming: c.ExtendedListen,
		DeviceInfo:           id.deviceInfo(),
	}
	if b, err = p2pmsg.AppendIE(b, a); err != nil {
		return nil, err
	}
	return mgmtFrame(ieee80211.SubtypeProbeResp, da, id.addr, id.addr, b), nil
}

// publicAction assembles a P2P Public Action frame (Wi-Fi P2P v1.7,
// 4.2.9): the P2P IE from attrs, then the WSC IE wscIE (may be nil).
func publicAction(sub p2pmsg.PublicActionSubtype, token uint8, attrs *p2pmsg.Attributes, wscIE []byte, da, sa, bssid MAC) ([]byte, error) {
	f := &p2pmsg.PublicAction{Subtype: sub, DialogToken: token, P2P: attrs}
	b, err := f.Append(nil)
	if err != nil {
		return nil, err
	}
	b = append(b, wscIE...)
	return mgmtFrame(ieee80211.SubtypeAction, da, sa, bssid, b), nil
}

// configTimeout is the Configuration Timeout we announce: GO 1 s, client
// 200 ms, as wpa_supplicant (units of 10 ms).
var configTimeout = &p2pmsg.ConfigurationTimeout{GO: 100, Client: 20}

// negFrameParams are the variable parts of our GO Negotiation frames.
type negFrameParams struct {
	persistent bool // set the Persistent P2P Group bit
	token      uint8
	status     *p2pmsg.Status
	intent     uint8
	tieBreaker bool
	passwordID wsc.DevicePasswordID
	opFreq     int   // Operating Channel; 0 leaves it out
	channels   []int // Channel List
	groupID    *p2pmsg.GroupID
}

// negGroupCapability is the Group Capability of our GO Negotiation
// frames: the configured one without the Group Owner bit; asking for a
// persistent group sets Persistent P2P Group and clears Persistent
// Reconnect (Wi-Fi P2P v1.7, 4.1.4; we do not re-invoke without asking).
func (id *identity) negGroupCapability(persistent bool) p2pmsg.GroupCapability {
	g := id.cfg.GroupCapability &^ p2pmsg.GroupCapGroupOwner
	if persistent {
		g = g&^p2pmsg.GroupCapPersistentReconnect | p2pmsg.GroupCapPersistentGroup
	}
	return g
}

// goNegRequest builds a GO Negotiation Request (Wi-Fi P2P v1.7, 4.2.9.2).
func (id *identity) goNegRequest(peer MAC, p negFrameParams) ([]byte, error) {
	op, _ := channelAttr(id.cfg.Country, p.opFreq)
	a := &p2pmsg.Attributes{
		Capability:               id.capability(id.negGroupCapability(p.persistent)),
		GOIntent:                 &p2pmsg.GOIntent{Intent: p.intent, TieBreaker: p.tieBreaker},
		ConfigurationTimeout:     configTimeout,
		ListenChannel:            id.listenChannel(),
		ExtendedListenTiming:     id.cfg.ExtendedListen,
		IntendedInterfaceAddress: &id.ifAddr,
		ChannelList:              channelListAttr(id.cfg.Country, p.channels),
		DeviceInfo:               id.deviceInfo(),
		OperatingChannel:         op,
	}
	return publicAction(p2pmsg.GONegotiationRequest, p.token, a,
		appendShortWSC(nil, wsc.AttrDevicePasswordID, uint16(p.passwordID)), peer, id.addr, peer)
}

// goNegResponse builds a GO Negotiation Response (Wi-Fi P2P v1.7,
// 4.2.9.3). Like hostap, a failure response still carries our attributes.
func (id *identity) goNegResponse(peer MAC, p negFrameParams) ([]byte, error) {
	group := id.negGroupCapability(p.persistent)
	var op *p2pmsg.Channel
	if p.opFreq != 0 {
		op, _ = channelAttr(id.cfg.Country, p.opFreq)
	}
	a := &p2pmsg.Attributes{
		Status:                   p.status,
		Capability:               id.capability(group),
		GOIntent:                 &p2pmsg.GOIntent{Intent: p.intent, TieBreaker: p.tieBreaker},
		ConfigurationTimeout:     configTimeout,
		OperatingChannel:         op,
		IntendedInterfaceAddress: &id.ifAddr,
		ChannelList:              channelListAttr(id.cfg.Country, p.channels),
		DeviceInfo:               id.deviceInfo(),
		GroupID:                  p.groupID,
	}
	return publicAction(p2pmsg.GONegotiationResponse, p.token, a,
		appendShortWSC(nil, wsc.AttrDevicePasswordID, uint16(p.passwordID)), peer, id.addr, id.addr)
}

// goNegConfirmation builds a GO Negotiation Confirmation (Wi-Fi P2P v1.7,
// 4.2.9.4).
func (id *identity) goNegConfirmation(peer MAC, p negFrameParams) ([]byte, error) {
	op, _ := channelAttr(id.cfg.Country, p.opFreq)
	a := &p2pmsg.Attributes{
		Status:           p.status,
		Capability:       id.capability(id.negGroupCapability(p.persistent)),
		OperatingChannel: op,
		ChannelList:      channelListAttr(id.cfg.Country, p.channels),
		GroupID:          p.groupID,
	}
	return publicAction(p2pmsg.GONegotiationConfirmation, p.token, a, nil, peer, id.addr, peer)
}

// pdRequest builds a Provision Discovery Request (Wi-Fi P2P v1.7,
// 4.2.9.9): P2P Capability and P2P Device Info, and a WSC IE with the
// requested Config Method.
func (id *identity) pdRequest(peer MAC, token uint8, method ConfigMethods) ([]byte, error) {
	a := &p2pmsg.Attributes{Capability: id.capability(0), DeviceInfo: id.deviceInfo()}
	return publicAction(p2pmsg.ProvisionDiscoveryRequest, token, a,
		appendShortWSC(nil, wsc.AttrConfigMethods, uint16(method)), peer, id.addr, peer)
}

// pdResponse builds a Provision Discovery Response (Wi-Fi P2P v1.7,
// 4.2.9.10): the WSC IE with the accepted Config Method, 0 to refuse.
// Like hostap 2.10 it carries a P2P IE with our capability and device
// info.
func (id *identity) pdResponse(peer MAC, token uint8, method ConfigMethods) ([]byte, error) {
	a := &p2pmsg.Attributes{Capability: id.capability(0), DeviceInfo: id.deviceInfo()}
	return publicAction(p2pmsg.ProvisionDiscoveryResponse, token, a,
		appendShortWSC(nil, wsc.AttrConfigMethods, uint16(method)), peer, id.addr, id.addr)
}

// errDrop marks a received frame that is not for us or malformed; the
// core drops it silently.
var errDrop = errors.New("p2p: frame dropped")

// rxFrame is a received management frame split into header and elements.
type rxFrame struct {
	hdr  ieee80211.Header
	body []byte
	freq int
	sig  int
}

func parseRx(frame []byte, freq, signal int) (rxFrame, error) {
	m, err := ieee80211.DecodeMgmt(frame)
	if err != nil {
		return rxFrame{}, fmt.Errorf("%w: %v", errDrop, err)
	}
	if m.Header.FrameControl.Protected || m.Header.HasGroupSA() || m.Header.Addr2.IsZero() {
		return rxFrame{}, fmt.Errorf("%w: protected or group source address", errDrop)
	}
	return rxFrame{hdr: m.Header, body: m.Body, freq: freq, sig: signal}, nil
}

// wscAttrs returns the WSC attributes of elements (nil when none or
// malformed).
func wscAttrs(elems []ieee80211.Element) []wsc.Attribute {
	payload, ok := wsc.IEPayload(elems)
	if !ok {
		return nil
	}
	attrs, err := wsc.ParseAttributes(payload)
	if err != nil {
		return nil
	}
	return attrs
}

// wscUint16 reads a 2-octet WSC attribute.
func wscUint16(attrs []wsc.Attribute, t wsc.AttrType) (uint16, bool) {
	v, ok := wsc.Find(attrs, t)
	if !ok || len(v) != 2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(v), true
}

// requestedDeviceTypes lists the Requested Device Type attributes of a
// WSC IE.
func requestedDeviceTypes(attrs []wsc.Attribute) []DeviceType {
	var out []DeviceType
	for _, a := range attrs {
		if a.Type == wsc.AttrRequestedDeviceType && len(a.Value) == 8 {
			out = append(out, DeviceType{
				Category:    binary.BigEndian.Uint16(a.Value),
				OUI:         [4]byte(a.Value[2:6]),
				SubCategory: binary.BigEndian.Uint16(a.Value[6:]),
			})
		}
	}
	return out
}

// deviceTypeMatches reports whether have satisfies a requested device
// type: equal, or the same category with OUI and sub category zero (a
// category wildcard, as hostap's dev_type_match).
func deviceTypeMatches(have, req DeviceType) bool {
	if have == req {
		return true
	}
	return have.Category == req.Category && req.OUI == [4]byte{} && req.SubCategory == 0
}

// anyTypeMatches reports whether the primary or a secondary type matches
// one of reqs (true when reqs is empty).
func anyTypeMatches(primary DeviceType, secondary []DeviceType, reqs []DeviceType) bool {
	if len(reqs) == 0 {
		return true
	}
	for _, r := range reqs {
		if deviceTypeMatches(primary, r) {
			return true
		}
		for _, s := range secondary {
			if deviceTypeMatches(s, r) {
				return true
			}
		}
	}
	return false
}

// onlyCCK reports whether a Supported Rates (and Extended Supported Rates)
// set holds 802.11b rates only: such a prober is not a P2P Device.
func onlyCCK(elems ieee80211.Elements) bool {
	seen := false
	for _, id := range []uint8{ieee80211.ElemSupportedRates, ieee80211.ElemExtSupportedRates} {
		e, ok := elems.Find(id)
		if !ok {
			continue
		}
		for _, r := range e.Data {
			seen = true
			switch ieee80211.Rate(r).Value() {
			case 2, 4, 11, 22:
			default:
				return false
			}
		}
	}
	return seen
}
