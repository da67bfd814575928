// SPDX-License-Identifier: GPL-2.0
/*
 * Open regular files: OPEN, RELEASE, FLUSH and FSYNC, the vng_file object
 * and its references, fallocate, lseek with SEEK_DATA / SEEK_HOLE and
 * copy_file_range.  The file and address space operation tables live
 * here too; the I/O itself is in read.c, write.c and direct.c.
 *
 * References to a vng_file: the struct file holds one, and every
 * asynchronous READ or WRITE that carries its fh holds one.  RELEASE goes
 * out when the last one is dropped, so the host never sees a READ or
 * WRITE for a handle it already released: from ->release, synchronously,
 * in the common case (close(2) returns once the host closed its file, as
 * with the kernel's virtiofs; a killed or exiting task does not wait, see
 * vng_request()), or asynchronously from the completion of the last I/O
 * still using the handle.  Its request is preallocated at
 * open, so it cannot fail for lack of memory.
 */
#include <linux/capability.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/huge_mm.h>
#include <linux/once.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/writeback.h>

#include "dax.h"
#include "data.h"

struct vng_file *vng_file_alloc(struct vng_conn *conn)
{
	struct vng_file *ff;

	ff = kzalloc(sizeof(*ff), GFP_KERNEL_ACCOUNT);
	if (!ff)
		return ERR_PTR(-ENOMEM);
	ff->release_args = kzalloc(sizeof(*ff->release_args),
				   GFP_KERNEL_ACCOUNT);
	if (!ff->release_args) {
		kfree(ff);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&ff->kref);
	ff->conn = conn;
	INIT_LIST_HEAD(&ff->write_entry);
	return ff;
}

void vng_file_free(struct vng_file *ff)
{
	if (IS_ERR_OR_NULL(ff))
		return;
	kfree(ff->release_args);
	kfree(ff);
}

struct vng_file *vng_file_get(struct vng_file *ff)
{
	kref_get(&ff->kref);
	return ff;
}

static void vng_release_end(struct vng_conn *conn, struct vng_args *args,
			    int error)
{
	struct vng_release_args *ra = container_of(args, struct vng_release_args,
						   args);

	/* nothing to do about a failure: the handle is gone for us */
	vng_file_free(ra->ff);
}

/* The last reference is gone: sends the prepared RELEASE, frees ff. */
static void vng_file_last_put(struct kref *kref)
{
	struct vng_file *ff = container_of(kref, struct vng_file, kref);
	struct vng_release_args *ra = ff->release_args;

	if (!ra->args.opcode) {
		vng_file_free(ff);
		return;
	}
	ra->ff = ff;
	ra->args.end = vng_release_end;
	/* may run from writeback: no filesystem reclaim */
	vng_request_async(ff->conn, &ra->args, GFP_NOFS);
}

/*
 * Drops a reference taken with vng_file_get().  The last one (only after
 * ->release dropped the file's own) sends the prepared RELEASE.
 */
void vng_file_put(struct vng_file *ff)
{
	kref_put(&ff->kref, vng_file_last_put);
}

void vng_args_hold_file(struct vng_args *args, struct vng_file *ff)
{
	args->hold = &ff->kref;
	args->hold_release = vng_file_last_put;
}

struct vng_file *vng_write_file_get(struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);
	struct vng_file *ff;

	spin_lock(&vi->lock);
	ff = list_first_entry_or_null(&vi->write_files, struct vng_file,
				      write_entry);
	if (ff)
		vng_file_get(ff);
	spin_unlock(&vi->lock);
	return ff;
}

/*
 * Lock owners go to the host as opaque 64-bit ids; a keyed hash keeps
 * kernel pointers from leaking to it while staying stable per owner.
 */
u64 vng_lock_owner_id(const void *owner)
{
	static siphash_key_t key;

	get_random_once(&key, sizeof(key));
	return siphash_1u64((u64)(unsigned long)owner, &key);
}

