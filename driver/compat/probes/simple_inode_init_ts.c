// SPDX-License-Identifier: GPL-2.0
/* HAVE_SIMPLE_INODE_INIT_TS: simple_inode_init_ts() (6.7+) */
#include <linux/fs.h>

static void __maybe_unused vng_probe(struct inode *inode)
{
	simple_inode_init_ts(inode);
}
