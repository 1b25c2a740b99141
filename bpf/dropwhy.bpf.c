// SPDX-License-Identifier: GPL-2.0
/*
 * Capture: every skb the kernel frees as dropped passes through the
 * skb:kfree_skb tracepoint. Keep only watched packets, count them by reason,
 * and hand a fixed-size drop_event to userspace through a ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "dropwhy.h"
#include "parse.bpf.h"

#define DW_NF_ACCEPT 1

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load; the verifier prunes what they disable. */
const volatile bool watch_all = false;
const volatile bool have_conntrack = true;
const volatile __u32 consumed_reason = 0;
const volatile bool have_consumed_reason = false;
const volatile __u32 netfilter_drop_reason = 0;
const volatile bool have_netfilter_reason = false;
const volatile __u64 hidden_reasons[DW_HIDE_WORDS] = {};
/* The watch set's ports, and whether some entry matches any port. */
const volatile __u64 watch_ports[DW_PORT_WORDS] = {};
const volatile bool watch_any_port = false;
/* The whole watch set, when it has at most DW_WATCH_LIST entries. */
const volatile __u32 watch_list_len = 0;
const volatile struct watch_entry watch_list[DW_WATCH_LIST] = {};
/*
 * [start, end) of functions that free a closing socket's queues; from
 * kallsyms, written after load like the addresses in attrib.bpf.h.
 */
__u64 hidden_funcs[DW_HIDE_FUNCS][2];
/* One event per this many ns per CPU (--max-rate); 0: every event. */
const volatile __u64 event_interval_ns = 0;
/* Wake the reader once this many bytes wait; it also drains on a timer. */
const volatile __u64 wakeup_bytes = 64 * sizeof(struct drop_event);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* ~4500 events */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DW_MAX_WATCH);
	__type(key, struct watch_key);
	__type(value, __u8);
} watch_set SEC(".maps");

/* Watched drops by reason, exact even when events are lost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DW_MAX_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} reason_totals SEC(".maps");

/* Events not sent, by DW_LOST_*: the ring was full, or over the rate. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

/* Per CPU: when the next event is due, at the steady --max-rate. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rate_due SEC(".maps");

static __always_inline void count(void *map, __u32 key)
{
	__u64 *slot = bpf_map_lookup_elem(map, &key);

	if (slot)
		*slot += 1;
}

static __always_inline bool reason_hidden(__u32 reason)
{
	if (have_consumed_reason && reason == consumed_reason)
		return true;
	__u32 word = reason / 64;

	/* Keep the bound check on the register that indexes the array. */
	barrier_var(word);
	if (word >= DW_HIDE_WORDS)
		return false;
	return hidden_reasons[word] & (1ULL << (reason % 64));
}

/*
 * Kernels that free a closing socket's queues without a reason of their
 * own (NOT_SPECIFIED before QUEUE_PURGE/SOCKET_CLOSE existed) are told by
 * where the free happens.
 */
static __always_inline bool location_hidden(__u64 location)
{
	int i;

	for (i = 0; i < DW_HIDE_FUNCS; i++)
		if (location >= hidden_funcs[i][0] && location < hidden_funcs[i][1])
			return true;
	return false;
}

/* Is some watch entry on this port? A bitmap look before a hash lookup. */
static __always_inline bool port_in_watch_set(__u16 port)
{
	__u32 word = port / 64;

	barrier_var(word);
	if (word >= DW_PORT_WORDS)
		return false;
	return watch_ports[word] & (1ULL << (port % 64));
}

/* The watch list, compared in line (the loader sizes it: unrolled). */
static __always_inline bool listed(__u8 family, const __u8 *addr, __u16 port)
{
	__u64 words[2];
	__u32 i;

	__builtin_memcpy(words, addr, sizeof(words));
	for (i = 0; i < DW_WATCH_LIST && i < watch_list_len; i++) {
		if (watch_list[i].family == family &&
		    (watch_list[i].port == port || !watch_list[i].port) &&
		    watch_list[i].addr[0] == words[0] &&
		    watch_list[i].addr[1] == words[1])
			return true;
	}
	return false;
}

