// SPDX-License-Identifier: GPL-2.0
/*
 * Open files: OPEN, CREATE, TMPFILE, READ, WRITE, FLUSH, RELEASE, FSYNC, FALLOCATE,
 * LSEEK, COPY_FILE_RANGE, SYNCFS, and the DAX window requests
 * (SETUPMAPPING, REMOVEMAPPING) which go to the transport's hooks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_internal.h"

/* Open flags a guest may pass on to the host. */
static int host_open_flags(uint32_t flags)
{
	/*
	 * O_DIRECT would need aligned buffers we do not have; O_NOATIME
	 * fails for non-owners; creation flags belong to CREATE only.
	 * O_APPEND: the guest kernel already puts an appending write at its
	 * idea of the end of file and sends that offset, and its fcntl
	 * F_SETFL can clear O_APPEND without telling us, so every WRITE goes
	 * exactly where its offset says.
	 */
	flags &= ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT |
			     O_NOATIME | O_NOFOLLOW | O_PATH | O_TMPFILE |
			     O_APPEND);
	return (int)flags | O_LARGEFILE | O_CLOEXEC;
}

/*
 * With the writeback cache the guest reads the rest of a page before a
 * partial write into it, through whichever handle it has: a write-only
 * file is opened read-write when the caller may read it.
 */
static int host_open_flags_wb(const struct fs_server *srv, uint32_t flags)
{
	int f = host_open_flags(flags);

	if (srv->cfg.writeback && (f & O_ACCMODE) == O_WRONLY)
		f = (f & ~O_ACCMODE) | O_RDWR;
	return f;
}

int fs_op_open(struct fs_req *r)
{
	const struct fuse_open_in *in = req_arg(r, sizeof(*in));
	struct fuse_open_out *out;
	struct fs_inode *ino;
	uint64_t fh;
	int fd;

	if (!in)
		return -EINVAL;
	if (r->srv->cfg.readonly && !fs_is_readonly_open(in->flags))
		return -EROFS;
	ino = fs_inode_get(r->srv, r->in->nodeid);
	if (!ino)
		return -ESTALE;
	if (S_ISLNK(ino->type))
		fd = -ELOOP;
	else if (!S_ISREG(ino->type) && !S_ISDIR(ino->type))
		fd = -ENXIO;	/* devices and fifos are the guest's own */
	else
		fd = fs_reopen(r->srv, ino, host_open_flags_wb(r->srv, in->flags));
	/* the caller may only write: so be it, it asked for no more */
	if (fd == -EACCES && host_open_flags_wb(r->srv, in->flags) !=
			     host_open_flags(in->flags))
		fd = fs_reopen(r->srv, ino, host_open_flags(in->flags));
	fs_inode_put(r->srv, ino);
	if (fd < 0)
		return fd;
	out = reply_buf(r, sizeof(*out));
	if (!out) {
		close(fd);
		return -EINVAL;
	}
	fh = fs_handle_add(r->srv, fd, false, r->in->nodeid);
	if (!fh)
		return -ENOMEM;
	out->fh = fh;
	out->open_flags = fs_open_flags(r->srv, false);
	return 0;
}

/* A node for an open file that has no name (O_TMPFILE). */
static int node_of_fd(struct fs_server *srv, int fd, struct fuse_entry_out *e)
{
	char path[64];
	struct stat st;
	int pfd;

	fs_proc_path(path, sizeof(path), fd);
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	return fs_entry_of_fd(srv, pfd, e, &st);
}

/*
 * CREATE, and TMPFILE: the same arguments (TMPFILE's name is a placeholder
 * the guest's VFS gives every nameless file) and the same reply, an entry
 * and an open file.
 */
