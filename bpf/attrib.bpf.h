/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which firewall entry dropped this packet: exact, from per-CPU counters.
 *
 * Only entries that drop (DROP and REJECT rules, a chain's DROP policy) can
 * cause a netfilter drop, and their per-CPU packet counters move only when
 * they drop a packet on that CPU. So at every netfilter drop, compare the
 * counters of the dropping entries of the table the packet died in with
 * the values seen at this CPU's previous drop there: the one that moved
 * dropped this packet. Nothing runs for packets that pass.
 *
 * The kernel itself tells where the tables are: net->nf.hooks_ipv4[hook]
 * lists each hook function with its priv (an x_tables table, or an
 * nf_tables base chain) and, after them, the nf_hook_ops with priorities.
 * The dropping entries of a table generation are found once, by walking
 * its rules, and cached.
 */
#ifndef ATTRIB_BPF_H
#define ATTRIB_BPF_H

#define DW_MAX_DROP_ENTRIES	32
#define DW_MAX_HOOK_ENTRIES	16
#define DW_MAX_XT_ENTRIES	65536
#define DW_MAX_NFT_RULES	65536
#define DW_MAX_NFT_EXPRS	16
#define DW_MAX_NFT_CHAINS	8
#define DW_NFT_JUMP		(-3)
#define DW_NFT_GOTO		(-4)
#define DW_NF_DROP		0
#define DW_XT_DROP_VERDICT	(-1)	/* -NF_DROP - 1 */

/* Kernel function addresses from kallsyms, set by the loader. */
const volatile __u64 ipt_do_table_addr = 0;
const volatile __u64 ip6t_do_table_addr = 0;
const volatile __u64 nft_do_chain_ipv4_addr = 0;
const volatile __u64 nft_do_chain_ipv6_addr = 0;
const volatile __u64 nft_do_chain_inet_addr = 0;
/* x_tables counters are per-CPU only on SMP kernels. */
const volatile bool percpu_counters = true;

/*
 * This CPU's per-CPU offset. The kernel symbol this_cpu_off is in BTF but
 * not in kallsyms without CONFIG_KALLSYMS_ALL, so ksyms cannot reach it;
 * derive it instead from a per-CPU array of our own: the lookup returns
 * this CPU's copy, and the map's struct holds the per-CPU base pointer.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cpu_offset_probe SEC(".maps");

struct cached_entry {
	__u64 counter;		/* per-CPU address of its packet count */
	__u64 seen;		/* this CPU's count at its last look, + 1 */
	struct rule_ref ref;
};

struct table_cache {
	__u32 count;
	__u32 truncated;	/* more dropping entries than fit */
	struct cached_entry entries[DW_MAX_DROP_ENTRIES];
};

/* A table generation: a new ruleset means new counters. */
struct table_key {
	__u64 priv;
	__u64 generation;
};

/*
 * Per CPU: each CPU's copy carries its own baselines next to the entries,
 * so a drop compares without a lookup per entry. Priming runs on every
 * CPU, so every copy gets built.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, struct table_key);
	__type(value, struct table_cache);
} table_caches SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct table_cache);
} cache_scratch SEC(".maps");


/* Priority of the table behind each sentinel slot, set by the loader. */
struct slot_priority {
	__s32 priority;
	__u32 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * 5 * DW_NF_SLOTS);
	__type(key, __u32);
	__type(value, struct slot_priority);
} slot_priorities SEC(".maps");

/*
 * The tables behind each slot, as priming found them, with the hook array
 * they came from: a drop checks that array is still current instead of
 * searching it again.
 */
struct hook_table {
	__u64 priv;
	__u8 kind;
};

struct slot_tables {
	__u64 hook_entries;
	__u32 count;
	struct hook_table tables[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * 5 * DW_NF_SLOTS);
	__type(key, __u32);
	__type(value, struct slot_tables);
} slot_tables SEC(".maps");

/* Bumped when a drop met counters without baseline: userspace re-primes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} reprime_requests SEC(".maps");

static const char builtin_chains[5][DW_CHAIN_NAME_LEN] = {
	"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
};

/*
 * Kernel object names are compared as their first 8 bytes in one word:
 * a byte loop per name costs the verifier dearly inside the rule walks.
 */
static __always_inline __u64 name_word(const char *name)
{
	__u64 word;

	__builtin_memcpy(&word, name, sizeof(word));
	return word;
}

static __always_inline bool name_is(const char *name, const char *want8)
{
	return name_word(name) == name_word(want8);
}

