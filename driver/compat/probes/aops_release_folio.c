// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_AOPS_RELEASE_FOLIO: address_space_operations.release_folio (5.19+;
 * releasepage before)
 */
#include <linux/fs.h>

static bool vng_release_folio(struct folio *folio, gfp_t gfp)
{
	return false;
}

static const struct address_space_operations vng_aops __maybe_unused = {
	.release_folio = vng_release_folio,
};
