/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel versions differ.  Force-included before
 * every driver file (driver/Kbuild).  The HAVE_* macros come from
 * compile-time probes run against the target kernel (compat/probes/), never
 * from LINUX_VERSION_CODE, so distro kernels with backports get the right
 * branch.  Each backfill below gives older (or newer) kernels the API the
 * driver is written against; where a signature differs, the driver uses a
 * VNG_* macro or a vng_* wrapper from here.
 */
#ifndef VNG_COMPAT_H
#define VNG_COMPAT_H

#include "generated/probes.h"

/* first: it decides how <linux/fuse.h> is read */
#include "compat/fuse.h"

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/uio.h>
#include <linux/writeback.h>
#include <linux/dcache.h>
#include <linux/namei.h>
#include <linux/kobject.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/virtio_config.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/random.h>
#include <linux/workqueue.h>
#include <linux/fsnotify.h>
#ifdef HAVE_FILE_LOCK_CORE
#include <linux/filelock.h>
#endif

#include "compat/idmap.h"
#include "compat/times.h"
#include "compat/folio.h"
#include "compat/mm.h"

/* ---- dentries ---------------------------------------------------------- */

/* The parameter list of ->d_revalidate (6.14 added the parent and name). */
#ifdef HAVE_D_REVALIDATE_NAME
#define VNG_D_REVALIDATE_ARGS(de, fl)				\
	struct inode *vng_dir, const struct qstr *vng_name,		\
	struct dentry *de, unsigned int fl
#else
#define VNG_D_REVALIDATE_ARGS(de, fl)				\
	struct dentry *de, unsigned int fl
#endif

/*
 * 6.17: ->d_automount() returns the new mount with one reference; before,
 * the VFS wanted two and dropped one (an extra one now keeps the automount
 * busy for good).  Nothing in the headers shows it; collect_paths() came
 * in the same release.
 */
#ifdef HAVE_COLLECT_PATHS
#define VNG_AUTOMOUNT_EXTRA_REF	false
#else
#define VNG_AUTOMOUNT_EXTRA_REF	true
#endif

/* 7.x: the default dentry operations are set through a helper. */
#ifndef HAVE_SET_DEFAULT_D_OP
static inline void set_default_d_op(struct super_block *sb,
				    const struct dentry_operations *ops)
{
	sb->s_d_op = ops;
}
#endif

/* 7.x: d_alloc_parallel() keeps its own wait queue. */
static inline struct dentry *vng_d_alloc_parallel(struct dentry *parent,
						  const struct qstr *name,
						  wait_queue_head_t *wq)
{
#ifdef HAVE_D_ALLOC_PARALLEL_WQ
	return d_alloc_parallel(parent, name, wq);
#else
	return d_alloc_parallel(parent, name);
#endif
}

/*
 * 6.16+: a name is looked up without permission checks (watch=poll asks
 * on behalf of the host, not of a process) by lookup_noperm_unlocked().
 */
static inline struct dentry *vng_lookup_noperm_unlocked(struct qstr *name,
							struct dentry *base)
{
#ifdef HAVE_LOOKUP_NOPERM_UNLOCKED
	return lookup_noperm_unlocked(name, base);
#else
	return lookup_one_len_unlocked(name->name, base, name->len);
#endif
}

/* ---- inodes ------------------------------------------------------------ */

/* 6.19+: i_state is read through an accessor. */
#ifdef HAVE_INODE_STATE_READ
#define vng_inode_state(inode)	inode_state_read_once(inode)
#else
#define vng_inode_state(inode)	((inode)->i_state)
#endif

/* ---- fsnotify ---------------------------------------------------------- */

/*
 * Whether any fsnotify mark (inotify, fanotify) lives on sb: host changes
 * skip the LOOKUP that only serves events when nobody listens.  A kernel
 * with neither counter always says yes (correct, just slower).
 */
static inline bool vng_fsnotify_sb_watched(struct super_block *sb)
{
#if defined(HAVE_FSNOTIFY_SB_HAS_WATCHERS)
	return fsnotify_sb_has_watchers(sb);
#elif defined(HAVE_SB_FSNOTIFY_CONNECTORS)
	return atomic_long_read(&sb->s_fsnotify_connectors) != 0;
#else
	return true;
#endif
}

/* ---- files ------------------------------------------------------------- */

