/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-change watching, the device side (issue 14): the virtio-fs
 * notification queue (notify.c) and the counters every source of host
 * changes shares, shown in /sys/fs/virtiofs_ng/<N>/watch/ and by
 * virtiofsctl status.
 *
 * The counters live in the device (they outlive sessions, like the queue
 * counters); a session reaches them through conn->watch, so the filesystem
 * half (hostchange.c, poll.c) never needs the transport's headers.
 */
#ifndef VNG_NOTIFY_H
#define VNG_NOTIFY_H

#include <linux/atomic.h>
#include <linux/types.h>

struct vng_dev;
struct vng_xfer;

/* How host changes reach this device's sessions ("watch" in sysfs). */
enum vng_watch_mode {
	VNG_WATCH_OFF,		/* they do not: caches expire by timeout */
	VNG_WATCH_NOTIFY,	/* the notification queue (negotiated) */
	VNG_WATCH_POLL,		/* watched-inode polling (poll.c) */
};

struct vng_watch_stats {
	/* notify messages the device returned (well-formed or not) */
	atomic64_t notify_received;
	/* refused: malformed, unknown code, or no session to apply them to */
	atomic64_t notify_dropped;
	/* buffers we could not allocate (retried later) */
	atomic64_t notify_nobuf;
	/* fsnotify events fired for host changes */
	atomic64_t events;
	/* polls sent (poll.c) */
	atomic64_t polls;
	/* enum vng_watch_mode, READ_ONCE/WRITE_ONCE */
	int mode;
};

/* ---- notify.c (transport side; the filesystem never calls these) ------ */
int vng_notify_init(void);
void vng_notify_exit(void);
/*
 * The negotiated notify_buf_size from config space, validated; 0 when the
 * feature is off or the size is unusable (then the feature is not used).
 */
u32 vng_notify_read_buf_size(struct vng_dev *dev);
/* Stocks the notification queue after the device is ready (probe). */
void vng_notify_start(struct vng_dev *dev);
/*
 * The device is gone (after the reset and the reap): waits for message
 * processing to end and frees what is left.
 */
void vng_notify_stop(struct vng_dev *dev);

#endif /* VNG_NOTIFY_H */
