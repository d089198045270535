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
// Groups run in package supplicant/group, one GO or Client per group on
// the device's phy: Connect runs the GO Negotiation, then starts our side
// in the role agreed (push button, or a PIN given, generated and shown
// through AgentDisplayPIN, or asked with AgentRequestPIN) and returns once
// the group is up, after its GroupUpdated; CreateGroup starts an
// autonomous GO that AllowJoin opens to a client. A negotiation a peer runs
// with us after the agent accepted (push button) forms its group the same
// way. The group's notifications go through the loop like the cores':
// GroupStarted, MemberJoined and MemberLeft become GroupUpdated (never with
// the passphrase), GroupRemoved and LeaveGroup GroupRemoved. While a group
// forms or runs, find and listen pause, since the radio must stay on the
// group's channel. Joining a running group (Connect with join) and
// persistent groups are not implemented yet.
package coordinator
