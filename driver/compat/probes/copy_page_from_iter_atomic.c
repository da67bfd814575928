// SPDX-License-Identifier: GPL-2.0
/* HAVE_COPY_PAGE_FROM_ITER_ATOMIC: copy_page_from_iter_atomic() (5.14+) */
#include <linux/uio.h>

static size_t __maybe_unused vng_probe(struct page *page, struct iov_iter *i)
{
	return copy_page_from_iter_atomic(page, 0, 1, i);
}
