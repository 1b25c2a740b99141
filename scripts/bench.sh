#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: what tracing packet drops costs, dropwhy beside the usual tools.
#
# Two namespaces joined by a veth pair: dwbs (the sender) and dwbr (the
# receiving host: the veth is enslaved to bridge dwbbr0, which holds the
# address, as on a container host). The addresses come from 198.18.0.0/15,
# the block RFC 2544 sets aside for benchmarks, and exist only inside these
# namespaces. dw-flood sends a UDP flood bounded in packets and seconds
# (sendmmsg) from dwbs; dwbr's filter INPUT chain accepts port 5001, where
# dw-flood receives (recvmmsg), and drops port 5002.
#
# Throughput: in each repetition, for accepted and for dropped traffic,
# every tool runs between two untraced floods. A tool's ratio is its packet
# rate (delivered, or dropped by the rule) over the mean of the two
# neighbouring untraced rates, so slow drift of the machine cancels out.
# Latency: dropwhy's delay from a drop's kernel time to the arrival of its
# JSON line, at a paced rate, for growing rulesets and watch sets.
#
# The table goes to stdout, the same figures as JSON to .output/bench.json;
# progress and skip lines go to stderr. Needs root.
#
# Environment: QUICK=1 one repetition of short floods (CI); BENCH_REPS,
# BENCH_FLOOD_S, BENCH_JSON; DROPWHY the binary to measure; BENCH_NO_INSTALL=1
# skips missing tools rather than installing them with apt.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT
readonly PROG=bench
readonly DROPWHY=${DROPWHY:-$ROOT/dropwhy}
readonly FLOOD=$ROOT/.output/bench/dw-flood
readonly LINES=$ROOT/.output/bench/dw-lines
readonly FLOOR=$ROOT/.output/bench/dw-floor
readonly REPORT=$ROOT/scripts/bench/report.py
readonly OUT_JSON=${BENCH_JSON:-$ROOT/.output/bench.json}
readonly RUN_DIR=$ROOT/.output/bench-run

readonly NS_SEND=dwbs
readonly NS_RECV=dwbr
readonly DEV_SEND=dwbs0
readonly DEV_HOST=dwbh0
readonly BRIDGE=dwbbr0
readonly ADDR_SEND=198.18.0.1
readonly ADDR_RECV=198.18.0.2
readonly PORT_ACCEPT=5001
readonly PORT_DROP=5002
# The flood's softirq work runs on the sender's CPU; the receiver gets the
# other one. Tracers are left to the scheduler, as they would be on a host.
readonly SEND_CPU=0
readonly RECV_CPU=1
readonly MAX_PPS=2000000
CLK_TCK=$(getconf CLK_TCK)
readonly CLK_TCK

if [[ ${QUICK:-0} == 1 ]]; then
	REPS=1 FLOOD_S=1 LAT_S=1
else
	REPS=${BENCH_REPS:-5} FLOOD_S=${BENCH_FLOOD_S:-2} LAT_S=3
fi
readonly REPS FLOOD_S LAT_S
readonly LAT_RATE=500
readonly LAT_RULES="10 1000 10000"
readonly LAT_WATCH="64 1024"
# dropwhy stops by itself this long after attaching, should a stop be missed.
readonly SAFETY_S=$((FLOOD_S + LAT_S + 30))

readonly OTHER_TOOLS="bpftrace-print bpftrace-count perf"
# The floor: do-nothing programs where dropwhy attaches its own (an accepted
# packet meets only the netfilter one), the least a program there costs.
readonly ACCEPTED_TOOLS="floor-netfilter dropwhy dropwhy-nohooks dropwhy-all $OTHER_TOOLS"
# dropwhy-all-every prints every event (--max-rate 0): what it sustains.
readonly DROPPED_TOOLS="floor-kfree floor-both dropwhy dropwhy-watch dropwhy-all
	dropwhy-all-every $OTHER_TOOLS"
readonly BT_PRINT='tracepoint:skb:kfree_skb {
	printf("%llx %d %llx\n", args->skbaddr, args->reason, args->location); }'
readonly BT_COUNT='tracepoint:skb:kfree_skb { @drops[args->reason] = count(); }'
# The lines BT_PRINT prints, as a regular expression.
readonly BT_LINE='^[0-9a-f]+ -?[0-9]+ [0-9a-f]+$'

