// SPDX-License-Identifier: GPL-2.0
/* user/ruleset: parsers, matcher, walk, counter diff and fix commands. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include "ruleset.h"
#include "ruleset_samples.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct fw_packet packet(int family, int proto, const char *src,
			       uint16_t sport, const char *dst,
			       uint16_t dport, const char *in,
			       unsigned int ct_state)
{
	struct fw_packet p = {
		.family = family, .l4proto = proto, .sport = sport,
		.dport = dport, .in = in, .out = "", .ct_state = ct_state,
	};

	inet_pton(family, src, p.src);
	inet_pton(family, dst, p.dst);
	return p;
}

static struct fw_packet tcp4(const char *src, const char *dst,
			     uint16_t dport, const char *in)
{
	return packet(AF_INET, IPPROTO_TCP, src, 40000, dst, dport, in,
		      FW_CT_NEW);
}

static const struct fw_rule *rule_at(const struct ruleset *rs,
				     enum fw_backend backend,
				     const char *family, const char *table,
				     const char *chain, int index)
{
	const struct fw_chain *c;
	const struct fw_rule *rules;
	size_t count;

	c = ruleset__chain(rs, backend, family, table, chain);
	if (!c)
		return NULL;
	rules = ruleset__chain_rules(rs, c, &count);
	return index >= 1 && (size_t)index <= count ? &rules[index - 1]
						     : NULL;
}

static const struct fw_rule *legacy_rule(const struct ruleset *rs,
					 const char *chain, int index)
{
	return rule_at(rs, FW_IPTABLES_LEGACY, "ip", "filter", chain, index);
}

static const struct fw_rule *nft_rule(const struct ruleset *rs,
				      const char *chain, int index)
{
	return rule_at(rs, FW_NFTABLES, "inet", "dwfilter", chain, index);
}

/* The rules of the legacy CIS host, and its IPv6 table. */
static void load_cis(struct ruleset *rs)
{
	ruleset__init(rs);
	tap_is_int(ruleset__parse_iptables_save(rs, FW_IPTABLES_LEGACY, "ip",
						ipt_cis), 0,
		   "iptables-save: CIS sample parses");
	tap_is_int(ruleset__parse_iptables_save(rs, FW_IPTABLES_LEGACY,
						"ip6", ip6t_filter), 0,
		   "ip6tables-save: sample parses");
}

/* The iptables-nft tables and the native nft ones of one namespace. */
static void load_nft(struct ruleset *rs)
{
	ruleset__init(rs);
	tap_is_int(ruleset__parse_iptables_save(rs, FW_IPTABLES_NFT, "ip",
						ipt_nft_save), 0,
		   "iptables-nft-save: sample parses");
	tap_is_int(ruleset__parse_nft_json(rs, nft_json), 0,
		   "nft -j: sample parses");
}

static void test_ipt_chains(const struct ruleset *rs)
{
	const struct fw_chain *c;

	tap_is_int(rs->nr_chains, 11, "iptables: 8 IPv4 and 3 IPv6 chains");
	c = ruleset__chain(rs, FW_IPTABLES_LEGACY, "ip", "filter", "INPUT");
	if (!tap_ok(c != NULL, "iptables: filter INPUT found"))
		return;
	tap_ok(c->base && !strcmp(c->hook, "INPUT") && c->priority == 0,
	       "iptables: INPUT is a base chain at INPUT, priority 0");
	tap_is_str(fw_verdict__name(c->policy), "DROP", "iptables: policy");
	tap_ok(c->has_policy_counter && c->policy_packets == 7 &&
	       c->policy_bytes == 420, "iptables: policy counter [7:420]");
	tap_is_int(c->rule_count, 9, "iptables: INPUT has 9 rules");
	tap_ok(fw_chain__policy_drops(c), "iptables: INPUT policy drops");
	c = ruleset__chain(rs, FW_IPTABLES_LEGACY, "ip", "filter", "OUTPUT");
	tap_ok(c && !fw_chain__policy_drops(c), "iptables: OUTPUT accepts");
	c = ruleset__chain(rs, FW_IPTABLES_LEGACY, "ip", "filter",
			   "dw-bridge");
	tap_ok(c && !c->base && c->policy == FW_V_NONE && !c->hook[0] &&
	       !c->has_policy_counter, "iptables: user chain has no policy");
	c = ruleset__chain(rs, FW_IPTABLES_LEGACY, "ip", "nat", "PREROUTING");
	tap_is_int(c ? c->priority : 1, -100, "iptables: nat PREROUTING -100");
	c = ruleset__chain(rs, FW_IPTABLES_LEGACY, "ip", "nat", "INPUT");
	tap_is_int(c ? c->priority : 0, 100, "iptables: nat INPUT 100");
	c = ruleset__chain(rs, FW_IPTABLES_LEGACY, "ip6", "filter", "INPUT");
	tap_ok(c && c->policy == FW_V_DROP && c->rule_count == 2,
	       "ip6tables: INPUT policy DROP, 2 rules");
	tap_ok(!ruleset__chain(rs, FW_IPTABLES_NFT, "ip", "filter", "INPUT"),
	       "iptables: lookups keep backends apart");
}

