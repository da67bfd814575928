/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notify messages waiting for the guest's buffers on the notification
 * queue (--notify).  A bounded FIFO: the watcher adds whole groups (a
 * rename's pair stays adjacent and in order), the queue's worker takes one
 * message per buffer.  Pure data structure, no threads: the caller locks.
 *
 * Bound and overflow: at most NQ_MAX messages wait.  A group that does not
 * fit is dropped whole and counted, the queue remembers it lost something,
 * and once there is room again it adds FUSE_NOTIFY_INVAL_INODE of the root
 * (offset 0, length -1: its attributes and cached listing), the coarsest
 * invalidation FUSE has: the guest learns "something changed" rather than
 * nothing.  An INVAL_INODE equal to one already waiting is not added twice
 * (a burst of writes to one file needs one invalidation, not a thousand).
 */
#ifndef BACKEND_NOTIFY_QUEUE_H
#define BACKEND_NOTIFY_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define NQ_MAX		1024
/*
 * notify_buf_size in the config space: the driver posts buffers of at
 * least this size, so every message fits in one.
 */
#define NQ_BUF_SIZE	512
/*
 * The largest message: what one buffer holds.  The watcher's own are at
 * most header + fuse_notify_delete_out + NAME_MAX + NUL (296 bytes); the
 * fuzzer (--fuzz) also sends names longer than NAME_MAX.
 */
#define NQ_MSG_MAX	NQ_BUF_SIZE

struct nq_msg {
	uint32_t len;
	unsigned char data[NQ_MSG_MAX];
};

struct notify_queue {
	struct nq_msg *ring;	/* NQ_MAX entries */
	unsigned int head, count;
	bool lost;		/* overflowed: owe the guest a root invalidation */
	uint64_t queued, merged, dropped, overflows;
};

int nq_init(struct notify_queue *q);
void nq_free(struct notify_queue *q);
/* empties the queue (a new session: old nodeids mean nothing) */
void nq_clear(struct notify_queue *q);
/* adds msgs[0..n) as a group; false if it was dropped (full or malformed) */
bool nq_add(struct notify_queue *q, const struct iovec *msgs, int n);
/* the oldest message, NULL if none; nq_pop() removes it */
const struct nq_msg *nq_peek(const struct notify_queue *q);
void nq_pop(struct notify_queue *q);

#endif
