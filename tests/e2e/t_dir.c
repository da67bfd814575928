// SPDX-License-Identifier: GPL-2.0
/* readdir of a large directory: every name exactly once, small getdents
 * buffers, telldir/seekdir. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fstest.h"

#define NENT 5000

struct ent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Names of varying length, so entries straddle buffer boundaries. */
static void ent_name(char *buf, size_t sz, int i)
{
	snprintf(buf, sz, "e%05d_%.*s", i, i % 37,
		 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK");
}

/* Returns the index encoded in a name, or -1 for a foreign name. */
static int ent_index(const char *name)
{
	char want[64];
	int i;

	if (name[0] != 'e' || sscanf(name + 1, "%5d", &i) != 1 || i < 0 ||
	    i >= NENT)
		return -1;
	ent_name(want, sizeof(want), i);
	return strcmp(want, name) ? -1 : i;
}

static void populate(int n)
{
	char name[64];
	int i, fd;

	for (i = 0; i < n; i++) {
		ent_name(name, sizeof(name), i);
		/* every 10th entry is a directory, every 7th a symlink */
		if (i % 10 == 3) {
			CHK(mkdir(name, 0755));
		} else if (i % 7 == 5) {
			CHK(symlink("x", name));
		} else {
			fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
			if (fd < 0)
				FAIL("create %s (#%d): %s", name, i,
				     strerror(errno));
			CHK(close(fd));
		}
	}
}

static unsigned char want_type(int i)
{
	return i % 10 == 3 ? DT_DIR : i % 7 == 5 ? DT_LNK : DT_REG;
}

/* Reads the directory with getdents64 and a buffer of bufsz bytes. */
static void scan_getdents(const char *dir, size_t bufsz, int n)
{
	unsigned char *seen = calloc(n, 1);
	char *buf = xmalloc(bufsz);
	int fd, dots = 0, total = 0;
	long got;

	fd = CHK(open(dir, O_RDONLY | O_DIRECTORY));
	while ((got = syscall(SYS_getdents64, fd, buf, bufsz)) > 0) {
		for (long off = 0; off < got;) {
			struct ent64 *e = (struct ent64 *)(buf + off);
			int i;

			EXPECT(e->d_reclen > 0 && off + e->d_reclen <= got,
			       "bad d_reclen %u", e->d_reclen);
			off += e->d_reclen;
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
				dots++;
				continue;
			}
			i = ent_index(e->d_name);
			EXPECT(i >= 0 && i < n, "unexpected name '%s'",
			       e->d_name);
			EXPECT(!seen[i], "getdents(%zu): '%s' returned twice",
			       bufsz, e->d_name);
			EXPECT(e->d_type == DT_UNKNOWN || e->d_type == want_type(i),
			       "'%s': d_type %u, want %u", e->d_name, e->d_type,
			       want_type(i));
			seen[i] = 1;
			total++;
		}
	}
	EXPECT(got == 0, "getdents64(%zu): %s", bufsz, strerror(errno));
	EXPECT(dots == 2, "getdents(%zu): %d dot entries", bufsz, dots);
	for (int i = 0; i < n; i++)
		EXPECT(seen[i], "getdents(%zu): entry #%d missing (%d of %d "
		       "seen)", bufsz, i, total, n);
	/* a too-small buffer is an error, not an endless loop */
	CHK(lseek(fd, 0, SEEK_SET));
	errno = 0;
	EXPECT(syscall(SYS_getdents64, fd, buf, 8) == -1 && errno == EINVAL,
	       "getdents64 with 8 bytes: %s", errname(errno));
	CHK(close(fd));
	free(seen);
	free(buf);
}

static void t_readdir_5000(void)
{
	unsigned char *seen = calloc(NENT, 1);
	struct dirent *de;
	DIR *d;
	int n = 0;

	CHK(mkdir("big", 0755));
	CHK(chdir("big"));
	populate(NENT);
	d = opendir(".");
	EXPECT(d, "opendir: %s", strerror(errno));
	errno = 0;
	while ((de = readdir(d))) {
		int i;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		i = ent_index(de->d_name);
		EXPECT(i >= 0, "unexpected name '%s'", de->d_name);
		EXPECT(!seen[i], "'%s' returned twice", de->d_name);
		seen[i] = 1;
		n++;
	}
	EXPECT(errno == 0, "readdir: %s", strerror(errno));
	EXPECT(n == NENT, "readdir returned %d of %d entries", n, NENT);
	closedir(d);
	/* a small buffer: one entry per call */
	scan_getdents(".", 64, NENT);
	scan_getdents(".", 32768, NENT);
	free(seen);
}

static void t_seekdir(void)
{
	char names[40][256];
	struct dirent *de;
	long pos, pos0;
	int i, k;
	DIR *d;

	CHK(mkdir("s", 0755));
	CHK(chdir("s"));
	populate(1500);
	d = opendir(".");
	EXPECT(d, "opendir: %s", strerror(errno));
	pos0 = telldir(d);
	/* go deep enough that the position is past the first reply */
	for (i = 0; i < 1100; i++)
		EXPECT(readdir(d), "readdir ended early at %d", i);
	pos = telldir(d);
	for (k = 0; k < 40; k++) {
		de = readdir(d);
		EXPECT(de, "readdir ended at %d", i + k);
		snprintf(names[k], sizeof(names[k]), "%s", de->d_name);
	}
	/* elsewhere, then back */
	rewinddir(d);
	EXPECT(readdir(d), "readdir after rewinddir");
	seekdir(d, pos);
	for (k = 0; k < 40; k++) {
		de = readdir(d);
		EXPECT(de, "readdir after seekdir ended at %d", k);
		EXPECT(!strcmp(names[k], de->d_name),
		       "after seekdir entry %d is '%s', was '%s'", k,
		       de->d_name, names[k]);
	}
	seekdir(d, pos0);
	for (i = 0; readdir(d); i++)
		;
	EXPECT(i == 1502, "from telldir() of the start: %d entries, want "
	       "1502", i);
	closedir(d);
	/* a directory changing under an open stream still lists survivors */
	d = opendir(".");
	EXPECT(d, "opendir");
	for (i = 0; i < 100; i++)
		EXPECT(readdir(d), "readdir");
	for (i = 0; i < 1500; i += 2) {
		char name[64];

		ent_name(name, sizeof(name), i);
		if (i % 10 == 3)
			CHK(rmdir(name));
		else
			CHK(unlink(name));
	}
	rewinddir(d);
	unsigned char seen[1500] = { 0 };

	while ((de = readdir(d))) {
		int j = ent_index(de->d_name);

		if (j >= 0) {
			EXPECT(j % 2 == 1, "removed entry '%s' listed after "
			       "rewinddir", de->d_name);
			EXPECT(!seen[j], "'%s' listed twice", de->d_name);
			seen[j] = 1;
		}
	}
	for (i = 1; i < 1500; i += 2)
		EXPECT(seen[i], "surviving entry #%d not listed", i);
	closedir(d);
}

static void t_empty_dir(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	CHK(mkdir("e", 0755));
	d = opendir("e");
	EXPECT(d, "opendir: %s", strerror(errno));
	while ((de = readdir(d))) {
		EXPECT(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."),
		       "empty dir lists '%s'", de->d_name);
		n++;
	}
	EXPECT(n == 2, "empty dir: %d entries", n);
	closedir(d);
}

const struct fstest dir_tests[] = {
	{ "dir.empty", t_empty_dir },
	{ "dir.readdir_5000", t_readdir_5000 },
	{ "dir.seekdir_telldir", t_seekdir },
	{ NULL, NULL }
};
