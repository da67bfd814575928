// SPDX-License-Identifier: GPL-2.0
/* Option splitting and checking for mount.virtiofs (see options.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <libmount/libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "options.h"

struct value_rule {
	const char *name;
	bool flag_ok;			/* may appear without a value */
	const char *const *values;	/* allowed values, NULL: see check */
	int (*check)(const char *val, size_t len);
	const char *what;		/* for the error message */
};

static const char *const cache_values[] = {
	"auto", "none", "always", "metadata", NULL
};
static const char *const dax_values[] = { "always", "never", "inode", NULL };

static int check_uint(const char *v, size_t len, int base, unsigned long max)
{
	char buf[32], *end;
	unsigned long n;

	if (!len || len >= sizeof(buf) || v[0] == '-' || v[0] == '+')
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	errno = 0;
	n = strtoul(buf, &end, base);
	return errno || *end || n > max ? -1 : 0;
}

static int check_id(const char *v, size_t len)
{
	return check_uint(v, len, 10, 0xfffffffeUL);
}

static int check_rootmode(const char *v, size_t len)
{
	return check_uint(v, len, 8, 07777777);
}

static const struct value_rule rules[] = {
	{ "cache", false, cache_values, NULL, NULL },
	{ "dax", true, dax_values, NULL, NULL },
	{ "rootmode", false, NULL, check_rootmode, "an octal file mode" },
	{ "user_id", false, NULL, check_id, "a numeric uid" },
	{ "group_id", false, NULL, check_id, "a numeric gid" },
	{ "default_permissions", true, NULL, NULL, NULL },
	{ "allow_other", true, NULL, NULL, NULL },
	{ "nodefault_permissions", true, NULL, NULL, NULL },
	{ "noallow_other", true, NULL, NULL, NULL },
};

static const struct value_rule *find_rule(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strlen(rules[i].name) == len &&
		    !strncmp(rules[i].name, name, len))
			return &rules[i];
	return NULL;
}

static void allowed_list(const char *const *values, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; *values; values++) {
		int n = snprintf(buf + used, len - used, "%s%s",
				 used ? ", " : "", *values);

		if (n < 0 || (size_t)n >= len - used)
			return;
		used += n;
	}
}

/*
 * wait=SECONDS (or the old x-virtiofs.wait=SECONDS): how long to wait for
 * the tag.  0 or -1 with a message in ERR.
 */
static int parse_wait(const char *spelling, const char *val, size_t vsz,
		      struct vfs_opts *o, char *err, size_t errlen)
{
	if (!val || check_uint(val, vsz, 10, VFS_WAIT_MAX)) {
		snprintf(err, errlen, "%s= wants a number of seconds (0..%d)",
			 spelling, VFS_WAIT_MAX);
		return -1;
	}
	o->wait_secs = (int)strtoul(val, NULL, 10);
	o->wait_given = true;
	return 0;
}

/*
 * Checks one filesystem option; 1 = keep, 0 = drop (sloppy, or consumed
 * here), -1 = error.
 */
static int check_fs_opt(const char *name, size_t nsz, const char *val,
			size_t vsz, bool sloppy, struct vfs_opts *o,
			char *err, size_t errlen)
{
	const struct value_rule *r = find_rule(name, nsz);
	char allowed[128];
	const char *const *v;

	/*
	 * wait= is the helper's own, never the kernel's.  libmount hands a
	 * helper every option but x-* ones, so this is the spelling an
	 * fstab line or mount(8) can give (mount.nfs's retry= works alike).
	 */
	if (nsz == 4 && !strncmp(name, "wait", 4))
		return parse_wait("wait", val, vsz, o, err, errlen) ? -1 : 0;
	if (!r) {
		if (sloppy) {
			fprintf(stderr, "virtiofs: ignoring unknown option '%.*s' (-s)\n",
				(int)nsz, name);
			return 0;
		}
		/* the kernel has the last word on options it may know */
		return 1;
	}
	if (!val) {
		if (r->flag_ok)
			return 1;
		snprintf(err, errlen, "option '%s' needs a value", r->name);
		return -1;
	}
	if (!r->values && !r->check) {
		snprintf(err, errlen, "option '%s' takes no value", r->name);
		return -1;
	}
	if (!strcmp(r->name, "cache"))
		o->has_cache = true;
	if (r->values) {
		for (v = r->values; *v; v++)
			if (strlen(*v) == vsz && !strncmp(*v, val, vsz))
				return 1;
		allowed_list(r->values, allowed, sizeof(allowed));
		snprintf(err, errlen, "bad value '%.*s' for %s= (allowed: %s)",
			 (int)(vsz > 64 ? 64 : vsz), val, r->name, allowed);
		return -1;
	}
	if (r->check(val, vsz)) {
		snprintf(err, errlen, "bad value '%.*s' for %s= (want %s)",
			 (int)(vsz > 64 ? 64 : vsz), val, r->name, r->what);
		return -1;
	}
	return 1;
}

