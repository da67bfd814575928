// SPDX-License-Identifier: GPL-2.0
/*
 * --fuzz: the spec grammar, sessions and their seeds, the rate, that a
 * seed replays the same damage for the same request sequence, that every
 * mutation is logged with what replays it, and that each reply layout
 * gets its own kind of damage.  Drives fs_fuzz_message() with realistic
 * replies, and the server once end to end.
 */
#include <inttypes.h>

#include "fs_fuzz.h"
#include "fs_internal.h"
#include "fs_test.h"

/* A reply of the shape the server sends for opcode, with made-up values. */
struct sample {
	uint32_t opcode;
	unsigned char in[64];
	size_t inlen;
	unsigned char out[1024];
	size_t outlen;
};

static void put_dirent(unsigned char *buf, size_t *pos, bool plus,
		       const char *name, uint64_t id, uint64_t off)
{
	struct fuse_dirent d = {
		.ino = id, .off = off, .namelen = (uint32_t)strlen(name),
		.type = 8,
	};

	if (plus) {
		struct fuse_entry_out e = { .nodeid = id, .attr.ino = id,
					    .attr.mode = S_IFREG | 0644,
					    .attr.nlink = 1 };

		memcpy(buf + *pos, &e, sizeof(e));
		*pos += sizeof(e);
	}
	memcpy(buf + *pos, &d, FUSE_NAME_OFFSET);
	memcpy(buf + *pos + FUSE_NAME_OFFSET, name, d.namelen);
	*pos += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen);
}

static void make_sample(struct sample *s, uint32_t opcode)
{
	memset(s, 0, sizeof(*s));
	s->opcode = opcode;
	switch (opcode) {
	case FUSE_INIT: {
		struct fuse_init_in in = { .major = 7, .minor = 38,
					   .flags = FUSE_ASYNC_READ };
		struct fuse_init_out out = { .major = 7, .minor = 38,
					     .max_write = 1 << 20,
					     .max_pages = 256 };

		memcpy(s->in, &in, sizeof(in));
		s->inlen = sizeof(in);
		memcpy(s->out, &out, sizeof(out));
		s->outlen = sizeof(out);
		break;
	}
	case FUSE_LOOKUP: case FUSE_MKDIR: {
		struct fuse_entry_out e = { .nodeid = 7, .attr.ino = 7,
					    .attr.mode = S_IFREG | 0644 };

		memcpy(s->in, "name", 5);
		s->inlen = 5;
		memcpy(s->out, &e, sizeof(e));
		s->outlen = sizeof(e);
		break;
	}
	case FUSE_CREATE:
		s->outlen = sizeof(struct fuse_entry_out) +
			    sizeof(struct fuse_open_out);
		break;
	case FUSE_GETATTR:
		s->outlen = sizeof(struct fuse_attr_out);
		break;
	case FS_FUSE_STATX:
		s->outlen = sizeof(struct fs_fuse_statx_out);
		break;
	case FUSE_OPEN:
		s->outlen = sizeof(struct fuse_open_out);
		break;
	case FUSE_READDIR: case FUSE_READDIRPLUS: {
		bool plus = opcode == FUSE_READDIRPLUS;
		size_t pos = 0;

		put_dirent(s->out, &pos, plus, "alpha", 10, 1);
		put_dirent(s->out, &pos, plus, "beta-gamma", 11, 2);
		put_dirent(s->out, &pos, plus, "d", 12, 3);
		s->outlen = pos;
		((struct fuse_read_in *)s->in)->size = 4096;
		s->inlen = sizeof(struct fuse_read_in);
		break;
	}
	case FUSE_READ:
		((struct fuse_read_in *)s->in)->size = 300;
		s->inlen = sizeof(struct fuse_read_in);
		memset(s->out, 'r', 300);
		s->outlen = 300;
		break;
	case FUSE_READLINK:
		memcpy(s->out, "target", 6);
		s->outlen = 6;
		break;
	case FUSE_GETXATTR:
		((struct fuse_getxattr_in *)s->in)->size = 16;
		s->inlen = sizeof(struct fuse_getxattr_in);
		memcpy(s->out, "value", 5);
		s->outlen = 5;
		break;
	case FUSE_LISTXATTR:
		s->inlen = sizeof(struct fuse_getxattr_in);	/* size query */
		s->outlen = sizeof(struct fuse_getxattr_out);
		break;
	case FUSE_WRITE:
		((struct fuse_write_in *)s->in)->size = 100;
		s->inlen = sizeof(struct fuse_write_in);
		((struct fuse_write_out *)s->out)->size = 100;
		s->outlen = sizeof(struct fuse_write_out);
		break;
	case FUSE_LSEEK:
		((struct fuse_lseek_in *)s->in)->offset = 8192;
		s->inlen = sizeof(struct fuse_lseek_in);
		s->outlen = sizeof(struct fuse_lseek_out);
		break;
	case FUSE_GETLK:
		s->outlen = sizeof(struct fuse_lk_out);
		break;
	case FUSE_STATFS:
		s->outlen = sizeof(struct fuse_statfs_out);
		break;
	default:	/* UNLINK, FLUSH, ...: no payload */
		break;
	}
}

