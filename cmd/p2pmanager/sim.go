package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/supplicant/group"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
	"github.com/p2pmanager/p2pmanager/supplicant/p2pmsg"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/simradio"
	"github.com/p2pmanager/p2pmanager/supplicant/wsc"
)

// simKinds are the simulated peers, in turn: a name stem and a WSC
// Primary Device Type (WSC v2.0.5, Table 41: Category, Sub Category).
var simKinds = []struct {
	stem          string
	category, sub uint16
}{
	{"tv", 7, 1},       // Displays: Television
	{"phone", 10, 5},   // Telephone: Smartphone, dual mode
	{"printer", 3, 1},  // Printers: Printer
	{"laptop", 1, 5},   // Computer: Notebook
	{"speaker", 11, 1}, // Audio Devices: Audio tuner/receiver
}

// simWorld is a simulated medium: phy0 is ours (the coordinator drives
// it), the other phys are simulated peers, each a full P2P core.
type simWorld struct {
	Backend radio.Backend

	medium *simradio.Medium
	peers  []*p2p.Device
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// startSim builds the medium with n simulated peers listening.
func startSim(ctx context.Context, n int, log *zap.Logger) (*simWorld, error) {
	m := simradio.NewMedium(simradio.Options{})
	us, err := m.AddPhy(simradio.PhyConfig{Name: "phy0"})
	if err != nil {
		m.Close()
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	w := &simWorld{Backend: m.Backend(us), medium: m, cancel: cancel}
	for i := range n {
		k := simKinds[i%len(simKinds)]
		name := fmt.Sprintf("sim-%s-%d", k.stem, i+1)
		phy, err := m.AddPhy(simradio.PhyConfig{Name: fmt.Sprintf("simpeer%d", i+1)})
		if err != nil {
			w.Close()
			return nil, err
		}
		cfg := p2p.DefaultConfig(name)
		cfg.PrimaryDeviceType = p2p.DeviceType{Category: k.category, OUI: wsc.OUIWFADeviceType, SubCategory: k.sub}
		cfg.ModelName = "simulated " + k.stem
		cfg.ListenChannel = []int{1, 6, 11}[i%3]
		dev, err := p2p.NewDevice(ctx, phy, cfg, p2p.Options{})
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("simulated peer %s: %w", name, err)
		}
		w.peers = append(w.peers, dev)
		if err := dev.Listen(ctx, p2p.ListenOptions{}); err != nil {
			w.Close()
			return nil, fmt.Errorf("simulated peer %s: %w", name, err)
		}
		plog := log.Named("sim").With(zap.String("peer", name), zap.Stringer("address", dev.Address()))
		w.wg.Add(1)
		gdev := group.Device{Address: dev.Address(), Name: name, PrimaryDeviceType: cfg.PrimaryDeviceType, ModelName: cfg.ModelName}
		go w.serve(wctx, dev, phy, gdev, plog)
		plog.Info("simulated peer listening", zap.Int("listen_freq", dev.ListenFreq()))
	}
	return w, nil
}

// serve makes a simulated peer accept everything: it authorizes whoever
// asks for provisioning, and answers a GO Negotiation Request it had to
// refuse (status 1) with its own request, as a user who accepted would.
func (w *simWorld) serve(ctx context.Context, dev *p2p.Device, phy radio.Phy, gdev group.Device, log *zap.Logger) {
	defer w.wg.Done()
	for n := range dev.Notifications() {
		switch x := n.(type) {
		case p2p.ProvisionDiscoveryRequest:
			method := x.Method
			if method == 0 {
				method = p2p.MethodPBC
			}
			if err := dev.Authorize(ctx, x.Peer, p2p.ConnectParams{Method: method}); err != nil {
				log.Warn("authorizing", zap.Error(err))
			}
		case p2p.GONegotiationRequest:
			method := x.Method
			if method == 0 {
				method = p2p.MethodPBC
			}
			log.Info("accepting a GO negotiation", zap.Stringer("from", x.Peer))
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				cctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				res, err := dev.Connect(cctx, x.Peer, p2p.ConnectParams{Method: method})
				if err != nil {
					log.Info("GO negotiation failed", zap.Error(err))
					// Back to the Listen State for the next one.
					_ = dev.Listen(cctx, p2p.ListenOptions{})
					return
				}
				log.Info("GO negotiation succeeded; starting the group", zap.Stringer("with", res.Peer), zap.Stringer("role", res.Role))
				w.runGroup(ctx, dev, phy, gdev, res, log)
			}()
		case p2p.NegotiationSucceeded:
			// A negotiation the peer authorized (Provision Discovery) and
			// we started: no Connect of the simulated peer waits for it.
			log.Info("GO negotiation succeeded; starting the group", zap.Stringer("with", x.Result.Peer), zap.Stringer("role", x.Result.Role))
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				w.runGroup(ctx, dev, phy, gdev, x.Result, log)
			}()
		}
	}
}

