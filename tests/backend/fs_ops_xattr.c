// SPDX-License-Identifier: GPL-2.0
/*
 * Extended attributes.  The *xattr(2) calls do not take O_PATH fds, so
 * they go through the /proc/self/fd/N magic link, which names the inode we
 * hold (even a symlink) and is never followed any further.
 */
#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

#include "fs_internal.h"

#ifndef XATTR_NAME_MAX
#define XATTR_NAME_MAX	255
#endif
#ifndef XATTR_SIZE_MAX
#define XATTR_SIZE_MAX	65536
#endif
#ifndef XATTR_LIST_MAX
#define XATTR_LIST_MAX	65536
#endif

static struct fs_inode *xattr_inode(struct fs_req *r, char *path, size_t len,
				    int *err)
{
	struct fs_inode *ino;

	if (!r->srv->cfg.xattr) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	ino = fs_inode_get(r->srv, r->in->nodeid);
	if (!ino) {
		*err = -ESTALE;
		return NULL;
	}
	fs_proc_path(path, len, ino->fd);
	*err = 0;
	return ino;
}

static const char *xattr_name(struct fs_req *r, int *err)
{
	const char *name = req_str(r, XATTR_NAME_MAX, err);

	if (name && !*name) {
		*err = -EINVAL;
		return NULL;
	}
	if (!name && *err == -ENAMETOOLONG)
		*err = -ERANGE;
	return name;
}

int fs_op_setxattr(struct fs_req *r)
{
	/* without FUSE_SETXATTR_EXT the in-arg is the 8-byte compat form */
	const struct fuse_setxattr_in *in =
		req_arg(r, FUSE_COMPAT_SETXATTR_IN_SIZE);
	struct fs_inode *ino;
	const char *name;
	const void *value;
	char path[64];
	size_t left;
	int err;

	if (!in)
		return -EINVAL;
	name = xattr_name(r, &err);
	if (!name)
		return err;
	value = req_rest(r, &left);
	if (in->size > left)
		return -EINVAL;
	if (in->size > XATTR_SIZE_MAX)
		return -E2BIG;
	if (in->flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	ino = xattr_inode(r, path, sizeof(path), &err);
	if (!ino)
		return err;
	err = setxattr(path, name, value, in->size, (int)in->flags) < 0 ?
	      -errno : 0;
	fs_inode_put(r->srv, ino);
	return err;
}

/* GETXATTR and LISTXATTR answer the same way: a size or the bytes. */
static int reply_xattr(struct fs_req *r, uint32_t want, const char *name)
{
	struct fs_inode *ino;
	char path[64];
	size_t cap;
	ssize_t n;
	void *buf = NULL;
	int err;

	ino = xattr_inode(r, path, sizeof(path), &err);
	if (!ino)
		return err;
	if (!want) {
		n = name ? getxattr(path, name, NULL, 0) :
			   listxattr(path, NULL, 0);
	} else {
		cap = want;
		if (cap > XATTR_LIST_MAX)
			cap = XATTR_LIST_MAX;
		if (cap > r->outcap)
			cap = r->outcap;
		buf = reply_buf(r, cap);
		n = !buf ? (errno = ENOMEM, -1) :
		    name ? getxattr(path, name, buf, cap) :
			   listxattr(path, buf, cap);
	}
	err = n < 0 ? -errno : 0;
	fs_inode_put(r->srv, ino);
	if (err)
		return err;
	if (!want) {
		struct fuse_getxattr_out *out = reply_buf(r, sizeof(*out));

		if (!out)
			return -EINVAL;
		out->size = (uint32_t)n;
	} else {
		r->outlen = (size_t)n;
	}
	return 0;
}

int fs_op_getxattr(struct fs_req *r)
{
	const struct fuse_getxattr_in *in = req_arg(r, sizeof(*in));
	const char *name;
	int err;

	if (!in)
		return -EINVAL;
	name = xattr_name(r, &err);
	if (!name)
		return err;
	return reply_xattr(r, in->size, name);
}

int fs_op_listxattr(struct fs_req *r)
{
	const struct fuse_getxattr_in *in = req_arg(r, sizeof(*in));

	if (!in)
		return -EINVAL;
	return reply_xattr(r, in->size, NULL);
}

int fs_op_removexattr(struct fs_req *r)
{
	struct fs_inode *ino;
	const char *name;
	char path[64];
	int err;

	name = xattr_name(r, &err);
	if (!name)
		return err;
	ino = xattr_inode(r, path, sizeof(path), &err);
	if (!ino)
		return err;
	err = removexattr(path, name) < 0 ? -errno : 0;
	fs_inode_put(r->srv, ino);
	return err;
}
