/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which firewall entry dropped this packet: exact, from per-CPU counters.
 *
 * Only entries that drop (DROP and REJECT rules, a chain's DROP policy) can
 * cause a netfilter drop, and their per-CPU packet counters move only when
 * they drop a packet on that CPU. So when a watched packet enters a table
 * (a netfilter sentinel just before it, or fentry on the table's do
 * function), snapshot this CPU's counters of the table's dropping entries;
 * if the packet is then dropped, the one entry that moved since the
 * snapshot dropped it. Unwatched packets take no snapshot, and their drops
 * compare nothing.
 *
 * The kernel itself tells where the tables are: net->nf.hooks_ipv4[hook]
 * lists each hook function with its priv (an x_tables table, or an
 * nf_tables base chain) and, after them, the nf_hook_ops with priorities;
 * fentry gets the table as an argument. The dropping entries of a table
 * generation are found once per CPU, by walking its rules, and cached.
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

/*
 * Kernel function addresses from kallsyms. Not rodata: the loader writes
 * them after the programs load and before they attach, because it reads
 * kallsyms only once libbpf has freed its copy of the kernel BTF.
 */
__u64 ipt_do_table_addr;
__u64 ip6t_do_table_addr;
__u64 nft_do_chain_ipv4_addr;
__u64 nft_do_chain_ipv6_addr;
__u64 nft_do_chain_inet_addr;
/*
 * Where nf_tables keeps its per-namespace id (kallsyms), for kernels whose
 * base_seq lives in the module's net_generic area rather than in struct
 * net (before it moved into netns_nftables).
 */
__u64 nf_tables_net_id_addr;
/* x_tables counters are per-CPU only on SMP kernels. */
const volatile bool percpu_counters = true;
/*
 * Whether the modules' types were in BTF at load (x_tables, nf_tables):
 * the verifier prunes the walks of the kinds that are not.
 */
const volatile bool have_xtables = true;
const volatile bool have_nftables = true;

/*
 * Where each recent packet entered a table, a few per CPU: a REJECT sends
 * its reply through the output hooks before the rejected packet is freed,
 * and the reply must not erase the note of the packet it answers. Each
 * position has its own counter snapshot (cached_entry.seen).
 */
#define DW_POSITIONS	4
#define DW_NOTE_TABLES	2

/* A table generation: a new ruleset means new counters. */
struct table_key {
	__u64 priv;
	__u64 generation;
};

/* What the entry probe could tell of a packet from its headers. */
#define DW_WATCH_NO	0	/* not watched */
#define DW_WATCH_YES	1	/* watched: the drop's parse would agree */
#define DW_WATCH_MAYBE	2	/* cannot tell cheaply: the drop decides */

struct hook_position {
	__u64 skb;
	__u8 pf;
	__u8 hook;
	__u8 slot;		/* sentinel slot, or DW_SLOT_TABLE for fentry */
	__u8 watched;		/* DW_WATCH_*; not NO: snapshots were taken */
	__u8 tables;		/* valid keys */
	__u8 cache[DW_NOTE_TABLES];	/* table_caches slot of each key */
	__u8 pad;
	struct table_key keys[DW_NOTE_TABLES];
};

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
	__u64 seen[DW_POSITIONS];	/* this CPU's count at each snapshot */
	struct rule_ref ref;
};

struct table_cache {
	struct table_key key;	/* the generation this slot holds */
	__u64 built_ns;		/* when walked, 0: empty; the older of two goes */
	__u32 count;
	__u32 truncated;	/* more dropping entries than fit */
	struct cached_entry entries[DW_MAX_DROP_ENTRIES];
};

/*
 * Per CPU: each CPU walks a table generation once, when its first watched
 * packet enters it, and keeps its snapshots next to the entries. A small
 * array, two-way set-associative by table key, not a hash map: finding a
 * table is a few instructions at entry and at the drop instead of a hash
 * lookup each (~40 ns), and old generations are simply overwritten as
 * rulesets change.
 */
