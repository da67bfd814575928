// SPDX-License-Identifier: GPL-2.0
/* O_DIRECT, mmap, fsync, fallocate, copy_file_range, open flags, unlinked
 * files, many open files, statfs. */
#include <fcntl.h>
#include <linux/falloc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fstest.h"

#define MiB (1024 * 1024)
#define FUSE_SUPER_MAGIC 0x65735546

static void *aligned(size_t n)
{
	void *p;

	if (posix_memalign(&p, 4096, n))
		FAIL("posix_memalign %zu", n);
	return p;
}

static void drop_caches(void)
{
	int fd = CHK(open("/proc/sys/vm/drop_caches", O_WRONLY));

	CHK(write(fd, "3", 1));
	CHK(close(fd));
}

static void t_odirect(void)
{
	char *buf = aligned(MiB), *rb = aligned(MiB);
	ssize_t n;
	int fd, bfd;

	fd = open("d", O_CREAT | O_TRUNC | O_RDWR | O_DIRECT, 0644);
	EXPECT(fd >= 0, "open O_DIRECT: %s", strerror(errno));
	pattern_fill(buf, MiB, 0, 5);
	n = CHK(pwrite(fd, buf, MiB, 0));
	EXPECT(n == MiB, "O_DIRECT write %zd", n);
	pattern_fill(buf, 8192, 3 * MiB, 5);
	n = CHK(pwrite(fd, buf, 8192, 3 * MiB));
	EXPECT(n == 8192, "O_DIRECT write at 3M: %zd", n);
	memset(rb, 0xaa, MiB);
	n = CHK(pread(fd, rb, MiB, 0));
	EXPECT(n == MiB, "O_DIRECT read %zd", n);
	EXPECT(pattern_check(rb, MiB, 0, 5) < 0, "O_DIRECT read-back differs");
	/* the hole between reads as zeros, a read across EOF is short */
	n = CHK(pread(fd, rb, MiB, 2 * MiB));
	EXPECT(n == MiB && zero_check(rb, n) < 0, "hole via O_DIRECT");
	n = CHK(pread(fd, rb, MiB, 3 * MiB));
	EXPECT(n == 8192 && pattern_check(rb, n, 3 * MiB, 5) < 0,
	       "O_DIRECT read at EOF: %zd bytes", n);
	/* a buffered reader sees the direct writes, and vice versa */
	bfd = CHK(open("d", O_RDWR));
	check_pattern(bfd, 0, MiB, 5);
	write_pattern(bfd, 4096, 4096, 6);
	CHK(fsync(bfd));
	n = CHK(pread(fd, rb, 12288, 0));
	EXPECT(n == 12288 && pattern_check(rb + 4096, 4096, 4096, 6) < 0 &&
	       pattern_check(rb, 4096, 0, 5) < 0,
	       "O_DIRECT read misses a buffered write");
	CHK(close(bfd));
	CHK(close(fd));
	free(buf);
	free(rb);
}

