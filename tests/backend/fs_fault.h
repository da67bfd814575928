/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for the FUSE server (--fault SPEC), so tests can see how
 * the guest driver copes with a slow, failing, silent or lying host.
 *
 * SPEC is a comma-separated list of rules:
 *   OPCODE:delay:MS        sleep MS milliseconds (0..60000) before handling;
 *                          the queue's worker sleeps, so the requests
 *                          behind it on that queue wait too
 *   OPCODE:delay-async:MS  handle the request at once, into a buffer of
 *                          our own, and write the reply into the guest's
 *                          buffers only MS milliseconds (0..60000) later,
 *                          from a timer thread (the reply is deferred
 *                          like a waiting SETLKW's, FS_REPLY_DEFERRED):
 *                          the queue goes on meanwhile, so later requests
 *                          overtake it.  The reply carries what the host
 *                          had at arrival (a READ: the old data), as from
 *                          a host whose answer was slow to come back.
 *                          FUSE_INTERRUPT does not hurry it.  A device
 *                          reset or a change of the ring or the guest's
 *                          memory answers it -EINTR at once.  Not for
 *                          setlkw ("all" leaves SETLKW alone); without a
 *                          transport that takes deferred replies (the
 *                          unit tests' fs_server_handle()) it is a delay
 *   OPCODE:error:ERRNO     answer -ERRNO without doing the operation
 *                          (ERRNO by number 1..4095 or name, e.g. EIO)
 *   OPCODE:drop            never answer (the chain is not completed)
 *   OPCODE:corrupt[:KIND]  handle it, then damage the reply.  KIND:
 *                            len    (default) out header len too large
 *                            short  reply truncated to half its length
 *                            nodeid entry replies carry a bogus nodeid
 *                            unique out header unique does not match
 *                            error  error field set to a positive value
 *                            shrink GETATTR/SETATTR: attr size halved
 *                            offcycle READDIR(PLUS): only the first entry,
 *                                   its offset 1, 2, 3, 1, ... by the
 *                                   request's (a cycle)
 *                            submount INIT: FUSE_SUBMOUNTS not granted;
 *                                   LOOKUP/READDIRPLUS directories carry
 *                                   FUSE_ATTR_SUBMOUNT all the same
 *   notify:drop            --notify: host-change messages are not sent
 *   notify:corrupt[:KIND]  --notify: each message is damaged.  KIND:
 *                            len    out header len 4096 too large
 *                            short  half the message is sent, the header
 *                                   still claims all of it
 *                            unique unique not 0
 *                            error  error (the notify code) negative: -EIO
 *                            code   an unknown notify code (99)
 *                            nodeid the node (or parent) 0xdeadbeef00
 *                            namelen the name length beyond the message
 *                            nul    the name's terminating NUL is 'X'
 *   exit-after:N           the daemon exits once N requests were handled
 * Every rule but exit-after may end in ":first=N" (N 1..2147483647): it
 * then applies to the first N requests (or notify messages) it matches
 * and leaves the later ones alone, e.g. "read:delay-async:3000:first=1"
 * holds back the reply of the first READ only.  The count is the rule's
 * own; matching means the opcode fits, whatever the other rules do.
 * OPCODE is a lower-case FUSE opcode name without FUSE_ (lookup, getattr,
 * read, write, readdirplus, ...) or "all".  Several rules may match one
 * request: delays add up (a blocking delay is served first), and
 * error/drop win over corrupt; an error or corrupted reply can be
 * deferred too, a dropped one is never sent.  "all" never matches notify
 * messages (they are not requests).
 */
#ifndef FS_FAULT_H
#define FS_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fs_fault_corrupt {
	FS_CORRUPT_NONE,
	FS_CORRUPT_LEN,
	FS_CORRUPT_SHORT,
	FS_CORRUPT_NODEID,
	FS_CORRUPT_UNIQUE,
	FS_CORRUPT_ERROR,
	FS_CORRUPT_SHRINK,
	FS_CORRUPT_OFFCYCLE,
	FS_CORRUPT_SUBMOUNT,
	FS_CORRUPT_CODE,	/* notify only */
	FS_CORRUPT_NAMELEN,	/* notify only */
	FS_CORRUPT_NUL,		/* notify only */
};

/* the pseudo opcode of notify messages in fs_fault_match() */
#define FS_FAULT_NOTIFY	0x10000u

struct fs_fault;

struct fs_fault_hit {
	unsigned int delay_ms;
	unsigned int async_delay_ms;	/* delay-async: reply this much later */
	int error;		/* positive errno, 0 = none */
	bool drop;
	enum fs_fault_corrupt corrupt;
};

/*
 * Parses spec.  Returns 0 and *out (NULL for an empty spec) or -EINVAL
 * after logging what is wrong and where.
 */
int fs_fault_parse(const char *spec, struct fs_fault **out);
void fs_fault_free(struct fs_fault *f);
/*
 * What the rules say about one request; f may be NULL.  Counts the match
 * for rules with first=N (safe from several threads).
 */
void fs_fault_match(struct fs_fault *f, uint32_t opcode,
		    struct fs_fault_hit *hit);
/* 0 when there is no exit-after rule. */
uint64_t fs_fault_exit_after(const struct fs_fault *f);

/*
 * fs_fault_reply.c: applies the payload corruptions (shrink, offcycle,
 * submount) to a finished reply of len bytes, flat in reply; arg/arglen
 * are the request's in-args.  Returns the reply's new length.
 */
long fs_fault_mangle(void *reply, long len, uint32_t opcode,
		     enum fs_fault_corrupt how, const void *arg,
		     size_t arglen);

/* FUSE opcode names ("lookup"), NULL for an unknown opcode. */
const char *fs_opcode_name(uint32_t opcode);
/* Opcode for a name, 0 when unknown. */
uint32_t fs_opcode_parse(const char *name, size_t len);

#endif
