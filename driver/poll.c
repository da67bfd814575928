// SPDX-License-Identifier: GPL-2.0
/*
 * watch=poll (watch.h): host-side changes found by asking the host, for
 * hosts without a notification queue (QEMU's C virtiofsd, the Rust
 * virtiofsd, the in-repo backend without --notify).
 *
 * Only what a guest process watches is polled: inodes with an fsnotify
 * inode mark (inotify watches, fanotify inode marks; filesystem-wide
 * fanotify marks are not looked at).  Every tick (a delayed work item per
 * superblock) looks for them in the superblock's inode list and asks, within
 * a budget of VNG_POLL_BUDGET requests:
 *
 *   a watched file (or symlink, ...): GETATTR, compared with the attributes
 *     the previous tick saw; size or mtime moved -> data changed
 *     (IN_MODIFY), otherwise ctime, mode, owner or nlink -> IN_ATTRIB;
 *   a watched directory: its listing (READDIRPLUS, or READDIR where the host
 *     lacks it) compared with the snapshot the previous tick kept, name ->
 *     (nodeid, type, attributes): a new name or a name that now means
 *     another node -> vng_host_inval_entry(), a name gone ->
 *     vng_host_delete(), a child whose attributes moved -> as a file above
 *     (its watchers include the directory's).  A node that left one name
 *     and appeared under another within one tick is a move: the DELETE of
 *     the old name and the INVAL_ENTRY of the new one are reported one
 *     right after the other, as the notification queue does.
 *
 * The guest's own changes are not the host's.  They already produced their
 * events, and the next tick must not report them again:
 *   - an inode the guest is changing right now (its i_rwsem held: write,
 *     setattr, a namespace operation in the directory) or whose dirty pages
 *     are not written back yet is skipped for this tick;
 *   - vng_inode.local_changes moves with every change the guest makes
 *     (vng_note_local_change(), attribute invalidation after a write or a
 *     namespace operation).  A file whose counter moved since the last tick
 *     takes the host's attributes as the new reference, silently; in a
 *     directory whose counter moved, a difference is only reported when the
 *     dcache disagrees with it (a new name the guest has not instantiated,
 *     a vanished name the guest still has a positive dentry for).
 *   A host change racing with a guest change of the same inode in the same
 *     tick can thus go unreported; never the other way round.
 *
 * Cost and memory are bounded: a tick sends VNG_POLL_BUDGET requests for
 * its polls (a listing in progress is finished) and VNG_POLL_REPORT_BUDGET
 * LOOKUPs for its reports (an event needs its child), where a host burst
 * (an untar, a checkout) would cost one per name: a new name or a changed
 * child past that budget is left for a later tick (the snapshot keeps the
 * name marked unreported, or the child's old attributes, so the next
 * listing finds it again); removals and moves are never left (a move's
 * halves go together).  At most VNG_POLL_MAX_WATCHED watched inodes per
 * superblock, VNG_POLL_DIR_MAX entries per directory snapshot (a larger
 * directory is polled for its own attributes only, and the kernel log says
 * so once) and VNG_POLL_ENTRIES_MAX entries in all snapshots.  A snapshot is
 * freed on the first tick its inode is no longer watched, and all of them
 * when polling stops (umount, remount to another watch= mode).  A lost
 * session (abort, device removal) ends the ticks; the work item is
 * freezable, so it does not run across suspend.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "fs.h"
#include "hostchange.h"
#include "transport.h"

/* requests per tick (a directory listing in progress is finished) */
#define VNG_POLL_BUDGET		32
/* LOOKUPs per tick for the reports (new names, children without dentry) */
#define VNG_POLL_REPORT_BUDGET	256
#define VNG_POLL_MAX_WATCHED	1024
#define VNG_POLL_DIR_MAX	4096
#define VNG_POLL_ENTRIES_MAX	65536
/* READDIR(PLUS) replies of one listing: more means offsets do not advance */
#define VNG_POLL_MAX_PAGES	1024
#define VNG_POLL_HASH_BITS	7
/*
 * directories whose creation a tick reported, remembered until their first
 * listing or for VNG_POLL_FRESH_TICKS
 */
#define VNG_POLL_FRESH		32
#define VNG_POLL_FRESH_TICKS	10

/* What is compared of a node's attributes. */
struct vng_pattr {
	u64 size;
	u64 mtime;
	u64 ctime;
	u32 mtimensec;
	u32 ctimensec;
	u32 mode;
	u32 nlink;
	u32 uid;
	u32 gid;
};

enum vng_pdiff { VNG_SAME, VNG_ATTRIB, VNG_DATA };

/* One name of a directory snapshot. */
struct vng_snap_ent {
	u64 nodeid;		/* 0 with plain READDIR */
	u64 ino;		/* the host's st_ino: identity without nodeid */
	u64 generation;		/* READDIRPLUS only (has_attr) */
	struct vng_pattr attr;	/* READDIRPLUS only (has_attr) */
	u32 local_changes;	/* of the guest's inode, when it had one */
	bool has_attr;
	bool guest_had;		/* the guest had an inode for it */
	/* a new name past a tick's report budget: compared as not there */
	bool unreported;
	/* attributes put back past the budget: found again, not anew */
	bool attr_deferred;
	u8 type;		/* DT_* */
	u8 len;
	char name[];
};

struct vng_listing {
	struct vng_snap_ent **ents;	/* sorted by name */
	unsigned int nr;
};

struct vng_watch {
	struct hlist_node hash;
	struct list_head entry;		/* p->watches, in round-robin order */
	u64 nodeid;
	u64 seen;			/* the last tick it was watched */
	struct inode *inode;		/* this tick only, referenced */
	/* the inode it was primed on: pointer, host inode number, generation */
	const void *identity;
	u64 id_ino;
	u32 id_gen;
	bool primed;			/* attr (and snap) are a reference */
	bool polled;			/* this tick */
	u32 local_changes;		/* when attr and snap were taken */
	u32 lc_listed;			/* directories: at this tick's listing */
	u32 lc_pre;			/* before this tick's reports */
	struct vng_pattr attr;
	/* directories */
	struct vng_listing snap;
	bool listed;
	bool too_big;
};

/*
 * What a directory's listing showed this tick, reported at the tick's end
 * (hostchange.c must not be called with a directory locked).
 */
enum vng_change_kind {
	VNG_CH_REMOVED,		/* a name is gone */
	VNG_CH_ADDED,		/* a name is new or names another node */
	VNG_CH_ATTR,		/* a child's attributes moved */
	VNG_CH_WATCHED,		/* a watched file without dentry moved */
};

