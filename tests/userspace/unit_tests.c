// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of mount.virtiofs's pieces that need no sysfs: option
 * splitting and checking (libmount), tag validation, source parsing.
 * Prints "PASS unit/userspace.<case>" or "FAIL unit/userspace.<case>: why";
 * exits non-zero if anything failed.  The sysfs-dependent cases are in
 * tests/userspace/run, against fake trees.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "devices.h"
#include "options.h"
#include "resolve.h"

static int failed;

static void result(const char *name, int ok, const char *why)
{
	if (ok)
		printf("PASS unit/userspace.%s\n", name);
	else
		printf("FAIL unit/userspace.%s: %s\n", name, why);
	failed |= !ok;
}

static const char *s(const char *p)
{
	return p ? p : "";
}

/* optstr parses; data, userspace part and flags are as expected */
static void opt_ok(const char *name, const char *optstr, const char *data,
		   const char *user, unsigned long flags)
{
	char err[256], why[768];
	struct vfs_opts o;

	if (vfs_opts_parse(optstr, false, false, false, &o, err, sizeof(err))) {
		snprintf(why, sizeof(why), "'%s' refused: %s", optstr, err);
		result(name, 0, why);
		return;
	}
	if (strcmp(s(o.fs), data) || strcmp(s(o.user), user) ||
	    o.flags != flags) {
		snprintf(why, sizeof(why),
			 "'%s': data '%s' user '%s' flags %#lx, want '%s' '%s' %#lx",
			 optstr, s(o.fs), s(o.user), o.flags, data, user, flags);
		result(name, 0, why);
	} else {
		result(name, 1, NULL);
	}
	vfs_opts_free(&o);
}

/* optstr is refused with a message containing msg */
static void opt_bad(const char *name, const char *optstr, const char *msg)
{
	char err[256] = "", why[768];
	struct vfs_opts o;

	if (!vfs_opts_parse(optstr, false, false, false, &o, err,
			    sizeof(err))) {
		snprintf(why, sizeof(why), "'%.200s' accepted", optstr);
		vfs_opts_free(&o);
		result(name, 0, why);
		return;
	}
	if (!strstr(err, msg)) {
		snprintf(why, sizeof(why), "message '%s' lacks '%s'", err, msg);
		result(name, 0, why);
		return;
	}
	result(name, 1, NULL);
}

static void tag_case(const char *name, const char *src, const char *want)
{
	char tag[VFS_TAG_MAX + 1], err[256], why[512];
	int rc = vfs_parse_source(src, tag, sizeof(tag), err, sizeof(err));

	if (want && (rc || strcmp(tag, want)))
		snprintf(why, sizeof(why), "'%s' gave %s", src,
			 rc ? err : tag);
	else if (!want && !rc)
		snprintf(why, sizeof(why), "'%s' accepted as '%s'", src, tag);
	else
		why[0] = '\0';
	result(name, !why[0], why);
}

