// SPDX-License-Identifier: GPL-2.0
/*
 * The notify message FIFO (notify_queue.c): order, groups kept whole,
 * INVAL_INODE bursts merged (entry messages never), the bound, and the
 * root invalidation owed after an overflow.
 */
#include <linux/fuse.h>
#include <stdio.h>
#include <string.h>

#include "notify_queue.h"

static int failed;

#define CHECK(name, cond)						\
	do {								\
		if (cond) {						\
			printf("PASS unit/notify_queue.%s\n", name);	\
		} else {						\
			printf("FAIL unit/notify_queue.%s: line %d\n",	\
			       name, __LINE__);				\
			failed++;					\
		}							\
	} while (0)

struct inode_msg {
	struct fuse_out_header h;
	struct fuse_notify_inval_inode_out o;
};

struct entry_msg {
	struct fuse_out_header h;
	struct fuse_notify_inval_entry_out o;
	char name[8];
};

static struct inode_msg inode_msg(uint64_t ino)
{
	return (struct inode_msg){
		.h = { .len = sizeof(struct inode_msg),
		       .error = FUSE_NOTIFY_INVAL_INODE },
		.o = { .ino = ino, .off = 0, .len = -1 },
	};
}

static struct entry_msg entry_msg(uint64_t parent)
{
	struct entry_msg m = {
		.h = { .len = sizeof(struct entry_msg),
		       .error = FUSE_NOTIFY_INVAL_ENTRY },
		.o = { .parent = parent, .namelen = 3 },
	};

	memcpy(m.name, "abc", 4);
	return m;
}

static uint64_t head_ino(struct notify_queue *q)
{
	const struct nq_msg *m = nq_peek(q);
	struct inode_msg im;

	if (!m || m->len != sizeof(im))
		return 0;
	memcpy(&im, m->data, sizeof(im));
	return im.o.ino;
}

int main(void)
{
	struct notify_queue q;
	struct inode_msg a = inode_msg(5), b = inode_msg(6);
	struct entry_msg e = entry_msg(7);
	struct iovec iv[2];
	bool ok;
	int i;

	if (nq_init(&q)) {
		printf("FAIL unit/notify_queue.init\n");
		return 1;
	}

	/* FIFO order; an equal INVAL_INODE waiting is merged */
	iv[0] = (struct iovec){ &a, sizeof(a) };
	iv[1] = (struct iovec){ &b, sizeof(b) };
	ok = nq_add(&q, &iv[0], 1) && nq_add(&q, &iv[1], 1) &&
	     nq_add(&q, &iv[0], 1);
	CHECK("order_merge", ok && q.count == 2 && q.merged == 1 &&
	      head_ino(&q) == 5);
	nq_pop(&q);
	CHECK("pop", q.count == 1 && head_ino(&q) == 6);
	nq_clear(&q);

	/* entry messages are never merged: their order means something */
	iv[0] = (struct iovec){ &e, sizeof(e) };
	ok = nq_add(&q, &iv[0], 1) && nq_add(&q, &iv[0], 1);
	CHECK("entry_not_merged", ok && q.count == 2);
	nq_clear(&q);

	/* malformed sizes are refused */
	iv[0] = (struct iovec){ &a, 4 };
	CHECK("short_refused", !nq_add(&q, &iv[0], 1) && q.count == 0);

	/* fill up; a pair that does not fit is dropped whole */
	for (i = 0; i < NQ_MAX - 1; i++) {
		struct inode_msg m = inode_msg(100 + i);

		iv[0] = (struct iovec){ &m, sizeof(m) };
		nq_add(&q, &iv[0], 1);
	}
	iv[0] = (struct iovec){ &e, sizeof(e) };
	iv[1] = (struct iovec){ &e, sizeof(e) };
	ok = nq_add(&q, iv, 2);
	CHECK("pair_whole_or_nothing", !ok && q.count == NQ_MAX - 1 &&
	      q.overflows == 1 && q.lost);
	/* the first free slot goes to the root invalidation */
	nq_pop(&q);
	CHECK("root_owed", !q.lost && q.count == NQ_MAX - 1);
	for (i = 0; i < NQ_MAX - 2; i++)
		nq_pop(&q);
	CHECK("root_last", q.count == 1 && head_ino(&q) == FUSE_ROOT_ID);
	nq_free(&q);
	return failed ? 1 : 0;
}
