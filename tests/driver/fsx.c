// SPDX-License-Identifier: GPL-2.0
/*
 * fsx: a random-operation data-integrity exerciser in the spirit of the
 * classic fsx.  One file on the filesystem under test is driven through
 * seeded random writes, reads, truncates, shared-mmap reads and writes,
 * O_DIRECT reads, hole punching, fallocate, copy_file_range, fsync and
 * close/reopen, while a shadow buffer in memory holds what the file must
 * contain.  Every read is compared with the shadow, and so is the file
 * size after every operation.
 *
 * usage: fsx [-N ops] [-S seed] [-l maxlen] [-o maxoplen] [-n name]
 *            [-M] [-D] [-F] [-C] [-v] FILE
 *   -M no mmap, -D no O_DIRECT, -F no fallocate, -C no copy_file_range
 *
 * Prints one result line on stdout: "PASS name" or "FAIL name: why";
 * on failure the last operations go to stderr.  Exit 0 iff PASS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif

enum op {
	OP_READ, OP_WRITE, OP_TRUNCATE, OP_MAPREAD, OP_MAPWRITE, OP_DIOREAD,
	OP_PUNCH, OP_FALLOC, OP_COPY, OP_FSYNC, OP_REOPEN, OP_MAX
};

static const char *const op_names[OP_MAX] = {
	"read", "write", "truncate", "mapread", "mapwrite", "dioread",
	"punch", "falloc", "copy", "fsync", "reopen",
};

/* relative frequency of each operation */
static const unsigned int op_weight[OP_MAX] = {
	20, 24, 6, 10, 10, 6, 4, 4, 4, 2, 2,
};

#define LOG_OPS 64

struct logent {
	unsigned long n;
	enum op op;
	long long off, len, size;
};

static const char *name = "fsx";
static const char *path;
static unsigned long nops = 10000;
static unsigned long seed = 1;
static long long maxlen = 256 * 1024;
static long long maxoplen = 64 * 1024;
static bool use_mmap = true, use_dio = true, use_falloc = true;
static bool use_copy = true, verbose;
static long pagesz;

static int fd = -1;
static unsigned char *shadow, *buf, *dbuf;
static long long fsize;
static struct logent oplog[LOG_OPS];
static unsigned long opno;
static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic from the seed on every platform */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static long long rnd_range(long long n)
{
	return n > 0 ? (long long)(rnd() % (uint64_t)n) : 0;
}

static void dump_log(void)
{
	unsigned long first = opno >= LOG_OPS ? opno - LOG_OPS + 1 : 1;
	unsigned long i;

	fprintf(stderr, "fsx %s: seed %lu, last operations:\n", name, seed);
	for (i = first; i <= opno; i++) {
		const struct logent *e = &oplog[i % LOG_OPS];

		fprintf(stderr, "  #%lu %-8s off %lld len %lld size %lld\n",
			e->n, op_names[e->op], e->off, e->len, e->size);
	}
}

static void __attribute__((format(printf, 1, 2), noreturn))
fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dump_log();
	printf("FAIL %s: op %lu: %s (seed %lu)\n", name, opno, msg, seed);
	fflush(stdout);
	exit(1);
}

static void log_op(enum op op, long long off, long long len)
{
	struct logent *e = &oplog[opno % LOG_OPS];

	e->n = opno;
	e->op = op;
	e->off = off;
	e->len = len;
	e->size = fsize;
	if (verbose)
		fprintf(stderr, "#%lu %s off %lld len %lld size %lld\n", opno,
			op_names[op], off, len, fsize);
}

static void compare(const unsigned char *got, long long off, long long len,
		    const char *what)
{
	long long i;

	for (i = 0; i < len; i++) {
		if (got[i] != shadow[off + i])
			fail("%s mismatch at offset %lld (0x%llx): got 0x%02x, expected 0x%02x (range %lld+%lld)",
			     what, off + i, off + i, got[i], shadow[off + i],
			     off, len);
	}
}

static void check_size(void)
{
	struct stat st;

	if (fstat(fd, &st))
		fail("fstat: %s", strerror(errno));
	if (st.st_size != fsize)
		fail("size is %lld, expected %lld", (long long)st.st_size,
		     fsize);
}

static void do_open(void)
{
	fd = open(path, O_RDWR);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
}

static void op_read(void)
{
	long long off, len;
	ssize_t n;

	if (!fsize)
		return;
	off = rnd_range(fsize);
	len = 1 + rnd_range(maxoplen);
	if (off + len > fsize)
		len = fsize - off;
	log_op(OP_READ, off, len);
	n = pread(fd, buf, len, off);
	if (n != len)
		fail("pread %lld+%lld returned %zd: %s", off, len, n,
		     n < 0 ? strerror(errno) : "short");
	compare(buf, off, len, "read");
}

