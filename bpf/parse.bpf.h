/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decode an skb into a drop_event: interface, namespace, L3/L4 headers and
 * the conntrack original tuple. Everything is read through CO-RE or from
 * packet bytes, so no kernel layout is assumed.
 */
#ifndef PARSE_BPF_H
#define PARSE_BPF_H

#define DW_ETH_P_IP	0x0800
#define DW_ETH_P_IPV6	0x86DD
#define DW_IP_OFFMASK	0x1fff
#define DW_IPPROTO_ICMPV6	58
#define DW_IPV6_EXT_MAX	4

#define DW_NEXTHDR_HOP		0
#define DW_NEXTHDR_ROUTING	43
#define DW_NEXTHDR_FRAGMENT	44
#define DW_NEXTHDR_DEST		60

#define DW_NFCT_INFOMASK	7UL

struct dw_l4_ports {
	__be16 source;
	__be16 dest;
};

static __always_inline void parse_device(struct sk_buff *skb,
					 struct drop_event *ev)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	struct sock *sk;

	ev->iif = BPF_CORE_READ(skb, skb_iif);
	ev->len = BPF_CORE_READ(skb, len);
	if (dev) {
		ev->ifindex = BPF_CORE_READ(dev, ifindex);
		bpf_probe_read_kernel_str(ev->ifname, sizeof(ev->ifname),
					  dev->name);
		ev->netns_ino = BPF_CORE_READ(dev, nd_net.net, ns.inum);
		return;
	}
	sk = BPF_CORE_READ(skb, sk);
	if (sk)
		ev->netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net,
					      ns.inum);
}

static __always_inline void parse_l4(const unsigned char *l4, __u8 proto,
				     struct drop_event *ev)
{
	struct dw_l4_ports ports;
	__u8 type_code[2];

	ev->l4proto = proto;
	switch (proto) {
	case IPPROTO_TCP:
		bpf_probe_read_kernel(&ev->tcp_flags, 1, l4 + 13);
		/* fall through: ports sit at the same place */
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		if (bpf_probe_read_kernel(&ports, sizeof(ports), l4))
			return;
		ev->sport = bpf_ntohs(ports.source);
		ev->dport = bpf_ntohs(ports.dest);
		break;
	case IPPROTO_ICMP:
	case DW_IPPROTO_ICMPV6:
		if (bpf_probe_read_kernel(type_code, sizeof(type_code), l4))
			return;
		ev->icmp_type = type_code[0];
		ev->icmp_code = type_code[1];
		break;
	default:
		return;
	}
	ev->flags |= DW_EV_HAS_L4;
}

static __always_inline void parse_ipv4(const unsigned char *nh,
				       struct drop_event *ev)
{
	struct iphdr ip;

	if (bpf_probe_read_kernel(&ip, sizeof(ip), nh))
		return;
	ev->family = DW_FAMILY_IPV4;
	__builtin_memcpy(ev->saddr, &ip.saddr, 4);
	__builtin_memcpy(ev->daddr, &ip.daddr, 4);
	/* Only the first fragment carries the L4 header. */
	if (bpf_ntohs(ip.frag_off) & DW_IP_OFFMASK) {
		ev->l4proto = ip.protocol;
		return;
	}
	parse_l4(nh + ip.ihl * 4, ip.protocol, ev);
}

static __always_inline void parse_ipv6(const unsigned char *nh,
				       struct drop_event *ev)
{
	const unsigned char *l4 = nh + sizeof(struct ipv6hdr);
	struct ipv6hdr ip6;
	__u8 next, ext[2];
	int i;

