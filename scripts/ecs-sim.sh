#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Simulate an Amazon ECS host whose CIS-hardened firewall breaks the task
# credentials endpoint, so dropwhy has a real drop to diagnose.
#
# A task (awsvpc mode) calls 169.254.170.2:80; the host DNATs that to the
# ECS agent on 127.0.0.1:51679, which route_localnet=1 makes routable. The
# hardened filter INPUT chain then drops the DNATed packet. Each --cause
# breaks the path in a different place so the tests cover every verdict.
# Run `scripts/ecs-sim.sh help` for usage.
set -euo pipefail

readonly PROG=ecs-sim
readonly STATE_DIR=/run/dw-ecs-sim
readonly NS_HOST=dwhost
readonly NS_TASK=dwtask
readonly NS_NOISE=dwnoise
readonly BRIDGE=ecs-bridge
readonly HOST_ADDR=169.254.172.1
readonly TASK_ADDR=169.254.172.2
readonly NOISE_ADDR=169.254.172.3
readonly PREFIX_LEN=22
readonly ENDPOINT=169.254.170.2
readonly AGENT_PORT=51679
# Marks the agent's command line so teardown never kills a stranger whose
# PID happens to reuse the recorded one.
readonly AGENT_TAG=dw-ecs-sim-agent
readonly FLOOD_MAX_SECONDS=30
readonly FLOOD_MAX_PPS=100000

readonly BACKENDS="iptables-nft iptables-legacy nft nft-nocounter"
readonly CAUSES="policy trailing-drop jump-drop reject iface-drop raw-drop nat-drop log-before route-localnet no-agent fixed"

# The ACCEPT that repairs the endpoint: the fixed causes carry it, and
# fix-command prints it.
readonly IPT_FIX_RULE=(-i "$BRIDGE" -d 127.0.0.1/32 -p tcp -m tcp --dport "$AGENT_PORT" -j ACCEPT)

# The iptables binary of the chosen backend, set by cmd_up for ipt().
IPT=""

usage() {
	cat <<EOF
usage: scripts/ecs-sim.sh COMMAND [OPTIONS]

Simulated Amazon ECS host in network namespaces $NS_HOST (host with bridge
$BRIDGE $HOST_ADDR/$PREFIX_LEN), $NS_TASK (task $TASK_ADDR) and $NS_NOISE
(flood source $NOISE_ADDR). The host DNATs $ENDPOINT:80 to the stand-in agent
on 127.0.0.1:$AGENT_PORT; a CIS-like filter INPUT chain drops it.

commands:
  up [--backend B] [--cause C]  rebuild the simulation (runs down first)
  down                          remove everything; always succeeds
  fetch [--timeout S]           curl http://$ENDPOINT/v2/credentials from
                                $NS_TASK (default 2 s); exit status is curl's
  flood --seconds S [--pps N]   send TCP SYNs from $NS_NOISE to $ENDPOINT:80
                                for at most S s (capped at $FLOOD_MAX_SECONDS) at about
                                N packets/s (default 5000, capped at $FLOOD_MAX_PPS)
  status                        namespaces, addresses, ruleset, agent state;
                                exits 1 when the simulation is not up
  fix-command                   print the command that repairs the current
                                variant (documentation only; not run)
  help                          this text

backends (default iptables-nft):
  iptables-nft      iptables-nft binary (nf_tables kernel API)
  iptables-legacy   iptables-legacy binary (x_tables kernel API)
  nft               native nftables, every rule has a counter
  nft-nocounter     native nftables, no rule has a counter

causes (default policy):
  policy          INPUT policy DROP
  trailing-drop   INPUT ends with an unconditional DROP
  jump-drop       INPUT jumps to chain CIS-DENY (nft: cis-deny) that drops
  reject          INPUT ends with REJECT --reject-with tcp-reset
  iface-drop      INPUT ends with -i $BRIDGE -j DROP
  raw-drop        raw PREROUTING drops tcp dport 80 from $BRIDGE
  nat-drop        nat PREROUTING drops tcp dport 80 before the DNAT
                  (nft backends only: iptables-nft and iptables-legacy both
                  refuse DROP in the nat table, so up exits 2)
  log-before      policy, plus a LOG rule and a counters-only rule that the
                  packet matches before falling off INPUT
  route-localnet  fixed firewall, but route_localnet=0
  no-agent        fixed firewall, but no agent listens
  fixed           policy plus an ACCEPT for 127.0.0.1:$AGENT_PORT from $BRIDGE

exit status: 0 ok, 1 runtime failure (not root, missing tool, not up),
2 bad usage or a backend/cause combination the backend refuses.
EOF
}

