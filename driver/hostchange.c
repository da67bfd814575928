// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side changes turned into what a local change would have done
 * (hostchange.h): invalidations of attributes, page cache and dentries,
 * and the fsnotify events that guest watchers (inotify, fanotify) expect.
 *
 * Choices, and why:
 *
 * - Every superblock of the session sees each change: a nodeid may be
 *   cached in the tag's superblock and in submounts.  conn->sb_lock is held
 *   across a walk; vng_kill_sb() takes it to leave the list before the
 *   superblock is shut down, so every superblock we see stays usable for
 *   the walk (fs/fuse holds its killsb semaphore the same way).  No inode
 *   reference outlives a walk, or an unmount would find busy inodes.
 *
 * - Lock order: hostchange lock, conn->sb_lock, then one directory's
 *   inode lock (I_MUTEX_PARENT, the order rename and unlink use) while its
 *   dentry is looked up and invalidated, as fs/fuse's reverse entry
 *   invalidation does.  Never two directories at once.
 *
 * - No request is ever sent with any of these locks held.  A host that
 *   does not answer would otherwise hold up the unmount (sb_lock), every
 *   later host change and every operation in the directory; fs/fuse sends
 *   nothing there at all.  What needs an answer (the LOOKUP below) is
 *   asked between two walks, and waits VNG_HC_LOOKUP_WAIT at most.
 *
 * - What a name is now is only known by asking: an INVAL_ENTRY is applied
 *   in three steps.  First the invalidation, under the locks, on every
 *   superblock, remembering which node each had under the name.  Then, with
 *   no lock held, a LOOKUP per superblock where it serves events (a
 *   watcher is there, or a DELETE waits for its pair), and on the first
 *   superblock when a DELETE waits but none wants events (the pair decides
 *   nlink for all): each reply carries a reference the superblock's inode
 *   takes over.  Last, under the locks
 *   again, each superblock still on the list gets its reply linked into
 *   the dcache (so later changes of the node reach the parent's watchers
 *   by name) and its events.  A reply whose superblock left meanwhile goes
 *   back with a FORGET.  A LOOKUP that failed or timed out tells nothing:
 *   no event for the name, the invalidation stands.
 *
 * - Events fire only where they were asked for (hostchange.h, @from): a
 *   superblock mounted watch=notify hears the notification queue, one
 *   mounted watch=poll its own poller, watch=off nothing.  Invalidations
 *   reach every superblock whatever its mode: caches stay coherent.
 *
 * - Moves: the host reports a rename as DELETE(old parent, child, old
 *   name) immediately followed by INVAL_ENTRY(new parent, new name).  A
 *   DELETE's invalidation happens at once, its event waits: when the next
 *   call is an INVAL_ENTRY whose name now resolves to the same child, the
 *   pair is reported as one move (IN_MOVED_FROM and IN_MOVED_TO sharing a
 *   cookie, then IN_MOVE_SELF); anything else, or VNG_MOVE_PAIR_WAIT
 *   without a next call, reports the delete (IN_DELETE, and for a child
 *   whose last name went, IN_DELETE_SELF and the end of its watches).
 *   FS_RENAME (fanotify's one-event rename) is not fired: its event data
 *   needs dentries of both names, which a host change does not give.
 *
 * - A directory's own INVAL_INODE fires nothing: its entries' changes are
 *   reported by the name events, and its mtime moving with them is what
 *   a local create or unlink does silently too.  For other inodes, data
 *   (off >= 0) fires IN_MODIFY, attributes only IN_ATTRIB, on the inode
 *   and through a cached dentry to its parent's watchers.
 *
 * - The events of a name the guest never looked up still reach the
 *   parent's watchers; the event data then is the child inode when it is
 *   cached or looked up, else the directory itself (fsnotify needs an
 *   inode for the superblock; inotify reports only the name).
 */
#include <linux/completion.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/iversion.h>
#include <linux/jiffies.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/posix_acl.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>

#include "fs.h"
#include "hostchange.h"
#include "notify.h"

/*
 * How long a DELETE waits for the INVAL_ENTRY of its move.  The host sends
 * the two back to back, so the second is normally already on the ring;
 * this only bounds a lost pair, well inside the 50 ms event latency goal.
 */
#define VNG_MOVE_PAIR_WAIT	msecs_to_jiffies(20)

/*
 * How long applying a host change waits for the LOOKUP of a name.  Host
 * changes are applied one at a time, in order: a host that leaves the
 * LOOKUP unanswered delays the next ones by this much, and its name gets
 * no event.  A host that answers at all answers in milliseconds.
 */
#define VNG_HC_LOOKUP_WAIT	(5 * HZ)

/* ---- helpers ----------------------------------------------------------- */

/* A name a host message may carry: one path component, not . or .. */
static bool vng_hc_name_ok(const struct qstr *name)
{
	if (!name->len || name->len > NAME_MAX)
		return false;
	if (memchr(name->name, '/', name->len) ||
	    memchr(name->name, '\0', name->len))
		return false;
	if (name->name[0] == '.' &&
	    (name->len == 1 || (name->len == 2 && name->name[1] == '.')))
		return false;
	return true;
}

/*
 * Whether sb's watchers hear of a change learnt from @from: the
 * notification queue (NULL) speaks to superblocks mounted watch=notify, a
 * poller to its own superblock (hostchange.h).
 */
static bool vng_hc_events(struct super_block *sb, struct super_block *from)
{
	if (from)
		return sb == from;
	return READ_ONCE(vng_sb(sb)->opts.watch) == VNG_WATCH_NOTIFY;
}

/* Counts an event fired on sb's objects, when anyone can hear it. */
static void vng_hc_counted(struct vng_conn *conn, struct super_block *sb)
{
	if (conn->watch && vng_fsnotify_sb_watched(sb))
		atomic64_inc(&conn->watch->events);
}

void vng_host_name_event(struct vng_conn *conn, u32 mask, struct inode *dir,
			 const struct qstr *name, struct inode *child,
			 u32 cookie)
{
	fsnotify_name(mask, child ? child : dir, FSNOTIFY_EVENT_INODE, dir,
		      name, cookie);
	vng_hc_counted(conn, dir->i_sb);
}

/* The attributes we hold are stale, and so is any reply in flight. */
static void vng_hc_stale_attr(struct vng_conn *conn, struct inode *inode)
{
	struct vng_inode *vi = vng_i(inode);

	spin_lock(&vi->lock);
	vi->attr_version = atomic64_inc_return(&conn->attr_version);
	spin_unlock(&vi->lock);
	vng_invalidate_attr_host(inode);
	if (IS_POSIXACL(inode))
		forget_all_cached_acls(inode);
	/* a directory's INVAL_INODE, or an entry change in it */
	if (S_ISDIR(inode->i_mode))
		vng_dircache_invalidate(inode);
}

/* A directory's entries changed: attributes stale, readdir cache too. */
static void vng_hc_dir_changed(struct vng_conn *conn, struct inode *dir)
{
	vng_hc_stale_attr(conn, dir);
	inode_maybe_inc_iversion(dir, false);
}

/* The cached directory of nodeid on sb with a reference, or NULL. */
static struct inode *vng_hc_dir(struct super_block *sb, u64 nodeid)
{
	struct inode *dir = vng_ilookup(sb, nodeid);

	if (dir && !S_ISDIR(dir->i_mode)) {
		iput(dir);
		return NULL;
	}
	return dir;
}

/* Stale until the next lookup; unhashed (and its subtree) unless only. */
static void vng_hc_drop_dentry(struct dentry *entry, bool expire_only)
{
	vng_invalidate_entry_cache(entry);
	if (!expire_only)
		d_invalidate(entry);
}

/*
 * A name of inode is gone for good: nlink drops, and when it was the last
 * the inode's watchers get IN_DELETE_SELF (with @events) and lose their
 * watches, as with a local unlink.
 */
static void vng_hc_unlinked(struct vng_conn *conn, struct inode *inode,
			    bool events)
{
	struct vng_inode *vi = vng_i(inode);
	bool gone;

	spin_lock(&vi->lock);
	vi->attr_version = atomic64_inc_return(&conn->attr_version);
	/* only the name that takes the last link away reports the inode gone */
	gone = inode->i_nlink > 0;
	if (S_ISDIR(inode->i_mode))
		clear_nlink(inode);
	else if (inode->i_nlink > 0)
		drop_nlink(inode);
	gone = gone && !inode->i_nlink;
	spin_unlock(&vi->lock);
	vng_invalidate_attr_host(inode);
	if (gone && events) {
		vng_hc_counted(conn, inode->i_sb);
		fsnotify_inoderemove(inode);
	}
}

/* ---- the pending DELETE ------------------------------------------------ */

/*
 * A DELETE that was no move, as far as sb can tell: tells sb's watchers;
 * sb_lock held.  Only when the guest knows the child lost this name
 * (@sure: no INVAL_ENTRY followed, or a LOOKUP found another node or none
 * there) does its nlink drop; otherwise it may be a moved, live inode whose
 * new name the guest never saw, and its attributes are only made stale.
 */
static void vng_hc_report_delete_sb(struct vng_conn *conn,
				    struct super_block *sb,
				    const struct vng_hc_delete *del, bool sure)
{
	struct qstr name = QSTR_INIT(del->name, del->len);
	u32 mask = FS_DELETE | (del->isdir ? FS_ISDIR : 0);
	bool events = vng_hc_events(sb, del->from);
	struct inode *dir, *child;

	lockdep_assert_held(&conn->sb_lock);
	child = del->child ? vng_ilookup(sb, del->child) : NULL;
	dir = vng_hc_dir(sb, del->parent);
	if (dir && events)
		vng_host_name_event(conn, mask, dir, &name, child, 0);
	if (child && sure)
		vng_hc_unlinked(conn, child, events);
	else if (child)
		vng_hc_stale_attr(conn, child);
	iput(child);
	iput(dir);
}

/* The same for every superblock; sb_lock held. */
static void vng_hc_report_delete_all(struct vng_conn *conn,
				     const struct vng_hc_delete *del)
{
	struct vng_sb *vsb;

	lockdep_assert_held(&conn->sb_lock);
	list_for_each_entry(vsb, &conn->sb_list, conn_entry)
		vng_hc_report_delete_sb(conn, vsb->sb, del, true);
}

/* Reports the pending DELETE, if any, as a delete; hc->lock held. */
static void vng_hc_flush_pending_locked(struct vng_conn *conn)
{
	struct vng_hostchange *hc = &conn->hostchange;

	lockdep_assert_held(&hc->lock);
	if (!hc->pending)
		return;
	mutex_lock(&conn->sb_lock);
	vng_hc_report_delete_all(conn, &hc->del);
	mutex_unlock(&conn->sb_lock);
	hc->pending = false;
}

static void vng_hc_flush_work(struct work_struct *work)
{
	struct vng_hostchange *hc = container_of(to_delayed_work(work),
						 struct vng_hostchange,
						 flush_work);
	struct vng_conn *conn = container_of(hc, struct vng_conn, hostchange);

	mutex_lock(&hc->lock);
	vng_hc_flush_pending_locked(conn);
	mutex_unlock(&hc->lock);
}

void vng_hostchange_init(struct vng_conn *conn)
{
	struct vng_hostchange *hc = &conn->hostchange;

	mutex_init(&hc->lock);
	hc->pending = false;
	INIT_DELAYED_WORK(&hc->flush_work, vng_hc_flush_work);
	init_waitqueue_head(&hc->pins_wq);
}

void vng_hostchange_destroy(struct vng_conn *conn)
{
	struct vng_hostchange *hc = &conn->hostchange;

	/* no superblock is left: a pending DELETE has nobody to tell */
	cancel_delayed_work_sync(&hc->flush_work);
	hc->pending = false;
}

/* ---- FUSE_NOTIFY_INVAL_INODE ------------------------------------------ */

/* A file whose data the guest caches in its page cache. */
static bool vng_hc_has_pages(struct inode *inode)
{
	return S_ISREG(inode->i_mode) && !IS_DAX(inode);
}

static void vng_hc_inval_data(struct inode *inode, s64 off, s64 len)
{
	pgoff_t first, last;

	if (!vng_hc_has_pages(inode))
		return;
	first = off >> PAGE_SHIFT;
	if (len <= 0 || off > LLONG_MAX - len)
		last = (pgoff_t)-1;
	else
		last = (off + len - 1) >> PAGE_SHIFT;
	/* dirty pages stay (-EBUSY): they are newer than the host's data */
	invalidate_inode_pages2_range(inode->i_mapping, first, last);
}

static void vng_hc_inode_event(struct vng_conn *conn, struct inode *inode,
			       u32 mask)
{
	struct dentry *alias;

	if (S_ISDIR(inode->i_mode))
		return;
	/* through a dentry, so the parent's watchers hear of it too */
	alias = d_find_alias(inode);
	if (alias) {
		fsnotify_dentry(alias, mask);
		dput(alias);
	} else {
		fsnotify_inode(inode, mask);
	}
	vng_hc_counted(conn, inode->i_sb);
}

/*
 * An inode whose page cache an INVAL_INODE drops, held from the walk
 * (sb_lock) to the invalidation (hc->lock only).  Dropping pages waits
 * for page locks, which a READ the host has not answered holds, and
 * writes mmapped dirty pages back (launder), which waits for the host: a
 * host that does not answer must not hold up mounts and unmounts of the
 * tag through sb_lock.  The superblock's hc_pins makes its unmount wait
 * (after the session's abort, when it is the last) until the inode
 * reference is gone, so that no inode is busy at unmount.
 *
 * Nor may such a host hold up every later host change, of other files
 * too, until the abort: the pages are dropped by a work item, and the
 * apply work waits for it VNG_HC_INVAL_WAIT at most.  Normally it is done
 * well before, and the event keeps its place among the others; when not,
 * the inode is marked VNG_I_HC_SLOW, its event comes whenever its pages
 * go, and later changes of the same inode do not wait either until one
 * of its invalidations ends.
 */
#define VNG_HC_INVAL_WAIT	(HZ / 2)

struct vng_hc_pinned {
	struct list_head entry;
	struct work_struct work;
	struct completion done;
	refcount_t ref;			/* the work's and the waiter's */
	struct vng_conn *conn;		/* a reference */
	struct vng_sb *vsb;
	struct inode *inode;
	s64 off, len;
	bool events;
};

static struct workqueue_struct *vng_hc_wq;

static void vng_hc_pinned_put(struct vng_hc_pinned *p)
{
	struct vng_conn *conn = p->conn;

	if (!refcount_dec_and_test(&p->ref))
		return;
	iput(p->inode);
	if (atomic_dec_and_test(&p->vsb->hc_pins))
		wake_up_all(&conn->hostchange.pins_wq);
	kfree(p);
	vng_conn_put(conn);
}

static void vng_hc_inval_work(struct work_struct *work)
{
	struct vng_hc_pinned *p = container_of(work, struct vng_hc_pinned,
					       work);

	vng_hc_inval_data(p->inode, p->off, p->len);
	/* the event after the pages went: a reader it wakes sees new data */
	if (p->events)
		vng_hc_inode_event(p->conn, p->inode, FS_MODIFY);
	clear_bit(VNG_I_HC_SLOW, &vng_i(p->inode)->state);
	complete(&p->done);
	vng_hc_pinned_put(p);
}

void vng_hostchange_unpin_wait(struct vng_sb *vsb)
{
	wait_event(vsb->conn->hostchange.pins_wq,
		   !atomic_read(&vsb->hc_pins));
}

int vng_host_inval_inode(struct vng_conn *conn, struct super_block *from,
			 u64 nodeid, s64 off, s64 len)
{
	struct vng_hostchange *hc = &conn->hostchange;
	unsigned long deadline = jiffies + VNG_HC_INVAL_WAIT;
	struct vng_hc_pinned *p, *next;
	LIST_HEAD(pinned);
	struct vng_sb *vsb;
	int err = -ENOENT;

	if (!nodeid)
		return -EINVAL;
	mutex_lock(&hc->lock);
	vng_hc_flush_pending_locked(conn);
	mutex_lock(&conn->sb_lock);
	list_for_each_entry(vsb, &conn->sb_list, conn_entry) {
		struct inode *inode = vng_ilookup(vsb->sb, nodeid);
		bool events = vng_hc_events(vsb->sb, from);

		if (!inode)
			continue;
		err = 0;
		vng_hc_stale_attr(conn, inode);
		if (off >= 0 && vng_hc_has_pages(inode)) {
			p = kmalloc(sizeof(*p), GFP_KERNEL);
			if (p) {
				INIT_WORK(&p->work, vng_hc_inval_work);
				init_completion(&p->done);
				refcount_set(&p->ref, 2);
				vng_conn_get(conn);
				p->conn = conn;
				p->vsb = vsb;
				p->inode = inode;	/* our reference */
				p->off = off;
				p->len = len;
				p->events = events;
				atomic_inc(&vsb->hc_pins);
				list_add_tail(&p->entry, &pinned);
				continue;
			}
			/* no memory for the entry: drop the pages here */
			vng_hc_inval_data(inode, off, len);
		}
		if (events)
			vng_hc_inode_event(conn, inode,
					   off >= 0 ? FS_MODIFY : FS_ATTRIB);
		iput(inode);
	}
	mutex_unlock(&conn->sb_lock);
	list_for_each_entry_safe(p, next, &pinned, entry) {
		struct vng_inode *vi = vng_i(p->inode);
		long left = (long)(deadline - jiffies);

		list_del(&p->entry);
		queue_work(vng_hc_wq, &p->work);
		if (test_bit(VNG_I_HC_SLOW, &vi->state))
			left = 0;
		if (left <= 0 ||
		    !wait_for_completion_timeout(&p->done, left)) {
			/* cleared by the work if it ended meanwhile */
			set_bit(VNG_I_HC_SLOW, &vi->state);
			if (completion_done(&p->done))
				clear_bit(VNG_I_HC_SLOW, &vi->state);
		}
		vng_hc_pinned_put(p);
	}
	mutex_unlock(&hc->lock);
	return err;
}

int vng_hostchange_module_init(void)
{
	/* unbound, not ordered: one inode's locked page must not stop others */
	vng_hc_wq = alloc_workqueue("virtiofs_ng_inval", WQ_UNBOUND, 0);
	return vng_hc_wq ? 0 : -ENOMEM;
}

void vng_hostchange_module_exit(void)
{
	/* every mount is gone, and each waited for its pins: drains tails */
	destroy_workqueue(vng_hc_wq);
}

/* ---- FUSE_NOTIFY_INVAL_ENTRY ------------------------------------------ */

/*
 * One superblock's part of an INVAL_ENTRY, carried from the invalidation
 * to the LOOKUP (no lock held) to the events.  vsb and sb identify the
 * superblock only: they are looked for on the list again, never followed
 * outside sb_lock.
 */
struct vng_hc_name {
	struct vng_sb *vsb;
	struct super_block *sb;
	u64 dir_ino;		/* the directory's identity, for step three */
	u32 dir_gen;
	u64 old;		/* the node the dcache had under the name, or 0 */
	/* which node that was: a nodeid may be reused once forgotten */
	u64 old_ino;
	u32 old_gen;
	bool old_isdir;
	bool events;		/* its watchers hear of this change */
	bool ask;		/* a LOOKUP serves its events */
	/* the node is new to its watchers though the dcache had it */
	bool news;
	int err;		/* the LOOKUP's: 0, -ENOENT, else unknown */
	u64 attr_version;	/* conn->attr_version before the LOOKUP */
	struct fuse_entry_out out;	/* nodeid != 0: a reference we own */
};

/*
 * Links what the LOOKUP found into sb's dcache as any lookup's result
 * would be, so later changes of the node reach the parent's watchers by
 * name.  dir's inode lock is held, so no other lookup of the name is in
 * progress.  Consumes the reply's reference; returns the inode (a
 * reference) or NULL.
 */
static struct inode *vng_hc_instantiate(struct super_block *sb,
					struct inode *dir,
					const struct qstr *name,
					const struct vng_hc_name *n)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	const struct fuse_entry_out *out = &n->out;
	struct qstr q = QSTR_INIT(name->name, name->len);
	struct dentry *parent, *dentry = NULL, *alias;
	struct inode *inode;

	inode = vng_iget(sb, out->nodeid, out->generation, &out->attr,
			 vng_timeout(sb, out->attr_valid, out->attr_valid_nsec),
			 n->attr_version);
	if (IS_ERR(inode))
		return NULL;	/* the reference went back */
	if (vng_is_bad(dir))
		return inode;
	parent = d_find_alias(dir);
	if (!parent)
		return inode;
	q.hash = full_name_hash(parent, q.name, q.len);
	dentry = d_lookup(parent, &q);
	if (!dentry)
		dentry = vng_d_alloc_parallel(parent, &q, &wq);
	if (IS_ERR(dentry))
		dentry = NULL;
	/* a dentry that is still hashed (expire only, or met meanwhile) stays */
	if (dentry && !d_in_lookup(dentry)) {
		dput(dentry);
		dentry = NULL;
	}
	if (dentry) {
		/* the splice takes a reference of its own */
		ihold(inode);
		alias = d_splice_alias(inode, dentry);
		d_lookup_done(dentry);
		if (!IS_ERR(alias)) {
			vng_dentry_settime(alias ? alias : dentry,
					   out->entry_valid,
					   out->entry_valid_nsec);
			dput(alias);
		}
		dput(dentry);
	}
	dput(parent);
	return inode;
}

