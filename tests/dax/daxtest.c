// SPDX-License-Identifier: GPL-2.0
/*
 * daxtest: the DAX window tests.  One static binary for both sides:
 *
 *   daxtest host-make DIR      host: create the files the guest checks
 *   daxtest host-live DIR      host: change shared.dat in place (the guest
 *                              asked for it by creating live.req)
 *   daxtest host-verify DIR    host: check what the guest wrote
 *   daxtest guest [-t SECS] [-k TEST:WHY] [-u virtioN] DIR [TEST..]
 *                              guest: run the tests (all by default); a
 *                              failure of TEST is a known gap of the
 *                              client, reported as SKIP with WHY; -u names
 *                              the device the unplug test unbinds
 *
 * Prints "PASS|FAIL|SKIP dax.NAME[: why]" lines.  Every byte is checked
 * against a pattern computed from (seed, file offset), so a block that
 * comes from the wrong file, the wrong offset or a stale copy is caught.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define BLK 4096u

/* file sizes: deliberately not multiples of the page or of 2 MiB */
#define HOST_SIZE	(5 * MiB + 123)
#define GUEST_SIZE	(3 * MiB + 77)
#define SHARED_SIZE	(4 * MiB)
#define BIG_SIZE	(32 * MiB)
#define NBIG		8	/* 256 MiB: four times the default window */
#define NBIG_RO		4	/* big0..3 read only, big4..7 rewritten */

#define SEED_HOST	1
#define SEED_GUEST	2
#define SEED_SHARED	3
#define SEED_PARENT	4
#define SEED_CHILD	5
#define SEED_LIVE	6
#define SEED_TRUNC	7
#define SEED_KILLPRIV	8
#define SEED_BIG	100
#define SEED_FINAL	200

/* ranges of shared.dat the coherence test rewrites */
#define OFF_PARENT	(1 * MiB)
#define OFF_CHILD	(2 * MiB)
#define OFF_LIVE	(3 * MiB)
#define LEN_COH		(64 * KiB)

static int failures;
static const char *dir;
/* -u virtioN: the device the unplug test unbinds */
static const char *unplug_dev;
/* -k NAME:WHY: a test whose failure is a known gap of the client under test */
static const char *known_name = "", *known_why = "";

static void result(const char *what, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!strcmp(what, "FAIL") && !strcmp(name, known_name)) {
		printf("SKIP dax.%s: known gap of this client: %s; failed with: ",
		       name, known_why);
		va_start(ap, fmt);
		vprintf(fmt ? fmt : "-", ap);
		va_end(ap);
		putchar('\n');
		fflush(stdout);
		return;
	}
	if (!strcmp(what, "FAIL"))
		failures++;
	printf("%s dax.%s", what, name);
	if (fmt) {
		fputs(": ", stdout);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
}

/* ---- pattern ---- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint8_t pat_byte(uint64_t seed, uint64_t off)
{
	return (uint8_t)(mix(seed * 0x100000001b3ull ^ (off >> 3)) >>
			 ((off & 7) * 8));
}

static void pat_fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
	size_t i = 0;

	while (i < len && ((off + i) & 7))
		buf[i] = pat_byte(seed, off + i), i++;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = mix(seed * 0x100000001b3ull ^ ((off + i) >> 3));

		memcpy(buf + i, &w, 8);
	}
	for (; i < len; i++)
		buf[i] = pat_byte(seed, off + i);
}

/* Offset of the first wrong byte, or -1. */
static long long pat_check(const uint8_t *buf, size_t len, uint64_t seed,
			   uint64_t off)
{
	uint8_t tmp[BLK];

	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);

		pat_fill(tmp, n, seed, off + done);
		if (memcmp(tmp, buf + done, n)) {
			for (size_t i = 0; i < n; i++)
				if (tmp[i] != buf[done + i])
					return (long long)(off + done + i);
		}
		done += n;
	}
	return -1;
}

static char *path(const char *name)
{
	static char buf[4][512];
	static int next;
	char *p = buf[next++ & 3];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static bool write_pattern(const char *name, uint64_t size, uint64_t seed)
{
	static uint8_t buf[MiB];
	int fd = open(path(name), O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0)
		return false;
	for (uint64_t off = 0; off < size; off += sizeof(buf)) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		pat_fill(buf, n, seed, off);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
			close(fd);
			return false;
		}
	}
	return close(fd) == 0;
}

/* -1 ok, else the bad offset; -2 on an I/O error (errno set) */
static long long check_range(int fd, uint64_t off, uint64_t len, uint64_t seed)
{
	static uint8_t buf[MiB];

	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t r = pread(fd, buf, n, (off_t)(off + done));
		long long bad;

		if (r != (ssize_t)n) {
			if (r >= 0)
				errno = EIO;
			return -2;
		}
		bad = pat_check(buf, n, seed, off + done);
		if (bad >= 0)
			return bad;
		done += n;
	}
	return -1;
}

/* ---- host side ---- */

