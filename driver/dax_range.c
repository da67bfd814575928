// SPDX-License-Identifier: GPL-2.0
/*
 * Ranges of the DAX window (dax_priv.h): the free list, each inode's
 * interval tree of mapped ranges, FUSE_SETUPMAPPING / FUSE_REMOVEMAPPING,
 * and what an inode's setup and eviction do with them.
 */
#include <linux/delay.h>
#include <linux/interval_tree_generic.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/writeback.h>

#include "dax_priv.h"
#include "request.h"

#define VNG_RANGE_START(r)	((r)->start)
#define VNG_RANGE_LAST(r)	((r)->last)

INTERVAL_TREE_DEFINE(struct vng_dax_range, rb, u64, subtree_last,
		     VNG_RANGE_START, VNG_RANGE_LAST, static, vng_dax_it)

/* REMOVEMAPPING entries sent in one request at eviction */
#define VNG_DAX_REMOVE_BATCH	16
/* writeback + invalidation passes before reclaim leaves a range be */
#define VNG_DAX_DROP_PASSES	3

struct vng_dax_range *vng_dax_tree_first(struct vng_dax_inode *di, u64 start,
					 u64 last)
{
	return vng_dax_it_iter_first(&di->tree, start, last);
}

static struct vng_dax_range *vng_dax_tree_next(struct vng_dax_range *r,
					       u64 start, u64 last)
{
	return vng_dax_it_iter_next(r, start, last);
}

/* ---- the free list ----------------------------------------------------- */

static bool vng_dax_short_locked(struct vng_dax *dax)
{
	return dax->nr_free * 100 < dax->nr_ranges * VNG_DAX_FREE_PERCENT;
}

struct vng_dax_range *vng_dax_alloc_range(struct vng_dax *dax)
{
	struct vng_dax_range *r;
	bool kick;

	spin_lock(&dax->lock);
	r = list_first_entry_or_null(&dax->free, struct vng_dax_range, entry);
	if (r) {
		list_del_init(&r->entry);
		dax->nr_free--;
	}
	kick = vng_dax_short_locked(dax);
	spin_unlock(&dax->lock);
	if (kick)
		vng_dax_reclaim_kick(dax, false);
	return r;
}

/* mapped: the host had it mapped, so it has room for one more now */
static void vng_dax_range_release(struct vng_dax *dax, struct vng_dax_range *r,
				  bool mapped)
{
	spin_lock(&dax->lock);
	if (mapped)
		WRITE_ONCE(dax->host_full, false);
	r->inode = NULL;
	r->writable = false;
	atomic_set(&r->users, 0);
	list_move_tail(&r->entry, &dax->free);
	dax->nr_free++;
	spin_unlock(&dax->lock);
	wake_up_all(&dax->free_wq);
}

void vng_dax_range_put(struct vng_dax *dax, struct vng_dax_range *r)
{
	atomic_dec(&r->users);
}

/* ---- requests ---------------------------------------------------------- */

static int vng_dax_setupmapping(struct inode *inode, struct vng_dax_range *r,
				u64 foffset, bool writable)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct fuse_setupmapping_in in = {
		.fh = (u64)-1,		/* by node, not by open file */
		.foffset = foffset,
		.len = VNG_DAX_RANGE_SIZE,
		.flags = FUSE_SETUPMAPPING_FLAG_READ |
			 (writable ? FUSE_SETUPMAPPING_FLAG_WRITE : 0),
		.moffset = r->moffset,
	};
	struct vng_args args = {
		.opcode = FUSE_SETUPMAPPING,
		.nodeid = vng_nodeid(inode),
		.in_numargs = 1,
		.in_args[0] = { sizeof(in), &in },
	};
	ssize_t ret;

	ret = vng_request(conn, &args);
	if (ret > 0)
		ret = 0;	/* no reply payload is expected; ignore extra */
	if (ret == -ENOSYS) {
		vng_conn_err(conn, "host does not implement FUSE_SETUPMAPPING: DAX I/O fails");
		ret = -EIO;
	} else if (ret && ret != -EINTR && ret != -ENOTCONN &&
		   ret != -ENOSPC) {
		vng_conn_err(conn, "SETUPMAPPING of node %llu at %llu (%s): error %zd",
			     vng_nodeid(inode), foffset, writable ? "rw" : "ro",
			     ret);
	}
	if (!ret)
		atomic64_inc(&vng_dax_owner(inode)->mappings);
	return ret;
}

