package dbusapi

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// options is a checked a{sv} argument: every key is known and every value
// has the documented type (docs/bad-input.md 4c #2).
type options map[string]dbus.Variant

// clip shortens a caller-supplied string for an error message.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	return s
}

// checkOptions checks an a{sv} against the method's option table before
// anything is applied.
func checkOptions(m map[string]dbus.Variant, spec []optionSpec) (options, error) {
	if len(m) > maxOptions {
		return nil, invalidArgs("%d options, at most %d", len(m), maxOptions)
	}
	for k, v := range m {
		if len(k) > maxStringArg {
			return nil, invalidArgs("option key of %d octets, at most %d", len(k), maxStringArg)
		}
		var want string
		for _, o := range spec {
			if o.Key == k {
				want = o.Type
			}
		}
		if want == "" {
			known := make([]string, len(spec))
			for i, o := range spec {
				known[i] = o.Key
			}
			if len(known) == 0 {
				return nil, invalidArgs("unknown option %q (this method takes none)", clip(k))
			}
			return nil, invalidArgs("unknown option %q (known: %s)", clip(k), strings.Join(known, ", "))
		}
		if got := v.Signature().String(); got != want {
			return nil, invalidArgs("option %q must have type %q, not %q", k, want, clip(got))
		}
	}
	return options(m), nil
}

func (o options) has(k string) bool { _, ok := o[k]; return ok }

// str returns a string option, at most max octets of valid UTF-8.
func (o options) str(k string, max int) (string, bool, error) {
	v, ok := o[k]
	if !ok {
		return "", false, nil
	}
	s, _ := v.Value().(string)
	if err := checkString(k, s, max); err != nil {
		return "", false, err
	}
	return s, true, nil
}

