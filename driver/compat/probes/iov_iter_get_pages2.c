// SPDX-License-Identifier: GPL-2.0
/* HAVE_IOV_ITER_GET_PAGES2: iov_iter_get_pages2() (6.0+) */
#include <linux/uio.h>

static ssize_t __maybe_unused vng_probe(struct iov_iter *i, struct page **pages,
					size_t *off)
{
	return iov_iter_get_pages2(i, pages, PAGE_SIZE, 1, off);
}
