// SPDX-License-Identifier: GPL-2.0
/* user/options: the command line, valid and not. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "log.h"
#include "options.h"
#include "tap.h"

#define MAX_ARGS	8

/* One run of options__parse with what it printed on stdout and stderr. */
struct parse_result {
	struct options opts;
	bool done;
	int status;
	char out[4096];
	char err[512];
};

struct usage_case {
	const char *args[MAX_ARGS];
	const char *message;	/* part of the expected error line */
};

static const struct usage_case usage_cases[] = {
	{ { "--all", "--watch", "10.0.0.1" }, "--all and --watch exclude" },
	{ { "-w", "10.0.0.1", "-a" }, "--all and --watch exclude" },
	{ { "--bogus" }, "unknown option '--bogus'" },
	{ { "-x" }, "unknown option '-x'" },
	{ { "--duration", "0" }, "'0'" },
	{ { "--duration", "-1" }, "'-1'" },
	{ { "--duration", "abc" }, "'abc'" },
	{ { "--duration", "inf" }, "'inf'" },
	{ { "--duration", "nan" }, "'nan'" },
	{ { "--duration", "" }, "''" },
	{ { "--count", "0" }, "'0'" },
	{ { "--max-rate", "-1" }, "--max-rate needs a whole number >= 0, not '-1'" },
	{ { "--max-rate", "many" }, "'many'" },
	{ { "--max-rate", "" }, "''" },
	{ { "--count", "-3" }, "'-3'" },
	{ { "--count", "+3" }, "'+3'" },
	{ { "--count", "5x" }, "'5x'" },
	{ { "--count", "99999999999999999999999" }, "'99999999999999999999999'" },
	{ { "--watch", "1.2.3.4:0" }, "invalid watch '1.2.3.4:0'" },
	{ { "--watch" }, "missing argument for '--watch'" },
	{ { "-c" }, "missing argument for '-c'" },
	{ { "extra" }, "unexpected argument 'extra'" },
	{ { "--json", "extra" }, "unexpected argument 'extra'" },
	{ { "--hooks", "kprobe" }, "'kprobe'" },
	{ { "--hooks" }, "missing argument for '--hooks'" },
};

static void read_back(FILE *file, char *buf, size_t len)
{
	size_t got;

	rewind(file);
	got = fread(buf, 1, len - 1, file);
	buf[got] = '\0';
	fclose(file);
}

/* Point fd at file; returns a copy of the old fd to restore later. */
static int redirect(int fd, FILE *file)
{
	int saved = dup(fd);

	dup2(fileno(file), fd);
	return saved;
}

static void restore(int fd, int saved)
{
	dup2(saved, fd);
	close(saved);
}

