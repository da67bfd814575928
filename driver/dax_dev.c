// SPDX-License-Identifier: GPL-2.0
/*
 * The DAX window of a device (dax.h): virtio shared memory region 0 made
 * into ZONE_DEVICE pages (MEMORY_DEVICE_FS_DAX, so fs/dax can refcount and
 * pin them) and a dax_device whose direct_access translates window offsets.
 * Found at probe; a device without the region simply has no window.
 *
 * The pages and the claimed region are device-managed and go when the
 * virtio device is unbound; the dax_device is killed then (fs/dax stops
 * using it) and put with the last reference to struct vng_dev, so a
 * filesystem still mounted on a removed device never touches freed memory.
 */
#include <linux/device.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uio.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_fs.h>

#include "dax_priv.h"
#include "transport.h"

/* ---- dax_operations ---------------------------------------------------- */

/* Pages of the window from pgoff on, or -ERANGE past its end. */
static long vng_dax_avail(struct vng_dax *dax, pgoff_t pgoff)
{
	u64 off = (u64)pgoff << PAGE_SHIFT;

	if (off >= dax->len)
		return -ERANGE;
	return (dax->len - off) >> PAGE_SHIFT;
}

static long vng_dax_direct_access(VNG_DIRECT_ACCESS_ARGS(dax_dev, pgoff,
							 nr_pages, kaddr, pfn))
{
	struct vng_dax *dax = dax_get_private(dax_dev);
	long avail = vng_dax_avail(dax, pgoff);
	u64 off = (u64)pgoff << PAGE_SHIFT;

	if (avail < 0)
		return avail;
	if (kaddr)
		*kaddr = dax->kaddr + off;
	if (pfn)
		*pfn = vng_phys_to_pfn(dax->phys + off);
	return min(nr_pages, avail);
}

static int vng_dax_zero_page_range(struct dax_device *dax_dev, pgoff_t pgoff,
				   size_t nr_pages)
{
	struct vng_dax *dax = dax_get_private(dax_dev);
	long avail = vng_dax_avail(dax, pgoff);
	void *addr;

	if (avail < 0 || nr_pages > (size_t)avail)
		return -ERANGE;
	addr = dax->kaddr + ((u64)pgoff << PAGE_SHIFT);
	memset(addr, 0, nr_pages << PAGE_SHIFT);
	dax_flush(dax_dev, addr, nr_pages << PAGE_SHIFT);
	return 0;
}

#ifdef HAVE_DAX_COPY_FROM_ITER_OP
/* Before 5.17 the driver copies: the window is ordinary cached memory. */
static size_t vng_dax_copy_from_iter(struct dax_device *dax_dev, pgoff_t pgoff,
				     void *addr, size_t bytes,
				     struct iov_iter *i)
{
	return copy_from_iter(addr, bytes, i);
}

static size_t vng_dax_copy_to_iter(struct dax_device *dax_dev, pgoff_t pgoff,
				   void *addr, size_t bytes, struct iov_iter *i)
{
	return copy_to_iter(addr, bytes, i);
}
#endif

static const struct dax_operations vng_dax_ops = {
	.direct_access	= vng_dax_direct_access,
	.zero_page_range = vng_dax_zero_page_range,
#ifdef HAVE_DAX_COPY_FROM_ITER_OP
	.copy_from_iter	= vng_dax_copy_from_iter,
	.copy_to_iter	= vng_dax_copy_to_iter,
#endif
};

/* ---- probe, remove, free ----------------------------------------------- */

/*
 * memremap_pages() hot-adds the window as memory: start and length must
 * be whole subsections (2 MiB; ZONE_DEVICE implies SPARSEMEM_VMEMMAP),
 * or whole sections without SPARSEMEM_VMEMMAP; __add_pages() WARNs and
 * fails on anything else.  Without SPARSEMEM there are no device pages.
 */
#if defined(CONFIG_SPARSEMEM_VMEMMAP)
#define VNG_DAX_HOTPLUG_ALIGN	((u64)PAGES_PER_SUBSECTION << PAGE_SHIFT)
#elif defined(CONFIG_SPARSEMEM)
#define VNG_DAX_HOTPLUG_ALIGN	((u64)PAGES_PER_SECTION << PAGE_SHIFT)
#else
#define VNG_DAX_HOTPLUG_ALIGN	((u64)PAGE_SIZE)
#endif

