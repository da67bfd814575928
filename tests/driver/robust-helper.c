// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-side helper of tests/driver/robust.  Busybox applets only print
 * an error text, and the tests need the exact errno and the time a killed
 * process takes to die, so the few operations the tests judge live here.
 *
 *   robust-helper op stat|read|write|create|readdir|mkdir|rmdir|statfs PATH
 *       does one operation and prints "OK" or the errno name (EIO, ...)
 *   robust-helper killread PATH [WAIT_MS]
 *       forks a reader of PATH, waits WAIT_MS (default 2000), SIGKILLs it
 *       and prints "blocked dead_ms=N" / "notblocked rc=..." /
 *       "undead after_ms=N" (the reader survived 10 s after SIGKILL)
 *   robust-helper killwrite PATH [WAIT_MS]
 *       the same with a writer of PATH
 *   robust-helper aiomix DIR SECS
 *       for SECS seconds, O_DIRECT reads of DIR/aio-src by io_submit into a
 *       MAP_SHARED mapping of DIR/aio-buf while another process writes
 *       into DIR/aio-buf; prints "ok ROUNDS" or the errno name.  A read's
 *       completion dirties pages a writer holds locked: it must not stall
 *       the queue that also completes the writer's WRITE.
 *   robust-helper uevents
 *       until killed, prints "ACTION DEVPATH TAG=..." for every kernel
 *       uevent whose DEVPATH contains "virtiofs_ng" (the guest kernel has
 *       no uevent helper, so listen on the netlink socket udev uses)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/aio_abi.h>
#include <linux/netlink.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ EIO, "EIO" }, { ENOTCONN, "ENOTCONN" }, { ENOENT, "ENOENT" },
	{ ESTALE, "ESTALE" }, { EINVAL, "EINVAL" }, { EPROTO, "EPROTO" },
	{ EINTR, "EINTR" }, { ENOMEM, "ENOMEM" }, { EBADF, "EBADF" },
	{ EACCES, "EACCES" }, { EPERM, "EPERM" }, { EEXIST, "EEXIST" },
	{ ENOSYS, "ENOSYS" }, { EAGAIN, "EAGAIN" }, { ENODEV, "ENODEV" },
	{ ENXIO, "ENXIO" }, { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
	{ ERANGE, "ERANGE" }, { EOVERFLOW, "EOVERFLOW" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { EFAULT, "EFAULT" },
	{ ECONNABORTED, "ECONNABORTED" }, { ESHUTDOWN, "ESHUTDOWN" },
	{ EBUSY, "EBUSY" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { ENOTEMPTY, "ENOTEMPTY" },
};

static void print_err(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++) {
		if (errnames[i].err == err) {
			puts(errnames[i].name);
			return;
		}
	}
	printf("E%d\n", err);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Returns 0 or an errno value. */
static int do_read(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno;
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n > 0);
	if (n < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	return close(fd) ? errno : 0;
}

static int do_write(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return errno;
	memset(buf, 'w', sizeof(buf));
	n = write(fd, buf, sizeof(buf));
	if (n < 0 || fsync(fd)) {
		int err = errno;

		close(fd);
		return err;
	}
	if (n != (ssize_t)sizeof(buf)) {
		close(fd);
		return EIO;
	}
	return close(fd) ? errno : 0;
}

static int do_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0)
		return errno;
	return close(fd) ? errno : 0;
}

static int do_readdir(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return errno;
	errno = 0;
	do {
		de = readdir(d);
	} while (de);
	if (errno) {
		int err = errno;

		closedir(d);
		return err;
	}
	return closedir(d) ? errno : 0;
}

static int do_op(const char *op, const char *path)
{
	struct stat st;
	struct statfs sfs;

	if (!strcmp(op, "stat"))
		return stat(path, &st) ? errno : 0;
	if (!strcmp(op, "read"))
		return do_read(path);
	if (!strcmp(op, "write"))
		return do_write(path);
	if (!strcmp(op, "create"))
		return do_create(path);
	if (!strcmp(op, "readdir"))
		return do_readdir(path);
	if (!strcmp(op, "mkdir"))
		return mkdir(path, 0755) ? errno : 0;
	if (!strcmp(op, "rmdir"))
		return rmdir(path) ? errno : 0;
	if (!strcmp(op, "statfs"))
		return statfs(path, &sfs) ? errno : 0;
	fprintf(stderr, "robust-helper: unknown op '%s'\n", op);
	exit(2);
}

/* Prints where a task that survived SIGKILL sleeps (for the report). */
static void show_stack(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		fprintf(stderr, "robust-helper: stack of %d:\n%s", (int)pid, buf);
	}
}

static int kill_test(const char *op, const char *path, long wait_ms)
{
	long t0, deadline;
	int status;
	pid_t pid, r;

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (!pid)
		_exit(do_op(op, path));
	deadline = now_ms() + wait_ms;
	while (now_ms() < deadline) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			printf("notblocked rc=%d\n", WIFEXITED(status) ?
			       WEXITSTATUS(status) : -1);
			return 0;
		}
		usleep(20000);
	}
	t0 = now_ms();
	kill(pid, SIGKILL);
	while (now_ms() - t0 < 10000) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			printf("blocked dead_ms=%ld\n", now_ms() - t0);
			return 0;
		}
		usleep(10000);
	}
	printf("undead after_ms=%ld\n", now_ms() - t0);
	show_stack(pid);
	return 0;
}

