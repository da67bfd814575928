// SPDX-License-Identifier: GPL-2.0
/* HAVE_COPY_FOLIO_FROM_ITER_ATOMIC: copy_folio_from_iter_atomic() (6.10+) */
#include <linux/uio.h>
#include <linux/mm.h>

static size_t __maybe_unused vng_probe(struct folio *folio, struct iov_iter *i)
{
	return copy_folio_from_iter_atomic(folio, 0, 1, i);
}
