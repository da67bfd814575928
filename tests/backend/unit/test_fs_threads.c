// SPDX-License-Identifier: GPL-2.0
/*
 * Several threads call fs_server_handle() at once, as queue workers do:
 * lookups and forgets of the same names race, handles are opened, read and
 * released, READDIRPLUS hands out references, and one thread resets the
 * server now and then.  Nothing may crash or leak; afterwards every
 * reference the threads took and gave back must balance out.
 */
#include <pthread.h>

#include "fs_test.h"

enum { NTHREADS = 4, ITERS = 3000, NFILES = 16 };

static struct t base;
static pthread_barrier_t start;
static int failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *why, int err)
{
	pthread_mutex_lock(&fail_lock);
	if (!failures++)
		snprintf(base.why, sizeof(base.why), "%s: %d", why, err);
	pthread_mutex_unlock(&fail_lock);
}

static void *worker(void *arg)
{
	struct t t = base;	/* own unique counter and failure slot */
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	bool resetter = (uintptr_t)arg == 0;
	int i;

	t.unique = (uint64_t)(uintptr_t)arg << 40;
	t.why[0] = '\0';
	pthread_barrier_wait(&start);
	for (i = 0; i < ITERS; i++) {
		struct fuse_entry_out e;
		char name[16];
		int err;

		snprintf(name, sizeof(name), "f%d", rand_r(&seed) % NFILES);
		err = t_lookup(&t, FUSE_ROOT_ID, name, &e);
		if (err) {
			fail("lookup", err);
			continue;
		}
		switch (rand_r(&seed) % 4) {
		case 0: {
			struct fuse_attr_out ao;

			t_call(&t, FUSE_GETATTR, e.nodeid, NULL, 0, NULL, 0,
			       NULL, 0, &ao, sizeof(ao), &err);
			/* a reset may have dropped it meanwhile */
			if (err && err != -ESTALE)
				fail("getattr", err);
			break;
		}
		case 1: {
			struct fuse_open_in oi = { .flags = O_RDWR };
			struct fuse_open_out oo;
			struct fuse_release_in rel = { 0 };
			char buf[64];

			t_call(&t, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL,
			       0, NULL, 0, &oo, sizeof(oo), &err);
			if (err) {
				if (err != -ESTALE)
					fail("open", err);
				break;
			}
			t_write(&t, e.nodeid, oo.fh, 0, "data", 4);
			t_read(&t, e.nodeid, oo.fh, 0, buf, sizeof(buf), &err);
			if (err && err != -EBADF)
				fail("read", err);
			rel.fh = oo.fh;
			t_call(&t, FUSE_RELEASE, e.nodeid, &rel, sizeof(rel),
			       NULL, 0, NULL, 0, NULL, 0, &err);
			break;
		}
		case 2: {
			struct fuse_open_in oi = { 0 };
			struct fuse_open_out oo;
			struct fuse_read_in ri = { .size = 4096 };
			struct fuse_release_in rel = { 0 };
			unsigned char buf[4096];
			long n;
			size_t pos = 0;

			t_call(&t, FUSE_OPENDIR, FUSE_ROOT_ID, &oi, sizeof(oi),
			       NULL, 0, NULL, 0, &oo, sizeof(oo), &err);
			if (err) {
				fail("opendir", err);
				break;
			}
			ri.fh = oo.fh;
			n = t_call(&t, FUSE_READDIRPLUS, FUSE_ROOT_ID, &ri,
				   sizeof(ri), NULL, 0, NULL, 0, buf,
				   sizeof(buf), &err);
			/* give back every reference READDIRPLUS handed out */
			while (!err && n > 0 && pos < (size_t)n) {
				struct fuse_direntplus dp;

				memcpy(&dp, buf + pos, sizeof(dp));
				if (dp.entry_out.nodeid)
					t_forget(&t, dp.entry_out.nodeid, 1);
				pos += FUSE_DIRENTPLUS_SIZE(&dp);
			}
			rel.fh = oo.fh;
			t_call(&t, FUSE_RELEASEDIR, FUSE_ROOT_ID, &rel,
			       sizeof(rel), NULL, 0, NULL, 0, NULL, 0, &err);
			break;
		}
		default:
			if (resetter && rand_r(&seed) % 50 == 0)
				fs_server_reset(t.srv);
			break;
		}
		t_forget(&t, e.nodeid, 1);
		if (t.why[0])
			fail(t.why, 0);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	char path[128];
	uintptr_t i;

	if (t_setup(&base, NULL) || t_init(&base)) {
		printf("FAIL unit/fs.threads: setup\n");
		return 1;
	}
	base.chunk = 13;
	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/f%u", base.dir, (unsigned)i);
		close(open(path, O_CREAT | O_WRONLY, 0644));
	}
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	/* with resets in the mix references may have gone early, never late */
	{
		struct fuse_entry_out e;

		T_CHECK(&base, t_lookup(&base, FUSE_ROOT_ID, "f1", &e) == 0,
			"lookup afterwards");
		t_forget(&base, e.nodeid, 1);
		T_CHECK(&base, t_lookup(&base, FUSE_ROOT_ID, "f1", &e) == 0,
			"lookup after forget");
	}
	t_teardown(&base);
	t_report(&base, "threads");
	return t_total_failed ? 1 : 0;
}