static void t_mmap_shared(void)
{
	const size_t len = 3 * 4096 + 100;
	char *buf = xmalloc(len), *dbuf = aligned(4 * 4096);
	char *m;
	int fd, dfd;

	fd = CHK(open("m", O_CREAT | O_TRUNC | O_RDWR, 0644));
	CHK(ftruncate(fd, len));
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(m != MAP_FAILED, "mmap MAP_SHARED: %s", strerror(errno));
	pattern_fill(m, len, 0, 7);
	/* read() sees the store at once: one page cache */
	read_all(fd, buf, len, 0);
	EXPECT(pattern_check(buf, len, 0, 7) < 0, "read() misses mmap stores");
	/* after msync the data is on the host: an O_DIRECT read shows it */
	CHK(msync(m, len, MS_SYNC));
	dfd = CHK(open("m", O_RDONLY | O_DIRECT));
	ssize_t n = CHK(pread(dfd, dbuf, 4 * 4096, 0));

	EXPECT(n == (ssize_t)len, "O_DIRECT read %zd, want %zu", n, len);
	EXPECT(pattern_check(dbuf, len, 0, 7) < 0,
	       "host copy differs after msync");
	/* a write() is visible through the mapping */
	pattern_fill(buf, 5000, 1000, 8);
	write_all(fd, buf, 5000, 1000);
	EXPECT(!memcmp(m + 1000, buf, 5000), "mapping misses a write()");
	CHK(munmap(m, len));
	CHK(close(dfd));
	/* munmap + close write back too */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(m != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(m + 4096, 'Z', 4096);
	CHK(munmap(m, len));
	CHK(close(fd));
	drop_caches();
	fd = CHK(open("m", O_RDONLY));
	read_all(fd, buf, 4096, 4096);
	for (int i = 0; i < 4096; i++)
		EXPECT(buf[i] == 'Z', "store through mapping lost at %d", i);
	CHK(close(fd));
	free(buf);
	free(dbuf);
}

static void t_mmap_private(void)
{
	char *p, *s, buf[4096];
	int fd;

	make_file("m", 8192, 9);
	fd = CHK(open("m", O_RDWR));
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT(p != MAP_FAILED, "mmap MAP_PRIVATE: %s", strerror(errno));
	s = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(s != MAP_FAILED, "mmap MAP_SHARED ro: %s", strerror(errno));
	EXPECT(pattern_check(p, 8192, 0, 9) < 0, "private mapping content");
	memset(p, 'P', 4096);
	CHK(msync(p, 8192, MS_SYNC));
	read_all(fd, buf, 4096, 0);
	EXPECT(pattern_check(buf, 4096, 0, 9) < 0,
	       "MAP_PRIVATE store reached the file");
	EXPECT(pattern_check(s, 4096, 0, 9) < 0,
	       "MAP_PRIVATE store reached a shared mapping");
	EXPECT(p[0] == 'P' && p[4095] == 'P', "private copy lost");
	CHK(munmap(p, 8192));
	CHK(munmap(s, 8192));
	CHK(close(fd));
	fd = CHK(open("m", O_RDONLY));
	check_pattern(fd, 0, 8192, 9);
	CHK(close(fd));
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static void t_mmap_sigbus(void)
{
	volatile char *m;
	volatile int got = 0;
	char c;
	int fd;

	make_file("m", 100, 10);
	fd = CHK(open("m", O_RDWR));
	m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(m != MAP_FAILED, "mmap: %s", strerror(errno));
	/* the rest of the last page reads as zeros */
	for (int i = 100; i < 4096; i++)
		EXPECT(m[i] == 0, "byte %d past EOF in the last page is %d", i,
		       m[i]);
	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(bus_jmp, 1) == 0) {
		c = m[4096 + 10];
		(void)c;
	} else {
		got = 1;
	}
	EXPECT(got, "read of a page beyond EOF did not raise SIGBUS");
	got = 0;
	if (sigsetjmp(bus_jmp, 1) == 0)
		m[2 * 4096] = 1;
	else
		got = 1;
	EXPECT(got, "write to a page beyond EOF did not raise SIGBUS");
	/* after growing the file the same page is fine */
	CHK(ftruncate(fd, 3 * 4096));
	EXPECT(m[4096 + 10] == 0, "grown page not zero");
	signal(SIGBUS, SIG_DFL);
	CHK(munmap((void *)m, 3 * 4096));
	CHK(close(fd));
}

static void t_fsync(void)
{
	char *buf = aligned(65536);
	int fd, dfd;

	fd = CHK(open("f", O_CREAT | O_TRUNC | O_RDWR, 0644));
	write_pattern(fd, 0, 65536, 11);
	CHK(fsync(fd));
	write_pattern(fd, 0, 4096, 12);
	CHK(fdatasync(fd));
	dfd = CHK(open("f", O_RDONLY | O_DIRECT));
	EXPECT(pread(dfd, buf, 65536, 0) == 65536, "O_DIRECT read: %s",
	       strerror(errno));
	EXPECT(pattern_check(buf, 4096, 0, 12) < 0 &&
	       pattern_check(buf + 4096, 65536 - 4096, 4096, 11) < 0,
	       "host copy differs after fsync/fdatasync");
	CHK(close(dfd));
	CHK(close(fd));
	/* fsync of a directory and of a read-only descriptor */
	dfd = CHK(open(".", O_RDONLY | O_DIRECTORY));
	CHK(fsync(dfd));
	CHK(close(dfd));
	fd = CHK(open("f", O_RDONLY));
	CHK(fsync(fd));
	CHK(close(fd));
	sync();
	free(buf);
}

static void t_fallocate(void)
{
	struct stat st;
	int fd;

	fd = CHK(open("f", O_CREAT | O_TRUNC | O_RDWR, 0644));
	if (fallocate(fd, 0, 0, 4 * MiB) < 0) {
		if (errno == EOPNOTSUPP)
			skip("fallocate mode 0: EOPNOTSUPP");
		FAIL("fallocate mode 0: %s", strerror(errno));
	}
	CHK(fstat(fd, &st));
	EXPECT(st.st_size == 4 * MiB, "size %lld after fallocate",
	       (long long)st.st_size);
	EXPECT(st.st_blocks * 512 >= 4 * MiB, "only %lld blocks allocated",
	       (long long)st.st_blocks);
	check_zeros(fd, 0, 4 * MiB);
	/* inside existing data: nothing changes */
	write_pattern(fd, 0, MiB, 13);
	CHK(fallocate(fd, 0, 512 * 1024, MiB));
	check_pattern(fd, 0, MiB, 13);
	/* KEEP_SIZE past EOF allocates without growing */
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 4 * MiB, MiB) == 0) {
		CHK(fstat(fd, &st));
		EXPECT(st.st_size == 4 * MiB, "KEEP_SIZE grew the file to %lld",
		       (long long)st.st_size);
	} else {
		EXPECT(errno == EOPNOTSUPP, "FALLOC_FL_KEEP_SIZE: %s",
		       strerror(errno));
	}
	CHK(close(fd));
}