static void vng_dax_removemapping(struct inode *inode,
				  struct fuse_removemapping_one *one,
				  unsigned int n)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct fuse_removemapping_in in = { .count = n };
	struct vng_args args = {
		.opcode = FUSE_REMOVEMAPPING,
		.nodeid = vng_nodeid(inode),
		.in_numargs = 2,
		.in_args[0] = { sizeof(in), &in },
		.in_args[1] = { n * sizeof(*one), one },
		/* the range is reused next: the host must hear of it */
		.force = true,
	};
	ssize_t ret;

	if (!n)
		return;
	ret = vng_request(conn, &args);
	if (ret < 0 && ret != -ENOTCONN)
		vng_conn_err(conn, "REMOVEMAPPING of %u range%s of node %llu: error %zd",
			     n, n == 1 ? "" : "s", vng_nodeid(inode), ret);
	atomic64_add(n, &vng_dax_owner(inode)->removals);
}

/* ---- lookup and mapping ------------------------------------------------ */

struct vng_dax_range *vng_dax_lookup(struct inode *inode, loff_t pos)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	struct vng_dax_range *r;

	down_read(&di->sem);
	r = vng_dax_tree_first(di, pos, pos);
	if (r)
		atomic_inc(&r->users);
	up_read(&di->sem);
	return r;
}

/* Makes a mapped range writable (users held by the caller). */
static int vng_dax_upgrade(struct inode *inode, struct vng_dax_range *r)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	int err = 0;

	down_write(&di->sem);
	if (!r->writable) {
		err = vng_dax_setupmapping(inode, r, r->start, true);
		if (!err)
			r->writable = true;
	}
	up_write(&di->sem);
	return err;
}

/*
 * The host has no room for another mapping (ENOSPC), though the window
 * has free ranges: one mapped range must go first.  0 when the caller
 * should try again: a read or write took back one of its inode's own, or
 * waited for the worker, which host_full sets going (the next range given
 * back clears it).  A fault cannot take one back (it holds fault_lock):
 * -EAGAIN, it waits and faults again.  -ENOSPC when nothing of this
 * window is mapped: the room went to others.
 */
static int vng_dax_host_full(struct inode *inode, bool fault)
{
	struct vng_dax *dax = vng_dax_owner(inode);

	if (READ_ONCE(dax->nr_free) >= dax->nr_ranges)
		return -ENOSPC;
	if (!fault && !vng_dax_reclaim_own(inode)) {
		atomic64_inc(&dax->reclaims);
		return 0;
	}
	spin_lock(&dax->lock);
	WRITE_ONCE(dax->host_full, true);
	spin_unlock(&dax->lock);
	if (fault)
		return -EAGAIN;
	return vng_dax_wait_free(dax);
}

struct vng_dax_range *vng_dax_map(struct inode *inode, loff_t pos,
				  bool writable, bool fault)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	struct vng_dax *dax = vng_dax_of_inode(inode);
	u64 start = round_down((u64)pos, VNG_DAX_RANGE_SIZE);
	struct vng_dax_range *r, *nr;
	int err;

	if (!dax)
		return ERR_PTR(-EIO);
again:
	r = vng_dax_lookup(inode, pos);
	if (r) {
		if (!writable || r->writable)
			return r;
		err = vng_dax_upgrade(inode, r);
		if (err) {
			vng_dax_range_put(dax, r);
			return ERR_PTR(err);
		}
		return r;
	}

	nr = vng_dax_alloc_range(dax);
	if (!nr) {
		/* a fault holds fault_lock shared: it cannot reclaim */
		if (fault)
			return ERR_PTR(-EAGAIN);
		nr = vng_dax_reclaim_for(inode);
		if (IS_ERR(nr))
			return nr;
	}

	down_write(&di->sem);
	if (vng_dax_tree_first(di, pos, pos)) {
		/* mapped by someone else meanwhile */
		up_write(&di->sem);
		vng_dax_range_release(dax, nr, false);
		goto again;
	}
	err = vng_dax_setupmapping(inode, nr, start, writable);
	if (err) {
		up_write(&di->sem);
		/* interrupted: the host may have mapped it; make sure not */
		if (err == -EINTR) {
			struct fuse_removemapping_one one = {
				.moffset = nr->moffset,
				.len = VNG_DAX_RANGE_SIZE,
			};

			vng_dax_removemapping(inode, &one, 1);
		}
		vng_dax_range_release(dax, nr, false);
		if (err == -ENOSPC) {
			err = vng_dax_host_full(inode, fault);
			if (!err)
				goto again;
		}
		return ERR_PTR(err);
	}
	nr->start = start;
	nr->last = start + VNG_DAX_RANGE_SIZE - 1;
	nr->writable = writable;
	atomic_set(&nr->users, 1);
	vng_dax_it_insert(nr, &di->tree);
	di->nr++;
	spin_lock(&dax->lock);
	nr->inode = inode;
	list_add_tail(&nr->entry, &dax->busy);
	spin_unlock(&dax->lock);
	up_write(&di->sem);
	return nr;
}

