// SPDX-License-Identifier: GPL-2.0
/* user/watch: parsing, formatting and filling the watch set. */
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "watch.h"

struct valid_case {
	const char *spec;
	__u8 family;
	__u8 addr[DW_ADDR_LEN];
	__u16 port;
	const char *formatted;	/* watch__format of the parsed key */
};

static const struct valid_case valid_cases[] = {
	{ "169.254.170.2:80", DW_FAMILY_IPV4, { 169, 254, 170, 2 }, 80,
	  "169.254.170.2:80" },
	{ "127.0.0.1", DW_FAMILY_IPV4, { 127, 0, 0, 1 }, 0, "127.0.0.1" },
	{ "10.0.0.1:65535", DW_FAMILY_IPV4, { 10, 0, 0, 1 }, 65535,
	  "10.0.0.1:65535" },
	{ "[::1]:53", DW_FAMILY_IPV6, { [15] = 1 }, 53, "[::1]:53" },
	{ "::1", DW_FAMILY_IPV6, { [15] = 1 }, 0, "::1" },
	{ "[::1]", DW_FAMILY_IPV6, { [15] = 1 }, 0, "::1" },
	{ "fe80::1", DW_FAMILY_IPV6, { 0xfe, 0x80, [15] = 1 }, 0, "fe80::1" },
	{ "[2001:db8::1]:443", DW_FAMILY_IPV6,
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 443, "[2001:db8::1]:443" },
	{ "[2001:0db8:0::1]:1", DW_FAMILY_IPV6,
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 1, "[2001:db8::1]:1" },
};

static const char *const invalid_specs[] = {
	"1.2.3.400",
	"1.2.3.4:0",
	"1.2.3.4:65536",
	"1.2.3.4:-1",
	"1.2.3.4:",
	"1.2.3.4:80x",
	"[::1]:",
	"[::1]:0",
	"[::1",
	"[::1]x",
	"[]:80",
	"host.example:80",
	"",
	":80",
	"::1::2",
};

static void test_valid_case(const struct valid_case *c)
{
	struct watch_key key, want = { .port = c->port, .family = c->family };
	char err[160] = "", formatted[64];
	int ret;

	memcpy(want.addr, c->addr, sizeof(want.addr));
	/* Garbage first: every byte, padding too, is a BPF map key byte. */
	memset(&key, 0xaa, sizeof(key));
	ret = watch__parse(c->spec, &key, err, sizeof(err));
	tap_is_int(ret, 0, "parse '%s' succeeds", c->spec);
	tap_is_int(key.family, c->family, "parse '%s': family", c->spec);
	tap_is_int(key.port, c->port, "parse '%s': port", c->spec);
	tap_ok(!memcmp(key.addr, c->addr, sizeof(key.addr)),
	       "parse '%s': address bytes", c->spec);
	tap_ok(!memcmp(&key, &want, sizeof(key)),
	       "parse '%s': whole key, padding zeroed", c->spec);
	tap_is_str(err, "", "parse '%s': err untouched", c->spec);
	watch__format(&key, formatted, sizeof(formatted));
	tap_is_str(formatted, c->formatted, "format '%s'", c->spec);
}

static void test_invalid_spec(const char *spec)
{
	char err[160] = "", quoted[64];
	struct watch_key key;
	int ret;

	ret = watch__parse(spec, &key, err, sizeof(err));
	tap_is_int(ret, -1, "reject '%s'", spec);
	snprintf(quoted, sizeof(quoted), "'%s'", spec);
	if (!tap_ok(strstr(err, quoted) != NULL,
		    "reject '%s': err names the spec", spec))
		tap_diag("err: %s", err);
	tap_ok(!strchr(err, '\n'), "reject '%s': err is one line", spec);
}

/* Parse what watch__format printed: the same key must come back. */
static void test_round_trip(const char *spec)
{
	struct watch_key first, second;
	char err[160], text[64];

	watch__parse(spec, &first, err, sizeof(err));
	watch__format(&first, text, sizeof(text));
	tap_is_int(watch__parse(text, &second, err, sizeof(err)), 0,
		   "round trip '%s': formatted text parses", spec);
	tap_ok(!memcmp(&first, &second, sizeof(first)),
	       "round trip '%s': same key", spec);
}

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++)
		test_valid_case(&valid_cases[i]);
	for (i = 0; i < sizeof(invalid_specs) / sizeof(invalid_specs[0]); i++)
		test_invalid_spec(invalid_specs[i]);
	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++)
		test_round_trip(valid_cases[i].spec);
}

static void test_format_truncates(void)
{
	struct watch_key key;
	char err[160], small[8];

	watch__parse("169.254.170.2:80", &key, err, sizeof(err));
	memset(small, 'x', sizeof(small));
	watch__format(&key, small, sizeof(small));
	tap_is_str(small, "169.254", "format: truncated to the buffer, terminated");
}

static void test_defaults(void)
{
	static const char *const want[] = {
		"169.254.170.2:80", "127.0.0.1:51679", "127.0.0.1:51678",
	};
	struct watch_set set = { .count = 0 };
	char text[64];
	size_t i;

	watch__add_defaults(&set);
	tap_is_int(set.count, 3, "defaults: exactly three endpoints");
	for (i = 0; i < set.count && i < 3; i++) {
		watch__format(&set.keys[i], text, sizeof(text));
		tap_is_str(text, want[i], "defaults: entry %zu", i);
	}
}

static void test_add(void)
{
	struct watch_set *set = calloc(1, sizeof(*set));
	char err[160] = "";
	int failures = 0;
	size_t i;

	tap_is_int(watch__add(set, "1.2.3.4:0", err, sizeof(err)), -1,
		   "add: bad spec refused");
	tap_is_int(set->count, 0, "add: bad spec not counted");
	for (i = 0; i < DW_MAX_WATCH; i++)
		failures += watch__add(set, "10.0.0.1:53", err, sizeof(err)) != 0;
	tap_is_int(failures, 0, "add: %d entries accepted", DW_MAX_WATCH);
	tap_is_int(set->count, DW_MAX_WATCH, "add: set is full");
	err[0] = '\0';
	tap_is_int(watch__add(set, "10.0.0.2:53", err, sizeof(err)), -1,
		   "add: entry %d refused", DW_MAX_WATCH + 1);
	tap_is_int(set->count, DW_MAX_WATCH, "add: count unchanged when full");
	tap_ok(strstr(err, "too many") != NULL, "add: err says the set is full");
	watch__add_defaults(set);
	tap_is_int(set->count, DW_MAX_WATCH, "add: defaults do not overflow");
	free(set);
}

int main(void)
{
	test_parse();
	test_format_truncates();
	test_defaults();
	test_add();
	return tap_done();
}
