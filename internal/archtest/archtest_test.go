package archtest

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const module = "github.com/p2pmanager/p2pmanager"

// pkg is one package of the module as `go list` reports it.
type pkg struct {
	path    string
	imports []string // direct
	deps    []string // transitive (go list -deps), without test files
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	noteSources(t)
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

// noteSources stats every Go file and go.mod of the module, so that go
// test's cache sees what `go list` read and runs the tests again when an
// import changes.
func noteSources(t *testing.T) {
	t.Helper()
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	err = filepath.WalkDir(strings.TrimSpace(string(root)), func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata"):
			return filepath.SkipDir
		case !d.IsDir() && (strings.HasSuffix(path, ".go") || d.Name() == "go.mod"):
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
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

// A boundary keeps a library (or a package of the module) to the packages
// that may depend on it, directly or through others.
type boundary struct {
	dep  string   // import path (prefix)
	only []string // module directories whose packages may depend on it
	why  string
}

// boundaries are the dependency arrows of README.md's "Layout": cmd wires,
// the D-Bus layer translates, the coordinator decides, supplicant speaks
// the protocol, the driver talks to the kernel.
func boundaries() []boundary {
	return []boundary{
		{"github.com/godbus/dbus/v5", []string{"dbusapi", "cmd"}, "only the D-Bus layer speaks D-Bus (cmd wires it)"},
		{module + "/dbusapi", []string{"dbusapi", "cmd"}, "the layers below the D-Bus layer speak the contract (package api), never dbusapi"},
		{"github.com/mdlayher/genetlink", []string{"supplicant/radio/nl80211", "cmd"}, "only the nl80211 driver speaks generic netlink"},
		{"github.com/mdlayher/netlink", []string{"supplicant/radio/nl80211", "cmd"}, "only the nl80211 driver speaks netlink"},
		{"github.com/jsimonetti/rtnetlink", []string{"supplicant/radio/nl80211", "cmd"}, "only the nl80211 driver speaks rtnetlink"},
		{module + "/supplicant/radio/nl80211", []string{"supplicant/radio/nl80211", "cmd"}, "the cores run behind the radio seam; cmd picks the driver"},
		{"github.com/insomniacslk/dhcp", []string{"ipconf", "cmd"}, "only ipconf speaks DHCP"},
		{module + "/ipconf", []string{"ipconf", "cmd"}, "cmd wires ipconf to the coordinator through coordinator.DHCP"},
		{module + "/coordinator", []string{"coordinator", "cmd"}, "the coordinator is reached through the contract; cmd wires it"},
		{"github.com/coreos/go-systemd", []string{"cmd"}, "only the program talks to systemd"},
	}
}

// violations lists the packages that cross a boundary.
func violations(pkgs []pkg, bs []boundary) []string {
	var out []string
	for _, b := range bs {
		for _, p := range pkgs {
			if p.path == b.dep || !has(p.deps, b.dep) {
				continue
			}
			if !slices.ContainsFunc(b.only, func(dir string) bool { return within(p.path, dir) }) {
				out = append(out, rel(p.path)+" depends on "+rel(b.dep)+": "+b.why)
			}
		}
	}
	return out
}

func TestNoPackageCrossesABoundaryEvenIndirectly(t *testing.T) {
	for _, v := range violations(listPackages(t), boundaries()) {
		t.Error(v)
	}
}

func TestBoundariesCatchDirectAndIndirectDependencies(t *testing.T) {
	godbus := "github.com/godbus/dbus/v5"
	pkgs := []pkg{
		{path: module + "/dbusapi", deps: []string{godbus, module + "/api"}},
		{path: module + "/cmd/p2pmanager", deps: []string{godbus, module + "/dbusapi", module + "/coordinator"}},
		// The coordinator reaches godbus through a helper package.
		{path: module + "/coordinator", deps: []string{module + "/api", module + "/internal/helper", godbus}},
		{path: module + "/internal/helper", imports: []string{godbus}, deps: []string{godbus}},
		{path: module + "/policy", deps: []string{module + "/dbusapi", godbus}},
		{path: module + "/api"},
	}
	want := []string{
		"coordinator depends on github.com/godbus/dbus/v5: only the D-Bus layer speaks D-Bus (cmd wires it)",
		"internal/helper depends on github.com/godbus/dbus/v5: only the D-Bus layer speaks D-Bus (cmd wires it)",
		"policy depends on github.com/godbus/dbus/v5: only the D-Bus layer speaks D-Bus (cmd wires it)",
		"policy depends on dbusapi: the layers below the D-Bus layer speak the contract (package api), never dbusapi",
	}
	if diff := cmp.Diff(want, violations(pkgs, boundaries())); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
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

func TestTheContractUsesOnlyTheStandardLibrary(t *testing.T) {
	for _, p := range listPackages(t) {
		if rel(p.path) != "api" {
			continue
		}
		for _, d := range p.deps {
			if first := strings.Split(d, "/")[0]; strings.Contains(first, ".") {
				t.Errorf("api depends on %s; the contract uses the standard library only", d)
			}
		}
	}
}

func TestSupplicantDependsOnNothingAboveIt(t *testing.T) {
	above := []string{module + "/cmd", module + "/coordinator", module + "/policy", module + "/dbusapi", module + "/api", "github.com/godbus/dbus/v5"}
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
