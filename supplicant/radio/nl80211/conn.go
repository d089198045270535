package nl80211

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// transport is one nl80211 socket as the rest of the package uses it: a
// request goes out and its replies come back (every part of a dump); events
// that arrive on the socket are handed to the callbacks given when it was
// opened.
type transport interface {
	do(ctx context.Context, cmd uint8, dump bool, attrs []byte) ([]genetlink.Message, error)
	close() error
}

// eventSink receives what a socket hears besides replies: kernel events
// (multicast, or unicast such as registered frames and control port frames)
// and the loss of messages (ENOBUFS).
type eventSink struct {
	event func(genetlink.Message)
	lost  func()
}

// rawSocket is a netlink datagram socket at the level the demultiplexer
// needs: send one message, receive one datagram's messages.
type rawSocket interface {
	send(m netlink.Message) error
	recv() ([]netlink.Message, error)
	close() error
}

// errSocketOverrun is given to requests in flight when the socket lost
// messages: their reply may have been among them.
var errSocketOverrun = fmt.Errorf("netlink receive buffer overrun: %w", unix.ENOBUFS)

// errClosed is returned by requests on a closed socket.
var errClosed = errors.New("nl80211: socket closed")

// demux runs one socket: a reader goroutine routes replies to the request
// with the same sequence number and everything else to the event sink, so
// that requests and events (registered frames, control port frames, and the
// joined multicast groups) share one socket and keep the kernel's order.
type demux struct {
	sock   rawSocket
	family uint16
	ver    uint8
	sink   eventSink

	seq     atomic.Uint32
	mu      sync.Mutex
	pending map[uint32]*call
	closed  bool
	done    chan struct{}
}

// call is one request waiting for its replies.
type call struct {
	dump    bool
	replies []genetlink.Message
	err     error
	done    chan struct{}
}

func newDemux(sock rawSocket, family uint16, version uint8, sink eventSink) *demux {
	d := &demux{
		sock:    sock,
		family:  family,
		ver:     version,
		sink:    sink,
		pending: make(map[uint32]*call),
		done:    make(chan struct{}),
	}
	d.seq.Store(1)
	go d.read()
	return d
}

func (d *demux) nextSeq() uint32 {
	for {
		if s := d.seq.Add(1); s != 0 {
			return s
		}
	}
}

// do sends a request and waits for its acknowledgement (or the end of the
// dump), bounded by ctx.
func (d *demux) do(ctx context.Context, cmd uint8, dump bool, attrs []byte) ([]genetlink.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	gm := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: d.ver}, Data: attrs}
	data, err := gm.MarshalBinary()
	if err != nil {
		return nil, err
	}
	flags := netlink.Request | netlink.Acknowledge
	if dump {
		flags = netlink.Request | netlink.Dump
	}
	seq := d.nextSeq()
	c := &call{dump: dump, done: make(chan struct{})}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, errClosed
	}
	d.pending[seq] = c
	d.mu.Unlock()

	m := netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(d.family), Flags: flags, Sequence: seq},
		Data:   data,
	}
	if err := d.sock.send(m); err != nil {
		d.forget(seq)
		return nil, err
	}
	select {
	case <-c.done:
		return c.replies, c.err
	case <-ctx.Done():
		d.forget(seq)
		return nil, ctx.Err()
	}
}

func (d *demux) forget(seq uint32) {
	d.mu.Lock()
	delete(d.pending, seq)
	d.mu.Unlock()
}

// close closes the socket; requests in flight fail and the reader stops.
func (d *demux) close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	err := d.sock.close()
	<-d.done
	return err
}

// read is the reader goroutine.
func (d *demux) read() {
	defer close(d.done)
	for {
		msgs, err := d.sock.recv()
		if err != nil {
			if errors.Is(err, unix.ENOBUFS) {
				d.failAll(errSocketOverrun)
				if d.sink.lost != nil {
					d.sink.lost()
				}
				continue
			}
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				continue
			}
			d.mu.Lock()
			d.closed = true
			d.mu.Unlock()
			d.failAll(errClosed)
			return
		}
		for _, m := range msgs {
			d.dispatch(m)
		}
	}
}

func (d *demux) failAll(err error) {
	d.mu.Lock()
	calls := d.pending
	d.pending = make(map[uint32]*call)
	d.mu.Unlock()
	for _, c := range calls {
		c.err = err
		close(c.done)
	}
}

