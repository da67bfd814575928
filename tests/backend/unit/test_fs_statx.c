// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE_STATX and submounts: the reply against the host's own statx(2) of
 * the same object (every field, the birth time to the nanosecond), by
 * nodeid and by fh; request validation (short in-arg, reserved field,
 * unknown flags, bad fh, small reply buffer, before INIT, --fault); the
 * INIT protocol minor; FUSE_ATTR_SUBMOUNT on LOOKUP and READDIRPLUS of a
 * mount point inside the share, only when the guest asked for
 * FUSE_SUBMOUNTS (needs root for the tmpfs, else SKIP).
 */
#include <sched.h>
#include <sys/mount.h>

#include "fs_test.h"
#include "fs_internal.h"

#define ALL_FIELDS	(STATX_BASIC_STATS | STATX_BTIME)

static int init_flags(struct t *t, uint32_t minor, uint32_t flags,
		      struct fuse_init_out *out)
{
	struct fuse_init_in in = {
		.major = 7, .minor = minor, .max_readahead = 131072,
		.flags = flags,
	};
	int err;
	long n = t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0,
			out, sizeof(*out), &err);

	return n == sizeof(*out) && !err ? 0 : -1;
}

/* STATX with a hand-made in-arg of inlen bytes; returns the error. */
static int statx_req(struct t *t, uint64_t nodeid,
		     const struct fs_fuse_statx_in *in, size_t inlen,
		     struct fs_fuse_statx_out *out, size_t outcap, long *n)
{
	int err;

	*n = t_call(t, FS_FUSE_STATX, nodeid, in, inlen, NULL, 0, NULL, 0,
		    out, outcap, &err);
	return err;
}

static int do_statx(struct t *t, uint64_t nodeid, uint32_t mask,
		    struct fs_fuse_statx_out *out)
{
	struct fs_fuse_statx_in in = { .sx_mask = mask };
	long n;
	int err = statx_req(t, nodeid, &in, sizeof(in), out, sizeof(*out), &n);

	if (!err && n != sizeof(*out))
		return -EPROTO;
	return err;
}

static bool same_time(const struct fs_fuse_sx_time *a,
		      const struct statx_timestamp *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec &&
	       !a->reserved;
}

/* Every field of the reply against the host's statx of path. */
static void check_against_host(struct t *t, const char *path,
			       const struct fs_fuse_statx_out *o)
{
	const struct fs_fuse_statx *x = &o->stat;
	struct statx h;
	size_t i;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, ALL_FIELDS, &h)) {
		T_CHECK(t, 0, "host statx %s: %s", path, strerror(errno));
		return;
	}
	T_CHECK(t, x->mask == (h.stx_mask & ALL_FIELDS), "mask %#x, host %#x",
		x->mask, h.stx_mask);
	T_CHECK(t, x->ino == h.stx_ino && x->size == h.stx_size &&
		x->blocks == h.stx_blocks && x->blksize == h.stx_blksize,
		"ino/size/blocks/blksize %llu/%llu/%llu/%u",
		(unsigned long long)x->ino, (unsigned long long)x->size,
		(unsigned long long)x->blocks, x->blksize);
	T_CHECK(t, x->mode == h.stx_mode && x->nlink == h.stx_nlink &&
		x->uid == h.stx_uid && x->gid == h.stx_gid,
		"mode %o nlink %u uid %u gid %u", x->mode, x->nlink, x->uid,
		x->gid);
	T_CHECK(t, x->attributes == h.stx_attributes &&
		x->attributes_mask == h.stx_attributes_mask,
		"attributes %#llx/%#llx", (unsigned long long)x->attributes,
		(unsigned long long)x->attributes_mask);
	T_CHECK(t, same_time(&x->atime, &h.stx_atime), "atime");
	T_CHECK(t, same_time(&x->mtime, &h.stx_mtime), "mtime");
	T_CHECK(t, same_time(&x->ctime, &h.stx_ctime), "ctime");
	if (h.stx_mask & STATX_BTIME)
		T_CHECK(t, same_time(&x->btime, &h.stx_btime),
			"btime %lld.%09u, host %lld.%09u",
			(long long)x->btime.tv_sec, x->btime.tv_nsec,
			(long long)h.stx_btime.tv_sec, h.stx_btime.tv_nsec);
	else
		T_CHECK(t, !x->btime.tv_sec && !x->btime.tv_nsec,
			"btime sent without STATX_BTIME");
	T_CHECK(t, x->dev_major == h.stx_dev_major &&
		x->dev_minor == h.stx_dev_minor &&
		x->rdev_major == h.stx_rdev_major &&
		x->rdev_minor == h.stx_rdev_minor, "dev/rdev");
	T_CHECK(t, !x->spare0[0], "spare0 not zero");
	for (i = 0; i < sizeof(x->spare2) / sizeof(x->spare2[0]); i++)
		T_CHECK(t, !x->spare2[i], "spare2[%zu] not zero", i);
	T_CHECK(t, !o->flags && !o->spare[0] && !o->spare[1] &&
		!o->attr_valid_nsec, "out flags/spare not zero");
}

