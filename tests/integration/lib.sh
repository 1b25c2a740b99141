#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shared by the integration tests: TAP output, the simulated ECS host, and
# running dropwhy in the background until it has seen what a test needs.
# Every test is a bash script printing TAP, run by prove. They need root.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DROPWHY="$ROOT/dropwhy"
ECS_SIM="$ROOT/scripts/ecs-sim.sh"
WORK=$(mktemp -d /tmp/dw-test.XXXXXX)
TAP_COUNT=0
TAP_FAILED=0
DW_PID=""

tap_ok() {
	local cond=$1
	shift
	TAP_COUNT=$((TAP_COUNT + 1))
	if [[ $cond == 0 ]]; then
		echo "ok $TAP_COUNT - $*"
	else
		echo "not ok $TAP_COUNT - $*"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

# tap_is GOT WANT NAME
tap_is() {
	local got=$1 want=$2
	shift 2
	[[ $got == "$want" ]]
	tap_ok $? "$*"
	[[ $got == "$want" ]] || printf '#   got: %s\n#  want: %s\n' "$got" "$want"
}

# tap_like GOT GLOB NAME
tap_like() {
	local got=$1 pattern=$2
	shift 2
	# shellcheck disable=SC2053
	[[ $got == $pattern ]]
	tap_ok $? "$*"
	# shellcheck disable=SC2053
	[[ $got == $pattern ]] || printf '#   got: %s\n#  want like: %s\n' "$got" "$pattern"
}

tap_diag() {
	sed 's/^/# /' "$@"
}

tap_done() {
	echo "1..$TAP_COUNT"
	((TAP_FAILED == 0))
}

require_root() {
	if ((EUID != 0)); then
		echo "1..0 # SKIP integration tests need root (network namespaces, BPF)"
		exit 0
	fi
}

cleanup() {
	stop_dropwhy
	"$ECS_SIM" down >/dev/null 2>&1 || true
	rm -rf "$WORK"
}

# start_dropwhy OUT ARGS...: run dropwhy in the background, stdout to OUT,
# stderr to OUT.err; return once it says it is attached (or fail).
start_dropwhy() {
	local out=$1 i
	shift
	: >"$out.err"
	"$DROPWHY" "$@" >"$out" 2>"$out.err" &
	DW_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '^dropwhy: attached' "$out.err" && return 0
		kill -0 "$DW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# dropwhy did not attach:"
	tap_diag "$out.err"
	stop_dropwhy
	return 1
}

# stop_dropwhy: SIGINT our dropwhy and reap it; its status in DW_STATUS.
stop_dropwhy() {
	DW_STATUS=""
	[[ -n $DW_PID ]] || return 0
	kill -INT "$DW_PID" 2>/dev/null
	wait "$DW_PID"
	DW_STATUS=$?
	DW_PID=""
}

# wait_lines FILE N SECONDS: until FILE has N lines; 0 if it got them.
wait_lines() {
	local file=$1 want=$2 tenths=$(($3 * 10)) i
	for ((i = 0; i < tenths; i++)); do
		(($(wc -l <"$file") >= want)) && return 0
		sleep 0.1
	done
	return 1
}

# json_field FILE KEY: KEY of the first JSON line in FILE (jq syntax).
json_field() {
	head -n1 "$1" | jq -c -r "$2"
}

trap cleanup EXIT
