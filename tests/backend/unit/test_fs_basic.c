// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE server basics driven through fs_server_handle(): INIT, LOOKUP,
 * CREATE/WRITE/READ, attributes, the name space operations, FORGET
 * reference counting and complete READDIR/READDIRPLUS of a big directory.
 */
#include "fs_test.h"

static void test_init(struct t *t)
{
	struct fuse_init_in in = {
		.major = 7, .minor = 31, .max_readahead = 65536,
		.flags = FUSE_ASYNC_READ | FUSE_DO_READDIRPLUS | FUSE_MAX_PAGES |
			 FUSE_WRITEBACK_CACHE,
	};
	struct fuse_init_out out;
	struct fuse_entry_out e;
	int err;
	long n;

	/* nothing but INIT before INIT */
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "x", &e) == -EIO,
		"lookup before INIT not -EIO");
	n = t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &out,
		   sizeof(out), &err);
	T_CHECK(t, n == sizeof(out) && !err, "INIT: n %ld err %d", n, err);
	T_CHECK(t, out.major == 7 && out.minor == 31, "version %u.%u",
		out.major, out.minor);
	T_CHECK(t, out.max_write == 1024 * 1024, "max_write %u",
		out.max_write);
	T_CHECK(t, out.max_readahead == 65536, "max_readahead %u",
		out.max_readahead);
	T_CHECK(t, out.flags == (FUSE_ASYNC_READ | FUSE_DO_READDIRPLUS |
				 FUSE_MAX_PAGES),
		"flags %#x (writeback cache must not be granted)", out.flags);
	T_CHECK(t, out.max_pages == 256, "max_pages %u", out.max_pages);

	/* a newer major gets our major so the guest can retry */
	in.major = 8;
	n = t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &out,
		   sizeof(out), &err);
	T_CHECK(t, !err && n >= 8 && out.major == 7, "major 8: err %d", err);
	in.major = 7;
	in.minor = 5;
	t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &out,
	       sizeof(out), &err);
	T_CHECK(t, err == -EPROTO, "7.5 accepted (err %d)", err);
	/* the short 7.35-era init_in (no flags2) is fine too */
	in.minor = 38;
	n = t_call(t, FUSE_INIT, 0, &in, 16, NULL, 0, NULL, 0, &out,
		   sizeof(out), &err);
	T_CHECK(t, !err && out.minor == 38, "16-byte init_in: err %d", err);
	/* unknown opcode */
	n = t_call(t, 4000, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
		   &err);
	T_CHECK(t, n == 0 && err == -ENOSYS, "opcode 4000: %ld %d", n, err);
	n = t_call(t, FUSE_IOCTL, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL, 0,
		   NULL, 0, &err);
	T_CHECK(t, err == -ENOSYS, "ioctl: %d", err);
	n = t_call(t, FUSE_SETUPMAPPING, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL,
		   0, NULL, 0, &err);
	T_CHECK(t, err == -ENOSYS, "setupmapping without window: %d", err);
}

