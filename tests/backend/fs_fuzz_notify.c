// SPDX-License-Identifier: GPL-2.0
/*
 * The notify mutator of the fuzzer (fs_fuzz.h): what a hostile host can
 * do to the FUSE notify messages it puts on the notification queue.  The
 * message arrives as a fs_fuzz_msg (opcode = error = its code, payload =
 * its body after the header); fs_fuzz.c draws whether it is damaged and
 * handles its fate (dropped, duplicated, reordered, joined by a forgery).
 *
 * Damage is structural, one field at a time, so each of the driver's
 * checks meets the case it exists for and the messages that pass every
 * check lie about live objects the guest really caches:
 *   len      header len short, below the header, long, huge
 *   unique   not 0
 *   code     unknown, a reply's errno, 0, a code the driver does not
 *            handle (POLL, STORE, RETRIEVE), valid but for another body
 *   node     ino / parent / child: 0, the root, another live node, the
 *            message's own (a child that is its parent), huge
 *   range    INVAL_INODE off/len: negative, huge, off + len overflowing
 *   namelen  0, beyond the message, shorter than the name, > 255 with a
 *            name that long
 *   name     '/', a NUL inside, ".", "..", no terminator, 255 bytes
 *   flags    INVAL_ENTRY: FUSE_EXPIRE_ONLY (valid), unknown bits;
 *            DELETE: its padding
 *   size     body cut or padded, header len following
 *   dup, drop, reorder, forge: the message's fate (fs_fuzz.c), e.g. a
 *            rename's DELETE without its INVAL_ENTRY, INVAL_ENTRY twice,
 *            INVAL_ENTRY before its DELETE, a DELETE of a live name
 */
#include <inttypes.h>
#include <limits.h>
#include <linux/fuse.h>
#include <stdlib.h>
#include <string.h>

#include "fs_fuzz_priv.h"

const char *const fz_note_kinds[] = {
	"len", "unique", "code", "node", "range", "namelen", "name", "flags",
	"size", "dup", "drop", "reorder", "forge", NULL,
};

enum { K_LEN, K_UNIQUE, K_CODE, K_NODE, K_RANGE, K_NAMELEN, K_NAME,
       K_FLAGS, K_SIZE, K_DUP, K_DROP, K_REORDER, K_FORGE, K_COUNT };

/* How often each kind is drawn, where it applies. */
static const unsigned int kind_weight[K_COUNT] = {
	[K_LEN] = 2, [K_UNIQUE] = 1, [K_CODE] = 3, [K_NODE] = 4,
	[K_RANGE] = 4, [K_NAMELEN] = 3, [K_NAME] = 4, [K_FLAGS] = 2,
	[K_SIZE] = 2, [K_DUP] = 2, [K_DROP] = 2, [K_REORDER] = 2,
	[K_FORGE] = 4,
};

#define HDR	sizeof(struct fuse_out_header)

/* Offsets of a body's fields, by the code the message was built with. */
struct layout {
	size_t fixed;		/* the struct before the name */
	size_t namelen;		/* offset of namelen, 0 = no name */
	size_t flags;		/* offset of flags / padding, 0 = none */
};

static bool layout_of(int32_t code, struct layout *l)
{
	switch (code) {
	case FUSE_NOTIFY_INVAL_INODE:
		*l = (struct layout){ sizeof(struct fuse_notify_inval_inode_out),
				      0, 0 };
		return true;
	case FUSE_NOTIFY_INVAL_ENTRY:
		*l = (struct layout){ sizeof(struct fuse_notify_inval_entry_out),
				      offsetof(struct fuse_notify_inval_entry_out, namelen),
				      offsetof(struct fuse_notify_inval_entry_out, flags) };
		return true;
	case FUSE_NOTIFY_DELETE:
		*l = (struct layout){ sizeof(struct fuse_notify_delete_out),
				      offsetof(struct fuse_notify_delete_out, namelen),
				      offsetof(struct fuse_notify_delete_out, padding) };
		return true;
	}
	return false;
}