die() {
	echo "$PROG: $*" >&2
	exit 1
}

die_usage() {
	echo "$PROG: error: $*" >&2
	exit 2
}

require_root() {
	((EUID == 0)) || die "must run as root"
}

require_tool() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found; install it with scripts/deps.sh"
}

in_list() {
	local word=$1 list=$2
	[[ " $list " == *" $word "* ]]
}

# Accepts 2, 0.5 and the like: curl and the flood sender both take fractions.
is_positive_number() {
	[[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]] && [[ ! $1 =~ ^0+([.]0+)?$ ]]
}

# 10# keeps a leading zero from being read as octal.
is_positive_int() {
	[[ $1 =~ ^[0-9]{1,9}$ ]] && ((10#$1 > 0))
}

hostns() {
	ip netns exec "$NS_HOST" "$@"
}

# ip netns keeps its named namespaces here; testing the path avoids
# parsing `ip netns list`.
netns_exists() {
	[[ -e /run/netns/$1 ]]
}

is_up() {
	[[ -f $STATE_DIR/backend ]] && netns_exists "$NS_HOST"
}

require_up() {
	is_up || die "not up; run: scripts/ecs-sim.sh up"
}

state_get() {
	cat "$STATE_DIR/$1"
}

iptables_bin() {
	case $1 in
	iptables-nft | iptables-legacy) echo "$1" ;;
	*) return 1 ;;
	esac
}

# --- teardown ---------------------------------------------------------------

agent_is_ours() {
	local pid=$1
	[[ -r /proc/$pid/cmdline ]] &&
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qw "$AGENT_TAG"
}

