/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-fs transport (transport.c) and the bottom half's private
 * interfaces between transport.c, request.c, conn.c and sysfs.c.  The
 * filesystem never includes this: it sees struct vng_dev only as the
 * opaque conn->dev.
 *
 * A struct vng_dev is one virtio-fs device.  Its kobject
 * (/sys/fs/virtiofs_ng/<N>) is also its reference count: the device
 * structure outlives the virtio device when a session still holds it, so
 * a filesystem whose device went away can still be unmounted.
 *
 * The transport moves struct vng_xfer objects: a device-readable and a
 * device-writable scatterlist plus a completion callback.  It knows
 * nothing of FUSE beyond which queue a buffer goes to.
 */
#ifndef VNG_TRANSPORT_H
#define VNG_TRANSPORT_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "notify.h"
#include "proto.h"

struct virtio_device;
struct virtqueue;
struct vng_args;
struct vng_conn;
struct vng_dax;
struct vng_vq;

/* Request queues we drive at most, whatever the device offers. */
#define VNG_MAX_REQUEST_QUEUES	64
/*
 * Queue 0 is hiprio (FORGET, INTERRUPT); with VIRTIO_FS_F_NOTIFICATION
 * queue 1 is the notification queue; request queues follow
 * (dev->first_req_vq).
 */
#define VNG_HIPRIO_VQ		0
#define VNG_NOTIFY_VQ		1

enum vng_xfer_state {
	VNG_XFER_IDLE,		/* not handed to the transport */
	VNG_XFER_WAITING,	/* on vq->waiting: no room on the ring yet */
	VNG_XFER_ON_RING,	/* the device owns the buffers */
	VNG_XFER_DONE,		/* ->done() ran or is about to */
	VNG_XFER_CANCELLED,	/* taken back before it was ever submitted */
};

/* One buffer chain for the device. */
struct vng_xfer {
	struct list_head entry;		/* on vq->waiting or a done list */
	/*
	 * sgs[0]: device-readable, sgs[1]: device-writable (optional);
	 * sgs[0] NULL: device-writable only (notification buffers)
	 */
	struct scatterlist *sgs[2];
	unsigned int nr_in;		/* 0: no reply expected; else 1 */
	unsigned int nents;		/* descriptors in both lists */
	unsigned int len;		/* bytes the device wrote */
	/* under vq->lock, but IDLE -> WAITING|CANCELLED by cmpxchg */
	enum vng_xfer_state state;
	struct vng_vq *vq;
	/*
	 * Called exactly once in process context (the queue's completion
	 * work, or removal): err is 0 and len valid when the device used the
	 * buffers, -ENOTCONN when the device went away first.
	 */
	void (*done)(struct vng_xfer *xfer, int err);
};

/*
 * One virtqueue.  Counters are read without the lock by sysfs: they are
 * statistics, torn reads of a u64 do not happen on 64-bit and matter
 * little elsewhere.
 */
struct vng_vq {
	spinlock_t lock;		/* ring, waiting list, counters */
	struct virtqueue *vq;		/* NULL while frozen or removed */
	struct vng_dev *dev;
	struct list_head waiting;	/* xfers the ring had no room for */
	struct work_struct done_work;
	unsigned int index;
	unsigned int ring_size;		/* descriptors: longest chain */
	unsigned int in_flight;		/* on the ring */
	unsigned int nr_waiting;
	u64 sent;
	u64 completed;
	char name[24];			/* "hiprio", "requests.0", ... */
	struct kobject kobj;		/* queues/<name>, holds a dev reference */
	bool kobj_added;
};

enum vng_dev_state {
	VNG_DEV_READY,
	VNG_DEV_FROZEN,		/* suspended: new xfers wait */
	VNG_DEV_REMOVED,	/* gone: everything fails with -ENOTCONN */
};

/*
 * watch=poll's findings (poll.c), /sys/fs/virtiofs_ng/<N>/poll/ (the
 * requests it sends are watch.polls)
 */
struct vng_poll_stats {
	atomic64_t differences;		/* changes the polls found */
	atomic64_t reported;		/* and reported to hostchange.c */
	atomic64_t deferred;		/* left for a later tick (budget) */
};

struct vng_dev {
	struct kobject kobj;		/* the reference count; sysfs.c */
	struct virtio_device *vdev;	/* NULL once removed */
	char name[32];			/* "virtio3", kept for messages */
	char tag[VNG_TAG_LEN + 1];
	int index;			/* <N> in /sys/fs/virtiofs_ng/<N> */
	enum vng_dev_state state;	/* read under a vq lock */
	bool dup_tag;			/* another device has this tag */
	bool sysfs_added;		/* under sysfs_lock */
	struct mutex sysfs_lock;	/* directory removal vs notify */
	struct list_head entry;		/* on the device list */

	unsigned int nr_vqs;		/* hiprio (+ notify) + request queues */
	unsigned int first_req_vq;	/* 1, or 2 behind the notify queue */
	unsigned int nr_req_vqs_offered;
	struct vng_vq *vqs;
	unsigned int max_chain;		/* longest chain every queue takes */
	u16 *cpu_map;			/* CPU -> request queue (0-based) */
	wait_queue_head_t idle_wq;	/* freeze waits for in_flight == 0 */

