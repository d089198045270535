package dbusapi

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/p2pmanager/p2pmanager/api"
)

const introspectDoctype = `<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
`

const docWidth = 80

// DocumentedXML renders api/org.freedesktop.WiFiP2P.xml: every interface of
// the service with gtk-doc style comments on every member, and the error
// table. It fails if a documentation text cannot go in an XML comment.
func DocumentedXML() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(introspectDoctype)
	var head []string
	head = append(head, "org.freedesktop.WiFiP2P: the Wi-Fi P2P (Wi-Fi Direct) service.", "")
	head = append(head, wrap("Generated from dbusapi/spec.go and api/errors.go by `go generate ./dbusapi`; do not edit. The bus name is org.freedesktop.WiFiP2P on the system bus; interfaces are versioned (Manager1, Device1, Peer1, Group1, Agent1) and names are CamelCase, arguments and option keys lower_case.", "", docWidth-4)...)
	head = append(head, "", "Errors (org.freedesktop.WiFiP2P.Error.*):", "")
	for _, e := range api.Errors() {
		head = append(head, errorName(e)+":")
		head = append(head, wrap(e.Doc, "  ", docWidth-4)...)
	}
	head = append(head, "", "Standard errors also replied:", "")
	for _, e := range standardErrors() {
		head = append(head, e[0]+":")
		head = append(head, wrap(e[1], "  ", docWidth-4)...)
	}
	if err := writeComment(&b, "", head); err != nil {
		return nil, err
	}
	b.WriteString("<node>\n")
	for _, i := range apiSpec() {
		if err := writeInterface(&b, i, true, "  "); err != nil {
			return nil, err
		}
	}
	b.WriteString("</node>\n")
	return b.Bytes(), nil
}

// introspectXML renders the live introspection of an object with these
// interfaces (standard and own, by name) and child node names.
func introspectXML(ifaces []interfaceSpec, children []string) string {
	var b bytes.Buffer
	b.WriteString(introspectDoctype)
	b.WriteString("<node>\n")
	for _, i := range ifaces {
		_ = writeInterface(&b, i, false, " ") // no docs: cannot fail
	}
	for _, c := range children {
		fmt.Fprintf(&b, " <node name=%q/>\n", c)
	}
	b.WriteString("</node>\n")
	return b.String()
}

func attr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return `"` + strings.ReplaceAll(b.String(), `"`, "&quot;") + `"`
}

func writeInterface(b *bytes.Buffer, i interfaceSpec, docs bool, ind string) error {
	in2, in3 := ind+ind, ind+ind+ind
	if docs {
		lines := []string{i.Name + ":", "@short_description: " + i.Short, ""}
		lines = append(lines, wrapParagraphs(i.Doc, "", docWidth-len(ind)-4)...)
		if err := writeComment(b, ind, lines); err != nil {
			return fmt.Errorf("%s: %w", i.Name, err)
		}
	}
	fmt.Fprintf(b, "%s<interface name=%s>\n", ind, attr(i.Name))
	for _, m := range i.Methods {
		if docs {
			if err := writeComment(b, in2, methodDoc(m, docWidth-len(in2)-4)); err != nil {
				return fmt.Errorf("%s.%s: %w", i.Name, m.Name, err)
			}
		}
		if len(m.In)+len(m.Out)+len(m.annotations()) == 0 {
			fmt.Fprintf(b, "%s<method name=%s/>\n", in2, attr(m.Name))
			continue
		}
		fmt.Fprintf(b, "%s<method name=%s>\n", in2, attr(m.Name))
		for _, a := range m.In {
			fmt.Fprintf(b, "%s<arg name=%s type=%s direction=\"in\"/>\n", in3, attr(a.Name), attr(a.Type))
		}
		for _, a := range m.Out {
			fmt.Fprintf(b, "%s<arg name=%s type=%s direction=\"out\"/>\n", in3, attr(a.Name), attr(a.Type))
		}
		for _, an := range m.annotations() {
			fmt.Fprintf(b, "%s<annotation name=%s value=%s/>\n", in3, attr(an.Name), attr(an.Value))
		}
		fmt.Fprintf(b, "%s</method>\n", in2)
	}
	for _, s := range i.Signals {
		if docs {
			lines := []string{s.Name + ":"}
			for _, a := range s.Args {
				lines = append(lines, wrapHanging("@"+a.Name+": ", "  ", a.Doc, docWidth-len(in2)-4)...)
			}
			lines = append(lines, "")
			lines = append(lines, wrapParagraphs(s.Doc, "", docWidth-len(in2)-4)...)
			if err := writeComment(b, in2, lines); err != nil {
				return fmt.Errorf("%s.%s: %w", i.Name, s.Name, err)
			}
		}
		fmt.Fprintf(b, "%s<signal name=%s>\n", in2, attr(s.Name))
		for _, a := range s.Args {
			fmt.Fprintf(b, "%s<arg name=%s type=%s/>\n", in3, attr(a.Name), attr(a.Type))
		}
		fmt.Fprintf(b, "%s</signal>\n", in2)
	}
	for _, p := range i.Properties {
		if docs {
			lines := []string{p.Name + ":", ""}
			lines = append(lines, wrapParagraphs(p.Doc, "", docWidth-len(in2)-4)...)
			if p.Action != "" {
				lines = append(lines, "", "Setting it needs the polkit action "+p.Action+".")
			}
			if err := writeComment(b, in2, lines); err != nil {
				return fmt.Errorf("%s.%s: %w", i.Name, p.Name, err)
			}
		}
		ann := p.annotations()
		if len(ann) == 0 {
			fmt.Fprintf(b, "%s<property name=%s type=%s access=%s/>\n", in2, attr(p.Name), attr(p.Type), attr(p.access()))
			continue
		}
		fmt.Fprintf(b, "%s<property name=%s type=%s access=%s>\n", in2, attr(p.Name), attr(p.Type), attr(p.access()))
		for _, an := range ann {
			fmt.Fprintf(b, "%s<annotation name=%s value=%s/>\n", in3, attr(an.Name), attr(an.Value))
		}
		fmt.Fprintf(b, "%s</property>\n", in2)
	}
	fmt.Fprintf(b, "%s</interface>\n", ind)
	return nil
}