/*
 * The pending DELETE's child now has this name: one move.  dir (locked)
 * is the new parent, inode the child.
 */
static void vng_hc_report_move(struct vng_conn *conn, struct super_block *sb,
			       const struct vng_hc_delete *del,
			       struct inode *dir, const struct qstr *name,
			       struct inode *inode, u32 cookie)
{
	struct qstr old = QSTR_INIT(del->name, del->len);
	u32 isdir = S_ISDIR(inode->i_mode) ? FS_ISDIR : 0;
	struct inode *olddir;

	olddir = vng_hc_dir(sb, del->parent);
	if (olddir) {
		vng_host_name_event(conn, FS_MOVED_FROM | isdir, olddir, &old,
				    inode, cookie);
		iput(olddir);
	}
	vng_host_name_event(conn, FS_MOVED_TO | isdir, dir, name, inode, cookie);
	fsnotify_inode(inode, FS_MOVE_SELF);
	vng_hc_counted(conn, sb);
}

/*
 * Step one, on each superblock (sb_lock held): the name is stale now.
 * Fills n (one slot per superblock, up to max) and returns how many
 * LOOKUPs step two sends.
 */
static unsigned int vng_hc_inval_names(struct vng_conn *conn,
				       struct super_block *from, u64 parent,
				       const struct qstr *name,
				       bool expire_only, bool pending,
				       struct vng_hc_name *n,
				       unsigned int max, unsigned int *nr)
{
	unsigned int asks = 0;
	struct vng_sb *vsb;
	struct inode *dir;
	struct dentry *entry;

	*nr = 0;
	list_for_each_entry(vsb, &conn->sb_list, conn_entry) {
		struct super_block *sb = vsb->sb;
		struct vng_hc_name *cur = *nr < max ? &n[*nr] : NULL;

		dir = vng_hc_dir(sb, parent);
		if (!dir)
			continue;
		inode_lock_nested(dir, I_MUTEX_PARENT);
		vng_hc_dir_changed(conn, dir);
		entry = vng_dcache_lookup_dir(dir, name);
		if (entry) {
			if (cur && d_really_is_positive(entry)) {
				cur->old = vng_nodeid(d_inode(entry));
				cur->old_ino = vng_i(d_inode(entry))->orig_ino;
				cur->old_gen = d_inode(entry)->i_generation;
				cur->old_isdir = d_is_dir(entry);
			}
			/* the node may have lost this name (its nlink, ctime) */
			if (d_really_is_positive(entry) && !expire_only)
				vng_hc_stale_attr(conn, d_inode(entry));
			vng_hc_drop_dentry(entry, expire_only);
			dput(entry);
		}
		inode_unlock(dir);
		if (cur) {
			cur->dir_ino = vng_i(dir)->orig_ino;
			cur->dir_gen = dir->i_generation;
		}
		iput(dir);
		if (!cur)
			continue;	/* out of slots: invalidated, no events */
		cur->vsb = vsb;
		cur->sb = sb;
		cur->events = vng_hc_events(sb, from);
		cur->ask = cur->events &&
			   (pending || vng_fsnotify_sb_watched(sb));
		asks += cur->ask;
		(*nr)++;
	}
	return asks;
}

