package dbusapi

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/api"
)

// Pure parts of the layer, without a bus.

func TestMergeDiscoveryTakesTheWidestScanAndFiltersOnlyWhenEveryLeaseDoes(t *testing.T) {
	display := api.DeviceType{Category: 7, OUI: [4]byte{0, 0x50, 0xf2, 4}, SubCategory: 1}
	phone := api.DeviceType{Category: 10, OUI: [4]byte{0, 0x50, 0xf2, 4}, SubCategory: 5}
	lease := func(typ api.DiscoveryType, types ...api.DeviceType) leaseRequest {
		return leaseRequest{discovery: api.DiscoveryOptions{Type: typ, DeviceTypes: types}}
	}
	many := make([]api.DeviceType, 17)
	for i := range many {
		many[i] = api.DeviceType{Category: uint16(i + 1)}
	}
	for _, tc := range []struct {
		name string
		in   []leaseRequest
		want api.DiscoveryOptions
	}{
		{"SocialOnly", []leaseRequest{lease(api.DiscoverSocial)}, api.DiscoveryOptions{Type: api.DiscoverSocial}},
		{"FullWins", []leaseRequest{lease(api.DiscoverSocial), lease(api.DiscoverFull)}, api.DiscoveryOptions{Type: api.DiscoverFull}},
		{"ProgressiveOverSocial", []leaseRequest{lease(api.DiscoverSocial), lease(api.DiscoverProgressive)}, api.DiscoveryOptions{Type: api.DiscoverProgressive}},
		{"UnionOfFilters", []leaseRequest{lease(api.DiscoverSocial, display), lease(api.DiscoverSocial, phone, display)}, api.DiscoveryOptions{Type: api.DiscoverSocial, DeviceTypes: []api.DeviceType{display, phone}}},
		{"OneUnfilteredLeaseDropsTheFilter", []leaseRequest{lease(api.DiscoverSocial, display), lease(api.DiscoverSocial)}, api.DiscoveryOptions{Type: api.DiscoverSocial}},
		{"MoreThan16TypesDropsTheFilter", []leaseRequest{lease(api.DiscoverSocial, many[:9]...), lease(api.DiscoverSocial, many[9:]...)}, api.DiscoveryOptions{Type: api.DiscoverSocial}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, mergeDiscovery(tc.in)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestLeaseSetKeepsNoLeaseWhenTheBackendRefuses(t *testing.T) {
	var calls []string
	fail := errors.New("radio busy")
	var refuse bool
	ls := newLeaseSet("discovery",
		func(_ context.Context, o api.DiscoveryOptions) error {
			if refuse {
				return fail
			}
			calls = append(calls, "start "+o.Type.String())
			return nil
		},
		func(context.Context) error { calls = append(calls, "stop"); return nil })
	ctx := context.Background()
	if err := ls.acquire(ctx, ":1.1", leaseRequest{discovery: api.DiscoveryOptions{Type: api.DiscoverSocial}}, nil); err != nil {
		t.Fatal(err)
	}
	refuse = true
	if err := ls.acquire(ctx, ":1.2", leaseRequest{}, nil); !errors.Is(err, fail) {
		t.Fatalf("got %v", err)
	}
	refuse = false
	if d := cmp.Diff([]string{":1.1"}, ls.holders()); d != "" {
		t.Errorf("holders (-want +got):\n%s", d)
	}
	if err := ls.release(ctx, ":1.2"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("release of a refused lease: %v", err)
	}
	if err := ls.release(ctx, ":1.1"); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"start social", "stop"}, calls); d != "" {
		t.Errorf("backend calls (-want +got):\n%s", d)
	}
}

func TestLeaseTimeoutReleasesOnlyTheLeaseItBelongsTo(t *testing.T) {
	expired := make(chan struct{}, 2)
	ls := newLeaseSet("listen", func(context.Context, api.DiscoveryOptions) error { return nil }, func(context.Context) error { return nil })
	ctx := context.Background()
	_ = ls.acquire(ctx, ":1.1", leaseRequest{timeout: 30 * time.Millisecond}, func() { expired <- struct{}{} })
	// Renewed without a timeout: the old timer must not fire.
	_ = ls.acquire(ctx, ":1.1", leaseRequest{}, func() { expired <- struct{}{} })
	select {
	case <-expired:
		t.Error("the replaced lease's timer fired")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestSanitizeMakesAirStringsSafeForProperties(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"Clean", "Living room TV", 32, "Living room TV"},
		{"CleanUnicode", "Télé 客厅", 32, "Télé 客厅"},
		{"InvalidUTF8", "a\xffb", 32, "a\ufffdb"},
		{"TruncatedRune", "ab\xe5\xae", 32, "ab\ufffd\ufffd"},
		{"NUL", "a\x00b", 32, "a\ufffdb"},
		{"Escape", "\x1b[2Jx", 32, "\ufffd[2Jx"},
		{"DEL", "a\x7f", 32, "a\ufffd"},
		{"C1", "a\u0085b", 32, "a\ufffdb"},
		{"BidiOverride", "evil\u202etxt.exe", 32, "evil\ufffdtxt.exe"},
		{"CutAtRuneBoundary", "aaé", 3, "aa"},
		{"CutLong", strings.Repeat("x", 300), 256, strings.Repeat("x", 256)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sanitize(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if !utf8.ValidString(got) || len(got) > tc.max {
				t.Errorf("result %q invalid or too long", got)
			}
		})
	}
}

func TestDeviceNamesAndPINsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"a", true}, {strings.Repeat("n", 32), true}, {"客厅电视", true},
		{"", false}, {strings.Repeat("n", 33), false}, {"tab\there", false}, {"rtl\u202e", false},
	} {
		if err := checkDeviceName(tc.name); (err == nil) != tc.ok {
			t.Errorf("checkDeviceName(%q) = %v", tc.name, err)
		}
	}
	for _, tc := range []struct {
		pin string
		ok  bool
	}{
		{"1234", true}, {"12345670", true}, {"123", false}, {"12345", false}, {"1234567a", false}, {"１２３４", false},
	} {
		if err := checkPIN("pin", tc.pin); (err == nil) != tc.ok {
			t.Errorf("checkPIN(%q) = %v", tc.pin, err)
		}
	}
}

