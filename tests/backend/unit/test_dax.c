// SPDX-License-Identifier: GPL-2.0
/*
 * The DAX window: the back end's table of mapped ranges (dax_window.c:
 * replace-inside, refuse-to-split, bounds and alignment) and the checks
 * FUSE_SETUPMAPPING makes before the transport is asked to map anything
 * (nodeid-only requests as the kernel sends them, fh/nodeid mismatches,
 * open modes, flags, non-regular files, a read-only share).
 */
#include "dax_window.h"
#include "fs_test.h"

#define MiB (1ull << 20)

/* ---- dax_window ---- */

static void test_window(struct t *t)
{
	struct dax_window w;
	size_t first, count;

	dax_window_init(&w, 64 * MiB, 4096);
	T_CHECK(t, dax_window_range_ok(&w, 0, 64 * MiB), "whole window");
	T_CHECK(t, !dax_window_range_ok(&w, 0, 0), "empty range");
	T_CHECK(t, !dax_window_range_ok(&w, 62 * MiB, 4 * MiB), "past the end");
	T_CHECK(t, !dax_window_range_ok(&w, ~0ull - 4095, 8192), "wrapping");
	T_CHECK(t, !dax_window_range_ok(&w, 100, 4096), "unaligned offset");
	T_CHECK(t, !dax_window_range_ok(&w, 0, 100), "unaligned length");

	T_CHECK(t, dax_window_add(&w, 4 * MiB, 2 * MiB, false) == 0, "add");
	T_CHECK(t, dax_window_add(&w, 0, 2 * MiB, true) == 0, "add before");
	T_CHECK(t, dax_window_add(&w, 8 * MiB, 2 * MiB, false) == 0, "add after");
	T_CHECK(t, w.n == 3 && w.maps[0].off == 0 && w.maps[1].off == 4 * MiB &&
		   w.maps[2].off == 8 * MiB, "sorted: %zu", w.n);
	T_CHECK(t, dax_window_add(&w, 5 * MiB, 2 * MiB, false) == -EEXIST,
		"overlap refused");
	T_CHECK(t, dax_window_add(&w, 3 * MiB, 2 * MiB, false) == -EEXIST,
		"overlap from below refused");
	T_CHECK(t, dax_window_add(&w, 2 * MiB, 2 * MiB, false) == 0,
		"adjacent is fine");
	T_CHECK(t, dax_window_mapped(&w) == 8 * MiB, "mapped %llu",
		(unsigned long long)dax_window_mapped(&w));

	/* exactly one mapping: replaceable (a read-only -> writable upgrade) */
	T_CHECK(t, dax_window_covered(&w, 4 * MiB, 2 * MiB, &first, &count) == 0 &&
		   first == 2 && count == 1, "exact cover %zu %zu", first, count);
	/* several whole ones */
	T_CHECK(t, dax_window_covered(&w, 0, 16 * MiB, &first, &count) == 0 &&
		   first == 0 && count == 4, "whole cover %zu %zu", first, count);
	/* a hole */
	T_CHECK(t, dax_window_covered(&w, 12 * MiB, 2 * MiB, &first, &count) == 0 &&
		   count == 0, "hole %zu", count);
	/* cutting one in two cannot be done by the front end */
	T_CHECK(t, dax_window_covered(&w, 5 * MiB, 4096, &first, &count) == -EBUSY,
		"split refused");
	T_CHECK(t, dax_window_covered(&w, 1 * MiB, 2 * MiB, &first, &count) == -EBUSY,
		"straddle refused");

	dax_window_remove_at(&w, 1);
	T_CHECK(t, w.n == 3 && w.maps[1].off == 4 * MiB, "remove");
	dax_window_remove_at(&w, 99);
	T_CHECK(t, w.n == 3, "remove out of range is ignored");
	dax_window_clear(&w);
	T_CHECK(t, w.n == 0 && dax_window_mapped(&w) == 0, "clear");

	/* many: growth and binary search */
	for (uint64_t i = 0; i < 32; i++)
		T_CHECK(t, dax_window_add(&w, (31 - i) * 2 * MiB, 2 * MiB,
					  i & 1) == 0, "add %llu",
			(unsigned long long)i);
	T_CHECK(t, w.n == 32 && dax_window_mapped(&w) == 64 * MiB, "full");
	for (size_t i = 1; i < w.n; i++)
		T_CHECK(t, w.maps[i - 1].off + w.maps[i - 1].len <= w.maps[i].off,
			"order at %zu", i);
	T_CHECK(t, dax_window_covered(&w, 10 * MiB, 6 * MiB, &first, &count) == 0 &&
		   first == 5 && count == 3, "middle cover %zu %zu", first, count);
	dax_window_free(&w);
}

/* ---- FUSE_SETUPMAPPING / FUSE_REMOVEMAPPING checks ---- */

