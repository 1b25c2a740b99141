#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the runs scripts/bench.sh left in RUN_DIR.

usage: report.py RUN_DIR OUT_JSON

Prints a table on stdout and writes the same figures, the targets and every
run's raw numbers to OUT_JSON. Medians come with their min and max.
"""
import json
import os
import re
import statistics
import sys

TARGETS = {
    "accepted": 0.98,
    "dropped_outside": 0.97,
    "dropped_watched": 0.85,
    "watched_vs_bpftrace_print": 2.0,
    "latency_p99_ms": 50.0,
    "peak_rss_mib": 16.0,
    "exec_to_attached_s": 0.5,
}

TOOL_LABELS = {
    "none": "untraced",
    "floor-netfilter": "floor: empty netfilter prog",
    "floor-kfree": "floor: empty kfree_skb prog",
    "floor-both": "floor: both, empty",
    "dropwhy": "dropwhy (default watch set)",
    "dropwhy-nohooks": "dropwhy --no-hooks",
    "dropwhy-watch": "dropwhy --watch DST:PORT",
    "dropwhy-all": "dropwhy --all",
    "dropwhy-all-every": "dropwhy --all --max-rate 0",
    "bpftrace-print": "bpftrace printf per event",
    "bpftrace-count": "bpftrace count() map",
    "perf": "perf record -e skb:kfree_skb -a",
}


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def spread(values):
    """median, min, max of the values that exist, or None."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def parse_dropwhy_stderr(run, text):
    """Attach time, the exit summary and lost events from stamped stderr."""
    t0 = read_text(os.path.join(run["dir"], "exec_t0")).strip()
    for line in text.splitlines():
        stamp, _, msg = line.partition(" ")
        if msg.startswith("dropwhy: attached") and t0:
            run["exec_to_attached_s"] = int(stamp) / 1e9 - float(t0)
        m = re.match(r"dropwhy: (\d+) watched drops? \((\d+) printed\):?(.*)", msg)
        if m:
            run["watched_total"] = int(m.group(1))
            run["summary_printed"] = int(m.group(2))
            run["by_reason"] = {
                k: int(v) for k, v in re.findall(r"([A-Z0-9_]+) (\d+)", m.group(3))}
        m = re.search(r"(\d+) events lost", msg)
        if m:
            run["lost"] = int(m.group(1))
        m = re.search(r"(\d+) events not printed: over --max-rate", msg)
        if m:
            run["over_rate"] = int(m.group(1))


def parse_time_v(run, text):
    """CPU seconds and peak RSS from GNU time -v."""
    fields = {"User time (seconds)": "cpu_user_s",
              "System time (seconds)": "cpu_sys_s",
              "Maximum resident set size (kbytes)": "peak_rss_kib"}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key in fields:
            run[fields[key]] = float(value)
    if "cpu_user_s" in run:
        run["cpu_with_children_s"] = run["cpu_user_s"] + run.get("cpu_sys_s", 0)
    if "peak_rss_kib" in run:
        run["peak_rss_with_children_kib"] = run.pop("peak_rss_kib")


def parse_self(run, text):
    """dropwhy's own figures from /proc, read just before it was stopped."""
    fields = {"VmHWM": "peak_rss_kib", "cpu_self_s": "cpu_s",
              "cpu_children_s": "cpu_children_s"}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in fields:
            run[fields[key]] = float(value.split()[0])


def bpf_program_stats(run):
    """Run counts and time of the tool's own BPF programs, by program."""
    ids = set(read_text(os.path.join(run["dir"], "prog_ids")).split())
    progs = read_json(os.path.join(run["dir"], "progs.json"), [])
    stats = {}
    for prog in progs:
        if str(prog.get("id")) not in ids:
            continue
        name = prog.get("name", "?")
        kind = "netfilter_sentinels" if name.startswith("netfilter_slot") else name
        entry = stats.setdefault(kind, {"run_cnt": 0, "run_time_ns": 0, "programs": 0})
        entry["run_cnt"] += prog.get("run_cnt") or 0
        entry["run_time_ns"] += prog.get("run_time_ns") or 0
        entry["programs"] += 1
    for entry in stats.values():
        entry["ns_per_run"] = (entry["run_time_ns"] / entry["run_cnt"]
                               if entry["run_cnt"] else None)
    return stats


