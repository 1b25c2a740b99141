// SPDX-License-Identifier: GPL-2.0
/* user/reasons: drop reason names from BTF, built here or the kernel's. */
#include <unistd.h>
#include <bpf/btf.h>
#include "reasons.h"
#include "tap.h"

#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define VMLINUX_CHECKS	6

struct enum_value {
	const char *name;
	long long value;
};

static const struct enum_value drop_reasons[] = {
	{ "SKB_NOT_DROPPED_YET", 0 },
	{ "SKB_CONSUMED", 1 },
	{ "SKB_DROP_REASON_NOT_SPECIFIED", 2 },
	{ "SKB_DROP_REASON_NO_SOCKET", 3 },
	{ "SKB_DROP_REASON_NETFILTER_DROP", 12 },
	/* Out of the table's range: must be ignored, not stored. */
	{ "SKB_DROP_REASON_BEYOND_TABLE", DW_MAX_REASONS },
	{ "SKB_DROP_REASON_FAR_BEYOND", 0x7fffffff },
};

static struct btf *btf_with_enum(const char *enum_name)
{
	struct btf *btf = btf__new_empty();
	size_t i;

	if (!btf)
		return NULL;
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	if (btf__add_enum(btf, enum_name, 4) < 0)
		goto fail;
	for (i = 0; i < sizeof(drop_reasons) / sizeof(drop_reasons[0]); i++)
		if (btf__add_enum_value(btf, drop_reasons[i].name,
					drop_reasons[i].value))
			goto fail;
	return btf;
fail:
	btf__free(btf);
	return NULL;
}

static int count_names(const struct reason_table *table)
{
	int i, count = 0;

	for (i = 0; i < DW_MAX_REASONS; i++)
		count += table->names[i] != NULL;
	return count;
}

static void test_names(const struct reason_table *table)
{
	tap_is_str(reasons__name(table, 0), "SKB_NOT_DROPPED_YET",
		   "a name without the prefix is kept whole");
	tap_is_str(reasons__name(table, 1), "SKB_CONSUMED", "code 1");
	tap_is_str(reasons__name(table, 2), "NOT_SPECIFIED",
		   "prefix stripped: NOT_SPECIFIED");
	tap_is_str(reasons__name(table, 3), "NO_SOCKET",
		   "prefix stripped: NO_SOCKET");
	tap_is_str(reasons__name(table, 12), "NETFILTER_DROP",
		   "prefix stripped: NETFILTER_DROP");
	tap_is_str(reasons__name(table, 4), NULL, "a gap in the enum is NULL");
	tap_is_str(reasons__name(table, DW_MAX_REASONS - 1), NULL,
		   "last slot unused");
	tap_is_str(reasons__name(table, DW_MAX_REASONS), NULL,
		   "code DW_MAX_REASONS is NULL");
	tap_is_str(reasons__name(table, 0xffffffff), NULL,
		   "code 0xffffffff is NULL");
	tap_is_int(count_names(table), 5,
		   "exactly the five in-range values are stored");
}

static void test_codes(const struct reason_table *table)
{
	tap_is_int(reasons__code(table, "NETFILTER_DROP"), 12,
		   "code of NETFILTER_DROP");
	tap_is_int(reasons__code(table, "NO_SOCKET"), 3, "code of NO_SOCKET");
	tap_is_int(reasons__code(table, "SKB_CONSUMED"), 1,
		   "code of SKB_CONSUMED");
	tap_is_int(reasons__code(table, "SKB_DROP_REASON_NO_SOCKET"), -1,
		   "codes are looked up by the stripped name");
	tap_is_int(reasons__code(table, "BEYOND_TABLE"), -1,
		   "an out-of-range value has no code");
	tap_is_int(reasons__code(table, "NO_SOCK"), -1, "no prefix match");
	tap_is_int(reasons__code(table, ""), -1, "empty name has no code");
}

static void test_built_btf(void)
{
	struct reason_table table;
	struct btf *btf = btf_with_enum("skb_drop_reason");

	if (!tap_ok(btf != NULL, "build a BTF with enum skb_drop_reason"))
		return;
	tap_is_int(reasons__load(&table, btf), 0, "load from the built BTF");
	tap_ok(table.available, "the enum makes the table available");
	test_names(&table);
	test_codes(&table);
	reasons__free(&table);
	tap_is_str(reasons__name(&table, 12), NULL, "free clears the names");
	btf__free(btf);
}

static void test_btf_without_enum(void)
{
	struct reason_table table;
	struct btf *btf = btf_with_enum("some_other_enum");

	if (!tap_ok(btf != NULL, "build a BTF without skb_drop_reason"))
		return;
	tap_is_int(reasons__load(&table, btf), 0,
		   "a BTF without the enum is not an error");
	tap_ok(!table.available, "without the enum, available stays false");
	tap_is_int(count_names(&table), 0, "without the enum, no names");
	tap_is_int(reasons__code(&table, "NO_SOCKET"), -1,
		   "without the enum, no codes");
	reasons__free(&table);
	btf__free(btf);
}

static void test_kernel_btf(void)
{
	struct reason_table table;
	int netfilter, no_socket;
	struct btf *btf;

	btf = btf__parse(VMLINUX_BTF, NULL);
	if (!tap_ok(btf != NULL, "parse " VMLINUX_BTF))
		return;
	tap_is_int(reasons__load(&table, btf), 0, "load the kernel's reasons");
	tap_ok(table.available, "the kernel has enum skb_drop_reason");
	netfilter = reasons__code(&table, "NETFILTER_DROP");
	no_socket = reasons__code(&table, "NO_SOCKET");
	tap_ok(netfilter > 0, "kernel names NETFILTER_DROP (code %d)",
	       netfilter);
	tap_ok(no_socket > 0, "kernel names NO_SOCKET (code %d)", no_socket);
	tap_is_str(reasons__name(&table, netfilter > 0 ? netfilter : 0),
		   "NETFILTER_DROP", "kernel: name and code agree");
	reasons__free(&table);
	btf__free(btf);
}

int main(void)
{
	test_built_btf();
	test_btf_without_enum();
	if (access(VMLINUX_BTF, R_OK))
		tap_skip(VMLINUX_CHECKS, VMLINUX_BTF
			 " unreadable: no kernel BTF (CONFIG_DEBUG_INFO_BTF)");
	else
		test_kernel_btf();
	return tap_done();
}
