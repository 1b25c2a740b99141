// SPDX-License-Identifier: GPL-2.0
/*
 * A packet's way through a chain, as the kernel takes it: rules in order,
 * jumps push a chain, gotos replace one, returns pop, the base chain's
 * policy decides when it runs out. Where a rule's match cannot be decided
 * the walk goes on as if it did not match, and explores the other way
 * later only to learn which entries could have dropped the packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "ruleset_priv.h"

/* Rule evaluations one walk may spend on all its paths together. */
#define WALK_BUDGET	100000

struct walk_frame {
	const struct fw_chain *chain;
	size_t next;			/* the next rule to look at */
};

/* Where a path stands: its call stack, and whether to take the next rule. */
struct walk_state {
	struct walk_frame frames[FW_WALK_DEPTH];
	int depth;
	bool take_next;
};

struct walk_ctx {
	const struct ruleset *rs;
	const struct fw_packet *p;
	const struct fw_chain *base;
	struct fw_verdict_path *out;
	struct walk_state *pending;	/* the ways not taken yet */
	size_t nr_pending;
	size_t pending_cap;
	size_t budget;
	bool decided;			/* the first path has ended */
};

enum step_result {
	STEP_NEXT,
	STEP_END,
};

static void add_candidate(struct fw_verdict_path *out,
			  const struct fw_rule *rule,
			  const struct fw_chain *chain)
{
	int i;

	for (i = 0; i < out->nr_candidates; i++)
		if (out->candidates[i].rule == rule &&
		    out->candidates[i].chain == chain)
			return;
	if (out->nr_candidates == FW_MAX_CANDIDATES) {
		out->candidates_truncated = true;
		return;
	}
	out->candidates[out->nr_candidates].rule = rule;
	out->candidates[out->nr_candidates].chain = chain;
	out->nr_candidates++;
}

/* A path ended at rule (NULL: the base chain's policy) with verdict. */
static void path_end(struct walk_ctx *ctx, const struct fw_rule *rule,
		     const struct fw_chain *chain, enum fw_verdict verdict)
{
	if (!ctx->decided) {
		ctx->out->verdict = verdict;
		ctx->out->decision.rule = rule;
		ctx->out->decision.chain = chain;
		ctx->decided = true;
	}
	if (verdict == FW_V_DROP || verdict == FW_V_REJECT)
		add_candidate(ctx->out, rule, chain);
}

static void policy_end(struct walk_ctx *ctx)
{
	path_end(ctx, NULL, ctx->base, ctx->base->policy);
}

/* A path the walk cannot follow: it proves nothing either way. */
static enum step_result path_lost(struct walk_ctx *ctx, const char *why,
				  const char *chain)
{
	log_debug("rule walk: %s %s", why, chain);
	ctx->out->certain = false;
	ctx->decided = true;
	return STEP_END;
}

static int remember_branch(struct walk_ctx *ctx, const struct walk_state *st)
{
	struct walk_state *bigger;
	size_t cap;

	if (ctx->nr_pending == ctx->pending_cap) {
		cap = ctx->pending_cap ? ctx->pending_cap * 2 : 8;
		bigger = realloc(ctx->pending, cap * sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		ctx->pending = bigger;
		ctx->pending_cap = cap;
	}
	ctx->pending[ctx->nr_pending++] = *st;
	return 0;
}

static const struct fw_chain *jump_target(const struct walk_ctx *ctx,
					  const struct fw_rule *r)
{
	return ruleset__chain(ctx->rs, r->backend, r->family, r->table,
			      r->target);
}

/* Take rule r, whose match holds on this path. */
static enum step_result take_rule(struct walk_ctx *ctx, struct walk_state *st,
				  const struct fw_rule *r)
{
	struct walk_frame *top = &st->frames[st->depth - 1];
	const struct fw_chain *target;

	switch (r->verdict) {
	case FW_V_NONE:
		return STEP_NEXT;
	case FW_V_RETURN:
		if (st->depth == 1) {
			policy_end(ctx);
			return STEP_END;
		}
		st->depth--;
		return STEP_NEXT;
	case FW_V_JUMP:
	case FW_V_GOTO:
		target = jump_target(ctx, r);
		if (!target)
			return path_lost(ctx, "no chain", r->target);
		if (r->verdict == FW_V_JUMP) {
			if (st->depth == FW_WALK_DEPTH)
				return path_lost(ctx, "too deep at", r->target);
			top = &st->frames[st->depth++];
		}
		top->chain = target;
		top->next = 0;
		return STEP_NEXT;
	default:
		path_end(ctx, r, ruleset__rule_chain(ctx->rs, r), r->verdict);
		return STEP_END;
	}
}

/* The next rule of the innermost chain, or NULL when that chain ran out. */
static const struct fw_rule *next_rule(struct walk_ctx *ctx,
				       struct walk_state *st)
{
	struct walk_frame *top = &st->frames[st->depth - 1];

	if (top->next >= top->chain->rule_count)
		return NULL;
	return &ctx->rs->rules[top->chain->rule_first + top->next++];
}

/* Remember the way where the undecidable rule just read does match. */
static int branch_here(struct walk_ctx *ctx, const struct walk_state *st)
{
	struct walk_state taken = *st;

	taken.frames[taken.depth - 1].next--;
	taken.take_next = true;
	ctx->out->certain = false;
	return remember_branch(ctx, &taken);
}

/* Follow one path to its end; undecidable turns become pending paths. */
static int walk_path(struct walk_ctx *ctx, struct walk_state *st)
{
	const struct fw_rule *r;
	enum fw_match_result res;

	for (;;) {
		if (!ctx->budget) {
			ctx->nr_pending = 0;
			path_lost(ctx, "gave up in", ctx->base->name);
			return 0;
		}
		ctx->budget--;
		r = next_rule(ctx, st);
		if (!r && st->depth == 1) {
			policy_end(ctx);
			return 0;
		}
		if (!r) {
			st->depth--;
			continue;
		}
		res = st->take_next ? FW_MATCH
				    : fw_match__eval(&r->match, ctx->p);
		st->take_next = false;
		/* An undecidable LOG changes nothing: no need to branch. */
		if (res == FW_MAYBE && r->verdict != FW_V_NONE &&
		    branch_here(ctx, st))
			return -ENOMEM;
		if (res != FW_MATCH)
			continue;
		if (take_rule(ctx, st, r) == STEP_END)
			return 0;
	}
}

int ruleset__walk(const struct ruleset *rs, enum fw_backend backend,
		  const char *family, const char *table, const char *chain,
		  const struct fw_packet *p, struct fw_verdict_path *out)
{
	struct walk_ctx ctx = { .rs = rs, .p = p, .out = out,
				.budget = WALK_BUDGET };
	struct walk_state st = { .depth = 1 };
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->certain = true;
	ctx.base = ruleset__chain(rs, backend, family, table, chain);
	if (!ctx.base)
		return -ENOENT;
	st.frames[0].chain = ctx.base;
	err = walk_path(&ctx, &st);
	while (!err && ctx.nr_pending) {
		st = ctx.pending[--ctx.nr_pending];
		err = walk_path(&ctx, &st);
	}
	free(ctx.pending);
	return err;
}
