// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user control channel (docs/interop/vhost-user.rst in QEMU) for a
 * virtio-fs device.
 *
 * Threads: the caller's thread reads control messages; each running
 * virtqueue has a worker thread.  A worker only touches its own queue and
 * reads the memory table.  Anything that changes a queue or the memory
 * table first stops the affected workers (stop flag + eventfd, join), makes
 * the change, then starts them again: no window where a worker sees
 * half-updated state.
 *
 * One exception: a request the server defers (a SETLKW waiting for a lock,
 * FS_REPLY_DEFERRED) is completed later from whichever thread releases the
 * lock.  Its used element and call-fd signal go through q->mu, which the
 * worker also takes around its own pushes and the control thread around
 * changes to the call fd and the ring; nobody holds q->mu while calling
 * into the server, and the server calls vu_complete() under its own lock
 * (order: server lock, then q->mu).  Deferred requests survive a plain
 * stop/restart of the worker; when the ring or the memory goes away
 * (GET_VRING_BASE, new ring addresses or size, SET_MEM_TABLE, reset,
 * disconnect) they are cancelled: the server answers them -EINTR first.
 *
 * The front end is trusted no more than the guest: every message size,
 * index and fd count is checked; a malformed message ends the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "dax_window.h"
#include "log.h"
#include "notify_queue.h"
#include "vhost_user.h"
#include "virtqueue.h"

/* front-end requests */
enum {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SET_BACKEND_REQ_FD = 21,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_RESET_DEVICE = 34,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
	VU_GET_SHMEM_CONFIG = 44,
};

/* back-end requests (on the SET_BACKEND_REQ_FD channel) */
enum {
	VU_BACKEND_SHARED_OBJECT_REMOVE = 7,
	VU_BACKEND_SHMEM_MAP = 9,
	VU_BACKEND_SHMEM_UNMAP = 10,
};

#define VU_VERSION		0x1
#define VU_FLAG_VERSION_MASK	0x3
#define VU_FLAG_REPLY		(1u << 2)
#define VU_FLAG_NEED_REPLY	(1u << 3)

#define VU_VRING_IDX_MASK	0xffu
#define VU_VRING_NOFD		(1u << 8)

/* virtio / vhost-user feature bits */
#define VIRTIO_FS_F_NOTIFICATION	0	/* queue 1 carries notify messages */
#define VIRTIO_F_RING_INDIRECT_DESC	28
#define VIRTIO_F_RING_EVENT_IDX		29
#define VHOST_USER_F_PROTOCOL_FEATURES	30
#define VIRTIO_F_VERSION_1		32

#define VU_PROTO_MQ		0
#define VU_PROTO_REPLY_ACK	3
#define VU_PROTO_BACKEND_REQ	5
#define VU_PROTO_CONFIG		9
#define VU_PROTO_BACKEND_SEND_FD 10
#define VU_PROTO_CONFIGURE_MEM_SLOTS 15
#define VU_PROTO_RESET_DEVICE	13
/*
 * Shared-memory regions: GET_SHMEM_CONFIG, BACKEND_SHMEM_MAP/UNMAP.  QEMU
 * 11.1 calls it VHOST_USER_PROTOCOL_F_SHMEM_MAP and uses bit 22 (measured:
 * it sets 22, not 20, in SET_PROTOCOL_FEATURES and then asks for the
 * regions); its generic PCI device puts them in BAR 4.
 */
#define VU_PROTO_SHMEM		22

#define BIT(n)	(1ull << (n))

static const uint64_t vu_base_features =
	BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_RING_INDIRECT_DESC) |
	BIT(VIRTIO_F_RING_EVENT_IDX) | BIT(VHOST_USER_F_PROTOCOL_FEATURES);

static const uint64_t vu_base_protocol_features =
	BIT(VU_PROTO_MQ) | BIT(VU_PROTO_REPLY_ACK) | BIT(VU_PROTO_BACKEND_REQ) |
	BIT(VU_PROTO_CONFIG) | BIT(VU_PROTO_BACKEND_SEND_FD) |
	BIT(VU_PROTO_RESET_DEVICE);

#define VU_HDR_SIZE	12
#define VU_MAX_PAYLOAD	4096
#define VU_MAX_FDS	8
/* SET_MEM_TABLE's fixed table (VHOST_MEMORY_BASELINE_NREGIONS), one fd each */
#define VU_BASELINE_REGIONS	8
#define VU_CONFIG_MAX	256
#define VU_CONFIG_HDR	12	/* offset, size, flags */
/* struct virtio_fs_config: tag[36], num_request_queues, notify_buf_size */
#define VU_CONFIG_NREQ		36
#define VU_CONFIG_NOTIFY_BUF	40
#define VU_MAX_SHMEM	256	/* VhostUserShMemConfig.memory_sizes[] */
#define VU_SHMID_CACHE	0	/* virtio-fs: shared-memory id of the DAX window */
/* How long a worker waits for the front end to answer a map request. */
#define VU_BACKEND_TIMEOUT_MS	10000

/* VhostUserMMap: the payload of BACKEND_SHMEM_MAP / _UNMAP */
struct vu_mmap {
	uint8_t shmid;
	uint8_t padding[7];
	uint64_t fd_offset;
	uint64_t shm_offset;
	uint64_t len;
	uint64_t flags;		/* VU_MMAP_RW or 0 (read-only) */
};
#define VU_MMAP_RW	1ull

/* VhostUserShMemConfig: the reply to GET_SHMEM_CONFIG */
struct vu_shmem_config {
	uint32_t nregions;
	uint32_t padding;
	uint64_t sizes[VU_MAX_SHMEM];
};

struct vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
		struct {
			uint32_t index;
			uint32_t flags;
			uint64_t desc;
			uint64_t used;
			uint64_t avail;
			uint64_t log;
		} addr;
		struct {
			uint32_t nregions;
			uint32_t padding;
			struct {
				uint64_t gpa;
				uint64_t size;
				uint64_t uaddr;
				uint64_t mmap_offset;
			} regions[VU_BASELINE_REGIONS];
		} mem;
		struct {
			uint32_t offset;
			uint32_t size;
			uint32_t flags;
			uint8_t data[VU_CONFIG_MAX];
		} config;
		struct {
			uint64_t padding;
			uint64_t gpa;
			uint64_t size;
			uint64_t uaddr;
			uint64_t mmap_offset;
		} memreg;
		uint8_t raw[VU_MAX_PAYLOAD];
	} p;
	int fds[VU_MAX_FDS];
	int nfds;
};	/* header and payload are read separately: natural layout matches the wire */

struct vu_queue {
	struct vu_dev *dev;
	unsigned int index;
	struct virtqueue vq;

	/* as set by the front end; applied to vq when the worker starts */
	unsigned int num;
	uint64_t desc_uaddr, avail_uaddr, used_uaddr;
	bool addr_set;
	bool started;		/* SET_VRING_KICK seen, no GET_VRING_BASE since */
	bool enabled;
	int kick_fd, call_fd, err_fd;

	pthread_t thread;
	bool running;
	bool notify_role;	/* the notification queue (set as it starts) */
	bool stop;		/* accessed atomically */
	int stop_efd;
	struct vq_elem *elem;
	bool broken_logged;

	pthread_mutex_t mu;		/* vq used ring, call_fd, pending */
	struct vu_pending *pending;	/* deferred requests, under mu */
	struct vu_pending *spare;	/* token for the next request */
};

/* The token of a request the server may defer. */
struct vu_pending {
	struct vu_queue *q;
	uint16_t head;
	uint32_t cap;		/* bytes of device-writable buffers */
	bool done;		/* completed (under q->mu) */
	bool linked;		/* on q->pending */
	struct vu_pending *next;
};

struct vu_dev {
	struct fs_server *srv;
	char tag[VU_TAG_MAX];
	unsigned int nreq;	/* request queues */
	unsigned int nqueues;	/* hiprio [+ notification] + request queues */
	struct vu_queue *queues;

	/*
	 * --notify: VIRTIO_FS_F_NOTIFICATION is offered, and when the driver
	 * acks it queue 1 is the notification queue (requests from 2 on).
	 * The watcher (fs_watch.c) adds messages to nq under nq_mu and pokes
	 * notify_efd; queue 1's worker moves them into the guest's buffers.
	 */
	bool notify;
	pthread_mutex_t nq_mu;
	struct notify_queue nq;
	int notify_efd;
	uint64_t notify_unacked;	/* messages while the feature is off */

	int conn_fd;
	int exit_efd;		/* workers: fs_server_should_exit() */
	int backend_fd;		/* SET_BACKEND_REQ_FD channel, under dax_mu */
	uint64_t features;	/* written by the control thread, read atomically */
	uint64_t protocol_features;
	struct vq_mem mem;

