// SPDX-License-Identifier: GPL-2.0
/*
 * Buffered writes, write-through: write(2) copies the caller's bytes into
 * locked page cache pages and sends them to the host in FUSE_WRITEs of up
 * to max_write bytes before it returns.  The pages never become dirty on
 * this path; a page is marked uptodate only when the write covered all of
 * it (a partly written page that was not uptodate is read in full again
 * on the next access).  The host therefore always has the data a write
 * returned for, and a host error fails that write.
 *
 * Shared writable mmap is the one source of dirty pages: page_mkwrite
 * makes them writable, and ->writepages sends them in asynchronous
 * multi-page WRITEs through a handle from the inode's list of writable
 * open files.
 *
 * Size: a write that extends the file moves i_size only once the host
 * acknowledged it, and bumps the attribute version at the same time, so a
 * GETATTR reply that left the host before the write cannot shrink the
 * file again.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/writeback.h>

#include "dax.h"
#include "data.h"

#define VNG_WRITE_CHANGES	(STATX_MTIME | STATX_CTIME | STATX_BLOCKS)

void vng_write_update_size(struct inode *inode, loff_t pos)
{
	struct vng_inode *vi = vng_i(inode);

	spin_lock(&vi->lock);
	vi->attr_version = atomic64_inc_return(&vng_i_conn(inode)->attr_version);
	if (pos > i_size_read(inode))
		i_size_write(inode, pos);
	spin_unlock(&vi->lock);
}

static void vng_write_args(struct vng_io *io, struct vng_file *ff,
			   unsigned int num_pages, u32 write_flags)
{
	struct vng_args *args = &io->args;

	io->in.write.fh = ff->fh;
	io->in.write.offset = io->pos;
	io->in.write.size = io->count;
	io->in.write.write_flags = write_flags;
	args->opcode = FUSE_WRITE;
	args->nodeid = vng_nodeid(io->inode);
	args->in_numargs = 1;
	args->in_args[0].size = sizeof(io->in.write);
	args->in_args[0].value = &io->in.write;
	args->in_pages = true;
	args->pages = io->pages;
	args->descs = io->descs;
	args->num_pages = num_pages;
	args->out_numargs = 1;
	args->out_args[0].size = sizeof(io->wout);
	args->out_args[0].value = &io->wout;
}

/* Bytes the host wrote, or -EIO when it claims more than it was sent. */
static ssize_t vng_write_result(struct vng_io *io, ssize_t err)
{
	if (err < 0)
		return err;
	if (io->wout.size > io->count) {
		vng_conn_err(vng_i_conn(io->inode),
			     "WRITE of node %llu: %u bytes written of %zu sent",
			     vng_nodeid(io->inode), io->wout.size, io->count);
		return -EIO;
	}
	return io->wout.size;
}

/*
 * Copies up to max bytes from ii into locked pages at io->pos.  Returns
 * the number of pages filled (io->count holds the bytes) or -errno.
 */
static int vng_fill_write_pages(struct vng_io *io, struct address_space *mapping,
				struct iov_iter *ii, size_t max)
{
	loff_t pos = io->pos;
	unsigned int n = 0;

	io->count = 0;
	do {
		size_t offset = pos & ~PAGE_MASK;
		size_t bytes = min_t(size_t, PAGE_SIZE - offset,
				     iov_iter_count(ii));
		struct page *page;
		size_t copied;

		bytes = min(bytes, max - io->count);
		/* fault the source in now: copying under the page lock may not */
		if (fault_in_iov_iter_readable(ii, bytes) == bytes)
			return n ? n : -EFAULT;
		page = vng_grab_cache_page_write_begin(mapping, pos >> PAGE_SHIFT);
		if (!page)
			return n ? n : -ENOMEM;
		/* writeback of mmap data must not see a half-copied page */
		wait_on_page_writeback(page);
		if (mapping_writably_mapped(mapping))
			flush_dcache_page(page);
		copied = copy_page_from_iter_atomic(page, offset, bytes, ii);
		flush_dcache_page(page);
		if (!copied) {
			unlock_page(page);
			put_page(page);
			/* raced with reclaim of the source: retry from the top */
			return n ? n : -EAGAIN;
		}
		io->pages[n] = page;
		io->descs[n].offset = offset;
		io->descs[n].length = copied;
		n++;
		io->count += copied;
		pos += copied;
		if (offset + copied < PAGE_SIZE)
			break;
	} while (iov_iter_count(ii) && io->count < max && n < io->max_pages);
	return n;
}

