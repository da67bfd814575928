// SPDX-License-Identifier: GPL-2.0
/* User mounts through /etc/fstab entries (see usermount.h). */
#define _GNU_SOURCE
#include <libmount/libmount.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resolve.h"
#include "usermount.h"

bool vfs_restricted(void)
{
	/* the test switch can only make the helper stricter */
	if (getenv("VIRTIOFS_TEST_RESTRICTED"))
		return true;
	return getuid() != 0 && geteuid() == 0;
}

static const char *fstab_path(void)
{
	/* never honoured when setuid: secure_getenv */
	const char *p = secure_getenv("VIRTIOFS_FSTAB");

	return p && *p ? p : "/etc/fstab";
}

static bool is_virtiofs_type(const char *t)
{
	return t && (!strcmp(t, "virtiofs") || !strcmp(t, "virtiofs_ng"));
}

int vfs_user_entry(const char *tag, const char *target, char **optstr,
		   char *err, size_t errlen)
{
	struct libmnt_table *tb;
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	bool found_entry = false;
	int rc = -1;

	*optstr = NULL;
	tb = mnt_new_table_from_file(fstab_path());
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !itr) {
		snprintf(err, errlen, "only root can mount: cannot read %s",
			 fstab_path());
		goto out;
	}
	while (!mnt_table_next_fs(tb, itr, &fs)) {
		const char *src = mnt_fs_get_source(fs);
		const char *tgt = mnt_fs_get_target(fs);
		const char *opts = mnt_fs_get_options(fs);
		char t[VFS_TAG_MAX + 1], e[256];

		if (!is_virtiofs_type(mnt_fs_get_fstype(fs)) || !src || !tgt)
			continue;
		/*
		 * The directory as the administrator wrote it (trailing
		 * slashes aside): nothing the caller names is resolved here.
		 */
		if (!mnt_fs_streq_target(fs, target))
			continue;
		if (vfs_parse_source(src, t, sizeof(t), e, sizeof(e)) ||
		    strcmp(t, tag))
			continue;
		found_entry = true;
		if (!opts || (mnt_optstr_get_option(opts, "user", NULL, NULL) &&
			      mnt_optstr_get_option(opts, "users", NULL, NULL)))
			continue;
		*optstr = strdup(opts);
		rc = *optstr ? 0 : -1;
		if (rc)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (found_entry)
		snprintf(err, errlen,
			 "only root can mount %s on %s (its fstab entry has neither 'user' nor 'users')",
			 tag, target);
	else
		snprintf(err, errlen,
			 "only root can mount %s on %s (no such virtiofs entry in %s)",
			 tag, target, fstab_path());
out:
	mnt_free_iter(itr);
	mnt_unref_table(tb);
	return rc;
}

int vfs_user_record(char **optstr)
{
	struct passwd *pw;

	if (mnt_optstr_get_option(*optstr, "user", NULL, NULL))
		return 0;	/* "users": anyone may unmount it */
	pw = getpwuid(getuid());
	if (!pw || !pw->pw_name)
		return -1;
	return mnt_optstr_set_option(optstr, "user", pw->pw_name) ? -1 : 0;
}
