package p2p

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
)

// detReader is a deterministic stand-in for crypto/rand in simulations.
type detReader struct{ r *rand.Rand }

func (d detReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(d.r.Uint32())
	}
	return len(b), nil
}

// simNode is one simulated P2P Device with a recorder of its
// notifications.
type simNode struct {
	t   testing.TB
	phy *simradio.Phy
	dev *Device

	mu    sync.Mutex
	cond  *sync.Cond
	notes []Notification
	done  bool
}

// simNet is a medium with devices on it, to be used inside a synctest
// bubble.
type simNet struct {
	t     testing.TB
	m     *simradio.Medium
	nodes []*simNode
	seed  uint64 // varies the devices' random sources between runs
}

func newSimNet(t testing.TB, opts simradio.Options) *simNet {
	t.Helper()
	return &simNet{t: t, m: simradio.NewMedium(opts)}
}

// add starts a device on a new phy; mod adjusts its configuration.
func (s *simNet) add(name string, mod func(*Config)) *simNode {
	s.t.Helper()
	return s.addWithPolicy(name, mod, nil)
}

// addWithPolicy is add with an Options.InvitationPolicy.
func (s *simNet) addWithPolicy(name string, mod func(*Config), policy func(InvitationRequest) InvitationDecision) *simNode {
	s.t.Helper()
	idx := len(s.nodes)
	phy, err := s.m.AddPhy(simradio.PhyConfig{})
	if err != nil {
		s.t.Fatalf("AddPhy: %v", err)
	}
	cfg := DefaultConfig(name)
	if os.Getenv("P2P_TRACE") != "" {
		t := s.t
		cfg.Trace = func(format string, args ...any) {
			t.Logf("%s %s: %s", time.Now().Format("15:04:05.000"), name, fmt.Sprintf(format, args...))
		}
	}
	if mod != nil {
		mod(&cfg)
	}
	seed := uint64(idx+1) + s.seed<<20
	dev, err := NewDevice(context.Background(), phy, cfg, Options{
		Rand:             rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		Crypto:           detReader{rand.New(rand.NewPCG(seed, 7))},
		InvitationPolicy: policy,
	})
	if err != nil {
		s.t.Fatalf("NewDevice(%s): %v", name, err)
	}
	n := &simNode{t: s.t, phy: phy, dev: dev}
	n.cond = sync.NewCond(&n.mu)
	go n.record()
	s.nodes = append(s.nodes, n)
	return n
}

func (n *simNode) record() {
	for note := range n.dev.Notifications() {
		n.mu.Lock()
		n.notes = append(n.notes, note)
		n.cond.Broadcast()
		n.mu.Unlock()
	}
	n.mu.Lock()
	n.done = true
	n.cond.Broadcast()
	n.mu.Unlock()
}

// close stops every device, then the medium.
func (s *simNet) close() {
	for _, n := range s.nodes {
		n.dev.Close()
	}
	s.m.Close()
}

// mark is the index of the next notification, for waitFrom.
func (n *simNode) mark() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.notes)
}

// wait returns the first recorded notification that matches, waiting up
// to d of (virtual) time.
func (n *simNode) wait(d time.Duration, match func(Notification) bool) (Notification, bool) {
	return n.waitFrom(0, d, match)
}

// waitFrom is wait for the notifications from index from on.
func (n *simNode) waitFrom(from int, d time.Duration, match func(Notification) bool) (Notification, bool) {
	deadline := time.Now().Add(d)
	timer := time.AfterFunc(d, func() {
		n.mu.Lock()
		n.cond.Broadcast()
		n.mu.Unlock()
	})
	defer timer.Stop()
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := from; ; {
		for ; i < len(n.notes); i++ {
			if match(n.notes[i]) {
				return n.notes[i], true
			}
		}
		if n.done || !time.Now().Before(deadline) {
			return nil, false
		}
		n.cond.Wait()
	}
}

// found waits until n reported peer p as found.
func (n *simNode) found(d time.Duration, p *simNode) (Peer, bool) {
	addr := p.dev.Address()
	note, ok := n.wait(d, func(x Notification) bool {
		f, ok := x.(PeerFound)
		return ok && f.Peer.Address == addr
	})
	if !ok {
		return Peer{}, false
	}
	return note.(PeerFound).Peer, true
}

func (n *simNode) String() string { return fmt.Sprint(n.dev.Address()) }
