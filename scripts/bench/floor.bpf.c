// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's floor: programs that do nothing, at the two places
 * dropwhy runs one per packet (the skb:kfree_skb tracepoint and a
 * netfilter hook just before a table). What they cost is the least any
 * program there can cost on this machine: the kernel's dispatch alone.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/kfree_skb")
int floor_kfree_skb(void *ctx)
{
	return 0;
}

/* The type is named by the loader: libbpf 1.1 predates SEC("netfilter"). */
SEC("netfilter")
int floor_netfilter(void *ctx)
{
	return 1;	/* NF_ACCEPT */
}
