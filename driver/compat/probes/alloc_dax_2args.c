// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_ALLOC_DAX_2ARGS: alloc_dax(private, ops) (5.17+; alloc_dax(private,
 * host, ops, flags) before)
 */
#include <linux/dax.h>

static __maybe_unused struct dax_device *vng_probe(const struct dax_operations *ops)
{
	return alloc_dax(NULL, ops);
}
