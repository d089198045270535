package group

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/clock"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// machine is what the edge drives: a GOMachine or a ClientMachine.
type machine interface {
	Handle(now time.Time, ev Event) []Action
}

// command is a call from the API into the loop.
type command struct {
	ev    Event
	reply chan Reply
}

// runner is the edge of one machine: it owns the interface and runs the
// loop that feeds the machine and carries out its actions.
type runner struct {
	ifc radio.Interface
	clk clock.Clock
	m   machine

	timers  map[Timer]clock.Timer
	fired   chan Timer
	cookies map[radio.Cookie]Tag // tagged SendFrame
	eapol   map[radio.Cookie]Tag // tagged SendEAPOL
	pending []Event              // results of the last batch, delivered after it
	notes   []Notification
	out     chan Notification
	cmds    chan command
	done    chan struct{}
	reply   *Reply // the Reply of the command being handled

	addrMu sync.Mutex
	addrs  []netip.Prefix // IP addresses we put on the interface
}

func newRunner(ifc radio.Interface, clk clock.Clock, m machine) *runner {
	return &runner{
		ifc:     ifc,
		clk:     clk,
		m:       m,
		timers:  map[Timer]clock.Timer{},
		fired:   make(chan Timer),
		cookies: map[radio.Cookie]Tag{},
		eapol:   map[radio.Cookie]Tag{},
		out:     make(chan Notification),
		cmds:    make(chan command),
		done:    make(chan struct{}),
	}
}

// loop runs until the interface's event stream ends.
func (r *runner) loop() {
	defer r.finish()
	r.feed(Start{})
	events := r.ifc.Events()
	for {
		var out chan Notification
		var next Notification
		if len(r.notes) > 0 {
			out, next = r.out, r.notes[0]
		}
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch st := ev.(type) {
			case radio.TxStatus:
				if tag, known := r.cookies[st.Cookie]; known {
					delete(r.cookies, st.Cookie)
					r.feed(TxDone{Tag: tag, Acked: st.Acked})
					continue
				}
			case radio.EAPOLTxStatus:
				if tag, known := r.eapol[st.Cookie]; known {
					delete(r.eapol, st.Cookie)
					r.feed(TxDone{Tag: tag, Acked: st.Acked})
					continue
				}
			}
			r.feed(RadioEvent{Event: ev})
		case t := <-r.fired:
			if _, armed := r.timers[t]; armed {
				delete(r.timers, t)
				r.feed(TimerFired{Timer: t})
			}
		case c := <-r.cmds:
			var rep Reply
			r.reply = &rep
			r.feed(c.ev)
			r.reply = nil
			c.reply <- rep
		case out <- next:
			r.notes[0] = nil
			r.notes = r.notes[1:]
		}
	}
}

// finish stops the timers, refuses later commands and hands the
// remaining notifications over before closing the stream.
func (r *runner) finish() {
	for _, t := range r.timers {
		t.Stop()
	}
	close(r.done)
	notes := r.notes
	r.notes = nil
	go func() {
		for _, n := range notes {
			r.out <- n
		}
		close(r.out)
	}()
}

// feed hands the machine an event, then the results of its actions, until
// nothing is left.
func (r *runner) feed(ev Event) {
	queue := []Event{ev}
	for len(queue) > 0 {
		ev := queue[0]
		queue = queue[1:]
		r.pending = r.pending[:0]
		for _, a := range r.m.Handle(r.clk.Now(), ev) {
			r.do(a)
		}
		queue = append(queue, r.pending...)
	}
}

// callTimeout bounds each radio call. It is generous: the kernel loads its
// ccm module on the first CCMP key, which took 12 s in an emulated VM.
const callTimeout = 60 * time.Second

// ctx bounds each radio call.
func (r *runner) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

