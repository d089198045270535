// Package group runs a Wi-Fi P2P group once the P2P device core has decided
// the roles (Wi-Fi P2P Technical Specification v1.7, 3.2 "P2P Group
// Operation"): the P2P Group Owner side (an AP with a userspace SME, WSC
// Registrar and WPA2-PSK Authenticator) and the P2P Client side (find the
// GO, WSC Enrollee, WPA2-PSK Supplicant).
//
// # Structure
//
// The protocol lives in two pure machines, GOMachine and ClientMachine:
// Handle takes the time and an Event (Start, a radio event, a timer
// firing, the result of an earlier action, a command) and returns the
// Actions to carry out (radio operations, timers, notifications). They do
// no I/O, keep no goroutines, read the time only from Handle's argument and
// draw every random value (SSID characters, passphrase, ANonce, SNonce,
// GTK, WSC nonces and keys) from an injected io.Reader.
//
// GO and Client are the edges: each owns one radio.Interface (created on a
// radio.Phy: a P2P-GO interface, or an AP interface when the phy has no
// P2P-GO type; a P2P-client interface, or a station interface) and one
// goroutine that feeds the interface's events, timer firings and commands
// into the machine and executes the actions it returns. The same machines
// therefore run on the simulated medium (radio/simradio) and on the kernel
// (radio/nl80211). Notifications (GroupStarted, MemberJoined, MemberLeft,
// MemberFailed, ProvisioningSucceeded, ProvisioningFailed, GroupFailed,
// GroupRemoved) come out of Notifications in order.
//
// # Group Owner
//
// The GO beacons with SSID "DIRECT-xy..." (xy drawn from [A-Za-z0-9] unless
// given), an RSN element (CCMP, PSK), a P2P IE (P2P Capability with the
// Group Owner bit, P2P Device ID) and a WSC IE (Selected Registrar while the
// Registrar is open). It answers probe requests itself unless the radio
// offloads them, with the P2P Group Info of its clients. Its userspace SME
// answers Open System authentication and (re)association: a request with a
// WSC IE and no RSN element is a WPS association, served by an EAP-WSC
// server and a Registrar for the expected Enrollee only; a request with an
// RSN element (which must name CCMP and PSK) gets the 4-way handshake, with
// an IPv4 address from the GO's pool in message 3/4 when the client asks
// for one. Frames from a group address are ignored (docs/bad-input.md 4a
// #18).
//
// # Client
//
// The client scans the group's operating channel for the GO (SSID, and the
// GO's interface or device address when known), provisions itself with WSC
// when a method is given (EAP-WSC peer, Enrollee), reconnects with RSN and
// runs the 4-way handshake, asking for an IP address; it installs the
// pairwise then the group key, opens its port and reports the group
// started with its address (or none: DHCP is left to a later layer). When
// the radio reports EAPOL TX status (PhyInfo.ControlPortTxStatus) the keys
// wait until our message 4/4 is acknowledged: a lost 4/4 is sent again, in
// the clear, in answer to the GO's retransmitted 3/4, and no key is
// installed twice.
//
// # Starting a group after GO Negotiation
//
// With the negotiation result r of package p2p (our role r.Role, the peer's
// P2P Device Address r.Peer and Intended P2P Interface Address
// r.PeerInterfaceAddress, r.Freq, r.SSID, our method r.Method) and the PIN
// when the method is not push button:
//
//	// r.Role == GO
//	g, err := group.StartGO(ctx, phy, group.GOConfig{
//		Device: dev, Freq: r.Freq, SSID: []byte(r.SSID), Persistent: persistent,
//		Formation: &group.Formation{Peer: r.Peer, PeerInterface: r.PeerInterfaceAddress,
//			WPS: &group.WPS{PasswordID: id, PIN: pin}},
//	})
//	// r.Role == client
//	c, err := group.StartClient(ctx, phy, group.ClientConfig{
//		Device: dev, GODeviceAddress: r.GODeviceAddress, GOInterfaceAddress: r.PeerInterfaceAddress,
//		Freq: r.Freq, SSID: []byte(r.SSID), WPS: &group.WPS{PasswordID: id, PIN: pin},
//	})
//
// id is wsc.PasswordPushButton for push button; for a PIN the client uses
// wsc.PasswordDefault when it displays the PIN and
// wsc.PasswordRegistrarSpecified when its user typed the GO's (as
// wpa_supplicant does), and the GO any PIN ID. A persistent group is
// re-invoked with Formation.WPS nil and the stored Passphrase or PSK on
// both sides; an autonomous GO has no Formation and opens its Registrar
// with AllowJoin. dev.UUID should be the UUID the P2P device announces in
// its own WSC IEs, so that push button overlap detection sees one Enrollee.
package group