u32 vng_effective_open_flags(struct super_block *sb, u32 host_flags)
{
	u32 flags = host_flags;

	switch (vng_sb(sb)->opts.cache) {
	case VNG_CACHE_NONE:
	case VNG_CACHE_METADATA:
		flags |= FOPEN_DIRECT_IO;
		flags &= ~(FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR);
		break;
	case VNG_CACHE_ALWAYS:
		flags |= FOPEN_KEEP_CACHE;
		flags &= ~FOPEN_DIRECT_IO;
		break;
	case VNG_CACHE_AUTO:
		break;
	}
	return flags;
}

struct vng_file *vng_file_open(struct inode *inode, unsigned int flags,
			       bool isdir)
{
	struct super_block *sb = inode->i_sb;
	struct vng_conn *conn = vng_sb_conn(sb);
	enum vng_no_op no = isdir ? VNG_NO_OPENDIR : VNG_NO_OPEN;
	u64 no_open_flag = isdir ? FUSE_NO_OPENDIR_SUPPORT :
				   FUSE_NO_OPEN_SUPPORT;
	struct fuse_open_in in = {};
	struct fuse_open_out out = {};
	struct vng_args args = {};
	struct vng_file *ff;
	ssize_t ret;

	ff = vng_file_alloc(conn);
	if (IS_ERR(ff))
		return ff;
	ff->nodeid = vng_nodeid(inode);

	if (vng_conn_no(conn, no))
		goto stateless;

	in.flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY);
	/*
	 * We send every WRITE at an explicit offset (O_APPEND writes at the
	 * size just fetched from the host).  A host fd opened O_APPEND
	 * would append writeback of mmap data and pwrite() after
	 * fcntl(F_SETFL) cleared O_APPEND.
	 */
	if (!isdir) {
		in.flags &= ~O_APPEND;
		in.flags = vng_wb_open_flags(inode, in.flags);
	}
	if (!vng_conn_has(conn, FUSE_ATOMIC_O_TRUNC))
		in.flags &= ~O_TRUNC;
	if (!isdir && (flags & O_TRUNC) &&
	    vng_conn_has(conn, FUSE_HANDLE_KILLPRIV_V2) &&
	    !capable(CAP_FSETID))
		in.open_flags |= FUSE_OPEN_KILL_SUIDGID;

	vng_args_in_out(&args, isdir ? FUSE_OPENDIR : FUSE_OPEN, ff->nodeid,
			&in, sizeof(in), &out, sizeof(out));
	ret = vng_request(conn, &args);
	if (vng_unimplemented(ret) && vng_conn_has(conn, no_open_flag)) {
		/* the host keeps no per-open state: no OPEN, no RELEASE */
		vng_conn_set_no(conn, no);
		goto stateless;
	}
	if (ret < 0) {
		vng_file_free(ff);
		return ERR_PTR(ret);
	}
	ff->fh = out.fh;
	ff->open_flags = vng_effective_open_flags(sb, out.open_flags);
	return ff;

stateless:
	ff->fh = 0;
	ff->open_flags = vng_effective_open_flags(sb, FOPEN_KEEP_CACHE |
						      FOPEN_CACHE_DIR);
	return ff;
}

void vng_finish_open(struct inode *inode, struct file *file,
		     struct vng_file *ff)
{
	struct vng_inode *vi = vng_i(inode);
	struct vng_conn *conn = ff->conn;

	file->private_data = ff;
	if (!S_ISREG(inode->i_mode))
		return;

	if (ff->open_flags & FOPEN_STREAM)
		stream_open(inode, file);
	else if (ff->open_flags & FOPEN_NONSEEKABLE)
		nonseekable_open(inode, file);

	/* O_DIRECT is served by direct.c whatever the address space does */
	file->f_mode |= FMODE_CAN_ODIRECT;