struct vng_change {
	struct list_head entry;
	enum vng_change_kind kind;
	enum vng_pdiff diff;	/* VNG_CH_ATTR */
	/* ADDED, ATTR: the entry in the new snapshot */
	struct vng_snap_ent *ent;
	/* ATTR: the old snapshot's attributes, put back when deferred */
	struct vng_pattr was;
	/* ADDED, ATTR, REMOVED: found before, deferred by a tick's budget */
	bool again;
	/*
	 * ADDED: a guest dentry of this node is no guest creation (the
	 * guest did not change the directory, or the name was deferred):
	 * the guest met it in a lookup or readdir, with no event yet
	 */
	bool met_is_news;
	/* WATCHED: its watch (kept until the next tick) */
	struct vng_watch *w;
	u64 parent;
	u64 nodeid;		/* added: the new node; removed: the old one */
	/* which node nodeid was (it may have been given back since) */
	u64 ino;
	u64 generation;
	bool has_gen;
	u8 type;
	bool done;
	struct qstr name;
	char buf[];
};

struct vng_poll {
	struct super_block *sb;
	struct vng_conn *conn;
	struct delayed_work work;
	unsigned int interval_ms;
	bool stopping;
	u64 tick;
	DECLARE_HASHTABLE(hash, VNG_POLL_HASH_BITS);
	struct list_head watches;
	unsigned int nr_watches;
	unsigned int nr_entries;	/* in all snapshots */
	struct list_head changes;
	struct inode **grab;		/* VNG_POLL_MAX_WATCHED */
	void *buf;			/* one READDIR(PLUS) reply */
	/*
	 * Directories this poller reported as created: a watcher (inotifywait
	 * -r) adds its watch after the event, so the first listing would
	 * miss what the host put inside meanwhile; it is compared with an
	 * empty one instead.  A ring of the host's inode numbers (nodeids of
	 * a listing are not stable), the tick they were reported.
	 */
	struct {
		u64 ino;
		u64 tick;
	} fresh[VNG_POLL_FRESH];
	unsigned int fresh_next;
	bool warned_many;
	bool warned_big;
};

static struct vng_poll_stats *vng_poll_stats(struct vng_poll *p)
{
	return &p->conn->dev->poll_stats;
}

static void vng_poll_sent(struct vng_poll *p, int *budget)
{
	(*budget)--;
	atomic64_inc(&p->conn->watch->polls);
}

static void vng_poll_fired(struct vng_poll *p, int err)
{
	if (!err)
		atomic64_inc(&vng_poll_stats(p)->reported);
}

static bool vng_inode_watched(const struct inode *inode)
{
#ifdef CONFIG_FSNOTIFY
	return READ_ONCE(inode->i_fsnotify_mask) != 0;
#else
	return false;
#endif
}

static void vng_pattr_from(struct vng_pattr *pa, const struct fuse_attr *a)
{
	pa->size = a->size;
	pa->mtime = a->mtime;
	pa->mtimensec = a->mtimensec;
	pa->ctime = a->ctime;
	pa->ctimensec = a->ctimensec;
	pa->mode = a->mode;
	pa->nlink = a->nlink;
	pa->uid = a->uid;
	pa->gid = a->gid;
}

/*
 * A directory's own size, times and link count move with every entry: the
 * listing tells about those; only mode and owner are its attributes.
 */
static enum vng_pdiff vng_pattr_diff(const struct vng_pattr *a,
				     const struct vng_pattr *b)
{
	bool dir = S_ISDIR(a->mode);

	if (!dir && (a->size != b->size || a->mtime != b->mtime ||
		     a->mtimensec != b->mtimensec))
		return VNG_DATA;
	if (a->mode != b->mode || a->uid != b->uid || a->gid != b->gid)
		return VNG_ATTRIB;
	if (!dir && (a->ctime != b->ctime || a->ctimensec != b->ctimensec ||
		     a->nlink != b->nlink))
		return VNG_ATTRIB;
	return VNG_SAME;
}

/* events: hostchange.c fires them; else the caller does (one event) */
static int vng_report_attr(struct vng_poll *p, u64 nodeid,
			   enum vng_pdiff diff, bool events)
{
	struct super_block *from = events ? p->sb : VNG_HC_SILENT;
	int err;

	if (diff == VNG_DATA)
		err = vng_host_inval_inode(p->conn, from, nodeid, 0, -1);
	else
		err = vng_host_inval_inode(p->conn, from, nodeid, -1, 0);
	vng_poll_fired(p, err);
	return err;
}

static u32 vng_local_changes(struct inode *inode)
{
	return READ_ONCE(vng_i(inode)->local_changes);
}

/* The guest has data of its own not yet on the host. */
static bool vng_poll_busy(struct inode *inode)
{
	struct address_space *m = inode->i_mapping;

	if (!S_ISREG(inode->i_mode))
		return false;
	return atomic_read(&vng_i(inode)->writes_in_flight) ||
	       test_bit(VNG_I_CMTIME_DIRTY, &vng_i(inode)->state) ||
	       mapping_tagged(m, PAGECACHE_TAG_DIRTY) ||
	       mapping_tagged(m, PAGECACHE_TAG_WRITEBACK);
}

/* The guest's inode of nodeid, referenced, or NULL. */
static struct inode *vng_poll_ilookup(struct vng_poll *p, u64 nodeid)
{
	return vng_ilookup(p->sb, nodeid);
}

/*
 * Whether inode is the node a listing showed as (ino, type, generation):
 * what is left of a node's identity once its nodeid was given back.
 */
static bool vng_poll_same(struct inode *inode, u64 ino, u8 type,
			  bool has_gen, u64 generation)
{
	if (vng_i(inode)->orig_ino != ino)
		return false;
	if (type != DT_UNKNOWN && type != (inode->i_mode & S_IFMT) >> 12)
		return false;
	return !has_gen || inode->i_generation == generation;
}

/*
 * The guest's inode of a nodeid a listing showed, referenced, or NULL.  A
 * listing's lookup references go back at once, so the host may have given
 * the nodeid to another file since (and the guest met that one under it):
 * only an inode that is still the listed node counts.
 */
static struct inode *vng_poll_node(struct vng_poll *p, u64 nodeid, u64 ino,
				   u8 type, bool has_gen, u64 generation)
{
	struct inode *inode = nodeid ? vng_poll_ilookup(p, nodeid) : NULL;

	if (inode && !vng_poll_same(inode, ino, type, has_gen, generation)) {
		iput(inode);
		inode = NULL;
	}
	return inode;
}

static struct inode *vng_poll_ent_inode(struct vng_poll *p,
					const struct vng_snap_ent *e)
{
	return vng_poll_node(p, e->nodeid, e->ino, e->type, e->has_attr,
			     e->generation);
}

/* ---- snapshots --------------------------------------------------------- */

static void vng_listing_free(struct vng_poll *p, struct vng_listing *l)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		kfree(l->ents[i]);
	kvfree(l->ents);
	p->nr_entries -= l->nr;
	l->ents = NULL;
	l->nr = 0;
}

static int vng_ent_cmp(const void *a, const void *b)
{
	const struct vng_snap_ent *x = *(const struct vng_snap_ent * const *)a;
	const struct vng_snap_ent *y = *(const struct vng_snap_ent * const *)b;
	int c = memcmp(x->name, y->name, min(x->len, y->len));

	return c ? c : (int)x->len - (int)y->len;
}