// Close stops the simulated peers and the medium.
func (w *simWorld) Close() {
	w.cancel()
	for _, d := range w.peers {
		_ = d.Close()
	}
	w.wg.Wait()
	w.medium.Close()
}

// runGroup runs the simulated peer's side of the group a negotiation
// agreed on (push button provisioning) until the group ends or the
// simulation stops, then puts the peer back in the Listen State.
func (w *simWorld) runGroup(ctx context.Context, dev *p2p.Device, phy radio.Phy, gdev group.Device, r p2p.NegotiationResult, log *zap.Logger) {
	if r.Method != p2p.MethodPBC {
		// A simulated user cannot see or type a PIN.
		log.Info("group formation with a PIN is not simulated", zap.Stringer("method", r.Method))
		_ = dev.Listen(ctx, p2p.ListenOptions{})
		return
	}
	// The group interface needs the radio on the operating channel.
	_ = dev.StopListen(ctx)
	wps := &group.WPS{PasswordID: wsc.PasswordPushButton}
	var (
		notes <-chan group.Notification
		stop  func(context.Context) error
		err   error
	)
	if r.Role == p2pmsg.RoleGO {
		var g *group.GO
		g, err = group.StartGO(ctx, phy, group.GOConfig{
			Device: gdev, Freq: r.Freq, SSID: []byte(r.SSID), InterfaceAddress: dev.InterfaceAddress(),
			Formation: &group.Formation{Peer: r.Peer, PeerInterface: r.PeerInterfaceAddress, WPS: wps},
		})
		if err == nil {
			notes, stop = g.Notifications(), g.Stop
		}
	} else {
		var c *group.Client
		c, err = group.StartClient(ctx, phy, group.ClientConfig{
			Device: gdev, GODeviceAddress: r.GODeviceAddress, GOInterfaceAddress: r.PeerInterfaceAddress,
			Freq: r.Freq, SSID: []byte(r.SSID), WPS: wps, InterfaceAddress: dev.InterfaceAddress(),
		})
		if err == nil {
			notes, stop = c.Notifications(), c.Leave
		}
	}
	if err != nil {
		log.Warn("starting the group", zap.Error(err))
		_ = dev.Listen(ctx, p2p.ListenOptions{})
		return
	}
	// A GO ends the group when its last client left (as wpa_supplicant
	// does for a group it formed), so that the peer listens again.
	members := 0
	for {
		select {
		case n, ok := <-notes:
			if !ok {
				lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				_ = dev.Listen(lctx, p2p.ListenOptions{})
				cancel()
				return
			}
			switch x := n.(type) {
			case group.GroupStarted:
				log.Info("simulated group started", zap.Stringer("state", x))
			case group.MemberJoined:
				members++
			case group.MemberLeft:
				if members--; members == 0 {
					log.Info("the last client left the simulated group; ending it")
					w.wg.Add(1)
					go func() {
						defer w.wg.Done()
						sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
						defer cancel()
						_ = stop(sctx)
					}()
				}
			case group.GroupFailed:
				log.Info("simulated group failed", zap.Error(x.Err))
			case group.GroupRemoved:
				log.Info("simulated group removed", zap.Error(x.Err))
			}
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = stop(sctx)
			cancel()
			for range notes {
			}
			return
		}
	}
}
