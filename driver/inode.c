// SPDX-License-Identifier: GPL-2.0
/*
 * Inodes: the inode cache keyed by the host's nodeid, attribute validation
 * and caching, getattr, setattr, permission and eviction.
 *
 * Every inode we hold for a nodeid the host gave us through a lookup-like
 * reply carries nlookup references on the host side; eviction returns them
 * all with one FORGET.  The attribute cache is versioned by
 * conn->attr_version so that a slow reply cannot overwrite newer
 * attributes learnt from a later one.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/posix_acl.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/time64.h>
#include <linux/uidgid.h>
#include <linux/xattr.h>

#include "dax.h"
#include "data.h"
#include "fs.h"
#include "proto.h"

static struct kmem_cache *vng_inode_cachep;

/* Longest timeout we honour: keeps jiffies arithmetic far from overflow. */
#define VNG_MAX_TIMEOUT_SECS	(60ULL * 60 * 24 * 365)

static void vng_inode_once(void *p)
{
	struct vng_inode *vi = p;

	inode_init_once(&vi->vfs_inode);
}

int vng_inode_cache_init(void)
{
	vng_inode_cachep = kmem_cache_create("virtiofs_ng_inode",
					     sizeof(struct vng_inode), 0,
					     SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT |
					     SLAB_RECLAIM_ACCOUNT,
					     vng_inode_once);
	return vng_inode_cachep ? 0 : -ENOMEM;
}

void vng_inode_cache_exit(void)
{
	/* inodes are freed through RCU: wait for them before the cache goes */
	rcu_barrier();
	kmem_cache_destroy(vng_inode_cachep);
}

/* super_operations.alloc_inode / free_inode (wired up in super.c) */
struct inode *vng_alloc_inode(struct super_block *sb)
{
	struct vng_inode *vi;

	vi = alloc_inode_sb(sb, vng_inode_cachep, GFP_KERNEL);
	if (!vi)
		return NULL;
	vi->nodeid = 0;
	vi->nlookup = 0;
	vi->attr_version = 0;
	vi->attr_expires = 0;
	vi->attr_ttl = 0;
	vi->inval_mask = ~0U;
	vi->orig_ino = 0;
	vi->blksize = 0;
	vi->state = 0;
	vi->local_changes = 0;
	vi->attr_gen = 0;
	vi->nocaps_until = 0;
	mutex_init(&vi->io_lock);
	spin_lock_init(&vi->lock);
	INIT_LIST_HEAD(&vi->write_files);
	atomic_set(&vi->writes_in_flight, 0);
	init_waitqueue_head(&vi->writes_wq);
	vng_dircache_init(&vi->vfs_inode);
	vi->dax = NULL;
	return &vi->vfs_inode;
}

void vng_free_inode(struct inode *inode)
{
	kmem_cache_free(vng_inode_cachep, vng_i(inode));
}

/* super_operations.evict_inode: give the host back its references */
void vng_evict_inode(struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);

	/* DAX hook: drops the DAX pages, gives the window ranges back */
	vng_dax_evict(inode);
	vng_dircache_evict(inode);
	truncate_inode_pages_final(&inode->i_data);
	vng_wait_writes_evict(inode);
	clear_inode(inode);
	if (vi->nlookup && vi->nodeid)
		vng_forget(vng_i_conn(inode), vi->nodeid, vi->nlookup);
	vi->nlookup = 0;
}

void vng_make_bad(struct inode *inode)
{
	/* out of the hash: a new inode for the reused nodeid can appear */
	remove_inode_hash(inode);
	set_bit(VNG_I_BAD, &vng_i(inode)->state);
}

static bool vng_valid_type(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return true;
	}
	return false;
}

bool vng_attr_valid(const struct fuse_attr *attr)
{
	if (!vng_valid_type(attr->mode))
		return false;
	if (attr->size > LLONG_MAX)
		return false;
	if (attr->atimensec >= NSEC_PER_SEC ||
	    attr->mtimensec >= NSEC_PER_SEC ||
	    attr->ctimensec >= NSEC_PER_SEC)
		return false;
	if (attr->blksize && !is_power_of_2(attr->blksize))
		return false;
	return true;
}

