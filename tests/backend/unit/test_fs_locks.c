// SPDX-License-Identifier: GPL-2.0
/*
 * The lock table through fs_server_handle(): POSIX conflicts, splitting
 * and merging, the holder's pid in GETLK, flock next to POSIX locks, locks
 * dropped by FLUSH/RELEASE, a SETLKW deferred and later woken by an unlock,
 * INTERRUPT and cancel ending one with -EINTR, the synchronous fallback,
 * and WRITE ignoring O_APPEND.
 */
#include <pthread.h>
#include <time.h>

#include "fs_test.h"

#define OWNER_A	0xa11ceULL
#define OWNER_B	0xb0bULL
#define PID_A	1111u
#define PID_B	2222u
#define END	0x7fffffffffffffffULL

static int lk(struct t *t, uint32_t op, uint64_t nodeid, uint64_t fh,
	      uint64_t owner, uint32_t type, uint64_t start, uint64_t end,
	      uint32_t pid, uint32_t flags, struct fuse_file_lock *got)
{
	struct fuse_lk_in in = {
		.fh = fh, .owner = owner, .lk_flags = flags,
		.lk = { .start = start, .end = end, .type = type, .pid = pid },
	};
	struct fuse_lk_out out;
	int err;
	long n = t_call(t, op, nodeid, &in, sizeof(in), NULL, 0, NULL, 0,
			op == FUSE_GETLK ? &out : NULL,
			op == FUSE_GETLK ? sizeof(out) : 0, &err);

	if (err)
		return err;
	if (op == FUSE_GETLK) {
		if (n != sizeof(out))
			return -EPROTO;
		*got = out.lk;
	}
	return 0;
}

#define SETLK(t, ino, fh, o, type, s, e, pid) \
	lk(t, FUSE_SETLK, ino, fh, o, type, s, e, pid, 0, NULL)
#define GETLK(t, ino, fh, o, type, s, e, got) \
	lk(t, FUSE_GETLK, ino, fh, o, type, s, e, 0, 0, got)

/* A file "f" with one handle; returns its nodeid or 0. */
static uint64_t setup_file(struct t *t, uint64_t *fh)
{
	struct fuse_entry_out e;

	if (t_init(t) || t_create(t, FUSE_ROOT_ID, "f", 0644, O_RDWR, &e, fh))
		return 0;
	return e.nodeid;
}

static void test_conflicts(struct t *t)
{
	uint64_t fh, ino = setup_file(t, &fh);

	T_CHECK(t, ino, "setup");
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_WRLCK, 0, 99, PID_A), "A wr");
	T_CHECK(t, SETLK(t, ino, fh, OWNER_B, F_RDLCK, 50, 60, PID_B) ==
		-EAGAIN, "B rd inside A's wr granted");
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_B, F_RDLCK, 100, 200, PID_B),
		"B rd after A's range");
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_RDLCK, 150, 160, PID_A),
		"two read locks conflict");
	T_CHECK(t, SETLK(t, ino, fh, OWNER_A, F_WRLCK, 150, 160, PID_A) ==
		-EAGAIN, "A wr over B's rd granted");
	/* the same owner never conflicts with itself */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_B, F_WRLCK, 180, 190, PID_B),
		"B upgrade in its own range");
	T_CHECK(t, SETLK(t, ino, fh, OWNER_A, F_RDLCK, 0, 0, PID_A) == 0,
		"A re-lock");
	/* bad arguments */
	T_CHECK(t, SETLK(t, ino, fh, OWNER_A, 7, 0, 0, PID_A) == -EINVAL,
		"type 7");
	T_CHECK(t, SETLK(t, ino, fh, OWNER_A, F_RDLCK, 9, 3, PID_A) ==
		-EINVAL, "end < start");
	T_CHECK(t, SETLK(t, ino, fh + 100, OWNER_A, F_RDLCK, 0, 0, PID_A) ==
		-EBADF, "bad fh");
}

