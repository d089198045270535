package ipconf

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// DHCP's UDP ports (RFC 2131 4.1).
const (
	serverPort = 67
	clientPort = 68
)

// defaultLeaseTime is the lease time of a ServerConfig without one.
const defaultLeaseTime = time.Hour

// nakMessage is the Message option (RFC 2132 9.9) of the server's DHCPNAK.
const nakMessage = "address not leased to this client"

// replyParams are what the server's answers are made of.
type replyParams struct {
	// Address is the server's own address (its Server Identifier and the
	// Router it offers) with the prefix giving the Subnet Mask.
	Address netip.Prefix
	// LeaseTime is the IP Address Lease Time; T1 and T2 are 1/2 and 7/8
	// of it (RFC 2131 4.4.5).
	LeaseTime time.Duration
}

// reply computes the server's answer to req (RFC 2131 4.3) and where to
// send it (RFC 2131 4.1); a nil reply means the server stays silent. l
// decides every client's address: a client it refuses gets no answer.
//
// DHCPDISCOVER gets a DHCPOFFER; DHCPREQUEST gets a DHCPACK for the
// Leaser's address or a DHCPNAK for any other, and nothing when it selects
// another server; DHCPINFORM gets a DHCPACK without address or lease time;
// DHCPRELEASE and DHCPDECLINE get nothing (the Leaser, not the server,
// owns the addresses). Anything but a BOOTREQUEST with a 6-octet client
// hardware address and a DHCP Message Type is ignored.
func (p replyParams) reply(ctx context.Context, req *dhcpv4.DHCPv4, l Leaser) (*dhcpv4.DHCPv4, netip.AddrPort) {
	if req == nil || req.OpCode != dhcpv4.OpcodeBootRequest || len(req.ClientHWAddr) != 6 {
		return nil, netip.AddrPort{}
	}
	switch req.MessageType() {
	case dhcpv4.MessageTypeDiscover:
		addr, ok := p.lease(ctx, req, l)
		if !ok {
			return nil, netip.AddrPort{}
		}
		return p.answer(req, dhcpv4.MessageTypeOffer, addr)

	case dhcpv4.MessageTypeRequest:
		// RFC 2131 4.3.2: a Server Identifier names the server the client
		// selected (SELECTING); without one the client is in INIT-REBOOT
		// (Requested IP Address) or RENEWING/REBINDING (ciaddr).
		if raw := req.Options.Get(dhcpv4.OptionServerIdentifier); raw != nil {
			sid, ok := netip.AddrFromSlice(raw)
			if !ok || sid != p.Address.Addr() {
				return nil, netip.AddrPort{}
			}
		}
		want, ok := requested(req)
		if !ok {
			return nil, netip.AddrPort{}
		}
		addr, ok := p.lease(ctx, req, l)
		if !ok {
			return nil, netip.AddrPort{}
		}
		if want != addr {
			return p.answer(req, dhcpv4.MessageTypeNak, netip.Addr{})
		}
		return p.answer(req, dhcpv4.MessageTypeAck, addr)

	case dhcpv4.MessageTypeInform:
		// RFC 2131 4.3.5: local configuration only, for members only.
		if _, ok := p.lease(ctx, req, l); !ok {
			return nil, netip.AddrPort{}
		}
		return p.answer(req, dhcpv4.MessageTypeAck, netip.Addr{})
	}
	// DHCPRELEASE, DHCPDECLINE, replies and BOOTP: no answer.
	return nil, netip.AddrPort{}
}

// lease asks l for the address of req's client; ok is false when the
// client gets none (refused, or an address that is not IPv4).
func (p replyParams) lease(ctx context.Context, req *dhcpv4.DHCPv4, l Leaser) (addr netip.Addr, ok bool) {
	if l == nil {
		return netip.Addr{}, false
	}
	hw := bytes.Clone(req.ClientHWAddr)
	addr, err := l.Lease(ctx, hw)
	if err != nil || !addr.Is4() || addr.IsUnspecified() {
		return netip.Addr{}, false
	}
	return addr, true
}

// requested is the address a DHCPREQUEST asks for: its Requested IP
// Address option (SELECTING, INIT-REBOOT) or else its ciaddr (RENEWING,
// REBINDING). ok is false when it names none or the option is malformed.
func requested(req *dhcpv4.DHCPv4) (netip.Addr, bool) {
	if raw := req.Options.Get(dhcpv4.OptionRequestedIPAddress); raw != nil {
		a, ok := netip.AddrFromSlice(raw)
		if !ok || a.IsUnspecified() {
			return netip.Addr{}, false
		}
		return a, true
	}
	a, ok := addr4(req.ClientIPAddr)
	return a, ok
}

