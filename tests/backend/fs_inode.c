// SPDX-License-Identifier: GPL-2.0
/*
 * The inode table: host inodes the guest knows, keyed both by nodeid (what
 * the guest sends back) and by (st_dev, st_ino) (so two names of one file
 * share one nodeid).  Nodeids are never reused during the life of the
 * server, so a stale nodeid from the guest finds nothing instead of a
 * different file.  An inode lives while the guest holds lookups on it
 * (nlookup) or a request is using it (pins); the root lives forever.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fs_internal.h"
#include "log.h"

static size_t hash_u64(uint64_t v, size_t nbuckets)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (size_t)(v & (nbuckets - 1));
}

static size_t hash_key(dev_t dev, ino_t ino, size_t nbuckets)
{
	return hash_u64((uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev,
			nbuckets);
}

static void link_inode(struct fs_inode_table *t, struct fs_inode *ino)
{
	size_t a = hash_u64(ino->nodeid, t->nbuckets);
	size_t b = hash_key(ino->dev, ino->ino, t->nbuckets);

	ino->next_id = t->by_id[a];
	t->by_id[a] = ino;
	ino->next_key = t->by_key[b];
	t->by_key[b] = ino;
}

static void unlink_inode(struct fs_inode_table *t, struct fs_inode *ino)
{
	struct fs_inode **pp;

	for (pp = &t->by_id[hash_u64(ino->nodeid, t->nbuckets)]; *pp;
	     pp = &(*pp)->next_id) {
		if (*pp == ino) {
			*pp = ino->next_id;
			break;
		}
	}
	for (pp = &t->by_key[hash_key(ino->dev, ino->ino, t->nbuckets)]; *pp;
	     pp = &(*pp)->next_key) {
		if (*pp == ino) {
			*pp = ino->next_key;
			break;
		}
	}
	ino->hashed = false;
	t->count--;
}

/* Doubles the bucket arrays; on allocation failure the table just stays. */
static void grow(struct fs_inode_table *t)
{
	size_t n = t->nbuckets * 2, i;
	struct fs_inode **id = calloc(n, sizeof(*id));
	struct fs_inode **key = calloc(n, sizeof(*key));
	struct fs_inode **old = t->by_id;
	size_t oldn = t->nbuckets;

	if (!id || !key) {
		free(id);
		free(key);
		return;
	}
	free(t->by_key);
	t->by_id = id;
	t->by_key = key;
	t->nbuckets = n;
	for (i = 0; i < oldn; i++) {
		struct fs_inode *ino = old[i], *next;

		for (; ino; ino = next) {
			next = ino->next_id;
			link_inode(t, ino);
		}
	}
	free(old);
}

