/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the ruleset parsers; not for other modules. */
#ifndef DW_RULESET_PRIV_H
#define DW_RULESET_PRIV_H

#include "ruleset.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A new chain, zeroed but for its names; NULL on allocation failure. */
struct fw_chain *ruleset__add_chain(struct ruleset *rs,
				    enum fw_backend backend,
				    const char *family, const char *table,
				    const char *name);
/* A new last rule of chain chain_id; NULL on allocation failure. */
struct fw_rule *ruleset__add_rule(struct ruleset *rs, size_t chain_id);
/* Give r a copy of text (cut at FW_TEXT_LEN); -ENOMEM leaves it "". */
int fw_rule__set_text(struct fw_rule *r, const char *text);
/* *dst = *src with a text of its own; -ENOMEM leaves it "". */
int fw_rule__copy(struct fw_rule *dst, const struct fw_rule *src);
/* Index of a chain in rs->chains, or -1. */
long ruleset__chain_id(const struct ruleset *rs, enum fw_backend backend,
		       const char *family, const char *table,
		       const char *name);
/* Put rules in chain order and point every chain at its rules. */
void ruleset__index_rules(struct ruleset *rs);

/*
 * The verdict of an iptables target that is not a chain: ACCEPT, DROP,
 * REJECT, RETURN; FW_V_NONE for targets after which evaluation goes on
 * (LOG, MARK, ...); FW_V_OTHER for the rest (DNAT, NFQUEUE, ...).
 */
enum fw_verdict fw_target__verdict(const char *name);

/* What "iptables --version" said, unless set by the user. */
void ruleset__plain_iptables_detected(int backend);

/* Whether word is one of the n strings of list. */
bool fw_in_list(const char *word, const char *const *list, size_t n);

/* Text built piece by piece into a fixed buffer. */
struct fw_text {
	char *buf;
	size_t size;
	size_t used;
	bool truncated;
};

void fw_text__init(struct fw_text *t, char *buf, size_t size);
void fw_text__add(struct fw_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Bounded copy that always terminates dst. */
void fw_copy(char *dst, size_t size, const char *src);

#endif
