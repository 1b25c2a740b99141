// SPDX-License-Identifier: GPL-2.0
/*
 * "iptables-save -c" output, of the legacy or the nf_tables backend:
 *   *filter
 *   :INPUT DROP [12:720]
 *   [5:300] -A INPUT -i lo -j ACCEPT
 *   COMMIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "log.h"
#include "ruleset_priv.h"

#define IPT_MAX_ARGS	256

struct ipt_parser {
	struct ruleset *rs;
	enum fw_backend backend;
	const char *family;		/* "ip" or "ip6" */
	int af;
	char table[FW_TABLE_LEN];	/* "" outside *table ... COMMIT */
	int line_no;
	long last_chain;		/* the chain of the previous rule */
};

/* One rule's arguments, walked left to right. */
struct ipt_args {
	char **argv;
	int argc;
	int pos;
	bool neg;			/* a "!" precedes the next option */
	const char *module;		/* the last -m */
};

struct table_prio {
	const char *table;
	int prio;
	int nat_in_prio;	/* nat: INPUT and POSTROUTING differ */
};

/* The priorities iptables registers its tables at (NF_IP_PRI_*). */
static const struct table_prio table_prios[] = {
	{ "raw", -300, -300 },
	{ "mangle", -150, -150 },
	{ "nat", -100, 100 },
	{ "filter", 0, 0 },
	{ "security", 50, 50 },
};

static const char *const builtin_hooks[] = {
	"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
};

/* Targets that let evaluation go on to the next rule. */
static const char *const continuing_targets[] = {
	"LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "SECMARK",
	"CONNSECMARK", "TRACE", "CT", "NOTRACK", "TCPMSS", "TCPOPTSTRIP",
	"CLASSIFY", "DSCP", "TOS", "TTL", "HL", "ECN", "SET", "AUDIT",
	"CHECKSUM", "IDLETIMER", "LED", "RATEEST", "TEE", "HMARK",
	"CLUSTERIP",
};

/* Match modules whose options this parser evaluates or may ignore. */
static const char *const known_modules[] = {
	"tcp", "udp", "multiport", "conntrack", "state", "comment",
};

static int table_priority(const char *table, const char *hook)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(table_prios); i++) {
		if (strcmp(table, table_prios[i].table))
			continue;
		if (!strcmp(hook, "INPUT") || !strcmp(hook, "POSTROUTING"))
			return table_prios[i].nat_in_prio;
		return table_prios[i].prio;
	}
	return 0;
}

/*
 * Split s in place into words; double quotes group, a backslash in them
 * escapes the next byte. Returns the number of words.
 */
static int tokenize(char *s, char **argv, int max)
{
	int argc = 0;
	char *out;

	while (*s && argc < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		argv[argc++] = out = s;
		while (*s && *s != ' ' && *s != '\t') {
			if (*s != '"') {
				*out++ = *s++;
				continue;
			}
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				*out++ = *s;
			}
			if (*s)
				s++;
		}
		if (*s)
			s++;
		*out = '\0';
	}
	return argc;
}

static int parse_counters(const char *text, uint64_t *packets,
			  uint64_t *bytes)
{
	if (sscanf(text, "[%" SCNu64 ":%" SCNu64 "]", packets, bytes) != 2)
		return -1;
	return 0;
}

static int parse_port(const char *text, char **end)
{
	long port = strtol(text, end, 10);

	if (*end == text || port < 0 || port > 65535)
		return -1;
	return (int)port;
}

/* "80", "1024:2048", "1024:", ":1023" */
static int parse_port_range(struct fw_port_match *pm, const char *text)
{
	int lo = 0, hi = 65535;
	char *end = (char *)text;

	if (*text != ':' && (lo = parse_port(text, &end)) < 0)
		return -1;
	if (*end == ':') {
		text = end + 1;
		if (*text && (hi = parse_port(text, &end)) < 0)
			return -1;
	} else {
		hi = lo;
	}
	if (*end || lo > hi)
		return -1;
	return fw_port__add(pm, (uint16_t)lo, (uint16_t)hi);
}