static void t_punch_hole(void)
{
	struct stat a, b;
	int fd;

	fd = CHK(open("f", O_CREAT | O_TRUNC | O_RDWR, 0644));
	write_pattern(fd, 0, 4 * MiB, 14);
	CHK(fsync(fd));
	CHK(fstat(fd, &a));
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, MiB,
		      MiB) < 0) {
		if (errno == EOPNOTSUPP)
			skip("FALLOC_FL_PUNCH_HOLE: EOPNOTSUPP (server does "
			     "not implement it)");
		FAIL("punch hole: %s", strerror(errno));
	}
	CHK(fstat(fd, &b));
	EXPECT(b.st_size == 4 * MiB, "size %lld after punch",
	       (long long)b.st_size);
	check_pattern(fd, 0, MiB, 14);
	check_zeros(fd, MiB, MiB);
	check_pattern(fd, 2 * MiB, 2 * MiB, 14);
	EXPECT(b.st_blocks < a.st_blocks, "blocks %lld -> %lld: nothing freed",
	       (long long)a.st_blocks, (long long)b.st_blocks);
	/* unaligned punch zeroes exactly the range */
	CHK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      3 * MiB + 100, 5000));
	check_pattern(fd, 2 * MiB, MiB + 100, 14);
	check_zeros(fd, 3 * MiB + 100, 5000);
	check_pattern(fd, 3 * MiB + 5100, MiB - 5100, 14);
	/* and the host agrees after the cache is gone */
	CHK(close(fd));
	drop_caches();
	fd = CHK(open("f", O_RDONLY));
	check_zeros(fd, MiB, MiB);
	check_pattern(fd, 2 * MiB, MiB + 100, 14);
	CHK(close(fd));
}

