// SPDX-License-Identifier: GPL-2.0
/* HAVE_WRITEPAGE_T_FOLIO: write_cache_pages() callbacks take a folio (6.3+) */
#include <linux/writeback.h>

static int vng_fill(struct folio *folio, struct writeback_control *wbc,
		    void *data)
{
	return 0;
}

static int __maybe_unused vng_probe(struct address_space *m,
				    struct writeback_control *wbc)
{
	return write_cache_pages(m, wbc, vng_fill, NULL);
}
