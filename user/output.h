/* SPDX-License-Identifier: GPL-2.0 */
/* Sinks: a readable line per drop, or one JSON object per line. */
#ifndef DW_OUTPUT_H
#define DW_OUTPUT_H

#include <stdio.h>
#include "record.h"

void output__text(FILE *out, const struct drop_record *rec);
/* The DESIGN schema keys in order, then the extra keys; see README. */
void output__json(FILE *out, const struct drop_record *rec);

#endif
