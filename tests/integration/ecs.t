#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ECS credentials path on a simulated host, for every cause on both
# iptables backends: dropwhy must report the drop with the right reason,
# interface, both addresses and cause, and stay silent when nothing drops.
source "$(dirname "$0")/lib.sh"
require_root

# fetch_status: 0 when the task's credentials request succeeds.
fetch_status() {
	"$ECS_SIM" fetch --timeout "${1:-1}" >/dev/null 2>&1
}

# The guest suite's cases: the causes the kernel reports on its own (no
# firewall rule) and the repaired host; attribution.t covers the rest.
GUEST_CASES="iptables-nft/route-localnet iptables-nft/no-agent iptables-nft/fixed"

# check_drop BACKEND CAUSE REASON CAUSE_GLOB
check_drop() {
	local backend=$1 cause=$2 reason=$3 glob=$4 out="$WORK/$1-$2.json"
	local label="$backend/$cause"

	in_suite "$label" "$GUEST_CASES" || return 0
	"$ECS_SIM" up --backend "$backend" --cause "$cause" >/dev/null
	start_dropwhy "$out" --json || { tap_ok 1 "$label: dropwhy attached"; return; }
	fetch_status
	tap_ok $((!$?)) "$label: the task's fetch fails"
	wait_lines "$out" 1 3
	stop_dropwhy
	tap_is "$DW_STATUS" 0 "$label: dropwhy exits 0 on SIGINT"
	check_packet json_field "$out" "$label" "$reason"
	tap_like "$(json_field "$out" .cause)" "$glob" "$label: cause"
	jq -e . "$out" >/dev/null 2>&1
	tap_ok $? "$label: every line is valid JSON"
}

# check_fixed BACKEND: the request works and dropwhy prints nothing at all,
# not even when the connection is torn down afterwards.
check_fixed() {
	local backend=$1 out="$WORK/$1-fixed.json"

	in_suite "$backend/fixed" "$GUEST_CASES" || return 0
	"$ECS_SIM" up --backend "$backend" --cause fixed >/dev/null
	start_dropwhy "$out" --json || { tap_ok 1 "$backend/fixed: dropwhy attached"; return; }
	fetch_status "$(scaled 2)"
	tap_ok $? "$backend/fixed: the task's fetch succeeds"
	fetch_status "$(scaled 2)"
	# Leave time for FIN/ACK and TIME_WAIT traffic to come and go.
	sleep "$(scaled 1.5)"
	stop_dropwhy
	tap_is "$(wc -l <"$out")" 0 "$backend/fixed: no event"
	[[ -s $out ]] && tap_diag "$out"
}

# Kernels without conntrack types in BTF (module BTF missing): the loader
# leaves the conntrack read out, warns once, and the rest still works.
check_no_conntrack() {
	local out="$WORK/noct.json"

	in_suite "no conntrack BTF" "$GUEST_CASES" || return 0
	"$ECS_SIM" up --backend iptables-nft --cause policy >/dev/null
	start_dropwhy "$out" --json --hide-btf-types nf_conn || return
	"$ECS_SIM" fetch --timeout 1 >/dev/null 2>&1
	wait_lines "$out" 1 3
	stop_dropwhy
	tap_is "$(json_field "$out" .reason)" NETFILTER_DROP "no conntrack BTF: still reported"
	tap_is "$(json_field "$out" .orig_dst)" null "no conntrack BTF: orig_dst null"
	tap_is "$(json_field "$out" .ct_state)" null "no conntrack BTF: ct_state null"
	tap_is "$(grep -c 'warning: kernel BTF has no conntrack' "$out.err")" 1 \
		"no conntrack BTF: one warning"
}
check_no_conntrack

# The kernel names this drop IP_LOCALNET where it has that reason (6.13
# on); before, it is NOT_SPECIFIED, and the cause must still say why.
localnet_reason=NOT_SPECIFIED
kernel_has_enum_value SKB_DROP_REASON_IP_LOCALNET && localnet_reason=IP_LOCALNET

for backend in iptables-nft iptables-legacy; do
	check_drop "$backend" policy NETFILTER_DROP "*firewall*ECS agent*"
	check_drop "$backend" trailing-drop NETFILTER_DROP "*firewall*ECS agent*"
	check_drop "$backend" route-localnet "$localnet_reason" "*route_localnet*"
	check_drop "$backend" no-agent NO_SOCKET "*ECS agent is not running*"
	check_fixed "$backend"
done
tap_done
