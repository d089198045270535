package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
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
		go w.serve(wctx, dev, plog)
		plog.Info("simulated peer listening", zap.Int("listen_freq", dev.ListenFreq()))
	}
	return w, nil
}

// serve makes a simulated peer accept everything: it authorizes whoever
// asks for provisioning, and answers a GO Negotiation Request it had to
// refuse (status 1) with its own request, as a user who accepted would.
func (w *simWorld) serve(ctx context.Context, dev *p2p.Device, log *zap.Logger) {
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
				} else {
					log.Info("GO negotiation succeeded", zap.Stringer("role", res.Role), zap.Int("freq", res.Freq))
				}
				// Back to the Listen State for the next one.
				_ = dev.Listen(cctx, p2p.ListenOptions{})
			}()
		case p2p.NegotiationSucceeded:
			log.Info("GO negotiation succeeded; group formation is not simulated yet", zap.Stringer("with", x.Result.Peer))
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
