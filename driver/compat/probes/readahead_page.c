// SPDX-License-Identifier: GPL-2.0
/* HAVE_READAHEAD_PAGE: readahead_page() (5.8 to 7.x, before folios only) */
#include <linux/pagemap.h>

static __maybe_unused struct page *vng_probe(struct readahead_control *rac)
{
	return readahead_page(rac);
}