def parse_tool_output(run):
    d, tool = run["dir"], run["tool"]
    if tool.startswith("dropwhy"):
        parse_dropwhy_stderr(run, read_text(os.path.join(d, "stderr.txt")))
        parse_time_v(run, read_text(os.path.join(d, "time.txt")))
        parse_self(run, read_text(os.path.join(d, "self.txt")))
        attach = {}
        parse_self(attach, read_text(os.path.join(d, "attach_cpu.txt")))
        if "cpu_s" in attach:
            run["cpu_startup_s"] = attach["cpu_s"]
            if "cpu_s" in run:
                run["cpu_traffic_s"] = run["cpu_s"] - attach["cpu_s"]
        lines = read_json(os.path.join(d, "lines.json"), {})
        run["events"] = lines.get("lines")
        run["latency_ms"] = lines.get("latency_ms")
        run.setdefault("lost", 0)
    elif tool == "bpftrace-print":
        run["events"] = int(read_text(os.path.join(d, "bpftrace.lines")) or 0)
        summary = read_text(os.path.join(d, "bpftrace.summary"))
        run["lost"] = sum(int(n) for n in re.findall(r"Lost (\d+) events", summary))
    elif tool == "bpftrace-count":
        summary = read_text(os.path.join(d, "bpftrace.summary"))
        run["events"] = sum(int(n) for n in re.findall(r"@drops\[[^]]*\]: (\d+)", summary))
    elif tool == "perf":
        m = re.search(r"\((\d+) samples\)", read_text(os.path.join(d, "perf.err")))
        run["events"] = int(m.group(1)) if m else None
    if tool.startswith(("dropwhy", "bpftrace")):
        run["bpf"] = bpf_program_stats(run)


def load_run(path):
    run = read_json(os.path.join(path, "meta.json"))
    if run is None:
        return None
    run["dir"] = path
    run["seq"] = int(os.path.basename(path).split("-")[0])
    send = read_json(os.path.join(path, "send.json"), {})
    run["sent"] = send.get("sent")
    run["seconds"] = send.get("seconds")
    run["received"] = read_json(os.path.join(path, "recv.json"), {}).get("received")
    if run.get("ok") and run["seconds"]:
        count = run["received"] if run.get("traffic") == "accepted" else run["rule_packets"]
        run["pps"] = count / run["seconds"] if count is not None else None
    if run.get("tool") != "none":
        parse_tool_output(run)
    return run


def load_runs(run_dir, kind):
    base = os.path.join(run_dir, kind)
    if not os.path.isdir(base):
        return []
    runs = [load_run(os.path.join(base, name)) for name in sorted(os.listdir(base))]
    return [r for r in runs if r]


def add_ratios(runs):
    """Each tool run over the mean of its neighbouring untraced runs."""
    groups = {}
    for run in runs:
        groups.setdefault((run["rep"], run["traffic"]), []).append(run)
    for group in groups.values():
        group.sort(key=lambda r: r["seq"])
        for i, run in enumerate(group):
            if run["tool"] == "none" or not run.get("pps"):
                continue
            before = next((r for r in reversed(group[:i]) if r["tool"] == "none"), None)
            after = next((r for r in group[i + 1:] if r["tool"] == "none"), None)
            base = [r["pps"] for r in (before, after) if r and r.get("pps")]
            if base:
                run["baseline_pps"] = statistics.mean(base)
                run["ratio"] = run["pps"] / run["baseline_pps"]


def summarise_tool(runs, traffic, tool):
    mine = [r for r in runs if r["traffic"] == traffic and r["tool"] == tool]
    if not mine:
        return None
    s = {"traffic": traffic, "tool": tool, "label": TOOL_LABELS.get(tool, tool),
         "pps": spread([r.get("pps") for r in mine]),
         "ratio": spread([r.get("ratio") for r in mine]),
         "runs": len(mine), "failed": sum(1 for r in mine if not r.get("ok"))}
    base, pps = spread([r.get("baseline_pps") for r in mine]), s["pps"]
    if base and pps and tool != "none":
        s["added_ns_per_packet"] = 1e9 / pps["median"] - 1e9 / base["median"]
    if tool != "none":
        s["events_per_s"] = spread([r["events"] / r["seconds"] for r in mine
                                    if r.get("events") is not None and r.get("seconds")])
        s["events_lost"] = spread([r.get("lost") for r in mine])
        s["expected_events"] = spread([r.get("rule_packets") for r in mine])
    if tool.startswith("dropwhy"):
        summarise_dropwhy(s, mine)
    if tool == "none":
        s["other_cpu_busy_pct"] = spread([r.get("other_cpu_busy_pct") for r in mine])
    return s


def reason_total_matches(run):
    """Per-reason totals against the dropping rule's counter (dropped traffic)."""
    if run.get("traffic") != "dropped" or run["tool"] not in ("dropwhy-watch", "dropwhy-all"):
        return None
    nf = run.get("by_reason", {}).get("NETFILTER_DROP", 0)
    return nf == run.get("rule_packets")


