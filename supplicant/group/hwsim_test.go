package group

// Tests against the real kernel: our GO on mac80211_hwsim through
// radio/nl80211, with wpa_supplicant as the client. They run in the hwsim
// VM with three radios (scripts/vm-tests.sh, or by hand from the checkout:
//
//	go test -c -o /tmp/group.test ./supplicant/group &&
//	P2P_HWSIM=1 ../shared/hwsim/vm-run --radios 3 --timeout 900 -- /tmp/group.test -test.v -test.run Hwsim
//
// ) and put back what they move, so that other packages' VM tests find
// three clean radios. GROUP_HWSIM_WPAS_LOG=path keeps wpa_supplicant's
// debug log there.

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/nl80211"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// hwsimWait bounds each step: the VM runs under TCG, several times slower
// than a host, and the first CCMP key loads the kernel's ccm module.
const hwsimWait = 90 * time.Second

func requireHwsim(t *testing.T) {
	t.Helper()
	if os.Getenv("P2P_HWSIM") != "1" {
		t.Skip("needs the kernel's mac80211_hwsim with 3 radios: set P2P_HWSIM=1 inside the hwsim VM (scripts/vm-tests.sh)")
	}
}

func runCmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// netdevOf returns the netdev hwsim created on a phy (wlanN).
func netdevOf(t *testing.T, phy string) string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("/sys/class/ieee80211", phy, "device/net"))
	if err != nil || len(ents) == 0 {
		t.Fatalf("no netdev on %s: %v", phy, err)
	}
	return ents[0].Name()
}

// wpaSupplicant runs wpa_supplicant on a station netdev inside a network
// namespace of its own (holding the client's phy), so that traffic between
// the GO and the client crosses the simulated air.
type wpaSupplicant struct {
	t      *testing.T
	ns     string
	ifname string
	ctrl   string
	log    string
}

