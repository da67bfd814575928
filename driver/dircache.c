// SPDX-License-Identifier: GPL-2.0
/*
 * Directory listings kept across opens (dircache.h).
 *
 * Choices, and why:
 *
 * - A listing is a chain of page-sized chunks of packed records (the
 *   host's d_off, ino, type and name), not the directory's page cache:
 *   it is only ever walked from the front, and chunks need no contiguous
 *   allocation whatever the directory's size.  A published listing never
 *   changes; readers take a reference under vng_inode.lock, so an
 *   invalidation only unpublishes it and the last reader frees it.
 *
 * - Only a complete listing is served: one open's sequential listing from
 *   offset 0 to EOF fills it, with exactly the records readdir.c checked
 *   (vng_check_dirent) and handed to the caller.  A seek, an error or
 *   memory running short abandons the fill; nothing partial is ever used.
 *
 * - A fill must not publish what a change made stale while it was in
 *   flight: it remembers vng_dircache.version when it began, every
 *   invalidation bumps the version, and publishing checks it under the
 *   lock.  A listing from the start first refreshes the directory's
 *   attributes if they expired, so that a host change seen only through
 *   mtime (no notification queue, no polling) ends the cached listing
 *   within the attribute timeout, as the host allows.
 *
 * - Positions stay the host's cookies: ctx->pos after a record is its
 *   d_off, cached or not, so telldir()/seekdir() and lseek() on the
 *   directory work the same across both paths.  A seek to a cookie the
 *   listing does not have goes to the host.  Each open remembers where it
 *   stopped in which listing (by a unique id), so small getdents buffers
 *   do not rescan from the front.
 *
 * - Memory is bounded: VNG_DC_DIR_MAX per directory, VNG_DC_TOTAL_MAX for
 *   all listings together (fills included); over either the listing is
 *   simply not cached.  Listings go with their inode (eviction), so
 *   memory pressure on the inode cache reclaims them too.
 */
#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "dircache.h"
#include "fs.h"
#include "notify.h"

#define VNG_DC_CHUNK		PAGE_SIZE
/* 2 MiB: some 50,000 names of 16 bytes */
#define VNG_DC_DIR_MAX		(2UL << 20)
#define VNG_DC_TOTAL_MAX	(64UL << 20)

struct vng_dc_rec {
	u64 off;		/* the host's d_off: the position after it */
	u64 ino;
	u32 type;
	u32 namelen;
	char name[];
};

struct vng_dc_chunk {
	struct vng_dc_chunk *next;
	u32 used;
	char data[] __aligned(8);
};

#define VNG_DC_DATA_MAX	(VNG_DC_CHUNK - offsetof(struct vng_dc_chunk, data))

struct vng_dirlist {
	struct kref kref;
	u64 id;			/* unique: an open's saved place names it */
	struct vng_dc_chunk *head, *tail;
	size_t bytes;		/* chunks allocated */
	loff_t end;		/* the last record's d_off: EOF is there */
};

/* bytes of all listings and fills, against VNG_DC_TOTAL_MAX */
static atomic_long_t vng_dc_total = ATOMIC_LONG_INIT(0);
static atomic64_t vng_dc_ids = ATOMIC64_INIT(0);

static size_t vng_dc_reclen(u32 namelen)
{
	return ALIGN(sizeof(struct vng_dc_rec) + namelen, 8);
}

static struct vng_dirlist *vng_dirlist_new(void)
{
	struct vng_dirlist *l;

	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l)
		return NULL;
	kref_init(&l->kref);
	l->id = atomic64_inc_return(&vng_dc_ids);
	return l;
}

static void vng_dirlist_release(struct kref *kref)
{
	struct vng_dirlist *l = container_of(kref, struct vng_dirlist, kref);
	struct vng_dc_chunk *c, *next;

	for (c = l->head; c; c = next) {
		next = c->next;
		kfree(c);
	}
	atomic_long_sub(l->bytes, &vng_dc_total);
	kfree(l);
}

static void vng_dirlist_put(struct vng_dirlist *l)
{
	if (l)
		kref_put(&l->kref, vng_dirlist_release);
}

