// SPDX-License-Identifier: GPL-2.0
/* user/json: string escaping and the object writer. */
#include <stdint.h>
#include <stdlib.h>
#include "json.h"
#include "json_check.h"
#include "tap.h"

struct escape_case {
	const char *name;
	const char *input;
	const char *want;
};

static const struct escape_case escape_cases[] = {
	{ "plain text", "ecs-bridge", "\"ecs-bridge\"" },
	{ "empty string", "", "\"\"" },
	{ "double quote", "a\"b", "\"a\\\"b\"" },
	{ "backslash", "a\\b", "\"a\\\\b\"" },
	{ "newline", "a\nb", "\"a\\nb\"" },
	{ "carriage return", "a\rb", "\"a\\rb\"" },
	{ "tab", "a\tb", "\"a\\tb\"" },
	{ "control byte 0x01", "\x01", "\"\\u0001\"" },
	{ "control byte 0x1f", "\x1f", "\"\\u001f\"" },
	{ "DEL", "\x7f", "\"\\u007f\"" },
	{ "2-byte UTF-8 kept", "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ "3-byte UTF-8 kept", "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
	{ "4-byte UTF-8 kept", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
	{ "last code point before surrogates kept", "\xed\x9f\xbf",
	  "\"\xed\x9f\xbf\"" },
	{ "U+10FFFF kept", "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },
	{ "byte 0xff escaped", "a\xff" "b", "\"a\\u00ffb\"" },
	{ "lone continuation escaped", "\x80", "\"\\u0080\"" },
	{ "overlong 2-byte escaped", "\xc0\xaf", "\"\\u00c0\\u00af\"" },
	{ "overlong 3-byte escaped", "\xe0\x80\xaf",
	  "\"\\u00e0\\u0080\\u00af\"" },
	{ "overlong 4-byte escaped", "\xf0\x80\x80\xaf",
	  "\"\\u00f0\\u0080\\u0080\\u00af\"" },
	{ "surrogate escaped", "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"" },
	{ "above U+10FFFF escaped", "\xf4\x90\x80\x80",
	  "\"\\u00f4\\u0090\\u0080\\u0080\"" },
	{ "truncated sequence at end escaped", "x\xe2\x82",
	  "\"x\\u00e2\\u0082\"" },
	{ "lead byte before ASCII escaped", "\xc3(", "\"\\u00c3(\"" },
};

/* What json__write_string prints for value; the caller frees it. */
static char *written_string(const char *value)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	json__write_string(out, value);
	fclose(out);
	return text;
}

static void test_escape_case(const struct escape_case *c)
{
	char *got = written_string(c->input);

	tap_is_str(got, c->want, "escape: %s", c->name);
	tap_ok(got && json_check(got, NULL, 0), "escape: %s parses", c->name);
	free(got);
}

static void test_escapes(void)
{
	size_t i;
	char *got;

	for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++)
		test_escape_case(&escape_cases[i]);

	got = written_string(NULL);
	tap_is_str(got, "null", "escape: NULL is null");
	tap_ok(got && json_check(got, NULL, 0), "escape: null parses");
	free(got);
}

static void write_full_object(FILE *out, struct json_writer *w)
{
	json__begin(w, out);
	json__string(w, "name", "ecs-bridge");
	json__uint(w, "port", 51679);
	json__uint(w, "max", UINT64_MAX);
	json__int(w, "neg", -5);
	json__bool(w, "exact", true);
	json__bool(w, "stale", false);
	json__null(w, "rule");
	json__open_object(w, "nested");
	json__string(w, "text", "-A INPUT -j DROP");
	json__null(w, "handle");
	json__close_object(w);
	json__open_object(w, "empty");
	json__close_object(w);
	json__string(w, "k\"ey", NULL);
	json__end(w);
}

static void test_object(void)
{
	const char *want = "{\"name\":\"ecs-bridge\",\"port\":51679,"
		"\"max\":18446744073709551615,\"neg\":-5,\"exact\":true,"
		"\"stale\":false,\"rule\":null,"
		"\"nested\":{\"text\":\"-A INPUT -j DROP\",\"handle\":null},"
		"\"empty\":{},\"k\\\"ey\":null}\n";
	struct json_writer w;
	char *text = NULL, keys[256];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	write_full_object(out, &w);
	fclose(out);
	tap_is_str(text, want, "object: exact line");
	tap_is_int(w.depth, 0, "object: depth back to 0 after json__end");
	tap_ok(json_check(text, keys, sizeof(keys)), "object: parses");
	tap_is_str(keys, "name port max neg exact stale rule nested empty k\"ey",
		   "object: keys in written order");
	free(text);
}

static void test_nesting_depth(void)
{
	struct json_writer w;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	json__begin(&w, out);
	tap_is_int(w.depth, 1, "depth: 1 inside the top object");
	json__open_object(&w, "a");
	tap_is_int(w.depth, 2, "depth: 2 inside a nested object");
	json__close_object(&w);
	tap_is_int(w.depth, 1, "depth: 1 after closing it");
	json__uint(&w, "b", 1);
	json__end(&w);
	fclose(out);
	tap_is_str(text, "{\"a\":{},\"b\":1}\n",
		   "depth: comma after a closed nested object");
	free(text);
}

/* A writer reused for the next line must not carry a comma over. */
static void test_two_lines(void)
{
	struct json_writer w;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	json__begin(&w, out);
	json__uint(&w, "n", 1);
	json__end(&w);
	json__begin(&w, out);
	json__uint(&w, "n", 2);
	json__end(&w);
	json__begin(&w, out);
	json__end(&w);
	fclose(out);
	tap_is_str(text, "{\"n\":1}\n{\"n\":2}\n{}\n",
		   "reuse: one object per line, no stray comma");
	free(text);
}

/* The checker itself must be able to fail, or its passes mean nothing. */
static void test_checker(void)
{
	tap_ok(!json_check("{\"a\":1,}", NULL, 0), "checker: trailing comma");
	tap_ok(!json_check("\"a\x01\"", NULL, 0), "checker: raw control byte");
	tap_ok(!json_check("{} {}", NULL, 0), "checker: two documents");
	tap_ok(json_check("{\"b\":1,\"a\":2}", NULL, 0), "checker: valid object");
}

static void test_array(void)
{
	const char *want = "{\"candidates\":[{\"chain\":\"INPUT\",\"index\":4},"
		"{\"chain\":\"CIS-DENY\",\"index\":1}],\"empty\":[],\"after\":1}\n";
	struct json_writer w;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	json__begin(&w, out);
	json__open_array(&w, "candidates");
	json__open_object(&w, NULL);
	json__string(&w, "chain", "INPUT");
	json__uint(&w, "index", 4);
	json__close_object(&w);
	json__open_object(&w, NULL);
	json__string(&w, "chain", "CIS-DENY");
	json__uint(&w, "index", 1);
	json__close_object(&w);
	json__close_array(&w);
	json__open_array(&w, "empty");
	json__close_array(&w);
	json__uint(&w, "after", 1);
	json__end(&w);
	fclose(out);
	tap_is_str(text, want, "array: objects as elements, exact line");
	tap_ok(json_check(text, NULL, 0), "array: parses");
	tap_is_int(w.depth, 0, "array: depth back to 0");
	free(text);
}

int main(void)
{
	test_array();
	test_checker();
	test_escapes();
	test_object();
	test_nesting_depth();
	test_two_lines();
	return tap_done();
}
