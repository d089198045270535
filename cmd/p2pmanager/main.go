// Command p2pmanager is the Wi-Fi P2P connection manager. Without a
// subcommand, or with `run`, it is the service: it drives the P2P radios
// and publishes org.freedesktop.WiFiP2P on D-Bus. `decode` prints, field by
// field, the Wi-Fi P2P exchange in a capture, through the project's own
// codecs.
//
// To watch discovery without hardware, run the service on a simulated
// medium and a private bus, and look with busctl at the address it prints:
//
//	p2pmanager --bus=private --radio=sim --sim-peers=3 --discover=social
//	A=unix:path=/tmp/p2pmanager-bus.../socket,guid=...   # as printed
//	busctl --address=$A tree org.freedesktop.WiFiP2P
//	busctl --address=$A call org.freedesktop.WiFiP2P /org/freedesktop/WiFiP2P \
//		org.freedesktop.DBus.ObjectManager GetManagedObjects
//	busctl --address=$A introspect org.freedesktop.WiFiP2P \
//		/org/freedesktop/WiFiP2P/phy0/peers/02_00_00_00_01_00
//	busctl --address=$A --timeout=60 call org.freedesktop.WiFiP2P \
//		/org/freedesktop/WiFiP2P/phy0/peers/02_00_00_00_01_00 \
//		org.freedesktop.WiFiP2P.Peer1 Connect a{sv} 2 method s pbc bind s none
//
// --discover keeps discovery on from the start: a StartDiscovery lease
// lasts while its client stays on the bus, and a busctl call leaves at
// once. Connect runs the GO Negotiation with the simulated peer, WPS push
// button and the four-way handshake, and replies with the group's object
// path once the group is up; bind none keeps the group after busctl left.
//
// The program wires the layers together: the radios (the simulated medium
// or nl80211), the coordinator over them, DHCP (package ipconf) on kernel
// interfaces, and the D-Bus layer (dbusapi) on the chosen bus; it tells
// systemd when it is ready and pings its watchdog.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		// No subcommand (flags only): the service.
		args = append([]string{"run"}, args...)
	}
	os.Exit(run(args, os.Stdout, os.Stderr))
}

func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "decode":
		return decodeCmd(args[1:], stdout, stderr)
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "p2pmanager: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: p2pmanager [run] [-bus=session|system|private|ADDRESS] [-radio=sim|nl80211]
                  [-sim-peers=N] [-discover=social|full] [-log-level=debug|info|warn|error]
       p2pmanager decode [-list] [-all] [FILE.pcap | CAPTURE]...

run (the default) is the service: it publishes org.freedesktop.WiFiP2P on
the bus (private: a dbus-daemon of its own, whose address it prints;
session falls back to private without a session bus). -radio=sim runs on a
simulated medium with -sim-peers simulated peers (default 3) that listen
and accept every GO negotiation; -radio=nl80211 drives the Wi-Fi devices.
-discover keeps discovery on from the start (a D-Bus client's discovery
lease ends when it leaves the bus, so a one-shot busctl call cannot hold it).

decode prints the Wi-Fi P2P frames of classic pcap captures (radiotap or
raw 802.11, e.g. tcpdump -i hwsim0 -w FILE.pcap) as the project's codecs
read them. With no argument it decodes the embedded capture of a real GO
negotiation, WPS provisioning and four-way handshake between two
wpa_supplicant instances. CAPTURE is the name of an embedded capture.
`)
}

func decodeCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	list := fs.Bool("list", false, "list the embedded captures")
	all := fs.Bool("all", false, "also print frames that carry no P2P, WSC or EAPOL content (plain beacons, acks...)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		names, err := captureNames()
		if err != nil {
			fmt.Fprintln(stderr, "p2pmanager:", err)
			return 1
		}
		for _, n := range names {
			fmt.Fprintln(stdout, n)
		}
		return 0
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{defaultCapture}
	}
	status := 0
	for _, f := range files {
		data, err := readCapture(f)
		if err != nil {
			fmt.Fprintln(stderr, "p2pmanager:", err)
			status = 1
			continue
		}
		if err := decodeCapture(stdout, f, data, *all); err != nil {
			fmt.Fprintf(stderr, "p2pmanager: %s: %v\n", f, err)
			status = 1
		}
	}
	return status
}