stop_pid() {
	local pid=$1 i
	agent_is_ours "$pid" || return 0
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 20; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# A lost pid file must not leave an agent pinning the namespace alive, so
# also sweep dwhost for processes carrying our tag.
stop_agent() {
	local pid
	if [[ -f $STATE_DIR/agent.pid ]]; then
		stop_pid "$(<"$STATE_DIR/agent.pid")"
	fi
	if netns_exists "$NS_HOST"; then
		for pid in $(ip netns pids "$NS_HOST" 2>/dev/null); do
			stop_pid "$pid"
		done
	fi
}

teardown() {
	local ns
	stop_agent
	for ns in "$NS_TASK" "$NS_NOISE" "$NS_HOST"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$STATE_DIR"
}

# --- topology ---------------------------------------------------------------

make_namespaces() {
	local ns
	for ns in "$NS_HOST" "$NS_TASK" "$NS_NOISE"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
}

# Snooping makes the bridge join 224.0.0.106 and flood IGMP reports into
# the tasks, where they die as stray NOT_SPECIFIED drops that would muddy
# every trace; the endpoint path does not need it.
make_bridge() {
	ip -n "$NS_HOST" link add "$BRIDGE" type bridge mcast_snooping 0
	ip -n "$NS_HOST" addr add "$HOST_ADDR/$PREFIX_LEN" dev "$BRIDGE"
	ip -n "$NS_HOST" link set "$BRIDGE" up
}

# Plugs a task namespace into the bridge the way the ecs-bridge CNI plugin
# does, including the host route to the credentials endpoint.
attach_task() {
	local ns=$1 dev=$2 host_dev=$3 addr=$4
	ip -n "$NS_HOST" link add "$host_dev" type veth peer name "$dev" netns "$ns"
	ip -n "$NS_HOST" link set "$host_dev" master "$BRIDGE" up
	ip -n "$ns" addr add "$addr/$PREFIX_LEN" dev "$dev"
	ip -n "$ns" link set "$dev" up
	ip -n "$ns" route add "$ENDPOINT/32" via "$HOST_ADDR"
}

# route_localnet is what lets a packet from the bridge be routed to
# 127.0.0.1 after DNAT; the kernel ORs all and the device, so both are set.
# br_netfilter is pinned off so every hook sees the packet once, from
# ip_rcv, and drop reasons come from the IPv4 stack rather than the bridge.
set_sysctls() {
	local cause=$1 localnet=1
	[[ $cause == route-localnet ]] && localnet=0
	hostns sysctl -qw \
		"net.ipv4.conf.all.route_localnet=$localnet" \
		"net.ipv4.conf.$BRIDGE.route_localnet=$localnet" \
		net.ipv4.conf.all.rp_filter=0 \
		"net.ipv4.conf.$BRIDGE.rp_filter=0"
	if hostns test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
		hostns sysctl -qw net.bridge.bridge-nf-call-iptables=0
	fi
}

# --- iptables backends ------------------------------------------------------

ipt() {
	hostns "$IPT" -w "$@"
}

ipt_nat() {
	local cause=$1 err
	if [[ $cause == nat-drop ]]; then
		# Both iptables front ends reject DROP in nat; report that as a
		# refused combination rather than spilling iptables' usage text.
		if ! err=$(ipt -t nat -A PREROUTING -i "$BRIDGE" -p tcp -m tcp --dport 80 -j DROP 2>&1); then
			err=$(grep -m1 -i 'nat' <<<"$err" || echo "rule rejected")
			die_usage "backend $IPT refuses cause nat-drop: ${err//$'\n'/ }"
		fi
	fi
	ipt -t nat -A PREROUTING -d "$ENDPOINT/32" -p tcp -m tcp --dport 80 \
		-j DNAT --to-destination "127.0.0.1:$AGENT_PORT"
}

ipt_raw() {
	[[ $1 == raw-drop ]] || return 0
	ipt -t raw -A PREROUTING -i "$BRIDGE" -p tcp -m tcp --dport 80 -j DROP
}

ipt_input_common() {
	ipt -A INPUT -i lo -j ACCEPT
	ipt -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	ipt -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
}

ipt_input_cause() {
	case $1 in
	policy) ;;
	trailing-drop) ipt -A INPUT -j DROP ;;
	jump-drop)
		ipt -N CIS-DENY
		ipt -A CIS-DENY -j DROP
		ipt -A INPUT -j CIS-DENY
		;;
	reject) ipt -A INPUT -p tcp -j REJECT --reject-with tcp-reset ;;
	iface-drop) ipt -A INPUT -i "$BRIDGE" -j DROP ;;
	log-before)
		ipt -A INPUT -i "$BRIDGE" -j LOG --log-prefix "dw-cis "
		ipt -A INPUT -i "$BRIDGE" -p tcp
		;;
	route-localnet | no-agent | fixed)
		ipt -A INPUT "${IPT_FIX_RULE[@]}"
		;;
	esac
}

input_policy() {
	case $1 in
	policy | log-before | route-localnet | no-agent | fixed) echo DROP ;;
	*) echo ACCEPT ;;
	esac
}

apply_iptables() {
	local cause=$1
	ipt_raw "$cause"
	ipt_nat "$cause"
	ipt_input_common
	ipt_input_cause "$cause"
	ipt -P INPUT "$(input_policy "$cause")"
}

# --- native nftables backends -----------------------------------------------

# Prints the ruleset; $C is "counter " or "" so nft and nft-nocounter share
# one template and differ only in counters.
nft_ruleset() {
	local cause=$1 C=$2 policy
	policy=$(input_policy "$cause")
	policy=${policy,,}
	cat <<EOF
table inet filter {
	chain input {
		type filter hook input priority 0; policy $policy;
		iifname "lo" ${C}accept
		ct state established,related ${C}accept
		tcp dport 22 ${C}accept
$(nft_input_cause "$cause" "$C")
	}
$(nft_cis_deny_chain "$cause" "$C")
}
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
$(nft_nat_drop "$cause" "$C")
		ip daddr $ENDPOINT tcp dport 80 ${C}dnat to 127.0.0.1:$AGENT_PORT
	}
}
$(nft_raw_table "$cause" "$C")
EOF
}

nft_input_cause() {
	local cause=$1 C=$2
	case $cause in
	trailing-drop) echo "		${C}drop" ;;
	jump-drop) echo "		${C}jump cis-deny" ;;
	reject) echo "		meta l4proto tcp ${C}reject with tcp reset" ;;
	iface-drop) echo "		iifname \"$BRIDGE\" ${C}drop" ;;
	log-before)
		echo "		iifname \"$BRIDGE\" ${C}log prefix \"dw-cis \""
		echo "		iifname \"$BRIDGE\" meta l4proto tcp ${C% }"
		;;
	route-localnet | no-agent | fixed) echo "		$(nft_fix_rule "$C")" ;;
	esac
}