static void vng_watch_free(struct vng_poll *p, struct vng_watch *w)
{
	hash_del(&w->hash);
	list_del(&w->entry);
	vng_listing_free(p, &w->snap);
	p->nr_watches--;
	kfree(w);
}

static struct vng_watch *vng_watch_find(struct vng_poll *p, u64 nodeid)
{
	struct vng_watch *w;

	hash_for_each_possible(p->hash, w, hash, nodeid)
		if (w->nodeid == nodeid)
			return w;
	return NULL;
}

/* ---- finding the watched inodes --------------------------------------- */

static unsigned int vng_poll_gather(struct vng_poll *p)
{
	struct super_block *sb = p->sb;
	struct inode *inode;
	unsigned int n = 0;
	bool many = false;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (!vng_inode_watched(inode))
			continue;
		if (n == VNG_POLL_MAX_WATCHED) {
			many = true;
			break;
		}
		/* NULL while it is being freed */
		p->grab[n] = igrab(inode);
		if (p->grab[n])
			n++;
	}
	spin_unlock(&sb->s_inode_list_lock);

	if (many && !p->warned_many) {
		p->warned_many = true;
		vng_conn_warn(p->conn, "watch=poll: more than %u watched inodes; the others are not polled",
			      VNG_POLL_MAX_WATCHED);
	}
	return n;
}

static void vng_poll_track(struct vng_poll *p, struct inode *inode)
{
	u64 nodeid = vng_nodeid(inode);
	struct vng_watch *w = vng_watch_find(p, nodeid);

	if (!w) {
		w = kzalloc(sizeof(*w), GFP_KERNEL);
		if (!w) {
			iput(inode);
			return;
		}
		w->nodeid = nodeid;
		hash_add(p->hash, &w->hash, nodeid);
		list_add_tail(&w->entry, &p->watches);
		p->nr_watches++;
	}
	if (w->inode) {
		/* two inodes claim one nodeid: keep the first */
		iput(inode);
		return;
	}
	/* another inode now has this nodeid: start over */
	if (w->identity != inode || w->id_ino != vng_i(inode)->orig_ino ||
	    w->id_gen != inode->i_generation) {
		vng_listing_free(p, &w->snap);
		w->listed = false;
		w->too_big = false;
		w->primed = false;
		w->identity = inode;
		w->id_ino = vng_i(inode)->orig_ino;
		w->id_gen = inode->i_generation;
	}
	w->inode = inode;
	w->seen = p->tick;
}

/* ---- directory listings ----------------------------------------------- */

/*
 * Adds one record to l; consumes its lookup reference (READDIRPLUS).
 * Returns false when l is full.
 */
static bool vng_listing_add(struct vng_poll *p, struct vng_listing *l,
			    unsigned int cap, const struct fuse_dirent *d,
			    const struct fuse_direntplus *dp)
{
	const struct fuse_entry_out *o = dp ? &dp->entry_out : NULL;
	struct vng_snap_ent *e;
	struct inode *inode;
	u64 nodeid = o ? o->nodeid : 0;

	if (vng_dirent_is_dot(d))
		return true;
	if (nodeid)
		vng_forget(p->conn, nodeid, 1);
	if (nodeid && !vng_direntplus_node_ok(dp)) {
		vng_conn_err(p->conn, "watch=poll: READDIRPLUS entry '%.*s': invalid node",
			     (int)d->namelen, d->name);
		return true;
	}
	if (l->nr >= cap)
		return false;

	e = kzalloc(struct_size(e, name, d->namelen + 1), GFP_KERNEL);
	if (!e)
		return false;
	e->nodeid = nodeid;
	e->ino = d->ino;
	e->type = d->type;
	e->len = d->namelen;
	memcpy(e->name, d->name, d->namelen);
	if (o && nodeid) {
		vng_pattr_from(&e->attr, &o->attr);
		e->generation = o->generation;
		e->has_attr = true;
		/* checked above to agree with d->type unless that is unknown */
		e->type = (o->attr.mode & S_IFMT) >> 12;
		inode = vng_poll_ent_inode(p, e);
		if (inode) {
			e->guest_had = true;
			e->local_changes = vng_local_changes(inode);
			iput(inode);
		}
	}
	l->ents[l->nr++] = e;
	p->nr_entries++;
	return true;
}

/*
 * Lists dir into l (sorted).  The caller holds dir's i_rwsem shared, so no
 * namespace operation of the guest runs in it meanwhile.  Returns 0,
 * -E2BIG for a directory over the caps (l is then empty), or an error.
 */
static int vng_poll_list(struct vng_poll *p, struct inode *dir,
			 struct vng_listing *l, int *budget)
{
	struct vng_conn *conn = p->conn;
	unsigned int cap = min_t(unsigned int, VNG_POLL_DIR_MAX,
				 VNG_POLL_ENTRIES_MAX - p->nr_entries);
	struct fuse_read_in in = {};
	struct vng_file *ff;
	unsigned int pages;
	bool full = false;
	int err = 0;

	if (p->nr_entries >= VNG_POLL_ENTRIES_MAX)
		return -E2BIG;
	l->ents = kvmalloc_array(cap, sizeof(*l->ents), GFP_KERNEL);
	if (!l->ents)
		return -ENOMEM;
	l->nr = 0;

	ff = vng_file_open(dir, O_RDONLY, true);
	if (IS_ERR(ff)) {
		kvfree(l->ents);
		l->ents = NULL;
		return PTR_ERR(ff);
	}
	vng_poll_sent(p, budget);