int fs_inode_init(struct fs_server *srv, int rootfd)
{
	struct fs_inode_table *t = &srv->inodes;
	struct fs_inode *root;
	struct stat st;

	if (fs_stat(rootfd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	pthread_mutex_init(&t->lock, NULL);
	t->nbuckets = 1024;
	t->by_id = calloc(t->nbuckets, sizeof(*t->by_id));
	t->by_key = calloc(t->nbuckets, sizeof(*t->by_key));
	root = calloc(1, sizeof(*root));
	if (!t->by_id || !t->by_key || !root) {
		free(t->by_id);
		free(t->by_key);
		free(root);
		return -ENOMEM;
	}
	root->nodeid = FUSE_ROOT_ID;
	root->dev = st.st_dev;
	root->ino = st.st_ino;
	root->type = st.st_mode & S_IFMT;
	root->fd = rootfd;
	root->nlookup = 1;
	root->hashed = true;
	t->root = root;
	t->next_nodeid = FUSE_ROOT_ID + 1;
	link_inode(t, root);
	t->count = 1;
	return 0;
}

static void free_inode(struct fs_inode *ino)
{
	close(ino->fd);
	free(ino);
}

void fs_inode_destroy(struct fs_server *srv)
{
	struct fs_inode_table *t = &srv->inodes;
	size_t i;

	for (i = 0; i < t->nbuckets; i++) {
		struct fs_inode *ino = t->by_id[i], *next;

		for (; ino; ino = next) {
			next = ino->next_id;
			free_inode(ino);
		}
	}
	free(t->by_id);
	free(t->by_key);
	pthread_mutex_destroy(&t->lock);
}

static struct fs_inode *find_id(struct fs_inode_table *t, uint64_t nodeid)
{
	struct fs_inode *ino = t->by_id[hash_u64(nodeid, t->nbuckets)];

	while (ino && ino->nodeid != nodeid)
		ino = ino->next_id;
	return ino;
}

/* The inode for a guest nodeid, pinned, or NULL when it is unknown. */
struct fs_inode *fs_inode_get(struct fs_server *srv, uint64_t nodeid)
{
	struct fs_inode_table *t = &srv->inodes;
	struct fs_inode *ino;

	pthread_mutex_lock(&t->lock);
	ino = find_id(t, nodeid);
	if (ino)
		ino->pins++;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

void fs_inode_put(struct fs_server *srv, struct fs_inode *ino)
{
	struct fs_inode_table *t = &srv->inodes;
	bool dead;

	if (!ino)
		return;
	pthread_mutex_lock(&t->lock);
	ino->pins--;
	dead = !ino->hashed && !ino->pins;
	pthread_mutex_unlock(&t->lock);
	if (dead)
		free_inode(ino);
}

/*
 * Takes ownership of fd (an O_PATH descriptor of the object st describes)
 * and gives the guest one more reference to its inode.  If the inode is
 * already known the new fd is closed and the old nodeid returned.
 */
int fs_inode_add(struct fs_server *srv, int fd, const struct stat *st,
		 uint64_t *nodeid)
{
	struct fs_inode_table *t = &srv->inodes;
	struct fs_inode *ino;

	pthread_mutex_lock(&t->lock);
	ino = t->by_key[hash_key(st->st_dev, st->st_ino, t->nbuckets)];
	while (ino && (ino->dev != st->st_dev || ino->ino != st->st_ino))
		ino = ino->next_key;
	if (ino) {
		if (ino != t->root)
			ino->nlookup++;
		*nodeid = ino->nodeid;
		pthread_mutex_unlock(&t->lock);
		close(fd);
		return 0;
	}
	ino = calloc(1, sizeof(*ino));
	if (!ino) {
		pthread_mutex_unlock(&t->lock);
		close(fd);
		return -ENOMEM;
	}
	ino->nodeid = t->next_nodeid++;
	ino->dev = st->st_dev;
	ino->ino = st->st_ino;
	ino->type = st->st_mode & S_IFMT;
	ino->fd = fd;
	ino->nlookup = 1;
	ino->hashed = true;
	if (t->count >= t->nbuckets)
		grow(t);
	link_inode(t, ino);
	t->count++;
	*nodeid = ino->nodeid;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* Drops n guest references; unknown nodeids and the root are ignored. */
void fs_inode_forget(struct fs_server *srv, uint64_t nodeid, uint64_t n)
{
	struct fs_inode_table *t = &srv->inodes;
	struct fs_inode *ino;
	bool dead = false;

	pthread_mutex_lock(&t->lock);
	ino = find_id(t, nodeid);
	if (!ino || ino == t->root) {
		pthread_mutex_unlock(&t->lock);
		if (!ino)
			log_debug("forget of unknown nodeid %llu",
				  (unsigned long long)nodeid);
		return;
	}
	ino->nlookup = n >= ino->nlookup ? 0 : ino->nlookup - n;
	if (!ino->nlookup) {
		unlink_inode(t, ino);
		dead = !ino->pins;
	}
	pthread_mutex_unlock(&t->lock);
	if (dead)
		free_inode(ino);
}

/* Forgets every inode but the root (FUSE_DESTROY, device reset). */
void fs_inode_reset(struct fs_server *srv)
{
	struct fs_inode_table *t = &srv->inodes;
	struct fs_inode *dead = NULL, *ino, *next;
	size_t i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nbuckets; i++) {
		for (ino = t->by_id[i]; ino; ino = next) {
			next = ino->next_id;
			if (ino == t->root)
				continue;
			unlink_inode(t, ino);
			ino->nlookup = 0;
			if (!ino->pins) {
				/* reuse next_key as the free list link */
				ino->next_key = dead;
				dead = ino;
			}
		}
	}
	pthread_mutex_unlock(&t->lock);
	for (ino = dead; ino; ino = next) {
		next = ino->next_key;
		free_inode(ino);
	}
}

size_t fs_inode_count(struct fs_server *srv)
{
	size_t n;

	pthread_mutex_lock(&srv->inodes.lock);
	n = srv->inodes.count;
	pthread_mutex_unlock(&srv->inodes.lock);
	return n;
}

/* For tests: the guest reference count of nodeid, 0 if unknown. */
uint64_t fs_inode_nlookup(struct fs_server *srv, uint64_t nodeid)
{
	struct fs_inode *ino;
	uint64_t n = 0;

	pthread_mutex_lock(&srv->inodes.lock);
	ino = find_id(&srv->inodes, nodeid);
	if (ino)
		n = ino->nlookup;
	pthread_mutex_unlock(&srv->inodes.lock);
	return n;
}

/* For the watcher (fs_watch.c): which nodeid, if any, a host inode has. */
uint64_t fs_inode_find(struct fs_server *srv, dev_t dev, ino_t ino)
{
	struct fs_inode_table *t = &srv->inodes;
	struct fs_inode *i;
	uint64_t n = 0;

	pthread_mutex_lock(&t->lock);
	for (i = t->by_key[hash_key(dev, ino, t->nbuckets)]; i; i = i->next_key) {
		if (i->dev == dev && i->ino == ino) {
			n = i->nodeid;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}
