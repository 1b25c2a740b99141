// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <unistd.h>
#include <linux/netfilter.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "dropwhy.h"
#include "dropwhy.skel.h"
#include "log.h"
#include "sentinel.h"

/* Not in the 6.1 UAPI headers Debian 12 ships (Linux 6.4). */
#define DW_BPF_PROG_TYPE_NETFILTER	32
#define DW_BPF_NETFILTER		45
#define DW_BPF_LINK_CREATE		28
#define DW_NFPROTO_IPV4			2
#define DW_NFPROTO_IPV6			10

/* bpf_attr.link_create with its netfilter member, as Linux 6.4 lays it out. */
struct nf_link_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u32 pf;
	__u32 hooknum;
	__s32 priority;
	__u32 nf_flags;
	__u8 rest_zero[64];
};

struct std_table {
	const char *name;
	__s32 priority;
	unsigned int hooks;	/* bit per NF_INET_* hook */
};

#define HOOK(h) (1u << (h))
enum { PRE, IN, FWD, OUT, POST };

static const struct std_table std_tables[] = {
	{ "raw", -300, HOOK(PRE) | HOOK(OUT) },
	{ "mangle", -150, HOOK(PRE) | HOOK(IN) | HOOK(FWD) | HOOK(OUT) | HOOK(POST) },
	{ "nat", -100, HOOK(PRE) | HOOK(OUT) },
	{ "filter", 0, HOOK(IN) | HOOK(FWD) | HOOK(OUT) },
	{ "security", 50, HOOK(IN) | HOOK(FWD) | HOOK(OUT) },
	{ "nat", 100, HOOK(IN) | HOOK(POST) },
};

static int family_index(int nfproto)
{
	if (nfproto == DW_NFPROTO_IPV4)
		return 0;
	return nfproto == DW_NFPROTO_IPV6 ? 1 : -1;
}

static void slot_set(struct sentinel_slot *slot, __s32 priority,
		     const char *table)
{
	slot->priority = priority;
	snprintf(slot->tables, sizeof(slot->tables), "%s", table);
}

/* A second table at the same priority shares the slot: "filter filter". */
static void slot_append(struct sentinel_slot *slot, const char *table)
{
	size_t used = strlen(slot->tables);

	if (strstr(slot->tables, table))
		return;
	snprintf(slot->tables + used, sizeof(slot->tables) - used, " %s", table);
}

int sentinel__plan_add(struct sentinel_plan *plan, int nfproto, int hook,
		       __s32 priority, const char *table)
{
	int fam = family_index(nfproto), i, n;
	struct sentinel_slot *slots;

	if (fam < 0 || hook < 0 || hook >= DW_NF_HOOKS)
		return -EINVAL;
	slots = plan->slots[fam][hook];
	n = plan->count[fam][hook];
	for (i = 0; i < n && slots[i].priority < priority; i++)
		;
	if (i < n && slots[i].priority == priority) {
		slot_append(&slots[i], table);
		return 0;
	}
	if (n == DW_NF_SLOTS)
		return -E2BIG;
	memmove(&slots[i + 1], &slots[i], (n - i) * sizeof(*slots));
	slot_set(&slots[i], priority, table);
	plan->count[fam][hook]++;
	return 0;
}

void sentinel__plan_defaults(struct sentinel_plan *plan)
{
	size_t t;
	int hook;

	for (t = 0; t < sizeof(std_tables) / sizeof(std_tables[0]); t++)
		for (hook = 0; hook < DW_NF_HOOKS; hook++)
			if (std_tables[t].hooks & HOOK(hook))
				sentinel__plan_add(plan, DW_NFPROTO_IPV4, hook,
						   std_tables[t].priority,
						   std_tables[t].name);
}

bool sentinel__supported(const struct btf *btf)
{
	return btf__find_by_name_kind(btf, "bpf_nf_ctx", BTF_KIND_STRUCT) >= 0;
}

static struct bpf_program *slot_program(struct dropwhy_bpf *skel, int slot)
{
	struct bpf_program *progs[DW_NF_SLOTS] = {
		skel->progs.netfilter_slot0, skel->progs.netfilter_slot1,
		skel->progs.netfilter_slot2, skel->progs.netfilter_slot3,
		skel->progs.netfilter_slot4, skel->progs.netfilter_slot5,
	};

	return slot >= 0 && slot < DW_NF_SLOTS ? progs[slot] : NULL;
}

void sentinel__prepare_program(struct bpf_program *prog, bool enable)
{
	bpf_program__set_type(prog, DW_BPF_PROG_TYPE_NETFILTER);
	bpf_program__set_expected_attach_type(prog, DW_BPF_NETFILTER);
	bpf_program__set_autoload(prog, enable);
}

void sentinel__prepare(struct dropwhy_bpf *skel, bool enable)
{
	int slot;

	for (slot = 0; slot < DW_NF_SLOTS; slot++)
		sentinel__prepare_program(slot_program(skel, slot), enable);
}

