#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Which rule dropped the ECS agent's traffic, for every backend and cause:
# backend, table, chain, rule (index and text, or handle) or policy,
# verdict, attribution source, exactness, and a fix command that, once
# applied, lets the task's request through.
source "$(dirname "$0")/lib.sh"
require_root

# The ECS task's event: the flood's packets come from another address.
TASK_EVENT='select(.src == "169.254.172.2")'

field() {
	jq -c -r "$TASK_EVENT | $2" "$1" | head -n1
}

# The guest suite's cases: the ECS host's commonest hardenings, a DROP
# policy and a trailing DROP rule, on each backend.
GUEST_CASES="iptables-legacy/policy iptables-legacy/trailing-drop
	iptables-nft/policy iptables-nft/trailing-drop nft/policy nft/trailing-drop"

# case BACKEND CAUSE TABLE CHAIN INDEX TEXT_GLOB VERDICT ATTRIBUTION
# INDEX 0 means the chain policy (rule null).
check_case() {
	local backend=$1 cause=$2 table=$3 chain=$4 index=$5 text=$6
	local verdict=$7 source=$8 out="$WORK/$1-$2.json" label="$1/$2" fix

	in_suite "$label" "$GUEST_CASES" || return 0
	if ! "$ECS_SIM" up --backend "$backend" --cause "$cause" >/dev/null 2>"$WORK/up.err"; then
		echo "ok $((TAP_COUNT += 1)) # SKIP $label: $(head -n1 "$WORK/up.err")"
		return
	fi
	start_dropwhy "$out" --json --netns dwhost || { tap_ok 1 "$label: dropwhy attached"; return; }
	"$ECS_SIM" fetch --timeout 1 >/dev/null 2>&1
	wait_lines "$out" 1 3
	stop_dropwhy
	local want_backend=$backend
	[[ $backend == nft* ]] && want_backend=nftables
	tap_is "$(field "$out" .backend)" "$want_backend" "$label: backend"
	tap_is "$(field "$out" .table)" "$table" "$label: table"
	tap_is "$(field "$out" .chain)" "$chain" "$label: chain"
	if ((index == 0)); then
		tap_is "$(field "$out" .rule)" null "$label: no rule, the policy"
	elif [[ $backend == nft* ]]; then
		tap_like "$(field "$out" .rule.handle)" "[0-9]*" "$label: rule handle"
		tap_like "$(field "$out" .rule.text)" "$text" "$label: rule text"
	else
		tap_is "$(field "$out" .rule.index)" "$index" "$label: rule index"
		tap_like "$(field "$out" .rule.text)" "$text" "$label: rule text"
	fi
	tap_is "$(field "$out" .verdict)" "$verdict" "$label: verdict"
	tap_is "$(field "$out" .attribution)" "$source" "$label: attribution source"
	tap_is "$(field "$out" .exact)" true "$label: exact"
	# In the filter table the packet is dropped after the DNAT.
	[[ $table == filter ]] && check_packet field "$out" "$label" NETFILTER_DROP

	# The fix, applied by hand in the host namespace, must let it through.
	fix=$(field "$out" .fix)
	if [[ $table == nat ]]; then
		tap_like "$fix" "nft delete rule *" "$label: the fix deletes the nat rule"
	else
		tap_like "$fix" "*[Aa][Cc][Cc][Ee][Pp][Tt]" "$label: a fix command is printed"
	fi
	[[ $fix == null || -z $fix ]] && return
	ip netns exec dwhost sh -c "$fix" >/dev/null 2>&1
	"$ECS_SIM" fetch --timeout "$(scaled 2)" >/dev/null 2>&1
	tap_ok $? "$label: after the fix the task's request succeeds"
}

for backend in iptables-legacy iptables-nft; do
	src=kernel-counters
	check_case $backend policy filter INPUT 0 "" "policy DROP" $src
	check_case $backend trailing-drop filter INPUT 4 "-A INPUT -j DROP" "rule DROP" $src
	check_case $backend jump-drop filter CIS-DENY 1 "-A CIS-DENY -j DROP" "rule DROP" $src
	check_case $backend reject filter INPUT 4 "-A INPUT -p tcp -j REJECT*" "rule REJECT" $src
	check_case $backend iface-drop filter INPUT 4 "-A INPUT -i ecs-bridge -j DROP" "rule DROP" $src
	check_case $backend raw-drop raw PREROUTING 1 "-A PREROUTING -i ecs-bridge*-j DROP" "rule DROP" $src
	check_case $backend log-before filter INPUT 0 "" "policy DROP" $src
	# iptables refuses DROP in the nat table: reported as a skip.
	check_case $backend nat-drop nat PREROUTING 1 "*-j DROP" "rule DROP" $src
done

# Native nftables, every rule with a counter: rules from kernel counters;
# the policy has no counter, so the packet is evaluated against the rules.
check_case nft policy filter input 0 "" "policy DROP" match
check_case nft trailing-drop filter input 4 "*drop" "rule DROP" kernel-counters
check_case nft jump-drop filter cis-deny 1 "*drop" "rule DROP" kernel-counters
check_case nft reject filter input 4 "*reject*" "rule REJECT" kernel-counters
check_case nft iface-drop filter input 4 "iifname \"ecs-bridge\"*drop" "rule DROP" kernel-counters
check_case nft raw-drop raw prerouting 1 "*drop" "rule DROP" kernel-counters
check_case nft log-before filter input 0 "" "policy DROP" match
# nat chains run from the NAT core's hook, not nft_do_chain's: the rule's
# counter moving between snapshots names it.
check_case nft nat-drop nat prerouting 1 "*drop" "rule DROP" counters

