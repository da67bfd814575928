// SPDX-License-Identifier: GPL-2.0
/*
 * The inotify source of --notify, for hosts where fanotify directory
 * events are not allowed (not root, a filesystem without file handles)
 * or when asked for (--notify=inotify).
 *
 * Every directory of the share gets a watch, added through its O_PATH fd
 * (/proc/self/fd/N: no path below the share is ever resolved), and new
 * directories get one as they appear.  An event names a watched directory
 * and a name: the directory's (st_dev, st_ino) is known from its watch,
 * the child's is fstatat()ed, and both are looked up in the inode table;
 * objects the guest does not know are skipped.  Messages as in
 * fs_watch.c, except that a removed child cannot be named any more: a
 * deletion is INVAL_ENTRY(parent, name), and so is the old side of a
 * rename whose IN_MOVED_TO did not follow at once; a rename inside the
 * share (IN_MOVED_FROM + IN_MOVED_TO with one cookie) is the usual pair,
 * the child fstatat()ed at its new name.
 *
 * Echo: inotify does not say who made a change.  Each modifying request
 * records, before it runs, what it will touch: the object (WRITE,
 * SETATTR, xattrs, OPEN with O_TRUNC...) or the directory and name(s)
 * (CREATE, MKDIR, UNLINK, RENAME...).  An event matching a record younger
 * than OWN_WINDOW_NS is the guest's own and is dropped.  The price, and
 * the reason fanotify is preferred: a host change to the same object or
 * name within that window of a guest change is dropped too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs_internal.h"
#include "fs_watch.h"
#include "log.h"

/* no IN_DONT_FOLLOW: the /proc/self/fd magic link must be followed */
#define IN_MASK (IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | \
		 IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR | IN_EXCL_UNLINK)
#define OWN_MAX		256
#define OWN_WINDOW_NS	1000000000ull
#define DEPTH_MAX	256

struct in_dir {
	int fd;		/* O_PATH; -1: slot free */
	dev_t dev;
	ino_t ino;
};

/* what a guest request touched: an object (no name) or a dir + name */
struct own_rec {
	uint64_t t;
	dev_t dev;
	ino_t ino;
	char name[NAME_MAX + 1];
};

