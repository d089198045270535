package dbusapi

import (
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// Caps on strings that go into properties after sanitising (a replaced
// byte grows to the 3 octets of U+FFFD).
const (
	maxAirName   = 4 * maxNameLen
	maxAirString = 256
)

// sanitize makes an air-supplied (or backend-supplied) string safe for a
// D-Bus property (docs/bad-input.md 4c #11): invalid UTF-8, control
// characters and bidirectional overrides become U+FFFD, and the result is
// cut, at a character boundary, to maxLen octets.
func sanitize(s string, maxLen int) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || isBidiControl(r) {
			clean = false
			break
		}
	}
	if clean && len(s) <= maxLen {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if unicode.IsControl(r) || isBidiControl(r) {
			r = utf8.RuneError
		}
		if b.Len()+utf8.RuneLen(r) > maxLen {
			break
		}
		b.WriteRune(r)
		s = s[size:]
	}
	return b.String()
}

// isBidiControl reports the Unicode bidirectional formatting characters
// (embeddings, overrides, isolates, marks) used to disguise text.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// pathElement maps a device ID to a valid object path element.
func pathElement(id api.DeviceID) string {
	if id == "" {
		return "_"
	}
	b := []byte(id)
	if len(b) > 64 {
		b = b[:64]
	}
	for k, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[k] = '_'
		}
	}
	return string(b)
}

func devicePath(id api.DeviceID) dbus.ObjectPath {
	return dbus.ObjectPath(RootPath + "/" + pathElement(id))
}

func peerPath(dev api.DeviceID, m api.MAC) dbus.ObjectPath {
	return dbus.ObjectPath(string(devicePath(dev)) + "/peers/" + macElement(m))
}

func groupPath(dev api.DeviceID, g api.GroupID) dbus.ObjectPath {
	return dbus.ObjectPath(string(devicePath(dev)) + "/groups/" + strconv.FormatUint(uint64(g), 10))
}

// macElement is aa_bb_cc_dd_ee_ff.
func macElement(m api.MAC) string {
	h := hex.EncodeToString(m[:])
	var b strings.Builder
	for k := 0; k < 12; k += 2 {
		if k > 0 {
			b.WriteByte('_')
		}
		b.WriteString(h[k : k+2])
	}
	return b.String()
}

// deviceCategory names the category of a WSC device type (WSC v2.0.5,
// Table 41, WFA OUI 00 50 F2 04 only).
func deviceCategory(t api.DeviceType) string {
	if t == (api.DeviceType{}) {
		return "unknown"
	}
	if t.OUI != [4]byte{0x00, 0x50, 0xf2, 0x04} {
		return "unknown"
	}
	names := []string{1: "computer", 2: "input", 3: "printer", 4: "camera", 5: "storage",
		6: "network-infrastructure", 7: "display", 8: "multimedia", 9: "gaming", 10: "telephone",
		11: "audio", 12: "docking"}
	if t.Category == 255 {
		return "other"
	}
	if int(t.Category) < len(names) && names[t.Category] != "" {
		return names[t.Category]
	}
	return "unknown"
}

type bitName struct {
	bit  uint16
	name string
}

// WSC Config Methods bits (WSC v2.0.5, Table 33).
func configMethodNames() []bitName {
	return []bitName{
		{0x0001, "usba"}, {0x0002, "ethernet"}, {0x0004, "label"}, {0x0008, "display"},
		{0x0010, "external-nfc-token"}, {0x0020, "integrated-nfc-token"}, {0x0040, "nfc-interface"},
		{0x0080, "push-button"}, {0x0100, "keypad"}, {0x0200, "virtual-push-button"},
		{0x0400, "physical-push-button"}, {0x1000, "p2ps"}, {0x2000, "virtual-display"},
		{0x4000, "physical-display"},
	}
}

