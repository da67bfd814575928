// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs scanning for virtio-fs devices (see devices.h for the layout).
 * Every value read from sysfs is treated as untrusted: bounded reads,
 * validated tags, and a missing or odd file just leaves a field unknown.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices.h"

#define VIRTIO_ID_FS_STR	"0x001a"

const char *vfs_sysfs_root(void)
{
	const char *r = secure_getenv("VIRTIOFS_SYSFS_ROOT");

	return r && *r ? r : "/sys";
}

const char *vfs_proc_root(void)
{
	const char *r = secure_getenv("VIRTIOFS_PROC_ROOT");

	return r && *r ? r : "/proc";
}

static int sys_path(char *buf, size_t len, const char *rel)
{
	int n = snprintf(buf, len, "%s/%s", vfs_sysfs_root(), rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int vfs_read_attr(const char *relpath, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	err = sys_path(path, sizeof(path), relpath);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	/* sysfs attributes end in one newline; an embedded NUL ends it too */
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

int vfs_write_attr(const char *relpath, const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	err = sys_path(path, sizeof(path), relpath);
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static bool sys_exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	if (sys_path(path, sizeof(path), rel))
		return false;
	return lstat(path, &st) == 0;
}

/* A symlink's target below the root, NUL-terminated; false if none */
static bool sys_readlink(const char *rel, char *target, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	if (sys_path(path, sizeof(path), rel))
		return false;
	n = readlink(path, target, len - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return true;
}

/* Basename of a symlink's target below the root, or "" */
static void sys_link_base(const char *rel, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;

	buf[0] = '\0';
	if (!sys_readlink(rel, target, sizeof(target)))
		return;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < len)
		strcpy(buf, base);
}

/* Accepts well-formed UTF-8 only (no overlongs, no surrogates). */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned char c = *s;
		int more;
		unsigned int cp, min;

		if (c < 0x80) {
			s++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			more = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return false;
		}
		s++;
		while (more--) {
			if ((*s & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (*s++ & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

const char *vfs_tag_invalid(const char *tag)
{
	const unsigned char *p;

	if (!tag || !*tag)
		return "the tag is empty";
	if (strlen(tag) > VFS_TAG_MAX)
		return "the tag is longer than 36 bytes (the virtio-fs limit)";
	for (p = (const unsigned char *)tag; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "the tag contains a control character";
		if (*p == '/')
			return "the tag contains '/' (a tag is a name, not a path)";
	}
	if (!utf8_valid((const unsigned char *)tag))
		return "the tag is not valid UTF-8";
	return NULL;
}

/* Only names like "virtio12" are accepted as device names. */
static bool devname_ok(const char *name)
{
	const char *p;

	if (strncmp(name, "virtio", 6) || !name[6] ||
	    strlen(name) >= VFS_DEVNAME_MAX)
		return false;
	for (p = name + 6; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static bool entry_name_ok(const char *name)
{
	return name[0] != '.' && strlen(name) < 64;
}

static struct vfs_device *add_dev(struct vfs_devlist *list)
{
	struct vfs_device *d;

	if (list->n >= VFS_MAX_DEVICES) {
		list->skipped++;
		return NULL;
	}
	d = &list->dev[list->n++];
	memset(d, 0, sizeof(*d));
	d->queues = -1;
	return d;
}

static enum vfs_owner owner_of_driver(const char *drv)
{
	if (!*drv)
		return VFS_OWNER_NONE;
	if (!strcmp(drv, "virtiofs_ng"))
		return VFS_OWNER_NG;
	if (!strcmp(drv, "virtiofs"))
		return VFS_OWNER_KERNEL;
	return VFS_OWNER_OTHER;
}

/* fs/virtiofs_ng/<N> and fs/virtiofs/<N> */
static void scan_fs_dir(struct vfs_devlist *list, const char *fsname,
			enum vfs_owner owner, bool verbose)
{
	char path[PATH_MAX], rel[PATH_MAX], buf[128];
	struct dirent *de;
	DIR *dir;

	snprintf(rel, sizeof(rel), "fs/%s", fsname);
	if (sys_path(path, sizeof(path), rel))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		struct vfs_device *d;
		const char *why;
		int n;

		if (!entry_name_ok(de->d_name))
			continue;
		snprintf(rel, sizeof(rel), "fs/%s/%s/tag", fsname, de->d_name);
		n = vfs_read_attr(rel, buf, sizeof(buf));
		if (n < 0)
			continue;	/* not a device directory */
		why = vfs_tag_invalid(buf);
		if (why) {
			if (verbose)
				fprintf(stderr, "virtiofs: ignoring %s/fs/%s/%s: %s\n",
					vfs_sysfs_root(), fsname, de->d_name,
					why);
			list->skipped++;
			continue;
		}
		d = add_dev(list);
		if (!d)
			break;
		strcpy(d->tag, buf);
		d->tag_known = true;
		d->owner = owner;
		strcpy(d->driver, owner == VFS_OWNER_NG ? "virtiofs_ng" :
		       "virtiofs");
		snprintf(d->fsdir, sizeof(d->fsdir), "fs/%.16s/%.63s", fsname,
			 de->d_name);
		snprintf(rel, sizeof(rel), "%s/device", d->fsdir);
		sys_link_base(rel, buf, sizeof(buf));
		if (devname_ok(buf))
			strcpy(d->devname, buf);
		snprintf(rel, sizeof(rel), "%s/state", d->fsdir);
		if (vfs_read_attr(rel, buf, sizeof(buf)) > 0 &&
		    strlen(buf) < sizeof(d->state))
			strcpy(d->state, buf);
		snprintf(rel, sizeof(rel), "%s/num_request_queues", d->fsdir);
		if (vfs_read_attr(rel, buf, sizeof(buf)) > 0) {
			char *end;
			long q = strtol(buf, &end, 10);

			if (!*end && q >= 0 && q < 65536)
				d->queues = (int)q;
		}
	}
	closedir(dir);
}

/* a sysfs device name: no '/', no control or odd bytes */
static bool parent_name_ok(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(":._-+@", *s))
			return false;
	return true;
}

/*
 * virtioN's transport device: bus/virtio/devices/virtioN links to
 * .../devices/<path>/<parent>/virtioN (a PCI function, a platform device
 * of virtio-mmio, a ccw device), and the parent's driver link names the
 * transport.  Nothing here is PCI-specific.
 */
static void scan_transport(struct vfs_device *d, const char *name)
{
	char target[PATH_MAX], rel[PATH_MAX], *slash;

	snprintf(rel, sizeof(rel), "bus/virtio/devices/%s/../driver", name);
	sys_link_base(rel, d->transport, sizeof(d->transport));
	if (!parent_name_ok(d->transport))
		d->transport[0] = '\0';
	snprintf(rel, sizeof(rel), "bus/virtio/devices/%s", name);
	if (!sys_readlink(rel, target, sizeof(target)))
		return;
	slash = strrchr(target, '/');
	if (!slash)
		return;
	*slash = '\0';		/* drop "/virtioN" */
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	if (parent_name_ok(slash) && strlen(slash) < sizeof(d->parent))
		strcpy(d->parent, slash);
}

/* bus/virtio/devices/virtioN with device ID 0x001a */
static void scan_virtio_bus(struct vfs_devlist *list)
{
	char path[PATH_MAX], rel[PATH_MAX], buf[64], drv[64];
	struct dirent *de;
	DIR *dir;

	list->have_virtio_bus = sys_exists("bus/virtio");
	if (sys_path(path, sizeof(path), "bus/virtio/devices"))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		struct vfs_device *d;

		if (!devname_ok(de->d_name))
			continue;
		snprintf(rel, sizeof(rel), "bus/virtio/devices/%s/device",
			 de->d_name);
		if (vfs_read_attr(rel, buf, sizeof(buf)) < 0 ||
		    strcmp(buf, VIRTIO_ID_FS_STR))
			continue;
		snprintf(rel, sizeof(rel), "bus/virtio/devices/%s/driver",
			 de->d_name);
		sys_link_base(rel, drv, sizeof(drv));
		/* the same device already seen under fs/: just the driver */
		d = vfs_find_devname(list, de->d_name);
		if (!d) {
			d = add_dev(list);
			if (!d)
				break;
			strcpy(d->devname, de->d_name);
		}
		strcpy(d->driver, drv);
		d->owner = owner_of_driver(drv);
		scan_transport(d, de->d_name);
	}
	closedir(dir);
}

/*
 * bus/virtio/drivers/{virtiofs,virtiofs_ng}/virtioN: the ownership the
 * driver core reports, used when bus/virtio/devices is not readable.
 */
static void scan_drivers(struct vfs_devlist *list)
{
	static const char *const drivers[] = { "virtiofs_ng", "virtiofs" };
	char path[PATH_MAX], rel[PATH_MAX];
	struct dirent *de;
	size_t i;
	DIR *dir;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(rel, sizeof(rel), "bus/virtio/drivers/%s", drivers[i]);
		if (sys_path(path, sizeof(path), rel))
			continue;
		dir = opendir(path);
		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			struct vfs_device *d;

			if (!devname_ok(de->d_name))
				continue;
			d = vfs_find_devname(list, de->d_name);
			if (!d) {
				d = add_dev(list);
				if (!d)
					break;
				strcpy(d->devname, de->d_name);
			}
			strcpy(d->driver, drivers[i]);
			d->owner = owner_of_driver(drivers[i]);
		}
		closedir(dir);
	}
}

static int dev_cmp(const void *a, const void *b)
{
	const struct vfs_device *x = a, *y = b;
	size_t lx = strlen(x->devname), ly = strlen(y->devname);

	/* virtio2 before virtio10 */
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->devname, y->devname);
}

void vfs_scan(struct vfs_devlist *list, bool verbose)
{
	memset(list, 0, sizeof(*list));
	scan_fs_dir(list, "virtiofs_ng", VFS_OWNER_NG, verbose);
	scan_fs_dir(list, "virtiofs", VFS_OWNER_KERNEL, verbose);
	scan_virtio_bus(list);
	scan_drivers(list);
	qsort(list->dev, list->n, sizeof(list->dev[0]), dev_cmp);
}

struct vfs_device *vfs_find_tag(struct vfs_devlist *list, const char *tag)
{
	size_t i;

	/*
	 * A device virtiofs_ng owns wins over a stale kernel entry; one that
	 * is going away ("removed") is never picked.
	 */
	for (i = 0; i < list->n; i++)
		if (list->dev[i].tag_known && !strcmp(list->dev[i].tag, tag) &&
		    list->dev[i].owner == VFS_OWNER_NG &&
		    strcmp(list->dev[i].state, "removed"))
			return &list->dev[i];
	for (i = 0; i < list->n; i++)
		if (list->dev[i].tag_known && !strcmp(list->dev[i].tag, tag) &&
		    strcmp(list->dev[i].state, "removed"))
			return &list->dev[i];
	return NULL;
}

struct vfs_device *vfs_find_devname(struct vfs_devlist *list,
				    const char *name)
{
	size_t i;

	if (!*name)
		return NULL;
	for (i = 0; i < list->n; i++)
		if (!strcmp(list->dev[i].devname, name))
			return &list->dev[i];
	return NULL;
}

void vfs_known_tags(const struct vfs_devlist *list, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < list->n; i++) {
		int n;

		if (!list->dev[i].tag_known)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     list->dev[i].tag);
		if (n < 0 || (size_t)n >= len - used) {
			/* truncated: end in "..." if it fits */
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		used += n;
	}
	if (!used)
		snprintf(buf, len, "none");
}

bool vfs_kernel_driver_present(void)
{
	return sys_exists("bus/virtio/drivers/virtiofs");
}

bool vfs_kernel_driver_is_module(void)
{
	/* built-in code has no refcnt in /sys/module/<name> */
	return sys_exists("module/virtiofs/refcnt");
}

bool vfs_ng_driver_present(void)
{
	return sys_exists("bus/virtio/drivers/virtiofs_ng");
}

bool vfs_fs_registered(const char *name)
{
	char path[PATH_MAX], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/filesystems", vfs_proc_root());
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, '\t');

		p = p ? p + 1 : line;
		p[strcspn(p, "\n")] = '\0';
		if (!strcmp(p, name)) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

const char *vfs_ng_fstype(void)
{
	if (!vfs_kernel_driver_present() && vfs_fs_registered("virtiofs"))
		return "virtiofs";
	return "virtiofs_ng";
}

const char *vfs_owner_name(enum vfs_owner owner)
{
	switch (owner) {
	case VFS_OWNER_NG:
		return "virtiofs_ng";
	case VFS_OWNER_KERNEL:
		return "virtiofs";
	case VFS_OWNER_OTHER:
		return "other";
	default:
		return "none";
	}
}