static void test_ipt_rule_basics(const struct ruleset *rs)
{
	const struct fw_rule *r = legacy_rule(rs, "INPUT", 1);

	if (!tap_ok(r != NULL, "iptables: INPUT rule 1 found"))
		return;
	tap_is_str(r->text, "-A INPUT -i lo -j ACCEPT",
		   "iptables: text without the counters");
	tap_ok(r->has_counter && r->packets == 50 && r->bytes == 3000,
	       "iptables: rule counter [50:3000]");
	tap_ok(r->index == 1 && r->handle == -1 && r->verdict == FW_V_ACCEPT,
	       "iptables: index 1, no handle, ACCEPT");
	tap_is_str(r->match.iif, "lo", "iptables: -i lo");
	r = legacy_rule(rs, "INPUT", 2);
	tap_ok(r && r->match.src.set && r->match.src.plen == 8 &&
	       r->match.src.addr[0] == 127 && fw_rule__drops(r),
	       "iptables: -s 127.0.0.0/8 -j DROP");
	r = legacy_rule(rs, "INPUT", 3);
	tap_ok(r && r->match.ctstate == (FW_CT_RELATED | FW_CT_ESTABLISHED),
	       "iptables: --ctstate RELATED,ESTABLISHED");
	r = legacy_rule(rs, "INPUT", 4);
	tap_ok(r && r->match.ctstate == FW_CT_NEW && r->match.dport.count == 1,
	       "iptables: --dport 22 -m state --state NEW");
	r = legacy_rule(rs, "INPUT", 9);
	tap_ok(r && !r->match.unknown && r->match.l4proto == IPPROTO_ICMP,
	       "iptables: comments are ignored");
	r = rule_at(rs, FW_IPTABLES_LEGACY, "ip", "nat", "PREROUTING", 1);
	tap_ok(r && r->verdict == FW_V_OTHER && !strcmp(r->target, "DNAT") &&
	       r->packets == 3, "iptables: DNAT is another verdict");
	r = rule_at(rs, FW_IPTABLES_LEGACY, "ip6", "filter", "INPUT", 2);
	tap_ok(r && r->verdict == FW_V_REJECT && r->match.dst.plen == 128 &&
	       r->match.family == AF_INET6, "ip6tables: -d ::1/128 REJECT");
}

static void test_ipt_rule_options(const struct ruleset *rs)
{
	const struct fw_rule *r = legacy_rule(rs, "INPUT", 5);
	const struct fw_port_match *pm;

	pm = r ? &r->match.dport : NULL;
	tap_ok(r && r->match.iif_neg && !strcmp(r->match.iif, "eth0"),
	       "iptables: ! -i eth0");
	tap_ok(pm && pm->count == 3 && pm->lo[2] == 8000 && pm->hi[2] == 8100,
	       "iptables: --dports 80,443,8000:8100");
	r = legacy_rule(rs, "INPUT", 6);
	tap_ok(r && r->verdict == FW_V_NONE && !strcmp(r->target, "LOG"),
	       "iptables: LOG lets evaluation go on");
	tap_ok(r && strstr(r->text, "--log-prefix \"dw \\\"agent\\\" drop: \""),
	       "iptables: quoted log prefix kept in the text");
	tap_ok(r && !r->match.unknown && !strcmp(r->match.iif, "docker+") &&
	       r->match.dport.lo[0] == 51679,
	       "iptables: options before a quoted target option");
	r = legacy_rule(rs, "INPUT", 7);
	tap_ok(r && r->verdict == FW_V_JUMP && !strcmp(r->target, "dw-bridge"),
	       "iptables: -j to a user chain is a jump");
	r = legacy_rule(rs, "INPUT", 8);
	tap_ok(r && r->verdict == FW_V_REJECT && r->match.sport.neg &&
	       r->match.sport.lo[0] == 53 && fw_rule__drops(r),
	       "iptables: ! --sport 53 -j REJECT --reject-with ...");
	r = legacy_rule(rs, "dw-bridge", 1);
	tap_ok(r && r->verdict == FW_V_RETURN, "iptables: RETURN");
}

static void test_ipt_unknown(void)
{
	struct ruleset rs;
	const struct fw_rule *r;

	ruleset__init(&rs);
	ruleset__parse_iptables_save(&rs, FW_IPTABLES_LEGACY, "ip",
				     ipt_trailing);
	r = legacy_rule(&rs, "INPUT", 2);
	tap_ok(r && r->match.unknown && !strcmp(r->match.iif, "eth2") &&
	       r->verdict == FW_V_DROP, "iptables: -m recent is undecidable");
	r = legacy_rule(&rs, "INPUT", 5);
	tap_ok(r && r->verdict == FW_V_DROP && !r->match.unknown,
	       "iptables: trailing -j DROP");
	ruleset__free(&rs);
	ruleset__init(&rs);
	ruleset__parse_iptables_save(&rs, FW_IPTABLES_LEGACY, "ip",
				     "*filter\n:INPUT ACCEPT [0:0]\n"
				     "-A INPUT -p tcp --syn -f -j DROP\n"
				     "-A INPUT -p udp --dport 53 -j ACCEPT\n"
				     "-A NOPE -j DROP\nCOMMIT\n");
	r = legacy_rule(&rs, "INPUT", 1);
	tap_ok(r && r->match.unknown && !r->has_counter,
	       "iptables: unknown options without values, no counters");
	r = legacy_rule(&rs, "INPUT", 2);
	tap_ok(r && !r->match.unknown && r->match.dport.lo[0] == 53,
	       "iptables: --dport after -p udp without -m udp");
	tap_is_int(rs.nr_rules, 2, "iptables: rule of unknown chain skipped");
	ruleset__free(&rs);
}

