/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mount option handling for mount.virtiofs, done with libmount's option
 * maps so that nothing libmount already knows is re-parsed here:
 *   VFS options (ro, nosuid, noatime, remount, ...) become mount(2) flags,
 *   userspace options (defaults, nofail, _netdev, noauto, user, x-*, ...)
 *   stay out of the kernel and go to utab,
 *   the rest is the filesystem's data string, where the values virtiofs
 *   knows (cache=, dax=, rootmode=, user_id=, group_id=) are checked,
 *   except wait=, which is the helper's own and is taken out.
 */
#ifndef VFS_OPTIONS_H
#define VFS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* The kernel copies at most one page of mount data. */
#define VFS_OPTSTR_MAX		4095
#define VFS_WAIT_MAX		3600

struct vfs_opts {
	unsigned long flags;	/* MS_* for mount(2) */
	char *user;		/* userspace-only options (utab), or NULL */
	char *vfs;		/* VFS options as given, or NULL */
	char *fs;		/* data for mount(2), or NULL */
	char *all;		/* the full, normalised option string */
	int wait_secs;		/* wait=SECONDS, default 0 */
	bool wait_given;	/* wait= (or x-virtiofs.wait=) was there */
	bool remount;
	bool has_cache;		/* cache= given (virtiofs_ng only) */
};

/*
 * Parses OPTSTR (may be NULL).  SLOPPY drops unknown filesystem options
 * instead of passing them to the kernel.  RO/RW come from -r/-w.
 * Returns 0, or -1 with a message in ERR.
 */
int vfs_opts_parse(const char *optstr, bool sloppy, bool ro, bool rw,
		   struct vfs_opts *o, char *err, size_t errlen);
void vfs_opts_free(struct vfs_opts *o);

/* "ro,nosuid,..." for the flags in F, into BUF */
void vfs_flags_str(unsigned long f, char *buf, size_t len);

#endif