static const uint32_t opcodes[] = {
	FUSE_INIT, FUSE_LOOKUP, FUSE_MKDIR, FUSE_CREATE, FUSE_GETATTR,
	FS_FUSE_STATX, FUSE_OPEN, FUSE_READDIR, FUSE_READDIRPLUS, FUSE_READ,
	FUSE_READLINK, FUSE_GETXATTR, FUSE_LISTXATTR, FUSE_WRITE, FUSE_LSEEK,
	FUSE_GETLK, FUSE_STATFS, FUSE_UNLINK, FUSE_FLUSH, FUSE_DESTROY,
};
#define NOPCODES (sizeof(opcodes) / sizeof(opcodes[0]))

/* What the guest would receive: a digest of header and payload. */
struct seen {
	uint64_t hash;
	bool mutated;
};

static struct seen feed(struct fs_fuzz *fz, uint32_t opcode, uint64_t unique,
			int error)
{
	struct sample s;
	struct fs_fuzz_msg m;
	struct seen r = { .hash = 1469598103934665603ULL };
	size_t i;

	make_sample(&s, opcode);
	m = (struct fs_fuzz_msg){
		.kind = FS_FUZZ_REPLY, .opcode = opcode, .unique = unique,
		.nodeid = 5, .in = s.in, .inlen = s.inlen, .error = error,
		.payload = malloc(s.outlen ? s.outlen : 1), .plen = s.outlen,
		.cap = 4096,
	};
	memcpy(m.payload, s.out, s.outlen);
	r.mutated = fs_fuzz_message(fz, &m);
	for (i = 0; i < m.plen; i++)
		r.hash = (r.hash ^ m.payload[i]) * 1099511628211ULL;
	r.hash ^= (uint64_t)(uint32_t)m.error * 31 + m.unique * 7 +
		  (m.set_len ? m.len + 1 : 0) + m.plen * 13;
	free(m.payload);
	return r;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while (hay && (hay = strstr(hay, needle))) {
		n++;
		hay++;
	}
	return n;
}

