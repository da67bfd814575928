// SPDX-License-Identifier: GPL-2.0
/*
 * The host watcher behind --notify (issue 14): learns of host-side changes
 * in the shared directory and tells the guest about the objects it knows.
 *
 * Source: one fanotify group with FAN_REPORT_DFID_NAME_TARGET (directory
 * fid + name, and the object's own fid, also for deletions) and a
 * FAN_MARK_FILESYSTEM mark on the share's filesystem (we run as root).
 * That sees the whole filesystem, so an event is first mapped to nodeids:
 * a file handle is opened (open_by_handle_at, O_PATH) and its (st_dev,
 * st_ino) looked up in the inode table.  Objects the guest does not know
 * are skipped, which is also what filters the rest of the filesystem out.
 * A handle of an unlinked inode still opens while we hold an O_PATH fd on
 * it, which we do for every inode the guest knows: deletions map too.
 *
 * Messages (what a local change would have done in the guest):
 *   FAN_MODIFY (write, truncate)   INVAL_INODE(node, 0, -1): data and attrs
 *   FAN_ATTRIB (chmod, utimes...)  INVAL_INODE(node, -1, 0): attrs only
 *   FAN_CREATE                     INVAL_ENTRY(parent, name)
 *   FAN_DELETE                     DELETE(parent, child, name), or
 *                                  INVAL_ENTRY(parent, name) if the guest
 *                                  does not know the child
 *   FAN_RENAME                     the pair agreed with the driver:
 *                                  DELETE(old parent, child, old name) then
 *                                  INVAL_ENTRY(new parent, new name), sent
 *                                  as one group so nothing comes between
 *   FAN_Q_OVERFLOW                 INVAL_INODE(root, 0, -1), counted: the
 *                                  coarsest thing FUSE can say
 *
 * Echo: fanotify reports the changer's pid (the thread group); events of
 * our own pid are the guest's own requests and are dropped.
 *
 * Not handled: submounts inside the share (their filesystem has no mark);
 * filesystems without file handles (fanotify_mark fails: --notify then
 * fails to start, loudly).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_fault.h"
#include "fs_fuzz.h"
#include "fs_internal.h"
#include "fs_watch.h"
#include "log.h"

#define WATCH_MASK (FAN_MODIFY | FAN_ATTRIB | FAN_CREATE | FAN_DELETE | \
		    FAN_RENAME | FAN_ONDIR)

/* What an info record told: a handle and, for the DFID_NAME kinds, a name. */
struct watch_obj {
	const struct file_handle *fh;
	const char *name;	/* NULL when the record has none */
};

static size_t msg_init(struct watch_msg *m, int code, size_t body,
		       const char *name)
{
	size_t len = sizeof(m->h) + body;

	if (name) {
		size_t n = strlen(name);

		memcpy((char *)&m->u + body, name, n + 1);
		len += n + 1;
	}
	m->h = (struct fuse_out_header){ .len = (uint32_t)len, .error = code };
	return len;
}

size_t msg_inval_inode(struct watch_msg *m, uint64_t node, int64_t off,
			      int64_t len)
{
	m->u.inode = (struct fuse_notify_inval_inode_out){
		.ino = node, .off = off, .len = len,
	};
	return msg_init(m, FS_NOTIFY_INVAL_INODE, sizeof(m->u.inode), NULL);
}

size_t msg_inval_entry(struct watch_msg *m, uint64_t parent,
			      const char *name)
{
	m->u.entry = (struct fuse_notify_inval_entry_out){
		.parent = parent, .namelen = (uint32_t)strlen(name),
	};
	return msg_init(m, FS_NOTIFY_INVAL_ENTRY, sizeof(m->u.entry), name);
}

size_t msg_delete(struct watch_msg *m, uint64_t parent, uint64_t child,
			 const char *name)
{
	m->u.del = (struct fuse_notify_delete_out){
		.parent = parent, .child = child,
		.namelen = (uint32_t)strlen(name),
	};
	return msg_init(m, FS_NOTIFY_DELETE, sizeof(m->u.del), name);
}

