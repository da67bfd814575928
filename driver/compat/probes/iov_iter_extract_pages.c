// SPDX-License-Identifier: GPL-2.0
/* HAVE_IOV_ITER_EXTRACT_PAGES: iov_iter_extract_pages() (6.3+) */
#include <linux/uio.h>

static ssize_t __maybe_unused vng_probe(struct iov_iter *i, struct page ***pages,
					size_t *off)
{
	return iov_iter_extract_pages(i, pages, PAGE_SIZE, 1, 0, off);
}