// do carries out one action.
func (r *runner) do(a Action) {
	ctx, cancel := r.ctx()
	defer cancel()
	var err error
	switch a := a.(type) {
	case RegisterFrame:
		err = r.ifc.RegisterFrame(ctx, a.Match)
	case StartAP:
		err = r.ifc.StartAP(ctx, a.Config)
	case SetBeacon:
		err = r.ifc.SetBeacon(ctx, a.Beacon)
	case StopAP:
		err = r.ifc.StopAP(ctx)
	case NewStation:
		err = r.ifc.NewStation(ctx, a.Params)
	case DelStation:
		err = r.ifc.DelStation(ctx, a.Addr, a.Reason)
	case NewKey:
		err = r.ifc.NewKey(ctx, a.Key)
	case SetAuthorized:
		err = r.ifc.SetAuthorized(ctx, a.Peer, a.Authorized)
	case SendEAPOL:
		var c radio.Cookie
		c, err = r.ifc.SendEAPOL(ctx, a.Dst, a.PDU)
		if err == nil && a.Tag != (Tag{}) {
			r.eapol[c] = a.Tag
		}
	case SendFrame:
		var c radio.Cookie
		c, err = r.ifc.SendFrame(ctx, a.Tx)
		if err == nil && a.Tag != (Tag{}) && !a.Tx.NoAck {
			r.cookies[c] = a.Tag
		}
	case TriggerScan:
		err = r.ifc.TriggerScan(ctx, a.Request)
	case GetScanResults:
		bss, e := r.ifc.ScanResults(ctx)
		r.pending = append(r.pending, ScanResults{BSSs: bss, Err: e})
	case Connect:
		err = r.ifc.Connect(ctx, a.Request)
	case Disconnect:
		err = r.ifc.Disconnect(ctx, a.Reason)
	case DeleteInterface:
		r.deleteAddresses(ctx)
		err = r.ifc.Delete(ctx)
	case SetTimer:
		if old, ok := r.timers[a.Timer]; ok {
			old.Stop()
		}
		t := a.Timer
		r.timers[t] = r.clk.AfterFunc(a.After, func() {
			select {
			case r.fired <- t:
			case <-r.done:
			}
		})
	case StopTimer:
		if old, ok := r.timers[a.Timer]; ok {
			old.Stop()
			delete(r.timers, a.Timer)
		}
	case Notify:
		if g, ok := a.Notification.(GroupStarted); ok && g.Role == p2pmsg.RoleClient && g.IP.IsValid() {
			// The address the GO allocated in the 4-way handshake goes
			// on our interface before the group is reported up.
			g.AddressErr = r.addAddress(ctx, g.IP)
			a.Notification = g
		}
		r.notes = append(r.notes, a.Notification)
	case Reply:
		if r.reply != nil {
			*r.reply = a
		}
	case Checkpoint:
		r.pending = append(r.pending, CheckpointReached(a))
	}
	if err != nil {
		r.pending = append(r.pending, ActionFailed{Action: a, Err: err})
	}
}

// call runs a command in the loop and waits for its answer.
func (r *runner) call(ctx context.Context, ev Event) error {
	rep, err := r.query(ctx, ev)
	if err != nil {
		return err
	}
	return rep.Err
}

