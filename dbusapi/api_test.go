package dbusapi

import (
	"bytes"
	"encoding/xml"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/api"
)

const apiFile = "../api/org.freedesktop.WiFiP2P.xml"

// The introspection format (D-Bus specification, "Introspection Data
// Format").
type xNode struct {
	Name       string       `xml:"name,attr"`
	Interfaces []xInterface `xml:"interface"`
	Nodes      []xNode      `xml:"node"`
}

type xInterface struct {
	Name        string        `xml:"name,attr"`
	Methods     []xMethod     `xml:"method"`
	Signals     []xSignal     `xml:"signal"`
	Properties  []xProperty   `xml:"property"`
	Annotations []xAnnotation `xml:"annotation"`
}

type xMethod struct {
	Name        string        `xml:"name,attr"`
	Args        []xArg        `xml:"arg"`
	Annotations []xAnnotation `xml:"annotation"`
}

type xSignal struct {
	Name        string        `xml:"name,attr"`
	Args        []xArg        `xml:"arg"`
	Annotations []xAnnotation `xml:"annotation"`
}

type xArg struct {
	Name      string `xml:"name,attr"`
	Type      string `xml:"type,attr"`
	Direction string `xml:"direction,attr"`
}

type xProperty struct {
	Name        string        `xml:"name,attr"`
	Type        string        `xml:"type,attr"`
	Access      string        `xml:"access,attr"`
	Annotations []xAnnotation `xml:"annotation"`
}

type xAnnotation struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

func parseNode(t testing.TB, data []byte) xNode {
	t.Helper()
	var n xNode
	if err := xml.Unmarshal(data, &n); err != nil {
		t.Fatalf("parsing introspection XML: %v\n%s", err, data)
	}
	return n
}

func readAPIFile(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(apiFile)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestAPIFileIsGeneratedFromTheTable(t *testing.T) {
	want, err := DocumentedXML()
	if err != nil {
		t.Fatal(err)
	}
	if got := readAPIFile(t); !bytes.Equal(got, want) {
		t.Errorf("%s is not current: run go generate ./dbusapi\n%s", apiFile, cmp.Diff(string(want), string(got)))
	}
}

// comments returns the XML comments of the file in order, and for each
// element the comment right before it.
func comments(t *testing.T, data []byte) (all []string, before map[string]string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	before = map[string]string{}
	var last string
	var iface string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch x := tok.(type) {
		case xml.Comment:
			last = string(x)
			all = append(all, last)
		case xml.StartElement:
			name := ""
			for _, a := range x.Attr {
				if a.Name.Local == "name" {
					name = a.Value
				}
			}
			switch x.Name.Local {
			case "interface":
				iface = name
				before[name] = last
			case "method", "property", "signal":
				before[iface+"."+name] = last
			}
			last = ""
		case xml.CharData:
			if len(bytes.TrimSpace(x)) > 0 {
				last = ""
			}
		}
	}
	return all, before
}

func TestAPIFileDocumentsExactlyTheErrorTable(t *testing.T) {
	all, _ := comments(t, readAPIFile(t))
	if len(all) == 0 {
		t.Fatal("no comments")
	}
	re := regexp.MustCompile(`(?m)^\s*(org\.freedesktop\.WiFiP2P\.Error\.\w+):$`)
	var documented []string
	for _, m := range re.FindAllStringSubmatch(all[0], -1) {
		documented = append(documented, m[1])
	}
	var table []string
	for _, e := range api.Errors() {
		table = append(table, errorName(e))
	}
	if d := cmp.Diff(table, documented); d != "" {
		t.Errorf("documented errors differ from the table (-table +file):\n%s", d)
	}
	// Every error a method lists exists in the table.
	for _, i := range apiSpec() {
		for _, m := range i.Methods {
			for _, e := range m.Errors {
				if !slices.Contains(table, ErrorPrefix+e) {
					t.Errorf("%s.%s lists %s, not in the table", i.Name, m.Name, e)
				}
			}
		}
	}
}

func TestEveryMemberOfTheAPIFileHasAGtkDocComment(t *testing.T) {
	data := readAPIFile(t)
	_, before := comments(t, data)
	n := parseNode(t, data)
	for _, i := range n.Interfaces {
		if c := before[i.Name]; !strings.Contains(c, i.Name+":") || !strings.Contains(c, "@short_description:") {
			t.Errorf("interface %s: comment %q", i.Name, c)
		}
		check := func(member string, args []xArg) {
			c := before[i.Name+"."+member]
			if !strings.Contains(c, member+":") {
				t.Errorf("%s.%s has no gtk-doc comment", i.Name, member)
			}
			for _, a := range args {
				if !strings.Contains(c, "@"+a.Name+":") {
					t.Errorf("%s.%s: argument %s undocumented", i.Name, member, a.Name)
				}
			}
		}
		for _, m := range i.Methods {
			check(m.Name, m.Args)
		}
		for _, s := range i.Signals {
			check(s.Name, s.Args)
		}
		for _, p := range i.Properties {
			check(p.Name, nil)
		}
	}
	// Option keys too.
	for _, i := range apiSpec() {
		for _, m := range i.Methods {
			c := before[i.Name+"."+m.Name]
			for _, o := range m.Options {
				if !strings.Contains(c, `"`+o.Key+`" (`+o.Type+`)`) {
					t.Errorf("%s.%s: option %s undocumented", i.Name, m.Name, o.Key)
				}
			}
		}
	}
}