// dispatch routes one message.
func (d *demux) dispatch(m netlink.Message) {
	var c *call
	if m.Header.Sequence != 0 {
		d.mu.Lock()
		c = d.pending[m.Header.Sequence]
		d.mu.Unlock()
	}
	if c == nil {
		// The kernel sends events with port id 0; a message addressed to
		// our port is a late reply to a request we gave up on.
		if m.Header.PID != 0 || m.Header.Type == netlink.Error || m.Header.Type == netlink.Done || m.Header.Type == netlink.Noop || m.Header.Type == netlink.Overrun {
			return
		}
		var gm genetlink.Message
		if gm.UnmarshalBinary(m.Data) == nil && d.sink.event != nil {
			d.sink.event(gm)
		}
		return
	}
	finish := func(err error) {
		d.forget(m.Header.Sequence)
		c.err = err
		close(c.done)
	}
	switch m.Header.Type {
	case netlink.Error:
		if cookie, ok := ackCookie(m); ok {
			// The cookie of an acknowledgement (a control port frame's)
			// comes back as a reply carrying NL80211_ATTR_COOKIE.
			c.replies = append(c.replies, genetlink.Message{Data: cookieAttr(cookie)})
		}
		finish(parseAck(m))
	case netlink.Done:
		if c.dump {
			finish(parseAck(m))
		}
	case netlink.Noop, netlink.Overrun:
	default:
		var gm genetlink.Message
		if err := gm.UnmarshalBinary(m.Data); err != nil {
			finish(err)
			return
		}
		c.replies = append(c.replies, gm)
	}
}

// parseAck reads an NLMSG_ERROR (acknowledgement when the error is 0) or a
// NLMSG_DONE that may carry an error: struct nlmsgerr (error, the request's
// header and, unless NLM_F_CAPPED, its payload) then, with NLM_F_ACK_TLVS,
// the extended ack attributes (NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS).
// The result is a *netlink.OpError, as the netlink package reports errors.
func parseAck(m netlink.Message) error {
	if len(m.Data) == 0 && m.Header.Type == netlink.Done {
		return nil
	}
	if len(m.Data) < 4 {
		return &netlink.OpError{Op: "receive", Err: errors.New("short netlink error message"), Sequence: m.Header.Sequence}
	}
	code := int32(binary.NativeEndian.Uint32(m.Data[:4]))
	if code == 0 {
		return nil
	}
	oe := &netlink.OpError{Op: "receive", Err: syscall.Errno(-code), Sequence: m.Header.Sequence}
	tlvs, ok := ackTLVs(m)
	if !ok {
		return oe
	}
	ad, err := netlink.NewAttributeDecoder(tlvs)
	if err != nil {
		return oe
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.NLMSGERR_ATTR_MSG:
			oe.Message = ad.String()
		case unix.NLMSGERR_ATTR_OFFS:
			oe.Offset = int(ad.Uint32())
		}
	}
	return oe
}

// ackTLVs returns the extended ack attributes of an NLMSG_ERROR or
// NLMSG_DONE (NLM_F_ACK_TLVS), after struct nlmsgerr.
func ackTLVs(m netlink.Message) ([]byte, bool) {
	if m.Header.Flags&netlink.HeaderFlags(unix.NLM_F_ACK_TLVS) == 0 || len(m.Data) < 4 {
		return nil, false
	}
	off := 4
	if m.Header.Type == netlink.Error {
		if len(m.Data) < 4+16 {
			return nil, false
		}
		off += 16
		if m.Header.Flags&netlink.HeaderFlags(unix.NLM_F_CAPPED) == 0 {
			inner := int(binary.NativeEndian.Uint32(m.Data[4:8]))
			if inner < 16 || len(m.Data) < 4+inner {
				return nil, false
			}
			off = 4 + align4(inner)
		}
	}
	if off > len(m.Data) {
		return nil, false
	}
	return m.Data[off:], true
}

