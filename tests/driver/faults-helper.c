// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-side helper of tests/driver/faults: workloads that run while the
 * device goes away or the host dies, and the load tests.  Each prints one
 * line on stdout: what it saw.
 *
 *   faults-helper io FILE buffered|direct SECONDS PROGRESS
 *       writes and reads back 64 KiB blocks of FILE in a loop (O_DIRECT
 *       with "direct") until an error or SECONDS; the number of blocks done
 *       goes to the file PROGRESS after each block (so the test can see the
 *       I/O stop).  Prints "ERR <errno name> after N" or "OK N"; wrong data
 *       read back prints "BADDATA at N" (exit 1)
 *   faults-helper mmap FILE SECONDS PROGRESS
 *       maps 1 MiB of FILE shared, writes every page and msync()s in a
 *       loop; prints "SIGBUS after N", "ERR <errno name> after N" or "OK N"
 *   faults-helper workers N DIR ROUNDS
 *       N processes at once, each ROUNDS times: create a file of its own
 *       of a size that varies, write it in uneven pieces, fsync every
 *       third round, read it back and compare, check its size, rename it,
 *       unlink it.  Prints "OK N ROUNDS" or the first failures (exit 1)
 *   faults-helper hog MIB SECONDS
 *       keeps MIB MiB of anonymous memory and writes all of it again and
 *       again for SECONDS: memory pressure beside a data test
 *
 * Signals other than the ones named end the workloads: the test kills
 * them with SIGKILL to check that they can be killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK		65536
#define IO_BLOCKS	64	/* the io file cycles over 4 MiB */
#define MAP_SIZE	(1 << 20)

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void progress(const char *path, unsigned long n)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int len;

	if (fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%lu\n", n);
	if (write(fd, buf, len) != len)
		perror("progress");
	close(fd);
}

static void pattern(unsigned char *buf, size_t len, unsigned long seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 151 + i * 13 + (i >> 9));
}

static int cmd_io(const char *file, const char *mode, int secs,
		  const char *prog)
{
	int direct = !strcmp(mode, "direct");
	unsigned char *buf, *got;
	unsigned long n = 0;
	time_t end = now() + secs;
	int fd;

	if (posix_memalign((void **)&buf, 4096, BLOCK) ||
	    posix_memalign((void **)&got, 4096, BLOCK))
		return 2;
	fd = open(file, O_RDWR | O_CREAT | (direct ? O_DIRECT : 0), 0644);
	if (fd < 0) {
		printf("ERR %s after 0\n", strerrorname_np(errno));
		return 0;
	}
	progress(prog, 0);
	while (now() < end) {
		off_t off = (off_t)(n % IO_BLOCKS) * BLOCK;
		ssize_t r;

		pattern(buf, BLOCK, n);
		r = pwrite(fd, buf, BLOCK, off);
		if (r == BLOCK)
			r = pread(fd, got, BLOCK, off);
		if (r < 0) {
			printf("ERR %s after %lu\n", strerrorname_np(errno), n);
			return 0;
		}
		if (r != BLOCK) {
			printf("ERR short-%zd after %lu\n", r, n);
			return 0;
		}
		if (memcmp(buf, got, BLOCK)) {
			printf("BADDATA at %lu\n", n);
			return 1;
		}
		progress(prog, ++n);
	}
	printf("OK %lu\n", n);
	return 0;
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static int cmd_mmap(const char *file, int secs, const char *prog)
{
	volatile unsigned long n = 0;
	time_t end = now() + secs;
	unsigned char *map;
	long pg = sysconf(_SC_PAGESIZE);
	int fd;

	fd = open(file, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, MAP_SIZE)) {
		printf("ERR %s after 0\n", strerrorname_np(errno));
		return 0;
	}
	map = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		printf("ERR %s after 0\n", strerrorname_np(errno));
		return 0;
	}
	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(bus_jmp, 1)) {
		printf("SIGBUS after %lu\n", n);
		return 0;
	}
	progress(prog, 0);
	while (now() < end) {
		long i;

		for (i = 0; i < MAP_SIZE; i += pg)
			map[i] = (unsigned char)(n + i / pg);
		if (msync(map, MAP_SIZE, MS_SYNC)) {
			printf("ERR %s after %lu\n", strerrorname_np(errno), n);
			return 0;
		}
		/* the next round faults the pages in from the host again */
		if (madvise(map, MAP_SIZE, MADV_DONTNEED) ||
		    posix_fadvise(fd, 0, MAP_SIZE, POSIX_FADV_DONTNEED)) {
			printf("ERR advise-%s after %lu\n", strerrorname_np(errno), n);
			return 0;
		}
		for (i = 0; i < MAP_SIZE; i += pg) {
			if (map[i] != (unsigned char)(n + i / pg)) {
				printf("BADDATA at %lu page %ld\n", n, i / pg);
				return 1;
			}
		}
		progress(prog, ++n);
	}
	printf("OK %lu\n", n);
	return 0;
}

