/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page cache: the driver works on single pages (no large folios), with
 * the page-based helpers of 6.1.  Kernels that dropped them for folios
 * (7.x) get them back here, built on the folio API; included by compat.h.
 */
#ifndef VNG_COMPAT_MM_H
#define VNG_COMPAT_MM_H

/* 7.x: struct page lost ->index; the folio has it. */
#ifdef HAVE_PAGE_INDEX_MEMBER
#define vng_page_index(page)	((page)->index)
#else
#define vng_page_index(page)	(page_folio(page)->index)
#endif

/* Takes a reference like the old readahead_page(). */
#ifndef HAVE_READAHEAD_PAGE
static inline struct page *readahead_page(struct readahead_control *rac)
{
	struct folio *folio = __readahead_folio(rac);

	return folio ? folio_page(folio, 0) : NULL;
}
#endif

#ifndef HAVE_ZERO_USER
static inline void zero_user(struct page *page, unsigned int start,
			     unsigned int size)
{
	folio_zero_range(page_folio(page), start, size);
}
#endif

#ifndef HAVE_COPY_PAGE_FROM_ITER_ATOMIC
static inline size_t copy_page_from_iter_atomic(struct page *page,
						size_t offset, size_t bytes,
						struct iov_iter *i)
{
#ifdef HAVE_COPY_FOLIO_FROM_ITER_ATOMIC
	return copy_folio_from_iter_atomic(page_folio(page), offset, bytes, i);
#else
	/* the old helper did not advance the iterator */
	size_t n = iov_iter_copy_from_user_atomic(page, i, offset, bytes);

	iov_iter_advance(i, n);
	return n;
#endif
}
#endif

/* Returns the bytes it could not fault in, like the 5.16+ helper. */
#ifndef HAVE_FAULT_IN_IOV_ITER_READABLE
static inline size_t fault_in_iov_iter_readable(struct iov_iter *i,
						size_t bytes)
{
	return iov_iter_fault_in_readable(i, bytes) ? bytes : 0;
}
#endif

/* Pins user pages and advances the iterator past them (6.0+). */
#ifndef HAVE_IOV_ITER_GET_PAGES2
static inline ssize_t iov_iter_get_pages2(struct iov_iter *i,
					  struct page **pages, size_t maxsize,
					  unsigned int maxpages, size_t *start)
{
	ssize_t n = iov_iter_get_pages(i, pages, maxsize, maxpages, start);

	if (n > 0)
		iov_iter_advance(i, n);
	return n;
}
#endif

#ifndef HAVE_USER_BACKED_ITER
static inline bool user_backed_iter(const struct iov_iter *i)
{
	return iter_is_iovec(i);
}
#endif

/* A locked page cache page to write into, or NULL; as in 5.19 to 6.x. */
static inline struct page *
vng_grab_cache_page_write_begin(struct address_space *mapping, pgoff_t index)
{
#ifdef HAVE_GRAB_CACHE_PAGE_WRITE_BEGIN_2ARGS
	return grab_cache_page_write_begin(mapping, index);
#elif defined(HAVE_FILEMAP_GET_FOLIO)
	struct folio *folio;

	folio = __filemap_get_folio(mapping, index, FGP_WRITEBEGIN,
				    mapping_gfp_mask(mapping));
	return IS_ERR(folio) ? NULL : folio_page(folio, 0);
#else
	return grab_cache_page_write_begin(mapping, index, 0);
#endif
}

/*
 * write_cache_pages() with a page-based callback, however the kernel walks
 * dirty pages: writeback_iter() (6.10+; write_cache_pages() is gone in
 * 7.x), folio callbacks (6.3+) or page callbacks.
 */
typedef int (*vng_writepage_t)(struct page *page,
			       struct writeback_control *wbc, void *data);

#if !defined(HAVE_WRITEBACK_ITER) && defined(HAVE_WRITEPAGE_T_FOLIO)
struct vng_wcp {
	vng_writepage_t fn;
	void *data;
};

static inline int vng_wcp_folio(struct folio *folio,
				struct writeback_control *wbc, void *data)
{
	struct vng_wcp *w = data;

	return w->fn(folio_page(folio, 0), wbc, w->data);
}
#endif

static inline int vng_write_cache_pages(struct address_space *mapping,
					struct writeback_control *wbc,
					vng_writepage_t fn, void *data)
{
#if defined(HAVE_WRITEBACK_ITER)
	struct folio *folio = NULL;
	int err = 0;

	while ((folio = writeback_iter(mapping, wbc, folio, &err)))
		err = fn(folio_page(folio, 0), wbc, data);
	return err;
#elif defined(HAVE_WRITEPAGE_T_FOLIO)
	struct vng_wcp w = { .fn = fn, .data = data };

	return write_cache_pages(mapping, wbc, vng_wcp_folio, &w);
#else
	return write_cache_pages(mapping, wbc, fn, data);
#endif
}

/* Completes an asynchronous kiocb (AIO, io_uring) with res. */
static inline void vng_ki_complete(struct kiocb *iocb, long res)
{
#ifdef HAVE_KI_COMPLETE_2ARGS
	iocb->ki_complete(iocb, res);
#else
	iocb->ki_complete(iocb, res, 0);
#endif
}

/* aops: 6.8 made memory-failure removal folio-based. */
#ifdef HAVE_ERROR_REMOVE_FOLIO
#define VNG_AOPS_ERROR_REMOVE	.error_remove_folio = generic_error_remove_folio
#else
#define VNG_AOPS_ERROR_REMOVE	.error_remove_page = generic_error_remove_page
#endif

/* aops: 7.x has no ->writepage (writeback goes through ->writepages). */
#ifdef HAVE_AOPS_WRITEPAGE
#define VNG_AOPS_WRITEPAGE(fn)	.writepage = (fn),
#else
#define VNG_AOPS_WRITEPAGE(fn)
#endif

#endif /* VNG_COMPAT_MM_H */
