// SPDX-License-Identifier: GPL-2.0
/*
 * --fuzz on notify messages (fs_fuzz_notify()): a seed replays the same
 * groups for the same messages, the rate holds, every kind of damage and
 * fate is reached and logged with seed, session and message number, the
 * damage is what the log says (field by field for the ones the driver
 * checks), nothing leaves the notification buffer's size (also for
 * messages cut short before), and outside a
 * fuzzed session groups pass untouched.
 */
#include <inttypes.h>

#include "fs_fuzz.h"
#include "fs_fuzz_priv.h"
#include "fs_test.h"

#define HDR	sizeof(struct fuse_out_header)

static void note_inval_inode(struct fs_fuzz_note *n, uint64_t ino,
			     int64_t off, int64_t len)
{
	struct fuse_out_header h = { .len = HDR + 24,
				     .error = FUSE_NOTIFY_INVAL_INODE };
	struct fuse_notify_inval_inode_out o = { .ino = ino, .off = off,
						 .len = len };

	memcpy(n->data, &h, HDR);
	memcpy(n->data + HDR, &o, sizeof(o));
	n->len = h.len;
}

static void note_entry(struct fs_fuzz_note *n, int32_t code, uint64_t parent,
		       uint64_t child, const char *name)
{
	size_t nl = strlen(name), fixed = code == FUSE_NOTIFY_DELETE ? 24 : 16;
	struct fuse_out_header h = { .len = (uint32_t)(HDR + fixed + nl + 1),
				     .error = code };

	memset(n->data, 0, sizeof(n->data));
	memcpy(n->data, &h, HDR);
	if (code == FUSE_NOTIFY_DELETE) {
		struct fuse_notify_delete_out o = { .parent = parent,
						    .child = child,
						    .namelen = (uint32_t)nl };

		memcpy(n->data + HDR, &o, sizeof(o));
	} else {
		struct fuse_notify_inval_entry_out o = { .parent = parent,
							 .namelen = (uint32_t)nl };

		memcpy(n->data + HDR, &o, sizeof(o));
	}
	memcpy(n->data + HDR + fixed, name, nl + 1);
	n->len = h.len;
}

/* The k-th group of a test stream: singles of each code, rename pairs. */
static int make_group(size_t k, struct fs_fuzz_note *g)
{
	char name[32];

	snprintf(name, sizeof(name), "file-%zu", k % 37);
	switch (k % 5) {
	case 0:
		note_inval_inode(&g[0], 10 + k % 7, 0, -1);
		return 1;
	case 1:
		note_inval_inode(&g[0], 10 + k % 7, -1, 0);
		return 1;
	case 2:
		note_entry(&g[0], FUSE_NOTIFY_INVAL_ENTRY, 2, 0, name);
		return 1;
	case 3:
		note_entry(&g[0], FUSE_NOTIFY_DELETE, 2, 20 + k % 5, name);
		return 1;
	default:	/* a rename's pair */
		note_entry(&g[0], FUSE_NOTIFY_DELETE, 2, 20 + k % 5, name);
		note_entry(&g[1], FUSE_NOTIFY_INVAL_ENTRY, 3, 0, "x");
		return 2;
	}
}

/* A LOOKUP reply the fuzzer sees: parent 2, name, nodeid. */
static void feed_lookup(struct fs_fuzz *fz, uint64_t unique, const char *name,
			uint64_t nodeid)
{
	struct fuse_entry_out e = { .nodeid = nodeid, .attr.ino = nodeid,
				    .attr.mode = S_IFREG | 0644 };
	struct fs_fuzz_msg m = {
		.kind = FS_FUZZ_REPLY, .opcode = FUSE_LOOKUP,
		.unique = unique, .nodeid = 2,
		.in = (const unsigned char *)name, .inlen = strlen(name) + 1,
		.payload = malloc(sizeof(e)), .plen = sizeof(e), .cap = 4096,
	};

	memcpy(m.payload, &e, sizeof(e));
	fs_fuzz_message(fz, &m);
	free(m.payload);
}