	/*
	 * The DAX window.  Workers map and unmap (FUSE_SETUPMAPPING) by
	 * sending back-end requests and waiting for each answer; dax_mu
	 * serialises them and guards the table and the channel.  A wait that
	 * timed out leaves its answer to come: backend_stale counts answers
	 * to skip before the next one is ours.
	 */
	uint64_t window_size;	/* 0: no window offered */
	pthread_mutex_t dax_mu;
	struct dax_window window;
	unsigned int backend_stale;
	bool dax_warned;
	bool dax_full_warned;
	unsigned int max_mappings;	/* --dax-max-mappings; 0: none */

	/*
	 * Files ever mapped into the window, by (st_dev, st_ino).  QEMU
	 * reports each window mapping to vhost as one more guest memory
	 * region (SET_MEM_TABLE right after it answers SHMEM_MAP/UNMAP);
	 * we do not need those, and remapping guest memory means stopping
	 * the workers, one of which may be waiting on the back-end channel
	 * for QEMU, which waits for our answer: a deadlock.  So a table that
	 * only differs in window regions changes nothing.  Own lock: the
	 * control thread must never wait for dax_mu.
	 */
	pthread_mutex_t files_mu;
	struct vu_file_id {
		dev_t dev;
		ino_t ino;
	} *files;
	size_t nfiles, files_cap;

