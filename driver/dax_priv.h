/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the DAX window, shared by dax_*.c only (dax.h lists the
 * calls the rest of the driver makes).
 *
 * The window (shared memory region 0 of the device) is cut into ranges of
 * VNG_DAX_RANGE_SIZE bytes.  A range is free, or maps one range-aligned
 * piece of one file: it then sits in that inode's interval tree and on the
 * window's busy list (oldest first, for reclaim).
 *
 * Locks, outermost first:
 *   inode_lock                  read/write paths, truncate, fallocate
 *   vng_dax_inode.fault_lock    faults (shared) against anything that
 *                               takes a range away or cuts the file (excl.)
 *   vng_dax_inode.sem           the inode's tree; taken exclusively to
 *                               add, upgrade or remove a mapping
 *   vng_dax.lock (spinlock)     free and busy lists, counters, range owner
 * A range in use by an iomap operation holds range->users: it is never
 * taken away then.
 */
#ifndef VNG_DAX_PRIV_H
#define VNG_DAX_PRIV_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat/dax.h"
#include "dax.h"
#include "fs.h"
#include "transport.h"

/* 2 MiB: a PMD, so faults can map huge pages where the range is aligned */
#define VNG_DAX_RANGE_SHIFT	21
#define VNG_DAX_RANGE_SIZE	BIT_ULL(VNG_DAX_RANGE_SHIFT)
/* below this share of free ranges the background worker reclaims */
#define VNG_DAX_FREE_PERCENT	20
/* ranges the worker takes back per run before it yields */
#define VNG_DAX_RECLAIM_BATCH	16
/* a window smaller than this is no use (and a host bug) */
#define VNG_DAX_MIN_RANGES	1

struct vng_dax_range {
	/* interval tree node: file bytes [start, last] while mapped */
	struct rb_node rb;
	u64 start;
	u64 last;
	u64 subtree_last;

	struct list_head entry;		/* on vng_dax.free or .busy */
	struct inode *inode;		/* owner while mapped; under dax->lock */
	u64 moffset;			/* offset in the window */
	atomic_t users;			/* iomap operations using it */
	bool writable;			/* mapped FUSE_SETUPMAPPING_FLAG_WRITE */
};

/* vng_inode.dax of a DAX inode */
struct vng_dax_inode {
	struct rw_semaphore fault_lock;
	/*
	 * The task holding fault_lock exclusively for a truncate, a hole
	 * or a host cut (dax_io.c), and what the host cut meanwhile: a
	 * reply that task receives with a smaller size must not take
	 * fault_lock again.  Both change only under fault_lock (excl.).
	 */
	struct task_struct *blocker;
	loff_t host_cut;		/* LLONG_MAX: none pending */
	struct rw_semaphore sem;
	struct rb_root_cached tree;
	unsigned long nr;		/* ranges in the tree */
};

/* One device's window (vng_dev.dax); outlives the virtio device. */
struct vng_dax {
	struct vng_dev *dev;
	struct dax_device *dax_dev;
	struct dev_pagemap *pgmap;	/* devm: goes with the virtio device */
	void *kaddr;			/* the window in the kernel's map */
	phys_addr_t phys;
	u64 len;
	/* set before kill_dax(): no new mapping, fs/dax stops using it */
	bool killed;

	struct vng_dax_range *ranges;
	unsigned long nr_ranges;

	spinlock_t lock;		/* the lists, nr_free, range owners */
	struct list_head free;
	struct list_head busy;
	unsigned long nr_free;
	wait_queue_head_t free_wq;	/* woken whenever a range is freed */
	atomic_t waiters;		/* tasks waiting on free_wq */
	/*
	 * The host refused a mapping for want of room (ENOSPC: QEMU lists
	 * every mapping in a vhost-user memory table of 512 slots, fewer
	 * than a large window has ranges): free ranges are no use until
	 * a mapped one has gone (under lock; read without it).
	 */
	bool host_full;

	struct delayed_work reclaim_work;
	bool stopping;			/* under lock: no more requeues */

	/* statistics for sysfs */
	atomic64_t mappings;		/* SETUPMAPPING done */
	atomic64_t reclaims;		/* ranges taken back by reclaim */
	atomic64_t removals;		/* REMOVEMAPPING entries sent */
};

static inline struct vng_dax_inode *vng_dax_i(const struct inode *inode)
{
	return vng_i(inode)->dax;
}

/* dax_dev.c: the window if the session can use it, else NULL */
struct vng_dax *vng_dax_of_conn(const struct vng_conn *conn);
static inline struct vng_dax *vng_dax_of_inode(const struct inode *inode)
{
	return vng_dax_of_conn(vng_i_conn(inode));
}

/* The window a DAX inode's ranges come from, usable or not (removal). */
static inline struct vng_dax *vng_dax_owner(const struct inode *inode)
{
	return vng_i_conn(inode)->dev->dax;
}

/* dax_io.c */
extern const struct address_space_operations vng_dax_aops;

/* dax_range.c */
/* the range mapping file offset pos, with users raised; NULL when none */
struct vng_dax_range *vng_dax_lookup(struct inode *inode, loff_t pos);
/*
 * Maps the range containing pos (writable if asked), taking a free range
 * (fault: -EAGAIN when none; otherwise reclaims inline or waits).  Returns
 * it with users raised, or an ERR_PTR.
 */
struct vng_dax_range *vng_dax_map(struct inode *inode, loff_t pos,
				  bool writable, bool fault);
void vng_dax_range_put(struct vng_dax *dax, struct vng_dax_range *r);
/* takes a free range off the free list; NULL when there is none */
struct vng_dax_range *vng_dax_alloc_range(struct vng_dax *dax);
/*
 * Takes one mapped range away from its inode: unmaps it, writes back,
 * drops the dax entries, sends REMOVEMAPPING and frees it.  The caller
 * holds di->fault_lock exclusively.  -EBUSY when it is in use or pinned.
 */
int vng_dax_reclaim_range(struct inode *inode, struct vng_dax_range *r);
/*
 * The window is dead (kill_dax() done) and nothing maps or pins the
 * inode's pages (fault_lock held excl.): drops its dax entries and gives
 * back every range without REMOVEMAPPING (the device is reset).
 */
void vng_dax_drop_ranges(struct inode *inode);
/* Removes the ranges wholly in [start, end) (fault_lock held excl.). */
void vng_dax_free_ranges(struct inode *inode, loff_t start, loff_t end);
struct vng_dax_range *vng_dax_tree_first(struct vng_dax_inode *di, u64 start,
					 u64 last);

/* dax_io.c: the device goes: unmaps, unpins, drops all of inode's ranges */
void vng_dax_inode_gone(struct inode *inode);

/* dax_reclaim.c */
void vng_dax_reclaim_init(struct vng_dax *dax);
void vng_dax_reclaim_stop(struct vng_dax *dax);
/* kicks the worker when free ranges are short */
void vng_dax_reclaim_kick(struct vng_dax *dax, bool now);
/* a range for inode, reclaiming one of its own or waiting for one */
struct vng_dax_range *vng_dax_reclaim_for(struct inode *inode);
/* waits (killable) until a range is free and the host has room; 0 or -EINTR */
int vng_dax_wait_free(struct vng_dax *dax);
/* reclaims one of inode's own ranges nobody uses; 0 when it did */
int vng_dax_reclaim_own(struct inode *inode);
/* device removal (window killed, worker stopped): every range comes back */
void vng_dax_reclaim_all(struct vng_dax *dax);

#endif