static int vng_dax_init_ranges(struct vng_dax *dax)
{
	unsigned long i;

	dax->nr_ranges = dax->len >> VNG_DAX_RANGE_SHIFT;
	dax->ranges = kvcalloc(dax->nr_ranges, sizeof(*dax->ranges),
			       GFP_KERNEL);
	if (!dax->ranges)
		return -ENOMEM;
	spin_lock_init(&dax->lock);
	INIT_LIST_HEAD(&dax->free);
	INIT_LIST_HEAD(&dax->busy);
	init_waitqueue_head(&dax->free_wq);
	for (i = 0; i < dax->nr_ranges; i++) {
		struct vng_dax_range *r = &dax->ranges[i];

		r->moffset = (u64)i << VNG_DAX_RANGE_SHIFT;
		RB_CLEAR_NODE(&r->rb);
		list_add_tail(&r->entry, &dax->free);
	}
	dax->nr_free = dax->nr_ranges;
	return 0;
}

void vng_dax_dev_probe(struct vng_dev *dev)
{
	struct virtio_device *vdev = dev->vdev;
	struct device *d = &vdev->dev;
	struct virtio_shm_region reg;
	struct dev_pagemap *pgmap;
	struct vng_dax *dax;
	void *kaddr;

	if (!virtio_get_shm_region(vdev, &reg, VIRTIO_FS_SHMCAP_ID_CACHE))
		return;
	/* the device says where and how big: it still has to make sense */
	if (reg.len < VNG_DAX_RANGE_SIZE || reg.addr + reg.len < reg.addr) {
		dev_warn(d, "DAX window of %llu bytes at %#llx is unusable (needs at least %llu bytes, no wrap-around): no DAX\n",
			 reg.len, reg.addr, VNG_DAX_RANGE_SIZE);
		return;
	}
	if (!IS_ALIGNED(reg.addr | reg.len, VNG_DAX_HOTPLUG_ALIGN)) {
		dev_warn(d, "DAX window of %llu bytes at %#llx is not aligned to the %llu KiB the kernel adds memory in: no DAX\n",
			 reg.len, reg.addr, VNG_DAX_HOTPLUG_ALIGN >> 10);
		return;
	}
	if (!devm_request_mem_region(d, reg.addr, reg.len, dev_name(d))) {
		dev_warn(d, "cannot claim the DAX window at %#llx: no DAX\n",
			 reg.addr);
		return;
	}
	pgmap = devm_kzalloc(d, sizeof(*pgmap), GFP_KERNEL);
	if (!pgmap)
		return;
	pgmap->type = MEMORY_DEVICE_FS_DAX;
	pgmap->range.start = reg.addr;
	pgmap->range.end = reg.addr + reg.len - 1;
	pgmap->nr_range = 1;
	kaddr = devm_memremap_pages(d, pgmap);
	if (IS_ERR(kaddr)) {
		dev_warn(d, "cannot map the DAX window: %ld: no DAX\n",
			 PTR_ERR(kaddr));
		return;
	}

	dax = kzalloc(sizeof(*dax), GFP_KERNEL);
	if (!dax)
		return;
	dax->dev = dev;
	dax->pgmap = pgmap;
	dax->kaddr = kaddr;
	dax->phys = reg.addr;
	/* whole ranges only: a tail smaller than a range is not used */
	dax->len = reg.len & ~(VNG_DAX_RANGE_SIZE - 1);
	if (vng_dax_init_ranges(dax))
		goto err_free;
	dax->dax_dev = vng_alloc_dax(dax, &vng_dax_ops);
	if (IS_ERR_OR_NULL(dax->dax_dev)) {
		dev_warn(d, "cannot create the DAX device: no DAX\n");
		goto err_ranges;
	}
#ifdef HAVE_SET_DAX_NOCACHE
	/* host RAM: plain cached copies, no machine-check recovery */
	set_dax_nocache(dax->dax_dev);
	set_dax_nomc(dax->dax_dev);
#endif
	vng_dax_reclaim_init(dax);
	dev->dax = dax;
	dev_info(d, "DAX window of %llu MiB (%lu ranges of %llu KiB)\n",
		 dax->len >> 20, dax->nr_ranges, VNG_DAX_RANGE_SIZE >> 10);
	return;

err_ranges:
	kvfree(dax->ranges);
err_free:
	kfree(dax);
}

