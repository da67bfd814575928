// SPDX-License-Identifier: GPL-2.0
/*
 * Requests: turns a struct vng_args into a FUSE message on a virtqueue,
 * validates the reply and hands the result back (request.h).  Also the
 * FORGET batching and FUSE_INTERRUPT for waiters killed by a signal.
 *
 * A request has two references: the owner's (the synchronous waiter, or
 * for an asynchronous request the pending ->end() call) and the
 * transport's while the device may touch its buffers.  Whichever of reply,
 * abort, cancel or device removal comes first "finishes" it, once, under
 * dev->req_lock; only a finish that still finds the caller's args copies
 * the reply into them.  The buffers stay until the device gave them back,
 * so a caller that left early never has the device write into freed
 * memory.
 */
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>

#include "conn.h"
#include "request.h"
#include "sysfs.h"
#include "transport.h"

/* Inline scatterlist entries: header + args, reply header + args. */
#define VNG_REQ_INLINE_SG	4
/* FORGETs per FUSE_BATCH_FORGET: the message then fits in one page. */
#define VNG_FORGET_BATCH_MAX	\
	((PAGE_SIZE - sizeof(struct fuse_in_header) - \
	  sizeof(struct fuse_batch_forget_in)) / sizeof(struct fuse_forget_one))
/* How long forgets wait to be batched with others. */
#define VNG_FORGET_DELAY	1
/* An interrupt the host asked to repeat (EAGAIN) is sent again after: */
#define VNG_INTR_RETRY_DELAY	(HZ / 10)
/* ... and the first one, after the waiter was killed: */
#define VNG_INTR_FIRST_DELAY	(2 * HZ)

enum {
	VNG_REQ_FINISHED,	/* the result was delivered (or abandoned) */
	VNG_REQ_ASYNC,		/* ->end() instead of a waiter */
	VNG_REQ_INTR_SENT,	/* a FUSE_INTERRUPT went out for it */
	VNG_REQ_LEFT,		/* its waiter left: conn ref (and hold) */
	VNG_REQ_LET_GO,		/* an abort took LEFT: drop them after */
};

struct vng_req_page {
	struct page *page;
	unsigned int offset;
	unsigned int length;
};

struct vng_req {
	struct vng_xfer xfer;
	struct kref ref;
	struct list_head entry;		/* dev->reqs until finished */
	struct list_head abort_entry;	/* private list of an abort */
	struct vng_dev *dev;		/* one reference */
	struct vng_conn *conn;		/* a reference when async or left */
	struct vng_args *args;		/* NULL once the waiter left */
	struct kref *hold;		/* args->hold, once the waiter left */
	void (*hold_release)(struct kref *kref);
	unsigned long flags;
	u64 unique;
	u64 nodeid;
	u32 opcode;
	unsigned long sent_at;		/* jiffies, for the watchdog */
	ssize_t result;
	struct completion done;
	struct work_struct end_work;	/* ->end() of a may_block request */

	/* reply layout: header, out_fixed bytes of args, then pages */
	unsigned int out_fixed;
	unsigned int reply_min;		/* payload bounds for the header check */
	unsigned int reply_max;
	bool want_reply;

	void *in_buf;			/* fuse_in_header + in-args */
	void *out_buf;			/* fuse_out_header + out-args */
	struct vng_req_page *pages;
	unsigned int num_pages;
	struct scatterlist *sg;
	struct scatterlist sg_inline[VNG_REQ_INLINE_SG];
};

/* A batch of forgets, or one FORGET, on the hiprio queue: no reply. */
struct vng_forget_msg {
	struct vng_xfer xfer;
	struct scatterlist sg;
	size_t len;
	u8 buf[];
};

struct vng_forget_ent {
	struct list_head entry;
	struct fuse_forget_one one;
};

/* A FUSE_INTERRUPT; the host answers only ENOSYS or EAGAIN, if at all. */
struct vng_intr {
	struct vng_xfer xfer;
	struct list_head entry;		/* dev->intr_retry */
	unsigned long due;		/* jiffies: not sent before */
	struct vng_req *req;		/* one reference */
	struct scatterlist sg_in, sg_out;
	struct {
		struct fuse_in_header ih;
		struct fuse_interrupt_in arg;
	} in;
	struct fuse_out_header oh;
};

static struct kmem_cache *vng_req_cache;
/* runs the ->end() of may_block requests, off the queues' completion work */
static struct workqueue_struct *vng_end_wq;

/*
 * Seconds a request may wait while the host answers nothing at all before
 * the host is reported as not responding (0: never).  A daemon that exited
 * never answers, and the VMM does not tell us; a slow one answers late.
 * Telling them apart is not possible from here, so by default nothing is
 * given up: a slow host must never cost data.  The user ends a dead one
 * with umount -f or the device's sysfs abort file; host_abort makes the
 * watchdog do it.
 */
#define VNG_HOST_TIMEOUT_MAX	(7 * 24 * 3600)

static int vng_param_set_timeout(const char *val, const struct kernel_param *kp)
{
	unsigned int secs;
	int err;

	err = kstrtouint(val, 0, &secs);
	if (err)
		return err;
	if (secs > VNG_HOST_TIMEOUT_MAX)
		return -ERANGE;
	*(unsigned int *)kp->arg = secs;
	return 0;
}

static const struct kernel_param_ops vng_param_timeout_ops = {
	.set = vng_param_set_timeout,
	.get = param_get_uint,
};

static unsigned int host_timeout = 60;
module_param_cb(host_timeout, &vng_param_timeout_ops, &host_timeout, 0644);
MODULE_PARM_DESC(host_timeout,
		 "seconds without any reply while requests wait before the host is reported as not responding (0: never, at most 604800)");
static bool host_abort;
module_param(host_abort, bool, 0644);
MODULE_PARM_DESC(host_abort,
		 "abort the session of a host that stays unresponsive past host_timeout: its requests fail and unwritten data is lost (default: keep waiting)");
/* An exiting task waits at most this long for a RELEASE, FLUSH, unlock. */
#define VNG_EXIT_WAIT		(10 * HZ)
/* A waiter that cannot leave wakes this often while it waits. */
#define VNG_FORCE_WAIT_SLICE	(10 * HZ)
/* The watchdog looks this often (at most). */
#define VNG_WATCHDOG_PERIOD	(5 * HZ)