static void start(struct fs_fuzz *fz)
{
	struct fuse_init_out out = { .major = 7, .minor = 38 };
	struct fuse_init_in in = { .major = 7, .minor = 38 };
	struct fs_fuzz_msg m = {
		.kind = FS_FUZZ_REPLY, .opcode = FUSE_INIT, .unique = 1,
		.in = (const unsigned char *)&in, .inlen = sizeof(in),
		.payload = malloc(sizeof(out)), .plen = sizeof(out),
		.cap = 4096,
	};

	memcpy(m.payload, &out, sizeof(out));
	fs_fuzz_message(fz, &m);
	free(m.payload);
}

/* Digest of what the guest would receive from one group. */
static uint64_t digest(const struct fs_fuzz_note *out, int n)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)n;

	for (int i = 0; i < n; i++)
		for (uint32_t b = 0; b < out[i].len; b++)
			h = (h ^ out[i].data[b]) * 1099511628211ULL;
	return h;
}

static void test_replay(struct t *t)
{
	struct fs_fuzz *a, *b, *c;
	size_t k, same_c = 0, changed = 0;

	if (fs_fuzz_new("41:0.3", "/dev/null", &a) ||
	    fs_fuzz_new("41:0.3", "/dev/null", &b) ||
	    fs_fuzz_new("42:0.3", "/dev/null", &c)) {
		T_CHECK(t, 0, "new");
		return;
	}
	start(a);
	start(b);
	start(c);
	for (k = 0; k < 40; k++) {
		char name[16];

		snprintf(name, sizeof(name), "n%zu", k);
		feed_lookup(a, k + 2, name, 100 + k);
		feed_lookup(b, k + 2, name, 100 + k);
		feed_lookup(c, k + 2, name, 100 + k);
	}
	for (k = 0; k < 3000; k++) {
		struct fs_fuzz_note in[2], oa[FS_FUZZ_GROUP_MAX],
				    ob[FS_FUZZ_GROUP_MAX], oc[FS_FUZZ_GROUP_MAX];
		int n = make_group(k, in);
		int na = fs_fuzz_notify(a, in, n, oa);
		int nb = fs_fuzz_notify(b, in, n, ob);
		int nc = fs_fuzz_notify(c, in, n, oc);
		uint64_t da = digest(oa, na);

		T_CHECK(t, na == nb && da == digest(ob, nb),
			"group %zu differs for one seed", k);
		same_c += da == digest(oc, nc);
		changed += da != digest(in, n);
		T_CHECK(t, na >= 0 && na <= FS_FUZZ_GROUP_MAX, "%d out", na);
		for (int i = 0; i < na; i++)
			T_CHECK(t, oa[i].len <= FS_FUZZ_NOTE_MAX,
				"message %u bytes", oa[i].len);
	}
	/* 0.3 of messages: around a third of the groups change */
	T_CHECK(t, changed > 600 && changed < 1800, "%zu of 3000 groups changed",
		changed);
	T_CHECK(t, same_c < 2700, "seeds 41 and 42 agree on %zu of 3000",
		same_c);
	fs_fuzz_free(a);
	fs_fuzz_free(b);
	fs_fuzz_free(c);
}