static const char *code_name(int32_t code)
{
	switch (code) {
	case FUSE_NOTIFY_POLL:
		return "POLL";
	case FUSE_NOTIFY_INVAL_INODE:
		return "INVAL_INODE";
	case FUSE_NOTIFY_INVAL_ENTRY:
		return "INVAL_ENTRY";
	case FUSE_NOTIFY_STORE:
		return "STORE";
	case FUSE_NOTIFY_RETRIEVE:
		return "RETRIEVE";
	case FUSE_NOTIFY_DELETE:
		return "DELETE";
	}
	return "?";
}

bool fz_note_pack(const struct fs_fuzz_msg *m, struct fs_fuzz_note *note)
{
	struct fuse_out_header h = {
		.len = m->set_len ? m->len : (uint32_t)(HDR + m->plen),
		.error = m->error, .unique = m->unique,
	};

	if (m->plen > sizeof(note->data) - HDR)
		return false;
	memcpy(note->data, &h, HDR);
	if (m->plen)
		memcpy(note->data + HDR, m->payload, m->plen);
	note->len = (uint32_t)(HDR + m->plen);
	return true;
}

/* A live node the fuzzer saw (a reply's or a name's), else the root. */
static uint64_t live_node(struct fz_ctx *c)
{
	for (int tries = 0; tries < 8; tries++) {
		uint64_t id;

		if (fz_below(c, 2)) {
			id = c->nodeids[fz_below(c, FZ_NODEIDS)];
		} else {
			const struct fz_name *n = &c->names[fz_below(c, FZ_NAMES)];

			id = fz_below(c, 2) ? n->parent : n->child;
		}
		if (id)
			return id;
	}
	return FUSE_ROOT_ID;
}

static uint64_t odd_node(struct fz_ctx *c, const char **what)
{
	switch (fz_below(c, 6)) {
	case 0:
		*what = "0";
		return 0;
	case 1:
		*what = "root";
		return FUSE_ROOT_ID;
	case 2:
	case 3:
		*what = "another live node";
		return live_node(c);
	case 4:
		*what = "huge";
		return fz_below(c, 2) ? ~0ULL : 1ULL << 63;
	default:
		*what = "random";
		return fz_rand(c) | 1ULL << 40;
	}
}

static void mutate_len(struct fz_ctx *c)
{
	struct fs_fuzz_msg *m = c->m;
	uint32_t sent = (uint32_t)(HDR + m->plen);
	const char *what;

	switch (fz_below(c, 4)) {
	case 0:
		what = "short";
		m->len = sent - 1 - (uint32_t)fz_below(c, m->plen ? m->plen : 1);
		break;
	case 1:
		what = "below the header";
		m->len = (uint32_t)fz_below(c, HDR);
		break;
	case 2:
		what = "long";
		m->len = sent + 1 + (uint32_t)fz_below(c, 8);
		break;
	default:
		what = "huge";
		m->len = fz_below(c, 2) ? 0xffffffffu : sent + 4096;
		break;
	}
	m->set_len = true;
	fz_note(c, "len: %s %u -> %u", what, sent, m->len);
}

static void mutate_unique(struct fz_ctx *c)
{
	static const uint64_t odd[] = { 1, 2, 0x1234, 1ULL << 63, ~0ULL };

	c->m->unique = fz_below(c, 3) ? odd[fz_below(c, 5)] :
					fz_rand(c) | 1;
	fz_note(c, "unique: 0 -> %" PRIu64, c->m->unique);
}