static int host_make(void)
{
	char name[32];
	bool ok = write_pattern("host.dat", HOST_SIZE, SEED_HOST) &&
		  write_pattern("shared.dat", SHARED_SIZE, SEED_SHARED);

	for (int i = 0; ok && i < NBIG; i++) {
		snprintf(name, sizeof(name), "big%d", i);
		ok = write_pattern(name, BIG_SIZE, SEED_BIG + i);
	}
	if (!ok) {
		fprintf(stderr, "daxtest host-make: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* In place, same size: a mapped file must never shrink under QEMU. */
static int host_live(void)
{
	uint8_t buf[LEN_COH];
	int fd = open(path("shared.dat"), O_WRONLY);

	pat_fill(buf, sizeof(buf), SEED_LIVE, OFF_LIVE);
	if (fd < 0 || pwrite(fd, buf, sizeof(buf), OFF_LIVE) != sizeof(buf) ||
	    close(fd)) {
		fprintf(stderr, "daxtest host-live: %s\n", strerror(errno));
		return 1;
	}
	fd = open(path("live.ack"), O_CREAT | O_WRONLY, 0644);
	return fd < 0 || close(fd) ? 1 : 0;
}

static void verify_file(const char *test, const char *name, uint64_t size,
			const uint64_t *seeds, const uint64_t *offs, int nseg)
{
	int fd = open(path(name), O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		result("FAIL", test, "%s: %s", name, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size != size) {
		result("FAIL", test, "%s: size %lld, want %llu", name,
		       (long long)st.st_size, (unsigned long long)size);
		goto out;
	}
	for (int i = 0; i < nseg; i++) {
		uint64_t end = i + 1 < nseg ? offs[i + 1] : size;
		long long bad = check_range(fd, offs[i], end - offs[i], seeds[i]);

		if (bad != -1) {
			result("FAIL", test, "%s: wrong data at %lld", name, bad);
			goto out;
		}
	}
	result("PASS", test, NULL);
out:
	if (fd >= 0)
		close(fd);
}

static int host_verify(void)
{
	static const uint64_t shared_seeds[] = {
		SEED_SHARED, SEED_PARENT, SEED_SHARED, SEED_CHILD, SEED_SHARED,
		SEED_LIVE, SEED_SHARED,
	};
	static const uint64_t shared_offs[] = {
		0, OFF_PARENT, OFF_PARENT + LEN_COH, OFF_CHILD,
		OFF_CHILD + LEN_COH, OFF_LIVE, OFF_LIVE + LEN_COH,
	};
	uint64_t zero = 0, seed;
	char name[32];

	if (access(path("guest.dat"), F_OK) == 0) {
		seed = SEED_GUEST;
		verify_file("host_sees_guest_write", "guest.dat", GUEST_SIZE,
			    &seed, &zero, 1);
	}
	if (access(path("live.ack"), F_OK) == 0)
		verify_file("host_sees_shared_mmap", "shared.dat", SHARED_SIZE,
			    shared_seeds, shared_offs, 7);
	if (access(path("reclaim.done"), F_OK) == 0) {
		for (int i = 0; i < NBIG; i++) {
			char test[80];

			snprintf(name, sizeof(name), "big%d", i);
			snprintf(test, sizeof(test), "host_reclaim_%s.%s",
				 i < NBIG_RO ? "untouched" : "written", name);
			seed = i < NBIG_RO ? SEED_BIG + (uint64_t)i :
			       SEED_FINAL + (uint64_t)i;
			verify_file(test, name, BIG_SIZE, &seed, &zero, 1);
		}
	}
	return failures ? 1 : 0;
}

/* ---- guest tests ---- */

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void on_bus(int sig)
{
	(void)sig;
	if (bus_armed)
		siglongjmp(bus_jmp, 1);
	_exit(99);
}

/* Reads one byte of p; true if it raised SIGBUS. */
static bool touch_faults(const volatile uint8_t *p, uint8_t *val)
{
	bool fault;

	if (sigsetjmp(bus_jmp, 1)) {
		fault = true;
	} else {
		bus_armed = 1;
		*val = *p;
		fault = false;
	}
	bus_armed = 0;
	return fault;
}

static void drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			fprintf(stderr, "drop_caches: %s\n", strerror(errno));
		close(fd);
	}
}

static void t_dax_active(void)
{
	struct statx sx;

	if (statx(AT_FDCWD, path("host.dat"), 0, STATX_BASIC_STATS, &sx)) {
		result("FAIL", "dax_active", "statx: %s", strerror(errno));
		return;
	}
	if (!(sx.stx_attributes_mask & STATX_ATTR_DAX))
		result("SKIP", "dax_active", "kernel does not report STATX_ATTR_DAX");
	else if (!(sx.stx_attributes & STATX_ATTR_DAX))
		result("FAIL", "dax_active", "host.dat is not in DAX mode (mount option? window?)");
	else
		result("PASS", "dax_active", NULL);
}

static void t_host_read(void)
{
	int fd = open(path("host.dat"), O_RDONLY);
	long long bad;
	uint8_t *m;

	if (fd < 0) {
		result("FAIL", "guest_reads_host_file", "open: %s", strerror(errno));
		return;
	}
	bad = check_range(fd, 0, HOST_SIZE, SEED_HOST);
	if (bad == -2)
		result("FAIL", "guest_reads_host_file", "read: %s", strerror(errno));
	else if (bad >= 0)
		result("FAIL", "guest_reads_host_file", "wrong data at %lld", bad);
	else
		result("PASS", "guest_reads_host_file", NULL);

	m = mmap(NULL, HOST_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		result("FAIL", "guest_mmaps_host_file", "mmap: %s", strerror(errno));
	} else {
		bad = pat_check(m, HOST_SIZE, SEED_HOST, 0);
		if (bad >= 0)
			result("FAIL", "guest_mmaps_host_file", "wrong data at %lld", bad);
		else
			result("PASS", "guest_mmaps_host_file", NULL);
		/*
		 * Only a mapping that starts on a 2 MiB boundary can take
		 * PMD faults, one per range of the window instead of one
		 * per page (random loads 0.57x without it: 1.6 M against
		 * 2.8 M per second on a 256 MB file).
		 */
		if (access("/sys/kernel/mm/transparent_hugepage", F_OK))
			result("SKIP", "mmap_pmd_aligned",
			       "a kernel without THP maps no PMD");
		else if ((uintptr_t)m & (2 * MiB - 1))
			result("FAIL", "mmap_pmd_aligned", "mapping at %p", m);
		else
			result("PASS", "mmap_pmd_aligned", NULL);
		munmap(m, HOST_SIZE);
	}
	close(fd);
}

/*
 * Extending writes go through FUSE_WRITE even with DAX; the window only
 * serves writes inside the file.  So: size first, then write() the first
 * half and store the second half through a shared mapping.
 */
static void t_guest_write(void)
{
	const uint64_t half = (GUEST_SIZE / 2) & ~(uint64_t)(BLK - 1);
	static uint8_t buf[GUEST_SIZE];
	int fd = open(path("guest.dat"), O_CREAT | O_TRUNC | O_RDWR, 0644);
	long long bad;
	uint8_t *m;

	if (fd < 0 || ftruncate(fd, GUEST_SIZE)) {
		result("FAIL", "guest_write", "create: %s", strerror(errno));
		goto out;
	}
	pat_fill(buf, GUEST_SIZE, SEED_GUEST, 0);
	if (pwrite(fd, buf, half, 0) != (ssize_t)half) {
		result("FAIL", "guest_write", "write: %s", strerror(errno));
		goto out;
	}
	m = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		result("FAIL", "guest_write", "mmap: %s", strerror(errno));
		goto out;
	}
	memcpy(m + half, buf + half, GUEST_SIZE - half);
	if (msync(m, GUEST_SIZE, MS_SYNC))
		result("FAIL", "guest_write", "msync: %s", strerror(errno));
	munmap(m, GUEST_SIZE);
	if (fsync(fd)) {
		result("FAIL", "guest_write", "fsync: %s", strerror(errno));
		goto out;
	}
	bad = check_range(fd, 0, GUEST_SIZE, SEED_GUEST);
	if (bad != -1)
		result("FAIL", "guest_write", "read back: wrong data at %lld", bad);
	else
		result("PASS", "guest_write", NULL);
out:
	if (fd >= 0)
		close(fd);
}

static bool wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

static void t_coherence(void)
{
	int fd = open(path("shared.dat"), O_RDWR), p2c[2], c2p[2];
	uint8_t buf[LEN_COH];
	long long bad;
	uint8_t *m;
	pid_t pid;
	int st, i;

	if (fd < 0 || pipe(p2c) || pipe(c2p)) {
		result("FAIL", "mmap_two_processes", "setup: %s", strerror(errno));
		return;
	}
	m = mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		result("FAIL", "mmap_two_processes", "mmap: %s", strerror(errno));
		return;
	}
	/* populate before the child exists: its own mapping must agree */
	bad = pat_check(m, SHARED_SIZE, SEED_SHARED, 0);
	pid = fork();
	if (pid == 0) {
		/* child: its own open and mapping */
		int cfd = open(path("shared.dat"), O_RDWR);
		uint8_t *cm = cfd < 0 ? MAP_FAILED :
			      mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, cfd, 0);
		uint8_t cbuf[LEN_COH];

		if (cm == MAP_FAILED || !wait_byte(p2c[0]))
			_exit(2);
		if (pat_check(cm + OFF_PARENT, LEN_COH, SEED_PARENT, OFF_PARENT) >= 0)
			_exit(3);	/* parent's store not seen in our mapping */
		if (check_range(cfd, OFF_PARENT, LEN_COH, SEED_PARENT) != -1)
			_exit(4);	/* ... nor by read() */
		pat_fill(cbuf, sizeof(cbuf), SEED_CHILD, OFF_CHILD);
		if (pwrite(cfd, cbuf, sizeof(cbuf), OFF_CHILD) != sizeof(cbuf))
			_exit(5);
		if (write(c2p[1], "k", 1) != 1)
			_exit(6);
		_exit(0);
	}
	if (pid < 0) {
		result("FAIL", "mmap_two_processes", "fork: %s", strerror(errno));
		return;
	}
	pat_fill(buf, sizeof(buf), SEED_PARENT, OFF_PARENT);
	memcpy(m + OFF_PARENT, buf, sizeof(buf));	/* no msync: coherent */
	/* a lost child shows up in its exit status */
	if (write(p2c[1], "g", 1) == 1)
		wait_byte(c2p[0]);
	waitpid(pid, &st, 0);
	if (bad >= 0)
		result("FAIL", "mmap_two_processes", "initial data wrong at %lld", bad);
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		result("FAIL", "mmap_two_processes", "child check %d failed",
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	else if ((bad = pat_check(m + OFF_CHILD, LEN_COH, SEED_CHILD,
				  OFF_CHILD)) >= 0)
		result("FAIL", "mmap_two_processes",
		       "child's write() not in our mapping (at %lld)", bad);
	else
		result("PASS", "mmap_two_processes", NULL);

	/* the host changes the file in place; the mapping shows it at once */
	i = open(path("live.req"), O_CREAT | O_WRONLY, 0644);
	if (i < 0) {
		result("FAIL", "mmap_sees_host_write", "live.req: %s", strerror(errno));
		goto out;
	}
	close(i);
	for (i = 0; i < 1200 && access(path("live.ack"), F_OK); i++)
		usleep(100 * 1000);
	if (i == 1200)
		result("FAIL", "mmap_sees_host_write", "the host never answered live.req");
	else if ((bad = pat_check(m + OFF_LIVE, LEN_COH, SEED_LIVE,
				  OFF_LIVE)) >= 0)
		result("FAIL", "mmap_sees_host_write",
		       "host's write not visible through the mapping (at %lld)", bad);
	else
		result("PASS", "mmap_sees_host_write", NULL);
out:
	munmap(m, SHARED_SIZE);
	close(fd);
}

