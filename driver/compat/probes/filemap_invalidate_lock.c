// SPDX-License-Identifier: GPL-2.0
/* HAVE_FILEMAP_INVALIDATE_LOCK: filemap_invalidate_lock() (5.15+) */
#include <linux/fs.h>

static void __maybe_unused vng_probe(struct address_space *m)
{
	filemap_invalidate_lock(m);
	filemap_invalidate_unlock(m);
}
