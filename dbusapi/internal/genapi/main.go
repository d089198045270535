// Command genapi writes api/org.freedesktop.WiFiP2P.xml from the D-Bus
// layer's API table (go generate ./dbusapi).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/p2pmanager/p2pmanager/dbusapi"
)

func main() {
	out := flag.String("o", "", "output file (default: standard output)")
	flag.Parse()
	doc, err := dbusapi.DocumentedXML()
	if err != nil {
		fmt.Fprintln(os.Stderr, "genapi:", err)
		os.Exit(1)
	}
	if *out == "" {
		_, err = os.Stdout.Write(doc)
	} else {
		err = os.WriteFile(*out, doc, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genapi:", err)
		os.Exit(1)
	}
}
