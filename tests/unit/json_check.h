/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validate a JSON document with an independent parser: python3 when it is
 * installed, jq otherwise. Both print the top-level keys of an object in
 * document order, so tests can check the key order too.
 */
#ifndef DW_JSON_CHECK_H
#define DW_JSON_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes, not text: a stray non-UTF-8 byte must fail, not be escaped. */
static const char json_check_python[] =
	"python3 -c 'import json, sys; "
	"d = json.loads(sys.stdin.buffer.read()); "
	"print(\" \".join(d) if isinstance(d, dict) else \"\")'";

static const char json_check_jq[] =
	"jq -r -s 'if length != 1 then error(\"not one document\") "
	"elif (.[0] | type) == \"object\" "
	"then .[0] | keys_unsorted | join(\" \") else \"\" end'";

static inline const char *json_check_parser(void)
{
	if (!system("command -v python3 >/dev/null 2>&1"))
		return json_check_python;
	return json_check_jq;
}

static inline int json_check_write_temp(const char *doc, char *path,
					size_t path_len)
{
	size_t len = strlen(doc);
	int fd;

	snprintf(path, path_len, "/tmp/dropwhy-json-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, doc, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * True when doc parses as exactly one JSON document. keys receives the
 * top-level keys separated by spaces ("" for a non-object); may be NULL.
 */
static inline bool json_check(const char *doc, char *keys, size_t keys_len)
{
	char path[64], command[512], line[1024] = "";
	FILE *parser;
	int status;

	if (json_check_write_temp(doc, path, sizeof(path)))
		return false;
	snprintf(command, sizeof(command), "%s < %s 2>/dev/null",
		 json_check_parser(), path);
	parser = popen(command, "r");
	if (!parser) {
		unlink(path);
		return false;
	}
	if (!fgets(line, sizeof(line), parser))
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	status = pclose(parser);
	unlink(path);
	if (keys)
		snprintf(keys, keys_len, "%s", line);
	return status == 0;
}

#endif