	if ((file->f_flags & O_TRUNC) &&
	    vng_conn_has(conn, FUSE_ATOMIC_O_TRUNC)) {
		/* the host truncated in OPEN: replies from before are stale */
		vng_write_update_size(inode, 0);
		spin_lock(&vi->lock);
		i_size_write(inode, 0);
		spin_unlock(&vi->lock);
		vng_truncate_pagecache(inode, 0);
		vng_invalidate_attr(inode);
	} else if (!(ff->open_flags & FOPEN_KEEP_CACHE) &&
		   !IS_DAX(inode)) {	/* DAX hook: DAX data is never stale */
		/* close-to-open consistency: data cached before may be stale */
		invalidate_inode_pages2(inode->i_mapping);
	}

	if (file->f_mode & FMODE_WRITE) {
		spin_lock(&vi->lock);
		list_add_tail(&ff->write_entry, &vi->write_files);
		spin_unlock(&vi->lock);
	}
}

void vng_file_release(struct inode *inode, struct vng_file *ff, bool isdir,
		      int file_flags)
{
	struct vng_conn *conn = ff->conn;
	struct vng_release_args *ra = ff->release_args;
	enum vng_no_op no = isdir ? VNG_NO_OPENDIR : VNG_NO_OPEN;

	if (!isdir && inode && S_ISREG(inode->i_mode) &&
	    !list_empty(&ff->write_entry)) {
		struct vng_inode *vi = vng_i(inode);

		/* pages dirtied through a shared mapping of this file */
		filemap_write_and_wait(inode->i_mapping);
		spin_lock(&vi->lock);
		list_del_init(&ff->write_entry);
		spin_unlock(&vi->lock);
	}

	if (!vng_conn_no(conn, no)) {
		ra->in.fh = ff->fh;
		ra->in.flags = file_flags & ~(O_CREAT | O_EXCL | O_NOCTTY);
		if (ff->flock) {
			ra->in.release_flags |= FUSE_RELEASE_FLOCK_UNLOCK;
			ra->in.lock_owner = ff->lock_owner;
		}
		ra->args.opcode = isdir ? FUSE_RELEASEDIR : FUSE_RELEASE;
		ra->args.nodeid = ff->nodeid;
		ra->args.in_numargs = 1;
		ra->args.in_args[0].size = sizeof(ra->in);
		ra->args.in_args[0].value = &ra->in;
		ra->args.force = true;
		ra->args.nocreds = true;
	}

	/* readahead or writeback still using the handle sends RELEASE */
	if (!refcount_dec_and_test(&ff->kref.refcount))
		return;
	if (ra->args.opcode)
		vng_request(conn, &ra->args);
	vng_file_free(ff);
}

static int vng_open(struct inode *inode, struct file *file)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff;
	bool dax_trunc = false;
	int err;

	if (vng_is_bad(inode))
		return -EIO;
	err = generic_file_open(inode, file);
	if (err)
		return err;

	/*
	 * A truncating open done by the host must not be followed by
	 * writeback of pages dirtied before it.
	 */
	if ((file->f_flags & O_TRUNC) &&
	    vng_conn_has(conn, FUSE_ATOMIC_O_TRUNC)) {
		err = vng_write_inode_now(inode);
		if (err)
			return err;
		/* DAX hook: no mapping may reach past the end the host cuts */
		dax_trunc = IS_DAX(inode);
	}
	if (dax_trunc) {
		inode_lock(inode);
		err = vng_dax_block_faults(inode, 0, LLONG_MAX);
		if (err) {
			vng_dax_unblock_faults(inode, 0, 0);
			inode_unlock(inode);
			return err;
		}
	}

	ff = vng_file_open(inode, file->f_flags, false);
	if (!IS_ERR(ff))
		vng_finish_open(inode, file, ff);
	if (dax_trunc) {
		vng_dax_unblock_faults(inode, 0, LLONG_MAX);
		inode_unlock(inode);
	}
	return PTR_ERR_OR_ZERO(ff);
}

static int vng_release(struct inode *inode, struct file *file)
{
	struct vng_file *ff = file->private_data;

	if (ff)
		vng_file_release(inode, ff, false, file->f_flags);
	return 0;
}

struct vng_flush_async {
	struct vng_args args;
	struct fuse_flush_in in;
};

