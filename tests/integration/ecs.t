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

# check_drop BACKEND CAUSE REASON CAUSE_GLOB
check_drop() {
	local backend=$1 cause=$2 reason=$3 glob=$4 out="$WORK/$1-$2.json"
	local label="$backend/$cause"

	"$ECS_SIM" up --backend "$backend" --cause "$cause" >/dev/null
	start_dropwhy "$out" --json || { tap_ok 1 "$label: dropwhy attached"; return; }
	fetch_status
	tap_ok $((!$?)) "$label: the task's fetch fails"
	wait_lines "$out" 1 3
	stop_dropwhy
	tap_is "$DW_STATUS" 0 "$label: dropwhy exits 0 on SIGINT"
	tap_is "$(json_field "$out" .reason)" "$reason" "$label: reason"
	tap_is "$(json_field "$out" .in)" ecs-bridge "$label: in"
	tap_is "$(json_field "$out" '"\(.dst):\(.dport)"')" 127.0.0.1:51679 \
		"$label: dst after DNAT"
	tap_is "$(json_field "$out" '"\(.orig_dst):\(.orig_dport)"')" 169.254.170.2:80 \
		"$label: conntrack original dst"
	tap_is "$(json_field "$out" .proto)" tcp "$label: proto"
	tap_like "$(json_field "$out" .cause)" "$glob" "$label: cause"
	jq -e . "$out" >/dev/null 2>&1
	tap_ok $? "$label: every line is valid JSON"
}

# check_fixed BACKEND: the request works and dropwhy prints nothing at all,
# not even when the connection is torn down afterwards.
check_fixed() {
	local backend=$1 out="$WORK/$1-fixed.json"

	"$ECS_SIM" up --backend "$backend" --cause fixed >/dev/null
	start_dropwhy "$out" --json || { tap_ok 1 "$backend/fixed: dropwhy attached"; return; }
	fetch_status 2
	tap_ok $? "$backend/fixed: the task's fetch succeeds"
	fetch_status 2
	# Leave time for FIN/ACK and TIME_WAIT traffic to come and go.
	sleep 1.5
	stop_dropwhy
	tap_is "$(wc -l <"$out")" 0 "$backend/fixed: no event"
	[[ -s $out ]] && tap_diag "$out"
}

# Kernels without conntrack types in BTF (module BTF missing): the loader
# leaves the conntrack read out, warns once, and the rest still works.
check_no_conntrack() {
	local out="$WORK/noct.json"

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

for backend in iptables-nft iptables-legacy; do
	check_drop "$backend" policy NETFILTER_DROP "*firewall*ECS agent*"
	check_drop "$backend" trailing-drop NETFILTER_DROP "*firewall*ECS agent*"
	check_drop "$backend" route-localnet IP_LOCALNET "*route_localnet*"
	check_drop "$backend" no-agent NO_SOCKET "*ECS agent is not running*"
	check_fixed "$backend"
done
tap_done
