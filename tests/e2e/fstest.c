// SPDX-License-Identifier: GPL-2.0
/*
 * fstest: runs the filesystem tests against a mount point and prints one
 * "PASS name" / "FAIL name: why" / "SKIP name: why" line per test.
 *
 *   fstest [-k PREFIX[,PREFIX...]] [-l] [-T SEC] [-x NAME=WHY]... MNT
 *   fstest --make host|guest DIR      write the interop artifacts
 *   fstest --verify host|guest DIR    check artifacts the other side wrote
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fstest.h"

const char *g_mnt;
/* Shared with every test process: the reason of the last FAIL or SKIP. */
static char *g_msg;
#define MSG_SIZE 4096

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	size_t n = 0;

	if (prefix)
		n = snprintf(g_msg, MSG_SIZE, "%s", prefix);
	vsnprintf(g_msg + n, MSG_SIZE - n, fmt, ap);
}

void fail_at(const char *file, int line, const char *fmt, ...)
{
	char where[64];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vmsg(where, fmt, ap);
	va_end(ap);
	_exit(1);
}

void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	_exit(2);
}

const char *fstest_last_msg(void)
{
	return g_msg;
}

const char *errname(int e)
{
	const char *s = e ? strerrorname_np(e) : "0";

	return s ? s : "E?";
}

int in_child(void (*fn)(void *), void *arg)
{
	int st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		FAIL("waitpid: %s", strerror(errno));
	return st;
}

void child_result(int st, const char *what)
{
	char why[MSG_SIZE];

	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (WIFSIGNALED(st))
		FAIL("%s: killed by signal %d", what, WTERMSIG(st));
	snprintf(why, sizeof(why), "%s", g_msg);
	FAIL("%s: %s", what, why);
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

/* Removes a tree; returns 0 or -1 with errno set. */
static int rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	/* Tests may leave read-only directories behind. */
	if (S_ISDIR(st.st_mode))
		chmod(path, 0755);
	return nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS);
}

static const struct fstest *const tables[] = {
	ns_tests, data_tests, meta_tests, dir_tests, io_tests, lock_tests,
	err_tests,
};

static int selected(const char *name, const char *filter)
{
	const char *p = filter;
	size_t n;

	if (!filter)
		return 1;
	while (*p) {
		n = strcspn(p, ",");
		if (n && !strncmp(name, p, n))
			return 1;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

/* Counts per outcome, for the summary on stderr. */
static int npass, nfail, nskip;

static void result(const char *what, const char *name, const char *why)
{
	if (why && *why)
		printf("%s %s: %s\n", what, name, why);
	else
		printf("%s %s\n", what, name);
	fflush(stdout);
	if (!strcmp(what, "PASS"))
		npass++;
	else if (!strcmp(what, "FAIL"))
		nfail++;
	else
		nskip++;
}

/* Known failures (-x NAME=REASON): reported as SKIP with the reason. */
#define MAX_KNOWN 32
static struct {
	const char *name;
	const char *why;
} known[MAX_KNOWN];
static int nknown;

static const char *known_issue(const char *name)
{
	for (int i = 0; i < nknown; i++)
		if (!strcmp(known[i].name, name))
			return known[i].why;
	return NULL;
}

static void fail_result(const char *name, const char *why)
{
	const char *k = known_issue(name);
	char buf[MSG_SIZE + 1024];

	if (!k) {
		result("FAIL", name, why);
		return;
	}
	snprintf(buf, sizeof(buf), "known issue: %s (fails with: %s)", k, why);
	result("SKIP", name, buf);
}

static void run_test(const struct fstest *t, unsigned int timeout)
{
	char dir[PATH_MAX], why[MSG_SIZE + 128];
	struct timespec t0, t1;
	pid_t pid;
	int st;

	snprintf(dir, sizeof(dir), "%s/%s", g_mnt, t->name);
	if (rm_rf(dir) < 0 || mkdir(dir, 0755) < 0) {
		snprintf(why, sizeof(why), "cannot prepare %s: %s", dir,
			 strerror(errno));
		result("FAIL", t->name, why);
		return;
	}
	g_msg[0] = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		result("FAIL", t->name, "fork failed");
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		umask(022);
		alarm(timeout);
		if (chdir(dir) < 0)
			FAIL("chdir %s: %s", dir, strerror(errno));
		t->fn();
		_exit(0);
	}
	setpgid(pid, pid);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* Stray grandchildren of a failed test must not outlive it. */
	kill(-pid, SIGKILL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "fstest: %s took %.1f s\n", t->name,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	if (WIFSIGNALED(st)) {
		snprintf(why, sizeof(why), "%s%s",
			 WTERMSIG(st) == SIGALRM ? "timed out: " : "killed by ",
			 WTERMSIG(st) == SIGALRM ? g_msg : strsignal(WTERMSIG(st)));
		fail_result(t->name, why);
	} else if (WEXITSTATUS(st) == 1) {
		fail_result(t->name, g_msg);
	} else if (WEXITSTATUS(st) == 2) {
		result("SKIP", t->name, g_msg);
	} else if (WEXITSTATUS(st) != 0) {
		snprintf(why, sizeof(why), "exited with %d", WEXITSTATUS(st));
		fail_result(t->name, why);
	} else if (rm_rf(dir) < 0) {
		snprintf(why, sizeof(why), "cleanup of %s: %s", dir,
			 strerror(errno));
		fail_result(t->name, why);
	} else {
		result("PASS", t->name, NULL);
	}
	rm_rf(dir);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fstest [-k PREFIX[,PREFIX...]] [-l] [-T SEC] [-x NAME=WHY]... MNT\n"
		"       fstest --make host|guest DIR\n"
		"       fstest --verify host|guest DIR\n"
		"Runs POSIX filesystem tests in subdirectories of MNT and prints\n"
		"PASS|FAIL|SKIP lines.  -k runs only tests whose names start\n"
		"with a PREFIX, -l lists the tests, -T sets the per-test timeout,\n"
		"-x reports a known failure of test NAME as SKIP with reason WHY.\n");
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	unsigned int timeout = 120;
	int list = 0, opt;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g_msg = mmap(NULL, MSG_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_msg == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	if (argc == 4 && !strcmp(argv[1], "--make"))
		return interop_make(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "--verify"))
		return interop_verify(argv[2], argv[3]);

	while ((opt = getopt(argc, argv, "k:lT:x:h")) != -1) {
		switch (opt) {
		case 'k':
			filter = optarg;
			break;
		case 'l':
			list = 1;
			break;
		case 'x': {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || nknown == MAX_KNOWN) {
				fprintf(stderr, "fstest: bad -x %s\n", optarg);
				return 2;
			}
			*eq = 0;
			known[nknown].name = optarg;
			known[nknown++].why = eq + 1;
			break;
		}
		case 'T':
			timeout = strtoul(optarg, NULL, 10);
			if (!timeout || timeout > 3600) {
				fprintf(stderr, "fstest: bad -T %s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (list) {
		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			for (const struct fstest *t = tables[i]; t->name; t++)
				if (selected(t->name, filter))
					printf("%s\n", t->name);
		return 0;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	g_mnt = argv[optind];
	if (g_mnt[0] != '/') {
		fprintf(stderr, "fstest: MNT must be an absolute path\n");
		return 2;
	}
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		for (const struct fstest *t = tables[i]; t->name; t++)
			if (selected(t->name, filter))
				run_test(t, timeout);
	fprintf(stderr, "fstest: %d passed, %d failed, %d skipped\n",
		npass, nfail, nskip);
	return nfail ? 1 : 0;
}