static void test_nft_chains(const struct ruleset *rs)
{
	const struct fw_chain *c;

	c = ruleset__chain(rs, FW_NFTABLES, "inet", "dwfilter", "input");
	if (!tap_ok(c != NULL, "nft: inet dwfilter input found"))
		return;
	tap_ok(c->base && !strcmp(c->hook, "INPUT") && c->priority == 0 &&
	       c->policy == FW_V_DROP && !c->has_policy_counter,
	       "nft: base chain, hook input, policy drop, no counter");
	tap_is_int(c->rule_count, 11, "nft: input has 11 rules");
	c = ruleset__chain(rs, FW_NFTABLES, "inet", "dwfilter", "dwchk");
	tap_ok(c && !c->base && c->policy == FW_V_NONE,
	       "nft: regular chain has no policy");
	c = ruleset__chain(rs, FW_NFTABLES, "ip", "dwnat", "prerouting");
	tap_ok(c && c->priority == -100 && !strcmp(c->hook, "PREROUTING"),
	       "nft: dstnat prerouting at -100");
	tap_ok(!ruleset__chain(rs, FW_NFTABLES, "ip", "filter", "INPUT") &&
	       !ruleset__chain(rs, FW_NFTABLES, "ip", "filter", "dw-chk"),
	       "nft: tables of iptables-nft are not native nft");
	tap_is_int(rs->nr_chains, 7, "nft: 4 iptables-nft and 3 nft chains");
}

static void test_nft_handles(const struct ruleset *rs)
{
	const struct fw_rule *r;

	r = rule_at(rs, FW_IPTABLES_NFT, "ip", "filter", "INPUT", 1);
	tap_ok(r && r->handle == 5 &&
	       !strcmp(r->text, "-A INPUT -i lo -j ACCEPT"),
	       "iptables-nft: handle from nft, text from iptables-nft-save");
	r = rule_at(rs, FW_IPTABLES_NFT, "ip", "filter", "INPUT", 3);
	tap_ok(r && r->handle == 7 && r->verdict == FW_V_JUMP,
	       "iptables-nft: third rule, handle 7");
	r = rule_at(rs, FW_IPTABLES_NFT, "ip", "filter", "dw-chk", 2);
	tap_ok(r && r->handle == 9 && r->verdict == FW_V_DROP,
	       "iptables-nft: user chain rules get handles too");
}

/*
 * The listings disagree on a chain (a rule was added between the two
 * reads): that chain gets no handles, the others keep theirs.
 */
static void test_nft_handles_mismatch(void)
{
	static const char gone[] = "[0:0] -A dw-chk -j DROP\n";
	char save[sizeof(ipt_nft_save)], *at;
	const struct fw_rule *r;
	struct ruleset rs;

	memcpy(save, ipt_nft_save, sizeof(save));
	at = strstr(save, gone);
	if (at)
		memmove(at, at + strlen(gone), strlen(at + strlen(gone)) + 1);
	ruleset__init(&rs);
	ruleset__parse_iptables_save(&rs, FW_IPTABLES_NFT, "ip", save);
	tap_is_int(ruleset__parse_nft_json(&rs, nft_json), 0,
		   "nft -j: parses beside a listing one rule short");
	r = rule_at(&rs, FW_IPTABLES_NFT, "ip", "filter", "dw-chk", 1);
	tap_ok(at && r && r->handle == -1,
	       "iptables-nft: a chain whose rule counts differ gets no handles");
	r = rule_at(&rs, FW_IPTABLES_NFT, "ip", "filter", "INPUT", 3);
	tap_ok(r && r->handle == 7, "iptables-nft: the other chains keep theirs");
	ruleset__free(&rs);
}

static void test_nft_rules(const struct ruleset *rs)
{
	const struct fw_rule *r = nft_rule(rs, "input", 4);

	tap_is_str(r ? r->text : NULL,
		   "iifname \"ecs-bridge\""
		   " ip daddr 127.0.0.1 tcp dport 51679 counter accept",
		   "nft: rule text in nft syntax, counter without values");
	tap_ok(r && r->handle == 7 && r->match.family == AF_INET &&
	       r->match.l4proto == IPPROTO_TCP && r->match.dst.plen == 32,
	       "nft: handle 7; ip daddr implies IPv4, tcp dport implies tcp");
	r = nft_rule(rs, "input", 6);
	tap_ok(r && r->verdict == FW_V_DROP && r->has_counter &&
	       r->packets == 2 && r->bytes == 120 && r->match.dport.lo[0] ==
	       1000 && r->match.dport.hi[0] == 2000,
	       "nft: tcp dport 1000-2000 counter drop, 2 packets");
	r = nft_rule(rs, "input", 5);
	tap_ok(r && r->match.dport.count == 2 && !r->has_counter,
	       "nft: anonymous port set, no counter");
	r = nft_rule(rs, "input", 2);
	tap_ok(r && r->match.ctstate == (FW_CT_ESTABLISHED | FW_CT_RELATED),
	       "nft: ct state established,related");
	r = nft_rule(rs, "input", 7);
	tap_ok(r && r->verdict == FW_V_JUMP && !strcmp(r->target, "dwchk") &&
	       r->match.src.neg && r->match.src.plen == 8,
	       "nft: ip saddr != 10.0.0.0/8 ... jump dwchk");
	r = nft_rule(rs, "input", 8);
	tap_ok(r && r->match.unknown, "nft: named set lookup is undecidable");
	r = nft_rule(rs, "input", 9);
	tap_ok(r && r->verdict == FW_V_NONE && r->packets == 2 &&
	       !strcmp(r->text, "log prefix \"dw in: \" counter"),
	       "nft: log and counter, no verdict");
	r = nft_rule(rs, "input", 10);
	tap_ok(r && !strcmp(r->match.oif, "eth+"), "nft: eth* becomes eth+");
	r = nft_rule(rs, "input", 11);
	tap_is_str(r ? r->text : NULL,
		   "iifname \"dw-s\" udp dport 7 counter"
		   " reject with icmpx port-unreachable",
		   "nft: reject text");
	r = rule_at(rs, FW_NFTABLES, "ip", "dwnat", "prerouting", 1);
	tap_is_str(r ? r->text : NULL,
		   "ip daddr 169.254.170.2 tcp dport 80 counter"
		   " dnat to 127.0.0.1:51679",
		   "nft: dnat text");
}

