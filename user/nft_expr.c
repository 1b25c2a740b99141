// SPDX-License-Identifier: GPL-2.0
/*
 * The nft JSON expression language, as far as a drop event can decide it:
 * interfaces, addresses, protocol, ports and conntrack state. Everything
 * else is rendered for the reader and marks the rule undecidable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "nft_expr.h"
#include "ruleset_priv.h"

/* One "match" expression taken apart. */
struct nft_match {
	const char *left_kind;	/* "meta", "payload", "ct", ... */
	const char *key;	/* meta/ct key, or payload field */
	const char *proto;	/* payload protocol */
	json_t *right;
	bool neg;
};

static void text_word(struct fw_text *tb)
{
	if (tb->used)
		fw_text__add(tb, " ");
}

const char *nft_expr__kind(json_t *obj, json_t **value)
{
	void *it = json_is_object(obj) ? json_object_iter(obj) : NULL;

	if (!it)
		return NULL;
	*value = json_object_iter_value(it);
	return json_object_iter_key(it);
}

static const char *member_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void render_value(struct fw_text *tb, json_t *v, bool quote);

static void render_list(struct fw_text *tb, json_t *list, const char *sep)
{
	size_t i;
	json_t *item;

	json_array_foreach(list, i, item) {
		if (i)
			fw_text__add(tb, "%s", sep);
		render_value(tb, item, false);
	}
}

/* {"set": [...]}, {"range": [lo, hi]}, {"prefix": {...}}, ... */
static void render_object(struct fw_text *tb, json_t *v)
{
	json_t *inner = NULL;
	const char *kind = nft_expr__kind(v, &inner);
	json_int_t len;

	if (!kind) {
		fw_text__add(tb, "?");
	} else if (!strcmp(kind, "set")) {
		fw_text__add(tb, "{ ");
		render_list(tb, inner, ", ");
		fw_text__add(tb, " }");
	} else if (!strcmp(kind, "range")) {
		render_list(tb, inner, "-");
	} else if (!strcmp(kind, "prefix")) {
		len = json_integer_value(json_object_get(inner, "len"));
		render_value(tb, json_object_get(inner, "addr"), false);
		fw_text__add(tb, "/%lld", (long long)len);
	} else {
		fw_text__add(tb, "%s", kind);
	}
}

static void render_value(struct fw_text *tb, json_t *v, bool quote)
{
	if (json_is_string(v))
		fw_text__add(tb, quote ? "\"%s\"" : "%s", json_string_value(v));
	else if (json_is_integer(v))
		fw_text__add(tb, "%lld", (long long)json_integer_value(v));
	else if (json_is_array(v))
		render_list(tb, v, ",");
	else
		render_object(tb, v);
}

static bool is_iface_key(const char *key)
{
	return !strcmp(key, "iifname") || !strcmp(key, "oifname") ||
	       !strcmp(key, "iif") || !strcmp(key, "oif");
}

/* Take {"payload": {...}}, {"meta": {...}}, {"ct": {...}} apart. */
static void split_left(json_t *left, struct nft_match *m)
{
	json_t *inner = NULL;

	m->left_kind = nft_expr__kind(left, &inner);
	if (!m->left_kind)
		m->left_kind = "?";
	m->proto = member_str(inner, "protocol");
	m->key = member_str(inner, m->proto ? "field" : "key");
}

/* "iifname", "meta l4proto", "ip saddr", "ct state"; true: quote right */
static bool render_left(struct fw_text *tb, const struct nft_match *m)
{
	text_word(tb);
	if (!strcmp(m->left_kind, "payload") && m->proto && m->key) {
		fw_text__add(tb, "%s %s", m->proto, m->key);
	} else if (!strcmp(m->left_kind, "meta") && m->key &&
		   is_iface_key(m->key)) {
		fw_text__add(tb, "%s", m->key);
		return true;
	} else if (m->key) {
		fw_text__add(tb, "%s %s", m->left_kind, m->key);
	} else {
		fw_text__add(tb, "%s", m->left_kind);
	}
	return false;
}

static void render_match(struct fw_text *tb, const struct nft_match *m)
{
	bool quote = render_left(tb, m);

	fw_text__add(tb, m->neg ? " != " : " ");
	render_value(tb, m->right, quote);
}

static bool set_iface(char *dst, bool *neg_dst, json_t *right, bool neg)
{
	const char *name = json_string_value(right);

	if (!name || name[0] == '@' || strlen(name) >= FW_IFNAMSIZ)
		return false;
	fw_iface__set(dst, name);
	*neg_dst = neg;
	return true;
}

static int proto_value(json_t *v)
{
	if (json_is_integer(v))
		return (int)json_integer_value(v);
	if (json_is_string(v))
		return fw_proto__parse(json_string_value(v));
	return -1;
}

