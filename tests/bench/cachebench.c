// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata workloads for the coherent-caching table (issue 14: cache=always
 * with host notifications against cache=auto), run in the guest:
 *
 *   cachebench WORKLOAD DIR PASSES GAP_MS
 *
 * WORKLOAD over the tree DIR:
 *   stat_tree   lstat() every path (as make or git status do)
 *   find_tree   list every directory, recursing by d_type (find DIR)
 *   ls_lR_tree  list every directory and lstat() every entry (ls -lR)
 *   open_close  open() and close() every regular file
 *   read_tree   read every regular file whole (cat, grep -r)
 *
 * One untimed pass first (both clients start warm, and it finds the
 * paths), then PASSES timed passes, each after sleeping GAP_MS.  The
 * sleep is the point: cache=auto trusts what it cached for the host's
 * timeout (1 s with the in-repo backend), so back-to-back passes would
 * hit its cache as well; a tool run again later (the next make, the
 * editor's next save) finds it expired.  cache=always with notifications
 * keeps it, because the host says when it changes.
 *
 * Every pass must see the same number of entries as the first (a pass
 * that silently did less is an error).  Prints "WORKLOAD SECONDS ENTRIES
 * REQUESTS" with SECONDS the sum of the timed passes, on the monotonic
 * clock, and REQUESTS the FUSE requests they sent: the sum of the counters
 * (virtiofs-ng's /sys/fs/virtiofs_ng/N/queues/Q/sent) named in $VNG_SENT,
 * "-" without it.
 *
 * The coherence checks that go with it (the host has just changed
 * something; the guest must see it, not what it cached):
 *
 *   cachebench content FILE TEXT BOUND_MS   until FILE reads TEXT + "\n"
 *   cachebench entry DIR NAME 1|0 BOUND_MS  until DIR/NAME exists (1) or
 *                                           not (0), by lstat() and in a
 *                                           listing of DIR alike
 *
 * print the milliseconds it took, or fail after BOUND_MS.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct paths {
	char **v;
	size_t n, cap;
	char **files;		/* regular files: a subset of v */
	size_t nfiles, fcap;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "cachebench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void push(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = realloc(*v, *cap * sizeof(**v));
		if (!*v)
			die("realloc");
	}
	(*v)[(*n)++] = s;
}

/*
 * Lists dir recursively; with st, lstat()s every entry too.  Collects the
 * paths into p when it is given.  Returns the entries seen.
 */
static size_t walk(const char *dir, int st, struct paths *p)
{
	char path[PATH_MAX];
	struct dirent *d;
	struct stat sb;
	size_t n = 0;
	DIR *dh = opendir(dir);

	if (!dh)
		die(dir);
	while ((errno = 0, d = readdir(dh))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     d->d_name) >= sizeof(path))
			die("path too long");
		n++;
		if (st && lstat(path, &sb) < 0)
			die(path);
		if (p) {
			char *s = strdup(path);

			if (!s)
				die("strdup");
			push(&p->v, &p->n, &p->cap, s);
			if (d->d_type == DT_REG)
				push(&p->files, &p->nfiles, &p->fcap, s);
		}
		if (d->d_type == DT_DIR)
			n += walk(path, st, p);
		else if (d->d_type == DT_UNKNOWN)
			die("readdir gave DT_UNKNOWN");
	}
	if (errno)
		die("readdir");
	closedir(dh);
	return n;
}

static size_t stat_all(const struct paths *p)
{
	struct stat sb;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (lstat(p->v[i], &sb) < 0)
			die(p->v[i]);
	return p->n;
}

static size_t open_all(const struct paths *p, int rd)
{
	static char buf[65536];
	size_t i;
	ssize_t got;
	int fd;

	for (i = 0; i < p->nfiles; i++) {
		fd = open(p->files[i], O_RDONLY);
		if (fd < 0)
			die(p->files[i]);
		while (rd && (got = read(fd, buf, sizeof(buf))) > 0)
			;
		if (rd && got < 0)
			die(p->files[i]);
		close(fd);
	}
	return p->nfiles;
}

/* The requests the client sent so far: the counters in $VNG_SENT. */
static long long sent(void)
{
	const char *list = getenv("VNG_SENT");
	char path[PATH_MAX], *sp, *tok;
	long long sum = 0, v;
	FILE *f;

	if (!list || !*list)
		return -1;
	snprintf(path, sizeof(path), "%s", list);
	for (tok = strtok_r(path, " ", &sp); tok; tok = strtok_r(NULL, " ", &sp)) {
		f = fopen(tok, "r");
		if (!f || fscanf(f, "%lld", &v) != 1)
			die(tok);
		fclose(f);
		sum += v;
	}
	return sum;
}