/* ---- many workers ---------------------------------------------------------- */

/* one worker: 0 when every round verified, else prints why and returns 1 */
static int worker(int id, const char *dir, int rounds)
{
	static unsigned char buf[256 * 1024], got[256 * 1024];
	char path[512], path2[512];
	unsigned int rnd = 12345u + id * 7919u;
	int r;

	for (r = 0; r < rounds; r++) {
		size_t size, done = 0;
		struct stat st;
		ssize_t n;
		int fd;

		rnd = rnd * 1103515245u + 12345u;
		size = 1 + (rnd >> 8) % sizeof(buf);
		pattern(buf, size, id * 1000 + r);
		snprintf(path, sizeof(path), "%s/w%d.%d", dir, id, r);
		snprintf(path2, sizeof(path2), "%s/w%d.%d.done", dir, id, r);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			printf("worker %d round %d: create: %s\n", id, r,
			       strerrorname_np(errno));
			return 1;
		}
		while (done < size) {
			size_t piece = 1 + (rnd >> 4) % 40000;

			if (piece > size - done)
				piece = size - done;
			n = write(fd, buf + done, piece);
			if (n <= 0) {
				printf("worker %d round %d: write at %zu: %s\n",
				       id, r, done, n ? strerrorname_np(errno) : "0");
				return 1;
			}
			done += n;
		}
		if (r % 3 == 0 && fsync(fd)) {
			printf("worker %d round %d: fsync: %s\n", id, r,
			       strerrorname_np(errno));
			return 1;
		}
		close(fd);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			printf("worker %d round %d: reopen: %s\n", id, r,
			       strerrorname_np(errno));
			return 1;
		}
		done = 0;
		while ((n = read(fd, got + done, sizeof(got) - done)) > 0)
			done += n;
		if (n < 0 || fstat(fd, &st)) {
			printf("worker %d round %d: read/stat: %s\n", id, r,
			       strerrorname_np(errno));
			return 1;
		}
		close(fd);
		if (done != size || (size_t)st.st_size != size ||
		    memcmp(buf, got, size)) {
			printf("worker %d round %d: read %zu bytes, size %lld, want %zu%s\n",
			       id, r, done, (long long)st.st_size, size,
			       done == size ? " (wrong data)" : "");
			return 1;
		}
		if (rename(path, path2) || unlink(path2)) {
			printf("worker %d round %d: rename/unlink: %s\n", id, r,
			       strerrorname_np(errno));
			return 1;
		}
		if (!access(path, F_OK) || !access(path2, F_OK)) {
			printf("worker %d round %d: a name is still there\n", id, r);
			return 1;
		}
	}
	return 0;
}

static int cmd_workers(int n, const char *dir, int rounds)
{
	int i, bad = 0, st;
	pid_t pid;

	fflush(stdout);
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			printf("fork: %s\n", strerrorname_np(errno));
			return 1;
		}
		if (!pid) {
			int rc = worker(i, dir, rounds);

			fflush(stdout);
			_exit(rc);
		}
	}
	while ((pid = wait(&st)) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	if (bad) {
		printf("%d of %d workers failed\n", bad, n);
		return 1;
	}
	printf("OK %d %d\n", n, rounds);
	return 0;
}

static int cmd_hog(long mib, int secs)
{
	size_t len = (size_t)mib << 20, i;
	time_t end = now() + secs;
	unsigned char *p = malloc(len);
	unsigned int round = 0;

	if (!p)
		return 2;
	while (now() < end) {
		for (i = 0; i < len; i += 4096)
			p[i] = (unsigned char)(round + i);
		round++;
	}
	printf("OK %u\n", round);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && !strcmp(argv[1], "io"))
		return cmd_io(argv[2], argv[3], atoi(argv[4]), argv[5]);
	if (argc == 5 && !strcmp(argv[1], "mmap"))
		return cmd_mmap(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 5 && !strcmp(argv[1], "workers"))
		return cmd_workers(atoi(argv[2]), argv[3], atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "hog"))
		return cmd_hog(atol(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: see the comment at the top of faults-helper.c\n");
	return 2;
}