	/*
	 * Those window regions, as QEMU listed them (control thread only),
	 * and how many regions its table holds in all (theirs and mem's;
	 * read by workers).  QEMU 11.1 asserts that the table stays within
	 * VQ_MAX_REGIONS (vhost_user_add_remove_regions()) and aborts
	 * otherwise, so a new window mapping is refused when it is full.
	 */
	struct vu_region_id {
		uint64_t gpa, size, uaddr;
	} window_regs[VQ_MAX_REGIONS];
	unsigned int nwindow_regs;
	unsigned int table_regions;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- guest memory ---- */

static void vu_unmap_mem(struct vq_mem *mem)
{
	for (unsigned int i = 0; i < mem->nregions; i++)
		munmap(mem->regions[i].map_base, mem->regions[i].map_len);
	mem->nregions = 0;
}

/* after a change to dev->mem or the window regions (control thread) */
static void vu_count_regions(struct vu_dev *dev)
{
	__atomic_store_n(&dev->table_regions,
			 dev->mem.nregions + dev->nwindow_regs,
			 __ATOMIC_RELEASE);
}

/* ---- workers ---- */

static void vu_signal(struct vu_queue *q)
{
	uint64_t one = 1;

	if (q->call_fd >= 0 && vq_should_notify(&q->vq) &&
	    write(q->call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("queue %u: signalling the call fd: %s", q->index,
			 strerror(errno));
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

/* Puts a used element and signals the guest; q->mu held. */
static void vu_push_locked(struct vu_queue *q, uint16_t head, long n,
			   size_t cap)
{
	if (n < 0 || (size_t)n > cap) {
		log_err("queue %u: server returned %ld for a %zu byte reply buffer",
			q->index, n, cap);
		n = n < 0 ? 0 : (long)cap;
	}
	vq_push(&q->vq, head, (uint32_t)n);
	vu_signal(q);
}

/* fs_complete_fn: a deferred request is answered (any thread). */
static void vu_complete(void *token, long len)
{
	struct vu_pending *p = token, **pp;
	struct vu_queue *q = p->q;

	pthread_mutex_lock(&q->mu);
	vu_push_locked(q, p->head, len, p->cap);
	p->done = true;
	if (p->linked) {
		for (pp = &q->pending; *pp; pp = &(*pp)->next) {
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		}
		free(p);
	}
	/* else the worker has not seen FS_REPLY_DEFERRED yet: it reuses p */
	pthread_mutex_unlock(&q->mu);
}

/*
 * The ring or guest memory is going away: have the server answer every
 * deferred request of q (-EINTR) now.  The worker must be stopped.
 */
static void vu_queue_cancel(struct vu_queue *q)
{
	struct vu_pending *p;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		p = q->pending;
		pthread_mutex_unlock(&q->mu);
		if (!p)
			return;
		if (fs_server_cancel(q->dev->srv, p))
			continue;	/* vu_complete() unlinked it */
		/* not deferred any more, so its completion has returned */
		pthread_mutex_lock(&q->mu);
		if (q->pending == p) {
			log_err("queue %u: deferred request %u lost", q->index,
				p->head);
			q->pending = p->next;
			free(p);
		}
		pthread_mutex_unlock(&q->mu);
	}
}

static void vu_cancel_all(struct vu_dev *dev)
{
	for (unsigned int i = 0; i < dev->nqueues; i++)
		vu_queue_cancel(&dev->queues[i]);
}

static bool vu_stopping(struct vu_queue *q)
{
	return __atomic_load_n(&q->stop, __ATOMIC_ACQUIRE);
}

/* Returns false when the worker must end (stop or exit request). */
static bool vu_process(struct vu_queue *q)
{
	struct vq_elem *e = q->elem;
	struct vu_pending *p;
	uint64_t one = 1;
	size_t cap;

	while (!vu_stopping(q)) {
		bool more;
		long n;
		int r;

		/* vq state (broken, indices) is shared with vu_complete() */
		pthread_mutex_lock(&q->mu);
		r = vq_pop(&q->vq, e);
		more = r == VQ_POP_EMPTY && vq_prepare_wait(&q->vq);
		pthread_mutex_unlock(&q->mu);
		switch (r) {
		case VQ_POP_EMPTY:
			if (!more)
				return true;
			continue;
		case VQ_POP_BROKEN:
			if (!q->broken_logged)
				log_err("queue %u: guest broke the ring; ignoring it until reset",
					q->index);
			q->broken_logged = true;
			return true;
		case VQ_POP_BAD_CHAIN:
			pthread_mutex_lock(&q->mu);
			vq_push(&q->vq, e->head, 0);
			vu_signal(q);
			pthread_mutex_unlock(&q->mu);
			continue;
		}
		if (!q->spare) {
			q->spare = calloc(1, sizeof(*q->spare));
			if (!q->spare)
				log_warn("queue %u: out of memory: no deferred replies",
					 q->index);
		}
		cap = iov_total(e->iov + e->nrd, e->nwr);
		p = q->spare;
		if (p) {
			p->q = q;
			p->head = e->head;
			p->cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
			p->done = false;
			p->linked = false;
		}
		n = fs_server_handle_async(q->dev->srv, e->iov, e->nrd,
					   e->iov + e->nrd, e->nwr, p);
		if (n == FS_REPLY_DEFERRED) {
			pthread_mutex_lock(&q->mu);
			if (!p->done) {
				p->linked = true;
				p->next = q->pending;
				q->pending = p;
				q->spare = NULL;
			}
			pthread_mutex_unlock(&q->mu);
		} else if (n != FS_REPLY_DROP) {
			pthread_mutex_lock(&q->mu);
			vu_push_locked(q, e->head, n, cap);
			pthread_mutex_unlock(&q->mu);
		}
		if (fs_server_should_exit(q->dev->srv)) {
			log_info("server asked to exit");
			if (write(q->dev->exit_efd, &one, sizeof(one)) < 0)
				log_err("exit eventfd: %s", strerror(errno));
			return false;
		}
	}
	return false;
}

static void *vu_worker(void *arg)
{
	struct vu_queue *q = arg;
	struct pollfd pfd[2] = {
		{ .fd = q->kick_fd, .events = POLLIN },
		{ .fd = q->stop_efd, .events = POLLIN },
	};
	uint64_t v;

	/* buffers may have been posted before the kick fd was handed over */
	if (!vu_process(q))
		return NULL;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("queue %u: poll: %s", q->index, strerror(errno));
			return NULL;
		}
		if (pfd[1].revents || vu_stopping(q))
			return NULL;
		if (pfd[0].revents & POLLNVAL) {
			log_err("queue %u: kick fd invalid", q->index);
			return NULL;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(q->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_warn("queue %u: reading kick: %s", q->index,
					 strerror(errno));
		}
		if (!vu_process(q))
			return NULL;
	}
}

/* ---- the notification queue (--notify) ---- */

static bool vu_notify_acked(const struct vu_dev *dev)
{
	return dev->notify &&
	       (__atomic_load_n(&dev->features, __ATOMIC_ACQUIRE) &
		BIT(VIRTIO_FS_F_NOTIFICATION));
}

/* fs_notify_ops.send, from the watcher thread */
static void vu_notify_send(void *opaque, const struct iovec *msgs, int n)
{
	struct vu_dev *dev = opaque;
	uint64_t one = 1;
	bool added;

	pthread_mutex_lock(&dev->nq_mu);
	if (!vu_notify_acked(dev)) {
		/* a driver without the queue: nobody to tell */
		dev->notify_unacked += (uint64_t)n;
		pthread_mutex_unlock(&dev->nq_mu);
		return;
	}
	added = nq_add(&dev->nq, msgs, n);
	pthread_mutex_unlock(&dev->nq_mu);
	if (!added)
		log_debug("notify: %d message(s) dropped (queue full)", n);
	if (write(dev->notify_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("notify: eventfd: %s", strerror(errno));
}

/* Copies len bytes into the device-writable buffers; false if they are short. */
static bool vu_scatter(const struct iovec *iov, int n, const void *data,
		       size_t len)
{
	const unsigned char *p = data;

	for (int i = 0; i < n && len; i++) {
		size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;

		memcpy(iov[i].iov_base, p, k);
		p += k;
		len -= k;
	}
	return !len;
}

/*
 * Moves waiting messages into the guest's notification buffers, one
 * message per buffer, oldest first.  Returns false when the worker must
 * end.  Only this worker removes messages, so the one peeked at is still
 * the head when it is popped.
 */
static bool vu_notify_process(struct vu_queue *q)
{
	struct vu_dev *dev = q->dev;
	struct vq_elem *e = q->elem;
	struct nq_msg msg;

	while (!vu_stopping(q)) {
		const struct nq_msg *head;
		bool more, ok;
		int r;

		pthread_mutex_lock(&dev->nq_mu);
		head = nq_peek(&dev->nq);
		if (head)
			memcpy(&msg, head, sizeof(msg));
		pthread_mutex_unlock(&dev->nq_mu);
		if (!head)
			return true;

		pthread_mutex_lock(&q->mu);
		r = vq_pop(&q->vq, e);
		more = r == VQ_POP_EMPTY && vq_prepare_wait(&q->vq);
		pthread_mutex_unlock(&q->mu);
		switch (r) {
		case VQ_POP_EMPTY:
			if (!more)
				return true;	/* the kick of a new buffer wakes us */
			continue;
		case VQ_POP_BROKEN:
			if (!q->broken_logged)
				log_err("queue %u: guest broke the notification ring; ignoring it until reset",
					q->index);
			q->broken_logged = true;
			return true;
		case VQ_POP_BAD_CHAIN:
			pthread_mutex_lock(&q->mu);
			vq_push(&q->vq, e->head, 0);
			vu_signal(q);
			pthread_mutex_unlock(&q->mu);
			continue;
		}
		/* the driver only posts writable buffers of notify_buf_size */
		ok = !e->nrd && vu_scatter(e->iov + e->nrd, e->nwr, msg.data,
					   msg.len);
		if (!ok)
			log_warn("queue %u: notification buffer unusable (%d readable, %zu writable bytes for %u): message dropped",
				 q->index, e->nrd, iov_total(e->iov + e->nrd, e->nwr),
				 msg.len);
		pthread_mutex_lock(&q->mu);
		vq_push(&q->vq, e->head, ok ? msg.len : 0);
		vu_signal(q);
		pthread_mutex_unlock(&q->mu);
		pthread_mutex_lock(&dev->nq_mu);
		nq_pop(&dev->nq);
		pthread_mutex_unlock(&dev->nq_mu);
	}
	return false;
}

static void *vu_notify_worker(void *arg)
{
	struct vu_queue *q = arg;
	struct pollfd pfd[3] = {
		{ .fd = q->kick_fd, .events = POLLIN },
		{ .fd = q->stop_efd, .events = POLLIN },
		{ .fd = q->dev->notify_efd, .events = POLLIN },
	};
	uint64_t v;

	for (;;) {
		if (!vu_notify_process(q))
			return NULL;
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("queue %u: poll: %s", q->index, strerror(errno));
			return NULL;
		}
		if (pfd[1].revents || vu_stopping(q))
			return NULL;
		if (pfd[0].revents & POLLNVAL) {
			log_err("queue %u: kick fd invalid", q->index);
			return NULL;
		}
		if ((pfd[0].revents & POLLIN) &&
		    read(q->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			log_warn("queue %u: reading kick: %s", q->index,
				 strerror(errno));
		if ((pfd[2].revents & POLLIN) &&
		    read(q->dev->notify_efd, &v, sizeof(v)) < 0 &&
		    errno != EAGAIN)
			log_warn("notify: reading eventfd: %s", strerror(errno));
	}
}

static void vu_notify_clear(struct vu_dev *dev)
{
	pthread_mutex_lock(&dev->nq_mu);
	nq_clear(&dev->nq);
	pthread_mutex_unlock(&dev->nq_mu);
}

int vu_dev_set_notify(struct vu_dev *dev, enum fs_watch_source source)
{
	struct fs_notify_ops ops = {
		.send = vu_notify_send, .opaque = dev, .source = source,
	};
	int err;

	if (dev->notify)
		return 0;
	err = nq_init(&dev->nq);
	if (err)
		return err;
	dev->notify_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dev->notify_efd < 0) {
		nq_free(&dev->nq);
		return -errno;
	}
	/* queue 1 becomes the notification queue: one queue more */
	dev->nqueues = dev->nreq + 2;
	dev->notify = true;
	err = fs_server_watch(dev->srv, &ops);
	if (err) {
		dev->notify = false;
		dev->nqueues = dev->nreq + 1;
		close_fd(&dev->notify_efd);
		nq_free(&dev->nq);
	}
	return err;
}

static void vu_queue_stop(struct vu_queue *q)
{
	uint64_t v = 1;

	if (!q->running)
		return;
	__atomic_store_n(&q->stop, true, __ATOMIC_RELEASE);
	if (write(q->stop_efd, &v, sizeof(v)) < 0)
		log_err("queue %u: stop eventfd: %s", q->index, strerror(errno));
	pthread_join(q->thread, NULL);
	if (read(q->stop_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_err("queue %u: stop eventfd: %s", q->index, strerror(errno));
	__atomic_store_n(&q->stop, false, __ATOMIC_RELEASE);
	q->running = false;
	log_debug("queue %u stopped at avail %u used %u", q->index,
		  q->vq.last_avail_idx, q->vq.used_idx);
}

static void vu_stop_all(struct vu_dev *dev)
{
	for (unsigned int i = 0; i < dev->nqueues; i++)
		vu_queue_stop(&dev->queues[i]);
}

/* Start the worker if the queue is fully set up.  -1: bad ring addresses. */
static int vu_queue_update(struct vu_queue *q)
{
	struct vu_dev *dev = q->dev;
	void *desc, *avail, *used;
	int err;

	if (q->running || !q->started || !q->enabled || !q->addr_set ||
	    !q->num || q->kick_fd < 0 || !dev->mem.nregions)
		return 0;
	desc = vq_uva_to_va(&dev->mem, q->desc_uaddr, vq_desc_bytes(q->num));
	avail = vq_uva_to_va(&dev->mem, q->avail_uaddr, vq_avail_bytes(q->num));
	used = vq_uva_to_va(&dev->mem, q->used_uaddr, vq_used_bytes(q->num));
	pthread_mutex_lock(&q->mu);
	err = vq_attach(&q->vq, &dev->mem, q->num, desc, avail, used);
	if (!err)
		q->vq.event_idx = dev->features & BIT(VIRTIO_F_RING_EVENT_IDX);
	pthread_mutex_unlock(&q->mu);
	if (err < 0) {
		log_err("queue %u: rings (size %u) not in guest memory or misaligned",
			q->index, q->num);
		return -1;
	}
	q->broken_logged = false;
	/* with the feature acked: hiprio 0, notification 1, requests 2.. */
	q->notify_role = q->index == 1 && (dev->features &
					   BIT(VIRTIO_FS_F_NOTIFICATION));
	if (!q->elem) {
		q->elem = malloc(sizeof(*q->elem));
		if (!q->elem) {
			log_err("queue %u: out of memory", q->index);
			return -1;
		}
	}
	err = pthread_create(&q->thread, NULL,
			     q->notify_role ? vu_notify_worker : vu_worker, q);
	if (err) {
		log_err("queue %u: pthread_create: %s", q->index, strerror(err));
		return -1;
	}
	q->running = true;
	log_debug("queue %u started: size %u avail %u used %u%s%s", q->index,
		  q->num, q->vq.last_avail_idx, q->vq.used_idx,
		  q->vq.event_idx ? " event_idx" : "",
		  q->notify_role ? " (notification)" : "");
	return 0;
}

static int vu_update_all(struct vu_dev *dev)
{
	for (unsigned int i = 0; i < dev->nqueues; i++)
		if (vu_queue_update(&dev->queues[i]) < 0)
			return -1;
	return 0;
}

/* Back to the state of a freshly created queue (workers already stopped). */
static void vu_queue_reset(struct vu_queue *q)
{
	close_fd(&q->kick_fd);
	close_fd(&q->call_fd);
	close_fd(&q->err_fd);
	memset(&q->vq, 0, sizeof(q->vq));
	q->num = 0;
	q->addr_set = false;
	q->started = false;
	q->enabled = false;
}

static void vu_reset_queues(struct vu_dev *dev)
{
	vu_stop_all(dev);
	vu_cancel_all(dev);
	for (unsigned int i = 0; i < dev->nqueues; i++)
		vu_queue_reset(&dev->queues[i]);
}

/* ---- messages ---- */

static void vu_close_msg_fds(struct vu_msg *m)
{
	for (int i = 0; i < m->nfds; i++)
		close_fd(&m->fds[i]);
	m->nfds = 0;
}

/* Reads exactly len bytes; 0 ok, 1 EOF before any byte, -1 error. */
static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("vhost-user socket read: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			if (done)
				log_err("vhost-user message truncated");
			return done ? -1 : 1;
		}
		done += n;
	}
	return 0;
}

/* 0: message read; 1: orderly disconnect; -1: broken or malformed. */
static int vu_recv(int fd, struct vu_msg *m)
{
	char cbuf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = VU_HDR_SIZE };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int r;

	m->nfds = 0;
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		log_err("vhost-user socket: %s", strerror(errno));
		return -1;
	}
	if (n == 0)
		return 1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (m->nfds < VU_MAX_FDS)
				m->fds[m->nfds++] = f;
			else
				close(f);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		log_err("vhost-user message carried too many fds");
		goto bad;
	}
	if (n < VU_HDR_SIZE) {
		r = read_full(fd, (char *)m + n, VU_HDR_SIZE - n);
		if (r)
			goto bad;
	}
	if ((m->flags & VU_FLAG_VERSION_MASK) != VU_VERSION) {
		log_err("vhost-user message %u: bad version flags 0x%x",
			m->request, m->flags);
		goto bad;
	}
	if (m->size > VU_MAX_PAYLOAD) {
		log_err("vhost-user message %u: payload of %u bytes", m->request,
			m->size);
		goto bad;
	}
	if (m->size && read_full(fd, &m->p, m->size))
		goto bad;
	return 0;
bad:
	vu_close_msg_fds(m);
	return -1;
}

static int vu_send_reply(struct vu_dev *dev, const struct vu_msg *req,
			 const void *payload, uint32_t size)
{
	struct {
		uint32_t request, flags, size;
		uint8_t data[VU_MAX_PAYLOAD];
	} __attribute__((packed)) r;
	size_t len = VU_HDR_SIZE + size, done = 0;

	r.request = req->request;
	r.flags = VU_VERSION | VU_FLAG_REPLY;
	r.size = size;
	memcpy(r.data, payload, size);
	while (done < len) {
		ssize_t n = send(dev->conn_fd, (char *)&r + done, len - done,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("vhost-user reply: %s", strerror(errno));
			return -1;
		}
		done += n;
	}
	return 0;
}

static int vu_reply_u64(struct vu_dev *dev, const struct vu_msg *m, uint64_t v)
{
	return vu_send_reply(dev, m, &v, sizeof(v));
}

/* Checks size and fd count; logs and returns false on a mismatch. */
static bool vu_expect(const struct vu_msg *m, const char *name,
		      uint32_t size, int nfds)
{
	if (m->size != size || m->nfds != nfds) {
		log_err("%s: malformed (size %u, %d fds; want %u, %d)", name,
			m->size, m->nfds, size, nfds);
		return false;
	}
	return true;
}

static struct vu_queue *vu_get_queue(struct vu_dev *dev, const char *name,
				     uint32_t index)
{
	if (index >= dev->nqueues) {
		log_err("%s: queue %u out of range (%u queues)", name, index,
			dev->nqueues);
		return NULL;
	}
	return &dev->queues[index];
}

/* true if fd is a file the DAX window maps (or mapped) */
static bool vu_is_window_file(struct vu_dev *dev, int fd)
{
	struct stat st;
	bool found = false;

	if (fstat(fd, &st) < 0)
		return false;
	pthread_mutex_lock(&dev->files_mu);
	for (size_t i = 0; i < dev->nfiles && !found; i++)
		found = dev->files[i].dev == st.st_dev &&
			dev->files[i].ino == st.st_ino;
	pthread_mutex_unlock(&dev->files_mu);
	return found;
}

static void vu_note_window_file(struct vu_dev *dev, const struct stat *st)
{
	pthread_mutex_lock(&dev->files_mu);
	for (size_t i = 0; i < dev->nfiles; i++)
		if (dev->files[i].dev == st->st_dev &&
		    dev->files[i].ino == st->st_ino)
			goto out;
	if (dev->nfiles == dev->files_cap) {
		size_t cap = dev->files_cap ? 2 * dev->files_cap : 64;
		struct vu_file_id *f = realloc(dev->files, cap * sizeof(*f));

		if (!f)
			goto out;	/* then its region is mapped: harmless */
		dev->files = f;
		dev->files_cap = cap;
	}
	dev->files[dev->nfiles++] = (struct vu_file_id){ st->st_dev, st->st_ino };
out:
	pthread_mutex_unlock(&dev->files_mu);
}

static bool vu_same_regions(const struct vq_mem *a, const struct vq_mem *b)
{
	if (a->nregions != b->nregions)
		return false;
	for (unsigned int i = 0; i < a->nregions; i++)
		if (a->regions[i].gpa != b->regions[i].gpa ||
		    a->regions[i].size != b->regions[i].size ||
		    a->regions[i].uaddr != b->regions[i].uaddr)
			return false;
	return true;
}

/* Maps one guest memory region; 0 or -1 (logged). */
static int vu_map_region(struct vq_region *r, uint64_t gpa, uint64_t size,
			 uint64_t uaddr, uint64_t off, int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t align = off & ~(uint64_t)(page - 1);
	void *p;

	if (!size || gpa + size < gpa || uaddr + size < uaddr ||
	    off + size < off || size + (off - align) > SIZE_MAX) {
		log_err("memory region gpa 0x%llx size 0x%llx is invalid",
			(unsigned long long)gpa, (unsigned long long)size);
		return -1;
	}
	p = mmap(NULL, size + (off - align), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, fd, (off_t)align);
	if (p == MAP_FAILED) {
		log_err("mmap of a memory region (%llu bytes): %s",
			(unsigned long long)size, strerror(errno));
		return -1;
	}
	r->gpa = gpa;
	r->size = size;
	r->uaddr = uaddr;
	r->map_base = p;
	r->map_len = size + (off - align);
	r->host = (uint8_t *)p + (off - align);
	return 0;
}

static int vu_find_region(const struct vq_mem *mem, uint64_t gpa,
			  uint64_t size, uint64_t uaddr)
{
	for (unsigned int i = 0; i < mem->nregions; i++)
		if (mem->regions[i].gpa == gpa && mem->regions[i].size == size &&
		    mem->regions[i].uaddr == uaddr)
			return (int)i;
	return -1;
}

static int vu_find_window_reg(const struct vu_dev *dev, uint64_t gpa,
			      uint64_t size, uint64_t uaddr)
{
	for (unsigned int i = 0; i < dev->nwindow_regs; i++)
		if (dev->window_regs[i].gpa == gpa &&
		    dev->window_regs[i].size == size &&
		    dev->window_regs[i].uaddr == uaddr)
			return (int)i;
	return -1;
}

/* ADD_MEM_REG: 0, 1 (refused), -1 (malformed) */
static int vu_add_mem_reg(struct vu_dev *dev, struct vu_msg *m)
{
	uint64_t gpa = m->p.memreg.gpa, size = m->p.memreg.size;
	uint64_t uaddr = m->p.memreg.uaddr;
	bool window;
	struct vq_region r;

	if (!vu_expect(m, "ADD_MEM_REG", sizeof(m->p.memreg), 1))
		return -1;
	window = vu_is_window_file(dev, m->fds[0]);
	if (vu_find_region(&dev->mem, gpa, size, uaddr) >= 0 ||
	    vu_find_window_reg(dev, gpa, size, uaddr) >= 0)
		return 0;
	if (dev->mem.nregions + dev->nwindow_regs >= VQ_MAX_REGIONS) {
		log_err("ADD_MEM_REG: more than %d memory regions",
			VQ_MAX_REGIONS);
		return 1;
	}
	/* a DAX window mapping: we serve it, we need not read it */
	if (window) {
		dev->window_regs[dev->nwindow_regs++] =
			(struct vu_region_id){ gpa, size, uaddr };
		vu_count_regions(dev);
		return 0;
	}
	if (vu_map_region(&r, m->p.memreg.gpa, m->p.memreg.size,
			  m->p.memreg.uaddr, m->p.memreg.mmap_offset,
			  m->fds[0]) < 0)
		return 1;
	/* workers read the table without locks: change it only while stopped */
	vu_stop_all(dev);
	dev->mem.regions[dev->mem.nregions++] = r;
	vu_count_regions(dev);
	log_debug("ADD_MEM_REG: gpa 0x%llx size 0x%llx",
		  (unsigned long long)r.gpa, (unsigned long long)r.size);
	return vu_update_all(dev);
}

/* REM_MEM_REG: 0 or -1 (malformed); an unknown region is not an error */
static int vu_rem_mem_reg(struct vu_dev *dev, struct vu_msg *m)
{
	struct vq_mem *mem = &dev->mem;
	int i;

	if (m->size != sizeof(m->p.memreg) || m->nfds > 1) {
		vu_expect(m, "REM_MEM_REG", sizeof(m->p.memreg), 0);
		return -1;
	}
	i = vu_find_region(mem, m->p.memreg.gpa, m->p.memreg.size,
			   m->p.memreg.uaddr);
	if (i < 0) {
		/* a window mapping, which we never mapped, or nothing */
		i = vu_find_window_reg(dev, m->p.memreg.gpa, m->p.memreg.size,
				       m->p.memreg.uaddr);
		if (i >= 0) {
			dev->window_regs[i] =
				dev->window_regs[--dev->nwindow_regs];
			vu_count_regions(dev);
		}
		return 0;
	}
	vu_stop_all(dev);
	vu_cancel_all(dev);
	munmap(mem->regions[i].map_base, mem->regions[i].map_len);
	memmove(&mem->regions[i], &mem->regions[i + 1],
		(mem->nregions - (unsigned int)i - 1) * sizeof(mem->regions[0]));
	mem->nregions--;
	vu_count_regions(dev);
	return vu_update_all(dev);
}

static int vu_set_mem_table(struct vu_dev *dev, struct vu_msg *m)
{
	long page = sysconf(_SC_PAGESIZE);
	struct vq_mem mem = { 0 };
	struct vu_region_id win[VU_BASELINE_REGIONS];
	unsigned int nwin = 0;
	uint32_t n = m->p.mem.nregions;

	if (m->size < 8 || n > VU_BASELINE_REGIONS ||
	    !vu_expect(m, "SET_MEM_TABLE", 8 + 32 * n, (int)n))
		return -1;
	/* the guest RAM part of the table: is it what we have? */
	for (uint32_t i = 0; i < n; i++) {
		struct vq_region *r = &mem.regions[mem.nregions];

		if (vu_is_window_file(dev, m->fds[i])) {
			win[nwin++] = (struct vu_region_id){
				m->p.mem.regions[i].gpa,
				m->p.mem.regions[i].size,
				m->p.mem.regions[i].uaddr,
			};
			continue;
		}
		r->gpa = m->p.mem.regions[i].gpa;
		r->size = m->p.mem.regions[i].size;
		r->uaddr = m->p.mem.regions[i].uaddr;
		mem.nregions++;
	}
	/* the table replaces the whole list, window regions too */
	memcpy(dev->window_regs, win, nwin * sizeof(win[0]));
	dev->nwindow_regs = nwin;
	vu_count_regions(dev);
	if (mem.nregions && vu_same_regions(&mem, &dev->mem)) {
		log_debug("SET_MEM_TABLE: guest RAM unchanged (%u window regions)",
			  nwin);
		return 0;
	}
	memset(&mem, 0, sizeof(mem));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = m->p.mem.regions[i].gpa;
		uint64_t size = m->p.mem.regions[i].size;
		uint64_t uaddr = m->p.mem.regions[i].uaddr;
		uint64_t off = m->p.mem.regions[i].mmap_offset;
		uint64_t align = off & ~(uint64_t)(page - 1);
		struct vq_region *r = &mem.regions[mem.nregions];
		void *p;

		if (vu_is_window_file(dev, m->fds[i]))
			continue;
		if (!size || gpa + size < gpa || uaddr + size < uaddr ||
		    off + size < off || size + (off - align) > SIZE_MAX) {
			log_err("SET_MEM_TABLE: region %u is invalid", i);
			goto fail;
		}
		p = mmap(NULL, size + (off - align), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, m->fds[i], (off_t)align);
		if (p == MAP_FAILED) {
			log_err("SET_MEM_TABLE: mmap region %u (%llu bytes): %s",
				i, (unsigned long long)size, strerror(errno));
			goto fail;
		}
		r->gpa = gpa;
		r->size = size;
		r->uaddr = uaddr;
		r->map_base = p;
		r->map_len = size + (off - align);
		r->host = (uint8_t *)p + (off - align);
		mem.nregions++;
		log_debug("region %u: gpa 0x%llx size 0x%llx uaddr 0x%llx", i,
			  (unsigned long long)gpa, (unsigned long long)size,
			  (unsigned long long)uaddr);
	}
	vu_close_msg_fds(m);
	/* workers read the table without locks: swap it only while stopped */
	vu_stop_all(dev);
	vu_cancel_all(dev);
	vu_unmap_mem(&dev->mem);
	dev->mem = mem;
	vu_count_regions(dev);
	return vu_update_all(dev);
fail:
	vu_unmap_mem(&mem);
	return -1;
}