static void test_split_merge_pid(struct t *t)
{
	struct fuse_file_lock got;
	uint64_t fh, ino = setup_file(t, &fh);

	T_CHECK(t, ino, "setup");
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_WRLCK, 0, 99, PID_A), "A wr");
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_RDLCK, 10, 10, &got) &&
		got.type == F_WRLCK && got.start == 0 && got.end == 99 &&
		got.pid == PID_A, "getlk: type %u %llu-%llu pid %u", got.type,
		(unsigned long long)got.start, (unsigned long long)got.end,
		got.pid);
	/* the owner itself sees no conflict */
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_A, F_WRLCK, 0, END, &got) &&
		got.type == F_UNLCK, "own lock reported");
	/* unlock the middle: two pieces remain */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_UNLCK, 40, 59, 0), "unlock");
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_WRLCK, 40, 59, &got) &&
		got.type == F_UNLCK, "hole still locked (%u)", got.type);
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_WRLCK, 30, 45, &got) &&
		got.type == F_WRLCK && got.start == 0 && got.end == 39,
		"left piece %llu-%llu", (unsigned long long)got.start,
		(unsigned long long)got.end);
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_WRLCK, 55, 65, &got) &&
		got.type == F_WRLCK && got.start == 60 && got.end == 99 &&
		got.pid == PID_A, "right piece %llu-%llu pid %u",
		(unsigned long long)got.start, (unsigned long long)got.end,
		got.pid);
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_B, F_WRLCK, 40, 59, PID_B),
		"B in the hole");
	/* a read lock inside A's write lock splits it in three */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_RDLCK, 70, 79, PID_A), "A rd");
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_RDLCK, 70, 79, &got) &&
		got.type == F_UNLCK, "rd piece conflicts with rd");
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_WRLCK, 75, 85, &got) &&
		got.type == F_RDLCK && got.start == 70 && got.end == 79,
		"middle %u %llu-%llu", got.type,
		(unsigned long long)got.start, (unsigned long long)got.end);
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_RDLCK, 75, 85, &got) &&
		got.type == F_WRLCK && got.start == 80 && got.end == 99,
		"upper %u %llu-%llu", got.type,
		(unsigned long long)got.start, (unsigned long long)got.end);
	/* adjacent same-type locks merge into one */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_RDLCK, 200, 209, PID_A), "m1");
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_RDLCK, 220, 229, PID_A), "m2");
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_RDLCK, 210, 219, PID_A), "m3");
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_WRLCK, 205, 300, &got) &&
		got.start == 200 && got.end == 229, "merged %llu-%llu",
		(unsigned long long)got.start, (unsigned long long)got.end);
	/* whole-file lock to OFFSET_MAX */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_WRLCK, 1000, END, PID_A),
		"to eof");
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_RDLCK, END - 1, END, &got) &&
		got.end == END, "eof end %llx", (unsigned long long)got.end);
}

static void test_release(struct t *t)
{
	struct fuse_open_in oi = { .flags = O_RDWR };
	struct fuse_open_out oo;
	struct fuse_flush_in fl = { .lock_owner = OWNER_A };
	struct fuse_release_in rel = {
		.release_flags = FUSE_RELEASE_FLOCK_UNLOCK,
		.lock_owner = OWNER_A + 1,
	};
	struct fuse_file_lock got;
	uint64_t fh, fh2, ino = setup_file(t, &fh);
	int err;

	T_CHECK(t, ino, "setup");
	t_call(t, FUSE_OPEN, ino, &oi, sizeof(oi), NULL, 0, NULL, 0, &oo,
	       sizeof(oo), &err);
	T_CHECK(t, !err, "open %d", err);
	fh2 = oo.fh;
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_WRLCK, 0, 9, PID_A), "A");
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_WRLCK, 20, 29, PID_A), "A2");
	/* flock is separate from POSIX locks */
	T_CHECK(t, !lk(t, FUSE_SETLK, ino, fh2, OWNER_A + 1, F_WRLCK, 0, END,
		       PID_A, FUSE_LK_FLOCK, NULL), "flock A");
	T_CHECK(t, lk(t, FUSE_SETLK, ino, fh, OWNER_B, F_RDLCK, 0, END,
		      PID_B, FUSE_LK_FLOCK, NULL) == -EAGAIN,
		"flock B granted");
	/* FLUSH of another owner changes nothing; of A drops A's locks */
	fl.fh = fh;
	fl.lock_owner = OWNER_B;
	t_call(t, FUSE_FLUSH, ino, &fl, sizeof(fl), NULL, 0, NULL, 0, NULL, 0,
	       &err);
	T_CHECK(t, SETLK(t, ino, fh, OWNER_B, F_RDLCK, 5, 5, PID_B) ==
		-EAGAIN, "B flush dropped A's lock");
	fl.lock_owner = OWNER_A;
	t_call(t, FUSE_FLUSH, ino, &fl, sizeof(fl), NULL, 0, NULL, 0, NULL, 0,
	       &err);
	T_CHECK(t, !err, "flush %d", err);
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_WRLCK, 0, END, &got) &&
		got.type == F_UNLCK, "A's posix locks survive flush");
	/* flock stays until RELEASE with FLOCK_UNLOCK */
	T_CHECK(t, lk(t, FUSE_SETLK, ino, fh, OWNER_B, F_RDLCK, 0, END,
		      PID_B, FUSE_LK_FLOCK, NULL) == -EAGAIN,
		"flush dropped flock");
	rel.fh = fh2;
	t_call(t, FUSE_RELEASE, ino, &rel, sizeof(rel), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	T_CHECK(t, !err, "release %d", err);
	T_CHECK(t, !lk(t, FUSE_SETLK, ino, fh, OWNER_B, F_RDLCK, 0, END,
		       PID_B, FUSE_LK_FLOCK, NULL), "flock survives release");
}