func startWpaSupplicant(t *testing.T, phy, extraConf string) *wpaSupplicant {
	t.Helper()
	dir := t.TempDir()
	w := &wpaSupplicant{t: t, ns: "group-cli", ifname: netdevOf(t, phy), ctrl: filepath.Join(dir, "ctrl"), log: filepath.Join(dir, "wpas.log")}
	exec.Command("ip", "netns", "del", w.ns).Run()
	runCmd(t, "ip", "netns", "add", w.ns)
	runCmd(t, "iw", "phy", phy, "set", "netns", "name", w.ns)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "exec", w.ns, "iw", "phy", phy, "set", "netns", "1").CombinedOutput(); err != nil {
			t.Errorf("moving %s back: %v\n%s", phy, err, out)
		}
		exec.Command("ip", "netns", "del", w.ns).Run()
	})
	conf := filepath.Join(dir, "wpas.conf")
	if err := os.WriteFile(conf, []byte("ctrl_interface=DIR="+w.ctrl+"\nupdate_config=0\n"+extraConf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", w.ns, "wpa_supplicant", "-i", w.ifname, "-D", "nl80211", "-c", conf, "-dd", "-t", "-f", w.log)
	if err := cmd.Start(); err != nil {
		t.Fatalf("wpa_supplicant: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if dst := os.Getenv("GROUP_HWSIM_WPAS_LOG"); dst != "" {
			if b, err := os.ReadFile(w.log); err == nil {
				os.WriteFile(dst, b, 0o644)
			}
		}
		if t.Failed() {
			if b, err := os.ReadFile(w.log); err == nil {
				lines := strings.Split(string(b), "\n")
				t.Logf("wpa_supplicant log (last lines):\n%s", strings.Join(lines[max(0, len(lines)-80):], "\n"))
			}
		}
	})
	deadline := time.Now().Add(hwsimWait)
	for !strings.Contains(w.try("ping"), "PONG") {
		if time.Now().After(deadline) {
			t.Fatal("wpa_supplicant's control interface did not come up")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return w
}

func (w *wpaSupplicant) try(args ...string) string { return w.tryOn(w.ifname, args...) }

func (w *wpaSupplicant) tryOn(ifname string, args ...string) string {
	out, _ := exec.Command("ip", append([]string{"netns", "exec", w.ns, "wpa_cli", "-p", w.ctrl, "-i", ifname}, args...)...).CombinedOutput()
	return string(out)
}

func (w *wpaSupplicant) cli(args ...string) string { return w.cliOn(w.ifname, args...) }

func (w *wpaSupplicant) cliOn(ifname string, args ...string) string {
	w.t.Helper()
	return runCmd(w.t, "ip", append([]string{"netns", "exec", w.ns, "wpa_cli", "-p", w.ctrl, "-i", ifname}, args...)...)
}

// waitState polls wpa_cli status until wpa_state is want.
func (w *wpaSupplicant) waitState(want string) string { return w.waitStateOn(w.ifname, want) }

func (w *wpaSupplicant) waitStateOn(ifname, want string) string {
	w.t.Helper()
	deadline := time.Now().Add(hwsimWait)
	for {
		st := w.tryOn(ifname, "status")
		if strings.Contains(st, "wpa_state="+want+"\n") {
			return st
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("wpa_supplicant not %s:\n%s", want, st)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// awaitReal is await with the real clock.
func awaitReal[T Notification](t *testing.T, ch <-chan Notification) T {
	t.Helper()
	deadline := time.After(hwsimWait)
	for {
		select {
		case n, ok := <-ch:
			if !ok {
				t.Fatalf("notifications ended waiting for %T", *new(T))
			}
			t.Logf("notification: %T %+v", n, n)
			if x, ok := n.(T); ok {
				return x
			}
		case <-deadline:
			t.Fatalf("no %T within %v", *new(T), hwsimWait)
		}
	}
}

func TestHwsimOurGOProvisionsAndKeysAWpaSupplicantClient(t *testing.T) {
	requireHwsim(t)
	b, err := nl80211.New(nl80211.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), hwsimWait)
	defer cancel()
	phys, err := b.Phys(ctx)
	if err != nil || len(phys) < 2 {
		t.Fatalf("phys %v: %v", phys, err)
	}
	wpas := startWpaSupplicant(t, phys[1].Info().Name, "")

	dev := phys[0].Info().PermAddr
	dev[0] |= 0x02
	g, err := StartGO(ctx, phys[0], GOConfig{
		Device: Device{Address: dev, Name: "p2pmanager-go"}, Freq: 2437, SSIDPostfix: "-hwsim",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hwsimWait)
		defer cancel()
		if err := g.Stop(ctx); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Stop: %v", err)
		}
		for range g.Notifications() {
		}
	})
	notes := g.Notifications()
	started := awaitReal[GroupStarted](t, notes)
	t.Logf("GO %s up: SSID %q", started.Interface, started.SSID)

	// wpa_supplicant enrolls with push button, then connects with the
	// Credential it received.
	if err := g.AllowJoin(ctx, WPS{PasswordID: wsc.PasswordPushButton}, MAC{}, 0); err != nil {
		t.Fatal(err)
	}
	bssid := g.Interface().Addr
	if out := wpas.cli("wps_pbc", bssid.String()); !strings.Contains(out, "OK") {
		t.Fatalf("wps_pbc: %s", out)
	}
	awaitReal[ProvisioningSucceeded](t, notes)
	joined := awaitReal[MemberJoined](t, notes)
	st := wpas.waitState("COMPLETED")
	if !strings.Contains(st, "bssid="+bssid.String()) || !strings.Contains(st, "ssid="+string(started.SSID)+"\n") ||
		!strings.Contains(st, "key_mgmt=WPA2-PSK") || !strings.Contains(st, "pairwise_cipher=CCMP") {
		t.Errorf("wpa_supplicant status:\n%s", st)
	}

	// Traffic crosses the air with the keys both sides installed.
	// Our address is on the group interface already (the GO put it
	// there); wpa_supplicant configures none.
	if out := runCmd(t, "ip", "-4", "addr", "show", "dev", g.Interface().Name); !strings.Contains(out, "inet 192.168.49.1/24") {
		t.Errorf("the GO's interface lacks 192.168.49.1/24:\n%s", out)
	}
	runCmd(t, "ip", "netns", "exec", wpas.ns, "ip", "addr", "add", "192.168.49.2/24", "dev", wpas.ifname)
	out := runCmd(t, "ping", "-c", "3", "-W", "5", "-I", g.Interface().Name, "192.168.49.2")
	if !strings.Contains(out, " 0% packet loss") {
		t.Errorf("ping:\n%s", out)
	}

	// The client leaves: the GO reports it.
	wpas.cli("disconnect")
	left := awaitReal[MemberLeft](t, notes)
	if left.InterfaceAddress != joined.InterfaceAddress {
		t.Errorf("left %+v, joined %+v", left, joined)
	}
	if err := g.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if r := awaitReal[GroupRemoved](t, notes); !errors.Is(r.Err, ErrStopped) {
		t.Errorf("removed: %v", r.Err)
	}
	select {
	case <-g.Done():
	case <-time.After(hwsimWait):
		t.Fatal("the GO's interface was not deleted")
	}
	if _, err := os.Stat(filepath.Join("/sys/class/net", g.Interface().Name)); err == nil {
		t.Errorf("netdev %s still exists", g.Interface().Name)
	}
}

// statusField reads one key=value line of wpa_cli status.
func statusField(st, key string) string {
	for _, l := range strings.Split(st, "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestHwsimOurClientJoinsAWpaSupplicantGO(t *testing.T) {
	requireHwsim(t)
	b, err := nl80211.New(nl80211.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), hwsimWait)
	defer cancel()
	phys, err := b.Phys(ctx)
	if err != nil || len(phys) < 2 {
		t.Fatalf("phys %v: %v", phys, err)
	}
	// A wpa_supplicant GO that allocates addresses in message 3/4.
	wpas := startWpaSupplicant(t, phys[1].Info().Name, "device_name=wpas-go\np2p_go_intent=15\n"+
		"ip_addr_go=192.168.49.1\nip_addr_mask=255.255.255.0\nip_addr_start=192.168.49.200\nip_addr_end=192.168.49.220\n")
	if out := wpas.cli("p2p_group_add", "freq=2437"); !strings.Contains(out, "OK") {
		t.Fatalf("p2p_group_add: %s", out)
	}
	var goIf string
	deadline := time.Now().Add(hwsimWait)
	for goIf == "" {
		for _, l := range strings.Fields(runCmd(t, "ip", "netns", "exec", wpas.ns, "ls", "/sys/class/net")) {
			if strings.HasPrefix(l, "p2p-"+wpas.ifname+"-") {
				goIf = l
			}
		}
		if goIf == "" && time.Now().After(deadline) {
			t.Fatal("wpa_supplicant created no group interface")
		}
		time.Sleep(200 * time.Millisecond)
	}
	st := wpas.waitStateOn(goIf, "COMPLETED")
	ssid, bssidS := statusField(st, "ssid"), statusField(st, "bssid")
	t.Logf("wpa_supplicant GO %s: SSID %q BSSID %s", goIf, ssid, bssidS)
	if out := wpas.cliOn(goIf, "wps_pbc"); !strings.Contains(out, "OK") {
		t.Fatalf("wps_pbc: %s", out)
	}
	bssid, err := ieee80211.ParseMAC(bssidS)
	if err != nil {
		t.Fatal(err)
	}

	dev := phys[0].Info().PermAddr
	dev[0] |= 0x02
	c, err := StartClient(ctx, phys[0], ClientConfig{
		Device: Device{Address: dev, Name: "p2pmanager-client"}, GOInterfaceAddress: bssid, Freq: 2437,
		SSID: []byte(ssid), WPS: &WPS{PasswordID: wsc.PasswordPushButton},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hwsimWait)
		defer cancel()
		if err := c.Leave(ctx); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Leave: %v", err)
		}
		for range c.Notifications() {
		}
	})
	notes := c.Notifications()
	awaitReal[ProvisioningSucceeded](t, notes)
	started := awaitReal[GroupStarted](t, notes)
	if started.IP != netip.MustParsePrefix("192.168.49.200/24") || len(started.PeerIPs) != 1 || started.PeerIPs[0] != netip.MustParseAddr("192.168.49.1") {
		t.Errorf("started with %v, GO %v; want 192.168.49.200/24 from the IP Address Allocation KDE", started.IP, started.PeerIPs)
	}
	// The address wpa_supplicant's GO allocated is on our interface already.
	if out := runCmd(t, "ip", "-4", "addr", "show", "dev", started.Interface); !strings.Contains(out, "inet "+started.IP.String()) {
		t.Errorf("our client interface lacks %v:\n%s", started.IP, out)
	}
	runCmd(t, "ip", "netns", "exec", wpas.ns, "ip", "addr", "add", "192.168.49.1/24", "dev", goIf)
	out := runCmd(t, "ping", "-c", "3", "-W", "5", "-I", started.Interface, "192.168.49.1")
	if !strings.Contains(out, " 0% packet loss") {
		t.Errorf("ping:\n%s", out)
	}
	if err := c.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if r := awaitReal[GroupRemoved](t, notes); !errors.Is(r.Err, ErrStopped) {
		t.Errorf("removed: %v", r.Err)
	}
	select {
	case <-c.Done():
	case <-time.After(hwsimWait):
		t.Fatal("the client's interface was not deleted")
	}
	if _, err := os.Stat(filepath.Join("/sys/class/net", started.Interface)); err == nil {
		t.Errorf("netdev %s still exists", started.Interface)
	}
}