static void test_parse(struct t *t)
{
	static const char *const good[] = {
		"0", "42", "18446744073709551615", "7:0", "7:1", "7:0.5",
		"7:.25", "7:1.0", "7:0.000001", "1,2,3", "5,9:0.1",
	};
	static const char *const bad[] = {
		"", ":0.1", "x", "-1", "18446744073709551616", "7:", "7:2",
		"7:1.5", "7:0.0000001", "7:abc", "1,,2", "1,", ",1", "7:0.1:3",
		"1 2", "7:.",
	};
	struct fs_fuzz *fz;
	uint64_t seed;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		T_CHECK(t, fs_fuzz_spec_ok(good[i]), "'%s' refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_CHECK(t, !fs_fuzz_spec_ok(bad[i]), "'%s' accepted", bad[i]);

	T_CHECK(t, fs_fuzz_new("100:0.5", "/dev/null", &fz) == 0, "new");
	T_CHECK(t, fs_fuzz_session_seed(fz, 0, &seed) && seed == 100,
		"session 0");
	T_CHECK(t, fs_fuzz_session_seed(fz, 7, &seed) && seed == 107,
		"session 7");
	fs_fuzz_free(fz);
	T_CHECK(t, fs_fuzz_new("9,3,5", "/dev/null", &fz) == 0, "new list");
	T_CHECK(t, fs_fuzz_session_seed(fz, 1, &seed) && seed == 3, "list 1");
	T_CHECK(t, !fs_fuzz_session_seed(fz, 3, &seed), "past the list");
	fs_fuzz_free(fz);
	{
		struct fs_config cfg = { .fuzz_spec = "nope" };
		struct fs_server *s;

		cfg.shared_dir = t->dir;
		errno = 0;
		s = fs_server_new(&cfg);
		T_CHECK(t, !s && errno == EINVAL, "server with bad --fuzz");
		fs_server_free(s);
	}
}

/* rate 0 never touches a reply; rate 1 always does; 0.05 about 5 % */
static void test_rate(struct t *t)
{
	static const char *const specs[] = { "3:0", "3:1", "3" };
	struct fs_fuzz_stats st;
	size_t i, k, mutated;

	for (i = 0; i < 3; i++) {
		struct fs_fuzz *fz;

		if (fs_fuzz_new(specs[i], "/dev/null", &fz)) {
			T_CHECK(t, 0, "new %s", specs[i]);
			return;
		}
		mutated = 0;
		feed(fz, FUSE_INIT, 1, 0);
		for (k = 0; k < 20000; k++)
			mutated += feed(fz, opcodes[1 + k % (NOPCODES - 2)],
					k + 2, 0).mutated;
		fs_fuzz_get_stats(fz, &st);
		T_CHECK(t, st.sessions == 1 && st.replies == 20001,
			"%s: %" PRIu64 " sessions %" PRIu64 " replies",
			specs[i], st.sessions, st.replies);
		T_CHECK(t, st.mutated >= mutated && st.mutated <= mutated + 1,
			"%s: stats say %" PRIu64 " mutated, saw %zu", specs[i],
			st.mutated, mutated);
		if (i == 0)
			T_CHECK(t, mutated == 0, "rate 0: %zu mutated", mutated);
		else if (i == 1)	/* but the cycling directories' */
			T_CHECK(t, mutated >= 20000 * (NOPCODES - 4) /
				(NOPCODES - 2), "rate 1: %zu", mutated);
		else
			T_CHECK(t, mutated > 700 && mutated < 1300,
				"rate 0.05: %zu of 20000", mutated);
		fs_fuzz_free(fz);
	}
}

/* The same seed and requests give the same replies; another seed not. */
static void test_replay(struct t *t)
{
	struct fs_fuzz *a, *b, *c;
	size_t k, same_c = 0;

	if (fs_fuzz_new("77:0.3", "/dev/null", &a) ||
	    fs_fuzz_new("77:0.3", "/dev/null", &b) ||
	    fs_fuzz_new("78:0.3", "/dev/null", &c)) {
		T_CHECK(t, 0, "new");
		return;
	}
	for (k = 0; k < 5000; k++) {
		uint32_t op = k % 500 ? opcodes[1 + k % (NOPCODES - 2)] :
				       FUSE_INIT;
		int err = k % 7 == 3 ? -ENOENT : 0;
		struct seen sa = feed(a, op, k + 1, err);
		struct seen sb = feed(b, op, k + 1, err);
		struct seen sc = feed(c, op, k + 1, err);

		T_CHECK(t, sa.hash == sb.hash && sa.mutated == sb.mutated,
			"request %zu (%u) differs for one seed", k, op);
		same_c += sa.hash == sc.hash;
	}
	T_CHECK(t, same_c < 4500, "seeds 77 and 78 agree on %zu of 5000",
		same_c);
	/* GETATTRs keep their fate when READs come in between */
	{
		struct fs_fuzz *d, *e;
		struct seen sd, se;
		size_t same = 0;

		if (fs_fuzz_new("9:0.5", "/dev/null", &d) ||
		    fs_fuzz_new("9:0.5", "/dev/null", &e)) {
			T_CHECK(t, 0, "new");
			return;
		}
		feed(d, FUSE_INIT, 1, 0);
		feed(e, FUSE_INIT, 1, 0);
		for (k = 0; k < 300; k++) {
			if (k % 3 == 0)
				feed(e, FUSE_READ, 1000 + k, 0);
			sd = feed(d, FUSE_GETATTR, k + 2, 0);
			se = feed(e, FUSE_GETATTR, k + 2, 0);
			/*
			 * Only "another request's unique" depends on
			 * what came between.
			 */
			T_CHECK(t, sd.mutated == se.mutated,
				"GETATTR %zu changed with READs between", k);
			same += sd.hash == se.hash;
		}
		T_CHECK(t, same >= 290, "%zu of 300 GETATTRs the same", same);
		fs_fuzz_free(d);
		fs_fuzz_free(e);
	}
	fs_fuzz_free(a);
	fs_fuzz_free(b);
	fs_fuzz_free(c);
}

/*
 * The log names seed, session, request number and opcode of each
 * mutation, each session's end with its counts, and the totals; every
 * layout gets its own damage; a second INIT starts the next seed; after
 * the list of seeds nothing is touched.
 */
static void test_log(struct t *t)
{
	static const char *const kinds[] = {
		"init.", "entry.nodeid", "attr.", "open.", "statx.",
		"namelen", "off ", "name -> ", "read count", "readlink body",
		"xattr", "write size", "lseek offset", "lk.", "statfs.",
		"error ", "header len", "header unique", "payload cut",
		"payload padded", "attr.mode(type)", "attr.size",
		"attr.nlink", "attr.blksize", "nsec", "statx.mask",
	};
	char path[128], *log;
	struct fs_fuzz *fz;
	size_t k, i;

	snprintf(path, sizeof(path), "%s/fuzz.log", t->dir);
	if (fs_fuzz_new("6,7:1", path, &fz)) {
		T_CHECK(t, 0, "new");
		return;
	}
	feed(fz, FUSE_INIT, 1, 0);
	for (k = 0; k < 6000; k++)
		feed(fz, opcodes[1 + k % (NOPCODES - 2)], k + 2, 0);
	feed(fz, FUSE_DESTROY, 9000, 0);
	feed(fz, FUSE_INIT, 9001, 0);
	feed(fz, FUSE_GETATTR, 9002, 0);
	feed(fz, FUSE_INIT, 9003, 0);	/* session 2: no seed left */
	T_CHECK(t, !feed(fz, FUSE_GETATTR, 9004, 0).mutated,
		"a session past the list was fuzzed");
	fs_fuzz_free(fz);
	log = t_slurp(path);
	if (!log) {
		T_CHECK(t, 0, "no log %s", path);
		return;
	}
	T_CHECK(t, strstr(log, "fuzz seed=6 session=0 req=0 op=init#0 unique=1 nodeid=5: "),
		"no line for INIT");
	T_CHECK(t, strstr(log, "fuzz seed=6 session=0 req=3 op=create#0 unique=4 nodeid=5: "),
		"no line for request 3");
	/* all but a cycling directory's READDIRs (if seed 6 has those) */
	T_CHECK(t, strstr(log, "fuzz session=0 seed=6 end: 6002 replies, "),
		"no end line for session 0");
	T_CHECK(t, strstr(log, "fuzz seed=7 session=1 req=1 op=getattr#0 unique=9002"),
		"no line in session 1");
	T_CHECK(t, strstr(log, "fuzz session=1 seed=7 end: 2 replies, 2 mutated (0 sticky)"),
		"no end line for session 1");
	T_CHECK(t, strstr(log, "fuzz session=2: begin, not fuzzed"),
		"session 2 not announced");
	T_CHECK(t, strstr(log, "fuzz total: 3 sessions, 6004 replies, "),
		"no total line");
	T_CHECK(t, count(log, "fuzz seed=") >= 6004 * 16 / 18,
		"%zu mutation lines", count(log, "fuzz seed="));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		T_CHECK(t, strstr(log, kinds[i]), "never saw '%s'", kinds[i]);
	free(log);
}

/* Every INIT starts a session with the next seed: each field gets hit. */
static void test_init(struct t *t)
{
	static const char *const kinds[] = {
		"init.flags ", "init.flags2", "init.max_write", "init.max_pages",
		"init.map_alignment", "init.minor", "init.major",
		"init.time_gran", "init.max_readahead",
	};
	char path[128], *log;
	struct fs_fuzz *fz;
	size_t k, i;

	snprintf(path, sizeof(path), "%s/fuzz.log", t->dir);
	if (fs_fuzz_new("1000:1", path, &fz)) {
		T_CHECK(t, 0, "new");
		return;
	}
	for (k = 0; k < 500; k++)
		feed(fz, FUSE_INIT, k + 1, 0);
	fs_fuzz_free(fz);
	log = t_slurp(path);
	T_CHECK(t, log && strstr(log, "fuzz session=499 seed=1499 end: 1 replies, 1 mutated (0 sticky)"),
		"no end line of session 499");
	for (i = 0; log && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		T_CHECK(t, strstr(log, kinds[i]), "never saw '%s'", kinds[i]);
	free(log);
}

/* READDIR of a batch at offset off of directory nodeid: its last cookie */
static uint64_t last_cookie(struct fs_fuzz *fz, uint64_t nodeid, uint64_t off,
			    uint64_t unique)
{
	struct sample s;
	struct fs_fuzz_msg m;
	struct fuse_dirent d;
	uint64_t last = 0;
	size_t pos = 0;

	make_sample(&s, FUSE_READDIR);
	((struct fuse_read_in *)s.in)->offset = off;
	/* cookies off+1, off+2, off+3 */
	while (pos + FUSE_NAME_OFFSET <= s.outlen) {
		memcpy(&d, s.out + pos, FUSE_NAME_OFFSET);
		d.off = off + ++last;
		memcpy(s.out + pos, &d, FUSE_NAME_OFFSET);
		pos += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen);
	}
	pos = 0;
	last = 0;
	m = (struct fs_fuzz_msg){
		.kind = FS_FUZZ_REPLY, .opcode = FUSE_READDIR,
		.unique = unique, .nodeid = nodeid, .in = s.in,
		.inlen = s.inlen, .payload = malloc(s.outlen),
		.plen = s.outlen, .cap = 4096,
	};
	memcpy(m.payload, s.out, s.outlen);
	fs_fuzz_message(fz, &m);
	while (pos + FUSE_NAME_OFFSET <= m.plen) {
		memcpy(&d, m.payload + pos, FUSE_NAME_OFFSET);
		last = d.off;
		pos += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen);
	}
	free(m.payload);
	return last;
}

