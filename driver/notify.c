// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-fs notification queue (VIRTIO_FS_F_NOTIFICATION, virtio spec
 * 1.2 section 5.11): the device returns FUSE notify messages (unique 0,
 * error = the notify code) in buffers we keep posted on queue 1.
 *
 * Each message is checked like a reply (proto.h, vng_check_notify()),
 * then applied by hostchange.c from the device's apply work: in process
 * context, one message at a time in the order the device returned them,
 * never from the virtqueue callback.  Applying may send requests (a
 * LOOKUP) and wait for their replies, which arrive on the request queues'
 * own work; the notify works run on a workqueue of their own so they
 * never hold up a completion.  This is the one place the transport calls
 * up into the filesystem, as a reply's completion does.
 *
 * Applying can be slow (a host slow to answer that LOOKUP), so a returned
 * buffer does not wait for it: the drain work copies the message into the
 * backlog and posts the buffer again at once, and the apply work takes
 * the backlog in order.  The backlog holds VNG_NOTIFY_BACKLOG messages;
 * past that the buffers wait on `received` until there is room, so a host
 * that sends faster than the guest applies is slowed down, never lost.
 *
 * Buffers: `want` of them circulate.  One that cannot be allocated is
 * counted (notify_nobuf) and retried a second later: the queue runs short
 * for a while, it never stalls.  Across freeze and restore the transport
 * keeps the unused ones on the queue's waiting list and posts them again
 * (vng_dev_reap()); at removal every buffer comes back with -ENOTCONN or
 * through the work, and is freed.
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>

#include "conn.h"
#include "hostchange.h"
#include "notify.h"
#include "proto.h"
#include "transport.h"

/* Buffers kept posted, when the ring has room for them. */
#define VNG_NOTIFY_BUFS		16
#define VNG_NOTIFY_RESTOCK_DELAY	HZ
/* Messages copied out and waiting to be applied, at most. */
#define VNG_NOTIFY_BACKLOG	256

/* virtio_fs_config as in the spec; uapi headers before 6.x lack the tail */
struct vng_virtio_fs_config {
	__u8	tag[VNG_TAG_LEN];
	__le32	num_request_queues;
	__le32	notify_buf_size;
} __packed;

struct vng_notify_buf {
	struct vng_xfer xfer;
	struct vng_dev *dev;
	struct list_head entry;		/* on notify.received */
	struct scatterlist sg;
	u8 data[];			/* notify.buf_size bytes */
};

/* A message copied out of its buffer, waiting on notify.backlog. */
struct vng_notify_msg_copy {
	struct list_head entry;
	u32 len;
	u8 data[];
};

static struct workqueue_struct *vng_notify_wq;

u32 vng_notify_read_buf_size(struct virtio_device *vdev)
{
	u32 size;

	virtio_cread_le(vdev, struct vng_virtio_fs_config, notify_buf_size,
			&size);
	if (size < VNG_NOTIFY_BUF_MIN || size > VNG_NOTIFY_BUF_MAX) {
		dev_warn(&vdev->dev,
			 "notify_buf_size %u is outside %zu..%u: notification queue not used\n",
			 size, (size_t)VNG_NOTIFY_BUF_MIN, VNG_NOTIFY_BUF_MAX);
		return 0;
	}
	return size;
}

static void vng_notify_free(struct vng_notify_buf *buf)
{
	struct vng_notify_queue *nq = &buf->dev->notify;

	spin_lock(&nq->lock);
	nq->have--;
	spin_unlock(&nq->lock);
	kfree(buf);
}

/* Interrupt-free: the transport calls this from its completion work. */
static void vng_notify_done(struct vng_xfer *xfer, int err)
{
	struct vng_notify_buf *buf = container_of(xfer, struct vng_notify_buf,
						  xfer);
	struct vng_notify_queue *nq = &buf->dev->notify;

	if (err) {
		/* the device went away: this buffer's round is over */
		vng_notify_free(buf);
		return;
	}
	spin_lock(&nq->lock);
	list_add_tail(&buf->entry, &nq->received);
	spin_unlock(&nq->lock);
	queue_work(vng_notify_wq, &nq->work);
}