u64 vng_timeout(struct super_block *sb, u64 sec, u32 nsec)
{
	struct timespec64 ts;

	if (vng_sb(sb)->opts.cache == VNG_CACHE_NONE)
		return 0;
	if (!sec && !nsec)
		return 0;
	if (sec > VNG_MAX_TIMEOUT_SECS) {
		sec = VNG_MAX_TIMEOUT_SECS;
		nsec = 0;
	}
	ts.tv_sec = sec;
	ts.tv_nsec = min_t(u32, nsec, NSEC_PER_SEC - 1);
	return get_jiffies_64() + timespec64_to_jiffies(&ts);
}

/*
 * Attributes the guest's own reads and writes-to-cache make stale without
 * the file having changed in a way a watcher would hear of.
 */
#define VNG_NOT_A_CHANGE	(STATX_ATIME | STATX_BLOCKS)

void vng_invalidate_attr_mask(struct inode *inode, u32 mask)
{
	struct vng_inode *vi = vng_i(inode);

	spin_lock(&vi->lock);
	vi->inval_mask |= mask;
	if (mask & ~VNG_NOT_A_CHANGE)
		vi->local_changes++;
	spin_unlock(&vi->lock);
}

static void vng_invalidate_attr_all(struct inode *inode, bool local)
{
	struct vng_inode *vi = vng_i(inode);

	spin_lock(&vi->lock);
	vi->inval_mask = ~0U;
	vi->attr_expires = 0;
	/* an xattr may have changed too (xattr.c) */
	vi->attr_gen++;
	vi->nocaps_until = 0;
	if (local)
		vi->local_changes++;
	spin_unlock(&vi->lock);
}

void vng_invalidate_attr(struct inode *inode)
{
	vng_invalidate_attr_all(inode, true);
}

/*
 * The host told us (notification queue, polling) that the inode changed:
 * stale attributes, but not a change of the guest's own, which the poller
 * would then leave unreported (vng_inode.local_changes).
 */
void vng_invalidate_attr_host(struct inode *inode)
{
	vng_invalidate_attr_all(inode, false);
}

void vng_note_local_change(struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);

	spin_lock(&vi->lock);
	vi->local_changes++;
	spin_unlock(&vi->lock);
}

bool vng_allow_current_process(struct super_block *sb)
{
	const struct vng_mount_opts *o = &vng_sb(sb)->opts;
	const struct cred *cred;

	if (o->allow_other)
		return true;
	/* fuse's rule: only the mount owner (user_id/group_id) may enter */
	cred = current_cred();
	return uid_eq(cred->euid, o->user_id) &&
	       uid_eq(cred->suid, o->user_id) &&
	       uid_eq(cred->uid, o->user_id) &&
	       gid_eq(cred->egid, o->group_id) &&
	       gid_eq(cred->sgid, o->group_id) &&
	       gid_eq(cred->gid, o->group_id);
}

/* The attributes the kernel owns while a writeback cache is in use. */
static u32 vng_local_mask(struct inode *inode)
{
	if (S_ISREG(inode->i_mode) &&
	    vng_writeback_cache(inode))
		return STATX_MTIME | STATX_CTIME | STATX_SIZE;
	return 0;
}

/* Fills the inode from attr; vi->lock held. */
static void vng_fill_attr_locked(struct inode *inode,
				 const struct fuse_attr *attr, u64 expires,
				 u32 local)
{
	struct vng_inode *vi = vng_i(inode);
	struct super_block *sb = inode->i_sb;
	struct timespec64 ctime = {
		.tv_sec = attr->ctime,
		.tv_nsec = attr->ctimensec,
	};
	bool acl_stale;
	u64 now;

	/* an ACL change moves ctime (and may change the mode) on the host */
	acl_stale = !vng_timespec64_equal(ctime, inode_get_ctime(inode)) ||
		    ((inode->i_mode ^ attr->mode) & 07777);

	vi->attr_version = atomic64_inc_return(&vng_i_conn(inode)->attr_version);
	vi->attr_expires = expires;
	now = get_jiffies_64();
	vi->attr_ttl = time_after64(expires, now) ? expires - now : 0;
	vi->inval_mask = 0;
	vi->orig_ino = attr->ino;

	inode->i_ino = attr->ino;
	inode->i_mode = (inode->i_mode & S_IFMT) | (attr->mode & 07777);
	set_nlink(inode, attr->nlink);
	inode->i_uid = make_kuid(sb->s_user_ns, attr->uid);
	inode->i_gid = make_kgid(sb->s_user_ns, attr->gid);
	inode->i_blocks = attr->blocks;
	inode_set_atime(inode, attr->atime, attr->atimensec);
	if (!(local & STATX_MTIME))
		inode_set_mtime(inode, attr->mtime, attr->mtimensec);
	if (!(local & STATX_CTIME))
		inode_set_ctime(inode, attr->ctime, attr->ctimensec);
	/*
	 * st_blksize is only reported: i_blkbits stays the page size, which
	 * is what the page cache and DAX code work in.
	 */
	vi->blksize = attr->blksize ? attr->blksize : sb->s_blocksize;
	inode->i_blkbits = sb->s_blocksize_bits;
	if (acl_stale && IS_POSIXACL(inode))
		forget_all_cached_acls(inode);
}

