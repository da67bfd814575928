// SPDX-License-Identifier: GPL-2.0
/* POSIX (fcntl) and BSD (flock) locks between a parent and a forked child. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fstest.h"

static pid_t parent_pid;

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET, .l_start = start,
		.l_len = len,
	};

	return fcntl(fd, cmd, &fl);
}

/* Child side: a write lock on [50,60) conflicts and F_GETLK names the
 * parent; [200,210) is free. */
static void child_conflict(void *arg)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50,
		.l_len = 10,
	};
	int fd = CHK(open("f", O_RDWR));

	(void)arg;
	errno = 0;
	EXPECT(setlk(fd, F_SETLK, F_WRLCK, 50, 10) == -1 &&
	       (errno == EAGAIN || errno == EACCES),
	       "conflicting F_SETLK: %s, want EAGAIN",
	       errname(errno));
	EXPECT(errno == EAGAIN, "conflicting F_SETLK gave %s (POSIX allows, "
	       "Linux returns EAGAIN)", errname(errno));
	/* a read lock conflicts with the parent's write lock too */
	EXPECT_ERR(setlk(fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	CHK(fcntl(fd, F_GETLK, &fl));
	EXPECT(fl.l_type == F_WRLCK, "F_GETLK l_type %d, want F_WRLCK",
	       fl.l_type);
	EXPECT(fl.l_pid == parent_pid, "F_GETLK l_pid %d, want %d", fl.l_pid,
	       parent_pid);
	EXPECT(fl.l_start == 0 && fl.l_len == 100,
	       "F_GETLK range %lld+%lld, want 0+100", (long long)fl.l_start,
	       (long long)fl.l_len);
	CHK(setlk(fd, F_SETLK, F_WRLCK, 200, 10));
	CHK(close(fd));
}

static void child_can_lock(void *arg)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0,
		.l_len = 0,
	};
	int fd = CHK(open("f", O_RDWR));

	(void)arg;
	CHK(fcntl(fd, F_GETLK, &fl));
	EXPECT(fl.l_type == F_UNLCK, "F_GETLK: still locked by %d", fl.l_pid);
	CHK(setlk(fd, F_SETLK, F_WRLCK, 0, 0));
	CHK(close(fd));
}

