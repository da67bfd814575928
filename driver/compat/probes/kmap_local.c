// SPDX-License-Identifier: GPL-2.0
/* HAVE_KMAP_LOCAL: kmap_local_page()/kunmap_local() (5.11+) */
#include <linux/highmem.h>

static void __maybe_unused vng_probe(struct page *page)
{
	kunmap_local(kmap_local_page(page));
}
