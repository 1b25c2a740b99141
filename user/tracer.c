// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "dropwhy.skel.h"
#include "ksyms.h"
#include "log.h"
#include "netns.h"
#include "reasons.h"
#include "tracer.h"

#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define TRACEFS		"/sys/kernel/tracing"
#define KFREE_SKB_TP	TRACEFS "/events/skb/kfree_skb"

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

/*
 * Frees that lose no traffic: a socket's queues purged when it closes,
 * skbs of a socket that is going away. Hidden unless --housekeeping.
 */
static const char *const housekeeping_reasons[] = {
	"QUEUE_PURGE",
	"SOCKET_CLOSE",
};

enum capture_path {
	CAPTURE_TP_BTF,		/* tp_btf: BTF-typed args, cheapest */
	CAPTURE_TRACEPOINT,	/* classic tracepoint through tracefs */
	CAPTURE_PATHS,
};

static const char *const capture_names[] = {
	[CAPTURE_TP_BTF] = "tp_btf/kfree_skb",
	[CAPTURE_TRACEPOINT] = "tracepoint/skb/kfree_skb",
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (!log_verbose)
		return 0;
	fputs("dropwhy: ", stderr);
	return vfprintf(stderr, fmt, args);
}

static bool has_cap(const struct __user_cap_data_struct *caps, int cap)
{
	return caps[cap / 32].effective & (1u << (cap % 32));
}

int tracer__check_env(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2] = {};

	libbpf_set_print(libbpf_print);
	if (syscall(SYS_capget, &hdr, caps) == 0 &&
	    !has_cap(caps, CAP_SYS_ADMIN) &&
	    !(has_cap(caps, CAP_BPF) && has_cap(caps, CAP_PERFMON))) {
		log_err("needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN): run it with sudo");
		return -1;
	}
	if (access(VMLINUX_BTF, R_OK)) {
		log_err("kernel lacks BTF (%s: %s): dropwhy needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			VMLINUX_BTF, strerror(errno));
		return -1;
	}
	return 0;
}

struct btf *tracer__load_btf(void)
{
	struct btf *btf = btf__parse(VMLINUX_BTF, NULL);

	if (!btf)
		log_err("cannot read kernel BTF from %s: %s", VMLINUX_BTF,
			strerror(errno));
	return btf;
}

/* A comma-separated name list contains name. */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return false;
}

static bool btf_has_type(const struct btf *btf, const struct options *opts,
			 const char *name, int kind)
{
	if (opts->hide_types && listed(opts->hide_types, name)) {
		log_debug("probe: treating BTF type '%s' as absent (--hide-btf-types)", name);
		return false;
	}
	return btf__find_by_name_kind(btf, name, kind) >= 0;
}

/*
 * Arguments of the kfree_skb tracepoint, ctx included: 3 before 5.17
 * (skb, location), 4 once it gained the drop reason, 5 with rx_sk (6.11).
 */
