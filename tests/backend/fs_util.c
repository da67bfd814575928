// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the operation files: names, attributes, reopening. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs_internal.h"

/*
 * A name the guest may use inside a directory: not empty, no '/', not "."
 * or ".." (those would walk to the parent, possibly above the shared dir),
 * at most NAME_MAX bytes.
 */
int fs_check_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || strchr(name, '/'))
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int fs_stat(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

void fs_fill_attr(struct fuse_attr *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
}

/* Entry and attribute timeout in seconds for the --cache mode. */
uint64_t fs_timeout(const struct fs_server *srv)
{
	switch (srv->cfg.cache) {
	case FS_CACHE_NONE:
		return 0;
	case FS_CACHE_ALWAYS:
		return 86400;
	case FS_CACHE_AUTO:
	default:
		return 1;
	}
}

void fs_fill_entry(const struct fs_server *srv, struct fuse_entry_out *e,
		   uint64_t nodeid, const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->nodeid = nodeid;
	e->generation = 0;	/* nodeids are never reused */
	e->entry_valid = fs_timeout(srv);
	e->attr_valid = fs_timeout(srv);
	fs_fill_attr(&e->attr, st);
	fs_fill_attr_flags(srv, &e->attr, st);
}

void fs_fill_attr_flags(const struct fs_server *srv, struct fuse_attr *a,
			const struct stat *st)
{
	if (srv->cfg.dax_inode_sticky && srv->cfg.dax.window_size &&
	    S_ISREG(st->st_mode) && (st->st_mode & S_ISVTX))
		a->flags |= FUSE_ATTR_DAX;
}

int fs_entry_of_fd(struct fs_server *srv, int fd, struct fuse_entry_out *e,
		   struct stat *st)
{
	uint64_t nodeid;
	int ret;

	if (fs_stat(fd, st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = fs_inode_add(srv, fd, st, &nodeid);
	if (ret)
		return ret;
	fs_fill_entry(srv, e, nodeid, st);
	return 0;
}

/*
 * Looks name up in dir without following a final symlink and adds a guest
 * reference to the result.  "." and ".." are accepted here only (LOOKUP
 * with FUSE_EXPORT_SUPPORT); ".." of the root is the root itself so the
 * guest can never name the directory above the share.
 */
int fs_lookup_name(struct fs_server *srv, struct fs_inode *dir,
		   const char *name, struct fuse_entry_out *e)
{
	struct stat st;
	int fd, ret;

	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	if (dir == srv->inodes.root && !strcmp(name, ".."))
		name = ".";
	fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fs_entry_of_fd(srv, fd, e, &st);
	if (ret)
		return ret;
	if (fs_is_submount(srv, dir, name, &st))
		e->attr.flags |= FUSE_ATTR_SUBMOUNT;
	return 0;
}

/*
 * A directory on another host filesystem than its parent (a mount point
 * inside the share) is announced as a submount, so a guest that asked for
 * FUSE_SUBMOUNTS gives it its own superblock and st_dev, and inode numbers
 * of the two filesystems never meet in one guest superblock.  "." and
 * ".." are never submounts: ".." of a submount's root is on the parent's
 * filesystem and is not a mount point in the guest's eyes.
 */
bool fs_is_submount(const struct fs_server *srv, const struct fs_inode *dir,
		    const char *name, const struct stat *st)
{
	if (!(atomic_load(&srv->init_flags) & FUSE_SUBMOUNTS))
		return false;
	if (!S_ISDIR(st->st_mode) || st->st_dev == dir->dev)
		return false;
	return strcmp(name, ".") && strcmp(name, "..");
}

void fs_proc_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/*
 * A real (non-O_PATH) descriptor for an inode, opened through
 * /proc/self/fd so the permission check is the caller's.  Symlinks are
 * refused: opening one through the magic link is never what we want.
 */
int fs_reopen(struct fs_server *srv, struct fs_inode *ino, int flags)
{
	char name[32];
	int fd;

	if (S_ISLNK(ino->type))
		return -ELOOP;
	snprintf(name, sizeof(name), "%d", ino->fd);
	fd = openat(srv->proc_self_fd, name,
		    (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW)) |
		    O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

uint32_t fs_open_flags(const struct fs_server *srv, bool is_dir)
{
	switch (srv->cfg.cache) {
	case FS_CACHE_NONE:
		return is_dir ? 0 : FOPEN_DIRECT_IO;
	case FS_CACHE_ALWAYS:
		return FOPEN_KEEP_CACHE | (is_dir ? FOPEN_CACHE_DIR : 0);
	case FS_CACHE_AUTO:
	default:
		return 0;
	}
}

/* True when open flags would modify the file (for --readonly). */
bool fs_is_readonly_open(uint32_t flags)
{
	return (flags & O_ACCMODE) == O_RDONLY && !(flags & O_TRUNC);
}
