// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-fs transport: binds virtio device ID 26, reads the tag and the
 * queue count from config space, drives the hiprio queue and the request
 * queues, and hands completed buffers back from a workqueue.
 *
 * Locking: each queue's lock covers its ring, its waiting list and its
 * counters, and submitters read the device state under it.  Buffers are
 * added under the lock; the device is notified after it is dropped (a
 * notify is a VM exit: holding the lock across it makes the completion
 * work on the other CPU spin), inside an RCU read-side section begun
 * under the lock.  Removal and freeze pass through every lock and then
 * wait for an RCU grace period before deleting the queues, so they never
 * race with a notify.
 */
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>

#include "conn.h"
#include "dax.h"
#include "notify.h"
#include "sysfs.h"
#include "transport.h"

/* Freeze gives in-flight requests this long to finish before it refuses. */
#define VNG_FREEZE_DRAIN_TIMEOUT	(10 * HZ)

static struct workqueue_struct *vng_vq_wq;

/* Devices in probe order; the first of several with one tag owns it. */
static DEFINE_MUTEX(vng_devs_mutex);
static LIST_HEAD(vng_devs);

void vng_dev_printk(struct vng_dev *dev, const char *level,
		    const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&dev->rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (level[1] == KERN_ERR[1])
		pr_err("virtiofs_ng %s (%s): %pV", dev->name, dev->tag, &vaf);
	else if (level[1] == KERN_WARNING[1])
		pr_warn("virtiofs_ng %s (%s): %pV", dev->name, dev->tag, &vaf);
	else
		pr_info("virtiofs_ng %s (%s): %pV", dev->name, dev->tag, &vaf);
	va_end(args);
}

void vng_dev_get(struct vng_dev *dev)
{
	kobject_get(&dev->kobj);
}

void vng_dev_put(struct vng_dev *dev)
{
	kobject_put(&dev->kobj);
}

bool vng_dev_removed(const struct vng_dev *dev)
{
	return READ_ONCE(dev->state) == VNG_DEV_REMOVED;
}

unsigned int vng_dev_max_chain(const struct vng_dev *dev)
{
	return READ_ONCE(dev->max_chain);
}

void vng_dev_free(struct vng_dev *dev)
{
	vng_dax_dev_free(dev);		/* DAX hook */
	kfree(dev->cpu_map);
	kfree(dev->vqs);
	kfree(dev);
}

/* ---- queues ----------------------------------------------------------- */

/* Moves waiting xfers onto the ring in order; true when a kick is due. */
static bool vng_vq_dispatch_locked(struct vng_vq *fsvq)
{
	struct vng_xfer *xfer;
	bool added = false;
	int ret;

	lockdep_assert_held(&fsvq->lock);
	if (fsvq->dev->state != VNG_DEV_READY || !fsvq->vq)
		return false;

	while ((xfer = list_first_entry_or_null(&fsvq->waiting,
						struct vng_xfer, entry))) {
		unsigned int out = xfer->sgs[0] ? 1 : 0;

		/*
		 * GFP_ATOMIC only affects indirect tables: without one the
		 * ring falls back to direct descriptors or reports -ENOSPC.
		 */
		ret = virtqueue_add_sgs(fsvq->vq, xfer->sgs + 1 - out, out,
					xfer->nr_in, xfer, GFP_ATOMIC);
		if (ret)
			break;
		list_del_init(&xfer->entry);
		fsvq->nr_waiting--;
		xfer->state = VNG_XFER_ON_RING;
		fsvq->in_flight++;
		fsvq->sent++;
		added = true;
	}
	return added && virtqueue_kick_prepare(fsvq->vq);
}

/*
 * Drops fsvq->lock and notifies the device when kick says so.  The queue
 * cannot go away under the notify: vng_dev_set_state() waits for the RCU
 * section begun here while the lock was still held.
 */
static void vng_vq_unlock_kick(struct vng_vq *fsvq, bool kick)
	__releases(&fsvq->lock)
{
	struct virtqueue *vq = fsvq->vq;

	if (!kick) {
		spin_unlock(&fsvq->lock);
		return;
	}
	rcu_read_lock();
	spin_unlock(&fsvq->lock);
	virtqueue_notify(vq);
	rcu_read_unlock();
}

