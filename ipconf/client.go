package ipconf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
)

// Lease is the result of a DHCP exchange (RFC 2131 3.1).
type Lease struct {
	// Address is our address with the subnet mask as prefix.
	Address netip.Prefix
	// Server is the Server Identifier.
	Server netip.Addr
	// Router is the first Router offered; zero when none is.
	Router netip.Addr
	// Duration is the IP Address Lease Time (0 when the server gave none).
	Duration time.Duration
}

// Client timing. RFC 2131 4.1 starts retransmissions at 4 s, doubling up
// to 64 s; a P2P link is fresh and the GO's server may start a moment
// after our 4-way handshake, so the first retransmission comes after 1 s
// (then 2, 4, 8... s, until ctx is done).
const (
	firstRetransmit = time.Second
	// requestWait bounds the DHCPREQUEST retransmissions (1+2+4+8 s)
	// before the client goes back to INIT and discovers again (RFC 2131
	// 4.4.1, 4.4.3).
	requestWait = 15 * time.Second
	// nakPause is the wait after a DHCPNAK before discovering again (RFC
	// 2131 4.4.1 suggests 10 s for a LAN; a P2P group has one server).
	nakPause = time.Second
)

// Acquire obtains a lease on ifname by DHCPDISCOVER, DHCPOFFER,
// DHCPREQUEST, DHCPACK (RFC 2131 3.1) over a packet socket, so the
// interface needs no address. It retransmits within ctx, starts over after
// a DHCPNAK or an unanswered DHCPREQUEST, and returns ctx's error (wrapped)
// when ctx is done first.
func (c *IPConf) Acquire(ctx context.Context, ifname string) (Lease, error) {
	var cl *nclient4.Client
	err := c.inNetNS(func() error {
		var err error
		cl, err = nclient4.New(ifname, nclient4.WithTimeout(firstRetransmit), nclient4.WithRetry(-1))
		return err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("ipconf: DHCP client on %s: %w", ifname, err)
	}
	defer cl.Close()
	for {
		offer, err := cl.DiscoverOffer(ctx)
		if err != nil {
			return Lease{}, fmt.Errorf("ipconf: DHCP on %s: no offer: %w", ifname, err)
		}
		rctx, cancel := context.WithTimeout(ctx, requestWait)
		l, err := cl.RequestFromOffer(rctx, offer)
		cancel()
		if err == nil {
			lease, err := leaseFromACK(l.ACK)
			if err != nil {
				return Lease{}, fmt.Errorf("ipconf: DHCP on %s: %w", ifname, err)
			}
			return lease, nil
		}
		if ctx.Err() != nil {
			return Lease{}, fmt.Errorf("ipconf: DHCP on %s: no answer: %w", ifname, ctx.Err())
		}
		var nak *nclient4.ErrNak
		switch {
		case errors.As(err, &nak):
			select {
			case <-ctx.Done():
				return Lease{}, fmt.Errorf("ipconf: DHCP on %s: %w", ifname, ctx.Err())
			case <-time.After(nakPause):
			}
		case errors.Is(err, context.DeadlineExceeded):
			// The DHCPREQUEST went unanswered: discover again.
		default:
			return Lease{}, fmt.Errorf("ipconf: DHCP on %s: %w", ifname, err)
		}
	}
}

// leaseFromACK reads the lease of a DHCPACK.
func leaseFromACK(ack *dhcpv4.DHCPv4) (Lease, error) {
	addr, ok := addr4(ack.YourIPAddr)
	if !ok {
		return Lease{}, fmt.Errorf("%w: DHCPACK without yiaddr", ErrInvalid)
	}
	server, ok := addr4(ack.ServerIdentifier())
	if !ok {
		return Lease{}, fmt.Errorf("%w: DHCPACK without Server Identifier", ErrInvalid)
	}
	mask := ack.SubnetMask()
	if mask == nil {
		// RFC 2132 3.3 makes the Subnet Mask optional: fall back on
		// the address class.
		mask = net.IP(addr.AsSlice()).DefaultMask()
	}
	ones, bits := mask.Size()
	if bits != 32 {
		return Lease{}, fmt.Errorf("%w: DHCPACK Subnet Mask %v is not contiguous", ErrInvalid, mask)
	}
	l := Lease{
		Address:  netip.PrefixFrom(addr, ones),
		Server:   server,
		Duration: ack.IPAddressLeaseTime(0),
	}
	for _, r := range ack.Router() {
		if a, ok := addr4(r); ok {
			l.Router = a
			break
		}
	}
	return l, nil
}

// Release sends a DHCPRELEASE for l on ifname (RFC 2131 4.4.6), best
// effort: nothing answers it. It goes over a packet socket from l's
// address, so it works whether or not the address is still configured.
func (c *IPConf) Release(ctx context.Context, ifname string, l Lease) error {
	if !l.Address.Addr().Is4() || !l.Server.Is4() {
		return fmt.Errorf("%w: lease %v from %v", ErrInvalid, l.Address, l.Server)
	}
	var (
		conn net.PacketConn
		hw   net.HardwareAddr
	)
	err := c.inNetNS(func() error {
		ifc, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		hw = ifc.HardwareAddr
		raw, err := nclient4.NewRawUDPConn(ifname, clientPort)
		if err != nil {
			return err
		}
		conn = raw
		// Send from the leased address (the library's socket sends from
		// 0.0.0.0).
		if b, ok := raw.(*nclient4.BroadcastRawUDPConn); ok {
			conn = nclient4.NewBroadcastUDPConn(b.PacketConn, &net.UDPAddr{IP: l.Address.Addr().AsSlice(), Port: clientPort})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ipconf: DHCPRELEASE on %s: %w", ifname, err)
	}
	defer conn.Close()
	if len(hw) != 6 {
		return fmt.Errorf("%w: %s has hardware address %v", ErrInvalid, ifname, hw)
	}
	msg, err := dhcpv4.New(
		dhcpv4.WithMessageType(dhcpv4.MessageTypeRelease),
		dhcpv4.WithHwAddr(hw),
		dhcpv4.WithClientIP(l.Address.Addr().AsSlice()),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(l.Server.AsSlice())),
	)
	if err != nil {
		return fmt.Errorf("ipconf: DHCPRELEASE: %w", err)
	}
	if d, ok := ctx.Deadline(); ok {
		if err := conn.SetWriteDeadline(d); err != nil {
			return fmt.Errorf("ipconf: DHCPRELEASE on %s: %w", ifname, err)
		}
	}
	dst := net.UDPAddrFromAddrPort(netip.AddrPortFrom(l.Server, serverPort))
	if _, err := conn.WriteTo(msg.ToBytes(), dst); err != nil {
		return fmt.Errorf("ipconf: DHCPRELEASE on %s: %w", ifname, err)
	}
	return nil
}
