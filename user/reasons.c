// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "reasons.h"

#define REASON_PREFIX "SKB_DROP_REASON_"

static int reasons_add(struct reason_table *table, const char *name,
		       long long value)
{
	size_t plen = strlen(REASON_PREFIX);

	if (value < 0 || value >= DW_MAX_REASONS)
		return 0;
	if (!strncmp(name, REASON_PREFIX, plen))
		name += plen;
	free(table->names[value]);
	table->names[value] = strdup(name);
	return table->names[value] ? 0 : -ENOMEM;
}

int reasons__load(struct reason_table *table, const struct btf *btf)
{
	const struct btf_enum *values;
	const struct btf_type *type;
	int id, i, err;

	memset(table, 0, sizeof(*table));
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0)
		return 0;
	type = btf__type_by_id(btf, id);
	values = btf_enum(type);
	for (i = 0; i < btf_vlen(type); i++) {
		const char *name = btf__name_by_offset(btf, values[i].name_off);

		err = reasons_add(table, name, values[i].val);
		if (err)
			return err;
	}
	table->available = true;
	return 0;
}

void reasons__free(struct reason_table *table)
{
	int i;

	for (i = 0; i < DW_MAX_REASONS; i++) {
		free(table->names[i]);
		table->names[i] = NULL;
	}
}

const char *reasons__name(const struct reason_table *table, __u32 code)
{
	return code < DW_MAX_REASONS ? table->names[code] : NULL;
}

int reasons__code(const struct reason_table *table, const char *name)
{
	int i;

	for (i = 0; i < DW_MAX_REASONS; i++)
		if (table->names[i] && !strcmp(table->names[i], name))
			return i;
	return -1;
}
