// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-side helper of tests/driver/features: the checks that need exact
 * errnos, raw xattrs, other credentials or several processes, which
 * busybox applets cannot give.  Each command prints its own
 * "PASS|FAIL|SKIP name[: why]" lines, NAME being the prefix given.
 *
 *   features-helper mount FSTYPE SOURCE DIR OPTS
 *       mounts through fsopen/fsconfig/fsmount/move_mount, one fsconfig
 *       call per comma-separated option, and prints "OK" or
 *       "ERRNO: kernel message" (the message the filesystem logged)
 *   features-helper export NAME DIR      name_to_handle_at/open_by_handle_at
 *   features-helper acl NAME DIR         POSIX ACLs through raw xattrs
 *   features-helper killpriv NAME DIR    suid/sgid cleared by write/chown
 *   features-helper whiteout NAME DIR    renameat2(RENAME_WHITEOUT)
 *   features-helper falloc NAME DIR      fallocate ZERO_RANGE, others
 *   features-helper syncfs NAME DIR      syncfs(2) with dirty mmap data
 *   features-helper locks NAME DIR       killed blocked fcntl/flock waiters
 *   features-helper statx NAME DIR       statx fields, btime; with
 *       BTIME_REF=FILE also FILE's btime against FILE.host, which the
 *       host wrote with "features-helper btime FILE WANT" before the run
 *   features-helper btime FILE WANT      (on the host) prints FILE's birth
 *       time "SEC NSEC WANT" ("none" if the filesystem has none); WANT 1
 *       means the guest must report STATX_BTIME
 *   features-helper odirect NAME DIR     O_DIRECT opens that create the file
 *   features-helper access NAME DIR      as uid 1000: stat DIR, print errno
 *   features-helper rmtree DIR           empties DIR of files and removes it,
 *       using each 1 KiB of names getdents returns before reading on
 *   features-helper writer FILE BS COUNT [direct]
 *       COUNT write(2)s of BS bytes of a known pattern from memory (O_DIRECT
 *       with "direct"), then reads FILE back; prints "OK BYTES" or what went
 *       wrong, the first short write(2) included: unlike dd from /dev/zero
 *       its source never comes up short, so a short count is the
 *       filesystem's (the pm tests run it across freeze/thaw)
 *
 * The caller runs it as root in a directory the test may fill.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE	0x10
#endif
#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE	0x08
#endif
#ifndef FALLOC_FL_INSERT_RANGE
#define FALLOC_FL_INSERT_RANGE	0x20
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#endif

/* the new mount API, by number: glibc's wrappers are recent */
#define FSCONFIG_SET_FLAG	0
#define FSCONFIG_SET_STRING	1
#define FSCONFIG_CMD_CREATE	6
#define MOVE_MOUNT_F_EMPTY_PATH	0x00000004

#define TEST_UID	1000
#define TEST_GID	1000
#define OTHER_UID	1001

static const char *prefix = "x";
static int fails;

static void res(const char *kind, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!strcmp(kind, "FAIL"))
		fails++;
	printf("%s %s.%s", kind, prefix, name);
	if (fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
}

#define PASS(n, ...) res("PASS", n, __VA_ARGS__)
#define FAILR(n, ...) res("FAIL", n, __VA_ARGS__)
#define SKIP(n, ...) res("SKIP", n, __VA_ARGS__)
/* PASS when COND, else FAIL with the message */
#define CHECK(n, cond, ...) \
	((cond) ? res("PASS", n, NULL) : res("FAIL", n, __VA_ARGS__))

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, data, strlen(data));
	if (n != (ssize_t)strlen(data)) {
		close(fd);
		return n < 0 ? -errno : -EIO;
	}
	if (close(fd))
		return -errno;
	return 0;
}

static int drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	int ret = 0;

	sync();
	if (fd < 0)
		return -errno;
	if (write(fd, "3", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

/* Become TEST_UID/TEST_GID (uid) in a child; 0 on success. */
static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(TEST_GID, TEST_GID, TEST_GID) ||
	    setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

/* Runs fn(arg) in a child as uid; returns its exit status or -1. */
static int as_user(uid_t uid, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (become(uid))
			_exit(250);
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* ---- mount ------------------------------------------------------------ */

static void print_fs_log(int fsfd)
{
	char buf[512];
	ssize_t n;
	int any = 0;

	/* every message the fs_context logged, one per read */
	while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		printf("%s%s", any ? " | " : " ", buf);
		any = 1;
	}
}

static int cmd_mount(int argc, char **argv)
{
	const char *fstype, *source, *dir;
	char *opts, *o, *save = NULL;
	int fsfd, mfd, err;

	if (argc != 6) {
		fprintf(stderr, "mount FSTYPE SOURCE DIR OPTS\n");
		return 2;
	}
	fstype = argv[2];
	source = argv[3];
	dir = argv[4];
	opts = strdup(argv[5]);

	fsfd = syscall(SYS_fsopen, fstype, 0);
	if (fsfd < 0) {
		printf("%s: fsopen\n", strerrorname_np(errno));
		return 1;
	}
	if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "source", source,
		    0) < 0)
		goto fail;
	for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		long r;

		if (eq) {
			*eq = 0;
			r = syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, o,
				    eq + 1, 0);
		} else {
			r = syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, o,
				    NULL, 0);
		}
		if (r < 0)
			goto fail;
	}
	if (syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail;
	mfd = syscall(SYS_fsmount, fsfd, 0, 0);
	if (mfd < 0)
		goto fail;
	if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, dir,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		goto fail;
	printf("OK");
	print_fs_log(fsfd);
	printf("\n");
	return 0;
fail:
	err = errno;
	printf("%s:", strerrorname_np(err));
	print_fs_log(fsfd);
	printf("\n");
	return 1;
}

