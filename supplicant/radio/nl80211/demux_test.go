package nl80211

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// pipeSocket is a rawSocket whose kernel side the test plays: it reads
// what was sent and feeds datagrams (or receive errors) back.
type pipeSocket struct {
	sent   chan netlink.Message
	in     chan datagram
	closed chan struct{}
	once   sync.Once
}

type datagram struct {
	msgs []netlink.Message
	err  error
}

func newPipeSocket() *pipeSocket {
	return &pipeSocket{sent: make(chan netlink.Message, 16), in: make(chan datagram), closed: make(chan struct{})}
}

func (p *pipeSocket) send(m netlink.Message) error {
	select {
	case p.sent <- m:
		return nil
	case <-p.closed:
		return os.ErrClosed
	}
}

func (p *pipeSocket) recv() ([]netlink.Message, error) {
	select {
	case d := <-p.in:
		return d.msgs, d.err
	case <-p.closed:
		return nil, os.ErrClosed
	}
}

func (p *pipeSocket) close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

// eventLog collects what a demux hands to its sink.
type eventLog struct {
	mu     sync.Mutex
	events []uint8
	lost   int
	seen   chan struct{}
}

func newEventLog() *eventLog { return &eventLog{seen: make(chan struct{}, 16)} }

func (l *eventLog) sink() eventSink {
	return eventSink{
		event: func(m genetlink.Message) {
			l.mu.Lock()
			l.events = append(l.events, m.Header.Command)
			l.mu.Unlock()
			l.seen <- struct{}{}
		},
		lost: func() {
			l.mu.Lock()
			l.lost++
			l.mu.Unlock()
			l.seen <- struct{}{}
		},
	}
}

func (l *eventLog) wait(t *testing.T) {
	t.Helper()
	select {
	case <-l.seen:
	case <-time.After(5 * time.Second):
		t.Fatal("nothing reached the event sink")
	}
}

func newTestDemux(t *testing.T) (*demux, *pipeSocket, *eventLog) {
	t.Helper()
	p := newPipeSocket()
	l := newEventLog()
	d := newDemux(p, testFamily.ID, 1, l.sink())
	t.Cleanup(func() { d.close() })
	return d, p, l
}

func genlMsg(cmd uint8, seq uint32, flags netlink.HeaderFlags, typ netlink.HeaderType) netlink.Message {
	b, _ := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: 1}}.MarshalBinary()
	if typ == 0 {
		typ = netlink.HeaderType(testFamily.ID)
	}
	return netlink.Message{Header: netlink.Header{Type: typ, Flags: flags, Sequence: seq}, Data: b}
}

// ack builds NLMSG_ERROR for a request; with a message, an extended ack.
func ack(req netlink.Message, errno int, msg string) netlink.Message {
	data := binary.NativeEndian.AppendUint32(nil, negErrno(unix.Errno(errno)))
	hdr := make([]byte, 16)
	binary.NativeEndian.PutUint32(hdr, 16) // capped: the request's header only
	data = append(data, hdr...)
	flags := netlink.HeaderFlags(unix.NLM_F_CAPPED)
	if msg != "" {
		flags |= netlink.HeaderFlags(unix.NLM_F_ACK_TLVS)
		ae := netlink.NewAttributeEncoder()
		ae.String(unix.NLMSGERR_ATTR_MSG, msg)
		tlvs, _ := ae.Encode()
		data = append(data, tlvs...)
	}
	return netlink.Message{Header: netlink.Header{Type: netlink.Error, Flags: flags, Sequence: req.Header.Sequence}, Data: data}
}

type result struct {
	msgs []genetlink.Message
	err  error
}

func doAsync(d *demux, ctx context.Context, cmd uint8, dump bool) chan result {
	c := make(chan result, 1)
	go func() {
		msgs, err := d.do(ctx, cmd, dump, nil)
		c <- result{msgs, err}
	}()
	return c
}

func sentOf(t *testing.T, p *pipeSocket) netlink.Message {
	t.Helper()
	select {
	case m := <-p.sent:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("nothing sent")
		return netlink.Message{}
	}
}

func resultOf(t *testing.T, c chan result) result {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("request did not end")
		return result{}
	}
}

func commands(msgs []genetlink.Message) []uint8 {
	var out []uint8
	for _, m := range msgs {
		out = append(out, m.Header.Command)
	}
	return out
}