static void test_reply(struct t *t)
{
	struct fs_fuse_statx_out o;
	struct fuse_entry_out e;
	char path[128], lpath[128];
	struct timespec ts[2] = { { 1000000000, 123456789 },
				  { 1100000000, 987654321 } };
	uint64_t fh;
	int err;

	T_CHECK(t, !t_init(t), "init");
	err = t_create(t, FUSE_ROOT_ID, "f", S_IFREG | 0640, O_RDWR, &e, &fh);
	T_CHECK(t, !err, "create: %d", err);
	T_CHECK(t, t_write(t, e.nodeid, fh, 0, "hello statx", 11) == 11,
		"write");
	snprintf(path, sizeof(path), "%s/f", t->dir);
	utimensat(AT_FDCWD, path, ts, 0);

	err = do_statx(t, e.nodeid, ALL_FIELDS, &o);
	T_CHECK(t, !err, "statx: %d", err);
	check_against_host(t, path, &o);
	T_CHECK(t, o.stat.size == 11 && S_ISREG(o.stat.mode),
		"size %llu mode %o", (unsigned long long)o.stat.size,
		o.stat.mode);
	T_CHECK(t, o.stat.mtime.tv_sec == 1100000000 &&
		o.stat.mtime.tv_nsec == 987654321, "mtime %lld.%u",
		(long long)o.stat.mtime.tv_sec, o.stat.mtime.tv_nsec);
	T_CHECK(t, o.attr_valid == 1, "attr_valid %llu (cache=auto)",
		(unsigned long long)o.attr_valid);

	/* the root, and a symlink: never followed */
	err = do_statx(t, FUSE_ROOT_ID, ALL_FIELDS, &o);
	T_CHECK(t, !err && S_ISDIR(o.stat.mode), "root: %d", err);
	check_against_host(t, t->dir, &o);
	snprintf(lpath, sizeof(lpath), "%s/l", t->dir);
	T_CHECK(t, !symlink("/etc/passwd", lpath), "symlink");
	T_CHECK(t, !t_lookup(t, FUSE_ROOT_ID, "l", &e), "lookup l");
	err = do_statx(t, e.nodeid, ALL_FIELDS, &o);
	T_CHECK(t, !err && S_ISLNK(o.stat.mode), "symlink: %d mode %o", err,
		o.stat.mode);
	check_against_host(t, lpath, &o);

	/*
	 * Whatever else the host knows (STATX_MNT_ID, DIOALIGN, ...) has no
	 * field in fuse_statx and is never claimed in the mask.
	 */
	err = do_statx(t, FUSE_ROOT_ID, ~(uint32_t)STATX__RESERVED, &o);
	T_CHECK(t, !err && !(o.stat.mask & ~ALL_FIELDS), "mask %#x: %d",
		o.stat.mask, err);
	/* sync types are passed on */
	{
		struct fs_fuse_statx_in in = { .sx_mask = STATX_SIZE,
			.sx_flags = AT_STATX_FORCE_SYNC };
		long n;

		err = statx_req(t, FUSE_ROOT_ID, &in, sizeof(in), &o,
				sizeof(o), &n);
		T_CHECK(t, !err, "FORCE_SYNC: %d", err);
		in.sx_flags = AT_STATX_DONT_SYNC;
		err = statx_req(t, FUSE_ROOT_ID, &in, sizeof(in), &o,
				sizeof(o), &n);
		T_CHECK(t, !err, "DONT_SYNC: %d", err);
	}
}

static int open_node(struct t *t, uint32_t opcode, uint64_t nodeid,
		     uint64_t *fh)
{
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	int err;

	t_call(t, opcode, nodeid, &oi, sizeof(oi), NULL, 0, NULL, 0, &oo,
	       sizeof(oo), &err);
	*fh = oo.fh;
	return err;
}

