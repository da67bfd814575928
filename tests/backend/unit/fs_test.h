/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness for the FUSE server unit tests: a server on a fresh temp dir and
 * a call() that builds a request, chops it (and the reply buffer) into
 * small iovecs so no handler can assume a header arrives in one piece,
 * and checks the reply's framing before the test looks at its content.
 */
#ifndef FS_TEST_H
#define FS_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_server.h"

struct t {
	struct fs_server *srv;
	char dir[64];
	uint64_t unique;
	size_t chunk;		/* request iovec size, 0 = one iovec */
	uint32_t uid, gid;
	char why[512];		/* first failure of the current case */
	int failed;
};

static int t_total_failed;

#define T_CHECK(t, cond, fmt, ...)					\
	do {								\
		if (!(cond) && !(t)->why[0]) {				\
			snprintf((t)->why, sizeof((t)->why),		\
				 "line %d: " fmt, __LINE__,		\
				 ##__VA_ARGS__);			\
		}							\
	} while (0)

static inline void t_rm_rf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

/* The whole of a text file (a log the test made), NUL-terminated; NULL on error. */
static inline char *t_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = n < 0 ? NULL : calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static inline struct fs_server *t_server(struct t *t, const struct fs_config *base)
{
	struct fs_config cfg = { .cache = FS_CACHE_AUTO, .xattr = true };

	if (base)
		cfg = *base;
	cfg.shared_dir = t->dir;
	return fs_server_new(&cfg);
}

/* Fresh temp dir + server; cfg may be NULL for the defaults. */
static inline int t_setup(struct t *t, const struct fs_config *cfg)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/vng-fs-unit.XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	chmod(t->dir, 0777);
	t->chunk = 7;
	t->srv = t_server(t, cfg);
	return t->srv ? 0 : -1;
}

static inline void t_teardown(struct t *t)
{
	fs_server_free(t->srv);
	t->srv = NULL;
	t_rm_rf(t->dir);
}

static inline void t_report(struct t *t, const char *name)
{
	if (t->why[0]) {
		printf("FAIL unit/fs.%s: %s\n", name, t->why);
		t_total_failed++;
	} else {
		printf("PASS unit/fs.%s\n", name);
	}
	t->why[0] = '\0';
	fflush(stdout);
}

struct t_case {
	const char *name;
	void (*fn)(struct t *t);
};

/*
 * A test program's main: runs every case on a fresh server and temp dir
 * and prints its result line.  A case that can only skip sets why to
 * "skip"; skip_why says why on its line.  Returns the exit status.
 */
static inline int t_run_cases(const struct t_case *cases, size_t n,
			      const char *skip_why)
{
	struct t t;
	size_t i;

	for (i = 0; i < n; i++) {
		if (t_setup(&t, NULL)) {
			printf("FAIL unit/fs.%s: setup: %s\n", cases[i].name,
			       strerror(errno));
			t_total_failed++;
			continue;
		}
		cases[i].fn(&t);
		t_teardown(&t);
		if (!strcmp(t.why, "skip")) {
			printf("SKIP unit/fs.%s: %s\n", cases[i].name,
			       skip_why ? skip_why : "cannot run here");
			continue;
		}
		t_report(&t, cases[i].name);
	}
	return t_total_failed ? 1 : 0;
}

/*
 * Sends opcode with up to three argument blobs; the reply payload is
 * copied to out (at most outsize bytes).  Returns the payload length, or
 * -1 when there was no reply; *err gets the out header's error.
 * replycap limits the guest's writable buffer (0: header + outsize).
 */
static inline long t_raw(struct t *t, const void *req, size_t reqlen, void *reply,
		  size_t replycap, size_t chunk)
{
	struct iovec rd[4096], wr[2];
	size_t off = 0;
	int nrd = 0;

	while (off < reqlen && nrd < 4095) {
		size_t l = chunk && reqlen - off > chunk ? chunk : reqlen - off;

		rd[nrd].iov_base = (char *)req + off;
		rd[nrd].iov_len = l;
		off += l;
		nrd++;
	}
	if (off < reqlen) {
		rd[nrd].iov_base = (char *)req + off;
		rd[nrd].iov_len = reqlen - off;
		nrd++;
	}
	/* the reply buffer in two pieces, split inside the out header */
	wr[0].iov_base = reply;
	wr[0].iov_len = replycap < 5 ? replycap : 5;
	wr[1].iov_base = (char *)reply + wr[0].iov_len;
	wr[1].iov_len = replycap - wr[0].iov_len;
	return fs_server_handle(t->srv, rd, nrd, wr, 2);
}

