// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_AOPS_INVALIDATE_FOLIO: address_space_operations.invalidate_folio
 * (5.18+)
 */
#include <linux/fs.h>

static void vng_invalidate_folio(struct folio *folio, size_t off, size_t len)
{
}

static const struct address_space_operations vng_aops __maybe_unused = {
	.invalidate_folio = vng_invalidate_folio,
};
