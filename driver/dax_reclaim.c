// SPDX-License-Identifier: GPL-2.0
/*
 * Taking ranges of the DAX window back (dax_priv.h).  A background worker
 * keeps VNG_DAX_FREE_PERCENT of the ranges free, oldest mapping first.  A
 * read or write that finds none free takes back one of its own inode's
 * ranges, or waits for the worker; a fault only waits (it holds its
 * inode's fault_lock shared and cannot unmap).  Nothing fails with ENOSPC
 * while other inodes hold ranges that can be taken back.  A host out of
 * room for mappings (host_full) makes the window short whatever is free.
 *
 * The worker reaches inodes through the busy list: it pins the superblock
 * against unmount (s_umount shared, trylock) and the inode (igrab) under
 * the window's lock, which eviction also takes to unlink its ranges.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "dax_priv.h"

static bool vng_dax_short(struct vng_dax *dax)
{
	return READ_ONCE(dax->host_full) ||
	       READ_ONCE(dax->nr_free) * 100 <
	       dax->nr_ranges * VNG_DAX_FREE_PERCENT;
}

/*
 * Takes back the least recently mapped range nobody uses.  1 when one
 * was freed, 0 when the candidate turned out busy, -ENOENT when there
 * was no candidate.
 */
static int vng_dax_reclaim_one(struct vng_dax *dax)
{
	struct vng_dax_range *r, *found = NULL;
	struct super_block *sb = NULL;
	struct inode *inode = NULL;
	struct vng_dax_inode *di;
	int err;

	spin_lock(&dax->lock);
	list_for_each_entry(r, &dax->busy, entry) {
		if (atomic_read(&r->users))
			continue;
		inode = r->inode;
		sb = inode->i_sb;
		/* not while the filesystem is being unmounted */
		if (!down_read_trylock(&sb->s_umount))
			continue;
		if (!(sb->s_flags & SB_ACTIVE) || !igrab(inode)) {
			up_read(&sb->s_umount);
			continue;
		}
		/* the next run starts with the others */
		list_move_tail(&r->entry, &dax->busy);
		found = r;
		break;
	}
	spin_unlock(&dax->lock);
	if (!found)
		return -ENOENT;

	di = vng_dax_i(inode);
	down_write(&di->fault_lock);
	err = vng_dax_reclaim_range(inode, found);
	up_write(&di->fault_lock);
	iput(inode);
	up_read(&sb->s_umount);
	if (err)
		return 0;
	atomic64_inc(&dax->reclaims);
	return 1;
}

static void vng_dax_reclaim_work(struct work_struct *work)
{
	struct vng_dax *dax = container_of(to_delayed_work(work),
					   struct vng_dax, reclaim_work);
	unsigned long tries;
	unsigned int done = 0;
	bool waiters;

	for (tries = 0; tries < dax->nr_ranges && done < VNG_DAX_RECLAIM_BATCH;
	     tries++) {
		int ret;

		if (!vng_dax_short(dax) && !atomic_read(&dax->waiters))
			break;
		ret = vng_dax_reclaim_one(dax);
		if (ret < 0)
			break;
		done += ret;
		/* waiters need one range, not a whole batch */
		if (ret && !vng_dax_short(dax))
			break;
		cond_resched();
	}

	waiters = atomic_read(&dax->waiters);
	spin_lock(&dax->lock);
	if (!dax->stopping) {
		/*
		 * Again at once while it helps; somebody waiting gets
		 * another try soon even when everything was busy now.
		 */
		if (done && vng_dax_short(dax))
			queue_delayed_work(system_unbound_wq, &dax->reclaim_work,
					   0);
		else if (waiters)
			queue_delayed_work(system_unbound_wq, &dax->reclaim_work,
					   done ? 0 : HZ / 20);
	}
	spin_unlock(&dax->lock);
}