struct nft_edge_case {
	int index;
	const char *text;
	enum fw_verdict verdict;
	bool unknown;
};

static const struct nft_edge_case nft_edge_cases[] = {
	{ 1, "ct state != established drop", FW_V_DROP, false },
	{ 2, "tcp dport != { 1, 2 } accept", FW_V_ACCEPT, false },
	{ 3, "iifname != \"lo\" accept", FW_V_ACCEPT, false },
	{ 4, "ip protocol tcp accept", FW_V_ACCEPT, false },
	{ 5, "meta nfproto ipv6 accept", FW_V_ACCEPT, false },
	{ 6, "th dport 53 accept", FW_V_ACCEPT, false },
	{ 7, "ip daddr { 1.2.3.4, 5.6.7.8 } accept", FW_V_ACCEPT, true },
	{ 8, "ct state new,untracked accept", FW_V_ACCEPT, false },
	{ 9, "ip6 saddr 2001:db8::/32 counter goto c2", FW_V_GOTO, false },
	{ 10, "meta l4proto { tcp, udp } accept", FW_V_ACCEPT, true },
	{ 11, "meta mark set 1", FW_V_NONE, false },
	{ 12, "meta l4proto tcp ip daddr 10.0.0.1 counter reject with tcp reset",
	  FW_V_REJECT, false },
	{ 13, "tcp dport vmap { 22 : accept, 23 : drop }", FW_V_OTHER, true },
	{ 14, "limit rate 10/second accept", FW_V_ACCEPT, true },
	{ 15, "meta mark 1 drop", FW_V_DROP, true },
};

static int edge_eval(const struct ruleset *rs, int index,
		     const struct fw_packet *p)
{
	const struct fw_rule *r = rule_at(rs, FW_NFTABLES, "inet", "dwedge",
					  "c", index);

	if (!r)
		return -1;
	return (int)fw_match__eval(&r->match, p);
}

static void test_nft_edge_matches(const struct ruleset *rs)
{
	struct fw_packet p = tcp4("10.0.0.2", "10.0.0.1", 1, "lo");

	tap_is_int(edge_eval(rs, 1, &p), FW_MATCH, "nft: new != established");
	p.ct_state = FW_CT_ESTABLISHED;
	tap_is_int(edge_eval(rs, 1, &p), FW_NO_MATCH,
		   "nft: established is not != established");
	tap_is_int(edge_eval(rs, 2, &p), FW_NO_MATCH, "nft: dport 1 in != set");
	tap_is_int(edge_eval(rs, 3, &p), FW_NO_MATCH, "nft: lo is not != lo");
	tap_is_int(edge_eval(rs, 4, &p), FW_MATCH, "nft: ip protocol tcp");
	tap_is_int(edge_eval(rs, 5, &p), FW_NO_MATCH, "nft: IPv4 is not ipv6");
	p = packet(AF_INET, IPPROTO_UDP, "10.0.0.2", 5353, "10.0.0.1", 53,
		   "eth0", FW_CT_UNTRACKED);
	tap_is_int(edge_eval(rs, 6, &p), FW_MATCH, "nft: th dport on udp");
	tap_is_int(edge_eval(rs, 8, &p), FW_MATCH, "nft: ct state untracked");
	tap_is_int(edge_eval(rs, 12, &p), FW_NO_MATCH,
		   "nft: udp is not meta l4proto tcp");
	p.l4proto = IPPROTO_ICMP;
	tap_is_int(edge_eval(rs, 6, &p), FW_NO_MATCH, "nft: icmp has no ports");
	tap_is_int(edge_eval(rs, 14, &p), FW_MAYBE, "nft: limit undecidable");
}

static void test_nft_edge(void)
{
	const struct nft_edge_case *c;
	const struct fw_rule *r;
	struct ruleset rs;
	size_t i;

	ruleset__init(&rs);
	tap_is_int(ruleset__parse_nft_json(&rs, nft_edge_json), 0,
		   "nft: edge sample parses");
	for (i = 0; i < ARRAY_SIZE(nft_edge_cases); i++) {
		c = &nft_edge_cases[i];
		r = rule_at(&rs, FW_NFTABLES, "inet", "dwedge", "c", c->index);
		tap_is_str(r ? r->text : NULL, c->text, "nft: rule %d text",
			   c->index);
		tap_ok(r && r->verdict == c->verdict &&
		       r->match.unknown == c->unknown,
		       "nft: rule %d verdict %s, %s", c->index,
		       fw_verdict__name(c->verdict),
		       c->unknown ? "undecidable" : "decidable");
	}
	test_nft_edge_matches(&rs);
	ruleset__free(&rs);
}

static void test_nft_errors(void)
{
	struct ruleset rs;

	ruleset__init(&rs);
	tap_is_int(ruleset__parse_nft_json(&rs, "{\"nftables\": [}"), -1,
		   "nft: broken JSON is an error");
	tap_is_int(ruleset__parse_nft_json(&rs, "{\"nftables\": []}"), 0,
		   "nft: empty ruleset");
	tap_is_int(rs.nr_chains, 0, "nft: empty ruleset has no chains");
	ruleset__free(&rs);
}

/* The nft sample re-encoded by jansson with flags, or with a key added. */
static char *nft_json_as(size_t flags, const char *extra_key)
{
	json_t *root = json_loads(nft_json, 0, NULL);
	char *text;

	if (!root)
		return NULL;
	if (extra_key)
		json_object_set_new(root, extra_key, json_true());
	text = json_dumps(root, flags);
	json_decref(root);
	return text;
}

