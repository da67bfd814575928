// SPDX-License-Identifier: GPL-2.0
/*
 * Directory listing: READDIRPLUS (names with their attributes, which also
 * populate the dcache) with a fallback to plain READDIR, and the directory
 * file operations.
 *
 * The host's reply is a packed sequence of records, each checked before
 * use: a record must fit in what is left of the reply, its name must be a
 * real name (1..NAME_MAX bytes, no '/' or NUL), its type a DT_* value.
 * Every READDIRPLUS record with a non-zero node id (except "." and "..")
 * carries a lookup reference, which must reach an inode or go back with a
 * FORGET even when the caller's buffer is already full.
 *
 * With cache=always or the host's FOPEN_CACHE_DIR, a sequential listing
 * from offset 0 also fills the directory's cached listing, and later
 * listings are served from it while it stays valid (dircache.c).
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>

#include "fs.h"

/* Bytes asked for per request: one page, like the kernel's fuse. */
#define VNG_READDIR_BUF		PAGE_SIZE

static int vng_dir_open(struct inode *inode, struct file *file)
{
	struct vng_file *ff;

	if (vng_is_bad(inode))
		return -EIO;
	ff = vng_file_open(inode, file->f_flags, true);
	if (IS_ERR(ff))
		return PTR_ERR(ff);
	vng_dircache_open(inode, ff);
	file->private_data = ff;
	return 0;
}

static int vng_dir_release(struct inode *inode, struct file *file)
{
	struct vng_file *ff = file->private_data;

	if (ff) {
		vng_dircache_release(ff);
		vng_file_release(inode, ff, true, file->f_flags);
	}
	return 0;
}

static int vng_dir_fsync(struct file *file, loff_t start, loff_t end,
			 int datasync)
{
	return vng_fsync_common(file, start, end, datasync, FUSE_FSYNCDIR);
}

bool vng_dirent_is_dot(const struct fuse_dirent *d)
{
	return (d->namelen == 1 && d->name[0] == '.') ||
	       (d->namelen == 2 && d->name[0] == '.' && d->name[1] == '.');
}

static bool vng_dirent_type_valid(u32 type)
{
	switch (type) {
	case DT_UNKNOWN:
	case DT_FIFO:
	case DT_CHR:
	case DT_DIR:
	case DT_BLK:
	case DT_REG:
	case DT_LNK:
	case DT_SOCK:
	case DT_WHT:
		return true;
	}
	return false;
}

size_t vng_check_dirent(const struct fuse_dirent *d, size_t len,
			size_t header)
{
	size_t reclen;

	if (len < header + FUSE_NAME_OFFSET)
		return 0;
	if (!d->namelen || d->namelen > NAME_MAX)
		return 0;
	reclen = header + FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d->namelen);
	/* the last record's padding may be cut, its name may not */
	if (header + FUSE_NAME_OFFSET + d->namelen > len)
		return 0;
	if (memchr(d->name, '/', d->namelen) || memchr(d->name, 0, d->namelen))
		return 0;
	if (!vng_dirent_type_valid(d->type))
		return 0;
	return min(reclen, len);
}

bool vng_direntplus_node_ok(const struct fuse_direntplus *dp)
{
	const struct fuse_entry_out *o = &dp->entry_out;
	const struct fuse_dirent *d = &dp->dirent;

	return o->nodeid != VNG_ROOT_ID && vng_attr_valid(&o->attr) &&
	       (d->type == DT_UNKNOWN ||
		d->type == ((o->attr.mode & S_IFMT) >> 12));
}

/*
 * Puts the node of a READDIRPLUS record into the dcache, consuming its
 * lookup reference either way.
 */