def summarise_dropwhy(s, runs):
    s["cpu_s"] = spread([r.get("cpu_s") for r in runs])
    s["cpu_startup_s"] = spread([r.get("cpu_startup_s") for r in runs])
    s["cpu_percent_of_flood"] = spread([100 * r["cpu_traffic_s"] / r["seconds"] for r in runs
                                        if r.get("cpu_traffic_s") is not None
                                        and r.get("seconds")])
    s["cpu_children_s"] = spread([r.get("cpu_children_s") for r in runs])
    s["peak_rss_kib"] = spread([r.get("peak_rss_kib") for r in runs])
    s["peak_rss_with_children_kib"] = spread(
        [r.get("peak_rss_with_children_kib") for r in runs])
    s["cpu_with_children_s"] = spread([r.get("cpu_with_children_s") for r in runs])
    s["exec_to_attached_s"] = spread([r.get("exec_to_attached_s") for r in runs])
    s["watched_total"] = spread([r.get("watched_total") for r in runs])
    matches = [reason_total_matches(r) for r in runs]
    matches = [m for m in matches if m is not None]
    if matches:
        s["netfilter_total_equals_rule_counter"] = all(matches)
    accounted = [r.get("summary_printed", 0) + r.get("lost", 0) + r.get("over_rate", 0)
                 == r.get("watched_total")
                 for r in runs if r.get("watched_total") is not None]
    s["events_over_rate"] = spread([r.get("over_rate", 0) for r in runs])
    if accounted:
        s["printed_plus_lost_equals_total"] = all(accounted)
    s["latency_ms"] = spread([(r.get("latency_ms") or {}).get("p99") for r in runs])


def summarise_bpf(runs):
    """Per profile run and program: ns per run, runs per packet, ns per packet."""
    rows = []
    for r in runs:
        for name, st in sorted((r.get("bpf") or {}).items()):
            per_pkt = st["run_cnt"] / r["sent"] if r.get("sent") else None
            rows.append({"traffic": r["traffic"], "tool": r["tool"], "program": name,
                         "programs": st["programs"], "run_cnt": st["run_cnt"],
                         "ns_per_run": st["ns_per_run"], "runs_per_packet": per_pkt,
                         "ns_per_packet": st["run_time_ns"] / r["sent"] if r.get("sent")
                         else None})
    return rows


def summarise_latency(runs):
    rows = []
    for r in runs:
        lat = r.get("latency_ms") or {}
        rows.append({"rules": r["rules"], "watch": r["watch"], "ok": r.get("ok"),
                     "events": r.get("events"), "rule_packets": r.get("rule_packets"),
                     "lost": r.get("lost"), "median_ms": lat.get("median"),
                     "p99_ms": lat.get("p99"), "max_ms": lat.get("max"),
                     "exec_to_attached_s": r.get("exec_to_attached_s"),
                     "peak_rss_kib": r.get("peak_rss_kib"),
                     "peak_rss_with_children_kib": r.get("peak_rss_with_children_kib"),
                     "cpu_s": r.get("cpu_s"), "cpu_with_children_s":
                     r.get("cpu_with_children_s"),
                     "bpf": r.get("bpf")})
    return rows


def find(summary, traffic, tool):
    return next((s for s in summary if s["traffic"] == traffic and s["tool"] == tool), None)


def median_of(entry, key):
    return (entry or {}).get(key) and entry[key]["median"]


def target(name, value, limit, higher_is_better=True, what=""):
    met = None if value is None else (value >= limit if higher_is_better else value <= limit)
    return {"name": name, "value": value, "target": ("≥ " if higher_is_better else "≤ ")
            + str(limit), "met": met, "what": what}


def floor_note(summary, traffic, tool):
    """The same run's ratio with do-nothing programs where dropwhy's run."""
    r = median_of(find(summary, traffic, tool), "ratio")
    return "" if r is None else f"{TOOL_LABELS[tool]}: {r:.3f}"