/* Hands buf to the device (again); frees it when there is no device. */
static void vng_notify_post(struct vng_notify_buf *buf)
{
	struct vng_dev *dev = buf->dev;
	struct vng_xfer *xfer = &buf->xfer;
	bool stopped;

	spin_lock(&dev->notify.lock);
	stopped = dev->notify.stopped;
	spin_unlock(&dev->notify.lock);
	if (stopped) {
		vng_notify_free(buf);
		return;
	}
	memset(xfer, 0, sizeof(*xfer));
	INIT_LIST_HEAD(&xfer->entry);
	sg_init_one(&buf->sg, buf->data, dev->notify.buf_size);
	xfer->sgs[0] = NULL;
	xfer->sgs[1] = &buf->sg;
	xfer->nr_in = 1;
	xfer->nents = 1;
	xfer->state = VNG_XFER_IDLE;
	xfer->done = vng_notify_done;
	if (vng_dev_post_notify(dev, xfer))
		vng_notify_free(buf);
}

/*
 * Out of memory: the restock work tries again later, unless stopping
 * (vng_notify_stop() cancels it once; it must not come back after that).
 */
static void vng_notify_retry_later(struct vng_notify_queue *nq)
{
	spin_lock(&nq->lock);
	if (!nq->stopped)
		queue_delayed_work(vng_notify_wq, &nq->restock,
				   VNG_NOTIFY_RESTOCK_DELAY);
	spin_unlock(&nq->lock);
}

/* Allocates and posts the buffers missing; retries later on failure. */
static void vng_notify_stock(struct vng_dev *dev)
{
	struct vng_notify_queue *nq = &dev->notify;
	struct vng_notify_buf *buf;

	for (;;) {
		spin_lock(&nq->lock);
		if (nq->stopped || nq->have >= nq->want) {
			spin_unlock(&nq->lock);
			return;
		}
		nq->have++;
		spin_unlock(&nq->lock);

		buf = kmalloc(struct_size(buf, data, nq->buf_size),
			      GFP_KERNEL | __GFP_NOWARN);
		if (!buf) {
			spin_lock(&nq->lock);
			nq->have--;
			spin_unlock(&nq->lock);
			atomic64_inc(&dev->watch.notify_nobuf);
			vng_notify_retry_later(nq);
			return;
		}
		buf->dev = dev;
		INIT_LIST_HEAD(&buf->entry);
		vng_notify_post(buf);
	}
}

static void vng_notify_restock_work(struct work_struct *work)
{
	struct vng_notify_queue *nq = container_of(to_delayed_work(work),
						   struct vng_notify_queue,
						   restock);

	vng_notify_stock(container_of(nq, struct vng_dev, notify));
	/* a copy that could not be allocated is retried here too */
	spin_lock(&nq->lock);
	if (!nq->stopped && !list_empty(&nq->received))
		queue_work(vng_notify_wq, &nq->work);
	spin_unlock(&nq->lock);
}

/* The session to apply host changes to, with a reference; or NULL. */
static struct vng_conn *vng_notify_conn(struct vng_dev *dev)
{
	struct vng_conn *conn = NULL;

	mutex_lock(&dev->conn_mutex);
	if (dev->conn && READ_ONCE(dev->conn->connected) &&
	    !READ_ONCE(dev->conn->closing) &&
	    kref_get_unless_zero(&dev->conn->kref))
		conn = dev->conn;
	mutex_unlock(&dev->conn_mutex);
	return conn;
}