/*
 * generic_write_checks() after placing an O_APPEND write at the host's end
 * of file (host_eof): the host fd is not O_APPEND, and the file may have
 * grown behind our back.  Called with the inode locked.
 */
ssize_t vng_write_checks(struct kiocb *iocb, struct iov_iter *from,
			 bool host_eof)
{
	struct file *file = iocb->ki_filp;
	int err;

	if ((iocb->ki_flags & IOCB_APPEND) && host_eof) {
		vng_invalidate_attr_mask(file_inode(file), STATX_SIZE);
		err = vng_update_attributes(file_inode(file), file, STATX_SIZE);
		if (err)
			return err;
	}
	return generic_write_checks(iocb, from);
}

/*
 * Before a write: suid/sgid and capabilities go (by the host with
 * KILLPRIV_V2: *write_flags gets the flag; by a SETATTR otherwise), and
 * with the writeback cache negotiated the guest owns mtime and ctime.
 *
 * A host that granted HANDLE_KILLPRIV drops suid/sgid and capabilities
 * itself when a WRITE reaches it.  When this write sends its WRITEs before
 * it returns (to_host), file_remove_privs() is not asked: it costs a
 * GETXATTR of security.capability per write(2), which doubles the
 * requests of small writes.  Writes the writeback cache keeps still ask
 * it: the host would hear of them only at writeback.  Where it is asked,
 * a "none" is kept as attributes would be (xattr.c).
 */
int vng_write_prepare(struct file *file, bool to_host, u32 *write_flags)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	int err;

	*write_flags = 0;
	if (vng_conn_has(conn, FUSE_HANDLE_KILLPRIV_V2)) {
		if ((inode->i_mode & (S_ISUID | S_ISGID)) &&
		    !capable(CAP_FSETID))
			*write_flags |= FUSE_WRITE_KILL_SUIDGID;
	} else if (!to_host || !vng_conn_has(conn, FUSE_HANDLE_KILLPRIV)) {
		err = file_remove_privs(file);
		if (err)
			return err;
	}
	if (vng_writeback_cache(inode)) {
		/* flush sends the new times to the host (file.c) */
		set_bit(VNG_I_CMTIME_DIRTY, &vng_i(inode)->state);
		return file_update_time(file);
	}
	return 0;
}

/* ---- writeback cache: write(2) only dirties the page cache ------------ */

/*
 * Makes a locked, not uptodate page ready for a write of len bytes at
 * offset in it.  A page at or past the end of file has nothing on the
 * host (with the writeback cache our i_size is the truth): zeros.  A page
 * the write covers fully is not read.  Otherwise the host's data is read
 * in first, so the page can become dirty as a whole.
 */
static int vng_wb_fill_page(struct file *file, struct page *page,
			    size_t offset, size_t len)
{
	struct inode *inode = file_inode(file);

	if (len == PAGE_SIZE)
		return 0;
	if (page_offset(page) >= i_size_read(inode)) {
		zero_user(page, 0, PAGE_SIZE);
		SetPageUptodate(page);
		return 0;
	}
	return vng_read_page_locked(file, page);
}

/*
 * The writeback-cache write: copies into page cache pages, marks them
 * dirty and grows i_size locally; ->writepages sends them later in large
 * WRITEs.  inode_lock held.
 */
static ssize_t vng_wb_perform_write(struct kiocb *iocb, struct iov_iter *ii)
{
	struct file *file = iocb->ki_filp;
	struct address_space *mapping = file->f_mapping;
	struct inode *inode = mapping->host;
	loff_t pos = iocb->ki_pos;
	ssize_t written = 0;
	int retries = 0;
	int err = 0;

	while (iov_iter_count(ii)) {
		size_t offset = pos & ~PAGE_MASK;
		size_t bytes = min_t(size_t, PAGE_SIZE - offset,
				     iov_iter_count(ii));
		struct page *page;
		size_t copied;

		/* fault the source in now: copying under the page lock may not */
		if (fault_in_iov_iter_readable(ii, bytes) == bytes) {
			err = -EFAULT;
			break;
		}
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		page = vng_grab_cache_page_write_begin(mapping, pos >> PAGE_SHIFT);
		if (!page) {
			err = -ENOMEM;
			break;
		}
		/* stable pages: no new data while the old goes to the host */
		wait_on_page_writeback(page);
		if (!PageUptodate(page)) {
			err = vng_wb_fill_page(file, page, offset, bytes);
			if (err) {
				unlock_page(page);
				put_page(page);
				break;
			}
		}
		if (mapping_writably_mapped(mapping))
			flush_dcache_page(page);
		copied = copy_page_from_iter_atomic(page, offset, bytes, ii);
		flush_dcache_page(page);
		if (!PageUptodate(page)) {
			/* only a whole page of new data makes it valid */
			if (copied < PAGE_SIZE) {
				iov_iter_revert(ii, copied);
				copied = 0;
			} else {
				SetPageUptodate(page);
			}
		}
		if (copied) {
			/* before the unlock: writeback sizes the page by i_size */
			if (pos + copied > i_size_read(inode))
				vng_write_update_size(inode, pos + copied);
			folio_mark_dirty(page_folio(page));
		}
		unlock_page(page);
		put_page(page);
		if (!copied) {
			/* raced with reclaim of the source: fault in again */
			if (++retries >= 8) {
				err = -EFAULT;
				break;
			}
			continue;
		}
		retries = 0;
		pos += copied;
		written += copied;
		balance_dirty_pages_ratelimited(mapping);
	}
	iocb->ki_pos = pos;
	return written ? written : err;
}