static void op_write(void)
{
	long long off = rnd_range(maxlen - 1);
	long long len = 1 + rnd_range(maxoplen);
	long long i;
	ssize_t n;

	if (off + len > maxlen)
		len = maxlen - off;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(rnd() >> 32);
	log_op(OP_WRITE, off, len);
	n = pwrite(fd, buf, len, off);
	if (n != len)
		fail("pwrite %lld+%lld returned %zd: %s", off, len, n,
		     n < 0 ? strerror(errno) : "short");
	memcpy(shadow + off, buf, len);
	if (off > fsize)
		memset(shadow + fsize, 0, off - fsize);
	if (off + len > fsize)
		fsize = off + len;
}

static void set_size(long long size)
{
	if (size > fsize)
		memset(shadow + fsize, 0, size - fsize);
	fsize = size;
}

static void op_truncate(void)
{
	long long size = rnd_range(maxlen + 1);

	log_op(OP_TRUNCATE, 0, size);
	if (ftruncate(fd, size))
		fail("ftruncate %lld: %s", size, strerror(errno));
	/* bytes past a shrink must read back as zeroes after a regrow */
	if (size < fsize)
		memset(shadow + size, 0, fsize - size);
	set_size(size);
}

static void op_mapread(void)
{
	long long off, len, pg;
	unsigned char *p;

	if (!fsize)
		return;
	off = rnd_range(fsize);
	len = 1 + rnd_range(maxoplen);
	if (off + len > fsize)
		len = fsize - off;
	pg = off & ~(long long)(pagesz - 1);
	log_op(OP_MAPREAD, off, len);
	p = mmap(NULL, off - pg + len, PROT_READ, MAP_SHARED, fd, pg);
	if (p == MAP_FAILED)
		fail("mmap read %lld+%lld: %s", off, len, strerror(errno));
	compare(p + (off - pg), off, len, "mapread");
	if (munmap(p, off - pg + len))
		fail("munmap: %s", strerror(errno));
}

static void op_mapwrite(void)
{
	long long off = rnd_range(maxlen - 1);
	long long len = 1 + rnd_range(maxoplen);
	long long pg, i;
	unsigned char *p;

	if (off + len > maxlen)
		len = maxlen - off;
	pg = off & ~(long long)(pagesz - 1);
	log_op(OP_MAPWRITE, off, len);
	/* a mapping cannot grow the file: extend it first, like fsx */
	if (off + len > fsize) {
		if (ftruncate(fd, off + len))
			fail("ftruncate for mapwrite %lld: %s", off + len,
			     strerror(errno));
		set_size(off + len);
	}
	p = mmap(NULL, off - pg + len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, pg);
	if (p == MAP_FAILED)
		fail("mmap write %lld+%lld: %s", off, len, strerror(errno));
	for (i = 0; i < len; i++)
		shadow[off + i] = (unsigned char)(rnd() >> 32);
	memcpy(p + (off - pg), shadow + off, len);
	if (msync(p, off - pg + len, MS_SYNC))
		fail("msync: %s", strerror(errno));
	if (munmap(p, off - pg + len))
		fail("munmap: %s", strerror(errno));
}

static void op_dioread(void)
{
	long long off, len, got;
	ssize_t n;
	int dfd;

	if (!fsize)
		return;
	off = rnd_range(fsize) & ~(long long)(pagesz - 1);
	len = (1 + rnd_range(maxoplen / pagesz)) * pagesz;
	log_op(OP_DIOREAD, off, len);
	dfd = open(path, O_RDONLY | O_DIRECT);
	if (dfd < 0) {
		if (errno == EINVAL) {
			use_dio = false;
			return;
		}
		fail("open O_DIRECT: %s", strerror(errno));
	}
	n = pread(dfd, dbuf, len, off);
	close(dfd);
	if (n < 0)
		fail("O_DIRECT pread %lld+%lld: %s", off, len, strerror(errno));
	got = off + len > fsize ? fsize - off : len;
	if (n != got)
		fail("O_DIRECT pread %lld+%lld returned %zd, expected %lld",
		     off, len, n, got);
	compare(dbuf, off, got, "dioread");
}

static void op_punch(void)
{
	long long off, len;

	if (!fsize)
		return;
	off = rnd_range(fsize);
	len = 1 + rnd_range(maxoplen);
	if (off + len > fsize)
		len = fsize - off;
	log_op(OP_PUNCH, off, len);
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
		      len)) {
		if (errno == EOPNOTSUPP) {
			use_falloc = false;
			return;
		}
		fail("punch %lld+%lld: %s", off, len, strerror(errno));
	}
	memset(shadow + off, 0, len);
}

static void op_falloc(void)
{
	long long off = rnd_range(maxlen - 1);
	long long len = 1 + rnd_range(maxoplen);
	bool keep = rnd() & 1;

	if (off + len > maxlen)
		len = maxlen - off;
	log_op(OP_FALLOC, off, len);
	if (fallocate(fd, keep ? FALLOC_FL_KEEP_SIZE : 0, off, len)) {
		if (errno == EOPNOTSUPP) {
			use_falloc = false;
			return;
		}
		fail("fallocate %lld+%lld: %s", off, len, strerror(errno));
	}
	if (!keep && off + len > fsize)
		set_size(off + len);
}

