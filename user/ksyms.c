// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

/*
 * 120 000 symbols or more stay for the whole run: names are packed in one
 * arena and entries hold their offset, 12 bytes each, so the table costs
 * about what the names do (the file itself is twice that).
 */
struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset into ksyms.names */
} __attribute__((packed));

struct ksyms {
	struct ksym *syms;
	size_t count;
	size_t cap;
	char *names;
	size_t names_len;
	size_t names_cap;
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const char *ksym_name(const struct ksyms *ks, const struct ksym *sym)
{
	return ks->names + sym->name;
}

/* Grow *buf to hold need elements of size, doubling from first. */
static int grow(void **buf, size_t *cap, size_t need, size_t size,
		size_t first)
{
	size_t bigger = *cap ? *cap : first;
	void *p;

	if (need <= *cap)
		return 0;
	while (bigger < need)
		bigger *= 2;
	p = realloc(*buf, bigger * size);
	if (!p)
		return -1;
	*buf = p;
	*cap = bigger;
	return 0;
}

static int ksyms_push(struct ksyms *ks, uint64_t addr, const char *name,
		      size_t len)
{
	if (ks->names_len + len + 1 > UINT32_MAX ||
	    grow((void **)&ks->syms, &ks->cap, ks->count + 1,
		 sizeof(*ks->syms), 16384) ||
	    grow((void **)&ks->names, &ks->names_cap, ks->names_len + len + 1,
		 1, 1 << 20))
		return -1;
	memcpy(ks->names + ks->names_len, name, len);
	ks->names[ks->names_len + len] = '\0';
	ks->syms[ks->count].addr = addr;
	ks->syms[ks->count++].name = ks->names_len;
	ks->names_len += len + 1;
	return 0;
}

/* "ffffffff81f82610 T nf_hook_slow\t[module]": the name without module. */
static int parse_line(struct ksyms *ks, const char *line)
{
	const char *name;
	uint64_t addr;
	char *end;
	size_t len;

	addr = strtoull(line, &end, 16);
	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return 0;
	name = end + 3;
	len = strcspn(name, " \t\n");
	/* Hidden addresses (kptr_restrict) are all zero: useless. */
	return addr && len ? ksyms_push(ks, addr, name, len) : 0;
}

struct ksyms *ksyms__load(const char *path)
{
	struct ksyms *ks;
	char *line = NULL;
	size_t size = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	while (ks && getline(&line, &size, f) > 0) {
		if (parse_line(ks, line)) {
			ksyms__free(ks);
			ks = NULL;
		}
	}
	free(line);
	fclose(f);
	if (!ks) {
		errno = ENOMEM;
		return NULL;
	}
	if (ks->count)
		qsort(ks->syms, ks->count, sizeof(*ks->syms), ksym_cmp);
	return ks;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
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

	return sym ? ksym_name(ks, sym) : NULL;
}

void ksyms__format(const struct ksyms *ks, uint64_t addr, char *buf,
		   size_t len)
{
	const struct ksym *sym = ksyms_find(ks, addr);

	if (!sym)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else if (addr == sym->addr)
		snprintf(buf, len, "%s", ksym_name(ks, sym));
	else
		snprintf(buf, len, "%s+0x%" PRIx64, ksym_name(ks, sym),
			 (uint64_t)(addr - sym->addr));
}

uint64_t ksyms__addr(const struct ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; ks && i < ks->count; i++)
		if (!strcmp(ksym_name(ks, &ks->syms[i]), name))
			return ks->syms[i].addr;
	return 0;
}

int ksyms__range(const struct ksyms *ks, const char *name, uint64_t *start,
		 uint64_t *end)
{
	size_t i;

	for (i = 0; ks && i < ks->count; i++) {
		if (strcmp(ksym_name(ks, &ks->syms[i]), name))
			continue;
		/* Aliases share an address: the end is the next other one. */
		*start = ks->syms[i].addr;
		while (i + 1 < ks->count && ks->syms[i + 1].addr == *start)
			i++;
		if (i + 1 == ks->count)
			return -1;
		*end = ks->syms[i + 1].addr;
		return 0;
	}
	return -1;
}