static int check_fs_opts(const char *fs, bool sloppy, struct vfs_opts *o,
			 char **out, char *err, size_t errlen)
{
	char *next = (char *)fs, *name, *val;
	size_t nsz, vsz;
	char *kept = NULL;
	int rc;

	*out = NULL;
	if (!fs)
		return 0;
	while (!mnt_optstr_next_option(&next, &name, &nsz, &val, &vsz)) {
		char one[VFS_OPTSTR_MAX + 1], value[VFS_OPTSTR_MAX + 1];

		rc = check_fs_opt(name, nsz, val, vsz, sloppy, o, err, errlen);
		if (rc < 0)
			goto fail;
		if (!rc)
			continue;
		snprintf(one, sizeof(one), "%.*s", (int)nsz, name);
		if (val)
			snprintf(value, sizeof(value), "%.*s", (int)vsz, val);
		if (mnt_optstr_append_option(&kept, one, val ? value : NULL)) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	*out = kept;
	return 0;
fail:
	free(kept);
	return -1;
}

int vfs_opts_parse(const char *optstr, bool sloppy, bool ro, bool rw,
		   struct vfs_opts *o, char *err, size_t errlen)
{
	const unsigned char *p;
	char *fs_raw = NULL;
	char *val = NULL;
	size_t vsz = 0;

	memset(o, 0, sizeof(*o));
	if (!optstr)
		optstr = "";
	if (strlen(optstr) > VFS_OPTSTR_MAX) {
		snprintf(err, errlen, "the option string is longer than %d bytes",
			 VFS_OPTSTR_MAX);
		return -1;
	}
	/* a newline or tab would forge lines or fields in utab */
	for (p = (const unsigned char *)optstr; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "the options contain a control character");
			return -1;
		}
		if (*p == ' ') {
			snprintf(err, errlen, "the options contain a space");
			return -1;
		}
	}
	o->all = strdup(optstr);
	if (!o->all)
		goto nomem;
	if (ro && mnt_optstr_set_option(&o->all, "ro", NULL))
		goto nomem;
	if (rw && mnt_optstr_set_option(&o->all, "rw", NULL))
		goto nomem;
	/* "rw" and "ro" both given: the last one wins, like mount(8) */
	if (mnt_split_optstr(o->all, &o->user, &o->vfs, &fs_raw, 0, 0)) {
		snprintf(err, errlen, "cannot parse the options '%s'", optstr);
		goto fail;
	}
	if (mnt_optstr_get_flags(o->all, &o->flags,
				 mnt_get_builtin_optmap(MNT_LINUX_MAP))) {
		snprintf(err, errlen, "cannot parse the options '%s'", optstr);
		goto fail;
	}
	o->remount = !!(o->flags & MS_REMOUNT);
	if (o->flags & (MS_BIND | MS_MOVE)) {
		snprintf(err, errlen,
			 "bind and move mounts are mount(8)'s business, not a virtiofs option");
		goto fail;
	}
	if (o->flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
		snprintf(err, errlen,
			 "propagation flags (shared, private, ...) cannot be set while mounting here; use mount --make-...");
		goto fail;
	}
	/*
	 * The old spelling: it only arrives when the helper is run directly
	 * (mount(8) drops x-* options before running a helper).  wait=,
	 * checked with the filesystem options below, wins over it.
	 */
	if (o->user && !mnt_optstr_get_option(o->user, "x-virtiofs.wait",
					      &val, &vsz) &&
	    parse_wait("x-virtiofs.wait", val, vsz, o, err, errlen))
		goto fail;
	if (check_fs_opts(fs_raw, sloppy, o, &o->fs, err, errlen))
		goto fail;
	free(fs_raw);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(fs_raw);
	vfs_opts_free(o);
	return -1;
}

void vfs_opts_free(struct vfs_opts *o)
{
	free(o->user);
	free(o->vfs);
	free(o->fs);
	free(o->all);
	memset(o, 0, sizeof(*o));
}

void vfs_flags_str(unsigned long f, char *buf, size_t len)
{
	static const struct { unsigned long flag; const char *name; } names[] = {
		{ MS_RDONLY, "ro" }, { MS_NOSUID, "nosuid" },
		{ MS_NODEV, "nodev" }, { MS_NOEXEC, "noexec" },
		{ MS_SYNCHRONOUS, "sync" }, { MS_REMOUNT, "remount" },
		{ MS_MANDLOCK, "mand" }, { MS_DIRSYNC, "dirsync" },
		{ MS_NOATIME, "noatime" }, { MS_NODIRATIME, "nodiratime" },
		{ MS_SILENT, "silent" }, { MS_RELATIME, "relatime" },
		{ MS_STRICTATIME, "strictatime" }, { MS_LAZYTIME, "lazytime" },
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n;

		if (!(f & names[i].flag))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			     names[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += n;
	}
	if (!used)
		snprintf(buf, len, "rw");
}