static void t_copy_file_range(void)
{
	loff_t in = 1000, out = 5;
	ssize_t n, done = 0;
	int src, dst;

	make_file("src", 3 * MiB + 333, 15);
	src = CHK(open("src", O_RDONLY));
	dst = CHK(open("dst", O_CREAT | O_TRUNC | O_RDWR, 0644));
	write_pattern(dst, 0, 5, 16);
	while (done < 2 * MiB) {
		n = copy_file_range(src, &in, dst, &out, 2 * MiB - done, 0);
		if (n < 0 && done == 0 &&
		    (errno == EOPNOTSUPP || errno == ENOSYS || errno == EXDEV))
			skip("copy_file_range: %s", errname(errno));
		EXPECT(n > 0, "copy_file_range: %s", n ? strerror(errno) :
		       "returned 0 before EOF");
		done += n;
	}
	EXPECT(in == 1000 + 2 * MiB && out == 5 + 2 * MiB,
	       "offsets advanced to %lld/%lld", (long long)in, (long long)out);
	EXPECT(lseek(src, 0, SEEK_CUR) == 0, "file offset moved");
	EXPECT(file_size("dst") == 5 + 2 * MiB, "dst size %lld",
	       (long long)file_size("dst"));
	check_pattern(dst, 0, 5, 16);
	char *buf = xmalloc(2 * MiB);

	read_all(dst, buf, 2 * MiB, 5);
	EXPECT(pattern_check(buf, 2 * MiB, 1000, 15) < 0, "copied data differs");
	/* copying past EOF of the source copies nothing */
	in = 3 * MiB + 333;
	n = copy_file_range(src, &in, dst, NULL, 100, 0);
	EXPECT(n == 0, "copy at source EOF returned %zd", n);
	/* without offsets: uses and moves the file positions */
	CHK(lseek(src, 3 * MiB, SEEK_SET));
	CHK(lseek(dst, 0, SEEK_SET));
	n = CHK(copy_file_range(src, NULL, dst, NULL, 1000, 0));
	EXPECT(n == 333, "copy of the tail: %zd", n);
	EXPECT(lseek(dst, 0, SEEK_CUR) == 333, "dst position");
	read_all(dst, buf, 333, 0);
	EXPECT(pattern_check(buf, 333, 3 * MiB, 15) < 0, "tail copy differs");
	free(buf);
	CHK(close(src));
	CHK(close(dst));
}

static void t_o_trunc(void)
{
	struct stat st;
	int fd;

	make_file("f", 100000, 17);
	fd = CHK(open("f", O_WRONLY | O_TRUNC));
	CHK(fstat(fd, &st));
	EXPECT(st.st_size == 0, "size after O_TRUNC %lld",
	       (long long)st.st_size);
	CHK(write(fd, "abc", 3));
	CHK(close(fd));
	EXPECT(file_size("f") == 3, "size %lld, want 3",
	       (long long)file_size("f"));
	/* the old contents do not come back through the cache */
	char buf[16];

	fd = CHK(open("f", O_RDONLY));
	EXPECT(read(fd, buf, sizeof(buf)) == 3 && !memcmp(buf, "abc", 3),
	       "contents after O_TRUNC");
	CHK(close(fd));
	/* O_TRUNC|O_CREAT on an existing file truncates too */
	fd = CHK(open("f", O_WRONLY | O_CREAT | O_TRUNC, 0600));
	CHK(close(fd));
	EXPECT(file_size("f") == 0, "O_CREAT|O_TRUNC left %lld bytes",
	       (long long)file_size("f"));
}