static __always_inline bool endpoint_watched(__u8 family, const __u8 *addr,
					     __u16 port)
{
	struct watch_key key = { .family = family, .port = port };

	if (!port_in_watch_set(port) && !watch_any_port)
		return false;
	if (watch_list_len)
		return listed(family, addr, port);
	__builtin_memcpy(key.addr, addr, DW_ADDR_LEN);
	if (port_in_watch_set(port) && bpf_map_lookup_elem(&watch_set, &key))
		return true;
	if (!watch_any_port)
		return false;
	key.port = 0;
	return bpf_map_lookup_elem(&watch_set, &key) != NULL;
}

static __always_inline bool event_watched(const struct drop_event *ev)
{
	if (watch_all)
		return true;
	if (ev->family == DW_FAMILY_NONE)
		return false;
	if (endpoint_watched(ev->family, ev->daddr, ev->dport))
		return true;
	return (ev->flags & DW_EV_HAS_CT) &&
	       endpoint_watched(ev->family, ev->orig_daddr, ev->orig_dport);
}

#include "attrib.bpf.h"

/*
 * Wake the reader when the backlog crosses the mark, not for every event
 * above it: a wake-up costs ~10 us of BPF time under a flood. The
 * reader's timer drains whatever stays below the mark.
 */
static __always_inline __u64 wakeup_flag(void)
{
	__u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	return waiting < wakeup_bytes &&
	       waiting + sizeof(struct drop_event) >= wakeup_bytes ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* A watched drop no event is sent for: counted, and lost (DW_LOST_*). */
static __always_inline void count_lost(__u32 slot, __u32 why)
{
	count(&reason_totals, slot);
	count(&lost_events, why);
}

/*
 * Is this CPU over --max-rate? A generic cell rate check: each event moves
 * the CPU's due time one interval on; an event more than a burst ahead of
 * now is over. Over the rate, a flood of watched drops costs a count each,
 * not an event: an agent's cost stays bounded.
 */
static __always_inline bool over_rate(__u64 now)
{
	__u32 zero = 0;
	__u64 *due, at;

	if (!event_interval_ns)
		return false;
	due = bpf_map_lookup_elem(&rate_due, &zero);
	if (!due)
		return false;
	at = *due > now ? *due : now;
	if (at - now > DW_RATE_BURST_NS)
		return true;
	*due = at + event_interval_ns;
	return false;
}

/* The drop's time into *now; over the rate, the drop is counted as such. */
static __always_inline bool shed_over_rate(__u32 slot, __u64 *now)
{
	*now = bpf_ktime_get_ns();
	if (!over_rate(*now))
		return false;
	count_lost(slot, DW_LOST_OVER_RATE);
	return true;
}

/* Deciding on a drop the ring has no room for: BPF stacks are too small. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct drop_event);
} scratch SEC(".maps");

/* The ring is full and no note decided: parse to tell watched or not. */
static __always_inline void lost_unless_unwatched(struct sk_buff *skb,
						  __u32 slot, bool typed)
{
	struct drop_event *ev;
	__u32 zero = 0;

	ev = bpf_map_lookup_elem(&scratch, &zero);
	if (!ev)
		return;
	__builtin_memset(ev, 0, sizeof(*ev));
	if (!parse_skb(skb, ev, have_conntrack, typed) && event_watched(ev))
		count_lost(slot, DW_LOST_RING_FULL);
}

/*
 * The note a table entry probe left for this skb, consumed: a recycled skb
 * must not inherit it. Returns its ring position, or -1.
 */
static __always_inline int take_note(struct sk_buff *skb,
				     struct hook_position *out)
{
	struct position_ring *ring;
	struct hook_position *pos;
	__u32 zero = 0;
	int i;

	ring = bpf_map_lookup_elem(&last_position, &zero);
	if (!ring)
		return -1;
	for (i = 0; i < DW_POSITIONS; i++) {
		pos = &ring->slots[i];
		if (pos->skb != (__u64)skb)
			continue;
		__builtin_memcpy(out, pos, sizeof(*out));
		pos->skb = 0;
		return i;
	}
	return -1;
}

static __always_inline bool is_netfilter_drop(__u32 reason, bool has_reason)
{
	return !has_reason || !have_netfilter_reason ||
	       reason == netfilter_drop_reason;
}

/*
 * Decode the skb straight into a ring buffer slot, keep it only if it is
 * watched, count it, and hand it to the reader. A netfilter drop of a
 * packet the entry probe found unwatched ends at the note: no parse. When
 * the reader is behind and the ring is full, a drop the note already
 * knows to be watched is counted as lost without any decoding: overload
 * sheds work instead of adding to it.
 */
static __always_inline int handle_drop(struct sk_buff *skb, __u64 location,
				       __u32 reason, bool has_reason,
				       bool typed)
{
	__u32 slot = DW_REASON_UNKNOWN;
	struct hook_position note;
	struct drop_event *ev;
	int position = -1;
	bool known;
	__u64 now;

	if ((has_reason && reason_hidden(reason)) || location_hidden(location))
		return 0;
	if (has_reason && reason < DW_MAX_REASONS)
		slot = reason;
	if (is_netfilter_drop(reason, has_reason)) {
		position = take_note(skb, &note);
		if (position >= 0 && note.watched == DW_WATCH_NO)
			return 0;
	}
	/* Watched for sure: over the rate, no event to decode at all. */
	known = watch_all || (position >= 0 && note.watched == DW_WATCH_YES);
	if (known && shed_over_rate(slot, &now))
		return 0;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		if (known)
			count_lost(slot, DW_LOST_RING_FULL);
		else
			lost_unless_unwatched(skb, slot, typed);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	/* A note that says watched ran the same test on the same headers:
	 * the watch set is looked up once per packet, not twice. */
	if (parse_skb(skb, ev, have_conntrack, typed) ||
	    (!known && !event_watched(ev))) {
		bpf_ringbuf_discard(ev, BPF_RB_NO_WAKEUP);
		return 0;
	}
	if (!known && shed_over_rate(slot, &now)) {
		bpf_ringbuf_discard(ev, BPF_RB_NO_WAKEUP);
		return 0;
	}
	if (position >= 0) {
		ev->nf_pf = note.pf;
		ev->nf_hook = note.hook;
		ev->nf_slot = note.slot;
		ev->flags |= DW_EV_HAS_HOOK;
		attribute_drop(&note, position, ev);
	}
	parse_device(skb, ev, typed);

	ev->ts_ns = now;
	ev->location = location;
	ev->reason = reason;
	ev->cpu = bpf_get_smp_processor_id();
	if (has_reason)
		ev->flags |= DW_EV_HAS_REASON;
	count(&reason_totals, slot);
	bpf_ringbuf_submit(ev, wakeup_flag());
	return 0;
}

/* Kernels since 5.17 pass the drop reason to the tracepoint. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_kfree_skb, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	return handle_drop(skb, (__u64)location, reason, true, true);
}

/* Older kernels: (skb, location) only. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_kfree_skb_noreason, struct sk_buff *skb, void *location)
{
	return handle_drop(skb, (__u64)location, 0, false, true);
}

/*
 * Fallback when tp_btf cannot attach: the classic tracepoint record, read
 * through CO-RE so that its layout and the reason field are not assumed.
 */
SEC("tracepoint/skb/kfree_skb")
int tracepoint_kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	struct sk_buff *skb = BPF_CORE_READ(ctx, skbaddr);
	__u64 location = (__u64)BPF_CORE_READ(ctx, location);
	__u32 reason = 0;
	bool has_reason = bpf_core_field_exists(ctx->reason);

	if (has_reason)
		reason = BPF_CORE_READ(ctx, reason);
	return handle_drop(skb, location, reason, has_reason, false);
}