/* options__parse on "dropwhy" followed by args, output captured. */
static void parse(const char *const *args, struct parse_result *res)
{
	char *argv[MAX_ARGS + 2] = { "dropwhy" };
	FILE *out = tmpfile(), *err = tmpfile();
	int argc, saved_out, saved_err;

	for (argc = 1; argc <= MAX_ARGS && args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	fflush(stdout);
	fflush(stderr);
	saved_out = redirect(STDOUT_FILENO, out);
	saved_err = redirect(STDERR_FILENO, err);
	res->status = options__parse(argc, argv, &res->opts, &res->done);
	fflush(stdout);
	fflush(stderr);
	restore(STDOUT_FILENO, saved_out);
	restore(STDERR_FILENO, saved_err);
	read_back(out, res->out, sizeof(res->out));
	read_back(err, res->err, sizeof(res->err));
}

static const char *watch_entry(const struct options *opts, size_t i,
			       char *buf, size_t len)
{
	if (i >= opts->watch.count)
		return NULL;
	watch__format(&opts->watch.keys[i], buf, len);
	return buf;
}

static void test_defaults(void)
{
	static const char *const no_args[] = { NULL };
	struct parse_result res;
	char text[64];

	parse(no_args, &res);
	tap_is_int(res.status, DW_EXIT_OK, "defaults: status 0");
	tap_ok(!res.done, "defaults: not done");
	tap_is_int(res.opts.watch.count, 3, "defaults: three watch entries");
	tap_is_str(watch_entry(&res.opts, 0, text, sizeof(text)),
		   "169.254.170.2:80", "defaults: first entry");
	tap_ok(!res.opts.json, "defaults: text output");
	tap_ok(!res.opts.watch_all, "defaults: not --all");
	tap_ok(!res.opts.housekeeping && !res.opts.verbose,
	       "defaults: no housekeeping, not verbose");
	tap_is_int(res.opts.max_events, 0, "defaults: unlimited count");
	tap_is_int(res.opts.max_rate, DW_DEFAULT_MAX_RATE,
		   "defaults: --max-rate 10000 per CPU");
	tap_ok(res.opts.duration_s == 0, "defaults: no duration");
	tap_is_str(res.err, "", "defaults: nothing on stderr");
}

static void test_long_options(void)
{
	static const char *const args[] = {
		"--json", "--count", "5", "--duration", "1.5", NULL,
	};
	struct parse_result res;

	parse(args, &res);
	tap_is_int(res.status, DW_EXIT_OK, "long options: status 0");
	tap_ok(res.opts.json, "long options: --json");
	tap_is_int(res.opts.max_events, 5, "long options: --count 5");
	tap_ok(res.opts.duration_s == 1.5, "long options: --duration 1.5");
	tap_is_int(res.opts.watch.count, 3, "long options: default watch");
}

static void test_short_options(void)
{
	static const char *const args[] = {
		"-jc7", "-d", "0.25", "-v", "--housekeeping",
		"--hide-btf-types=a,b", "--count=9", NULL,
	};
	struct parse_result res;

	parse(args, &res);
	tap_is_int(res.status, DW_EXIT_OK, "short options: status 0");
	tap_ok(res.opts.json, "short options: -j inside a cluster");
	tap_is_int(res.opts.max_events, 9, "short options: last count wins");
	tap_ok(res.opts.duration_s == 0.25, "short options: -d 0.25");
	tap_ok(res.opts.verbose && res.opts.housekeeping,
	       "short options: -v and --housekeeping");
	tap_is_str(res.opts.hide_types, "a,b", "short options: hidden types");
}

static void test_watch_replaces_defaults(void)
{
	static const char *const args[] = {
		"-w", "10.0.0.1:53", "--watch", "[::1]:53", NULL,
	};
	struct parse_result res;
	char text[64];

	parse(args, &res);
	tap_is_int(res.status, DW_EXIT_OK, "watch: status 0");
	tap_is_int(res.opts.watch.count, 2, "watch: replaces the defaults");
	tap_is_str(watch_entry(&res.opts, 0, text, sizeof(text)),
		   "10.0.0.1:53", "watch: first entry");
	tap_is_str(watch_entry(&res.opts, 1, text, sizeof(text)),
		   "[::1]:53", "watch: second entry");
}

static void test_max_rate(void)
{
	static const char *const zero[] = { "--max-rate", "0", NULL };
	static const char *const some[] = { "--max-rate=250", NULL };
	struct parse_result res;

	parse(zero, &res);
	tap_ok(res.status == DW_EXIT_OK && res.opts.max_rate == 0,
	       "--max-rate 0: every event printed");
	parse(some, &res);
	tap_ok(res.status == DW_EXIT_OK && res.opts.max_rate == 250,
	       "--max-rate=250");
}

static void test_all(void)
{
	static const char *const args[] = { "--all", NULL };
	struct parse_result res;

	parse(args, &res);
	tap_is_int(res.status, DW_EXIT_OK, "all: status 0");
	tap_ok(res.opts.watch_all, "all: watch_all set");
}

static void test_usage_case(const struct usage_case *c)
{
	struct parse_result res;

	parse(c->args, &res);
	tap_is_int(res.status, DW_EXIT_USAGE, "usage error for %s %s",
		   c->args[0], c->args[1] ? c->args[1] : "");
	tap_ok(!res.done, "usage error for %s: not done", c->args[0]);
	tap_ok(!strncmp(res.err, "dropwhy: error: ", 16) &&
	       strstr(res.err, c->message),
	       "usage error for %s: stderr says %s", c->args[0], c->message);
	if (!tap_ok(strchr(res.err, '\n') == res.err + strlen(res.err) - 1,
		    "usage error for %s: one line", c->args[0]))
		tap_diag("stderr: %.*s", (int)strcspn(res.err, "\n"), res.err);
}

static void test_help_and_version(void)
{
	static const char *const help[] = { "--help", NULL };
	static const char *const version[] = { "-V", NULL };
	struct parse_result res;

	parse(help, &res);
	tap_is_int(res.status, DW_EXIT_OK, "--help: status 0");
	tap_ok(res.done, "--help: done");
	tap_ok(!strncmp(res.out, "Usage: dropwhy", 14), "--help: usage on stdout");
	tap_ok(strstr(res.out, "2 usage error") != NULL,
	       "--help: documents the exit statuses");
	tap_is_str(res.err, "", "--help: nothing on stderr");
	parse(version, &res);
	tap_is_int(res.status, DW_EXIT_OK, "-V: status 0");
	tap_ok(res.done, "-V: done");
	tap_ok(!strncmp(res.out, "dropwhy ", 8), "-V: version on stdout");
}

/*
 * Each call must start afresh, even when the previous one stopped in the
 * middle of a cluster of short options ("-hj" stops at h). Resetting
 * optind to 1 leaves glibc's position inside the old cluster behind;
 * only optind = 0 reinitialises getopt.
 */
static void test_hooks(void)
{
	static const char *const none[] = { "--no-hooks", NULL };
	static const char *const fentry[] = { "--hooks", "fentry", NULL };
	static const char *const no_args[] = { NULL };
	struct parse_result res;

	parse(no_args, &res);
	tap_ok(res.opts.hooks == NULL, "hooks: probed by default");
	parse(none, &res);
	tap_is_str(res.opts.hooks, "none", "--no-hooks: hooks none");
	parse(fentry, &res);
	tap_is_int(res.status, DW_EXIT_OK, "--hooks fentry: status 0");
	tap_is_str(res.opts.hooks, "fentry", "--hooks fentry: forced");
}

static void test_reparse(void)
{
	static const char *const stop_early[] = { "-hj", NULL };
	static const char *const count[] = { "-c", "5", NULL };
	struct parse_result res;

	parse(stop_early, &res);
	tap_ok(res.done, "reparse: -hj stops at help");
	parse(count, &res);
	if (!tap_ok(res.status == DW_EXIT_OK && !res.opts.json &&
		    res.opts.max_events == 5,
		    "reparse: -c 5 after -hj parses afresh"))
		tap_diag("status %d, json %d, count %lu, stderr: %.*s",
			 res.status, res.opts.json, res.opts.max_events,
			 (int)strcspn(res.err, "\n"), res.err);
}

int main(void)
{
	size_t i;

	test_defaults();
	test_long_options();
	test_short_options();
	test_watch_replaces_defaults();
	test_all();
	test_max_rate();
	for (i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++)
		test_usage_case(&usage_cases[i]);
	test_help_and_version();
	test_hooks();
	test_reparse();
	return tap_done();
}