struct fs_inotify {
	int fd;
	struct in_dir *dirs;	/* indexed by watch descriptor */
	size_t ndirs;
	pthread_mutex_t own_mu;
	struct own_rec own[OWN_MAX];
	unsigned int own_next;
	/* an IN_MOVED_FROM waiting for its IN_MOVED_TO */
	bool moved;
	uint32_t cookie;
	uint64_t moved_parent;
	char moved_name[NAME_MAX + 1];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the guest's own changes ---- */

static void own_add(struct fs_inotify *in, dev_t dev, ino_t ino,
		    const char *name)
{
	struct own_rec *r;

	pthread_mutex_lock(&in->own_mu);
	r = &in->own[in->own_next++ % OWN_MAX];
	r->t = now_ns();
	r->dev = dev;
	r->ino = ino;
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	pthread_mutex_unlock(&in->own_mu);
}

static bool own_match(struct fs_inotify *in, dev_t dev, ino_t ino,
		      const char *name)
{
	uint64_t t = now_ns();
	bool hit = false;

	pthread_mutex_lock(&in->own_mu);
	for (unsigned int i = 0; i < OWN_MAX && !hit; i++) {
		const struct own_rec *r = &in->own[i];

		hit = r->t && t - r->t < OWN_WINDOW_NS && r->dev == dev &&
		      r->ino == ino && !strcmp(r->name, name ? name : "");
	}
	pthread_mutex_unlock(&in->own_mu);
	return hit;
}

/* Records nodeid's inode, with name (a directory entry) or without. */
static void own_node(struct fs_server *srv, struct fs_inotify *in,
		     uint64_t nodeid, const char *name)
{
	struct fs_inode *ino = fs_inode_get(srv, nodeid);

	if (!ino)
		return;
	own_add(in, ino->dev, ino->ino, name);
	fs_inode_put(srv, ino);
}

/* The n-th NUL-terminated string after skip bytes of arg, or NULL. */
static const char *arg_str(const unsigned char *arg, size_t len, size_t skip,
			   int n)
{
	const char *s = (const char *)arg + skip;
	size_t left;

	if (skip > len)
		return NULL;
	left = len - skip;
	for (;;) {
		const char *z = memchr(s, 0, left);

		if (!z)
			return NULL;
		if (!n--)
			return s;
		left -= (size_t)(z - s) + 1;
		s = z + 1;
	}
}

void fs_watch_own_op(struct fs_server *srv, const struct fuse_in_header *ih,
		     const unsigned char *arg, size_t len)
{
	struct fs_watch *w = __atomic_load_n(&srv->watch, __ATOMIC_ACQUIRE);
	struct fs_inotify *in = w ? w->in : NULL;
	const char *a, *b;
	uint64_t other;

	if (!in)
		return;		/* fanotify tells us the changer's pid */
	switch (ih->opcode) {
	case FUSE_WRITE:
	case FUSE_SETATTR:
	case FUSE_FALLOCATE:
	case FUSE_SETXATTR:
	case FUSE_REMOVEXATTR:
		own_node(srv, in, ih->nodeid, NULL);
		break;
	case FUSE_OPEN:
		if (len >= sizeof(struct fuse_open_in) &&
		    (((const struct fuse_open_in *)arg)->flags & O_TRUNC))
			own_node(srv, in, ih->nodeid, NULL);
		break;
	case FUSE_COPY_FILE_RANGE:
		if (len >= sizeof(struct fuse_copy_file_range_in)) {
			memcpy(&other, arg + offsetof(struct fuse_copy_file_range_in,
						      nodeid_out), 8);
			own_node(srv, in, other, NULL);
		}
		break;
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_SYMLINK:
		a = arg_str(arg, len, 0, 0);
		if (a)
			own_node(srv, in, ih->nodeid, a);
		break;
	case FUSE_MKDIR:
	case FUSE_MKNOD:
	case FUSE_CREATE:
		a = arg_str(arg, len, ih->opcode == FUSE_MKDIR ?
			    sizeof(struct fuse_mkdir_in) :
			    ih->opcode == FUSE_MKNOD ? sizeof(struct fuse_mknod_in) :
			    sizeof(struct fuse_create_in), 0);
		if (a)
			own_node(srv, in, ih->nodeid, a);
		break;
	case FUSE_LINK:
		a = arg_str(arg, len, sizeof(struct fuse_link_in), 0);
		if (a && len >= sizeof(struct fuse_link_in)) {
			own_node(srv, in, ih->nodeid, a);
			memcpy(&other, arg, 8);	/* oldnodeid: its link count */
			own_node(srv, in, other, NULL);
		}
		break;
	case FUSE_RENAME:
	case FUSE_RENAME2: {
		size_t skip = ih->opcode == FUSE_RENAME ?
			      sizeof(struct fuse_rename_in) :
			      sizeof(struct fuse_rename2_in);

		a = arg_str(arg, len, skip, 0);
		b = arg_str(arg, len, skip, 1);
		if (!a || !b)
			break;
		memcpy(&other, arg, 8);		/* newdir */
		own_node(srv, in, ih->nodeid, a);
		own_node(srv, in, other, b);
		break;
	}
	default:
		break;
	}
}

/* ---- watches ---- */

static struct in_dir *dir_of(struct fs_inotify *in, int wd)
{
	if (wd < 0 || (size_t)wd >= in->ndirs || in->dirs[wd].fd < 0)
		return NULL;
	return &in->dirs[wd];
}

/* Watches the directory fd (O_PATH, taken) and everything below it. */
static void watch_tree(struct fs_watch *w, int fd, int depth)
{
	struct fs_inotify *in = w->in;
	char path[64];
	struct stat st;
	DIR *d;
	struct dirent *de;
	int wd, rfd;

	if (depth > DEPTH_MAX || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(in->fd, path, IN_MASK);
	if (wd < 0) {
		log_warn("notify: inotify watch: %s", strerror(errno));
		close(fd);
		return;
	}
	if ((size_t)wd >= in->ndirs) {
		size_t n = (size_t)wd * 2 + 16;
		struct in_dir *nd = realloc(in->dirs, n * sizeof(*nd));

		if (!nd) {
			close(fd);
			return;
		}
		for (size_t i = in->ndirs; i < n; i++)
			nd[i].fd = -1;
		in->dirs = nd;
		in->ndirs = n;
	}
	if (in->dirs[wd].fd >= 0) {
		/* watched already (moved, or seen twice): keep one fd */
		close(fd);
		return;
	}
	in->dirs[wd] = (struct in_dir){ .fd = fd, .dev = st.st_dev,
					.ino = st.st_ino };
	rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = rfd >= 0 ? fdopendir(rfd) : NULL;
	if (!d) {
		if (rfd >= 0)
			close(rfd);
		return;
	}
	while ((de = readdir(d))) {
		int sub;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = openat(fd, de->d_name,
			     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			watch_tree(w, sub, depth + 1);
	}
	closedir(d);
}

int watch_inotify_start(struct fs_watch *w)
{
	struct fs_inotify *in = calloc(1, sizeof(*in));
	int fd;

	if (!in)
		return -ENOMEM;
	pthread_mutex_init(&in->own_mu, NULL);
	in->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in->fd < 0) {
		int err = -errno;

		log_err("notify: inotify_init1: %s", strerror(errno));
		free(in);
		return err;
	}
	w->in = in;
	fd = openat(w->srv->root_dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		watch_tree(w, fd, 0);
	if (!in->ndirs) {
		log_err("notify: cannot watch %s with inotify", w->srv->shared_dir);
		watch_inotify_free(w);
		return -EIO;
	}
	return 0;
}

void watch_inotify_free(struct fs_watch *w)
{
	struct fs_inotify *in = w->in;

	if (!in)
		return;
	for (size_t i = 0; i < in->ndirs; i++)
		if (in->dirs[i].fd >= 0)
			close(in->dirs[i].fd);
	free(in->dirs);
	close(in->fd);
	pthread_mutex_destroy(&in->own_mu);
	free(in);
	w->in = NULL;
}

/* ---- events ---- */

/* The nodeid of name in d, 0 if the guest does not know it; *st filled. */
static uint64_t child_node(struct fs_watch *w, const struct in_dir *d,
			   const char *name, struct stat *st)
{
	if (fstatat(d->fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return fs_inode_find(w->srv, st->st_dev, st->st_ino);
}

/* A MOVED_FROM whose MOVED_TO did not come: moved out of the share. */
static void flush_moved(struct fs_watch *w)
{
	struct fs_inotify *in = w->in;
	struct watch_msg m;
	size_t len;

	if (!in->moved)
		return;
	in->moved = false;
	if (!in->moved_parent)
		return;
	len = msg_inval_entry(&m, in->moved_parent, in->moved_name);
	send_msgs(w, &m, &len, 1);
}

static void in_event(struct fs_watch *w, const struct inotify_event *ev)
{
	struct fs_inotify *in = w->in;
	const char *name = ev->len ? ev->name : NULL;
	struct watch_msg m[2];
	struct in_dir *d;
	struct stat st;
	uint64_t parent, node;
	size_t len[2];
	int n = 0;

	atomic_fetch_add(&w->events, 1);
	if (ev->mask & IN_Q_OVERFLOW) {
		flush_moved(w);
		atomic_fetch_add(&w->overflows, 1);
		log_warn("notify: the inotify queue overflowed; invalidating the root");
		len[0] = msg_inval_inode(&m[0], FUSE_ROOT_ID, 0, -1);
		send_msgs(w, m, len, 1);
		return;
	}
	if (in->moved && !((ev->mask & IN_MOVED_TO) && ev->cookie == in->cookie))
		flush_moved(w);
	d = dir_of(in, ev->wd);
	if (!d)
		return;
	if (ev->mask & IN_IGNORED) {	/* the directory is gone */
		close(d->fd);
		d->fd = -1;
		return;
	}
	if (name && strchr(name, '/'))
		return;
	/* a new directory: watch it before anything happens in it */
	if (name && (ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
		int fd = openat(d->fd, name,
				O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0)
			watch_tree(w, fd, 0);
	}
	if (!atomic_load(&w->srv->initialized))
		return;
	parent = fs_inode_find(w->srv, d->dev, d->ino);

	if (ev->mask & IN_MOVED_FROM) {
		if (own_match(in, d->dev, d->ino, name)) {
			atomic_fetch_add(&w->own, 1);
			return;
		}
		in->moved = true;
		in->cookie = ev->cookie;
		in->moved_parent = parent;
		snprintf(in->moved_name, sizeof(in->moved_name), "%s", name);
		return;
	}
	if (ev->mask & IN_MOVED_TO) {
		bool paired = in->moved && ev->cookie == in->cookie;

		in->moved = false;
		if (own_match(in, d->dev, d->ino, name)) {
			atomic_fetch_add(&w->own, 1);
			return;
		}
		node = child_node(w, d, name, &st);
		if (paired && in->moved_parent)
			len[n] = node ? msg_delete(&m[n], in->moved_parent, node,
						   in->moved_name) :
					msg_inval_entry(&m[n], in->moved_parent,
							in->moved_name), n++;
		if (parent)
			len[n] = msg_inval_entry(&m[n], parent, name), n++;
		if (!n)
			atomic_fetch_add(&w->unknown, 1);
		send_msgs(w, m, len, n);
		return;
	}
	if (ev->mask & (IN_CREATE | IN_DELETE)) {
		if (own_match(in, d->dev, d->ino, name)) {
			atomic_fetch_add(&w->own, 1);
		} else if (parent) {
			len[0] = msg_inval_entry(&m[0], parent, name);
			send_msgs(w, m, len, 1);
		} else {
			atomic_fetch_add(&w->unknown, 1);
		}
		return;
	}
	if (!(ev->mask & (IN_MODIFY | IN_ATTRIB)))
		return;
	/* a subdirectory's own watch reports it (without a name) */
	if (name && (ev->mask & IN_ISDIR))
		return;
	if (name) {
		node = child_node(w, d, name, &st);
		/* the link count of a name the guest just removed or linked */
		if (own_match(in, d->dev, d->ino, name)) {
			atomic_fetch_add(&w->own, 1);
			return;
		}
	} else {
		node = parent;
		st.st_dev = d->dev;
		st.st_ino = d->ino;
	}
	if (!node) {
		atomic_fetch_add(&w->unknown, 1);
		return;
	}
	if (own_match(in, st.st_dev, st.st_ino, NULL)) {
		atomic_fetch_add(&w->own, 1);
		return;
	}
	if (ev->mask & IN_MODIFY)
		len[0] = msg_inval_inode(&m[0], node, 0, -1);
	else
		len[0] = msg_inval_inode(&m[0], node, -1, 0);
	send_msgs(w, m, len, 1);
}

void *watch_inotify_thread(void *arg)
{
	struct fs_watch *w = arg;
	struct fs_inotify *in = w->in;
	struct pollfd pfd[2] = {
		{ .fd = in->fd, .events = POLLIN },
		{ .fd = w->stop_efd, .events = POLLIN },
	};
	static _Thread_local char buf[65536]
		__attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t got;
		/* a MOVED_FROM waits a little for its MOVED_TO, no longer */
		int r = poll(pfd, 2, in->moved ? 20 : -1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_err("notify: poll: %s", strerror(errno));
			return NULL;
		}
		if (pfd[1].revents)
			return NULL;
		if (!r) {
			flush_moved(w);
			continue;
		}
		got = read(in->fd, buf, sizeof(buf));
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			log_err("notify: reading inotify events: %s",
				strerror(errno));
			return NULL;
		}
		for (char *p = buf; p + sizeof(struct inotify_event) <= buf + got;) {
			const struct inotify_event *ev = (const void *)p;

			if (p + sizeof(*ev) + ev->len > buf + got)
				break;
			in_event(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
}
