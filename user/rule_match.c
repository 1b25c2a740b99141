// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rule_match.h"

struct proto_name {
	const char *name;
	int proto;
};

/* The names iptables-save and nft print; the first of a number wins. */
static const struct proto_name proto_names[] = {
	{ "all", 0 },
	{ "icmp", IPPROTO_ICMP },
	{ "igmp", IPPROTO_IGMP },
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "sctp", IPPROTO_SCTP },
	{ "dccp", IPPROTO_DCCP },
	{ "udplite", IPPROTO_UDPLITE },
};

static const char *const ct_names[] = {
	"new", "established", "related", "invalid", "untracked",
};

int fw_proto__parse(const char *name)
{
	char *end;
	long num;
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (!strcasecmp(name, proto_names[i].name))
			return proto_names[i].proto;
	num = strtol(name, &end, 10);
	if (!*name || *end || num < 0 || num > 255)
		return -1;
	return (int)num;
}

const char *fw_proto__name(int proto)
{
	size_t i;

	for (i = 1; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	return NULL;
}

bool fw_proto__has_ports(int proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP ||
	       proto == IPPROTO_UDPLITE;
}

unsigned int fw_ct__parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ct_names) / sizeof(ct_names[0]); i++)
		if (!strcasecmp(name, ct_names[i]))
			return 1u << i;
	return 0;
}

static void addr_mask(uint8_t *addr, int plen, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++) {
		int keep = plen - i * 8;

		if (keep <= 0)
			addr[i] = 0;
		else if (keep < 8)
			addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

/* Prefix length of a dotted netmask; -1 when not contiguous. */
static int mask_plen(const char *text)
{
	struct in_addr mask;
	uint32_t bits;
	int plen = 0;

	if (inet_pton(AF_INET, text, &mask) != 1)
		return -1;
	bits = ntohl(mask.s_addr);
	while (bits & 0x80000000u) {
		plen++;
		bits <<= 1;
	}
	return bits ? -1 : plen;
}

static int parse_plen(const char *text, int family)
{
	int max = family == AF_INET ? 32 : 128;
	char *end;
	long plen;

	if (family == AF_INET && strchr(text, '.'))
		return mask_plen(text);
	plen = strtol(text, &end, 10);
	if (!*text || *end || plen < 0 || plen > max)
		return -1;
	return (int)plen;
}

int fw_addr__parse(struct fw_addr_match *a, const char *text, int family)
{
	char buf[INET6_ADDRSTRLEN + 20];
	char *slash;
	int plen;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	if (!family)
		family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(a->addr, 0, sizeof(a->addr));
	if (inet_pton(family, buf, a->addr) != 1)
		return -1;
	plen = family == AF_INET ? 32 : 128;
	if (slash)
		plen = parse_plen(slash, family);
	if (plen < 0)
		return -1;
	addr_mask(a->addr, plen, family == AF_INET ? 4 : 16);
	a->plen = (uint8_t)plen;
	a->set = true;
	return family;
}

int fw_port__add(struct fw_port_match *pm, uint16_t lo, uint16_t hi)
{
	if (pm->count == FW_MAX_PORT_RANGES)
		return -1;
	pm->lo[pm->count] = lo;
	pm->hi[pm->count] = hi;
	pm->count++;
	return 0;
}

void fw_iface__set(char *dst, const char *name)
{
	size_t len = strnlen(name, FW_IFNAMSIZ - 1);

	memcpy(dst, name, len);
	dst[len] = '\0';
	if (len && dst[len - 1] == '*')
		dst[len - 1] = '+';
}

/* Fold one field's answer into the rule's: any "no" wins, then "maybe". */
static enum fw_match_result fold(enum fw_match_result acc,
				 enum fw_match_result field)
{
	if (acc == FW_NO_MATCH || field == FW_NO_MATCH)
		return FW_NO_MATCH;
	return acc == FW_MAYBE || field == FW_MAYBE ? FW_MAYBE : FW_MATCH;
}

static enum fw_match_result verdict_of(bool hit, bool neg)
{
	return hit != neg ? FW_MATCH : FW_NO_MATCH;
}

static enum fw_match_result iface_eval(const char *want, bool neg,
				       const char *have)
{
	size_t len = strlen(want);

	if (!len)
		return FW_MATCH;
	if (!have)
		return FW_MAYBE;
	if (want[len - 1] == '+')
		return verdict_of(!strncmp(want, have, len - 1), neg);
	return verdict_of(!strcmp(want, have), neg);
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, int plen)
{
	int bytes = plen / 8, rest = plen % 8;
	uint8_t mask;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

static enum fw_match_result addr_eval(const struct fw_addr_match *a,
				      const uint8_t *addr)
{
	if (!a->set)
		return FW_MATCH;
	return verdict_of(prefix_equal(a->addr, addr, a->plen), a->neg);
}

static enum fw_match_result port_eval(const struct fw_port_match *pm,
				      uint16_t port)
{
	bool hit = false;
	int i;

	if (!pm->count)
		return FW_MATCH;
	for (i = 0; i < pm->count && !hit; i++)
		hit = port >= pm->lo[i] && port <= pm->hi[i];
	return verdict_of(hit, pm->neg);
}

/* Protocol, and the implied "has ports" of a port match without one. */
static enum fw_match_result proto_eval(const struct fw_match *m,
				       const struct fw_packet *p)
{
	bool ports = m->sport.count || m->dport.count;

	if (m->l4proto && verdict_of(p->l4proto == m->l4proto,
				     m->l4proto_neg) == FW_NO_MATCH)
		return FW_NO_MATCH;
	if (ports && !fw_proto__has_ports(p->l4proto))
		return FW_NO_MATCH;
	return FW_MATCH;
}

static enum fw_match_result ct_eval(const struct fw_match *m,
				    const struct fw_packet *p)
{
	if (!m->ctstate)
		return FW_MATCH;
	if (!p->ct_state)
		return FW_MAYBE;
	return verdict_of(m->ctstate & p->ct_state, m->ctstate_neg);
}

enum fw_match_result fw_match__eval(const struct fw_match *m,
				    const struct fw_packet *p)
{
	enum fw_match_result res = FW_MATCH;

	if (m->family && m->family != p->family)
		return FW_NO_MATCH;
	res = fold(res, proto_eval(m, p));
	res = fold(res, iface_eval(m->iif, m->iif_neg, p->in));
	res = fold(res, iface_eval(m->oif, m->oif_neg, p->out));
	res = fold(res, addr_eval(&m->src, p->src));
	res = fold(res, addr_eval(&m->dst, p->dst));
	res = fold(res, port_eval(&m->sport, p->sport));
	res = fold(res, port_eval(&m->dport, p->dport));
	res = fold(res, ct_eval(m, p));
	return fold(res, m->unknown ? FW_MAYBE : FW_MATCH);
}