	for (pages = 0; !full; pages++) {
		bool plus = !vng_conn_no(conn, VNG_NO_READDIRPLUS);
		size_t header = plus ? offsetof(struct fuse_direntplus, dirent) : 0;
		struct vng_args args = {};
		size_t len, reclen;
		char *pos;

		if (pages == VNG_POLL_MAX_PAGES) {
			vng_conn_err(conn, "watch=poll: directory %llu: offsets do not advance",
				     vng_nodeid(dir));
			err = -EIO;
			break;
		}
		in.fh = ff->fh;
		in.size = PAGE_SIZE;
		in.flags = O_RDONLY;
		args.opcode = plus ? FUSE_READDIRPLUS : FUSE_READDIR;
		args.nodeid = vng_nodeid(dir);
		args.in_numargs = 1;
		args.in_args[0].size = sizeof(in);
		args.in_args[0].value = &in;
		args.out_numargs = 1;
		args.out_args[0].size = PAGE_SIZE;
		args.out_args[0].value = p->buf;
		args.out_argvar = true;
		err = vng_request(conn, &args);
		vng_poll_sent(p, budget);
		if (plus && vng_unimplemented(err)) {
			vng_conn_set_no(conn, VNG_NO_READDIRPLUS);
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		err = 0;
		len = args.out_size;
		if (!len)
			break;
		for (pos = p->buf; len; pos += reclen, len -= reclen) {
			const struct fuse_direntplus *dp = (void *)pos;
			const struct fuse_dirent *d = (void *)(pos + header);

			reclen = vng_check_dirent(d, len, header);
			if (!reclen) {
				vng_conn_err(conn, "watch=poll: %s: malformed directory entry",
					     plus ? "READDIRPLUS" : "READDIR");
				/* references of the records left are lost */
				err = -EIO;
				break;
			}
			in.offset = d->off;
			if (full) {
				/* past the cap: the lookup reference goes back */
				if (plus && dp->entry_out.nodeid &&
				    !vng_dirent_is_dot(d))
					vng_forget(conn, dp->entry_out.nodeid, 1);
			} else if (!vng_listing_add(p, l, cap, d,
						    plus ? dp : NULL)) {
				full = true;
			}
		}
		if (err)
			break;
	}
	vng_file_release(dir, ff, true, O_RDONLY);

	if (!err && full)
		err = -E2BIG;
	if (err) {
		vng_listing_free(p, l);
		return err;
	}
	sort(l->ents, l->nr, sizeof(*l->ents), vng_ent_cmp, NULL);
	return 0;
}

/* ---- directory differences --------------------------------------------- */

/* again: found before and deferred (not counted twice) */
static struct vng_change *vng_change_add(struct vng_poll *p, u64 parent,
					 struct vng_snap_ent *e,
					 enum vng_change_kind kind, bool again)
{
	struct vng_change *c;

	c = kzalloc(struct_size(c, buf, e->len + 1), GFP_KERNEL);
	if (!c)
		return NULL;
	c->kind = kind;
	c->parent = parent;
	c->nodeid = e->nodeid;
	c->ino = e->ino;
	c->generation = e->generation;
	c->has_gen = e->has_attr;
	c->type = e->type;
	memcpy(c->buf, e->name, e->len);
	c->name = (struct qstr)QSTR_INIT(c->buf, e->len);
	list_add_tail(&c->entry, &p->changes);
	if (!again)
		atomic64_inc(&vng_poll_stats(p)->differences);
	return c;
}

/* The inode of the guest's positive dentry, or NULL (referenced). */
static struct inode *vng_dentry_inode(struct dentry *dentry)
{
	struct inode *inode = NULL;

	if (dentry && d_really_is_positive(dentry))
		inode = igrab(d_inode(dentry));
	dput(dentry);
	return inode;
}

/* The guest's inode of e's name in parent, or NULL (referenced). */
static struct inode *vng_dcache_inode(struct dentry *parent,
				      const struct vng_snap_ent *e)
{
	struct qstr name = QSTR_INIT(e->name, e->len);

	return vng_dentry_inode(vng_dcache_lookup(parent, &name));
}

/*
 * The host's inode number says which node a name is: a nodeid is only
 * stable while someone holds a lookup reference, and the listing's own
 * references are given back at once.
 */
static bool vng_same_node(const struct vng_snap_ent *a,
			  const struct vng_snap_ent *b)
{
	return a->type == b->type && a->ino == b->ino;
}

static bool vng_ent_is(struct inode *inode, const struct vng_snap_ent *e)
{
	return vng_poll_same(inode, e->ino, e->type, e->has_attr,
			     e->generation);
}

static struct inode *vng_change_inode(struct vng_poll *p,
				      const struct vng_change *c)
{
	return vng_poll_node(p, c->nodeid, c->ino, c->type, c->has_gen,
			     c->generation);
}

static bool vng_change_is(struct inode *inode, const struct vng_change *c)
{
	return vng_poll_same(inode, c->ino, c->type, c->has_gen,
			     c->generation);
}

/*
 * A child present in both listings: its attributes, unless the guest
 * changed it itself (its local_changes moved; an inode the guest met only
 * since the old listing counts as changed by it when the counter left 0),
 * is changing it, or watches it (then its own poll reports it, once).
 */
static void vng_child_diff(struct vng_poll *p, u64 parent,
			   const struct vng_snap_ent *o, struct vng_snap_ent *n)
{
	struct vng_change *c;
	enum vng_pdiff diff;
	struct inode *inode;
	bool quiet = false;

	if (!o->has_attr || !n->has_attr)
		return;
	diff = vng_pattr_diff(&o->attr, &n->attr);
	if (diff == VNG_SAME)
		return;
	inode = vng_poll_ent_inode(p, n);
	if (inode) {
		if (vng_inode_watched(inode)) {
			iput(inode);
			return;
		}
		if (vng_poll_busy(inode) || !inode_trylock_shared(inode)) {
			/* compare again next tick */
			n->attr = o->attr;
			n->attr_deferred = o->attr_deferred;
			iput(inode);
			return;
		}
		inode_unlock_shared(inode);
		quiet = o->guest_had ? o->local_changes != n->local_changes :
				       n->local_changes != 0;
	}
	iput(inode);
	if (quiet)
		return;
	c = vng_change_add(p, parent, n, VNG_CH_ATTR, o->attr_deferred);
	if (c) {
		c->diff = diff;
		c->ent = n;
		c->was = o->attr;
		c->again = o->attr_deferred;
	}
}

static bool vng_listing_unreported(const struct vng_listing *l)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		if (l->ents[i]->unreported)
			return true;
	return false;
}

/*
 * Queues the differences between the old and new listing of dir.  The
 * caller holds dir's i_rwsem shared.  guest_acted: the guest changed the
 * directory since the old listing; the dcache tells which differences are
 * its own.  A name the old listing has but never reported (over a tick's
 * report budget) is new still, or, gone again, only worth a removal when
 * the guest met it meanwhile.  Returns whether the names differ at all
 * (reported or not).
 */
static bool vng_dir_diff(struct vng_poll *p, struct inode *dir,
			 struct vng_listing *old, struct vng_listing *new,
			 bool guest_acted)
{
	struct dentry *parent = NULL;
	u64 pnode = vng_nodeid(dir);
	unsigned int i = 0, j = 0;
	bool differs = false, trust;
	struct inode *inode;

	if (guest_acted || vng_listing_unreported(old))
		parent = d_find_alias(dir);
	/* without the directory's dentry every difference is the host's */
	trust = guest_acted && parent;

	while (i < old->nr || j < new->nr) {
		struct vng_snap_ent *o = i < old->nr ? old->ents[i] : NULL;
		struct vng_snap_ent *n = j < new->nr ? new->ents[j] : NULL;
		int c = !o ? 1 : !n ? -1 : vng_ent_cmp(&o, &n);

		if (c == 0 && vng_same_node(o, n) && !o->unreported) {
			vng_child_diff(p, pnode, o, n);
			i++;
			j++;
			continue;
		}
		/* a name still unreported is no news to a cached listing */
		if (!(c == 0 && o->unreported && vng_same_node(o, n)))
			differs = true;
		/*
		 * A name that now means another node is only an addition:
		 * a local rename over a name reports no delete of it either.
		 */
		if (c < 0) {
			bool held;

			inode = parent ? vng_dcache_inode(parent, o) : NULL;
			held = inode && vng_ent_is(inode, o);
			/* unreported: news only to a guest that met it */
			if (o->unreported ? held : !trust || held) {
				struct vng_change *ch;

				ch = vng_change_add(p, pnode, o,
						    VNG_CH_REMOVED, false);
				if (ch)
					ch->again = o->unreported;
			}
			iput(inode);
			i++;
		}
		if (c >= 0) {
			bool again = c == 0 && o->unreported &&
				     vng_same_node(o, n);

			inode = trust ? vng_dcache_inode(parent, n) : NULL;
			/* a guest lookup meanwhile made no event */
			if (again || !trust || !inode ||
			    !vng_ent_is(inode, n)) {
				struct vng_change *ch;

				ch = vng_change_add(p, pnode, n, VNG_CH_ADDED,
						    again);
				if (ch) {
					ch->ent = n;
					ch->again = again;
					ch->met_is_news = again || !guest_acted;
				}
			}
			iput(inode);
			if (c == 0)
				i++;
			j++;
		}
	}
	dput(parent);
	return differs;
}

