// SPDX-License-Identifier: GPL-2.0
/*
 * Name space operations: LOOKUP, FORGET, GETATTR/SETATTR, the create
 * family (SYMLINK, MKNOD, MKDIR, LINK), UNLINK/RMDIR, RENAME, STATFS and
 * ACCESS.  Every call is relative to an O_PATH fd of a known inode and
 * never follows a symlink the guest could have planted.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fs_internal.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)
#define RENAME_EXCHANGE		(1 << 1)
#define RENAME_WHITEOUT		(1 << 2)
#endif

/* The request's nodeid as a pinned inode; -ESTALE if the guest made it up. */
static struct fs_inode *req_inode(struct fs_req *r, uint64_t nodeid, int *err)
{
	struct fs_inode *ino = fs_inode_get(r->srv, nodeid);

	*err = ino ? 0 : -ESTALE;
	return ino;
}

static int reply_entry(struct fs_req *r, struct fs_inode *dir,
		       const char *name)
{
	struct fuse_entry_out *e = reply_buf(r, sizeof(*e));

	if (!e)
		return -EINVAL;
	return fs_lookup_name(r->srv, dir, name, e);
}

int fs_op_lookup(struct fs_req *r)
{
	struct fs_inode *dir;
	const char *name;
	int err;

	name = req_str(r, NAME_MAX, &err);
	if (!name)
		return err;
	/* "." and ".." only here, for FUSE_EXPORT_SUPPORT */
	if (strcmp(name, ".") && strcmp(name, "..")) {
		err = fs_check_name(name);
		if (err)
			return err;
	}
	dir = req_inode(r, r->in->nodeid, &err);
	if (!dir)
		return err;
	err = reply_entry(r, dir, name);
	fs_inode_put(r->srv, dir);
	return err;
}

int fs_op_forget(struct fs_req *r)
{
	const struct fuse_forget_in *in = req_arg(r, sizeof(*in));

	if (in)
		fs_inode_forget(r->srv, r->in->nodeid, in->nlookup);
	return FS_NOREPLY;
}

int fs_op_batch_forget(struct fs_req *r)
{
	const struct fuse_batch_forget_in *in = req_arg(r, sizeof(*in));
	const struct fuse_forget_one *one;
	uint32_t i;

	if (!in)
		return FS_NOREPLY;
	/* believe count only as far as the bytes really present */
	for (i = 0; i < in->count; i++) {
		one = req_arg(r, sizeof(*one));
		if (!one)
			break;
		fs_inode_forget(r->srv, one->nodeid, one->nlookup);
	}
	return FS_NOREPLY;
}

static int reply_attr(struct fs_req *r, int fd)
{
	struct fuse_attr_out *out;
	struct stat st;

	if (fs_stat(fd, &st) < 0)
		return -errno;
	out = reply_buf(r, sizeof(*out));
	if (!out)
		return -EINVAL;
	out->attr_valid = fs_timeout(r->srv);
	fs_fill_attr(&out->attr, &st);
	fs_fill_attr_flags(r->srv, &out->attr, &st);
	return 0;
}

int fs_op_getattr(struct fs_req *r)
{
	struct fs_inode *ino;
	int err;

	ino = req_inode(r, r->in->nodeid, &err);
	if (!ino)
		return err;
	/* fuse_getattr_in (fh) is optional: the inode fd tells all we need */
	err = reply_attr(r, ino->fd);
	fs_inode_put(r->srv, ino);
	return err;
}

/* The statx(2) fields fuse_statx carries; the host may know more. */
#define FS_STATX_FIELDS		(STATX_BASIC_STATS | STATX_BTIME)
/* statx(2) flags a guest may pass on: only the sync type */
#define FS_STATX_SYNC_TYPE	(AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC)

static void sx_time(struct fs_fuse_sx_time *t, const struct statx_timestamp *s)
{
	t->tv_sec = s->tv_sec;
	t->tv_nsec = s->tv_nsec;
}