/* For the debug log: "INVAL_ENTRY 12 name" and the like. */
static const char *msg_describe(const struct watch_msg *m)
{
	static _Thread_local char buf[64 + NAME_MAX];

	switch (m->h.error) {
	case FS_NOTIFY_INVAL_INODE:
		snprintf(buf, sizeof(buf), "INVAL_INODE %llu %lld %lld",
			 (unsigned long long)m->u.inode.ino,
			 (long long)m->u.inode.off, (long long)m->u.inode.len);
		break;
	case FS_NOTIFY_INVAL_ENTRY:
		snprintf(buf, sizeof(buf), "INVAL_ENTRY %llu %s",
			 (unsigned long long)m->u.entry.parent,
			 (const char *)&m->u + sizeof(m->u.entry));
		break;
	default:
		snprintf(buf, sizeof(buf), "DELETE %llu %llu %s",
			 (unsigned long long)m->u.del.parent,
			 (unsigned long long)m->u.del.child,
			 (const char *)&m->u + sizeof(m->u.del));
		break;
	}
	return buf;
}

/* --fault notify:corrupt:KIND on one message of len bytes; its new length */
static size_t msg_damage(struct watch_msg *m, size_t len,
			 enum fs_fault_corrupt kind)
{
	bool named = m->h.error != FS_NOTIFY_INVAL_INODE;
	size_t body = m->h.error == FS_NOTIFY_DELETE ? sizeof(m->u.del) :
		      sizeof(m->u.entry);
	char *name = (char *)&m->u + body;

	switch (kind) {
	case FS_CORRUPT_LEN:
		m->h.len += 4096;
		break;
	case FS_CORRUPT_SHORT:
		return len / 2;
	case FS_CORRUPT_UNIQUE:
		m->h.unique = 0x1234;
		break;
	case FS_CORRUPT_ERROR:
		m->h.error = -EIO;
		break;
	case FS_CORRUPT_CODE:
		m->h.error = 99;
		break;
	case FS_CORRUPT_NODEID:
		/* ino, parent: the first field of every notify struct */
		m->u.inode.ino = 0xdeadbeef00ULL;
		break;
	case FS_CORRUPT_NAMELEN:
		if (m->h.error == FS_NOTIFY_DELETE)
			m->u.del.namelen += 100;
		else if (named)
			m->u.entry.namelen += 100;
		break;
	case FS_CORRUPT_NUL:
		if (named)
			name[strlen(name)] = 'X';
		break;
	default:
		break;
	}
	return len;
}

/*
 * --fuzz: the group as the fuzzer leaves it (fs_fuzz_notify(): damaged,
 * dropped, doubled, reordered, with forged messages added).
 */
static void send_fuzzed(struct fs_watch *w, const struct iovec *msgs, int n)
{
	struct fs_fuzz_note in[2], out[FS_FUZZ_GROUP_MAX];
	struct iovec iov[FS_FUZZ_GROUP_MAX];
	int k = 0;

	for (int i = 0; i < n && i < 2; i++) {
		size_t l = msgs[i].iov_len;

		if (l > sizeof(in[k].data))
			continue;	/* cannot happen: a watch_msg is smaller */
		memcpy(in[k].data, msgs[i].iov_base, l);
		in[k++].len = (uint32_t)l;
	}
	n = fs_fuzz_notify(w->srv->fuzz, in, k, out);
	if (!n)
		return;
	for (int i = 0; i < n; i++)
		iov[i] = (struct iovec){ .iov_base = out[i].data,
					 .iov_len = out[i].len };
	w->ops.send(w->ops.opaque, iov, n);
	atomic_fetch_add(&w->messages, (uint64_t)n);
}

void send_msgs(struct fs_watch *w, struct watch_msg *m, const size_t *len,
	       int n)
{
	struct fs_fault_hit hit;
	struct iovec iov[2];

	if (!n)
		return;
	fs_fault_match(w->srv->fault, FS_FAULT_NOTIFY, &hit);
	if (hit.delay_ms)
		usleep(hit.delay_ms * 1000u);
	if (hit.drop) {
		log_debug("fault: %d notify message(s) dropped", n);
		return;
	}
	for (int i = 0; i < n; i++) {
		iov[i] = (struct iovec){ .iov_base = &m[i], .iov_len = len[i] };
		if (log_level >= LOG_DEBUG)
			log_debug("notify: send %s%s", msg_describe(&m[i]),
				  hit.corrupt ? " (damaged: --fault)" : "");
		if (hit.corrupt)
			iov[i].iov_len = msg_damage(&m[i], len[i], hit.corrupt);
	}
	if (w->srv->fuzz) {
		send_fuzzed(w, iov, n);
		return;
	}
	w->ops.send(w->ops.opaque, iov, n);
	atomic_fetch_add(&w->messages, (uint64_t)n);
}