/* Checks and applies one message the device wrote len bytes of. */
static void vng_notify_apply(struct vng_dev *dev, const void *data, u32 len)
{
	struct vng_watch_stats *ws = &dev->watch;
	struct vng_notify_msg m = {};
	enum vng_notify_fault fault;
	struct vng_conn *conn;
	struct qstr name;
	int err = 0;

	atomic64_inc(&ws->notify_received);
	conn = vng_notify_conn(dev);
	fault = vng_check_notify(data, len, conn ? conn->minor : 0, &m);
	if (fault) {
		/* unknown codes are expected from newer hosts: no message */
		if (fault != VNG_NOTIFY_UNKNOWN)
			vng_dev_err(dev, "notify message (code %d, %u bytes) refused: %s\n",
				    m.code, len, vng_notify_fault_str(fault));
		atomic64_inc(&ws->notify_dropped);
		goto out;
	}
	if (!conn) {
		/* not mounted: there is no cache to make coherent */
		atomic64_inc(&ws->notify_dropped);
		return;
	}

	name.name = (const unsigned char *)m.name;
	name.len = m.namelen;
	switch (m.code) {
	case FUSE_NOTIFY_INVAL_INODE:
		err = vng_host_inval_inode(conn, NULL, m.nodeid, m.off,
					   m.len);
		break;
	case FUSE_NOTIFY_INVAL_ENTRY:
		err = vng_host_inval_entry(conn, NULL, m.nodeid, &name,
					   m.flags & VNG_FUSE_EXPIRE_ONLY, NULL);
		break;
	case FUSE_NOTIFY_DELETE:
		/* hostchange.c takes 0 for "unknown": a host must say */
		err = m.child ? vng_host_delete(conn, NULL, m.nodeid, m.child,
						&name) : -EINVAL;
		break;
	}
	/* -ENOENT: the guest does not cache that node; nothing to do */
	if (err == -EINVAL) {
		vng_dev_err(dev, "notify message (code %d) names an invalid node or name\n",
			    m.code);
		atomic64_inc(&ws->notify_dropped);
	}
out:
	if (conn)
		vng_conn_put(conn);
}

/*
 * A message longer than any notification we know (a name of NAME_MAX):
 * refused before it is copied, so a host cannot make the backlog hold
 * 64 KiB copies.  Said like vng_notify_apply()'s refusals: quietly for an
 * unknown code, which a newer host may send with a long body.
 */
static void vng_notify_oversized(struct vng_dev *dev, const void *data,
				 u32 len)
{
	const struct fuse_out_header *oh = data;
	s32 code = len >= sizeof(*oh) ? oh->error : 0;

	atomic64_inc(&dev->watch.notify_received);
	atomic64_inc(&dev->watch.notify_dropped);
	if (code == FUSE_NOTIFY_INVAL_INODE || code == FUSE_NOTIFY_INVAL_ENTRY ||
	    code == FUSE_NOTIFY_DELETE)
		vng_dev_err(dev, "notify message (code %d, %u bytes) refused: longer than any notification\n",
			    code, len);
}

/*
 * The drain work: copies each returned message into the backlog and posts
 * its buffer again, so that the device never waits for an apply.
 */
static void vng_notify_work(struct work_struct *work)
{
	struct vng_notify_queue *nq = container_of(work,
						   struct vng_notify_queue,
						   work);
	struct vng_dev *dev = container_of(nq, struct vng_dev, notify);
	struct vng_notify_msg_copy *copy;
	struct vng_notify_buf *buf;
	u32 len;

	for (;;) {
		spin_lock(&nq->lock);
		buf = NULL;
		if (nq->nr_backlog < VNG_NOTIFY_BACKLOG)
			buf = list_first_entry_or_null(&nq->received,
						       struct vng_notify_buf,
						       entry);
		if (buf)
			list_del_init(&buf->entry);
		spin_unlock(&nq->lock);
		if (!buf)
			return;
		/* the device wrote at most what we posted */
		len = min_t(u32, buf->xfer.len, nq->buf_size);
		if (len > VNG_NOTIFY_MSG_MAX) {
			/* no copy of what no check would accept */
			vng_notify_oversized(dev, buf->data, len);
			vng_notify_post(buf);
			continue;
		}
		copy = kmalloc(struct_size(copy, data, len),
			       GFP_KERNEL | __GFP_NOWARN);
		if (!copy) {
			/* stays first in line; retried with the restock */
			spin_lock(&nq->lock);
			list_add(&buf->entry, &nq->received);
			spin_unlock(&nq->lock);
			atomic64_inc(&dev->watch.notify_nobuf);
			vng_notify_retry_later(nq);
			return;
		}
		copy->len = len;
		memcpy(copy->data, buf->data, len);
		vng_notify_post(buf);

		spin_lock(&nq->lock);
		list_add_tail(&copy->entry, &nq->backlog);
		nq->nr_backlog++;
		if (!nq->stopped)
			queue_work(vng_notify_wq, &nq->apply);
		spin_unlock(&nq->lock);
	}
}

