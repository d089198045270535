package ipconf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

var (
	memberHW   = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}
	strangerHW = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}
	serverAddr = netip.MustParsePrefix("192.168.49.1/24")
	memberIP   = netip.MustParseAddr("192.168.49.23")
	otherIP    = netip.MustParseAddr("192.168.49.99")
	foreignSID = netip.MustParseAddr("192.168.49.254")
	relayIP    = netip.MustParseAddr("10.0.0.1")
	testXID    = dhcpv4.TransactionID{0xde, 0xad, 0xbe, 0xef}
)

// mapLeaser leases the addresses of its map and refuses everyone else.
type mapLeaser map[string]netip.Addr

func (m mapLeaser) Lease(_ context.Context, hw net.HardwareAddr) (netip.Addr, error) {
	a, ok := m[hw.String()]
	if !ok {
		return netip.Addr{}, fmt.Errorf("%v: %w", hw, ErrNotMember)
	}
	return a, nil
}

func members() mapLeaser { return mapLeaser{memberHW.String(): memberIP} }

// request builds a BOOTREQUEST from the member and passes it through its
// wire form, as the server would receive it.
func request(t testing.TB, mt dhcpv4.MessageType, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	t.Helper()
	all := append([]dhcpv4.Modifier{
		dhcpv4.WithTransactionID(testXID),
		dhcpv4.WithHwAddr(memberHW),
		dhcpv4.WithMessageType(mt),
	}, mods...)
	m, err := dhcpv4.New(all...)
	if err != nil {
		t.Fatalf("dhcpv4.New: %v", err)
	}
	got, err := dhcpv4.FromBytes(m.ToBytes())
	if err != nil {
		t.Fatalf("FromBytes of own request: %v", err)
	}
	return got
}

func withIP(f func(net.IP) dhcpv4.Modifier, a netip.Addr) dhcpv4.Modifier { return f(a.AsSlice()) }

func optIP(f func(net.IP) dhcpv4.Option, a netip.Addr) dhcpv4.Modifier {
	return dhcpv4.WithOption(f(a.AsSlice()))
}

// summary is what matters of a reply, read back from its wire form.
type summary struct {
	Dest      string
	Type      string
	XID       dhcpv4.TransactionID
	Broadcast bool
	Ciaddr    string
	Yiaddr    string
	Giaddr    string
	Chaddr    string
	ServerID  string
	Mask      string
	Router    string
	LeaseTime time.Duration
	T1        time.Duration
	T2        time.Duration
	ClientID  []byte
	Message   string
}

func summarize(t testing.TB, rep *dhcpv4.DHCPv4, dst netip.AddrPort) *summary {
	t.Helper()
	if rep == nil {
		return nil
	}
	m, err := dhcpv4.FromBytes(rep.ToBytes())
	if err != nil {
		t.Fatalf("reply does not decode: %v", err)
	}
	if m.OpCode != dhcpv4.OpcodeBootReply {
		t.Errorf("reply op %v, want BOOTREPLY", m.OpCode)
	}
	s := &summary{
		Dest:      dst.String(),
		Type:      m.MessageType().String(),
		XID:       m.TransactionID,
		Broadcast: m.IsBroadcast(),
		Ciaddr:    m.ClientIPAddr.String(),
		Yiaddr:    m.YourIPAddr.String(),
		Giaddr:    m.GatewayIPAddr.String(),
		Chaddr:    m.ClientHWAddr.String(),
		LeaseTime: m.IPAddressLeaseTime(0),
		T1:        m.IPAddressRenewalTime(0),
		T2:        m.IPAddressRebindingTime(0),
		ClientID:  m.Options.Get(dhcpv4.OptionClientIdentifier),
		Message:   m.Message(),
	}
	if sid := m.ServerIdentifier(); sid != nil {
		s.ServerID = sid.String()
	}
	if mask := m.SubnetMask(); mask != nil {
		s.Mask = net.IP(mask).String()
	}
	if r := m.Router(); len(r) > 0 {
		s.Router = r[0].String()
	}
	return s
}

// leased is the expected OFFER or ACK (mt) to the member with the default
// lease time (1 h, T1 30 min, T2 52.5 min), broadcast.
func leased(mt string) *summary {
	return &summary{
		Dest:      "255.255.255.255:68",
		Type:      mt,
		XID:       testXID,
		Ciaddr:    "0.0.0.0",
		Yiaddr:    memberIP.String(),
		Giaddr:    "0.0.0.0",
		Chaddr:    memberHW.String(),
		ServerID:  "192.168.49.1",
		Mask:      "255.255.255.0",
		Router:    "192.168.49.1",
		LeaseTime: time.Hour,
		T1:        30 * time.Minute,
		T2:        52*time.Minute + 30*time.Second,
	}
}

