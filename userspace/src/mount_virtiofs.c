// SPDX-License-Identifier: GPL-2.0
/*
 * mount.virtiofs: the mount(8) helper for virtio-fs tags.
 *
 *   mount.virtiofs SOURCE DIR [-sfnvrw] [-o OPTS] [-t TYPE]
 *
 * SOURCE is a tag ("myfs" or "TAG=myfs").  The tag is resolved to its
 * device and the driver that owns it, and mount(2) is called with the
 * filesystem type of that driver: "virtiofs_ng" when virtiofs-ng owns the
 * device and the kernel's virtiofs holds the name "virtiofs", else
 * "virtiofs".  Exit codes follow mount(8): 0 ok, 1 usage/permissions,
 * 2 system error, 16 utab trouble, 32 mount failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <libmount/libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "resolve.h"
#include "usermount.h"

/* seconds a mount started by systemd waits for its tag by default */
#define VFS_SYSTEMD_WAIT	30

#ifndef VFS_VERSION
#define VFS_VERSION "unknown"
#endif

enum {
	EX_OK = 0,
	EX_USAGE = 1,
	EX_SYSERR = 2,
	EX_SOFTWARE = 4,
	EX_UTAB = 16,
	EX_FAIL = 32,
};

struct args {
	const char *source;
	const char *target;
	const char *optstr;
	bool fake, nomtab, verbose, sloppy, ro, rw;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mount.virtiofs TAG DIR [-sfnvrw] [-o OPTIONS]\n"
		"\n"
		"Mounts the virtio-fs device with tag TAG (or TAG=tag) on DIR,\n"
		"through virtiofs_ng or the kernel's virtiofs, whichever owns it.\n"
		"\n"
		"  -o OPTIONS  mount options (cache=, dax=, ro, nosuid, ...,\n"
		"              wait=SECONDS to wait for the tag)\n"
		"  -f          fake: resolve and check, do not mount\n"
		"  -n          do not record the mount in utab\n"
		"  -v          verbose\n"
		"  -s          sloppy: drop unknown filesystem options\n"
		"  -r, -w      read-only, read-write\n"
		"  -h, -V      help, version\n"
		"\n"
		"See mount.virtiofs(8).\n");
}

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...)
{
	va_list ap;

	fputs("virtiofs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "options", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pos[2];
	int c, npos = 0;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hVfnvsrwo:t:N:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(EX_OK);
		case 'V':
			printf("mount.virtiofs (virtiofs-ng) %s\n", VFS_VERSION);
			exit(EX_OK);
		case 'f': a->fake = true; break;
		case 'n': a->nomtab = true; break;
		case 'v': a->verbose = true; break;
		case 's': a->sloppy = true; break;
		case 'r': a->ro = true; a->rw = false; break;
		case 'w': a->rw = true; a->ro = false; break;
		case 'o':
			if (a->optstr) {
				err("-o given twice: join the options with commas");
				return -1;
			}
			a->optstr = optarg;
			break;
		case 't':
			/* mount(8) may pass the type: ours or nothing */
			if (strcmp(optarg, "virtiofs") &&
			    strcmp(optarg, "virtiofs_ng")) {
				err("filesystem type '%.32s' is not virtiofs", optarg);
				return -1;
			}
			break;
		case 'N':
			err("-N (mount namespace) is not supported");
			return -1;
		default:
			err("unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return -1;
		}
	}
	while (optind < argc) {
		if (npos == 2) {
			err("too many arguments ('%.64s')", argv[optind]);
			return -1;
		}
		pos[npos++] = argv[optind++];
	}
	if (npos != 2) {
		usage(stderr);
		return -1;
	}
	a->source = pos[0];
	a->target = pos[1];
	return 0;
}