static void vng_flush_async_end(struct vng_conn *conn, struct vng_args *args,
				int error)
{
	kfree(container_of(args, struct vng_flush_async, args));
}

/*
 * A task that exits or was killed closes its files on the way out: it must
 * not wait for a host that may never answer.  The FLUSH still goes out (it
 * releases the owner's POSIX locks on the host), in the background.
 */
static void vng_flush_background(struct vng_conn *conn,
				 const struct vng_args *args,
				 const struct fuse_flush_in *in)
{
	struct vng_flush_async *fa;

	fa = kmalloc(sizeof(*fa), GFP_KERNEL | __GFP_NOFAIL);
	fa->args = *args;
	fa->in = *in;
	fa->args.in_args[0].value = &fa->in;
	fa->args.end = vng_flush_async_end;
	vng_request_async(conn, &fa->args, GFP_KERNEL);
}

/*
 * Writeback cache: the guest set mtime and ctime when the data was written,
 * the host its own when the data arrived.  On close the host gets ours,
 * as with fs/fuse, so the times survive the inode leaving our cache.
 */
static void vng_flush_times(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	struct fuse_setattr_in in = {};
	struct fuse_attr_out out = {};
	struct vng_args args = {};
	struct timespec64 ts;

	if (!test_and_clear_bit(VNG_I_CMTIME_DIRTY, &vng_i(inode)->state))
		return;
	in.valid = FATTR_MTIME | FATTR_FH;
	in.fh = ff->fh;
	ts = inode_get_mtime(inode);
	in.mtime = ts.tv_sec;
	in.mtimensec = ts.tv_nsec;
	if (conn->minor >= 23) {
		ts = inode_get_ctime(inode);
		in.valid |= FATTR_CTIME;
		in.ctime = ts.tv_sec;
		in.ctimensec = ts.tv_nsec;
	}
	vng_args_in_out(&args, FUSE_SETATTR, vng_nodeid(inode),
			&in, sizeof(in), &out, sizeof(out));
	/*
	 * Best effort: a writer that does not own the file may not set
	 * times explicitly, and close must not fail for that.
	 */
	vng_request(conn, &args);
	vng_invalidate_attr_mask(inode, STATX_ATIME | STATX_BLOCKS);
}

static int vng_flush(struct file *file, fl_owner_t id)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	struct fuse_flush_in in = {};
	struct vng_args args = {};
	ssize_t ret;
	int err = 0;

	if (vng_is_bad(inode))
		return -EIO;
	if (file->f_mode & FMODE_WRITE) {
		err = vng_write_inode_now(inode);
		if (!err && vng_writeback_cache(inode) &&
		    !(current->flags & PF_EXITING) &&
		    !fatal_signal_pending(current))
			vng_flush_times(file);
	}
	if (vng_conn_no(conn, VNG_NO_FLUSH))
		return err;
	/*
	 * FOPEN_NOFLUSH: the host has nothing to do on close, unless it
	 * holds POSIX locks that FLUSH releases.
	 */
	if ((ff->open_flags & FOPEN_NOFLUSH) &&
	    (!vng_conn_has(conn, FUSE_POSIX_LOCKS) ||
	     vng_conn_no(conn, VNG_NO_LOCK)))
		return err;

	in.fh = ff->fh;
	in.lock_owner = vng_lock_owner_id(id);
	args.opcode = FUSE_FLUSH;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.force = true;
	if ((current->flags & PF_EXITING) || fatal_signal_pending(current)) {
		vng_flush_background(conn, &args, &in);
		ret = 0;
	} else {
		ret = vng_request(conn, &args);
	}
	if (vng_unimplemented(ret)) {
		vng_conn_set_no(conn, VNG_NO_FLUSH);
		ret = 0;
	}
	/* the host may have changed mtime or size on close */
	if (file->f_mode & FMODE_WRITE)
		vng_invalidate_attr_mask(inode, STATX_MTIME | STATX_CTIME |
					 STATX_BLOCKS);
	return err ? err : ret;
}

