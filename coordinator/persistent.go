package coordinator

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"go.uber.org/zap"
)

// This file is the store of persistent groups (Wi-Fi P2P v1.7, 3.2.1 and
// 3.2.4): a group formed with Connect(persistent) is stored on both sides;
// the next Connect(persistent) to the same peer re-invokes it with the
// Invitation procedure instead of a GO Negotiation and WPS (reinvoke), and
// the peer's invitation to it is accepted without asking the agent
// (invitationDecision, invited). The store is safe for concurrent use: the
// P2P core's goroutine reads it; remember runs on the loop.

// persistentGroup is a persistent P2P group we formed with a peer (Wi-Fi
// P2P v1.7, 3.2.1 and 3.2.4): what re-invoking it needs, on both sides
// the same SSID and credential. It holds a secret: it is kept in memory
// and, with Config.StateDir, in a file only root can read; it is never
// logged nor shown on the bus.
type persistentGroup struct {
	// Device is our P2P Device (the radio's ID) and Peer the other one.
	Device api.DeviceID `json:"device"`
	Peer   api.MAC      `json:"peer"`
	// GO is the GO's P2P Device Address; we are GO when it is ours.
	GO         api.MAC `json:"go"`
	WeAreGO    bool    `json:"we_are_go"`
	SSID       string  `json:"ssid"`
	Passphrase string  `json:"passphrase,omitempty"`
	PSK        string  `json:"psk,omitempty"` // hexadecimal
	Freq       int     `json:"freq,omitempty"`
}

func (p persistentGroup) psk() []byte {
	b, _ := hex.DecodeString(p.PSK)
	return b
}

// persistentStore holds the persistent groups, one per (device, peer): a
// new group with a peer replaces the old one, as the peer's does. It is
// safe for concurrent use (the P2P core's invitation policy reads it on
// the core's goroutine).
type persistentStore struct {
	mu     sync.Mutex
	path   string // "" keeps it in memory only
	groups []persistentGroup
}

// persistentFile is the file name under Config.StateDir.
const persistentFile = "persistent-groups.json"

// openPersistentStore loads the store from dir ("" for memory only).
func openPersistentStore(dir string) (*persistentStore, error) {
	s := &persistentStore{}
	if dir == "" {
		return s, nil
	}
	s.path = filepath.Join(dir, persistentFile)
	b, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("coordinator: reading the persistent groups: %w", err)
	}
	if err := json.Unmarshal(b, &s.groups); err != nil {
		return nil, fmt.Errorf("coordinator: %s: %w", s.path, err)
	}
	return s, nil
}

// lookup returns the group formed with peer on dev.
func (s *persistentStore) lookup(dev api.DeviceID, peer api.MAC) (persistentGroup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		if g.Device == dev && g.Peer == peer {
			return g, true
		}
	}
	return persistentGroup{}, false
}

// match returns the group of dev with that GO and SSID, formed with peer
// (an invitation names the group by its P2P Group ID).
func (s *persistentStore) match(dev api.DeviceID, peer, goAddr api.MAC, ssid string) (persistentGroup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		if g.Device == dev && g.Peer == peer && g.GO == goAddr && g.SSID == ssid {
			return g, true
		}
	}
	return persistentGroup{}, false
}

// save stores g, replacing the group formed with the same peer, and
// writes the file.
func (s *persistentStore) save(g persistentGroup) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups = slices.DeleteFunc(s.groups, func(o persistentGroup) bool { return o.Device == g.Device && o.Peer == g.Peer })
	s.groups = append(s.groups, g)
	return s.write()
}

// forget removes the group formed with peer (the peer no longer knows it).
func (s *persistentStore) forget(dev api.DeviceID, peer api.MAC) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups = slices.DeleteFunc(s.groups, func(o persistentGroup) bool { return o.Device == dev && o.Peer == peer })
	return s.write()
}

// write replaces the file atomically, readable by its owner only. s.mu
// must be held.
func (s *persistentStore) write() error {
	if s.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.groups, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), persistentFile+".*")
	if err != nil {
		return fmt.Errorf("coordinator: saving the persistent groups: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("coordinator: saving the persistent groups: %w", err)
	}
	return nil
}

// errUnknownPersistent: the peer forgot the persistent group.
var errUnknownPersistent = errors.New("coordinator: the peer does not know the persistent group")

// remember stores a persistent group once it has started, with the
// credential it reports (never logged).
func (d *device) remember(g *runningGroup, x group.GroupStarted) {
	pg := persistentGroup{
		Device:     d.id,
		Peer:       g.peer,
		GO:         api.MAC(x.GODeviceAddress),
		WeAreGO:    x.Role == p2pmsg.RoleGO,
		SSID:       string(x.SSID),
		Passphrase: x.Passphrase,
		PSK:        hex.EncodeToString(x.PSK),
		Freq:       x.Freq,
	}
	if err := d.c.persist.save(pg); err != nil {
		d.c.log.Warn("storing the persistent group", zap.Error(err))
		return
	}
	d.c.log.Info("persistent group stored", zap.Stringer("peer", g.peer), zap.String("ssid", pg.SSID), zap.Bool("go", pg.WeAreGO))
}