/* Parsed item by item or whole, the same listing gives the same rules. */
static void test_nft_item_parse(void)
{
	const struct { const char *name; size_t flags; const char *key; } forms[] = {
		{ "indented listing", JSON_INDENT(2), NULL },
		{ "another key first (decoded whole)", JSON_SORT_KEYS, "aaa" },
	};
	struct ruleset ref, rs;
	size_t i;
	char *text;

	ruleset__init(&ref);
	tap_is_int(ruleset__parse_nft_json(&ref, nft_json), 0,
		   "nft items: the compact sample parses");
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		text = nft_json_as(forms[i].flags, forms[i].key);
		ruleset__init(&rs);
		tap_is_int(text ? ruleset__parse_nft_json(&rs, text) : -2, 0,
			   "nft items: %s parses", forms[i].name);
		tap_ok(rs.nr_chains == ref.nr_chains && rs.nr_rules == ref.nr_rules &&
		       rs.nr_rules > 0,
		       "nft items: %s: %zu chains, %zu rules as compact",
		       forms[i].name, rs.nr_chains, rs.nr_rules);
		ruleset__free(&rs);
		free(text);
	}
	ruleset__free(&ref);

	ruleset__init(&rs);
	tap_is_int(ruleset__parse_nft_json(&rs, "{\"nftables\": [{\"rule\": }]}"), -1,
		   "nft items: a broken item is an error");
	tap_is_int(ruleset__parse_nft_json(&rs, "{\"nftables\": [{} {}]}"), -1,
		   "nft items: items without a comma are an error");
	tap_is_int(ruleset__parse_nft_json(&rs, "{\"nftables\": [{\"metainfo\": {}}"), -1,
		   "nft items: a cut listing is an error");
	tap_is_int(rs.nr_chains, 0, "nft items: failed listings add nothing");
	ruleset__free(&rs);
}

static void test_match_iface_addr(void)
{
	struct fw_packet p = tcp4("10.1.2.3", "127.0.0.1", 51679, "docker0");
	struct fw_match m = { 0 };

	strcpy(m.iif, "docker+");
	tap_is_int(fw_match__eval(&m, &p), FW_MATCH, "match: docker+ wildcard");
	p.in = "eth0";
	tap_is_int(fw_match__eval(&m, &p), FW_NO_MATCH, "match: other iface");
	m.iif_neg = true;
	tap_is_int(fw_match__eval(&m, &p), FW_MATCH, "match: ! -i docker+");
	p.in = NULL;
	tap_is_int(fw_match__eval(&m, &p), FW_MAYBE, "match: iface unknown");
	memset(&m, 0, sizeof(m));
	m.family = fw_addr__parse(&m.src, "10.0.0.0/8", AF_INET);
	tap_is_int(m.family, AF_INET, "match: 10.0.0.0/8 parses");
	tap_is_int(fw_match__eval(&m, &p), FW_MATCH, "match: source prefix");
	m.src.neg = true;
	tap_is_int(fw_match__eval(&m, &p), FW_NO_MATCH, "match: ! -s prefix");
	tap_is_int(fw_addr__parse(&m.dst, "10.0.0.0/255.255.0.0", AF_INET),
		   AF_INET, "match: dotted netmask parses");
	tap_is_int(m.dst.plen, 16, "match: dotted netmask is /16");
	tap_is_int(fw_addr__parse(&m.dst, "10.0.0.0/255.0.255.0", AF_INET),
		   -1, "match: non-contiguous netmask refused");
	p.family = AF_INET6;
	tap_is_int(fw_match__eval(&m, &p), FW_NO_MATCH,
		   "match: other family never matches");
}

static void test_match_l4_ct(void)
{
	struct fw_packet p = tcp4("10.1.2.3", "127.0.0.1", 51679, "eth0");
	struct fw_match m = { .l4proto = IPPROTO_TCP };

	fw_port__add(&m.dport, 51000, 52000);
	tap_is_int(fw_match__eval(&m, &p), FW_MATCH, "match: port in range");
	m.dport.neg = true;
	tap_is_int(fw_match__eval(&m, &p), FW_NO_MATCH, "match: ! --dport");
	m.dport.neg = false;
	m.l4proto = 0;
	p.l4proto = IPPROTO_ICMP;
	tap_is_int(fw_match__eval(&m, &p), FW_NO_MATCH,
		   "match: a port match needs a protocol with ports");
	p.l4proto = IPPROTO_TCP;
	m.ctstate = FW_CT_ESTABLISHED | FW_CT_RELATED;
	tap_is_int(fw_match__eval(&m, &p), FW_NO_MATCH,
		   "match: NEW is not ESTABLISHED");
	m.ctstate_neg = true;
	tap_is_int(fw_match__eval(&m, &p), FW_MATCH, "match: negated ct state");
	p.ct_state = 0;
	tap_is_int(fw_match__eval(&m, &p), FW_MAYBE, "match: ct state unknown");
	m.unknown = true;
	p.dport = 80;
	tap_is_int(fw_match__eval(&m, &p), FW_NO_MATCH,
		   "match: a decided mismatch beats an unknown match");
	memset(&m, 0, sizeof(m));
	m.unknown = true;
	tap_is_int(fw_match__eval(&m, &p), FW_MAYBE, "match: unknown alone");
	tap_is_int(fw_proto__parse("ipv6-icmp"), IPPROTO_ICMPV6,
		   "proto: ipv6-icmp");
	tap_is_int(fw_proto__parse("132"), IPPROTO_SCTP, "proto: number");
	tap_is_int(fw_proto__parse("bogus"), -1, "proto: unknown name");
	tap_is_int(fw_ct__parse("Untracked"), FW_CT_UNTRACKED, "ct: untracked");
}