/*
 * The nodeid a removed name had, for the DELETE: the listing's when the
 * guest holds that node (then the nodeid is still the node's), else, when
 * the name moved, the new name's (looked up, and the same node), else 0:
 * not known (the listing's was given back, the host may have reused it).
 */
static u64 vng_removed_nodeid(struct vng_poll *p, struct vng_change *c,
			      struct vng_change *to, int *budget)
{
	struct fuse_entry_out out;
	struct inode *inode;
	u64 nodeid = 0;

	inode = vng_change_inode(p, c);
	if (inode) {
		iput(inode);
		return c->nodeid;
	}
	if (!to)
		return 0;
	if (vng_lookup_name(p->sb, to->parent, &to->name, &out, &inode))
		return 0;
	vng_poll_sent(p, budget);
	if (inode && vng_change_is(inode, c))
		nodeid = out.nodeid;
	iput(inode);
	return nodeid;
}

/*
 * A child whose attributes moved and that the guest has no dentry of
 * (perhaps an inode, which only tells its own watchers): looked up, so
 * that the event reaches the parent's watchers.  Returns the dentry to
 * put after the report, or NULL when the directory has no dentry either
 * (a watch pins the inode, not its dentry).
 */
static struct dentry *vng_poll_instantiate(struct vng_poll *p,
					   struct vng_change *c, int *budget)
{
	struct dentry *parent, *dentry;
	struct inode *dir;

	dir = vng_poll_ilookup(p, c->parent);
	if (!dir)
		return NULL;
	parent = d_find_alias(dir);
	iput(dir);
	if (!parent)
		return NULL;
	dentry = vng_lookup_noperm_unlocked(&c->name, parent);
	vng_poll_sent(p, budget);
	dput(parent);
	return IS_ERR(dentry) ? NULL : dentry;
}

/*
 * No dentry of the child to carry the event to its parent's watchers: one
 * event on a child, with its name, reaches them and the child's own
 * watchers, as fsnotify_parent() would have sent it (hostchange.c was
 * told to stay silent, or the child's watchers would hear it twice).
 */
static void vng_poll_child_event(struct vng_poll *p, struct inode *dir,
				 const struct qstr *name, struct inode *inode,
				 enum vng_pdiff diff)
{
	u32 mask = diff == VNG_DATA ? FS_MODIFY : FS_ATTRIB;

	if (!vng_fsnotify_sb_watched(p->sb))
		return;
	if (dir)
		fsnotify(mask | FS_EVENT_ON_CHILD, inode, FSNOTIFY_EVENT_INODE,
			 dir, name, inode, 0);
	else
		fsnotify_inode(inode, mask);
	atomic64_inc(&p->conn->watch->events);
}

static void vng_poll_parent_event(struct vng_poll *p, struct vng_change *c,
				  struct inode *inode)
{
	struct inode *dir = vng_poll_ilookup(p, c->parent);

	vng_poll_child_event(p, dir, &c->name, inode, c->diff);
	iput(dir);
}

static struct vng_change *vng_find_added(struct vng_poll *p,
					 const struct vng_change *c)
{
	struct vng_change *it;

	list_for_each_entry(it, &p->changes, entry) {
		if (it->done || it->kind != VNG_CH_ADDED || it->type != c->type)
			continue;
		if (it->ino == c->ino)
			return it;
	}
	return NULL;
}

static bool vng_has_removed_child(struct vng_poll *p,
				  const struct vng_change *c)
{
	struct vng_change *it;

	if (c->type != DT_DIR || !c->nodeid)
		return false;
	list_for_each_entry(it, &p->changes, entry)
		if (it->kind == VNG_CH_REMOVED && !it->done &&
		    it->parent == c->nodeid)
			return true;
	return false;
}

/*
 * hostchange.c makes a node's attributes stale without moving its
 * local_changes (vng_invalidate_attr_host()): a report must never pass for
 * a change of the guest's, or the node's next host change goes unreported
 * (a move seen as delete + create reported the node through two
 * directories' snapshots).  Whatever else a report does to the node (the
 * LOOKUP that first instantiates it) the snapshot entry absorbs, so that
 * the next tick does not take it for the guest's.  A guest change racing with the report is
 * absorbed only when it lands inside the call: never reported twice,
 * at worst a host change left unreported.
 */
struct vng_absorb {
	struct vng_snap_ent *ent;
	struct inode *inode;
	u32 before;
};

static void vng_absorb_begin(struct vng_poll *p, struct vng_absorb *a,
			     struct vng_snap_ent *ent)
{
	a->ent = ent && ent->nodeid ? ent : NULL;
	a->inode = a->ent ? vng_poll_ent_inode(p, ent) : NULL;
	a->before = a->inode ? vng_local_changes(a->inode) : 0;
}

static void vng_absorb_end(struct vng_poll *p, struct vng_absorb *a)
{
	struct inode *inode;

	if (!a->ent)
		return;
	inode = a->inode ? a->inode : vng_poll_ent_inode(p, a->ent);
	if (inode && a->inode && a->ent->guest_had) {
		a->ent->local_changes += vng_local_changes(inode) - a->before;
	} else if (inode) {
		/* met by the guest only now (the report looked it up) */
		a->ent->guest_had = true;
		a->ent->local_changes = vng_local_changes(inode);
	}
	iput(inode);
}

/*
 * A new name whose node the guest met before its report (a readdir or a
 * stat since the listing, or since the tick that deferred it):
 * INVAL_ENTRY would find nothing new there and stay silent, but the
 * watchers were never told of it.  Fires the CREATE from the dcache, with
 * no request; false when the guest has no dentry of that node.
 */
