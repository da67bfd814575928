/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding virtio-fs devices, their tags and the driver that owns each one.
 *
 * Three places in sysfs say something, none of them everything:
 *   fs/virtiofs_ng/<N>/{tag,device,state,...}   virtiofs-ng's devices
 *   fs/virtiofs/<N>/{tag,device}               the kernel's own (6.9+ only)
 *   bus/virtio/devices/virtioN/{device,driver}  every virtio device: ID 0x001a
 *                                               is virtio-fs; driver is a link
 * A kernel virtiofs older than 6.9 publishes no tag at all: such a device is
 * listed with tag_known false, and callers fall back to letting the kernel
 * resolve the tag.
 *
 * The sysfs root is $VIRTIOFS_SYSFS_ROOT (default /sys) and /proc is
 * $VIRTIOFS_PROC_ROOT (default /proc), so unit tests run on fake trees.
 * Both are ignored in a setuid/setgid process (secure_getenv).
 */
#ifndef VFS_DEVICES_H
#define VFS_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

/* virtio-fs config space tag: 36 bytes, NUL padded */
#define VFS_TAG_MAX		36
#define VFS_DEVNAME_MAX		32
#define VFS_MAX_DEVICES		64

enum vfs_owner {
	VFS_OWNER_NONE,		/* bound to no driver */
	VFS_OWNER_NG,		/* virtiofs_ng */
	VFS_OWNER_KERNEL,	/* the kernel's virtiofs */
	VFS_OWNER_OTHER,	/* some other driver (odd, but reported) */
};

struct vfs_device {
	char devname[VFS_DEVNAME_MAX];	/* "virtio3", "" if unknown */
	char tag[VFS_TAG_MAX + 1];
	bool tag_known;
	enum vfs_owner owner;
	char driver[64];		/* driver name, "" when none */
	char state[32];			/* virtiofs_ng's state file, or "" */
	int queues;			/* num_request_queues, -1 if unknown */
	char fsdir[256];		/* fs/virtiofs_ng/<N> relative, or "" */
	/*
	 * The virtio transport: its driver ("virtio-pci", "virtio-mmio", ...)
	 * and the device virtioN hangs off ("0000:00:02.0", "LNRO0005:00"),
	 * the name the VMM's configuration knows; "" when unknown.
	 */
	char transport[32];
	char parent[64];
};

struct vfs_devlist {
	struct vfs_device dev[VFS_MAX_DEVICES];
	size_t n;
	size_t skipped;			/* entries with unreadable/bad data */
	bool have_virtio_bus;		/* bus/virtio exists at all */
};

const char *vfs_sysfs_root(void);
const char *vfs_proc_root(void);

/*
 * Checks a tag given by a user or read from sysfs: 1..36 bytes, valid
 * UTF-8, no control bytes, no '/'.  Returns NULL if fine, else why not.
 */
const char *vfs_tag_invalid(const char *tag);

/* Scans sysfs; never fails (a missing tree is an empty list). */
void vfs_scan(struct vfs_devlist *list, bool verbose);

/* Finds by tag or by device name ("virtio3"); NULL if absent. */
struct vfs_device *vfs_find_tag(struct vfs_devlist *list, const char *tag);
struct vfs_device *vfs_find_devname(struct vfs_devlist *list,
				    const char *name);

/* Comma-separated known tags into buf ("none" if there are none). */
void vfs_known_tags(const struct vfs_devlist *list, char *buf, size_t len);

/* Is the kernel's own virtiofs virtio driver registered? */
bool vfs_kernel_driver_present(void);
/* Is the kernel's virtiofs a loadable module (vs built in)? */
bool vfs_kernel_driver_is_module(void);
/* Is virtiofs_ng's virtio driver registered? */
bool vfs_ng_driver_present(void);
/* Is NAME listed in /proc/filesystems? */
bool vfs_fs_registered(const char *name);

/*
 * The filesystem type to pass to mount(2) for a device owned by
 * virtiofs_ng: "virtiofs" when that name is virtiofs_ng's (the kernel's
 * driver is absent), else "virtiofs_ng".
 */
const char *vfs_ng_fstype(void);

const char *vfs_owner_name(enum vfs_owner owner);

/* Reads a small sysfs attribute below the root, strips one '\n'. */
int vfs_read_attr(const char *relpath, char *buf, size_t len);
/* Writes a string to a sysfs attribute below the root; -errno on error. */
int vfs_write_attr(const char *relpath, const char *val);

#endif
