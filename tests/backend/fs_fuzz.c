// SPDX-License-Identifier: GPL-2.0
/*
 * The reply fuzzer (fs_fuzz.h): sessions and their seeds, the PRNG, the
 * log, and the mutations any reply can get (error codes, header len and
 * unique, truncated or padded payloads).  Per-opcode payload damage is in
 * fs_fuzz_ops.c, notify messages' in fs_fuzz_notify.c (their numbering,
 * fate and log are here).
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_fault.h"
#include "fs_fuzz_priv.h"
#include "log.h"

struct fs_fuzz {
	pthread_mutex_t lock;
	uint64_t *seeds;	/* the list, or one base seed */
	size_t nseeds;
	bool list;		/* seeds[] is a list, not a base */
	uint32_t ppm;		/* rate, parts per million */
	uint32_t notify_ppm;	/* notify messages' rate */
	FILE *log;
	bool own_log;

	bool active;		/* a session is running */
	bool fuzzing;		/* ... and has a seed */
	uint64_t session;	/* index of the running session */
	uint64_t seed;
	uint64_t reqno;		/* replies of this session so far */
	uint64_t opcount[64];	/* ... per opcode (the rest share [63]) */
	uint64_t s_mutated, s_sticky;
	uint64_t nodeids[FZ_NODEIDS];
	unsigned int nodeid_pos;
	uint64_t uniques[FZ_UNIQUES];
	unsigned int unique_pos;
	struct {
		uint64_t nodeid, first;
	} dirs[FZ_DIRS];
	unsigned int dir_pos;
	struct fz_name names[FZ_NAMES];
	unsigned int name_pos;
	uint64_t noteno;	/* notify messages of this session so far */
	uint64_t s_notes_mutated;
	bool held;		/* a message waits to go after the next group */
	struct fs_fuzz_note hold;

	struct fs_fuzz_stats stats;
};

/* ---- PRNG: splitmix64, seeded from (seed, request number, opcode) ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t fz_rand(struct fz_ctx *c)
{
	return splitmix64(&c->rng);
}

uint64_t fz_below(struct fz_ctx *c, uint64_t n)
{
	return n ? fz_rand(c) % n : 0;
}

void fz_note(struct fz_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->wlen + 3 >= sizeof(c->what))
		return;
	if (c->wlen) {
		memcpy(c->what + c->wlen, "; ", 3);
		c->wlen += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(c->what + c->wlen, sizeof(c->what) - c->wlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->wlen += (size_t)n;
	if (c->wlen >= sizeof(c->what))
		c->wlen = sizeof(c->what) - 1;
}

uint64_t fz_odd_u64(struct fz_ctx *c)
{
	static const uint64_t odd[] = {
		0, 1, 2, 4095, 4096, 4097, 0x7fffffffULL, 0x80000000ULL,
		0xffffffffULL, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, 0xfffffffffffff000ULL, ~0ULL,
	};

	if (fz_below(c, 4) == 0)
		return fz_rand(c);
	return odd[fz_below(c, sizeof(odd) / sizeof(odd[0]))];
}

uint32_t fz_odd_u32(struct fz_ctx *c)
{
	static const uint32_t odd[] = {
		0, 1, 2, 255, 256, 4095, 4096, 65535, 65536, 0x7fffffffu,
		0x80000000u, 0xfffff000u, 0xffffffffu,
	};

	if (fz_below(c, 4) == 0)
		return (uint32_t)fz_rand(c);
	return odd[fz_below(c, sizeof(odd) / sizeof(odd[0]))];
}

uint32_t fz_bad_nsec(struct fz_ctx *c)
{
	switch (fz_below(c, 3)) {
	case 0:
		return 1000000000u;
	case 1:
		return 0xffffffffu;
	default:
		return 1000000000u + (uint32_t)fz_below(c, 3294967295u);
	}
}

uint64_t fz_odd_nodeid(struct fz_ctx *c)
{
	uint64_t id;
	int tries;

	switch (fz_below(c, 7)) {
	case 0:
		return 0;
	case 1:
		return FUSE_ROOT_ID;
	case 2:
	case 3:
		for (tries = 0; tries < 8; tries++) {
			id = c->nodeids[fz_below(c, FZ_NODEIDS)];
			if (id)
				return id;
		}
		return FUSE_ROOT_ID;
	case 4:
		return c->m->nodeid;
	case 5:
		return ~0ULL - fz_below(c, 2);
	default:
		return fz_rand(c);
	}
}

bool fz_get(struct fz_ctx *c, size_t off, void *v, size_t n)
{
	if (!c->m->payload || off > c->m->plen || n > c->m->plen - off)
		return false;
	memcpy(v, c->m->payload + off, n);
	return true;
}

void fz_put(struct fz_ctx *c, size_t off, const void *v, size_t n)
{
	if (!c->m->payload || off > c->m->plen || n > c->m->plen - off)
		return;
	memcpy(c->m->payload + off, v, n);
}

bool fz_set_payload(struct fz_ctx *c, const void *buf, size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	if (!p)
		return false;
	if (len)
		memcpy(p, buf, len);
	free(c->m->payload);
	c->m->payload = p;
	c->m->plen = len;
	return true;
}

/* ---- mutations any reply can get --------------------------------------- */

