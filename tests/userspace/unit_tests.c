// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of mount.virtiofs's pieces that need no sysfs: option
 * splitting and checking (libmount), tag validation, source parsing; and
 * virtiofsctl cmdline's: kernel release checks, command-line matching,
 * /etc/default/grub editing (in memory and on temporary files).
 * Prints "PASS unit/userspace.<case>" or "FAIL unit/userspace.<case>: why";
 * exits non-zero if anything failed.  The sysfs-dependent cases are in
 * tests/userspace/run, against fake trees.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
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

/* optstr parses, and asks for a wait of SECS seconds (-1: none given) */
static void opt_wait(const char *name, const char *optstr, bool sloppy,
		     const char *data, int secs)
{
	char err[256], why[768];
	struct vfs_opts o;
	int got;

	if (vfs_opts_parse(optstr, sloppy, false, false, &o, err, sizeof(err))) {
		snprintf(why, sizeof(why), "'%s' refused: %s", optstr, err);
		result(name, 0, why);
		return;
	}
	got = o.wait_given ? o.wait_secs : -1;
	snprintf(why, sizeof(why), "'%s': wait %d, data '%s'; want %d, '%s'",
		 optstr, got, s(o.fs), secs, data);
	result(name, got == secs && !strcmp(s(o.fs), data), why);
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

/* vfs_grub_edit on in: want_rc, and when it changes, exactly want */
static void grub_case(const char *name, const char *in, bool add, int want_rc,
		      const char *want)
{
	char err[256] = "", why[1024];
	size_t outlen;
	char *out;
	int rc = vfs_grub_edit(in, strlen(in), add, &out, &outlen, err,
			       sizeof(err));

	why[0] = '\0';
	if (rc != want_rc)
		snprintf(why, sizeof(why), "rc %d, want %d (%s) for '%s'", rc,
			 want_rc, err, in);
	else if (rc == 1 && (outlen != strlen(want) || strcmp(out, want)))
		snprintf(why, sizeof(why), "gave '%s', want '%s'", out, want);
	else if (rc != 1 && out)
		snprintf(why, sizeof(why), "output although rc %d", rc);
	else if (rc == -1 && !*err)
		snprintf(why, sizeof(why), "refused without saying why");
	free(out);
	result(name, !why[0], why);
}

static char tmpdir[] = "/tmp/vng-unit.XXXXXX";

static void put_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, mode);
}

