/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel addresses to "symbol+0xoff", from /proc/kallsyms. */
#ifndef DW_KSYMS_H
#define DW_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* Load a kallsyms-format file; NULL with errno set on failure. */
struct ksyms *ksyms__load(const char *path);
void ksyms__free(struct ksyms *ks);
/* "nf_hook_slow+0x7d", or "0x..." when addr is outside every symbol. */
void ksyms__format(const struct ksyms *ks, uint64_t addr, char *buf,
		   size_t len);
/* Address of a symbol by name, 0 when absent. */
uint64_t ksyms__addr(const struct ksyms *ks, const char *name);
/*
 * [start, end) of the named symbol: up to the next symbol's address.
 * Returns 0, or -1 when it is absent or the last symbol.
 */
int ksyms__range(const struct ksyms *ks, const char *name, uint64_t *start,
		 uint64_t *end);
/* Name of the symbol that contains addr, NULL when none. */
const char *ksyms__name(const struct ksyms *ks, uint64_t addr);

#endif
