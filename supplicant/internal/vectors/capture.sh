#!/bin/bash
# capture.sh: regenerate the Wi-Fi P2P captures under testdata/ from real
# wpa_supplicant peers on mac80211_hwsim radios.
#
# Usage, from the root of the checkout (the VM shares the current directory):
#
#     supplicant/internal/vectors/capture.sh --host [SCENARIO...]
#
# installs tcpdump on the host if it is missing (the guest runs the host's
# binaries) and then runs the same script inside the hwsim VM:
#
#     /work/shared/hwsim/vm-run --radios 3 --timeout 1800 -- \
#         supplicant/internal/vectors/capture.sh [SCENARIO...]
#
# (VM_RUN overrides the vm-run path; CAPTURE_KEEP=DIR keeps the logs, events
# and partial pcap of a failed scenario under DIR, which must be in the
# shared current directory.) Inside the guest (root, three
# mac80211_hwsim radios, monitor interface hwsim0) every scenario starts
# fresh wpa_supplicant instances (-dd -K -t) on wlan0..wlan2 with control
# sockets under /tmp, drives them with wpa_cli and waits on their events,
# and captures hwsim0 with tcpdump (classic pcap, radiotap) from just before
# the scenario to just after it. Per capture NAME it writes into testdata/:
#
#     NAME.pcap           the frames
#     NAME.txt            addresses, names, roles, SSID, passphrase, PIN,
#                         frequency, what happened, and the events seen
#     NAME.wpasI.log.xz   (captures with WPS/EAPOL) instance I's whole
#                         wpa_supplicant -dd -K -t debug log in the window
#     NAME.keys.txt       the lines of those logs a known-answer test of WPS
#                         and of the 4-way handshake needs (keys, nonces,
#                         EAPOL frames), plain text
#
# Scenarios (default: all, in this order):
#     discovery go-neg-pbc provision-discovery go-neg-pin invitation
#     service-discovery autonomous-go-join
# go-neg-pin also writes go-neg-both-15; autonomous-go-join also writes
# presence-discoverability. A scenario that fails leaves the earlier files
# of its captures in place; the script then exits 1.
#
# Under TCG emulation the guest is slow: every wait is generous.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ "${1:-}" = --host ]; then
	shift
	if ! command -v tcpdump >/dev/null; then
		apt-get install -y --no-install-recommends tcpdump ||
			{ apt-get update && apt-get install -y --no-install-recommends tcpdump; } || exit 1
	fi
	root=$(cd "$here/../../.." && pwd)
	cd "$root" || exit 1
	exec "${VM_RUN:-/work/shared/hwsim/vm-run}" --radios 3 --timeout 1800 -- \
		supplicant/internal/vectors/capture.sh "$@"
fi

all=(discovery go-neg-pbc provision-discovery go-neg-pin invitation service-discovery autonomous-go-join)
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=("${all[@]}")