/*
 * Interrupt context: only schedules the completion work, which reaps the
 * ring and runs the callbacks where they may sleep.
 */
static void vng_vq_callback(struct virtqueue *vq)
{
	struct vng_dev *dev = vq->vdev->priv;

	queue_work(vng_vq_wq, &dev->vqs[vq->index].done_work);
}

static void vng_vq_done_work(struct work_struct *work)
{
	struct vng_vq *fsvq = container_of(work, struct vng_vq, done_work);
	struct vng_xfer *xfer, *next;
	unsigned int len;
	LIST_HEAD(done);
	bool idle, kick;

	spin_lock(&fsvq->lock);
	if (!fsvq->vq) {
		spin_unlock(&fsvq->lock);
		return;
	}
	do {
		virtqueue_disable_cb(fsvq->vq);
		while ((xfer = virtqueue_get_buf(fsvq->vq, &len))) {
			xfer->len = len;
			xfer->state = VNG_XFER_DONE;
			list_add_tail(&xfer->entry, &done);
			fsvq->in_flight--;
			fsvq->completed++;
		}
	} while (!virtqueue_enable_cb(fsvq->vq) &&
		 !virtqueue_is_broken(fsvq->vq));
	/* Room was freed: requests waiting for it go now. */
	kick = vng_vq_dispatch_locked(fsvq);
	idle = !fsvq->in_flight;
	vng_vq_unlock_kick(fsvq, kick);

	if (idle)
		wake_up_all(&fsvq->dev->idle_wq);

	list_for_each_entry_safe(xfer, next, &done, entry) {
		list_del_init(&xfer->entry);
		xfer->done(xfer, 0);
	}
}

/* The request queue of the submitting CPU. */
static struct vng_vq *vng_dev_pick_vq(struct vng_dev *dev)
{
	unsigned int cpu = raw_smp_processor_id();

	return &dev->vqs[dev->first_req_vq + dev->cpu_map[cpu]];
}

static int vng_vq_submit(struct vng_vq *fsvq, struct vng_xfer *xfer)
{
	struct vng_dev *dev = fsvq->dev;
	enum vng_xfer_state old;
	int err = 0;

	spin_lock(&fsvq->lock);
	/*
	 * Claim the xfer first: one cancelled before it got here stays out,
	 * and from here on a cancel finds it WAITING (or DONE on failure).
	 */
	WRITE_ONCE(xfer->vq, fsvq);
	old = READ_ONCE(xfer->state);
	if (old == VNG_XFER_CANCELLED ||
	    cmpxchg(&xfer->state, old, VNG_XFER_WAITING) != old) {
		spin_unlock(&fsvq->lock);
		return -ECANCELED;
	}
	if (fsvq->dev->state == VNG_DEV_REMOVED) {
		err = -ENOTCONN;
	} else if (xfer->nents > fsvq->ring_size) {
		/*
		 * The spec forbids chains longer than the ring, indirect or
		 * not; such a request could never be sent, so it fails
		 * rather than waits.
		 */
		vng_dev_err(dev, "request needs %u descriptors, queue %s has %u\n",
			    xfer->nents, fsvq->name, fsvq->ring_size);
		err = -EINVAL;
	}
	if (err) {
		xfer->state = VNG_XFER_DONE;
		spin_unlock(&fsvq->lock);
		return err;
	}
	/*
	 * Always through the waiting list, so a request never overtakes one
	 * that is waiting for room; dispatch sends it at once when it can.
	 */
	list_add_tail(&xfer->entry, &fsvq->waiting);
	fsvq->nr_waiting++;
	vng_vq_unlock_kick(fsvq, vng_vq_dispatch_locked(fsvq));
	return 0;
}

int vng_dev_submit(struct vng_dev *dev, struct vng_xfer *xfer, bool hiprio)
{
	return vng_vq_submit(hiprio ? &dev->vqs[VNG_HIPRIO_VQ] :
			     vng_dev_pick_vq(dev), xfer);
}

int vng_dev_post_notify(struct vng_dev *dev, struct vng_xfer *xfer)
{
	if (dev->first_req_vq <= VNG_NOTIFY_VQ)
		return -EINVAL;
	return vng_vq_submit(&dev->vqs[VNG_NOTIFY_VQ], xfer);
}