// query runs a command in the loop and returns its Reply.
func (r *runner) query(ctx context.Context, ev Event) (Reply, error) {
	c := command{ev: ev, reply: make(chan Reply, 1)}
	select {
	case r.cmds <- c:
	case <-r.done:
		return Reply{}, ErrClosed
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
	select {
	case rep := <-c.reply:
		return rep, nil
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
}

// addAddress puts an IP address on the group interface and remembers it,
// so that the group's end removes it.
func (r *runner) addAddress(ctx context.Context, p netip.Prefix) error {
	if err := r.ifc.AddAddress(ctx, p); err != nil {
		return fmt.Errorf("group: setting %v on %s: %w", p, r.ifc.Info().Name, err)
	}
	r.addrMu.Lock()
	defer r.addrMu.Unlock()
	if !slices.Contains(r.addrs, p) {
		r.addrs = append(r.addrs, p)
	}
	return nil
}

// deleteAddresses removes the addresses we set, before the interface
// goes (best effort: the kernel drops them with the interface anyway).
func (r *runner) deleteAddresses(ctx context.Context) {
	r.addrMu.Lock()
	addrs := r.addrs
	r.addrs = nil
	r.addrMu.Unlock()
	for _, p := range addrs {
		_ = r.ifc.DeleteAddress(ctx, p)
	}
}

// addresses lists the addresses we set on the interface.
func (r *runner) addresses() []netip.Prefix {
	r.addrMu.Lock()
	defer r.addrMu.Unlock()
	return slices.Clone(r.addrs)
}

// GO is a running P2P Group Owner: the edge of a GOMachine.
type GO struct {
	r    *runner
	m    *GOMachine
	info radio.InterfaceInfo
}

// StartGO creates the group interface on phy (P2P-GO, or AP when the phy
// has no P2P-GO type) and starts the group. The outcome arrives as
// GroupStarted or GroupFailed on Notifications.
func StartGO(ctx context.Context, phy radio.Phy, cfg GOConfig) (*GO, error) {
	pi := phy.Info()
	typ := radio.IfP2PGO
	if !pi.SupportedIfTypes.Has(radio.IfP2PGO) {
		if !pi.SupportedIfTypes.Has(radio.IfAP) {
			return nil, fmt.Errorf("group: phy %s: %w: neither P2P-GO nor AP interfaces", pi.Name, radio.ErrNotSupported)
		}
		typ = radio.IfAP
	}
	// Check the configuration (and draw the secrets) before touching the
	// radio.
	m, err := NewGOMachine(cfg, GOEnv{})
	if err != nil {
		return nil, err
	}
	ifc, err := phy.NewInterface(ctx, radio.InterfaceConfig{Type: typ, Name: cfg.InterfaceName, Addr: cfg.InterfaceAddress})
	if err != nil {
		return nil, fmt.Errorf("group: creating the %v interface: %w", typ, err)
	}
	info := ifc.Info()
	m.bind(GOEnv{Interface: info, ProbeRespOffload: pi.ProbeRespOffload, ControlPort: pi.ControlPortOverNL})
	g := &GO{r: newRunner(ifc, orClock(cfg.Clock), m), m: m, info: info}
	// Our address goes on before the AP starts, so that a client's DHCP
	// finds the server ready.
	if err := g.r.addAddress(ctx, m.pool.gate); err != nil {
		_ = ifc.Delete(context.WithoutCancel(ctx))
		return nil, err
	}
	go g.r.loop()
	return g, nil
}

// Interface describes the group interface (its address is the BSSID).
func (g *GO) Interface() radio.InterfaceInfo { return g.info }

// SSID is the group's SSID; Passphrase and PSK its credential.
func (g *GO) SSID() []byte { return g.m.SSID() }

// Passphrase is the group's passphrase.
func (g *GO) Passphrase() string { return g.m.passphrase }

// PSK is the group's PSK.
func (g *GO) PSK() []byte { return g.m.PSK() }

// Notifications delivers the group's notifications in order; it is closed
// once the group's interface is gone. The caller must read it.
func (g *GO) Notifications() <-chan Notification { return g.r.out }

// Done is closed when the group has ended and its interface is gone.
func (g *GO) Done() <-chan struct{} { return g.r.done }

// Stop removes the group: every client is deauthenticated, the AP stopped,
// the interface deleted.
func (g *GO) Stop(ctx context.Context) error { return g.r.call(ctx, Stop{}) }

// RemoveClient disconnects a client named by its P2P Device Address or
// P2P Interface Address.
func (g *GO) RemoveClient(ctx context.Context, addr MAC) error {
	return g.r.call(ctx, RemoveClient{Addr: addr})
}

// Lease returns the IPv4 address of the member whose P2P Interface Address
// is addr, for a DHCP server: the address its 4-way handshake allocated or
// a new one from the same pool (then MemberAddressed is reported).
// Stations that are not members get ErrUnknownClient.
func (g *GO) Lease(ctx context.Context, addr MAC) (netip.Addr, error) {
	rep, err := g.r.query(ctx, LeaseQuery{Addr: addr})
	if err != nil {
		return netip.Addr{}, err
	}
	if rep.Err != nil {
		return netip.Addr{}, rep.Err
	}
	a, _ := rep.Value.(netip.Addr)
	return a, nil
}

// Address is the GO's own address on the group interface.
func (g *GO) Address() netip.Prefix { return g.m.pool.gate }

// AllowJoin opens the Registrar for a joining client (WPS push button or
// PIN), for peer only when not zero, for timeout (0: the 120 s walk time).
func (g *GO) AllowJoin(ctx context.Context, w WPS, peer MAC, timeout time.Duration) error {
	return g.r.call(ctx, AllowJoin{WPS: w, Peer: peer, Timeout: timeout})
}

// Client is a running P2P Client: the edge of a ClientMachine.
type Client struct {
	r    *runner
	info radio.InterfaceInfo
}

// StartClient creates the group interface on phy (P2P-client, or station
// when the phy has no P2P-client type) and joins the group. The outcome
// arrives as GroupStarted or GroupFailed on Notifications.
func StartClient(ctx context.Context, phy radio.Phy, cfg ClientConfig) (*Client, error) {
	pi := phy.Info()
	typ := radio.IfP2PClient
	if !pi.SupportedIfTypes.Has(radio.IfP2PClient) {
		if !pi.SupportedIfTypes.Has(radio.IfStation) {
			return nil, fmt.Errorf("group: phy %s: %w: neither P2P-client nor station interfaces", pi.Name, radio.ErrNotSupported)
		}
		typ = radio.IfStation
	}
	m, err := NewClientMachine(cfg, ClientEnv{})
	if err != nil {
		return nil, err
	}
	ifc, err := phy.NewInterface(ctx, radio.InterfaceConfig{Type: typ, Name: cfg.InterfaceName, Addr: cfg.InterfaceAddress})
	if err != nil {
		return nil, fmt.Errorf("group: creating the %v interface: %w", typ, err)
	}
	info := ifc.Info()
	m.bind(ClientEnv{Interface: info, ControlPort: pi.ControlPortOverNL, EAPOLTxStatus: pi.ControlPortTxStatus})
	c := &Client{r: newRunner(ifc, orClock(cfg.Clock), m), info: info}
	go c.r.loop()
	return c, nil
}

// Interface describes our group interface.
func (c *Client) Interface() radio.InterfaceInfo { return c.info }

// Notifications delivers the group's notifications in order; it is closed
// once the interface is gone. The caller must read it.
func (c *Client) Notifications() <-chan Notification { return c.r.out }

// Done is closed when the client has left and its interface is gone.
func (c *Client) Done() <-chan struct{} { return c.r.done }

// SetAddress puts an address obtained by DHCP on the group interface; the
// group's end removes it.
func (c *Client) SetAddress(ctx context.Context, p netip.Prefix) error {
	select {
	case <-c.r.done:
		return ErrClosed
	default:
	}
	return c.r.addAddress(ctx, p)
}

// Addresses lists the addresses we put on the group interface.
func (c *Client) Addresses() []netip.Prefix { return c.r.addresses() }

// Leave disconnects from the group and deletes the interface.
func (c *Client) Leave(ctx context.Context) error { return c.r.call(ctx, Stop{}) }
