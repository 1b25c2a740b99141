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
#include "dropwhy.h"
#include "dropwhy.skel.h"
#include "ksyms.h"
#include "log.h"
#include "netns.h"
#include "reasons.h"
#include "tracer.h"

#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define KALLSYMS	"/proc/kallsyms"
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

/*
 * The same frees by where they happen, for kernels that give them no
 * reason of their own (NOT_SPECIFIED on 6.1): a closing socket's queues.
 */
static const char *const housekeeping_funcs[DW_HIDE_FUNCS] = {
	"sk_stream_kill_queues",
	"inet_sock_destruct",
	"skb_queue_purge",
	"tcp_write_queue_purge",
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

static struct btf *load_btf(void)
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

/*
 * The modules whose types and functions attribution uses. Their BTF is
 * there only while they are loaded: a module loaded after dropwhy starts
 * is not seen until the next start.
 */
static const char *const netfilter_modules[] = {
	"nf_conntrack", "x_tables", "ip_tables", "ip6_tables", "nf_tables",
};
#define NR_MODULES (sizeof(netfilter_modules) / sizeof(netfilter_modules[0]))

struct kernel_btf {
	const struct btf *vmlinux;
	struct btf *modules[NR_MODULES];
};

static void kernel_btf__load(struct kernel_btf *kb, const struct btf *vmlinux)
{
	char path[64];
	size_t i;

	kb->vmlinux = vmlinux;
	for (i = 0; i < NR_MODULES; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", netfilter_modules[i]);
		kb->modules[i] = access(path, R_OK) ? NULL :
			btf__parse_split(path, (struct btf *)vmlinux);
	}
}

static void kernel_btf__free(struct kernel_btf *kb)
{
	size_t i;

	for (i = 0; i < NR_MODULES; i++)
		btf__free(kb->modules[i]);
	memset(kb, 0, sizeof(*kb));
}

/* The BTF (vmlinux or a loaded module's) that defines name, and its id. */
static const struct btf *btf_defining(const struct kernel_btf *kb,
				      const char *name, int kind, __s32 *id)
{
	size_t i;

	*id = btf__find_by_name_kind(kb->vmlinux, name, kind);
	if (*id >= 0)
		return kb->vmlinux;
	for (i = 0; i < NR_MODULES; i++) {
		if (!kb->modules[i])
			continue;
		*id = btf__find_by_name_kind(kb->modules[i], name, kind);
		if (*id >= 0)
			return kb->modules[i];
	}
	return NULL;
}

/* In vmlinux or a loaded module's BTF, and not hidden by the user. */
static bool btf_has_type(const struct kernel_btf *kb, const struct options *opts,
			 const char *name, int kind)
{
	__s32 id;

	if (opts->hide_types && listed(opts->hide_types, name)) {
		log_debug("probe: treating BTF type '%s' as absent (--hide-btf-types)", name);
		return false;
	}
	return btf_defining(kb, name, kind, &id) != NULL;
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

static void hide_funcs(struct dropwhy_bpf *skel, const struct ksyms *ksyms)
{
	uint64_t start, end;
	size_t i, n = 0;

	for (i = 0; i < DW_HIDE_FUNCS; i++) {
		if (ksyms__range(ksyms, housekeeping_funcs[i], &start, &end))
			continue;
		skel->bss->hidden_funcs[n][0] = start;
		skel->bss->hidden_funcs[n++][1] = end;
		log_debug("filter: hiding frees in %s (housekeeping)",
			  housekeeping_funcs[i]);
	}
}

/* Kernels without BPF netfilter links: fentry on the table functions. */
static const char *const fentry_funcs[NR_FENTRY] = {
	"ipt_do_table", "ip6t_do_table", "nft_do_chain",
};

/* The program for each of fentry_funcs, in the same order. */
static void fentry_progs(struct dropwhy_bpf *skel,
			 struct bpf_program *out[NR_FENTRY])
{
	out[0] = skel->progs.fentry_ipt_do_table;
	out[1] = skel->progs.fentry_ip6t_do_table;
	out[2] = skel->progs.fentry_nft_do_chain;
}

/*
 * The x_tables do functions take the table as their first argument, a
 * void *priv, on current kernels (6.1 among them); older ones (5.10)
 * pass it third. The fentry programs read the newer order only, so the
 * argument's BTF type decides.
 */
static bool first_arg_is_void_ptr(const struct btf *btf, __s32 id)
{
	const struct btf_type *proto, *arg;

	proto = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!proto || !btf_is_func_proto(proto) || !btf_vlen(proto))
		return false;
	arg = btf__type_by_id(btf, btf_params(proto)[0].type);
	return arg && btf_is_ptr(arg) && arg->type == 0;
}

static bool btf_has_func(const struct kernel_btf *kb, const char *name)
{
	const struct btf *btf;
	__s32 id;

	btf = btf_defining(kb, name, BTF_KIND_FUNC, &id);
	if (!btf)
		return false;
	if (strstr(name, "_do_table") && !first_arg_is_void_ptr(btf, id)) {
		log_debug("hooks: %s does not take the table first (older kernel): no fentry on it",
			  name);
		return false;
	}
	return true;
}

/* Load the fentry programs whose function is in BTF (its module loaded). */
static void configure_fentry(struct tracer *t, struct dropwhy_bpf *skel,
			     const struct kernel_facts *kf)
{
	struct bpf_program *progs[NR_FENTRY];
	size_t i, len = 0;
	bool on;

	fentry_progs(skel, progs);
	t->fentry_funcs[0] = '\0';
	for (i = 0; i < NR_FENTRY; i++) {
		on = t->hooks == HOOKS_FENTRY && kf->fentry[i];
		bpf_program__set_autoload(progs[i], on);
		if (on)
			len += snprintf(t->fentry_funcs + len,
					sizeof(t->fentry_funcs) - len, "%s%s",
					len ? " " : "", fentry_funcs[i]);
	}
}

static bool any_fentry_target(const struct kernel_facts *kf)
{
	size_t i;

	for (i = 0; i < NR_FENTRY; i++)
		if (kf->fentry[i])
			return true;
	return false;
}

/*
 * Counter attribution finds tables by their hook functions, whose
 * addresses come from kallsyms; without them it stays off.
 */
static void configure_attribution(struct tracer *t, struct dropwhy_bpf *skel,
				  const struct kernel_facts *kf,
				  const struct reason_table *reasons)
{
	int code = reasons__code(reasons, "NETFILTER_DROP");

	skel->rodata->have_xtables = kf->xtables;
	skel->rodata->have_nftables = kf->nftables;
	if (!skel->rodata->have_xtables)
		log_debug("attribution: no x_tables types in BTF (module not loaded?): iptables-legacy rules from ruleset snapshots");
	if (!skel->rodata->have_nftables)
		log_debug("attribution: no nf_tables rule types in BTF (module not loaded?): nftables rules from ruleset snapshots");

	skel->rodata->have_netfilter_reason = code >= 0;
	skel->rodata->netfilter_drop_reason = code >= 0 ? code : 0;
	skel->rodata->percpu_counters = libbpf_num_possible_cpus() > 1;
}

/*
 * After load, before attach: what comes from kallsyms. It is read here,
 * once libbpf has freed its copy of the kernel BTF, so that the two never
 * add up in dropwhy's peak memory.
 */
static void set_symbols(struct tracer *t, const struct options *opts)
{
	struct dropwhy_bpf *skel = t->skel;

	if (!t->ksyms && !(t->ksyms = ksyms__load(KALLSYMS)))
		log_warn("cannot read %s (%s): drop locations will be addresses, and attribution and housekeeping filters are off",
			 KALLSYMS, strerror(errno));
	if (!t->ksyms)
		return;
	skel->bss->ipt_do_table_addr = ksyms__addr(t->ksyms, "ipt_do_table");
	skel->bss->ip6t_do_table_addr = ksyms__addr(t->ksyms, "ip6t_do_table");
	skel->bss->nft_do_chain_ipv4_addr = ksyms__addr(t->ksyms, "nft_do_chain_ipv4");
	skel->bss->nft_do_chain_ipv6_addr = ksyms__addr(t->ksyms, "nft_do_chain_ipv6");
	skel->bss->nft_do_chain_inet_addr = ksyms__addr(t->ksyms, "nft_do_chain_inet");
	skel->bss->nf_tables_net_id_addr = ksyms__addr(t->ksyms, "nf_tables_net_id");
	if (t->hooks == HOOKS_NETFILTER && !skel->bss->ipt_do_table_addr &&
	    !skel->bss->nft_do_chain_ipv4_addr)
		log_debug("attribution: no ipt_do_table/nft_do_chain in kallsyms: sentinels cannot find tables");
	if (!opts->housekeeping)
		hide_funcs(skel, t->ksyms);
}

/*
 * The kernel's quick answer before a watch-set lookup: which ports; and a
 * small watch set whole, as a list.
 */
static void configure_watch_ports(struct dropwhy_bpf *skel,
				  const struct options *opts)
{
	__u16 port;
	size_t i;

	for (i = 0; i < opts->watch.count; i++) {
		port = opts->watch.keys[i].port;
		if (!port)
			skel->rodata->watch_any_port = true;
		skel->rodata->watch_ports[port / 64] |= 1ULL << (port % 64);
	}
	if (opts->watch.count > DW_WATCH_LIST)
		return;
	for (i = 0; i < opts->watch.count; i++) {
		const struct watch_key *key = &opts->watch.keys[i];
		struct watch_entry *e = (struct watch_entry *)&skel->rodata->watch_list[i];

		memcpy(e->addr, key->addr, sizeof(e->addr));
		e->port = key->port;
		e->family = key->family;
	}
	skel->rodata->watch_list_len = opts->watch.count;
}

static void configure(struct tracer *t, enum capture_path path,
		      const struct options *opts, const struct kernel_facts *kf,
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
	sentinel__prepare(skel, t->hooks == HOOKS_NETFILTER);
	configure_fentry(t, skel, kf);
	configure_attribution(t, skel, kf, reasons);
	skel->rodata->watch_all = opts->watch_all;
	/* At most 10^9 a second: one a nanosecond. */
	skel->rodata->event_interval_ns = !opts->max_rate ? 0 :
		opts->max_rate >= 1000000000UL ? 1 : 1000000000UL / opts->max_rate;
	configure_watch_ports(skel, opts);
	skel->rodata->have_conntrack = kf->conntrack;
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

static int try_path_once(struct tracer *t, enum capture_path path,
			 const struct options *opts, const struct kernel_facts *kf,
			 const struct reason_table *reasons)
{
	int err;

	t->skel = dropwhy_bpf__open();
	if (!t->skel)
		return -errno;
	configure(t, path, opts, kf, reasons);
	err = dropwhy_bpf__load(t->skel);
	if (!err) {
		set_symbols(t, opts);
		err = fill_watch_set(t, opts);
	}
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

/*
 * The table entry probes may be refused (lockdown, a kernel without
 * fentry, a verifier that disagrees): go on without them.
 */
static int try_path(struct tracer *t, enum capture_path path,
		    const struct options *opts, const struct kernel_facts *kf,
		    const struct reason_table *reasons)
{
	int err = try_path_once(t, path, opts, kf, reasons);

	if (err && t->hooks == HOOKS_FENTRY)
		log_warn("cannot load or attach fentry on %s (%s): hook and table will be null",
			 t->fentry_funcs, strerror(-err));
	else if (err && t->hooks == HOOKS_NETFILTER)
		log_warn("cannot load the netfilter sentinels (%s): hook and table will be null",
			 strerror(-err));
	if (err && t->hooks != HOOKS_NONE) {
		t->hooks = HOOKS_NONE;
		err = try_path_once(t, path, opts, kf, reasons);
	}
	return err;
}

static void attach_hooks(struct tracer *t);

/* --capture: take the named path without probing, for tests. */
static int start_forced(struct tracer *t, const struct options *opts,
			const struct kernel_facts *kf,
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
	err = try_path(t, path, opts, kf, reasons);
	if (err) {
		log_err("cannot load or attach %s: %s", opts->capture, strerror(-err));
		return -1;
	}
	attach_hooks(t);
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

/*
 * Where a packet enters a table: BPF netfilter links (6.4+) place a
 * sentinel before it; older kernels with fentry get the table function's
 * arguments; without either, rules come from ruleset snapshots alone.
 */
static int probe_hooks(struct tracer *t, const struct options *opts,
		       const struct kernel_facts *kf)
{
	bool links = kf->netfilter_links;
	bool fentry = any_fentry_target(kf);
	const char *forced = opts->hooks;

	if (forced && !strcmp(forced, "none")) {
		log_debug("hooks: none (--no-hooks): rules from counter deltas between ruleset snapshots");
		t->hooks = HOOKS_NONE;
	} else if (forced && !strcmp(forced, "netfilter")) {
		if (!links) {
			log_err("--hooks netfilter: kernel lacks BPF netfilter links (struct bpf_nf_ctx not in BTF; Linux 6.4)");
			return -1;
		}
		log_debug("hooks: BPF netfilter links (forced by --hooks): table sentinels");
		t->hooks = HOOKS_NETFILTER;
	} else if (forced) {
		if (!fentry) {
			log_err("--hooks fentry: no ipt_do_table, ip6t_do_table or nft_do_chain in kernel BTF (modules not loaded?)");
			return -1;
		}
		log_debug("hooks: fentry on the table functions (forced by --hooks)");
		t->hooks = HOOKS_FENTRY;
	} else if (links) {
		log_debug("hooks: BPF netfilter links available (struct bpf_nf_ctx in BTF): table sentinels");
		t->hooks = HOOKS_NETFILTER;
	} else if (fentry) {
		log_debug("hooks: no BPF netfilter links (struct bpf_nf_ctx not in BTF: kernel before 6.4): fentry on the table functions");
		t->hooks = HOOKS_FENTRY;
	} else {
		log_debug("hooks: no BPF netfilter links and no table functions in BTF: rules from counter deltas between ruleset snapshots");
		t->hooks = HOOKS_NONE;
	}
	return 0;
}

static void attach_hooks(struct tracer *t)
{
	int err;

	if (t->hooks == HOOKS_FENTRY)
		log_debug("fentry: attached to %s", t->fentry_funcs);
	if (t->hooks != HOOKS_NETFILTER)
		return;
	err = sentinel__attach(&t->plan, t->skel, t->netns_fd);
	if (!err)
		err = sentinel__publish(&t->plan, t->skel);
	if (err) {
		log_warn("cannot place netfilter sentinels (%s): hook and table will be null",
			 strerror(-err));
		t->hooks = HOOKS_NONE;
	}
}

static int start(struct tracer *t, const struct options *opts,
		 const struct kernel_facts *kf,
		 const struct reason_table *reasons)
{
	int args = kf->kfree_skb_args;
	int err = -ENOENT;

	t->has_reason = args >= 4;
	if (probe_hooks(t, opts, kf))
		return -1;
	if (opts->capture)
		return start_forced(t, opts, kf, reasons, args);
	if (args > 0) {
		log_debug("probe: btf_trace_kfree_skb has %d arguments: drop reason %s",
			  args, t->has_reason ? "available" : "absent (kernel before 5.17)");
		err = try_path(t, CAPTURE_TP_BTF, opts, kf, reasons);
		if (!err)
			goto attached;
		log_debug("probe: tp_btf/kfree_skb failed (%s); trying the classic tracepoint",
			  strerror(-err));
	} else {
		log_debug("probe: no btf_trace_kfree_skb in BTF; trying the classic tracepoint");
	}
	if (ensure_tracefs())
		return -1;
	err = try_path(t, CAPTURE_TRACEPOINT, opts, kf, reasons);
	if (err) {
		log_err("cannot load or attach the kfree_skb program: %s%s",
			strerror(-err), log_verbose ? "" : " (run with -v for libbpf's detail)");
		return -1;
	}
attached:
	log_debug("capture: %s", t->capture_path);
	attach_hooks(t);
	return 0;
}

/*
 * Everything loading needs from BTF, read before libbpf parses its own
 * copy: ours is freed first, so that the two are never held at once
 * (6 MiB each).
 */
static void probe_kernel(struct kernel_facts *kf, const struct btf *btf,
			 const struct options *opts)
{
	struct kernel_btf kb;
	size_t i;

	kernel_btf__load(&kb, btf);
	kf->kfree_skb_args = kfree_skb_args(btf);
	kf->netfilter_links = sentinel__supported(btf);
	kf->xtables = btf_has_type(&kb, opts, "xt_table", BTF_KIND_STRUCT);
	kf->nftables = btf_has_type(&kb, opts, "nft_rule_dp", BTF_KIND_STRUCT) &&
		       btf_has_type(&kb, opts, "nft_chain", BTF_KIND_STRUCT);
	kf->conntrack = btf_has_type(&kb, opts, "nf_conn", BTF_KIND_STRUCT);
	for (i = 0; i < NR_FENTRY; i++)
		kf->fentry[i] = btf_has_func(&kb, fentry_funcs[i]);
	kernel_btf__free(&kb);
}

int tracer__read_kernel(struct kernel_facts *kf, struct reason_table *reasons,
			const struct options *opts)
{
	struct btf *btf = load_btf();

	if (!btf)
		return -1;
	reasons__load(reasons, btf);
	probe_kernel(kf, btf, opts);
	/* Names and facts are copied out: 6 MiB of BTF need not stay for
	 * months, nor be held while libbpf parses its own copy to load. */
	btf__free(btf);
	return 0;
}

int tracer__start(struct tracer *t, const struct options *opts,
		  const struct kernel_facts *kf,
		  const struct reason_table *reasons,
		  const struct sentinel_plan *plan)
{
	memset(t, 0, sizeof(*t));
	t->netns_fd = -1;
	if (plan)
		t->plan = *plan;
	else
		sentinel__plan_defaults(&t->plan);
	if (open_netns(t, opts))
		return -1;
	return start(t, opts, kf, reasons);
}

int tracer__totals(const struct tracer *t, __u64 *by_reason,
		   __u64 lost[DW_LOST_KINDS])
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
	fd = bpf_map__fd(t->skel->maps.lost_events);
	for (key = 0; key < DW_LOST_KINDS; key++) {
		lost[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, values))
			continue;
		for (cpu = 0; cpu < (__u32)ncpus; cpu++)
			lost[key] += values[cpu];
	}
	free(values);
	return 0;
}

void tracer__stop(struct tracer *t)
{
	sentinel__detach(&t->plan);
	if (t->netns_fd >= 0)
		close(t->netns_fd);
	t->netns_fd = -1;
	ksyms__free(t->ksyms);
	t->ksyms = NULL;
	dropwhy_bpf__destroy(t->skel);
	t->skel = NULL;
}

int tracer__events_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.events);
}