/*
 * Whether inode is the node the dcache had under the name: the dentry
 * went, so the inode may have been evicted and forgotten since, and the
 * host may have given its nodeid to the very node the LOOKUP found.
 */
static bool vng_hc_was_old(const struct vng_hc_name *n, struct inode *inode)
{
	return inode && n->old && vng_nodeid(inode) == n->old &&
	       vng_i(inode)->orig_ino == n->old_ino &&
	       inode->i_generation == n->old_gen;
}

/* Step three, on one superblock (hc->lock and sb_lock held). */
static void vng_hc_name_events(struct vng_conn *conn, struct super_block *sb,
			       u64 parent, const struct qstr *name,
			       struct vng_hc_name *n,
			       const struct vng_hc_delete *del, bool sure,
			       u32 cookie)
{
	struct inode *dir, *old, *now = NULL;
	bool known = n->ask && (!n->err || n->err == -ENOENT);

	dir = vng_hc_dir(sb, parent);
	/* forgotten and its nodeid reused meanwhile: not the same directory */
	if (dir && (vng_i(dir)->orig_ino != n->dir_ino ||
		    dir->i_generation != n->dir_gen)) {
		iput(dir);
		dir = NULL;
	}
	if (!dir) {
		/* no move this superblock can see: the delete stands */
		if (del)
			vng_hc_report_delete_sb(conn, sb, del, sure);
		return;
	}
	inode_lock_nested(dir, I_MUTEX_PARENT);
	if (n->ask && !n->err && n->out.nodeid) {
		now = vng_hc_instantiate(sb, dir, name, n);
		n->out.nodeid = 0;	/* the reference is the inode's now */
	}
	old = n->old ? vng_ilookup(sb, n->old) : NULL;
	if (old && !vng_hc_was_old(n, old)) {
		iput(old);
		old = NULL;
	}

	if (now && del && del->child == vng_nodeid(now)) {
		if (n->events)
			vng_hc_report_move(conn, sb, del, dir, name, now,
					   cookie);
		goto out;
	}
	/* the delete first: a name removed and created anew stays in order */
	if (del)
		vng_hc_report_delete_sb(conn, sb, del, sure);
	if (!n->events || !known)
		goto out;
	if (now && (!vng_hc_was_old(n, now) || n->news)) {
		vng_host_name_event(conn, FS_CREATE |
				    (S_ISDIR(now->i_mode) ? FS_ISDIR : 0),
				    dir, name, now, 0);
	} else if (!now && n->old) {
		/* gone without a DELETE: the host could not name the child */
		vng_host_name_event(conn, FS_DELETE |
				    (n->old_isdir ? FS_ISDIR : 0),
				    dir, name, old, 0);
	}
out:
	inode_unlock(dir);
	iput(now);
	iput(old);
	iput(dir);
}

