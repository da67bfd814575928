// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE server against a hostile or buggy guest: escapes from the
 * shared dir, malformed lengths, made-up nodeids and handles, --readonly,
 * caller credentials, cache modes and locks.
 */
#include <sys/file.h>

#include "fs_test.h"

static void test_escape(struct t *t)
{
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_entry_out e, l;
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	char outside[128], path[256], longname[300];
	uint64_t fh;
	int err;

	T_CHECK(t, t_init(t) == 0, "init");
	/* ".." of the root is the root, never its parent */
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "..", &e) == 0 &&
		   e.nodeid == FUSE_ROOT_ID, "'..' of root: nodeid %llu",
		(unsigned long long)e.nodeid);
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "../etc", &e) == -EINVAL,
		"'../etc' accepted");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "a/b", &e) == -EINVAL,
		"'a/b' accepted");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "/etc", &e) == -EINVAL,
		"'/etc' accepted");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "", &e) == -EINVAL,
		"empty name accepted");
	memset(longname, 'a', 256);
	longname[256] = 0;
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, longname, &e) == -ENAMETOOLONG,
		"256-byte name");
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "..", 0644, O_RDWR, &e, &fh) ==
		   -EINVAL, "create '..'");
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "x/y", 0644, O_RDWR, &e, &fh) ==
		   -EINVAL, "create 'x/y'");
	t_call(t, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), ".", 2, NULL, 0,
	       &e, sizeof(e), &err);
	T_CHECK(t, err == -EINVAL, "mkdir '.': %d", err);
	t_call(t, FUSE_UNLINK, FUSE_ROOT_ID, "..", 3, NULL, 0, NULL, 0, NULL,
	       0, &err);
	T_CHECK(t, err == -EINVAL, "unlink '..': %d", err);
	{
		struct fuse_rename_in rn = { .newdir = FUSE_ROOT_ID };

		t_call(t, FUSE_RENAME, FUSE_ROOT_ID, &rn, sizeof(rn), "a", 2,
		       "../a", 5, NULL, 0, &err);
		T_CHECK(t, err == -EINVAL, "rename to '../a': %d", err);
	}

	/* symlinks pointing out of the share are never followed */
	snprintf(outside, sizeof(outside), "%s.outside", t->dir);
	mkdir(outside, 0777);
	snprintf(path, sizeof(path), "%s/secret", outside);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	snprintf(path, sizeof(path), "%s/outdir", t->dir);
	T_CHECK(t, symlink(outside, path) == 0, "symlink");
	snprintf(path, sizeof(path), "%s/outfile", t->dir);
	snprintf(longname, sizeof(longname), "%s/secret", outside);
	T_CHECK(t, symlink(longname, path) == 0, "symlink");
	snprintf(path, sizeof(path), "%s/dangling", t->dir);
	snprintf(longname, sizeof(longname), "%s/created", outside);
	T_CHECK(t, symlink(longname, path) == 0, "symlink");

	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "outdir", &l) == 0 &&
		   S_ISLNK(l.attr.mode), "outdir is not a symlink to us");
	T_CHECK(t, t_lookup(t, l.nodeid, "secret", &e) == -ENOTDIR,
		"lookup through a symlinked dir");
	t_call(t, FUSE_MKDIR, l.nodeid, &mk, sizeof(mk), "new", 4, NULL, 0,
	       &e, sizeof(e), &err);
	T_CHECK(t, err == -ENOTDIR, "mkdir through symlink: %d", err);
	T_CHECK(t, t_create(t, l.nodeid, "new", 0644, O_RDWR, &e, &fh) ==
		   -ENOTDIR, "create through symlink");
	t_call(t, FUSE_OPENDIR, l.nodeid, &oi, sizeof(oi), NULL, 0, NULL, 0,
	       &oo, sizeof(oo), &err);
	T_CHECK(t, err == -ENOTDIR, "opendir of symlink: %d", err);
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "outfile", &l) == 0, "lookup");
	t_call(t, FUSE_OPEN, l.nodeid, &oi, sizeof(oi), NULL, 0, NULL, 0, &oo,
	       sizeof(oo), &err);
	T_CHECK(t, err == -ELOOP, "open of symlink to outside: %d", err);
	{
		struct fuse_setattr_in sa = { .valid = FATTR_SIZE, .size = 0 };
		struct fuse_attr_out ao;

		t_call(t, FUSE_SETATTR, l.nodeid, &sa, sizeof(sa), NULL, 0,
		       NULL, 0, &ao, sizeof(ao), &err);
		T_CHECK(t, err == -EINVAL, "truncate via symlink: %d", err);
		sa.valid = FATTR_MODE;
		sa.mode = 0777;
		t_call(t, FUSE_SETATTR, l.nodeid, &sa, sizeof(sa), NULL, 0,
		       NULL, 0, &ao, sizeof(ao), &err);
		T_CHECK(t, err == -EOPNOTSUPP, "chmod via symlink: %d", err);
	}
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "dangling", 0644,
			    O_RDWR | O_CREAT, &e, &fh) == -ELOOP,
		"create through a dangling symlink");
	T_CHECK(t, access(longname, F_OK) < 0,
		"a file was created outside the share");
	{
		struct fuse_link_in ln = { .oldnodeid = l.nodeid };

		/* a hard link to the symlink itself is fine and stays inside */
		t_call(t, FUSE_LINK, FUSE_ROOT_ID, &ln, sizeof(ln), "hl", 3,
		       NULL, 0, &e, sizeof(e), &err);
		T_CHECK(t, err || S_ISLNK(e.attr.mode), "link of symlink");
	}
	snprintf(path, sizeof(path), "%s/secret", outside);
	{
		struct stat st;

		T_CHECK(t, stat(path, &st) == 0 && (st.st_mode & 0777) == 0644,
			"outside file changed");
	}
	t_rm_rf(outside);
}