def evaluate(summary, latency, dropwhy_all_runs):
    t = []
    bt = median_of(find(summary, "dropped", "bpftrace-print"), "ratio")
    t.append(target("accepted traffic, dropwhy", median_of(
        find(summary, "accepted", "dropwhy"), "ratio"), TARGETS["accepted"],
        what=floor_note(summary, "accepted", "floor-netfilter")))
    t.append(target("dropped outside the watch set, dropwhy", median_of(
        find(summary, "dropped", "dropwhy"), "ratio"), TARGETS["dropped_outside"],
        what=floor_note(summary, "dropped", "floor-both")))
    for tool in ("dropwhy-watch", "dropwhy-all", "dropwhy-all-every"):
        r = median_of(find(summary, "dropped", tool), "ratio")
        t.append(target(f"dropped and watched, {tool}", r, TARGETS["dropped_watched"]))
        t.append(target(f"{tool} over bpftrace printf", r / bt if r and bt else None,
                        TARGETS["watched_vs_bpftrace_print"]))
        s = find(summary, "dropped", tool) or {}
        ok = s.get("netfilter_total_equals_rule_counter") is not False and \
            s.get("printed_plus_lost_equals_total") is not False
        t.append({"name": f"{tool}: every lost event counted and reported",
                  "value": ok if s else None, "target": "true",
                  "met": ok if s else None, "what": ""})
    p99 = [row["p99_ms"] for row in latency if row["p99_ms"] is not None]
    t.append(target("drop-to-output latency p99, worst latency run (ms)",
                    max(p99) if p99 else None, TARGETS["latency_p99_ms"], False))
    rss = [r["peak_rss_kib"] for r in dropwhy_all_runs if r.get("peak_rss_kib")]
    t.append(target("dropwhy peak RSS, worst run (MiB)", max(rss) / 1024 if rss else None,
                    TARGETS["peak_rss_mib"], False))
    att = [r["exec_to_attached_s"] for r in dropwhy_all_runs if r.get("exec_to_attached_s")]
    t.append(target("exec to attached, median (s)", statistics.median(att) if att else None,
                    TARGETS["exec_to_attached_s"], False))
    t.append(target("exec to attached, worst (s)", max(att) if att else None,
                    TARGETS["exec_to_attached_s"], False))
    return t


def fmt(value, spec=".3f"):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return format(value, spec)


def fmt_spread(sp, spec=".3f"):
    if not sp:
        return "-"
    if sp["n"] == 1:
        return fmt(sp["median"], spec)
    return f"{fmt(sp['median'], spec)} [{fmt(sp['min'], spec)}..{fmt(sp['max'], spec)}]"


def kilo(value):
    return "-" if value is None else f"{value / 1000:.1f}k"


def print_throughput(env, summary):
    print(f"dropwhy benchmark: kernel {env.get('kernel')}, {env.get('cpus')} CPUs, "
          f"{env.get('repetitions')} repetition(s) of {env.get('flood_seconds')} s UDP floods; "
          "median [min..max]")
    print(f"dropwhy: {env.get('dropwhy')} ({env.get('dropwhy_version')}, tree {env.get('tree')})")
    if env.get("skipped"):
        print(f"skipped (not installed): {env['skipped']}")
    busy = [s for s in summary if s["tool"] == "none" and s["traffic"] == "dropped"]
    busy = busy and busy[0].get("other_cpu_busy_pct")
    if busy:
        print(f"other load: the CPU the sender does not use was {busy['median']:.0f}% "
              f"[{busy['min']:.0f}..{busy['max']:.0f}] busy during untraced drop floods"
              + (" -- the machine was not quiet, ratios are noisy" if busy["max"] > 10 else ""))
    print()
    print("Throughput: packets/s delivered (accepted) or dropped by the rule (dropped),")
    print("as a ratio to the untraced floods just before and after, same repetition")
    print(f"{'traffic':9} {'tool':34} {'pps':>8} {'ratio [min..max]':>22} "
          f"{'+ns/pkt':>8} {'events/s':>9} {'lost':>8}")
    for s in summary:
        ev = (s.get("events_per_s") or {}).get("median")
        lost = (s.get("events_lost") or {}).get("median")
        ratio = "1 (reference)" if s["tool"] == "none" else fmt_spread(s["ratio"])
        print(f"{s['traffic']:9} {s['label']:34} {kilo(median_of(s, 'pps')):>8} "
              f"{ratio:>22} {fmt(s.get('added_ns_per_packet'), '.0f'):>8} "
              f"{kilo(ev):>9} {fmt(lost, '.0f'):>8}")


def mib(kib):
    return kib / 1024 if kib else None


