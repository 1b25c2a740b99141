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

/* Events that found the ring buffer full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

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

static __always_inline bool endpoint_watched(__u8 family, const __u8 *addr,
					     __u16 port)
{
	struct watch_key key = { .family = family, .port = port };

	__builtin_memcpy(key.addr, addr, DW_ADDR_LEN);
	if (bpf_map_lookup_elem(&watch_set, &key))
		return true;
	key.port = 0;
	return bpf_map_lookup_elem(&watch_set, &key) != NULL;
}

/* Our own priming packets: protocol 253 between all-zero addresses. */
static __always_inline bool is_prime_packet(const struct drop_event *ev)
{
	const __u64 *s = (const void *)ev->saddr, *d = (const void *)ev->daddr;

	return ev->l4proto == DW_PRIME_PROTO && !s[0] && !s[1] && !d[0] && !d[1];
}

static __always_inline bool event_watched(const struct drop_event *ev)
{
	if (is_prime_packet(ev))
		return false;
	if (watch_all)
		return true;
	if (ev->family == DW_FAMILY_NONE)
		return false;
	if (endpoint_watched(ev->family, ev->daddr, ev->dport))
		return true;
	return (ev->flags & DW_EV_HAS_CT) &&
	       endpoint_watched(ev->family, ev->orig_daddr, ev->orig_dport);
}

struct hook_position {
	__u64 skb;
	__u8 pf;
	__u8 hook;
	__u8 slot;
};

/*
 * A few recent positions per CPU, not one: a REJECT sends its reply
 * through the output hooks before the rejected packet is freed, and that
 * reply must not erase the note of the packet it answers.
 */
#define DW_POSITIONS	4

struct position_ring {
	__u32 next;
	struct hook_position slots[DW_POSITIONS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct position_ring);
} last_position SEC(".maps");

#include "attrib.bpf.h"

/* One event under construction per CPU: BPF stacks are too small for it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct drop_event);
} scratch SEC(".maps");

/*
 * Wake the reader once, when the backlog crosses the mark, not for every
 * event above it: a wake-up costs ~10 us of BPF time under a flood. The
 * reader's timer drains whatever stays below the mark.
 */
static __always_inline void submit(struct drop_event *ev, __u32 slot)
{
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	count(&reason_totals, slot);
	if (waiting < wakeup_bytes && waiting + sizeof(*ev) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), flags))
		count(&lost_events, 0);
}

/* Where in the hook chain this skb was last seen, if a sentinel saw it. */
static __always_inline void note_hook(struct sk_buff *skb,
				      struct drop_event *ev)
{
	struct position_ring *ring;
	struct hook_position *pos;
	__u32 zero = 0;
	int i;

	ring = bpf_map_lookup_elem(&last_position, &zero);
	if (!ring)
		return;
	for (i = 0; i < DW_POSITIONS; i++) {
		pos = &ring->slots[i];
		if (pos->skb != (__u64)skb)
			continue;
		ev->nf_pf = pos->pf;
		ev->nf_hook = pos->hook;
		ev->nf_slot = pos->slot;
		ev->flags |= DW_EV_HAS_HOOK;
		/* The note is consumed: a recycled skb must not inherit it. */
		pos->skb = 0;
		return;
	}
}

/*
 * Decode the skb into the per-CPU scratch event, keep it only if it is
 * watched, count it, and copy it to the ring buffer. Unwatched drops cost
 * a header parse and two hash lookups, and never touch the ring buffer.
 */
static __always_inline int handle_drop(struct sk_buff *skb, __u64 location,
				       __u32 reason, bool has_reason)
{
	__u32 zero = 0, slot = DW_REASON_UNKNOWN;
	struct drop_event *ev;

	if (has_reason && reason_hidden(reason))
		return 0;
	ev = bpf_map_lookup_elem(&scratch, &zero);
	if (!ev)
		return 0;
	__builtin_memset(ev, 0, sizeof(*ev));
	if (parse_skb(skb, ev, have_conntrack))
		return 0;
	/* Every netfilter drop moves the baselines, watched or not. */
	if (!has_reason || !have_netfilter_reason ||
	    reason == netfilter_drop_reason) {
		note_hook(skb, ev);
		attribute_drop(skb, ev);
	}
	if (!event_watched(ev))
		return 0;
	parse_device(skb, ev);

	ev->ts_ns = bpf_ktime_get_ns();
	ev->location = location;
	ev->reason = reason;
	ev->cpu = bpf_get_smp_processor_id();
	if (has_reason) {
		ev->flags |= DW_EV_HAS_REASON;
		if (reason < DW_MAX_REASONS)
			slot = reason;
	}
	submit(ev, slot);
	return 0;
}

