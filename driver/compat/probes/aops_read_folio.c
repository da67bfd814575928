// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_AOPS_READ_FOLIO: address_space_operations.read_folio (5.19+; readpage
 * before)
 */
#include <linux/fs.h>

static int vng_read_folio(struct file *file, struct folio *folio)
{
	return 0;
}

static const struct address_space_operations vng_aops __maybe_unused = {
	.read_folio = vng_read_folio,
};