/* ---- export ops ------------------------------------------------------- */

struct fh {
	struct file_handle h;
	unsigned char room[128];
};

static int get_handle(const char *path, struct fh *fh, int *mount_id)
{
	fh->h.handle_bytes = sizeof(fh->room);
	return name_to_handle_at(AT_FDCWD, path, &fh->h, mount_id, 0);
}

static int read_all(int fd, char *buf, size_t sz)
{
	ssize_t n = pread(fd, buf, sz - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static void cmd_export(const char *dir)
{
	char path[4096], path2[4096], buf[128];
	struct fh fh, dfh, hfh;
	struct stat st, st2;
	int mid, mfd, fd, err, hold;

	mfd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/export.file", dir);
	snprintf(path2, sizeof(path2), "%s/export.dir", dir);
	mkdir(path2, 0755);
	if (mfd < 0 || write_file(path, "export-data", 0644)) {
		FAILR("setup", "%s", strerror(errno));
		return;
	}
	if (get_handle(path, &fh, &mid)) {
		err = errno;
		if (err == EOPNOTSUPP)
			SKIP("name_to_handle_at", "EOPNOTSUPP");
		else
			FAILR("name_to_handle_at", "%s", strerrorname_np(err));
		return;
	}
	PASS("name_to_handle_at", "%u bytes, type %d", fh.h.handle_bytes,
	     fh.h.handle_type);
	CHECK("dir-handle", get_handle(path2, &dfh, &mid) == 0, "%s",
	      strerrorname_np(errno));

	/* with the dentry cached */
	fd = open_by_handle_at(mfd, &fh.h, O_RDONLY);
	CHECK("open_by_handle.cached", fd >= 0 && !read_all(fd, buf, sizeof(buf)) &&
	      !strcmp(buf, "export-data"), "fd %d: %s", fd,
	      fd < 0 ? strerrorname_np(errno) : buf);
	if (fd >= 0)
		close(fd);

	/*
	 * With nothing cached the guest has sent FORGET for the node: a FUSE
	 * host may have dropped the nodeid (fuse: ESTALE too), or still know
	 * it and answer the LOOKUP of "." (the inode then comes back).  Either
	 * is right; a wrong file or another error is not.
	 */
	drop_caches();
	fd = open_by_handle_at(mfd, &fh.h, O_RDONLY);
	err = errno;
	if (fd < 0 && err == ESTALE)
		PASS("open_by_handle.uncached", "ESTALE (the host forgot the node)");
	else
		CHECK("open_by_handle.uncached", fd >= 0 &&
		      !read_all(fd, buf, sizeof(buf)) &&
		      !strcmp(buf, "export-data"), "fd %d: %s", fd,
		      fd < 0 ? strerrorname_np(err) : buf);
	if (fd >= 0) {
		stat(path, &st);
		fstat(fd, &st2);
		CHECK("open_by_handle.same-inode", st.st_ino == st2.st_ino &&
		      st.st_dev == st2.st_dev, "ino %llu vs %llu",
		      (unsigned long long)st.st_ino,
		      (unsigned long long)st2.st_ino);
		close(fd);
	}
	drop_caches();
	fd = open_by_handle_at(mfd, &dfh.h, O_RDONLY | O_DIRECTORY);
	err = errno;
	if (fd < 0 && err == ESTALE)
		PASS("open_by_handle.dir-uncached", "ESTALE (the host forgot the node)");
	else
		CHECK("open_by_handle.dir-uncached", fd >= 0 && !fstat(fd, &st2) &&
		      S_ISDIR(st2.st_mode), "%s", strerrorname_np(err));
	if (fd >= 0)
		close(fd);

	/*
	 * A file held open keeps its node: renamed, with the dentry cache
	 * dropped, its handle still finds it; unlinked too (open-unlinked
	 * files are reachable by handle on local filesystems).  The handle is
	 * taken after the open, so it names the node the guest holds.
	 */
	snprintf(buf, sizeof(buf), "%s/export.held", dir);
	write_file(buf, "held", 0644);
	hold = open(buf, O_RDONLY);
	if (get_handle(buf, &hfh, &mid) == 0) {
		snprintf(path2, sizeof(path2), "%s/export.held.renamed", dir);
		rename(buf, path2);
		drop_caches();
		fd = open_by_handle_at(mfd, &hfh.h, O_RDONLY);
		err = errno;
		if (fd < 0 && err == ESTALE && getenv("VNG_CLIENT") &&
		    !strcmp(getenv("VNG_CLIENT"), "kernel"))
			SKIP("open_by_handle.renamed", "ESTALE: the kernel's virtiofs does not find it");
		else
			CHECK("open_by_handle.renamed", fd >= 0, "%s", strerrorname_np(err));
		if (fd >= 0)
			close(fd);
		unlink(path2);
		fd = open_by_handle_at(mfd, &hfh.h, O_RDONLY);
		err = errno;
		CHECK("open_by_handle.unlinked-open", fd >= 0 ||
		      err == ESTALE, "fd %d errno %s", fd, strerrorname_np(err));
		if (fd >= 0)
			close(fd);
	} else {
		FAILR("held-handle", "%s", strerrorname_np(errno));
	}
	if (hold >= 0)
		close(hold);
	snprintf(path2, sizeof(path2), "%s/export.dir", dir);
	snprintf(buf, sizeof(buf), "%s/export.renamed", dir);
	rename(path, buf);
	unlink(buf);

	/* a removed file is stale, not some other inode */
	drop_caches();
	fd = open_by_handle_at(mfd, &fh.h, O_RDONLY);
	err = errno;
	CHECK("open_by_handle.removed", fd < 0 && err == ESTALE,
	      "fd %d errno %s", fd, strerrorname_np(err));
	if (fd >= 0)
		close(fd);
	/* a corrupted handle is refused, not trusted */
	fh.h.handle_bytes = 4;
	fd = open_by_handle_at(mfd, &fh.h, O_RDONLY);
	err = errno;
	CHECK("open_by_handle.short", fd < 0 && (err == ESTALE || err == EINVAL),
	      "fd %d errno %s", fd, strerrorname_np(err));
	if (fd >= 0)
		close(fd);
	rmdir(path2);
	close(mfd);
}

/* ---- POSIX ACLs ---------------------------------------------------------- */

#define ACL_VERSION	2
#define A_USER_OBJ	0x01
#define A_USER		0x02
#define A_GROUP_OBJ	0x04
#define A_GROUP		0x08
#define A_MASK		0x10
#define A_OTHER		0x20
#define A_UNDEF_ID	0xffffffffu

struct acl_ent {
	uint16_t tag, perm;
	uint32_t id;
};

static size_t acl_build(char *buf, const struct acl_ent *e, int n)
{
	uint32_t v = ACL_VERSION;
	int i;

	memcpy(buf, &v, 4);
	for (i = 0; i < n; i++)
		memcpy(buf + 4 + 8 * i, &e[i], 8);
	return 4 + 8 * n;
}

/* Does the xattr ACL hold an entry tag/id with perm? */
static int acl_has(const char *buf, ssize_t len, uint16_t tag, uint32_t id,
		   uint16_t perm)
{
	ssize_t off;

	for (off = 4; off + 8 <= len; off += 8) {
		struct acl_ent e;

		memcpy(&e, buf + off, 8);
		if (e.tag == tag && (tag != A_USER || e.id == id))
			return e.perm == perm;
	}
	return 0;
}

static int try_read(void *arg)
{
	int fd = open(arg, O_RDONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void cmd_acl(const char *dir)
{
	char f[4096], d[4096], sub[4096], g[4096], buf[256];
	struct acl_ent acc[] = {
		{ A_USER_OBJ, 6, A_UNDEF_ID }, { A_USER, 4, TEST_UID },
		{ A_GROUP_OBJ, 4, A_UNDEF_ID }, { A_MASK, 6, A_UNDEF_ID },
		{ A_OTHER, 0, A_UNDEF_ID },
	};
	struct acl_ent def[] = {
		{ A_USER_OBJ, 7, A_UNDEF_ID }, { A_USER, 7, TEST_UID },
		{ A_GROUP_OBJ, 5, A_UNDEF_ID }, { A_MASK, 7, A_UNDEF_ID },
		{ A_OTHER, 0, A_UNDEF_ID },
	};
	struct stat st;
	ssize_t n;
	size_t len;
	int r;

	snprintf(f, sizeof(f), "%s/acl.file", dir);
	snprintf(d, sizeof(d), "%s/acl.dir", dir);
	snprintf(g, sizeof(g), "%s/acl.dir/inherit", dir);
	snprintf(sub, sizeof(sub), "%s/acl.dir/subdir", dir);
	if (write_file(f, "acl", 0640) || (mkdir(d, 0755) && errno != EEXIST)) {
		FAILR("setup", "%s", strerror(errno));
		return;
	}
	chmod(f, 0640);
	len = acl_build(buf, acc, 5);
	if (setxattr(f, "system.posix_acl_access", buf, len, 0)) {
		r = errno;
		if (r == EOPNOTSUPP)
			SKIP("access", "setxattr system.posix_acl_access: EOPNOTSUPP (host without POSIX ACLs)");
		else
			FAILR("access", "setxattr: %s", strerrorname_np(r));
		return;
	}
	PASS("access.set", NULL);
	n = getxattr(f, "system.posix_acl_access", buf, sizeof(buf));
	CHECK("access.get", n == (ssize_t)len &&
	      acl_has(buf, n, A_USER, TEST_UID, 4) && acl_has(buf, n, A_MASK, 0, 6),
	      "getxattr returned %zd (%s)", n, n < 0 ? strerrorname_np(errno) : "entries differ");
	/* the mask shows as the group bits */
	stat(f, &st);
	CHECK("access.mode", (st.st_mode & 0777) == 0660, "mode %o, want 660",
	      st.st_mode & 0777);
	/* the named user reads through the ACL although "other" has nothing */
	r = as_user(TEST_UID, try_read, f);
	CHECK("access.named-user", r == 0, "uid %d open: %s", TEST_UID,
	      r > 0 ? strerrorname_np(r) : "child failed");
	r = as_user(OTHER_UID, try_read, f);
	CHECK("access.other-user", r == EACCES, "uid %d open: %s", OTHER_UID,
	      r > 0 ? strerrorname_np(r) : r == 0 ? "allowed" : "child failed");
	/* chmod rewrites the mask entry */
	chmod(f, 0600);
	n = getxattr(f, "system.posix_acl_access", buf, sizeof(buf));
	CHECK("access.chmod-mask", n > 0 && acl_has(buf, n, A_MASK, 0, 0),
	      "mask after chmod 600: %zd %s", n, n < 0 ? strerrorname_np(errno) : "");
	r = as_user(TEST_UID, try_read, f);
	CHECK("access.chmod-denies", r == EACCES, "uid %d after chmod 600: %s",
	      TEST_UID, r > 0 ? strerrorname_np(r) : r == 0 ? "allowed" : "child failed");
	/* removing the ACL leaves plain mode bits */
	CHECK("access.remove", !removexattr(f, "system.posix_acl_access") &&
	      getxattr(f, "system.posix_acl_access", buf, sizeof(buf)) < 0 &&
	      errno == ENODATA, "%s", strerrorname_np(errno));

	/* default ACLs are inherited by new files and directories */
	len = acl_build(buf, def, 5);
	if (setxattr(d, "system.posix_acl_default", buf, len, 0)) {
		FAILR("default.set", "%s", strerrorname_np(errno));
		return;
	}
	PASS("default.set", NULL);
	unlink(g);
	rmdir(sub);
	if (write_file(g, "x", 0666)) {
		FAILR("default.create", "%s", strerror(errno));
		return;
	}
	stat(g, &st);
	/* umask is ignored with a default ACL: 0666 & (u::rwx, m::rwx, o::---) */
	CHECK("default.file-mode", (st.st_mode & 0777) == 0660,
	      "mode %o, want 660", st.st_mode & 0777);
	n = getxattr(g, "system.posix_acl_access", buf, sizeof(buf));
	CHECK("default.file-acl", n > 0 && acl_has(buf, n, A_USER, TEST_UID, 7),
	      "inherited access ACL: %zd %s", n, n < 0 ? strerrorname_np(errno) : "");
	r = as_user(TEST_UID, try_read, g);
	CHECK("default.file-named-user", r == 0, "uid %d: %s", TEST_UID,
	      r > 0 ? strerrorname_np(r) : "child failed");
	r = mkdir(sub, 0777);
	n = getxattr(sub, "system.posix_acl_default", buf, sizeof(buf));
	CHECK("default.subdir", r == 0 && n > 0 &&
	      acl_has(buf, n, A_USER, TEST_UID, 7), "mkdir %d, default ACL %zd",
	      r, n);
	unlink(g);
	rmdir(sub);
	rmdir(d);
	unlink(f);
}

/* ---- killpriv ------------------------------------------------------------ */

static int user_write(void *arg)
{
	int fd = open(arg, O_WRONLY);

	if (fd < 0)
		return errno;
	if (write(fd, "x", 1) != 1)
		return errno;
	close(fd);
	return 0;
}

static int user_truncate(void *arg)
{
	return truncate(arg, 1) ? errno : 0;
}

static int user_chmod_keep(void *arg)
{
	return chmod(arg, 02755) ? errno : 0;
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	if (stat(p, &st))
		return 0;
	return st.st_mode & 07777;
}

/* CAP_NET_BIND_SERVICE, permitted and effective (a v2 vfs_cap_data) */
static int set_file_cap(const char *p)
{
	uint32_t cap[5] = { 0x02000001, 1u << 10, 0, 0, 0 };

	return setxattr(p, "security.capability", cap, sizeof(cap), 0) ?
	       errno : 0;
}

static int setup_priv(const char *p, mode_t mode)
{
	unlink(p);
	if (write_file(p, "data", 0644) || chown(p, TEST_UID, TEST_GID) ||
	    chmod(p, mode))
		return -1;
	return 0;
}

static void cmd_killpriv(const char *dir)
{
	char p[4096];
	mode_t m;
	int r;

	snprintf(p, sizeof(p), "%s/killpriv.file", dir);
	if (setup_priv(p, 06775) || mode_of(p) != 06775) {
		FAILR("setup", "mode %o: %s", mode_of(p), strerror(errno));
		return;
	}
	r = as_user(TEST_UID, user_write, p);
	m = mode_of(p);
	CHECK("write-by-owner", r == 0 && !(m & 06000), "rc %d, mode %o", r, m);

	setup_priv(p, 06775);
	r = as_user(TEST_UID, user_truncate, p);
	m = mode_of(p);
	CHECK("truncate-by-owner", r == 0 && !(m & 06000), "rc %d, mode %o", r, m);

	/* root (CAP_FSETID) keeps them on write */
	setup_priv(p, 06775);
	r = user_write(p);
	m = mode_of(p);
	CHECK("write-by-root-keeps", r == 0 && (m & 06000) == 06000,
	      "rc %d, mode %o", r, m);

	/* chown clears them, whoever does it */
	setup_priv(p, 06775);
	r = chown(p, OTHER_UID, TEST_GID);
	m = mode_of(p);
	CHECK("chown-by-root", r == 0 && !(m & 04000), "rc %d, mode %o", r, m);

	/* sgid without group exec is a mandatory-lock mark: not cleared */
	setup_priv(p, 02644);
	r = as_user(TEST_UID, user_write, p);
	m = mode_of(p);
	/*
	 * Hosts differ (the guest kernel keeps it; a KILLPRIV_V2 host may
	 * clear it on its side), so this only records what happened.
	 */
	if (r == 0)
		PASS("write-sgid-noexec", "sgid %s", m & 02000 ? "kept" : "cleared by the host");
	else
		FAILR("write-sgid-noexec", "write: %s", strerrorname_np(r));

	/*
	 * A file capability goes with a write by its owner, as on a local
	 * filesystem: by the guest (REMOVEXATTR) or by a host that took
	 * HANDLE_KILLPRIV on itself.
	 */
	setup_priv(p, 0755);
	r = set_file_cap(p);
	if (r == EOPNOTSUPP || r == ENOTSUP || r == EPERM) {
		SKIP("write-drops-caps", "no security.capability here: %s",
		     strerrorname_np(r));
	} else if (r) {
		FAILR("write-drops-caps", "setxattr: %s", strerrorname_np(r));
	} else {
		r = as_user(TEST_UID, user_write, p);
		CHECK("write-drops-caps",
		      r == 0 && getxattr(p, "security.capability", NULL, 0) < 0 &&
		      errno == ENODATA, "rc %d, capability %s", r,
		      getxattr(p, "security.capability", NULL, 0) < 0 ?
		      strerrorname_np(errno) : "still set");
	}

	/* a non-member owner setting sgid loses it (inode_init/setattr rule) */
	setup_priv(p, 0755);
	chown(p, TEST_UID, 0);
	r = as_user(TEST_UID, user_chmod_keep, p);
	m = mode_of(p);
	CHECK("chmod-sgid-nonmember", r == 0 && !(m & 02000), "rc %d, mode %o",
	      r, m);
	unlink(p);
}

/* ---- RENAME_WHITEOUT ----------------------------------------------------- */

static void cmd_whiteout(const char *dir)
{
	char a[4096], b[4096];
	struct stat st;
	int r, err;

	snprintf(a, sizeof(a), "%s/wh.a", dir);
	snprintf(b, sizeof(b), "%s/wh.b", dir);
	unlink(a);
	unlink(b);
	write_file(a, "whiteout", 0644);
	r = syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_WHITEOUT);
	err = errno;
	if (r && (err == EINVAL || err == EOPNOTSUPP)) {
		SKIP("rename", "%s (host does not do whiteouts)",
		     strerrorname_np(err));
		unlink(a);
		return;
	}
	CHECK("rename", r == 0, "%s", strerrorname_np(err));
	if (r)
		return;
	r = stat(a, &st);
	CHECK("whiteout-left", r == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0,
	      "stat %d mode %o rdev %lx", r, st.st_mode, (long)st.st_rdev);
	r = stat(b, &st);
	CHECK("target", r == 0 && S_ISREG(st.st_mode) && st.st_size == 8,
	      "stat %d size %lld", r, (long long)st.st_size);
	drop_caches();
	r = stat(a, &st);
	CHECK("whiteout-from-host", r == 0 && S_ISCHR(st.st_mode),
	      "stat %d mode %o", r, st.st_mode);
	unlink(a);
	unlink(b);
}

/* ---- fallocate ----------------------------------------------------------- */

static void cmd_falloc(const char *dir)
{
	char p[4096], buf[16384];
	struct stat st;
	int fd, r, err, i, bad = 0;

	snprintf(p, sizeof(p), "%s/falloc.file", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'a', sizeof(buf));
	if (fd < 0 || pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf)) {
		FAILR("setup", "%s", strerror(errno));
		return;
	}
	/* zero a range whose pages are in the page cache */
	pread(fd, buf, sizeof(buf), 0);
	r = fallocate(fd, FALLOC_FL_ZERO_RANGE, 1000, 5000);
	err = errno;
	if (r && err == EOPNOTSUPP) {
		SKIP("zero-range", "EOPNOTSUPP (host)");
	} else if (r) {
		FAILR("zero-range", "%s", strerrorname_np(err));
	} else {
		pread(fd, buf, sizeof(buf), 0);
		for (i = 0; i < (int)sizeof(buf); i++)
			if (buf[i] != ((i >= 1000 && i < 6000) ? 0 : 'a'))
				bad++;
		fstat(fd, &st);
		CHECK("zero-range", !bad && st.st_size == sizeof(buf),
		      "%d bytes wrong, size %lld", bad, (long long)st.st_size);
	}
	/* ZERO_RANGE past the end grows the file, with KEEP_SIZE it does not */
	r = fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 16384, 4096);
	err = errno;
	fstat(fd, &st);
	if (r && err == EOPNOTSUPP)
		SKIP("zero-range-keep-size", "EOPNOTSUPP (host)");
	else
		CHECK("zero-range-keep-size", !r && st.st_size == 16384,
		      "rc %d %s size %lld", r, r ? strerrorname_np(err) : "",
		      (long long)st.st_size);
	/* modes FUSE has no words for */
	r = fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096);
	err = errno;
	CHECK("collapse-range", r && err == EOPNOTSUPP, "rc %d %s", r,
	      strerrorname_np(err));
	r = fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 4096);
	err = errno;
	CHECK("insert-range", r && err == EOPNOTSUPP, "rc %d %s", r,
	      strerrorname_np(err));
	r = fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096);
	err = errno;
	CHECK("punch-without-keep-size", r && err == EOPNOTSUPP, "rc %d %s", r,
	      strerrorname_np(err));
	close(fd);
	/* read-only fd */
	fd = open(p, O_RDONLY);
	r = fallocate(fd, 0, 0, 4096);
	err = errno;
	CHECK("readonly-fd", r && err == EBADF, "rc %d %s", r,
	      strerrorname_np(err));
	close(fd);
	unlink(p);
}

