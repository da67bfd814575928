// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_IOP_GET_ACL_RCU: inode_operations.get_acl(inode, type, rcu) (5.15 to
 * 6.1)
 */
#include <linux/fs.h>

static struct posix_acl *vng_get_acl(struct inode *inode, int type, bool rcu)
{
	return NULL;
}

static const struct inode_operations vng_iops __maybe_unused = {
	.get_acl = vng_get_acl,
};
