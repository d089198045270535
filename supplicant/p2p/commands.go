package p2p

import (
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
)

// command is a request of the API to the core.
type command interface{ isCommand() }

type cmdFind struct{ opts FindOptions }
type cmdStopFind struct{}
type cmdListen struct{ opts ListenOptions }
type cmdStopListen struct{}
type cmdProvision struct {
	peer   MAC
	method WPSMethod
}
type cmdConnect struct {
	peer   MAC
	params ConnectParams
}
type cmdAuthorize struct {
	peer   MAC
	params ConnectParams
}
type cmdUnauthorize struct{ peer MAC }
type cmdInvite struct {
	peer   MAC
	params InviteParams
}

// cmdCancel abandons the procedure started by command id (its context
// ended); the procedure replies with err.
type cmdCancel struct {
	id  uint64
	err error
}
type cmdPeers struct{}
type cmdPeer struct{ addr MAC }
type cmdSetName struct{ name string }
type cmdFlush struct{}

func (cmdFind) isCommand()        {}
func (cmdStopFind) isCommand()    {}
func (cmdListen) isCommand()      {}
func (cmdStopListen) isCommand()  {}
func (cmdProvision) isCommand()   {}
func (cmdConnect) isCommand()     {}
func (cmdAuthorize) isCommand()   {}
func (cmdUnauthorize) isCommand() {}
func (cmdInvite) isCommand()      {}
func (cmdCancel) isCommand()      {}
func (cmdPeers) isCommand()       {}
func (cmdPeer) isCommand()        {}
func (cmdSetName) isCommand()     {}
func (cmdFlush) isCommand()       {}

// command runs a command; every command gets exactly one reply, at once
// or when its procedure ends.
func (c *core) command(id uint64, cmd command) {
	if c.stopped || !c.started {
		c.reply(id, nil, ErrClosed)
		return
	}
	switch x := cmd.(type) {
	case cmdFind:
		c.startFind(x.opts)
		c.reply(id, nil, nil)
	case cmdStopFind:
		c.stopFind()
		c.reply(id, nil, nil)
	case cmdListen:
		c.startListen(x.opts)
		c.reply(id, nil, nil)
	case cmdStopListen:
		c.stopListen()
		c.reply(id, nil, nil)
	case cmdProvision:
		c.provision(id, x.peer, x.method)
	case cmdConnect:
		c.connect(id, x.peer, x.params)
	case cmdAuthorize:
		c.authorize(id, x.peer, x.params)
	case cmdInvite:
		c.invite(id, x.peer, x.params)
	case cmdUnauthorize:
		delete(c.auth, x.peer)
		if c.neg != nil && c.neg.peer == x.peer {
			c.negDone(ErrCanceled, nil)
		}
		c.reply(id, nil, nil)
	case cmdCancel:
		err := x.err
		if err == nil {
			err = ErrCanceled
		}
		if c.neg != nil && c.neg.reqID == x.id {
			c.negDone(err, nil)
		}
		if c.pd != nil && c.pd.reqID == x.id {
			c.pdDone(err, nil)
		}
		if c.inv != nil && c.inv.reqID == x.id {
			c.invDone(err, nil)
		}
		c.reply(id, nil, nil)
	case cmdPeers:
		c.reply(id, c.peers.all(), nil)
	case cmdPeer:
		p, ok := c.peers.snapshot(x.addr)
		if !ok {
			c.reply(id, nil, ErrUnknownPeer)
			return
		}
		c.reply(id, p, nil)
	case cmdSetName:
		if err := p2pmsg.ValidateDeviceName([]byte(x.name)); err != nil {
			c.reply(id, nil, err)
			return
		}
		c.cfg.DeviceName = x.name
		c.reply(id, nil, nil)
	case cmdFlush:
		for _, p := range c.peers.all() {
			if c.inUse(p.Address) {
				continue
			}
			if e, ok := c.peers.remove(p.Address); ok && e.reported {
				c.notify(PeerLost{Address: p.Address})
			}
		}
		c.reply(id, nil, nil)
	default:
		c.reply(id, nil, ErrUnsupportedMethod)
	}
}

// rxAction dispatches a received P2P Public Action frame (Wi-Fi P2P v1.7,
// 4.2.9). Device Discoverability frames are not handled.
func (c *core) rxAction(f rxFrame) {
	if f.hdr.DA() != c.id.addr {
		return
	}
	if len(f.body) == 0 || f.body[0] != ieee80211.CategoryPublic {
		return
	}
	pa, err := p2pmsg.ParsePublicAction(f.body)
	if err != nil {
		return // not P2P, or malformed (bad-input 4a #6, #7, #11)
	}
	switch pa.Subtype {
	case p2pmsg.GONegotiationRequest:
		c.rxNegRequest(f, pa)
	case p2pmsg.GONegotiationResponse:
		c.rxNegResponse(f, pa)
	case p2pmsg.GONegotiationConfirmation:
		c.rxNegConfirm(f, pa)
	case p2pmsg.ProvisionDiscoveryRequest:
		c.rxPDRequest(f, pa)
	case p2pmsg.ProvisionDiscoveryResponse:
		c.rxPDResponse(f, pa)
	case p2pmsg.InvitationRequest:
		c.rxInvRequest(f, pa)
	case p2pmsg.InvitationResponse:
		c.rxInvResponse(f, pa)
	}
}
