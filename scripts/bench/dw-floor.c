// SPDX-License-Identifier: GPL-2.0
/*
 * dw-floor: hold do-nothing BPF programs attached where dropwhy attaches
 * its own, so that the benchmark can measure what the dispatch alone costs.
 *
 *   dw-floor [--kfree-skb] [--netfilter]
 *
 * --kfree-skb: an empty tp_btf program on skb:kfree_skb (all namespaces);
 * --netfilter: an empty netfilter program at ipv4 INPUT, just before the
 * filter table (priority -1, where dropwhy's sentinel sits), in the
 * calling process's network namespace. Prints "attached" on stderr once
 * both are in place and keeps them until SIGINT or SIGTERM. Exit status:
 * 0 after a signal, 1 when loading or attaching failed, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include "floor.skel.h"
#include "sentinel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static int usage(void)
{
	fprintf(stderr, "usage: dw-floor [--kfree-skb] [--netfilter]\n");
	return 2;
}

int main(int argc, char **argv)
{
	bool kfree = false, netfilter = false;
	struct floor_bpf *skel;
	int i, link = -1, err = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kfree-skb"))
			kfree = true;
		else if (!strcmp(argv[i], "--netfilter"))
			netfilter = true;
		else
			return usage();
	}
	if (!kfree && !netfilter)
		return usage();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "dw-floor: cannot open the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	bpf_program__set_autoload(skel->progs.floor_kfree_skb, kfree);
	sentinel__prepare_program(skel->progs.floor_netfilter, netfilter);
	if (floor_bpf__load(skel)) {
		fprintf(stderr, "dw-floor: cannot load: %s\n", strerror(errno));
		goto out;
	}
	if (kfree && !bpf_program__attach(skel->progs.floor_kfree_skb)) {
		fprintf(stderr, "dw-floor: cannot attach to kfree_skb: %s\n",
			strerror(errno));
		goto out;
	}
	if (netfilter) {
		link = sentinel__link(bpf_program__fd(skel->progs.floor_netfilter),
				      NFPROTO_IPV4, NF_INET_LOCAL_IN,
				      NF_IP_PRI_FILTER - 1);
		if (link < 0) {
			fprintf(stderr, "dw-floor: cannot link at INPUT: %s\n",
				strerror(errno));
			goto out;
		}
	}
	fprintf(stderr, "dw-floor: attached\n");
	while (!stop)
		pause();
	err = 0;
out:
	if (link >= 0)
		close(link);
	floor_bpf__destroy(skel);
	return err;
}
