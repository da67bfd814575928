// SPDX-License-Identifier: GPL-2.0
/*
 * Direct I/O: O_DIRECT, FOPEN_DIRECT_IO files and the cache=none /
 * cache=metadata policies.  Data moves between the host and the caller's
 * own pages: user buffers are pinned with iov_iter_get_pages2() and handed
 * to the request as page descriptors, so nothing is copied in the guest.
 * Kernel buffers (kvec) go through bounce pages.
 *
 * Requests are cut at max_read / max_write bytes and max_pages pages.  A
 * short READ is end of file; a short WRITE means the host stopped: either
 * ends the call with the bytes done so far.  A reply claiming more than
 * was asked for is malformed: -EIO.
 *
 * The page cache stays coherent: dirty cached pages in the range are
 * written first, and cached pages under a direct write are dropped after.
 * This is what lets a FOPEN_DIRECT_IO file still be mmapped (the mapping
 * goes through the page cache).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "data.h"

struct vng_dio {
	struct vng_io *io;
	bool bounce;		/* pages are ours, data copied through them */
	bool dirty;		/* pinned user pages the host wrote into */
};

static void vng_dio_put_pages(struct vng_dio *d, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct page *page = d->io->pages[i];

		if (!page)
			continue;
		if (d->bounce) {
			__free_page(page);
		} else {
			if (d->dirty)
				set_page_dirty_lock(page);
			put_page(page);
		}
		d->io->pages[i] = NULL;
	}
}

/*
 * Prepares up to max bytes of iter in io->pages / io->descs.  Returns the
 * page count (io->count holds the bytes; for a write, iter is advanced
 * past them) or -errno.
 */
static int vng_dio_get_pages(struct vng_dio *d, struct iov_iter *iter,
			     size_t max, bool write)
{
	struct vng_io *io = d->io;
	unsigned int n, i;
	size_t start;
	ssize_t got;

	if (!d->bounce) {
		got = iov_iter_get_pages2(iter, io->pages, max, io->max_pages,
					  &start);
		if (got <= 0)
			return got ? got : -EFAULT;
		n = DIV_ROUND_UP(start + got, PAGE_SIZE);
		io->count = got;
		for (i = 0; i < n; i++) {
			size_t off = i ? 0 : start;
			size_t len = min_t(size_t, PAGE_SIZE - off, got);

			io->descs[i].offset = off;
			io->descs[i].length = len;
			got -= len;
		}
		return n;
	}

	io->count = min(iov_iter_count(iter), max);
	n = DIV_ROUND_UP(io->count, PAGE_SIZE);
	for (i = 0; i < n; i++) {
		size_t len = min_t(size_t, PAGE_SIZE,
				   io->count - ((size_t)i << PAGE_SHIFT));

		io->pages[i] = alloc_page(GFP_KERNEL);
		if (!io->pages[i]) {
			vng_dio_put_pages(d, i);
			return -ENOMEM;
		}
		io->descs[i].offset = 0;
		io->descs[i].length = len;
		if (write && copy_page_from_iter(io->pages[i], 0, len, iter) !=
			     len) {
			iov_iter_revert(iter, ((size_t)i << PAGE_SHIFT));
			vng_dio_put_pages(d, i + 1);
			return -EFAULT;
		}
	}
	return n;
}

/* Copies done bytes of bounce pages out to iter (a bounced read). */
static size_t vng_dio_copy_out(struct vng_dio *d, struct iov_iter *iter,
			       size_t done)
{
	size_t copied = 0;
	unsigned int i;

	for (i = 0; copied < done; i++) {
		size_t len = min_t(size_t, PAGE_SIZE, done - copied);
		size_t c = copy_page_to_iter(d->io->pages[i], 0, len, iter);

		copied += c;
		if (c < len)
			break;
	}
	return copied;
}

