// SPDX-License-Identifier: GPL-2.0
/*
 * The ring reader's drain over a ring laid out in memory the way the
 * kernel maps it: records with their 8-byte headers, busy and discard
 * bits, the data area twice in a row so that a record may wrap.
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "ring.h"
#include "tap.h"

#define DATA_SIZE	256

struct fake {
	unsigned long consumer_pos;
	unsigned long producer_pos;
	unsigned char data[2 * DATA_SIZE];
	struct ring ring;
};

struct seen {
	int count;
	int stop_after;		/* 0: never stop */
	unsigned int values[16];
};

static void fake_init(struct fake *f, unsigned long start)
{
	memset(f, 0, sizeof(*f));
	f->consumer_pos = f->producer_pos = start;
	f->ring.consumer_pos = &f->consumer_pos;
	f->ring.producer_pos = &f->producer_pos;
	f->ring.data = f->data;
	f->ring.mask = DATA_SIZE - 1;
	f->ring.map_fd = -1;
}

/* Append a record of one 4-byte value with header bits; the copy after
 * the data area mirrors the first, as the kernel's double mapping does. */
static void fake_put(struct fake *f, unsigned int value, unsigned int bits)
{
	unsigned long at = f->producer_pos & (DATA_SIZE - 1);
	__u32 hdr[2] = { sizeof(value) | bits, 0 };
	unsigned char rec[16];
	size_t i;

	memcpy(rec, hdr, 8);
	memcpy(rec + 8, &value, sizeof(value));
	memset(rec + 12, 0, 4);
	for (i = 0; i < sizeof(rec); i++) {
		f->data[(at + i) % DATA_SIZE] = rec[i];
		f->data[(at + i) % DATA_SIZE + DATA_SIZE] = rec[i];
	}
	f->producer_pos += sizeof(rec);
}

static int collect(void *ctx, void *data, size_t size)
{
	struct seen *s = ctx;

	if (size != sizeof(unsigned int) || s->count >= 16)
		return -1;
	memcpy(&s->values[s->count++], data, sizeof(unsigned int));
	return s->stop_after && s->count >= s->stop_after ? -1 : 0;
}

int main(void)
{
	struct fake *f = malloc(sizeof(*f));
	struct seen s;
	long n;

	if (!f)
		return 1;

	fake_init(f, 0);
	fake_put(f, 11, 0);
	fake_put(f, 12, BPF_RINGBUF_DISCARD_BIT);
	fake_put(f, 13, 0);
	memset(&s, 0, sizeof(s));
	n = ring__drain(&f->ring, collect, &s);
	tap_is_int(n, 2, "two records handed over, the discarded one skipped");
	tap_ok(s.values[0] == 11 && s.values[1] == 13, "in order, values intact");
	tap_is_int((long long)f->consumer_pos, 48, "consumer position past all three");

	fake_put(f, 14, 0);
	fake_put(f, 15, BPF_RINGBUF_BUSY_BIT);
	fake_put(f, 16, 0);
	memset(&s, 0, sizeof(s));
	n = ring__drain(&f->ring, collect, &s);
	tap_ok(n == 1 && s.values[0] == 14,
	       "a record still being written stops the drain before it");
	tap_is_int((long long)f->consumer_pos, 64, "and the position stays at it");

	/* Start near the end: records cross the wrap of the data area. */
	fake_init(f, 8 * DATA_SIZE - 24);
	fake_put(f, 21, 0);
	fake_put(f, 22, 0);
	fake_put(f, 23, 0);
	memset(&s, 0, sizeof(s));
	n = ring__drain(&f->ring, collect, &s);
	tap_ok(n == 3 && s.values[0] == 21 && s.values[1] == 22 &&
	       s.values[2] == 23, "records across the wrap read whole");

	fake_init(f, 0);
	fake_put(f, 31, 0);
	fake_put(f, 32, 0);
	fake_put(f, 33, 0);
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	n = ring__drain(&f->ring, collect, &s);
	tap_ok(n < 0 && s.count == 2, "a negative return stops the drain");
	tap_is_int((long long)f->consumer_pos, 32,
		   "past the record that stopped it, not the next");
	memset(&s, 0, sizeof(s));
	n = ring__drain(&f->ring, collect, &s);
	tap_ok(n == 1 && s.values[0] == 33, "the next drain resumes there");

	memset(&s, 0, sizeof(s));
	tap_is_int(ring__drain(&f->ring, collect, &s), 0, "an empty ring: nothing");
	free(f);
	return tap_done();
}
