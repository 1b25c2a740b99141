/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event loop: drain the ring buffer, decode, explain and print each
 * drop as it arrives, until --count, --duration or a signal ends the run.
 */
#ifndef DW_STREAM_H
#define DW_STREAM_H

#include "decode.h"
#include "options.h"
#include "tracer.h"

struct attributor;

struct stream {
	const struct options *opts;
	struct attributor *attributor;	/* NULL: no rule attribution */
	struct decoder decoder;
	unsigned long printed;
};

/* Decode with these names and symbols; positions from t's sentinels. */
void stream__init(struct stream *s, const struct options *opts,
		  struct attributor *attributor, const struct ksyms *ksyms,
		  const struct reason_table *reasons, const struct tracer *t);
/* Install SIGINT/SIGTERM handlers that only set a flag. */
void stream__catch_signals(void);
/* Run until done; 0, or -1 after a one-line error. */
int stream__run(struct stream *s, struct tracer *t);
/* Drops by reason and lost events, on stderr. */
void stream__summary(const struct stream *s, const struct tracer *t);

#endif
