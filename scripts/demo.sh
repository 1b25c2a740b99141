#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CIS-hardened ECS host in one command: build the simulated host with
# its broken firewall, trace it with dropwhy, let the task fetch its
# credentials, show what dropwhy says, and tear everything down.
#   scripts/demo.sh [BACKEND [CAUSE]]   (defaults: iptables-nft policy)
set -euo pipefail
cd "$(dirname "$0")/.."

backend=${1:-iptables-nft}
cause=${2:-policy}
log=$(mktemp /tmp/dw-demo.XXXXXX)
dropwhy_pid=""

finish() {
	[[ -n $dropwhy_pid ]] && kill -INT "$dropwhy_pid" 2>/dev/null && wait "$dropwhy_pid" || true
	scripts/ecs-sim.sh down >/dev/null 2>&1 || true
	rm -f "$log" "$log.out"
}
trap finish EXIT

if ((EUID != 0)); then
	echo "demo: error: needs root (network namespaces, BPF): run 'sudo make demo'" >&2
	exit 1
fi

echo "== simulated ECS host: backend $backend, cause $cause"
scripts/ecs-sim.sh up --backend "$backend" --cause "$cause"

echo "== dropwhy --netns dwhost (tracing the host's firewall)"
./dropwhy --netns dwhost 2>"$log" >"$log.out" &
dropwhy_pid=$!
for _ in $(seq 50); do
	grep -q attached "$log" && break
	sleep 0.1
done
cat "$log"

echo "== the task fetches http://169.254.170.2/v2/credentials"
scripts/ecs-sim.sh fetch --timeout 2 >/dev/null 2>&1 || echo "(the fetch failed, as on the broken host)"
sleep 0.3
kill -INT "$dropwhy_pid"
wait "$dropwhy_pid" || true
dropwhy_pid=""
cat "$log.out"
tail -n +2 "$log"

# What an SRE does next, by hand: run the printed fix on the host.
fix=$(grep -m1 -o '; fix: .*' "$log.out" | sed 's/^; fix: //' || true)
if [[ -n $fix ]]; then
	echo "== applying the printed fix on the host, as an SRE would: $fix"
	ip netns exec dwhost sh -c "$fix"
	if scripts/ecs-sim.sh fetch --timeout 2 >/dev/null 2>&1; then
		echo "== the task's credentials fetch now succeeds"
	else
		echo "== the fetch still fails"
	fi
fi
