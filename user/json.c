// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>
#include "json.h"

/*
 * How many bytes from s need no escape: printable ASCII but the quote and
 * the backslash. A loop, not strcspn: with a 130-byte reject set glibc
 * builds a table on every call, which was most of the time per event.
 */
static size_t plain_run(const unsigned char *s)
{
	size_t n = 0;

	while (s[n] >= 0x20 && s[n] < 0x7f && s[n] != '"' && s[n] != '\\')
		n++;
	return n;
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
	int len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms and surrogates are not valid UTF-8 either. */
	if (len == 3 && s[0] == 0xe0 && s[1] < 0xa0)
		return 0;
	if (len == 3 && s[0] == 0xed && s[1] >= 0xa0)
		return 0;
	if (len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) ||
			 (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return len;
}

static void write_escaped_char(FILE *out, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", out);
		break;
	case '\\':
		fputs("\\\\", out);
		break;
	case '\n':
		fputs("\\n", out);
		break;
	case '\r':
		fputs("\\r", out);
		break;
	case '\t':
		fputs("\\t", out);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

void json__write_string(FILE *out, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	int len;

	if (!value) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*s) {
		size_t plain = plain_run(s);

		/* Printable ASCII needs no escape: write it in one go. */
		if (plain) {
			fwrite(s, 1, plain, out);
			s += plain;
			continue;
		}
		len = utf8_len(s);
		if (len == 1) {
			write_escaped_char(out, *s);
		} else if (len > 1) {
			fwrite(s, 1, len, out);
		} else {
			/* A stray byte: keep it visible as its Latin-1 code. */
			fprintf(out, "\\u%04x", *s);
			len = 1;
		}
		s += len;
	}
	fputc('"', out);
}

/* A NULL key is an array element: only the separator. */
static void json_key(struct json_writer *w, const char *key)
{
	if (w->need_comma)
		fputc(',', w->out);
	w->need_comma = true;
	if (!key)
		return;
	json__write_string(w->out, key);
	fputc(':', w->out);
}

void json__begin(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 1;
	w->need_comma = false;
	fputc('{', out);
}

void json__end(struct json_writer *w)
{
	fputs("}\n", w->out);
	w->depth = 0;
}

void json__open_object(struct json_writer *w, const char *key)
{
	json_key(w, key);
	fputc('{', w->out);
	w->depth++;
	w->need_comma = false;
}

void json__close_object(struct json_writer *w)
{
	fputc('}', w->out);
	w->depth--;
	w->need_comma = true;
}

void json__open_array(struct json_writer *w, const char *key)
{
	json_key(w, key);
	fputc('[', w->out);
	w->depth++;
	w->need_comma = false;
}

void json__close_array(struct json_writer *w)
{
	fputc(']', w->out);
	w->depth--;
	w->need_comma = true;
}

void json__string(struct json_writer *w, const char *key, const char *value)
{
	json_key(w, key);
	json__write_string(w->out, value);
}

void json__uint(struct json_writer *w, const char *key, uint64_t value)
{
	json_key(w, key);
	fprintf(w->out, "%" PRIu64, value);
}

void json__int(struct json_writer *w, const char *key, int64_t value)
{
	json_key(w, key);
	fprintf(w->out, "%" PRId64, value);
}

void json__bool(struct json_writer *w, const char *key, bool value)
{
	json_key(w, key);
	fputs(value ? "true" : "false", w->out);
}

void json__null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	fputs("null", w->out);
}
