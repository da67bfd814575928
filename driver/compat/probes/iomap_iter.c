// SPDX-License-Identifier: GPL-2.0
/* HAVE_IOMAP_ITER: struct iomap_iter (5.16+) */
#include <linux/iomap.h>

static loff_t __maybe_unused vng_probe(const struct iomap_iter *it)
{
	return it->pos + it->len;
}