func checkString(what, s string, max int) error {
	if len(s) > max {
		return invalidArgs("%s is %d octets long, at most %d", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return invalidArgs("%s is not valid UTF-8", what)
	}
	return nil
}

func (o options) u32(k string) (uint32, bool) {
	v, ok := o[k]
	if !ok {
		return 0, false
	}
	u, _ := v.Value().(uint32)
	return u, true
}

func (o options) boolean(k string) bool {
	v, ok := o[k]
	if !ok {
		return false
	}
	b, _ := v.Value().(bool)
	return b
}

func (o options) path(k string) (dbus.ObjectPath, bool, error) {
	v, ok := o[k]
	if !ok {
		return "", false, nil
	}
	p, _ := v.Value().(dbus.ObjectPath)
	if err := checkPath(k, p); err != nil {
		return "", false, err
	}
	return p, true, nil
}

func checkPath(what string, p dbus.ObjectPath) error {
	if len(p) > maxPathArg {
		return invalidArgs("%s is %d octets long, at most %d", what, len(p), maxPathArg)
	}
	if !p.IsValid() {
		return invalidArgs("%s %q is not a valid object path", what, clip(string(p)))
	}
	return nil
}

func (o options) timeout(k string, max uint32) (time.Duration, error) {
	t, ok := o.u32(k)
	if !ok {
		return 0, nil
	}
	if t < 1 || t > max {
		return 0, invalidArgs("option %q: %d is out of range 1..%d seconds", k, t, max)
	}
	return time.Duration(t) * time.Second, nil
}

func (o options) frequency(k string) (uint32, error) {
	f, ok := o.u32(k)
	if !ok {
		return 0, nil
	}
	if f < 2412 || f > 7125 {
		return 0, invalidArgs("option %q: %d MHz is not a 2.4, 5 or 6 GHz channel (2412..7125)", k, f)
	}
	return f, nil
}

// enum returns the index in values of a string option, or def when absent.
func (o options) enum(k string, values []string, def int) (int, error) {
	s, ok, err := o.str(k, maxStringArg)
	if err != nil || !ok {
		return def, err
	}
	return enumIndex("option "+k, s, values)
}

func enumIndex(what, s string, values []string) (int, error) {
	for i, v := range values {
		if v == s {
			return i, nil
		}
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return 0, invalidArgs("%s: %q is not one of %s", what, clip(s), strings.Join(quoted, ", "))
}

// checkPIN accepts 4 or 8 ASCII digits.
func checkPIN(what, pin string) error {
	if len(pin) != 4 && len(pin) != 8 {
		return invalidArgs("%s must be 4 or 8 digits, got %d characters", what, utf8.RuneCountInString(pin))
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return invalidArgs("%s must be 4 or 8 digits", what)
		}
	}
	return nil
}

// checkDeviceName accepts 1..32 octets of UTF-8 without control
// characters (the P2P Device Name, Wi-Fi P2P v1.7, 4.1.15).
func checkDeviceName(name string) error {
	if name == "" {
		return invalidArgs("Name must not be empty")
	}
	if len(name) > maxNameLen {
		return invalidArgs("Name is %d octets long, at most %d", len(name), maxNameLen)
	}
	if !utf8.ValidString(name) {
		return invalidArgs("Name is not valid UTF-8")
	}
	if sanitize(name, maxNameLen) != name {
		return invalidArgs("Name contains control characters")
	}
	return nil
}

func methodIndex(what, s string, allowAuto bool) (api.WPSMethod, error) {
	values := []string{"auto", "pbc", "pin-display", "pin-keypad"} // WPSMethod order
	if !allowAuto {
		values = values[1:]
	}
	i, err := enumIndex(what, s, values)
	if err != nil {
		return 0, err
	}
	if !allowAuto {
		i++
	}
	return api.WPSMethod(i), nil
}

// leaseRequest is one client's discovery or listen lease.
type leaseRequest struct {
	discovery api.DiscoveryOptions
	timeout   time.Duration
}

func parseDiscovery(o options) (leaseRequest, error) {
	var r leaseRequest
	t, err := o.enum("type", []string{"full", "social", "progressive"}, 0)
	if err != nil {
		return r, err
	}
	r.discovery.Type = api.DiscoveryType(t)
	if v, ok := o["device_types"]; ok {
		raw, _ := v.Value().([][]byte)
		if len(raw) > maxDeviceTypes {
			return r, invalidArgs("option \"device_types\": %d device types, at most %d", len(raw), maxDeviceTypes)
		}
		for i, b := range raw {
			dt, ok := deviceTypeFromBytes(b)
			if !ok {
				return r, invalidArgs("option \"device_types\": entry %d is %d octets, not 8", i, len(b))
			}
			r.discovery.DeviceTypes = append(r.discovery.DeviceTypes, dt)
		}
	}
	if r.timeout, err = o.timeout("timeout", maxLeaseTimeout); err != nil {
		return r, err
	}
	return r, nil
}

func parseListen(o options) (leaseRequest, error) {
	t, err := o.timeout("timeout", maxLeaseTimeout)
	return leaseRequest{timeout: t}, err
}

func parseBind(o options) (bool, error) {
	i, err := o.enum("bind", []string{"client", "none"}, 0)
	return i == 0, err
}

func parseCreateGroup(o options) (api.GroupOptions, bool, error) {
	var g api.GroupOptions
	g.Persistent = o.boolean("persistent")
	if o.has("band") && o.has("frequency") {
		return g, false, invalidArgs("options \"band\" and \"frequency\" exclude each other")
	}
	b, err := o.enum("band", []string{"", "2.4ghz", "5ghz", "6ghz"}, 0)
	if err != nil {
		return g, false, err
	}
	if o.has("band") && b == 0 {
		return g, false, invalidArgs(`option "band": "" is not one of "2.4ghz", "5ghz", "6ghz"`)
	}
	g.Band = api.Band(b)
	if g.Frequency, err = o.frequency("frequency"); err != nil {
		return g, false, err
	}
	if p, ok, err := o.str("passphrase", 63); err != nil {
		return g, false, err
	} else if ok {
		if len(p) < 8 {
			return g, false, invalidArgs("option \"passphrase\" must be 8 to 63 characters, got %d", len(p))
		}
		for i := 0; i < len(p); i++ {
			if p[i] < 0x20 || p[i] > 0x7e {
				return g, false, invalidArgs("option \"passphrase\" must be printable ASCII")
			}
		}
		g.Passphrase = p
	}
	bind, err := parseBind(o)
	return g, bind, err
}

func parseConnect(o options) (api.ConnectOptions, bool, error) {
	var c api.ConnectOptions
	c.Method = api.MethodPBC
	if s, ok, err := o.str("method", maxStringArg); err != nil {
		return c, false, err
	} else if ok {
		if c.Method, err = methodIndex("option method", s, true); err != nil {
			return c, false, err
		}
	}
	if pin, ok, err := o.str("pin", maxStringArg); err != nil {
		return c, false, err
	} else if ok {
		if c.Method == api.MethodPBC {
			return c, false, invalidArgs("option \"pin\" is not valid with method \"pbc\"")
		}
		if err := checkPIN("option \"pin\"", pin); err != nil {
			return c, false, err
		}
		c.PIN = pin
	}
	c.Join = o.boolean("join")
	if c.Join {
		for _, k := range []string{"go_intent", "persistent", "frequency"} {
			if o.has(k) {
				return c, false, invalidArgs("option %q is not valid with join", k)
			}
		}
	}
	if gi, ok := o.u32("go_intent"); ok {
		if gi > 15 {
			return c, false, invalidArgs("option \"go_intent\": %d is out of range 0..15", gi)
		}
		c.GOIntent, c.HasGOIntent = uint8(gi), true
	}
	c.Persistent = o.boolean("persistent")
	var err error
	if c.Frequency, err = o.frequency("frequency"); err != nil {
		return c, false, err
	}
	if c.ForceFrequency, err = parseForceFrequency(o, c.Frequency); err != nil {
		return c, false, err
	}
	bind, err := parseBind(o)
	return c, bind, err
}

// parseForceFrequency reads force_frequency, which needs a frequency.
func parseForceFrequency(o options, freq uint32) (bool, error) {
	force := o.boolean("force_frequency")
	if force && freq == 0 {
		return false, invalidArgs("option \"force_frequency\" needs \"frequency\"")
	}
	return force, nil
}

// parsePlan checks PlanGroup's options: CreateGroup's, or Connect's when
// a peer is given; peer resolves a Peer1 path of the device.
func parsePlan(o options, peer func(dbus.ObjectPath) (api.MAC, bool)) (api.PlanOptions, error) {
	var p api.PlanOptions
	if path, ok, err := o.path("peer"); err != nil {
		return p, err
	} else if ok {
		m, found := peer(path)
		if !found {
			return p, invalidArgs("option \"peer\": %q is not a peer of this device", clip(string(path)))
		}
		p.Peer, p.HasPeer = m, true
	}
	p.Join = o.boolean("join")
	if p.Join && !p.HasPeer {
		return p, invalidArgs("option \"join\" needs \"peer\"")
	}
	if o.has("band") && o.has("frequency") {
		return p, invalidArgs("options \"band\" and \"frequency\" exclude each other")
	}
	b, err := o.enum("band", []string{"", "2.4ghz", "5ghz", "6ghz"}, 0)
	if err != nil {
		return p, err
	}
	if o.has("band") && b == 0 {
		return p, invalidArgs(`option "band": "" is not one of "2.4ghz", "5ghz", "6ghz"`)
	}
	p.Band = api.Band(b)
	if p.Frequency, err = o.frequency("frequency"); err != nil {
		return p, err
	}
	p.ForceFrequency, err = parseForceFrequency(o, p.Frequency)
	return p, err
}

// parseAllowJoin checks AllowJoin's options; peer resolves a Peer1 path of
// the group's device.
func parseAllowJoin(o options, peer func(dbus.ObjectPath) (api.MAC, bool)) (api.JoinOptions, error) {
	j := api.JoinOptions{Method: api.MethodPBC, Timeout: defaultJoinWindow * time.Second}
	if s, ok, err := o.str("method", maxStringArg); err != nil {
		return j, err
	} else if ok {
		if j.Method, err = methodIndex("option method", s, false); err != nil {
			return j, err
		}
	}
	if pin, ok, err := o.str("pin", maxStringArg); err != nil {
		return j, err
	} else if ok {
		if j.Method == api.MethodPBC {
			return j, invalidArgs("option \"pin\" is not valid with method \"pbc\"")
		}
		if err := checkPIN("option \"pin\"", pin); err != nil {
			return j, err
		}
		j.PIN = pin
	}
	if p, ok, err := o.path("peer"); err != nil {
		return j, err
	} else if ok {
		m, found := peer(p)
		if !found {
			return j, invalidArgs("option \"peer\": %q is not a peer of this device", clip(string(p)))
		}
		j.Peer, j.HasPeer = m, true
	}
	if o.has("timeout") {
		t, err := o.timeout("timeout", maxJoinTimeout)
		if err != nil {
			return j, err
		}
		j.Timeout = t
	}
	return j, nil
}

func parseCapability(s string) (api.AgentCapability, error) {
	if err := checkString("capability", s, maxStringArg); err != nil {
		return 0, err
	}
	// AgentCapability order, "" meaning keyboard-display.
	i, err := enumIndex("capability", s, []string{"", "keyboard-display", "display-only", "keyboard-only", "no-input-no-output"})
	if err != nil {
		return 0, err
	}
	if i == 0 {
		return api.AgentKeyboardDisplay, nil
	}
	return api.AgentCapability(i), nil
}
