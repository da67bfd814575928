// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-side workloads of tests/fuzz: system calls that make the driver
 * parse every kind of reply the fuzzing backend damages.  Under fuzzing
 * any call may fail or return nonsense: that is expected and only
 * counted.  What is tested is the kernel (no oops, no hang, a mount that
 * unmounts), so no step stops at an error, and nothing read back is
 * trusted (sizes are clamped before they are used).
 *
 *   fuzz-helper names DIR N     create, stat, rename, link, readdir, unlink
 *   fuzz-helper xattr DIR       set/get/list/remove xattrs, size queries
 *   fuzz-helper locks DIR       POSIX, OFD and flock locks, with conflicts
 *   fuzz-helper mmap DIR        shared and private mmap, msync, truncate
 *   fuzz-helper misc DIR        symlinks, lseek data/hole, statx, statfs,
 *                               fallocate, copy_file_range, O_DIRECT
 *   fuzz-helper watch DIR...    (run --notify) inotify on each DIR's tree
 *                               until SIGTERM, reading and stat()ing what
 *                               it reports (so host files are looked up
 *                               and cached), new directories watched as
 *                               they appear, the trees walked every 2 s
 *
 * Prints "fuzz-helper CMD: N calls, E errors" to stderr; exits 0, 2 for
 * wrong arguments, 3 when a directory listing never ended (the kernel
 * followed directory cookies that cycle).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static unsigned long calls, errors;
static sigjmp_buf fault_jmp;

/* Counts a call's outcome; returns it unchanged. */
static long chk(long ret)
{
	calls++;
	if (ret < 0)
		errors++;
	return ret;
}

/* A damaged size may make an mmap access fault: that is fine too. */
static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* Writes a byte in each page of p; -1 if that faulted. */
static int touch_write(unsigned char *p, size_t len, int v)
{
	volatile size_t i;

	if (sigsetjmp(fault_jmp, 1))
		return -1;
	for (i = 0; i < len; i += 4096)
		((volatile unsigned char *)p)[i] = (unsigned char)(i + (size_t)v);
	return 0;
}

/* Sums a byte of each page of p; -1 if that faulted. */
static long touch_read(const unsigned char *p, size_t len)
{
	volatile size_t i;
	volatile long sum = 0;

	if (sigsetjmp(fault_jmp, 1))
		return -1;
	for (i = 0; i < len; i += 4096)
		sum += ((const volatile unsigned char *)p)[i];
	return sum;
}

static void path(char *buf, size_t len, const char *dir, const char *fmt,
		 unsigned int i)
{
	char name[64];

	snprintf(name, sizeof(name), fmt, i);
	snprintf(buf, len, "%s/%s", dir, name);
}

/*
 * A listing of a directory of at most a few thousand names that has not
 * ended after this many entries never will: the host's cookies cycle and
 * the kernel follows them.  The helper then exits with EXIT_ENDLESS.
 */
#define LIST_BOUND	100000u
#define EXIT_ENDLESS	3
static bool endless;

/* Reads the directory to the end, stat()ing what it lists (bounded). */
static void list(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	unsigned int n = 0;

	chk(d ? 0 : -1);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (++n > LIST_BOUND) {
			fprintf(stderr, "fuzz-helper: listing %s did not end after %u entries\n",
				dir, LIST_BOUND);
			endless = true;
			break;
		}
		chk(fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW));
	}
	closedir(d);
}

static void do_names(const char *dir, unsigned int n)
{
	char a[512], b[512];
	unsigned int i;
	int fd;

	chk(mkdir(dir, 0755));
	for (i = 0; i < n; i++) {
		path(a, sizeof(a), dir, "file-with-a-longish-name-%05u", i);
		fd = (int)chk(open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644));
		if (fd >= 0) {
			chk(write(fd, a, i % 97));
			close(fd);
		}
	}
	list(dir);
	for (i = 0; i < n; i += 2) {
		path(a, sizeof(a), dir, "file-with-a-longish-name-%05u", i);
		path(b, sizeof(b), dir, "renamed-%05u", i);
		chk(rename(a, b));
	}
	for (i = 1; i < n; i += 5) {
		path(a, sizeof(a), dir, "file-with-a-longish-name-%05u", i);
		path(b, sizeof(b), dir, "hardlink-%05u", i);
		chk(link(a, b));
	}
	path(a, sizeof(a), dir, "subdir-%u", 0);
	chk(mkdir(a, 0755));
	path(b, sizeof(b), dir, "subdir-%u/inner", 0);
	chk(mkdir(b, 0755));
	path(b, sizeof(b), dir, "subdir-moved-%u", 0);
	chk(rename(a, b));
	list(dir);
	list(dir);
	for (i = 0; i < n; i += 3) {
		path(a, sizeof(a), dir, "renamed-%05u", i);
		chk(unlink(a));
		path(a, sizeof(a), dir, "file-with-a-longish-name-%05u", i);
		chk(unlink(a));
	}
	list(dir);
	list(dir);
}

