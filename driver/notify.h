/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-change watching, the device side (issue 14): the virtio-fs
 * notification queue (notify.c) and the counters every source of host
 * changes shares, shown in /sys/fs/virtiofs_ng/<N>/ (watch, watch_events,
 * notify_*; sysfs.h) and by virtiofsctl status.
 *
 * The counters live in the device (they outlive sessions, like the queue
 * counters); a session reaches them through conn->watch, so the filesystem
 * half (hostchange.c, poll.c) never needs the transport's headers.
 */
#ifndef VNG_NOTIFY_H
#define VNG_NOTIFY_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct vng_dev;
struct virtio_device;

/* How host changes reach a superblock (watch=; "watch" in sysfs). */
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
	/* directory reads served from a cached listing / sent to the host */
	atomic64_t readdir_cached;
	atomic64_t readdir_host;
};

/*
 * The notification queue of one device (struct vng_dev.notify).  A fixed
 * set of buffers circulates: posted, returned by the device with a
 * message, copied out and posted again, the copies applied by the
 * device's apply work in arrival order.  A buffer that could not be allocated is retried later.
 */
struct vng_notify_queue {
	u32 buf_size;			/* 0: no notification queue */
	unsigned int want;		/* buffers to keep circulating */
	unsigned int have;		/* allocated; under lock */
	bool stopped;			/* device gone: buffers are freed */
	spinlock_t lock;	/* received, backlog, have, stopped */
	struct list_head received;	/* returned buffers, oldest first */
	/* messages copied out of returned buffers, oldest first */
	struct list_head backlog;
	unsigned int nr_backlog;
	struct work_struct work;	/* drains received into the backlog */
	struct work_struct apply;	/* applies the backlog, in order */
	struct delayed_work restock;	/* allocation retry */
};

/* ---- notify.c (transport side; the filesystem never calls these) ------ */
int vng_notify_init(void);
void vng_notify_exit(void);
/*
 * notify_buf_size from config space, validated; 0 when it is unusable
 * (then the feature is not negotiated: vng_validate()).
 */
u32 vng_notify_read_buf_size(struct virtio_device *vdev);
/* At allocation: the queue state; notify says whether it is negotiated. */
void vng_notify_dev_init(struct vng_dev *dev, bool notify);
/* Stocks the notification queue after the device is ready (probe). */
void vng_notify_start(struct vng_dev *dev);
/*
 * The device is gone (after the reset and the reap): waits for message
 * processing to end and frees what is left.
 */
void vng_notify_stop(struct vng_dev *dev);

#endif /* VNG_NOTIFY_H */
