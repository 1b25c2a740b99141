/* SPDX-License-Identifier: GPL-2.0 */
/* One funnel for everything dropwhy says on stderr. */
#ifndef DW_LOG_H
#define DW_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Exit statuses, documented in --help and the README. */
#define DW_EXIT_OK	0
#define DW_EXIT_FAIL	1
#define DW_EXIT_USAGE	2

extern bool log_verbose;

/* "dropwhy: error: <message>", one line. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "dropwhy: <message>", status lines such as "attached". */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
