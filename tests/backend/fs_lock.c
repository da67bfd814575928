// SPDX-License-Identifier: GPL-2.0
/*
 * The lock table: POSIX record locks and flock locks kept in memory, per
 * inode, with exactly the semantics the guest kernel expects from a FUSE
 * server that offers FUSE_POSIX_LOCKS and FUSE_FLOCK_LOCKS.
 *
 * Why not host locks: a host fcntl lock has the pid of this daemon and
 * belongs to its open file descriptions, so GETLK could never report the
 * guest holder's pid, and a blocking host lock would park a queue worker
 * (the unlock that would free it may be queued behind it).  Here a lock
 * records the guest's lock_owner and pid, and a SETLKW that has to wait is
 * parked in a list and answered later through the transport's completion
 * hook (FS_REPLY_DEFERRED), leaving the worker free.  The locks are not
 * visible to host processes; the shared directory is the guest's.
 *
 * POSIX locks (kind posix) and flock locks never conflict with each other,
 * as on Linux.  A flock lock is a whole-file lock of one guest open file;
 * the guest's flock owner is that file, and so is our handle (one FUSE
 * open per guest struct file), so flock locks are keyed by fh, which also
 * lets RELEASE of the handle drop them whatever flags it carries.  One mutex guards everything; nothing here sleeps but the
 * synchronous fallback wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fs_internal.h"
#include "log.h"

struct fs_lock {
	uint64_t owner;
	uint64_t start, end;	/* inclusive; end <= FS_LOCK_OFFSET_MAX */
	uint32_t type;		/* F_RDLCK or F_WRLCK */
	uint32_t pid;		/* as the guest sent it, for GETLK */
	bool flock;
	struct fs_lock *next;
};

struct fs_lock_inode {
	uint64_t nodeid;
	struct fs_lock *locks;
	struct fs_lock_inode *next;
};

/* A SETLKW waiting for a conflicting lock to go away. */
struct fs_lock_waiter {
	uint64_t unique, nodeid;
	struct fuse_lk_in in;
	/* asynchronous: reply into wr and call the hook with token */
	void *token;
	struct iovec *wr;
	int nwr;
	/* synchronous: the request's thread sleeps on cond */
	pthread_cond_t cond;
	bool done;
	int result;
	struct fs_lock_waiter *next;
};

/* A checked request: kind, owner, type and an inclusive range. */
struct fs_lock_req {
	uint64_t owner, start, end;
	uint32_t type, pid;
	bool flock;
};

void fs_lock_init(struct fs_server *srv)
{
	struct fs_lock_table *t = &srv->locks;

	pthread_mutex_init(&t->lock, NULL);
	t->inodes = NULL;
	t->waiters = NULL;
	t->waiters_tail = &t->waiters;
}

static int check_req(const struct fuse_lk_in *in, struct fs_lock_req *q)
{
	const struct fuse_file_lock *lk = &in->lk;

	if (lk->type != F_RDLCK && lk->type != F_WRLCK && lk->type != F_UNLCK)
		return -EINVAL;
	q->owner = in->owner;
	q->type = lk->type;
	q->pid = lk->pid;
	q->flock = in->lk_flags & FUSE_LK_FLOCK;
	if (q->flock) {
		q->owner = in->fh;
		q->start = 0;
		q->end = FS_LOCK_OFFSET_MAX;
		return 0;
	}
	if (lk->start > FS_LOCK_OFFSET_MAX || lk->end < lk->start)
		return -EINVAL;
	q->start = lk->start;
	/* the guest says OFFSET_MAX for "to end of file"; take more as that */
	q->end = lk->end > FS_LOCK_OFFSET_MAX ? FS_LOCK_OFFSET_MAX : lk->end;
	return 0;
}

static struct fs_lock_inode *find_inode(struct fs_lock_table *t,
					uint64_t nodeid, bool create)
{
	struct fs_lock_inode *li;

	for (li = t->inodes; li; li = li->next)
		if (li->nodeid == nodeid)
			return li;
	if (!create)
		return NULL;
	li = calloc(1, sizeof(*li));
	if (!li)
		return NULL;
	li->nodeid = nodeid;
	li->next = t->inodes;
	t->inodes = li;
	return li;
}

