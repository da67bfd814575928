/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fs-dax: the DAX window (driver/dax*.c) is written against the 6.1 API;
 * the signatures that changed between 5.10 and 7.x are spelled through
 * these macros.  Included by the DAX files only (dax_priv.h): the rest of
 * the driver never sees <linux/dax.h>.
 */
#ifndef VNG_COMPAT_DAX_H
#define VNG_COMPAT_DAX_H

#include <linux/bits.h>
#include <linux/dax.h>
#include <linux/iomap.h>
#include <linux/mm.h>
#include <linux/wait_bit.h>
#ifdef HAVE_PFN_T
#include <linux/pfn_t.h>
#endif

/* 6.17 dropped pfn_t: dax reports plain pfns. */
#ifdef HAVE_PFN_T
typedef pfn_t vng_pfn_t;
#define vng_phys_to_pfn(phys)	phys_to_pfn_t((phys), PFN_DEV | PFN_MAP)
#else
typedef unsigned long vng_pfn_t;
#define vng_phys_to_pfn(phys)	PHYS_PFN(phys)
#endif

/*
 * dax_operations.direct_access: 5.19 added the access mode, 6.17 the
 * plain pfn (through vng_pfn_t).
 */
#ifdef HAVE_DAX_ACCESS_MODE
#define VNG_DIRECT_ACCESS_ARGS(d, pgoff, nr, kaddr, pfn)		\
	struct dax_device *d, pgoff_t pgoff, long nr,			\
	enum dax_access_mode vng_mode, void **kaddr, vng_pfn_t *pfn
#else
#define VNG_DIRECT_ACCESS_ARGS(d, pgoff, nr, kaddr, pfn)		\
	struct dax_device *d, pgoff_t pgoff, long nr,			\
	void **kaddr, vng_pfn_t *pfn
#endif

/* 5.17: alloc_dax() lost the host name and the flags. */
static inline struct dax_device *vng_alloc_dax(void *private,
					       const struct dax_operations *ops)
{
#ifdef HAVE_ALLOC_DAX_2ARGS
	return alloc_dax(private, ops);
#else
	return alloc_dax(private, NULL, ops, 0);
#endif
}

/*
 * Fault sizes: enum page_entry_size up to 6.5, an order after.  The
 * driver passes the value through; vng_fault_order_t names its type.
 */
#ifdef HAVE_PAGE_ENTRY_SIZE
typedef enum page_entry_size vng_fault_order_t;
#define VNG_FAULT_PTE		PE_SIZE_PTE
#else
typedef unsigned int vng_fault_order_t;
#define VNG_FAULT_PTE		0
#endif

/* aops of a DAX file: nothing is ever dirty in a page cache */
#ifdef HAVE_AOPS_DIRTY_FOLIO
#define VNG_AOPS_DAX_DIRTY	.dirty_folio = noop_dirty_folio
#else
#define VNG_AOPS_DAX_DIRTY	.set_page_dirty = noop_set_page_dirty,	\
				.invalidatepage = noop_invalidatepage
#endif

/* FUSE 7.35 names, for uapi headers older than that (5.10) */
#ifndef FUSE_HAS_INODE_DAX
#define FUSE_HAS_INODE_DAX	BIT_ULL(33)
#endif
#ifndef FUSE_ATTR_DAX
#define FUSE_ATTR_DAX		BIT(1)
#endif

/* 6.3: vma->vm_flags became read-only; set them through the helper. */
#ifndef HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma,
				unsigned long flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * 6.15+ refcounts fs-dax pages: an inode must release them before it is
 * freed.  Older kernels keep no such references.
 */
#ifndef HAVE_DAX_BREAK_LAYOUT
static inline void dax_break_layout_final(struct inode *inode)
{
}
#endif

/*
 * Waits until no page of [start, end] (bytes, end inclusive; LLONG_MAX:
 * to the end) is pinned, after unmapping them from every process.  The
 * caller blocks new faults; wait() drops that lock, sleeps and retakes it.
 * 0, or -ERESTARTSYS when a signal came first.
 */
static inline int vng_dax_break_layout(struct inode *inode, loff_t start,
				       loff_t end,
				       void (*wait)(struct inode *inode))
{
#ifdef HAVE_DAX_BREAK_LAYOUT
	return dax_break_layout(inode, start, end, wait);
#else
	struct page *page;
	int err;

	for (;;) {
		page = dax_layout_busy_page_range(inode->i_mapping, start, end);
		if (!page)
			return 0;
		/* an idle fs-dax page holds one reference (before 6.15) */
		err = ___wait_var_event(&page->_refcount,
					atomic_read(&page->_refcount) == 1,
					TASK_INTERRUPTIBLE, 0, 0, wait(inode));
		if (err)
			return err;
	}
#endif
}

#endif /* VNG_COMPAT_DAX_H */
