// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_GRAB_CACHE_PAGE_WRITE_BEGIN_2ARGS: grab_cache_page_write_begin(mapping,
 * index) (5.19 to 6.x; three arguments before, gone after)
 */
#include <linux/pagemap.h>

static __maybe_unused struct page *vng_probe(struct address_space *m)
{
	return grab_cache_page_write_begin(m, 0);
}
