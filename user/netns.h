/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface names live in network namespaces: resolve an ifindex in the
 * namespace the packet was in, found by its inode among named namespaces
 * (/run/netns) and those of running processes.
 */
#ifndef DW_NETNS_H
#define DW_NETNS_H

#include <linux/types.h>

/* Open a namespace by name (/run/netns/NAME), path or PID; fd or -1. */
int netns__open(const char *spec);
/* Inode of a namespace fd, or of ours with fd < 0. */
__u32 netns__inode(int fd);
/* Name of ifindex in namespace ino into buf (IF_NAMESIZE); 0 or -1. */
int netns__ifname(__u32 ino, __u32 ifindex, char *buf);
void netns__cleanup(void);

#endif
