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
 *   robust-helper uevents
 *       until killed, prints "ACTION DEVPATH TAG=..." for every kernel
 *       uevent whose DEVPATH contains "virtiofs_ng" (the guest kernel has
 *       no uevent helper, so listen on the netlink socket udev uses)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
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
	fputs("usage: robust-helper op OP PATH | killread PATH [MS] | killwrite PATH [MS] | uevents\n",
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
