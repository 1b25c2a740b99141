/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot of one network namespace's firewall as iptables-legacy,
 * iptables-nft and native nftables hold it: chains with their policies and
 * counters, rules in order with their text, verdict and counters, and what
 * each rule matches. On top of it: walking a packet through a chain as the
 * kernel would, comparing counters of two snapshots, and writing the
 * ACCEPT rule that would let a dropped packet through.
 */
#ifndef DW_RULESET_H
#define DW_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rule_match.h"

#define FW_FAMILY_LEN	8
#define FW_TABLE_LEN	32
#define FW_CHAIN_LEN	64
#define FW_HOOK_LEN	16
#define FW_TEXT_LEN	512
#define FW_WALK_DEPTH	16
#define FW_MAX_CANDIDATES 16

enum fw_backend {
	FW_IPTABLES_LEGACY,
	FW_IPTABLES_NFT,
	FW_NFTABLES,
	FW_NR_BACKENDS,
};

/*
 * FW_V_NONE: the rule decides nothing and evaluation goes on (LOG, a bare
 * counter); for chains, no policy (user chains). FW_V_OTHER: the rule ends
 * the chain without accepting or dropping as such (DNAT, NFQUEUE, ...).
 */
enum fw_verdict {
	FW_V_NONE,
	FW_V_ACCEPT,
	FW_V_DROP,
	FW_V_REJECT,
	FW_V_JUMP,
	FW_V_GOTO,
	FW_V_RETURN,
	FW_V_OTHER,
};

/* What a backend's tool said during the last snapshot. */
enum fw_tool_state {
	FW_TOOL_UNTRIED,
	FW_TOOL_OK,		/* read, possibly empty */
	FW_TOOL_MISSING,	/* not installed */
	FW_TOOL_FAILED,		/* installed, but failed or timed out */
};

struct fw_rule {
	uint64_t packets;
	uint64_t bytes;
	long long handle;		/* nft handle; -1: none (legacy) */
	enum fw_backend backend;
	enum fw_verdict verdict;
	int index;			/* 1-based position in its chain */
	size_t chain_id;		/* its chain is rs->chains[chain_id] */
	bool has_counter;
	char family[FW_FAMILY_LEN];	/* "ip", "ip6", "inet" */
	char table[FW_TABLE_LEN];
	char chain[FW_CHAIN_LEN];
	char target[FW_CHAIN_LEN];	/* jump/goto chain; LOG, DNAT... */
	/*
	 * "-A INPUT -i lo -j ACCEPT", or nft syntax for native nftables;
	 * never NULL. Held apart from the record: most texts are a tenth of
	 * FW_TEXT_LEN, and a snapshot of 10 000 rules is held twice.
	 */
	char *text;
	struct fw_match match;
};

struct fw_chain {
	uint64_t policy_packets;
	uint64_t policy_bytes;
	enum fw_backend backend;
	enum fw_verdict policy;		/* FW_V_NONE for user chains */
	int priority;
	size_t rule_first;		/* its rules start at rs->rules[] */
	size_t rule_count;
	bool base;
	bool has_policy_counter;
	char family[FW_FAMILY_LEN];
	char table[FW_TABLE_LEN];
	char name[FW_CHAIN_LEN];
	char hook[FW_HOOK_LEN];		/* "INPUT"...; "": user chain */
};

struct ruleset {
	struct fw_chain *chains;
	size_t nr_chains;
	size_t chains_cap;
	struct fw_rule *rules;
	size_t nr_rules;
	size_t rules_cap;
	enum fw_tool_state tools[FW_NR_BACKENDS];
};

/* The outcome of ruleset__walk(). */
struct fw_walk_entry {
	const struct fw_rule *rule;	/* NULL: the policy of chain */
	const struct fw_chain *chain;
};