/* A raw request: header claiming hlen, followed by body. */
static long raw(struct t *t, uint32_t opcode, uint64_t nodeid, uint32_t hlen,
		const void *body, size_t blen, void *reply, size_t cap,
		int *err)
{
	unsigned char req[4096];
	struct fuse_in_header ih = {
		.len = hlen, .opcode = opcode, .unique = ++t->unique,
		.nodeid = nodeid,
	};
	struct fuse_out_header oh;
	long n;

	memcpy(req, &ih, sizeof(ih));
	memcpy(req + sizeof(ih), body, blen);
	n = t_raw(t, req, sizeof(ih) + blen, reply, cap, 3);
	*err = 1;
	if (n >= (long)sizeof(oh)) {
		memcpy(&oh, reply, sizeof(oh));
		T_CHECK(t, oh.len == (uint32_t)n, "len %u vs %ld", oh.len, n);
		T_CHECK(t, oh.unique == ih.unique, "unique");
		*err = oh.error;
	}
	return n;
}

static void test_malformed(struct t *t)
{
	unsigned char reply[256], body[256];
	struct fuse_entry_out e;
	struct fuse_attr_out ao;
	uint64_t fh;
	long n;
	int err;

	T_CHECK(t, t_init(t) == 0, "init");
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "f", 0644, O_RDWR, &e, &fh) == 0,
		"create");
	/* header len larger than the bytes sent */
	memcpy(body, "f", 2);
	n = raw(t, FUSE_LOOKUP, FUSE_ROOT_ID, 40 + 100, body, 2, reply,
		sizeof(reply), &err);
	T_CHECK(t, n == 16 && err == -EINVAL, "len too large: %ld %d", n, err);
	/* header len smaller than the header */
	n = raw(t, FUSE_LOOKUP, FUSE_ROOT_ID, 12, body, 2, reply,
		sizeof(reply), &err);
	T_CHECK(t, n == 16 && err == -EINVAL, "len too small: %ld %d", n, err);
	/* header len cuts the name before its NUL */
	n = raw(t, FUSE_LOOKUP, FUSE_ROOT_ID, 41, body, 2, reply,
		sizeof(reply), &err);
	T_CHECK(t, err == -EINVAL, "unterminated name: %d", err);
	/* a request shorter than its header */
	{
		unsigned char tiny[20] = { 0 };
		struct iovec rd = { tiny, sizeof(tiny) };
		struct iovec wr = { reply, sizeof(reply) };

		n = fs_server_handle(t->srv, &rd, 1, &wr, 1);
		T_CHECK(t, n == 16 && ((struct fuse_out_header *)reply)->error ==
			   -EINVAL, "20-byte request: %ld", n);
		n = fs_server_handle(t->srv, &rd, 0, &wr, 1);
		T_CHECK(t, n == 16, "empty request: %ld", n);
		wr.iov_len = 10;
		n = fs_server_handle(t->srv, &rd, 1, &wr, 1);
		T_CHECK(t, n == 0, "no room for a reply: %ld", n);
	}
	/* fixed-size in-arg missing */
	n = raw(t, FUSE_OPEN, e.nodeid, 40 + 4, body, 4, reply, sizeof(reply),
		&err);
	T_CHECK(t, err == -EINVAL, "short open_in: %d", err);
	/* WRITE claiming more than its payload */
	{
		struct fuse_write_in wi = { .fh = fh, .size = 1000 };

		memcpy(body, &wi, sizeof(wi));
		memcpy(body + sizeof(wi), "abc", 3);
		n = raw(t, FUSE_WRITE, e.nodeid, 40 + sizeof(wi) + 3, body,
			sizeof(wi) + 3, reply, sizeof(reply), &err);
		T_CHECK(t, err == -EINVAL, "write size > payload: %d", err);
		wi.size = 3;
		memcpy(body, &wi, sizeof(wi));
		n = raw(t, FUSE_WRITE, e.nodeid, 40 + sizeof(wi) + 3, body,
			sizeof(wi) + 3, reply, sizeof(reply), &err);
		T_CHECK(t, !err, "good write: %d", err);
	}
	/* READ asking for more than the reply buffer: capped */
	{
		struct fuse_read_in ri = { .fh = fh, .size = 1 << 20 };

		memcpy(body, &ri, sizeof(ri));
		n = raw(t, FUSE_READ, e.nodeid, 40 + sizeof(ri), body,
			sizeof(ri), reply, 18, &err);
		T_CHECK(t, !err && n == 18, "capped read: %ld %d", n, err);
	}
	/* a fixed reply that does not fit the guest's buffer */
	n = raw(t, FUSE_GETATTR, e.nodeid, 40, body, 0, reply, 40, &err);
	T_CHECK(t, n == 16 && err == -EINVAL, "small getattr buffer: %ld %d",
		n, err);
	/* SETXATTR value size beyond the request */
	{
		struct fuse_setxattr_in sx = { .size = 500 };

		memcpy(body, &sx, 8);
		memcpy(body + 8, "user.a", 7);
		n = raw(t, FUSE_SETXATTR, e.nodeid, 40 + 8 + 7 + 4, body,
			8 + 7 + 4, reply, sizeof(reply), &err);
		T_CHECK(t, err == -EINVAL, "setxattr size: %d", err);
	}
	/* SYMLINK without a target */
	n = raw(t, FUSE_SYMLINK, FUSE_ROOT_ID, 40 + 2, "s", 2, reply,
		sizeof(reply), &err);
	T_CHECK(t, err == -EINVAL, "symlink without target: %d", err);
	/* made-up nodeids and handles */
	t_call(t, FUSE_GETATTR, 0x123456789ULL, NULL, 0, NULL, 0, NULL, 0, &ao,
	       sizeof(ao), &err);
	T_CHECK(t, err == -ESTALE, "unknown nodeid: %d", err);
	t_call(t, FUSE_GETATTR, 0, NULL, 0, NULL, 0, NULL, 0, &ao, sizeof(ao),
	       &err);
	T_CHECK(t, err == -ESTALE, "nodeid 0: %d", err);
	T_CHECK(t, t_lookup(t, 99999, "f", &e) == -ESTALE, "lookup in 99999");
	T_CHECK(t, t_write(t, e.nodeid, fh + 1000, 0, "x", 1) == -EBADF,
		"unknown fh");
	{
		struct fuse_read_in ri = { .fh = fh, .size = 100 };
		unsigned char b[100];

		/* a file handle is not a directory handle */
		t_call(t, FUSE_READDIR, FUSE_ROOT_ID, &ri, sizeof(ri), NULL, 0,
		       NULL, 0, b, sizeof(b), &err);
		T_CHECK(t, err == -EBADF, "readdir on file fh: %d", err);
	}
	/* REMOVEMAPPING / SETUPMAPPING without a window */
	t_call(t, FUSE_REMOVEMAPPING, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, err == -ENOSYS, "removemapping: %d", err);
	/* the server is still fine */
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0, "still serving");
}