/* ---- reclaim: a working set four times the window ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state = mix(rng_state);
	return rng_state;
}

static uint64_t gen_seed(int file, uint32_t gen)
{
	return gen ? 1000000ull * (uint64_t)(file + 1) + gen :
		     SEED_BIG + (uint64_t)file;
}

/* reader: random blocks of big0..3 by pread and by mmap; exit code = error */
static int reclaim_reader(int id, double secs)
{
	uint8_t *maps[NBIG_RO], buf[BLK];
	double end = now() + secs;
	int fds[NBIG_RO];
	long ops = 0;

	rng_state = 0x1234 + (uint64_t)id;
	for (int f = 0; f < NBIG_RO; f++) {
		char name[16];

		snprintf(name, sizeof(name), "big%d", f);
		fds[f] = open(path(name), O_RDONLY);
		if (fds[f] < 0)
			return 10;
		maps[f] = mmap(NULL, BIG_SIZE, PROT_READ, MAP_SHARED, fds[f], 0);
		if (maps[f] == MAP_FAILED)
			return 11;
	}
	while (now() < end || ops < 200) {
		int f = (int)(rnd() % NBIG_RO);
		uint64_t off = rnd() % (BIG_SIZE / BLK) * BLK;

		if (ops & 1) {
			if (pread(fds[f], buf, BLK, (off_t)off) != BLK)
				return 12;
			if (pat_check(buf, BLK, SEED_BIG + (uint64_t)f, off) >= 0)
				return 13;
		} else if (pat_check(maps[f] + off, BLK, SEED_BIG + (uint64_t)f,
				     off) >= 0) {
			return 14;
		}
		ops++;
	}
	printf("reader %d: %ld blocks\n", id, ops);
	return 0;
}