struct fw_verdict_path {
	/* The first terminal decision, taking every "maybe" as "no". */
	enum fw_verdict verdict;	/* ACCEPT, DROP, REJECT, OTHER, NONE */
	struct fw_walk_entry decision;
	bool certain;			/* no undecidable turn taken */
	/* Every entry that could drop the packet on some possible path. */
	struct fw_walk_entry candidates[FW_MAX_CANDIDATES];
	int nr_candidates;
	bool candidates_truncated;
};

/* A drop-capable entry whose counters moved between two snapshots. */
struct fw_counter_delta {
	const struct fw_rule *rule;	/* in "after"; NULL: chain policy */
	const struct fw_chain *chain;	/* in "after" */
	uint64_t packets;
	uint64_t bytes;
};

void ruleset__init(struct ruleset *rs);
void ruleset__free(struct ruleset *rs);

/*
 * Read every backend installed, in the namespace netns_fd (-1: ours),
 * into rs, which this initialises (release it with ruleset__free()).
 * Missing tools are recorded in rs->tools, not errors. Each tool gets 5 s.
 * Returns 0, or -1 when no backend could be read at all.
 */
int ruleset__snapshot(struct ruleset *rs, int netns_fd);

/*
 * Parse "iptables-save -c" output of one backend and family ("ip"/"ip6").
 * Lines it cannot read are skipped with a warning. 0, or -1 without memory.
 */
int ruleset__parse_iptables_save(struct ruleset *rs, enum fw_backend backend,
				 const char *family, const char *text);
/*
 * Parse "nft -j -a list ruleset". Tables already read from iptables-nft
 * are not added again; their rules lend their handles to those rules.
 * 0, or -1 when the JSON does not parse or memory runs out.
 */
int ruleset__parse_nft_json(struct ruleset *rs, const char *json);

const char *fw_backend__name(enum fw_backend backend);
const char *fw_verdict__name(enum fw_verdict verdict);

const struct fw_chain *ruleset__chain(const struct ruleset *rs,
				      enum fw_backend backend,
				      const char *family, const char *table,
				      const char *name);
/* The rules of chain in order; *count is set to their number. */
const struct fw_rule *ruleset__chain_rules(const struct ruleset *rs,
					   const struct fw_chain *chain,
					   size_t *count);
const struct fw_chain *ruleset__rule_chain(const struct ruleset *rs,
					   const struct fw_rule *rule);

bool fw_rule__drops(const struct fw_rule *r);
/* Whether a match ends the packet's walk with a decision. */
bool fw_rule__terminal(const struct fw_rule *r);
bool fw_chain__policy_drops(const struct fw_chain *c);

/*
 * Evaluate p from base chain name like the kernel: follow jumps, gotos
 * and returns up to FW_WALK_DEPTH chains deep. 0, -ENOENT when the
 * chain does not exist, or -ENOMEM.
 */
int ruleset__walk(const struct ruleset *rs, enum fw_backend backend,
		  const char *family, const char *table, const char *chain,
		  const struct fw_packet *p, struct fw_verdict_path *out);

/*
 * Fill out with up to max drop-capable entries (DROP/REJECT rules, DROP
 * policies, with counters) whose packet counter grew from before to
 * after. Returns how many there are, which may exceed max.
 */
size_t ruleset__counter_diff(const struct ruleset *before,
			     const struct ruleset *after,
			     struct fw_counter_delta *out, size_t max);

/*
 * The command that inserts an ACCEPT for p just before the dropping rule
 * (or appends it, when the chain's policy dropped p), in the syntax of the
 * chain's backend. before_dnat: the chain sees p before DNAT, so match
 * its original destination. The command is never run. 0, or -1 when no
 * command can be written (or it does not fit len).
 */
int ruleset__fix_command(const struct fw_rule *rule,
			 const struct fw_chain *chain,
			 const struct fw_packet *p, bool before_dnat,
			 char *buf, size_t len);
/*
 * Which backend plain "iptables" runs on this host, so fix commands name
 * iptables-legacy or iptables-nft only when it is the other one. The
 * snapshot detects it; this overrides it (-1: unknown, write "iptables").
 */
void ruleset__set_plain_iptables(int backend);

#endif
