/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One rule of "nft -j list ruleset": its "expr" array turned into what the
 * rule matches, its verdict and counter, and a compact nft-syntax text.
 */
#ifndef DW_NFT_EXPR_H
#define DW_NFT_EXPR_H

#include <jansson.h>
#include "ruleset.h"

/* The key of a one-key object such as {"accept": null}, and its value. */
const char *nft_expr__kind(json_t *obj, json_t **value);

/* Fill r's match, verdict, target, counters and text from exprs. */
int nft_expr__parse_rule(struct fw_rule *r, json_t *exprs);

#endif
