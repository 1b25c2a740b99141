// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attribute.h"
#include "explain.h"
#include "netns.h"
#include "log.h"
#include "output.h"
#include "reasons.h"
#include "ring.h"
#include "stream.h"

/*
 * The kernel wakes the reader only when a batch is waiting, so the loop
 * also drains on this timer: it bounds the drop-to-output latency.
 */
#define DRAIN_INTERVAL_MS	20

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

void stream__init(struct stream *s, const struct options *opts,
		  struct attributor *attributor, const struct ksyms *ksyms,
		  const struct reason_table *reasons, const struct tracer *t)
{
	memset(s, 0, sizeof(*s));
	s->opts = opts;
	s->attributor = attributor;
	s->decoder.ksyms = ksyms;
	s->decoder.reasons = reasons;
	s->decoder.plan = t->hooks == HOOKS_NETFILTER ? &t->plan : NULL;
	s->decoder.realtime_offset_ns = decode__realtime_offset();
	s->decoder.ifname = netns__ifname;
}

void stream__catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static bool reached_count(const struct stream *s)
{
	return s->opts->max_events && s->printed >= s->opts->max_events;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct stream *s = ctx;
	struct drop_record rec;

	if (size < sizeof(struct drop_event) || reached_count(s))
		return 0;
	decode__event(&s->decoder, data, &rec);
	if (s->attributor)
		attributor__resolve(s->attributor, &rec);
	log_debug("event: rule_state %u, entries moved %u", rec.ev->rule_state,
		  rec.ev->rule_moved);
	explain__drop(&rec);
	if (s->opts->json)
		output__json(stdout, &rec);
	else
		output__text(stdout, &rec);
	s->printed++;
	/* A negative return stops the drain after this event. */
	return reached_count(s) ? -1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int stream__run(struct stream *s, struct tracer *t)
{
	double deadline = 0;
	struct ring ring;
	long err = 0;

	err = ring__open(&ring, tracer__events_fd(t));
	if (err) {
		log_err("cannot map the event ring buffer: %s", strerror(-err));
		return -1;
	}
	/*
	 * One thread writes stdout: no stdio lock per call. A pipe or file
	 * gets a 64 KiB buffer (written once per drain); a terminal keeps
	 * its line buffering.
	 */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (s->opts->duration_s > 0)
		deadline = now_s() + s->opts->duration_s;
	while (!stop_requested && !reached_count(s)) {
		err = ring__wait(&ring, DRAIN_INTERVAL_MS);
		if (!err)
			err = ring__drain(&ring, handle_event, s);
		/* One write per drain, not per line: still within the interval. */
		fflush(stdout);
		if (err < 0 && err != -EINTR && !reached_count(s)) {
			log_err("reading events failed: %s", strerror((int)-err));
			ring__close(&ring);
			return -1;
		}
		if (deadline && now_s() >= deadline)
			break;
	}
	/* What arrived before the stop still gets printed. */
	if (!reached_count(s))
		ring__drain(&ring, handle_event, s);
	fflush(stdout);
	ring__close(&ring);
	return 0;
}

void stream__summary(const struct stream *s, const struct tracer *t)
{
	__u64 totals[DW_MAX_REASONS], lost[DW_LOST_KINDS], all = 0;
	const char *name, *sep = ":";
	__u32 code;

	if (tracer__totals(t, totals, lost))
		return;
	for (code = 0; code < DW_MAX_REASONS; code++)
		all += totals[code];
	fprintf(stderr, "dropwhy: %llu watched drop%s (%lu printed)",
		(unsigned long long)all, all == 1 ? "" : "s", s->printed);
	for (code = 0; code < DW_MAX_REASONS; code++) {
		if (!totals[code])
			continue;
		name = reasons__name(s->decoder.reasons, code);
		fprintf(stderr, "%s %s %llu", sep, name ? name : "UNKNOWN",
			(unsigned long long)totals[code]);
		sep = ",";
	}
	fputc('\n', stderr);
	if (lost[DW_LOST_OVER_RATE])
		log_info("%llu events not printed: over --max-rate %lu per CPU per second (totals above still count them)",
			 (unsigned long long)lost[DW_LOST_OVER_RATE], s->opts->max_rate);
	if (lost[DW_LOST_RING_FULL])
		log_warn("%llu events lost: the ring buffer was full (totals above still count them)",
			 (unsigned long long)lost[DW_LOST_RING_FULL]);
}