/* writer: owns big(4+2w), big(5+2w); rewrites random blocks, checks back */
static int reclaim_writer(int id, double secs)
{
	static uint32_t gens[2][BIG_SIZE / BLK];
	double end = now() + secs;
	uint8_t *maps[2], buf[BLK];
	int fds[2], files[2];
	long ops = 0;

	rng_state = 0x9876 + (uint64_t)id;
	for (int k = 0; k < 2; k++) {
		char name[16];

		files[k] = NBIG_RO + 2 * id + k;
		snprintf(name, sizeof(name), "big%d", files[k]);
		fds[k] = open(path(name), O_RDWR);
		if (fds[k] < 0)
			return 20;
		maps[k] = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fds[k], 0);
		if (maps[k] == MAP_FAILED)
			return 21;
	}
	while (now() < end || ops < 200) {
		int k = (int)(rnd() & 1);
		uint64_t b = rnd() % (BIG_SIZE / BLK), off = b * BLK;
		uint32_t g = gens[k][b];

		/* check what the block should hold, then give it a new gen */
		if (pat_check(maps[k] + off, BLK, gen_seed(files[k], g), off) >= 0)
			return 22;
		pat_fill(buf, BLK, gen_seed(files[k], g + 1), off);
		if (ops & 1) {
			if (pwrite(fds[k], buf, BLK, (off_t)off) != BLK)
				return 23;
		} else {
			memcpy(maps[k] + off, buf, BLK);
		}
		gens[k][b] = g + 1;
		ops++;
	}
	/* every block, by read(): the final state must be exact */
	for (int k = 0; k < 2; k++)
		for (uint64_t b = 0; b < BIG_SIZE / BLK; b++) {
			if (pread(fds[k], buf, BLK, (off_t)(b * BLK)) != BLK)
				return 24;
			if (pat_check(buf, BLK, gen_seed(files[k], gens[k][b]),
				      b * BLK) >= 0)
				return 25;
		}
	/* leave a state the host can check without knowing the gens */
	for (int k = 0; k < 2; k++) {
		for (uint64_t off = 0; off < BIG_SIZE; off += BLK) {
			pat_fill(buf, BLK, SEED_FINAL + (uint64_t)files[k], off);
			memcpy(maps[k] + off, buf, BLK);
		}
		if (msync(maps[k], BIG_SIZE, MS_SYNC) || fsync(fds[k]))
			return 26;
	}
	printf("writer %d: %ld blocks\n", id, ops);
	return 0;
}

static void t_reclaim(double secs)
{
	pid_t pids[4];
	int bad = 0, fd;
	char why[128] = "";

	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(i < 2 ? reclaim_reader(i, secs) :
			      reclaim_writer(i - 2, secs));
	}
	for (int i = 0; i < 4; i++) {
		int st;

		if (pids[i] < 0 || waitpid(pids[i], &st, 0) < 0) {
			bad++;
			continue;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			bad++;
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 " %s%d:%s%d", i < 2 ? "reader" : "writer",
				 i < 2 ? i : i - 2,
				 WIFSIGNALED(st) ? "signal " : "code ",
				 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		}
	}
	if (bad) {
		result("FAIL", "reclaim_working_set_4x", "%s", why);
		return;
	}
	fd = open(path("reclaim.done"), O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	result("PASS", "reclaim_working_set_4x", NULL);
}

/* ---- reclaim against a concurrent sync of the same file ---- */

/*
 * Reclaim writes a range's dirty DAX entries back and then drops them.
 * An fsync of the same file at that moment can tag the entry reclaim is
 * flushing for writeback once more; invalidation then refuses it, and a
 * range released anyway leaves an entry pointing at its pages: fs/dax
 * WARNs (dax_associate_entry, dax_disassociate_entry) when another file
 * or offset maps them, which the run's dmesg check reports.  One process
 * keeps dirtying the first page of each range of rsync.dat through a
 * shared mapping, two keep syncing it (a WB_SYNC_ALL writeback like
 * fsync's, with no host round trip), and one keeps faulting in the first
 * page of every range of big0..3, so the window turns over and the
 * worker takes rsync.dat's ranges back while they are dirty and synced.
 */
#define RS_SIZE		(8 * MiB)
#define RS_RANGE	(2 * MiB)
#define RS_NR		((int)(RS_SIZE / RS_RANGE))
#define RS_MAPS		512
/* a dirtier, a turner and two syncers: twice the chance to meet reclaim */
#define RS_PROCS	4

