// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "ring.h"

/* Publish the consumer position after this many bytes of records. */
#define RELEASE_BYTES	(16 * 1024)

int ring__open(struct ring *r, int map_fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	void *cons, *prod;

	memset(r, 0, sizeof(*r));
	r->map_fd = -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries)
		return -EINVAL;
	r->page_size = sysconf(_SC_PAGESIZE);
	r->data_size = info.max_entries;
	r->mask = info.max_entries - 1;
	cons = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    map_fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	/* The producer page, then the data pages, mapped twice in a row. */
	prod = mmap(NULL, r->page_size + 2 * r->data_size, PROT_READ,
		    MAP_SHARED, map_fd, r->page_size);
	if (prod == MAP_FAILED) {
		int err = -errno;

		munmap(cons, r->page_size);
		return err;
	}
	r->consumer_pos = cons;
	r->producer_pos = prod;
	r->data = (const unsigned char *)prod + r->page_size;
	r->map_fd = map_fd;
	return 0;
}

int ring__wait(const struct ring *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->map_fd, .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) < 0)
		return -errno;
	return 0;
}

/* A record's length word holds the busy and discard bits, then its size. */
static __u32 sample_size(__u32 len)
{
	return len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
}

/* The whole record: header and sample, 8-byte aligned. */
static unsigned long record_bytes(__u32 len)
{
	return (sample_size(len) + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
}

long ring__drain(struct ring *r, ring_record_fn fn, void *ctx)
{
	unsigned long cons, prod, released;
	long count = 0;
	__u32 len;
	int err;

	if (!r->consumer_pos)
		return 0;
	cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	released = cons;
	for (;;) {
		prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		while (cons < prod) {
			const __u32 *hdr = (const void *)(r->data + (cons & r->mask));

			len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			/* Reserved, not yet submitted: the rest waits for it. */
			if (len & BPF_RINGBUF_BUSY_BIT)
				goto out;
			cons += record_bytes(len);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				err = fn(ctx, (char *)hdr + BPF_RINGBUF_HDR_SZ,
					 sample_size(len));
				if (err < 0) {
					__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
					return err;
				}
				count++;
			}
			if (cons - released >= RELEASE_BYTES) {
				__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
				released = cons;
			}
		}
	}
out:
	if (cons != released)
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	return count;
}

void ring__close(struct ring *r)
{
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page_size);
	if (r->producer_pos)
		munmap((void *)r->producer_pos, r->page_size + 2 * r->data_size);
	memset(r, 0, sizeof(*r));
	r->map_fd = -1;
}