static struct {
	int maps, unmaps;
	int fd_acc;		/* O_ACCMODE of the fd handed over */
	uint64_t foff, moff, len;
	bool w;
} fk;

static int fake_map(void *opaque, int fd, uint64_t fd_offset,
		    uint64_t window_offset, uint64_t len, bool writable)
{
	int fl = fcntl(fd, F_GETFL);

	(void)opaque;
	if (fl < 0)
		return -EBADF;
	fk.maps++;
	fk.fd_acc = fl & O_ACCMODE;
	fk.foff = fd_offset;
	fk.moff = window_offset;
	fk.len = len;
	fk.w = writable;
	return 0;
}

static int fake_unmap(void *opaque, uint64_t window_offset, uint64_t len)
{
	(void)opaque;
	(void)window_offset;
	(void)len;
	fk.unmaps++;
	return 0;
}

static int map(struct t *t, uint64_t nodeid, uint64_t fh, uint64_t foff,
	       uint64_t moff, uint64_t len, uint64_t flags)
{
	struct fuse_setupmapping_in sm = {
		.fh = fh, .foffset = foff, .len = len, .flags = flags,
		.moffset = moff,
	};
	int err;

	t_call(t, FUSE_SETUPMAPPING, nodeid, &sm, sizeof(sm), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	return err;
}

static int start(struct t *t, bool readonly)
{
	struct fs_config cfg = {
		.cache = FS_CACHE_AUTO, .xattr = true, .readonly = readonly,
		.dax = { .map = fake_map, .unmap = fake_unmap,
			 .window_size = 64 * MiB },
	};
	struct fuse_init_in in = { .major = 7, .minor = 38,
				   .flags = FUSE_MAP_ALIGNMENT };
	struct fuse_init_out out;
	int err;

	fs_server_free(t->srv);
	t->srv = t_server(t, &cfg);
	if (!t->srv)
		return -1;
	t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &out,
	       sizeof(out), &err);
	memset(&fk, 0, sizeof(fk));
	return err || !(out.flags & FUSE_MAP_ALIGNMENT) ? -1 : 0;
}

static void test_setupmapping(struct t *t)
{
	const uint64_t R = FUSE_SETUPMAPPING_FLAG_READ;
	const uint64_t W = FUSE_SETUPMAPPING_FLAG_WRITE;
	struct fuse_entry_out e, d;
	struct fuse_mkdir_in mk = { .mode = 0755, .umask = 022 };
	uint64_t fh, rofh;
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	int err;

	if (start(t, false)) {
		T_CHECK(t, 0, "server with a window");
		return;
	}
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "f", 0644, O_RDWR, &e, &fh) == 0,
		"create");
	t_call(t, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL, 0, &oo,
	       sizeof(oo), &err);
	rofh = oo.fh;
	T_CHECK(t, !err, "open read-only: %d", err);

	/* the kernel's form: fh = ~0, the file named by nodeid */
	err = map(t, e.nodeid, ~0ull, 2 * MiB, 4 * MiB, 2 * MiB, R);
	T_CHECK(t, !err && fk.maps == 1 && fk.foff == 2 * MiB &&
		   fk.moff == 4 * MiB && fk.len == 2 * MiB && !fk.w,
		"nodeid map: %d", err);
	/* QEMU needs a read-write fd even for a read-only mapping */
	T_CHECK(t, fk.fd_acc == O_RDWR, "fd mode %d", fk.fd_acc);
	err = map(t, e.nodeid, ~0ull, 0, 0, 2 * MiB, R | W);
	T_CHECK(t, !err && fk.maps == 2 && fk.w, "nodeid rw map: %d", err);

	/* a real fh: its open mode limits the mapping */
	err = map(t, e.nodeid, fh, 0, 0, 4096, R | W);
	T_CHECK(t, !err && fk.maps == 3, "fh rw map: %d", err);
	err = map(t, e.nodeid, rofh, 0, 0, 4096, R);
	T_CHECK(t, !err && fk.maps == 4, "read-only fh, read map: %d", err);
	err = map(t, e.nodeid, rofh, 0, 0, 4096, R | W);
	T_CHECK(t, err == -EBADF && fk.maps == 4, "read-only fh, write map: %d",
		err);
	/* the fh must be the inode's */
	err = map(t, FUSE_ROOT_ID, fh, 0, 0, 4096, R);
	T_CHECK(t, err == -EBADF, "fh of another inode: %d", err);
	err = map(t, e.nodeid, fh + 1000, 0, 0, 4096, R);
	T_CHECK(t, err == -EBADF, "unknown fh: %d", err);
	err = map(t, 12345, ~0ull, 0, 0, 4096, R);
	T_CHECK(t, err == -ESTALE, "unknown nodeid: %d", err);

	/* bounds, alignment, flags */
	T_CHECK(t, map(t, e.nodeid, ~0ull, 0, 63 * MiB, 2 * MiB, R) == -EINVAL,
		"past the window");
	T_CHECK(t, map(t, e.nodeid, ~0ull, 0, 0, 0, R) == -EINVAL, "empty");
	T_CHECK(t, map(t, e.nodeid, ~0ull, 100, 0, 4096, R) == -EINVAL,
		"unaligned file offset");
	T_CHECK(t, map(t, e.nodeid, ~0ull, ~0ull - 4095, 0, 8192, R) == -EINVAL,
		"file offset overflow");
	T_CHECK(t, map(t, e.nodeid, ~0ull, 0, 0, 4096, R | 0x100) == -EINVAL,
		"unknown flag");
	T_CHECK(t, fk.maps == 4, "nothing mapped by bad requests: %d", fk.maps);

	/* only regular files */
	t_call(t, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), "d", 2, NULL, 0,
	       &d, sizeof(d), &err);
	T_CHECK(t, !err, "mkdir: %d", err);
	T_CHECK(t, map(t, d.nodeid, ~0ull, 0, 0, 4096, R) == -EINVAL,
		"directory");
	/* a short request */
	{
		struct fuse_setupmapping_in sm = { .fh = ~0ull, .len = 4096 };

		t_call(t, FUSE_SETUPMAPPING, e.nodeid, &sm, sizeof(sm) - 8,
		       NULL, 0, NULL, 0, NULL, 0, &err);
		T_CHECK(t, err == -EINVAL, "short request: %d", err);
	}
}

