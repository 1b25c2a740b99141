/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reader's side of a BPF ring buffer map, mapped into this process.
 * Like libbpf's ring_buffer, but the consumer position is published once
 * per batch of records instead of after each one: the producer reads it
 * on every reserve, and a store per record sent its cache line back and
 * forth between the CPUs for every event of a flood.
 */
#ifndef DW_RING_H
#define DW_RING_H

#include <stddef.h>

struct ring {
	unsigned long *consumer_pos;	/* ours to write */
	const unsigned long *producer_pos;
	const unsigned char *data;	/* mapped twice: records never wrap */
	unsigned long mask;
	size_t page_size;
	size_t data_size;
	int map_fd;
};

/* A record; a negative return stops the drain after this record. */
typedef int (*ring_record_fn)(void *ctx, void *data, size_t size);

/* Map the ring buffer map map_fd; 0, or -errno. */
int ring__open(struct ring *r, int map_fd);
/* Wait up to timeout_ms for the kernel's wake-up; 0, or -errno. */
int ring__wait(const struct ring *r, int timeout_ms);
/* Hand every complete record to fn; their count, or fn's negative return. */
long ring__drain(struct ring *r, ring_record_fn fn, void *ctx);
void ring__close(struct ring *r);

#endif