static void __vng_change_attributes(struct inode *inode,
				    const struct fuse_attr *attr, u64 expires,
				    u64 attr_version, bool force_size)
{
	struct vng_inode *vi = vng_i(inode);
	struct vng_conn *conn = vng_i_conn(inode);
	struct timespec64 old_mtime, old_ctime;
	bool dir_moved;
	loff_t oldsize;
	u32 local;

	spin_lock(&vi->lock);
	if (!force_size &&
	    ((attr_version && vi->attr_version > attr_version) ||
	     test_bit(VNG_I_SIZE_UNSTABLE, &vi->state))) {
		spin_unlock(&vi->lock);
		return;
	}
	local = vng_local_mask(inode);
	old_mtime = inode_get_mtime(inode);
	old_ctime = inode_get_ctime(inode);
	vng_fill_attr_locked(inode, attr, expires, local);
	oldsize = i_size_read(inode);
	if (!(local & STATX_SIZE) || force_size)
		i_size_write(inode, attr->size);
	dir_moved = S_ISDIR(inode->i_mode) &&
		    (oldsize != i_size_read(inode) ||
		     !vng_timespec64_equal(old_mtime, inode_get_mtime(inode)) ||
		     !vng_timespec64_equal(old_ctime, inode_get_ctime(inode)));
	spin_unlock(&vi->lock);

	/* a directory changed behind our back: its listing is stale */
	if (dir_moved)
		vng_dircache_invalidate(inode);
	if (S_ISREG(inode->i_mode))
		vng_dax_attr_changed(inode, attr);
	if (!S_ISREG(inode->i_mode) || (local & STATX_SIZE) || force_size)
		return;
	/* DAX hook: the data is the host's page cache; only a cut matters */
	if (IS_DAX(inode)) {
		if (attr->size < oldsize)
			vng_dax_host_truncated(inode, attr->size);
		return;
	}
	/* the host changed the file behind our back: drop stale pages */
	if (oldsize != attr->size) {
		truncate_pagecache(inode, attr->size);
		if (!vng_conn_has(conn, FUSE_EXPLICIT_INVAL_DATA))
			invalidate_inode_pages2(inode->i_mapping);
	} else if (vng_conn_has(conn, FUSE_AUTO_INVAL_DATA) &&
		   !vng_timespec64_equal(old_mtime, inode_get_mtime(inode))) {
		invalidate_inode_pages2(inode->i_mapping);
	}
}

void vng_change_attributes(struct inode *inode, const struct fuse_attr *attr,
			   u64 attr_valid, u64 attr_version)
{
	__vng_change_attributes(inode, attr, attr_valid, attr_version, false);
}

bool vng_attr_submount(const struct vng_conn *conn,
		       const struct fuse_attr *attr)
{
	return attr->flags & FUSE_ATTR_SUBMOUNT;
}

bool vng_stale_inode(const struct inode *inode, u64 generation,
		     const struct fuse_attr *attr)
{
	return inode->i_generation != generation ||
	       ((inode->i_mode ^ attr->mode) & S_IFMT);
}

static const struct inode_operations vng_special_inode_operations;

void vng_init_file_inode(struct inode *inode, const struct fuse_attr *attr)
{
	inode->i_op = &vng_file_inode_operations;
	inode->i_fop = &vng_file_operations;
	inode->i_data.a_ops = &vng_file_aops;
	/* DAX hook: S_DAX and the DAX aops when the mount and host want it */
	vng_dax_inode_init(inode, attr);
}