func nak() *summary {
	return &summary{
		Dest:     "255.255.255.255:68",
		Type:     "NAK",
		XID:      testXID,
		Ciaddr:   "0.0.0.0",
		Yiaddr:   "0.0.0.0",
		Giaddr:   "0.0.0.0",
		Chaddr:   memberHW.String(),
		ServerID: "192.168.49.1",
		Message:  nakMessage,
	}
}

func with(s *summary, f func(*summary)) *summary {
	f(s)
	return s
}

func TestServerReplyFollowsRFC2131(t *testing.T) {
	tests := []struct {
		name      string
		leaseTime time.Duration
		req       func(t testing.TB) *dhcpv4.DHCPv4
		want      *summary
	}{
		{
			name: "DISCOVER from a member gets an OFFER of its address, broadcast",
			req:  func(t testing.TB) *dhcpv4.DHCPv4 { return request(t, dhcpv4.MessageTypeDiscover) },
			want: leased("OFFER"),
		},
		{
			name: "DISCOVER with the broadcast bit gets an OFFER with the bit",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeDiscover, dhcpv4.WithBroadcast(true))
			},
			want: with(leased("OFFER"), func(s *summary) { s.Broadcast = true }),
		},
		{
			name: "DISCOVER asking for another address still gets the Leaser's",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeDiscover, optIP(dhcpv4.OptRequestedIPAddress, otherIP))
			},
			want: leased("OFFER"),
		},
		{
			name:      "OFFER carries the configured lease time with T1 at 1/2 and T2 at 7/8",
			leaseTime: 10 * time.Minute,
			req:       func(t testing.TB) *dhcpv4.DHCPv4 { return request(t, dhcpv4.MessageTypeDiscover) },
			want: with(leased("OFFER"), func(s *summary) {
				s.LeaseTime, s.T1, s.T2 = 10*time.Minute, 5*time.Minute, 8*time.Minute+45*time.Second
			}),
		},
		{
			name: "DISCOVER from a client the Leaser refuses gets no answer",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeDiscover, dhcpv4.WithHwAddr(strangerHW))
			},
		},
		{
			name: "DISCOVER with a Client Identifier gets it back (RFC 6842)",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeDiscover, dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 2, 3})))
			},
			want: with(leased("OFFER"), func(s *summary) { s.ClientID = []byte{1, 2, 3} }),
		},
		{
			name: "REQUEST selecting this server for the offered address gets an ACK",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest,
					optIP(dhcpv4.OptServerIdentifier, serverAddr.Addr()),
					optIP(dhcpv4.OptRequestedIPAddress, memberIP))
			},
			want: leased("ACK"),
		},
		{
			name: "REQUEST selecting another server gets no answer",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest,
					optIP(dhcpv4.OptServerIdentifier, foreignSID),
					optIP(dhcpv4.OptRequestedIPAddress, memberIP))
			},
		},
		{
			name: "REQUEST with a malformed Server Identifier gets no answer",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest,
					dhcpv4.WithGeneric(dhcpv4.OptionServerIdentifier, []byte{192, 168, 49}),
					optIP(dhcpv4.OptRequestedIPAddress, memberIP))
			},
		},
		{
			name: "REQUEST selecting this server for another address gets a NAK, broadcast",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest,
					optIP(dhcpv4.OptServerIdentifier, serverAddr.Addr()),
					optIP(dhcpv4.OptRequestedIPAddress, otherIP))
			},
			want: nak(),
		},
		{
			name: "REQUEST in INIT-REBOOT for its address gets an ACK",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest, optIP(dhcpv4.OptRequestedIPAddress, memberIP))
			},
			want: leased("ACK"),
		},
		{
			name: "REQUEST in INIT-REBOOT for another address gets a NAK",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest, optIP(dhcpv4.OptRequestedIPAddress, otherIP))
			},
			want: nak(),
		},
		{
			name: "REQUEST in RENEWING gets an ACK unicast to ciaddr",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest, withIP(dhcpv4.WithClientIP, memberIP))
			},
			want: with(leased("ACK"), func(s *summary) {
				s.Dest = "192.168.49.23:68"
				s.Ciaddr = memberIP.String()
			}),
		},
		{
			name: "REQUEST in RENEWING for another address gets a NAK, broadcast",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest, withIP(dhcpv4.WithClientIP, otherIP))
			},
			want: nak(),
		},
		{
			name: "REQUEST naming no address gets no answer",
			req:  func(t testing.TB) *dhcpv4.DHCPv4 { return request(t, dhcpv4.MessageTypeRequest) },
		},
		{
			name: "REQUEST with a malformed Requested IP Address gets no answer",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest,
					dhcpv4.WithGeneric(dhcpv4.OptionRequestedIPAddress, []byte{192, 168, 49, 23, 0}))
			},
		},
		{
			name: "REQUEST from a client the Leaser refuses gets no answer",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest, dhcpv4.WithHwAddr(strangerHW),
					optIP(dhcpv4.OptServerIdentifier, serverAddr.Addr()),
					optIP(dhcpv4.OptRequestedIPAddress, memberIP))
			},
		},
		{
			name: "REQUEST through a relay gets an ACK sent to the relay's server port",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest, withIP(dhcpv4.WithGatewayIP, relayIP),
					optIP(dhcpv4.OptRequestedIPAddress, memberIP))
			},
			want: with(leased("ACK"), func(s *summary) {
				s.Dest = "10.0.0.1:67"
				s.Giaddr = relayIP.String()
			}),
		},
		{
			name: "NAK through a relay has the broadcast bit set",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRequest, withIP(dhcpv4.WithGatewayIP, relayIP),
					optIP(dhcpv4.OptRequestedIPAddress, otherIP))
			},
			want: with(nak(), func(s *summary) {
				s.Dest = "10.0.0.1:67"
				s.Giaddr = relayIP.String()
				s.Broadcast = true
			}),
		},
		{
			name: "INFORM from a member gets an ACK without address or lease time, to ciaddr",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeInform, withIP(dhcpv4.WithClientIP, memberIP))
			},
			want: &summary{
				Dest:     "192.168.49.23:68",
				Type:     "ACK",
				XID:      testXID,
				Ciaddr:   memberIP.String(),
				Yiaddr:   "0.0.0.0",
				Giaddr:   "0.0.0.0",
				Chaddr:   memberHW.String(),
				ServerID: "192.168.49.1",
				Mask:     "255.255.255.0",
				Router:   "192.168.49.1",
			},
		},
		{
			name: "INFORM from a client the Leaser refuses gets no answer",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeInform, dhcpv4.WithHwAddr(strangerHW), withIP(dhcpv4.WithClientIP, otherIP))
			},
		},
		{
			name: "RELEASE gets no answer",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeRelease, withIP(dhcpv4.WithClientIP, memberIP),
					optIP(dhcpv4.OptServerIdentifier, serverAddr.Addr()))
			},
		},
		{
			name: "DECLINE gets no answer",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeDecline, optIP(dhcpv4.OptRequestedIPAddress, memberIP),
					optIP(dhcpv4.OptServerIdentifier, serverAddr.Addr()))
			},
		},
		{
			name: "a BOOTREPLY is ignored",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				m := request(t, dhcpv4.MessageTypeDiscover)
				m.OpCode = dhcpv4.OpcodeBootReply
				return m
			},
		},
		{
			name: "an OFFER sent as a BOOTREQUEST is ignored",
			req:  func(t testing.TB) *dhcpv4.DHCPv4 { return request(t, dhcpv4.MessageTypeOffer) },
		},
		{
			name: "a BOOTP request without DHCP Message Type is ignored",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeDiscover, dhcpv4.WithoutOption(dhcpv4.OptionDHCPMessageType))
			},
		},
		{
			name: "a DISCOVER with a 16-octet client hardware address is ignored",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeDiscover, dhcpv4.WithHwAddr(bytes.Repeat([]byte{2}, 16)))
			},
		},
		{
			name: "a DISCOVER without client hardware address is ignored",
			req: func(t testing.TB) *dhcpv4.DHCPv4 {
				return request(t, dhcpv4.MessageTypeDiscover, dhcpv4.WithHwAddr(net.HardwareAddr{}))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := replyParams{Address: serverAddr, LeaseTime: tt.leaseTime}
			rep, dst := p.reply(context.Background(), tt.req(t), members())
			if diff := cmp.Diff(tt.want, summarize(t, rep, dst)); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServerReplyGivesNothingWhenTheLeaserHasNoIPv4Address(t *testing.T) {
	for _, a := range []netip.Addr{{}, netip.MustParseAddr("fe80::1"), netip.IPv4Unspecified()} {
		l := LeaserFunc(func(context.Context, net.HardwareAddr) (netip.Addr, error) { return a, nil })
		p := replyParams{Address: serverAddr}
		if rep, _ := p.reply(context.Background(), request(t, dhcpv4.MessageTypeDiscover), l); rep != nil {
			t.Errorf("Leaser address %v: got %v, want no answer", a, rep.MessageType())
		}
	}
}

func TestServerReplyAsksTheLeaserWithTheClientHardwareAddressAndContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "server")
	var gotHW net.HardwareAddr
	var gotCtx any
	l := LeaserFunc(func(ctx context.Context, hw net.HardwareAddr) (netip.Addr, error) {
		gotHW, gotCtx = hw, ctx.Value(key{})
		return memberIP, nil
	})
	p := replyParams{Address: serverAddr}
	if rep, _ := p.reply(ctx, request(t, dhcpv4.MessageTypeDiscover), l); rep == nil {
		t.Fatal("no OFFER")
	}
	if diff := cmp.Diff(memberHW.String(), gotHW.String()); diff != "" {
		t.Errorf("hw (-want +got):\n%s", diff)
	}
	if gotCtx != "server" {
		t.Errorf("Leaser got context value %v, want the server's", gotCtx)
	}
}