	if (bpf_probe_read_kernel(&ip6, sizeof(ip6), nh))
		return;
	ev->family = DW_FAMILY_IPV6;
	__builtin_memcpy(ev->saddr, &ip6.saddr, DW_ADDR_LEN);
	__builtin_memcpy(ev->daddr, &ip6.daddr, DW_ADDR_LEN);
	next = ip6.nexthdr;
	/* Skip the common extension headers to reach the ports. */
	for (i = 0; i < DW_IPV6_EXT_MAX; i++) {
		if (next != DW_NEXTHDR_HOP && next != DW_NEXTHDR_ROUTING &&
		    next != DW_NEXTHDR_DEST && next != DW_NEXTHDR_FRAGMENT)
			break;
		if (bpf_probe_read_kernel(ext, sizeof(ext), l4))
			return;
		if (next == DW_NEXTHDR_FRAGMENT) {
			ev->l4proto = ext[0];
			return;
		}
		next = ext[0];
		l4 += (ext[1] + 1) * 8;
	}
	parse_l4(l4, next, ev);
}

static __always_inline void parse_network(struct sk_buff *skb,
					  struct drop_event *ev)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh_off = BPF_CORE_READ(skb, network_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u8 version;

	/* Frames that never reached L3 (ARP, LLDP, ...) have nothing here. */
	if (nh_off == (__u16)~0U || !head)
		return;
	if (proto && proto != DW_ETH_P_IP && proto != DW_ETH_P_IPV6)
		return;
	if (bpf_probe_read_kernel(&version, 1, head + nh_off))
		return;
	if (version >> 4 == 4)
		parse_ipv4(head + nh_off, ev);
	else if (version >> 4 == 6)
		parse_ipv6(head + nh_off, ev);
}

static __always_inline __u8 ct_state_of(unsigned long ctinfo)
{
	switch (ctinfo) {
	case IP_CT_NEW:
		return DW_CT_NEW;
	case IP_CT_ESTABLISHED:
	case IP_CT_ESTABLISHED_REPLY:
		return DW_CT_ESTABLISHED;
	case IP_CT_RELATED:
	case IP_CT_RELATED_REPLY:
		return DW_CT_RELATED;
	default:
		return DW_CT_NONE;
	}
}

static __always_inline void copy_ct_addr(__u8 *dst, union nf_inet_addr *a,
					 __u8 family)
{
	if (family == DW_FAMILY_IPV4)
		__builtin_memcpy(dst, a, 4);
	else
		__builtin_memcpy(dst, a, DW_ADDR_LEN);
}

/* The conntrack entry hangs off skb->_nfct, its ctinfo in the low bits. */
static __always_inline void parse_conntrack(struct sk_buff *skb,
					    struct drop_event *ev)
{
	struct nf_conntrack_tuple tuple;
	unsigned long nfct, ctinfo;
	struct nf_conn *ct;

	if (!bpf_core_field_exists(skb->_nfct))
		return;
	nfct = BPF_CORE_READ(skb, _nfct);
	ctinfo = nfct & DW_NFCT_INFOMASK;
	ct = (struct nf_conn *)(nfct & ~DW_NFCT_INFOMASK);
	if (!ct) {
		if (ctinfo == IP_CT_UNTRACKED)
			ev->ct_state = DW_CT_UNTRACKED;
		return;
	}
	if (BPF_CORE_READ_INTO(&tuple, ct, tuplehash[0].tuple))
		return;
	ev->ct_state = ct_state_of(ctinfo);
	ev->ct_status = BPF_CORE_READ(ct, status);
	ev->flags |= DW_EV_HAS_CT;
	if (ctinfo >= IP_CT_IS_REPLY)
		ev->flags |= DW_EV_CT_REPLY;
	copy_ct_addr(ev->orig_saddr, &tuple.src.u3, ev->family);
	copy_ct_addr(ev->orig_daddr, &tuple.dst.u3, ev->family);
	ev->orig_sport = bpf_ntohs(tuple.src.u.all);
	ev->orig_dport = bpf_ntohs(tuple.dst.u.all);
}

/*
 * Headers and conntrack: what the watch set needs. The device and its
 * namespace are read later, for watched drops only (parse_device).
 */
static __always_inline int parse_skb(struct sk_buff *skb,
				     struct drop_event *ev, bool conntrack)
{
	if (!skb)
		return -1;
	ev->nf_hook = DW_HOOK_NONE;
	parse_network(skb, ev);
	if (conntrack && ev->family != DW_FAMILY_NONE)
		parse_conntrack(skb, ev);
	return 0;
}

#endif /* PARSE_BPF_H */