/* 6.5 renamed the page cache splice helper. */
#ifndef HAVE_FILEMAP_SPLICE_READ
#define filemap_splice_read	generic_file_splice_read
#endif

/* 6.7 renamed the splice fallback of copy_file_range (and dropped flags). */
#if !defined(HAVE_GENERIC_COPY_FILE_RANGE) && defined(HAVE_SPLICE_COPY_FILE_RANGE)
static inline ssize_t generic_copy_file_range(struct file *in, loff_t pos_in,
					      struct file *out, loff_t pos_out,
					      size_t len, unsigned int flags)
{
	return splice_copy_file_range(in, pos_in, out, pos_out, len);
}
#endif

/*
 * File locks: 6.9 moved the common fields into fl->c.  These are lvalues,
 * so the driver reads and writes them the same way everywhere.
 */
#ifdef HAVE_FILE_LOCK_CORE
#define vng_fl_owner(fl)	((fl)->c.flc_owner)
#define vng_fl_type(fl)		((fl)->c.flc_type)
#define vng_fl_flags(fl)	((fl)->c.flc_flags)
#define vng_fl_pid(fl)		((fl)->c.flc_pid)
#else
#define vng_fl_owner(fl)	((fl)->fl_owner)
#define vng_fl_type(fl)		((fl)->fl_type)
#define vng_fl_flags(fl)	((fl)->fl_flags)
#define vng_fl_pid(fl)		((fl)->fl_pid)
#endif

/* Before 6.0 open() allows O_DIRECT when aops has ->direct_IO. */
#ifdef HAVE_FMODE_CAN_ODIRECT
#define VNG_AOPS_DIRECT_IO
#else
#define FMODE_CAN_ODIRECT	0
#define VNG_AOPS_DIRECT_IO	.direct_IO = noop_direct_IO,
#endif

#ifndef HAVE_ALLOC_INODE_SB
#define alloc_inode_sb(sb, cache, gfp)	kmem_cache_alloc(cache, gfp)
#endif

/* ---- sysfs ------------------------------------------------------------- */

/* The parameter list of kset_uevent_ops.uevent. */
#if defined(HAVE_KSET_UEVENT_CONST)
#define VNG_KSET_UEVENT_ARGS(ko, ev)				\
	const struct kobject *ko, struct kobj_uevent_env *ev
#elif defined(HAVE_KSET_UEVENT_KSET)
#define VNG_KSET_UEVENT_ARGS(ko, ev)				\
	struct kset *vng_kset_arg, struct kobject *ko,		\
	struct kobj_uevent_env *ev
#else
#define VNG_KSET_UEVENT_ARGS(ko, ev)				\
	struct kobject *ko, struct kobj_uevent_env *ev
#endif

/* Before 6.2 kobject_init() and friends take a mutable ktype. */
#ifdef HAVE_KOBJECT_INIT_CONST_KTYPE
#define VNG_KTYPE_CONST const
#else
#define VNG_KTYPE_CONST
#endif

/* ---- workqueues ------------------------------------------------------- */

/* 7.x: a workqueue says it is per-CPU (the old default) or unbound. */
#ifndef HAVE_WQ_PERCPU
#define WQ_PERCPU	0
#endif

/* ---- virtio ------------------------------------------------------------ */

/*
 * 6.11 passes callbacks and names to virtio_find_vqs() as one array of
 * struct virtqueue_info; the driver keeps the two arrays.
 */
static inline int vng_virtio_find_vqs(struct virtio_device *vdev,
				      unsigned int nvqs,
				      struct virtqueue *vqs[],
				      vq_callback_t *callbacks[],
				      const char * const names[],
				      struct irq_affinity *desc)
{
#ifdef HAVE_VIRTQUEUE_INFO
	struct virtqueue_info *info;
	unsigned int i;
	int err;

	info = kcalloc(nvqs, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	for (i = 0; i < nvqs; i++) {
		info[i].name = names[i];
		info[i].callback = callbacks[i];
	}
	err = virtio_find_vqs(vdev, nvqs, vqs, info, desc);
	kfree(info);
	return err;
#else
	return virtio_find_vqs(vdev, nvqs, vqs, callbacks, names, desc);
#endif
}

#ifndef HAVE_VIRTIO_RESET_DEVICE
static inline void virtio_reset_device(struct virtio_device *vdev)
{
	vdev->config->reset(vdev);
}
#endif

#endif /* VNG_COMPAT_H */