/* ---- deferred SETLKW ---- */

struct done {
	pthread_mutex_t mu;
	int count;
	void *token;
	long len;
};

static struct done done = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void on_complete(void *token, long len)
{
	pthread_mutex_lock(&done.mu);
	done.count++;
	done.token = token;
	done.len = len;
	pthread_mutex_unlock(&done.mu);
}

/* A SETLKW sent with a token; its request and reply buffers stay here. */
struct wreq {
	unsigned char req[sizeof(struct fuse_in_header) +
			  sizeof(struct fuse_lk_in)];
	unsigned char reply[sizeof(struct fuse_out_header)];
	uint64_t unique;
};

static long setlkw_async(struct t *t, struct wreq *w, uint64_t ino,
			 uint64_t fh, uint64_t owner, uint32_t type,
			 uint64_t start, uint64_t end)
{
	struct fuse_in_header *ih = (void *)w->req;
	struct fuse_lk_in in = {
		.fh = fh, .owner = owner,
		.lk = { .start = start, .end = end, .type = type,
			.pid = PID_B },
	};
	/* the reply buffer split inside the header, as guests may */
	struct iovec rd = { w->req, sizeof(w->req) }, wr[2] = {
		{ w->reply, 3 }, { w->reply + 3, sizeof(w->reply) - 3 },
	};

	memset(w->reply, 0xee, sizeof(w->reply));
	memset(ih, 0, sizeof(*ih));
	ih->len = sizeof(w->req);
	ih->opcode = FUSE_SETLKW;
	ih->unique = w->unique = ++t->unique;
	ih->nodeid = ino;
	memcpy(w->req + sizeof(*ih), &in, sizeof(in));
	return fs_server_handle_async(t->srv, &rd, 1, wr, 2, w);
}

static int wreq_error(struct t *t, struct wreq *w)
{
	struct fuse_out_header oh;

	memcpy(&oh, w->reply, sizeof(oh));
	T_CHECK(t, oh.len == sizeof(oh) && oh.unique == w->unique,
		"deferred reply len %u unique %llu", oh.len,
		(unsigned long long)oh.unique);
	return oh.error;
}

static int done_count(void)
{
	int n;

	pthread_mutex_lock(&done.mu);
	n = done.count;
	pthread_mutex_unlock(&done.mu);
	return n;
}

