// Package dbusapi is the D-Bus face of p2pmanager: it owns the name
// org.freedesktop.WiFiP2P on the bus and publishes the API documented in
// api/org.freedesktop.WiFiP2P.xml (Manager1, Device1, Peer1, Group1, and
// Agent1 implemented by applications), with an ObjectManager for devices,
// peers and groups, batched PropertiesChanged, and named errors.
//
// The layer translates only, between godbus and the service's contract
// (package api). Below it is an api.Backend with its own event loop: method
// calls become Backend and Device calls in the service's own terms, and the backend's events become objects,
// properties and agent calls. The layer adds what only it can know about:
// bus clients. It tracks them (NameOwnerChanged) so that discovery and
// listen leases, groups and the agent of a client end when it leaves the
// bus; it bounds the calls in flight per client; it checks every argument
// against the API table before anything is applied; and it asks polkit
// (on the system bus) before privileged calls.
//
// It is the only package of the project that imports godbus.
package dbusapi
