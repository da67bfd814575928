/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues as seen from the device side, over guest memory that the
 * front end shared with us.  Pure ring logic: no threads, no sockets, so the
 * unit tests can drive it over a malloc'd "guest memory".
 *
 * The guest is not trusted: every index, length, address and flag read from
 * the rings is validated; a bad chain is reported, never followed.
 */
#ifndef BACKEND_VIRTQUEUE_H
#define BACKEND_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Guest memory regions: what vhost-user's GET_MAX_MEM_SLOTS announces and
 * ADD_MEM_REG fills, QEMU's own ceiling (VHOST_USER_MAX_RAM_SLOTS).  Not
 * only RAM: QEMU lists every DAX window mapping of every device too.
 */
#define VQ_MAX_REGIONS	512
#define VQ_MAX_SIZE	32768	/* largest split ring the spec allows */
/* iovecs per chain; a chain longer than this (after splitting buffers that
 * cross region boundaries) is rejected as malformed */
#define VQ_MAX_IOV	1024

/* descriptor flags (virtio spec 2.7.5) */
#define VQ_DESC_F_NEXT		1
#define VQ_DESC_F_WRITE		2
#define VQ_DESC_F_INDIRECT	4
#define VQ_AVAIL_F_NO_INTERRUPT	1

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

struct vq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* num entries, then used_event */
};

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vq_used {
	uint16_t flags;
	uint16_t idx;
	struct vq_used_elem ring[];	/* num entries, then avail_event */
};

/* One region of guest memory, mapped into this process. */
struct vq_region {
	uint64_t gpa;		/* guest physical start */
	uint64_t size;
	uint64_t uaddr;		/* start in the front end's address space */
	uint8_t *host;		/* start in ours (mmap base + mmap_offset) */
	void *map_base;		/* what munmap() takes */
	uint64_t map_len;
};

struct vq_mem {
	unsigned int nregions;
	struct vq_region regions[VQ_MAX_REGIONS];
};

/*
 * Translate [addr, addr + len) to a pointer in our address space.  The
 * whole range must lie in one region; NULL otherwise.  *avail_len, when
 * given, receives how many bytes from addr stay inside that region (so a
 * caller can split a buffer that crosses regions); then only addr itself
 * must be mapped.
 */
void *vq_gpa_to_va(const struct vq_mem *mem, uint64_t gpa, uint64_t len,
		   uint64_t *avail_len);
void *vq_uva_to_va(const struct vq_mem *mem, uint64_t uva, uint64_t len);

struct virtqueue {
	unsigned int num;		/* 0 = not configured */
	struct vq_desc *desc;
	struct vq_avail *avail;
	struct vq_used *used;
	const struct vq_mem *mem;

	uint16_t last_avail_idx;	/* next avail entry we will consume */
	uint16_t used_idx;		/* next used entry we will fill */
	uint16_t signalled_used;	/* used_idx at the last interrupt */
	bool signalled_used_valid;
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool broken;			/* unrecoverable guest error: stop serving */
};

/*
 * One popped chain.  iov[0..nrd) are device-readable buffers,
 * iov[nrd..nrd+nwr) device-writable ones.
 */
struct vq_elem {
	uint16_t head;
	int nrd;
	int nwr;
	struct iovec iov[VQ_MAX_IOV];
};

/*
 * Point the queue at rings already translated by the caller; checks the
 * size and alignment.  Keeps last_avail_idx/used_idx.  0 or -EINVAL.
 */
int vq_attach(struct virtqueue *vq, const struct vq_mem *mem,
	      unsigned int num, void *desc, void *avail, void *used);

/* Bytes each ring needs for a queue of num entries (event fields included). */
uint64_t vq_desc_bytes(unsigned int num);
uint64_t vq_avail_bytes(unsigned int num);
uint64_t vq_used_bytes(unsigned int num);

/* Results of vq_pop() */
enum {
	VQ_POP_EMPTY = 0,	/* nothing available */
	VQ_POP_OK = 1,		/* elem filled */
	VQ_POP_BAD_CHAIN = 2,	/* elem->head is valid, chain malformed:
				 * return it with vq_push(vq, head, 0) */
	VQ_POP_BROKEN = 3,	/* queue unusable (vq->broken set) */
};

int vq_pop(struct virtqueue *vq, struct vq_elem *elem);

/* Put a used element (not yet visible to the guest index-wise until this
 * returns; the used index store has release semantics). */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/*
 * Whether the guest wants an interrupt for what was pushed since the last
 * one (EVENT_IDX used_event, or VRING_AVAIL_F_NO_INTERRUPT).  Records the
 * decision, so call it once per signal.
 */
bool vq_should_notify(struct virtqueue *vq);

/*
 * Before sleeping: publish avail_event (EVENT_IDX) so the guest kicks for
 * the next buffer, then re-check.  True if more buffers are already there
 * (do not sleep).
 */
bool vq_prepare_wait(struct virtqueue *vq);

#endif
