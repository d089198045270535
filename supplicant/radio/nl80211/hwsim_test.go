package nl80211

// Tests against the real kernel: mac80211_hwsim with three radios, run in
// the VM (scripts/vm-tests.sh, or by hand:
//
//	go test -c -o nl80211.test ./supplicant/radio/nl80211 &&
//	P2P_HWSIM=1 ../shared/hwsim/vm-run --radios 3 --timeout 600 -- ./nl80211.test -test.v -test.run Hwsim
//
// from the checkout). Every test deletes the interfaces it creates and puts
// back what it moved, so that other packages' VM tests find three clean
// radios.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/p2pmanager/p2pmanager/supplicant/ieee80211"
	"github.com/p2pmanager/p2pmanager/supplicant/radio"
)

// Generous waits: the VM runs under TCG, several times slower than a host.
const (
	eventWait = 20 * time.Second
	// opWait bounds one operation; the first CCMP key makes the kernel load
	// its ccm module, which took up to 12 s under TCG here.
	opWait = 60 * time.Second
)

func requireHwsim(t *testing.T) {
	t.Helper()
	if os.Getenv("P2P_HWSIM") != "1" {
		t.Skip("needs the kernel's mac80211_hwsim with 3 radios: set P2P_HWSIM=1 inside the hwsim VM (scripts/vm-tests.sh)")
	}
}

func opCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opWait)
	t.Cleanup(cancel)
	return ctx
}

func openBackend(t *testing.T, cfg Config) *Backend {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// hwsimPhys returns the first three phys by wiphy index.
func hwsimPhys(t *testing.T, b *Backend) []radio.Phy {
	t.Helper()
	phys, err := b.Phys(opCtx(t))
	if err != nil {
		t.Fatalf("Phys: %v", err)
	}
	if len(phys) < 3 {
		t.Fatalf("%d phys, want 3 hwsim radios", len(phys))
	}
	return phys[:3]
}

// newIface creates an interface that the test deletes at cleanup.
func newIface(t *testing.T, p radio.Phy, cfg radio.InterfaceConfig) radio.Interface {
	t.Helper()
	i, err := p.NewInterface(opCtx(t), cfg)
	if err != nil {
		t.Fatalf("NewInterface(%v on %s): %v", cfg.Type, p.Info().Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opWait)
		defer cancel()
		if err := i.Delete(ctx); err != nil && !errors.Is(err, radio.ErrNoDevice) {
			t.Errorf("Delete %+v: %v", i.Info(), err)
		}
	})
	t.Logf("created %v %q wdev %#x ifindex %d addr %v on %s", i.Info().Type, i.Info().Name, i.Info().Wdev, i.Info().Index, i.Info().Addr, p.Info().Name)
	return i
}

// waitFor reads an interface's events until one of type T satisfies ok;
// other events are logged and dropped.
func waitFor[T radio.Event](t *testing.T, i radio.Interface, what string, ok func(T) bool) T {
	t.Helper()
	timer := time.NewTimer(eventWait)
	defer timer.Stop()
	for {
		select {
		case e, open := <-i.Events():
			if !open {
				t.Fatalf("%s: event stream of %q closed", what, i.Info().Name)
			}
			if x, is := e.(T); is && (ok == nil || ok(x)) {
				return x
			}
			t.Logf("%s: %q skips %T %+v", what, i.Info().Name, e, short(e))
		case <-timer.C:
			t.Fatalf("%s: no event on %q within %v", what, i.Info().Name, eventWait)
		}
	}
}

// short keeps logs readable: frames as their first octets.
func short(e radio.Event) any {
	switch x := e.(type) {
	case radio.FrameReceived:
		return fmt.Sprintf("frame %x... at %d MHz", x.Frame[:min(len(x.Frame), 26)], x.Freq)
	case radio.TxStatus:
		return fmt.Sprintf("cookie %d acked %v", x.Cookie, x.Acked)
	}
	return e
}

// stepper logs the time since the test began at each milestone, and at
// the end of the cleanups.
func stepper(t *testing.T) func(string) {
	t.Helper()
	start := time.Now()
	t.Cleanup(func() { t.Logf("%6.2fs cleanups done", time.Since(start).Seconds()) })
	return func(what string) { t.Logf("%6.2fs %s", time.Since(start).Seconds(), what) }
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// iwPhy is what `iw list` prints about one phy, for comparison.
type iwPhy struct {
	modes  []string
	combos []string // "#{ managed, AP } <= 2048, ..." lines, normalised
	freqs  map[int]string
}

// parseIwList reads the facts compared by the test from `iw list`.
func parseIwList(out string) map[string]*iwPhy {
	phys := make(map[string]*iwPhy)
	var cur *iwPhy
	section := ""
	band := 0
	freqRe := regexp.MustCompile(`^\* (\d+)(?:\.\d+)? MHz \[-?\d+\](.*)$`)
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(line, "Wiphy ") {
			cur = &iwPhy{freqs: make(map[int]string)}
			phys[strings.TrimPrefix(line, "Wiphy ")] = cur
			continue
		}
		if cur == nil {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, "\t"))
		switch {
		case indent == 1 && strings.HasPrefix(trimmed, "Band "):
			band, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(trimmed, "Band "), ":"))
			section = ""
		case indent == 1:
			section = trimmed
		case indent == 2 && strings.HasSuffix(trimmed, ":"):
			section = trimmed
		}
		switch {
		case section == "Supported interface modes:" && strings.HasPrefix(trimmed, "* "):
			cur.modes = append(cur.modes, strings.TrimPrefix(trimmed, "* "))
		case section == "valid interface combinations:" && strings.HasPrefix(trimmed, "* "):
			cur.combos = append(cur.combos, strings.TrimPrefix(trimmed, "* "))
		case section == "valid interface combinations:" && strings.HasPrefix(trimmed, "total"):
			cur.combos[len(cur.combos)-1] += " " + trimmed
		case section == "Frequencies:" && band >= 1 && band <= 4:
			if m := freqRe.FindStringSubmatch(trimmed); m != nil {
				f, _ := strconv.Atoi(m[1])
				flags := ""
				if strings.Contains(m[2], "disabled") {
					flags += "disabled "
				}
				if strings.Contains(m[2], "no IR") {
					flags += "no-IR"
				}
				cur.freqs[f] = strings.TrimSpace(flags)
			}
		}
	}
	return phys
}