/* The raw BPF_LINK_CREATE that libbpf 1.1 cannot issue for netfilter. */
int sentinel__link(int prog_fd, int nfproto, int hook, __s32 priority)
{
	struct nf_link_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = prog_fd;
	attr.attach_type = DW_BPF_NETFILTER;
	attr.pf = nfproto;
	attr.hooknum = hook;
	attr.priority = priority;
	return syscall(__NR_bpf, DW_BPF_LINK_CREATE, &attr, sizeof(attr));
}

/* How far before its table a sentinel may move when the place is taken. */
#define DW_SENTINEL_SHIFTS	8

/*
 * Link just before the table at priority, above the table before it
 * (after). Netfilter holds one BPF program per priority (EBUSY): when
 * another tracer, a second dropwhy say, sits there, take the next free
 * priority below. Returns the fd, or -1 with errno set; *at says where.
 */
static int link_before(int prog_fd, int nfproto, int hook, __s32 after,
		       __s32 priority, __s32 *at)
{
	int fd = -1, k;

	errno = EBUSY;
	for (k = 1; k <= DW_SENTINEL_SHIFTS && priority - k > after; k++) {
		*at = priority - k;
		fd = sentinel__link(prog_fd, nfproto, hook, *at);
		if (fd >= 0 || errno != EBUSY)
			break;
	}
	return fd;
}

static int attach_family(struct sentinel_plan *plan, struct dropwhy_bpf *skel,
			 int fam)
{
	int nfproto = fam ? DW_NFPROTO_IPV6 : DW_NFPROTO_IPV4;
	const struct sentinel_slot *slot;
	__s32 after, at = 0;
	int hook, i, fd;

	for (hook = 0; hook < DW_NF_HOOKS; hook++) {
		after = INT32_MIN;
		for (i = 0; i < plan->count[fam][hook]; i++) {
			slot = &plan->slots[fam][hook][i];
			fd = link_before(bpf_program__fd(slot_program(skel, i)),
					 nfproto, hook, after, slot->priority, &at);
			if (fd < 0)
				return -errno;
			after = slot->priority;
			plan->links[plan->nr_links++] = fd;
			log_debug("sentinel: %s hook %d slot %d at priority %d, before %s",
				  fam ? "ipv6" : "ipv4", hook, i, at, slot->tables);
		}
	}
	return 0;
}

/* Run fn with this thread in netns_fd (-1: stay), then come back. */
static int in_netns(int netns_fd, int (*fn)(void *), void *arg)
{
	int self, err, back;

	if (netns_fd < 0)
		return fn(arg);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET)) {
		err = -errno;
		close(self);
		return err;
	}
	err = fn(arg);
	back = setns(self, CLONE_NEWNET);
	close(self);
	return err ? err : (back ? -errno : 0);
}

int sentinel__publish(const struct sentinel_plan *plan,
		      struct dropwhy_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.slot_priorities);
	struct { __s32 priority; __u32 valid; } value;
	int fam, hook, slot;
	__u32 key;

	for (fam = 0; fam < DW_NF_FAMILIES; fam++) {
		for (hook = 0; hook < DW_NF_HOOKS; hook++) {
			for (slot = 0; slot < plan->count[fam][hook]; slot++) {
				key = (fam * DW_NF_HOOKS + hook) * DW_NF_SLOTS + slot;
				value.priority = plan->slots[fam][hook][slot].priority;
				value.valid = 1;
				if (bpf_map_update_elem(fd, &key, &value, BPF_ANY))
					return -errno;
			}
		}
	}
	return 0;
}

struct attach_job {
	struct sentinel_plan *plan;
	struct dropwhy_bpf *skel;
};

static int attach_families(void *arg)
{
	struct attach_job *job = arg;
	int fam, err = 0;

	for (fam = 0; !err && fam < DW_NF_FAMILIES; fam++)
		err = attach_family(job->plan, job->skel, fam);
	return err;
}

int sentinel__attach(struct sentinel_plan *plan, struct dropwhy_bpf *skel,
		     int netns_fd)
{
	struct attach_job job = { .plan = plan, .skel = skel };
	int err = in_netns(netns_fd, attach_families, &job);

	if (err)
		sentinel__detach(plan);
	return err;
}

void sentinel__detach(struct sentinel_plan *plan)
{
	while (plan->nr_links > 0)
		close(plan->links[--plan->nr_links]);
}

const struct sentinel_slot *sentinel__slot(const struct sentinel_plan *plan,
					   int nfproto, int hook, int slot)
{
	int fam = family_index(nfproto);

	if (fam < 0 || hook < 0 || hook >= DW_NF_HOOKS || slot < 0 ||
	    slot >= plan->count[fam][hook])
		return NULL;
	return &plan->slots[fam][hook][slot];
}