static void mutate_code(struct fz_ctx *c)
{
	static const int32_t valid[] = {
		FUSE_NOTIFY_INVAL_INODE, FUSE_NOTIFY_INVAL_ENTRY,
		FUSE_NOTIFY_DELETE,
	};
	static const int32_t unhandled[] = {
		FUSE_NOTIFY_POLL, FUSE_NOTIFY_STORE, FUSE_NOTIFY_RETRIEVE,
	};
	struct fs_fuzz_msg *m = c->m;
	int32_t old = m->error, e;
	const char *what;

	switch (fz_below(c, 6)) {
	case 0:
		what = "unknown";
		e = fz_below(c, 2) ? 7 + (int32_t)fz_below(c, 100) :
				     (fz_below(c, 2) ? 99 : INT32_MAX);
		break;
	case 1:
		what = "a reply's error";
		e = fz_below(c, 2) ? -5 - (int32_t)fz_below(c, 30) : INT32_MIN;
		break;
	case 2:
		what = "zero";
		e = 0;
		break;
	case 3:
		what = "unhandled";
		e = unhandled[fz_below(c, 3)];
		break;
	default:
		what = "wrong for the body";
		do {
			e = valid[fz_below(c, 3)];
		} while (e == old);
		break;
	}
	m->error = e;
	m->opcode = (uint32_t)e;
	fz_note(c, "code: %s %d -> %d (%s)", what, old, e, code_name(e));
}

static void mutate_node(struct fz_ctx *c, int32_t code)
{
	const char *what;
	uint64_t v, old;
	size_t off = 0;
	const char *field = code == FUSE_NOTIFY_INVAL_INODE ? "ino" : "parent";

	if (code == FUSE_NOTIFY_DELETE) {
		switch (fz_below(c, 3)) {
		case 0:
			break;
		case 1:
			off = offsetof(struct fuse_notify_delete_out, child);
			field = "child";
			break;
		default:
			/* a child that is its own parent */
			off = offsetof(struct fuse_notify_delete_out, child);
			if (fz_get(c, 0, &v, sizeof(v))) {
				fz_get(c, off, &old, sizeof(old));
				fz_put(c, off, &v, sizeof(v));
				fz_note(c, "node: child %" PRIu64 " -> the parent %" PRIu64,
					old, v);
				return;
			}
			break;
		}
	}
	if (!fz_get(c, off, &old, sizeof(old)))
		return;
	v = odd_node(c, &what);
	fz_put(c, off, &v, sizeof(v));
	fz_note(c, "node: %s %" PRIu64 " -> %" PRIu64 " (%s)", field, old, v,
		what);
}

static void mutate_range(struct fz_ctx *c)
{
	static const struct {
		int64_t off, len;
		const char *what;
	} odd[] = {
		{ -2, -1, "negative off" },
		{ INT64_MIN, 0, "negative off" },
		{ -4096, 4096, "negative off" },
		{ INT64_MAX, 1, "huge off" },
		{ 0x7ffffffffffff000LL, -1, "huge off" },
		{ 1LL << 62, 4096, "huge off" },
		{ INT64_MAX - 10, 100, "off + len overflows" },
		{ 1LL << 62, INT64_MAX, "off + len overflows" },
		{ 4096, INT64_MAX, "off + len overflows" },
		{ 0, -2, "negative len" },
		{ 0, INT64_MIN, "negative len" },
		{ 0, 0, "empty" },
		{ 4095, 2, "two pages" },
	};
	struct fuse_notify_inval_inode_out o;
	unsigned int i;

	if (!fz_get(c, 0, &o, sizeof(o)))
		return;
	i = (unsigned int)fz_below(c, sizeof(odd) / sizeof(odd[0]));
	fz_note(c, "range: %s (%" PRId64 ", %" PRId64 ") -> (%" PRId64
		", %" PRId64 ")", odd[i].what, (int64_t)o.off, (int64_t)o.len,
		odd[i].off, odd[i].len);
	o.off = odd[i].off;
	o.len = odd[i].len;
	fz_put(c, 0, &o, sizeof(o));
}

