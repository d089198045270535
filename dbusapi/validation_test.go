package dbusapi

import (
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// Regression tests for docs/bad-input.md section 4c (D-Bus inputs).

// validFixture has an object for every interface: the device, peer A and
// a group where this device is GO.
type validFixture struct {
	*fixture
	c      *dbus.Conn
	objs   map[string]dbus.ObjectPath
	before int // backend calls logged when the fixture was ready
}

func newValidFixture(t *testing.T) *validFixture {
	t.Helper()
	f := newFixture(t)
	c := discovered(t, f)
	var g dbus.ObjectPath
	if err := callStore(t, c, phy0, ifaceDevice+".CreateGroup", []any{&g}, map[string]dbus.Variant{"bind": dbus.MakeVariant("none")}); err != nil {
		t.Fatal(err)
	}
	v := &validFixture{fixture: f, c: c, objs: map[string]dbus.ObjectPath{
		ifaceManager: RootPath, ifaceDevice: phy0, ifacePeer: peerA(), ifaceGroup: g,
		ifaceProperties: phy0, ifaceIntrospect: phy0, ifaceObjectManager: RootPath,
	}}
	v.before = len(f.dev.called(""))
	return v
}

// nothingApplied checks that no call reached the backend since the fixture
// was ready.
func (v *validFixture) nothingApplied(t *testing.T, what string) {
	t.Helper()
	if calls := v.dev.called(""); len(calls) != v.before {
		t.Errorf("%s reached the backend: %q", what, calls[v.before:])
		v.before = len(calls)
	}
}

// stillServing checks the service answers after a bad call.
func (v *validFixture) stillServing(t *testing.T) {
	t.Helper()
	if got := getProp(t, v.c, RootPath, ifaceManager, "Version").Value(); got != "test" {
		t.Fatalf("service not serving after a bad call: Version = %v", got)
	}
}

// validArg is a well-typed value for a single complete type.
func validArg(sig string) any {
	switch sig {
	case "a{sv}":
		return map[string]dbus.Variant{}
	case "s":
		return "x"
	case "o":
		return dbus.ObjectPath("/x")
	case "v":
		return dbus.MakeVariant("x")
	}
	panic("validArg: " + sig)
}

type methodCase struct {
	iface string
	m     methodSpec
	path  dbus.ObjectPath
}

// allMethods lists every method the service implements, with an object.
func (v *validFixture) allMethods() []methodCase {
	var out []methodCase
	for _, i := range apiSpec() {
		if i.Name == ifaceAgent {
			continue
		}
		for _, m := range i.Methods {
			out = append(out, methodCase{i.Name, m, v.objs[i.Name]})
		}
	}
	for _, name := range []string{ifaceProperties, ifaceIntrospect, ifaceObjectManager} {
		for _, m := range standardSpec()[name].Methods {
			out = append(out, methodCase{name, m, v.objs[name]})
		}
	}
	return out
}

// Bad-input 4c #5: body signature differs from the method's signature.
func TestEveryMethodRefusesABodyOfTheWrongSignatureWithInvalidArgs(t *testing.T) {
	v := newValidFixture(t)
	for _, mc := range v.allMethods() {
		good := make([]any, len(mc.m.In))
		for k, a := range mc.m.In {
			good[k] = validArg(a.Type)
		}
		bodies := [][]any{append(append([]any{}, good...), int32(1))} // one argument too many
		if len(good) > 0 {
			bodies = append(bodies, nil) // none at all
			wrong := append([]any{}, good...)
			switch mc.m.In[0].Type {
			case "s": // godbus's own decoding would turn int32 65 into "A"
				wrong[0] = int32(65)
			case "o":
				wrong[0] = "/not/typed/as/a/path"
			case "a{sv}":
				wrong[0] = map[string]string{"type": "social"}
			}
			bodies = append(bodies, wrong)
		}
		for _, body := range bodies {
			err := callErr(t, v.c, mc.path, mc.iface+"."+mc.m.Name, body...)
			if errName(err) != errDBusInvalidArgs {
				t.Errorf("%s.%s with signature %q: %v, want %s", mc.iface, mc.m.Name, dbus.SignatureOf(body...), err, errDBusInvalidArgs)
			}
		}
		v.stillServing(t)
	}
	v.nothingApplied(t, "calls with wrong signatures")
}

// Bad-input 4c #2: wrong variant types (Int16, UInt16, Int64, UInt64,
// Double, Signature... where another type is documented).
func TestEveryOptionRefusesAVariantOfAnotherType(t *testing.T) {
	v := newValidFixture(t)
	wrongs := []any{int16(1), uint16(1), int32(1), int64(1), uint64(1), float64(1), dbus.Signature{},
		"s", uint32(1), true, byte(1), [][]byte{{1}}, []string{"x"}, dbus.ObjectPath("/"), []byte{1}}
	n := 0
	for _, mc := range v.allMethods() {
		for _, o := range mc.m.Options {
			for _, w := range wrongs {
				if dbus.SignatureOf(w).String() == o.Type {
					continue
				}
				err := callErr(t, v.c, mc.path, mc.iface+"."+mc.m.Name, map[string]dbus.Variant{o.Key: dbus.MakeVariant(w)})
				if errName(err) != ErrorPrefix+"InvalidArguments" || !strings.Contains(err.Error(), o.Key) {
					t.Errorf("%s(%s: %T): %v, want InvalidArguments naming the key", mc.m.Name, o.Key, w, err)
				}
				n++
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d cases", n)
	}
	v.stillServing(t)
	v.nothingApplied(t, "options of the wrong type")
}

// Bad-input 4c #2: unknown keys.
func TestEveryOptionsArgumentRefusesUnknownKeys(t *testing.T) {
	v := newValidFixture(t)
	for _, mc := range v.allMethods() {
		if len(mc.m.In) == 0 || mc.m.In[0].Type != "a{sv}" {
			continue
		}
		for _, key := range []string{"bogus", "Method", "module_path", strings.Repeat("k", 300)} {
			err := callErr(t, v.c, mc.path, mc.iface+"."+mc.m.Name, map[string]dbus.Variant{key: dbus.MakeVariant("x")})
			if errName(err) != ErrorPrefix+"InvalidArguments" {
				t.Errorf("%s with key %.20q: %v", mc.m.Name, key, err)
			}
		}
		many := map[string]dbus.Variant{}
		for k := range 40 {
			many[strings.Repeat("x", k+1)] = dbus.MakeVariant(true)
		}
		if err := callErr(t, v.c, mc.path, mc.iface+"."+mc.m.Name, many); errName(err) != ErrorPrefix+"InvalidArguments" {
			t.Errorf("%s with 40 keys: %v", mc.m.Name, err)
		}
	}
	v.stillServing(t)
	v.nothingApplied(t, "unknown keys")
}

func vs(kv ...any) map[string]dbus.Variant {
	m := map[string]dbus.Variant{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = dbus.MakeVariant(kv[i+1])
	}
	return m
}

func deviceTypes(n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, size)
	}
	return out
}

// Bad-input 4c #2, #3, #4, #8: out-of-range numbers, bad enums, wrong
// byte lengths, too many entries, oversized strings: InvalidArguments
// naming the problem, and nothing applied (a valid option next to a bad
// one is not applied either).
func TestOutOfRangeAndMalformedValuesAreInvalidArguments(t *testing.T) {
	v := newValidFixture(t)
	huge := strings.Repeat("x", 1<<20)
	start, connect, create, join := ifaceDevice+".StartDiscovery", ifacePeer+".Connect", ifaceDevice+".CreateGroup", ifaceGroup+".AllowJoin"
	for _, tc := range []struct {
		name   string
		method string
		opts   map[string]dbus.Variant
		want   string
	}{
		{"DiscoveryTypeFoo", start, vs("type", "foo"), `"foo" is not one of`},
		{"DiscoveryTimeoutZero", start, vs("type", "social", "timeout", uint32(0)), "out of range"},
		{"DiscoveryTimeoutTooLong", start, vs("timeout", uint32(3601)), "out of range"},
		{"SeventeenDeviceTypes", start, vs("device_types", deviceTypes(17, 8)), "at most 16"},
		{"DeviceTypeOfSevenOctets", start, vs("device_types", deviceTypes(1, 7)), "not 8"},
		{"ListenTimeoutZero", ifaceDevice + ".StartListen", vs("timeout", uint32(0)), "out of range"},
		{"GOIntent16", connect, vs("go_intent", uint32(16)), "0..15"},
		{"WPSMethodFoo", connect, vs("method", "foo"), `"foo" is not one of`},
		{"PINOfThreeDigits", connect, vs("method", "pin-keypad", "pin", "123"), "4 or 8 digits"},
		{"PINWithLetters", connect, vs("method", "pin-keypad", "pin", "12a4"), "4 or 8 digits"},
		{"PINWithPBC", connect, vs("pin", "1234"), `not valid with method "pbc"`},
		{"FrequencyZero", connect, vs("frequency", uint32(0)), "not a 2.4, 5 or 6 GHz channel"},
		{"JoinWithGOIntent", connect, vs("join", true, "go_intent", uint32(0)), "not valid with join"},
		{"BindFoo", connect, vs("bind", "later"), `"later" is not one of`},
		{"OversizedMethod", connect, vs("method", huge), "at most 256"},
		{"BandFoo", create, vs("band", "60ghz"), `"60ghz" is not one of`},
		{"BandAndFrequency", create, vs("band", "5ghz", "frequency", uint32(5180)), "exclude each other"},
		{"ShortPassphrase", create, vs("passphrase", "short"), "8 to 63"},
		{"LongPassphrase", create, vs("passphrase", strings.Repeat("p", 64)), "at most 63"},
		{"PassphraseWithControl", create, vs("passphrase", "pass\nword"), "printable ASCII"},
		{"OversizedPassphrase", create, vs("passphrase", huge), "at most 63"},
		{"JoinTimeoutTooLong", join, vs("timeout", uint32(601)), "out of range"},
		{"JoinPeerUnknown", join, vs("peer", dbus.ObjectPath("/foo")), "not a peer of this device"},
		{"JoinPeerIsTheDevice", join, vs("peer", phy0), "not a peer of this device"},
		{"JoinPeerMalformedPath", join, vs("peer", dbus.ObjectPath(RootPath+"/phy0/Interfaces/1234/Networks/1234")), "not a peer"},
		{"JoinPeerPathTooLong", join, vs("peer", dbus.ObjectPath("/"+strings.Repeat("a", 300))), "at most 255"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := phy0
			switch {
			case strings.HasPrefix(tc.method, ifacePeer):
				path = peerA()
			case strings.HasPrefix(tc.method, ifaceGroup):
				path = v.objs[ifaceGroup]
			}
			err := callErr(t, v.c, path, tc.method, tc.opts)
			if errName(err) != ErrorPrefix+"InvalidArguments" || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want InvalidArguments saying %q", err, tc.want)
			}
			v.stillServing(t)
			v.nothingApplied(t, tc.name)
		})
	}
}