/* Rate 0, and groups outside a session or past the seeds, pass as they are. */
static void test_untouched(struct t *t)
{
	struct fs_fuzz *zero, *before, *nrate;
	struct fs_fuzz_stats st;
	size_t k, changed = 0;

	if (fs_fuzz_new("5:0", "/dev/null", &zero) ||
	    fs_fuzz_new("5:1", "/dev/null", &before) ||
	    fs_fuzz_new("5:1", "/dev/null", &nrate)) {
		T_CHECK(t, 0, "new");
		return;
	}
	T_CHECK(t, fs_fuzz_set_notify_rate(nrate, "0") == 0, "notify rate 0");
	T_CHECK(t, fs_fuzz_set_notify_rate(nrate, "2") == -EINVAL,
		"notify rate 2 taken");
	start(zero);
	start(nrate);
	for (k = 0; k < 2000; k++) {
		struct fs_fuzz_note in[2], out[FS_FUZZ_GROUP_MAX];
		int n = make_group(k, in), o;

		o = fs_fuzz_notify(zero, in, n, out);
		T_CHECK(t, o == n && digest(out, o) == digest(in, n),
			"rate 0 changed group %zu", k);
		o = fs_fuzz_notify(before, in, n, out);	/* no INIT yet */
		T_CHECK(t, o == n && digest(out, o) == digest(in, n),
			"no session, group %zu changed", k);
		o = fs_fuzz_notify(nrate, in, n, out);
		changed += o != n || digest(out, o) != digest(in, n);
		o = fs_fuzz_notify(NULL, in, n, out);
		T_CHECK(t, o == n && digest(out, o) == digest(in, n),
			"without a fuzzer group %zu changed", k);
	}
	T_CHECK(t, changed == 0, "notify rate 0 (RATE 1): %zu changed", changed);
	fs_fuzz_get_stats(zero, &st);
	T_CHECK(t, st.notes == 2400 && st.notes_mutated == 0,
		"stats %" PRIu64 " %" PRIu64, st.notes, st.notes_mutated);
	fs_fuzz_free(zero);
	fs_fuzz_free(before);
	fs_fuzz_free(nrate);
}

/* Fields of the message the driver reads, when it is one of ours. */
struct parsed {
	struct fuse_out_header h;
	uint64_t node, child;
	int64_t off, len;
	uint32_t namelen, flags;
	const char *name;
	size_t rest;		/* bytes after the fixed part */
};

static bool parse(const struct fs_fuzz_note *n, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	if (n->len < HDR + 24)
		return false;
	memcpy(&p->h, n->data, HDR);
	memcpy(&p->node, n->data + HDR, 8);
	switch (p->h.error) {
	case FUSE_NOTIFY_INVAL_INODE:
		memcpy(&p->off, n->data + HDR + 8, 8);
		memcpy(&p->len, n->data + HDR + 16, 8);
		return true;
	case FUSE_NOTIFY_INVAL_ENTRY:
		memcpy(&p->namelen, n->data + HDR + 8, 4);
		memcpy(&p->flags, n->data + HDR + 12, 4);
		p->name = (const char *)n->data + HDR + 16;
		p->rest = n->len - HDR - 16;
		return true;
	case FUSE_NOTIFY_DELETE:
		memcpy(&p->child, n->data + HDR + 8, 8);
		memcpy(&p->namelen, n->data + HDR + 16, 4);
		memcpy(&p->flags, n->data + HDR + 20, 4);
		p->name = (const char *)n->data + HDR + 24;
		p->rest = n->len - HDR - 24;
		return true;
	}
	return false;
}

/*
 * Rate 1 over many messages: each kind (and the cases the brief names)
 * appears in the log, with seed, session and message number; damaged
 * messages show what the log says.
 */