var iwModes = map[string]radio.IfType{
	"managed":    radio.IfStation,
	"AP":         radio.IfAP,
	"P2P-client": radio.IfP2PClient,
	"P2P-GO":     radio.IfP2PGO,
	"P2P-device": radio.IfP2PDevice,
}

// iwCombination renders a combination as iw prints it, limited to the types
// the seam knows, for comparison with iw's line.
func iwCombination(c radio.IfCombination) string {
	var parts []string
	for _, l := range c.Limits {
		var names []string
		for _, name := range []string{"managed", "AP", "P2P-client", "P2P-GO", "P2P-device"} {
			if l.Types.Has(iwModes[name]) {
				names = append(names, name)
			}
		}
		parts = append(parts, fmt.Sprintf("#{ %s } <= %d", strings.Join(names, ", "), l.Max))
	}
	return fmt.Sprintf("%s total <= %d, #channels <= %d", strings.Join(parts, ", "), c.MaxInterfaces, c.NumChannels)
}

// seamOnly reduces one of iw's combination lines to the seam's types.
func seamOnly(line string) string {
	limitRe := regexp.MustCompile(`#\{ ([^}]*) \} <= (\d+)`)
	var parts []string
	for _, m := range limitRe.FindAllStringSubmatch(line, -1) {
		var names []string
		for _, n := range strings.Split(m[1], ", ") {
			if _, ok := iwModes[n]; ok {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			parts = append(parts, fmt.Sprintf("#{ %s } <= %s", strings.Join(names, ", "), m[2]))
		}
	}
	rest := regexp.MustCompile(`total <= \d+, #channels <= \d+`).FindString(line)
	return strings.Join(parts, ", ") + " " + rest
}

func TestHwsimPhyInfoMatchesIwList(t *testing.T) {
	requireHwsim(t)
	b := openBackend(t, Config{})
	phys := hwsimPhys(t, b)
	iw := parseIwList(run(t, "iw", "list"))
	for _, p := range phys {
		info := p.Info()
		want := iw[info.Name]
		if want == nil {
			t.Fatalf("iw list has no %s", info.Name)
		}
		var modes radio.IfTypes
		for _, m := range want.modes {
			if it, ok := iwModes[m]; ok {
				modes = modes.With(it)
			}
		}
		if info.SupportedIfTypes != modes {
			t.Errorf("%s: interface types %b, iw says %v", info.Name, info.SupportedIfTypes, want.modes)
		}
		var gotCombos, wantCombos []string
		for _, c := range info.Combinations {
			gotCombos = append(gotCombos, iwCombination(c))
		}
		for _, l := range want.combos {
			wantCombos = append(wantCombos, seamOnly(l))
		}
		if diff := cmp.Diff(wantCombos, gotCombos); diff != "" {
			t.Errorf("%s: combinations (-iw +ours):\n%s", info.Name, diff)
		}
		got := make(map[int]string)
		for _, band := range info.Bands {
			for _, c := range band.Channels {
				flags := ""
				if c.Disabled {
					flags += "disabled "
				}
				if c.NoIR {
					flags += "no-IR"
				}
				got[c.Freq] = strings.TrimSpace(flags)
			}
		}
		if diff := cmp.Diff(want.freqs, got); diff != "" {
			t.Errorf("%s: channels (-iw +ours):\n%s", info.Name, diff)
		}
		c6, ok := info.Channel(2437)
		if !ok || c6.Number != 6 || c6.Disabled || c6.NoIR || c6.MaxPower != 2000 {
			t.Errorf("%s: channel 6 is %+v, %v", info.Name, c6, ok)
		}
		if !info.P2PDevice() || !info.MACOnCreate || !info.OffChannelTx || !info.ControlPortOverNL ||
			info.MaxRemainOnChannel != 5*time.Second || info.APSME || info.ProbeRespOffload ||
			info.MaxScanSSIDs != 4 || info.MaxScanIELen != 2109 || !slices.Contains(info.CipherSuites, radio.CipherCCMP128) {
			t.Errorf("%s: capabilities %+v", info.Name, info)
		}
		if info.PermAddr.IsZero() {
			t.Errorf("%s: no permanent address", info.Name)
		}
		t.Logf("%s: types %b, %d bands, combinations %v, max ROC %v, ciphers %x, perm %v", info.Name,
			info.SupportedIfTypes, len(info.Bands), gotCombos, info.MaxRemainOnChannel, info.CipherSuites, info.PermAddr)
	}
	// The recorded dump of the first phy, for the unit tests.
	msgs, err := b.query.do(opCtx(t), unix.NL80211_CMD_GET_WIPHY, true, mustEncodeSplitDump(t, phys[0].Info().Index))
	if err != nil {
		t.Fatal(err)
	}
	record(t, "wiphy-hwsim.nlmsgs", b.family.ID, msgs)
}

func mustEncodeSplitDump(t *testing.T, index int) []byte {
	t.Helper()
	b := make([]byte, 0, 16)
	b = binary.NativeEndian.AppendUint16(b, 4)
	b = binary.NativeEndian.AppendUint16(b, unix.NL80211_ATTR_SPLIT_WIPHY_DUMP)
	b = binary.NativeEndian.AppendUint16(b, 8)
	b = binary.NativeEndian.AppendUint16(b, unix.NL80211_ATTR_WIPHY)
	return binary.NativeEndian.AppendUint32(b, uint32(index))
}

func TestHwsimP2PDeviceIsCreatedAndDeleted(t *testing.T) {
	requireHwsim(t)
	b := openBackend(t, Config{})
	p := hwsimPhys(t, b)[0]
	// mac80211 chooses a P2P device's address itself: asking for another
	// one is refused rather than silently ignored.
	_, err := p.NewInterface(opCtx(t), radio.InterfaceConfig{Type: radio.IfP2PDevice, Addr: ieee80211.MAC{0x02, 0x4e, 0x4c, 0x00, 0x00, 0x01}})
	if !errors.Is(err, radio.ErrNotSupported) {
		t.Errorf("P2P device with a chosen address: %v, want ErrNotSupported", err)
	}
	if dev := run(t, "iw", "dev"); strings.Contains(dev, "P2P-device") {
		t.Errorf("the refused P2P device is still there:\n%s", dev)
	}

	i, err := p.NewInterface(opCtx(t), radio.InterfaceConfig{Type: radio.IfP2PDevice})
	if err != nil {
		t.Fatal(err)
	}
	info := i.Info()
	if info.Type != radio.IfP2PDevice || info.Addr.IsZero() || info.Index != 0 || info.Name != "" || info.Wdev == 0 || info.Phy != p.Info().Index {
		t.Errorf("info %+v", info)
	}
	dev := run(t, "iw", "dev")
	wantLine := fmt.Sprintf("wdev %#x\n\t\taddr %v\n\t\ttype P2P-device", info.Wdev, info.Addr)
	if !strings.Contains(dev, wantLine) {
		t.Errorf("iw dev does not list %q:\n%s", wantLine, dev)
	}
	if err := i.Delete(opCtx(t)); err != nil {
		t.Fatal(err)
	}
	waitFor[radio.InterfaceRemoved](t, i, "InterfaceRemoved", nil)
	select {
	case _, open := <-i.Events():
		if open {
			t.Error("event after InterfaceRemoved")
		}
	case <-time.After(eventWait):
		t.Error("event stream not closed after InterfaceRemoved")
	}
	if dev := run(t, "iw", "dev"); strings.Contains(dev, "P2P-device") {
		t.Errorf("iw dev still lists a P2P device:\n%s", dev)
	}
	if _, err := i.RemainOnChannel(opCtx(t), 2437, time.Second); !errors.Is(err, radio.ErrNoDevice) {
		t.Errorf("RemainOnChannel after Delete: %v, want ErrNoDevice", err)
	}
}

// publicAction builds a P2P public action frame (Wi-Fi P2P Technical
// Specification v1.7, 4.2.8.1: GO Negotiation Request header, body
// abbreviated) from sa to da.
func publicAction(da, sa ieee80211.MAC, token byte) []byte {
	f := []byte{0xd0, 0x00, 0x00, 0x00}
	f = append(f, da[:]...)
	f = append(f, sa[:]...)
	f = append(f, da[:]...)
	f = append(f, 0x00, 0x00)
	return append(f, 0x04, 0x09, 0x50, 0x6f, 0x9a, 0x09, 0x00, token, 0xdd, 0x06, 0x50, 0x6f, 0x9a, 0x09, 0x02, 0x02, 0x00)
}

var p2pPublicActionMatch = []byte{0x04, 0x09, 0x50, 0x6f, 0x9a, 0x09}

func TestHwsimPublicActionCrossesBetweenP2PDevicesAndIsAckedOnlyOnChannel(t *testing.T) {
	requireHwsim(t)
	b := openBackend(t, Config{})
	phys := hwsimPhys(t, b)
	devA := newIface(t, phys[0], radio.InterfaceConfig{Type: radio.IfP2PDevice})
	devB := newIface(t, phys[1], radio.InterfaceConfig{Type: radio.IfP2PDevice})
	addrA, addrB := devA.Info().Addr, devB.Info().Addr
	if err := devB.RegisterFrame(opCtx(t), radio.FrameMatch{Subtype: ieee80211.SubtypeAction, Match: p2pPublicActionMatch}); err != nil {
		t.Fatal(err)
	}

	roc := func(freq int) radio.Cookie {
		t.Helper()
		c, err := devB.RemainOnChannel(opCtx(t), freq, 3*time.Second)
		if err != nil {
			t.Fatalf("RemainOnChannel(%d): %v", freq, err)
		}
		s := waitFor(t, devB, "ROC started", func(e radio.RemainOnChannelStarted) bool { return e.Cookie == c })
		if s.Freq != freq || s.Duration != 3*time.Second {
			t.Errorf("ROC started %+v", s)
		}
		return c
	}
	cancelROC := func(c radio.Cookie) {
		t.Helper()
		if err := devB.CancelRemainOnChannel(opCtx(t), c); err != nil {
			t.Fatalf("CancelRemainOnChannel: %v", err)
		}
		waitFor(t, devB, "ROC expired", func(e radio.RemainOnChannelExpired) bool { return e.Cookie == c })
	}
	send := func(token byte) (radio.TxStatus, []byte) {
		t.Helper()
		frame := publicAction(addrB, addrA, token)
		c, err := devA.SendFrame(opCtx(t), radio.Tx{Frame: frame, Freq: 2437, Wait: 50 * time.Millisecond, NoCCK: true, OffChannel: true})
		if err != nil {
			t.Fatalf("SendFrame: %v", err)
		}
		if c == 0 {
			t.Fatal("SendFrame returned cookie 0")
		}
		return waitFor(t, devA, "TX status", func(e radio.TxStatus) bool { return e.Cookie == c }), frame
	}

	// B listens on 2437: A's frame is acknowledged and received.
	c := roc(2437)
	st, frame := send(1)
	if !st.Acked || !bytes.Equal(st.Frame[24:], frame[24:]) {
		t.Errorf("TX status on channel: %+v", short(st))
	}
	rx := waitFor(t, devB, "frame", func(e radio.FrameReceived) bool { return len(e.Frame) > 31 && e.Frame[31] == 1 })
	if rx.Freq != 2437 || !bytes.Equal(rx.Frame[4:22], frame[4:22]) || !bytes.Equal(rx.Frame[24:], frame[24:]) || rx.Signal >= 0 {
		t.Errorf("received %+v", rx)
	}
	cancelROC(c)

	// B listens on 2412: nobody acknowledges on 2437.
	c = roc(2412)
	if st, _ := send(2); st.Acked {
		t.Error("frame acked while the peer is on another channel")
	}
	cancelROC(c)

	// B is idle: nobody acknowledges.
	if st, _ := send(3); st.Acked {
		t.Error("frame acked while the peer is not listening")
	}

	// A long wait after a frame can be cancelled.
	long, err := devA.SendFrame(opCtx(t), radio.Tx{Frame: publicAction(addrB, addrA, 4), Freq: 2437, Wait: 2 * time.Second, NoCCK: true, OffChannel: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := devA.CancelFrameWait(opCtx(t), long); err != nil {
		t.Errorf("CancelFrameWait: %v", err)
	}
	// Kernel errors come back mapped, with the errno.
	_, err = devA.SendFrame(opCtx(t), radio.Tx{Frame: publicAction(addrB, addrA, 5), Freq: 2437, Wait: time.Hour, OffChannel: true})
	var re *radio.Error
	if !errors.As(err, &re) || !errors.Is(err, radio.ErrInvalid) || re.Errno != int(unix.EINVAL) {
		t.Errorf("frame with a wait of an hour: %v, want EINVAL as ErrInvalid", err)
	}
}

// Beacon and elements of the test GO (IEEE Std 802.11-2020, 9.3.3.2).
var (
	goRates  = []byte{0x8c, 0x12, 0x98, 0x24, 0xb0, 0x48, 0x60, 0x6c}
	goRSN    = []byte{0x30, 0x14, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x0c, 0x00}
	goSSID   = []byte("DIRECT-nl-test")
	goP2PIE  = []byte{0xdd, 0x09, 0x50, 0x6f, 0x9a, 0x09, 0x02, 0x02, 0x00, 0x25, 0x0b}
	cliRSNIE = []byte{0x30, 0x14, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x00, 0x00}
)

// capGO is the GO's Capability Information: ESS, Privacy, Short Slot Time.
const capGO = 0x0411

func mgmtHeader(subtype uint8, da, sa, bssid ieee80211.MAC) []byte {
	f := []byte{subtype << 4, 0x00, 0x00, 0x00}
	f = append(f, da[:]...)
	f = append(f, sa[:]...)
	f = append(f, bssid[:]...)
	return append(f, 0x00, 0x00)
}

func goBeacon(bssid ieee80211.MAC, channel byte) radio.BeaconData {
	head := mgmtHeader(ieee80211.SubtypeBeacon, ieee80211.Broadcast, bssid, bssid)
	head = append(head, make([]byte, 8)...)                // Timestamp (the radio fills it)
	head = binary.LittleEndian.AppendUint16(head, 100)     // Beacon Interval
	head = binary.LittleEndian.AppendUint16(head, capGO)   // Capability
	head = append(head, 0x00, byte(len(goSSID)))           // SSID
	head = append(head, goSSID...)                         //
	head = append(head, 0x01, byte(len(goRates)))          // Supported Rates
	head = append(head, goRates...)                        //
	head = append(head, 0x03, 0x01, channel)               // DSSS Parameter Set
	tail := append(append([]byte{}, goRSN...), goP2PIE...) // after the TIM
	return radio.BeaconData{Head: head, Tail: tail, ProbeRespIEs: goP2PIE, AssocRespIEs: goP2PIE}
}

func startGO(t *testing.T, p radio.Phy, addr ieee80211.MAC, controlPort bool) radio.Interface {
	t.Helper()
	gi := newIface(t, p, radio.InterfaceConfig{Type: radio.IfP2PGO, Addr: addr})
	for _, st := range []uint8{ieee80211.SubtypeAuth, ieee80211.SubtypeAssocReq, ieee80211.SubtypeReassocReq, ieee80211.SubtypeDisassoc, ieee80211.SubtypeDeauth, ieee80211.SubtypeProbeReq} {
		if err := gi.RegisterFrame(opCtx(t), radio.FrameMatch{Subtype: st}); err != nil {
			t.Fatalf("RegisterFrame(%d): %v", st, err)
		}
	}
	err := gi.StartAP(opCtx(t), radio.APConfig{
		Beacon: goBeacon(addr, 6), Freq: 2437, BeaconInterval: 100, DTIMPeriod: 2,
		SSID: goSSID, Privacy: true, ControlPort: controlPort,
	})
	if err != nil {
		t.Fatalf("StartAP: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opWait)
		defer cancel()
		if err := gi.StopAP(ctx); err != nil && !errors.Is(err, radio.ErrNoDevice) && !errors.Is(err, radio.ErrNotConnected) {
			t.Errorf("StopAP: %v", err)
		}
	})
	if got := gi.Info().Freq; got != 2437 {
		t.Errorf("GO Freq %d after StartAP", got)
	}
	return gi
}

// scanFor scans 2437 passively until the BSS shows up.
func scanFor(t *testing.T, i radio.Interface, bssid ieee80211.MAC, req radio.ScanRequest) radio.BSS {
	t.Helper()
	for try := 1; try <= 6; try++ {
		if err := i.TriggerScan(opCtx(t), req); err != nil {
			if errors.Is(err, radio.ErrBusy) {
				time.Sleep(time.Second)
				continue
			}
			t.Fatalf("TriggerScan: %v", err)
		}
		if d := waitFor[radio.ScanDone](t, i, "scan done", nil); d.Aborted {
			continue
		}
		res, err := i.ScanResults(opCtx(t))
		if err != nil {
			t.Fatalf("ScanResults: %v", err)
		}
		for _, bss := range res {
			if bss.BSSID == bssid {
				return bss
			}
		}
		t.Logf("scan %d: %d results, not %v yet", try, len(res), bssid)
	}
	t.Fatalf("%v not found by scanning", bssid)
	return radio.BSS{}
}

func TestHwsimScanFindsGOWithItsElements(t *testing.T) {
	requireHwsim(t)
	b := openBackend(t, Config{})
	phys := hwsimPhys(t, b)
	goAddr := ieee80211.MAC{0x02, 0x4e, 0x4c, 0x00, 0x0a, 0x02}
	gi := startGO(t, phys[0], goAddr, true)
	dev := newIface(t, phys[1], radio.InterfaceConfig{Type: radio.IfP2PDevice})
	// New templates replace the started ones.
	extra := []byte{0xdd, 0x05, 0x00, 0x11, 0x22, 0x01, 0x02}
	beacon := goBeacon(goAddr, 6)
	beacon.Tail = append(beacon.Tail, extra...)
	if err := gi.SetBeacon(opCtx(t), beacon); err != nil {
		t.Fatalf("SetBeacon: %v", err)
	}

	before := time.Now()
	bss := scanFor(t, dev, goAddr, radio.ScanRequest{Freqs: []int{2437}, IEs: goP2PIE, NoCCK: true, Flush: true})
	if bss.Freq != 2437 || bss.BeaconInterval != 100 || bss.Capability != capGO || bss.Signal >= 0 || bss.Seen.Before(before.Add(-time.Second)) {
		t.Errorf("BSS %+v", bss)
	}
	for name, ies := range map[string][]byte{"IEs": bss.IEs, "BeaconIEs": bss.BeaconIEs} {
		elems, err := ieee80211.ParseElements(ies)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		es := ieee80211.Elements(elems)
		if ssid, ok := es.Find(ieee80211.ElemSSID); !ok || !bytes.Equal(ssid.Data, goSSID) {
			t.Errorf("%s: SSID %q", name, ssid.Data)
		}
		if !bytes.Contains(ies, goRSN) || !bytes.Contains(ies, goP2PIE) || !bytes.Contains(ies, extra) {
			t.Errorf("%s lacks the RSN, P2P or SetBeacon's element: %x", name, ies)
		}
	}
	// The raw dump, recorded for the unit tests.
	di := dev.(*iface)
	msgs, err := di.sock.do(opCtx(t), unix.NL80211_CMD_GET_SCAN, true, di.targetAttrs())
	if err != nil {
		t.Fatal(err)
	}
	record(t, "scan-hwsim.nlmsgs", b.family.ID, msgs)

	// A scan of every channel, aborted.
	if err := dev.TriggerScan(opCtx(t), radio.ScanRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := dev.AbortScan(opCtx(t)); err != nil {
		t.Fatal(err)
	}
	if d := waitFor[radio.ScanDone](t, dev, "aborted scan", nil); !d.Aborted {
		t.Errorf("ScanDone %+v after AbortScan", d)
	}
}

// netns is a named network namespace holding one phy for the test.
type netns struct {
	name string
	fd   int
}

// moveToNetNS creates a namespace and moves a phy into it (with `iw phy
// set netns`: cfg80211 moves whole phys, not single netdevs); cleanup moves
// it back and deletes the namespace.
func moveToNetNS(t *testing.T, name, phyName string) netns {
	t.Helper()
	exec.Command("ip", "netns", "del", name).Run()
	run(t, "ip", "netns", "add", name)
	t.Cleanup(func() {
		start := time.Now()
		if out, err := exec.Command("ip", "netns", "exec", name, "iw", "phy", phyName, "set", "netns", "1").CombinedOutput(); err != nil {
			t.Errorf("moving %s back: %v\n%s", phyName, err, out)
		}
		run(t, "ip", "netns", "del", name)
		t.Logf("moving %s back and deleting namespace %s took %.2fs", phyName, name, time.Since(start).Seconds())
	})
	run(t, "iw", "phy", phyName, "set", "netns", "name", name)
	fd, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return netns{name: name, fd: fd}
}

// phyNamed finds a phy by name.
func phyNamed(t *testing.T, b *Backend, name string) radio.Phy {
	t.Helper()
	phys, err := b.Phys(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range phys {
		if p.Info().Name == name {
			return p
		}
	}
	t.Fatalf("no %s in the namespace", name)
	return nil
}

// goSME plays the GO's userspace SME (mac80211 has none in the kernel):
// it answers Authentication and (Re)Association Requests until the client
// reports Connected, adding the station before the association response.
func goSME(t *testing.T, gi, cli radio.Interface) radio.Connected {
	t.Helper()
	goAddr := gi.Info().Addr
	timer := time.NewTimer(3 * eventWait)
	defer timer.Stop()
	added := false
	for {
		select {
		case e := <-cli.Events():
			if c, ok := e.(radio.Connected); ok {
				return c
			}
			t.Logf("client skips %T %+v", e, short(e))
		case e := <-gi.Events():
			rx, ok := e.(radio.FrameReceived)
			if !ok || len(rx.Frame) < 24 {
				continue
			}
			var sta ieee80211.MAC
			copy(sta[:], rx.Frame[10:16])
			body := rx.Frame[24:]
			switch rx.Frame[0] >> 4 {
			case ieee80211.SubtypeAuth:
				resp := mgmtHeader(ieee80211.SubtypeAuth, sta, goAddr, goAddr)
				resp = append(resp, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00) // Open System, transaction 2, success
				if _, err := gi.SendFrame(opCtx(t), radio.Tx{Frame: resp}); err != nil {
					t.Fatalf("auth response: %v", err)
				}
			case ieee80211.SubtypeAssocReq, ieee80211.SubtypeReassocReq:
				fixed := 4
				if rx.Frame[0]>>4 == ieee80211.SubtypeReassocReq {
					fixed = 10
				}
				if len(body) < fixed {
					t.Fatalf("short association request %x", rx.Frame)
				}
				elems, err := ieee80211.ParseElements(body[fixed:])
				if err != nil {
					t.Fatal(err)
				}
				var rates []byte
				for _, el := range elems {
					if el.ID == ieee80211.ElemSupportedRates || el.ID == ieee80211.ElemExtSupportedRates {
						rates = append(rates, el.Data...)
					}
				}
				if !added {
					err := gi.NewStation(opCtx(t), radio.StationParams{
						Addr: sta, AID: 1, ListenInterval: binary.LittleEndian.Uint16(body[2:]),
						Capability: binary.LittleEndian.Uint16(body), SupportedRates: rates,
					})
					if err != nil {
						t.Fatalf("NewStation: %v", err)
					}
					added = true
				}
				resp := mgmtHeader(ieee80211.SubtypeAssocResp, sta, goAddr, goAddr)
				resp = binary.LittleEndian.AppendUint16(resp, capGO)
				resp = append(resp, 0x00, 0x00, 0x01, 0xc0) // success, AID 1
				resp = append(resp, 0x01, byte(len(goRates)))
				resp = append(resp, goRates...)
				if _, err := gi.SendFrame(opCtx(t), radio.Tx{Frame: resp}); err != nil {
					t.Fatalf("association response: %v", err)
				}
			}
		case <-timer.C:
			t.Fatal("no Connected on the client")
		}
	}
}

// eapolKey is an EAPOL-Key PDU shaped like 4-way handshake message n
// (IEEE Std 802.1X-2020, 11.3; IEEE Std 802.11-2020, 12.7.2), content fixed.
func eapolKey(n byte) []byte {
	body := make([]byte, 95)
	body[0] = 2 // Descriptor Type: IEEE 802.11
	body[1], body[2] = 0x00, 0x8a
	body[10] = n // Key Replay Counter
	return append([]byte{0x02, 0x03, 0x00, byte(len(body))}, body...)
}

func TestHwsimClientConnectsToGOWithEAPOLKeysAndPing(t *testing.T) {
	requireHwsim(t)
	step := stepper(t)
	b := openBackend(t, Config{})
	phys := hwsimPhys(t, b)
	goAddr := ieee80211.MAC{0x02, 0x4e, 0x4c, 0x00, 0x0a, 0x03}
	cliAddr := ieee80211.MAC{0x02, 0x4e, 0x4c, 0x00, 0x0b, 0x03}
	phyB := phys[1].Info().Name

	// The client's phy lives in its own network namespace, so that the
	// ping between the two addresses has to cross the (simulated) air.
	ns := moveToNetNS(t, "nl80211-cli", phyB)
	bB := openBackend(t, Config{NetNS: ns.fd})
	pB := phyNamed(t, bB, phyB)
	step("client phy moved into its namespace")

	gi := startGO(t, phys[0], goAddr, true)
	cli := newIface(t, pB, radio.InterfaceConfig{Type: radio.IfP2PClient, Addr: cliAddr})
	scanFor(t, cli, goAddr, radio.ScanRequest{Freqs: []int{2437}})
	step("GO started, client created, GO found by scanning")

	ies := append(append([]byte{}, cliRSNIE...), goP2PIE...)
	if err := cli.Connect(opCtx(t), radio.ConnectRequest{BSSID: goAddr, Freq: 2437, SSID: goSSID, IEs: ies, Privacy: true, ControlPort: true}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	conn := goSME(t, gi, cli)
	if conn.Status != 0 || conn.TimedOut || conn.BSSID != goAddr || conn.Freq != 2437 || !bytes.Contains(conn.ReqIEs, cliRSNIE) || len(conn.RespIEs) == 0 {
		t.Fatalf("Connected %+v", conn)
	}
	if f := cli.Info().Freq; f != 2437 {
		t.Errorf("client Freq %d", f)
	}
	step("connected")

	// EAPOL both ways over the nl80211 control port, in the clear.
	eapolOK := func(from, to radio.Interface, toAddr ieee80211.MAC, pdu []byte, encrypted bool) {
		t.Helper()
		c, err := from.SendEAPOL(opCtx(t), toAddr, pdu)
		if err != nil {
			t.Fatalf("SendEAPOL: %v", err)
		}
		got := waitFor(t, to, "EAPOL", func(e radio.EAPOLReceived) bool { return bytes.Equal(e.PDU, pdu) })
		if got.Src != from.Info().Addr || got.Encrypted != encrypted {
			t.Errorf("EAPOL received %+v, want from %v encrypted %v", got, from.Info().Addr, encrypted)
		}
		// Its TX status: the kernel's when the phy reports it, else ours.
		st := waitFor(t, from, "EAPOL TX status", func(e radio.EAPOLTxStatus) bool { return e.Cookie == c })
		if !st.Acked {
			t.Errorf("EAPOL TX status %+v: not acknowledged", st)
		}
		if local := c&localCookieBase != 0; local == phys[0].Info().ControlPortTxStatus {
			t.Errorf("EAPOL cookie %#x with ControlPortTxStatus %v", uint64(c), phys[0].Info().ControlPortTxStatus)
		}
	}
	t.Logf("hwsim phy %s: NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211_TX_STATUS %v (ControlPortTxStatus)",
		phys[0].Info().Name, phys[0].Info().ControlPortTxStatus)
	eapolOK(gi, cli, cliAddr, eapolKey(1), false)
	eapolOK(cli, gi, goAddr, eapolKey(2), false)
	step("EAPOL exchanged in the clear")

	// A fixed PTK (its TK) and GTK on both sides, then the port opens.
	tk := []byte("0123456789abcdef")
	gtk := []byte("fedcba9876543210")
	steps := []struct {
		name string
		err  error
	}{
		{"GO pairwise", gi.NewKey(opCtx(t), radio.Key{Cipher: radio.CipherCCMP128, Index: 0, Data: tk, Peer: cliAddr})},
		{"client pairwise", cli.NewKey(opCtx(t), radio.Key{Cipher: radio.CipherCCMP128, Index: 0, Data: tk, Peer: goAddr})},
		{"GO group", gi.NewKey(opCtx(t), radio.Key{Cipher: radio.CipherCCMP128, Index: 1, Data: gtk, DefaultTx: true})},
		{"client group", cli.NewKey(opCtx(t), radio.Key{Cipher: radio.CipherCCMP128, Index: 1, Data: gtk, RSC: make([]byte, 6)})},
	}
	for _, s := range steps {
		if s.err != nil {
			t.Fatalf("%s key: %v", s.name, s.err)
		}
	}
	step("keys installed (the first CCMP key loads the kernel's ccm module)")
	// With the pairwise key in place EAPOL travels protected.
	eapolOK(gi, cli, cliAddr, eapolKey(3), true)
	eapolOK(cli, gi, goAddr, eapolKey(4), true)
	if err := gi.SetAuthorized(opCtx(t), cliAddr, true); err != nil {
		t.Fatalf("GO SetAuthorized: %v", err)
	}
	if err := cli.SetAuthorized(opCtx(t), goAddr, true); err != nil {
		t.Fatalf("client SetAuthorized: %v", err)
	}

	if err := b.AddAddress(opCtx(t), gi.Info().Index, netip.MustParsePrefix("192.168.49.1/24")); err != nil {
		t.Fatal(err)
	}
	if err := bB.AddAddress(opCtx(t), cli.Info().Index, netip.MustParsePrefix("192.168.49.2/24")); err != nil {
		t.Fatal(err)
	}
	step("EAPOL exchanged, keys installed, port authorized")
	out := run(t, "ping", "-c", "3", "-W", "5", "-I", gi.Info().Name, "192.168.49.2")
	if !strings.Contains(out, "3 received") {
		t.Errorf("ping:\n%s", out)
	}
	t.Logf("ping from the GO's namespace to the client's:\n%s", out)

	if err := cli.DelKey(opCtx(t), radio.KeyRef{Index: 1}); err != nil {
		t.Errorf("client DelKey(group): %v", err)
	}

	// The GO removes the station with a reason: the client hears a
	// deauthentication from the AP.
	if err := gi.DelStation(opCtx(t), cliAddr, ieee80211.ReasonDeauthLeaving); err != nil {
		t.Fatalf("DelStation: %v", err)
	}
	waitFor(t, gi, "station removed", func(e radio.StationRemoved) bool { return e.Addr == cliAddr })
	d := waitFor[radio.Disconnected](t, cli, "disconnected", nil)
	if d.ByUs || d.Reason != ieee80211.ReasonDeauthLeaving {
		t.Errorf("Disconnected %+v, want by the AP with reason 3", d)
	}
	if f := cli.Info().Freq; f != 0 {
		t.Errorf("client Freq %d after Disconnected", f)
	}
	step("station removed, client disconnected")
}

func TestHwsimClientConnectsToGOWithEAPOLOverPAESockets(t *testing.T) {
	requireHwsim(t)
	b := openBackend(t, Config{})
	phys := hwsimPhys(t, b)
	goAddr := ieee80211.MAC{0x02, 0x4e, 0x4c, 0x00, 0x0a, 0x04}
	cliAddr := ieee80211.MAC{0x02, 0x4e, 0x4c, 0x00, 0x0c, 0x04}

	gi := startGO(t, phys[0], goAddr, false)
	cli := newIface(t, phys[2], radio.InterfaceConfig{Type: radio.IfP2PClient, Addr: cliAddr})
	scanFor(t, cli, goAddr, radio.ScanRequest{Freqs: []int{2437}})
	ies := append(append([]byte{}, cliRSNIE...), goP2PIE...)
	if err := cli.Connect(opCtx(t), radio.ConnectRequest{BSSID: goAddr, Freq: 2437, SSID: goSSID, IEs: ies, Privacy: true}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if conn := goSME(t, gi, cli); conn.Status != 0 {
		t.Fatalf("Connected %+v", conn)
	}
	for _, x := range []struct {
		from, to radio.Interface
		dst      ieee80211.MAC
		pdu      []byte
	}{{gi, cli, cliAddr, eapolKey(1)}, {cli, gi, goAddr, eapolKey(2)}} {
		c, err := x.from.SendEAPOL(opCtx(t), x.dst, x.pdu)
		if err != nil {
			t.Fatalf("SendEAPOL: %v", err)
		}
		got := waitFor(t, x.to, "EAPOL over PAE", func(e radio.EAPOLReceived) bool { return bytes.Equal(e.PDU, x.pdu) })
		if got.Src != x.from.Info().Addr {
			t.Errorf("EAPOL from %v, want %v", got.Src, x.from.Info().Addr)
		}
		// A PAE socket cannot tell: the frame is reported acknowledged.
		waitFor(t, x.from, "EAPOL TX status", func(e radio.EAPOLTxStatus) bool { return e.Cookie == c && e.Acked })
	}

	// The client leaves: it reports Disconnected by us; the GO hears the
	// deauthentication and removes the station.
	if err := cli.Disconnect(opCtx(t), ieee80211.ReasonDeauthLeaving); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if d := waitFor[radio.Disconnected](t, cli, "disconnected", nil); !d.ByUs || d.Reason != ieee80211.ReasonDeauthLeaving {
		t.Errorf("Disconnected %+v", d)
	}
	waitFor(t, gi, "deauthentication", func(e radio.FrameReceived) bool {
		return len(e.Frame) >= 26 && e.Frame[0]>>4 == ieee80211.SubtypeDeauth && bytes.Equal(e.Frame[10:16], cliAddr[:])
	})
	if err := gi.DelStation(opCtx(t), cliAddr, 0); err != nil {
		t.Fatalf("DelStation: %v", err)
	}
	waitFor(t, gi, "station removed", func(e radio.StationRemoved) bool { return e.Addr == cliAddr })
}

// waitGone polls `iw dev` until no line contains s.
func waitGone(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(eventWait)
	for {
		dev := run(t, "iw", "dev")
		if !strings.Contains(dev, s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("iw dev still lists %q:\n%s", s, dev)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestHwsimClosingTheBackendDeletesItsInterfaces(t *testing.T) {
	requireHwsim(t)
	b, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	phys := hwsimPhys(t, b)
	gi, err := phys[2].NewInterface(opCtx(t), radio.InterfaceConfig{Type: radio.IfP2PGO, Name: "nl80211-close"})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	if name := gi.Info().Name; name != "nl80211-close" {
		t.Errorf("name %q", name)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor[radio.InterfaceRemoved](t, gi, "InterfaceRemoved at Close", nil)
	// The interface was socket-owned: the kernel deletes it.
	waitGone(t, "nl80211-close")
}

func TestHwsimPhyLeavingTheNamespaceRemovesItsInterfacesAndThePhy(t *testing.T) {
	requireHwsim(t)
	b := openBackend(t, Config{})
	p := hwsimPhys(t, b)[2]
	name := p.Info().Name
	dev := newIface(t, p, radio.InterfaceConfig{Type: radio.IfP2PDevice})
	gi := newIface(t, p, radio.InterfaceConfig{Type: radio.IfP2PGO, Name: "nl80211-move"})
	ns := moveToNetNS(t, "nl80211-away", name)
	// The kernel (6.1) moves the GO's netdev along and forgets that our
	// socket owns it: it would stay in the other namespace, so the test
	// deletes it there before the phy comes back.
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "exec", ns.name, "iw", "dev", "nl80211-move", "del").CombinedOutput(); err != nil {
			t.Logf("deleting the moved GO: %v\n%s", err, out)
		}
	})
	select {
	case <-p.Removed():
	case <-time.After(eventWait):
		t.Fatal("Removed not closed when the phy left the namespace")
	}
	waitFor[radio.InterfaceRemoved](t, dev, "P2P device removed", nil)
	waitFor[radio.InterfaceRemoved](t, gi, "GO removed", nil)
	if _, err := p.NewInterface(opCtx(t), radio.InterfaceConfig{Type: radio.IfP2PDevice}); !errors.Is(err, radio.ErrNoDevice) {
		t.Errorf("NewInterface on the departed phy: %v, want ErrNoDevice", err)
	}
	phys, err := b.Phys(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range phys {
		if q.Info().Name == name {
			t.Errorf("%s still listed in this namespace", name)
		}
	}
	// Our sockets closed, the kernel deletes the socket-owned P2P device,
	// which has no netdev and stays with the phy.
	waitGoneIn(t, ns.name, "P2P-device")
}

// waitGoneIn polls `iw dev` in a namespace until no line contains s.
func waitGoneIn(t *testing.T, ns, s string) {
	t.Helper()
	deadline := time.Now().Add(eventWait)
	for {
		dev := run(t, "ip", "netns", "exec", ns, "iw", "dev")
		if !strings.Contains(dev, s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("iw dev in %s still lists %q:\n%s", ns, s, dev)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
