// Package coordinator decides: it implements the service's contract
// (api.Backend and api.Device) over one P2P core (supplicant/p2p) per
// P2P-capable radio, and runs the groups (supplicant/group) that the
// contract's calls and the peers' requests form. It speaks the contract,
// never the transport: the D-Bus layer (dbusapi) translates above it.
//
// Its rooms, each a file that says which goroutine its code runs on:
//
//   - coordinator.go, the loop: one goroutine owns the state of every
//     device; calls reach it with do (and wait) or post (and go on), and
//     the cores' notifications with one forwarding goroutine per core.
//   - device.go: a device's settings, its core's notifications and the
//     peers they report.
//   - arbiter.go: the arbiter of each radio. It holds what the clients want
//     (discovery, listen) and the groups that hold the radio; its pure
//     decide pauses discovery and listen while a group forms or runs, admit
//     checks a new group interface against the radio's interface
//     combinations, groupFrequency chooses an autonomous GO's channel.
//   - formation.go: the one path that forms a group. Connect (GO
//     Negotiation), joining a peer's group, CreateGroup, a negotiation an
//     authorized peer ran with us, a request the agent accepted, and the
//     re-invocation of a persistent group by us or by the peer each decide
//     a plan and call form, which takes the radio, starts our GO or client,
//     waits for the group to be up and reports a failure once (the peer's
//     LastError).
//   - outgoing.go: what a client asks of peers (Connect, join, re-invoke,
//     CreateGroup, Provision Discovery).
//   - incoming.go: what peers ask of us. Provision Discovery and GO
//     Negotiation Requests go to the agent (an api.AgentRequest); PINs are
//     generated and shown through it (AgentDisplayPIN) or asked of it
//     (AgentRequestPIN); an invitation to a stored persistent group is
//     accepted without it, as wpa_supplicant's persistent_reconnect does.
//   - groups.go: a running group's notifications, its state
//     (GroupUpdated, never with the passphrase), Leave, AllowJoin and
//     Disconnect; addressing.go its DHCP server (as GO) or client.
//   - persistent.go: the store of persistent groups (Config.StateDir).
//   - convert.go: conversions between the contract and the cores.
//
// Every timeout the coordinator applies on its own comes from Config,
// where its default is documented.
package coordinator
