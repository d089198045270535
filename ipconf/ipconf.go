// Package ipconf implements the IP configuration of P2P group interfaces:
// DHCPv4 (RFC 2131) server and client.
//
// A P2P Group Owner serves DHCP on its group interface from a small pool
// (Wi-Fi P2P Technical Specification v1.7: the GO provides a DHCP server;
// Android uses 192.168.49.0/24 with the GO at .1), and a P2P
// Client whose GO gave it no address in the EAPOL IP Address Allocation KDE
// obtains one by DHCP. This package only speaks DHCP: addresses on netdevs
// are set by someone else. Packet format and sockets come from
// github.com/insomniacslk/dhcp; the server's answers are computed here.
package ipconf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"

	"golang.org/x/sys/unix"
)

// Leaser decides the address of a DHCP client: a GO answers only for its
// members.
type Leaser interface {
	// Lease returns the address the client with hardware address hw gets
	// (the same on every call while it is a member), or an error (wrap
	// ErrNotMember) when it must get none.
	Lease(ctx context.Context, hw net.HardwareAddr) (netip.Addr, error)
}

// LeaserFunc adapts a function to Leaser.
type LeaserFunc func(ctx context.Context, hw net.HardwareAddr) (netip.Addr, error)

// Lease calls f.
func (f LeaserFunc) Lease(ctx context.Context, hw net.HardwareAddr) (netip.Addr, error) {
	return f(ctx, hw)
}

// ErrNotMember is what a Leaser wraps when a client is not a member of the
// group and gets no address.
var ErrNotMember = errors.New("ipconf: not a member of the group")

// ErrInvalid reports a configuration or lease this package cannot use.
var ErrInvalid = errors.New("ipconf: invalid argument")

// Config says where sockets live.
type Config struct {
	// NetNS, when not empty, is the path of a network namespace (e.g.
	// /run/netns/x) in which the sockets are created and interfaces looked
	// up (tests put one side of a link there).
	NetNS string
}

// IPConf opens DHCP servers and runs DHCP clients in one network
// namespace. Its methods may be called concurrently.
type IPConf struct {
	cfg Config
}

// New returns an IPConf for cfg.
func New(cfg Config) *IPConf {
	return &IPConf{cfg: cfg}
}

// inNetNS runs f in the configured network namespace: on a dedicated,
// locked OS thread that enters the namespace, runs f (which creates the
// sockets: a socket stays in the namespace it was created in) and goes
// back. When going back fails the thread is left locked, so that the Go
// runtime ends it with its goroutine instead of reusing it.
func (c *IPConf) inNetNS(f func() error) error {
	if c.cfg.NetNS == "" {
		return f()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restored, err := enterNetNS(c.cfg.NetNS, f)
		if restored {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// enterNetNS runs f in the namespace at path on the calling (locked)
// thread and reports whether the thread is back in its own namespace.
func enterNetNS(path string, f func() error) (restored bool, err error) {
	target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true, fmt.Errorf("ipconf: network namespace %s: %w", path, err)
	}
	defer unix.Close(target)
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true, fmt.Errorf("ipconf: own network namespace: %w", err)
	}
	defer unix.Close(orig)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("ipconf: enter network namespace %s: %w", path, err)
	}
	defer func() {
		restored = unix.Setns(orig, unix.CLONE_NEWNET) == nil
	}()
	return false, f()
}