static bool vng_poll_late_create(struct vng_poll *p, struct vng_change *c)
{
	struct inode *dir = vng_poll_ilookup(p, c->parent), *inode;
	bool met = false;

	if (!dir)
		return false;
	inode = vng_dentry_inode(vng_dcache_lookup_dir(dir, &c->name));
	if (inode && vng_change_is(inode, c)) {
		met = true;
		vng_host_name_event(p->conn, FS_CREATE |
				    (S_ISDIR(inode->i_mode) ? FS_ISDIR : 0),
				    dir, &c->name, inode, 0);
		vng_poll_fired(p, 0);
	}
	iput(inode);
	iput(dir);
	return met;
}

/*
 * A name left for a later tick: the guest's dentry of it, negative (ls
 * would list a name stat cannot find) or of the node it meant before (a
 * checkout, an editor's save by rename), must not stand meanwhile: it
 * expires, and its next use asks the host.  No request, no lock, as
 * hostchange.c's expire-only INVAL_ENTRY: d_time is one word.
 */
static void vng_poll_expire_name(struct vng_poll *p, struct vng_change *c)
{
	struct inode *dir = vng_poll_ilookup(p, c->parent);
	struct dentry *dentry = dir ? vng_dcache_lookup_dir(dir, &c->name) : NULL;

	if (dentry)
		vng_invalidate_entry_cache(dentry);
	dput(dentry);
	iput(dir);
}

/* A removal, and right after it the same node's new name if it moved. */
static void vng_report_removal(struct vng_poll *p, struct vng_change *c,
			       int *budget)
{
	struct vng_change *to;
	u64 child;
	int err;

	struct vng_absorb a;

	c->done = true;
	/* met by the guest before its creation was reported: both happened */
	if (c->again)
		vng_poll_late_create(p, c);
	to = vng_find_added(p, c);
	child = vng_removed_nodeid(p, c, to, budget);
	if (!c->nodeid) {
		/* READDIR gave no nodeid: the name alone says it */
		err = vng_host_inval_entry(p->conn, p->sb, c->parent, &c->name, false);
		vng_poll_sent(p, budget);
		vng_poll_fired(p, err);
		return;
	}
	vng_absorb_begin(p, &a, to ? to->ent : NULL);
	err = vng_host_delete(p->conn, p->sb, c->parent, child, &c->name);
	vng_poll_fired(p, err);
	if (to) {
		to->done = true;
		err = vng_host_inval_entry(p->conn, p->sb, to->parent, &to->name,
					   false);
		vng_poll_sent(p, budget);
		vng_poll_fired(p, err);
	}
	vng_absorb_end(p, &a);
}

static void vng_fresh_add(struct vng_poll *p, u64 ino)
{
	p->fresh[p->fresh_next].ino = ino;
	p->fresh[p->fresh_next].tick = p->tick;
	p->fresh_next = (p->fresh_next + 1) % VNG_POLL_FRESH;
}

/* Reported as created lately and not listed since; forgets it. */
static bool vng_fresh(struct vng_poll *p, u64 ino)
{
	unsigned int i;

	for (i = 0; i < VNG_POLL_FRESH; i++) {
		if (!ino || p->fresh[i].ino != ino)
			continue;
		p->fresh[i].ino = 0;
		if (p->fresh[i].tick + VNG_POLL_FRESH_TICKS >= p->tick)
			return true;
	}
	return false;
}

/* Left for a later tick: the next listing finds it again. */
static void vng_defer(struct vng_poll *p, struct vng_change *c)
{
	if (c->kind == VNG_CH_ADDED) {
		c->ent->unreported = true;
		vng_poll_expire_name(p, c);
	} else {
		c->ent->attr = c->was;
		c->ent->attr_deferred = true;
	}
	atomic64_inc(&vng_poll_stats(p)->deferred);
}

static void vng_report_added(struct vng_poll *p, struct vng_change *c,
			     int *budget)
{
	struct vng_absorb a;
	int err;

	/* met by the guest already: the event needs no request, no budget */
	if (!c->met_is_news || !vng_poll_late_create(p, c)) {
		if (*budget <= 0) {
			vng_defer(p, c);
			return;
		}
		vng_absorb_begin(p, &a, c->ent);
		/* its LOOKUP (the new child, for the event) */
		if (c->met_is_news)
			err = vng_host_new_entry(p->conn, p->sb, c->parent,
						 &c->name);
		else
			err = vng_host_inval_entry(p->conn, p->sb, c->parent,
						   &c->name, false);
		vng_poll_sent(p, budget);
		vng_poll_fired(p, err);
		vng_absorb_end(p, &a);
	}
	if (c->type == DT_DIR && c->ino)
		vng_fresh_add(p, c->ino);
}

/* A child's attributes moved (its directory's listing says so). */
static void vng_report_child_attr(struct vng_poll *p, struct vng_change *c,
				  int *budget)
{
	struct fuse_entry_out out;
	struct vng_absorb a;
	struct dentry *dentry;
	struct inode *inode;

	/* the listing's nodeid, while it is still that node's */
	inode = vng_change_inode(p, c);
	dentry = inode ? d_find_alias(inode) : NULL;
	/* with the inode, the event needs no LOOKUP (see below) */
	if (!dentry && !inode && *budget <= 0) {
		vng_defer(p, c);
		return;
	}
	if (!dentry && *budget > 0) {
		dentry = vng_poll_instantiate(p, c, budget);
		/* the name may mean another node by now */
		if (dentry && (d_really_is_negative(dentry) ||
			       (inode && d_inode(dentry) != inode) ||
			       !vng_change_is(d_inode(dentry), c))) {
			dput(dentry);
			dentry = NULL;
		}
		if (dentry && !inode)
			inode = igrab(d_inode(dentry));
	}
	/* the event needs the child: an inode at least */
	if (!inode && !dentry &&
	    !vng_lookup_name(p->sb, c->parent, &c->name, &out, &inode)) {
		vng_poll_sent(p, budget);
		if (inode && !vng_change_is(inode, c)) {
			iput(inode);
			inode = NULL;
		}
	}
	if (inode) {
		vng_absorb_begin(p, &a, c->ent);
		vng_report_attr(p, vng_nodeid(inode), c->diff, !!dentry);
		vng_absorb_end(p, &a);
		if (!dentry)
			vng_poll_parent_event(p, c, inode);
	}
	dput(dentry);
	iput(inode);
}

/*
 * A watched file's change told to hostchange.c silently, and as one event
 * on dir's child name (dir NULL: the file's own watchers only), which
 * reaches the directory's watchers and the file's.
 */
static void vng_report_watched_as(struct vng_poll *p, struct vng_change *c,
				  struct inode *dir, const struct qstr *name)
{
	struct inode *inode = c->w->inode;
	u32 pre = vng_local_changes(inode);

	vng_report_attr(p, c->w->nodeid, c->diff, false);
	vng_poll_child_event(p, dir, name, inode, c->diff);
	/* the report's own invalidation is not a change of the guest's */
	c->w->local_changes += vng_local_changes(inode) - pre;
}

