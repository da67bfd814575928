// SPDX-License-Identifier: GPL-2.0
/* Mount points of virtio-fs tags (see mounts.h). */
#define _GNU_SOURCE
#include <libmount/libmount.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "mounts.h"

struct vfs_mounts {
	struct libmnt_table *tb;
};

static struct vfs_mounts one;

struct vfs_mounts *vfs_mounts_load(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/self/mountinfo", vfs_proc_root());
	one.tb = mnt_new_table_from_file(path);
	return one.tb ? &one : NULL;
}

void vfs_mounts_free(struct vfs_mounts *m)
{
	if (m) {
		mnt_unref_table(m->tb);
		m->tb = NULL;
	}
}

static bool is_virtiofs(const char *type)
{
	return type && (!strcmp(type, "virtiofs") ||
			!strcmp(type, "virtiofs_ng"));
}

size_t vfs_mounts_each(struct vfs_mounts *m, const char *tag,
		       void (*fn)(const char *target, void *arg), void *arg)
{
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	size_t n = 0;

	if (!m || !m->tb)
		return 0;
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	if (!itr)
		return 0;
	while (!mnt_table_next_fs(m->tb, itr, &fs)) {
		const char *src = mnt_fs_get_source(fs);
		const char *target = mnt_fs_get_target(fs);

		if (!is_virtiofs(mnt_fs_get_fstype(fs)) || !target)
			continue;
		if (tag && (!src || strcmp(src, tag)))
			continue;
		n++;
		if (fn)
			fn(target, arg);
	}
	mnt_free_iter(itr);
	return n;
}
