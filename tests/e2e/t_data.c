// SPDX-License-Identifier: GPL-2.0
/* File data: patterns, large files, holes, append, odd offsets, truncate. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fstest.h"

#define MiB (1024 * 1024)

static void t_pattern(void)
{
	/* sizes around page and request boundaries */
	static const size_t sizes[] = {
		0, 1, 511, 512, 4095, 4096, 4097, 65535, 65536, 131073,
		1048575, 1048576, 1048577, 3 * MiB + 17,
	};
	char name[32];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		make_file(name, sizes[i], 100 + i);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		EXPECT(file_size(name) == (off_t)sizes[i],
		       "%s: size %lld, want %zu", name,
		       (long long)file_size(name), sizes[i]);
		fd = CHK(open(name, O_RDONLY));
		check_pattern(fd, 0, sizes[i], 100 + i);
		/* reading at EOF returns 0 */
		char c;

		EXPECT(pread(fd, &c, 1, sizes[i]) == 0, "%s: read at EOF", name);
		CHK(close(fd));
	}
}

/* 64 MiB from one 1 MiB pattern, every chunk stamped with its index so a
 * misplaced chunk is caught; the checksum is computed on both passes. */
static void t_large(void)
{
	const int chunks = 64;
	char *pat = xmalloc(MiB), *buf = xmalloc(MiB);
	uint64_t sum_w = 0, sum_r = 0;
	struct stat st;
	int fd, i;

	pattern_fill(pat, MiB, 0, 42);
	fd = CHK(open("big", O_CREAT | O_TRUNC | O_RDWR, 0644));
	for (i = 0; i < chunks; i++) {
		memcpy(buf, pat, MiB);
		memcpy(buf, &i, sizeof(i));
		sum_w = checksum(buf, MiB, sum_w);
		EXPECT(write(fd, buf, MiB) == MiB, "write chunk %d: %s", i,
		       strerror(errno));
	}
	CHK(fsync(fd));
	CHK(fstat(fd, &st));
	EXPECT(st.st_size == (off_t)chunks * MiB, "size %lld",
	       (long long)st.st_size);
	CHK(close(fd));
	/* drop this client's cached pages so the data comes from the host */
	fd = CHK(open("/proc/sys/vm/drop_caches", O_WRONLY));
	CHK(write(fd, "3", 1));
	CHK(close(fd));
	fd = CHK(open("big", O_RDONLY));
	for (i = 0; i < chunks; i++) {
		int idx;

		read_all(fd, buf, MiB, (off_t)i * MiB);
		sum_r = checksum(buf, MiB, sum_r);
		memcpy(&idx, buf, sizeof(idx));
		EXPECT(idx == i, "chunk %d holds the data of chunk %d", i, idx);
		EXPECT(!memcmp(buf + sizeof(idx), pat + sizeof(idx),
			       MiB - sizeof(idx)), "chunk %d corrupted", i);
	}
	EXPECT(sum_w == sum_r, "checksum %016llx written, %016llx read",
	       (unsigned long long)sum_w, (unsigned long long)sum_r);
	CHK(close(fd));
	free(pat);
	free(buf);
}

static void t_sparse(void)
{
	const off_t far = 100LL * MiB;
	struct stat st;
	int fd;

	fd = CHK(open("s", O_CREAT | O_TRUNC | O_RDWR, 0644));
	write_pattern(fd, 0, 4096, 1);
	write_pattern(fd, 10 * MiB + 123, 5000, 2);
	write_pattern(fd, far, 4096, 3);
	CHK(fsync(fd));
	CHK(fstat(fd, &st));
	EXPECT(st.st_size == far + 4096, "size %lld", (long long)st.st_size);
	/* the holes read as zeros */
	check_pattern(fd, 0, 4096, 1);
	check_zeros(fd, 4096, 10 * MiB + 123 - 4096);
	check_pattern(fd, 10 * MiB + 123, 5000, 2);
	check_zeros(fd, 10 * MiB + 123 + 5000, 2 * MiB);
	check_zeros(fd, far - MiB, MiB);
	check_pattern(fd, far, 4096, 3);
	/* and take no space: allow generous block-size rounding */
	EXPECT(st.st_blocks * 512 < 4 * MiB,
	       "sparse file of %lld bytes uses %lld blocks",
	       (long long)st.st_size, (long long)st.st_blocks);
	CHK(close(fd));
}

static void t_seek_data_hole(void)
{
	const off_t hole_end = 4 * MiB, size = 8 * MiB;
	off_t r;
	int fd;

	fd = CHK(open("s", O_CREAT | O_TRUNC | O_RDWR, 0644));
	write_pattern(fd, 0, 64 * 1024, 1);
	write_pattern(fd, hole_end, 64 * 1024, 2);
	CHK(ftruncate(fd, size));
	CHK(fsync(fd));
	r = lseek(fd, 0, SEEK_HOLE);
	if (r < 0 && errno == EINVAL)
		skip("SEEK_HOLE: EINVAL");
	EXPECT(r >= 0, "SEEK_HOLE: %s", strerror(errno));
	if (r == size)
		skip("no hole reporting (SEEK_HOLE at 0 gives EOF: "
		     "generic fallback, no FUSE_LSEEK in the server)");
	EXPECT(r >= 64 * 1024 && r < hole_end, "SEEK_HOLE from 0 = %lld",
	       (long long)r);
	r = CHK(lseek(fd, 100 * 1024, SEEK_DATA));
	EXPECT(r <= hole_end && r > 64 * 1024, "SEEK_DATA from 100K = %lld, "
	       "want %lld", (long long)r, (long long)hole_end);
	r = CHK(lseek(fd, hole_end, SEEK_HOLE));
	EXPECT(r >= hole_end + 64 * 1024 && r <= size,
	       "SEEK_HOLE from data = %lld", (long long)r);
	/* the implicit hole at EOF: SEEK_DATA past the last data fails */
	EXPECT_ERR(lseek(fd, hole_end + 2 * MiB, SEEK_DATA), ENXIO);
	EXPECT_ERR(lseek(fd, size, SEEK_HOLE), ENXIO);
	EXPECT(lseek(fd, 0, SEEK_DATA) == 0, "SEEK_DATA at data");
	CHK(close(fd));
}