/* The apply work: the backlog, one message at a time, in order. */
static void vng_notify_apply_work(struct work_struct *work)
{
	struct vng_notify_queue *nq = container_of(work,
						   struct vng_notify_queue,
						   apply);
	struct vng_dev *dev = container_of(nq, struct vng_dev, notify);
	struct vng_notify_msg_copy *copy;

	for (;;) {
		spin_lock(&nq->lock);
		copy = list_first_entry_or_null(&nq->backlog,
						struct vng_notify_msg_copy,
						entry);
		if (copy) {
			list_del(&copy->entry);
			nq->nr_backlog--;
			/* room again: buffers held back can go out */
			if (!nq->stopped && !list_empty(&nq->received))
				queue_work(vng_notify_wq, &nq->work);
		}
		spin_unlock(&nq->lock);
		if (!copy)
			return;
		vng_notify_apply(dev, copy->data, copy->len);
		kfree(copy);
		cond_resched();
	}
}

void vng_notify_dev_init(struct vng_dev *dev, bool notify)
{
	struct vng_notify_queue *nq = &dev->notify;

	spin_lock_init(&nq->lock);
	INIT_LIST_HEAD(&nq->received);
	INIT_LIST_HEAD(&nq->backlog);
	nq->nr_backlog = 0;
	INIT_WORK(&nq->work, vng_notify_work);
	INIT_WORK(&nq->apply, vng_notify_apply_work);
	INIT_DELAYED_WORK(&nq->restock, vng_notify_restock_work);
	nq->buf_size = notify ? vng_notify_read_buf_size(dev->vdev) : 0;
	nq->stopped = !nq->buf_size;
}

void vng_notify_start(struct vng_dev *dev)
{
	struct vng_notify_queue *nq = &dev->notify;

	if (!nq->buf_size)
		return;
	nq->want = min_t(unsigned int, VNG_NOTIFY_BUFS,
			 dev->vqs[VNG_NOTIFY_VQ].ring_size);
	vng_notify_stock(dev);
}

void vng_notify_stop(struct vng_dev *dev)
{
	struct vng_notify_queue *nq = &dev->notify;
	struct vng_notify_msg_copy *copy, *cnext;
	struct vng_notify_buf *buf, *next;
	LIST_HEAD(left);
	LIST_HEAD(copies);

	spin_lock(&nq->lock);
	nq->stopped = true;
	spin_unlock(&nq->lock);
	/* stopped: none of the three queues another from here on */
	cancel_delayed_work_sync(&nq->restock);
	cancel_work_sync(&nq->work);
	/* a message being applied finishes first */
	cancel_work_sync(&nq->apply);

	spin_lock(&nq->lock);
	list_splice_init(&nq->received, &left);
	list_splice_init(&nq->backlog, &copies);
	nq->nr_backlog = 0;
	spin_unlock(&nq->lock);
	list_for_each_entry_safe(copy, cnext, &copies, entry) {
		list_del(&copy->entry);
		atomic64_inc(&dev->watch.notify_dropped);
		kfree(copy);
	}
	list_for_each_entry_safe(buf, next, &left, entry) {
		list_del_init(&buf->entry);
		atomic64_inc(&dev->watch.notify_dropped);
		vng_notify_free(buf);
	}
	WARN_ON_ONCE(nq->have);
}

int vng_notify_init(void)
{
	/*
	 * Ordered per device by its apply work item (one runs at a time);
	 * unbound: applying may sleep long, and the drain must not wait
	 */
	vng_notify_wq = alloc_workqueue("virtiofs_ng_notify", WQ_UNBOUND, 0);
	return vng_notify_wq ? 0 : -ENOMEM;
}

void vng_notify_exit(void)
{
	destroy_workqueue(vng_notify_wq);
}