#define DW_ARRAY_HEAD_MAX	1024

struct array_head {
	__u8 bytes[DW_ARRAY_HEAD_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct array_head);
} array_head_scratch SEC(".maps");

/*
 * The verifier lets no arithmetic touch a map pointer, and the per-CPU
 * pointers sit in a flexible array it will not index: copy the head of
 * struct bpf_array out with a probe read instead. Done once per CPU; the
 * value slot of the probe map then caches the offset.
 */
static __always_inline __u64 this_cpu_offset(void)
{
	__u32 zero = 0, at = bpf_core_field_offset(struct bpf_array, pptrs);
	__u64 *mine = bpf_map_lookup_elem(&cpu_offset_probe, &zero);
	struct array_head *head;
	__u64 base, addr;

	if (!mine)
		return 0;
	if (*mine)
		return *mine;
	head = bpf_map_lookup_elem(&array_head_scratch, &zero);
	if (!head || at > DW_ARRAY_HEAD_MAX - sizeof(base))
		return 0;
	if (bpf_probe_read_kernel(head, at + sizeof(base), &cpu_offset_probe))
		return 0;
	__builtin_memcpy(&base, &head->bytes[at], sizeof(base));
	/* The same laundering turns our value pointer into a number. */
	if (bpf_probe_read_kernel(&addr, sizeof(addr), &mine))
		return 0;
	*mine = addr - base;
	return *mine;
}

static __always_inline __u64 read_percpu_u64(__u64 addr)
{
	__u64 value = 0;

	if (percpu_counters)
		addr += this_cpu_offset();
	bpf_probe_read_kernel(&value, sizeof(value), (void *)addr);
	return value;
}

/* Entries collect in the per-CPU scratch cache until the walk ends. */
static __always_inline void cache_add(__u64 counter, const struct rule_ref *ref)
{
	__u32 zero = 0, n;
	struct table_cache *cache = bpf_map_lookup_elem(&cache_scratch, &zero);

	if (!cache)
		return;
	n = cache->count;

	if (n >= DW_MAX_DROP_ENTRIES) {
		cache->truncated = 1;
		return;
	}
	cache->entries[n].counter = counter;
	cache->entries[n].seen = 0;
	__builtin_memcpy(&cache->entries[n].ref, ref, sizeof(*ref));
	cache->count = n + 1;
}

/* ---- x_tables (iptables-legacy) ---- */

struct xt_walk {
	__u64 base;
	__u32 size;
	__u32 off;
	__u32 hook_entry[5];
	__u32 underflow[5];
	int builtin;		/* hook of the current builtin chain, or -1 */
	struct rule_ref ref;
};

static __always_inline void xt_enter_chain(struct xt_walk *w)
{
	int h;

	for (h = 0; h < 5; h++) {
		if (w->off != w->hook_entry[h])
			continue;
		w->builtin = h;
		w->ref.index = 0;
		__builtin_memcpy(w->ref.chain, builtin_chains[h], DW_CHAIN_NAME_LEN);
	}
}

static __always_inline bool xt_is_policy(struct xt_walk *w)
{
	int h = w->builtin;

	return h >= 0 && h < 5 && w->off == w->underflow[h];
}

/* bpf_loop hands callbacks a stack pointer: carry the map value in it. */
struct walk_ctx {
	void *walk;
};

static long xt_walk_entry(__u64 i, void *ctx)
{
	struct xt_walk *w = ((struct walk_ctx *)ctx)->walk;
	struct ipt_entry *e = (void *)(w->base + w->off);
	struct xt_entry_target *t;
	struct xt_target *target;
	__u16 target_offset, next_offset;
	char name[8] = {};
	int verdict = 0;

	if (w->off >= w->size)
		return 1;
	target_offset = BPF_CORE_READ(e, target_offset);
	next_offset = BPF_CORE_READ(e, next_offset);
	if (!next_offset)
		return 1;
	xt_enter_chain(w);
	t = (void *)e + target_offset;
	target = BPF_CORE_READ(t, u.kernel.target);
	bpf_probe_read_kernel(name, sizeof(name), &target->name);
	if (name_is(name, "ERROR\0\0\0")) {
		/* ERROR entries head user-defined chains and end the table. */
		bpf_probe_read_kernel_str(w->ref.chain, DW_CHAIN_NAME_LEN, t->data);
		w->builtin = -1;
		w->ref.index = 0;
	} else {
		w->ref.index++;
		bpf_probe_read_kernel(&verdict, sizeof(verdict), t->data);
		if (!name[0] && verdict == DW_XT_DROP_VERDICT)
			w->ref.verdict = DW_VERDICT_DROP;
		else if (name_is(name, "REJECT\0\0"))
			w->ref.verdict = DW_VERDICT_REJECT;
		else
			w->ref.verdict = 0;
		if (w->ref.verdict) {
			__u16 index = w->ref.index;

			if (xt_is_policy(w))
				w->ref.index = 0;
			w->ref.handle = w->off;
			cache_add(percpu_counters ?
				  BPF_CORE_READ(e, counters.pcnt) :
				  (__u64)&e->counters.pcnt, &w->ref);
			w->ref.index = index;
		}
	}
	w->off += next_offset;
	return 0;
}

