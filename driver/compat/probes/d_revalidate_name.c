// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_D_REVALIDATE_NAME: dentry_operations.d_revalidate(dir, name, dentry,
 * flags) (6.14+)
 */
#include <linux/dcache.h>

static int vng_revalidate(struct inode *dir, const struct qstr *name,
			  struct dentry *dentry, unsigned int flags)
{
	return 1;
}

static const struct dentry_operations vng_dops __maybe_unused = {
	.d_revalidate = vng_revalidate,
};
