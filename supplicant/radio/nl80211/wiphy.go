package nl80211

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// wiphy is what a wiphy dump (NL80211_CMD_GET_WIPHY, split) says about one
// phy: the seam's capability model plus the raw feature words this package
// consults itself.
type wiphy struct {
	info        radio.PhyInfo
	features    uint32 // NL80211_ATTR_FEATURE_FLAGS
	extFeatures []byte // NL80211_ATTR_EXT_FEATURES bitmap
	bandOrder   []int  // nl80211 band ids in the order seen
	bands       map[int]*radio.Band
}

// hasFeature reports an NL80211_FEATURE_* flag.
func (w *wiphy) hasFeature(f uint32) bool { return w.features&f != 0 }

// hasExtFeature reports an NL80211_EXT_FEATURE_* bit.
func (w *wiphy) hasExtFeature(f int) bool { return extFeature(w.extFeatures, f) }

func extFeature(bitmap []byte, f int) bool {
	i := f / 8
	return i < len(bitmap) && bitmap[i]&(1<<(f%8)) != 0
}

// ifTypeFromNL maps an nl80211_iftype to the seam's, false for the types
// the seam does not know (IBSS, monitor, mesh...).
func ifTypeFromNL(t uint32) (radio.IfType, bool) {
	switch t {
	case unix.NL80211_IFTYPE_STATION:
		return radio.IfStation, true
	case unix.NL80211_IFTYPE_AP:
		return radio.IfAP, true
	case unix.NL80211_IFTYPE_P2P_CLIENT:
		return radio.IfP2PClient, true
	case unix.NL80211_IFTYPE_P2P_GO:
		return radio.IfP2PGO, true
	case unix.NL80211_IFTYPE_P2P_DEVICE:
		return radio.IfP2PDevice, true
	}
	return 0, false
}

// ifTypeToNL maps the seam's interface type to nl80211_iftype.
func ifTypeToNL(t radio.IfType) (uint32, bool) {
	switch t {
	case radio.IfStation:
		return unix.NL80211_IFTYPE_STATION, true
	case radio.IfAP:
		return unix.NL80211_IFTYPE_AP, true
	case radio.IfP2PClient:
		return unix.NL80211_IFTYPE_P2P_CLIENT, true
	case radio.IfP2PGO:
		return unix.NL80211_IFTYPE_P2P_GO, true
	case radio.IfP2PDevice:
		return unix.NL80211_IFTYPE_P2P_DEVICE, true
	}
	return 0, false
}