/* Superblocks one INVAL_ENTRY follows on the stack; more is rare (submounts). */
#define VNG_HC_NAMES_STACK	4

static int vng_hc_inval_entry(struct vng_conn *conn, struct super_block *from,
			      u64 parent, const struct qstr *name,
			      bool expire_only, bool news)
{
	struct vng_hostchange *hc = &conn->hostchange;
	struct vng_hc_name stack[VNG_HC_NAMES_STACK], *n = stack;
	struct vng_hc_delete *del = NULL;
	unsigned int i, nr, max = VNG_HC_NAMES_STACK, asks;
	struct vng_sb *vsb;
	bool sure = false;
	u32 cookie = 0;
	int err = -ENOENT;

	if (!parent || !vng_hc_name_ok(name))
		return -EINVAL;
	mutex_lock(&hc->lock);
	/* a DELETE from another source is no half of this move */
	if (hc->pending && hc->del.from != from) {
		cancel_delayed_work(&hc->flush_work);
		vng_hc_flush_pending_locked(conn);
	}
	if (hc->pending) {
		/* this call decides the pending DELETE's fate: it owns it */
		cancel_delayed_work(&hc->flush_work);
		del = kmemdup(&hc->del, sizeof(*del), GFP_KERNEL);
		if (!del)
			vng_hc_flush_pending_locked(conn);
		hc->pending = false;
		cookie = fsnotify_get_cookie();
	}

	mutex_lock(&conn->sb_lock);
	nr = 0;
	list_for_each_entry(vsb, &conn->sb_list, conn_entry)
		nr++;
	if (nr > max) {
		/* a superblock without a slot is invalidated, not told */
		n = kcalloc(nr, sizeof(*n), GFP_KERNEL);
		if (n)
			max = nr;
		else
			n = stack;
	}
	memset(n, 0, max * sizeof(*n));
	asks = vng_hc_inval_names(conn, from, parent, name, expire_only,
				  !!del, n, max, &nr);
	for (i = 0; i < nr; i++)
		n[i].news = news && n[i].sb == from;
	if (nr)
		err = 0;
	mutex_unlock(&conn->sb_lock);
	mutex_unlock(&hc->lock);
	if (!asks && !del)
		goto out;
	/*
	 * A pending DELETE is a move or not for every superblock alike
	 * (nodeids are the session's): one LOOKUP decides it, also when no
	 * superblock wants events (watch=off keeps nlink right too).
	 */
	if (del && nr && !asks) {
		n[0].ask = true;
		asks = 1;
	}

	/* what the name is now: asked with no lock held */
	for (i = 0; i < nr; i++) {
		if (!n[i].ask)
			continue;
		n[i].attr_version = atomic64_read(&conn->attr_version);
		n[i].err = vng_lookup_entry(conn, parent, name, &n[i].out,
					    VNG_HC_LOOKUP_WAIT);
		if (!n[i].err && !n[i].out.nodeid)
			n[i].err = -ENOENT;
	}

	/* a delete is sure when a LOOKUP found the child not under the name */
	for (i = 0; del && i < nr; i++) {
		if (!n[i].ask)
			continue;
		if (!n[i].err && n[i].out.nodeid == del->child) {
			sure = false;	/* moved here: no delete at all */
			break;
		}
		if (!n[i].err || n[i].err == -ENOENT)
			sure = true;
	}

	mutex_lock(&hc->lock);
	mutex_lock(&conn->sb_lock);
	list_for_each_entry(vsb, &conn->sb_list, conn_entry) {
		struct vng_hc_name *cur = NULL;

		for (i = 0; i < nr && !cur; i++)
			if (n[i].vsb == vsb && n[i].sb == vsb->sb)
				cur = &n[i];
		if (cur)
			vng_hc_name_events(conn, vsb->sb, parent, name, cur,
					   del, sure, cookie);
		else if (del)
			vng_hc_report_delete_sb(conn, vsb->sb, del, sure);
	}
	mutex_unlock(&conn->sb_lock);
	mutex_unlock(&hc->lock);
	/* replies for superblocks that left meanwhile */
	for (i = 0; i < nr; i++)
		if (n[i].ask && !n[i].err && n[i].out.nodeid)
			vng_forget(conn, n[i].out.nodeid, 1);
out:
	if (n != stack)
		kfree(n);
	kfree(del);
	return err;
}

