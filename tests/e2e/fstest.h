/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fstest: POSIX filesystem tests run inside the guest against a virtio-fs
 * mount.  Every test runs in a child process of its own, chdir'ed into a
 * fresh subdirectory of the mount, so a crash, a hang or a failed check ends
 * only that test.  A check that fails ends the test at once with FAIL.
 */
#ifndef FSTEST_H
#define FSTEST_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct fstest {
	const char *name;
	void (*fn)(void);
};

/* One table per file, ended by { NULL, NULL }. */
extern const struct fstest ns_tests[], data_tests[], meta_tests[],
	dir_tests[], io_tests[], lock_tests[], err_tests[];

/* The mount under test (absolute); tests run with their own dir as cwd. */
extern const char *g_mnt;

void fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
void skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define FAIL(...) fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* Fails the test when a call returns a negative value; yields the value. */
#define CHK(x) ({							\
	__typeof__(x) _r = (x);						\
	if (_r < 0)							\
		FAIL("%s: %s", #x, strerror(errno));			\
	_r;								\
})

#define EXPECT(cond, ...) do {						\
	if (!(cond))							\
		FAIL(__VA_ARGS__);					\
} while (0)

/* The call must fail with -1 and exactly errno e. */
#define EXPECT_ERR(x, e) do {						\
	errno = 0;							\
	long _r = (long)(x);						\
	int _e = errno;							\
	if (_r != -1 || _e != (e))					\
		FAIL("%s: expected %s, got %ld (%s)", #x,		\
		     errname(e), _r, _r == -1 ? errname(_e) : "no error"); \
} while (0)

const char *errname(int e);

/* Deterministic data: the byte at file offset off of stream seed. */
void pattern_fill(void *buf, size_t len, uint64_t off, uint64_t seed);
/* Returns -1 when buf matches, else the index of the first bad byte. */
long pattern_check(const void *buf, size_t len, uint64_t off, uint64_t seed);
long zero_check(const void *buf, size_t len);
uint64_t checksum(const void *buf, size_t len, uint64_t h);

void write_all(int fd, const void *buf, size_t len, off_t off);
void read_all(int fd, void *buf, size_t len, off_t off);
/* Writes len bytes of pattern seed at off through fd, in chunks. */
void write_pattern(int fd, off_t off, size_t len, uint64_t seed);
/* Reads back and checks; fails the test naming the first bad offset. */
void check_pattern(int fd, off_t off, size_t len, uint64_t seed);
void check_zeros(int fd, off_t off, size_t len);
/* Creates (or truncates) name holding len bytes of pattern seed. */
void make_file(const char *name, size_t len, uint64_t seed);
off_t file_size(const char *name);
void *xmalloc(size_t n);

/*
 * Runs fn in a forked child and returns its exit status (0 when the child
 * passed; a failed check in the child exits 1 and keeps its message, which
 * the parent's FAIL then carries).
 */
int in_child(void (*fn)(void *), void *arg);
void child_result(int status, const char *what);

/* Host <-> guest interoperability artifacts (interop.c). */
const char *fstest_last_msg(void);
int interop_make(const char *side, const char *dir);
int interop_verify(const char *side, const char *dir);

#endif
