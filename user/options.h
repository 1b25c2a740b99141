/* SPDX-License-Identifier: GPL-2.0 */
/* Command line: what to watch, how to print, when to stop. */
#ifndef DW_OPTIONS_H
#define DW_OPTIONS_H

#include <stdbool.h>
#include "watch.h"

/* Events per second per CPU printed before the rest are only counted. */
#define DW_DEFAULT_MAX_RATE	10000

struct options {
	struct watch_set watch;
	bool watch_all;
	bool json;
	bool housekeeping;	/* also show frees that lose no traffic */
	bool verbose;
	unsigned long max_events;	/* --count; 0: unlimited */
	double duration_s;	/* --duration; 0: until a signal */
	unsigned long max_rate;	/* --max-rate, events/s per CPU; 0: all */
	const char *netns;	/* --netns NAME|PATH|PID */
	/* Testing aids: BTF type names to treat as absent (comma list), a
	 * capture path and a hook path (--hooks; "none" is --no-hooks)
	 * forced instead of probed. */
	const char *hide_types;
	const char *capture;
	const char *hooks;
};

/*
 * Parse argv into opts. Returns DW_EXIT_OK to run, or an exit status:
 * DW_EXIT_USAGE after a one-line error, DW_EXIT_OK after --help.
 */
int options__parse(int argc, char **argv, struct options *opts, bool *done);
/* Parse a positive number of seconds; -1 when text is not one. */
int options__parse_duration(const char *text, double *seconds);
int options__parse_count(const char *text, unsigned long *count);

#endif