static void test_readonly(struct t *t)
{
	struct fuse_entry_out e;
	int fd;

	fd = open(strcat(strcpy((char[96]){ 0 }, t->dir), "/ro"),
		  O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	if (start(t, true)) {
		T_CHECK(t, 0, "read-only server with a window");
		return;
	}
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "ro", &e) == 0, "lookup");
	T_CHECK(t, map(t, e.nodeid, ~0ull, 0, 0, 4096,
		       FUSE_SETUPMAPPING_FLAG_WRITE) == -EROFS, "write map");
	/* QEMU would map it writable anyway */
	T_CHECK(t, map(t, e.nodeid, ~0ull, 0, 0, 4096,
		       FUSE_SETUPMAPPING_FLAG_READ) == -EROFS && !fk.maps,
		"read map");
}

static void test_inode_dax(struct t *t)
{
	struct fs_config cfg = {
		.cache = FS_CACHE_AUTO, .xattr = true, .dax_inode_sticky = true,
		.dax = { .map = fake_map, .unmap = fake_unmap,
			 .window_size = 64 * MiB },
	};
	struct fuse_init_in in = {
		.major = 7, .minor = 38,
		.flags = FUSE_MAP_ALIGNMENT | FUSE_INIT_EXT,
		.flags2 = (uint32_t)(FUSE_HAS_INODE_DAX >> 32),
	};
	struct fuse_getattr_in ga = { 0 };
	struct fuse_init_out out;
	struct fuse_attr_out ao;
	struct fuse_entry_out e;
	char p[128];
	int err, fd;

	snprintf(p, sizeof(p), "%s/plain", t->dir);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof(p), "%s/sticky", t->dir);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	chmod(p, 01644);
	fs_server_free(t->srv);
	t->srv = t_server(t, &cfg);
	if (!t->srv) {
		T_CHECK(t, 0, "server");
		return;
	}
	t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &out,
	       sizeof(out), &err);
	T_CHECK(t, !err && (out.flags & FUSE_INIT_EXT) &&
		   (out.flags2 & (FUSE_HAS_INODE_DAX >> 32)),
		"INIT: flags 0x%x flags2 0x%x", out.flags, out.flags2);
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "sticky", &e) == 0 &&
		   (e.attr.flags & FUSE_ATTR_DAX), "sticky: no FUSE_ATTR_DAX");
	t_call(t, FUSE_GETATTR, e.nodeid, &ga, sizeof(ga), NULL, 0, NULL, 0,
	       &ao, sizeof(ao), &err);
	T_CHECK(t, !err && (ao.attr.flags & FUSE_ATTR_DAX),
		"getattr of sticky: no FUSE_ATTR_DAX");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "plain", &e) == 0 &&
		   !(e.attr.flags & FUSE_ATTR_DAX), "plain file has FUSE_ATTR_DAX");
}

static void test_no_window(struct t *t)
{
	struct fuse_entry_out e;
	uint64_t fh;

	T_CHECK(t, t_init(t) == 0, "init");
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "f", 0644, O_RDWR, &e, &fh) == 0,
		"create");
	T_CHECK(t, map(t, e.nodeid, ~0ull, 0, 0, 4096,
		       FUSE_SETUPMAPPING_FLAG_READ) == -ENOSYS, "no window");
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "dax_window_table", test_window },
		{ "dax_setupmapping_checks", test_setupmapping },
		{ "dax_readonly_share", test_readonly },
		{ "dax_no_window", test_no_window },
		{ "dax_per_inode_sticky", test_inode_dax },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}
