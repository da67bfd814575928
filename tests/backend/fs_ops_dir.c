// SPDX-License-Identifier: GPL-2.0
/*
 * Directories: OPENDIR, READDIR, READDIRPLUS, RELEASEDIR.
 *
 * The guest's READDIR offset is the host's own directory cookie (d_off of
 * the last entry it got), so each READDIR seeks the handle's fd there and
 * reads on: listings stay exact across calls however the guest sizes its
 * buffers, and an entry that does not fit is simply read again next time.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs_internal.h"

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int fs_op_opendir(struct fs_req *r)
{
	const struct fuse_open_in *in = req_arg(r, sizeof(*in));
	struct fuse_open_out *out;
	struct fs_inode *ino;
	uint64_t fh;
	int fd;

	if (!in)
		return -EINVAL;
	ino = fs_inode_get(r->srv, r->in->nodeid);
	if (!ino)
		return -ESTALE;
	if (!S_ISDIR(ino->type))
		fd = -ENOTDIR;
	else
		fd = fs_reopen(r->srv, ino, O_RDONLY | O_DIRECTORY);
	fs_inode_put(r->srv, ino);
	if (fd < 0)
		return fd;
	out = reply_buf(r, sizeof(*out));
	if (!out) {
		close(fd);
		return -EINVAL;
	}
	fh = fs_handle_add(r->srv, fd, true, r->in->nodeid);
	if (!fh)
		return -ENOMEM;
	out->fh = fh;
	out->open_flags = fs_open_flags(r->srv, true);
	return 0;
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' &&
	       (!name[1] || (name[1] == '.' && !name[2]));
}

/*
 * Appends one entry at *pos if it fits in size; returns false when full.
 * For READDIRPLUS (dir != NULL) the entry also carries a lookup, taken
 * only once we know it fits, so no reference is handed out and lost.
 */
static bool emit(struct fs_req *r, struct fs_inode *dir, unsigned char *buf,
		 size_t *pos, size_t size, const struct linux_dirent64 *d)
{
	size_t namelen = strlen(d->d_name);
	size_t hdr = dir ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
	size_t len = FUSE_DIRENT_ALIGN(hdr + namelen);
	struct fuse_dirent *de;

	if (len > size - *pos)
		return false;
	if (dir) {
		struct fuse_direntplus *dp = (void *)(buf + *pos);

		memset(&dp->entry_out, 0, sizeof(dp->entry_out));
		/*
		 * nodeid 0 means "no attributes for this one"; used for "."
		 * and ".." and for names that vanished or are not ours to
		 * look at.
		 */
		if (!is_dot_or_dotdot(d->d_name) &&
		    fs_lookup_name(r->srv, dir, d->d_name, &dp->entry_out))
			memset(&dp->entry_out, 0, sizeof(dp->entry_out));
		de = &dp->dirent;
	} else {
		de = (void *)(buf + *pos);
	}
	de->ino = d->d_ino;
	de->off = (uint64_t)d->d_off;
	de->namelen = (uint32_t)namelen;
	de->type = d->d_type;
	memcpy(de->name, d->d_name, namelen);
	/* the padding after the name is zero: the buffer came from calloc */
	*pos += len;
	return true;
}

static int do_readdir(struct fs_req *r, bool plus)
{
	const struct fuse_read_in *in = req_arg(r, sizeof(*in));
	struct fs_inode *dir = NULL;
	struct fs_handle *h;
	unsigned char dents[32768];
	unsigned char *buf;
	size_t size, dlen, pos = 0;
	bool full = false;
	int err = 0;

	if (!in)
		return -EINVAL;
	if (in->offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	size = in->size;
	if (size > r->outcap)
		size = r->outcap;
	if (size > FS_MAX_REPLY)
		size = FS_MAX_REPLY;
	h = fs_handle_get(r->srv, in->fh, true);
	if (!h)
		return -EBADF;
	if (plus) {
		dir = fs_inode_get(r->srv, h->nodeid);
		if (!dir) {
			fs_handle_put(r->srv, h);
			return -ESTALE;
		}
	}
	buf = reply_buf(r, size);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&h->lock);
	if (lseek(h->fd, (off_t)in->offset, SEEK_SET) < 0) {
		err = -errno;
		goto unlock;
	}
	/*
	 * Host records are smaller than FUSE ones (much smaller than
	 * READDIRPLUS ones), so reading about size bytes is enough to fill
	 * the reply; reading more would only be thrown away and read again.
	 */
	dlen = (plus ? size / 2 : size) + 1024;
	if (dlen > sizeof(dents))
		dlen = sizeof(dents);
	while (!full) {
		long n = syscall(SYS_getdents64, h->fd, dents, dlen);
		long i;

		if (n < 0) {
			/* keep what we have; the guest asks again from there */
			if (!pos)
				err = -errno;
			break;
		}
		if (n == 0)
			break;
		for (i = 0; i < n;) {
			const struct linux_dirent64 *d = (void *)(dents + i);

			if (d->d_reclen == 0 || d->d_reclen > n - i) {
				err = -EIO;
				goto unlock;
			}
			if (!emit(r, dir, buf, &pos, size, d)) {
				full = true;
				break;
			}
			i += d->d_reclen;
		}
	}
	/* a buffer too small for even one entry is the guest's mistake */
	if (!err && full && pos == 0)
		err = -EINVAL;
unlock:
	pthread_mutex_unlock(&h->lock);
	r->outlen = pos;
out:
	fs_inode_put(r->srv, dir);
	fs_handle_put(r->srv, h);
	return err;
}

int fs_op_readdir(struct fs_req *r)
{
	return do_readdir(r, false);
}

int fs_op_readdirplus(struct fs_req *r)
{
	return do_readdir(r, true);
}

int fs_op_releasedir(struct fs_req *r)
{
	const struct fuse_release_in *in = req_arg(r, sizeof(*in));

	return in ? fs_handle_remove(r->srv, in->fh, true) : -EINVAL;
}