static inline long t_call(struct t *t, uint32_t opcode, uint64_t nodeid,
		   const void *a1, size_t l1, const void *a2, size_t l2,
		   const void *a3, size_t l3, void *out, size_t outsize,
		   int *err)
{
	size_t reqlen = sizeof(struct fuse_in_header) + l1 + l2 + l3;
	size_t cap = sizeof(struct fuse_out_header) + outsize;
	unsigned char *req = malloc(reqlen), *reply = calloc(1, cap);
	struct fuse_in_header *ih = (void *)req;
	struct fuse_out_header oh;
	long n, ret = -1;

	*err = 0;
	if (out)
		memset(out, 0, outsize);
	if (!req || !reply)
		goto out;
	memset(ih, 0, sizeof(*ih));
	ih->len = (uint32_t)reqlen;
	ih->opcode = opcode;
	ih->unique = ++t->unique;
	ih->nodeid = nodeid;
	ih->uid = t->uid;
	ih->gid = t->gid;
	ih->pid = 4242;
	if (l1)
		memcpy(req + sizeof(*ih), a1, l1);
	if (l2)
		memcpy(req + sizeof(*ih) + l1, a2, l2);
	if (l3)
		memcpy(req + sizeof(*ih) + l1 + l2, a3, l3);
	n = t_raw(t, req, reqlen, reply, cap, t->chunk);
	if (n <= 0)
		goto out;
	memcpy(&oh, reply, sizeof(oh));
	T_CHECK(t, n >= (long)sizeof(oh), "reply of %ld bytes", n);
	T_CHECK(t, oh.len == (uint32_t)n, "out len %u but %ld bytes written",
		oh.len, n);
	T_CHECK(t, oh.unique == ih->unique, "unique %llu for %llu",
		(unsigned long long)oh.unique,
		(unsigned long long)ih->unique);
	T_CHECK(t, oh.error <= 0 && oh.error > -4096, "error %d", oh.error);
	T_CHECK(t, !oh.error || n == (long)sizeof(oh),
		"error reply with payload");
	*err = oh.error;
	ret = n - (long)sizeof(oh);
	if (out && ret > 0)
		memcpy(out, reply + sizeof(oh), (size_t)ret);
out:
	free(req);
	free(reply);
	return ret;
}

static inline int t_init(struct t *t)
{
	struct fuse_init_in in = {
		.major = 7, .minor = 38, .max_readahead = 131072,
		.flags = 0xffffffffu,
	};
	struct fuse_init_out out;
	int err;
	long n = t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0,
			&out, sizeof(out), &err);

	return n == sizeof(out) && !err ? 0 : -1;
}

static inline int t_lookup(struct t *t, uint64_t dir, const char *name,
		    struct fuse_entry_out *e)
{
	int err;
	long n;

	memset(e, 0, sizeof(*e));
	n = t_call(t, FUSE_LOOKUP, dir, name, strlen(name) + 1, NULL, 0,
			NULL, 0, e, sizeof(*e), &err);

	if (err)
		return err;
	return n == sizeof(*e) ? 0 : -EPROTO;
}

/* CREATE name in dir; returns 0 and the entry and fh. */
static inline int t_create(struct t *t, uint64_t dir, const char *name,
		    uint32_t mode, uint32_t flags, struct fuse_entry_out *e,
		    uint64_t *fh)
{
	struct fuse_create_in in = { .flags = flags, .mode = mode,
				     .umask = 022 };
	unsigned char out[sizeof(struct fuse_entry_out) +
			  sizeof(struct fuse_open_out)];
	struct fuse_open_out o;
	int err;
	long n;

	memset(e, 0, sizeof(*e));
	*fh = 0;
	n = t_call(t, FUSE_CREATE, dir, &in, sizeof(in), name,
			strlen(name) + 1, NULL, 0, out, sizeof(out), &err);

	if (err)
		return err;
	if (n != sizeof(out))
		return -EPROTO;
	memcpy(e, out, sizeof(*e));
	memcpy(&o, out + sizeof(*e), sizeof(o));
	*fh = o.fh;
	return 0;
}

static inline int t_write(struct t *t, uint64_t nodeid, uint64_t fh, uint64_t off,
		   const void *data, uint32_t len)
{
	struct fuse_write_in in = { .fh = fh, .offset = off, .size = len };
	struct fuse_write_out out;
	int err;
	long n = t_call(t, FUSE_WRITE, nodeid, &in, sizeof(in), data, len,
			NULL, 0, &out, sizeof(out), &err);

	if (err)
		return err;
	return n == sizeof(out) ? (int)out.size : -EPROTO;
}

static inline long t_read(struct t *t, uint64_t nodeid, uint64_t fh, uint64_t off,
		   void *buf, uint32_t len, int *err)
{
	struct fuse_read_in in = { .fh = fh, .offset = off, .size = len };

	return t_call(t, FUSE_READ, nodeid, &in, sizeof(in), NULL, 0, NULL, 0,
		      buf, len, err);
}

static inline int t_forget(struct t *t, uint64_t nodeid, uint64_t n)
{
	struct fuse_forget_in in = { .nlookup = n };
	int err;

	return (int)t_call(t, FUSE_FORGET, nodeid, &in, sizeof(in), NULL, 0,
			   NULL, 0, NULL, 0, &err);
}

#endif