static void test_fh(struct t *t)
{
	struct fs_fuse_statx_in in = { .getattr_flags = FS_STATX_GETATTR_FH,
				       .sx_mask = ALL_FIELDS };
	struct fs_fuse_statx_out o;
	struct fuse_entry_out a, b, d;
	uint64_t fa, fb, fd;
	char path[128];
	long n;
	int err;

	T_CHECK(t, !t_init(t), "init");
	T_CHECK(t, !t_create(t, FUSE_ROOT_ID, "a", S_IFREG | 0644, O_RDWR,
			     &a, &fa), "create a");
	T_CHECK(t, !t_create(t, FUSE_ROOT_ID, "b", S_IFREG | 0644, O_RDWR,
			     &b, &fb), "create b");
	snprintf(path, sizeof(path), "%s/d", t->dir);
	T_CHECK(t, !mkdir(path, 0755), "mkdir");
	T_CHECK(t, !t_lookup(t, FUSE_ROOT_ID, "d", &d), "lookup d");
	T_CHECK(t, !open_node(t, FUSE_OPENDIR, d.nodeid, &fd), "opendir");

	in.fh = fa;
	err = statx_req(t, a.nodeid, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, !err && n == sizeof(o) && o.stat.ino == a.attr.ino,
		"by fh: %d ino %llu", err, (unsigned long long)o.stat.ino);
	/* the file stays reachable through its fh after an unlink */
	snprintf(path, sizeof(path), "%s/a", t->dir);
	unlink(path);
	err = statx_req(t, a.nodeid, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, !err && o.stat.nlink == 0, "unlinked by fh: %d nlink %u",
		err, o.stat.nlink);
	in.fh = fd;
	err = statx_req(t, d.nodeid, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, !err && S_ISDIR(o.stat.mode), "dir by fh: %d", err);

	/* an fh of another file, a made-up fh, a dir fh for a file */
	in.fh = fb;
	err = statx_req(t, a.nodeid, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, err == -EBADF, "other file's fh: %d", err);
	in.fh = 0xfeedface;
	err = statx_req(t, b.nodeid, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, err == -EBADF, "made-up fh: %d", err);
	in.fh = fd;
	err = statx_req(t, b.nodeid, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, err == -EBADF, "dir fh for a file: %d", err);
	/* without the flag fh is ignored */
	in.getattr_flags = 0;
	in.fh = 0xfeedface;
	err = statx_req(t, b.nodeid, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, !err && o.stat.ino == b.attr.ino, "fh without flag: %d",
		err);
}

static void test_validate(struct t *t)
{
	struct fs_fuse_statx_in in = { .sx_mask = ALL_FIELDS }, bad;
	struct fs_fuse_statx_out o;
	long n;
	int err;

	/* before INIT, like every request */
	err = statx_req(t, FUSE_ROOT_ID, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, err == -EIO, "before INIT: %d", err);
	T_CHECK(t, !t_init(t), "init");

	err = statx_req(t, FUSE_ROOT_ID, &in, sizeof(in) - 1, &o, sizeof(o),
			&n);
	T_CHECK(t, err == -EINVAL, "23-byte in-arg: %d", err);
	err = statx_req(t, FUSE_ROOT_ID, NULL, 0, &o, sizeof(o), &n);
	T_CHECK(t, err == -EINVAL, "no in-arg: %d", err);
	bad = in;
	bad.reserved = 1;
	err = statx_req(t, FUSE_ROOT_ID, &bad, sizeof(bad), &o, sizeof(o), &n);
	T_CHECK(t, err == -EINVAL, "reserved set: %d", err);
	bad = in;
	bad.getattr_flags = 2;
	err = statx_req(t, FUSE_ROOT_ID, &bad, sizeof(bad), &o, sizeof(o), &n);
	T_CHECK(t, err == -EINVAL, "unknown getattr_flags: %d", err);
	bad = in;
	bad.sx_flags = AT_SYMLINK_FOLLOW;
	err = statx_req(t, FUSE_ROOT_ID, &bad, sizeof(bad), &o, sizeof(o), &n);
	T_CHECK(t, err == -EINVAL, "sx_flags AT_SYMLINK_FOLLOW: %d", err);
	bad.sx_flags = AT_EMPTY_PATH;
	err = statx_req(t, FUSE_ROOT_ID, &bad, sizeof(bad), &o, sizeof(o), &n);
	T_CHECK(t, err == -EINVAL, "sx_flags AT_EMPTY_PATH: %d", err);
	bad.sx_flags = AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC;
	err = statx_req(t, FUSE_ROOT_ID, &bad, sizeof(bad), &o, sizeof(o), &n);
	T_CHECK(t, err == -EINVAL, "both sync types: %d", err);
	bad = in;
	bad.sx_mask = STATX__RESERVED;
	err = statx_req(t, FUSE_ROOT_ID, &bad, sizeof(bad), &o, sizeof(o), &n);
	T_CHECK(t, err == -EINVAL, "STATX__RESERVED: %d", err);

	err = statx_req(t, 0x123456789ULL, &in, sizeof(in), &o, sizeof(o), &n);
	T_CHECK(t, err == -ESTALE, "made-up nodeid: %d", err);
	/* a reply that does not fit the guest's buffer */
	err = statx_req(t, FUSE_ROOT_ID, &in, sizeof(in), &o, sizeof(o) - 8,
			&n);
	T_CHECK(t, err == -EINVAL, "short reply buffer: %d", err);
	/* extra bytes after the in-arg are ignored, as for other requests */
	{
		unsigned char big[sizeof(in) + 16] = { 0 };

		memcpy(big, &in, sizeof(in));
		err = statx_req(t, FUSE_ROOT_ID, (void *)big, sizeof(big), &o,
				sizeof(o), &n);
		T_CHECK(t, !err && n == sizeof(o), "longer in-arg: %d", err);
	}
}