static size_t pass(const char *w, const char *dir, const struct paths *p)
{
	if (!strcmp(w, "stat_tree"))
		return stat_all(p);
	if (!strcmp(w, "find_tree"))
		return walk(dir, 0, NULL);
	if (!strcmp(w, "ls_lR_tree"))
		return walk(dir, 1, NULL);
	if (!strcmp(w, "open_close"))
		return open_all(p, 0);
	if (!strcmp(w, "read_tree"))
		return open_all(p, 1);
	fprintf(stderr, "cachebench: unknown workload %s\n", w);
	exit(2);
}

static int content_is(const char *file, const char *text)
{
	char buf[256];
	size_t len = strlen(text);
	ssize_t got;
	int fd = open(file, O_RDONLY);

	if (fd < 0)
		return 0;
	got = read(fd, buf, sizeof(buf));
	close(fd);
	return got == (ssize_t)len + 1 && !memcmp(buf, text, len) &&
	       buf[len] == '\n';
}

static int entry_is(const char *dir, const char *name, int want)
{
	char path[PATH_MAX];
	struct dirent *d;
	struct stat sb;
	int listed = 0;
	DIR *dh;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((lstat(path, &sb) == 0) != want)
		return 0;
	dh = opendir(dir);
	if (!dh)
		die(dir);
	while ((d = readdir(dh)))
		if (!strcmp(d->d_name, name))
			listed = 1;
	closedir(dh);
	return listed == want;
}

/* Polls until the host's change shows, every millisecond, up to bound. */
static int coherence(int argc, char **argv)
{
	double t0 = now(), bound;
	int ok;

	if (!strcmp(argv[1], "content") && argc == 5)
		bound = atoi(argv[4]) / 1e3;
	else if (!strcmp(argv[1], "entry") && argc == 6)
		bound = atoi(argv[5]) / 1e3;
	else
		return 2;
	for (;;) {
		if (argv[1][0] == 'c')
			ok = content_is(argv[2], argv[3]);
		else
			ok = entry_is(argv[2], argv[3], atoi(argv[4]));
		if (ok) {
			printf("%.1f\n", (now() - t0) * 1e3);
			return 0;
		}
		if (now() - t0 > bound) {
			fprintf(stderr, "cachebench: %s %s %s: not seen within %.0f ms\n",
				argv[1], argv[2], argv[3], bound * 1e3);
			return 1;
		}
		usleep(1000);
	}
}

int main(int argc, char **argv)
{
	struct paths p = {};
	size_t want, got;
	double total = 0, t0;
	long long req = 0, r0;
	int passes, gap, i;

	if (argc > 1 && (!strcmp(argv[1], "content") || !strcmp(argv[1], "entry"))) {
		i = coherence(argc, argv);
		if (i == 2)
			fprintf(stderr, "usage: cachebench content FILE TEXT MS | entry DIR NAME 1|0 MS\n");
		return i;
	}
	if (argc != 5 || (passes = atoi(argv[3])) <= 0 ||
	    (gap = atoi(argv[4])) < 0) {
		fprintf(stderr, "usage: cachebench WORKLOAD DIR PASSES GAP_MS\n");
		return 2;
	}
	/* the untimed pass: the paths, and both clients' caches warm */
	walk(argv[2], 0, &p);
	want = pass(argv[1], argv[2], &p);
	if (!want) {
		fprintf(stderr, "cachebench: %s: nothing in %s\n", argv[1], argv[2]);
		return 1;
	}
	for (i = 0; i < passes; i++) {
		usleep((useconds_t)gap * 1000);
		r0 = sent();
		t0 = now();
		got = pass(argv[1], argv[2], &p);
		total += now() - t0;
		req += sent() - r0;
		if (got != want) {
			fprintf(stderr, "cachebench: %s pass %d saw %zu entries, the first %zu\n",
				argv[1], i + 1, got, want);
			return 1;
		}
	}
	if (sent() < 0)
		printf("%s %.4f %zu -\n", argv[1], total, want);
	else
		printf("%s %.4f %zu %lld\n", argv[1], total, want, req);
	return 0;
}
