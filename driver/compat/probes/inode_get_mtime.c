// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_INODE_GET_MTIME: inode_get_mtime()/inode_set_atime_to_ts() accessors
 * (6.7+)
 */
#include <linux/fs.h>

static void __maybe_unused vng_probe(struct inode *inode)
{
	struct timespec64 ts = inode_get_mtime(inode);

	inode_set_atime_to_ts(inode, ts);
}
