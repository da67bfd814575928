// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_D_ALLOC_PARALLEL_WQ: d_alloc_parallel(parent, name, wq) takes the
 * caller's wait queue (before 7.x)
 */
#include <linux/dcache.h>
#include <linux/wait.h>

static __maybe_unused struct dentry *vng_probe(struct dentry *parent,
					       const struct qstr *name,
					       wait_queue_head_t *wq)
{
	return d_alloc_parallel(parent, name, wq);
}
