package group

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// ClientEnv is what a ClientMachine needs to know of its interface and
// radio.
type ClientEnv struct {
	Interface radio.InterfaceInfo
	// ControlPort: EAPOL over nl80211 (PhyInfo.ControlPortOverNL).
	ControlPort bool
	// EAPOLTxStatus: the radio reports whether each EAPOL frame was
	// acknowledged (PhyInfo.ControlPortTxStatus), so the PTK is installed
	// only once our message 4/4 is.
	EAPOLTxStatus bool
}

type clientState uint8

const (
	clientIdle       clientState = iota
	clientScanning               // a scan is running
	clientScanWait               // waiting to scan again
	clientConnecting             // Connect issued, waiting for Connected
	clientWPS                    // EAP-WSC running
	clientWPSLeaving             // provisioned: disconnecting to reconnect with RSN
	clientHandshake              // 4-way handshake running
	clientStarted
	clientStopped
)

// ClientMachine is the P2P Client's protocol machine (Wi-Fi P2P Technical
// Specification v1.7, 3.2.2 "P2P Group Client"; WSC 2.0.x for
// provisioning; IEEE Std 802.11-2020, 12.7 for the key management). It is
// pure: Handle takes the time and an event and returns actions. It is not
// safe for concurrent use.
type ClientMachine struct {
	cfg  ClientConfig
	env  ClientEnv
	addr MAC
	rand io.Reader

	state        clientState
	scans        int
	connects     int
	started      bool
	linked       bool // Connect issued and no Disconnect or failure since
	wpsPhase     bool // the current connection provisions us
	bssid        MAC
	freq         int
	ssid         []byte
	goDevice     MAC
	goRSNE       []byte
	ipAllocation bool
	persistent   bool
	privacy      bool // the GO's Capability Information has Privacy

	peer *wsc.EAPPeer
	sup  *eapol.Supplicant
	// afterM4 is what the Supplicant asked for after our message 4/4
	// (installing the PTK and the GTK, opening the port, the end of the
	// handshake), held until a TX status says a 4/4 was acknowledged;
	// nil when nothing waits.
	afterM4    []eapol.Action
	eapTimer   *Timer
	eapolTimer *Timer
	connTimer  bool
	scanTimer  bool
	wpsErr     error

	psk        []byte
	passphrase string
	haveCred   bool

	ip   netip.Prefix
	goIP netip.Addr
}

