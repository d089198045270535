#!/usr/bin/env bash
# Builds the test binaries of every package that has tests against the real
# kernel (TestHwsim*, gated by P2P_HWSIM=1) and runs them all in one
# mac80211_hwsim VM (../shared/hwsim/vm-run), since each VM boot costs ~8 s
# under emulation. Fails loudly if the VM cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

vmrun=${VM_RUN:-}
if [ -z "$vmrun" ]; then
	for c in "$top/../shared/hwsim/vm-run" /work/shared/hwsim/vm-run; do
		[ -f "$c" ] && { vmrun=$c; break; }
	done
fi
[ -n "$vmrun" ] || { echo "vm-tests: FAIL: ../shared/hwsim/vm-run not found (set VM_RUN)" >&2; exit 1; }

bin=$top/.vmtest
rm -rf "$bin"; mkdir -p "$bin"
trap 'rm -rf "$bin"' EXIT

pkgs=()
for pkg in $(go list ./...); do
	tests=$(go test -list '^TestHwsim' "$pkg" 2>/dev/null || true)
	if grep -q '^TestHwsim' <<<"$tests"; then pkgs+=("$pkg"); fi
done
if [ ${#pkgs[@]} -eq 0 ]; then
	echo "vm-tests: no package has TestHwsim tests"; exit 0
fi
for pkg in "${pkgs[@]}"; do
	name=$(echo "${pkg#github.com/p2pmanager/p2pmanager/}" | tr / _)
	go test -c -o "$bin/$name.test" "$pkg"
	echo "$name" >>"$bin/list"
done

cat >"$bin/run-all.sh" <<'EOS'
#!/bin/bash
# Runs inside the VM: each test binary in its own package directory.
set -u
bin=$(dirname "$0")
top=$(dirname "$bin")
status=0
echo "vm: kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime)s, radios: $(ls /sys/class/ieee80211 | tr '\n' ' ')"
while read -r name; do
	dir=$top/$(echo "$name" | tr _ /)
	echo "=== VM package $name"
	start=$EPOCHREALTIME
	log=$bin/$name.log
	if (cd "$dir" && P2P_HWSIM=1 "$bin/$name.test" -test.v -test.count=1 -test.run '^TestHwsim' -test.timeout 20m) 2>&1 | tee "$log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
		echo "--- VM package $name ok in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"
	else
		# Emulated radios under a loaded host: a failed test runs once
		# more, alone. It is reported as FLAKY when it then passes, and
		# the package fails when it fails again.
		failed=$(sed -n 's/^--- FAIL: \(TestHwsim[A-Za-z0-9_]*\).*/\1/p' "$log" | sort -u | paste -sd'|')
		if [ -n "$failed" ] && (cd "$dir" && P2P_HWSIM=1 "$bin/$name.test" -test.v -test.count=1 -test.run "^($failed)\$" -test.timeout 20m); then
			echo "--- VM package $name ok after a retry; FLAKY: $failed"
		else
			echo "--- VM package $name FAILED"; status=1
		fi
	fi
done <"$bin/list"
exit $status
EOS
chmod +x "$bin/run-all.sh"

start=$SECONDS
set +e
P2P_HWSIM=1 bash "$vmrun" --radios 3 --timeout 2400 --mem 2048 -- "$bin/run-all.sh"
rc=$?
set -e
echo "vm-tests: VM run took $((SECONDS - start))s, exit $rc"
case $rc in
0) ;;
124) echo "vm-tests: FAIL: the VM timed out" >&2; exit 1 ;;
125) echo "vm-tests: FAIL: the VM could not start (see above); VM tests did NOT run" >&2; exit 1 ;;
*) echo "vm-tests: FAIL: tests failed in the VM" >&2; exit 1 ;;
esac
