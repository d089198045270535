package p2p

import (
	"slices"
	"time"

	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// pdState is the one Provision Discovery we run (Wi-Fi P2P v1.7, 3.2.5).
type pdState struct {
	exchange
	method WPSMethod
}

// exch is the exchange of the Provision Discovery, nil when none runs.
func (p *pdState) exch() *exchange {
	if p == nil {
		return nil
	}
	return &p.exchange
}

// pdDecision is a received Provision Discovery Request waiting for the
// accept/refuse decision.
type pdDecision struct {
	req   ProvisionRequest
	sa    MAC
	token uint8
	freq  int
	// asked is the Config Methods value of the request, echoed when
	// accepted.
	asked ConfigMethods
}

// provision starts a Provision Discovery (command ProvisionDiscovery).
func (c *core) provision(id uint64, peer MAC, m WPSMethod) {
	if !validMethod(m) {
		c.reply(id, nil, ErrUnsupportedMethod)
		return
	}
	if c.pd != nil {
		c.reply(id, nil, ErrBusy)
		return
	}
	listen, ok := c.requestFreq(peer)
	if !ok {
		c.reply(id, nil, ErrUnknownPeer)
		return
	}
	c.pd = &pdState{method: m, exchange: exchange{
		peer: peer, reqID: id, freq: listen, phase: exchSend,
		name: "Provision Discovery Request", tx: txPDRequest, timer: tmPD, roc: rocPD,
		// The request names the method the peer is to use.
		build: func(tok uint8) ([]byte, error) { return c.id.pdRequest(peer, tok, m.complement().ConfigMethod()) },
		fail:  func(err error) { c.pdDone(err, nil) },
	}}
	c.tracef("Provision Discovery with %v (%v) on %d MHz", peer, m, listen)
}

// requestFreq is where a request to peer goes: a GO on its operating
// channel, where it stays (Wi-Fi P2P v1.7, 3.2.3: a client joining a group
// provisions with its GO), other peers on their Listen Channel; false when
// the peer or its channel is unknown.
func (c *core) requestFreq(peer MAC) (int, bool) {
	var freq int
	if !c.peers.view(peer, func(e *peerEntry) {
		freq = e.ListenFreq
		if e.GroupOwner && e.OperatingFreq != 0 {
			freq = e.OperatingFreq
		}
	}) || freq == 0 {
		return 0, false
	}
	return freq, true
}

func (c *core) pdDone(err error, res *ProvisionResult) {
	p := c.pd
	if p == nil {
		return
	}
	c.pd = nil
	c.exchEnd(&p.exchange)
	if err != nil {
		c.tracef("Provision Discovery with %v failed: %v", p.peer, err)
		c.reply(p.reqID, nil, err)
		return
	}
	c.tracef("Provision Discovery with %v: accepted %v", p.peer, res.Accepted)
	c.reply(p.reqID, *res, nil)
}

// rxPDResponse ends our Provision Discovery (Wi-Fi P2P v1.7, 4.2.9.10).
func (c *core) rxPDResponse(f rxFrame, pa *p2pmsg.PublicAction) {
	sa := f.hdr.SA()
	p := c.pd
	if p == nil || p.peer != sa || !slices.Contains(p.tokens, pa.DialogToken) {
		c.tracef("unexpected Provision Discovery Response from %v: ignored", sa)
		return
	}
	if err := p2pmsg.ValidateProvisionDiscoveryResponse(pa); err != nil {
		c.tracef("invalid Provision Discovery Response from %v: %v", sa, err)
		return
	}
	c.learnFromAction(f, pa.P2P)
	cm, _ := wscUint16(wscAttrs(pa.Elements), wsc.AttrConfigMethods)
	got := ConfigMethods(cm)
	c.pdDone(nil, &ProvisionResult{
		Peer: sa, Method: p.method, ConfigMethods: got,
		Accepted: got&p.method.complement().ConfigMethod() != 0,
	})
}

// rxPDRequest answers a Provision Discovery Request (Wi-Fi P2P v1.7,
// 3.2.5 and 4.2.9.9) after the decision of the layers above.
func (c *core) rxPDRequest(f rxFrame, pa *p2pmsg.PublicAction) {
	sa := f.hdr.SA()
	if err := p2pmsg.ValidateProvisionDiscoveryRequest(pa); err != nil {
		c.tracef("invalid Provision Discovery Request from %v: %v", sa, err)
		return
	}
	if pa.P2P.DeviceInfo.DeviceAddress != sa {
		// A request whose P2P Device Info names another device is not
		// from a P2P Device Address we can answer to: ignore it (the
		// frame of CVE-2021-27803).
		c.tracef("Provision Discovery Request from %v for device %v: ignored", sa, pa.P2P.DeviceInfo.DeviceAddress)
		return
	}
	// This may insert the peer and evict another: nothing read before is
	// used after it.
	c.learnFromAction(f, pa.P2P)
	cm, _ := wscUint16(wscAttrs(pa.Elements), wsc.AttrConfigMethods)
	asked := ConfigMethods(cm)
	m, ok := methodOfConfigMethod(asked)
	d := pdDecision{
		req: ProvisionRequest{Peer: sa, Method: m}, sa: sa, token: pa.DialogToken, freq: f.freq, asked: asked,
	}
	// A retransmission (our response was lost) gets the same answer again,
	// without asking or notifying twice.
	if r, ok := c.pdSeen[sa]; ok && r.token == d.token && r.asked == asked && c.now.Sub(r.at) < 5*time.Second {
		c.sendPDResponse(d, r.accept)
		return
	}
	if !ok || !c.cfg.supports(m) {
		c.provisionDecided(d, false) // an unsupported method is refused at once
		return
	}
	c.emit(actDecideProvision{d: d})
}

// pdAnswer remembers our answer to a peer's last Provision Discovery
// Request.
type pdAnswer struct {
	token  uint8
	asked  ConfigMethods
	accept bool
	at     time.Time
}

// provisionDecided sends the Provision Discovery Response.
func (c *core) provisionDecided(d pdDecision, accept bool) {
	if c.stopped {
		return
	}
	for a, r := range c.pdSeen { // bounded: drop old answers
		if c.now.Sub(r.at) >= 5*time.Second {
			delete(c.pdSeen, a)
		}
	}
	if len(c.pdSeen) < c.cfg.MaxPeers {
		c.pdSeen[d.sa] = pdAnswer{token: d.token, asked: d.asked, accept: accept, at: c.now}
	}
	c.sendPDResponse(d, accept)
	d.req.Accepted = accept
	c.notify(ProvisionDiscoveryRequest{ProvisionRequest: d.req})
	c.tracef("Provision Discovery Request from %v (%v): accepted %v", d.sa, d.req.Method, accept)
}

func (c *core) sendPDResponse(d pdDecision, accept bool) {
	var cm ConfigMethods
	if accept {
		cm = d.asked
	}
	frame, err := c.id.pdResponse(d.sa, d.token, cm)
	if err != nil {
		return
	}
	c.abortScanFor()
	c.send(txOther, d.sa, frame, d.freq, 0)
}

// defaultProvisionDecision accepts a request whose method we support.
func defaultProvisionDecision(cfg *Config, r ProvisionRequest) bool {
	return cfg.supports(r.Method)
}
