// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_AOPS_WRITE_BEGIN_FOLIO: write_begin/write_end pass a struct folio
 * (6.12+; a page before)
 */
#include <linux/fs.h>

static void __maybe_unused vng_probe(const struct address_space_operations *a,
				     struct address_space *m)
{
	struct folio *folio;

	/* A struct folio ** only converts when the API takes one. */
	a->write_begin(NULL, m, 0, 0, &folio, NULL);
}
