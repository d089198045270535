package simradio

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Phy defaults, after mac80211_hwsim.
const (
	DefaultMaxRemainOnChannel = 5 * time.Second
	DefaultScanDwell          = 30 * time.Millisecond
	DefaultMaxScanSSIDs       = 255
	DefaultMaxScanIELen       = 2048
)

// PhyConfig describes a simulated phy. Zero fields take hwsim-like
// defaults.
type PhyConfig struct {
	Name     string        // "": "phy<index>"
	PermAddr ieee80211.MAC // zero: 02:00:00:00:<index>:00 as hwsim numbers its radios
	// SupportedIfTypes: 0 means station, AP, P2P client, P2P GO and P2P
	// device.
	SupportedIfTypes radio.IfTypes
	// Combinations: nil means hwsim's: up to 2048 of station, AP, P2P
	// client and P2P GO plus one P2P device, on one channel.
	Combinations []radio.IfCombination
	// Bands: nil means DefaultBands().
	Bands              []radio.Band
	MaxRemainOnChannel time.Duration // 0: DefaultMaxRemainOnChannel
	// ProbeRespOffload makes the radio answer probe requests for its APs.
	ProbeRespOffload bool
	// NoMACOnCreate clears PhyInfo.MACOnCreate (set by default): interfaces
	// then take the address the radio chooses.
	NoMACOnCreate bool
	ScanDwell     time.Duration // per channel when a ScanRequest gives none; 0: DefaultScanDwell
	CipherSuites  []uint32      // nil: CCMP-128, GCMP-128, BIP-CMAC-128
}

// DefaultBands returns the default channels: 2.4 GHz channels 1-13
// (2412-2472 MHz) and 5 GHz channels 36-48 (5180-5240 MHz), plus channel
// 52 (5260 MHz) marked no-IR and channel 56 (5280 MHz) disabled, to
// exercise those rules.
func DefaultBands() []radio.Band {
	b24 := radio.Band{ID: radio.Band2GHz, HT: true}
	for f := 2412; f <= 2472; f += 5 {
		b24.Channels = append(b24.Channels, radio.Channel{Freq: f, Number: channelNumber(f), MaxPower: 2000})
	}
	b5 := radio.Band{ID: radio.Band5GHz, HT: true, VHT: true}
	for f := 5180; f <= 5280; f += 20 {
		b5.Channels = append(b5.Channels, radio.Channel{
			Freq: f, Number: channelNumber(f), MaxPower: 2000,
			NoIR: f == 5260, Disabled: f == 5280,
		})
	}
	return []radio.Band{b24, b5}
}

func defaultIfTypes() radio.IfTypes {
	return radio.IfTypes(0).With(radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO, radio.IfP2PDevice)
}

func defaultCombinations() []radio.IfCombination {
	return []radio.IfCombination{{
		Limits: []radio.IfLimit{
			{Max: 2048, Types: radio.IfTypes(0).With(radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO)},
			{Max: 1, Types: radio.IfTypes(0).With(radio.IfP2PDevice)},
		},
		MaxInterfaces: 2048,
		NumChannels:   1,
	}}
}

// Phy is one simulated radio. It implements radio.Phy and offers
// accessors that tests use to look at state the seam does not report.
type Phy struct {
	m        *Medium
	info     radio.PhyInfo
	dwell    time.Duration
	removed  bool
	removedC chan struct{}
	ifaces   []*iface
	nIfaces  int // interfaces ever created, for names and wdev ids

	// Off-channel operations, in request order; the active ones (all on
	// offFreq) come first.
	ops        []*op
	offFreq    int  // channel of the active operations, 0 when none
	switching  bool // retuning to offFreq: hearing nothing
	switchItem *item
	// startPending: an item will start the active operations.
	startPending bool

	txFree time.Time // the transmitter is busy until then
	seq    uint16    // sequence numbers of frames the radio builds

	bss map[bssKey]*radio.BSS
}