/* Walk state lives in a map: BPF stacks are too small for it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_walk);
} xt_walk_scratch SEC(".maps");

static __always_inline void xt_build(struct xt_table *table)
{
	struct xt_table_info *info = BPF_CORE_READ(table, private);
	__u32 zero = 0;
	struct xt_walk *w = bpf_map_lookup_elem(&xt_walk_scratch, &zero);

	if (!w)
		return;
	__builtin_memset(w, 0, sizeof(*w));
	w->builtin = -1;
	w->ref.kind = DW_RULE_XT;
	w->ref.family = BPF_CORE_READ(table, af);
	bpf_probe_read_kernel_str(w->ref.table, DW_TABLE_NAME_LEN, table->name);
	w->size = BPF_CORE_READ(info, size);
	BPF_CORE_READ_INTO(&w->hook_entry, info, hook_entry);
	BPF_CORE_READ_INTO(&w->underflow, info, underflow);
	w->base = (__u64)info + bpf_core_field_offset(struct xt_table_info, entries);
	struct walk_ctx ctx = { .walk = w };

	bpf_loop(DW_MAX_XT_ENTRIES, xt_walk_entry, &ctx, 0);
}

/* ---- nf_tables (iptables-nft and native nft) ---- */

struct nft_walk {
	__u64 pos;
	__u64 end;
	__u64 chains[DW_MAX_NFT_CHAINS];
	__u32 nr_chains;
	__u8 genbit;
	struct rule_ref ref;
};

static __always_inline struct nft_rule_blob *nft_blob(struct nft_chain *chain,
						      __u8 genbit)
{
	return genbit ? BPF_CORE_READ(chain, blob_gen_1) :
			BPF_CORE_READ(chain, blob_gen_0);
}

struct nft_rule_facts {
	__u64 counter;
	__u8 verdict;
};

/* Classify one expression by its type's name; queue jump targets. */
static __always_inline void nft_expr_facts(struct nft_walk *w,
					   struct nft_expr *expr,
					   struct nft_rule_facts *facts)
{
	const struct nft_expr_ops *ops = BPF_CORE_READ(expr, ops);
	const char *type_name = BPF_CORE_READ(ops, type, name);
	void *priv = (void *)expr + bpf_core_field_offset(struct nft_expr, data);
	char name[12] = {};

	bpf_probe_read_kernel_str(name, sizeof(name), type_name);
	if (name_is(name, "counter\0")) {
		struct nft_counter_percpu_priv *c = priv;

		facts->counter = (__u64)BPF_CORE_READ(c, counter) +
				 bpf_core_field_offset(struct nft_counter, packets);
	} else if (name_is(name, "immediat")) {
		struct nft_immediate_expr *imm = priv;
		int code = BPF_CORE_READ(imm, data.verdict.code);

		if (BPF_CORE_READ(imm, dreg) != 0)
			return;
		if (code == DW_NF_DROP)
			facts->verdict = DW_VERDICT_DROP;
		else if ((code == DW_NFT_JUMP || code == DW_NFT_GOTO) &&
			 w->nr_chains < DW_MAX_NFT_CHAINS)
			w->chains[w->nr_chains++ & (DW_MAX_NFT_CHAINS - 1)] =
				(__u64)BPF_CORE_READ(imm, data.verdict.chain);
	} else if (name_is(name, "reject\0\0")) {
		facts->verdict = DW_VERDICT_REJECT;
	} else if (name_is(name, "target\0\0")) {
		/* iptables-nft keeps x_tables targets; ops->data is the target. */
		struct xt_target *target = BPF_CORE_READ(ops, data);
		char tname[8] = {};

		bpf_probe_read_kernel(tname, sizeof(tname), &target->name);
		if (name_is(tname, "REJECT\0\0"))
			facts->verdict = DW_VERDICT_REJECT;
	}
}