struct walk_want {
	enum fw_verdict verdict;
	const struct fw_rule *rule;	/* NULL: the policy decided */
	const char *chain;
	bool certain;
	int nr_candidates;
};

static void check_walk(const struct fw_verdict_path *w,
		       const struct walk_want *want, const char *name)
{
	const char *chain = w->decision.chain ? w->decision.chain->name : "-";
	bool pass = w->verdict == want->verdict &&
		    w->decision.rule == want->rule &&
		    !strcmp(chain, want->chain) &&
		    w->certain == want->certain &&
		    w->nr_candidates == want->nr_candidates;

	if (tap_ok(pass, "walk: %s", name))
		return;
	tap_diag("got %s by %s rule %d, certain %d, %d candidates",
		 fw_verdict__name(w->verdict), chain,
		 w->decision.rule ? w->decision.rule->index : 0, w->certain,
		 w->nr_candidates);
}

static void walk_legacy(const struct ruleset *rs, const struct fw_packet *p,
			struct fw_verdict_path *w)
{
	int err = ruleset__walk(rs, FW_IPTABLES_LEGACY, "ip", "filter",
				"INPUT", p, w);

	if (err)
		tap_diag("ruleset__walk: %d", err);
}

static void test_walk_cis(const struct ruleset *rs)
{
	struct fw_packet p = tcp4("172.17.0.2", "127.0.0.1", 51679, "docker0");
	struct walk_want want = { FW_V_DROP, NULL, "INPUT", true, 1 };
	struct fw_verdict_path w;

	walk_legacy(rs, &p, &w);
	check_walk(&w, &want, "policy DROP after a LOG rule that matched");
	tap_ok(!w.candidates[0].rule, "walk: the policy is the candidate");
	p = tcp4("172.31.0.2", "127.0.0.1", 51679, "ecs-bridge");
	walk_legacy(rs, &p, &w);
	want.rule = legacy_rule(rs, "dw-bridge", 2);
	want.chain = "dw-bridge";
	check_walk(&w, &want, "jump to a chain that drops");
	p = packet(AF_INET, IPPROTO_UDP, "169.254.1.1", 1234, "10.0.0.1",
		   9999, "ecs-bridge", FW_CT_NEW);
	walk_legacy(rs, &p, &w);
	want = (struct walk_want){ FW_V_REJECT, legacy_rule(rs, "INPUT", 8),
				   "INPUT", true, 1 };
	check_walk(&w, &want, "RETURN from the chain, then REJECT");
	p = tcp4("192.0.2.1", "10.0.0.1", 22, "eth0");
	walk_legacy(rs, &p, &w);
	want = (struct walk_want){ FW_V_ACCEPT, legacy_rule(rs, "INPUT", 4),
				   "INPUT", true, 0 };
	check_walk(&w, &want, "ssh accepted");
	p = tcp4("172.31.0.2", "127.0.0.1", 51679, NULL);
	walk_legacy(rs, &p, &w);
	want = (struct walk_want){ FW_V_DROP, NULL, "INPUT", false, 2 };
	check_walk(&w, &want, "unknown input interface: policy or the chain");
	tap_ok(w.candidates[1].rule == legacy_rule(rs, "dw-bridge", 2),
	       "walk: the jumped-to DROP is the other candidate");
	tap_is_int(ruleset__walk(rs, FW_IPTABLES_LEGACY, "ip", "filter",
				 "NOPE", &p, &w), -ENOENT,
		   "walk: unknown chain");
	p = packet(AF_INET6, IPPROTO_TCP, "::1", 40000, "::1", 80, "lo", 0);
	ruleset__walk(rs, FW_IPTABLES_LEGACY, "ip6", "filter", "INPUT", &p, &w);
	want = (struct walk_want){ FW_V_REJECT, rule_at(rs, FW_IPTABLES_LEGACY,
		"ip6", "filter", "INPUT", 2), "INPUT", true, 1 };
	check_walk(&w, &want, "IPv6 REJECT");
}

static void test_walk_trailing(void)
{
	struct fw_packet p = tcp4("192.0.2.1", "10.0.0.1", 80, "eth0");
	struct walk_want want = { FW_V_DROP, NULL, "INPUT", true, 1 };
	struct fw_verdict_path w;
	struct ruleset rs;

	ruleset__init(&rs);
	ruleset__parse_iptables_save(&rs, FW_IPTABLES_LEGACY, "ip",
				     ipt_trailing);
	walk_legacy(&rs, &p, &w);
	want.rule = legacy_rule(&rs, "INPUT", 5);
	check_walk(&w, &want, "trailing DROP under policy ACCEPT");
	p.in = "eth2";
	walk_legacy(&rs, &p, &w);
	want.certain = false;
	want.nr_candidates = 2;
	check_walk(&w, &want, "-m recent could have dropped it first");
	tap_ok(w.candidates[1].rule == legacy_rule(&rs, "INPUT", 2),
	       "walk: the undecidable DROP is a candidate");
	p.in = "eth1";
	walk_legacy(&rs, &p, &w);
	want = (struct walk_want){ FW_V_DROP, legacy_rule(&rs, "INPUT", 3),
				   "INPUT", true, 1 };
	check_walk(&w, &want, "interface DROP");
	ruleset__free(&rs);
}

static void walk_nft(const struct ruleset *rs, const struct fw_packet *p,
		     struct fw_verdict_path *w)
{
	int err = ruleset__walk(rs, FW_NFTABLES, "inet", "dwfilter", "input",
				p, w);