func TestEveryMethodOfTheTableHasAHandlerAndNoHandlerIsExtra(t *testing.T) {
	s := &Service{}
	h := s.handlers()
	var want []string
	for _, i := range apiSpec() {
		if i.Name == ifaceAgent {
			continue // implemented by applications
		}
		for _, m := range i.Methods {
			want = append(want, i.Name+"."+m.Name)
		}
	}
	for _, i := range standardSpec() {
		for _, m := range i.Methods {
			want = append(want, i.Name+"."+m.Name)
		}
	}
	var got []string
	for k := range h {
		got = append(got, k)
	}
	sort.Strings(want)
	sort.Strings(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("handlers differ from the API table (-table +handlers):\n%s", d)
	}
}

// walk introspects every object from "/" down, like busctl tree.
func walk(t *testing.T, c *dbus.Conn) map[dbus.ObjectPath]xNode {
	t.Helper()
	out := map[dbus.ObjectPath]xNode{}
	var visit func(p dbus.ObjectPath)
	visit = func(p dbus.ObjectPath) {
		var data string
		if err := callStore(t, c, p, ifaceIntrospect+".Introspect", []any{&data}); err != nil {
			t.Fatalf("Introspect %s: %v", p, err)
		}
		n := parseNode(t, []byte(data))
		out[p] = n
		for _, child := range n.Nodes {
			q := string(p) + "/" + child.Name
			if p == "/" {
				q = "/" + child.Name
			}
			visit(dbus.ObjectPath(q))
		}
	}
	visit("/")
	return out
}

func TestLiveIntrospectionOfEveryObjectMatchesTheAPIFile(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	if _, err := connectA(t, f, c, map[string]dbus.Variant{}); err != nil {
		t.Fatal(err)
	}
	var gog dbus.ObjectPath
	if err := callStore(t, c, phy0, ifaceDevice+".CreateGroup", []any{&gog}, map[string]dbus.Variant{}); err != nil {
		t.Fatal(err)
	}
	file := map[string]xInterface{}
	for _, i := range parseNode(t, readAPIFile(t)).Interfaces {
		file[i.Name] = i
	}
	tree := walk(t, c)

	std := []string{ifaceIntrospect, ifacePeerStd, ifaceProperties}
	wantIfaces := map[dbus.ObjectPath][]string{
		"/": {ifaceIntrospect, ifacePeerStd}, "/org": {ifaceIntrospect, ifacePeerStd},
		"/org/freedesktop":     {ifaceIntrospect, ifacePeerStd},
		RootPath:               append(append(slices.Clone(std), ifaceObjectManager), ifaceManager),
		phy0:                   append(slices.Clone(std), ifaceDevice),
		phy0 + "/peers":        {ifaceIntrospect, ifacePeerStd},
		phy0 + "/groups":       {ifaceIntrospect, ifacePeerStd},
		peerA():                append(slices.Clone(std), ifacePeer),
		peerPath("phy0", macB): append(slices.Clone(std), ifacePeer),
		peerPath("phy0", macC): append(slices.Clone(std), ifacePeer),
		groupPath("phy0", 1):   append(slices.Clone(std), ifaceGroup),
		groupPath("phy0", 2):   append(slices.Clone(std), ifaceGroup),
	}
	gotIfaces := map[dbus.ObjectPath][]string{}
	seen := map[string]bool{}
	for p, n := range tree {
		for _, i := range n.Interfaces {
			gotIfaces[p] = append(gotIfaces[p], i.Name)
			if strings.HasPrefix(i.Name, "org.freedesktop.WiFiP2P.") {
				seen[i.Name] = true
				if d := cmp.Diff(file[i.Name], i); d != "" {
					t.Errorf("%s: live %s differs from %s (-file +live):\n%s", p, i.Name, apiFile, d)
				}
				continue
			}
			checkStandardInterface(t, p, i)
		}
	}
	if d := cmp.Diff(wantIfaces, gotIfaces); d != "" {
		t.Errorf("interfaces per object (-want +got):\n%s", d)
	}
	for name := range file {
		if !seen[name] && name != ifaceAgent {
			t.Errorf("%s is in the file but on no object", name)
		}
	}
}

// checkStandardInterface compares a standard interface with the D-Bus
// specification's member names and signatures.
func checkStandardInterface(t *testing.T, p dbus.ObjectPath, i xInterface) {
	t.Helper()
	spec := map[string]map[string]string{ // member -> in/out signature as "in>out"
		ifaceIntrospect:    {"Introspect": ">s"},
		ifacePeerStd:       {"Ping": ">", "GetMachineId": ">s"},
		ifaceProperties:    {"Get": "ss>v", "GetAll": "s>a{sv}", "Set": "ssv>", "PropertiesChanged": "sa{sv}as"},
		ifaceObjectManager: {"GetManagedObjects": ">a{oa{sa{sv}}}", "InterfacesAdded": "oa{sa{sv}}", "InterfacesRemoved": "oas"},
	}[i.Name]
	if spec == nil {
		t.Errorf("%s: unexpected interface %s", p, i.Name)
		return
	}
	got := map[string]string{}
	for _, m := range i.Methods {
		var in, out string
		for _, a := range m.Args {
			if a.Direction == "out" {
				out += a.Type
			} else {
				in += a.Type
			}
		}
		got[m.Name] = in + ">" + out
	}
	for _, s := range i.Signals {
		var sig string
		for _, a := range s.Args {
			sig += a.Type
		}
		got[s.Name] = sig
	}
	if d := cmp.Diff(spec, got); d != "" {
		t.Errorf("%s: %s differs from the D-Bus specification (-spec +live):\n%s", p, i.Name, d)
	}
}