static void test_setlkw_deferred(struct t *t)
{
	uint64_t fh, ino = setup_file(t, &fh);
	struct wreq w1, w2;
	long n;

	T_CHECK(t, ino, "setup");
	fs_server_set_complete(t->srv, on_complete);
	done.count = 0;
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_WRLCK, 0, 0, PID_A), "A");
	/* no conflict: answered at once */
	n = setlkw_async(t, &w1, ino, fh, OWNER_B, F_WRLCK, 10, 10);
	T_CHECK(t, n == sizeof(struct fuse_out_header) && !wreq_error(t, &w1),
		"free setlkw: %ld", n);
	n = setlkw_async(t, &w1, ino, fh, OWNER_B, F_WRLCK, 0, 0);
	T_CHECK(t, n == FS_REPLY_DEFERRED, "setlkw not deferred: %ld", n);
	T_CHECK(t, done_count() == 0, "completed early");
	/* other requests go on meanwhile; an unrelated unlock wakes nobody */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_RDLCK, 50, 50, PID_A), "A2");
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_UNLCK, 50, 50, 0), "A2 un");
	T_CHECK(t, done_count() == 0, "woken by an unrelated unlock");
	/* A unlocks: B gets the lock */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_A, F_UNLCK, 0, 0, 0), "A unlock");
	T_CHECK(t, done_count() == 1 && done.token == &w1 &&
		done.len == sizeof(struct fuse_out_header),
		"completion: %d %p %ld", done_count(), done.token, done.len);
	T_CHECK(t, wreq_error(t, &w1) == 0, "woken with %d",
		wreq_error(t, &w1));
	T_CHECK(t, SETLK(t, ino, fh, OWNER_A, F_RDLCK, 0, 0, PID_A) == -EAGAIN,
		"B does not hold the lock");

	/* INTERRUPT ends a waiting SETLKW with -EINTR */
	n = setlkw_async(t, &w2, ino, fh, OWNER_A, F_WRLCK, 0, 0);
	T_CHECK(t, n == FS_REPLY_DEFERRED, "second setlkw: %ld", n);
	{
		struct fuse_interrupt_in ii = { .unique = w2.unique + 1000 };
		int err;

		t_call(t, FUSE_INTERRUPT, 0, &ii, sizeof(ii), NULL, 0, NULL, 0,
		       NULL, 0, &err);
		T_CHECK(t, done_count() == 1, "wrong unique interrupted");
		ii.unique = w2.unique;
		t_call(t, FUSE_INTERRUPT, 0, &ii, sizeof(ii), NULL, 0, NULL, 0,
		       NULL, 0, &err);
	}
	T_CHECK(t, done_count() == 2 && done.token == &w2, "not interrupted");
	T_CHECK(t, wreq_error(t, &w2) == -EINTR, "interrupt: %d",
		wreq_error(t, &w2));
	/* ... and is gone: B's unlock completes nothing more */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_B, F_UNLCK, 0, END, 0), "B unl");
	T_CHECK(t, done_count() == 2, "interrupted waiter granted later");
	T_CHECK(t, !GETLK(t, ino, fh, OWNER_B, F_WRLCK, 0, END, &(struct
		fuse_file_lock){ 0 }), "getlk");

	/* cancel (queue stopping) and reset end waiters with -EINTR too */
	T_CHECK(t, !SETLK(t, ino, fh, OWNER_B, F_WRLCK, 0, 0, PID_B), "B");
	n = setlkw_async(t, &w1, ino, fh, OWNER_A, F_RDLCK, 0, 5);
	T_CHECK(t, n == FS_REPLY_DEFERRED, "third setlkw: %ld", n);
	T_CHECK(t, !fs_server_cancel(t->srv, &w2), "cancelled a done token");
	T_CHECK(t, fs_server_cancel(t->srv, &w1), "cancel");
	T_CHECK(t, done_count() == 3 && wreq_error(t, &w1) == -EINTR,
		"cancel: %d", wreq_error(t, &w1));
	n = setlkw_async(t, &w2, ino, fh, OWNER_A, F_RDLCK, 0, 5);
	T_CHECK(t, n == FS_REPLY_DEFERRED, "fourth setlkw: %ld", n);
	/* FLUSH of B wakes it */
	{
		struct fuse_flush_in fl = { .fh = fh, .lock_owner = OWNER_B };
		int err;

		t_call(t, FUSE_FLUSH, ino, &fl, sizeof(fl), NULL, 0, NULL, 0,
		       NULL, 0, &err);
	}
	T_CHECK(t, done_count() == 4 && wreq_error(t, &w2) == 0,
		"flush did not wake: %d", wreq_error(t, &w2));
	n = setlkw_async(t, &w1, ino, fh, OWNER_B, F_WRLCK, 0, 0);
	T_CHECK(t, n == FS_REPLY_DEFERRED, "fifth setlkw: %ld", n);
	fs_server_reset(t->srv);
	T_CHECK(t, done_count() == 5 && wreq_error(t, &w1) == -EINTR,
		"reset: %d", wreq_error(t, &w1));
	/* one left deferred at free is dropped without a completion */
	{
		struct fuse_entry_out e;

		T_CHECK(t, !t_create(t, FUSE_ROOT_ID, "g", 0644, O_RDWR, &e,
				     &fh), "recreate");
		T_CHECK(t, !SETLK(t, e.nodeid, fh, OWNER_A, F_WRLCK, 0, 0,
				  PID_A), "A again");
		n = setlkw_async(t, &w1, e.nodeid, fh, OWNER_B, F_WRLCK, 0, 0);
		T_CHECK(t, n == FS_REPLY_DEFERRED, "last setlkw: %ld", n);
	}
}

