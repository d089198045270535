#!/usr/bin/env bash
# Memory of the service on the simulated radio: builds cmd/p2pmanager, runs it
# on a private bus with -radio=sim, first with no simulated peer (idle), then
# with many (-discover=social keeps discovery on, so every simulated peer
# becomes a Peer1 object), waits until the peers are published
# (GetManagedObjects) and the memory settled, and prints VmRSS and VmHWM of
# the service and the time GetManagedObjects takes.
#
#   scripts/measure-rss.sh                    idle and 1000 peers
#   PEERS="0 50 1000" scripts/measure-rss.sh  other counts
#   P2PMANAGER=/path/to/p2pmanager scripts/measure-rss.sh   a binary built elsewhere
#   BASELINE=0 scripts/measure-rss.sh         without the "undiscovered" rows
#
# The simulated peers (a full P2P core each, on the same simulated medium) run
# inside the service's process: the figures with peers include them, so they
# are an upper bound of what the service itself needs for that many peers.
# So for each count above 0 the script also runs the same peers without
# -discover (row "N, undiscovered": nobody looks for them, nothing is
# published): the difference between the two rows is what discovering and
# publishing N peers costs.
set -euo pipefail
cd "$(dirname "$0")/.."

peers_list=${PEERS:-0 1000}
publish_wait=${PUBLISH_WAIT:-600} # seconds to wait for the peers to be published
settle_max=${SETTLE_MAX:-60}      # seconds to wait for RSS to settle

for tool in busctl dbus-daemon; do
	command -v "$tool" >/dev/null || { echo "measure-rss: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/measure-rss.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

bin=${P2PMANAGER:-}
if [ -z "$bin" ]; then
	bin=$work/p2pmanager
	go build -o "$bin" ./cmd/p2pmanager
fi

# status_kb FIELD PID: a field of /proc/PID/status, in kB.
status_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status"; }

mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

# objects ADDR: GetManagedObjects, as busctl prints it.
objects() {
	busctl --address="$1" --timeout=60 call org.freedesktop.WiFiP2P /org/freedesktop/WiFiP2P \
		org.freedesktop.DBus.ObjectManager GetManagedObjects
}

# count_peers ADDR: how many Peer1 objects the service publishes.
count_peers() {
	local o
	o=$(objects "$1") || { echo 0; return; }
	grep -o '"org.freedesktop.WiFiP2P.Peer1"' <<<"$o" | wc -l || true
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "measure-rss: $(go version 2>/dev/null || true); $(nproc) cores; $(uname -r)"
echo "note: the simulated peers run inside the service's process (one P2P core each on"
echo "      the simulated medium): the figures with peers include them."
printf '\n%-18s %-10s %-10s %-12s %-14s %-10s %s\n' peers VmRSS VmHWM "dbus VmRSS" "publish time" "GMO time" "GMO size"

runs=
for n in $peers_list; do
	if [ "$n" -gt 0 ] && [ "${BASELINE:-1}" = 1 ]; then runs="$runs $n:off"; fi
	runs="$runs $n:social"
done

for run in $runs; do
	n=${run%%:*}
	discover=${run#*:}
	out=$work/out.$run
	err=$work/err.$run
	flags=(--bus=private --radio=sim --sim-peers="$n" --log-level=warn)
	[ "$discover" = off ] || flags+=(--discover="$discover")
	"$bin" run "${flags[@]}" >"$out" 2>"$err" &
	pid=$!
	start=$(now)
	addr=
	for _ in $(seq 1 300); do
		addr=$(sed -n 's/^bus address: //p' "$out" | head -n1)
		[ -n "$addr" ] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" && rc=0 || rc=$?
			pid=
			echo "measure-rss: the service with -sim-peers=$n exited ($rc) before serving:" >&2
			cat "$err" >&2
			if [ "$rc" = 2 ] && grep -q 'sim-peers' "$err"; then
				echo "measure-rss: -sim-peers=$n is above the limit parseRunFlags accepts; raise it in cmd/p2pmanager/daemon.go" >&2
			fi
			exit 1
		fi
		sleep 0.1
	done
	[ -n "$addr" ] || { echo "measure-rss: no bus address printed within 30 s" >&2; cat "$err" >&2; exit 1; }

	# Published: every simulated peer is a Peer1 object (none when nobody
	# discovers).
	got=0
	want=$n
	[ "$discover" = off ] && want=0
	deadline=$((SECONDS + publish_wait))
	while :; do
		got=$(count_peers "$addr")
		[ "$got" -ge "$want" ] && break
		if [ $SECONDS -ge $deadline ]; then
			echo "measure-rss: only $got of $n peers published after ${publish_wait}s" >&2
			echo "measure-rss: (the P2P core keeps at most p2p.Config.MaxPeers peers, DefaultMaxPeers = 100)" >&2
			break
		fi
		sleep 1
	done
	published=$(elapsed "$start" "$(now)")

	# Settled: VmRSS moved less than 1% between three samples 2 s apart.
	prev=$(status_kb VmRSS "$pid")
	stable=0
	for _ in $(seq 1 $((settle_max / 2))); do
		sleep 2
		cur=$(status_kb VmRSS "$pid")
		if awk -v a="$prev" -v b="$cur" 'BEGIN { d = b - a; if (d < 0) d = -d; exit !(d * 100 <= a) }'; then
			stable=$((stable + 1))
			[ $stable -ge 2 ] && break
		else
			stable=0
		fi
		prev=$cur
	done

	# GetManagedObjects: the best of five calls, and the size of its reply.
	best=
	for _ in 1 2 3 4 5; do
		t0=$(now)
		objects "$addr" >"$work/gmo"
		t=$(elapsed "$t0" "$(now)")
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
	done
	size=$(wc -c <"$work/gmo")

	rss=$(status_kb VmRSS "$pid")
	hwm=$(status_kb VmHWM "$pid")
	dbus_pid=$(pgrep -P "$pid" -x dbus-daemon | head -n1 || true)
	dbus_rss=n/a
	[ -n "$dbus_pid" ] && dbus_rss=$(mb "$(status_kb VmRSS "$dbus_pid")")
	label="$got/$n"
	[ "$discover" = off ] && label="$n, undiscovered"
	printf '%-18s %-10s %-10s %-12s %-14s %-10s %s\n' "$label" "$(mb "$rss")" "$(mb "$hwm")" "$dbus_rss" "${published}s" "${best}s" "$size B (busctl text)"

	kill -TERM "$pid"
	wait "$pid" || true
	pid=
done
echo
echo "VmRSS/VmHWM: the service process (the D-Bus layer, the coordinator, our P2P core and, with"
echo "peers, the simulated medium and peers); dbus VmRSS: its private dbus-daemon; GMO time: the"
echo "fastest of five busctl GetManagedObjects calls (busctl's own start included)."
