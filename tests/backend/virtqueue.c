// SPDX-License-Identifier: GPL-2.0
/*
 * Device side of split virtqueues (virtio 1.x, section 2.7).
 *
 * The rings live in guest memory that the guest can change at any time, so
 * every value is read once into a local, validated, and only the local is
 * used.  Ordering: avail->idx is loaded with acquire before the ring entries
 * it covers; used entries are written before used->idx is stored with
 * release; a full fence separates our index stores from the loads of the
 * guest's suppression fields (the classic lost-wakeup window).
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "virtqueue.h"

#define barrier()	__asm__ __volatile__("" ::: "memory")

/*
 * A guest can post malformed chains in a loop; keep the log readable by
 * allowing a burst of messages per second and counting the rest.
 */
static bool vq_log_ratelimit(void)
{
	static __thread time_t window;
	static __thread unsigned int count;
	time_t now = time(NULL);

	if (now != window) {
		window = now;
		count = 0;
	}
	return ++count <= 10;
}

#define vq_bad(vq, fmt, ...) do {					\
	if (vq_log_ratelimit())						\
		log_err("virtqueue: " fmt, ##__VA_ARGS__);		\
} while (0)

void *vq_gpa_to_va(const struct vq_mem *mem, uint64_t gpa, uint64_t len,
		   uint64_t *avail_len)
{
	for (unsigned int i = 0; i < mem->nregions; i++) {
		const struct vq_region *r = &mem->regions[i];
		uint64_t off, rem;

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		off = gpa - r->gpa;
		rem = r->size - off;
		if (avail_len) {
			*avail_len = rem;
			return r->host + off;
		}
		return len <= rem ? r->host + off : NULL;
	}
	return NULL;
}

void *vq_uva_to_va(const struct vq_mem *mem, uint64_t uva, uint64_t len)
{
	for (unsigned int i = 0; i < mem->nregions; i++) {
		const struct vq_region *r = &mem->regions[i];

		if (uva < r->uaddr || uva - r->uaddr >= r->size)
			continue;
		if (len > r->size - (uva - r->uaddr))
			return NULL;
		return r->host + (uva - r->uaddr);
	}
	return NULL;
}

uint64_t vq_desc_bytes(unsigned int num)
{
	return (uint64_t)num * sizeof(struct vq_desc);
}

uint64_t vq_avail_bytes(unsigned int num)
{
	return 4 + 2 * (uint64_t)num + 2;	/* flags, idx, ring, used_event */
}

uint64_t vq_used_bytes(unsigned int num)
{
	return 4 + 8 * (uint64_t)num + 2;	/* flags, idx, ring, avail_event */
}

int vq_attach(struct virtqueue *vq, const struct vq_mem *mem,
	      unsigned int num, void *desc, void *avail, void *used)
{
	/* ring positions are free-running u16 taken modulo num */
	if (num == 0 || num > VQ_MAX_SIZE || (num & (num - 1)))
		return -EINVAL;
	if (!desc || !avail || !used || ((uintptr_t)desc & 15) ||
	    ((uintptr_t)avail & 1) || ((uintptr_t)used & 3))
		return -EINVAL;
	vq->num = num;
	vq->mem = mem;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	/* the used index in memory is the truth after a stop/start cycle */
	vq->used_idx = le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED));
	vq->signalled_used_valid = false;
	vq->broken = false;
	return 0;
}