// ackCookie reads NLMSGERR_ATTR_COOKIE from a successful acknowledgement:
// nl80211 returns there the cookie of a control port frame whose TX
// status it will report (a u64 in host order).
func ackCookie(m netlink.Message) (uint64, bool) {
	if m.Header.Type != netlink.Error || len(m.Data) < 4 || binary.NativeEndian.Uint32(m.Data[:4]) != 0 {
		return 0, false
	}
	tlvs, ok := ackTLVs(m)
	if !ok {
		return 0, false
	}
	ad, err := netlink.NewAttributeDecoder(tlvs)
	if err != nil {
		return 0, false
	}
	for ad.Next() {
		if ad.Type() == unix.NLMSGERR_ATTR_COOKIE && len(ad.Bytes()) == 8 {
			return ad.Uint64(), true
		}
	}
	return 0, false
}

// cookieAttr encodes NL80211_ATTR_COOKIE.
func cookieAttr(c uint64) []byte {
	b, _ := encode(func(ae *netlink.AttributeEncoder) { ae.Uint64(unix.NL80211_ATTR_COOKIE, c) })
	return b
}

func align4(n int) int { return (n + 3) &^ 3 }

// nlSocket is a real generic netlink socket. Sending goes through
// netlink.Conn; receiving reads datagrams from the file descriptor directly
// (through the runtime poller), so that every message, including NLMSG_DONE
// and acknowledgements, reaches the demultiplexer as the kernel sent it.
type nlSocket struct {
	c   *netlink.Conn
	rc  syscall.RawConn
	buf []byte
}

// dialSocket opens a generic netlink socket in the namespace cfg names,
// with extended acks, a large receive buffer, and the given groups joined.
func dialSocket(cfg *netlink.Config, groups []uint32) (*nlSocket, error) {
	c, err := netlink.Dial(unix.NETLINK_GENERIC, cfg)
	if err != nil {
		return nil, err
	}
	s := &nlSocket{c: c, buf: make([]byte, 16<<10)}
	if s.rc, err = c.SyscallConn(); err != nil {
		c.Close()
		return nil, err
	}
	// Failures here only cost features: extended ack messages, capped acks,
	// buffer size.
	_ = c.SetOption(netlink.ExtendedAcknowledge, true)
	_ = c.SetOption(netlink.CapAcknowledge, true)
	var forced error
	_ = s.rc.Control(func(fd uintptr) {
		forced = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20)
	})
	if forced != nil {
		_ = c.SetReadBuffer(4 << 20)
	}
	for _, g := range groups {
		if err := c.JoinGroup(g); err != nil {
			c.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *nlSocket) send(m netlink.Message) error {
	_, err := s.c.Send(m)
	return err
}

func (s *nlSocket) recv() ([]netlink.Message, error) {
	var n int
	var rerr error
	for {
		err := s.rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), s.buf, unix.MSG_PEEK|unix.MSG_TRUNC|unix.MSG_DONTWAIT)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return nil, err
		}
		if rerr != nil {
			return nil, rerr
		}
		if n <= len(s.buf) {
			break
		}
		s.buf = make([]byte, align4(n))
	}
	err := s.rc.Read(func(fd uintptr) bool {
		n, _, rerr = unix.Recvfrom(int(fd), s.buf, unix.MSG_DONTWAIT)
		return rerr != unix.EAGAIN
	})
	if err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	return splitMessages(s.buf[:n])
}

func (s *nlSocket) close() error { return s.c.Close() }

// splitMessages cuts a datagram into netlink messages; the data is copied
// so that the receive buffer can be reused.
func splitMessages(b []byte) ([]netlink.Message, error) {
	var msgs []netlink.Message
	for len(b) >= 16 {
		l := int(binary.NativeEndian.Uint32(b[:4]))
		if l < 16 || l > len(b) {
			return msgs, fmt.Errorf("nl80211: malformed netlink message length %d in %d octets", l, len(b))
		}
		msgs = append(msgs, netlink.Message{
			Header: netlink.Header{
				Length:   uint32(l),
				Type:     netlink.HeaderType(binary.NativeEndian.Uint16(b[4:6])),
				Flags:    netlink.HeaderFlags(binary.NativeEndian.Uint16(b[6:8])),
				Sequence: binary.NativeEndian.Uint32(b[8:12]),
				PID:      binary.NativeEndian.Uint32(b[12:16]),
			},
			Data: append([]byte(nil), b[16:l]...),
		})
		b = b[min(align4(l), len(b)):]
	}
	return msgs, nil
}