/* rsync.dat mapped at a 2 MiB boundary, so faults may map whole ranges */
static uint8_t *rs_map(int fd)
{
	uint8_t *area, *m;

	area = mmap(NULL, RS_SIZE + RS_RANGE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	m = (uint8_t *)(((uintptr_t)area + RS_RANGE - 1) & ~(uintptr_t)(RS_RANGE - 1));
	if (mmap(m, RS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED)
		return NULL;
	return m;
}

/* dirtier: a counter in the first 8 bytes of each range; checked at the end */
static int rs_dirtier(int fd, double end)
{
	uint64_t last[RS_NR] = { 0 }, v, n = 0;
	uint8_t *m = rs_map(fd);

	if (!m)
		return 30;
	while (now() < end)
		for (int k = 0; k < RS_NR; k++) {
			last[k] = ++n;
			memcpy(m + (uint64_t)k * RS_RANGE, &last[k], 8);
		}
	for (int k = 0; k < RS_NR; k++) {
		if (pread(fd, &v, 8, (off_t)k * RS_RANGE) != 8)
			return 31;
		if (v != last[k])
			return 32;
	}
	return 0;
}

static int rs_syncer(int fd, double end)
{
	const unsigned int how = SYNC_FILE_RANGE_WAIT_BEFORE |
				 SYNC_FILE_RANGE_WRITE |
				 SYNC_FILE_RANGE_WAIT_AFTER;

	/*
	 * Every writeback of an entry write-protects it in each mapping of
	 * the file: many mappings keep reclaim's flush of an entry long
	 * enough for our next sync to run into it.
	 */
	for (int i = 0; i < RS_MAPS; i++)
		if (mmap(NULL, RS_SIZE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
			return 41;
	while (now() < end)
		if (sync_file_range(fd, 0, RS_SIZE, how))
			return 40;
	return 0;
}

/* faults in the first page of every range of big0..3, checking it */
static int rs_turner(double end)
{
	const uint8_t *maps[NBIG_RO];

	for (int f = 0; f < NBIG_RO; f++) {
		char name[16];
		int fd;

		snprintf(name, sizeof(name), "big%d", f);
		fd = open(path(name), O_RDONLY);
		if (fd < 0)
			return 50;
		maps[f] = mmap(NULL, BIG_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (maps[f] == MAP_FAILED)
			return 51;
	}
	while (now() < end)
		for (int f = 0; f < NBIG_RO; f++)
			for (uint64_t off = 0; off < BIG_SIZE; off += RS_RANGE)
				if (maps[f][off] != pat_byte(SEED_BIG + (uint64_t)f, off))
					return 52;
	return 0;
}

static void t_reclaim_sync(double secs)
{
	/* the unfixed driver left 3-5 stale entries in 4 s, WARNed 3 times of 3 */
	double end = now() + (secs / 5 > 2 ? secs / 5 : 2);
	int fd = open(path("rsync.dat"), O_CREAT | O_TRUNC | O_RDWR, 0644);
	const char *who[RS_PROCS] = { "dirtier", "turner", "syncer", "syncer" };
	char why[128] = "";
	pid_t pids[RS_PROCS];

	if (fd < 0 || ftruncate(fd, RS_SIZE)) {
		result("FAIL", "reclaim_sync", "create: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < RS_PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(i == 0 ? rs_dirtier(fd, end) :
			      i == 1 ? rs_turner(end) : rs_syncer(fd, end));
	}
	for (int i = 0; i < RS_PROCS; i++) {
		int st;

		if (pids[i] < 0 || waitpid(pids[i], &st, 0) < 0)
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 " %s: not started", who[i]);
		else if (!WIFEXITED(st) || WEXITSTATUS(st))
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
				 " %s: %s %d", who[i],
				 WIFSIGNALED(st) ? "signal" : "code",
				 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	if (why[0])
		result("FAIL", "reclaim_sync", "%s", why + 1);
	else
		result("PASS", "reclaim_sync", NULL);
out:
	if (fd >= 0)
		close(fd);
	unlink(path("rsync.dat"));
}

/* ---- truncate a mapped file ---- */

static void t_truncate(void)
{
	const uint64_t size = 8 * MiB, small = 4 * MiB + 100;
	static uint8_t buf[8 * MiB];
	struct sigaction sa = { .sa_handler = on_bus };
	int fd = open(path("trunc.dat"), O_CREAT | O_TRUNC | O_RDWR, 0644);
	char why[200] = "";
	uint8_t *m, v;

	sigaction(SIGBUS, &sa, NULL);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		result("FAIL", "truncate_mapped", "create: %s", strerror(errno));
		goto out;
	}
	pat_fill(buf, size, SEED_TRUNC, 0);
	if (pwrite(fd, buf, size, 0) != (ssize_t)size) {
		result("FAIL", "truncate_mapped", "write: %s", strerror(errno));
		goto out;
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		result("FAIL", "truncate_mapped", "mmap: %s", strerror(errno));
		goto out;
	}
	if (pat_check(m, size, SEED_TRUNC, 0) >= 0)
		snprintf(why, sizeof(why), "data wrong before truncate");
	/* shrink while mapped (and while the window maps those ranges) */
	if (!why[0] && ftruncate(fd, (off_t)small))
		snprintf(why, sizeof(why), "shrink: %s", strerror(errno));
	if (!why[0] && touch_faults(m + small - 1, &v))
		snprintf(why, sizeof(why), "SIGBUS inside the new size");
	if (!why[0] && pat_check(m, small, SEED_TRUNC, 0) >= 0)
		snprintf(why, sizeof(why), "data below the new size changed");
	/* the rest of the last page reads as zeros */
	for (uint64_t o = small; !why[0] && o < (small + BLK - 1) / BLK * BLK; o++)
		if (touch_faults(m + o, &v) || v)
			snprintf(why, sizeof(why), "byte %llu past EOF in the last page is %u",
				 (unsigned long long)o, v);
	/* a whole page past EOF: SIGBUS, like any shared file mapping */
	if (!why[0] && !touch_faults(m + 6 * MiB, &v))
		snprintf(why, sizeof(why), "no SIGBUS 2 MiB past the new EOF");
	if (!why[0] && pread(fd, buf, 100, 5 * MiB) != 0)
		snprintf(why, sizeof(why), "read past EOF returned data");
	/* grow again: the old range reads as a hole, through both paths */
	if (!why[0] && ftruncate(fd, (off_t)size))
		snprintf(why, sizeof(why), "grow: %s", strerror(errno));
	if (!why[0] && (touch_faults(m + 6 * MiB, &v) || v))
		snprintf(why, sizeof(why), "grown range: fault or data %u", v);
	if (!why[0] && (pread(fd, buf, BLK, 7 * MiB) != BLK ||
			memchr(buf, 0, BLK) != buf ||
			memcmp(buf, buf + 1, BLK - 1)))
		snprintf(why, sizeof(why), "grown range does not read as zeros");
	munmap(m, size);
	if (why[0])
		result("FAIL", "truncate_mapped", "%s", why);
	else
		result("PASS", "truncate_mapped", NULL);
out:
	if (fd >= 0)
		close(fd);
	unlink(path("trunc.dat"));
}

/* ---- the guest page cache stays flat ---- */

static long long meminfo_kib(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long long v = -1;
	size_t kl = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = atoll(line + kl + 1);
			break;
		}
	fclose(f);
	return v;
}

static void t_cache_flat(void)
{
	static uint8_t buf[MiB];
	long long before, after;
	uint64_t total = 0;
	double t0, secs;
	char name[16];
	int fd;

	/* best effort: what counts is the growth while reading */
	drop_caches();
	before = meminfo_kib("Cached");
	t0 = now();
	for (int pass = 0; pass < 2; pass++)
		for (int f = 0; f < NBIG; f++) {
			snprintf(name, sizeof(name), "big%d", f);
			fd = open(path(name), O_RDONLY);
			if (fd < 0) {
				result("FAIL", "page_cache_flat", "open %s: %s", name,
				       strerror(errno));
				return;
			}
			for (uint64_t off = 0; off < BIG_SIZE; off += sizeof(buf)) {
				if (pread(fd, buf, sizeof(buf), (off_t)off) != sizeof(buf)) {
					result("FAIL", "page_cache_flat", "read %s: %s",
					       name, strerror(errno));
					close(fd);
					return;
				}
				total += sizeof(buf);
			}
			close(fd);
		}
	secs = now() - t0;
	after = meminfo_kib("Cached");
	if (before < 0 || after < 0)
		result("SKIP", "page_cache_flat", "no Cached in /proc/meminfo");
	else if (after - before >= 16 * 1024)
		result("FAIL", "page_cache_flat",
		       "Cached grew by %lld KiB reading %llu MiB", after - before,
		       (unsigned long long)(total / MiB));
	else
		result("PASS", "page_cache_flat",
		       "Cached %+lld KiB after %llu MiB at %.0f MB/s",
		       after - before, (unsigned long long)(total / MiB),
		       total / secs / 1e6);
}

/* ---- per-inode DAX: -o dax=inode, backend --dax-inode sticky ---- */

/* 1 DAX, 0 not, -1 error */
static int is_dax(const char *name)
{
	struct statx sx;

	if (statx(AT_FDCWD, path(name), 0, STATX_BASIC_STATS, &sx) ||
	    !(sx.stx_attributes_mask & STATX_ATTR_DAX))
		return -1;
	return !!(sx.stx_attributes & STATX_ATTR_DAX);
}

/*
 * A new mode takes effect when the inode is read in again, so the old one
 * must be evicted first; a release still in flight (close() does not wait
 * for FUSE_RELEASE) can keep it a little longer: ask again for up to 10 s
 * (4 s were once too few with the machine's two cores fully loaded).
 */
static int is_dax_after_evict(const char *name, int want)
{
	int v = -1;

	for (int i = 0; i < 50; i++) {
		drop_caches();
		v = is_dax(name);
		if (v == want)
			break;
		usleep(200 * 1000);
	}
	return v;
}

static void t_inode_mode(void)
{
	const uint64_t size = 3 * MiB + 5;
	char why[160] = "";
	int fd, v;

	if (!write_pattern("i.plain", size, 8) ||
	    !write_pattern("i.sticky", size, 9) ||
	    chmod(path("i.sticky"), 01644)) {
		result("FAIL", "inode_mode", "setup: %s", strerror(errno));
		return;
	}
	/* the mode is fixed when the inode is read in: start afresh */
	if ((v = is_dax_after_evict("i.plain", 0)) != 0)
		snprintf(why, sizeof(why), "plain file: dax %d", v);
	else if ((v = is_dax_after_evict("i.sticky", 1)) != 1)
		snprintf(why, sizeof(why), "sticky file: dax %d (10 s of evicting)", v);
	for (int i = 0; i < 2 && !why[0]; i++) {
		const char *n = i ? "i.sticky" : "i.plain";
		long long bad;

		fd = open(path(n), O_RDONLY);
		bad = fd < 0 ? -2 : check_range(fd, 0, size, 8 + (uint64_t)i);
		if (fd >= 0)
			close(fd);
		if (bad != -1)
			snprintf(why, sizeof(why), "%s: bad data (%lld)", n, bad);
	}
	/* turning it on: the kernel switches once the inode is evicted */
	if (!why[0] && chmod(path("i.plain"), 01644))
		snprintf(why, sizeof(why), "chmod: %s", strerror(errno));
	if (!why[0] && (v = is_dax_after_evict("i.plain", 1)) != 1)
		snprintf(why, sizeof(why),
			 "plain file after chmod +t: dax %d (10 s of evicting)", v);
	unlink(path("i.plain"));
	unlink(path("i.sticky"));
	if (why[0])
		result("FAIL", "inode_mode", "%s", why);
	else
		result("PASS", "inode_mode", NULL);
}

/* ---- bench: the same code on the host (the ceiling) and in the guest ---- */

/* v < 0: the workload failed (its error is on stderr) */
static void bench_line(const char *label, const char *work, double v,
		       const char *unit)
{
	if (v < 0)
		printf("BENCH %s %s failed %s\n", label, work, unit);
	else
		printf("BENCH %s %s %.1f %s\n", label, work, v, unit);
	fflush(stdout);
}

/* sequential 1 MiB reads of the whole file; MB/s */
static double bench_seq(int fd, uint64_t size)
{
	static uint8_t buf[MiB];
	double t0 = now();
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)done);

		if (n <= 0) {
			fprintf(stderr, "daxtest bench: read at %llu: %s\n",
				(unsigned long long)done,
				n ? strerror(errno) : "end of file");
			return -1;
		}
		done += (uint64_t)n;
	}
	return size / (now() - t0) / 1e6;
}

