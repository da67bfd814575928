// SPDX-License-Identifier: GPL-2.0
/* HAVE_FOP_ITERATE: file_operations.iterate (legacy readdir, gone in 6.5) */
#include <linux/fs.h>

static const struct file_operations vng_fops __maybe_unused;

static int __maybe_unused vng_probe(struct file *f, struct dir_context *ctx)
{
	return vng_fops.iterate(f, ctx);
}
