// SPDX-License-Identifier: GPL-2.0
/*
 * The data path of a DAX inode (dax.h): fs/dax does the copying and the
 * page table work; we answer its iomap questions with window offsets,
 * mapping ranges on demand.  read(2) and write(2) go through
 * dax_iomap_rw(), mmap faults through dax_iomap_fault() (PMD-sized where
 * the range and the mapping allow), fsync through the dax writeback.
 *
 * A write that grows the file is sent as FUSE_WRITE instead: the host's
 * file must be long enough before its pages are touched through a
 * mapping, or the VMM faults on the host.  So is one that must drop
 * suid/sgid where the host is the one to drop them (HANDLE_KILLPRIV).
 */
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <linux/writeback.h>

#include "dax_priv.h"
#include "data.h"

/* ---- iomap ------------------------------------------------------------- */

static int vng_dax_iomap_begin(struct inode *inode, loff_t pos, loff_t length,
			       unsigned int flags, struct iomap *iomap,
			       struct iomap *srcmap)
{
	struct vng_dax *dax = vng_dax_of_inode(inode);
	bool write = flags & IOMAP_WRITE;
	loff_t size = i_size_read(inode);
	struct vng_dax_range *r;
	loff_t off, len;

	if (!dax || !vng_dax_i(inode))
		return -EIO;
	if (flags & IOMAP_REPORT)
		return -EOPNOTSUPP;
	iomap->offset = pos;
	iomap->flags = 0;
	iomap->bdev = NULL;
	iomap->dax_dev = dax->dax_dev;
	iomap->private = NULL;

	if (pos >= size) {
		/*
		 * Past the end nothing is mapped: the host's file ends
		 * there.  Writes that grow the file do not come here.
		 */
		if (write)
			return -EIO;
		iomap->addr = IOMAP_NULL_ADDR;
		iomap->length = length;
		iomap->type = IOMAP_HOLE;
		return 0;
	}

	r = vng_dax_map(inode, pos, write, flags & IOMAP_FAULT);
	if (IS_ERR(r))
		return PTR_ERR(r);
	off = pos - r->start;
	len = min_t(loff_t, length, VNG_DAX_RANGE_SIZE - off);
	if (pos + len > size)
		len = size - pos;
	/* a fault maps whole pages, the last one partly past the end */
	if (flags & IOMAP_FAULT)
		len = ALIGN(len, PAGE_SIZE);
	iomap->addr = r->moffset + off;
	iomap->length = len;
	iomap->type = IOMAP_MAPPED;
	iomap->private = r;
	return 0;
}

static int vng_dax_iomap_end(struct inode *inode, loff_t pos, loff_t length,
			     ssize_t written, unsigned int flags,
			     struct iomap *iomap)
{
	struct vng_dax_range *r = iomap->private;

	if (r)
		vng_dax_range_put(vng_dax_owner(inode), r);
	return 0;
}

static const struct iomap_ops vng_dax_iomap_ops = {
	.iomap_begin	= vng_dax_iomap_begin,
	.iomap_end	= vng_dax_iomap_end,
};

/* ---- read(2), write(2) ------------------------------------------------- */

ssize_t vng_dax_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	ssize_t ret;

	if (!iov_iter_count(to))
		return 0;
	/* reading at the end we know of: the host may have grown the file */
	if (iocb->ki_pos + iov_iter_count(to) > i_size_read(inode)) {
		ret = vng_update_attributes(inode, file, STATX_SIZE);
		if (ret)
			return ret;
	}
	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (!inode_trylock_shared(inode))
			return -EAGAIN;
	} else {
		inode_lock_shared(inode);
	}
	ret = dax_iomap_rw(iocb, to, &vng_dax_iomap_ops);
	inode_unlock_shared(inode);
	file_accessed(file);
	return ret;
}

/*
 * Would a write by the current task drop suid/sgid (the test of
 * file_remove_privs()), with the host the one to drop them?
 */
static bool vng_dax_write_drops_privs(struct inode *inode)
{
	struct vng_conn *conn = vng_i_conn(inode);
	umode_t mode = inode->i_mode;

	if (!vng_conn_has(conn, FUSE_HANDLE_KILLPRIV) &&
	    !vng_conn_has(conn, FUSE_HANDLE_KILLPRIV_V2))
		return false;
	if (!(mode & S_ISUID) &&
	    (mode & (S_ISGID | 0010)) != (S_ISGID | 0010))
		return false;
	return !capable(CAP_FSETID);
}

