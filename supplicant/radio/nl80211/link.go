package nl80211

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// linkOps is what this package does to netdevs over rtnetlink.
type linkOps interface {
	setUp(ctx context.Context, ifindex int, up bool) error
	setAddr(ctx context.Context, ifindex int, addr ieee80211.MAC) error
	addAddress(ctx context.Context, ifindex int, p netip.Prefix) error
	delAddress(ctx context.Context, ifindex int, p netip.Prefix) error
}

// rtnlLink does linkOps with github.com/jsimonetti/rtnetlink/v2, one short
// connection per operation, in the Backend's namespace.
type rtnlLink struct{ netns int }

func (l rtnlLink) with(ctx context.Context, fn func(c *rtnetlink.Conn) error) error {
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: l.netns})
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetReadDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	err = fn(c)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (l rtnlLink) setUp(ctx context.Context, ifindex int, up bool) error {
	return l.with(ctx, func(c *rtnetlink.Conn) error {
		var flags uint32
		if up {
			flags = unix.IFF_UP
		}
		return c.Link.Set(&rtnetlink.LinkMessage{
			Family: unix.AF_UNSPEC,
			Index:  uint32(ifindex),
			Flags:  flags,
			Change: unix.IFF_UP,
		})
	})
}

func (l rtnlLink) setAddr(ctx context.Context, ifindex int, addr ieee80211.MAC) error {
	return l.with(ctx, func(c *rtnetlink.Conn) error {
		return c.Link.Set(&rtnetlink.LinkMessage{
			Family:     unix.AF_UNSPEC,
			Index:      uint32(ifindex),
			Attributes: &rtnetlink.LinkAttributes{Address: net.HardwareAddr(addr[:])},
		})
	})
}

// addressMessage is RTM_NEWADDR/RTM_DELADDR's message for p on ifindex,
// with the broadcast address of an IPv4 prefix.
func addressMessage(ifindex int, p netip.Prefix) *rtnetlink.AddressMessage {
	addr := p.Addr()
	family := unix.AF_INET6
	var brd net.IP
	if addr.Is4() {
		family = unix.AF_INET
		a4 := addr.As4()
		v := binary.BigEndian.Uint32(a4[:]) | (^uint32(0) >> p.Bits())
		if p.Bits() == 0 {
			v = ^uint32(0)
		}
		brd = binary.BigEndian.AppendUint32(nil, v)
	}
	ip := net.IP(addr.AsSlice())
	return &rtnetlink.AddressMessage{
		Family:       uint8(family),
		PrefixLength: uint8(p.Bits()),
		Scope:        unix.RT_SCOPE_UNIVERSE,
		Index:        uint32(ifindex),
		Attributes:   &rtnetlink.AddressAttributes{Address: ip, Local: ip, Broadcast: brd},
	}
}

func (l rtnlLink) addAddress(ctx context.Context, ifindex int, p netip.Prefix) error {
	return l.with(ctx, func(c *rtnetlink.Conn) error { return c.Address.New(addressMessage(ifindex, p)) })
}

func (l rtnlLink) delAddress(ctx context.Context, ifindex int, p netip.Prefix) error {
	return l.with(ctx, func(c *rtnetlink.Conn) error { return c.Address.Delete(addressMessage(ifindex, p)) })
}

// AddAddress adds an IP address with its prefix to a netdev of the
// Backend's namespace (RTM_NEWADDR), e.g. a P2P group interface's
// 192.168.49.1/24. The seam has no such operation; it is here because this
// package owns the kernel's netlink sockets.
func (b *Backend) AddAddress(ctx context.Context, ifindex int, p netip.Prefix) error {
	if err := b.link.addAddress(ctx, ifindex, p); err != nil {
		return mapError("RTM_NEWADDR", err)
	}
	return nil
}

// AddAddress implements radio.Addresses on a netdev (RTM_NEWADDR); an
// address already there is not an error.
func (i *iface) AddAddress(ctx context.Context, p netip.Prefix) error {
	idx, err := i.netdev("RTM_NEWADDR")
	if err != nil {
		return err
	}
	if err := i.b.link.addAddress(ctx, idx, p); err != nil && !errors.Is(err, unix.EEXIST) {
		return mapError("RTM_NEWADDR", err)
	}
	return nil
}

// DeleteAddress implements radio.Addresses on a netdev (RTM_DELADDR); an
// address not there is not an error.
func (i *iface) DeleteAddress(ctx context.Context, p netip.Prefix) error {
	idx, err := i.netdev("RTM_DELADDR")
	if err != nil {
		return err
	}
	if err := i.b.link.delAddress(ctx, idx, p); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) && !errors.Is(err, unix.ENODEV) {
		return mapError("RTM_DELADDR", err)
	}
	return nil
}

// netdev is the interface's ifindex, for rtnetlink operations.
func (i *iface) netdev(op string) (int, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.gone {
		return 0, localError(op, radio.ErrNoDevice, "interface removed")
	}
	if i.info.Index == 0 {
		return 0, localError(op, radio.ErrNotSupported, "a P2P Device has no netdev")
	}
	return i.info.Index, nil
}
