// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_DAX_ACCESS_MODE: dax_operations.direct_access takes enum
 * dax_access_mode (5.19+)
 */
#include <linux/dax.h>

static const struct dax_operations vng_ops __maybe_unused;

static long __maybe_unused vng_probe(struct dax_device *d, void **kaddr)
{
	return vng_ops.direct_access(d, 0, 1, DAX_ACCESS, kaddr, NULL);
}