/* Drops the inode's entry once it holds no locks. */
static void put_inode(struct fs_lock_table *t, struct fs_lock_inode *li)
{
	struct fs_lock_inode **pp;

	if (!li || li->locks)
		return;
	for (pp = &t->inodes; *pp; pp = &(*pp)->next) {
		if (*pp == li) {
			*pp = li->next;
			free(li);
			return;
		}
	}
}

static bool overlaps(const struct fs_lock *l, uint64_t start, uint64_t end)
{
	return l->start <= end && start <= l->end;
}

/* The first lock of another owner that keeps q from being granted. */
static struct fs_lock *find_conflict(struct fs_lock_inode *li,
				     const struct fs_lock_req *q)
{
	struct fs_lock *l, *first = NULL;

	if (!li || q->type == F_UNLCK)
		return NULL;
	for (l = li->locks; l; l = l->next) {
		if (l->flock != q->flock || l->owner == q->owner)
			continue;
		if (!overlaps(l, q->start, q->end))
			continue;
		/* the lowest one, as a local GETLK would report it */
		if ((l->type == F_WRLCK || q->type == F_WRLCK) &&
		    (!first || l->start < first->start))
			first = l;
	}
	return first;
}

static struct fs_lock *new_lock(const struct fs_lock *tmpl, uint64_t start,
				uint64_t end)
{
	struct fs_lock *l = malloc(sizeof(*l));

	if (!l)
		return NULL;
	*l = *tmpl;
	l->start = start;
	l->end = end;
	return l;
}

/*
 * Applies q (already known not to conflict) to the owner's locks: what it
 * covers is replaced, pieces of the owner's other-type locks outside the
 * range survive (a split), and same-type locks touching it are merged in.
 * Builds the new list aside first so ENOMEM leaves the old one intact.
 */
static int apply(struct fs_lock_inode *li, const struct fs_lock_req *q)
{
	struct fs_lock *keep = NULL, *add = NULL, *l, *next, *p;
	struct fs_lock tmpl;
	uint64_t start = q->start, end = q->end;
	bool mine;

	for (l = li->locks; l; l = l->next) {
		mine = l->flock == q->flock && l->owner == q->owner;
		if (!mine || q->flock)
			continue;
		if (l->type == q->type && q->type != F_UNLCK &&
		    l->start <= (end == FS_LOCK_OFFSET_MAX ? end : end + 1) &&
		    (start == 0 ? 0 : start - 1) <= l->end) {
			/* same type, overlapping or adjacent: merge */
			if (l->start < start)
				start = l->start;
			if (l->end > end)
				end = l->end;
		}
	}
	/* pieces of the owner's locks that stay outside [start, end] */
	for (l = li->locks; l; l = l->next) {
		mine = l->flock == q->flock && l->owner == q->owner;
		if (!mine || !overlaps(l, start, end))
			continue;
		if (l->start < start) {
			p = new_lock(l, l->start, start - 1);
			if (!p)
				goto nomem;
			p->next = add;
			add = p;
		}
		if (l->end > end) {
			p = new_lock(l, end + 1, l->end);
			if (!p)
				goto nomem;
			p->next = add;
			add = p;
		}
	}
	if (q->type != F_UNLCK) {
		memset(&tmpl, 0, sizeof(tmpl));
		tmpl.owner = q->owner;
		tmpl.type = q->type;
		tmpl.pid = q->pid;
		tmpl.flock = q->flock;
		p = new_lock(&tmpl, start, end);
		if (!p)
			goto nomem;
		p->next = add;
		add = p;
	}
	/* commit: drop the owner's overlapping locks, add the new pieces */
	for (l = li->locks; l; l = next) {
		next = l->next;
		mine = l->flock == q->flock && l->owner == q->owner;
		if (mine && overlaps(l, start, end)) {
			free(l);
		} else {
			l->next = keep;
			keep = l;
		}
	}
	while (add) {
		p = add->next;
		add->next = keep;
		keep = add;
		add = p;
	}
	li->locks = keep;
	return 0;

nomem:
	while (add) {
		p = add->next;
		free(add);
		add = p;
	}
	return -ENOMEM;
}

