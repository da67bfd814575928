// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/fs/virtiofs_ng/<N> (sysfs.h).  The device's kobject is also its
 * reference count: the directory goes at removal, the structure when the
 * last session or queue directory lets go of it.
 */
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/virtio.h>

#include "conn.h"
#include "dax.h"
#include "sysfs.h"
#include "transport.h"
#include "watch.h"

static struct kset *vng_kset;

static struct vng_dev *to_vng_dev(const struct kobject *kobj)
{
	return container_of(kobj, struct vng_dev, kobj);
}

static struct vng_vq *to_vng_vq(struct kobject *kobj)
{
	return container_of(kobj, struct vng_vq, kobj);
}

/* ---- /sys/fs/virtiofs_ng/<N> ------------------------------------------ */

static ssize_t tag_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vng_dev(kobj)->tag);
}

static ssize_t num_request_queues_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	struct vng_dev *dev = to_vng_dev(kobj);

	return sysfs_emit(buf, "%u\n", dev->nr_vqs - dev->first_req_vq);
}

static ssize_t mounted_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", !!READ_ONCE(to_vng_dev(kobj)->conn));
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct vng_dev *dev = to_vng_dev(kobj);
	const char *s;

	switch (READ_ONCE(dev->state)) {
	case VNG_DEV_REMOVED:
		s = "removed";
		break;
	case VNG_DEV_FROZEN:
		s = "frozen";
		break;
	default:
		if (READ_ONCE(dev->dup_tag))
			s = "duplicate";
		else if (READ_ONCE(dev->conn) &&
			 READ_ONCE(dev->host_unresponsive))
			s = "unresponsive";
		else if (READ_ONCE(dev->conn))
			s = "mounted";
		else
			s = "ready";
	}
	return sysfs_emit(buf, "%s\n", s);
}

static ssize_t uevent_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "TAG=%s\n", to_vng_dev(kobj)->tag);
}

/* Replays an event for udev ("udevadm trigger" writes "add" or "change"). */
static ssize_t uevent_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	enum kobject_action action;
	int err;

	if (sysfs_streq(buf, "add"))
		action = KOBJ_ADD;
	else if (sysfs_streq(buf, "change"))
		action = KOBJ_CHANGE;
	else
		return -EINVAL;
	err = kobject_uevent(kobj, action);
	return err ? err : count;
}

/* "1": give up on the host now; every request of the session fails. */
static ssize_t abort_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	bool yes;
	int err;

	err = kstrtobool(buf, &yes);
	if (err)
		return err;
	if (!yes)
		return -EINVAL;
	err = vng_dev_abort_session(to_vng_dev(kobj), false);
	return err ? err : count;
}

/*
 * How host changes reach the device's session: the watch= of each of its
 * superblocks, in mount order ("notify", "poll:MS" or "off", separated by
 * spaces: the tag's mount, then submounts); while nothing is mounted, what
 * a mount would get by default ("notify" with a notification queue, else
 * "off").
 */
static ssize_t watch_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct vng_dev *dev = to_vng_dev(kobj);
	struct vng_conn *conn = NULL;
	ssize_t len = 0;

	mutex_lock(&dev->conn_mutex);
	if (dev->conn && kref_get_unless_zero(&dev->conn->kref))
		conn = dev->conn;
	mutex_unlock(&dev->conn_mutex);
	if (conn) {
		len = vng_conn_watch_modes(conn, buf, PAGE_SIZE);
		vng_conn_put(conn);
	}
	if (!len)
		len = sysfs_emit(buf, "%s\n",
				 READ_ONCE(dev->notify.buf_size) ? "notify" :
								   "off");
	return len;
}

static ssize_t notify_buf_size_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_vng_dev(kobj)->notify.buf_size);
}

#define VNG_WATCH_COUNTER(file, field)					\
static ssize_t file##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  atomic64_read(&to_vng_dev(kobj)->watch.field)); \
}									\
static struct kobj_attribute vng_attr_##file = __ATTR_RO(file)

VNG_WATCH_COUNTER(notify_received, notify_received);
VNG_WATCH_COUNTER(notify_dropped, notify_dropped);
VNG_WATCH_COUNTER(notify_nobuf, notify_nobuf);
VNG_WATCH_COUNTER(watch_events, events);
VNG_WATCH_COUNTER(readdir_cached, readdir_cached);
VNG_WATCH_COUNTER(readdir_host, readdir_host);