// Device Capability Bitmap (Wi-Fi P2P v1.7, Table 12; bit 6 from v1.8).
func deviceCapNames() []bitName {
	return []bitName{
		{0x01, "service-discovery"}, {0x02, "client-discoverability"}, {0x04, "concurrent-operation"},
		{0x08, "infrastructure-managed"}, {0x10, "device-limit"}, {0x20, "invitation-procedure"},
		{0x40, "6ghz-band"},
	}
}

// Group Capability Bitmap (Wi-Fi P2P v1.7, Table 13).
func groupCapNames() []bitName {
	return []bitName{
		{0x01, "group-owner"}, {0x02, "persistent-group"}, {0x04, "group-limit"},
		{0x08, "intra-bss-distribution"}, {0x10, "cross-connection"}, {0x20, "persistent-reconnect"},
		{0x40, "group-formation"}, {0x80, "ip-address-allocation"},
	}
}

func bitNames(v uint16, table []bitName) []string {
	out := []string{}
	for _, b := range table {
		if v&b.bit != 0 {
			out = append(out, b.name)
		}
	}
	return out
}

func deviceTypesBytes(ts []api.DeviceType) [][]byte {
	out := make([][]byte, 0, len(ts))
	for _, t := range ts {
		out = append(out, deviceTypeBytes(t))
	}
	return out
}

// errorPair is LastError's (ss).
type errorPair struct {
	Name    string
	Message string
}