static int kfree_skb_args(const struct btf *btf)
{
	const struct btf_type *t;
	int id;

	id = btf__find_by_name_kind(btf, "btf_trace_kfree_skb", BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = btf__type_by_id(btf, t->type);	/* pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);	/* function prototype */
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

static void hide_reasons(struct dropwhy_bpf *skel,
			 const struct reason_table *reasons)
{
	size_t i;
	int code;

	for (i = 0; i < sizeof(housekeeping_reasons) / sizeof(*housekeeping_reasons); i++) {
		code = reasons__code(reasons, housekeeping_reasons[i]);
		if (code < 0)
			continue;
		skel->rodata->hidden_reasons[code / 64] |= 1ULL << (code % 64);
		log_debug("filter: hiding housekeeping reason %s (%d)",
			  housekeeping_reasons[i], code);
	}
}

/*
 * Counter attribution finds tables by their hook functions, whose
 * addresses come from kallsyms; without them it stays off.
 */
static void configure_attribution(struct tracer *t, struct dropwhy_bpf *skel,
				  const struct ksyms *ksyms,
				  const struct reason_table *reasons)
{
	int code = reasons__code(reasons, "NETFILTER_DROP");

	skel->rodata->have_netfilter_reason = code >= 0;
	skel->rodata->netfilter_drop_reason = code >= 0 ? code : 0;
	skel->rodata->percpu_counters = libbpf_num_possible_cpus() > 1;
	skel->rodata->ipt_do_table_addr = ksyms__addr(ksyms, "ipt_do_table");
	skel->rodata->ip6t_do_table_addr = ksyms__addr(ksyms, "ip6t_do_table");
	skel->rodata->nft_do_chain_ipv4_addr = ksyms__addr(ksyms, "nft_do_chain_ipv4");
	skel->rodata->nft_do_chain_ipv6_addr = ksyms__addr(ksyms, "nft_do_chain_ipv6");
	skel->rodata->nft_do_chain_inet_addr = ksyms__addr(ksyms, "nft_do_chain_inet");
	t->can_attribute = skel->rodata->ipt_do_table_addr ||
			   skel->rodata->nft_do_chain_ipv4_addr;
	if (!t->can_attribute)
		log_debug("attribution: no ipt_do_table/nft_do_chain in kallsyms: kernel counters off");
}

static void configure(struct tracer *t, enum capture_path path,
		      const struct options *opts, const struct btf *btf,
		      const struct ksyms *ksyms,
		      const struct reason_table *reasons)
{
	struct dropwhy_bpf *skel = t->skel;
	int code = reasons__code(reasons, "CONSUMED");

	bpf_program__set_autoload(skel->progs.tp_btf_kfree_skb,
				  path == CAPTURE_TP_BTF && t->has_reason);
	bpf_program__set_autoload(skel->progs.tp_btf_kfree_skb_noreason,
				  path == CAPTURE_TP_BTF && !t->has_reason);
	bpf_program__set_autoload(skel->progs.tracepoint_kfree_skb,
				  path == CAPTURE_TRACEPOINT);
	sentinel__prepare(skel, t->has_sentinels);
	configure_attribution(t, skel, ksyms, reasons);
	skel->rodata->watch_all = opts->watch_all;
	skel->rodata->have_conntrack = btf_has_type(btf, opts, "nf_conn",
						    BTF_KIND_STRUCT);
	if (!skel->rodata->have_conntrack)
		log_warn("kernel BTF has no conntrack types: orig_* and ct_state will be null");
	skel->rodata->have_consumed_reason = code >= 0;
	skel->rodata->consumed_reason = code >= 0 ? code : 0;
	if (!opts->housekeeping)
		hide_reasons(skel, reasons);
}

static int ensure_tracefs(void)
{
	struct stat st;

	if (stat(KFREE_SKB_TP, &st) == 0)
		return 0;
	if (stat(TRACEFS "/events", &st) == 0) {
		log_err("kernel has no skb:kfree_skb tracepoint (%s missing)", KFREE_SKB_TP);
		return -1;
	}
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		log_err("tracefs is not mounted and mounting it failed (%s): run 'mount -t tracefs tracefs %s'",
			strerror(errno), TRACEFS);
		return -1;
	}
	log_debug("probe: mounted tracefs on %s", TRACEFS);
	return stat(KFREE_SKB_TP, &st) == 0 ? 0 : -1;
}

static int fill_watch_set(struct tracer *t, const struct options *opts)
{
	int fd = bpf_map__fd(t->skel->maps.watch_set);
	__u8 present = 1;
	size_t i;

	for (i = 0; !opts->watch_all && i < opts->watch.count; i++) {
		if (bpf_map_update_elem(fd, &opts->watch.keys[i], &present, BPF_ANY)) {
			log_err("cannot fill the watch set: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int try_path(struct tracer *t, enum capture_path path,
		    const struct options *opts, const struct btf *btf,
		    const struct ksyms *ksyms,
		    const struct reason_table *reasons)
{
	int err;

	t->skel = dropwhy_bpf__open();
	if (!t->skel)
		return -errno;
	configure(t, path, opts, btf, ksyms, reasons);
	err = dropwhy_bpf__load(t->skel);
	if (!err)
		err = fill_watch_set(t, opts);
	if (!err)
		err = dropwhy_bpf__attach(t->skel);
	if (err) {
		dropwhy_bpf__destroy(t->skel);
		t->skel = NULL;
		return err < 0 ? err : -EINVAL;
	}
	t->capture_path = capture_names[path];
	return 0;
}

static void attach_sentinels(struct tracer *t);

/* --capture: take the named path without probing, for tests. */
static int start_forced(struct tracer *t, const struct options *opts,
			const struct btf *btf, const struct ksyms *ksyms,
			const struct reason_table *reasons, int args)
{
	enum capture_path path = CAPTURE_TP_BTF;
	int err;

	if (!strcmp(opts->capture, "tracepoint"))
		path = CAPTURE_TRACEPOINT;
	if (!strcmp(opts->capture, "tp_btf-noreason"))
		t->has_reason = false;
	if (path == CAPTURE_TRACEPOINT && ensure_tracefs())
		return -1;
	if (path == CAPTURE_TP_BTF && args < 0) {
		log_err("kernel has no tp_btf kfree_skb (btf_trace_kfree_skb missing from BTF)");
		return -1;
	}
	log_debug("probe: capture path forced to %s", opts->capture);
	err = try_path(t, path, opts, btf, ksyms, reasons);
	if (err) {
		log_err("cannot load or attach %s: %s", opts->capture, strerror(-err));
		return -1;
	}
	attach_sentinels(t);
	return 0;
}

static int open_netns(struct tracer *t, const struct options *opts)
{
	if (!opts->netns)
		return 0;
	t->netns_fd = netns__open(opts->netns);
	if (t->netns_fd < 0) {
		log_err("cannot open network namespace '%s': %s", opts->netns,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void probe_sentinels(struct tracer *t, const struct options *opts,
			    const struct btf *btf)
{
	if (opts->no_hooks) {
		log_debug("hooks: sentinels disabled by --no-hooks");
		return;
	}
	t->has_sentinels = sentinel__supported(btf);
	if (t->has_sentinels)
		log_debug("hooks: BPF netfilter links available (struct bpf_nf_ctx in BTF): table sentinels");
	else
		log_debug("hooks: kernel lacks BPF netfilter links (Linux 6.4): no table sentinels");
}

static void attach_sentinels(struct tracer *t)
{
	int err;

	if (!t->has_sentinels)
		return;
	err = sentinel__attach(&t->plan, t->skel, t->netns_fd);
	if (!err)
		err = sentinel__publish(&t->plan, t->skel);
	if (err) {
		log_warn("cannot place netfilter sentinels (%s): hook and table will be null",
			 strerror(-err));
		t->has_sentinels = false;
		return;
	}
	tracer__prime(t);
}

int tracer__prime(struct tracer *t)
{
	int err;

	if (!t->has_sentinels || !t->can_attribute)
		return 0;
	err = sentinel__prime(&t->plan, t->skel, t->netns_fd);
	if (err)
		log_warn("cannot record counter baselines (%s): first drops per CPU fall back to ruleset snapshots",
			 strerror(-err));
	else
		log_debug("attribution: counter baselines recorded on every CPU");
	return err;
}

bool tracer__reprime_requested(struct tracer *t)
{
	__u64 requests = 0;
	__u32 zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.reprime_requests), &zero,
			    &requests);
	if (requests == t->reprimes_seen)
		return false;
	t->reprimes_seen = requests;
	return true;
}

int tracer__start(struct tracer *t, const struct options *opts,
		  const struct btf *btf, const struct ksyms *ksyms,
		  const struct reason_table *reasons,
		  const struct sentinel_plan *plan)
{
	int args = kfree_skb_args(btf);
	int err = -ENOENT;

	memset(t, 0, sizeof(*t));
	t->netns_fd = -1;
	if (plan)
		t->plan = *plan;
	else
		sentinel__plan_defaults(&t->plan);
	if (open_netns(t, opts))
		return -1;
	t->has_reason = args >= 4;
	probe_sentinels(t, opts, btf);
	if (opts->capture)
		return start_forced(t, opts, btf, ksyms, reasons, args);
	if (args > 0) {
		log_debug("probe: btf_trace_kfree_skb has %d arguments: drop reason %s",
			  args, t->has_reason ? "available" : "absent (kernel before 5.17)");
		err = try_path(t, CAPTURE_TP_BTF, opts, btf, ksyms, reasons);
		if (!err)
			goto attached;
		log_debug("probe: tp_btf/kfree_skb failed (%s); trying the classic tracepoint",
			  strerror(-err));
	} else {
		log_debug("probe: no btf_trace_kfree_skb in BTF; trying the classic tracepoint");
	}
	if (ensure_tracefs())
		return -1;
	err = try_path(t, CAPTURE_TRACEPOINT, opts, btf, ksyms, reasons);
	if (err) {
		log_err("cannot load or attach the kfree_skb program: %s%s",
			strerror(-err), log_verbose ? "" : " (run with -v for libbpf's detail)");
		return -1;
	}
attached:
	log_debug("capture: %s", t->capture_path);
	attach_sentinels(t);
	return 0;
}

int tracer__totals(const struct tracer *t, __u64 *by_reason, __u64 *lost)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *values = calloc(ncpus, sizeof(*values));
	__u32 key, cpu;
	int fd;

	if (!values)
		return -1;
	fd = bpf_map__fd(t->skel->maps.reason_totals);
	for (key = 0; key < DW_MAX_REASONS; key++) {
		by_reason[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, values))
			continue;
		for (cpu = 0; cpu < (__u32)ncpus; cpu++)
			by_reason[key] += values[cpu];
	}
	key = 0;
	*lost = 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost_events), &key, values))
		for (cpu = 0; cpu < (__u32)ncpus; cpu++)
			*lost += values[cpu];
	free(values);
	return 0;
}

void tracer__stop(struct tracer *t)
{
	sentinel__detach(&t->plan);
	if (t->netns_fd >= 0)
		close(t->netns_fd);
	t->netns_fd = -1;
	ring_buffer__free(t->rb);
	t->rb = NULL;
	dropwhy_bpf__destroy(t->skel);
	t->skel = NULL;
}

int tracer__events_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.events);
}
