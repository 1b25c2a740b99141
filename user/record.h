/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A drop_event decoded into the words the sinks print: names, addresses,
 * and the explanation. NULL string fields print as JSON null.
 */
#ifndef DW_RECORD_H
#define DW_RECORD_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <linux/types.h>
#include "dropwhy.h"

#define DW_LOCATION_LEN	128
#define DW_TEXT_LEN	512

#define DW_MAX_CANDIDATES	4

/* One of several entries that could have dropped the packet. */
struct rule_candidate {
	const char *backend;
	char table[32];
	char chain[64];
	int index;		/* 0: the chain policy */
	long long handle;	/* -1: none */
	char text[256];
};

struct drop_record {
	const struct drop_event *ev;
	char time[40];		/* RFC 3339, UTC, nanoseconds */
	const char *reason;	/* NULL: kernel gives no reason */
	char location[DW_LOCATION_LEN];
	const char *in;		/* interface names or NULL */
	const char *out;
	__u32 in_ifindex;
	__u32 out_ifindex;
	const char *family;	/* "ipv4", "ipv6" or NULL */
	const char *proto;	/* "tcp", "udp", "icmp", ... or NULL */
	const char *src;	/* NULL when not IP */
	const char *dst;
	const char *orig_src;	/* NULL when not tracked */
	const char *orig_dst;
	bool has_ports;
	bool has_orig_ports;
	const char *ct_state;
	const char *hook;	/* "INPUT", ... or NULL */
	int priority;		/* of the table the packet died in */
	bool has_priority;
	char tcp_flags[40];	/* "SYN", "ACK|FIN", "" when not TCP */
	/* Rule attribution; all NULL until a source names the rule. */
	const char *backend;
	const char *table;
	const char *chain;
	int rule_index;		/* 0: no rule (policy or unknown) */
	const char *rule_text;
	long long rule_handle;	/* -1: none */
	const char *verdict;
	const char *attribution;
	bool exact;
	/* When not exact: the entries that remain possible. */
	struct rule_candidate candidates[DW_MAX_CANDIDATES];
	int nr_candidates;
	char cause[DW_TEXT_LEN];
	char fix[DW_TEXT_LEN];	/* empty: no fix to offer */
	/* Storage behind the pointers above. */
	char in_buf[DW_IFNAMSIZ];
	char out_buf[DW_IFNAMSIZ];
	char src_buf[INET6_ADDRSTRLEN];
	char dst_buf[INET6_ADDRSTRLEN];
	char orig_src_buf[INET6_ADDRSTRLEN];
	char orig_dst_buf[INET6_ADDRSTRLEN];
	char table_buf[DW_TABLE_NAME_LEN];
	char chain_buf[64];
	char rule_buf[DW_TEXT_LEN];
};

#endif
