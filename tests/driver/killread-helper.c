// SPDX-License-Identifier: GPL-2.0
/*
 * The killed-reader race of issue 13 §3.1, in a guest (tests/driver/robust):
 * a reader's READ of page P is with the host when the reader is killed; a
 * writer then writes part of P (with the writeback cache, which reads the
 * rest of P first) before the host answers the first READ.  If the killed
 * reader had given up its READ, the page would have been unlocked
 * not-uptodate with the host still able to fill it: the writer's READ
 * fills it, the write dirties it, and the late reply copies the old data
 * over the write, which is then lost.  The host side holds back the reply
 * of the first READ only (--fault read:delay-async:MS:first=1), so the
 * writer's READ is answered at once and may overtake it.
 *
 *   killread-helper pattern SIZE        the file's original bytes on stdout
 *   killread-helper race FILE DEVDIR MS
 *       FILE (pattern of 3 pages) on a mount of the device whose sysfs
 *       directory is DEVDIR (/sys/fs/virtiofs_ng/N), MS the host's delay.
 *       Prints one line:
 *         ok MEASURES
 *         lost OFFSET cache: ... MEASURES (the page cache lost the write)
 *         setup WHY (the race could not be set up: no verdict)
 *       MEASURES: dead_ms=D (SIGKILL to reaped) in_flight_at_death=N
 *       (the device's unanswered requests then) write_ms=W late_ms=L
 *       (fault to the last reply) writer=waited|overtook (whether the
 *       first READ was still unanswered when the write returned)
 *   killread-helper check FILE          "ok" when FILE holds the pattern
 *                                       with the race's write, else
 *                                       "lost OFFSET ..."
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE		4096
#define FILE_SIZE	(3 * PAGE)
#define RACE_PAGE	1			/* P: not the first, not the last */
#define WRITE_OFF	(RACE_PAGE * PAGE + 100)	/* a partial write */
#define WRITE_LEN	64

static unsigned char pattern_byte(size_t i)
{
	return (unsigned char)('a' + (i * 7 + i / PAGE) % 26);
}

/* What FILE must hold after the race: the pattern and the write. */
static unsigned char expected_byte(size_t i)
{
	if (i >= WRITE_OFF && i < WRITE_OFF + WRITE_LEN)
		return 'W';
	return pattern_byte(i);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Requests of the device the host has not answered: its queues' sum. */
static long in_flight(const char *devdir)
{
	char path[4096], buf[32];
	struct dirent *de;
	long sum = 0;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "%s/queues", devdir);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t n;

		if (strncmp(de->d_name, "requests.", 9))
			continue;
		snprintf(path, sizeof(path), "%s/queues/%s/in_flight", devdir,
			 de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = 0;
			sum += atol(buf);
		}
	}
	closedir(d);
	return sum;
}

/* First offset where buf[0..len) (at file offset off) is not expected. */
static long first_bad(const unsigned char *buf, size_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != expected_byte(off + i))
			return (long)(off + i);
	return -1;
}

static void print_bad(const char *where, const unsigned char *buf,
		      size_t off, long bad, const char *measures)
{
	size_t i = (size_t)bad - off;

	printf("lost %ld %s: byte 0x%02x, want 0x%02x (%s)%s%s\n", bad, where,
	       buf[i], expected_byte((size_t)bad),
	       buf[i] == pattern_byte((size_t)bad) ?
	       "the old data: the write was overwritten" : "other data",
	       measures ? " " : "", measures ? measures : "");
}

static int check(const char *path)
{
	static unsigned char buf[FILE_SIZE + 1];
	ssize_t n;
	long bad;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		printf("setup open: %s\n", strerror(errno));
		return 1;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n != FILE_SIZE) {
		printf("lost size %zd, want %d\n", n, FILE_SIZE);
		return 1;
	}
	bad = first_bad(buf, 0, FILE_SIZE);
	if (bad >= 0) {
		print_bad("file", buf, 0, bad, NULL);
		return 1;
	}
	puts("ok");
	return 0;
}