# Processes we started and have not reaped yet; cleanup ends only these.
STARTED=()
SKIPPED=""
TIME_CMD=()
STATS_BEFORE=""
RUN_SEQ=0
# Set by the tool starters for the running tool.
TOOL_PID=""
DW_PID=""
LINES_PIDS=()
RECV_PID=""
RUN_PATH=""

log() {
	printf '%s: [%3ds] %s\n' "$PROG" "$SECONDS" "$*" >&2
}

die() {
	log "error: $*"
	exit 1
}

track() {
	STARTED+=("$1")
}

# reap PID [SECONDS]: wait for our child to exit (KILL after SECONDS).
reap() {
	local pid=$1 tenths=$((${2:-10} * 10)) i keep=() p
	for ((i = 0; i < tenths; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	((i < tenths)) || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for p in "${STARTED[@]}"; do
		[[ $p == "$pid" ]] || keep+=("$p")
	done
	STARTED=("${keep[@]}")
}

# signal_dropwhy PID: SIGINT dropwhy if PID is it, or the time(1) running
# it; a child of our unreaped child cannot be a stranger.
signal_dropwhy() {
	local pid=$1
	[[ -n $DW_PID ]] || return 0
	if [[ $DW_PID == "$pid" || $(pgrep -P "$pid" 2>/dev/null) == "$DW_PID" ]]; then
		kill -INT "$DW_PID" 2>/dev/null || true
	fi
}

cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in "${STARTED[@]}"; do
		signal_dropwhy "$pid"
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED[@]}"; do
		reap "$pid" 3
	done
	ip netns del "$NS_SEND" 2>/dev/null || true
	ip netns del "$NS_RECV" 2>/dev/null || true
	[[ -n $STATS_BEFORE ]] && sysctl -qw "kernel.bpf_stats_enabled=$STATS_BEFORE"
	rm -f "$RUN_DIR"/*/*/perf.data 2>/dev/null
	return 0
}

# --- tools ------------------------------------------------------------------

skip_tool() {
	SKIPPED+=" $1"
	log "skip: $1 ($2)"
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "$1" >/dev/null 2>&1
}

# have_or_install COMMAND PACKAGE: install the Debian package when missing.
have_or_install() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null 2>&1 && return 0
	if [[ ${BENCH_NO_INSTALL:-0} != 1 ]] && command -v apt-get >/dev/null; then
		log "installing $pkg"
		apt_install "$pkg" || { apt-get update -qq >/dev/null 2>&1 &&
			apt_install "$pkg"; } || true
	fi
	command -v "$cmd" >/dev/null 2>&1
}

check_tools() {
	local cmd
	((EUID == 0)) || die "must run as root (namespaces, BPF)"
	for cmd in ip iptables iptables-restore bpftool taskset pgrep python3; do
		command -v "$cmd" >/dev/null || die "$cmd not found; run scripts/deps.sh"
	done
	[[ -x $DROPWHY && -x $FLOOD && -x $LINES && -x $FLOOR ]] ||
		die "build first: make dropwhy $FLOOD $LINES $FLOOR (make bench does)"
	have_or_install bpftrace bpftrace ||
		skip_tool bpftrace "not installed and apt could not install it"
	have_or_install perf linux-perf ||
		skip_tool perf "not installed and apt could not install it"
	if have_or_install /usr/bin/time time; then
		TIME_CMD=(/usr/bin/time -v -o)
	else
		log "skip: dropwhy CPU time and peak RSS (/usr/bin/time missing)"
	fi
	mountpoint -q /sys/kernel/tracing ||
		mount -t tracefs tracefs /sys/kernel/tracing || true
}

# A dropwhy that cannot attach here would fail every run: find out once.
preflight_dropwhy() {
	local err=$RUN_DIR/preflight.err
	timeout 30 "$DROPWHY" --netns "$NS_RECV" --duration 0.1 >/dev/null 2>"$err" &&
		return 0
	skip_tool dropwhy \
		"it does not run here: $(grep -m1 error "$err" || tail -n1 "$err")"
}