/* ---- table entry probes ---- */

/*
 * The destination a table entry probe sees: family, zero-padded address
 * and port (0 without one), from the drop parse's one header read.
 * Returns 1 when it cannot tell cheaply (fragments, extension headers):
 * the drop then decides on the full parse.
 */
static __always_inline int peek_destination(struct sk_buff *skb, __u8 *family,
					    __u8 *daddr, __u16 *dport)
{
	__u8 buf[DW_HDR_LEN], proto;
	__u32 l4_off;

	if (!read_headers(skb, buf, true))
		return -1;
	if (buf[0] >> 4 == 4) {
		struct iphdr *ip = (void *)buf;

		*family = DW_FAMILY_IPV4;
		/* Watch keys hold IPv4 addresses zero-padded to 16 bytes. */
		__builtin_memcpy(daddr, &ip->daddr, 4);
		proto = ip->protocol;
		l4_off = ip->ihl * 4;
		if (bpf_ntohs(ip->frag_off) & DW_IP_OFFMASK)
			return 1;
	} else if (buf[0] >> 4 == 6) {
		struct ipv6hdr *ip6 = (void *)buf;

		*family = DW_FAMILY_IPV6;
		__builtin_memcpy(daddr, &ip6->daddr, DW_ADDR_LEN);
		proto = ip6->nexthdr;
		l4_off = sizeof(*ip6);
	} else {
		return -1;
	}
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP) {
		/* IPv4 options longer than the read: let the drop decide. */
		barrier_var(l4_off);
		if (l4_off > sizeof(buf) - sizeof(struct dw_l4_ports))
			return 1;
		*dport = bpf_ntohs(((struct dw_l4_ports *)(buf + l4_off))->dest);
	} else if (*family == DW_FAMILY_IPV6 && proto != DW_IPPROTO_ICMPV6) {
		return 1;
	}
	return 0;
}