static struct kobj_attribute vng_attr_tag = __ATTR_RO(tag);
static struct kobj_attribute vng_attr_nrq = __ATTR_RO(num_request_queues);
static struct kobj_attribute vng_attr_mounted = __ATTR_RO(mounted);
static struct kobj_attribute vng_attr_state = __ATTR_RO(state);
static struct kobj_attribute vng_attr_uevent = __ATTR_RW(uevent);
static struct kobj_attribute vng_attr_abort = __ATTR_WO(abort);
static struct kobj_attribute vng_attr_watch = __ATTR_RO(watch);
static struct kobj_attribute vng_attr_nbs = __ATTR_RO(notify_buf_size);

static struct attribute *vng_dev_attrs[] = {
	&vng_attr_tag.attr,
	&vng_attr_nrq.attr,
	&vng_attr_mounted.attr,
	&vng_attr_state.attr,
	&vng_attr_uevent.attr,
	&vng_attr_abort.attr,
	&vng_attr_watch.attr,
	&vng_attr_nbs.attr,
	&vng_attr_notify_received.attr,
	&vng_attr_notify_dropped.attr,
	&vng_attr_notify_nobuf.attr,
	&vng_attr_watch_events.attr,
	&vng_attr_readdir_cached.attr,
	&vng_attr_readdir_host.attr,
	NULL,
};

static const struct attribute_group vng_dev_group = {
	.attrs = vng_dev_attrs,
};

/* ---- poll/: watch=poll's counters (poll.c) ----------------------------- */

static ssize_t poll_sent_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&to_vng_dev(kobj)->watch.polls));
}

static ssize_t poll_differences_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct vng_poll_stats *st = &to_vng_dev(kobj)->poll_stats;

	return sysfs_emit(buf, "%lld\n", atomic64_read(&st->differences));
}

static ssize_t poll_reported_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct vng_poll_stats *st = &to_vng_dev(kobj)->poll_stats;

	return sysfs_emit(buf, "%lld\n", atomic64_read(&st->reported));
}

static ssize_t poll_deferred_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	struct vng_poll_stats *st = &to_vng_dev(kobj)->poll_stats;

	return sysfs_emit(buf, "%lld\n", atomic64_read(&st->deferred));
}

static struct kobj_attribute vng_attr_poll_sent =
	__ATTR(sent, 0444, poll_sent_show, NULL);
static struct kobj_attribute vng_attr_poll_differences =
	__ATTR(differences, 0444, poll_differences_show, NULL);
static struct kobj_attribute vng_attr_poll_reported =
	__ATTR(reported, 0444, poll_reported_show, NULL);
static struct kobj_attribute vng_attr_poll_deferred =
	__ATTR(deferred, 0444, poll_deferred_show, NULL);

static struct attribute *vng_poll_attrs[] = {
	&vng_attr_poll_sent.attr,
	&vng_attr_poll_differences.attr,
	&vng_attr_poll_reported.attr,
	&vng_attr_poll_deferred.attr,
	NULL,
};

static const struct attribute_group vng_poll_group = {
	.name = "poll",
	.attrs = vng_poll_attrs,
};

static const struct attribute_group *vng_dev_groups[] = {
	&vng_dev_group,
	&vng_poll_group,
	&vng_dax_attr_group,	/* DAX hook: dax_* files with a window */
	NULL,
};

static void vng_dev_release(struct kobject *kobj)
{
	vng_dev_free(to_vng_dev(kobj));
}

static VNG_KTYPE_CONST struct kobj_type vng_dev_ktype = {
	.release	= vng_dev_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= vng_dev_groups,
};

/* ---- queues/<name> ---------------------------------------------------- */

static ssize_t sent_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_vng_vq(kobj)->sent));
}

static ssize_t completed_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_vng_vq(kobj)->completed));
}

static ssize_t in_flight_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_vng_vq(kobj)->in_flight));
}

static ssize_t waiting_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_vng_vq(kobj)->nr_waiting));
}

static struct kobj_attribute vng_attr_sent = __ATTR_RO(sent);
static struct kobj_attribute vng_attr_completed = __ATTR_RO(completed);
static struct kobj_attribute vng_attr_in_flight = __ATTR_RO(in_flight);
static struct kobj_attribute vng_attr_waiting = __ATTR_RO(waiting);

static struct attribute *vng_vq_attrs[] = {
	&vng_attr_sent.attr,
	&vng_attr_completed.attr,
	&vng_attr_in_flight.attr,
	&vng_attr_waiting.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vng_vq);

