// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_DAX_BREAK_LAYOUT: dax_break_layout() and dax_break_layout_final()
 * (6.15+: fs-dax pages are refcounted; an inode must drop its DAX page
 * references before it is freed)
 */
#include <linux/dax.h>
#include <linux/fs.h>

static void vng_cb(struct inode *inode)
{
}

static int __maybe_unused vng_probe(struct inode *inode)
{
	dax_break_layout_final(inode);
	return dax_break_layout(inode, 0, 1, vng_cb);
}
