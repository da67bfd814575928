/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DAX window (dax_*.c): file data mapped straight from the host's page
 * cache through virtio shared memory region 0, FUSE_SETUPMAPPING and
 * FUSE_REMOVEMAPPING.  These are the calls the rest of the driver makes;
 * dax_priv.h has the internals.
 *
 *   dax_dev.c      the window: shared memory region, pages, dax_device,
 *                  mount checks, INIT flags, sysfs counters
 *   dax_range.c    the range allocator, per-inode interval tree, the
 *                  SETUPMAPPING / REMOVEMAPPING requests, inode lifetime
 *   dax_io.c       iomap, read/write, mmap faults, writeback, layouts
 *   dax_reclaim.c  taking ranges back: background worker and inline
 */
#ifndef VNG_DAX_H
#define VNG_DAX_H

#include <linux/types.h>

struct attribute_group;
struct file;
struct fuse_attr;
struct inode;
struct iov_iter;
struct kiocb;
struct vm_area_struct;
struct vng_conn;
struct vng_dev;

/* transport.c: probe (never fails the probe), remove, final free */
void vng_dax_dev_probe(struct vng_dev *dev);
void vng_dax_dev_remove(struct vng_dev *dev);
void vng_dax_dev_free(struct vng_dev *dev);

/* conn.c: the FUSE_INIT flags to ask for (none without a window) */
u64 vng_dax_init_flags(struct vng_dev *dev);

/*
 * super.c: NULL when the session can serve DAX, else why not (for the
 * mount's message).
 */
const char *vng_dax_unusable(struct vng_conn *conn);

/* inode.c: a regular file's inode is set up / evicted */
void vng_dax_inode_init(struct inode *inode, const struct fuse_attr *attr);
void vng_dax_evict(struct inode *inode);
/* inode.c: new attributes of a regular file (dax=inode: has its mode moved?) */
void vng_dax_attr_changed(struct inode *inode, const struct fuse_attr *attr);

/*
 * inode.c (truncate), file.c (punch hole): blocks new faults and waits
 * until no page of [start, end] (bytes, inclusive) is mapped or pinned.
 * Faults stay blocked, even on error, until vng_dax_unblock_faults(),
 * which also gives back the ranges that lie wholly in [free_start,
 * free_end) (bytes, end exclusive; free_start >= free_end frees none).
 * Both do nothing for an inode without DAX.
 */
int vng_dax_block_faults(struct inode *inode, loff_t start, loff_t end);
void vng_dax_unblock_faults(struct inode *inode, loff_t free_start,
			    loff_t free_end);

/*
 * inode.c: the host's file shrank to size behind our back; mappings past
 * it go (a mapping past the host's end of file faults in the VMM).
 */
void vng_dax_host_truncated(struct inode *inode, loff_t size);

/* read.c, write.c: the data path of a DAX inode (IS_DAX()) */
ssize_t vng_dax_read_iter(struct kiocb *iocb, struct iov_iter *to);
ssize_t vng_dax_write_iter(struct kiocb *iocb, struct iov_iter *from);
int vng_dax_mmap(struct file *file, struct vm_area_struct *vma);

/* sysfs.c: /sys/fs/virtiofs_ng/<N>/dax_* (visible with a window) */
extern const struct attribute_group vng_dax_attr_group;

#endif
