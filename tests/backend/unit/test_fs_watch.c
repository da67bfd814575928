// SPDX-License-Identifier: GPL-2.0
/*
 * The host watcher (--notify, fs_watch.c) through the server: a child
 * process changes the share as a host user would, the guest side is
 * played with LOOKUPs, and the messages the watcher sends are checked
 * byte for byte: which notify code, which nodeids, which name, in which
 * order, and none for the guest's own changes, for objects the guest does
 * not know, or for files outside the share.  Needs root (fanotify
 * filesystem marks), else SKIP.
 */
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

#include "fs_test.h"

#define MAXMSG	64

struct got {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n;
	int group[MAXMSG];	/* which send() call each message came in */
	int groups;
	unsigned char msg[MAXMSG][512];
	size_t len[MAXMSG];
};

static struct got got = {
	.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
};

static void collect(void *opaque, const struct iovec *msgs, int n)
{
	(void)opaque;
	pthread_mutex_lock(&got.mu);
	for (int i = 0; i < n && got.n < MAXMSG; i++) {
		size_t l = msgs[i].iov_len < 512 ? msgs[i].iov_len : 512;

		memcpy(got.msg[got.n], msgs[i].iov_base, l);
		got.len[got.n] = msgs[i].iov_len;
		got.group[got.n] = got.groups;
		got.n++;
	}
	got.groups++;
	pthread_cond_broadcast(&got.cv);
	pthread_mutex_unlock(&got.mu);
}

static void got_reset(void)
{
	pthread_mutex_lock(&got.mu);
	got.n = 0;
	pthread_mutex_unlock(&got.mu);
}

/* Waits until at least n messages came (or ms passed); returns how many. */
static int got_wait(int n, int ms)
{
	struct timespec ts;
	int have;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&got.mu);
	while (got.n < n &&
	       pthread_cond_timedwait(&got.cv, &got.mu, &ts) == 0)
		;
	have = got.n;
	pthread_mutex_unlock(&got.mu);
	return have;
}

