/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side changes reaching the guest (issue 14).  Two sources learn of
 * them: the virtio-fs notification queue (notify.c, hosts that offer
 * VIRTIO_FS_F_NOTIFICATION) and watched-inode polling (poll.c, every other
 * host).  Both report what they learnt here, and hostchange.c turns it into
 * what a local change would have done: the attribute, page-cache and dentry
 * invalidations, and the fsnotify events guest watchers (inotify, fanotify)
 * expect.  Every superblock sharing the session sees the change.
 *
 * Nodeids and names come from the host: callers have validated message
 * sizes, these functions validate names and look the nodeids up (an
 * unknown nodeid is not an error: the guest forgot it, nothing to do).
 * They may sleep and may send requests (LOOKUP, with no lock of theirs
 * held); callers run in process context (a work item), never in a path
 * that holds a lock of the filesystem.  Their walks over the superblocks
 * are serialised per session.
 */
#ifndef VNG_HOSTCHANGE_H
#define VNG_HOSTCHANGE_H

#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct qstr;
struct super_block;
struct vng_conn;

/* A DELETE not yet reported: it waits for its INVAL_ENTRY pair. */
struct vng_hc_delete {
	struct super_block *from;	/* who learnt it (identity only) */
	bool isdir;
	u64 parent;
	u64 child;			/* 0: the caller does not know it */
	unsigned int len;
	char name[NAME_MAX + 1];
};

/*
 * Per session (embedded in struct vng_conn): the serialisation of host
 * changes, and the DELETE that may be the first half of a move.
 */
struct vng_sb;

struct vng_hostchange {
	/* one host change's walk at a time; never held across a request */
	struct mutex lock;
	bool pending;			/* del is waiting */
	struct vng_hc_delete del;
	/* reports a pending DELETE as a delete once its pair is overdue */
	struct delayed_work flush_work;
	/* a superblock's hc_pins reached 0 (vng_hostchange_unpin_wait) */
	wait_queue_head_t pins_wq;
};

/* main.c: the work queue that drops pages for INVAL_INODE */
int vng_hostchange_module_init(void);
void vng_hostchange_module_exit(void);
/* conn.c: session creation and the final teardown */
void vng_hostchange_init(struct vng_conn *conn);
void vng_hostchange_destroy(struct vng_conn *conn);
/* super.c: an unmounted superblock waits until no host change holds its inodes */
void vng_hostchange_unpin_wait(struct vng_sb *vsb);

/*
 * @from in each call says who learnt of the change, and so whose watchers
 * hear of it: NULL for the notification queue (superblocks mounted
 * watch=notify), a superblock for its watch=poll poller (that superblock
 * alone).  Superblocks mounted watch=off, or polling, get no event from
 * the queue; every superblock gets the invalidations.  VNG_HC_SILENT:
 * nobody's watchers, the caller fires the one event itself (poll.c, for a
 * child whose parent hears of it by name).
 */
#define VNG_HC_SILENT	((struct super_block *)1)

/*
 * FUSE_NOTIFY_INVAL_INODE: attributes of @nodeid changed; with @off >= 0
 * also its data from @off, @len bytes (@len <= 0: to the end), as in the
 * FUSE protocol.  @off < 0: attributes only.  Fires IN_MODIFY (data) or
 * IN_ATTRIB (attributes only) on a non-directory and its parent's
 * watchers; a directory's own changes are reported by the name events.
 */
int vng_host_inval_inode(struct vng_conn *conn, struct super_block *from,
			 u64 nodeid, s64 off, s64 len);

/*
 * FUSE_NOTIFY_INVAL_ENTRY: @name in directory @parent may now be something
 * else (created, replaced, or gone).  @expire_only: FUSE_EXPIRE_ONLY, mark
 * the dentry stale without unhashing it.  Fires IN_CREATE (or the
 * IN_MOVED_TO half of a move) when the name now exists and did not, or
 * names another inode than before; IN_DELETE when a name the guest knew
 * is gone.  What the name is now takes a LOOKUP, sent with no lock held
 * and waited for a few seconds at most: without its answer no event
 * fires for the name.
 */
int vng_host_inval_entry(struct vng_conn *conn, struct super_block *from,
			 u64 parent, const struct qstr *name,
			 bool expire_only);

/*
 * The same, for a name its caller knows is new to @from's watchers (a
 * poller's new name): IN_CREATE fires for the node found even when @from's
 * dcache had it already (a lookup or readdir of the guest's met it first).
 */
int vng_host_new_entry(struct vng_conn *conn, struct super_block *from,
		       u64 parent, const struct qstr *name);

/*
 * FUSE_NOTIFY_DELETE: @name in @parent, which was @child, is gone.  Fires
 * IN_DELETE (or the IN_MOVED_FROM half of a move, when the next call is
 * the INVAL_ENTRY that names @child elsewhere).  @child 0: the caller
 * does not know the node (a poller's name whose node the guest does not
 * hold): the name goes, no inode is touched, no move is paired.  Host
 * messages must name the child (notify.c checks).
 */
int vng_host_delete(struct vng_conn *conn, struct super_block *from,
		    u64 parent, u64 child, const struct qstr *name);

/*
 * An fsnotify event about @name in @dir (data: @child, or @dir when
 * unknown), counted in the device's watch events when anyone hears it.
 */
void vng_host_name_event(struct vng_conn *conn, u32 mask, struct inode *dir,
			 const struct qstr *name, struct inode *child,
			 u32 cookie);

#endif /* VNG_HOSTCHANGE_H */