// AddPhy adds a phy to the medium.
func (m *Medium) AddPhy(c PhyConfig) (*Phy, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, opErr("add phy", radio.ErrNoDevice, "medium closed")
	}
	idx := m.nextPhy
	info := radio.PhyInfo{
		Index:               idx,
		Name:                c.Name,
		PermAddr:            c.PermAddr,
		SupportedIfTypes:    c.SupportedIfTypes,
		Combinations:        cloneCombinations(c.Combinations),
		Bands:               cloneBands(c.Bands),
		MACOnCreate:         !c.NoMACOnCreate,
		OffChannelTx:        true,
		MaxRemainOnChannel:  c.MaxRemainOnChannel,
		ProbeRespOffload:    c.ProbeRespOffload,
		ControlPortOverNL:   true,
		ControlPortTxStatus: true,
		MaxScanSSIDs:        DefaultMaxScanSSIDs,
		MaxScanIELen:        DefaultMaxScanIELen,
		CipherSuites:        slices.Clone(c.CipherSuites),
	}
	if info.Name == "" {
		info.Name = fmt.Sprintf("phy%d", idx)
	}
	if info.PermAddr.IsZero() {
		info.PermAddr = ieee80211.MAC{0x02, 0, 0, byte(idx >> 8), byte(idx), 0}
	}
	if info.PermAddr.IsGroup() {
		return nil, opErr("add phy", radio.ErrInvalid, "permanent address %v is a group address", info.PermAddr)
	}
	if info.SupportedIfTypes == 0 {
		info.SupportedIfTypes = defaultIfTypes()
	}
	if len(info.Combinations) == 0 {
		info.Combinations = defaultCombinations()
	}
	if len(info.Bands) == 0 {
		info.Bands = DefaultBands()
	}
	if info.MaxRemainOnChannel <= 0 {
		info.MaxRemainOnChannel = DefaultMaxRemainOnChannel
	}
	if info.CipherSuites == nil {
		info.CipherSuites = []uint32{radio.CipherCCMP128, radio.CipherGCMP128, radio.CipherBIPCMAC}
	}
	for _, q := range m.phys {
		if q.info.PermAddr == info.PermAddr {
			return nil, opErr("add phy", radio.ErrInvalid, "permanent address %v already used by %s", info.PermAddr, q.info.Name)
		}
		if q.info.Name == info.Name {
			return nil, opErr("add phy", radio.ErrInvalid, "name %q already used", info.Name)
		}
	}
	m.nextPhy++
	p := &Phy{
		m:        m,
		info:     info,
		dwell:    c.ScanDwell,
		removedC: make(chan struct{}),
		bss:      make(map[bssKey]*radio.BSS),
	}
	if p.dwell <= 0 {
		p.dwell = DefaultScanDwell
	}
	m.phys = append(m.phys, p)
	return p, nil
}

// Info describes the phy (a copy).
func (p *Phy) Info() radio.PhyInfo {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	i := p.info
	i.Combinations = cloneCombinations(i.Combinations)
	i.Bands = cloneBands(i.Bands)
	i.CipherSuites = slices.Clone(i.CipherSuites)
	return i
}

// Removed is closed once the phy has been removed from the medium.
func (p *Phy) Removed() <-chan struct{} { return p.removedC }

// Channel returns the frequency the phy hears right now, 0 when none (no
// operating channel and no off-channel operation, or retuning).
func (p *Phy) Channel() int {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	if p.removed {
		return 0
	}
	if p.offFreq != 0 {
		if p.switching {
			return 0
		}
		return p.offFreq
	}
	for _, f := range p.ifaces {
		if fr := f.operating(); fr != 0 {
			return fr
		}
	}
	return 0
}

// named reports whether a rule address names this phy: its permanent
// address, one of its interfaces' addresses, or the zero address (any).
func (p *Phy) named(a ieee80211.MAC) bool {
	if a.IsZero() || a == p.info.PermAddr {
		return true
	}
	return p.ifaceByAddr(a) != nil
}

func (p *Phy) ifaceByAddr(a ieee80211.MAC) *iface {
	for _, f := range p.ifaces {
		if f.info.Addr == a {
			return f
		}
	}
	return nil
}

// hearsOperating reports whether freq is the operating channel of one of
// the phy's interfaces (a started AP, a connecting or connected station).
func (p *Phy) hearsOperating(freq int) bool {
	for _, f := range p.ifaces {
		if f.operating() == freq {
			return true
		}
	}
	return false
}