static void fill_statx(struct fs_fuse_statx *x, const struct statx *stx)
{
	memset(x, 0, sizeof(*x));
	x->mask = stx->stx_mask & FS_STATX_FIELDS;
	x->blksize = stx->stx_blksize;
	x->attributes = stx->stx_attributes;
	x->nlink = stx->stx_nlink;
	x->uid = stx->stx_uid;
	x->gid = stx->stx_gid;
	x->mode = stx->stx_mode;
	x->ino = stx->stx_ino;
	x->size = stx->stx_size;
	x->blocks = stx->stx_blocks;
	x->attributes_mask = stx->stx_attributes_mask;
	sx_time(&x->atime, &stx->stx_atime);
	sx_time(&x->ctime, &stx->stx_ctime);
	sx_time(&x->mtime, &stx->stx_mtime);
	/* a birth time the host did not report is not sent as 0 */
	if (x->mask & STATX_BTIME)
		sx_time(&x->btime, &stx->stx_btime);
	x->rdev_major = stx->stx_rdev_major;
	x->rdev_minor = stx->stx_rdev_minor;
	x->dev_major = stx->stx_dev_major;
	x->dev_minor = stx->stx_dev_minor;
}

/*
 * FUSE_STATX (7.39): statx(2) of the host object with the guest's mask and
 * sync type, by the open file when the guest names one (FUSE_GETATTR_FH),
 * else by the inode's O_PATH fd.  There is no INIT flag for it: a guest
 * just tries it.  The request is checked as strictly as the others: the
 * whole in-arg, zero reserved field, known flags only.
 */
int fs_op_statx(struct fs_req *r)
{
	const struct fs_fuse_statx_in *in = req_arg(r, sizeof(*in));
	struct fs_fuse_statx_out *out;
	struct fs_handle *h = NULL;
	struct fs_inode *ino;
	struct statx stx;
	int err, fd, flags = AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW;

	if (!in || in->reserved ||
	    (in->getattr_flags & ~FS_STATX_GETATTR_FH) ||
	    (in->sx_flags & ~(uint32_t)FS_STATX_SYNC_TYPE) ||
	    (in->sx_flags & FS_STATX_SYNC_TYPE) == FS_STATX_SYNC_TYPE ||
	    (in->sx_mask & STATX__RESERVED))
		return -EINVAL;
	ino = req_inode(r, r->in->nodeid, &err);
	if (!ino)
		return err;
	fd = ino->fd;
	if (in->getattr_flags & FS_STATX_GETATTR_FH) {
		h = fs_handle_get(r->srv, in->fh, S_ISDIR(ino->type));
		if (!h || h->nodeid != ino->nodeid) {
			err = -EBADF;
			goto out;
		}
		fd = h->fd;
	}
	if (statx(fd, "", flags | (int)in->sx_flags, in->sx_mask, &stx) < 0) {
		err = -errno;
		goto out;
	}
	out = reply_buf(r, sizeof(*out));
	if (!out) {
		err = -EINVAL;
		goto out;
	}
	out->attr_valid = fs_timeout(r->srv);
	fill_statx(&out->stat, &stx);
	err = 0;
out:
	if (h)
		fs_handle_put(r->srv, h);
	fs_inode_put(r->srv, ino);
	return err;
}

/*
 * chown runs as the daemon (the caller's fsuid lacks CAP_CHOWN), so the
 * rules a local filesystem applies are checked here: only root gives a
 * file away; an owner may change its group only to their own gid (we do
 * not know the caller's supplementary groups).
 */
static int do_chown(struct fs_req *r, struct fs_inode *ino,
		    const struct fuse_setattr_in *in)
{
	uid_t uid = (in->valid & FATTR_UID) ? in->uid : (uid_t)-1;
	gid_t gid = (in->valid & FATTR_GID) ? in->gid : (gid_t)-1;
	struct stat st;
	int ret;

	if (fs_stat(ino->fd, &st) < 0)
		return -errno;
	if (r->srv->switch_creds && r->in->uid != 0) {
		if (uid != (uid_t)-1 && uid != st.st_uid)
			return -EPERM;
		if (gid != (gid_t)-1 && gid != st.st_gid &&
		    (st.st_uid != r->in->uid || gid != r->in->gid))
			return -EPERM;
		if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
		    st.st_uid != r->in->uid)
			return -EPERM;
	}
	fs_cred_root(r->srv, true);
	ret = fchownat(ino->fd, "", uid, gid,
		       AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	ret = ret < 0 ? -errno : 0;
	fs_cred_root(r->srv, false);
	return ret;
}