ssize_t vng_dax_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	ssize_t ret;

	if (iocb->ki_flags & IOCB_NOWAIT) {
		if (!inode_trylock(inode))
			return -EAGAIN;
	} else {
		inode_lock(inode);
	}
	ret = vng_write_checks(iocb, from, true);
	if (ret <= 0)
		goto out;
	/*
	 * The host grows the file (see the top of this file), and drops
	 * suid/sgid where it said it would (HANDLE_KILLPRIV): only on a
	 * WRITE, which a write through the window is not.
	 */
	if (iocb->ki_pos + iov_iter_count(from) > i_size_read(inode) ||
	    vng_dax_write_drops_privs(inode)) {
		inode_unlock(inode);
		return vng_direct_write_iter(iocb, from);
	}
	/* without HANDLE_KILLPRIV, a SETATTR of ours drops them */
	ret = file_remove_privs(file);
	if (ret)
		goto out;
	ret = dax_iomap_rw(iocb, from, &vng_dax_iomap_ops);
	if (ret > 0)
		vng_invalidate_attr_mask(inode, STATX_MTIME | STATX_CTIME |
					 STATX_BLOCKS);
out:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

/* ---- mmap -------------------------------------------------------------- */

static vm_fault_t vng_dax_fault_common(struct vm_fault *vmf,
				       vng_fault_order_t order, bool write)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct vng_dax_inode *di = vng_dax_i(inode);
	struct vng_dax *dax = vng_dax_of_inode(inode);
	struct super_block *sb = inode->i_sb;
	vng_pfn_t pfn;
	vm_fault_t ret;
	int error;

	if (!dax || !di)
		return VM_FAULT_SIGBUS;
	if (write) {
		sb_start_pagefault(sb);
		file_update_time(vmf->vma->vm_file);
	}
	for (;;) {
		error = 0;
		down_read(&di->fault_lock);
		ret = dax_iomap_fault(vmf, order, &pfn, &error,
				      &vng_dax_iomap_ops);
		if (!((ret & VM_FAULT_ERROR) && error == -EAGAIN))
			break;
		/*
		 * No free range, and a fault cannot take one back itself
		 * (it holds fault_lock): wait for the reclaim worker.
		 */
		up_read(&di->fault_lock);
		if (vng_dax_wait_free(dax)) {
			ret = VM_FAULT_SIGBUS;
			goto out;
		}
	}
	if (ret & VM_FAULT_NEEDDSYNC)
		ret = dax_finish_sync_fault(vmf, order, pfn);
	up_read(&di->fault_lock);
out:
	if (write)
		sb_end_pagefault(sb);
	return ret;
}

static vm_fault_t vng_dax_fault(struct vm_fault *vmf)
{
	return vng_dax_fault_common(vmf, VNG_FAULT_PTE,
				    (vmf->flags & FAULT_FLAG_WRITE) &&
				    !vmf->cow_page);
}

static vm_fault_t vng_dax_huge_fault(struct vm_fault *vmf,
				     vng_fault_order_t order)
{
	return vng_dax_fault_common(vmf, order,
				    (vmf->flags & FAULT_FLAG_WRITE) &&
				    !vmf->cow_page);
}

static vm_fault_t vng_dax_mkwrite(struct vm_fault *vmf)
{
	return vng_dax_fault_common(vmf, VNG_FAULT_PTE, true);
}

static const struct vm_operations_struct vng_dax_vm_ops = {
	.fault		= vng_dax_fault,
	.huge_fault	= vng_dax_huge_fault,
	.page_mkwrite	= vng_dax_mkwrite,
	.pfn_mkwrite	= vng_dax_mkwrite,
};

int vng_dax_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &vng_dax_vm_ops;
	vm_flags_set(vma, VM_MIXEDMAP | VM_HUGEPAGE);
	return 0;
}

/* ---- writeback --------------------------------------------------------- */

static int vng_dax_writepages(struct address_space *mapping,
			      struct writeback_control *wbc)
{
	struct vng_dax *dax = vng_dax_owner(mapping->host);

	/* flushes CPU caches of what was written through mappings */
	return dax_writeback_mapping_range(mapping, dax->dax_dev, wbc);
}

const struct address_space_operations vng_dax_aops = {
	.writepages	= vng_dax_writepages,
	.direct_IO	= noop_direct_IO,
	VNG_AOPS_DAX_DIRTY,
};

