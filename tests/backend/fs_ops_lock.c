// SPDX-License-Identifier: GPL-2.0
/*
 * GETLK, SETLK, SETLKW: checks the request and hands it to the lock table
 * (fs_lock.c), which keeps POSIX and flock locks in memory with the
 * guest's lock owners and pids.  A SETLKW that has to wait is deferred
 * (FS_DEFERRED) so the queue worker stays free for the unlock that will
 * let it through.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs_internal.h"

/* Locks used to live on per-owner host descriptors; nothing opens them now. */
void fs_lock_owners_free(struct fs_handle *h)
{
	struct fs_lock_owner *o, *next;

	for (o = h->owners; o; o = next) {
		next = o->next;
		close(o->fd);
		free(o);
	}
	h->owners = NULL;
}

/* The request's handle must be one of ours (and a file), like a local fd. */
static int check_fh(struct fs_req *r, uint64_t fh)
{
	struct fs_handle *h = fs_handle_get(r->srv, fh, false);

	if (!h)
		return -EBADF;
	fs_handle_put(r->srv, h);
	return 0;
}

int fs_op_getlk(struct fs_req *r)
{
	const struct fuse_lk_in *in = req_arg(r, sizeof(*in));
	struct fuse_lk_out *out;
	int err;

	if (!in)
		return -EINVAL;
	err = check_fh(r, in->fh);
	if (err)
		return err;
	out = reply_buf(r, sizeof(*out));
	if (!out)
		return -EINVAL;
	return fs_lock_get(r->srv, r->in->nodeid, in, &out->lk);
}

static int do_setlk(struct fs_req *r, bool wait)
{
	const struct fuse_lk_in *in = req_arg(r, sizeof(*in));
	int err;

	if (!in)
		return -EINVAL;
	err = check_fh(r, in->fh);
	if (err)
		return err;
	return fs_lock_set(r, r->in->nodeid, in, wait);
}

int fs_op_setlk(struct fs_req *r)
{
	return do_setlk(r, false);
}

int fs_op_setlkw(struct fs_req *r)
{
	return do_setlk(r, true);
}
