// SPDX-License-Identifier: GPL-2.0
/* Metadata, extended attributes, hard links and symlinks. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fstest.h"

static void stat_of(const char *name, struct stat *st)
{
	CHK(lstat(name, st));
}

static void t_chmod(void)
{
	static const mode_t modes[] = { 0, 0777, 0644, 0600, 0755, 04755,
					02755, 01777, 0400 };
	struct stat st;
	size_t i;
	int fd;

	make_file("f", 10, 1);
	CHK(mkdir("d", 0755));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CHK(chmod("f", modes[i]));
		stat_of("f", &st);
		EXPECT((st.st_mode & 07777) == modes[i],
		       "chmod %o: file mode %o", modes[i], st.st_mode & 07777);
		EXPECT(S_ISREG(st.st_mode), "chmod changed the file type");
		CHK(chmod("d", modes[i]));
		stat_of("d", &st);
		EXPECT((st.st_mode & 07777) == modes[i],
		       "chmod %o: dir mode %o", modes[i], st.st_mode & 07777);
	}
	CHK(chmod("d", 0755));
	/* fchmod on an open descriptor, seen by a path lookup */
	fd = CHK(open("f", O_RDONLY));
	CHK(fchmod(fd, 0640));
	CHK(close(fd));
	stat_of("f", &st);
	EXPECT((st.st_mode & 07777) == 0640, "fchmod: mode %o",
	       st.st_mode & 07777);
}

static void t_chown(void)
{
	struct stat st;
	int fd;

	make_file("f", 10, 1);
	CHK(chown("f", 1234, 5678));
	stat_of("f", &st);
	EXPECT(st.st_uid == 1234 && st.st_gid == 5678, "owner %u:%u, want "
	       "1234:5678", st.st_uid, st.st_gid);
	/* -1 leaves a field alone */
	CHK(chown("f", -1, 4321));
	stat_of("f", &st);
	EXPECT(st.st_uid == 1234 && st.st_gid == 4321, "owner %u:%u, want "
	       "1234:4321", st.st_uid, st.st_gid);
	fd = CHK(open("f", O_RDONLY));
	CHK(fchown(fd, 65534, 65534));
	CHK(close(fd));
	stat_of("f", &st);
	EXPECT(st.st_uid == 65534 && st.st_gid == 65534, "fchown: %u:%u",
	       st.st_uid, st.st_gid);
	/* chown of an executable clears set-user-ID */
	CHK(chmod("f", 04755));
	CHK(chown("f", 1000, 1000));
	stat_of("f", &st);
	EXPECT(!(st.st_mode & S_ISUID), "chown kept S_ISUID (mode %o)",
	       st.st_mode & 07777);
	/* lchown changes the link, not its target */
	CHK(symlink("f", "l"));
	CHK(lchown("l", 2222, 3333));
	stat_of("l", &st);
	EXPECT(st.st_uid == 2222 && st.st_gid == 3333, "lchown: %u:%u",
	       st.st_uid, st.st_gid);
	stat_of("f", &st);
	EXPECT(st.st_uid == 1000, "lchown changed the target");
	CHK(chown("f", 0, 0));
}

