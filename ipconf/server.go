package ipconf

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/server4"
)

// ServerConfig configures a DHCP server on a P2P group interface.
type ServerConfig struct {
	// Interface is the netdev name.
	Interface string
	// Address is the server's own address and prefix (e.g.
	// 192.168.49.1/24); it must be on Interface.
	Address netip.Prefix
	// LeaseTime is the IP Address Lease Time offered; 0: 1 hour.
	LeaseTime time.Duration
	// Leaser decides every client's address.
	Leaser Leaser
	// OnLease, when set, is called (from the server goroutine) for each
	// DHCPACK that gives an address: the client's hardware address and the
	// address.
	OnLease func(hw net.HardwareAddr, addr netip.Addr)
}

// maxMessage bounds a received DHCP message: a UDP payload on an
// Ethernet-sized link (the library's own client uses 1500).
const maxMessage = 1500

// Server is a running DHCPv4 server (RFC 2131) on one interface.
type Server struct {
	conn   net.PacketConn
	cancel context.CancelFunc
	done   chan struct{}

	closeOnce sync.Once
	closeErr  error
	// readErr is why the server goroutine stopped reading before Close;
	// written before done is closed.
	readErr error
}

// Serve starts a DHCP server on cfg.Interface: a UDP socket on port 67
// bound to the device. It answers until Close is called or ctx is done;
// ctx is also the context of the Leaser's calls.
func (c *IPConf) Serve(ctx context.Context, cfg ServerConfig) (*Server, error) {
	if cfg.Interface == "" {
		return nil, fmt.Errorf("%w: server without interface", ErrInvalid)
	}
	if !cfg.Address.IsValid() || !cfg.Address.Addr().Is4() {
		return nil, fmt.Errorf("%w: server address %v is not an IPv4 prefix", ErrInvalid, cfg.Address)
	}
	if cfg.Leaser == nil {
		return nil, fmt.Errorf("%w: server without Leaser", ErrInvalid)
	}
	var conn net.PacketConn
	err := c.inNetNS(func() error {
		if err := checkAddress(cfg.Interface, cfg.Address); err != nil {
			return err
		}
		udp, err := server4.NewIPv4UDPConn(cfg.Interface, &net.UDPAddr{Port: serverPort})
		if err != nil {
			return fmt.Errorf("ipconf: DHCP server socket on %s: %w", cfg.Interface, err)
		}
		conn = udp
		return nil
	})
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &Server{conn: conn, cancel: cancel, done: make(chan struct{})}
	stop := context.AfterFunc(sctx, func() { conn.Close() })
	p := replyParams{Address: cfg.Address, LeaseTime: cfg.LeaseTime}
	go func() {
		defer close(s.done)
		s.readErr = serveConn(sctx, conn, p, cfg)
		stop()
		conn.Close()
	}()
	return s, nil
}

// checkAddress makes sure that addr is configured on the interface ifname.
func checkAddress(ifname string, addr netip.Prefix) error {
	ifc, err := net.InterfaceByName(ifname)
	if err != nil {
		return fmt.Errorf("ipconf: interface %s: %w", ifname, err)
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return fmt.Errorf("ipconf: addresses of %s: %w", ifname, err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		ones, bits := ipn.Mask.Size()
		if ok && ip.Unmap() == addr.Addr() && ones == addr.Bits() && (bits == 32 || bits == 128) {
			return nil
		}
	}
	return fmt.Errorf("%w: %v is not an address of %s", ErrInvalid, addr, ifname)
}

// serveConn answers the requests read from conn until reading fails; it
// returns nil when that is because ctx is done.
func serveConn(ctx context.Context, conn net.PacketConn, p replyParams, cfg ServerConfig) error {
	buf := make([]byte, maxMessage)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("ipconf: DHCP server on %s: %w", cfg.Interface, err)
		}
		req, err := dhcpv4.FromBytes(buf[:n])
		if err != nil {
			continue
		}
		rep, dst := p.reply(ctx, req, cfg.Leaser)
		if rep == nil {
			continue
		}
		// A reply that cannot be sent is lost like one lost on the air:
		// the client retransmits.
		if _, err := conn.WriteTo(rep.ToBytes(), net.UDPAddrFromAddrPort(dst)); err != nil {
			continue
		}
		if cfg.OnLease != nil && rep.MessageType() == dhcpv4.MessageTypeAck {
			if addr, ok := addr4(rep.YourIPAddr); ok {
				cfg.OnLease(rep.ClientHWAddr, addr)
			}
		}
	}
}

// Close stops the server and closes its socket. It returns why the server
// had stopped on its own, if it had.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		<-s.done
		s.closeErr = s.readErr
	})
	return s.closeErr
}