func TestDemuxRoutesRepliesBySequenceAndEventsToTheSink(t *testing.T) {
	d, p, l := newTestDemux(t)
	c := doAsync(d, context.Background(), unix.NL80211_CMD_FRAME, false)
	req := sentOf(t, p)
	if req.Header.Flags != netlink.Request|netlink.Acknowledge || req.Header.Sequence == 0 || req.Header.Type != netlink.HeaderType(testFamily.ID) {
		t.Errorf("request header %+v", req.Header)
	}
	// An event (sequence 0) arrives between the reply and the ack.
	p.in <- datagram{msgs: []netlink.Message{genlMsg(unix.NL80211_CMD_FRAME, req.Header.Sequence, 0, 0)}}
	p.in <- datagram{msgs: []netlink.Message{genlMsg(unix.NL80211_CMD_FRAME_TX_STATUS, 0, 0, 0)}}
	p.in <- datagram{msgs: []netlink.Message{ack(req, 0, "")}}
	r := resultOf(t, c)
	if r.err != nil || !cmp.Equal(commands(r.msgs), []uint8{unix.NL80211_CMD_FRAME}) {
		t.Errorf("reply %v, %v", commands(r.msgs), r.err)
	}
	l.wait(t)
	if !cmp.Equal(l.events, []uint8{unix.NL80211_CMD_FRAME_TX_STATUS}) {
		t.Errorf("events %v", l.events)
	}
}

func TestDemuxCollectsADumpUntilDone(t *testing.T) {
	d, p, _ := newTestDemux(t)
	c := doAsync(d, context.Background(), unix.NL80211_CMD_GET_SCAN, true)
	req := sentOf(t, p)
	if req.Header.Flags != netlink.Request|netlink.Dump {
		t.Errorf("flags %v, want request|dump", req.Header.Flags)
	}
	seq := req.Header.Sequence
	p.in <- datagram{msgs: []netlink.Message{genlMsg(unix.NL80211_CMD_NEW_SCAN_RESULTS, seq, netlink.Multi, 0), genlMsg(unix.NL80211_CMD_NEW_SCAN_RESULTS, seq, netlink.Multi, 0)}}
	p.in <- datagram{msgs: []netlink.Message{genlMsg(unix.NL80211_CMD_NEW_SCAN_RESULTS, seq, netlink.Multi, 0)}}
	p.in <- datagram{msgs: []netlink.Message{{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi, Sequence: seq}, Data: make([]byte, 4)}}}
	r := resultOf(t, c)
	if r.err != nil || len(r.msgs) != 3 {
		t.Errorf("dump of %d messages, %v; want 3", len(r.msgs), r.err)
	}
}

func TestDemuxReturnsKernelErrorsWithTheExtendedAckMessage(t *testing.T) {
	d, p, _ := newTestDemux(t)
	c := doAsync(d, context.Background(), unix.NL80211_CMD_START_AP, false)
	req := sentOf(t, p)
	p.in <- datagram{msgs: []netlink.Message{ack(req, int(unix.EINVAL), "malformed information elements")}}
	r := resultOf(t, c)
	err := mapError("START_AP", r.err)
	var re *radio.Error
	if !errors.As(err, &re) || !errors.Is(err, radio.ErrInvalid) || re.Errno != int(unix.EINVAL) || re.Message != "malformed information elements" {
		t.Errorf("error %#v", err)
	}
	if got := err.Error(); got != "START_AP: radio: invalid argument (errno 22): malformed information elements" {
		t.Errorf("Error() = %q", got)
	}
}

func TestDemuxFailsRequestsInFlightOnOverrunAndCarriesOn(t *testing.T) {
	d, p, l := newTestDemux(t)
	c := doAsync(d, context.Background(), unix.NL80211_CMD_FRAME, false)
	first := sentOf(t, p)
	p.in <- datagram{err: os.NewSyscallError("recvfrom", unix.ENOBUFS)}
	r := resultOf(t, c)
	if !errors.Is(r.err, unix.ENOBUFS) {
		t.Errorf("request in flight: %v, want ENOBUFS", r.err)
	}
	l.wait(t)
	if l.lost != 1 {
		t.Errorf("lost reported %d times", l.lost)
	}
	// The late reply to the failed request is dropped, not taken for an
	// event; the socket goes on working.
	late := genlMsg(unix.NL80211_CMD_FRAME, first.Header.Sequence, 0, 0)
	late.Header.PID = 1234
	p.in <- datagram{msgs: []netlink.Message{late}}
	p.in <- datagram{msgs: []netlink.Message{ack(first, 0, "")}}
	c = doAsync(d, context.Background(), unix.NL80211_CMD_FRAME, false)
	req := sentOf(t, p)
	p.in <- datagram{msgs: []netlink.Message{ack(req, 0, "")}}
	if r := resultOf(t, c); r.err != nil {
		t.Errorf("request after the overrun: %v", r.err)
	}
	if len(l.events) != 0 {
		t.Errorf("events %v", l.events)
	}
}

func TestDemuxRequestEndsAtItsDeadline(t *testing.T) {
	d, p, _ := newTestDemux(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c := doAsync(d, ctx, unix.NL80211_CMD_CONNECT, false)
	sentOf(t, p)
	if r := resultOf(t, c); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Errorf("err %v, want DeadlineExceeded", r.err)
	}
	if err := mapError("CONNECT", context.DeadlineExceeded); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("mapped %v loses the deadline", err)
	}
}