static void op_copy(void)
{
	long long src, dst, len, done = 0;

	if (!fsize)
		return;
	src = rnd_range(fsize);
	len = 1 + rnd_range(maxoplen);
	if (src + len > fsize)
		len = fsize - src;
	dst = rnd_range(maxlen - len);
	/* the same file: the ranges must not overlap */
	if (dst < src + len && src < dst + len)
		return;
	log_op(OP_COPY, dst, len);
	while (done < len) {
		loff_t in = src + done, out = dst + done;
		ssize_t n = copy_file_range(fd, &in, fd, &out, len - done, 0);

		if (n < 0 && (errno == EOPNOTSUPP || errno == EXDEV ||
			      errno == ENOSYS) && !done) {
			use_copy = false;
			return;
		}
		if (n <= 0)
			fail("copy_file_range %lld->%lld+%lld: %s", src, dst,
			     len, n < 0 ? strerror(errno) : "no progress");
		done += n;
	}
	if (dst > fsize)
		set_size(dst);
	memmove(shadow + dst, shadow + src, len);
	if (dst + len > fsize)
		fsize = dst + len;
}

static void op_fsync(void)
{
	log_op(OP_FSYNC, 0, 0);
	if (fsync(fd))
		fail("fsync: %s", strerror(errno));
}

static void op_reopen(void)
{
	log_op(OP_REOPEN, 0, 0);
	if (close(fd))
		fail("close: %s", strerror(errno));
	do_open();
}

static bool op_enabled(enum op op)
{
	switch (op) {
	case OP_MAPREAD:
	case OP_MAPWRITE:
		return use_mmap;
	case OP_DIOREAD:
		return use_dio;
	case OP_PUNCH:
	case OP_FALLOC:
		return use_falloc;
	case OP_COPY:
		return use_copy;
	default:
		return true;
	}
}

static enum op pick_op(void)
{
	unsigned int total = 0, r, i;

	for (i = 0; i < OP_MAX; i++)
		if (op_enabled(i))
			total += op_weight[i];
	r = rnd_range(total);
	for (i = 0; i < OP_MAX; i++) {
		if (!op_enabled(i))
			continue;
		if (r < op_weight[i])
			return i;
		r -= op_weight[i];
	}
	return OP_READ;
}

static void final_check(void)
{
	long long off;
	ssize_t n;

	check_size();
	for (off = 0; off < fsize; off += maxoplen) {
		long long len = fsize - off < maxoplen ? fsize - off : maxoplen;

		n = pread(fd, buf, len, off);
		if (n != len)
			fail("final pread %lld+%lld returned %zd", off, len, n);
		compare(buf, off, len, "final read");
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fsx [-N ops] [-S seed] [-l maxlen] [-o maxoplen] [-n name]\n"
		"           [-M] [-D] [-F] [-C] [-v] FILE\n");
	exit(2);
}

static long long num_arg(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || *end || v < 0)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "N:S:l:o:n:MDFCv")) != -1) {
		switch (c) {
		case 'N': nops = num_arg(optarg); break;
		case 'S': seed = num_arg(optarg); break;
		case 'l': maxlen = num_arg(optarg); break;
		case 'o': maxoplen = num_arg(optarg); break;
		case 'n': name = optarg; break;
		case 'M': use_mmap = false; break;
		case 'D': use_dio = false; break;
		case 'F': use_falloc = false; break;
		case 'C': use_copy = false; break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || maxlen < 2 || maxoplen < 1 ||
	    maxlen > (1LL << 30))
		usage();
	if (maxoplen > maxlen)
		maxoplen = maxlen;
	path = argv[optind];
	pagesz = sysconf(_SC_PAGESIZE);
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;

	shadow = calloc(1, maxlen);
	buf = malloc(maxoplen);
	if (!shadow || !buf ||
	    posix_memalign((void **)&dbuf, pagesz,
			   maxoplen + 2 * pagesz)) {
		printf("FAIL %s: out of memory\n", name);
		return 1;
	}

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("FAIL %s: open %s: %s\n", name, path, strerror(errno));
		return 1;
	}

	for (opno = 1; opno <= nops; opno++) {
		switch (pick_op()) {
		case OP_READ: op_read(); break;
		case OP_WRITE: op_write(); break;
		case OP_TRUNCATE: op_truncate(); break;
		case OP_MAPREAD: op_mapread(); break;
		case OP_MAPWRITE: op_mapwrite(); break;
		case OP_DIOREAD: op_dioread(); break;
		case OP_PUNCH: op_punch(); break;
		case OP_FALLOC: op_falloc(); break;
		case OP_COPY: op_copy(); break;
		case OP_FSYNC: op_fsync(); break;
		case OP_REOPEN: op_reopen(); break;
		default: break;
		}
		check_size();
	}
	opno--;
	final_check();
	close(fd);
	/* and once more through a fresh open, after the last close */
	do_open();
	final_check();
	close(fd);
	printf("PASS %s: %lu ops, seed %lu%s%s%s%s\n", name, nops, seed,
	       use_mmap ? "" : ", no mmap", use_dio ? "" : ", no O_DIRECT",
	       use_falloc ? "" : ", no fallocate",
	       use_copy ? "" : ", no copy_file_range");
	return 0;
}