static void test_readonly(struct t *t)
{
	struct fs_config cfg = { .cache = FS_CACHE_AUTO, .readonly = true,
				 .xattr = true };
	struct fuse_open_in oi = { .flags = O_RDWR };
	struct fuse_open_out oo;
	struct fuse_entry_out e;
	char path[128];
	uint64_t fh;
	int err;

	fs_server_free(t->srv);
	snprintf(path, sizeof(path), "%s/f", t->dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	t->srv = t_server(t, &cfg);
	T_CHECK(t, t->srv && t_init(t) == 0, "init");
	if (!t->srv)
		return;
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "g", 0644, O_RDWR, &e, &fh) ==
		   -EROFS, "create on readonly");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0, "lookup");
	t_call(t, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL, 0, &oo,
	       sizeof(oo), &err);
	T_CHECK(t, err == -EROFS, "open rw: %d", err);
	oi.flags = O_RDONLY | O_TRUNC;
	t_call(t, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL, 0, &oo,
	       sizeof(oo), &err);
	T_CHECK(t, err == -EROFS, "open trunc: %d", err);
	oi.flags = O_RDONLY;
	t_call(t, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL, 0, &oo,
	       sizeof(oo), &err);
	T_CHECK(t, !err, "open ro: %d", err);
	t_call(t, FUSE_UNLINK, FUSE_ROOT_ID, "f", 2, NULL, 0, NULL, 0, NULL, 0,
	       &err);
	T_CHECK(t, err == -EROFS, "unlink: %d", err);
	T_CHECK(t, t_write(t, e.nodeid, oo.fh, 0, "x", 1) == -EROFS, "write");
}

