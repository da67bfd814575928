// SPDX-License-Identifier: GPL-2.0
/*
 * The open file table (OPEN, CREATE, OPENDIR).  A fh is an opaque,
 * never-reused number; one from the guest that is unknown, already released
 * or of the wrong kind (file vs directory) finds nothing.  Handles are pinned
 * while a request uses them so RELEASE cannot close the fd under a READ.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs_internal.h"

static size_t bucket(uint64_t fh, size_t n)
{
	fh ^= fh >> 31;
	fh *= 0x9e3779b97f4a7c15ULL;
	fh ^= fh >> 29;
	return (size_t)(fh & (n - 1));
}

int fs_handle_init(struct fs_server *srv)
{
	struct fs_handle_table *t = &srv->handles;

	pthread_mutex_init(&t->lock, NULL);
	t->nbuckets = 256;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	/* start far from small integers so a stray fd number is not a fh */
	t->next_fh = 0x1000;
	return t->buckets ? 0 : -ENOMEM;
}

static void free_handle(struct fs_handle *h)
{
	fs_lock_owners_free(h);
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static void grow(struct fs_handle_table *t)
{
	size_t n = t->nbuckets * 2, i;
	struct fs_handle **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (i = 0; i < t->nbuckets; i++) {
		struct fs_handle *h = t->buckets[i], *next;

		for (; h; h = next) {
			size_t k = bucket(h->fh, n);

			next = h->next;
			h->next = b[k];
			b[k] = h;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

/* Takes ownership of fd; returns the new fh or 0 (fd closed) on ENOMEM. */
uint64_t fs_handle_add(struct fs_server *srv, int fd, bool is_dir,
		       uint64_t nodeid)
{
	struct fs_handle_table *t = &srv->handles;
	struct fs_handle *h = calloc(1, sizeof(*h));
	uint64_t fh;
	size_t k;

	if (!h) {
		close(fd);
		return 0;
	}
	h->fd = fd;
	h->is_dir = is_dir;
	h->nodeid = nodeid;
	h->hashed = true;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_lock(&t->lock);
	if (t->count >= t->nbuckets)
		grow(t);
	fh = h->fh = t->next_fh++;
	k = bucket(fh, t->nbuckets);
	h->next = t->buckets[k];
	t->buckets[k] = h;
	t->count++;
	/* h may be released (or reset away) as soon as we unlock */
	pthread_mutex_unlock(&t->lock);
	return fh;
}

static struct fs_handle **find(struct fs_handle_table *t, uint64_t fh)
{
	struct fs_handle **pp = &t->buckets[bucket(fh, t->nbuckets)];

	while (*pp && (*pp)->fh != fh)
		pp = &(*pp)->next;
	return pp;
}

struct fs_handle *fs_handle_get(struct fs_server *srv, uint64_t fh,
				bool is_dir)
{
	struct fs_handle_table *t = &srv->handles;
	struct fs_handle *h;

	pthread_mutex_lock(&t->lock);
	h = *find(t, fh);
	if (h && h->is_dir == is_dir)
		h->pins++;
	else
		h = NULL;
	pthread_mutex_unlock(&t->lock);
	return h;
}

void fs_handle_put(struct fs_server *srv, struct fs_handle *h)
{
	struct fs_handle_table *t = &srv->handles;
	bool dead;

	if (!h)
		return;
	pthread_mutex_lock(&t->lock);
	dead = !--h->pins && !h->hashed;
	pthread_mutex_unlock(&t->lock);
	if (dead)
		free_handle(h);
}

int fs_handle_remove(struct fs_server *srv, uint64_t fh, bool is_dir)
{
	struct fs_handle_table *t = &srv->handles;
	struct fs_handle **pp, *h;
	bool dead;

	pthread_mutex_lock(&t->lock);
	pp = find(t, fh);
	h = *pp;
	if (!h || h->is_dir != is_dir) {
		pthread_mutex_unlock(&t->lock);
		return -EBADF;
	}
	*pp = h->next;
	h->hashed = false;
	t->count--;
	dead = !h->pins;
	pthread_mutex_unlock(&t->lock);
	if (dead)
		free_handle(h);
	return 0;
}

void fs_handle_reset(struct fs_server *srv)
{
	struct fs_handle_table *t = &srv->handles;
	struct fs_handle *dead = NULL, *h, *next;
	size_t i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nbuckets; i++) {
		for (h = t->buckets[i]; h; h = next) {
			next = h->next;
			h->hashed = false;
			if (!h->pins) {
				h->next = dead;
				dead = h;
			}
		}
		t->buckets[i] = NULL;
	}
	t->count = 0;
	pthread_mutex_unlock(&t->lock);
	for (h = dead; h; h = next) {
		next = h->next;
		free_handle(h);
	}
}

void fs_handle_destroy(struct fs_server *srv)
{
	fs_handle_reset(srv);
	free(srv->handles.buckets);
	pthread_mutex_destroy(&srv->handles.lock);
}

size_t fs_handle_count(struct fs_server *srv)
{
	size_t n;

	pthread_mutex_lock(&srv->handles.lock);
	n = srv->handles.count;
	pthread_mutex_unlock(&srv->handles.lock);
	return n;
}
