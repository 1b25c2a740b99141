#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attribution under load: while another namespace floods the same dropping
# rule (bounded: a few seconds at a few thousand packets per second), the
# task's own drop must still be attributed to the right rule, exactly.
source "$(dirname "$0")/lib.sh"
require_root
full_suite_only

FLOOD_PID=""
stop_flood() {
	[[ -n $FLOOD_PID ]] && { wait "$FLOOD_PID" 2>/dev/null; FLOOD_PID=""; }
}
trap 'stop_flood; cleanup' EXIT

field() {
	jq -c -r 'select(.src == "169.254.172.2") | '"$2" "$1" | head -n1
}

# noisy BACKEND CAUSE CHAIN VERDICT ATTRIBUTION
noisy() {
	local backend=$1 cause=$2 chain=$3 verdict=$4 source=$5
	local out="$WORK/$1-$2.json" label="$1/$2 under flood" flood_log="$WORK/flood.log"

	"$ECS_SIM" up --backend "$backend" --cause "$cause" >/dev/null
	start_dropwhy "$out" --json --netns dwhost || { tap_ok 1 "$label: attached"; return; }
	"$ECS_SIM" flood --seconds 3 --pps 5000 >"$flood_log" 2>&1 &
	FLOOD_PID=$!
	sleep 0.5
	"$ECS_SIM" fetch --timeout 1 >/dev/null 2>&1
	stop_flood
	sleep 0.3
	stop_dropwhy
	tap_ok $(($(jq -s 'length' "$out") < 1000)) "$label: the flood was seen ($(jq -s length "$out") events)"
	tap_is "$(field "$out" .chain)" "$chain" "$label: chain"
	tap_is "$(field "$out" .verdict)" "$verdict" "$label: verdict"
	tap_is "$(field "$out" .attribution)" "$source" "$label: attribution source"
	tap_is "$(field "$out" .exact)" true "$label: exact"
	grep -q "events lost" "$out.err" && tap_diag "$out.err"
}

noisy iptables-legacy trailing-drop INPUT "rule DROP" kernel-counters
noisy iptables-legacy policy INPUT "policy DROP" kernel-counters
noisy iptables-nft trailing-drop INPUT "rule DROP" kernel-counters
noisy iptables-nft policy INPUT "policy DROP" kernel-counters
noisy nft trailing-drop input "rule DROP" kernel-counters
tap_done