// NewClientMachine checks cfg.
func NewClientMachine(cfg ClientConfig, env ClientEnv) (*ClientMachine, error) {
	cfg.Device = cfg.Device.withDefaults()
	if err := p2pmsg.ValidateDeviceName([]byte(cfg.Device.Name)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if len(cfg.SSID) > ieee80211.MaxSSIDLen {
		return nil, fmt.Errorf("%w: SSID of %d octets", ErrInvalidConfig, len(cfg.SSID))
	}
	m := &ClientMachine{cfg: cfg, env: env, addr: env.Interface.Addr, rand: orReader(cfg.Rand), goDevice: cfg.GODeviceAddress}
	switch {
	case cfg.WPS != nil:
		if err := cfg.WPS.check(); err != nil {
			return nil, err
		}
	case len(cfg.PSK) > 0:
		if len(cfg.PSK) != eapol.PMKLen {
			return nil, fmt.Errorf("%w: PSK of %d octets", ErrInvalidConfig, len(cfg.PSK))
		}
		m.psk, m.passphrase, m.haveCred = bytes.Clone(cfg.PSK), cfg.Passphrase, true
	case cfg.Passphrase != "":
		if n := len(cfg.Passphrase); n < 8 || n > 63 {
			return nil, fmt.Errorf("%w: passphrase of %d characters", ErrInvalidConfig, n)
		}
		m.passphrase, m.haveCred = cfg.Passphrase, true // the PSK needs the SSID
	default:
		return nil, fmt.Errorf("%w: neither a WPS method nor a credential", ErrInvalidConfig)
	}
	if m.cfg.ScanAttempts <= 0 {
		m.cfg.ScanAttempts = DefaultScanAttempts
	}
	if m.cfg.ScanRetryDelay <= 0 {
		m.cfg.ScanRetryDelay = DefaultScanRetryDelay
	}
	if m.cfg.ConnectAttempts <= 0 {
		m.cfg.ConnectAttempts = DefaultConnectAttempts
	}
	return m, nil
}

// bind sets the interface the machine runs on, before Start.
func (m *ClientMachine) bind(env ClientEnv) {
	m.env, m.addr = env, env.Interface.Addr
}

// Handle processes one event at time now and returns the actions to carry
// out, in order.
func (m *ClientMachine) Handle(now time.Time, ev Event) []Action {
	switch ev := ev.(type) {
	case Start:
		if m.state != clientIdle {
			return nil
		}
		return m.scan()
	case RadioEvent:
		return m.radioEvent(ev.Event)
	case TxDone:
		return m.txDone(ev)
	case ScanResults:
		return m.scanResults(ev)
	case TimerFired:
		return m.timer(ev.Timer)
	case ActionFailed:
		return m.actionFailed(ev)
	case Stop:
		return m.leave()
	case RemoveClient, AllowJoin:
		return []Action{Reply{Err: ErrNotGO}}
	}
	return nil
}

// scan looks for the GO on the operating channel (every channel when it is
// unknown) with the group's SSID, or the P2P Wildcard SSID.
func (m *ClientMachine) scan() []Action {
	m.state = clientScanning
	m.scans++
	req := radio.ScanRequest{NoCCK: true}
	if m.cfg.Freq > 0 {
		req.Freqs = []int{m.cfg.Freq}
	}
	if len(m.cfg.SSID) > 0 {
		req.SSIDs = [][]byte{bytes.Clone(m.cfg.SSID)}
	} else {
		req.SSIDs = [][]byte{[]byte("DIRECT-")}
	}
	attrs := &p2pmsg.Attributes{Capability: &p2pmsg.Capability{Device: m.cfg.Device.Capability}}
	if !m.goDevice.IsZero() {
		id := m.goDevice
		attrs.DeviceID = &id
	}
	req.IEs = appendP2PIE(nil, attrs)
	if m.cfg.WPS != nil && !m.haveCred {
		req.IEs = appendWSCProbeReq(req.IEs, m.cfg.Device, rfBand(max(m.cfg.Freq, 2412)), m.cfg.WPS.PasswordID)
	}
	return []Action{TriggerScan{Request: req}}
}

// retryScan schedules another scan, or fails once the attempts are used.
func (m *ClientMachine) retryScan() []Action {
	if m.scans >= m.cfg.ScanAttempts {
		return m.fail(fmt.Errorf("%w after %d scans", ErrGONotFound, m.scans))
	}
	m.state = clientScanWait
	m.scanTimer = true
	return []Action{SetTimer{Timer: Timer{Kind: TimerScan}, After: m.cfg.ScanRetryDelay}}
}

func (m *ClientMachine) scanResults(ev ScanResults) []Action {
	if m.state != clientScanning {
		return nil
	}
	if ev.Err != nil || !m.pick(ev.BSSs) {
		return m.retryScan()
	}
	m.connects = 0
	return m.connect()
}

// pick chooses the GO among scan results: on the operating channel, with
// the group's SSID (or a "DIRECT-" one), the GO's interface address as
// BSSID or its device address in the P2P IE when known, an RSN element.
// The strongest wins.
func (m *ClientMachine) pick(bsss []radio.BSS) bool {
	found := false
	best := 0
	for _, b := range bsss {
		if m.cfg.Freq > 0 && b.Freq != m.cfg.Freq {
			continue
		}
		if !m.cfg.GOInterfaceAddress.IsZero() && b.BSSID != m.cfg.GOInterfaceAddress {
			continue
		}
		raw, err := ieee80211.ParseElements(b.IEs)
		if err != nil {
			continue
		}
		elems := ieee80211.Elements(raw)
		ssid, ok := ssidOf(elems)
		if !ok || len(ssid) == 0 {
			continue
		}
		if len(m.cfg.SSID) > 0 && !bytes.Equal(ssid, m.cfg.SSID) {
			continue
		}
		if len(m.cfg.SSID) == 0 && !bytes.HasPrefix(ssid, []byte("DIRECT-")) {
			continue
		}
		attrs, hasP2P, perr := parseP2P(raw)
		if perr != nil {
			hasP2P = false
		}
		if !hasP2P {
			if rawB, err := ieee80211.ParseElements(b.BeaconIEs); err == nil {
				attrs, hasP2P, perr = parseP2P(rawB)
				hasP2P = hasP2P && perr == nil
			}
		}
		var dev MAC
		if hasP2P {
			switch {
			case attrs.DeviceInfo != nil:
				dev = attrs.DeviceInfo.DeviceAddress
			case attrs.DeviceID != nil:
				dev = *attrs.DeviceID
			}
		}
		if m.cfg.GOInterfaceAddress.IsZero() && !m.cfg.GODeviceAddress.IsZero() && dev != m.cfg.GODeviceAddress {
			continue
		}
		rsn, ok := elems.Find(ieee80211.ElemRSN)
		if !ok {
			continue
		}
		if found && b.Signal <= best {
			continue
		}
		found, best = true, b.Signal
		m.bssid, m.freq, m.ssid = b.BSSID, b.Freq, bytes.Clone(ssid)
		m.goRSNE = bytes.Clone(rsn.Data)
		m.privacy = ieee80211.CapabilityInfo(b.Capability)&ieee80211.CapPrivacy != 0
		if !dev.IsZero() {
			m.goDevice = dev
		}
		m.ipAllocation, m.persistent = false, false
		if hasP2P && attrs.Capability != nil {
			m.ipAllocation = attrs.Capability.Group&p2pmsg.GroupCapIPAddressAllocation != 0
			m.persistent = attrs.Capability.Group&p2pmsg.GroupCapPersistentGroup != 0
		}
	}
	return found
}

// p2pAssocIE is the P2P IE of our (Re)Association Requests: P2P
// Capability and P2P Device Info (hostap's p2p_assoc_req_ie).
func (m *ClientMachine) p2pAssocIE(b []byte) []byte {
	d := m.cfg.Device
	return appendP2PIE(b, &p2pmsg.Attributes{
		Capability: &p2pmsg.Capability{Device: d.Capability},
		DeviceInfo: &p2pmsg.DeviceInfo{
			DeviceAddress: d.Address, ConfigMethods: d.ConfigMethods,
			PrimaryDeviceType: d.PrimaryDeviceType, DeviceName: d.Name,
		},
	})
}

// connect associates with the GO: for WSC provisioning (WSC IE, no RSN)
// until we hold a credential, then with RSN.
func (m *ClientMachine) connect() []Action {
	m.connects++
	req := radio.ConnectRequest{BSSID: m.bssid, Freq: m.freq, SSID: bytes.Clone(m.ssid), ControlPort: m.env.ControlPort}
	if !m.haveCred {
		p, err := wsc.NewEAPPeer(wsc.EAPPeerConfig{Enrollee: wsc.EnrolleeConfig{
			UUIDE:            m.cfg.Device.UUID,
			MACAddress:       m.addr,
			Device:           m.cfg.Device.wscDevice(rfBand(m.freq)),
			DevicePasswordID: m.cfg.WPS.PasswordID,
			PIN:              m.pin(),
			Rand:             m.rand,
		}})
		if err != nil {
			return m.fail(fmt.Errorf("%w: %w", ErrProvisioning, err))
		}
		m.peer, m.sup, m.wpsPhase = p, nil, true
		req.IEs = m.p2pAssocIE(appendWSCAssocReq(nil, m.cfg.WPS.PasswordID))
		// No RSN element, but the privacy the BSS announces: cfg80211 looks
		// the BSS up by it (wpa_supplicant's WPS_MODE_PRIVACY).
		req.Privacy = m.privacy
	} else {
		if m.psk == nil {
			psk, err := eapol.PMKFromPassphrase(m.passphrase, m.ssid)
			if err != nil {
				return m.fail(fmt.Errorf("%w: %w", ErrInvalidConfig, err))
			}
			m.psk = psk
		}
		s, err := eapol.NewSupplicant(eapol.SupplicantConfig{
			PMK:               m.psk,
			AA:                m.bssid,
			SPA:               m.addr,
			RSNE:              clientRSNE,
			AuthenticatorRSNE: m.goRSNE,
			RequestIPAddress:  m.ipAllocation && !m.cfg.NoIPRequest,
			Rand:              m.rand,
		})
		if err != nil {
			return m.fail(fmt.Errorf("%w: %w", ErrHandshake, err))
		}
		m.sup, m.peer, m.wpsPhase = s, nil, false
		req.IEs = m.p2pAssocIE(appendRSNE(nil, clientRSNE))
		req.Privacy = true
	}
	m.state = clientConnecting
	m.linked = true
	m.afterM4 = nil
	return []Action{Connect{Request: req}}
}

func (m *ClientMachine) pin() []byte {
	if m.cfg.WPS.pbc() {
		return nil
	}
	return []byte(m.cfg.WPS.PIN)
}

// connectFailed retries the association, or fails.
func (m *ClientMachine) connectFailed(err error) []Action {
	m.linked = false
	acts := m.stopInnerTimers()
	if m.connects >= m.cfg.ConnectAttempts {
		return append(acts, m.fail(err)...)
	}
	m.state = clientScanWait
	m.connTimer = true
	return append(acts, SetTimer{Timer: Timer{Kind: TimerConnect}, After: connectRetryDelay})
}

// connectRetryDelay separates association attempts: short, since the
// kernel has already spent its own authentication retries (a GO that is
// still starting, as wpa_supplicant derives its PSK, ignores them).
const connectRetryDelay = 20 * time.Millisecond

func (m *ClientMachine) actionFailed(ev ActionFailed) []Action {
	switch ev.Action.(type) {
	case TriggerScan:
		if m.state == clientScanning {
			return m.retryScan()
		}
	case Connect:
		if m.state == clientConnecting {
			return m.connectFailed(fmt.Errorf("%w: %w", ErrConnectFailed, ev.Err))
		}
	case NewKey, SetAuthorized:
		if m.state == clientHandshake || m.state == clientStarted {
			return m.lost(fmt.Errorf("%w: %w", ErrHandshake, ev.Err), ieee80211.ReasonUnspecified, true)
		}
	}
	return nil
}

func (m *ClientMachine) radioEvent(ev radio.Event) []Action {
	if m.state == clientStopped {
		return nil
	}
	switch ev := ev.(type) {
	case radio.InterfaceRemoved:
		acts := m.stopAllTimers()
		m.linked = false
		m.state = clientStopped
		if m.started {
			return append(acts, Notify{Notification: GroupRemoved{Err: ErrInterfaceRemoved}})
		}
		return append(acts, Notify{Notification: GroupFailed{Err: ErrInterfaceRemoved}})
	case radio.ScanDone:
		if m.state != clientScanning {
			return nil
		}
		if ev.Aborted {
			return m.retryScan()
		}
		return []Action{GetScanResults{}}
	case radio.Connected:
		if m.state != clientConnecting || ev.BSSID != m.bssid {
			return nil
		}
		if ev.Status != 0 || ev.TimedOut {
			return m.connectFailed(fmt.Errorf("%w: status %d (timed out: %v)", ErrConnectFailed, ev.Status, ev.TimedOut))
		}
		if m.wpsPhase {
			m.state = clientWPS
			return m.eapActions(m.peer.Handle(wsc.Start{}))
		}
		m.state = clientHandshake
		return m.eapolActions(m.sup.Handle(eapol.Start{}))
	case radio.EAPOLReceived:
		if ev.Src != m.bssid || !m.linked {
			return nil
		}
		switch {
		case m.wpsPhase && m.peer != nil:
			return m.eapActions(m.peer.Handle(wsc.FrameReceived{Frame: ev.PDU}))
		case !m.wpsPhase && m.sup != nil:
			return m.eapolActions(m.sup.Handle(eapol.Receive{Frame: ev.PDU}))
		}
	case radio.Disconnected:
		return m.disconnected(ev)
	}
	return nil
}

// disconnected handles the end of our link.
func (m *ClientMachine) disconnected(ev radio.Disconnected) []Action {
	switch m.state {
	case clientWPSLeaving:
		// Provisioned: associate again, with RSN.
		acts := m.stopInnerTimers()
		m.linked = false
		m.connects = 0
		return append(acts, m.connect()...)
	case clientWPS:
		m.linked = false
		if m.haveCred {
			acts := m.stopInnerTimers()
			m.connects = 0
			return append(acts, m.connect()...)
		}
		err := m.wpsErr
		if err == nil {
			err = fmt.Errorf("%w: %w (reason %d)", ErrProvisioning, ErrDisconnected, ev.Reason)
		}
		return m.fail(err)
	case clientConnecting:
		return m.connectFailed(fmt.Errorf("%w: disconnected (reason %d)", ErrConnectFailed, ev.Reason))
	case clientHandshake:
		m.linked = false
		return m.fail(fmt.Errorf("%w: %w (reason %d)", ErrHandshake, ErrDisconnected, ev.Reason))
	case clientStarted:
		return m.lost(fmt.Errorf("%w (reason %d)", ErrDisconnected, ev.Reason), ev.Reason, false)
	}
	return nil
}

// lost ends a started group (or fails a forming one) after the link went
// away or keys could not be installed; disconnect says whether we still
// have to leave the BSS.
func (m *ClientMachine) lost(err error, reason uint16, disconnect bool) []Action {
	if !m.started {
		return m.fail(err)
	}
	acts := m.stopAllTimers()
	if disconnect && m.linked {
		acts = append(acts, Disconnect{Reason: reason})
	}
	m.linked = false
	m.state = clientStopped
	acts = append(acts, DeleteInterface{})
	return append(acts, Notify{Notification: GroupRemoved{Err: err, ReasonCode: reason}})
}

// fail ends a group that did not start.
func (m *ClientMachine) fail(err error) []Action {
	acts := m.stopAllTimers()
	if m.linked {
		acts = append(acts, Disconnect{Reason: ieee80211.ReasonDeauthLeaving})
		m.linked = false
	}
	m.state = clientStopped
	acts = append(acts, DeleteInterface{})
	return append(acts, Notify{Notification: GroupFailed{Err: err}})
}

// leave is the Stop command.
func (m *ClientMachine) leave() []Action {
	if m.state == clientStopped {
		return []Action{Reply{Err: ErrClosed}}
	}
	acts := m.stopAllTimers()
	if m.linked {
		acts = append(acts, Disconnect{Reason: ieee80211.ReasonDeauthLeaving})
		m.linked = false
	}
	m.state = clientStopped
	acts = append(acts, DeleteInterface{})
	if m.started {
		acts = append(acts, Notify{Notification: GroupRemoved{Err: ErrStopped, ReasonCode: ieee80211.ReasonDeauthLeaving}})
	} else {
		acts = append(acts, Notify{Notification: GroupFailed{Err: ErrStopped}})
	}
	return append(acts, Reply{})
}

func (m *ClientMachine) timer(t Timer) []Action {
	switch t.Kind {
	case TimerScan:
		if m.state == clientScanWait && m.scanTimer {
			m.scanTimer = false
			return m.scan()
		}
	case TimerConnect:
		if m.state == clientScanWait && m.connTimer {
			m.connTimer = false
			return m.connect()
		}
	case TimerEAP:
		if m.peer != nil && m.eapTimer != nil && *m.eapTimer == t {
			m.eapTimer = nil
			return m.eapActions(m.peer.Handle(wsc.Timeout{Timer: t.Seq}))
		}
	case TimerEAPOL:
		if m.sup != nil && m.eapolTimer != nil && *m.eapolTimer == t {
			m.eapolTimer = nil
			return m.eapolActions(m.sup.Handle(eapol.Timeout{Timer: t.Seq}))
		}
	}
	return nil
}

func (m *ClientMachine) stopInnerTimers() []Action {
	var acts []Action
	if m.eapTimer != nil {
		acts = append(acts, StopTimer{Timer: *m.eapTimer})
		m.eapTimer = nil
	}
	if m.eapolTimer != nil {
		acts = append(acts, StopTimer{Timer: *m.eapolTimer})
		m.eapolTimer = nil
	}
	return acts
}

func (m *ClientMachine) stopAllTimers() []Action {
	acts := m.stopInnerTimers()
	if m.scanTimer {
		acts = append(acts, StopTimer{Timer: Timer{Kind: TimerScan}})
		m.scanTimer = false
	}
	if m.connTimer {
		acts = append(acts, StopTimer{Timer: Timer{Kind: TimerConnect}})
		m.connTimer = false
	}
	return acts
}

// eapActions carries out what the EAP-WSC peer asked for.
func (m *ClientMachine) eapActions(in []wsc.Action) []Action {
	var acts []Action
	for _, a := range in {
		switch a := a.(type) {
		case wsc.SendFrame:
			acts = append(acts, SendEAPOL{Dst: m.bssid, PDU: a.Frame})
		case wsc.SetTimer:
			acts = armTimer(acts, &m.eapTimer, Timer{Kind: TimerEAP, Peer: m.bssid, Seq: a.Timer}, a.After)
		case wsc.StopTimer:
			acts = disarmTimer(acts, &m.eapTimer, Timer{Kind: TimerEAP, Peer: m.bssid, Seq: a.Timer})
		case wsc.Succeeded:
			if err := m.takeCredential(a.Credentials); err != nil {
				m.wpsErr = err
				acts = append(acts, Notify{Notification: ProvisioningFailed{Peer: m.bssid, Err: err}})
				continue
			}
			acts = append(acts, Notify{Notification: ProvisioningSucceeded{Peer: m.bssid}})
		case wsc.Failed:
			m.wpsErr = fmt.Errorf("%w: %w", ErrProvisioning, a.Err)
			acts = append(acts, Notify{Notification: ProvisioningFailed{Peer: m.bssid, Err: m.wpsErr, ConfigError: a.ConfigError}})
		case wsc.Finished:
			if !m.haveCred {
				err := m.wpsErr
				if err == nil {
					err = ErrProvisioning
				}
				return append(acts, m.fail(err)...)
			}
			acts = append(acts, m.stopInnerTimers()...)
			m.state = clientWPSLeaving
			acts = append(acts, Disconnect{Reason: ieee80211.ReasonDeauthLeaving})
			return acts
		}
	}
	return acts
}

// takeCredential keeps the Credential for our group: the one with our
// SSID, else the first.
func (m *ClientMachine) takeCredential(creds []wsc.Credential) error {
	var c *wsc.Credential
	for i := range creds {
		if bytes.Equal(creds[i].SSID, m.ssid) {
			c = &creds[i]
			break
		}
	}
	if c == nil && len(creds) > 0 {
		c = &creds[0]
	}
	if c == nil {
		return fmt.Errorf("%w: no Credential", ErrProvisioning)
	}
	if len(c.SSID) > 0 && !bytes.Equal(c.SSID, m.ssid) {
		return fmt.Errorf("%w: Credential for SSID %q, the group's is %q", ErrProvisioning, c.SSID, m.ssid)
	}
	psk, pass, err := networkKey(c.NetworkKey, m.ssid)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrProvisioning, err)
	}
	m.psk, m.passphrase, m.haveCred = psk, pass, true
	return nil
}