# Tracers already running add their cost to every flood, the untraced
# ones too, and so skew every ratio: say so (they are not ours to end).
warn_other_tracers() {
	local name pids=""
	for name in dropwhy dw-floor bpftrace perf; do
		pids+=$(pgrep -d ' ' -x "$name" || true)
		pids+=" "
	done
	pids=$(echo $pids)
	[[ -z $pids ]] ||
		log "warning: tracers already running (PIDs $pids): the untraced floods include their cost"
}

tool_skipped() {
	[[ " $SKIPPED " == *" ${1%%-*} "* ]]
}

# --- namespaces and firewall ------------------------------------------------

in_recv() {
	ip netns exec "$NS_RECV" "$@"
}

make_namespaces() {
	local ns mac
	for ns in "$NS_SEND" "$NS_RECV"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		# No IPv6 autoconfiguration chatter to muddy --all.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$NS_RECV" link add "$BRIDGE" type bridge mcast_snooping 0
	ip -n "$NS_RECV" link add "$DEV_HOST" type veth peer name "$DEV_SEND" \
		netns "$NS_SEND"
	ip -n "$NS_RECV" link set "$DEV_HOST" master "$BRIDGE" up
	ip -n "$NS_RECV" addr add "$ADDR_RECV/24" dev "$BRIDGE"
	ip -n "$NS_RECV" link set "$BRIDGE" up
	ip -n "$NS_SEND" addr add "$ADDR_SEND/24" dev "$DEV_SEND"
	ip -n "$NS_SEND" link set "$DEV_SEND" up
	# A permanent neighbour entry: no ARP traffic during the floods.
	mac=$(in_recv cat "/sys/class/net/$BRIDGE/address")
	ip -n "$NS_SEND" neigh replace "$ADDR_RECV" lladdr "$mac" \
		dev "$DEV_SEND" nud permanent
	if in_recv test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
		in_recv sysctl -qw net.bridge.bridge-nf-call-iptables=0
	fi
}

# ruleset TOTAL: filter INPUT with TOTAL rules, the accepting and dropping
# ones last, after TOTAL-2 rules no benchmark packet matches.
ruleset() {
	local total=$1 i
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n'
	for ((i = 0; i < total - 2; i++)); do
		printf -- '-A INPUT -p udp -m udp --dport %d -j ACCEPT\n' $((20000 + i))
	done
	printf -- '-A INPUT -p udp -m udp --dport %d -j ACCEPT\n' "$PORT_ACCEPT"
	printf -- '-A INPUT -p udp -m udp --dport %d -j DROP\n' "$PORT_DROP"
	echo COMMIT
}

load_ruleset() {
	ruleset "$1" | in_recv iptables-restore
}

zero_counters() {
	in_recv iptables -Z INPUT
}

# rule_packets PORT: packets counted by the INPUT rule for udp dport PORT.
rule_packets() {
	in_recv iptables -nvxL INPUT |
		awk -v m="dpt:$1" '$0 ~ m"( |$)" { print $1; exit }'
}