static ssize_t vng_perform_write(struct kiocb *iocb, struct iov_iter *ii,
				 u32 write_flags)
{
	struct file *file = iocb->ki_filp;
	struct address_space *mapping = file->f_mapping;
	struct inode *inode = mapping->host;
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	size_t max = vng_max_write(conn);
	unsigned int max_pages = vng_max_pages(conn);
	ssize_t total = 0, err = 0;
	int retries = 0;
	struct vng_io *io;

	/* sized for this call: small writes are the common case */
	max_pages = min_t(size_t, max_pages,
			  DIV_ROUND_UP(iov_iter_count(ii), PAGE_SIZE) + 1);
	io = vng_io_alloc(max_pages, GFP_KERNEL);
	if (!io)
		return -ENOMEM;
	io->inode = inode;

	while (iov_iter_count(ii)) {
		ssize_t done;
		int n, i;

		memset(&io->args, 0, sizeof(io->args));
		memset(&io->wout, 0, sizeof(io->wout));
		io->pos = iocb->ki_pos;
		n = vng_fill_write_pages(io, mapping, ii, max);
		if (n == -EAGAIN && ++retries < 8)
			continue;
		if (n < 0) {
			/* the source kept vanishing under the copy */
			err = n == -EAGAIN ? -EFAULT : n;
			break;
		}
		retries = 0;
		vng_write_args(io, ff, n, write_flags);
		io->in.write.flags = file->f_flags;
		vng_args_hold_file(&io->args, ff);
		done = vng_write_result(io, vng_request(conn, &io->args));

		for (i = 0; i < n; i++) {
			struct page *page = io->pages[i];
			loff_t start = page_offset(page) + io->descs[i].offset;
			loff_t written = done > 0 ? io->pos + done : io->pos;

			if (io->descs[i].length == PAGE_SIZE &&
			    start + PAGE_SIZE <= written)
				SetPageUptodate(page);
			unlock_page(page);
			put_page(page);
		}
		if (done < (ssize_t)io->count) {
			/* the cache holds bytes the host does not: drop them */
			loff_t from = io->pos + max_t(ssize_t, done, 0);

			invalidate_inode_pages2_range(mapping,
						      from >> PAGE_SHIFT,
						      (io->pos + io->count - 1) >>
						      PAGE_SHIFT);
			iov_iter_revert(ii, io->count - max_t(ssize_t, done, 0));
		}
		if (done < 0) {
			err = done;
			break;
		}
		iocb->ki_pos += done;
		total += done;
		if (done)
			vng_write_update_size(inode, iocb->ki_pos);
		if (done < (ssize_t)io->count)
			break;
	}
	kfree(io);
	return total ? total : err;
}

ssize_t vng_file_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	bool wb = vng_writeback_cache(inode);
	u32 write_flags;
	ssize_t ret;

	if (vng_is_bad(inode))
		return -EIO;
	if (IS_DAX(inode))	/* DAX hook: also for O_DIRECT */
		return vng_dax_write_iter(iocb, from);
	if ((iocb->ki_flags & IOCB_DIRECT) || vng_file_direct_io(file))
		return vng_direct_write_iter(iocb, from);

	inode_lock(inode);
	/* with the writeback cache our own size is the end of file */
	ret = vng_write_checks(iocb, from, !wb);
	if (ret <= 0)
		goto out;
	ret = vng_write_prepare(file, !wb, &write_flags);
	if (ret)
		goto out;
	/*
	 * The host drops suid/sgid when a WRITE says so (KILLPRIV_V2):
	 * such a write goes through at once, like fuse does.
	 */
	if (wb && !(write_flags & FUSE_WRITE_KILL_SUIDGID)) {
		ret = vng_wb_perform_write(iocb, from);
		vng_invalidate_attr_mask(inode, STATX_BLOCKS);
		goto out;
	}
	ret = vng_perform_write(iocb, from, write_flags);
	vng_invalidate_attr_mask(inode, VNG_WRITE_CHANGES);
out:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

/* ---- writeback of pages dirtied through shared mmap ------------------- */

struct vng_wb {
	struct inode *inode;
	struct vng_file *ff;
	struct vng_io *io;
	unsigned int max_pages;
	size_t max_bytes;
};

static void vng_writepages_end(struct vng_conn *conn, struct vng_args *args,
			       int error)
{
	struct vng_io *io = container_of(args, struct vng_io, args);
	struct inode *inode = io->inode;
	struct vng_inode *vi = vng_i(inode);
	ssize_t done = vng_write_result(io, error);
	unsigned int i;

	/* a short writeback leaves data behind: report it like an error */
	if (done >= 0 && done < io->count)
		done = -EIO;
	if (done < 0)
		mapping_set_error(inode->i_mapping, done);
	vng_invalidate_attr_mask(inode, VNG_WRITE_CHANGES);
	for (i = 0; i < args->num_pages; i++) {
		end_page_writeback(io->pages[i]);
		put_page(io->pages[i]);
	}
	vng_io_free(io);
	/*
	 * The last touch of the inode: eviction waits for writes_in_flight
	 * to drop and then takes vi->lock once, so it cannot free the inode
	 * before the wake-up below is done (vng_wait_writes_evict()).
	 */
	spin_lock(&vi->lock);
	if (atomic_dec_and_test(&vi->writes_in_flight))
		wake_up_all(&vi->writes_wq);
	spin_unlock(&vi->lock);
}

static void vng_writepages_send(struct vng_wb *wb)
{
	struct vng_io *io = wb->io;
	struct vng_inode *vi = vng_i(wb->inode);

	wb->io = NULL;
	if (!io->args.num_pages) {
		vng_io_free(io);
		return;
	}
	vng_write_args(io, io->ff, io->args.num_pages, FUSE_WRITE_CACHE);
	io->args.end = vng_writepages_end;
	atomic_inc(&vi->writes_in_flight);
	vng_request_async(vng_i_conn(wb->inode), &io->args, GFP_NOFS);
}

static int vng_writepages_fill(struct page *page, struct writeback_control *wbc,
			       void *data)
{
	struct vng_wb *wb = data;
	struct vng_io *io = wb->io;
	loff_t isize = i_size_read(wb->inode);
	loff_t pos = page_offset(page);
	size_t len;

	if (pos >= isize) {
		/* beyond EOF after a truncate: nothing left to write */
		unlock_page(page);
		return 0;
	}
	len = min_t(loff_t, PAGE_SIZE, isize - pos);

	if (io) {
		unsigned int n = io->args.num_pages;

		if (n == wb->max_pages || io->count + len > wb->max_bytes ||
		    vng_page_index(io->pages[n - 1]) + 1 != vng_page_index(page) ||
		    io->descs[n - 1].length != PAGE_SIZE) {
			vng_writepages_send(wb);
			io = NULL;
		}
	}
	if (!io) {
		io = vng_io_alloc(wb->max_pages, GFP_NOFS);
		if (!io) {
			redirty_page_for_writepage(wbc, page);
			unlock_page(page);
			return -ENOMEM;
		}
		io->inode = wb->inode;
		io->ff = vng_file_get(wb->ff);
		io->pos = pos;
		wb->io = io;
	}

	set_page_writeback(page);
	get_page(page);
	io->pages[io->args.num_pages] = page;
	io->descs[io->args.num_pages].offset = 0;
	io->descs[io->args.num_pages].length = len;
	io->args.num_pages++;
	io->count += len;
	unlock_page(page);
	return 0;
}

static int vng_writeback(struct address_space *mapping,
			 struct writeback_control *wbc, struct page *page)
{
	struct inode *inode = mapping->host;
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_wb wb = {};
	int err;

