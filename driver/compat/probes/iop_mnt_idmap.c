// SPDX-License-Identifier: GPL-2.0
/* HAVE_IOP_MNT_IDMAP: inode_operations take struct mnt_idmap * (6.3+) */
#include <linux/fs.h>

static int vng_permission(struct mnt_idmap *idmap, struct inode *inode,
			  int mask)
{
	return 0;
}

static const struct inode_operations vng_iops __maybe_unused = {
	.permission = vng_permission,
};