static char *get_file(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/*
 * vfs_grub_edit_file on a temporary file: rc, the content after, the mode
 * kept, and the file untouched (same inode, no temporary left) unless it
 * changed.
 */
static void grub_file_case(const char *name, const char *in, bool add,
			   int want_rc, const char *want)
{
	char path[64], err[512] = "", why[1024] = "";
	struct stat before, after;
	int rc, n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/grub", tmpdir);
	put_file(path, in, 0640);
	stat(path, &before);
	rc = vfs_grub_edit_file(path, add, err, sizeof(err));
	stat(path, &after);
	d = opendir(tmpdir);
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	if (rc != want_rc)
		snprintf(why, sizeof(why), "rc %d, want %d (%s)", rc, want_rc,
			 err);
	else if (strcmp(get_file(path), want))
		snprintf(why, sizeof(why), "file is '%s', want '%s'",
			 get_file(path), want);
	else if ((after.st_mode & 07777) != 0640)
		snprintf(why, sizeof(why), "mode %o, want 640",
			 after.st_mode & 07777);
	else if (rc != 1 && before.st_ino != after.st_ino)
		snprintf(why, sizeof(why), "file replaced although unchanged");
	else if (rc == 1 && before.st_ino == after.st_ino)
		snprintf(why, sizeof(why), "file rewritten in place, not renamed");
	else if (n != 3)
		snprintf(why, sizeof(why), "%d entries in %s: a temporary file left",
			 n - 2, tmpdir);
	unlink(path);
	result(name, !why[0], why);
}

static void cmdline_tests(void)
{
	char path[64], err[256];
	int rc;

	result("kver.debian", !vfs_kver_invalid("6.12.95+deb12-amd64"), "refused");
	result("kver.tilde", !vfs_kver_invalid("6.1.0~rc1-1"), "refused");
	result("kver.empty", vfs_kver_invalid("") != NULL, "accepted");
	result("kver.slash", vfs_kver_invalid("6.1/../x") != NULL, "accepted");
	result("kver.dotdot", vfs_kver_invalid("..") != NULL, "accepted");
	result("kver.dash", vfs_kver_invalid("-rf") != NULL, "accepted");
	result("kver.space", vfs_kver_invalid("6.1 x") != NULL, "accepted");
	result("kver.too_long", vfs_kver_invalid(
		"6aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") != NULL,
		"accepted");

	result("cmdline.plain", vfs_cmdline_has_blacklist("ro quiet initcall_blacklist=virtio_fs_init\n"),
	       "not found");
	result("cmdline.list", vfs_cmdline_has_blacklist("initcall_blacklist=a,virtio_fs_init,b"),
	       "not found in a list");
	result("cmdline.other", !vfs_cmdline_has_blacklist("initcall_blacklist=virtio_fs_init2 xinitcall_blacklist=virtio_fs_init"),
	       "matched a different word");
	result("cmdline.after_dashes", !vfs_cmdline_has_blacklist("ro -- initcall_blacklist=virtio_fs_init"),
	       "matched init's arguments");
	result("cmdline.empty", !vfs_cmdline_has_blacklist(""), "matched");

	/* adding */
	grub_case("grub.add_quiet", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"quiet\"\nGRUB_TIMEOUT=5\n",
		  true, 1, "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"quiet initcall_blacklist=virtio_fs_init\"\nGRUB_TIMEOUT=5\n");
	grub_case("grub.add_empty", "GRUB_CMDLINE_LINUX=\"\"\n", true, 1,
		  "GRUB_CMDLINE_LINUX=\"initcall_blacklist=virtio_fs_init\"\n");
	grub_case("grub.add_unquoted_empty", "GRUB_CMDLINE_LINUX=\n", true, 1,
		  "GRUB_CMDLINE_LINUX=\"initcall_blacklist=virtio_fs_init\"\n");
	grub_case("grub.add_unquoted_word", "GRUB_CMDLINE_LINUX=quiet # why\n", true, 1,
		  "GRUB_CMDLINE_LINUX=\"quiet initcall_blacklist=virtio_fs_init\" # why\n");
	grub_case("grub.add_single_quotes", "  GRUB_CMDLINE_LINUX='a  b'\n", true, 1,
		  "  GRUB_CMDLINE_LINUX='a  b initcall_blacklist=virtio_fs_init'\n");
	grub_case("grub.add_missing_line", "GRUB_DEFAULT=0\n#GRUB_CMDLINE_LINUX=\"x\"\n", true, 1,
		  "GRUB_DEFAULT=0\n#GRUB_CMDLINE_LINUX=\"x\"\n# virtiofs-ng: the built-in virtiofs leaves the devices to virtiofs_ng\nGRUB_CMDLINE_LINUX=\"initcall_blacklist=virtio_fs_init\"\n");
	grub_case("grub.add_missing_no_newline", "GRUB_DEFAULT=0", true, 1,
		  "GRUB_DEFAULT=0\n# virtiofs-ng: the built-in virtiofs leaves the devices to virtiofs_ng\nGRUB_CMDLINE_LINUX=\"initcall_blacklist=virtio_fs_init\"\n");
	grub_case("grub.add_last_wins", "GRUB_CMDLINE_LINUX=\"a\"\nGRUB_CMDLINE_LINUX=\"b\"\n", true, 1,
		  "GRUB_CMDLINE_LINUX=\"a\"\nGRUB_CMDLINE_LINUX=\"b initcall_blacklist=virtio_fs_init\"\n");
	grub_case("grub.add_keeps_default", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n", true, 1,
		  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"initcall_blacklist=virtio_fs_init\"\n");
	grub_case("grub.add_present", "GRUB_CMDLINE_LINUX=\"quiet initcall_blacklist=virtio_fs_init\"\n",
		  true, 0, NULL);
	grub_case("grub.add_present_in_list", "GRUB_CMDLINE_LINUX=\"initcall_blacklist=foo,virtio_fs_init\"\n",
		  true, 0, NULL);
	/* removing */
	grub_case("grub.revert", "GRUB_CMDLINE_LINUX=\"quiet initcall_blacklist=virtio_fs_init splash\"\n",
		  false, 1, "GRUB_CMDLINE_LINUX=\"quiet splash\"\n");
	grub_case("grub.revert_first", "GRUB_CMDLINE_LINUX=\"initcall_blacklist=virtio_fs_init quiet\"\n",
		  false, 1, "GRUB_CMDLINE_LINUX=\"quiet\"\n");
	grub_case("grub.revert_only", "GRUB_CMDLINE_LINUX='initcall_blacklist=virtio_fs_init' # c\n",
		  false, 1, "GRUB_CMDLINE_LINUX='' # c\n");
	grub_case("grub.revert_list", "GRUB_CMDLINE_LINUX=\"initcall_blacklist=a,virtio_fs_init,b x\"\n",
		  false, 1, "GRUB_CMDLINE_LINUX=\"initcall_blacklist=a,b x\"\n");
	grub_case("grub.revert_every_line", "GRUB_CMDLINE_LINUX=initcall_blacklist=virtio_fs_init\nGRUB_CMDLINE_LINUX=\"a initcall_blacklist=virtio_fs_init\"\n",
		  false, 1, "GRUB_CMDLINE_LINUX=\nGRUB_CMDLINE_LINUX=\"a\"\n");
	grub_case("grub.revert_absent", "GRUB_CMDLINE_LINUX=\"quiet\"\n", false, 0, NULL);
	grub_case("grub.revert_no_line", "GRUB_DEFAULT=0\n", false, 0, NULL);
	/* refused: shell this cannot edit safely */
	grub_case("grub.refuse_expansion", "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX x\"\n", true, -1, NULL);
	grub_case("grub.refuse_backslash", "GRUB_CMDLINE_LINUX=\"a\\\"b\"\n", true, -1, NULL);
	grub_case("grub.refuse_multiline", "GRUB_CMDLINE_LINUX=\"a\nb\"\n", true, -1, NULL);
	grub_case("grub.refuse_export", "export GRUB_CMDLINE_LINUX=\"a\"\n", true, -1, NULL);
	grub_case("grub.refuse_append", "GRUB_CMDLINE_LINUX+=\" a\"\n", true, -1, NULL);
	grub_case("grub.refuse_trailing", "GRUB_CMDLINE_LINUX=\"a\"; echo hi\n", true, -1, NULL);
	grub_case("grub.refuse_glued", "GRUB_CMDLINE_LINUX=\"a\"\"b\"\n", true, -1, NULL);
	grub_case("grub.refuse_unquoted_special", "GRUB_CMDLINE_LINUX=a$b\n", true, -1, NULL);
	grub_case("grub.refuse_on_revert", "GRUB_CMDLINE_LINUX=`cat /x`\n", false, -1, NULL);
	{
		static const char nul[] = "GRUB_DEFAULT=0\n\0x\n";
		char *out;
		size_t ol;

		rc = vfs_grub_edit(nul, sizeof(nul) - 1, true, &out, &ol, err,
				   sizeof(err));
		result("grub.refuse_nul", rc == -1 && !out, "binary text accepted");
	}

	/* on files */
	if (!mkdtemp(tmpdir)) {
		result("grub_file.tmpdir", 0, "mkdtemp failed");
		return;
	}
	grub_file_case("grub_file.add", "GRUB_CMDLINE_LINUX=\"quiet\"\n", true, 1,
		       "GRUB_CMDLINE_LINUX=\"quiet initcall_blacklist=virtio_fs_init\"\n");
	grub_file_case("grub_file.add_idempotent",
		       "# keep\nGRUB_CMDLINE_LINUX=\"quiet initcall_blacklist=virtio_fs_init\"  \n", true, 0,
		       "# keep\nGRUB_CMDLINE_LINUX=\"quiet initcall_blacklist=virtio_fs_init\"  \n");
	grub_file_case("grub_file.revert", "GRUB_CMDLINE_LINUX=\"initcall_blacklist=virtio_fs_init\"\n",
		       false, 1, "GRUB_CMDLINE_LINUX=\"\"\n");
	grub_file_case("grub_file.revert_idempotent", "GRUB_CMDLINE_LINUX=\"\"\n", false, 0,
		       "GRUB_CMDLINE_LINUX=\"\"\n");
	grub_file_case("grub_file.refused_untouched", "GRUB_CMDLINE_LINUX=\"$X\"\n", true, -1,
		       "GRUB_CMDLINE_LINUX=\"$X\"\n");
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	rc = vfs_grub_edit_file(path, true, err, sizeof(err));
	result("grub_file.missing", rc == -2 && strstr(err, "No such file") &&
	       access(path, F_OK), err);
	/* a symlinked defaults file: the target is edited, the link kept */
	{
		char target[64], link[64];
		struct stat st;

		snprintf(target, sizeof(target), "%s/real", tmpdir);
		snprintf(link, sizeof(link), "%s/grub", tmpdir);
		put_file(target, "GRUB_CMDLINE_LINUX=\"\"\n", 0644);
		rc = symlink("real", link);
		rc = rc ? rc : vfs_grub_edit_file(link, true, err, sizeof(err));
		result("grub_file.symlink", rc == 1 && !lstat(link, &st) &&
		       S_ISLNK(st.st_mode) &&
		       !strcmp(get_file(target), "GRUB_CMDLINE_LINUX=\"initcall_blacklist=virtio_fs_init\"\n"),
		       err);
		unlink(link);
		unlink(target);
	}
	rmdir(tmpdir);
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
	/* wait= is the helper's: never in the kernel's data */
	opt_ok("opts.wait_consumed", "wait=5,cache=none,nofail", "cache=none",
	       "nofail", 0);
	opt_wait("opts.wait_value", "ro,wait=7", false, "", 7);
	opt_wait("opts.wait_old_spelling", "x-virtiofs.wait=4", false, "", 4);
	opt_wait("opts.wait_new_wins", "x-virtiofs.wait=4,wait=9", false, "", 9);
	opt_wait("opts.wait_sloppy_kept", "wait=3,bogus", true, "", 3);
	opt_wait("opts.no_wait", "cache=auto", false, "cache=auto", -1);

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
	opt_bad("opts.wait_no_value", "wait", "wait= wants a number");
	opt_bad("opts.wait_negative", "wait=-1", "wait= wants a number");
	opt_bad("opts.wait_huge", "wait=3601", "wait= wants a number");
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

	cmdline_tests();
	return failed;
}