nft_fix_rule() {
	echo "iifname \"$BRIDGE\" ip daddr 127.0.0.1 tcp dport $AGENT_PORT ${1}accept"
}

nft_cis_deny_chain() {
	[[ $1 == jump-drop ]] || return 0
	printf '\tchain cis-deny {\n\t\t%sdrop\n\t}\n' "$2"
}

nft_nat_drop() {
	[[ $1 == nat-drop ]] || return 0
	echo "		iifname \"$BRIDGE\" tcp dport 80 ${2}drop"
}

nft_raw_table() {
	[[ $1 == raw-drop ]] || return 0
	cat <<EOF
table ip raw {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname "$BRIDGE" tcp dport 80 ${2}drop
	}
}
EOF
}

nft_counter_word() {
	[[ $1 == nft ]] && echo "counter "
	return 0
}

apply_nft() {
	local backend=$1 cause=$2 file=$STATE_DIR/ruleset.nft
	nft_ruleset "$cause" "$(nft_counter_word "$backend")" >"$file"
	hostns nft -f "$file"
}

# --- agent ------------------------------------------------------------------

# A stand-in for the ECS agent's credentials endpoint: any GET gets 200 and
# a small JSON body. Request logging is silenced to keep test output clean.
agent_code() {
	cat <<'EOF'
import http.server, json, sys
BODY = (json.dumps({
    "RoleArn": "arn:aws:iam::000000000000:role/dw-ecs-sim",
    "AccessKeyId": "ASIADWECSSIM",
    "SecretAccessKey": "dw-ecs-sim-not-a-secret",
    "Token": "dw-ecs-sim",
    "Expiration": "2099-01-01T00:00:00Z",
}) + "\n").encode()

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass

port = int(sys.argv[1])
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
EOF
}

agent_listening() {
	[[ -n $(hostns ss -Hltn "sport = :$AGENT_PORT") ]]
}

# Output goes to a file, not our stdout: an inherited pipe would keep a
# caller such as `$(ecs-sim.sh up)` waiting for the agent to exit. ip is
# called directly, not via hostns, so $! is the agent itself and not a
# subshell running a function.
start_agent() {
	local pid i
	agent_code >"$STATE_DIR/agent.py"
	ip netns exec "$NS_HOST" python3 "$STATE_DIR/agent.py" "$AGENT_PORT" "$AGENT_TAG" \
		</dev/null >"$STATE_DIR/agent.log" 2>&1 &
	pid=$!
	echo "$pid" >"$STATE_DIR/agent.pid"
	for ((i = 0; i < 30; i++)); do
		agent_listening && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	die "agent did not listen on 127.0.0.1:$AGENT_PORT: $(tail -n1 "$STATE_DIR/agent.log")"
}

# --- commands ---------------------------------------------------------------

cmd_down() {
	[[ $# -eq 0 ]] || die_usage "down takes no arguments"
	require_root
	teardown
	echo "$PROG: down"
}

require_backend_tools() {
	local backend=$1
	require_tool ip
	require_tool ss
	require_tool python3
	case $backend in
	iptables-*) require_tool "$backend" ;;
	nft*) require_tool nft ;;
	esac
}

# Leaves nothing half-built behind when any step of up fails.
cleanup_failed_up() {
	local rc=$?
	((rc == 0)) || teardown
	exit "$rc"
}