static void vng_dev_forget(struct vng_dev *dev, u64 nodeid, u64 nlookup);

/*
 * Drops what a request its waiter left holds: the open file first (its
 * last put sends RELEASE, which needs the session), then the session.
 */
static void vng_req_let_go(struct vng_req *req)
{
	if (req->hold) {
		kref_put(req->hold, req->hold_release);
		req->hold = NULL;
	}
	vng_conn_put(req->conn);
}

static void vng_req_release(struct kref *ref)
{
	struct vng_req *req = container_of(ref, struct vng_req, ref);
	unsigned int i;

	for (i = 0; i < req->num_pages; i++)
		put_page(req->pages[i].page);
	kfree(req->pages);
	if (req->sg != req->sg_inline)
		kfree(req->sg);
	kfree(req->in_buf);
	kfree(req->out_buf);
	if (test_bit(VNG_REQ_ASYNC, &req->flags))
		vng_conn_put(req->conn);
	else if (test_bit(VNG_REQ_LEFT, &req->flags))
		vng_req_let_go(req);
	vng_dev_put(req->dev);
	kmem_cache_free(vng_req_cache, req);
}

static void vng_req_put(struct vng_req *req)
{
	kref_put(&req->ref, vng_req_release);
}

static void vng_req_end_work(struct work_struct *work)
{
	struct vng_req *req = container_of(work, struct vng_req, end_work);

	req->args->end(req->conn, req->args, req->result);
	vng_req_put(req);	/* the owner's reference */
}

static u64 vng_next_unique(struct vng_dev *dev)
{
	return atomic64_add_return(VNG_REQ_ID_STEP, &dev->next_unique);
}

static void vng_fill_in_header(struct fuse_in_header *ih, u32 len, u32 opcode,
			       u64 unique, u64 nodeid, bool creds)
{
	memset(ih, 0, sizeof(*ih));
	ih->len = len;
	ih->opcode = opcode;
	ih->unique = unique;
	ih->nodeid = nodeid;
	if (creds) {
		ih->uid = from_kuid_munged(&init_user_ns, current_fsuid());
		ih->gid = from_kgid_munged(&init_user_ns, current_fsgid());
		ih->pid = task_pid_nr(current);
	}
}

/* Checks what the caller asked for; these are driver bugs, not the host's. */
static int vng_args_check(const struct vng_args *args)
{
	unsigned int i;

	if (args->in_numargs > ARRAY_SIZE(args->in_args) ||
	    args->out_numargs > ARRAY_SIZE(args->out_args))
		return -EINVAL;
	if (args->in_pages && args->out_pages)
		return -EINVAL;
	if ((args->in_pages || args->out_pages) &&
	    (!args->pages || !args->descs))
		return -EINVAL;
	if (args->noreply && (args->out_numargs || args->out_pages))
		return -EINVAL;
	if (!args->in_pages && !args->out_pages)
		return 0;
	for (i = 0; i < args->num_pages; i++) {
		const struct vng_page_desc *d = &args->descs[i];

		if (!args->pages[i] || d->offset >= PAGE_SIZE ||
		    d->length > PAGE_SIZE - d->offset)
			return -EINVAL;
	}
	return 0;
}

/* Builds the request's buffers and scatterlists; nothing is sent yet. */
static struct vng_req *vng_req_build(struct vng_conn *conn,
				     struct vng_args *args, gfp_t gfp)
{
	struct vng_dev *dev = conn->dev;
	unsigned int i, in_len, page_bytes = 0, nin, nout, nents, off;
	unsigned int out_len = 0;
	bool use_pages = args->in_pages || args->out_pages;
	struct scatterlist *sg;
	struct vng_req *req;
	u64 fixed = 0;
	int err;

	if (args->force)
		gfp |= __GFP_NOFAIL;
	err = vng_args_check(args);
	if (WARN_ON_ONCE(err))
		return ERR_PTR(err);

	req = kmem_cache_zalloc(vng_req_cache, gfp);
	if (!req)
		return ERR_PTR(-ENOMEM);
	kref_init(&req->ref);
	INIT_LIST_HEAD(&req->entry);
	INIT_LIST_HEAD(&req->abort_entry);
	init_completion(&req->done);
	INIT_WORK(&req->end_work, vng_req_end_work);
	vng_dev_get(dev);
	req->dev = dev;
	req->conn = conn;
	req->args = args;
	req->opcode = args->opcode;
	req->nodeid = args->nodeid;
	req->want_reply = !args->noreply;
	req->sg = req->sg_inline;

	if (use_pages && args->num_pages) {
		req->pages = kmalloc_array(args->num_pages,
					   sizeof(*req->pages), gfp);
		if (!req->pages)
			goto nomem;
		for (i = 0; i < args->num_pages; i++) {
			req->pages[i].page = args->pages[i];
			req->pages[i].offset = args->descs[i].offset;
			req->pages[i].length = args->descs[i].length;
			get_page(args->pages[i]);
			page_bytes += args->descs[i].length;
			req->num_pages++;
		}
	}

	/* device-readable: header and in-args copied, then WRITE payload */
	in_len = sizeof(struct fuse_in_header);
	for (i = 0; i < args->in_numargs; i++)
		in_len += args->in_args[i].size;
	req->in_buf = kmalloc(in_len, gfp);
	if (!req->in_buf)
		goto nomem;
	off = sizeof(struct fuse_in_header);
	for (i = 0; i < args->in_numargs; i++) {
		if (args->in_args[i].size)
			memcpy(req->in_buf + off, args->in_args[i].value,
			       args->in_args[i].size);
		off += args->in_args[i].size;
	}
	nin = 1 + (args->in_pages ? req->num_pages : 0);

	/* device-writable: reply header and out-args, then READ payload */
	nout = 0;
	if (req->want_reply) {
		for (i = 0; i < args->out_numargs; i++)
			fixed += args->out_args[i].size;
		if (fixed > INT_MAX - sizeof(struct fuse_out_header))
			goto inval;
		req->out_fixed = fixed;
		out_len = sizeof(struct fuse_out_header) + fixed;
		req->out_buf = kzalloc(out_len, gfp);
		if (!req->out_buf)
			goto nomem;
		if (args->out_pages) {
			req->reply_max = fixed + page_bytes;
			req->reply_min = args->out_argvar ? fixed :
					 req->reply_max;
		} else {
			req->reply_max = fixed;
			req->reply_min = fixed;
			if (args->out_argvar && args->out_numargs)
				req->reply_min -=
				    args->out_args[args->out_numargs - 1].size;
		}
		nout = 1 + (args->out_pages ? req->num_pages : 0);
	}

