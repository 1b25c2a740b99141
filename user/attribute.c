// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "attribute.h"
#include "log.h"
#include "netns.h"
#include "sentinel.h"

/* Snapshots run tools: never more often than this when drops pour in. */
#define SNAPSHOT_MIN_INTERVAL_S	1.0
#define NFPROTO_INET	1
#define NFPROTO_IPV4	2
#define NFPROTO_IPV6	10

static const char *const hook_names[DW_NF_HOOKS] = {
	"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool any_tool_ok(const struct ruleset *rs)
{
	int b;

	for (b = 0; b < FW_NR_BACKENDS; b++)
		if (rs->tools[b] == FW_TOOL_OK)
			return true;
	return false;
}

int attributor__open(struct attributor *a, const char *netns)
{
	memset(a, 0, sizeof(*a));
	a->netns_fd = -1;
	if (netns) {
		a->netns_fd = netns__open(netns);
		if (a->netns_fd < 0) {
			log_err("cannot open network namespace '%s': %s", netns,
				strerror(errno));
			return -1;
		}
	}
	ruleset__init(&a->current);
	ruleset__init(&a->previous);
	ruleset__snapshot(&a->current, a->netns_fd);
	a->snapshot_at = now_s();
	a->enabled = any_tool_ok(&a->current);
	if (!a->enabled)
		log_warn("no iptables or nft tool could read the firewall: rules will not be named (install iptables and nftables)");
	return 0;
}

void attributor__free(struct attributor *a)
{
	if (a->netns_fd >= 0)
		close(a->netns_fd);
	ruleset__free(&a->current);
	ruleset__free(&a->previous);
}

/* Take a new snapshot, keeping the last one for counter deltas. */
static bool refresh(struct attributor *a)
{
	struct ruleset fresh;

	/* The start snapshot is the first "before": compare with it at once. */
	if (a->refreshes && now_s() - a->snapshot_at < SNAPSHOT_MIN_INTERVAL_S)
		return false;
	a->refreshes++;
	ruleset__init(&fresh);
	ruleset__snapshot(&fresh, a->netns_fd);
	ruleset__free(&a->previous);
	a->previous = a->current;
	a->current = fresh;
	a->snapshot_at = now_s();
	return true;
}

static int hook_index(const char *name)
{
	int h;

	for (h = 0; h < DW_NF_HOOKS; h++)
		if (!strcmp(name, hook_names[h]))
			return h;
	return -1;
}

static bool rule_of_table_drops(const struct ruleset *rs,
				const struct fw_chain *base)
{
	size_t i;

	for (i = 0; i < rs->nr_chains; i++) {
		const struct fw_chain *c = &rs->chains[i];

		if (c->backend != base->backend || strcmp(c->family, base->family) ||
		    strcmp(c->table, base->table))
			continue;
		if (fw_chain__policy_drops(c))
			return true;
		for (size_t r = 0; r < c->rule_count; r++)
			if (fw_rule__drops(&rs->rules[c->rule_first + r]))
				return true;
	}
	return false;
}

void attributor__plan(const struct attributor *a, struct sentinel_plan *plan)
{
	const struct ruleset *rs = &a->current;
	size_t i;
	int hook;

	for (i = 0; i < rs->nr_chains; i++) {
		const struct fw_chain *c = &rs->chains[i];

		hook = c->base ? hook_index(c->hook) : -1;
		if (hook < 0 || !rule_of_table_drops(rs, c))
			continue;
		if (strcmp(c->family, "ip6"))
			sentinel__plan_add(plan, NFPROTO_IPV4, hook, c->priority, c->table);
		if (strcmp(c->family, "ip"))
			sentinel__plan_add(plan, NFPROTO_IPV6, hook, c->priority, c->table);
	}
}

static void packet_of(const struct drop_record *rec, struct fw_packet *p)
{
	const struct drop_event *ev = rec->ev;

	memset(p, 0, sizeof(*p));
	p->family = ev->family == DW_FAMILY_IPV6 ? AF_INET6 : AF_INET;
	p->l4proto = ev->l4proto;
	memcpy(p->src, ev->saddr, sizeof(p->src));
	memcpy(p->dst, ev->daddr, sizeof(p->dst));
	p->sport = ev->sport;
	p->dport = ev->dport;
	p->in = rec->in;
	p->out = rec->out;
	p->ct_state = rec->ct_state ? fw_ct__parse(rec->ct_state) : 0;
	if (ev->flags & DW_EV_HAS_CT) {
		p->has_orig = true;
		memcpy(p->orig_dst, ev->orig_daddr, sizeof(p->orig_dst));
		p->orig_dport = ev->orig_dport;
	}
}

static const char *family_of(__u8 nfproto)
{
	switch (nfproto) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV6:
		return "ip6";
	default:
		return "ip";
	}
}

static const struct fw_rule *rule_by_handle(const struct ruleset *rs,
					    const struct fw_chain *chain,
					    long long handle)
{
	const struct fw_rule *rules;
	size_t n, i;

	rules = ruleset__chain_rules(rs, chain, &n);
	for (i = 0; i < n; i++)
		if (rules[i].handle == handle)
			return &rules[i];
	return NULL;
}

