// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_IOP_USER_NS: inode_operations take struct user_namespace * (5.12 to
 * 6.2)
 */
#include <linux/fs.h>

static int vng_permission(struct user_namespace *ns, struct inode *inode,
			  int mask)
{
	return 0;
}

static const struct inode_operations vng_iops __maybe_unused = {
	.permission = vng_permission,
};
