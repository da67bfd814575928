/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a tag is mounted, from $VIRTIOFS_PROC_ROOT/self/mountinfo (parsed
 * by libmount): mounts of type virtiofs or virtiofs_ng whose source is the
 * tag.
 */
#ifndef VFS_MOUNTS_H
#define VFS_MOUNTS_H

#include <stddef.h>

struct vfs_mounts;

/* NULL if mountinfo cannot be read (then nothing counts as mounted). */
struct vfs_mounts *vfs_mounts_load(void);
void vfs_mounts_free(struct vfs_mounts *m);

/*
 * Calls fn for each mount point of TAG (NULL: every virtio-fs mount);
 * returns how many there were.
 */
size_t vfs_mounts_each(struct vfs_mounts *m, const char *tag,
		       void (*fn)(const char *target, void *arg), void *arg);

#endif