// eapolActions carries out what the Supplicant asked for.
//
// When the radio reports EAPOL TX status, the message 4/4 that answers a
// message 3/4 with a new PTK goes out tagged and what follows it waits in
// afterM4 until a TX status says a 4/4 was acknowledged (txDone), as
// wpa_supplicant waits for the 4/4 TX status before setting the keys: with
// the PTK installed at once, a lost 4/4 would leave us answering the GO's
// retransmitted 3/4 protected by a key the GO does not have yet. Meanwhile
// each answer to a retransmitted 3/4 (the Supplicant sends 4/4 again and
// installs nothing twice) goes out in the clear, tagged too.
func (m *ClientMachine) eapolActions(in []eapol.Action) []Action {
	if m.env.EAPOLTxStatus {
		if i := message4BeforePTK(in); i >= 0 {
			m.afterM4 = append(m.afterM4, in[i+1:]...)
			in = in[:i+1]
		}
	}
	var acts []Action
	for _, a := range in {
		switch a := a.(type) {
		case eapol.SendFrame:
			var tag Tag
			if m.afterM4 != nil {
				tag = Tag{Kind: TagMessage4Of4, Peer: m.bssid}
			}
			acts = append(acts, SendEAPOL{Dst: m.bssid, PDU: a.Frame, Tag: tag})
		case eapol.SetTimer:
			acts = armTimer(acts, &m.eapolTimer, Timer{Kind: TimerEAPOL, Peer: m.bssid, Seq: a.Timer}, a.After)
		case eapol.StopTimer:
			acts = disarmTimer(acts, &m.eapolTimer, Timer{Kind: TimerEAPOL, Peer: m.bssid, Seq: a.Timer})
		case eapol.InstallPairwiseKey:
			acts = append(acts, NewKey{Key: radio.Key{Cipher: uint32(a.Cipher), Data: a.TK, Peer: m.bssid}})
		case eapol.InstallGroupKey:
			acts = append(acts, NewKey{Key: radio.Key{Cipher: uint32(a.Cipher), Index: a.Key.KeyID, Data: a.Key.Key,
				RSC: bytes.Clone(a.Key.RSC[:6])}})
		case eapol.AuthorizePort:
			acts = append(acts, SetAuthorized{Peer: m.bssid, Authorized: true})
		case eapol.IPAddressAssigned:
			m.ip, m.goIP = a.Allocation.Client(), a.Allocation.GO()
		case eapol.HandshakeDone:
			if a.Handshake == eapol.FourWayHandshake && !m.started {
				m.started = true
				m.state = clientStarted
				acts = append(acts, Notify{Notification: m.groupStarted()})
			}
		case eapol.HandshakeFailed:
			return append(acts, m.lost(fmt.Errorf("%w: %w", ErrHandshake, a.Reason), a.ReasonCode, true)...)
		}
	}
	return acts
}

