// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_AOPS_DIRTY_FOLIO: address_space_operations.dirty_folio (5.18+;
 * set_page_dirty before)
 */
#include <linux/fs.h>

static bool vng_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	return false;
}

static const struct address_space_operations vng_aops __maybe_unused = {
	.dirty_folio = vng_dirty_folio,
};
