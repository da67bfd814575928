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
 * Host-change notifications (--notify) go through fs_fuzz_notify(): the
 * k-th notify message of a session is damaged with probability NRATE
 * (--fuzz-notify-rate, default RATE), how depending only on (seed, k),
 * by a mutator of its own (fs_fuzz_notify.c), logged as
 *   fuzz seed=S session=N notify=K code=NAME nodeid=I: KIND: WHAT
 * and counted in the session's end line.
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
	FS_FUZZ_NOTIFY,		/* a host-initiated notification */
};

/* One message on its way to the guest, as the mutator may change it. */
struct fs_fuzz_msg {
	enum fs_fuzz_kind kind;
	uint32_t opcode;	/* request opcode, or the notify code */
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
	uint64_t notes;		/* notify messages that went through it */
	uint64_t notes_mutated;	/* of which damaged, dropped, moved, added */
};

/*
 * One notify message as the notification queue carries it, header
 * included.  FS_FUZZ_NOTE_MAX is what one guest buffer holds
 * (notify_buf_size, notify_queue.h); a group the fuzzer hands back has at
 * most FS_FUZZ_GROUP_MAX messages.
 */
#define FS_FUZZ_NOTE_MAX	512
#define FS_FUZZ_GROUP_MAX	8
struct fs_fuzz_note {
	uint32_t len;
	unsigned char data[FS_FUZZ_NOTE_MAX];
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

/*
 * Called for every group of notify messages (in[0..n), n <= 2: a rename's
 * pair is one group) about to be queued for the guest.  Writes the group
 * the guest gets to out[] (FS_FUZZ_GROUP_MAX entries) and returns its
 * size: each message may be damaged, dropped, sent twice, swapped with
 * its neighbour, held back until after the next group, or joined by a
 * forged message about a name the guest looked up.  Outside a fuzzed
 * session the group is copied as it is.
 */
int fs_fuzz_notify(struct fs_fuzz *fz, const struct fs_fuzz_note *in, int n,
		   struct fs_fuzz_note *out);
/* --fuzz-notify-rate: RATE for notify messages (as in spec); -EINVAL */
int fs_fuzz_set_notify_rate(struct fs_fuzz *fz, const char *rate);
bool fs_fuzz_rate_ok(const char *rate);

void fs_fuzz_get_stats(struct fs_fuzz *fz, struct fs_fuzz_stats *st);

/* The seed session n uses, false when it is not fuzzed.  For tests. */
bool fs_fuzz_session_seed(const struct fs_fuzz *fz, uint64_t n,
			  uint64_t *seed);

#endif
