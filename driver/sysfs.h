/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/fs/virtiofs_ng (sysfs.c): one directory per virtio-fs device, named
 * after the virtio device index like the kernel's own /sys/fs/virtiofs
 * (6.9+), with uevents carrying TAG=<tag> so one udev rule serves both:
 *
 *   /sys/fs/virtiofs_ng/<N>/tag                 the device's tag
 *   /sys/fs/virtiofs_ng/<N>/device              -> the virtio device
 *   /sys/fs/virtiofs_ng/<N>/num_request_queues  request queues in use
 *   /sys/fs/virtiofs_ng/<N>/mounted             1 while a session is up
 *   /sys/fs/virtiofs_ng/<N>/state               ready, mounted, duplicate,
 *                                               frozen or removed
 *   /sys/fs/virtiofs_ng/<N>/uevent              TAG=<tag>; write "add" or
 *                                               "change" to replay it
 *   /sys/fs/virtiofs_ng/<N>/watch               how host changes arrive:
 *                                               notify, poll or off
 *   /sys/fs/virtiofs_ng/<N>/notify_buf_size     0 without a notification
 *                                               queue
 *   /sys/fs/virtiofs_ng/<N>/notify_received     messages the device sent,
 *   /sys/fs/virtiofs_ng/<N>/notify_dropped      refused ones (malformed,
 *                                               unknown, no session),
 *   /sys/fs/virtiofs_ng/<N>/notify_nobuf        buffers not allocated
 *   /sys/fs/virtiofs_ng/<N>/watch_events        fsnotify events fired
 *   /sys/fs/virtiofs_ng/<N>/readdir_cached      directory reads served from
 *                                               a cached listing (dircache.c)
 *   /sys/fs/virtiofs_ng/<N>/readdir_host        READDIR(PLUS) requests sent
 *   /sys/fs/virtiofs_ng/<N>/queues/<queue>/     one per virtqueue
 *       ("hiprio", "requests.0", ...), each with the counters
 *       sent, completed (buffers), in_flight (on the ring now) and
 *       waiting (queued for room on a full ring)
 *   /sys/fs/virtiofs_ng/<N>/poll/               watch=poll (poll.c): sent
 *       (requests), differences (host changes found), reported
 *       (handed to hostchange.c and applied) and deferred (changes left
 *       for a later tick by its budget, counted each tick they wait; a
 *       name created and removed before it was reported counts as a
 *       difference, never as reported)
 */
#ifndef VNG_SYSFS_H
#define VNG_SYSFS_H

struct vng_dev;

int vng_sysfs_init(void);
void vng_sysfs_exit(void);

/* Initialises dev->kobj; from then on vng_dev_put() frees the device. */
void vng_sysfs_dev_init(struct vng_dev *dev);
/* Creates the directory and its files; no uevent yet. */
int vng_sysfs_add(struct vng_dev *dev);
/* The device is usable: KOBJ_ADD with TAG=. */
void vng_sysfs_announce(struct vng_dev *dev);
/* KOBJ_REMOVE, then the directory goes (the device may live on). */
void vng_sysfs_remove(struct vng_dev *dev);
/* A session started or ended: wakes pollers of "mounted" and "state". */
void vng_sysfs_changed(struct vng_dev *dev);

#endif
