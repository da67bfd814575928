// SPDX-License-Identifier: GPL-2.0
/* HAVE_FILEMAP_GET_FOLIO: filemap_get_folio() (5.16+) */
#include <linux/pagemap.h>

static __maybe_unused struct folio *vng_probe(struct address_space *m)
{
	return filemap_get_folio(m, 0);
}