static int vu_set_vring_fd(struct vu_dev *dev, struct vu_msg *m, const char *name)
{
	struct vu_queue *q;
	bool nofd;
	int fd, *slot;

	if (m->size != 8) {
		vu_expect(m, name, 8, 1);
		return -1;
	}
	nofd = m->p.u64 & VU_VRING_NOFD;
	if (!vu_expect(m, name, 8, nofd ? 0 : 1))
		return -1;
	if (m->p.u64 & ~(uint64_t)(VU_VRING_IDX_MASK | VU_VRING_NOFD)) {
		log_err("%s: unknown bits in 0x%llx", name,
			(unsigned long long)m->p.u64);
		return -1;
	}
	q = vu_get_queue(dev, name, m->p.u64 & VU_VRING_IDX_MASK);
	if (!q)
		return -1;
	fd = nofd ? -1 : m->fds[0];
	m->nfds = 0;
	vu_queue_stop(q);
	switch (m->request) {
	case VU_SET_VRING_KICK:
		slot = &q->kick_fd;
		if (nofd)
			log_warn("queue %u: polling mode (no kick fd) is not supported",
				 q->index);
		q->started = true;
		break;
	case VU_SET_VRING_CALL:
		slot = &q->call_fd;
		break;
	default:
		slot = &q->err_fd;
		break;
	}
	/* a deferred request may signal the call fd from another thread */
	pthread_mutex_lock(&q->mu);
	close_fd(slot);
	*slot = fd;
	pthread_mutex_unlock(&q->mu);
	return vu_queue_update(q);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static void vu_config_bytes(struct vu_dev *dev, uint8_t *cfg, size_t len)
{
	memset(cfg, 0, len);
	memcpy(cfg, dev->tag, VU_TAG_MAX);
	put_le32(cfg + VU_CONFIG_NREQ, dev->nreq);
	/* only meaningful with the feature; zero (reserved) otherwise */
	if (dev->notify)
		put_le32(cfg + VU_CONFIG_NOTIFY_BUF, NQ_BUF_SIZE);
}

static int vu_get_config(struct vu_dev *dev, struct vu_msg *m)
{
	uint8_t cfg[VU_CONFIG_MAX];
	uint32_t off = m->p.config.offset, size = m->p.config.size;

	if (m->size < VU_CONFIG_HDR || size > VU_CONFIG_MAX ||
	    !vu_expect(m, "GET_CONFIG", VU_CONFIG_HDR + size, 0))
		return -1;
	vu_config_bytes(dev, cfg, sizeof(cfg));
	memset(m->p.config.data, 0, size);
	if (off < sizeof(cfg))
		memcpy(m->p.config.data, cfg + off,
		       size < sizeof(cfg) - off ? size : sizeof(cfg) - off);
	return vu_send_reply(dev, m, &m->p, m->size);
}

/* ---- the DAX window: shared-memory region 0 ---- */

static uint64_t vu_features(const struct vu_dev *dev)
{
	return vu_base_features |
	       (dev->notify ? BIT(VIRTIO_FS_F_NOTIFICATION) : 0);
}

static uint64_t vu_protocol_features(const struct vu_dev *dev)
{
	uint64_t f = vu_base_protocol_features;

	/*
	 * No window, no region: the front end then offers no BAR for it.
	 * With one, memory slots one by one: QEMU reports each mapping as a
	 * guest memory region, and a whole table holds only 8 (more make it
	 * fail to send the table, loudly, on every map).
	 */
	if (dev->window_size)
		f |= BIT(VU_PROTO_SHMEM) | BIT(VU_PROTO_CONFIGURE_MEM_SLOTS);
	return f;
}

static int vu_get_shmem_config(struct vu_dev *dev, const struct vu_msg *m)
{
	struct vu_shmem_config c = { 0 };

	if (dev->window_size) {
		c.nregions = 1;
		c.sizes[VU_SHMID_CACHE] = dev->window_size;
	}
	return vu_send_reply(dev, m, &c, sizeof(c));
}

/* The front end forgets every mapping on reset and disconnect: so do we. */
static void vu_dax_forget(struct vu_dev *dev)
{
	pthread_mutex_lock(&dev->dax_mu);
	dax_window_clear(&dev->window);
	dev->backend_stale = 0;
	dev->dax_full_warned = false;
	pthread_mutex_unlock(&dev->dax_mu);
}

/* dax_mu held.  0 if back-end requests can map, else -EOPNOTSUPP. */
static int vu_dax_ready(struct vu_dev *dev)
{
	const uint64_t need = BIT(VU_PROTO_SHMEM) | BIT(VU_PROTO_BACKEND_REQ) |
			      BIT(VU_PROTO_BACKEND_SEND_FD);

	if (dev->backend_fd >= 0 && (dev->protocol_features & need) == need)
		return 0;
	if (!dev->dax_warned)
		log_warn("DAX: the front end did not set up the back-end channel with shared memory (protocol features 0x%llx): mappings refused",
			 (unsigned long long)dev->protocol_features);
	dev->dax_warned = true;
	return -EOPNOTSUPP;
}

/* Sends one back-end request, with fd (if >= 0) attached; dax_mu held. */
static int vu_backend_send(struct vu_dev *dev, uint32_t req,
			   const void *payload, uint32_t size, int fd,
			   bool need_reply)
{
	struct {
		uint32_t request, flags, size;
		uint8_t data[sizeof(struct vu_mmap)];
	} __attribute__((packed)) msg = {
		.request = req,
		.flags = VU_VERSION | (need_reply ? VU_FLAG_NEED_REPLY : 0),
		.size = size,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = &msg, .iov_len = VU_HDR_SIZE + size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (size > sizeof(msg.data))
		return -EINVAL;
	memcpy(msg.data, payload, size);
	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(dev->backend_fd, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)iov.iov_len) {
		log_err("DAX: back-end request %u: %s", req,
			n < 0 ? strerror(errno) : "short send");
		return -EIO;
	}
	return 0;
}

/*
 * Waits for the front end's answer to request req; dax_mu held.  0 when
 * it says success, -EIO when it refused, -ETIMEDOUT when it did not answer
 * in time (its answer is then skipped when it comes).
 */
static int vu_backend_wait(struct vu_dev *dev, uint32_t req)
{
	struct pollfd pfd = { .fd = dev->backend_fd, .events = POLLIN };
	struct {
		uint32_t request, flags, size;
	} hdr;
	uint64_t val;
	int r;

	for (;;) {
		do {
			r = poll(&pfd, 1, VU_BACKEND_TIMEOUT_MS);
		} while (r < 0 && errno == EINTR);
		if (r == 0) {
			log_err("DAX: no answer to back-end request %u in %d ms",
				req, VU_BACKEND_TIMEOUT_MS);
			dev->backend_stale++;
			return -ETIMEDOUT;
		}
		if (r < 0 || read_full(dev->backend_fd, &hdr, sizeof(hdr)) ||
		    hdr.size != sizeof(val) ||
		    read_full(dev->backend_fd, &val, sizeof(val))) {
			log_err("DAX: back-end channel broken (reading the answer to %u)",
				req);
			close_fd(&dev->backend_fd);
			return -EIO;
		}
		if (dev->backend_stale) {
			dev->backend_stale--;
			continue;
		}
		if (hdr.request != req || !(hdr.flags & VU_FLAG_REPLY)) {
			log_err("DAX: answer to request %u (flags 0x%x) while waiting for %u",
				hdr.request, hdr.flags, req);
			close_fd(&dev->backend_fd);
			return -EIO;
		}
		return val ? -EIO : 0;
	}
}

static int vu_backend_request(struct vu_dev *dev, uint32_t req,
			      const struct vu_mmap *mm, int fd)
{
	bool ack = dev->protocol_features & BIT(VU_PROTO_REPLY_ACK);
	int err = vu_backend_send(dev, req, mm, sizeof(*mm), fd, ack);

	/* without REPLY_ACK there is no way to learn the outcome */
	if (!err && ack)
		err = vu_backend_wait(dev, req);
	log_debug("DAX: back-end request %u: fd off 0x%llx window 0x%llx+0x%llx flags %llu: %d",
		  req, (unsigned long long)mm->fd_offset,
		  (unsigned long long)mm->shm_offset,
		  (unsigned long long)mm->len, (unsigned long long)mm->flags,
		  err);
	return err;
}

/*
 * QEMU answers SHMEM_MAP before it commits the new memory layout (the
 * commit sends us a memory table, and it must not wait for that while we
 * wait for the answer).  A guest told "mapped" at once could read the
 * range before it is there and see zeros.  QEMU handles back-end requests
 * in order, so the answer to any later request means the commit is done:
 * SHARED_OBJECT_REMOVE of an object nobody added is such a no-op.
 */
static void vu_backend_barrier(struct vu_dev *dev)
{
	static const uint8_t no_uuid[16];
	int err;

	if (!(dev->protocol_features & BIT(VU_PROTO_REPLY_ACK)))
		return;
	err = vu_backend_send(dev, VU_BACKEND_SHARED_OBJECT_REMOVE, no_uuid,
			      sizeof(no_uuid), -1, true);
	if (!err)
		err = vu_backend_wait(dev, VU_BACKEND_SHARED_OBJECT_REMOVE);
	/* its answer is "not removed": only that it came matters */
	if (err && err != -EIO)
		log_warn("DAX: no answer to the barrier after a map (%s)",
			 strerror(-err));
}

/* Unmaps window.maps[i] and forgets it; dax_mu held. */
static int vu_dax_unmap_at(struct vu_dev *dev, size_t i)
{
	const struct dax_map *d = &dev->window.maps[i];
	struct vu_mmap mm = {
		.shmid = VU_SHMID_CACHE, .shm_offset = d->off, .len = d->len,
	};
	int err = vu_backend_request(dev, VU_BACKEND_SHMEM_UNMAP, &mm, -1);

	if (err) {
		log_err("DAX: unmapping 0x%llx+0x%llx: %s",
			(unsigned long long)d->off, (unsigned long long)d->len,
			strerror(-err));
		return err;
	}
	dax_window_remove_at(&dev->window, i);
	return 0;
}

/* Unmaps every mapping inside [off, off + len); dax_mu held. */
static int vu_dax_unmap_range(struct vu_dev *dev, uint64_t off, uint64_t len)
{
	size_t first, count;
	int err;

	if (dax_window_covered(&dev->window, off, len, &first, &count)) {
		log_warn("DAX: 0x%llx+0x%llx would split a mapping: refused",
			 (unsigned long long)off, (unsigned long long)len);
		return -EINVAL;
	}
	/* from the end: indices below stay valid */
	while (count--) {
		err = vu_dax_unmap_at(dev, first + count);
		if (err)
			return err;
	}
	return 0;
}

/*
 * QEMU 11.1 maps a region with memory_region_init_ram_from_fd(), which
 * refuses a file whose size falls inside the mapped range ("backing store
 * size ... is too small") and grows an empty file to the mapping's end.
 * A client maps fixed-size pieces (2 MiB for the kernel's), so every file
 * tail hits the first rule.  Mapping past EOF is what mmap() allows and
 * what the protocol means (the pages become valid as the file grows), so
 * the file is grown to cover the range for the duration of the request
 * and cut back to its size afterwards, with its mtime restored.  Returns
 * true if the caller must call vu_dax_eof_restore().
 */
static bool vu_dax_eof_cover(int fd, uint64_t start, uint64_t end,
			     const struct stat *st)
{
	uint64_t size;
	char path[64];

	if (!S_ISREG(st->st_mode))
		return false;
	/* a range wholly past a non-empty file's end is accepted as is */
	size = (uint64_t)st->st_size;
	if (size >= end || (size && size <= start))
		return false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* the fd may be read-only: truncate by path (we are the owner or root) */
	if (truncate(path, (off_t)end) < 0) {
		log_warn("DAX: cannot cover the mapping's end (%s): QEMU may refuse it",
			 strerror(errno));
		return false;
	}
	return true;
}

static void vu_dax_eof_restore(int fd, uint64_t end, const struct stat *st)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, st->st_mtim };
	struct stat now;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* somebody else wrote past the old end meanwhile: leave it be */
	if (fstat(fd, &now) == 0 && (uint64_t)now.st_size != end)
		return;
	if (truncate(path, st->st_size) < 0 ||
	    utimensat(AT_FDCWD, path, ts, 0) < 0)
		log_err("DAX: restoring the size of a file after mapping: %s",
			strerror(errno));
}

