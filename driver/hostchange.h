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
 * They may sleep and may send requests (LOOKUP); callers run in process
 * context (a work item), never in a path that holds a lock of the
 * filesystem.  Calls are serialised per session.
 */
#ifndef VNG_HOSTCHANGE_H
#define VNG_HOSTCHANGE_H

#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct vng_conn;
struct qstr;

/*
 * Per session (embedded in struct vng_conn): the serialisation of host
 * changes, and the DELETE that may be the first half of a move.
 */
struct vng_hostchange {
	struct mutex lock;		/* one host change at a time, in order */
	/* a DELETE not yet reported: it waits for its INVAL_ENTRY pair */
	bool pending;
	bool pending_isdir;
	u64 pending_parent;
	u64 pending_child;
	unsigned int pending_len;
	char pending_name[NAME_MAX + 1];
	/* reports a pending DELETE as a delete once its pair is overdue */
	struct delayed_work flush_work;
};

/* conn.c: session creation and the final teardown */
void vng_hostchange_init(struct vng_conn *conn);
void vng_hostchange_destroy(struct vng_conn *conn);

/*
 * FUSE_NOTIFY_INVAL_INODE: attributes of @nodeid changed; with @off >= 0
 * also its data from @off, @len bytes (@len <= 0: to the end), as in the
 * FUSE protocol.  @off < 0: attributes only.  Fires IN_MODIFY (data) or
 * IN_ATTRIB (attributes only) on a non-directory and its parent's
 * watchers; a directory's own changes are reported by the name events.
 */
int vng_host_inval_inode(struct vng_conn *conn, u64 nodeid, s64 off,
			 s64 len);

/*
 * FUSE_NOTIFY_INVAL_ENTRY: @name in directory @parent may now be something
 * else (created, replaced, or gone).  @expire_only: FUSE_EXPIRE_ONLY, mark
 * the dentry stale without unhashing it.  Fires IN_CREATE (or the
 * IN_MOVED_TO half of a move) when the name now exists and did not, or
 * names another inode than before; IN_DELETE when a name the guest knew
 * is gone.
 */
int vng_host_inval_entry(struct vng_conn *conn, u64 parent,
			 const struct qstr *name, bool expire_only);

/*
 * FUSE_NOTIFY_DELETE: @name in @parent, which was @child, is gone.  Fires
 * IN_DELETE (or the IN_MOVED_FROM half of a move, when the next call is
 * the INVAL_ENTRY that names @child elsewhere).
 */
int vng_host_delete(struct vng_conn *conn, u64 parent, u64 child,
		    const struct qstr *name);

#endif /* VNG_HOSTCHANGE_H */