/*
 * Could this packet be watched? The same test as event_watched on the
 * destination and the conntrack original destination, from the headers
 * alone. Runs for every packet entering a table, so skb fields are read
 * directly (the probes get a BTF-typed skb) and the watch set's port
 * bitmap answers most packets before any hash lookup.
 */
static __always_inline __u8 skb_maybe_watched(struct sk_buff *skb)
{
	__u8 family = 0, daddr[DW_ADDR_LEN] = {}, orig[DW_ADDR_LEN] = {};
	struct nf_conntrack_tuple tuple;
	__u16 dport = 0;
	struct nf_conn *ct;
	int peeked;

	if (watch_all)
		return DW_WATCH_YES;
	peeked = peek_destination(skb, &family, daddr, &dport);
	if (peeked)
		return peeked > 0 ? DW_WATCH_MAYBE : DW_WATCH_NO;
	if (endpoint_watched(family, daddr, dport))
		return DW_WATCH_YES;
	if (!have_conntrack || !bpf_core_field_exists(skb->_nfct))
		return DW_WATCH_NO;
	ct = (void *)(skb->_nfct & ~DW_NFCT_INFOMASK);
	if (!ct)
		return DW_WATCH_NO;
	if (BPF_CORE_READ_INTO(&tuple, ct, tuplehash[0].tuple))
		return DW_WATCH_MAYBE;
	copy_ct_addr(orig, &tuple.dst.u3, family);
	return endpoint_watched(family, orig, bpf_ntohs(tuple.dst.u.all)) ?
		DW_WATCH_YES : DW_WATCH_NO;
}

/*
 * Note, per CPU, which skb entered which table; for a packet that may be
 * watched, also snapshot the counters of the tables' dropping entries. A
 * packet the table drops is freed on this CPU before the ring wraps.
 */