// Bad-input 4c #1, #6, #8: unknown or malformed paths, interfaces,
// methods; oversized string and path arguments.
func TestBadPathsNamesAndStringArgumentsGetNamedErrors(t *testing.T) {
	v := newValidFixture(t)
	huge := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name   string
		path   dbus.ObjectPath
		method string
		args   []any
		want   string
	}{
		{"UnknownObject", "/foo", ifaceDevice + ".StopDiscovery", nil, errDBusUnknownObject},
		{"WpaSupplicantStylePath", RootPath + "/Interfaces/1234/Networks/1234", ifaceDevice + ".StopDiscovery", nil, errDBusUnknownObject},
		{"UnknownPeer", peerPath("phy0", api.MAC{9, 9, 9, 9, 9, 9}), ifacePeer + ".Disconnect", nil, errDBusUnknownObject},
		{"InterfaceOfAnotherObject", phy0, ifacePeer + ".Disconnect", nil, errDBusUnknownInterface},
		{"UnknownInterface", phy0, "org.freedesktop.WiFiP2P.Device2.StopDiscovery", nil, errDBusUnknownInterface},
		{"UnknownMethod", phy0, ifaceDevice + ".Flush", nil, errDBusUnknownMethod},
		{"AgentInterfaceIsNotOurs", RootPath, ifaceAgent + ".Release", nil, errDBusUnknownInterface},
		{"OversizedMethodArgument", peerA(), ifacePeer + ".ProvisionDiscovery", []any{huge}, ErrorPrefix + "InvalidArguments"},
		{"MethodFoo", peerA(), ifacePeer + ".ProvisionDiscovery", []any{"auto"}, ErrorPrefix + "InvalidArguments"},
		{"OversizedCapability", RootPath, ifaceManager + ".RegisterAgent", []any{agentPath, huge}, ErrorPrefix + "InvalidArguments"},
		{"OversizedAgentPath", RootPath, ifaceManager + ".RegisterAgent", []any{dbus.ObjectPath("/" + strings.Repeat("a", 300)), ""}, ErrorPrefix + "InvalidArguments"},
		{"UnregisterUnknownAgent", RootPath, ifaceManager + ".UnregisterAgent", []any{agentPath}, ErrorPrefix + "NotFound"},
		{"GetOversizedName", phy0, ifaceProperties + ".Get", []any{ifaceDevice, huge}, errDBusUnknownProperty},
		{"GetUnknownInterface", phy0, ifaceProperties + ".Get", []any{ifaceGroup, "Role"}, errDBusUnknownInterface},
		{"GetAllUnknownInterface", phy0, ifaceProperties + ".GetAll", []any{huge}, errDBusUnknownInterface},
		{"SetWrongType", phy0, ifaceProperties + ".Set", []any{ifaceDevice, "Name", dbus.MakeVariant(int32(1))}, errDBusInvalidArgs},
		{"SetReadOnly", phy0, ifaceProperties + ".Set", []any{ifaceDevice, "Address", dbus.MakeVariant("00:00:00:00:00:00")}, errDBusPropertyReadOnly},
		{"SetUnknown", phy0, ifaceProperties + ".Set", []any{ifaceDevice, "ModulePath", dbus.MakeVariant("/tmp/evil.so")}, errDBusUnknownProperty},
		{"SetNameTooLong", phy0, ifaceProperties + ".Set", []any{ifaceDevice, "Name", dbus.MakeVariant(strings.Repeat("n", 33))}, ErrorPrefix + "InvalidArguments"},
		{"SetNameHuge", phy0, ifaceProperties + ".Set", []any{ifaceDevice, "Name", dbus.MakeVariant(huge)}, ErrorPrefix + "InvalidArguments"},
		{"SetNameEmpty", phy0, ifaceProperties + ".Set", []any{ifaceDevice, "Name", dbus.MakeVariant("")}, ErrorPrefix + "InvalidArguments"},
		{"SetNameControl", phy0, ifaceProperties + ".Set", []any{ifaceDevice, "Name", dbus.MakeVariant("a\x07b")}, ErrorPrefix + "InvalidArguments"},
		{"SetGOIntent16", phy0, ifaceProperties + ".Set", []any{ifaceDevice, "GOIntent", dbus.MakeVariant(uint32(16))}, ErrorPrefix + "InvalidArguments"},
		{"SetOnAPeer", peerA(), ifaceProperties + ".Set", []any{ifacePeer, "Name", dbus.MakeVariant("x")}, errDBusPropertyReadOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := callErr(t, v.c, tc.path, tc.method, tc.args...)
			if errName(err) != tc.want {
				t.Errorf("got %v (%s), want %s", err, errName(err), tc.want)
			}
			v.stillServing(t)
			v.nothingApplied(t, tc.name)
		})
	}
}

