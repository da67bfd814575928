// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_IOP_GET_INODE_ACL: inode_operations.get_inode_acl and get_acl(idmap,
 * dentry, type) (6.2+)
 */
#include <linux/fs.h>

static struct posix_acl *vng_get_inode_acl(struct inode *inode, int type,
					   bool rcu)
{
	return NULL;
}

static const struct inode_operations vng_iops __maybe_unused = {
	.get_inode_acl = vng_get_inode_acl,
};