static void test_creds(struct t *t)
{
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_setattr_in sa = { .valid = FATTR_UID, .uid = 0 };
	struct fuse_attr_out ao;
	struct fuse_entry_out e, d;
	uint64_t fh;
	int err;

	if (geteuid() != 0) {
		snprintf(t->why, sizeof(t->why), "skip");
		return;
	}
	T_CHECK(t, t_init(t) == 0, "init");
	/* root makes a 0755 dir; uid 1000 may not create in it */
	t_call(t, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), "rootdir", 8,
	       NULL, 0, &d, sizeof(d), &err);
	T_CHECK(t, !err && d.attr.uid == 0, "mkdir as root %d", err);
	t->uid = 1000;
	t->gid = 1000;
	T_CHECK(t, t_create(t, d.nodeid, "x", 0644, O_RDWR, &e, &fh) ==
		   -EACCES, "uid 1000 created in a root 0755 dir");
	/* in the 0777 share root it may, and owns the result */
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "mine", 0644, O_RDWR, &e, &fh) ==
		   0 && e.attr.uid == 1000 && e.attr.gid == 1000,
		"owner of a new file %u:%u", e.attr.uid, e.attr.gid);
	/* but not give it away */
	t_call(t, FUSE_SETATTR, e.nodeid, &sa, sizeof(sa), NULL, 0, NULL, 0,
	       &ao, sizeof(ao), &err);
	T_CHECK(t, err == -EPERM, "chown to root by uid 1000: %d", err);
	/* the server thread is root again for the next request */
	t->uid = 0;
	t->gid = 0;
	sa.uid = 2000;
	t_call(t, FUSE_SETATTR, e.nodeid, &sa, sizeof(sa), NULL, 0, NULL, 0,
	       &ao, sizeof(ao), &err);
	T_CHECK(t, !err && ao.attr.uid == 2000, "chown by root: %d", err);
	T_CHECK(t, t_create(t, d.nodeid, "x", 0644, O_RDWR, &e, &fh) == 0 &&
		   e.attr.uid == 0, "root create");
	/* uid 1000 cannot read a 0600 root file */
	{
		struct fuse_setattr_in m = { .valid = FATTR_MODE,
					     .mode = 0600 };
		struct fuse_open_in oi = { .flags = O_RDONLY };
		struct fuse_open_out oo;

		t_call(t, FUSE_SETATTR, e.nodeid, &m, sizeof(m), NULL, 0, NULL,
		       0, &ao, sizeof(ao), &err);
		t->uid = 1000;
		t->gid = 1000;
		t_call(t, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL,
		       0, &oo, sizeof(oo), &err);
		T_CHECK(t, err == -EACCES, "open of 0600 root file: %d", err);
	}
}