	nents = nin + nout;
	if (nents > VNG_REQ_INLINE_SG) {
		req->sg = kmalloc_array(nents, sizeof(*req->sg), gfp);
		if (!req->sg)
			goto nomem;
	}
	sg = req->sg;
	sg_init_table(sg, nin);
	sg_set_buf(&sg[0], req->in_buf, in_len);
	if (args->in_pages)
		for (i = 0; i < req->num_pages; i++)
			sg_set_page(&sg[1 + i], req->pages[i].page,
				    req->pages[i].length, req->pages[i].offset);
	req->xfer.sgs[0] = sg;
	if (nout) {
		sg = req->sg + nin;
		sg_init_table(sg, nout);
		sg_set_buf(&sg[0], req->out_buf, out_len);
		if (args->out_pages)
			for (i = 0; i < req->num_pages; i++)
				sg_set_page(&sg[1 + i], req->pages[i].page,
					    req->pages[i].length,
					    req->pages[i].offset);
		req->xfer.sgs[1] = sg;
		req->xfer.nr_in = 1;
	}
	req->xfer.nents = nents;

	if (args->in_pages)
		in_len += page_bytes;
	req->unique = vng_next_unique(dev);
	vng_fill_in_header(req->in_buf, in_len, args->opcode, req->unique,
			   args->nodeid, !args->nocreds);
	return req;

inval:
	vng_req_put(req);
	return ERR_PTR(-EINVAL);
nomem:
	vng_req_put(req);
	return ERR_PTR(-ENOMEM);
}

/*
 * Copies a good reply into the caller's args.  Under dev->req_lock with
 * req->args set; payload is the validated byte count after the header.
 */
static ssize_t vng_req_copy_out(struct vng_req *req, u32 payload)
{
	struct vng_args *args = req->args;
	unsigned int i, off = sizeof(struct fuse_out_header), left = payload;
	unsigned int size;

	args->out_size = 0;
	for (i = 0; i < args->out_numargs; i++) {
		size = min(args->out_args[i].size, left);
		if (size && args->out_args[i].value)
			memcpy(args->out_args[i].value, req->out_buf + off, size);
		off += size;
		left -= size;
		if (args->out_argvar && !args->out_pages &&
		    i == args->out_numargs - 1)
			args->out_size = size;
	}
	if (args->out_pages) {
		/* left: the page payload bytes, at most what the pages hold */
		if (args->out_argvar)
			args->out_size = left;
		if (args->page_zeroing) {
			for (i = 0; i < req->num_pages; i++) {
				struct vng_req_page *p = &req->pages[i];
				unsigned int got = min(left, p->length);

				if (got < p->length)
					zero_user(p->page, p->offset + got,
						  p->length - got);
				left -= got;
			}
		}
	}
	return args->out_argvar ? args->out_size : 0;
}

/*
 * Delivers the result once.  With payload != NULL the reply was valid and
 * successful: the out-args are copied if the caller is still there.
 * Returns true when the result reached a caller (for the lookup reference
 * a successful entry reply carries).
 */
static bool vng_req_finish(struct vng_req *req, ssize_t result,
			   const u32 *payload)
{
	struct vng_dev *dev = req->dev;
	struct vng_args *args;
	bool delivered;

	spin_lock(&dev->req_lock);
	if (test_and_set_bit(VNG_REQ_FINISHED, &req->flags)) {
		spin_unlock(&dev->req_lock);
		return false;
	}
	list_del_init(&req->entry);
	args = req->args;
	delivered = args;
	if (args && payload)
		result = vng_req_copy_out(req, *payload);
	req->result = result;
	spin_unlock(&dev->req_lock);

	if (test_bit(VNG_REQ_ASYNC, &req->flags)) {
		if (args->may_block) {
			/* the work item takes over the owner's reference */
			queue_work(vng_end_wq, &req->end_work);
			return delivered;
		}
		args->end(req->conn, args, result);
		vng_req_put(req);	/* the owner's reference */
	} else {
		/* complete_all: the waiter may wait more than once */
		complete_all(&req->done);
	}
	return delivered;
}