/*
 * A watched file's change with no dentry to carry it to its directory's
 * watchers (a watch pins the inode, not its name: drop_caches, memory
 * pressure prune it), reported once the tick's names are: a watched
 * directory whose snapshot names the file gets the event from here, one
 * event for both (the directory's own poll leaves a watched child to
 * this one).  Names still unreported are no name yet.
 */
static void vng_report_watched(struct vng_poll *p, struct vng_change *c)
{
	struct inode *inode = c->w->inode;
	struct vng_snap_ent *e;
	struct vng_watch *d;
	struct qstr name;
	unsigned int i;
	u32 pre;

	list_for_each_entry(d, &p->watches, entry) {
		if (!d->inode || !d->listed || !S_ISDIR(d->inode->i_mode))
			continue;
		for (i = 0; i < d->snap.nr; i++) {
			e = d->snap.ents[i];
			if (e->unreported || !vng_ent_is(inode, e))
				continue;
			name = (struct qstr)QSTR_INIT(e->name, e->len);
			vng_report_watched_as(p, c, d->inode, &name);
			return;
		}
	}
	pre = vng_local_changes(inode);
	vng_report_attr(p, c->w->nodeid, c->diff, true);
	/* the report's own invalidation is not a change of the guest's */
	c->w->local_changes += vng_local_changes(inode) - pre;
}

/*
 * A watched file without dentry whose name this tick's listings lost (the
 * host wrote it, then removed or moved it): its change is told under the
 * old name, before the removal, as a local write then rm would be.
 */
static void vng_report_watched_gone(struct vng_poll *p, struct vng_change *c)
{
	struct inode *inode = c->w->inode, *dir;
	struct vng_change *r;

	list_for_each_entry(r, &p->changes, entry) {
		if (r->kind != VNG_CH_REMOVED || r->done ||
		    !vng_change_is(inode, r))
			continue;
		dir = vng_poll_ilookup(p, r->parent);
		vng_report_watched_as(p, c, dir, &r->name);
		iput(dir);
		c->done = true;
		return;
	}
}

/*
 * Reports the tick's changes: removals first (a watched file's own change
 * before its name goes), each followed at once by the addition of the
 * same node elsewhere (a move), then the other additions and attribute
 * changes (those left by earlier ticks first), then the changes of watched
 * files without dentry.  Additions and attribute
 * changes that need a LOOKUP wait for a later tick once budget (LOOKUPs)
 * is spent; removals and moves do not wait (a move costs two LOOKUPs).
 */
static void vng_report_changes(struct vng_poll *p, int *budget)
{
	bool progress, last_pass = false;
	struct vng_change *c, *tmp;

	/* a watched file's change goes before its name does (write, rm) */
	list_for_each_entry(c, &p->changes, entry)
		if (c->kind == VNG_CH_WATCHED)
			vng_report_watched_gone(p, c);
	/* a directory's entries go before it, as a local rm -r reports */
	do {
		progress = false;
		list_for_each_entry(c, &p->changes, entry) {
			if (c->kind != VNG_CH_REMOVED || c->done)
				continue;
			if (!last_pass && vng_has_removed_child(p, c))
				continue;
			vng_report_removal(p, c, budget);
			progress = true;
		}
		last_pass = !progress && !last_pass;
	} while (progress || last_pass);
	/* left by earlier ticks first, or a steady burst could starve them */
	list_for_each_entry(c, &p->changes, entry)
		if (c->kind == VNG_CH_ADDED && !c->done && c->again)
			vng_report_added(p, c, budget);
	list_for_each_entry(c, &p->changes, entry)
		if (c->kind == VNG_CH_ATTR && c->again)
			vng_report_child_attr(p, c, budget);
	list_for_each_entry(c, &p->changes, entry)
		if (c->kind == VNG_CH_ADDED && !c->done && !c->again)
			vng_report_added(p, c, budget);
	list_for_each_entry(c, &p->changes, entry)
		if (c->kind == VNG_CH_ATTR && !c->again)
			vng_report_child_attr(p, c, budget);
	list_for_each_entry(c, &p->changes, entry)
		if (c->kind == VNG_CH_WATCHED && !c->done)
			vng_report_watched(p, c);
	list_for_each_entry_safe(c, tmp, &p->changes, entry) {
		list_del(&c->entry);
		kfree(c);
	}
}

/* ---- one watched inode ------------------------------------------------- */

static int vng_poll_getattr(struct vng_poll *p, struct inode *inode,
			    struct fuse_attr_out *out, int *budget)
{
	struct fuse_getattr_in in = {};
	struct vng_args args = {};
	ssize_t err;

	vng_args_in_out(&args, FUSE_GETATTR, vng_nodeid(inode),
			&in, sizeof(in), out, sizeof(*out));
	err = vng_request(p->conn, &args);
	vng_poll_sent(p, budget);
	if (err < 0)
		return err;
	if (!vng_attr_valid(&out->attr) ||
	    ((out->attr.mode ^ inode->i_mode) & S_IFMT)) {
		vng_conn_err(p->conn, "watch=poll: GETATTR of node %llu: invalid attributes",
			     vng_nodeid(inode));
		return -EIO;
	}
	return 0;
}

static void vng_poll_dir(struct vng_poll *p, struct vng_watch *w, u32 before,
			 int *budget)
{
	struct inode *dir = w->inode;
	struct vng_listing new = {};
	int err;

	if (w->too_big)
		return;
	err = vng_poll_list(p, dir, &new, budget);
	if (err == -E2BIG) {
		w->too_big = true;
		vng_listing_free(p, &w->snap);
		w->listed = false;
		if (!p->warned_big) {
			p->warned_big = true;
			vng_conn_warn(p->conn, "watch=poll: directory %llu has over %u entries (or all snapshots over %u): only its attributes are polled",
				      w->nodeid, VNG_POLL_DIR_MAX,
				      VNG_POLL_ENTRIES_MAX);
		}
		return;
	}
	/*
	 * Removed on the host (rm -r): what it held is gone too, and is
	 * reported before the directory itself.
	 */
	if ((err == -ENOENT || err == -ESTALE) && w->listed) {
		new.ents = NULL;
		new.nr = 0;
		err = 0;
	}
	if (err)
		return;
	/*
	 * Any difference ends a cached listing, even one the guest made
	 * itself (already invalidated then) or one not reported as an event.
	 */
	if (w->listed) {
		if (vng_dir_diff(p, dir, &w->snap, &new,
				 w->local_changes != before))
			vng_dircache_invalidate(dir);
	} else if (vng_fresh(p, vng_i(dir)->orig_ino)) {
		if (vng_dir_diff(p, dir, &w->snap, &new, false))
			vng_dircache_invalidate(dir);
	}
	vng_listing_free(p, &w->snap);
	w->snap = new;
	w->listed = true;
}

/*
 * A watched file's change when the file has no dentry: queued for the end
 * of the tick (vng_report_watched()); false when it has one (hostchange.c
 * reaches the directory's watchers through it) or on no memory.
 */