static void test_cache_modes(struct t *t)
{
	static const struct {
		enum fs_cache_mode mode;
		uint64_t timeout;
		uint32_t file_flags, dir_flags;
	} want[] = {
		{ FS_CACHE_NONE, 0, FOPEN_DIRECT_IO, 0 },
		{ FS_CACHE_AUTO, 1, 0, 0 },
		{ FS_CACHE_ALWAYS, 86400, FOPEN_KEEP_CACHE,
		  FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR },
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		struct fs_config cfg = { .cache = want[i].mode, .xattr = true };
		struct fuse_open_in oi = { .flags = O_RDONLY };
		struct fuse_open_out oo;
		struct fuse_entry_out e;
		uint64_t fh;
		int err;
		char name[8];

		fs_server_free(t->srv);
		t->srv = t_server(t, &cfg);
		if (!t->srv || t_init(t)) {
			T_CHECK(t, 0, "server for mode %zu", i);
			return;
		}
		snprintf(name, sizeof(name), "f%zu", i);
		T_CHECK(t, t_create(t, FUSE_ROOT_ID, name, 0644, O_RDWR, &e,
				    &fh) == 0, "create");
		T_CHECK(t, e.entry_valid == want[i].timeout &&
			   e.attr_valid == want[i].timeout,
			"mode %zu: timeouts %llu", i,
			(unsigned long long)e.entry_valid);
		t_call(t, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL,
		       0, &oo, sizeof(oo), &err);
		T_CHECK(t, !err && oo.open_flags == want[i].file_flags,
			"mode %zu: open flags %#x", i, oo.open_flags);
		t_call(t, FUSE_OPENDIR, FUSE_ROOT_ID, &oi, sizeof(oi), NULL, 0,
		       NULL, 0, &oo, sizeof(oo), &err);
		T_CHECK(t, !err && oo.open_flags == want[i].dir_flags,
			"mode %zu: opendir flags %#x", i, oo.open_flags);
	}
	/* xattr=false */
	{
		struct fs_config cfg = { .cache = FS_CACHE_AUTO };
		struct fuse_getxattr_in gx = { 0 };
		struct fuse_getxattr_out go;
		struct fuse_init_out out;
		struct fuse_init_in in = { .major = 7, .minor = 38,
					   .flags = FUSE_POSIX_ACL };
		int err;

		fs_server_free(t->srv);
		t->srv = t_server(t, &cfg);
		if (!t->srv)
			return;
		t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &out,
		       sizeof(out), &err);
		T_CHECK(t, !err && !(out.flags & FUSE_POSIX_ACL),
			"POSIX_ACL without xattrs");
		t_call(t, FUSE_GETXATTR, FUSE_ROOT_ID, &gx, sizeof(gx),
		       "user.a", 7, NULL, 0, &go, sizeof(go), &err);
		T_CHECK(t, err == -EOPNOTSUPP, "getxattr with xattr off: %d",
			err);
	}
}