static void test_create_rw(struct t *t)
{
	static unsigned char big[1024 * 1024];
	static unsigned char back[1024 * 1024];
	struct fuse_entry_out e, e2;
	struct fuse_release_in rel = { 0 };
	struct fuse_attr_out ao;
	struct fuse_getattr_in gi = { 0 };
	char path[128], buf[64];
	uint64_t fh;
	size_t i;
	long n;
	int err, fd;

	T_CHECK(t, t_init(t) == 0, "init");
	err = t_create(t, FUSE_ROOT_ID, "file", 0644, O_RDWR, &e, &fh);
	T_CHECK(t, !err, "create: %d", err);
	T_CHECK(t, S_ISREG(e.attr.mode) && (e.attr.mode & 0777) == 0644,
		"mode %o", e.attr.mode);
	T_CHECK(t, e.nodeid > FUSE_ROOT_ID, "nodeid %llu",
		(unsigned long long)e.nodeid);
	T_CHECK(t, t_write(t, e.nodeid, fh, 0, "hello", 5) == 5, "write");
	n = t_read(t, e.nodeid, fh, 0, buf, sizeof(buf), &err);
	T_CHECK(t, n == 5 && !memcmp(buf, "hello", 5), "read back %ld", n);
	/* reading at EOF gives 0 bytes, not an error */
	n = t_read(t, e.nodeid, fh, 100, buf, sizeof(buf), &err);
	T_CHECK(t, n == 0 && !err, "read past EOF %ld %d", n, err);

	/* a full 1 MiB write and read, through 7-byte request pieces */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 3);
	t->chunk = 4096;
	T_CHECK(t, t_write(t, e.nodeid, fh, 4096, big, sizeof(big)) ==
		   (int)sizeof(big), "1 MiB write");
	n = t_read(t, e.nodeid, fh, 4096, back, sizeof(back), &err);
	T_CHECK(t, n == (long)sizeof(back) && !memcmp(big, back, sizeof(big)),
		"1 MiB read: %ld", n);
	t->chunk = 7;

	/* the host sees the same bytes */
	snprintf(path, sizeof(path), "%s/file", t->dir);
	fd = open(path, O_RDONLY);
	T_CHECK(t, fd >= 0 && pread(fd, buf, 5, 0) == 5 &&
		   !memcmp(buf, "hello", 5), "host view");
	if (fd >= 0)
		close(fd);

	/* lookup finds the same nodeid */
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "file", &e2) == 0 &&
		   e2.nodeid == e.nodeid, "lookup nodeid");
	n = t_call(t, FUSE_GETATTR, e.nodeid, &gi, sizeof(gi), NULL, 0, NULL,
		   0, &ao, sizeof(ao), &err);
	T_CHECK(t, !err && ao.attr.size == 4096 + sizeof(big), "size %llu",
		(unsigned long long)ao.attr.size);

	/* SETATTR truncate through the handle, then chmod */
	{
		struct fuse_setattr_in sa = {
			.valid = FATTR_SIZE | FATTR_FH | FATTR_MODE,
			.fh = fh, .size = 3, .mode = 0600,
		};

		n = t_call(t, FUSE_SETATTR, e.nodeid, &sa, sizeof(sa), NULL, 0,
			   NULL, 0, &ao, sizeof(ao), &err);
		T_CHECK(t, !err && ao.attr.size == 3 &&
			   (ao.attr.mode & 0777) == 0600,
			"setattr: err %d size %llu mode %o", err,
			(unsigned long long)ao.attr.size, ao.attr.mode);
	}

	rel.fh = fh;
	t_call(t, FUSE_RELEASE, e.nodeid, &rel, sizeof(rel), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, !err, "release %d", err);
	t_call(t, FUSE_RELEASE, e.nodeid, &rel, sizeof(rel), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, err == -EBADF, "double release %d", err);
	n = t_read(t, e.nodeid, fh, 0, buf, sizeof(buf), &err);
	T_CHECK(t, err == -EBADF, "read after release %d", err);
}

