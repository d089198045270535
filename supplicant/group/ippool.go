package group

import (
	"net/netip"

	"github.com/p2pmanager/p2pmanager/supplicant/eapol"
)

// ipPool hands out the IPv4 addresses a GO gives its clients in the IP
// Address Allocation KDE (Wi-Fi P2P Technical Specification v1.7, 4.2.8):
// the lowest free address of start..end, one per client interface
// address, kept while the client is in the group.
type ipPool struct {
	gate       netip.Prefix // the GO's address and prefix
	start, end netip.Addr
	used       map[netip.Addr]MAC
	byPeer     map[MAC]netip.Addr
}

// newIPPool returns a pool, or nil when the addresses are not usable
// IPv4 (no allocation then).
func newIPPool(gate netip.Prefix, start, end netip.Addr) *ipPool {
	if !gate.IsValid() || !gate.Addr().Is4() || !start.Is4() || !end.Is4() || end.Less(start) ||
		gate.Bits() < 8 || !gate.Contains(start) || !gate.Contains(end) {
		return nil
	}
	return &ipPool{gate: gate, start: start, end: end, used: map[netip.Addr]MAC{}, byPeer: map[MAC]netip.Addr{}}
}

// allocate returns the address of peer, taking a new one when it has none.
func (p *ipPool) allocate(peer MAC) (netip.Addr, bool) {
	if a, ok := p.byPeer[peer]; ok {
		return a, true
	}
	for a := p.start; a.IsValid() && !p.end.Less(a); a = a.Next() {
		if a == p.gate.Addr() {
			continue
		}
		if _, taken := p.used[a]; !taken {
			p.used[a] = peer
			p.byPeer[peer] = a
			return a, true
		}
	}
	return netip.Addr{}, false
}

// release frees the address of peer.
func (p *ipPool) release(peer MAC) {
	if a, ok := p.byPeer[peer]; ok {
		delete(p.byPeer, peer)
		delete(p.used, a)
	}
}

// allocation is the KDE content for client address a.
func (p *ipPool) allocation(a netip.Addr) eapol.IPAddressAllocation {
	bits := p.gate.Bits()
	var m [4]byte
	for i := 0; i < bits; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return eapol.IPAddressAllocation{ClientIP: a.As4(), SubnetMask: m, GOIP: p.gate.Addr().As4()}
}
