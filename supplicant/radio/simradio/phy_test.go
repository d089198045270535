package simradio

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

func TestDefaultPhyLooksLikeHwsim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		s.phy(PhyConfig{})
		p := s.phy(PhyConfig{ProbeRespOffload: true})
		info := p.Info()
		if info.Index != 1 || info.Name != "phy1" || info.PermAddr != (ieee80211.MAC{2, 0, 0, 0, 1, 0}) {
			t.Errorf("identity %d %q %v", info.Index, info.Name, info.PermAddr)
		}
		for _, typ := range []radio.IfType{radio.IfStation, radio.IfAP, radio.IfP2PClient, radio.IfP2PGO, radio.IfP2PDevice} {
			if !info.SupportedIfTypes.Has(typ) {
				t.Errorf("%v not supported", typ)
			}
		}
		if !info.P2PDevice() || !info.MACOnCreate || !info.OffChannelTx || !info.ProbeRespOffload || info.MaxRemainOnChannel != 5*time.Second {
			t.Errorf("capabilities %+v", info)
		}
		if len(info.Combinations) != 1 || info.Combinations[0].NumChannels != 1 {
			t.Errorf("combinations %+v", info.Combinations)
		}
		tests := []struct {
			freq           int
			ok, noIR, dead bool
		}{
			{2412, true, false, false}, {2472, true, false, false}, {2484, false, false, false},
			{5180, true, false, false}, {5240, true, false, false},
			{5260, true, true, false}, {5280, true, false, true},
		}
		for _, tt := range tests {
			c, ok := info.Channel(tt.freq)
			if ok != tt.ok || c.NoIR != tt.noIR || c.Disabled != tt.dead {
				t.Errorf("%d MHz: %+v %v", tt.freq, c, ok)
			}
		}
		// Info is a copy.
		info.Bands[0].Channels[0].Disabled = true
		if c, _ := p.Info().Channel(2412); c.Disabled {
			t.Error("Info shares its slices")
		}
	})
}

func TestAddPhyRejectsDuplicates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		s.phy(PhyConfig{Name: "a", PermAddr: ieee80211.MAC{2, 1, 2, 3, 4, 5}})
		_, err := s.m.AddPhy(PhyConfig{Name: "b", PermAddr: ieee80211.MAC{2, 1, 2, 3, 4, 5}})
		wantErr(t, "same address", err, radio.ErrInvalid)
		_, err = s.m.AddPhy(PhyConfig{Name: "a"})
		wantErr(t, "same name", err, radio.ErrInvalid)
		_, err = s.m.AddPhy(PhyConfig{PermAddr: ieee80211.Broadcast})
		wantErr(t, "group address", err, radio.ErrInvalid)
		s.m.Close()
		_, err = s.m.AddPhy(PhyConfig{})
		wantErr(t, "closed medium", err, radio.ErrNoDevice)
	})
}