int vng_host_inval_entry(struct vng_conn *conn, struct super_block *from,
			 u64 parent, const struct qstr *name, bool expire_only)
{
	return vng_hc_inval_entry(conn, from, parent, name, expire_only, false);
}

int vng_host_new_entry(struct vng_conn *conn, struct super_block *from,
		       u64 parent, const struct qstr *name)
{
	return vng_hc_inval_entry(conn, from, parent, name, false, true);
}

/* ---- FUSE_NOTIFY_DELETE ----------------------------------------------- */

/* One superblock's part of a DELETE; tells whether the child is a dir. */
static int vng_hc_delete_sb(struct vng_conn *conn, struct super_block *sb,
			    u64 parent, u64 child, const struct qstr *name,
			    bool *isdir)
{
	struct inode *dir, *inode;
	struct dentry *entry;

	inode = child ? vng_ilookup(sb, child) : NULL;
	if (inode) {
		*isdir = S_ISDIR(inode->i_mode);
		vng_hc_stale_attr(conn, inode);
	}
	dir = vng_hc_dir(sb, parent);
	if (!dir) {
		iput(inode);
		return -ENOENT;
	}
	inode_lock_nested(dir, I_MUTEX_PARENT);
	vng_hc_dir_changed(conn, dir);
	entry = vng_dcache_lookup_dir(dir, name);
	if (entry) {
		if (!inode && d_really_is_positive(entry))
			*isdir = d_is_dir(entry);
		/*
		 * Unhashed whatever it names: if it is another node than the
		 * host says, the guest's view is stale anyway.  d_invalidate()
		 * also drops a directory's subtree; a guest mount on it is
		 * not detached behind the user's back (as fs/fuse refuses a
		 * DELETE of a mountpoint): the name only expires.
		 */
		vng_hc_drop_dentry(entry, d_mountpoint(entry));
		dput(entry);
	}
	inode_unlock(dir);
	iput(dir);
	iput(inode);
	return 0;
}