static void do_xattr(const char *dir)
{
	char f[512], buf[4096], name[64];
	unsigned int i;
	int fd;

	snprintf(f, sizeof(f), "%s/xattr-file", dir);
	fd = (int)chk(open(f, O_CREAT | O_RDWR, 0644));
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "user.attr%u", i);
		memset(buf, 'a' + (int)(i % 26), sizeof(buf));
		chk(setxattr(f, name, buf, 1 + i * 50, 0));
		chk(getxattr(f, name, NULL, 0));
		chk(getxattr(f, name, buf, sizeof(buf)));
		chk(getxattr(f, name, buf, 3));
		chk(listxattr(f, NULL, 0));
		chk(listxattr(f, buf, sizeof(buf)));
		chk(listxattr(f, buf, 5));
		chk(lgetxattr(dir, "user.none", buf, sizeof(buf)));
	}
	chk(getxattr(f, "system.posix_acl_access", buf, sizeof(buf)));
	for (i = 0; i < 20; i += 2) {
		snprintf(name, sizeof(name), "user.attr%u", i);
		chk(removexattr(f, name));
	}
	chk(listxattr(f, buf, sizeof(buf)));
}

static void do_locks(const char *dir)
{
	struct flock fl = { .l_whence = SEEK_SET };
	char f[512];
	pid_t pid;
	int fd, i, st;

	snprintf(f, sizeof(f), "%s/lock-file", dir);
	fd = (int)chk(open(f, O_CREAT | O_RDWR, 0644));
	if (fd < 0)
		return;
	chk(ftruncate(fd, 65536));
	for (i = 0; i < 20; i++) {
		fl.l_type = i % 3 ? F_WRLCK : F_RDLCK;
		fl.l_start = i * 100;
		fl.l_len = 50 + i;
		chk(fcntl(fd, F_SETLK, &fl));
	}
	pid = fork();
	if (pid == 0) {
		int cfd = open(f, O_RDWR);

		for (i = 0; cfd >= 0 && i < 20; i++) {
			struct flock q = { .l_type = F_WRLCK,
					   .l_whence = SEEK_SET,
					   .l_start = i * 100, .l_len = 10 };

			fcntl(cfd, F_GETLK, &q);
			fcntl(cfd, F_SETLK, &q);
			q.l_type = F_RDLCK;
			fcntl(cfd, F_OFD_GETLK, &(struct flock){
				.l_type = F_WRLCK, .l_whence = SEEK_SET });
			flock(cfd, LOCK_EX | LOCK_NB);
			flock(cfd, LOCK_UN);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	fl.l_type = F_WRLCK;
	fl.l_start = 0;
	fl.l_len = 0;
	chk(fcntl(fd, F_GETLK, &fl));
	fl.l_type = F_UNLCK;
	fl.l_start = 0;
	fl.l_len = 0;
	chk(fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_WRLCK;
	fl.l_start = 10;
	fl.l_len = 10;
	fl.l_pid = 0;
	chk(fcntl(fd, F_OFD_SETLK, &fl));
	chk(fcntl(fd, F_OFD_GETLK, &fl));
	chk(flock(fd, LOCK_SH | LOCK_NB));
	chk(flock(fd, LOCK_UN));
	close(fd);
}

static void do_mmap(const char *dir)
{
	char f[512];
	unsigned char *p;
	struct stat st;
	size_t len = 256 * 1024;
	long sum = 0, r;
	int fd, round;

	snprintf(f, sizeof(f), "%s/mmap-file", dir);
	signal(SIGBUS, on_fault);
	signal(SIGSEGV, on_fault);
	for (round = 0; round < 4; round++) {
		fd = (int)chk(open(f, O_CREAT | O_RDWR, 0644));
		if (fd < 0)
			break;
		chk(ftruncate(fd, (off_t)len));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 round % 2 ? MAP_PRIVATE : MAP_SHARED, fd, 0);
		chk(p == MAP_FAILED ? -1 : 0);
		if (p != MAP_FAILED) {
			if (chk(touch_write(p, len, round)) == 0)
				chk(msync(p, len, MS_SYNC));
			munmap(p, len);
		}
		/* map what the host says the size is, clamped */
		if (chk(fstat(fd, &st)) == 0 && st.st_size > 0) {
			size_t l = st.st_size < (off_t)(4 << 20) ?
				   (size_t)st.st_size : 4 << 20;

			p = mmap(NULL, l, PROT_READ, MAP_SHARED, fd, 0);
			chk(p == MAP_FAILED ? -1 : 0);
			if (p != MAP_FAILED) {
				r = chk(touch_read(p, l));
				if (r > 0)
					sum += r;
				munmap(p, l);
			}
		}
		chk(ftruncate(fd, (off_t)(len / (size_t)(round + 2))));
		close(fd);
	}
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	fprintf(stderr, "fuzz-helper mmap: sum %ld\n", sum);
}

static void do_misc(const char *dir)
{
	char f[512], g[512], l[512], buf[8192];
	struct statfs sfs;
	struct statx sx;
	void *dbuf = NULL;
	int fd, gd, i;

	snprintf(f, sizeof(f), "%s/misc-file", dir);
	snprintf(g, sizeof(g), "%s/misc-copy", dir);
	snprintf(l, sizeof(l), "%s/misc-link", dir);
	chk(symlink("misc-file", l));
	chk(symlink("../../../../etc/passwd", g));
	chk(readlink(l, buf, sizeof(buf)));
	chk(readlink(g, buf, sizeof(buf)));
	chk(unlink(g));
	fd = (int)chk(open(f, O_CREAT | O_RDWR, 0644));
	if (fd < 0)
		return;
	memset(buf, 'm', sizeof(buf));
	for (i = 0; i < 16; i++)
		chk(pwrite(fd, buf, sizeof(buf), (off_t)i * 65536));
	chk(lseek(fd, 0, SEEK_DATA));
	chk(lseek(fd, 0, SEEK_HOLE));
	chk(lseek(fd, 70000, SEEK_DATA));
	chk(lseek(fd, 70000, SEEK_HOLE));
	chk(fallocate(fd, 0, 0, 1 << 20));
	chk(fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 4096,
		      8192));
	chk(statx(AT_FDCWD, f, 0, STATX_ALL, &sx));
	chk(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME,
		  &sx));
	chk(statx(AT_FDCWD, dir, AT_STATX_FORCE_SYNC, STATX_ALL, &sx));
	chk(statfs(dir, &sfs));
	chk(fsync(fd));
	chk(fdatasync(fd));
	gd = (int)chk(open(g, O_CREAT | O_RDWR | O_TRUNC, 0644));
	if (gd >= 0) {
		loff_t in = 0, out = 0;

		chk(copy_file_range(fd, &in, gd, &out, 1 << 20, 0));
		for (i = 0; i < 8; i++)
			chk(pread(gd, buf, sizeof(buf), (off_t)i * 100000));
		close(gd);
	}
	for (i = 0; i < 8; i++)
		chk(pread(fd, buf, sizeof(buf), (off_t)i * 131072 + 7));
	close(fd);
	fd = (int)chk(open(f, O_RDWR | O_DIRECT));
	if (fd >= 0 && !posix_memalign(&dbuf, 4096, 65536)) {
		chk(pread(fd, dbuf, 65536, 0));
		chk(pwrite(fd, dbuf, 65536, 65536));
		free(dbuf);
	}
	if (fd >= 0)
		close(fd);
	fd = (int)chk(open(f, O_RDWR | O_APPEND));
	if (fd >= 0) {
		chk(write(fd, buf, 100));
		close(fd);
	}
	chk(truncate(f, 12345));
	chk(chmod(f, 04755));
	chk(chown(f, 1000, 1000));
	chk(utimensat(AT_FDCWD, f, NULL, 0));
	chk(access(f, R_OK | W_OK));
	fd = (int)chk(open(dir, O_TMPFILE | O_RDWR, 0600));
	if (fd >= 0) {
		chk(write(fd, buf, 10));
		close(fd);
	}
}