static void mutate_error(struct fz_ctx *c)
{
	static const int plausible[] = {
		-EIO, -ENOENT, -ESTALE, -EINTR, -EAGAIN, -ENOSYS, -EOPNOTSUPP,
		-ENOSPC, -ENOMEM, -EACCES, -EEXIST, -ENOTDIR, -EISDIR, -EBADF,
		-EINVAL, -ERANGE, -ENODATA, -EOVERFLOW, -EPROTO, -ENOTCONN,
	};
	int old = c->m->error, e;

	switch (fz_below(c, 6)) {
	case 0:		/* positive: not an errno at all */
		e = 1 + (int)fz_below(c, 4096);
		break;
	case 1:		/* just past the errno range */
		e = fz_below(c, 2) ? -4096 : -4096 - (int)fz_below(c, 100000);
		break;
	case 2:		/* ERESTARTSYS .. ERESTART_RESTARTBLOCK: kernel-only */
		e = -512 - (int)fz_below(c, 5);
		break;
	case 3:
		e = fz_below(c, 2) ? (int)0x80000000u : 0x7fffffff;
		break;
	case 4:		/* a failure the guest must handle honestly */
		do {
			e = plausible[fz_below(c, sizeof(plausible) /
						  sizeof(plausible[0]))];
		} while (e == old);
		break;
	default:	/* an error reply turned into success, no payload */
		if (old) {
			e = 0;
			c->m->plen = 0;
		} else {
			e = -EIO;
		}
		break;
	}
	c->m->error = e;
	fz_note(c, "error %d -> %d", old, e);
}

static void mutate_header(struct fz_ctx *c, const uint64_t *uniques)
{
	struct fs_fuzz_msg *m = c->m;
	uint32_t sent = (uint32_t)(sizeof(struct fuse_out_header) +
				   (m->error ? 0 : m->plen));
	uint64_t u = m->unique, pick = fz_below(c, 8);

	switch (pick) {
	case 0:
		m->len = sent + 1 + (uint32_t)fz_below(c, 8);
		break;
	case 1:
		m->len = sent + 4096;
		break;
	case 2:
		m->len = sent > 16 ? sent - 1 - (uint32_t)fz_below(c, sent - 16)
				   : 0;
		break;
	case 3:
		m->len = (uint32_t)fz_below(c, sizeof(struct fuse_out_header));
		break;
	case 4:
		m->len = fz_odd_u32(c);
		break;
	case 5:
		m->unique ^= 1ULL << fz_below(c, 64);
		break;
	case 6:
		m->unique = uniques[fz_below(c, FZ_UNIQUES)];
		break;
	default:
		m->unique = fz_below(c, 2) ? 0 : m->unique + 2;
		break;
	}
	if (pick >= 5 && m->unique == u)
		m->unique = u ^ (1ULL << 63);
	if (pick >= 5) {
		fz_note(c, "header unique %" PRIu64 " -> %" PRIu64, u,
			m->unique);
	} else {
		m->set_len = true;
		fz_note(c, "header len %u -> %u", sent, m->len);
	}
}