/*
 * dax_mu held.  0, or -ENOSPC when a new mapping at [off, off + len) would
 * take the front end's memory table past VQ_MAX_REGIONS (QEMU would abort
 * on its assertion, the guest with it).  A request that replaces mappings
 * (an upgrade to writable) adds none.  VU_SPARE_REGIONS stay for guest
 * RAM changes and for other devices' mappings on their way.
 */
#define VU_SPARE_REGIONS	8
static int vu_dax_room(struct vu_dev *dev, uint64_t off, uint64_t len)
{
	unsigned int used = __atomic_load_n(&dev->table_regions,
					    __ATOMIC_ACQUIRE);
	size_t first, count;

	if (dax_window_covered(&dev->window, off, len, &first, &count) || count)
		return 0;
	/* a test's smaller table: ENOSPC comes without hundreds of ranges */
	if (dev->max_mappings && dev->window.n >= dev->max_mappings) {
		if (!dev->dax_full_warned)
			log_warn("DAX: %zu mappings, the most --dax-max-mappings allows: new mappings refused (ENOSPC) until some go",
				 dev->window.n);
	} else if (used + VU_SPARE_REGIONS < VQ_MAX_REGIONS) {
		return 0;
	} else if (!dev->dax_full_warned) {
		log_warn("DAX: the front end's memory table holds %u of %d regions, every window mapping takes one: new mappings refused (ENOSPC) until some go",
			 used, VQ_MAX_REGIONS);
	}
	dev->dax_full_warned = true;
	return -ENOSPC;
}

