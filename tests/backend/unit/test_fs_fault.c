// SPDX-License-Identifier: GPL-2.0
/* --fault: the grammar (good and bad specs) and each action's effect. */
#include <time.h>

#include "fs_fault.h"
#include "fs_test.h"

static void test_parse(struct t *t)
{
	static const char *const good[] = {
		"lookup:delay:10",
		"getattr:error:EIO,read:drop,write:corrupt",
		"readdirplus:corrupt:short,lookup:corrupt:nodeid",
		"all:error:5,exit-after:100",
		"*:delay:0,open:corrupt:unique,init:corrupt:error",
		"copy_file_range:error:ENOSPC",
		"setattr:corrupt:shrink,readdir:corrupt:offcycle",
		"all:corrupt:submount",
		"notify:drop", "notify:corrupt", "notify:corrupt:nul,notify:delay:5",
		"notify:corrupt:code,notify:corrupt:namelen,notify:corrupt:short",
		"read:delay-async:3000", "read:delay-async:3000:first=1",
		"all:delay-async:0", "read:drop:first=2",
		"lookup:corrupt:first=1", "lookup:corrupt:len:first=3",
		"getattr:error:EIO:first=2147483647", "notify:drop:first=1",
		"write:delay:5:first=4,read:delay-async:60000",
		"",
	};
	static const char *const bad[] = {
		"lookup", "lookup:", "bogus:error:EIO", "lookup:error:EWHAT",
		"lookup:error:0", "lookup:error:4096", "lookup:delay:abc",
		"lookup:delay:999999", "lookup:delay", "lookup:drop:1",
		"exit-after:0", "exit-after:x", "lookup:error:EIO,",
		",lookup:drop", "lookup:corrupt:weird", "lookup:explode",
		"LOOKUP:drop", "lookup:delay:1:2",
		"notify:error:EIO", "notify:corrupt:shrink", "read:corrupt:nul",
		"lookup:corrupt:code", "notifyx:drop",
		"read:delay-async", "read:delay-async:", "read:delay-async:x",
		"read:delay-async:60001", "setlkw:delay-async:10",
		"notify:delay-async:5", "read:delay_async:5", "read:delayasync:5",
		"read:drop:first=0", "read:drop:first=", "read:drop:first=x",
		"read:drop:first=-1", "read:drop:first=2147483648",
		"read:drop:first=1:first=2", "read:first=1", "first=1",
		"read:delay-async:10:once", "read:delay-async:10:first=1:x",
		"exit-after:3:first=1", "read:delay:5:first=1,",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct fs_fault *f = NULL;
		int ret = fs_fault_parse(good[i], &f);

		T_CHECK(t, ret == 0, "'%s' refused", good[i]);
		fs_fault_free(f);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fs_fault *f = NULL;
		int ret = fs_fault_parse(bad[i], &f);

		T_CHECK(t, ret == -EINVAL && !f, "'%s' accepted", bad[i]);
		fs_fault_free(f);
	}
	/* "all" is about requests: notify messages only match "notify" */
	{
		struct fs_fault *f = NULL;
		struct fs_fault_hit hit;

		T_CHECK(t, fs_fault_parse("all:drop,all:corrupt:len", &f) == 0,
			"all rules");
		fs_fault_match(f, FS_FAULT_NOTIFY, &hit);
		T_CHECK(t, !hit.drop && !hit.corrupt, "all matched a notify message");
		fs_fault_free(f);
		T_CHECK(t, fs_fault_parse("notify:corrupt:nul", &f) == 0, "notify rule");
		fs_fault_match(f, FS_FAULT_NOTIFY, &hit);
		T_CHECK(t, hit.corrupt == FS_CORRUPT_NUL, "notify rule did not match");
		fs_fault_match(f, FUSE_LOOKUP, &hit);
		T_CHECK(t, !hit.corrupt, "notify rule matched LOOKUP");
		fs_fault_free(f);
	}
	/* and fs_server_new refuses a bad spec with EINVAL */
	{
		struct fs_config cfg = { .fault_spec = "lookup:nope" };
		struct fs_server *s;

		cfg.shared_dir = t->dir;
		errno = 0;
		s = fs_server_new(&cfg);
		T_CHECK(t, !s && errno == EINVAL, "server with bad spec: %p %d",
			(void *)s, errno);
		fs_server_free(s);
	}
	{
		struct fs_fault *f;
		struct fs_fault_hit hit;

		fs_fault_parse("read:delay:5,all:delay:7,read:error:EIO,read:error:ENOENT,getattr:corrupt:len", &f);
		fs_fault_match(f, FUSE_READ, &hit);
		T_CHECK(t, hit.delay_ms == 12 && hit.error == EIO && !hit.drop,
			"match read: %u %d", hit.delay_ms, hit.error);
		fs_fault_match(f, FUSE_GETATTR, &hit);
		T_CHECK(t, hit.delay_ms == 7 && hit.corrupt == FS_CORRUPT_LEN,
			"match getattr");
		fs_fault_free(f);
	}
	/* first=N: each rule counts its own matches */
	{
		struct fs_fault *f;
		struct fs_fault_hit hit;
		int i, errs = 0, delays = 0;

		T_CHECK(t, fs_fault_parse("read:error:EIO:first=2,all:delay:1:first=3,read:delay-async:9", &f) == 0,
			"first= rules");
		fs_fault_match(f, FUSE_GETATTR, &hit);	/* all's 1st */
		T_CHECK(t, hit.delay_ms == 1 && !hit.error && !hit.async_delay_ms,
			"getattr: %u %d", hit.delay_ms, hit.error);
		for (i = 0; i < 4; i++) {
			fs_fault_match(f, FUSE_READ, &hit);
			errs += hit.error == EIO;
			delays += hit.delay_ms == 1;
			T_CHECK(t, hit.async_delay_ms == 9,
				"read %d: async %u", i, hit.async_delay_ms);
		}
		T_CHECK(t, errs == 2 && delays == 2,
			"first=2 gave %d errors, first=3 %d delays", errs,
			delays);
		fs_fault_free(f);
		/* "all" never holds back a SETLKW (the lock table defers it) */
		T_CHECK(t, fs_fault_parse("all:delay-async:7:first=1", &f) == 0,
			"all delay-async");
		fs_fault_match(f, FUSE_SETLKW, &hit);
		T_CHECK(t, !hit.async_delay_ms, "setlkw held back");
		fs_fault_match(f, FUSE_SETLK, &hit);
		T_CHECK(t, hit.async_delay_ms == 7,
			"setlkw used up first=1: %u", hit.async_delay_ms);
		fs_fault_free(f);
	}
	T_CHECK(t, !strcmp(fs_opcode_name(FUSE_READDIRPLUS), "readdirplus") &&
		   fs_opcode_parse("batch_forget", 12) == FUSE_BATCH_FORGET &&
		   !fs_opcode_name(9999), "opcode names");
}

