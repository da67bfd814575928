/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data half of the filesystem, shared by file.c, read.c, write.c,
 * direct.c and lock.c only.  The rest of the driver sees fs.h.
 *
 * Buffered writes are write-through: a write(2) copies into the page cache
 * and then writes the range back and waits before it returns, so the host
 * has the data when the system call completes.  Dirty pages from shared
 * writable mmap are written back by ->writepages like any page cache.
 */
#ifndef VNG_DATA_H
#define VNG_DATA_H

#include <linux/fs.h>
#include <linux/fuse.h>
#include <linux/mm.h>

#include "fs.h"

/* Preallocated at open so that RELEASE never needs memory (file.c). */
struct vng_release_args {
	struct fuse_release_in in;
	struct vng_args args;		/* opcode 0: nothing to send */
	struct vng_file *ff;
};

/*
 * One READ or WRITE of page cache pages, sent asynchronously (readahead,
 * writeback) or synchronously (read_folio).  pages[] and descs[] live in
 * the same allocation, after the struct.
 */
struct vng_io {
	struct vng_args args;
	union {
		struct fuse_read_in read;
		struct fuse_write_in write;
	} in;
	struct fuse_write_out wout;
	struct inode *inode;		/* holds a reference (igrab) */
	struct vng_file *ff;		/* holds a reference */
	loff_t pos;
	size_t count;			/* bytes asked for */
	unsigned int max_pages;
	struct page **pages;
	struct vng_page_desc *descs;
	void *priv;			/* the owner's (direct.c: its vng_aio) */
};

/* file.c */
struct vng_file *vng_file_get(struct vng_file *ff);
void vng_file_put(struct vng_file *ff);
/*
 * A request carrying ff's handle keeps ff (and so its RELEASE) back while
 * it outlives a killed waiter (request.h: hold).
 */
void vng_args_hold_file(struct vng_args *args, struct vng_file *ff);
/* An open file of inode that may write, with a reference; or NULL. */
struct vng_file *vng_write_file_get(struct inode *inode);
/* lock owner id sent to the host for fl_owner_t / struct file pointers */
u64 vng_lock_owner_id(const void *owner);

static inline struct vng_file *vng_ff(const struct file *file)
{
	return file->private_data;
}

static inline bool vng_file_direct_io(const struct file *file)
{
	return vng_ff(file)->open_flags & FOPEN_DIRECT_IO;
}

/* The protocol's ceiling for max_pages (fuse caps it the same way). */
#define VNG_MAX_PAGES_LIMIT	256

/* Limits for one READ / WRITE request, never below one page. */
static inline unsigned int vng_max_pages(const struct vng_conn *conn)
{
	return clamp_t(u32, conn->max_pages, 1, VNG_MAX_PAGES_LIMIT);
}

static inline size_t vng_max_read(const struct vng_conn *conn)
{
	size_t max = (size_t)vng_max_pages(conn) << PAGE_SHIFT;

	if (conn->max_read >= PAGE_SIZE && conn->max_read < max)
		max = conn->max_read;
	return max;
}

static inline size_t vng_max_write(const struct vng_conn *conn)
{
	size_t max = (size_t)vng_max_pages(conn) << PAGE_SHIFT;

	if (conn->max_write >= PAGE_SIZE && conn->max_write < max)
		max = conn->max_write;
	return max;
}

/* read.c */
struct vng_io *vng_io_alloc(unsigned int max_pages, gfp_t gfp);
void vng_io_free(struct vng_io *io);
ssize_t vng_file_read_iter(struct kiocb *iocb, struct iov_iter *to);
int vng_read_folio(struct file *file, struct folio *folio);
/* Reads a locked page in from the host and marks it uptodate; keeps it locked. */
int vng_read_page_locked(struct file *file, struct page *page);
void vng_readahead(struct readahead_control *rac);

/* write.c */
ssize_t vng_file_write_iter(struct kiocb *iocb, struct iov_iter *from);
int vng_file_mmap(struct file *file, struct vm_area_struct *vma);
/*
 * After a write reached the host: grows i_size to pos (unless already
 * larger) and makes attribute replies older than the write stale.
 */
void vng_write_update_size(struct inode *inode, loff_t pos);
/*
 * Eviction: waits until no writeback WRITE of the inode is in flight and
 * its completion no longer touches the inode.
 */
void vng_wait_writes_evict(struct inode *inode);
ssize_t vng_write_checks(struct kiocb *iocb, struct iov_iter *from,
			 bool host_eof);
int vng_write_prepare(struct file *file, bool to_host, u32 *write_flags);
/* mmap through the page cache, shared writable included */
int vng_cache_mmap(struct file *file, struct vm_area_struct *vma);
int vng_writepage(struct page *page, struct writeback_control *wbc);
int vng_writepages(struct address_space *mapping,
		   struct writeback_control *wbc);
int vng_launder_folio(struct folio *folio);

/* direct.c */
ssize_t vng_direct_read_iter(struct kiocb *iocb, struct iov_iter *to);
ssize_t vng_direct_write_iter(struct kiocb *iocb, struct iov_iter *from);
/* mmap of a FOPEN_DIRECT_IO file */
int vng_direct_mmap(struct file *file, struct vm_area_struct *vma);

/* lock.c */
int vng_lock(struct file *file, int cmd, struct file_lock *fl);
int vng_flock(struct file *file, int cmd, struct file_lock *fl);

#endif