/* For messages; opcodes newer than the table print as "request". */
static const char * const vng_opcode_names[] = {
	[FUSE_LOOKUP] = "LOOKUP",
	[FUSE_FORGET] = "FORGET",
	[FUSE_GETATTR] = "GETATTR",
	[FUSE_SETATTR] = "SETATTR",
	[FUSE_READLINK] = "READLINK",
	[FUSE_SYMLINK] = "SYMLINK",
	[FUSE_MKNOD] = "MKNOD",
	[FUSE_MKDIR] = "MKDIR",
	[FUSE_UNLINK] = "UNLINK",
	[FUSE_RMDIR] = "RMDIR",
	[FUSE_RENAME] = "RENAME",
	[FUSE_LINK] = "LINK",
	[FUSE_OPEN] = "OPEN",
	[FUSE_READ] = "READ",
	[FUSE_WRITE] = "WRITE",
	[FUSE_STATFS] = "STATFS",
	[FUSE_RELEASE] = "RELEASE",
	[FUSE_FSYNC] = "FSYNC",
	[FUSE_SETXATTR] = "SETXATTR",
	[FUSE_GETXATTR] = "GETXATTR",
	[FUSE_LISTXATTR] = "LISTXATTR",
	[FUSE_REMOVEXATTR] = "REMOVEXATTR",
	[FUSE_FLUSH] = "FLUSH",
	[FUSE_INIT] = "INIT",
	[FUSE_OPENDIR] = "OPENDIR",
	[FUSE_READDIR] = "READDIR",
	[FUSE_RELEASEDIR] = "RELEASEDIR",
	[FUSE_FSYNCDIR] = "FSYNCDIR",
	[FUSE_GETLK] = "GETLK",
	[FUSE_SETLK] = "SETLK",
	[FUSE_SETLKW] = "SETLKW",
	[FUSE_ACCESS] = "ACCESS",
	[FUSE_CREATE] = "CREATE",
	[FUSE_INTERRUPT] = "INTERRUPT",
	[FUSE_BMAP] = "BMAP",
	[FUSE_DESTROY] = "DESTROY",
	[FUSE_IOCTL] = "IOCTL",
	[FUSE_POLL] = "POLL",
	[FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
	[FUSE_BATCH_FORGET] = "BATCH_FORGET",
	[FUSE_FALLOCATE] = "FALLOCATE",
	[FUSE_READDIRPLUS] = "READDIRPLUS",
	[FUSE_RENAME2] = "RENAME2",
	[FUSE_LSEEK] = "LSEEK",
	[FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
	[FUSE_SETUPMAPPING] = "SETUPMAPPING",
	[FUSE_REMOVEMAPPING] = "REMOVEMAPPING",
	[FUSE_SYNCFS] = "SYNCFS",
};

static const char *vng_opcode_name(u32 opcode)
{
	if (opcode < ARRAY_SIZE(vng_opcode_names) && vng_opcode_names[opcode])
		return vng_opcode_names[opcode];
	return "request";
}

/* Validates the reply; returns its result and sets *payload when good. */
static ssize_t vng_req_check_reply(struct vng_req *req, u32 *payload,
				   bool *good)
{
	struct fuse_out_header oh = {};
	enum vng_reply_fault fault;

	*good = false;
	if (!req->want_reply) {
		*payload = 0;
		*good = true;
		return 0;
	}
	/*
	 * The Rust virtiofsd hands DESTROY's buffer back empty: the session
	 * is over either way, so that is not worth an error message.
	 */
	if (req->opcode == FUSE_DESTROY && req->xfer.len == 0)
		return 0;
	/* our own copy: the host may still scribble on its buffer */
	memcpy(&oh, req->out_buf, min_t(u32, req->xfer.len, sizeof(oh)));
	if (req->xfer.len > sizeof(struct fuse_out_header) +
			    req->reply_max) {
		fault = VNG_REPLY_SIZE;
	} else {
		fault = vng_check_reply(&oh, req->xfer.len, req->unique,
					req->reply_min, req->reply_max,
					payload);
	}
	if (fault != VNG_REPLY_OK) {
		vng_dev_err(req->dev,
			    "bad reply to %s (opcode %u, unique %llu, node %llu, %u bytes): %s\n",
			    vng_opcode_name(req->opcode), req->opcode,
			    req->unique, req->nodeid, req->xfer.len,
			    vng_reply_fault_str(fault));
		return -EIO;
	}
	if (oh.error)
		return oh.error;
	*good = true;
	return 0;
}

struct vng_release_orphan {
	struct vng_args args;
	struct fuse_release_in in;
};

static void vng_release_orphan_end(struct vng_conn *conn,
				   struct vng_args *args, int error)
{
	kfree(container_of(args, struct vng_release_orphan, args));
}

/*
 * A good reply nobody took (its waiter was killed): the lookup reference
 * and the open handle it carries go back to the host, which would
 * otherwise keep them until the session ends.
 */
static void vng_req_give_back(struct vng_req *req, u32 payload)
{
	const void *body = req->out_buf + sizeof(struct fuse_out_header);
	struct vng_release_orphan *ro;
	struct fuse_entry_out entry;
	struct fuse_open_out open;
	u64 nodeid = req->nodeid;
	u32 entry_size = 0;

	if (vng_opcode_returns_entry(req->opcode)) {
		if (payload < sizeof(entry))
			return;
		memcpy(&entry, body, sizeof(entry));
		entry_size = sizeof(entry);
		nodeid = entry.nodeid;
	}
	if (vng_opcode_returns_handle(req->opcode) &&
	    payload >= entry_size + sizeof(open)) {
		memcpy(&open, body + entry_size, sizeof(open));
		ro = kzalloc(sizeof(*ro), GFP_NOFS | __GFP_NOFAIL);
		ro->in.fh = open.fh;
		ro->args.opcode = req->opcode == FUSE_OPENDIR ?
				  FUSE_RELEASEDIR : FUSE_RELEASE;
		ro->args.nodeid = nodeid;
		ro->args.in_numargs = 1;
		ro->args.in_args[0].size = sizeof(ro->in);
		ro->args.in_args[0].value = &ro->in;
		ro->args.force = true;
		ro->args.nocreds = true;
		ro->args.end = vng_release_orphan_end;
		vng_request_async(req->conn, &ro->args, GFP_NOFS);
	}
	if (entry_size && nodeid && nodeid != FUSE_ROOT_ID)
		vng_dev_forget(req->dev, nodeid, 1);
}

/* Transport completion: process context, exactly once per submitted req. */
static void vng_req_xfer_done(struct vng_xfer *xfer, int err)
{
	struct vng_req *req = container_of(xfer, struct vng_req, xfer);
	u32 payload = 0;
	bool good = false;
	ssize_t result;

	if (!err)
		WRITE_ONCE(req->dev->last_reply, jiffies);
	result = err ? err : vng_req_check_reply(req, &payload, &good);
	/* whoever clears LEFT (here or an abort) puts its conn reference */
	if (!vng_req_finish(req, result, good ? &payload : NULL) &&
	    test_and_clear_bit(VNG_REQ_LEFT, &req->flags)) {
		if (good)
			vng_req_give_back(req, payload);
		vng_req_let_go(req);
	}
	vng_req_put(req);	/* the transport's reference */
}

/* Hands req to the transport; on failure it is finished with the error. */
static void vng_req_submit(struct vng_req *req)
{
	struct vng_dev *dev = req->dev;
	int err;

	req->xfer.done = vng_req_xfer_done;
	req->sent_at = jiffies;
	/*
	 * An abort clears connected under req_lock and then fails what it
	 * finds on dev->reqs: a request is either found there or sees the
	 * abort here, never neither (it would wait for a dead host forever).
	 */
	spin_lock(&dev->req_lock);
	if (!READ_ONCE(req->conn->connected) && req->opcode != FUSE_INIT) {
		spin_unlock(&dev->req_lock);
		vng_req_finish(req, -ENOTCONN, NULL);
		return;
	}
	/*
	 * The transport's reference, before anyone can find it: an abort
	 * that cancels it from here on drops this one, and the submission
	 * then fails with -ECANCELED.
	 */
	kref_get(&req->ref);
	list_add_tail(&req->entry, &dev->reqs);
	spin_unlock(&dev->req_lock);

	err = vng_dev_submit(dev, &req->xfer, vng_opcode_is_hiprio(req->opcode));
	if (err == -ECANCELED)
		return;		/* whoever cancelled it finished it */
	if (err) {
		vng_req_finish(req, err, NULL);
		vng_req_put(req);
	}
}

/* ---- interrupts ------------------------------------------------------- */

static void vng_intr_free(struct vng_intr *intr)
{
	vng_req_put(intr->req);
	kfree(intr);
}

static void vng_intr_send(struct vng_intr *intr)
{
	if (vng_dev_submit(intr->req->dev, &intr->xfer, true))
		vng_intr_free(intr);
}

/*
 * Parks intr on the retry list until jiffies reach due; false (and intr
 * untouched) when the device is going away and takes no more.
 */
static bool vng_intr_queue(struct vng_intr *intr, unsigned long due)
{
	struct vng_dev *dev = intr->req->dev;
	unsigned long now;

	spin_lock(&dev->forget_lock);
	if (!dev->forget_open) {
		spin_unlock(&dev->forget_lock);
		return false;
	}
	intr->due = due;
	list_add_tail(&intr->entry, &dev->intr_retry);
	spin_unlock(&dev->forget_lock);
	now = jiffies;
	schedule_delayed_work(&dev->intr_work,
			      time_after(due, now) ? due - now : 0);
	return true;
}

static void vng_intr_done(struct vng_xfer *xfer, int err)
{
	struct vng_intr *intr = container_of(xfer, struct vng_intr, xfer);
	struct vng_req *req = intr->req;
	struct vng_dev *dev = req->dev;
	struct fuse_out_header oh;

	/* No bytes: the host took it silently (the usual case). */
	if (err || xfer->len < sizeof(oh))
		goto out;
	memcpy(&oh, &intr->oh, sizeof(oh));
	if (oh.len != xfer->len || oh.unique != intr->in.ih.unique)
		goto out;
	if (oh.error && oh.error != -EAGAIN) {
		/* FUSE's "not implemented" (or worse): stop sending them */
		WRITE_ONCE(dev->no_interrupt, true);
	} else if (oh.error == -EAGAIN &&
		   !test_bit(VNG_REQ_FINISHED, &req->flags)) {
		/* the host has not seen the request yet: try again soon */
		if (vng_intr_queue(intr, jiffies + VNG_INTR_RETRY_DELAY))
			return;
	}
out:
	vng_intr_free(intr);
}

static void vng_intr_retry_work(struct work_struct *work)
{
	struct vng_dev *dev = container_of(to_delayed_work(work),
					   struct vng_dev, intr_work);
	unsigned long now = jiffies;
	struct vng_intr *intr, *next;
	LIST_HEAD(list);

	spin_lock(&dev->forget_lock);
	list_splice_init(&dev->intr_retry, &list);
	spin_unlock(&dev->forget_lock);
	list_for_each_entry_safe(intr, next, &list, entry) {
		list_del_init(&intr->entry);
		if (test_bit(VNG_REQ_FINISHED, &intr->req->flags)) {
			vng_intr_free(intr);
			continue;
		}
		if (time_before(now, intr->due)) {
			/* not yet: back on the list, the work comes again */
			if (!vng_intr_queue(intr, intr->due))
				vng_intr_free(intr);
			continue;
		}
		intr->xfer.len = 0;
		vng_intr_send(intr);
	}
}

/* Asks the host to give up on req (its waiter was killed). */
static void vng_req_interrupt(struct vng_req *req)
{
	struct vng_dev *dev = req->dev;
	struct vng_intr *intr;

	if (READ_ONCE(dev->no_interrupt) || !req->want_reply ||
	    test_and_set_bit(VNG_REQ_INTR_SENT, &req->flags))
		return;
	intr = kzalloc(sizeof(*intr), GFP_KERNEL);
	if (!intr)
		return;		/* the request then runs to its end */
	kref_get(&req->ref);
	intr->req = req;
	INIT_LIST_HEAD(&intr->entry);
	vng_fill_in_header(&intr->in.ih, sizeof(intr->in), FUSE_INTERRUPT,
			   req->unique | VNG_INT_REQ_BIT, 0, false);
	intr->in.arg.unique = req->unique;
	sg_init_one(&intr->sg_in, &intr->in, sizeof(intr->in));
	sg_init_one(&intr->sg_out, &intr->oh, sizeof(intr->oh));
	intr->xfer.sgs[0] = &intr->sg_in;
	intr->xfer.sgs[1] = &intr->sg_out;
	intr->xfer.nr_in = 1;
	intr->xfer.nents = 2;
	intr->xfer.done = vng_intr_done;

	/*
	 * Sent only if the request is still unanswered a moment later:
	 * nearly every killed waiter's request ends on its own, and an
	 * INTERRUPT for a request the host already finished is what QEMU's
	 * C virtiofsd mishandles (it stops answering after a burst of them,
	 * e.g. when stress-ng kills its workers).  The kernel's virtiofs
	 * sends none at all; a request the host really holds (a lock wait)
	 * still gets its INTERRUPT.
	 */
	if (!vng_intr_queue(intr, jiffies + VNG_INTR_FIRST_DELAY))
		vng_intr_free(intr);
}

/* ---- sending ---------------------------------------------------------- */

/*
 * The waiter gives up (fatal signal or timeout).  A request still waiting
 * for room on the ring is taken back, unless it is forced (it must reach
 * the host: a RELEASE, an unlock).  One the host has (or must get) is left
 * to finish on its own only with @leave (the caller needs nothing of its
 * reply), and a request the host has is interrupted.  Returns true when
 * the waiter may go; false when it must wait for the request to finish
 * (or it finished first).
 */
static bool vng_req_give_up(struct vng_req *req, bool forced, bool leave,
			    bool interrupt)
{
	struct vng_dev *dev = req->dev;

	if (!forced && vng_xfer_cancel(&req->xfer)) {
		/* never reached the ring: the transport gives it back */
		vng_req_finish(req, -EINTR, NULL);
		vng_req_put(req);
		return true;
	}
	if (leave) {
		spin_lock(&dev->req_lock);
		if (test_bit(VNG_REQ_FINISHED, &req->flags)) {
			spin_unlock(&dev->req_lock);
			return false;
		}
		/*
		 * For giving back what a late reply carries, and the file
		 * the request holds (whose RELEASE needs the session).  Not
		 * for other opcodes: DESTROY leaves a session whose last
		 * reference is already gone.
		 */
		if (req->args->hold || vng_opcode_returns_entry(req->opcode) ||
		    vng_opcode_returns_handle(req->opcode)) {
			if (req->args->hold) {
				kref_get(req->args->hold);
				req->hold = req->args->hold;
				req->hold_release = req->args->hold_release;
			}
			vng_conn_get(req->conn);
			set_bit(VNG_REQ_LEFT, &req->flags);
		}
		/* From now on no reply is copied into the caller's args. */
		req->args = NULL;
		spin_unlock(&dev->req_lock);
	}
	if (interrupt && !forced)
		vng_req_interrupt(req);
	return leave;
}

static ssize_t vng_request_wait(struct vng_conn *conn, struct vng_args *args,
				long timeout)
{
	bool leave = !args->no_abandon && !vng_opcode_must_finish(args->opcode);
	struct vng_req *req;
	ssize_t ret;

	if (!READ_ONCE(conn->connected) && args->opcode != FUSE_INIT)
		return -ENOTCONN;
	req = vng_req_build(conn, args, GFP_KERNEL);
	if (IS_ERR(req))
		return PTR_ERR(req);
	vng_req_submit(req);

	if (timeout) {
		if (!wait_for_completion_timeout(&req->done, timeout) &&
		    vng_req_give_up(req, false, true, false)) {
			ret = -ETIMEDOUT;
			goto out;
		}
	} else if (args->force && leave && (current->flags & PF_EXITING)) {
		/*
		 * An exiting task (closing its files, dropping its locks) has
		 * taken its fatal signal already: it could not be killed out
		 * of the wait.  One that exits by itself waits a while for a
		 * host that answers, so a parent that reaped it finds its
		 * locks gone as after a live close; a killed one, or a host
		 * that does not answer in time, and the request goes on
		 * without it.
		 */
		unsigned long until = jiffies + VNG_EXIT_WAIT;

		while (!wait_for_completion_timeout(&req->done, HZ / 10)) {
			if (((current->flags & PF_SIGNALED) ||
			     time_after(jiffies, until) ||
			     READ_ONCE(conn->dev->host_unresponsive) ||
			     !READ_ONCE(conn->connected)) &&
			    vng_req_give_up(req, true, true, false)) {
				ret = 0;
				goto out;
			}
		}
	} else if (wait_for_completion_killable(&req->done) &&
		   vng_req_give_up(req, args->force, leave, true)) {
		ret = -EINTR;
		goto out;
	}
	/*
	 * Finished, or killed while the host holds a request we must see to
	 * its end: uninterruptible then, but waking now and then, since a
	 * host that never answers is for an abort to end, not for the
	 * hung-task detector to report.
	 */
	while (!wait_for_completion_timeout(&req->done, VNG_FORCE_WAIT_SLICE))
		;
	ret = req->result;
out:
	vng_req_put(req);
	return ret;
}

ssize_t vng_request(struct vng_conn *conn, struct vng_args *args)
{
	return vng_request_wait(conn, args, 0);
}

ssize_t vng_request_timeout(struct vng_conn *conn, struct vng_args *args,
			    unsigned long timeout)
{
	return vng_request_wait(conn, args, max(1UL, timeout));
}

void vng_request_async(struct vng_conn *conn, struct vng_args *args, gfp_t gfp)
{
	struct vng_req *req;

	if (!READ_ONCE(conn->connected)) {
		args->end(conn, args, -ENOTCONN);
		return;
	}
	req = vng_req_build(conn, args, gfp);
	if (IS_ERR(req)) {
		args->end(conn, args, PTR_ERR(req));
		return;
	}
	/* ->end() may run after the caller's last conn reference is gone */
	vng_conn_get(conn);
	__set_bit(VNG_REQ_ASYNC, &req->flags);
	vng_req_submit(req);
}

void vng_requests_abort(struct vng_conn *conn)
{
	struct vng_dev *dev = conn->dev;
	struct vng_req *req, *next;
	LIST_HEAD(list);

	spin_lock(&dev->req_lock);
	/* submitters check it under this lock (vng_req_submit()) */
	WRITE_ONCE(conn->connected, false);
	list_for_each_entry(req, &dev->reqs, entry) {
		if (req->conn != conn)
			continue;
		/*
		 * Nothing is given back to an aborted session: the reference
		 * a left request holds would only keep it from going away.
		 */
		if (test_and_clear_bit(VNG_REQ_LEFT, &req->flags))
			set_bit(VNG_REQ_LET_GO, &req->flags);
		kref_get(&req->ref);
		list_add_tail(&req->abort_entry, &list);
	}
	spin_unlock(&dev->req_lock);

	list_for_each_entry_safe(req, next, &list, abort_entry) {
		list_del_init(&req->abort_entry);
		/* the caller holds a conn reference: this is not the last */
		if (test_and_clear_bit(VNG_REQ_LET_GO, &req->flags))
			vng_req_let_go(req);
		if (vng_xfer_cancel(&req->xfer)) {
			vng_req_finish(req, -ENOTCONN, NULL);
			vng_req_put(req);	/* the transport's */
		} else {
			/* on the ring: its buffers stay until the device is done */
			vng_req_finish(req, -ENOTCONN, NULL);
		}
		vng_req_put(req);
	}
}

/* ---- forgets ---------------------------------------------------------- */

static void vng_forget_msg_done(struct vng_xfer *xfer, int err)
{
	kfree(container_of(xfer, struct vng_forget_msg, xfer));
}

/* Builds one FORGET or BATCH_FORGET from the first entries of list. */
static struct vng_forget_msg *vng_forget_msg_build(struct vng_dev *dev,
						   struct list_head *list,
						   unsigned int count,
						   bool batch)
{
	struct vng_forget_ent *ent, *next;
	struct vng_forget_msg *msg;
	struct fuse_in_header *ih;
	size_t len = sizeof(*ih);
	unsigned int i = 0;

	if (batch)
		len += sizeof(struct fuse_batch_forget_in) +
		       count * sizeof(struct fuse_forget_one);
	else
		len += sizeof(struct fuse_forget_in);
	msg = kzalloc(struct_size(msg, buf, len), GFP_NOFS);
	if (!msg)
		return NULL;
	msg->len = len;
	ih = (struct fuse_in_header *)msg->buf;

	if (batch) {
		struct fuse_batch_forget_in *bf = (void *)(ih + 1);
		struct fuse_forget_one *one = (void *)(bf + 1);

		vng_fill_in_header(ih, len, FUSE_BATCH_FORGET,
				   vng_next_unique(dev), 0, false);
		bf->count = count;
		list_for_each_entry_safe(ent, next, list, entry) {
			if (i == count)
				break;
			one[i++] = ent->one;
			list_del(&ent->entry);
			kfree(ent);
		}
	} else {
		struct fuse_forget_in *f = (void *)(ih + 1);

		ent = list_first_entry(list, struct vng_forget_ent, entry);
		vng_fill_in_header(ih, len, FUSE_FORGET, vng_next_unique(dev),
				   ent->one.nodeid, false);
		f->nlookup = ent->one.nlookup;
		list_del(&ent->entry);
		kfree(ent);
	}
	sg_init_one(&msg->sg, msg->buf, len);
	msg->xfer.sgs[0] = &msg->sg;
	msg->xfer.nr_in = 0;
	msg->xfer.nents = 1;
	msg->xfer.done = vng_forget_msg_done;
	return msg;
}

static void vng_forget_work(struct work_struct *work)
{
	struct vng_dev *dev = container_of(to_delayed_work(work),
					   struct vng_dev, forget_work);
	struct vng_forget_ent *ent, *next;
	struct vng_forget_msg *msg;
	unsigned int count;
	LIST_HEAD(list);
	bool batch;

	spin_lock(&dev->forget_lock);
	list_splice_init(&dev->forgets, &list);
	count = dev->nr_forgets;
	dev->nr_forgets = 0;
	batch = dev->forget_batch;
	spin_unlock(&dev->forget_lock);

	while (count) {
		unsigned int n = batch ? min_t(unsigned int, count,
					       VNG_FORGET_BATCH_MAX) : 1;

		msg = vng_forget_msg_build(dev, &list, n, batch);
		if (!msg)
			break;
		count -= n;
		if (vng_dev_submit(dev, &msg->xfer, true))
			kfree(msg);
	}
	if (!count)
		return;
	/* out of memory: put the rest back and try again later */
	spin_lock(&dev->forget_lock);
	if (dev->forget_open) {
		list_splice(&list, &dev->forgets);
		dev->nr_forgets += count;
		INIT_LIST_HEAD(&list);
		schedule_delayed_work(&dev->forget_work, HZ / 10);
	}
	spin_unlock(&dev->forget_lock);
	list_for_each_entry_safe(ent, next, &list, entry)
		kfree(ent);
}

static void vng_dev_forget(struct vng_dev *dev, u64 nodeid, u64 nlookup)
{
	struct vng_forget_ent *ent;
	unsigned int nr;

	if (!nlookup || !READ_ONCE(dev->forget_open))
		return;
	/* small and rare enough to insist: a lost FORGET leaks host state */
	ent = kmalloc(sizeof(*ent), GFP_NOFS | __GFP_NOFAIL);
	ent->one.nodeid = nodeid;
	ent->one.nlookup = nlookup;

	spin_lock(&dev->forget_lock);
	if (!dev->forget_open) {
		spin_unlock(&dev->forget_lock);
		kfree(ent);
		return;
	}
	list_add_tail(&ent->entry, &dev->forgets);
	nr = ++dev->nr_forgets;
	if (nr >= VNG_FORGET_BATCH_MAX)
		mod_delayed_work(system_wq, &dev->forget_work, 0);
	else
		schedule_delayed_work(&dev->forget_work, VNG_FORGET_DELAY);
	spin_unlock(&dev->forget_lock);
}

void vng_forget(struct vng_conn *conn, u64 nodeid, u64 nlookup)
{
	if (!READ_ONCE(conn->connected))
		return;
	vng_dev_forget(conn->dev, nodeid, nlookup);
}

/* ---- the watchdog ----------------------------------------------------- */

/*
 * True when a request has waited longer than timeout and the host has
 * answered nothing at all for as long.  The probe then tells a host that
 * holds on to one request (a FIFO read, a slow fsync) from one that
 * answers nothing.  Not "nothing since the request was sent": a threaded
 * daemon that dies may answer a later request last.
 */
static bool vng_dev_host_stuck(struct vng_dev *dev, unsigned long timeout)
{
	unsigned long now = jiffies, last = READ_ONCE(dev->last_reply);
	struct vng_req *req;
	bool stuck = false;

	if (!time_after(now, last + timeout))
		return false;
	spin_lock(&dev->req_lock);
	list_for_each_entry(req, &dev->reqs, entry) {
		/* a blocking lock may rightly wait for as long as it takes */
		if (req->opcode == FUSE_SETLKW)
			continue;
		stuck = time_after(now, req->sent_at + timeout);
		break;
	}
	spin_unlock(&dev->req_lock);
	return stuck;
}

struct vng_probe {
	struct vng_args args;
	struct fuse_statfs_out out;
	struct vng_dev *dev;
};

static void vng_probe_end(struct vng_conn *conn, struct vng_args *args,
			  int error)
{
	struct vng_probe *probe = container_of(args, struct vng_probe, args);

	/* any reply at all moved dev->last_reply: that is the answer */
	WRITE_ONCE(probe->dev->probe_pending, false);
	kfree(probe);
}

/*
 * Asks the host something cheap: a host with one slow request still
 * answers it, a dead one does not.  True when a probe is out.
 */
static bool vng_dev_probe(struct vng_dev *dev, struct vng_conn *conn)
{
	struct vng_probe *probe;

	if (READ_ONCE(dev->probe_pending))
		return true;
	probe = kzalloc(sizeof(*probe), GFP_KERNEL);
	if (!probe)
		return false;
	probe->dev = dev;
	probe->args.opcode = FUSE_STATFS;
	probe->args.nodeid = FUSE_ROOT_ID;
	probe->args.nocreds = true;
	probe->args.out_numargs = 1;
	probe->args.out_args[0].size = sizeof(probe->out);
	probe->args.out_args[0].value = &probe->out;
	probe->args.end = vng_probe_end;
	WRITE_ONCE(dev->probe_sent, jiffies);
	WRITE_ONCE(dev->probe_pending, true);
	vng_request_async(conn, &probe->args, GFP_KERNEL);
	return true;
}

/*
 * Neither a waiting request nor the probe got an answer: the host is dead
 * or very slow.  Said once; the session is aborted only with host_abort.
 */
static void vng_dev_host_unresponsive(struct vng_dev *dev,
				      struct vng_conn *conn, unsigned int secs)
{
	if (READ_ONCE(host_abort)) {
		vng_dev_err(dev, "the host has not answered for %u s: aborting the session (host_abort); unmount and check the virtio-fs daemon\n",
			    secs);
		vng_conn_abort(conn);
		return;
	}
	if (READ_ONCE(dev->host_unresponsive))
		return;
	WRITE_ONCE(dev->host_unresponsive, true);
	vng_dev_err(dev, "the host has not answered for %u s, still waiting; to give up on it: umount -f, or echo 1 > /sys/fs/virtiofs_ng/%d/abort\n",
		    secs, dev->index);
	vng_sysfs_changed(dev);
}

static void vng_watchdog_work(struct work_struct *work)
{
	struct vng_dev *dev = container_of(to_delayed_work(work),
					   struct vng_dev, watchdog_work);
	unsigned int secs = READ_ONCE(host_timeout);
	unsigned long timeout = (unsigned long)secs * HZ;
	struct vng_conn *conn = NULL;

	if (READ_ONCE(dev->host_unresponsive) &&
	    time_after(READ_ONCE(dev->last_reply),
		       READ_ONCE(dev->probe_sent))) {
		vng_dev_warn(dev, "the host answers again\n");
		WRITE_ONCE(dev->host_unresponsive, false);
		vng_sysfs_changed(dev);
	}
	if (timeout && vng_dev_host_stuck(dev, timeout)) {
		mutex_lock(&dev->conn_mutex);
		if (dev->conn && kref_get_unless_zero(&dev->conn->kref))
			conn = dev->conn;
		mutex_unlock(&dev->conn_mutex);
	}
	if (conn && READ_ONCE(conn->connected)) {
		if (!READ_ONCE(dev->probe_pending)) {
			vng_dev_probe(dev, conn);
		} else if (time_after(jiffies, READ_ONCE(dev->probe_sent) +
				      min_t(unsigned long, timeout, VNG_WATCHDOG_PERIOD * 2))) {
			vng_dev_host_unresponsive(dev, conn, secs);
		}
	}
	if (conn)
		vng_conn_put(conn);
	schedule_delayed_work(&dev->watchdog_work, VNG_WATCHDOG_PERIOD);
}

void vng_forgets_open(struct vng_dev *dev, bool batch)
{
	spin_lock(&dev->forget_lock);
	dev->forget_open = true;
	dev->forget_batch = batch;
	spin_unlock(&dev->forget_lock);
	WRITE_ONCE(dev->last_reply, jiffies);
	WRITE_ONCE(dev->host_unresponsive, false);
	schedule_delayed_work(&dev->watchdog_work, VNG_WATCHDOG_PERIOD);
}

/* Sends what is queued now (before FUSE_DESTROY). */
void vng_forgets_flush(struct vng_dev *dev)
{
	flush_delayed_work(&dev->forget_work);
}

static void vng_forgets_drop(struct vng_dev *dev)
{
	struct vng_forget_ent *ent, *next;
	LIST_HEAD(list);

	spin_lock(&dev->forget_lock);
	dev->forget_open = false;
	list_splice_init(&dev->forgets, &list);
	dev->nr_forgets = 0;
	spin_unlock(&dev->forget_lock);
	list_for_each_entry_safe(ent, next, &list, entry)
		kfree(ent);
}

void vng_forgets_close(struct vng_dev *dev)
{
	vng_forgets_drop(dev);
	cancel_delayed_work_sync(&dev->forget_work);
	cancel_delayed_work_sync(&dev->watchdog_work);
}

void vng_requests_dev_removed(struct vng_dev *dev)
{
	struct vng_intr *intr, *next;
	LIST_HEAD(list);

	vng_forgets_close(dev);
	cancel_delayed_work_sync(&dev->intr_work);
	spin_lock(&dev->forget_lock);
	list_splice_init(&dev->intr_retry, &list);
	spin_unlock(&dev->forget_lock);
	list_for_each_entry_safe(intr, next, &list, entry) {
		list_del_init(&intr->entry);
		vng_intr_free(intr);
	}
}

void vng_dev_requests_init(struct vng_dev *dev)
{
	atomic64_set(&dev->next_unique, 0);
	spin_lock_init(&dev->req_lock);
	INIT_LIST_HEAD(&dev->reqs);
	spin_lock_init(&dev->forget_lock);
	INIT_LIST_HEAD(&dev->forgets);
	INIT_LIST_HEAD(&dev->intr_retry);
	INIT_DELAYED_WORK(&dev->forget_work, vng_forget_work);
	INIT_DELAYED_WORK(&dev->intr_work, vng_intr_retry_work);
	INIT_DELAYED_WORK(&dev->watchdog_work, vng_watchdog_work);
	dev->last_reply = jiffies;
}

int vng_request_init(void)
{
	vng_req_cache = KMEM_CACHE(vng_req, 0);
	if (!vng_req_cache)
		return -ENOMEM;
	/* writeback can wait for these: they must run under memory pressure */
	vng_end_wq = alloc_workqueue("virtiofs_ng_end",
				     WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!vng_end_wq) {
		kmem_cache_destroy(vng_req_cache);
		return -ENOMEM;
	}
	return 0;
}

void vng_request_exit(void)
{
	destroy_workqueue(vng_end_wq);
	kmem_cache_destroy(vng_req_cache);
}
