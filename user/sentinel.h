/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hook-chain sentinels: BPF netfilter programs placed just before each
 * table's priority at each hook, so that a drop can be placed in a table.
 * Needs BPF netfilter links (Linux 6.4, "bpf: add netfilter program type").
 */
#ifndef DW_SENTINEL_H
#define DW_SENTINEL_H

#include <linux/types.h>
#include <stdbool.h>
#include "dropwhy.h"

#define DW_NF_HOOKS	5	/* PREROUTING .. POSTROUTING */
#define DW_NF_FAMILIES	2	/* ipv4, ipv6 */
#define DW_TABLE_LABEL	96

struct btf;
struct dropwhy_bpf;

struct sentinel_slot {
	__s32 priority;		/* the table's priority; we sit at -1 */
	char tables[DW_TABLE_LABEL];	/* "filter", or "filter nat" */
};

struct sentinel_plan {
	struct sentinel_slot slots[DW_NF_FAMILIES][DW_NF_HOOKS][DW_NF_SLOTS];
	int count[DW_NF_FAMILIES][DW_NF_HOOKS];
	int links[DW_NF_FAMILIES * DW_NF_HOOKS * DW_NF_SLOTS];
	int nr_links;
};

/* nfproto: 2 (ipv4) or 10 (ipv6); hook: NF_INET_*; keeps slots sorted. */
int sentinel__plan_add(struct sentinel_plan *plan, int nfproto, int hook,
		       __s32 priority, const char *table);
/* The iptables tables at their standard priorities, for every hook. */
void sentinel__plan_defaults(struct sentinel_plan *plan);
/* Does this kernel offer BPF netfilter links? Read from BTF. */
bool sentinel__supported(const struct btf *btf);
struct bpf_program;

/*
 * One netfilter program (libbpf 1.1 predates SEC("netfilter")): name its
 * type before load, and link it at a hook of the calling thread's
 * namespace. The link returns an fd, or -1 with errno set.
 */
void sentinel__prepare_program(struct bpf_program *prog, bool enable);
int sentinel__link(int prog_fd, int nfproto, int hook, __s32 priority);
/* Set program types before load; disable them all when !enable. */
void sentinel__prepare(struct dropwhy_bpf *skel, bool enable);
/* Create one link per slot in the namespace netns_fd (-1: ours). */
int sentinel__attach(struct sentinel_plan *plan, struct dropwhy_bpf *skel,
		     int netns_fd);
void sentinel__detach(struct sentinel_plan *plan);
/* Tell the BPF side which priority each slot stands for. */
int sentinel__publish(const struct sentinel_plan *plan,
		      struct dropwhy_bpf *skel);
/* The slot an event names, or NULL. */
const struct sentinel_slot *sentinel__slot(const struct sentinel_plan *plan,
					   int nfproto, int hook, int slot);

#endif