int vng_fsync_common(struct file *file, loff_t start, loff_t end,
		     int datasync, int opcode)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	enum vng_no_op no = opcode == FUSE_FSYNCDIR ? VNG_NO_FSYNCDIR :
						      VNG_NO_FSYNC;
	struct fuse_fsync_in in = {};
	struct vng_args args = {};
	ssize_t ret;

	if (vng_is_bad(inode))
		return -EIO;
	if (opcode == FUSE_FSYNC) {
		ret = file_write_and_wait_range(file, start, end);
		if (ret)
			return ret;
	}
	if (vng_conn_no(conn, no))
		return 0;

	in.fh = ff->fh;
	in.fsync_flags = datasync ? FUSE_FSYNC_FDATASYNC : 0;
	args.opcode = opcode;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;

	inode_lock(inode);
	ret = vng_request(conn, &args);
	inode_unlock(inode);
	if (vng_unimplemented(ret)) {
		vng_conn_set_no(conn, no);
		ret = 0;
	}
	return ret;
}

static int vng_fsync(struct file *file, loff_t start, loff_t end,
		     int datasync)
{
	return vng_fsync_common(file, start, end, datasync, FUSE_FSYNC);
}

#define VNG_FALLOC_MODES \
	(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)

static long vng_fallocate(struct file *file, int mode, loff_t offset,
			  loff_t length)
{
	struct inode *inode = file_inode(file);
	struct vng_inode *vi = vng_i(inode);
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	bool keep_size = mode & FALLOC_FL_KEEP_SIZE;
	bool discard = mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE);
	struct fuse_fallocate_in in = {};
	struct vng_args args = {};
	loff_t end;
	ssize_t ret;

	if (vng_is_bad(inode))
		return -EIO;
	if (mode & ~VNG_FALLOC_MODES)
		return -EOPNOTSUPP;
	if (vng_conn_no(conn, VNG_NO_FALLOCATE))
		return -EOPNOTSUPP;
	if (offset < 0 || length <= 0 ||
	    check_add_overflow(offset, length, &end))
		return -EINVAL;

	inode_lock(inode);
	/* DAX hook: faults wait while a hole is cut (no-op without DAX) */
	if (discard) {
		ret = vng_dax_block_faults(inode, offset, end - 1);
		if (ret)
			goto out_unlock;
	}
	if (!keep_size) {
		ret = inode_newsize_ok(inode, end);
		if (ret)
			goto out_unlock;
		ret = file_modified(file);
		if (ret)
			goto out_unlock;
	}
	if (discard) {
		/* dirty mmap data in the range must not land after the hole */
		ret = filemap_write_and_wait_range(inode->i_mapping, offset,
						   end - 1);
		if (ret)
			goto out_unlock;
	}
	if (!keep_size)
		set_bit(VNG_I_SIZE_UNSTABLE, &vi->state);

	in.fh = ff->fh;
	in.offset = offset;
	in.length = length;
	in.mode = mode;
	args.opcode = FUSE_FALLOCATE;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	ret = vng_request(conn, &args);
	if (vng_unimplemented(ret)) {
		vng_conn_set_no(conn, VNG_NO_FALLOCATE);
		ret = -EOPNOTSUPP;
	}
	if (!ret) {
		if (!keep_size)
			vng_write_update_size(inode, end);
		if (discard)
			truncate_pagecache_range(inode, offset, end - 1);
	}
	vng_invalidate_attr_mask(inode, STATX_MTIME | STATX_CTIME |
				 STATX_BLOCKS | STATX_SIZE);
	if (!keep_size)
		clear_bit(VNG_I_SIZE_UNSTABLE, &vi->state);
out_unlock:
	/* DAX hook: ranges wholly inside the hole go back to the window */
	if (discard)
		vng_dax_unblock_faults(inode, offset, ret ? offset : end);
	inode_unlock(inode);
	return ret;
}

