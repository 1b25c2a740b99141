/* SPDX-License-Identifier: GPL-2.0 */
/* Turn a raw drop_event into a drop_record: names, addresses, time. */
#ifndef DW_DECODE_H
#define DW_DECODE_H

#include <stdint.h>
#include "record.h"

struct ksyms;
struct reason_table;
struct sentinel_plan;

struct decoder {
	const struct ksyms *ksyms;
	const struct reason_table *reasons;
	const struct sentinel_plan *plan;	/* NULL: no hook positions */
	/* CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns, at start. */
	int64_t realtime_offset_ns;
	/* Resolve ifindex in netns to a name; NULL leaves names unresolved. */
	int (*ifname)(__u32 netns_ino, __u32 ifindex, char *buf);
};

int64_t decode__realtime_offset(void);
void decode__event(const struct decoder *d, const struct drop_event *ev,
		   struct drop_record *rec);
/* "tcp", "udp", "icmp", "icmpv6", or NULL for numbers it does not name. */
const char *decode__proto_name(__u8 proto);
/* "SYN|ACK" style, into buf. */
void decode__tcp_flags(__u8 flags, char *buf, size_t len);
/* RFC 3339 UTC with nanoseconds. */
void decode__time(int64_t realtime_ns, char *buf, size_t len);

#endif
