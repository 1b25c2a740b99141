/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drop reason names from the running kernel's BTF (enum skb_drop_reason).
 * The numbers differ between kernels, so they are never hard-coded.
 */
#ifndef DW_REASONS_H
#define DW_REASONS_H

#include <stdbool.h>
#include <linux/types.h>
#include "dropwhy.h"

struct btf;

struct reason_table {
	/* Name without the SKB_DROP_REASON_ prefix, NULL where unused. */
	char *names[DW_MAX_REASONS];
	bool available;
};

/* Fill table from btf; available stays false when the enum is absent. */
int reasons__load(struct reason_table *table, const struct btf *btf);
void reasons__free(struct reason_table *table);
/* NULL for codes the kernel does not name. */
const char *reasons__name(const struct reason_table *table, __u32 code);
/* Code for a name such as "NO_SOCKET", or -1. */
int reasons__code(const struct reason_table *table, const char *name);

#endif
