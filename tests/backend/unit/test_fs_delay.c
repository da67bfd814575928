// SPDX-License-Identifier: GPL-2.0
/*
 * --fault OPCODE:delay-async:MS through the server: the request is handled
 * when it arrives, its reply reaches the guest's buffers only when due
 * (from the timer thread, through the completion hook), later requests are
 * answered meanwhile, first=N leaves the (N+1)th alone, a cancel answers
 * -EINTR exactly once, and a server freed with a reply held completes
 * nothing.  Also --writeback's INIT flag and read-write opens.
 */
#include <pthread.h>
#include <time.h>

#include "fs_fault.h"
#include "fs_internal.h"
#include "fs_test.h"

#define OLD	"old-data"
#define NEW	"NEW-DATA"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int count;
	void *token;
	long len;
	void *order[4];		/* tokens in completion order */
} done = { .mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void on_complete(void *token, long len)
{
	pthread_mutex_lock(&done.mu);
	if (done.count < 4)
		done.order[done.count] = token;
	done.count++;
	done.token = token;
	done.len = len;
	pthread_cond_broadcast(&done.cond);
	pthread_mutex_unlock(&done.mu);
}

static void done_reset(void)
{
	pthread_mutex_lock(&done.mu);
	done.count = 0;
	done.token = NULL;
	done.len = -1;
	pthread_mutex_unlock(&done.mu);
}

/* Waits up to ms for count completions; returns the count seen. */
static int done_wait(int count, long ms)
{
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&done.mu);
	while (done.count < count &&
	       pthread_cond_timedwait(&done.cond, &done.mu, &ts) == 0)
		;
	n = done.count;
	pthread_mutex_unlock(&done.mu);
	return n;
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 +
	       (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* A READ sent with a token; its buffers stay here until it completes. */
struct rreq {
	unsigned char req[sizeof(struct fuse_in_header) +
			  sizeof(struct fuse_read_in)];
	unsigned char reply[sizeof(struct fuse_out_header) + 64];
	uint64_t unique;
};

static long read_async(struct t *t, struct rreq *w, uint64_t ino,
		       uint64_t fh, void *token)
{
	struct fuse_in_header *ih = (void *)w->req;
	struct fuse_read_in in = { .fh = fh, .offset = 0, .size = 8 };
	/* the reply buffer in three pieces, one split inside the header */
	struct iovec rd = { w->req, sizeof(w->req) }, wr[3] = {
		{ w->reply, 5 }, { w->reply + 5, 17 },
		{ w->reply + 22, sizeof(w->reply) - 22 },
	};

	memset(w->reply, 0xee, sizeof(w->reply));
	memset(ih, 0, sizeof(*ih));
	ih->len = sizeof(w->req);
	ih->opcode = FUSE_READ;
	ih->unique = w->unique = ++t->unique;
	ih->nodeid = ino;
	memcpy(w->req + sizeof(*ih), &in, sizeof(in));
	return fs_server_handle_async(t->srv, &rd, 1, wr, 3, token);
}

/* The reply in w: its error, and with data its 8 bytes in data. */
static int rreq_result(struct t *t, struct rreq *w, long len, char *data)
{
	struct fuse_out_header oh;

	memcpy(&oh, w->reply, sizeof(oh));
	T_CHECK(t, oh.unique == w->unique && oh.len == (uint32_t)len,
		"reply unique %llu (want %llu) len %u (completed %ld)",
		(unsigned long long)oh.unique, (unsigned long long)w->unique,
		oh.len, len);
	if (!oh.error && data) {
		T_CHECK(t, len == (long)sizeof(oh) + 8, "data len %ld", len);
		memcpy(data, w->reply + sizeof(oh), 8);
		data[8] = '\0';
	}
	return oh.error;
}

/*
 * Whether w's reply buffer is still as read_async() left it.  Under the
 * held replies' lock, which the timer holds while it writes a reply.
 */
static bool untouched(struct t *t, const struct rreq *w)
{
	bool same = true;
	size_t i;

	if (t->srv)
		pthread_mutex_lock(&t->srv->delays.lock);
	for (i = 0; i < sizeof(w->reply); i++)
		if (w->reply[i] != 0xee)
			same = false;
	if (t->srv)
		pthread_mutex_unlock(&t->srv->delays.lock);
	return same;
}

/* A server with spec and the file f holding OLD, opened; 0 on failure. */
static uint64_t setup(struct t *t, const char *spec, bool hook, uint64_t *fh)
{
	struct fs_config cfg = { .cache = FS_CACHE_AUTO, .xattr = true,
				 .fault_spec = spec };
	struct fuse_entry_out e;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/f", t->dir);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || write(fd, OLD, 8) != 8) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	fs_server_free(t->srv);
	t->srv = t_server(t, &cfg);
	if (!t->srv)
		return 0;
	if (hook)
		fs_server_set_complete(t->srv, on_complete);
	done_reset();
	if (t_init(t) || t_lookup(t, FUSE_ROOT_ID, "f", &e))
		return 0;
	{
		struct fuse_open_in in = { .flags = O_RDONLY };
		struct fuse_open_out out;
		int err;

		if (t_call(t, FUSE_OPEN, e.nodeid, &in, sizeof(in), NULL, 0,
			   NULL, 0, &out, sizeof(out), &err) != sizeof(out) ||
		    err)
			return 0;
		*fh = out.fh;
	}
	return e.nodeid;
}

static void host_write(struct t *t, const char *data)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/f", t->dir);
	fd = open(path, O_WRONLY);
	T_CHECK(t, fd >= 0 && pwrite(fd, data, 8, 0) == 8, "host write");
	if (fd >= 0)
		close(fd);
}

/* The reply carries what the host had on arrival, and comes when due. */
static void test_held_reply(struct t *t)
{
	struct rreq w1, w2;
	struct timespec start;
	char data[9];
	uint64_t fh, ino = setup(t, "read:delay-async:300:first=1", true, &fh);
	long n;

	T_CHECK(t, ino, "setup");
	if (!ino)
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	n = read_async(t, &w1, ino, fh, &w1);
	T_CHECK(t, n == FS_REPLY_DEFERRED, "first READ: %ld", n);
	T_CHECK(t, ms_since(&start) < 250, "first READ held the caller %ld ms",
		ms_since(&start));
	T_CHECK(t, untouched(t, &w1), "held reply written at once");
	/* the host changes the file; the second READ overtakes the first */
	host_write(t, NEW);
	n = read_async(t, &w2, ino, fh, &w2);
	T_CHECK(t, n == (long)sizeof(struct fuse_out_header) + 8,
		"second READ (first=1 used up): %ld", n);
	T_CHECK(t, !rreq_result(t, &w2, n, data) && !strcmp(data, NEW),
		"second READ: '%s'", data);
	T_CHECK(t, done_wait(1, 0) == 0,
		"first READ answered before it was due");
	T_CHECK(t, done_wait(1, 5000) == 1, "held READ never completed");
	T_CHECK(t, ms_since(&start) >= 290, "held only %ld ms",
		ms_since(&start));
	T_CHECK(t, done.token == &w1, "completed another token");
	T_CHECK(t, !rreq_result(t, &w1, done.len, data) && !strcmp(data, OLD),
		"held READ carries '%s', not the data of its arrival", data);
	/* exactly once: nothing more comes, and nothing is left to cancel */
	T_CHECK(t, done_wait(2, 400) == 1, "completed twice");
	T_CHECK(t, !fs_server_cancel(t->srv, &w1), "cancel after completion");
}

/* Several held at once go out in due order; an error reply is held too. */
static void test_order_and_errors(struct t *t)
{
	struct rreq w1, w2;
	uint64_t fh, ino = setup(t, "read:error:EIO:first=1,read:delay-async:200:first=2",
				 true, &fh);

	T_CHECK(t, ino, "setup");
	if (!ino)
		return;
	T_CHECK(t, read_async(t, &w1, ino, fh, &w1) == FS_REPLY_DEFERRED,
		"first held");
	T_CHECK(t, read_async(t, &w2, ino, fh, &w2) == FS_REPLY_DEFERRED,
		"second held");
	T_CHECK(t, done_wait(2, 5000) == 2, "held replies never came");
	T_CHECK(t, done.order[0] == &w1 && done.order[1] == &w2,
		"not in due order");
	T_CHECK(t, rreq_result(t, &w1, (long)sizeof(struct fuse_out_header),
			       NULL) == -EIO, "held error reply");
	T_CHECK(t, untouched(t, &w2) == false, "second held reply not written");
}

/* A transport that takes the ring away: -EINTR now, exactly once. */
static void test_cancel(struct t *t)
{
	struct rreq w1, w2;
	uint64_t fh, ino = setup(t, "read:delay-async:60000", true, &fh);

	T_CHECK(t, ino, "setup");
	if (!ino)
		return;
	T_CHECK(t, read_async(t, &w1, ino, fh, &w1) == FS_REPLY_DEFERRED,
		"held");
	T_CHECK(t, read_async(t, &w2, ino, fh, &w2) == FS_REPLY_DEFERRED,
		"second held");
	T_CHECK(t, fs_server_cancel(t->srv, &w2), "cancel refused");
	T_CHECK(t, done_wait(1, 0) == 1 && done.token == &w2,
		"cancel did not complete");
	T_CHECK(t, rreq_result(t, &w2, done.len, NULL) == -EINTR,
		"cancelled reply not -EINTR");
	T_CHECK(t, !fs_server_cancel(t->srv, &w2), "cancelled twice");
	T_CHECK(t, untouched(t, &w1), "the other held reply was touched");
	/* the server goes with w1 held: dropped, not completed */
	fs_server_free(t->srv);
	t->srv = NULL;
	T_CHECK(t, done_wait(2, 0) == 1, "a freed server completed a reply");
	T_CHECK(t, untouched(t, &w1), "a freed server wrote a reply");
}

/* No completion hook (no transport): the delay is served in the call. */
static void test_no_transport(struct t *t)
{
	struct rreq w;
	struct timespec start;
	char data[9];
	uint64_t fh, ino = setup(t, "read:delay-async:150", false, &fh);
	long n;

	T_CHECK(t, ino, "setup");
	if (!ino)
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	n = read_async(t, &w, ino, fh, &w);
	T_CHECK(t, n == (long)sizeof(struct fuse_out_header) + 8,
		"READ without a transport: %ld", n);
	T_CHECK(t, ms_since(&start) >= 140, "not delayed: %ld ms",
		ms_since(&start));
	T_CHECK(t, !rreq_result(t, &w, n, data) && !strcmp(data, OLD),
		"data '%s'", data);
	T_CHECK(t, done_wait(1, 0) == 0, "completion hook called");
}

/* --writeback: the flag when asked, write-only opens read-write. */
static void test_writeback(struct t *t)
{
	struct fs_config cfg = { .cache = FS_CACHE_AUTO, .xattr = true,
				 .writeback = true };
	struct fuse_init_in in = {
		.major = 7, .minor = 38, .max_readahead = 65536,
		.flags = FUSE_ASYNC_READ | FUSE_WRITEBACK_CACHE,
	};
	struct fuse_open_in oin = { .flags = O_WRONLY };
	struct fuse_open_out out;
	struct fuse_init_out io;
	struct fuse_entry_out e;
	char buf[8];
	uint64_t fh;
	int err;
	long n;

	fs_server_free(t->srv);
	t->srv = t_server(t, &cfg);
	T_CHECK(t, t->srv, "server");
	if (!t->srv)
		return;
	n = t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &io,
		   sizeof(io), &err);
	T_CHECK(t, n == sizeof(io) && !err &&
		   io.flags == (FUSE_ASYNC_READ | FUSE_WRITEBACK_CACHE),
		"INIT flags %#x", io.flags);
	T_CHECK(t, !t_create(t, FUSE_ROOT_ID, "w", 0644, O_WRONLY, &e, &fh),
		"create write-only");
	T_CHECK(t, t_write(t, e.nodeid, fh, 0, OLD, 8) == 8, "write");
	n = t_read(t, e.nodeid, fh, 0, buf, 8, &err);
	T_CHECK(t, n == 8 && !err && !memcmp(buf, OLD, 8),
		"read through a write-only CREATE: %ld %d", n, err);
	n = t_call(t, FUSE_OPEN, e.nodeid, &oin, sizeof(oin), NULL, 0, NULL,
		   0, &out, sizeof(out), &err);
	T_CHECK(t, n == sizeof(out) && !err, "open write-only: %d", err);
	n = t_read(t, e.nodeid, out.fh, 0, buf, 8, &err);
	T_CHECK(t, n == 8 && !err, "read through a write-only OPEN: %ld %d",
		n, err);
	/* a guest that does not ask does not get it */
	in.flags = FUSE_ASYNC_READ;
	t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, &io,
	       sizeof(io), &err);
	T_CHECK(t, io.flags == FUSE_ASYNC_READ, "unasked: flags %#x",
		io.flags);
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "delay_async_held_reply", test_held_reply },
		{ "delay_async_order_errors", test_order_and_errors },
		{ "delay_async_cancel", test_cancel },
		{ "delay_async_no_transport", test_no_transport },
		{ "writeback", test_writeback },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}
