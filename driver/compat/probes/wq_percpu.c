// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_WQ_PERCPU: alloc_workqueue() wants WQ_PERCPU or WQ_UNBOUND spelled
 * out (7.x warns without either)
 */
#include <linux/workqueue.h>

static unsigned int __maybe_unused vng_probe(void)
{
	return WQ_PERCPU;
}