static void t_utimensat(void)
{
	struct timespec ts[2] = {
		{ 1234567890, 123456789 }, { 1500000000, 987654321 }
	};
	struct stat st;
	time_t now;

	make_file("f", 10, 1);
	CHK(utimensat(AT_FDCWD, "f", ts, 0));
	stat_of("f", &st);
	EXPECT(st.st_atim.tv_sec == ts[0].tv_sec &&
	       st.st_atim.tv_nsec == ts[0].tv_nsec,
	       "atime %lld.%09ld", (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec);
	EXPECT(st.st_mtim.tv_sec == ts[1].tv_sec &&
	       st.st_mtim.tv_nsec == ts[1].tv_nsec,
	       "mtime %lld.%09ld", (long long)st.st_mtim.tv_sec,
	       st.st_mtim.tv_nsec);
	/* UTIME_OMIT keeps atime; the new mtime lands exactly */
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 1600000000;
	ts[1].tv_nsec = 1;
	CHK(utimensat(AT_FDCWD, "f", ts, 0));
	stat_of("f", &st);
	EXPECT(st.st_atim.tv_sec == 1234567890 &&
	       st.st_atim.tv_nsec == 123456789,
	       "UTIME_OMIT changed atime to %lld.%09ld",
	       (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
	EXPECT(st.st_mtim.tv_sec == 1600000000 && st.st_mtim.tv_nsec == 1,
	       "mtime %lld.%09ld, want 1600000000.000000001",
	       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	/* UTIME_NOW sets the current time (guest and host clocks agree
	 * within a minute: both are this machine) */
	ts[0].tv_nsec = UTIME_NOW;
	ts[1].tv_nsec = UTIME_OMIT;
	CHK(utimensat(AT_FDCWD, "f", ts, 0));
	stat_of("f", &st);
	now = time(NULL);
	EXPECT(st.st_atim.tv_sec > now - 60 && st.st_atim.tv_sec < now + 60,
	       "UTIME_NOW atime %lld, now %lld", (long long)st.st_atim.tv_sec,
	       (long long)now);
	EXPECT(st.st_mtim.tv_sec == 1600000000, "UTIME_OMIT changed mtime");
	/* a write moves mtime forward (the host's clock) */
	int fd = CHK(open("f", O_WRONLY));

	CHK(write(fd, "x", 1));
	CHK(close(fd));
	stat_of("f", &st);
	EXPECT(st.st_mtim.tv_sec > now - 60, "write left mtime at %lld",
	       (long long)st.st_mtim.tv_sec);
	/* timestamps of a symlink itself */
	CHK(symlink("f", "l"));
	ts[0] = (struct timespec){ 1000000000, 5 };
	ts[1] = (struct timespec){ 1000000001, 6 };
	CHK(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
	stat_of("l", &st);
	EXPECT(st.st_mtim.tv_sec == 1000000001 && st.st_mtim.tv_nsec == 6,
	       "symlink mtime %lld.%09ld", (long long)st.st_mtim.tv_sec,
	       st.st_mtim.tv_nsec);
}

static void t_truncate_times(void)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct stat st;

	make_file("f", 50000, 1);
	CHK(utimensat(AT_FDCWD, "f", ts, 0));
	CHK(truncate("f", 100));
	stat_of("f", &st);
	EXPECT(st.st_size == 100, "size %lld", (long long)st.st_size);
	EXPECT(st.st_mtim.tv_sec > 1000000000 && st.st_ctim.tv_sec > 1000000000,
	       "truncate did not update mtime/ctime");
	/* ctime follows chmod */
	struct stat st2;

	sleep(1);
	CHK(chmod("f", 0600));
	stat_of("f", &st2);
	EXPECT(st2.st_ctim.tv_sec > st.st_ctim.tv_sec ||
	       (st2.st_ctim.tv_sec == st.st_ctim.tv_sec &&
		st2.st_ctim.tv_nsec > st.st_ctim.tv_nsec),
	       "chmod did not move ctime");
}

static void t_size_blocks_nlink(void)
{
	struct stat st;
	int fd;

	make_file("f", 0, 1);
	stat_of("f", &st);
	EXPECT(st.st_size == 0 && st.st_nlink == 1, "empty: size %lld nlink %lu",
	       (long long)st.st_size, (unsigned long)st.st_nlink);
	EXPECT(st.st_blksize > 0, "st_blksize %ld", (long)st.st_blksize);
	fd = CHK(open("f", O_WRONLY));
	write_pattern(fd, 0, 1024 * 1024, 2);
	CHK(fsync(fd));
	CHK(close(fd));
	stat_of("f", &st);
	EXPECT(st.st_size == 1024 * 1024, "size %lld", (long long)st.st_size);
	EXPECT(st.st_blocks >= 2048 && st.st_blocks < 2048 + 1024,
	       "1 MiB file: %lld blocks of 512", (long long)st.st_blocks);
	CHK(mkdir("d", 0755));
	stat_of("d", &st);
	EXPECT(S_ISDIR(st.st_mode) && st.st_nlink >= 1, "dir nlink %lu",
	       (unsigned long)st.st_nlink);
	/* stat and fstat agree */
	struct stat a, b;

	fd = CHK(open("f", O_RDONLY));
	CHK(fstat(fd, &a));
	stat_of("f", &b);
	EXPECT(a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
	       a.st_size == b.st_size && a.st_mode == b.st_mode,
	       "fstat and stat disagree");
	CHK(close(fd));
}

static void t_xattr(void)
{
	char buf[256], list[1024], big[4000];
	ssize_t n;
	int fd;

	make_file("f", 10, 1);
	if (setxattr("f", "user.a", "alpha", 5, 0) < 0) {
		if (errno == EOPNOTSUPP || errno == ENOTSUP)
			skip("user xattrs not supported (EOPNOTSUPP)");
		FAIL("setxattr user.a: %s", strerror(errno));
	}
	CHK(setxattr("f", "user.empty", "", 0, 0));
	pattern_fill(big, sizeof(big), 0, 3);
	CHK(setxattr("f", "user.big", big, sizeof(big), 0));
	n = CHK(getxattr("f", "user.a", buf, sizeof(buf)));
	EXPECT(n == 5 && !memcmp(buf, "alpha", 5), "getxattr user.a: %zd", n);
	/* size query */
	n = CHK(getxattr("f", "user.a", NULL, 0));
	EXPECT(n == 5, "size query: %zd", n);
	EXPECT_ERR(getxattr("f", "user.a", buf, 2), ERANGE);
	n = CHK(getxattr("f", "user.empty", buf, sizeof(buf)));
	EXPECT(n == 0, "empty value: %zd", n);
	char *b2 = xmalloc(sizeof(big));

	n = CHK(getxattr("f", "user.big", b2, sizeof(big)));
	EXPECT(n == sizeof(big) && !memcmp(b2, big, n), "big value differs");
	free(b2);
	/* list: every name once, NUL-terminated */
	n = CHK(listxattr("f", list, sizeof(list)));
	int seen_a = 0, seen_e = 0, seen_b = 0;

	for (ssize_t i = 0; i < n; i += strlen(list + i) + 1) {
		seen_a += !strcmp(list + i, "user.a");
		seen_e += !strcmp(list + i, "user.empty");
		seen_b += !strcmp(list + i, "user.big");
	}
	EXPECT(n > 0 && list[n - 1] == 0, "list not NUL-terminated");
	EXPECT(seen_a == 1 && seen_e == 1 && seen_b == 1,
	       "listxattr: a=%d empty=%d big=%d", seen_a, seen_e, seen_b);
	EXPECT(listxattr("f", NULL, 0) == n, "list size query differs");
	EXPECT_ERR(listxattr("f", list, 3), ERANGE);
	/* replace, then remove */
	CHK(setxattr("f", "user.a", "beta!!", 6, 0));
	n = CHK(getxattr("f", "user.a", buf, sizeof(buf)));
	EXPECT(n == 6 && !memcmp(buf, "beta!!", 6), "replaced value");
	CHK(removexattr("f", "user.a"));
	EXPECT_ERR(getxattr("f", "user.a", buf, sizeof(buf)), ENODATA);
	/* on descriptors and directories too */
	fd = CHK(open("f", O_RDONLY));
	CHK(fsetxattr(fd, "user.fd", "1", 1, 0));
	n = CHK(fgetxattr(fd, "user.fd", buf, sizeof(buf)));
	EXPECT(n == 1 && buf[0] == '1', "fgetxattr");
	CHK(close(fd));
	CHK(mkdir("d", 0755));
	CHK(setxattr("d", "user.dir", "yes", 3, 0));
	n = CHK(getxattr("d", "user.dir", buf, sizeof(buf)));
	EXPECT(n == 3 && !memcmp(buf, "yes", 3), "dir xattr");
}

static void t_xattr_flags(void)
{
	char buf[64];
	ssize_t n;

	make_file("f", 10, 1);
	if (setxattr("f", "user.x", "1", 1, XATTR_CREATE) < 0) {
		if (errno == EOPNOTSUPP)
			skip("user xattrs not supported (EOPNOTSUPP)");
		FAIL("setxattr XATTR_CREATE new: %s", strerror(errno));
	}
	EXPECT_ERR(setxattr("f", "user.x", "2", 1, XATTR_CREATE), EEXIST);
	EXPECT_ERR(setxattr("f", "user.y", "2", 1, XATTR_REPLACE), ENODATA);
	CHK(setxattr("f", "user.x", "3", 1, XATTR_REPLACE));
	n = CHK(getxattr("f", "user.x", buf, sizeof(buf)));
	EXPECT(n == 1 && buf[0] == '3', "XATTR_REPLACE value %.*s", (int)n,
	       buf);
	EXPECT_ERR(getxattr("f", "user.y", buf, sizeof(buf)), ENODATA);
}

static void t_xattr_enodata(void)
{
	char buf[64];

	make_file("f", 10, 1);
	EXPECT_ERR(getxattr("f", "user.none", buf, sizeof(buf)), ENODATA);
	EXPECT_ERR(getxattr("f", "user.none", NULL, 0), ENODATA);
	EXPECT_ERR(removexattr("f", "user.none"), ENODATA);
	EXPECT_ERR(getxattr("missing", "user.none", buf, sizeof(buf)), ENOENT);
	/* an unknown namespace is refused by the VFS */
	EXPECT_ERR(setxattr("f", "bogus.x", "1", 1, 0), EOPNOTSUPP);
}

static void t_hardlink(void)
{
	struct stat a, b;
	int fd;

	make_file("a", 3000, 1);
	CHK(mkdir("d", 0755));
	CHK(link("a", "b"));
	CHK(link("a", "d/c"));
	stat_of("a", &a);
	stat_of("b", &b);
	EXPECT(a.st_ino == b.st_ino, "links have different inodes");
	EXPECT(a.st_nlink == 3 && b.st_nlink == 3, "nlink %lu/%lu, want 3",
	       (unsigned long)a.st_nlink, (unsigned long)b.st_nlink);
	/* data written through one name is read through another */
	fd = CHK(open("d/c", O_WRONLY));
	write_pattern(fd, 3000, 1000, 1);
	CHK(close(fd));
	fd = CHK(open("b", O_RDONLY));
	check_pattern(fd, 0, 4000, 1);
	CHK(close(fd));
	CHK(unlink("a"));
	stat_of("b", &b);
	EXPECT(b.st_nlink == 2, "nlink after unlink %lu, want 2",
	       (unsigned long)b.st_nlink);
	/* metadata is shared */
	CHK(chmod("b", 0600));
	stat_of("d/c", &a);
	EXPECT((a.st_mode & 0777) == 0600, "chmod not seen through the "
	       "other link");
	EXPECT_ERR(link("d", "dlink"), EPERM);
	EXPECT_ERR(link("b", "d/c"), EEXIST);
	CHK(unlink("d/c"));
	stat_of("b", &b);
	EXPECT(b.st_nlink == 1, "nlink %lu, want 1", (unsigned long)b.st_nlink);
}

static void t_symlink(void)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	make_file("target", 123, 1);
	CHK(symlink("target", "l"));
	n = CHK(readlink("l", buf, sizeof(buf)));
	EXPECT(n == 6 && !memcmp(buf, "target", 6), "readlink: %.*s",
	       (int)n, buf);
	stat_of("l", &st);
	EXPECT(S_ISLNK(st.st_mode) && st.st_size == 6,
	       "lstat: mode %o size %lld", st.st_mode, (long long)st.st_size);
	CHK(stat("l", &st));
	EXPECT(S_ISREG(st.st_mode) && st.st_size == 123, "stat through link");
	fd = CHK(open("l", O_RDONLY));
	check_pattern(fd, 0, 123, 1);
	CHK(close(fd));
	EXPECT_ERR(open("l", O_RDONLY | O_NOFOLLOW), ELOOP);
	/* a long target, and an absolute one, are kept byte for byte */
	char longt[1000];

	memset(longt, 'x', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = 0;
	for (int i = 50; i < 990; i += 50)
		longt[i] = '/';
	CHK(symlink(longt, "long"));
	n = CHK(readlink("long", buf, sizeof(buf)));
	EXPECT(n == (ssize_t)strlen(longt) && !memcmp(buf, longt, n),
	       "long readlink: %zd bytes", n);
	/* a short buffer truncates, without NUL */
	n = CHK(readlink("l", buf, 3));
	EXPECT(n == 3 && !memcmp(buf, "tar", 3), "short readlink %zd", n);
	/* links through directories */
	CHK(mkdir("d", 0755));
	CHK(symlink("../target", "d/up"));
	EXPECT(file_size("target") == 123, "target size");
	CHK(stat("d/up", &st));
	EXPECT(st.st_size == 123, "relative ../ link resolved wrongly");
	CHK(symlink("d", "dl"));
	CHK(stat("dl/up", &st));
	EXPECT(st.st_size == 123, "link to a directory resolved wrongly");
}

static void t_dangling(void)
{
	char buf[64];
	struct stat st;

	CHK(symlink("nowhere", "l"));
	stat_of("l", &st);
	EXPECT(S_ISLNK(st.st_mode), "lstat of dangling link: mode %o",
	       st.st_mode);
	EXPECT_ERR(stat("l", &st), ENOENT);
	EXPECT_ERR(open("l", O_RDONLY), ENOENT);
	EXPECT(readlink("l", buf, sizeof(buf)) == 7, "readlink");
	/* O_CREAT through a dangling link creates the target */
	int fd = CHK(open("l", O_CREAT | O_WRONLY, 0644));

	CHK(close(fd));
	CHK(lstat("nowhere", &st));
	EXPECT(S_ISREG(st.st_mode), "target not created");
	CHK(unlink("nowhere"));
	/* a loop */
	CHK(symlink("loop2", "loop1"));
	CHK(symlink("loop1", "loop2"));
	EXPECT_ERR(stat("loop1", &st), ELOOP);
	CHK(unlink("l"));
	stat_of("loop1", &st);
}

const struct fstest meta_tests[] = {
	{ "meta.chmod", t_chmod },
	{ "meta.chown", t_chown },
	{ "meta.utimensat", t_utimensat },
	{ "meta.truncate_times", t_truncate_times },
	{ "meta.size_blocks_nlink", t_size_blocks_nlink },
	{ "xattr.basic", t_xattr },
	{ "xattr.create_replace", t_xattr_flags },
	{ "xattr.enodata", t_xattr_enodata },
	{ "link.hard", t_hardlink },
	{ "link.symlink", t_symlink },
	{ "link.dangling", t_dangling },
	{ NULL, NULL }
};