// A call without an interface name resolves by member name (the D-Bus
// specification allows it).
func TestACallWithoutInterfaceIsResolvedByMember(t *testing.T) {
	v := newValidFixture(t)
	if c := rawCall(t, v.c, phy0, "", "StartListen", 0, map[string]dbus.Variant{}); c.Err != nil {
		t.Errorf("StartListen without interface: %v", c.Err)
	}
	if c := rawCall(t, v.c, phy0, "", "Nonsense", 0); errName(c.Err) != errDBusUnknownMethod {
		t.Errorf("unknown member without interface: %v", c.Err)
	}
}

// What godbus v5.2.4 would do without the dispatcher's signature check:
// its default decoding converts rather than checks.
func TestGodbusStoreConvertsMismatchedTypes(t *testing.T) {
	var s string
	if err := dbus.Store([]any{int32(65)}, &s); err != nil || s != "A" {
		t.Errorf("Store(int32 65) into a string: %q, %v", s, err)
	}
	var b byte
	if err := dbus.Store([]any{uint64(300)}, &b); err != nil || b != 44 {
		t.Errorf("Store(uint64 300) into a byte: %d, %v", b, err)
	}
	var u string
	if err := dbus.Store([]any{dbus.MakeVariant("x")}, &u); err != nil || u != "x" {
		t.Errorf("Store(variant) into a string: %q, %v", u, err)
	}
}