struct expr_walk {
	struct nft_walk *walk;
	__u64 pos;
	__u64 end;
	struct nft_rule_facts facts;
};

/* One expression per call: the verifier checks this body only once. */
static long nft_walk_expr(__u64 i, void *ctx)
{
	struct expr_walk *x = ctx;
	struct nft_expr *e = (void *)x->pos;
	__u32 size;

	if (x->pos >= x->end)
		return 1;
	size = BPF_CORE_READ(e, ops, size);
	nft_expr_facts(x->walk, e, &x->facts);
	if (!size)
		return 1;
	x->pos += size;
	return 0;
}

static long nft_walk_rule(__u64 i, void *ctx)
{
	struct nft_walk *w = ((struct walk_ctx *)ctx)->walk;
	struct nft_rule_dp *rule = (void *)w->pos;
	struct expr_walk x = { .walk = w };

	if (w->pos >= w->end || BPF_CORE_READ_BITFIELD_PROBED(rule, is_last))
		return 1;
	x.pos = w->pos + bpf_core_field_offset(struct nft_rule_dp, data);
	x.end = x.pos + BPF_CORE_READ_BITFIELD_PROBED(rule, dlen);
	w->ref.index++;
	bpf_loop(DW_MAX_NFT_EXPRS, nft_walk_expr, &x, 0);
	if (x.facts.verdict && x.facts.counter) {
		w->ref.verdict = x.facts.verdict;
		w->ref.handle = BPF_CORE_READ_BITFIELD_PROBED(rule, handle);
		cache_add(x.facts.counter, &w->ref);
	}
	w->pos = x.end;
	return 0;
}

static __always_inline void nft_walk_chain(struct nft_walk *w,
					   struct nft_chain *chain)
{
	struct nft_rule_blob *blob = nft_blob(chain, w->genbit);
	struct walk_ctx ctx = { .walk = w };

	if (!blob)
		return;
	w->ref.index = 0;
	bpf_probe_read_kernel_str(w->ref.chain, DW_CHAIN_NAME_LEN,
				  BPF_CORE_READ(chain, name));
	w->pos = (__u64)blob + bpf_core_field_offset(struct nft_rule_blob, data);
	w->end = w->pos + BPF_CORE_READ(blob, size);
	bpf_loop(DW_MAX_NFT_RULES, nft_walk_rule, &ctx, 0);
}

/* A base chain's DROP policy counts in its stats, when it keeps them. */
static __always_inline void nft_add_policy(struct nft_walk *w,
					   struct nft_chain *chain)
{
	struct nft_base_chain *base = (void *)chain -
		bpf_core_field_offset(struct nft_base_chain, chain);
	struct nft_stats *stats = BPF_CORE_READ(base, stats);

	if (!stats || BPF_CORE_READ(base, policy) != DW_NF_DROP)
		return;
	bpf_probe_read_kernel_str(w->ref.chain, DW_CHAIN_NAME_LEN,
				  BPF_CORE_READ(chain, name));
	w->ref.index = 0;
	w->ref.handle = 0;
	w->ref.verdict = DW_VERDICT_DROP;
	cache_add((__u64)stats +
		  bpf_core_field_offset(struct nft_stats, pkts), &w->ref);
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nft_walk);
} nft_walk_scratch SEC(".maps");

static long nft_walk_next_chain(__u64 c, void *ctx)
{
	struct nft_walk *w = ((struct walk_ctx *)ctx)->walk;

	if (c >= w->nr_chains || c >= DW_MAX_NFT_CHAINS)
		return 1;
	nft_walk_chain(w, (void *)w->chains[c]);
	return 0;
}

static __always_inline void nft_build(struct nft_chain *base, __u8 genbit)
{
	struct nft_table *table = BPF_CORE_READ(base, table);
	__u32 zero = 0;
	struct nft_walk *w = bpf_map_lookup_elem(&nft_walk_scratch, &zero);

	if (!w)
		return;
	__builtin_memset(w, 0, sizeof(*w));
	w->genbit = genbit;
	w->ref.kind = DW_RULE_NFT;
	w->ref.family = BPF_CORE_READ_BITFIELD_PROBED(table, family);
	bpf_probe_read_kernel_str(w->ref.table, DW_TABLE_NAME_LEN,
				  BPF_CORE_READ(table, name));
	w->chains[0] = (__u64)base;
	w->nr_chains = 1;
	struct walk_ctx ctx = { .walk = w };

	bpf_loop(DW_MAX_NFT_CHAINS, nft_walk_next_chain, &ctx, 0);
	nft_add_policy(w, base);
}

