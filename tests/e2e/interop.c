// SPDX-License-Identifier: GPL-2.0
/*
 * Host <-> guest interoperability: one side writes a fixed set of objects
 * into a directory of the share (--make), the other side checks them
 * (--verify) and prints one result line per object.  Run on the host before
 * boot and in the guest (host_to_guest), and in the guest with the check on
 * the host after the VM ends (guest_to_host): what a client writes must be
 * what the host stores, byte for byte, owner for owner.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fstest.h"

#define MiB (1024 * 1024)
#define DATA_LEN (3 * MiB + 777)
#define MTIME_SEC 1400000000
#define MTIME_NSEC 123456789
#define NMANY 300
#define ODD_NAME "name with spaces \xc3\xa9 & 'quotes'"

static uint64_t side_seed(const char *side)
{
	return !strcmp(side, "host") ? 1001 : 2002;
}

static int valid_side(const char *side)
{
	if (strcmp(side, "host") && strcmp(side, "guest")) {
		fprintf(stderr, "fstest: side must be host or guest\n");
		return 0;
	}
	return 1;
}

static void make_all(const char *side, const char *dir)
{
	struct timespec ts[2] = {
		{ MTIME_SEC, MTIME_NSEC }, { MTIME_SEC, MTIME_NSEC }
	};
	uint64_t seed = side_seed(side);
	char name[64];
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		FAIL("mkdir %s: %s", dir, strerror(errno));
	CHK(chdir(dir));
	make_file("data", DATA_LEN, seed);
	CHK(setxattr("data", "user.vng.side", side, strlen(side), 0));
	CHK(utimensat(AT_FDCWD, "data", ts, 0));
	fd = CHK(open("sparse", O_CREAT | O_TRUNC | O_WRONLY, 0644));
	write_pattern(fd, 0, 4096, seed + 1);
	write_pattern(fd, 32 * MiB, 4096, seed + 2);
	CHK(ftruncate(fd, 64 * MiB));
	CHK(close(fd));
	CHK(symlink("data", "link"));
	CHK(link("data", "hard"));
	CHK(mkdir("sub", 0750));
	make_file("sub/nested", 1, seed);
	make_file("owned", 10, seed);
	CHK(chmod("owned", 0640));
	CHK(chown("owned", 1234, 5678));
	make_file(ODD_NAME, 5, seed);
	CHK(mkdir("many", 0755));
	for (int i = 0; i < NMANY; i++) {
		snprintf(name, sizeof(name), "many/f%d", i);
		make_file(name, i, seed + i);
	}
	sync();
}

int interop_make(const char *side, const char *dir)
{
	int st;
	pid_t pid;

	if (!valid_side(side))
		return 2;
	pid = fork();
	if (pid == 0) {
		make_all(side, dir);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "fstest: --make %s %s failed: %s\n", side, dir,
			fstest_last_msg());
		return 1;
	}
	return 0;
}

static const char *g_side, *g_dir;

static void v_data(void)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	CHK(lstat("data", &st));
	EXPECT(S_ISREG(st.st_mode) && st.st_size == DATA_LEN,
	       "mode %o size %lld", st.st_mode, (long long)st.st_size);
	EXPECT(st.st_mtim.tv_sec == MTIME_SEC &&
	       st.st_mtim.tv_nsec == MTIME_NSEC, "mtime %lld.%09ld",
	       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	fd = CHK(open("data", O_RDONLY));
	check_pattern(fd, 0, DATA_LEN, side_seed(g_side));
	CHK(close(fd));
	n = getxattr("data", "user.vng.side", buf, sizeof(buf));
	EXPECT(n == (ssize_t)strlen(g_side) && !memcmp(buf, g_side, n),
	       "xattr user.vng.side: %s", n < 0 ? strerror(errno) : "differs");
}

static void v_sparse(void)
{
	uint64_t seed = side_seed(g_side);
	struct stat st;
	int fd;

	CHK(lstat("sparse", &st));
	EXPECT(st.st_size == 64 * MiB, "size %lld", (long long)st.st_size);
	EXPECT(st.st_blocks * 512 < 4 * MiB, "holes filled: %lld blocks",
	       (long long)st.st_blocks);
	fd = CHK(open("sparse", O_RDONLY));
	check_pattern(fd, 0, 4096, seed + 1);
	check_zeros(fd, 4096, MiB);
	check_pattern(fd, 32 * MiB, 4096, seed + 2);
	check_zeros(fd, 63 * MiB, MiB);
	CHK(close(fd));
}

static void v_links(void)
{
	struct stat a, b;
	char buf[64];
	ssize_t n;

	n = CHK(readlink("link", buf, sizeof(buf)));
	EXPECT(n == 4 && !memcmp(buf, "data", 4), "symlink target");
	CHK(lstat("data", &a));
	CHK(lstat("hard", &b));
	EXPECT(a.st_ino == b.st_ino && a.st_nlink == 2 && b.st_nlink == 2,
	       "hard link: ino %llu/%llu nlink %lu/%lu",
	       (unsigned long long)a.st_ino, (unsigned long long)b.st_ino,
	       (unsigned long)a.st_nlink, (unsigned long)b.st_nlink);
}

static void v_meta(void)
{
	struct stat st;

	CHK(lstat("sub", &st));
	EXPECT(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750,
	       "sub: mode %o", st.st_mode);
	EXPECT(file_size("sub/nested") == 1, "sub/nested size");
	CHK(lstat("owned", &st));
	EXPECT((st.st_mode & 07777) == 0640, "owned: mode %o",
	       st.st_mode & 07777);
	EXPECT(st.st_uid == 1234 && st.st_gid == 5678, "owned: %u:%u",
	       st.st_uid, st.st_gid);
	EXPECT(file_size(ODD_NAME) == 5, "odd name");
}

static void v_many(void)
{
	char name[64];
	int fd;

	for (int i = 0; i < NMANY; i++) {
		snprintf(name, sizeof(name), "many/f%d", i);
		fd = CHK(open(name, O_RDONLY));
		check_pattern(fd, 0, i, side_seed(g_side) + i);
		EXPECT(lseek(fd, 0, SEEK_END) == i, "%s: size", name);
		CHK(close(fd));
	}
}

int interop_verify(const char *side, const char *dir)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} items[] = {
		{ "data", v_data }, { "sparse", v_sparse },
		{ "links", v_links }, { "meta", v_meta }, { "many", v_many },
	};
	const char *dirn = !strcmp(side, "host") ? "host_to_guest" :
			   "guest_to_host";
	int fails = 0, st;
	pid_t pid;

	if (!valid_side(side))
		return 2;
	g_side = side;
	g_dir = dir;
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			if (chdir(g_dir) < 0)
				FAIL("chdir %s: %s", g_dir, strerror(errno));
			items[i].fn();
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 2;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			printf("PASS interop.%s.%s\n", dirn, items[i].name);
		} else {
			printf("FAIL interop.%s.%s: %s\n", dirn, items[i].name,
			       WIFSIGNALED(st) ? "killed by a signal" :
			       fstest_last_msg());
			fails++;
		}
	}
	return fails ? 1 : 0;
}