/* Replaces the name (after the fixed part) by name[0..len) and a NUL. */
static bool set_name(struct fz_ctx *c, const struct layout *l,
		     const char *name, size_t len, bool fix_namelen)
{
	size_t plen = l->fixed + len + 1;
	unsigned char *p;
	uint32_t nl = (uint32_t)len;

	if (plen > c->m->cap)
		return false;
	p = calloc(1, plen);
	if (!p)
		return false;
	memcpy(p, c->m->payload, l->fixed);
	memcpy(p + l->fixed, name, len);
	if (fix_namelen)
		memcpy(p + l->namelen, &nl, sizeof(nl));
	free(c->m->payload);
	c->m->payload = p;
	c->m->plen = plen;
	return true;
}

/* A name of len letters (len < sizeof(buf)). */
static void long_name(struct fz_ctx *c, char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + fz_below(c, 26));
	buf[len] = '\0';
}

static void mutate_namelen(struct fz_ctx *c, const struct layout *l)
{
	char buf[FS_FUZZ_NOTE_MAX];
	uint32_t old, v;
	size_t room = c->m->cap - l->fixed - 1, n;

	if (!fz_get(c, l->namelen, &old, sizeof(old)))
		return;
	switch (fz_below(c, 4)) {
	case 0:
		v = 0;
		fz_put(c, l->namelen, &v, sizeof(v));
		fz_note(c, "namelen: 0 (was %u)", old);
		return;
	case 1:
		v = fz_below(c, 3) ? old + 1 + (uint32_t)fz_below(c, 100) :
				     (fz_below(c, 2) ? 0xffffffffu : 0x80000000u);
		fz_put(c, l->namelen, &v, sizeof(v));
		fz_note(c, "namelen: beyond the message %u -> %u", old, v);
		return;
	case 2:
		if (old > 1) {
			v = old - 1 - (uint32_t)fz_below(c, old - 1);
			fz_put(c, l->namelen, &v, sizeof(v));
			fz_note(c, "namelen: shorter than the name %u -> %u",
				old, v);
			return;
		}
		/* a one-letter name cannot be shortened: a long one */
		__attribute__((fallthrough));
	default:
		/* a name that long, and namelen saying so */
		n = 256 + fz_below(c, room - 256 + 1);
		long_name(c, buf, n);
		if (set_name(c, l, buf, n, true))
			fz_note(c, "namelen: over 255 with a name that long %u -> %zu",
				old, n);
		return;
	}
}

static void mutate_name(struct fz_ctx *c, const struct layout *l)
{
	char buf[300], *name = (char *)c->m->payload + l->fixed;
	size_t len = c->m->plen - l->fixed - 1;	/* the builder's NUL */

	if (c->m->plen <= l->fixed || !len || len >= sizeof(buf))
		return;
	memcpy(buf, name, len + 1);
	switch (fz_below(c, 7)) {
	case 0:
		if (len > 1)
			buf[fz_below(c, len)] = '/';
		else
			memcpy(buf, "/", 2);
		fz_note(c, "name: a '/' in it: %.*s", (int)len, buf);
		break;
	case 1:
		if (len < 2) {
			memcpy(buf, "a\0", 2);
			len = 2;
			set_name(c, l, buf, len, true);
		} else {
			name[fz_below(c, len - 1)] = '\0';
		}
		fz_note(c, "name: a NUL inside (%zu bytes)", len);
		return;
	case 2:
		set_name(c, l, ".", 1, true);
		fz_note(c, "name: \".\"");
		return;
	case 3:
		set_name(c, l, "..", 2, true);
		fz_note(c, "name: \"..\"");
		return;
	case 4:
		name[len] = 'X';
		fz_note(c, "name: no terminating NUL");
		return;
	case 5:
		long_name(c, buf, 255);
		set_name(c, l, buf, 255, true);
		fz_note(c, "name: 255 bytes (valid, unknown to the host)");
		return;
	default:
		set_name(c, l, "", 0, false);
		fz_note(c, "name: empty, namelen still %zu", len);
		return;
	}
	memcpy(name, buf, len);
}