static void test_namespace(struct t *t)
{
	struct fuse_mkdir_in mk = { .mode = 0755, .umask = 022 };
	struct fuse_rename_in rn;
	struct fuse_link_in ln;
	struct fuse_entry_out d, e, s, l;
	char buf[256];
	uint64_t fh;
	long n;
	int err;

	T_CHECK(t, t_init(t) == 0, "init");
	n = t_call(t, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), "d", 2, NULL,
		   0, &d, sizeof(d), &err);
	T_CHECK(t, !err && S_ISDIR(d.attr.mode), "mkdir %d", err);
	T_CHECK(t, t_create(t, d.nodeid, "f", 0666, O_WRONLY, &e, &fh) == 0,
		"create in dir");
	T_CHECK(t, (e.attr.mode & 0777) == 0644, "umask not applied: %o",
		e.attr.mode & 0777);
	n = t_call(t, FUSE_SYMLINK, d.nodeid, "s", 2, "f", 2, NULL, 0, &s,
		   sizeof(s), &err);
	T_CHECK(t, !err && S_ISLNK(s.attr.mode), "symlink %d", err);
	n = t_call(t, FUSE_READLINK, s.nodeid, NULL, 0, NULL, 0, NULL, 0, buf,
		   sizeof(buf), &err);
	T_CHECK(t, !err && n == 1 && buf[0] == 'f', "readlink %ld %d", n, err);
	ln.oldnodeid = e.nodeid;
	n = t_call(t, FUSE_LINK, FUSE_ROOT_ID, &ln, sizeof(ln), "hard", 5,
		   NULL, 0, &l, sizeof(l), &err);
	T_CHECK(t, !err && l.nodeid == e.nodeid && l.attr.nlink == 2,
		"link %d nlink %u", err, l.attr.nlink);
	rn.newdir = FUSE_ROOT_ID;
	t_call(t, FUSE_RENAME, d.nodeid, &rn, sizeof(rn), "f", 2, "g", 2,
	       NULL, 0, &err);
	T_CHECK(t, !err, "rename %d", err);
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "g", &l) == 0 &&
		   l.nodeid == e.nodeid, "renamed file keeps its nodeid");
	{
		struct fuse_rename2_in r2 = { .newdir = FUSE_ROOT_ID,
					      .flags = 1 /* NOREPLACE */ };

		t_call(t, FUSE_RENAME2, FUSE_ROOT_ID, &r2, sizeof(r2), "g", 2,
		       "hard", 5, NULL, 0, &err);
		T_CHECK(t, err == -EEXIST, "rename2 noreplace %d", err);
		r2.flags = 0x100;
		t_call(t, FUSE_RENAME2, FUSE_ROOT_ID, &r2, sizeof(r2), "g", 2,
		       "x", 2, NULL, 0, &err);
		T_CHECK(t, err == -EINVAL, "rename2 bad flags %d", err);
	}
	t_call(t, FUSE_RMDIR, FUSE_ROOT_ID, "d", 2, NULL, 0, NULL, 0, NULL, 0,
	       &err);
	T_CHECK(t, err == -ENOTEMPTY, "rmdir non-empty %d", err);
	t_call(t, FUSE_UNLINK, d.nodeid, "s", 2, NULL, 0, NULL, 0, NULL, 0,
	       &err);
	T_CHECK(t, !err, "unlink %d", err);
	t_call(t, FUSE_RMDIR, FUSE_ROOT_ID, "d", 2, NULL, 0, NULL, 0, NULL, 0,
	       &err);
	T_CHECK(t, !err, "rmdir %d", err);
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "d", &l) == -ENOENT,
		"removed dir still found");
	/* GETATTR on the removed dir's nodeid still works (we hold it) */
	{
		struct fuse_attr_out ao;

		t_call(t, FUSE_GETATTR, d.nodeid, NULL, 0, NULL, 0, NULL, 0,
		       &ao, sizeof(ao), &err);
		T_CHECK(t, !err && ao.attr.nlink == 0, "getattr removed %d",
			err);
	}
	{
		struct fuse_statfs_out st;

		n = t_call(t, FUSE_STATFS, FUSE_ROOT_ID, NULL, 0, NULL, 0,
			   NULL, 0, &st, sizeof(st), &err);
		T_CHECK(t, !err && n == sizeof(st) && st.st.bsize,
			"statfs %d", err);
	}
	{
		struct fuse_access_in a = { .mask = R_OK | W_OK };

		t_call(t, FUSE_ACCESS, FUSE_ROOT_ID, &a, sizeof(a), NULL, 0,
		       NULL, 0, NULL, 0, &err);
		T_CHECK(t, !err, "access %d", err);
	}
	/* xattrs round trip */
	{
		struct fuse_setxattr_in sx = { .size = 3 };
		struct fuse_getxattr_in gx = { .size = 0 };
		struct fuse_getxattr_out go;

		t_call(t, FUSE_SETXATTR, e.nodeid, &sx, 8, "user.k", 7, "abc",
		       3, NULL, 0, &err);
		if (err == -EOPNOTSUPP)
			return;	/* tmpfs before 6.6 has no user xattrs */
		T_CHECK(t, !err, "setxattr %d", err);
		n = t_call(t, FUSE_GETXATTR, e.nodeid, &gx, sizeof(gx),
			   "user.k", 7, NULL, 0, &go, sizeof(go), &err);
		T_CHECK(t, !err && go.size == 3, "getxattr size %d", err);
		gx.size = 64;
		n = t_call(t, FUSE_GETXATTR, e.nodeid, &gx, sizeof(gx),
			   "user.k", 7, NULL, 0, buf, 64, &err);
		T_CHECK(t, !err && n == 3 && !memcmp(buf, "abc", 3),
			"getxattr %ld %d", n, err);
		gx.size = 2;
		t_call(t, FUSE_GETXATTR, e.nodeid, &gx, sizeof(gx), "user.k",
		       7, NULL, 0, buf, 64, &err);
		T_CHECK(t, err == -ERANGE, "small getxattr %d", err);
		gx.size = 256;
		n = t_call(t, FUSE_LISTXATTR, e.nodeid, &gx, sizeof(gx), NULL,
			   0, NULL, 0, buf, 256, &err);
		T_CHECK(t, !err && n == 7 && !strcmp(buf, "user.k"),
			"listxattr %ld %d", n, err);
		t_call(t, FUSE_REMOVEXATTR, e.nodeid, "user.k", 7, NULL, 0,
		       NULL, 0, NULL, 0, &err);
		T_CHECK(t, !err, "removexattr %d", err);
	}
}

