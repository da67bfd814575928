// SPDX-License-Identifier: GPL-2.0
/* HAVE_FOLIO_INODE: folio_inode() (5.16+) */
#include <linux/pagemap.h>

static __maybe_unused struct inode *vng_probe(struct folio *folio)
{
	return folio_inode(folio);
}
