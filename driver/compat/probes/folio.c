// SPDX-License-Identifier: GPL-2.0
/* HAVE_FOLIO: struct folio and its page cache helpers (5.16+) */
#include <linux/mm.h>
#include <linux/pagemap.h>

static loff_t __maybe_unused vng_probe(struct folio *folio)
{
	folio_unlock(folio);
	return folio_pos(folio);
}
