// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "options.h"

#define DW_VERSION "0.1.0"
/* A number as text, for the usage below. */
#define DW_XSTR(x)	#x
#define DW_STR(x)	DW_XSTR(x)

static const char usage_text[] =
"Usage: dropwhy [OPTION]...\n"
"Trace packets the kernel drops, live, and say why: reason, interface,\n"
"the packet before and after NAT, and the fix where one is known.\n"
"\n"
"  -w, --watch ADDR[:PORT]  report drops to this destination (repeatable;\n"
"                           IPv4 ADDR[:PORT], IPv6 ADDR or [ADDR]:PORT);\n"
"                           matched on the packet and on its conntrack\n"
"                           original destination. Default: the ECS agent,\n"
"                           169.254.170.2:80 127.0.0.1:51679 127.0.0.1:51678\n"
"  -a, --all                report every drop, whatever its destination\n"
"  -j, --json               one JSON object per line (schema in README)\n"
"  -c, --count N            stop after N drops\n"
"  -d, --duration SECS      stop after SECS seconds (> 0, fractions allowed)\n"
"      --max-rate N         print at most N drops per second per CPU (default\n"
"                           " DW_STR(DW_DEFAULT_MAX_RATE) "; 0: every one); the rest are\n"
"                           counted in the summary's totals, not printed\n"
"  -n, --netns NAME|PATH|PID  trace the firewall of another network\n"
"                           namespace (/run/netns/NAME, a path, or a PID's)\n"
"      --no-hooks           no table entry probes: no hook/table, no\n"
"                           per-packet cost; rules from counter deltas\n"
"      --housekeeping       also show frees that lose no traffic (socket\n"
"                           queues purged at close and the like)\n"
"  -v, --verbose            show libbpf and feature-probe detail\n"
"\n"
"Diagnostics (to test the paths other kernels take):\n"
"      --capture PATH       force tp_btf, tp_btf-noreason (as before 5.17)\n"
"                           or tracepoint instead of probing\n"
"      --hooks PATH         force netfilter (BPF netfilter links, 6.4+),\n"
"                           fentry (on the table functions) or none\n"
"      --hide-btf-types T,U treat these BTF types as absent (e.g. nf_conn)\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Status lines and the summary go to stderr; drops go to stdout.\n"
"Exit status: 0 success; 1 runtime failure (not root, no BTF, missing\n"
"kernel feature, load or attach failure); 2 usage error.\n";

enum { OPT_HOUSEKEEPING = 256, OPT_HIDE_TYPES, OPT_NO_HOOKS, OPT_HOOKS,
       OPT_CAPTURE, OPT_MAX_RATE };

static const struct option long_options[] = {
	{ "watch", required_argument, NULL, 'w' },
	{ "all", no_argument, NULL, 'a' },
	{ "json", no_argument, NULL, 'j' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
	{ "netns", required_argument, NULL, 'n' },
	{ "no-hooks", no_argument, NULL, OPT_NO_HOOKS },
	{ "hooks", required_argument, NULL, OPT_HOOKS },
	{ "housekeeping", no_argument, NULL, OPT_HOUSEKEEPING },
	{ "hide-btf-types", required_argument, NULL, OPT_HIDE_TYPES },
	{ "capture", required_argument, NULL, OPT_CAPTURE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

int options__parse_duration(const char *text, double *seconds)
{
	char *end;
	double value;

	errno = 0;
	value = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(value) || value <= 0)
		return -1;
	*seconds = value;
	return 0;
}

/* A whole number in decimal, no sign; 0 only when zero_ok. */
static int parse_whole(const char *text, unsigned long *out, bool zero_ok)
{
	char *end;
	unsigned long value;

	if (*text == '-' || *text == '+')
		return -1;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || (value == 0 && !zero_ok))
		return -1;
	*out = value;
	return 0;
}

int options__parse_count(const char *text, unsigned long *count)
{
	return parse_whole(text, count, false);
}

static int usage_error(const char *what, const char *arg)
{
	log_err("%s '%s' (see dropwhy --help)", what, arg);
	return DW_EXIT_USAGE;
}

/* The option that getopt_long just rejected, as the user typed it. */
static const char *rejected_option(char **argv)
{
	static char shortopt[3] = "-?";
	const char *typed = argv[optind - 1];

	if (!strncmp(typed, "--", 2) || !optopt)
		return typed;
	shortopt[1] = (char)optopt;
	return shortopt;
}

static int parse_one(int opt, char **argv, struct options *opts)
{
	char err[160];

	switch (opt) {
	case 'w':
		if (watch__add(&opts->watch, optarg, err, sizeof(err))) {
			log_err("%s", err);
			return DW_EXIT_USAGE;
		}
		return 0;
	case 'a':
		opts->watch_all = true;
		return 0;
	case 'j':
		opts->json = true;
		return 0;
	case 'c':
		if (options__parse_count(optarg, &opts->max_events))
			return usage_error("--count needs a whole number > 0, not", optarg);
		return 0;
	case 'd':
		if (options__parse_duration(optarg, &opts->duration_s))
			return usage_error("--duration needs a number of seconds > 0, not", optarg);
		return 0;
	case OPT_MAX_RATE:
		if (parse_whole(optarg, &opts->max_rate, true))
			return usage_error("--max-rate needs a whole number >= 0, not", optarg);
		return 0;
	case 'n':
		opts->netns = optarg;
		return 0;
	case OPT_NO_HOOKS:
		opts->hooks = "none";
		return 0;
	case OPT_HOOKS:
		if (strcmp(optarg, "netfilter") && strcmp(optarg, "fentry") &&
		    strcmp(optarg, "none"))
			return usage_error("--hooks takes netfilter, fentry or none, not", optarg);
		opts->hooks = optarg;
		return 0;
	case OPT_HOUSEKEEPING:
		opts->housekeeping = true;
		return 0;
	case OPT_HIDE_TYPES:
		opts->hide_types = optarg;
		return 0;
	case OPT_CAPTURE:
		if (strcmp(optarg, "tp_btf") && strcmp(optarg, "tp_btf-noreason") &&
		    strcmp(optarg, "tracepoint"))
			return usage_error("--capture takes tp_btf, tp_btf-noreason or tracepoint, not", optarg);
		opts->capture = optarg;
		return 0;
	case 'v':
		opts->verbose = true;
		return 0;
	case ':':
		return usage_error("missing argument for", rejected_option(argv));
	default:
		return usage_error("unknown option", rejected_option(argv));
	}
}

int options__parse(int argc, char **argv, struct options *opts, bool *done)
{
	int opt, status;

	memset(opts, 0, sizeof(*opts));
	opts->max_rate = DW_DEFAULT_MAX_RATE;
	*done = false;
	opterr = 0;
	optind = 0;	/* 0, not 1: also forgets a half-parsed "-abc" group */
	while ((opt = getopt_long(argc, argv, ":w:ajc:d:n:vhV", long_options,
				  NULL)) != -1) {
		if (opt == 'h' || opt == 'V') {
			fputs(opt == 'h' ? usage_text : "dropwhy " DW_VERSION "\n",
			      stdout);
			*done = true;
			return DW_EXIT_OK;
		}
		status = parse_one(opt, argv, opts);
		if (status)
			return status;
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (opts->watch_all && opts->watch.count) {
		log_err("--all and --watch exclude each other (see dropwhy --help)");
		return DW_EXIT_USAGE;
	}
	if (!opts->watch.count)
		watch__add_defaults(&opts->watch);
	return DW_EXIT_OK;
}