	wb.inode = inode;
	wb.ff = vng_write_file_get(inode);
	if (!wb.ff || vng_is_bad(inode)) {
		/* no open file to write with (cannot happen while mapped) */
		if (page) {
			redirty_page_for_writepage(wbc, page);
			unlock_page(page);
		}
		if (wb.ff)
			vng_file_put(wb.ff);
		return wbc->sync_mode == WB_SYNC_ALL ? -EIO : 0;
	}
	wb.max_pages = vng_max_pages(conn);
	wb.max_bytes = vng_max_write(conn);
	if (page)
		err = vng_writepages_fill(page, wbc, &wb);
	else
		err = vng_write_cache_pages(mapping, wbc, vng_writepages_fill, &wb);
	if (wb.io)
		vng_writepages_send(&wb);
	vng_file_put(wb.ff);
	return err;
}

int vng_writepage(struct page *page, struct writeback_control *wbc)
{
	return vng_writeback(page->mapping, wbc, page);
}

int vng_writepages(struct address_space *mapping,
		   struct writeback_control *wbc)
{
	return vng_writeback(mapping, wbc, NULL);
}

/* invalidate_inode_pages2 on a dirty page: write it out synchronously */
int vng_launder_folio(struct folio *folio)
{
	struct inode *inode = folio_inode(folio);
	struct vng_conn *conn = vng_i_conn(inode);
	loff_t pos = folio_pos(folio);
	loff_t isize = i_size_read(inode);
	struct vng_file *ff;
	struct vng_io *io;
	ssize_t ret;

	if (!folio_clear_dirty_for_io(folio))
		return 0;
	if (pos >= isize)
		return 0;
	ff = vng_write_file_get(inode);
	if (!ff)
		return -EIO;
	io = vng_io_alloc(1, GFP_NOFS);
	if (!io) {
		vng_file_put(ff);
		folio_mark_dirty(folio);
		return -ENOMEM;
	}
	io->ff = ff;
	io->inode = inode;
	io->pos = pos;
	io->count = min_t(loff_t, PAGE_SIZE, isize - pos);
	io->pages[0] = folio_page(folio, 0);
	io->descs[0].offset = 0;
	io->descs[0].length = io->count;
	vng_write_args(io, ff, 1, FUSE_WRITE_CACHE);
	folio_wait_writeback(folio);
	ret = vng_write_result(io, vng_request(conn, &io->args));
	if (ret >= 0 && ret < io->count)
		ret = -EIO;
	vng_io_free(io);
	vng_invalidate_attr_mask(inode, VNG_WRITE_CHANGES);
	if (ret < 0) {
		mapping_set_error(inode->i_mapping, ret);
		return ret;
	}
	return 0;
}

int vng_write_inode_now(struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);
	int err;

	err = filemap_write_and_wait(inode->i_mapping);
	wait_event(vi->writes_wq, !atomic_read(&vi->writes_in_flight));
	return err;
}

void vng_wait_writes_evict(struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);

	wait_event(vi->writes_wq, !atomic_read(&vi->writes_in_flight));
	/* the completion that dropped the count has let go of vi->lock */
	spin_lock(&vi->lock);
	spin_unlock(&vi->lock);
}

int vng_flush_writes(struct inode *inode)
{
	return vng_write_inode_now(inode);
}

void vng_truncate_pagecache(struct inode *inode, loff_t newsize)
{
	struct vng_inode *vi = vng_i(inode);

	/* a WRITE still in flight past newsize would grow the file again */
	wait_event(vi->writes_wq, !atomic_read(&vi->writes_in_flight));
	truncate_pagecache(inode, newsize);
}

static vm_fault_t vng_page_mkwrite(struct vm_fault *vmf)
{
	struct page *page = vmf->page;
	struct inode *inode = file_inode(vmf->vma->vm_file);

	if (vng_is_bad(inode))
		return VM_FAULT_SIGBUS;
	file_update_time(vmf->vma->vm_file);
	lock_page(page);
	if (page->mapping != inode->i_mapping) {
		/* truncated meanwhile: let the fault retry */
		unlock_page(page);
		return VM_FAULT_NOPAGE;
	}
	/* no new data in a page while its old contents go to the host */
	wait_on_page_writeback(page);
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct vng_file_vm_ops = {
	.fault		= filemap_fault,
	.map_pages	= filemap_map_pages,
	.page_mkwrite	= vng_page_mkwrite,
};

int vng_cache_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &vng_file_vm_ops;
	return 0;
}

int vng_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vng_is_bad(file_inode(file)))
		return -EIO;
	if (IS_DAX(file_inode(file)))	/* DAX hook */
		return vng_dax_mmap(file, vma);
	if (vng_file_direct_io(file))
		return vng_direct_mmap(file, vma);
	return vng_cache_mmap(file, vma);
}