/* ---- syncfs -------------------------------------------------------------- */

static void cmd_syncfs(const char *dir)
{
	char p[4096], buf[4096];
	char *map;
	int fd, r, err;

	snprintf(p, sizeof(p), "%s/syncfs.file", dir);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 8192)) {
		FAILR("setup", "%s", strerror(errno));
		return;
	}
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		FAILR("mmap", "%s", strerror(errno));
		return;
	}
	memset(map, 's', 8192);
	r = syncfs(fd);
	err = errno;
	CHECK("syncfs", r == 0, "%s", strerrorname_np(err));
	munmap(map, 8192);
	close(fd);
	/* the dirty pages reached the host: a fresh read sees them */
	drop_caches();
	fd = open(p, O_RDONLY | O_DIRECT);
	if (fd < 0)
		fd = open(p, O_RDONLY);
	r = pread(fd, buf, sizeof(buf), 4096);
	CHECK("syncfs-data", r == 4096 && buf[0] == 's' && buf[4095] == 's',
	      "read %d", r);
	close(fd);
	unlink(p);
}

/* ---- locks ----------------------------------------------------------------- */

static int setlk(int fd, int cmd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	return fcntl(fd, cmd, &fl);
}

/* Is pid blocked (S state, not exited) after ms? */
static int still_blocked(pid_t pid, int ms)
{
	int st;

	usleep(ms * 1000);
	return waitpid(pid, &st, WNOHANG) == 0;
}

