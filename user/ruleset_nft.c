// SPDX-License-Identifier: GPL-2.0
/*
 * "nft -j -a list ruleset": tables, chains and rules of the ip, ip6 and
 * inet families. Tables iptables-nft made are listed there too; they stay
 * with that backend, and only lend it their rule handles.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "nft_expr.h"
#include "ruleset_priv.h"

struct nft_hook_name {
	const char *nft;
	const char *ipt;
};

static const struct nft_hook_name hook_names[] = {
	{ "prerouting", "PREROUTING" },
	{ "input", "INPUT" },
	{ "forward", "FORWARD" },
	{ "output", "OUTPUT" },
	{ "postrouting", "POSTROUTING" },
	{ "ingress", "INGRESS" },
	{ "egress", "EGRESS" },
};

/* Standard priority names, for listings that print names not numbers. */
static const struct {
	const char *name;
	int prio;
} prio_names[] = {
	{ "raw", -300 },
	{ "mangle", -150 },
	{ "dstnat", -100 },
	{ "filter", 0 },
	{ "security", 50 },
	{ "srcnat", 100 },
};

static const char *const families[] = { "ip", "ip6", "inet" };

static const char *member_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int chain_priority(json_t *prio)
{
	const char *name = json_string_value(prio);
	size_t i;

	if (json_is_integer(prio))
		return (int)json_integer_value(prio);
	for (i = 0; name && i < ARRAY_LEN(prio_names); i++)
		if (!strcmp(name, prio_names[i].name))
			return prio_names[i].prio;
	return 0;
}

static void chain_hook(struct fw_chain *c, json_t *obj, const char *hook)
{
	const char *policy = member_str(obj, "policy");
	size_t i;

	c->base = true;
	for (i = 0; i < ARRAY_LEN(hook_names); i++)
		if (!strcmp(hook, hook_names[i].nft))
			fw_copy(c->hook, sizeof(c->hook), hook_names[i].ipt);
	c->priority = chain_priority(json_object_get(obj, "prio"));
	/* A base chain without a policy accepts. */
	c->policy = policy && !strcmp(policy, "drop") ? FW_V_DROP
						      : FW_V_ACCEPT;
}

static bool family_known(const char *family)
{
	return family && fw_in_list(family, families, ARRAY_LEN(families));
}

/*
 * The listing as it is read. Chains iptables-nft-save already reported
 * (owner's) are its own: their rules only lend owner their handles, the
 * i-th rule to the i-th, and are not kept (at 10 000 rules, a second copy
 * of every rule was most of dropwhy's memory).
 */
struct lent_chain {
	long owner;			/* owner's chain id, or -1: native */
	size_t rules;			/* rules listed */
};

struct nft_parse {
	struct ruleset *nft;		/* native chains and rules */
	struct ruleset *owner;		/* iptables-nft's, read before */
	struct lent_chain *lent;	/* per nft chain */
	size_t lent_cap;
	long last_chain;		/* rules come chain by chain */
};