static int create_open(struct fs_req *r, bool tmpfile)
{
	const struct fuse_create_in *in = req_arg(r, sizeof(*in));
	struct fs_cred_saved saved = { 0 };
	struct fuse_entry_out *e;
	struct fuse_open_out *o;
	struct fs_inode *dir;
	const char *name;
	int err, fd;
	mode_t mode;
	uint64_t fh;

	if (!in)
		return -EINVAL;
	name = tmpfile ? req_str(r, NAME_MAX, &err) : req_name(r, &err);
	if (!name)
		return err;
	e = reply_buf(r, sizeof(*e) + sizeof(*o));
	if (!e)
		return -EINVAL;
	o = (struct fuse_open_out *)(e + 1);
	dir = fs_inode_get(r->srv, r->in->nodeid);
	if (!dir)
		return -ESTALE;
	if (!S_ISDIR(dir->type)) {
		fs_inode_put(r->srv, dir);
		return -ENOTDIR;
	}
	mode = fs_cred_umask(&saved, (in->mode & 07777) | S_IFREG, in->umask);
	/* O_NOFOLLOW: O_CREAT must not create through a dangling symlink */
	if (tmpfile)
		fd = openat(dir->fd, ".",
			    host_open_flags_wb(r->srv, in->flags) | O_TMPFILE,
			    mode & 07777);
	else
		fd = openat(dir->fd, name, host_open_flags_wb(r->srv, in->flags) |
			    O_CREAT | O_NOFOLLOW, mode & 07777);
	err = fd < 0 ? -errno : 0;
	fs_cred_leave_umask(&saved);
	if (!err) {
		err = tmpfile ? node_of_fd(r->srv, fd, e) :
				fs_lookup_name(r->srv, dir, name, e);
		if (err)
			close(fd);
	}
	fs_inode_put(r->srv, dir);
	if (err)
		return err;
	fh = fs_handle_add(r->srv, fd, false, e->nodeid);
	if (!fh) {
		fs_inode_forget(r->srv, e->nodeid, 1);
		return -ENOMEM;
	}
	o->fh = fh;
	o->open_flags = fs_open_flags(r->srv, false);
	return 0;
}

int fs_op_create(struct fs_req *r)
{
	return create_open(r, false);
}

int fs_op_tmpfile(struct fs_req *r)
{
	return create_open(r, true);
}