/* ---- finding the tables at a hook ---- */

static __always_inline __u8 hook_kind(__u64 fn)
{
	if (fn && (fn == ipt_do_table_addr || fn == ip6t_do_table_addr))
		return DW_RULE_XT;
	if (fn && (fn == nft_do_chain_ipv4_addr ||
		   fn == nft_do_chain_ipv6_addr || fn == nft_do_chain_inet_addr))
		return DW_RULE_NFT;
	return DW_RULE_NONE;
}

/*
 * The tables registered at exactly this priority (at most two: say a
 * legacy and an nft filter table), from the kernel's hook array.
 */
static __always_inline struct nf_hook_entries *hook_entries_of(struct net *net,
								__u8 pf, __u8 hook)
{
	struct nf_hook_entries *entries = NULL;

	if (hook >= 5)
		return NULL;
	if (pf == 2)
		bpf_core_read(&entries, sizeof(entries), &net->nf.hooks_ipv4[hook]);
	else if (pf == 10)
		bpf_core_read(&entries, sizeof(entries), &net->nf.hooks_ipv6[hook]);
	return entries;
}

static __always_inline int tables_at(struct nf_hook_entries *entries,
				     __s32 priority, struct hook_table *out)
{
	struct nf_hook_ops **ops_array;
	struct nf_hook_entry entry;
	struct nf_hook_ops *ops;
	int i, found = 0;
	__u16 num;

	if (!entries)
		return 0;
	num = BPF_CORE_READ(entries, num_hook_entries);
	ops_array = (void *)entries +
		    bpf_core_field_offset(struct nf_hook_entries, hooks) +
		    num * sizeof(struct nf_hook_entry);
	for (i = 0; i < DW_MAX_HOOK_ENTRIES && i < num && found < 2; i++) {
		bpf_probe_read_kernel(&ops, sizeof(ops), &ops_array[i]);
		if (BPF_CORE_READ(ops, priority) != priority)
			continue;
		bpf_core_read(&entry, sizeof(entry), &entries->hooks[i]);
		out[found].kind = hook_kind((__u64)entry.hook);
		out[found].priv = (__u64)entry.priv;
		if (out[found].kind)
			found++;
	}
	return found;
}

static __always_inline struct table_key table_key_of(struct net *net,
						     struct hook_table *ht,
						     __u8 *genbit)
{
	struct table_key key = { .priv = ht->priv };
	struct xt_table *table = (void *)key.priv;

	if (ht->kind == DW_RULE_XT) {
		key.generation = (__u64)BPF_CORE_READ(table, private);
	} else {
		*genbit = BPF_CORE_READ(net, nft.gencursor);
		/* Any commit bumps base_seq: covers jumped-to chains too. */
		key.generation = ((__u64)BPF_CORE_READ(net, nft.base_seq) << 1) |
				 *genbit;
	}
	return key;
}

/* Walk the table's rules and cache its dropping entries (priming only). */
static __always_inline struct table_cache *table_cache_build(struct net *net,
							     struct hook_table *ht)
{
	struct table_cache *cache;
	struct table_key key;
	__u8 genbit = 0;
	__u32 zero = 0;

	key = table_key_of(net, ht, &genbit);
	cache = bpf_map_lookup_elem(&table_caches, &key);
	/* Another CPU inserted the key: this CPU's copy starts empty. */
	if (cache && cache->count)
		return cache;
	cache = bpf_map_lookup_elem(&cache_scratch, &zero);
	if (!cache)
		return NULL;
	cache->count = 0;
	cache->truncated = 0;
	if (ht->kind == DW_RULE_XT)
		xt_build((void *)ht->priv);
	else
		nft_build((void *)ht->priv, genbit);
	bpf_map_update_elem(&table_caches, &key, cache, BPF_ANY);
	return bpf_map_lookup_elem(&table_caches, &key);
}

/* The cached entries of the table's current generation, if primed. */
static __always_inline struct table_cache *table_cache_find(struct net *net,
							    struct hook_table *ht)
{
	struct table_key key;
	__u8 genbit = 0;