/* random 4 KiB-spaced loads through m for secs; loads per second */
static double bench_mmap(const uint8_t *m, uint64_t blocks, double secs,
			 uint64_t *sum)
{
	double t0 = now(), end = t0 + secs;
	uint64_t ops = 0, s = 0;

	rng_state = 42;
	while (now() < end) {
		for (int i = 0; i < 256; i++, ops++)
			s += m[rnd() % blocks * BLK + (ops & (BLK - 1))];
	}
	*sum = s;
	return ops / (now() - t0);
}

static int bench(const char *label, const char *file, double secs)
{
	int fd = open(file, O_RDONLY);
	struct stat st;
	struct sigaction sa = { .sa_handler = on_bus };
	static uint64_t sum;
	volatile double rate;
	long long cached = -1;
	uint8_t *m;
	double v;

	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)MiB) {
		fprintf(stderr, "daxtest bench: %s: %s\n", file,
			fd < 0 ? strerror(errno) : "too small");
		return 1;
	}
	/* the host's page cache moves with everything else running there */
	if (strcmp(label, "host"))
		cached = meminfo_kib("Cached");
	v = bench_seq(fd, (uint64_t)st.st_size);
	bench_line(label, "seq_read_1m_first", v, "MB/s");
	v = bench_seq(fd, (uint64_t)st.st_size);
	bench_line(label, "seq_read_1m_again", v, "MB/s");
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "daxtest bench: mmap: %s\n", strerror(errno));
		return 1;
	}
	/* a load the window cannot serve raises SIGBUS: report, go on */
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(bus_jmp, 1)) {
		fprintf(stderr, "daxtest bench: SIGBUS on a load through the mapping\n");
		rate = -1;
	} else {
		bus_armed = 1;
		rate = bench_mmap(m, (uint64_t)st.st_size / BLK, secs, &sum);
	}
	bus_armed = 0;
	bench_line(label, "mmap_rand_4k_reads", rate, "ops/s");
	/* DAX reads leave the guest's page cache flat; the others fill it */
	if (cached >= 0) {
		long long after = meminfo_kib("Cached");

		if (after >= 0)
			bench_line(label, "cached_growth",
				   (after - cached) / 1024.0, "MiB");
	}
	munmap(m, (size_t)st.st_size);
	close(fd);
	return sum == 0xdeadbeef;	/* keeps the loads */
}