/* Cut the payload short or pad it with junk past what was asked for. */
static void mutate_length(struct fz_ctx *c)
{
	struct fs_fuzz_msg *m = c->m;
	size_t old = m->plen, n;
	unsigned char *p;

	if (m->plen && fz_below(c, 2)) {
		m->plen = fz_below(c, 4) ? fz_below(c, m->plen) : 0;
		fz_note(c, "payload cut %zu -> %zu bytes", old, m->plen);
		return;
	}
	switch (fz_below(c, 3)) {
	case 0:
		n = 1 + fz_below(c, 8);
		break;
	case 1:
		n = 1 + fz_below(c, 4096);
		break;
	default:	/* exactly what the guest's buffers hold */
		n = m->cap > old ? m->cap - old : 1;
		break;
	}
	p = realloc(m->payload, old + n);
	if (!p)
		return;
	for (size_t i = 0; i < n; i++)
		p[old + i] = (unsigned char)fz_rand(c);
	m->payload = p;
	m->plen = old + n;
	fz_note(c, "payload padded %zu -> %zu bytes of %zu", old, m->plen,
		m->cap);
}

/* ---- sessions --------------------------------------------------------- */

bool fs_fuzz_session_seed(const struct fs_fuzz *fz, uint64_t n,
			  uint64_t *seed)
{
	if (fz->list) {
		if (n >= fz->nseeds)
			return false;
		*seed = fz->seeds[n];
	} else {
		*seed = fz->seeds[0] + n;
	}
	return true;
}

static void session_end(struct fs_fuzz *fz)
{
	if (!fz->active)
		return;
	if (fz->fuzzing)
		fprintf(fz->log,
			"fuzz session=%" PRIu64 " seed=%" PRIu64 " end: %" PRIu64
			" replies, %" PRIu64 " mutated (%" PRIu64 " sticky); %"
			PRIu64 " notify, %" PRIu64 " mutated\n",
			fz->session, fz->seed, fz->reqno, fz->s_mutated,
			fz->s_sticky, fz->noteno, fz->s_notes_mutated);
	else
		fprintf(fz->log, "fuzz session=%" PRIu64
			" end: not fuzzed (no seed left), %" PRIu64 " replies\n",
			fz->session, fz->reqno);
	fflush(fz->log);
	fz->active = false;
}

static void session_start(struct fs_fuzz *fz)
{
	uint64_t n = fz->stats.sessions;

	session_end(fz);
	fz->stats.sessions++;
	fz->active = true;
	fz->session = n;
	fz->reqno = 0;
	memset(fz->opcount, 0, sizeof(fz->opcount));
	fz->s_mutated = 0;
	fz->s_sticky = 0;
	fz->fuzzing = fs_fuzz_session_seed(fz, n, &fz->seed);
	memset(fz->nodeids, 0, sizeof(fz->nodeids));
	memset(fz->uniques, 0, sizeof(fz->uniques));
	memset(fz->dirs, 0, sizeof(fz->dirs));
	memset(fz->names, 0, sizeof(fz->names));
	fz->noteno = 0;
	fz->s_notes_mutated = 0;
	fz->held = false;	/* its nodeids meant the old session's nodes */
	if (fz->fuzzing)
		fprintf(fz->log, "fuzz session=%" PRIu64 " seed=%" PRIu64
			" rate=%u.%06u: begin\n", n, fz->seed,
			fz->ppm / 1000000, fz->ppm % 1000000);
	else
		fprintf(fz->log, "fuzz session=%" PRIu64
			": begin, not fuzzed (no seed left)\n", n);
	fflush(fz->log);
}

/* Entry replies and READDIRPLUS feed the pool of "other live inodes". */
static void remember_nodeid(struct fs_fuzz *fz, uint64_t id)
{
	if (!id || id == FUSE_ROOT_ID)
		return;
	fz->nodeids[fz->nodeid_pos++ % FZ_NODEIDS] = id;
}

/*
 * A name the guest looked up or created, and its node: what a forged
 * notification lies about.  in is the request's in-args.
 */
