package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/coordinator"
	"github.com/p2pmanager/p2pmanager/dbusapi"
	"github.com/p2pmanager/p2pmanager/ipconf"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
	"github.com/p2pmanager/p2pmanager/supplicant/radio/nl80211"
)

// version is Manager1.Version.
const version = "0.1"

// daemonConfig is what `p2pmanager run` was asked for.
type daemonConfig struct {
	Bus      string // session, system, private or a D-Bus address
	Radio    string // sim or nl80211
	SimPeers int
	// MaxPeers bounds each radio's peer table (0: the core's default).
	MaxPeers int
	// StateDir keeps state across restarts (the persistent groups); ""
	// keeps it in memory.
	StateDir string
	LogLevel string
	// Discover, when "social" or "full", keeps discovery on from the
	// start whatever the clients ask.
	Discover string
}

func parseRunFlags(args []string, stderr io.Writer) (daemonConfig, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c daemonConfig
	fs.StringVar(&c.Bus, "bus", "session", "D-Bus bus: session, system, private (a dbus-daemon of our own) or an address (unix:path=...)")
	fs.StringVar(&c.Radio, "radio", "sim", "radios: sim (a simulated medium) or nl80211 (the kernel's Wi-Fi devices)")
	fs.IntVar(&c.SimPeers, "sim-peers", 3, "with -radio=sim: how many simulated peers listen on the medium")
	fs.IntVar(&c.MaxPeers, "max-peers", 1000, "how many peers each radio remembers")
	fs.StringVar(&c.StateDir, "state-dir", "", "directory for state kept across restarts (persistent groups, with their credentials: root only); empty keeps it in memory")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.Discover, "discover", "", "social or full: keep discovery on from the start, whatever the D-Bus clients ask (demos)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "run: unexpected argument %q\n", fs.Arg(0))
		return c, flag.ErrHelp
	}
	switch c.Radio {
	case "sim", "nl80211":
	default:
		fmt.Fprintf(stderr, "run: -radio=%s: want sim or nl80211\n", c.Radio)
		return c, flag.ErrHelp
	}
	switch c.Discover {
	case "", "social", "full":
	default:
		fmt.Fprintf(stderr, "run: -discover=%s: want social or full\n", c.Discover)
		return c, flag.ErrHelp
	}
	if c.MaxPeers < 1 || c.MaxPeers > 100000 {
		fmt.Fprintf(stderr, "run: -max-peers=%d: want 1..100000\n", c.MaxPeers)
		return c, flag.ErrHelp
	}
	if c.SimPeers < 0 || c.SimPeers > 2000 {
		fmt.Fprintf(stderr, "run: -sim-peers=%d: want 0..2000\n", c.SimPeers)
		return c, flag.ErrHelp
	}
	return c, nil
}

// runCmd is `p2pmanager run`: the service, until SIGTERM or SIGINT.
func runCmd(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseRunFlags(args, stderr)
	if err != nil {
		return 2
	}
	log, err := newLogger(cfg.LogLevel, os.Getenv("JOURNAL_STREAM") != "", stderr)
	if err != nil {
		fmt.Fprintln(stderr, "p2pmanager:", err)
		return 2
	}
	defer func() { _ = log.Sync() }()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serve(ctx, cfg, log, stdout, sdNotify); err != nil {
		log.Error("p2pmanager stopped", zap.Error(err))
		return 1
	}
	return 0
}

// sdNotify tells systemd (when it started us) about our state.
func sdNotify(state string) {
	_, _ = daemon.SdNotify(false, state)
}

// newLogger logs JSON under systemd (JOURNAL_STREAM set), text otherwise.
func newLogger(level string, journal bool, w io.Writer) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	var enc zapcore.Encoder
	if journal {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	} else {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc = zapcore.NewConsoleEncoder(ec)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl)), nil
}