void vng_dax_reclaim_init(struct vng_dax *dax)
{
	INIT_DELAYED_WORK(&dax->reclaim_work, vng_dax_reclaim_work);
	atomic_set(&dax->waiters, 0);
	atomic64_set(&dax->mappings, 0);
	atomic64_set(&dax->reclaims, 0);
	atomic64_set(&dax->removals, 0);
}

void vng_dax_reclaim_stop(struct vng_dax *dax)
{
	spin_lock(&dax->lock);
	dax->stopping = true;
	spin_unlock(&dax->lock);
	cancel_delayed_work_sync(&dax->reclaim_work);
}

void vng_dax_reclaim_kick(struct vng_dax *dax, bool now)
{
	spin_lock(&dax->lock);
	if (!dax->stopping && (now || vng_dax_short(dax)))
		mod_delayed_work(system_unbound_wq, &dax->reclaim_work, 0);
	spin_unlock(&dax->lock);
}

int vng_dax_wait_free(struct vng_dax *dax)
{
	int err;

	atomic_inc(&dax->waiters);
	vng_dax_reclaim_kick(dax, true);
	err = wait_event_killable(dax->free_wq, READ_ONCE(dax->nr_free) > 0 &&
				  !READ_ONCE(dax->host_full));
	atomic_dec(&dax->waiters);
	return err ? -EINTR : 0;
}

/* One of inode's own ranges nobody uses, with fault_lock held. */
int vng_dax_reclaim_own(struct inode *inode)
{
	struct vng_dax_inode *di = vng_dax_i(inode);
	struct vng_dax_range *r, *victim = NULL;
	int err = -EBUSY;

	if (!READ_ONCE(di->nr))
		return -ENOENT;
	down_write(&di->fault_lock);
	down_read(&di->sem);
	for (r = vng_dax_tree_first(di, 0, U64_MAX); r;
	     r = rb_entry_safe(rb_next(&r->rb), struct vng_dax_range, rb)) {
		if (!atomic_read(&r->users)) {
			victim = r;
			break;
		}
	}
	up_read(&di->sem);
	if (victim)
		err = vng_dax_reclaim_range(inode, victim);
	up_write(&di->fault_lock);
	return err;
}

struct vng_dax_range *vng_dax_reclaim_for(struct inode *inode)
{
	struct vng_dax *dax = vng_dax_owner(inode);
	struct vng_dax_range *r;
	int err;

	for (;;) {
		r = vng_dax_alloc_range(dax);
		if (r)
			return r;
		if (!vng_dax_reclaim_own(inode)) {
			atomic64_inc(&dax->reclaims);
			continue;
		}
		err = vng_dax_wait_free(dax);
		if (err)
			return ERR_PTR(err);
	}
}

/*
 * Device removal: the pages of the window go once the virtio device is
 * unbound, so before that every inode holding a range is unmapped,
 * unpinned and emptied (vng_dax_inode_gone()).  The busy list names them
 * all: dax entries exist only for ranges on it.  An inode being evicted,
 * or a filesystem being unmounted, gives its ranges back itself: wait.
 */
void vng_dax_reclaim_all(struct vng_dax *dax)
{
	struct vng_dax_range *r;
	struct super_block *sb;
	struct inode *inode;

	for (;;) {
		inode = NULL;
		spin_lock(&dax->lock);
		r = list_first_entry_or_null(&dax->busy, struct vng_dax_range,
					     entry);
		if (!r) {
			spin_unlock(&dax->lock);
			return;
		}
		sb = r->inode->i_sb;
		if (down_read_trylock(&sb->s_umount)) {
			if (sb->s_flags & SB_ACTIVE)
				inode = igrab(r->inode);
			if (!inode)
				up_read(&sb->s_umount);
		}
		spin_unlock(&dax->lock);
		if (!inode) {
			usleep_range(1000, 2000);
			continue;
		}
		vng_dax_inode_gone(inode);
		iput(inode);
		up_read(&sb->s_umount);
	}
}