static void vq_read_desc(const struct vq_desc *table, unsigned int i,
			 struct vq_desc *d)
{
	memcpy(d, &table[i], sizeof(*d));
	barrier();	/* use only the copy, never re-read guest memory */
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

static int vq_walk_chain(struct virtqueue *vq, struct vq_elem *elem)
{
	const struct vq_desc *table = vq->desc;
	unsigned int tsize = vq->num;
	unsigned int steps = 0;
	uint64_t total = 0;
	bool indirect = false;
	unsigned int i = elem->head;
	struct vq_desc d;

	elem->nrd = 0;
	elem->nwr = 0;
	for (;;) {
		vq_read_desc(table, i, &d);
		if (d.flags & VQ_DESC_F_INDIRECT) {
			if (indirect) {
				vq_bad(vq, "nested indirect descriptor");
				return -EINVAL;
			}
			if (steps != 0 || (d.flags & VQ_DESC_F_NEXT)) {
				vq_bad(vq, "indirect descriptor inside a chain");
				return -EINVAL;
			}
			if (d.len == 0 || d.len % sizeof(struct vq_desc) ||
			    d.len / sizeof(struct vq_desc) > 65536) {
				vq_bad(vq, "indirect table of %u bytes", d.len);
				return -EINVAL;
			}
			table = vq_gpa_to_va(vq->mem, d.addr, d.len, NULL);
			if (!table || (d.addr & 1)) {
				vq_bad(vq, "indirect table at 0x%llx unmapped or misaligned",
				       (unsigned long long)d.addr);
				return -EFAULT;
			}
			tsize = d.len / sizeof(struct vq_desc);
			indirect = true;
			i = 0;
			continue;
		}
		if (++steps > tsize) {
			vq_bad(vq, "descriptor chain loops or is longer than %u",
			       tsize);
			return -ELOOP;
		}
		total += d.len;
		if (total > UINT32_MAX) {
			vq_bad(vq, "descriptor chain longer than 4 GiB");
			return -E2BIG;
		}
		if (!(d.flags & VQ_DESC_F_WRITE) && elem->nwr) {
			vq_bad(vq, "readable descriptor after a writable one");
			return -EINVAL;
		}
		if (d.len) {
			int before = elem->nrd + elem->nwr;
			uint64_t addr = d.addr, left = d.len;

			if (addr + left - 1 < addr) {
				vq_bad(vq, "buffer 0x%llx+%u wraps",
				       (unsigned long long)addr, d.len);
				return -EINVAL;
			}
			while (left) {
				uint64_t in_region, chunk;
				void *p = vq_gpa_to_va(vq->mem, addr, 0,
						       &in_region);

				if (!p) {
					vq_bad(vq, "buffer at 0x%llx is outside guest memory",
					       (unsigned long long)addr);
					return -EFAULT;
				}
				if (before >= VQ_MAX_IOV) {
					vq_bad(vq, "chain needs more than %d iovecs",
					       VQ_MAX_IOV);
					return -E2BIG;
				}
				chunk = left < in_region ? left : in_region;
				elem->iov[before].iov_base = p;
				elem->iov[before].iov_len = chunk;
				before++;
				addr += chunk;
				left -= chunk;
				if (d.flags & VQ_DESC_F_WRITE)
					elem->nwr++;
				else
					elem->nrd++;
			}
		}
		if (!(d.flags & VQ_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= tsize) {
			vq_bad(vq, "next index %u out of range %u", i, tsize);
			return -EINVAL;
		}
	}
}

int vq_pop(struct virtqueue *vq, struct vq_elem *elem)
{
	uint16_t avail_idx, pending, head;

	if (!vq->num)
		return VQ_POP_EMPTY;
	if (vq->broken)
		return VQ_POP_BROKEN;
	avail_idx = le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	pending = (uint16_t)(avail_idx - vq->last_avail_idx);
	if (!pending)
		return VQ_POP_EMPTY;
	if (pending > vq->num) {
		vq_bad(vq, "avail index %u runs %u ahead of %u (queue size %u)",
		       avail_idx, pending, vq->last_avail_idx, vq->num);
		vq->broken = true;
		return VQ_POP_BROKEN;
	}
	head = le16toh(__atomic_load_n(&vq->avail->ring[vq->last_avail_idx % vq->num],
				       __ATOMIC_RELAXED));
	if (head >= vq->num) {
		/* there is no valid head to give back: the ring is unusable */
		vq_bad(vq, "avail head %u out of range %u", head, vq->num);
		vq->broken = true;
		return VQ_POP_BROKEN;
	}
	vq->last_avail_idx++;
	elem->head = head;
	if (vq_walk_chain(vq, elem) < 0) {
		elem->nrd = 0;
		elem->nwr = 0;
		return VQ_POP_BAD_CHAIN;
	}
	return VQ_POP_OK;
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	struct vq_used_elem *e;

	if (!vq->num || vq->broken)
		return;
	e = &vq->used->ring[vq->used_idx % vq->num];
	e->id = htole32(head);
	e->len = htole32(len);
	vq->used_idx++;
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
}

bool vq_should_notify(struct virtqueue *vq)
{
	uint16_t old, new, event;
	bool valid;

	if (!vq->num)
		return false;
	/* our used->idx store must be visible before we read the guest's wish */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(le16toh(__atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED)) &
			 VQ_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	new = vq->used_idx;
	vq->signalled_used = new;
	vq->signalled_used_valid = true;
	if (!valid)
		return true;
	event = le16toh(__atomic_load_n(&vq->avail->ring[vq->num], __ATOMIC_RELAXED));
	/* vring_need_event(): did used idx step past used_event since old? */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

bool vq_prepare_wait(struct virtqueue *vq)
{
	uint16_t *avail_event;

	if (!vq->num || vq->broken)
		return false;
	if (vq->event_idx) {
		avail_event = (uint16_t *)&vq->used->ring[vq->num];
		__atomic_store_n(avail_event, htole16(vq->last_avail_idx),
				 __ATOMIC_RELAXED);
	}
	/* publish avail_event before re-reading avail->idx */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE)) !=
	       vq->last_avail_idx;
}