/* fs_dax_ops.map, from a queue worker */
static int vu_dax_map(void *opaque, int fd, uint64_t fd_offset,
		      uint64_t off, uint64_t len, bool writable)
{
	struct vu_dev *dev = opaque;
	struct vu_mmap mm = {
		.shmid = VU_SHMID_CACHE, .fd_offset = fd_offset,
		.shm_offset = off, .len = len,
		.flags = writable ? VU_MMAP_RW : 0,
	};
	bool covered;
	struct stat st;
	int err;

	pthread_mutex_lock(&dev->dax_mu);
	err = vu_dax_ready(dev);
	if (!err && !dax_window_range_ok(&dev->window, off, len))
		err = -EINVAL;
	if (!err)
		err = vu_dax_room(dev, off, len);
	/* the front end refuses to map over a mapping: unmap it first */
	if (!err)
		err = vu_dax_unmap_range(dev, off, len);
	if (!err && fstat(fd, &st) < 0)
		err = -errno;
	if (!err) {
		/* before QEMU can report the region in a memory table */
		vu_note_window_file(dev, &st);
		covered = vu_dax_eof_cover(fd, fd_offset, fd_offset + len,
					   &st);
		err = vu_backend_request(dev, VU_BACKEND_SHMEM_MAP, &mm, fd);
		if (!err)
			vu_backend_barrier(dev);
		if (covered)
			vu_dax_eof_restore(fd, fd_offset + len, &st);
	}
	if (!err) {
		err = dax_window_add(&dev->window, off, len, writable);
		if (err) {
			/* cannot track it: do not leave it mapped */
			mm.flags = 0;
			mm.fd_offset = 0;
			vu_backend_request(dev, VU_BACKEND_SHMEM_UNMAP, &mm, -1);
		}
	}
	pthread_mutex_unlock(&dev->dax_mu);
	log_debug("DAX: map fd off 0x%llx at 0x%llx+0x%llx %s: %d",
		  (unsigned long long)fd_offset, (unsigned long long)off,
		  (unsigned long long)len, writable ? "rw" : "ro", err);
	return err;
}