func TestConnectOptionsTranslateToTheBackendsTerms(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string]dbus.Variant
		want api.ConnectOptions
		bind bool
	}{
		{"Defaults", vs(), api.ConnectOptions{Method: api.MethodPBC}, true},
		{"PinKeypadWithPin", vs("method", "pin-keypad", "pin", "12345670"), api.ConnectOptions{Method: api.MethodPINKeypad, PIN: "12345670"}, true},
		{"Auto", vs("method", "auto"), api.ConnectOptions{Method: api.MethodAuto}, true},
		{"GOIntentZero", vs("go_intent", uint32(0), "frequency", uint32(2437), "persistent", true),
			api.ConnectOptions{Method: api.MethodPBC, HasGOIntent: true, Frequency: 2437, Persistent: true}, true},
		{"JoinUnbound", vs("join", true, "bind", "none"), api.ConnectOptions{Method: api.MethodPBC, Join: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := peerSpec()
			o, err := checkOptions(tc.in, spec.method("Connect").Options)
			if err != nil {
				t.Fatal(err)
			}
			got, bind, err := parseConnect(o)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" || bind != tc.bind {
				t.Errorf("(-want +got):\n%s bind=%v", d, bind)
			}
		})
	}
}

func TestObjectPathsOfDevicesPeersAndGroups(t *testing.T) {
	for _, tc := range []struct{ got, want dbus.ObjectPath }{
		{devicePath("phy0"), "/org/freedesktop/WiFiP2P/phy0"},
		{devicePath("wlan-0.x"), "/org/freedesktop/WiFiP2P/wlan_0_x"},
		{devicePath(""), "/org/freedesktop/WiFiP2P/_"},
		{peerPath("phy0", api.MAC{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}), "/org/freedesktop/WiFiP2P/phy0/peers/aa_bb_cc_dd_ee_ff"},
		{groupPath("phy1", 12), "/org/freedesktop/WiFiP2P/phy1/groups/12"},
	} {
		if tc.got != tc.want || !tc.got.IsValid() {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

func TestDeviceCategoryNamesTheWSCCategory(t *testing.T) {
	wfa := [4]byte{0x00, 0x50, 0xf2, 0x04}
	for _, tc := range []struct {
		t    api.DeviceType
		want string
	}{
		{api.DeviceType{Category: 7, OUI: wfa, SubCategory: 1}, "display"}, {api.DeviceType{Category: 10, OUI: wfa, SubCategory: 5}, "telephone"}, {api.DeviceType{Category: 255, OUI: wfa, SubCategory: 0}, "other"},
		{api.DeviceType{Category: 13, OUI: wfa, SubCategory: 0}, "unknown"}, {api.DeviceType{Category: 7, OUI: [4]byte{1, 2, 3, 4}, SubCategory: 1}, "unknown"}, {api.DeviceType{}, "unknown"},
	} {
		if got := deviceCategory(tc.t); got != tc.want {
			t.Errorf("deviceCategory(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestDocumentedXMLRefusesTextThatCannotBeAComment(t *testing.T) {
	if err := writeComment(new(bytes.Buffer), "", []string{"a -- b"}); err == nil {
		t.Error("a comment with -- was accepted")
	}
}

func TestCallsAreBoundedPerClientAndInAll(t *testing.T) {
	tb := newClientTable(2, 3)
	a1, err1 := tb.enter(":1.1")
	a2, err2 := tb.enter(":1.1")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, err := tb.enter(":1.1"); !errors.Is(err, api.ErrBusy) {
		t.Errorf("third call of :1.1: %v, want Busy", err)
	}
	if _, err := tb.enter(":1.2"); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.enter(":1.3"); !errors.Is(err, api.ErrBusy) || !strings.Contains(err.Error(), "at most 3") {
		t.Errorf("fourth call in all: %v, want Busy", err)
	}
	tb.leave(a1)
	if _, err := tb.enter(":1.3"); err != nil {
		t.Errorf("after one call ended: %v", err)
	}
	tb.vanish(":1.1")
	if a2.ctx.Err() == nil {
		t.Error("the calls of a client that left are not cancelled")
	}
	tb.leave(a2)
	if n := tb.inFlight(":1.1"); n != 0 {
		t.Errorf("%d calls left for :1.1", n)
	}
}

// FuzzSanitize: whatever a peer sends as a name, the property is valid
// UTF-8 without control characters, within the cap, and clean input is
// kept as is.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "tv", "a\xffb", "\x00\x1b[2J", "evil\u202etxt", "客厅电视", strings.Repeat("\xc3", 40)} {
		f.Add(s, 32)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1024 {
			return
		}
		got := sanitize(s, max)
		if !utf8.ValidString(got) || len(got) > max {
			t.Fatalf("sanitize(%q, %d) = %q", s, max, got)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || isBidiControl(r) {
				t.Fatalf("sanitize(%q) keeps %U", s, r)
			}
		}
		if len(s) <= max && sanitize(got, max) != got {
			t.Fatalf("sanitize is not idempotent on %q", s)
		}
	})
}
