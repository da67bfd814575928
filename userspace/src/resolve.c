// SPDX-License-Identifier: GPL-2.0
/* Tag resolution for mount.virtiofs (see resolve.h). */
#define _GNU_SOURCE
#include <blkid/blkid.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "modload.h"
#include "resolve.h"

int vfs_parse_source(const char *src, char *tag, size_t taglen, char *err,
		     size_t errlen)
{
	char *name = NULL, *value = NULL;
	const char *why;
	int rc = -1;

	if (!src || !*src) {
		snprintf(err, errlen, "no source given: expected a tag such as 'myfs' or 'TAG=myfs'");
		return -1;
	}
	if (strlen(src) > 4 * VFS_TAG_MAX + 16) {
		snprintf(err, errlen, "the source is too long for a virtio-fs tag (36 bytes at most)");
		return -1;
	}
	if (!blkid_parse_tag_string(src, &name, &value)) {
		if (strcasecmp(name, "TAG")) {
			snprintf(err, errlen,
				 "source '%.*s=...': only TAG=<tag> or a plain tag names a virtio-fs device",
				 32, name);
			goto out;
		}
		src = value;
	} else if (strchr(src, '=')) {
		/* "TAG=" or "=x": a tag containing '=' is written TAG=a=b */
		snprintf(err, errlen,
			 "source '%.64s' is neither a tag nor TAG=<tag> (write a tag containing '=' as TAG=<tag>)",
			 src);
		goto out;
	}
	why = vfs_tag_invalid(src);
	if (why) {
		snprintf(err, errlen, "bad tag: %s", why);
		goto out;
	}
	if (strlen(src) >= taglen) {
		snprintf(err, errlen, "bad tag: too long");
		goto out;
	}
	strcpy(tag, src);
	rc = 0;
out:
	free(name);
	free(value);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Why virtiofs_ng did not load when this run asked for it, or "" */
static char load_err[512];

/*
 * Loads virtiofs_ng for devices nobody drives, itself rather than through
 * the modprobe.d rule, so that modprobe's own reason is what a failure
 * reports.  Then, as the rule would, the kernel's virtiofs is loaded
 * instead, so the tag can still be mounted.
 */
static void load_ng(bool verbose)
{
	char fb[256];

	if (verbose)
		printf("mount.virtiofs: loading virtiofs_ng\n");
	if (!vfs_modprobe("virtiofs_ng", true, load_err, sizeof(load_err))) {
		load_err[0] = '\0';
		return;
	}
	fprintf(stderr, "mount.virtiofs: virtiofs_ng did not load: %s\n",
		load_err);
	if (verbose)
		printf("mount.virtiofs: loading the kernel's virtiofs instead\n");
	if (vfs_modprobe("virtiofs", false, fb, sizeof(fb)))
		fprintf(stderr, "mount.virtiofs: the kernel's virtiofs did not load either: %s\n",
			fb);
}

/* After a mount by the kernel's virtiofs: say so when it is a fallback. */
static void fallback_note(void)
{
	char reason[512], advice[512];

	if (!*load_err && !vfs_fallback_reason(reason, sizeof(reason)))
		return;
	if (*load_err)
		snprintf(reason, sizeof(reason), "%s", load_err);
	fprintf(stderr,
		"mount.virtiofs: note: the kernel's virtiofs serves this mount because virtiofs_ng did not load (%s): %s\n",
		reason, vfs_load_advice(reason, advice, sizeof(advice)));
}

static bool may_modprobe(bool may_load)
{
	/* never on a fake tree, only as root */
	return may_load && !secure_getenv("VIRTIOFS_SYSFS_ROOT") &&
	       geteuid() == 0;
}

static int from_device(const struct vfs_device *d, struct vfs_resolved *res,
		       char *err, size_t errlen)
{
	snprintf(res->devname, sizeof(res->devname), "%s", d->devname);
	snprintf(res->driver, sizeof(res->driver), "%s", d->driver);
	switch (d->owner) {
	case VFS_OWNER_NG:
		res->fstype = vfs_ng_fstype();
		return VFS_RESOLVE_OK;
	case VFS_OWNER_KERNEL:
		res->fstype = "virtiofs";
		fallback_note();
		return VFS_RESOLVE_OK;
	case VFS_OWNER_NONE:
		if (*load_err) {
			char advice[512];

			snprintf(err, errlen,
				 "device %s with tag '%s' is bound to no driver: virtiofs_ng did not load (%s): %s",
				 *d->devname ? d->devname : "?", d->tag,
				 load_err, vfs_load_advice(load_err, advice,
							   sizeof(advice)));
			return VFS_RESOLVE_NODRIVER;
		}
		snprintf(err, errlen,
			 "device %s with tag '%s' is bound to no driver: load virtiofs_ng (modprobe virtiofs_ng) or run 'virtiofsctl bind %s'",
			 *d->devname ? d->devname : "?", d->tag, d->tag);
		return VFS_RESOLVE_NODRIVER;
	default:
		snprintf(err, errlen,
			 "device %s with tag '%s' is bound to driver '%s', which is not a virtio-fs filesystem driver",
			 d->devname, d->tag, d->driver);
		return VFS_RESOLVE_NODRIVER;
	}
}

/* Devices without a driver keep their tags hidden: say so. */
static void unbound_hint(const struct vfs_devlist *list, char *err,
			 size_t errlen)
{
	size_t i, used = strlen(err), n = 0;

	for (i = 0; i < list->n && used < errlen; i++) {
		int w;

		if (list->dev[i].owner != VFS_OWNER_NONE)
			continue;
		w = snprintf(err + used, errlen - used, "%s%s",
			     n++ ? ", " : "; devices without a driver: ",
			     list->dev[i].devname);
		if (w < 0)
			return;
		used += w;
	}
	if (n && used < errlen && *load_err) {
		char advice[512];

		snprintf(err + used, errlen - used,
			 " (virtiofs_ng did not load: %s: %s)", load_err,
			 vfs_load_advice(load_err, advice, sizeof(advice)));
	} else if (n && used < errlen) {
		snprintf(err + used, errlen - used,
			 " (modprobe virtiofs_ng or virtiofsctl bind DEVICE)");
	}
}

int vfs_resolve(const char *tag, int wait_secs, bool may_load, bool verbose,
		struct vfs_resolved *res, char *err, size_t errlen)
{
	static struct vfs_devlist list;	/* large: not on the stack */
	double deadline = now_s() + wait_secs;
	bool loaded = !may_modprobe(may_load);
	char known[512];

	memset(res, 0, sizeof(*res));
	for (;;) {
		struct vfs_device *d;
		bool untagged_kernel = false, unbound = false;
		size_t i;
		int rc;

		vfs_scan(&list, verbose);
		d = vfs_find_tag(&list, tag);
		if (d) {
			rc = from_device(d, res, err, errlen);
			if (rc != VFS_RESOLVE_NODRIVER ||
			    d->owner != VFS_OWNER_NONE || loaded)
				return rc;
		}
		for (i = 0; i < list.n; i++) {
			if (list.dev[i].owner == VFS_OWNER_NONE)
				unbound = true;
			else if (!list.dev[i].tag_known &&
				 list.dev[i].owner == VFS_OWNER_KERNEL)
				untagged_kernel = true;
		}
		/*
		 * Load virtiofs_ng for devices nobody drives; a tag typo on
		 * a system the kernel's virtiofs serves loads nothing.
		 */
		if (!loaded && (unbound || (list.n && !vfs_ng_driver_present() &&
					   !vfs_kernel_driver_present()))) {
			loaded = true;
			load_ng(verbose);
			continue;
		}
		/*
		 * The kernel's virtiofs before 6.9 keeps its tags to itself:
		 * let it look the tag up.
		 */
		if (untagged_kernel) {
			fallback_note();
			res->fstype = "virtiofs";
			res->guessed = true;
			snprintf(res->driver, sizeof(res->driver), "virtiofs");
			return VFS_RESOLVE_OK;
		}
		if (now_s() >= deadline)
			break;
		usleep(200 * 1000);
	}
	vfs_known_tags(&list, known, sizeof(known));
	if (!list.n && !list.have_virtio_bus)
		snprintf(err, errlen,
			 "no device with tag '%s' (no virtio bus in %s: not a virtual machine, or sysfs not mounted)",
			 tag, vfs_sysfs_root());
	else
		snprintf(err, errlen, "no device with tag '%s' (known tags: %s)",
			 tag, known);
	unbound_hint(&list, err, errlen);
	return VFS_RESOLVE_NOTAG;
}