bool vng_xfer_cancel(struct vng_xfer *xfer)
{
	struct vng_vq *fsvq;
	bool cancelled = false;

	/* not handed to the transport yet: make sure it never is */
	if (cmpxchg(&xfer->state, VNG_XFER_IDLE, VNG_XFER_CANCELLED) ==
	    VNG_XFER_IDLE)
		return true;
	/* the submitter stored vq before it moved the state on */
	smp_mb();
	fsvq = READ_ONCE(xfer->vq);
	if (!fsvq)
		return false;
	spin_lock(&fsvq->lock);
	if (xfer->state == VNG_XFER_WAITING) {
		list_del_init(&xfer->entry);
		fsvq->nr_waiting--;
		xfer->state = VNG_XFER_IDLE;
		cancelled = true;
	}
	spin_unlock(&fsvq->lock);
	return cancelled;
}

/*
 * Submitters read the state under a queue lock.  Taking each lock once
 * after the store waits out every submitter that may still have seen the
 * old state; later ones see the new one.  The grace period then waits out
 * their notifies, which run after the lock (vng_vq_unlock_kick()).
 */
static void vng_dev_set_state(struct vng_dev *dev, enum vng_dev_state state)
{
	unsigned int i;

	WRITE_ONCE(dev->state, state);
	for (i = 0; i < dev->nr_vqs; i++) {
		spin_lock(&dev->vqs[i].lock);
		spin_unlock(&dev->vqs[i].lock);
	}
	synchronize_rcu();
}

/* Requests in flight?  Notification buffers wait for the device forever. */
static bool vng_dev_idle(struct vng_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_vqs; i++)
		if (!(i == VNG_NOTIFY_VQ && dev->first_req_vq > VNG_NOTIFY_VQ) &&
		    READ_ONCE(dev->vqs[i].in_flight))
			return false;
	return true;
}

void vng_dev_wait_hiprio_idle(struct vng_dev *dev, unsigned long timeout)
{
	struct vng_vq *fsvq = &dev->vqs[VNG_HIPRIO_VQ];

	wait_event_timeout(dev->idle_wq, !READ_ONCE(fsvq->in_flight) ||
			   vng_dev_removed(dev), timeout);
}

/*
 * After a reset, when the device no longer touches any buffer: completes
 * what it used, fails what it did not (and what waited) with err, and
 * forgets the virtqueues.  With err 0 (freeze) a buffer the device never
 * used (a notification buffer: requests were drained) goes back to the
 * head of the waiting list, to be posted again at restore.
 */
static void vng_dev_reap(struct vng_dev *dev, int err)
{
	struct vng_xfer *xfer, *next;
	unsigned int i, len;
	LIST_HEAD(used);
	LIST_HEAD(failed);

	for (i = 0; i < dev->nr_vqs; i++) {
		struct vng_vq *fsvq = &dev->vqs[i];

		cancel_work_sync(&fsvq->done_work);
		spin_lock(&fsvq->lock);
		if (fsvq->vq) {
			while ((xfer = virtqueue_get_buf(fsvq->vq, &len))) {
				xfer->len = len;
				xfer->state = VNG_XFER_DONE;
				list_add_tail(&xfer->entry, &used);
				fsvq->completed++;
			}
			while ((xfer = virtqueue_detach_unused_buf(fsvq->vq))) {
				if (!err) {
					xfer->state = VNG_XFER_WAITING;
					list_add(&xfer->entry, &fsvq->waiting);
					fsvq->nr_waiting++;
					continue;
				}
				xfer->state = VNG_XFER_DONE;
				list_add_tail(&xfer->entry, &failed);
			}
		}
		if (err) {
			list_for_each_entry(xfer, &fsvq->waiting, entry)
				xfer->state = VNG_XFER_DONE;
			list_splice_tail_init(&fsvq->waiting, &failed);
			fsvq->nr_waiting = 0;
		}
		fsvq->in_flight = 0;
		fsvq->vq = NULL;
		spin_unlock(&fsvq->lock);
	}
	wake_up_all(&dev->idle_wq);

	list_for_each_entry_safe(xfer, next, &used, entry) {
		list_del_init(&xfer->entry);
		xfer->done(xfer, 0);
	}
	list_for_each_entry_safe(xfer, next, &failed, entry) {
		list_del_init(&xfer->entry);
		xfer->done(xfer, err ? err : -ENOTCONN);
	}
}