static void vng_init_inode(struct inode *inode, const struct fuse_attr *attr)
{
	struct vng_conn *conn = vng_i_conn(inode);

	inode->i_mode = attr->mode & S_IFMT;
	inode->i_size = attr->size;
	inode_set_mtime(inode, attr->mtime, attr->mtimensec);
	inode_set_ctime(inode, attr->ctime, attr->ctimensec);

	switch (inode->i_mode) {
	case S_IFREG:
		vng_init_file_inode(inode, attr);
		break;
	case S_IFDIR:
		inode->i_op = &vng_dir_inode_operations;
		inode->i_fop = &vng_dir_operations;
		/* another host filesystem: mounted on first access */
		if (vng_attr_submount(conn, attr))
			inode->i_flags |= S_AUTOMOUNT;
		break;
	case S_IFLNK:
		inode->i_op = &vng_symlink_inode_operations;
		if (vng_conn_has(conn, FUSE_CACHE_SYMLINKS)) {
			inode->i_data.a_ops = &vng_symlink_aops;
			inode_nohighmem(inode);
			set_bit(VNG_I_CACHE_SYMLINK, &vng_i(inode)->state);
		}
		break;
	default:
		inode->i_op = &vng_special_inode_operations;
		init_special_inode(inode, inode->i_mode,
				   new_decode_dev(attr->rdev));
		break;
	}
}

static int vng_inode_test(struct inode *inode, void *data)
{
	return vng_nodeid(inode) == *(u64 *)data;
}

static int vng_inode_set(struct inode *inode, void *data)
{
	vng_i(inode)->nodeid = *(u64 *)data;
	return 0;
}

struct inode *vng_ilookup(struct super_block *sb, u64 nodeid)
{
	struct inode *inode;

	inode = ilookup5(sb, nodeid, vng_inode_test, &nodeid);
	if (inode && vng_is_bad(inode)) {
		iput(inode);
		return NULL;
	}
	return inode;
}

/*
 * Finds or creates the inode of nodeid.  With lookup_ref the caller hands
 * over one host reference, which this function always consumes: into
 * nlookup, or with a FORGET on failure.
 */
static struct inode *__vng_iget(struct super_block *sb, u64 nodeid,
				u64 generation, const struct fuse_attr *attr,
				u64 expires, u64 attr_version, bool lookup_ref)
{
	struct vng_conn *conn = vng_sb_conn(sb);
	struct inode *inode;
	struct vng_inode *vi;

retry:
	inode = iget5_locked(sb, nodeid, vng_inode_test, vng_inode_set,
			     &nodeid);
	if (!inode) {
		if (lookup_ref)
			vng_forget(conn, nodeid, 1);
		return ERR_PTR(-ENOMEM);
	}
	vi = vng_i(inode);
	if (vng_inode_state(inode) & I_NEW) {
		/* the host keeps the times, except mtime with writeback */
		inode->i_flags |= S_NOATIME;
		if (!S_ISREG(attr->mode) || !vng_writeback_cache(inode))
			inode->i_flags |= S_NOCMTIME;
		inode->i_generation = generation;
		vng_init_inode(inode, attr);
		if (lookup_ref)
			vi->nlookup = 1;
		/*
		 * Complete before anyone else can find it: an inode with
		 * nlink 0 or mode 0 must never be seen (link(2) refuses
		 * nlink 0 with -ENOENT).
		 */
		vng_change_attributes(inode, attr, expires, 0);
		unlock_new_inode(inode);
		return inode;
	}
	if (vng_stale_inode(inode, generation, attr)) {
		bool reused = inode->i_generation != generation;

		/* either way the old inode is gone for good */
		vng_make_bad(inode);
		iput(inode);
		/* the host reused the nodeid (new generation): a new inode */
		if (reused)
			goto retry;
		/*
		 * Same node, another file type: the host contradicts itself.
		 * Trust neither; the reference this reply granted goes back.
		 */
		vng_conn_err(conn, "node %llu changed its file type: refusing it",
			     nodeid);
		if (lookup_ref)
			vng_forget(conn, nodeid, 1);
		return ERR_PTR(-EIO);
	}

	if (lookup_ref) {
		spin_lock(&vi->lock);
		vi->nlookup++;
		spin_unlock(&vi->lock);
	}
	vng_change_attributes(inode, attr, expires, attr_version);
	return inode;
}

struct inode *vng_iget(struct super_block *sb, u64 nodeid, u64 generation,
		       const struct fuse_attr *attr, u64 attr_valid,
		       u64 attr_version)
{
	return __vng_iget(sb, nodeid, generation, attr, attr_valid,
			  attr_version, true);
}