	key = table_key_of(net, ht, &genbit);
	return bpf_map_lookup_elem(&table_caches, &key);
}

static __always_inline __u32 slot_index(__u8 pf, __u8 hook, __u8 slot)
{
	return (pf == 10 ? 5 * DW_NF_SLOTS : 0) + hook * DW_NF_SLOTS + slot;
}

/* ---- comparing counters ---- */

struct compare_result {
	__u32 moved;
	__u32 unprimed;
	bool prime;
	struct table_cache *cache;
	struct rule_ref first;
};

static long compare_entry(__u64 i, void *ctx)
{
	struct compare_result *res = ctx;
	struct cached_entry *entry;
	__u64 now, *seen;

	if (i >= res->cache->count || i >= DW_MAX_DROP_ENTRIES)
		return 1;
	entry = &res->cache->entries[i];
	now = read_percpu_u64(entry->counter) + 1;
	seen = &entry->seen;
	if (!*seen) {
		res->unprimed++;
	} else if (*seen != now && !res->prime) {
		if (!res->moved)
			__builtin_memcpy(&res->first, &entry->ref, sizeof(res->first));
		res->moved++;
	}
	*seen = now;
	return 0;
}

static __always_inline void compare_table(struct table_cache *cache,
					  struct compare_result *res)
{
	res->cache = cache;
	bpf_loop(DW_MAX_DROP_ENTRIES, compare_entry, res, 0);
}

/*
 * Priming: find the tables behind this slot, cache their dropping entries
 * and record this CPU's counters as the baseline.
 */
static __always_inline void prime_slot_tables(struct net *net, __u8 pf,
					      __u8 hook, __u8 slot,
					      struct compare_result *res)
{
	__u32 idx = slot_index(pf, hook, slot);
	struct slot_priority *sp = bpf_map_lookup_elem(&slot_priorities, &idx);
	struct slot_tables *st = bpf_map_lookup_elem(&slot_tables, &idx);
	struct table_cache *cache;
	int i;

	if (!sp || !sp->valid || !st)
		return;
	st->hook_entries = (__u64)hook_entries_of(net, pf, hook);
	st->count = tables_at((void *)st->hook_entries, sp->priority, st->tables);
	for (i = 0; i < 2 && i < st->count; i++) {
		cache = table_cache_build(net, &st->tables[i]);
		if (cache)
			compare_table(cache, res);
	}
}

/*
 * At a drop: compare the counters of the tables priming found behind this
 * slot. A changed hook array or table generation means priming is stale.
 */
static __always_inline void compare_slot(struct net *net, __u8 pf, __u8 hook,
					 __u8 slot, struct compare_result *res)
{
	__u32 idx = slot_index(pf, hook, slot);
	struct slot_tables *st = bpf_map_lookup_elem(&slot_tables, &idx);
	struct table_cache *cache;
	int i;

	if (!st || !st->hook_entries ||
	    st->hook_entries != (__u64)hook_entries_of(net, pf, hook)) {
		res->unprimed++;
		return;
	}
	for (i = 0; i < 2 && i < st->count; i++) {
		cache = table_cache_find(net, &st->tables[i]);
		if (cache)
			compare_table(cache, res);
		else
			res->unprimed++;
	}
}

static __always_inline void attribute_drop(struct sk_buff *skb,
					   struct drop_event *ev)
{
	struct compare_result res = {};
	struct net *net;
	__u32 zero = 0;
	__u64 *requests;

	if (!(ev->flags & DW_EV_HAS_HOOK))
		return;
	net = BPF_CORE_READ(skb, dev, nd_net.net);
	if (!net)
		return;
	compare_slot(net, ev->nf_pf, ev->nf_hook, ev->nf_slot, &res);
	ev->rule_moved = res.moved > 255 ? 255 : res.moved;
	if (res.moved == 1)
		ev->rule_state = DW_ATTR_EXACT;
	else if (res.moved > 1)
		ev->rule_state = DW_ATTR_AMBIGUOUS;
	else if (res.unprimed)
		ev->rule_state = DW_ATTR_UNPRIMED;
	else
		ev->rule_state = DW_ATTR_NOMOVE;
	if (res.moved)
		__builtin_memcpy(&ev->rule, &res.first, sizeof(ev->rule));
	if (res.unprimed) {
		requests = bpf_map_lookup_elem(&reprime_requests, &zero);
		if (requests)
			__sync_fetch_and_add(requests, 1);
	}
}

#endif /* ATTRIB_BPF_H */
