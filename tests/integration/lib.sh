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

# Which cases run: "full" (the default), or "guest", the cases that fit the
# time of a guest kernel under CPU emulation (scripts/vmtest.sh sets it).
DW_SUITE=${DW_SUITE:-full}
# Waits for the system under test (dropwhy attaching, events arriving, a
# request getting through) are multiplied by DW_TIME_SCALE, a whole number:
# scripts/vmtest.sh raises it under CPU emulation. What is asserted stays
# the same; only the patience grows.
DW_TIME_SCALE=${DW_TIME_SCALE:-1}

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

# guest_suite: 0 when only the guest suite's cases run.
guest_suite() {
	[[ $DW_SUITE == guest ]]
}

# full_suite_only: end this test file as skipped in the guest suite.
full_suite_only() {
	if guest_suite; then
		echo "1..0 # SKIP not in the guest suite (DW_SUITE=guest)"
		exit 0
	fi
}

# in_suite LABEL CASES: 0 when the case LABEL runs: always in the full
# suite, in the guest suite when the whitespace-separated CASES name it.
in_suite() {
	! guest_suite || [[ " ${2//[[:space:]]/ } " == *" $1 "* ]]
}

# check_settings: a mistyped DW_SUITE or DW_TIME_SCALE stops the file
# rather than quietly running another selection or other waits.
check_settings() {
	if [[ $DW_SUITE != full && $DW_SUITE != guest ]]; then
		echo "Bail out! DW_SUITE must be full or guest, not '$DW_SUITE'"
		exit 1
	fi
	if [[ ! $DW_TIME_SCALE =~ ^[1-9][0-9]*$ ]]; then
		echo "Bail out! DW_TIME_SCALE must be a whole number >= 1, not '$DW_TIME_SCALE'"
		exit 1
	fi
}

# scaled SECONDS: SECONDS (at most one decimal) times DW_TIME_SCALE, as
# seconds with one decimal.
scaled() {
	local tenths
	tenths=$(scaled_tenths "$1")
	printf '%d.%d\n' $((tenths / 10)) $((tenths % 10))
}

# scaled_tenths SECONDS: the same in tenths of a second.
scaled_tenths() {
	local whole=${1%.*} tenth=0
	[[ $1 == *.* ]] && tenth=${1#*.}
	echo $(((${whole:-0} * 10 + tenth) * DW_TIME_SCALE))
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
	local out=$1 tenths i
	shift
	: >"$out.err"
	"$DROPWHY" "$@" >"$out" 2>"$out.err" &
	DW_PID=$!
	tenths=$(scaled_tenths 10)
	for ((i = 0; i < tenths; i++)); do
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
# SECONDS are scaled by DW_TIME_SCALE.
wait_lines() {
	local file=$1 want=$2 tenths i
	tenths=$(scaled_tenths "$3")
	for ((i = 0; i < tenths; i++)); do
		(($(wc -l <"$file") >= want)) && return 0
		sleep 0.1
	done
	return 1
}

# check_packet GET OUT LABEL REASON: the facts of the ECS task's dropped
# request after the host's DNAT: the kernel's reason, the interface it came
# in on, the packet as dropped and as the task sent it. GET OUT KEY reads
# KEY of the event checked (json_field, or a test's own selection).
check_packet() {
	local get=$1 out=$2 label=$3 reason=$4

	tap_is "$($get "$out" .reason)" "$reason" "$label: reason"
	tap_is "$($get "$out" .in)" ecs-bridge "$label: in"
	tap_is "$($get "$out" '"\(.dst):\(.dport)"')" 127.0.0.1:51679 \
		"$label: dst after DNAT"
	tap_is "$($get "$out" '"\(.orig_dst):\(.orig_dport)"')" 169.254.170.2:80 \
		"$label: conntrack original dst"
	tap_is "$($get "$out" .proto)" tcp "$label: proto"
}

# btf_dump NAME: bpftool's listing of the running kernel's BTF NAME
# (vmlinux, or a module's under /sys/kernel/btf; empty when absent), as a
# file. vmlinux is listed once per test file; modules come and go.
btf_dump() {
	local dump="$WORK/btf-$1.txt"
	[[ $1 == vmlinux && -s $dump ]] && { echo "$dump"; return; }
	if [[ $1 == vmlinux ]]; then
		bpftool btf dump file /sys/kernel/btf/vmlinux
	elif [[ -e /sys/kernel/btf/$1 ]]; then
		bpftool -B /sys/kernel/btf/vmlinux btf dump file "/sys/kernel/btf/$1"
	fi >"$dump" 2>/dev/null
	echo "$dump"
}

# kernel_has_struct NAME: 0 when the kernel's BTF defines struct NAME.
kernel_has_struct() {
	grep -q "^\[[0-9]*\] STRUCT '$1' " "$(btf_dump vmlinux)"
}

# kernel_has_enum_value NAME: 0 when a kernel BTF enum has the value NAME.
kernel_has_enum_value() {
	grep -q "^[[:space:]]*'$1' val=" "$(btf_dump vmlinux)"
}

# kernel_has_func NAME [MODULE]: 0 when the kernel's BTF, or that of
# MODULE if it is loaded, has the function NAME.
kernel_has_func() {
	local btf
	for btf in vmlinux ${2:+"$2"}; do
		grep -q "^\[[0-9]*\] FUNC '$1' " "$(btf_dump "$btf")" && return 0
	done
	return 1
}

# json_field FILE KEY: KEY of the first JSON line in FILE (jq syntax).
json_field() {
	head -n1 "$1" | jq -c -r "$2"
}

check_settings
trap cleanup EXIT