static loff_t vng_lseek_data_hole(struct file *file, loff_t offset,
				  int whence)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	struct fuse_lseek_in in = {};
	struct fuse_lseek_out out = {};
	struct vng_args args = {};
	ssize_t ret;

	if (vng_conn_no(conn, VNG_NO_LSEEK))
		goto fallback;
	/* the host finds data and holes in what it has: give it our data */
	ret = filemap_write_and_wait(inode->i_mapping);
	if (ret)
		return ret;

	in.fh = ff->fh;
	in.offset = offset;
	in.whence = whence;
	vng_args_in_out(&args, FUSE_LSEEK, vng_nodeid(inode),
			&in, sizeof(in), &out, sizeof(out));
	ret = vng_request(conn, &args);
	if (vng_unimplemented(ret)) {
		vng_conn_set_no(conn, VNG_NO_LSEEK);
		goto fallback;
	}
	if (ret < 0)
		return ret;
	/* both searches move forward and stay within what a file can be */
	if (out.offset > (u64)inode->i_sb->s_maxbytes ||
	    (offset >= 0 && out.offset < (u64)offset)) {
		vng_conn_err(conn, "LSEEK of node %llu: offset %llu from %lld is not sane",
			     vng_nodeid(inode), out.offset, offset);
		return -EIO;
	}
	return vfs_setpos(file, out.offset, inode->i_sb->s_maxbytes);

fallback:
	ret = vng_update_attributes(inode, file, STATX_SIZE);
	if (ret)
		return ret;
	return generic_file_llseek(file, offset, whence);
}

static loff_t vng_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	int err;

	if (vng_is_bad(inode))
		return -EIO;
	switch (whence) {
	case SEEK_SET:
	case SEEK_CUR:
		return generic_file_llseek(file, offset, whence);
	case SEEK_END:
		err = vng_update_attributes(inode, file, STATX_SIZE);
		if (err)
			return err;
		return generic_file_llseek(file, offset, whence);
	case SEEK_DATA:
	case SEEK_HOLE:
		return vng_lseek_data_hole(file, offset, whence);
	}
	return -EINVAL;
}

/* FUSE_COPY_FILE_RANGE is 7.28; its reply size is 32 bits */
#define VNG_COPY_MINOR		28
#define VNG_COPY_MAX		((size_t)(U32_MAX & PAGE_MASK))

static ssize_t __vng_copy_file_range(struct file *file_in, loff_t pos_in,
				     struct file *file_out, loff_t pos_out,
				     size_t len, unsigned int flags)
{
	struct inode *inode_in = file_inode(file_in);
	struct inode *inode_out = file_inode(file_out);
	struct vng_inode *vi_out = vng_i(inode_out);
	struct vng_conn *conn = vng_i_conn(inode_out);
	struct vng_file *ff_in = file_in->private_data;
	struct vng_file *ff_out = file_out->private_data;
	struct fuse_copy_file_range_in in = {};
	struct fuse_write_out out = {};
	struct vng_args args = {};
	ssize_t ret;

	if (flags)
		return -EINVAL;
	if (inode_in->i_sb != inode_out->i_sb ||
	    file_in->f_op != file_out->f_op)
		return -EXDEV;
	if (vng_conn_no(conn, VNG_NO_COPY_FILE_RANGE) ||
	    conn->minor < VNG_COPY_MINOR)
		return -EOPNOTSUPP;
	if (vng_is_bad(inode_in) || vng_is_bad(inode_out))
		return -EIO;
	if (!len)
		return 0;
	len = min(len, VNG_COPY_MAX);

	/*
	 * The host copies what it has: give it our dirty source pages, up to
	 * the end of file, since with the writeback cache a dirty page past
	 * the range may be what makes the host's file long enough.
	 */
	ret = filemap_write_and_wait_range(inode_in->i_mapping, pos_in,
					   LLONG_MAX);
	if (ret)
		return ret;

	inode_lock(inode_out);
	ret = file_modified(file_out);
	if (ret)
		goto out_unlock;
	ret = filemap_write_and_wait_range(inode_out->i_mapping, pos_out,
					   LLONG_MAX);
	if (ret)
		goto out_unlock;
	set_bit(VNG_I_SIZE_UNSTABLE, &vi_out->state);

	in.fh_in = ff_in->fh;
	in.off_in = pos_in;
	in.nodeid_out = vng_nodeid(inode_out);
	in.fh_out = ff_out->fh;
	in.off_out = pos_out;
	in.len = len;
	vng_args_in_out(&args, FUSE_COPY_FILE_RANGE, vng_nodeid(inode_in),
			&in, sizeof(in), &out, sizeof(out));
	ret = vng_request(conn, &args);
	if (vng_unimplemented(ret)) {
		vng_conn_set_no(conn, VNG_NO_COPY_FILE_RANGE);
		ret = -EOPNOTSUPP;
	} else if (!ret && out.size > len) {
		vng_conn_err(conn, "COPY_FILE_RANGE of node %llu: copied %u of %zu bytes",
			     vng_nodeid(inode_in), out.size, len);
		ret = -EIO;
	} else if (!ret) {
		ret = out.size;
	}
	if (ret > 0) {
		/* the copy landed under our cached pages: drop them */
		invalidate_inode_pages2_range(inode_out->i_mapping,
					      pos_out >> PAGE_SHIFT,
					      (pos_out + ret - 1) >> PAGE_SHIFT);
		vng_write_update_size(inode_out, pos_out + ret);
	}
	vng_invalidate_attr_mask(inode_out, STATX_MTIME | STATX_CTIME |
				 STATX_BLOCKS | STATX_SIZE);
	clear_bit(VNG_I_SIZE_UNSTABLE, &vi_out->state);
out_unlock:
	inode_unlock(inode_out);
	return ret;
}

