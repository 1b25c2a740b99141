// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ruleset_priv.h"

static const char *const backend_names[FW_NR_BACKENDS] = {
	[FW_IPTABLES_LEGACY] = "iptables-legacy",
	[FW_IPTABLES_NFT] = "iptables-nft",
	[FW_NFTABLES] = "nftables",
};

static const char *const verdict_names[] = {
	[FW_V_NONE] = "none",
	[FW_V_ACCEPT] = "ACCEPT",
	[FW_V_DROP] = "DROP",
	[FW_V_REJECT] = "REJECT",
	[FW_V_JUMP] = "jump",
	[FW_V_GOTO] = "goto",
	[FW_V_RETURN] = "RETURN",
	[FW_V_OTHER] = "other",
};

void fw_copy(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

bool fw_in_list(const char *word, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(word, list[i]))
			return true;
	return false;
}

void fw_text__init(struct fw_text *t, char *buf, size_t size)
{
	t->buf = buf;
	t->size = size;
	t->used = 0;
	t->truncated = false;
	buf[0] = '\0';
}

void fw_text__add(struct fw_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->size - t->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->used) {
		t->truncated = true;
		t->used = t->size - 1;
		return;
	}
	t->used += (size_t)n;
}

const char *fw_backend__name(enum fw_backend backend)
{
	return backend < FW_NR_BACKENDS ? backend_names[backend] : "?";
}

const char *fw_verdict__name(enum fw_verdict verdict)
{
	return verdict <= FW_V_OTHER ? verdict_names[verdict] : "?";
}

void ruleset__init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

/* The text of a rule that has none of its own: never freed. */
static char no_text[] = "";

void ruleset__free(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->nr_rules; i++)
		if (rs->rules[i].text != no_text)
			free(rs->rules[i].text);
	free(rs->chains);
	free(rs->rules);
	ruleset__init(rs);
}

