/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the host watcher (--notify): the state both sources share
 * (fs_watch.c: fanotify; fs_watch_inotify.c: the inotify fallback) and
 * the notify messages they send.
 */
#ifndef FS_WATCH_H
#define FS_WATCH_H

#include <limits.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "fs_server.h"

#define FS_NOTIFY_INVAL_INODE	2	/* FUSE_NOTIFY_INVAL_INODE */
#define FS_NOTIFY_INVAL_ENTRY	3	/* FUSE_NOTIFY_INVAL_ENTRY */
#define FS_NOTIFY_DELETE	6	/* FUSE_NOTIFY_DELETE */

/* Handles resolved before: a busy filesystem repeats the same few dirs. */
#define WATCH_CACHE	1024
#define WATCH_HANDLE_MAX	128	/* MAX_HANDLE_SZ */

struct watch_cached {
	bool valid;
	int type;
	unsigned int len;
	unsigned char bytes[WATCH_HANDLE_MAX];
	dev_t dev;
	ino_t ino;
};

struct fs_inotify;

struct fs_watch {
	struct fs_server *srv;
	enum fs_watch_source source;	/* the one in use */
	struct fs_inotify *in;		/* the inotify source's state */
	struct fs_notify_ops ops;
	int fan_fd, stop_efd;
	pid_t self;
	pthread_t thread;
	struct watch_cached *cache;
	_Atomic uint64_t events, own, unknown, messages, overflows;
};

/* One FUSE notify message: out header, struct, name + NUL. */
struct watch_msg {
	struct fuse_out_header h;
	union {
		struct fuse_notify_inval_inode_out inode;
		struct fuse_notify_inval_entry_out entry;
		struct fuse_notify_delete_out del;
	} u;
	char name[NAME_MAX + 1];
};

/* message builders: the length of the message in *m */
size_t msg_inval_inode(struct watch_msg *m, uint64_t node, int64_t off,
		       int64_t len);
size_t msg_inval_entry(struct watch_msg *m, uint64_t parent, const char *name);
size_t msg_delete(struct watch_msg *m, uint64_t parent, uint64_t child,
		  const char *name);
/* hands m[0..n) to the transport as one group */
void send_msgs(struct fs_watch *w, struct watch_msg *m, const size_t *len,
	       int n);

/* fs_watch_inotify.c */
int watch_inotify_start(struct fs_watch *w);
void *watch_inotify_thread(void *arg);
void watch_inotify_free(struct fs_watch *w);

#endif
