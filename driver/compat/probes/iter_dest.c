// SPDX-License-Identifier: GPL-2.0
/* HAVE_ITER_DEST: ITER_SOURCE/ITER_DEST iov_iter directions (6.1+) */
#include <linux/uio.h>

static void __maybe_unused vng_probe(struct iov_iter *i, struct kvec *kv)
{
	iov_iter_kvec(i, ITER_DEST, kv, 1, 0);
}