/* Writes a bare out header (SETLK has no payload) into the saved buffers. */
static long write_reply(const struct iovec *wr, int nwr, uint64_t unique,
			int error)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh), .error = error, .unique = unique,
	};
	const unsigned char *src = (const unsigned char *)&oh;
	size_t left = sizeof(oh), total = 0;
	int i;

	for (i = 0; i < nwr; i++)
		total += wr[i].iov_len;
	if (total < sizeof(oh))
		return 0;
	for (i = 0; i < nwr && left; i++) {
		size_t c = wr[i].iov_len < left ? wr[i].iov_len : left;

		memcpy(wr[i].iov_base, src, c);
		src += c;
		left -= c;
	}
	return (long)sizeof(oh);
}

/* Takes w off the wait list; t->lock held. */
static void unlink_waiter(struct fs_lock_table *t, struct fs_lock_waiter *w)
{
	struct fs_lock_waiter **pp;

	for (pp = &t->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			if (t->waiters_tail == &w->next)
				t->waiters_tail = pp;
			w->next = NULL;
			return;
		}
	}
}

/* Ends a waiter (already unlinked) with err; t->lock held. */
static void finish(struct fs_lock_table *t, struct fs_lock_waiter *w, int err)
{
	long len;

	if (!w->token) {
		w->result = err;
		w->done = true;
		pthread_cond_broadcast(&w->cond);
		return;
	}
	len = write_reply(w->wr, w->nwr, w->unique, err);
	t->complete(w->token, len);
	free(w->wr);
	free(w);
}

/* Grants whatever waiters on nodeid can now go ahead, oldest first. */
static void wake(struct fs_lock_table *t, uint64_t nodeid)
{
	struct fs_lock_waiter *w, *next;
	struct fs_lock_inode *li;
	struct fs_lock_req q;
	bool again = true;
	int err;

	while (again) {
		again = false;
		for (w = t->waiters; w; w = next) {
			next = w->next;
			if (w->nodeid != nodeid)
				continue;
			li = find_inode(t, nodeid, false);
			if (check_req(&w->in, &q) == 0 && find_conflict(li, &q))
				continue;
			err = check_req(&w->in, &q);
			if (!err) {
				li = find_inode(t, nodeid, true);
				err = li ? apply(li, &q) : -ENOMEM;
				put_inode(t, li);
			}
			unlink_waiter(t, w);
			finish(t, w, err);
			/* a granted lock can be a downgrade: look again */
			again = true;
			break;
		}
	}
}