	if (err)
		tap_diag("ruleset__walk: %d", err);
}

static void test_walk_nft(const struct ruleset *rs)
{
	struct fw_packet p = tcp4("10.99.0.2", "10.99.0.1", 1500, "dw-s");
	struct walk_want want = { FW_V_DROP, nft_rule(rs, "input", 6),
				  "input", true, 1 };
	struct fw_verdict_path w;

	walk_nft(rs, &p, &w);
	check_walk(&w, &want, "nft: port range drop");
	p = packet(AF_INET, IPPROTO_UDP, "172.16.0.1", 1234, "10.99.0.1", 5353,
		   "dw-s", FW_CT_NEW);
	walk_nft(rs, &p, &w);
	want = (struct walk_want){ FW_V_DROP, nft_rule(rs, "dwchk", 2),
				   "dwchk", true, 1 };
	check_walk(&w, &want, "nft: jump to a chain that drops");
	inet_pton(AF_INET, "192.168.1.5", p.src);
	walk_nft(rs, &p, &w);
	want = (struct walk_want){ FW_V_DROP, NULL, "input", true, 1 };
	check_walk(&w, &want, "nft: return, then the policy");
	p = tcp4("10.99.0.2", "10.99.0.1", 8443, "dw-s");
	walk_nft(rs, &p, &w);
	want.certain = false;
	check_walk(&w, &want, "nft: a named set could have accepted it");
	p = tcp4("10.99.0.2", "10.99.0.1", 1500, "dw-s");
	p.ct_state = 0;
	walk_nft(rs, &p, &w);
	want = (struct walk_want){ FW_V_DROP, nft_rule(rs, "input", 6),
				   "input", false, 2 };
	check_walk(&w, &want, "nft: unknown ct state, invalid could drop");
	tap_ok(w.candidates[1].rule == nft_rule(rs, "input", 3),
	       "walk: ct state invalid drop is the other candidate");
	p = tcp4("10.0.0.5", "127.0.0.1", 51679, "eth0");
	ruleset__walk(rs, FW_IPTABLES_NFT, "ip", "filter", "INPUT", &p, &w);
	want = (struct walk_want){ FW_V_DROP, rule_at(rs, FW_IPTABLES_NFT,
		"ip", "filter", "dw-chk", 2), "dw-chk", true, 1 };
	check_walk(&w, &want, "iptables-nft: jump to a chain that drops");
}

static void test_counter_diff_ipt(const struct ruleset *before)
{
	struct fw_counter_delta deltas[4];
	struct ruleset after;
	size_t n;

	ruleset__init(&after);
	ruleset__parse_iptables_save(&after, FW_IPTABLES_LEGACY, "ip",
				     ipt_cis_later);
	n = ruleset__counter_diff(before, &after, deltas, 4);
	tap_is_int(n, 2, "diff: a chain DROP and the policy moved");
	if (n == 2) {
		tap_ok(deltas[0].rule == legacy_rule(&after, "dw-bridge", 2) &&
		       deltas[0].packets == 1 && deltas[0].bytes == 60,
		       "diff: dw-bridge DROP +1 packet, +60 bytes");
		tap_ok(!deltas[1].rule &&
		       !strcmp(deltas[1].chain->name, "INPUT") &&
		       deltas[1].packets == 2 && deltas[1].bytes == 120,
		       "diff: INPUT policy +2 packets, +120 bytes");
	}
	tap_is_int(ruleset__counter_diff(before, &after, deltas, 1), 2,
		   "diff: the count goes beyond max");
	/* Backwards, only the IPv6 policy, which "later" lacks, counts. */
	n = ruleset__counter_diff(&after, before, deltas, 4);
	tap_ok(n == 1 && !deltas[0].rule &&
	       !strcmp(deltas[0].chain->family, "ip6") &&
	       deltas[0].packets == 3,
	       "diff: counters that went back are no drops, new ones count");
	ruleset__free(&after);
}

static void test_counter_diff_nft(const struct ruleset *before)
{
	struct fw_counter_delta deltas[4];
	struct ruleset after;
	struct fw_rule *r;
	size_t n;

	load_nft(&after);
	r = (struct fw_rule *)nft_rule(&after, "input", 6);
	if (!r)
		return;
	r->packets += 3;
	r->bytes += 180;
	/* A rule inserted before it moves it; the handle still finds it. */
	r->index = 7;
	n = ruleset__counter_diff(before, &after, deltas, 4);
	tap_ok(n == 1 && deltas[0].rule == r && deltas[0].packets == 3 &&
	       deltas[0].bytes == 180, "diff: nft rule matched by handle");
	ruleset__free(&after);
}

static const struct fw_chain *chain_of(const struct ruleset *rs,
				       const struct fw_rule *r)
{
	return r ? ruleset__rule_chain(rs, r) : NULL;
}

static void check_fix(const struct fw_rule *r, const struct fw_chain *c,
		      const struct fw_packet *p, bool before_dnat,
		      const char *want, const char *name)
{
	char buf[256];

	if (ruleset__fix_command(r, c, p, before_dnat, buf, sizeof(buf)))
		strcpy(buf, "(failed)");
	tap_is_str(buf, want, "fix: %s", name);
}

