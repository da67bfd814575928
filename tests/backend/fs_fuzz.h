/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reply fuzzer (--fuzz SEEDS[:RATE]): the server performs each request
 * normally, then with probability RATE damages the reply structurally, per
 * opcode, so tests can show the guest driver survives a hostile host.
 *
 * SEEDS is one number S (the n-th FUSE session, counted by FUSE_INIT from
 * 0, uses seed S + n) or a comma-separated list S0,S1,... (session n uses
 * the n-th; sessions past the list are not fuzzed).  RATE is a fraction
 * in [0, 1] (default 0.05).  Whether the n-th reply of an opcode in a
 * session (only requests that get a reply count) is damaged, and how,
 * depends only on (seed, opcode, n): the same seed and the same requests
 * give the same replies, whatever other opcodes come between, so a
 * failure replays with --fuzz SEED (as session 0).  A higher RATE damages
 * a superset of the replies a lower one does, the same way.
 *
 * Every mutation is logged as one line
 *   fuzz seed=S session=N req=K op=NAME#n unique=U nodeid=I: WHAT
 * (K counts the session's replies of every opcode; WHAT starts with
 * "sticky: " for a sticky lie, see fs_fuzz.c)
 * and every session's end as
 *   fuzz session=N seed=S end: R replies, M mutated (T sticky)
 * to the --fuzz-log file (default stderr), whatever --log-level says.
 *
 * Messages are fs_fuzz_msg: today only replies; a later notification
 * queue adds its kind and a mutator table of its own.
 */
#ifndef FS_FUZZ_H
#define FS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_FUZZ_DEFAULT_PPM	50000u	/* RATE 0.05 */

struct fs_fuzz;

enum fs_fuzz_kind {
	FS_FUZZ_REPLY,		/* the answer to a request */
	/* FS_FUZZ_NOTIFY: a host-initiated notification (not yet sent) */
};

/* One message on its way to the guest, as the mutator may change it. */
struct fs_fuzz_msg {
	enum fs_fuzz_kind kind;
	uint32_t opcode;	/* request opcode (a notify code later) */
	uint64_t unique;	/* header unique the guest will see */
	uint64_t nodeid;	/* the request's nodeid (for the log) */
	const unsigned char *in;	/* request in-args, after the header */
	size_t inlen;
	int error;		/* header error: 0 or -errno, may be set bogus */
	unsigned char *payload;	/* malloc()ed (or NULL); may be replaced */
	size_t plen;
	size_t cap;		/* what the guest's buffers hold after the header */
	bool set_len;		/* header len is len, not the bytes sent */
	uint32_t len;
};

struct fs_fuzz_stats {
	uint64_t sessions;	/* FUSE_INITs seen */
	uint64_t replies;	/* replies that went through the fuzzer */
	uint64_t mutated;	/* of which damaged */
	uint64_t sticky;	/* of those, by a sticky lie (a cookie cycle) */
};

/*
 * Parses spec ("SEEDS[:RATE]") and opens log_path (NULL = stderr) for
 * appending.  0 and *out, or -EINVAL / -errno after logging why.
 */
int fs_fuzz_new(const char *spec, const char *log_path, struct fs_fuzz **out);
/* Whether spec parses, logging nothing (for option checks). */
bool fs_fuzz_spec_ok(const char *spec);
/* Ends the running session (its line is logged) and frees fz (may be NULL). */
void fs_fuzz_free(struct fs_fuzz *fz);

/*
 * Called for every reply about to be sent.  A FUSE_INIT reply starts a
 * new session first (ending the previous one), FUSE_DESTROY's ends it
 * after.  Returns true when m was changed (and logged).
 */
bool fs_fuzz_message(struct fs_fuzz *fz, struct fs_fuzz_msg *m);

void fs_fuzz_get_stats(struct fs_fuzz *fz, struct fs_fuzz_stats *st);

/* The seed session n uses, false when it is not fuzzed.  For tests. */
bool fs_fuzz_session_seed(const struct fs_fuzz *fz, uint64_t n,
			  uint64_t *seed);

#endif
