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
 * They may sleep; callers run in process context (a work item).
 */
#ifndef VNG_HOSTCHANGE_H
#define VNG_HOSTCHANGE_H

#include <linux/types.h>

struct vng_conn;
struct qstr;

/*
 * FUSE_NOTIFY_INVAL_INODE: attributes of @nodeid changed; with @len != 0
 * also its data from @off (@len < 0: to the end).  @off < 0: attributes
 * only.  Fires IN_ATTRIB, or IN_MODIFY when data changed.
 */
int vng_host_inval_inode(struct vng_conn *conn, u64 nodeid, s64 off,
			 s64 len);

/*
 * FUSE_NOTIFY_INVAL_ENTRY: @name in directory @parent may now be something
 * else (created, replaced, or gone).  @expire_only: FUSE_EXPIRE_ONLY, mark
 * the dentry stale without unhashing it.  Fires IN_CREATE (or the
 * IN_MOVED_TO half of a move) when the name now exists and did not, or
 * names another inode than before.
 */
int vng_host_inval_entry(struct vng_conn *conn, u64 parent,
			 const struct qstr *name, bool expire_only);

/*
 * FUSE_NOTIFY_DELETE: @name in @parent, which was @child, is gone.  Fires
 * IN_DELETE (or the IN_MOVED_FROM half of a move).
 */
int vng_host_delete(struct vng_conn *conn, u64 parent, u64 child,
		    const struct qstr *name);

#endif /* VNG_HOSTCHANGE_H */