static void test_forget(struct t *t)
{
	struct fuse_entry_out e;
	struct {
		struct fuse_batch_forget_in in;
		struct fuse_forget_one one[2];
	} bf;
	uint64_t fh;
	int err;

	T_CHECK(t, t_init(t) == 0, "init");
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "f", 0644, O_RDWR, &e, &fh) == 0,
		"create");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0, "lookup 1");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0, "lookup 2");
	/* three references now: forget 1, then 1 more by batch */
	T_CHECK(t, t_forget(t, e.nodeid, 1) == -1, "FORGET got a reply");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0, "lookup 3");
	memset(&bf, 0, sizeof(bf));
	bf.in.count = 2;
	bf.one[0].nodeid = e.nodeid;
	bf.one[0].nlookup = 2;
	bf.one[1].nodeid = 0xdead;	/* unknown: ignored */
	bf.one[1].nlookup = 5;
	t_call(t, FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	{
		struct fuse_attr_out ao;

		t_call(t, FUSE_GETATTR, e.nodeid, NULL, 0, NULL, 0, NULL, 0,
		       &ao, sizeof(ao), &err);
		T_CHECK(t, !err, "one reference left but getattr %d", err);
		t_forget(t, e.nodeid, 1);
		t_call(t, FUSE_GETATTR, e.nodeid, NULL, 0, NULL, 0, NULL, 0,
		       &ao, sizeof(ao), &err);
		T_CHECK(t, err == -ESTALE, "forgotten nodeid: %d", err);
		/* the open handle outlives the inode */
		T_CHECK(t, t_write(t, e.nodeid, fh, 0, "x", 1) == 1,
			"write via handle after forget");
		/* root can never be forgotten */
		t_forget(t, FUSE_ROOT_ID, 1000);
		t_call(t, FUSE_GETATTR, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL,
		       0, &ao, sizeof(ao), &err);
		T_CHECK(t, !err, "root forgotten: %d", err);
	}
	/* a batch whose count lies about its size is read only as far as sent */
	bf.in.count = 1000000;
	bf.one[0].nodeid = 0xbeef;
	t_call(t, FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	/* a new lookup gives a new nodeid: old ones are never reused */
	{
		struct fuse_entry_out e2;

		T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e2) == 0 &&
			   e2.nodeid != e.nodeid, "nodeid reused");
	}
	/* DESTROY forgets everything, even handles */
	t_call(t, FUSE_DESTROY, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, &err);
	T_CHECK(t, !err, "destroy %d", err);
	T_CHECK(t, t_init(t) == 0, "re-init");
	T_CHECK(t, t_write(t, e.nodeid, fh, 0, "x", 1) == -EBADF,
		"handle survived DESTROY");
}