static void test_locks(struct t *t)
{
	struct fuse_entry_out e;
	struct fuse_lk_in lk = { 0 };
	struct fuse_lk_out lo;
	uint64_t fh, fh2;
	int err;

	T_CHECK(t, t_init(t) == 0, "init");
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "f", 0644, O_RDWR, &e, &fh) == 0,
		"create");
	{
		struct fuse_open_in oi = { .flags = O_RDWR };
		struct fuse_open_out oo;

		t_call(t, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL,
		       0, &oo, sizeof(oo), &err);
		fh2 = oo.fh;
	}
	lk.fh = fh;
	lk.owner = 1;
	lk.lk.type = F_WRLCK;
	lk.lk.start = 0;
	lk.lk.end = 99;
	t_call(t, FUSE_SETLK, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, !err, "setlk owner 1: %d", err);
	/* owner 2 on the same handle conflicts, like two processes */
	lk.owner = 2;
	lk.lk.start = 50;
	lk.lk.end = 0x7fffffffffffffffULL;
	t_call(t, FUSE_SETLK, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, err == -EAGAIN, "conflicting setlk: %d", err);
	t_call(t, FUSE_GETLK, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0, &lo,
	       sizeof(lo), &err);
	T_CHECK(t, !err && lo.lk.type == F_WRLCK && lo.lk.start == 0 &&
		   lo.lk.end == 99, "getlk: %d type %u %llu-%llu", err,
		lo.lk.type, (unsigned long long)lo.lk.start,
		(unsigned long long)lo.lk.end);
	/* FLUSH of owner 1 (its close) drops its locks */
	{
		struct fuse_flush_in fl = { .fh = fh, .lock_owner = 1 };

		t_call(t, FUSE_FLUSH, e.nodeid, &fl, sizeof(fl), NULL, 0, NULL,
		       0, NULL, 0, &err);
		T_CHECK(t, !err, "flush %d", err);
	}
	t_call(t, FUSE_SETLKW, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, !err, "setlkw after flush: %d", err);
	/* bad ranges */
	lk.lk.start = 10;
	lk.lk.end = 5;
	t_call(t, FUSE_SETLK, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, err == -EINVAL, "end < start: %d", err);
	/* flock: per open file */
	memset(&lk, 0, sizeof(lk));
	lk.fh = fh;
	lk.lk_flags = FUSE_LK_FLOCK;
	lk.lk.type = F_WRLCK;
	t_call(t, FUSE_SETLK, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, !err, "flock: %d", err);
	lk.fh = fh2;
	t_call(t, FUSE_SETLK, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, err == -EAGAIN || err == -EWOULDBLOCK,
		"second flock: %d", err);
	lk.fh = fh;
	lk.lk.type = F_UNLCK;
	t_call(t, FUSE_SETLK, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	lk.fh = fh2;
	lk.lk.type = F_WRLCK;
	t_call(t, FUSE_SETLKW, e.nodeid, &lk, sizeof(lk), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, !err, "flock after unlock: %d", err);
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "escape", test_escape },
		{ "malformed", test_malformed },
		{ "readonly", test_readonly },
		{ "credentials", test_creds },
		{ "cache_modes", test_cache_modes },
		{ "locks", test_locks },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), "needs root");
}
