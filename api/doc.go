// Package api is the service's contract: the Backend and Device interfaces
// that the D-Bus layer (package dbusapi) calls, the events the backend
// reports, the state of devices, peers and groups, the options of every
// call, and the errors the API names. It is written in the service's own
// words: no transport appears here, and it depends on the standard library
// only.
//
// The coordinator implements the contract; dbusapi translates between it
// and D-Bus (object paths, variants, error names); org.freedesktop.WiFiP2P.xml
// beside this package documents the D-Bus face, generated from dbusapi's
// tables and this package's error table.
package api
