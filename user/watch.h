/* SPDX-License-Identifier: GPL-2.0 */
/* The watch set: which destinations dropwhy reports drops for. */
#ifndef DW_WATCH_H
#define DW_WATCH_H

#include <stddef.h>
#include <linux/types.h>
#include "dropwhy.h"

struct watch_set {
	struct watch_key keys[DW_MAX_WATCH];
	size_t count;
};

/*
 * Parse "ADDR[:PORT]" (IPv4), "ADDR" or "[ADDR]:PORT" (IPv6) into key.
 * Returns 0, or -1 with a one-line reason in err.
 */
int watch__parse(const char *spec, struct watch_key *key, char *err,
		 size_t err_len);
/* Add spec to set; -1 with err filled on a bad spec or a full set. */
int watch__add(struct watch_set *set, const char *spec, char *err,
	       size_t err_len);
/* The ECS agent endpoints watched when no --watch is given. */
void watch__add_defaults(struct watch_set *set);
/* "169.254.170.2:80", "[::1]:53", "10.0.0.1" (any port). */
void watch__format(const struct watch_key *key, char *buf, size_t len);

#endif
