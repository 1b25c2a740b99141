/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The catalogue of causes: from reason, hook, rule and the watch set to a
 * one-line cause and, where one exists, the command that fixes it.
 */
#ifndef DW_EXPLAIN_H
#define DW_EXPLAIN_H

#include "record.h"

/* Fill rec->cause and rec->fix (empty when there is no fix to offer). */
void explain__drop(struct drop_record *rec);

#endif
