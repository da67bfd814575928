/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the reply fuzzer shared by fs_fuzz.c (sessions, PRNG, log,
 * mutations any message can get) and fs_fuzz_ops.c (per-opcode payload
 * mutations).
 */
#ifndef FS_FUZZ_PRIV_H
#define FS_FUZZ_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs_fuzz.h"

/* nodeids the fuzzer saw lately, to hand out "another live inode's" */
#define FZ_NODEIDS	32
/* uniques of recent requests, to answer with another one's */
#define FZ_UNIQUES	8
/* directories whose first cookie the cycle lie remembers */
#define FZ_DIRS		16
/* names the guest looked up or created lately, for forged notifications */
#define FZ_NAMES	16

struct fz_name {
	uint64_t parent, child;	/* 0 = empty slot */
	char name[256];		/* NUL-terminated, 1..255 bytes */
};

/* One mutation being made: the message, its PRNG, what was done. */
struct fz_ctx {
	struct fs_fuzz_msg *m;
	uint64_t rng;
	const uint64_t *nodeids;	/* FZ_NODEIDS, 0 = empty slot */
	const struct fz_name *names;	/* FZ_NAMES */
	char what[512];
	size_t wlen;
};

uint64_t fz_rand(struct fz_ctx *c);
/* uniform in [0, n), n > 0 */
uint64_t fz_below(struct fz_ctx *c, uint64_t n);
/* appends to c->what ("; " between notes) */
void fz_note(struct fz_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A value a careless guest might not expect for a field of that width. */
uint64_t fz_odd_u64(struct fz_ctx *c);
uint32_t fz_odd_u32(struct fz_ctx *c);
/* a nanosecond count of 1e9 or more */
uint32_t fz_bad_nsec(struct fz_ctx *c);
/* 0, root's, another live one, the request's own, huge or random */
uint64_t fz_odd_nodeid(struct fz_ctx *c);

/* Payload access that never leaves the payload: false when off+n > plen. */
bool fz_get(struct fz_ctx *c, size_t off, void *v, size_t n);
void fz_put(struct fz_ctx *c, size_t off, const void *v, size_t n);
/* Replaces the payload by len bytes (copied); false on ENOMEM. */
bool fz_set_payload(struct fz_ctx *c, const void *buf, size_t len);

/*
 * Damages the payload the way only m->opcode's reply can be damaged.
 * False when this opcode has no such mutation (or this reply no payload
 * to damage): the caller then makes a generic one.
 */
bool fz_mutate_payload(struct fz_ctx *c);

/*
 * READDIR(PLUS) of a directory that lies consistently (lie): see
 * fs_fuzz_ops.c.  *first is the directory's remembered first cookie.
 */
bool fz_dir_cycle(struct fz_ctx *c, uint64_t *first, bool lie);

/* ---- notify messages (fs_fuzz_notify.c) ---- */

/* What happens to a notify message beside (or instead of) its damage. */
enum fz_note_fate {
	FZN_SEND,	/* sent (damaged or not) */
	FZN_DROP,	/* not sent */
	FZN_DUP,	/* sent twice */
	FZN_SWAP,	/* sent after the next message of its group */
	FZN_HOLD,	/* sent after the next group */
	FZN_FORGE,	/* sent, followed by c->forged */
};

/*
 * The kinds of notify damage, as the log's "KIND: " prefix names them
 * (the unit test checks each one is reached).
 */
extern const char *const fz_note_kinds[];

/*
 * Damages the notify message c->m (opcode = error = its code, payload =
 * its body) or picks its fate; a forged message goes to *forged.
 */
enum fz_note_fate fz_mutate_note(struct fz_ctx *c, struct fs_fuzz_note *forged);

/* Serializes a notify message (header from m) into note; false if too big. */
bool fz_note_pack(const struct fs_fuzz_msg *m, struct fs_fuzz_note *note);

#endif