/* Lists dir via READDIR(PLUS) in bufsize chunks; counts each name. */
static int list_dir(struct t *t, uint64_t dir, bool plus, size_t bufsize,
		    unsigned char *seen, int nfiles, int *dots)
{
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	struct fuse_read_in ri = { .size = (uint32_t)bufsize };
	struct fuse_release_in rel = { 0 };
	unsigned char *buf = malloc(bufsize);
	int err, calls = 0, entries = 0;
	long n;

	t_call(t, FUSE_OPENDIR, dir, &oi, sizeof(oi), NULL, 0, NULL, 0, &oo,
	       sizeof(oo), &err);
	T_CHECK(t, !err, "opendir %d", err);
	ri.fh = oo.fh;
	for (;;) {
		size_t pos = 0;

		n = t_call(t, plus ? FUSE_READDIRPLUS : FUSE_READDIR, dir, &ri,
			   sizeof(ri), NULL, 0, NULL, 0, buf, bufsize, &err);
		T_CHECK(t, !err && n >= 0, "readdir %d", err);
		T_CHECK(t, n <= (long)bufsize, "reply %ld > size %zu", n,
			bufsize);
		if (err || n <= 0 || ++calls > 100000)
			break;
		while (pos < (size_t)n) {
			struct fuse_dirent de;
			struct fuse_entry_out eo;
			size_t hdr = plus ? sizeof(eo) : 0;
			size_t rec;
			char name[256];

			T_CHECK(t, pos + hdr + sizeof(de) <= (size_t)n,
				"truncated dirent");
			if (pos + hdr + sizeof(de) > (size_t)n)
				break;
			memcpy(&eo, buf + pos, hdr);
			memcpy(&de, buf + pos + hdr, sizeof(de));
			rec = FUSE_DIRENT_ALIGN(hdr + FUSE_NAME_OFFSET +
						de.namelen);
			T_CHECK(t, de.namelen < 256 && pos + rec <= (size_t)n,
				"dirent overruns reply");
			if (de.namelen >= 256 || pos + rec > (size_t)n)
				break;
			memcpy(name, buf + pos + hdr + sizeof(de), de.namelen);
			name[de.namelen] = 0;
			entries++;
			if (!strcmp(name, ".") || !strcmp(name, "..")) {
				(*dots)++;
			} else {
				int i = atoi(name + 1);

				T_CHECK(t, name[0] == 'n' && i >= 0 &&
					   i < nfiles, "stray name %s", name);
				if (i >= 0 && i < nfiles)
					seen[i]++;
				if (plus) {
					T_CHECK(t, eo.nodeid > 1 &&
						   eo.attr.ino == de.ino,
						"plus entry for %s", name);
					t_forget(t, eo.nodeid, 1);
				}
			}
			ri.offset = de.off;
			pos += rec;
		}
	}
	rel.fh = oo.fh;
	t_call(t, FUSE_RELEASEDIR, dir, &rel, sizeof(rel), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, !err, "releasedir %d", err);
	free(buf);
	return entries;
}