static void t_append(void)
{
	int fd, fd2;
	off_t pos;

	make_file("a", 1000, 1);
	fd = CHK(open("a", O_WRONLY | O_APPEND));
	fd2 = CHK(open("a", O_WRONLY | O_APPEND));
	/* two appenders interleave but never overwrite each other */
	char b1[300], b2[700];

	pattern_fill(b1, sizeof(b1), 1000, 1);
	pattern_fill(b2, sizeof(b2), 1300, 1);
	EXPECT(write(fd, b1, sizeof(b1)) == sizeof(b1), "append 1");
	pos = CHK(lseek(fd, 0, SEEK_CUR));
	EXPECT(pos == 1300, "offset after append %lld", (long long)pos);
	EXPECT(write(fd2, b2, sizeof(b2)) == sizeof(b2), "append 2");
	pos = CHK(lseek(fd2, 0, SEEK_CUR));
	EXPECT(pos == 2000, "second fd offset after append %lld",
	       (long long)pos);
	/* lseek does not defeat O_APPEND */
	CHK(lseek(fd, 0, SEEK_SET));
	pattern_fill(b1, 100, 2000, 1);
	EXPECT(write(fd, b1, 100) == 100, "append 3");
	CHK(close(fd));
	CHK(close(fd2));
	EXPECT(file_size("a") == 2100, "size %lld, want 2100",
	       (long long)file_size("a"));
	fd = CHK(open("a", O_RDONLY));
	check_pattern(fd, 0, 2100, 1);
	CHK(close(fd));
}

static void t_odd_offsets(void)
{
	static const off_t offs[] = { 1, 4095, 4097, 12345, 65537, 1048573 };
	static const size_t lens[] = { 1, 3, 4096, 5000, 70000, 131071 };
	char *buf = xmalloc(2 * MiB);
	size_t i, end = 0;
	int fd;

	fd = CHK(open("o", O_CREAT | O_TRUNC | O_RDWR, 0644));
	/* a base layer, then odd-sized patches at odd offsets */
	write_pattern(fd, 0, MiB + 200000, 7);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		pattern_fill(buf, lens[i], offs[i], 8);
		write_all(fd, buf, lens[i], offs[i]);
	}
	/* build the expected image in memory and compare everything */
	char *want = xmalloc(2 * MiB);

	pattern_fill(want, MiB + 200000, 0, 7);
	end = MiB + 200000;
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		pattern_fill(want + offs[i], lens[i], offs[i], 8);
		if (offs[i] + lens[i] > end)
			end = offs[i] + lens[i];
	}
	EXPECT(file_size("o") == (off_t)end, "size %lld, want %zu",
	       (long long)file_size("o"), end);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		size_t n = lens[i] + 7;

		if (offs[i] + n > end)
			n = end - offs[i];
		read_all(fd, buf, n, offs[i] - 1);
		EXPECT(!memcmp(buf, want + offs[i] - 1, n),
		       "pread of %zu at %lld differs", n,
		       (long long)offs[i] - 1);
	}
	read_all(fd, buf, end, 0);
	EXPECT(!memcmp(buf, want, end), "whole-file read differs");
	CHK(close(fd));
	free(buf);
	free(want);
}

static void t_truncate(void)
{
	struct stat st;
	int fd;

	fd = CHK(open("t", O_CREAT | O_TRUNC | O_RDWR, 0644));
	write_pattern(fd, 0, 100000, 9);
	/* down into the middle of a page, then up: the tail must be zeros,
	 * including the part of the old last page that was cached */
	CHK(ftruncate(fd, 5000));
	CHK(fstat(fd, &st));
	EXPECT(st.st_size == 5000, "size after shrink %lld",
	       (long long)st.st_size);
	char c;

	EXPECT(pread(fd, &c, 1, 5000) == 0, "read past new EOF returned data");
	CHK(ftruncate(fd, 300000));
	check_pattern(fd, 0, 5000, 9);
	check_zeros(fd, 5000, 300000 - 5000);
	/* truncate(2) by path, down to zero and up again */
	CHK(truncate("t", 0));
	CHK(fstat(fd, &st));
	EXPECT(st.st_size == 0, "size after truncate(0) %lld",
	       (long long)st.st_size);
	CHK(truncate("t", 8192));
	check_zeros(fd, 0, 8192);
	CHK(close(fd));
}

const struct fstest data_tests[] = {
	{ "data.pattern", t_pattern },
	{ "data.large_64m", t_large },
	{ "data.sparse", t_sparse },
	{ "data.seek_data_hole", t_seek_data_hole },
	{ "data.append", t_append },
	{ "data.odd_offsets", t_odd_offsets },
	{ "data.truncate", t_truncate },
	{ NULL, NULL }
};