/* ---- truncate and punch hole ------------------------------------------- */

/*
 * fault_lock taken exclusively, remembering by whom: the section may send
 * requests whose replies carry a smaller size (a fallocate's SETATTR that
 * drops suid, say), and vng_dax_host_truncated() must then not take the
 * lock a second time.
 */
static void vng_dax_fault_lock_excl(struct vng_dax_inode *di)
{
	down_write(&di->fault_lock);
	WRITE_ONCE(di->blocker, current);
}

static void vng_dax_fault_unlock_excl(struct vng_dax_inode *di)
{
	WRITE_ONCE(di->blocker, NULL);
	up_write(&di->fault_lock);
}

/* fs/dax waits for a pinned page: let faults run meanwhile. */
static void vng_dax_layout_wait(struct inode *inode)
{
	struct vng_dax_inode *di = vng_dax_i(inode);

	vng_dax_fault_unlock_excl(di);
	schedule();
	vng_dax_fault_lock_excl(di);
}

/* No mapping past size from now on (fault_lock held exclusively). */
static void vng_dax_cut_locked(struct inode *inode, loff_t size)
{
	/* interrupted: pages stay until the next truncate or eviction */
	if (!vng_dax_break_layout(inode, size, LLONG_MAX, vng_dax_layout_wait))
		truncate_pagecache(inode, size);
	vng_dax_free_ranges(inode, round_up(size, VNG_DAX_RANGE_SIZE),
			    LLONG_MAX);
}

int vng_dax_block_faults(struct inode *inode, loff_t start, loff_t end)
{
	struct vng_dax_inode *di = vng_dax_i(inode);

	if (!IS_DAX(inode) || !di)
		return 0;
	vng_dax_fault_lock_excl(di);
	return vng_dax_break_layout(inode, start, end, vng_dax_layout_wait);
}

void vng_dax_unblock_faults(struct inode *inode, loff_t free_start,
			    loff_t free_end)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	loff_t cut;

	if (!IS_DAX(inode) || !di)
		return;
	/* a cut the host told us of while we held the lock */
	cut = di->host_cut;
	di->host_cut = LLONG_MAX;
	if (cut != LLONG_MAX)
		vng_dax_cut_locked(inode, cut);
	if (free_start >= 0 && free_start < free_end)
		vng_dax_free_ranges(inode, round_up(free_start,
						    VNG_DAX_RANGE_SIZE),
				    free_end);
	vng_dax_fault_unlock_excl(di);
}

void vng_dax_host_truncated(struct inode *inode, loff_t size)
{
	struct vng_dax_inode *di = vng_dax_i(inode);

	if (!di)
		return;
	/*
	 * Only this task sets blocker to itself, under the lock: reading
	 * our own value needs no lock.  Faults are blocked already; the
	 * cut is made when the section ends (vng_dax_unblock_faults()).
	 */
	if (READ_ONCE(di->blocker) == current) {
		di->host_cut = min(di->host_cut, size);
		return;
	}
	vng_dax_fault_lock_excl(di);
	vng_dax_cut_locked(inode, size);
	vng_dax_fault_unlock_excl(di);
}

/* ---- the device goes away ---------------------------------------------- */

/* How often removal says it still waits for a pinned page. */
#define VNG_DAX_PIN_WARN	(30 * HZ)

void vng_dax_inode_gone(struct inode *inode)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	unsigned long warn = jiffies + VNG_DAX_PIN_WARN;

	if (!di)
		return;
	vng_dax_fault_lock_excl(di);
	/*
	 * Unmapped from every process, and no page pinned (O_DIRECT, a
	 * GUP user): only then may the pages go.  A signal to the task
	 * removing the device must not cut the wait short.
	 */
	while (vng_dax_break_layout(inode, 0, LLONG_MAX, vng_dax_layout_wait)) {
		if (time_after(jiffies, warn)) {
			vng_dev_warn(vng_dax_owner(inode)->dev,
				     "node %llu: a DAX page is still pinned; removal waits\n",
				     vng_nodeid(inode));
			warn = jiffies + VNG_DAX_PIN_WARN;
		}
		vng_dax_fault_unlock_excl(di);
		msleep(20);
		vng_dax_fault_lock_excl(di);
	}
	vng_dax_drop_ranges(inode);
	vng_dax_fault_unlock_excl(di);
}