// serve runs the service until ctx ends or the bus connection is lost.
// notify receives the sd_notify states.
func serve(ctx context.Context, cfg daemonConfig, log *zap.Logger, stdout io.Writer, notify func(string)) error {
	var teardown []func()
	defer func() {
		for i := len(teardown) - 1; i >= 0; i-- {
			teardown[i]()
		}
	}()

	bus := cfg.Bus
	if bus == "session" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		log.Info("no session bus (DBUS_SESSION_BUS_ADDRESS unset): starting a private one")
		bus = "private"
	}
	private := bus == "private"
	if private {
		pb, err := startPrivateBus(ctx)
		if err != nil {
			return err
		}
		teardown = append(teardown, pb.Close)
		bus = pb.Address
		log.Info("private bus started", zap.String("address", bus))
	}

	var rb radio.Backend
	switch cfg.Radio {
	case "sim":
		sim, err := startSim(ctx, cfg.SimPeers, log)
		if err != nil {
			return err
		}
		teardown = append(teardown, sim.Close)
		rb = sim.Backend
	case "nl80211":
		nb, err := nl80211.New(nl80211.Config{})
		if err != nil {
			return fmt.Errorf("opening nl80211: %w", err)
		}
		teardown = append(teardown, func() { _ = nb.Close() })
		rb = nb
	}

	ccfg := coordinator.Config{Name: hostName(), MaxPeers: cfg.MaxPeers, StateDir: cfg.StateDir}
	if cfg.Radio == "nl80211" {
		// Kernel interfaces carry IP: serve DHCP on our groups and use it
		// where a GO allocates no address in the 4-way handshake. The
		// simulated medium carries no IP; there the EAPOL IP Address
		// Allocation gives every address.
		ccfg.DHCP = kernelDHCP{c: ipconf.New(ipconf.Config{})}
	}
	switch cfg.Discover {
	case "social":
		ccfg.Discover = &api.DiscoveryOptions{Type: api.DiscoverSocial}
	case "full":
		ccfg.Discover = &api.DiscoveryOptions{Type: api.DiscoverFull}
	}
	coord, err := coordinator.New(ctx, rb, ccfg, log.Named("coordinator"))
	if err != nil {
		return err
	}
	teardown = append(teardown, func() { _ = coord.Close() })
	if coord.Devices() == 0 {
		log.Warn("no P2P-capable radio found")
	}

	dlog := log.Named("dbus").Sugar()
	svc, err := dbusapi.New(ctx, coord, dbusapi.Config{Bus: bus, Version: version, Logf: dlog.Debugf})
	if err != nil {
		return err
	}
	teardown = append(teardown, func() { _ = svc.Close() })
	log.Info("serving "+dbusapi.BusName, zap.String("bus", bus), zap.String("unique_name", svc.UniqueName()),
		zap.String("radio", cfg.Radio), zap.Int("devices", coord.Devices()))
	if private {
		fmt.Fprintf(stdout, "bus address: %s\n", bus)
		fmt.Fprintf(stdout, "try: busctl --address=%s tree %s\n", bus, dbusapi.BusName)
	}
	notify(daemon.SdNotifyReady)

	errc := make(chan error, 1)
	go func() { errc <- svc.Run(ctx) }()

	var tick <-chan time.Time
	if wd, err := daemon.SdWatchdogEnabled(false); err == nil && wd > 0 {
		t := time.NewTicker(wd / 2)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
			notify(daemon.SdNotifyWatchdog)
		case err := <-errc:
			notify(daemon.SdNotifyStopping)
			if ctx.Err() != nil {
				log.Info("stopping")
				return nil
			}
			if err == nil {
				err = errors.New("the D-Bus service ended")
			}
			return err
		case <-ctx.Done():
			notify(daemon.SdNotifyStopping)
			log.Info("stopping")
			<-errc
			return nil
		}
	}
}

// hostName is the default P2P Device Name: the host's name, within the 32
// octets a Device Name may have.
func hostName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "p2pmanager"
	}
	h, _, _ = strings.Cut(h, ".")
	if len(h) > 32 {
		h = h[:32]
	}
	return h
}