static void test_readdir(struct t *t)
{
	enum { N = 5000 };
	static unsigned char seen[N];
	char path[256];
	int i, dots, fd, round;
	static const size_t sizes[] = { 4096, 333, 65536 };

	T_CHECK(t, t_init(t) == 0, "init");
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "%s/n%d", t->dir, i);
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		if (fd >= 0)
			close(fd);
	}
	for (round = 0; round < 6; round++) {
		bool plus = round & 1;

		memset(seen, 0, sizeof(seen));
		dots = 0;
		t->chunk = 0;
		list_dir(t, FUSE_ROOT_ID, plus, sizes[round / 2], seen, N,
			 &dots);
		for (i = 0; i < N; i++)
			if (seen[i] != 1)
				break;
		T_CHECK(t, i == N, "%s bufsize %zu: n%d seen %d times",
			plus ? "readdirplus" : "readdir", sizes[round / 2], i,
			i < N ? seen[i] : 0);
		T_CHECK(t, dots == 2, "dots %d", dots);
	}
	/* every readdirplus lookup was forgotten again: only the root is left */
	{
		struct fuse_entry_out e;

		T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "n1", &e) == 0, "lookup");
	}
	/* a READDIR buffer too small for a single entry */
	{
		struct fuse_open_in oi = { 0 };
		struct fuse_open_out oo;
		struct fuse_read_in ri = { .size = 8 };
		unsigned char buf[8];
		int err;

		t_call(t, FUSE_OPENDIR, FUSE_ROOT_ID, &oi, sizeof(oi), NULL, 0,
		       NULL, 0, &oo, sizeof(oo), &err);
		ri.fh = oo.fh;
		t_call(t, FUSE_READDIR, FUSE_ROOT_ID, &ri, sizeof(ri), NULL, 0,
		       NULL, 0, buf, sizeof(buf), &err);
		T_CHECK(t, err == -EINVAL, "tiny readdir %d", err);
		/* and a READDIR asking for more than the reply buffer holds */
		ri.size = 1 << 20;
		{
			unsigned char b2[512];
			long n = t_call(t, FUSE_READDIR, FUSE_ROOT_ID, &ri,
					sizeof(ri), NULL, 0, NULL, 0, b2,
					sizeof(b2), &err);

			T_CHECK(t, !err && n > 0 && n <= 512,
				"capped readdir %ld %d", n, err);
		}
	}
}

static int dax_maps, dax_unmaps;
static uint64_t dax_last_off, dax_last_len;
static bool dax_last_w;

static int fake_map(void *opaque, int fd, uint64_t fd_offset,
		    uint64_t window_offset, uint64_t len, bool writable)
{
	(void)opaque;
	(void)fd_offset;
	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	dax_maps++;
	dax_last_off = window_offset;
	dax_last_len = len;
	dax_last_w = writable;
	return 0;
}

static int fake_unmap(void *opaque, uint64_t window_offset, uint64_t len)
{
	(void)opaque;
	(void)window_offset;
	(void)len;
	dax_unmaps++;
	return 0;
}