static void mutate_flags(struct fz_ctx *c, int32_t code, const struct layout *l)
{
	static const uint32_t odd[] = {
		2, 3, 0x80000000u, 0xffffffffu, 0x100,
	};
	uint32_t old, v;

	if (!fz_get(c, l->flags, &old, sizeof(old)))
		return;
	if (code == FUSE_NOTIFY_INVAL_ENTRY && fz_below(c, 2)) {
		v = FUSE_EXPIRE_ONLY;
		fz_note(c, "flags: EXPIRE_ONLY (valid)");
	} else {
		v = fz_below(c, 4) ? odd[fz_below(c, 5)] : (uint32_t)fz_rand(c);
		fz_note(c, "flags: %s 0x%x -> 0x%x",
			code == FUSE_NOTIFY_DELETE ? "padding" : "unknown bits",
			old, v);
	}
	fz_put(c, l->flags, &v, sizeof(v));
}

static void mutate_size(struct fz_ctx *c)
{
	struct fs_fuzz_msg *m = c->m;
	size_t old = m->plen, n;
	unsigned char *p;

	if (m->plen && fz_below(c, 2)) {
		m->plen = fz_below(c, m->plen);
		fz_note(c, "size: body cut %zu -> %zu bytes", old, m->plen);
		return;
	}
	n = 1 + fz_below(c, fz_below(c, 2) ? 8 : 64);
	if (old + n > m->cap)
		n = m->cap - old;
	p = realloc(m->payload, old + n ? old + n : 1);
	if (!p)
		return;
	for (size_t i = 0; i < n; i++)
		p[old + i] = (unsigned char)fz_rand(c);
	m->payload = p;
	m->plen = old + n;
	fz_note(c, "size: body padded %zu -> %zu bytes", old, m->plen);
}

/* Builds a notify message for a name: header and body, NUL after it. */
static void forge_build(struct fs_fuzz_note *note, int32_t code,
			const void *body, size_t blen, const char *name)
{
	size_t nl = name ? strlen(name) + 1 : 0;
	struct fuse_out_header h = {
		.len = (uint32_t)(HDR + blen + nl), .error = code,
	};

	memcpy(note->data, &h, HDR);
	memcpy(note->data + HDR, body, blen);
	if (nl)
		memcpy(note->data + HDR + blen, name, nl);
	note->len = h.len;
}

