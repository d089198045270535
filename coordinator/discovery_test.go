package coordinator

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/p2pmanager/p2pmanager/api"
	"github.com/p2pmanager/p2pmanager/supplicant/p2p"
)

func TestDiscoveryReportsTheListeningPeerWithItsName(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{Type: api.DiscoverSocial}); err != nil {
			t.Fatal(err)
		}
		w.waitEvent(time.Second, func(ev api.Event) bool {
			c, ok := ev.(api.DeviceChanged)
			return ok && c.Info.Discovering
		})
		p := w.waitPeerNamed("sim-tv")
		if p.Address != api.MAC(w.peer.Address()) {
			t.Errorf("peer address %v, want %v", p.Address, w.peer.Address())
		}
		if p.ConfigMethods == 0 || p.PrimaryDeviceType.Category != 1 || p.Signal != -50 {
			t.Errorf("peer info incomplete: %+v", p)
		}
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		w.waitEvent(time.Second, func(ev api.Event) bool {
			c, ok := ev.(api.DeviceChanged)
			return ok && !c.Info.Discovering
		})
	})
}

func TestDiscoveryStaysOnUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Minute)
		// The peer starts listening long after discovery started.
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		w.waitPeerNamed("sim-tv")
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPinnedDiscoveryRunsWithoutClientsAndSurvivesStopDiscovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorldWith(t, Config{Name: "us", Options: detOptions(1), Discover: &api.DiscoveryOptions{Type: api.DiscoverSocial}})
		ctx := context.Background()
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.peer.Listen(ctx, p2p.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		w.waitPeerNamed("sim-tv")
	})
}

func TestARadioThatGoesAwayRemovesItsDevice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		if err := w.m.RemovePhy(w.us); err != nil {
			t.Fatal(err)
		}
		w.waitEvent(10*time.Second, func(ev api.Event) bool {
			r, ok := ev.(api.DeviceRemoved)
			return ok && r.ID == w.id
		})
		err := w.dev.StartDiscovery(context.Background(), api.DiscoveryOptions{})
		if !errors.Is(err, api.ErrNotFound) {
			t.Errorf("StartDiscovery on a removed device: %v, want ErrNotFound", err)
		}
	})
}

func TestDeviceSettingsAreReportedAsDeviceChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		ctx := context.Background()
		changed := func(what string, ok func(api.DeviceInfo) bool) {
			t.Helper()
			w.waitEvent(time.Second, func(ev api.Event) bool {
				c, isChange := ev.(api.DeviceChanged)
				return isChange && ok(c.Info)
			})
		}
		if err := w.dev.SetName(ctx, "living room"); err != nil {
			t.Fatal(err)
		}
		changed("name", func(i api.DeviceInfo) bool { return i.Name == "living room" })
		if err := w.dev.SetGOIntent(ctx, 15); err != nil {
			t.Fatal(err)
		}
		changed("GO intent", func(i api.DeviceInfo) bool { return i.GOIntent == 15 })
		if err := w.dev.StartListen(ctx, api.ListenOptions{}); err != nil {
			t.Fatal(err)
		}
		changed("listening", func(i api.DeviceInfo) bool { return i.Listening })
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); err != nil {
			t.Fatal(err)
		}
		changed("discovering", func(i api.DeviceInfo) bool { return i.Discovering && !i.Listening })
		if err := w.dev.SetEnabled(ctx, false); err != nil {
			t.Fatal(err)
		}
		changed("disabled", func(i api.DeviceInfo) bool {
			return !i.Enabled && !i.Discovering && !i.Listening && i.Availability == api.Disabled
		})
		if err := w.dev.StartDiscovery(ctx, api.DiscoveryOptions{}); !errors.Is(err, api.ErrNotReady) {
			t.Errorf("StartDiscovery while disabled: %v, want ErrNotReady", err)
		}
		if err := w.dev.SetEnabled(ctx, true); err != nil {
			t.Fatal(err)
		}
		// Both wishes survived: discovery (which includes listening) resumes.
		changed("re-enabled", func(i api.DeviceInfo) bool { return i.Enabled && i.Discovering })
		if err := w.dev.StopDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		changed("back to listen", func(i api.DeviceInfo) bool { return !i.Discovering && i.Listening })
	})
}
