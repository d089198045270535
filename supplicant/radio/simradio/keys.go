package simradio

import (
	"bytes"
	"context"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// linkPeer reports whether peer is on the other end of one of the
// interface's links: a station the AP added, or the BSS a station is
// connected to.
func (f *iface) linkPeer(peer ieee80211.MAC) bool {
	if f.ap != nil {
		_, ok := f.ap.stations[peer]
		return ok
	}
	return f.sta != nil && f.sta.phase == phaseConnected && f.sta.req.BSSID == peer
}

// SendEAPOL sends an EAPOL PDU over the link to dst: from a connected
// station to its BSSID, or from an AP to a station it added. It is
// protected with the pairwise key the sender installed for dst, if any.
// Without such a link it returns radio.ErrNotConnected. The receiver gets
// it if it is on the channel, still has the link, and (when protected)
// installed the same key; otherwise it is lost, as a frame that fails
// decryption. An EAPOLTxStatus with the returned cookie follows, acked
// when the frame reached the receiver's phy (the same rules as a unicast
// management frame: on the channel, not dropped by a Rule).
func (f *iface) SendEAPOL(ctx context.Context, dst ieee80211.MAC, pdu []byte) (radio.Cookie, error) {
	const opName = "send EAPOL"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return 0, err
	}
	if !f.isAPType() && !f.isStaType() {
		return 0, opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if len(pdu) == 0 {
		return 0, opErr(opName, radio.ErrInvalid, "empty PDU")
	}
	if !f.linkPeer(dst) {
		return 0, opErr(opName, radio.ErrNotConnected, "no link to %v", dst)
	}
	fr := &airFrame{from: f.p, sender: f, freq: f.operating(), eapol: true, src: f.info.Addr, dst: dst, pdu: cloneBytes(pdu),
		cookie: m.newCookie(), status: true}
	if k, ok := f.pairwise[dst]; ok {
		fr.key, fr.cipher = k.Data, k.Cipher
	}
	m.transmit(fr)
	return fr.cookie, nil
}

// receiveEAPOL delivers an EAPOL frame that reached phy r.
func (m *Medium) receiveEAPOL(r *Phy, fr *airFrame) bool {
	f := r.ifaceByAddr(fr.dst)
	if f == nil || f.closed {
		return false
	}
	if f.operating() != fr.freq || !f.linkPeer(fr.src) {
		return true // acknowledged, then dropped as a class 3 frame
	}
	if fr.key != nil {
		k, ok := f.pairwise[fr.src]
		if !ok || k.Cipher != fr.cipher || !bytes.Equal(k.Data, fr.key) {
			return true // decryption failure
		}
	}
	f.push(radio.EAPOLReceived{Src: fr.src, PDU: cloneBytes(fr.pdu), Encrypted: fr.key != nil})
	return true
}

// keyLen is the temporal key length of the known ciphers, 0 if unknown.
func keyLen(cipher uint32) int {
	switch cipher {
	case radio.CipherCCMP128, radio.CipherGCMP128, radio.CipherBIPCMAC:
		return 16
	case 0x000fac09, 0x000fac0a, 0x000fac0c, 0x000fac0d: // GCMP-256, CCMP-256, BIP-GMAC-256, BIP-CMAC-256
		return 32
	case 0x000fac0b: // BIP-GMAC-128
		return 16
	}
	return 0
}

func cloneKey(k radio.Key) radio.Key {
	k.Data = cloneBytes(k.Data)
	k.RSC = cloneBytes(k.RSC)
	return k
}

// NewKey installs a key. The cipher must be one of PhyInfo.CipherSuites
// (radio.ErrNotSupported) and the key its length and not all zeros
// (radio.ErrInvalid). A pairwise key needs a link to its peer
// (radio.ErrNotConnected) and protects later EAPOL frames to that peer.
// Installing the identical key again succeeds and is counted (see
// Phy.KeyInstalls).
func (f *iface) NewKey(ctx context.Context, k radio.Key) error {
	const opName = "new key"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isAPType() && !f.isStaType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	supported := false
	for _, c := range f.p.info.CipherSuites {
		supported = supported || c == k.Cipher
	}
	if !supported {
		return opErr(opName, radio.ErrNotSupported, "cipher %08x", k.Cipher)
	}
	if n := keyLen(k.Cipher); n != 0 && len(k.Data) != n || len(k.Data) == 0 {
		return opErr(opName, radio.ErrInvalid, "key of %d octets for cipher %08x", len(k.Data), k.Cipher)
	}
	if isZero(k.Data) {
		return opErr(opName, radio.ErrInvalid, "all-zero key")
	}
	if k.Index > 7 {
		return opErr(opName, radio.ErrInvalid, "key index %d", k.Index)
	}
	if k.Pairwise() && !f.linkPeer(k.Peer) {
		return opErr(opName, radio.ErrNotConnected, "no link to %v", k.Peer)
	}
	k = cloneKey(k)
	ref := radio.KeyRef{Index: k.Index, Peer: k.Peer}
	f.keys[ref] = k
	f.installs[ref]++
	if k.Pairwise() {
		if f.pairwise == nil {
			f.pairwise = map[ieee80211.MAC]radio.Key{}
		}
		f.pairwise[k.Peer] = k
	}
	return nil
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// DelKey removes an installed key; an unknown one gives radio.ErrNotFound
// (ENOENT).
func (f *iface) DelKey(ctx context.Context, ref radio.KeyRef) error {
	const opName = "del key"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if _, ok := f.keys[ref]; !ok {
		return opErr(opName, radio.ErrNotFound, "no key %d for %v", ref.Index, ref.Peer)
	}
	delete(f.keys, ref)
	if k, ok := f.pairwise[ref.Peer]; ok && k.Index == ref.Index {
		delete(f.pairwise, ref.Peer)
	}
	return nil
}

// SetAuthorized records the controlled port state for a peer with a link
// (radio.ErrNotConnected otherwise); see Phy.Authorized.
func (f *iface) SetAuthorized(ctx context.Context, peer ieee80211.MAC, authorized bool) error {
	const opName = "set authorized"
	m := f.p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := f.check(ctx, opName); err != nil {
		return err
	}
	if !f.isAPType() && !f.isStaType() {
		return opErr(opName, radio.ErrNotSupported, "%v interface", f.info.Type)
	}
	if !f.linkPeer(peer) {
		return opErr(opName, radio.ErrNotConnected, "no link to %v", peer)
	}
	if authorized {
		f.authorized[peer] = true
	} else {
		delete(f.authorized, peer)
	}
	return nil
}

// forgetPeer drops a peer's keys and port state.
func (f *iface) forgetPeer(peer ieee80211.MAC) {
	for ref := range f.keys {
		if ref.Peer == peer {
			delete(f.keys, ref)
		}
	}
	delete(f.pairwise, peer)
	delete(f.authorized, peer)
}

// clearKeys drops every key and port state (the link went down).
func (f *iface) clearKeys() {
	clear(f.keys)
	clear(f.pairwise)
	clear(f.authorized)
}
