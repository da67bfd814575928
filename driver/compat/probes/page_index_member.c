// SPDX-License-Identifier: GPL-2.0
/* HAVE_PAGE_INDEX_MEMBER: struct page still has ->index (before 7.x) */
#include <linux/mm_types.h>

static unsigned long __maybe_unused vng_probe(struct page *page)
{
	return page->index;
}