/* "80,443,8000:8100" */
static int parse_port_list(struct fw_port_match *pm, const char *text,
			   bool neg)
{
	char buf[256], *item, *save = NULL;

	fw_copy(buf, sizeof(buf), text);
	for (item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save))
		if (parse_port_range(pm, item))
			return -1;
	pm->neg = neg;
	return pm->count ? 0 : -1;
}

/* "RELATED,ESTABLISHED"; SNAT/DNAT and the like are not decided here. */
static int parse_ct_states(struct fw_match *m, const char *text, bool neg)
{
	char buf[128], *item, *save = NULL;
	unsigned int bit;

	fw_copy(buf, sizeof(buf), text);
	for (item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		bit = fw_ct__parse(item);
		if (!bit)
			return -1;
		m->ctstate |= bit;
	}
	m->ctstate_neg = neg;
	return m->ctstate ? 0 : -1;
}

static int parse_iface(char *dst, bool *neg_dst, const char *name, bool neg)
{
	if (strlen(name) >= FW_IFNAMSIZ)
		return -1;
	fw_iface__set(dst, name);
	*neg_dst = neg;
	return 0;
}

static int parse_addr(struct fw_addr_match *a, const char *text, int af,
		      bool neg)
{
	if (fw_addr__parse(a, text, af) != af)
		return -1;
	a->neg = neg;
	return 0;
}

static int parse_l4proto(struct fw_match *m, const char *text, bool neg)
{
	int proto = fw_proto__parse(text);

	if (proto < 0)
		return -1;
	m->l4proto = proto;
	m->l4proto_neg = neg;
	return 0;
}

static bool is_opt(const char *opt, const char *short_name,
		   const char *long_name)
{
	return !strcmp(opt, short_name) || !strcmp(opt, long_name);
}

/* Options every rule has; 1 when opt is not one of them. */
static int rule_option(struct fw_match *m, int af, const char *opt,
		       const char *val, bool neg)
{
	if (is_opt(opt, "-i", "--in-interface"))
		return parse_iface(m->iif, &m->iif_neg, val, neg);
	if (is_opt(opt, "-o", "--out-interface"))
		return parse_iface(m->oif, &m->oif_neg, val, neg);
	if (is_opt(opt, "-s", "--source"))
		return parse_addr(&m->src, val, af, neg);
	if (is_opt(opt, "-d", "--destination"))
		return parse_addr(&m->dst, val, af, neg);
	if (is_opt(opt, "-p", "--protocol"))
		return parse_l4proto(m, val, neg);
	return 1;
}

/* Options of the match modules in known_modules; 1 for any other. */
static int module_option(struct fw_match *m, const char *module,
			 const char *opt, const char *val, bool neg)
{
	bool ports = !strcmp(module, "tcp") || !strcmp(module, "udp");
	bool multi = !strcmp(module, "multiport");
	int err;

	if (ports && is_opt(opt, "--dport", "--destination-port")) {
		err = parse_port_range(&m->dport, val);
		m->dport.neg = neg;
		return err;
	}
	if (ports && is_opt(opt, "--sport", "--source-port")) {
		err = parse_port_range(&m->sport, val);
		m->sport.neg = neg;
		return err;
	}
	if (multi && is_opt(opt, "--dports", "--destination-ports"))
		return parse_port_list(&m->dport, val, neg);
	if (multi && is_opt(opt, "--sports", "--source-ports"))
		return parse_port_list(&m->sport, val, neg);
	if ((!strcmp(module, "conntrack") && !strcmp(opt, "--ctstate")) ||
	    (!strcmp(module, "state") && !strcmp(opt, "--state")))
		return parse_ct_states(m, val, neg);
	if (!strcmp(module, "comment") && !strcmp(opt, "--comment"))
		return 0;
	return 1;
}

