// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_AOPS_WRITEPAGE: address_space_operations.writepage still exists (gone
 * in 6.17)
 */
#include <linux/fs.h>

static const struct address_space_operations vng_aops __maybe_unused;

static int __maybe_unused vng_probe(struct page *page,
				    struct writeback_control *wbc)
{
	return vng_aops.writepage(page, wbc);
}