int main(void)
{
	char big[VFS_OPTSTR_MAX + 10];
	struct vfs_opts o;
	char err[256];
	int ok;

	/* options: libmount splits, we check */
	opt_ok("opts.empty", "", "", "", 0);
	opt_ok("opts.defaults_nofail", "defaults,nofail", "", "nofail", 0);
	opt_ok("opts.vfs_flags", "ro,nosuid,nodev,noexec,noatime", "", "",
	       MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME);
	opt_ok("opts.relatime_sync", "relatime,sync", "", "",
	       MS_RELATIME | MS_SYNCHRONOUS);
	opt_ok("opts.fs_passthrough", "cache=none,dax=always,rootmode=040755",
	       "cache=none,dax=always,rootmode=040755", "", 0);
	opt_ok("opts.dax_flag", "dax", "dax", "", 0);
	opt_ok("opts.mixed",
	       "defaults,nofail,_netdev,x-systemd.requires=a.service,ro,cache=auto,noauto",
	       "cache=auto", "nofail,_netdev,x-systemd.requires=a.service,noauto",
	       MS_RDONLY);
	opt_ok("opts.user_implies", "user,cache=always", "cache=always",
	       "user", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	opt_ok("opts.unknown_passthrough", "frobnicate=1", "frobnicate=1",
	       "", 0);
	opt_ok("opts.rw_last_wins", "ro,rw", "", "", 0);
	opt_ok("opts.remount", "remount,ro", "", "", MS_REMOUNT | MS_RDONLY);
	opt_ok("opts.ids", "user_id=1000,group_id=1000,allow_other",
	       "user_id=1000,group_id=1000,allow_other", "", 0);
	opt_ok("opts.wait", "x-virtiofs.wait=5", "", "x-virtiofs.wait=5", 0);

	opt_bad("opts.bad_cache", "cache=bogus", "allowed: auto, none, always, metadata");
	opt_bad("opts.bad_dax", "dax=sometimes", "allowed: always, never, inode");
	opt_bad("opts.cache_no_value", "cache", "needs a value");
	opt_bad("opts.bad_rootmode", "rootmode=999", "octal");
	opt_bad("opts.bad_uid", "user_id=-1", "numeric uid");
	opt_bad("opts.newline", "ro\ncache=none", "control character");
	opt_bad("opts.space", "ro cache=none", "space");
	opt_bad("opts.bind", "bind", "bind and move");
	opt_bad("opts.bad_wait", "x-virtiofs.wait=forever", "seconds");
	opt_bad("opts.wait_too_long", "x-virtiofs.wait=99999", "seconds");
	opt_bad("opts.flag_with_value", "allow_other=1", "takes no value");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	opt_bad("opts.too_long", big, "longer than");

	ok = !vfs_opts_parse("cache=none,bogus=1,ro", true, false, false, &o,
			     err, sizeof(err)) && !strcmp(s(o.fs), "cache=none");
	result("opts.sloppy_drops_unknown", ok, "bogus=1 kept or refused");
	if (ok)
		vfs_opts_free(&o);
	ok = !vfs_opts_parse("rw", false, true, false, &o, err, sizeof(err)) &&
	     (o.flags & MS_RDONLY);
	result("opts.dash_r", ok, "-r did not make it read-only");
	if (ok)
		vfs_opts_free(&o);
	ok = !vfs_opts_parse(NULL, false, false, false, &o, err, sizeof(err));
	result("opts.null", ok, err);
	if (ok)
		vfs_opts_free(&o);

	/* sources and tags */
	tag_case("tag.plain", "myfs", "myfs");
	tag_case("tag.TAG_eq", "TAG=myfs", "myfs");
	tag_case("tag.tag_eq", "tag=myfs", "myfs");
	tag_case("tag.quoted", "TAG=\"my fs\"", "my fs");
	tag_case("tag.max_len", "abcdefghijabcdefghijabcdefghijabcdef",
		 "abcdefghijabcdefghijabcdefghijabcdef");
	tag_case("tag.too_long", "abcdefghijabcdefghijabcdefghijabcdefg", NULL);
	tag_case("tag.huge", "TAG=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL);
	tag_case("tag.slash", "my/fs", NULL);
	tag_case("tag.path", "/dev/sda1", NULL);
	tag_case("tag.empty", "", NULL);
	tag_case("tag.empty_value", "TAG=", NULL);
	tag_case("tag.equals_inside", "TAG=a=b", "a=b");
	tag_case("tag.bare_equals", "a=b=", NULL);
	tag_case("tag.label", "LABEL=myfs", NULL);
	tag_case("tag.uuid", "UUID=1234", NULL);
	tag_case("tag.control", "my\tfs", NULL);
	tag_case("tag.non_utf8", "my\xff" "fs", NULL);
	tag_case("tag.overlong_utf8", "\xc0\xaf", NULL);
	tag_case("tag.utf8", "d\xc3\xa9j\xc3\xa0", "d\xc3\xa9j\xc3\xa0");

	return failed;
}