/* ---- virtqueue setup: the one caller of virtio_find_vqs ----------------- */

static int vng_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			struct virtqueue *vqs[], vq_callback_t *callbacks[],
			const char * const names[], struct irq_affinity *desc)
{
	return vng_virtio_find_vqs(vdev, nvqs, vqs, callbacks, names, desc);
}

/* The interrupt affinity of request queue q, or NULL when unknown. */
static const struct cpumask *vng_vq_affinity(struct virtio_device *vdev,
					     unsigned int index)
{
	if (!vdev->config->get_vq_affinity)
		return NULL;
	return vdev->config->get_vq_affinity(vdev, index);
}

/*
 * Maps every CPU to a request queue: the queue whose interrupt the CPU
 * serves when the transport spread them, otherwise CPU modulo queues (one
 * queue per CPU when there are enough).
 */
static void vng_dev_map_cpus(struct vng_dev *dev)
{
	unsigned int nr = dev->nr_vqs - dev->first_req_vq;
	const struct cpumask *mask;
	unsigned int cpu, q;

	for_each_possible_cpu(cpu)
		dev->cpu_map[cpu] = cpu % nr;
	if (nr == 1)
		return;
	for (q = 0; q < nr; q++)
		if (!vng_vq_affinity(dev->vdev, dev->first_req_vq + q))
			return;
	for (q = 0; q < nr; q++) {
		mask = vng_vq_affinity(dev->vdev, dev->first_req_vq + q);
		for_each_cpu(cpu, mask)
			dev->cpu_map[cpu] = q;
	}
}

static int vng_dev_setup_vqs(struct vng_dev *dev)
{
	/* The hiprio and notify queues' interrupts need no CPU spreading. */
	struct irq_affinity desc = { .pre_vectors = dev->first_req_vq };
	unsigned int i, n = dev->nr_vqs, chain = UINT_MAX;
	vq_callback_t **callbacks;
	struct virtqueue **vqs;
	const char **names;
	int ret = -ENOMEM;

	vqs = kcalloc(n, sizeof(*vqs), GFP_KERNEL);
	callbacks = kcalloc(n, sizeof(*callbacks), GFP_KERNEL);
	names = kcalloc(n, sizeof(*names), GFP_KERNEL);
	if (!vqs || !callbacks || !names)
		goto out;
	for (i = 0; i < n; i++) {
		callbacks[i] = vng_vq_callback;
		names[i] = dev->vqs[i].name;
	}
	ret = vng_find_vqs(dev->vdev, n, vqs, callbacks, names, &desc);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		struct vng_vq *fsvq = &dev->vqs[i];

		spin_lock(&fsvq->lock);
		fsvq->vq = vqs[i];
		fsvq->ring_size = virtqueue_get_vring_size(vqs[i]);
		spin_unlock(&fsvq->lock);
		if (i >= dev->first_req_vq)
			chain = min(chain, fsvq->ring_size);
	}
	WRITE_ONCE(dev->max_chain, chain);
	vng_dev_map_cpus(dev);
out:
	kfree(names);
	kfree(callbacks);
	kfree(vqs);
	return ret;
}

/* ---- config space ----------------------------------------------------- */

/*
 * The tag is up to 36 bytes, NUL-padded but not necessarily terminated.
 * It names the device in mount tables, sysfs, uevents and paths: empty
 * tags, bytes after the padding starts, '/' and control bytes are refused.
 */
static int vng_read_tag(struct virtio_device *vdev, char *tag)
{
	u8 raw[VNG_TAG_LEN];
	size_t len, i;

	virtio_cread_bytes(vdev, offsetof(struct virtio_fs_config, tag),
			   raw, sizeof(raw));
	len = strnlen((const char *)raw, sizeof(raw));
	if (!len) {
		dev_err(&vdev->dev, "device has an empty tag: not usable\n");
		return -EINVAL;
	}
	for (i = len; i < sizeof(raw); i++) {
		if (raw[i]) {
			dev_err(&vdev->dev,
				"tag is not NUL-padded (byte 0x%02x at offset %zu): not usable\n",
				raw[i], i);
			return -EINVAL;
		}
	}
	for (i = 0; i < len; i++) {
		if (raw[i] < 0x20 || raw[i] == 0x7f || raw[i] == '/') {
			dev_err(&vdev->dev,
				"tag has the byte 0x%02x at offset %zu: not usable\n",
				raw[i], i);
			return -EINVAL;
		}
	}
	memcpy(tag, raw, len);
	tag[len] = '\0';
	return 0;
}