# No counters anywhere: the packet evaluated against the ruleset.
for cause in policy trailing-drop jump-drop reject iface-drop raw-drop log-before; do
	case $cause in
	policy | log-before) check_case nft-nocounter $cause filter input 0 "" "policy DROP" match ;;
	trailing-drop) check_case nft-nocounter $cause filter input 4 "drop" "rule DROP" match ;;
	jump-drop) check_case nft-nocounter $cause filter cis-deny 1 "drop" "rule DROP" match ;;
	reject) check_case nft-nocounter $cause filter input 4 "*reject*" "rule REJECT" match ;;
	iface-drop) check_case nft-nocounter $cause filter input 4 "*drop" "rule DROP" match ;;
	raw-drop) check_case nft-nocounter $cause raw prerouting 1 "*drop" "rule DROP" match ;;
	esac
done
# Both iptables backends loaded at once, each with a dropping entry at the
# filter INPUT priority: the one that really dropped the packet is named.
check_coexisting() {
	local owner=$1 other=$2 out="$WORK/coexist-$1.json" label="$1 beside $2"

	in_suite "$label" "$GUEST_CASES" || return 0
	"$ECS_SIM" up --backend "$owner" --cause trailing-drop >/dev/null
	# The other backend drops only UDP, and its policy accepts.
	ip netns exec dwhost "$other" -A INPUT -p udp -j DROP
	start_dropwhy "$out" --json --netns dwhost || { tap_ok 1 "$label: attached"; return; }
	"$ECS_SIM" fetch --timeout 1 >/dev/null 2>&1
	wait_lines "$out" 1 3
	stop_dropwhy
	tap_is "$(field "$out" .backend)" "$owner" "$label: backend"
	tap_is "$(field "$out" .rule.text)" "-A INPUT -j DROP" "$label: rule"
	tap_is "$(field "$out" .exact)" true "$label: exact"
}
# Kernels without BPF netfilter links have no sentinels: --no-hooks does
# the same here. The hook is then unknown; counter deltas between
# snapshots still name the rule.
check_without_hooks() {
	local backend=$1 out="$WORK/nohooks-$1.json" label="$1 without sentinels"

	in_suite "$label" "$GUEST_CASES" || return 0
	"$ECS_SIM" up --backend "$backend" --cause trailing-drop >/dev/null
	start_dropwhy "$out" --json --netns dwhost --no-hooks || { tap_ok 1 "$label: attached"; return; }
	"$ECS_SIM" fetch --timeout 1 >/dev/null 2>&1
	wait_lines "$out" 1 3
	stop_dropwhy
	tap_is "$(field "$out" .hook)" null "$label: no hook"
	tap_is "$(field "$out" .rule.index)" 4 "$label: rule"
	tap_is "$(field "$out" .attribution)" counters "$label: from counter deltas"
	tap_is "$(field "$out" .exact)" true "$label: exact"
}
check_without_hooks iptables-legacy
check_without_hooks iptables-nft

check_coexisting iptables-legacy iptables-nft
check_coexisting iptables-nft iptables-legacy

# Two dropwhy at once (a monitoring agent and an SRE's ad-hoc run):
# netfilter holds one BPF program per priority, so the second one's
# sentinels move a little earlier, and both name the rule exactly.
check_two_tracers() {
	local first="$WORK/two-first.json" second="$WORK/two-second.json"
	local label="two dropwhy at once" pid out

	in_suite "$label" "$GUEST_CASES" || return 0
	"$ECS_SIM" up --backend iptables-nft --cause trailing-drop >/dev/null
	start_dropwhy "$first" -v --json --netns dwhost --duration "$(scaled 20)" ||
		{ tap_ok 1 "$label: the first attached"; return; }
	# The first runs on by itself: DW_PID is the second's from here.
	pid=$DW_PID
	DW_PID=""
	start_dropwhy "$second" -v --json --netns dwhost ||
		{ tap_ok 1 "$label: the second attached"; kill -INT "$pid"; wait "$pid"; return; }
	"$ECS_SIM" fetch --timeout 1 >/dev/null 2>&1
	wait_lines "$second" 1 3
	wait_lines "$first" 1 3
	stop_dropwhy
	kill -INT "$pid"
	wait "$pid"
	tap_is $? 0 "$label: the first exits 0"
	for out in "$first" "$second"; do
		! grep -q 'cannot place netfilter sentinels' "$out.err"
		tap_ok $? "$label, ${out##*two-}: no sentinel refused"
		tap_is "$(field "$out" .rule.text)" "-A INPUT -j DROP" \
			"$label, ${out##*two-}: rule"
		tap_is "$(field "$out" .attribution)" kernel-counters \
			"$label, ${out##*two-}: from kernel counters"
		tap_is "$(field "$out" .exact)" true "$label, ${out##*two-}: exact"
	done
	if grep -q 'debug: sentinel:' "$first.err"; then
		tap_like "$(grep -m1 'debug: sentinel: ipv4 hook 1 slot 0' "$second.err")" \
			"*at priority -2,*" "$label: the second sentinel sits one priority earlier"
	fi
}
check_two_tracers
tap_done