static void test_dax(struct t *t)
{
	struct fs_config cfg = {
		.cache = FS_CACHE_ALWAYS, .xattr = true,
		.dax = { .map = fake_map, .unmap = fake_unmap,
			 .window_size = 1 << 24 },
	};
	struct fuse_init_in in = { .major = 7, .minor = 38,
				   .flags = FUSE_MAP_ALIGNMENT };
	struct fuse_init_out out;
	struct fuse_setupmapping_in sm = { 0 };
	struct fuse_entry_out e;
	uint64_t fh;
	int err;

	fs_server_free(t->srv);
	t->srv = t_server(t, &cfg);
	if (!t->srv) {
		T_CHECK(t, 0, "server with a window");
		return;
	}
	t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &out,
	       sizeof(out), &err);
	T_CHECK(t, !err && (out.flags & FUSE_MAP_ALIGNMENT) &&
		   out.map_alignment == 12, "map alignment %u",
		out.map_alignment);
	/* a new session starts by clearing the window */
	T_CHECK(t, dax_unmaps == 1, "INIT unmapped %d times", dax_unmaps);
	dax_unmaps = 0;
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "f", 0644, O_RDWR, &e, &fh) == 0,
		"create");
	sm.fh = fh;
	sm.len = 2 << 20;
	sm.moffset = 4 << 20;
	sm.flags = FUSE_SETUPMAPPING_FLAG_WRITE | FUSE_SETUPMAPPING_FLAG_READ;
	t_call(t, FUSE_SETUPMAPPING, e.nodeid, &sm, sizeof(sm), NULL, 0, NULL,
	       0, NULL, 0, &err);
	T_CHECK(t, !err && dax_maps == 1 && dax_last_off == 4 << 20 &&
		   dax_last_len == 2 << 20 && dax_last_w, "map: %d", err);
	sm.moffset = (1 << 24) - 4096;	/* runs past the window */
	t_call(t, FUSE_SETUPMAPPING, e.nodeid, &sm, sizeof(sm), NULL, 0, NULL,
	       0, NULL, 0, &err);
	T_CHECK(t, err == -EINVAL, "map past window: %d", err);
	sm.moffset = ~0ULL - 100;	/* wraps */
	t_call(t, FUSE_SETUPMAPPING, e.nodeid, &sm, sizeof(sm), NULL, 0, NULL,
	       0, NULL, 0, &err);
	T_CHECK(t, err == -EINVAL, "wrapping map: %d", err);
	sm.moffset = 100;		/* unaligned */
	t_call(t, FUSE_SETUPMAPPING, e.nodeid, &sm, sizeof(sm), NULL, 0, NULL,
	       0, NULL, 0, &err);
	T_CHECK(t, err == -EINVAL, "unaligned map: %d", err);
	sm.moffset = 0;
	sm.fh = fh + 99;
	t_call(t, FUSE_SETUPMAPPING, e.nodeid, &sm, sizeof(sm), NULL, 0, NULL,
	       0, NULL, 0, &err);
	T_CHECK(t, err == -EBADF, "map of bad fh: %d", err);
	{
		struct {
			uint32_t count;
			unsigned char one[2][16];
		} __attribute__((packed)) rm = { .count = 2 };
		struct fuse_removemapping_one o = { .moffset = 4 << 20,
						    .len = 2 << 20 };

		memcpy(rm.one[0], &o, 16);
		memcpy(rm.one[1], &o, 16);
		t_call(t, FUSE_REMOVEMAPPING, e.nodeid, &rm, sizeof(rm), NULL,
		       0, NULL, 0, NULL, 0, &err);
		T_CHECK(t, !err && dax_unmaps == 2, "unmap: %d %d", err,
			dax_unmaps);
		/* a count larger than the list: nothing is unmapped */
		rm.count = 3;
		t_call(t, FUSE_REMOVEMAPPING, e.nodeid, &rm, sizeof(rm), NULL,
		       0, NULL, 0, NULL, 0, &err);
		T_CHECK(t, err == -EINVAL && dax_unmaps == 2,
			"lying count: %d %d", err, dax_unmaps);
		/* one bad range spoils the list before anything happens */
		rm.count = 2;
		o.len = 1 << 30;
		memcpy(rm.one[1], &o, 16);
		t_call(t, FUSE_REMOVEMAPPING, e.nodeid, &rm, sizeof(rm), NULL,
		       0, NULL, 0, NULL, 0, &err);
		T_CHECK(t, err == -EINVAL && dax_unmaps == 2,
			"bad range: %d %d", err, dax_unmaps);
	}
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "init", test_init },
		{ "create_write_read", test_create_rw },
		{ "namespace", test_namespace },
		{ "forget_refcount", test_forget },
		{ "readdir_5000", test_readdir },
		{ "dax_mapping", test_dax },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}
