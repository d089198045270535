package dbusapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/p2pmanager/p2pmanager/api"
)

// agentReg is the registered agent: an object on a client's connection.
type agentReg struct {
	owner string // unique name
	path  dbus.ObjectPath
	cap   api.AgentCapability
}

// agentCall is an AgentRequest being answered.
type agentCall struct {
	req     api.AgentRequest
	agent   agentReg
	peer    dbus.ObjectPath
	cancel  context.CancelFunc
	respond func(api.AgentResponse)
	aborted bool
}

// registerAgent makes the caller's object the agent. The backend is told
// without agentMu held (the event loop takes agentMu, and the backend may
// be waiting for the event loop).
func (s *Service) registerAgent(ctx context.Context, sender string, path dbus.ObjectPath, c api.AgentCapability) error {
	s.agentMu.Lock()
	if a := s.agent; a != nil && a.owner != sender {
		s.agentMu.Unlock()
		return fmt.Errorf("%w: an agent is already registered (by %s)", api.ErrBusy, a.owner)
	}
	prev := s.agent
	reg := &agentReg{owner: sender, path: path, cap: c}
	s.agent = reg
	s.agentMu.Unlock()
	if err := s.backend.SetAgentCapability(ctx, c); err != nil {
		s.agentMu.Lock()
		if s.agent == reg {
			s.agent = prev
		}
		s.agentMu.Unlock()
		return err
	}
	s.checkAlive(sender)
	return nil
}

func (s *Service) unregisterAgent(ctx context.Context, sender string, path dbus.ObjectPath) error {
	s.agentMu.Lock()
	a := s.agent
	if a == nil || a.owner != sender || a.path != path {
		s.agentMu.Unlock()
		return fmt.Errorf("%w: no agent %s registered by this client", api.ErrNotFound, clip(string(path)))
	}
	s.agent = nil
	s.agentMu.Unlock()
	return s.backend.SetAgentCapability(ctx, api.AgentNone)
}

// agentGone unregisters the agent of a client that left the bus.
func (s *Service) agentGone(name string) {
	s.agentMu.Lock()
	if s.agent == nil || s.agent.owner != name {
		s.agentMu.Unlock()
		return
	}
	s.agent = nil
	s.agentMu.Unlock()
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.BackendTimeout)
	defer cancel()
	if err := s.backend.SetAgentCapability(ctx, api.AgentNone); err != nil {
		s.logf("dbusapi: telling the backend the agent left: %v", err)
	}
}

// releaseAgent tells the agent the service stops (Agent1.Release).
func (s *Service) releaseAgent() {
	s.agentMu.Lock()
	a := s.agent
	s.agent = nil
	s.agentMu.Unlock()
	if a == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.conn.Object(a.owner, a.path).CallWithContext(ctx, ifaceAgent+".Release", 0).Err
}

