// SPDX-License-Identifier: GPL-2.0
/*
 * The ACCEPT rule that lets a dropped packet through, written in the
 * syntax of the backend that dropped it. dropwhy prints it; it never runs
 * it.
 */
#include <arpa/inet.h>
#include <string.h>
#include "ruleset_priv.h"

/* Backend of the host's plain "iptables", or -1 when unknown. */
static int plain_iptables = -1;
static bool plain_iptables_forced;

void ruleset__set_plain_iptables(int backend)
{
	plain_iptables = backend;
	plain_iptables_forced = true;
}

void ruleset__plain_iptables_detected(int backend)
{
	if (!plain_iptables_forced)
		plain_iptables = backend;
}

/* The fields of p the rule names, seen where the chain sees them. */
struct fix_target {
	const char *in;
	const char *out;
	char dst[INET6_ADDRSTRLEN];
	int dst_plen;
	int l4proto;
	bool has_port;
	uint16_t dport;
};

static bool named(const char *iface)
{
	return iface && iface[0];
}

/* -i exists before routing decides, -o after it. */
static void fix_ifaces(struct fix_target *t, const struct fw_chain *chain,
		       const struct fw_packet *p)
{
	const char *hook = chain->hook;
	bool local_out = !strcmp(hook, "OUTPUT") ||
			 !strcmp(hook, "POSTROUTING");
	bool routed = local_out || !strcmp(hook, "FORWARD");

	if (!local_out && named(p->in))
		t->in = p->in;
	if (routed && named(p->out))
		t->out = p->out;
}

static int fix_target_fill(struct fix_target *t, const struct fw_chain *chain,
			   const struct fw_packet *p, bool before_dnat)
{
	bool orig = before_dnat && p->has_orig;

	memset(t, 0, sizeof(*t));
	if (p->family != AF_INET && p->family != AF_INET6)
		return -1;
	if (!inet_ntop(p->family, orig ? p->orig_dst : p->dst, t->dst,
		       sizeof(t->dst)))
		return -1;
	t->dst_plen = p->family == AF_INET ? 32 : 128;
	t->l4proto = p->l4proto;
	t->has_port = fw_proto__has_ports(p->l4proto);
	t->dport = orig ? p->orig_dport : p->dport;
	fix_ifaces(t, chain, p);
	return 0;
}

/* Name the backend only when plain "iptables" would use the other one. */
static const char *iptables_binary(const struct fw_chain *chain, int family)
{
	static const char *const names[2][3] = {
		{ "iptables", "iptables-legacy", "iptables-nft" },
		{ "ip6tables", "ip6tables-legacy", "ip6tables-nft" },
	};
	int which = 0;

	if (plain_iptables >= 0 && plain_iptables != (int)chain->backend)
		which = chain->backend == FW_IPTABLES_LEGACY ? 1 : 2;
	return names[family == AF_INET6][which];
}

static void iptables_fix(struct fw_text *t, const struct fw_rule *rule,
			 const struct fw_chain *chain,
			 const struct fix_target *ft, int family)
{
	const char *proto = fw_proto__name(ft->l4proto);

	fw_text__add(t, "%s", iptables_binary(chain, family));
	if (strcmp(chain->table, "filter"))
		fw_text__add(t, " -t %s", chain->table);
	if (rule)
		fw_text__add(t, " -I %s %d", chain->name, rule->index);
	else
		fw_text__add(t, " -A %s", chain->name);
	if (ft->in)
		fw_text__add(t, " -i %s", ft->in);
	if (ft->out)
		fw_text__add(t, " -o %s", ft->out);
	fw_text__add(t, " -d %s/%d", ft->dst, ft->dst_plen);
	if (proto)
		fw_text__add(t, " -p %s", proto);
	else if (ft->l4proto)
		fw_text__add(t, " -p %d", ft->l4proto);
	/* The port match modules share the protocol's name. */
	if (proto && ft->has_port && ft->l4proto != IPPROTO_UDPLITE)
		fw_text__add(t, " -m %s --dport %u", proto, ft->dport);
	fw_text__add(t, " -j ACCEPT");
}

static void nft_fix(struct fw_text *t, const struct fw_rule *rule,
		    const struct fw_chain *chain, const struct fix_target *ft,
		    int family)
{
	const char *proto = fw_proto__name(ft->l4proto);

	fw_text__add(t, "nft %s rule %s %s %s", rule ? "insert" : "add",
		     chain->family, chain->table, chain->name);
	if (rule && rule->handle >= 0)
		fw_text__add(t, " position %lld", rule->handle);
	else if (rule)
		fw_text__add(t, " index %d", rule->index - 1);
	if (ft->in)
		fw_text__add(t, " iifname \"%s\"", ft->in);
	if (ft->out)
		fw_text__add(t, " oifname \"%s\"", ft->out);
	fw_text__add(t, " %s daddr %s", family == AF_INET ? "ip" : "ip6",
		     ft->dst);
	if (proto && ft->has_port)
		fw_text__add(t, " %s dport %u", proto, ft->dport);
	else if (proto)
		fw_text__add(t, " meta l4proto %s", proto);
	else if (ft->l4proto)
		fw_text__add(t, " meta l4proto %d", ft->l4proto);
	fw_text__add(t, " accept");
}

int ruleset__fix_command(const struct fw_rule *rule,
			 const struct fw_chain *chain,
			 const struct fw_packet *p, bool before_dnat,
			 char *buf, size_t len)
{
	struct fix_target ft;
	struct fw_text t;

	if (!len)
		return -1;
	fw_text__init(&t, buf, len);
	if (!chain || !p || fix_target_fill(&ft, chain, p, before_dnat))
		return -1;
	if (chain->backend == FW_NFTABLES)
		nft_fix(&t, rule, chain, &ft, p->family);
	else
		iptables_fix(&t, rule, chain, &ft, p->family);
	if (t.truncated) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}
