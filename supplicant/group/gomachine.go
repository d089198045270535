package group

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// GOEnv is what a GOMachine needs to know of its interface and radio.
type GOEnv struct {
	Interface radio.InterfaceInfo // our address (the BSSID) and netdev name
	// ProbeRespOffload: the radio answers probe requests itself.
	ProbeRespOffload bool
	// ControlPort: EAPOL over nl80211 (PhyInfo.ControlPortOverNL).
	ControlPort bool
}

// maxAID is the largest Association ID (IEEE Std 802.11-2020, 9.4.1.8).
const maxAID = 2007

type goState uint8

const (
	goIdle     goState = iota
	goStarting         // AP being started
	goRunning
	goStopped
)

type staState uint8

const (
	staAuthenticated staState = iota + 1
	staAssociating            // NewStation and the response sent, waiting for its TxStatus
	staWPS                    // EAP-WSC running
	staHandshake              // 4-way handshake running
	staJoined                 // 4-way handshake done: a member
)

// station is a GO's record of one station, from its authentication on.
type station struct {
	addr  MAC
	state staState
	aid   uint16
	added bool // NewStation issued

	p2p     bool // the association request had a P2P IE
	devAddr MAC
	devCap  p2pmsg.DeviceCapability
	devInfo *p2pmsg.DeviceInfo
	rsne    []byte // the RSNE body of its association request

	wps         bool
	wpsFinished bool
	eap         *wsc.EAPServer
	auth        *eapol.Authenticator
	eapTimer    *Timer
	eapolTimer  *Timer
	deauthTimer *Timer
	ip          netip.Addr
}

// registrar is an open WSC Registrar: which Enrollee may provision.
type registrar struct {
	wps       WPS
	peer      MAC // P2P Device Address or interface address; zero: anyone
	peerIface MAC
	formation bool // opened for group formation (closed when it completes)
}

// GOMachine is the P2P Group Owner's protocol machine (Wi-Fi P2P Technical
// Specification v1.7, 3.2; IEEE Std 802.11-2020, 11.3 for the SME, 12.7
// for the key management; WSC 2.0.x for provisioning). It is pure: Handle
// takes the time and an event and returns actions. It is not safe for
// concurrent use.
type GOMachine struct {
	cfg  GOConfig
	env  GOEnv
	addr MAC
	rand io.Reader

	ssid       []byte
	passphrase string
	pmk        []byte
	gtk        eapol.GroupKey
	pool       *ipPool
	maxSTA     int

	state     goState
	apUp      bool
	startErr  error
	started   bool // GroupStarted sent
	formation *Formation
	formed    bool
	groupForm bool // the Group Formation bit
	reg       *registrar
	regTimer  *Timer

	stations map[MAC]*station
	aids     map[uint16]bool
	pbc      *wsc.PBCSessions
	lockout  *wsc.PINLockout

	now time.Time
	seq uint64
}

