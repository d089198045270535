package nl80211

import (
	"context"
	"encoding/binary"
	"io"
	"net/netip"
	"strconv"
	"sync"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// testFamily is the nl80211 family as the fake kernel announces it.
var testFamily = genetlink.Family{ID: 0x22, Version: 1, Name: unix.NL80211_GENL_NAME}

// sentRequest is one request the fake kernel saw.
type sentRequest struct {
	cmd   uint8
	flags netlink.HeaderFlags
	attrs attrs
}

// fakeKernel answers the requests of every socket a Backend opens, through
// genltest: it records each request and replies with what the test set for
// the command (nothing, i.e. an acknowledgement, by default).
type fakeKernel struct {
	t       *testing.T
	mu      sync.Mutex
	reqs    []sentRequest
	replies map[uint8]func(req sentRequest) ([]genetlink.Message, error)
	dials   [][]string
}

func newFakeKernel(t *testing.T) *fakeKernel {
	return &fakeKernel{t: t, replies: make(map[uint8]func(sentRequest) ([]genetlink.Message, error))}
}

// reply sets the answer to a command.
func (k *fakeKernel) reply(cmd uint8, fn func(req sentRequest) ([]genetlink.Message, error)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.replies[cmd] = fn
}

// fail makes a command fail with an errno.
func (k *fakeKernel) fail(cmd uint8, errno unix.Errno) {
	k.reply(cmd, func(sentRequest) ([]genetlink.Message, error) { return nil, genltest.Error(int(errno)) })
}

// requests returns the requests seen so far and forgets them.
func (k *fakeKernel) requests() []sentRequest {
	k.mu.Lock()
	defer k.mu.Unlock()
	r := k.reqs
	k.reqs = nil
	return r
}

// last returns the one request of a command seen since the last call.
func (k *fakeKernel) last(cmd uint8) sentRequest {
	k.t.Helper()
	var found []sentRequest
	for _, r := range k.requests() {
		if r.cmd == cmd {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		k.t.Fatalf("%d %s requests, want 1", len(found), cmdName(cmd))
	}
	return found[0]
}

func (k *fakeKernel) serve(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
	if nreq.Header.Type != netlink.HeaderType(testFamily.ID) {
		k.t.Errorf("request to family %d, want %d", nreq.Header.Type, testFamily.ID)
	}
	a, err := parseAttrs(greq.Data)
	if err != nil {
		k.t.Errorf("%s: undecodable attributes: %v", cmdName(greq.Header.Command), err)
	}
	r := sentRequest{cmd: greq.Header.Command, flags: nreq.Header.Flags, attrs: a}
	k.mu.Lock()
	k.reqs = append(k.reqs, r)
	fn := k.replies[r.cmd]
	k.mu.Unlock()
	if fn == nil {
		return nil, io.EOF // an acknowledgement: no messages
	}
	msgs, err := fn(r)
	if err == nil && len(msgs) == 0 {
		return nil, io.EOF
	}
	for i := range msgs {
		if msgs[i].Header.Command == 0 {
			msgs[i].Header.Command = r.cmd
		}
		msgs[i].Header.Version = 1
	}
	return msgs, err
}

// genlTransport runs requests synchronously over a genltest connection
// (Execute), standing in for the demultiplexer of a real socket.
type genlTransport struct {
	mu sync.Mutex
	c  *genetlink.Conn
}

func (g *genlTransport) do(ctx context.Context, cmd uint8, dump bool, data []byte) ([]genetlink.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	flags := netlink.Request | netlink.Acknowledge
	if dump {
		flags = netlink.Request | netlink.Dump
	}
	return g.c.Execute(genetlink.Message{Header: genetlink.Header{Command: cmd, Version: testFamily.Version}, Data: data}, testFamily.ID, flags)
}

func (g *genlTransport) close() error { return g.c.Close() }

func (k *fakeKernel) dial(groups []string, _ eventSink) (transport, error) {
	k.mu.Lock()
	k.dials = append(k.dials, groups)
	k.mu.Unlock()
	return &genlTransport{c: genltest.Dial(k.serve)}, nil
}

// fakeLink records the rtnetlink operations.
type fakeLink struct {
	mu  sync.Mutex
	ops []string
}

func (l *fakeLink) log(s string) {
	l.mu.Lock()
	l.ops = append(l.ops, s)
	l.mu.Unlock()
}

func (l *fakeLink) setUp(_ context.Context, ifindex int, up bool) error {
	l.log(map[bool]string{true: "up ", false: "down "}[up] + strconv.Itoa(ifindex))
	return nil
}

func (l *fakeLink) setAddr(_ context.Context, ifindex int, addr ieee80211.MAC) error {
	l.log("addr " + strconv.Itoa(ifindex) + " " + addr.String())
	return nil
}

func (l *fakeLink) addAddress(_ context.Context, ifindex int, p netip.Prefix) error {
	l.log("ip " + strconv.Itoa(ifindex) + " " + p.String())
	return nil
}

func (l *fakeLink) delAddress(_ context.Context, ifindex int, p netip.Prefix) error {
	l.log("ip del " + strconv.Itoa(ifindex) + " " + p.String())
	return nil
}

// fakePAE records PAE sockets and what they send; deliver feeds received PDUs.
type fakePAE struct {
	mu      sync.Mutex
	opened  []int
	sent    []string
	deliver func(src ieee80211.MAC, pdu []byte)
}

type fakePAEConn struct{ p *fakePAE }

func (p *fakePAE) open(ifindex int, deliver func(src ieee80211.MAC, pdu []byte)) (paeConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.opened = append(p.opened, ifindex)
	p.deliver = deliver
	return fakePAEConn{p}, nil
}

func (c fakePAEConn) send(_ context.Context, dst ieee80211.MAC, pdu []byte) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	c.p.sent = append(c.p.sent, dst.String()+" "+string(pdu))
	return nil
}

func (c fakePAEConn) close() {}

// testBackend is a Backend over the fake kernel.
type testBackend struct {
	*Backend
	k    *fakeKernel
	link *fakeLink
	pae  *fakePAE
}

func newTestBackend(t *testing.T) *testBackend {
	t.Helper()
	k := newFakeKernel(t)
	l := &fakeLink{}
	p := &fakePAE{}
	b, err := newBackend(Config{}, testFamily, k.dial, l, p)
	if err != nil {
		t.Fatal(err)
	}
	b.sysfs = func(string) (ieee80211.MAC, bool) { return ieee80211.MAC{2, 0, 0, 0, 0, 0}, true }
	t.Cleanup(func() { b.Close() })
	return &testBackend{Backend: b, k: k, link: l, pae: p}
}

// serveWiphy makes the fake kernel's wiphy dump the recorded hwsim phy.
func (tb *testBackend) serveWiphy(t *testing.T) {
	t.Helper()
	msgs := loadRecording(t, "wiphy-hwsim.nlmsgs")
	tb.k.reply(unix.NL80211_CMD_GET_WIPHY, func(sentRequest) ([]genetlink.Message, error) { return msgs, nil })
}

// phy0 returns the recorded hwsim phy.
func (tb *testBackend) phy0(t *testing.T) *phy {
	t.Helper()
	tb.serveWiphy(t)
	phys, err := tb.Phys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(phys) != 1 {
		t.Fatalf("%d phys", len(phys))
	}
	tb.k.requests()
	return phys[0].(*phy)
}

// Attribute values as the kernel lays them out (host order).
func u16b(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
func u32b(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
func u64b(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }

var flagb = []byte{}

// mustEncode builds attributes for replies and events.
func mustEncode(t *testing.T, fn func(ae *netlink.AttributeEncoder)) []byte {
	t.Helper()
	b, err := encode(fn)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newInterfaceReply is the kernel's answer to NEW_INTERFACE.
func newInterfaceReply(t *testing.T, ifindex int, wdev uint64, iftype uint32, name string, addr ieee80211.MAC) func(sentRequest) ([]genetlink.Message, error) {
	return func(sentRequest) ([]genetlink.Message, error) {
		return []genetlink.Message{{Data: mustEncode(t, func(ae *netlink.AttributeEncoder) {
			if ifindex != 0 {
				ae.Uint32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
				ae.String(unix.NL80211_ATTR_IFNAME, name)
			}
			ae.Uint32(unix.NL80211_ATTR_WIPHY, 0)
			ae.Uint32(unix.NL80211_ATTR_IFTYPE, iftype)
			ae.Uint64(unix.NL80211_ATTR_WDEV, wdev)
			ae.Bytes(unix.NL80211_ATTR_MAC, addr[:])
		})}}, nil
	}
}

// newTestIface creates an interface of the given type on the recorded phy.
func (tb *testBackend) newTestIface(t *testing.T, typ radio.IfType) *iface {
	t.Helper()
	p := tb.phy0(t)
	nl, _ := ifTypeToNL(typ)
	ifindex, name := 7, "p2p-go0"
	switch typ {
	case radio.IfP2PDevice:
		ifindex, name = 0, ""
	case radio.IfP2PClient, radio.IfStation:
		name = "p2p-cli0"
	}
	tb.k.reply(unix.NL80211_CMD_NEW_INTERFACE, newInterfaceReply(t, ifindex, 0x100000002, nl, name, ieee80211.MAC{2, 1, 2, 3, 4, 5}))
	i, err := p.NewInterface(context.Background(), radio.InterfaceConfig{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	tb.k.requests()
	return i.(*iface)
}