static int do_truncate(struct fs_req *r, struct fs_inode *ino,
		       struct fs_handle *h, uint64_t size)
{
	int fd, ret;

	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	if (h)
		return ftruncate(h->fd, (off_t)size) < 0 ? -errno : 0;
	if (S_ISDIR(ino->type))
		return -EISDIR;
	if (!S_ISREG(ino->type))
		return -EINVAL;
	fd = fs_reopen(r->srv, ino, O_WRONLY);
	if (fd < 0)
		return fd;
	ret = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int do_utimes(struct fs_req *r, struct fs_inode *ino,
		     struct fs_handle *h, const struct fuse_setattr_in *in)
{
	struct timespec ts[2] = {
		{ .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT },
	};
	char name[32];

	if (in->valid & FATTR_ATIME) {
		if (in->atimensec >= 1000000000u)
			return -EINVAL;
		ts[0].tv_sec = (time_t)in->atime;
		ts[0].tv_nsec = in->atimensec;
	}
	if (in->valid & FATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	if (in->valid & FATTR_MTIME) {
		if (in->mtimensec >= 1000000000u)
			return -EINVAL;
		ts[1].tv_sec = (time_t)in->mtime;
		ts[1].tv_nsec = in->mtimensec;
	}
	if (in->valid & FATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	if (h)
		return futimens(h->fd, ts) < 0 ? -errno : 0;
	if (S_ISLNK(ino->type))
		return utimensat(ino->fd, "", ts,
				 AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ?
		       -errno : 0;
	snprintf(name, sizeof(name), "%d", ino->fd);
	return utimensat(r->srv->proc_self_fd, name, ts, 0) < 0 ? -errno : 0;
}

int fs_op_setattr(struct fs_req *r)
{
	const struct fuse_setattr_in *in = req_arg(r, sizeof(*in));
	struct fs_handle *h = NULL;
	struct fs_inode *ino;
	char name[32];
	int err = 0;

	if (!in)
		return -EINVAL;
	ino = req_inode(r, r->in->nodeid, &err);
	if (!ino)
		return err;
	if (in->valid & FATTR_FH) {
		h = fs_handle_get(r->srv, in->fh, false);
		if (!h) {
			err = -EBADF;
			goto out;
		}
	}
	if (in->valid & FATTR_MODE) {
		if (h) {
			err = fchmod(h->fd, in->mode & 07777);
		} else if (S_ISLNK(ino->type)) {
			errno = EOPNOTSUPP;
			err = -1;
		} else {
			snprintf(name, sizeof(name), "%d", ino->fd);
			err = fchmodat(r->srv->proc_self_fd, name,
				       in->mode & 07777, 0);
		}
		if (err < 0) {
			err = -errno;
			goto out;
		}
	}
	if (in->valid & (FATTR_UID | FATTR_GID)) {
		err = do_chown(r, ino, in);
		if (err)
			goto out;
	}
	if (in->valid & FATTR_SIZE) {
		err = do_truncate(r, ino, h, in->size);
		if (err)
			goto out;
	}
	if (in->valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW |
			 FATTR_MTIME_NOW)) {
		err = do_utimes(r, ino, h, in);
		if (err)
			goto out;
	}
	err = reply_attr(r, ino->fd);
out:
	fs_handle_put(r->srv, h);
	fs_inode_put(r->srv, ino);
	return err;
}

int fs_op_readlink(struct fs_req *r)
{
	struct fs_inode *ino;
	char buf[PATH_MAX];
	ssize_t n;
	int err;
	void *out;

	ino = req_inode(r, r->in->nodeid, &err);
	if (!ino)
		return err;
	if (!S_ISLNK(ino->type)) {
		fs_inode_put(r->srv, ino);
		return -EINVAL;
	}
	n = readlinkat(ino->fd, "", buf, sizeof(buf));
	err = n < 0 ? -errno : 0;
	fs_inode_put(r->srv, ino);
	if (err)
		return err;
	out = reply_buf(r, (size_t)n);
	if (!out)
		return -ERANGE;
	memcpy(out, buf, (size_t)n);
	return 0;
}

/*
 * Shared tail of every create: the parent's pinned inode is in *dir, the
 * object was made under name; answer with its entry (one more lookup).
 */
static int created(struct fs_req *r, struct fs_inode *dir, const char *name,
		   int ret)
{
	if (ret < 0)
		ret = -errno;
	else
		ret = reply_entry(r, dir, name);
	fs_inode_put(r->srv, dir);
	return ret;
}

int fs_op_symlink(struct fs_req *r)
{
	const char *name, *target;
	struct fs_inode *dir;
	int err;

	name = req_name(r, &err);
	if (!name)
		return err;
	target = req_str(r, PATH_MAX - 1, &err);
	if (!target)
		return err;
	if (!*target)
		return -ENOENT;
	dir = req_inode(r, r->in->nodeid, &err);
	if (!dir)
		return err;
	/* the target is only text to us: we never follow it */
	return created(r, dir, name, symlinkat(target, dir->fd, name));
}

int fs_op_mknod(struct fs_req *r)
{
	const struct fuse_mknod_in *in = req_arg(r, sizeof(*in));
	struct fs_cred_saved saved = { 0 };
	struct fs_inode *dir;
	const char *name;
	mode_t mode;
	int err, ret;

	if (!in)
		return -EINVAL;
	name = req_name(r, &err);
	if (!name)
		return err;
	dir = req_inode(r, r->in->nodeid, &err);
	if (!dir)
		return err;
	mode = fs_cred_umask(&saved, in->mode, in->umask);
	ret = mknodat(dir->fd, name, mode, in->rdev);
	err = errno;
	fs_cred_leave_umask(&saved);
	errno = err;
	return created(r, dir, name, ret);
}

int fs_op_mkdir(struct fs_req *r)
{
	const struct fuse_mkdir_in *in = req_arg(r, sizeof(*in));
	struct fs_cred_saved saved = { 0 };
	struct fs_inode *dir;
	const char *name;
	int err, ret;
	mode_t mode;

	if (!in)
		return -EINVAL;
	name = req_name(r, &err);
	if (!name)
		return err;
	dir = req_inode(r, r->in->nodeid, &err);
	if (!dir)
		return err;
	mode = fs_cred_umask(&saved, in->mode & 07777, in->umask);
	ret = mkdirat(dir->fd, name, mode);
	err = errno;
	fs_cred_leave_umask(&saved);
	errno = err;
	return created(r, dir, name, ret);
}

static int do_unlink(struct fs_req *r, int flags)
{
	struct fs_inode *dir;
	const char *name;
	int err;

	name = req_name(r, &err);
	if (!name)
		return err;
	dir = req_inode(r, r->in->nodeid, &err);
	if (!dir)
		return err;
	err = unlinkat(dir->fd, name, flags) < 0 ? -errno : 0;
	fs_inode_put(r->srv, dir);
	return err;
}

int fs_op_unlink(struct fs_req *r)
{
	return do_unlink(r, 0);
}

int fs_op_rmdir(struct fs_req *r)
{
	return do_unlink(r, AT_REMOVEDIR);
}

static int do_rename(struct fs_req *r, uint64_t newdir_id, unsigned int flags)
{
	struct fs_inode *olddir, *newdir;
	const char *oldname, *newname;
	int err;

	if (flags & ~(unsigned int)(RENAME_NOREPLACE | RENAME_EXCHANGE |
				    RENAME_WHITEOUT))
		return -EINVAL;
	oldname = req_name(r, &err);
	if (!oldname)
		return err;
	newname = req_name(r, &err);
	if (!newname)
		return err;
	olddir = req_inode(r, r->in->nodeid, &err);
	if (!olddir)
		return err;
	newdir = req_inode(r, newdir_id, &err);
	if (newdir) {
		err = renameat2(olddir->fd, oldname, newdir->fd, newname,
				flags) < 0 ? -errno : 0;
		fs_inode_put(r->srv, newdir);
	}
	fs_inode_put(r->srv, olddir);
	return err;
}

int fs_op_rename(struct fs_req *r)
{
	const struct fuse_rename_in *in = req_arg(r, sizeof(*in));

	return in ? do_rename(r, in->newdir, 0) : -EINVAL;
}

int fs_op_rename2(struct fs_req *r)
{
	const struct fuse_rename2_in *in = req_arg(r, sizeof(*in));

	return in ? do_rename(r, in->newdir, in->flags) : -EINVAL;
}

int fs_op_link(struct fs_req *r)
{
	const struct fuse_link_in *in = req_arg(r, sizeof(*in));
	struct fs_inode *old, *dir;
	const char *name;
	char path[64];
	int err, ret;

	if (!in)
		return -EINVAL;
	name = req_name(r, &err);
	if (!name)
		return err;
	old = req_inode(r, in->oldnodeid, &err);
	if (!old)
		return err;
	if (S_ISDIR(old->type)) {
		fs_inode_put(r->srv, old);
		return -EPERM;
	}
	dir = req_inode(r, r->in->nodeid, &err);
	if (!dir) {
		fs_inode_put(r->srv, old);
		return err;
	}
	/*
	 * linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH, which the
	 * caller's fsuid does not carry; the /proc magic link does not.
	 */
	fs_proc_path(path, sizeof(path), old->fd);
	ret = linkat(AT_FDCWD, path, dir->fd, name, AT_SYMLINK_FOLLOW);
	err = errno;
	fs_inode_put(r->srv, old);
	errno = err;
	return created(r, dir, name, ret);
}

int fs_op_statfs(struct fs_req *r)
{
	struct fuse_statfs_out *out;
	struct fs_inode *ino;
	struct statfs st;
	int err;

	ino = req_inode(r, r->in->nodeid, &err);
	if (!ino)
		return err;
	err = fstatfs(ino->fd, &st) < 0 ? -errno : 0;
	fs_inode_put(r->srv, ino);
	if (err)
		return err;
	out = reply_buf(r, sizeof(*out));
	if (!out)
		return -EINVAL;
	out->st.blocks = st.f_blocks;
	out->st.bfree = st.f_bfree;
	out->st.bavail = st.f_bavail;
	out->st.files = st.f_files;
	out->st.ffree = st.f_ffree;
	out->st.bsize = (uint32_t)st.f_bsize;
	out->st.namelen = (uint32_t)st.f_namelen;
	out->st.frsize = (uint32_t)st.f_frsize;
	return 0;
}

int fs_op_access(struct fs_req *r)
{
	const struct fuse_access_in *in = req_arg(r, sizeof(*in));
	struct fs_inode *ino;
	char name[32];
	int err;

	if (!in)
		return -EINVAL;
	if (in->mask & ~(uint32_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	ino = req_inode(r, r->in->nodeid, &err);
	if (!ino)
		return err;
	if ((in->mask & W_OK) && r->srv->cfg.readonly) {
		err = -EROFS;
	} else if (S_ISLNK(ino->type)) {
		err = 0;	/* access(2) on a symlink checks its target */
	} else {
		/* AT_EACCESS: check with the fsuid we switched to */
		snprintf(name, sizeof(name), "%d", ino->fd);
		err = faccessat(r->srv->proc_self_fd, name, (int)in->mask,
				AT_EACCESS) < 0 ? -errno : 0;
	}
	fs_inode_put(r->srv, ino);
	return err;
}