static int vng_send_getattr(struct super_block *sb, u64 nodeid,
			    struct inode *inode, struct file *file,
			    struct fuse_attr_out *out)
{
	struct vng_conn *conn = vng_sb_conn(sb);
	struct fuse_getattr_in in = {};
	struct vng_args args = {};
	ssize_t err;

	if (file && inode && S_ISREG(inode->i_mode) && file->private_data) {
		struct vng_file *ff = file->private_data;

		in.getattr_flags |= FUSE_GETATTR_FH;
		in.fh = ff->fh;
	}
	vng_args_in_out(&args, FUSE_GETATTR, nodeid,
			&in, sizeof(in), out, sizeof(*out));
	err = vng_request(conn, &args);
	if (err < 0)
		return err;
	if (!vng_attr_valid(&out->attr)) {
		vng_conn_err(conn, "GETATTR of node %llu: invalid attributes",
			     nodeid);
		return -EIO;
	}
	return 0;
}

struct inode *vng_root_inode(struct super_block *sb, u64 nodeid)
{
	struct fuse_attr_out out;
	int err;

	err = vng_send_getattr(sb, nodeid, NULL, NULL, &out);
	if (err)
		return ERR_PTR(err);
	if (!S_ISDIR(out.attr.mode)) {
		vng_conn_err(vng_sb_conn(sb), "root node %llu is not a directory",
			     nodeid);
		return ERR_PTR(-EIO);
	}
	/* a root is mounted already: it must not trigger an automount */
	out.attr.flags &= ~FUSE_ATTR_SUBMOUNT;
	/* GETATTR grants no lookup reference: nothing to FORGET later */
	return __vng_iget(sb, nodeid, 0, &out.attr,
			  vng_timeout(sb, out.attr_valid, out.attr_valid_nsec),
			  0, false);
}

static int vng_do_getattr(struct inode *inode, struct file *file)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct fuse_attr_out out;
	u64 attr_version;
	int err;

	attr_version = atomic64_read(&conn->attr_version);
	err = vng_send_getattr(inode->i_sb, vng_nodeid(inode), inode, file,
			       &out);
	if (err)
		return err;
	if ((inode->i_mode ^ out.attr.mode) & S_IFMT) {
		vng_make_bad(inode);
		return -EIO;
	}
	vng_change_attributes(inode, &out.attr,
			      vng_timeout(inode->i_sb, out.attr_valid,
					  out.attr_valid_nsec),
			      attr_version);
	return 0;
}

static bool vng_attr_expired(struct inode *inode, u32 mask)
{
	struct vng_inode *vi = vng_i(inode);

	return (mask & READ_ONCE(vi->inval_mask)) ||
	       time_before_eq64(READ_ONCE(vi->attr_expires), get_jiffies_64());
}

int vng_update_attributes(struct inode *inode, struct file *file, u32 mask)
{
	if (vng_is_bad(inode))
		return -EIO;
	if (!vng_attr_expired(inode, mask))
		return 0;
	return vng_do_getattr(inode, file);
}

/*
 * The birth time, from FUSE_STATX (7.39) when the host has it; a host
 * without it answers ENOSYS once and is not asked again.  The basic
 * attributes keep coming from GETATTR and the attribute cache, so only a
 * statx(2) that asks for STATX_BTIME pays the extra round trip, and a
 * failed STATX only leaves STATX_BTIME out of the result mask.
 */
static void vng_statx_btime(struct inode *inode, unsigned int flags,
			    struct kstat *stat)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_fuse_statx_out out = {};
	struct vng_fuse_statx_in in = {};
	struct vng_args args = {};
	ssize_t err;

	if (vng_conn_no(conn, VNG_NO_STATX) || (flags & AT_STATX_DONT_SYNC))
		return;
	in.sx_flags = flags & AT_STATX_SYNC_TYPE;
	in.sx_mask = STATX_BASIC_STATS | STATX_BTIME;
	vng_args_in_out(&args, VNG_FUSE_STATX, vng_nodeid(inode),
			&in, sizeof(in), &out, sizeof(out));
	err = vng_request(conn, &args);
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_STATX);
		return;
	}
	if (err < 0 || !(out.stat.mask & STATX_BTIME))
		return;
	if (out.stat.btime.tv_nsec >= NSEC_PER_SEC) {
		vng_conn_err(conn, "STATX of node %llu: invalid birth time",
			     vng_nodeid(inode));
		return;
	}
	stat->btime.tv_sec = out.stat.btime.tv_sec;
	stat->btime.tv_nsec = out.stat.btime.tv_nsec;
	stat->result_mask |= STATX_BTIME;
}

