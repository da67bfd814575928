/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tag to (device, driver, filesystem type) for mount.virtiofs: scans sysfs,
 * waits up to a deadline for a tag that is not there yet, loads
 * virtiofs_ng once when a virtio-fs device has no driver.
 */
#ifndef VFS_RESOLVE_H
#define VFS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "devices.h"

struct vfs_resolved {
	const char *fstype;		/* for mount(2) */
	char devname[VFS_DEVNAME_MAX];	/* "" when the kernel resolves it */
	char driver[64];
	bool guessed;			/* tag not visible in sysfs */
};

enum {
	VFS_RESOLVE_OK = 0,
	VFS_RESOLVE_NOTAG = -1,		/* no such tag: exit 32 */
	VFS_RESOLVE_NODRIVER = -2,	/* found, but no usable driver */
};

/*
 * WAIT_SECS: how long to wait for the tag to appear.  MAY_LOAD: allowed to
 * run modprobe virtiofs_ng.  ERR gets the user-facing message on failure.
 */
int vfs_resolve(const char *tag, int wait_secs, bool may_load, bool verbose,
		struct vfs_resolved *res, char *err, size_t errlen);

/* Splits "myfs", "TAG=myfs", "tag=\"my fs\"" into the tag; 0 or -1+ERR */
int vfs_parse_source(const char *src, char *tag, size_t taglen, char *err,
		     size_t errlen);

#endif
