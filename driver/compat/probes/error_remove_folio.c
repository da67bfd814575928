// SPDX-License-Identifier: GPL-2.0
/* HAVE_ERROR_REMOVE_FOLIO: aops->error_remove_folio (6.8+) */
#include <linux/fs.h>
#include <linux/mm.h>

static const struct address_space_operations vng_aops __maybe_unused = {
	.error_remove_folio = generic_error_remove_folio,
};
