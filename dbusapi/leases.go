package dbusapi

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/p2pmanager/p2pmanager/api"
)

// leaseSet multiplexes the discovery (or listen) leases of the bus clients
// onto one backend request: the backend is started when the first lease is
// taken, updated when the merged options change, and stopped when the last
// lease is released, expires or its client leaves the bus (iwd's
// RequestDiscovery/ReleaseDiscovery model). Backend calls are made with
// mu held, so they reach the backend in order.
type leaseSet struct {
	kind   string
	start  func(context.Context, api.DiscoveryOptions) error
	stop   func(context.Context) error
	mu     sync.Mutex
	leases map[string]*lease
	active bool
	cur    api.DiscoveryOptions
	seq    uint64
	closed bool
}

type lease struct {
	req   leaseRequest
	seq   uint64
	timer *time.Timer
}

func newLeaseSet(kind string, start func(context.Context, api.DiscoveryOptions) error, stop func(context.Context) error) *leaseSet {
	return &leaseSet{kind: kind, start: start, stop: stop, leases: map[string]*lease{}}
}

// mergeDiscovery is the union of the leases' options: the widest scan, and
// a device type filter only when every lease has one (at most 16 types).
func mergeDiscovery(reqs []leaseRequest) api.DiscoveryOptions {
	var m api.DiscoveryOptions
	m.Type = api.DiscoverSocial
	filtered := true
	var types []api.DeviceType
	for _, r := range reqs {
		switch {
		case r.discovery.Type == api.DiscoverFull:
			m.Type = api.DiscoverFull
		case r.discovery.Type == api.DiscoverProgressive && m.Type != api.DiscoverFull:
			m.Type = api.DiscoverProgressive
		}
		if len(r.discovery.DeviceTypes) == 0 {
			filtered = false
		}
		for _, t := range r.discovery.DeviceTypes {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	if filtered && len(types) <= maxDeviceTypes {
		m.DeviceTypes = types
	}
	return m
}

func sameOptions(a, b api.DiscoveryOptions) bool {
	return a.Type == b.Type && slices.Equal(a.DeviceTypes, b.DeviceTypes)
}

func (l *leaseSet) merged(except string, extra *leaseRequest) api.DiscoveryOptions {
	names := make([]string, 0, len(l.leases))
	for n := range l.leases {
		if n != except {
			names = append(names, n)
		}
	}
	sort.Strings(names) // deterministic order of device types
	reqs := make([]leaseRequest, 0, len(names)+1)
	for _, n := range names {
		reqs = append(reqs, l.leases[n].req)
	}
	if extra != nil {
		reqs = append(reqs, *extra)
	}
	return mergeDiscovery(reqs)
}

// acquire takes or replaces the lease of client; nothing changes when the
// backend refuses.
func (l *leaseSet) acquire(ctx context.Context, client string, req leaseRequest, expire func()) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("%w: the device is gone", api.ErrNotFound)
	}
	want := l.merged(client, &req)
	if !l.active || !sameOptions(want, l.cur) {
		if err := l.start(ctx, want); err != nil {
			return err
		}
		l.active, l.cur = true, want
	}
	if old := l.leases[client]; old != nil && old.timer != nil {
		old.timer.Stop()
	}
	l.seq++
	ls := &lease{req: req, seq: l.seq}
	if req.timeout > 0 {
		seq := ls.seq
		ls.timer = time.AfterFunc(req.timeout, func() { l.expire(client, seq, expire) })
	}
	l.leases[client] = ls
	return nil
}

func (l *leaseSet) expire(client string, seq uint64, expire func()) {
	l.mu.Lock()
	ls := l.leases[client]
	l.mu.Unlock()
	if ls == nil || ls.seq != seq {
		return
	}
	expire()
}

// release ends the lease of client (ErrNotFound when it has none). The
// lease is gone even if the backend fails to stop or update.
func (l *leaseSet) release(ctx context.Context, client string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.leases[client]
	if ls == nil {
		return fmt.Errorf("%w: this client holds no %s lease", api.ErrNotFound, l.kind)
	}
	if ls.timer != nil {
		ls.timer.Stop()
	}
	delete(l.leases, client)
	if l.closed || !l.active {
		return nil
	}
	if len(l.leases) == 0 {
		l.active = false
		return l.stop(ctx)
	}
	if want := l.merged("", nil); !sameOptions(want, l.cur) {
		if err := l.start(ctx, want); err != nil {
			return err
		}
		l.cur = want
	}
	return nil
}

// holders lists the clients holding a lease, sorted (for tests).
func (l *leaseSet) holders() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.leases))
	for n := range l.leases {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// close forgets every lease without calling the backend (the device is
// gone or the service stops).
func (l *leaseSet) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ls := range l.leases {
		if ls.timer != nil {
			ls.timer.Stop()
		}
	}
	clear(l.leases)
	l.closed = true
	l.active = false
}