static size_t cache_slot(const struct file_handle *fh)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint32_t)fh->handle_type;

	for (unsigned int i = 0; i < fh->handle_bytes; i++)
		h = (h ^ fh->f_handle[i]) * 0x100000001b3ULL;
	return (size_t)(h % WATCH_CACHE);
}

/*
 * The nodeid the guest knows the object of fh by, 0 if none.  A handle
 * names one inode for ever (the generation is in it), so its (dev, ino) is
 * cached; whether the guest knows that inode is asked each time.
 */
static uint64_t watch_nodeid(struct fs_watch *w, const struct file_handle *fh)
{
	struct watch_cached *c;
	struct stat st;
	int fd;

	if (!fh || fh->handle_bytes > WATCH_HANDLE_MAX)
		return 0;
	c = &w->cache[cache_slot(fh)];
	if (c->valid && c->type == fh->handle_type &&
	    c->len == fh->handle_bytes &&
	    !memcmp(c->bytes, fh->f_handle, fh->handle_bytes))
		return fs_inode_find(w->srv, c->dev, c->ino);
	/* the cast: open_by_handle_at() does not write the handle */
	fd = open_by_handle_at(w->srv->root_dirfd, (struct file_handle *)fh,
			       O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* gone, and not held by us: unknown */
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	close(fd);
	c->valid = true;
	c->type = fh->handle_type;
	c->len = fh->handle_bytes;
	memcpy(c->bytes, fh->f_handle, fh->handle_bytes);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	return fs_inode_find(w->srv, st.st_dev, st.st_ino);
}

/*
 * Splits an event's info records.  The kernel writes them, but lengths are
 * still checked: a bad record ends the parse, the event is skipped.
 */
static bool parse_info(const struct fanotify_event_metadata *ev,
		       struct watch_obj *fid, struct watch_obj *dfid,
		       struct watch_obj *oldd, struct watch_obj *newd)
{
	const unsigned char *p = (const unsigned char *)ev + ev->metadata_len;
	const unsigned char *end = (const unsigned char *)ev + ev->event_len;

	while (p < end) {
		const struct fanotify_event_info_fid *info = (const void *)p;
		const struct file_handle *fh;
		struct watch_obj *o;
		size_t hlen, fhlen;

		if ((size_t)(end - p) < sizeof(info->hdr))
			return false;
		hlen = info->hdr.len;
		if (hlen < sizeof(*info) + sizeof(*fh) || hlen > (size_t)(end - p))
			return false;
		switch (info->hdr.info_type) {
		case FAN_EVENT_INFO_TYPE_FID:
			o = fid;
			break;
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
			o = dfid;
			break;
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
			o = oldd;
			break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
			o = newd;
			break;
		default:
			o = NULL;	/* DFID alone, pidfd, ...: not asked for */
			break;
		}
		fh = (const void *)info->handle;
		fhlen = sizeof(*info) + sizeof(*fh) + fh->handle_bytes;
		if (fhlen > hlen)
			return false;
		if (o) {
			o->fh = fh;
			o->name = NULL;
			if (o != fid) {
				const char *name = (const char *)p + fhlen;
				size_t room = hlen - fhlen;

				/* a NUL-terminated name that is one component */
				if (!room || !memchr(name, 0, room) || !*name ||
				    strchr(name, '/') || strlen(name) > NAME_MAX)
					return false;
				o->name = name;
			}
		}
		p += hlen;
	}
	return true;
}

static void watch_event(struct fs_watch *w,
			const struct fanotify_event_metadata *ev)
{
	struct watch_obj fid = { 0 }, dfid = { 0 }, oldd = { 0 }, newd = { 0 };
	struct watch_msg m[2];
	size_t len[2];
	uint64_t node, parent, child;
	int n = 0;

	atomic_fetch_add(&w->events, 1);
	if (ev->mask & FAN_Q_OVERFLOW) {
		atomic_fetch_add(&w->overflows, 1);
		log_warn("notify: the host's event queue overflowed; invalidating the root");
		len[0] = msg_inval_inode(&m[0], FUSE_ROOT_ID, 0, -1);
		send_msgs(w, m, len, 1);
		return;
	}
	if (ev->pid == w->self) {
		atomic_fetch_add(&w->own, 1);
		return;
	}
	if (!atomic_load(&w->srv->initialized) ||
	    !parse_info(ev, &fid, &dfid, &oldd, &newd)) {
		atomic_fetch_add(&w->unknown, 1);
		return;
	}

	if ((ev->mask & FAN_RENAME) && oldd.fh && newd.fh) {
		parent = watch_nodeid(w, oldd.fh);
		child = watch_nodeid(w, fid.fh);
		if (parent && child)
			len[n] = msg_delete(&m[n], parent, child, oldd.name), n++;
		else if (parent)
			len[n] = msg_inval_entry(&m[n], parent, oldd.name), n++;
		parent = watch_nodeid(w, newd.fh);
		if (parent)
			len[n] = msg_inval_entry(&m[n], parent, newd.name), n++;
		if (!n)
			atomic_fetch_add(&w->unknown, 1);
		send_msgs(w, m, len, n);
		return;
	}

	/*
	 * fanotify may merge CREATE and DELETE of one object (same fids and
	 * name): it was created first, so that is the order they go in.
	 */
	if ((ev->mask & FAN_CREATE) && dfid.fh) {
		parent = watch_nodeid(w, dfid.fh);
		if (parent) {
			len[0] = msg_inval_entry(&m[0], parent, dfid.name);
			send_msgs(w, m, len, 1);
			n++;
		}
	}
	if ((ev->mask & FAN_DELETE) && dfid.fh) {
		parent = watch_nodeid(w, dfid.fh);
		child = watch_nodeid(w, fid.fh);
		if (parent) {
			len[0] = child ? msg_delete(&m[0], parent, child, dfid.name) :
					 msg_inval_entry(&m[0], parent, dfid.name);
			send_msgs(w, m, len, 1);
			n++;
		}
	}
	if (ev->mask & (FAN_MODIFY | FAN_ATTRIB)) {
		/* the object's own fid; the share's root has no parent in it */
		node = watch_nodeid(w, fid.fh ? fid.fh : dfid.fh);
		if (node) {
			if (ev->mask & FAN_MODIFY)
				len[0] = msg_inval_inode(&m[0], node, 0, -1);
			else
				len[0] = msg_inval_inode(&m[0], node, -1, 0);
			send_msgs(w, m, len, 1);
			n++;
		}
	}
	if (!n)
		atomic_fetch_add(&w->unknown, 1);
}

static void *watch_thread(void *arg)
{
	struct fs_watch *w = arg;
	struct pollfd pfd[2] = {
		{ .fd = w->fan_fd, .events = POLLIN },
		{ .fd = w->stop_efd, .events = POLLIN },
	};
	/* aligned for the metadata structs */
	static _Thread_local uint64_t buf[8192];

	for (;;) {
		const struct fanotify_event_metadata *ev;
		ssize_t got;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("notify: poll: %s", strerror(errno));
			return NULL;
		}
		if (pfd[1].revents)
			return NULL;
		got = read(w->fan_fd, buf, sizeof(buf));
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			log_err("notify: reading fanotify events: %s",
				strerror(errno));
			return NULL;
		}
		for (ev = (const void *)buf; FAN_EVENT_OK(ev, got);
		     ev = FAN_EVENT_NEXT(ev, got)) {
			if (ev->vers != FANOTIFY_METADATA_VERSION) {
				log_err("notify: fanotify metadata version %u",
					ev->vers);
				return NULL;
			}
			if (ev->fd >= 0)	/* not with FID reporting */
				close(ev->fd);
			watch_event(w, ev);
		}
	}
}

