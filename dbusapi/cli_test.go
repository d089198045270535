package dbusapi

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The service driven by the tools people use: busctl (systemd) and gdbus
// (GLib), as subprocesses on the private bus.

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (CI installs systemd and libglib2.0-bin)", name)
	}
	return p
}

func run(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

func TestBusctlIntrospectsCallsAndReadsTheService(t *testing.T) {
	busctl := tool(t, "busctl")
	f := newFixture(t)
	addr := "--address=" + f.addr

	out, err := run(t, busctl, addr, "introspect", BusName, string(phy0))
	if err != nil {
		t.Fatalf("busctl introspect: %v\n%s", err, out)
	}
	for _, want := range []string{ifaceDevice, ".StartDiscovery", "a{sv}", ".CreateGroup", ".Name", `"laptop"`, "writable"} {
		if !strings.Contains(out, want) {
			t.Errorf("busctl introspect lacks %q:\n%s", want, out)
		}
	}

	// busctl exits right after its call: its lease ends with it.
	out, err = run(t, busctl, addr, "call", BusName, string(phy0), ifaceDevice, "StartDiscovery", "a{sv}", "1", "type", "s", "social")
	if err != nil {
		t.Fatalf("busctl call StartDiscovery: %v\n%s", err, out)
	}
	if got := f.dev.called("StartDiscovery"); len(got) != 1 || got[0] != "StartDiscovery social 0" {
		t.Errorf("backend got %q", got)
	}
	eventually(t, time.Second, "lease of the exited busctl ended", func() bool { return len(f.dev.called("StopDiscovery")) == 1 })

	out, err = run(t, busctl, addr, "tree", BusName)
	if err != nil {
		t.Fatalf("busctl tree: %v\n%s", err, out)
	}
	for _, want := range []string{string(phy0), string(peerA())} {
		if !strings.Contains(out, want) {
			t.Errorf("busctl tree lacks %s:\n%s", want, out)
		}
	}

	out, err = run(t, busctl, addr, "get-property", BusName, string(peerA()), ifacePeer, "Name", "DeviceCategory")
	if err != nil || out != "s \"tv\"\ns \"display\"\n" {
		t.Errorf("busctl get-property: %v %q", err, out)
	}

	// A wrong signature is refused with a named error, not dropped.
	out, err = run(t, busctl, addr, "call", BusName, string(peerA()), ifacePeer, "ProvisionDiscovery", "i", "65")
	if err == nil || !strings.Contains(out, "signature") {
		t.Errorf("busctl call with a wrong signature: %v %q", err, out)
	}
	out, err = run(t, busctl, addr, "call", BusName, string(phy0), ifaceDevice, "StartDiscovery", "a{sv}", "1", "timeout", "q", "5")
	if err == nil || !strings.Contains(out, "timeout") {
		t.Errorf("busctl call with a wrong variant type: %v %q", err, out)
	}
}

func TestGdbusIntrospectsAndCallsTheService(t *testing.T) {
	gdbus := tool(t, "gdbus")
	f := newFixture(t)
	addr := []string{"--address", f.addr, "--dest", BusName}

	out, err := run(t, gdbus, append([]string{"introspect"}, append(addr, "--object-path", RootPath, "--recurse")...)...)
	if err != nil {
		t.Fatalf("gdbus introspect: %v\n%s", err, out)
	}
	for _, want := range []string{"interface " + ifaceManager, "RegisterAgent(in  o agent,", "interface " + ifaceDevice, "readwrite s Name = 'laptop'"} {
		if !strings.Contains(out, want) {
			t.Errorf("gdbus introspect lacks %q:\n%s", want, out)
		}
	}

	out, err = run(t, gdbus, append([]string{"call"}, append(addr, "--object-path", string(phy0),
		"--method", ifaceProperties+".Get", ifaceDevice, "Capabilities")...)...)
	if err != nil || !strings.Contains(out, "'max_groups': <uint32 1>") {
		t.Errorf("gdbus Get Capabilities: %v\n%s", err, out)
	}

	out, err = run(t, gdbus, append([]string{"call"}, append(addr, "--object-path", string(phy0),
		"--method", ifaceDevice+".StartDiscovery", "{'type': <'progressive'>}")...)...)
	if err != nil {
		t.Fatalf("gdbus StartDiscovery: %v\n%s", err, out)
	}
	if got := f.dev.called("StartDiscovery"); len(got) != 1 || got[0] != "StartDiscovery progressive 0" {
		t.Errorf("backend got %q", got)
	}
	out, err = run(t, gdbus, append([]string{"call"}, append(addr, "--object-path", string(phy0),
		"--method", ifaceDevice+".StartDiscovery", "{'colour': <'blue'>}")...)...)
	if err == nil || !strings.Contains(out, ErrorPrefix+"InvalidArguments") || !strings.Contains(out, "colour") {
		t.Errorf("gdbus with an unknown key: %v\n%s", err, out)
	}
}