// hears reports whether the phy is on freq now. m.mu must be held.
func (p *Phy) hears(freq int) bool {
	if p.removed || freq == 0 {
		return false
	}
	if p.offFreq != 0 {
		return !p.switching && p.offFreq == freq
	}
	return p.hearsOperating(freq)
}

// nextSeq returns the next sequence number for a frame the radio builds.
func (p *Phy) nextSeq() uint16 {
	p.seq = (p.seq + 1) & 0x0fff
	return p.seq
}

// checkChannel looks freq up; usable reports radio.ErrNoChannel for a
// disabled channel (and a no-IR one when transmit is set).
func (p *Phy) checkChannel(op string, freq int, transmit bool) (radio.Channel, error) {
	c, ok := p.info.Channel(freq)
	if !ok {
		return c, opErr(op, radio.ErrInvalid, "unknown frequency %d MHz", freq)
	}
	if c.Disabled {
		return c, opErr(op, radio.ErrNoChannel, "%d MHz is disabled", freq)
	}
	if transmit && c.NoIR {
		return c, opErr(op, radio.ErrNoChannel, "%d MHz is no-IR", freq)
	}
	return c, nil
}

// fitsCombination reports whether the phy's interfaces plus one of type t
// (when add) fit one of its interface combinations, and the largest number
// of channels the fitting combinations allow. The rule is cfg80211's: each
// type's count must fit every limit that lists it, limits being shared.
func (p *Phy) fitsCombination(t radio.IfType, add bool) (ok bool, channels int) {
	counts := map[radio.IfType]int{}
	total := 0
	for _, f := range p.ifaces {
		if !p.info.SoftwareIfTypes.Has(f.info.Type) {
			counts[f.info.Type]++
			total++
		}
	}
	if add && !p.info.SoftwareIfTypes.Has(t) {
		counts[t]++
		total++
	}
	for _, c := range p.info.Combinations {
		if c.MaxInterfaces > 0 && total > c.MaxInterfaces {
			continue
		}
		left := make([]int, len(c.Limits))
		for i, l := range c.Limits {
			left[i] = l.Max
		}
		fits := true
		for typ, n := range counts {
			covered := false
			for i, l := range c.Limits {
				if !l.Types.Has(typ) {
					continue
				}
				covered = true
				if left[i] < n {
					fits = false
				}
				left[i] -= n
			}
			if !covered {
				fits = false
			}
		}
		if fits {
			ok = true
			channels = max(channels, c.NumChannels, 1)
		}
	}
	return ok, channels
}

// canOperateOn reports whether interface f may take freq as its operating
// channel given the other interfaces' channels and the combinations.
func (p *Phy) canOperateOn(f *iface, freq int) bool {
	_, channels := p.fitsCombination(0, false)
	used := []int{freq}
	for _, g := range p.ifaces {
		if fr := g.operating(); g != f && fr != 0 && !slices.Contains(used, fr) {
			used = append(used, fr)
		}
	}
	return len(used) <= max(channels, 1)
}

// Test accessors.

// Authorized reports whether the interface with address ifAddr has opened
// its controlled port for peer (SetAuthorized, or StationParams.Authorized).
func (p *Phy) Authorized(ifAddr, peer ieee80211.MAC) bool {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	f := p.ifaceByAddr(ifAddr)
	return f != nil && f.authorized[peer]
}

// InstalledKey returns the key the interface with address ifAddr has
// installed under ref.
func (p *Phy) InstalledKey(ifAddr ieee80211.MAC, ref radio.KeyRef) (radio.Key, bool) {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	f := p.ifaceByAddr(ifAddr)
	if f == nil {
		return radio.Key{}, false
	}
	k, ok := f.keys[ref]
	if !ok {
		return radio.Key{}, false
	}
	return cloneKey(k), true
}

// KeyInstalls counts the NewKey calls that installed a key under ref on
// the interface with address ifAddr over the interface's life, including
// reinstalls of the identical key: a test proves that no key was
// reinstalled by checking that this stays at 1.
func (p *Phy) KeyInstalls(ifAddr ieee80211.MAC, ref radio.KeyRef) int {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	f := p.ifaceByAddr(ifAddr)
	if f == nil {
		return 0
	}
	return f.installs[ref]
}