static void test_fix_iptables(const struct ruleset *rs)
{
	struct fw_packet p = tcp4("172.17.0.2", "127.0.0.1", 51679, "docker0");
	const struct fw_chain *input = ruleset__chain(rs, FW_IPTABLES_LEGACY,
						      "ip", "filter", "INPUT");
	const struct fw_rule *r = legacy_rule(rs, "dw-bridge", 2);
	const struct fw_chain *nat;

	ruleset__set_plain_iptables(FW_IPTABLES_LEGACY);
	check_fix(NULL, input, &p, false,
		  "iptables -A INPUT -i docker0"
		  " -d 127.0.0.1/32 -p tcp -m tcp --dport 51679 -j ACCEPT",
		  "policy drop: append");
	p.in = "ecs-bridge";
	check_fix(r, chain_of(rs, r), &p, false,
		  "iptables -I dw-bridge 2 -i ecs-bridge"
		  " -d 127.0.0.1/32 -p tcp -m tcp --dport 51679 -j ACCEPT",
		  "rule drop: insert before it");
	ruleset__set_plain_iptables(FW_IPTABLES_NFT);
	p.in = NULL;
	check_fix(r, chain_of(rs, r), &p, false,
		  "iptables-legacy -I dw-bridge 2"
		  " -d 127.0.0.1/32 -p tcp -m tcp --dport 51679 -j ACCEPT",
		  "plain iptables is nft: name legacy; no -i when unknown");
	ruleset__set_plain_iptables(-1);
	nat = ruleset__chain(rs, FW_IPTABLES_LEGACY, "ip", "nat", "PREROUTING");
	p.in = "eth0";
	p.has_orig = true;
	inet_pton(AF_INET, "169.254.170.2", p.orig_dst);
	p.orig_dport = 80;
	check_fix(rule_at(rs, FW_IPTABLES_LEGACY, "ip", "nat", "PREROUTING", 1),
		  nat, &p, true,
		  "iptables -t nat -I PREROUTING 1 -i eth0"
		  " -d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j ACCEPT",
		  "before DNAT: original destination, -t nat");
	p = packet(AF_INET, IPPROTO_ICMP, "10.0.0.2", 0, "10.0.0.1", 0, "eth0",
		   FW_CT_NEW);
	check_fix(NULL, input, &p, false,
		  "iptables -A INPUT -i eth0 -d 10.0.0.1/32 -p icmp -j ACCEPT",
		  "icmp: no ports");
	p = packet(AF_INET6, IPPROTO_TCP, "::1", 40000, "::1", 80, NULL, 0);
	r = rule_at(rs, FW_IPTABLES_LEGACY, "ip6", "filter", "INPUT", 2);
	check_fix(r, chain_of(rs, r), &p, false,
		  "ip6tables -I INPUT 2"
		  " -d ::1/128 -p tcp -m tcp --dport 80 -j ACCEPT",
		  "IPv6");
}

static void test_fix_output(void)
{
	struct fw_packet p = tcp4("10.0.0.1", "192.0.2.7", 443, "");
	struct fw_chain out = {
		.backend = FW_IPTABLES_NFT, .base = true, .family = "ip",
		.table = "filter", .name = "OUTPUT", .hook = "OUTPUT",
		.policy = FW_V_DROP,
	};
	char small[16];

	p.out = "eth0";
	ruleset__set_plain_iptables(FW_IPTABLES_NFT);
	check_fix(NULL, &out, &p, false,
		  "iptables -A OUTPUT -o eth0"
		  " -d 192.0.2.7/32 -p tcp -m tcp --dport 443 -j ACCEPT",
		  "OUTPUT: -o, no -i");
	tap_is_int(ruleset__fix_command(NULL, &out, &p, false, small,
					sizeof(small)), -1,
		   "fix: too small a buffer fails");
	tap_is_str(small, "", "fix: and leaves it empty");
	tap_is_int(ruleset__fix_command(NULL, NULL, &p, false, small,
					sizeof(small)), -1,
		   "fix: needs a chain");
}

static void test_fix_nft(const struct ruleset *rs)
{
	struct fw_packet p = tcp4("10.99.0.2", "10.99.0.1", 1500, "dw-s");
	const struct fw_rule *r = nft_rule(rs, "input", 6);
	const struct fw_chain *input = chain_of(rs, r);

	check_fix(r, input, &p, false,
		  "nft insert rule inet dwfilter input position 10"
		  " iifname \"dw-s\" ip daddr 10.99.0.1 tcp dport 1500 accept",
		  "nft rule drop: insert at its handle");
	p = tcp4("172.31.0.2", "127.0.0.1", 51679, "ecs-bridge");
	check_fix(NULL, input, &p, false,
		  "nft add rule inet dwfilter input"
		  " iifname \"ecs-bridge\" ip daddr 127.0.0.1"
		  " tcp dport 51679 accept",
		  "nft policy drop: add");
	p = packet(AF_INET6, IPPROTO_ICMPV6, "fe80::1", 0, "fe80::2", 0, NULL,
		   0);
	check_fix(NULL, input, &p, false,
		  "nft add rule inet dwfilter input"
		  " ip6 daddr fe80::2 meta l4proto ipv6-icmp accept",
		  "nft IPv6 icmp");
}

int main(void)
{
	struct ruleset cis, nft;

	load_cis(&cis);
	test_ipt_chains(&cis);
	test_ipt_rule_basics(&cis);
	test_ipt_rule_options(&cis);
	test_ipt_unknown();
	load_nft(&nft);
	test_nft_chains(&nft);
	test_nft_handles(&nft);
	test_nft_handles_mismatch();
	test_nft_rules(&nft);
	test_nft_edge();
	test_nft_errors();
	test_nft_item_parse();
	test_match_iface_addr();
	test_match_l4_ct();
	test_walk_cis(&cis);
	test_walk_trailing();
	test_walk_nft(&nft);
	test_counter_diff_ipt(&cis);
	test_counter_diff_nft(&nft);
	test_fix_iptables(&cis);
	test_fix_output();
	test_fix_nft(&nft);
	ruleset__free(&cis);
	ruleset__free(&nft);
	return tap_done();
}