/*
 * In some sessions (by seed) directories lie on every pass: a batch past
 * the second ends with the first batch's last cookie, so cookies cycle.
 * With rate 0 none does.
 */
static void test_cycle(struct t *t)
{
	struct fs_fuzz *fz, *none;
	uint64_t id, u = 1;
	int liars = 0, honest = 0, pass;

	if (fs_fuzz_new("0:0.000001", "/dev/null", &fz) ||
	    fs_fuzz_new("21:0", "/dev/null", &none)) {
		T_CHECK(t, 0, "new");
		return;
	}
	feed(none, FUSE_INIT, u++, 0);
	/* sessions (seeds 0..199) lie about every directory or none */
	for (id = 2; id < 202; id++) {
		int before = liars;

		feed(fz, FUSE_INIT, u++, 0);
		bool lied = false;

		for (pass = 0; pass < 3; pass++) {
			uint64_t first = last_cookie(fz, id, 0, u++);
			uint64_t later = last_cookie(fz, id, 7, u++);

			T_CHECK(t, first == 3, "first batch changed: %" PRIu64,
				first);
			T_CHECK(t, later == 3 || later == 10,
				"later batch ends at %" PRIu64, later);
			if (!pass)
				lied = later == 3;
			T_CHECK(t, (later == 3) == lied,
				"directory %" PRIu64 " lies only sometimes",
				id);
		}
		liars += lied;
		honest += !lied;
		if (before < liars) {	/* a second directory lies too */
			last_cookie(fz, id + 1000, 0, u++);
			T_CHECK(t, last_cookie(fz, id + 1000, 7, u++) == 3,
				"seed %" PRIu64 " lies about one dir only",
				id - 2);
		}
		last_cookie(none, id, 0, u++);
		T_CHECK(t, last_cookie(none, id, 7, u++) == 10,
			"rate 0 told a cycle lie for %" PRIu64, id);
	}
	T_CHECK(t, liars > 20 && honest > 100, "%d liars, %d honest", liars,
		honest);
	fs_fuzz_free(fz);
	fs_fuzz_free(none);
}

