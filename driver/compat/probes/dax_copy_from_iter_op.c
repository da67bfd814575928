// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_DAX_COPY_FROM_ITER_OP: dax_operations.copy_from_iter/copy_to_iter (up
 * to 5.16)
 */
#include <linux/dax.h>

static const struct dax_operations vng_ops __maybe_unused;

static size_t __maybe_unused vng_probe(struct dax_device *d, struct iov_iter *i)
{
	return vng_ops.copy_from_iter(d, 0, NULL, 0, i);
}
