// SPDX-License-Identifier: GPL-2.0
/*
 * Reads through the page cache: read_folio (one page, synchronous),
 * readahead (multi-page FUSE_READs up to max_read / max_pages, sent
 * asynchronously) and the buffered read_iter.
 *
 * A READ reply may be shorter than asked: the host reached end of file.
 * The rest of the pages is zero-filled, and our idea of the size is marked
 * stale so the next stat asks the host.  A reply longer than asked is
 * malformed and fails with -EIO.
 */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "dax.h"
#include "data.h"

struct vng_io *vng_io_alloc(unsigned int max_pages, gfp_t gfp)
{
	struct vng_io *io;
	size_t size;

	size = sizeof(*io) + max_pages * (sizeof(struct page *) +
					  sizeof(struct vng_page_desc));
	io = kzalloc(size, gfp);
	if (!io)
		return NULL;
	io->pages = (struct page **)(io + 1);
	io->descs = (struct vng_page_desc *)(io->pages + max_pages);
	io->max_pages = max_pages;
	return io;
}

void vng_io_free(struct vng_io *io)
{
	if (io->ff)
		vng_file_put(io->ff);
	kfree(io);
}

/* Fills io->args for a READ of io->count bytes at io->pos into pages. */
static void vng_read_args(struct vng_io *io, struct vng_file *ff,
			  unsigned int num_pages)
{
	struct vng_args *args = &io->args;

	io->in.read.fh = ff->fh;
	io->in.read.offset = io->pos;
	io->in.read.size = io->count;
	args->opcode = FUSE_READ;
	args->nodeid = vng_nodeid(io->inode);
	args->in_numargs = 1;
	args->in_args[0].size = sizeof(io->in.read);
	args->in_args[0].value = &io->in.read;
	args->out_pages = true;
	args->out_argvar = true;
	args->page_zeroing = true;
	args->pages = io->pages;
	args->descs = io->descs;
	args->num_pages = num_pages;
}

/* The host reached end of file before we expected: refresh the size. */
static void vng_read_short(struct inode *inode, loff_t end)
{
	if (end < i_size_read(inode))
		vng_invalidate_attr_mask(inode, STATX_SIZE);
}

/*
 * Checks the byte count of a READ reply and zero-fills what it left out.
 * Returns the valid byte count or -EIO.
 */
static ssize_t vng_read_result(struct vng_io *io, ssize_t got)
{
	unsigned int i;

	if (got < 0)
		return got;
	if (got > io->count) {
		vng_conn_err(vng_i_conn(io->inode),
			     "READ of node %llu: %zd bytes for %zu asked",
			     vng_nodeid(io->inode), got, io->count);
		return -EIO;
	}
	for (i = 0; i < io->args.num_pages; i++) {
		size_t off = (size_t)i << PAGE_SHIFT;

		if (off + PAGE_SIZE <= got)
			continue;
		zero_user_segment(io->pages[i], got > off ? got - off : 0,
				  PAGE_SIZE);
	}
	if (got < io->count)
		vng_read_short(io->inode, io->pos + got);
	return got;
}

/* A READ of one locked page-cache page, ready to send; or an errno. */
static struct vng_io *vng_read_page_io(struct file *file, struct page *page)
{
	struct inode *inode = folio_inode(page_folio(page));
	struct vng_file *ff = NULL;
	struct vng_io *io;

	if (vng_is_bad(inode))
		return ERR_PTR(-EIO);
	if (file && file->private_data && file_inode(file) == inode)
		ff = vng_file_get(file->private_data);
	else
		ff = vng_write_file_get(inode);
	if (!ff)
		return ERR_PTR(-EIO);

	io = vng_io_alloc(1, GFP_KERNEL);
	if (!io) {
		vng_file_put(ff);
		return ERR_PTR(-ENOMEM);
	}
	io->ff = ff;
	io->inode = inode;
	io->pos = page_offset(page);
	io->count = PAGE_SIZE;
	io->pages[0] = page;
	io->descs[0].offset = 0;
	io->descs[0].length = PAGE_SIZE;
	vng_read_args(io, ff, 1);
	return io;
}

/*
 * The page stays locked and is the caller's again afterwards (write_begin
 * fills the rest of it): so even a killed caller waits for the reply, or
 * a late one would land in a page that may hold newer data by then.
 */