/* ---- taking ranges away ------------------------------------------------ */

/* Out of the tree and the busy list; di->sem held exclusively. */
static void vng_dax_unlink_locked(struct vng_dax *dax,
				  struct vng_dax_inode *di,
				  struct vng_dax_range *r)
{
	vng_dax_it_remove(r, &di->tree);
	RB_CLEAR_NODE(&r->rb);
	di->nr--;
	spin_lock(&dax->lock);
	list_del_init(&r->entry);
	r->inode = NULL;
	spin_unlock(&dax->lock);
}

/*
 * Writes back what was stored through mappings of file bytes [start,
 * last] and drops their dax entries; -EBUSY when one stays (faults are
 * blocked).  An entry left behind would point its file offset at the
 * range's pages after they went to another file or offset.  One pass can
 * leave one: an fsync running meanwhile tags the entry we are flushing
 * for writeback once more (it is still dirty then), and invalidation
 * refuses a tagged entry.  The next pass writes it back and clears the
 * tag, and nothing dirties an entry again while faults wait.
 */
static int vng_dax_writeback_drop(struct inode *inode, u64 start, u64 last)
{
	struct address_space *mapping = inode->i_mapping;
	struct writeback_control wbc = {
		.sync_mode = WB_SYNC_ALL,
		.nr_to_write = LONG_MAX,
		.range_start = start,
		.range_end = last,
	};
	unsigned int pass;

	for (pass = 0; pass < VNG_DAX_DROP_PASSES; pass++) {
		/*
		 * Straight to fs/dax: filemap_fdatawrite_range() skips a
		 * mapping with no dirty entry, and an entry that is only
		 * tagged for writeback is what a second pass is for.
		 */
		if (dax_writeback_mapping_range(mapping,
						vng_dax_owner(inode)->dax_dev,
						&wbc))
			return -EBUSY;
		if (!invalidate_inode_pages2_range(mapping, start >> PAGE_SHIFT,
						   last >> PAGE_SHIFT))
			return 0;
	}
	return -EBUSY;
}

int vng_dax_reclaim_range(struct inode *inode, struct vng_dax_range *r)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	struct vng_dax *dax = vng_dax_owner(inode);
	struct address_space *mapping = inode->i_mapping;
	struct fuse_removemapping_one one;
	u64 start, last;

	down_read(&di->sem);
	if (vng_dax_tree_first(di, r->start, r->start) != r ||
	    atomic_read(&r->users)) {
		up_read(&di->sem);
		return -EBUSY;
	}
	start = r->start;
	last = r->last;
	up_read(&di->sem);

	/*
	 * No process may keep the range mapped: this unmaps it everywhere
	 * and names a page still pinned (get_user_pages, DMA).
	 */
	if (dax_layout_busy_page_range(mapping, start, last))
		return -EBUSY;
	/*
	 * An entry left behind keeps the range, as fs/fuse keeps its
	 * mapping; reclaim tries again later.
	 */
	if (vng_dax_writeback_drop(inode, start, last))
		return -EBUSY;

	down_write(&di->sem);
	if (vng_dax_tree_first(di, start, start) != r ||
	    atomic_read(&r->users)) {
		up_write(&di->sem);
		return -EBUSY;
	}
	vng_dax_unlink_locked(dax, di, r);
	up_write(&di->sem);

	one.moffset = r->moffset;
	one.len = VNG_DAX_RANGE_SIZE;
	vng_dax_removemapping(inode, &one, 1);
	vng_dax_range_release(dax, r, true);
	return 0;
}

void vng_dax_drop_ranges(struct inode *inode)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	struct vng_dax *dax = vng_dax_owner(inode);
	struct address_space *mapping = inode->i_mapping;
	struct vng_dax_range *r;

	/* what was stored through mappings leaves the CPU caches first */
	filemap_fdatawrite(mapping);
	truncate_inode_pages(mapping, 0);
	for (;;) {
		down_write(&di->sem);
		r = vng_dax_tree_first(di, 0, U64_MAX);
		if (r && atomic_read(&r->users)) {
			/* an iomap operation ends at once: fs/dax fails it */
			up_write(&di->sem);
			usleep_range(1000, 2000);
			continue;
		}
		if (r)
			vng_dax_unlink_locked(dax, di, r);
		up_write(&di->sem);
		if (!r)
			break;
		vng_dax_range_release(dax, r, true);
	}
}

