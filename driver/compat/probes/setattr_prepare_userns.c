// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SETATTR_PREPARE_USERNS: setattr_prepare(struct user_namespace *,
 * dentry, iattr) (5.12 to 6.2)
 */
#include <linux/fs.h>
#include <linux/user_namespace.h>

static int __maybe_unused vng_probe(struct dentry *d, struct iattr *attr)
{
	return setattr_prepare(&init_user_ns, d, attr);
}