static void test_kinds(struct t *t)
{
	static const char *const cases[] = {
		"len: short", "len: below the header", "len: long", "len: huge",
		"unique: 0 -> ", "code: unknown", "code: a reply's error",
		"code: zero", "code: unhandled", "code: wrong for the body",
		"(0)", "(root)", "(another live node)", "(huge)",
		"node: child", "-> the parent",
		"range: negative off", "range: huge off",
		"range: off + len overflows", "range: negative len",
		"namelen: 0", "namelen: beyond the message",
		"namelen: shorter than the name", "namelen: over 255",
		"name: a '/'", "name: a NUL inside", "name: \".\"",
		"name: \"..\"", "name: no terminating NUL", "name: 255 bytes",
		"flags: EXPIRE_ONLY", "flags: unknown bits", "flags: padding",
		"size: body cut", "size: body padded", "dup: sent twice",
		"drop: not sent", "reorder: after the next message",
		"reorder: held back", "forge: DELETE", "forge: INVAL_ENTRY",
		"forge: INVAL_INODE", "parent and child swapped",
		"code=INVAL_INODE", "code=INVAL_ENTRY", "code=DELETE",
	};
	char path[128], *log;
	struct fs_fuzz *fz;
	size_t k, i, longname = 0, dot = 0, slash = 0, swapped = 0;
	struct fs_fuzz_stats st;

	snprintf(path, sizeof(path), "%s/fuzz-notify.log", t->dir);
	if (fs_fuzz_new("9:0", path, &fz) ||
	    fs_fuzz_set_notify_rate(fz, "1")) {
		T_CHECK(t, 0, "new");
		return;
	}
	start(fz);
	for (k = 0; k < 20; k++) {
		char name[16];

		snprintf(name, sizeof(name), "looked-%zu", k);
		feed_lookup(fz, k + 2, name, 200 + k);
	}
	for (k = 0; k < 6000; k++) {
		struct fs_fuzz_note in[2], out[FS_FUZZ_GROUP_MAX];
		int n = make_group(k, in), o;
		struct parsed p;

		o = fs_fuzz_notify(fz, in, n, out);
		for (i = 0; i < (size_t)o; i++) {
			if (!parse(&out[i], &p) || !p.name ||
			    p.h.len != out[i].len)
				continue;
			if (p.namelen > 255 && p.rest == p.namelen + 1 &&
			    strlen(p.name) == p.namelen)
				longname++;
			if (p.rest == 2 && !strcmp(p.name, "."))
				dot++;
			if (p.namelen == p.rest - 1 && memchr(p.name, '/', p.namelen))
				slash++;
		}
		/* a pair whose INVAL_ENTRY now comes first */
		if (n == 2 && o == 2 && parse(&out[0], &p) &&
		    p.h.error == FUSE_NOTIFY_INVAL_ENTRY && p.node == 3 &&
		    parse(&out[1], &p) && p.h.error == FUSE_NOTIFY_DELETE)
			swapped++;
	}
	fs_fuzz_get_stats(fz, &st);
	fs_fuzz_free(fz);
	T_CHECK(t, longname > 0 && dot > 0 && slash > 0 && swapped > 0,
		"shapes: %zu long names, %zu dots, %zu slashes, %zu swapped",
		longname, dot, slash, swapped);
	T_CHECK(t, st.notes == 7200 && st.notes_mutated == 7200,
		"stats: %" PRIu64 " of %" PRIu64, st.notes_mutated, st.notes);
	log = t_slurp(path);
	if (!log) {
		T_CHECK(t, 0, "no log");
		return;
	}
	for (i = 0; fz_note_kinds[i]; i++) {
		char want[32];

		snprintf(want, sizeof(want), ": %s: ", fz_note_kinds[i]);
		T_CHECK(t, strstr(log, want), "kind '%s' never reached",
			fz_note_kinds[i]);
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_CHECK(t, strstr(log, cases[i]), "never saw '%s'", cases[i]);
	T_CHECK(t, strstr(log, "fuzz seed=9 session=0 notify=0 code=INVAL_INODE nodeid=10: "),
		"no line for message 0");
	T_CHECK(t, strstr(log, "fuzz seed=9 session=0 notify=7199 code="),
		"no line for message 7199");
	T_CHECK(t, strstr(log, "fuzz session=0 seed=9 end: 21 replies, 0 mutated (0 sticky); 7200 notify, 7200 mutated"),
		"no end line with the notify counts");
	T_CHECK(t, strstr(log, "fuzz total: 1 sessions, 21 replies, 0 mutated (0 sticky); 7200 notify, 7200 mutated"),
		"no total line");
	free(log);
}

/*
 * A message held back until after the next group is not carried into the
 * next session (its nodeids meant the old session's nodes); a session
 * past the list of seeds is not fuzzed.
 */
static void test_sessions(struct t *t)
{
	char path[128], *log = NULL;
	struct fs_fuzz *fz;
	size_t k, leaked = 0;
	bool held = false;

	snprintf(path, sizeof(path), "%s/fuzz-sessions.log", t->dir);
	if (fs_fuzz_new("100,101:1", path, &fz)) {
		T_CHECK(t, 0, "new");
		return;
	}
	start(fz);
	for (k = 0; k < 2000 && !held; k++) {
		struct fs_fuzz_note in[1], out[FS_FUZZ_GROUP_MAX];
		char *last;

		note_inval_inode(&in[0], 0xdeadULL, 0, -1);
		if (fs_fuzz_notify(fz, in, 1, out))
			continue;
		free(log);
		log = t_slurp(path);
		/* the last line: what happened to this message */
		if (log) {
			size_t len = strlen(log);

			if (len > 1) {
				last = log + len - 2;
				while (last > log && last[-1] != '\n')
					last--;
				held = strstr(last, "held back") != NULL;
			}
		}
	}
	free(log);
	T_CHECK(t, held, "no message was ever held back");
	start(fz);	/* session 1 */
	for (k = 0; k < 300; k++) {
		struct fs_fuzz_note in[2], out[FS_FUZZ_GROUP_MAX];
		int n = make_group(k, in), o;
		struct parsed p;

		o = fs_fuzz_notify(fz, in, n, out);
		for (int i = 0; i < o; i++)
			leaked += parse(&out[i], &p) &&
				  p.h.error == FUSE_NOTIFY_INVAL_INODE &&
				  p.node == 0xdeadULL;
	}
	T_CHECK(t, leaked == 0, "%zu messages of session 0 in session 1",
		leaked);
	start(fz);	/* session 2: past the list */
	{
		struct fs_fuzz_note in[2], out[FS_FUZZ_GROUP_MAX];
		int n = make_group(4, in), o;

		o = fs_fuzz_notify(fz, in, n, out);
		T_CHECK(t, o == n && digest(out, o) == digest(in, n),
			"session past the seeds fuzzed");
	}
	fs_fuzz_free(fz);
}

/*
 * Messages already cut short (--fault notify:corrupt:short comes first)
 * or oddly long: every damage stays inside the message and the buffer.
 */
static void test_short(struct t *t)
{
	struct fs_fuzz *fz;
	size_t k;

	if (fs_fuzz_new("77:0", "/dev/null", &fz) ||
	    fs_fuzz_set_notify_rate(fz, "1")) {
		T_CHECK(t, 0, "new");
		return;
	}
	start(fz);
	for (k = 0; k < 20000; k++) {
		struct fs_fuzz_note in[2], out[FS_FUZZ_GROUP_MAX];
		int n = make_group(k, in), o;

		in[0].len = (uint32_t)(k % (in[0].len + 1));
		if (k % 11 == 0)
			in[0].len = FS_FUZZ_NOTE_MAX;
		o = fs_fuzz_notify(fz, in, n, out);
		T_CHECK(t, o >= 0 && o <= FS_FUZZ_GROUP_MAX, "%d out", o);
		for (int i = 0; i < o; i++)
			T_CHECK(t, out[i].len <= FS_FUZZ_NOTE_MAX,
				"message %u bytes", out[i].len);
	}
	fs_fuzz_free(fz);
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "fuzz_notify_replay", test_replay },
		{ "fuzz_notify_untouched", test_untouched },
		{ "fuzz_notify_kinds", test_kinds },
		{ "fuzz_notify_sessions", test_sessions },
		{ "fuzz_notify_short", test_short },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}