/* SIGKILLs pid and returns how long it took to die, -1 if > 10 s */
static long kill_time(pid_t pid)
{
	long t0 = now_ms();
	int st;

	kill(pid, SIGKILL);
	while (now_ms() - t0 < 10000) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return now_ms() - t0;
		usleep(10000);
	}
	return -1;
}

static void lock_case(const char *name, const char *p, int use_flock)
{
	char n[64];
	pid_t pid;
	long ms;
	int fd, st, r;

	fd = open(p, O_RDWR);
	r = use_flock ? flock(fd, LOCK_EX) : setlk(fd, F_SETLK, F_WRLCK);
	if (fd < 0 || r) {
		snprintf(n, sizeof(n), "%s.setup", name);
		FAILR(n, "%s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int cfd = open(p, O_RDWR);

		if (use_flock)
			r = flock(cfd, LOCK_EX);
		else
			r = setlk(cfd, F_SETLKW, F_WRLCK);
		_exit(r ? 1 : 0);
	}
	snprintf(n, sizeof(n), "%s.waiter-blocks", name);
	CHECK(n, still_blocked(pid, 700), "the waiter did not wait");
	/* a conflicting query from a third process names the holder */
	if (!use_flock) {
		pid_t q = fork();

		if (q == 0) {
			struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
			int qfd = open(p, O_RDWR);

			if (fcntl(qfd, F_GETLK, &fl))
				_exit(2);
			_exit(fl.l_type == F_WRLCK && fl.l_pid == getppid() ? 0 : 1);
		}
		waitpid(q, &st, 0);
		snprintf(n, sizeof(n), "%s.getlk-holder", name);
		CHECK(n, WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "F_GETLK did not report the holder (status %x)", st);
	}
	ms = kill_time(pid);
	snprintf(n, sizeof(n), "%s.waiter-killed", name);
	if (ms < 0 && getenv("VNG_CLIENT") && !strcmp(getenv("VNG_CLIENT"), "kernel")) {
		/*
		 * The kernel's virtiofs sends no FUSE_INTERRUPT: a waiter the
		 * host parked stays until the host answers, i.e. until the
		 * holder unlocks.  Not ours to judge; let it go and move on.
		 */
		SKIP(n, "kernel virtiofs: a SIGKILLed waiter parked in the host stays until the holder unlocks");
		if (use_flock)
			flock(fd, LOCK_UN);
		else
			setlk(fd, F_SETLK, F_UNLCK);
		waitpid(pid, &st, 0);
		close(fd);
		return;
	}
	CHECK(n, ms >= 0 && ms < 3000, "blocked waiter died after %ld ms", ms);

	/* the holder still holds: a new non-blocking try fails */
	pid = fork();
	if (pid == 0) {
		int cfd = open(p, O_RDWR);

		r = use_flock ? flock(cfd, LOCK_EX | LOCK_NB) :
			setlk(cfd, F_SETLK, F_WRLCK);
		_exit(r == 0 ? 0 : errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EACCES ? 1 : 2);
	}
	waitpid(pid, &st, 0);
	snprintf(n, sizeof(n), "%s.still-held", name);
	CHECK(n, WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %x", st);

	/* after unlock the killed waiter left nothing behind */
	if (use_flock)
		flock(fd, LOCK_UN);
	else
		setlk(fd, F_SETLK, F_UNLCK);
	pid = fork();
	if (pid == 0) {
		int cfd = open(p, O_RDWR);

		r = use_flock ? flock(cfd, LOCK_EX | LOCK_NB) :
			setlk(cfd, F_SETLK, F_WRLCK);
		_exit(r ? 1 : 0);
	}
	waitpid(pid, &st, 0);
	snprintf(n, sizeof(n), "%s.free-after-kill", name);
	CHECK(n, WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "lock not free after the holder unlocked (status %x)", st);
	/* and the holder may take it again at once */
	r = use_flock ? flock(fd, LOCK_EX | LOCK_NB) :
		setlk(fd, F_SETLK, F_WRLCK);
	snprintf(n, sizeof(n), "%s.relock", name);
	CHECK(n, r == 0, "%s", strerrorname_np(errno));
	close(fd);
}

static void cmd_locks(const char *dir)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/locks.file", dir);
	if (write_file(p, "locks", 0666)) {
		FAILR("setup", "%s", strerror(errno));
		return;
	}
	lock_case("fcntl", p, 0);
	lock_case("flock", p, 1);
	unlink(p);
}

/* ---- statx --------------------------------------------------------------- */

/*
 * REF.host, written on the host: "SEC NSEC WANT".  Returns WANT (1: the
 * guest must report the birth time, 0: it may not), or -1 when there is
 * no host value (no REF, or the host's filesystem has no birth time).
 */
static int host_btime(const char *ref, long long *sec, unsigned int *nsec)
{
	char p[4096];
	FILE *f;
	int want = -1;

	if (!ref)
		return -1;
	snprintf(p, sizeof(p), "%s.host", ref);
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld %u %d", sec, nsec, &want) != 3)
		want = -1;
	fclose(f);
	return want;
}

static int cmd_btime(const char *file, const char *want)
{
	struct statx stx;

	if (statx(AT_FDCWD, file, 0, STATX_BTIME, &stx)) {
		perror(file);
		return 1;
	}
	if (stx.stx_mask & STATX_BTIME)
		printf("%lld %u %s\n", (long long)stx.stx_btime.tv_sec,
		       stx.stx_btime.tv_nsec, want);
	else
		printf("none\n");
	return 0;
}

/*
 * "rm -rf" of a flat directory whose names are used a batch at a time: the
 * time from a listing to the use of its names stays a few unlinks long on
 * any machine, well inside the host's entry timeout.  (busybox rm lists a
 * whole directory first: on a slow guest its names expire before rm gets
 * to them, and a count of requests measures the clock.)
 */
struct vng_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int cmd_rmtree(const char *dir)
{
	char buf[1024] __attribute__((aligned(8)));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int removed;
	long n, off;

	if (fd < 0) {
		perror(dir);
		return 1;
	}
	/* again from the start until a pass removes nothing: names the
	 * host's offsets skip while we unlink are caught next time */
	do {
		removed = 0;
		lseek(fd, 0, SEEK_SET);
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
			for (off = 0; off < n;) {
				struct vng_dirent64 *d = (void *)(buf + off);

				off += d->d_reclen;
				if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
					continue;
				if (unlinkat(fd, d->d_name, 0)) {
					perror(d->d_name);
					close(fd);
					return 1;
				}
				removed++;
			}
		}
		if (n < 0) {
			perror(dir);
			close(fd);
			return 1;
		}
	} while (removed);
	close(fd);
	if (rmdir(dir)) {
		perror(dir);
		return 1;
	}
	return 0;
}