enum fw_verdict fw_target__verdict(const char *name)
{
	static const char *const standard[] = {
		[FW_V_ACCEPT] = "ACCEPT", [FW_V_DROP] = "DROP",
		[FW_V_REJECT] = "REJECT", [FW_V_RETURN] = "RETURN",
	};
	size_t v;

	for (v = 0; v < ARRAY_LEN(standard); v++)
		if (standard[v] && !strcmp(name, standard[v]))
			return (enum fw_verdict)v;
	if (fw_in_list(name, continuing_targets, ARRAY_LEN(continuing_targets)))
		return FW_V_NONE;
	return FW_V_OTHER;
}

static void parse_target(struct ipt_parser *p, struct fw_rule *r,
			 bool is_goto, const char *name)
{
	enum fw_verdict v = fw_target__verdict(name);

	if (!is_goto && v != FW_V_NONE && v != FW_V_OTHER) {
		r->verdict = v;
		return;
	}
	fw_copy(r->target, sizeof(r->target), name);
	if (is_goto)
		r->verdict = FW_V_GOTO;
	else if (ruleset__chain_id(p->rs, p->backend, p->family, p->table,
				   name) >= 0)
		r->verdict = FW_V_JUMP;
	else
		r->verdict = v;
}

/* Skip the values of an option this parser does not know. */
static void skip_values(struct ipt_args *a)
{
	while (a->pos < a->argc && a->argv[a->pos][0] != '-' &&
	       strcmp(a->argv[a->pos], "!"))
		a->pos++;
}

static void parse_option(struct ipt_parser *p, struct fw_match *m,
			 struct ipt_args *a, const char *opt)
{
	const char *val = a->pos < a->argc ? a->argv[a->pos] : NULL;
	/* "-p tcp --dport 22" loads the tcp match without saying so. */
	const char *module = a->module ? a->module
				       : fw_proto__name(m->l4proto);
	int res = 1;

	if (val && opt[0] == '-')
		res = rule_option(m, p->af, opt, val, a->neg);
	if (val && res == 1 && module)
		res = module_option(m, module, opt, val, a->neg);
	if (res == 1)
		skip_values(a);
	else
		a->pos++;
	if (res)
		m->unknown = true;
	a->neg = false;
}

static void parse_args(struct ipt_parser *p, struct fw_rule *r,
		       struct ipt_args *a)
{
	const char *opt, *val;

	while (a->pos < a->argc) {
		opt = a->argv[a->pos++];
		val = a->pos < a->argc ? a->argv[a->pos] : NULL;
		if (!strcmp(opt, "!")) {
			a->neg = true;
		} else if (val && is_opt(opt, "-m", "--match")) {
			a->module = val;
			a->pos++;
			if (!fw_in_list(val, known_modules,
				     ARRAY_LEN(known_modules)))
				r->match.unknown = true;
		} else if (val && is_opt(opt, "-j", "--jump")) {
			/* Everything after the target is its options. */
			parse_target(p, r, false, val);
			return;
		} else if (val && is_opt(opt, "-g", "--goto")) {
			parse_target(p, r, true, val);
			return;
		} else {
			parse_option(p, &r->match, a, opt);
		}
	}
}

/* ":INPUT DROP [12:720]", or ":my-chain - [0:0]" for a user chain */
static int parse_chain_line(struct ipt_parser *p, const char *line)
{
	char name[FW_CHAIN_LEN], policy[16], counters[48] = "";
	struct fw_chain *c;

	if (sscanf(line, ":%63s %15s %47s", name, policy, counters) < 2)
		return -EINVAL;
	c = ruleset__add_chain(p->rs, p->backend, p->family, p->table, name);
	if (!c)
		return -ENOMEM;
	if (!strcmp(policy, "-"))
		return 0;
	c->base = true;
	if (fw_in_list(name, builtin_hooks, ARRAY_LEN(builtin_hooks)))
		fw_copy(c->hook, sizeof(c->hook), name);
	c->priority = table_priority(p->table, name);
	if (!strcmp(policy, "ACCEPT"))
		c->policy = FW_V_ACCEPT;
	else if (!strcmp(policy, "DROP"))
		c->policy = FW_V_DROP;
	else
		c->policy = FW_V_OTHER;
	c->has_policy_counter = !parse_counters(counters, &c->policy_packets,
						&c->policy_bytes);
	return 0;
}