int vng_getattr(VNG_IDMAP_PARAM const struct path *path,
		struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	u32 want = request_mask;
	int err = 0;

	if (vng_is_bad(inode))
		return -EIO;
	if (!vng_allow_current_process(inode->i_sb))
		return -EACCES;

	request_mask &= STATX_BASIC_STATS;
	if (flags & AT_STATX_FORCE_SYNC)
		err = vng_do_getattr(inode, NULL);
	else if (!(flags & AT_STATX_DONT_SYNC))
		err = vng_update_attributes(inode, NULL, request_mask);
	if (err)
		return err;

	vng_generic_fillattr(VNG_IDMAP, request_mask, inode, stat);
	stat->ino = vng_i(inode)->orig_ino;
	stat->blksize = vng_i(inode)->blksize;
	if (want & STATX_BTIME)
		vng_statx_btime(inode, flags, stat);
	return 0;
}

/* FUSE_ACCESS: only without default_permissions, for access()/chdir() */
static int vng_access(struct inode *inode, int mask)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct fuse_access_in in = {};
	struct vng_args args = {};
	ssize_t err;

	if (vng_conn_no(conn, VNG_NO_ACCESS))
		return 0;
	in.mask = mask & (MAY_READ | MAY_WRITE | MAY_EXEC);
	args.opcode = FUSE_ACCESS;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	err = vng_request(conn, &args);
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_ACCESS);
		err = 0;
	}
	return err;
}

int vng_permission(VNG_IDMAP_PARAM struct inode *inode,
		   int mask)
{
	struct vng_sb *vsb = vng_sb(inode->i_sb);
	bool refreshed = false;
	int err;

	if (vng_is_bad(inode))
		return -EIO;
	if (!vng_allow_current_process(inode->i_sb))
		return -EACCES;

	/*
	 * Mode bits are only trusted while the attributes are fresh: refresh
	 * before a permission decision that depends on them.
	 */
	if (vsb->opts.default_permissions ||
	    ((mask & MAY_EXEC) && S_ISREG(inode->i_mode))) {
		if (vng_attr_expired(inode, STATX_MODE | STATX_UID |
				     STATX_GID)) {
			if (mask & MAY_NOT_BLOCK)
				return -ECHILD;
			err = vng_do_getattr(inode, NULL);
			if (err)
				return err;
			refreshed = true;
		}
	}

	if (vsb->opts.default_permissions) {
		err = vng_generic_permission(VNG_IDMAP, inode, mask);
		/* a stale mode may have refused: check once more afresh */
		if (err == -EACCES && !refreshed &&
		    !(mask & MAY_NOT_BLOCK)) {
			err = vng_do_getattr(inode, NULL);
			if (!err)
				err = vng_generic_permission(VNG_IDMAP, inode, mask);
		}
		return err;
	}

	if (mask & (MAY_ACCESS | MAY_CHDIR)) {
		if (mask & MAY_NOT_BLOCK)
			return -ECHILD;
		return vng_access(inode, mask);
	}
	if ((mask & MAY_EXEC) && S_ISREG(inode->i_mode) &&
	    !(inode->i_mode & 0111))
		return -EACCES;
	return 0;
}

/* ATTR_* from the VFS to FATTR_* and fuse_setattr_in */
static void vng_iattr_to_fattr(struct inode *inode, const struct iattr *ia,
			       struct fuse_setattr_in *in, bool local_cmtime)
{
	struct user_namespace *ns = inode->i_sb->s_user_ns;
	unsigned int iv = ia->ia_valid;

