// SPDX-License-Identifier: GPL-2.0
/* Error returns: ENOENT, EEXIST, ENOTEMPTY, EISDIR, ENOTDIR, EACCES, EXDEV,
 * ENAMETOOLONG. */
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fstest.h"

static void t_enoent(void)
{
	struct stat st;

	EXPECT_ERR(open("missing", O_RDONLY), ENOENT);
	EXPECT_ERR(stat("missing", &st), ENOENT);
	EXPECT_ERR(unlink("missing"), ENOENT);
	EXPECT_ERR(rmdir("missing"), ENOENT);
	EXPECT_ERR(rename("missing", "x"), ENOENT);
	EXPECT_ERR(chmod("missing", 0644), ENOENT);
	EXPECT_ERR(truncate("missing", 0), ENOENT);
	EXPECT_ERR(open("nodir/f", O_CREAT | O_WRONLY, 0644), ENOENT);
	EXPECT_ERR(mkdir("nodir/d", 0755), ENOENT);
	EXPECT_ERR(link("missing", "x"), ENOENT);
	/* a name removed by another path is gone from the cache too */
	make_file("f", 1, 1);
	CHK(stat("f", &st));
	CHK(unlink("./f"));
	EXPECT_ERR(stat("f", &st), ENOENT);
}

static void t_eexist(void)
{
	make_file("f", 1, 1);
	CHK(mkdir("d", 0755));
	EXPECT_ERR(mkdir("d", 0755), EEXIST);
	EXPECT_ERR(mkdir("f", 0755), EEXIST);
	EXPECT_ERR(open("f", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
	EXPECT_ERR(link("f", "d"), EEXIST);
	EXPECT_ERR(symlink("x", "f"), EEXIST);
	EXPECT_ERR(mknod("f", S_IFIFO | 0644, 0), EEXIST);
}

static void t_enotempty(void)
{
	CHK(mkdir("d", 0755));
	make_file("d/f", 1, 1);
	errno = 0;
	EXPECT(rmdir("d") == -1 && (errno == ENOTEMPTY || errno == EEXIST),
	       "rmdir of a non-empty dir: %s", errname(errno));
	EXPECT(errno == ENOTEMPTY, "rmdir: %s (Linux gives ENOTEMPTY)",
	       errname(errno));
	CHK(mkdir("e", 0755));
	EXPECT_ERR(rename("e", "d"), ENOTEMPTY);
	CHK(unlink("d/f"));
	CHK(rmdir("d"));
}

static void t_eisdir(void)
{
	char buf[8];
	int fd;

	CHK(mkdir("d", 0755));
	make_file("f", 1, 1);
	EXPECT_ERR(open("d", O_WRONLY), EISDIR);
	EXPECT_ERR(open("d", O_RDWR), EISDIR);
	EXPECT_ERR(open("d", O_CREAT | O_WRONLY, 0644), EISDIR);
	EXPECT_ERR(unlink("d"), EISDIR);
	EXPECT_ERR(rename("f", "d"), EISDIR);
	EXPECT_ERR(truncate("d", 0), EISDIR);
	fd = CHK(open("d", O_RDONLY));
	EXPECT_ERR(read(fd, buf, sizeof(buf)), EISDIR);
	CHK(close(fd));
}

static void t_enotdir(void)
{
	struct stat st;

	make_file("f", 1, 1);
	CHK(mkdir("d", 0755));
	EXPECT_ERR(open("f/x", O_RDONLY), ENOTDIR);
	EXPECT_ERR(stat("f/x", &st), ENOTDIR);
	EXPECT_ERR(mkdir("f/x", 0755), ENOTDIR);
	EXPECT_ERR(rmdir("f"), ENOTDIR);
	EXPECT_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERR(rename("d", "f"), ENOTDIR);
	EXPECT_ERR(chdir("f"), ENOTDIR);
}

/* As nobody: every write into root's 0644/0755 objects is refused, while
 * reads that the mode bits allow still work. */
static void as_nobody(void *arg)
{
	char buf[8];
	int fd;

	(void)arg;
	CHK(setgroups(0, NULL));
	CHK(setgid(65534));
	CHK(setuid(65534));
	EXPECT(geteuid() == 65534, "still uid %u", geteuid());
	/* allowed: reading a 0644 file, listing a 0755 dir */
	fd = open("d/ro", O_RDONLY);
	EXPECT(fd >= 0, "nobody cannot read a 0644 file: %s",
	       strerror(errno));
	EXPECT(read(fd, buf, 1) == 1, "read: %s", strerror(errno));
	CHK(close(fd));
	EXPECT_ERR(open("d/ro", O_WRONLY), EACCES);
	EXPECT_ERR(open("d/ro", O_RDWR | O_TRUNC), EACCES);
	EXPECT_ERR(open("d/secret", O_RDONLY), EACCES);
	EXPECT_ERR(open("d/new", O_CREAT | O_WRONLY, 0644), EACCES);
	EXPECT_ERR(mkdir("d/newdir", 0755), EACCES);
	EXPECT_ERR(unlink("d/ro"), EACCES);
	EXPECT_ERR(rename("d/ro", "d/ro2"), EACCES);
	EXPECT_ERR(symlink("x", "d/l"), EACCES);
	EXPECT_ERR(truncate("d/ro", 0), EACCES);
	EXPECT_ERR(open("closed/f", O_RDONLY), EACCES);
	EXPECT_ERR(setxattr("d/ro", "user.x", "1", 1, 0), EACCES);
	/* metadata changes on another user's file */
	EXPECT_ERR(chmod("d/ro", 0666), EPERM);
	EXPECT_ERR(chown("d/ro", 65534, 65534), EPERM);
	/* in a world-writable directory nobody may create, and owns it */
	fd = open("pub/mine", O_CREAT | O_WRONLY, 0644);
	EXPECT(fd >= 0, "create in a 0777 dir: %s", strerror(errno));
	struct stat st;

	CHK(fstat(fd, &st));
	EXPECT(st.st_uid == 65534 && st.st_gid == 65534,
	       "new file owned by %u:%u, want 65534:65534", st.st_uid,
	       st.st_gid);
	CHK(close(fd));
	/* the sticky bit protects root's file there */
	EXPECT_ERR(unlink("pub/rootfile"), EPERM);
}

static void t_eacces(void)
{
	struct stat mst;
	int restore = 0;

	/* the share root may be 0700 (a mktemp dir): nobody must be able to
	 * reach this test's directory for the checks to mean anything */
	CHK(stat(g_mnt, &mst));
	if ((mst.st_mode & 0005) != 0005) {
		CHK(chmod(g_mnt, (mst.st_mode & 07777) | 0005));
		restore = 1;
	}
	CHK(chmod(".", 0755));
	CHK(mkdir("d", 0755));
	make_file("d/ro", 10, 1);
	CHK(chmod("d/ro", 0644));
	make_file("d/secret", 10, 1);
	CHK(chmod("d/secret", 0600));
	CHK(mkdir("closed", 0700));
	make_file("closed/f", 10, 1);
	CHK(mkdir("pub", 0777));
	CHK(chmod("pub", 01777));
	make_file("pub/rootfile", 1, 1);
	int st = in_child(as_nobody, NULL);

	if (restore)
		chmod(g_mnt, mst.st_mode & 07777);
	child_result(st, "as uid 65534");
	/* root is not bound by the mode bits */
	int fd = CHK(open("d/secret", O_RDWR));

	CHK(close(fd));
}

static void t_exdev(void)
{
	char tmp[64];
	int fd;

	make_file("f", 10, 1);
	snprintf(tmp, sizeof(tmp), "/tmp/fstest-exdev.%d", getpid());
	fd = CHK(open(tmp, O_CREAT | O_WRONLY, 0644));
	CHK(close(fd));
	EXPECT_ERR(rename("f", tmp), EXDEV);
	/* link(2) reports an existing target (EEXIST) before EXDEV */
	unlink(tmp);
	EXPECT_ERR(link("f", tmp), EXDEV);
	fd = CHK(open(tmp, O_CREAT | O_WRONLY, 0644));
	CHK(close(fd));
	EXPECT_ERR(rename(tmp, "g"), EXDEV);
	EXPECT_ERR(link(tmp, "g"), EXDEV);
	unlink(tmp);
	EXPECT(file_size("f") == 10, "source damaged");
}

static void t_enametoolong(void)
{
	char name[300];
	struct stat st;
	int fd;

	memset(name, 'n', 255);
	name[255] = 0;
	fd = CHK(open(name, O_CREAT | O_WRONLY, 0644));
	CHK(close(fd));
	CHK(stat(name, &st));
	CHK(unlink(name));
	memset(name, 'n', 256);
	name[256] = 0;
	EXPECT_ERR(open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
	EXPECT_ERR(stat(name, &st), ENAMETOOLONG);
	EXPECT_ERR(mkdir(name, 0755), ENAMETOOLONG);
	EXPECT_ERR(symlink("x", name), ENAMETOOLONG);
	make_file("f", 1, 1);
	EXPECT_ERR(rename("f", name), ENAMETOOLONG);
	/* a path longer than PATH_MAX */
	char *p = xmalloc(5000);

	memset(p, 'a', 4999);
	for (int i = 100; i < 4999; i += 101)
		p[i] = '/';
	p[4999] = 0;
	EXPECT_ERR(stat(p, &st), ENAMETOOLONG);
	free(p);
}

const struct fstest err_tests[] = {
	{ "err.enoent", t_enoent },
	{ "err.eexist", t_eexist },
	{ "err.enotempty", t_enotempty },
	{ "err.eisdir", t_eisdir },
	{ "err.enotdir", t_enotdir },
	{ "err.eacces", t_eacces },
	{ "err.exdev", t_exdev },
	{ "err.enametoolong", t_enametoolong },
	{ NULL, NULL }
};