// forEach walks one level of nested attributes in order (lists such as
// channels and combinations repeat or index their types).
func forEach(b []byte, fn func(t uint16, data []byte) error) error {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for ad.Next() {
		if err := fn(ad.Type(), rawData(ad)); err != nil {
			return err
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// parseIfTypes reads a nested set of iftype flags
// (NL80211_ATTR_SUPPORTED_IFTYPES, NL80211_IFACE_LIMIT_TYPES).
func parseIfTypes(b []byte) (radio.IfTypes, error) {
	var s radio.IfTypes
	err := forEach(b, func(t uint16, _ []byte) error {
		if it, ok := ifTypeFromNL(uint32(t)); ok {
			s = s.With(it)
		}
		return nil
	})
	return s, err
}

// parseCombination reads one NL80211_ATTR_INTERFACE_COMBINATIONS entry.
// Limits naming only types the seam does not know are left out.
func parseCombination(b []byte) (radio.IfCombination, error) {
	a, err := parseAttrs(b)
	if err != nil {
		return radio.IfCombination{}, err
	}
	r := reader{a: a}
	c := radio.IfCombination{
		MaxInterfaces: int(r.u32(unix.NL80211_IFACE_COMB_MAXNUM)),
		NumChannels:   int(r.u32(unix.NL80211_IFACE_COMB_NUM_CHANNELS)),
	}
	if r.err != nil {
		return c, r.err
	}
	if lb, ok := a[unix.NL80211_IFACE_COMB_LIMITS]; ok {
		err := forEach(lb, func(_ uint16, data []byte) error {
			la, err := parseAttrs(data)
			if err != nil {
				return err
			}
			lr := reader{a: la}
			max := lr.u32(unix.NL80211_IFACE_LIMIT_MAX)
			if lr.err != nil {
				return lr.err
			}
			types, err := parseIfTypes(la[unix.NL80211_IFACE_LIMIT_TYPES])
			if err != nil {
				return err
			}
			if types != 0 {
				c.Limits = append(c.Limits, radio.IfLimit{Max: int(max), Types: types})
			}
			return nil
		})
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// channelNumber derives the channel number from the centre frequency
// (IEEE Std 802.11-2020, 15.4.4.3, 17.3.8.4.2, 27.3.23.2, 21.3.15.3... as
// cfg80211's ieee80211_freq_khz_to_channel does).
func channelNumber(band int, freq int) int {
	switch {
	case freq == 2484:
		return 14
	case band == unix.NL80211_BAND_2GHZ && freq >= 2412 && freq < 2484:
		return (freq - 2407) / 5
	case band == unix.NL80211_BAND_6GHZ:
		if freq == 5935 {
			return 2
		}
		return (freq - 5950) / 5
	case band == unix.NL80211_BAND_5GHZ && freq >= 4910 && freq <= 4980:
		return (freq - 4000) / 5
	case band == unix.NL80211_BAND_5GHZ:
		return (freq - 5000) / 5
	case band == unix.NL80211_BAND_60GHZ && freq >= 58320 && freq <= 70200:
		return (freq - 56160) / 2160
	}
	return 0
}

// parseChannel reads one NL80211_BAND_ATTR_FREQS entry.
func parseChannel(band int, b []byte) (radio.Channel, error) {
	a, err := parseAttrs(b)
	if err != nil {
		return radio.Channel{}, err
	}
	r := reader{a: a}
	c := radio.Channel{
		Freq:     int(r.u32(unix.NL80211_FREQUENCY_ATTR_FREQ)),
		Disabled: r.flag(unix.NL80211_FREQUENCY_ATTR_DISABLED),
		NoIR:     r.flag(unix.NL80211_FREQUENCY_ATTR_NO_IR),
		MaxPower: int(r.u32(unix.NL80211_FREQUENCY_ATTR_MAX_TX_POWER)),
	}
	c.Number = channelNumber(band, c.Freq)
	return c, r.err
}

// mergeBands adds one message's NL80211_ATTR_WIPHY_BANDS part: a split dump
// sends each band's capabilities once and its channels one or a few per
// message. Bands the seam does not model (S1G, LC) are skipped.
func (w *wiphy) mergeBands(b []byte) error {
	return forEach(b, func(t uint16, data []byte) error {
		id := int(t)
		if id > unix.NL80211_BAND_6GHZ {
			return nil
		}
		band := w.bands[id]
		if band == nil {
			band = &radio.Band{ID: radio.BandID(id)}
			w.bands[id] = band
			w.bandOrder = append(w.bandOrder, id)
		}
		a, err := parseAttrs(data)
		if err != nil {
			return err
		}
		if a.has(unix.NL80211_BAND_ATTR_HT_CAPA) {
			band.HT = true
		}
		if a.has(unix.NL80211_BAND_ATTR_VHT_CAPA) {
			band.VHT = true
		}
		if fb, ok := a[unix.NL80211_BAND_ATTR_FREQS]; ok {
			return forEach(fb, func(_ uint16, cb []byte) error {
				c, err := parseChannel(id, cb)
				if err != nil {
					return err
				}
				band.Channels = append(band.Channels, c)
				return nil
			})
		}
		return nil
	})
}

// merge adds one message of a wiphy dump.
func (w *wiphy) merge(a attrs) error {
	r := reader{a: a}
	p := &w.info
	if v, ok := a[unix.NL80211_ATTR_WIPHY_NAME]; ok {
		p.Name = cString(v)
	}
	if v, ok := a[unix.NL80211_ATTR_SUPPORTED_IFTYPES]; ok {
		s, err := parseIfTypes(v)
		if err != nil {
			return err
		}
		p.SupportedIfTypes |= s
	}
	if v, ok := a[unix.NL80211_ATTR_SOFTWARE_IFTYPES]; ok {
		s, err := parseIfTypes(v)
		if err != nil {
			return err
		}
		p.SoftwareIfTypes |= s
	}
	if v, ok := a[unix.NL80211_ATTR_INTERFACE_COMBINATIONS]; ok {
		err := forEach(v, func(_ uint16, data []byte) error {
			c, err := parseCombination(data)
			if err != nil {
				return err
			}
			p.Combinations = append(p.Combinations, c)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if v, ok := a[unix.NL80211_ATTR_WIPHY_BANDS]; ok {
		if err := w.mergeBands(v); err != nil {
			return err
		}
	}
	if a.has(unix.NL80211_ATTR_FEATURE_FLAGS) {
		w.features = r.u32(unix.NL80211_ATTR_FEATURE_FLAGS)
		p.MACOnCreate = w.hasFeature(unix.NL80211_FEATURE_MAC_ON_CREATE)
	}
	if v, ok := a[unix.NL80211_ATTR_EXT_FEATURES]; ok {
		w.extFeatures = append([]byte{}, v...)
		p.ControlPortOverNL = w.hasExtFeature(unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211)
		p.ControlPortTxStatus = p.ControlPortOverNL && w.hasExtFeature(unix.NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211_TX_STATUS)
	}
	if r.flag(unix.NL80211_ATTR_OFFCHANNEL_TX_OK) {
		p.OffChannelTx = true
	}
	if a.has(unix.NL80211_ATTR_MAX_REMAIN_ON_CHANNEL_DURATION) {
		p.MaxRemainOnChannel = time.Duration(r.u32(unix.NL80211_ATTR_MAX_REMAIN_ON_CHANNEL_DURATION)) * time.Millisecond
	}
	if a.has(unix.NL80211_ATTR_PROBE_RESP_OFFLOAD) {
		p.ProbeRespOffload = true
	}
	if a.has(unix.NL80211_ATTR_DEVICE_AP_SME) {
		p.APSME = true
	}
	if a.has(unix.NL80211_ATTR_MAX_NUM_SCAN_SSIDS) {
		p.MaxScanSSIDs = int(r.u8(unix.NL80211_ATTR_MAX_NUM_SCAN_SSIDS))
	}
	if a.has(unix.NL80211_ATTR_MAX_SCAN_IE_LEN) {
		p.MaxScanIELen = int(r.u16(unix.NL80211_ATTR_MAX_SCAN_IE_LEN))
	}
	if v, ok := a[unix.NL80211_ATTR_CIPHER_SUITES]; ok {
		if len(v)%4 != 0 {
			return fmt.Errorf("%w: cipher suites of %d octets", ErrMalformed, len(v))
		}
		p.CipherSuites = p.CipherSuites[:0]
		for i := 0; i+4 <= len(v); i += 4 {
			p.CipherSuites = append(p.CipherSuites, binary.NativeEndian.Uint32(v[i:]))
		}
	}
	return r.err
}

// finish copies the merged bands into the PhyInfo.
func (w *wiphy) finish() {
	w.info.Bands = w.info.Bands[:0]
	for _, id := range w.bandOrder {
		w.info.Bands = append(w.info.Bands, *w.bands[id])
	}
}

// parseWiphyDump merges the messages of a split wiphy dump per wiphy index,
// in the order the wiphys first appear.
func parseWiphyDump(msgs []genetlink.Message) ([]*wiphy, error) {
	var order []*wiphy
	byIndex := make(map[uint32]*wiphy)
	for _, m := range msgs {
		a, err := parseAttrs(m.Data)
		if err != nil {
			return nil, err
		}
		v, ok := a[unix.NL80211_ATTR_WIPHY]
		if !ok {
			return nil, fmt.Errorf("%w: wiphy message without NL80211_ATTR_WIPHY", ErrMalformed)
		}
		if len(v) != 4 {
			return nil, fmt.Errorf("%w: NL80211_ATTR_WIPHY has %d octets", ErrMalformed, len(v))
		}
		idx := binary.NativeEndian.Uint32(v)
		w := byIndex[idx]
		if w == nil {
			w = &wiphy{bands: make(map[int]*radio.Band)}
			w.info.Index = int(idx)
			byIndex[idx] = w
			order = append(order, w)
		}
		if err := w.merge(a); err != nil {
			return nil, fmt.Errorf("wiphy %d: %w", idx, err)
		}
	}
	for _, w := range order {
		w.finish()
	}
	return order, nil
}

// cString reads a NUL-terminated string attribute.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