static bool set_l4proto(struct fw_match *fm, json_t *right, bool neg)
{
	int proto = proto_value(right);

	if (proto <= 0 || proto > 255)
		return false;
	fm->l4proto = proto;
	fm->l4proto_neg = neg;
	return true;
}

/* meta nfproto ipv4|ipv6 */
static bool set_family(struct fw_match *fm, json_t *right, bool neg)
{
	const char *name = json_string_value(right);

	if (!name || neg)
		return false;
	if (!strcmp(name, "ipv4"))
		fm->family = AF_INET;
	else if (!strcmp(name, "ipv6"))
		fm->family = AF_INET6;
	else
		return false;
	return true;
}

static bool set_addr(struct fw_addr_match *a, int af, json_t *right,
		     bool neg)
{
	char text[80];
	json_t *prefix = json_object_get(right, "prefix");
	const char *addr = json_string_value(right);

	if (prefix) {
		addr = member_str(prefix, "addr");
		if (!addr)
			return false;
		snprintf(text, sizeof(text), "%s/%lld", addr,
			 (long long)json_integer_value(
				 json_object_get(prefix, "len")));
		addr = text;
	}
	if (!addr || fw_addr__parse(a, addr, af) != af)
		return false;
	a->neg = neg;
	return true;
}

static bool add_port_item(struct fw_port_match *pm, json_t *v)
{
	json_t *range = json_object_get(v, "range");
	json_int_t lo, hi;

	if (json_is_integer(v)) {
		lo = hi = json_integer_value(v);
	} else if (json_array_size(range) == 2 &&
		   json_is_integer(json_array_get(range, 0)) &&
		   json_is_integer(json_array_get(range, 1))) {
		lo = json_integer_value(json_array_get(range, 0));
		hi = json_integer_value(json_array_get(range, 1));
	} else {
		return false;
	}
	if (lo < 0 || hi > 65535 || lo > hi)
		return false;
	return !fw_port__add(pm, (uint16_t)lo, (uint16_t)hi);
}

/* 80, {"range": [1, 5]} or {"set": [22, {"range": [...]}, ...]} */
static bool set_ports(struct fw_port_match *pm, json_t *right, bool neg)
{
	json_t *set = json_object_get(right, "set");
	json_t *item;
	size_t i;

	if (pm->count)
		return false;
	pm->neg = neg;
	if (!json_is_array(set))
		return add_port_item(pm, right);
	json_array_foreach(set, i, item)
		if (!add_port_item(pm, item))
			return false;
	return pm->count > 0;
}

/* "invalid", ["established", "related"] or {"set": [...]} */
static bool set_ct_state(struct fw_match *fm, json_t *right, bool neg)
{
	json_t *list = json_object_get(right, "set");
	json_t *item;
	unsigned int bit;
	size_t i;

	if (json_is_string(right))
		fm->ctstate = fw_ct__parse(json_string_value(right));
	if (!list)
		list = right;
	json_array_foreach(list, i, item) {
		bit = fw_ct__parse(json_string_value(item) ?: "");
		if (!bit)
			return false;
		fm->ctstate |= bit;
	}
	fm->ctstate_neg = neg;
	return fm->ctstate != 0;
}

static bool match_meta(struct fw_match *fm, const struct nft_match *m)
{
	if (!strcmp(m->key, "iifname") || !strcmp(m->key, "iif"))
		return set_iface(fm->iif, &fm->iif_neg, m->right, m->neg);
	if (!strcmp(m->key, "oifname") || !strcmp(m->key, "oif"))
		return set_iface(fm->oif, &fm->oif_neg, m->right, m->neg);
	if (!strcmp(m->key, "l4proto"))
		return set_l4proto(fm, m->right, m->neg);
	if (!strcmp(m->key, "nfproto"))
		return set_family(fm, m->right, m->neg);
	return false;
}

/* ip/ip6 addresses and protocol; ports of tcp, udp, ... and "th". */
static bool match_payload(struct fw_match *fm, const struct nft_match *m)
{
	int l4 = fw_proto__parse(m->proto);
	int af = 0;

	if (!strcmp(m->proto, "ip"))
		af = AF_INET;
	else if (!strcmp(m->proto, "ip6"))
		af = AF_INET6;

	if (af) {
		fm->family = af;
		if (!strcmp(m->key, "saddr"))
			return set_addr(&fm->src, af, m->right, m->neg);
		if (!strcmp(m->key, "daddr"))
			return set_addr(&fm->dst, af, m->right, m->neg);
		if (!strcmp(m->key, af == AF_INET ? "protocol" : "nexthdr"))
			return set_l4proto(fm, m->right, m->neg);
		return false;
	}
	if (!fw_proto__has_ports(l4) && strcmp(m->proto, "th"))
		return false;
	/* "tcp dport" carries an implicit "meta l4proto tcp". */
	if (l4 > 0 && !fm->l4proto)
		fm->l4proto = l4;
	if (!strcmp(m->key, "sport"))
		return set_ports(&fm->sport, m->right, m->neg);
	if (!strcmp(m->key, "dport"))
		return set_ports(&fm->dport, m->right, m->neg);
	return false;
}