static void t_o_excl(void)
{
	int fd;

	fd = CHK(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
	CHK(close(fd));
	EXPECT_ERR(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	CHK(mkdir("d", 0755));
	EXPECT_ERR(open("d", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	/* O_EXCL does not follow a symlink, even a dangling one */
	CHK(symlink("nowhere", "l"));
	EXPECT_ERR(open("l", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	struct stat st;

	EXPECT_ERR(lstat("nowhere", &st), ENOENT);
}

static void t_o_append_pwrite(void)
{
	int fd;

	make_file("f", 100, 18);
	fd = CHK(open("f", O_WRONLY | O_APPEND));
	/* Linux: pwrite on an O_APPEND descriptor appends (see pwrite(2)) */
	CHK(pwrite(fd, "xyz", 3, 0));
	CHK(close(fd));
	EXPECT(file_size("f") == 103, "size %lld", (long long)file_size("f"));
	fd = CHK(open("f", O_RDONLY));
	check_pattern(fd, 0, 100, 18);
	char buf[3];

	read_all(fd, buf, 3, 100);
	EXPECT(!memcmp(buf, "xyz", 3), "appended data");
	CHK(close(fd));
}

/* fcntl(F_SETFL) can clear O_APPEND: a server that opened its own file
 * with the client's O_APPEND keeps appending. */
static void t_clear_append(void)
{
	int fd;

	make_file("f", 103, 18);
	fd = CHK(open("f", O_WRONLY | O_APPEND));
	CHK(fcntl(fd, F_SETFL, 0));
	CHK(pwrite(fd, "Q", 1, 0));
	CHK(close(fd));
	EXPECT(file_size("f") == 103, "size %lld after non-append pwrite "
	       "(the write was appended)", (long long)file_size("f"));
	char c;

	fd = CHK(open("f", O_RDONLY));
	read_all(fd, &c, 1, 0);
	EXPECT(c == 'Q', "byte 0 not overwritten");
	CHK(close(fd));
}

static void t_unlinked_open(void)
{
	struct stat st;
	int fd, fd2;

	make_file("f", 200000, 19);
	fd = CHK(open("f", O_RDWR));
	fd2 = CHK(open("f", O_RDONLY));
	CHK(unlink("f"));
	EXPECT_ERR(lstat("f", &st), ENOENT);
	check_pattern(fd, 0, 200000, 19);
	/* it can still grow, and every descriptor sees it */
	write_pattern(fd, 200000, 100000, 19);
	CHK(fstat(fd, &st));
	EXPECT(st.st_size == 300000 && st.st_nlink == 0,
	       "unlinked file: size %lld nlink %lu", (long long)st.st_size,
	       (unsigned long)st.st_nlink);
	CHK(close(fd));
	check_pattern(fd2, 0, 300000, 19);
	/* a new file of the same name is a different file */
	make_file("f", 10, 20);
	check_pattern(fd2, 0, 300000, 19);
	CHK(close(fd2));
}

static void t_many_open(void)
{
	const int n = 1000;
	struct rlimit rl = { 4096, 4096 };
	int *fds = xmalloc(n * sizeof(int));
	char name[32];
	int i;

	setrlimit(RLIMIT_NOFILE, &rl);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		fds[i] = open(name, O_CREAT | O_RDWR, 0644);
		EXPECT(fds[i] >= 0, "open #%d: %s", i, strerror(errno));
		write_all(fds[i], name, strlen(name), 0);
	}
	for (i = 0; i < n; i++) {
		char buf[32] = { 0 };

		snprintf(name, sizeof(name), "f%d", i);
		EXPECT(pread(fds[i], buf, sizeof(buf), 0) == (ssize_t)strlen(name)
		       && !strcmp(buf, name), "file #%d holds '%s'", i, buf);
	}
	for (i = 0; i < n; i++) {
		CHK(close(fds[i]));
		snprintf(name, sizeof(name), "f%d", i);
		CHK(unlink(name));
	}
	free(fds);
}

static void t_statfs(void)
{
	struct statfs s;

	CHK(statfs(".", &s));
	EXPECT(s.f_type == FUSE_SUPER_MAGIC, "f_type %#lx, want FUSE %#x",
	       (unsigned long)s.f_type, FUSE_SUPER_MAGIC);
	EXPECT(s.f_bsize >= 512 && s.f_bsize <= 16 * MiB, "f_bsize %ld",
	       (long)s.f_bsize);
	EXPECT(s.f_blocks > 0, "f_blocks 0");
	EXPECT(s.f_bfree <= s.f_blocks && s.f_bavail <= s.f_bfree,
	       "f_blocks %llu f_bfree %llu f_bavail %llu",
	       (unsigned long long)s.f_blocks, (unsigned long long)s.f_bfree,
	       (unsigned long long)s.f_bavail);
	EXPECT(s.f_ffree <= s.f_files, "f_files %llu f_ffree %llu",
	       (unsigned long long)s.f_files, (unsigned long long)s.f_ffree);
	EXPECT(s.f_namelen >= 255 && s.f_namelen < 65536, "f_namelen %ld",
	       (long)s.f_namelen);
	/* a file's statfs is the same filesystem */
	make_file("f", 10, 1);
	struct statfs s2;

	CHK(statfs("f", &s2));
	EXPECT(s2.f_blocks == s.f_blocks && s2.f_bsize == s.f_bsize,
	       "statfs of a file differs");
}

const struct fstest io_tests[] = {
	{ "io.odirect", t_odirect },
	{ "mmap.shared", t_mmap_shared },
	{ "mmap.private", t_mmap_private },
	{ "mmap.sigbus", t_mmap_sigbus },
	{ "io.fsync", t_fsync },
	{ "falloc.mode0", t_fallocate },
	{ "falloc.punch_hole", t_punch_hole },
	{ "io.copy_file_range", t_copy_file_range },
	{ "open.o_trunc", t_o_trunc },
	{ "open.o_excl", t_o_excl },
	{ "open.o_append_pwrite", t_o_append_pwrite },
	{ "open.fcntl_clear_append", t_clear_append },
	{ "open.unlinked_readable", t_unlinked_open },
	{ "open.many_files", t_many_open },
	{ "statfs", t_statfs },
	{ NULL, NULL }
};
