package hwsimtest

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseGroupStartedReadsAClientsAllocatedAddress(t *testing.T) {
	ev := Event{Text: `IFNAME=p2p-dev-wlan1 <3>P2P-GROUP-STARTED p2p-wlan1-0 client ssid="DIRECT-ab my group" freq=2437 psk=0123 go_dev_addr=02:00:00:00:00:00 ip_addr=192.168.49.100 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1`}
	g, err := ParseGroupStarted(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := GroupStarted{
		Ifname: "p2p-wlan1-0", Role: "client", SSID: "DIRECT-ab my group", Freq: 2437, GODevAddr: "02:00:00:00:00:00",
		IPAddr: netip.MustParseAddr("192.168.49.100"), IPMask: netip.MustParseAddr("255.255.255.0"), GOIPAddr: netip.MustParseAddr("192.168.49.1"),
	}
	if diff := cmp.Diff(want, g, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if got := g.Prefix(); got != netip.MustParsePrefix("192.168.49.100/24") {
		t.Errorf("Prefix %v", got)
	}
	if ev.Ifname() != "p2p-dev-wlan1" || ev.Name() != "P2P-GROUP-STARTED" {
		t.Errorf("Ifname %q Name %q", ev.Ifname(), ev.Name())
	}
}

func TestParseGroupStartedOfAGOHasNoAddress(t *testing.T) {
	g, err := ParseGroupStarted(Event{Text: `<3>P2P-GROUP-STARTED p2p-wlan1-0 GO ssid="DIRECT-xy" freq=2412 passphrase="abcdefgh" go_dev_addr=02:00:00:00:01:00`})
	if err != nil {
		t.Fatal(err)
	}
	if g.Role != "GO" || g.Freq != 2412 || g.IPAddr.IsValid() || g.Prefix().IsValid() {
		t.Errorf("%+v", g)
	}
}

func TestParseGroupStartedRejectsOtherEvents(t *testing.T) {
	if _, err := ParseGroupStarted(Event{Text: "<3>P2P-GROUP-REMOVED p2p-wlan1-0 GO reason=REQUESTED"}); err == nil {
		t.Error("no error")
	}
}

func TestPercentilesAreNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 20; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Second)
	}
	p50, p95 := Percentiles(ds)
	if p50 != 11*time.Second || p95 != 20*time.Second {
		t.Errorf("p50 %v p95 %v", p50, p95)
	}
}
