/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Folios for kernels without them (before 5.16).  The driver only ever
 * uses single-page folios, so there a folio is just its page: struct folio
 * wraps struct page and every helper maps to the page one.  The address
 * space operations that take a folio get a page-based adapter, defined at
 * the table with VNG_DEFINE_*_ADAPTER(fn).  Included by compat.h.
 */
#ifndef VNG_COMPAT_FOLIO_H
#define VNG_COMPAT_FOLIO_H

#ifndef HAVE_FOLIO
struct folio {
	struct page page;
};

static inline struct folio *page_folio(struct page *page)
{
	return container_of(compound_head(page), struct folio, page);
}

static inline struct page *folio_page(struct folio *folio, unsigned long n)
{
	return &folio->page + n;
}

static inline loff_t folio_pos(struct folio *folio)
{
	return page_offset(&folio->page);
}

static inline void folio_mark_uptodate(struct folio *folio)
{
	SetPageUptodate(&folio->page);
}

static inline void folio_unlock(struct folio *folio)
{
	unlock_page(&folio->page);
}

static inline bool folio_clear_dirty_for_io(struct folio *folio)
{
	return clear_page_dirty_for_io(&folio->page);
}

static inline bool folio_mark_dirty(struct folio *folio)
{
	return set_page_dirty(&folio->page);
}

static inline void folio_wait_writeback(struct folio *folio)
{
	wait_on_page_writeback(&folio->page);
}

#endif

/*
 * Address space operations that take a folio (5.18/5.19); before, the
 * driver's folio function gets a page-based adapter defined next to the
 * table with VNG_DEFINE_*_ADAPTER(fn).
 */
#ifdef HAVE_AOPS_READ_FOLIO
#define VNG_DEFINE_READ_FOLIO_ADAPTER(fn)
#define VNG_AOPS_READ_FOLIO(fn)		.read_folio = (fn)
#else
#define VNG_DEFINE_READ_FOLIO_ADAPTER(fn)				\
static int fn##_page(struct file *file, struct page *page)		\
{									\
	return fn(file, page_folio(page));				\
}

#define VNG_AOPS_READ_FOLIO(fn)		.readpage = fn##_page
#endif

#ifdef HAVE_AOPS_DIRTY_FOLIO
#define VNG_DEFINE_LAUNDER_FOLIO_ADAPTER(fn)
#define VNG_AOPS_LAUNDER_FOLIO(fn)	.launder_folio = (fn)
#define VNG_AOPS_DIRTY_FOLIO		.dirty_folio = filemap_dirty_folio
#else
#define VNG_DEFINE_LAUNDER_FOLIO_ADAPTER(fn)				\
static int fn##_page(struct page *page)				\
{									\
	return fn(page_folio(page));					\
}

#define VNG_AOPS_LAUNDER_FOLIO(fn)	.launder_page = fn##_page
#define VNG_AOPS_DIRTY_FOLIO		.set_page_dirty = __set_page_dirty_nobuffers
#endif

#ifndef HAVE_FOLIO_INODE
static inline struct inode *folio_inode(struct folio *folio)
{
	return folio_page(folio, 0)->mapping->host;
}
#endif

#ifndef HAVE_KMAP_LOCAL
/* Callers keep kmap_local mappings short and do not sleep under them. */
static inline void *kmap_local_folio(struct folio *folio, size_t offset)
{
	return kmap_atomic(folio_page(folio, 0)) + offset;
}

#define kunmap_local(addr)	kunmap_atomic(addr)
#endif

#endif /* VNG_COMPAT_FOLIO_H */