static ssize_t vng_copy_file_range(struct file *file_in, loff_t pos_in,
				   struct file *file_out, loff_t pos_out,
				   size_t len, unsigned int flags)
{
	ssize_t ret;

	ret = __vng_copy_file_range(file_in, pos_in, file_out, pos_out, len,
				    flags);
	/* no host copy: the VFS's splice copy through our read and write */
	if (ret == -EOPNOTSUPP || ret == -EXDEV)
		ret = generic_copy_file_range(file_in, pos_in, file_out,
					      pos_out, len, flags);
	return ret;
}

const struct file_operations vng_file_operations = {
	.llseek		= vng_llseek,
	.read_iter	= vng_file_read_iter,
	.write_iter	= vng_file_write_iter,
	.mmap		= vng_file_mmap,
	/*
	 * A mapping placed on a PMD boundary lets a DAX fault map a whole
	 * 2 MiB range of the window at once; without it every fault maps
	 * one page (measured: 0 PMD faults, random mmap loads 0.77x of the
	 * same reads without DAX).
	 */
	.get_unmapped_area = thp_get_unmapped_area,
	.open		= vng_open,
	.flush		= vng_flush,
	.release	= vng_release,
	.fsync		= vng_fsync,
	.lock		= vng_lock,
	.flock		= vng_flock,
	.splice_read	= filemap_splice_read,
	.splice_write	= iter_file_splice_write,
	.fallocate	= vng_fallocate,
	.copy_file_range = vng_copy_file_range,
};

VNG_DEFINE_READ_FOLIO_ADAPTER(vng_read_folio)

VNG_DEFINE_LAUNDER_FOLIO_ADAPTER(vng_launder_folio)

const struct address_space_operations vng_file_aops = {
	VNG_AOPS_READ_FOLIO(vng_read_folio),
	.readahead	= vng_readahead,
	VNG_AOPS_WRITEPAGE(vng_writepage)
	.writepages	= vng_writepages,
	VNG_AOPS_DIRTY_FOLIO,
	VNG_AOPS_DIRECT_IO
	VNG_AOPS_LAUNDER_FOLIO(vng_launder_folio),
	/* O_DIRECT is handled in read_iter / write_iter (direct.c) */
	.direct_IO	= noop_direct_IO,
	VNG_AOPS_ERROR_REMOVE,
};
