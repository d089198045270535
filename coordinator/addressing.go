package coordinator

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
)

// This file is IP addressing on our groups beyond the EAPOL IP Address
// Allocation: the DHCP server of our GO and the DHCP client of a client
// whose GO gave no address in the 4-way handshake (Config.DHCP).
// serveDHCP runs in start, off the loop; acquireAddress runs on a
// goroutine of its own.

// serveDHCP starts the DHCP server of a group where we are GO, when the
// coordinator has DHCP: it leases the members the addresses the GO's pool
// gives them (the same the 4-way handshake hands out), and nobody else
// any. Without a server clients still get addresses in the handshake.
func (d *device) serveDHCP(ctx context.Context, g *runningGroup) {
	if d.c.cfg.DHCP == nil {
		return
	}
	gs := g.goSide
	ifname := gs.Interface().Name
	srv, err := d.c.cfg.DHCP.Serve(ctx, ifname, gs.Address(), func(ctx context.Context, hw net.HardwareAddr) (netip.Addr, error) {
		if len(hw) != 6 {
			return netip.Addr{}, fmt.Errorf("hardware address %v: %w", hw, group.ErrUnknownClient)
		}
		return gs.Lease(ctx, group.MAC(hw))
	})
	if err != nil {
		d.c.log.Warn("no DHCP server on the group interface; clients get addresses in the 4-way handshake only",
			zap.String("interface", ifname), zap.Error(err))
		return
	}
	g.dhcpServer = srv
}

// acquireAddress obtains our address by DHCP on a group where we are a
// client and the GO gave none in the 4-way handshake, puts it on the
// interface and reports the group up.
func (d *device) acquireAddress(g *runningGroup, ifname string) {
	defer d.c.wg.Done()
	ctx, cancel := context.WithTimeout(d.c.ctx, d.c.cfg.DHCPTimeout)
	defer cancel()
	log := d.c.log.With(zap.String("device", string(d.id)), zap.Uint32("group", uint32(g.id)), zap.String("interface", ifname))
	addr, server, err := d.c.cfg.DHCP.Acquire(ctx, ifname)
	if err == nil {
		err = g.client.SetAddress(ctx, addr)
	}
	if err != nil {
		log.Warn("no address by DHCP: leaving the group", zap.Error(err))
		g.finish(fmt.Errorf("%w: no IP address from the group owner by DHCP: %w", api.ErrTimeout, err))
		_ = d.LeaveGroup(context.Background(), g.id)
		return
	}
	log.Info("address obtained by DHCP", zap.Stringer("address", addr), zap.Stringer("server", server))
	d.c.post(func() {
		if d.groups[g.id] != g {
			return
		}
		g.info.LocalAddresses = []netip.Prefix{addr}
		if !g.info.GroupOwnerAddress.IsValid() {
			g.info.GroupOwnerAddress = server
			g.members[g.info.GroupOwner] = server
		}
		d.groupUpdated(g)
		g.finish(nil)
	})
}