static void remember_name(struct fs_fuzz *fz, const struct fs_fuzz_msg *m,
			  uint64_t child)
{
	size_t skip = 0, len;
	const char *name;
	struct fz_name *n;

	switch (m->opcode) {
	case FUSE_MKDIR:
		skip = sizeof(struct fuse_mkdir_in);
		break;
	case FUSE_MKNOD:
		skip = sizeof(struct fuse_mknod_in);
		break;
	case FUSE_CREATE:
		skip = sizeof(struct fuse_create_in);
		break;
	case FUSE_LOOKUP: case FUSE_SYMLINK:
		break;
	default:
		return;
	}
	if (!m->in || m->inlen <= skip || !m->nodeid || !child)
		return;
	name = (const char *)m->in + skip;
	len = strnlen(name, m->inlen - skip);
	if (!len || len == m->inlen - skip || len > 255 ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return;
	n = &fz->names[fz->name_pos++ % FZ_NAMES];
	n->parent = m->nodeid;
	n->child = child;
	memcpy(n->name, name, len + 1);
}

static void remember(struct fs_fuzz *fz, const struct fs_fuzz_msg *m)
{
	uint64_t id;

	fz->uniques[fz->unique_pos++ % FZ_UNIQUES] = m->unique;
	remember_nodeid(fz, m->nodeid);
	switch (m->opcode) {
	case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR:
	case FUSE_SYMLINK: case FUSE_LINK: case FUSE_CREATE:
	case FUSE_TMPFILE:
		if (!m->error && m->payload && m->plen >= sizeof(id)) {
			memcpy(&id, m->payload, sizeof(id));
			remember_nodeid(fz, id);
			remember_name(fz, m, id);
		}
		break;
	}
}

/*
 * Sticky lies, told whatever the rate (but 0), the same way every time:
 * in one session of FZ_CYCLE_ONE_IN (chosen by the seed) every directory
 * has cookies that cycle.
 */
#define FZ_CYCLE_ONE_IN	4

/*
 * Returns true when the reply belongs to such a directory: it is then not
 * damaged at random too (an error would end the reader's round trip and
 * hide the cycle).
 */
static bool sticky_lies(struct fs_fuzz *fz, struct fz_ctx *c)
{
	struct fs_fuzz_msg *m = c->m;
	uint64_t h = fz->seed ^ 0x6379636c65ULL;
	unsigned int i;
	bool liar;

	if ((m->opcode != FUSE_READDIR && m->opcode != FUSE_READDIRPLUS) ||
	    m->error || !m->nodeid || !fz->ppm)
		return false;
	for (i = 0; i < FZ_DIRS; i++)
		if (fz->dirs[i].nodeid == m->nodeid)
			break;
	if (i == FZ_DIRS) {
		i = fz->dir_pos++ % FZ_DIRS;
		fz->dirs[i].nodeid = m->nodeid;
		fz->dirs[i].first = 0;
	}
	liar = splitmix64(&h) % FZ_CYCLE_ONE_IN == 0;
	fz_dir_cycle(c, &fz->dirs[i].first, liar);
	return liar;
}

bool fs_fuzz_message(struct fs_fuzz *fz, struct fs_fuzz_msg *m)
{
	struct fz_ctx c = { .m = m };
	uint64_t reqno, opno;
	const char *name;
	bool done = false, sticky = false;

	if (!fz)
		return false;
	pthread_mutex_lock(&fz->lock);
	if (m->kind == FS_FUZZ_REPLY && m->opcode == FUSE_INIT)
		session_start(fz);
	if (!fz->active || !fz->fuzzing) {
		pthread_mutex_unlock(&fz->lock);
		return false;
	}
	reqno = fz->reqno++;
	opno = fz->opcount[m->opcode < 63 ? m->opcode : 63]++;
	fz->stats.replies++;
	remember(fz, m);
	/*
	 * The n-th reply of an opcode gets the same fate whatever other
	 * opcodes came between: a replay survives some reordering.
	 */
	c.rng = fz->seed ^ (opno * 0xd1342543de82ef95ULL) ^
		((uint64_t)m->opcode << 48);
	c.nodeids = fz->nodeids;
	c.names = fz->names;
	/* a few rounds so nearby seeds and request numbers decorrelate */
	fz_rand(&c);
	fz_rand(&c);
	if (sticky_lies(fz, &c)) {
		sticky = c.wlen > 0;
		done = sticky;
	} else if (fz_below(&c, 1000000) < fz->ppm) {
		/* one mutation, sometimes two */
		int rounds = fz_below(&c, 4) ? 1 : 2;

		while (rounds--) {
			uint64_t pick = fz_below(&c, 100);

			size_t w = c.wlen;

			if (pick < 60 && !m->error) {
				if (fz_mutate_payload(&c))
					continue;
				/* no such mutation here: forget its notes */
				c.wlen = w;
				c.what[w] = '\0';
			}
			if (pick < 75)
				mutate_error(&c);
			else if (pick < 88 || m->error)	/* no payload */
				mutate_header(&c, fz->uniques);
			else
				mutate_length(&c);
		}
		done = c.wlen > 0;
	}
	if (done) {
		fz->stats.mutated++;
		fz->s_mutated++;
		fz->stats.sticky += sticky;
		fz->s_sticky += sticky;
		name = fs_opcode_name(m->opcode);
		fprintf(fz->log, "fuzz seed=%" PRIu64 " session=%" PRIu64
			" req=%" PRIu64 " op=%s#%" PRIu64 " unique=%" PRIu64
			" nodeid=%" PRIu64 ": %s%s\n", fz->seed, fz->session,
			reqno, name ? name : "?", opno, m->unique, m->nodeid,
			sticky ? "sticky: " : "", c.what);
		fflush(fz->log);
	}
	if (m->kind == FS_FUZZ_REPLY && m->opcode == FUSE_DESTROY)
		session_end(fz);
	pthread_mutex_unlock(&fz->lock);
	return done;
}

/* ---- notify messages ------------------------------------------------- */

/* out[*o] = *note, when there is room */
static void emit(struct fs_fuzz_note *out, int *o, const struct fs_fuzz_note *note)
{
	if (*o < FS_FUZZ_GROUP_MAX)
		out[(*o)++] = *note;
}

/*
 * One message's fate: drawn from (seed, its number k in the session)
 * alone.  Fills *mut (the message as damaged) and *forged; returns the
 * fate, FZN_SEND without a note when it is not touched.
 */
static enum fz_note_fate note_fate(struct fs_fuzz *fz, struct fz_ctx *c,
				   const struct fs_fuzz_note *in,
				   struct fs_fuzz_note *mut,
				   struct fs_fuzz_note *forged)
{
	struct fuse_out_header h;
	struct fs_fuzz_msg m = { .kind = FS_FUZZ_NOTIFY };
	enum fz_note_fate fate;

	*mut = *in;
	if (fz_below(c, 1000000) >= fz->notify_ppm || in->len < sizeof(h) ||
	    in->len > sizeof(in->data))
		return FZN_SEND;
	memcpy(&h, in->data, sizeof(h));
	m.opcode = (uint32_t)h.error;
	m.error = h.error;
	m.unique = h.unique;
	m.plen = in->len - sizeof(h);
	m.cap = sizeof(in->data) - sizeof(h);
	m.payload = malloc(m.plen ? m.plen : 1);
	if (!m.payload)
		return FZN_SEND;
	memcpy(m.payload, in->data + sizeof(h), m.plen);
	if (m.plen >= sizeof(m.nodeid))
		memcpy(&m.nodeid, m.payload, sizeof(m.nodeid));
	c->m = &m;
	fate = fz_mutate_note(c, forged);
	/* one damage, sometimes two (an odd ino with an odd range, say) */
	if (fate == FZN_SEND && !fz_below(c, 4))
		fate = fz_mutate_note(c, forged);
	if (!fz_note_pack(&m, mut))
		*mut = *in;
	free(m.payload);
	c->m = NULL;
	return fate;
}

int fs_fuzz_notify(struct fs_fuzz *fz, const struct fs_fuzz_note *in, int n,
		   struct fs_fuzz_note *out)
{
	struct fs_fuzz_note mut, forged, swapped, held;
	bool was_held, swapping = false;
	int o = 0;

	if (fz)
		pthread_mutex_lock(&fz->lock);
	if (!fz || !fz->active || !fz->fuzzing) {
		for (int i = 0; i < n; i++)
			emit(out, &o, &in[i]);
		if (fz)
			pthread_mutex_unlock(&fz->lock);
		return o;
	}
	/* a message held back by the last group goes after this one */
	was_held = fz->held;
	if (was_held)
		held = fz->hold;
	fz->held = false;
	for (int i = 0; i < n; i++) {
		uint64_t k = fz->noteno++;
		struct fz_ctx c = {
			.nodeids = fz->nodeids, .names = fz->names,
			.rng = fz->seed ^ (k * 0x9e6c63d0676a9a99ULL) ^
			       (0xfeULL << 48),
		};
		enum fz_note_fate fate;
		uint64_t nodeid = 0;
		int32_t code = 0;

		fz->stats.notes++;
		fz_rand(&c);
		fz_rand(&c);
		fate = note_fate(fz, &c, &in[i], &mut, &forged);
		switch (fate) {
		case FZN_DROP:
			break;
		case FZN_DUP:
			emit(out, &o, &mut);
			emit(out, &o, &mut);
			break;
		case FZN_FORGE:
			emit(out, &o, &mut);
			emit(out, &o, &forged);
			break;
		case FZN_SWAP:
		case FZN_HOLD:
			if (i + 1 < n && !swapping) {
				fz_note(&c, "reorder: after the next message of its group");
				swapped = mut;
				swapping = true;
				break;
			}
			if (!fz->held) {
				fz_note(&c, "reorder: held back until after the next group");
				fz->hold = mut;
				fz->held = true;
				break;
			}
			fz_note(&c, "reorder: nothing to pass (one held already), sent");
			emit(out, &o, &mut);
			break;
		default:
			emit(out, &o, &mut);
			break;
		}
		if (swapping && fate != FZN_SWAP && fate != FZN_HOLD) {
			emit(out, &o, &swapped);
			swapping = false;
		}
		if (!c.wlen)
			continue;
		if (in[i].len >= sizeof(struct fuse_out_header)) {
			memcpy(&code, in[i].data + offsetof(struct fuse_out_header,
							    error),
			       sizeof(code));
			if (in[i].len >= sizeof(struct fuse_out_header) + 8)
				memcpy(&nodeid, in[i].data +
				       sizeof(struct fuse_out_header),
				       sizeof(nodeid));
		}
		fz->stats.notes_mutated++;
		fz->s_notes_mutated++;
		fprintf(fz->log, "fuzz seed=%" PRIu64 " session=%" PRIu64
			" notify=%" PRIu64 " code=%s nodeid=%" PRIu64 ": %s\n",
			fz->seed, fz->session, k,
			code == FUSE_NOTIFY_INVAL_INODE ? "INVAL_INODE" :
			code == FUSE_NOTIFY_INVAL_ENTRY ? "INVAL_ENTRY" :
			code == FUSE_NOTIFY_DELETE ? "DELETE" : "?",
			nodeid, c.what);
		fflush(fz->log);
	}
	if (swapping)	/* the last one asked to swap: nothing after it */
		emit(out, &o, &swapped);
	if (was_held)
		emit(out, &o, &held);
	pthread_mutex_unlock(&fz->lock);
	return o;
}

void fs_fuzz_get_stats(struct fs_fuzz *fz, struct fs_fuzz_stats *st)
{
	pthread_mutex_lock(&fz->lock);
	*st = fz->stats;
	pthread_mutex_unlock(&fz->lock);
}

/* ---- setup --------------------------------------------------------------- */

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 20)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* "0", "1", "0.05", ".5", "1.0": a fraction in [0, 1], in ppm */
static int parse_rate(const char *s, uint32_t *ppm)
{
	uint64_t whole = 0, frac = 0, scale = 1000000;
	const char *dot = strchr(s, '.');
	size_t wl = dot ? (size_t)(dot - s) : strlen(s), i;

	if (wl && parse_u64(s, wl, &whole))
		return -EINVAL;
	if (!wl && !dot)
		return -EINVAL;
	if (dot) {
		if (!dot[1] && !wl)
			return -EINVAL;
		for (i = 1; dot[i]; i++) {
			if (dot[i] < '0' || dot[i] > '9' || i > 6)
				return -EINVAL;
			scale /= 10;
			frac += (uint64_t)(dot[i] - '0') * scale;
		}
	}
	if (whole > 1 || (whole == 1 && frac))
		return -EINVAL;
	*ppm = (uint32_t)(whole * 1000000 + frac);
	return 0;
}