/* Make room for one more element of size in *array; -1 on failure. */
static int grow(void **array, size_t *cap, size_t used, size_t size)
{
	size_t new_cap;
	void *bigger;

	if (used < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 16;
	bigger = realloc(*array, new_cap * size);
	if (!bigger)
		return -1;
	*array = bigger;
	*cap = new_cap;
	return 0;
}

struct fw_chain *ruleset__add_chain(struct ruleset *rs,
				    enum fw_backend backend,
				    const char *family, const char *table,
				    const char *name)
{
	struct fw_chain *c;

	if (grow((void **)&rs->chains, &rs->chains_cap, rs->nr_chains,
		 sizeof(*c)))
		return NULL;
	c = &rs->chains[rs->nr_chains++];
	memset(c, 0, sizeof(*c));
	c->backend = backend;
	fw_copy(c->family, sizeof(c->family), family);
	fw_copy(c->table, sizeof(c->table), table);
	fw_copy(c->name, sizeof(c->name), name);
	c->rule_first = rs->nr_rules;
	return c;
}

struct fw_rule *ruleset__add_rule(struct ruleset *rs, size_t chain_id)
{
	struct fw_chain *c = &rs->chains[chain_id];
	struct fw_rule *r;

	if (grow((void **)&rs->rules, &rs->rules_cap, rs->nr_rules,
		 sizeof(*r)))
		return NULL;
	r = &rs->rules[rs->nr_rules++];
	memset(r, 0, sizeof(*r));
	r->backend = c->backend;
	r->chain_id = chain_id;
	r->index = (int)++c->rule_count;
	r->handle = -1;
	r->text = no_text;
	memcpy(r->family, c->family, sizeof(r->family));
	memcpy(r->table, c->table, sizeof(r->table));
	memcpy(r->chain, c->name, sizeof(r->chain));
	return r;
}

int fw_rule__set_text(struct fw_rule *r, const char *text)
{
	char *copy = strndup(text, FW_TEXT_LEN - 1);

	if (r->text != no_text)
		free(r->text);
	r->text = copy ? copy : no_text;
	return copy ? 0 : -ENOMEM;
}

int fw_rule__copy(struct fw_rule *dst, const struct fw_rule *src)
{
	*dst = *src;
	dst->text = no_text;
	return fw_rule__set_text(dst, src->text);
}

static int rule_order(const void *a, const void *b)
{
	const struct fw_rule *x = a, *y = b;

	if (x->chain_id != y->chain_id)
		return x->chain_id < y->chain_id ? -1 : 1;
	return x->index - y->index;
}

void ruleset__index_rules(struct ruleset *rs)
{
	size_t i, next = 0;

	qsort(rs->rules, rs->nr_rules, sizeof(*rs->rules), rule_order);
	for (i = 0; i < rs->nr_chains; i++) {
		rs->chains[i].rule_first = next;
		next += rs->chains[i].rule_count;
	}
}

static bool chain_is(const struct fw_chain *c, enum fw_backend backend,
		     const char *family, const char *table, const char *name)
{
	return c->backend == backend && !strcmp(c->name, name) &&
	       !strcmp(c->table, table) && !strcmp(c->family, family);
}

long ruleset__chain_id(const struct ruleset *rs, enum fw_backend backend,
		       const char *family, const char *table,
		       const char *name)
{
	size_t i;

	for (i = 0; i < rs->nr_chains; i++)
		if (chain_is(&rs->chains[i], backend, family, table, name))
			return (long)i;
	return -1;
}

const struct fw_chain *ruleset__chain(const struct ruleset *rs,
				      enum fw_backend backend,
				      const char *family, const char *table,
				      const char *name)
{
	long id = ruleset__chain_id(rs, backend, family, table, name);

	return id < 0 ? NULL : &rs->chains[id];
}

const struct fw_rule *ruleset__chain_rules(const struct ruleset *rs,
					   const struct fw_chain *chain,
					   size_t *count)
{
	*count = chain->rule_count;
	return chain->rule_count ? &rs->rules[chain->rule_first] : NULL;
}

const struct fw_chain *ruleset__rule_chain(const struct ruleset *rs,
					   const struct fw_rule *rule)
{
	return rule->chain_id < rs->nr_chains ? &rs->chains[rule->chain_id]
					      : NULL;
}

bool fw_rule__drops(const struct fw_rule *r)
{
	return r->verdict == FW_V_DROP || r->verdict == FW_V_REJECT;
}

bool fw_rule__terminal(const struct fw_rule *r)
{
	return r->verdict == FW_V_ACCEPT || r->verdict == FW_V_OTHER ||
	       fw_rule__drops(r);
}

bool fw_chain__policy_drops(const struct fw_chain *c)
{
	return c->base && c->policy == FW_V_DROP;
}

/* The rule of before that is rule of after: by handle, else by place. */
static const struct fw_rule *rule_before(const struct ruleset *before,
					 const struct fw_rule *rule)
{
	const struct fw_chain *c;
	const struct fw_rule *rules;
	size_t i, count;

	c = ruleset__chain(before, rule->backend, rule->family, rule->table,
			   rule->chain);
	if (!c)
		return NULL;
	rules = ruleset__chain_rules(before, c, &count);
	for (i = 0; i < count; i++) {
		if (rule->handle >= 0 && rules[i].handle >= 0) {
			if (rules[i].handle == rule->handle)
				return &rules[i];
		} else if (rules[i].index == rule->index &&
			   !strcmp(rules[i].text, rule->text)) {
			return &rules[i];
		}
	}
	return NULL;
}

static size_t add_delta(struct fw_counter_delta *out, size_t max, size_t n,
			const struct fw_chain *chain,
			const struct fw_rule *rule, uint64_t packets,
			uint64_t bytes)
{
	if (n < max) {
		out[n].chain = chain;
		out[n].rule = rule;
		out[n].packets = packets;
		out[n].bytes = bytes;
	}
	return n + 1;
}

static size_t rule_deltas(const struct ruleset *before,
			  const struct ruleset *after,
			  struct fw_counter_delta *out, size_t max, size_t n)
{
	const struct fw_rule *r, *old;
	uint64_t packets, bytes;
	size_t i;

	for (i = 0; i < after->nr_rules; i++) {
		r = &after->rules[i];
		if (!fw_rule__drops(r) || !r->has_counter)
			continue;
		old = rule_before(before, r);
		packets = old ? old->packets : 0;
		bytes = old ? old->bytes : 0;
		/* A counter that went back was zeroed or reloaded. */
		if (r->packets <= packets || r->bytes < bytes)
			continue;
		n = add_delta(out, max, n, &after->chains[r->chain_id], r,
			      r->packets - packets, r->bytes - bytes);
	}
	return n;
}

static size_t policy_deltas(const struct ruleset *before,
			    const struct ruleset *after,
			    struct fw_counter_delta *out, size_t max, size_t n)
{
	const struct fw_chain *c, *old;
	uint64_t packets, bytes;
	size_t i;

	for (i = 0; i < after->nr_chains; i++) {
		c = &after->chains[i];
		if (!fw_chain__policy_drops(c) || !c->has_policy_counter)
			continue;
		old = ruleset__chain(before, c->backend, c->family, c->table,
				     c->name);
		packets = old ? old->policy_packets : 0;
		bytes = old ? old->policy_bytes : 0;
		if (c->policy_packets <= packets || c->policy_bytes < bytes)
			continue;
		n = add_delta(out, max, n, c, NULL, c->policy_packets - packets,
			      c->policy_bytes - bytes);
	}
	return n;
}

size_t ruleset__counter_diff(const struct ruleset *before,
			     const struct ruleset *after,
			     struct fw_counter_delta *out, size_t max)
{
	size_t n = rule_deltas(before, after, out, max, 0);

	return policy_deltas(before, after, out, max, n);
}