#define DW_TABLE_CACHES	16

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DW_TABLE_CACHES);
	__type(key, __u32);
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
 * The tables behind each slot, with the hook array they were found in: a
 * watched packet re-reads the array only when the kernel replaced it.
 */
struct hook_table {
	__u64 priv;
	__u8 kind;
};

struct slot_tables {
	__u64 hook_entries;
	__u32 count;
	struct hook_table tables[DW_NOTE_TABLES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * 5 * DW_NF_SLOTS);
	__type(key, __u32);
	__type(value, struct slot_tables);
} slot_tables SEC(".maps");

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

/*
 * The walk's state lives in a map value, not on the stack: kernels before
 * 6.7 verify a bpf_loop callback as if it ran once, so facts that take two
 * iterations to gather (a counter, then a verdict) would look impossible
 * in a stack slot and the branch that uses them would be pruned as dead.
 */
struct nft_walk {
	__u64 pos;
	__u64 end;
	__u64 chains[DW_MAX_NFT_CHAINS];
	__u32 nr_chains;
	__u8 genbit;
	struct rule_ref ref;
	struct nft_rule_facts facts;	/* of the rule being walked */
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
	} else if (have_xtables && name_is(name, "target\0\0")) {
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
	nft_expr_facts(x->walk, e, &x->walk->facts);
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
	w->facts.counter = 0;
	w->facts.verdict = 0;
	bpf_loop(DW_MAX_NFT_EXPRS, nft_walk_expr, &x, 0);
	if (w->facts.verdict && w->facts.counter) {
		w->ref.verdict = w->facts.verdict;
		w->ref.handle = BPF_CORE_READ_BITFIELD_PROBED(rule, handle);
		cache_add(w->facts.counter, &w->ref);
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
	/* net is BTF-typed: plain loads, at constant offsets only. */
#define DW_HOOKS(array) \
	switch (hook) { \
	case 0: return net->nf.array[0]; \
	case 1: return net->nf.array[1]; \
	case 2: return net->nf.array[2]; \
	case 3: return net->nf.array[3]; \
	case 4: return net->nf.array[4]; \
	}
	if (pf == 2)
		DW_HOOKS(hooks_ipv4)
	else if (pf == 10)
		DW_HOOKS(hooks_ipv6)
#undef DW_HOOKS
	return NULL;
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

/* The nf_tables module's own per-namespace state, as older kernels lay it. */
struct nftables_pernet___net_generic {
	unsigned int base_seq;
} __attribute__((preserve_access_index));

/* This namespace's nf_tables commit sequence, wherever the kernel keeps it. */
static __always_inline __u32 nft_base_seq(struct net *net)
{
	struct nftables_pernet___net_generic *pernet = NULL;
	struct net_generic *gen;
	__u32 id = 0;

	if (bpf_core_field_exists(net->nft.base_seq))
		return net->nft.base_seq;
	if (!nf_tables_net_id_addr ||
	    bpf_probe_read_kernel(&id, sizeof(id), (void *)nf_tables_net_id_addr))
		return 0;
	gen = BPF_CORE_READ(net, gen);
	/* net_generic's ptr[] overlays the whole struct, indexed by id. */
	if (!gen || bpf_probe_read_kernel(&pernet, sizeof(pernet),
					  (void *)gen + id * sizeof(void *)) ||
	    !pernet)
		return 0;
	return BPF_CORE_READ(pernet, base_seq);
}

static __always_inline struct table_key table_key_of(struct net *net,
						     const struct hook_table *ht,
						     __u8 *genbit)
{
	struct table_key key = { .priv = ht->priv };
	struct xt_table *table = (void *)key.priv;
	__u32 seq;

	if (ht->kind == DW_RULE_XT) {
		if (have_xtables)
			key.generation = (__u64)BPF_CORE_READ(table, private);
		return key;
	}
	*genbit = net->nft.gencursor;
	/* Any commit bumps base_seq: covers jumped-to chains too. An unknown
	 * sequence leaves no cache: the drop falls back to userspace. */
	seq = nft_base_seq(net);
	key.generation = seq ? ((__u64)seq << 1) | *genbit : 0;
	return key;
}

static __always_inline bool same_key(const struct table_key *a,
				     const struct table_key *b)
{
	return a->priv == b->priv && a->generation == b->generation;
}

/* The first of the two slots a key may sit in. */
static __always_inline __u32 cache_set(const struct table_key *key)
{
	/* Tables and x_tables generations are pointers: skip aligned bits. */
	__u64 h = (key->priv >> 6) ^ (key->generation >> 6) ^ key->generation;

	return (__u32)(h ^ (h >> 11)) & (DW_TABLE_CACHES - 2);
}

static __always_inline bool holds(const struct table_cache *cache,
				  const struct table_key *key)
{
	return cache->built_ns && same_key(&cache->key, key);
}

/* This CPU's cache of a table generation at slot idx, if it holds it. */
static __always_inline struct table_cache *cache_at(__u32 idx,
						    const struct table_key *key)
{
	struct table_cache *cache = bpf_map_lookup_elem(&table_caches, &idx);

	return cache && holds(cache, key) ? cache : NULL;
}

/*
 * This CPU's cache of the table's current generation, and its slot; the
 * first watched packet to enter it on this CPU walks its rules, into the
 * less recently built of the key's two slots.
 */
static __always_inline struct table_cache *table_cache_get(struct net *net,
							   const struct hook_table *ht,
							   struct table_key *key,
							   __u32 *slot)
{
	struct table_cache *first, *second, *cache;
	__u32 zero = 0, idx;
	__u8 genbit = 0;

	*key = table_key_of(net, ht, &genbit);
	if (!key->generation)
		return NULL;
	idx = cache_set(key);
	first = bpf_map_lookup_elem(&table_caches, &idx);
	*slot = idx + 1;
	second = bpf_map_lookup_elem(&table_caches, slot);
	if (!first || !second)
		return NULL;
	if (holds(first, key)) {
		*slot = idx;
		return first;
	}
	if (holds(second, key))
		return second;
	/* An empty slot, else the one walked longer ago. */
	if (first->built_ns <= second->built_ns)
		*slot = idx;
	cache = bpf_map_lookup_elem(&cache_scratch, &zero);
	if (!cache)
		return NULL;
	cache->key = *key;
	cache->built_ns = bpf_ktime_get_ns();
	cache->count = 0;
	cache->truncated = 0;
	if (ht->kind == DW_RULE_XT) {
		if (have_xtables)
			xt_build((void *)ht->priv);
	} else if (have_nftables) {
		nft_build((void *)ht->priv, genbit);
	}
	/* From a program, a per-CPU array update writes this CPU's copy. */
	bpf_map_update_elem(&table_caches, slot, cache, BPF_ANY);
	return cache_at(*slot, key);
}

static __always_inline __u32 slot_index(__u8 pf, __u8 hook, __u8 slot)
{
	return (pf == 10 ? 5 * DW_NF_SLOTS : 0) + hook * DW_NF_SLOTS + slot;
}

/* ---- snapshots at entry, comparison at the drop ---- */

/* The snapshot's loop context. */
struct counter_walk {
	struct table_cache *cache;
	__u32 position;
};

/* The comparison's tally, in a map value for the reason nft_walk is. */
struct compare_tally {
	__u32 position;
	__u32 moved;
	struct rule_ref first;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct compare_tally);
} compare_scratch SEC(".maps");

static long snapshot_entry(__u64 i, void *ctx)
{
	struct counter_walk *w = ctx;
	struct cached_entry *entry;

	if (i >= w->cache->count || i >= DW_MAX_DROP_ENTRIES)
		return 1;
	entry = &w->cache->entries[i];
	entry->seen[w->position & (DW_POSITIONS - 1)] =
		read_percpu_u64(entry->counter);
	return 0;
}

/*
 * bpf_loop takes a stack context: the table it compares, and the tally,
 * which is map-held.
 */
struct compare_ctx {
	struct table_cache *cache;
	struct compare_tally *tally;
};

static long compare_entry(__u64 i, void *ctx)
{
	struct compare_ctx *c = ctx;
	struct compare_tally *w = c->tally;
	struct cached_entry *entry;

	if (i >= c->cache->count || i >= DW_MAX_DROP_ENTRIES)
		return 1;
	entry = &c->cache->entries[i];
	if (entry->seen[w->position & (DW_POSITIONS - 1)] ==
	    read_percpu_u64(entry->counter))
		return 0;
	if (!w->moved)
		__builtin_memcpy(&w->first, &entry->ref, sizeof(w->first));
	w->moved++;
	return 0;
}

/* Snapshot one table for the packet noted at pos; remember its key. */
static __always_inline void snapshot_table(struct net *net,
					   const struct hook_table *ht,
					   struct hook_position *pos,
					   __u32 position)
{
	struct counter_walk w = { .position = position };
	struct table_key key;
	__u32 n = pos->tables, slot = 0;

	if (n >= DW_NOTE_TABLES)
		return;
	w.cache = table_cache_get(net, ht, &key, &slot);
	if (!w.cache)
		return;
	bpf_loop(DW_MAX_DROP_ENTRIES, snapshot_entry, &w, 0);
	pos->keys[n] = key;
	pos->cache[n] = slot;
	pos->tables = n + 1;
}

/* The tables behind a sentinel slot, re-read when the hook array changed. */
static __always_inline struct slot_tables *slot_tables_of(struct net *net,
							  __u8 pf, __u8 hook,
							  __u8 slot)
{
	__u32 idx = slot_index(pf, hook, slot);
	struct slot_priority *sp = bpf_map_lookup_elem(&slot_priorities, &idx);
	struct slot_tables *st = bpf_map_lookup_elem(&slot_tables, &idx);
	struct nf_hook_entries *entries;

	if (!sp || !sp->valid || !st)
		return NULL;
	entries = hook_entries_of(net, pf, hook);
	if (st->hook_entries != (__u64)entries) {
		st->hook_entries = (__u64)entries;
		st->count = tables_at(entries, sp->priority, st->tables);
	}
	return st;
}

/*
 * At a netfilter drop of a watched packet: which dropping entry of the
 * tables it last entered moved since its snapshot.
 */
static __always_inline void attribute_drop(const struct hook_position *pos,
					   __u32 position,
					   struct drop_event *ev)
{
	struct compare_tally *w;
	struct compare_ctx ctx;
	__u32 i, zero = 0, missing = 0;

	w = bpf_map_lookup_elem(&compare_scratch, &zero);
	if (!w)
		return;
	ctx.tally = w;
	w->position = position;
	w->moved = 0;
	for (i = 0; i < DW_NOTE_TABLES && i < pos->tables; i++) {
		/* Gone when another generation took the slot meanwhile. */
		ctx.cache = cache_at(pos->cache[i], &pos->keys[i]);
		if (ctx.cache)
			bpf_loop(DW_MAX_DROP_ENTRIES, compare_entry, &ctx, 0);
		else
			missing++;
	}
	ev->rule_moved = w->moved > 255 ? 255 : w->moved;
	if (w->moved == 1)
		ev->rule_state = DW_ATTR_EXACT;
	else if (w->moved > 1)
		ev->rule_state = DW_ATTR_AMBIGUOUS;
	else if (missing || !pos->tables)
		ev->rule_state = DW_ATTR_UNPRIMED;
	else
		ev->rule_state = DW_ATTR_NOMOVE;
	if (w->moved)
		__builtin_memcpy(&ev->rule, &w->first, sizeof(ev->rule));
}

#endif /* ATTRIB_BPF_H */
