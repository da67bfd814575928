// SPDX-License-Identifier: GPL-2.0
/*
 * Extended attributes: the user., trusted. and security. namespaces go to
 * the host as they are; system.posix_acl_* go through acl.c and the
 * kernel's ACL handlers.  A host that says it lacks an opcode once is not asked
 * again (-EOPNOTSUPP from then on).  Values are not cached, except that a
 * file has no security.capability (see vng_nocaps_known()).
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xattr.h>

#include "fs.h"

/* Names go to the host NUL-terminated; the VFS caps them at 255 bytes. */
static size_t vng_xattr_name_size(const char *name)
{
	return strlen(name) + 1;
}

/*
 * GETXATTR and LISTXATTR asked with size 0 reply with the size the value
 * needs; otherwise with the value itself, up to size bytes.
 */
static void vng_xattr_out(struct vng_args *args, void *buf, size_t size,
			  struct fuse_getxattr_out *out)
{
	args->out_numargs = 1;
	if (size) {
		args->out_argvar = true;
		args->out_args[0].size = size;
		args->out_args[0].value = buf;
	} else {
		args->out_args[0].size = sizeof(*out);
		args->out_args[0].value = out;
	}
}

/*
 * A write(2) asks for security.capability first (file_remove_privs()),
 * unless the host drops privileges itself (HANDLE_KILLPRIV): a GETXATTR
 * per write, twice the requests of small writes.  That the file has none
 * is remembered as its attributes would be, so no staler than its cached
 * mode, whose suid bit the same write clears: for the attribute timeout
 * the host gave the file's last attributes, counted from the answer, or
 * until a full invalidation of them (a host change, a setxattr,
 * removexattr or setattr of the guest's) forgets it
 * (vng_invalidate_attr_all()).  With cache=none it is never remembered.
 */
static bool vng_nocaps_known(struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);

	return time_before64(get_jiffies_64(), READ_ONCE(vi->nocaps_until));
}

static u32 vng_attr_gen(struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);
	u32 gen;

	spin_lock(&vi->lock);
	gen = vi->attr_gen;
	spin_unlock(&vi->lock);
	return gen;
}

/* The host said none; not if the attributes were invalidated meanwhile. */
static void vng_nocaps_remember(struct inode *inode, u32 gen)
{
	struct vng_inode *vi = vng_i(inode);

	spin_lock(&vi->lock);
	if (vi->attr_gen == gen && vi->attr_ttl)
		WRITE_ONCE(vi->nocaps_until, get_jiffies_64() + vi->attr_ttl);
	spin_unlock(&vi->lock);
}

ssize_t vng_getxattr(struct inode *inode, const char *name, void *value,
		     size_t size)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct fuse_getxattr_in in = {};
	struct fuse_getxattr_out out = {};
	struct vng_args args = {};
	bool caps;
	ssize_t ret;
	u32 gen = 0;

	if (vng_is_bad(inode))
		return -EIO;
	if (vng_conn_no(conn, VNG_NO_XATTR))
		return -EOPNOTSUPP;
	caps = !strcmp(name, XATTR_NAME_CAPS);
	if (caps) {
		if (vng_nocaps_known(inode))
			return -ENODATA;
		gen = vng_attr_gen(inode);
	}

	size = min_t(size_t, size, XATTR_SIZE_MAX);
	in.size = size;
	args.opcode = FUSE_GETXATTR;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 2;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.in_args[1].size = vng_xattr_name_size(name);
	args.in_args[1].value = (void *)name;
	vng_xattr_out(&args, value, size, &out);
	ret = vng_request(conn, &args);
	if (vng_unimplemented(ret)) {
		vng_conn_set_no(conn, VNG_NO_XATTR);
		return -EOPNOTSUPP;
	}
	if (caps && ret == -ENODATA)
		vng_nocaps_remember(inode, gen);
	if (ret < 0)
		return ret;
	if (!size)
		return min_t(u32, out.size, XATTR_SIZE_MAX);
	return ret;
}

int vng_setxattr(struct inode *inode, const char *name, const void *value,
		 size_t size, int flags, u32 extra_flags)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct fuse_setxattr_in in = {};
	struct vng_args args = {};
	ssize_t err;

	if (vng_is_bad(inode))
		return -EIO;
	if (vng_conn_no(conn, VNG_NO_XATTR))
		return -EOPNOTSUPP;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;

	in.size = size;
	in.flags = flags;
	in.setxattr_flags = extra_flags;
	args.opcode = FUSE_SETXATTR;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 3;
	/* the extended layout only when the host said it reads it */
	args.in_args[0].size = vng_conn_has(conn, FUSE_SETXATTR_EXT) ?
			       sizeof(in) : FUSE_COMPAT_SETXATTR_IN_SIZE;
	args.in_args[0].value = &in;
	args.in_args[1].size = vng_xattr_name_size(name);
	args.in_args[1].value = (void *)name;
	args.in_args[2].size = size;
	args.in_args[2].value = (void *)value;
	err = vng_request(conn, &args);
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_XATTR);
		return -EOPNOTSUPP;
	}
	/* ctime changed, and the host may have dropped suid/sgid */
	if (!err || err == -EINTR)
		vng_invalidate_attr(inode);
	return err;
}

