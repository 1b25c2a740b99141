/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal JSON object writer for the event stream: one flat object per
 * line, keys in a fixed order. Strings are escaped so that any byte
 * sequence (interface names are arbitrary bytes) yields valid JSON.
 */
#ifndef DW_JSON_H
#define DW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer {
	FILE *out;
	int depth;
	bool need_comma;
};

void json__begin(struct json_writer *w, FILE *out);
void json__end(struct json_writer *w);
/* Nested object value under key; close it with json__close_object. */
void json__open_object(struct json_writer *w, const char *key);
void json__close_object(struct json_writer *w);
/* Array value under key; elements are objects opened with a NULL key. */
void json__open_array(struct json_writer *w, const char *key);
void json__close_array(struct json_writer *w);
void json__string(struct json_writer *w, const char *key, const char *value);
void json__uint(struct json_writer *w, const char *key, uint64_t value);
void json__int(struct json_writer *w, const char *key, int64_t value);
void json__bool(struct json_writer *w, const char *key, bool value);
void json__null(struct json_writer *w, const char *key);
/* A quoted, escaped string on its own; NULL writes null. */
void json__write_string(FILE *out, const char *value);

#endif