// NewGOMachine checks cfg and draws the group's secrets: the SSID when not
// given, the passphrase when not given, the GTK.
func NewGOMachine(cfg GOConfig, env GOEnv) (*GOMachine, error) {
	cfg.Device = cfg.Device.withDefaults()
	if err := p2pmsg.ValidateDeviceName([]byte(cfg.Device.Name)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if cfg.Freq <= 0 {
		return nil, fmt.Errorf("%w: no operating frequency", ErrInvalidConfig)
	}
	if len(cfg.SSID) > ieee80211.MaxSSIDLen {
		return nil, fmt.Errorf("%w: SSID of %d octets", ErrInvalidConfig, len(cfg.SSID))
	}
	if f := cfg.Formation; f != nil && f.WPS != nil {
		if err := f.WPS.check(); err != nil {
			return nil, err
		}
	}
	m := &GOMachine{
		cfg:      cfg,
		env:      env,
		addr:     env.Interface.Addr,
		rand:     orReader(cfg.Rand),
		stations: map[MAC]*station{},
		aids:     map[uint16]bool{},
	}
	m.pbc = wsc.NewPBCSessions(func() time.Time { return m.now })
	m.lockout = wsc.NewPINLockout(func() time.Time { return m.now })
	var err error
	m.ssid = bytes.Clone(cfg.SSID)
	if len(m.ssid) == 0 {
		if m.ssid, err = GenerateSSID(m.rand, cfg.SSIDPostfix); err != nil {
			return nil, fmt.Errorf("group: SSID: %w", err)
		}
	}
	m.passphrase = cfg.Passphrase
	switch {
	case len(cfg.PSK) > 0 && len(cfg.PSK) != eapol.PMKLen:
		return nil, fmt.Errorf("%w: PSK of %d octets", ErrInvalidConfig, len(cfg.PSK))
	case len(cfg.PSK) > 0:
		m.pmk = bytes.Clone(cfg.PSK)
	default:
		if m.passphrase == "" {
			n := cfg.PassphraseLen
			if n == 0 {
				n = DefaultPassphraseLen
			}
			if n < 8 || n > 63 {
				return nil, fmt.Errorf("%w: passphrase length %d", ErrInvalidConfig, n)
			}
			if m.passphrase, err = RandomString(m.rand, n); err != nil {
				return nil, fmt.Errorf("group: passphrase: %w", err)
			}
		}
		if m.pmk, err = eapol.PMKFromPassphrase(m.passphrase, m.ssid); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	gtk, err := eapol.GenerateGTK(m.rand, 16)
	if err != nil {
		return nil, fmt.Errorf("group: GTK: %w", err)
	}
	m.gtk = eapol.GroupKey{KeyID: 1, Key: gtk}
	// One pool for the IP Address Allocation in the 4-way handshake and
	// for the DHCP server (LeaseQuery), so that the two never clash.
	gate, start, end := cfg.Address, cfg.PoolStart, cfg.PoolEnd
	if !gate.IsValid() {
		gate = DefaultGOAddress
	}
	if !start.IsValid() {
		start = DefaultPoolStart
	}
	if !end.IsValid() {
		end = DefaultPoolEnd
	}
	m.pool = newIPPool(gate, start, end)
	m.maxSTA = cfg.MaxClients
	if m.maxSTA <= 0 {
		m.maxSTA = DefaultMaxClients
	}
	if cfg.WPSDeauthDelay <= 0 {
		m.cfg.WPSDeauthDelay = DefaultWPSDeauthDelay
	}
	if cfg.PostWPSTimeout <= 0 {
		m.cfg.PostWPSTimeout = DefaultPostWPSTimeout
	}
	if f := cfg.Formation; f != nil {
		fc := *f
		m.formation = &fc
		m.groupForm = true
		if f.WPS != nil {
			m.reg = &registrar{wps: *f.WPS, peer: f.Peer, peerIface: f.PeerInterface, formation: true}
		}
	}
	return m, nil
}

// bind sets the interface the machine runs on, before Start.
func (m *GOMachine) bind(env GOEnv) {
	m.env, m.addr = env, env.Interface.Addr
}

// SSID is the group's SSID.
func (m *GOMachine) SSID() []byte { return bytes.Clone(m.ssid) }

// Passphrase is the group's passphrase.
func (m *GOMachine) Passphrase() string { return m.passphrase }

// PSK is the group's PSK (PMK).
func (m *GOMachine) PSK() []byte { return bytes.Clone(m.pmk) }

// Handle processes one event at time now and returns the actions to carry
// out, in order.
func (m *GOMachine) Handle(now time.Time, ev Event) []Action {
	m.now = now
	switch ev := ev.(type) {
	case Start:
		return m.start()
	case CheckpointReached:
		return m.checkpoint(ev.Name)
	case RadioEvent:
		return m.radioEvent(ev.Event)
	case TxDone:
		return m.txDone(ev)
	case TimerFired:
		return m.timer(ev.Timer)
	case ActionFailed:
		return m.actionFailed(ev)
	case Stop:
		if m.state == goStopped {
			return []Action{Reply{Err: ErrClosed}}
		}
		acts := m.teardown(nil)
		return append(acts, Reply{})
	case RemoveClient:
		return m.removeClient(ev.Addr)
	case AllowJoin:
		return m.allowJoin(ev)
	case LeaseQuery:
		return m.leaseQuery(ev.Addr)
	}
	return nil
}

// leaseQuery answers the DHCP server: the address of a member named by its
// P2P Interface Address, from the pool the IP Address Allocation uses (the
// one it got in message 3/4 if it did). Stations that have not completed
// the 4-way handshake get none.
func (m *GOMachine) leaseQuery(addr MAC) []Action {
	if m.state != goRunning {
		return []Action{Reply{Err: ErrClosed}}
	}
	s := m.stations[addr]
	if s == nil || s.state != staJoined {
		return []Action{Reply{Err: ErrUnknownClient}}
	}
	a, ok := m.pool.allocate(addr)
	if !ok {
		return []Action{Reply{Err: ErrPoolExhausted}}
	}
	var acts []Action
	if s.ip != a {
		s.ip = a
		acts = append(acts, Notify{Notification: MemberAddressed{DeviceAddress: s.devAddr, InterfaceAddress: s.addr, IP: a}})
	}
	return append(acts, Reply{Value: a})
}

// start registers for the SME's frames, starts the AP and installs the
// group key.
func (m *GOMachine) start() []Action {
	if m.state != goIdle {
		return nil
	}
	m.state = goStarting
	var acts []Action
	subtypes := []uint8{ieee80211.SubtypeAuth, ieee80211.SubtypeAssocReq, ieee80211.SubtypeReassocReq,
		ieee80211.SubtypeDeauth, ieee80211.SubtypeDisassoc}
	if !m.env.ProbeRespOffload {
		subtypes = append(subtypes, ieee80211.SubtypeProbeReq)
	}
	for _, st := range subtypes {
		acts = append(acts, RegisterFrame{Match: radio.FrameMatch{Subtype: st}})
	}
	acts = append(acts, StartAP{Config: radio.APConfig{
		Beacon:         m.beaconData(),
		Freq:           m.cfg.Freq,
		BeaconInterval: DefaultBeaconInterval,
		DTIMPeriod:     DefaultDTIMPeriod,
		SSID:           bytes.Clone(m.ssid),
		Privacy:        true,
		ControlPort:    m.env.ControlPort,
	}})
	m.apUp = true
	acts = append(acts, NewKey{Key: radio.Key{
		Cipher: radio.CipherCCMP128, Index: m.gtk.KeyID, Data: bytes.Clone(m.gtk.Key), DefaultTx: true,
	}})
	return append(acts, Checkpoint{Name: "started"})
}

func (m *GOMachine) checkpoint(name string) []Action {
	if name != "started" || m.state != goStarting {
		return nil
	}
	if m.startErr != nil {
		return m.teardown(fmt.Errorf("%w: %w", ErrStartFailed, m.startErr))
	}
	m.state = goRunning
	if m.formation == nil {
		m.started = true
		return []Action{Notify{Notification: m.groupStarted()}}
	}
	timeout := m.formation.Timeout
	if timeout <= 0 {
		timeout = DefaultFormationTimeout
		if m.formation.WPS != nil {
			timeout = wsc.PBCWalkTime
		}
	}
	return []Action{SetTimer{Timer: Timer{Kind: TimerFormation}, After: timeout}}
}

func (m *GOMachine) groupStarted() GroupStarted {
	g := GroupStarted{
		Role:            p2pmsg.RoleGO,
		SSID:            bytes.Clone(m.ssid),
		BSSID:           m.addr,
		Freq:            m.cfg.Freq,
		Interface:       m.env.Interface.Name,
		GODeviceAddress: m.cfg.Device.Address,
		Passphrase:      m.passphrase,
		PSK:             bytes.Clone(m.pmk),
		Persistent:      m.cfg.Persistent,
	}
	g.IP = m.pool.gate
	for _, s := range m.members() {
		if s.ip.IsValid() {
			g.PeerIPs = append(g.PeerIPs, s.ip)
		}
	}
	return g
}

// members returns the joined stations in address order.
func (m *GOMachine) members() []*station {
	var out []*station
	for _, s := range m.stations {
		if s.state == staJoined {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *station) int { return bytes.Compare(a.addr[:], b.addr[:]) })
	return out
}

// teardown ends the group: every client is deauthenticated, the AP
// stopped, the interface deleted. err nil means a requested stop.
func (m *GOMachine) teardown(err error) []Action {
	if m.state == goStopped {
		return nil
	}
	var acts []Action
	for _, s := range m.sortedStations() {
		acts = append(acts, m.stopStationTimers(s)...)
		if s.added && m.apUp {
			// Each client is told, so that it leaves at once rather than
			// after losing our beacons (the kernel's removal of all
			// stations below sends nothing over the air).
			acts = append(acts, DelStation{Addr: s.addr, Reason: ieee80211.ReasonDeauthLeaving})
		}
		if s.state == staJoined {
			acts = append(acts, Notify{Notification: MemberLeft{
				DeviceAddress: s.devAddr, InterfaceAddress: s.addr, IP: s.ip,
				Reason: ieee80211.ReasonDeauthLeaving, ByUs: true,
			}})
		}
		m.forget(s)
	}
	acts = append(acts, m.stopGroupTimers()...)
	if m.apUp {
		acts = append(acts, DelStation{Addr: ieee80211.Broadcast, Reason: ieee80211.ReasonDeauthLeaving}, StopAP{})
		m.apUp = false
	}
	acts = append(acts, DeleteInterface{})
	acts = append(acts, m.ended(err)...)
	m.state = goStopped
	return acts
}

// ended reports the end of the group: GroupRemoved once started,
// GroupFailed before.
func (m *GOMachine) ended(err error) []Action {
	if m.started {
		if err == nil {
			err = ErrStopped
		}
		return []Action{Notify{Notification: GroupRemoved{Err: err}}}
	}
	if err == nil {
		err = ErrStopped
	}
	return []Action{Notify{Notification: GroupFailed{Err: err}}}
}

func (m *GOMachine) stopGroupTimers() []Action {
	var acts []Action
	if m.formation != nil && !m.formed {
		acts = append(acts, StopTimer{Timer: Timer{Kind: TimerFormation}})
	}
	if m.regTimer != nil {
		acts = append(acts, StopTimer{Timer: *m.regTimer})
		m.regTimer = nil
	}
	return acts
}

func (m *GOMachine) sortedStations() []*station {
	out := make([]*station, 0, len(m.stations))
	for _, s := range m.stations {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *station) int { return bytes.Compare(a.addr[:], b.addr[:]) })
	return out
}

func (m *GOMachine) actionFailed(ev ActionFailed) []Action {
	switch a := ev.Action.(type) {
	case RegisterFrame, StartAP:
		if m.state == goStarting && m.startErr == nil {
			m.startErr = ev.Err
		}
		if _, ok := a.(StartAP); ok {
			m.apUp = false
		}
	case NewKey:
		if !a.Key.Pairwise() {
			if m.state == goStarting && m.startErr == nil {
				m.startErr = ev.Err
			}
			return nil
		}
		if s := m.stations[a.Key.Peer]; s != nil && m.state == goRunning {
			return m.dropStation(s, ieee80211.ReasonUnspecified, fmt.Errorf("%w: installing the pairwise key: %w", ErrHandshake, ev.Err))
		}
	case NewStation:
		if s := m.stations[a.Params.Addr]; s != nil && s.state == staAssociating && m.state == goRunning {
			// The response went out; take it back.
			s.added = false
			acts := []Action{SendFrame{Tx: radio.Tx{Frame: deauthentication(s.addr, m.addr, m.addr, ieee80211.ReasonUnspecified)}}}
			acts = append(acts, m.stopStationTimers(s)...)
			m.forget(s)
			return acts
		}
	}
	return nil
}

// radioEvent dispatches an event of the interface.
func (m *GOMachine) radioEvent(ev radio.Event) []Action {
	if m.state == goStopped {
		return nil
	}
	if _, ok := ev.(radio.InterfaceRemoved); ok {
		m.apUp = false
		acts := m.teardown(ErrInterfaceRemoved)
		// The interface is gone: no radio actions.
		return slices.DeleteFunc(acts, func(a Action) bool {
			switch a.(type) {
			case DeleteInterface, DelStation, StopAP:
				return true
			}
			return false
		})
	}
	if m.state != goRunning {
		return nil
	}
	switch ev := ev.(type) {
	case radio.FrameReceived:
		return m.frame(ev.Frame)
	case radio.EAPOLReceived:
		return m.eapol(ev)
	case radio.StationRemoved:
		if s := m.stations[ev.Addr]; s != nil {
			s.added = false // the radio has no station any more
			return m.removeStation(s, ieee80211.ReasonDisassocInactivity, false, nil)
		}
	case radio.EventsLost:
		// A lost TxStatus would leave a station waiting for good: take the
		// association responses as delivered.
		var acts []Action
		for _, s := range m.sortedStations() {
			if s.state == staAssociating {
				acts = append(acts, m.associated(s)...)
			}
		}
		return acts
	}
	return nil
}

// frame handles a received management frame. Frames from a group address
// are dropped before anything else: they create no state
// (docs/bad-input.md 4a #18).
func (m *GOMachine) frame(b []byte) []Action {
	f, err := ieee80211.DecodeMgmt(b)
	if err != nil || f.Header.HasGroupSA() || f.Header.FrameControl.Protected {
		return nil
	}
	h := f.Header
	sub := h.FrameControl.Subtype
	if sub == ieee80211.SubtypeProbeReq {
		if (h.Addr1 != m.addr && h.Addr1 != ieee80211.Broadcast) || (h.Addr3 != m.addr && h.Addr3 != ieee80211.Broadcast) {
			return nil
		}
		return m.probeRequest(h.Addr2, f.Body)
	}
	if h.Addr1 != m.addr || h.Addr3 != m.addr || h.Addr2.IsZero() {
		return nil
	}
	switch sub {
	case ieee80211.SubtypeAuth:
		return m.authentication(h.Addr2, f.Body)
	case ieee80211.SubtypeAssocReq, ieee80211.SubtypeReassocReq:
		return m.association(h.Addr2, sub, f.Body)
	case ieee80211.SubtypeDeauth, ieee80211.SubtypeDisassoc:
		s := m.stations[h.Addr2]
		if s == nil {
			return nil
		}
		reason := uint16(0)
		if d, err := ieee80211.DecodeDeauth(f.Body); err == nil {
			reason = d.ReasonCode
		}
		return m.removeStation(s, reason, false, nil)
	}
	return nil
}

// probeRequest answers a probe request for our SSID, the wildcard SSID or
// the P2P Wildcard SSID, unless it comes from an 802.11b-only station or
// its P2P Device ID names another device (hostapd's P2P GO rules).
func (m *GOMachine) probeRequest(sa MAC, body []byte) []Action {
	elems, err := ieee80211.ParseElements(body)
	if err != nil {
		return nil
	}
	es := ieee80211.Elements(elems)
	if payload, ok := wsc.IEPayload(elems); ok {
		if req, err := wsc.Decode[wsc.ProbeRequest](payload); err == nil {
			m.pbc.ProbeRequest(sa, req)
		}
	}
	ssid, ok := ssidOf(es)
	if !ok {
		return nil
	}
	switch {
	case len(ssid) == 0, bytes.Equal(ssid, m.ssid):
	case string(ssid) == "DIRECT-" && bytes.HasPrefix(m.ssid, ssid):
	default:
		return nil
	}
	if onlyCCKRates(es) {
		return nil
	}
	if attrs, found, err := parseP2P(elems); found && err == nil && attrs.DeviceID != nil && !m.matchDeviceID(*attrs.DeviceID) {
		return nil
	}
	return []Action{SendFrame{Tx: radio.Tx{Frame: m.probeResponse(sa), NoCCK: true, NoAck: true}}}
}

func (m *GOMachine) matchDeviceID(id MAC) bool {
	if id == m.cfg.Device.Address {
		return true
	}
	for _, s := range m.members() {
		if s.p2p && s.devAddr == id {
			return true
		}
	}
	return false
}

// authentication answers an Authentication frame: Open System only.
func (m *GOMachine) authentication(sa MAC, body []byte) []Action {
	a, err := ieee80211.DecodeAuth(body)
	if err != nil || a.TransactionSeq != 1 {
		return nil
	}
	if a.Algorithm != ieee80211.AuthOpenSystem {
		return []Action{m.sendAuth(sa, a.Algorithm, ieee80211.StatusNotSupportedAuthAlg)}
	}
	var acts []Action
	s := m.stations[sa]
	if s != nil && s.state != staAuthenticated {
		// Authenticating again ends the association it had.
		acts = append(acts, m.removeStation(s, 0, false, nil)...)
		s = nil
	}
	if s == nil {
		if len(m.stations) >= m.stationLimit() && !m.evictAuthenticated() {
			return append(acts, m.sendAuth(sa, a.Algorithm, ieee80211.StatusAPUnableToHandleNewSTA))
		}
		m.stations[sa] = &station{addr: sa, state: staAuthenticated}
	}
	return append(acts, m.sendAuth(sa, a.Algorithm, ieee80211.StatusSuccess))
}

// stationLimit bounds the station records: members plus some that are
// only authenticated.
func (m *GOMachine) stationLimit() int { return 2*m.maxSTA + 8 }

// evictAuthenticated drops one station that only authenticated, to make
// room; it reports whether there was one.
func (m *GOMachine) evictAuthenticated() bool {
	for _, s := range m.sortedStations() {
		if s.state == staAuthenticated {
			m.forget(s)
			return true
		}
	}
	return false
}

func (m *GOMachine) sendAuth(sa MAC, alg, status uint16) Action {
	return SendFrame{Tx: radio.Tx{Frame: authResponse(sa, m.addr, alg, status), NoCCK: true}}
}

// association handles a (Re)Association Request.
func (m *GOMachine) association(sa MAC, subtype uint8, body []byte) []Action {
	var capab ieee80211.CapabilityInfo
	var listen uint16
	var elems ieee80211.Elements
	var err error
	respType := ieee80211.SubtypeAssocResp
	fixed := 4 // Capability Information, Listen Interval
	if subtype == ieee80211.SubtypeReassocReq {
		fixed = 10 // and Current AP Address
	}
	if len(body) < fixed {
		return nil
	}
	if subtype == ieee80211.SubtypeReassocReq {
		respType = ieee80211.SubtypeReassocResp
		var r ieee80211.ReassocReq
		r, err = ieee80211.DecodeReassocReq(body)
		capab, listen, elems = r.Capability, r.ListenInterval, r.Elements
	} else {
		var r ieee80211.AssocReq
		r, err = ieee80211.DecodeAssocReq(body)
		capab, listen, elems = r.Capability, r.ListenInterval, r.Elements
	}
	s := m.stations[sa]
	if s == nil {
		// Class 2 frame from a station that did not authenticate.
		return []Action{SendFrame{Tx: radio.Tx{
			Frame: deauthentication(sa, m.addr, m.addr, ieee80211.ReasonClass2FromNonauthSTA), NoCCK: true,
		}}}
	}
	var acts []Action
	if s.state != staAuthenticated {
		// A new association replaces the old one.
		acts = append(acts, m.removeStation(s, 0, false, nil)...)
		s = &station{addr: sa, state: staAuthenticated}
		m.stations[sa] = s
	}
	reject := func(status uint16, p2pStatus p2pmsg.Status, withP2P bool) []Action {
		var extra []byte
		if withP2P {
			extra = appendP2PIE(nil, &p2pmsg.Attributes{Status: &p2pStatus})
		}
		return append(acts, SendFrame{Tx: radio.Tx{Frame: assocResponse(respType, sa, m.addr, status, 0, extra), NoCCK: true}})
	}
	if err != nil {
		return reject(ieee80211.StatusInvalidElement, 0, false)
	}
	attrs, hasP2P, perr := parseP2P(elems)
	if perr != nil {
		return reject(ieee80211.StatusInvalidElement, p2pmsg.StatusFailInvalidParameters, true)
	}
	if ssid, ok := ssidOf(elems); !ok || !bytes.Equal(ssid, m.ssid) {
		return reject(ieee80211.StatusUnspecifiedFailure, p2pmsg.StatusFailUnknownP2PGroup, hasP2P)
	}
	var devAddr MAC
	var devInfo *p2pmsg.DeviceInfo
	var devCap p2pmsg.DeviceCapability
	if hasP2P {
		if attrs.DeviceInfo != nil {
			devInfo = attrs.DeviceInfo
			devAddr = attrs.DeviceInfo.DeviceAddress
		}
		if attrs.Capability != nil {
			devCap = attrs.Capability.Device
		}
	}
	rsnElem, hasRSN := elems.Find(ieee80211.ElemRSN)
	_, hasWSC := wsc.IEPayload(elems)
	wps := false
	switch {
	case hasRSN:
		if st := checkRSN(rsnElem.Data); st != 0 {
			return reject(st, p2pmsg.StatusFailInvalidParameters, hasP2P)
		}
	case hasWSC:
		if !m.registrarOpenFor(sa, devAddr) {
			return reject(ieee80211.StatusUnspecifiedFailure, p2pmsg.StatusFailUnableToAccommodate, hasP2P)
		}
		wps = true
	default:
		return reject(ieee80211.StatusInvalidElement, p2pmsg.StatusFailInvalidParameters, hasP2P)
	}
	if len(m.associatedStations()) >= m.maxSTA {
		return reject(ieee80211.StatusAPUnableToHandleNewSTA, p2pmsg.StatusFailLimitReached, hasP2P)
	}
	aid := m.allocAID()
	if aid == 0 {
		return reject(ieee80211.StatusAPUnableToHandleNewSTA, p2pmsg.StatusFailLimitReached, hasP2P)
	}
	s.aid, s.added, s.state = aid, true, staAssociating
	s.p2p, s.devAddr, s.devInfo, s.devCap = hasP2P, devAddr, devInfo, devCap
	s.wps = wps
	if hasRSN {
		s.rsne = bytes.Clone(rsnElem.Data)
	}
	if devInfo != nil {
		d := *devInfo
		d.SecondaryDeviceTypes = slices.Clone(d.SecondaryDeviceTypes)
		d.Extra = nil
		s.devInfo = &d
	}
	params := radio.StationParams{
		Addr:           sa,
		AID:            aid,
		ListenInterval: listen,
		Capability:     uint16(capab),
		SupportedRates: stationRates(elems),
	}
	if ht, ok := elems.Find(ieee80211.ElemHTCapabilities); ok && len(ht.Data) == ieee80211.HTCapabilitiesLen {
		params.HTCapabilities = bytes.Clone(ht.Data)
	}
	var extra []byte
	if hasP2P {
		extra = appendP2PIE(nil, &p2pmsg.Attributes{})
	}
	return append(acts,
		NewStation{Params: params},
		SendFrame{
			Tx:  radio.Tx{Frame: assocResponse(respType, sa, m.addr, ieee80211.StatusSuccess, aid, extra), NoCCK: true},
			Tag: Tag{Kind: TagAssocResp, Peer: sa},
		})
}

func (m *GOMachine) associatedStations() []*station {
	var out []*station
	for _, s := range m.stations {
		if s.added {
			out = append(out, s)
		}
	}
	return out
}

func (m *GOMachine) allocAID() uint16 {
	for aid := uint16(1); aid <= maxAID; aid++ {
		if !m.aids[aid] {
			m.aids[aid] = true
			return aid
		}
	}
	return 0
}

func (m *GOMachine) registrarOpenFor(sa, devAddr MAC) bool {
	r := m.reg
	if r == nil {
		return false
	}
	if r.peer.IsZero() && r.peerIface.IsZero() {
		return true
	}
	return (!r.peer.IsZero() && (r.peer == devAddr || r.peer == sa)) || (!r.peerIface.IsZero() && r.peerIface == sa)
}

// txDone follows the TxStatus of an association response: acknowledged,
// the station is associated (hostapd's handle_assoc_cb); lost, it is
// removed.
func (m *GOMachine) txDone(ev TxDone) []Action {
	if ev.Tag.Kind != TagAssocResp || m.state != goRunning {
		return nil
	}
	s := m.stations[ev.Tag.Peer]
	if s == nil || s.state != staAssociating {
		return nil
	}
	if !ev.Acked {
		acts := []Action{DelStation{Addr: s.addr}}
		s.added = false
		m.forget(s)
		return acts
	}
	return m.associated(s)
}

// associated starts provisioning or the 4-way handshake of an associated
// station.
func (m *GOMachine) associated(s *station) []Action {
	if s.wps {
		return m.startWPS(s)
	}
	return m.startRSN(s)
}

func (m *GOMachine) startRSN(s *station) []Action {
	a, err := eapol.NewAuthenticator(eapol.AuthenticatorConfig{
		PMK:         m.pmk,
		AA:          m.addr,
		SPA:         s.addr,
		RSNE:        goRSNE,
		StationRSNE: s.rsne,
		GroupKey:    m.gtk,
		AllocateIP:  m.allocateIP,
		Rand:        m.rand,
	})
	if err != nil {
		return m.dropStation(s, ieee80211.ReasonInvalidElement, fmt.Errorf("%w: %w", ErrHandshake, err))
	}
	s.auth, s.state = a, staHandshake
	return m.eapolActions(s, a.Handle(eapol.Start{}))
}

// networkKey is the Network Key of the Credential: the passphrase, or the
// PSK in hexadecimal when we have no passphrase.
func (m *GOMachine) networkKey() []byte {
	if m.passphrase != "" {
		return []byte(m.passphrase)
	}
	return []byte(hex.EncodeToString(m.pmk))
}

// allocateIP is the Authenticator's AllocateIP.
func (m *GOMachine) allocateIP(spa MAC) (eapol.IPAddressAllocation, bool) {
	if m.cfg.NoIPAllocation {
		return eapol.IPAddressAllocation{}, false
	}
	a, ok := m.pool.allocate(spa)
	if !ok {
		return eapol.IPAddressAllocation{}, false
	}
	if s := m.stations[spa]; s != nil {
		s.ip = a
	}
	return m.pool.allocation(a), true
}

// eapolActions carries out what an Authenticator asked for.
func (m *GOMachine) eapolActions(s *station, in []eapol.Action) []Action {
	var acts []Action
	for _, a := range in {
		switch a := a.(type) {
		case eapol.SendFrame:
			acts = append(acts, SendEAPOL{Dst: s.addr, PDU: a.Frame})
		case eapol.SetTimer:
			acts = armTimer(acts, &s.eapolTimer, Timer{Kind: TimerEAPOL, Peer: s.addr, Seq: a.Timer}, a.After)
		case eapol.StopTimer:
			acts = disarmTimer(acts, &s.eapolTimer, Timer{Kind: TimerEAPOL, Peer: s.addr, Seq: a.Timer})
		case eapol.InstallPairwiseKey:
			acts = append(acts, NewKey{Key: radio.Key{Cipher: uint32(a.Cipher), Data: a.TK, Peer: s.addr}})
		case eapol.IPAddressAssigned:
			s.ip = netip.AddrFrom4(a.Allocation.ClientIP)
		case eapol.AuthorizePort:
			acts = append(acts, SetAuthorized{Peer: s.addr, Authorized: true})
		case eapol.HandshakeDone:
			if a.Handshake == eapol.FourWayHandshake && s.state == staHandshake {
				acts = append(acts, m.joined(s)...)
			}
		case eapol.HandshakeFailed:
			acts = append(acts, m.dropStation(s, a.ReasonCode, fmt.Errorf("%w: %w", ErrHandshake, a.Reason))...)
			return acts
		}
	}
	return acts
}

// joined makes a station a member: notifications, Group Info in the
// probe responses, and the end of group formation when it is the peer.
func (m *GOMachine) joined(s *station) []Action {
	s.state = staJoined
	name := ""
	if s.devInfo != nil {
		name = s.devInfo.DeviceName
	}
	joined := Notify{Notification: MemberJoined{DeviceAddress: s.devAddr, InterfaceAddress: s.addr, DeviceName: name, IP: s.ip}}
	if m.formation != nil && !m.formed && m.isFormationPeer(s) {
		m.formed = true
		m.groupForm = false
		m.started = true
		acts := []Action{StopTimer{Timer: Timer{Kind: TimerFormation}}}
		if m.reg != nil && m.reg.formation {
			acts = append(acts, m.closeRegistrar()...)
		}
		acts = append(acts, SetBeacon{Beacon: m.beaconData()})
		return append(acts, Notify{Notification: m.groupStarted()}, joined)
	}
	return []Action{SetBeacon{Beacon: m.beaconData()}, joined}
}

func (m *GOMachine) isFormationPeer(s *station) bool {
	f := m.formation
	if f.Peer.IsZero() && f.PeerInterface.IsZero() {
		return true
	}
	return (!f.Peer.IsZero() && (s.devAddr == f.Peer || s.addr == f.Peer)) ||
		(!f.PeerInterface.IsZero() && s.addr == f.PeerInterface)
}

// startWPS runs the EAP-WSC server with a Registrar for the station.
func (m *GOMachine) startWPS(s *station) []Action {
	r := m.reg
	if r == nil || !m.registrarOpenFor(s.addr, s.devAddr) {
		return m.dropStation(s, ieee80211.ReasonIEEE8021XAuthFailed, fmt.Errorf("%w: the Registrar closed", ErrProvisioning))
	}
	var pin []byte
	if !r.wps.pbc() {
		pin = []byte(r.wps.PIN)
	}
	srv, err := wsc.NewEAPServer(wsc.EAPServerConfig{Registrar: wsc.RegistrarConfig{
		UUIDR:            m.cfg.Device.UUID,
		Device:           m.cfg.Device.wscDevice(rfBand(m.cfg.Freq)),
		DevicePasswordID: r.wps.PasswordID,
		PIN:              pin,
		SSID:             m.ssid,
		NetworkKey:       m.networkKey(),
		Lockout:          m.lockout,
		PBCSessions:      m.pbc,
		Rand:             m.rand,
	}})
	if err != nil {
		return m.dropStation(s, ieee80211.ReasonUnspecified, fmt.Errorf("%w: %w", ErrProvisioning, err))
	}
	s.eap, s.state = srv, staWPS
	return m.eapActions(s, srv.Handle(wsc.Start{}))
}

// eapActions carries out what an EAP-WSC server asked for.
func (m *GOMachine) eapActions(s *station, in []wsc.Action) []Action {
	var acts []Action
	var fail error
	for _, a := range in {
		switch a := a.(type) {
		case wsc.SendFrame:
			acts = append(acts, SendEAPOL{Dst: s.addr, PDU: a.Frame})
		case wsc.SetTimer:
			acts = armTimer(acts, &s.eapTimer, Timer{Kind: TimerEAP, Peer: s.addr, Seq: a.Timer}, a.After)
		case wsc.StopTimer:
			acts = disarmTimer(acts, &s.eapTimer, Timer{Kind: TimerEAP, Peer: s.addr, Seq: a.Timer})
		case wsc.Succeeded:
			acts = append(acts, Notify{Notification: ProvisioningSucceeded{Peer: s.addr}})
			m.pbc.Remove(a.Peer.UUID)
			if m.reg != nil {
				formation := m.reg.formation
				acts = append(acts, m.closeRegistrar()...)
				if formation && m.formation != nil && !m.formed {
					// Provisioned: the peer now has PostWPSTimeout to join.
					acts = append(acts, SetTimer{Timer: Timer{Kind: TimerFormation}, After: m.cfg.PostWPSTimeout})
				}
			}
		case wsc.Failed:
			err := fmt.Errorf("%w: %w", ErrProvisioning, a.Err)
			acts = append(acts, Notify{Notification: ProvisioningFailed{Peer: s.addr, Err: err, ConfigError: a.ConfigError}})
			if m.reg != nil && m.reg.formation && m.formation != nil && !m.formed {
				fail = err
			}
		case wsc.Finished:
			s.wpsFinished = true
			t := Timer{Kind: TimerWPSDeauth, Peer: s.addr}
			s.deauthTimer = &t
			acts = append(acts, SetTimer{Timer: t, After: m.cfg.WPSDeauthDelay})
		}
	}
	if fail != nil {
		acts = append(acts, m.teardown(fail)...)
	}
	return acts
}

// closeRegistrar ends the Registrar's availability.
func (m *GOMachine) closeRegistrar() []Action {
	var acts []Action
	m.reg = nil
	if m.regTimer != nil {
		acts = append(acts, StopTimer{Timer: *m.regTimer})
		m.regTimer = nil
	}
	if m.apUp && m.state == goRunning {
		acts = append(acts, SetBeacon{Beacon: m.beaconData()})
	}
	return acts
}

// eapol routes an EAPOL PDU to the station's machine.
func (m *GOMachine) eapol(ev radio.EAPOLReceived) []Action {
	s := m.stations[ev.Src]
	if s == nil {
		return nil
	}
	switch {
	case s.eap != nil:
		return m.eapActions(s, s.eap.Handle(wsc.FrameReceived{Frame: ev.PDU}))
	case s.auth != nil:
		return m.eapolActions(s, s.auth.Handle(eapol.Receive{Frame: ev.PDU}))
	}
	return nil
}

func (m *GOMachine) timer(t Timer) []Action {
	if m.state != goRunning {
		return nil
	}
	switch t.Kind {
	case TimerFormation:
		if m.formation != nil && !m.formed {
			return m.teardown(ErrFormationTimeout)
		}
	case TimerRegistrar:
		if m.regTimer != nil && *m.regTimer == t {
			m.regTimer = nil
			return m.closeRegistrar()
		}
	case TimerEAPOL:
		if s := m.stations[t.Peer]; s != nil && s.auth != nil && s.eapolTimer != nil && *s.eapolTimer == t {
			s.eapolTimer = nil
			return m.eapolActions(s, s.auth.Handle(eapol.Timeout{Timer: t.Seq}))
		}
	case TimerEAP:
		if s := m.stations[t.Peer]; s != nil && s.eap != nil && s.eapTimer != nil && *s.eapTimer == t {
			s.eapTimer = nil
			return m.eapActions(s, s.eap.Handle(wsc.Timeout{Timer: t.Seq}))
		}
	case TimerWPSDeauth:
		if s := m.stations[t.Peer]; s != nil && s.wps && s.deauthTimer != nil {
			s.deauthTimer = nil
			return m.removeStation(s, ieee80211.ReasonIEEE8021XAuthFailed, true, nil)
		}
	}
	return nil
}

// dropStation removes a station that failed, deauthenticating it with
// reason.
func (m *GOMachine) dropStation(s *station, reason uint16, err error) []Action {
	return m.removeStation(s, reason, true, err)
}

// removeStation forgets a station: its timers, IP address and AID, the
// radio's station (DelStation, with a deauthentication when byUs) and
// reports it: MemberLeft for a member, MemberFailed for a station that was
// joining with RSN (err, or ErrStationVanished).
func (m *GOMachine) removeStation(s *station, reason uint16, byUs bool, err error) []Action {
	acts := m.stopStationTimers(s)
	if s.added {
		r := uint16(0)
		if byUs {
			r = reason
		}
		acts = append(acts, DelStation{Addr: s.addr, Reason: r})
	}
	wasMember := s.state == staJoined
	switch {
	case wasMember:
		acts = append(acts, Notify{Notification: MemberLeft{
			DeviceAddress: s.devAddr, InterfaceAddress: s.addr, IP: s.ip, Reason: reason, ByUs: byUs,
		}})
	case s.state == staHandshake || (s.state == staAssociating && !s.wps):
		if err == nil {
			err = ErrStationVanished
		}
		acts = append(acts, Notify{Notification: MemberFailed{DeviceAddress: s.devAddr, InterfaceAddress: s.addr, Err: err}})
	case s.state == staWPS && !s.wpsFinished:
		if err == nil {
			err = fmt.Errorf("%w: %w", ErrProvisioning, ErrStationVanished)
		}
		acts = append(acts, Notify{Notification: ProvisioningFailed{Peer: s.addr, Err: err}})
	}
	m.forget(s)
	if wasMember && m.apUp {
		acts = append(acts, SetBeacon{Beacon: m.beaconData()})
		acts = append(acts, m.rekeyGroup()...)
	}
	return acts
}

// rekeyGroup replaces the GTK once a member has left, so that it cannot
// read the group's broadcast traffic any more (IEEE 802.11-2020, 12.7.7,
// hostapd's wpa_strict_rekey): the new key, under the other Key ID, is
// installed for transmission at once and handed to every remaining
// member with the group key handshake (to a station still in its 4-way
// handshake in message 3/4 when that is still to come).
func (m *GOMachine) rekeyGroup() []Action {
	if m.state != goRunning {
		return nil
	}
	var rest []*station
	for _, s := range m.sortedStations() {
		if s.auth != nil && (s.state == staJoined || s.state == staHandshake) {
			rest = append(rest, s)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	key, err := eapol.GenerateGTK(m.rand, len(m.gtk.Key))
	if err != nil {
		return nil // keep the old key rather than none
	}
	m.gtk = eapol.GroupKey{KeyID: 3 - m.gtk.KeyID, Key: key}
	acts := []Action{NewKey{Key: radio.Key{
		Cipher: radio.CipherCCMP128, Index: m.gtk.KeyID, Data: bytes.Clone(key), DefaultTx: true,
	}}}
	for _, s := range rest {
		acts = append(acts, m.eapolActions(s, s.auth.Handle(eapol.RekeyGroup{Key: m.gtk}))...)
	}
	return acts
}

func (m *GOMachine) stopStationTimers(s *station) []Action {
	var acts []Action
	for _, t := range []**Timer{&s.eapolTimer, &s.eapTimer, &s.deauthTimer} {
		if *t != nil {
			acts = append(acts, StopTimer{Timer: **t})
			*t = nil
		}
	}
	return acts
}

// forget drops a station's record, AID and address.
func (m *GOMachine) forget(s *station) {
	if s.aid != 0 {
		delete(m.aids, s.aid)
	}
	m.pool.release(s.addr)
	if m.stations[s.addr] == s {
		delete(m.stations, s.addr)
	}
}

// removeClient disconnects a member (or an associated station) named by
// its device or interface address.
func (m *GOMachine) removeClient(addr MAC) []Action {
	if m.state != goRunning {
		return []Action{Reply{Err: ErrClosed}}
	}
	for _, s := range m.sortedStations() {
		if s.added && (s.addr == addr || (s.p2p && s.devAddr == addr)) {
			acts := m.removeStation(s, ieee80211.ReasonDeauthLeaving, true, nil)
			return append(acts, Reply{})
		}
	}
	return []Action{Reply{Err: ErrUnknownClient}}
}

// allowJoin opens the Registrar (AllowJoin).
func (m *GOMachine) allowJoin(ev AllowJoin) []Action {
	if m.state != goRunning {
		return []Action{Reply{Err: ErrClosed}}
	}
	if err := ev.WPS.check(); err != nil {
		return []Action{Reply{Err: err}}
	}
	var acts []Action
	if m.regTimer != nil {
		acts = append(acts, StopTimer{Timer: *m.regTimer})
	}
	m.reg = &registrar{wps: ev.WPS, peer: ev.Peer}
	timeout := ev.Timeout
	if timeout <= 0 {
		timeout = wsc.PBCWalkTime
	}
	m.seq++
	t := Timer{Kind: TimerRegistrar, Seq: m.seq}
	m.regTimer = &t
	acts = append(acts, SetTimer{Timer: t, After: timeout}, SetBeacon{Beacon: m.beaconData()}, Reply{})
	return acts
}

// Beacon and probe response contents.

func (m *GOMachine) p2pCapability() *p2pmsg.Capability {
	g := p2pmsg.GroupCapGroupOwner
	if m.cfg.Persistent {
		g |= p2pmsg.GroupCapPersistentGroup
	}
	if m.cfg.IntraBSS {
		g |= p2pmsg.GroupCapIntraBSSDistribution
	}
	if m.cfg.CrossConnection {
		g |= p2pmsg.GroupCapCrossConnection
	}
	if m.groupForm {
		g |= p2pmsg.GroupCapGroupFormation
	}
	if len(m.members()) >= m.maxSTA {
		g |= p2pmsg.GroupCapGroupLimit
	}
	if !m.cfg.NoIPAllocation {
		g |= p2pmsg.GroupCapIPAddressAllocation
	}
	return &p2pmsg.Capability{Device: m.cfg.Device.Capability &^ p2pmsg.DevCapClientDiscoverability, Group: g}
}

func (m *GOMachine) registrarState() registrarState {
	r := m.reg
	if r == nil {
		return registrarState{}
	}
	st := registrarState{open: true, passwordID: r.wps.PasswordID}
	if r.wps.pbc() {
		st.methods = wsc.ConfigVirtualPushButton
	} else {
		st.methods = wsc.ConfigVirtualDisplay | wsc.ConfigKeypad
	}
	if !r.peerIface.IsZero() {
		st.authorized = []MAC{r.peerIface}
	}
	return st
}

// p2pProbeAttrs are the P2P attributes of our probe responses: P2P
// Capability, P2P Device Info and, with members, P2P Group Info
// (hostap's p2p_group_build_probe_resp_ie).
func (m *GOMachine) p2pProbeAttrs() *p2pmsg.Attributes {
	d := m.cfg.Device
	attrs := &p2pmsg.Attributes{
		Capability: m.p2pCapability(),
		DeviceInfo: &p2pmsg.DeviceInfo{
			DeviceAddress: d.Address, ConfigMethods: d.ConfigMethods,
			PrimaryDeviceType: d.PrimaryDeviceType, DeviceName: d.Name,
		},
	}
	var clients []p2pmsg.ClientInfo
	for _, s := range m.members() {
		if !s.p2p || s.devInfo == nil {
			continue
		}
		clients = append(clients, p2pmsg.ClientInfo{
			DeviceAddress:        s.devAddr,
			InterfaceAddress:     s.addr,
			DeviceCapability:     s.devCap,
			ConfigMethods:        s.devInfo.ConfigMethods,
			PrimaryDeviceType:    s.devInfo.PrimaryDeviceType,
			SecondaryDeviceTypes: s.devInfo.SecondaryDeviceTypes,
			DeviceName:           s.devInfo.DeviceName,
		})
	}
	if len(clients) > 0 {
		attrs.GroupInfo = &p2pmsg.GroupInfo{Clients: clients}
	}
	return attrs
}

// probeRespIEs are the elements probe responses add to the beacon's head
// elements: RSN, P2P IE with Group Info, WSC IE.
func (m *GOMachine) probeRespExtra() []byte {
	b := appendP2PIE(nil, m.p2pProbeAttrs())
	return appendWSCProbeResp(b, m.cfg.Device, rfBand(m.cfg.Freq), m.registrarState())
}

// probeResponse builds a Probe Response to da.
func (m *GOMachine) probeResponse(da MAC) []byte {
	b := header(ieee80211.SubtypeProbeResp, da, m.addr, m.addr)
	b = appendFixed(b, DefaultBeaconInterval, capabilityGO)
	b = appendBSSCommon(b, m.ssid, m.cfg.Freq)
	b = appendRSNE(b, goRSNE)
	return append(b, m.probeRespExtra()...)
}

// beaconData builds the beacon and response templates: Head (header,
// fixed fields, SSID, rates, DS Parameter Set), Tail (RSN element, P2P IE
// with P2P Capability and P2P Device ID, WSC IE), the extra elements of
// probe responses and a full probe response template.
func (m *GOMachine) beaconData() radio.BeaconData {
	head := header(ieee80211.SubtypeBeacon, ieee80211.Broadcast, m.addr, m.addr)
	head = appendFixed(head, DefaultBeaconInterval, capabilityGO)
	head = appendBSSCommon(head, m.ssid, m.cfg.Freq)
	dev := m.cfg.Device.Address
	tail := appendRSNE(nil, goRSNE)
	tail = appendP2PIE(tail, &p2pmsg.Attributes{Capability: m.p2pCapability(), DeviceID: &dev})
	tail = appendWSCBeacon(tail, m.cfg.Device, rfBand(m.cfg.Freq), m.registrarState())
	return radio.BeaconData{
		Head:         head,
		Tail:         tail,
		ProbeRespIEs: m.probeRespExtra(),
		ProbeResp:    m.probeResponse(ieee80211.Broadcast),
	}
}
