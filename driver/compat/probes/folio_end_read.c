// SPDX-License-Identifier: GPL-2.0
/* HAVE_FOLIO_END_READ: folio_end_read() (6.9+) */
#include <linux/pagemap.h>

static void __maybe_unused vng_probe(struct folio *folio)
{
	folio_end_read(folio, true);
}