void vng_dax_free_ranges(struct inode *inode, loff_t start, loff_t end)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	struct vng_dax_range *r;
	u64 pos = start;

	if (start < 0 || start >= end)
		return;
	for (;;) {
		down_read(&di->sem);
		r = vng_dax_tree_first(di, pos, (u64)end - 1);
		/* only ranges wholly inside [start, end) */
		while (r && (r->start < (u64)start || r->last >= (u64)end))
			r = vng_dax_tree_next(r, pos, (u64)end - 1);
		up_read(&di->sem);
		if (!r)
			break;
		pos = r->last + 1;
		/* busy ones stay; reclaim takes them later */
		vng_dax_reclaim_range(inode, r);
		if (pos >= (u64)end || !pos)
			break;
	}
}

/* ---- inodes ------------------------------------------------------------ */

void vng_dax_inode_init(struct inode *inode, const struct fuse_attr *attr)
{
	struct vng_sb *vsb = vng_sb(inode->i_sb);
	struct vng_inode *vi = vng_i(inode);
	struct vng_dax_inode *di;
	bool want;

	if (vi->dax)
		return;
	switch (vsb->opts.dax) {
	case VNG_DAX_ALWAYS:
		want = true;
		break;
	case VNG_DAX_INODE:
		want = attr->flags & FUSE_ATTR_DAX;
		break;
	default:
		want = false;
		break;
	}
	if (!want || !vng_dax_of_conn(vsb->conn))
		return;
	di = kzalloc(sizeof(*di), GFP_KERNEL);
	if (!di) {
		/* still a working file, through the page cache */
		vng_conn_warn(vsb->conn, "no memory for DAX state of node %llu: page cache used",
			      vi->nodeid);
		return;
	}
	init_rwsem(&di->fault_lock);
	di->host_cut = LLONG_MAX;
	init_rwsem(&di->sem);
	di->tree = RB_ROOT_CACHED;
	vi->dax = di;
	inode->i_flags |= S_DAX;
	inode->i_data.a_ops = &vng_dax_aops;
	set_bit(VNG_I_DAX, &vi->state);
}

/*
 * dax=inode: the host now wants the other mode for this file
 * (FUSE_ATTR_DAX moved: the in-repo backend's chmod +t rule, say).  The
 * mode is fixed while the inode lives, so it goes at its last use instead
 * of staying cached until memory pressure (fs/fuse does the same): the
 * next lookup reads it in with the new mode.  Not under vi->lock:
 * d_mark_dontcache() takes the inode's and its dentries' locks.
 */
void vng_dax_attr_changed(struct inode *inode, const struct fuse_attr *attr)
{
	struct vng_sb *vsb = vng_sb(inode->i_sb);
	bool want = attr->flags & FUSE_ATTR_DAX;

	if (vsb->opts.dax != VNG_DAX_INODE || !vng_dax_of_conn(vsb->conn))
		return;
	if (want != !!vng_i(inode)->dax)
		d_mark_dontcache(inode);
}

void vng_dax_evict(struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);
	struct vng_dax_inode *di = vi->dax;
	struct fuse_removemapping_one one[VNG_DAX_REMOVE_BATCH];
	struct vng_dax_range *done[VNG_DAX_REMOVE_BATCH];
	struct vng_dax *dax = vng_dax_of_inode(inode);
	struct vng_dax *owner = vng_dax_owner(inode);
	struct vng_dax_range *r;
	unsigned int n, i;

	if (!di)
		return;
	/* 6.15+: fs/dax holds page references until told to let go */
	dax_break_layout_final(inode);
	truncate_inode_pages_final(&inode->i_data);

	/* nobody can use the inode now: every range goes back */
	do {
		n = 0;
		down_write(&di->sem);
		while (n < VNG_DAX_REMOVE_BATCH &&
		       (r = vng_dax_tree_first(di, 0, U64_MAX))) {
			vng_dax_unlink_locked(owner, di, r);
			one[n].moffset = r->moffset;
			one[n].len = VNG_DAX_RANGE_SIZE;
			done[n++] = r;
		}
		up_write(&di->sem);
		if (dax)
			vng_dax_removemapping(inode, one, n);
		for (i = 0; i < n; i++)
			vng_dax_range_release(owner, done[i], true);
	} while (n);

	vi->dax = NULL;
	kfree(di);
}