/* A new chunk at the tail; false over a cap or without memory. */
static bool vng_dirlist_grow(struct vng_dirlist *l)
{
	struct vng_dc_chunk *c;

	if (l->bytes + VNG_DC_CHUNK > VNG_DC_DIR_MAX)
		return false;
	if (atomic_long_add_return(VNG_DC_CHUNK, &vng_dc_total) >
	    VNG_DC_TOTAL_MAX)
		goto undo;
	/* a cache: failing to allocate is no error worth a warning */
	c = kmalloc(VNG_DC_CHUNK, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!c)
		goto undo;
	c->next = NULL;
	c->used = 0;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->bytes += VNG_DC_CHUNK;
	return true;
undo:
	atomic_long_sub(VNG_DC_CHUNK, &vng_dc_total);
	return false;
}

/* Appends a checked record; false when it cannot be kept. */
static bool vng_dirlist_add(struct vng_dirlist *l, const struct fuse_dirent *d)
{
	size_t len = vng_dc_reclen(d->namelen);
	struct vng_dc_rec *r;

	if ((!l->tail || l->tail->used + len > VNG_DC_DATA_MAX) &&
	    !vng_dirlist_grow(l))
		return false;
	r = (struct vng_dc_rec *)(l->tail->data + l->tail->used);
	r->off = d->off;
	r->ino = d->ino;
	r->type = d->type;
	r->namelen = d->namelen;
	memcpy(r->name, d->name, d->namelen);
	l->tail->used += len;
	l->end = d->off;
	return true;
}

/* The record at (c, off) and the place after it. */
static const struct vng_dc_rec *vng_dc_next(struct vng_dc_chunk **c, u32 *off)
{
	const struct vng_dc_rec *r = (const void *)((*c)->data + *off);

	*off += vng_dc_reclen(r->namelen);
	if (*off >= (*c)->used) {
		*c = (*c)->next;
		*off = 0;
	}
	return r;
}

/*
 * The record a listing at pos continues with: the one after the record
 * whose d_off is pos (the first for 0); *c NULL means EOF.  False when
 * the listing has no such position.
 */
static bool vng_dirlist_find(struct vng_dirlist *l, loff_t pos,
			     struct vng_dc_chunk **c, u32 *off)
{
	struct vng_dc_chunk *cur = l->head;
	u32 cur_off = 0;
	loff_t prev = 0;

	while (cur) {
		if (prev == pos) {
			*c = cur;
			*off = cur_off;
			return true;
		}
		prev = vng_dc_next(&cur, &cur_off)->off;
	}
	*c = NULL;
	*off = 0;
	return prev == pos;
}

static void vng_dc_count(struct inode *dir, bool cached)
{
	struct vng_conn *conn = vng_i_conn(dir);

	if (conn->watch)
		atomic64_inc(cached ? &conn->watch->readdir_cached :
				      &conn->watch->readdir_host);
}

void vng_dircache_count_host(struct inode *dir)
{
	vng_dc_count(dir, false);
}

void vng_dircache_init(struct inode *dir)
{
	struct vng_inode *vi = vng_i(dir);

	vi->dc.version = 0;
	vi->dc.list = NULL;
}

void vng_dircache_invalidate(struct inode *dir)
{
	struct vng_inode *vi = vng_i(dir);
	struct vng_dirlist *old;

	spin_lock(&vi->lock);
	vi->dc.version++;
	old = vi->dc.list;
	vi->dc.list = NULL;
	spin_unlock(&vi->lock);
	vng_dirlist_put(old);
}

void vng_dircache_evict(struct inode *dir)
{
	struct vng_inode *vi = vng_i(dir);

	vng_dirlist_put(vi->dc.list);
	vi->dc.list = NULL;
}

void vng_dircache_open(struct inode *dir, struct vng_file *ff)
{
	enum vng_cache_policy cache = vng_sb(dir->i_sb)->opts.cache;

	/* cache=always keeps directories as it keeps files (FOPEN_KEEP_CACHE) */
	ff->dc.cacheable = cache != VNG_CACHE_NONE &&
			   cache != VNG_CACHE_METADATA &&
			   ((ff->open_flags & FOPEN_CACHE_DIR) ||
			    cache == VNG_CACHE_ALWAYS);
	/* as for file data: an open the host does not let keep starts anew */
	if (!(ff->open_flags & FOPEN_KEEP_CACHE))
		vng_dircache_invalidate(dir);
}

