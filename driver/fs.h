/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filesystem side of virtiofs-ng: objects and the functions the VFS
 * files share.  Nothing here knows about virtqueues; everything reaches the
 * host through request.h on a struct vng_conn.
 *
 * Who owns what (one file per concern):
 *   super.c    fs_context, mount options, superblock, statfs, syncfs,
 *              show_options, fs type registration
 *   inode.c    inode cache, attribute validation and update, getattr,
 *              setattr, permission, eviction (FORGET)
 *   dir.c      lookup, d_revalidate, create/atomic_open, mknod, mkdir,
 *              symlink, link, unlink, rmdir, rename, readlink/get_link
 *   readdir.c  READDIRPLUS / READDIR and the directory file operations
 *   dircache.c directory listings kept across opens (dircache.h)
 *   xattr.c    xattr handlers; acl.c POSIX ACLs
 *   export.c   NFS export operations (file handles)
 *   file.c     open/release/flush/fsync, the vng_file object, fallocate,
 *              lseek, copy_file_range
 *   read.c     read_folio, readahead, buffered read
 *   write.c    buffered write, writeback cache, writepages, page_mkwrite
 *   direct.c   O_DIRECT and FOPEN_DIRECT_IO I/O
 *   lock.c     POSIX record locks and flock
 */
#ifndef VNG_FS_H
#define VNG_FS_H

#include <linux/fs.h>
#include <linux/fuse.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "conn.h"
#include "dircache.h"
#include "request.h"
#include "watch.h"

#define VNG_ROOT_ID FUSE_ROOT_ID

/* cache=… : the guest-side cache policy (see README, "Cache policies") */
enum vng_cache_policy {
	VNG_CACHE_AUTO,		/* follow the host's FOPEN flags and timeouts */
	VNG_CACHE_NONE,		/* direct I/O always, timeouts 0: no page cache */
	VNG_CACHE_ALWAYS,	/* page cache kept across opens */
	VNG_CACHE_METADATA,	/* host timeouts for metadata, direct I/O data */
};

enum vng_dax_mode {
	VNG_DAX_NEVER,		/* the default */
	VNG_DAX_ALWAYS,
	VNG_DAX_INODE,		/* per file, FUSE_ATTR_DAX from the host */
};

struct vng_mount_opts {
	enum vng_cache_policy cache;
	enum vng_dax_mode dax;
	bool dax_set;			/* dax= given explicitly */
	bool default_permissions;
	bool allow_other;
	bool user_id_set, group_id_set, rootmode_set;
	kuid_t user_id;
	kgid_t group_id;
	umode_t rootmode;
	enum vng_watch_mode watch;	/* watch= (watch.h) */
	bool watch_set;			/* given; else from the session */
	unsigned int watch_ms;		/* watch=poll:MS */
};

/* s_fs_info */
struct vng_sb {
	struct vng_conn *conn;		/* one reference */
	struct super_block *sb;
	struct list_head conn_entry;	/* on conn->sb_list */
	struct vng_mount_opts opts;
	/* root is a host submount (not FUSE_ROOT_ID): never shared by tag */
	bool submount;
	/* watch=poll: the poller (poll.c); NULL otherwise */
	struct vng_poll *poll;
	/* inodes a host change holds outside sb_lock (hostchange.c) */
	atomic_t hc_pins;
};

