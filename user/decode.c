// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "decode.h"
#include "ksyms.h"
#include "reasons.h"
#include "sentinel.h"

static const char *const ct_state_names[] = {
	[DW_CT_NONE] = NULL,
	[DW_CT_NEW] = "new",
	[DW_CT_ESTABLISHED] = "established",
	[DW_CT_RELATED] = "related",
	[DW_CT_UNTRACKED] = "untracked",
};

static const char *const hook_names[] = {
	"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
};

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t decode__realtime_offset(void)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
}

void decode__time(int64_t realtime_ns, char *buf, size_t len)
{
	time_t secs = realtime_ns / 1000000000LL;
	struct tm tm;
	char date[24];

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.19s.%09lldZ", date,
		 (long long)(realtime_ns % 1000000000LL));
}

const char *decode__proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_ESP:
		return "esp";
	default:
		return NULL;
	}
}

void decode__tcp_flags(__u8 flags, char *buf, size_t len)
{
	static const char *const names[] = {
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR",
	};
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (!(flags & (1 << i)))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0,
				 "%s%s", used ? "|" : "", names[i]);
	}
}

static const char *format_addr(__u8 family, const __u8 *addr, char *buf)
{
	int af = family == DW_FAMILY_IPV4 ? AF_INET : AF_INET6;

	return inet_ntop(af, addr, buf, INET6_ADDRSTRLEN);
}

static const char *resolve_ifname(const struct decoder *d, __u32 netns,
				  __u32 ifindex, char *buf)
{
	if (!ifindex || !d->ifname || d->ifname(netns, ifindex, buf))
		return NULL;
	return buf;
}

/*
 * skb->dev is where the packet was when it died; skb_iif is where it
 * entered the stack. A received packet has iif set: dev is its input
 * unless it already moved on to an output device. A locally generated
 * one has iif 0 and dev is its output.
 */
static void decode_interfaces(const struct decoder *d,
			      const struct drop_event *ev,
			      struct drop_record *rec)
{
	if (ev->iif) {
		rec->in_ifindex = ev->iif;
		if (ev->iif == ev->ifindex) {
			snprintf(rec->in_buf, sizeof(rec->in_buf), "%.*s",
				 (int)sizeof(ev->ifname), ev->ifname);
			rec->in = rec->in_buf;
			return;
		}
		rec->in = resolve_ifname(d, ev->netns_ino, ev->iif, rec->in_buf);
	}
	if (ev->ifindex) {
		rec->out_ifindex = ev->ifindex;
		snprintf(rec->out_buf, sizeof(rec->out_buf), "%.*s",
			 (int)sizeof(ev->ifname), ev->ifname);
		rec->out = rec->out_buf;
	}
}

static void decode_addresses(const struct drop_event *ev,
			     struct drop_record *rec)
{
	if (ev->family == DW_FAMILY_NONE)
		return;
	rec->family = ev->family == DW_FAMILY_IPV4 ? "ipv4" : "ipv6";
	rec->proto = decode__proto_name(ev->l4proto);
	rec->src = format_addr(ev->family, ev->saddr, rec->src_buf);
	rec->dst = format_addr(ev->family, ev->daddr, rec->dst_buf);
	rec->has_ports = (ev->flags & DW_EV_HAS_L4) && ev->l4proto != IPPROTO_ICMP &&
			 ev->l4proto != IPPROTO_ICMPV6;
	if (ev->l4proto == IPPROTO_TCP)
		decode__tcp_flags(ev->tcp_flags, rec->tcp_flags,
				  sizeof(rec->tcp_flags));
	if (!(ev->flags & DW_EV_HAS_CT))
		return;
	rec->orig_src = format_addr(ev->family, ev->orig_saddr, rec->orig_src_buf);
	rec->orig_dst = format_addr(ev->family, ev->orig_daddr, rec->orig_dst_buf);
	rec->has_orig_ports = rec->has_ports;
}

/* The sentinel slot names the table the packet was about to enter. */
static void decode_position(const struct decoder *d,
			    const struct drop_event *ev,
			    struct drop_record *rec)
{
	const struct sentinel_slot *slot;

	if (!(ev->flags & DW_EV_HAS_HOOK) || ev->nf_hook >= 5)
		return;
	rec->hook = hook_names[ev->nf_hook];
	slot = d->plan ? sentinel__slot(d->plan, ev->nf_pf, ev->nf_hook,
					ev->nf_slot) : NULL;
	if (slot) {
		rec->table = slot->tables;
		rec->priority = slot->priority;
		rec->has_priority = true;
	}
}

/* What the kernel counters said about the dropping entry. */
static void decode_rule(const struct drop_event *ev, struct drop_record *rec)
{
	const struct rule_ref *ref = &ev->rule;

	if (ev->rule_state != DW_ATTR_EXACT && ev->rule_state != DW_ATTR_AMBIGUOUS)
		return;
	snprintf(rec->table_buf, sizeof(rec->table_buf), "%s", ref->table);
	snprintf(rec->chain_buf, sizeof(rec->chain_buf), "%s", ref->chain);
	rec->table = rec->table_buf;
	rec->chain = rec->chain_buf;
	rec->backend = ref->kind == DW_RULE_XT ? "iptables-legacy" : "nftables";
	rec->rule_index = ref->index;
	rec->rule_handle = ref->kind == DW_RULE_NFT && ref->index ? (long long)ref->handle : -1;
	if (!ref->index)
		rec->verdict = "policy DROP";
	else
		rec->verdict = ref->verdict == DW_VERDICT_REJECT ? "rule REJECT" : "rule DROP";
	rec->attribution = "kernel-counters";
	rec->exact = ev->rule_state == DW_ATTR_EXACT;
}

void decode__event(const struct decoder *d, const struct drop_event *ev,
		   struct drop_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->ev = ev;
	rec->rule_handle = -1;
	decode__time((int64_t)ev->ts_ns + d->realtime_offset_ns, rec->time,
		     sizeof(rec->time));
	if (ev->flags & DW_EV_HAS_REASON)
		rec->reason = reasons__name(d->reasons, ev->reason);
	ksyms__format(d->ksyms, ev->location, rec->location,
		      sizeof(rec->location));
	decode_interfaces(d, ev, rec);
	decode_addresses(ev, rec);
	if (ev->ct_state < sizeof(ct_state_names) / sizeof(ct_state_names[0]))
		rec->ct_state = ct_state_names[ev->ct_state];
	decode_position(d, ev, rec);
	decode_rule(ev, rec);
}