static int check_target(const char *target)
{
	struct stat st;

	if (!*target) {
		err("empty mount point");
		return -1;
	}
	if (strlen(target) >= 4096) {
		err("mount point path too long");
		return -1;
	}
	if (stat(target, &st)) {
		err("mount point %s: %s", target, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		err("mount point %s is not a directory", target);
		return -1;
	}
	return 0;
}

/*
 * The filesystem type mounted on TARGET into BUF ("" when TARGET is not a
 * mount point), from mountinfo; -1 when mountinfo cannot be read.
 */
static int mounted_type(const char *target, char *buf, size_t len)
{
	struct libmnt_table *tb;
	struct libmnt_fs *fs;
	char path[4096];

	snprintf(path, sizeof(path), "%s/self/mountinfo", vfs_proc_root());
	tb = mnt_new_table_from_file(path);
	if (!tb)
		return -1;
	fs = mnt_table_find_target(tb, target, MNT_ITER_BACKWARD);
	snprintf(buf, len, "%s", fs && mnt_fs_get_fstype(fs) ?
		 mnt_fs_get_fstype(fs) : "");
	mnt_unref_table(tb);
	return 0;
}

/*
 * A remount only makes sense on a virtio-fs mount point.  Checked before
 * mount(2): the kernel would say only EINVAL for a plain directory, and
 * would remount whatever else is mounted there.
 */
static int check_remount_target(const char *target)
{
	char type[64];

	if (mounted_type(target, type, sizeof(type)))
		return 0;	/* no mountinfo: the kernel decides */
	if (!*type) {
		err("cannot remount %s: it is not a mount point (mount it first)",
		    target);
		return -1;
	}
	if (strcmp(type, "virtiofs") && strcmp(type, "virtiofs_ng")) {
		err("cannot remount %s: it is a %.32s mount, not virtio-fs",
		    target, type);
		return -1;
	}
	return 0;
}

static int explain_failure(int e, const struct args *a,
			   const struct vfs_resolved *r, const char *tag,
			   const struct vfs_opts *o)
{
	switch (e) {
	case EPERM:
	case EACCES:
		err("mounting %s on %s: permission denied (root only, or a 'user' fstab entry through mount(8))",
		    tag, a->target);
		return EX_USAGE;
	case ENODEV:
		err("the kernel does not know the filesystem type '%s': load the driver (modprobe virtiofs_ng)",
		    r->fstype);
		return EX_FAIL;
	case EBUSY:
		err("%s is busy or already mounted on %s", tag, a->target);
		return EX_FAIL;
	case EINVAL:
		if (o->remount) {
			err("the kernel refused to remount %s with options '%s' (one that cannot change on remount? see dmesg)",
			    a->target, o->fs ? o->fs : "");
			return EX_FAIL;
		}
		if (r->guessed && !o->fs)
			err("the kernel refused tag '%s': no device with that tag? (this kernel's virtiofs does not list its tags in sysfs; see dmesg)",
			    tag);
		else if (r->guessed)
			err("the kernel refused to mount tag '%s' with options '%s' (a wrong tag or option; this kernel's virtiofs does not list its tags in sysfs; see dmesg)",
			    tag, o->fs);
		else if (o->has_cache && !strcmp(r->driver, "virtiofs"))
			err("the kernel's virtiofs refused the options '%s' (cache= is a virtiofs_ng option; see dmesg)",
			    o->fs ? o->fs : "");
		else
			err("the kernel refused to mount tag '%s' with options '%s' (see dmesg)",
			    tag, o->fs ? o->fs : "");
		return EX_FAIL;
	default:
		err("mounting %s on %s failed: %s", tag, a->target,
		    strerror(e));
		return EX_FAIL;
	}
}

/*
 * A user mount through a setuid helper: only the tag and the directory
 * come from the caller, and they must match a user/users fstab entry,
 * whose options replace the command line's.  -r may add read-only; -w,
 * -s and -n are not the caller's to choose.
 */
static int restrict_args(struct args *a, char **optstr)
{
	char tag[VFS_TAG_MAX + 1], msg[512];

	if (vfs_parse_source(a->source, tag, sizeof(tag), msg, sizeof(msg))) {
		err("%s", msg);
		return -1;
	}
	if (vfs_user_entry(tag, a->target, optstr, msg, sizeof(msg))) {
		err("%s", msg);
		return -1;
	}
	a->rw = false;
	a->sloppy = false;
	a->nomtab = false;
	return 0;
}

/* Records the mount where libmount keeps userspace options (utab). */
static int update_utab(const char *tag, const char *target,
		       const char *fstype, const struct vfs_opts *o)
{
	struct libmnt_update *upd;
	struct libmnt_fs *fs;
	int rc;

	upd = mnt_new_update();
	fs = mnt_new_fs();
	if (!upd || !fs) {
		rc = -ENOMEM;
		goto out;
	}
	if (mnt_fs_set_source(fs, tag) || mnt_fs_set_target(fs, target) ||
	    mnt_fs_set_fstype(fs, fstype) ||
	    mnt_fs_set_options(fs, o->all)) {
		rc = -ENOMEM;
		goto out;
	}
	rc = mnt_update_set_fs(upd, o->flags, NULL, fs);
	if (rc == 1) {		/* nothing to record */
		rc = 0;
		goto out;
	}
	if (!rc)
		rc = mnt_update_table(upd, NULL);
out:
	mnt_free_fs(fs);
	mnt_free_update(upd);
	return rc;
}

int main(int argc, char **argv)
{
	struct vfs_resolved res = { .fstype = "virtiofs" };
	char tag[VFS_TAG_MAX + 1], msg[768], flags[256];
	char *user_optstr = NULL;
	struct vfs_opts o;
	bool restricted;
	struct args a;
	int rc;

	if (parse_args(argc, argv, &a))
		return EX_USAGE;
	restricted = vfs_restricted();
	if (restricted && restrict_args(&a, &user_optstr))
		return EX_USAGE;
	if (vfs_opts_parse(restricted ? user_optstr : a.optstr, a.sloppy,
			   a.ro, a.rw, &o, msg, sizeof(msg))) {
		err("%s", msg);
		free(user_optstr);
		return EX_USAGE;
	}
	free(user_optstr);
	if (restricted && o.remount) {
		err("only root can remount");
		rc = EX_USAGE;
		goto out;
	}
	if (restricted && (vfs_user_record(&o.all) ||
			   (o.user && vfs_user_record(&o.user)))) {
		err("cannot name the user in the utab options");
		rc = EX_SYSERR;
		goto out;
	}
	/*
	 * Started by a systemd unit (an fstab line at boot): the device may
	 * show up after the mount unit starts, so wait a bounded while.
	 * nofail mounts are not ordered before local-fs.target, so this
	 * does not hold up the boot.
	 */
	if (!o.wait_given && !restricted && getenv("INVOCATION_ID"))
		o.wait_secs = VFS_SYSTEMD_WAIT;
	if (vfs_parse_source(a.source, tag, sizeof(tag), msg, sizeof(msg))) {
		err("%s", msg);
		rc = EX_USAGE;
		goto out;
	}
	if (check_target(a.target)) {
		rc = EX_USAGE;
		goto out;
	}
	if (o.remount) {
		/* the superblock exists: its type and device are settled */
		res.fstype = "virtiofs";
		if (check_remount_target(a.target)) {
			rc = EX_FAIL;
			goto out;
		}
	} else {
		rc = vfs_resolve(tag, o.wait_secs, !a.fake && !restricted,
				 a.verbose, &res,
				 msg, sizeof(msg));
		if (rc) {
			err("%s", msg);
			rc = EX_FAIL;
			goto out;
		}
	}
	if (a.verbose) {
		vfs_flags_str(o.flags, flags, sizeof(flags));
		if (o.remount)
			printf("mount.virtiofs: remount of %s\n", a.target);
		else if (res.guessed)
			printf("mount.virtiofs: tag '%s' is not listed in sysfs; the kernel's virtiofs resolves it\n",
			       tag);
		else
			printf("mount.virtiofs: tag '%s': device %s, driver %s\n",
			       tag, *res.devname ? res.devname : "?",
			       res.driver);
		printf("mount.virtiofs: source=%s\n", tag);
		printf("mount.virtiofs: target=%s\n", a.target);
		printf("mount.virtiofs: fstype=%s\n", res.fstype);
		printf("mount.virtiofs: flags=%s\n", flags);
		printf("mount.virtiofs: data=%s\n", o.fs ? o.fs : "");
		printf("mount.virtiofs: userspace=%s\n", o.user ? o.user : "");
		fflush(stdout);
	}
	if (a.fake) {
		if (a.verbose)
			printf("mount.virtiofs: fake mount (-f): mount(2) not called\n");
		rc = EX_OK;
		goto out;
	}
	/* the remount flag only ever goes to the kernel with our own data */
	if (mount(tag, a.target, res.fstype, o.flags, o.fs)) {
		rc = explain_failure(errno, &a, &res, tag, &o);
		goto out;
	}
	rc = EX_OK;
	if (!a.nomtab) {
		int e = update_utab(tag, a.target, res.fstype, &o);

		if (e) {
			err("mounted, but recording the options in utab failed: %s",
			    strerror(-e));
			rc = EX_UTAB;
		}
	}
out:
	vfs_opts_free(&o);
	return rc;
}
