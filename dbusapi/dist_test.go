package dbusapi

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/api"
)

// The packaging files in dist/ parse and agree with the code.

const distDir = "../dist"

type policyconfig struct {
	Actions []struct {
		ID          string `xml:"id,attr"`
		Description string `xml:"description"`
		Message     string `xml:"message"`
		Defaults    struct {
			Any      string `xml:"allow_any"`
			Inactive string `xml:"allow_inactive"`
			Active   string `xml:"allow_active"`
		} `xml:"defaults"`
	} `xml:"action"`
}

func TestPolkitPolicyDefinesExactlyTheActionsTheServiceChecks(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(distDir, "polkit/org.freedesktop.WiFiP2P.policy"))
	if err != nil {
		t.Fatal(err)
	}
	var p policyconfig
	if err := xml.Unmarshal(data, &p); err != nil {
		t.Fatalf("parsing the polkit policy: %v", err)
	}
	if !strings.Contains(string(data), "<!DOCTYPE policyconfig PUBLIC") {
		t.Error("the polkit policy lacks its DOCTYPE")
	}
	var ids []string
	valid := []string{"no", "yes", "auth_self", "auth_self_keep", "auth_admin", "auth_admin_keep"}
	for _, a := range p.Actions {
		ids = append(ids, a.ID)
		if a.Description == "" || a.Message == "" {
			t.Errorf("%s: description or message missing", a.ID)
		}
		for _, v := range []string{a.Defaults.Any, a.Defaults.Inactive, a.Defaults.Active} {
			if !slices.Contains(valid, v) {
				t.Errorf("%s: default %q is not a polkit result", a.ID, v)
			}
		}
		if a.ID == ActionConfigure && a.Defaults.Active == "yes" {
			t.Errorf("%s: the setters must not be granted without authentication", a.ID)
		}
		if a.Defaults.Any == "yes" {
			t.Errorf("%s: granted to any session, even remote ones", a.ID)
		}
	}
	want := Actions()
	slices.Sort(want)
	slices.Sort(ids)
	if d := cmp.Diff(want, ids); d != "" {
		t.Errorf("polkit actions (-code +policy):\n%s", d)
	}
	// Every action the API table uses is one of them.
	for _, i := range apiSpec() {
		for _, m := range i.Methods {
			if m.Action != "" && !slices.Contains(ids, m.Action) {
				t.Errorf("%s.%s uses %s", i.Name, m.Name, m.Action)
			}
		}
		for _, pr := range i.Properties {
			if pr.Write && !slices.Contains(ids, pr.Action) {
				t.Errorf("setter %s.%s is guarded by %q", i.Name, pr.Name, pr.Action)
			}
		}
	}
}

type busconfig struct {
	Policies []struct {
		Context string `xml:"context,attr"`
		User    string `xml:"user,attr"`
		Group   string `xml:"group,attr"`
		Rules   []struct {
			XMLName xml.Name
			Attrs   []xml.Attr `xml:",any,attr"`
		} `xml:",any"`
	} `xml:"policy"`
}

// rules lists a policy's rules as "allow own=NAME".
func (b busconfig) rules(sel func(context, user, group string) bool) []string {
	var out []string
	for _, p := range b.Policies {
		if !sel(p.Context, p.User, p.Group) {
			continue
		}
		for _, r := range p.Rules {
			for _, a := range r.Attrs {
				out = append(out, fmt.Sprintf("%s %s=%s", r.XMLName.Local, a.Name.Local, a.Value))
			}
		}
	}
	return out
}

func TestBusPolicyDeniesByDefaultAndLetsRootAndNetdevIn(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(distDir, "dbus/org.freedesktop.WiFiP2P.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var b busconfig
	if err := xml.Unmarshal(data, &b); err != nil {
		t.Fatalf("parsing the bus policy: %v", err)
	}
	def := b.rules(func(c, u, g string) bool { return c == "default" })
	root := b.rules(func(c, u, g string) bool { return u == "root" })
	netdev := b.rules(func(c, u, g string) bool { return g == "netdev" })
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"default", def, []string{"deny own=" + BusName, "deny send_destination=" + BusName}},
		{"root", root, []string{"allow own=" + BusName, "allow send_destination=" + BusName, "allow send_interface=" + ifaceAgent}},
		{"netdev", netdev, []string{"allow send_destination=" + BusName}},
	} {
		if d := cmp.Diff(tc.want, tc.got); d != "" {
			t.Errorf("%s policy (-want +got):\n%s", tc.name, d)
		}
	}
	for _, r := range append(append(def, root...), netdev...) {
		if strings.Contains(r, "=*") {
			t.Errorf("wildcard rule %q", r)
		}
	}
}