func TestNewInterfaceRespectsCombinationsAndAssignsAddresses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		ctx := context.Background()
		p := s.phy(PhyConfig{})
		perm := p.Info().PermAddr
		newIf := func(cfg radio.InterfaceConfig) (radio.InterfaceInfo, error) {
			f, err := p.NewInterface(ctx, cfg)
			if err != nil {
				return radio.InterfaceInfo{}, err
			}
			s.ifaces = append(s.ifaces, f)
			return f.Info(), nil
		}
		dev, err := newIf(radio.InterfaceConfig{Type: radio.IfP2PDevice})
		must(t, err)
		if dev.Addr != perm || dev.Name != "" || dev.Index != 0 || dev.Type != radio.IfP2PDevice {
			t.Errorf("P2P device %+v", dev)
		}
		_, err = newIf(radio.InterfaceConfig{Type: radio.IfP2PDevice})
		wantErr(t, "second P2P device", err, radio.ErrBusy)
		gi, err := newIf(radio.InterfaceConfig{Type: radio.IfP2PGO})
		must(t, err)
		if gi.Addr == perm || gi.Addr[0]&0x02 == 0 || gi.Name != "p2p-sim0-1" || gi.Index == 0 {
			t.Errorf("GO %+v", gi)
		}
		st, err := newIf(radio.InterfaceConfig{Type: radio.IfStation})
		must(t, err)
		if st.Addr == gi.Addr || st.Addr == perm || st.Name != "sim0-2" || st.Wdev == gi.Wdev {
			t.Errorf("station %+v", st)
		}
		want := ieee80211.MAC{2, 0x11, 0x22, 0x33, 0x44, 0x55}
		named, err := newIf(radio.InterfaceConfig{Type: radio.IfP2PClient, Name: "p2p-wlan0-7", Addr: want})
		must(t, err)
		if named.Addr != want || named.Name != "p2p-wlan0-7" {
			t.Errorf("named %+v", named)
		}
		_, err = newIf(radio.InterfaceConfig{Type: radio.IfStation, Addr: want})
		wantErr(t, "address in use", err, radio.ErrBusy)
		_, err = newIf(radio.InterfaceConfig{Type: radio.IfStation, Name: "p2p-wlan0-7"})
		wantErr(t, "name in use", err, radio.ErrBusy)
		_, err = newIf(radio.InterfaceConfig{Type: radio.IfStation, Addr: ieee80211.MAC{3}})
		wantErr(t, "group address", err, radio.ErrInvalid)

		q := s.phy(PhyConfig{
			NoMACOnCreate:    true,
			SupportedIfTypes: radio.IfTypes(0).With(radio.IfStation, radio.IfP2PGO),
			Combinations: []radio.IfCombination{{
				Limits:        []radio.IfLimit{{Max: 1, Types: radio.IfTypes(0).With(radio.IfStation, radio.IfP2PGO)}},
				MaxInterfaces: 1, NumChannels: 1,
			}},
		})
		_, err = q.NewInterface(ctx, radio.InterfaceConfig{Type: radio.IfP2PDevice})
		wantErr(t, "unsupported type", err, radio.ErrNotSupported)
		_, err = q.NewInterface(ctx, radio.InterfaceConfig{Type: radio.IfStation, Addr: want})
		wantErr(t, "address without MACOnCreate", err, radio.ErrNotSupported)
		f, err := q.NewInterface(ctx, radio.InterfaceConfig{Type: radio.IfStation})
		must(t, err)
		s.ifaces = append(s.ifaces, f)
		_, err = q.NewInterface(ctx, radio.InterfaceConfig{Type: radio.IfP2PGO})
		wantErr(t, "shared limit of one", err, radio.ErrBusy)
		must(t, f.Delete(ctx))
		g, err := q.NewInterface(ctx, radio.InterfaceConfig{Type: radio.IfP2PGO})
		must(t, err)
		s.ifaces = append(s.ifaces, g)
	})
}

func TestBackendListsItsOwnPhys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{})
		a, b, c := s.phy(PhyConfig{}), s.phy(PhyConfig{}), s.phy(PhyConfig{})
		ctx := context.Background()
		names := func(be radio.Backend) []string {
			phys, err := be.Phys(ctx)
			must(t, err)
			var out []string
			for _, p := range phys {
				out = append(out, p.Info().Name)
			}
			return out
		}
		mine := s.m.Backend(a, c)
		if diff := cmp.Diff([]string{"phy0", "phy2"}, names(mine)); diff != "" {
			t.Errorf("own view (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"phy0", "phy1", "phy2"}, names(s.m.Backend())); diff != "" {
			t.Errorf("whole medium (-want +got):\n%s", diff)
		}
		must(t, s.m.RemovePhy(c))
		if diff := cmp.Diff([]string{"phy0"}, names(mine)); diff != "" {
			t.Errorf("after removal (-want +got):\n%s", diff)
		}
		_ = b
	})
}

func TestEventsLostWhenTheConsumerNeverReads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Options{EventLimit: 4})
		_, a := s.p2pDevice(PhyConfig{})
		_, b := s.p2pDevice(PhyConfig{})
		roc(t, a, 2437, 5*time.Second)
		roc(t, b, 2437, 5*time.Second)
		var frames [][]byte
		for i := range 10 {
			f := actionFrame(b.Info().Addr, a.Info().Addr, byte(i))
			frames = append(frames, f)
			_, err := a.SendFrame(context.Background(), radio.Tx{Frame: f, Freq: 2437, OffChannel: true, NoAck: true})
			must(t, err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		var want []radio.Event
		for _, f := range frames[:4] {
			want = append(want, radio.FrameReceived{Frame: f, Freq: 2437, Signal: DefaultSignal})
		}
		want = append(want, radio.EventsLost{Count: 6})
		if diff := cmp.Diff(want, drain(b)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}