bool fs_fuzz_rate_ok(const char *rate)
{
	uint32_t ppm;

	return rate && !parse_rate(rate, &ppm);
}

int fs_fuzz_set_notify_rate(struct fs_fuzz *fz, const char *rate)
{
	uint32_t ppm;

	if (!rate || parse_rate(rate, &ppm))
		return -EINVAL;
	pthread_mutex_lock(&fz->lock);
	fz->notify_ppm = ppm;
	pthread_mutex_unlock(&fz->lock);
	return 0;
}

/* Seeds and rate of spec into fz; -EINVAL (not logged) when it is bad. */
static int parse_spec(struct fs_fuzz *fz, const char *spec)
{
	const char *colon, *p;
	size_t seedlen;

	if (!spec || !*spec)
		return -EINVAL;
	fz->ppm = FS_FUZZ_DEFAULT_PPM;
	fz->notify_ppm = fz->ppm;
	colon = strchr(spec, ':');
	seedlen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (colon && parse_rate(colon + 1, &fz->ppm))
		return -EINVAL;
	fz->notify_ppm = fz->ppm;
	fz->list = memchr(spec, ',', seedlen) != NULL;
	for (p = spec; p < spec + seedlen;) {
		size_t l = strcspn(p, ",:");
		uint64_t *s = realloc(fz->seeds, (fz->nseeds + 1) * sizeof(*s));

		if (!s)
			return -ENOMEM;
		fz->seeds = s;
		if (parse_u64(p, l, &fz->seeds[fz->nseeds]))
			return -EINVAL;
		fz->nseeds++;
		p += l;
		if (*p == ',' && p + 1 == spec + seedlen)
			return -EINVAL;
		if (*p == ',')
			p++;
	}
	return fz->nseeds ? 0 : -EINVAL;
}

