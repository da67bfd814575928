// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_AOPS_WRITE_BEGIN_KIOCB: write_begin/write_end take a
 * const struct kiocb * (6.17+; a struct file * before)
 */
#include <linux/fs.h>

static void __maybe_unused vng_probe(const struct address_space_operations *a,
				     const struct kiocb *iocb,
				     struct address_space *m)
{
	struct folio *folio;
	void *fsdata;

	a->write_begin(iocb, m, 0, 0, &folio, &fsdata);
}