static unsigned int vng_read_nr_queues(struct virtio_device *vdev,
				       unsigned int *offered)
{
	u32 n;

	virtio_cread_le(vdev, struct virtio_fs_config, num_request_queues, &n);
	*offered = n;
	if (!n) {
		dev_warn(&vdev->dev,
			 "device offers no request queue; trying one\n");
		return 1;
	}
	if (n > VNG_MAX_REQUEST_QUEUES) {
		dev_warn(&vdev->dev,
			 "device offers %u request queues; using %u\n",
			 n, VNG_MAX_REQUEST_QUEUES);
		n = VNG_MAX_REQUEST_QUEUES;
	}
	/* More queues than CPUs would never be picked. */
	return min_t(unsigned int, n, nr_cpu_ids);
}

/* ---- the device list -------------------------------------------------- */

static struct vng_dev *vng_dev_find_locked(const char *tag)
{
	struct vng_dev *dev;

	lockdep_assert_held(&vng_devs_mutex);
	list_for_each_entry(dev, &vng_devs, entry)
		if (!dev->dup_tag && !strcmp(dev->tag, tag))
			return dev;
	return NULL;
}

struct vng_dev *vng_dev_find(const char *tag)
{
	struct vng_dev *dev;

	mutex_lock(&vng_devs_mutex);
	dev = vng_dev_find_locked(tag);
	if (dev)
		vng_dev_get(dev);
	mutex_unlock(&vng_devs_mutex);
	return dev;
}

void vng_dev_list_tags(char *buf, size_t size)
{
	struct vng_dev *dev;
	size_t len = 0;

	if (!size)
		return;
	buf[0] = '\0';
	mutex_lock(&vng_devs_mutex);
	list_for_each_entry(dev, &vng_devs, entry) {
		if (dev->dup_tag)
			continue;
		len += scnprintf(buf + len, size - len, "%s%s",
				 len ? ", " : "", dev->tag);
	}
	mutex_unlock(&vng_devs_mutex);
}

static void vng_dev_list_add(struct vng_dev *dev)
{
	struct vng_dev *owner;

	mutex_lock(&vng_devs_mutex);
	owner = vng_dev_find_locked(dev->tag);
	if (owner) {
		dev->dup_tag = true;
		dev_warn(&dev->vdev->dev,
			 "tag '%s' is already used by %s: this device cannot be mounted by its tag\n",
			 dev->tag, owner->name);
	}
	list_add_tail(&dev->entry, &vng_devs);
	mutex_unlock(&vng_devs_mutex);
}

/* The next device with a departing owner's tag takes it over. */
static void vng_dev_list_del(struct vng_dev *dev)
{
	struct vng_dev *other;

	mutex_lock(&vng_devs_mutex);
	list_del_init(&dev->entry);
	if (!dev->dup_tag) {
		list_for_each_entry(other, &vng_devs, entry) {
			if (other->dup_tag && !strcmp(other->tag, dev->tag)) {
				other->dup_tag = false;
				dev_info(&other->vdev->dev,
					 "tag '%s' now refers to this device\n",
					 other->tag);
				break;
			}
		}
	}
	mutex_unlock(&vng_devs_mutex);
}

/* ---- virtio driver ---------------------------------------------------- */