def print_dropwhy(summary):
    print()
    print("dropwhy process per flood run (own figures; +ch: with the helpers it runs):")
    print("CPU s in all, of which to start; CPU % while flooded; peak RSS; exec-to-attached;")
    print("NETFILTER_DROP total = rule counter; printed + lost + over --max-rate = total")
    print(f"{'traffic':9} {'tool':26} {'CPU s':>6} {'+ch':>5} {'start':>5} {'CPU %':>6} "
          f"{'RSS MiB':>8} {'+ch':>5} {'attach s':>9} {'total=rule':>10} {'printed+lost':>12}")
    for s in summary:
        if not s["tool"].startswith("dropwhy"):
            continue
        print(f"{s['traffic']:9} {s['label']:26} {fmt(median_of(s, 'cpu_s'), '.2f'):>6} "
              f"{fmt(median_of(s, 'cpu_with_children_s'), '.2f'):>5} "
              f"{fmt(median_of(s, 'cpu_startup_s'), '.2f'):>5} "
              f"{fmt(median_of(s, 'cpu_percent_of_flood'), '.0f'):>6} "
              f"{fmt(mib(median_of(s, 'peak_rss_kib')), '.1f'):>8} "
              f"{fmt(mib(median_of(s, 'peak_rss_with_children_kib')), '.0f'):>5} "
              f"{fmt(median_of(s, 'exec_to_attached_s')):>9} "
              f"{fmt(s.get('netfilter_total_equals_rule_counter')):>10} "
              f"{fmt(s.get('printed_plus_lost_equals_total')):>12}")


def print_bpf(rows):
    print()
    print("BPF run time (kernel.bpf_stats_enabled, separate floods): per program")
    print(f"{'traffic':9} {'tool':30} {'program':22} {'ns/run':>7} {'runs/pkt':>8} "
          f"{'ns/pkt':>7}")
    for row in rows:
        print(f"{row['traffic']:9} {TOOL_LABELS.get(row['tool'], row['tool']):30} "
              f"{row['program'][:22]:22} {fmt(row['ns_per_run'], '.0f'):>7} "
              f"{fmt(row['runs_per_packet'], '.2f'):>8} {fmt(row['ns_per_packet'], '.0f'):>7}")


def print_latency(env, latency):
    print()
    print(f"Drop-to-output latency (kernel time of the drop to arrival of its JSON line),")
    print(f"dropwhy --watch, {env.get('latency_rate_pps')} drops/s for "
          f"{env.get('latency_seconds')} s; ms")
    print(f"{'rules':>6} {'watch':>6} {'lines':>6} {'drops':>6} {'median':>7} "
          f"{'p99':>7} {'max':>7} {'attach s':>9} {'RSS MiB':>8} {'+ch':>5}")
    for row in latency:
        print(f"{row['rules']:>6} {row['watch']:>6} {fmt(row['events'], 'd'):>6} "
              f"{fmt(row['rule_packets'], 'd'):>6} {fmt(row['median_ms'], '.1f'):>7} "
              f"{fmt(row['p99_ms'], '.1f'):>7} {fmt(row['max_ms'], '.1f'):>7} "
              f"{fmt(row['exec_to_attached_s']):>9} "
              f"{fmt(mib(row['peak_rss_kib']), '.1f'):>8} "
              f"{fmt(mib(row['peak_rss_with_children_kib']), '.0f'):>5}")


def print_targets(targets):
    print()
    print("Targets")
    for t in targets:
        state = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
        value = fmt(t["value"]) if not isinstance(t["value"], bool) else fmt(t["value"])
        what = f"; {t['what']}" if t.get("what") else ""
        print(f"  {state:6} {t['name']}: {value} (target {t['target']}{what})")


def strip_dirs(runs):
    return [{k: v for k, v in r.items() if k != "dir"} for r in runs]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RUN_DIR OUT_JSON")
    run_dir, out_json = sys.argv[1:]
    env = read_json(os.path.join(run_dir, "env.json"), {})
    floods, lat_runs = load_runs(run_dir, "flood"), load_runs(run_dir, "latency")
    profiles = load_runs(run_dir, "profile")
    add_ratios(floods)
    summary = []
    for traffic in ("accepted", "dropped"):
        for tool in TOOL_LABELS:
            s = summarise_tool(floods, traffic, tool)
            if s:
                summary.append(s)
    latency = summarise_latency(lat_runs)
    dw_runs = [r for r in floods + lat_runs if r["tool"].startswith("dropwhy") and r.get("ok")]
    targets = evaluate(summary, latency, dw_runs)

    print_throughput(env, summary)
    print_dropwhy(summary)
    bpf = summarise_bpf(profiles)
    print_bpf(bpf)
    print_latency(env, latency)
    print_targets(targets)
    with open(out_json, "w") as f:
        json.dump({"env": env, "throughput": summary, "bpf_run_time": bpf,
                   "latency": latency, "targets": targets,
                   "runs": strip_dirs(floods + profiles + lat_runs)}, f, indent=1)
        f.write("\n")
    print(f"\nfigures: {out_json}")


if __name__ == "__main__":
    main()