static void child_read_shares(void *arg)
{
	int fd = CHK(open("f", O_RDONLY));

	(void)arg;
	CHK(setlk(fd, F_SETLK, F_RDLCK, 0, 100));
	/* a write lock needs a descriptor open for writing */
	EXPECT_ERR(setlk(fd, F_SETLK, F_WRLCK, 0, 1), EBADF);
	int wfd = CHK(open("f", O_RDWR));

	EXPECT_ERR(setlk(wfd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	CHK(close(wfd));
	CHK(close(fd));
}

static void t_fcntl(void)
{
	int fd, st;

	parent_pid = getpid();
	make_file("f", 1000, 1);
	fd = CHK(open("f", O_RDWR));
	CHK(setlk(fd, F_SETLK, F_WRLCK, 0, 100));
	/* a process never conflicts with itself */
	CHK(setlk(fd, F_SETLK, F_WRLCK, 50, 10));
	CHK(setlk(fd, F_SETLK, F_WRLCK, 0, 100));
	st = in_child(child_conflict, NULL);
	child_result(st, "child");
	CHK(setlk(fd, F_SETLK, F_UNLCK, 0, 100));
	child_result(in_child(child_can_lock, NULL), "child after unlock");
	/* read locks share */
	CHK(setlk(fd, F_SETLK, F_RDLCK, 0, 100));
	child_result(in_child(child_read_shares, NULL), "child read lock");
	CHK(close(fd));
}

/* Closing any descriptor of the file drops all of the process's POSIX
 * locks on it; closing the last one surely does. */
static void t_fcntl_close(void)
{
	int fd, other, st;

	parent_pid = getpid();
	make_file("f", 1000, 1);
	fd = CHK(open("f", O_RDWR));
	other = CHK(open("f", O_RDONLY));
	CHK(setlk(fd, F_SETLK, F_WRLCK, 0, 100));
	st = in_child(child_conflict, NULL);
	child_result(st, "child while locked");
	CHK(close(other));
	child_result(in_child(child_can_lock, NULL),
		     "child after closing another fd");
	CHK(setlk(fd, F_SETLK, F_WRLCK, 0, 100));
	CHK(close(fd));
	child_result(in_child(child_can_lock, NULL), "child after close");
}

/* The blocking F_SETLKW waits for the holder. */
static void t_fcntl_wait(void)
{
	int fd, p[2], st;
	pid_t pid;
	char c;

	make_file("f", 10, 1);
	fd = CHK(open("f", O_RDWR));
	CHK(setlk(fd, F_SETLK, F_WRLCK, 0, 0));
	CHK(pipe(p));
	pid = CHK(fork());
	if (pid == 0) {
		int cfd = CHK(open("f", O_RDWR));

		CHK(write(p[1], "r", 1));
		/* blocks until the parent unlocks */
		CHK(setlk(cfd, F_SETLKW, F_WRLCK, 0, 0));
		CHK(write(p[1], "l", 1));
		_exit(0);
	}
	CHK(read(p[0], &c, 1));
	usleep(300000);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	/* the child still waits: its lock is not granted */
	CHK(fcntl(fd, F_GETLK, &fl));
	EXPECT(fl.l_type == F_UNLCK, "own lock reported as a conflict");
	CHK(setlk(fd, F_SETLK, F_UNLCK, 0, 0));
	/* a waiter that is never woken must fail the test, not hang it */
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };

	if (CHK(poll(&pfd, 1, 15000)) == 0) {
		kill(pid, SIGKILL);
		FAIL("F_SETLKW still blocked 15 s after the holder unlocked");
	}
	CHK(read(p[0], &c, 1));
	EXPECT(c == 'l', "child did not get the lock");
	CHK(waitpid(pid, &st, 0));
	child_result(st, "waiting child");
	CHK(close(fd));
}

static void child_flock_busy(void *arg)
{
	int fd = CHK(open("f", O_RDONLY));

	(void)arg;
	EXPECT_ERR(flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	if (*(int *)arg)
		EXPECT_ERR(flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	else
		CHK(flock(fd, LOCK_SH | LOCK_NB));
	CHK(close(fd));
}

static void child_flock_free(void *arg)
{
	int fd = CHK(open("f", O_RDONLY));

	(void)arg;
	CHK(flock(fd, LOCK_EX | LOCK_NB));
	CHK(close(fd));
}

static void t_flock(void)
{
	int fd, dup_fd, excl = 1, shared = 0;

	make_file("f", 10, 1);
	fd = CHK(open("f", O_RDWR));
	CHK(flock(fd, LOCK_EX | LOCK_NB));
	child_result(in_child(child_flock_busy, &excl), "child vs LOCK_EX");
	/* downgrade to shared: other readers may share it */
	CHK(flock(fd, LOCK_SH | LOCK_NB));
	child_result(in_child(child_flock_busy, &shared), "child vs LOCK_SH");
	CHK(flock(fd, LOCK_UN));
	child_result(in_child(child_flock_free, NULL), "child after LOCK_UN");
	/* the lock belongs to the open file: it survives closing a dup and
	 * goes with the last descriptor */
	CHK(flock(fd, LOCK_EX));
	dup_fd = CHK(dup(fd));
	CHK(close(dup_fd));
	child_result(in_child(child_flock_busy, &excl), "child after dup close");
	CHK(close(fd));
	child_result(in_child(child_flock_free, NULL), "child after close");
}

const struct fstest lock_tests[] = {
	{ "lock.fcntl_conflict", t_fcntl },
	{ "lock.fcntl_release_on_close", t_fcntl_close },
	{ "lock.fcntl_setlkw", t_fcntl_wait },
	{ "lock.flock", t_flock },
	{ NULL, NULL }
};
