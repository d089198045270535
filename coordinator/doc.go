// Package coordinator is the layer between the D-Bus API (dbusapi) and the
// P2P protocol cores (supplicant/p2p): it implements dbusapi.Backend and
// dbusapi.Device over one p2p.Device per P2P-capable radio.Phy.
//
// One event loop goroutine owns all state (devices, peers, what discovery
// and listen the clients want, pending agent requests). D-Bus method calls
// post closures to that loop and wait for the answer; the notifications of
// each p2p.Device are forwarded to the loop by one goroutine per device and
// become dbusapi events.
//
// Group formation (WPS, the 4-way handshake, the AP side) is not wired in
// yet: Connect runs the GO Negotiation and reports its outcome, and
// CreateGroup, LeaveGroup and AllowJoin return dbusapi.ErrNotSupported.
package coordinator
