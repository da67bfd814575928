// SPDX-License-Identifier: GPL-2.0
/*
 * --fault OPCODE:delay-async:MS: replies held back without holding a queue.
 *
 * The server handles such a request at once, into a buffer of its own
 * (fs_server.c), and leaves the finished reply here with the guest's
 * buffers and the transport's token.  A timer thread copies it into the
 * guest's buffers when it is due and completes the token through the
 * transport's hook, as the lock table does for a SETLKW that waited.  So
 * the requests behind it on the same queue are answered first: a host
 * whose reply to one READ comes back late while it answers later ones.
 *
 * Every held reply is completed exactly once: by the timer, or by
 * fs_delay_cancel() when the transport takes the ring or the guest's
 * memory away (then with -EINTR, at once), both under t->lock, which is
 * also held around the copy into guest memory.  fs_delay_destroy() drops
 * what is left without completing it: the transport is gone by then.
 * Lock order: t->lock, then whatever the hook takes (the queue's lock).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs_fault.h"
#include "fs_internal.h"
#include "log.h"

struct fs_delayed {
	void *token;
	struct iovec *wr;	/* the guest's writable buffers */
	int nwr;
	unsigned char *reply;	/* len bytes, the reply as it will be sent */
	long len;
	uint64_t unique;
	uint32_t opcode;
	struct timespec due;	/* CLOCK_MONOTONIC */
	struct fs_delayed *next;	/* t->list, earliest first */
};

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void scatter(const struct iovec *wr, int nwr, const unsigned char *src,
		    size_t len)
{
	int i;

	for (i = 0; i < nwr && len; i++) {
		size_t c = wr[i].iov_len < len ? wr[i].iov_len : len;

		memcpy(wr[i].iov_base, src, c);
		src += c;
		len -= c;
	}
}

static void free_delayed(struct fs_delayed *d)
{
	free(d->wr);
	free(d->reply);
	free(d);
}

/*
 * Writes d's reply (or an error header alone) into the guest's buffers
 * and completes it; d is unlinked, t->lock held.
 */
static void deliver(struct fs_delay_table *t, struct fs_delayed *d, int err)
{
	long len = d->len;

	if (err) {
		struct fuse_out_header oh = {
			.len = sizeof(oh), .error = -err, .unique = d->unique,
		};
		size_t cap = 0;
		int i;

		for (i = 0; i < d->nwr; i++)
			cap += d->wr[i].iov_len;
		len = cap >= sizeof(oh) ? (long)sizeof(oh) : 0;
		scatter(d->wr, d->nwr, (const unsigned char *)&oh, (size_t)len);
	} else {
		scatter(d->wr, d->nwr, d->reply, (size_t)len);
	}
	log_debug("fault: delay-async: %s unique %llu answered%s",
		  fs_opcode_name(d->opcode) ?: "?",
		  (unsigned long long)d->unique, err ? " -EINTR (cancelled)" : "");
	t->complete(d->token, len);
	free_delayed(d);
}

static void *timer_main(void *arg)
{
	struct fs_delay_table *t = arg;
	struct timespec now;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		struct fs_delayed *d = t->list;

		if (!d) {
			pthread_cond_wait(&t->cond, &t->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_before(&now, &d->due)) {
			pthread_cond_timedwait(&t->cond, &t->lock, &d->due);
			continue;
		}
		t->list = d->next;
		deliver(t, d, 0);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

void fs_delay_init(struct fs_server *srv)
{
	struct fs_delay_table *t = &srv->delays;
	pthread_condattr_t ca;

	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	t->list = NULL;
	t->started = false;
	t->stop = false;
	t->complete = NULL;
}

void fs_delay_set_complete(struct fs_server *srv, fs_complete_fn *complete)
{
	pthread_mutex_lock(&srv->delays.lock);
	srv->delays.complete = complete;
	pthread_mutex_unlock(&srv->delays.lock);
}

int fs_delay_add(struct fs_server *srv, void *token, const struct iovec *wr,
		 int nwr, unsigned char *reply, long len, unsigned int ms,
		 uint64_t unique, uint32_t opcode)
{
	struct fs_delay_table *t = &srv->delays;
	struct fs_delayed *d, **pp;
	int err = 0;

	if (!token || len < 0)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->wr = malloc((size_t)(nwr > 0 ? nwr : 1) * sizeof(*wr));
	if (!d->wr) {
		free(d);
		return -ENOMEM;
	}
	if (nwr > 0)
		memcpy(d->wr, wr, (size_t)nwr * sizeof(*wr));
	d->nwr = nwr > 0 ? nwr : 0;
	d->token = token;
	d->reply = reply;
	d->len = len;
	d->unique = unique;
	d->opcode = opcode;
	clock_gettime(CLOCK_MONOTONIC, &d->due);
	d->due.tv_sec += ms / 1000;
	d->due.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (d->due.tv_nsec >= 1000000000L) {
		d->due.tv_sec++;
		d->due.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&t->lock);
	if (!t->complete || t->stop) {
		err = -EINVAL;
	} else if (!t->started) {
		err = -pthread_create(&t->thread, NULL, timer_main, t);
		t->started = !err;
	}
	if (err) {
		pthread_mutex_unlock(&t->lock);
		d->reply = NULL;	/* still the caller's */
		free_delayed(d);
		return err;
	}
	/* FIFO among equal due times: after every entry not later than d */
	for (pp = &t->list; *pp && !ts_before(&d->due, &(*pp)->due);
	     pp = &(*pp)->next)
		;
	d->next = *pp;
	*pp = d;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	log_debug("fault: delay-async: %s unique %llu held back %u ms",
		  fs_opcode_name(opcode) ?: "?", (unsigned long long)unique,
		  ms);
	return 0;
}

bool fs_delay_cancel(struct fs_server *srv, void *token)
{
	struct fs_delay_table *t = &srv->delays;
	struct fs_delayed *d, **pp;

	if (!token)
		return false;
	pthread_mutex_lock(&t->lock);
	for (pp = &t->list; (d = *pp); pp = &d->next)
		if (d->token == token)
			break;
	if (d) {
		*pp = d->next;
		deliver(t, d, EINTR);
	}
	pthread_mutex_unlock(&t->lock);
	return d != NULL;
}

void fs_delay_destroy(struct fs_server *srv)
{
	struct fs_delay_table *t = &srv->delays;
	struct fs_delayed *d;

	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (t->started)
		pthread_join(t->thread, NULL);
	/* the transport is gone: held replies are dropped, not answered */
	while ((d = t->list)) {
		t->list = d->next;
		free_delayed(d);
	}
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
}
