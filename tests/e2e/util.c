// SPDX-License-Identifier: GPL-2.0
/* Data patterns and I/O helpers shared by the tests. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fstest.h"

/* splitmix64: a cheap, well-mixed function of (seed, word index). */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint8_t pattern_byte(uint64_t pos, uint64_t seed)
{
	return mix((pos >> 3) ^ (seed << 40) ^ seed) >> ((pos & 7) * 8);
}

void pattern_fill(void *buf, size_t len, uint64_t off, uint64_t seed)
{
	uint8_t *p = buf;
	size_t i = 0;

	/* Whole words when aligned: this fills 64 MiB quickly under TCG. */
	while (i < len && ((off + i) & 7))
		p[i] = pattern_byte(off + i, seed), i++;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = mix(((off + i) >> 3) ^ (seed << 40) ^ seed);

		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] = pattern_byte(off + i, seed);
}

long pattern_check(const void *buf, size_t len, uint64_t off, uint64_t seed)
{
	const uint8_t *p = buf;
	uint8_t tmp[4096];
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < sizeof(tmp) ? len - i : sizeof(tmp);
		pattern_fill(tmp, n, off + i, seed);
		if (memcmp(tmp, p + i, n)) {
			size_t j = 0;

			while (tmp[j] == p[i + j])
				j++;
			return i + j;
		}
	}
	return -1;
}

long zero_check(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return i;
	return -1;
}

/* FNV-1a, 64 bit. */
uint64_t checksum(const void *buf, size_t len, uint64_t h)
{
	const uint8_t *p = buf;

	if (!h)
		h = 0xcbf29ce484222325ULL;
	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

void write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			FAIL("pwrite %zu at %lld: %s", len, (long long)off,
			     n ? strerror(errno) : "wrote 0");
		p += n;
		off += n;
		len -= n;
	}
}

void read_all(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			FAIL("pread %zu at %lld: %s", len, (long long)off,
			     strerror(errno));
		if (n == 0)
			FAIL("pread %zu at %lld: early EOF", len,
			     (long long)off);
		p += n;
		off += n;
		len -= n;
	}
}

#define CHUNK (1024 * 1024)

void write_pattern(int fd, off_t off, size_t len, uint64_t seed)
{
	char *buf = xmalloc(CHUNK);
	size_t n;

	while (len) {
		n = len < CHUNK ? len : CHUNK;
		pattern_fill(buf, n, off, seed);
		write_all(fd, buf, n, off);
		off += n;
		len -= n;
	}
	free(buf);
}

void check_pattern(int fd, off_t off, size_t len, uint64_t seed)
{
	char *buf = xmalloc(CHUNK);
	size_t n;
	long bad;

	while (len) {
		n = len < CHUNK ? len : CHUNK;
		read_all(fd, buf, n, off);
		bad = pattern_check(buf, n, off, seed);
		if (bad >= 0)
			FAIL("data mismatch at offset %lld (seed %llu)",
			     (long long)(off + bad), (unsigned long long)seed);
		off += n;
		len -= n;
	}
	free(buf);
}

void check_zeros(int fd, off_t off, size_t len)
{
	char *buf = xmalloc(CHUNK);
	size_t n;
	long bad;

	while (len) {
		n = len < CHUNK ? len : CHUNK;
		read_all(fd, buf, n, off);
		bad = zero_check(buf, n);
		if (bad >= 0)
			FAIL("expected zeros, found 0x%02x at offset %lld",
			     (unsigned char)buf[bad], (long long)(off + bad));
		off += n;
		len -= n;
	}
	free(buf);
}

void make_file(const char *name, size_t len, uint64_t seed)
{
	int fd = CHK(open(name, O_CREAT | O_TRUNC | O_WRONLY, 0644));

	write_pattern(fd, 0, len, seed);
	CHK(close(fd));
}

off_t file_size(const char *name)
{
	struct stat st;

	CHK(lstat(name, &st));
	return st.st_size;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		FAIL("out of memory (%zu bytes)", n);
	return p;
}