// addr4 converts a header address field; ok is false when it is not a
// set IPv4 address (absent, malformed or 0.0.0.0).
func addr4(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}, false
	}
	a = a.Unmap()
	if !a.Is4() || a.IsUnspecified() {
		return netip.Addr{}, false
	}
	return a, true
}

// answer builds a DHCPOFFER, DHCPACK or DHCPNAK to req with the fields of
// RFC 2131 4.3.1 Table 3 and returns it with its destination. yiaddr is
// the zero Addr for a DHCPNAK and for the DHCPACK to a DHCPINFORM (which
// carries no lease times either, RFC 2131 4.3.5).
func (p replyParams) answer(req *dhcpv4.DHCPv4, mt dhcpv4.MessageType, yiaddr netip.Addr) (*dhcpv4.DHCPv4, netip.AddrPort) {
	own := p.Address.Addr()
	rep := &dhcpv4.DHCPv4{
		OpCode:        dhcpv4.OpcodeBootReply,
		HWType:        req.HWType,
		TransactionID: req.TransactionID,
		Flags:         req.Flags,
		ClientIPAddr:  net.IPv4zero.To4(),
		YourIPAddr:    net.IPv4zero.To4(),
		ServerIPAddr:  net.IPv4zero.To4(),
		GatewayIPAddr: net.IPv4zero.To4(),
		ClientHWAddr:  bytes.Clone(req.ClientHWAddr),
		Options:       make(dhcpv4.Options),
	}
	giaddr, relayed := addr4(req.GatewayIPAddr)
	if relayed {
		rep.GatewayIPAddr = giaddr.AsSlice()
	}
	rep.UpdateOption(dhcpv4.OptMessageType(mt))
	rep.UpdateOption(dhcpv4.OptServerIdentifier(own.AsSlice()))
	// RFC 6842: a server echoes the Client Identifier.
	if id := req.Options.Get(dhcpv4.OptionClientIdentifier); id != nil {
		rep.UpdateOption(dhcpv4.OptClientIdentifier(bytes.Clone(id)))
	}
	if mt == dhcpv4.MessageTypeNak {
		rep.UpdateOption(dhcpv4.OptMessage(nakMessage))
		return rep, nakDestination(rep, giaddr, relayed)
	}
	if mt == dhcpv4.MessageTypeAck {
		if ciaddr, ok := addr4(req.ClientIPAddr); ok {
			rep.ClientIPAddr = ciaddr.AsSlice()
		}
	}
	rep.UpdateOption(dhcpv4.OptSubnetMask(net.CIDRMask(p.Address.Bits(), 32)))
	rep.UpdateOption(dhcpv4.OptRouter(own.AsSlice()))
	if yiaddr.IsValid() {
		rep.YourIPAddr = yiaddr.AsSlice()
		lt := p.LeaseTime
		if lt <= 0 {
			lt = defaultLeaseTime
		}
		rep.UpdateOption(dhcpv4.OptIPAddressLeaseTime(lt))
		rep.UpdateOption(dhcpv4.OptRenewTimeValue(lt / 2))
		rep.UpdateOption(dhcpv4.OptRebindingTimeValue(lt / 8 * 7))
	}
	return rep, destination(req, giaddr, relayed)
}

// Destinations of RFC 2131 4.1.
var (
	limitedBroadcast = netip.AddrPortFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), clientPort)
)

// destination is where a DHCPOFFER or DHCPACK to req goes (RFC 2131 4.1):
// the relay agent's giaddr, else the client's ciaddr, else the limited
// broadcast address. RFC 2131 4.1 asks for a unicast to yiaddr and chaddr
// when the client did not set the broadcast bit; a UDP socket cannot
// address a host that answers no ARP yet, and 4.1 allows broadcasting
// "if unicasting is not possible", as the client accepts either.
func destination(req *dhcpv4.DHCPv4, giaddr netip.Addr, relayed bool) netip.AddrPort {
	if relayed {
		return netip.AddrPortFrom(giaddr, serverPort)
	}
	if ciaddr, ok := addr4(req.ClientIPAddr); ok {
		return netip.AddrPortFrom(ciaddr, clientPort)
	}
	return limitedBroadcast
}

// nakDestination is where a DHCPNAK goes (RFC 2131 4.1): broadcast, or to
// the relay agent with the broadcast bit set so that it broadcasts it.
func nakDestination(rep *dhcpv4.DHCPv4, giaddr netip.Addr, relayed bool) netip.AddrPort {
	if relayed {
		rep.SetBroadcast()
		return netip.AddrPortFrom(giaddr, serverPort)
	}
	return limitedBroadcast
}
