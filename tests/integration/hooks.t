#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Which way dropwhy learns the table that dropped a packet, as `-v` says on
# its `hooks:` line: BPF netfilter links where the kernel has them (struct
# bpf_nf_ctx in its BTF, Linux 6.4), else fentry on the table functions
# (ipt_do_table, ip6t_do_table, nft_do_chain) once their modules are in
# BTF, else counter deltas between ruleset snapshots. First on the kernel
# as the test finds it (in a fresh guest no firewall module is loaded
# yet), then with the simulated ECS host's firewall up.
source "$(dirname "$0")/lib.sh"
require_root

# table_functions_in_btf: 0 when the fentry targets are in kernel BTF.
table_functions_in_btf() {
	kernel_has_func ipt_do_table ip_tables ||
		kernel_has_func ip6t_do_table ip6_tables ||
		kernel_has_func nft_do_chain nf_tables
}

# expected_hooks: the glob the hooks line must match on this kernel now.
expected_hooks() {
	if kernel_has_struct bpf_nf_ctx; then
		echo "*BPF netfilter links*table sentinels*"
	elif table_functions_in_btf; then
		echo "*fentry*"
	else
		echo "*counter deltas*"
	fi
}

# loaded_modules: the firewall modules loaded now, for the TAP log.
loaded_modules() {
	local found
	[[ -r /proc/modules ]] || { echo "none (no loadable modules)"; return; }
	found=$(grep -oE '^(x_tables|ip_tables|ip6_tables|nf_tables|nf_conntrack) ' \
		/proc/modules | tr -d ' ' | sort | tr '\n' ' ')
	echo "${found:-none (or built in)}"
}

# check_hooks LABEL WANT ARGS...: a one-second verbose run attaches, exits
# 0, and names the path matching the glob WANT on one hooks line. WANT
# "probe" means the path expected_hooks gives after the run: dropwhy's own
# ruleset read at start may load the firewall modules whose BTF it probes.
check_hooks() {
	local label=$1 want=$2 out="$WORK/hooks-$1" line status
	shift 2

	"$DROPWHY" -v --duration "$(scaled 1)" "$@" >"$out" 2>"$out.err"
	status=$?
	[[ $want == probe ]] && want=$(expected_hooks)
	tap_is $status 0 "$label: dropwhy -v exits 0"
	grep -q '^dropwhy: attached' "$out.err"
	tap_ok $? "$label: dropwhy attached"
	grep -q '^dropwhy: attached' "$out.err" || grep 'error' "$out.err" | tap_diag
	tap_is "$(grep -c '^dropwhy: debug: hooks:' "$out.err")" 1 \
		"$label: one hooks line"
	line=$(grep -m1 '^dropwhy: debug: hooks:' "$out.err")
	tap_like "$line" "$want" "$label: the hook path this kernel has"
}

echo "# kernel $(uname -r); firewall modules loaded: $(loaded_modules)"
check_hooks "as found" probe

"$ECS_SIM" up --backend iptables-nft --cause policy >/dev/null
echo "# with the ECS host up, firewall modules loaded: $(loaded_modules)"
if kernel_has_struct bpf_nf_ctx; then
	want="*BPF netfilter links*table sentinels*"
else
	want="*fentry*"
fi
check_hooks "firewall up" "$want" --netns dwhost
if ! kernel_has_struct bpf_nf_ctx; then
	grep -q '^dropwhy: debug: fentry: attached to .*nft_do_chain' "$WORK/hooks-firewall up.err"
	tap_ok $? "firewall up: fentry attached to nft_do_chain"
fi
tap_done
