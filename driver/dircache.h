/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Directory listings kept in memory across opens (dircache.c), so that
 * with cache=always (or when the host says FOPEN_CACHE_DIR) a listing
 * costs no round trip while the directory is unchanged.
 *
 * A listing is filled by an ordinary sequential listing from offset 0
 * (the records readdir.c checked and emitted), published at EOF if the
 * directory did not change meanwhile, and served from then on until
 * anything says the directory's entries changed: a local namespace
 * operation (dir.c), a host change (hostchange.c, poll.c), attributes
 * showing another mtime, ctime or size (inode.c), an open without
 * FOPEN_KEEP_CACHE.  Positions stay the host's d_off cookies, so telldir
 * and seekdir mean the same whether a listing is cached or not.
 */
#ifndef VNG_DIRCACHE_H
#define VNG_DIRCACHE_H

#include <linux/fs.h>
#include <linux/fuse.h>
#include <linux/types.h>

struct vng_dirlist;
struct vng_file;

/* Per directory inode (vng_inode.dc); vng_inode.lock protects it. */
struct vng_dircache {
	/* bumped by every invalidation: a fill started before is stale */
	u64 version;
	/* the published, complete listing, or NULL */
	struct vng_dirlist *list;
};

/* Per open directory (vng_file.dc): its fill and its place in a listing. */
struct vng_dc_file {
	/* listings of this open may be kept and served (vng_dircache_open) */
	bool cacheable;
	/* being filled by this open's sequential listing, or NULL */
	struct vng_dirlist *fill;
	u64 fill_version;	/* vng_dircache.version when the fill began */
	/* where the last listing served from memory stopped */
	u64 list_id;		/* vng_dirlist id, 0: none */
	void *chunk;		/* in that listing (valid while id matches) */
	u32 chunk_off;
	loff_t pos;
};

void vng_dircache_init(struct inode *dir);
/* The directory's entries may have changed: drop its listing. */
void vng_dircache_invalidate(struct inode *dir);
/* Eviction: frees the listing. */
void vng_dircache_evict(struct inode *dir);
/*
 * Directory open: whether listings of this open may be cached, and an
 * open without FOPEN_KEEP_CACHE drops what was cached (close-to-open).
 */
void vng_dircache_open(struct inode *dir, struct vng_file *ff);
/* Release: frees an unfinished fill. */
void vng_dircache_release(struct vng_file *ff);

/*
 * readdir: serves ctx from the cached listing.  True when it did (*err is
 * then the result), false when the host must be asked.
 */
bool vng_dircache_serve(struct file *file, struct dir_context *ctx,
			int *err);
/* readdir, before a request from ctx->pos: starts or continues a fill. */
void vng_dircache_fill_begin(struct file *file, loff_t pos);
/* readdir: a READDIR(PLUS) request goes to the host (sysfs counter). */
void vng_dircache_count_host(struct inode *dir);
/* readdir: a record the listing emitted (ctx->pos is now d->off). */
void vng_dircache_fill_add(struct file *file, const struct fuse_dirent *d);
/*
 * readdir, after a reply: err < 0 abandons the fill, eof (an empty reply)
 * publishes it.
 */
void vng_dircache_fill_end(struct file *file, loff_t pos, int err, bool eof);

#endif