static void vng_direntplus_link(struct file *file,
				const struct fuse_direntplus *dp,
				u64 attr_version)
{
	const struct fuse_entry_out *o = &dp->entry_out;
	const struct fuse_dirent *d = &dp->dirent;
	struct dentry *parent = file->f_path.dentry;
	struct inode *dir = d_inode(parent);
	struct super_block *sb = dir->i_sb;
	struct vng_conn *conn = vng_sb_conn(sb);
	struct qstr name = QSTR_INIT(d->name, d->namelen);
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	struct dentry *dentry, *alias;
	struct inode *inode;

	/* "." and ".." come without a reference; 0 means "no entry info" */
	if (!o->nodeid || vng_dirent_is_dot(d))
		return;
	if (!vng_direntplus_node_ok(dp)) {
		vng_conn_err(conn, "READDIRPLUS entry '%.*s': invalid node",
			     (int)d->namelen, d->name);
		vng_forget(conn, o->nodeid, 1);
		return;
	}

	name.hash = full_name_hash(parent, name.name, name.len);
	dentry = d_lookup(parent, &name);
	if (!dentry) {
		dentry = vng_d_alloc_parallel(parent, &name, &wq);
		if (IS_ERR(dentry)) {
			vng_forget(conn, o->nodeid, 1);
			return;
		}
	}

	if (!d_in_lookup(dentry)) {
		/* already known: keep it if it is the same node */
		inode = d_inode(dentry);
		if (inode && vng_nodeid(inode) == o->nodeid &&
		    !vng_stale_inode(inode, o->generation, &o->attr) &&
		    !vng_is_bad(inode)) {
			spin_lock(&vng_i(inode)->lock);
			vng_i(inode)->nlookup++;
			spin_unlock(&vng_i(inode)->lock);
			vng_change_attributes(inode, &o->attr,
					      vng_timeout(sb, o->attr_valid,
							  o->attr_valid_nsec),
					      attr_version);
			vng_dentry_settime(dentry, o->entry_valid,
					   o->entry_valid_nsec);
			/* as for a new one: its use advises READDIRPLUS */
			set_bit(VNG_I_INIT_RDPLUS, &vng_i(inode)->state);
		} else {
			/* the name now means another node: look it up anew */
			d_invalidate(dentry);
			vng_forget(conn, o->nodeid, 1);
		}
		dput(dentry);
		return;
	}

	inode = vng_iget(sb, o->nodeid, o->generation, &o->attr,
			 vng_timeout(sb, o->attr_valid, o->attr_valid_nsec),
			 attr_version);
	if (IS_ERR(inode))
		inode = NULL;	/* reference already given back */
	else
		set_bit(VNG_I_INIT_RDPLUS, &vng_i(inode)->state);
	alias = d_splice_alias(inode, dentry);
	d_lookup_done(dentry);
	if (alias && !IS_ERR(alias)) {
		dput(dentry);
		dentry = alias;
	}
	if (!IS_ERR(alias) && inode)
		vng_dentry_settime(dentry, o->entry_valid,
				   o->entry_valid_nsec);
	dput(dentry);
}

/*
 * The host's offsets must not come back within one pass over a directory,
 * or getdents would never reach the end.  They are opaque cookies, so
 * only equality can be tested: Brent's cycle detection, one saved offset
 * per open directory, finds any cycle within a few times its length.  A
 * seek (or rewinddir) starts a new pass.
 */
static void vng_walk_start(struct vng_dir_walk *w, loff_t pos)
{
	if (w->span && w->pos == pos)
		return;
	w->pos = pos;
	w->mark = pos;
	w->steps = 0;
	w->span = 1;
}

static bool vng_walk_seen(const struct vng_dir_walk *w, loff_t off)
{
	return off == w->mark;
}

static void vng_walk_step(struct vng_dir_walk *w, loff_t off)
{
	w->pos = off;
	if (++w->steps < w->span)
		return;
	w->mark = off;
	w->steps = 0;
	if (w->span <= U32_MAX / 2)
		w->span <<= 1;
}

/*
 * Walks one reply.  Returns 0 or -EIO; a malformed record ends the walk
 * (the references of the records after it cannot be known).
 */