	if (iv & ATTR_MODE) {
		in->valid |= FATTR_MODE;
		in->mode = ia->ia_mode;
	}
	if (iv & ATTR_UID) {
		in->valid |= FATTR_UID;
		in->uid = from_kuid(ns, ia->ia_uid);
	}
	if (iv & ATTR_GID) {
		in->valid |= FATTR_GID;
		in->gid = from_kgid(ns, ia->ia_gid);
	}
	if (iv & ATTR_SIZE) {
		in->valid |= FATTR_SIZE;
		in->size = ia->ia_size;
	}
	if (iv & ATTR_ATIME) {
		in->valid |= FATTR_ATIME;
		in->atime = ia->ia_atime.tv_sec;
		in->atimensec = ia->ia_atime.tv_nsec;
		if (!(iv & ATTR_ATIME_SET))
			in->valid |= FATTR_ATIME_NOW;
	}
	/*
	 * An open(O_TRUNC) or ftruncate() lets the host set mtime itself
	 * unless the kernel owns mtime (writeback cache).
	 */
	if ((iv & ATTR_MTIME) &&
	    ((iv & ATTR_MTIME_SET) || local_cmtime ||
	     !((iv & ATTR_SIZE) && (iv & (ATTR_OPEN | ATTR_FILE))))) {
		in->valid |= FATTR_MTIME;
		in->mtime = ia->ia_mtime.tv_sec;
		in->mtimensec = ia->ia_mtime.tv_nsec;
		if (!(iv & ATTR_MTIME_SET) && !local_cmtime)
			in->valid |= FATTR_MTIME_NOW;
	}
	if ((iv & ATTR_CTIME) && local_cmtime) {
		in->valid |= FATTR_CTIME;
		in->ctime = ia->ia_ctime.tv_sec;
		in->ctimensec = ia->ia_ctime.tv_nsec;
	}
}

static int vng_do_setattr(struct dentry *dentry, struct iattr *ia,
			  struct file *file)
{
	struct inode *inode = d_inode(dentry);
	struct vng_inode *vi = vng_i(inode);
	struct vng_conn *conn = vng_i_conn(inode);
	bool local_cmtime = vng_local_mask(inode) & STATX_MTIME;
	bool truncate = S_ISREG(inode->i_mode) && (ia->ia_valid & ATTR_SIZE);
	struct fuse_setattr_in in = {};
	struct fuse_attr_out out = {};
	struct vng_args args = {};
	ssize_t err;

	vng_iattr_to_fattr(inode, ia, &in, local_cmtime);
	/* only our own regular files carry a vng_file in private_data */
	if (file && S_ISREG(inode->i_mode) && file->private_data) {
		struct vng_file *ff = file->private_data;

		in.valid |= FATTR_FH;
		in.fh = ff->fh;
	}
	if (vng_conn_has(conn, FUSE_HANDLE_KILLPRIV_V2) &&
	    !S_ISDIR(inode->i_mode)) {
		/* chown always, truncate unless CAP_FSETID, drops suid/sgid */
		if ((ia->ia_valid & (ATTR_UID | ATTR_GID)) ||
		    ((ia->ia_valid & ATTR_SIZE) && !capable(CAP_FSETID)))
			in.valid |= FATTR_KILL_SUIDGID;
	}

	if (truncate) {
		/* dirty pages beyond the new size must not be written later */
		err = vng_write_inode_now(inode);
		if (err)
			return err;
		set_bit(VNG_I_SIZE_UNSTABLE, &vi->state);
		/* the kernel owns c/mtime: a size change moves them */
		if (local_cmtime && ia->ia_size != i_size_read(inode)) {
			ia->ia_valid |= ATTR_MTIME | ATTR_CTIME;
			in.valid |= FATTR_MTIME | FATTR_CTIME;
			in.mtime = ia->ia_mtime.tv_sec;
			in.mtimensec = ia->ia_mtime.tv_nsec;
			in.ctime = ia->ia_ctime.tv_sec;
			in.ctimensec = ia->ia_ctime.tv_nsec;
		}
	}
	/* DAX hook: no mapping may reach past the host's new end of file */
	if (truncate) {
		err = vng_dax_block_faults(inode, 0, LLONG_MAX);
		if (err)
			goto out;
	}

	vng_args_in_out(&args, FUSE_SETATTR, vng_nodeid(inode),
			&in, sizeof(in), &out, sizeof(out));
	err = vng_request(conn, &args);
	if (err < 0) {
		if (err == -EINTR)
			vng_invalidate_attr(inode);
		goto out;
	}
	if (!vng_attr_valid(&out.attr) ||
	    ((inode->i_mode ^ out.attr.mode) & S_IFMT)) {
		vng_conn_err(conn, "SETATTR of node %llu: invalid attributes",
			     vng_nodeid(inode));
		vng_make_bad(inode);
		err = -EIO;
		goto out;
	}