// TestBadInput4c13ServerDropsMalformedRequests: docs/bad-input.md 4c #13,
// network-facing DHCP in the daemon gets frame parser hygiene: malformed
// datagrams are dropped without a reply or a panic.
func TestBadInput4c13ServerDropsMalformedRequests(t *testing.T) {
	valid := request(t, dhcpv4.MessageTypeDiscover).ToBytes()
	optStart := 240 // op..file (236) + magic cookie
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated inside the fixed header", valid[:100]},
		{"no magic cookie", valid[:236]},
		{"wrong magic cookie", func() []byte { b := bytes.Clone(valid); b[236] ^= 0xff; return b }()},
		{"option length past the end", append(bytes.Clone(valid[:optStart]), 53, 200, 1)},
		{"option code without length", append(bytes.Clone(valid[:optStart]), 53)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := dhcpv4.FromBytes(tt.data)
			if err != nil {
				return // dropped by the decoder, as serveConn does
			}
			p := replyParams{Address: serverAddr}
			if rep, _ := p.reply(context.Background(), m, members()); rep != nil {
				t.Errorf("got %v, want no answer", rep.MessageType())
			}
		})
	}
}

func TestServerReplyIgnoresNilRequestAndNilLeaser(t *testing.T) {
	p := replyParams{Address: serverAddr}
	if rep, _ := p.reply(context.Background(), nil, members()); rep != nil {
		t.Errorf("nil request: got %v", rep.MessageType())
	}
	if rep, _ := p.reply(context.Background(), request(t, dhcpv4.MessageTypeDiscover), nil); rep != nil {
		t.Errorf("nil Leaser: got %v", rep.MessageType())
	}
}