/* The reader: faults page P in through a mapping, without readahead. */
static void reader(int fd, int report)
{
	volatile unsigned char *p;
	unsigned char c;

	p = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		_exit(3);
	/* no readahead around the fault: the READ comes from ->read_folio */
	if (madvise((void *)p, FILE_SIZE, MADV_RANDOM))
		_exit(4);
	c = p[RACE_PAGE * PAGE];
	/* the reply came before the kill: tell the parent */
	if (write(report, &c, 1) != 1)
		_exit(5);
	_exit(0);
}

static int race(const char *path, const char *devdir, long delay_ms)
{
	static unsigned char buf[PAGE], wbuf[WRITE_LEN];
	char measures[200];
	long t0, t_kill, dead_ms, t_w, write_ms, late_ms, flight, bad;
	int fd, pfd[2], status;
	bool overtook;
	ssize_t n;
	pid_t pid;
	char c;

	/*
	 * One open for both, before the reader: an open may drop the page
	 * cache (cache=auto), which would take page P out of the race.
	 */
	fd = open(path, O_RDWR);
	if (fd < 0 || pipe2(pfd, O_NONBLOCK)) {
		printf("setup open: %s\n", strerror(errno));
		return 1;
	}
	if (in_flight(devdir) != 0) {
		printf("setup %ld requests in flight before the reader\n",
		       in_flight(devdir));
		return 1;
	}
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		printf("setup fork: %s\n", strerror(errno));
		return 1;
	}
	if (!pid) {
		close(pfd[0]);
		reader(fd, pfd[1]);
	}
	close(pfd[1]);

	/* READ#1 is with the host once the device has a request in flight */
	while ((flight = in_flight(devdir)) == 0 &&
	       now_ms() - t0 < delay_ms / 2)
		usleep(5000);
	if (read(pfd[0], &c, 1) == 1 || flight <= 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("setup the READ was not with the host %ld ms after the fault (in flight %ld)\n",
		       now_ms() - t0, flight);
		return 1;
	}

	t_kill = now_ms();
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status)) {
		printf("setup the reader ended on its own (status %#x)\n",
		       status);
		return 1;
	}
	dead_ms = now_ms() - t_kill;
	/* the reader died while its READ was still with the host? */
	flight = in_flight(devdir);

	/* a partial write into P: the rest of P is read first */
	memset(wbuf, 'W', sizeof(wbuf));
	t_w = now_ms();
	n = pwrite(fd, wbuf, sizeof(wbuf), WRITE_OFF);
	write_ms = now_ms() - t_w;
	if (n != WRITE_LEN) {
		printf("setup pwrite: %zd %s\n", n, n < 0 ? strerror(errno) : "");
		return 1;
	}
	overtook = in_flight(devdir) > 0;

	/* the late reply to READ#1: due delay_ms after it came */
	while (in_flight(devdir) > 0 && now_ms() - t0 < delay_ms + 10000)
		usleep(10000);
	late_ms = now_ms() - t0;
	if (in_flight(devdir) > 0) {
		printf("setup no reply %ld ms after the fault (delay %ld ms)\n",
		       late_ms, delay_ms);
		return 1;
	}

	/* the page cache first, then the host's copy after fsync */
	if (pread(fd, buf, PAGE, RACE_PAGE * PAGE) != PAGE) {
		printf("setup pread: %s\n", strerror(errno));
		return 1;
	}
	bad = first_bad(buf, RACE_PAGE * PAGE, PAGE);
	if (fsync(fd)) {
		printf("lost fsync: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	snprintf(measures, sizeof(measures),
		 "dead_ms=%ld in_flight_at_death=%ld write_ms=%ld late_ms=%ld writer=%s",
		 dead_ms, flight, write_ms, late_ms,
		 overtook ? "overtook" : "waited");
	if (bad >= 0) {
		print_bad("cache", buf, RACE_PAGE * PAGE, bad, measures);
		return 1;
	}
	printf("ok %s\n", measures);
	return 0;
}

static void usage(void)
{
	fputs("usage: killread-helper pattern SIZE | race FILE DEVDIR MS | check FILE\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "pattern")) {
		long i, size = atol(argv[2]);

		for (i = 0; i < size; i++)
			putchar(pattern_byte((size_t)i));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "check"))
		return check(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "race")) {
		long ms = atol(argv[4]);

		if (ms < 1000 || ms > 60000)
			usage();
		return race(argv[2], argv[3], ms);
	}
	usage();
	return 2;
}
