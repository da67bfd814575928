// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX ACLs, stored by the host as system.posix_acl_{access,default}
 * xattrs.  Only with FUSE_POSIX_ACL negotiated (then the superblock has
 * SB_POSIXACL and the VFS asks us); otherwise there are none.
 *
 * Setting an access ACL also changes the mode's group/other bits.  The
 * mode update is sent as a SETATTR before the xattr, computed by the
 * kernel's posix_acl_update_mode(), so a host that stores the ACL as a
 * plain xattr still ends up with the mode POSIX requires.  An ACL that is
 * fully expressed by the mode is not stored at all.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "fs.h"

static bool vng_acl_supported(struct inode *inode)
{
	struct vng_conn *conn = vng_i_conn(inode);

	return vng_conn_has(conn, FUSE_POSIX_ACL) &&
	       !vng_conn_no(conn, VNG_NO_XATTR);
}

static const char *vng_acl_name(int type)
{
	switch (type) {
	case ACL_TYPE_ACCESS:
		return XATTR_NAME_POSIX_ACL_ACCESS;
	case ACL_TYPE_DEFAULT:
		return XATTR_NAME_POSIX_ACL_DEFAULT;
	}
	return NULL;
}

struct posix_acl *vng_get_acl(VNG_GET_ACL_ARGS(inode, type, rcu))
{
	const char *name = vng_acl_name(type);
	struct posix_acl *acl;
	ssize_t size;
	void *value;

	if (VNG_GET_ACL_RCU(rcu))
		return ERR_PTR(-ECHILD);
	if (vng_is_bad(inode))
		return ERR_PTR(-EIO);
	if (!name)
		return ERR_PTR(-EINVAL);
	if (!vng_acl_supported(inode))
		return NULL;

	value = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!value)
		return ERR_PTR(-ENOMEM);
	size = vng_getxattr(inode, name, value, PAGE_SIZE);
	if (size > 0)
		acl = posix_acl_from_xattr(inode->i_sb->s_user_ns, value, size);
	else if (size == -ENODATA || size == -EOPNOTSUPP || size == 0)
		acl = NULL;
	else if (size == -ERANGE)
		acl = ERR_PTR(-E2BIG);
	else
		acl = ERR_PTR(size);
	kfree(value);
	return acl;
}

/* SETATTR of the mode alone, for the access ACL's effect on it. */
static int vng_acl_set_mode(VNG_IDMAP_PARAM struct inode *inode, umode_t mode)
{
	struct dentry *dentry;
	struct iattr ia = {};
	int err;

	dentry = d_find_any_alias(inode);
	if (!dentry)
		return -ENOENT;
	ia.ia_valid = ATTR_MODE | ATTR_CTIME | ATTR_FORCE;
	ia.ia_mode = mode;
	ia.ia_ctime = current_time(inode);
	err = vng_setattr(VNG_IDMAP_PASS dentry, &ia);
	dput(dentry);
	return err;
}

int vng_set_acl(VNG_IDMAP_PARAM VNG_SET_ACL_TARGET,
		struct posix_acl *acl, int type)
{
	struct inode *inode = VNG_SET_ACL_INODE;
	const char *name = vng_acl_name(type);
	umode_t mode = inode->i_mode;
	int err;

	if (vng_is_bad(inode))
		return -EIO;
	if (!name)
		return -EINVAL;
	if (!vng_acl_supported(inode))
		return -EOPNOTSUPP;

	if (type == ACL_TYPE_ACCESS && acl) {
		/* may turn acl into NULL when the mode says it all */
		err = vng_posix_acl_update_mode(VNG_IDMAP, inode, &mode, &acl);
		if (err)
			return err;
		if (mode != inode->i_mode) {
			err = vng_acl_set_mode(VNG_IDMAP_PASS inode, mode);
			if (err)
				return err;
		}
	}

	if (acl) {
		size_t size = posix_acl_xattr_size(acl->a_count);
		u32 extra = 0;
		void *value;

		if (size > PAGE_SIZE)
			return -E2BIG;
		value = kmalloc(size, GFP_KERNEL);
		if (!value)
			return -ENOMEM;
		err = vng_posix_acl_to_xattr(inode->i_sb->s_user_ns, acl,
					     value, size);
		if (err < 0) {
			kfree(value);
			return err;
		}
		/* the host clears sgid like a local filesystem would */
		if (!vng_in_group_or_capable(VNG_IDMAP, inode, CAP_FSETID))
			extra |= FUSE_SETXATTR_ACL_KILL_SGID;
		err = vng_setxattr(inode, name, value, size, 0, extra);
		kfree(value);
	} else {
		err = vng_removexattr(inode, name);
		/* removing an ACL that is not there is not an error */
		if (err == -ENODATA)
			err = 0;
	}
	forget_all_cached_acls(inode);
	vng_invalidate_attr(inode);
	return err;
}
