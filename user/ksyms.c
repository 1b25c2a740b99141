// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksym {
	uint64_t addr;
	const char *name;	/* points into ksyms.text */
};

struct ksyms {
	struct ksym *syms;
	size_t count;
	size_t cap;
	char *text;		/* the whole file, names NUL-terminated in place */
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int ksyms_push(struct ksyms *ks, uint64_t addr, const char *name)
{
	if (ks->count == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 16384;
		struct ksym *syms = realloc(ks->syms, cap * sizeof(*syms));

		if (!syms)
			return -1;
		ks->syms = syms;
		ks->cap = cap;
	}
	ks->syms[ks->count].name = name;
	ks->syms[ks->count++].addr = addr;
	return 0;
}

/* /proc files report no size: read until EOF, growing the buffer. */
static char *read_all(FILE *f)
{
	size_t len = 0, cap = 1 << 22, n;
	char *buf = malloc(cap + 1), *bigger;

	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len < cap)
			continue;
		bigger = realloc(buf, cap * 2 + 1);
		if (!bigger) {
			free(buf);
			return NULL;
		}
		buf = bigger;
		cap *= 2;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* "ffffffff81f82610 T nf_hook_slow\t[module]": cut the name in place. */
static int parse_line(struct ksyms *ks, char *line)
{
	char *end, *name;
	uint64_t addr = strtoull(line, &end, 16);

	if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
		return 0;
	name = end + 3;
	name[strcspn(name, " \t")] = '\0';
	/* Hidden addresses (kptr_restrict) are all zero: useless. */
	return addr && *name ? ksyms_push(ks, addr, name) : 0;
}

struct ksyms *ksyms__load(const char *path)
{
	struct ksyms *ks;
	char *line, *next;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	if (ks)
		ks->text = read_all(f);
	fclose(f);
	if (!ks || !ks->text) {
		ksyms__free(ks);
		errno = ENOMEM;
		return NULL;
	}
	for (line = ks->text; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? (*next = '\0', next + 1) : line + strlen(line);
		if (parse_line(ks, line)) {
			ksyms__free(ks);
			errno = ENOMEM;
			return NULL;
		}
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
	free(ks->text);
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

int ksyms__range(const struct ksyms *ks, const char *name, uint64_t *start,
		 uint64_t *end)
{
	size_t i;

	for (i = 0; ks && i < ks->count; i++) {
		if (strcmp(ks->syms[i].name, name))
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