/* Runs cmd with sh in a child: a host process that is not the daemon. */
static int host(struct t *t, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	pid = fork();
	if (pid == 0) {
		if (chdir(t->dir) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const struct fuse_out_header *hdr(int i)
{
	return (const void *)got.msg[i];
}

static bool is_inval_inode(int i, uint64_t node, int64_t off, int64_t len)
{
	const struct fuse_notify_inval_inode_out *o =
		(const void *)(got.msg[i] + sizeof(struct fuse_out_header));

	return got.len[i] == sizeof(struct fuse_out_header) + sizeof(*o) &&
	       hdr(i)->len == got.len[i] && hdr(i)->unique == 0 &&
	       hdr(i)->error == FUSE_NOTIFY_INVAL_INODE && o->ino == node &&
	       o->off == off && o->len == len;
}

static bool is_inval_entry(int i, uint64_t parent, const char *name)
{
	const struct fuse_notify_inval_entry_out *o =
		(const void *)(got.msg[i] + sizeof(struct fuse_out_header));
	const char *nm = (const char *)(o + 1);
	size_t want = sizeof(struct fuse_out_header) + sizeof(*o) +
		      strlen(name) + 1;

	return got.len[i] == want && hdr(i)->len == want &&
	       hdr(i)->unique == 0 && hdr(i)->error == FUSE_NOTIFY_INVAL_ENTRY &&
	       o->parent == parent && o->namelen == strlen(name) &&
	       o->flags == 0 && !memcmp(nm, name, strlen(name) + 1);
}

static bool is_delete(int i, uint64_t parent, uint64_t child, const char *name)
{
	const struct fuse_notify_delete_out *o =
		(const void *)(got.msg[i] + sizeof(struct fuse_out_header));
	const char *nm = (const char *)(o + 1);
	size_t want = sizeof(struct fuse_out_header) + sizeof(*o) +
		      strlen(name) + 1;

	return got.len[i] == want && hdr(i)->len == want &&
	       hdr(i)->unique == 0 && hdr(i)->error == FUSE_NOTIFY_DELETE &&
	       o->parent == parent && o->child == child &&
	       o->namelen == strlen(name) && !memcmp(nm, name, strlen(name) + 1);
}

/* the source under test: the cases run once with each */
static enum fs_watch_source src = FS_WATCH_FANOTIFY;

static bool watching(struct t *t)
{
	struct fs_notify_ops ops = { .send = collect, .source = src };

	got_reset();
	if (geteuid() != 0) {
		snprintf(t->why, sizeof(t->why), "skip");
		return false;
	}
	T_CHECK(t, fs_server_watch(t->srv, &ops) == 0, "fs_server_watch");
	T_CHECK(t, t_init(t) == 0, "INIT");
	return !t->why[0];
}

/* LOOKUP name in dir and return its nodeid (0 on failure, noted). */
static uint64_t look(struct t *t, uint64_t dir, const char *name)
{
	struct fuse_entry_out e;
	int err = t_lookup(t, dir, name, &e);

	T_CHECK(t, !err, "LOOKUP %s: %d", name, err);
	return err ? 0 : e.nodeid;
}

/* Settles: lets late events of earlier steps arrive, then forgets them. */
static void settle(void)
{
	got_wait(MAXMSG, 200);
	got_reset();
}

static void case_file_changes(struct t *t)
{
	uint64_t f;

	if (!watching(t))
		return;
	T_CHECK(t, host(t, "echo one > f") == 0, "host create");
	f = look(t, FUSE_ROOT_ID, "f");
	settle();

	host(t, "echo two >> f");
	T_CHECK(t, got_wait(1, 2000) >= 1, "no message for a write");
	T_CHECK(t, is_inval_inode(0, f, 0, -1), "write: not INVAL_INODE(f, 0, -1)");
	settle();

	host(t, "truncate -s 1 f");
	T_CHECK(t, got_wait(1, 2000) >= 1, "no message for a truncate");
	T_CHECK(t, is_inval_inode(0, f, 0, -1), "truncate: not INVAL_INODE(f, 0, -1)");
	settle();

	host(t, "chmod 600 f");
	T_CHECK(t, got_wait(1, 2000) >= 1, "no message for a chmod");
	T_CHECK(t, is_inval_inode(0, f, -1, 0), "chmod: not INVAL_INODE(f, -1, 0)");
	settle();

	host(t, "touch -d @1000000 f");
	T_CHECK(t, got_wait(1, 2000) >= 1, "no message for utimes");
	T_CHECK(t, is_inval_inode(0, f, -1, 0), "utimes: not INVAL_INODE(f, -1, 0)");
}

static void case_entries(struct t *t)
{
	uint64_t f, d;

	if (!watching(t))
		return;
	host(t, "echo x > f && mkdir d");
	f = look(t, FUSE_ROOT_ID, "f");
	d = look(t, FUSE_ROOT_ID, "d");
	settle();

	host(t, "echo new > g");
	T_CHECK(t, got_wait(2, 2000) >= 1, "no message for a create");
	T_CHECK(t, is_inval_entry(0, FUSE_ROOT_ID, "g"),
		"create: first message not INVAL_ENTRY(root, g)");
	settle();

	host(t, "mkdir d/sub");
	T_CHECK(t, got_wait(1, 2000) >= 1, "no message for a mkdir");
	T_CHECK(t, is_inval_entry(0, d, "sub"), "mkdir: not INVAL_ENTRY(d, sub)");
	settle();

	/* the link count drops first (IN_ATTRIB locally too), then the name */
	host(t, "rm f");
	if (src == FS_WATCH_INOTIFY) {
		/* gone before it is looked at: only the name can be said */
		got_wait(2, 1000);
		T_CHECK(t, got.n >= 1 && is_inval_entry(got.n - 1, FUSE_ROOT_ID, "f"),
			"unlink (inotify): last of %d messages not INVAL_ENTRY(root, f)",
			got.n);
		T_CHECK(t, got.n == 1 || is_inval_inode(0, f, -1, 0),
			"unlink (inotify): unexpected first message");
	} else {
		T_CHECK(t, got_wait(2, 2000) == 2, "unlink: %d messages", got.n);
		T_CHECK(t, is_inval_inode(0, f, -1, 0) &&
			   is_delete(1, FUSE_ROOT_ID, f, "f"),
			"unlink: not INVAL_INODE(f, -1, 0) + DELETE(root, f, f)");
	}
	settle();

	/* the guest never looked g up: an entry invalidation, no child */
	host(t, "rm g");
	T_CHECK(t, got_wait(1, 2000) >= 1, "no message for an unknown unlink");
	T_CHECK(t, is_inval_entry(0, FUSE_ROOT_ID, "g"),
		"unlink of an unknown child: not INVAL_ENTRY(root, g)");
	settle();

	host(t, "rmdir d/sub");
	T_CHECK(t, got_wait(1, 2000) >= 1, "no message for an rmdir");
	T_CHECK(t, is_inval_entry(0, d, "sub"), "rmdir of unknown: not INVAL_ENTRY(d, sub)");
}

static void case_renames(struct t *t)
{
	uint64_t h, d, e, sub;

	if (!watching(t))
		return;
	host(t, "echo x > h && mkdir d e && mkdir d/sub");
	h = look(t, FUSE_ROOT_ID, "h");
	d = look(t, FUSE_ROOT_ID, "d");
	e = look(t, FUSE_ROOT_ID, "e");
	settle();

	/* within a directory */
	host(t, "mv h h2");
	T_CHECK(t, got_wait(2, 2000) == 2, "rename: want 2 messages, got %d", got.n);
	T_CHECK(t, is_delete(0, FUSE_ROOT_ID, h, "h") &&
		   is_inval_entry(1, FUSE_ROOT_ID, "h2"),
		"rename in root: not DELETE(root, h, h) + INVAL_ENTRY(root, h2)");
	T_CHECK(t, got.group[0] == got.group[1], "rename pair sent apart");
	settle();

	/* across directories */
	host(t, "mv h2 d/h3");
	T_CHECK(t, got_wait(2, 2000) == 2, "cross rename: %d messages", got.n);
	T_CHECK(t, is_delete(0, FUSE_ROOT_ID, h, "h2") && is_inval_entry(1, d, "h3"),
		"cross rename: not DELETE(root, h, h2) + INVAL_ENTRY(d, h3)");
	settle();

	/* a directory, into a directory the guest knows */
	sub = look(t, d, "sub");
	settle();
	host(t, "mv d/sub e/sub2");
	T_CHECK(t, got_wait(2, 2000) == 2, "dir rename: %d messages", got.n);
	T_CHECK(t, is_delete(0, d, sub, "sub") && is_inval_entry(1, e, "sub2"),
		"dir rename: not DELETE(d, sub, sub) + INVAL_ENTRY(e, sub2)");
	settle();

	/* from a directory the guest does not know: only the new name */
	host(t, "mkdir u && echo y > u/z");
	settle();
	host(t, "mv u/z e/z");
	T_CHECK(t, got_wait(1, 2000) >= 1, "rename from unknown dir: nothing");
	T_CHECK(t, got.n == 1 && is_inval_entry(0, e, "z"),
		"rename from unknown dir: want INVAL_ENTRY(e, z) alone (%d msgs)",
		got.n);
}

static void case_not_sent(struct t *t)
{
	struct fuse_entry_out e;
	char outside[128];
	uint64_t fh;
	int n;

	if (!watching(t))
		return;
	/* a directory the guest never looked up: its files are unknown */
	host(t, "mkdir hidden && echo a > hidden/x");
	settle();
	host(t, "echo b >> hidden/x && chmod 700 hidden/x && rm hidden/x");
	/* outside the share, same filesystem */
	snprintf(outside, sizeof(outside), "%s.out", t->dir);
	host(t, "echo c > %s && rm %s", outside, outside);
	n = got_wait(1, 500);
	T_CHECK(t, n == 0, "%d messages for unknown objects", n);

	/* the guest's own changes come back as nothing */
	T_CHECK(t, t_create(t, FUSE_ROOT_ID, "mine", 0644, O_RDWR, &e, &fh) == 0,
		"CREATE");
	T_CHECK(t, t_write(t, e.nodeid, fh, 0, "data", 4) == 4, "WRITE");
	n = got_wait(1, 500);
	T_CHECK(t, n == 0, "%d messages for the guest's own changes", n);

	/*
	 * while the same file changed by the host is reported (inotify: once
	 * the guest's own change is older than the window that hides it)
	 */
	if (src == FS_WATCH_INOTIFY)
		sleep(1);
	host(t, "echo more >> mine");
	T_CHECK(t, got_wait(1, 2000) >= 1 && is_inval_inode(0, e.nodeid, 0, -1),
		"host write after guest write: no INVAL_INODE");
}

static void case_stats(struct t *t)
{
	struct fs_watch_stats st;

	if (!watching(t))
		return;
	host(t, "echo x > a");
	look(t, FUSE_ROOT_ID, "a");
	host(t, "echo y >> a");
	got_wait(2, 2000);
	fs_server_watch_stats(t->srv, &st);
	T_CHECK(t, st.events >= 2 && st.messages >= 1,
		"stats: %llu events %llu messages",
		(unsigned long long)st.events, (unsigned long long)st.messages);
	fs_server_unwatch(t->srv);
	fs_server_watch_stats(t->srv, &st);
	T_CHECK(t, st.events == 0, "stats after unwatch");
}

/* --fault notify:...: messages damaged as asked, or not sent at all */
static void case_fault(struct t *t)
{
	static const struct {
		const char *spec;
		const char *what;
	} kinds[] = {
		{ "notify:corrupt:nul", "nul" }, { "notify:corrupt:code", "code" },
		{ "notify:corrupt:namelen", "namelen" },
		{ "notify:corrupt:short", "short" }, { "notify:drop", "drop" },
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && !t->why[0]; k++) {
		struct fs_config cfg = {
			.shared_dir = t->dir, .cache = FS_CACHE_AUTO, .xattr = true,
			.fault_spec = kinds[k].spec,
		};
		const struct fuse_notify_inval_entry_out *o;
		char name[16];
		int n;

		fs_server_free(t->srv);
		t->srv = fs_server_new(&cfg);
		T_CHECK(t, t->srv, "server with %s", kinds[k].spec);
		if (!t->srv || !watching(t))
			return;
		snprintf(name, sizeof(name), "n%zu", k);
		host(t, "touch %s", name);
		n = got_wait(1, k == 4 ? 500 : 2000);
		o = (const void *)(got.msg[0] + sizeof(struct fuse_out_header));
		if (!strcmp(kinds[k].what, "drop")) {
			T_CHECK(t, n == 0, "drop: %d messages", n);
			continue;
		}
		T_CHECK(t, n >= 1, "%s: no message", kinds[k].what);
		if (!strcmp(kinds[k].what, "nul"))
			T_CHECK(t, hdr(0)->error == FUSE_NOTIFY_INVAL_ENTRY &&
				   ((const char *)(o + 1))[o->namelen] == 'X',
				"nul: name still terminated");
		else if (!strcmp(kinds[k].what, "code"))
			T_CHECK(t, hdr(0)->error == 99, "code: %d", hdr(0)->error);
		else if (!strcmp(kinds[k].what, "namelen"))
			T_CHECK(t, o->namelen == strlen(name) + 100 &&
				   got.len[0] == hdr(0)->len,
				"namelen: %u", o->namelen);
		else
			T_CHECK(t, got.len[0] < hdr(0)->len,
				"short: %zu bytes of %u", got.len[0], hdr(0)->len);
		fs_server_unwatch(t->srv);
	}
}

/*
 * --fuzz with --notify: the watcher's messages go through the fuzzer (rate
 * 1 for notify messages, replies untouched), each logged with its number.
 */
static void case_fuzz(struct t *t)
{
	char log[160], *buf = NULL, name[16];
	struct fs_config cfg = {
		.shared_dir = t->dir, .cache = FS_CACHE_AUTO, .xattr = true,
		.fuzz_spec = "31:0", .fuzz_log = log, .fuzz_notify_rate = "1",
	};
	int n, valid = 0;
	FILE *f;
	long len;

	snprintf(log, sizeof(log), "%s.fuzz.log", t->dir);
	unlink(log);
	fs_server_free(t->srv);
	t->srv = fs_server_new(&cfg);
	T_CHECK(t, t->srv, "server with --fuzz");
	if (!t->srv || !watching(t))
		return;
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "z%d", i);
		host(t, "touch %s", name);
	}
	n = got_wait(MAXMSG, 1500);
	for (int i = 0; i < n; i++) {
		const struct fuse_notify_inval_entry_out *o =
			(const void *)(got.msg[i] + sizeof(struct fuse_out_header));

		valid += got.len[i] == hdr(i)->len && hdr(i)->unique == 0 &&
			 hdr(i)->error == FUSE_NOTIFY_INVAL_ENTRY &&
			 o->parent == FUSE_ROOT_ID && o->namelen < 4 && !o->flags &&
			 got.len[i] == sizeof(struct fuse_out_header) +
				       sizeof(*o) + o->namelen + 1;
	}
	T_CHECK(t, n >= 10, "only %d messages for 20 creates", n);
	/* some damage keeps a message intact: doubled, forged, reordered */
	T_CHECK(t, valid < n - 5, "%d of %d messages intact at rate 1", valid,
		n);
	fs_server_unwatch(t->srv);
	fs_server_free(t->srv);
	t->srv = NULL;
	f = fopen(log, "r");
	if (f) {
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		buf = calloc(1, (size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len)
			buf[0] = 0;
		fclose(f);
	}
	unlink(log);
	T_CHECK(t, buf && strstr(buf, "fuzz seed=31 session=0 notify=0 code=INVAL_ENTRY nodeid=1: "),
		"no log line for message 0");
	T_CHECK(t, buf && strstr(buf, "fuzz seed=31 session=0 notify=19 code=INVAL_ENTRY"),
		"no log line for message 19");
	T_CHECK(t, buf && strstr(buf, "20 notify, 20 mutated"),
		"no notify counts in the end line");
	free(buf);
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "watch_file_changes", case_file_changes },
		{ "watch_entries", case_entries },
		{ "watch_renames", case_renames },
		{ "watch_not_sent", case_not_sent },
		{ "watch_stats", case_stats },
		{ "watch_fault", case_fault },
		{ "watch_fuzz", case_fuzz },
	};
	static const struct t_case inotify_cases[] = {
		{ "watch_inotify_file_changes", case_file_changes },
		{ "watch_inotify_entries", case_entries },
		{ "watch_inotify_renames", case_renames },
		{ "watch_inotify_not_sent", case_not_sent },
		{ "watch_inotify_stats", case_stats },
	};
	int rc;

	rc = t_run_cases(cases, sizeof(cases) / sizeof(cases[0]),
			 "needs root (fanotify filesystem marks)");
	src = FS_WATCH_INOTIFY;
	rc |= t_run_cases(inotify_cases,
			  sizeof(inotify_cases) / sizeof(inotify_cases[0]),
			  "needs root (as the other cases)");
	return rc;
}
