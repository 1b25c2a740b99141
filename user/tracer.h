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

/* How a packet's entry into a table is seen. */
enum hook_path {
	HOOKS_NONE,		/* not at all: rules from ruleset snapshots */
	HOOKS_NETFILTER,	/* sentinels on BPF netfilter links (6.4+) */
	HOOKS_FENTRY,		/* fentry on ipt_do_table, nft_do_chain, ... */
};

/* The kernel, as BTF describes it: what loading may use. */
#define NR_FENTRY 3	/* ipt_do_table, ip6t_do_table, nft_do_chain */
struct kernel_facts {
	int kfree_skb_args;	/* btf_trace_kfree_skb's, ctx included; -1 */
	bool netfilter_links;	/* struct bpf_nf_ctx: Linux 6.4 */
	bool xtables;		/* x_tables types (module loaded) */
	bool nftables;		/* nf_tables rule types */
	bool conntrack;		/* struct nf_conn */
	bool fentry[NR_FENTRY];	/* the table function is in BTF, usable */
};

struct tracer {
	struct dropwhy_bpf *skel;
	const char *capture_path;	/* "tp_btf/kfree_skb", ... */
	bool has_reason;
	enum hook_path hooks;	/* once started: the probes in place */
	char fentry_funcs[64];	/* the functions fentry attaches to */
	int netns_fd;		/* --netns target, or -1 */
	struct ksyms *ksyms;	/* kallsyms, read after load; may be NULL */
	struct sentinel_plan plan;
};

/* Root (or CAP_BPF+CAP_PERFMON) and kernel BTF; one-line error if not. */
int tracer__check_env(void);
/*
 * From kernel BTF: drop reason names, and what loading needs to know
 * (opts->hide_types treated as absent). 0, or -1 after a one-line error.
 */
int tracer__read_kernel(struct kernel_facts *kf, struct reason_table *reasons,
			const struct options *opts);
/*
 * Probe, load and attach; one-line error and -1 on failure. plan places
 * the sentinels; NULL: before every standard iptables table.
 */
int tracer__start(struct tracer *t, const struct options *opts,
		  const struct kernel_facts *kf,
		  const struct reason_table *reasons,
		  const struct sentinel_plan *plan);
/* The ring buffer map that carries drop_events. */
int tracer__events_fd(const struct tracer *t);
/* Sum the per-CPU totals: reason slots and lost events. */
/* Watched drops by reason, and the events not sent, by DW_LOST_*. */
#define DW_LOST_KINDS	2
int tracer__totals(const struct tracer *t, __u64 *by_reason,
		   __u64 lost[DW_LOST_KINDS]);
void tracer__stop(struct tracer *t);

#endif
