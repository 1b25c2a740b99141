/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small TAP producer for the unit tests. Every check prints one
 * "ok N - name" line; tap_done() prints the plan last and returns the exit
 * status. Diagnostics go to stdout as "# ..." so they stay next to their
 * check under prove -v.
 */
#ifndef DW_TAP_H
#define DW_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;
/* While set, failures are known bugs: reported as TODO, not counted. */
static const char *tap_todo_reason;

static inline void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Checks until tap_todo_end() describe a known bug, named by reason. */
static inline void tap_todo_begin(const char *reason)
{
	tap_todo_reason = reason;
}

static inline void tap_todo_end(void)
{
	tap_todo_reason = NULL;
}

static inline bool tap_vresult(bool pass, const char *fmt, va_list ap)
{
	tap_count++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_count);
	vprintf(fmt, ap);
	if (tap_todo_reason)
		printf(" # TODO %s", tap_todo_reason);
	else if (!pass)
		tap_failed++;
	putchar('\n');
	return pass;
}

static inline bool tap_ok(bool pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline bool tap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap);
	va_end(ap);
	return pass;
}

/* Print value quoted, with bytes that would break a TAP line escaped. */
static inline void tap_print_quoted(const char *value)
{
	const unsigned char *s = (const unsigned char *)value;

	if (!value) {
		fputs("NULL", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s < 0x20 || *s >= 0x7f)
			printf("\\x%02x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static inline void tap_show(const char *label, const char *value)
{
	printf("# %s", label);
	tap_print_quoted(value);
	putchar('\n');
}

static inline bool tap_is_str(const char *got, const char *want,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Equal strings, or both NULL. */
static inline bool tap_is_str(const char *got, const char *want,
			      const char *fmt, ...)
{
	bool pass = got && want ? !strcmp(got, want) : got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_show("got:  ", got);
		tap_show("want: ", want);
	}
	return pass;
}

static inline bool tap_is_int(long long got, long long want,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline bool tap_is_int(long long got, long long want,
			      const char *fmt, ...)
{
	bool pass = got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_diag("got:  %lld", got);
		tap_diag("want: %lld", want);
	}
	return pass;
}

/* count checks that cannot run here, each reported as passed with why. */
static inline void tap_skip(int count, const char *reason)
{
	while (count-- > 0)
		printf("ok %d # SKIP %s\n", ++tap_count, reason);
}

/* Print the plan; the exit status for main(). */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failed)
		tap_diag("failed %d of %d checks", tap_failed, tap_count);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