static bool match_decide(struct fw_match *fm, const struct nft_match *m)
{
	/* Set references ("@name") fail below, after implied matches. */
	if (!m->key)
		return false;
	if (!strcmp(m->left_kind, "meta"))
		return match_meta(fm, m);
	if (!strcmp(m->left_kind, "payload") && m->proto)
		return match_payload(fm, m);
	if (!strcmp(m->left_kind, "ct") && !strcmp(m->key, "state"))
		return set_ct_state(fm, m->right, m->neg);
	return false;
}

static void parse_match(struct fw_rule *r, json_t *body, struct fw_text *tb)
{
	const char *op = member_str(body, "op");
	struct nft_match m = { 0 };

	split_left(json_object_get(body, "left"), &m);
	m.right = json_object_get(body, "right");
	m.neg = op && !strcmp(op, "!=");
	render_match(tb, &m);
	if (!op || (strcmp(op, "==") && strcmp(op, "!=") && strcmp(op, "in")))
		r->match.unknown = true;
	else if (!match_decide(&r->match, &m))
		r->match.unknown = true;
}

static void parse_counter(struct fw_rule *r, json_t *body,
			  struct fw_text *tb)
{
	text_word(tb);
	if (json_is_string(body)) {
		/* A named counter object: its values are not in the rule. */
		fw_text__add(tb, "counter name \"%s\"",
			     json_string_value(body));
		return;
	}
	fw_text__add(tb, "counter");
	r->has_counter = true;
	r->packets = (uint64_t)json_integer_value(
		json_object_get(body, "packets"));
	r->bytes = (uint64_t)json_integer_value(json_object_get(body, "bytes"));
}

static void parse_jump(struct fw_rule *r, const char *kind, json_t *body,
		       struct fw_text *tb)
{
	const char *target = member_str(body, "target");

	r->verdict = strcmp(kind, "jump") ? FW_V_GOTO : FW_V_JUMP;
	fw_copy(r->target, sizeof(r->target), target ? target : "");
	text_word(tb);
	fw_text__add(tb, "%s %s", kind, r->target);
}

static void parse_reject(struct fw_rule *r, json_t *body,
			 struct fw_text *tb)
{
	const char *type = member_str(body, "type");
	const char *code = member_str(body, "expr");

	r->verdict = FW_V_REJECT;
	text_word(tb);
	fw_text__add(tb, "reject");
	if (type)
		fw_text__add(tb, " with %s", type);
	if (type && code)
		fw_text__add(tb, " %s", code);
}

static void parse_log(json_t *body, struct fw_text *tb)
{
	const char *prefix = member_str(body, "prefix");

	text_word(tb);
	fw_text__add(tb, "log");
	if (prefix)
		fw_text__add(tb, " prefix \"%s\"", prefix);
}

/* Targets iptables-nft could not translate to native expressions. */
static void parse_xt(struct fw_rule *r, json_t *body, struct fw_text *tb)
{
	const char *type = member_str(body, "type");
	const char *name = member_str(body, "name");

	text_word(tb);
	fw_text__add(tb, "xt %s", name ? name : "?");
	if (!type || !name || strcmp(type, "target")) {
		r->match.unknown = true;
		return;
	}
	r->verdict = fw_target__verdict(name);
	if (r->verdict == FW_V_NONE || r->verdict == FW_V_OTHER)
		fw_copy(r->target, sizeof(r->target), name);
}

/* dnat/snat/redirect: "dnat to 127.0.0.1:51679" */
static void parse_nat(struct fw_rule *r, const char *kind, json_t *body,
		      struct fw_text *tb)
{
	json_t *addr = json_object_get(body, "addr");
	json_t *port = json_object_get(body, "port");

	r->verdict = FW_V_OTHER;
	fw_copy(r->target, sizeof(r->target), kind);
	text_word(tb);
	fw_text__add(tb, "%s", kind);
	if (addr || port)
		fw_text__add(tb, " to ");
	if (addr)
		render_value(tb, addr, false);
	if (port) {
		fw_text__add(tb, ":");
		render_value(tb, port, false);
	}
}

/* "meta mark set 1" */
static void parse_mangle(json_t *body, struct fw_text *tb)
{
	struct nft_match m = { 0 };

	split_left(json_object_get(body, "key"), &m);
	render_left(tb, &m);
	fw_text__add(tb, " set ");
	render_value(tb, json_object_get(body, "value"), false);
}