static bool vng_poll_queue_watched(struct vng_poll *p, struct vng_watch *w,
				   struct inode *inode, enum vng_pdiff diff)
{
	struct dentry *alias = d_find_alias(inode);
	struct vng_change *c;

	if (alias) {
		dput(alias);
		return false;
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return false;
	c->kind = VNG_CH_WATCHED;
	c->diff = diff;
	c->w = w;
	c->nodeid = w->nodeid;
	list_add_tail(&c->entry, &p->changes);
	return true;
}

static void vng_poll_one(struct vng_poll *p, struct vng_watch *w,
			 int *budget)
{
	struct inode *inode = w->inode;
	struct fuse_attr_out out;
	struct vng_pattr now;
	enum vng_pdiff diff = VNG_SAME;
	u32 before, pre;
	int err;

	if (vng_is_bad(inode))
		return;
	/* the guest is changing it: its own events are on their way */
	if (!inode_trylock_shared(inode))
		return;
	if (vng_poll_busy(inode)) {
		inode_unlock_shared(inode);
		return;
	}
	/* under the lock: no change of the guest's is half done */
	before = vng_local_changes(inode);
	err = vng_poll_getattr(p, inode, &out, budget);
	if (!err && S_ISDIR(inode->i_mode)) {
		vng_poll_dir(p, w, before, budget);
		w->lc_listed = before;
		w->polled = true;
	}
	inode_unlock_shared(inode);
	if (err)
		return;

	vng_pattr_from(&now, &out.attr);
	if (w->primed && before == w->local_changes)
		diff = vng_pattr_diff(&w->attr, &now);
	w->attr = now;
	w->primed = true;
	/* directories: w->local_changes is settled after the reports */
	if (S_ISDIR(inode->i_mode))
		return;
	pre = vng_local_changes(inode);
	if (diff != VNG_SAME) {
		atomic64_inc(&vng_poll_stats(p)->differences);
		if (!vng_poll_queue_watched(p, w, inode, diff))
			vng_report_attr(p, w->nodeid, diff, true);
	}
	/* the report's own invalidation is not a change of the guest's */
	w->local_changes = before + (vng_local_changes(inode) - pre);
}

/* ---- the tick ---------------------------------------------------------- */

static void vng_poll_tick(struct work_struct *work)
{
	struct vng_poll *p = container_of(to_delayed_work(work),
					  struct vng_poll, work);
	struct vng_watch *w, *tmp;
	int budget = VNG_POLL_BUDGET, lookups = VNG_POLL_REPORT_BUDGET;
	unsigned int n, i, visited = 0;

	/* aborted or the device left: nothing to ask any more */
	if (!READ_ONCE(p->conn->connected))
		return;

	p->tick++;
	n = vng_poll_gather(p);
	for (i = 0; i < n; i++)
		vng_poll_track(p, p->grab[i]);
	list_for_each_entry_safe(w, tmp, &p->watches, entry)
		if (w->seen != p->tick)
			vng_watch_free(p, w);

	/* round robin: what was polled goes to the back */
	while (budget > 0 && visited < p->nr_watches &&
	       READ_ONCE(p->conn->connected)) {
		w = list_first_entry(&p->watches, struct vng_watch, entry);
		list_move_tail(&w->entry, &p->watches);
		visited++;
		vng_poll_one(p, w, &budget);
	}
	list_for_each_entry(w, &p->watches, entry)
		if (w->polled)
			w->lc_pre = vng_local_changes(w->inode);
	vng_report_changes(p, &lookups);

	list_for_each_entry(w, &p->watches, entry) {
		if (!w->inode)
			continue;
		/* directories: the reports' own invalidations are absorbed */
		if (w->polled)
			w->local_changes = w->lc_listed +
				(vng_local_changes(w->inode) - w->lc_pre);
		w->polled = false;
		iput(w->inode);
		w->inode = NULL;
	}

	if (!READ_ONCE(p->stopping) && READ_ONCE(p->conn->connected))
		queue_delayed_work(system_freezable_wq, &p->work,
				   msecs_to_jiffies(READ_ONCE(p->interval_ms)));
}

/* ---- start and stop ---------------------------------------------------- */

bool vng_conn_has_notify(const struct vng_conn *conn)
{
	return READ_ONCE(conn->dev->notify.buf_size) != 0;
}

ssize_t vng_conn_watch_modes(struct vng_conn *conn, char *buf, size_t size)
{
	struct vng_sb *vsb;
	size_t len = 0;

	mutex_lock(&conn->sb_lock);
	list_for_each_entry(vsb, &conn->sb_list, conn_entry) {
		const struct vng_mount_opts *o = &vsb->opts;
		enum vng_watch_mode mode = READ_ONCE(o->watch);

		if (len)
			len += scnprintf(buf + len, size - len, " ");
		if (mode == VNG_WATCH_POLL)
			len += scnprintf(buf + len, size - len, "poll:%u",
					 READ_ONCE(o->watch_ms));
		else
			len += scnprintf(buf + len, size - len, "%s",
					 mode == VNG_WATCH_NOTIFY ? "notify" :
								    "off");
	}
	mutex_unlock(&conn->sb_lock);
	if (len)
		len += scnprintf(buf + len, size - len, "\n");
	return len;
}

int vng_poll_start(struct super_block *sb, unsigned int interval_ms)
{
	struct vng_sb *vsb = vng_sb(sb);
	struct vng_poll *p = vsb->poll;

	if (p) {
		WRITE_ONCE(p->interval_ms, interval_ms);
		mod_delayed_work(system_freezable_wq, &p->work,
				 msecs_to_jiffies(interval_ms));
		return 0;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->grab = kvmalloc_array(VNG_POLL_MAX_WATCHED, sizeof(*p->grab),
				 GFP_KERNEL);
	p->buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!p->grab || !p->buf) {
		kvfree(p->grab);
		kfree(p->buf);
		kfree(p);
		return -ENOMEM;
	}
	p->sb = sb;
	p->conn = vsb->conn;
	p->interval_ms = interval_ms;
	hash_init(p->hash);
	INIT_LIST_HEAD(&p->watches);
	INIT_LIST_HEAD(&p->changes);
	INIT_DELAYED_WORK(&p->work, vng_poll_tick);
	vsb->poll = p;
	queue_delayed_work(system_freezable_wq, &p->work,
			   msecs_to_jiffies(interval_ms));
	return 0;
}

void vng_poll_stop(struct super_block *sb)
{
	struct vng_sb *vsb = vng_sb(sb);
	struct vng_poll *p = vsb ? vsb->poll : NULL;
	struct vng_watch *w, *tmp;

	if (!p)
		return;
	WRITE_ONCE(p->stopping, true);
	cancel_delayed_work_sync(&p->work);
	list_for_each_entry_safe(w, tmp, &p->watches, entry)
		vng_watch_free(p, w);
	vsb->poll = NULL;
	kvfree(p->grab);
	kfree(p->buf);
	kfree(p);
}