int vng_read_page_locked(struct file *file, struct page *page)
{
	struct vng_io *io = vng_read_page_io(file, page);
	ssize_t ret;

	if (IS_ERR(io))
		return PTR_ERR(io);
	io->args.no_abandon = true;
	ret = vng_request(vng_i_conn(io->inode), &io->args);
	ret = vng_read_result(io, ret);
	vng_io_free(io);
	if (ret < 0)
		return ret;
	SetPageUptodate(page);
	return 0;
}

static void vng_readahead_end(struct vng_conn *conn, struct vng_args *args,
			      int error);

/*
 * Asynchronous like readahead: the READ owns the locked folio and unlocks
 * it when the reply came (uptodate) or failed (not), whatever happened to
 * the caller meanwhile; the VFS waits for the lock, killably.
 */
int vng_read_folio(struct file *file, struct folio *folio)
{
	struct page *page = folio_page(folio, 0);
	struct vng_io *io = vng_read_page_io(file, page);

	if (IS_ERR(io)) {
		folio_unlock(folio);
		return PTR_ERR(io);
	}
	get_page(page);		/* the READ's, put by vng_readahead_end() */
	io->args.end = vng_readahead_end;
	vng_request_async(vng_i_conn(io->inode), &io->args, GFP_KERNEL);
	return 0;
}

static void vng_readahead_end(struct vng_conn *conn, struct vng_args *args,
			      int error)
{
	struct vng_io *io = container_of(args, struct vng_io, args);
	ssize_t got = error ? (ssize_t)error : (ssize_t)args->out_size;
	unsigned int i;

	got = vng_read_result(io, got);
	for (i = 0; i < args->num_pages; i++) {
		struct page *page = io->pages[i];

		if (got >= 0)
			SetPageUptodate(page);
		/* a failed page stays !uptodate: read_folio retries it */
		unlock_page(page);
		put_page(page);
	}
	vng_io_free(io);
}

void vng_readahead(struct readahead_control *rac)
{
	struct inode *inode = rac->mapping->host;
	struct vng_conn *conn = vng_i_conn(inode);
	unsigned int max = vng_max_read(conn) >> PAGE_SHIFT;
	struct vng_file *ff;

	if (vng_is_bad(inode) || !rac->file || !rac->file->private_data)
		return;
	ff = rac->file->private_data;

	/* pages we do not take are unlocked by the caller and read later */
	while (readahead_count(rac)) {
		unsigned int n = min_t(unsigned int, readahead_count(rac), max);
		struct vng_io *io;
		unsigned int i;

		/* readahead is optional: fail fast rather than reclaim hard */
		io = vng_io_alloc(n, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
		if (!io)
			return;
		for (i = 0; i < n; i++) {
			struct page *page = readahead_page(rac);

			if (!page)
				break;
			io->pages[i] = page;
			io->descs[i].offset = 0;
			io->descs[i].length = PAGE_SIZE;
		}
		if (!i) {
			kfree(io);
			return;
		}
		io->inode = inode;
		io->ff = vng_file_get(ff);
		io->pos = page_offset(io->pages[0]);
		io->count = (size_t)i << PAGE_SHIFT;
		vng_read_args(io, ff, i);
		io->args.end = vng_readahead_end;
		vng_request_async(conn, &io->args, GFP_KERNEL);
	}
}

ssize_t vng_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	int err;

	if (vng_is_bad(inode))
		return -EIO;
	if (IS_DAX(inode))	/* DAX hook: also for O_DIRECT */
		return vng_dax_read_iter(iocb, to);
	if ((iocb->ki_flags & IOCB_DIRECT) || vng_file_direct_io(file))
		return vng_direct_read_iter(iocb, to);

	/*
	 * Reading at or past the end we know of: the file may have grown
	 * on the host.  With auto_inval_data every read checks, so pages
	 * cached before a host-side change are dropped.
	 */
	if (vng_conn_has(conn, FUSE_AUTO_INVAL_DATA) ||
	    iocb->ki_pos + iov_iter_count(to) > i_size_read(inode)) {
		err = vng_update_attributes(inode, file, STATX_SIZE);
		if (err)
			return err;
	}
	return generic_file_read_iter(iocb, to);
}