static int vng_parse_dir(struct file *file, struct dir_context *ctx,
			 struct vng_dir_walk *walk, const char *buf,
			 size_t nbytes, bool plus, u64 attr_version)
{
	struct vng_conn *conn = vng_i_conn(file_inode(file));
	size_t header = plus ? offsetof(struct fuse_direntplus, dirent) : 0;
	bool over = false;
	int err = 0;

	while (nbytes) {
		const struct fuse_direntplus *dp = (const void *)buf;
		const struct fuse_dirent *d = (const void *)(buf + header);
		size_t reclen;

		reclen = vng_check_dirent(d, nbytes, header);
		if (!reclen) {
			vng_conn_err(conn, "%s: malformed directory entry",
				     plus ? "READDIRPLUS" : "READDIR");
			err = -EIO;
			break;
		}
		if (!over) {
			/* the cookie must move on, or listing never ends */
			if (vng_walk_seen(walk, d->off)) {
				vng_conn_err(conn,
					     "directory node %llu: offset %lld came back, the host's offsets cycle",
					     vng_nodeid(file_inode(file)),
					     (loff_t)d->off);
				err = -EIO;
				over = true;
			} else if (!dir_emit(ctx, d->name, d->namelen, d->ino,
					     d->type)) {
				over = true;
			} else {
				ctx->pos = d->off;
				vng_walk_step(walk, d->off);
				vng_dircache_fill_add(file, d);
			}
		}
		if (plus)
			vng_direntplus_link(file, dp, attr_version);
		buf += reclen;
		nbytes -= reclen;
	}
	return err;
}

/*
 * READDIRPLUS costs the host a lookup per name and us an inode per name:
 * worth it when the names will be used.  With READDIRPLUS_AUTO that is the
 * first batch and any batch after a name of this directory was used: looked
 * up (dir.c) or, made or refreshed by READDIRPLUS, walked through
 * (d_revalidate) - so "rm -rf" or "ls -l" get every batch with attributes
 * and no LOOKUPs, while a bare listing stays on READDIR.  Never with
 * cache=none, where the dentries it would fill expire at once.
 */
static bool vng_use_readdirplus(struct inode *dir, struct dir_context *ctx)
{
	struct vng_conn *conn = vng_i_conn(dir);

	if (!vng_conn_has(conn, FUSE_DO_READDIRPLUS) ||
	    vng_conn_no(conn, VNG_NO_READDIRPLUS))
		return false;
	if (vng_sb(dir->i_sb)->opts.cache == VNG_CACHE_NONE)
		return false;
	if (!vng_conn_has(conn, FUSE_READDIRPLUS_AUTO))
		return true;
	if (test_and_clear_bit(VNG_I_ADVISE_RDPLUS, &vng_i(dir)->state))
		return true;
	return ctx->pos == 0;
}

static int vng_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	struct vng_conn *conn = vng_i_conn(dir);
	struct vng_file *ff = file->private_data;
	struct vng_dir_walk local = {}, *walk = ff ? &ff->walk : &local;
	struct fuse_read_in in = {};
	struct vng_page_desc desc = { .length = VNG_READDIR_BUF };
	struct vng_args args = {};
	u64 attr_version = 0;
	struct page *page;
	bool plus;
	ssize_t len;
	int err;

	if (vng_is_bad(dir))
		return -EIO;
	if (vng_dircache_serve(file, ctx, &err))
		return err;
	/* the reply lands in the page itself, as READ data does */
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	vng_walk_start(walk, ctx->pos);
	vng_dircache_fill_begin(file, ctx->pos);

again:
	plus = vng_use_readdirplus(dir, ctx);
	memset(&in, 0, sizeof(in));
	memset(&args, 0, sizeof(args));
	in.fh = ff ? ff->fh : 0;
	in.offset = ctx->pos;
	in.size = VNG_READDIR_BUF;
	in.flags = file->f_flags;
	args.opcode = plus ? FUSE_READDIRPLUS : FUSE_READDIR;
	args.nodeid = vng_nodeid(dir);
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.out_pages = true;
	args.out_argvar = true;
	args.pages = &page;
	args.descs = &desc;
	args.num_pages = 1;
	if (plus)
		attr_version = atomic64_read(&conn->attr_version);
	vng_dircache_count_host(dir);
	len = vng_request(conn, &args);
	if (vng_unimplemented(len) && plus) {
		vng_conn_set_no(conn, VNG_NO_READDIRPLUS);
		goto again;
	}
	if (len < 0) {
		err = len;
		goto out;
	}
	err = vng_parse_dir(file, ctx, walk, page_address(page), len, plus,
			    attr_version);
out:
	vng_dircache_fill_end(file, ctx->pos, err, !err && !len);
	__free_page(page);
	/* a listing shows the directory was read: atime is the host's now */
	vng_invalidate_attr_mask(dir, STATX_ATIME);
	return err;
}

const struct file_operations vng_dir_operations = {
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= vng_readdir,
	.open		= vng_dir_open,
	.release	= vng_dir_release,
	.fsync		= vng_dir_fsync,
};