static struct vng_dev *vng_dev_alloc(struct virtio_device *vdev,
				     unsigned int nr_req, bool notify)
{
	struct vng_dev *dev;
	unsigned int i;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return NULL;
	/* From here on the kobject owns dev: vng_dev_put() frees it. */
	vng_sysfs_dev_init(dev);
	dev->vdev = vdev;
	dev->index = vdev->index;
	strscpy(dev->name, dev_name(&vdev->dev), sizeof(dev->name));
	dev->state = VNG_DEV_READY;
	INIT_LIST_HEAD(&dev->entry);
	init_waitqueue_head(&dev->idle_wq);
	mutex_init(&dev->conn_mutex);
	/* A hostile host gets a few lines per 5 s, not a flood. */
	ratelimit_state_init(&dev->rs, 5 * HZ, 10);
	vng_dev_requests_init(dev);

	vng_notify_dev_init(dev, notify);
	dev->first_req_vq = notify ? VNG_NOTIFY_VQ + 1 : VNG_HIPRIO_VQ + 1;
	dev->nr_vqs = dev->first_req_vq + nr_req;
	dev->vqs = kcalloc(dev->nr_vqs, sizeof(*dev->vqs), GFP_KERNEL);
	dev->cpu_map = kcalloc(nr_cpu_ids, sizeof(*dev->cpu_map), GFP_KERNEL);
	if (!dev->vqs || !dev->cpu_map) {
		vng_dev_put(dev);
		return NULL;
	}
	for (i = 0; i < dev->nr_vqs; i++) {
		struct vng_vq *fsvq = &dev->vqs[i];

		spin_lock_init(&fsvq->lock);
		INIT_LIST_HEAD(&fsvq->waiting);
		INIT_WORK(&fsvq->done_work, vng_vq_done_work);
		fsvq->dev = dev;
		fsvq->index = i;
		if (i == VNG_HIPRIO_VQ)
			strscpy(fsvq->name, "hiprio", sizeof(fsvq->name));
		else if (i < dev->first_req_vq)
			strscpy(fsvq->name, "notify", sizeof(fsvq->name));
		else
			snprintf(fsvq->name, sizeof(fsvq->name), "requests.%u",
				 i - dev->first_req_vq);
	}
	return dev;
}

static int vng_probe(struct virtio_device *vdev)
{
	char tag[VNG_TAG_LEN + 1];
	unsigned int nr_req, offered;
	struct vng_dev *dev;
	int ret;

	ret = vng_read_tag(vdev, tag);
	if (ret)
		return ret;
	nr_req = vng_read_nr_queues(vdev, &offered);

	/* the queue layout shifts when the notification queue is on */
	dev = vng_dev_alloc(vdev, nr_req,
			    virtio_has_feature(vdev, VNG_VIRTIO_FS_F_NOTIFICATION));
	if (!dev)
		return -ENOMEM;
	strscpy(dev->tag, tag, sizeof(dev->tag));
	dev->nr_req_vqs_offered = offered;
	vdev->priv = dev;

	ret = vng_dev_setup_vqs(dev);
	if (ret) {
		dev_err(&vdev->dev, "cannot set up %u virtqueues: %d\n",
			dev->nr_vqs, ret);
		goto err_put;
	}
	/* DAX hook: the window, if any, before sysfs shows its files */
	vng_dax_dev_probe(dev);
	ret = vng_sysfs_add(dev);
	if (ret) {
		dev_err(&vdev->dev, "cannot create its sysfs directory: %d\n",
			ret);
		goto err_vqs;
	}
	virtio_device_ready(vdev);
	/* buffers only after DRIVER_OK: the device may use them at once */
	vng_notify_start(dev);
	vng_dev_list_add(dev);
	vng_sysfs_announce(dev);
	dev_info(&vdev->dev, "tag '%s', %u request queue%s%s\n", dev->tag,
		 nr_req, nr_req == 1 ? "" : "s",
		 dev->notify.buf_size ? ", notification queue" : "");
	return 0;

err_vqs:
	virtio_reset_device(vdev);
	vng_dev_set_state(dev, VNG_DEV_REMOVED);
	vng_dev_reap(dev, -ENOTCONN);
	vdev->config->del_vqs(vdev);
	vng_notify_stop(dev);
err_put:
	vdev->priv = NULL;
	dev->vdev = NULL;
	vng_dev_put(dev);
	return ret;
}

static void vng_remove(struct virtio_device *vdev)
{
	struct vng_dev *dev = vdev->priv;

	/* No new mounts find it from now on. */
	vng_dev_list_del(dev);
	vng_dev_set_state(dev, VNG_DEV_REMOVED);
	vng_sysfs_remove(dev);

	/*
	 * After the reset the device touches no buffer and raises no
	 * interrupt: everything it still holds can be failed and freed.
	 */
	virtio_reset_device(vdev);
	vng_dev_reap(dev, -ENOTCONN);
	vdev->config->del_vqs(vdev);
	/* messages already taken off the ring are applied or dropped first */
	vng_notify_stop(dev);

	vng_requests_dev_removed(dev);
	vng_conn_dev_removed(dev);
	vng_dax_dev_remove(dev);	/* DAX hook */
	dev_info(&vdev->dev, "tag '%s' removed\n", dev->tag);

	vdev->priv = NULL;
	dev->vdev = NULL;
	vng_dev_put(dev);
}

