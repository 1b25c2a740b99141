/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attribution in userspace: turn what the kernel counters named (table,
 * chain, position or handle) into backend, rule text and fix, and fall back
 * to ruleset snapshots (counter deltas, then evaluating the packet against
 * the rules) when the kernel could not say.
 */
#ifndef DW_ATTRIBUTE_H
#define DW_ATTRIBUTE_H

#include <stdbool.h>
#include <time.h>
#include "record.h"
#include "ruleset.h"

struct sentinel_plan;

struct attributor {
	int netns_fd;		/* the traced namespace, or -1: ours */
	bool enabled;		/* a ruleset could be read */
	struct ruleset current;	/* the latest snapshot */
	struct ruleset previous;	/* the one before, for counter deltas */
	double snapshot_at;	/* CLOCK_MONOTONIC seconds */
	unsigned long refreshes;
};

/*
 * Open the traced namespace (NULL: ours) and take the first snapshot;
 * attribution stays off when no tool can read the firewall. -1 after a
 * one-line error when the namespace cannot be opened.
 */
int attributor__open(struct attributor *a, const char *netns);
void attributor__free(struct attributor *a);
/* Sentinels before every base chain of a table that can drop. */
void attributor__plan(const struct attributor *a, struct sentinel_plan *plan);
/* Fill rec's backend/table/chain/rule/verdict/attribution/exact/fix. */
void attributor__resolve(struct attributor *a, struct drop_record *rec);

#endif