/* Rules come chain by chain: look the name up only when it changes. */
static long rule_chain(struct ipt_parser *p, const char *name)
{
	const struct fw_chain *c = NULL;

	if (p->last_chain >= 0)
		c = &p->rs->chains[p->last_chain];
	if (!c || c->backend != p->backend || strcmp(c->name, name) ||
	    strcmp(c->table, p->table) || strcmp(c->family, p->family))
		p->last_chain = ruleset__chain_id(p->rs, p->backend, p->family,
						  p->table, name);
	return p->last_chain;
}

/* "[5:300] -A INPUT -i lo -j ACCEPT", the counters being optional */
static int parse_rule_line(struct ipt_parser *p, char *line)
{
	struct ipt_args a = { .pos = 2 };
	char *argv[IPT_MAX_ARGS];
	char text[FW_TEXT_LEN];
	uint64_t packets = 0, bytes = 0;
	bool counted = false;
	struct fw_rule *r;
	long chain_id;

	if (*line == '[') {
		counted = !parse_counters(line, &packets, &bytes);
		line = strchr(line, ']');
		if (!counted || !line)
			return -EINVAL;
		line += 1 + strspn(line + 1, " ");
	}
	fw_copy(text, sizeof(text), line);
	a.argv = argv;
	a.argc = tokenize(line, argv, IPT_MAX_ARGS);
	if (a.argc < 2 || strcmp(argv[0], "-A"))
		return -EINVAL;
	chain_id = rule_chain(p, argv[1]);
	if (chain_id < 0)
		return -ENOENT;
	r = ruleset__add_rule(p->rs, (size_t)chain_id);
	if (!r)
		return -ENOMEM;
	if (fw_rule__set_text(r, text))
		return -ENOMEM;
	r->has_counter = counted;
	r->packets = packets;
	r->bytes = bytes;
	r->match.family = p->af;
	/* Words past the limit went unread: the rule may say more. */
	r->match.unknown = a.argc == IPT_MAX_ARGS;
	parse_args(p, r, &a);
	return 0;
}

static int parse_line(struct ipt_parser *p, char *line)
{
	switch (line[0]) {
	case '\0':
	case '#':
		return 0;
	case '*':
		fw_copy(p->table, sizeof(p->table), line + 1);
		return 0;
	}
	if (!strcmp(line, "COMMIT")) {
		p->table[0] = '\0';
		return 0;
	}
	if (!p->table[0])
		return -EINVAL;
	if (line[0] == ':')
		return parse_chain_line(p, line);
	return parse_rule_line(p, line);
}

int ruleset__parse_iptables_save(struct ruleset *rs, enum fw_backend backend,
				 const char *family, const char *text)
{
	struct ipt_parser p = {
		.rs = rs,
		.backend = backend,
		.family = family,
		.af = strcmp(family, "ip6") ? AF_INET : AF_INET6,
		.last_chain = -1,
	};
	const char *end;
	char *line;
	int err = 0;

	for (; *text && err != -ENOMEM; text = *end ? end + 1 : end) {
		end = strchrnul(text, '\n');
		line = strndup(text, (size_t)(end - text));
		if (!line) {
			err = -ENOMEM;
			break;
		}
		line[strcspn(line, "\r")] = '\0';
		p.line_no++;
		err = parse_line(&p, line);
		if (err && err != -ENOMEM)
			log_warn("cannot parse line %d of the %s %s rules: %.*s",
				 p.line_no, fw_backend__name(backend), family,
				 (int)(end - text), text);
		free(line);
	}
	ruleset__index_rules(rs);
	return err == -ENOMEM ? -1 : 0;
}