void vng_dircache_release(struct vng_file *ff)
{
	vng_dirlist_put(ff->dc.fill);
	ff->dc.fill = NULL;
}

bool vng_dircache_serve(struct file *file, struct dir_context *ctx, int *err)
{
	struct inode *dir = file_inode(file);
	struct vng_inode *vi = vng_i(dir);
	struct vng_file *ff = file->private_data;
	struct vng_dc_chunk *c;
	struct vng_dirlist *l;
	struct vng_dc_file *df;
	u32 off;

	if (!ff || !ff->dc.cacheable)
		return false;
	df = &ff->dc;
	/*
	 * A listing from the start: attributes past their timeout are asked
	 * for, and a changed mtime, ctime or size drops the listing
	 * (inode.c) before it is used or filled again.
	 */
	if (ctx->pos == 0 &&
	    vng_update_attributes(dir, file,
				  STATX_MTIME | STATX_CTIME | STATX_SIZE))
		return false;

	spin_lock(&vi->lock);
	l = vi->dc.list;
	if (l)
		kref_get(&l->kref);
	spin_unlock(&vi->lock);
	if (!l)
		return false;

	if (df->list_id == l->id && df->pos == ctx->pos) {
		c = df->chunk;
		off = df->chunk_off;
	} else if (!vng_dirlist_find(l, ctx->pos, &c, &off)) {
		vng_dirlist_put(l);
		return false;
	}
	while (c) {
		struct vng_dc_chunk *next_c = c;
		u32 next_off = off;
		const struct vng_dc_rec *r = vng_dc_next(&next_c, &next_off);

		if (!dir_emit(ctx, r->name, r->namelen, r->ino, r->type))
			break;
		ctx->pos = r->off;
		c = next_c;
		off = next_off;
	}
	df->list_id = l->id;
	df->chunk = c;
	df->chunk_off = off;
	df->pos = ctx->pos;
	vng_dirlist_put(l);
	vng_dc_count(dir, true);
	*err = 0;
	return true;
}

static void vng_dc_fill_drop(struct vng_dc_file *df)
{
	vng_dirlist_put(df->fill);
	df->fill = NULL;
}

void vng_dircache_fill_begin(struct file *file, loff_t pos)
{
	struct inode *dir = file_inode(file);
	struct vng_inode *vi = vng_i(dir);
	struct vng_file *ff = file->private_data;
	struct vng_dc_file *df;

	if (!ff || !ff->dc.cacheable)
		return;
	df = &ff->dc;
	if (pos) {
		/* only the continuation of this open's own listing fills */
		if (df->fill && df->fill->end != pos)
			vng_dc_fill_drop(df);
		return;
	}
	vng_dc_fill_drop(df);
	df->fill = vng_dirlist_new();
	spin_lock(&vi->lock);
	df->fill_version = vi->dc.version;
	spin_unlock(&vi->lock);
}

void vng_dircache_fill_add(struct file *file, const struct fuse_dirent *d)
{
	struct vng_file *ff = file->private_data;

	if (ff && ff->dc.fill && !vng_dirlist_add(ff->dc.fill, d))
		vng_dc_fill_drop(&ff->dc);
}

void vng_dircache_fill_end(struct file *file, loff_t pos, int err, bool eof)
{
	struct inode *dir = file_inode(file);
	struct vng_inode *vi = vng_i(dir);
	struct vng_file *ff = file->private_data;
	struct vng_dirlist *old = NULL;
	struct vng_dc_file *df;

	if (!ff || !ff->dc.fill)
		return;
	df = &ff->dc;
	if (err < 0 || df->fill->end != pos) {
		vng_dc_fill_drop(df);
		return;
	}
	if (!eof)
		return;
	spin_lock(&vi->lock);
	if (vi->dc.version == df->fill_version) {
		/* another open's equal listing may be there: this one is as new */
		old = vi->dc.list;
		vi->dc.list = df->fill;
		df->fill = NULL;
	}
	spin_unlock(&vi->lock);
	vng_dirlist_put(old);
	/* stale (changed meanwhile): dropped */
	vng_dc_fill_drop(df);
}