/* Tiny and empty payloads for every opcode: nothing reads past them. */
static void test_short_payloads(struct t *t)
{
	struct fs_fuzz *fz;
	size_t k;

	if (fs_fuzz_new("11:1", "/dev/null", &fz)) {
		T_CHECK(t, 0, "new");
		return;
	}
	feed(fz, FUSE_INIT, 1, 0);
	for (k = 0; k < 20000; k++) {
		struct sample s;
		struct fs_fuzz_msg m;
		uint32_t op = opcodes[k % NOPCODES];

		if (op == FUSE_INIT || op == FUSE_DESTROY)
			continue;
		make_sample(&s, op);
		s.outlen = k % (s.outlen + 1);
		s.inlen = (k / 7) % (s.inlen + 1);
		m = (struct fs_fuzz_msg){
			.kind = FS_FUZZ_REPLY, .opcode = op, .unique = k + 2,
			.in = s.in, .inlen = s.inlen,
			.payload = malloc(s.outlen ? s.outlen : 1),
			.plen = s.outlen, .cap = s.outlen,
		};
		memcpy(m.payload, s.out, s.outlen);
		fs_fuzz_message(fz, &m);
		free(m.payload);
	}
	fs_fuzz_free(fz);
}

/* Through the server: the reply the guest gets is the damaged one. */
static void test_server(struct t *t)
{
	struct fs_config cfg = { .cache = FS_CACHE_AUTO, .xattr = true,
				 .fuzz_spec = "1:1", .fuzz_log = "/dev/null" };
	struct fuse_init_in in = { .major = 7, .minor = 38 };
	struct fs_fuzz_stats st;
	struct fuse_attr_out ao;
	int err, differs = 0, k;

	fs_server_free(t->srv);
	t->srv = t_server(t, &cfg);
	if (!t->srv) {
		T_CHECK(t, 0, "server: %s", strerror(errno));
		return;
	}
	t_call(t, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0, NULL, 0,
	       &err);
	for (k = 0; k < 50; k++) {
		struct fuse_getattr_in gi = { 0 };
		unsigned char req[sizeof(struct fuse_in_header) + sizeof(gi)];
		unsigned char reply[sizeof(struct fuse_out_header) +
				    sizeof(ao)] = { 0 };
		struct fuse_in_header *ih = (void *)req;
		struct fuse_out_header oh;
		long n;

		memset(ih, 0, sizeof(*ih));
		ih->len = sizeof(req);
		ih->opcode = FUSE_GETATTR;
		ih->unique = 100 + (uint64_t)k;
		ih->nodeid = FUSE_ROOT_ID;
		memcpy(req + sizeof(*ih), &gi, sizeof(gi));
		n = t_raw(t, req, sizeof(req), reply, sizeof(reply), 3);
		memcpy(&oh, reply, sizeof(oh));
		memcpy(&ao, reply + sizeof(oh), sizeof(ao));
		if (oh.error || oh.unique != ih->unique ||
		    oh.len != (uint32_t)n || n != (long)sizeof(reply) ||
		    !S_ISDIR(ao.attr.mode) || ao.attr.nlink < 1 ||
		    ao.attr.blksize == 0 || ao.attr.atimensec >= 1000000000 ||
		    ao.attr.mtimensec >= 1000000000 ||
		    ao.attr.ctimensec >= 1000000000 ||
		    ao.attr.size > (1ULL << 40) || ao.attr.flags ||
		    ao.attr_valid > 1 || ao.attr_valid_nsec >= 1000000000 ||
		    ao.attr.ino == 0 || ao.attr.uid != (uint32_t)getuid())
			differs++;
	}
	T_CHECK(t, differs >= 40, "only %d of 50 GETATTR replies damaged",
		differs);
	T_CHECK(t, fs_server_fuzz_stats(t->srv, &st) && st.mutated == 51 &&
		st.replies == 51, "stats: %" PRIu64 " of %" PRIu64,
		st.mutated, st.replies);
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "fuzz_parse", test_parse },
		{ "fuzz_rate", test_rate },
		{ "fuzz_replay", test_replay },
		{ "fuzz_log", test_log },
		{ "fuzz_init", test_init },
		{ "fuzz_cycle", test_cycle },
		{ "fuzz_short_payloads", test_short_payloads },
		{ "fuzz_server", test_server },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}
