// SPDX-License-Identifier: GPL-2.0
/* HAVE_WRITEBACK_ITER: writeback_iter() walks dirty folios (6.10+) */
#include <linux/writeback.h>
#include <linux/pagemap.h>

static __maybe_unused struct folio *vng_probe(struct address_space *m,
					      struct writeback_control *wbc)
{
	int err = 0;

	return writeback_iter(m, wbc, NULL, &err);
}