/* A valid-looking message about a name the guest looked up. */
static void forge(struct fz_ctx *c, struct fs_fuzz_note *note)
{
	const struct fz_name *n = NULL;
	unsigned int i, start = (unsigned int)fz_below(c, FZ_NAMES);

	for (i = 0; i < FZ_NAMES && !n; i++)
		if (c->names[(start + i) % FZ_NAMES].parent)
			n = &c->names[(start + i) % FZ_NAMES];
	if (!n) {
		struct fuse_notify_inval_inode_out o = {
			.ino = live_node(c), .off = 0, .len = -1,
		};

		forge_build(note, FUSE_NOTIFY_INVAL_INODE, &o, sizeof(o), NULL);
		fz_note(c, "forge: INVAL_INODE %" PRIu64 " 0 -1 (no name known)",
			(uint64_t)o.ino);
		return;
	}
	switch (fz_below(c, 6)) {
	case 0:
	case 1: {
		/* a live name deleted, with its child or another node */
		struct fuse_notify_delete_out o = {
			.parent = n->parent, .child = n->child,
			.namelen = (uint32_t)strlen(n->name),
		};
		bool other = fz_below(c, 2);

		if (other)
			o.child = live_node(c);
		forge_build(note, FUSE_NOTIFY_DELETE, &o, sizeof(o), n->name);
		fz_note(c, "forge: DELETE %" PRIu64 " %" PRIu64 " %s (%s)",
			(uint64_t)o.parent, (uint64_t)o.child, n->name,
			other ? "another child" : "its child, alive");
		return;
	}
	case 2: {
		/* the child named as the parent: a directory under itself */
		struct fuse_notify_delete_out o = {
			.parent = n->child, .child = n->parent,
			.namelen = (uint32_t)strlen(n->name),
		};

		forge_build(note, FUSE_NOTIFY_DELETE, &o, sizeof(o), n->name);
		fz_note(c, "forge: DELETE %" PRIu64 " %" PRIu64 " %s (parent and child swapped)",
			(uint64_t)o.parent, (uint64_t)o.child, n->name);
		return;
	}
	case 3: {
		struct fuse_notify_inval_entry_out o = {
			.parent = n->parent,
			.namelen = (uint32_t)strlen(n->name),
			.flags = fz_below(c, 2) ? FUSE_EXPIRE_ONLY : 0,
		};

		forge_build(note, FUSE_NOTIFY_INVAL_ENTRY, &o, sizeof(o),
			    n->name);
		fz_note(c, "forge: INVAL_ENTRY %" PRIu64 " %s flags %u",
			(uint64_t)o.parent, n->name, o.flags);
		return;
	}
	default: {
		struct fuse_notify_inval_inode_out o = {
			.ino = fz_below(c, 2) ? n->child : n->parent,
			.off = fz_below(c, 2) ? 0 : -1,
			.len = fz_below(c, 2) ? -1 : 0,
		};

		forge_build(note, FUSE_NOTIFY_INVAL_INODE, &o, sizeof(o), NULL);
		fz_note(c, "forge: INVAL_INODE %" PRIu64 " %" PRId64 " %" PRId64,
			(uint64_t)o.ino, (int64_t)o.off, (int64_t)o.len);
		return;
	}
	}
}

enum fz_note_fate fz_mutate_note(struct fz_ctx *c, struct fs_fuzz_note *forged)
{
	int32_t code = c->m->error;
	struct layout l;
	bool applies[K_COUNT];
	unsigned int total = 0, pick, k;

	if (!layout_of(code, &l)) {
		/* not a message we build: only its header */
		memset(&l, 0, sizeof(l));
	}
	for (k = 0; k < K_COUNT; k++) {
		switch (k) {
		case K_NODE:
			applies[k] = l.fixed && c->m->plen >= l.fixed;
			break;
		case K_RANGE:
			applies[k] = code == FUSE_NOTIFY_INVAL_INODE &&
				     c->m->plen >= l.fixed;
			break;
		case K_NAMELEN:
		case K_NAME:
		case K_FLAGS:
			applies[k] = l.namelen && c->m->plen > l.fixed;
			break;
		default:
			applies[k] = true;
			break;
		}
		if (applies[k])
			total += kind_weight[k];
	}
	pick = (unsigned int)fz_below(c, total);
	for (k = 0; k < K_COUNT; k++) {
		if (!applies[k])
			continue;
		if (pick < kind_weight[k])
			break;
		pick -= kind_weight[k];
	}
	switch (k) {
	case K_LEN:
		mutate_len(c);
		break;
	case K_UNIQUE:
		mutate_unique(c);
		break;
	case K_CODE:
		mutate_code(c);
		break;
	case K_NODE:
		mutate_node(c, code);
		break;
	case K_RANGE:
		mutate_range(c);
		break;
	case K_NAMELEN:
		mutate_namelen(c, &l);
		break;
	case K_NAME:
		mutate_name(c, &l);
		break;
	case K_FLAGS:
		mutate_flags(c, code, &l);
		break;
	case K_SIZE:
		mutate_size(c);
		break;
	case K_DUP:
		fz_note(c, "dup: sent twice");
		return FZN_DUP;
	case K_DROP:
		fz_note(c, "drop: not sent");
		return FZN_DROP;
	case K_REORDER:
		return FZN_SWAP;	/* fs_fuzz.c says with what */
	case K_FORGE:
		forge(c, forged);
		return FZN_FORGE;
	}
	return FZN_SEND;
}