cmd_up() {
	local backend=iptables-nft cause=policy
	while (($#)); do
		case $1 in
		--backend) (($# >= 2)) || die_usage "--backend needs a value"; backend=$2; shift 2 ;;
		--backend=*) backend=${1#*=}; shift ;;
		--cause) (($# >= 2)) || die_usage "--cause needs a value"; cause=$2; shift 2 ;;
		--cause=*) cause=${1#*=}; shift ;;
		*) die_usage "unknown option for up: $1" ;;
		esac
	done
	in_list "$backend" "$BACKENDS" || die_usage "unknown backend: $backend (one of: $BACKENDS)"
	in_list "$cause" "$CAUSES" || die_usage "unknown cause: $cause (one of: $CAUSES)"
	require_root
	require_backend_tools "$backend"

	teardown
	trap cleanup_failed_up EXIT
	mkdir -p "$STATE_DIR"
	echo "$backend" >"$STATE_DIR/backend"
	echo "$cause" >"$STATE_DIR/cause"

	make_namespaces
	make_bridge
	attach_task "$NS_TASK" dwt0 dwh0 "$TASK_ADDR"
	attach_task "$NS_NOISE" dwn0 dwhn0 "$NOISE_ADDR"
	set_sysctls "$cause"
	if IPT=$(iptables_bin "$backend"); then
		apply_iptables "$cause"
	else
		apply_nft "$backend" "$cause"
	fi
	[[ $cause == no-agent ]] || start_agent
	trap - EXIT
	echo "$PROG: up (backend=$backend, cause=$cause)"
}

cmd_fetch() {
	local timeout=2 rc=0
	while (($#)); do
		case $1 in
		--timeout) (($# >= 2)) || die_usage "--timeout needs a value"; timeout=$2; shift 2 ;;
		--timeout=*) timeout=${1#*=}; shift ;;
		*) die_usage "unknown option for fetch: $1" ;;
		esac
	done
	is_positive_number "$timeout" || die_usage "--timeout must be a positive number: $timeout"
	require_root
	require_tool curl
	require_up
	ip netns exec "$NS_TASK" curl -sS --max-time "$timeout" \
		"http://$ENDPOINT/v2/credentials" || rc=$?
	return "$rc"
}

# Hand-built SYNs on a raw socket: connect() would wait on each handshake
# and never reach thousands per second. The count is fixed up front and
# the deadline is checked each batch, so the flood always stops by itself.
flood_code() {
	cat <<'EOF'
import random, socket, struct, sys, time
src, dst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3])
seconds, pps = float(sys.argv[4]), int(sys.argv[5])

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def syn(sport):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), 0,
                      5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(hdr))
    return hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.bind((src, 0))
total = int(seconds * pps)
batch = max(1, pps // 100)
sent = 0
start = time.monotonic()
deadline = start + seconds
while sent < total:
    now = time.monotonic()
    if now >= deadline:
        break
    due = start + sent / pps
    if due > now:
        time.sleep(min(due - now, deadline - now))
        continue
    for _ in range(min(batch, total - sent)):
        try:
            s.sendto(syn(random.randint(32768, 60999)), (dst, 0))
        except (BlockingIOError, OSError):
            pass
        sent += 1
print("%d %.2f" % (sent, time.monotonic() - start))
EOF
}

cmd_flood() {
	local seconds="" pps=5000 out sent took
	while (($#)); do
		case $1 in
		--seconds) (($# >= 2)) || die_usage "--seconds needs a value"; seconds=$2; shift 2 ;;
		--seconds=*) seconds=${1#*=}; shift ;;
		--pps) (($# >= 2)) || die_usage "--pps needs a value"; pps=$2; shift 2 ;;
		--pps=*) pps=${1#*=}; shift ;;
		*) die_usage "unknown option for flood: $1" ;;
		esac
	done
	[[ -n $seconds ]] || die_usage "flood needs --seconds S"
	is_positive_number "$seconds" || die_usage "--seconds must be a positive number: $seconds"
	is_positive_int "$pps" || die_usage "--pps must be a positive integer: $pps"
	require_root
	require_tool python3
	require_up
	if awk -v s="$seconds" -v m="$FLOOD_MAX_SECONDS" 'BEGIN { exit !(s > m) }'; then
		echo "$PROG: capping --seconds $seconds at $FLOOD_MAX_SECONDS" >&2
		seconds=$FLOOD_MAX_SECONDS
	fi
	pps=$((10#$pps))
	if ((pps > FLOOD_MAX_PPS)); then
		echo "$PROG: capping --pps $pps at $FLOOD_MAX_PPS" >&2
		pps=$FLOOD_MAX_PPS
	fi
	out=$(ip netns exec "$NS_NOISE" python3 -c "$(flood_code)" \
		"$NOISE_ADDR" "$ENDPOINT" 80 "$seconds" "$pps")
	read -r sent took <<<"$out"
	echo "$PROG: flood sent $sent packets to $ENDPOINT:80 in ${took}s (target $pps pps)"
}

print_ruleset() {
	local backend=$1
	case $backend in
	iptables-*) hostns "$backend-save" ;;
	*) hostns nft list ruleset ;;
	esac
}

cmd_status() {
	local ns
	[[ $# -eq 0 ]] || die_usage "status takes no arguments"
	require_root
	if ! is_up; then
		echo "$PROG: not up"
		return 1
	fi
	echo "$PROG: up (backend=$(state_get backend), cause=$(state_get cause))"
	for ns in "$NS_HOST" "$NS_TASK" "$NS_NOISE"; do
		echo "== netns $ns"
		ip -n "$ns" -br addr show
	done
	echo "== route_localnet of $NS_HOST"
	hostns sysctl net.ipv4.conf.all.route_localnet "net.ipv4.conf.$BRIDGE.route_localnet"
	echo "== ruleset of $NS_HOST"
	print_ruleset "$(state_get backend)"
	echo "== agent"
	if agent_listening; then
		echo "listening on 127.0.0.1:$AGENT_PORT (pid $(cat "$STATE_DIR/agent.pid" 2>/dev/null || echo '?'))"
	else
		echo "not listening on 127.0.0.1:$AGENT_PORT"
	fi
}

# nft rules are deleted by handle, which only the live ruleset knows.
nft_handle() {
	local family=$1 table=$2 chain=$3 pattern=$4
	hostns nft -a list chain "$family" "$table" "$chain" |
		awk -v p="$pattern" 'index($0, p) { print $NF; exit }'
}

fix_iptables() {
	local ipt=$1 cause=$2
	case $cause in
	raw-drop)
		echo "ip netns exec $NS_HOST $ipt -t raw -D PREROUTING -i $BRIDGE -p tcp -m tcp --dport 80 -j DROP"
		;;
	nat-drop)
		echo "ip netns exec $NS_HOST $ipt -t nat -D PREROUTING -i $BRIDGE -p tcp -m tcp --dport 80 -j DROP"
		;;
	*)
		# Position 4 is right after the three common rules, ahead of
		# every cause-specific rule and of the policy.
		echo "ip netns exec $NS_HOST $ipt -I INPUT 4 ${IPT_FIX_RULE[*]}"
		;;
	esac
}

fix_nft() {
	local backend=$1 cause=$2 C
	C=$(nft_counter_word "$backend")
	case $cause in
	raw-drop)
		echo "ip netns exec $NS_HOST nft delete rule ip raw prerouting handle $(nft_handle ip raw prerouting 'tcp dport 80')"
		;;
	nat-drop)
		echo "ip netns exec $NS_HOST nft delete rule ip nat prerouting handle $(nft_handle ip nat prerouting 'drop')"
		;;
	*)
		# "index 2" appends after the third rule (the ssh accept), the
		# same spot as iptables' -I INPUT 4.
		echo "ip netns exec $NS_HOST nft 'add rule inet filter input index 2 $(nft_fix_rule "$C")'"
		;;
	esac
}

cmd_fix_command() {
	local backend cause
	[[ $# -eq 0 ]] || die_usage "fix-command takes no arguments"
	require_root
	require_up
	backend=$(state_get backend)
	cause=$(state_get cause)
	case $cause in
	route-localnet)
		echo "ip netns exec $NS_HOST sysctl -w net.ipv4.conf.$BRIDGE.route_localnet=1"
		;;
	no-agent)
		echo "# no firewall fix: nothing listens on 127.0.0.1:$AGENT_PORT; start the ECS agent"
		;;
	fixed)
		echo "# nothing to fix: INPUT already accepts 127.0.0.1:$AGENT_PORT from $BRIDGE"
		;;
	*)
		if iptables_bin "$backend" >/dev/null; then
			fix_iptables "$backend" "$cause"
		else
			fix_nft "$backend" "$cause"
		fi
		;;
	esac
}

main() {
	(($#)) || die_usage "missing command (try: scripts/ecs-sim.sh help)"
	local cmd=$1
	shift
	case $cmd in
	up) cmd_up "$@" ;;
	down) cmd_down "$@" ;;
	fetch) cmd_fetch "$@" ;;
	flood) cmd_flood "$@" ;;
	status) cmd_status "$@" ;;
	fix-command) cmd_fix_command "$@" ;;
	help | -h | --help) usage ;;
	*) die_usage "unknown command: $cmd (try: scripts/ecs-sim.sh help)" ;;
	esac
}

main "$@"