/* Kernels since 5.17 pass the drop reason to the tracepoint. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_kfree_skb, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	return handle_drop(skb, (__u64)location, reason, true);
}

/* Older kernels: (skb, location) only. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_btf_kfree_skb_noreason, struct sk_buff *skb, void *location)
{
	return handle_drop(skb, (__u64)location, 0, false);
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
	return handle_drop(skb, location, reason, has_reason);
}

/*
 * Hook-chain sentinels. Each runs just before one table's priority at a
 * hook and notes, per CPU, which skb passed which slot. A packet that the
 * table then drops is freed on the same CPU before any other packet can
 * overwrite the note, so kfree_skb reads back where it died. No filtering
 * here: a map write is cheaper than deciding whether the packet is watched.
 */
static __always_inline int note_position(struct bpf_nf_ctx *ctx, __u8 slot)
{
	struct position_ring *ring;
	struct hook_position *pos;
	__u32 zero = 0, i;
	__u64 skb = (__u64)ctx->skb;

	ring = bpf_map_lookup_elem(&last_position, &zero);
	if (!ring)
		return DW_NF_ACCEPT;
	/* The same packet moving on overwrites its own note. */
	i = ring->slots[ring->next % DW_POSITIONS].skb == skb ?
		ring->next : ring->next + 1;
	pos = &ring->slots[i % DW_POSITIONS];
	ring->next = i;
	pos->skb = skb;
	pos->pf = ctx->state->pf;
	pos->hook = ctx->state->hook;
	pos->slot = slot;
	return DW_NF_ACCEPT;
}

/*
 * One program per slot: netfilter links carry no cookie to tell them
 * apart. Slot i sits before the i-th table at a hook, in priority order.
 */
SEC("netfilter")
int netfilter_slot0(struct bpf_nf_ctx *ctx)
{
	return note_position(ctx, 0);
}

SEC("netfilter")
int netfilter_slot1(struct bpf_nf_ctx *ctx)
{
	return note_position(ctx, 1);
}

SEC("netfilter")
int netfilter_slot2(struct bpf_nf_ctx *ctx)
{
	return note_position(ctx, 2);
}

SEC("netfilter")
int netfilter_slot3(struct bpf_nf_ctx *ctx)
{
	return note_position(ctx, 3);
}

SEC("netfilter")
int netfilter_slot4(struct bpf_nf_ctx *ctx)
{
	return note_position(ctx, 4);
}

SEC("netfilter")
int netfilter_slot5(struct bpf_nf_ctx *ctx)
{
	return note_position(ctx, 5);
}


/*
 * Run by the loader through BPF_PROG_TEST_RUN on each CPU in turn, in the
 * traced namespace, once per family: finds the tables behind every slot
 * and records this CPU's counter baselines, so that even the first drop is
 * attributed exactly.
 */
struct prime_ctx {
	struct net *net;
	struct compare_result res;
	__u8 pf;
};

static long prime_slot(__u64 i, void *ctx)
{
	struct prime_ctx *p = ctx;

	prime_slot_tables(p->net, p->pf, i / DW_NF_SLOTS, i % DW_NF_SLOTS,
			  &p->res);
	return 0;
}

SEC("netfilter")
int netfilter_prime(struct bpf_nf_ctx *ctx)
{
	const struct nf_hook_state *state = ctx->state;
	struct net_device *dev = state->in ? state->in : state->out;
	struct prime_ctx p = {
		.pf = state->pf,
		.res.prime = true,
	};

	/* A test run leaves state->net unset; its device is our loopback. */
	p.net = state->net ? state->net : BPF_CORE_READ(dev, nd_net.net);
	if (!p.net)
		return DW_NF_ACCEPT;
	/* Every hook of the family, whichever hook the test run names. */
	bpf_loop(5 * DW_NF_SLOTS, prime_slot, &p, 0);
	return DW_NF_ACCEPT;
}