# Packets the kernel dropped for lack of backlog room, all CPUs.
softnet_drops() {
	local total=0 line
	local -a fields
	while read -r line; do
		read -ra fields <<<"$line"
		total=$((total + 16#${fields[1]}))
	done </proc/net/softnet_stat
	echo "$total"
}

# --- traffic ----------------------------------------------------------------

start_receiver() {
	local dir=$1 i
	ip netns exec "$NS_RECV" taskset -c "$RECV_CPU" "$FLOOD" recv \
		--port "$PORT_ACCEPT" --seconds "$SAFETY_S" --idle 0.5 \
		>"$dir/recv.json" 2>"$dir/recv.err" &
	RECV_PID=$!
	track "$RECV_PID"
	for ((i = 0; i < 100; i++)); do
		grep -qs ready "$dir/recv.err" && return 0
		sleep 0.05
	done
	die "receiver did not start: $(cat "$dir/recv.err")"
}

# send PORT SECONDS RATE OUT: RATE 0 floods as fast as the path allows.
send() {
	local port=$1 seconds=$2 rate=$3 out=$4 args=()
	((rate)) && args=(--rate "$rate")
	ip netns exec "$NS_SEND" taskset -c "$SEND_CPU" "$FLOOD" send \
		--dst "$ADDR_RECV" --port "$port" --seconds "$seconds" \
		--count $((MAX_PPS * (${seconds%.*} + 1))) "${args[@]}" >"$out"
}

# --- tracers ----------------------------------------------------------------

# wait_for FILE PATTERN PID SECONDS: until FILE matches or PID is gone.
wait_for() {
	local file=$1 pattern=$2 pid=$3 ticks=$(($4 * 100)) i
	for ((i = 0; i < ticks; i++)); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# proc_cpu PID: CPU seconds of the process itself and of its reaped children.
proc_cpu() {
	awk -v tck="$CLK_TCK" '{ print "cpu_self_s:", ($14 + $15) / tck
		print "cpu_children_s:", ($16 + $17) / tck }' "/proc/$1/stat"
}

# Where dropwhy's events go: "file" (floods: JSON straight to a file, as a
# user would stream them) or "timestamper" (latency runs: through dw-lines,
# which stamps each line's arrival; under a flood it would compete with
# dropwhy for the CPU and weigh on figures it is not part of).
EVENTS_TO=file

# start_dropwhy DIR ARGS...: stderr through dw-lines, which timestamps
# every line on arrival (the attach line), stdout as EVENTS_TO says;
# time(1) measures CPU and peak RSS.
start_dropwhy() {
	local dir=$1 time_cmd=() i out=$1/events.jsonl
	shift
	((${#TIME_CMD[@]})) && time_cmd=("${TIME_CMD[@]}" "$dir/time.txt")
	mkfifo "$dir/err.fifo"
	LINES_PIDS=()
	if [[ $EVENTS_TO == timestamper ]]; then
		out=$dir/out.fifo
		mkfifo "$out"
		"$LINES" --out "$dir/events.jsonl" --stats "$dir/lines.json" <"$out" &
		LINES_PIDS+=("$!")
		track "$!"
	fi
	"$LINES" --prefix --out "$dir/stderr.txt" <"$dir/err.fifo" &
	LINES_PIDS+=("$!")
	track "$!"
	(
		exec >"$out" 2>"$dir/err.fifo"
		echo "$EPOCHREALTIME" >"$dir/exec_t0"
		exec "${time_cmd[@]}" "$DROPWHY" --json --netns "$NS_RECV" \
			--duration "$SAFETY_S" "$@"
	) &
	TOOL_PID=$!
	track "$TOOL_PID"
	DW_PID=$TOOL_PID
	if ((${#time_cmd[@]})); then
		for ((i = 0; i < 500; i++)); do
			DW_PID=$(pgrep -P "$TOOL_PID" || true)
			[[ -n $DW_PID ]] && break
			sleep 0.01
		done
	fi
	wait_for "$dir/stderr.txt" ' dropwhy: attached' "$TOOL_PID" 20 || return 1
	# What starting up cost, apart from what the traffic costs later.
	proc_cpu "$DW_PID" >"$dir/attach_cpu.txt" 2>/dev/null || true
}

stop_dropwhy() {
	local pid
	signal_dropwhy "$TOOL_PID"
	reap "$TOOL_PID" 20
	for pid in "${LINES_PIDS[@]}"; do
		reap "$pid" 10
	done
	[[ -f $1/lines.json || ! -f $1/events.jsonl ]] ||
		printf '{"lines":%d}\n' "$(wc -l <"$1/events.jsonl")" >"$1/lines.json"
	# The events themselves are not kept: a flood writes hundreds of MB.
	if [[ -f $1/events.jsonl ]]; then
		head -n 3 "$1/events.jsonl" >"$1/events.head"
		rm -f "$1/events.jsonl"
	fi
}

# bpftrace announces its probes just before attaching them.
start_bpftrace() {
	local dir=$1 program=$2
	bpftrace -e "$program" >"$dir/bpftrace.out" 2>"$dir/bpftrace.err" &
	TOOL_PID=$!
	track "$TOOL_PID"
	wait_for "$dir/bpftrace.out" '^Attaching' "$TOOL_PID" 30 || return 1
	sleep 0.5
}

# interrupt_tool SECONDS: SIGINT the running tool, reap it (killed after
# SECONDS).
interrupt_tool() {
	kill -INT "$TOOL_PID" 2>/dev/null || true
	reap "$TOOL_PID" "$1"
}

stop_bpftrace() {
	interrupt_tool 30
	# Keep the first lines and the rest (map, lost-event notes) but count,
	# not keep, the event lines.
	awk -v f="$1/bpftrace.summary" -v re="$BT_LINE" \
		'NR <= 3 || $0 !~ re { print > f } $0 ~ re { n++ } END { print n + 0 }' \
		"$1/bpftrace.out" >"$1/bpftrace.lines"
	rm -f "$1/bpftrace.out"
}

# start_floor DIR ARGS...: dw-floor in the receiving namespace, where its
# netfilter program links.
start_floor() {
	local dir=$1
	shift
	# Not through in_recv: TOOL_PID must be dw-floor's own, not a subshell's.
	ip netns exec "$NS_RECV" "$FLOOR" "$@" 2>"$dir/floor.err" &
	TOOL_PID=$!
	track "$TOOL_PID"
	wait_for "$dir/floor.err" attached "$TOOL_PID" 20
}

# perf starts with its events disabled and acknowledges enabling them.
start_perf() {
	local dir=$1 ctl ack reply=""
	mkfifo "$dir/perf.ctl" "$dir/perf.ack"
	perf record -e skb:kfree_skb -a -o "$dir/perf.data" -D -1 \
		--control "fifo:$dir/perf.ctl,$dir/perf.ack" \
		>"$dir/perf.out" 2>"$dir/perf.err" &
	TOOL_PID=$!
	track "$TOOL_PID"
	# Read-write opens never block, whether or not perf has opened them.
	exec {ctl}<>"$dir/perf.ctl" {ack}<>"$dir/perf.ack"
	echo enable >&"$ctl"
	read -r -t 20 -u "$ack" reply || true
	exec {ctl}>&- {ack}>&-
	[[ $reply == ack ]]
}

stop_perf() {
	interrupt_tool 30
	rm -f "$1/perf.data"
}

# tool_start TOOL DIR: attach TOOL; nonzero when it failed to.
tool_start() {
	local tool=$1 dir=$2
	TOOL_PID=""
	DW_PID=""
	case $tool in
	none) ;;
	floor-netfilter) start_floor "$dir" --netfilter ;;
	floor-kfree) start_floor "$dir" --kfree-skb ;;
	floor-both) start_floor "$dir" --kfree-skb --netfilter ;;
	dropwhy) start_dropwhy "$dir" ;;
	dropwhy-nohooks) start_dropwhy "$dir" --no-hooks ;;
	dropwhy-watch) start_dropwhy "$dir" --watch "$ADDR_RECV:$PORT_DROP" ;;
	dropwhy-all) start_dropwhy "$dir" --all ;;
	dropwhy-all-every) start_dropwhy "$dir" --all --max-rate 0 ;;
	bpftrace-print) start_bpftrace "$dir" "$BT_PRINT" ;;
	bpftrace-count) start_bpftrace "$dir" "$BT_COUNT" ;;
	perf) start_perf "$dir" ;;
	*) die "unknown tool $tool" ;;
	esac
}