// A real dbus-daemon loads the policy (a typo would stop it), and as root
// the service owns its name under it.
func TestBusPolicyLoadsIntoDbusDaemon(t *testing.T) {
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed")
	}
	policy, err := filepath.Abs(filepath.Join(distDir, "dbus/org.freedesktop.WiFiP2P.conf"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "p2ppol")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := fmt.Sprintf(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s/bus</listen>
  <auth>EXTERNAL</auth>
  <!-- the default policy of the system bus (dbus's system.conf) -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>%s</include>
</busconfig>
`, dir, policy)
	if err := os.WriteFile(filepath.Join(dir, "bus.conf"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+filepath.Join(dir, "bus.conf"), "--print-address", "--nofork", "--nopidfile")
	out, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() { l, _ := bufio.NewReader(out).ReadString('\n'); line <- strings.TrimSpace(l) }()
	var addr string
	select {
	case addr = <-line:
	case <-time.After(10 * time.Second):
	}
	if addr == "" {
		t.Fatalf("dbus-daemon did not start with the policy: %s", stderr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	svc, err := New(ctx, newFakeBackend(), Config{Bus: addr})
	if os.Geteuid() != 0 {
		if err == nil {
			svc.Close()
			t.Fatal("a non-root process owned org.freedesktop.WiFiP2P under the policy")
		}
		t.Logf("not root: owning the name is refused as it should be (%v)", err)
		return
	}
	if err != nil {
		t.Fatalf("root could not own the name under the policy: %v", err)
	}
	b := svc.backend.(*fakeBackend)
	go func() { _ = svc.Run(ctx) }()
	t.Cleanup(func() { svc.Close() })

	// The service may call the agent of an application (root's rule for
	// Agent1): an incoming request reaches it.
	app, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	a := &testAgent{}
	if err := app.Export(a, agentPath, ifaceAgent); err != nil {
		t.Fatal(err)
	}
	mustCall(t, app, RootPath, ifaceManager+".RegisterAgent", agentPath, "")
	b.send(api.PeerUpdated{Device: "phy0", Info: b.dev.inRange[macA]})
	eventually(t, time.Second, "peer A", func() bool { _, ok := managedObjects(t, app)[peerA()]; return ok })
	if r := b.incoming(macA, api.RequestNegotiation, api.MethodPBC); !r.Accepted {
		t.Errorf("the agent was not reached under the policy: %+v", r)
	}

	// Root may call; an unprivileged user outside netdev may not even read.
	busctl, err := exec.LookPath("busctl")
	if err != nil {
		t.Skip("busctl is not installed")
	}
	get := []string{"--address=" + addr, "get-property", BusName, RootPath, ifaceManager, "Version"}
	if out, err := exec.Command(busctl, get...).CombinedOutput(); err != nil {
		t.Errorf("root's call refused: %v %s", err, out)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	nobody := exec.Command(busctl, get...)
	nobody.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	nout, err := nobody.CombinedOutput()
	if err == nil || !strings.Contains(string(nout), "Access denied") && !strings.Contains(string(nout), "AccessDenied") {
		t.Errorf("nobody's call: %v %s, want access denied", err, nout)
	}
}

// keyFile parses an ini-style file (systemd unit, D-Bus service file) into
// section -> key -> values.
func keyFile(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]string{}
	section := ""
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", path, n+1, line)
			}
			out[section][strings.TrimSpace(k)] = append(out[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	return out
}

func TestDBusActivationFileStartsTheSystemdUnit(t *testing.T) {
	kf := keyFile(t, filepath.Join(distDir, "dbus/org.freedesktop.WiFiP2P.service"))
	want := map[string]map[string][]string{"D-BUS Service": {
		"Name": {BusName}, "Exec": {"/bin/false"}, "User": {"root"}, "SystemdService": {"p2pmanager.service"},
	}}
	if d := cmp.Diff(want, kf); d != "" {
		t.Errorf("activation file (-want +got):\n%s", d)
	}
}

func TestSystemdUnitHasTheRequiredKeys(t *testing.T) {
	kf := keyFile(t, filepath.Join(distDir, "systemd/p2pmanager.service"))
	svc := kf["Service"]
	one := func(k string) string {
		if len(svc[k]) != 1 {
			t.Errorf("[Service] %s: %q, want one value", k, svc[k])
			return ""
		}
		return svc[k][0]
	}
	for k, want := range map[string]string{
		"Type": "notify", "BusName": BusName, "NoNewPrivileges": "yes", "ProtectSystem": "strict",
		"ExecStart": "/usr/libexec/p2pmanager --bus=system --radio=nl80211 --state-dir=/var/lib/p2pmanager", "DevicePolicy": "closed",
	} {
		if got := one(k); got != want {
			t.Errorf("[Service] %s=%q, want %q", k, got, want)
		}
	}
	caps := strings.Fields(one("CapabilityBoundingSet"))
	for _, c := range []string{"CAP_NET_ADMIN", "CAP_NET_RAW"} {
		if !slices.Contains(caps, c) {
			t.Errorf("CapabilityBoundingSet lacks %s", c)
		}
	}
	if slices.Contains(caps, "CAP_SYS_ADMIN") {
		t.Error("CapabilityBoundingSet keeps CAP_SYS_ADMIN")
	}
	fams := strings.Fields(one("RestrictAddressFamilies"))
	for _, f := range []string{"AF_NETLINK", "AF_UNIX", "AF_PACKET"} {
		if !slices.Contains(fams, f) {
			t.Errorf("RestrictAddressFamilies lacks %s (netlink, the bus, EAPOL)", f)
		}
	}
	if v := svc["PrivateNetwork"]; len(v) > 0 && v[0] == "yes" {
		t.Error("PrivateNetwork would hide the radios")
	}
	if got := kf["Install"]["WantedBy"]; len(got) != 1 || got[0] != "multi-user.target" {
		t.Errorf("[Install] WantedBy=%q", got)
	}
}