int vng_host_delete(struct vng_conn *conn, struct super_block *from,
		    u64 parent, u64 child, const struct qstr *name)
{
	struct vng_hostchange *hc = &conn->hostchange;
	struct vng_sb *vsb;
	bool isdir = false;
	int err = -ENOENT;

	if (!parent || child == VNG_ROOT_ID || child == parent ||
	    !vng_hc_name_ok(name))
		return -EINVAL;
	mutex_lock(&hc->lock);
	cancel_delayed_work(&hc->flush_work);
	/* two DELETEs in a row: the first was no move */
	vng_hc_flush_pending_locked(conn);
	mutex_lock(&conn->sb_lock);
	list_for_each_entry(vsb, &conn->sb_list, conn_entry) {
		if (!vng_hc_delete_sb(conn, vsb->sb, parent, child, name,
				      &isdir))
			err = 0;
	}
	mutex_unlock(&conn->sb_lock);

	hc->pending = true;
	hc->del.from = from;
	hc->del.isdir = isdir;
	hc->del.parent = parent;
	hc->del.child = child;
	hc->del.len = name->len;
	memcpy(hc->del.name, name->name, name->len);
	hc->del.name[name->len] = '\0';
	schedule_delayed_work(&hc->flush_work, VNG_MOVE_PAIR_WAIT);
	mutex_unlock(&hc->lock);
	return err;
}
