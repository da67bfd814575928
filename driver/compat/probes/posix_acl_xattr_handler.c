// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_POSIX_ACL_XATTR_HANDLER: the ACL xattr handlers a filesystem lists
 * itself (before 6.2 moved ACLs to inode operations)
 */
/* before 6.2 posix_acl_xattr.h needs struct inode and kuid_t declared */
#include <linux/fs.h>
#include <linux/posix_acl_xattr.h>

static __maybe_unused const struct xattr_handler *vng_probe(void)
{
	return &posix_acl_access_xattr_handler;
}
