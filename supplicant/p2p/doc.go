// Package p2p is the per-device Wi-Fi P2P core: the state machines of the
// Wi-Fi P2P Technical Specification v1.7, clause 3, that find peers
// (3.1.2, Device Discovery), provision them (3.2.5, Provision Discovery),
// agree which device becomes Group Owner (3.1.4.2, Group Owner
// Negotiation, optionally of a persistent group) and invite them to a
// group (3.1.5, the Invitation procedure, e.g. to re-invoke a persistent
// group). Group formation after negotiation or invitation (WSC, the
// 4-way handshake, running the GO or the client) and storing persistent
// groups belong to later layers; Device/Client Discoverability is left
// out.
//
// # Structure
//
// The protocol lives in a pure core (type core): it takes events (radio
// events, timer firings, commands, each with its timestamp) and returns
// actions (transmit a frame, remain on a channel, scan, arm or cancel a
// timer, notify, reply to a command). It has no goroutines, does no I/O,
// reads the time only from its events and draws randomness from injected
// sources, so unit tests step it with synthetic events.
//
// Device is the edge: one goroutine (the event loop) feeds the radio
// events of a radio.Interface (a P2P device interface, or a station
// interface where the phy has no P2P device type), timer firings (from a
// clock.Clock) and commands into the core and executes the actions it
// returns. The same core therefore runs on the simulated medium
// (radio/simradio) and on the kernel (radio/nl80211).
//
// # Behaviour
//
// Find alternates a Search state (an active scan of the social channels
// 1, 6 and 11 with the P2P wildcard SSID "DIRECT-", no CCK rates, and our
// P2P and WSC IEs) with a Listen state of 1 to 3 times 100 TU on our
// Listen Channel (3.1.2.1.3), after a first scan of every channel or of
// the social channels only. In the Listen state (of Find or of Listen) the
// device answers matching P2P probe requests with a probe response.
//
// Peers are kept in a bounded table keyed by P2P Device Address, fed by
// probe responses and beacons (scan results), probe requests and P2P
// Public Action frames. Every access to the table looks the peer up again:
// no reference into it outlives an insertion, which may evict the oldest
// inactive peer (the CVE-2021-27803 class of bugs).
//
// GO Negotiation follows wpa_supplicant's timing: the initiator sends its
// request on the peer's Listen Channel with a dwell to hear the response,
// and between attempts listens on its own Listen Channel so that the peer
// can reach it; a responder answers at once on the channel the request
// came on. Both-intent-15, no common channel and incompatible provisioning
// methods fail with the status of Table 8. A request from a peer the user
// has not authorized gets status 1 ("information currently unavailable")
// and is reported upward; authorizing that peer then starts a new
// negotiation towards it.
//
// Invite sends Invitation Requests like Provision Discovery Requests (on
// the peer's Listen Channel, or its operating channel when it is a GO,
// listening on our own channel between attempts). A received Invitation
// Request is answered at once on its channel with the status that
// Options.InvitationPolicy decides (8, unknown P2P group, without a
// policy), and reported upward (InvitationReceived).
package p2p