// message4BeforePTK returns the index of the frame (our message 4/4) the
// Supplicant sends before it asks to install a PTK, or -1.
func message4BeforePTK(in []eapol.Action) int {
	for i, a := range in {
		if _, ok := a.(eapol.InstallPairwiseKey); ok {
			for j := i - 1; j >= 0; j-- {
				if _, ok := in[j].(eapol.SendFrame); ok {
					return j
				}
			}
			return -1
		}
	}
	return -1
}

// txDone handles the TX status of a message 4/4: acknowledged, the keys
// that waited for it are installed (once: afterM4 is emptied); lost, they
// keep waiting for the GO's retransmitted 3/4 and our next answer.
func (m *ClientMachine) txDone(ev TxDone) []Action {
	if ev.Tag.Kind != TagMessage4Of4 || ev.Tag.Peer != m.bssid || !ev.Acked || m.afterM4 == nil ||
		m.state != clientHandshake || !m.linked || m.sup == nil {
		return nil
	}
	held := m.afterM4
	m.afterM4 = nil
	return m.eapolActions(held)
}

func (m *ClientMachine) groupStarted() GroupStarted {
	g := GroupStarted{
		Role:            p2pmsg.RoleClient,
		SSID:            bytes.Clone(m.ssid),
		BSSID:           m.bssid,
		Freq:            m.freq,
		Interface:       m.env.Interface.Name,
		GODeviceAddress: m.goDevice,
		Passphrase:      m.passphrase,
		PSK:             bytes.Clone(m.psk),
		Persistent:      m.persistent,
		IP:              m.ip,
	}
	if m.goIP.IsValid() {
		g.PeerIPs = []netip.Addr{m.goIP}
	}
	return g
}
