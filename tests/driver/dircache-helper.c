// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper of tests/driver/dircache: reads a directory the ways a
 * cached listing must serve exactly as the host would.
 *
 *   dircache-helper dump DIR  one "d_off name" line per entry, read with
 *                       getdents64 and a buffer of about one entry
 *   dircache-helper seek DIR  checks, printing "OK <what>" or "FAIL <what>":
 *                       small buffers and a large one list the same; an
 *                       lseek() to each saved d_off continues with the
 *                       entries after it; seekdir() to a telldir() taken
 *                       mid-listing returns the same names again;
 *                       rewinddir() starts over; two descriptors read in
 *                       turns each get the whole listing
 * Exits 1 on any FAIL.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ent {
	long long off;
	char name[256];
};

struct list {
	struct ent *e;
	int n, cap;
};

static int failed;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "OK" : "FAIL", what);
	if (!ok)
		failed = 1;
}

static void add(struct list *l, long long off, const char *name)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
		if (!l->e) {
			perror("realloc");
			exit(2);
		}
	}
	l->e[l->n].off = off;
	snprintf(l->e[l->n].name, sizeof(l->e[l->n].name), "%s", name);
	l->n++;
}

/* One getdents64 call into a buffer of bufsz bytes; 0 at the end. */
static int chunk(int fd, struct list *l, size_t bufsz)
{
	char *buf = malloc(bufsz);
	long n, pos;

	if (!buf)
		exit(2);
	n = syscall(SYS_getdents64, fd, buf, bufsz);
	if (n < 0) {
		perror("getdents64");
		exit(2);
	}
	for (pos = 0; pos < n;) {
		struct dirent64 *d = (struct dirent64 *)(buf + pos);

		add(l, d->d_off, d->d_name);
		pos += d->d_reclen;
	}
	free(buf);
	return n > 0;
}

/* The rest of the listing from where fd is. */
static void rest(int fd, struct list *l, size_t bufsz)
{
	while (chunk(fd, l, bufsz))
		;
}

static int same(const struct list *a, int from, const struct list *b)
{
	int i;

	if (a->n - from != b->n)
		return 0;
	for (i = 0; i < b->n; i++)
		if (strcmp(a->e[from + i].name, b->e[i].name) ||
		    a->e[from + i].off != b->e[i].off)
			return 0;
	return 1;
}

/* Enough for one entry with a long name, not for two. */
#define SMALL	(sizeof(struct dirent64) + 256)

static int opendir_fd(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0) {
		perror(dir);
		exit(2);
	}
	return fd;
}

static void seek_checks(const char *dir)
{
	struct list big = {}, small = {}, a = {}, b = {}, part = {};
	int fd = opendir_fd(dir), fd2, i, k, more_a, more_b;
	int picks[4];
	char what[128], name[256];
	long saved;
	DIR *d;
	struct dirent *de;

	rest(fd, &big, 65536);
	check(big.n >= 3, "listing_has_entries");
	lseek(fd, 0, SEEK_SET);
	rest(fd, &small, SMALL);
	check(same(&big, 0, &small), "small_buffer_same_listing");

	/* lseek to a saved d_off: the entries after that one follow */
	picks[0] = 0;
	picks[1] = big.n / 3;
	picks[2] = big.n / 2;
	picks[3] = big.n - 1;
	for (i = 0; i < 4; i++) {
		k = picks[i];
		part.n = 0;
		if (lseek(fd, big.e[k].off, SEEK_SET) != big.e[k].off) {
			check(0, "lseek_to_saved_off");
			continue;
		}
		rest(fd, &part, i % 2 ? SMALL : 65536);
		snprintf(what, sizeof(what), "lseek_to_entry_%d_of_%d", k, big.n);
		check(same(&big, k + 1, &part), what);
	}
	close(fd);

	/* telldir/seekdir through libc, rewinddir */
	d = opendir(dir);
	if (!d) {
		perror(dir);
		exit(2);
	}
	for (i = 0; i < big.n / 2 && (de = readdir(d)); i++)
		;
	saved = telldir(d);
	de = readdir(d);
	snprintf(name, sizeof(name), "%s", de ? de->d_name : "(end)");
	for (; readdir(d);)
		;
	seekdir(d, saved);
	de = readdir(d);
	check(de && !strcmp(de->d_name, name), "seekdir_returns_same_name");
	part.n = 0;
	if (de)
		add(&part, 0, de->d_name);
	while ((de = readdir(d)))
		add(&part, 0, de->d_name);
	for (k = 0, i = big.n / 2; i < big.n && k < part.n; i++, k++)
		if (strcmp(big.e[i].name, part.e[k].name))
			break;
	check(k == part.n && i == big.n, "seekdir_continues_like_first_pass");
	rewinddir(d);
	for (k = 0; (de = readdir(d)); k++)
		;
	check(k == big.n, "rewinddir_lists_all");
	closedir(d);

	/* two descriptors in turns */
	fd = opendir_fd(dir);
	fd2 = opendir_fd(dir);
	more_a = more_b = 1;
	while (more_a || more_b) {
		if (more_a)
			more_a = chunk(fd, &a, SMALL);
		if (more_b)
			more_b = chunk(fd2, &b, 2 * SMALL);
	}
	check(same(&big, 0, &a) && same(&big, 0, &b), "two_fds_in_turns");
	close(fd);
	close(fd2);
}

int main(int argc, char **argv)
{
	struct list l = {};
	int i, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: dircache-helper dump|seek DIR\n");
		return 2;
	}
	if (!strcmp(argv[1], "dump")) {
		fd = opendir_fd(argv[2]);
		rest(fd, &l, SMALL);
		for (i = 0; i < l.n; i++)
			printf("%lld %s\n", l.e[i].off, l.e[i].name);
		close(fd);
		return 0;
	}
	if (!strcmp(argv[1], "seek")) {
		seek_checks(argv[2]);
		return failed;
	}
	fprintf(stderr, "dircache-helper: unknown mode %s\n", argv[1]);
	return 2;
}