func TestDemuxCloseFailsRequestsInFlight(t *testing.T) {
	d, p, _ := newTestDemux(t)
	c := doAsync(d, context.Background(), unix.NL80211_CMD_CONNECT, false)
	sentOf(t, p)
	d.close()
	r := resultOf(t, c)
	if !errors.Is(r.err, errClosed) || !errors.Is(mapError("CONNECT", r.err), radio.ErrNoDevice) {
		t.Errorf("err %v, want errClosed", r.err)
	}
	if _, err := d.do(context.Background(), unix.NL80211_CMD_CONNECT, false, nil); !errors.Is(err, errClosed) {
		t.Errorf("request after close: %v", err)
	}
}

func TestParseAckReadsUncappedAcksAndDoneErrors(t *testing.T) {
	// An uncapped ack carries the request's whole message before the TLVs.
	data := binary.NativeEndian.AppendUint32(nil, negErrno(unix.EBUSY))
	inner := make([]byte, 20)
	binary.NativeEndian.PutUint32(inner, 20)
	data = append(data, inner...)
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.NLMSGERR_ATTR_MSG, "busy")
	ae.Uint32(unix.NLMSGERR_ATTR_OFFS, 24)
	tlvs, _ := ae.Encode()
	data = append(data, tlvs...)
	err := parseAck(netlink.Message{Header: netlink.Header{Type: netlink.Error, Flags: netlink.HeaderFlags(unix.NLM_F_ACK_TLVS)}, Data: data})
	var oe *netlink.OpError
	if !errors.As(err, &oe) || !errors.Is(err, unix.EBUSY) || oe.Message != "busy" || oe.Offset != 24 {
		t.Errorf("uncapped ack: %#v", err)
	}
	// NLMSG_DONE of a failed dump.
	err = parseAck(netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi}, Data: binary.NativeEndian.AppendUint32(nil, negErrno(unix.ENODEV))})
	if !errors.Is(err, unix.ENODEV) {
		t.Errorf("done with an error: %v", err)
	}
	for name, m := range map[string]netlink.Message{
		"short error":        {Header: netlink.Header{Type: netlink.Error}, Data: []byte{1}},
		"TLVs past the end":  {Header: netlink.Header{Type: netlink.Error, Flags: netlink.HeaderFlags(unix.NLM_F_ACK_TLVS)}, Data: append(binary.NativeEndian.AppendUint32(nil, ^uint32(0)), binary.NativeEndian.AppendUint32(nil, 200)...)},
		"malformed TLVs":     {Header: netlink.Header{Type: netlink.Error, Flags: netlink.HeaderFlags(unix.NLM_F_ACK_TLVS | unix.NLM_F_CAPPED)}, Data: append(binary.NativeEndian.AppendUint32(nil, ^uint32(0)), make([]byte, 19)...)},
		"inner length short": {Header: netlink.Header{Type: netlink.Error, Flags: netlink.HeaderFlags(unix.NLM_F_ACK_TLVS)}, Data: append(binary.NativeEndian.AppendUint32(nil, ^uint32(0)), make([]byte, 16)...)},
	} {
		if err := parseAck(m); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSplitMessagesCutsADatagram(t *testing.T) {
	m := genlMsg(2, 6, netlink.Multi, 0)
	m.Header.Length = uint32(16 + len(m.Data))
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := splitMessages(append(b, b...))
	if err != nil || len(msgs) != 2 || msgs[1].Header.Sequence != 6 || msgs[1].Header.Flags != netlink.Multi {
		t.Errorf("split %+v, %v", msgs, err)
	}
	if _, err := splitMessages([]byte{40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err == nil {
		t.Error("a length past the datagram was accepted")
	}
}

// negErrno is an errno as nlmsgerr carries it: negated, in a 32-bit field.
func negErrno(e unix.Errno) uint32 {
	v := -int32(e)
	return uint32(v)
}

func TestDemuxReturnsTheCookieOfAnAcknowledgementAsAReply(t *testing.T) {
	d, p, _ := newTestDemux(t)
	c := doAsync(d, context.Background(), unix.NL80211_CMD_CONTROL_PORT_FRAME, false)
	req := sentOf(t, p)
	m := ack(req, 0, "")
	m.Header.Flags |= netlink.HeaderFlags(unix.NLM_F_ACK_TLVS)
	ae := netlink.NewAttributeEncoder()
	ae.Uint64(unix.NLMSGERR_ATTR_COOKIE, 0x1234)
	tlvs, _ := ae.Encode()
	m.Data = append(m.Data, tlvs...)
	p.in <- datagram{msgs: []netlink.Message{m}}
	r := resultOf(t, c)
	if r.err != nil {
		t.Fatal(r.err)
	}
	got, err := replyCookie("CONTROL_PORT_FRAME", r.msgs)
	if err != nil || got != 0x1234 {
		t.Errorf("cookie %#x, %v; want 0x1234", uint64(got), err)
	}
}
