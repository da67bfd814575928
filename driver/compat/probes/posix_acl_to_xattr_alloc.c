// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_POSIX_ACL_TO_XATTR_ALLOC: posix_acl_to_xattr() allocates the value
 * and returns it (7.x; before, it filled the caller's buffer)
 */
#include <linux/fs.h>
#include <linux/user_namespace.h>
#include <linux/posix_acl_xattr.h>

static __maybe_unused void *vng_probe(const struct posix_acl *acl)
{
	size_t size;

	return posix_acl_to_xattr(&init_user_ns, acl, &size, GFP_KERNEL);
}