# tool_snapshot TOOL DIR: the BPF programs the tool holds (by the prog_id of
# its open fds) and their run-time statistics, read while they are loaded.
tool_snapshot() {
	local pid=$TOOL_PID
	[[ $1 == dropwhy* ]] && pid=$DW_PID
	[[ $1 == dropwhy* || $1 == bpftrace* ]] || return 0
	[[ -n $pid ]] || return 0
	grep -h '^prog_id:' /proc/"$pid"/fdinfo/* 2>/dev/null |
		awk '{ print $2 }' | sort -un >"$2/prog_ids" || true
	bpftool prog show -j >"$2/progs.json" 2>/dev/null || true
	[[ $1 == dropwhy* ]] || return 0
	# time(1) adds the helpers dropwhy runs (iptables-save, nft) to its
	# CPU and RSS; /proc has dropwhy's own, just before it is stopped.
	{
		grep -E '^(VmHWM|VmRSS):' "/proc/$pid/status"
		proc_cpu "$pid"
	} >"$2/self.txt" 2>/dev/null || true
}

tool_stop() {
	case $1 in
	none) ;;
	floor-*) interrupt_tool 10 ;;
	dropwhy*) stop_dropwhy "$2" ;;
	bpftrace*) stop_bpftrace "$2" ;;
	perf) stop_perf "$2" ;;
	esac
}

# --- runs -------------------------------------------------------------------

# new_run_dir KIND NAME: a fresh directory for one run, in RUN_PATH.
new_run_dir() {
	RUN_SEQ=$((RUN_SEQ + 1))
	RUN_PATH=$(printf '%s/%s/%03d-%s' "$RUN_DIR" "$1" "$RUN_SEQ" "$2")
	mkdir -p "$RUN_PATH"
}

# write_meta DIR KEY=VALUE...: the run's facts for report.py (numbers or
# plain words only).
write_meta() {
	local dir=$1 kv sep="" out="{"
	shift
	for kv in "$@"; do
		if [[ ${kv#*=} =~ ^(-?[0-9]+(\.[0-9]+)?|true|false|null)$ ]]; then
			out+="$sep\"${kv%%=*}\":${kv#*=}"
		else
			out+="$sep\"${kv%%=*}\":\"${kv#*=}\""
		fi
		sep=","
	done
	echo "$out}" >"$dir/meta.json"
}

# cpu_jiffies CPU: "busy total" jiffies of one CPU from /proc/stat.
cpu_jiffies() {
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i
		print t - $5 - $6, t; exit }' /proc/stat
}

# busy_percent "BUSY TOTAL" "BUSY TOTAL": the CPU's busy share between them.
busy_percent() {
	local -a a b
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	echo $(((b[0] - a[0]) * 100 / (b[1] - a[1] > 0 ? b[1] - a[1] : 1)))
}

# flood_run KIND REP TRAFFIC TOOL: one flood with TOOL attached. The busy
# share of the CPU the sender does not use tells how loaded the machine was
# (on untraced drop floods nothing of ours runs there).
flood_run() {
	local kind=$1 rep=$2 traffic=$3 tool=$4 dir port=$PORT_DROP drops ok=true
	local other_cpu
	new_run_dir "$kind" "$tool"
	dir=$RUN_PATH
	[[ $traffic == accepted ]] && port=$PORT_ACCEPT
	[[ $traffic == accepted ]] && start_receiver "$dir"
	if ! tool_start "$tool" "$dir"; then
		log "warning: $tool did not attach; run skipped (see $dir)"
		ok=false
	fi
	zero_counters
	drops=$(softnet_drops)
	other_cpu=$(cpu_jiffies "$RECV_CPU")
	if $ok; then
		send "$port" "$FLOOD_S" 0 "$dir/send.json"
	elif [[ $traffic == accepted ]]; then
		kill -TERM "$RECV_PID" 2>/dev/null || true
	fi
	[[ $traffic == accepted ]] && reap "$RECV_PID" $((SAFETY_S))
	drops=$(($(softnet_drops) - drops))
	other_cpu=$(busy_percent "$other_cpu" "$(cpu_jiffies "$RECV_CPU")")
	tool_snapshot "$tool" "$dir"
	[[ -n $TOOL_PID ]] && tool_stop "$tool" "$dir"
	write_meta "$dir" kind="$kind" rep="$rep" traffic="$traffic" tool="$tool" \
		ok="$ok" rule_packets="$(rule_packets "$port")" \
		softnet_drops="$drops" other_cpu_busy_pct="$other_cpu" \
		tool_pid="${TOOL_PID:-null}" dw_pid="${DW_PID:-null}"
}

# One repetition: each tool between two untraced floods, per traffic.
flood_repetition() {
	local rep=$1 traffic tools tool
	for traffic in accepted dropped; do
		tools=$ACCEPTED_TOOLS
		[[ $traffic == dropped ]] && tools=$DROPPED_TOOLS
		flood_run flood "$rep" "$traffic" none
		for tool in $tools; do
			tool_skipped "$tool" && continue
			log "rep $rep/$REPS: $traffic traffic, $tool"
			flood_run flood "$rep" "$traffic" "$tool"
			flood_run flood "$rep" "$traffic" none
		done
	done
}

# watch_args N: a --watch list of N entries, the first matching the flood.
watch_args() {
	local n=$1 i
	printf -- '--watch\n%s:%s\n' "$ADDR_RECV" "$PORT_DROP"
	for ((i = 1; i < n; i++)); do
		printf -- '--watch\n198.19.%d.%d:%d\n' \
			$((i / 250)) $((i % 250 + 1)) $((30000 + i))
	done
}

# latency_run RULES WATCH: paced drops, dropwhy's drop-to-line delay.
latency_run() {
	local rules=$1 watch=$2 dir args ok=true
	log "latency: $rules rules, $watch watch entries"
	new_run_dir latency "r$rules-w$watch"
	dir=$RUN_PATH
	EVENTS_TO=timestamper
	load_ruleset "$rules"
	zero_counters
	mapfile -t args < <(watch_args "$watch")
	if start_dropwhy "$dir" "${args[@]}"; then
		send "$PORT_DROP" "$LAT_S" "$LAT_RATE" "$dir/send.json"
		# Let the last drops drain (the reader wakes at least every 50 ms).
		sleep 0.3
	else
		log "warning: dropwhy did not attach; latency run skipped (see $dir)"
		ok=false
	fi
	tool_snapshot dropwhy "$dir"
	stop_dropwhy "$dir"
	EVENTS_TO=file
	write_meta "$dir" kind=latency rules="$rules" watch="$watch" ok="$ok" \
		rate="$LAT_RATE" rule_packets="$(rule_packets "$PORT_DROP")" \
		tool=dropwhy tool_pid="$TOOL_PID" dw_pid="${DW_PID:-null}"
}

# BPF run-time statistics cost a clock read per program run, so they are
# on only for these floods and the latency runs, never for the ratios.
profile_pass() {
	local pair
	for pair in accepted:dropwhy dropped:dropwhy dropped:dropwhy-watch \
		dropped:dropwhy-all dropped:dropwhy-all-every dropped:bpftrace-print \
		dropped:bpftrace-count; do
		tool_skipped "${pair#*:}" && continue
		log "BPF run-time statistics: ${pair%%:*} traffic, ${pair#*:}"
		flood_run profile 0 "${pair%%:*}" "${pair#*:}"
	done
}

latency_runs() {
	local n
	for n in $LAT_RULES; do
		latency_run "$n" 1
	done
	load_ruleset 10
	for n in $LAT_WATCH; do
		latency_run 10 "$n"
	done
	load_ruleset 2
}

write_env() {
	local quick=false
	[[ ${QUICK:-0} == 1 ]] && quick=true
	{
		printf '{"kernel":"%s","cpus":%d,"quick":%s,' "$(uname -r)" "$(nproc)" "$quick"
		printf '"repetitions":%d,"flood_seconds":%s,' "$REPS" "$FLOOD_S"
		printf '"latency_seconds":%s,"latency_rate_pps":%d,' "$LAT_S" "$LAT_RATE"
		printf '"dropwhy":"%s","skipped":"%s",' "$DROPWHY" "${SKIPPED# }"
		printf '"dropwhy_version":"%s","tree":"%s",' \
			"$("$DROPWHY" --version 2>/dev/null | head -n1)" \
			"$(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
		printf '"loadavg_start":"%s",' "$(cut -d' ' -f1-3 /proc/loadavg)"
		printf '"started":"%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	} >"$RUN_DIR/env.json"
}

main() {
	local rep start=$SECONDS
	check_tools
	rm -rf "$RUN_DIR"
	mkdir -p "$RUN_DIR" "$(dirname "$OUT_JSON")"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns del "$NS_SEND" 2>/dev/null || true
	ip netns del "$NS_RECV" 2>/dev/null || true
	make_namespaces
	load_ruleset 2
	warn_other_tracers
	preflight_dropwhy
	write_env

	for ((rep = 1; rep <= REPS; rep++)); do
		flood_repetition "$rep"
	done
	STATS_BEFORE=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	profile_pass
	tool_skipped dropwhy || latency_runs
	sysctl -qw "kernel.bpf_stats_enabled=$STATS_BEFORE"
	STATS_BEFORE=""

	cleanup
	log "done in $((SECONDS - start)) s; raw runs in $RUN_DIR"
	python3 "$REPORT" "$RUN_DIR" "$OUT_JSON"
}

main "$@"