static ssize_t vng_direct_io(struct kiocb *iocb, struct iov_iter *iter,
			     bool write, u32 write_flags)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	size_t max = write ? vng_max_write(conn) : vng_max_read(conn);
	struct vng_dio d = {};
	ssize_t total = 0, err = 0;

	d.bounce = !user_backed_iter(iter) && !iov_iter_is_bvec(iter);
	d.dirty = !write && user_backed_iter(iter);
	/* sized for this call: a 4 KiB read needs no 256-entry page table */
	d.io = vng_io_alloc(min_t(size_t, vng_max_pages(conn),
				  DIV_ROUND_UP(iov_iter_count(iter), PAGE_SIZE) + 1),
			    GFP_KERNEL);
	if (!d.io)
		return -ENOMEM;
	d.io->inode = inode;

	while (iov_iter_count(iter)) {
		struct vng_io *io = d.io;
		ssize_t ret;
		size_t done;
		int n;

		memset(&io->args, 0, sizeof(io->args));
		memset(&io->wout, 0, sizeof(io->wout));
		io->pos = iocb->ki_pos;
		n = vng_dio_get_pages(&d, iter, max, write);
		if (n < 0) {
			err = n;
			break;
		}
		if (write) {
			io->in.write.fh = ff->fh;
			io->in.write.offset = io->pos;
			io->in.write.size = io->count;
			io->in.write.write_flags = write_flags;
			io->in.write.flags = file->f_flags;
			io->args.opcode = FUSE_WRITE;
			io->args.in_args[0].size = sizeof(io->in.write);
			io->args.in_args[0].value = &io->in.write;
			io->args.in_pages = true;
			io->args.out_numargs = 1;
			io->args.out_args[0].size = sizeof(io->wout);
			io->args.out_args[0].value = &io->wout;
		} else {
			io->in.read.fh = ff->fh;
			io->in.read.offset = io->pos;
			io->in.read.size = io->count;
			io->in.read.flags = file->f_flags;
			io->args.opcode = FUSE_READ;
			io->args.in_args[0].size = sizeof(io->in.read);
			io->args.in_args[0].value = &io->in.read;
			io->args.out_pages = true;
			io->args.out_argvar = true;
		}
		io->args.nodeid = vng_nodeid(inode);
		io->args.in_numargs = 1;
		/* a killed reader must not leave the host writing its pages */
		io->args.no_abandon = d.dirty;
		vng_args_hold_file(&io->args, ff);
		io->args.pages = io->pages;
		io->args.descs = io->descs;
		io->args.num_pages = n;

		ret = vng_request(conn, &io->args);
		if (ret >= 0 && write)
			ret = io->wout.size;
		if (ret > (ssize_t)io->count) {
			vng_conn_err(conn, "%s of node %llu: %zd bytes for %zu asked",
				     write ? "WRITE" : "READ", vng_nodeid(inode),
				     ret, io->count);
			ret = -EIO;
		}
		done = ret > 0 ? ret : 0;
		if (d.bounce && !write)
			done = vng_dio_copy_out(&d, iter, done);
		vng_dio_put_pages(&d, n);
		/* give back what was taken from iter but not done */
		if (!(d.bounce && !write) && done < io->count)
			iov_iter_revert(iter, io->count - done);

		if (ret < 0) {
			err = ret;
			break;
		}
		iocb->ki_pos += done;
		total += done;
		if (write && done)
			vng_write_update_size(inode, iocb->ki_pos);
		/* short: end of file, or the host wrote no more */
		if (done < io->count)
			break;
	}
	vng_io_free(d.io);
	return total ? total : err;
}

/*
 * An asynchronous O_DIRECT read (AIO, io_uring) whose chunks all go out at
 * once: a queue depth of 16 then means 16 READs at the host, not one.  The
 * last chunk to finish completes the kiocb with the bytes read up to the
 * first short or failed chunk (or that chunk's error when it was the
 * first).
 */
struct vng_aio {
	struct kiocb *iocb;
	atomic_t pending;		/* chunks in flight + the submitter */
	spinlock_t lock;
	loff_t pos;			/* where the read started */
	loff_t end;			/* first byte not read */
	int error;			/* of the chunk that ended at end */
};

static void vng_aio_put(struct vng_aio *aio)
{
	struct kiocb *iocb = aio->iocb;
	long res;

	if (!atomic_dec_and_test(&aio->pending))
		return;
	res = aio->end - aio->pos;
	if (!res && aio->error)
		res = aio->error;
	if (res > 0)
		iocb->ki_pos = aio->pos + res;
	kfree(aio);
	vng_ki_complete(iocb, res);
}

/* Everything from pos on is not read (err: why, 0 for end of file). */
static void vng_aio_short(struct vng_aio *aio, loff_t pos, int err)
{
	spin_lock(&aio->lock);
	if (pos < aio->end) {
		aio->end = pos;
		aio->error = err;
	}
	spin_unlock(&aio->lock);
}

static void vng_aio_read_end(struct vng_conn *conn, struct vng_args *args,
			     int error)
{
	struct vng_io *io = container_of(args, struct vng_io, args);
	struct vng_aio *aio = io->priv;
	ssize_t got = error ? (ssize_t)error : (ssize_t)args->out_size;
	unsigned int i;

	if (got > (ssize_t)io->count) {
		vng_conn_err(conn, "READ of node %llu: %zd bytes for %zu asked",
			     vng_nodeid(io->inode), got, io->count);
		got = -EIO;
	}
	for (i = 0; i < args->num_pages; i++) {
		/* the host wrote into the caller's pages */
		set_page_dirty_lock(io->pages[i]);
		put_page(io->pages[i]);
	}
	if (got < (ssize_t)io->count)
		vng_aio_short(aio, io->pos + max_t(ssize_t, got, 0),
			      got < 0 ? got : 0);
	vng_io_free(io);
	vng_aio_put(aio);
}