static void vng_vq_release(struct kobject *kobj)
{
	vng_dev_put(to_vng_vq(kobj)->dev);
}

static VNG_KTYPE_CONST struct kobj_type vng_vq_ktype = {
	.release	= vng_vq_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= vng_vq_groups,
};

/* ---- uevents ---------------------------------------------------------- */

static int vng_kset_uevent(VNG_KSET_UEVENT_ARGS(kobj, env))
{
	/* only the device directories carry a tag */
	if (get_ktype(kobj) != &vng_dev_ktype)
		return 0;
	return add_uevent_var(env, "TAG=%s", to_vng_dev(kobj)->tag);
}

static const struct kset_uevent_ops vng_kset_uevent_ops = {
	.uevent = vng_kset_uevent,
};

/* ---- the device's directory ------------------------------------------- */

void vng_sysfs_dev_init(struct vng_dev *dev)
{
	kobject_init(&dev->kobj, &vng_dev_ktype);
	mutex_init(&dev->sysfs_lock);
}

static void vng_sysfs_del_queues(struct vng_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_vqs; i++) {
		struct vng_vq *fsvq = &dev->vqs[i];

		if (!fsvq->kobj_added)
			continue;
		fsvq->kobj_added = false;
		kobject_del(&fsvq->kobj);
		kobject_put(&fsvq->kobj);
	}
	if (dev->queues_kobj) {
		kobject_del(dev->queues_kobj);
		kobject_put(dev->queues_kobj);
		dev->queues_kobj = NULL;
	}
}

int vng_sysfs_add(struct vng_dev *dev)
{
	unsigned int i;
	int err;

	dev->kobj.kset = vng_kset;
	err = kobject_add(&dev->kobj, NULL, "%d", dev->index);
	if (err)
		return err;
	mutex_lock(&dev->sysfs_lock);
	dev->sysfs_added = true;
	mutex_unlock(&dev->sysfs_lock);

	err = sysfs_create_link(&dev->kobj, &dev->vdev->dev.kobj, "device");
	if (err)
		goto err_del;

	err = -ENOMEM;
	dev->queues_kobj = kobject_create_and_add("queues", &dev->kobj);
	if (!dev->queues_kobj)
		goto err_del;
	for (i = 0; i < dev->nr_vqs; i++) {
		struct vng_vq *fsvq = &dev->vqs[i];

		/* each queue directory keeps the structure it reads alive */
		vng_dev_get(dev);
		kobject_init(&fsvq->kobj, &vng_vq_ktype);
		err = kobject_add(&fsvq->kobj, dev->queues_kobj, "%s",
				  fsvq->name);
		if (err) {
			kobject_put(&fsvq->kobj);
			goto err_del;
		}
		fsvq->kobj_added = true;
	}
	return 0;

err_del:
	vng_sysfs_remove(dev);
	return err;
}

void vng_sysfs_announce(struct vng_dev *dev)
{
	kobject_uevent(&dev->kobj, KOBJ_ADD);
}

void vng_sysfs_remove(struct vng_dev *dev)
{
	/* not conn_mutex: a FUSE_INIT waiting for a dead host holds it */
	mutex_lock(&dev->sysfs_lock);
	if (!dev->sysfs_added) {
		mutex_unlock(&dev->sysfs_lock);
		return;
	}
	/* vng_sysfs_changed() no longer touches the directory */
	dev->sysfs_added = false;
	mutex_unlock(&dev->sysfs_lock);
	if (dev->kobj.state_add_uevent_sent)
		kobject_uevent(&dev->kobj, KOBJ_REMOVE);
	vng_sysfs_del_queues(dev);
	sysfs_remove_link(&dev->kobj, "device");
	kobject_del(&dev->kobj);
}

void vng_sysfs_changed(struct vng_dev *dev)
{
	mutex_lock(&dev->sysfs_lock);
	if (dev->sysfs_added) {
		sysfs_notify(&dev->kobj, NULL, "mounted");
		sysfs_notify(&dev->kobj, NULL, "state");
	}
	mutex_unlock(&dev->sysfs_lock);
}

int vng_sysfs_init(void)
{
	vng_kset = kset_create_and_add("virtiofs_ng", &vng_kset_uevent_ops,
				       fs_kobj);
	return vng_kset ? 0 : -ENOMEM;
}

void vng_sysfs_exit(void)
{
	kset_unregister(vng_kset);
}
