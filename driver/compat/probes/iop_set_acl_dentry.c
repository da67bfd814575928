// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_IOP_SET_ACL_DENTRY: inode_operations.set_acl(idmap, dentry, acl,
 * type) (6.3+)
 */
#include <linux/fs.h>

static const struct inode_operations vng_iops __maybe_unused;

static int __maybe_unused vng_probe(struct mnt_idmap *idmap, struct dentry *d,
				    struct posix_acl *acl)
{
	return vng_iops.set_acl(idmap, d, acl, 0);
}