// Addresses lists the IP addresses of the interface named name (nil when
// there is no such interface any more).
func (p *Phy) Addresses(name string) []netip.Prefix {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	for _, f := range p.ifaces {
		if f.info.Name == name && !f.closed {
			return slices.Clone(f.addrs)
		}
	}
	return nil
}

// Stations lists the stations the AP interface with address ifAddr has
// added (NewStation), in address order.
func (p *Phy) Stations(ifAddr ieee80211.MAC) []ieee80211.MAC {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	f := p.ifaceByAddr(ifAddr)
	if f == nil || f.ap == nil {
		return nil
	}
	var out []ieee80211.MAC
	for a := range f.ap.stations {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b ieee80211.MAC) int { return slices.Compare(a[:], b[:]) })
	return out
}

func cloneCombinations(cs []radio.IfCombination) []radio.IfCombination {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Limits = slices.Clone(out[i].Limits)
	}
	return out
}

func cloneBands(bs []radio.Band) []radio.Band {
	out := slices.Clone(bs)
	for i := range out {
		out[i].Channels = slices.Clone(out[i].Channels)
	}
	return out
}

// NewInterface creates an interface (see radio.Phy). The combinations
// bound how many interfaces of each type may exist (radio.ErrBusy beyond).
// A zero address takes the permanent address if no interface of the phy
// uses it, else a locally administered address derived from it; a given
// address needs PhyInfo.MACOnCreate and must be unique on the phy.
// Netdevs without a name are called "sim<phy>-<n>", P2P group
// interfaces "p2p-sim<phy>-<n>".
func (p *Phy) NewInterface(ctx context.Context, cfg radio.InterfaceConfig) (radio.Interface, error) {
	const op = "new interface"
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if p.removed {
		return nil, opErr(op, radio.ErrNoDevice, "phy %s removed", p.info.Name)
	}
	if !p.info.SupportedIfTypes.Has(cfg.Type) {
		return nil, opErr(op, radio.ErrNotSupported, "interface type %v", cfg.Type)
	}
	if ok, _ := p.fitsCombination(cfg.Type, true); !ok {
		return nil, opErr(op, radio.ErrBusy, "no interface combination allows another %v", cfg.Type)
	}
	addr := cfg.Addr
	switch {
	case !addr.IsZero():
		if !p.info.MACOnCreate {
			return nil, opErr(op, radio.ErrNotSupported, "phy cannot set an address on create")
		}
		if addr.IsGroup() {
			return nil, opErr(op, radio.ErrInvalid, "address %v is a group address", addr)
		}
		if p.ifaceByAddr(addr) != nil {
			return nil, opErr(op, radio.ErrBusy, "address %v already in use on %s", addr, p.info.Name)
		}
	case p.ifaceByAddr(p.info.PermAddr) == nil:
		addr = p.info.PermAddr
	default:
		for i := 1; ; i++ {
			addr = p.info.PermAddr
			addr[0] |= 0x02 // locally administered
			addr[4] ^= byte(i >> 8)
			addr[5] ^= byte(i)
			if p.ifaceByAddr(addr) == nil {
				break
			}
		}
	}
	n := p.nIfaces
	info := radio.InterfaceInfo{
		Phy:  p.info.Index,
		Wdev: uint64(p.info.Index)<<32 | uint64(n+1),
		Type: cfg.Type,
		Addr: addr,
	}
	if cfg.Type != radio.IfP2PDevice {
		info.Name = cfg.Name
		if info.Name == "" {
			info.Name = fmt.Sprintf("sim%d-%d", p.info.Index, n)
			if cfg.Type == radio.IfP2PGO || cfg.Type == radio.IfP2PClient {
				info.Name = "p2p-" + info.Name
			}
		}
		for _, q := range m.phys {
			for _, g := range q.ifaces {
				if g.info.Name == info.Name {
					return nil, opErr(op, radio.ErrBusy, "interface name %q in use", info.Name)
				}
			}
		}
		info.Index = m.nextIfidx
		m.nextIfidx++
	}
	p.nIfaces++
	f := &iface{
		p:          p,
		info:       info,
		q:          radio.NewEventQueue(m.eventLimit),
		keys:       map[radio.KeyRef]radio.Key{},
		installs:   map[radio.KeyRef]int{},
		authorized: map[ieee80211.MAC]bool{},
	}
	p.ifaces = append(p.ifaces, f)
	return f, nil
}
