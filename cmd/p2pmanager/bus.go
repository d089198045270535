package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// privateBusConfig is a bus for this service and its clients only: the
// socket is in a private directory; every local user of it may do
// anything.
const privateBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// privateBus is a dbus-daemon of our own.
type privateBus struct {
	Address string
	cmd     *exec.Cmd
	dir     string
	exited  chan struct{}
}

// startPrivateBus starts dbus-daemon with a temporary configuration.
func startPrivateBus(ctx context.Context) (*privateBus, error) {
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		return nil, fmt.Errorf("-bus=private needs dbus-daemon: %w", err)
	}
	// A short directory: a unix socket path must fit in 108 octets.
	dir, err := os.MkdirTemp("", "p2pmanager-bus")
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, privateBusConfig, filepath.Join(dir, "socket")), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(daemon, "--config-file="+cfg, "--print-address", "--nofork", "--nopidfile")
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting dbus-daemon: %w", err)
	}
	b := &privateBus{cmd: cmd, dir: dir, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
		_ = cmd.Wait()
		close(b.exited)
	}()
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case a := <-addr:
		if a == "" {
			b.Close()
			return nil, fmt.Errorf("dbus-daemon printed no address: %s", stderr.String())
		}
		b.Address = a
		return b, nil
	case <-t.C:
		b.Close()
		return nil, errors.New("dbus-daemon did not start within 10 s")
	case <-ctx.Done():
		b.Close()
		return nil, ctx.Err()
	}
}

// Close stops the dbus-daemon and removes its directory.
func (b *privateBus) Close() {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(2 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
	os.RemoveAll(b.dir)
}
