// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SETATTR_PREPARE_IDMAP: setattr_prepare(struct mnt_idmap *, dentry,
 * iattr) (6.3+)
 */
#include <linux/fs.h>

static int __maybe_unused vng_probe(struct dentry *d, struct iattr *attr)
{
	return setattr_prepare(&nop_mnt_idmap, d, attr);
}
