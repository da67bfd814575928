// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_IOP_MKDIR_DENTRY: inode_operations.mkdir returns struct dentry *
 * (6.15+)
 */
#include <linux/fs.h>

static struct dentry *vng_mkdir(struct mnt_idmap *idmap, struct inode *dir,
				struct dentry *dentry, umode_t mode)
{
	return NULL;
}

static const struct inode_operations vng_iops __maybe_unused = {
	.mkdir = vng_mkdir,
};