	if (local_cmtime) {
		spin_lock(&vi->lock);
		if (ia->ia_valid & ATTR_MTIME)
			inode_set_mtime_to_ts(inode, ia->ia_mtime);
		if (ia->ia_valid & ATTR_CTIME)
			inode_set_ctime_to_ts(inode, ia->ia_ctime);
		spin_unlock(&vi->lock);
	}
	__vng_change_attributes(inode, &out.attr,
				vng_timeout(inode->i_sb, out.attr_valid,
					    out.attr_valid_nsec),
				0, truncate);
	if (truncate) {
		/* the host's size is authoritative; zap pages beyond it */
		i_size_write(inode, out.attr.size);
		vng_truncate_pagecache(inode, out.attr.size);
	}
	err = 0;
out:
	if (truncate) {
		/* DAX hook: ranges wholly past the end go back to the window */
		vng_dax_unblock_faults(inode, i_size_read(inode), LLONG_MAX);
		clear_bit(VNG_I_SIZE_UNSTABLE, &vi->state);
	}
	return err;
}

int vng_setattr(VNG_IDMAP_PARAM struct dentry *dentry,
		struct iattr *ia)
{
	struct inode *inode = d_inode(dentry);
	struct vng_sb *vsb = vng_sb(inode->i_sb);
	struct vng_conn *conn = vsb->conn;
	struct file *file = (ia->ia_valid & ATTR_FILE) ? ia->ia_file : NULL;
	int err;

	if (vng_is_bad(inode))
		return -EIO;
	if (!vng_allow_current_process(inode->i_sb))
		return -EACCES;

	/* without default_permissions the host decides */
	if (!vsb->opts.default_permissions)
		ia->ia_valid |= ATTR_FORCE;
	err = vng_setattr_prepare(VNG_IDMAP, dentry, ia);
	if (err)
		return err;
	/* before the host sees it: watch=poll must not report it */
	vng_note_local_change(inode);

	if (ia->ia_valid & ATTR_OPEN) {
		/*
		 * open(O_TRUNC): with atomic_o_trunc the host truncated in
		 * OPEN already; only our cached size and pages are left.
		 */
		if (vng_conn_has(conn, FUSE_ATOMIC_O_TRUNC)) {
			if (S_ISREG(inode->i_mode) && (ia->ia_valid & ATTR_SIZE)) {
				i_size_write(inode, ia->ia_size);
				vng_truncate_pagecache(inode, ia->ia_size);
			}
			vng_invalidate_attr(inode);
			return 0;
		}
		file = NULL;
	}

	if (ia->ia_valid & (ATTR_KILL_SUID | ATTR_KILL_SGID)) {
		ia->ia_valid &= ~(ATTR_KILL_SUID | ATTR_KILL_SGID | ATTR_MODE);
		/*
		 * Without KILLPRIV_V2 we clear the bits ourselves, from a
		 * fresh mode so a stale one does not undo a concurrent chmod.
		 */
		if (!vng_conn_has(conn, FUSE_HANDLE_KILLPRIV_V2) &&
		    !vng_conn_has(conn, FUSE_HANDLE_KILLPRIV)) {
			err = vng_do_getattr(inode, file);
			if (err)
				return err;
			ia->ia_mode = inode->i_mode;
			if (inode->i_mode & S_ISUID) {
				ia->ia_valid |= ATTR_MODE;
				ia->ia_mode &= ~S_ISUID;
			}
			/* setgid with group exec (0010): a real setgid file */
			if ((inode->i_mode & (S_ISGID | 0010)) ==
			    (S_ISGID | 0010)) {
				ia->ia_valid |= ATTR_MODE;
				ia->ia_mode &= ~S_ISGID;
			}
		}
	}
	if (!(ia->ia_valid & ~(ATTR_FORCE | ATTR_OPEN | ATTR_FILE)))
		return 0;

	err = vng_do_setattr(dentry, ia, file);
	if (!err && (ia->ia_valid & ATTR_MODE) && IS_POSIXACL(inode))
		forget_all_cached_acls(inode);
	return err;
}

/* fifos, sockets and device nodes: metadata only, I/O is local */
static const struct inode_operations vng_special_inode_operations = {
	.getattr	= vng_getattr,
	.setattr	= vng_setattr,
	.permission	= vng_permission,
	.listxattr	= vng_listxattr,
	VNG_IOP_ACL(vng_get_acl, vng_set_acl),
};

/* regular files: the same metadata operations (file.c does the data) */
const struct inode_operations vng_file_inode_operations = {
	.getattr	= vng_getattr,
	.setattr	= vng_setattr,
	.permission	= vng_permission,
	.listxattr	= vng_listxattr,
	VNG_IOP_ACL(vng_get_acl, vng_set_acl),
};
