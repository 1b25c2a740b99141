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
/* Index of a chain in rs->chains, or -1. */
long ruleset__chain_id(const struct ruleset *rs, enum fw_backend backend,
		       const char *family, const char *table,
		       const char *name);
/* Put rules in chain order and point every chain at its rules. */
void ruleset__index_rules(struct ruleset *rs);

/* Bounded copy that always terminates dst. */
void fw_copy(char *dst, size_t size, const char *src);

#endif