void vng_dax_dev_remove(struct vng_dev *dev)
{
	struct vng_dax *dax = dev->dax;

	if (!dax || dax->killed)
		return;
	/*
	 * The pages go with the device (devm), right after this returns.
	 * First no new mapping (vng_dax_of_conn()), then fs/dax stops: no
	 * copy through the window is in flight after kill_dax() and a new
	 * one fails, faults get SIGBUS.  Then nothing may still map, pin
	 * or name a page of it.
	 */
	WRITE_ONCE(dax->killed, true);
	kill_dax(dax->dax_dev);
	vng_dax_reclaim_stop(dax);
	vng_dax_reclaim_all(dax);
}

void vng_dax_dev_free(struct vng_dev *dev)
{
	struct vng_dax *dax = dev->dax;

	if (!dax)
		return;
	vng_dax_reclaim_stop(dax);
	vng_dax_dev_remove(dev);
	put_dax(dax->dax_dev);
	kvfree(dax->ranges);
	kfree(dax);
	dev->dax = NULL;
}

/* ---- the session's view ------------------------------------------------ */

u64 vng_dax_init_flags(struct vng_dev *dev)
{
	return dev->dax ? FUSE_MAP_ALIGNMENT | FUSE_HAS_INODE_DAX : 0;
}

struct vng_dax *vng_dax_of_conn(const struct vng_conn *conn)
{
	struct vng_dax *dax = conn->dev->dax;

	if (!dax || READ_ONCE(dax->killed))
		return NULL;
	/* a host that needs coarser alignment than our ranges: no DAX */
	if (conn->map_alignment > VNG_DAX_RANGE_SHIFT)
		return NULL;
	return dax;
}

const char *vng_dax_unusable(struct vng_conn *conn)
{
	struct vng_dax *dax = conn->dev->dax;

	if (!dax)
		return "the device has no DAX window (virtio shared memory region 0)";
	if (READ_ONCE(dax->killed))
		return "the device is going away";
	if (conn->map_alignment > VNG_DAX_RANGE_SHIFT)
		return "the host's mapping alignment is coarser than 2 MiB";
	return NULL;
}

/* ---- sysfs: /sys/fs/virtiofs_ng/<N>/dax_* ------------------------------ */

static struct vng_dax *vng_dax_of_kobj(struct kobject *kobj)
{
	return container_of(kobj, struct vng_dev, kobj)->dax;
}

static ssize_t dax_window_size_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", vng_dax_of_kobj(kobj)->len);
}

static ssize_t dax_range_size_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", VNG_DAX_RANGE_SIZE);
}

static ssize_t dax_ranges_free_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(vng_dax_of_kobj(kobj)->nr_free));
}

static ssize_t dax_ranges_busy_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	struct vng_dax *dax = vng_dax_of_kobj(kobj);

	return sysfs_emit(buf, "%lu\n",
			  dax->nr_ranges - READ_ONCE(dax->nr_free));
}

static ssize_t dax_mappings_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&vng_dax_of_kobj(kobj)->mappings));
}

static ssize_t dax_reclaims_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&vng_dax_of_kobj(kobj)->reclaims));
}

static ssize_t dax_removals_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&vng_dax_of_kobj(kobj)->removals));
}

static struct kobj_attribute vng_attr_dax_window_size = __ATTR_RO(dax_window_size);
static struct kobj_attribute vng_attr_dax_range_size = __ATTR_RO(dax_range_size);
static struct kobj_attribute vng_attr_dax_ranges_free = __ATTR_RO(dax_ranges_free);
static struct kobj_attribute vng_attr_dax_ranges_busy = __ATTR_RO(dax_ranges_busy);
static struct kobj_attribute vng_attr_dax_mappings = __ATTR_RO(dax_mappings);
static struct kobj_attribute vng_attr_dax_reclaims = __ATTR_RO(dax_reclaims);
static struct kobj_attribute vng_attr_dax_removals = __ATTR_RO(dax_removals);

static struct attribute *vng_dax_attrs[] = {
	&vng_attr_dax_window_size.attr,
	&vng_attr_dax_range_size.attr,
	&vng_attr_dax_ranges_free.attr,
	&vng_attr_dax_ranges_busy.attr,
	&vng_attr_dax_mappings.attr,
	&vng_attr_dax_reclaims.attr,
	&vng_attr_dax_removals.attr,
	NULL,
};

/* Only a device with a window has the files (dev->dax is set at probe). */
static umode_t vng_dax_attr_visible(struct kobject *kobj,
				    struct attribute *attr, int n)
{
	return vng_dax_of_kobj(kobj) ? attr->mode : 0;
}

const struct attribute_group vng_dax_attr_group = {
	.attrs		= vng_dax_attrs,
	.is_visible	= vng_dax_attr_visible,
};
