#!/usr/bin/env bash
# Runs every fuzz target of the module for a while and prints one line per
# target with its execution count (the figures for closing notes).
#
#   scripts/fuzz-all.sh [FUZZTIME] [JOBS] [PACKAGE...]   e.g. scripts/fuzz-all.sh 10m 2 ./supplicant/...
#
# JOBS targets run at once, each with -parallel 1.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10m}
jobs=${2:-2}
shift $(($# < 2 ? $# : 2))
[ $# -gt 0 ] || set -- ./...
out=${FUZZ_LOG_DIR:-$(mktemp -d /tmp/fuzz.XXXXXX)}
mkdir -p "$out"
targets=()
for pkg in $(go list "$@"); do
	for t in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do targets+=("$pkg $t"); done
done
echo "fuzz-all: ${#targets[@]} targets, $fuzztime each, $jobs at a time, logs in $out"
run() {
	local pkg=$1 t=$2 log
	log="$out/$(basename "$pkg").$t.log"
	if go test -run '^$' -fuzz "^$t\$" -fuzztime "$fuzztime" -parallel 1 "$pkg" >"$log" 2>&1; then
		echo "ok   $pkg $t: $(grep -o 'execs: [0-9]*' "$log" | tail -n 1)"
	else
		echo "FAIL $pkg $t (see $log)"; tail -n 20 "$log"
	fi
}
export -f run
export fuzztime out
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -L 1 bash -c 'run $0 $1'
