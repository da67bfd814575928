// SPDX-License-Identifier: GPL-2.0
/*
 * The bounded FIFO of notify messages waiting for notification-queue
 * buffers; see notify_queue.h for the overflow policy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fuse.h>

#include "notify_queue.h"

int nq_init(struct notify_queue *q)
{
	memset(q, 0, sizeof(*q));
	q->ring = calloc(NQ_MAX, sizeof(*q->ring));
	return q->ring ? 0 : -ENOMEM;
}

void nq_free(struct notify_queue *q)
{
	free(q->ring);
	q->ring = NULL;
}

void nq_clear(struct notify_queue *q)
{
	q->head = 0;
	q->count = 0;
	q->lost = false;
}

static struct nq_msg *slot(const struct notify_queue *q, unsigned int i)
{
	return &q->ring[(q->head + i) % NQ_MAX];
}

/*
 * An INVAL_INODE equal to one still waiting: the guest has not acted on
 * that one yet, so when it does it sees this change too.  Only
 * INVAL_INODE: entry messages mean something in their order.
 */
static bool waiting(const struct notify_queue *q, const struct iovec *m)
{
	const struct fuse_out_header *h = m->iov_base;

	if (h->error != FUSE_NOTIFY_INVAL_INODE)
		return false;
	for (unsigned int i = 0; i < q->count; i++) {
		const struct nq_msg *s = slot(q, i);

		if (s->len == m->iov_len && !memcmp(s->data, m->iov_base, s->len))
			return true;
	}
	return false;
}

static void put(struct notify_queue *q, const void *data, size_t len)
{
	struct nq_msg *s = slot(q, q->count++);

	s->len = (uint32_t)len;
	memcpy(s->data, data, len);
	q->queued++;
}

static void owe_root(struct notify_queue *q)
{
	struct {
		struct fuse_out_header h;
		struct fuse_notify_inval_inode_out i;
	} m = {
		.h = { .len = sizeof(m), .error = FUSE_NOTIFY_INVAL_INODE },
		.i = { .ino = FUSE_ROOT_ID, .off = 0, .len = -1 },
	};

	if (q->lost && q->count < NQ_MAX) {
		put(q, &m, sizeof(m));
		q->lost = false;
	}
}

bool nq_add(struct notify_queue *q, const struct iovec *msgs, int n)
{
	int need;

	if (n <= 0)
		return false;
	for (int i = 0; i < n; i++) {
		if (msgs[i].iov_len < sizeof(struct fuse_out_header) ||
		    msgs[i].iov_len > NQ_MSG_MAX) {
			q->dropped++;
			return false;
		}
	}
	/* groups stay whole */
	if (n == 1 && waiting(q, &msgs[0])) {
		q->merged++;
		return true;
	}
	owe_root(q);
	need = n;
	if (q->count + (unsigned int)need > NQ_MAX) {
		q->dropped += (uint64_t)n;
		if (!q->lost)
			q->overflows++;
		q->lost = true;
		return false;
	}
	for (int i = 0; i < n; i++)
		put(q, msgs[i].iov_base, msgs[i].iov_len);
	return true;
}

const struct nq_msg *nq_peek(const struct notify_queue *q)
{
	return q->count ? slot(q, 0) : NULL;
}

void nq_pop(struct notify_queue *q)
{
	if (!q->count)
		return;
	q->head = (q->head + 1) % NQ_MAX;
	q->count--;
	owe_root(q);
}
