// SPDX-License-Identifier: GPL-2.0
/*
 * dw-lines: timestamp each line of a stream the moment it arrives.
 *
 *   dw-lines --out FILE [--prefix] [--stats FILE]
 *
 * Reads stdin (a tracer's stdout or stderr through a pipe) and copies it to
 * FILE. With --prefix each line is written as "ARRIVAL_NS LINE", the arrival
 * time in CLOCK_REALTIME nanoseconds. Otherwise lines are copied unchanged
 * and, for every JSON line with a "time" key (dropwhy's wall-clock time of
 * the drop), the delay from that time to the line's arrival is collected.
 * At end of input one JSON object with the line count and the delay's
 * median, p99 and maximum in milliseconds goes to the --stats file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define READ_BYTES	(1 << 20)
#define TIME_KEY	"\"time\":\""

struct delays {
	double *ms;
	size_t len;
	size_t cap;
};

struct line_sink {
	FILE *out;
	bool prefix;
	uint64_t lines;
	struct delays delays;
};

static void die(const char *what)
{
	fprintf(stderr, "dw-lines: error: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* "2026-12-03T15:32:28.123456789Z" -> nanoseconds since the epoch. */
static int parse_time_ns(const char *line, int64_t *ns)
{
	const char *p = strstr(line, TIME_KEY);
	char frac[10] = "000000000";
	struct tm tm = {};
	int len = 0;

	if (!p)
		return -1;
	if (sscanf(p + strlen(TIME_KEY), "%4d-%2d-%2dT%2d:%2d:%2d.%9[0-9]%n",
		   &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, frac, &len) != 7 || !len)
		return -1;
	/* Right-pad the fraction: ".5" is 500000000 ns. */
	memset(frac + strlen(frac), '0', 9 - strlen(frac));
	frac[9] = '\0';
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*ns = (int64_t)timegm(&tm) * 1000000000LL + atoll(frac);
	return 0;
}

static void delays_add(struct delays *d, double ms)
{
	if (d->len == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 4096;
		d->ms = realloc(d->ms, d->cap * sizeof(*d->ms));
		if (!d->ms)
			die("realloc");
	}
	d->ms[d->len++] = ms;
}

static void sink_line(struct line_sink *s, char *line, int64_t arrival)
{
	int64_t drop_ns;

	s->lines++;
	if (s->prefix) {
		fprintf(s->out, "%lld %s\n", (long long)arrival, line);
		return;
	}
	fprintf(s->out, "%s\n", line);
	if (!parse_time_ns(line, &drop_ns))
		delays_add(&s->delays, (arrival - drop_ns) / 1e6);
}

/* Every complete line in buf[0..len) is sunk; returns the bytes used. */
static size_t sink_lines(struct line_sink *s, char *buf, size_t len,
			 int64_t arrival)
{
	size_t used = 0;
	char *nl;

	while ((nl = memchr(buf + used, '\n', len - used))) {
		*nl = '\0';
		sink_line(s, buf + used, arrival);
		used = nl - buf + 1;
	}
	return used;
}

/* All lines that one read() returns arrived together: one timestamp. */
static void copy_stream(struct line_sink *s)
{
	static char buf[READ_BYTES + 1];
	size_t have = 0, used;
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, buf + have, READ_BYTES - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		have += n;
		used = sink_lines(s, buf, have, realtime_ns());
		/* Status lines are polled for while the writer still runs. */
		if (s->prefix)
			fflush(s->out);
		memmove(buf, buf + used, have - used);
		have -= used;
		/* A line longer than the buffer is cut rather than lost. */
		if (have == READ_BYTES) {
			buf[have] = '\0';
			sink_line(s, buf, realtime_ns());
			have = 0;
		}
	}
	if (have) {
		buf[have] = '\0';
		sink_line(s, buf, realtime_ns());
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const struct delays *d, double p)
{
	size_t rank = (size_t)(p / 100 * d->len + 0.999999);

	return d->ms[rank ? rank - 1 : 0];
}

static void print_stats(FILE *f, struct line_sink *s)
{
	struct delays *d = &s->delays;

	fprintf(f, "{\"lines\":%llu,\"timed\":%zu,\"latency_ms\":",
		(unsigned long long)s->lines, d->len);
	if (!d->len) {
		fprintf(f, "null}\n");
		return;
	}
	qsort(d->ms, d->len, sizeof(*d->ms), cmp_double);
	fprintf(f, "{\"median\":%.3f,\"p99\":%.3f,\"max\":%.3f}}\n",
		percentile(d, 50), percentile(d, 99), d->ms[d->len - 1]);
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: dw-lines --out FILE [--prefix] [--stats FILE]\n");
	exit(status);
}

static void parse_args(int argc, char **argv, const char **out,
		       const char **stats, bool *prefix)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "stats", required_argument, NULL, 's' },
		{ "prefix", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			*out = optarg;
			break;
		case 's':
			*stats = optarg;
			break;
		case 'p':
			*prefix = true;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (!*out || optind != argc)
		usage(2);
}

int main(int argc, char **argv)
{
	const char *out_path = NULL, *stats_path = NULL;
	struct line_sink sink = {};
	FILE *stats = NULL;

	/* Parse: usage errors exit with status 2. */
	parse_args(argc, argv, &out_path, &stats_path, &sink.prefix);

	/* Open the copy and the statistics file. */
	sink.out = fopen(out_path, "w");
	if (!sink.out)
		die(out_path);
	if (stats_path && !(stats = fopen(stats_path, "w")))
		die(stats_path);

	/* Copy and timestamp until the writer closes the stream. */
	copy_stream(&sink);

	/* Report. */
	if (fclose(sink.out))
		die(out_path);
	if (!stats)
		return 0;
	print_stats(stats, &sink);
	return fclose(stats) ? 1 : 0;
}
