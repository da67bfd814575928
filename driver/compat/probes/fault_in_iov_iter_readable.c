// SPDX-License-Identifier: GPL-2.0
/* HAVE_FAULT_IN_IOV_ITER_READABLE: fault_in_iov_iter_readable() (5.16+) */
#include <linux/uio.h>

static size_t __maybe_unused vng_probe(const struct iov_iter *i)
{
	return fault_in_iov_iter_readable(i, 1);
}