func methodDoc(m methodSpec, width int) []string {
	lines := []string{m.Name + ":"}
	for _, a := range append(append([]argSpec{}, m.In...), m.Out...) {
		lines = append(lines, wrapHanging("@"+a.Name+": ", "  ", a.Doc, width)...)
		if a.Type == "a{sv}" && len(m.Options) > 0 {
			for _, o := range m.Options {
				lines = append(lines, wrapHanging(fmt.Sprintf("  - %q (%s): ", o.Key, o.Type), "    ", o.Doc, width)...)
			}
			lines = append(lines, wrapHanging("  ", "  ", "Unknown keys, other variant types and values out of range fail with InvalidArguments.", width)...)
		}
	}
	lines = append(lines, "")
	lines = append(lines, wrapParagraphs(m.Doc, "", width)...)
	if len(m.Errors) > 0 {
		names := make([]string, len(m.Errors))
		for k, e := range m.Errors {
			names[k] = ErrorPrefix + e
		}
		lines = append(lines, "")
		lines = append(lines, wrapHanging("Errors: ", "  ", strings.Join(names, ", ")+".", width)...)
	}
	if m.Action != "" {
		lines = append(lines, "", "Polkit action: "+m.Action+".")
	}
	return lines
}

// writeComment writes lines as an XML comment at indentation ind.
func writeComment(b *bytes.Buffer, ind string, lines []string) error {
	for _, l := range lines {
		if strings.Contains(l, "--") {
			return fmt.Errorf("documentation line %q cannot go in an XML comment", l)
		}
	}
	b.WriteString(ind + "<!--\n")
	for _, l := range lines {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(ind + "    " + l + "\n")
	}
	b.WriteString(ind + "-->\n")
	return nil
}

// wrapParagraphs wraps text (paragraphs separated by blank lines) to width.
func wrapParagraphs(text, ind string, width int) []string {
	var out []string
	for k, p := range strings.Split(text, "\n\n") {
		if k > 0 {
			out = append(out, "")
		}
		out = append(out, wrap(p, ind, width)...)
	}
	return out
}

func wrap(text, ind string, width int) []string {
	return wrapHanging(ind, ind, text, width)
}

// wrapHanging wraps text to width, the first line prefixed with first, the
// others with rest.
func wrapHanging(first, rest, text string, width int) []string {
	words := strings.Fields(text)
	var out []string
	line := first
	empty := true
	for _, w := range words {
		if !empty && len(line)+1+len(w) > width {
			out = append(out, line)
			line, empty = rest, true
		}
		if empty {
			line += w
			empty = false
		} else {
			line += " " + w
		}
	}
	if !empty || len(out) == 0 {
		out = append(out, strings.TrimRight(line, " "))
	}
	return out
}
