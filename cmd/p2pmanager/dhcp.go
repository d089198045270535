package main

import (
	"context"
	"io"
	"net"
	"net/netip"

	"github.com/p2pmanager/p2pmanager/coordinator"
	"github.com/p2pmanager/p2pmanager/ipconf"
)

// kernelDHCP gives the coordinator DHCP on the kernel's group interfaces
// (package ipconf): the GO's server and the client's lease.
type kernelDHCP struct{ c *ipconf.IPConf }

var _ coordinator.DHCP = kernelDHCP{}

func (k kernelDHCP) Serve(ctx context.Context, ifname string, own netip.Prefix, lease func(ctx context.Context, hw net.HardwareAddr) (netip.Addr, error)) (io.Closer, error) {
	return k.c.Serve(ctx, ipconf.ServerConfig{Interface: ifname, Address: own, Leaser: ipconf.LeaserFunc(lease)})
}

func (k kernelDHCP) Acquire(ctx context.Context, ifname string) (netip.Prefix, netip.Addr, error) {
	l, err := k.c.Acquire(ctx, ifname)
	if err != nil {
		return netip.Prefix{}, netip.Addr{}, err
	}
	return l.Address, l.Server, nil
}