static void test_fault(struct t *t)
{
	struct fs_config cfg = { .cache = FS_CACHE_NONE, .xattr = true,
				 .fault_spec = "statx:error:ENOSYS" };
	struct fs_fuse_statx_out o;
	int err;

	/* the fault rule names the opcode */
	fs_server_free(t->srv);
	t->srv = t_server(t, &cfg);
	T_CHECK(t, t->srv, "fault spec statx:error:ENOSYS refused");
	if (!t->srv)
		return;
	T_CHECK(t, !t_init(t), "init");
	err = do_statx(t, FUSE_ROOT_ID, ALL_FIELDS, &o);
	T_CHECK(t, err == -ENOSYS, "injected ENOSYS: %d", err);
	fs_server_free(t->srv);
	cfg.fault_spec = NULL;
	t->srv = t_server(t, &cfg);
	T_CHECK(t, t->srv && !t_init(t), "init");
	err = do_statx(t, FUSE_ROOT_ID, ALL_FIELDS, &o);
	T_CHECK(t, !err && o.attr_valid == 0, "cache=none attr_valid %llu",
		(unsigned long long)o.attr_valid);
}

/* INIT: 7.39 is ours; a 6.1 guest (7.37) gets 7.37. */
static void test_minor(struct t *t)
{
	struct fuse_init_out out;

	T_CHECK(t, !init_flags(t, 37, 0, &out) && out.minor == 37,
		"guest 7.37: %u", out.minor);
	T_CHECK(t, !init_flags(t, 39, 0, &out) && out.minor == 39,
		"guest 7.39: %u", out.minor);
	T_CHECK(t, !init_flags(t, 45, 0, &out) && out.minor == 39,
		"guest 7.45: %u", out.minor);
	T_CHECK(t, !init_flags(t, 45, FUSE_SUBMOUNTS, &out) &&
		(out.flags & FUSE_SUBMOUNTS), "SUBMOUNTS offered: %#x",
		out.flags);
	T_CHECK(t, !init_flags(t, 45, FUSE_ASYNC_READ, &out) &&
		!(out.flags & FUSE_SUBMOUNTS), "SUBMOUNTS not asked: %#x",
		out.flags);
}