static const struct fw_rule *rule_by_index(const struct ruleset *rs,
					   const struct fw_chain *chain, int index)
{
	const struct fw_rule *rules;
	size_t n;

	rules = ruleset__chain_rules(rs, chain, &n);
	return index >= 1 && (size_t)index <= n ? &rules[index - 1] : NULL;
}

struct named_entry {
	const struct fw_chain *chain;
	const struct fw_rule *rule;	/* NULL: the policy */
};

/* Find in the snapshot the entry the kernel counters named. */
static bool find_kernel_entry(const struct ruleset *rs,
			      const struct drop_event *ev,
			      struct named_entry *out)
{
	const struct rule_ref *ref = &ev->rule;
	const char *family = family_of(ref->family);
	enum fw_backend backends[2] = { FW_IPTABLES_NFT, FW_NFTABLES };
	int b;

	memset(out, 0, sizeof(*out));
	if (ref->kind == DW_RULE_XT) {
		out->chain = ruleset__chain(rs, FW_IPTABLES_LEGACY, family,
					    ref->table, ref->chain);
		if (out->chain && ref->index)
			out->rule = rule_by_index(rs, out->chain, ref->index);
		return out->chain && (!ref->index || out->rule);
	}
	for (b = 0; b < 2; b++) {
		out->chain = ruleset__chain(rs, backends[b], family, ref->table,
					    ref->chain);
		if (!out->chain)
			continue;
		if (ref->index)
			out->rule = rule_by_handle(rs, out->chain, ref->handle);
		return !ref->index || out->rule;
	}
	return false;
}

static void record_entry(struct drop_record *rec, const struct named_entry *e)
{
	rec->backend = fw_backend__name(e->chain->backend);
	snprintf(rec->table_buf, sizeof(rec->table_buf), "%s", e->chain->table);
	snprintf(rec->chain_buf, sizeof(rec->chain_buf), "%s", e->chain->name);
	rec->table = rec->table_buf;
	rec->chain = rec->chain_buf;
	rec->rule_index = e->rule ? e->rule->index : 0;
	rec->rule_handle = e->rule ? e->rule->handle : -1;
	rec->rule_text = NULL;
	if (e->rule) {
		snprintf(rec->rule_buf, sizeof(rec->rule_buf), "%s", e->rule->text);
		rec->rule_text = rec->rule_buf;
		rec->verdict = e->rule->verdict == FW_V_REJECT ? "rule REJECT" : "rule DROP";
	} else {
		rec->verdict = "policy DROP";
	}
}

static void add_candidate(struct drop_record *rec, const struct fw_chain *chain,
			  const struct fw_rule *rule)
{
	struct rule_candidate *c;

	if (!chain || rec->nr_candidates >= DW_MAX_CANDIDATES)
		return;
	c = &rec->candidates[rec->nr_candidates++];
	c->backend = fw_backend__name(chain->backend);
	snprintf(c->table, sizeof(c->table), "%s", chain->table);
	snprintf(c->chain, sizeof(c->chain), "%s", chain->name);
	c->index = rule ? rule->index : 0;
	c->handle = rule ? rule->handle : -1;
	snprintf(c->text, sizeof(c->text), "%.*s", (int)sizeof(c->text) - 1,
		 rule ? rule->text : "");
}

static bool table_listed(const char *labels, const char *table)
{
	char word[64];
	const char *p = labels;
	int n;

	while (p && sscanf(p, "%63s%n", word, &n) == 1) {
		if (!strcmp(word, table))
			return true;
		p += n;
	}
	return false;
}

/* The base chains the packet traversed where it died. */
static size_t base_chains(const struct ruleset *rs, const struct drop_record *rec,
			  const struct fw_chain **out, size_t max)
{
	const char *fam = rec->ev->family == DW_FAMILY_IPV6 ? "ip6" : "ip";
	size_t i, n = 0;

	for (i = 0; i < rs->nr_chains && n < max; i++) {
		const struct fw_chain *c = &rs->chains[i];

		if (!c->base || strcmp(c->hook, rec->hook) ||
		    (strcmp(c->family, fam) && strcmp(c->family, "inet")))
			continue;
		if (rec->has_priority && c->priority != rec->priority)
			continue;
		if (rec->table && !table_listed(rec->table, c->table))
			continue;
		out[n++] = c;
	}
	return n;
}

/* Evaluate the packet from the base chains where it died. */
static bool match_entry(const struct ruleset *rs, struct drop_record *rec,
			const struct fw_packet *p, struct named_entry *out,
			bool *certain)
{
	const struct fw_chain *bases[8];
	struct fw_verdict_path path;
	size_t n = base_chains(rs, rec, bases, 8), i;
	int c;

	for (i = 0; i < n; i++) {
		if (ruleset__walk(rs, bases[i]->backend, bases[i]->family,
				  bases[i]->table, bases[i]->name, p, &path))
			continue;
		if (path.verdict != FW_V_DROP && path.verdict != FW_V_REJECT)
			continue;
		out->chain = path.decision.chain;
		out->rule = path.decision.rule;
		*certain = path.certain && n == 1;
		for (c = 0; !*certain && c < path.nr_candidates; c++)
			add_candidate(rec, path.candidates[c].chain,
				      path.candidates[c].rule);
		return out->chain != NULL;
	}
	return false;
}