#define AIO_CHUNK	(64 * 1024)
#define AIO_NR		16
#define AIO_SIZE	(AIO_CHUNK * AIO_NR)

static int make_file(const char *dir, const char *name, int flags)
{
	static char buf[AIO_SIZE];
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	memset(buf, name[4], sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || fsync(fd)) {
		close(fd);
		return -1;
	}
	close(fd);
	return open(path, O_RDWR | flags);
}

static int aiomix(const char *dir, long secs)
{
	struct iocb cbs[AIO_NR], *cbp[AIO_NR];
	struct io_event ev[AIO_NR];
	aio_context_t ctx = 0;
	long rounds = 0, deadline = now_ms() + secs * 1000;
	int src, buf_fd, i, err = 0, status;
	char *buf;
	pid_t writer;
	cpu_set_t cpus;

	/*
	 * One CPU for both: requests of one CPU share a request queue, and
	 * so do their completions.
	 */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		return errno;
	src = make_file(dir, "aio-src", O_DIRECT);
	buf_fd = make_file(dir, "aio-buf", 0);
	if (src < 0 || buf_fd < 0)
		return errno;
	buf = mmap(NULL, AIO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   buf_fd, 0);
	if (buf == MAP_FAILED)
		return errno;
	if (syscall(SYS_io_setup, AIO_NR, &ctx))
		return errno;
	writer = fork();
	if (writer < 0)
		return errno;
	if (!writer) {
		char page[4096];
		unsigned int n = 0;

		memset(page, 'x', sizeof(page));
		while (now_ms() < deadline)
			if (pwrite(buf_fd, page, sizeof(page),
				   (off_t)(n++ % (AIO_SIZE / 4096)) * 4096) < 0)
				_exit(1);
		_exit(0);
	}
	while (!err && now_ms() < deadline) {
		for (i = 0; i < AIO_NR; i++) {
			memset(&cbs[i], 0, sizeof(cbs[i]));
			cbs[i].aio_fildes = src;
			cbs[i].aio_lio_opcode = IOCB_CMD_PREAD;
			cbs[i].aio_buf = (unsigned long)(buf + i * AIO_CHUNK);
			cbs[i].aio_nbytes = AIO_CHUNK;
			cbs[i].aio_offset = (long long)i * AIO_CHUNK;
			cbp[i] = &cbs[i];
		}
		if (syscall(SYS_io_submit, ctx, AIO_NR, cbp) != AIO_NR) {
			err = errno ? errno : EIO;
			break;
		}
		for (i = 0; i < AIO_NR;) {
			long j, n = syscall(SYS_io_getevents, ctx, 1,
					    AIO_NR - i, ev, NULL);

			if (n < 0) {
				err = errno;
				break;
			}
			for (j = 0; j < n; j++)
				if (ev[j].res != AIO_CHUNK)
					err = ev[j].res < 0 ? -ev[j].res : EIO;
			i += n;
		}
		rounds++;
	}
	if (waitpid(writer, &status, 0) != writer || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		err = err ? err : EIO;
	syscall(SYS_io_destroy, ctx);
	if (!err)
		printf("ok %ld\n", rounds);
	return err;
}

static int uevents(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,	/* the kernel's own multicast group */
	};
	static char buf[8192];
	int fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("uevent socket");
		return 1;
	}
	puts("listening");
	for (;;) {
		const char *action = "", *devpath = "", *tag = "";
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		size_t off;

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			perror("recv");
			return 1;
		}
		buf[n] = 0;
		/* "action@devpath\0KEY=VALUE\0..." */
		for (off = strlen(buf) + 1; off < (size_t)n;
		     off += strlen(buf + off) + 1) {
			const char *kv = buf + off;

			if (!strncmp(kv, "ACTION=", 7))
				action = kv + 7;
			else if (!strncmp(kv, "DEVPATH=", 8))
				devpath = kv + 8;
			else if (!strncmp(kv, "TAG=", 4))
				tag = kv + 4;
		}
		if (strstr(devpath, "virtiofs_ng"))
			printf("%s %s TAG=%s\n", action, devpath, tag);
	}
}

static void usage(void)
{
	fputs("usage: robust-helper op OP PATH | killread PATH [MS] | killwrite PATH [MS] | aiomix DIR SECS | uevents\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	long ms = 2000;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "uevents"))
		return uevents();
	if (argc == 4 && !strcmp(argv[1], "aiomix")) {
		err = aiomix(argv[2], atol(argv[3]));
		if (err)
			print_err(err);
		return 0;
	}
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "op")) {
		if (argc != 4)
			usage();
		err = do_op(argv[2], argv[3]);
		if (err)
			print_err(err);
		else
			puts("OK");
		return 0;
	}
	if (argc > 3) {
		char *end;

		ms = strtol(argv[3], &end, 10);
		if (*end || ms < 0 || ms > 600000)
			usage();
	}
	if (!strcmp(argv[1], "killread"))
		return kill_test("read", argv[2], ms);
	if (!strcmp(argv[1], "killwrite"))
		return kill_test("write", argv[2], ms);
	usage();
	return 2;
}
