package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/p2pmanager/p2pmanager"

// pkg is one package of the module as `go list` reports it.
type pkg struct {
	path    string
	imports []string // direct
	deps    []string // transitive
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps=false", "-f",
		"{{.ImportPath}}|{{join .Imports \",\"}}|{{join .Deps \",\"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 3 {
			t.Fatalf("go list line %q", line)
		}
		pkgs = append(pkgs, pkg{path: f[0], imports: split(f[1]), deps: split(f[2])})
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func rel(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, module), "/") }

func within(p, dir string) bool { r := rel(p); return r == dir || strings.HasPrefix(r, dir+"/") }

func has(list []string, prefix string) bool {
	for _, x := range list {
		if x == prefix || strings.HasPrefix(x, prefix+"/") {
			return true
		}
	}
	return false
}

func TestOnlyTheNl80211DriverImportsGenericNetlink(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, lib := range []string{"github.com/mdlayher/genetlink", "github.com/mdlayher/netlink"} {
			if has(p.imports, lib) && rel(p.path) != "supplicant/radio/nl80211" {
				t.Errorf("%s imports %s; only supplicant/radio/nl80211 may", rel(p.path), lib)
			}
		}
	}
}

func TestOnlyIpconfSpeaksDHCP(t *testing.T) {
	for _, p := range listPackages(t) {
		if has(p.imports, "github.com/insomniacslk/dhcp") && rel(p.path) != "ipconf" {
			t.Errorf("%s imports the DHCP library; only ipconf may", rel(p.path))
		}
		if within(p.path, "supplicant") || within(p.path, "coordinator") {
			if has(p.deps, module+"/ipconf") {
				t.Errorf("%s depends on ipconf; cmd wires it through coordinator.DHCP", rel(p.path))
			}
		}
	}
}

func TestAtMostOnePackageImportsGodbus(t *testing.T) {
	var importers []string
	for _, p := range listPackages(t) {
		if has(p.imports, "github.com/godbus/dbus/v5") {
			importers = append(importers, rel(p.path))
		}
	}
	if len(importers) > 1 {
		t.Errorf("godbus is imported by %v; only the D-Bus layer may import it", importers)
	}
}

func TestSupplicantDependsOnNothingAboveIt(t *testing.T) {
	above := []string{module + "/cmd", module + "/coordinator", module + "/policy", module + "/dbusapi", "github.com/godbus/dbus/v5"}
	for _, p := range listPackages(t) {
		if !within(p.path, "supplicant") {
			continue
		}
		for _, a := range above {
			if has(p.deps, a) {
				t.Errorf("%s depends on %s: supplicant must not depend on the layers above it", rel(p.path), rel(a))
			}
		}
	}
}

func TestCodecsUseOnlyTheStandardLibraryAndEachOther(t *testing.T) {
	codecs := []string{"supplicant/ieee80211", "supplicant/p2pmsg", "supplicant/gas", "supplicant/wsc", "supplicant/eap", "supplicant/eapol"}
	allowed := append([]string{"golang.org/x/crypto"}, codecs...)
	for _, p := range listPackages(t) {
		isCodec := false
		for _, c := range codecs {
			isCodec = isCodec || rel(p.path) == c
		}
		if !isCodec {
			continue
		}
	imports:
		for _, imp := range p.imports {
			first := strings.Split(imp, "/")[0]
			if !strings.Contains(first, ".") { // standard library
				continue
			}
			for _, a := range allowed {
				if imp == a || strings.HasPrefix(imp, a+"/") || rel(imp) == a || strings.HasPrefix(rel(imp), a+"/") {
					continue imports
				}
			}
			t.Errorf("codec %s imports %s; codecs use the standard library and each other only", rel(p.path), imp)
		}
	}
}
