// SPDX-License-Identifier: GPL-2.0
/*
 * The DAX calls (dax.h) for a kernel built without fs-dax or without
 * ZONE_DEVICE (Debian's arm64 6.1 has neither; arm64 5.10 has FS_DAX but
 * no ZONE_DEVICE).  fs/dax's helpers, or the device pages dax_dev.c maps
 * the window into, do not exist there, so Kbuild builds this file in
 * place of dax_*.c: no device gets a window, no inode is ever DAX, and a
 * mount that asks for DAX is told why (dax=always fails, dax=inode uses
 * the page cache).
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/sysfs.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_fs.h>

#include "dax.h"
#include "transport.h"

#define VNG_DAX_MISSING \
	"this kernel has no fs-dax on device pages (CONFIG_FS_DAX, CONFIG_ZONE_DEVICE)"

void vng_dax_dev_probe(struct vng_dev *dev)
{
	struct virtio_shm_region reg;

	/* a window the device offers goes unused: say so once */
	if (virtio_get_shm_region(dev->vdev, &reg, VIRTIO_FS_SHMCAP_ID_CACHE))
		dev_info(&dev->vdev->dev,
			 "DAX window of %llu MiB not used: %s\n",
			 reg.len >> 20, VNG_DAX_MISSING);
}

void vng_dax_dev_remove(struct vng_dev *dev)
{
}

void vng_dax_dev_free(struct vng_dev *dev)
{
}

u64 vng_dax_init_flags(struct vng_dev *dev)
{
	return 0;	/* no FUSE_HAS_INODE_DAX, no FUSE_MAP_ALIGNMENT */
}

const char *vng_dax_unusable(struct vng_conn *conn)
{
	return VNG_DAX_MISSING;
}

void vng_dax_inode_init(struct inode *inode, const struct fuse_attr *attr)
{
}

void vng_dax_evict(struct inode *inode)
{
}

void vng_dax_attr_changed(struct inode *inode, const struct fuse_attr *attr)
{
}

int vng_dax_block_faults(struct inode *inode, loff_t start, loff_t end)
{
	return 0;
}

void vng_dax_unblock_faults(struct inode *inode, loff_t free_start,
			    loff_t free_end)
{
}

void vng_dax_host_truncated(struct inode *inode, loff_t size)
{
}

/* Only reached for an IS_DAX() inode, which this build never makes. */
ssize_t vng_dax_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return -EOPNOTSUPP;
}

ssize_t vng_dax_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return -EOPNOTSUPP;
}

int vng_dax_mmap(struct file *file, struct vm_area_struct *vma)
{
	return -EOPNOTSUPP;
}

static struct attribute *vng_dax_none_attrs[] = {
	NULL,
};

const struct attribute_group vng_dax_attr_group = {
	.attrs	= vng_dax_none_attrs,
};