static struct fs_fuzz *fuzz_alloc(void)
{
	struct fs_fuzz *fz = calloc(1, sizeof(*fz));

	if (fz)
		pthread_mutex_init(&fz->lock, NULL);
	return fz;
}

bool fs_fuzz_spec_ok(const char *spec)
{
	struct fs_fuzz *fz = fuzz_alloc();
	bool ok = fz && !parse_spec(fz, spec);

	fs_fuzz_free(fz);
	return ok;
}

int fs_fuzz_new(const char *spec, const char *log_path, struct fs_fuzz **out)
{
	struct fs_fuzz *fz = fuzz_alloc();
	int err;

	*out = NULL;
	if (!fz)
		return -ENOMEM;
	err = parse_spec(fz, spec);
	if (err) {
		fs_fuzz_free(fz);
		if (err == -EINVAL)
			log_err("--fuzz: cannot parse '%s' (want SEED[:RATE] or SEED,SEED,...[:RATE], RATE a fraction in 0..1)",
				spec ? spec : "");
		return err;
	}
	fz->log = stderr;
	if (log_path) {
		fz->log = fopen(log_path, "ae");
		if (!fz->log) {
			err = errno;
			log_err("--fuzz-log %s: %s", log_path, strerror(err));
			fs_fuzz_free(fz);
			return -err;
		}
		setvbuf(fz->log, NULL, _IOLBF, 0);
		fz->own_log = true;
	}
	*out = fz;
	return 0;
}

void fs_fuzz_free(struct fs_fuzz *fz)
{
	if (!fz)
		return;
	if (fz->log) {
		session_end(fz);
		fprintf(fz->log, "fuzz total: %" PRIu64 " sessions, %" PRIu64
			" replies, %" PRIu64 " mutated (%" PRIu64 " sticky); %"
			PRIu64 " notify, %" PRIu64 " mutated\n",
			fz->stats.sessions, fz->stats.replies,
			fz->stats.mutated, fz->stats.sticky,
			fz->stats.notes, fz->stats.notes_mutated);
		if (fz->own_log)
			fclose(fz->log);
		else
			fflush(fz->log);
	}
	pthread_mutex_destroy(&fz->lock);
	free(fz->seeds);
	free(fz);
}