/* Counter deltas between snapshots, inside the table where it died. */
static int counter_entries(struct attributor *a, struct drop_record *rec,
			   struct named_entry *out)
{
	struct fw_counter_delta deltas[16];
	size_t n, i;
	int found = 0;

	n = ruleset__counter_diff(&a->previous, &a->current, deltas, 16);
	for (i = 0; i < n && i < 16; i++) {
		if (rec->table && !table_listed(rec->table, deltas[i].chain->table))
			continue;
		if (!found) {
			out->chain = deltas[i].chain;
			out->rule = deltas[i].rule;
		}
		found++;
	}
	for (i = 0; found > 1 && i < n && i < 16; i++)
		if (!rec->table || table_listed(rec->table, deltas[i].chain->table))
			add_candidate(rec, deltas[i].chain, deltas[i].rule);
	return found;
}

static void fallback(struct attributor *a, struct drop_record *rec,
		     const struct fw_packet *p)
{
	struct named_entry counted = {}, matched = {};
	bool certain = false;
	int moved;

	refresh(a);
	moved = counter_entries(a, rec, &counted);
	/* Without a hook (no sentinels) only the counters can speak. */
	if (moved != 1 && rec->hook &&
	    match_entry(&a->current, rec, p, &matched, &certain)) {
		record_entry(rec, &matched);
		rec->attribution = "match";
		rec->exact = certain;
		return;
	}
	if (moved >= 1) {
		record_entry(rec, &counted);
		rec->attribution = "counters";
		rec->exact = moved == 1;
	}
}

static void delete_command(const struct named_entry *e, char *buf, size_t len)
{
	const struct fw_chain *c = e->chain;

	if (c->backend == FW_NFTABLES)
		snprintf(buf, len, "nft delete rule %s %s %s handle %lld",
			 c->family, c->table, c->name, e->rule->handle);
	else
		snprintf(buf, len, "%s -t %s -D %s %d",
			 c->backend == FW_IPTABLES_LEGACY ? "iptables-legacy" : "iptables",
			 c->table, c->name, e->rule->index);
}

static void add_fix(const struct attributor *a, struct drop_record *rec,
		    const struct fw_packet *p)
{
	struct named_entry e = {};
	bool before_dnat;

	if (!rec->chain || !rec->backend)
		return;
	for (int b = 0; b < FW_NR_BACKENDS && !e.chain; b++)
		if (!strcmp(fw_backend__name(b), rec->backend))
			e.chain = ruleset__chain(&a->current, b,
						 rec->ev->family == DW_FAMILY_IPV6 ? "ip6" : "ip",
						 rec->table, rec->chain);
	if (!e.chain)
		for (int b = 0; b < FW_NR_BACKENDS && !e.chain; b++)
			if (!strcmp(fw_backend__name(b), rec->backend))
				e.chain = ruleset__chain(&a->current, b, "inet",
							 rec->table, rec->chain);
	if (!e.chain)
		return;
	if (rec->rule_index)
		e.rule = rec->rule_handle >= 0 ?
			 rule_by_handle(&a->current, e.chain, rec->rule_handle) :
			 rule_by_index(&a->current, e.chain, rec->rule_index);
	before_dnat = rec->hook && (!strcmp(rec->hook, "PREROUTING") ||
				    !strcmp(rec->hook, "OUTPUT")) &&
		      e.chain->priority <= -100;
	/*
	 * An accept in a nat chain would also skip the DNAT after it: there the
	 * dropping rule itself has to go.
	 */
	if (e.rule && !strcmp(e.chain->table, "nat"))
		delete_command(&e, rec->fix, sizeof(rec->fix));
	else if (ruleset__fix_command(e.rule, e.chain, p, before_dnat, rec->fix,
				      sizeof(rec->fix)))
		rec->fix[0] = '\0';
}

void attributor__resolve(struct attributor *a, struct drop_record *rec)
{
	struct named_entry e;
	struct fw_packet p;

	if (!a->enabled || !rec->reason || strcmp(rec->reason, "NETFILTER_DROP"))
		return;
	packet_of(rec, &p);
	if (rec->attribution) {
		/* The kernel named it; a rule added since needs a new look. */
		if (find_kernel_entry(&a->current, rec->ev, &e) ||
		    (refresh(a) && find_kernel_entry(&a->current, rec->ev, &e)))
			record_entry(rec, &e);
		if (!rec->exact && rec->hook) {
			struct named_entry m;
			bool certain;

			match_entry(&a->current, rec, &p, &m, &certain);
		}
	} else {
		fallback(a, rec, &p);
	}
	add_fix(a, rec, &p);
}