static ssize_t vng_direct_read_async(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	size_t max = vng_max_read(conn);
	loff_t pos = iocb->ki_pos;
	struct vng_aio *aio;

	aio = kmalloc(sizeof(*aio), GFP_KERNEL);
	if (!aio)
		return -ENOMEM;
	aio->iocb = iocb;
	atomic_set(&aio->pending, 1);
	spin_lock_init(&aio->lock);
	aio->pos = pos;
	aio->end = pos + iov_iter_count(to);
	aio->error = 0;

	while (iov_iter_count(to)) {
		struct vng_dio d = {};
		struct vng_io *io;
		int n;

		io = vng_io_alloc(min_t(unsigned int, vng_max_pages(conn),
					DIV_ROUND_UP(iov_iter_count(to), PAGE_SIZE) + 1),
				  GFP_KERNEL);
		if (!io) {
			vng_aio_short(aio, pos, -ENOMEM);
			break;
		}
		d.io = io;
		n = vng_dio_get_pages(&d, to, max, false);
		if (n < 0) {
			vng_io_free(io);
			vng_aio_short(aio, pos, n);
			break;
		}
		io->inode = inode;
		io->ff = vng_file_get(ff);
		io->priv = aio;
		io->pos = pos;
		io->in.read.fh = ff->fh;
		io->in.read.offset = pos;
		io->in.read.size = io->count;
		io->in.read.flags = file->f_flags;
		io->args.opcode = FUSE_READ;
		io->args.nodeid = vng_nodeid(inode);
		io->args.in_numargs = 1;
		io->args.in_args[0].size = sizeof(io->in.read);
		io->args.in_args[0].value = &io->in.read;
		io->args.out_pages = true;
		io->args.out_argvar = true;
		io->args.pages = io->pages;
		io->args.descs = io->descs;
		io->args.num_pages = n;
		io->args.end = vng_aio_read_end;
		/* set_page_dirty_lock() may wait for a writer of that page */
		io->args.may_block = true;
		pos += io->count;
		atomic_inc(&aio->pending);
		vng_request_async(conn, &io->args, GFP_KERNEL);
	}
	/* nothing went out: fail the call itself rather than the kiocb */
	if (atomic_read(&aio->pending) == 1 && aio->end == aio->pos) {
		int err = aio->error;

		kfree(aio);
		return err;
	}
	vng_aio_put(aio);
	return -EIOCBQUEUED;
}

ssize_t vng_direct_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct address_space *mapping = file->f_mapping;
	size_t count = iov_iter_count(to);
	int err;

	if (!count)
		return 0;
	/* the host must see data still dirty in a shared mapping */
	if (mapping->nrpages) {
		err = filemap_write_and_wait_range(mapping, iocb->ki_pos,
						   iocb->ki_pos + count - 1);
		if (err)
			return err;
	}
	file_accessed(file);
	/*
	 * Asynchronous callers into their own pages (not kernel buffers,
	 * which bounce and need the copy before we return) when the host
	 * allows reads to overlap.
	 */
	if (!is_sync_kiocb(iocb) && user_backed_iter(to) &&
	    vng_conn_has(vng_i_conn(file_inode(file)), FUSE_ASYNC_DIO))
		return vng_direct_read_async(iocb, to);
	return vng_direct_io(iocb, to, false, 0);
}

ssize_t vng_direct_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct address_space *mapping = file->f_mapping;
	u32 write_flags;
	size_t count;
	loff_t pos;
	ssize_t ret;

	inode_lock(inode);
	ret = vng_write_checks(iocb, from, true);
	if (ret <= 0)
		goto out;
	count = ret;
	ret = vng_write_prepare(file, true, &write_flags);
	if (ret)
		goto out;

	pos = iocb->ki_pos;
	if (mapping->nrpages) {
		ret = filemap_write_and_wait_range(mapping, pos,
						   pos + count - 1);
		if (ret)
			goto out;
	}
	ret = vng_direct_io(iocb, from, true, write_flags);
	if (mapping->nrpages && ret > 0)
		invalidate_inode_pages2_range(mapping, pos >> PAGE_SHIFT,
					      (pos + ret - 1) >> PAGE_SHIFT);
	vng_invalidate_attr_mask(inode, STATX_MTIME | STATX_CTIME |
				 STATX_BLOCKS);
out:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

/*
 * mmap of a FOPEN_DIRECT_IO file: served by the page cache.  Direct reads
 * write back the range first and direct writes drop it after, so the
 * mapping and read(2)/write(2) agree.  Start from the host's data.
 */
int vng_direct_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct address_space *mapping = file->f_mapping;
	int err;

	err = filemap_write_and_wait(mapping);
	if (err)
		return err;
	invalidate_inode_pages2(mapping);
	return vng_cache_mmap(file, vma);
}