/* fs_dax_ops.unmap, from a queue worker */
static int vu_dax_unmap(void *opaque, uint64_t off, uint64_t len)
{
	struct vu_dev *dev = opaque;
	int err;

	pthread_mutex_lock(&dev->dax_mu);
	if (!dax_window_range_ok(&dev->window, off, len))
		err = -EINVAL;
	else if (!dev->window.n)
		err = 0;	/* nothing to do, even without a channel */
	else
		err = vu_dax_ready(dev) ?: vu_dax_unmap_range(dev, off, len);
	pthread_mutex_unlock(&dev->dax_mu);
	log_debug("DAX: unmap 0x%llx+0x%llx: %d", (unsigned long long)off,
		  (unsigned long long)len, err);
	return err;
}

void vu_dev_set_max_mappings(struct vu_dev *dev, unsigned int n)
{
	dev->max_mappings = n;
}

int vu_dev_set_window(struct vu_dev *dev, uint64_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	struct fs_dax_ops ops = {
		.map = vu_dax_map, .unmap = vu_dax_unmap, .opaque = dev,
		.window_size = size,
	};

	if (!size)
		return 0;
	if (page <= 0 || size % (uint64_t)page) {
		errno = EINVAL;
		return -1;
	}
	dev->window_size = size;
	dax_window_init(&dev->window, size, (uint64_t)page);
	fs_server_set_dax(dev->srv, &ops);
	return 0;
}

/* Forget the front end's state: workers, rings, memory, channels. */
static void vu_disconnect(struct vu_dev *dev)
{
	vu_reset_queues(dev);
	if (dev->notify)
		vu_notify_clear(dev);
	vu_unmap_mem(&dev->mem);
	dev->nwindow_regs = 0;
	vu_count_regions(dev);
	vu_dax_forget(dev);
	pthread_mutex_lock(&dev->dax_mu);
	close_fd(&dev->backend_fd);
	pthread_mutex_unlock(&dev->dax_mu);
	__atomic_store_n(&dev->features, 0, __ATOMIC_RELEASE);
	dev->protocol_features = 0;
}

/*
 * Handles one message.  Returns 0 (success), 1 (request refused; the
 * connection stays), -1 (malformed: drop the connection).  *replied is
 * set when the request has its own reply, so no REPLY_ACK is added.
 */
