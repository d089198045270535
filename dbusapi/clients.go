package dbusapi

import (
	"context"
	"fmt"
	"sync"

	"github.com/p2pmanager/p2pmanager/api"
)

// clientTable counts the calls in flight per bus client and in all
// (docs/bad-input.md 4c #10: godbus runs every incoming call in its own
// goroutine with no cap, so the bound is here: a call over the limit is
// answered Busy at once, before any work). Each client with calls in
// flight has a context that ends when it leaves the bus.
type clientTable struct {
	mu        sync.Mutex
	m         map[string]*client
	total     int
	perClient int
	max       int
}

type client struct {
	name     string
	inflight int
	ctx      context.Context
	cancel   context.CancelFunc
}

func newClientTable(perClient, max int) *clientTable {
	return &clientTable{m: map[string]*client{}, perClient: perClient, max: max}
}

// enter admits a call from name or refuses it with ErrBusy.
func (t *clientTable) enter(name string) (*client, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.m[name]
	if c != nil && c.inflight >= t.perClient {
		return nil, fmt.Errorf("%w: %d calls in flight from %s (at most %d per client)", api.ErrBusy, c.inflight, name, t.perClient)
	}
	if t.total >= t.max {
		return nil, fmt.Errorf("%w: %d calls in flight (at most %d)", api.ErrBusy, t.total, t.max)
	}
	if c == nil {
		c = &client{name: name}
		c.ctx, c.cancel = context.WithCancel(context.Background())
		t.m[name] = c
	}
	c.inflight++
	t.total++
	return c, nil
}

// leave ends a call admitted by enter.
func (t *clientTable) leave(c *client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c.inflight--
	t.total--
	if c.inflight == 0 && t.m[c.name] == c {
		delete(t.m, c.name)
		c.cancel()
	}
}

// vanish cancels the calls in flight of a client that left the bus.
func (t *clientTable) vanish(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.m[name]; c != nil {
		c.cancel()
		delete(t.m, name)
	}
}

// inFlight reports the calls in flight of name (for tests).
func (t *clientTable) inFlight(name string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.m[name]; c != nil {
		return c.inflight
	}
	return 0
}
