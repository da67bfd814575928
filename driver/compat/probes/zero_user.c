// SPDX-License-Identifier: GPL-2.0
/* HAVE_ZERO_USER: zero_user() for a page range (gone with folios, 7.x) */
#include <linux/highmem.h>

static void __maybe_unused vng_probe(struct page *page)
{
	zero_user(page, 0, 1);
}