/* READDIRPLUS of dir: the attr.flags of the entry called name. */
static int plus_flags(struct t *t, uint64_t dir, const char *name,
		      uint32_t *flags)
{
	struct fuse_read_in ri = { .size = 65536 };
	struct fuse_release_in rel = { 0 };
	static unsigned char buf[65536];
	uint64_t fh;
	long n, off;
	int err, found = -ENOENT;

	err = open_node(t, FUSE_OPENDIR, dir, &fh);
	if (err)
		return err;
	ri.fh = fh;
	n = t_call(t, FUSE_READDIRPLUS, dir, &ri, sizeof(ri), NULL, 0, NULL, 0,
		   buf, sizeof(buf), &err);
	for (off = 0; !err && off + (long)sizeof(struct fuse_direntplus) <= n;) {
		struct fuse_direntplus *dp = (void *)(buf + off);

		if (dp->dirent.namelen == strlen(name) &&
		    !memcmp(dp->dirent.name, name, dp->dirent.namelen)) {
			*flags = dp->entry_out.attr.flags;
			found = 0;
		}
		if (dp->entry_out.nodeid)
			t_forget(t, dp->entry_out.nodeid, 1);
		off += FUSE_DIRENTPLUS_SIZE(dp);
	}
	rel.fh = fh;
	t_call(t, FUSE_RELEASEDIR, dir, &rel, sizeof(rel), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	return found;
}

static void test_submount(struct t *t)
{
	struct fuse_init_out out;
	struct fuse_entry_out e, p, up;
	char path[128];
	uint32_t fl = ~0u;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		snprintf(t->why, sizeof(t->why), "skip");
		return;
	}
	snprintf(path, sizeof(path), "%s/sub", t->dir);
	mkdir(path, 0755);
	if (mount("vng-unit", path, "tmpfs", 0, "size=1m")) {
		snprintf(t->why, sizeof(t->why), "skip");
		return;
	}
	snprintf(path, sizeof(path), "%s/plain", t->dir);
	mkdir(path, 0755);
	/* the server's root fd must belong to the new namespace's mounts */
	fs_server_free(t->srv);
	t->srv = t_server(t, NULL);
	if (!t->srv) {
		T_CHECK(t, 0, "server: %s", strerror(errno));
		return;
	}

	T_CHECK(t, !init_flags(t, 37, FUSE_SUBMOUNTS | FUSE_DO_READDIRPLUS,
			       &out) && (out.flags & FUSE_SUBMOUNTS), "init");
	T_CHECK(t, !t_lookup(t, FUSE_ROOT_ID, "sub", &e) &&
		(e.attr.flags & FUSE_ATTR_SUBMOUNT), "sub: flags %#x",
		e.attr.flags);
	T_CHECK(t, !t_lookup(t, FUSE_ROOT_ID, "plain", &p) &&
		!(p.attr.flags & FUSE_ATTR_SUBMOUNT), "plain: flags %#x",
		p.attr.flags);
	/* ".." of the submount's root lies on the parent's filesystem */
	T_CHECK(t, !t_lookup(t, e.nodeid, "..", &up) &&
		up.nodeid == FUSE_ROOT_ID &&
		!(up.attr.flags & FUSE_ATTR_SUBMOUNT), "..: %llu flags %#x",
		(unsigned long long)up.nodeid, up.attr.flags);
	T_CHECK(t, !t_lookup(t, e.nodeid, ".", &up) &&
		!(up.attr.flags & FUSE_ATTR_SUBMOUNT), ".: flags %#x",
		up.attr.flags);
	T_CHECK(t, !plus_flags(t, FUSE_ROOT_ID, "sub", &fl) &&
		(fl & FUSE_ATTR_SUBMOUNT), "readdirplus sub: %#x", fl);
	T_CHECK(t, !plus_flags(t, FUSE_ROOT_ID, "plain", &fl) &&
		!(fl & FUSE_ATTR_SUBMOUNT), "readdirplus plain: %#x", fl);

	/* a guest that did not ask never sees the flag */
	T_CHECK(t, !init_flags(t, 37, FUSE_DO_READDIRPLUS, &out) &&
		!(out.flags & FUSE_SUBMOUNTS), "init without");
	T_CHECK(t, !t_lookup(t, FUSE_ROOT_ID, "sub", &e) &&
		!(e.attr.flags & FUSE_ATTR_SUBMOUNT), "unasked: flags %#x",
		e.attr.flags);
	T_CHECK(t, !plus_flags(t, FUSE_ROOT_ID, "sub", &fl) &&
		!(fl & FUSE_ATTR_SUBMOUNT), "unasked readdirplus: %#x", fl);
	snprintf(path, sizeof(path), "%s/sub", t->dir);
	umount2(path, MNT_DETACH);
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "statx_reply", test_reply },
		{ "statx_fh", test_fh },
		{ "statx_validate", test_validate },
		{ "statx_fault", test_fault },
		{ "init_minor", test_minor },
		{ "submount", test_submount },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), "needs root and a mount namespace");
}