static int vu_dispatch(struct vu_dev *dev, struct vu_msg *m, bool *replied)
{
	struct vu_queue *q;

	*replied = false;
	switch (m->request) {
	case VU_GET_FEATURES:
		if (!vu_expect(m, "GET_FEATURES", 0, 0))
			return -1;
		*replied = true;
		return vu_reply_u64(dev, m, vu_features(dev));
	case VU_SET_FEATURES:
		if (!vu_expect(m, "SET_FEATURES", 8, 0))
			return -1;
		if (m->p.u64 & ~vu_features(dev)) {
			log_err("SET_FEATURES: unsupported bits 0x%llx",
				(unsigned long long)(m->p.u64 & ~vu_features(dev)));
			return -1;
		}
		vu_stop_all(dev);
		/* queue 1 may change role: messages of before are for nobody */
		if (dev->notify)
			vu_notify_clear(dev);
		__atomic_store_n(&dev->features, m->p.u64, __ATOMIC_RELEASE);
		if (dev->notify)
			log_info("notification queue %s",
				 vu_notify_acked(dev) ? "on (queue 1)" :
				 "off: the driver did not ack it");
		/* without protocol features, rings are enabled as they start */
		if (!(dev->features & BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
			for (unsigned int i = 0; i < dev->nqueues; i++)
				dev->queues[i].enabled = true;
		return vu_update_all(dev);
	case VU_GET_PROTOCOL_FEATURES:
		if (!vu_expect(m, "GET_PROTOCOL_FEATURES", 0, 0))
			return -1;
		*replied = true;
		return vu_reply_u64(dev, m, vu_protocol_features(dev));
	case VU_SET_PROTOCOL_FEATURES:
		if (!vu_expect(m, "SET_PROTOCOL_FEATURES", 8, 0))
			return -1;
		if (m->p.u64 & ~vu_protocol_features(dev)) {
			log_err("SET_PROTOCOL_FEATURES: unsupported bits 0x%llx",
				(unsigned long long)(m->p.u64 &
						     ~vu_protocol_features(dev)));
			return -1;
		}
		dev->protocol_features = m->p.u64;
		log_debug("protocol features 0x%llx", (unsigned long long)m->p.u64);
		return 0;
	case VU_SET_OWNER:
		return vu_expect(m, "SET_OWNER", 0, 0) ? 0 : -1;
	case VU_RESET_OWNER:
	case VU_RESET_DEVICE:
		if (!vu_expect(m, "RESET_DEVICE", 0, 0))
			return -1;
		vu_reset_queues(dev);
		vu_dax_forget(dev);
		__atomic_store_n(&dev->features, 0, __ATOMIC_RELEASE);
		if (dev->notify)
			vu_notify_clear(dev);
		fs_server_reset(dev->srv);
		return 0;
	case VU_GET_QUEUE_NUM:
		if (!vu_expect(m, "GET_QUEUE_NUM", 0, 0))
			return -1;
		*replied = true;
		return vu_reply_u64(dev, m, dev->nqueues);
	case VU_SET_MEM_TABLE:
		return vu_set_mem_table(dev, m);
	case VU_GET_MAX_MEM_SLOTS:
		if (!vu_expect(m, "GET_MAX_MEM_SLOTS", 0, 0))
			return -1;
		*replied = true;
		/* the memory table holds as many (window mappings included) */
		return vu_reply_u64(dev, m, VQ_MAX_REGIONS);
	case VU_ADD_MEM_REG:
		return vu_add_mem_reg(dev, m);
	case VU_REM_MEM_REG:
		return vu_rem_mem_reg(dev, m);
	case VU_SET_VRING_NUM:
		if (!vu_expect(m, "SET_VRING_NUM", 8, 0))
			return -1;
		q = vu_get_queue(dev, "SET_VRING_NUM", m->p.state.index);
		if (!q)
			return -1;
		if (!m->p.state.num || m->p.state.num > VQ_MAX_SIZE ||
		    (m->p.state.num & (m->p.state.num - 1))) {
			log_err("SET_VRING_NUM: queue %u: size %u", q->index,
				m->p.state.num);
			return -1;
		}
		vu_queue_stop(q);
		vu_queue_cancel(q);
		q->num = m->p.state.num;
		return vu_queue_update(q);
	case VU_SET_VRING_ADDR:
		if (!vu_expect(m, "SET_VRING_ADDR", 40, 0))
			return -1;
		q = vu_get_queue(dev, "SET_VRING_ADDR", m->p.addr.index);
		if (!q)
			return -1;
		vu_queue_stop(q);
		vu_queue_cancel(q);
		q->desc_uaddr = m->p.addr.desc;
		q->used_uaddr = m->p.addr.used;
		q->avail_uaddr = m->p.addr.avail;
		q->addr_set = true;
		return vu_queue_update(q);
	case VU_SET_VRING_BASE:
		if (!vu_expect(m, "SET_VRING_BASE", 8, 0))
			return -1;
		q = vu_get_queue(dev, "SET_VRING_BASE", m->p.state.index);
		if (!q)
			return -1;
		if (m->p.state.num > 0xffff) {
			log_err("SET_VRING_BASE: queue %u: base %u", q->index,
				m->p.state.num);
			return -1;
		}
		vu_queue_stop(q);
		vu_queue_cancel(q);
		q->vq.last_avail_idx = m->p.state.num;
		return vu_queue_update(q);
	case VU_GET_VRING_BASE:
		if (!vu_expect(m, "GET_VRING_BASE", 8, 0))
			return -1;
		q = vu_get_queue(dev, "GET_VRING_BASE", m->p.state.index);
		if (!q)
			return -1;
		/*
		 * the ring stops: the worker finishes its request first, and
		 * deferred requests are answered (-EINTR) so none is in flight
		 */
		vu_queue_stop(q);
		vu_queue_cancel(q);
		q->started = false;
		close_fd(&q->kick_fd);
		m->p.state.num = q->vq.last_avail_idx;
		*replied = true;
		return vu_send_reply(dev, m, &m->p.state, sizeof(m->p.state));
	case VU_SET_VRING_KICK:
		return vu_set_vring_fd(dev, m, "SET_VRING_KICK");
	case VU_SET_VRING_CALL:
		return vu_set_vring_fd(dev, m, "SET_VRING_CALL");
	case VU_SET_VRING_ERR:
		return vu_set_vring_fd(dev, m, "SET_VRING_ERR");
	case VU_SET_VRING_ENABLE:
		if (!vu_expect(m, "SET_VRING_ENABLE", 8, 0))
			return -1;
		q = vu_get_queue(dev, "SET_VRING_ENABLE", m->p.state.index);
		if (!q)
			return -1;
		if (m->p.state.num > 1) {
			log_err("SET_VRING_ENABLE: queue %u: %u", q->index,
				m->p.state.num);
			return -1;
		}
		vu_queue_stop(q);
		q->enabled = m->p.state.num;
		return vu_queue_update(q);
	case VU_SET_BACKEND_REQ_FD:
		if (!vu_expect(m, "SET_BACKEND_REQ_FD", 0, 1))
			return -1;
		pthread_mutex_lock(&dev->dax_mu);
		close_fd(&dev->backend_fd);
		dev->backend_fd = m->fds[0];
		dev->backend_stale = 0;
		pthread_mutex_unlock(&dev->dax_mu);
		m->nfds = 0;
		return 0;
	case VU_GET_CONFIG:
		*replied = true;
		return vu_get_config(dev, m);
	case VU_GET_SHMEM_CONFIG:
		if (!vu_expect(m, "GET_SHMEM_CONFIG", 0, 0))
			return -1;
		*replied = true;
		return vu_get_shmem_config(dev, m);
	case VU_SET_CONFIG:
		/* virtio-fs config space is read-only for the driver */
		log_debug("SET_CONFIG refused: config space is read-only");
		return 1;
	default:
		log_warn("vhost-user request %u (size %u) not supported",
			 m->request, m->size);
		return 1;
	}
}

enum vu_serve_result vu_serve(struct vu_dev *dev, int conn_fd, int stop_fd)
{
	static const struct timeval io_timeout = { .tv_sec = 5 };
	struct vu_msg *m = malloc(sizeof(*m));
	enum vu_serve_result res = VU_DISCONNECTED;
	struct pollfd pfd[3] = {
		{ .fd = conn_fd, .events = POLLIN },
		{ .fd = stop_fd, .events = POLLIN },
		{ .fd = dev->exit_efd, .events = POLLIN },
	};

	if (!m) {
		log_err("out of memory");
		return VU_DISCONNECTED;
	}
	dev->conn_fd = conn_fd;
	/*
	 * A message is read once poll() says it started arriving; a front end
	 * that stalls inside one must not keep us (and SIGTERM) waiting forever.
	 */
	if (setsockopt(conn_fd, SOL_SOCKET, SO_RCVTIMEO, &io_timeout,
		       sizeof(io_timeout)) < 0 ||
	    setsockopt(conn_fd, SOL_SOCKET, SO_SNDTIMEO, &io_timeout,
		       sizeof(io_timeout)) < 0)
		log_warn("socket timeouts: %s", strerror(errno));
	for (;;) {
		bool replied, ack;
		int r;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents) {
			res = VU_STOP;
			break;
		}
		if (pfd[2].revents) {
			res = VU_EXIT;
			break;
		}
		if (!pfd[0].revents)
			continue;
		r = vu_recv(conn_fd, m);
		if (r == 1) {
			log_info("front end disconnected");
			break;
		}
		if (r < 0) {
			log_err("dropping the front end");
			break;
		}
		log_debug("request %u size %u fds %d flags 0x%x", m->request,
			  m->size, m->nfds, m->flags);
		ack = (m->flags & VU_FLAG_NEED_REPLY) &&
		      (dev->protocol_features & BIT(VU_PROTO_REPLY_ACK));
		r = vu_dispatch(dev, m, &replied);
		/* fds a handler did not take, or that came with a refused request */
		vu_close_msg_fds(m);
		if (r < 0) {
			log_err("dropping the front end after request %u",
				m->request);
			break;
		}
		if (ack && !replied && vu_reply_u64(dev, m, r ? 1 : 0) < 0)
			break;
	}
	vu_disconnect(dev);
	dev->conn_fd = -1;
	free(m);
	return res;
}

struct vu_dev *vu_dev_new(struct fs_server *srv, const char *tag,
			  unsigned int nreq)
{
	struct vu_dev *dev = calloc(1, sizeof(*dev));
	size_t taglen = strlen(tag);

	if (!dev || !taglen || taglen > VU_TAG_MAX || !nreq ||
	    nreq > VU_MAX_REQUEST_QUEUES) {
		free(dev);
		errno = dev ? EINVAL : ENOMEM;
		return NULL;
	}
	dev->srv = srv;
	fs_server_set_complete(srv, vu_complete);
	memcpy(dev->tag, tag, taglen);
	dev->nreq = nreq;
	dev->nqueues = nreq + 1;
	dev->conn_fd = -1;
	dev->notify_efd = -1;
	pthread_mutex_init(&dev->nq_mu, NULL);
	dev->backend_fd = -1;
	pthread_mutex_init(&dev->dax_mu, NULL);
	pthread_mutex_init(&dev->files_mu, NULL);
	dax_window_init(&dev->window, 0, 1);
	dev->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* one spare: vu_dev_set_notify() adds the notification queue */
	dev->queues = calloc(nreq + 2, sizeof(*dev->queues));
	if (dev->exit_efd < 0 || !dev->queues)
		goto fail;
	for (unsigned int i = 0; i < nreq + 2; i++) {
		struct vu_queue *q = &dev->queues[i];

		q->dev = dev;
		q->index = i;
		q->kick_fd = q->call_fd = q->err_fd = -1;
		pthread_mutex_init(&q->mu, NULL);
		q->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->stop_efd < 0) {
			while (i--)
				close(dev->queues[i].stop_efd);
			goto fail;
		}
	}
	return dev;
fail:
	if (dev->exit_efd >= 0)
		close(dev->exit_efd);
	pthread_mutex_destroy(&dev->dax_mu);
	pthread_mutex_destroy(&dev->files_mu);
	pthread_mutex_destroy(&dev->nq_mu);
	free(dev->queues);
	free(dev);
	errno = ENOMEM;
	return NULL;
}

void vu_dev_free(struct vu_dev *dev)
{
	if (!dev)
		return;
	if (dev->notify)
		fs_server_unwatch(dev->srv);	/* it sends to us */
	vu_disconnect(dev);
	for (unsigned int i = 0; i < dev->nreq + 2; i++) {
		close(dev->queues[i].stop_efd);
		free(dev->queues[i].elem);
		free(dev->queues[i].spare);
		pthread_mutex_destroy(&dev->queues[i].mu);
	}
	close(dev->exit_efd);
	if (dev->notify) {
		close_fd(&dev->notify_efd);
		nq_free(&dev->nq);
	}
	pthread_mutex_destroy(&dev->nq_mu);
	dax_window_free(&dev->window);
	pthread_mutex_destroy(&dev->dax_mu);
	pthread_mutex_destroy(&dev->files_mu);
	free(dev->files);
	free(dev->queues);
	free(dev);
}
