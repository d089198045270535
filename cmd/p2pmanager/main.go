// Command p2pmanager is the Wi-Fi P2P connection manager. Until the daemon
// lands, its one job is `decode`: print, field by field, the Wi-Fi P2P
// exchange in a capture, through the project's own codecs.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "decode":
		return decodeCmd(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "p2pmanager: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: p2pmanager decode [-list] [-all] [FILE.pcap | CAPTURE]...

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