// agentRequest answers a backend AgentRequest through the agent.
func (s *Service) agentRequest(req api.AgentRequest) {
	var once sync.Once
	respond := func(r api.AgentResponse) {
		once.Do(func() {
			if req.Respond != nil {
				req.Respond(r)
			}
		})
	}
	refuse := func(err error) { respond(api.AgentResponse{Err: err}) }

	s.agentMu.Lock()
	a := s.agent
	if a == nil {
		s.agentMu.Unlock()
		refuse(fmt.Errorf("%w: no agent is registered", api.ErrRejected))
		return
	}
	agent := *a
	if err := capable(agent.cap, req.Kind); err != nil {
		s.agentMu.Unlock()
		refuse(err)
		return
	}
	s.mu.RLock()
	d := s.devices[req.Device]
	known := d != nil && d.peers[req.Peer] != nil
	s.mu.RUnlock()
	if d == nil {
		s.agentMu.Unlock()
		refuse(fmt.Errorf("%w: unknown device %q", api.ErrNotFound, req.Device))
		return
	}
	if !known && req.Kind == api.AgentAuthorize {
		// The agent is given a Peer1 object; without one it cannot tell
		// the user who asks.
		s.agentMu.Unlock()
		refuse(fmt.Errorf("%w: no peer object for %s", api.ErrRejected, req.Peer))
		return
	}
	peer := dbus.ObjectPath("/") // a PIN for whoever joins (AllowJoin without a peer)
	if known {
		peer = peerPath(req.Device, req.Peer)
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = s.cfg.AgentTimeout
	}
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	call := &agentCall{req: req, agent: agent, peer: peer, cancel: cancel, respond: respond}
	if _, dup := s.pending[req.ID]; dup {
		s.agentMu.Unlock()
		refuse(fmt.Errorf("%w: agent request %d is already pending", api.ErrInProgress, req.ID))
		return
	}
	s.pending[req.ID] = call
	s.agentMu.Unlock()
	defer func() {
		s.agentMu.Lock()
		delete(s.pending, req.ID)
		s.agentMu.Unlock()
	}()

	obj := s.conn.Object(agent.owner, agent.path)
	var err error
	var resp api.AgentResponse
	switch req.Kind {
	case api.AgentAuthorize:
		err = obj.CallWithContext(ctx, ifaceAgent+".RequestAuthorization", 0, peer, req.Request.String(), req.Method.String()).Err
		resp.Accepted = err == nil
	case api.AgentConcurrency:
		err = obj.CallWithContext(ctx, ifaceAgent+".RequestConcurrency", 0, devicePath(req.Device),
			sanitize(req.Interface, maxStringArg), sanitize(req.Detail, maxStringArg)).Err
		resp.Accepted = err == nil
	case api.AgentDisplayPIN:
		if e := checkPIN("PIN", req.PIN); e != nil {
			refuse(e)
			return
		}
		err = obj.CallWithContext(ctx, ifaceAgent+".DisplayPin", 0, peer, req.PIN).Err
		resp.Accepted = err == nil
	case api.AgentRequestPIN:
		var pin string
		err = obj.CallWithContext(ctx, ifaceAgent+".RequestPin", 0, peer).Store(&pin)
		if err == nil {
			if e := checkPIN("the agent's PIN", pin); e != nil {
				err = fmt.Errorf("%w: %v", api.ErrRejected, e)
			}
		}
		resp.Accepted, resp.PIN = err == nil, pin
	default:
		refuse(fmt.Errorf("%w: unknown agent request kind %d", api.ErrNotSupported, req.Kind))
		return
	}
	s.agentMu.Lock()
	aborted := call.aborted
	s.agentMu.Unlock()
	switch {
	case aborted:
		return // agentCancel responded
	case err == nil:
		respond(resp)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		s.cancelAgent(agent, peer)
		refuse(fmt.Errorf("%w: the agent did not answer in %v", api.ErrTimeout, timeout))
	default:
		e := fromDBusError(err)
		if !errors.Is(e, api.ErrRejected) {
			e = fmt.Errorf("%w: %v", api.ErrRejected, e)
		}
		refuse(e)
	}
}

// capable tells whether an agent with capability c can handle kind.
func capable(c api.AgentCapability, kind api.AgentRequestKind) error {
	switch {
	case kind == api.AgentRequestPIN && (c == api.AgentDisplayOnly || c == api.AgentNoInputNoOutput):
		return fmt.Errorf("%w: the agent cannot enter a PIN (%v)", api.ErrRejected, c)
	case kind == api.AgentDisplayPIN && (c == api.AgentKeyboardOnly || c == api.AgentNoInputNoOutput):
		return fmt.Errorf("%w: the agent cannot show a PIN (%v)", api.ErrRejected, c)
	}
	return nil
}

// agentCancel withdraws a pending request: Agent1.Cancel, and an Aborted
// response.
func (s *Service) agentCancel(id uint64) {
	s.agentMu.Lock()
	call := s.pending[id]
	if call != nil {
		call.aborted = true
	}
	s.agentMu.Unlock()
	if call == nil {
		return
	}
	call.cancel()
	call.respond(api.AgentResponse{Err: fmt.Errorf("%w: the request was withdrawn", api.ErrAborted)})
	go s.cancelAgent(call.agent, call.peer)
}

func (s *Service) cancelAgent(a agentReg, peer dbus.ObjectPath) {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	_ = s.conn.Object(a.owner, a.path).CallWithContext(ctx, ifaceAgent+".Cancel", 0, peer).Err
}