int vng_removexattr(struct inode *inode, const char *name)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_args args = {};
	ssize_t err;

	if (vng_is_bad(inode))
		return -EIO;
	if (vng_conn_no(conn, VNG_NO_XATTR))
		return -EOPNOTSUPP;

	args.opcode = FUSE_REMOVEXATTR;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 1;
	args.in_args[0].size = vng_xattr_name_size(name);
	args.in_args[0].value = (void *)name;
	err = vng_request(conn, &args);
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_XATTR);
		return -EOPNOTSUPP;
	}
	if (!err || err == -EINTR)
		vng_invalidate_attr(inode);
	return err;
}

/* A name list is NUL-terminated names, none empty, nothing after the last. */
static bool vng_xattr_list_valid(const char *list, size_t size)
{
	size_t off = 0;

	while (off < size) {
		const char *end = memchr(list + off, '\0', size - off);

		if (!end || end == list + off)
			return false;
		off = end - list + 1;
	}
	return true;
}

ssize_t vng_listxattr(struct dentry *dentry, char *list, size_t size)
{
	struct inode *inode = d_inode(dentry);
	struct vng_conn *conn = vng_i_conn(inode);
	struct fuse_getxattr_in in = {};
	struct fuse_getxattr_out out = {};
	struct vng_args args = {};
	ssize_t ret;

	if (vng_is_bad(inode))
		return -EIO;
	if (!vng_allow_current_process(inode->i_sb))
		return -EACCES;
	if (vng_conn_no(conn, VNG_NO_XATTR) ||
	    vng_conn_no(conn, VNG_NO_LISTXATTR))
		return -EOPNOTSUPP;

	size = min_t(size_t, size, XATTR_LIST_MAX);
	in.size = size;
	args.opcode = FUSE_LISTXATTR;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	vng_xattr_out(&args, list, size, &out);
	ret = vng_request(conn, &args);
	if (vng_unimplemented(ret)) {
		vng_conn_set_no(conn, VNG_NO_LISTXATTR);
		return -EOPNOTSUPP;
	}
	if (ret < 0)
		return ret;
	if (!size)
		return min_t(u32, out.size, XATTR_LIST_MAX);
	if (ret && !vng_xattr_list_valid(list, ret)) {
		vng_conn_err(conn, "LISTXATTR of node %llu: malformed list",
			     vng_nodeid(inode));
		return -EIO;
	}
	return ret;
}

static int vng_xattr_get(const struct xattr_handler *handler,
			 struct dentry *dentry, struct inode *inode,
			 const char *name, void *value, size_t size)
{
	if (!vng_allow_current_process(inode->i_sb))
		return -EACCES;
	return vng_getxattr(inode, xattr_full_name(handler, name), value, size);
}

static int vng_xattr_set(const struct xattr_handler *handler,
			 VNG_IDMAP_PARAM struct dentry *dentry, struct inode *inode,
			 const char *name, const void *value, size_t size,
			 int flags)
{
	const char *full = xattr_full_name(handler, name);

	if (!vng_allow_current_process(inode->i_sb))
		return -EACCES;
	if (!value)
		return vng_removexattr(inode, full);
	return vng_setxattr(inode, full, value, size, flags, 0);
}

static const struct xattr_handler vng_user_xattr_handler = {
	.prefix	= XATTR_USER_PREFIX,
	.get	= vng_xattr_get,
	.set	= vng_xattr_set,
};

static const struct xattr_handler vng_trusted_xattr_handler = {
	.prefix	= XATTR_TRUSTED_PREFIX,
	.get	= vng_xattr_get,
	.set	= vng_xattr_set,
};

static const struct xattr_handler vng_security_xattr_handler = {
	.prefix	= XATTR_SECURITY_PREFIX,
	.get	= vng_xattr_get,
	.set	= vng_xattr_set,
};

/*
 * The ACL handlers are the kernel's: they call our ->get_acl/->set_acl
 * (acl.c), which only work when the host negotiated FUSE_POSIX_ACL.
 */
const struct xattr_handler *vng_xattr_handlers[] = {
	&vng_user_xattr_handler,
	&vng_trusted_xattr_handler,
	&vng_security_xattr_handler,
	VNG_POSIX_ACL_XATTR_HANDLERS
	NULL
};
