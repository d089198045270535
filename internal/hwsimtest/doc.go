// Package hwsimtest holds helpers for tests that run against the real
// kernel in the mac80211_hwsim VM (scripts/vm-tests.sh, or by hand with
// ../shared/hwsim/vm-run --radios 3). It is imported only by _test.go
// files.
//
// Gates:
//
//   - Require(t) skips unless P2P_HWSIM=1 and registers, first (so it runs
//     last), a cleanup that fails the test when a P2P Device or a p2p-*
//     interface is left in the default namespace. RequireBench(t) also
//     needs P2P_HWSIM_BENCH=1.
//
// Network namespaces (a ping between two addresses of one namespace never
// crosses the air, so each side of a group lives in its own):
//
//   - NewNetNS(t, name) creates /run/netns/name (deleting a stale one);
//     cleanup moves the phys it received back and deletes it.
//   - ns.Name(), ns.Path(), ns.Open(t) (an fd for nl80211.Config.NetNS,
//     closed at cleanup), ns.MovePhyOf(t, "wlan1") (moves the whole phy
//     with iw phy PHY set netns name; returns the phy), ns.Run(t, args...)
//     (ip netns exec; fails the test on error), ns.Command(args...).
//   - PhyOf(t, netdev), Run(t, args...) (default namespace),
//     Addresses(t, ns, ifname) ([]netip.Prefix of `ip -o addr show`),
//     Interfaces(t, ns) (`iw dev`), Ping(t, ns, addr) (3 replies within a
//     generous deadline, from ns; nil is the default namespace).
//
// wpa_supplicant, driven through its global control socket (it may run
// inside a namespace: the socket lives in the file system):
//
//   - StartWpaSupplicant(t, WpaConfig{Netdev, NetNS, Name, ListenChannel,
//     Extra}) starts it with a P2P configuration; cleanup removes its
//     groups and terminates it. GOAddressingConf is the Extra that makes a
//     wpa_supplicant GO hand out 192.168.49.100-200 in the 4-way handshake
//     (IP Address Allocation).
//   - w.Request(cmd) (raw), w.Must(t, format, args...) (fails on FAIL),
//     w.OK(t, ...) (must answer OK), w.OKSoon(t, ...) (retries while
//     wpa_supplicant is busy), w.P2P(t, ...) (prefixes IFNAME=p2p-dev-X).
//   - w.Mark() and w.Wait(from, timeout, substrings...) (Event, bool) over
//     the events of every interface of that wpa_supplicant;
//     w.WaitAny(from, timeout, [][]string) for "success or failure".
//   - Event{At, Text} with Name() (P2P-GROUP-STARTED...), Ifname() (the
//     IFNAME= prefix), Args() (positional words) and Field(key) (key=value,
//     quotes removed); ParseGroupStarted(ev) gives the fields of
//     P2P-GROUP-STARTED (Ifname, Role, SSID, Freq, GODevAddr, IPAddr,
//     IPMask, GOIPAddr, Prefix()).
//   - w.DeviceAddress() (P2P Device Address, "02:00:00:00:01:00" form),
//     w.Netdev(), w.P2PDevice(), w.NetNS().
//
// Environment: P2P_WPAS_DEBUG=1 runs wpa_supplicant with -dd and logs its
// P2P lines when the test fails (=2: always); P2P_TRACE=1 logs every
// wpa_supplicant event as it arrives.
//
// Timing: FindTimeout and OpTimeout are the generous waits of the VM (TCG
// emulation runs several times slower than a host). Percentiles(ds) gives
// p50 and p95.
package hwsimtest