/*
 * A write inside the file goes through the window, not as a WRITE to the
 * host, yet an unprivileged writer still drops suid/sgid, as on any Linux
 * filesystem, and its data lands.
 */
#define KP_ID		1000
#define KP_SIZE		(256 * KiB)
#define KP_OFF		(64 * KiB)

static void t_killpriv(void)
{
	static uint8_t buf[BLK];
	const char *p = path("killpriv.dat");
	int fd, status = -1;
	long long bad;
	struct stat st;
	pid_t pid;

	if (!write_pattern("killpriv.dat", KP_SIZE, SEED_KILLPRIV) ||
	    chown(p, KP_ID, KP_ID) || chmod(p, 06775)) {
		result("FAIL", "killpriv_data", "setup: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		if (setgid(KP_ID) || setuid(KP_ID))
			_exit(10);
		fd = open(p, O_WRONLY);
		if (fd < 0)
			_exit(11);
		pat_fill(buf, BLK, SEED_KILLPRIV + 1, KP_OFF);
		if (pwrite(fd, buf, BLK, KP_OFF) != BLK)
			_exit(12);
		_exit(close(fd) ? 13 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		result("FAIL", "killpriv_data", "writer as uid %d: status %#x",
		       KP_ID, status);
		return;
	}
	fd = open(p, O_RDONLY);
	bad = fd < 0 ? -2 : check_range(fd, 0, KP_OFF, SEED_KILLPRIV);
	if (bad == -1)
		bad = check_range(fd, KP_OFF, BLK, SEED_KILLPRIV + 1);
	if (bad == -1)
		bad = check_range(fd, KP_OFF + BLK, KP_SIZE - KP_OFF - BLK,
				  SEED_KILLPRIV);
	if (bad == -1)
		result("PASS", "killpriv_data", NULL);
	else
		result("FAIL", "killpriv_data", "data wrong at %lld (%s)", bad,
		       bad == -2 ? strerror(errno) : "-");
	if (fd >= 0)
		close(fd);
	if (stat(p, &st))
		result("FAIL", "killpriv", "stat: %s", strerror(errno));
	else if (st.st_mode & 06000)
		result("FAIL", "killpriv", "mode %o after a write by uid %d",
		       st.st_mode & 07777, KP_ID);
	else
		result("PASS", "killpriv", "mode %o", st.st_mode & 07777);
	unlink(p);
}

/*
 * falloc_cut (backend --no-killpriv --fault setattr:corrupt:shrink): an
 * unprivileged fallocate(ZERO_RANGE) of a suid file.  With faults
 * blocked for the zeroing, the driver drops suid by GETATTR + SETATTR,
 * and the SETATTR reply says the file shrank: the cut must not take the
 * fault lock a second time.  The fallocate must return, suid must go.
 */
#define FC_SIZE		(4 * MiB)
#define FC_WAIT_S	60

static void t_falloc_cut(void)
{
	const char *p = path("falloc_cut.dat");
	int status = -1, waited;
	struct stat st;
	pid_t pid;

	if (!write_pattern("falloc_cut.dat", FC_SIZE, SEED_KILLPRIV) ||
	    chown(p, KP_ID, KP_ID) || chmod(p, 06775)) {
		result("FAIL", "falloc_cut", "setup: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		volatile uint8_t *m;
		int fd;

		if (setgid(KP_ID) || setuid(KP_ID))
			_exit(10);
		fd = open(p, O_RDWR);
		if (fd < 0)
			_exit(11);
		/* a mapping in place, as for any file in use */
		m = mmap(NULL, FC_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			_exit(12);
		(void)m[0];
		if (fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 64 * KiB))
			_exit(13);
		munmap((void *)m, FC_SIZE);
		_exit(close(fd) ? 14 : 0);
	}
	for (waited = 0; pid > 0 && waited < FC_WAIT_S * 10; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (pid < 0 || waited == FC_WAIT_S * 10) {
		result("FAIL", "falloc_cut", "fallocate as uid %d still blocked after %d s (fault lock taken twice?)",
		       KP_ID, FC_WAIT_S);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		result("FAIL", "falloc_cut", "child status %#x", status);
		return;
	}
	if (stat(p, &st))
		result("FAIL", "falloc_cut", "stat: %s", strerror(errno));
	else if (st.st_mode & 06000)
		result("FAIL", "falloc_cut", "mode %o after fallocate by uid %d",
		       st.st_mode & 07777, KP_ID);
	else
		result("PASS", "falloc_cut", "fallocate returned, mode %o",
		       st.st_mode & 07777);
	unlink(p);
}

/*
 * unplug: the device goes away (driver unbound) while a DAX file is
 * mapped and its pages were touched.  Before the window's pages go, the
 * mapping must be taken away: touching it afterwards raises SIGBUS
 * instead of reaching memory the kernel no longer accounts for.  The
 * file stays mapped until then; unmapping and closing still work.
 */
static int unbind_self(const char *dev)
{
	int fd = open("/sys/bus/virtio/drivers/virtiofs_ng/unbind", O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, dev, strlen(dev));
	close(fd);
	return n == (ssize_t)strlen(dev) ? 0 : -1;
}

static void t_unplug(const char *dev)
{
	struct sigaction sa = { .sa_handler = on_bus };
	const char *p = path("unplug.dat");
	int fd, bus = 0, status = -1, waited;
	volatile uint8_t *m;
	pid_t io;
	uint8_t v;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);

	if (!dev) {
		result("FAIL", "unplug", "no virtio device named (daxtest guest -u virtioN)");
		return;
	}
	if (!write_pattern("unplug.dat", SHARED_SIZE, SEED_SHARED)) {
		result("FAIL", "unplug", "setup: %s", strerror(errno));
		return;
	}
	fd = open(p, O_RDWR);
	m = fd < 0 ? MAP_FAILED : mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE,
				       MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		result("FAIL", "unplug", "open/mmap: %s", strerror(errno));
		return;
	}
	for (uint64_t off = 0; off < SHARED_SIZE; off += BLK) {
		if (touch_faults(m + off, &v) || v != pat_byte(SEED_SHARED, off)) {
			result("FAIL", "unplug", "before unbind: byte at %llu",
			       (unsigned long long)off);
			return;
		}
	}
	m[BLK] = v;	/* a dirty page too */
	/* read() and write() through the window while the device goes */
	io = fork();
	if (io == 0) {
		static uint8_t buf[256 * KiB];
		uint64_t off = 0;

		for (;;) {
			if (pread(fd, buf, sizeof(buf), (off_t)off) < 0 ||
			    pwrite(fd, buf, BLK, (off_t)off) < 0)
				_exit(errno == EIO || errno == ENOTCONN ||
				      errno == ENXIO ? 0 : 20);
			off = (off + sizeof(buf)) % SHARED_SIZE;
		}
	}
	usleep(200000);
	if (unbind_self(dev)) {
		result("FAIL", "unplug", "unbind %s: %s", dev, strerror(errno));
		if (io > 0)
			kill(io, SIGKILL);
		return;
	}
	for (waited = 0; io > 0 && waited < 300; waited++) {
		if (waitpid(io, &status, WNOHANG) == io)
			break;
		usleep(100000);
	}
	if (io < 0 || waited == 300) {
		result("FAIL", "unplug_io", "read()/write() through the window still going 30 s after removal");
		if (io > 0)
			kill(io, SIGKILL);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		result("FAIL", "unplug_io", "reader/writer status %#x", status);
	} else {
		result("PASS", "unplug_io", "read()/write() in flight end with an error");
	}
	for (uint64_t off = 0; off < SHARED_SIZE; off += 256 * KiB)
		bus += touch_faults(m + off, &v);
	if (bus == SHARED_SIZE / (256 * KiB))
		result("PASS", "unplug", "every page of the mapping gives SIGBUS after removal");
	else
		result("FAIL", "unplug", "%d of %llu pages still mapped after removal",
		       (int)(SHARED_SIZE / (256 * KiB)) - bus,
		       (unsigned long long)(SHARED_SIZE / (256 * KiB)));
	/* the FLUSH of close() cannot reach the host any more: ENOTCONN */
	errno = 0;
	if (munmap((void *)m, SHARED_SIZE))
		result("FAIL", "unplug_close", "munmap: %s", strerror(errno));
	else if (close(fd) && errno != ENOTCONN && errno != EIO)
		result("FAIL", "unplug_close", "close: %s", strerror(errno));
	else
		result("PASS", "unplug_close", "munmap done, close: %s",
		       strerror(errno));
}

static const char *const all_tests[] = {
	"dax_active", "host_read", "guest_write", "coherence", "truncate",
	"reclaim", "reclaim_sync", "cache_flat", "killpriv",
};

static void run_one(const char *t, double secs)
{
	if (!strcmp(t, "dax_active"))
		t_dax_active();
	else if (!strcmp(t, "host_read"))
		t_host_read();
	else if (!strcmp(t, "guest_write"))
		t_guest_write();
	else if (!strcmp(t, "coherence"))
		t_coherence();
	else if (!strcmp(t, "truncate"))
		t_truncate();
	else if (!strcmp(t, "reclaim"))
		t_reclaim(secs);
	else if (!strcmp(t, "reclaim_sync"))
		t_reclaim_sync(secs);
	else if (!strcmp(t, "cache_flat"))
		t_cache_flat();
	else if (!strcmp(t, "killpriv"))
		t_killpriv();
	else if (!strcmp(t, "inode_mode"))
		t_inode_mode();
	else if (!strcmp(t, "falloc_cut"))
		t_falloc_cut();
	else if (!strcmp(t, "unplug"))
		t_unplug(unplug_dev);
	else
		result("FAIL", t, "no such test");
}

static int usage(void)
{
	fprintf(stderr,
		"usage: daxtest host-make|host-live|host-verify DIR\n"
		"       daxtest bench LABEL FILE SECS\n"
		"       daxtest guest [-t SECS] [-k TEST:WHY] [-u virtioN] DIR [TEST...]\n"
		"only when asked: inode_mode (dax=inode mount), falloc_cut (backend\n"
		"--no-killpriv --fault setattr:corrupt:shrink), unplug (-u: unbinds it)\n"
		"tests:");
	for (size_t i = 0; i < sizeof(all_tests) / sizeof(all_tests[0]); i++)
		fprintf(stderr, " %s", all_tests[i]);
	fputc('\n', stderr);
	return 2;
}

int main(int argc, char **argv)
{
	double secs = 20;
	int i = 2;

	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "bench"))
		return argc == 5 ? bench(argv[2], argv[3], atof(argv[4])) : usage();
	if (strcmp(argv[1], "guest")) {
		dir = argv[2];
		if (!strcmp(argv[1], "host-make"))
			return host_make();
		if (!strcmp(argv[1], "host-live"))
			return host_live();
		if (!strcmp(argv[1], "host-verify"))
			return host_verify();
		return usage();
	}
	for (; argc > i + 2 && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-t"))
			secs = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "-u"))
			unplug_dev = argv[i + 1];
		else if (!strcmp(argv[i], "-k") && strchr(argv[i + 1], ':')) {
			known_why = strchr(argv[i + 1], ':');
			known_name = strndup(argv[i + 1], known_why++ - argv[i + 1]);
		}
		else
			return usage();
	}
	dir = argv[i++];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (i == argc)
		for (size_t k = 0; k < sizeof(all_tests) / sizeof(all_tests[0]); k++)
			run_one(all_tests[k], secs);
	else
		for (; i < argc; i++)
			run_one(argv[i], secs);
	return failures ? 1 : 0;
}