/* ---- watch: the guest's watchers for run --notify ---------------------- */

#define WATCH_MAX	4096
#define WATCH_MASK	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | \
			 IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
			 IN_MOVE_SELF | IN_CLOSE_WRITE)

static volatile sig_atomic_t watch_stop;
static struct {
	int wd;
	char *path;
} watches[WATCH_MAX];
static unsigned long nwatch, nevents, nreads, noverflow;

static void on_term(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static const char *watch_path(int wd)
{
	for (unsigned long i = 0; i < nwatch; i++)
		if (watches[i].wd == wd)
			return watches[i].path;
	return NULL;
}

/* Watches dir and (depth permitting) every directory under it. */
static void watch_tree(int fd, const char *dir, int depth)
{
	char p[PATH_MAX];
	struct dirent *d;
	unsigned int n = 0;
	DIR *dh;
	int wd;

	if (watch_stop || depth > 8)
		return;
	wd = (int)chk(inotify_add_watch(fd, dir, WATCH_MASK));
	if (wd >= 0 && !watch_path(wd) && nwatch < WATCH_MAX) {
		watches[nwatch].wd = wd;
		watches[nwatch].path = strdup(dir);
		if (watches[nwatch].path)
			nwatch++;
	}
	dh = opendir(dir);
	if (!dh)
		return;
	/* a directory whose listing never ends is the names step's to find */
	while (!watch_stop && n++ < 10000 && (d = readdir(dh))) {
		struct stat st;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		if (chk(lstat(p, &st)) == 0 && S_ISDIR(st.st_mode))
			watch_tree(fd, p, depth + 1);
	}
	closedir(dh);
}

/* Reads (at most 64 KiB of) a regular file an event named. */
static void watch_read(const char *p)
{
	static char buf[65536];
	struct stat st;
	int fd;

	if (chk(lstat(p, &st)) < 0 || !S_ISREG(st.st_mode))
		return;
	fd = (int)chk(open(p, O_RDONLY | O_NONBLOCK));
	if (fd < 0)
		return;
	chk(read(fd, buf, sizeof(buf)));
	close(fd);
	nreads++;
}

static void do_watch(int ndirs, char **dirs)
{
	struct sigaction sa = { .sa_handler = on_term };
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd;
	time_t walked = 0;
	int fd, i;

	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: poll returns */
	fd = (int)chk(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
	if (fd < 0)
		return;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (!watch_stop) {
		ssize_t len;

		if (time(NULL) - walked >= 2) {
			for (i = 0; i < ndirs; i++)
				watch_tree(fd, dirs[i], 0);
			walked = time(NULL);
		}
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		len = read(fd, buf, sizeof(buf));
		for (char *q = buf; len > 0 && q < buf + len;) {
			const struct inotify_event *ev = (const void *)q;
			const char *dir = watch_path(ev->wd);
			char p[PATH_MAX];

			q += sizeof(*ev) + ev->len;
			nevents++;
			if (ev->mask & IN_Q_OVERFLOW)
				noverflow++;
			if (!dir || !ev->len)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, ev->name);
			if ((ev->mask & IN_ISDIR) &&
			    (ev->mask & (IN_CREATE | IN_MOVED_TO)))
				watch_tree(fd, p, 1);
			else if (ev->mask & (IN_CREATE | IN_MODIFY |
					     IN_MOVED_TO | IN_CLOSE_WRITE))
				watch_read(p);
			else if (ev->mask & IN_ATTRIB)
				chk(access(p, R_OK));
		}
	}
	close(fd);
	printf("fuzz-helper watch: %lu events (%lu overflows), %lu reads, %lu watches\n",
	       nevents, noverflow, nreads, nwatch);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (argc < 3) {
		fprintf(stderr, "usage: fuzz-helper names|xattr|locks|mmap|misc|watch DIR [N]\n");
		return 2;
	}
	if (!strcmp(cmd, "names"))
		do_names(argv[2], argc > 3 ? (unsigned int)atoi(argv[3]) : 300);
	else if (!strcmp(cmd, "xattr"))
		do_xattr(argv[2]);
	else if (!strcmp(cmd, "locks"))
		do_locks(argv[2]);
	else if (!strcmp(cmd, "mmap"))
		do_mmap(argv[2]);
	else if (!strcmp(cmd, "misc"))
		do_misc(argv[2]);
	else if (!strcmp(cmd, "watch"))
		do_watch(argc - 2, argv + 2);
	else
		return 2;
	fprintf(stderr, "fuzz-helper %s: %lu calls, %lu errors\n", cmd, calls,
		errors);
	return endless ? EXIT_ENDLESS : 0;
}
