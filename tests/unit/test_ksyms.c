// SPDX-License-Identifier: GPL-2.0
/* user/ksyms: loading a kallsyms file and resolving addresses. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "ksyms.h"
#include "tap.h"

#define STEXT			0xffffffff81000000ULL
#define NF_HOOK_SLOW		0xffffffff81a00000ULL
#define NF_HOOK_SLOW_LIST	0xffffffff81a00200ULL
#define NFT_IMMEDIATE_EVAL	0xffffffffc0a00000ULL
#define NFT_DO_CHAIN		0xffffffffc0a01000ULL

/* Unsorted, with module suffixes, a hidden address and noise. */
static const char kallsyms_text[] =
	"ffffffff81a00200 T nf_hook_slow_list\n"
	"ffffffffc0a01000 t nft_do_chain\t[nf_tables]\n"
	"ffffffff81a00000 T nf_hook_slow\n"
	"ffffffff81b00000 T alias_one\n"
	"ffffffff81b00000 T alias_two\n"
	"ffffffff81b00100 T after_aliases\n"
	"0000000000000000 T hidden_by_kptr_restrict\n"
	"not a symbol line\n"
	"\n"
	"ffffffff81000000 T _stext\n"
	"ffffffffc0a00000 t nft_immediate_eval\t[nf_tables]\n";

static int write_temp(const char *text, char *path, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/dropwhy-kallsyms-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	fputs(text, f);
	return fclose(f);
}

static void check_format(const struct ksyms *ks, unsigned long long addr,
			 const char *want)
{
	char buf[128];

	ksyms__format(ks, addr, buf, sizeof(buf));
	tap_is_str(buf, want, "format 0x%llx", addr);
}

static void test_format(const struct ksyms *ks)
{
	check_format(ks, NF_HOOK_SLOW, "nf_hook_slow");
	check_format(ks, NF_HOOK_SLOW + 0x7d, "nf_hook_slow+0x7d");
	check_format(ks, NF_HOOK_SLOW_LIST - 1, "nf_hook_slow+0x1ff");
	check_format(ks, NF_HOOK_SLOW_LIST, "nf_hook_slow_list");
	check_format(ks, STEXT, "_stext");
	check_format(ks, STEXT - 1, "0xffffffff80ffffff");
	check_format(ks, 0x1234, "0x1234");
	check_format(ks, NFT_DO_CHAIN + 0x10, "nft_do_chain+0x10");
	check_format(ks, NFT_IMMEDIATE_EVAL + 0xfff, "nft_immediate_eval+0xfff");
}

static void test_addr(const struct ksyms *ks)
{
	tap_ok(ksyms__addr(ks, "nf_hook_slow") == NF_HOOK_SLOW,
	       "addr of nf_hook_slow");
	tap_ok(ksyms__addr(ks, "nf_hook_slow_list") == NF_HOOK_SLOW_LIST,
	       "addr of nf_hook_slow_list");
	tap_ok(ksyms__addr(ks, "nft_do_chain") == NFT_DO_CHAIN,
	       "addr of a module symbol, without its [module] suffix");
	tap_ok(ksyms__addr(ks, "nft_do_chain\t[nf_tables]") == 0,
	       "the module suffix is not part of the name");
	tap_ok(ksyms__addr(ks, "hidden_by_kptr_restrict") == 0,
	       "symbols at address 0 are dropped");
	tap_ok(ksyms__addr(ks, "nf_hook") == 0, "no prefix match");
	tap_ok(ksyms__addr(ks, "absent") == 0, "absent symbol gives 0");
}

static void test_name(const struct ksyms *ks)
{
	tap_is_str(ksyms__name(ks, NF_HOOK_SLOW + 0x7d), "nf_hook_slow",
		   "name inside nf_hook_slow");
	tap_is_str(ksyms__name(ks, NF_HOOK_SLOW_LIST), "nf_hook_slow_list",
		   "name at the start of nf_hook_slow_list");
	tap_is_str(ksyms__name(ks, NFT_DO_CHAIN + 1), "nft_do_chain",
		   "name inside a module symbol");
	tap_is_str(ksyms__name(ks, STEXT - 1), NULL,
		   "no name below the first symbol");
	tap_is_str(ksyms__name(ks, 0), NULL, "no name for address 0");
}

static void test_range(const struct ksyms *ks)
{
	uint64_t start = 0, end = 0;

	tap_ok(ksyms__range(ks, "nf_hook_slow", &start, &end) == 0 &&
	       start == NF_HOOK_SLOW && end == NF_HOOK_SLOW_LIST,
	       "range: up to the next symbol");
	tap_ok(ksyms__range(ks, "alias_one", &start, &end) == 0 &&
	       start == 0xffffffff81b00000ULL && end == 0xffffffff81b00100ULL,
	       "range: an alias ends at the next other address");
	tap_ok(ksyms__range(ks, "nft_do_chain", &start, &end) == -1,
	       "range: the last symbol has no end");
	tap_ok(ksyms__range(ks, "absent", &start, &end) == -1,
	       "range: absent symbol");
}

static void test_loaded_file(void)
{
	char path[64];
	struct ksyms *ks;

	if (write_temp(kallsyms_text, path, sizeof(path))) {
		tap_ok(false, "write a temporary kallsyms file");
		return;
	}
	ks = ksyms__load(path);
	unlink(path);
	if (!tap_ok(ks != NULL, "load a kallsyms-format file"))
		return;
	test_format(ks);
	test_addr(ks);
	test_name(ks);
	test_range(ks);
	ksyms__free(ks);
}

static void test_empty_file(void)
{
	char path[64];
	struct ksyms *ks;

	if (write_temp("", path, sizeof(path))) {
		tap_ok(false, "write an empty kallsyms file");
		return;
	}
	ks = ksyms__load(path);
	unlink(path);
	tap_ok(ks != NULL, "an empty file loads");
	check_format(ks, NF_HOOK_SLOW, "0xffffffff81a00000");
	tap_is_str(ksyms__name(ks, NF_HOOK_SLOW), NULL, "empty: no name");
	tap_ok(ksyms__addr(ks, "nf_hook_slow") == 0, "empty: no address");
	ksyms__free(ks);
}

static void test_without_table(void)
{
	struct ksyms *ks;

	errno = 0;
	ks = ksyms__load("/nonexistent/dropwhy/kallsyms");
	tap_ok(ks == NULL, "a missing file gives NULL");
	tap_is_int(errno, ENOENT, "a missing file sets errno to ENOENT");
	check_format(NULL, NF_HOOK_SLOW + 0x7d, "0xffffffff81a0007d");
	tap_is_str(ksyms__name(NULL, NF_HOOK_SLOW), NULL, "no table: no name");
	tap_ok(ksyms__addr(NULL, "nf_hook_slow") == 0, "no table: no address");
	ksyms__free(NULL);
	tap_ok(true, "freeing NULL is harmless");
}

int main(void)
{
	test_loaded_file();
	test_empty_file();
	test_without_table();
	return tap_done();
}