	/* the session: conn.c */
	struct mutex conn_mutex;	/* creation and teardown of conn */
	struct vng_conn *conn;		/* set while a session is up */
	bool no_interrupt;		/* host answered INTERRUPT with ENOSYS */

	/* requests: request.c */
	atomic64_t next_unique;
	spinlock_t req_lock;		/* reqs, request finishing */
	struct list_head reqs;		/* live requests, for abort */

	/* forgets waiting to be batched: request.c */
	spinlock_t forget_lock;
	struct list_head forgets;
	unsigned int nr_forgets;
	bool forget_open;		/* a session takes forgets */
	bool forget_batch;		/* the host knows FUSE_BATCH_FORGET */
	struct delayed_work forget_work;

	/* interrupts the host asked us to send again (-EAGAIN): request.c */
	struct list_head intr_retry;	/* under forget_lock */
	struct delayed_work intr_work;

	/*
	 * A host that stops answering (its daemon died: QEMU tells the
	 * guest nothing) is detected by this watchdog: request.c.
	 */
	unsigned long last_reply;	/* jiffies of the latest reply */
	unsigned long probe_sent;	/* jiffies of the last probe */
	bool probe_pending;		/* a probe waits for its reply */
	bool host_unresponsive;		/* said so; cleared when it answers */
	struct delayed_work watchdog_work;

	/* host changes: how they arrive and what they cost (notify.h) */
	struct vng_watch_stats watch;
	struct vng_notify_queue notify;

	struct ratelimit_state rs;	/* for everything the host can cause */
	/* the DAX window (dax_dev.c); NULL without one */
	struct vng_dax *dax;
	struct kobject *queues_kobj;	/* queues/ */
	struct vng_poll_stats poll_stats;
};

/* ---- transport.c ------------------------------------------------------ */
int vng_transport_init(void);
void vng_transport_exit(void);

/*
 * Queues xfer on the hiprio queue or on the request queue of this CPU.
 * Returns 0 when ->done() will be called, or -ENOTCONN (device gone) /
 * -EINVAL (chain longer than the ring) when it will not.
 */
int vng_dev_submit(struct vng_dev *dev, struct vng_xfer *xfer, bool hiprio);
/*
 * Posts a device-writable buffer on the notification queue; like
 * vng_dev_submit().  A frozen device keeps it for the restore.
 */
int vng_dev_post_notify(struct vng_dev *dev, struct vng_xfer *xfer);
/*
 * Takes back an xfer still waiting for room, or not submitted yet (its
 * vng_dev_submit() then fails with -ECANCELED).  True when it was taken
 * back: ->done() will not be called.  False when the device has it (or
 * had).
 */
bool vng_xfer_cancel(struct vng_xfer *xfer);
/* Finds a device by tag and takes a reference; NULL when there is none. */
struct vng_dev *vng_dev_find(const char *tag);
void vng_dev_get(struct vng_dev *dev);
void vng_dev_put(struct vng_dev *dev);
/* True once the virtio device is gone. */
bool vng_dev_removed(const struct vng_dev *dev);
/* Longest chain of descriptors a request may have. */
unsigned int vng_dev_max_chain(const struct vng_dev *dev);
/* ", "-separated mountable tags (conn.h's vng_conn_list_tags). */
void vng_dev_list_tags(char *buf, size_t size);
/* Waits up to timeout jiffies for the hiprio queue to drain. */
void vng_dev_wait_hiprio_idle(struct vng_dev *dev, unsigned long timeout);
/* Called by the kobject release (sysfs.c) when the last reference goes. */
void vng_dev_free(struct vng_dev *dev);

__printf(3, 4)
void vng_dev_printk(struct vng_dev *dev, const char *level,
		    const char *fmt, ...);
#define vng_dev_err(dev, fmt, ...) \
	vng_dev_printk(dev, KERN_ERR, fmt, ##__VA_ARGS__)
#define vng_dev_warn(dev, fmt, ...) \
	vng_dev_printk(dev, KERN_WARNING, fmt, ##__VA_ARGS__)

/* ---- request.c -------------------------------------------------------- */
int vng_request_init(void);
void vng_request_exit(void);
/* Per-device request state, at probe and at the final free. */
void vng_dev_requests_init(struct vng_dev *dev);
/*
 * A session starts (open) or ends (drops what is queued): forgets are
 * taken and the host watchdog runs only in between.
 */
void vng_forgets_open(struct vng_dev *dev, bool batch);
void vng_forgets_close(struct vng_dev *dev);
/* Sends the forgets queued so far now (before FUSE_DESTROY). */
void vng_forgets_flush(struct vng_dev *dev);
/* The device is gone: drops interrupts waiting to be sent again. */
void vng_requests_dev_removed(struct vng_dev *dev);
/* Finishes the requests of conn (vng_conn_abort) with -ENOTCONN. */
void vng_requests_abort(struct vng_conn *conn);

/* ---- conn.c ----------------------------------------------------------- */
int vng_conn_init(void);
void vng_conn_exit(void);
/* The device went away: the session (if any) is disconnected. */
void vng_conn_dev_removed(struct vng_dev *dev);
/*
 * Aborts the device's session (sysfs abort, umount -f); with
 * only_unresponsive only once the watchdog found the host not answering
 * (-EAGAIN otherwise).  -ENOTCONN when there is no session.
 */
int vng_dev_abort_session(struct vng_dev *dev, bool only_unresponsive);

#endif
