// SPDX-License-Identifier: GPL-2.0
/* HAVE_INODE_GET_CTIME: inode_get_ctime() and inode_set_ctime_to_ts() (6.6+) */
#include <linux/fs.h>

static void __maybe_unused vng_probe(struct inode *inode)
{
	struct timespec64 ts = inode_get_ctime(inode);

	inode_set_ctime_to_ts(inode, ts);
}