#ifdef CONFIG_PM_SLEEP
static void vng_dev_kick_all(struct vng_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_vqs; i++) {
		struct vng_vq *fsvq = &dev->vqs[i];

		spin_lock(&fsvq->lock);
		vng_vq_unlock_kick(fsvq, vng_vq_dispatch_locked(fsvq));
	}
}

/*
 * Suspend: new requests wait on the queues' waiting lists, in-flight ones
 * get time to finish (a reset would lose their replies), then the queues
 * go.  A host that does not answer in time makes the suspend fail rather
 * than lose or repeat a request.
 */
static int vng_freeze(struct virtio_device *vdev)
{
	struct vng_dev *dev = vdev->priv;

	vng_dev_set_state(dev, VNG_DEV_FROZEN);
	if (!wait_event_timeout(dev->idle_wq, vng_dev_idle(dev),
				VNG_FREEZE_DRAIN_TIMEOUT)) {
		dev_err(&vdev->dev,
			"tag '%s': requests still in flight, cannot suspend\n",
			dev->tag);
		vng_dev_set_state(dev, VNG_DEV_READY);
		vng_dev_kick_all(dev);
		return -EBUSY;
	}
	virtio_reset_device(vdev);
	/* Nothing is on the rings; the waiting lists stay for restore. */
	vng_dev_reap(dev, 0);
	vdev->config->del_vqs(vdev);
	return 0;
}

static int vng_restore(struct virtio_device *vdev)
{
	struct vng_dev *dev = vdev->priv;
	int ret;

	ret = vng_dev_setup_vqs(dev);
	if (ret) {
		dev_err(&vdev->dev, "tag '%s': cannot set up virtqueues on resume: %d\n",
			dev->tag, ret);
		return ret;
	}
	virtio_device_ready(vdev);
	vng_dev_set_state(dev, VNG_DEV_READY);
	vng_dev_kick_all(dev);
	return 0;
}
#endif

/*
 * Before the features are final: a notification queue whose buffer size
 * is unusable is not negotiated at all, so the queue layout stays plain.
 */
static int vng_validate(struct virtio_device *vdev)
{
	if (virtio_has_feature(vdev, VNG_VIRTIO_FS_F_NOTIFICATION) &&
	    !vng_notify_read_buf_size(vdev))
		__virtio_clear_bit(vdev, VNG_VIRTIO_FS_F_NOTIFICATION);
	return 0;
}

static unsigned int vng_features[] = {
	VNG_VIRTIO_FS_F_NOTIFICATION,
};

static const struct virtio_device_id vng_id_table[] = {
	{ VIRTIO_ID_FS, VIRTIO_DEV_ANY_ID },
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, vng_id_table);

static struct virtio_driver vng_virtio_driver = {
	.driver.name	= KBUILD_MODNAME,
	.driver.owner	= THIS_MODULE,
	.id_table	= vng_id_table,
	.feature_table	= vng_features,
	.feature_table_size = ARRAY_SIZE(vng_features),
	.validate	= vng_validate,
	.probe		= vng_probe,
	.remove		= vng_remove,
#ifdef CONFIG_PM_SLEEP
	.freeze		= vng_freeze,
	.restore	= vng_restore,
#endif
};

int vng_transport_init(void)
{
	int ret;

	/* Completions drive writeback: they must progress under reclaim. */
	vng_vq_wq = alloc_workqueue("virtiofs_ng_vq", WQ_MEM_RECLAIM | WQ_PERCPU, 0);
	if (!vng_vq_wq)
		return -ENOMEM;
	ret = register_virtio_driver(&vng_virtio_driver);
	if (ret)
		destroy_workqueue(vng_vq_wq);
	return ret;
}

void vng_transport_exit(void)
{
	unregister_virtio_driver(&vng_virtio_driver);
	destroy_workqueue(vng_vq_wq);
}
