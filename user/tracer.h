/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF side as one object: check the environment, probe which capture
 * path this kernel offers, load, attach, and read the kernel's counters.
 */
#ifndef DW_TRACER_H
#define DW_TRACER_H

#include <stdbool.h>
#include <linux/types.h>
#include "dropwhy.h"
#include "options.h"
#include "sentinel.h"

struct btf;
struct ksyms;
struct reason_table;
struct dropwhy_bpf;
struct ring_buffer;

/* How a packet's entry into a table is seen. */
enum hook_path {
	HOOKS_NONE,		/* not at all: rules from ruleset snapshots */
	HOOKS_NETFILTER,	/* sentinels on BPF netfilter links (6.4+) */
	HOOKS_FENTRY,		/* fentry on ipt_do_table, nft_do_chain, ... */
};

struct tracer {
	struct dropwhy_bpf *skel;
	struct ring_buffer *rb;
	const char *capture_path;	/* "tp_btf/kfree_skb", ... */
	bool has_reason;
	enum hook_path hooks;
	bool has_sentinels;	/* sentinels attached: slots name tables */
	char fentry_funcs[64];	/* the functions fentry attaches to */
	int netns_fd;		/* --netns target, or -1 */
	struct sentinel_plan plan;
};

/* Root (or CAP_BPF+CAP_PERFMON) and kernel BTF; one-line error if not. */
int tracer__check_env(void);
/* Kernel BTF, with opts->hide_types removed from what probes can see. */
struct btf *tracer__load_btf(void);
/*
 * Probe, load and attach; one-line error and -1 on failure. plan places
 * the sentinels; NULL: before every standard iptables table.
 */
int tracer__start(struct tracer *t, const struct options *opts,
		  const struct btf *btf, const struct ksyms *ksyms,
		  const struct reason_table *reasons,
		  const struct sentinel_plan *plan);
/* The ring buffer map that carries drop_events. */
int tracer__events_fd(const struct tracer *t);
/* Sum the per-CPU totals: reason slots and lost events. */
int tracer__totals(const struct tracer *t, __u64 *by_reason, __u64 *lost);
void tracer__stop(struct tracer *t);

#endif
