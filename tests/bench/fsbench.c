// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata micro-benchmarks for the guest, timed with the monotonic clock
 * (busybox has no sub-second date):
 *
 *   fsbench meta DIR N   create N small files, list the directory (cold
 *                        cache, then warm), stat every file (cold), unlink
 *
 * Prints "NAME SECONDS" lines; "total" is create + stat + unlink.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "fsbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			die("drop_caches");
		close(fd);
	}
}

static void create_files(int n, const char *fmt)
{
	char name[64];
	int i, fd;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), fmt, i);
		fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			die(name);
		if (write(fd, name, 16) != 16)
			die("write");
		close(fd);
	}
}

static long list(void)
{
	char buf[32768];
	long got, n = 0;
	int fd = open(".", O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		die("open .");
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			unsigned short reclen;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			n++;
		}
	}
	if (got < 0)
		die("getdents64");
	close(fd);
	return n;
}

/* One pass of files serves every metadata workload: creating thousands
 * of files is the slow part under TCG. */
static void meta(int n)
{
	double t0, t1, t2, t3, t4, t5, t6;
	char name[64];
	struct stat st;
	long seen;
	int i;

	t0 = now();
	create_files(n, "small%06d");
	t1 = now();
	drop_caches();
	t2 = now();
	seen = list();
	t3 = now();
	for (i = 0; i < 5; i++)
		seen += list();
	t4 = now();
	if (seen != 6L * (n + 2)) {
		fprintf(stderr, "fsbench: listed %ld entries, want %ld\n",
			seen, 6L * (n + 2));
		exit(1);
	}
	drop_caches();
	t5 = now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "small%06d", i);
		if (stat(name, &st) < 0 || st.st_size != 16)
			die("stat");
	}
	t6 = now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "small%06d", i);
		if (unlink(name) < 0)
			die("unlink");
	}
	printf("create %.3f\nreaddir_cold %.3f\nreaddir_warm %.3f\n"
	       "stat %.3f\nunlink %.3f\ntotal %.3f\n", t1 - t0, t3 - t2,
	       (t4 - t3) / 5, t6 - t5, now() - t6,
	       (t1 - t0) + (now() - t5));
}

int main(int argc, char **argv)
{
	int n;

	if (argc != 4 || (n = atoi(argv[3])) <= 0 || n > 1000000) {
		fprintf(stderr, "usage: fsbench meta DIR N\n");
		return 2;
	}
	if (chdir(argv[2]) < 0)
		die(argv[2]);
	if (strcmp(argv[1], "meta"))
		return 2;
	meta(n);
	return 0;
}
