/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How host-side changes are watched for (issue 14), the watch= mount
 * option:
 *
 *   watch=notify     the host sends them on the notification queue
 *                    (notify.c); the default when the session has one
 *   watch=poll[:MS]  poll.c asks the host every MS milliseconds (default
 *                    1000, 100..3600000) about the inodes a guest process
 *                    watches (inotify/fanotify inode marks)
 *   watch=off        no events; the default without a notification queue
 *
 * Both report what they learn through hostchange.h.  The queue's messages
 * invalidate the caches of every superblock of the session whatever its
 * mode (coherence); events fire only where the mode asks for them.
 */
#ifndef VNG_WATCH_H
#define VNG_WATCH_H

#include <linux/types.h>

#include "notify.h"	/* enum vng_watch_mode */

struct super_block;
struct vng_conn;
struct vng_poll;

#define VNG_POLL_MS_DEFAULT	1000
#define VNG_POLL_MS_MIN		100
#define VNG_POLL_MS_MAX		3600000

/*
 * The session's device negotiated VIRTIO_FS_F_NOTIFICATION and uses its
 * notification queue (notify.c): watch= defaults to notify.
 */
bool vng_conn_has_notify(const struct vng_conn *conn);

/*
 * poll.c.  vng_poll_start() begins (or, with a new interval, retimes)
 * polling of a superblock mounted watch=poll; vng_poll_stop() ends it and
 * frees its snapshots: on remount to another mode and at umount, before
 * the session goes.  Both sleep; callers serialise them (s_umount).
 */
int vng_poll_start(struct super_block *sb, unsigned int interval_ms);
void vng_poll_stop(struct super_block *sb);

/*
 * The watch= of each superblock of the session, in mount order, into buf
 * (size bytes) as "MODE[ MODE...]\n" (notify, poll:MS, off): sysfs's
 * "watch".  Returns the length, 0 when the session has no superblock.
 */
ssize_t vng_conn_watch_modes(struct vng_conn *conn, char *buf, size_t size);

#endif /* VNG_WATCH_H */
