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

/*
 * A field of a kernel object. typed (a constant at each call) says the
 * pointer came BTF-typed (tp_btf, fentry, netfilter programs): the field
 * is then a plain load the verifier guards, not a probe-read helper call
 * (~15 ns each, a dozen per watched drop). The classic tracepoint hands
 * a bare address, read through CO-RE as before.
 */
#define DW_READ(typed, ptr, field) \
	((typed) ? (ptr)->field : BPF_CORE_READ(ptr, field))

static __always_inline void parse_device(struct sk_buff *skb,
					 struct drop_event *ev, bool typed)
{
	struct net_device *dev = DW_READ(typed, skb, dev);
	struct sock *sk;

	ev->iif = DW_READ(typed, skb, skb_iif);
	ev->len = DW_READ(typed, skb, len);
	if (dev) {
		ev->ifindex = DW_READ(typed, dev, ifindex);
		if (typed) {
			/* Two plain loads instead of a probe-read call. */
			const __u64 *name = (const void *)dev->name;

			((__u64 *)ev->ifname)[0] = name[0];
			((__u64 *)ev->ifname)[1] = name[1];
		} else {
			bpf_probe_read_kernel_str(ev->ifname, sizeof(ev->ifname),
						  dev->name);
		}
		ev->netns_ino = typed ? dev->nd_net.net->ns.inum :
				BPF_CORE_READ(dev, nd_net.net, ns.inum);
		return;
	}
	sk = DW_READ(typed, skb, sk);
	if (sk)
		ev->netns_ino = typed ? sk->__sk_common.skc_net.net->ns.inum :
				BPF_CORE_READ(sk, __sk_common.skc_net.net,
					      ns.inum);
}

/* Bytes of L4 header the event uses: TCP's flags sit at offset 13. */
#define DW_L4_LEN	14
/* One read from the network header: IPv6's, or IPv4's with options up to
 * 20 bytes, and the L4 bytes after it. */
#define DW_HDR_LEN	(sizeof(struct ipv6hdr) + DW_L4_LEN)

/* The L4 fields from DW_L4_LEN bytes at p (stack). */
static __always_inline void l4_fields(const __u8 *p, __u8 proto,
				      struct drop_event *ev)
{
	const struct dw_l4_ports *ports = (const void *)p;

	ev->l4proto = proto;
	switch (proto) {
	case IPPROTO_TCP:
		ev->tcp_flags = p[13];
		/* fall through: ports sit at the same place */
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		ev->sport = bpf_ntohs(ports->source);
		ev->dport = bpf_ntohs(ports->dest);
		break;
	case IPPROTO_ICMP:
	case DW_IPPROTO_ICMPV6:
		ev->icmp_type = p[0];
		ev->icmp_code = p[1];
		break;
	default:
		return;
	}
	ev->flags |= DW_EV_HAS_L4;
}

/* The L4 header at l4 in the packet, when the first read did not hold it. */
static __always_inline void parse_l4(const unsigned char *l4, __u8 proto,
				     struct drop_event *ev)
{
	__u8 hdr[DW_L4_LEN];

	ev->l4proto = proto;
	if (bpf_probe_read_kernel(hdr, sizeof(hdr), l4))
		return;
	l4_fields(hdr, proto, ev);
}

/* buf: DW_HDR_LEN bytes read at nh. */
static __always_inline void parse_ipv4(const unsigned char *nh, const __u8 *buf,
				       struct drop_event *ev)
{
	const struct iphdr *ip = (const void *)buf;
	__u32 l4_off = ip->ihl * 4;

	ev->family = DW_FAMILY_IPV4;
	__builtin_memcpy(ev->saddr, &ip->saddr, 4);
	__builtin_memcpy(ev->daddr, &ip->daddr, 4);
	/* Only the first fragment carries the L4 header. */
	if (bpf_ntohs(ip->frag_off) & DW_IP_OFFMASK) {
		ev->l4proto = ip->protocol;
		return;
	}
	/* Keep the bound check on the register that indexes the buffer. */
	barrier_var(l4_off);
	if (l4_off <= DW_HDR_LEN - DW_L4_LEN)
		l4_fields(buf + l4_off, ip->protocol, ev);
	else
		parse_l4(nh + l4_off, ip->protocol, ev);
}

static __always_inline void parse_ipv6(const unsigned char *nh, const __u8 *buf,
				       struct drop_event *ev)
{
	const struct ipv6hdr *ip6 = (const void *)buf;
	const unsigned char *l4 = nh + sizeof(struct ipv6hdr);
	__u8 next = ip6->nexthdr, ext[2];
	int i;

	ev->family = DW_FAMILY_IPV6;
	__builtin_memcpy(ev->saddr, &ip6->saddr, DW_ADDR_LEN);
	__builtin_memcpy(ev->daddr, &ip6->daddr, DW_ADDR_LEN);
	if (next != DW_NEXTHDR_HOP && next != DW_NEXTHDR_ROUTING &&
	    next != DW_NEXTHDR_DEST && next != DW_NEXTHDR_FRAGMENT) {
		l4_fields(buf + sizeof(struct ipv6hdr), next, ev);
		return;
	}
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

/*
 * DW_HDR_LEN bytes from the network header into buf, and where that header
 * is; NULL for frames that never reached L3 (ARP, LLDP, ...). The head
 * buffer goes on past the headers (tailroom, shared info): the read stays
 * inside it even for the shortest packet.
 */
static __always_inline unsigned char *read_headers(struct sk_buff *skb,
						   __u8 *buf, bool typed)
{
	unsigned char *head = DW_READ(typed, skb, head);
	__u16 nh_off = DW_READ(typed, skb, network_header);

	if (nh_off == (__u16)~0U || !head ||
	    bpf_probe_read_kernel(buf, DW_HDR_LEN, head + nh_off))
		return NULL;
	return head + nh_off;
}

/* IP and L4 headers from one read; more only for options and extensions. */
static __always_inline void parse_network(struct sk_buff *skb,
					  struct drop_event *ev, bool typed)
{
	__u16 proto = bpf_ntohs(DW_READ(typed, skb, protocol));
	__u8 buf[DW_HDR_LEN];
	unsigned char *nh;

	if (proto && proto != DW_ETH_P_IP && proto != DW_ETH_P_IPV6)
		return;
	nh = read_headers(skb, buf, typed);
	if (!nh)
		return;
	if (buf[0] >> 4 == 4)
		parse_ipv4(nh, buf, ev);
	else if (buf[0] >> 4 == 6)
		parse_ipv6(nh, buf, ev);
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
					    struct drop_event *ev, bool typed)
{
	struct nf_conntrack_tuple tuple;
	unsigned long nfct, ctinfo;
	struct nf_conn *ct;

	if (!bpf_core_field_exists(skb->_nfct))
		return;
	nfct = DW_READ(typed, skb, _nfct);
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
				     struct drop_event *ev, bool conntrack,
				     bool typed)
{
	if (!skb)
		return -1;
	ev->nf_hook = DW_HOOK_NONE;
	parse_network(skb, ev, typed);
	if (conntrack && ev->family != DW_FAMILY_NONE)
		parse_conntrack(skb, ev, typed);
	return 0;
}

#endif /* PARSE_BPF_H */
