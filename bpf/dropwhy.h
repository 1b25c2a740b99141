/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF programs and the loader. Plain __u* fields only,
 * largest first, so that both sides agree on the layout without #ifdefs.
 */
#ifndef DROPWHY_H
#define DROPWHY_H

#define DW_IFNAMSIZ		16
#define DW_ADDR_LEN		16
#define DW_MAX_WATCH		1024
/* Per-reason totals; the kernel has ~130 reasons, subsystems add more. */
#define DW_MAX_REASONS		1024
/* Slot for kernels whose tracepoint carries no reason at all. */
#define DW_REASON_UNKNOWN	(DW_MAX_REASONS - 1)
#define DW_HIDE_WORDS		(DW_MAX_REASONS / 64)
/* The watch set's port bitmap: one bit per port. */
#define DW_PORT_WORDS		(65536 / 64)
/* Functions whose frees are housekeeping whatever their reason. */
#define DW_HIDE_FUNCS		4

/* Address families as they appear in events and watch keys. */
#define DW_FAMILY_NONE		0
#define DW_FAMILY_IPV4		4
#define DW_FAMILY_IPV6		6

/* Conntrack state of the dropped packet, from its ctinfo. */
#define DW_CT_NONE		0
#define DW_CT_NEW		1
#define DW_CT_ESTABLISHED	2
#define DW_CT_RELATED		3
#define DW_CT_UNTRACKED		4

/* drop_event.flags */
#define DW_EV_HAS_REASON	(1u << 0)
#define DW_EV_HAS_CT		(1u << 1)
#define DW_EV_CT_REPLY		(1u << 2)
#define DW_EV_HAS_L4		(1u << 3)
#define DW_EV_HAS_HOOK		(1u << 4)

/* No netfilter position recorded for the packet. */
#define DW_HOOK_NONE		0xff
/* nf_slot of a note from an fentry table probe: no sentinel slot. */
#define DW_SLOT_TABLE		0xfe
/* Sentinel programs per hook: the tables one hook can hold. */
#define DW_NF_SLOTS		6

/* Rule attribution from kernel counters. */
#define DW_TABLE_NAME_LEN	32
#define DW_CHAIN_NAME_LEN	32

/* rule_ref.kind */
#define DW_RULE_NONE		0
#define DW_RULE_XT		1	/* x_tables entry: iptables-legacy */
#define DW_RULE_NFT		2	/* nf_tables rule: iptables-nft or nft */

/* rule_ref.verdict */
#define DW_VERDICT_DROP		1
#define DW_VERDICT_REJECT	2

/* drop_event.rule_state: what the counter comparison found. */
#define DW_ATTR_NONE		0	/* not a netfilter drop, or no table */
#define DW_ATTR_EXACT		1	/* exactly one dropping entry moved */
#define DW_ATTR_AMBIGUOUS	2	/* several moved; rule is the first */
#define DW_ATTR_UNPRIMED	3	/* no snapshot: table not walkable */
#define DW_ATTR_NOMOVE		4	/* none moved: an uncounted rule */

/* The entry that dropped a packet, as the kernel names it. */
struct rule_ref {
	__u64 handle;		/* nft rule handle; x_tables: entry offset */
	char table[DW_TABLE_NAME_LEN];
	char chain[DW_CHAIN_NAME_LEN];
	__u16 index;		/* position in its chain from 1; 0: policy */
	__u8 kind;		/* DW_RULE_* */
	__u8 verdict;		/* DW_VERDICT_* */
	__u8 family;		/* NFPROTO_* of the table */
	__u8 pad[3];
};

/* One watched endpoint; port 0 means any port. Host byte order port. */
struct watch_key {
	__u8 addr[DW_ADDR_LEN];
	__u16 port;
	__u8 family;
	__u8 pad;
};

/*
 * A watch set this small is also kept as a list the programs compare in
 * line: cheaper than a hash lookup for the few entries most runs have.
 */
#define DW_WATCH_LIST	8

/* lost_events keys: why a watched drop printed no event. */
#define DW_LOST_RING_FULL	0
#define DW_LOST_OVER_RATE	1
/* --max-rate lets a CPU send this much of its rate back to back. */
#define DW_RATE_BURST_NS	(100ULL * 1000 * 1000)

struct watch_entry {
	__u64 addr[2];		/* watch_key.addr as two words */
	__u16 port;		/* 0: any port */
	__u8 family;
	__u8 pad[5];
};

struct drop_event {
	struct rule_ref rule;	/* valid when rule_state is EXACT/AMBIGUOUS */
	__u64 ts_ns;		/* CLOCK_MONOTONIC, from bpf_ktime_get_ns() */
	__u64 location;		/* kernel address that freed the skb */
	__u32 reason;		/* raw enum skb_drop_reason value */
	__u32 netns_ino;
	__u32 ifindex;		/* skb->dev */
	__u32 iif;		/* skb->skb_iif: where it entered the stack */
	__u32 len;		/* skb->len */
	__u32 cpu;
	__u32 ct_status;	/* nf_conn.status bits */
	__u8 saddr[DW_ADDR_LEN];
	__u8 daddr[DW_ADDR_LEN];
	__u8 orig_saddr[DW_ADDR_LEN];
	__u8 orig_daddr[DW_ADDR_LEN];
	char ifname[DW_IFNAMSIZ];
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u16 orig_sport;
	__u16 orig_dport;
	__u16 flags;		/* DW_EV_* */
	__u8 family;		/* DW_FAMILY_* */
	__u8 l4proto;		/* IPPROTO_* */
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 ct_state;		/* DW_CT_* */
	__u8 nf_pf;		/* NFPROTO_* of the last hook passed */
	__u8 nf_hook;		/* NF_INET_* of the last hook, or DW_HOOK_NONE */
	__u8 nf_slot;		/* sentinel slot: which table came next */
	__u8 rule_state;	/* DW_ATTR_* */
	__u8 rule_moved;	/* dropping entries whose counter moved */
	__u8 pad[7];
};

#endif /* DROPWHY_H */