static int parse_chain(struct nft_parse *ps, json_t *obj)
{
	const char *family = member_str(obj, "family");
	const char *table = member_str(obj, "table");
	const char *name = member_str(obj, "name");
	const char *hook = member_str(obj, "hook");
	size_t id = ps->nft->nr_chains;
	struct fw_chain *c;

	if (!family_known(family) || !table || !name)
		return 0;
	if (id >= ps->lent_cap) {
		size_t cap = ps->lent_cap ? ps->lent_cap * 2 : 16;
		struct lent_chain *bigger = realloc(ps->lent, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		ps->lent = bigger;
		ps->lent_cap = cap;
	}
	c = ruleset__add_chain(ps->nft, FW_NFTABLES, family, table, name);
	if (!c)
		return -ENOMEM;
	/*
	 * By chain, not by table: iptables-nft-save also "lists" a native
	 * table that merely shares an iptables name (ip nat, ip raw), showing
	 * its own builtin chains with no rules, while the native chains
	 * (prerouting, ...) stay nft's.
	 */
	ps->lent[id].owner = ruleset__chain_id(ps->owner, FW_IPTABLES_NFT,
					       family, table, name);
	ps->lent[id].rules = 0;
	if (hook)
		chain_hook(c, obj, hook);
	return 0;
}

/* The next rule of a chain iptables-nft owns: its handle, nothing else. */
static void lend_handle(struct nft_parse *ps, json_t *obj)
{
	struct lent_chain *l = &ps->lent[ps->last_chain];
	const struct fw_chain *c = &ps->owner->chains[l->owner];
	size_t i = l->rules++;

	if (i < c->rule_count)
		ps->owner->rules[c->rule_first + i].handle =
			json_integer_value(json_object_get(obj, "handle"));
}

static int parse_rule(struct nft_parse *ps, json_t *obj)
{
	const char *family = member_str(obj, "family");
	const char *table = member_str(obj, "table");
	const char *chain = member_str(obj, "chain");
	struct ruleset *nft = ps->nft;
	struct fw_chain *c;
	struct fw_rule *r;

	if (!family_known(family) || !table || !chain)
		return 0;
	c = ps->last_chain >= 0 ? &nft->chains[ps->last_chain] : NULL;
	if (!c || strcmp(c->name, chain) || strcmp(c->table, table) ||
	    strcmp(c->family, family))
		ps->last_chain = ruleset__chain_id(nft, FW_NFTABLES, family,
						   table, chain);
	if (ps->last_chain < 0)
		return -ENOENT;
	if (ps->lent[ps->last_chain].owner >= 0) {
		lend_handle(ps, obj);
		return 0;
	}
	r = ruleset__add_rule(nft, (size_t)ps->last_chain);
	if (!r)
		return -ENOMEM;
	r->handle = json_integer_value(json_object_get(obj, "handle"));
	return nft_expr__parse_rule(r, json_object_get(obj, "expr"));
}

static int parse_object(struct nft_parse *ps, json_t *item)
{
	const char *kind;
	json_t *body;
	int err = 0;

	kind = nft_expr__kind(item, &body);
	if (kind && !strcmp(kind, "chain"))
		err = parse_chain(ps, body);
	else if (kind && !strcmp(kind, "rule"))
		err = parse_rule(ps, body);
	if (err && err != -ENOMEM) {
		log_debug("nft listing: rule of an unknown chain skipped");
		err = 0;
	}
	return err;
}

#define JSON_SPACE " \t\r\n"

/* Just past the '[' of the listing's {"nftables": [, or NULL. */
static const char *items_start(const char *json)
{
	static const char key[] = "\"nftables\"";
	const char *p = json + strspn(json, JSON_SPACE);

	if (*p++ != '{')
		return NULL;
	p += strspn(p, JSON_SPACE);
	if (strncmp(p, key, sizeof(key) - 1))
		return NULL;
	p += sizeof(key) - 1;
	p += strspn(p, JSON_SPACE);
	if (*p++ != ':')
		return NULL;
	p += strspn(p, JSON_SPACE);
	return *p == '[' ? p + 1 : NULL;
}

static void parse_failed(const json_error_t *error)
{
	log_warn("cannot parse the nft listing: %s (line %d)", error->text,
		 error->line);
}

/*
 * The listing is one object holding one array: {"nftables": [item, ...]},
 * an item per table, chain and rule. Decoded whole, 10 000 rules make a
 * tree of some 40 MB; so the items are decoded one at a time, jansson
 * stopping after each (JSON_DISABLE_EOF_CHECK) and saying where. What
 * follows the array's ']' is not read. items: just past its '['.
 */
static int parse_items(struct nft_parse *ps, const char *items)
{
	const char *p = items, *end = items + strlen(items);
	json_error_t error;
	json_t *item;
	int err;

	p += strspn(p, JSON_SPACE);
	while (*p != ']') {
		item = json_loadb(p, end - p, JSON_DISABLE_EOF_CHECK, &error);
		if (!item) {
			parse_failed(&error);
			return -1;
		}
		p += error.position;
		err = parse_object(ps, item);
		json_decref(item);
		if (err)
			return err;
		p += strspn(p, JSON_SPACE);
		if (*p == ',')
			p += 1 + strspn(p + 1, JSON_SPACE);
		else if (*p != ']') {
			log_warn("cannot parse the nft listing: ',' or ']' expected after an item");
			return -1;
		}
	}
	return 0;
}

/* Anything but the usual shape: decode it whole. */
static int parse_document(struct nft_parse *ps, const char *json)
{
	json_t *root, *list, *item;
	json_error_t error;
	int err = 0;
	size_t i;

	root = json_loads(json, 0, &error);
	if (!root) {
		parse_failed(&error);
		return -1;
	}
	list = json_object_get(root, "nftables");
	json_array_foreach(list, i, item) {
		err = parse_object(ps, item);
		if (err)
			break;
	}
	json_decref(root);
	return err;
}

/*
 * iptables-nft-save and nft list the rules of a chain in the same order:
 * the i-th of one is the i-th of the other, if both saw the same ruleset.
 * When the counts differ they did not: take the lent handles back.
 */
static void check_lent(struct ruleset *rs, const struct fw_chain *nc,
		       const struct lent_chain *l)
{
	const struct fw_chain *c = &rs->chains[l->owner];
	size_t i;

	if (c->rule_count == l->rules)
		return;
	log_debug("%s %s %s: rule count differs between listings, no handles",
		  nc->family, nc->table, nc->name);
	for (i = 0; i < c->rule_count; i++)
		rs->rules[c->rule_first + i].handle = -1;
}

static int copy_chain(struct ruleset *rs, const struct ruleset *nft,
		      const struct fw_chain *nc)
{
	struct fw_chain *c = ruleset__add_chain(rs, nc->backend, nc->family,
						nc->table, nc->name);
	size_t id = rs->nr_chains - 1, i;
	struct fw_rule *r;

	if (!c)
		return -ENOMEM;
	*c = *nc;
	c->rule_count = 0;
	for (i = 0; i < nc->rule_count; i++) {
		r = ruleset__add_rule(rs, id);
		if (!r)
			return -ENOMEM;
		if (fw_rule__copy(r, &nft->rules[nc->rule_first + i]))
			return -ENOMEM;
		r->chain_id = id;
	}
	return 0;
}

/* Does the nft listing hold a chain of this name in this table? */
static bool nft_has_chain(const struct ruleset *nft, const struct fw_chain *c)
{
	return ruleset__chain_id(nft, FW_NFTABLES, c->family, c->table,
				 c->name) >= 0;
}

/*
 * Drop the empty builtin chains iptables-nft-save invents for a native
 * table that merely shares an iptables name: nft has no such chain.
 */
static void drop_phantom_chains(struct ruleset *rs, const struct ruleset *nft)
{
	size_t i, kept = 0, r;
	long *new_id = calloc(rs->nr_chains ? rs->nr_chains : 1, sizeof(*new_id));

	if (!new_id)
		return;
	for (i = 0; i < rs->nr_chains; i++) {
		const struct fw_chain *c = &rs->chains[i];

		new_id[i] = -1;
		if (c->backend == FW_IPTABLES_NFT && !c->rule_count &&
		    !nft_has_chain(nft, c))
			continue;
		new_id[i] = kept;
		rs->chains[kept++] = *c;
	}
	rs->nr_chains = kept;
	for (r = 0; r < rs->nr_rules; r++)
		rs->rules[r].chain_id = new_id[rs->rules[r].chain_id];
	free(new_id);
}

static int merge_nft(struct ruleset *rs, const struct nft_parse *ps)
{
	const struct ruleset *nft = ps->nft;
	const struct fw_chain *nc;
	size_t i;

	for (i = 0; i < nft->nr_chains; i++) {
		nc = &nft->chains[i];
		if (ps->lent[i].owner >= 0)
			check_lent(rs, nc, &ps->lent[i]);
		else if (copy_chain(rs, nft, nc))
			return -ENOMEM;
	}
	drop_phantom_chains(rs, nft);
	ruleset__index_rules(rs);
	return 0;
}

int ruleset__parse_nft_json(struct ruleset *rs, const char *json)
{
	const char *items = items_start(json);
	struct ruleset nft;
	struct nft_parse ps = {
		.nft = &nft, .owner = rs, .last_chain = -1,
	};
	int err;

	ruleset__init(&nft);
	err = items ? parse_items(&ps, items) : parse_document(&ps, json);
	if (!err) {
		ruleset__index_rules(&nft);
		err = merge_nft(rs, &ps);
	}
	ruleset__free(&nft);
	free(ps.lent);
	return err ? -1 : 0;
}