/* The fanotify source; 0 or a negative errno (nothing left open). */
static int watch_fanotify_start(struct fs_watch *w)
{
	struct fs_server *srv = w->srv;
	int err;

	w->cache = calloc(WATCH_CACHE, sizeof(*w->cache));
	if (!w->cache)
		return -ENOMEM;
	/* an unlimited queue: root only, and a lost event is lost coherence */
	w->fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
				  FAN_UNLIMITED_QUEUE |
				  FAN_REPORT_DFID_NAME_TARGET, O_RDONLY);
	if (w->fan_fd < 0) {
		err = -errno;
		log_warn("notify: fanotify_init with directory events: %s",
			 strerror(-err));
		goto fail;
	}
	if (fanotify_mark(w->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  WATCH_MASK, srv->root_dirfd, NULL) < 0) {
		err = -errno;
		log_warn("notify: cannot watch the filesystem of %s with fanotify: %s",
			 srv->shared_dir, strerror(errno));
		close(w->fan_fd);
		goto fail;
	}
	return 0;
fail:
	w->fan_fd = -1;
	free(w->cache);
	w->cache = NULL;
	return err;
}

int fs_server_watch(struct fs_server *srv, const struct fs_notify_ops *ops)
{
	struct fs_watch *w;
	int err = -EINVAL;

	if (srv->watch || !ops || !ops->send)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->srv = srv;
	w->ops = *ops;
	w->self = getpid();
	w->fan_fd = -1;
	w->stop_efd = eventfd(0, EFD_CLOEXEC);
	if (w->stop_efd < 0) {
		err = -errno;
		goto fail;
	}
	w->source = ops->source == FS_WATCH_INOTIFY ? FS_WATCH_INOTIFY :
		    FS_WATCH_FANOTIFY;
	if (w->source == FS_WATCH_FANOTIFY) {
		err = watch_fanotify_start(w);
		if (err && ops->source == FS_WATCH_AUTO) {
			log_warn("notify: falling back to inotify");
			w->source = FS_WATCH_INOTIFY;
		}
	}
	if (w->source == FS_WATCH_INOTIFY)
		err = watch_inotify_start(w);
	if (err)
		goto fail;
	err = -pthread_create(&w->thread, NULL,
			      w->source == FS_WATCH_FANOTIFY ? watch_thread :
			      watch_inotify_thread, w);
	if (err)
		goto fail;
	/* requests read it from now on (fs_watch_own_op()) */
	__atomic_store_n(&srv->watch, w, __ATOMIC_RELEASE);
	log_info("notify: watching %s with %s", srv->shared_dir,
		 w->source == FS_WATCH_FANOTIFY ? "fanotify (its filesystem)" :
		 "inotify (every directory)");
	return 0;
fail:
	if (w->fan_fd >= 0)
		close(w->fan_fd);
	if (w->stop_efd >= 0)
		close(w->stop_efd);
	watch_inotify_free(w);
	free(w->cache);
	free(w);
	return err;
}

