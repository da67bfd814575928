/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests: the one way the filesystem talks to the host.
 *
 * A caller describes a FUSE request declaratively in a struct vng_args
 * (opcode, nodeid, up to three in-args, up to two out-args, optional page
 * payload) and sends it with vng_request() (wait for the reply) or
 * vng_request_async() (completion callback).  The request layer assigns the
 * unique id, fills the credentials, builds the scatter-gather lists, queues
 * the request on a virtqueue, validates the reply header and the out-arg
 * sizes, and copies the out-args back.  Per-operation code never touches a
 * virtqueue.
 *
 * Lifetime rules, so that a caller killed while waiting can never leave the
 * device writing into freed memory:
 *  - in_args are copied into request-owned memory when the request is
 *    queued: they may live on the caller's stack;
 *  - non-page out_args are received into request-owned memory and copied to
 *    out_args[i].value only when the reply is good, before vng_request()
 *    returns or before ->end() runs;
 *  - pages (in_pages / out_pages) are referenced by the request while the
 *    device may touch them, so a caller that gives up may drop its own
 *    references.
 */
#ifndef VNG_REQUEST_H
#define VNG_REQUEST_H

#include <linux/types.h>

struct page;
struct vng_conn;

struct vng_arg {
	unsigned int size;
	void *value;
};

struct vng_page_desc {
	unsigned int offset;
	unsigned int length;
};

struct vng_args {
	u64 nodeid;
	u32 opcode;
	u8 in_numargs;
	u8 out_numargs;
	/* must reach the host: no interruption, allocation cannot fail */
	bool force:1;
	/* the host sends no reply (only FUSE_FORGET-like opcodes) */
	bool noreply:1;
	/* uid, gid and pid 0 in the header instead of the caller's */
	bool nocreds:1;
	/* pages[] carry payload after the last in-arg (WRITE) */
	bool in_pages:1;
	/* reply payload after the last out-arg goes into pages[] (READ) */
	bool out_pages:1;
	/* the last out-arg (or the page payload) may be shorter */
	bool out_argvar:1;
	/* zero the part of pages[] the reply did not fill */
	bool page_zeroing:1;
	/*
	 * A killed waiter still waits for the reply once the host has the
	 * request: the pages it fills stay the caller's to use afterwards
	 * (a locked page-cache page a late reply would overwrite).
	 */
	bool no_abandon:1;
	/*
	 * ->end() may sleep on a lock an I/O path holds (a user page's lock):
	 * it runs from a work item of its own, never on the completion path
	 * that also finishes the request that lock holder waits for.
	 */
	bool may_block:1;
	struct vng_arg in_args[3];
	struct vng_arg out_args[2];

	struct page **pages;
	struct vng_page_desc *descs;
	unsigned int num_pages;

	/*
	 * Taken (kref_get) when a killed waiter leaves the request to finish
	 * on its own, and put with hold_release when it did: the open file
	 * whose handle the request carries, so that the file's RELEASE
	 * cannot reach the host before the request.
	 */
	struct kref *hold;
	void (*hold_release)(struct kref *kref);

	/*
	 * Set by the request layer on success, before vng_request() returns
	 * and before ->end() runs: with out_argvar the size of the last
	 * out-arg (or the page payload bytes with out_pages), otherwise 0.
	 * Async callers (READ from readahead) read it in ->end().
	 */
	unsigned int out_size;

	/*
	 * Async completion: called exactly once, in process or softirq-free
	 * workqueue context, with 0 or a negative errno.  The struct vng_args
	 * (usually embedded in the caller's own object) must stay valid until
	 * then.
	 */
	void (*end)(struct vng_conn *conn, struct vng_args *args, int error);
};

/*
 * The most common shape: one in-arg and a reply of fixed size.  Fields the
 * caller sets besides these (force, nocreds, out_argvar) are left alone.
 */
static inline void vng_args_in_out(struct vng_args *args, u32 opcode,
				   u64 nodeid, const void *in,
				   unsigned int in_size, void *out,
				   unsigned int out_size)
{
	args->opcode = opcode;
	args->nodeid = nodeid;
	args->in_numargs = 1;
	args->in_args[0].size = in_size;
	args->in_args[0].value = (void *)in;
	args->out_numargs = 1;
	args->out_args[0].size = out_size;
	args->out_args[0].value = out;
}

/*
 * Sends a request and waits for its reply.
 *
 * Returns a negative errno (the host's error, -EIO for a malformed reply,
 * -ENOTCONN once the device is gone or the session was aborted, -EINTR
 * when a fatal signal ended the wait), or >= 0: with out_argvar, the size
 * of the last out-arg (or the page payload bytes with out_pages);
 * otherwise 0.
 *
 * A fatal signal ends the wait at once for a request the host does not
 * have yet.  Once the host has it, the waiter leaves with -EINTR only when
 * nothing of the reply is needed: a lookup reference or open handle it
 * carries is given back by the request layer, and the request is
 * interrupted (FUSE_INTERRUPT) and finishes on its own.  With no_abandon,
 * or for opcodes whose reply must be taken over (vng_opcode_must_finish),
 * the waiter sees the request to its end like fs/fuse does; a host that
 * never answers is then given up on only by an abort (umount -f, the
 * sysfs abort file, device removal).  A forced request of an exiting
 * task, which can no longer be killed out of a wait, is waited for only
 * a while (not at all when the task was killed); then it goes on alone
 * and 0 is returned.
 */
ssize_t vng_request(struct vng_conn *conn, struct vng_args *args);

/*
 * Like vng_request() but gives up after timeout jiffies with -ETIMEDOUT
 * (the request then finishes on its own; a lookup reference its late
 * reply carries is given back), for FUSE_DESTROY and for the LOOKUPs of
 * host changes (hostchange.c), which must never wait on the host for long.
 */
ssize_t vng_request_timeout(struct vng_conn *conn, struct vng_args *args,
			    unsigned long timeout);

/*
 * Queues a request; args->end is called exactly once with the result, also
 * when queueing fails (then before this returns, or from a work item with
 * may_block).  gfp is for the request's
 * own allocation (GFP_KERNEL or GFP_NOFS from writeback).
 */
void vng_request_async(struct vng_conn *conn, struct vng_args *args, gfp_t gfp);

/*
 * Drops nlookup references the host holds on nodeid.  Never fails and never
 * sleeps for long: forgets are batched into FUSE_BATCH_FORGET on the
 * hiprio queue.  A no-op once the connection is gone.
 */
void vng_forget(struct vng_conn *conn, u64 nodeid, u64 nlookup);

#endif