func TestLeaseFromACKReadsAddressMaskServerRouterAndTime(t *testing.T) {
	ack := func(mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
		t.Helper()
		m, err := dhcpv4.New(append([]dhcpv4.Modifier{
			dhcpv4.WithMessageType(dhcpv4.MessageTypeAck),
			withIP(dhcpv4.WithYourIP, memberIP),
			optIP(dhcpv4.OptServerIdentifier, serverAddr.Addr()),
		}, mods...)...)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name    string
		ack     *dhcpv4.DHCPv4
		want    Lease
		wantErr error
	}{
		{
			name: "full ACK",
			ack: ack(dhcpv4.WithNetmask(net.CIDRMask(24, 32)), dhcpv4.WithLeaseTime(3600),
				dhcpv4.WithOption(dhcpv4.OptRouter(serverAddr.Addr().AsSlice()))),
			want: Lease{
				Address:  netip.MustParsePrefix("192.168.49.23/24"),
				Server:   serverAddr.Addr(),
				Router:   serverAddr.Addr(),
				Duration: time.Hour,
			},
		},
		{
			name: "no mask: class C default, no router, no lease time",
			ack:  ack(),
			want: Lease{Address: netip.MustParsePrefix("192.168.49.23/24"), Server: serverAddr.Addr()},
		},
		{
			name:    "non-contiguous mask",
			ack:     ack(dhcpv4.WithNetmask(net.IPv4Mask(255, 0, 255, 0))),
			wantErr: ErrInvalid,
		},
		{
			name:    "no yiaddr",
			ack:     ack(dhcpv4.WithYourIP(net.IPv4zero)),
			wantErr: ErrInvalid,
		},
		{
			name:    "no server identifier",
			ack:     ack(dhcpv4.WithoutOption(dhcpv4.OptionServerIdentifier)),
			wantErr: ErrInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := leaseFromACK(tt.ack)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
				cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("lease (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServeRejectsIncompleteConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ServerConfig
	}{
		{"no interface", ServerConfig{Address: serverAddr, Leaser: members()}},
		{"no address", ServerConfig{Interface: "p2p-wlan0-0", Leaser: members()}},
		{"IPv6 address", ServerConfig{Interface: "p2p-wlan0-0", Address: netip.MustParsePrefix("fe80::1/64"), Leaser: members()}},
		{"no Leaser", ServerConfig{Interface: "p2p-wlan0-0", Address: serverAddr}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{}).Serve(context.Background(), tt.cfg)
			if err == nil {
				s.Close()
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestConfigWithMissingNetNSFails(t *testing.T) {
	c := New(Config{NetNS: "/nonexistent/netns/ipconf-test"})
	cfg := ServerConfig{Interface: "lo", Address: serverAddr, Leaser: members()}
	if s, err := c.Serve(context.Background(), cfg); err == nil {
		s.Close()
		t.Fatal("Serve in a missing namespace succeeded")
	}
	if _, err := c.Acquire(context.Background(), "lo"); err == nil {
		t.Fatal("Acquire in a missing namespace succeeded")
	}
}

func TestReleaseRejectsAnEmptyLease(t *testing.T) {
	if err := New(Config{}).Release(context.Background(), "lo", Lease{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
}

// FuzzServerReply feeds arbitrary datagrams through the server's decoder and
// reply logic: no panic, and any reply is a BOOTREPLY to the same
// transaction and client that encodes and decodes again.
func FuzzServerReply(f *testing.F) {
	seeds := []*dhcpv4.DHCPv4{
		request(f, dhcpv4.MessageTypeDiscover),
		request(f, dhcpv4.MessageTypeDiscover, dhcpv4.WithBroadcast(true), dhcpv4.WithOption(dhcpv4.OptClientIdentifier([]byte{1, 2, 3}))),
		request(f, dhcpv4.MessageTypeRequest, optIP(dhcpv4.OptServerIdentifier, serverAddr.Addr()), optIP(dhcpv4.OptRequestedIPAddress, memberIP)),
		request(f, dhcpv4.MessageTypeRequest, optIP(dhcpv4.OptRequestedIPAddress, otherIP)),
		request(f, dhcpv4.MessageTypeRequest, withIP(dhcpv4.WithClientIP, memberIP)),
		request(f, dhcpv4.MessageTypeRequest, withIP(dhcpv4.WithGatewayIP, relayIP), optIP(dhcpv4.OptRequestedIPAddress, otherIP)),
		request(f, dhcpv4.MessageTypeInform, withIP(dhcpv4.WithClientIP, memberIP)),
		request(f, dhcpv4.MessageTypeRelease, withIP(dhcpv4.WithClientIP, memberIP)),
		request(f, dhcpv4.MessageTypeDecline, optIP(dhcpv4.OptRequestedIPAddress, memberIP)),
	}
	for _, s := range seeds {
		f.Add(s.ToBytes())
	}
	p := replyParams{Address: serverAddr}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := dhcpv4.FromBytes(data)
		if err != nil {
			return
		}
		// A Leaser that leases to everyone reaches every reply path.
		all := LeaserFunc(func(context.Context, net.HardwareAddr) (netip.Addr, error) { return memberIP, nil })
		rep, dst := p.reply(context.Background(), req, all)
		if rep == nil {
			return
		}
		if !dst.IsValid() {
			t.Errorf("reply without destination")
		}
		got, err := dhcpv4.FromBytes(rep.ToBytes())
		if err != nil {
			t.Fatalf("reply does not decode: %v", err)
		}
		if got.OpCode != dhcpv4.OpcodeBootReply || got.TransactionID != req.TransactionID ||
			!bytes.Equal(got.ClientHWAddr, req.ClientHWAddr) {
			t.Errorf("reply %v xid %v chaddr %v to xid %v chaddr %v", got.OpCode, got.TransactionID,
				got.ClientHWAddr, req.TransactionID, req.ClientHWAddr)
		}
	})
}
