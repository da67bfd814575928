// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_FILE_KATTR: fileattr_get/fileattr_set use struct file_kattr (6.17+;
 * struct fileattr before)
 */
#include <linux/fs.h>
#include <linux/fileattr.h>

static int vng_fileattr_get(struct dentry *dentry, struct file_kattr *fa)
{
	return 0;
}

static const struct inode_operations vng_iops __maybe_unused = {
	.fileattr_get = vng_fileattr_get,
};