static void cmd_statx(const char *dir)
{
	const char *ref = getenv("BTIME_REF");
	char p[4096];
	struct statx stx;
	struct stat st;
	long long hsec = 0;
	unsigned int hnsec = 0;
	int r, want;

	snprintf(p, sizeof(p), "%s/statx.file", dir);
	if (write_file(p, "statx", 0644)) {
		FAILR("setup", "%s", strerror(errno));
		return;
	}
	want = host_btime(ref, &hsec, &hnsec);
	r = statx(AT_FDCWD, p, AT_STATX_FORCE_SYNC, STATX_ALL, &stx);
	stat(p, &st);
	CHECK("basic", r == 0 && (stx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS &&
	      stx.stx_ino == st.st_ino && stx.stx_size == 5,
	      "rc %d mask %x", r, stx.stx_mask);
	if (stx.stx_mask & STATX_BTIME)
		CHECK("btime", stx.stx_btime.tv_sec > 0 &&
		      stx.stx_btime.tv_sec <= stx.stx_mtime.tv_sec + 1,
		      "btime %lld mtime %lld", (long long)stx.stx_btime.tv_sec,
		      (long long)stx.stx_mtime.tv_sec);
	else if (want > 0)
		FAILR("btime", "no STATX_BTIME (mask %x) though this host has it",
		      stx.stx_mask);
	else
		SKIP("btime", "no STATX_BTIME (mask %x)", stx.stx_mask);
	/* a file the host made: the guest must see the host's birth time */
	if (ref && want >= 0) {
		r = statx(AT_FDCWD, ref, 0, STATX_BTIME, &stx);
		if (r == 0 && (stx.stx_mask & STATX_BTIME))
			CHECK("btime-host", stx.stx_btime.tv_sec == hsec &&
			      stx.stx_btime.tv_nsec == hnsec,
			      "guest %lld.%09u, host %lld.%09u",
			      (long long)stx.stx_btime.tv_sec,
			      stx.stx_btime.tv_nsec, hsec, hnsec);
		else if (want > 0)
			FAILR("btime-host", "rc %d mask %x: no STATX_BTIME", r,
			      stx.stx_mask);
		else
			SKIP("btime-host", "no STATX_BTIME (mask %x)",
			     stx.stx_mask);
	} else if (ref) {
		SKIP("btime-host", "no birth time of %s from the host", ref);
	}
	r = statx(AT_FDCWD, p, AT_STATX_DONT_SYNC, STATX_SIZE, &stx);
	CHECK("dont-sync", r == 0 && stx.stx_size == 5, "rc %d", r);
	unlink(p);
}

/* ---- O_DIRECT on create ---------------------------------------------------- */

static void cmd_odirect(const char *dir)
{
	char p[4096];
	void *buf;
	int fd, err;

	snprintf(p, sizeof(p), "%s/odirect.new", dir);
	unlink(p);
	/* through atomic_open: the create and the O_DIRECT open in one */
	fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0644);
	err = errno;
	CHECK("create", fd >= 0, "open(O_CREAT|O_EXCL|O_DIRECT): %s%s",
	      strerrorname_np(err), access(p, F_OK) ? "" : " (but the file was created)");
	if (fd >= 0 && !posix_memalign(&buf, 4096, 4096)) {
		memset(buf, 'd', 4096);
		CHECK("create-write", pwrite(fd, buf, 4096, 0) == 4096, "%s",
		      strerrorname_np(errno));
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	/* an existing file opened with O_CREAT|O_DIRECT */
	fd = open(p, O_RDWR | O_CREAT | O_DIRECT, 0644);
	err = errno;
	CHECK("create-existing", fd >= 0, "%s", strerrorname_np(err));
	if (fd >= 0)
		close(fd);
	unlink(p);
}

/* ---- access as another user ------------------------------------------------ */

static int user_stat(void *arg)
{
	struct stat st;

	return stat(arg, &st) ? errno : 0;
}

static void cmd_access(const char *dir)
{
	int r = as_user(TEST_UID, user_stat, (void *)dir);

	if (r < 0)
		printf("CHILD-FAILED\n");
	else if (r == 0)
		printf("OK\n");
	else
		printf("%s\n", strerrorname_np(r));
}

/* ---- writes that must not come up short ------------------------------------ */

static void fill_block(unsigned char *buf, size_t bs, unsigned long blk)
{
	size_t i;

	for (i = 0; i < bs; i++)
		buf[i] = (unsigned char)(blk * 131 + i / 512 * 7 + 1);
}

/* read(2)s until sz bytes or end of file: bytes read or -errno */
static ssize_t read_full(int fd, unsigned char *buf, size_t sz)
{
	size_t got = 0;

	while (got < sz) {
		ssize_t n = read(fd, buf + got, sz - got);

		if (n < 0)
			return -errno;
		if (!n)
			break;
		got += n;
	}
	return got;
}

static int cmd_writer(const char *file, const char *bs_s, const char *count_s,
		      int direct)
{
	size_t bs = strtoul(bs_s, NULL, 0);
	unsigned long count = strtoul(count_s, NULL, 0), blk;
	unsigned char *buf, *got;
	int fd;

	if (!bs || bs % 4096 || !count) {
		fprintf(stderr, "writer: BS a multiple of 4096, COUNT > 0\n");
		return 2;
	}
	if (posix_memalign((void **)&buf, 4096, bs) ||
	    posix_memalign((void **)&got, 4096, bs))
		return 2;
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0),
		  0644);
	if (fd < 0) {
		printf("open: %s\n", strerrorname_np(errno));
		return 1;
	}
	for (blk = 0; blk < count; blk++) {
		ssize_t n;

		fill_block(buf, bs, blk);
		n = write(fd, buf, bs);
		if (n != (ssize_t)bs) {
			if (n < 0)
				printf("write %lu of %lu: %s\n", blk + 1, count,
				       strerrorname_np(errno));
			else
				printf("short write %lu of %lu: %zd of %zu bytes\n",
				       blk + 1, count, n, bs);
			return 1;
		}
	}
	if (close(fd)) {
		printf("close: %s\n", strerrorname_np(errno));
		return 1;
	}
	fd = open(file, O_RDONLY);
	if (fd < 0) {
		printf("reopen: %s\n", strerrorname_np(errno));
		return 1;
	}
	for (blk = 0; blk < count; blk++) {
		ssize_t n = read_full(fd, got, bs);

		fill_block(buf, bs, blk);
		if (n != (ssize_t)bs || memcmp(buf, got, bs)) {
			printf("read back block %lu of %lu: %zd bytes%s\n", blk + 1,
			       count, n, n == (ssize_t)bs ? ", wrong data" : "");
			return 1;
		}
	}
	if (read_full(fd, got, bs) != 0) {
		printf("data past the %lu blocks written\n", count);
		return 1;
	}
	close(fd);
	printf("OK %lu\n", count * bs);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of features-helper.c\n");
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "mount"))
		return cmd_mount(argc, argv);
	if (!strcmp(cmd, "rmtree") && argc == 3)
		return cmd_rmtree(argv[2]);
	if (!strcmp(cmd, "btime") && argc == 4)
		return cmd_btime(argv[2], argv[3]);
	if (!strcmp(cmd, "writer") && (argc == 5 || argc == 6))
		return cmd_writer(argv[2], argv[3], argv[4],
				  argc == 6 && !strcmp(argv[5], "direct"));
	if (argc != 4) {
		fprintf(stderr, "%s NAME DIR\n", cmd);
		return 2;
	}
	prefix = argv[2];
	if (!strcmp(cmd, "export"))
		cmd_export(argv[3]);
	else if (!strcmp(cmd, "acl"))
		cmd_acl(argv[3]);
	else if (!strcmp(cmd, "killpriv"))
		cmd_killpriv(argv[3]);
	else if (!strcmp(cmd, "whiteout"))
		cmd_whiteout(argv[3]);
	else if (!strcmp(cmd, "falloc"))
		cmd_falloc(argv[3]);
	else if (!strcmp(cmd, "syncfs"))
		cmd_syncfs(argv[3]);
	else if (!strcmp(cmd, "locks"))
		cmd_locks(argv[3]);
	else if (!strcmp(cmd, "statx"))
		cmd_statx(argv[3]);
	else if (!strcmp(cmd, "odirect"))
		cmd_odirect(argv[3]);
	else if (!strcmp(cmd, "access"))
		cmd_access(argv[3]);
	else {
		fprintf(stderr, "unknown command %s\n", cmd);
		return 2;
	}
	return fails ? 1 : 0;
}