static __always_inline struct hook_position *
note_entry(struct sk_buff *skb, __u8 pf, __u8 hook, __u8 slot, __u32 *position)
{
	struct position_ring *ring;
	struct hook_position *pos;
	__u32 zero = 0, i;

	ring = bpf_map_lookup_elem(&last_position, &zero);
	if (!ring)
		return NULL;
	/* The same packet moving on overwrites its own note. */
	i = ring->slots[ring->next % DW_POSITIONS].skb == (__u64)skb ?
		ring->next : ring->next + 1;
	pos = &ring->slots[i % DW_POSITIONS];
	ring->next = i;
	pos->skb = (__u64)skb;
	pos->pf = pf;
	pos->hook = hook;
	pos->slot = slot;
	pos->tables = 0;
	pos->watched = skb_maybe_watched(skb);
	*position = i % DW_POSITIONS;
	return pos->watched ? pos : NULL;
}

/*
 * Hook-chain sentinels (BPF netfilter links, Linux 6.4): each runs just
 * before one table's priority at a hook. One program per slot: netfilter
 * links carry no cookie to tell them apart. Slot i sits before the i-th
 * table at a hook, in priority order.
 */
static __always_inline int sentinel(struct bpf_nf_ctx *ctx, __u8 slot)
{
	const struct nf_hook_state *state = ctx->state;
	struct hook_position *pos;
	struct slot_tables *st;
	__u32 position, i;

	pos = note_entry(ctx->skb, state->pf, state->hook, slot, &position);
	if (!pos)
		return DW_NF_ACCEPT;
	st = slot_tables_of(state->net, state->pf, state->hook, slot);
	for (i = 0; st && i < DW_NOTE_TABLES && i < st->count; i++)
		snapshot_table(state->net, &st->tables[i], pos, position);
	return DW_NF_ACCEPT;
}

SEC("netfilter")
int netfilter_slot0(struct bpf_nf_ctx *ctx)
{
	return sentinel(ctx, 0);
}

SEC("netfilter")
int netfilter_slot1(struct bpf_nf_ctx *ctx)
{
	return sentinel(ctx, 1);
}

SEC("netfilter")
int netfilter_slot2(struct bpf_nf_ctx *ctx)
{
	return sentinel(ctx, 2);
}

SEC("netfilter")
int netfilter_slot3(struct bpf_nf_ctx *ctx)
{
	return sentinel(ctx, 3);
}

SEC("netfilter")
int netfilter_slot4(struct bpf_nf_ctx *ctx)
{
	return sentinel(ctx, 4);
}

SEC("netfilter")
int netfilter_slot5(struct bpf_nf_ctx *ctx)
{
	return sentinel(ctx, 5);
}

/*
 * Kernels without BPF netfilter links (6.1): fentry on the functions that
 * run a table, which receive it as an argument. Same note and snapshot;
 * the table is known exactly, nat tables included.
 */
static __always_inline void table_entry(struct sk_buff *skb,
					const struct nf_hook_state *state,
					__u64 priv, __u8 kind)
{
	struct hook_table ht = { .priv = priv, .kind = kind };
	struct hook_position *pos;
	__u32 position;

	/* fentry hands state BTF-typed: plain loads, as in parse.bpf.h. */
	pos = note_entry(skb, state->pf, state->hook, DW_SLOT_TABLE, &position);
	if (!pos)
		return;
	snapshot_table(state->net, &ht, pos, position);
}

SEC("fentry/ipt_do_table")
int BPF_PROG(fentry_ipt_do_table, void *priv, struct sk_buff *skb,
	     const struct nf_hook_state *state)
{
	table_entry(skb, state, (__u64)priv, DW_RULE_XT);
	return 0;
}

SEC("fentry/ip6t_do_table")
int BPF_PROG(fentry_ip6t_do_table, void *priv, struct sk_buff *skb,
	     const struct nf_hook_state *state)
{
	table_entry(skb, state, (__u64)priv, DW_RULE_XT);
	return 0;
}

SEC("fentry/nft_do_chain")
int BPF_PROG(fentry_nft_do_chain, struct nft_pktinfo *pkt, void *priv)
{
	table_entry(pkt->skb, pkt->state, (__u64)priv, DW_RULE_NFT);
	return 0;
}
