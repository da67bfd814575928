// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata micro-benchmarks for the guest, timed with the monotonic clock
 * (busybox has no sub-second date):
 *
 *   fsbench meta DIR N   create N small files, list the directory (cold
 *                        cache, then warm), stat every file (cold), unlink
 *   fsbench walk DIR N   what "git status" does to a work tree: list every
 *                        directory and lstat every entry below DIR, with
 *                        cold caches and then warm; N is the number of
 *                        entries the tree must have (a short walk fails)
 *
 * Prints "NAME SECONDS" lines; "total" is create + stat + unlink.  With
 * FSBENCH_REQS set to a shell command printing how many requests the
 * driver has sent so far, also "reqs_NAME COUNT" lines: requests per file
 * (create, stat, unlink), per listing round (readdir: a cold listing and
 * READDIR_WARM warm ones) and per walk.  The command runs between the
 * timed parts, never inside one.  A listing
 * takes tens of milliseconds under TCG, where one host scheduling hiccup
 * doubles a single sample: the cold listing is the median of
 * READDIR_ROUNDS (caches dropped before each), the warm one the median of
 * READDIR_ROUNDS averages of READDIR_WARM passes.
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

#define READDIR_ROUNDS	5
#define READDIR_WARM	5

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

/* The driver's request count so far (FSBENCH_REQS), or -1. */
static long reqs(void)
{
	const char *cmd = getenv("FSBENCH_REQS");
	long n = -1;
	FILE *f;

	if (!cmd || !*cmd)
		return -1;
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	if (pclose(f) != 0)
		n = -1;
	return n;
}

/* "reqs_NAME PER-UNIT" from two counts, when both are known */
static void print_reqs(const char *name, long before, long after, long per)
{
	if (before >= 0 && after >= before && per > 0)
		printf("reqs_%s %.2f\n", name, (double)(after - before) / per);
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Lists the directory: every pass must see all n files plus "." and "..". */
static void list_checked(int n)
{
	long seen = list();

	if (seen != n + 2) {
		fprintf(stderr, "fsbench: listed %ld entries, want %d\n",
			seen, n + 2);
		exit(1);
	}
}

static void readdir_bench(int n, double *cold, double *warm)
{
	double c[READDIR_ROUNDS], w[READDIR_ROUNDS], t0, t1;
	int r, i;

	for (r = 0; r < READDIR_ROUNDS; r++) {
		drop_caches();
		t0 = now();
		list_checked(n);
		t1 = now();
		for (i = 0; i < READDIR_WARM; i++)
			list_checked(n);
		c[r] = t1 - t0;
		w[r] = (now() - t1) / READDIR_WARM;
	}
	*cold = median(c, READDIR_ROUNDS);
	*warm = median(w, READDIR_ROUNDS);
}

/* One pass of files serves every metadata workload: creating thousands
 * of files is the slow part under TCG. */
static void meta(int n)
{
	double t0, t1, t5, t6, t7, t8, cold, warm;
	long r0, r1, r2, r3, r4, r5;
	char name[64];
	struct stat st;
	int i;

	r0 = reqs();
	t0 = now();
	create_files(n, "small%06d");
	t1 = now();
	r1 = reqs();
	readdir_bench(n, &cold, &warm);
	r2 = reqs();
	drop_caches();
	r3 = reqs();
	t5 = now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "small%06d", i);
		if (stat(name, &st) < 0 || st.st_size != 16)
			die("stat");
	}
	t6 = now();
	r4 = reqs();
	t7 = now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "small%06d", i);
		if (unlink(name) < 0)
			die("unlink");
	}
	t8 = now();
	r5 = reqs();
	printf("create %.3f\nreaddir_cold %.4f\nreaddir_warm %.4f\n"
	       "stat %.3f\nunlink %.3f\ntotal %.3f\n", t1 - t0, cold, warm,
	       t6 - t5, t8 - t7, (t1 - t0) + (t6 - t5) + (t8 - t7));
	print_reqs("create", r0, r1, n);
	print_reqs("readdir", r1, r2, READDIR_ROUNDS);
	print_reqs("stat", r3, r4, n);
	print_reqs("unlink", r4, r5, n);
}

/* Lists dirfd's directory and lstats each entry, recursing into the
 * subdirectories; returns the number of entries below it. */
static long walk_dir(int dirfd)
{
	char buf[32768];
	long got, n = 0;

	while ((got = syscall(SYS_getdents64, dirfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			unsigned short reclen;
			const char *name = buf + off + 19;
			struct stat st;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				die(name);
			n++;
			if (S_ISDIR(st.st_mode)) {
				int fd = openat(dirfd, name,
						O_RDONLY | O_DIRECTORY);

				if (fd < 0)
					die(name);
				n += walk_dir(fd);
				close(fd);
			}
		}
	}
	if (got < 0)
		die("getdents64");
	return n;
}

static double walk_once(long want)
{
	double t0 = now();
	int fd = open(".", O_RDONLY | O_DIRECTORY);
	long n;

	if (fd < 0)
		die("open .");
	n = walk_dir(fd);
	close(fd);
	if (n != want) {
		fprintf(stderr, "fsbench: walked %ld entries, want %ld\n",
			n, want);
		exit(1);
	}
	return now() - t0;
}

static void walk(long n)
{
	double cold, warm;
	long r0, r1, r2;

	drop_caches();
	r0 = reqs();
	cold = walk_once(n);
	r1 = reqs();
	warm = walk_once(n);
	r2 = reqs();
	printf("walk_cold %.3f\nwalk_warm %.3f\n", cold, warm);
	print_reqs("walk_cold", r0, r1, 1);
	print_reqs("walk_warm", r1, r2, 1);
}

int main(int argc, char **argv)
{
	int n;

	if (argc != 4 || (n = atoi(argv[3])) <= 0 || n > 1000000) {
		fprintf(stderr, "usage: fsbench meta|walk DIR N\n");
		return 2;
	}
	if (chdir(argv[2]) < 0)
		die(argv[2]);
	if (!strcmp(argv[1], "meta"))
		meta(n);
	else if (!strcmp(argv[1], "walk"))
		walk(n);
	else
		return 2;
	return 0;
}
