// SPDX-License-Identifier: GPL-2.0
/*
 * POSIX record locks (fcntl) and flock.  When the host negotiated
 * FUSE_POSIX_LOCKS / FUSE_FLOCK_LOCKS they are the host's: GETLK and
 * SETLK (FUSE_LK_FLOCK for flock) with an opaque lock owner id; blocking
 * locks retry SETLK rather than send SETLKW (see vng_setlk).
 * Otherwise, or once the host answered ENOSYS, locks are kept in this
 * guest only, as on a local filesystem.
 *
 * POSIX locks held on the host go away with FLUSH (which carries the lock
 * owner) when a process closes the file; flock locks with RELEASE
 * (FUSE_RELEASE_FLOCK_UNLOCK).
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "data.h"

static void vng_lk_in(struct fuse_lk_in *in, struct file *file,
		      const struct file_lock *fl, bool flock)
{
	struct vng_file *ff = file->private_data;

	in->fh = ff->fh;
	in->owner = vng_lock_owner_id(vng_fl_owner(fl));
	in->lk.start = fl->fl_start;
	in->lk.end = fl->fl_end;
	in->lk.type = vng_fl_type(fl);
	/* in the initial namespace, as GETLK replies are read back */
	in->lk.pid = vng_fl_type(fl) == F_UNLCK ? 0 : task_tgid_nr(current);
	if (flock)
		in->lk_flags |= FUSE_LK_FLOCK;
}

/* Converts a GETLK reply into fl; -EIO when the host's lock is not sane. */
static int vng_lk_out(struct vng_conn *conn, struct inode *inode,
		      const struct fuse_file_lock *lk, struct file_lock *fl)
{
	struct pid *pid;

	switch (lk->type) {
	case F_UNLCK:
		vng_fl_type(fl) = F_UNLCK;
		return 0;
	case F_RDLCK:
	case F_WRLCK:
		break;
	default:
		goto bad;
	}
	if (lk->start > OFFSET_MAX || lk->end > OFFSET_MAX ||
	    lk->end < lk->start)
		goto bad;

	vng_fl_type(fl) = lk->type;
	fl->fl_start = lk->start;
	fl->fl_end = lk->end;
	/* the pid we sent when the lock was taken, seen from this caller */
	vng_fl_pid(fl) = 0;
	if (lk->pid && lk->pid <= PID_MAX_LIMIT) {
		rcu_read_lock();
		pid = find_pid_ns(lk->pid, &init_pid_ns);
		if (pid)
			vng_fl_pid(fl) = pid_nr_ns(pid, task_active_pid_ns(current));
		rcu_read_unlock();
	}
	return 0;

bad:
	vng_conn_err(conn, "GETLK of node %llu: invalid lock type %u range %llu-%llu",
		     vng_nodeid(inode), lk->type, lk->start, lk->end);
	return -EIO;
}

static int vng_getlk(struct file *file, struct file_lock *fl)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	struct fuse_lk_in in = {};
	struct fuse_lk_out out = {};
	struct vng_args args = {};
	ssize_t ret;

	vng_lk_in(&in, file, fl, false);
	vng_args_in_out(&args, FUSE_GETLK, vng_nodeid(inode),
			&in, sizeof(in), &out, sizeof(out));
	ret = vng_request(conn, &args);
	if (ret < 0)
		return ret;
	return vng_lk_out(conn, inode, &out.lk, fl);
}

/* Longest pause between two tries of a blocking lock, in ms. */
#define VNG_LOCK_RETRY_MAX_MS	100

static int vng_setlk(struct file *file, struct file_lock *fl, bool flock)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	unsigned int delay_ms = 1;
	struct fuse_lk_in in = {};
	struct vng_args args = {};
	ssize_t ret;

	/* lockd's asynchronous grant callbacks cannot be offered */
	if (fl->fl_lmops && fl->fl_lmops->lm_grant)
		return -ENOLCK;

	vng_lk_in(&in, file, fl, flock);
	args.opcode = FUSE_SETLK;
	args.nodeid = vng_nodeid(inode);
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	/* an unlock must reach the host even from a dying process */
	if (vng_fl_type(fl) == F_UNLCK)
		args.force = true;

	/*
	 * A blocking lock is polled with non-blocking SETLKs instead of one
	 * SETLKW: a SETLKW parks a host worker (with one queue, every other
	 * request of the guest behind it, the holder's unlock included),
	 * some hosts refuse it, and here any signal ends the wait.
	 */
	for (;;) {
		ret = vng_request(conn, &args);
		if (!(vng_fl_flags(fl) & FL_SLEEP) ||
		    (ret != -EAGAIN && ret != -EACCES))
			return ret;
		if (schedule_timeout_interruptible(msecs_to_jiffies(delay_ms)) ||
		    signal_pending(current))
			return -ERESTARTSYS;
		delay_ms = min_t(unsigned int, delay_ms * 2, VNG_LOCK_RETRY_MAX_MS);
	}
}

static bool vng_posix_locks_local(struct vng_conn *conn)
{
	return !vng_conn_has(conn, FUSE_POSIX_LOCKS) ||
	       vng_conn_no(conn, VNG_NO_LOCK);
}

static int vng_lock_local(struct file *file, int cmd, struct file_lock *fl)
{
	if (cmd == F_GETLK) {
		posix_test_lock(file, fl);
		return 0;
	}
	/* FILE_LOCK_DEFERRED makes the VFS wait for a blocking lock */
	return posix_lock_file(file, fl, NULL);
}

int vng_lock(struct file *file, int cmd, struct file_lock *fl)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	int err;

	if (vng_is_bad(inode))
		return -EIO;
	if (cmd == F_CANCELLK)
		return 0;
	if (vng_posix_locks_local(conn))
		return vng_lock_local(file, cmd, fl);

	if (cmd == F_GETLK)
		err = vng_getlk(file, fl);
	else
		err = vng_setlk(file, fl, false);
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_LOCK);
		return vng_lock_local(file, cmd, fl);
	}
	return err;
}

int vng_flock(struct file *file, int cmd, struct file_lock *fl)
{
	struct inode *inode = file_inode(file);
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_file *ff = file->private_data;
	int err;

	if (vng_is_bad(inode))
		return -EIO;
	if (!vng_conn_has(conn, FUSE_FLOCK_LOCKS) ||
	    vng_conn_no(conn, VNG_NO_FLOCK))
		return locks_lock_file_wait(file, fl);

	/* RELEASE drops what this open file holds on the host */
	ff->lock_owner = vng_lock_owner_id(vng_fl_owner(fl));
	ff->flock = true;
	err = vng_setlk(file, fl, true);
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_FLOCK);
		return locks_lock_file_wait(file, fl);
	}
	return err;
}