static inline struct vng_sb *vng_sb(const struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct vng_conn *vng_sb_conn(const struct super_block *sb)
{
	return vng_sb(sb)->conn;
}

/* bits of vng_inode.state */
enum {
	VNG_I_BAD,		/* the host changed the file type: unusable */
	VNG_I_SIZE_UNSTABLE,	/* a size change is in flight */
	VNG_I_ADVISE_RDPLUS,	/* next readdir of this dir uses READDIRPLUS */
	VNG_I_INIT_RDPLUS,	/* READDIRPLUS made or refreshed it, unused since */
	VNG_I_CACHE_SYMLINK,	/* symlink body is in the page cache */
	VNG_I_DAX,		/* data served through the DAX window */
	VNG_I_CMTIME_DIRTY,	/* writeback cache: local c/mtime not sent yet */
	VNG_I_HC_SLOW,		/* a host change waits for its page locks */
};

struct vng_inode {
	struct inode vfs_inode;

	u64 nodeid;
	/* references the host holds for us; given back by FORGET */
	u64 nlookup;
	/* conn->attr_version when the attributes were last set */
	u64 attr_version;
	/* jiffies64 until which the attributes are valid */
	u64 attr_expires;
	/* how long the host let the last attributes be cached (jiffies) */
	u64 attr_ttl;
	/* STATX_* fields that must be refreshed before use */
	u32 inval_mask;
	/*
	 * Bumped (under lock) by the guest's own changes of this inode, so
	 * that watch=poll does not report them again as the host's (poll.c).
	 */
	u32 local_changes;
	/* bumped (under lock) by every full attribute invalidation */
	u32 attr_gen;
	/*
	 * jiffies64 until which the file is known to have no
	 * security.capability (xattr.c), 0: not known
	 */
	u64 nocaps_until;
	/* the host's orig_ino, for st_ino when it differs from nodeid */
	u64 orig_ino;
	/* the host's st_blksize (i_blkbits stays a page cache block size) */
	u32 blksize;
	unsigned long state;

	/* serialises size changes, writeback and truncate (write.c) */
	struct mutex io_lock;
	/* open files that can write back dirty pages (write.c) */
	spinlock_t lock;
	struct list_head write_files;
	/* writes in flight, for truncate and fsync to wait on */
	atomic_t writes_in_flight;
	wait_queue_head_t writes_wq;

	/* directories: the cached listing (dircache.c), under lock */
	struct vng_dircache dc;

	/* DAX range tree (dax.c, a later issue); NULL without DAX */
	void *dax;
};

static inline struct vng_inode *vng_i(const struct inode *inode)
{
	return container_of(inode, struct vng_inode, vfs_inode);
}

static inline u64 vng_nodeid(const struct inode *inode)
{
	return vng_i(inode)->nodeid;
}

static inline struct vng_conn *vng_i_conn(const struct inode *inode)
{
	return vng_sb_conn(inode->i_sb);
}

/*
 * Buffered writes go to the page cache and reach the host by writeback:
 * the host granted FUSE_WRITEBACK_CACHE and this mount caches data
 * (cache=auto or always; the connection may be shared with a cache=none
 * mount of the same tag, which stays write-through / direct).
 */
static inline bool vng_writeback_cache(const struct inode *inode)
{
	enum vng_cache_policy cache = vng_sb(inode->i_sb)->opts.cache;

	/* DAX hook: a DAX file has no page cache to write back */
	return !IS_DAX(inode) &&
	       vng_conn_has(vng_i_conn(inode), FUSE_WRITEBACK_CACHE) &&
	       (cache == VNG_CACHE_AUTO || cache == VNG_CACHE_ALWAYS);
}

/*
 * With the writeback cache a partial page write reads the rest of the page
 * through the writer's handle: the host opens write-only files read-write.
 */
static inline unsigned int vng_wb_open_flags(const struct inode *inode,
					     unsigned int flags)
{
	if (vng_writeback_cache(inode) && (flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags;
}

/* An open file: private_data of struct file */
struct vng_file {
	struct kref kref;
	struct vng_conn *conn;
	u64 nodeid;
	u64 fh;				/* the host's handle */
	u32 open_flags;			/* FOPEN_* after the cache policy */
	u64 lock_owner;			/* for FLUSH / RELEASE_FLUSH */
	bool flock;			/* flock() was used: RELEASE_FLOCK_UNLOCK */
	struct list_head write_entry;	/* on vng_inode.write_files */
	/* preallocated so release can never fail for lack of memory */
	struct vng_release_args *release_args;
	/* directories: the host's offsets seen this pass (readdir.c) */
	struct vng_dir_walk {
		loff_t pos;		/* where the last getdents ended */
		loff_t mark;		/* Brent's saved offset */
		u32 steps;		/* offsets since mark was saved */
		u32 span;		/* steps before the next save */
	} walk;
	/* directories: this open's listing fill and place (dircache.c) */
	struct vng_dc_file dc;
};

/* ---- inode.c ---------------------------------------------------------- */
int vng_inode_cache_init(void);
void vng_inode_cache_exit(void);
/*
 * Finds or creates the inode of nodeid from a validated attr and takes one
 * lookup reference (the caller's FORGET obligation moves to the inode).
 * Returns an ERR_PTR on failure, after sending the FORGET itself.
 */
struct inode *vng_iget(struct super_block *sb, u64 nodeid, u64 generation,
		       const struct fuse_attr *attr, u64 attr_valid,
		       u64 attr_version);
/*
 * The cached inode of nodeid with a reference, or NULL when this
 * superblock has none (or only a bad one): never asks the host.
 */
struct inode *vng_ilookup(struct super_block *sb, u64 nodeid);
/*
 * Applies a validated attr from the host unless a newer one is known.
 * attr_valid is the jiffies64 deadline from vng_timeout(); attr_version
 * the conn->attr_version read before the request was sent (0: always).
 */
void vng_change_attributes(struct inode *inode, const struct fuse_attr *attr,
			   u64 attr_valid, u64 attr_version);
/* Marks attributes stale so the next getattr asks the host. */
void vng_invalidate_attr(struct inode *inode);
void vng_invalidate_attr_host(struct inode *inode);
void vng_invalidate_attr_mask(struct inode *inode, u32 mask);
/* The guest itself is changing the inode (see vng_inode.local_changes). */
void vng_note_local_change(struct inode *inode);
/* Refreshes the attributes if they expired (or always when forced). */
int vng_update_attributes(struct inode *inode, struct file *file, u32 mask);
/* jiffies64 deadline from a (sec, nsec) timeout, honouring cache=none */
u64 vng_timeout(struct super_block *sb, u64 sec, u32 nsec);
/*
 * Checks an attr from the host: known file type, sane size and times,
 * blksize; false means the reply is malformed (-EIO).
 */
bool vng_attr_valid(const struct fuse_attr *attr);

/* ---- file.c ----------------------------------------------------------- */
/* Sends OPEN/OPENDIR and returns the new vng_file (or an ERR_PTR). */
struct vng_file *vng_file_open(struct inode *inode, unsigned int flags,
			       bool isdir);
/* Builds a vng_file from a CREATE reply (atomic_open in dir.c). */
struct vng_file *vng_file_alloc(struct vng_conn *conn);
void vng_file_free(struct vng_file *ff);
/* Installs ff as file->private_data and applies FOPEN_* (both open paths). */
void vng_finish_open(struct inode *inode, struct file *file,
		     struct vng_file *ff);
/* FOPEN_* flags after the mount's cache policy overrode the host's. */
u32 vng_effective_open_flags(struct super_block *sb, u32 host_flags);
void vng_file_release(struct inode *inode, struct vng_file *ff, bool isdir,
		      int file_flags);
int vng_fsync_common(struct file *file, loff_t start, loff_t end,
		     int datasync, int opcode);

extern const struct file_operations vng_file_operations;
extern const struct address_space_operations vng_file_aops;
/*
 * Defined in inode.c (metadata only: getattr, setattr, permission, xattr,
 * ACL), like vng_init_file_inode(), which sets up i_op, i_fop and a_ops of
 * a regular file.
 */
extern const struct inode_operations vng_file_inode_operations;
void vng_init_file_inode(struct inode *inode, const struct fuse_attr *attr);

/* ---- write.c ---------------------------------------------------------- */
/*
 * Truncates the page cache after a size change and waits for writes in
 * flight (setattr, fallocate).
 */
void vng_truncate_pagecache(struct inode *inode, loff_t newsize);
/* Writes back and waits for all dirty pages (setattr, flush, fsync). */
int vng_write_inode_now(struct inode *inode);
int vng_flush_writes(struct inode *inode);

/* ---- dir.c / readdir.c ------------------------------------------------ */
extern const struct inode_operations vng_dir_inode_operations;
extern const struct file_operations vng_dir_operations;
extern const struct inode_operations vng_symlink_inode_operations;
extern const struct address_space_operations vng_symlink_aops;
extern const struct dentry_operations vng_dentry_operations;
extern const struct dentry_operations vng_root_dentry_operations;
/* Sets the dentry's expiry from an entry_out (dir.c, readdir.c). */
void vng_dentry_settime(struct dentry *dentry, u64 sec, u32 nsec);
/* The dentry's next use asks the host again (no lock needed: one word). */
void vng_invalidate_entry_cache(struct dentry *dentry);
/*
 * The guest's dentry of name under parent (NULL: none), or in dir, from
 * the dcache alone: referenced, or NULL.
 */
struct dentry *vng_dcache_lookup(struct dentry *parent, const struct qstr *name);
struct dentry *vng_dcache_lookup_dir(struct inode *dir, const struct qstr *name);
/*
 * readdir.c, also for watch=poll's listings (poll.c).  The record at d,
 * len bytes left in a READDIR(PLUS) reply, header bytes of
 * fuse_direntplus before it (0 for READDIR): its length, or 0 when it is
 * malformed (cut short, a name that is no name, an unknown DT_* type).
 */
size_t vng_check_dirent(const struct fuse_dirent *d, size_t len,
			size_t header);
/* The record is "." or ".." (which carry no lookup reference). */
bool vng_dirent_is_dot(const struct fuse_dirent *d);
/*
 * A READDIRPLUS record's node (nodeid != 0) is usable: not the root,
 * valid attributes, a file type agreeing with the record's.
 */
bool vng_direntplus_node_ok(const struct fuse_direntplus *dp);

/* ---- xattr.c / acl.c / export.c --------------------------------------- */
extern const struct xattr_handler *vng_xattr_handlers[];
ssize_t vng_listxattr(struct dentry *dentry, char *list, size_t size);
extern const struct export_operations vng_export_operations;

/*
 * ---- shared inside the namespace/metadata half ---------------------------
 * (inode.c, dir.c, readdir.c, xattr.c, acl.c, export.c, super.c)
 */
/*
 * The host does not implement an opcode: FUSE says so with ENOSYS (the
 * protocol's one use of it; the caller then stops asking).
 */
static inline bool vng_unimplemented(ssize_t err)
{
	return err == -ENOSYS;
}

static inline bool vng_is_bad(const struct inode *inode)
{
	return test_bit(VNG_I_BAD, &vng_i(inode)->state);
}

/* inode.c */
struct inode *vng_alloc_inode(struct super_block *sb);
void vng_free_inode(struct inode *inode);
void vng_evict_inode(struct inode *inode);
void vng_make_bad(struct inode *inode);
/* The root (or a submount root) from FUSE_GETATTR: no lookup reference. */
struct inode *vng_root_inode(struct super_block *sb, u64 nodeid);
/* allow_other: may the current process use this mount at all? */
bool vng_allow_current_process(struct super_block *sb);
int vng_getattr(VNG_IDMAP_PARAM const struct path *path,
		struct kstat *stat, u32 request_mask, unsigned int flags);
int vng_setattr(VNG_IDMAP_PARAM struct dentry *dentry,
		struct iattr *attr);
int vng_permission(VNG_IDMAP_PARAM struct inode *inode,
		   int mask);
/* True when a reply's nodeid/generation/type no longer match inode. */
bool vng_stale_inode(const struct inode *inode, u64 generation,
		     const struct fuse_attr *attr);
/*
 * A directory the host marked as another host filesystem.  We always ask
 * for FUSE_SUBMOUNTS, and the flag is honoured whatever the INIT reply
 * says, as fs/fuse does: QEMU 7.2's C virtiofsd announces submounts
 * without granting FUSE_SUBMOUNTS back.  A host that marks directories
 * at will gets automounts of its own filesystem, nothing more.
 */
bool vng_attr_submount(const struct vng_conn *conn,
		       const struct fuse_attr *attr);

/*
 * dir.c: FUSE_LOOKUP of name in dir nodeid without instantiating anything,
 * validated (a refused reply's reference is given back); out->nodeid 0 is
 * a negative entry.  The caller owns the lookup reference of a positive
 * one.  timeout: jiffies before giving up with -ETIMEDOUT, 0 for none.
 */
int vng_lookup_entry(struct vng_conn *conn, u64 nodeid,
		     const struct qstr *name, struct fuse_entry_out *out,
		     unsigned long timeout);
/* dir.c: FUSE_LOOKUP of name in dir nodeid, validated; 0 or -errno */
int vng_lookup_name(struct super_block *sb, u64 nodeid, const struct qstr *name,
		    struct fuse_entry_out *outarg, struct inode **inodep);

/* xattr.c (also used by acl.c) */
ssize_t vng_getxattr(struct inode *inode, const char *name, void *value,
		     size_t size);
int vng_setxattr(struct inode *inode, const char *name, const void *value,
		 size_t size, int flags, u32 extra_flags);
int vng_removexattr(struct inode *inode, const char *name);

/* acl.c */
struct posix_acl *vng_get_acl(VNG_GET_ACL_ARGS(inode, type, rcu));
int vng_set_acl(VNG_IDMAP_PARAM VNG_SET_ACL_TARGET,
		struct posix_acl *acl, int type);

/* ---- super.c ---------------------------------------------------------- */
/* d_automount of a FUSE_ATTR_SUBMOUNT directory (dir.c's dentry ops) */
struct vfsmount *vng_d_automount(struct path *path);
int vng_fs_register(void);
void vng_fs_unregister(void);
/* The filesystem type names in effect: "virtiofs" and/or "virtiofs_ng". */
bool vng_fs_owns_virtiofs_name(void);

/* ---- messages --------------------------------------------------------- */
/*
 * Rate-limited error naming the device and tag:
 * "virtiofs_ng virtio3 (myfs): <msg>".  For anything the host can trigger.
 */
#define vng_conn_err(conn, fmt, ...) \
	vng_conn_printk(conn, KERN_ERR, fmt, ##__VA_ARGS__)
#define vng_conn_warn(conn, fmt, ...) \
	vng_conn_printk(conn, KERN_WARNING, fmt, ##__VA_ARGS__)
__printf(3, 4)
void vng_conn_printk(const struct vng_conn *conn, const char *level,
		     const char *fmt, ...);

#endif
