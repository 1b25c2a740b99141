// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "explain.h"

#define ECS_AGENT_PORT		51679
#define ECS_INTROSPECT_PORT	51678
#define ECS_ENDPOINT		"169.254.170.2"

struct cause_entry {
	const char *reason;
	void (*explain)(struct drop_record *rec);
};

static bool is_ecs_agent(const struct drop_record *rec)
{
	const struct drop_event *ev = rec->ev;

	if (!rec->dst || strcmp(rec->dst, "127.0.0.1"))
		return false;
	return ev->dport == ECS_AGENT_PORT || ev->dport == ECS_INTROSPECT_PORT;
}

static bool was_ecs_endpoint(const struct drop_record *rec)
{
	return rec->orig_dst && !strcmp(rec->orig_dst, ECS_ENDPOINT);
}

/* "127.0.0.1:51679" or "[::1]:53" or a bare address. */
static void endpoint(const struct drop_record *rec, const char *addr,
		     __u16 port, bool has_port, char *buf, size_t len)
{
	if (!addr)
		snprintf(buf, len, "?");
	else if (!has_port)
		snprintf(buf, len, "%s", addr);
	else if (rec->ev->family == DW_FAMILY_IPV6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
}

static void destination(const struct drop_record *rec, char *buf, size_t len)
{
	endpoint(rec, rec->dst, rec->ev->dport, rec->has_ports, buf, len);
}

static const char *from_iface(const struct drop_record *rec)
{
	return rec->in ? rec->in : "this host";
}

/* "filter/INPUT policy DROP" or "rule 4 of filter/INPUT (-A INPUT -j DROP)" */
static void dropper(const struct drop_record *rec, char *buf, size_t len)
{
	if (!rec->chain)
		snprintf(buf, len, "the firewall%s%s", rec->hook ? " at hook " : "",
			 rec->hook ? rec->hook : "");
	else if (!rec->rule_index)
		snprintf(buf, len, "%s %s/%s %s", rec->backend, rec->table,
			 rec->chain, rec->verdict);
	else if (rec->rule_text)
		snprintf(buf, len, "%s rule %d of %s/%s (%s)", rec->backend,
			 rec->rule_index, rec->table, rec->chain, rec->rule_text);
	else
		snprintf(buf, len, "%s rule %d of %s/%s", rec->backend,
			 rec->rule_index, rec->table, rec->chain);
}

static void explain_netfilter(struct drop_record *rec)
{
	char dst[64], who[DW_TEXT_LEN];

	destination(rec, dst, sizeof(dst));
	dropper(rec, who, sizeof(who));
	if (!rec->hook && !rec->chain)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), " at %s",
			 rec->location);
	if (is_ecs_agent(rec))
		snprintf(rec->cause, sizeof(rec->cause),
			 "%s dropped traffic from %s to the ECS agent (%s%s)",
			 who, from_iface(rec), dst,
			 was_ecs_endpoint(rec) ? ", DNATed from " ECS_ENDPOINT ":80" : "");
	else
		snprintf(rec->cause, sizeof(rec->cause),
			 "%s dropped traffic from %s to %s", who, from_iface(rec), dst);
}

static void explain_localnet(struct drop_record *rec)
{
	const char *iface = rec->in ? rec->in : "all";

	snprintf(rec->cause, sizeof(rec->cause),
		 "%s arrived on %s for a 127.0.0.0/8 address, which the kernel refuses unless route_localnet is set%s",
		 was_ecs_endpoint(rec) ? "traffic DNATed from " ECS_ENDPOINT ":80" : "a packet",
		 iface,
		 was_ecs_endpoint(rec) ? " (the ECS agent's DNAT needs it)" : "");
	snprintf(rec->fix, sizeof(rec->fix),
		 "sysctl -w net.ipv4.conf.%s.route_localnet=1", iface);
}

static void explain_no_socket(struct drop_record *rec)
{
	char dst[64];

	destination(rec, dst, sizeof(dst));
	if (is_ecs_agent(rec)) {
		snprintf(rec->cause, sizeof(rec->cause),
			 "nothing listens on %s: the ECS agent is not running", dst);
		snprintf(rec->fix, sizeof(rec->fix), "systemctl restart ecs");
		return;
	}
	snprintf(rec->cause, sizeof(rec->cause),
		 "nothing listens on %s/%s", dst, rec->proto ? rec->proto : "?");
}

static void explain_rpfilter(struct drop_record *rec)
{
	const char *iface = rec->in ? rec->in : "all";

	snprintf(rec->cause, sizeof(rec->cause),
		 "reverse-path filter: the route back to %s does not leave through %s",
		 rec->src ? rec->src : "the source", iface);
	/* The kernel applies the larger of "all" and the interface value. */
	snprintf(rec->fix, sizeof(rec->fix),
		 "sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.%s.rp_filter=2",
		 iface);
}

static void explain_otherhost(struct drop_record *rec)
{
	snprintf(rec->cause, sizeof(rec->cause),
		 "the frame on %s was addressed to another host's MAC address",
		 from_iface(rec));
}

static void explain_tcp_sequence(struct drop_record *rec)
{
	snprintf(rec->cause, sizeof(rec->cause),
		 "TCP segment outside the receive window: a stale, duplicated or spoofed segment of a known connection");
}

static void explain_default(struct drop_record *rec)
{
	if (rec->reason)
		snprintf(rec->cause, sizeof(rec->cause),
			 "the kernel dropped the packet (%s) at %s",
			 rec->reason, rec->location);
	else
		snprintf(rec->cause, sizeof(rec->cause),
			 "the kernel dropped the packet at %s (this kernel gives no reason)",
			 rec->location);
}

/*
 * Kernels before IP_LOCALNET (6.13) drop the same packet as NOT_SPECIFIED
 * (or with no reason) in the IPv4 input route lookup: a 127.0.0.0/8
 * destination that arrived on another interface than lo.
 */
static bool refused_localnet(const struct drop_record *rec)
{
	if (rec->reason && strcmp(rec->reason, "NOT_SPECIFIED"))
		return false;
	if (!rec->family || strcmp(rec->family, "ipv4") || !rec->dst ||
	    strncmp(rec->dst, "127.", 4) || !rec->in || !strcmp(rec->in, "lo"))
		return false;
	return !strncmp(rec->location, "ip_rcv_finish_core", 18) ||
	       !strncmp(rec->location, "ip_route_input", 14);
}

static const struct cause_entry catalogue[] = {
	{ "NETFILTER_DROP", explain_netfilter },
	{ "IP_LOCALNET", explain_localnet },
	{ "NO_SOCKET", explain_no_socket },
	{ "IP_RPFILTER", explain_rpfilter },
	{ "OTHERHOST", explain_otherhost },
	{ "TCP_INVALID_SEQUENCE", explain_tcp_sequence },
};

void explain__drop(struct drop_record *rec)
{
	size_t i;

	/* A fix from rule attribution stays; the catalogue may add one. */
	rec->cause[0] = '\0';
	for (i = 0; rec->reason && i < sizeof(catalogue) / sizeof(catalogue[0]); i++) {
		if (!strcmp(rec->reason, catalogue[i].reason)) {
			catalogue[i].explain(rec);
			return;
		}
	}
	if (refused_localnet(rec)) {
		explain_localnet(rec);
		return;
	}
	explain_default(rec);
}