void fs_watch_free(struct fs_watch *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	if (write(w->stop_efd, &one, sizeof(one)) < 0)
		log_err("notify: stopping the watcher: %s", strerror(errno));
	pthread_join(w->thread, NULL);
	log_info("notify: %llu events, %llu own, %llu unknown, %llu messages, %llu overflows",
		 (unsigned long long)w->events, (unsigned long long)w->own,
		 (unsigned long long)w->unknown,
		 (unsigned long long)w->messages,
		 (unsigned long long)w->overflows);
	if (w->fan_fd >= 0)
		close(w->fan_fd);
	close(w->stop_efd);
	watch_inotify_free(w);
	free(w->cache);
	free(w);
}

void fs_server_unwatch(struct fs_server *srv)
{
	struct fs_watch *w = srv->watch;

	/* no request is in flight here (the transport stopped its workers) */
	__atomic_store_n(&srv->watch, NULL, __ATOMIC_RELEASE);
	fs_watch_free(w);
}

void fs_server_watch_stats(struct fs_server *srv, struct fs_watch_stats *st)
{
	struct fs_watch *w = srv->watch;

	*st = (struct fs_watch_stats){ 0 };
	if (!w)
		return;
	st->events = atomic_load(&w->events);
	st->own = atomic_load(&w->own);
	st->unknown = atomic_load(&w->unknown);
	st->messages = atomic_load(&w->messages);
	st->overflows = atomic_load(&w->overflows);
}
