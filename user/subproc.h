/* SPDX-License-Identifier: GPL-2.0 */
/* Run a tool, without a shell, possibly in another network namespace. */
#ifndef DW_SUBPROC_H
#define DW_SUBPROC_H

/*
 * Run argv[0] (searched in PATH) in the network namespace netns_fd (-1:
 * ours) and collect its standard output into *out (malloc'ed, NUL
 * terminated; the caller frees it). Its standard error is discarded. It is
 * killed after timeout_ms. Returns its exit status (0-255), -ENOENT when
 * the program is not installed, -ETIMEDOUT, or another negative errno.
 */
int subproc__capture(char *const argv[], int netns_fd, int timeout_ms,
		     char **out);

#endif