int fs_lock_get(struct fs_server *srv, uint64_t nodeid,
		const struct fuse_lk_in *in, struct fuse_file_lock *out)
{
	struct fs_lock_table *t = &srv->locks;
	struct fs_lock_req q;
	struct fs_lock *l;
	int err = check_req(in, &q);

	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->type = F_UNLCK;
	if (q.type == F_UNLCK)
		return 0;
	pthread_mutex_lock(&t->lock);
	l = find_conflict(find_inode(t, nodeid, false), &q);
	if (l) {
		out->start = l->start;
		out->end = l->end;
		out->type = l->type;
		out->pid = l->pid;
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static int wait_lock(struct fs_req *r, struct fs_lock_table *t,
		     uint64_t nodeid, const struct fuse_lk_in *in)
{
	struct fs_lock_waiter *w, local;
	size_t sz;

	if (r->token && t->complete) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -ENOMEM;
		sz = (size_t)(r->nwr > 0 ? r->nwr : 1) * sizeof(*w->wr);
		w->wr = malloc(sz);
		if (!w->wr) {
			free(w);
			return -ENOMEM;
		}
		if (r->nwr > 0)
			memcpy(w->wr, r->wr, (size_t)r->nwr * sizeof(*w->wr));
		w->nwr = r->nwr > 0 ? r->nwr : 0;
		w->token = r->token;
	} else {
		w = &local;
		memset(w, 0, sizeof(*w));
		pthread_cond_init(&w->cond, NULL);
	}
	w->unique = r->in->unique;
	w->nodeid = nodeid;
	w->in = *in;
	*t->waiters_tail = w;
	t->waiters_tail = &w->next;
	if (w->token)
		return FS_DEFERRED;
	/* no transport to finish it later: sleep here (unit tests, tools) */
	while (!w->done)
		pthread_cond_wait(&w->cond, &t->lock);
	pthread_cond_destroy(&w->cond);
	return w->result;
}

int fs_lock_set(struct fs_req *r, uint64_t nodeid,
		const struct fuse_lk_in *in, bool wait)
{
	struct fs_lock_table *t = &r->srv->locks;
	struct fs_lock_inode *li;
	struct fs_lock_req q;
	int err = check_req(in, &q);

	if (err)
		return err;
	pthread_mutex_lock(&t->lock);
	li = find_inode(t, nodeid, false);
	if (find_conflict(li, &q)) {
		err = wait ? wait_lock(r, t, nodeid, in) : -EAGAIN;
		pthread_mutex_unlock(&t->lock);
		return err;
	}
	if (!li && q.type == F_UNLCK) {
		/* nothing held here: unlocking is a no-op */
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	li = find_inode(t, nodeid, true);
	err = li ? apply(li, &q) : -ENOMEM;
	put_inode(t, li);
	if (!err)
		wake(t, nodeid);
	pthread_mutex_unlock(&t->lock);
	return err;
}

void fs_lock_release_owner(struct fs_server *srv, uint64_t nodeid,
			   uint64_t owner, bool flock)
{
	struct fs_lock_table *t = &srv->locks;
	struct fs_lock *l, **pp;
	struct fs_lock_inode *li;
	bool changed = false;

	pthread_mutex_lock(&t->lock);
	li = find_inode(t, nodeid, false);
	if (li) {
		for (pp = &li->locks; (l = *pp);) {
			if (l->owner == owner && l->flock == flock) {
				*pp = l->next;
				free(l);
				changed = true;
			} else {
				pp = &l->next;
			}
		}
		put_inode(t, li);
	}
	if (changed)
		wake(t, nodeid);
	pthread_mutex_unlock(&t->lock);
}

bool fs_lock_interrupt(struct fs_server *srv, uint64_t unique)
{
	struct fs_lock_table *t = &srv->locks;
	struct fs_lock_waiter *w;

	pthread_mutex_lock(&t->lock);
	for (w = t->waiters; w; w = w->next)
		if (w->unique == unique)
			break;
	if (w) {
		unlink_waiter(t, w);
		finish(t, w, -EINTR);
	}
	pthread_mutex_unlock(&t->lock);
	return w != NULL;
}

bool fs_lock_cancel(struct fs_server *srv, void *token)
{
	struct fs_lock_table *t = &srv->locks;
	struct fs_lock_waiter *w;

	if (!token)
		return false;
	pthread_mutex_lock(&t->lock);
	for (w = t->waiters; w; w = w->next)
		if (w->token == token)
			break;
	if (w) {
		unlink_waiter(t, w);
		finish(t, w, -EINTR);
	}
	pthread_mutex_unlock(&t->lock);
	return w != NULL;
}

static void free_locks(struct fs_lock_table *t)
{
	struct fs_lock_inode *li;
	struct fs_lock *l;

	while ((li = t->inodes)) {
		t->inodes = li->next;
		while ((l = li->locks)) {
			li->locks = l->next;
			free(l);
		}
		free(li);
	}
}

void fs_lock_reset(struct fs_server *srv)
{
	struct fs_lock_table *t = &srv->locks;
	struct fs_lock_waiter *w;

	pthread_mutex_lock(&t->lock);
	free_locks(t);
	while ((w = t->waiters)) {
		unlink_waiter(t, w);
		finish(t, w, -EINTR);
	}
	pthread_mutex_unlock(&t->lock);
}

void fs_lock_destroy(struct fs_server *srv)
{
	struct fs_lock_table *t = &srv->locks;
	struct fs_lock_waiter *w;

	/* the transport is gone: deferred requests are dropped, not answered */
	pthread_mutex_lock(&t->lock);
	free_locks(t);
	while ((w = t->waiters)) {
		unlink_waiter(t, w);
		if (w->token) {
			free(w->wr);
			free(w);
		} else {
			w->result = -EINTR;
			w->done = true;
			pthread_cond_broadcast(&w->cond);
		}
	}
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_destroy(&t->lock);
}