/* ---- synchronous fallback (no token): the caller's thread waits ---- */

struct sync_arg {
	struct t *t;
	uint64_t ino, fh;
	int err;
};

static void *sync_waiter(void *p)
{
	struct sync_arg *a = p;
	struct fuse_lk_in in = {
		.fh = a->fh, .owner = OWNER_B,
		.lk = { .start = 0, .end = END, .type = F_WRLCK, .pid = PID_B },
	};
	struct {
		struct fuse_in_header ih;
		struct fuse_lk_in in;
	} req = {
		.ih = { .len = sizeof(req), .opcode = FUSE_SETLKW,
			.unique = 999999, .nodeid = a->ino },
		.in = in,
	};
	struct fuse_out_header oh = { 0 };
	struct iovec rd = { &req, sizeof(req) }, wr = { &oh, sizeof(oh) };
	long n = fs_server_handle(a->t->srv, &rd, 1, &wr, 1);

	a->err = n == sizeof(oh) ? oh.error : -1000;
	return NULL;
}

static void test_setlkw_sync(struct t *t)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct fuse_file_lock got;
	struct sync_arg a = { .t = t };
	pthread_t th;

	a.ino = setup_file(t, &a.fh);
	T_CHECK(t, a.ino, "setup");
	T_CHECK(t, !SETLK(t, a.ino, a.fh, OWNER_A, F_RDLCK, 0, 9, PID_A), "A");
	a.err = 1;
	T_CHECK(t, pthread_create(&th, NULL, sync_waiter, &a) == 0, "thread");
	nanosleep(&ts, NULL);
	T_CHECK(t, a.err == 1, "waiter did not wait");
	T_CHECK(t, !SETLK(t, a.ino, a.fh, OWNER_A, F_UNLCK, 0, END, 0), "unl");
	pthread_join(th, NULL);
	T_CHECK(t, a.err == 0, "sync setlkw: %d", a.err);
	T_CHECK(t, !GETLK(t, a.ino, a.fh, OWNER_A, F_RDLCK, 0, 0, &got) &&
		got.type == F_WRLCK && got.pid == PID_B, "B holds: %u pid %u",
		got.type, got.pid);
}

/* WRITE goes to its offset even on a file the guest opened O_APPEND. */
static void test_append(struct t *t)
{
	struct fuse_entry_out e;
	char path[160], buf[16] = { 0 };
	uint64_t fh;
	int fd;

	T_CHECK(t, t_init(t) == 0, "init");
	T_CHECK(t, !t_create(t, FUSE_ROOT_ID, "a", 0644,
			     O_RDWR | O_APPEND, &e, &fh), "create");
	T_CHECK(t, t_write(t, e.nodeid, fh, 0, "abcdef", 6) == 6, "write");
	T_CHECK(t, t_write(t, e.nodeid, fh, 1, "X", 1) == 1, "pwrite");
	snprintf(path, sizeof(path), "%s/a", t->dir);
	fd = open(path, O_RDONLY);
	T_CHECK(t, fd >= 0 && read(fd, buf, sizeof(buf)) == 6 &&
		!strcmp(buf, "aXcdef"), "content '%s'", buf);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "locks.conflicts", test_conflicts },
		{ "locks.split_merge_pid", test_split_merge_pid },
		{ "locks.release", test_release },
		{ "locks.setlkw_deferred", test_setlkw_deferred },
		{ "locks.setlkw_sync", test_setlkw_sync },
		{ "open.append_offset", test_append },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}