int fs_op_read(struct fs_req *r)
{
	const struct fuse_read_in *in = req_arg(r, sizeof(*in));
	struct fs_handle *h;
	size_t size;
	ssize_t n;
	void *buf;

	if (!in)
		return -EINVAL;
	if (in->offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	/* never more than the guest's buffers (or our max) can take */
	size = in->size;
	if (size > r->outcap)
		size = r->outcap;
	if (size > FS_MAX_REPLY)
		size = FS_MAX_REPLY;
	h = fs_handle_get(r->srv, in->fh, false);
	if (!h)
		return -EBADF;
	buf = reply_buf(r, size);
	if (!buf) {
		fs_handle_put(r->srv, h);
		return -ENOMEM;
	}
	n = pread(h->fd, buf, size, (off_t)in->offset);
	fs_handle_put(r->srv, h);
	if (n < 0)
		return -errno;
	r->outlen = (size_t)n;
	return 0;
}

int fs_op_write(struct fs_req *r)
{
	const struct fuse_write_in *in = req_arg(r, sizeof(*in));
	struct fuse_write_out *out;
	struct fs_handle *h;
	const void *data;
	size_t len;
	ssize_t n;

	if (!in)
		return -EINVAL;
	data = req_rest(r, &len);
	if (in->size > len || in->offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	out = reply_buf(r, sizeof(*out));
	if (!out)
		return -EINVAL;
	h = fs_handle_get(r->srv, in->fh, false);
	if (!h)
		return -EBADF;
	n = pwrite(h->fd, data, in->size, (off_t)in->offset);
	fs_handle_put(r->srv, h);
	if (n < 0)
		return -errno;
	out->size = (uint32_t)n;
	return 0;
}

int fs_op_release(struct fs_req *r)
{
	const struct fuse_release_in *in = req_arg(r, sizeof(*in));

	if (!in)
		return -EINVAL;
	/*
	 * the last close of a guest file drops the flock lock it held
	 * (FUSE_RELEASE_FLOCK_UNLOCK); flock locks are keyed by fh, and a
	 * released fh cannot hold one anyway
	 */
	fs_lock_release_owner(r->srv, r->in->nodeid, in->fh, true);
	return fs_handle_remove(r->srv, in->fh, false);
}

int fs_op_flush(struct fs_req *r)
{
	const struct fuse_flush_in *in = req_arg(r, sizeof(*in));
	struct fs_handle *h;
	int fd;

	if (!in)
		return -EINVAL;
	h = fs_handle_get(r->srv, in->fh, false);
	if (!h)
		return -EBADF;
	/* close(2) in the guest: that owner's POSIX locks go away */
	fs_lock_release_owner(r->srv, r->in->nodeid, in->lock_owner, false);
	/* and a close of a duplicate lets the host fs flush (NFS does) */
	fd = dup(h->fd);
	fs_handle_put(r->srv, h);
	if (fd < 0)
		return -errno;
	return close(fd) < 0 ? -errno : 0;
}

static int do_fsync(struct fs_req *r, bool is_dir)
{
	const struct fuse_fsync_in *in = req_arg(r, sizeof(*in));
	struct fs_handle *h;
	int ret;

	if (!in)
		return -EINVAL;
	h = fs_handle_get(r->srv, in->fh, is_dir);
	if (!h)
		return -EBADF;
	if (in->fsync_flags & FUSE_FSYNC_FDATASYNC)
		ret = fdatasync(h->fd);
	else
		ret = fsync(h->fd);
	ret = ret < 0 ? -errno : 0;
	fs_handle_put(r->srv, h);
	return ret;
}

int fs_op_fsync(struct fs_req *r)
{
	return do_fsync(r, false);
}

int fs_op_fsyncdir(struct fs_req *r)
{
	return do_fsync(r, true);
}

int fs_op_fallocate(struct fs_req *r)
{
	const struct fuse_fallocate_in *in = req_arg(r, sizeof(*in));
	struct fs_handle *h;
	int ret;

	if (!in)
		return -EINVAL;
	if (in->offset > (uint64_t)INT64_MAX || in->length > (uint64_t)INT64_MAX)
		return -EINVAL;
	h = fs_handle_get(r->srv, in->fh, false);
	if (!h)
		return -EBADF;
	ret = fallocate(h->fd, (int)in->mode, (off_t)in->offset,
			(off_t)in->length) < 0 ? -errno : 0;
	fs_handle_put(r->srv, h);
	return ret;
}

int fs_op_lseek(struct fs_req *r)
{
	const struct fuse_lseek_in *in = req_arg(r, sizeof(*in));
	struct fuse_lseek_out *out;
	struct fs_handle *h;
	off_t off;

	if (!in)
		return -EINVAL;
	if (in->whence != SEEK_SET && in->whence != SEEK_CUR &&
	    in->whence != SEEK_END && in->whence != SEEK_DATA &&
	    in->whence != SEEK_HOLE)
		return -EINVAL;
	out = reply_buf(r, sizeof(*out));
	if (!out)
		return -EINVAL;
	h = fs_handle_get(r->srv, in->fh, false);
	if (!h)
		return -EBADF;
	pthread_mutex_lock(&h->lock);
	off = lseek(h->fd, (off_t)in->offset, (int)in->whence);
	pthread_mutex_unlock(&h->lock);
	fs_handle_put(r->srv, h);
	if (off < 0)
		return -errno;
	out->offset = (uint64_t)off;
	return 0;
}

int fs_op_copy_file_range(struct fs_req *r)
{
	const struct fuse_copy_file_range_in *in = req_arg(r, sizeof(*in));
	struct fuse_write_out *out;
	struct fs_handle *hin, *hout;
	struct fs_inode *ino;
	loff_t off_in, off_out;
	size_t len;
	ssize_t n;

	if (!in)
		return -EINVAL;
	if (in->flags || in->off_in > (uint64_t)INT64_MAX ||
	    in->off_out > (uint64_t)INT64_MAX)
		return -EINVAL;
	out = reply_buf(r, sizeof(*out));
	if (!out)
		return -EINVAL;
	ino = fs_inode_get(r->srv, in->nodeid_out);
	if (!ino)
		return -ESTALE;
	fs_inode_put(r->srv, ino);
	hin = fs_handle_get(r->srv, in->fh_in, false);
	hout = fs_handle_get(r->srv, in->fh_out, false);
	if (!hin || !hout) {
		fs_handle_put(r->srv, hin);
		fs_handle_put(r->srv, hout);
		return -EBADF;
	}
	/* the reply counts in 32 bits */
	len = in->len > (1u << 30) ? (1u << 30) : (size_t)in->len;
	off_in = (loff_t)in->off_in;
	off_out = (loff_t)in->off_out;
	n = copy_file_range(hin->fd, &off_in, hout->fd, &off_out, len, 0);
	fs_handle_put(r->srv, hin);
	fs_handle_put(r->srv, hout);
	if (n < 0)
		return -errno;
	out->size = (uint32_t)n;
	return 0;
}

int fs_op_syncfs(struct fs_req *r)
{
	return syncfs(r->srv->root_dirfd) < 0 ? -errno : 0;
}

/* offset + len inside [0, size) without wrapping */
static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return len && off < size && len <= size - off;
}

/*
 * The fd a mapping is made from.  The kernel's client names the file by
 * nodeid only (fh == ~0: fs/fuse/dax.c maps on behalf of the inode, not of
 * an open file); a real fh must belong to the inode and have been opened
 * with the access the mapping asks for.  Either way the inode is reopened
 * read-write: QEMU 11.1 mmap()s every region PROT_READ | PROT_WRITE,
 * MAP_SHARED (a read-only flag only marks the fd), so a read-only fd fails
 * with EACCES.  Returns an fd the caller closes, or -errno.
 */
static int mapping_fd(struct fs_req *r, uint64_t fh, bool writable)
{
	struct fs_inode *ino;
	struct fs_handle *h;
	int fd, acc;

	if (fh != UINT64_MAX) {
		h = fs_handle_get(r->srv, fh, false);
		if (!h)
			return -EBADF;
		acc = h->nodeid == r->in->nodeid ? fcntl(h->fd, F_GETFL) : -1;
		fs_handle_put(r->srv, h);
		if (acc < 0)
			return -EBADF;
		/* mapped memory is always readable */
		acc &= O_ACCMODE;
		if (acc == O_WRONLY || (writable && acc != O_RDWR))
			return -EBADF;
	}
	ino = fs_inode_get(r->srv, r->in->nodeid);
	if (!ino)
		return -ESTALE;
	fd = S_ISREG(ino->type) ? fs_reopen(r->srv, ino, O_RDWR) : -EINVAL;
	fs_inode_put(r->srv, ino);
	return fd;
}

int fs_op_setupmapping(struct fs_req *r)
{
	const struct fuse_setupmapping_in *in;
	const struct fs_dax_ops *dax = &r->srv->cfg.dax;
	const uint64_t mask = (1ULL << FS_MAP_ALIGN_SHIFT) - 1;
	bool writable;
	int ret, fd;

	if (!dax->map || !dax->window_size)
		return -ENOSYS;
	in = req_arg(r, sizeof(*in));
	if (!in)
		return -EINVAL;
	if (!range_ok(in->moffset, in->len, dax->window_size) ||
	    in->foffset > (uint64_t)INT64_MAX - in->len ||
	    ((in->foffset | in->moffset | in->len) & mask) ||
	    (in->flags & ~(uint64_t)(FUSE_SETUPMAPPING_FLAG_WRITE |
				     FUSE_SETUPMAPPING_FLAG_READ)))
		return -EINVAL;
	writable = in->flags & FUSE_SETUPMAPPING_FLAG_WRITE;
	/*
	 * QEMU maps every range writable (see mapping_fd()): a guest could
	 * write through a "read-only" one, so a read-only share maps nothing.
	 */
	if (r->srv->cfg.readonly)
		return -EROFS;
	fd = mapping_fd(r, in->fh, writable);
	if (fd < 0)
		return fd;
	ret = dax->map(dax->opaque, fd, in->foffset, in->moffset, in->len,
		       writable);
	close(fd);
	return ret > 0 ? -EIO : ret;
}

int fs_op_removemapping(struct fs_req *r)
{
	const struct fs_dax_ops *dax = &r->srv->cfg.dax;
	const struct fuse_removemapping_in *in;
	struct fuse_removemapping_one one;
	const unsigned char *list;
	uint32_t i;
	int ret = 0, err;

	if (!dax->unmap || !dax->window_size)
		return -ENOSYS;
	in = req_arg(r, sizeof(*in));
	if (!in)
		return -EINVAL;
	/* check the whole list before touching anything */
	if (!in->count || in->count > req_left(r) / sizeof(one))
		return -EINVAL;
	/* the list follows a 4-byte count: copy entries out, unaligned */
	list = r->arg + r->argpos;
	for (i = 0; i < in->count; i++) {
		memcpy(&one, list + i * sizeof(one), sizeof(one));
		if (!range_ok(one.moffset, one.len, dax->window_size) ||
		    ((one.moffset | one.len) &
		     ((1ULL << FS_MAP_ALIGN_SHIFT) - 1)))
			return -EINVAL;
	}
	for (i = 0; i < in->count; i++) {
		memcpy(&one, list + i * sizeof(one), sizeof(one));
		err = dax->unmap(dax->opaque, one.moffset, one.len);
		if (err && !ret)
			ret = err > 0 ? -EIO : err;
	}
	return ret;
}