/* "limit rate 10/second": whether it hits depends on the traffic. */
static void parse_limit(struct fw_rule *r, json_t *body, struct fw_text *tb)
{
	const char *per = member_str(body, "per");

	r->match.unknown = true;
	text_word(tb);
	fw_text__add(tb, "limit rate %s%lld/%s",
		     json_is_true(json_object_get(body, "inv")) ? "over " : "",
		     (long long)json_integer_value(json_object_get(body, "rate")),
		     per ? per : "?");
}

/*
 * "tcp dport vmap { 22 : accept, 23 : drop }": the verdict depends on
 * the packet, or there is none; the walk cannot tell which.
 */
static void parse_vmap(struct fw_rule *r, json_t *body, struct fw_text *tb)
{
	json_t *elems = json_object_get(json_object_get(body, "data"), "set");
	struct nft_match key = { 0 };
	json_t *elem;
	size_t i;

	r->verdict = FW_V_OTHER;
	r->match.unknown = true;
	fw_copy(r->target, sizeof(r->target), "vmap");
	split_left(json_object_get(body, "key"), &key);
	render_left(tb, &key);
	fw_text__add(tb, " vmap {");
	json_array_foreach(elems, i, elem) {
		fw_text__add(tb, i ? ", " : " ");
		render_value(tb, json_array_get(elem, 0), false);
		fw_text__add(tb, " : ");
		render_value(tb, json_array_get(elem, 1), false);
	}
	fw_text__add(tb, " }");
}

/* Statements that end evaluation without accepting or dropping as such. */
static const char *const ending_statements[] = {
	"masquerade", "queue", "tproxy", "synproxy", "fwd",
};

/* Statements that change nothing evaluation depends on. */
static const char *const passive_statements[] = {
	"notrack", "set", "dup", "ct helper", "ct timeout", "ct expectation",
};

static bool parse_simple_verdict(struct fw_rule *r, const char *kind)
{
	static const char *const verdicts[] = {
		[FW_V_ACCEPT] = "accept", [FW_V_DROP] = "drop",
		[FW_V_RETURN] = "return", [FW_V_NONE] = "continue",
	};
	size_t v;

	for (v = 0; v < ARRAY_LEN(verdicts); v++) {
		if (verdicts[v] && !strcmp(kind, verdicts[v])) {
			r->verdict = (enum fw_verdict)v;
			return true;
		}
	}
	return false;
}

static void parse_statement(struct fw_rule *r, const char *kind,
			    json_t *body, struct fw_text *tb)
{
	if (!strcmp(kind, "jump") || !strcmp(kind, "goto")) {
		parse_jump(r, kind, body, tb);
		return;
	}
	if (!strcmp(kind, "dnat") || !strcmp(kind, "snat") ||
	    !strcmp(kind, "redirect")) {
		parse_nat(r, kind, body, tb);
		return;
	}
	text_word(tb);
	fw_text__add(tb, "%s", kind);
	if (parse_simple_verdict(r, kind) ||
	    fw_in_list(kind, passive_statements, ARRAY_LEN(passive_statements)))
		return;
	if (fw_in_list(kind, ending_statements, ARRAY_LEN(ending_statements))) {
		r->verdict = FW_V_OTHER;
		fw_copy(r->target, sizeof(r->target), kind);
		return;
	}
	/* limit, quota, ct count, ...: they decide whether the rule hits. */
	r->match.unknown = true;
}

static void parse_expr(struct fw_rule *r, json_t *expr, struct fw_text *tb)
{
	json_t *body = NULL;
	const char *kind = nft_expr__kind(expr, &body);

	if (!kind)
		r->match.unknown = true;
	else if (!strcmp(kind, "match"))
		parse_match(r, body, tb);
	else if (!strcmp(kind, "counter"))
		parse_counter(r, body, tb);
	else if (!strcmp(kind, "reject"))
		parse_reject(r, body, tb);
	else if (!strcmp(kind, "log"))
		parse_log(body, tb);
	else if (!strcmp(kind, "xt"))
		parse_xt(r, body, tb);
	else if (!strcmp(kind, "mangle"))
		parse_mangle(body, tb);
	else if (!strcmp(kind, "limit"))
		parse_limit(r, body, tb);
	else if (!strcmp(kind, "vmap"))
		parse_vmap(r, body, tb);
	else
		parse_statement(r, kind, body, tb);
}

int nft_expr__parse_rule(struct fw_rule *r, json_t *exprs)
{
	char text[FW_TEXT_LEN];
	struct fw_text tb;
	json_t *expr;
	size_t i;

	fw_text__init(&tb, text, sizeof(text));
	if (!strcmp(r->family, "ip"))
		r->match.family = AF_INET;
	else if (!strcmp(r->family, "ip6"))
		r->match.family = AF_INET6;
	json_array_foreach(exprs, i, expr)
		parse_expr(r, expr, &tb);
	return fw_rule__set_text(r, text);
}
