// Package archtest holds the tests that keep the project's dependency
// arrows pointing one way (see README.md, "Layout"). They read the module
// with `go list` and check every package's transitive dependencies (go
// list -deps) against a table of boundaries: only dbusapi (and cmd, which
// wires) depends on godbus or dbusapi, only the nl80211 driver on netlink,
// only ipconf on the DHCP library; the contract (api) uses the standard
// library only; supplicant depends on nothing above it. It has no code.
package archtest