func lastError(err error) errorPair {
	if err == nil {
		return errorPair{}
	}
	de := toDBusError(err)
	return errorPair{de.Name, sanitize(de.Error(), maxAirString)}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type limitEntry struct {
	Max   uint32
	Types []string
}

func deviceProps(d api.DeviceInfo) map[string]dbus.Variant {
	caps := d.Capabilities
	bands := make([]string, 0, len(caps.Bands))
	for _, b := range caps.Bands {
		bands = append(bands, b.String())
	}
	combos := make([]map[string]dbus.Variant, 0, len(caps.Combinations))
	for _, c := range caps.Combinations {
		limits := make([]limitEntry, 0, len(c.Limits))
		for _, l := range c.Limits {
			types := make([]string, 0, len(l.Types))
			for _, t := range l.Types {
				types = append(types, sanitize(t, 32))
			}
			limits = append(limits, limitEntry{l.Max, types})
		}
		combos = append(combos, map[string]dbus.Variant{
			"limits":         dbus.MakeVariant(limits),
			"max_interfaces": dbus.MakeVariant(c.MaxInterfaces),
			"channels":       dbus.MakeVariant(c.Channels),
		})
	}
	return map[string]dbus.Variant{
		"Name":              dbus.MakeVariant(sanitize(d.Name, maxAirName)),
		"Address":           dbus.MakeVariant(d.Address.String()),
		"PrimaryDeviceType": dbus.MakeVariant(deviceTypeBytes(d.PrimaryDeviceType)),
		"Enabled":           dbus.MakeVariant(d.Enabled),
		"Discovering":       dbus.MakeVariant(d.Discovering),
		"Listening":         dbus.MakeVariant(d.Listening),
		"GOIntent":          dbus.MakeVariant(uint32(d.GOIntent)),
		"Capabilities": dbus.MakeVariant(map[string]dbus.Variant{
			"bands":                  dbus.MakeVariant(bands),
			"frequencies":            dbus.MakeVariant(orEmpty(append([]uint32(nil), caps.Frequencies...))),
			"max_groups":             dbus.MakeVariant(caps.MaxGroups),
			"p2p_device":             dbus.MakeVariant(caps.P2PDevice),
			"interface_combinations": dbus.MakeVariant(combos),
		}),
		"Availability":       dbus.MakeVariant(d.Availability.String()),
		"AvailabilityDetail": dbus.MakeVariant(sanitize(d.AvailabilityDetail, maxAirString)),
		"Radio":              dbus.MakeVariant(radioProps(d.Radio)),
	}
}

// radioProps renders Device1.Radio.
func radioProps(r api.RadioInfo) map[string]dbus.Variant {
	ifaces := make([]map[string]dbus.Variant, 0, len(r.Interfaces))
	for _, i := range r.Interfaces {
		ifaces = append(ifaces, map[string]dbus.Variant{
			"name":      dbus.MakeVariant(sanitize(i.Name, 32)),
			"type":      dbus.MakeVariant(sanitize(i.Type, 32)),
			"frequency": dbus.MakeVariant(i.Frequency),
			"ours":      dbus.MakeVariant(i.Ours),
			"manager":   dbus.MakeVariant(sanitize(i.Manager, maxAirString)),
		})
	}
	rfkill := "unblocked"
	switch {
	case r.RFKillHard:
		rfkill = "hard-blocked"
	case r.RFKillSoft:
		rfkill = "soft-blocked"
	}
	return map[string]dbus.Variant{
		"interfaces":          dbus.MakeVariant(ifaces),
		"channels":            dbus.MakeVariant(r.Channels),
		"frequencies_in_use":  dbus.MakeVariant(orEmpty(append([]uint32(nil), r.InUse...))),
		"allowed_frequencies": dbus.MakeVariant(orEmpty(append([]uint32(nil), r.Allowed...))),
		"groups_available":    dbus.MakeVariant(r.GroupsAvailable),
		"rfkill":              dbus.MakeVariant(rfkill),
	}
}

// planProps renders PlanGroup's answer.
func planProps(p api.GroupPlan) map[string]dbus.Variant {
	name := ""
	if p.Err != nil {
		name = toDBusError(p.Err).Name
	}
	clipAll := func(list []string) []string {
		out := make([]string, 0, len(list))
		for _, x := range list {
			out = append(out, sanitize(x, maxAirString))
		}
		return out
	}
	return map[string]dbus.Variant{
		"possible":   dbus.MakeVariant(p.Possible),
		"frequency":  dbus.MakeVariant(p.Frequency),
		"decision":   dbus.MakeVariant(p.Decision.String()),
		"reason":     dbus.MakeVariant(sanitize(p.Reason, maxAirString)),
		"conflicts":  dbus.MakeVariant(clipAll(p.Conflicts)),
		"interrupts": dbus.MakeVariant(clipAll(p.Interrupts)),
		"error":      dbus.MakeVariant(name),
	}
}

// peerProps renders a peer; groups are the groups it shares with us.
func peerProps(p api.PeerInfo, groups []dbus.ObjectPath) map[string]dbus.Variant {
	var lastSeen int64
	if !p.LastSeen.IsZero() {
		lastSeen = p.LastSeen.UnixMilli()
	}
	wfd := map[string]dbus.Variant{}
	if w := p.WFD; w != nil {
		wfd["device_type"] = dbus.MakeVariant(w.DeviceType.String())
		wfd["session_available"] = dbus.MakeVariant(w.SessionAvailable)
		wfd["content_protection"] = dbus.MakeVariant(w.ContentProtection)
		wfd["rtsp_port"] = dbus.MakeVariant(w.RTSPPort)
		wfd["max_throughput"] = dbus.MakeVariant(w.MaxThroughput)
		wfd["subelements"] = dbus.MakeVariant(orEmpty(append([]byte(nil), w.Subelements...)))
	}
	return map[string]dbus.Variant{
		"Name":                 dbus.MakeVariant(sanitize(p.Name, maxAirName)),
		"Address":              dbus.MakeVariant(p.Address.String()),
		"PrimaryDeviceType":    dbus.MakeVariant(deviceTypeBytes(p.PrimaryDeviceType)),
		"DeviceCategory":       dbus.MakeVariant(deviceCategory(p.PrimaryDeviceType)),
		"SecondaryDeviceTypes": dbus.MakeVariant(deviceTypesBytes(p.SecondaryDeviceTypes)),
		"ConfigMethods":        dbus.MakeVariant(bitNames(uint16(p.ConfigMethods), configMethodNames())),
		"DeviceCapability":     dbus.MakeVariant(bitNames(uint16(p.DeviceCapability), deviceCapNames())),
		"GroupCapability":      dbus.MakeVariant(bitNames(uint16(p.GroupCapability), groupCapNames())),
		"IsGroupOwner":         dbus.MakeVariant(p.GroupOwner),
		"Manufacturer":         dbus.MakeVariant(sanitize(p.Manufacturer, maxAirString)),
		"Model":                dbus.MakeVariant(sanitize(p.Model, maxAirString)),
		"ModelNumber":          dbus.MakeVariant(sanitize(p.ModelNumber, maxAirString)),
		"SerialNumber":         dbus.MakeVariant(sanitize(p.SerialNumber, maxAirString)),
		"Signal":               dbus.MakeVariant(p.Signal),
		"LastSeen":             dbus.MakeVariant(lastSeen),
		"WFD":                  dbus.MakeVariant(wfd),
		"Connected":            dbus.MakeVariant(len(groups) > 0),
		"Groups":               dbus.MakeVariant(orEmpty(groups)),
		"LastError":            dbus.MakeVariant(lastError(p.LastError)),
	}
}

// groupProps renders a group of device dev; known tells whether a peer
// object exists for an address.
func groupProps(dev api.DeviceID, g api.GroupInfo, known func(api.MAC) bool) map[string]dbus.Variant {
	members := []dbus.ObjectPath{}
	for _, m := range g.Members {
		if known(m) {
			members = append(members, peerPath(dev, m))
		}
	}
	owner := dbus.ObjectPath("/")
	switch {
	case g.Role == api.RoleGO:
		owner = devicePath(dev)
	case known(g.GroupOwner):
		owner = peerPath(dev, g.GroupOwner)
	}
	local := make([]string, 0, len(g.LocalAddresses))
	for _, a := range g.LocalAddresses {
		local = append(local, a.String())
	}
	addrs := map[string]dbus.Variant{"local": dbus.MakeVariant(local)}
	if g.GroupOwnerAddress.IsValid() {
		addrs["group_owner"] = dbus.MakeVariant(g.GroupOwnerAddress.String())
	}
	if len(g.MemberAddresses) > 0 {
		ma := map[dbus.ObjectPath]string{}
		for m, a := range g.MemberAddresses {
			if known(m) && a.IsValid() {
				ma[peerPath(dev, m)] = a.String()
			}
		}
		addrs["members"] = dbus.MakeVariant(ma)
	}
	return map[string]dbus.Variant{
		"Role":       dbus.MakeVariant(g.Role.String()),
		"SSID":       dbus.MakeVariant(orEmpty(append([]byte(nil), g.SSID...))),
		"BSSID":      dbus.MakeVariant(g.BSSID.String()),
		"Frequency":  dbus.MakeVariant(g.Frequency),
		"Interface":  dbus.MakeVariant(sanitize(g.Interface, 64)),
		"Persistent": dbus.MakeVariant(g.Persistent),
		"Members":    dbus.MakeVariant(members),
		"GroupOwner": dbus.MakeVariant(owner),
		"Addresses":  dbus.MakeVariant(addrs),
	}
}

// deviceTypeBytes is the 8-octet wire form of a device type (big-endian
// Category, OUI, Sub Category).
func deviceTypeBytes(t api.DeviceType) []byte {
	return []byte{byte(t.Category >> 8), byte(t.Category), t.OUI[0], t.OUI[1], t.OUI[2], t.OUI[3],
		byte(t.SubCategory >> 8), byte(t.SubCategory)}
}

func deviceTypeFromBytes(b []byte) (api.DeviceType, bool) {
	if len(b) != 8 {
		return api.DeviceType{}, false
	}
	return api.DeviceType{
		Category:    uint16(b[0])<<8 | uint16(b[1]),
		OUI:         [4]byte{b[2], b[3], b[4], b[5]},
		SubCategory: uint16(b[6])<<8 | uint16(b[7]),
	}, true
}
