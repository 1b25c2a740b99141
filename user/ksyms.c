// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksym {
	uint64_t addr;
	char *name;
};

struct ksyms {
	struct ksym *syms;
	size_t count;
	size_t cap;
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int ksyms_push(struct ksyms *ks, uint64_t addr, const char *name)
{
	if (ks->count == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		struct ksym *syms = realloc(ks->syms, cap * sizeof(*syms));

		if (!syms)
			return -1;
		ks->syms = syms;
		ks->cap = cap;
	}
	ks->syms[ks->count].name = strdup(name);
	if (!ks->syms[ks->count].name)
		return -1;
	ks->syms[ks->count++].addr = addr;
	return 0;
}

struct ksyms *ksyms__load(const char *path)
{
	char line[512], name[256], type;
	struct ksyms *ks;
	uint64_t addr;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	while (ks && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3)
			continue;
		/* Hidden addresses (kptr_restrict) are all zero: useless. */
		if (!addr)
			continue;
		if (ksyms_push(ks, addr, name)) {
			ksyms__free(ks);
			ks = NULL;
			errno = ENOMEM;
		}
	}
	fclose(f);
	if (ks)
		qsort(ks->syms, ks->count, sizeof(*ks->syms), ksym_cmp);
	return ks;
}

void ksyms__free(struct ksyms *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->count; i++)
		free(ks->syms[i].name);
	free(ks->syms);
	free(ks);
}

static const struct ksym *ksyms_find(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!ks || !ks->count || addr < ks->syms[0].addr)
		return NULL;
	hi = ks->count;
	/* Last symbol whose address is <= addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &ks->syms[lo];
}

const char *ksyms__name(const struct ksyms *ks, uint64_t addr)
{
	const struct ksym *sym = ksyms_find(ks, addr);

	return sym ? sym->name : NULL;
}

void ksyms__format(const struct ksyms *ks, uint64_t addr, char *buf,
		   size_t len)
{
	const struct ksym *sym = ksyms_find(ks, addr);

	if (!sym)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else if (addr == sym->addr)
		snprintf(buf, len, "%s", sym->name);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, sym->name, addr - sym->addr);
}

uint64_t ksyms__addr(const struct ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; ks && i < ks->count; i++)
		if (!strcmp(ks->syms[i].name, name))
			return ks->syms[i].addr;
	return 0;
}