out=$here/testdata
[ -d "$out" ] || { echo "no $out" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run this inside the hwsim VM (see the header), or with --host" >&2; exit 2; }
[ -e /sys/class/net/hwsim0 ] || { echo "no hwsim0: not in the hwsim VM?" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "tcpdump missing (capture.sh --host installs it)" >&2; exit 2; }

read -r boot_s _ </proc/uptime
work=$(mktemp -d /tmp/vectors.XXXXXX)
script_t0=$EPOCHREALTIME

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

mkfifo "$work/idle"
exec {idle_fd}<>"$work/idle"
nap() { read -r -t "$1" -u "$idle_fd" _ || true; }

# ---------------------------------------------------------------- radios

ifs=()
for d in /sys/class/net/wlan*; do
	[ -e "$d/phy80211" ] && ifs+=("${d##*/}")
done
[ ${#ifs[@]} -ge 3 ] || { echo "need three radios (vm-run --radios 3), found: ${ifs[*]:-none}" >&2; exit 2; }

ip link set hwsim0 up
# Group interfaces appear during the run: no duplicate address detection,
# so their IPv6 link-local addresses are usable at once for the pings.
echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad

wpas_version=$(wpa_supplicant -v 2>/dev/null | head -n1)
kernel=$(uname -r)
log "kernel $kernel, $wpas_version, radios ${ifs[*]}, guest up ${boot_s}s"

# Per instance: device name, primary device type, extra configuration.
name=(wpas-vector-0 wpas-vector-1 wpas-vector-2)
devtype=(1-0050F204-1 10-0050F204-5 7-0050F204-1) # Computer/PC, Telephone/smartphone dual mode, Display/Television
extra=(
	"sec_device_type=3-0050F204-1
manufacturer=p2pmanager vectors
model_name=hwsim computer
model_number=0
serial_number=0000"
	"manufacturer=p2pmanager vectors
model_name=hwsim phone
model_number=1
serial_number=0001"
	"manufacturer=p2pmanager vectors
model_name=hwsim display
model_number=2
serial_number=0002"
)
wfd_subelems=000600111c44012c # WFD Device Information: type source, session available, port 7236, 300 Mbps

# ------------------------------------------------------------ instances

running=()
pids=()
addr=()

start_wpas() {
	local i n a ifn dir=$work/run.$RANDOM
	mkdir -p "$dir"
	running=("$@")
	pids=()
	addr=()
	rundir=$dir
	for i in "$@"; do
		cat >"$dir/p2p$i.conf" <<EOF
ctrl_interface=DIR=$dir/ctrl$i
update_config=0
device_name=${name[$i]}
device_type=${devtype[$i]}
${extra[$i]}
config_methods=virtual_push_button virtual_display keypad
p2p_listen_reg_class=81
p2p_listen_channel=6
p2p_oper_reg_class=81
p2p_oper_channel=6
p2p_go_ht40=0
persistent_reconnect=1
EOF
		wpa_supplicant -B -Dnl80211 -i "${ifs[$i]}" -c "$dir/p2p$i.conf" -g "$dir/global$i" \
			-P "$dir/pid$i" -f "$dir/log$i" -dd -K -t || return 1
	done
	for i in "$@"; do
		n=0
		until [ "$(wpa_cli -g "$dir/global$i" ping 2>/dev/null)" = PONG ]; do
			n=$((n + 1))
			[ $n -lt 400 ] || { log "wpa_supplicant $i does not answer"; return 1; }
			nap 0.05
		done
		read -r a <"$dir/pid$i" && pids+=("$a")
	done
	# Event monitors: wpa_cli in interactive mode on the global socket,
	# every line time-stamped with the guest's clock.
	for i in "$@"; do
		mkfifo "$dir/hold$i"
		stdbuf -oL wpa_cli -g "$dir/global$i" <>"$dir/hold$i" 2>&1 |
			while IFS= read -r line; do
				line=${line//$'\r'/}
				printf '%s %s\n' "$EPOCHREALTIME" "${line#> }"
			done >"$dir/events$i" &
		pids+=($!)
	done
	for i in "$@"; do
		a=
		for ifn in "p2p-dev-${ifs[$i]}" "${ifs[$i]}"; do
			a=$(wpa_cli -p "$dir/ctrl$i" -i "$ifn" status 2>/dev/null | sed -n 's/^p2p_device_address=//p')
			[ -n "$a" ] && { p2pif[$i]=$ifn; break; }
		done
		[ -n "$a" ] || { log "no P2P device address for ${ifs[$i]}"; return 1; }
		addr[i]=$a
	done
	for i in "$@"; do
		n=0
		until grep -q 'Interactive mode' "$dir/events$i" 2>/dev/null; do
			n=$((n + 1))
			[ $n -lt 400 ] || { log "event monitor $i did not start"; return 1; }
			nap 0.05
		done
	done
	# Wi-Fi Display on instance 0 only.
	if [[ " $* " == *" 0 "* ]]; then
		[ "$(cli 0 set wifi_display 1)" = OK ] || log "warning: set wifi_display failed"
		[ "$(cli 0 wfd_subelem_set 0 $wfd_subelems)" = OK ] || log "warning: wfd_subelem_set failed"
	fi
	return 0
}

stop_wpas() {
	local i
	for i in "${running[@]}"; do
		[ -S "$rundir/global$i" ] && wpa_cli -g "$rundir/global$i" terminate >/dev/null 2>&1
	done
	[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	running=()
	pids=()
}

cleanup() {
	[ -n "${tcpdump_pid:-}" ] && kill -INT "$tcpdump_pid" 2>/dev/null
	stop_wpas
	exec {idle_fd}>&-
}
trap cleanup EXIT

# cli I CMD...: a command to instance I's P2P Device interface.
declare -A p2pif
cli() { local i=$1; shift; wpa_cli -p "$rundir/ctrl$i" -i "${p2pif[$i]}" "$@" 2>&1; }
# gcli I IFNAME CMD...: a command to one of instance I's group interfaces.
gcli() { local i=$1 g=$2; shift 2; wpa_cli -p "$rundir/ctrl$i" -i "$g" "$@" 2>&1; }
ok() {
	local r
	r=$("$@")
	[ "$r" = OK ] && return 0
	log "command failed: $* -> $r"
	return 1
}

# mark I: the number of event lines of instance I so far.
mark() { wc -l <"$rundir/events$1"; }

# wait_event I FROM TIMEOUT PATTERN: the first event line of instance I
# after line FROM that matches PATTERN (extended regular expression).
wait_event() {
	local i=$1 from=$2 timeout=$3 pat=$4 deadline line
	deadline=$((SECONDS + timeout))
	while :; do
		if line=$(tail -n +"$((from + 1))" "$rundir/events$i" | grep -m1 -E -e "$pat"); then
			printf '%s\n' "$line"
			return 0
		fi
		[ $SECONDS -lt $deadline ] || { log "timeout: instance $i, no '$pat' in ${timeout}s"; return 1; }
		nap 0.1
	done
}

# count_events I FROM PATTERN
count_events() { tail -n +"$(($2 + 1))" "$rundir/events$1" | grep -c -E -e "$3"; }

# found ADDR: the event pattern of P2P-DEVICE-FOUND for P2P Device Address
# ADDR (a GO is reported under its interface address, with p2p_dev_addr).
found() { printf 'P2P-DEVICE-FOUND [0-9a-f:]+ p2p_dev_addr=%s' "$1"; }

# discover I J: p2p_find (social channels) on both until each has found the other.
discover() {
	local i=$1 j=$2 mi mj
	mi=$(mark "$i")
	mj=$(mark "$j")
	ok cli "$i" p2p_find type=social || return 1
	ok cli "$j" p2p_find type=social || return 1
	wait_event "$i" "$mi" 90 "$(found "${addr[$j]}")" >/dev/null || return 1
	wait_event "$j" "$mj" 90 "$(found "${addr[$i]}")" >/dev/null || return 1
}

# group_field LINE N: word N (1: interface, 2: role) after P2P-GROUP-STARTED.
group_field() {
	local rest=${1#*P2P-GROUP-STARTED }
	local -a w
	read -r -a w <<<"$rest"
	printf '%s\n' "${w[$(($2 - 1))]}"
}

# ping_group GOIF CLIENT CLIENTIF: ping the GO's IPv6 link-local address from the client.
ping_group() {
	local goif=$1 cif=$2 ll out n=0
	while :; do
		ll=$(ip -6 -o addr show dev "$goif" scope link 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
		[ -n "$ll" ] && break
		n=$((n + 1))
		[ $n -lt 100 ] || { log "no link-local address on $goif"; return 1; }
		nap 0.1
	done
	if out=$(ping -6 -c 3 -i 0.3 -W 5 "$ll%$cif" 2>&1); then
		note "   ping $ll%$cif: $(printf '%s\n' "$out" | grep 'packets transmitted')"
	else
		log "ping over the group failed: $out"
		return 1
	fi
}

# ------------------------------------------------------------ capturing

cap_name=
cap_from=()
cap_logoff=()

# capture_start NAME: tcpdump on hwsim0 into the work directory.
capture_start() {
	local n=0 i
	cap_name=$1
	: >"$work/$cap_name.notes"
	for i in "${running[@]}"; do
		cap_from[i]=$(mark "$i")
		cap_logoff[i]=$(stat -c %s "$rundir/log$i")
	done
	cap_t0=$EPOCHREALTIME
	tcpdump -i hwsim0 -U -Z root -w "$work/$cap_name.pcap" 2>"$work/$cap_name.tcpdump" &
	tcpdump_pid=$!
	until grep -q 'listening on' "$work/$cap_name.tcpdump" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 300 ] || { log "tcpdump did not start"; return 1; }
		nap 0.05
	done
	log "$cap_name: capturing"
}

note() { printf '%s\n' "$*" >>"$work/$cap_name.notes"; }

# capture_stop [keys]: stop tcpdump; write NAME.pcap, NAME.txt and, with
# "keys", NAME.wpasI.log.xz and NAME.keys.txt into testdata.
capture_stop() {
	local keys=${1:-} i f=$work/$cap_name
	nap 0.5
	kill -INT "$tcpdump_pid" 2>/dev/null
	wait "$tcpdump_pid" 2>/dev/null
	tcpdump_pid=
	local frames
	frames=$(tcpdump -r "$f.pcap" 2>/dev/null | wc -l)
	{
		echo "# $cap_name.pcap"
		echo
		echo "Captured $(date -u +%Y-%m-%d) by capture.sh on the mac80211_hwsim monitor interface hwsim0"
		echo "(radiotap, classic pcap); $frames frames, $(awk -v a="$cap_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s."
		echo "$wpas_version (Debian package $(dpkg-query -W -f '${Version}' wpasupplicant 2>/dev/null)), kernel $kernel."
		echo
		echo "## Devices"
		echo
		for i in "${running[@]}"; do
			echo "instance $i: radio ${ifs[$i]} ($(cat /sys/class/net/"${ifs[$i]}"/address)), P2P Device ${p2pif[$i]}," \
				"P2P Device Address ${addr[$i]}, device name \"${name[$i]}\", primary device type ${devtype[$i]}"
		done
		echo "Listen channel 6 (2437 MHz, operating class 81), operating channel 6 preferred;"
		echo "config_methods virtual_push_button virtual_display keypad; instance 0 has Wi-Fi Display on"
		echo "(WFD subelements $wfd_subelems) and secondary device type 3-0050F204-1."
		echo
		echo "## What happened"
		echo
		cat "$f.notes"
		echo
		echo "## Events (guest clock, as in the pcap timestamps)"
		for i in "${running[@]}"; do
			echo
			echo "### instance $i"
			tail -n +"$((cap_from[i] + 1))" "$rundir/events$i" |
				grep -v -E 'CTRL-EVENT-(SCAN-STARTED|SCAN-RESULTS|BSS-ADDED|BSS-REMOVED|REGDOM-CHANGE)|Interactive mode|^[0-9.]+ *$'
		done
	} >"$f.txt"
	if [ "$keys" = keys ]; then
		for i in "${running[@]}"; do
			tail -c +"$((cap_logoff[i] + 1))" "$rundir/log$i" >"$f.wpas$i.log"
			echo "=== instance $i (${ifs[$i]}, P2P Device Address ${addr[$i]}): wpa_supplicant -dd -K -t"
			key_lines <"$f.wpas$i.log"
			xz -9 "$f.wpas$i.log"
			mv -f "$f.wpas$i.log.xz" "$out/"
		done >"$f.keys.txt"
		mv -f "$f.keys.txt" "$out/"
	fi
	mv -f "$f.pcap" "$f.txt" "$out/"
	log "$cap_name: $frames frames saved"
	cap_name=
}

# key_lines: the debug log lines that a known-answer test of WPS or of the
# 4-way and group key handshakes needs (keys, nonces, addresses, PSKs).
key_lines() {
	local wps='DH Private Key|DH own Public Key|DH peer Public Key|DH shared key|DHKey|KDK|AuthKey|KeyWrapKey|EMSK|Enrollee Nonce|Registrar Nonce|[ER]-Hash[12]|PSK[12]|[ER]-S[12]|[ER]-SNonce[12]|Device Password|UUID-[ER]|Network Key|SSID|SSID for Credential|Encrypted Settings|Decrypted Encrypted Settings|Received Credential attribute'
	local wpa='PMK|PTK|KCK|KEK|TK|Nonce1|Nonce2|Assign ANonce|Renewed SNonce|Replay Counter|Received Replay Counter|Received Key Nonce|RSC|GTK in EAPOL-Key|Group Key|EAPOL-Key Key MIC|Derived Key MIC|decrypted EAPOL-Key key data|RSN IE in EAPOL-Key|IE KeyData'
	# hexdump_ascii lines carry their dump on the lines that follow.
	awk -v re="^[0-9.]+: ((WPS: ($wps))|(WPA: ($wpa))|GTK|GMK|Key Counter|PSK [(]from passphrase[)]|PSK [(]set in config[)]|Plaintext EAPOL-Key Key Data|RSN: (encrypted key data|msg 1/4 key data|received GTK in pairwise handshake)|RX EAPOL|TX EAPOL|WPA: TX EAPOL-Key|WPA: RX EAPOL-Key|WPA: RX EAPOL data|nl80211: KEY_DATA|nl80211: KEY_SEQ) - hexdump|PTK derivation|4-Way Handshake|Group Key Handshake|EAPOL-Key [1-4]/4|msg [1-4]/4|[1-4]/4 Pairwise|WPS: (Building Message M|Received M|Processing received message|Full PIN information|Received WSC_|Sending WSC_)|P2P: .*([Pp]assphrase|PSK)|received EAPOL-Key frame|Sending EAPOL-Key|pairwise key handshake completed|CTRL-EVENT-CONNECTED|AP-STA-CONNECTED|WPS-(SUCCESS|REG-SUCCESS|CRED-RECEIVED)" '
		/^[0-9]+[.][0-9]+: / { cont = 0 }
		cont { print; next }
		$0 ~ re { print; if ($0 ~ /hexdump_ascii/) cont = 1 }'
}

# ------------------------------------------------------------ scenarios

failed=()

sc_discovery() {
	start_wpas 0 1 || return 1
	capture_start discovery || return 1
	note "p2p_find type=social on instances 0 and 1 until each reported P2P-DEVICE-FOUND for the other,"
	note "then two more seconds of searching, then p2p_stop_find on both: Probe Requests and Probe"
	note "Responses with P2P, WSC and (from instance 0) WFD IEs on the social channels 1, 6, 11."
	discover 0 1 || return 1
	nap 2
	cli 0 p2p_stop_find >/dev/null
	cli 1 p2p_stop_find >/dev/null
	note "peer entry of instance 1 as seen by instance 0:"
	cli 0 p2p_peer "${addr[1]}" | sed 's/^/    /' >>"$work/$cap_name.notes"
	note "peer entry of instance 0 as seen by instance 1:"
	cli 1 p2p_peer "${addr[0]}" | sed 's/^/    /' >>"$work/$cap_name.notes"
	capture_stop
}

# go_neg NAME GOARGS CLIENTARGS TEARDOWN: GO negotiation between 0 (the GO)
# and 1, group formation, ping, removal (TEARDOWN go-first or client-first).
go_neg() {
	local nm=$1 goargs=$2 clargs=$3 teardown=$4 m0 m1 ev0 ev1 gif0 gif1
	discover 0 1 || return 1
	capture_start "$nm" || return 1
	m0=$(mark 0)
	m1=$(mark 1)
	# shellcheck disable=SC2086 # word lists
	ok cli 0 p2p_connect "${addr[1]}" $goargs || return 1
	note "instance 0: p2p_connect ${addr[1]} $goargs"
	# Instance 1 answers the first GO Negotiation Request with status 1
	# (information currently unavailable) and reports it; then it connects.
	wait_event 1 "$m1" 60 P2P-GO-NEG-REQUEST >/dev/null || return 1
	# shellcheck disable=SC2086
	ok cli 1 p2p_connect "${addr[0]}" $clargs || return 1
	note "instance 1: P2P-GO-NEG-REQUEST (it answered status 1, information currently unavailable), then"
	note "instance 1: p2p_connect ${addr[0]} $clargs"
	ev0=$(wait_event 0 "$m0" 120 P2P-GROUP-STARTED) || return 1
	ev1=$(wait_event 1 "$m1" 120 P2P-GROUP-STARTED) || return 1
	gif0=$(group_field "$ev0" 1)
	gif1=$(group_field "$ev1" 1)
	note "instance 0: P2P-GROUP-STARTED ${ev0#*P2P-GROUP-STARTED }"
	note "instance 1: P2P-GROUP-STARTED ${ev1#*P2P-GROUP-STARTED }"
	if [ "$(group_field "$ev0" 2)" != GO ] || [ "$(group_field "$ev1" 2)" != client ]; then
		log "unexpected roles"
		return 1
	fi
	note "group interfaces: GO $gif0 ($(cat /sys/class/net/"$gif0"/address)), client $gif1 ($(cat /sys/class/net/"$gif1"/address))"
	note "GO passphrase (p2p_get_passphrase): $(gcli 0 "$gif0" p2p_get_passphrase)"
	ping_group "$gif0" "$gif1" || return 1
	m0=$(mark 0)
	m1=$(mark 1)
	if [ "$teardown" = go-first ]; then
		note "teardown: p2p_group_remove on the GO first (Deauthentication to the client), then on the client"
		cli 0 p2p_group_remove "$gif0" >/dev/null
		wait_event 0 "$m0" 30 P2P-GROUP-REMOVED >/dev/null || return 1
		wait_event 1 "$m1" 10 P2P-GROUP-REMOVED >/dev/null || cli 1 p2p_group_remove "$gif1" >/dev/null
	else
		note "teardown: p2p_group_remove on the client first (Deauthentication to the GO), then on the GO"
		cli 1 p2p_group_remove "$gif1" >/dev/null
		wait_event 1 "$m1" 30 P2P-GROUP-REMOVED >/dev/null || return 1
		nap 1
		cli 0 p2p_group_remove "$gif0" >/dev/null
	fi
	wait_event 0 "$m0" 30 P2P-GROUP-REMOVED >/dev/null || return 1
	wait_event 1 "$m1" 30 P2P-GROUP-REMOVED >/dev/null || return 1
	capture_stop keys
}

sc_go_neg_pbc() {
	start_wpas 0 1 || return 1
	go_neg go-neg-pbc "pbc go_intent=15" "pbc go_intent=0" go-first
}

sc_go_neg_pin() {
	local pin=12345670 m0 m1 ev
	start_wpas 0 1 || return 1
	go_neg go-neg-pin "$pin display go_intent=15" "$pin keypad go_intent=0" client-first || return 1

	# Both GO Intent 15: the GO Negotiation fails with status 9.
	discover 0 1 || return 1
	capture_start go-neg-both-15 || return 1
	m0=$(mark 0)
	m1=$(mark 1)
	ok cli 0 p2p_connect "${addr[1]}" pbc go_intent=15 || return 1
	note "instance 0: p2p_connect ${addr[1]} pbc go_intent=15"
	wait_event 1 "$m1" 60 P2P-GO-NEG-REQUEST >/dev/null || return 1
	ok cli 1 p2p_connect "${addr[0]}" pbc go_intent=15 || return 1
	note "instance 1: P2P-GO-NEG-REQUEST (status 1 answered), then p2p_connect ${addr[0]} pbc go_intent=15"
	ev=$(wait_event 0 "$m0" 90 P2P-GO-NEG-FAILURE) && note "instance 0: ${ev#* }"
	ev=$(wait_event 1 "$m1" 30 P2P-GO-NEG-FAILURE) && note "instance 1: ${ev#* }"
	[ "$(count_events 0 "$m0" P2P-GO-NEG-FAILURE)$(count_events 1 "$m1" P2P-GO-NEG-FAILURE)" != 00 ] || return 1
	cli 0 p2p_cancel >/dev/null
	cli 1 p2p_cancel >/dev/null
	capture_stop
}

sc_provision_discovery() {
	local method ev0 ev1 m0 m1
	start_wpas 0 1 || return 1
	discover 0 1 || return 1
	capture_start provision-discovery || return 1
	note "instance 1 kept searching (p2p_find) while instance 0 sent, one after another,"
	note "p2p_prov_disc ${addr[1]} pbc, display and keypad; the events of each exchange:"
	for method in pbc display keypad; do
		m0=$(mark 0)
		m1=$(mark 1)
		ok cli 0 p2p_prov_disc "${addr[1]}" "$method" || return 1
		ev1=$(wait_event 1 "$m1" 60 "P2P-PROV-DISC-") || return 1
		ev0=$(wait_event 0 "$m0" 60 "P2P-PROV-DISC-") || return 1
		note "  $method: instance 1 ${ev1#* }; instance 0 ${ev0#* }"
		nap 1
	done
	cli 0 p2p_stop_find >/dev/null
	cli 1 p2p_stop_find >/dev/null
	capture_stop
}

sc_invitation() {
	local m0 m1 ev0 ev1 gif0 gif1 id
	start_wpas 0 1 || return 1
	discover 0 1 || return 1
	capture_start invitation || return 1
	m0=$(mark 0)
	m1=$(mark 1)
	ok cli 0 p2p_connect "${addr[1]}" pbc persistent go_intent=15 || return 1
	wait_event 1 "$m1" 60 P2P-GO-NEG-REQUEST >/dev/null || return 1
	ok cli 1 p2p_connect "${addr[0]}" pbc persistent go_intent=0 || return 1
	note "1. persistent group formation: instance 0 p2p_connect ${addr[1]} pbc persistent go_intent=15,"
	note "   instance 1 (after P2P-GO-NEG-REQUEST, answered status 1) p2p_connect ${addr[0]} pbc persistent go_intent=0"
	ev0=$(wait_event 0 "$m0" 120 P2P-GROUP-STARTED) || return 1
	ev1=$(wait_event 1 "$m1" 120 P2P-GROUP-STARTED) || return 1
	gif0=$(group_field "$ev0" 1)
	gif1=$(group_field "$ev1" 1)
	note "   instance 0: P2P-GROUP-STARTED ${ev0#*P2P-GROUP-STARTED }"
	note "   instance 1: P2P-GROUP-STARTED ${ev1#*P2P-GROUP-STARTED }"
	ping_group "$gif0" "$gif1" || return 1
	m0=$(mark 0)
	m1=$(mark 1)
	cli 1 p2p_group_remove "$gif1" >/dev/null
	wait_event 1 "$m1" 30 P2P-GROUP-REMOVED >/dev/null || return 1
	cli 0 p2p_group_remove "$gif0" >/dev/null
	wait_event 0 "$m0" 30 P2P-GROUP-REMOVED >/dev/null || return 1
	note "2. both removed the group (client first)"
	id=$(cli 0 list_networks | awk -F'\t' '/P2P-PERSISTENT/ { print $1; exit }')
	[ -n "$id" ] || { log "no persistent group on instance 0"; return 1; }
	note "   persistent groups of instance 0:"
	cli 0 list_networks | sed 's/^/      /' >>"$work/$cap_name.notes"
	note "   persistent groups of instance 1:"
	cli 1 list_networks | sed 's/^/      /' >>"$work/$cap_name.notes"
	m0=$(mark 0)
	m1=$(mark 1)
	ok cli 1 p2p_listen || return 1
	nap 1
	ok cli 0 p2p_invite persistent="$id" peer="${addr[1]}" || return 1
	note "3. instance 1: p2p_listen (persistent_reconnect=1); instance 0: p2p_invite persistent=$id peer=${addr[1]}"
	ev0=$(wait_event 0 "$m0" 120 P2P-GROUP-STARTED) || return 1
	ev1=$(wait_event 1 "$m1" 120 P2P-GROUP-STARTED) || return 1
	gif0=$(group_field "$ev0" 1)
	gif1=$(group_field "$ev1" 1)
	note "   instance 0: $(wait_event 0 "$m0" 1 P2P-INVITATION-RESULT | cut -d' ' -f2-)"
	note "   instance 1: $(wait_event 1 "$m1" 1 P2P-INVITATION- | cut -d' ' -f2-)"
	note "   instance 0: P2P-GROUP-STARTED ${ev0#*P2P-GROUP-STARTED }"
	note "   instance 1: P2P-GROUP-STARTED ${ev1#*P2P-GROUP-STARTED }"
	ping_group "$gif0" "$gif1" || return 1
	m0=$(mark 0)
	m1=$(mark 1)
	cli 0 p2p_group_remove "$gif0" >/dev/null
	wait_event 0 "$m0" 30 P2P-GROUP-REMOVED >/dev/null || return 1
	wait_event 1 "$m1" 10 P2P-GROUP-REMOVED >/dev/null || cli 1 p2p_group_remove "$gif1" >/dev/null
	wait_event 1 "$m1" 30 P2P-GROUP-REMOVED >/dev/null || return 1
	note "4. the re-invoked group was removed, GO first"
	capture_stop keys
}

# hexstr STRING: the octets of STRING in hex.
hexstr() {
	local k h out=
	for ((k = 0; k < ${#1}; k++)); do
		printf -v h '%02x' "'${1:k:1}"
		out+=$h
	done
	printf '%s' "$out"
}
# label STRING: a DNS label (length octet and octets) in hex.
label() { printf '%02x%s' "${#1}" "$(hexstr "$1")"; }

sc_service_discovery() {
	local k j txt q m0 n total=0 ev
	start_wpas 0 1 || return 1
	: >"$work/services"
	# Bonjour: the README-P2P examples plus eight TXT records of ~280
	# octets each, so that the answer to "all services" exceeds 1400
	# octets and comes in GAS Comeback fragments.
	{
		echo "bonjour 0b5f6166706f766572746370c00c000c01 074578616d706c65c027"
		echo "bonjour 076578616d706c650b5f6166706f766572746370c00c001001 00"
		echo "bonjour 045f697070c00c000c01 094d795072696e746572c027"
		echo "bonjour 096d797072696e746572045f697070c00c001001 09747874766572733d311a70646c3d6170706c69636174696f6e2f706f7374736372797074"
		for k in 1 2 3 4 5 6 7 8; do
			txt=
			for j in 1 2 3 4 5; do
				txt+=$(label "key$k$j=$(printf 'v%.0s' {1..50})")
			done
			echo "bonjour $(label "wpas-vector-service-$k")$(label _wpasvector)$(label _tcp)c00c001001 $txt"
		done
		echo "upnp 10 uuid:6859dede-8574-59ab-9332-123456789012::upnp:rootdevice"
		echo "upnp 10 uuid:5566d33e-9774-09ab-4822-333456785632::upnp:rootdevice"
		echo "upnp 10 uuid:1122de4e-8574-59ab-9322-333456789044::urn:schemas-upnp-org:service:ContentDirectory:2"
		echo "upnp 10 uuid:6859dede-8574-59ab-9332-123456789012::urn:schemas-upnp-org:device:InternetGatewayDevice:1"
	} >"$work/services"
	while read -r -a q; do
		ok cli 1 p2p_service_add "${q[@]}" || return 1
		[ "${q[0]}" = bonjour ] && total=$((total + (${#q[1]} + ${#q[2]}) / 2))
	done <"$work/services"
	discover 0 1 || return 1
	# The responder only listens: in p2p_find it would leave the channel
	# between the GAS Initial Response and the Comeback Request.
	cli 1 p2p_stop_find >/dev/null
	ok cli 1 p2p_listen || return 1
	capture_start service-discovery || return 1
	note "instance 1 (responder) services, added with p2p_service_add (Bonjour query and RDATA octets: $total):"
	sed 's/^/    /' "$work/services" >>"$work/$cap_name.notes"
	note "instance 1 then stayed in p2p_listen; instance 0 (requester), still searching, queued four queries to ${addr[1]}:"
	m0=$(mark 0)
	n=0
	for q in "02000001" "02000101" "130001010b5f6166706f766572746370c00c000c01" "upnp 10 ssdp:all"; do
		# shellcheck disable=SC2086
		ev=$(cli 0 p2p_serv_disc_req "${addr[1]}" $q)
		note "    p2p_serv_disc_req ${addr[1]} $q -> $ev"
		n=$((n + 1))
	done
	local deadline=$((SECONDS + 180))
	until [ "$(count_events 0 "$m0" P2P-SERV-DISC-RESP)" -ge $n ]; do
		[ $SECONDS -lt $deadline ] || { log "only $(count_events 0 "$m0" P2P-SERV-DISC-RESP) of $n responses"; return 1; }
		nap 0.2
	done
	note "instance 0 got $n P2P-SERV-DISC-RESP events (below)."
	cli 0 p2p_stop_find >/dev/null
	cli 1 p2p_stop_find >/dev/null
	capture_stop
}

sc_autonomous_go_join() {
	local m0 m1 m2 ev gif0 gif1 gif2 pin=12345670
	start_wpas 0 1 2 || return 1
	capture_start autonomous-go-join || return 1
	m0=$(mark 0)
	ok cli 0 p2p_group_add || return 1
	ev=$(wait_event 0 "$m0" 60 P2P-GROUP-STARTED) || return 1
	gif0=$(group_field "$ev" 1)
	note "1. instance 0: p2p_group_add (autonomous GO): P2P-GROUP-STARTED ${ev#*P2P-GROUP-STARTED }"
	note "   GO interface $gif0 ($(cat /sys/class/net/"$gif0"/address)), passphrase $(gcli 0 "$gif0" p2p_get_passphrase)"
	m1=$(mark 1)
	ok cli 1 p2p_find type=social || return 1
	wait_event 1 "$m1" 90 "$(found "${addr[0]}")" >/dev/null || return 1
	note "2. instance 1: p2p_find type=social until P2P-DEVICE-FOUND ${addr[0]}"
	ok gcli 0 "$gif0" wps_pbc || return 1
	m1=$(mark 1)
	ok cli 1 p2p_connect "${addr[0]}" pbc join || return 1
	note "3. instance 0: wps_pbc on $gif0; instance 1: p2p_connect ${addr[0]} pbc join"
	ev=$(wait_event 1 "$m1" 120 P2P-GROUP-STARTED) || return 1
	gif1=$(group_field "$ev" 1)
	note "   instance 1: P2P-GROUP-STARTED ${ev#*P2P-GROUP-STARTED }"
	note "   client interface $gif1 ($(cat /sys/class/net/"$gif1"/address))"
	ping_group "$gif0" "$gif1" || return 1
	m2=$(mark 2)
	ok cli 2 p2p_find type=social || return 1
	wait_event 2 "$m2" 90 "$(found "${addr[0]}")" >/dev/null || return 1
	note "4. instance 2: p2p_find type=social until P2P-DEVICE-FOUND ${addr[0]} (the GO's Probe Responses"
	note "   now carry a P2P Group Info with instance 1 as client)"
	gcli 0 "$gif0" wps_pin any "$pin" >/dev/null
	m2=$(mark 2)
	ok cli 2 p2p_connect "${addr[0]}" "$pin" join || return 1
	note "5. instance 0: wps_pin any $pin on $gif0; instance 2: p2p_connect ${addr[0]} $pin join"
	ev=$(wait_event 2 "$m2" 120 P2P-GROUP-STARTED) || return 1
	gif2=$(group_field "$ev" 1)
	note "   instance 2: P2P-GROUP-STARTED ${ev#*P2P-GROUP-STARTED }"
	note "   client interface $gif2 ($(cat /sys/class/net/"$gif2"/address))"
	ping_group "$gif0" "$gif2" || return 1
	capture_stop keys

	# Presence request, device discoverability, extended listen, GO teardown.
	local r
	capture_start presence-discoverability || return 1
	m1=$(mark 1)
	r=$(gcli 1 "$gif1" p2p_presence_req)
	ev=$(wait_event 1 "$m1" 20 P2P-PRESENCE-RESPONSE) || ev="(no P2P-PRESENCE-RESPONSE)"
	note "1. instance 1 (client): p2p_presence_req -> $r; ${ev#* }"
	m1=$(mark 1)
	r=$(gcli 1 "$gif1" p2p_presence_req 50000 102400 40000 102400)
	ev=$(wait_event 1 "$m1" 20 P2P-PRESENCE-RESPONSE) || ev="(no P2P-PRESENCE-RESPONSE)"
	note "   instance 1: p2p_presence_req 50000 102400 40000 102400 -> $r; ${ev#* }"
	m2=$(mark 2)
	cli 2 p2p_group_remove "$gif2" >/dev/null
	wait_event 2 "$m2" 30 P2P-GROUP-REMOVED >/dev/null || return 1
	note "2. instance 2 left the group (p2p_group_remove: Deauthentication from the client)"
	cli 2 p2p_flush >/dev/null
	m1=$(mark 1)
	m2=$(mark 2)
	ok cli 2 p2p_find type=social || return 1
	if wait_event 2 "$m2" 60 "$(found "${addr[1]}")" >/dev/null; then
		note "3. instance 2: p2p_flush, p2p_find until P2P-DEVICE-FOUND ${addr[1]} (instance 1, known from"
		note "   the GO's Group Info), then p2p_connect ${addr[1]} pbc."
		# wpa_supplicant asks the GO for device discoverability only when
		# the client does not acknowledge the direct GO Negotiation
		# Request: put radio 1 in hwsim power save (it receives nothing)
		# until instance 2 has sent the Device Discoverability Request.
		local phy psf off
		phy=$(cat /sys/class/net/"${ifs[1]}"/phy80211/name)
		psf=/sys/kernel/debug/ieee80211/$phy/hwsim/ps
		off=$(stat -c %s "$rundir/log2")
		if [ -w "$psf" ] && echo 1 >"$psf"; then
			note "   Radio ${ifs[1]} ($phy) was put in mac80211_hwsim power save (debugfs hwsim/ps=1) so that it"
			note "   did not acknowledge the direct GO Negotiation Request;"
		else
			note "   (no hwsim debugfs ps control: the client may answer directly, without device discoverability)"
			psf=
		fi
		r=$(cli 2 p2p_connect "${addr[1]}" pbc)
		note "   p2p_connect -> $r"
		local deadline=$((SECONDS + 40))
		while [ -n "$psf" ] && [ $SECONDS -lt $deadline ]; do
			tail -c +"$((off + 1))" "$rundir/log2" | grep -q 'Sending Device Discoverability Request' && break
			nap 0.1
		done
		if [ -n "$psf" ]; then
			echo 0 >"$psf"
			note "   power save ended (ps=0) once instance 2 had sent the Device Discoverability Request to the GO."
		fi
		if ev=$(wait_event 1 "$m1" 45 P2P-GO-NEG-REQUEST); then
			note "   instance 1: ${ev#* }"
		else
			note "   instance 1 reported no P2P-GO-NEG-REQUEST within 45 s"
		fi
		nap 1
		tail -c +"$((off + 1))" "$rundir/log2" |
			grep -E 'Device Discoverability (Request|Response)|Client discoverability|did not acknowledge' |
			sed 's/^/   instance 2 log: /' >>"$work/$cap_name.notes"
		cli 2 p2p_cancel >/dev/null
	else
		note "3. instance 2 did not find instance 1 through the GO's Group Info: device discoverability skipped"
	fi
	cli 2 p2p_stop_find >/dev/null
	m0=$(mark 0)
	ok cli 2 p2p_ext_listen 100 1000 || return 1
	ok cli 2 p2p_listen 10 || true
	ok cli 0 p2p_find 8 type=social || return 1
	if wait_event 0 "$m0" 30 "$(found "${addr[2]}")" >/dev/null; then
		note "4. instance 2: p2p_ext_listen 100 1000, p2p_listen 10; instance 0 (the GO's P2P Device):"
		note "   p2p_find 8 type=social found it (Probe Responses with Extended Listen Timing)"
	else
		note "4. instance 0 did not find instance 2 after p2p_ext_listen"
	fi
	cli 0 p2p_stop_find >/dev/null
	cli 2 p2p_ext_listen >/dev/null
	nap 1
	m0=$(mark 0)
	m1=$(mark 1)
	cli 0 p2p_group_remove "$gif0" >/dev/null
	wait_event 0 "$m0" 30 P2P-GROUP-REMOVED >/dev/null || return 1
	wait_event 1 "$m1" 10 P2P-GROUP-REMOVED >/dev/null || cli 1 p2p_group_remove "$gif1" >/dev/null
	note "5. instance 0 removed the group (Deauthentication to instance 1)"
	capture_stop
}

for s in "${scenarios[@]}"; do
	fn=sc_${s//-/_}
	declare -F "$fn" >/dev/null || { log "unknown scenario $s (known: ${all[*]})"; exit 2; }
	t=$EPOCHREALTIME
	log "=== $s"
	if "$fn"; then
		log "=== $s done in $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"
	else
		log "=== $s FAILED"
		failed+=("$s")
		if [ -n "${tcpdump_pid:-}" ]; then
			kill -INT "$tcpdump_pid" 2>/dev/null
			wait "$tcpdump_pid" 2>/dev/null
			tcpdump_pid=
		fi
		for i in "${running[@]}"; do
			log "--- events of instance $i (last 40, without scan events)"
			grep -v CTRL-EVENT-SCAN "$rundir/events$i" | tail -n 40 >&2
		done
		if [ -n "${CAPTURE_KEEP:-}" ]; then # debugging: keep logs, events and partial pcaps
			mkdir -p "$CAPTURE_KEEP/$s"
			cp -r "$rundir"/log* "$rundir"/events* "$work"/*.pcap "$CAPTURE_KEEP/$s/" 2>/dev/null
			xz -T1 "$CAPTURE_KEEP/$s"/log* 2>/dev/null
		fi
	fi
	stop_wpas
done

log "script time $(awk -v a="$script_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s (guest was up ${boot_s}s at start)"
if [ ${#failed[@]} -gt 0 ]; then
	log "FAILED: ${failed[*]}"
	exit 1
fi
log "PASS: ${scenarios[*]}"