static struct fs_server *with_spec(struct t *t, const char *spec)
{
	struct fs_config cfg = { .cache = FS_CACHE_AUTO, .xattr = true,
				 .fault_spec = spec };

	fs_server_free(t->srv);
	t->srv = t_server(t, &cfg);
	if (t->srv && t_init(t))
		T_CHECK(t, 0, "init with '%s'", spec);
	return t->srv;
}

static void test_actions(struct t *t)
{
	struct fuse_entry_out e;
	struct fuse_attr_out ao;
	unsigned char reply[256];
	struct timespec a, b;
	char path[128];
	int err;
	long n;

	snprintf(path, sizeof(path), "%s/f", t->dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));

	/* error: no operation, just the errno */
	if (!with_spec(t, "getattr:error:EIO,mkdir:error:ENOSPC"))
		return;
	t_call(t, FUSE_GETATTR, FUSE_ROOT_ID, NULL, 0, NULL, 0, NULL, 0, &ao,
	       sizeof(ao), &err);
	T_CHECK(t, err == -EIO, "injected EIO: %d", err);
	{
		struct fuse_mkdir_in mk = { .mode = 0755 };

		t_call(t, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), "d", 2,
		       NULL, 0, &e, sizeof(e), &err);
		snprintf(path, sizeof(path), "%s/d", t->dir);
		T_CHECK(t, err == -ENOSPC && access(path, F_OK) < 0,
			"injected ENOSPC: %d", err);
	}
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0,
		"other opcodes untouched");

	/* delay */
	if (!with_spec(t, "lookup:delay:150"))
		return;
	clock_gettime(CLOCK_MONOTONIC, &a);
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0, "delayed lookup");
	clock_gettime(CLOCK_MONOTONIC, &b);
	T_CHECK(t, (b.tv_sec - a.tv_sec) * 1000 +
		   (b.tv_nsec - a.tv_nsec) / 1000000 >= 140, "no delay");

	/* drop */
	if (!with_spec(t, "lookup:drop"))
		return;
	{
		struct {
			struct fuse_in_header ih;
			char name[2];
		} req = { { .len = sizeof(req), .opcode = FUSE_LOOKUP,
			    .unique = 77, .nodeid = FUSE_ROOT_ID }, "f" };

		n = t_raw(t, &req, sizeof(req), reply, sizeof(reply), 0);
		T_CHECK(t, n == FS_REPLY_DROP, "drop: %ld", n);
	}

	/* corrupt */
	if (!with_spec(t, "lookup:corrupt:len,getattr:corrupt:short,mkdir:corrupt:nodeid,statfs:corrupt:unique"))
		return;
	{
		struct {
			struct fuse_in_header ih;
			char name[2];
		} req = { { .len = sizeof(req), .opcode = FUSE_LOOKUP,
			    .unique = 78, .nodeid = FUSE_ROOT_ID }, "f" };
		struct fuse_out_header oh;

		n = t_raw(t, &req, sizeof(req), reply, sizeof(reply), 0);
		memcpy(&oh, reply, sizeof(oh));
		T_CHECK(t, n == 16 + (long)sizeof(e) && oh.len == n + 4096,
			"corrupt len: n %ld len %u", n, oh.len);
		req.ih.opcode = FUSE_GETATTR;
		req.ih.len = sizeof(req.ih);
		n = t_raw(t, &req, sizeof(req.ih), reply, sizeof(reply), 0);
		memcpy(&oh, reply, sizeof(oh));
		T_CHECK(t, n < (long)oh.len, "corrupt short: n %ld len %u", n,
			oh.len);
		req.ih.opcode = FUSE_STATFS;
		n = t_raw(t, &req, sizeof(req.ih), reply, sizeof(reply), 0);
		memcpy(&oh, reply, sizeof(oh));
		T_CHECK(t, oh.unique != 78, "corrupt unique");
	}
	{
		struct {
			struct fuse_in_header ih;
			struct fuse_mkdir_in mk;
			char name[2];
		} req = { { .len = sizeof(req), .opcode = FUSE_MKDIR,
			    .unique = 79, .nodeid = FUSE_ROOT_ID },
			  { .mode = 0755 }, "d" };
		struct fuse_entry_out eo;

		n = t_raw(t, &req, sizeof(req), reply, sizeof(reply), 0);
		memcpy(&eo, reply + 16, sizeof(eo));
		T_CHECK(t, n == 16 + (long)sizeof(eo) &&
			   eo.nodeid == 0xdeadbeefcafe0000ULL,
			"corrupt nodeid %llx", (unsigned long long)eo.nodeid);
	}

	/* payload corruptions: shrink, submount (offcycle: tests/driver) */
	if (!with_spec(t, "getattr:corrupt:shrink,lookup:corrupt:submount"))
		return;
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/f", t->dir);
		T_CHECK(t, truncate(path, 8192) == 0, "truncate f");
		T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0 &&
			   !(e.attr.flags & FUSE_ATTR_SUBMOUNT),
			"lookup f: a file is never marked");
		t_call(t, FUSE_GETATTR, e.nodeid, NULL, 0, NULL, 0, NULL, 0,
		       &ao, sizeof(ao), &err);
		T_CHECK(t, !err && ao.attr.size == 4096,
			"corrupt shrink: %d size %llu", err,
			(unsigned long long)ao.attr.size);
		T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "d", &e) == 0 &&
			   (e.attr.flags & FUSE_ATTR_SUBMOUNT),
			"corrupt submount: flags %#x", e.attr.flags);
	}

	/* exit-after: counts every request, INIT included */
	if (!with_spec(t, "exit-after:3"))
		return;
	T_CHECK(t, !fs_server_should_exit(t->srv), "exit after INIT");
	t_lookup(t, FUSE_ROOT_ID, "f", &e);
	T_CHECK(t, !fs_server_should_exit(t->srv), "exit after 2");
	t_lookup(t, FUSE_ROOT_ID, "f", &e);
	T_CHECK(t, fs_server_should_exit(t->srv), "no exit after 3");
}

int main(void)
{
	struct t t;

	if (t_setup(&t, NULL)) {
		printf("FAIL unit/fs.fault_parse: setup: %s\n", strerror(errno));
		return 1;
	}
	test_parse(&t);
	t_report(&t, "fault_parse");
	test_actions(&t);
	t_report(&t, "fault_actions");
	t_teardown(&t);
	return t_total_failed ? 1 : 0;
}
