/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhost-user back end of a virtio-fs device: the control channel (one
 * connected front end at a time), guest memory, and one worker thread per
 * virtqueue that feeds fs_server_handle().
 */
#ifndef BACKEND_VHOST_USER_H
#define BACKEND_VHOST_USER_H

#include <stdint.h>

#include "fs_server.h"

#define VU_TAG_MAX	36	/* virtio-fs config space: tag[36] */
#define VU_MAX_REQUEST_QUEUES	64

struct vu_dev;

/* tag: 1..36 bytes; nreq: request queues (1..VU_MAX_REQUEST_QUEUES). */
struct vu_dev *vu_dev_new(struct fs_server *srv, const char *tag,
			  unsigned int nreq);
void vu_dev_free(struct vu_dev *dev);

/*
 * Offer a DAX window of size bytes (a multiple of the page size) as
 * virtio shared-memory region 0, and serve FUSE_SETUPMAPPING /
 * FUSE_REMOVEMAPPING through the front end's back-end channel.  Call
 * before vu_serve().  0, or -1 with errno set.
 */
int vu_dev_set_window(struct vu_dev *dev, uint64_t size);

/*
 * At most n mappings in the window at once (0: as many as the front end's
 * memory table has room for): a new one past them is refused with ENOSPC,
 * as when QEMU's table is full, so tests see the guest's answer to that
 * with a small window.
 */
void vu_dev_set_max_mappings(struct vu_dev *dev, unsigned int n);

/*
 * --notify: offer VIRTIO_FS_F_NOTIFICATION, serve notify_buf_size in the
 * config space, add the notification queue (queue 1 when the driver acks
 * the feature: hiprio 0, notification 1, requests 2..; without the ack
 * the layout stays hiprio 0, requests 1..) and start the server's host
 * watcher (source: fanotify, inotify or the first that works) feeding it.
 * Call before vu_serve().  0 or a negative errno.
 */
int vu_dev_set_notify(struct vu_dev *dev, enum fs_watch_source source);

enum vu_serve_result {
	VU_DISCONNECTED,	/* front end went away (or sent garbage) */
	VU_STOP,		/* stop_fd became readable (a signal) */
	VU_EXIT,		/* fs_server_should_exit() turned true */
};

/*
 * Serve the front end on conn_fd until it disconnects or must be dropped,
 * or until stop_fd (a signalfd) is readable, or the server asks to exit.
 * On return every worker is stopped and guest memory is unmapped; conn_fd
 * is left for the caller to close.
 */
enum vu_serve_result vu_serve(struct vu_dev *dev, int conn_fd, int stop_fd);

#endif
